"""The comparison page: the cities of a province side by side (a sortable table, each row with its source) and a
schematic tile map — one tile per city placed on a grid by its geography, coloured by the chosen measure.

The tile positions come from the city list alone: a hand-made grid per province (``iekg/data/reference/
tile_grid_*.json``: relative positions of the cities' seats, made by this project — a schematic, not a map) and,
for a province without one (or a city the grid does not hold), a compact grid in code order.  No boundary or
coordinate data is used: a map of administrative boundaries published in China needs an approved 审图号.

One static page: inline CSS and JavaScript, the answer of :func:`iekg.service.comparison` written into it, no
external load.  Names are written with ``textContent`` by the script (never as markup).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from iekg import __version__
from iekg.graph.store import Store
from iekg.viz.page import ILLUSTRATIVE_BANNER, Page, asset, render, script_json

GRIDS = Path(__file__).resolve().parent.parent / "data" / "reference"
ROUTES: dict[str, str] = {"compare": "/api/analysis/compare", "dashboard": "/dashboard"}
CAPTION = ("示意图，不是地图，不含行政区划界线：每个方块代表一个城市，按城市政府驻地的相对方位手工排列，不表示面积、形状或距离 "
           "(a schematic, not a map: one tile per city, placed by the relative positions of the cities' seats)")


@functools.cache
def _grids() -> dict[str, dict[str, Any]]:
    """Province code → its hand-made tile grid (``tile_grid_*.json``)."""
    out = {}
    for p in sorted(GRIDS.glob("tile_grid_*.json")):
        g = json.loads(p.read_text(encoding="utf-8"))
        out[str(g["province"])] = {**g, "file": p.name}
    return out


def tile_layout(cities: Sequence[str], province: str | None = None) -> dict[str, Any]:
    """Where each city's tile goes: ``tiles`` (code → row, col), ``rows``, ``cols``, ``layout`` (``grid``: the
    province's hand-made grid; ``compact``: a compact grid in code order) and ``unplaced`` (cities the grid does
    not hold, put in code order in the rows below it).

    Parameters
    ----------
    cities : sequence of str
        The city codes to place.
    province : str, optional
        The province code (its grid, when the project has one).

    Returns
    -------
    dict
    """
    codes = sorted(set(cities))
    grid = _grids().get(str(province)) if province else None
    tiles: dict[str, dict[str, int]] = {}
    if grid:
        placed = {t["code"]: t for t in grid["tiles"]}
        rows = 1 + max(t["row"] for t in grid["tiles"])
        cols = 1 + max(t["col"] for t in grid["tiles"])
        for c in codes:
            if c in placed:
                tiles[c] = {"row": int(placed[c]["row"]), "col": int(placed[c]["col"])}
        rest = [c for c in codes if c not in tiles]
        for k, c in enumerate(rest):
            tiles[c] = {"row": rows + k // cols, "col": k % cols}
        used_rows = rows + math.ceil(len(rest) / cols) if rest else rows
        return {"tiles": tiles, "rows": used_rows, "cols": cols, "layout": "grid", "unplaced": rest,
                "grid_file": grid["file"], "grid_note": grid["note"]}
    cols = max(1, math.ceil(math.sqrt(len(codes))))
    for k, c in enumerate(codes):
        tiles[c] = {"row": k // cols, "col": k % cols}
    return {"tiles": tiles, "rows": math.ceil(len(codes) / cols) if codes else 0, "cols": cols, "layout": "compact",
            "unplaced": [], "grid_file": None,
            "grid_note": "本省没有手工排列的方块布局：按城市代码顺序紧凑排列，位置不表示地理方位 (compact grid in code order)"}


def page_script() -> str:
    """The page's script exactly as it is inlined (the API allows it by its hash)."""
    return asset("compare.js").replace("</script", "<\\/script")


def compare_html(store: Store, *, province: str | None = None, cities: Sequence[str] | None = None,
                 year: int | None = None, sort: str = "sai", routes: Mapping[str, str] | None = None,
                 answer: Any = None) -> Page:
    """The comparison page for a province (or some cities).

    Parameters
    ----------
    store : Store
        The graph.
    province : str, optional
        A province code (default: the province of the cities, else every city).
    cities : sequence of str, optional
        Compare only these cities.
    year : int, optional
        The year (default: the latest with programs).
    sort : str
        The measure chosen first: ``sai``, ``coverage``, ``targets`` or ``coupling``.
    routes : mapping, optional
        ``compare`` (the JSON route the download link points to, ``?format=csv`` added) and ``dashboard``.
    answer : Answer, optional
        The :func:`iekg.service.comparison` answer when the caller has it (else asked here).

    Returns
    -------
    Page
        ``meta``: ``cities``, ``ranked``, ``unranked``, ``layout``, ``illustrative``.
    """
    from iekg import service

    ans = answer if answer is not None else service.compare(store, province=province, cities=cities, year=year,
                                                            sort=sort)
    data = ans.data
    layout = tile_layout([r["city"] for r in data["cities"]], data["province"])
    r = {**ROUTES, **(routes or {})}
    query = "&".join(x for x in (f"province={data['province']}" if data["province"] else "",
                                 f"year={data['year']}" if data["year"] else "") if x)
    config = {"data": {**data, "illustrative": ans.illustrative}, "layout": layout, "routes": r,
              "download": f"{r['compare']}?{query + '&' if query else ''}format=csv", "caption": CAPTION,
              "version": __version__}
    title = f"{data['scope_name']} {data['year'] or ''} 城市比较".strip()
    text = render(asset("compare.html"), {
        "TITLE": _esc(title),
        "BANNER": ILLUSTRATIVE_BANNER if ans.illustrative else "",
        "CSS": asset("compare.css"),
        "JS": page_script(),
        "CONFIG": script_json(config),
        "CAPTION": _esc(CAPTION),
        "VERSION": _esc(__version__),
    })
    return Page(text, {"cities": len(data["cities"]), "ranked": data["ranked"], "unranked": data["unranked"],
                       "layout": layout["layout"], "illustrative": ans.illustrative, "title": title})


def _esc(text: str) -> str:
    import html

    return html.escape(text)

"""The page frame every picture shares: our own template, vis-network inlined, no external load.

pyvis builds the node and edge lists; its own template is not used, because it loads Bootstrap (and,
unless ``cdn_resources="in_line"``, vis-network) from CDNs.  Here the vis-network JavaScript and CSS
that pyvis ships inside its package are inlined into ``assets/network.html``, so a page works with the
network cable out.  :func:`external_loads` finds any load of a remote resource left in a page.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from iekg import __version__
from iekg.viz.style import FONT, LegendItem

ASSETS = Path(__file__).resolve().parent / "assets"


# ----------------------------------------------------------------------------------------- assets
def _vis_dir() -> Any:
    lib = resources.files("pyvis").joinpath("lib")
    dirs = sorted((d for d in lib.iterdir() if d.name.startswith("vis-")),
                  key=lambda d: tuple(int(x) for x in re.findall(r"\d+", d.name)))
    if not dirs:
        raise RuntimeError("pyvis ships no vis-network library (pyvis/lib/vis-*): reinstall pyvis")
    return dirs[-1]


@functools.cache
def vis_js() -> str:
    """vis-network's JavaScript as pyvis ships it, without the source-map comment (devtools would fetch it)."""
    text = _vis_dir().joinpath("vis-network.min.js").read_text(encoding="utf-8")
    return re.sub(r"//# sourceMappingURL=\S*", "", text).replace("</script", "<\\/script")


@functools.cache
def vis_css() -> str:
    text = _vis_dir().joinpath("vis-network.css").read_text(encoding="utf-8")
    return re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", text)


@functools.cache
def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def render(template: str, values: dict[str, str]) -> str:
    """Replace ``{{NAME}}`` placeholders in one pass (inserted text is never scanned again)."""
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], template)


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, default=str, allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


_REMOTE = r"""(?:https?:)?//"""
_LOAD_PATTERNS = [
    re.compile(r"""\b(?:src|href|action|poster|data|srcset|formaction|background)\s*=\s*["']?\s*""" + _REMOTE, re.I),
    re.compile(r"""url\(\s*["']?\s*""" + _REMOTE, re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']?\s*""" + _REMOTE, re.I),
    re.compile(r"""\b(?:fetch|importScripts|import)\s*\(\s*["'`]\s*""" + _REMOTE, re.I),
]


def external_loads(page: str) -> list[str]:
    """Every place a page would load something from another host (src=, href=, url(, @import, fetch(…))."""
    found = []
    for pat in _LOAD_PATTERNS:
        for m in pat.finditer(page):
            found.append(page[max(0, m.start() - 40): m.end() + 60])
    return found


# ------------------------------------------------------------------------------------------- page
class Page(str):
    """A complete, self-contained HTML page (a ``str``) that can write itself to a file.

    ``meta`` holds what the page shows: node and edge counts, whether it was capped, whether the data
    is illustrative."""

    meta: dict[str, Any]

    def __new__(cls, text: str, meta: dict[str, Any] | None = None) -> Page:
        obj = super().__new__(cls, text)
        obj.meta = dict(meta or {})
        return obj

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(str(self), encoding="utf-8")
        return p


@dataclass
class Frame:
    """Everything around the network: titles, notes, legend, banner."""

    title: str
    subtitle: str
    legend: list[LegendItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shown under the header (e.g. capped)
    illustrative: bool = False
    legend_notes: list[str] = field(default_factory=list)  # small print under the legend (sizes …)
    kind: str = "network"
    link_prefix: str | None = None  # e.g. "/viz": the details panel links to "{prefix}/ego/{uid}"


def legend_html(items: Sequence[LegendItem], notes: Sequence[str]) -> str:
    out = []
    for it in items:
        e = html.escape
        if it.shape in ("line", "dashed"):
            style = "solid" if it.shape == "line" else "dashed"
            mark = f'<span class="lg-line" style="border-top:{it.width}px {style} {e(it.color)}"></span>'
        else:
            border = e(it.border or it.color)
            radius = "3px" if it.shape == "box" else "50%"
            mark = (f'<span class="lg-mark" style="background:{e(it.color)};border:{it.width}px solid {border};'
                    f'border-radius:{radius}"></span>')
        out.append(f'<li>{mark}<span class="lg-zh">{e(it.zh)}</span> <span class="lg-en">{e(it.en)}</span></li>')
    small = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    return f'<ul class="legend-list">{"".join(out)}</ul><div class="legend-notes">{small}</div>'


ILLUSTRATIVE_BANNER = ('<div class="banner" role="note" id="illustrative-banner"><strong>示意数据 (illustrative)</strong>'
                       '：本页图形基于示意（演示）数据生成，不代表真实情况。'
                       '<span class="en">Built from illustrative demo data — not real figures.</span></div>')


def network_page(frame: Frame, nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
                 options: dict[str, Any]) -> Page:
    """The page for one network: pyvis's node and edge dicts, vis-network options, our frame."""
    e = html.escape
    notes = "".join(f'<div class="note capped" role="note">{e(n)}</div>' for n in frame.notes)
    data = {"nodes": nodes, "edges": edges, "options": options, "linkPrefix": frame.link_prefix, "kind": frame.kind}
    text = render(asset("network.html"), {
        "TITLE": e(frame.title),
        "SUBTITLE": e(frame.subtitle),
        "BANNER": ILLUSTRATIVE_BANNER if frame.illustrative else "",
        "NOTES": notes,
        "LEGEND": legend_html(frame.legend, frame.legend_notes),
        "COUNTS": f"节点 nodes {len(nodes):,} · 连线 edges {len(edges):,}",
        "FOOTER": e(f"iekg {__version__} · 生成于 generated {datetime.now().strftime('%Y-%m-%d %H:%M')}"),
        "VIS_CSS": vis_css(),
        "PAGE_CSS": asset("network.css"),
        "VIS_JS": vis_js(),
        "PAGE_JS": asset("network.js"),
        "DATA": script_json(data),
        "KIND": e(frame.kind),
    })
    return Page(text, {"nodes": len(nodes), "edges": len(edges), "illustrative": frame.illustrative,
                       "capped": bool(frame.notes and any("capped" in n for n in frame.notes)),
                       "notes": list(frame.notes), "title": frame.title})


def error_page(title: str, message: str, status: int = 404) -> Page:
    """A small page for a route that cannot draw (unknown code …)."""
    e = html.escape
    text = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{e(title)}</title>'
            f'<style>body{{font-family:{FONT};margin:3rem;color:#222}} .en{{color:#666}}</style></head>'
            f'<body><h1>{e(title)}</h1><p>{e(message)}</p><p class="en">HTTP {status}</p></body></html>')
    return Page(text, {"status": status})

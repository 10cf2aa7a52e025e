"""The pilot-city list (henan_pilot_cities.csv) → each city's pilot status as a public fact."""

from __future__ import annotations

from pathlib import Path

from iekg.loaders.official.common import PathLike, as_code, find_header, finders, public_table, read_sheets
from iekg.loaders.source import PUBLIC, SourceRow, SourceTable

PILOT_PROPS = ("pilot_level", "pilot_batch", "pilot_document", "pilot_issued", "pilot_source")
_PILOT_COLUMNS = {"pilot_level": "pilot_level", "pilot_batch": "batch", "pilot_document": "document",
                  "pilot_issued": "issued", "pilot_source": "source"}


def read_pilot_cities(path: PathLike) -> list[SourceTable]:
    """The pilot-city list (``henan_pilot_cities.csv``: city_code, city_name, pilot_level, batch, document,
    issued, source) → table ``cities`` with the extra columns ``pilot_level`` (省级 / 国家级),
    ``pilot_batch``, ``pilot_document``, ``pilot_issued`` and ``pilot_source`` (the page the fact was
    read from), kept as properties of the City node, with ``pilot_source_kind`` = public (the node's own
    ``source`` is overwritten by a later table naming the city, e.g. the shipped reference cities).  Several rows for one city (e.g. a provincial and a
    national selection) become one row whose values are joined with "；".  Each row is a public fact:
    its ``source`` (the node's provenance) cites the document and the page."""
    p = Path(path)
    sheet = read_sheets(p)[0]
    found = find_header(sheet, ("city_code", "city_name", "pilot_level", "batch", "document", "issued", "source"))
    if found is None:
        raise ValueError(f"{p}: 不是试点城市名单 (需要列 city_code, city_name, pilot_level, batch, document, issued, source)")
    hr, cols = found
    c, h = finders(sheet, hr, cols)
    headers = {"code": h("city_code"), "name": h("city_name"), **{k: h(v) for k, v in _PILOT_COLUMNS.items()}}
    t = public_table("cities", p, sheet, headers, [*PILOT_PROPS, "pilot_source_kind"], "试点城市名单")
    merged: dict[str, tuple[int, dict[str, list[str]]]] = {}
    for r in range(hr + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if not any(row):
            continue
        code = as_code(sheet.cell(r, c("city_code")), 6)
        if not code:
            continue
        line, vals = merged.setdefault(code, (r + 1, {"name": [], **{k: [] for k in PILOT_PROPS}}))
        name = sheet.cell(r, c("city_name"))
        if name and name not in vals["name"]:
            vals["name"].append(name)
        for k, col in _PILOT_COLUMNS.items():
            v = sheet.cell(r, c(col))
            if v and v not in vals[k]:
                vals[k].append(v)
    for code, (line, vals) in merged.items():
        values = {"code": code, "name": vals["name"][0] if vals["name"] else "",
                  **{k: "；".join(vals[k]) for k in PILOT_PROPS}}
        docs = "；".join(vals["pilot_document"]) or "试点城市名单"
        values["source"] = f"{docs}（{values['pilot_source']}）" if values["pilot_source"] else docs
        values["pilot_source_kind"] = PUBLIC  # the fact's own provenance, kept when a later table names the city
        t.rows.append(SourceRow(line, values))
    return [t]

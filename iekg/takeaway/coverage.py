"""The data-coverage lines, written once: what the figures rest on (cities and institutions with data, and
those without), programs without figures and a partial (thin) year.  The CLI prints them under its tables
(``iekg align`` …), the converters put them in the notes of every CSV and xlsx."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Style = Literal["dim", "yellow"]


def coverage_lines(cov: Mapping[str, Any] | None) -> list[tuple[str, Style]]:
    """The lines that say what an answer's figures rest on.

    Parameters
    ----------
    cov : mapping or None
        An answer's ``data_coverage`` (:mod:`iekg.queries.coverage`).

    Returns
    -------
    list of (str, str)
        Each line with its terminal style: the summary (``dim``), then the programs without figures and the
        partial year (``yellow``) when there are any.  None or empty: no line.
    """
    if not cov:
        return []
    c, i = cov["cities"], cov["institutions"]
    parts = [f"数据覆盖 coverage {cov['year']}: 院校 {i['with_programs']}/{i['total']} 有专业点数据"]
    if i["without_programs_total"]:
        more = " …" if i["without_programs_total"] > len(i["without_programs"]) else ""
        parts.append(f"无专业点 no programs: {', '.join(i['without_programs'][:10])}{more}")
    if c["total"] > 1 or c["without_programs"] or c["without_demand"]:
        parts.append(f"城市 {len(c['with_programs'])}/{c['total']} 有专业点、{len(c['with_demand'])}/{c['total']} 有需求数据")
    if c["without_demand"]:
        parts.append(f"无需求数据 no demand: {', '.join(c['without_demand'][:10])}" + (" …" if len(c["without_demand"]) > 10 else ""))
    pub = [f"城市 {len(c['public_only'])} 个" if c.get("public_only") else "",
           f"院校 {i['public_only']} 所" if i.get("public_only") else ""]
    if any(pub):
        parts.append("另有" + "、".join(x for x in pub if x) + "只在公开名单中、不在你的数据里，不算缺数据 "
                     "(in the public lists, not in your data)")
    lines: list[tuple[str, Style]] = [("；".join(parts), "dim")]
    programs, years = cov.get("programs") or {}, cov.get("years") or {}
    if programs.get("note"):
        lines.append((f"无数字 no figures: {programs['note']}", "yellow"))
    if years.get("note"):
        lines.append((f"年份数据偏少 partial year: {years['note']}", "yellow"))
    return lines

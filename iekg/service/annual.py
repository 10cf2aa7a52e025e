"""The annual supply–demand report (``iekg export report``, ``GET /exports/report``): a city's or a province's
year in one A4 Word document — the same tables the downloads hand out and the same charts ``iekg chart``
exports, with the data-coverage section first (issue 22)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iekg.graph.store import Store
from iekg.service.arguments import city_or_province
from iekg.takeaway.tabular import Tabular, view

TREND_YEARS = 5  # the trend part covers the report's year and up to four before it
# What an A4 page shows of each answer (the xlsx download has every column): sheet → column keys
REPORT_VIEW: dict[str, dict[str, list[str]]] = {  # key=短标题: a shorter header on the page
    "alignment": {"行业": ["code", "name", "supply", "demand", "ratio", "status", "deviation"],
                  "环节覆盖": ["id", "name", "state"]},
    "gaps": {"缺口计数": ["type_zh", "count"], "缺口": ["rank", "type_zh", "name", "people", "message"]},
    "compare": {"城市比较": ["rank", "name", "source", "sai=SAI", "coverage", "targets_met=目标达成",
                         "coupling=耦合协调度", "gaps_total=缺口（个）"]},
    "trend": {"逐年": ["year", "S", "D", "sai=SAI", "coverage", "dS=较上年供给", "dD=较上年需求"]},
}


CHART_INDUSTRIES = 20  # the report's supply/demand chart: the industries with the largest gaps


def _largest_gaps(a: dict[str, Any], n: int = CHART_INDUSTRIES) -> dict[str, Any]:
    """The alignment with only the ``n`` industries of largest |demand − supply| (those with demand data first:
    without it there is no gap), for a chart that fits a page; the table beside it has every industry."""
    rows = a.get("industries") or []
    known = sorted((i for i in rows if i.get("demand_data", True)),
                   key=lambda i: (-abs((i.get("demand") or 0) - (i.get("supply") or 0)), i["code"]))
    rest = sorted((i for i in rows if not i.get("demand_data", True)), key=lambda i: (-(i.get("supply") or 0), i["code"]))
    return {**a, "industries": (known + rest)[:n]}


def _method_lines(a: dict[str, Any]) -> list[str]:
    th = a.get("thresholds") or {}
    lines = [
        "供给：本范围院校专业点的毕业生数 × 专业—行业对应权重（缺毕业生数时按在校生数÷学制估算，并注明）；"
        "需求：人才需求表的需求人数，按行业汇总（docs/measures.md）。",
        "结构匹配指数 SAI = 1 − ½ Σ|s_i/S − d_i/D|，1 表示供给结构与需求结构完全一致；观测 SAI 只在有需求数据的行业上计算。",
        "链条覆盖率：本范围重点产业链的环节中，至少有一个对应行业有本地专业供给的环节所占比例。",
        "缺少的数据记为「无数据」，不当作 0；比较和排名中没有数据的城市单列、不参与排名。",
    ]
    if "shortage_below" in th and "surplus_above" in th:
        lines.append(f"供需状态：供需比 < {th['shortage_below']:g} 为短缺，> {th['surplus_above']:g} 为过剩——"
                     f"{a.get('thresholds_label') or '本工具的参考值'}，不是通知的要求。")
    return lines


def annual_report(store: Store, path: str | Path, *, city: str | None = None, province: str | None = None,
                  year: int | None = None, today: dt.date | None = None,
                  target_year: int | None = None) -> dict[str, Any]:
    """Write the annual supply–demand report of a city or a province.

    Parameters
    ----------
    store : Store
        The graph.
    path : str or Path
        The .docx to write.
    city, province : str, optional
        The scope: one city or one province (exactly one).
    year : int, optional
        The year reported (default: the latest year with programs in scope).
    today : date, optional
        The report's date.
    target_year : int, optional
        Add a part with the alignment projected to this year beside the report year's (flagged 预测, the
        methods named; docs/measures.md "The target year").

    Returns
    -------
    dict
        ``path``, ``title``, ``year``, ``tables``, ``figures``, ``rows`` (the table rows written, as text),
        ``skipped_charts``, ``illustrative`` and ``target_year`` (None without one).

    Raises
    ------
    ArgumentError
        Neither or both of city and province.
    LookupError
        An unknown city or province; no program in scope.
    """
    from iekg import service
    from iekg.charts import specs
    from iekg.reports.annual import write_annual_report
    from iekg.service.comparison import compare, trend
    from iekg.takeaway.convert import tabular as full

    def tabular(kind: str, answer: Any, store: Store, *, today: dt.date | None) -> Tabular:
        return view(full(kind, answer, store, today=today), REPORT_VIEW[kind])
    from iekg.takeaway.coverage import coverage_lines

    cities = [city] if city else None
    city_or_province(cities, province)
    a = service.alignment(store, cities, province, year)
    if a.data.get("year") is None:
        raise LookupError(a.data.get("reason") or "本范围没有专业点数据 (no programs in scope)")
    year = int(a.data["year"])
    projected = None
    if target_year is not None:  # the same answer with the target year beside it: a part of its own
        projected = service.alignment(store, cities, province, year, target_year=target_year)
    scope_name = a.data["scope_name"]
    g = service.gaps(store, cities, province, year, None, limit=30)
    tr = trend(store, cities, province, (year - TREND_YEARS + 1, year))
    sections: list[tuple[str, Tabular, tuple[Callable[[], dict[str, Any]], str] | None]] = [
        ("总体供需与分行业匹配", tabular("alignment", a, store, today=today),
         (lambda: specs.supply_demand(_largest_gaps(a.data), a.illustrative),
          f"（供需差额最大的 {CHART_INDUSTRIES} 个行业；全部行业见表）")),
        ("主要缺口", tabular("gaps", g, store, today=today), None),
    ]
    if projected is not None:
        ty = int(projected.data["target"]["target_year"])
        sections.append((f"{ty}年供需预测（预测 projection）",
                         target_view(full("alignment", projected, store, today=today), ty,
                                     f"{scope_name} {ty}年 产教匹配预测（基于 {year} 年数据）"), None))
    illustrative = a.illustrative or g.illustrative or tr.illustrative
    if province:
        cmp = compare(store, province, None, year)
        sections.append(("各城市比较", tabular("compare", cmp, store, today=today),
                         (lambda: specs.compare(cmp.data, cmp.illustrative), "")))
        illustrative = illustrative or cmp.illustrative
    sections.append(("历年趋势", tabular("trend", tr, store, today=today),
                     (lambda: specs.trend(tr.data, tr.illustrative), "") if len(tr.data.get("years") or []) > 1
                     else None))
    coverage = [line for line, _ in coverage_lines(a.data.get("data_coverage"))]
    if a.data.get("supply_reason"):
        coverage.append(f"供给无数据：{a.data['supply_reason']}")
    if (a.data.get("demand_coverage") or {}).get("note"):
        coverage.append(f"需求覆盖：{a.data['demand_coverage']['note']}")
    if tr.data.get("missing_years"):
        coverage.append("无数据的年份：" + "、".join(map(str, tr.data["missing_years"])) + "（不计为 0）")
    title = f"{scope_name}{year}年产教供需分析报告"
    method = _method_lines(a.data)
    if projected is not None:
        method.append(PROJECTION_METHOD.format(ty=projected.data["target"]["target_year"], year=year))
    res = write_annual_report(sections, title=title, coverage=coverage, illustrative=illustrative, path=path,
                              today=today, method=method)
    return {**res, "title": title, "year": year, "scope": city or province, "scope_name": scope_name,
            "illustrative": illustrative, "target_year": None if projected is None else int(
                projected.data["target"]["target_year"])}


PROJECTION_METHOD = ("目标年份预测（{ty}年）：以 {year} 年数据推算——供给为各专业点在校生数÷学制（毕业生已在校；超出学制按现有招生规模延续，"
                     "无在校生按最近一年毕业生数延续，均为本工具假设），需求为本市规划需求（demand_plan 表），否则为近年需求的"
                     "最小二乘趋势，仅一年数据时按该年延续，无历史数据不预测；每个预测值注明方法，不是统计数据（docs/measures.md）。")


def target_view(tab: Tabular, target_year: int, title: str) -> Tabular:
    """The alignment's target-year sheet and its projection notes only (the report year's part has the rest)."""
    sheet = next(s for s in tab.sheets if s.name == f"{target_year}年预测")
    notes = [n for n in tab.notes if "预测" in n or "方法" in n or n.startswith("示意数据")]
    return Tabular(title=title, sheets=[sheet], notes=notes, illustrative=tab.illustrative)

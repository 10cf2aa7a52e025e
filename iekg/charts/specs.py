"""Vega-Lite specs (dicts, built with altair) from the service's answers.

Each function takes what ``--format json`` prints (an :class:`~iekg.service.Answer`'s ``data``) and whether it
rests on illustrative data, and returns a spec with the data inline (``data.values``), a Chinese title naming
the scope and year, a subtitle with the illustrative note (when illustrative) and the source line, and the
config of :mod:`~iekg.charts.style`.  A figure without data is never drawn as 0: its value stays ``null``
(Vega-Lite draws no mark for it) and the chart says "无数据" where it would be.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import altair as alt

from iekg.charts import style

__all__ = ["chain", "compare", "ranking", "scenario", "supply_demand", "trend"]

POSITIONS = ("上游", "中游", "下游")
MEASURE_ZH = {"sai": "结构匹配指数 SAI", "coverage": "产业链覆盖率 coverage", "S": "供给 S（人）", "D": "需求 D（人）",
              "ccd": "耦合协调度 CCD", "readiness": "试点条件达成", "coupling": "耦合协调度 CCD",
              "sai_observed": "观测 SAI"}
SOURCE_LINE = "来源：iekg 产教融合知识图谱"
PARTS = ("目标达成 targets met", "条件满足 conditions met")


def _num(x: Any) -> float | None:
    """A figure or None (no data): NaN and non-numbers are no data, never 0."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def _subtitle(illustrative: bool, *lines: str | None) -> list[str]:
    out = [style.ILLUSTRATIVE_NOTE] if illustrative else []
    return out + [x for x in lines if x]


def _layers(rows: Sequence[Mapping[str, Any]], *parts: tuple[Any, Callable[[Mapping[str, Any]], bool]]) -> Any:
    """The layers whose filter keeps at least one row (the first when none does): Vega warns of an "infinite
    extent" for a layer left with no data, e.g. the hollow points of a trend without a partial year."""
    kept = [chart for chart, keeps in parts if any(keeps(r) for r in rows)] or [parts[0][0]]
    return alt.layer(*kept)


def _value_scale(rows: Sequence[Mapping[str, Any]]) -> Any:
    """The value axis: from the data, or 0–1 when no row has a value (an empty chart draws its axis without
    Vega's "infinite extent" warning)."""
    return alt.Undefined if any(r.get("value") is not None for r in rows) else alt.Scale(domain=[0, 1])


def _finish(chart: Any, title: str, subtitle: Sequence[str]) -> dict[str, Any]:
    """The chart as a spec dict with the title, subtitle and the one config."""
    spec: dict[str, Any] = chart.properties(title=alt.TitleParams(text=title, subtitle=list(subtitle))).to_dict()
    spec["config"] = style.config()
    return spec


def _scope_words(data: Mapping[str, Any]) -> str:
    year = data.get("year")
    return f"{data.get('scope_name') or data.get('scope') or ''} {year} 年" if year else str(data.get("scope_name", ""))


# ------------------------------------------------------------------------------------------ supply/demand
SUPPLY_KEY, DEMAND_KEY = "供给 supply", "需求 demand"


def supply_demand_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Two rows per industry (supply, demand) in the answer's order; ``value`` None where there is no data."""
    rows: list[dict[str, Any]] = []
    for order, ind in enumerate(data.get("industries") or []):
        label = f"{ind.get('code', '')} {ind.get('name', '')}".strip()
        status = str(ind.get("status") or "")
        has_demand = bool(ind.get("demand_data", True))
        has_supply = bool(ind.get("supply_data", True)) and ind.get("supply") is not None
        status_zh = "无需求数据" if not has_demand else style.STATUS_ZH.get(status, status)
        base = {"order": order, "code": ind.get("code"), "industry": label, "status": status, "status_zh": status_zh,
                "ratio": _num(ind.get("ratio"))}
        supply = _num(ind.get("supply")) if has_supply else None
        demand = _num(ind.get("demand")) if has_demand else None
        rows.append({**base, "series": SUPPLY_KEY, "value": supply,
                     "colour_key": f"供给·{style.STATUS_ZH.get(status, status)}" if has_demand else "供给·无需求数据",
                     "missing": None if supply is not None else "无供给数据 no supply data"})
        rows.append({**base, "series": DEMAND_KEY, "value": demand, "colour_key": DEMAND_KEY,
                     "missing": None if demand is not None else "无需求数据 no demand data"})
    return rows


def supply_demand(data: Mapping[str, Any], illustrative: bool = False) -> dict[str, Any]:
    """Paired bars per industry: supply (coloured by the industry's status) beside demand (grey).

    Parameters
    ----------
    data : mapping
        An alignment answer (``iekg align --format json``).
    illustrative : bool
        Whether it rests on illustrative data (the subtitle says so).

    Returns
    -------
    dict
        The Vega-Lite spec.  An industry without demand data has ``value: null`` on its demand row and the
        words 无需求数据 where the bar would be — never a bar of 0.
    """
    rows = supply_demand_rows(data)
    order = [r["industry"] for r in rows if r["series"] == SUPPLY_KEY]
    keys = [DEMAND_KEY] + [f"供给·{style.STATUS_ZH[s]}" for s in ("balanced", "shortage", "surplus", "unmet")] + \
        ["供给·无需求数据"]
    colours = [style.DEMAND] + [style.STATUS_COLOURS[s] for s in ("balanced", "shortage", "surplus", "unmet")] + \
        [style.STATUS_COLOURS["no_demand"]]
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("industry:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("series:N", sort=[SUPPLY_KEY, DEMAND_KEY]),
    )
    tooltip = [alt.Tooltip("industry:N", title="行业"), alt.Tooltip("series:N", title="系列"),
               alt.Tooltip("value:Q", title="人数", format=",.1f"), alt.Tooltip("status_zh:N", title="状态"),
               alt.Tooltip("ratio:Q", title="供需比", format=".2f")]
    bars = base.mark_bar(height={"band": 0.9}).encode(
        x=alt.X("value:Q", title="人数（供给：毕业生；需求：岗位）", stack=None, scale=_value_scale(rows)),  # paired, side by side
        color=alt.Color("colour_key:N", title=None, scale=alt.Scale(domain=keys, range=colours)),
        tooltip=tooltip,
    ).transform_filter("datum.value != null")
    missing = base.mark_text(align="left", baseline="middle", dx=3, fontSize=10, color=style.MUTED).encode(
        x=alt.datum(0), text="missing:N",
    ).transform_filter("datum.missing != null")
    chart = _layers(rows, (bars, lambda r: r.get("value") is not None),
                    (missing, lambda r: r.get("missing") is not None)).properties(width=520, height=alt.Step(11))
    th = data.get("thresholds") or {}
    rule = (f"短缺 供需比 < {th['shortage_below']:g}，过剩 > {th['surplus_above']:g}（{data.get('thresholds_label', '')}）"
            if "shortage_below" in th and "surplus_above" in th else None)
    projected = bool(data.get("projection"))  # a target year's projection (iekg align --target-year's "target")
    scope = _scope_words({**data, "year": data.get("target_year")} if projected else data) + \
        (f" · 产业链 {data['chain']}" if data.get("chain") else "")
    empty = None if rows else (data.get("reason") or "本范围没有供给也没有需求数据")
    forecast = (f"预测值，基于 {data.get('base_year')} 年数据，不是统计数据 · {data.get('methods_text') or ''}".strip(" ·")
                if projected else None)
    return _finish(chart, f"{scope} 人才供需对比" + ("（预测）" if projected else ""), _subtitle(
        illustrative, forecast, empty, rule, f"{SOURCE_LINE}（产教匹配 iekg align）"))


# ------------------------------------------------------------------------------------------ chain
def chain_rows(data: Mapping[str, Any], segments: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per segment: its place in the chain (position, order) and whether local supply covers it."""
    seg = data.get("segments") or {}
    uncovered = set(seg.get("uncovered") or [])
    no_supply = seg.get("covered") is None or not data.get("supply_data", True)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for s in segments:
        pos = str(s.get("position") or "其他")
        k = seen.get((str(s.get("chain")), pos), 0)
        seen[(str(s.get("chain")), pos)] = k + 1
        state = "无供给数据" if no_supply else ("未覆盖" if s["id"] in uncovered else "已覆盖")
        name = str(s.get("name") or s["id"])
        rows.append({"id": s["id"], "name": name, "label": name.replace("（", "\n（", 1), "position": pos, "row": k,
                     "chain": s.get("chain"), "chain_name": s.get("chain_name") or s.get("chain"), "state": state})
    return rows


def chain(data: Mapping[str, Any], segments: Iterable[Mapping[str, Any]], illustrative: bool = False) -> dict[str, Any]:
    """The chain's segments as tiles, upstream to downstream, green where local programs supply an industry
    the segment maps to, red where none does (the alignment answer's ``segments.uncovered``).

    Parameters
    ----------
    data : mapping
        An alignment answer for the chain (or the city's focus chains).
    segments : iterable of mapping
        The chain's segments in order: ``id``, ``name``, ``position`` (上游/中游/下游), ``chain``,
        ``chain_name`` (:func:`iekg.charts.questions.chain_segments`).
    illustrative : bool
        Whether the answer rests on illustrative data.
    """
    rows = chain_rows(data, segments)
    positions = list(POSITIONS) + sorted({r["position"] for r in rows} - set(POSITIONS))
    states = ["已覆盖", "未覆盖", "无供给数据"]
    base = alt.Chart().encode(
        x=alt.X("position:O", sort=positions, scale=alt.Scale(domain=positions), title=None,
                axis=alt.Axis(orient="top", labelFontSize=13, labelAngle=0, domain=False, ticks=False)),
        y=alt.Y("row:O", title=None, axis=None),
    )
    tiles = base.mark_rect(cornerRadius=4, stroke=style.PAPER, strokeWidth=6).encode(
        color=alt.Color("state:N", title=None, scale=alt.Scale(domain=states,
                                                               range=[style.COVERED, style.UNCOVERED, style.NO_DATA])),
        tooltip=[alt.Tooltip("name:N", title="环节"), alt.Tooltip("id:N", title="编号"),
                 alt.Tooltip("state:N", title="覆盖")])
    text = base.mark_text(color=style.PAPER, fontSize=11, lineBreak="\n", limit=200).encode(text="label:N")
    layered = alt.layer(tiles, text).properties(width=alt.Step(230), height=alt.Step(64))
    many = len({r["chain"] for r in rows}) > 1
    chart = (layered.facet(row=alt.Row("chain_name:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
                           data=alt.Data(values=rows)).resolve_scale(y="independent")
             if many else alt.layer(tiles, text, data=alt.Data(values=rows)).properties(
                 width=alt.Step(230), height=alt.Step(64)))
    seg = data.get("segments") or {}
    names = sorted({str(r["chain_name"]) for r in rows})
    covered = seg.get("covered")
    summary = (f"覆盖 {covered}/{seg.get('total')} 个环节" if covered is not None
               else "供给无数据：覆盖无从判断 (no supply data)")
    empty = None if rows else "没有找到产业链环节 (no segments)"
    which = "、".join(names) if names else data.get("chain") or ""
    title = f"{_scope_words(data)} 产业链环节覆盖" + (f"：{which}" if which else "")
    return _finish(chart, title, _subtitle(illustrative, empty, summary + "（本地专业供给对口的行业即算覆盖）",
                                           f"{SOURCE_LINE}（产教匹配 iekg align）"))


# ------------------------------------------------------------------------------------------ ranking
def ranking_rows(data: Any, measure: str, names: Mapping[str, str] | None = None) -> tuple[list[dict[str, Any]],
                                                                                          list[dict[str, Any]]]:
    """The ranked rows with a value, and the cities without data (listed apart, never as 0)."""
    names = names or {}
    ranked: list[dict[str, Any]] = []
    apart: list[dict[str, Any]] = []
    if measure == "readiness":
        for r in data:
            row = {"city": r["city"], "name": r.get("name") or names.get(r["city"], r["city"]), "rank": r.get("rank"),
                   "source": r.get("source"), "source_zh": style.SOURCE_ZH.get(str(r.get("source")), r.get("source"))}
            if not r.get("has_data", True):
                apart.append({**row, "reason": "无专业点与需求数据"})
                continue
            tt, ct = r.get("targets_total"), r.get("conditions_total")
            for part, val, total in ((PARTS[0], r.get("targets_met"), tt), (PARTS[1], r.get("conditions_met"), ct)):
                ranked.append({**row, "part": part, "value": _num(val), "total": total,
                               "label": f"{val}/{total}" if val is not None else style.NO_DATA_TEXT})
    else:
        for s in data.get("scopes") or []:
            v = _num(s.get("ccd"))
            row = {"city": s["city"], "name": s.get("name") or names.get(s["city"], s["city"]),
                   "grade": s.get("grade"), "value": v, "part": MEASURE_ZH["ccd"],
                   "label": f"{v:.3f} {s.get('grade', '')}" if v is not None else style.NO_DATA_TEXT}
            (ranked if v is not None else apart).append(row)
        for w in data.get("without_data") or []:
            apart.append({"city": w["city"], "name": w.get("name") or names.get(w["city"], w["city"]),
                          "reason": w.get("reason")})
        ranked.sort(key=lambda r: -r["value"])
        for k, r in enumerate(ranked, 1):
            r["rank"] = k
    return ranked, apart


def ranking(data: Any, measure: str = "readiness", illustrative: bool = False,
            names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Cities ranked by a measure: readiness (targets met and conditions met, in ``iekg readiness --all``'s
    order) or coupling (the coupling coordination degree, highest first).  Cities without data are named
    in the subtitle, not drawn.

    Parameters
    ----------
    data : list or mapping
        ``iekg readiness --all --format json`` (a list) or ``iekg coupling --format json``.
    measure : {"readiness", "coupling"}
    illustrative : bool
    names : mapping, optional
        City code → name, where the answer has no names.
    """
    if measure not in ("readiness", "coupling"):
        raise ValueError(f"unknown measure {measure!r}: readiness or coupling")
    ranked, apart = ranking_rows(data, measure, names)
    order = []
    for r in sorted(ranked, key=lambda r: r["rank"] or 0):
        if r["name"] not in order:
            order.append(r["name"])
    tooltip = [alt.Tooltip("name:N", title="城市"), alt.Tooltip("rank:Q", title="排名"),
               alt.Tooltip("label:N", title="数值")]
    if measure == "readiness":
        tooltip.append(alt.Tooltip("source_zh:N", title="数据"))
        base = alt.Chart(alt.Data(values=ranked)).encode(
            y=alt.Y("name:N", sort=order, title=None), yOffset=alt.YOffset("part:N", sort=list(PARTS)))
        bars = base.mark_bar(height={"band": 0.9}).encode(
            x=alt.X("value:Q", title="项数", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("part:N", title=None, scale=alt.Scale(domain=list(PARTS), range=[style.ACCENT, style.DEMAND])),
            tooltip=tooltip)
        text = base.mark_text(align="left", dx=3, fontSize=10, color=style.INK).encode(x="value:Q", text="label:N")
        chart = alt.layer(bars, text).properties(width=420, height=alt.Step(10))
        year = next((r.get("year") for r in data if r.get("year")), None)
        title = f"{year} 年 各城市试点条件达成排名" if year else "各城市试点条件达成排名"
        sources = sorted({str(r.get("source_zh")) for r in ranked if r.get("source_zh")})
        mixed = f"数据来源混合：{'、'.join(sources)}（悬停查看各城市）" if len(sources) > 1 else None
        method = "排序：达成目标多者在前，再看满足条件数、相对差距（iekg readiness --all）"
    else:
        base = alt.Chart(alt.Data(values=ranked)).encode(y=alt.Y("name:N", sort=order, title=None))
        bars = base.mark_bar(color=style.ACCENT).encode(
            x=alt.X("value:Q", title=MEASURE_ZH["ccd"], scale=alt.Scale(domain=[0, 1])),
            tooltip=[*tooltip, alt.Tooltip("grade:N", title="等级")])
        text = base.mark_text(align="left", dx=3, fontSize=10, color=style.INK).encode(x="value:Q", text="label:N")
        chart = alt.layer(bars, text).properties(width=420, height=alt.Step(18))
        title = f"{data['year']} 年 各城市产教耦合协调度" if data.get("year") else "各城市产教耦合协调度"
        mixed = None
        weights = f" α={data['alpha']} β={data['beta']}" if data.get("alpha") is not None else ""
        method = f"耦合协调度{weights}（iekg coupling）"
    listed = "、".join(f"{a['name']}" for a in apart)
    apart_line = f"无数据、未排名 (no data, not ranked)：{listed}" if apart else None
    empty = None if ranked else "没有可排名的城市 (no city with data)"
    return _finish(chart, title, _subtitle(illustrative, empty, apart_line, mixed, f"{SOURCE_LINE}；{method}"))


# ------------------------------------------------------------------------------------------ trend
def trend_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per year × measure with a value; ``run`` breaks the line at a missing year or value."""
    rows: list[dict[str, Any]] = []
    years = sorted((y for y in data.get("years") or [] if y.get("year") is not None), key=lambda y: int(y["year"]))
    for measure, panel in (("S", "人数"), ("D", "人数"), ("sai", "指数"), ("coverage", "指数")):
        run, last = 0, None
        for y in years:
            v = _num(y.get(measure))
            year = int(y["year"])
            if v is None:
                last = None
                continue
            if last is None or year != last + 1:
                run += 1
            last = year
            rows.append({"year": year, "measure": MEASURE_ZH[measure], "panel": panel, "value": v,
                         "run": f"{measure}-{run}", "partial": bool(y.get("partial")),
                         "partial_zh": "该年数据不全 partial" if y.get("partial") else "完整"})
    return rows


def trend(data: Mapping[str, Any], illustrative: bool = False) -> dict[str, Any]:
    """A scope's measures over the years: supply and demand (people) above, SAI and coverage below.

    A missing year or value breaks the line (it is not drawn as 0); a year marked ``partial`` is a hollow point.
    """
    rows = trend_rows(data)
    years = [r["year"] for r in rows] + [int(y) for y in (data.get("from"), data.get("to")) if y is not None]
    domain = [min(years), max(years)] if years else [0, 1]

    def panel(name: str, measures: list[str], colours: list[str], title: str) -> Any:
        base = alt.Chart(alt.Data(values=rows)).transform_filter(alt.datum.panel == name).encode(
            # every year a tick, no other (Vega put a tick at 2023.5 of a two-year range and labelled it 2024)
            x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", values=list(range(domain[0], domain[1] + 1))),
                    scale=alt.Scale(domain=domain)),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("measure:N", title=None, scale=alt.Scale(domain=measures, range=colours)))
        lines = base.mark_line().encode(detail="run:N")
        tooltip = [alt.Tooltip("year:Q", format="d", title="年"), alt.Tooltip("measure:N", title="指标"),
                   alt.Tooltip("value:Q", format=",.3~f", title="数值"), alt.Tooltip("partial_zh:N", title="数据")]
        full = base.mark_point(size=50, filled=True).encode(tooltip=tooltip).transform_filter("!datum.partial")
        partial = base.mark_point(size=60, filled=False, strokeWidth=2).encode(tooltip=tooltip).transform_filter(
            "datum.partial")
        mine = [r for r in rows if r["panel"] == name]
        return _layers(mine, (lines, lambda r: True), (full, lambda r: not r["partial"]),
                       (partial, lambda r: bool(r["partial"]))).properties(width=460, height=160)

    top = panel("人数", [MEASURE_ZH["S"], MEASURE_ZH["D"]], [style.SUPPLY, style.DEMAND], "人数")
    bottom = panel("指数", [MEASURE_ZH["sai"], MEASURE_ZH["coverage"]], [style.ACCENT, style.STATUS_COLOURS["surplus"]],
                   "指数")
    chart = alt.vconcat(top, bottom).resolve_scale(color="independent")
    present = sorted({int(y["year"]) for y in data.get("years") or [] if y.get("year") is not None})
    first = data.get("from") if data.get("from") is not None else (present[0] if present else None)
    last = data.get("to") if data.get("to") is not None else (present[-1] if present else None)
    span = (f"{first}–{last} 年" if first != last else f"{first} 年") if first is not None else ""
    gaps = sorted(set(data.get("missing_years") or []) |
                  ({y for y in range(present[0], present[-1] + 1)} - set(present) if present else set()))
    partial = [int(y["year"]) for y in data.get("years") or [] if y.get("partial")]
    notes = [f"缺年份（无数据，不画线）：{'、'.join(map(str, gaps))}" if gaps else None,
             f"数据不全的年份（空心点）：{'、'.join(map(str, partial))}" if partial else None]
    empty = None if rows else "没有任何年份的数据 (no data in any year)"
    scope = str(data.get("scope_name") or "") + (f" · 产业链 {data['chain']}" if data.get("chain") else "")
    return _finish(chart, f"{scope} {span} 产教匹配趋势".replace("  ", " ").strip(),
                   _subtitle(illustrative, empty, *notes, f"{SOURCE_LINE}（逐年产教匹配 iekg trend）"))


# ------------------------------------------------------------------------------------------ compare
MEASURE_FIELD = {"targets": "targets_met"}  # the compare answer's measure → its row field


def compare_rows(data: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cities with a value of the measure (in the answer's rank, else highest first), and those without
    (listed apart)."""
    measure = str(data.get("measure") or "sai")
    field = MEASURE_FIELD.get(measure, measure)
    have: list[dict[str, Any]] = []
    apart: list[dict[str, Any]] = []
    for c in data.get("cities") or []:
        v = _num(c.get(field))
        if v is None:
            label = style.NO_DATA_TEXT
        elif measure == "targets":
            label = f"{v:g}/{c.get('targets_total')}" if c.get("targets_total") is not None else f"{v:g}"
        else:
            label = f"{v:.3f}"
        row = {"city": c.get("city"), "name": c.get("name") or c.get("city"), "value": v, "source": c.get("source"),
               "source_zh": style.SOURCE_ZH.get(str(c.get("source")), c.get("source") or "—"), "label": label,
               "rank": c.get("rank")}
        (have if v is not None else apart).append(row)
    if not all(r["rank"] is not None for r in have):
        have.sort(key=lambda r: -r["value"])
    else:
        have.sort(key=lambda r: r["rank"])
    return have, apart


def compare(data: Mapping[str, Any], illustrative: bool = False) -> dict[str, Any]:
    """Cities side by side on one measure (``measure``: ``sai``, ``coverage``, ``targets``, ``coupling``),
    ranked; each bar's opacity and tooltip say whose data it rests on; cities without a value are named
    apart (``iekg compare --format json``, or any answer of that shape)."""
    measure = str(data.get("measure") or "sai")
    have, apart = compare_rows(data)
    title_measure = str(data.get("measure_name") or MEASURE_ZH.get(measure, measure))
    base = alt.Chart(alt.Data(values=have)).encode(y=alt.Y("name:N", sort=[r["name"] for r in have], title=None))
    bars = base.mark_bar(color=style.ACCENT).encode(
        x=alt.X("value:Q", title=title_measure, axis=alt.Axis(tickMinStep=1) if measure == "targets" else alt.Axis()),
        opacity=alt.Opacity("source_zh:N", title="数据", scale=alt.Scale(
            domain=list(style.SOURCE_ZH.values()), range=[style.SOURCE_OPACITY[k] for k in style.SOURCE_ZH])),
        tooltip=[alt.Tooltip("name:N", title="城市"), alt.Tooltip("label:N", title=title_measure),
                 alt.Tooltip("source_zh:N", title="数据")])
    text = base.mark_text(align="left", dx=3, fontSize=10, color=style.INK).encode(x="value:Q", text="label:N")
    chart = alt.layer(bars, text).properties(width=420, height=alt.Step(20))
    year = data.get("year")
    scope = data.get("scope_name") or "各城市"
    apart_line = f"无数据 (no data)：{'、'.join(str(a['name']) for a in apart)}" if apart else None
    empty = None if have else "没有城市有此指标的数据 (no city has this measure)"
    notes = [str(data[k]) for k in ("coupling_note", "note") if data.get(k)]
    title = f"{year} 年 {scope}比较：{title_measure}" if year else f"{scope}比较：{title_measure}"
    return _finish(chart, title, _subtitle(illustrative, empty, apart_line, *notes, f"{SOURCE_LINE}（城市比较 iekg compare）"))


# ------------------------------------------------------------------------------------------ scenario (issue 23)
SCENARIO_SERIES = ("基线供给 supply (baseline)", "情景供给 supply (scenario)", "基线需求 demand (baseline)",
                   "情景需求 demand (scenario)")
SCENARIO_DEMAND = "需求 demand"  # one demand bar when no demand moves
SCENARIO_MAX_ROWS = 30  # the industries that move most; the table and the download list every one


def _moved_size(m: Mapping[str, Any]) -> float:
    def d(a: Any, b: Any) -> float:
        return abs((_num(b) or 0.0) - (_num(a) or 0.0))

    return d(m.get("supply_before"), m.get("supply_after")) + d(m.get("demand_before"), m.get("demand_after"))


def scenario_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The industries that move (a scenario's evaluation, ``moved``), the largest change first (status changes
    before the rest), at most :data:`SCENARIO_MAX_ROWS`: per industry a row for supply before and after, and for
    demand (one row when no industry's demand moves, else before and after); ``value`` None is no data."""
    ev = data.get("evaluation") or data
    moved = list(ev.get("moved") or [])
    demand_moves = any(not _same_num(m.get("demand_before"), m.get("demand_after")) for m in moved)
    moved.sort(key=lambda m: (m.get("status_before") == m.get("status_after"), -_moved_size(m), str(m.get("code"))))
    rows: list[dict[str, Any]] = []
    for order, m in enumerate(moved[:SCENARIO_MAX_ROWS]):
        before, after = m.get("status_before"), m.get("status_after")
        zh_b = style.STATUS_ZH.get(str(before), "—") if before else "—"
        zh_a = style.STATUS_ZH.get(str(after), "—") if after else "—"
        label = f"{m.get('code', '')} {m.get('name') or ''}".strip() + (f" · {zh_b}→{zh_a}" if before != after else "")
        base = {"order": order, "code": m.get("code"), "industry": label, "status": f"{zh_b} → {zh_a}"}
        series: list[tuple[str, Any]] = [(SCENARIO_SERIES[0], m.get("supply_before")),
                                         (SCENARIO_SERIES[1], m.get("supply_after"))]
        series += ([(SCENARIO_SERIES[2], m.get("demand_before")), (SCENARIO_SERIES[3], m.get("demand_after"))]
                   if demand_moves else [(SCENARIO_DEMAND, m.get("demand_after"))])
        for name, v in series:
            value = _num(v)
            demand_row = name not in SCENARIO_SERIES[:2]
            none = demand_row and not value and (after if name != SCENARIO_SERIES[2] else before) == "no_demand"
            rows.append({**base, "series": name, "value": value, "missing": (
                ("无需求数据 no demand data" if none else style.NO_DATA_TEXT) if value is None
                else ("无需求 no demand" if none else None))})
    return rows


def _same_num(a: Any, b: Any) -> bool:
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return x is y
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def scenario(data: Mapping[str, Any], illustrative: bool = False) -> dict[str, Any]:
    """A what-if scenario against its baseline: for the industries that move, supply before and after beside
    demand (grouped bars); the title names the scenario and the scope, the subtitle SAI and unmet demand before
    → after, whether the figures are a projection, and the illustrative note.

    Parameters
    ----------
    data : mapping
        A scenario's answer (``iekg scenario show --format json``: ``scenario`` and ``evaluation``).
    illustrative : bool
        Whether it rests on illustrative data.
    """
    doc = data.get("scenario") or {}
    ev = data.get("evaluation") or {}
    rows = scenario_rows(data)
    order = list(dict.fromkeys(r["industry"] for r in rows))
    present = list(dict.fromkeys(r["series"] for r in rows)) or list(SCENARIO_SERIES[:2]) + [SCENARIO_DEMAND]
    palette = {SCENARIO_SERIES[0]: style.DEMAND, SCENARIO_SERIES[1]: style.SUPPLY, SCENARIO_DEMAND: "#c68400",
               SCENARIO_SERIES[2]: "#e0c68a", SCENARIO_SERIES[3]: "#c68400"}
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("industry:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("series:N", sort=present),
    )
    tooltip = [alt.Tooltip("industry:N", title="行业"), alt.Tooltip("series:N", title="系列"),
               alt.Tooltip("value:Q", title="人数", format=",.1f"), alt.Tooltip("status:N", title="状态 基线→情景")]
    bars = base.mark_bar(height={"band": 0.9}).encode(
        x=alt.X("value:Q", title="人数（供给：毕业生 × 对应权重；需求：岗位）", stack=None, scale=_value_scale(rows)),
        color=alt.Color("series:N", title=None, sort=present,
                        scale=alt.Scale(domain=present, range=[palette[s] for s in present])),
        tooltip=tooltip,
    ).transform_filter("datum.value != null")
    missing = base.mark_text(align="left", baseline="middle", dx=3, fontSize=10, color=style.MUTED).encode(
        x=alt.datum(0), text="missing:N",
    ).transform_filter("datum.missing != null")
    chart = _layers(rows, (bars, lambda r: r.get("value") is not None),
                    (missing, lambda r: r.get("missing") is not None)).properties(width=520, height=alt.Step(9))
    b, s = ev.get("baseline") or {}, ev.get("scenario") or {}

    def pair(key: str, fmt: str) -> str:
        x, y = _num(b.get(key)), _num(s.get(key))
        return f"{'无数据' if x is None else format(x, fmt)} → {'无数据' if y is None else format(y, fmt)}"

    moved = len(ev.get("moved") or [])
    figures = f"SAI {pair('sai', '.3f')}；未满足需求 unmet demand {pair('unmet_demand', ',.0f')} 人"
    shown = (f"变动的行业 {moved} 个" + (f"，图中为变化最大的 {SCENARIO_MAX_ROWS} 个" if moved > SCENARIO_MAX_ROWS else "")
             if moved else "没有行业的供需因本情景而变 (no industry moves)")
    year = ev.get("year")
    when = (f"目标年 {ev['target_year']} 年（预测 projection）" if ev.get("projection") and ev.get("target_year")
            else (f"{year} 年数据" if year else None))
    scope = ev.get("scope_name") or ev.get("scope_id") or ""
    title = f"{scope} 情景「{doc.get('name', '')}」：基线与情景".replace("  ", " ").strip()
    return _finish(chart, title, _subtitle(illustrative, when, figures, shown,
                                           f"{SOURCE_LINE}（情景 iekg scenario show）"))

"""One converter per answer kind: a service answer (:class:`iekg.service.Answer`, ``data`` as ``--format json``
prints it) → a :class:`~iekg.takeaway.tabular.Tabular` with Chinese headers and units, the main table first,
and the notes that travel with the figures (the illustrative note first, then scope and year, the summary
figures, the data coverage, partial years, thresholds).

Every figure is the answer's own number, unrounded (the xlsx number formats only change how it shows); a
figure without data is an empty cell, never 0.  :func:`tabular` is the one entry the faces call: the
converter of the kind plus the source line (``来源：iekg <version> 知识图谱，<store>；生成于 <date>``).

A new kind (compare, trend …) is one function ``(Answer) -> Tabular`` added to :data:`CONVERTERS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Any

from iekg.takeaway.coverage import coverage_lines
from iekg.takeaway.tabular import ILLUSTRATIVE_NOTE, Column, Kind, Sheet, Tabular
from iekg.takeaway.words import STATUS_ZH

if TYPE_CHECKING:
    from iekg.graph.store import Node, Store
    from iekg.service import Answer

NO_DEMAND_DATA = "无需求数据"
RANKING_SOURCES = {"yours": "你的数据", "illustrative": "示例（示意数据）", "public": "公开名单"}
TARGET_WORDS = {"industry": "行业", "segment": "产业链环节", "chain": "产业链"}
COMPARISON_SIGNS = {">=": "≥", "<=": "≤", ">": "＞", "<": "＜", "==": "＝"}
STORE_WORDS = {"sqlite": "嵌入式存储 SQLite", "neo4j": "Neo4j"}
INDICATORS: dict[str, tuple[str, Kind]] = {  # coupling indicator → (header with unit, kind)
    "graduates": ("毕业生（人）", "num"), "institutions": ("院校（所）", "int"), "programs": ("专业点（个）", "int"),
    "leading_programs": ("省级领先专业点（个）", "int"), "employment_rate": ("毕业生加权就业率", "pct"),
    "training_bases": ("实训基地（个）", "int"), "demand": ("人才需求（人）", "num"), "enterprises": ("企业（家）", "int"),
    "employees": ("企业从业人数（人）", "num"), "iei_enterprises": ("产教融合型企业（家）", "int"),
    "focus_chains": ("重点产业链（条）", "int"), "gdp": ("地区生产总值（亿元）", "num"),
}

# The names of cities for the answers that carry only codes (coupling): set by :func:`tabular` from the store.
_city_names: ContextVar[Mapping[str, str] | None] = ContextVar("iekg_takeaway_city_names", default=None)


def city_name(code: Any) -> str | None:
    """A city's name from the graph of the conversion running now (None outside one, or when unknown)."""
    names = _city_names.get()
    return names.get(str(code)) if names else None


@contextmanager
def _names_from(store: Store | None) -> Iterator[None]:
    names = None
    if store is not None:
        try:
            names = {n.id: n.name for n in store.nodes("City")}
        except Exception:  # noqa: BLE001 - names are a convenience; codes still identify the cities
            names = None
    token = _city_names.set(names)
    try:
        yield
    finally:
        _city_names.reset(token)


# ------------------------------------------------------------------------------------------ helpers
def _yes(v: Any) -> str | None:
    return None if v is None else ("是" if v else "否")


def _year(y: Any) -> str:
    return f"{y}年" if y is not None else ""


def _join(items: Iterable[Any], sep: str = "\n") -> str | None:
    text = sep.join(str(x) for x in items if x is not None and x != "")
    return text or None


def _notes(answer: Answer, *lines: Any) -> list[str]:
    """The illustrative note first (when the answer is illustrative), then the given lines (empty ones left out)."""
    out = [ILLUSTRATIVE_NOTE] if answer.illustrative else []
    for line in lines:
        if isinstance(line, list | tuple):
            out += [str(x) for x in line if x]
        elif line:
            out.append(str(line))
    return out


def _coverage(data: Mapping[str, Any]) -> list[str]:
    return [text for text, _ in coverage_lines(data.get("data_coverage"))]


def _reason(data: Mapping[str, Any]) -> str | None:
    return f"结果为空 empty: {data['reason']}" if data.get("reason") else None


def _g(x: Any, nd: int = 4) -> str:
    """A figure inside a note (rounded for reading; the cells keep every digit)."""
    if x is None:
        return "—"
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def _cut(data: Mapping[str, Any], key: str, words: str) -> str | None:
    """A note when a list was cut (``<key>_total`` more than the rows given)."""
    total, shown = data.get(f"{key}_total"), len(data.get(key) or [])
    return words.format(total=total, shown=shown) if isinstance(total, int) and total > shown else None


# ---------------------------------------------------------------------------------------- converters
def alignment(answer: Answer) -> Tabular:
    """``iekg align`` / ``GET /analysis/alignment``: 行业 (per industry), 环节覆盖 (uncovered chain segments),
    未计入合作 (cooperations left out of the density)."""
    a = answer.data
    cols = [Column("code", "行业代码"), Column("name", "行业名称"), Column("supply", "供给（人）", "num"),
            Column("demand", "需求（人）", "num"), Column("ratio", "供需比", "ratio"), Column("status", "状态"),
            Column("deviation", "结构偏离度", "ratio"), Column("cooperation_density", "合作密度", "ratio"),
            Column("cooperating", "合作企业（家）", "int"), Column("enterprises", "企业（家）", "int"),
            Column("estimated_supply", "其中估算供给（人）", "num"), Column("note", "说明")]
    rows = []
    for i in a.get("industries") or []:
        has_demand = i.get("demand_data", True)
        rows.append({**i, "supply": i.get("supply") if i.get("supply_data", True) else None,
                     "demand": i.get("demand") if has_demand else None,
                     "status": STATUS_ZH.get(i.get("status"), i.get("status")) if has_demand else NO_DEMAND_DATA})
    seg = a.get("segments") or {}
    segments = Sheet("环节覆盖", [Column("id", "环节编号"), Column("name", "环节名称"), Column("state", "覆盖情况")],
                     [{"id": x.get("id"), "name": x.get("name"), "state": "未覆盖（无对口专业供给）"}
                      for x in seg.get("uncovered_named") or []])
    coop = a.get("cooperation") or {}
    left = Sheet("未计入合作", [Column("industry", "行业代码"), Column("institution", "院校代码"),
                               Column("institution_name", "院校"), Column("enterprise", "企业代码"),
                               Column("enterprise_name", "企业"), Column("type", "合作类型"), Column("status", "状态"),
                               Column("since", "开始年份", "int")], coop.get("left_out") or [])
    th = a.get("thresholds") or {}
    empty = bool(a.get("reason")) and not rows  # an empty answer: its totals are no figures
    s = "无数据" if a.get("S") is None or empty else f"{a['S']:.1f} 人"
    d = "无数据" if a.get("D") is None or empty else f"{a['D']:.1f} 人"
    summary = (f"S（供给总量）= {s}；D（需求总量）= {d}；SAI（结构匹配指数）= {_g(a.get('sai'))}；"
               f"观测 SAI（有需求数据的行业）= {_g(a.get('sai_observed'))}；覆盖率 = "
               f"{_g(a.get('coverage')) if a.get('coverage') is not None else ('—（无数据）' if seg.get('total') else '—（无重点产业链）')}"
               f"（{'—' if seg.get('covered') is None else seg['covered']}/{seg.get('total', '—')} 个环节）")
    dc = a.get("demand_coverage") or {}
    t = a.get("target")
    return Tabular(
        title=f"{a.get('scope_name', '')} {_year(a.get('year'))} 产教匹配" + (f"（产业链 {a['chain']}）" if a.get("chain") else "")
        + (f"（附 {t['target_year']}年预测）" if t else ""),
        sheets=[Sheet("行业", cols, rows), *([_target_alignment_sheet(a, t)] if t else []), segments, left],
        notes=_notes(answer, *(_projection_notes(t) if t else []),
                     f"范围 scope：{a.get('scope_name', '')}（{'、'.join(a.get('cities') or [])}），{_year(a.get('year'))}"
                     + (f"，产业链 {a['chain']}" if a.get("chain") else ""),
                     summary,
                     a.get("supply_reason") and f"供给无数据 no supply data: {a['supply_reason']}",
                     dc.get("note") and f"需求覆盖 demand coverage: {dc['note']}",
                     a.get("sai_note"),
                     coop.get("note") and f"合作密度 cooperation density: {coop['note']}",
                     th and f"状态阈值：供需比 < {th['shortage_below']:g} 为短缺，> {th['surplus_above']:g} 为过剩"
                            f"（{a.get('thresholds_label', '')}）",
                     a.get("estimates") and f"估算 estimate: {a.get('estimated_programs')} 个专业点缺毕业生数，按在校生/学制估算",
                     "「需求（人）」为空、状态为「无需求数据」的行业没有需求数据（不是需求为 0）",
                     _coverage(a), _reason(a)),
        illustrative=answer.illustrative)


_TARGET_ALIGN_COLS = [
    Column("code", "行业代码"), Column("name", "行业名称"), Column("supply_now", "今年供给（人）", "num"),
    Column("supply", "目标年供给（人，预测）", "num"), Column("demand_now", "今年需求（人）", "num"),
    Column("demand", "目标年需求（人，预测）", "num"), Column("ratio", "目标年供需比（预测）", "ratio"),
    Column("status", "目标年状态（预测）"), Column("demand_method", "需求预测方法"), Column("supply_methods", "供给预测方法（专业点数）")]


def _target_alignment_sheet(a: Mapping[str, Any], t: Mapping[str, Any]) -> Sheet:
    """The target year's projection beside today's, per industry (``target`` of an alignment answer)."""
    now = {i.get("code"): i for i in a.get("industries") or []}
    rows = []
    for i in t.get("industries") or []:
        b = now.get(i.get("code")) or {}
        has_d = i.get("demand_data", True)
        sup_now = (b.get("supply") if b.get("supply_data", True) else None) if b else \
            (0.0 if a.get("S") is not None else None)  # not in today's list: no supply (measured), no demand rows
        rows.append({"code": i.get("code"), "name": i.get("name"), "supply_now": sup_now,
                     "supply": i.get("supply") if i.get("supply_data", True) else None,
                     "demand_now": b.get("demand") if b and b.get("demand_data", True) else None,
                     "demand": i.get("demand") if has_d else None, "ratio": i.get("ratio") if has_d else None,
                     "status": STATUS_ZH.get(i.get("status"), i.get("status")) if has_d else NO_DEMAND_DATA,
                     "demand_method": i.get("demand_method") or "none",
                     "supply_methods": _join((f"{m} {n}" for m, n in (i.get("supply_methods") or {}).items()), "、")})
    return Sheet(f"{t.get('target_year')}年预测", _TARGET_ALIGN_COLS, rows)


def _projection_notes(t: Mapping[str, Any]) -> list[str]:
    """The notes a target-year projection carries: that it is one, its summary figures, the methods."""
    info = t.get("projection_info") or {}
    words = info.get("methods") or {}
    out = [f"预测 projection：「{t.get('target_year')}年预测」各列为预测值，以 {t.get('base_year')} 年数据推算，不是统计数据"]
    if "S" in t:
        out.append(f"{t.get('target_year')}年预测：S = {_g(t.get('S'), 1)}；D = {_g(t.get('D'), 1)}；SAI = {_g(t.get('sai'))}；"
                   f"观测 SAI = {_g(t.get('sai_observed'))}；覆盖率 = {_g(t.get('coverage'))}")
    out += [t.get("methods_text") or "", "方法 methods：" + "；".join(f"{k} = {v}" for k, v in words.items()),
            (info.get("not_projected") or {}).get("note") or "", t.get("note") or ""]
    return [x for x in out if x]


def gaps(answer: Answer) -> Tabular:
    """``iekg gaps`` / ``GET /analysis/gaps``: the gaps ranked, each with its evidence."""
    from iekg.reports.wording import GAP_LABELS

    g = answer.data
    cols = [Column("rank", "排名", "int"), Column("type_zh", "缺口类型"), Column("type", "类型代码"),
            Column("entity", "对象编号"), Column("name", "对象名称"), Column("priority", "优先度", "ratio"),
            Column("severity", "严重度", "ratio"), Column("magnitude", "幅度", "num"), Column("unit", "幅度单位"),
            Column("people", "涉及人数（人）", "num"), Column("minor", "次要"), Column("message", "说明"),
            Column("note", "备注"), Column("evidence_total", "证据数（条）", "int"), Column("evidence", "证据")]
    rows = [{**x, "type_zh": GAP_LABELS.get(x.get("type"), x.get("type")), "minor": _yes(x.get("minor")),
             "evidence": _join(x.get("evidence") or [])} for x in g.get("gaps") or []]
    counts = g.get("counts") or {}
    counts_sheet = Sheet("缺口计数", [Column("type_zh", "缺口类型"), Column("type", "类型代码"), Column("count", "数量（个）", "int")],
                         [{"type": k, "type_zh": GAP_LABELS.get(k, k), "count": v} for k, v in counts.items()])
    rk = g.get("ranking") or {}
    nc = g.get("not_computed") or {}
    return Tabular(
        title=f"{g.get('scope_name', '')} {_year(g.get('year'))} 缺口",
        sheets=[Sheet("缺口", cols, rows), counts_sheet],
        notes=_notes(answer,
                     f"范围 scope：{g.get('scope_name', '')}，{_year(g.get('year'))}；缺口共 {g.get('total', len(rows))} 个，"
                     f"本表 {len(rows)} 个",
                     rk and f"排序 ranking：供需缺口少于 {rk['gap_min_people']:g} 人为次要，排在最后；其余按 严重度 × "
                            f"min(1, 人数/{rk['gap_full_people']:g}) 排序（人数阈值为{rk.get('label', '')}）",
                     nc and f"未计算 not computed: {', '.join(nc.get('types') or [])} — {nc.get('reason', '')}",
                     (g.get("cooperation") or {}).get("note") and f"校企合作 cooperation: {g['cooperation']['note']}",
                     "证据为图谱中的节点或关系标识（iekg show 查看）",
                     _coverage(g), _reason(g)),
        illustrative=answer.illustrative)


_READY_COLS = [Column("target", "编号"), Column("name", "指标"), Column("value", "现值", "general"),
               Column("comparison", "比较"), Column("threshold", "阈值", "general"), Column("unit", "单位"),
               Column("threshold_label", "阈值依据"), Column("measurable", "可衡量"), Column("met", "达成"),
               Column("shortfall", "差距", "general"), Column("any_of", "二选一"), Column("deadline", "期限（年）", "int"),
               Column("note", "说明"), Column("text", "通知原文"), Column("evidence", "证据")]


def _ready_row(i: Mapping[str, Any]) -> dict[str, Any]:
    met = i.get("effective_met", i.get("met"))
    return {**i, "value": i.get("value") if i.get("measurable", True) else None,
            "comparison": COMPARISON_SIGNS.get(str(i.get("comparison")), i.get("comparison")),
            "measurable": _yes(i.get("measurable")),
            "met": "无法衡量（无数据）" if not i.get("measurable", True) else _yes(met),
            "any_of": i.get("any_of") and f"二选一 {i['any_of']}", "evidence": _join(i.get("evidence") or [])}


def readiness(answer: Answer) -> Tabular:
    """``iekg readiness --city`` / ``GET /analysis/readiness``: 目标 and 条件, each with its threshold's basis."""
    r = answer.data
    items = r.get("items") or []
    targets = [_ready_row(i) for i in items if i.get("kind") != "condition"]
    conditions = [_ready_row(i) for i in items if i.get("kind") == "condition"]
    pilot = r.get("pilot") or {}
    basis = {i.get("threshold_basis") for i in items}
    t = r.get("target")
    return Tabular(
        title=f"{r.get('name', '')} {_year(r.get('year'))} 试点准备度（{r.get('policy', '')}）"
        + (f"（附 {t['target_year']}年预测）" if t else ""),
        sheets=[Sheet("目标", _READY_COLS, targets), Sheet("条件", _READY_COLS, conditions),
                *([_target_readiness_sheet(r, t)] if t else [])],
        notes=_notes(answer, *(_projection_notes(t) if t else []),
                     t and f"{t['target_year']}年预测：目标达成 {t.get('targets_met')}/{t.get('targets_total')}，无法衡量 "
                           f"{t.get('targets_unmeasurable')}；条件满足 {t.get('conditions_met')}/{t.get('conditions_total')}；"
                           f"依据为「现状」的项与供需预测无关，保持 {t.get('base_year')} 年的值",
                     f"范围 scope：{r.get('name', '')}（{r.get('city', '')}），{_year(r.get('year'))}"
                     + (f"，基期 {r['baseline_year']}年" if r.get("baseline_year") else ""),
                     f"目标达成 {r.get('targets_met')}/{r.get('targets_total')}，无法衡量 {r.get('targets_unmeasurable')}；"
                     f"条件满足 {r.get('conditions_met')}/{r.get('conditions_total')}",
                     pilot.get("text") and f"试点身份（公开信息）pilot status: {pilot['text']}"
                                           + (f"  来源 source: {pilot['source']}" if pilot.get("source") else ""),
                     "reading" in basis and "标为「本工具对“…”的解读」的阈值是本工具对通知中没有数字的表述（若干、一定数量、一批等）"
                                            "的解读，不是通知给出的数字",
                     "assumption" in basis and "标为「参考值（本工具假设，可在设置中修改）」的阈值不是通知的要求：通知只说"
                                               "“关联度高”“就业质量高” (IEKG_REFERENCE_SAI, IEKG_REFERENCE_EMPLOYMENT)",
                     _coverage(r), _reason(r)),
        illustrative=answer.illustrative)


_TARGET_READY_COLS = [Column("target", "编号"), Column("kind", "类别"), Column("name", "指标"),
                      Column("value_now", "现值", "general"), Column("value", "目标年值", "general"),
                      Column("basis", "目标年值依据"), Column("met", "目标年达成"), Column("note", "说明")]


def _target_readiness_sheet(r: Mapping[str, Any], t: Mapping[str, Any]) -> Sheet:
    """The target year's readiness beside today's: each item's value now and in the target year, projected or
    held at today's."""
    now = {i.get("target"): i for i in r.get("items") or []}
    rows = []
    for i in t.get("items") or []:
        b = now.get(i.get("target")) or {}
        rows.append({"target": i.get("target"), "kind": "条件" if i.get("kind") == "condition" else "目标",
                     "name": i.get("name"), "value_now": b.get("value") if b.get("measurable", True) else None,
                     "value": i.get("value") if i.get("measurable", True) else None,
                     "basis": "预测 projection" if i.get("projected") else f"现状（{t.get('base_year')}年）",
                     "met": "无法衡量（无数据）" if not i.get("measurable", True) else _yes(i.get("effective_met")),
                     "note": i.get("note") if i.get("projected") else i.get("held_note")})
    return Sheet(f"{t.get('target_year')}年预测", _TARGET_READY_COLS, rows)


def readiness_all(answer: Answer) -> Tabular:
    """``iekg readiness --all`` / ``GET /analysis/readiness/all``: the cities ranked, each row's source."""
    ranked = answer.data if isinstance(answer.data, list) else answer.data.get("cities") or []
    cols = [Column("rank", "排名", "int"), Column("city", "城市代码"), Column("name", "城市"), Column("source", "数据来源"),
            Column("targets_met", "目标达成（项）", "int"), Column("targets_total", "目标总数（项）", "int"),
            Column("targets_unmeasurable", "无法衡量（项）", "int"), Column("conditions_met", "条件满足（项）", "int"),
            Column("conditions_total", "条件总数（项）", "int"), Column("relative_shortfall", "相对差距", "ratio"),
            Column("state", "说明")]
    ty = next((r["target"].get("target_year") for r in ranked if r.get("target")), None)
    projected = any("target" in r for r in ranked)
    if projected:
        cols += [Column("target_targets_met", f"{ty or '目标'}年预测 目标达成（项）", "int"),
                 Column("target_conditions_met", f"{ty or '目标'}年预测 条件满足（项）", "int")]
    rows = []
    for r in ranked:
        row = {**r, "source": RANKING_SOURCES.get(str(r.get("source")), r.get("source"))}
        tr_ = r.get("target") or {}
        row["target_targets_met"], row["target_conditions_met"] = tr_.get("targets_met"), tr_.get("conditions_met")
        if not r.get("has_data", True):
            for k in ("targets_met", "targets_total", "targets_unmeasurable", "conditions_met", "conditions_total",
                      "relative_shortfall"):
                row[k] = None
            row["state"] = "只在公开名单中，未参与比较" if r.get("public_only") else "该年无数据，未参与比较"
        elif ((r.get("data_coverage") or {}).get("years") or {}).get("partial"):
            row["state"] = f"{r.get('year')} 年数据偏少 partial year"
        else:
            row["state"] = None
        rows.append(row)
    year = next((r.get("year") for r in ranked if r.get("year") is not None), None)
    kinds = {str(r.get("source")) for r in ranked}
    nodata = [r.get("name") for r in ranked if not r.get("has_data", True) and not r.get("public_only")]
    return Tabular(
        title=f"{_year(year)} 试点准备度排名",
        sheets=[Sheet("排名", cols, rows)],
        notes=_notes(answer,
                     f"范围 scope：{len(ranked)} 个城市，{_year(year)}；排序：目标达成多者在前，再看条件满足，再看相对差距小者",
                     "illustrative" in kinds and "数据来源为「示例（示意数据）」的行基于示意（演示）数据，不是真实情况；「你的数据」"
                                                 "是你导入的数据；「公开名单」只在公开名单中",
                     nodata and f"{len(nodata)} 个城市在该年没有专业点和需求数据，排在最后、未参与比较：" + "、".join(map(str, nodata)),
                     projected and f"预测 projection：「{ty}年预测」两列为预测值（结构匹配指数、毕业生就业率按预测的供需计算，"
                                   "其余各项保持现状），排名仍按今年；空格为无法预测（无专业点数据）"),
        illustrative=answer.illustrative)


def coupling(answer: Answer) -> Tabular:
    """``iekg coupling`` / ``GET /analysis/coupling``: 城市 (U1, U2, C, T, D, grade), 指标, 权重."""
    res = answer.data
    cols = [Column("city", "城市代码"), Column("name", "城市"), Column("u1", "教育系统综合评价 U1", "ratio"),
            Column("u2", "产业系统综合评价 U2", "ratio"), Column("c", "耦合度 C", "ratio"),
            Column("t", "综合协调指数 T", "ratio"), Column("ccd", "耦合协调度 D", "ratio"), Column("grade", "协调等级")]
    rows: list[dict[str, Any]] = [{**r, "name": city_name(r.get("city")) or r.get("name")} for r in res.get("scopes") or []]
    rows += [{"city": w.get("city"), "name": w.get("name") or city_name(w.get("city")), "grade": "未参与比较（无数据）"}
             for w in res.get("without_data") or []]
    keys = list(res.get("education_weights") or {}) + list(res.get("industry_weights") or {})
    for r in res.get("scopes") or []:
        keys += [k for k in r.get("indicators") or {} if k not in keys]
    ind_cols = [Column("city", "城市代码"), Column("name", "城市")] + [
        Column(k, *INDICATORS.get(k, (k, "num"))) for k in keys]
    ind_rows = [{"city": r.get("city"), "name": city_name(r.get("city")), **(r.get("indicators") or {})}
                for r in res.get("scopes") or []]
    weights = [{"system": system, "key": k, "name": INDICATORS.get(k, (k, ""))[0], "weight": w}
               for system, ws in (("教育系统", res.get("education_weights")), ("产业系统", res.get("industry_weights")))
               for k, w in (ws or {}).items()]
    excluded = res.get("excluded") or {}
    return Tabular(
        title=f"{_year(res.get('year'))} 耦合协调度",
        sheets=[Sheet("城市", cols, rows), Sheet("指标", ind_cols, ind_rows),
                Sheet("权重", [Column("system", "系统"), Column("key", "指标代码"), Column("name", "指标"),
                             Column("weight", "熵权", "ratio")], weights)],
        notes=_notes(answer,
                     f"范围 scope：{len(res.get('scopes') or [])} 个城市参与比较，{_year(res.get('year'))}；"
                     f"α = {res.get('alpha')}，β = {res.get('beta')}（T = αU1 + βU2，D = √(C·T)）",
                     res.get("without_data") and f"{len(res['without_data'])} 个城市没有专业点或需求/企业数据，未参与归一化与比较",
                     excluded and "未纳入的指标 excluded: " + "、".join(f"{k}（{v}）" for k, v in excluded.items()),
                     "指标为原始数值；U1、U2 为熵权法综合评价（极差标准化后加权）", _coverage(res), _reason(res)),
        illustrative=answer.illustrative)


def partners(answer: Answer) -> Tabular:
    """``iekg partners`` / ``GET /analysis/partners``: the recommendations with score components; 对口专业."""
    res = answer.data
    who = res.get("institution") or res.get("enterprise") or {}
    for_enterprise = "enterprise" in res
    cols = [Column("n", "序号", "int"), Column("id", "编号"), Column("name", "名称"), Column("city_name", "城市"),
            Column("score", "推荐得分", "ratio"), Column("alignment", "对口度", "ratio"),
            Column("distance", "距离得分", "ratio"), Column("capacity", "容量得分", "ratio"),
            Column("existing_score", "已合作得分", "ratio"), Column("existing", "已合作"),
            Column("supply", "对口供给（人）", "num"), Column("volume", "毕业生（人）", "num"),
            Column("employees", "企业从业人数（人）", "int"), Column("industry", "行业"), Column("explanation", "说明")]
    rows, majors = [], []
    for n, r in enumerate(res.get("results") or [], 1):
        c = r.get("components") or {}
        ind = r.get("industry_code") or r.get("industry")
        rows.append({**r, "n": n, "alignment": c.get("alignment"), "distance": c.get("distance"),
                     "capacity": c.get("capacity"), "existing_score": c.get("existing"), "existing": _yes(r.get("existing")),
                     "industry": _join([ind, r.get("industry_name")], " ") if ind else None})
        majors += [{"partner": r.get("name"), "partner_id": r.get("id"), **m, "estimate": _yes(m.get("estimate"))}
                   for m in r.get("majors") or []]
    maj = Sheet("对口专业", [Column("partner_id", "伙伴编号"), Column("partner", "伙伴"), Column("code", "专业代码"),
                          Column("name", "专业名称"), Column("volume", "毕业生（人）", "num"), Column("weight", "权重", "ratio"),
                          Column("contribution", "对口供给（人）", "num"), Column("estimate", "按在校生估算")], majors)
    w = res.get("weights") or {}
    return Tabular(
        title=f"{who.get('name', '')} 合作伙伴推荐 {_year(res.get('year'))}",
        sheets=[Sheet("推荐", cols, rows), maj],
        notes=_notes(answer,
                     f"对象：{'企业' if for_enterprise else '院校'} {who.get('name', '')}（{who.get('id', '')}，"
                     f"{who.get('city_name', '')}），{_year(res.get('year'))}；候选 {res.get('candidates', '—')} 个",
                     w and "得分 = " + " + ".join(f"{v:g}×{k}" for k, v in w.items() if k in
                                                  ("alignment", "distance", "capacity", "existing")),
                     _coverage(res), _reason(res)),
        illustrative=answer.illustrative)


def who_trains(answer: Answer) -> Tabular:
    """``iekg trains`` / ``GET /analysis/who-trains``: 专业点 (rows) and 院校."""
    res = answer.data
    target = res.get("target") or {}
    rows = [{**r, "estimate": _yes(r.get("estimate")), "industries": _join(r.get("industries") or [], "、")}
            for r in res.get("rows") or []]
    cols = [Column("institution", "院校代码"), Column("institution_name", "院校"), Column("city_name", "城市"),
            Column("major", "专业代码"), Column("major_name", "专业名称"), Column("graduates", "毕业生（人）", "int"),
            Column("enrollment", "在校生（人）", "int"), Column("volume", "培养量（人）", "num"),
            Column("estimate", "按在校生估算"), Column("weight", "权重", "ratio"),
            Column("contribution", "对口供给（人）", "num"), Column("industries", "对口行业")]
    inst = [{**r, "estimate": _yes(r.get("estimate"))} for r in res.get("institutions") or []]
    icols = [Column("institution", "院校代码"), Column("institution_name", "院校"), Column("city_name", "城市"),
             Column("majors", "对口专业（个）", "int"), Column("volume", "培养量（人）", "num"),
             Column("contribution", "对口供给（人）", "num"), Column("estimate", "含估算")]
    shown = len(rows)
    return Tabular(
        title=f"谁在培养：{target.get('name', target.get('id', ''))}（{res.get('scope_name') or '全部城市'}，{_year(res.get('year'))}）",
        sheets=[Sheet("专业点", cols, rows), Sheet("院校", icols, inst)],
        notes=_notes(answer,
                     f"对象：{TARGET_WORDS.get(str(target.get('kind')), '')} "
                     f"{target.get('name', '')}（{target.get('id', '')}），{_year(res.get('year'))}",
                     f"合计对口供给 total = {_g(res.get('total'), 1)} 人" if rows or not res.get("reason") else
                     "合计对口供给 total：无数据",
                     (res.get("rows_total") or 0) > shown and f"共 {res['rows_total']} 行，本表前 {shown} 行",
                     res.get("estimates") and "「按在校生估算」为是的专业点缺毕业生数，按在校生/学制估算",
                     _coverage(res), _reason(res)),
        illustrative=answer.illustrative)


def who_hires(answer: Answer) -> Tabular:
    """``iekg hires`` / ``GET /analysis/who-hires``: 行业, 企业, 需求."""
    res = answer.data
    major = res.get("major") or {}
    inds = [{**r, "demand": r.get("demand") if r.get("demand_data", True) else None} for r in res.get("industries") or []]
    icols = [Column("code", "行业代码"), Column("name", "行业名称"), Column("weight", "权重", "ratio"),
             Column("via", "权重来源"), Column("enterprises", "企业（家）", "int"), Column("demand", "需求（人）", "num")]
    ecols = [Column("id", "企业编号"), Column("name", "企业"), Column("city_name", "城市"), Column("industry", "行业代码"),
             Column("industry_name", "行业名称"), Column("weight", "权重", "ratio"),
             Column("employees", "从业人数（人）", "int"), Column("iei_level", "产教融合型企业"),
             Column("demand", "需求（人）", "num"), Column("partners", "合作院校（所）", "int")]
    dcols = [Column("src_name", "需求方"), Column("industry", "行业代码"), Column("target_name", "行业名称"),
             Column("year", "年份", "int"), Column("education_level", "学历层次"), Column("headcount", "需求（人）", "num"),
             Column("weight", "权重", "ratio"), Column("weighted", "加权需求（人）", "num")]
    reasons = [v for v in (res.get("reasons") or {}).values() if v]
    return Tabular(
        title=f"谁需要：{major.get('name', '')} {major.get('code', '')}",
        sheets=[Sheet("行业", icols, inds), Sheet("企业", ecols, res.get("enterprises") or []),
                Sheet("需求", dcols, res.get("demand") or [])],
        notes=_notes(answer,
                     f"专业：{major.get('name', '')}（{major.get('code', '')}，{major.get('level', '')}），"
                     f"范围 {'、'.join(res.get('cities') or []) or '全部城市'}，{_year(res.get('year'))}",
                     f"需求合计 {_g(res.get('total_demand'), 1)} 人，加权 {_g(res.get('total_weighted_demand'), 1)} 人",
                     _cut(res, "enterprises", "企业共 {total} 家，本表前 {shown} 家"),
                     _cut(res, "demand", "需求共 {total} 行，本表前 {shown} 行"),
                     [f"结果为空 empty: {x}" for x in reasons], _coverage(res)),
        illustrative=answer.illustrative)


def neighbours(answer: Answer) -> Tabular:
    """``iekg neighbours`` / ``GET /relations/neighbours`` (:func:`neighbours_answer`'s data)."""
    d = answer.data
    node = d.get("node") or {}
    cols = [Column("type", "关系类型"), Column("zh", "关系"), Column("direction", "方向"), Column("other_label", "实体类型"),
            Column("other_id", "编号"), Column("other_name", "名称"), Column("props", "属性"), Column("source_kind", "来源类别")]
    rows = []
    for r in d.get("items") or []:
        props = r.get("props") or {}
        rows.append({**r, "direction": "→ 出" if r.get("direction") == "out" else "← 入",
                     "other_id": r.get("other_id") or str(r.get("other", "")).split(":", 1)[-1],
                     "props": _join((f"{k}={v}" for k, v in sorted(props.items()) if not k.startswith("source")), "；"),
                     "source_kind": props.get("source_kind")})
    return Tabular(title=f"{node.get('name', '')}（{node.get('uid', '')}）的关联实体", sheets=[Sheet("关联实体", cols, rows)],
                   notes=_notes(answer, f"共 {len(rows)} 条关系", _reason(d)), illustrative=answer.illustrative)


def search(answer: Answer) -> Tabular:
    """``iekg search`` / ``GET /search`` (:func:`search_answer`'s data)."""
    d = answer.data
    cols = [Column("label", "实体类型"), Column("id", "编号"), Column("name", "名称"), Column("source_kind", "来源类别"),
            Column("match", "匹配方式")]
    rows = [{**h, "match": {"name": "名称或编号", "pinyin": "拼音"}.get(h.get("match", "name"), h.get("match"))}
            for h in d.get("items") or []]
    return Tabular(title=f"搜索：{d.get('q', '')}", sheets=[Sheet("结果", cols, rows)],
                   notes=_notes(answer, f"共 {len(rows)} 个结果", _reason(d)), illustrative=answer.illustrative)


def _compare_state(r: Mapping[str, Any], year: Any, measure_name: str) -> str | None:
    """The 说明 of a compared city: why it has no rank, a thin year, what is missing."""
    comp = r.get("completeness") or {}
    if not r.get("has_data", True):
        if comp.get("public_only"):
            return "只在公开名单中、不在你的数据里，未参与比较（无数据，不是 0）"
        return f"{_year(year)}没有专业点和需求数据，未参与比较（无数据，不是 0）"
    parts = []
    if r.get("rank") is None:
        parts.append(f"无{measure_name}数据，未参与排名")
    if not comp.get("has_programs", True):
        parts.append("无专业点数据（供给为无数据）")
    elif not comp.get("supply_data", True):
        parts.append("专业点没有毕业生数或在校生数（供给为无数据）")
    if not comp.get("has_demand", True):
        parts.append("无需求数据")
    if comp.get("partial"):
        parts.append(f"年份数据偏少 partial year: {comp.get('partial_note') or ''}".rstrip(": "))
    return "；".join(parts) or None


_COMPARE_FIGURES = ("S", "D", "sai", "sai_observed", "coverage", "targets_met", "targets_total",
                    "targets_unmeasurable", "conditions_met", "conditions_total", "coupling", "coupling_grade",
                    "gaps_total", "programs_total", "programs_without_figures", "institutions_with_programs",
                    "institutions_total")


def compare(answer: Answer) -> Tabular:
    """``iekg compare`` / ``GET /analysis/compare``: 城市比较 — one row per city, ranked by the chosen measure; a
    city without data (or without the measure) has an empty 排名 and is listed after the ranked ones, its
    figures empty cells, never 0."""
    from iekg.queries.gaps import GAP_TYPES
    from iekg.reports.wording import GAP_LABELS

    d = answer.data
    year, measure_name = d.get("year"), d.get("measure_name") or d.get("measure") or ""
    cols = [Column("rank", "排名", "int"), Column("city", "城市代码"), Column("name", "城市"),
            Column("source", "数据来源"), Column("S", "供给（人）", "num"), Column("D", "需求（人）", "num"),
            Column("sai", "SAI（结构匹配指数）", "ratio"), Column("sai_observed", "观测SAI（有需求数据的行业）", "ratio"),
            Column("coverage", "链条覆盖率", "pct"), Column("targets_met", "目标达成（项）", "int"),
            Column("targets_total", "目标总数（项）", "int"), Column("targets_unmeasurable", "目标无法衡量（项）", "int"),
            Column("conditions_met", "条件满足（项）", "int"), Column("conditions_total", "条件总数（项）", "int"),
            Column("coupling", "耦合协调度 D", "ratio"), Column("coupling_grade", "协调等级")]
    target_year = d.get("target_year")
    if target_year is not None:  # each city's figures projected to the target year, beside today's
        cols += [Column("t_S", f"{target_year}年预测 供给（人）", "num"),
                 Column("t_D", f"{target_year}年预测 需求（人）", "num"),
                 Column("t_sai", f"{target_year}年预测 SAI", "ratio"),
                 Column("t_coverage", f"{target_year}年预测 链条覆盖率", "pct"),
                 Column("t_targets_met", f"{target_year}年预测 目标达成（项）", "int")]
    cols += [Column(f"gap_{t}", f"缺口：{GAP_LABELS.get(t, t)}（个）", "int") for t in GAP_TYPES]
    cols += [Column("gaps_total", "缺口合计（个）", "int"), Column("has_programs", "有专业点数据"),
             Column("has_demand", "有需求数据"), Column("institutions_with_programs", "有专业点的院校（所）", "int"),
             Column("institutions_total", "院校（所）", "int"), Column("programs_total", "专业点（个）", "int"),
             Column("programs_without_figures", "无毕业生/在校生数的专业点（个）", "int"),
             Column("partial", "年份数据偏少"), Column("state", "说明")]
    rows = []
    for r in d.get("cities") or []:
        comp = r.get("completeness") or {}
        row: dict[str, Any] = {**r, "source": RANKING_SOURCES.get(str(r.get("source")), r.get("source")),
                               "has_programs": _yes(comp.get("has_programs")), "has_demand": _yes(comp.get("has_demand")),
                               "institutions_with_programs": comp.get("institutions_with_programs"),
                               "institutions_total": comp.get("institutions_total"),
                               "programs_total": comp.get("programs_total") if comp.get("has_programs") else None,
                               "programs_without_figures": (comp.get("programs_without_figures")
                                                            if comp.get("has_programs") else None),
                               "partial": "是" if comp.get("partial") else None,
                               "state": _compare_state(r, year, measure_name)}
        proj = r.get("target") or {}
        row.update({f"t_{k}": proj.get(k) for k in ("S", "D", "sai", "coverage", "targets_met")})
        gaps_by_type = r.get("gaps")
        for t in GAP_TYPES:
            row[f"gap_{t}"] = gaps_by_type.get(t) if isinstance(gaps_by_type, Mapping) else None
        if not r.get("has_data", True):  # no data: every figure an empty cell (the totals of the policy too)
            for k in _COMPARE_FIGURES:
                row[k] = None
        rows.append(row)
    cities = d.get("cities") or []
    kinds = {str(r.get("source")) for r in cities}
    unranked = [str(r.get("name")) for r in cities if r.get("rank") is None]
    return Tabular(
        title=f"{d.get('scope_name', '')} {_year(year)} 城市比较（按 {measure_name} 排名）",
        sheets=[Sheet("城市比较", cols, rows)],
        notes=_notes(answer,
                     f"范围 scope：{d.get('scope_name', '')}，{len(cities)} 个城市，{_year(year)}；"
                     f"{d.get('ranked', 0)} 个参与排名",
                     f"排序：按 {measure_name} 从高到低（相同时按城市代码）；没有该指标数据的城市排名为空、排在最后，"
                     "不按 0 排名" + (f"：{'、'.join(unranked)}" if unranked else ""),
                     "illustrative" in kinds and "数据来源为「示例（示意数据）」的行基于示意（演示）数据，不是真实情况；「你的数据」"
                                                 "是你导入的数据；「公开名单」只在公开名单中、不在你的数据里",
                     d.get("note"),
                     target_year is not None and f"「{target_year}年预测」各列是按 {_year(year)} 数据预测的值，不是统计数据"
                                                 "（方法同 iekg align / readiness --target-year；排名仍按数据年份）；"
                                                 "无数据的城市为空",
                     d.get("coupling_note") and f"耦合协调度 coupling: {d['coupling_note']}",
                     "缺口各列为该城市各类缺口的个数（同 iekg gaps）；目标、条件为试点准备度（同 iekg readiness）；"
                     "耦合协调度为参与比较的城市一起计算（同 iekg coupling）",
                     "空单元格表示无数据，不是 0"),
        illustrative=answer.illustrative)


def trend(answer: Answer) -> Tabular:
    """``iekg trend`` / ``GET /analysis/trend``: 逐年 (each year with data and its change from the previous
    year) and 分行业 (long format: one row per industry and year).  A year without data is absent, never a row
    of zeros, and listed in the notes; no change is computed across it."""
    d = answer.data
    years = d.get("years") or []
    cols = [Column("year", "年份", "int"), Column("S", "供给（人）", "num"), Column("D", "需求（人）", "num"),
            Column("sai", "SAI（结构匹配指数）", "ratio"), Column("sai_observed", "观测SAI（有需求数据的行业）", "ratio"),
            Column("coverage", "覆盖率", "pct"), Column("programs", "专业点（个）", "int"),
            Column("partial", "数据偏少"), Column("partial_reason", "原因"), Column("from", "比较年份", "int"),
            Column("dS", "ΔS（人）", "num"), Column("dD", "ΔD（人）", "num"), Column("dsai", "ΔSAI", "ratio"),
            Column("dsai_observed", "Δ观测SAI", "ratio"), Column("dcoverage", "Δ覆盖率", "pct"),
            Column("change_note", "变化说明")]
    rows = []
    for y in years:
        ch = y.get("change") or {}
        rows.append({**y, "S": y.get("S") if y.get("supply_data", True) else None,
                     "partial": "是" if y.get("partial") else None, "from": ch.get("from"),
                     "dS": ch.get("S"), "dD": ch.get("D"), "dsai": ch.get("sai"), "dsai_observed": ch.get("sai_observed"),
                     "dcoverage": ch.get("coverage"), "change_note": ch.get("note")})
    icols = [Column("code", "行业代码"), Column("name", "行业名称"), Column("year", "年份", "int"),
             Column("supply", "供给（人）", "num"), Column("demand", "需求（人）", "num"),
             Column("dsupply", "供给变化（人）", "num"), Column("ddemand", "需求变化（人）", "num")]
    irows = [{"code": i.get("code"), "name": i.get("name"), "year": b.get("year"), "supply": b.get("supply"),
              "demand": b.get("demand"), "dsupply": (b.get("change") or {}).get("supply"),
              "ddemand": (b.get("change") or {}).get("demand")}
             for i in d.get("industries") or [] for b in i.get("by_year") or []]
    missing = d.get("missing_years") or []
    across: list[tuple[Any, Any, list[Any]]] = [
        (y.get("year"), (y.get("change") or {}).get("from"), list((y.get("change") or {}).get("gap_years") or []))
        for y in years if (y.get("change") or {}).get("gap_years")]
    span = f"{d.get('from')}–{d.get('to')}年" if d.get("from") is not None else ""
    chain = f"，产业链 {d['chain']}" if d.get("chain") else ""
    return Tabular(
        title=f"{d.get('scope_name', '')} {span} 趋势" + (f"（产业链 {d['chain']}）" if d.get("chain") else ""),
        sheets=[Sheet("逐年", cols, rows), Sheet("分行业", icols, irows)],
        notes=_notes(answer,
                     f"范围 scope：{d.get('scope_name', '')}（{'、'.join(d.get('cities') or [])}），{span}{chain}；"
                     f"有数据的年份：{'、'.join(str(y.get('year')) for y in years) or '无'}",
                     missing and f"无数据的年份：{'、'.join(map(str, missing))}（不计为 0，表中没有这些年份）",
                     [f"{y} 年与 {f} 年之间缺 {'、'.join(map(str, g))} 年的数据：不跨过缺的年份计算变化（Δ 为空）"
                      for y, f, g in across],
                     "Δ 为与上一个有数据年份相比的变化；「数据偏少」为是的年份，变化可能来自缺的数据而不是实际变化",
                     d.get("thin_rule") and f"偏少年份规则 thin-year rule: {d['thin_rule']}",
                     "分行业：每个行业每个有数据的年份一行；供给为 0 表示有专业点数据但该行业没有对口供给，"
                     "空单元格表示无数据，不是 0",
                     _reason(d)),
        illustrative=answer.illustrative)


CONVERTERS: dict[str, Callable[[Answer], Tabular]] = {
    "alignment": alignment, "gaps": gaps, "readiness": readiness, "readiness_all": readiness_all,
    "coupling": coupling, "partners": partners, "who_trains": who_trains, "who_hires": who_hires,
    "neighbours": neighbours, "search": search, "compare": compare, "trend": trend,
}
from iekg.takeaway import scenario_tables as _scenario_tables  # noqa: E402 — the scenarios' converters (issue 23)

CONVERTERS.update(scenario_show=_scenario_tables.scenario_show, scenario_compare=_scenario_tables.scenario_compare)
from iekg.takeaway import plan_tables as _plan_tables  # noqa: E402 — the majors optimisation's tables (issue 23)

CONVERTERS.update(plan_majors=_plan_tables.plan_majors)


# ------------------------------------------------------------------------- answers for the lists
def search_answer(q: str, items: Sequence[Mapping[str, Any]], reason: str | None) -> Answer:
    """The search hits as an Answer (``GET /search``'s body): illustrative when a hit is."""
    from iekg.service import Answer

    hits = list(items)
    return Answer({"q": q, "total": len(hits), "items": hits, "reason": reason},
                  lambda: any(h.get("source_kind") == "illustrative" for h in hits))


def neighbours_answer(node: Node, rows: Sequence[Mapping[str, Any]], reason: str | None) -> Answer:
    """The neighbours as an Answer (``GET /relations/neighbours``' body): illustrative when the entity or a
    relationship is."""
    from iekg.service import Answer, is_illustrative

    items = list(rows)
    return Answer({"node": {"uid": node.uid, "label": node.label, "id": node.id, "name": node.name},
                   "total": len(items), "items": items, "reason": reason},
                  lambda: is_illustrative(node.props) or any(is_illustrative(r.get("props") or {}) for r in items))


# ------------------------------------------------------------------------------- the one entry point
def source_line(store: Store | None = None, today: date | None = None) -> str:
    """``来源：iekg <version> 知识图谱，<store>；生成于 <date>``."""
    from iekg import __version__

    name = getattr(store, "name", None)
    where = STORE_WORDS.get(str(name), str(name)) if name else "图谱存储"
    return f"来源：iekg {__version__} 知识图谱，{where}；生成于 {(today or date.today()).isoformat()}"


NEEDS_NAMES = {"coupling"}  # kinds whose converter asks :func:`city_name`


def tabular(kind: str, answer: Answer, store: Store | None = None, *, today: date | None = None) -> Tabular:
    """An answer ready to take away: the kind's converter, then the source line.

    Parameters
    ----------
    kind : str
        A key of :data:`CONVERTERS`.
    answer : Answer
        The service's answer.
    store : Store, optional
        The graph the answer came from (its kind goes in the source line; city names for coupling).
    today : date, optional
        The date of the source line (default: today).

    Returns
    -------
    Tabular
    """
    with _names_from(store if kind in NEEDS_NAMES else None):
        tab = CONVERTERS[kind](answer)
    tab.notes.append(source_line(store, today))
    return tab


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def filename(tab: Tabular, ext: str) -> str:
    """A file name from the title (``开封市_2024年_产教匹配.csv``): no path separators or characters Windows refuses."""
    stem = _UNSAFE.sub("_", tab.title).strip("._") or "iekg"
    return f"{stem[:120]}.{ext}"

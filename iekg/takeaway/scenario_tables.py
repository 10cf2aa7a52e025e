"""Take-away tables of the what-if scenarios (issue 23 item 2): ``iekg scenario show`` / ``GET /scenarios/{name}``
(基线与情景对比, the industries that move, the readiness items that move, the changes) and ``iekg scenario
compare`` / ``GET /scenarios/{name}/compare`` (the baseline and each scenario side by side).  Registered in
:data:`iekg.takeaway.convert.CONVERTERS`; figures never rounded, no data an empty cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iekg.takeaway.tabular import ILLUSTRATIVE_NOTE, Column, Sheet, Tabular
from iekg.takeaway.words import STATUS_ZH

if TYPE_CHECKING:
    from iekg.service import Answer

FIGURES: tuple[tuple[str, str, Any], ...] = (
    ("S", "供给 S（人）", "num"), ("D", "需求 D（人）", "num"), ("sai", "SAI（结构匹配指数）", "ratio"),
    ("sai_observed", "观测SAI（有需求数据的行业）", "ratio"), ("coverage", "链条覆盖率", "pct"),
    ("unmet_demand", "未满足需求（人）", "num"), ("cooperating_enterprises", "有对口合作的企业（家）", "int"),
    ("targets_met", "目标达成（项）", "int"), ("targets_total", "目标总数（项）", "int"),
    ("conditions_met", "条件满足（项）", "int"), ("conditions_total", "条件总数（项）", "int"))
KIND_ZH = {"add_program": "新增专业点", "set_program": "调整专业点人数", "close_program": "撤销专业点",
           "add_demand": "新增需求", "add_cooperation": "新增校企合作", "add_training_base": "新增实训基地"}


def _status(s: Any) -> Any:
    return STATUS_ZH.get(str(s), s) if s is not None else None


def _yes(v: Any) -> str | None:
    return None if v is None else ("是" if v else "否")


def _notes(answer: Answer, *lines: Any) -> list[str]:
    out = [ILLUSTRATIVE_NOTE] if answer.illustrative else []
    return out + [str(x) for x in lines if x]


def _scope_words(scope: Mapping[str, Any] | None) -> str:
    sc = scope or {}
    if sc.get("city"):
        return f"城市 {sc['city']}"
    if sc.get("province"):
        return f"省 {sc['province']}"
    return "城市 " + "、".join(sc.get("cities") or [])


def _year_words(ev: Mapping[str, Any]) -> str:
    ty = ev.get("target_year")
    return f"{ev.get('year')} 年数据" + (f"，目标年 {ty}（预测）" if ty is not None else "")


MOVED_COLS = [Column("code", "行业代码"), Column("name", "行业"), Column("supply_before", "基线供给（人）", "num"),
              Column("supply_after", "情景供给（人）", "num"), Column("demand_before", "基线需求（人）", "num"),
              Column("demand_after", "情景需求（人）", "num"), Column("ratio_before", "基线供需比", "ratio"),
              Column("ratio_after", "情景供需比", "ratio"), Column("status_before", "基线状态"),
              Column("status_after", "情景状态")]
ITEM_COLS = [Column("name", "准备度指标"), Column("kind", "类别"), Column("threshold", "门槛", "num"),
             Column("value_before", "基线值", "num"), Column("value_after", "情景值", "num"),
             Column("met_before", "基线达标"), Column("met_after", "情景达标")]


def _moved_rows(moved: Any) -> list[dict[str, Any]]:
    return [{**m, "status_before": _status(m.get("status_before")), "status_after": _status(m.get("status_after"))}
            for m in moved or []]


def _item_rows(items: Any) -> list[dict[str, Any]]:
    return [{**i, "kind": "条件" if i.get("kind") == "condition" else "目标", "met_before": _yes(i.get("met_before")),
             "met_after": _yes(i.get("met_after"))} for i in items or []]


def scenario_show(answer: Answer) -> Tabular:
    """``iekg scenario show`` / ``GET /scenarios/{name}``: 情景对比 (one row per figure: baseline, scenario,
    change), 变动行业, 准备度变化 and 情景变动 (the changes as stored)."""
    d = answer.data
    doc, ev = d.get("scenario") or {}, d.get("evaluation") or {}
    base, scen = ev.get("baseline") or {}, ev.get("scenario") or {}
    rows = []
    for key, label, _ in FIGURES:
        if key not in base and key not in scen:
            continue
        b, a = base.get(key), scen.get(key)
        rows.append({"figure": label, "baseline": b, "scenario": a,
                     "change": a - b if isinstance(a, int | float) and isinstance(b, int | float) else None})
    summary = Sheet("情景对比", [Column("figure", "指标"), Column("baseline", "基线", "general"),
                                 Column("scenario", "情景", "general"), Column("change", "变化", "general")], rows)
    changes = [{"n": k, "kind": KIND_ZH.get(str(c.get("kind")), c.get("kind")),
                "detail": "；".join(f"{f}={v}" for f, v in c.items() if f != "kind" and v not in (None, []))}
               for k, c in enumerate(doc.get("changes") or [], 1)]
    return Tabular(
        title=f"情景「{doc.get('name', '')}」与基线对比（{_scope_words(doc.get('scope'))}，{_year_words(ev)}）",
        sheets=[summary, Sheet("变动行业", MOVED_COLS, _moved_rows(ev.get("moved"))),
                Sheet("准备度变化", ITEM_COLS, _item_rows(ev.get("readiness_moved"))),
                Sheet("情景变动", [Column("n", "序号", "int"), Column("kind", "变动类型"), Column("detail", "内容")],
                      changes)],
        notes=_notes(answer, f"范围 scope：{ev.get('scope_name') or _scope_words(doc.get('scope'))}；{_year_words(ev)}",
                     doc.get("note") and f"说明：{doc['note']}",
                     "情景叠加在图谱上计算，不改变图谱 (a scenario never changes the graph)",
                     ev.get("projection") and "目标年的数字是预测 (projection)",
                     "空单元格表示无数据，不是 0"),
        illustrative=answer.illustrative)


def scenario_compare(answer: Answer) -> Tabular:
    """``iekg scenario compare`` / ``GET /scenarios/{name}/compare``: one row per figure, a column for the baseline and
    one per scenario; then each scenario's industries that move."""
    d = answer.data
    scen = d.get("scenarios") or []
    base = d.get("baseline") or {}
    cols = [Column("figure", "指标"), Column("baseline", "基线", "general")]
    cols += [Column(f"s{k}", f"情景：{s.get('name')}", "general") for k, s in enumerate(scen)]
    rows = []
    for key, label, _ in FIGURES:
        if key not in base:
            continue
        row = {"figure": label, "baseline": base.get(key)}
        for k, s in enumerate(scen):
            row[f"s{k}"] = (s.get("figures") or {}).get(key)
        rows.append(row)
    rows.append({"figure": "变动项数", "baseline": None, **{f"s{k}": s.get("changes") for k, s in enumerate(scen)}})
    moved = [{"scenario": s.get("name"), **m} for s in scen for m in _moved_rows(s.get("moved"))]
    return Tabular(
        title=f"情景比较（{d.get('scope_name') or _scope_words(d.get('scope'))}，{_year_words(d)}）",
        sheets=[Sheet("情景比较", cols, rows), Sheet("变动行业", [Column("scenario", "情景"), *MOVED_COLS], moved)],
        notes=_notes(answer, f"范围 scope：{d.get('scope_name') or _scope_words(d.get('scope'))}；{_year_words(d)}",
                     "情景叠加在图谱上计算，不改变图谱 (scenarios never change the graph)",
                     d.get("projection") and "目标年的数字是预测 (projection)", "空单元格表示无数据，不是 0"),
        illustrative=answer.illustrative)

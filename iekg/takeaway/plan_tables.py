"""Take-away tables of the majors optimisation (issue 23 item 3): ``iekg plan majors --format csv|xlsx`` and
``GET /plan/majors?format=csv|xlsx``.  Sheet 1 the recommended changes line by line (with the industries each
serves, by weight), sheet 2 the industries before and after (supply, demand, unmet demand, status), sheet 3 the
constraints and the problem's size; the notes say the method (MILP, HiGHS and its version), the illustrative
flag, the steady-state caveat and what the first-graduates year means.  Registered in
:data:`iekg.takeaway.convert.CONVERTERS` as ``plan_majors``; figures never rounded, no data an empty cell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iekg.takeaway.tabular import ILLUSTRATIVE_NOTE, Column, Sheet, Tabular
from iekg.takeaway.words import STATUS_ZH

if TYPE_CHECKING:
    from iekg.service import Answer

KIND_ZH = {"more": "扩招", "fewer": "减招", "new": "新设专业点"}
STATUS = {**STATUS_ZH, "no_demand_data": "无需求数据", "no_demand": "无需求", "none": "无供给无需求"}
GROUP_ZH = {"band": "院校招生总量区间", "never_cut": "短缺专业不减招", "min_size": "最小专业点规模",
            "min_change": "最小调整人数", "budget": "新设专业点上限", "max_growth": "单点增减上限", "goal": "未满足需求目标"}
SIZE_ROWS = (("variables", "变量（个）"), ("integer_variables", "其中整数变量（个）"), ("constraints", "约束（条）"),
             ("programs", "现有专业点（个）"), ("candidates", "候选新专业点（个）"), ("industries", "行业（个）"),
             ("mip_gap", "相对最优性差距（求解所达）"), ("seconds", "求解用时（秒）"), ("total_seconds", "总用时（秒）"))
SETTING_ROWS = (("band_down", "院校招生总量下限（比现有减少不超过）"), ("band_up", "院校招生总量上限（比现有增加不超过）"),
                ("min_size", "专业点最小规模（人/年）"), ("min_change", "最小调整人数（人/年）"),
                ("new_programs", "新设专业点上限（个）"), ("max_new_intake", "新专业点招生上限（人/年）"),
                ("max_growth", "单点增加上限（人/年）"), ("max_change_share", "单点增减上限（占现有规模）"),
                ("never_cut_shortage", "短缺行业对口专业不减招"), ("goal_unmet", "未满足需求目标（人）"),
                ("surplus_weight", "目标函数中过剩的权重 λ"), ("change_cost", "每项调整的固定代价（人）"),
                ("change_weight", "调整量的权重 ε"))

CHANGE_COLS = [Column("n", "序号", "int"), Column("institution", "院校代码"), Column("institution_name", "院校"),
               Column("major", "专业代码"), Column("major_name", "专业"), Column("kind", "调整类型"),
               Column("before", "调整前招生（人/年）", "num"), Column("after", "调整后招生（人/年）", "num"),
               Column("change", "变动（人/年）", "num"), Column("duration", "学制（年）", "int"),
               Column("first_graduates", "首届毕业年份", "int"), Column("by_target", "目标年前毕业"),
               Column("serves", "服务行业（按权重）"), Column("serves_shortage", "其中短缺或无供给行业"),
               Column("alternatives", "同类可替代专业（效果相同）")]
INDUSTRY_COLS = [Column("industry", "行业代码"), Column("industry_name", "行业"),
                 Column("supply_before", "调整前供给（人）", "num"), Column("supply_after", "调整后供给（人）", "num"),
                 Column("demand", "需求（人）", "num"), Column("unmet_before", "调整前未满足需求（人）", "num"),
                 Column("unmet_after", "调整后未满足需求（人）", "num"), Column("status_before", "调整前状态"),
                 Column("status_after", "调整后状态")]
SETTINGS_COLS = [Column("section", "类别"), Column("item", "项目"), Column("value", "值", "general"),
                 Column("note", "说明")]


def _serves(serves: list[dict[str, Any]]) -> str | None:
    text = "；".join(f"{s.get('industry_name') or s['industry']}（{s['industry']}）权重 {s['weight']:g}，"
                    f"约 {s['people']:.1f} 人，{STATUS.get(str(s.get('status_before')), s.get('status_before'))}"
                    for s in serves)
    return text or None


def _yes(v: Any) -> str | None:
    return None if v is None else ("是" if v else "否")


def _defaults_note() -> str:
    """Whose the constraints are: the planner's, else the tool's defaults (read from Constraints, not copied)."""
    from iekg.plan.optimise import Constraints

    c = Constraints()
    return (f"约束由规划者设定；未设定的取本工具的默认值（各院校招生变动 ±{c.band:.0%}、专业点不少于 {c.min_size:g} 人、"
            f"变动 0 或不少于 {c.min_change:g} 人、新设专业点不超过 {c.new_programs} 个、单个专业点变动不超过现有规模的 "
            f"{c.max_change_share or 0:.0%}），都不是通知的要求；短缺、过剩的阈值为本工具的参考值")


def plan_majors(answer: Answer) -> Tabular:
    """``iekg plan majors`` / ``GET /plan/majors``: 调整方案, 行业前后对比, 约束与规模."""
    d = answer.data
    rows = []
    for n, ch in enumerate(d.get("changes") or [], 1):
        short = [s for s in ch.get("serves") or [] if s.get("status_before") in ("shortage", "unmet")]
        rows.append({**ch, "n": n, "kind": KIND_ZH.get(ch.get("kind"), ch.get("kind")),
                     "by_target": _yes(ch.get("by_target")), "serves": _serves(ch.get("serves") or []),
                     "serves_shortage": "、".join(str(s.get("industry_name") or s["industry"]) for s in short) or None,
                     "alternatives": "、".join(f"{x['major']} {x.get('major_name') or ''}".strip()
                                              for x in ch.get("alternatives") or []) or None})
    industries = [{**i, "status_before": STATUS.get(i.get("status_before"), i.get("status_before")),
                   "status_after": STATUS.get(i.get("status_after"), i.get("status_after"))}
                  for i in d.get("industries") or []]
    settings: list[dict[str, Any]] = []
    cons = d.get("constraints") or {}
    for key, label in SETTING_ROWS:
        v = cons.get(key)
        settings.append({"section": "约束设置", "item": label,
                         "value": _yes(v) if isinstance(v, bool) else v,
                         "note": "未设置" if v is None else None})
    for x in d.get("constraints_used") or []:
        settings.append({"section": "所用约束", "item": GROUP_ZH.get(x["group"], x["group"]), "value": None,
                         "note": x["text"]})
    for g in d.get("constraints_not_set") or []:
        settings.append({"section": "未设置的约束", "item": GROUP_ZH.get(g, g), "value": None, "note": "未设置"})
    size = d.get("size") or {}
    settings += [{"section": "问题规模", "item": label, "value": size.get(key)} for key, label in SIZE_ROWS]
    b, a = d.get("before") or {}, d.get("after") or {}
    for key, label in (("sai", "SAI（结构匹配指数）"), ("unmet_demand", "未满足需求（人）"),
                       ("surplus", "超出过剩线的供给（人）"), ("S", "供给总量 S（人）"), ("D", "需求总量 D（人）")):
        settings.append({"section": "调整前后", "item": label + " 调整前", "value": b.get(key)})
        settings.append({"section": "调整前后", "item": label + " 调整后", "value": a.get(key)})
    target = d.get("target_year")
    proj = d.get("projection") or {}
    notes = [ILLUSTRATIVE_NOTE] if answer.illustrative else []
    notes += [x for x in (
        f"范围 scope：{d.get('scope_name', '')}（{'、'.join(d.get('cities') or [])}），现有专业点为 {d.get('year')} 年数据"
        + (f"；供给与需求按 {target} 年预测（基年 {proj.get('base_year')}）" if target else ""),
        "方法：混合整数线性规划（MILP），由 HiGHS " + (d.get("highs") or "") + " 经 scipy.optimize.milp 求解；目标为未满足需求 + "
        "λ × 超出过剩线的供给 + ε × 调整量最小（模型见 docs/measures.md「Which majors to change」）",
        f"调整 {len(rows)} 项；SAI {b.get('sai')} → {a.get('sai')}；未满足需求 {b.get('unmet_demand')} → "
        f"{a.get('unmet_demand')} 人",
        d.get("steady_state"),
        "「首届毕业年份」= 数据年份 + 1 + 学制：调整从数据年份的下一年招生起生效，该届学生毕业的年份；此前的毕业生不受影响"
        + (f"；「目标年前毕业」为否的调整在 {target} 年尚不产生毕业生" if target else ""),
        "招生人数（人/年）= 在校生数 ÷ 学制，无在校生数时取毕业生数（稳态）；既无在校生数也无毕业生数的专业点未纳入"
        f"（{len(d.get('left_out') or [])} 个）",
        _defaults_note(),
        "模型不撤销专业点，不含校企合作、实训基地；「需求（人）」为空的行业没有需求数据（不是需求为 0），不计入未满足需求与过剩",
        proj.get("note"),
    ) if x]
    return Tabular(
        title=f"{d.get('scope_name', '')} {d.get('year')}年 专业结构优化建议" + (f"（目标年 {target}）" if target else ""),
        sheets=[Sheet("调整方案", CHANGE_COLS, rows), Sheet("行业前后对比", INDUSTRY_COLS, industries),
                Sheet("约束与规模", SETTINGS_COLS, settings)],
        notes=notes, illustrative=answer.illustrative)

"""The report of a city already selected as a provincial pilot (:mod:`iekg.reports.stage`): a progress
report while the notice's horizon (2025) runs, the final evaluation report after it.

It assesses the notice's targets — each **met**, **behind** (with the shortfall) or **not measurable**
(with the reason), from the graph, against the baseline year (the year the city was selected) where the
graph has that year — and the city's own plan (its Attachment 1 and 2 rows, each deadline as written and
whether it is past), then lists the problems the graph still shows and the next steps, dated from today
in the chosen period.  Like the plan it states facts; the figures and evidence of each row are in the
workbook's evidence sheet, referenced by the rows' 序号.
"""

from __future__ import annotations

from typing import Any

from iekg import textsafe
from iekg.queries.readiness import NOTICE
from iekg.reports.city import illustrative_note
from iekg.reports.drafting import OWN, Draft
from iekg.reports.facts import Facts, pilot_fact
from iekg.reports.lookups import Names
from iekg.reports.plan import _deadline, _section1, measure_lines, overdue_note
from iekg.reports.stage import EVALUATION
from iekg.reports.wording import md_table, num, seq_text

MET, BEHIND, UNMEASURABLE = "met", "behind", "not_measurable"
STATUS_WORDS = {MET: "已达到", BEHIND: "未达到", UNMEASURABLE: "无法衡量"}
# Targets whose wording asks for something new (新培育 … 进入全省领先行列): compared with the baseline year.
NEW_TARGETS = frozenset({"leading_institutions", "leading_majors"})


def _leading(f: Facts, year: int | None) -> set[tuple[str, str]] | None:
    """The city's programs marked leading in ``year`` ((institution, major) pairs); None when no program of
    that year says whether it is leading."""
    if year is None:
        return None
    insts = sorted(f.institutions["id"])
    rows = f.store.rel_frame("OFFERS", ["leading"], src_label="Institution", src_ids=insts, where={"year": year})
    if not len(rows) or rows["leading"].isna().all():
        return None
    lead = rows[rows["leading"].map(lambda v: v in (True, "是", "true", "True"))]
    return {(str(a), str(b)) for a, b in zip(lead["src"], lead["dst"], strict=True)}


def _policies_by(f: Facts, year: int) -> int:
    """The policies in force that apply to the city and were issued by the end of ``year``."""
    p = f.policies[f.policies["status"].fillna("有效") == "有效"]
    return int((p["date"].fillna("9999").astype(str).str[:4] <= str(year)).sum())


def assess_targets(f: Facts, d: Draft) -> list[dict[str, Any]]:
    """Each of the notice's targets for the city: ``status`` met / behind / not_measurable, the ``baseline``
    (value in the baseline year, None when the graph has no figure for that year, with ``baseline_note``),
    the current ``value`` (the data year), ``gap`` (what is missing when behind) and ``note`` (why it cannot
    be measured, how "new" was counted).  An either/or target (any_of) is met when any member is met.

    Parameters
    ----------
    f : Facts
        The city's figures (readiness included).
    d : Draft
        The draft, for its stage (baseline year).

    Returns
    -------
    list of dict
        One per target, in the notice's order: ``metric``, ``text``, ``threshold``, ``unit``, ``baseline``,
        ``baseline_note``, ``value``, ``status``, ``group_status``, ``gap``, ``note``.
    """
    base = d.stage.baseline_year if d.stage else None
    now = f.year
    out = []
    for t in (i for i in f.ready["items"] if i["kind"] != "condition"):
        metric = str(t["metric"])
        row = {"metric": metric, "text": t.get("text") or t["name"], "threshold": t["threshold"],
               "threshold_basis": t.get("threshold_basis"), "threshold_label": t.get("threshold_label"),
               "unit": t["unit"] or "", "any_of": t["any_of"], "value": t["value"], "baseline": None,
               "baseline_note": "图谱只有现状数据", "note": "", "gap": None}
        if metric == "policy_framework" and base is not None:
            row["baseline"], row["baseline_note"] = float(_policies_by(f, base)), ""
        if metric == "leading_majors":
            then, later = _leading(f, base), _leading(f, now)
            if base is not None and then is not None and later is not None and base != now:
                new = later - then
                row.update(baseline=float(len(then)), baseline_note="", value=float(len(new)),
                           note=f"{now}年全省领先的专业点{len(later)}个，其中{base}年不在领先行列的{len(new)}个，按新培育计")
            else:
                row.update(value=None, note=f"没有{base or '基线'}年和{now or '现状'}年两年的「全省领先」专业点数据，"
                                            "无法判断是否为试点期间新培育")
        elif metric == "leading_institutions":
            row.update(value=None, note="院校的「全省领先」没有分年度数据，无法判断是否为试点期间新进入"
                       if t["value"] is not None else "图谱中没有本市院校「全省领先」的数据")
        elif t["value"] is None:
            row["note"] = str(t.get("note") or "图谱中没有相应数据")
        if row["value"] is None:
            row["status"] = UNMEASURABLE
        elif row["value"] >= float(t["threshold"]):
            row["status"] = MET
        else:
            row["status"], row["gap"] = BEHIND, float(t["threshold"]) - row["value"]
        out.append(row)
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in out:
        if r["any_of"]:
            groups.setdefault(str(r["any_of"]), []).append(r)
    for r in out:
        members = groups.get(str(r["any_of"]), [r]) if r["any_of"] else [r]
        states = {m["status"] for m in members}
        r["group_status"] = MET if MET in states else BEHIND if BEHIND in states else UNMEASURABLE
    return out


def _target_value(r: dict[str, Any]) -> str:
    """The 目标值 cell: the notice's number as it is, a reading of its vague words labelled as ours
    (``1个（本工具对“若干”的解读）``), an assumption as our reference value."""
    v = f"{num(r['threshold'])}{r['unit']}"
    label = str(r.get("threshold_label") or "")
    if r.get("threshold_basis") == "reading":
        return f"{v}（{label.split('：')[0]}）" if label else f"{v}（本工具的解读）"
    if r.get("threshold_basis") == "assumption":
        return f"{v}（参考值，本工具假设）"
    return v


def _status_text(r: dict[str, Any]) -> str:
    s = STATUS_WORDS[r["status"]]
    if r["status"] == BEHIND:
        s += f"（差{num(r['gap'])}{r['unit']}）"
    if r["any_of"] and r["group_status"] != r["status"]:
        s += "；“或”目标" + STATUS_WORDS[r["group_status"]]
    return s


def _count(rows: list[dict[str, Any]]) -> dict[str, int]:
    seen: set[str] = set()
    n = {MET: 0, BEHIND: 0, UNMEASURABLE: 0}
    for r in rows:
        key = str(r["any_of"] or r["metric"])
        if key in seen:
            continue
        seen.add(key)
        n[r["group_status"]] += 1
    return n


def report_markdown(f: Facts, d: Draft, names: Names) -> str:
    """The progress or final evaluation report (Markdown) of a selected city, from the facts and the draft
    the plan would be written from (:func:`iekg.reports.facts.plan_parts`).

    Parameters
    ----------
    f : Facts
    d : Draft
        Its ``stage`` is a report's (:attr:`Stage.is_report`).
    names : Names

    Returns
    -------
    str
    """
    st = d.stage
    assert st is not None and st.is_report
    city = f.node.name
    final = st.kind == EVALUATION
    out = [f"# {st.title(city)}", ""]
    out += illustrative_note(f.store, f.city)
    when = (f"通知（{NOTICE}）提出的试点目标以{st.horizon}年为期，截至{st.today_text}已届满，本稿为试点总结评估报告"
            if final else f"通知（{NOTICE}）提出的试点目标以{st.horizon}年为期，截至{st.today_text}试点正在推进，本稿为试点进展报告")
    on = st.selected_on
    selected = (f"{on.year}年{on.month}月{on.day}日列入{st.batch or '省级产教融合型城市建设试点'}" if on
                else "已列入试点")  # a 公文's date, as every date of the draft
    out += [f"> 本稿由 iekg 根据产教融合知识图谱自动起草。{city}于{selected}；{when}。目标对照的基线年为"
            f"{st.baseline_year or '—'}年（列入试点当年），现状数据年度为{f.year if f.year is not None else '—'}年；"
            f"下一步工作安排在{st.period.text}。各行的数据和依据见附件清单工作簿“依据”工作表（按附件和序号对应）；"
            "定性表述请结合本地实际修改完善。", ""]

    part1: list[str] = []
    _section1(f, names, part1)
    cut = next((k for k, line in enumerate(part1) if line.startswith("### （六）")), len(part1))
    out += ["## 一、试点基本情况", ""] + part1[2:cut]
    if not pilot_fact(f.node.props, city):
        out += [f"{city}{selected}。", ""]

    rows = assess_targets(f, d)
    n = _count(rows)
    out += [f"## 二、试点目标{'完成' if final else '进展'}情况", "",
            f"对照通知提出的{st.horizon}年试点目标（“或”目标按一项计），本市已达到{n[MET]}项、未达到{n[BEHIND]}项、"
            f"无法衡量{n[UNMEASURABLE]}项：", ""]
    base = f"基线（{st.baseline_year}年）" if st.baseline_year else "基线"
    out += md_table(("目标（通知原文）", "目标值", base, f"现状（{f.year if f.year is not None else '—'}年）", "评估", "说明"),
                    [(f"“{r['text']}”", _target_value(r),
                      r["baseline_note"] if r["baseline"] is None else f"{num(r['baseline'])}{r['unit']}",
                      "—" if r["value"] is None else f"{num(r['value'])}{r['unit']}", _status_text(r), r["note"] or "—")
                     for r in rows], "lrrrll")

    own1 = [r for r in d.rows1 if r["来源"] == OWN]
    new1 = [r for r in d.rows1 if r["来源"] != OWN]
    out += ["## 三、问题清单落实情况", ""]
    if own1:
        out += ["本市试点方案问题清单各项的时限和对应举措：", ""]
        out += md_table(("序号", "主要问题", "解决时限", "对应举措（政策清单序号）", f"图谱数据（{f.year}年）" if f.year else "图谱数据"),
                        [(r["序号"], r["主要问题"], _deadline(r["解决时限"], r.get("时限状态", ""), markdown=False),
                          seq_text(m["序号"] for m in d.rows2 if r["序号"] in m["problem_seq"]) or "—",
                          "仍有相应缺口（见依据表）" if r.get("gaps_covered") else "无对应数据")
                         for r in own1], "rllrl")
    else:
        out += ["图谱中没有本市试点方案的问题清单（可按导入模板的“问题清单”表补充）。", ""]
    out += overdue_note(d)
    if new1:
        out += ["对照图谱数据，以下问题仍需重点解决（列入问题清单，序号接续）：", ""]
        md = textsafe.md_text
        out += [f"{r['序号']}. {md(r['主要问题'])}（解决时限：{_deadline(r['解决时限'], '')}）" for r in new1] + [""]

    own2 = [r for r in d.rows2 if r["来源"] == OWN]
    out += ["## 四、政策清单落实情况", ""]
    if own2:
        out += md_table(("序号", "政策内容", "责任部门", "完成时限", "对应问题序号"),
                        [(r["序号"], r["政策内容"], r["责任部门"], _deadline(r["完成时限"], r.get("时限状态", ""),
                                                                         markdown=False),
                          seq_text(r["problem_seq"]) or "—") for r in own2], "rlllr")
    else:
        out += ["图谱中没有本市试点方案的政策清单（可按导入模板的“政策清单”表补充）。", ""]

    nxt = [r for r in d.rows2 if r["来源"] != OWN]
    out += [f"## 五、下一步工作安排（{st.period.text}）", ""]
    late = [r["序号"] for r in own2 if r.get("时限状态")]
    if late:
        out += [f"政策清单第{seq_text(late)}项时限已过，尚未完成的请重新明确完成时限（建议不晚于{st.dated('第1年12月')}）。", ""]
    if nxt:
        out += ["针对上述目标差距和问题，下一步拟推进以下举措（列入政策清单，序号接续）：", ""]
        out += measure_lines(d, nxt) + [""]
    else:
        out += ["图谱数据未显示需新增的举措，请结合本地实际补充。", ""]
    out += ["## 六、保障措施", "",
            "1. 加强组织领导。坚持市领导牵头的试点推进机制，对问题清单和政策清单逐项对账、按期销号。",
            "2. 强化监测评估。依托产教融合信息服务平台（产教融合知识图谱）按年度更新院校专业、企业人才需求、校企合作等数据，"
            "跟踪各项试点目标进展。",
            "3. 总结推广经验。及时总结试点中的经验做法，形成可复制借鉴的典型案例。", ""]
    return "\n".join(out)

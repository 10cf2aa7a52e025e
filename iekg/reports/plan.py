"""The draft pilot plan (Markdown, and .docx through :mod:`iekg.reports.docx`): the notice's 8-section
outline (:data:`PLAN_SECTIONS`) filled with the city's figures, its Attachment 1 and 2 rows and the
drafted measures under the notice's six pilot tasks.  The plan states facts and plans only; every
judgement against a threshold is in the internal diagnosis (:mod:`iekg.reports.diagnosis`), which
:func:`write_plan` writes next to it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from iekg import textsafe
from iekg.graph.store import Store
from iekg.queries import cooperation
from iekg.queries.coverage import public_only
from iekg.queries.readiness import NOTICE
from iekg.reports.city import illustrative_note
from iekg.reports.diagnosis import diagnosis_markdown
from iekg.reports.docx import markdown_to_docx
from iekg.reports.drafting import Draft
from iekg.reports.facts import Facts, chain_stats, pilot_fact, plan_parts, without_programs
from iekg.reports.lookups import Names
from iekg.reports.rules import AGENCIES, Period, Rule, canonical_agencies
from iekg.reports.wording import (
    GAP_LABELS,
    deadline_text,
    fmt,
    md_table,
    num,
    pct,
    readable,
    seq_text,
    value_text,
)

INTERNAL_SUFFIX = "-内部诊断"

PLAN_SECTIONS = ("一、试点建设的背景和基础", "二、试点建设目标", "三、通过试点重点解决的问题",
                 "四、主要试点任务和改革举措", "五、市域内试点建设培育产教融合型行业和企业的举措",
                 "六、产教融合重大平台载体项目建设方案", "七、试点支持政策", "八、加强组织实施的主要举措")
CN_NUM = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
# "省级及以上": the levels a high-level base or an 产教融合型企业 counts at (as readiness counts them).
PROVINCIAL_OR_ABOVE = frozenset({"省级", "国家级"})


def _section1(f: Facts, names: Names, out: list[str]) -> None:
    a, p = f.align, f.node.props
    city = f.node.name
    out += [f"## {PLAN_SECTIONS[0]}", "", "### （一）经济社会发展总体情况", ""]
    facts = []
    for key, label, unit in (("gdp", "地区生产总值", "亿元"), ("GDP", "地区生产总值", "亿元"),
                             ("population", "常住人口", "万人")):
        if p.get(key) not in (None, ""):
            facts.append(f"{label}{p[key]}{unit}")
    out += [f"{city}{'，'.join(facts)}。" if facts else
            f"（图谱中暂无{city}地区生产总值、常住人口等经济社会数据，请结合统计公报补充。）", ""]
    pilot = pilot_fact(f.node.props, city)
    if pilot:
        out += [pilot, ""]

    out += ["### （二）重点产业基础支撑", ""]
    stats = chain_stats(f, names)
    if stats:
        chains = "、".join(f"{s['name']}（{value_text(s['level'], '') or '重点'}）" for s in stats)
        n_ii = sum(1 for s in stats if s["integration_industry"])
        out += [f"{city}重点发展的产业链{len(stats)}条：{chains}；其中已明确为产教融合型行业的{n_ii}条。", ""]
    else:
        out += [f"图谱中暂无{city}重点发展的产业链（城市重点产业链表），请补充。", ""]
    e = f.enterprises
    lv = e["iei_level"].value_counts()
    out += [f"图谱收录{city}企业{len(e)}家，从业人员合计{fmt(e['employees'].sum())}人；其中国家级产教融合型企业"
            f"{int(lv.get('国家级', 0))}家、省级{int(lv.get('省级', 0))}家、进入省级培育名单{int(lv.get('省级培育', 0))}家、"
            f"市级{int(lv.get('市级', 0))}家。", ""]

    out += ["### （三）教育人才资源条件", ""]
    # the institutions of the user's data: those only in the public lists are named apart, not as missing
    public = public_only(f.store, f.scope)[0]
    yours = f.institutions[~f.institutions["id"].astype(str).isin(public)]
    levels = yours["level"].fillna("未注明").value_counts()
    lv_text = "、".join(f"{k}{int(v)}所" for k, v in levels.items())
    grads = pd.to_numeric(f.programs["graduates"], errors="coerce")
    enrol = pd.to_numeric(f.programs["enrollment"], errors="coerce")
    emp = f.item("condition_graduate_employment")
    line = f"{city}共有院校{len(yours)}所（{lv_text or '无'}）。"
    if public:
        line += f"（另有{len(public)}所院校只在公开名单中、本次数据未涉及，不计入以下数字。）"
    missing, n_missing = without_programs(f)
    if n_missing:  # missing data is not zero: say whose figures the totals below are
        shown = "、".join(missing[:10]) + ("等" if n_missing > 10 else "")
        line += (f"其中{len(yours) - n_missing}所有{f.year_text}专业点数据，以下专业点、在校生和毕业生数"
                 f"只来自这些院校；另有{n_missing}所暂无专业点数据（{textsafe.md_text(shown)}），待补充。")
    def total(x: pd.Series) -> str:  # no figure at all is no data, not 0
        return f"{fmt(x.sum())}人" if x.notna().any() else "无数据"

    line += f"{f.year_text}开设专业点{len(f.programs)}个，在校生{total(enrol)}，毕业生{total(grads)}"
    if a["estimated_programs"]:
        line += f"（另有{a['estimated_programs']}个专业点无毕业生数，按在校生/学制估算供给）"
    nofig = (a.get("data_coverage") or {}).get("programs") or {}
    if nofig.get("without_figures"):  # a fact without its figure is no figures, never 0
        listed = nofig.get("without_figures_listed") or []
        shown = "、".join(f"{x['institution_name']}{x['major_name']}" for x in listed[:10])
        more = "等" if nofig["without_figures"] > min(10, len(listed)) else ""
        line += (f"（其中{nofig['without_figures']}个专业点没有在校生或毕业生数：{textsafe.md_text(shown)}{more}，"
                 f"其供给按无数据处理，不计为0，待补充）")
    if emp and emp["value"] is not None:
        line += f"，按毕业生数加权的就业率{pct(emp['value'])}"
    out += [line + "。", ""]

    out += ["### （四）产教融合、校企合作工作推进情况", ""]
    types = f.coop["type"].fillna("其他").value_counts()  # ties: deterministic, the rows are sorted
    coop_text = "、".join(f"{k}{int(v)}项" for k, v in types.items())
    high = f.bases["level"].isin(PROVINCIAL_OR_ABOVE).sum()
    since = f.policies[f.policies["date"].fillna("") >= "2016"]
    left = cooperation.left_out_phrase(cooperation.left_out_counts(f.coop_left_out["status"]), sep="")
    unstated = int(cooperation.without_status(f.coop["status"]).sum())
    apart = "".join([f"另有{left}，不计入" if left else "",
                     ("；" if left and unstated else "") + (f"其中{unstated}项未填状态，按进行中计" if unstated else "")])
    out += [f"图谱记录的进行中校企合作{len(f.coop)}项（{coop_text or '无'}{'；' + apart if apart else ''}），"
            f"涉及院校{f.coop['src'].nunique()}所、"
            f"企业{f.coop['dst'].nunique()}家；产教融合集团（联盟）、职教集团等{len(f.alliances)}个；实训基地"
            f"{len(f.bases)}个（省级及以上{int(high)}个），产业学院、创新平台等平台载体{len(f.platforms)}个；"
            f"产教融合重点区域{int((f.zones['kind'] == '产教融合重点区域').sum())}个；适用于本市的产教融合相关政策"
            f"{len(f.policies)}项（2016年以来{len(since)}项）。", ""]

    out += ["### （五）教育链与产业链匹配情况", ""]
    sai = a["sai"]
    cov = a["coverage"]
    segs = a["segments"]
    if a["S"] is None:  # no program with a figure: supply is no data, nothing is graded
        out += [f"按本平台的匹配度量口径（metrics.md），{f.year_text}本市院校对口人才供给为无数据："
                f"{textsafe.md_text(str(a.get('supply_reason') or '').split(' (')[0])}。产业人才需求 D = {fmt(a['D'])} 人；结构匹配指数 SAI "
                "和重点产业链环节覆盖率待补充供给数据后计算。", ""]
    else:
        out += [f"按本平台的匹配度量口径（metrics.md），{f.year_text}本市院校对口人才供给 S = {fmt(a['S'])} 人，"
                f"产业人才需求 D = {fmt(a['D'])} 人，结构匹配指数 SAI = "
                f"{'—' if sai is None else f'{sai:.4f}'}（1 表示专业供给结构与产业需求结构完全一致），重点产业链环节覆盖率"
                f" {pct(cov)}（{segs['covered']}/{segs['total']}）。", ""]
    years_cov = (a.get("data_coverage") or {}).get("years") or {}
    if years_cov.get("partial"):  # a thin year is said where it is shown
        out += [f"（注意：{textsafe.md_text(str(years_cov['note']).split(' (')[0])}。）", ""]
    inds = a["industries"]
    short = sorted((i for i in inds if i["status"] in ("unmet", "shortage")), key=lambda i: -(i["demand"] - i["supply"]))[:5]
    surp = sorted((i for i in inds if i["status"] == "surplus"), key=lambda i: -(i["supply"] - i["demand"]))[:5]
    status_cn = {"unmet": "无供给", "shortage": "短缺", "surplus": "过剩", "balanced": "基本平衡", "no_demand": "无需求"}
    if short or surp:
        out += ["人才供需缺口最大的行业（短缺）和供给超出需求最多的行业（过剩）：", ""]
        out += md_table(("类别", "行业", "供给（人）", "需求（人）", "供需比", "状态", "结构偏离度"),
                      [("短缺", f"{i['code']} {i['name']}", fmt(i["supply"]), fmt(i["demand"]),
                        fmt(i["ratio"], 2), status_cn.get(i["status"], i["status"]), fmt(i["deviation"], 4))
                       for i in short] +
                      [("过剩", f"{i['code']} {i['name']}", fmt(i["supply"]), fmt(i["demand"]),
                        fmt(i["ratio"], 2), status_cn.get(i["status"], i["status"]), fmt(i["deviation"], 4))
                       for i in surp], "llrrrlr")

    out += ["### （六）开展试点的必要性、可行性和重点突破方向", ""]
    need = []
    if sai is not None:
        need.append(f"本市专业结构与产业需求结构的匹配指数为{sai:.4f}，教育链与产业链结构衔接仍有提升空间")
    if short:
        need.append(f"{'、'.join(i['name'] for i in short[:3])}等行业技术技能人才供给明显不足")
    if surp:
        need.append(f"{'、'.join(i['name'] for i in surp[:3])}等领域对口专业供给明显超出本地需求")
    out += [("必要性：" + "；".join(need) + "，亟需通过试点推动教育链、人才链与产业链、创新链有机衔接。") if need else
            "必要性：请结合本地实际补充。", ""]
    base = [f"进行中的校企合作{len(f.coop)}项", f"实训基地{len(f.bases)}个", f"产教融合集团（联盟）等{len(f.alliances)}个",
            f"适用于本市的产教融合相关政策{len(f.policies)}项"]
    out += [f"可行性：本市已有{'、'.join(base)}（见上文），具备开展试点的工作基础。", ""]


def _section2(f: Facts, out: list[str], period: Period) -> None:
    end = period.end
    out += [f"## {PLAN_SECTIONS[1]}", "",
            f"对照通知提出的试点目标，结合本市现状，提出试点期（{period.text}）建设目标（现状由图谱数据统计，口径见说明列）：", ""]
    tg = [i for i in f.ready["items"] if i["kind"] != "condition"]
    out += md_table(("目标（通知原文）", "本市现状", "口径说明"),
                  [(f"“{t.get('text') or t['name']}”", "—" if t["value"] is None else
                    f"{num(t['value'])}{t['unit'] or ''}",
                    readable(t["note"] or t.get("interpretation"), _metric_names(f)) if t["value"] is not None
                    else "请结合本地实际补充")
                   for t in tg], "lrl")
    out += ["具体目标：", ""]
    k = 0
    groups: dict[str, list[dict[str, Any]]] = {}
    for t in tg:
        if t["any_of"]:
            groups.setdefault(str(t["any_of"]), []).append(t)
    done: set[str] = set()
    for t in tg:
        members = [t]
        if t["any_of"]:
            if t["any_of"] in done:
                continue
            done.add(str(t["any_of"]))
            members = groups[str(t["any_of"])]
        k += 1
        ok = t["effective_met"]
        text = t.get("text") or t["name"]
        measured = [m for m in members if m["value"] is not None]
        single = len(members) == 1
        now = "、".join(f"{'' if single else m['name']}{num(m['value'])}{m['unit'] or ''}" for m in measured)
        if not measured:
            out.append(f"{k}. {text}（现状请结合本地实际补充）。")
        elif ok:
            out.append(f"{k}. {text}：现有{now}，试点期间巩固提升。")
        else:
            adds = "或".join(f"{'' if single else m['name']}新增{num(m['shortfall'])}{m['unit'] or ''}以上"
                            for m in measured if m["shortfall"] is not None)
            readings = "；".join(str(m["threshold_label"]) for m in members if m.get("threshold_basis") == "reading")
            out.append(f"{k}. {text}：现有{now}，到{end}年{adds}" + (f"（{readings}）" if readings else "") + "。")
    sai = f.align["sai"]
    if sai is not None:
        k += 1
        goal = round(sai + 0.05, 2)
        cov = f.align["coverage"]
        cov_text = "" if cov is None else (
            f"，重点产业链环节覆盖率保持{pct(cov)}" if cov >= 0.9 else f"，重点产业链环节覆盖率由{pct(cov)}提高到90%以上")
        out.append(f"{k}. 教育链与产业链结构匹配指数 SAI 由 {sai:.4f} 提高到 {goal:.2f} 以上{cov_text}。")
    out.append("")


def _metric_names(f: Facts) -> dict[str, str]:
    """The readiness items' metric keys → their names (notes mention a metric by its key)."""
    return {str(i["metric"]): str(i["name"]) for i in f.ready["items"]}


def _deadline(text: str, status: str, *, markdown: bool = True) -> str:
    """A deadline as shown in a text: as written, with its state when past (``2024年12月，已逾期`` in a
    line's brackets; ``markdown=False``: ``2024年12月（已逾期）`` for a table cell, which :func:`md_table`
    escapes)."""
    text = deadline_text(text)  # one form in every 时限 (2025年12月), as 文号 and agency names are
    if not markdown:
        return f"{text}（{status}）" if text and status else text or "待定"
    md = textsafe.md_text(text) if text else "待定"  # inside the line's own brackets: （解决时限：…，已逾期）
    return f"{md}，{status}" if status else md


def problem_lines(d: Draft) -> list[str]:
    """Attachment 1 as a numbered list: 序号, problem, deadline (and its state when past)."""
    md = textsafe.md_text  # user text stays text (iekg.textsafe)
    return [f"{r['序号']}. {md(r['主要问题'])}（解决时限：{_deadline(r['解决时限'], r.get('时限状态', ''))}）"
            for r in d.rows1]


def overdue_note(d: Draft) -> list[str]:
    """One paragraph naming the own rows whose deadline is past (none: no paragraph)."""
    p = [r["序号"] for r in d.rows1 if r.get("时限状态")]
    m = [r["序号"] for r in d.rows2 if r.get("时限状态")]
    if not p and not m:
        return []
    today = d.stage.today_text if d.stage else "今天"
    parts = ([f"问题清单第{seq_text(p)}项"] if p else []) + ([f"政策清单第{seq_text(m)}项"] if m else [])
    return [f"截至{today}，{'、'.join(parts)}的时限已过（标注“已逾期”或“本月到期”）：已完成的请注明完成情况，"
            "未完成的请说明原因并重新明确时限。", ""]


def _section3(d: Draft, out: list[str]) -> None:
    out += [f"## {PLAN_SECTIONS[2]}", "",
            "在梳理本市已提出问题的基础上，对照图谱数据分析发现的缺口（按严重程度排序），试点期间重点解决以下问题"
            "（即附件1 产教融合改革问题清单）：", ""]
    out += problem_lines(d)
    if not d.rows1:
        out.append("（未发现需重点解决的问题，请结合本地实际补充。）")
    out.append("")
    out += overdue_note(d)
    counts = d.gaps["counts"]
    out += ["图谱发现的缺口汇总（各项问题的数据和依据见附件清单工作簿“依据”工作表，按附件和序号对应）：", ""]
    out += md_table(("缺口类型", "数量"), [(GAP_LABELS.get(k, k), v) for k, v in counts.items()], "lr")


def measure_lines(d: Draft, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Attachment 2 rows as numbered lines: the measure, the problems it answers, departments and deadline."""
    md = textsafe.md_text  # user text stays text (iekg.textsafe)
    out = []
    for k, r in enumerate(rows, 1):
        answers = f"对应问题清单第{seq_text(r['problem_seq'])}项；" if r["problem_seq"] else ""
        out.append(f"{k}. {md(r['政策内容'].rstrip('。'))}。（政策清单第{r['序号']}项；{answers}责任部门："
                   f"{md(r['责任部门'])}；完成时限：{_deadline(r['完成时限'], r.get('时限状态', ''))}）")
    return out


def _rows_of(d: Draft, keep: Any) -> list[dict[str, Any]]:
    """The Attachment 2 rows that answer a drafted candidate ``keep(candidate)`` accepts, in 序号 order."""
    return [r for r in d.rows2 if any(keep(c) for c in r.get("candidates", ()))]


def _tasks(store: Store) -> list[dict[str, Any]]:
    rows = [n.props for _, n in store.neighbours(f"Policy:{NOTICE}", ["SETS_TASK"], "out")]
    return sorted(rows, key=lambda p: int(p.get("seq") or 0))


def _section4(store: Store, d: Draft, out: list[str]) -> None:
    out += [f"## {PLAN_SECTIONS[3]}", "",
            "按照通知部署的六项试点任务，结合图谱发现的缺口，提出分解细化的试点任务和改革举措：", ""]
    tasks = _tasks(store)
    if not tasks:
        tasks = [{"seq": k, "title": f"试点任务（{CN_NUM[k - 1]}）", "text": ""} for k in range(1, 7)]
    for t in tasks:
        seq = int(t.get("seq") or 0)
        title = str(t.get("title") or "")
        out += [f"### （{CN_NUM[seq - 1] if 1 <= seq <= 10 else seq}）{title}", ""]
        text = re.sub(r"^\s*[（(][一二三四五六七八九十]+[）)]\s*" + re.escape(title) + "[。.]?", "", str(t.get("text") or ""))
        if text:
            out += [f"> 通知要求：{text}", ""]
        rows = _rows_of(d, lambda c, seq=seq: c.rule.task == seq)
        if rows:
            out += measure_lines(d, rows)
        else:
            out.append("本项任务图谱未发现直接对应的数据缺口，请对照通知要求，结合本地实际细化具体举措。")
        out.append("")


def _section5(f: Facts, d: Draft, names: Names, out: list[str]) -> None:
    city = f.node.name
    out += [f"## {PLAN_SECTIONS[4]}", "", "### （一）产教融合型行业", ""]
    stats = chain_stats(f, names)
    ii = f.item("integration_industries")
    have = [s for s in stats if s["integration_industry"]]
    need = int(ii["shortfall"] or 0) if ii and ii["measurable"] else 0
    thr = num(ii["threshold"]) if ii else "2"
    out += [f"目标：围绕全省和本地重点产业打造{thr}个以上产教融合型行业。现有{len(have)}个"
            f"（{'、'.join(s['name'] for s in have) or '无'}），" + (f"尚需培育{need}个。" if need else "已达到目标数量。"), ""]
    cand = sorted((s for s in stats if not s["integration_industry"]),
                  key=lambda s: (-s["cooperating"], -s["enterprises"], s["chain"]))
    if stats:
        out += ["重点产业链基础条件（候选按有进行中院校合作的企业数、企业数排序；已结束、筹建中的合作不计）：", ""]
        chain_rows: list[tuple[Any, ...]] = []
        for s in have + cand:
            if s["integration_industry"]:
                flag = "已是产教融合型行业"
            elif s in cand[:need]:
                flag = "建议优先培育"
            else:
                flag = "后备"
            chain_rows.append((s["name"], s["level"], s["segments"], s["enterprises"], s["cooperating"], s["bases"], flag))
        out += md_table(("重点产业链", "级别", "环节数", "本地企业数", "有进行中院校合作的企业数", "有实训基地服务的环节数", "建议"),
                      chain_rows, "llrrrrl")

    out += ["### （二）产教融合型企业", ""]
    iei = f.item("provincial_iei_enterprises")
    e = f.enterprises
    lv = e["iei_level"].value_counts()
    need_e = int(iei["shortfall"] or 0) if iei and iei["measurable"] else 0
    out += [f"目标：培育{num(iei['threshold']) if iei else '20'}个左右省级产教融合型企业。现有省级及以上"
            f"{int(sum(lv.get(x, 0) for x in PROVINCIAL_OR_ABOVE))}家，进入省级培育名单{int(lv.get('省级培育', 0))}家，"
            + (f"尚需新增{need_e}家。" if need_e else "已达到目标数量。"), ""]
    coop_n = f.coop.groupby("dst").size()
    pool = e[~e["iei_level"].isin(PROVINCIAL_OR_ABOVE)].copy()
    pool["coops"] = pool["id"].map(coop_n).fillna(0).astype(int)
    pool["on_list"] = (pool["iei_level"] == "省级培育").astype(int)
    pool = pool.sort_values(["on_list", "coops", "employees", "id"], ascending=[False, False, False, True])
    show = pool.head(max(need_e, 10))
    rows: list[tuple[Any, ...]] = []
    if len(show):
        out += ["候选企业（按是否已在省级培育名单、进行中的校企合作项数、从业人员排序，仅供遴选参考）：", ""]
        rows = []
        for _, r in show.iterrows():
            ind = f.ent_industry.get(r["id"], "")
            seg, role = f.ent_segment.get(r["id"], ("", ""))
            rows.append((r["name"], f"{ind} {names.industry.get(ind, '')}".strip(),
                         f"{names.chain_of_segment(seg)}／{names.segment.get(seg, seg)}"
                         + (f"（{value_text(role, '')}）" if value_text(role, "") else "") if seg else "—",
                         fmt(r["employees"]), r["iei_level"] if isinstance(r["iei_level"], str) else "—", r["coops"]))
        out += md_table(("企业", "行业", "所在产业链环节", "从业人员", "现有认定", "进行中的校企合作项数"), rows, "lllrlr")
    if need_e > len(pool):
        out += [f"图谱中{city}的候选企业（{len(pool)}家）少于尚需新增的数量（{need_e}家），需扩大培育范围（引进、新设企业或补充企业数据）。", ""]

    out += ["### （三）培育举措", ""]
    wanted = {("target_shortfall", "integration_industries"), ("target_shortfall", "provincial_iei_enterprises"),
              ("no_cooperation", "")}
    answering = _rows_of(d, lambda c: c.rule.key in wanted)
    out += measure_lines(d, answering)
    if not answering:
        out.append("产教融合型行业和企业培育目标已达到，试点期间继续巩固提升，落实“金融+财政+土地+信用”组合式激励。")
    out.append("")


def _section6(f: Facts, d: Draft, names: Names, out: list[str]) -> None:
    city = f.node.name
    out += [f"## {PLAN_SECTIONS[5]}", "", "### （一）总体考虑", ""]
    hb = f.item("high_level_training_bases")
    b = f.bases
    high = b[b["level"].isin(PROVINCIAL_OR_ABOVE)]
    need = int(hb["shortfall"] or 0) if hb and hb["measurable"] else 0
    no_base = [g for g in d.gaps["gaps"] if g["type"] == "no_training_base"]
    out += [f"目标：建设{num(hb['threshold']) if hb else '3'}个左右高水平产教融合实验实训基地（按省级及以上理解）。"
            f"{city}现有实训基地{len(b)}个，其中省级及以上{len(high)}个，"
            + (f"尚需{need}个；" if need else "已达到目标数量；")
            + (f"重点产业链中有{len(no_base)}条尚无本地实训基地服务。" if no_base else "各重点产业链均有本地实训基地服务。")
            + "统筹院校、企业和园区资源，优先依托企业建设，面向产业链上下游开放共享。", ""]
    if len(b):
        served = f.serves.groupby("src")["dst"].apply(lambda s: "、".join(
            names.segment.get(x) or names.industry.get(x, x) for x in sorted(s)))
        out += ["现有实训基地：", ""]
        out += md_table(("名称", "类型", "级别", "工位数", "服务行业／环节", "运营主体"),
                      [(value_text(r["name"]), value_text(r["kind"]), value_text(r["level"]), fmt(r["stations"]), served.get(r["id"], "—"),
                        f.operator.get(r["id"], "—")) for _, r in b.iterrows()], "lllrll")
    out += ["### （二）拟建设项目", ""]
    projects: list[tuple[str, str, str]] = []
    seq_of = {g["entity"]: r["序号"] for r in d.rows1 for c in r.get("candidates", ()) for g in c.members}
    for g in no_base:
        segs = [s for s in names.segment_chain if names.segment_chain[s] == g["entity"].split(":", 1)[1]]
        seg_names = "、".join(names.segment.get(s, s) for s in sorted(segs))
        where = f"（对应问题清单第{seq_of[g['entity']]}项）" if g["entity"] in seq_of else ""
        projects.append((f"{city}{g['name']}产教融合实训基地（新建）",
                         f"服务{g['name']}产业链{seg_names}等环节的实习实训、技能培训和技术服务，依托链上龙头企业联合本地院校共建",
                         f"补齐重点产业链「{g['name']}」实训平台空白{where}"))
    upgrade = b[~b["level"].isin(PROVINCIAL_OR_ABOVE)].copy()
    upgrade["stations_n"] = pd.to_numeric(upgrade["stations"], errors="coerce").fillna(0)
    for _, r in upgrade.sort_values(["stations_n", "id"], ascending=[False, True]).head(max(0, need - len(projects))).iterrows():
        projects.append((f"{r['name']}（提质升级）", f"在现有{fmt(r['stations'])}个工位基础上扩容提质，争创省级及以上高水平实训基地",
                         "提高高水平产教融合实验实训基地数量"))
    if not projects:
        out += ["图谱数据未显示需新建或升级的实训基地项目，请结合本地实际提出。", ""]
    elif len(projects) < need:
        out += [f"下列{len(projects)}个项目之外，达到目标还需{need - len(projects)}个高水平实训基地，请结合本地实际补充新建或争创项目。", ""]
    fill = "（待项目单位填报）"
    rule = d.rules.get(("no_training_base", "")) or d.rules.get(("target_shortfall", "high_level_training_bases"))
    period = f"试点期内建成（{d.deadline(rule.measure_deadline)}前）" if rule else f"试点期内建成（{d.period.end}年底前）"
    for k, (name, content, effect) in enumerate(projects, 1):
        out += [f"**项目{k}：{textsafe.md_text(name)}**", ""]
        out += md_table(("要素", "内容"), [("项目名称", name), ("建设内容", content), ("建设规模", fill), ("投资强度", fill),
                                      ("建设期限", period), ("资金筹措途径", "政府投入、企业投入、院校自筹及社会资本等" + fill),
                                      ("运行保障机制", "依托企业市场化、专业化运作，面向院校和中小企业开放共享" + fill),
                                      ("预计发挥的作用和效益", effect)])


def _section7(d: Draft, out: list[str]) -> None:
    out += [f"## {PLAN_SECTIONS[6]}", "",
            "结合本地实际，试点期间拟出台以下支持政策（即附件2 产教融合试点政策清单），并积极争取省有关部门"
            "“金融+财政+土地+信用”组合式激励政策支持：", ""]
    out += md_table(("序号", "政策内容", "责任部门", "完成时限", "对应问题序号"),
                  [(r["序号"], r["政策内容"], r["责任部门"], _deadline(r["完成时限"], r.get("时限状态", ""), markdown=False),
                    seq_text(r["problem_seq"]) or "—") for r in d.rows2], "rlllr")


def _section8(f: Facts, d: Draft, out: list[str]) -> None:
    city = f.node.name
    named = [a for r in d.rows2 for a in (r.get("agencies") or [])]
    depts = "、".join(canonical_agencies([*(city + a for a in AGENCIES), *named], city))
    sai = f.align["sai"]
    out += [f"## {PLAN_SECTIONS[7]}", "",
            f"1. 加强组织领导。建立市领导牵头的产教融合型城市建设试点推进机制，成立由{depts}等部门和有关院校、"
            "行业企业组成的工作专班，统筹推进试点各项工作。",
            f"2. 落实主体责任。将试点任务分解到位、落实到事、责任到人，对问题清单（{len(d.rows1)}项）和政策清单"
            f"（{len(d.rows2)}项）建立台账、逐一落实、按期销号。",
            "3. 健全协调机制。建立部门协同、市县联动的工作协调机制，定期研究工作、及时解决试点中遇到的问题。",
            "4. 加大投入保障。加大产教融合发展投入力度，出台土地、财税、融资、体制机制改革创新等政策举措，"
            "积极争取省级组合式激励政策支持。",
            "5. 强化监测评估。依托产教融合信息服务平台（产教融合知识图谱），按年度更新院校专业、企业人才需求、"
            "校企合作等数据，跟踪结构匹配指数（当前 SAI " + ("—" if sai is None else f"{sai:.4f}")
            + "）、重点产业链环节覆盖率和各项试点目标进展，评估结果作为政策调整和资金安排的依据。",
            "6. 加强宣传推广。及时总结试点中的经验做法，形成可复制借鉴的典型案例，加强宣传推广。", ""]


def plan_markdown(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
                  rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
                  types: Iterable[str] | str | None = None, min_people: float | None = None,
                  today: date | None = None, document: str | None = None) -> str:
    """The document the city needs now (:mod:`iekg.reports.stage`), as Markdown: for an applicant the draft
    pilot plan following the notice's 8-section outline, filled with the city's figures; for a city already
    selected its progress or final evaluation report (:func:`iekg.reports.report.report_markdown`).

    The plan states facts and plans only: every judgement of the city against a threshold (our reference
    values, the notice's targets) is in :func:`~iekg.reports.diagnosis.diagnosis_markdown`, a separate
    internal sheet.

    Parameters
    ----------
    store : Store
    city : str
        The city's code (``410200``).
    year, max_generated, rules, period, types, min_people, today, document
        What to draft and how, as for :func:`~iekg.reports.drafting.compose`.

    Returns
    -------
    str
        The plan (or report) in Markdown.
    """
    f, d, names = plan_parts(store, city, year=year, max_generated=max_generated, rules=rules, period=period,
                             types=types, min_people=min_people, today=today, document=document)
    if d.stage is not None and d.stage.is_report:
        from iekg.reports.report import report_markdown

        return report_markdown(f, d, names)
    city_name = f.node.name
    out = [f"# {d.stage.title(city_name) if d.stage else city_name + '建设省级产教融合型城市试点方案（草稿）'}", ""]
    out += illustrative_note(store, city)
    out += [f"> 本稿由 iekg 根据产教融合知识图谱自动起草，按《关于开展省级产教融合型城市建设试点遴选工作的通知》"
            f"（{NOTICE}）所附“试点方案编制提纲”的八个部分组织，试点期 {d.period.text}，数据年度 "
            f"{f.year if f.year is not None else '—（图谱中没有本市院校专业数据）'}。数字均可在图谱中查证"
            "（附件清单工作簿的“依据 evidence”工作表列出每条起草内容的缺口与证据）；定性表述和项目要素请结合本地实际修改完善，"
            "并在充分征求职业院校、高等学校和有关行业企业意见的基础上定稿。", ""]
    _section1(f, names, out)
    _section2(f, out, d.period)
    _section3(d, out)
    _section4(store, d, out)
    _section5(f, d, names, out)
    _section6(f, d, names, out)
    _section7(d, out)
    _section8(f, d, out)
    out += ["附件：1. 试点期间拟重点突破的重大问题清单（附件1 产教融合改革问题清单）",
            "      2. 试点期间拟出台的重点改革举措清单（附件2 产教融合试点政策清单）", ""]
    return "\n".join(out)


def write_plan(store: Store, city: str, path: str | Path, *, year: int | None = None, max_generated: int = 10,
               rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
               types: Iterable[str] | str | None = None, min_people: float | None = None,
               today: date | None = None, document: str | None = None) -> list[Path]:
    """Write the draft plan as Markdown (``path`` with suffix .md) and, when python-docx is installed,
    also as .docx next to it (``path`` ending in .docx writes both as well); then the internal diagnosis
    next to them as ``<name>-内部诊断.md`` (and .docx).  Returns the files written: plan .md, plan .docx,
    diagnosis .md, diagnosis .docx (the .docx files only with python-docx).

    Parameters
    ----------
    store, city
        The graph and the city's code, as for :func:`plan_markdown`.
    path : str or Path
        The plan's file (``.md``; another suffix is replaced by ``.md``); its folder is made.
    year, max_generated, rules, period, types, min_people, today, document
        The drafting options, passed on to both the plan (or report: :func:`plan_markdown`) and the diagnosis.

    Returns
    -------
    list of Path
        The files written.
    """
    opts: dict[str, Any] = {"year": year, "max_generated": max_generated, "rules": rules, "period": period,
                            "types": types, "min_people": min_people, "today": today, "document": document}
    p = Path(path)
    md = p if p.suffix.lower() == ".md" else p.with_suffix(".md")
    md.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for text, target in ((plan_markdown(store, city, **opts), md),
                         (diagnosis_markdown(store, city, **opts), md.with_name(md.stem + INTERNAL_SUFFIX + ".md"))):
        target.write_text(text, encoding="utf-8")
        written.append(target)
        docx = markdown_to_docx(text, target.with_suffix(".docx"))
        if docx is not None:
            written.append(docx)
    return written



"""The internal diagnosis that goes with the plan (``<plan>-内部诊断.md``, headed "不随方案报送"): every
self-assessment — the application conditions against our reference values (labelled
:data:`REFERENCE_LABEL`), the notice's targets in its words — kept out of the plan itself, in a separate
file that cannot be sent to the province by mistake with the plan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from iekg.graph.store import Store
from iekg.reports.city import illustrative_note
from iekg.reports.drafting import DEFAULT_MIN_PEOPLE, Draft
from iekg.reports.facts import pilot_fact, plan_parts
from iekg.reports.rules import Period, Rule
from iekg.reports.wording import GAP_LABELS, comparison, md_table, num, readable

REFERENCE_LABEL = "参考值（本工具假设，可在设置中修改）"
INTERNAL_BANNER = ("内部诊断材料：仅供本市内部研判，不随试点方案报送省发展改革委。本页把本市数据与参考值和通知目标逐项对照；"
                   "参考值是本工具的假设（不是通知的要求），可在设置中修改。")


def _met(v: bool | None) -> str:
    return "无法判断" if v is None else ("是" if v else "否")


def _status(item: dict[str, Any]) -> str:
    """The item's own status; for an either/or member, also whether the group is met."""
    own = _met(item["met"])
    if item.get("any_of") and item.get("group_met") is not None and item.get("group_met") != item["met"]:
        own += "（“或”条件" + ("已满足" if item["group_met"] else "未满足") + "）"
    return own


def _min_people(d: Draft, min_people: float | None) -> float:
    """The size below which a supply gap was not drafted: the given one, else the gap ranking's."""
    if min_people is not None:
        return min_people
    return float((d.gaps.get("ranking") or {}).get("gap_min_people", DEFAULT_MIN_PEOPLE))


def diagnosis_markdown(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
                       rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
                       types: Iterable[str] | str | None = None, min_people: float | None = None,
                       today: date | None = None, document: str | None = None) -> str:
    """The internal diagnosis that goes with the plan (``…-内部诊断.md``, never sent to the province): the
    city against the application conditions (our reference values, labelled as such) and the notice's
    targets (quoted with their wording and how the tool reads them), the SAI against its reference value,
    the pilot status as a public fact, and the gaps left out of the drafts with the reason.

    Parameters
    ----------
    store, city, year, max_generated, rules, period, types, min_people, today, document
        As for :func:`~iekg.reports.plan.plan_markdown`: the diagnosis is of the same draft.

    Returns
    -------
    str
        Markdown, headed by :data:`INTERNAL_BANNER` (and the illustrative-data line when it applies),
        its thresholds labelled :data:`REFERENCE_LABEL`.
    """
    f, d, _ = plan_parts(store, city, year=year, max_generated=max_generated, rules=rules, period=period,
                         types=types, min_people=min_people, today=today, document=document)
    city_name = f.node.name
    names = {str(i["metric"]): str(i["name"]) for i in f.ready["items"]}
    what = "试点申报" if d.stage is None or not d.stage.is_report else d.stage.document_name
    out = [f"# {city_name}{what}内部诊断（不随{'方案' if what == '试点申报' else '报告'}报送）", "",
           f"> **{INTERNAL_BANNER}**", ""]
    out += illustrative_note(store, city)
    out += ["## 一、试点状态（公开信息）", "", pilot_fact(f.node.props, city_name) or
            f"图谱中没有{city_name}的试点城市公开信息（可用 iekg build --public 读入试点城市名单）。", ""]
    conds = [i for i in f.ready["items"] if i["kind"] == "condition"]
    out += ["## 二、申报条件对照（按参考值）", "",
            f"通知的申报条件没有量化标准；下表的阈值是{REFERENCE_LABEL}，只用于内部研判。", ""]
    out += md_table(("申报条件（通知原文）", "本市数值", REFERENCE_LABEL, "按参考值是否满足", "口径说明"),
                  [(f"“{c.get('text') or c['name']}”", "—" if c["value"] is None else f"{c['value']:.4g}",
                    f"{comparison(c['comparison'])} {c['threshold']:g}", _status(c),
                    readable(c.get("interpretation") or c["note"], names)) for c in conds], "lrrll")
    out += [f"按参考值，本市满足{f.ready['conditions_met']}/{f.ready['conditions_total']}项申报条件。", ""]
    tg = [i for i in f.ready["items"] if i["kind"] != "condition"]
    out += ["## 三、试点目标对照（通知原文目标）", "",
            "目标引自通知原文；“左右”“若干”等约数的判定口径是本工具的理解（见口径说明，如“20个左右”按下限判定）。", ""]
    out += md_table(("目标（通知原文）", "判定口径", "本市现状", "是否达到", "差距"),
                  [(f"“{t.get('text') or t['name']}”",
                    readable(f"{comparison(t['comparison'])} {num(t['threshold'])}{t['unit'] or ''}；"
                             f"{t.get('interpretation') or ''}".rstrip("；"), names),
                    "—" if t["value"] is None else f"{num(t['value'])}{t['unit'] or ''}", _status(t),
                    "—" if t["shortfall"] is None else num(t["shortfall"])) for t in tg], "llrlr")
    out += [f"试点目标已达到{f.ready['targets_met']}/{f.ready['targets_total']}项（按上述口径）。", ""]
    sai = f.align["sai"]
    rel = f.item("condition_major_industry_relevance")
    out += ["## 四、结构匹配指数", ""]
    if sai is not None and rel is not None:
        out += [f"本市结构匹配指数 SAI 为{sai:.4f}，" + ("低于" if sai < rel["threshold"] else "达到")
                + f"参考值{rel['threshold']:g}（{REFERENCE_LABEL}；通知原文只说“本地院校专业(群)与本地产业关联度高”）。", ""]
    elif f.align.get("supply_data") is False:
        n = ((f.align.get("data_coverage") or {}).get("programs") or {}).get("without_figures") or 0
        out += [f"本市{f.year_text}的专业点{f'（{n}个）' if n else ''}没有在校生或毕业生数，供给为无数据（不按 0 计），"
                "无法计算结构匹配指数；补充后再对照。", ""]
    else:
        out += ["本市没有可计算结构匹配指数的数据。", ""]
    out += ["## 五、未写入附件的缺口", "",
            f"下列缺口未起草为附件行（次要缺口的规模下限 {_min_people(d, min_people):g} 人为{REFERENCE_LABEL}）：", ""]
    if d.skipped:
        out += md_table(("排名", "类型", "对象", "原因"),
                        [(s["rank"], GAP_LABELS.get(s["type"], s["type"]), s["name"], s["reason"]) for s in d.skipped],
                        "rlll")
    else:
        out += ["（无）", ""]
    return "\n".join(out)


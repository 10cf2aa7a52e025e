"""One list of problems (Attachment 1, 问题清单) and one of measures (Attachment 2, 政策清单) for a city.

The city's own loaded lists (``City -RAISES-> Problem``, ``City -PROPOSES-> Measure``) come first, in 序号
order and unchanged (a deadline already past is marked, never redated); then rows drafted from the city's
ranked gaps (:mod:`iekg.reports.candidates`) where no own row **covers** the same gap (:func:`covers`);
every measure is numbered to the problems it answers (``problem_seq``, the template's 对应问题序号) and
every problem is answered; shortages fed by the same majors share one measure.  No row proposes to cut a
major that feeds a shortage (:class:`~iekg.reports.lookups.Feeding`).  Drafted deadlines fall in the
period and not before today (:class:`~iekg.reports.stage.Stage`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from iekg.graph.store import Store
from iekg.queries.gaps import gaps
from iekg.queries.scope import Scope
from iekg.reports.candidates import (
    DEFAULT_MIN_PEOPLE,
    SUPPLY_TYPES,
    Candidate,
    _summary,
    draft_candidates,
    is_minor,
    merge_majors,
    merged_measure,
)
from iekg.reports.city import city_node
from iekg.reports.lookups import Feeding, Names
from iekg.reports.rules import Period, Rule, canonical_agencies, deadline_status, parse_types, rule_index
from iekg.reports.stage import Stage, stage_of

OWN = "city"  # the 来源 of the city's own rows
PLACEHOLDER = "to_complete"  # the 来源 of a measure drafted for an own problem nothing answers
__all__ = ["DEFAULT_MIN_PEOPLE", "OWN", "PLACEHOLDER", "SUPPLY_TYPES", "Candidate", "Draft", "attachments", "compose",
           "covers", "draft_candidates", "is_minor", "own_rows", "plain_rows"]


def _norm(text: str) -> str:
    """Comparison form of a row's text: NFKC (全角 → 半角), no whitespace, no punctuation or symbols."""
    s = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZ")


def _similar(a: str, b: str) -> bool:
    """Two normalised texts say the same thing: equal, one contains the other (both at least 8
    characters), or at least 90 % alike (difflib), so a re-typed or slightly edited row still matches."""
    if a == b:
        return True
    if min(len(a), len(b)) < 8:
        return False
    if a in b or b in a:
        return True
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9


def _seq_key(n: Any) -> tuple[int, str]:
    seq = n.props.get("seq")
    try:
        return int(seq), n.id
    except (TypeError, ValueError):
        return 1 << 30, n.id


def own_rows(store: Store, city: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The city's own loaded Attachment 1 and 2 rows, in 序号 order, numbered 1..n.  The 责任部门 cell is
    kept as the city wrote it unless it names a department in another spelling (人力资源和社会保障局 →
    人力资源社会保障局, the canonical agency table), then it is rewritten with the canonical names.

    Parameters
    ----------
    store : Store
    city : str
        The city's code: its own rows are the Problems it RAISES and the Measures it PROPOSES.

    Returns
    -------
    tuple of two lists of dict
        Attachment 1 rows and Attachment 2 rows, shaped as :func:`attachments` returns them (``来源`` is
        :data:`OWN`).
    """
    cu = f"City:{city}"
    node = store.get(cu)
    city_name = node.name if node is not None else ""
    problems = sorted((n for _, n in store.neighbours(cu, ["RAISES"], "out")), key=_seq_key)
    measures = sorted((n for _, n in store.neighbours(cu, ["PROPOSES"], "out")), key=_seq_key)
    rows1: list[dict[str, Any]] = []
    seq_of: dict[str, int] = {}
    for i, n in enumerate(problems, 1):
        seq_of[n.uid] = i
        rows1.append({"序号": i, "主要问题": str(n.props.get("problem", "")),
                      "解决时限": str(n.props.get("deadline") or ""), "来源": OWN, "node": n.uid,
                      "seq": n.props.get("seq"), "gaps": [], "rule": None})
    rows2 = []
    for i, n in enumerate(measures, 1):
        rels = store.neighbours(n.uid, ["RESPONSIBLE", "ADDRESSES"], "out")
        stored = n.props.get("agency")  # the cell as written, when the loader keeps it
        if isinstance(stored, list):
            agencies = [str(a) for a in stored]
        elif stored:
            agencies = [a for a in re.split(r"[、;；,，]", str(stored)) if a]
        else:
            agencies = [o.name for r, o in rels if r.type == "RESPONSIBLE"]
        canon = canonical_agencies(agencies, city_name)
        cell = str(stored) if isinstance(stored, str) and stored and canon == agencies else "、".join(canon)
        agencies = canon
        addressed = sorted(seq_of[o.uid] for r, o in rels if r.type == "ADDRESSES" and o.uid in seq_of)
        rows2.append({"序号": i, "政策内容": str(n.props.get("content", "")), "责任部门": cell,
                      "完成时限": str(n.props.get("deadline") or ""), "来源": OWN, "node": n.uid,
                      "seq": n.props.get("seq"), "agencies": agencies, "problem_seq": addressed,
                      "gaps": [], "rule": None})
    return rows1, rows2


@dataclass
class Draft:
    """Everything drafted for one city (what ``attachments`` returns, and more for the plan)."""

    city: str
    city_name: str
    year: int | None
    gaps: dict[str, Any]
    rows1: list[dict[str, Any]]
    rows2: list[dict[str, Any]]
    candidates: list[Candidate] = field(default_factory=list)
    rules: dict[tuple[str, str], Rule] = field(default_factory=dict)
    period: Period = field(default_factory=lambda: Period.parse(None))
    skipped: list[dict[str, Any]] = field(default_factory=list)  # gaps not drafted, with the reason
    feeding: Feeding = field(default_factory=Feeding)
    stage: Stage | None = None

    def deadline(self, spec: str) -> str:
        """A rule's deadline in the period, never before the month after today (:meth:`Stage.dated`)."""
        return self.stage.dated(spec) if self.stage is not None else self.period.deadline(spec)

    def problem_of(self, c: Candidate) -> int | None:
        """The Attachment 1 序号 of a candidate's problem (its own row, or the own row that covers it)."""
        return next((r["序号"] for r in self.rows1 if c in r.get("candidates", ())), None)

    def measure_of(self, c: Candidate) -> dict[str, Any] | None:
        """The Attachment 2 row that answers a candidate (drafted, merged or the city's own)."""
        return next((r for r in self.rows2 if c in r.get("candidates", ())), None)


def _rule_info(rule: Rule) -> dict[str, Any]:
    return {"gap_type": rule.gap_type, "metric": rule.metric or None, "task": rule.task, "basis": rule.basis}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def covers(rule: Rule, subjects: Sequence[str], drafted: str, own: str) -> bool:
    """Whether an own row (``own``: its text) covers the gap a drafted row (``drafted``) was written for.

    It does when (1) the texts say the same thing (:func:`_similar`: equal after normalising, one inside
    the other, or 90 % alike), or (2) the own row is on the same kind of gap — it matches the rule's
    ``covers`` expression (``draft_rules.csv``, e.g. ``实训基地|实训平台`` for a chain without a training base)
    — and, for a gap about one thing (an industry, a chain: :data:`~iekg.reports.rules.ENTITY_TYPES`),
    also names that thing or one of its majors (``subjects``).  A general own row ("重点产业技术技能人才供给
    不足") thus covers no particular shortage, and a drafted shortage row is added; an own row on the
    training-base target covers the drafted one in other words.

    Parameters
    ----------
    rule : Rule
        The drafted row's rule.
    subjects : sequence of str
        The names an own row must mention (empty: the gap is about the whole city).
    drafted, own : str
        The two texts.

    Returns
    -------
    bool
    """
    if _similar(_norm(drafted), _norm(own)):
        return True
    flat = _flat(own)
    if not rule.covers or not re.search(rule.covers, flat):
        return False
    return not subjects or any(len(x) >= 2 and _flat(x) in flat for x in subjects)


def _first(rows: list[dict[str, Any]], col: str, c: Candidate, drafted: str) -> dict[str, Any] | None:
    """The first row of ``rows`` covering the candidate: an own row by :func:`covers`, a drafted one when
    it says the same (:func:`_similar`)."""
    for r in rows:
        if r["来源"] == OWN:
            if covers(c.rule, c.subjects, drafted, r[col]):
                return r
        elif _similar(_norm(drafted), _norm(r[col])):
            return r
    return None


def _link(row: dict[str, Any], seqs: Iterable[int]) -> None:
    row["problem_seq"] = sorted({*row["problem_seq"], *seqs})


def _placeholder(r: dict[str, Any], index: dict[tuple[str, str], Rule], stage: Stage, city_name: str,
                 seq: int) -> dict[str, Any]:
    """A measure for an own problem nothing answers: "针对第N项问题研究制定举措", with the departments of
    the rule whose kind of gap the problem is about (else the development and reform commission), due
    with the problem (or, when that is past, at the end of the first year of the period)."""
    rule = next((x for x in index.values() if x.covers and re.search(x.covers, _flat(r["主要问题"]))), None)
    agencies = canonical_agencies([city_name + a for a in (rule.agencies if rule else ("发展改革委",))], city_name)
    short = re.split(r"[，,。；;]", r["主要问题"])[0]
    due = r["解决时限"] if r["解决时限"] and not deadline_status(r["解决时限"], stage.today) else stage.dated("第1年12月")
    return {"序号": seq, "政策内容": f"针对问题清单第{r['序号']}项“{short}”，研究制定针对性改革举措，明确责任分工和推进步骤"
            "（具体举措待本市补充完善）", "责任部门": "、".join(agencies), "完成时限": due, "来源": PLACEHOLDER,
            "node": None, "seq": None, "agencies": agencies, "problem_seq": [r["序号"]], "gaps": [], "rule": None,
            "majors": [], "candidates": [], "时限状态": ""}


def compose(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
            rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
            types: Iterable[str] | str | None = None, min_people: float | None = None,
            today: date | None = None, document: str | None = None) -> Draft:
    """One list of problems and one of measures: the city's own rows first, then rows drafted from its gaps
    (best gap rank first) where no own row covers the same gap, every problem answered by a measure.

    - **Covers** (:func:`covers`): a drafted problem covered by an own problem is not added (the own row
      stands for it); a drafted measure covered by an own measure is not added, and the own measure is
      numbered to the problem(s) it then answers.  A gap whose problem and measure are both covered is
      listed in ``skipped`` with the own rows that cover it.
    - **Numbering**: each measure's ``problem_seq`` (the template's 对应问题序号) lists the Attachment 1 序号
      it answers; own measures keep the ones the city gave (renumbered with the rows).
    - **Merging**: shortage rows fed by the same majors (:func:`merge_majors`) get one measure naming all
      their industries and majors, numbered to each of their problems.
    - **Every problem answered**: an own problem no measure answers gets a measure to complete
      (:data:`PLACEHOLDER`).
    - **Dates**: drafted deadlines fall in the period and not before the month after ``today``
      (:meth:`Stage.dated`); an own row's deadline stays as written, with ``时限状态`` 已逾期 / 本月到期
      when it is past on ``today`` (:func:`~iekg.reports.rules.deadline_status`).

    Parameters
    ----------
    store : Store
    city : str
        The city's code (``410200``).
    year : int or None
        The data year; None for the latest.
    max_generated : int
        At most this many gaps (or merged groups) add rows (own rows are always kept).
    rules : sequence of Rule, path or None
        The rule table; None for the shipped one.
    period : Period, str or None
        The period (``"2027-2029"``); None: three years from ``today``.
    types : str, iterable of str or None
        The gap types to draft (:func:`~iekg.reports.rules.parse_types`); None for all.
    min_people : float or None
        Supply gaps below this many people are not drafted; None: the gap ranking's ``minor`` flag.
    today : date or None
        The date of the draft (None: the real date).
    document : str or None
        Force the document (:data:`~iekg.reports.stage.KINDS`); None: by the city's stage.

    Returns
    -------
    Draft
        The rows, the candidates, the gaps, the rules used, the period, the gaps skipped and why, the stage.

    Raises
    ------
    LookupError
        When the city is not in the graph.
    """
    city_name = city_node(store, city).name
    stage = stage_of(store, city, today=today, period=period, kind=document)
    wanted = parse_types(types)
    scope = Scope((city,), year, name=city_name)
    found = gaps(store, scope)
    feeding = Feeding.gather(store, scope, found["gaps"])
    index = rule_index(rules)
    chosen = [g for g in found["gaps"] if wanted is None or g["type"] in wanted]
    skipped: list[dict[str, Any]] = []
    cands = draft_candidates(chosen, index, Names.of_gaps(store, chosen), city_name, found["year"], feeding,
                             min_people=min_people, skipped=skipped)
    rows1, rows2 = own_rows(store, city)
    for r in rows1:
        r["时限状态"] = deadline_status(r["解决时限"], stage.today)
        r["candidates"] = []
    for r in rows2:
        r["时限状态"] = deadline_status(r["完成时限"], stage.today)
        r["candidates"] = []
    taken = 0
    for group in merge_majors(cands):
        if taken >= max_generated:
            break
        text, majors = merged_measure(group, feeding)
        seqs: list[int] = []
        added = False
        for c in group:
            gap_rows = [_summary(g) for g in c.members]
            prow = _first(rows1, "主要问题", c, c.problem)
            if prow is None:
                prow = {"序号": len(rows1) + 1, "主要问题": c.problem, "解决时限": stage.dated(c.rule.problem_deadline),
                        "来源": c.source, "node": None, "seq": None, "gaps": gap_rows, "rule": _rule_info(c.rule),
                        "majors": c.majors, "candidates": [], "时限状态": ""}
                rows1.append(prow)
                added = True
            elif prow["来源"] == OWN:  # the own row stands for the gap: its figures go to the evidence sheet
                prow.setdefault("gaps_covered", []).extend(gap_rows)
            prow["candidates"].append(c)
            seqs.append(prow["序号"])
        lead = group[0]
        subjects = [x for c in group for x in c.subjects]
        mrow = next((r for r in rows2 if (covers(lead.rule, subjects, text, r["政策内容"]) if r["来源"] == OWN
                                            else _similar(_norm(text), _norm(r["政策内容"])))), None)
        if mrow is None:
            gap_rows = [_summary(g) for c in group for g in c.members]
            mrow = {"序号": len(rows2) + 1, "政策内容": text, "责任部门": "、".join(lead.agencies),
                    "完成时限": stage.dated(lead.rule.measure_deadline), "来源": lead.source if len(group) == 1 else
                    f"gap {lead.rule.gap_type} " + ", ".join(f"#{c.order}" for c in group) + f" ({len(group)} 行合并)",
                    "node": None, "seq": None, "agencies": list(lead.agencies), "problem_seq": [], "gaps": gap_rows,
                    "rule": _rule_info(lead.rule), "majors": majors, "candidates": [], "时限状态": ""}
            rows2.append(mrow)
            added = True
        elif mrow["来源"] == OWN:
            mrow.setdefault("gaps_covered", []).extend(_summary(g) for c in group for g in c.members)
        _link(mrow, seqs)
        mrow["candidates"] += group
        if added:
            taken += 1
        else:
            for c in group:
                for g in c.members:
                    skipped.append({"rank": g["rank"], "type": g["type"], "name": g["name"],
                                    "reason": f"本市已有清单已涵盖（问题清单第{'、'.join(map(str, sorted(set(seqs))))}项，"
                                              f"政策清单第{mrow['序号']}项）"})
    answered = {s for r in rows2 for s in r["problem_seq"]}
    for r in rows1:
        if r["序号"] not in answered:
            rows2.append(_placeholder(r, index, stage, city_name, len(rows2) + 1))
    return Draft(city, city_name, found["year"], found, rows1, rows2, cands, index, stage.period, skipped, feeding,
                 stage)


def attachments(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
                rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
                types: Iterable[str] | str | None = None, min_people: float | None = None,
                today: date | None = None, document: str | None = None,
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Attachment 1 rows (序号, 主要问题, 解决时限) and Attachment 2 rows (序号, 政策内容, 责任部门, 完成时限).

    Every row also has ``来源`` (``"city"`` for the city's own rows, :data:`PLACEHOLDER` for a measure to
    complete, else ``"gap <type> #<rank>…"``), ``时限状态`` (已逾期 / 本月到期 / ""),
    ``gaps`` (the gaps behind a drafted row: rank, type, metric, entity, name, magnitude, evidence …),
    ``rule`` (gap_type, metric, task, basis) and ``node`` (the own row's Problem/Measure uid); Attachment
    2 rows also ``agencies`` (list) and ``problem_seq`` (the Attachment 1 序号 they address).  Drafted rows
    also carry ``majors``: the majors the row proposes to expand or cut, each with the industries it
    feeds (``feeds``: industry, name, weight).

    Parameters
    ----------
    store, city, year, max_generated, rules, period, types, min_people, today, document
        As for :func:`compose`.

    Returns
    -------
    tuple of two lists of dict
        Attachment 1 rows and Attachment 2 rows.
    """
    d = compose(store, city, year=year, max_generated=max_generated, rules=rules, period=period, types=types,
                min_people=min_people, today=today, document=document)
    return plain_rows(d.rows1), plain_rows(d.rows2)


def plain_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without the drafting's working objects (``candidates``): plain data."""
    return [{k: v for k, v in r.items() if k != "candidates"} for r in rows]


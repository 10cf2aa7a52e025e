"""Drafting Attachment 1 (问题清单) and Attachment 2 (政策清单) of a city's application from its gaps.

The city's own loaded lists (``City -RAISES-> Problem``, ``City -PROPOSES-> Measure``) come first, in 序号
order and unchanged; then rows drafted from the city's ranked gaps (:func:`iekg.queries.gaps.gaps`) through
the rule table (:mod:`iekg.reports.rules`); everything is renumbered 1..n and each drafted row carries the
gaps behind it.  A drafted row that says what an own (or earlier) row says is not repeated; no row proposes
to cut a major that feeds a shortage (:class:`~iekg.reports.lookups.Feeding`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iekg.graph.store import Store
from iekg.queries.alignment import Thresholds
from iekg.queries.gaps import PEOPLE_TYPES, gaps
from iekg.queries.scope import Scope
from iekg.reports.city import city_node
from iekg.reports.lookups import Feeding, Names
from iekg.reports.rules import Period, Rule, canonical_agencies, parse_types, rule_index
from iekg.reports.wording import num, people

# Supply gaps (people) smaller than this are "minor": not drafted as rows of their own.  By default the gap
# ranking's own ``minor`` flag decides (IEKG_GAP_MIN_PEOPLE, one threshold for ranking and drafting); this is
# its default, used for gaps without the flag.  An assumption of ours, not the notice's.
DEFAULT_MIN_PEOPLE = Thresholds().gap_min_people
SUPPLY_TYPES = PEOPLE_TYPES  # the gaps measured in people (unmet demand, shortage, surplus)
OWN = "city"  # the 来源 of the city's own rows


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


def _find_similar(key: str, seen: dict[str, Any]) -> Any:
    for k, v in seen.items():
        if _similar(key, k):
            return v
    return None


def _summary(g: dict[str, Any]) -> dict[str, Any]:
    return {"rank": g["rank"], "type": g["type"], "metric": (g.get("detail") or {}).get("metric"),
            "entity": g["entity"], "name": g["name"], "magnitude": g["magnitude"], "severity": g["severity"],
            "message": g["message"], "evidence": list(g["evidence"]),
            "evidence_total": g.get("evidence_total", len(g["evidence"]))}


@dataclass
class Candidate:
    """A drafted problem and measure from one rule and one or more gaps (members, best rank first)."""

    rule: Rule
    members: list[dict[str, Any]]
    problem: str
    measure: str
    agencies: list[str]
    majors: list[dict[str, Any]] = field(default_factory=list)  # {code, name, action: expand|cut, feeds}

    @property
    def order(self) -> int:
        return int(self.members[0]["rank"])

    @property
    def source(self) -> str:
        ranks = [m["rank"] for m in self.members]
        if len(ranks) == 1:
            return f"gap {self.rule.gap_type} #{ranks[0]}"
        shown = ", ".join(f"#{r}" for r in ranks[:3])
        return f"gap {self.rule.gap_type} {shown}{', …' if len(ranks) > 3 else ''} ({len(ranks)} gaps)"


def is_minor(g: dict[str, Any], min_people: float | None = None) -> bool:
    """A gap too small to draft as a row of its own: a supply gap (people) below ``min_people`` when it is
    given; otherwise the ranking's ``minor`` flag (IEKG_GAP_MIN_PEOPLE), or below :data:`DEFAULT_MIN_PEOPLE`
    for a gap without the flag.

    Parameters
    ----------
    g : dict
        A gap as :func:`iekg.queries.gaps.gaps` ranks it.
    min_people : float or None
        The size below which a supply gap is minor; None: the ranking's flag.

    Returns
    -------
    bool
    """
    if min_people is None:
        if g.get("minor") is not None:
            return bool(g["minor"])
        min_people = DEFAULT_MIN_PEOPLE
    return g["type"] in SUPPLY_TYPES and float(g["magnitude"]) < min_people


def _item_name(g: dict[str, Any], names: Names) -> str:
    if g["type"] in SUPPLY_TYPES:
        code = g["detail"]["industry"]
        return names.industry.get(code, str(g["name"]))
    return str(g["name"])


def _context(rule: Rule, members: list[dict[str, Any]], names: Names, city_name: str,
             year: int | None, majors: Sequence[str] = (), feeding: Feeding | None = None) -> dict[str, str]:
    first = members[0]
    d = first.get("detail") or {}
    # a grouped row lists its largest members (the group's place in the list is its best rank)
    by_size = members if rule.grouping == "each" else sorted(members, key=lambda g: (-float(g["magnitude"]), g["rank"]))
    listed = by_size[: rule.list_max] if rule.list_max > 0 else by_size
    items = [_item_name(g, names) for g in listed]
    ctx: dict[str, str] = {
        "city_name": city_name, "year": "" if year is None else str(year), "count": str(len(members)),
        "items": "、".join(items), "items_detail": "、".join(items),
        "gap": num(sum(float(g["magnitude"]) for g in members)),
    }
    kind = rule.gap_type
    if kind in SUPPLY_TYPES:
        ctx.update(industry_code=str(d["industry"]), industry_name=_item_name(first, names),
                   supply=people(d["supply"]), demand=people(d["demand"]),
                   ratio="" if d.get("ratio") is None else f"{float(d['ratio']):.2f}",
                   gap=people(sum(float(g["magnitude"]) for g in members)))
        ctx["items_detail"] = "、".join(
            f"{_item_name(g, names)}（供给约{people(g['detail']['supply'])}人、需求约{people(g['detail']['demand'])}人）"
            for g in listed)
        fd = feeding or Feeding()
        ctx["majors"] = "、".join(fd.name(m) for m in majors) or "相关"
        ctx["majors_detail"] = "；".join(f"{fd.name(m)}对口{fd.feeds_text(m)}" for m in majors[:3]) or "对口专业待核实"
    elif kind == "uncovered_segment":
        chain = str(d.get("chain", ""))
        ctx.update(chain_name=names.chain.get(chain, chain), segment_name=str(first["name"]))
    elif kind == "no_cooperation":
        seg = str(d.get("segment", ""))
        ctx.update(enterprise_name=str(first["name"]), segment_name=names.segment.get(seg, seg),
                   chain_name=names.chain_of_segment(seg))
    elif kind == "no_training_base":
        ctx.update(chain_name=str(first["name"]), segment_count=num(first["magnitude"]))
    elif kind == "target_shortfall":
        ctx.update(target_name=str(first["name"]), value=num(d.get("value")), threshold=num(d.get("threshold")),
                   unit=str(d.get("unit") or ""))
    return ctx


def _rule_for(g: dict[str, Any], rules: dict[tuple[str, str], Rule]) -> Rule | None:
    if g["type"] == "target_shortfall":
        return rules.get((g["type"], str((g.get("detail") or {}).get("metric") or "")))
    return rules.get((g["type"], ""))


def draft_candidates(found: Sequence[dict[str, Any]], rules: dict[tuple[str, str], Rule], names: Names,
                     city_name: str, year: int | None, feeding: Feeding | None = None, *,
                     min_people: float | None = None, skipped: list[dict[str, Any]] | None = None,
                     ) -> list[Candidate]:
    """Group the ranked gaps by rule (each / all / chain) and fill the templates; best rank first.

    Minor gaps (:func:`is_minor`) are not drafted.  A surplus is drafted only with the majors that may be
    cut (those feeding no shortage, :meth:`Feeding.cut_majors`); a surplus fed only by majors that also
    feed a shortage is not drafted at all.  What is left out, and why, is appended to ``skipped``.

    Parameters
    ----------
    found : sequence of dict
        The ranked gaps.
    rules : dict
        The rules by key (:func:`~iekg.reports.rules.rule_index`).
    names : Names
        The names of what the gaps mention.
    city_name : str
    year : int or None
        The data year (``{year}`` in the templates).
    feeding : Feeding or None
        Which majors feed which industries; None: none known.
    min_people : float or None
        As for :func:`is_minor`.
    skipped : list or None
        Where to append the gaps left out (rank, type, name, reason).

    Returns
    -------
    list of Candidate
        Best rank first.
    """
    fd = feeding or Feeding()
    skip = skipped if skipped is not None else []
    groups: dict[tuple[Any, ...], tuple[Rule, list[dict[str, Any]]]] = {}
    per_rule: dict[tuple[str, str], int] = {}
    for g in sorted(found, key=lambda x: x["rank"]):
        rule = _rule_for(g, rules)
        if rule is None:
            continue
        if is_minor(g, min_people):
            skip.append({"rank": g["rank"], "type": g["type"], "name": g["name"],
                         "reason": f"规模小于{min_people:g}人（次要缺口）" if min_people is not None else "次要缺口"})
            continue
        if g["type"] == "surplus" and not fd.cut_majors(str(g["detail"]["industry"])):
            skip.append({"rank": g["rank"], "type": g["type"], "name": g["name"],
                         "reason": "对口专业同时支撑本市短缺行业，不建议压减"})
            continue
        if rule.grouping == "all":
            key: tuple[Any, ...] = (rule.key,)
        elif rule.grouping == "chain":
            key = (rule.key, (g.get("detail") or {}).get("chain"))
        else:
            key = (rule.key, g["entity"])
        if key not in groups:
            if per_rule.get(rule.key, 0) >= rule.max_rows:
                continue
            per_rule[rule.key] = per_rule.get(rule.key, 0) + 1
            groups[key] = (rule, [])
        groups[key][1].append(g)
    out = []
    for rule, members in groups.values():
        majors, action = _row_majors(rule, members, fd)
        ctx = _context(rule, members, names, city_name, year, majors, fd)
        out.append(Candidate(rule, members, rule.problem_template.format_map(ctx),
                             rule.measure_template.format_map(ctx), [city_name + a for a in rule.agencies],
                             [fd.record(m, action) for m in majors]))
    out.sort(key=lambda c: c.order)
    return out


def _row_majors(rule: Rule, members: list[dict[str, Any]], fd: Feeding) -> tuple[list[str], str]:
    """The majors a row names: for a shortage the largest feeders of its industry (to expand); for a
    surplus the cut-able feeders of its industries, largest supply first (at most 3)."""
    cap = 3  # every named major gets its rationale (the industries it feeds) in the text
    if rule.gap_type == "shortage":
        inds = [str(g["detail"]["industry"]) for g in members]
        ms = [m["major"] for i in inds for m in fd.by_industry.get(i, [])]
        return list(dict.fromkeys(ms))[:3], "expand"
    if rule.gap_type == "surplus":
        supply: dict[str, float] = {}
        for g in members:
            ind = str(g["detail"]["industry"])
            ok = set(fd.cut_majors(ind))
            for m in fd.by_industry.get(ind, []):
                if m["major"] in ok:
                    supply[m["major"]] = supply.get(m["major"], 0.0) + float(m["supply"])
        return sorted(supply, key=lambda m: (-supply[m], m))[:cap], "cut"
    return [], ""


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

    def deadline(self, spec: str) -> str:
        return self.period.deadline(spec)


def _rule_info(rule: Rule) -> dict[str, Any]:
    return {"gap_type": rule.gap_type, "metric": rule.metric or None, "task": rule.task, "basis": rule.basis}


def compose(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
            rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
            types: Iterable[str] | str | None = None, min_people: float | None = None) -> Draft:
    """Own rows first, then up to ``max_generated`` drafted rows (best gap rank first), renumbered.

    ``period`` (``"2026-2028"``; default :meth:`Period.parse`) dates the drafted deadlines; ``types``
    (gap types, e.g. ``("shortage", "target_shortfall")``) chooses which gaps are drafted; supply gaps
    below ``min_people`` are not drafted.  A drafted problem or measure that says what an own row (or an
    earlier drafted row) says — compared after normalising spaces, punctuation and full-width forms, and
    allowing small edits — is not repeated; a drafted measure whose problem is an own row points to it.

    Parameters
    ----------
    store : Store
    city : str
        The city's code (``410200``).
    year : int or None
        The data year; None for the latest.
    max_generated : int
        At most this many drafted rows (own rows are always kept).
    rules : sequence of Rule, path or None
        The rule table; None for the shipped one.
    period : Period, str or None
        The pilot period (``"2026-2028"``).
    types : str, iterable of str or None
        The gap types to draft (:func:`~iekg.reports.rules.parse_types`); None for all.
    min_people : float or None
        Supply gaps below this many people are not drafted; None: the gap ranking's ``minor`` flag.

    Returns
    -------
    Draft
        The rows, the candidates, the gaps, the rules used, the period, the gaps skipped and why.

    Raises
    ------
    LookupError
        When the city is not in the graph.
    """
    city_name = city_node(store, city).name
    per = Period.parse(period)
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
    texts1: dict[str, int] = {_norm(r["主要问题"]): r["序号"] for r in rows1}
    texts2: dict[str, int] = {_norm(r["政策内容"]): r["序号"] for r in rows2}
    taken = 0
    for c in cands:
        if taken >= max_generated:
            break
        p_key, m_key = _norm(c.problem), _norm(c.measure)
        pseq = _find_similar(p_key, texts1)
        mseq = _find_similar(m_key, texts2)
        if pseq is not None and mseq is not None:
            continue  # already on the city's lists (or drafted), perhaps in other words
        taken += 1
        gap_rows = [_summary(g) for g in c.members]
        if pseq is None:
            pseq = len(rows1) + 1
            texts1[p_key] = pseq
            rows1.append({"序号": pseq, "主要问题": c.problem, "解决时限": per.deadline(c.rule.problem_deadline),
                          "来源": c.source, "node": None, "seq": None, "gaps": gap_rows, "rule": _rule_info(c.rule),
                          "majors": c.majors})
        if mseq is None:
            texts2[m_key] = len(rows2) + 1
            rows2.append({"序号": len(rows2) + 1, "政策内容": c.measure, "责任部门": "、".join(c.agencies),
                          "完成时限": per.deadline(c.rule.measure_deadline), "来源": c.source, "node": None,
                          "seq": None, "agencies": list(c.agencies), "problem_seq": [pseq], "gaps": gap_rows,
                          "rule": _rule_info(c.rule), "majors": c.majors})
    return Draft(city, city_name, found["year"], found, rows1, rows2, cands, index, per, skipped, feeding)


def attachments(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
                rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
                types: Iterable[str] | str | None = None, min_people: float | None = None,
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Attachment 1 rows (序号, 主要问题, 解决时限) and Attachment 2 rows (序号, 政策内容, 责任部门, 完成时限).

    Every row also has ``来源`` (``"city"`` for the city's own rows, else ``"gap <type> #<rank>…"``),
    ``gaps`` (the gaps behind a drafted row: rank, type, metric, entity, name, magnitude, evidence …),
    ``rule`` (gap_type, metric, task, basis) and ``node`` (the own row's Problem/Measure uid); Attachment
    2 rows also ``agencies`` (list) and ``problem_seq`` (the Attachment 1 序号 they address).  Drafted rows
    also carry ``majors``: the majors the row proposes to expand or cut, each with the industries it
    feeds (``feeds``: industry, name, weight).

    Parameters
    ----------
    store, city, year, max_generated, rules, period, types, min_people
        As for :func:`compose`.

    Returns
    -------
    tuple of two lists of dict
        Attachment 1 rows and Attachment 2 rows.
    """
    d = compose(store, city, year=year, max_generated=max_generated, rules=rules, period=period, types=types,
                min_people=min_people)
    return d.rows1, d.rows2


"""Rows drafted from the city's ranked gaps (:func:`iekg.queries.gaps.gaps`) through the rule table
(:mod:`iekg.reports.rules`): gaps grouped by rule (each / all / chain), minor gaps and contradicting cuts
left out (with the reason), the templates filled in plain words (names, people; the codes, weights and
evidence of a row stay in its record for the evidence sheet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from iekg.queries.alignment import Thresholds
from iekg.queries.gaps import PEOPLE_TYPES
from iekg.reports.lookups import Feeding, Names
from iekg.reports.rules import ENTITY_TYPES, Rule
from iekg.reports.wording import num, people

# Supply gaps (people) smaller than this are "minor": not drafted as rows of their own.  By default the gap
# ranking's own ``minor`` flag decides (IEKG_GAP_MIN_PEOPLE, one threshold for ranking and drafting); this is
# its default, used for gaps without the flag.  An assumption of ours, not the notice's.
DEFAULT_MIN_PEOPLE = Thresholds().gap_min_people
SUPPLY_TYPES = PEOPLE_TYPES  # the gaps measured in people (unmet demand, shortage, surplus)


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
    # what an own row must name to cover this candidate's gap (an industry, its majors, a chain, its
    # segments): empty for gaps about the whole city (:data:`~iekg.reports.rules.ENTITY_TYPES`)
    subjects: list[str] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)  # the template fields, to re-word a merged measure

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
        ctx["majors_detail"] = "；".join(f"{fd.name(m)}主要对口{fd.feeds_text(m)}" for m in majors[:3]) or "对口专业待核实"
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
                             [fd.record(m, action) for m in majors], _subjects(rule, members, names, majors, fd),
                             ctx))
    out.sort(key=lambda c: c.order)
    return out


def _subjects(rule: Rule, members: list[dict[str, Any]], names: Names, majors: Sequence[str],
              fd: Feeding) -> list[str]:
    """The names an own row must mention to cover a gap about one thing (:data:`ENTITY_TYPES`)."""
    if rule.gap_type not in ENTITY_TYPES:
        return []
    if rule.gap_type in SUPPLY_TYPES:
        return list(dict.fromkeys([*(_item_name(g, names) for g in members), *(fd.name(m) for m in majors)]))
    out = []
    for g in members:
        d = g.get("detail") or {}
        chain = str(d.get("chain") or "")
        out += [names.chain.get(chain, ""), str(g["name"])] if rule.gap_type == "uncovered_segment" else [str(g["name"])]
    return [x for x in dict.fromkeys(out) if x]


def merge_majors(cands: Sequence[Candidate]) -> list[list[Candidate]]:
    """Shortage rows fed by the same majors, in groups (first-ranked first): two rows share a group when their
    named majors are the same, or when at least two of them are (transitively); every other row alone.  Each
    group gets one measure naming all its industries and majors (:func:`merged_measure`)."""
    groups: list[list[Candidate]] = []
    for c in cands:
        codes = {m["code"] for m in c.majors}
        home = None
        if c.rule.gap_type == "shortage" and codes:
            for grp in groups:
                if grp[0].rule.gap_type != "shortage":
                    continue
                theirs = {m["code"] for g in grp for m in g.majors}
                shared = codes & theirs
                if codes == theirs or len(shared) >= 2:
                    home = grp
                    break
        if home is None:
            groups.append([c])
        else:
            home.append(c)
    return groups


def merged_measure(group: Sequence[Candidate], fd: Feeding, cap: int = 5) -> tuple[str, list[dict[str, Any]]]:
    """The one measure of a group of shortage rows (:func:`merge_majors`): the rule's template with every
    industry and the majors of all rows (at most ``cap``, first-named first), the gap their sum."""
    first = group[0]
    if len(group) == 1:
        return first.measure, first.majors
    records = list({m["code"]: m for c in group for m in c.majors}.values())[:cap]
    ctx = dict(first.context)
    ctx["industry_name"] = "、".join(dict.fromkeys(c.context.get("industry_name", "") for c in group))
    ctx["majors"] = "、".join(m["name"] for m in records)
    ctx["majors_detail"] = "；".join(f"{m['name']}主要对口{fd.feeds_text(m['code'])}" for m in records)
    ctx["gap"] = people(sum(float(g["magnitude"]) for c in group for g in c.members))
    return first.rule.measure_template.format_map(ctx), records


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

"""Gaps: findings with a type, the entity concerned, a magnitude, a severity and the evidence to open.

Types (metrics.md): ``unmet_demand``, ``shortage``, ``surplus``, ``uncovered_segment``,
``no_cooperation``, ``no_training_base``, ``target_shortfall``.

``magnitude`` is in the gap's own unit, named in ``unit`` (人 for supply/demand gaps, 人（从业人员）for
an enterprise without partner, 个环节 for a chain without base, 个行业 for an uncovered segment, the
target's unit for a shortfall).  ``severity`` in [0, 1] is comparable across types:

| type | severity |
| --- | --- |
| unmet_demand | 1 (demand with no supply at all) |
| shortage | 1 − r (r = supply / demand) |
| surplus | 1 − 1/r |
| uncovered_segment | 1 (a focus-chain segment no local major supplies) |
| no_training_base | 1 (a focus chain no local base serves) |
| target_shortfall | shortfall / threshold |
| no_cooperation | 0.5 × the enterprise's share of the largest focus-chain enterprise's employees, at least 0.05 |

Ranking (docs/measures.md): a supply/demand gap (unmet, shortage, surplus) of fewer than
``Thresholds.gap_min_people`` people is ``minor`` and ranked after every other gap; the others are
ranked by ``priority`` = severity × min(1, people / ``gap_full_people``) for supply/demand gaps (so a
ratio made by a few people never outranks a real shortage of hundreds) and = severity for the other
types; then magnitude, type and entity.  Both sizes are our assumptions (settings).
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from iekg.graph.schema import NODE_TYPES, REL_TYPES, rel_key
from iekg.graph.store import Store
from iekg.graph.sums import KEPT_TOP, rollup
from iekg.queries import cooperation
from iekg.queries.alignment import ASSUMPTION_LABEL, Thresholds, alignment, focus_segments
from iekg.queries.demand import join_demand, scope_demand
from iekg.queries.facts import ScopeSums
from iekg.queries.readiness import NOTICE, Context, readiness
from iekg.queries.scope import Scope, located_in
from iekg.queries.supply import DURATION

GAP_TYPES = ("unmet_demand", "shortage", "surplus", "uncovered_segment", "no_cooperation", "no_training_base",
             "target_shortfall")
EVIDENCE_CAP = KEPT_TOP  # the programs named per gap: as many as the graph keeps per city × year × major
PEOPLE_TYPES = ("unmet_demand", "shortage", "surplus")
UNITS = {"unmet_demand": "人", "shortage": "人", "surplus": "人", "uncovered_segment": "个行业",
         "no_cooperation": "人（从业人员）", "no_training_base": "个环节"}


def parse_types(types: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """The gap types chosen (``iekg gaps --type``, drafting's ``--types shortage,target_shortfall``), checked.

    Parameters
    ----------
    types : str, iterable of str or None
        Gap types, as a list or one text separated by commas, semicolons or spaces.

    Returns
    -------
    tuple of str or None
        The types; None for all (None or nothing given).

    Raises
    ------
    ValueError
        For a type that is not one of :data:`iekg.queries.gaps.GAP_TYPES`.
    """
    if types is None:
        return None
    items = [x.strip() for x in (re.split(r"[,，;；\s]+", types) if isinstance(types, str) else types) if x.strip()]
    unknown = [x for x in items if x not in GAP_TYPES]
    if unknown:
        raise ValueError(f"unknown gap type(s) {', '.join(unknown)}: choose from {', '.join(GAP_TYPES)}")
    return tuple(items) or None



def _gap(kind: str, entity: str, name: str, magnitude: float, severity: float, evidence: list[str],
         detail: dict[str, Any], message: str, evidence_total: int | None = None, *, unit: str | None = None,
         labels: dict[str, str] | None = None) -> dict[str, Any]:
    total = len(evidence) if evidence_total is None else evidence_total
    ev = evidence[:EVIDENCE_CAP]
    return {"type": kind, "entity": entity, "name": name, "magnitude": float(magnitude),
            "unit": unit if unit is not None else UNITS.get(kind, ""),
            "severity": round(float(severity), 10), "message": message, "detail": detail,
            "evidence": ev, "evidence_total": total,
            "evidence_items": [{"key": k, "label": (labels or {}).get(k)} for k in ev]}


@lru_cache(maxsize=8192)  # (a city's answer formats 3,400 figures, most of them a few distinct ones)
def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


class _Names:
    """The names of the nodes one answer shows, read once: the ids of a label asked for (:meth:`want`) before a name
    of that label is looked up are read together — one read per label instead of one per piece of the answer —
    and what was read is kept for the rest of the answer."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._raw: dict[str, dict[str, Any]] = {}  # label -> id -> the name as stored (the nodes that exist)
        self._asked: dict[str, set[str]] = {}  # label -> the ids read or to be read
        self._waiting: dict[str, set[str]] = {}  # label -> the ids to be read
        self._shown: dict[str, dict[str, str]] = {}  # label -> :meth:`shown` of every name read so far (kept up to date)

    def want(self, label: str, ids: Iterable[Any]) -> None:
        """Read these ids' names with the next look-up of ``label``."""
        asked = self._asked.setdefault(label, set())
        if isinstance(ids, (pd.Series, pd.Index)):  # (a column: its distinct values as plain ones, not item by item)
            ids = ids.unique().tolist()
        new = {str(i) for i in ids if i is not None} - asked
        if new:
            asked |= new
            self._waiting.setdefault(label, set()).update(new)

    def raw(self, label: str, ids: Iterable[Any] = ()) -> dict[str, Any]:
        """Id → the name as stored (None when the node has none), of every node of ``label`` read so far."""
        self.want(label, ids)
        got = self._raw.setdefault(label, {})
        wait = self._waiting.pop(label, None)
        if wait:
            f = self.store.node_frame(label, ["name"], ids=sorted(wait))
            new = dict(zip(map(str, f["id"].tolist()), f["name"].tolist(), strict=True))
            got.update(new)
            if label in self._shown:  # (the names as shown, of the new ones only: not every name again)
                self._shown[label].update(_as_shown(new))
        return got

    def shown(self, label: str, ids: Iterable[Any] = ()) -> dict[str, str]:
        """Id → the name as shown (the id when the node has no name), of every node of ``label`` read so far (the
        same dict each time, grown as names are read: an answer asks for a label's names several times)."""
        raw = self.raw(label, ids)
        if label not in self._shown:
            self._shown[label] = _as_shown(raw)
        return self._shown[label]


def _as_shown(raw: dict[str, Any]) -> dict[str, str]:
    """Id → the name as shown: the stored name, or the id when the node has none."""
    return {i: (str(n) if n is not None and n == n else i) for i, n in raw.items()}


def label_evidence(store: Store, found: list[dict[str, Any]], names: _Names | None = None) -> None:
    """Fill the readable label of every evidence item still without one: a node as 「类型 名称」, a
    relationship as 「起点 —关系→ 终点」 (names read once for all the gaps).

    Parameters
    ----------
    store : Store
        The graph (for the names).
    found : list of dict
        Gaps (their ``evidence_items``: ``key`` and ``label``), changed in place.
    names : _Names, optional
        The names the answer has read already.

    Returns
    -------
    None
    """
    uids: set[str] = set()
    for g in found:
        for item in g["evidence_items"]:
            if item["label"] is None:
                k = item["key"]
                uids.update(k.split("|")[1:3] if "|" in k else [k])
    known = names or _Names(store)
    by_label: dict[str, list[str]] = {}
    for u in uids:
        lab, _, ident = u.partition(":")
        if lab in NODE_TYPES:
            by_label.setdefault(lab, []).append(ident)
    for lab, ids in by_label.items():
        known.want(lab, ids)
    names_of = {lab: known.shown(lab) for lab in by_label}

    def name(u: str) -> str:
        lab, _, ident = u.partition(":")
        return names_of.get(lab, {}).get(ident, ident)

    node_labels: dict[str, str] = {}  # uid -> its label, made once (an enterprise or a city recurs across the gaps)

    def node_label(u: str) -> str:
        got = node_labels.get(u)
        if got is None:
            lab = u.partition(":")[0]
            zh = NODE_TYPES[lab].zh if lab in NODE_TYPES else lab
            got = node_labels[u] = f"{zh} {name(u)}"
        return got

    for g in found:
        for item in g["evidence_items"]:
            if item["label"] is not None:
                continue
            k = item["key"]
            if "|" in k:
                parts = k.split("|")
                rt = REL_TYPES[parts[0]].zh if parts[0] in REL_TYPES else parts[0]
                extra = " ".join(p.replace("=", " ") for p in parts[3:] if not p.endswith("=None"))
                item["label"] = f"{node_label(parts[1])} —{rt}→ {node_label(parts[2])}" + (f"（{extra}）" if extra else "")
            else:
                item["label"] = node_label(k)


def _supply_evidence(store: Store, sums: ScopeSums, industries: list[str],
                     labels: dict[str, dict[str, str]], names: _Names | None = None) -> dict[str, list[str]]:
    """Per industry: the keys of its largest programs (supply = volume × weight, ties by institution and
    major), at most EVIDENCE_CAP of them, chosen by the store (on Neo4j, ORDER BY … LIMIT on the server).
    ``labels`` receives each industry's labels of its programs: one program feeding two industries brings each
    its own share (supply and weight), so a label is the industry's, not the program's."""
    w = sums.weights.frame
    w = w[w["industry"].isin(industries)]
    grouped: dict[Any, list[tuple[Any, Any]]] = {}  # per industry, its (major, weight) pairs in the rows' order
    for code, m, wt in zip(w["industry"].tolist(), w["major"].tolist(), w["weight"].tolist(), strict=True):
        grouped.setdefault(code, []).append((m, wt))
    pairs = {str(code): grouped[code] for code in sorted(grouped)}
    top = store.top_offers(sorted(sums.scope.cities), sums.year, pairs, DURATION, EVIDENCE_CAP)
    out: dict[str, list[str]] = {}
    names = names or _Names(store)
    inst_names = names.shown("Institution", top["institution"])
    major_names = names.shown("Major", top["major"])
    weight_of = {(code, m): float(wt) for code, ps in pairs.items() for m, wt in ps}
    # the programs as plain lists, split per key once (in their order): no frame per industry
    by_key: dict[str, list[tuple[Any, Any, Any, Any]]] = {}
    for k, *row in zip(top["key"].tolist(), top["institution"].tolist(), top["major"].tolist(), top["year"].tolist(),
                       top["supply"].tolist(), strict=True):
        by_key.setdefault(str(k), []).append(tuple(row))  # type: ignore[arg-type]
    for code in industries:
        keys = []
        mine = labels.setdefault(str(code), {})
        for a, b, y, sup in by_key.get(str(code), []):
            k = rel_key("OFFERS", f"Institution:{a}", f"Major:{b}", {"year": y})
            keys.append(k)
            wt = weight_of.get((code, b), 0.0)
            vol = f"，毕业生（或估算）{_fmt(float(sup) / wt)} 人 × 对应权重 {wt:g}" if wt > 0 else ""
            mine[k] = (f"{inst_names.get(a, a)} {y} 年 {major_names.get(b, b)} 专业 供给 {_fmt(float(sup))} 人"
                       f"{vol}")
        out[code] = keys
    return out


_DEMAND_COLS = ("src_label", "src", "target_label", "target", "year", "education_level", "city_code", "major_code",
                "headcount", "weight", "demand")


def _demand_lists(demand_rows: pd.DataFrame) -> dict[Any, dict[str, list[Any]]]:
    """The demand rows (spread over industries) as plain lists per industry, in their order: split once for
    every industry's evidence instead of one frame filter per industry."""
    cols = {c: demand_rows[c].tolist() for c in _DEMAND_COLS}
    out: dict[Any, dict[str, list[Any]]] = {}
    for i, ind in enumerate(demand_rows["industry"].tolist()):
        d = out.get(ind)
        if d is None:
            d = out[ind] = {c: [] for c in _DEMAND_COLS}
        for c in _DEMAND_COLS:
            d[c].append(cols[c][i])
    return out


def _demand_evidence(demand_rows: pd.DataFrame | dict[str, list[Any]], industry: str,
                     names: dict[str, dict[str, str]] | None = None,
                     labels: dict[str, str] | None = None) -> list[str]:
    """The keys of ``industry``'s demand rows, largest first (``labels`` filled when ``names`` are given: the
    industry's labels — a row for a major counts toward each industry with that industry's weight);
    ``demand_rows``: every industry's rows (a frame), or that industry's as lists (:func:`_demand_lists`)."""
    rows: Any = demand_rows[demand_rows["industry"] == industry] if isinstance(demand_rows, pd.DataFrame) \
        else demand_rows
    keys = [rel_key("DEMANDS", f"{sl}:{s}", f"{tl}:{t}", {"year": y, "education_level": _clean(e), "city_code": c,
                                                          "major_code": _clean(m)})
            for sl, s, tl, t, y, e, c, m in zip(rows["src_label"], rows["src"], rows["target_label"], rows["target"],
                                                 rows["year"], rows["education_level"], rows["city_code"],
                                                 rows["major_code"], strict=True)]
    if names is not None and labels is not None:
        for k, sl, s, tl, t, y, e, h, wt in zip(keys, rows["src_label"], rows["src"], rows["target_label"],
                                                rows["target"], rows["year"], rows["education_level"],
                                                rows["headcount"], rows["weight"], strict=True):
            who = names.get(sl, {}).get(str(s), str(s))
            what = names.get(tl, {}).get(str(t), str(t))
            level = f"（{e}）" if _clean(e) else ""
            share = f"，按对应权重 {float(wt):g} 计入本行业 {_fmt(float(h) * float(wt))} 人" if tl == "Major" else ""
            labels[k] = f"{who} {y} 年 {what}{level} 需求 {_fmt(float(h))} 人{share}"
    # largest demand first; the key breaks ties, so every store gives the same order
    return [k for _, k in sorted(zip([-x for x in rows["demand"]], keys, strict=True))]


def feeding_majors(store: Store, sums: ScopeSums, industries: list[str], *, names: _Names | None = None,
                   frame: pd.DataFrame | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per industry: the majors of the scope's programs that feed it (crosswalk weight > 0), with the weight
    and the supply they bring (volume × weight), largest first — so that a major feeding a shortage is
    never proposed for a cut.

    Parameters
    ----------
    store : Store
        The graph (for the majors' names).
    sums : ScopeSums
        The scope's sums (its programs' volume per major and the crosswalk weights).
    industries : list of str
        The industry codes.
    names : _Names, optional
        The names the answer has read already.
    frame : pandas.DataFrame, optional
        :func:`_feeding_frame` of the same sums and industries, when the caller has it.

    Returns
    -------
    dict of str to list of dict
        Industry code → ``major``, ``name``, ``weight`` and ``supply`` per major, largest supply first; an
        industry no major feeds is left out.
    """
    f = _feeding_frame(sums, industries) if frame is None else frame
    shown = (names or _Names(store)).shown("Major", f["major"])
    f = f.sort_values(["supply", "major"], ascending=[False, True], kind="mergesort")
    groups: dict[Any, list[dict[str, Any]]] = {}  # per industry, in the sorted order (plain lists, one pass)
    for code, m, wt, sp in zip(f["industry"].tolist(), f["major"].tolist(), f["weight"].tolist(),
                               f["supply"].tolist(), strict=True):
        groups.setdefault(code, []).append({"major": str(m), "name": shown.get(str(m), str(m)),
                                            "weight": round(float(wt), 6), "supply": float(sp)})
    return {str(code): groups[code] for code in sorted(groups)}


def _feeding_frame(sums: ScopeSums, industries: list[str]) -> pd.DataFrame:
    """:func:`feeding_majors`' rows before they are named: major, industry, weight and supply (> 0)."""
    w = sums.weights.frame
    w = w[w["industry"].isin(industries) & (w["weight"] > 0)][["major", "industry", "weight"]]
    vol = sums.offers.groupby("major", as_index=False)["volume"].sum()
    f = vol.merge(w, on="major")
    f["supply"] = (f["volume"] * f["weight"]).round(6)
    return f[f["supply"] > 0]


def _clean(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else v


def supply_gaps(store: Store, align: dict[str, Any], sums: ScopeSums,
                names: _Names | None = None) -> list[dict[str, Any]]:
    """Unmet demand, shortage and surplus per industry, with the rows behind each (demand rows, then the
    largest programs; a surplus the other way round).

    Parameters
    ----------
    store : Store
        The graph.
    align : dict
        The scope's :func:`~iekg.queries.alignment.alignment` (its ``industries`` and their ``status``).
    sums : ScopeSums
        The scope's sums.
    names : _Names, optional
        The names the answer has read already (and keeps those read here).

    Returns
    -------
    list of dict
        One gap per unmet, short or surplus industry: ``type``, ``entity``, ``name``, ``magnitude``,
        ``unit``, ``severity``, ``message``, ``detail``, ``evidence``, ``evidence_total``,
        ``evidence_items``, ``feeding_majors`` and ``note``.
    """
    found = _SupplyGaps.of(store, align, sums)
    found.fill(store, found.gaps, names)
    return found.gaps


@dataclass
class _SupplyGaps:
    """A scope's supply gaps (:func:`supply_gaps`) in two steps: :meth:`of` makes every gap with what ranks and
    counts it (type, entity, magnitude, severity, ``evidence_total``), its evidence empty; :meth:`fill` adds the
    evidence — the demand rows and the largest programs, read from the store —, their labels and the feeding
    majors to the gaps given.  :func:`gaps` fills only the gaps it shows (a province shows about half of its
    supply gaps: the other half's first programs were read for nothing)."""

    sums: ScopeSums
    demand_rows: pd.DataFrame  # the scope's demand spread over the flagged industries
    gaps: list[dict[str, Any]]

    @classmethod
    def of(cls, store: Store, align: dict[str, Any], sums: ScopeSums) -> _SupplyGaps:
        flagged = [i for i in align["industries"] if i["status"] in ("unmet", "shortage", "surplus")]
        codes = [i["code"] for i in flagged]
        demand_rows = join_demand(scope_demand(store, sorted(sums.scope.cities), sums.year), sums.weights)
        demand_rows = demand_rows[demand_rows["industry"].isin(codes)]
        n_dem = Counter(demand_rows["industry"].tolist())  # each industry's demand rows
        # how many programs feed each industry in all (from the sums): each major's programs, counted once per weight
        # row of the major into the industry — as the sums joined to the weights and summed per industry — in plain
        # dicts (a frame join and grouping of a province's 22,000 sums took twice as long)
        per_major: dict[Any, Any] = {}
        for m, n in zip(sums.offers["major"].tolist(), sums.offers["programs"].tolist(), strict=True):
            per_major[m] = per_major.get(m, 0) + n
        flagged_codes = set(codes)
        n_sup: dict[Any, Any] = {}  # (made an int where it is used, as the frame's sum was)
        w = sums.weights.frame
        for m, ind in zip(w["major"].tolist(), w["industry"].tolist(), strict=True):
            if ind in flagged_codes and m in per_major:
                n_sup[ind] = n_sup.get(ind, 0) + per_major[m]
        out = []
        for ind in flagged:
            s, d, code = ind["supply"], ind["demand"], ind["code"]
            status = ind["status"]
            total = n_dem.get(code, 0) + int(n_sup.get(code, 0))
            detail = {"industry": code, "supply": s, "demand": d, "ratio": ind["ratio"], "deviation": ind["deviation"]}
            name = f"{code} {ind['name']}"
            if status == "unmet":
                g = _gap("unmet_demand", f"Industry:{code}", name, d, 1.0, [], detail,
                         f"{ind['name']} 需求 {_fmt(d)} 人，本地无对口专业供给", total)
            elif status == "shortage":
                g = _gap("shortage", f"Industry:{code}", name, d - s, 1 - s / d, [], detail,
                         f"{ind['name']} 供给 {_fmt(s)} 人，需求 {_fmt(d)} 人，缺口 {_fmt(d - s)} 人", total)
            else:
                g = _gap("surplus", f"Industry:{code}", name, s - d, 1 - d / s, [], detail,
                         f"{ind['name']} 供给 {_fmt(s)} 人，需求 {_fmt(d)} 人，过剩 {_fmt(s - d)} 人", total)
            g.update({"feeding_majors": [], "note": ind.get("note")})  # (filled by fill, in this place)
            out.append(g)
        return cls(sums, demand_rows, out)

    def fill(self, store: Store, shown: list[dict[str, Any]], names: _Names | None = None) -> None:
        """The evidence (demand rows first, then the largest programs; a surplus the other way round, at most
        EVIDENCE_CAP), its labels and the feeding majors of the supply gaps among ``shown`` (changed in place)."""
        mine_gaps = [g for g in shown if g["type"] in PEOPLE_TYPES]
        if not mine_gaps:
            return
        sums = self.sums
        codes = [g["detail"]["industry"] for g in mine_gaps]
        labels: dict[str, dict[str, str]] = {}  # per industry: its evidence's labels (a program's share is the industry's)
        known = names or _Names(store)
        demand_rows = self.demand_rows[self.demand_rows["industry"].isin(codes)]
        feeding = _feeding_frame(sums, codes)
        # every name these gaps show, asked for first: one read per label (the programs' names join them below)
        for lab in ("City", "Enterprise"):
            known.want(lab, demand_rows.loc[demand_rows["src_label"] == lab, "src"])
        for lab in ("Industry", "Major"):
            known.want(lab, demand_rows.loc[demand_rows["target_label"] == lab, "target"])
        known.want("Major", feeding["major"])
        supply_ev = _supply_evidence(store, sums, codes, labels, known)
        names_of = {lab: known.shown(lab) for lab in ("City", "Enterprise", "Industry", "Major")}
        feeds = feeding_majors(store, sums, codes, names=known, frame=feeding)
        dem_by = _demand_lists(demand_rows)
        no_rows: dict[str, list[Any]] = {c: [] for c in _DEMAND_COLS}
        for g in mine_gaps:
            code = g["detail"]["industry"]
            sup = supply_ev[code]
            mine = labels.setdefault(str(code), {})
            dem = _demand_evidence(dem_by.get(code, no_rows), code, names_of, mine)
            ev = (sup + dem if g["type"] == "surplus" else dem + sup)[:EVIDENCE_CAP]
            g["evidence"] = ev
            g["evidence_items"] = [{"key": k, "label": mine.get(k)} for k in ev]
            g["feeding_majors"] = feeds.get(code, [])


def chain_gaps(store: Store, scope: Scope, align: dict[str, Any],
               info: dict[str, Any] | None = None, *, limit: int | None = None,
               names: _Names | None = None) -> list[dict[str, Any]]:
    """Uncovered segments, focus-chain enterprises without an ongoing school partner, focus chains without a
    base.  ``info``, when given, receives ``cooperation``: what the no_cooperation check left out.  With ``limit``,
    only the first ``limit`` no_cooperation gaps in the gaps' order are built in full (message, evidence, the
    left-out cooperations named); the others come back as stubs (``stub`` true: type, entity, magnitude and
    severity, which is all that ranks and counts them) that :func:`gaps` ranks below the full ones and cuts — or,
    with ``info`` given, are only counted, in ``info["not_built"]`` (:func:`gaps` counts them, never shows them: a
    province has thousands).

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope.
    align : dict
        The scope's :func:`~iekg.queries.alignment.alignment` (its ``segments.uncovered``).
    info : dict, optional
        Receives ``cooperation`` (changed in place).
    names : _Names, optional
        The names the answer has read already (and keeps those read here).

    Returns
    -------
    list of dict
        Gaps of type ``uncovered_segment``, ``no_cooperation`` and ``no_training_base`` (keys as in
        :func:`supply_gaps`, without ``feeding_majors``).
    """
    out: list[dict[str, Any]] = []
    found = _chain_findings(store, {"": scope})
    if found is None:  # no focus-chain segment in scope
        if info is not None:
            info["cooperation"] = _coop_info(pd.Series([], dtype=object), 0)
        return out
    segs = focus_segments(store, scope)
    known = names or _Names(store)
    uncovered = segs[segs["segment"].isin(align["segments"]["uncovered"])]
    known.want("Industry", set(uncovered["industry"]) - {""})
    seg_names = known.raw("ChainSegment", segs["segment"])
    chain_names = known.raw("IndustryChain", segs["chain"])
    ind_names = known.shown("Industry")
    for seg in align["segments"]["uncovered"]:
        inds = sorted(set(segs.loc[segs["segment"] == seg, "industry"]) - {""})
        chain = segs.loc[segs["segment"] == seg, "chain"].iloc[0]
        ev = [f"ChainSegment:{seg}", f"IndustryChain:{chain}"] + [
            rel_key("MAPS_TO", f"ChainSegment:{seg}", f"Industry:{i}", {}) for i in inds]
        named = "、".join(f"{i} {ind_names.get(i, '')}".strip() for i in inds)
        out.append(_gap("uncovered_segment", f"ChainSegment:{seg}", str(seg_names.get(seg, seg)), len(inds), 1.0, ev,
                        {"chain": chain, "industries": inds},
                        f"重点产业链「{chain_names.get(chain, chain)}」的环节「{seg_names.get(seg, seg)}」没有本地专业供给"
                        f"（对应 {len(inds)} 个行业：{named or '无'}）"))

    ins, lonely = found.ins, found.lonely
    # the statuses of the cooperations left out, each enterprise's once (as the cooperations themselves)
    # (columns as plain lists: a province has 27,000 rows, and a pandas string column is slow to walk item by item)
    left_of = dict(zip(ins["enterprise"].astype(str).tolist(), ins["left_out"].tolist(), strict=True))
    past_ents = {e for e in set(lonely["enterprise"].astype(str).tolist()) if left_of.get(e)}  # (their status only: see below)
    if info is not None:
        info["cooperation"] = _coop_info(pd.Series([s for v in left_of.values() for s in v], dtype=object), int(
            lonely.loc[lonely["enterprise"].astype(str).isin(past_ents), "enterprise"].nunique()))
    employees = pd.to_numeric(ins["employees"], errors="coerce").fillna(0.0)
    biggest = float(employees.max()) if len(employees) and employees.max() > 0 else 1.0
    # each lonely row with its enterprise's staff (a property of the enterprise: alike on all its rows), sorted as
    # the rows (e, segment, role) are — the staff never decides (rows alike in all three are one enterprise's):
    # no dict of every enterprise's staff built and looked up again (a province's 27,000 rows)
    by_row = sorted(zip(lonely["enterprise"].tolist(), lonely["segment"].tolist(), lonely["role"].tolist(),
                        employees.loc[lonely.index].astype(float).tolist(), strict=True))
    rows = [(e, seg, role) for e, seg, role, _ in by_row]
    row_staff = [n for _, _, _, n in by_row]
    severity = [round(float(max(0.05, 0.5 * n / biggest)), 10) for n in row_staff]
    full = set(range(len(rows)))
    if limit is not None and len(rows) > limit:  # the first `limit` in the order gaps() ranks them (stable)
        # (heapq.nsmallest is sorted(...)[:limit], ties and all, without sorting a province's 15,000 rows; the entity
        # "Enterprise:<id>" orders as the id: one prefix for all)
        full = set(heapq.nsmallest(limit, range(len(rows)), key=lambda k: (-severity[k], -row_staff[k],
                                                                            str(rows[k][0]))))
    shown = sorted({str(rows[k][0]) for k in full})
    past_ents &= set(shown)
    past_of: dict[str, list[dict[str, Any]]] = {}
    if past_ents:  # the left-out cooperations of the gaps built in full, read whole (type, since) for them only
        past = store.rel_frame("COOPERATES_WITH", ["type", "status", "since"], dst_label="Enterprise",
                               dst_ids=sorted(past_ents)).rename(columns={"src": "institution", "dst": "enterprise"})
        past = past[~cooperation.counted(past["status"])]
        past = past.assign(_t=past["type"].astype(object).where(past["type"].notna(), ""))
        past = past.sort_values(["enterprise", "institution", "_t"], kind="mergesort")
        for item in cooperation.describe_rows(store, past, cap=None):
            past_of.setdefault(item["enterprise"], []).append(item)
    # the names of the gaps built in full (a stub's is never shown: gaps() cuts the stubs)
    ent_names = known.raw("Enterprise", shown)
    if info is not None:
        info["not_built"] = len(rows) - len(full)
    for k, (e, seg, role) in enumerate(rows):
        if k not in full:
            if info is not None:
                continue
            n, name = row_staff[k], str(ent_names.get(str(e), e))
            out.append({"type": "no_cooperation", "entity": f"Enterprise:{e}", "name": name, "magnitude": float(n),
                        "severity": severity[k], "stub": True})
            continue
        n = row_staff[k]
        name = str(ent_names.get(str(e), e))
        left = past_of.get(str(e), [])
        who = (f"重点产业链企业「{name}」({_clean(role) or '成员'}，从业 {_fmt(n)} 人)" if n > 0 else
               f"重点产业链企业「{name}」({_clean(role) or '成员'}，从业人数不详)")
        if left:
            message = (f"{who} 没有进行中的院校合作伙伴：" + "；".join(cooperation.item_label(i) for i in left) +
                       "，不计为合作伙伴")
        else:
            message = f"{who} 没有任何院校合作伙伴"
        gap = _gap("no_cooperation", f"Enterprise:{e}", name, n, severity[k],
                   [f"Enterprise:{e}", rel_key("IN_SEGMENT", f"Enterprise:{e}", f"ChainSegment:{seg}", {})] +
                   [i["key"] for i in left],
                   {"segment": seg, "role": _clean(role), "employees": n,
                    "cooperations_left_out": [{k: i[k] for k in ("key", "institution", "institution_name", "type",
                                                                "status", "since")} for i in left]},
                   message, labels={i["key"]: cooperation.item_label(i) for i in left})
        out.append(gap)

    for chain in found.unserved["chain"].astype(str):  # focus chains that no training base in scope serves
        g = segs[segs["chain"] == chain]
        n = g["segment"].nunique()
        out.append(_gap("no_training_base", f"IndustryChain:{chain}", str(chain_names.get(chain, chain)), n, 1.0,
                        [f"IndustryChain:{chain}"] + [f"ChainSegment:{s}" for s in sorted(set(g["segment"]))],
                        {"segments": n},
                        f"重点产业链「{chain_names.get(chain, chain)}」没有本地实训基地服务 ({n} 个环节)"))
    return out


@dataclass
class _ChainFindings:
    """What the chain gaps of some scopes rest on (:func:`_chain_findings`), each row with its scope's ``key``."""

    segs: pd.DataFrame  # the scopes' focus-chain segments (alignment.focus_segments): key, segment, chain, industry
    # IN_SEGMENT of a scope's segments from its located enterprises (Store.chain_enterprises): key, enterprise,
    # segment, role, employees, counted (its cooperations that count: iekg.queries.cooperation), left_out (the
    # statuses of the others)
    ins: pd.DataFrame
    lonely: pd.DataFrame  # the rows of ``ins`` whose enterprise has no cooperation that counts: no_cooperation
    unserved: pd.DataFrame  # key, chain: the focus chains no training base in the scope serves (sorted)
    lonely_counts: dict[str, int]  # per key, its rows in ``lonely`` (a key without any is absent)


def _chain_findings(store: Store, scopes: dict[str, Scope], *, counted_only: bool = False) -> _ChainFindings | None:
    """The chain gaps' findings of many scopes (key → scope) set at a time: the enterprises in the focus-chain
    segments and their cooperations counted (joined by the store: :meth:`~iekg.graph.store.Store.chain_enterprises`),
    the training bases and what they serve read once for all the scopes, each row marked with its scope's key.  None
    when no scope has focus-chain segments.  An enterprise of a segment in scope, located in scope, is a gap when
    no cooperation of it counts (an ongoing one: iekg.queries.cooperation — one whose only partners have ended or
    not begun is a gap too); a focus chain is a gap when no training base in scope serves it (through a segment or
    a mapped industry).  ``counted_only``: the enterprises are only counted (``lonely_counts``, by the store:
    :meth:`~iekg.graph.store.Store.chain_lonely_counts`), ``ins`` and ``lonely`` left empty."""
    segs_of = {k: f for k, sc in scopes.items() if not (f := focus_segments(store, sc)).empty}
    if not segs_of:
        return None
    cities = sorted({c for k in segs_of for c in scopes[k].cities})
    keys_of_city: dict[Any, list[str]] = {}  # city -> the keys whose scope holds it
    for k in segs_of:
        for c in scopes[k].cities:
            keys_of_city.setdefault(c, []).append(k)
    segs = pd.concat([f.assign(key=k) for k, f in segs_of.items()], ignore_index=True)
    asked = ({k: list(scopes[k].cities) for k in segs_of}, {k: sorted(set(f["segment"])) for k, f in segs_of.items()},
             sorted(cooperation.inactive_words()))
    if counted_only:
        ins = lonely = pd.DataFrame(columns=list(store.CHAIN_ENTERPRISE_COLUMNS))
        lonely_counts = store.chain_lonely_counts(*asked)
    else:
        ins = store.chain_enterprises(*asked)
        lonely = ins[ins["counted"] == 0]
        lonely_counts = {str(k): int(n) for k, n in lonely["key"].astype(str).value_counts().items()}
    bases = located_in(store, "TrainingBase", cities=cities)
    serves = store.rel_frame("SERVES", src_label="TrainingBase", src_ids=bases["id"])
    # what each key's bases serve — (key, segment or industry) — and each key's chains served, in plain sets and
    # lists: a scope has a few bases and segments, and frame joins and index look-ups cost more than the data
    cities_of_base: dict[Any, list[Any]] = {}
    for b, c in zip(bases["id"].tolist(), bases["city"].tolist(), strict=True):
        cities_of_base.setdefault(b, []).append(c)
    by_seg: set[tuple[Any, Any]] = set()  # (key, what a base serves as stored: a segment, or an industry)
    by_ind: set[tuple[Any, Any]] = set()  # (key, that, rolled up to its 大类)
    if len(serves):
        for b, dst, ind in zip(serves["src"].tolist(), serves["dst"].tolist(), rollup(serves["dst"]).tolist(),
                               strict=True):
            for c in cities_of_base.get(b, ()):
                for k in keys_of_city.get(c, ()):
                    by_seg.add((k, dst))
                    by_ind.add((k, ind))
    chains: dict[tuple[Any, Any], bool] = {}  # (key, chain) -> whether a base in the key's scope serves it
    for k, seg, chain, ind in zip(segs["key"].tolist(), segs["segment"].tolist(), segs["chain"].tolist(),
                                  segs["industry"].tolist(), strict=True):
        chains[(k, chain)] = chains.get((k, chain), False) or (k, seg) in by_seg or (k, ind) in by_ind
    left = sorted(kc for kc, hit in chains.items() if not hit)
    unserved = pd.DataFrame({"key": [k for k, _ in left], "chain": [c for _, c in left]}, dtype=object)
    return _ChainFindings(segs, ins, lonely, unserved, lonely_counts)


def chain_gap_counts(store: Store, scopes: dict[str, Scope], aligns: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    """How many chain gaps of each type each scope (key → scope) has — what :func:`chain_gaps` would return,
    counted, without building them: the findings of every scope read at once (:func:`_chain_findings`).

    Parameters
    ----------
    store : Store
        The graph.
    scopes : dict of str to Scope
        The scopes by key.
    aligns : dict of str to dict
        Each scope's :func:`~iekg.queries.alignment.alignment` (its ``segments.uncovered``), by key.

    Returns
    -------
    dict of str to dict of str to int
        Per key: ``uncovered_segment``, ``no_cooperation`` and ``no_training_base`` → count.
    """
    found = _chain_findings(store, scopes, counted_only=True)
    if found is None:
        return {k: dict.fromkeys(("uncovered_segment", "no_cooperation", "no_training_base"), 0) for k in scopes}
    chained = set(found.segs["key"])  # (a scope without focus-chain segments has none: its uncovered are none too)
    unserved = found.unserved["key"].value_counts()
    return {k: {"uncovered_segment": len(aligns[k]["segments"]["uncovered"]) if k in chained else 0,
                "no_cooperation": int(found.lonely_counts.get(str(k), 0)), "no_training_base": int(unserved.get(k, 0))}
            for k in scopes}


def _coop_info(left_status: pd.Series, enterprises: int) -> dict[str, Any]:
    """The gaps' ``cooperation`` key: the rule, and the focus-chain enterprises' cooperations it left out."""
    n = cooperation.left_out_counts(left_status)
    phrase = cooperation.left_out_phrase(n)
    return {"rule": cooperation.RULE, "rule_en": cooperation.RULE_EN, **n, "enterprises": int(enterprises),
            "note": (f"重点产业链企业的校企合作中{phrase}不计为合作伙伴；{int(enterprises)} 家企业因此列为无院校合作"
                     f" ({int(enterprises)} enterprise(s) have only ended or not-begun cooperations)") if phrase else None}


def target_gaps(ready: dict[str, Any]) -> list[dict[str, Any]]:
    """The readiness targets not met (by their ``effective_met``: an either/or group once), as gaps.

    Parameters
    ----------
    ready : dict
        A city's :func:`~iekg.queries.readiness.readiness` (its ``items``).

    Returns
    -------
    list of dict
        Gaps of type ``target_shortfall``: magnitude the shortfall, severity shortfall / threshold (at most 1).
    """
    out = []
    seen_groups: set[str] = set()
    for r in ready["items"]:
        if r["kind"] == "condition" or not r["measurable"]:
            continue
        if r["effective_met"] or (r["any_of"] and r["any_of"] in seen_groups):
            continue
        if r["any_of"]:
            seen_groups.add(r["any_of"])
        out.append(_gap("target_shortfall", f"Target:{r['target']}", str(r["name"]), r["shortfall"],
                        min(1.0, r["shortfall"] / r["threshold"]) if r["threshold"] else 1.0,
                        [f"Target:{r['target']}"] + r["evidence"],
                        {"metric": r["metric"], "value": r["value"], "threshold": r["threshold"], "unit": r["unit"],
                         "threshold_basis": r.get("threshold_basis"), "threshold_label": r.get("threshold_label")},
                        f"{r['name']}：现有 {r['value']:g} {r['unit'] or ''}，目标 {r['comparison']} {r['threshold']:g} "
                        f"{r['unit'] or ''}（{'通知目标' if r.get('threshold_basis', 'notice') == 'notice' else r.get('threshold_label')}），差 {r['shortfall']:g} {r['unit'] or ''}"
                        .replace("  ", " ").rstrip(), unit=r["unit"] or ""))
    return out


def gaps(store: Store, scope: Scope, thresholds: Thresholds | None = None, *,
         types: tuple[str, ...] | None = None, with_targets: bool = True, policy: str = NOTICE,
         limit: int | None = None) -> dict[str, Any]:
    """All gaps of a scope, ranked by severity then magnitude (then type and entity, for stable order).

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope (:func:`iekg.queries.scope.resolve_scope`).
    thresholds : Thresholds, optional
        Status thresholds and ranking sizes (default: from the settings).
    types : tuple of str, optional
        Keep only gaps of these types (:data:`GAP_TYPES`).
    with_targets : bool
        Add the readiness target shortfalls (one-city scopes only).
    policy : str
        The policy whose targets are read.
    limit : int, optional
        Give only the first ``limit`` gaps (``total`` and ``counts`` count them all; only the gaps given have
        their evidence labelled — a province has thousands of gaps and a planner reads the first fifty).

    Returns
    -------
    dict
        ``scope``, ``scope_name``, ``year``, ``counts`` (per type), ``total``, ``gaps`` (ranked; each with ``rank``,
        ``priority``, ``minor``, ``people``), ``minor``, ``reason`` (why there is none), ``not_computed``,
        ``ranking``, ``data_coverage``, ``demand_coverage``, ``supply_data``, ``supply_reason`` and
        ``cooperation``.

    Examples
    --------
    >>> gaps(store, resolve_scope(store, city="410200"), types=("shortage",))["gaps"][0]["message"]
    """
    sums = ScopeSums.gather(store, scope)
    # the gaps show none of the alignment's cooperation parts (their own no_cooperation check reads what it needs)
    align = alignment(store, scope, thresholds, sums, cooperation=False)
    info: dict[str, Any] = {}
    names = _Names(store)  # every name the answer shows, each read once
    supply = _SupplyGaps.of(store, align, sums)  # (their evidence added below, to the gaps shown only)
    found = supply.gaps + chain_gaps(store, scope, align, info, limit=limit, names=names)
    # with a limit, the no_cooperation gaps beyond the first `limit` of them are only counted: every one of them
    # ranks below those (the same order: severity, employees, entity), so none is among the first `limit` gaps
    not_built = info.pop("not_built", 0)
    if types and "no_cooperation" not in types:
        not_built = 0
    not_computed = None
    if not align["data_coverage"]["cities"]["with_programs"] or not align.get("supply_data", True):
        # no programs that year (or none with a figure): "no supply" is missing data, not a gap — say so
        skipped = ("unmet_demand", "shortage", "surplus", "uncovered_segment")
        found = [g for g in found if g["type"] not in skipped]
        not_computed = {"types": list(skipped), "reason": align["reason"] or align.get("supply_reason")}
    if with_targets and scope.kind == "city":
        ctx = Context(store, scope.cities[0], align["year"], sums=sums, align=align)
        try:
            # (the targets only: target_gaps reads no condition, so none is measured)
            found += target_gaps(readiness(store, scope.cities[0], align["year"], policy, ctx=ctx, conditions=False))
        except LookupError:
            pass  # the graph holds no targets of that policy: no target gaps to report
    if types:
        found = [g for g in found if g["type"] in types]
    t = thresholds or Thresholds.from_settings()
    for g in found:
        people = g["type"] in PEOPLE_TYPES
        g["people"] = g["magnitude"] if people else None
        g["minor"] = bool(people and g["magnitude"] < t.gap_min_people)
        g["priority"] = round(g["severity"] * (min(1.0, g["magnitude"] / t.gap_full_people)
                                               if people and t.gap_full_people > 0 else 1.0), 10)
        g.setdefault("feeding_majors", None)
        g.setdefault("note", None)
    found.sort(key=lambda g: (g["minor"], -g["priority"], -g["magnitude"], g["type"], g["entity"]))
    for rank, g in enumerate(found, 1):
        g["rank"] = rank
    tally = Counter(g["type"] for g in found)  # (one pass: a province has thousands of gaps)
    tally["no_cooperation"] += not_built
    counts = {ty: tally.get(ty, 0) for ty in GAP_TYPES}
    total, minor = len(found) + not_built, sum(1 for g in found if g["minor"])
    if limit is not None:
        if any(g.get("stub") for g in found[:limit]):  # never (the full ones rank first); if so, build them all
            every = gaps(store, scope, thresholds, types=types, with_targets=with_targets, policy=policy)
            return {**every, "gaps": every["gaps"][:limit]}
        found = found[:limit]
    supply.fill(store, found, names)
    label_evidence(store, found, names)
    reason = None
    if not total:
        cov = align["data_coverage"]
        if align.get("reason"):
            reason = align["reason"]
        elif not align.get("supply_data", True):
            reason = align["supply_reason"]
        elif types:
            reason = f"本范围没有 {'、'.join(types)} 类型的缺口 (no gap of type {', '.join(types)}): 去掉 --type 看全部缺口"
        elif not cov["cities"]["with_demand"]:
            reason = "本范围没有需求数据，无法判断短缺或过剩 (no demand data in scope): 请导入 talent_demand 表"
        else:
            reason = "按当前阈值没有发现缺口 (no gap at the current thresholds)"
    return {"scope": scope.id, "scope_name": scope.name, "year": align["year"], "counts": counts, "total": total,
            "gaps": found, "minor": minor, "reason": reason, "not_computed": not_computed,
            "ranking": {"gap_min_people": t.gap_min_people, "gap_full_people": t.gap_full_people,
                        "label": ASSUMPTION_LABEL,
                        "rule": "supply/demand gaps below gap_min_people are minor and ranked last; others by "
                                "priority = severity × min(1, people / gap_full_people) (other types: severity)"},
            "data_coverage": align["data_coverage"], "demand_coverage": align["demand_coverage"],
            "supply_data": align.get("supply_data", True), "supply_reason": align.get("supply_reason"),
            "cooperation": info["cooperation"]}

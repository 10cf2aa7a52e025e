"""Partner recommendations: institutions for an enterprise, enterprises for an institution, ranked with a
documented score (:class:`PartnerWeights`) and a Chinese explanation.

Candidates come from every city in the graph; only the programs of the majors aligned to the industry
asked about, or of the one institution asked about, are read (:func:`~iekg.queries.supply.program_supply`).
Python loops only run over the handful of rows a caller gets back; ties are broken by id, so two stores
holding the same graph return identical lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import rollup
from iekg.queries import cooperation
from iekg.queries.coverage import data_coverage
from iekg.queries.scope import (
    Scope,
    entity_of,
    id_list,
    located_in,
    names_of,
    py_value,
    records,
    scope_or_all,
)
from iekg.queries.supply import aligned_majors, program_supply
from iekg.queries.who import industry_ids, no_supply_reason


def _provinces(store: Store, cities: Iterable[Any]) -> dict[str, str]:
    """The province of each of ``cities`` (City PART_OF Province)."""
    f = store.rel_frame("PART_OF", src_label="City", dst_label="Province", src_ids=id_list(cities))
    return dict(zip(f["src"], f["dst"], strict=True))


# -------------------------------------------------------------------------------------------- partners
@dataclass(frozen=True)
class PartnerWeights:
    """How a partner recommendation is scored (settings; the four weights sum to 1).

    score = alignment·a + distance·d + capacity·c + existing·e, each component in [0, 1]:

    * a — alignment: the institution's supply into the enterprise's industry (Σ graduates × crosswalk
      weight over its programs, as in ``metrics.md``) divided by the largest such supply among the
      candidates, so the best-aligned candidate has 1;
    * d — distance: ``same_city`` in the same city, ``same_province`` in the same province (City PART_OF
      Province), else 0;
    * c — capacity: for an institution, log(1 + graduates in aligned majors); for an enterprise,
      log(1 + employees); divided by the candidates' largest value;
    * e — existing cooperation: 1 when an ongoing COOPERATES_WITH relationship already joins the two, else 0
      (an ended or not-begun one does not count: iekg.queries.cooperation; it is named in
      ``cooperations_left_out`` and the explanation).
    """

    alignment: float = 0.5
    distance: float = 0.25
    capacity: float = 0.15
    existing: float = 0.10
    same_city: float = 1.0
    same_province: float = 0.5


DEFAULT_PARTNER_WEIGHTS = PartnerWeights()


def _all_scope(store: Store, year: int | None) -> Scope:
    """Every city in the graph as a scope (:func:`scope_or_all`), read once per graph version and year (an
    answer asks for it several times: the candidates, the programs' year, the data coverage)."""
    got: Scope = store.memo(("partners-all-cities", year), lambda: scope_or_all(store, None, year))
    return got


def _all_cities(store: Store) -> tuple[str, ...]:
    """Partner candidates come from every city in the graph (the question spans the province)."""
    return _all_scope(store, None).cities


# Up to this many candidate enterprises are looked up by id; more are read from the cities' end (below).
FEW_CANDIDATES = 2000


def _located_employees(store: Store, ids: pd.Series) -> pd.DataFrame:
    """Where the candidate enterprises ``ids`` are and their employees: columns ``id``, ``city`` (missing for a
    candidate in no city) and ``employees``, one row per candidate (an enterprise has one location; one located in
    two cities is taken in the first by code, on both stores).

    A few candidates are looked up by id. Tens of thousands (an institution with a broad offer: most of the
    enterprises) are read from the cities' end with their employees in one read (``Store.located_nodes``: one round
    trip and 35,000 rows instead of two and 70,000 at scale 100), and those in no city, if any, by id. The same rows
    either way (tests/test_partner_candidates.py)."""
    wanted = ids.drop_duplicates()
    if len(wanted) <= FEW_CANDIDATES:
        links = store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City", src_ids=id_list(wanted))
        loc = _first_city(links.rename(columns={"src": "id", "dst": "city"})[["id", "city"]])
        return store.node_frame("Enterprise", ["employees"], ids=id_list(wanted)).merge(loc, on="id", how="left")[
            ["id", "city", "employees"]]
    got = _first_city(store.located_nodes("Enterprise", _all_cities(store), ["employees"])[["id", "city", "employees"]])
    unplaced = id_list(wanted[~wanted.isin(got["id"])])
    if unplaced:
        rest = store.node_frame("Enterprise", ["employees"], ids=unplaced).assign(city=None)
        got = pd.concat([got, rest[["id", "city", "employees"]]], ignore_index=True)
    return got


def _first_city(links: pd.DataFrame) -> pd.DataFrame:
    """``links`` (``id``, ``city``, …) with one row per id: its first city by code (sorted only when an id repeats)."""
    if links["id"].is_unique:
        return links
    return links.sort_values(["id", "city"], kind="mergesort").drop_duplicates("id").reset_index(drop=True)


def _rollup_each(codes: pd.Series) -> pd.Series:
    """:func:`~iekg.graph.sums.rollup` of ``codes``, worked out once per distinct code (the industries of tens of
    thousands of enterprises are about a hundred codes); the same values and dtype."""
    at, uniques = pd.factorize(codes)  # (a missing code: -1, the last value below — rollup's of a missing one)
    rolled = rollup(pd.Series([*uniques, None], dtype=object))
    return pd.Series(rolled.to_numpy()[at], index=codes.index, dtype=rolled.dtype)


def _distance(own_city: str | None, cities: pd.Series, provinces: dict[str, str], w: PartnerWeights) -> pd.Series:
    """Each candidate's distance component, decided once per distinct city (tens of thousands of candidates sit
    in a few hundred cities); a candidate in no known city is 0."""
    own_prov = provinces.get(own_city) if own_city else None
    codes, uniques = pd.factorize(cities)  # (a missing city: code -1)

    def one(c: Any) -> float:
        if c == own_city:
            return w.same_city
        prov = provinces.get(c)
        return w.same_province if prov is not None and own_prov is not None and prov == own_prov else 0.0

    per_city = np.array([one(c) for c in uniques] + [0.0], dtype=float)
    return pd.Series(per_city[codes], index=cities.index, dtype=float)


def _place(d: float, city_name: str | None, w: PartnerWeights) -> str:
    if d == w.same_city and d > 0:
        return "同城"
    if not city_name:
        return "所在地不详"
    return f"同省（{city_name}）" if d == w.same_province and d > 0 else f"异地（{city_name}）"


def _coop(store: Store, side: str, ident: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The cooperation types joining ``ident`` (an institution when ``side`` is ``src``, else an
    enterprise) to each partner at the other end, from one read: the ongoing ones (iekg.queries.cooperation),
    and the ended and not-begun ones, as 「订单班（已结束）」."""
    if side == "src":
        c = store.rel_frame("COOPERATES_WITH", ["type", "status"], src_label="Institution", src_ids=[ident])
    else:
        c = store.rel_frame("COOPERATES_WITH", ["type", "status"], dst_label="Enterprise", dst_ids=[ident])
    live = cooperation.counted(c["status"])
    other = "dst" if side == "src" else "src"
    got: list[dict[str, list[str]]] = []
    for left_out, part in ((False, c[live]), (True, c[~live])):
        out: dict[str, set[str]] = {}
        for o, t, st in zip(part[other], part["type"], cooperation.classify(part["status"]), strict=True):
            word = str(t) if py_value(t) is not None else "合作"
            out.setdefault(str(o), set()).add(f"{word}（{st}）" if left_out else word)
        got.append({k: sorted(v) for k, v in out.items()})
    return got[0], got[1]


def _score(frame: pd.DataFrame, w: PartnerWeights) -> pd.DataFrame:
    frame["score"] = (w.alignment * frame["alignment"] + w.distance * frame["distance"]
                      + w.capacity * frame["capacity"] + w.existing * frame["existing_score"]).round(6)
    for c in ("alignment", "distance", "capacity", "existing_score"):
        frame[c] = frame[c].round(6)
    return frame


def _first(frame: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """The first ``limit`` of the scored candidates (all when None): score descending, then id.  Only the
    candidates scoring at least the ``limit``-th best score are sorted (the others cannot be among the first,
    whatever their id): tens of thousands of ids are not sorted to show ten."""
    if limit is not None and len(frame) > limit > 0:
        neg = -frame["score"].to_numpy(float)
        kth = np.partition(neg, limit - 1)[limit - 1]  # (NaN scores sort last, as below)
        if not np.isnan(kth):
            frame = frame[neg <= kth]
    frame = frame.sort_values(["score", "id"], ascending=[False, True], kind="mergesort")
    return frame.head(limit) if limit is not None else frame


def _norm(x: pd.Series) -> pd.Series:
    top = float(x.max()) if len(x) else 0.0
    return x / top if top > 0 else x * 0.0


def _majors_list(sr: pd.DataFrame, by: str, names: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Per value of ``by``: the aligned programs, largest contribution first (ties by major code).

    Only called on the rows of the candidates returned, so the loop is bounded by ``limit``."""
    s = sr.sort_values([by, "supply", "major"], ascending=[True, False, True], kind="mergesort")
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records(s[[by, "major", "volume", "weight", "supply", "estimate"]]):
        out.setdefault(r[by], []).append({
            "code": r["major"], "name": names.get(r["major"], r["major"]), "volume": r["volume"],
            "weight": r["weight"], "contribution": r["supply"], "estimate": bool(r["estimate"])})
    return out


def _majors_phrase(majors: list[dict[str, Any]], volume: float, estimate: bool) -> str:
    n = len(majors)
    top = majors[0]["name"] if majors else ""
    more = " 等" if n > 1 else ""
    est = "（部分按招生数估算）" if estimate else ""
    return f"对口专业 {n} 个（{top}{more}），年毕业生约 {round(volume)} 人{est}"


def _ranked(store: Store, f: pd.DataFrame, city: str | None, w: PartnerWeights, alignment: pd.Series,
            capacity: pd.Series, coop: dict[str, list[str]],
            limit: int | None) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """The candidates scored (:class:`PartnerWeights`: ``alignment`` and log(1 + ``capacity``) normalised over
    the candidates, distance from ``city``, an ongoing cooperation in ``coop``) and ranked; their number; the
    first ``limit``."""
    f["alignment"] = _norm(alignment)
    f["distance"] = _distance(city, f["city"], _provinces(store, [city, *f["city"].unique()]), w)
    f["capacity"] = _norm(np.log1p(capacity))
    f["existing_score"] = f["id"].isin(set(coop)).astype(float)
    f = _score(f, w)
    return f, len(f), _first(f, limit)


def _coop_phrases(types: list[str], past: list[str]) -> list[str]:
    """The explanation's words on the cooperations already there, and on those left out."""
    return ([f"已有{'、'.join(types)}合作"] if types else []) + (
        [f"曾有{'、'.join(past)}合作，不计为已有合作"] if past else [])


def _component_dict(r: dict[str, Any]) -> dict[str, float]:
    return {"alignment": r["alignment"], "distance": r["distance"], "capacity": r["capacity"],
            "existing": r["existing_score"]}


def partners_for_enterprise(store: Store, enterprise_id: str, *, limit: int | None = 10, year: int | None = None,
                            weights: PartnerWeights | None = None) -> dict[str, Any]:
    """Institutions that could partner with an enterprise, best first (score, then institution id).

    Candidates are the institutions with supply > 0 into the enterprise's industry (大类); see
    :class:`PartnerWeights` for the score.  Each result: id, name, city, score, ``components``,
    ``existing`` (already cooperating) and the cooperation types, the aligned ``majors``, ``supply``,
    ``volume`` (graduates in aligned majors), ``estimate`` and a Chinese ``explanation``.

    Parameters
    ----------
    store : Store
        The graph.
    enterprise_id : str
        The enterprise (its id or uid).
    limit : int, optional
        At most this many results (None: all).
    year : int, optional
        The programs' year (default: the latest).
    weights : PartnerWeights, optional
        How the score is made (default: :data:`DEFAULT_PARTNER_WEIGHTS`).

    Returns
    -------
    dict
        ``enterprise``, ``industry``, ``year``, ``weights``, ``candidates``, ``results``, ``reason``,
        ``data_coverage``.
    """
    w = weights or DEFAULT_PARTNER_WEIGHTS
    e = entity_of(store, "Enterprise", enterprise_id, "enterprise")
    ind = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", src_ids=[e.id])
    codes = sorted(set(rollup(ind["dst"])))
    own_city = located_in(store, "Enterprise", ids=[e.id])["city"]
    city = str(own_city.iloc[0]) if len(own_city) else None
    ind_names = names_of(store, "Industry", codes[:1])
    # only the programs of the majors aligned to the enterprise's industry are read, from every city
    sr, data_year = program_supply(store, _all_cities(store), year, majors=aligned_majors(store, codes[:1]))
    sr = sr[(sr["industry"] == codes[0]) & (sr["weight"] > 0)] if codes else sr.iloc[:0]
    city_names = names_of(store, "City", [city, *sr["city"].unique()])
    head = {"enterprise": {"id": e.id, "name": e.name, "city": city, "city_name": city_names.get(city or "")},
            "industry": {"code": codes[0], "name": ind_names.get(codes[0], "")} if codes else None,
            "year": py_value(data_year), "weights": asdict(w)}
    if not codes:
        note = "企业未登记所属行业，无法计算对口度 (the enterprise has no industry): 在 enterprises 表补充行业代码"
        return {**head, "candidates": 0, "results": [], "note": note, "reason": note}
    f = sr.groupby("institution", as_index=False).agg(
        city=("city", "first"), supply=("supply", "sum"), volume=("volume", "sum"), estimate=("estimate", "any"))
    f = f[f["supply"] > 0].rename(columns={"institution": "id"})
    f[["supply", "volume"]] = f[["supply", "volume"]].round(9)  # independent of the stores' row order
    coop, past = _coop(store, "dst", e.id)
    f, n, top = _ranked(store, f, city, w, f["supply"], f["volume"], coop, limit)
    top_rows = sr[sr["institution"].isin(set(top["id"]))]
    majors = _majors_list(top_rows, "institution", names_of(store, "Major", top_rows["major"]))
    inst_names = names_of(store, "Institution", top["id"])
    results = []
    for r in records(top):
        types = coop.get(r["id"], [])
        ms = majors.get(r["id"], [])
        parts = [_place(r["distance"], city_names.get(r["city"] or ""), w),
                 _majors_phrase(ms, r["volume"], bool(r["estimate"]))]
        parts += _coop_phrases(types, past.get(r["id"], []))
        results.append({
            "id": r["id"], "uid": f"Institution:{r['id']}", "name": inst_names.get(r["id"], r["id"]),
            "city": r["city"], "city_name": city_names.get(r["city"] or ""), "score": r["score"],
            "components": _component_dict(r), "existing": bool(types), "cooperation_types": types,
            "cooperations_left_out": past.get(r["id"], []),
            "supply": r["supply"], "volume": r["volume"], "estimate": bool(r["estimate"]), "majors": ms,
            "explanation": "；".join(parts)})
    reason = None if n else no_supply_reason(store, codes[:1], "全部城市", py_value(data_year) if data_year is not None
                                               else year, _all_cities(store))
    cov = data_coverage(store, _all_scope(store, year), year)
    return {**head, "candidates": n, "results": results, "reason": reason, "data_coverage": cov}


def partners_for_institution(store: Store, institution_id: str, *, limit: int | None = 10, year: int | None = None,
                             weights: PartnerWeights | None = None) -> dict[str, Any]:
    """Enterprises that could partner with an institution, best first (score, then enterprise id).

    Candidates are the enterprises in an industry (大类) the institution supplies (programs with
    crosswalk weight > 0 and graduates).  The score mirrors :func:`partners_for_enterprise`: alignment =
    the institution's supply share into the enterprise's industry divided by the largest share among the
    candidates; capacity = log(1 + employees) normalised over the candidates (0 when unknown).

    Parameters are those of :func:`partners_for_enterprise`, with ``institution_id`` (an institution's
    学校标识码 or uid) instead of the enterprise.

    Returns
    -------
    dict
        ``institution``, ``year``, ``weights``, ``candidates``, ``results`` (each with the enterprise's
        industry and employees), ``reason``, ``data_coverage``.
    """
    w = weights or DEFAULT_PARTNER_WEIGHTS
    inst = entity_of(store, "Institution", institution_id, "institution")
    # its city: from what is located in every city, which the programs read below read too (once per graph version)
    located_insts = located_in(store, "Institution", cities=_all_cities(store))
    own_city = located_insts.loc[located_insts["id"] == inst.id, "city"]
    city = str(own_city.iloc[0]) if len(own_city) else None
    # the year is the latest of every city's programs; only this institution's programs are read
    sr, data_year = program_supply(store, _all_cities(store), year, institutions=[inst.id])
    sr = sr[(sr["institution"] == inst.id) & (sr["weight"] > 0)]
    total = float(sr["supply"].sum())
    by_ind = sr.groupby("industry", as_index=False).agg(
        supply=("supply", "sum"), volume=("volume", "sum"), estimate=("estimate", "any"))
    by_ind = by_ind[by_ind["supply"] > 0]
    by_ind[["supply", "volume"]] = by_ind[["supply", "volume"]].round(9)  # independent of the stores' row order
    by_ind["share"] = by_ind["supply"] / total if total > 0 else 0.0
    # candidates: the enterprises of every city in those industries (the question spans the province),
    # read through the industries' IN_INDUSTRY relationships
    ent = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", dst_label="Industry",
                          dst_ids=industry_ids(store, by_ind["industry"])).rename(
        columns={"src": "id", "dst": "industry_code"})
    ent["industry"] = _rollup_each(ent["industry_code"])
    f = ent.merge(by_ind, on="industry")
    f = f.merge(_located_employees(store, f["id"]), on="id", how="left")
    f["employees"] = pd.to_numeric(f["employees"], errors="coerce")
    coop, past = _coop(store, "src", inst.id)
    f, n, top = _ranked(store, f, city, w, f["share"], f["employees"].fillna(0.0), coop, limit)
    top_rows = sr[sr["industry"].isin(set(top["industry"]))]
    majors = _majors_list(top_rows, "industry", names_of(store, "Major", top_rows["major"]))
    ent_names = names_of(store, "Enterprise", top["id"])
    city_names = names_of(store, "City", [city, *top["city"]])  # (its own city's name too: one read)
    head = {"institution": {"id": inst.id, "name": inst.name, "city": city, "city_name": city_names.get(city or "")},
            "year": py_value(data_year), "weights": asdict(w)}
    ind_names = names_of(store, "Industry", top["industry"])
    results = []
    for r in records(top):
        types = coop.get(r["id"], [])
        ms = majors.get(r["industry"], [])
        emp = r["employees"]
        parts = [_place(r["distance"], city_names.get(r["city"] or ""), w),
                 f"企业属{ind_names.get(r['industry'], r['industry'])}（{r['industry']}），本校"
                 + _majors_phrase(ms, r["volume"], bool(r["estimate"])),
                 f"企业职工约 {round(emp)} 人" if emp is not None else "企业职工人数不详"]
        parts += _coop_phrases(types, past.get(r["id"], []))
        results.append({
            "id": r["id"], "uid": f"Enterprise:{r['id']}", "name": ent_names.get(r["id"], r["id"]),
            "city": r["city"], "city_name": city_names.get(r["city"] or ""), "industry": r["industry"],
            "industry_code": r["industry_code"], "industry_name": ind_names.get(r["industry"], ""),
            "employees": None if emp is None else int(emp), "score": r["score"],
            "components": _component_dict(r), "existing": bool(types), "cooperation_types": types,
            "cooperations_left_out": past.get(r["id"], []),
            "supply": r["supply"], "share": r["share"], "volume": r["volume"], "estimate": bool(r["estimate"]),
            "majors": ms, "explanation": "；".join(parts)})
    reason = None
    if not n:
        if by_ind.empty:
            own = program_supply(store, _all_cities(store), None, institutions=[inst.id])[0]
            reason = (f"{inst.name} {py_value(data_year)} 年没有开设专业点，或其专业在对照表中没有对应行业 (no program with "
                      f"crosswalk weights in {py_value(data_year)})" + (f"；该校有数据的最近年份为 {int(own['year'].max())} 年"
                                                                    if len(own) else ""))
        else:
            reason = (f"没有企业属于本校专业对应的行业（{'、'.join(by_ind['industry'].astype(str)[:5])}）"
                      "(no enterprise in those industries): 导入 enterprises 表")
    return {**head, "candidates": n, "results": results, "reason": reason,
            "data_coverage": data_coverage(store, _all_scope(store, year), year)}


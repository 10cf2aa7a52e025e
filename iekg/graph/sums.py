"""The sums alignment needs, computed where the data is.

Province-wide questions (a province's alignment, every city's table, coupling, readiness of every
city) would otherwise read every program row of the year out of the store.  These reads return
sums instead: a few thousand numbers where the rows are hundreds of thousands.  :class:`Store` runs the
pandas versions below over its own ``rel_frame`` / ``node_frame`` reads (the reference meaning, for any
store without its own); the embedded SQLite store overrides them with one SQL aggregation each and the Neo4j
store with one parameterised Cypher aggregation each.  ``tests/test_sqlite_store.py`` checks the SQL against
these pandas versions and ``tests/test_parity.py`` SQLite against Neo4j.

The domain rules stay in the queries (durations, crosswalk weights, statuses); a store only counts and
sums what it holds, grouped so that those rules can be applied to the groups afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from iekg._lazy import lazy

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy("numpy")
    pd = lazy("pandas")


class FrameReader(Protocol):
    """What the pandas versions read: the two frame reads of :class:`iekg.graph.store.Store` (a protocol,
    so that this module needs nothing from ``store``, whose default aggregations call these)."""

    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame: ...

    def node_frame(self, label: str, props: Iterable[str] = (), *,
                   ids: Iterable[str] | None = None) -> pd.DataFrame: ...

# OFFERS summed per (city, major, major level, institution level): the levels decide a program's duration,
# so the queries can turn enrolment into estimated graduates per group.  Rates are employment_rate.
OFFER_SUM_COLUMNS = (
    "programs",                  # relationships
    "graduates",                 # Σ graduates (where given)
    "with_graduates",            # count with graduates
    "positive_graduates",        # count with graduates > 0
    "enrollment_only",           # Σ enrollment where graduates are missing
    "enrollment_only_n",         # count with enrollment but no graduates
    "enrollment_only_positive",  # … of which enrollment > 0
    "rated_graduates",           # Σ graduates where a rate is given too
    "rate_graduates",            # Σ rate × graduates
    "rated_positive",            # count with a rate and graduates > 0
    "rated_enrollment",          # Σ enrollment where graduates are missing and a rate is given
    "rate_enrollment",           # Σ rate × enrollment, same rows
    "leading",                   # count marked leading (省级领先)
    "leading_known",             # count with the leading column filled in
)
OFFER_KEYS = ("city", "major", "major_level", "inst_level")
DEMAND_SUM_COLUMNS = ("city", "target_label", "target", "headcount", "rows")
OFFER_YEAR_COUNT_COLUMNS = ("year", "programs", "institutions")
# per industry: enterprises; of them, those with a counted aligned cooperation (``cooperating``) and those whose
# aligned cooperations all have a left-out status (``left_out_enterprises``); the aligned cooperations (relationships)
# counted without a status (``unstated``).  The left-out statuses are the queries' rule (iekg.queries.cooperation).
COOPERATION_COLUMNS = ("industry", "enterprises", "cooperating", "left_out_enterprises", "unstated")
COOPERATION_LIST_COLUMNS = ("industry", "institution", "enterprise", "type", "status", "since")
TOP_OFFER_COLUMNS = ("key", "institution", "major", "year", "supply")
CANDIDATE_COLUMNS = ("institution", "major", "year", "volume")
# The first programs kept with the data for top_offers (each city × year × major's first KEPT_TOP by volume and
# by institution, iekg.graph.sqlite_derived.sum_top and neo4j_sums' IekgTopSum): volumes with these durations
# (the years of study by level: iekg.queries.supply.DURATION is this table; a call with other durations, or a
# limit above KEPT_TOP, reads the programs)
KEPT_DURATIONS = {"高职专科": 3, "中职": 3, "本科": 4, "职业本科": 4}
KEPT_TOP = 20


def kept_top_fits(durations: Mapping[str, float], limit: int) -> bool:
    """Whether the kept first programs answer a ``top_offers`` of these durations and limit."""
    return 0 < int(limit) <= KEPT_TOP and {str(k): float(v) for k, v in durations.items()} == {
        k: float(v) for k, v in KEPT_DURATIONS.items()}
ROLLUP_PATTERN = "[0-9]{3,4}"  # GB/T 4754 中类 / 小类 codes, rolled up to their first two digits
_ROLLUP_RE = re.compile(ROLLUP_PATTERN)


def rollup(codes: pd.Series) -> pd.Series:
    """GB/T 4754 codes of 3 or 4 digits roll up to their 2-digit 大类; 门类 letters stay as they are.

    Worked out once per distinct code and spread back (pandas matches the pattern in Python, value by value:
    the crosswalk's 5,400 weights hold 87 codes); each value rolls up alone, so the result is the same."""
    codes = codes.astype(str)
    at, uniques = pd.factorize(codes)  # (a missing value: -1, the missing one appended last below)
    # the few distinct codes matched in plain Python (the pattern is ASCII digits only): the pandas string
    # methods cost ~0.4 ms a call whatever the size, and an answer rolls up several small columns
    rolled = [u[:2] if _ROLLUP_RE.fullmatch(u) else u for u in uniques.tolist()]
    if (at < 0).any():
        rolled.append(None)
    return pd.Series(np.array(rolled, dtype=object)[at], index=codes.index, name=codes.name, dtype=codes.dtype)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float)


def _offers(store: FrameReader, cities: Sequence[str], year: int | None, props: Sequence[str],
            majors: Iterable[str] | None = None) -> pd.DataFrame:
    """The ``year``'s OFFERS rows of the institutions located in ``cities`` (to ``majors`` only, when given):
    institution, major, city, the requested properties, major_level and inst_level (what the pandas
    aggregations below start from)."""
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(cities)).rename(
        columns={"src": "institution", "dst": "city"})
    insts = sorted(loc["institution"].unique())
    o = store.rel_frame("OFFERS", list(props), src_label="Institution", dst_label="Major", src_ids=insts,
                        dst_ids=None if majors is None else sorted(set(majors)), where={"year": year}).rename(
        columns={"src": "institution", "dst": "major"})
    o = o.merge(loc, on="institution")
    ml = store.node_frame("Major", ["level"], ids=o["major"].unique()).rename(columns={"id": "major", "level": "major_level"})
    il = store.node_frame("Institution", ["level"], ids=insts).rename(columns={"id": "institution", "level": "inst_level"})
    return o.merge(ml, on="major", how="left").merge(il, on="institution", how="left")


def demand_rows(store: FrameReader, cities: Sequence[str], year: int | None, props: Sequence[str]) -> pd.DataFrame:
    """The ``year``'s DEMANDS rows (from a City or an Enterprise to an Industry or a Major) whose
    ``city_code`` is in ``cities``: src, target, the requested properties (``headcount`` as a float),
    src_label and target_label."""
    parts = []
    for target_label in ("Industry", "Major"):
        for src_label in ("City", "Enterprise"):
            f = store.rel_frame("DEMANDS", list(props), src_label=src_label, dst_label=target_label,
                                where={"year": year, "city_code": list(cities)})
            parts.append(f.assign(src_label=src_label, target_label=target_label))
    d = pd.concat(parts, ignore_index=True).rename(columns={"dst": "target"})
    d["headcount"] = pd.to_numeric(d["headcount"]).astype(float)
    return d


OFFER_PROPS = ("graduates", "enrollment", "employment_rate", "leading")


def program_parts(o: pd.DataFrame) -> pd.DataFrame:
    """What each program row (``_offers``' columns: the OFFER_KEYS and :data:`OFFER_PROPS`) adds to the offer
    sums: one row per program with the keys and every :data:`OFFER_SUM_COLUMNS`.  The offer sums are these,
    summed by key; a what-if scenario adds and subtracts them (iekg.plan.scenario)."""
    g, e, rt = _num(o["graduates"]), _num(o["enrollment"]), _num(o["employment_rate"])
    has_g, est = g.notna(), g.isna() & e.notna()
    rated = rt.notna()
    lead = o["leading"]
    parts = pd.DataFrame({
        "programs": 1,
        "graduates": g.fillna(0.0),
        "with_graduates": has_g.astype(int),
        "positive_graduates": (g > 0).astype(int),
        "enrollment_only": e.where(est, 0.0),
        "enrollment_only_n": est.astype(int),
        "enrollment_only_positive": (est & (e > 0)).astype(int),
        "rated_graduates": g.where(has_g & rated, 0.0),
        "rate_graduates": (rt * g).where(has_g & rated, 0.0),
        "rated_positive": (rated & (g > 0)).astype(int),
        "rated_enrollment": e.where(est & rated, 0.0),
        "rate_enrollment": (rt * e).where(est & rated, 0.0),
        "leading": lead.astype(object).eq(True).astype(int),  # a bool property (the schema's type)
        "leading_known": lead.notna().astype(int),
    }, index=o.index)
    for k in OFFER_KEYS:
        parts[k] = o[k].astype(object).where(o[k].notna(), None)
    return parts[[*OFFER_KEYS, *OFFER_SUM_COLUMNS]]


def sum_parts(parts: pd.DataFrame) -> pd.DataFrame:
    """Program parts summed by key: the offer sums' shape."""
    out = parts.groupby(list(OFFER_KEYS), dropna=False, sort=True).sum().reset_index()
    return out[[*OFFER_KEYS, *OFFER_SUM_COLUMNS]]


def offer_sums(store: FrameReader, cities: Sequence[str], year: int | None,
               majors: Iterable[str] | None = None) -> pd.DataFrame:
    """Pandas version of :meth:`Store.offer_sums`."""
    return sum_parts(program_parts(_offers(store, cities, year, list(OFFER_PROPS), majors)))


def offer_years(store: FrameReader, cities: Sequence[str]) -> pd.Series:
    """Pandas version of :meth:`Store.offer_years`."""
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(cities))
    o = store.rel_frame("OFFERS", ["year"], src_label="Institution", dst_label="Major", src_ids=loc["src"])
    o = o.merge(loc[["src"]], on="src")  # an institution in two cities counts twice, as in offer_sums
    years = pd.to_numeric(o["year"], errors="coerce").dropna()  # the schema's years are integers
    counts = years[years == years.round()].astype("int64").value_counts().sort_index()
    return pd.Series(counts.to_numpy(), index=pd.Index(counts.index, name="year"), name="programs", dtype="int64")


def offer_year_counts(store: FrameReader, cities: Sequence[str], years: Iterable[int] | None = None) -> pd.DataFrame:
    """Pandas version of :meth:`Store.offer_year_counts`."""
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(cities))
    wanted = None if years is None else sorted({int(y) for y in years})
    where = None if wanted is None else {"year": wanted}
    o = store.rel_frame("OFFERS", ["year"], src_label="Institution", dst_label="Major", src_ids=loc["src"], where=where)
    o = o.merge(loc[["src"]], on="src")  # an institution in two cities: its programs twice, as in offer_sums
    y = pd.to_numeric(o["year"], errors="coerce")
    o = o[y.notna() & (y == y.round())].assign(year=lambda f: pd.to_numeric(f["year"]).astype("int64"))
    g = o.groupby("year", sort=True)
    out = pd.DataFrame({"programs": g.size(), "institutions": g["src"].nunique()}).reset_index()
    if out.empty:
        out = pd.DataFrame({c: pd.Series(dtype="int64") for c in OFFER_YEAR_COUNT_COLUMNS})
    return out[list(OFFER_YEAR_COUNT_COLUMNS)].astype("int64")


def located_sums(store: FrameReader, label: str, cities: Sequence[str], props: Sequence[str] = ()) -> pd.DataFrame:
    """Pandas version of :meth:`Store.located_sums`."""
    loc = store.rel_frame("LOCATED_IN", src_label=label, dst_label="City", dst_ids=list(cities)).rename(
        columns={"src": "id", "dst": "city"})
    nodes = store.node_frame(label, list(props), ids=loc["id"].unique())
    f = loc.merge(nodes, on="id", how="left")
    out = pd.DataFrame({"nodes": f.groupby("city").size()})
    for p in props:
        v = f[p]
        num = v.map(lambda x: float(x) if isinstance(x, (int, float, np.integer, np.floating))
                    and not isinstance(x, bool) else np.nan)
        out[f"{p}_sum"] = num.groupby(f["city"]).sum()
        out[f"{p}_n"] = v.notna().groupby(f["city"]).sum()
    out.index.name = "city"
    return out.reset_index().sort_values("city").reset_index(drop=True)


def demand_sums(store: FrameReader, cities: Sequence[str], year: int | None) -> pd.DataFrame:
    """Pandas version of :meth:`Store.demand_sums`."""
    d = demand_rows(store, cities, year, ["headcount", "city_code"]).rename(columns={"city_code": "city"})
    d["rows"] = 1
    out = d.groupby(["city", "target_label", "target"], sort=True)[["headcount", "rows"]].sum().reset_index()
    return out[list(DEMAND_SUM_COLUMNS)]


class CrosswalkAligned(dict[str, list[str]]):
    """``aligned`` (industry → majors) that is the crosswalk's own for the scope: every major the scope's
    institutions offer in the year with crosswalk weight > 0 into the industry (``ScopeSums.aligned``).  A store
    that keeps the aligned cooperations with the data (the embedded store's ``sum_coops``,
    :mod:`iekg.graph.sqlite_derived`) answers ``cooperation_counts`` and ``cooperation_list`` from them when
    given one of these; any other mapping is applied as given."""


def _aligned_cooperations(store: FrameReader, cities: Sequence[str], year: int | None,
                          aligned: Mapping[str, Sequence[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The enterprises located in ``cities`` (enterprise, industry rolled up) and their aligned cooperations:
    one row per COOPERATES_WITH relationship from an institution located in ``cities`` that offers in
    ``year`` a major of ``aligned[industry]`` (industry, institution, enterprise, type, status, since)."""
    loc = store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City", dst_ids=list(cities)).rename(
        columns={"src": "enterprise", "dst": "city"})
    ents_ids = sorted(loc["enterprise"].unique())
    ind = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", src_ids=ents_ids).rename(
        columns={"src": "enterprise", "dst": "industry"})
    ents = loc[["enterprise"]].drop_duplicates().merge(ind, on="enterprise")
    ents["industry"] = rollup(ents["industry"])
    ents = ents.drop_duplicates()
    coop = store.rel_frame("COOPERATES_WITH", ["type", "status", "since"], dst_label="Enterprise",
                           dst_ids=ents_ids).rename(columns={"src": "institution", "dst": "enterprise"})
    coop["_type"] = coop["type"].astype(object).where(coop["type"].notna(), None)
    coop = coop.drop_duplicates(["institution", "enterprise", "_type"]).drop(columns="_type")  # one per relationship
    here = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(cities))["src"]
    coop = coop[coop["institution"].isin(here.unique())]
    offers = store.rel_frame("OFFERS", src_label="Institution", dst_label="Major",
                             src_ids=sorted(coop["institution"].unique()), where={"year": year}).rename(
        columns={"src": "institution", "dst": "major"})[["institution", "major"]].drop_duplicates()
    pairs = pd.DataFrame([(i, m) for i, ms in aligned.items() for m in ms], columns=["industry", "major"],
                         dtype=object)
    # the industries each institution serves first (programs × aligned majors), then one join on both keys:
    # joining every cooperation to every program of its institution was the slow part at province scale
    serves = offers.merge(pairs, on="major")[["institution", "industry"]].drop_duplicates()
    hits = coop.merge(ents, on="enterprise").merge(serves, on=["institution", "industry"])
    return ents, hits[list(COOPERATION_LIST_COLUMNS)]


def aligned_cooperations(store: FrameReader, cities: Sequence[str], year: int | None,
                         aligned: Mapping[str, Sequence[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`_aligned_cooperations`, read once per graph version when the store memoises (the counts and
    the list of left-out cooperations of one answer share it: a province's cooperations are read once)."""
    memo = getattr(store, "memo", None)
    if memo is None:
        return _aligned_cooperations(store, cities, year, aligned)
    key = ("aligned-cooperations", tuple(sorted(cities)), year,
           tuple(sorted((str(k), tuple(v)) for k, v in aligned.items())))
    out: tuple[pd.DataFrame, pd.DataFrame] = memo(key, lambda: _aligned_cooperations(store, cities, year, aligned))
    return out


def cooperation_counts(store: FrameReader, cities: Sequence[str], year: int | None,
                       aligned: Mapping[str, Sequence[str]], inactive: Sequence[str] = ()) -> pd.DataFrame:
    """Pandas version of :meth:`Store.cooperation_counts`."""
    ents, hits = aligned_cooperations(store, cities, year, aligned)
    status = hits["status"].astype(object)
    left = status.isin(list(inactive))
    total = ents.groupby("industry")["enterprise"].nunique()
    cooperating = hits[~left].groupby("industry")["enterprise"].nunique()
    some_left = hits[left][["industry", "enterprise"]].drop_duplicates()
    some_counted = hits[~left][["industry", "enterprise"]].drop_duplicates().assign(_c=True)
    both = some_left.merge(some_counted, on=["industry", "enterprise"], how="left")
    only_left = both[both["_c"].isna()].groupby("industry")["enterprise"].nunique()
    unstated = (status.isna() & ~left).groupby(hits["industry"]).sum()
    out = pd.DataFrame({"enterprises": total, "cooperating": cooperating, "left_out_enterprises": only_left,
                        "unstated": unstated}).reindex(total.index).fillna(0).astype(int)
    out.index.name = "industry"
    return out.reset_index().sort_values("industry").reset_index(drop=True)[list(COOPERATION_COLUMNS)]


def cooperation_list(store: FrameReader, cities: Sequence[str], year: int | None,
                     aligned: Mapping[str, Sequence[str]], statuses: Sequence[str]) -> pd.DataFrame:
    """Pandas version of :meth:`Store.cooperation_list`."""
    _, hits = aligned_cooperations(store, cities, year, aligned)
    hits = hits[hits["status"].astype(object).isin(list(statuses))].copy()
    hits["_type"] = hits["type"].astype(object).where(hits["type"].notna(), "")
    hits = hits.sort_values(["industry", "enterprise", "institution", "_type"], kind="mergesort")
    return hits[list(COOPERATION_LIST_COLUMNS)].reset_index(drop=True)


def top_offers(store: FrameReader, cities: Sequence[str], year: int | None,
               weights: Mapping[str, Sequence[tuple[str, float]]], durations: Mapping[str, float],
               limit: int) -> pd.DataFrame:
    """Pandas version of :meth:`Store.top_offers`."""
    pairs = pd.DataFrame([(k, m, float(w)) for k, ps in weights.items() for m, w in ps],
                         columns=["key", "major", "weight"], dtype=object)
    o = _offers(store, cities, year, ["year", "graduates", "enrollment"], pairs["major"].unique())
    duration = o["major_level"].where(o["major_level"].notna(), o["inst_level"]).map(dict(durations)).astype(float)
    g, e = _num(o["graduates"]), _num(o["enrollment"])
    # the volume rule (its home: iekg.queries.supply.volume; SQL iekg.graph.sqlite_sql.VOLUME, Cypher
    # iekg.graph.cypher.VOLUME): graduates, else enrollment / the level's duration, else 0
    o["volume"] = np.where(g.notna(), g, np.where(e.notna() & duration.notna(), e / duration, 0.0))
    rows = o.merge(pairs, on="major")
    rows["supply"] = rows["volume"].astype(float) * rows["weight"].astype(float)
    rows = rows.sort_values(["key", "supply", "institution", "major"], ascending=[True, False, True, True],
                            kind="mergesort")
    return rows.groupby("key", sort=True).head(limit)[list(TOP_OFFER_COLUMNS)].reset_index(drop=True)


def rank_candidates(candidates: pd.DataFrame, pairs: Sequence[tuple[str, str, float]], limit: int) -> pd.DataFrame:
    """:meth:`Store.top_offers` from a store's candidate programs (institution, major, year, volume: at least the
    first ``limit`` of each major by volume, and by institution where a weight is 0): each key's programs of
    its majors, supply = volume × weight, the first ``limit`` by supply, then institution, then major."""
    # in arrays (a province: 5,000 pairs × 30,000 candidates → 90,000 rows; a frame merge and a sort on the
    # text columns took 0.4 s): each pair's candidates by index, the order of the pandas version
    # (key, supply descending, institution, major) by np.lexsort over the columns' sorted codes; rows equal in
    # all four are the same program's columns, so their order does not show
    if not len(pairs) or candidates.empty:
        return pd.DataFrame(columns=list(TOP_OFFER_COLUMNS))
    # codes in the values' sorted order (pd.factorize(sort=True): a hash, then a sort of the distinct values only)
    m_code, majors = pd.factorize(candidates["major"].to_numpy(dtype=object), sort=True)
    i_code, insts = pd.factorize(candidates["institution"].to_numpy(dtype=object), sort=True)
    order = np.argsort(m_code, kind="stable")  # the candidates grouped by major
    count = np.bincount(m_code, minlength=len(majors))
    start = np.cumsum(count) - count
    p_key = np.array([k for k, _, _ in pairs], dtype=object)
    k_code, _ = pd.factorize(p_key, sort=True)
    at = pd.Index(majors).get_indexer(np.array([m for _, m, _ in pairs], dtype=object))
    p_weight = np.array([w for _, _, w in pairs], dtype=float)
    n = np.where(at >= 0, count[at], 0)
    pair_of = np.repeat(np.arange(len(pairs)), n)
    within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    rows = order[np.repeat(np.where(at >= 0, start[at], 0), n) + within]
    supply = candidates["volume"].to_numpy(dtype=float)[rows] * p_weight[pair_of]
    key = k_code[pair_of]
    # only the rows that can be among their key's first `limit` are sorted (the sort of every row was most of the
    # time: a city's 38,000 rows, 1,240 kept): a row below the key's `limit`-th largest pair maximum — `limit`
    # distinct rows at least that large — never is (NaN kept: compared as the sort below places it)
    if len(supply):
        nz = n > 0
        pmax = np.maximum.reduceat(supply, (np.cumsum(n) - n)[nz])
        pkey = k_code[nz]
        po = np.lexsort((-pmax, pkey))
        pk = pkey[po]
        p_first = np.r_[True, pk[1:] != pk[:-1]]
        p_rank = np.arange(len(pk)) - np.maximum.accumulate(np.where(p_first, np.arange(len(pk)), 0))
        bound = np.full(int(k_code.max()) + 1, -np.inf)
        at_limit = p_rank == limit - 1
        bound[pk[at_limit]] = pmax[po][at_limit]
        cand = np.flatnonzero(~(supply < bound[key]))
        rows, supply, key, pair_of = rows[cand], supply[cand], key[cand], pair_of[cand]
    sort = np.lexsort((m_code[rows], i_code[rows], -supply, key))
    key_s = key[sort]
    first = np.r_[True, key_s[1:] != key_s[:-1]] if len(key_s) else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(key_s)), 0)) if len(key_s) else key_s
    keep = sort[(np.arange(len(key_s)) - group_start) < limit]
    return pd.DataFrame({"key": p_key[pair_of[keep]], "institution": np.asarray(insts, dtype=object)[i_code[rows[keep]]],
                         "major": np.asarray(majors, dtype=object)[m_code[rows[keep]]],
                         "year": candidates["year"].to_numpy()[rows[keep]],
                         "supply": supply[keep]})[list(TOP_OFFER_COLUMNS)].reset_index(drop=True)

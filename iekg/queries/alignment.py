"""Chain alignment (产教链条匹配度) exactly as ``metrics.md`` defines it, against the Store interface.

Everything is computed on whole tables (pandas merges and group-bys), never node by node:
``ScopeData`` gathers the scope's programs, crosswalk weights and demand once; ``alignment`` turns
them into per-industry supply, demand, ratio, status, structural deviation and cooperation density,
and per-scope S, D, SAI and chain coverage.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.store import Store, id_values
from iekg.graph.sums import demand_rows, rollup
from iekg.queries.cooperation import CooperationSummary, counted, inactive_words

DURATION = {"高职专科": 3, "中职": 3, "本科": 4, "职业本科": 4}


# Every threshold that is not in the notice is ours, and is shown with these words wherever it appears.
ASSUMPTION_LABEL = "参考值（本工具假设，可在设置中修改）"
ASSUMPTION_LABEL_EN = "reference value (our assumption, adjustable in settings)"
NO_DATA = "无数据"
NO_DATA_EN = "no data"


@dataclass(frozen=True)
class Thresholds:
    """Status thresholds of metrics.md and the gap ranking's sizes — all our assumptions (settings
    ``IEKG_SHORTAGE_BELOW``, ``IEKG_SURPLUS_ABOVE``, ``IEKG_GAP_MIN_PEOPLE``, ``IEKG_GAP_FULL_PEOPLE``):
    shortage below, surplus above; a supply/demand gap of fewer than ``gap_min_people`` people is
    "minor" and ranked after the others; a gap of ``gap_full_people`` or more counts at full weight."""

    shortage_below: float = 0.8
    surplus_above: float = 1.25
    gap_min_people: float = 50.0
    gap_full_people: float = 500.0

    @classmethod
    def from_settings(cls, settings: Any = None) -> Thresholds:
        if settings is None:
            from iekg.settings import Settings

            settings = Settings()
        return cls(settings.shortage_below, settings.surplus_above, settings.gap_min_people,
                   settings.gap_full_people)

    def as_dict(self) -> dict[str, float]:
        return {"shortage_below": self.shortage_below, "surplus_above": self.surplus_above}


@dataclass(frozen=True)
class Scope:
    cities: tuple[str, ...]
    year: int | None = None
    chain: str | None = None
    name: str = ""
    kind: str = "city"  # city | cities | province

    @property
    def id(self) -> str:
        if self.kind == "province" or len(self.cities) != 1:
            return self.name or ",".join(self.cities)
        return self.cities[0]


def resolve_scope(store: Store, *, city: str | None = None, cities: Sequence[str] | None = None,
                  province: str | None = None, year: int | None = None, chain: str | None = None) -> Scope:
    """Build a scope from a city, several cities, or a province (all its cities)."""
    if province is not None:
        part = store.rel_frame("PART_OF", src_label="City", dst_label="Province")
        members = tuple(sorted(part.loc[part["dst"] == province, "src"]))
        if not members:
            raise LookupError(f"province {province} has no cities in the graph")
        p = store.get(f"Province:{province}")
        return Scope(members, year, chain, p.name if p else province, "province")
    codes = tuple(cities or ([city] if city else []))
    if not codes:
        raise ValueError("give a city, cities or a province")
    missing = [c for c in codes if store.get(f"City:{c}") is None]
    if missing:
        raise LookupError(f"city {missing[0]} is not in the graph")
    names = [store.get(f"City:{c}").name for c in codes]  # type: ignore[union-attr]
    return Scope(codes, year, chain, "、".join(names), "city" if len(codes) == 1 else "cities")


# ------------------------------------------------------------------------------------ the inputs
@dataclass
class Weights:
    """Crosswalk weights per major (its own when it has them, else its category's)."""

    frame: pd.DataFrame  # major, industry (rolled up), weight, via (major|category), category

    @classmethod
    def load(cls, store: Store, majors: Iterable[str] | None = None) -> Weights:
        """The weights of ``majors`` (all majors when None), read with the filters pushed to the store."""
        wanted = None if majors is None else sorted(set(majors))
        sub = store.rel_frame("SUBCLASS_OF", src_label="Major", dst_label="MajorCategory", src_ids=wanted).rename(
            columns={"src": "major", "dst": "category"})
        cats = None if wanted is None else sorted(sub["category"].unique())
        aw = store.rel_frame("ALIGNS_WITH", ["weight"], src_label="MajorCategory", src_ids=cats)
        own = store.rel_frame("ALIGNS_WITH", ["weight"], src_label="Major", src_ids=wanted).rename(
            columns={"src": "major", "dst": "industry"})
        cat = aw.merge(sub, left_on="src", right_on="category").rename(columns={"dst": "industry"})
        cat = cat[~cat["major"].isin(own["major"].unique())]
        own = own.merge(sub, on="major", how="left")
        frame = pd.concat([own.assign(via="major"), cat.assign(via="category")], ignore_index=True)
        frame = frame[["major", "industry", "weight", "via", "category"]]
        frame["industry"] = rollup(frame["industry"])
        frame["weight"] = frame["weight"].astype(float)
        summed = frame.groupby(["major", "industry", "via", "category"], dropna=False)["weight"].sum().reset_index()
        return cls(summed)

    @classmethod
    def of(cls, store: Store, majors: Iterable[str]) -> Weights:
        """:meth:`load` of ``majors``, cut from every major's weights read once per graph version (a major's
        weights do not depend on the others: ``readiness --all`` reads them once, not once per city)."""
        every: Weights = store.memo(("weights-all",), lambda: cls.load(store))
        f = every.frame
        return cls(f[f["major"].isin(sorted(set(majors)))].reset_index(drop=True))


DEMAND_PROPS = ["year", "headcount", "city_code", "education_level", "major_code"]


def latest_year(store: Store, cities: Sequence[str]) -> int | None:
    """The latest OFFERS year of the institutions located in ``cities`` (:func:`program_years`)."""
    years = program_years(store, cities)
    return years[-1] if years else None


def program_years(store: Store, cities: Sequence[str]) -> list[int]:
    """The OFFERS years of the institutions located in ``cities`` (``Store.offer_year_list``), memoised until
    the next write: the latest year and the data coverage both need them."""
    key = tuple(sorted(set(cities)))
    out: list[int] = store.memo(("offer-years", key), lambda: store.offer_year_list(list(key)))
    return out


def scope_programs(store: Store, cities: Sequence[str], year: int | None, extra: Sequence[str] = (), *,
                   majors: Iterable[str] | None = None,
                   institutions: Iterable[str] | None = None) -> tuple[pd.DataFrame, int | None]:
    """The programs of the scope's institutions in ``year`` (default: the latest year they have), with
    their city and volume = graduates, or enrollment / duration (3 for 高职专科 and 中职, 4 for 本科 and
    职业本科) flagged ``estimate`` when graduates are missing.  Every read is filtered by the store.

    ``majors`` / ``institutions`` keep only the programs of those majors / institutions (the default
    year is still the latest of the whole scope): questions about one industry or one institution read
    those rows only."""
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=cities).rename(
        columns={"src": "institution", "dst": "city"})
    if year is None:
        year = latest_year(store, cities)
    if institutions is not None:
        loc = loc[loc["institution"].isin(id_values(institutions))]
    insts = sorted(loc["institution"].unique())
    offers = store.rel_frame("OFFERS", ["year", "graduates", "enrollment", *extra], src_label="Institution",
                             dst_label="Major", src_ids=insts, dst_ids=None if majors is None else sorted(set(majors)),
                             where={"year": year}).rename(
        columns={"src": "institution", "dst": "major"})
    offers = offers.merge(loc, on="institution")
    major_levels = store.node_frame("Major", ["level"], ids=offers["major"].unique()).rename(
        columns={"id": "major", "level": "major_level"})
    levels = store.node_frame("Institution", ["level"], ids=offers["institution"].unique()).rename(
        columns={"id": "institution", "level": "inst_level"})
    offers = offers.merge(major_levels, on="major", how="left").merge(levels, on="institution", how="left")
    duration = offers["major_level"].fillna(offers["inst_level"]).map(DURATION).astype(float)
    grads = pd.to_numeric(offers["graduates"], errors="coerce")
    enrol = pd.to_numeric(offers["enrollment"], errors="coerce")
    estimate = grads.isna() & enrol.notna() & duration.notna()
    offers["volume"] = np.where(grads.notna(), grads, np.where(estimate, enrol / duration, 0.0))
    offers["estimate"] = estimate.to_numpy()
    cols = ["institution", "major", "city", "year", "graduates", "enrollment", "volume", "estimate", *extra]
    return offers[cols].sort_values(["city", "institution", "major"]).reset_index(drop=True), year


def scope_demand(store: Store, cities: Sequence[str], year: int | None) -> pd.DataFrame:
    """DEMANDS rows of the year whose city_code is in scope (from cities or their enterprises)."""
    return demand_rows(store, cities, year, DEMAND_PROPS)


def aligned_majors(store: Store, industries: Iterable[str]) -> list[str]:
    """The majors with crosswalk weight > 0 into any of ``industries`` (大类 codes), from every major's
    weights (memoised until the next write)."""
    w = store.memo(("weights-all",), lambda: Weights.load(store)).frame
    return sorted(w.loc[w["industry"].isin(list(industries)) & (w["weight"] > 0), "major"].unique())


def program_supply(store: Store, cities: Sequence[str], year: int | None, *, majors: Iterable[str] | None = None,
                   institutions: Iterable[str] | None = None) -> tuple[pd.DataFrame, int | None]:
    """:func:`scope_programs` (only the given majors' or institutions' programs when given) joined to their
    crosswalk weights: one row per program × industry with ``industry``, ``weight`` and ``supply`` =
    volume × weight, as in :attr:`ScopeData.supply_rows`.  Memoised until the next write."""
    mj = None if majors is None else tuple(sorted(set(majors)))
    ins = None if institutions is None else tuple(sorted(set(institutions)))

    def compute() -> tuple[pd.DataFrame, int | None]:
        programs, y = scope_programs(store, cities, year, majors=mj, institutions=ins)
        w = Weights.load(store, programs["major"].unique()).frame[["major", "industry", "weight"]]
        rows = programs.merge(w, on="major")
        rows["supply"] = rows["volume"] * rows["weight"]
        return rows, y

    out: tuple[pd.DataFrame, int | None] = store.memo(("program-supply", tuple(sorted(cities)), year, mj, ins), compute)
    return out


def join_demand(dem: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """Demand rows (:func:`scope_demand`) per industry: an industry target rolled up with weight 1, a
    major's spread over its crosswalk weights (no industry when it has none); ``demand`` = headcount × weight."""
    w = weights.frame[["major", "industry", "weight"]]
    by_ind = dem[dem["target_label"] == "Industry"].assign(industry=lambda x: rollup(x["target"]), weight=1.0)
    by_major = dem[dem["target_label"] == "Major"].merge(w, left_on="target", right_on="major", how="left")
    out = pd.concat([by_ind, by_major.drop(columns=["major"])], ignore_index=True)
    out["demand"] = out["headcount"] * out["weight"]
    return out


@dataclass
class ScopeData:
    """The scope's programs (with volume), demand rows and the weights joining them to industries."""

    scope: Scope
    year: int | None
    programs: pd.DataFrame  # institution, major, city, year, graduates, enrollment, volume, estimate
    weights: Weights
    supply_rows: pd.DataFrame  # … + industry, weight, supply
    demand_rows: pd.DataFrame  # src, src_label, target, target_label, industry, weight, headcount, demand
    unmapped: pd.DataFrame  # programs with volume but no crosswalk weights
    industry_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def gather(cls, store: Store, scope: Scope) -> ScopeData:
        """Read the scope's facts (memoised per scope and year until the store's next write)."""
        key = ("scope-data", tuple(sorted(scope.cities)), scope.year)
        data: ScopeData = store.memo(key, lambda: cls._gather(store, scope))
        # same cities and year, another name or chain: share the rows
        return data if data.scope == scope else replace(data, scope=scope)

    @classmethod
    def _gather(cls, store: Store, scope: Scope) -> ScopeData:
        cities = sorted(scope.cities)
        programs, year = scope_programs(store, cities, scope.year)
        dem = scope_demand(store, cities, year)
        majors = set(programs["major"].unique()) | set(dem.loc[dem["target_label"] == "Major", "target"].unique())
        weights = Weights.of(store, majors)
        w = weights.frame[["major", "industry", "weight"]]
        supply_rows = programs.merge(w, on="major")
        supply_rows["supply"] = supply_rows["volume"] * supply_rows["weight"]
        unmapped = programs[~programs["major"].isin(w["major"].unique()) & (programs["volume"] > 0)]
        joined = join_demand(dem, weights)
        codes = set(supply_rows["industry"].unique()) | set(joined["industry"].dropna().unique())
        names = store.node_frame("Industry", ["name"], ids=codes)
        return cls(scope, year, programs, weights, supply_rows, joined, unmapped,
                   dict(zip(names["id"], names["name"], strict=True)))

    # ----------------------------------------------------------------------------- aggregates
    def supply(self) -> pd.Series:
        return self.supply_rows.groupby("industry")["supply"].sum()

    def demand(self) -> pd.Series:
        d = self.demand_rows.dropna(subset=["industry"])
        return d.groupby("industry")["demand"].sum()


@dataclass
class ScopeSums:
    """The scope's supply and demand as sums per city × industry, from the store's aggregations
    (:meth:`Store.offer_sums`, :meth:`Store.demand_sums`: on Neo4j they run on the server), with the
    crosswalk weights applied here.  The numbers are those of :class:`ScopeData`'s rows, summed; the
    network pages, which draw the rows themselves, use ScopeData."""

    scope: Scope
    year: int | None
    offers: pd.DataFrame  # offer_sums + volume, estimated_volume, estimated_programs, positive_programs,
    #                       rated_volume, rate_volume
    demands: pd.DataFrame  # demand_sums: city, target_label, target, headcount, rows
    weights: Weights
    cells: pd.DataFrame  # city, industry, supply, estimated_supply, demand (rows where any is given)
    aligned: dict[str, list[str]]  # industry -> the majors with weight > 0 into it
    industry_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def gather(cls, store: Store, scope: Scope) -> ScopeSums:
        """Read the scope's sums (memoised per cities and year until the store's next write)."""
        key = ("scope-sums", tuple(sorted(scope.cities)), scope.year)
        sums: ScopeSums = store.memo(key, lambda: cls._gather(store, scope))
        return sums if sums.scope == scope else replace(sums, scope=scope)

    @classmethod
    def _gather(cls, store: Store, scope: Scope) -> ScopeSums:
        cities = sorted(scope.cities)
        year = scope.year if scope.year is not None else latest_year(store, cities)
        off = store.offer_sums(cities, year)
        duration = off["major_level"].where(off["major_level"].notna(), off["inst_level"]).map(DURATION).astype(float)
        known = duration.notna()
        off["estimated_programs"] = off["enrollment_only_n"].where(known, 0).astype(int)
        off["estimated_volume"] = (off["enrollment_only"] / duration).where(known, 0.0)
        off["volume"] = off["graduates"] + off["estimated_volume"]
        off["positive_programs"] = off["positive_graduates"] + off["enrollment_only_positive"].where(known, 0)
        off["rated_volume"] = off["rated_graduates"] + (off["rated_enrollment"] / duration).where(known, 0.0)
        off["rate_volume"] = off["rate_graduates"] + (off["rate_enrollment"] / duration).where(known, 0.0)
        dem = store.demand_sums(cities, year)
        majors = set(off["major"].unique()) | set(dem.loc[dem["target_label"] == "Major", "target"].unique())
        weights = Weights.of(store, majors)
        w = weights.frame[["major", "industry", "weight"]]
        sup = off[["city", "major", "volume", "estimated_volume"]].merge(w, on="major")
        sup = sup.assign(supply=sup["volume"] * sup["weight"], estimated_supply=sup["estimated_volume"] * sup["weight"])
        cells = pd.concat([
            sup.groupby(["city", "industry"])[["supply", "estimated_supply"]].sum(),
            join_demand(dem, weights).groupby(["city", "industry"])[["demand"]].sum(),  # no industry: dropped
        ], axis=1).fillna(0.0).sort_index().reset_index()
        pos = w[w["weight"] > 0]
        aligned = {str(k): sorted(v.unique()) for k, v in pos.groupby("industry")["major"]}
        names = store.node_frame("Industry", ["name"], ids=cells["industry"].unique())
        return cls(scope, year, off, dem, weights, cells, aligned, dict(zip(names["id"], names["name"], strict=True)))

    # ----------------------------------------------------------------------------- aggregates
    def supply(self) -> pd.Series:
        return self.cells.groupby("industry")["supply"].sum()

    def demand(self) -> pd.Series:
        return self.cells.groupby("industry")["demand"].sum()

    def estimated_supply(self) -> pd.Series:
        return self.cells.groupby("industry")["estimated_supply"].sum()

    @property
    def estimated_programs(self) -> int:
        return int(self.offers["estimated_programs"].sum())

    @property
    def unmapped_programs(self) -> int:
        mapped = self.offers["major"].isin(self.weights.frame["major"].unique())
        return int(self.offers.loc[~mapped, "positive_programs"].sum())

    # a fact without its figure is "no figures", never 0 (issue 18): counted from the sums, no read
    def _no_figures(self) -> pd.Series:
        o = self.offers
        return (o["programs"] - o["with_graduates"] - o["estimated_programs"]).astype(int)

    @property
    def programs(self) -> int:
        return int(self.offers["programs"].sum())

    @property
    def programs_without_figures(self) -> int:
        """Programs with neither graduates nor an enrolment whose duration can be told: no volume at all."""
        return int(self._no_figures().sum())

    @property
    def programs_with_figures(self) -> int:
        return self.programs - self.programs_without_figures

    @property
    def supply_data(self) -> bool:
        """True when at least one program of the scope has a figure: without any, supply is no data, not 0."""
        return self.programs_with_figures > 0


# -------------------------------------------------------------------------------------- measures
def status_of(s: float, d: float, t: Thresholds) -> str:
    if d == 0:
        return "no_demand" if s > 0 else "none"
    if s == 0:
        return "unmet"
    r = s / d
    if r < t.shortage_below:
        return "shortage"
    if r > t.surplus_above:
        return "surplus"
    return "balanced"


def _statuses(s: np.ndarray, d: np.ndarray, t: Thresholds) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(d > 0, s / np.where(d > 0, d, 1), np.nan)
    return np.select(
        [(d == 0) & (s > 0), (d > 0) & (s == 0), r < t.shortage_below, r > t.surplus_above],
        ["no_demand", "unmet", "shortage", "surplus"], default="balanced")


def chain_industries(store: Store, chain: str) -> set[str]:
    seg = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=[chain])
    if seg.empty:
        raise LookupError(f"chain {chain} is not in the graph (or has no segments)")
    maps = store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=seg["src"])
    return set(rollup(maps["dst"]))


def focus_segments(store: Store, scope: Scope) -> pd.DataFrame:
    """The scope's focus-chain segments (or the one chain's): segment, chain, industry (rolled up)."""
    if scope.chain:
        chains = [scope.chain]
    else:
        chains = sorted(set(store.rel_frame("FOCUSES_ON", src_label="City", src_ids=scope.cities)["dst"]))
    seg = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=chains).rename(
        columns={"src": "segment", "dst": "chain"})
    maps = store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=seg["segment"]).rename(
        columns={"src": "segment", "dst": "industry"})
    out = seg.merge(maps, on="segment", how="left")
    out["industry"] = rollup(out["industry"].fillna(""))
    return out.sort_values(["chain", "segment", "industry"]).reset_index(drop=True)


def scope_enterprises(store: Store, cities: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scope's enterprises (enterprise, city, industry rolled up) and their COOPERATES_WITH pairs
    (institution, enterprise, ``counted``: whether an ongoing cooperation joins the pair —
    iekg.queries.cooperation — else all its cooperations are ended or not begun)."""
    loc = store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City", dst_ids=cities).rename(
        columns={"src": "enterprise", "dst": "city"})
    ents_ids = sorted(loc["enterprise"].unique())
    ind = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", src_ids=ents_ids).rename(
        columns={"src": "enterprise", "dst": "industry"})
    ents = loc.merge(ind, on="enterprise")
    ents["industry"] = rollup(ents["industry"])
    coop = store.rel_frame("COOPERATES_WITH", ["status"], dst_label="Enterprise", dst_ids=ents_ids).rename(
        columns={"src": "institution", "dst": "enterprise"})
    coop["counted"] = counted(coop["status"])
    return ents, coop.groupby(["institution", "enterprise"], sort=True)["counted"].any().reset_index()


def cooperation_density(store: Store, sums: ScopeSums) -> pd.DataFrame:
    """Per industry: the scope's enterprises in it, and how many cooperate with an aligned institution
    (one in scope offering a major with crosswalk weight > 0 into that industry) through an ongoing
    cooperation (iekg.queries.cooperation: ended and in-preparation ones are left out), with
    ``left_out_enterprises`` and ``unstated``: counted by the store, memoised with the scope's sums."""
    cities = tuple(sorted(sums.scope.cities))
    inactive = inactive_words()
    c = store.memo(("cooperation", cities, sums.year, inactive),  # the aligned majors follow from cities and year
                   lambda: store.cooperation_counts(cities, sums.year, sums.aligned, inactive))
    return c.set_index("industry")[["enterprises", "cooperating", "left_out_enterprises", "unstated"]]


def demand_known(sums: ScopeSums) -> set[str]:
    """The industries (大类) that have at least one demand row in scope (a row given by major counts for
    the industries its weights point to with w > 0).  An industry outside this set has *no demand data*,
    which is not a demand of 0."""
    j = join_demand(sums.demands, sums.weights)
    j = j[j["industry"].notna() & (j["weight"] > 0)]
    return {str(x) for x in j["industry"].unique()}


# Nodes of these provenance kinds come from the public lists (iekg build --public) and the project's reference
# tables: a city or institution known only from them is "in the public lists, not in your data" (issue 18).
PUBLIC_KINDS = ("public", "reference")
LISTED = 50  # at most this many ids / programs listed in data coverage (with the total)
# A year is thin (partial) when its institutions reporting programs, or its programs per institution, are below
# this share of the larger neighbouring year's (docs/measures.md, "Thin years").
THIN_SHARE = 0.5


def programs_without_figures(store: Store, sums: ScopeSums, limit: int = LISTED) -> list[dict[str, Any]]:
    """The scope's programs of the year without any figure — neither graduates nor an enrolment whose duration
    can be told (``why``: ``no_figures``, or ``enrollment_without_level`` when the enrolment is there but no
    level says the duration) — at most ``limit``, by city, institution and major, with names.  Read only
    when the sums count some, and only the majors of the groups that have them."""
    if sums.year is None or sums.programs_without_figures <= 0:
        return []
    off = sums.offers
    majors = sorted(set(off.loc[sums._no_figures() > 0, "major"]))
    rows, _ = scope_programs(store, sorted(sums.scope.cities), sums.year, majors=majors)
    grads = pd.to_numeric(rows["graduates"], errors="coerce")
    none = rows[grads.isna() & ~rows["estimate"].astype(bool)].drop_duplicates(["institution", "major"]).head(limit)
    inst = store.node_frame("Institution", ["name"], ids=sorted(set(none["institution"])))
    maj = store.node_frame("Major", ["name"], ids=sorted(set(none["major"])))
    iname = {str(i): str(n) for i, n in zip(inst["id"], inst["name"], strict=True) if n is not None and n == n}
    mname = {str(i): str(n) for i, n in zip(maj["id"], maj["name"], strict=True) if n is not None and n == n}
    enrol = pd.to_numeric(none["enrollment"], errors="coerce")
    return [{"institution": str(i), "institution_name": iname.get(str(i), str(i)), "major": str(m),
             "major_name": mname.get(str(m), str(m)), "city": str(c),
             "why": "no_figures" if pd.isna(e) else "enrollment_without_level"}
            for i, m, c, e in zip(none["institution"], none["major"], none["city"], enrol, strict=True)]


def _public_only(store: Store, cities: Sequence[str], loc: pd.DataFrame, with_prog: set[str],
                 data_cities: set[str]) -> tuple[set[str], set[str]]:
    """The institutions and cities of the scope known only from the public lists or the reference tables
    (:data:`PUBLIC_KINDS`) that no fact of the user's data touches: an institution without programs in any
    year, cooperations or alliance memberships; a city without an institution of the user's, without
    enterprises and without demand rows in any year.  Only the candidates are read: the institutions without
    programs in the year and the cities without programs or demand (none in a graph without public lists)."""
    public_insts: set[str] = set()
    rest = sorted(set(loc["src"]) - with_prog)
    if rest:
        k = store.node_frame("Institution", ["source_kind"], ids=rest)
        cand = sorted(k.loc[k["source_kind"].isin(PUBLIC_KINDS), "id"].astype(str))
        if cand:
            used = set().union(*(store.sources_with(rt, "Institution", cand)
                                 for rt in ("OFFERS", "COOPERATES_WITH", "MEMBER_OF")))
            public_insts = set(cand) - used
    public_cities: set[str] = set()
    rest = sorted(set(cities) - data_cities)
    if rest:
        k = store.node_frame("City", ["source_kind"], ids=rest)
        cand_c = set(k.loc[k["source_kind"].isin(PUBLIC_KINDS), "id"].astype(str))
        cand_c -= set(loc.loc[~loc["src"].isin(public_insts), "dst"].astype(str))  # an institution of yours is there
        if cand_c:
            cand_c -= set(store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City",
                                          dst_ids=sorted(cand_c))["dst"].astype(str))
        if cand_c:
            dem = store.rel_frame("DEMANDS", ["city_code"], where={"city_code": sorted(cand_c)})
            cand_c -= set(dem["city_code"].astype(str))
        public_cities = cand_c
    return public_insts, public_cities


def _year_counts(store: Store, cities: Sequence[str], years: list[int], sm: ScopeSums,
                 institutions: int) -> dict[str, Any]:
    """The measured year beside its neighbouring years with programs (the previous and the next of ``years``):
    programs and institutions reporting them per year (the measured year's from the sums, the neighbours'
    counted by the store for those years only) and which are thin: a year is thin when its institutions, or
    its programs per institution, are below :data:`THIN_SHARE` of the larger neighbour's — the measured year
    against its neighbours, each neighbour against the measured year."""
    y = sm.year
    if y is None or y not in years:
        return {"counts": [], "thin": [], "partial": False, "note": None}
    k = years.index(y)
    near = [years[j] for j in (k - 1, k + 1) if 0 <= j < len(years)]
    got = store.offer_year_counts(list(cities), near) if near else None
    counts = {y: (sm.programs, institutions)}
    if got is not None:
        counts.update({int(a): (int(b), int(c)) for a, b, c in zip(got["year"], got["programs"], got["institutions"],
                                                                     strict=True)})

    def per(x: tuple[int, int]) -> float:
        return x[0] / x[1] if x[1] else 0.0

    def thin(x: tuple[int, int], others: list[tuple[int, int]]) -> bool:
        others = [o for o in others if o[1] > 0]
        if not others:
            return False
        return (x[1] < THIN_SHARE * max(o[1] for o in others)
                or per(x) < THIN_SHARE * max(per(o) for o in others))

    near = [n for n in near if n in counts]
    flags = {y: thin(counts[y], [counts[n] for n in near])}
    flags.update({n: thin(counts[n], [counts[y]]) for n in near})
    rows = [{"year": z, "programs": counts[z][0], "institutions": counts[z][1], "per_institution": round(per(counts[z]), 2),
             "thin": flags[z]} for z in sorted(counts)]

    def said(z: int) -> str:
        p, i = counts[z]
        return f"{z} 年 {p} 个专业点、{i} 所院校（每校 {per(counts[z]):.1f} 个）"

    note = None
    if flags[y]:
        note = (f"{y} 年的专业点数据偏少，可能只导入了一部分：{said(y)}，而相邻的 "
                + "、".join(said(n) for n in near)
                + f"。与其他年份比较时请注意，差别可能来自缺的数据而不是变化 ({y} looks partial: "
                  f"{counts[y][0]} programs at {counts[y][1]} institutions beside "
                + ", ".join(f"{counts[n][0]} at {counts[n][1]} in {n}" for n in near) + ")")
    elif any(flags[n] for n in near):
        bad = [n for n in near if flags[n]]
        note = ("相邻年份的专业点数据偏少，可能只导入了一部分：" + "、".join(said(n) for n in bad)
                + f"，而 {said(y)}。与这些年份比较时请注意 (neighbouring year "
                + ", ".join(str(n) for n in bad) + " looks partial)")
    return {"counts": rows, "thin": [z for z in sorted(counts) if flags[z]], "partial": flags[y], "note": note}


def _figures_note(n: int, listed: list[dict[str, Any]]) -> str | None:
    if n <= 0:
        return None
    names = "、".join(f"{x['institution_name']} {x['major_name']}" for x in listed[:10])
    more = " 等" if n > min(10, len(listed)) else ""
    level = sum(1 for x in listed if x["why"] == "enrollment_without_level")
    lv = f"；其中 {level} 个有在校生数但不知层次、无法按学制折算" if level else ""
    return (f"{n} 个专业点没有在校生或毕业生数：{names}{more}{lv}。它们的供给是无数据，不计为 0；请在 programs 表补充"
            f"毕业生数或在校生数 ({n} programs have neither graduates nor enrolment: no figures, not 0)")


def public_only(store: Store, scope: Scope, sums: ScopeSums | None = None) -> tuple[set[str], set[str]]:
    """The ids of the scope's institutions and cities known only from the public lists (what data coverage
    counts as ``public_only``), read with the scope's data coverage."""
    cities = tuple(sorted(scope.cities))
    data_coverage(store, scope, scope.year, sums)
    got: tuple[set[str], set[str]] = store.memo(("public-only", cities, scope.year), lambda: (set(), set()))
    return got


def data_coverage(store: Store, scope: Scope, year: int | None, sums: ScopeSums | None = None) -> dict[str, Any]:
    """What a scope's measures rest on: the cities, institutions, programs and years with data and those without
    (memoised with the scope's sums).  ``cities.with_programs`` / ``with_demand`` and their complements,
    ``without_figures`` (programs, none with a figure) and ``public_only`` (known only from the public lists:
    not counted as missing); ``institutions.total`` / ``with_programs`` / ``without_programs`` (ids, at most 50
    listed) / ``public_only``; ``programs`` (with and without figures, listed when some lack them);
    ``years.programs`` (years with programs in scope), ``years.latest`` and the thin-year check
    (``counts``, ``thin``, ``partial``, ``note``)."""
    cities = tuple(sorted(scope.cities))

    def compute() -> dict[str, Any]:
        sm = sums or ScopeSums.gather(store, Scope(cities, year))
        off = sm.offers
        prog_cities = set(off.loc[off["programs"] > 0, "city"]) if len(off) else set()
        fig_cities = set(off.loc[off["programs"] > sm._no_figures(), "city"]) if len(off) else set()
        dem_cities = set(sm.demands.loc[sm.demands["rows"] > 0, "city"]) if len(sm.demands) else set()
        loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=list(cities))
        insts = sorted(set(loc["src"]))
        with_prog: set[str] = set()
        if insts and sm.year is not None:
            with_prog = store.sources_with("OFFERS", "Institution", insts, where={"year": sm.year})
        years = program_years(store, cities)
        public_insts, public_cities = store.memo(("public-only", cities, year), lambda: _public_only(
            store, cities, loc, with_prog, prog_cities | dem_cities))
        without = [i for i in insts if i not in with_prog and i not in public_insts]
        yours = set(cities) - public_cities
        n_none = sm.programs_without_figures
        listed = programs_without_figures(store, sm)
        return {
            "year": sm.year,
            "cities": {"total": len(yours),
                       "with_programs": sorted(prog_cities), "without_programs": sorted(yours - prog_cities),
                       "with_demand": sorted(dem_cities), "without_demand": sorted(yours - dem_cities),
                       "without_figures": sorted(prog_cities - fig_cities), "public_only": sorted(public_cities)},
            "institutions": {"total": len(insts) - len(public_insts), "with_programs": len(with_prog),
                             "without_programs": without[:LISTED], "without_programs_total": len(without),
                             "public_only": len(public_insts)},
            "programs": {"total": sm.programs, "with_graduates": int(off["with_graduates"].sum()),
                         "estimated": sm.estimated_programs, "without_figures": n_none,
                         "without_figures_listed": listed, "note": _figures_note(n_none, listed)},
            "years": {"programs": list(years), "latest": years[-1] if years else None,
                      **_year_counts(store, cities, list(years), sm, len(with_prog))},
        }

    out: dict[str, Any] = store.memo(("data-coverage", cities, year), compute)
    return out


def empty_reason(cov: dict[str, Any], year_asked: int | None, what: str = "专业点") -> str | None:
    """Why a scope has no programs (or None when it has some)."""
    if cov["cities"]["with_programs"]:
        return None
    latest = cov["years"]["latest"]
    public = cov["cities"].get("public_only") or []
    if public and not cov["cities"]["total"]:
        return (f"本范围的城市（{'、'.join(public[:10])}{' 等' if len(public) > 10 else ''}）只在公开名单中，"
                f"你的数据里没有它们的{what}或需求 (in the public lists, not in your data)：请导入这些城市的数据")
    if latest is None:
        return (f"本范围内的院校没有任何年份的{what}数据 (no programs in scope in any year)：请导入 programs 表"
                f" (import the programs table)")
    if year_asked is not None and year_asked != latest and year_asked not in cov["years"]["programs"]:
        return (f"{year_asked} 年没有{what}数据，最近一年为 {latest} 年 (no programs in {year_asked}; latest is "
                f"{latest}): 试试 --year {latest}")
    return f"本范围 {cov['year']} 年没有{what}数据 (no programs in {cov['year']})"


@dataclass
class _Balance:
    """Supply against demand per industry in a scope, and the SAI over all industries and over those with
    demand data: what :func:`alignment` reports first, and all that :func:`sai_summary` needs."""

    frame: pd.DataFrame  # per industry with supply or demand: supply, demand
    sv: np.ndarray
    dv: np.ndarray
    S: float
    D: float
    sai: float | None
    share_s: np.ndarray
    share_d: np.ndarray
    has_d: np.ndarray  # per industry: has demand rows
    sai_observed: float | None
    sai_note: str | None
    demand_coverage: dict[str, Any]
    supply_data: bool = True  # false: no program of the scope has a figure — supply is no data, nothing graded
    supply_reason: str | None = None

    @classmethod
    def of(cls, store: Store, scope: Scope, sums: ScopeSums) -> _Balance:
        frame = pd.DataFrame({"supply": sums.supply(), "demand": sums.demand()}).fillna(0.0)
        if scope.chain:
            frame = frame[frame.index.isin(chain_industries(store, scope.chain))]
        frame = frame[(frame["supply"] > 0) | (frame["demand"] > 0)].sort_index()
        S, D = float(frame["supply"].sum()), float(frame["demand"].sum())
        sv, dv = frame["supply"].to_numpy(), frame["demand"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            share_s = sv / S if S > 0 else np.full_like(sv, np.nan)
            share_d = dv / D if D > 0 else np.full_like(dv, np.nan)
        sai = float(1 - 0.5 * np.abs(share_s - share_d).sum()) if S > 0 and D > 0 else None
        # demand coverage: industries with supply but no demand rows are "no demand data", not demand 0
        known = demand_known(sums)
        has_d = np.array([c in known for c in frame.index], dtype=bool)
        no_data = (sv > 0) & ~has_d
        s_obs = float(sv[has_d].sum())
        d_obs = float(dv[has_d].sum())
        sai_obs = (float(1 - 0.5 * np.abs(sv[has_d] / s_obs - dv[has_d] / d_obs).sum())
                   if s_obs > 0 and d_obs > 0 else None)
        unobserved = float(sv[no_data].sum())
        dc = {"industries_with_supply": int((sv > 0).sum()), "without_demand_data": int(no_data.sum()),
              "industries_without_demand_data": [str(c) for c in frame.index[no_data]],
              "supply_without_demand_data": unobserved,
              "share_of_supply": (unobserved / S) if S > 0 else None,
              "note": None}
        if no_data.any():
            names = "、".join(sums.industry_names.get(str(c), str(c)) for c in frame.index[no_data][:5])
            more = " 等" if no_data.sum() > 5 else ""
            dc["note"] = (f"{int(no_data.sum())} 个有供给的行业（{names}{more}）没有需求数据，占供给 "
                          f"{unobserved / S:.1%}；SAI 按 metrics.md 把它们的需求计为 0，"
                          f"「观测 SAI」只在有需求数据的行业上计算 ({int(no_data.sum())} industries with supply have "
                          f"no demand rows, {unobserved / S:.1%} of supply)")
        sai_note = None
        if sai is not None and sai_obs is not None and round(sai, 4) != round(sai_obs, 4):
            sai_note = (f"SAI {sai:.4f} 把没有需求数据的行业当作需求为 0；只看有需求数据的行业，观测 SAI 为 "
                        f"{sai_obs:.4f}。两者不同，说明缺的需求数据影响了结果：补充这些行业的需求后再比较 "
                        f"(SAI counts industries without demand data as demand 0; over industries with demand "
                        f"data the observed SAI is {sai_obs:.4f})")
        elif sai is not None and sai_obs is None and no_data.any():
            sai_note = "没有任何有需求数据的行业有供给，无法计算观测 SAI (no observed SAI)"
        reason = no_supply_reason(sums) if not sums.supply_data and (sums.programs > 0 or D > 0) else None
        if reason:  # supply is no data, not 0: nothing that needs it is graded
            sai = sai_obs = sai_note = None
            dc["share_of_supply"] = None
        return cls(frame, sv, dv, S, D, sai, share_s, share_d, has_d, sai_obs, sai_note, dc, reason is None, reason)


def no_supply_reason(sums: ScopeSums) -> str:
    """Why a scope's supply is no data: none of its programs has a figure, or it has no program that year."""
    y, n = sums.year, sums.programs
    if n:
        return (f"本范围 {y} 年的 {n} 个专业点都没有在校生或毕业生数，供给是「无数据」而不是 0：不计算 SAI、供需状态和"
                f"链条覆盖率；请在 programs 表补充毕业生数或在校生数 (none of the {n} programs has graduates or "
                f"enrolment: supply is no data, not 0 — nothing is graded)")
    return (f"本范围 {y} 年没有专业点数据，供给是「无数据」而不是 0：不计算 SAI、供需状态和链条覆盖率 (no programs in "
            f"{y}: supply is no data, not 0 — nothing is graded)")


def sai_summary(store: Store, scope: Scope, sums: ScopeSums | None = None) -> dict[str, Any]:
    """The SAI part of :func:`alignment` — ``sai``, ``sai_observed``, ``sai_note``, ``demand_coverage``, ``S``,
    ``D`` — the same numbers, without what else it reads (cooperation, chain segments, data coverage):
    readiness needs no more, for every city."""
    sums = sums or ScopeSums.gather(store, scope)
    b = _Balance.of(store, scope, sums)
    return {"sai": b.sai, "sai_observed": b.sai_observed, "sai_note": b.sai_note, "demand_coverage": b.demand_coverage,
            "S": b.S if b.supply_data else None, "D": b.D, "year": sums.year, "supply_data": b.supply_data,
            "supply_reason": b.supply_reason, "programs_without_figures": sums.programs_without_figures}


def alignment(store: Store, scope: Scope, thresholds: Thresholds | None = None,
              sums: ScopeSums | None = None) -> dict[str, Any]:
    """The alignment of one scope: the JSON object of ``iekg align``."""
    t = thresholds or Thresholds.from_settings()
    sums = sums or ScopeSums.gather(store, scope)
    b = _Balance.of(store, scope, sums)
    frame, sv, dv, S, D, sai, has_d = b.frame, b.sv, b.dv, b.S, b.D, b.sai, b.has_d
    share_s, share_d = b.share_s, b.share_d
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(dv > 0, sv / np.where(dv > 0, dv, 1), np.nan)
        deviation = np.where(dv > 0, share_s / np.where(share_d > 0, share_d, 1) - 1, np.nan)
    status = _statuses(sv, dv, t)
    nosup = not b.supply_data  # supply is no data (no program with a figure): no ratio, status or deviation
    if nosup:
        ratio, deviation = np.full(len(sv), np.nan), np.full(len(sv), np.nan)
        status = np.full(len(sv), "no_supply_data", dtype=object)
    coop = cooperation_density(store, sums)
    dens = (coop["cooperating"] / coop["enterprises"]).reindex(frame.index)
    coop_info = CooperationSummary.of(store, sums, coop, frame.index)
    est = sums.estimated_supply()
    sai_obs, sai_note, dc = b.sai_observed, b.sai_note, b.demand_coverage

    segs = focus_segments(store, scope)
    supplied = set(frame.index[frame["supply"] > 0])
    seg_cov = segs.assign(supplied=segs["industry"].isin(supplied)).groupby(["chain", "segment"])["supplied"].any()
    coverage = float(seg_cov.mean()) if len(seg_cov) else None
    uncovered = [] if nosup else sorted(seg_cov.index.get_level_values("segment")[~seg_cov.to_numpy()])
    seg_names = (store.node_frame("ChainSegment", ["name"], ids=uncovered).set_index("id")["name"]
                 if uncovered else pd.Series(dtype=object))
    seg_chain = dict(zip(segs["segment"], segs["chain"], strict=True))

    def num(x: float) -> float | None:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    industries = []
    for k, code in enumerate(frame.index):
        item = {"code": code, "name": sums.industry_names.get(code, ""), "supply": None if nosup else float(sv[k]),
                "demand": float(dv[k]),
                "ratio": num(ratio[k]), "status": str(status[k]), "deviation": num(deviation[k]),
                "cooperation_density": num(dens.iloc[k]),
                "cooperating": int(coop["cooperating"].get(code, 0)),
                "cooperations_left_out": coop_info.per_industry(code),
                "enterprises": int(coop["enterprises"].get(code, 0)),
                "estimated_supply": None if nosup else float(est.get(code, 0.0)), "supply_data": not nosup,
                "demand_data": bool(has_d[k]), "observed_demand": float(dv[k]) if has_d[k] else None,
                "note": deviation_note(float(sv[k]), float(dv[k]), S, D, str(status[k]))}
        industries.append(item)
    cov = data_coverage(store, scope, scope.year, sums)
    if not cov["cities"]["with_programs"] or nosup:
        coverage = None  # no programs (or none with a figure) that year: coverage is no data, not 0
    reason = None
    if not industries:
        reason = empty_reason(cov, scope.year) or b.supply_reason or (
            "本范围没有供给也没有需求数据 (no supply and no demand in scope)" +
            (f"：产业链 {scope.chain} 对应的行业没有数据" if scope.chain else ""))
    return {
        "scope": scope.id, "scope_name": scope.name, "scope_kind": scope.kind, "cities": list(scope.cities),
        "chain": scope.chain, "year": sums.year, "S": None if nosup else S, "D": D, "sai": sai, "coverage": coverage,
        "sai_observed": sai_obs, "sai_note": sai_note, "demand_coverage": dc,
        "estimates": sums.estimated_programs > 0,
        "estimated_programs": sums.estimated_programs,
        "unmapped_programs": sums.unmapped_programs,
        "segments": {"total": len(seg_cov), "covered": None if nosup else int(seg_cov.sum()), "uncovered": uncovered,
                     "uncovered_named": [{"id": x, "name": str(seg_names.get(x, x)), "chain": seg_chain.get(x)}
                                         for x in uncovered]},
        "thresholds": t.as_dict(),
        "thresholds_label": ASSUMPTION_LABEL, "thresholds_label_en": ASSUMPTION_LABEL_EN,
        "supply_data": not nosup, "supply_reason": b.supply_reason,
        "data_coverage": cov, "reason": reason, "cooperation": coop_info.as_dict(),
        "industries": industries,
    }


def deviation_note(s: float, d: float, S: float, D: float, status: str) -> str | None:
    """A sentence when the structural deviation and the supply/demand ratio point different ways (a
    shortage with a positive deviation, a surplus with a negative one): deviation compares shares, not
    counts."""
    if d <= 0 or S <= 0 or D <= 0:
        return None
    e = (s / S) / (d / D) - 1
    if (status in ("shortage", "unmet") and e > 0) or (status == "surplus" and e < 0):
        return (f"结构偏离度比较的是份额而不是人数：本行业占总供给 {s / S:.1%}、占总需求 {d / D:.1%}，"
                f"偏离度为 {e:+.4f}；但人数上供给 {s:,.0f} 人、需求 {d:,.0f} 人 (总供给 {S:,.0f} 人与总需求 "
                f"{D:,.0f} 人不同)，所以供需比与偏离度方向不同 (deviation compares shares, not counts)")
    return None


def alignment_table(store: Store, cities: Sequence[str], year: int | None = None,
                    thresholds: Thresholds | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-industry and per-city alignment of many cities in one vectorised pass (each city its own scope).

    Returns (per city × industry: supply, demand, ratio, status, deviation, demand_data) and (per city: S, D,
    sai, sai_observed — over the industries with demand rows —, supply_without_demand_data).  Cities with
    neither supply nor demand are left out (no data is not zero).
    Gives the same numbers as :func:`alignment` called city by city; ``year`` None means the latest year
    with programs in any of the cities.  The sums per city × industry are read once for all the cities
    (:class:`ScopeSums`, memoised) and the measures computed on city × industry matrices.
    """
    t = thresholds or Thresholds.from_settings()
    wanted = sorted(set(cities))
    sums = ScopeSums.gather(store, Scope(tuple(wanted), year))
    cells = sums.cells
    ci, names = pd.factorize(cells["city"], sort=True)
    ii, inds = pd.factorize(cells["industry"], sort=True)
    s = np.zeros((len(names), len(inds)))
    d = np.zeros((len(names), len(inds)))
    s[ci, ii] = cells["supply"].to_numpy(float)
    d[ci, ii] = cells["demand"].to_numpy(float)
    city_ids = np.asarray(names, dtype=object)
    S, D = s.sum(axis=1), d.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_s = s / S[:, None]
        share_d = d / D[:, None]
        ratio = np.where(d > 0, s / np.where(d > 0, d, 1), np.nan)
        deviation = np.where(d > 0, share_s / np.where(share_d > 0, share_d, 1) - 1, np.nan)
        sai = np.where((S > 0) & (D > 0), 1 - 0.5 * np.abs(share_s - share_d).sum(axis=1), np.nan)
    status = _statuses(s, d, t)
    known = np.zeros_like(s, dtype=bool)
    j = join_demand(sums.demands, sums.weights)
    j = j[j["industry"].notna() & (j["weight"] > 0)]
    city_pos = {c: k for k, c in enumerate(city_ids)}
    ind_pos = {c: k for k, c in enumerate(inds)}
    for c, i in zip(j["city"], j["industry"], strict=True):
        if c in city_pos and i in ind_pos:
            known[city_pos[c], ind_pos[i]] = True
    so = np.where(known, s, 0.0)
    do = np.where(known, d, 0.0)
    S_obs, D_obs = so.sum(axis=1), do.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sai_obs = np.where((S_obs > 0) & (D_obs > 0),
                           1 - 0.5 * np.abs(so / S_obs[:, None] - do / D_obs[:, None]).sum(axis=1), np.nan)
    ci, ii = np.nonzero((s > 0) | (d > 0))
    idx = pd.MultiIndex.from_arrays([city_ids[ci], np.asarray(inds, dtype=object)[ii]], names=["city", "industry"])
    table = pd.DataFrame({"supply": s[ci, ii], "demand": d[ci, ii], "ratio": ratio[ci, ii], "status": status[ci, ii],
                          "deviation": deviation[ci, ii], "demand_data": known[ci, ii]}, index=idx)
    totals = pd.DataFrame({"S": S, "D": D, "sai": sai, "year": sums.year, "sai_observed": sai_obs,
                           "supply_without_demand_data": (s * ~known).sum(axis=1)},
                          index=pd.Index(city_ids, name="city"))
    present = (S > 0) | (D > 0)
    return table, totals[present]

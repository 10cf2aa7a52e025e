"""The scope's facts, read once per scope and year: :class:`ScopeData` (the rows: programs with their volume,
demand rows spread over industries — the network pages draw them) and :class:`ScopeSums` (the same numbers as
sums per city × industry from the store's aggregations — what the measures use).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Self

import numpy as np
import pandas as pd

from iekg.graph.store import Store
from iekg.queries.demand import join_demand, known_industries, scope_demand
from iekg.queries.scope import Scope
from iekg.queries.supply import Weights, durations, latest_year, per_year, scope_programs, weighted_supply


class _PerScope:
    """Facts read once per scope: ``gather`` memoises ``_gather`` per cities and year until the store's next
    write; a scope with the same cities and year but another name or chain shares the rows."""

    MEMO: ClassVar[str] = ""

    @classmethod
    def gather(cls, store: Store, scope: Scope) -> Self:
        """Read the scope's facts (memoised per cities and year until the store's next write)."""
        got: Self = store.memo((cls.MEMO, tuple(sorted(scope.cities)), scope.year), lambda: cls._gather(store, scope))
        return got if got.scope == scope else replace(got, scope=scope)  # type: ignore[attr-defined, type-var]

    @classmethod
    def _gather(cls, store: Store, scope: Scope) -> Self:
        raise NotImplementedError


@dataclass
class ScopeData(_PerScope):
    """The scope's programs (with volume), demand rows and the weights joining them to industries."""

    scope: Scope
    year: int | None
    programs: pd.DataFrame  # institution, major, city, year, graduates, enrollment, volume, estimate
    weights: Weights
    supply_rows: pd.DataFrame  # … + industry, weight, supply
    demand_rows: pd.DataFrame  # src, src_label, target, target_label, industry, weight, headcount, demand
    unmapped: pd.DataFrame  # programs with volume but no crosswalk weights
    industry_names: dict[str, str] = field(default_factory=dict)
    MEMO: ClassVar[str] = "scope-data"

    @classmethod
    def _gather(cls, store: Store, scope: Scope) -> ScopeData:
        cities = sorted(scope.cities)
        programs, year = scope_programs(store, cities, scope.year)
        dem = scope_demand(store, cities, year)
        majors = _majors(programs, dem)
        weights = Weights.of(store, majors)
        supply_rows = weighted_supply(programs, weights)
        unmapped = programs[~programs["major"].isin(weights.frame["major"].unique()) & (programs["volume"] > 0)]
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
class ScopeSums(_PerScope):
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
    # None: the graph's own sums; else what made them instead ("projection": a target year's, iekg.plan.target).
    # Such sums are never memoised or described as the graph's: the data coverage stays the graph's rows'.
    variant: str | None = None
    # the industries with demand data (iekg.queries.demand.known_industries of the demand spread over industries),
    # kept from the spreading the cells were summed from; None: not known yet (computed when asked)
    known_demand: frozenset[str] | None = None
    MEMO: ClassVar[str] = "scope-sums"

    @classmethod
    def _gather(cls, store: Store, scope: Scope) -> ScopeSums:
        cities = sorted(scope.cities)
        year = scope.year if scope.year is not None else latest_year(store, cities)
        off, dem = _read_sums(store, cities, year)
        return cls._of(store, scope, year, off.copy(), dem)

    @classmethod
    def counts(cls, store: Store, scope: Scope) -> ScopeSums:
        """The scope's program counts and demand sums, nothing of the crosswalk (``weights``, ``cells``,
        ``aligned`` and the names left empty): what :func:`iekg.queries.coverage.data_coverage` counts when no
        measure of the scope is asked (who trains, partners), without joining the weights.  ``offers`` holds
        :meth:`Store.offer_counts` (per city × levels, no ``major``, no volumes) with ``estimated_programs`` by
        the rule of the full sums (:func:`_estimated_programs`): the counts (``programs``,
        ``programs_without_figures``, ``estimated_programs``) are those of :meth:`gather`.  Not memoised, and no
        measure reads it."""
        cities = sorted(scope.cities)
        year = scope.year if scope.year is not None else latest_year(store, cities)
        empty = pd.DataFrame({"major": [], "industry": [], "weight": [], "via": [], "category": []})
        cells = pd.DataFrame({"city": [], "industry": [], "supply": [], "estimated_supply": [], "demand": []})
        off = store.offer_counts(cities, year)
        off["estimated_programs"] = _estimated_programs(off, _duration(off).notna())
        return cls(scope, year, off, store.demand_sums(cities, year), Weights(empty), cells, {})

    @classmethod
    def gather_each(cls, store: Store, cities: Sequence[str], year: int | None = None) -> dict[str, ScopeSums]:
        """:meth:`gather` of every one-city scope of ``cities`` (the year: ``year``, else each city's latest),
        set at a time: one ``offer_sums`` and one ``demand_sums`` read per distinct year for all the cities,
        split here, instead of two reads per city.  Each result is memoised as :meth:`gather` would, so the
        per-city measures that follow (readiness, the city table, coupling) find it."""
        wanted = sorted(set(cities))
        out: dict[str, ScopeSums] = {}
        todo: dict[int | None, list[str]] = {}
        memo = getattr(store, "memo", None)
        for c in wanted:
            y = year if year is not None else latest_year(store, [c])
            todo.setdefault(y, []).append(c)
        for y, group in todo.items():
            parts = _Parts.of(store, *_read_sums(store, group, y))
            for c, got in cls._split(parts, group, year, y).items():
                out[c] = memo((cls.MEMO, (c,), year), lambda got=got: got) if memo else got
        return out

    @classmethod
    def _of_each(cls, store: Store, cities: Sequence[str], scope_year: int | None, year: int | None,
                 off_all: pd.DataFrame, dem_all: pd.DataFrame) -> dict[str, ScopeSums]:
        """:meth:`_of` of every one-city scope of ``cities`` from their offer and demand sums read together."""
        return cls._split(_Parts.of(store, off_all, dem_all), cities, scope_year, year)

    @classmethod
    def _split(cls, parts: _Parts, cities: Sequence[str], scope_year: int | None,
               year: int | None) -> dict[str, ScopeSums]:
        """Every one-city scope of ``cities`` cut from the parts of them all: the per-row figures, the weighted
        supply, the demand spread over industries and the cells computed once for all the cities and split by
        city (every sum is over one city's rows, in the same order as :meth:`_of` sums them, so each city's
        numbers are those of its own :meth:`_of`); the industries' names read once."""
        off_all, dem_all, every, cells_all, joined = parts.off, parts.dem, parts.weights, parts.cells, parts.joined
        j = joined[joined["industry"].notna() & (joined["weight"] > 0)]  # (as known_industries, per city)
        known_by = {str(c): frozenset(str(x) for x in g.unique().tolist())
                    for c, g in j.groupby("city", sort=False)["industry"]}
        aligned_all, name_of = parts.aligned, parts.names
        off_by = dict(tuple(off_all.groupby("city", sort=False))) if len(off_all) else {}
        dem_by = dict(tuple(dem_all.groupby("city", sort=False))) if len(dem_all) else {}
        cells_by = dict(tuple(cells_all.groupby("city", sort=False))) if len(cells_all) else {}
        # each weight row's major as a code into the distinct majors: a city's rows are found by one set lookup per
        # distinct major, spread back by the codes (a set lookup per row — 5,400 a city — was most of the split;
        # pandas' isin on text took 2 ms a city)
        major_code, distinct_majors = pd.factorize(every.frame["major"].to_numpy(dtype=object))
        distinct_list = list(distinct_majors)
        majors_of = _majors_each(off_all, dem_all)
        out: dict[str, ScopeSums] = {}
        for c in cities:
            off = off_by.get(c, off_all.iloc[0:0]).reset_index(drop=True)
            dem = dem_by.get(c, dem_all.iloc[0:0]).reset_index(drop=True)
            cells = cells_by.get(c, cells_all.iloc[0:0]).reset_index(drop=True)
            majors = majors_of.get(c, set())
            aligned = {k: kept for k, ms in aligned_all.items() if (kept := [m for m in ms if m in majors])}
            inds = set(cells["industry"].tolist())  # (a set of a text column item by item is ~14× slower)
            # (Weights.of of the city's majors: the rows of theirs among every major's, in order — cut from the
            # scope's, a part of every major's, not from every major's again)
            has = np.fromiter((m in majors for m in distinct_list), dtype=bool, count=len(distinct_list))
            mine = (has[major_code] & (major_code >= 0)) if len(has) else np.zeros(len(major_code), dtype=bool)
            own = Weights(every.frame[mine].reset_index(drop=True))
            out[c] = cls(Scope((c,), scope_year), year, off, dem, own, cells, aligned,
                         {i: n for i, n in name_of.items() if i in inds}, known_demand=known_by.get(c, frozenset()))
        return out

    @classmethod
    def _of(cls, store: Store, scope: Scope, year: int | None, off: pd.DataFrame, dem: pd.DataFrame) -> ScopeSums:
        """The scope's sums from its offer and demand sums (read by :meth:`_gather`): the scope's :class:`_Parts`,
        not split (``off`` is changed in place: the caller's copy)."""
        return _Parts.of(store, off, dem, copy=False).sums(cls, scope, year)

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
        return no_figures(self.offers)

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


@dataclass
class _Parts:
    """What a scope's sums are computed from, for one city or many at once (:meth:`ScopeSums._of` takes them
    whole, :meth:`ScopeSums._split` cuts them by city): the offer sums with their volumes, the demand sums, the
    crosswalk weights of their majors, the weighted supply, the demand spread over industries, the cells, the
    majors aligned to each industry and the industries' names."""

    off: pd.DataFrame
    dem: pd.DataFrame
    weights: Weights
    joined: pd.DataFrame
    cells: pd.DataFrame
    aligned: dict[str, list[str]]
    names: dict[str, str]

    @classmethod
    def of(cls, store: Store, off: pd.DataFrame, dem: pd.DataFrame, *, copy: bool = True) -> _Parts:
        off = _volumes(off.copy() if copy else off)
        majors = _majors(off, dem)
        weights = Weights.of(store, majors)
        sup = weighted_supply(off[["city", "major", "volume", "estimated_volume"]], weights)
        sup = sup.assign(estimated_supply=sup["estimated_volume"] * sup["weight"])
        joined = join_demand(dem, weights)
        cells = _cells(sup, joined)
        w = weights.frame[["major", "industry", "weight"]]
        pos = w[(w["weight"] > 0) & w["industry"].notna()]
        # each industry's distinct majors, sorted, the industries in order: from one sort, as plain lists (a group
        # per industry cost 0.4 ms each)
        pairs = pos[["industry", "major"]].drop_duplicates().sort_values(["industry", "major"], kind="mergesort")
        aligned: dict[str, list[str]] = {}
        for k, m in zip(pairs["industry"].tolist(), pairs["major"].tolist(), strict=True):
            aligned.setdefault(str(k), []).append(m)
        names = store.node_frame("Industry", ["name"], ids=cells["industry"].unique())
        return cls(off, dem, weights, joined, cells, aligned, dict(zip(names["id"], names["name"], strict=True)))

    def sums(self, kind: type[ScopeSums], scope: Scope, year: int | None) -> ScopeSums:
        """The sums of the whole scope (not split)."""
        return kind(scope, year, self.off, self.dem, self.weights, self.cells, self.aligned, dict(self.names),
                    known_demand=frozenset(known_industries(self.joined)))


def _majors(off: pd.DataFrame, dem: pd.DataFrame) -> set[str]:
    """The majors of offer sums (or programs) and of the demand rows given for a major, taken from the distinct
    values as a list (a set made from a text column's values one by one costs four times as much)."""
    return set(off["major"].unique().tolist()) | set(dem.loc[dem["target_label"] == "Major", "target"].unique().tolist())


def _majors_each(off: pd.DataFrame, dem: pd.DataFrame) -> dict[str, set[str]]:
    """:func:`_majors` of every city of the offer and demand sums of many cities, in one pass over their rows (per
    city: a frame's distinct values cost 0.7 ms a city)."""
    out: dict[str, set[str]] = {}
    for c, m in zip(off["city"].tolist(), off["major"].tolist(), strict=True):
        out.setdefault(c, set()).add(m)
    by_major = dem[dem["target_label"] == "Major"]
    for c, m in zip(by_major["city"].tolist(), by_major["target"].tolist(), strict=True):
        out.setdefault(c, set()).add(m)
    return out


def _read_sums(store: Store, cities: Sequence[str], year: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cities' offer and demand sums of the year as the store gives them, read once per graph version (never
    changed in place: copy before changing): the city table's per-city sums and its coupling's sums of all the
    cities are made from one read."""
    key = tuple(sorted(cities))
    got: tuple[pd.DataFrame, pd.DataFrame] = store.memo(
        ("raw-sums", key, year), lambda: (store.offer_sums(list(key), year), store.demand_sums(list(key), year)))
    return got


def _volumes(off: pd.DataFrame) -> pd.DataFrame:
    """Offer sums (``Store.offer_sums``) with their volumes, row by row (changed in place and returned): the
    groups' graduates, plus the enrolment of the programs without graduates spread over the years of study when
    the level tells them (iekg.queries.supply)."""
    duration = _duration(off)
    known = duration.notna()
    off["estimated_programs"] = _estimated_programs(off, known)
    off["estimated_volume"] = per_year(off["enrollment_only"], duration).where(known, 0.0)
    off["volume"] = off["graduates"] + off["estimated_volume"]
    off["positive_programs"] = off["positive_graduates"] + off["enrollment_only_positive"].where(known, 0)
    off["rated_volume"] = off["rated_graduates"] + per_year(off["rated_enrollment"], duration).where(known, 0.0)
    off["rate_volume"] = off["rate_graduates"] + per_year(off["rate_enrollment"], duration).where(known, 0.0)
    return off


def _duration(off: pd.DataFrame) -> pd.Series:
    """Each group's years of study, told by the major's level, else the institution's (NaN: not told)."""
    return durations(off["major_level"].where(off["major_level"].notna(), off["inst_level"]))


def _estimated_programs(off: pd.DataFrame, known: pd.Series) -> pd.Series:
    """The programs whose supply is estimated from enrolment: those with an enrolment but no graduates, where the
    duration is ``known``."""
    return off["enrollment_only_n"].where(known, 0).astype(int)


def no_figures(off: pd.DataFrame) -> pd.Series:
    """Per row of offer sums (or counts) with ``estimated_programs``: the programs without any figure — neither
    graduates nor an enrolment whose duration can be told (a fact without its figure is "no figures", never 0)."""
    return (off["programs"] - off["with_graduates"] - off["estimated_programs"]).astype(int)


def _cells(sup: pd.DataFrame, joined: pd.DataFrame) -> pd.DataFrame:
    """Supply, estimated supply and demand per city × industry (rows where any is given; a demand row without an
    industry is dropped), sorted by city and industry."""
    return pd.concat([
        sup.groupby(["city", "industry"])[["supply", "estimated_supply"]].sum(),
        joined.groupby(["city", "industry"])[["demand"]].sum(),
    ], axis=1).fillna(0.0).sort_index().reset_index()

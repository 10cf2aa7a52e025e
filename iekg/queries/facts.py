"""The scope's facts, read once per scope and year: :class:`ScopeData` (the rows: programs with their volume,
demand rows spread over industries — the network pages draw them) and :class:`ScopeSums` (the same numbers as
sums per city × industry from the store's aggregations — what the measures use).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Self

import pandas as pd

from iekg.graph.store import Store
from iekg.queries.demand import join_demand, scope_demand
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
        majors = set(programs["major"].unique()) | set(dem.loc[dem["target_label"] == "Major", "target"].unique())
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
    MEMO: ClassVar[str] = "scope-sums"

    @classmethod
    def _gather(cls, store: Store, scope: Scope) -> ScopeSums:
        cities = sorted(scope.cities)
        year = scope.year if scope.year is not None else latest_year(store, cities)
        return cls._of(store, scope, year, store.offer_sums(cities, year), store.demand_sums(cities, year))

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
            off_all = store.offer_sums(group, y)
            dem_all = store.demand_sums(group, y)
            off_by = dict(tuple(off_all.groupby("city", sort=False))) if len(off_all) else {}
            dem_by = dict(tuple(dem_all.groupby("city", sort=False))) if len(dem_all) else {}
            for c in group:
                off = off_by.get(c, off_all.iloc[0:0]).reset_index(drop=True)
                dem = dem_by.get(c, dem_all.iloc[0:0]).reset_index(drop=True)
                scope = Scope((c,), year)
                got = cls._of(store, scope, y, off.copy(), dem.copy())
                out[c] = memo((cls.MEMO, (c,), year), lambda got=got: got) if memo else got
        return out

    @classmethod
    def _of(cls, store: Store, scope: Scope, year: int | None, off: pd.DataFrame, dem: pd.DataFrame) -> ScopeSums:
        """The scope's sums from its offer and demand sums (read by :meth:`_gather` or :meth:`gather_each`)."""
        # volume (iekg.queries.supply): the groups' graduates, plus the enrolment of the programs without
        # graduates spread over the years of study when the level tells them
        duration = durations(off["major_level"].where(off["major_level"].notna(), off["inst_level"]))
        known = duration.notna()
        off["estimated_programs"] = off["enrollment_only_n"].where(known, 0).astype(int)
        off["estimated_volume"] = per_year(off["enrollment_only"], duration).where(known, 0.0)
        off["volume"] = off["graduates"] + off["estimated_volume"]
        off["positive_programs"] = off["positive_graduates"] + off["enrollment_only_positive"].where(known, 0)
        off["rated_volume"] = off["rated_graduates"] + per_year(off["rated_enrollment"], duration).where(known, 0.0)
        off["rate_volume"] = off["rate_graduates"] + per_year(off["rate_enrollment"], duration).where(known, 0.0)
        majors = set(off["major"].unique()) | set(dem.loc[dem["target_label"] == "Major", "target"].unique())
        weights = Weights.of(store, majors)
        w = weights.frame[["major", "industry", "weight"]]
        sup = weighted_supply(off[["city", "major", "volume", "estimated_volume"]], weights)
        sup = sup.assign(estimated_supply=sup["estimated_volume"] * sup["weight"])
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


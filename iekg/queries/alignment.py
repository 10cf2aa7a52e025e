"""Chain alignment (产教链条匹配度) exactly as ``metrics.md`` defines it, against the Store interface.

Everything is computed on whole tables (pandas merges and group-bys), never node by node:
``ScopeData`` gathers the scope's programs, crosswalk weights and demand once; ``alignment`` turns
them into per-industry supply, demand, ratio, status, structural deviation and cooperation density,
and per-scope S, D, SAI and chain coverage.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.store import Store

DURATION = {"高职专科": 3, "中职": 3, "本科": 4, "职业本科": 4}


@dataclass(frozen=True)
class Thresholds:
    """Status thresholds of metrics.md (settings): shortage below, surplus above."""

    shortage_below: float = 0.8
    surplus_above: float = 1.25


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


def rollup(codes: pd.Series) -> pd.Series:
    """GB/T 4754 codes of 3 or 4 digits roll up to their 2-digit 大类; 门类 letters stay as they are."""
    codes = codes.astype(str)
    return codes.where(~codes.str.match(r"^\d{3,4}$"), codes.str[:2])


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
        sub = store.rel_frame("SUBCLASS_OF", src_label="Major", dst_label="MajorCategory").rename(
            columns={"src": "major", "dst": "category"})
        if majors is not None:
            sub = sub[sub["major"].isin(set(majors))]
        aw = store.rel_frame("ALIGNS_WITH", ["weight"])
        own = store.rel_frame("ALIGNS_WITH", ["weight"], src_label="Major").rename(
            columns={"src": "major", "dst": "industry"})
        if majors is not None:
            own = own[own["major"].isin(set(majors))]
        cat = aw.merge(sub, left_on="src", right_on="category").rename(columns={"dst": "industry"})
        cat = cat[~cat["major"].isin(set(own["major"]))]
        own = own.merge(sub, on="major", how="left")
        frame = pd.concat([own.assign(via="major"), cat.assign(via="category")], ignore_index=True)
        frame = frame[["major", "industry", "weight", "via", "category"]]
        frame["industry"] = rollup(frame["industry"])
        frame["weight"] = frame["weight"].astype(float)
        summed = frame.groupby(["major", "industry", "via", "category"], dropna=False)["weight"].sum().reset_index()
        return cls(summed)


def all_programs(store: Store) -> pd.DataFrame:
    """Every OFFERS relationship with its institution's city and its volume (memoised until the next write).

    volume = graduates, or enrollment / duration (3 for 高职专科 and 中职, 4 for 本科 and 职业本科) with
    ``estimate`` true when graduates are missing.
    """

    def compute() -> pd.DataFrame:
        loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City").rename(
            columns={"src": "institution", "dst": "city"})
        offers = store.rel_frame("OFFERS", ["year", "graduates", "enrollment"]).rename(
            columns={"src": "institution", "dst": "major"}).merge(loc, on="institution")
        majors = store.node_frame("Major", ["level"]).rename(columns={"id": "major", "level": "major_level"})
        insts = store.node_frame("Institution", ["level"]).rename(columns={"id": "institution", "level": "inst_level"})
        offers = offers.merge(majors, on="major", how="left").merge(insts, on="institution", how="left")
        duration = offers["major_level"].fillna(offers["inst_level"]).map(DURATION).astype(float)
        grads = pd.to_numeric(offers["graduates"], errors="coerce")
        enrol = pd.to_numeric(offers["enrollment"], errors="coerce")
        estimate = grads.isna() & enrol.notna() & duration.notna()
        offers["volume"] = np.where(grads.notna(), grads, np.where(estimate, enrol / duration, 0.0))
        offers["estimate"] = estimate.to_numpy()
        offers["year"] = pd.to_numeric(offers["year"]).astype("Int64")
        return offers[["institution", "major", "city", "year", "graduates", "enrollment", "volume", "estimate"]]

    return store.memo(("programs",), compute)  # type: ignore[no-any-return]


@dataclass
class YearBase:
    """Supply and demand rows of one year for every city, joined once (memoised until the next write)."""

    year: int | None
    programs: pd.DataFrame
    weights: Weights
    supply_rows: pd.DataFrame
    demand_rows: pd.DataFrame
    industry_names: dict[str, str]

    @classmethod
    def of(cls, store: Store, year: int | None) -> YearBase:
        return store.memo(("year-base", year), lambda: cls._compute(store, year))  # type: ignore[no-any-return]

    @classmethod
    def _compute(cls, store: Store, year: int | None) -> YearBase:
        progs = all_programs(store)
        programs = progs[progs["year"] == year].reset_index(drop=True)
        weights = Weights.load(store)
        supply_rows = programs.merge(weights.frame[["major", "industry", "weight"]], on="major")
        supply_rows["supply"] = supply_rows["volume"] * supply_rows["weight"]
        names = store.node_frame("Industry", ["name"])
        return cls(year, programs, weights, supply_rows, cls._demand(store, year, weights),
                   dict(zip(names["id"], names["name"], strict=True)))

    @staticmethod
    def _demand(store: Store, year: int | None, weights: Weights) -> pd.DataFrame:
        parts = []
        for target_label in ("Industry", "Major"):
            for src_label in ("City", "Enterprise"):
                f = store.rel_frame("DEMANDS", ["year", "headcount", "city_code", "education_level", "major_code"],
                                    src_label=src_label, dst_label=target_label)
                parts.append(f[f["year"] == year].assign(src_label=src_label, target_label=target_label))
        d = pd.concat(parts, ignore_index=True).rename(columns={"dst": "target"})
        d["headcount"] = pd.to_numeric(d["headcount"]).astype(float)
        by_ind = d[d["target_label"] == "Industry"].assign(industry=lambda x: rollup(x["target"]), weight=1.0)
        by_major = d[d["target_label"] == "Major"].merge(
            weights.frame[["major", "industry", "weight"]], left_on="target", right_on="major", how="left")
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
        cities = set(scope.cities)
        year = scope.year
        if year is None:
            progs = all_programs(store)
            years = progs.loc[progs["city"].isin(cities), "year"].dropna()
            year = int(years.max()) if len(years) else None
        base = YearBase.of(store, year)
        programs = base.programs[base.programs["city"].isin(cities)]
        supply_rows = base.supply_rows[base.supply_rows["city"].isin(cities)]
        mapped = set(base.weights.frame["major"])
        unmapped = programs[~programs["major"].isin(mapped) & (programs["volume"] > 0)]
        demand_rows = base.demand_rows[base.demand_rows["city_code"].isin(cities)]
        return cls(scope, year, programs, base.weights, supply_rows, demand_rows, unmapped, base.industry_names)

    # ----------------------------------------------------------------------------- aggregates
    def supply(self) -> pd.Series:
        return self.supply_rows.groupby("industry")["supply"].sum()

    def demand(self) -> pd.Series:
        d = self.demand_rows.dropna(subset=["industry"])
        return d.groupby("industry")["demand"].sum()


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
    seg = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain")
    maps = store.rel_frame("MAPS_TO")
    segs = set(seg.loc[seg["dst"] == chain, "src"])
    if not segs:
        raise LookupError(f"chain {chain} is not in the graph (or has no segments)")
    return set(rollup(maps.loc[maps["src"].isin(segs), "dst"]))


def focus_segments(store: Store, scope: Scope) -> pd.DataFrame:
    """The scope's focus-chain segments (or the one chain's): segment, chain, industry (rolled up)."""
    seg = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain").rename(
        columns={"src": "segment", "dst": "chain"})
    if scope.chain:
        chains = {scope.chain}
    else:
        focus = store.rel_frame("FOCUSES_ON")
        chains = set(focus.loc[focus["src"].isin(set(scope.cities)), "dst"])
    seg = seg[seg["chain"].isin(chains)]
    maps = store.rel_frame("MAPS_TO").rename(columns={"src": "segment", "dst": "industry"})
    out = seg.merge(maps, on="segment", how="left")
    out["industry"] = rollup(out["industry"].fillna(""))
    return out


def enterprise_industries(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(enterprise, city, industry rolled up) and the COOPERATES_WITH pairs (memoised until the next write)."""

    def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
        loc = store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City").rename(
            columns={"src": "enterprise", "dst": "city"})
        ind = store.rel_frame("IN_INDUSTRY").rename(columns={"src": "enterprise", "dst": "industry"})
        ents = loc.merge(ind, on="enterprise")
        ents["industry"] = rollup(ents["industry"])
        coop = store.rel_frame("COOPERATES_WITH").rename(columns={"src": "institution", "dst": "enterprise"})
        return ents, coop[["institution", "enterprise"]].drop_duplicates()

    return store.memo(("enterprise-industries",), compute)  # type: ignore[no-any-return]


def cooperation_density(store: Store, data: ScopeData) -> pd.DataFrame:
    """Per industry: the scope's enterprises in it, and how many cooperate with an aligned institution."""
    ents, coop = enterprise_industries(store)
    ind = ents[ents["city"].isin(set(data.scope.cities))]
    aligned = data.supply_rows.loc[data.supply_rows["weight"] > 0, ["institution", "industry"]].drop_duplicates()
    hits = coop.merge(ind, on="enterprise").merge(aligned, on=["institution", "industry"])
    total = ind.groupby("industry")["enterprise"].nunique()
    cooperating = hits.groupby("industry")["enterprise"].nunique()
    return pd.DataFrame({"enterprises": total, "cooperating": cooperating}).fillna(0).astype(int)


def alignment(store: Store, scope: Scope, thresholds: Thresholds | None = None,
              data: ScopeData | None = None) -> dict[str, Any]:
    """The alignment of one scope: the JSON object of ``iekg align``."""
    t = thresholds or Thresholds()
    data = data or ScopeData.gather(store, scope)
    s = data.supply()
    d = data.demand()
    frame = pd.DataFrame({"supply": s, "demand": d}).fillna(0.0)
    if scope.chain:
        frame = frame[frame.index.isin(chain_industries(store, scope.chain))]
    frame = frame[(frame["supply"] > 0) | (frame["demand"] > 0)].sort_index()
    S, D = float(frame["supply"].sum()), float(frame["demand"].sum())
    sv, dv = frame["supply"].to_numpy(), frame["demand"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(dv > 0, sv / np.where(dv > 0, dv, 1), np.nan)
        share_s = sv / S if S > 0 else np.full_like(sv, np.nan)
        share_d = dv / D if D > 0 else np.full_like(dv, np.nan)
        deviation = np.where(dv > 0, share_s / np.where(share_d > 0, share_d, 1) - 1, np.nan)
    sai = float(1 - 0.5 * np.abs(share_s - share_d).sum()) if S > 0 and D > 0 else None
    status = _statuses(sv, dv, t)
    coop = cooperation_density(store, data)
    dens = (coop["cooperating"] / coop["enterprises"]).reindex(frame.index)
    est = data.supply_rows[data.supply_rows["estimate"]].groupby("industry")["supply"].sum()

    segs = focus_segments(store, scope)
    supplied = set(frame.index[frame["supply"] > 0])
    seg_cov = segs.assign(supplied=segs["industry"].isin(supplied)).groupby(["chain", "segment"])["supplied"].any()
    coverage = float(seg_cov.mean()) if len(seg_cov) else None

    def num(x: float) -> float | None:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    industries = [
        {"code": code, "name": data.industry_names.get(code, ""), "supply": float(sv[k]), "demand": float(dv[k]),
         "ratio": num(ratio[k]), "status": str(status[k]), "deviation": num(deviation[k]),
         "cooperation_density": num(dens.iloc[k]),
         "enterprises": int(coop["enterprises"].get(code, 0)), "estimated_supply": float(est.get(code, 0.0))}
        for k, code in enumerate(frame.index)
    ]
    return {
        "scope": scope.id, "scope_name": scope.name, "scope_kind": scope.kind, "cities": list(scope.cities),
        "chain": scope.chain, "year": data.year, "S": S, "D": D, "sai": sai, "coverage": coverage,
        "estimates": bool(data.programs["estimate"].any()),
        "estimated_programs": int(data.programs["estimate"].sum()),
        "unmapped_programs": len(data.unmapped),
        "segments": {"total": len(seg_cov), "covered": int(seg_cov.sum()),
                     "uncovered": sorted(seg_cov.index.get_level_values("segment")[~seg_cov.to_numpy()])},
        "thresholds": {"shortage_below": t.shortage_below, "surplus_above": t.surplus_above},
        "industries": industries,
    }


@dataclass
class Coded:
    """A year's supply and demand rows coded as integers (city × industry), for bincount aggregation."""

    cities: pd.Index
    industries: pd.Index
    s_cell: np.ndarray  # city_index * n_industries + industry_index, one per supply row
    s_val: np.ndarray
    d_cell: np.ndarray
    d_val: np.ndarray

    @classmethod
    def of(cls, store: Store, year: int | None) -> Coded:
        def compute() -> Coded:
            base = YearBase.of(store, year)
            dem = base.demand_rows.dropna(subset=["industry"])
            cities = pd.Index(sorted(set(base.supply_rows["city"]) | set(dem["city_code"])))
            inds = pd.Index(sorted(set(base.supply_rows["industry"]) | set(dem["industry"])))
            n = len(inds)
            s_cell = cities.get_indexer(base.supply_rows["city"]) * n + inds.get_indexer(base.supply_rows["industry"])
            d_cell = cities.get_indexer(dem["city_code"]) * n + inds.get_indexer(dem["industry"])
            return cls(cities, inds, s_cell, base.supply_rows["supply"].to_numpy(float), d_cell,
                       dem["demand"].to_numpy(float))

        return store.memo(("coded", year), compute)  # type: ignore[no-any-return]


def alignment_table(store: Store, cities: Sequence[str], year: int | None = None,
                    thresholds: Thresholds | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-industry and per-city alignment of many cities in one vectorised pass (each city its own scope).

    Returns (per city × industry: supply, demand, ratio, status, deviation) and (per city: S, D, sai).
    Gives the same numbers as :func:`alignment` called city by city; ``year`` None means the latest year
    with programs in any of the cities.
    """
    t = thresholds or Thresholds()
    cities = sorted(set(cities))
    if year is None:
        progs = all_programs(store)
        years = progs.loc[progs["city"].isin(set(cities)), "year"].dropna()
        year = int(years.max()) if len(years) else None
    c = Coded.of(store, year)
    n_c, n_i = len(c.cities), len(c.industries)
    s = np.bincount(c.s_cell, weights=c.s_val, minlength=n_c * n_i).reshape(n_c, n_i)
    d = np.bincount(c.d_cell, weights=c.d_val, minlength=n_c * n_i).reshape(n_c, n_i)
    rows = c.cities.get_indexer(pd.Index(cities))
    present = rows >= 0
    s, d = s[rows[present]], d[rows[present]]
    names = np.asarray(cities)[present]
    S, D = s.sum(axis=1), d.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_s = s / S[:, None]
        share_d = d / D[:, None]
        ratio = np.where(d > 0, s / np.where(d > 0, d, 1), np.nan)
        deviation = np.where(d > 0, share_s / np.where(share_d > 0, share_d, 1) - 1, np.nan)
        sai = np.where((S > 0) & (D > 0), 1 - 0.5 * np.abs(share_s - share_d).sum(axis=1), np.nan)
    status = _statuses(s, d, t)
    ci, ii = np.nonzero((s > 0) | (d > 0))
    idx = pd.MultiIndex.from_arrays([names[ci], c.industries.to_numpy()[ii]], names=["city", "industry"])
    table = pd.DataFrame({"supply": s[ci, ii], "demand": d[ci, ii], "ratio": ratio[ci, ii], "status": status[ci, ii],
                          "deviation": deviation[ci, ii]}, index=idx)
    totals = pd.DataFrame({"S": S, "D": D, "sai": sai, "year": year}, index=pd.Index(names, name="city"))
    return table, totals

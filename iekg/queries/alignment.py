"""Chain alignment (产教链条匹配度) exactly as ``metrics.md`` defines it, against the Store interface.

Everything is computed on whole tables (pandas merges and group-bys), never node by node: the scope's
facts (:mod:`iekg.queries.facts`: supply from :mod:`iekg.queries.supply`, demand spread over industries by
:mod:`iekg.queries.demand`) are read once; ``alignment`` turns them into per-industry supply, demand, ratio,
status, structural deviation and cooperation density, and per-scope S, D, SAI and chain coverage.

Where the rest lives: a scope and its checks in :mod:`iekg.queries.scope`, the data coverage (programs without
figures, thin years, what is only in the public lists) in :mod:`iekg.queries.coverage`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import CrosswalkAligned, rollup
from iekg.queries.cooperation import CooperationSummary, counted, inactive_words
from iekg.queries.coverage import (
    data_coverage,
    empty_reason,
)
from iekg.queries.demand import join_demand, known_industries
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import Scope, chain_industries, located_in

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


# -------------------------------------------------------------------------------------- measures
def status_of(s: float, d: float, t: Thresholds) -> str:
    """The supply/demand status of one industry: ``none`` (neither) or ``no_demand`` (supply without demand) when
    ``d`` is 0, ``unmet`` when ``s`` is 0, else ``shortage``, ``surplus`` or ``balanced`` by the ratio s / d.

    Parameters
    ----------
    s : float
        The industry's supply (people per year).
    d : float
        Its demand (people).
    t : Thresholds
        The status thresholds (``shortage_below``, ``surplus_above``).

    Returns
    -------
    str
        ``none``, ``no_demand``, ``unmet``, ``shortage``, ``surplus`` or ``balanced``.

    Examples
    --------
    >>> status_of(40.0, 100.0, Thresholds())
    'shortage'
    """
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


def focus_segments(store: Store, scope: Scope) -> pd.DataFrame:
    """The scope's focus-chain segments (or the one chain's): segment, chain, industry (rolled up) — the one-scope
    case of :func:`focus_segments_each`, memoised per cities and chain until the store's next write.

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope: its cities' FOCUSES_ON chains, or only ``scope.chain`` when it is set.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``chain`` and ``industry`` (2-digit code; ``""`` for a segment that maps to no
        industry), one row per segment × industry, sorted.  Shared by the memo: never changed in place.
    """
    cities = tuple(sorted(scope.cities))
    return store.memo(("focus-segments", cities, scope.chain),  # type: ignore[no-any-return]
                      lambda: focus_segments_each(store, {"": cities}, scope.chain)[""])


def focus_segments_each(store: Store, groups: dict[str, Sequence[str]], chain: str | None = None
                        ) -> dict[str, pd.DataFrame]:
    """:func:`focus_segments` of many scopes (key → its cities) set at a time: the cities' FOCUSES_ON, the chains'
    segments and the segments' industries read once for all of them and cut per scope; each result is memoised
    as :func:`focus_segments` looks it up (the city table, every city its own scope).

    Parameters
    ----------
    store : Store
        The graph.
    groups : dict of str to sequence of str
        Each scope's key and its cities.
    chain : str, optional
        Only this chain, for every scope (else each scope's focus chains).

    Returns
    -------
    dict of str to pandas.DataFrame
        Per key: its :func:`focus_segments` frame.
    """
    every = sorted({c for cs in groups.values() for c in cs})
    if chain:
        chains_of = {k: [chain] for k in groups}
    else:
        foc = store.rel_frame("FOCUSES_ON", src_label="City", src_ids=every)
        by_city = {str(c): set(g) for c, g in foc.groupby("src", sort=False)["dst"]} if len(foc) else {}
        chains_of = {k: sorted(set().union(*(by_city.get(str(c), set()) for c in cs))) for k, cs in groups.items()}
    chains = sorted({x for cs in chains_of.values() for x in cs})
    seg = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=chains).rename(
        columns={"src": "segment", "dst": "chain"})
    maps = store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=seg["segment"]).rename(
        columns={"src": "segment", "dst": "industry"})
    out = seg.merge(maps, on="segment", how="left")
    out["industry"] = rollup(out["industry"].fillna(""))
    out = out.sort_values(["chain", "segment", "industry"]).reset_index(drop=True)
    got: dict[str, pd.DataFrame] = {}
    for k, cs in groups.items():
        one = out if len(groups) == 1 else out[out["chain"].isin(chains_of[k])].reset_index(drop=True)

        def keep(v: pd.DataFrame = one) -> pd.DataFrame:
            return v

        got[k] = store.memo(("focus-segments", tuple(sorted(cs)), chain), keep)
    return got


def scope_enterprises(store: Store, cities: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scope's enterprises (enterprise, city, industry rolled up) and their COOPERATES_WITH pairs
    (institution, enterprise, ``counted``: whether an ongoing cooperation joins the pair —
    iekg.queries.cooperation — else all its cooperations are ended or not begun).

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The scope's city codes.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The enterprises (columns ``enterprise``, ``city``, ``industry``: one row per enterprise × industry)
        and the pairs (columns ``institution``, ``enterprise``, ``counted``: bool).
    """
    loc = located_in(store, "Enterprise", cities=cities).rename(columns={"id": "enterprise"})
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
    ``left_out_enterprises`` and ``unstated``: counted by the store, memoised with the scope's sums.

    Parameters
    ----------
    store : Store
        The graph.
    sums : ScopeSums
        The scope's sums (its cities, year and aligned majors).

    Returns
    -------
    pandas.DataFrame
        Indexed by industry, columns ``enterprises``, ``cooperating``, ``left_out_enterprises`` and ``unstated``.
    """
    cities = tuple(sorted(sums.scope.cities))
    inactive = inactive_words()
    c = store.memo(("cooperation", cities, sums.year, inactive),  # the aligned majors follow from cities and year
                   lambda: store.cooperation_counts(cities, sums.year, CrosswalkAligned(sums.aligned), inactive))
    return c.set_index("industry")[["enterprises", "cooperating", "left_out_enterprises", "unstated"]]


def demand_known(sums: ScopeSums) -> set[str]:
    """The industries (大类) that have at least one demand row in scope (a row given by major counts for
    the industries its weights point to with w > 0).  An industry outside this set has *no demand data*,
    which is not a demand of 0.

    Parameters
    ----------
    sums : ScopeSums
        The scope's sums (its demand rows and crosswalk weights).

    Returns
    -------
    set of str
        The industry codes with demand data.
    """
    if sums.known_demand is not None:  # kept when the sums were made (ScopeSums._of)
        return set(sums.known_demand)
    return known_industries(join_demand(sums.demands, sums.weights))


# Nodes of these provenance kinds come from the public lists (iekg build --public) and the project's reference


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
    """Why a scope's supply is no data: none of its programs has a figure, or it has no program that year.

    Parameters
    ----------
    sums : ScopeSums
        The scope's sums (its year and number of programs).

    Returns
    -------
    str
        The reason, in Chinese with an English gloss.
    """
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
    readiness needs no more, for every city.

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope.
    sums : ScopeSums, optional
        The scope's sums when the caller has them (else gathered here).

    Returns
    -------
    dict
        ``sai``, ``sai_observed``, ``sai_note``, ``demand_coverage``, ``S`` (None when supply is no data),
        ``D``, ``year``, ``supply_data``, ``supply_reason`` and ``programs_without_figures``.

    Examples
    --------
    >>> sai_summary(store, resolve_scope(store, city="410200"))["sai_observed"]
    """
    sums = sums or ScopeSums.gather(store, scope)
    b = _Balance.of(store, scope, sums)
    return {"sai": b.sai, "sai_observed": b.sai_observed, "sai_note": b.sai_note, "demand_coverage": b.demand_coverage,
            "S": b.S if b.supply_data else None, "D": b.D, "year": sums.year, "supply_data": b.supply_data,
            "supply_reason": b.supply_reason, "programs_without_figures": sums.programs_without_figures}


def alignment(store: Store, scope: Scope, thresholds: Thresholds | None = None,
              sums: ScopeSums | None = None, *, cooperation: bool = True) -> dict[str, Any]:
    """The alignment of one scope: the JSON object of ``iekg align``.

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope (:func:`iekg.queries.scope.resolve_scope`).
    thresholds : Thresholds, optional
        The status thresholds (default: from the settings).
    sums : ScopeSums, optional
        The scope's sums when the caller has them (else gathered here).
    cooperation : bool
        False: without the cooperation parts (the ``cooperation`` key and the industries' ``cooperation_density``,
        ``cooperating``, ``cooperations_left_out`` and ``enterprises``), not read — for the callers that show
        none of them (the city table, the trend); every other figure is the same.

    Returns
    -------
    dict
        ``scope``, ``scope_name``, ``scope_kind``, ``cities``, ``chain``, ``year``, ``S``, ``D``, ``sai``,
        ``sai_observed``, ``sai_note``, ``coverage`` (chain coverage), ``demand_coverage``, ``segments``
        (``total``, ``covered``, ``uncovered``, ``uncovered_named``), ``thresholds``, ``supply_data``,
        ``supply_reason``, ``data_coverage``, ``reason`` (why there are no industries), ``cooperation``, and
        ``industries``: one dict per industry with supply or demand (``code``, ``name``, ``supply``,
        ``demand``, ``ratio``, ``status``, ``deviation``, ``cooperation_density``, ``enterprises``,
        ``demand_data``, ``note`` …).

    Examples
    --------
    >>> alignment(store, resolve_scope(store, city="410200"))["sai"]
    """
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
    if cooperation:
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
                **({"cooperation_density": num(dens.iloc[k]),
                    "cooperating": int(coop["cooperating"].get(code, 0)),
                    "cooperations_left_out": coop_info.per_industry(code),
                    "enterprises": int(coop["enterprises"].get(code, 0))} if cooperation else {}),
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
    out = {
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
        "data_coverage": cov, "reason": reason, "cooperation": coop_info.as_dict() if cooperation else None,
        "industries": industries,
    }
    if not cooperation:
        del out["cooperation"]
    return out


def deviation_note(s: float, d: float, S: float, D: float, status: str) -> str | None:
    """A sentence when the structural deviation and the supply/demand ratio point different ways (a
    shortage with a positive deviation, a surplus with a negative one): deviation compares shares, not
    counts.

    Parameters
    ----------
    s, d : float
        The industry's supply and demand.
    S, D : float
        The scope's total supply and demand.
    status : str
        The industry's status (:func:`status_of`).

    Returns
    -------
    str or None
        The sentence (Chinese with an English gloss), or None when both point the same way or a total is 0.
    """
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

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The city codes (each one its own scope).
    year : int, optional
        The year (None: the latest with programs in any of the cities).
    thresholds : Thresholds, optional
        The status thresholds (default: from the settings).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Indexed by (``city``, ``industry``): ``supply``, ``demand``, ``ratio``, ``status``, ``deviation``,
        ``demand_data``; and indexed by ``city``: ``S``, ``D``, ``sai``, ``year``, ``sai_observed``,
        ``supply_without_demand_data``.
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

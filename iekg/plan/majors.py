"""The majors optimisation on the graph (issue 23 item 3): a scope's programs, the new programs its
institutions may open, the crosswalk and the year's supply and demand, handed to :func:`iekg.plan.optimise.
optimise`, and its answer explained with names.

- **Programs** of the scope in the year, each with today's places a year: enrolment ÷ duration when both are
  known, else the year's graduates (the steady state); a program with neither is left out and listed.
- **Candidates**: for each institution, the catalogue's majors of a level it teaches, of a 专业类 (the code's
  first four characters) it already teaches, not offered yet, feeding an industry in shortage or unmet demand
  (crosswalk weight > 0).  Nothing else can close a shortage, so nothing else is offered to the solver.  Of the
  majors with the same weights and level at an institution, only as many as the budget of new programs are
  offered (the lowest codes; the others listed as alternatives): the optimum is the same.
- **Supply and demand** per industry: the alignment's (demand only where there is demand data) — of the data
  year, or of a target year when its projected sums are given (``sums=``, :func:`iekg.plan.target.target_sums`):
  the programs and their places are then still today's (the data year's), the figures they are judged against
  the target year's.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import OFFER_PROPS, _offers
from iekg.plan.optimise import (
    GROUPS,
    MAX_EXACT_VARIABLES,
    MIP_GAP,
    Constraints,
    Problem,
    Result,
    estimated_variables,
    optimise,
    optimise_by_parts,
)
from iekg.queries.scope import Scope

if TYPE_CHECKING:
    from iekg.queries.facts import ScopeSums


def division(code: Any) -> str:
    """The 专业类 of a major code: its first four characters (本科 0809 计算机类, 高职 4601 …)."""
    return str(code)[:4]


def problem_of(store: Store, scope: Scope, c: Constraints | None = None, *, sums: ScopeSums | None = None,
               base_year: int | None = None) -> tuple[Problem, dict[str, Any]]:
    """The optimisation's data for a scope, and what was left out (programs without figures).

    Parameters
    ----------
    store, scope
        The graph and the scope (its year: the data year; None — the latest with programs).
    c : Constraints, optional
        The budget of new programs bounds how many majors of one kind an institution is offered.
    sums : ScopeSums, optional
        The supply and demand to plan against (a target year's projection); default: the scope's own.
    base_year : int, optional
        The year of the programs (today's places) when ``sums`` is another year's; default: the scope's data year.

    Returns
    -------
    (Problem, dict)
        The problem; ``year``, ``left_out`` (institution, major of programs with no figures), ``names``
        (institutions, majors, industries).
    """
    from iekg.queries.alignment import alignment
    from iekg.queries.facts import ScopeSums
    from iekg.queries.supply import Weights, durations

    own = ScopeSums.gather(store, scope) if sums is None or base_year is None else None
    if sums is None:
        sums = own
    assert sums is not None
    year_of_programs = base_year if base_year is not None else (own.year if own is not None else None)
    if year_of_programs is None:
        raise LookupError("本范围没有专业点数据 (no programs in scope)")
    a = alignment(store, scope, sums=sums)
    if not a.get("supply_data", True):  # supply is no data, not 0: nothing to optimise against
        raise LookupError(a.get("supply_reason") or "本范围供给无数据 (no supply data)")
    year = int(year_of_programs)
    o = _offers(store, sorted(scope.cities), year, list(OFFER_PROPS))
    g = pd.to_numeric(o["graduates"], errors="coerce")
    e = pd.to_numeric(o["enrollment"], errors="coerce")
    L = durations(o["major_level"].where(o["major_level"].notna(), o["inst_level"]))
    intake = (e / L).where(e.notna() & L.notna(), g)
    keep = intake.notna()
    left_out = o.loc[~keep, ["institution", "major"]].to_dict("records")
    programs = pd.DataFrame({"key": o["institution"].astype(str) + "|" + o["major"].astype(str),
                             "institution": o["institution"].astype(str), "major": o["major"].astype(str),
                             "intake": intake.astype(float), "duration": L, "graduates": g,
                             "enrollment": e, "city": o["city"].astype(str)}).loc[keep].reset_index(drop=True)
    supply = pd.Series({i["code"]: float(i["supply"] or 0.0) for i in a["industries"]}, dtype=float)
    demand = pd.Series({i["code"]: float(i["demand"]) for i in a["industries"] if i.get("demand_data", True)},
                       dtype=float)
    below = a["thresholds"]["shortage_below"]  # the alignment's setting
    short = {j for j, d in demand.items() if d > 0 and supply.get(j, 0.0) < below * d}
    catalogue = store.node_frame("Major", ["level", "name"])
    pool = Weights.of(store, catalogue["id"].tolist()).frame
    feeding = set(pool.loc[(pool["weight"] > 0) & pool["industry"].isin(short), "major"])
    # set-at-a-time: (institution, 专业类 it teaches) × the catalogue's majors of that 专业类 feeding a shortage,
    # kept where the major's level is one the institution teaches and the institution does not offer it yet
    cat = catalogue.loc[catalogue["id"].isin(feeding) & catalogue["level"].notna(), ["id", "level"]]
    cat = cat.assign(id=cat["id"].astype(str), div=cat["id"].astype(str).str[:4])
    taught = pd.DataFrame({"institution": o["institution"].astype(str), "major": o["major"].astype(str),
                           "level": o["major_level"]})
    divs = taught.assign(div=taught["major"].str[:4])[["institution", "div"]].drop_duplicates()
    levels = taught.loc[taught["level"].notna(), ["institution", "level"]].drop_duplicates()
    offered = taught[["institution", "major"]].drop_duplicates().assign(_offered=True)
    rows = (divs.merge(cat, on="div").merge(levels, on=["institution", "level"])
            .rename(columns={"id": "major"})[["institution", "major"]]
            .merge(offered, on=["institution", "major"], how="left"))
    rows = rows.loc[rows["_offered"].isna(), ["institution", "major"]].drop_duplicates()
    c = c or Constraints()
    candidates, alternatives = _per_kind(rows.reset_index(drop=True), pool, catalogue, max(int(c.new_programs), 0))
    city_of = o.drop_duplicates("institution").set_index("institution")["city"].astype(str)
    candidates["city"] = candidates["institution"].map(city_of).astype(str)
    majors = set(programs["major"]) | set(candidates["major"])
    weights = pool[pool["major"].isin(majors)][["major", "industry", "weight"]]
    names = {"majors": dict(zip(catalogue["id"], catalogue["name"], strict=True)),
             "industries": {i["code"]: i["name"] for i in a["industries"]},
             "institutions": dict(zip(*store.node_frame("Institution", ["name"],
                                                        ids=sorted(set(o["institution"]))).pipe(
                                                            lambda f: (f["id"], f["name"])), strict=True))}
    dur = dict(zip(catalogue["id"], durations(catalogue["level"]), strict=True))
    return Problem(programs, candidates, weights, supply, demand), {"year": year, "left_out": left_out,
                                                                   "names": names, "alignment": a,
                                                                   "durations": dur, "alternatives": alternatives}


def _per_kind(candidates: pd.DataFrame, pool: pd.DataFrame, catalogue: pd.DataFrame,
              budget: int) -> tuple[pd.DataFrame, Alternatives]:
    """At most ``budget`` candidates per institution and kind of major: majors with the same crosswalk weights
    and level (the crosswalk is by 专业类, so the majors of a 专业类 share them) are the same to the model —
    opening one or another changes the same industries by the same numbers — and no more than ``budget`` new
    programs open in all.  The lowest codes stand for the kind; the others are their alternatives (each
    recommended new program lists them).  An exact reduction: the optimum is the same, the problem several
    times smaller."""
    if not len(candidates):
        return candidates, Alternatives(candidates.assign(kind=0, rank=0), budget)
    w = pool[pool["weight"] > 0].sort_values(["major", "industry"])
    sig = (w["industry"].astype(str) + ":" + w["weight"].round(9).map(repr)).groupby(w["major"].astype(str)).agg(" ".join)
    c = candidates.sort_values(["institution", "major"]).reset_index(drop=True)
    level = catalogue.assign(id=catalogue["id"].astype(str)).set_index("id")["level"]
    key = c["major"].map(level).astype(str) + "|" + c["major"].map(sig).fillna("")
    c["kind"] = pd.factorize(key)[0]
    c["rank"] = c.groupby(["institution", "kind"], sort=False).cumcount()  # by code within the kind
    out = c.loc[c["rank"] < budget, ["institution", "major"]].sort_values(["institution", "major"])
    return out.reset_index(drop=True), Alternatives(c, budget)


class Alternatives:
    """The majors a kept candidate stands for (same institution and kind, codes beyond the budget's first):
    ``get((institution, major), default)`` as a dict's, computed on demand (a province has 10⁵ candidates, a
    recommendation a handful of new programs)."""

    def __init__(self, frame: pd.DataFrame, budget: int) -> None:
        self.frame, self.budget = frame, budget
        kept = frame[frame["rank"] < budget]
        self.kind = dict(zip(zip(kept["institution"].astype(str).tolist(), kept["major"].astype(str).tolist(),
                                 strict=True), kept["kind"].tolist(), strict=True))

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        k = self.kind.get(key)
        if k is None:
            return default
        f = self.frame
        return list(f.loc[(f["institution"] == key[0]) & (f["kind"] == k) & (f["rank"] >= self.budget), "major"])

    def __getitem__(self, key: tuple[str, str]) -> list[str]:
        got = self.get(key)
        if got is None:
            raise KeyError(key)
        return list(got)


def _figure(x: Any) -> float | None:
    return None if x is None or x != x else float(x)


def groups_used(c: Constraints) -> list[str]:
    """The constraint groups that impose something under ``c`` (the others are named as not set)."""
    used = ["band"]
    if c.never_cut_shortage:
        used.append("never_cut")
    if c.min_size > 0:
        used.append("min_size")
    if c.min_change > 0:
        used.append("min_change")
    used.append("budget")
    if c.max_growth is not None or c.max_change_share is not None:
        used.append("max_growth")
    if c.goal_unmet is not None:
        used.append("goal")
    return used


def recommend(store: Store, scope: Scope, c: Constraints | None = None, *, sums: ScopeSums | None = None,
              base_year: int | None = None, target_year: int | None = None, time_limit: float = 60.0,
              mip_gap: float | None = MIP_GAP, exact: bool | None = None) -> dict[str, Any]:
    """The recommended intake changes of a scope, each line explained (which industries it serves, by weight),
    with unmet demand, surplus and SAI before and after, the problem's size and what was left out.

    Parameters
    ----------
    store, scope
        The graph and the scope.
    c : Constraints, optional
        The planner's constraints.
    sums, base_year, target_year
        Plan against a target year: its projected sums, the data year of today's programs, and the target year
        (each line then says whether its first graduates come by the target year).
    time_limit, mip_gap
        The solver's (:func:`iekg.plan.optimise.optimise`).
    exact : bool, optional
        True: one model for the whole scope; False: city by city (:func:`iekg.plan.optimise.optimise_by_parts`,
        status ``approximate``); None (default): one model unless it would have more than
        :data:`~iekg.plan.optimise.MAX_EXACT_VARIABLES` variables and the scope has several cities.
    """
    started = time.perf_counter()
    c = c or Constraints()
    problem, info = problem_of(store, scope, c, sums=sums, base_year=base_year)
    th = info["alignment"]["thresholds"]  # the status bands are the alignment's settings, not a second copy
    c = replace(c, shortage_below=th["shortage_below"], surplus_above=th["surplus_above"])
    if exact is None:
        exact = (estimated_variables(problem) <= MAX_EXACT_VARIABLES or
                 problem.programs.get("city", pd.Series(dtype=str)).nunique() <= 1)
    res: Result = (optimise(problem, c, time_limit=time_limit, mip_gap=mip_gap) if exact else
                   optimise_by_parts(problem, c, time_limit=time_limit, mip_gap=mip_gap))
    n = info["names"]
    L = info["durations"]  # by the major's level (3 for 专科 and 中职, 4 for 本科)
    figures_of = {(str(r.institution), str(r.major)): (_figure(r.graduates), _figure(r.enrollment))
                  for r in problem.programs.itertuples()}
    lines = []
    for ch in res.changes:
        dur = L.get(ch.major)
        first = info["year"] + 1 + int(dur) if dur is not None and dur == dur else None
        lines.append({
            "kind": ch.kind, "institution": ch.institution, "institution_name": n["institutions"].get(ch.institution),
            "major": ch.major, "major_name": n["majors"].get(ch.major), "before": round(ch.before, 4),
            "after": round(ch.after, 4), "change": round(ch.delta, 4), "first_graduates": first,
            "duration": None if dur is None or dur != dur else float(dur),
            "graduates_before": figures_of.get((ch.institution, ch.major), (None, None))[0],
            "enrollment_before": figures_of.get((ch.institution, ch.major), (None, None))[1],
            "by_target": None if target_year is None or first is None else first <= target_year,
            "serves": [{**s, "industry_name": n["industries"].get(s["industry"])} for s in ch.serves],
            "alternatives": [{"major": m, "major_name": n["majors"].get(m)}
                             for m in info["alternatives"].get((ch.institution, ch.major), [])]
            if ch.kind == "new" else []})
    industries = []
    if res.per_industry is not None:
        for r in res.per_industry.to_dict("records"):
            d = None if r["demand"] != r["demand"] else float(r["demand"])
            industries.append({
                "industry": r["industry"], "industry_name": n["industries"].get(r["industry"]),
                "supply_before": round(float(r["supply_before"]), 4), "supply_after": round(float(r["supply_after"]), 4),
                "demand": d, "unmet_before": None if d is None else round(max(d - float(r["supply_before"]), 0.0), 4),
                "unmet_after": None if d is None else round(max(d - float(r["supply_after"]), 0.0), 4),
                "status_before": r["status_before"], "status_after": r["status_after"]})
    used = groups_used(c)
    settings = {k: v for k, v in asdict(c).items() if k not in ("shortage_below", "surplus_above")}
    settings.update(band_down=c.down, band_up=c.up)
    return {"scope": scope.id, "year": info["year"], "target_year": target_year, "status": res.status,
            "message": res.message, "binding": res.binding,
            "binding_named": [{"group": g, "text": c.describe(g)} for g in res.binding],
            "changes": lines, "before": res.before, "after": res.after, "industries": industries,
            "size": {**res.size, "total_seconds": round(time.perf_counter() - started, 4)},
            "left_out": info["left_out"],
            "constraints": settings,
            "constraints_used": [{"group": g, "text": c.describe(g)} for g in used],
            "constraints_not_set": [g for g in GROUPS if g not in used],
            "thresholds": {"shortage_below": c.shortage_below, "surplus_above": c.surplus_above}}

"""The majors optimisation on the graph (issue 23 item 3): a scope's programs, the new programs its
institutions may open, the crosswalk and the year's supply and demand, handed to :func:`iekg.plan.optimise.
optimise`, and its answer explained with names.

- **Programs** of the scope in the year, each with today's places a year: enrolment ÷ duration when both are
  known, else the year's graduates (the steady state); a program with neither is left out and listed.
- **Candidates**: for each institution, the catalogue's majors of a level it teaches, of a 专业类 (the code's
  first four characters) it already teaches, not offered yet, feeding an industry in shortage or unmet demand
  (crosswalk weight > 0).  Nothing else can close a shortage, so nothing else is offered to the solver.
- **Supply and demand** per industry: the alignment's (demand only where there is demand data).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import OFFER_PROPS, _offers
from iekg.plan.optimise import Constraints, Problem, Result, optimise
from iekg.queries.scope import Scope


def division(code: Any) -> str:
    """The 专业类 of a major code: its first four characters (本科 0809 计算机类, 高职 4601 …)."""
    return str(code)[:4]


def problem_of(store: Store, scope: Scope, c: Constraints | None = None) -> tuple[Problem, dict[str, Any]]:
    """The optimisation's data for a scope, and what was left out (programs without figures).

    Returns
    -------
    (Problem, dict)
        The problem; ``year``, ``left_out`` (institution, major of programs with no figures), ``names``
        (institutions, majors, industries).
    """
    from iekg.queries.alignment import alignment
    from iekg.queries.facts import ScopeSums
    from iekg.queries.supply import Weights, durations

    c = c or Constraints()
    sums = ScopeSums.gather(store, scope)
    if sums.year is None:
        raise LookupError("本范围没有专业点数据 (no programs in scope)")
    a = alignment(store, scope, sums=sums)
    if not a.get("supply_data", True):  # supply is no data, not 0: nothing to optimise against
        raise LookupError(a.get("supply_reason") or "本范围供给无数据 (no supply data)")
    year = int(sums.year)
    o = _offers(store, sorted(scope.cities), year, list(OFFER_PROPS))
    g = pd.to_numeric(o["graduates"], errors="coerce")
    e = pd.to_numeric(o["enrollment"], errors="coerce")
    L = durations(o["major_level"].where(o["major_level"].notna(), o["inst_level"]))
    intake = (e / L).where(e.notna() & L.notna(), g)
    keep = intake.notna()
    left_out = o.loc[~keep, ["institution", "major"]].to_dict("records")
    programs = pd.DataFrame({"key": o["institution"].astype(str) + "|" + o["major"].astype(str),
                             "institution": o["institution"].astype(str), "major": o["major"].astype(str),
                             "intake": intake.astype(float), "duration": L}).loc[keep].reset_index(drop=True)
    supply = pd.Series({i["code"]: float(i["supply"] or 0.0) for i in a["industries"]}, dtype=float)
    demand = pd.Series({i["code"]: float(i["demand"]) for i in a["industries"] if i.get("demand_data", True)},
                       dtype=float)
    below = a["thresholds"]["shortage_below"]  # the alignment's setting
    short = {j for j, d in demand.items() if d > 0 and supply.get(j, 0.0) < below * d}
    catalogue = store.node_frame("Major", ["level", "name"])
    taught = o.assign(div=o["major"].map(division))
    per_inst = taught.groupby("institution").agg(levels=("major_level", lambda s: set(s.dropna())),
                                                 divs=("div", set), offered=("major", set))
    pool = Weights.of(store, catalogue["id"].tolist()).frame
    feeding = set(pool.loc[(pool["weight"] > 0) & pool["industry"].isin(short), "major"])
    rows = []
    for inst, r in per_inst.iterrows():
        ok = catalogue[catalogue["level"].isin(r["levels"]) & catalogue["id"].map(division).isin(r["divs"])
                       & ~catalogue["id"].isin(r["offered"]) & catalogue["id"].isin(feeding)]
        rows += [{"institution": str(inst), "major": str(m)} for m in ok["id"]]
    candidates = pd.DataFrame(rows, columns=["institution", "major"])
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
                                                                   "durations": dur}


def recommend(store: Store, scope: Scope, c: Constraints | None = None) -> dict[str, Any]:
    """The recommended intake changes of a scope, each line explained (which industries it serves, by weight),
    with unmet demand, surplus and SAI before and after, the problem's size and what was left out."""
    c = c or Constraints()
    problem, info = problem_of(store, scope, c)
    th = info["alignment"]["thresholds"]  # the status bands are the alignment's settings, not a second copy
    c = replace(c, shortage_below=th["shortage_below"], surplus_above=th["surplus_above"])
    res: Result = optimise(problem, c)
    n = info["names"]
    L = info["durations"]  # by the major's level (3 for 专科 and 中职, 4 for 本科)
    lines = []
    for ch in res.changes:
        dur = L.get(ch.major)
        lines.append({
            "kind": ch.kind, "institution": ch.institution, "institution_name": n["institutions"].get(ch.institution),
            "major": ch.major, "major_name": n["majors"].get(ch.major), "before": ch.before, "after": ch.after,
            "change": ch.delta,
            "first_graduates": info["year"] + 1 + int(dur) if dur is not None and dur == dur else None,
            "serves": [{**s, "industry_name": n["industries"].get(s["industry"])} for s in ch.serves]})
    return {"scope": scope.id, "year": info["year"], "status": res.status, "message": res.message,
            "binding": res.binding, "changes": lines, "before": res.before, "after": res.after, "size": res.size,
            "left_out": info["left_out"],
            "constraints": {k: getattr(c, k) for k in ("band", "min_size", "new_programs", "max_new_intake",
                                                        "max_growth", "never_cut_shortage", "goal_unmet")}}

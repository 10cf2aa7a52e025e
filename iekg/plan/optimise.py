"""Which majors to change (专业结构优化建议, issue 23): the intake changes that best close a scope's shortages
and unmet demand under the constraints a planner sets, solved as a mixed-integer linear programme by HiGHS
(``scipy.optimize.milp``), and explained change by change.

The model (docs/measures.md, "Which majors to change"):

- **Data.** Programs p (institution, major, current annual intake x⁰_p); candidate new programs q (an
  institution and a major it may open: of its levels and of divisions it already teaches, feeding an industry
  short of graduates); crosswalk weights w(m→j); each industry's supply s_j and demand d_j for the year planned
  (today's or the target year's projection).  A change of annual intake changes the graduates of a year by the
  same number once it has worked through (after the programme's duration): the model plans the steady state,
  and each line says the first year of graduates.
- **Variables.** Δ⁺_p, Δ⁻_p ≥ 0 (more and fewer places of program p); y_q ≥ 0 and o_q ∈ {0, 1} (open q with
  y_q places); u_j ≥ 0 (demand left unmet in industry j); v_j ≥ 0 (supply above the surplus band).
- **Supply after.** s′_j = s_j + Σ_p w_pj (Δ⁺_p − Δ⁻_p) + Σ_q w_qj y_q.
- **Objective.** minimise Σ_j u_j + λ Σ_j v_j + ε (Σ_p (Δ⁺_p + Δ⁻_p) + Σ_q y_q), with u_j ≥ d_j − s′_j and
  v_j ≥ s′_j − h·d_j for the industries with demand data (h: the surplus threshold; an industry without demand
  data is not penalised: its demand is unknown, not 0).  λ (default 0.5) weighs surplus against unmet demand;
  ε (0.001) prefers the smallest change among equally good ones.
- **Constraints** (each a named group, so that an infeasible set can be told apart):
  ``band`` — each institution's total intake within ±x % of today's;
  ``never_cut`` — a program whose major feeds an industry in shortage or unmet demand is never cut (Δ⁻_p = 0);
  ``min_size`` — a program keeps at least m places (Δ⁻_p ≤ x⁰_p − m; one smaller today must grow to m:
  Δ⁺_p ≥ m − x⁰_p) and a new one opens with at least m (m·o_q ≤ y_q ≤ M·o_q); the model closes no program
  (closing one is a scenario change of its own);
  ``budget`` — at most B new programs (Σ o_q ≤ B);
  ``max_growth`` — a program grows by at most g places (Δ⁺_p ≤ g) and changes by at most a share of its
  places (±50 % by default, our assumption: Δ⁺_p, Δ⁻_p ≤ 0.5·x⁰_p);
  ``goal`` (optional) — unmet demand after ≤ a target the planner sets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

GROUPS = ("band", "never_cut", "min_size", "budget", "max_growth", "goal")
GROUP_NAMES = {"band": "各院校招生总量变动不超过 ±{band:.0%}", "never_cut": "对应短缺行业的专业不减招",
               "min_size": "专业点规模不少于 {min_size:g} 人", "budget": "新设专业点不超过 {new_programs} 个",
               "max_growth": "单个专业点增减不超过 {max_growth:g} 人或现有规模的 {share:.0%}", "goal": "未满足需求不超过 {goal_unmet:g} 人"}


@dataclass(frozen=True)
class Constraints:
    """What a planner allows.

    Parameters
    ----------
    band : float
        Each institution's total annual intake stays within ±band of today's (0.1 = ±10 %).
    min_size : float
        A program keeps (and a new one opens with) at least this many places a year.
    new_programs : int
        At most this many new programs.
    max_new_intake : float
        A new program opens with at most this many places a year.
    max_growth : float or None
        An existing program grows by at most this many places (None: only the band limits it).
    max_change_share : float or None
        An existing program grows or shrinks by at most this share of its places (0.5: ±50 %; our assumption —
        a program does not double or halve in one plan; None: no such limit).
    never_cut_shortage : bool
        A major that feeds an industry in shortage or unmet demand is never cut.
    goal_unmet : float or None
        Require unmet demand after ≤ this (people); None: no requirement, just the best.
    surplus_weight, change_weight : float
        λ and ε of the objective.
    shortage_below, surplus_above : float
        The status thresholds (as the alignment's).
    """

    band: float = 0.10
    min_size: float = 30.0
    new_programs: int = 3
    max_new_intake: float = 200.0
    max_growth: float | None = None
    max_change_share: float | None = 0.5
    never_cut_shortage: bool = True
    goal_unmet: float | None = None
    surplus_weight: float = 0.5
    change_weight: float = 0.001
    shortage_below: float = 0.8
    surplus_above: float = 1.25

    def describe(self, group: str) -> str:
        return GROUP_NAMES[group].format(band=self.band, min_size=self.min_size, new_programs=self.new_programs,
                                         max_growth=self.max_growth or 0, goal_unmet=self.goal_unmet or 0,
                                         share=self.max_change_share or 0)


@dataclass
class Problem:
    """The optimisation's data.

    Parameters
    ----------
    programs : DataFrame
        One row per existing program: ``key``, ``institution``, ``major``, ``intake`` (places a year today),
        optional ``name``, ``institution_name``, ``duration``.
    candidates : DataFrame
        One row per new program allowed: ``institution``, ``major``, optional ``name``, ``duration``.
    weights : DataFrame
        ``major``, ``industry``, ``weight`` (the crosswalk: each major's weights sum to 1).
    supply, demand : Series
        Per industry code: supply and demand of the year planned.  An industry missing from ``demand`` has
        no demand data (not 0).
    """

    programs: pd.DataFrame
    candidates: pd.DataFrame
    weights: pd.DataFrame
    supply: pd.Series
    demand: pd.Series

    def industries(self) -> list[str]:
        w = set(self.weights["industry"].astype(str))
        return sorted(set(self.supply.index.astype(str)) | set(self.demand.index.astype(str)) | w)


@dataclass
class Change:
    kind: str  # "more", "fewer", "new"
    institution: str
    major: str
    before: float
    after: float
    serves: list[dict[str, Any]] = field(default_factory=list)  # industry, weight, people, status_before

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass
class Result:
    """The recommended changes, the figures before and after, and the problem's size."""

    status: str  # "optimal", "infeasible", "time_limit", "error"
    message: str
    changes: list[Change]
    before: dict[str, Any]
    after: dict[str, Any]
    size: dict[str, int]
    binding: list[str] = field(default_factory=list)  # infeasible: the constraint groups that cannot hold together
    per_industry: pd.DataFrame | None = None


def sai(s: np.ndarray, d: np.ndarray) -> float | None:
    """SAI = 1 − ½ Σ |s_j/S − d_j/D| over the industries given (metrics.md); None without supply or demand."""
    S, D = float(s.sum()), float(d.sum())
    if S <= 0 or D <= 0:
        return None
    return float(1 - 0.5 * np.abs(s / S - d / D).sum())


def figures(industries: Sequence[str], s: np.ndarray, d: np.ndarray, has_d: np.ndarray,
            c: Constraints) -> dict[str, Any]:
    """Unmet demand, surplus above the band, shortage industries and SAI of a supply vector."""
    keep = (s > 1e-9) | (d > 0)
    unmet = np.where(has_d, np.maximum(d - s, 0.0), 0.0)
    short = [industries[k] for k in range(len(s)) if has_d[k] and d[k] > 0 and s[k] < c.shortage_below * d[k] - 1e-9]
    return {"unmet_demand": round(float(unmet.sum()), 6),
            "surplus": round(float(np.where(has_d, np.maximum(s - c.surplus_above * d, 0.0), 0.0).sum()), 6),
            "shortage_industries": short, "sai": sai(s[keep], d[keep]), "S": float(s.sum()), "D": float(d.sum())}


def _weights_matrix(majors: Sequence[str], industries: Sequence[str], weights: pd.DataFrame) -> np.ndarray:
    col = {j: k for k, j in enumerate(industries)}
    row: dict[str, list[int]] = {}
    for k, m in enumerate(majors):
        row.setdefault(m, []).append(k)
    W = np.zeros((len(majors), len(industries)))
    for m, j, w in zip(weights["major"].astype(str), weights["industry"].astype(str), weights["weight"].astype(float),
                       strict=True):
        for k in row.get(m, ()):
            W[k, col[j]] += w
    return W


def optimise(problem: Problem, c: Constraints | None = None, *, time_limit: float = 60.0,
             groups: Sequence[str] = GROUPS, diagnose: bool = True) -> Result:
    """Solve the model of this module's docstring with HiGHS.

    Parameters
    ----------
    problem : Problem
        The data.
    c : Constraints, optional
        The planner's constraints (defaults as documented).
    time_limit : float
        Seconds the solver may take.
    groups : sequence of str
        The constraint groups to impose (all by default; the infeasibility diagnosis leaves some out).
    diagnose : bool
        When infeasible, find the binding groups (solves again with groups left out).

    Returns
    -------
    Result
        ``status`` optimal with the changes; infeasible with ``binding``: the smallest set of constraint groups
        found that cannot hold together (a deletion filter over the groups).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    c = c or Constraints()
    ind = problem.industries()
    J = len(ind)
    P, Q = len(problem.programs), len(problem.candidates)
    s0 = problem.supply.reindex(ind).fillna(0.0).to_numpy(dtype=float)
    has_d = np.array([j in set(problem.demand.index.astype(str)) for j in ind], dtype=bool)
    d = problem.demand.reindex(ind).fillna(0.0).to_numpy(dtype=float)
    x0 = problem.programs["intake"].astype(float).to_numpy() if P else np.zeros(0)
    Wp = _weights_matrix(list(problem.programs.get("major", pd.Series(dtype=str)).astype(str)), ind, problem.weights)
    Wq = _weights_matrix(list(problem.candidates.get("major", pd.Series(dtype=str)).astype(str)), ind, problem.weights)
    short = has_d & (d > 0) & (s0 < c.shortage_below * d - 1e-9)
    feeds_short = (Wp[:, short] > 0).any(axis=1) if P else np.zeros(0, dtype=bool)

    # variable layout: Δ⁺ (P) | Δ⁻ (P) | y (Q) | o (Q) | u (J) | v (J)
    n = 2 * P + 2 * Q + 2 * J
    ip, im, iy, io, iu, iv = 0, P, 2 * P, 2 * P + Q, 2 * P + 2 * Q, 2 * P + 2 * Q + J
    cost = np.zeros(n)
    cost[ip:ip + P] = cost[im:im + P] = cost[iy:iy + Q] = c.change_weight
    cost[iu:iu + J] = np.where(has_d, 1.0, 0.0)
    cost[iv:iv + J] = np.where(has_d, c.surplus_weight, 0.0)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    hi[io:io + Q] = 1.0
    integrality = np.zeros(n)
    integrality[io:io + Q] = 1
    hi[iu:iu + J] = np.where(has_d, np.inf, 0.0)
    hi[iv:iv + J] = np.where(has_d, np.inf, 0.0)
    if "min_size" in groups and P:  # a program keeps m places; one smaller today must grow to m
        hi[im:im + P] = np.maximum(x0 - c.min_size, 0.0)
        lo[ip:ip + P] = np.maximum(c.min_size - x0, 0.0)
    else:
        hi[im:im + P] = x0
    if "never_cut" in groups and c.never_cut_shortage and P:
        hi[im:im + P] = np.where(feeds_short, 0.0, hi[im:im + P])
    if "max_growth" in groups and c.max_growth is not None:
        hi[ip:ip + P] = np.maximum(c.max_growth, lo[ip:ip + P])
    if "max_growth" in groups and c.max_change_share is not None and P:
        hi[ip:ip + P] = np.maximum(np.minimum(hi[ip:ip + P], c.max_change_share * x0), lo[ip:ip + P])
        hi[im:im + P] = np.minimum(hi[im:im + P], c.max_change_share * x0)
    hi[iy:iy + Q] = c.max_new_intake

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lb: list[float] = []
    ub: list[float] = []
    tags: list[str] = []

    def add(entries: list[tuple[Any, Any]], low: float, high: float, tag: str) -> None:
        r = len(lb)
        for col, v in entries:
            if v:
                rows.append(r)
                cols.append(col)
                vals.append(float(v))
        lb.append(low)
        ub.append(high)
        tags.append(tag)

    # unmet: u_j + Σ w Δ⁺ − Σ w Δ⁻ + Σ w y ≥ d_j − s_j ; surplus: v_j − (…) ≥ s_j − h d_j
    for k in range(J):
        if not has_d[k]:
            continue
        delta: list[tuple[Any, Any]] = [(ip + p, Wp[p, k]) for p in np.flatnonzero(Wp[:, k])]
        delta += [(im + p, -Wp[p, k]) for p in np.flatnonzero(Wp[:, k])]
        delta += [(iy + q, Wq[q, k]) for q in np.flatnonzero(Wq[:, k])] if Q else []
        add([(iu + k, 1.0), *delta], d[k] - s0[k], np.inf, "unmet")
        add([(iv + k, 1.0), *((col, -v) for col, v in delta)], s0[k] - c.surplus_above * d[k], np.inf, "surplus")
    if "band" in groups:
        inst_p = problem.programs["institution"].astype(str).to_numpy() if P else np.array([], dtype=str)
        inst_q = problem.candidates["institution"].astype(str).to_numpy() if Q else np.array([], dtype=str)
        for inst in sorted(set(inst_p)):
            ps = np.flatnonzero(inst_p == inst)
            total = float(x0[ps].sum())
            entries = [(ip + p, 1.0) for p in ps] + [(im + p, -1.0) for p in ps]
            entries += [(iy + q, 1.0) for q in np.flatnonzero(inst_q == inst)]
            add(entries, -c.band * total, c.band * total, "band")
    for q in range(Q):  # m·o ≤ y ≤ M·o
        add([(iy + q, 1.0), (io + q, -(c.min_size if "min_size" in groups else 0.0))], 0.0, np.inf, "min_size")
        add([(iy + q, 1.0), (io + q, -c.max_new_intake)], -np.inf, 0.0, "open")
    if "budget" in groups and Q:
        add([(io + q, 1.0) for q in range(Q)], 0.0, float(c.new_programs), "budget")
    if "goal" in groups and c.goal_unmet is not None:
        add([(iu + k, 1.0) for k in range(J) if has_d[k]], 0.0, float(c.goal_unmet), "goal")

    size = {"variables": n, "integer_variables": Q, "constraints": len(lb), "programs": P, "candidates": Q,
            "industries": J}
    before = figures(ind, s0, d, has_d, c)
    A = coo_matrix((vals, (rows, cols)), shape=(len(lb), n)).tocsr() if lb else None
    res = milp(cost, integrality=integrality, bounds=Bounds(lo, hi),
               constraints=[LinearConstraint(A, np.array(lb), np.array(ub))] if A is not None else (),
               options={"time_limit": time_limit, "disp": False})
    if res.status == 2:  # infeasible
        binding = _binding_groups(problem, c, time_limit, groups) if diagnose else list(groups)
        text = "；".join(c.describe(g) for g in binding)
        return Result("infeasible", "约束无法同时满足" + (f"：{text}" if text else "") +
                      "。放宽其中任一项后再试 (the constraints cannot all hold; relax one of those named)",
                      [], before, {}, size, binding)
    if res.x is None:
        return Result("time_limit" if res.status == 1 else "error", str(res.message), [], before, {}, size)
    x = res.x
    dp, dm, y, o = x[ip:ip + P], x[im:im + P], x[iy:iy + Q], x[io:io + Q]
    dp, dm, y = np.round(dp, 6), np.round(dm, 6), np.round(y, 6)
    s1 = s0 + (Wp.T @ (dp - dm) if P else 0.0) + (Wq.T @ y if Q else 0.0)
    after = figures(ind, s1, d, has_d, c)
    status_before = {j: _status(s0[k], d[k], has_d[k], c) for k, j in enumerate(ind)}
    changes: list[Change] = []
    for p in range(P):
        net = float(dp[p] - dm[p])
        if abs(net) > 1e-6:
            row = problem.programs.iloc[p]
            changes.append(Change("more" if net > 0 else "fewer", str(row["institution"]), str(row["major"]),
                                  float(x0[p]), float(x0[p] + net), _serves(Wp[p], ind, net, status_before)))
    for q in range(Q):
        if o[q] > 0.5 and y[q] > 1e-6:
            row = problem.candidates.iloc[q]
            changes.append(Change("new", str(row["institution"]), str(row["major"]), 0.0, float(y[q]),
                                  _serves(Wq[q], ind, float(y[q]), status_before)))
    changes.sort(key=lambda ch: (-abs(ch.delta), ch.institution, ch.major))
    per = pd.DataFrame({"industry": ind, "supply_before": s0, "supply_after": s1, "demand": np.where(has_d, d, np.nan),
                        "status_before": [status_before[j] for j in ind],
                        "status_after": [_status(s1[k], d[k], has_d[k], c) for k in range(J)]})
    return Result("optimal", "已求得最优方案 (optimal)", changes, before, after, size, per_industry=per)


def _status(s: float, d: float, has_d: bool, c: Constraints) -> str:
    if not has_d:
        return "no_demand_data"
    if d <= 0:
        return "no_demand" if s > 0 else "none"
    if s <= 1e-9:
        return "unmet"
    r = s / d
    return "shortage" if r < c.shortage_below else ("surplus" if r > c.surplus_above else "balanced")


def _serves(wrow: np.ndarray, ind: Sequence[str], people: float, status: Mapping[str, str]) -> list[dict[str, Any]]:
    """Which industries a change of ``people`` places serves, by the major's crosswalk weights."""
    out = [{"industry": ind[int(k)], "weight": float(wrow[k]), "people": float(wrow[k] * people),
            "status_before": status[ind[int(k)]]} for k in np.flatnonzero(wrow)]
    return sorted(out, key=lambda r: -r["weight"])


def _binding_groups(problem: Problem, c: Constraints, time_limit: float, groups: Sequence[str]) -> list[str]:
    """A minimal set of constraint groups that is infeasible on its own (a deletion filter): leave one group out
    at a time; when the rest is still infeasible that group is not needed to explain it."""
    keep = [g for g in groups if g in GROUPS]
    for g in list(keep):
        trial = [x for x in keep if x != g]
        if optimise(problem, c, time_limit=time_limit, groups=trial, diagnose=False).status == "infeasible":
            keep = trial
    return keep

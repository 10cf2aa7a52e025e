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
- **Objective.** minimise Σ_j u_j + λ Σ_j v_j + ε (Σ_p (Δ⁺_p + Δ⁻_p) + Σ_q y_q) + μ Σ_p (z⁺_p + z⁻_p), with
  u_j ≥ d_j − s′_j and v_j ≥ s′_j − h·d_j for the industries with demand data (h: the surplus threshold; an
  industry without demand data is not penalised: its demand is unknown, not 0).  λ (default 0.5) weighs surplus
  against unmet demand; ε (0.001) prefers the smallest change among equally good ones; μ (``change_cost``,
  default 0) is a cost per changed program (the switches z of ``min_change``): fewer, larger changes.
- **Solver.** HiGHS with a relative optimality gap of 1 % (:data:`MIP_GAP`); the gap reached is reported.
- **Building** is set-at-a-time (:func:`_model`: a sparse crosswalk, each constraint group a few array
  operations).  **Large scopes** (more than :data:`MAX_EXACT_VARIABLES`): :func:`optimise_by_parts` solves them
  part by part against the whole scope's industries — a feasible plan, labelled ``approximate``, not proven
  optimal (docs/measures.md).
- **Constraints** (each a named group, so that an infeasible set can be told apart):
  ``band`` — each institution's total intake within −down % … +up % of today's (±10 % by default; the sides
  may differ: down = 0 means no institution shrinks);
  ``never_cut`` — a program whose major feeds an industry in shortage or unmet demand is never cut (Δ⁻_p = 0);
  ``min_size`` — a program keeps at least m places (Δ⁻_p ≤ x⁰_p − m; one smaller today must grow to m:
  Δ⁺_p ≥ m − x⁰_p) and a new one opens with at least m (m·o_q ≤ y_q ≤ M·o_q); the model closes no program
  (closing one is a scenario change of its own);
  ``budget`` — at most B new programs (Σ o_q ≤ B);
  ``max_growth`` — a program grows by at most g places (Δ⁺_p ≤ g) and changes by at most a share of its
  places (±50 % by default, our assumption: Δ⁺_p, Δ⁻_p ≤ 0.5·x⁰_p);
  ``min_change`` — a program's intake changes by 0 or by at least k places (semi-continuous: binaries
  z⁺_p, z⁻_p ∈ {0, 1} with k·z⁺_p ≤ Δ⁺_p ≤ U_p·z⁺_p, k·z⁻_p ≤ Δ⁻_p ≤ U_p·z⁻_p, z⁺_p + z⁻_p ≤ 1; a new program
  opens with at least max(m, k)); a growth the minimum size forces is exempt (it is the size it must reach);
  ``goal`` (optional) — unmet demand after ≤ a target the planner sets.

Why institutions shrink: cutting a program's places lowers the surplus term (λ per place above the band) of
the industries it feeds.  With a symmetric band every institution whose programs feed surplus industries is cut
as far as the band, the ±50 % limit and the minimum size allow, even where nothing grows in exchange.  That is
the model's honest answer to "less surplus", not a need to shrink; a planner who wants places moved rather than
removed sets the band's lower side to 0 (``band_down=0``), and then every cut pays for a growth in the same
institution.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

GROUPS = ("band", "never_cut", "min_size", "min_change", "budget", "max_growth", "goal")
GROUP_NAMES = {"band": "各院校招生总量变动不超过 ±{band:.0%}", "never_cut": "对应短缺行业的专业不减招",
               "min_size": "专业点规模不少于 {min_size:g} 人", "budget": "新设专业点不超过 {new_programs} 个",
               "min_change": "专业点招生调整为 0 或至少 {min_change:g} 人",
               "max_growth": "单个专业点增加不超过 {max_growth:g} 人、增减不超过现有规模的 {share:.0%}", "goal": "未满足需求不超过 {goal_unmet:g} 人"}
MIP_GAP = 1e-2  # HiGHS's relative optimality gap (see optimise)
BAND_SIDES = "各院校招生总量在现有的 −{down:.0%} 至 +{up:.0%} 之间"


@dataclass(frozen=True)
class Constraints:
    """What a planner allows.

    Parameters
    ----------
    band : float
        Each institution's total annual intake stays within ±band of today's (0.1 = ±10 %).
    band_down, band_up : float or None
        The band's sides when they differ: the total stays within −band_down … +band_up of today's
        (``band_down=0``: no institution shrinks).  None: ``band``.
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
    min_change : float
        A program's intake changes by 0 or by at least this many places a year (0: any change).  10 by default:
        a quarter of a class of about 40 — a smaller change is within the ordinary year-to-year variation of
        admissions, not a decision a plan states (our assumption, labelled).
    never_cut_shortage : bool
        A major that feeds an industry in shortage or unmet demand is never cut.
    goal_unmet : float or None
        Require unmet demand after ≤ this (people); None: no requirement, just the best.
    surplus_weight, change_weight : float
        λ and ε of the objective.
    change_cost : float
        μ: a cost per changed program, in people of unmet demand (acts with ``min_change`` > 0).
    shortage_below, surplus_above : float
        The status thresholds (as the alignment's).
    """

    band: float = 0.10
    band_down: float | None = None
    band_up: float | None = None
    min_size: float = 30.0
    min_change: float = 10.0
    new_programs: int = 3
    max_new_intake: float = 200.0
    max_growth: float | None = None
    max_change_share: float | None = 0.5
    never_cut_shortage: bool = True
    goal_unmet: float | None = None
    surplus_weight: float = 0.5
    change_cost: float = 0.0
    change_weight: float = 0.001
    shortage_below: float = 0.8
    surplus_above: float = 1.25

    @property
    def down(self) -> float:
        """The band's lower side (a share of today's total)."""
        return self.band if self.band_down is None else self.band_down

    @property
    def up(self) -> float:
        """The band's upper side."""
        return self.band if self.band_up is None else self.band_up

    def describe(self, group: str) -> str:
        """The group's constraint in words, with the planner's figures."""
        if group == "band" and self.down != self.up:
            return BAND_SIDES.format(down=self.down, up=self.up)
        if group == "max_growth" and (self.max_growth is None or self.max_change_share is None):
            parts = ([f"增加不超过 {self.max_growth:g} 人"] if self.max_growth is not None else []) + (
                [f"增减不超过现有规模的 {self.max_change_share:.0%}"] if self.max_change_share is not None else [])
            return "单个专业点" + "、".join(parts or ["增减不设上限"])
        return GROUP_NAMES[group].format(band=self.band if self.down == self.up else self.up, min_size=self.min_size,
                                         new_programs=self.new_programs, max_growth=self.max_growth or 0,
                                         goal_unmet=self.goal_unmet or 0, share=self.max_change_share or 0,
                                         min_change=self.min_change)

    def check(self) -> list[str]:
        """What is wrong with the figures (all at once; empty when they are fine)."""
        bad = []
        for name, v in (("band", self.band), ("band_down", self.band_down), ("band_up", self.band_up)):
            if v is not None and not 0 <= v <= 1:
                bad.append(f"{name} = {v:g}：应在 0 到 1 之间，如 0.1 表示 10% (a share between 0 and 1)")
        for name, v in (("min_size", self.min_size), ("min_change", self.min_change),
                        ("max_new_intake", self.max_new_intake)):
            if v < 0:
                bad.append(f"{name} = {v:g}：不能为负 (must not be negative)")
        if self.new_programs < 0:
            bad.append(f"new_programs = {self.new_programs}：不能为负 (must not be negative)")
        if self.max_growth is not None and self.max_growth < 0:
            bad.append(f"max_growth = {self.max_growth:g}：不能为负 (must not be negative)")
        if self.goal_unmet is not None and self.goal_unmet < 0:
            bad.append(f"goal_unmet = {self.goal_unmet:g}：不能为负 (must not be negative)")
        if self.max_new_intake < self.min_size:
            bad.append(f"max_new_intake = {self.max_new_intake:g} 小于 min_size = {self.min_size:g} (a new program "
                       "could never open)")
        return bad


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
    decided : Series, optional
        Per industry code: supply changes already decided outside this problem (the other parts of a scope
        solved part by part, :func:`optimise_by_parts`): counted in the supply the objective sees, not in which
        industries are short today (the ``never_cut`` rule stays the whole scope's).
    """

    programs: pd.DataFrame
    candidates: pd.DataFrame
    weights: pd.DataFrame
    supply: pd.Series
    demand: pd.Series
    decided: pd.Series | None = None

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

    status: str  # "optimal"; "feasible" (the time limit stopped the solver: the best found); "infeasible";
    #              "time_limit" (stopped before any solution); "error"
    message: str
    changes: list[Change]
    before: dict[str, Any]
    after: dict[str, Any]
    size: dict[str, Any]  # variables, integer_variables, constraints, …, seconds (the solve)
    binding: list[str] = field(default_factory=list)  # infeasible: the constraint groups that cannot hold together
    per_industry: pd.DataFrame | None = None


def highs_version() -> str | None:
    """The version of HiGHS inside scipy (e.g. ``1.12.0``; None when scipy does not say)."""
    try:
        from scipy.optimize._highspy import _core  # type: ignore[attr-defined]

        return f"{_core.HIGHS_VERSION_MAJOR}.{_core.HIGHS_VERSION_MINOR}.{_core.HIGHS_VERSION_PATCH}"
    except (ImportError, AttributeError):
        return None


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


class _Rows:
    """Constraint rows gathered block by block as arrays (no Python loop per row): a block's rows are numbered
    from 0 and placed after those already added."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.n = 0

    def block(self, rows: Any, cols: Any, vals: Any, low: Any, high: Any, count: int) -> None:
        if count <= 0:
            return
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
        keep = vals != 0
        self.r.append(rows[keep] + self.n)
        self.c.append(cols[keep])
        self.v.append(vals[keep])
        self.lb.append(np.broadcast_to(np.asarray(low, dtype=float), (count,)))
        self.ub.append(np.broadcast_to(np.asarray(high, dtype=float), (count,)))
        self.n += count

    def matrix(self, n: int) -> tuple[Any, np.ndarray, np.ndarray]:
        from scipy.sparse import csr_matrix

        def cat(xs: list[np.ndarray], dt: Any) -> np.ndarray:
            return np.concatenate(xs) if xs else np.zeros(0, dtype=dt)

        A = csr_matrix((cat(self.v, float), (cat(self.r, np.int64), cat(self.c, np.int64))), shape=(self.n, n))
        return A, cat(self.lb, float), cat(self.ub, float)


def _weights_sparse(majors: Any, industries: Sequence[str], weights: pd.DataFrame) -> Any:
    """The crosswalk as a sparse matrix: one row per program (or candidate), one column per industry; a major's
    weights summed per industry, zero weights left out."""
    from scipy.sparse import csr_matrix

    majors = np.asarray(majors, dtype=str)
    n, J = len(majors), len(industries)
    if not n or not len(weights):
        return csr_matrix((n, J))
    wf = pd.DataFrame({"major": weights["major"].astype(str).to_numpy(),
                       "industry": weights["industry"].astype(str).to_numpy(),
                       "weight": weights["weight"].astype(float).to_numpy()})
    wf = wf.groupby(["major", "industry"], sort=False, as_index=False).agg(weight=("weight", "sum"))
    m = pd.DataFrame({"row": np.arange(n), "major": majors}).merge(wf, on="major", how="inner")
    col = pd.Index(industries).get_indexer(pd.Index(m["industry"]))
    W = csr_matrix((m["weight"].to_numpy(float), (m["row"].to_numpy(), col)),
                   shape=(n, J))
    W.eliminate_zeros()
    return W


@dataclass
class _Model:
    """The MILP's arrays and where each kind of variable sits."""

    cost: np.ndarray
    integrality: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    A: Any
    lb: np.ndarray
    ub: np.ndarray
    at: dict[str, int]  # the first column of Δ⁺ (ip), Δ⁻ (im), y, o, u, v
    Wp: Any
    Wq: Any
    industries: list[str]
    s0: np.ndarray
    d: np.ndarray
    has_d: np.ndarray
    x0: np.ndarray
    n_semi: int = 0  # semi-continuous variables


def _model(problem: Problem, c: Constraints, groups: Sequence[str], semi: bool) -> _Model:
    """The MILP of the module's docstring as arrays, built set-at-a-time (a handful of array operations per
    constraint group, whatever the number of programs).

    ``semi``: the minimum change with HiGHS's semi-continuous variables (integrality 2: Δ ∈ {0} ∪ [k, U]) — a
    program that may move one way only needs no binary at all, one that may move both ways one binary b (its
    direction: Δ⁺ ≤ U⁺·b, Δ⁻ ≤ U⁻·(1 − b)) instead of two.  The same set of feasible changes as the two
    binaries z⁺, z⁻ (each Δ is 0 or in [k, U], not both non-zero), so the same optimum.  Not with a cost per
    changed program (μ > 0): that cost is carried by the binaries."""
    ind = problem.industries()
    J = len(ind)
    P, Q = len(problem.programs), len(problem.candidates)
    s_today = problem.supply.reindex(ind).fillna(0.0).to_numpy(dtype=float)
    s0 = s_today + (problem.decided.reindex(ind).fillna(0.0).to_numpy(dtype=float) if problem.decided is not None
                    else 0.0)
    has_d = pd.Index(ind).isin(problem.demand.index.astype(str))
    d = problem.demand.reindex(ind).fillna(0.0).to_numpy(dtype=float)
    x0 = problem.programs["intake"].astype(float).to_numpy() if P else np.zeros(0)
    maj_p = problem.programs["major"].astype(str).to_numpy() if P else np.array([], dtype=str)
    maj_q = problem.candidates["major"].astype(str).to_numpy() if Q else np.array([], dtype=str)
    majors = pd.Index(np.unique(np.r_[maj_p, maj_q]))
    Wm = _weights_sparse(majors, ind, problem.weights).tocsr()  # one row per major
    mp, mq = majors.get_indexer(pd.Index(maj_p)), majors.get_indexer(pd.Index(maj_q))
    Wp, Wq = Wm[mp], Wm[mq]
    short = has_d & (d > 0) & (s_today < c.shortage_below * d - 1e-9)
    feeds_short = (Wp[:, np.flatnonzero(short)] > 0).sum(axis=1).A1 > 0 if P else np.zeros(0, dtype=bool)

    # variable layout: Δ⁺ (P) | Δ⁻ (P) | y (Q) | o (Q) | u (J) | v (J) | the minimum change's binaries
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

    inst_p = problem.programs["institution"].astype(str).to_numpy() if P else np.array([], dtype=str)
    inst_q = problem.candidates["institution"].astype(str).to_numpy() if Q else np.array([], dtype=str)
    codes = pd.Index(np.unique(inst_p))  # the institutions with programs, sorted
    ci_p, ci_q = codes.get_indexer(pd.Index(inst_p)), codes.get_indexer(pd.Index(inst_q))
    inst_tot = np.bincount(ci_p, weights=x0, minlength=len(codes)) if P else np.zeros(0)
    rows = _Rows()

    # min_change: Δ⁺_p and Δ⁻_p are 0 or ≥ k (binaries z⁺, z⁻, one of them at most); a growth that min_size
    # forces (lo > 0) is exempt; a direction whose upper bound is below k is closed (it could only change by < k)
    kmin = float(c.min_change) if "min_change" in groups else 0.0
    semi = semi and c.change_cost == 0
    n_semi = 0
    if kmin > 0 and P:
        free = lo[ip:ip + P] <= 0
        up_hi, dn_hi = hi[ip:ip + P], hi[im:im + P]
        up_hi[free & (up_hi < kmin - 1e-9)] = 0.0
        dn_hi[dn_hi < kmin - 1e-9] = 0.0
        z_up = np.flatnonzero(free & (up_hi > 0))
        z_down = np.flatnonzero(dn_hi > 0)
        scope_total = float(x0.sum()) + float(problem.demand.clip(lower=0).sum()) + Q * c.max_new_intake
        # U: the bound, else all the institution could ever add
        big_up = np.where(np.isfinite(up_hi), up_hi,
                          (1 + c.up) * inst_tot[ci_p] if "band" in groups else scope_total)
        if semi:
            both = np.intersect1d(z_up, z_down)
            hi[ip + z_up] = big_up[z_up]
            lo[ip + z_up], lo[im + z_down] = kmin, kmin
            integrality[ip + z_up] = integrality[im + z_down] = 2
            n_semi = len(z_up) + len(z_down)
            ib, nb = n, len(both)  # the direction b of a program that may move both ways
            n += nb
            cost, lo = np.concatenate([cost, np.zeros(nb)]), np.concatenate([lo, np.zeros(nb)])
            hi, integrality = np.concatenate([hi, np.ones(nb)]), np.concatenate([integrality, np.ones(nb)])
            r = np.arange(nb)
            rows.block(np.r_[r, r], np.r_[ip + both, ib + r], np.r_[np.ones(nb), -big_up[both]], -np.inf, 0.0, nb)
            rows.block(np.r_[r, r], np.r_[im + both, ib + r], np.r_[np.ones(nb), hi[im + both]], -np.inf,
                       hi[im + both], nb)
        else:
            iz = n
            nu, nd = len(z_up), len(z_down)
            n += nu + nd
            cost = np.concatenate([cost, np.full(nu + nd, float(c.change_cost))])
            lo, hi = np.concatenate([lo, np.zeros(nu + nd)]), np.concatenate([hi, np.ones(nu + nd)])
            integrality = np.concatenate([integrality, np.ones(nu + nd)])
            zu, zd = iz + np.arange(nu), iz + nu + np.arange(nd)
            r = np.arange(nu)  # k·z ≤ Δ⁺ ≤ U·z
            rows.block(np.r_[r, r], np.r_[ip + z_up, zu], np.r_[np.ones(nu), np.full(nu, -kmin)], 0.0, np.inf, nu)
            rows.block(np.r_[r, r], np.r_[ip + z_up, zu], np.r_[np.ones(nu), -big_up[z_up]], -np.inf, 0.0, nu)
            r = np.arange(nd)
            rows.block(np.r_[r, r], np.r_[im + z_down, zd], np.r_[np.ones(nd), np.full(nd, -kmin)], 0.0, np.inf, nd)
            rows.block(np.r_[r, r], np.r_[im + z_down, zd], np.r_[np.ones(nd), -hi[im + z_down]], -np.inf, 0.0, nd)
            both_u = np.flatnonzero(np.isin(z_up, z_down))  # z⁺ + z⁻ ≤ 1
            both_d = np.searchsorted(z_down, z_up[both_u])
            r = np.arange(len(both_u))
            rows.block(np.r_[r, r], np.r_[zu[both_u], zd[both_d]], 1.0, 0.0, 1.0, len(both_u))

    # unmet: u_j + Σ w Δ⁺ − Σ w Δ⁻ + Σ w y ≥ d_j − s_j ; surplus: v_j − (…) ≥ s_j − h d_j
    D = np.flatnonzero(has_d)
    nD = len(D)
    Bp, Bq = Wp[:, D].tocoo(), Wq[:, D].tocoo()
    r_d = np.r_[Bp.col, Bp.col, Bq.col]
    c_d = np.r_[ip + Bp.row, im + Bp.row, iy + Bq.row]
    v_d = np.r_[Bp.data, -Bp.data, Bq.data]
    rows.block(np.r_[np.arange(nD), r_d], np.r_[iu + D, c_d], np.r_[np.ones(nD), v_d], d[D] - s0[D], np.inf, nD)
    rows.block(np.r_[np.arange(nD), r_d], np.r_[iv + D, c_d], np.r_[np.ones(nD), -v_d],
               s0[D] - c.surplus_above * d[D], np.inf, nD)
    if "band" in groups and P:
        withp = np.flatnonzero(ci_q >= 0)
        rows.block(np.r_[ci_p, ci_p, ci_q[withp]], np.r_[ip + np.arange(P), im + np.arange(P), iy + withp],
                   np.r_[np.ones(P), -np.ones(P), np.ones(len(withp))], -c.down * inst_tot, c.up * inst_tot,
                   len(codes))
    opening = max(c.min_size if "min_size" in groups else 0.0, kmin)
    r = np.arange(Q)  # max(m, k)·o ≤ y ≤ M·o
    rows.block(np.r_[r, r], np.r_[iy + r, io + r], np.r_[np.ones(Q), np.full(Q, -opening)], 0.0, np.inf, Q)
    rows.block(np.r_[r, r], np.r_[iy + r, io + r], np.r_[np.ones(Q), np.full(Q, -c.max_new_intake)], -np.inf, 0.0, Q)
    if "budget" in groups and Q:
        rows.block(np.zeros(Q), io + r, 1.0, 0.0, float(c.new_programs), 1)
    if "goal" in groups and c.goal_unmet is not None:
        rows.block(np.zeros(nD), iu + D, 1.0, 0.0, float(c.goal_unmet), 1)
    A, lb, ub = rows.matrix(n)
    return _Model(cost, integrality, lo, hi, A, lb, ub, {"ip": ip, "im": im, "iy": iy, "io": io, "iu": iu, "iv": iv},
                  Wp, Wq, ind, s0, d, has_d, x0, n_semi)


def optimise(problem: Problem, c: Constraints | None = None, *, time_limit: float = 60.0,
             groups: Sequence[str] = GROUPS, diagnose: bool = True, mip_gap: float | None = MIP_GAP,
             semi: bool = False) -> Result:
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
    mip_gap : float or None
        HiGHS's relative optimality gap (``mip_rel_gap``): the answer's objective is proven within this share
        of the best possible (default 1 %: the figures the model rests on are not known that closely; HiGHS
        stops nearer in practice — 0.1–0.2 % on the demo and the scale-100 graph — and the gap reached is
        reported; asked for 0.1 %, the scale-100 city ran past 60 s instead of 7 s; None: HiGHS's 0.01 %).

    Returns
    -------
    Result
        ``status`` optimal with the changes; infeasible with ``binding``: the smallest set of constraint groups
        found that cannot hold together (a deletion filter over the groups).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    c = c or Constraints()
    built = time.perf_counter()
    m = _model(problem, c, groups, semi)
    ind, s0, d, has_d, x0, Wp, Wq = m.industries, m.s0, m.d, m.has_d, m.x0, m.Wp, m.Wq
    J, P, Q = len(ind), len(problem.programs), len(problem.candidates)
    ip, im, iy, io = m.at["ip"], m.at["im"], m.at["iy"], m.at["io"]
    size: dict[str, Any] = {"variables": len(m.cost), "integer_variables": int((m.integrality == 1).sum()),
                            "semicontinuous_variables": m.n_semi, "constraints": len(m.lb), "programs": P,
                            "candidates": Q, "industries": J, "build_seconds": round(time.perf_counter() - built, 4)}
    before = figures(ind, s0, d, has_d, c)
    started = time.perf_counter()
    res = milp(m.cost, integrality=m.integrality, bounds=Bounds(m.lo, m.hi),
               constraints=[LinearConstraint(m.A, m.lb, m.ub)] if len(m.lb) else (),
               options={"time_limit": time_limit, "disp": False,
                        **({"mip_rel_gap": mip_gap} if mip_gap is not None else {})})
    size["seconds"] = round(time.perf_counter() - started, 4)
    gap = getattr(res, "mip_gap", None)
    size["mip_gap"] = None if gap is None or gap != gap else round(float(gap), 6)  # the gap reached
    if res.status == 2:  # infeasible
        binding = _binding_groups(problem, c, time_limit, groups) if diagnose else list(groups)
        text = "；".join(c.describe(g) for g in binding)
        return Result("infeasible", "约束无法同时满足" + (f"：{text}" if text else "") +
                      "。放宽其中任一项后再试 (the constraints cannot all hold; relax one of those named)",
                      [], before, {}, size, binding)
    if res.x is None:
        return Result("time_limit" if res.status == 1 else "error",
                      (f"求解在时间上限 {time_limit:g} 秒内未找到可行方案 (no solution within the time limit)"
                       if res.status == 1 else str(res.message)), [], before, {}, size)
    x = res.x
    dp, dm, y, o = x[ip:ip + P], x[im:im + P], x[iy:iy + Q], x[io:io + Q]
    dp, dm, y = np.round(dp, 6), np.round(dm, 6), np.round(y, 6)
    s1 = s0 + (Wp.T @ (dp - dm) if P else 0.0) + (Wq.T @ y if Q else 0.0)
    Wp, Wq = Wp.tocsr(), Wq.tocsr()
    after = figures(ind, s1, d, has_d, c)
    status_before = {j: _status(s0[k], d[k], has_d[k], c) for k, j in enumerate(ind)}
    changes: list[Change] = []
    p_inst: list[str] = problem.programs["institution"].astype(str).tolist() if P else []
    p_major: list[str] = problem.programs["major"].astype(str).tolist() if P else []
    for pp in (np.flatnonzero(np.abs(dp - dm) > 1e-6).tolist() if P else []):
        net = float(dp[pp] - dm[pp])
        changes.append(Change("more" if net > 0 else "fewer", p_inst[pp], p_major[pp], float(x0[pp]),
                              float(x0[pp] + net), _serves(_row(Wp, pp), ind, net, status_before)))
    for q in (np.flatnonzero((o > 0.5) & (y > 1e-6)).tolist() if Q else []):
        row = problem.candidates.iloc[q]
        changes.append(Change("new", str(row["institution"]), str(row["major"]), 0.0, float(y[q]),
                              _serves(_row(Wq, q), ind, float(y[q]), status_before)))
    changes.sort(key=lambda ch: (-abs(ch.delta), ch.institution, ch.major))
    per = pd.DataFrame({"industry": ind, "supply_before": s0, "supply_after": s1, "demand": np.where(has_d, d, np.nan),
                        "status_before": [status_before[j] for j in ind],
                        "status_after": [_status(s1[k], d[k], has_d[k], c) for k in range(J)]})
    if res.status == 1:  # stopped by the time limit with a solution: the best found, not proven optimal
        reached = size.get("mip_gap")
        return Result("feasible", f"达到求解时间上限 {time_limit:g} 秒：给出已找到的最好方案" +
                      (f"，与最优解的相对差距 ≤ {reached:.2%}" if reached is not None else "") +
                      " (time limit reached: the best solution found, not proven optimal)",
                      changes, before, after, size, per_industry=per)
    text = "已求得最优方案" + (f"（相对差距 ≤ {mip_gap:.1%}）" if mip_gap else "") + " (optimal)"
    return Result("optimal", text, changes, before, after, size, per_industry=per)


def _status(s: float, d: float, has_d: bool, c: Constraints) -> str:
    if not has_d:
        return "no_demand_data"
    if d <= 0:
        return "no_demand" if s > 0 else "none"
    if s <= 1e-9:
        return "unmet"
    r = s / d
    return "shortage" if r < c.shortage_below else ("surplus" if r > c.surplus_above else "balanced")


def _row(W: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row k of a CSR matrix: its columns and values (no copy of the matrix)."""
    a, b = W.indptr[k], W.indptr[k + 1]
    return W.indices[a:b], W.data[a:b]


def _serves(wrow: tuple[np.ndarray, np.ndarray], ind: Sequence[str], people: float,
            status: Mapping[str, str]) -> list[dict[str, Any]]:
    """Which industries a change of ``people`` places serves, by the major's crosswalk weights."""
    out = [{"industry": ind[int(k)], "weight": float(w), "people": float(w * people),
            "status_before": status[ind[int(k)]]} for k, w in zip(*wrow, strict=True) if w]
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


#: Above this many variables (estimated: 4 per program, 2 per candidate and per industry) a scope of several cities
#: is solved city by city (:func:`optimise_by_parts`): the scale-100 province (2.2 million variables) finds no
#: solution in minutes as one problem, a scale-100 city (118,343) is solved exactly in seconds.
MAX_EXACT_VARIABLES = 400_000
#: The most programs and candidates in one part of :func:`optimise_by_parts` (a city larger is split into groups of
#: whole institutions): about a third of the scale-100 开封 (40,122), solved in seconds.
PART_SIZE = 10_000
#: Passes over the parts in :func:`optimise_by_parts`: after the first, each part is solved again with every other
#: part's changes fixed, and its answer replaced when that is better.
PASSES = 1


def estimated_variables(problem: Problem) -> int:
    """The model's size before building it (an upper bound: every program with both minimum-change switches)."""
    return 4 * len(problem.programs) + 2 * len(problem.candidates) + 2 * len(problem.industries())


def optimise_by_parts(problem: Problem, c: Constraints | None = None, *, by: str = "city", time_limit: float = 60.0,
                      groups: Sequence[str] = GROUPS, mip_gap: float | None = MIP_GAP,
                      max_part: int = PART_SIZE, passes: int = PASSES) -> Result:
    """An approximate answer for a scope too large for one model: its parts (``by``: the programs' and candidates'
    column, their city; a city with more than ``max_part`` programs and candidates split into groups of whole
    institutions, by code, of at most that many) solved one after another, each against the whole scope's industries — the supply it
    sees includes the changes the parts before it chose (:attr:`Problem.decided`) — with what is left of the
    budget of new programs, the ``goal`` on the last part (whose unmet demand is then the scope's).  ``time_limit``
    applies to each part's solve.  A part without a solution (infeasible, or none within its time limit) ends the
    whole with that part's status, named.  Each part is solved to a tenth of ``mip_gap``: a part's objective is the
    whole scope's, so a gap of 1 % in every part would add up (on the demo province 7 % from the optimum; with
    0.1 % per part 0.8 %, with a second pass 0.2 %).  ``passes`` > 1: each later pass solves every part again with all the
    other parts' changes fixed and keeps the better of its two answers (the objective never rises).

    Every constraint holds for the whole answer: the band, the minimum size and change, the growth limits and
    the never-cut rule are per program or per institution (an institution in one part), the shortage the rule
    refers to is the scope's today, the budget is shared.  What is lost is optimality: a part cannot give up a
    change so that a later part makes a better one (the parts are taken largest first).  No bound on the
    optimum is known (the whole model's LP relaxation alone takes minutes at the scale-100 province), so the
    status is ``approximate`` and the message says so.
    """
    c = c or Constraints()
    started = time.perf_counter()
    ind = problem.industries()
    progs, cands = problem.programs, problem.candidates
    inst_p = progs["institution"].astype(str).to_numpy() if len(progs) else np.array([], dtype=str)
    inst_q = cands["institution"].astype(str).to_numpy() if len(cands) else np.array([], dtype=str)
    group = pd.concat([pd.Series(progs[by].astype(str).to_numpy() if len(progs) else [], index=inst_p, dtype=str),
                       pd.Series(cands[by].astype(str).to_numpy() if len(cands) else [], index=inst_q, dtype=str)])
    group = group[~group.index.duplicated()]  # each institution's city
    load = pd.Series(np.r_[inst_p, inst_q]).value_counts()  # programs and candidates per institution
    part_of: dict[str, str] = {}
    totals: dict[str, int] = {}
    for city, insts in pd.Series(group.index, index=group.to_numpy()).groupby(level=0, sort=True):
        k, used = 0, 0
        for inst in sorted(insts):
            if used and used + int(load[inst]) > max_part:
                k, used = k + 1, 0
            used += int(load[inst])
            part_of[inst] = f"{city}#{k}" if k else str(city)
            totals[part_of[inst]] = totals.get(part_of[inst], 0) + int(load[inst])
    key_p = pd.Series(inst_p, dtype=str).map(part_of)
    key_q = pd.Series(inst_q, dtype=str).map(part_of)
    order = sorted(totals, key=lambda x: (-totals[x], x))  # the largest part first
    rows_p, rows_q = key_p.groupby(key_p).indices, key_q.groupby(key_q).indices
    none = np.zeros(0, dtype=np.int64)
    decided = pd.Series(0.0, index=ind)
    size: dict[str, Any] = {"variables": 0, "integer_variables": 0, "semicontinuous_variables": 0, "constraints": 0,
                            "programs": len(progs), "candidates": len(cands), "industries": len(ind), "parts": 0,
                            "largest_part_variables": 0, "build_seconds": 0.0, "seconds": 0.0, "mip_gap": None,
                            "method": f"by_{by}", "part_size": max_part}
    stopped = False
    before = figures(ind, *_vectors(problem, ind), c)
    s0, d, has_d = _vectors(problem, ind)
    answers: dict[str, tuple[list[Change], pd.Series, int]] = {}  # each part's changes, supply change, new programs

    def value(f: dict[str, Any], chs: list[Change]) -> float:  # the objective, the part's own change costs
        return float(f["unmet_demand"] + c.surplus_weight * f["surplus"] + c.change_weight *
                     sum(abs(ch.delta) for ch in chs) + c.change_cost * sum(ch.kind != "new" for ch in chs))

    for step in range(max(int(passes), 1)):
        for k, part in enumerate(order):
            last = k == len(order) - 1
            old = answers.get(part)
            others = decided - old[1] if old is not None else decided
            left = int(c.new_programs) - sum(n for q, (_, _, n) in answers.items() if q != part)
            sub = Problem(progs.iloc[np.sort(rows_p.get(part, none))].reset_index(drop=True),
                          cands.iloc[np.sort(rows_q.get(part, none))].reset_index(drop=True), problem.weights,
                          problem.supply, problem.demand, others.copy())
            gs = [g for g in groups if g != "goal" or last or step > 0]
            r = optimise(sub, replace(c, new_programs=max(left, 0)), time_limit=time_limit, groups=gs,
                         mip_gap=None if mip_gap is None else mip_gap / 10, diagnose=step == 0)
            for name in ("variables", "integer_variables", "semicontinuous_variables", "constraints"):
                size[name] += r.size[name] if step == 0 else 0
            size["largest_part_variables"] = max(size["largest_part_variables"], r.size["variables"])
            size["build_seconds"] = round(size["build_seconds"] + r.size["build_seconds"], 4)
            size["seconds"] = round(size["seconds"] + r.size["seconds"], 4)
            if r.size.get("mip_gap") is not None:
                size["mip_gap"] = max(size["mip_gap"] or 0.0, r.size["mip_gap"])
            size["parts"] += step == 0
            if r.per_industry is None and old is not None:
                continue  # a later pass keeps the part's answer when the re-solve has none
            if r.status == "infeasible":
                where = f"（{by} {part}）"
                goal_note = ("；按城市分区求解时目标只能整体检验，整体模型未必不可行 (solved part by part: the goal may be "
                             "reachable by the whole model)") if "goal" in r.binding else ""
                return Result("infeasible", r.message + where + goal_note, [], before, {}, size, r.binding)
            if r.per_industry is None:
                return Result(r.status, r.message + f"（{by} {part}）", [], before, {}, size)
            delta = (r.per_industry.set_index("industry")["supply_after"] -
                     r.per_industry.set_index("industry")["supply_before"]).reindex(ind).fillna(0.0)
            if old is not None:  # keep the better of the part's two answers, the others' changes fixed
                base = s0 + others.to_numpy(dtype=float)
                f_old = figures(ind, base + old[1].to_numpy(dtype=float), d, has_d, c)
                f_new = figures(ind, base + delta.to_numpy(dtype=float), d, has_d, c)
                if value(f_new, r.changes) >= value(f_old, old[0]) - 1e-9:
                    continue
                size["improved"] = size.get("improved", 0) + 1
            stopped = stopped or r.status == "feasible"
            answers[part] = (r.changes, delta, sum(1 for ch in r.changes if ch.kind == "new"))
            decided = others + delta
    size["passes"] = max(int(passes), 1)
    changes = [ch for chs, _, _ in answers.values() for ch in chs]
    s1 = s0 + decided.to_numpy(dtype=float)
    changes.sort(key=lambda ch: (-abs(ch.delta), ch.institution, ch.major))
    status_before = {j: _status(s0[k], d[k], has_d[k], c) for k, j in enumerate(ind)}
    per = pd.DataFrame({"industry": ind, "supply_before": s0, "supply_after": s1, "demand": np.where(has_d, d, np.nan),
                        "status_before": [status_before[j] for j in ind],
                        "status_after": [_status(s1[k], d[k], has_d[k], c) for k in range(len(ind))]})
    size["seconds"] = round(time.perf_counter() - started, 4)
    text = (f"近似方案：范围过大（约 {estimated_variables(problem):,} 个变量），按{'城市' if by == 'city' else by}"
            f"（大城市再按院校）分 {size['parts']} 区依次求解，每区对全范围的供需求最优，不保证整体最优" +
            ("，部分分区达到时间上限" if stopped else "") +
            f" (approximate: solved {by} by {by} against the whole scope's supply and demand; not proven optimal)")
    return Result("approximate", text, changes, before, figures(ind, s1, d, has_d, c), size,
                  per_industry=per)


def _vectors(problem: Problem, ind: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Supply (today's), demand and whether there is demand data, per industry of ``ind``."""
    s0 = problem.supply.reindex(ind).fillna(0.0).to_numpy(dtype=float)
    d = problem.demand.reindex(ind).fillna(0.0).to_numpy(dtype=float)
    return s0, d, pd.Index(ind).isin(problem.demand.index.astype(str))

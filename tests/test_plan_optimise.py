"""The majors optimiser (issue 23 item 3) on small cases whose optimum is known by hand: HiGHS through
scipy.optimize.milp, its constraints (never cuts a major feeding a shortage, ±x %, the budget, minimum size)
and an infeasible set named by its binding groups."""

from __future__ import annotations

import pandas as pd
import pytest

from iekg.plan.optimise import Constraints, Problem, optimise

# Industry A: demand 100, no supply (unmet). Industry B: demand 100, supply 200 (surplus).
# One institution U teaches major mB (→ B, weight 1) with 200 places; it may open major mA (→ A, weight 1).
WEIGHTS = pd.DataFrame({"major": ["mA", "mB", "mC"], "industry": ["A", "B", "A"], "weight": [1.0, 1.0, 1.0]})


def problem(**kw: object) -> Problem:
    base = {
        "programs": pd.DataFrame({"key": ["p1"], "institution": ["U"], "major": ["mB"], "intake": [200.0]}),
        "candidates": pd.DataFrame({"institution": ["U"], "major": ["mA"]}),
        "weights": WEIGHTS,
        "supply": pd.Series({"A": 0.0, "B": 200.0}),
        "demand": pd.Series({"A": 100.0, "B": 100.0}),
    }
    base.update(kw)
    return Problem(**base)  # type: ignore[arg-type]


def test_moving_places_from_the_surplus_to_the_unmet_industry_is_the_known_optimum() -> None:
    # band 0 %: U's 200 places stay 200; the best is 100 to a new mA program, 100 fewer in mB: no unmet
    # demand, no surplus (B at 100 = its demand), SAI 0.5 → 1.
    r = optimise(problem(), Constraints(band=0.0, min_size=30, new_programs=1))
    assert r.status == "optimal", r.message
    got = {(c.kind, c.major): (c.before, c.after) for c in r.changes}
    assert got == {("new", "mA"): (0.0, 100.0), ("fewer", "mB"): (200.0, 100.0)}
    assert r.before["unmet_demand"] == 100 and r.after["unmet_demand"] == 0
    assert r.before["sai"] == pytest.approx(0.5) and r.after["sai"] == pytest.approx(1.0)
    new = next(c for c in r.changes if c.kind == "new")
    assert new.serves == [{"industry": "A", "weight": 1.0, "people": 100.0, "status_before": "unmet"}]
    assert r.size["integer_variables"] == 1 and r.size["programs"] == 1


def test_the_budget_of_new_programs_holds() -> None:
    # no new program allowed: A stays unmet; with the band at 0 % B cannot be cut either (nothing grows)
    r = optimise(problem(), Constraints(band=0.0, new_programs=0))
    assert r.status == "optimal"
    assert r.changes == [] and r.after["unmet_demand"] == 100


def test_the_band_limits_each_institutions_total() -> None:
    # ±10 %: U may go from 200 to 180–220; a new program of 100 needs 100 fewer elsewhere — allowed: net 0;
    # the best cut of B is to 100 (its demand); total = 100 + 100 = 200
    r = optimise(problem(), Constraints(band=0.10, new_programs=1))
    total_after = sum(c.after for c in r.changes) + 0.0
    assert 180 - 1e-6 <= total_after <= 220 + 1e-6
    assert r.after["unmet_demand"] == 0


def test_a_major_feeding_a_shortage_is_never_cut() -> None:
    # V teaches mC (→ A, in shortage) with 60 places and mB (→ B) with 40; A needs 200. Band 0 %: to open a new
    # mA program, V must cut something — never mC, only mB (down to the minimum size 30): new mA gets 10 … but
    # the minimum size of a new program is 30, so nothing opens; mC is untouched.
    p = problem(programs=pd.DataFrame({"key": ["c", "b"], "institution": ["V", "V"], "major": ["mC", "mB"],
                                       "intake": [60.0, 40.0]}),
                candidates=pd.DataFrame({"institution": ["V"], "major": ["mA"]}),
                supply=pd.Series({"A": 60.0, "B": 40.0}), demand=pd.Series({"A": 200.0, "B": 10.0}))
    r = optimise(p, Constraints(band=0.0, min_size=30, new_programs=1))
    assert r.status == "optimal"
    assert all(c.major != "mC" or c.kind != "fewer" for c in r.changes)
    # the only useful move: mB 40 → 30 and mC 60 → 70 (mC may grow: it feeds A) — A's unmet 140 → 130
    got = {(c.kind, c.major): (c.before, c.after) for c in r.changes}
    assert got == {("fewer", "mB"): (40.0, 30.0), ("more", "mC"): (60.0, 70.0)}
    assert r.after["unmet_demand"] == pytest.approx(130.0)
    # with cutting allowed everywhere nothing changes here (mC is the one feeding A); the rule is checked
    # by the bound: a cut of mC is impossible even when it would help the objective
    p2 = problem(programs=pd.DataFrame({"key": ["c"], "institution": ["V"], "major": ["mC"], "intake": [300.0]}),
                 candidates=pd.DataFrame({"institution": [], "major": []}),
                 supply=pd.Series({"A": 300.0}), demand=pd.Series({"A": 400.0, "B": 100.0}))
    r2 = optimise(p2, Constraints(band=0.5))
    assert all(c.kind != "fewer" for c in r2.changes)


def test_infeasible_constraints_are_named() -> None:
    # W's program mD has 10 places, below the minimum 30: it must grow by 20, but the band (0 %) keeps W's
    # total at 110 and its other program mC feeds the shortage in A: it may not be cut. Band, minimum size and
    # never-cut cannot hold together.
    p = problem(programs=pd.DataFrame({"key": ["c", "d"], "institution": ["W", "W"], "major": ["mC", "mB"],
                                       "intake": [100.0, 10.0]}),
                candidates=pd.DataFrame({"institution": [], "major": []}),
                supply=pd.Series({"A": 100.0, "B": 10.0}), demand=pd.Series({"A": 300.0, "B": 50.0}))
    r = optimise(p, Constraints(band=0.0, min_size=30))
    assert r.status == "infeasible"
    assert r.binding == ["band", "never_cut", "min_size"]
    assert "各院校招生总量变动不超过 ±0%" in r.message and "对应短缺行业的专业不减招" in r.message
    assert "专业点规模不少于 30 人" in r.message
    # relax any one and it solves
    assert optimise(p, Constraints(band=0.2, min_size=30)).status == "optimal"
    assert optimise(p, Constraints(band=0.0, min_size=30, never_cut_shortage=False)).status == "optimal"


def test_a_goal_that_cannot_be_reached_is_named() -> None:
    r = optimise(problem(), Constraints(band=0.0, new_programs=0, goal_unmet=50))
    assert r.status == "infeasible" and "goal" in r.binding and "未满足需求不超过 50 人" in r.message


def test_an_industry_without_demand_data_is_not_treated_as_demand_zero() -> None:
    # B has no demand data: its 200 are not a surplus to cut
    r = optimise(problem(demand=pd.Series({"A": 100.0})), Constraints(band=0.0, new_programs=1))
    assert r.before["surplus"] == 0
    per = r.per_industry.set_index("industry")
    assert per.loc["B", "status_before"] == "no_demand_data"

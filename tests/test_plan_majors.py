"""The majors optimisation on the demo graph (issue 23 item 3): HiGHS's answer respects every constraint the
planner set, and its figures before and after are the alignment's."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import demo_copy

from iekg import service
from iekg.plan.majors import division, problem_of, recommend
from iekg.plan.optimise import Constraints
from iekg.queries.scope import resolve_scope
from iekg.settings import Settings


@pytest.fixture(scope="module")
def store(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = demo_copy(demo_graph, tmp_path_factory.mktemp("majors"))
    return service.open_store(Settings(home=home), lambda m: None)


def test_recommendation_for_a_city_respects_the_constraints(store) -> None:  # type: ignore[no-untyped-def]
    scope = resolve_scope(store, city="410200")
    c = Constraints(band=0.10, new_programs=2, min_size=30)
    r = recommend(store, scope, c)
    a = service.alignment(store, ["410200"]).data
    assert r["status"] == "optimal" and r["year"] == a["year"]
    assert r["before"]["sai"] == pytest.approx(a["sai"])  # the figures before are the alignment's
    assert r["after"]["unmet_demand"] <= r["before"]["unmet_demand"] and r["after"]["sai"] > r["before"]["sai"]
    problem, _ = problem_of(store, scope, c)
    today = problem.programs.groupby("institution")["intake"].sum()
    after = today.copy()
    new = [x for x in r["changes"] if x["kind"] == "new"]
    assert 1 <= len(new) <= 2  # the budget of new programs
    for x in r["changes"]:
        after[x["institution"]] += x["change"]
        if x["kind"] == "fewer":  # never cut a major that feeds a shortage
            assert all(s["status_before"] not in ("shortage", "unmet") for s in x["serves"]), x
            assert x["after"] >= 30 - 1e-6 and x["after"] >= 0.5 * x["before"] - 1e-6
        if x["kind"] == "new":
            assert x["after"] >= 30 - 1e-6 and x["first_graduates"] in (r["year"] + 4, r["year"] + 5)
            offered = problem.programs[problem.programs["institution"] == x["institution"]]
            assert division(x["major"]) in set(offered["major"].map(division))  # a 专业类 it teaches
            assert any(s["status_before"] in ("shortage", "unmet") for s in x["serves"])
    assert ((after - today).abs() <= 0.10 * today + 1e-3).all()  # each institution within ±10 % (solver tolerance)
    assert r["size"]["integer_variables"] == r["size"]["candidates"] > 0


def test_an_infeasible_set_is_named(store) -> None:  # type: ignore[no-untyped-def]
    r = recommend(store, resolve_scope(store, city="410200"), Constraints(band=0.0, new_programs=0, goal_unmet=0))
    assert r["status"] == "infeasible" and "goal" in r["binding"] and "未满足需求不超过 0 人" in r["message"]

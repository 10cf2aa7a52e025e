"""What-if scenarios (issue 23 item 2, the overlay core): laid over the graph, a scenario changes nothing in it,
and its figures equal those of a graph where the same changes were imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import demo_copy

from iekg import service
from iekg.plan.scenario import DemandChange, ProgramChange, evaluate, overlay_sums
from iekg.queries.alignment import alignment
from iekg.queries.scope import resolve_scope
from iekg.settings import Settings

CITY, INST = "410200", "4141010475"  # 开封; one of its 本科 institutions in the demo
NEW = [ProgramChange("add", INST, "020102", graduates=150), ProgramChange("add", INST, "010102", enrollment=600)]
SET = [ProgramChange("set", INST, "050305", graduates=300, enrollment=474)]
MORE = [DemandChange(CITY, "36", 120.0), DemandChange(CITY, "13", 80.0)]
KEYS = ("S", "D", "sai", "sai_observed", "coverage")


@pytest.fixture(scope="module")
def homes(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("scenario")
    return demo_copy(demo_graph, base / "a"), demo_copy(demo_graph, base / "b")


def figures(a: dict) -> dict:
    return {"summary": {k: a[k] for k in KEYS},
            "industries": [(i["code"], i["supply"], i["demand"], i["status"], i["ratio"]) for i in a["industries"]],
            "estimated": a["estimated_programs"]}


def test_a_scenario_equals_the_same_changes_imported_and_touches_nothing(homes: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    home, other = homes
    store = service.open_store(Settings(home=home), lambda m: None)
    scope = resolve_scope(store, city=CITY)
    before = store.snapshot()
    version = store.version() if hasattr(store, "version") else None
    laid = alignment(store, scope, sums=overlay_sums(store, scope, NEW + SET, MORE))
    assert store.snapshot() == before  # nothing written: nodes, relationships
    if version is not None:
        assert store.version() == version
    # the same changes imported into a copy of the graph
    data = tmp_path / "changes"
    data.mkdir()
    (data / "programs.csv").write_text(
        "institution_id,major_code,year,graduates,enrollment\n"
        f"{INST},020102,2024,150,\n{INST},010102,2024,,600\n{INST},050305,2024,300,474\n", encoding="utf-8")
    (data / "talent_demand.csv").write_text(
        "city_code,year,headcount,industry_code\n"
        f"{CITY},2024,120,36\n{CITY},2024,80,13\n", encoding="utf-8")
    other_store = service.open_store(Settings(home=other), lambda m: None)
    out = service.import_paths(other_store, [data], demo_rows="keep")
    assert out.report.ok, out.report
    imported = alignment(other_store, resolve_scope(other_store, city=CITY))
    assert figures(laid) == figures(imported)
    baseline = alignment(store, scope)
    assert figures(laid) != figures(baseline)  # the changes moved something


def test_closing_a_program_and_opening_it_again_is_the_baseline(homes: tuple[Path, Path]) -> None:
    store = service.open_store(Settings(home=homes[0]), lambda m: None)
    scope = resolve_scope(store, city=CITY)
    closed = alignment(store, scope, sums=overlay_sums(store, scope, [ProgramChange("close", INST, "050305")]))
    base = alignment(store, scope)
    assert closed["S"] == pytest.approx(base["S"] - 117.0)  # its 117 graduates leave the supply
    res = evaluate(store, scope, [ProgramChange("set", INST, "050305", graduates=117, enrollment=474)])
    assert res["baseline"] == res["scenario"] and res["moved"] == []


def test_changes_the_graph_cannot_take_are_refused(homes: tuple[Path, Path]) -> None:
    store = service.open_store(Settings(home=homes[0]), lambda m: None)
    scope = resolve_scope(store, city=CITY)
    with pytest.raises(ValueError, match="already offered"):
        overlay_sums(store, scope, [ProgramChange("add", INST, "050305", graduates=10)])
    with pytest.raises(ValueError, match="not offered"):
        overlay_sums(store, scope, [ProgramChange("close", INST, "020102")])
    with pytest.raises(LookupError, match="catalogue"):
        overlay_sums(store, scope, [ProgramChange("add", INST, "999999", graduates=10)])
    with pytest.raises(ValueError, match="outside the scope"):
        overlay_sums(store, resolve_scope(store, city="410300"), [ProgramChange("add", INST, "020102", graduates=1)])

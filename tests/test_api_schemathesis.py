"""Schemathesis against the API's own OpenAPI document, in process (ASGI), on the demo graph: no answer
is a 5xx and every answer conforms to the schema (status documented, content type, body schema,
headers).  One test per operation, a few deterministic examples each, the whole run well under a minute.

(Schemathesis's lazy pytest loader does not run under the pytest of this project, so each operation's
Hypothesis strategy is driven directly.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import demo_copy

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from iekg.api.main import create_app  # noqa: E402
from iekg.graph.sqlitestore import SqliteStore  # noqa: E402
from iekg.settings import Settings  # noqa: E402

KEY = "schemathesis-key"
MAX_EXAMPLES = 25
SLOW = {("GET", "/analysis/readiness/all"): 3,  # ~1 s a call: fewer examples
        ("GET", "/analysis/compare"): 3, ("GET", "/analysis/trend"): 5,
        ("GET", "/charts/compare"): 3, ("GET", "/charts/supply-demand"): 5, ("GET", "/charts/ranking"): 3,
        ("GET", "/charts/trend"): 5, ("GET", "/exports/report"): 3, ("GET", "/plan/majors"): 3,
        ("GET", "/scenarios/{name}/compare"): 3}
# Rules across parameters that OpenAPI cannot state (city or province; exactly one of industry, segment,
# chain; an id that must be an enterprise or institution; upload contents): a schema-valid request may get
# a 422 problem there, so the "schema-valid data is accepted" check does not apply — every other check does.
# Coupling refuses (422) when fewer than three of the compared cities have data in the year (docs/measures.md).
# A draft's period must run forwards and not end before its date (``today``), and a date must exist (2026-02-30).
# A trend's range must run forwards (``from`` ≤ ``to``); a chart of coupling needs three cities with data.
# A target year must come after the data's year (issue 23); a plan needs a city or a province, and a planner's
# constraints can contradict one another (infeasible: a 422 naming the binding groups).
CROSS_PARAMETER_RULES = {("GET", "/analysis/readiness"), ("GET", "/analysis/readiness/all"),
                         ("GET", "/charts/supply-demand"), ("GET", "/plan/majors"),
                         ("GET", "/analysis/alignment"), ("GET", "/analysis/gaps"), ("GET", "/analysis/who-trains"),
                         ("GET", "/analysis/partners"), ("POST", "/imports"), ("GET", "/analysis/coupling"),
                         ("GET", "/exports/attachments"), ("GET", "/exports/plan"), ("GET", "/analysis/trend"),
                         ("GET", "/charts/ranking"), ("GET", "/charts/trend"), ("GET", "/charts/compare"),
                         ("GET", "/exports/report"), ("GET", "/analysis/compare")}


def _operations() -> list[tuple[str, str]]:
    """The operations of the schema (from an app over an empty in-memory graph: cheap at collection)."""
    spec = create_app(Settings(), SqliteStore()).openapi()
    return [(m.upper(), p) for p, item in spec["paths"].items() for m in item]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Any:
    copy = demo_copy(demo_graph, tmp_path_factory.mktemp("st-copy"))  # imports may write: a graph of its own
    app = create_app(Settings(home=copy, api_key=KEY, max_upload_bytes=64 * 1024),
                     SqliteStore(Path(copy) / "graph.sqlite"))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_operations_found() -> None:
    assert len(OPERATIONS) >= 30 and ("POST", "/imports") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms(api_schema: Any, method: str, path: str) -> None:
    operation = api_schema[path][method]
    headers = {"X-API-Key": KEY} if path == "/imports" else None
    excluded = [positive_data_acceptance] if (method, path) in CROSS_PARAMETER_RULES else []

    @given(case=operation.as_strategy())
    @settings(max_examples=SLOW.get((method, path), MAX_EXAMPLES), deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    run()


def test_every_documented_error_is_a_problem() -> None:
    """Every 4xx/5xx the document lists is application/problem+json with the Problem schema (issue 12): the
    status_code_conformance check above then holds the server to exactly these codes."""
    spec = create_app(Settings(), SqliteStore()).openapi()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = {int(c) for c in op["responses"] if c.isdigit()}
            assert {422, 503} <= codes, (method, path)
            for code in codes:
                if code >= 400:
                    content = op["responses"][str(code)]["content"]
                    assert list(content) == ["application/problem+json"], (method, path, code)
                    assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    imports = {int(c) for c in spec["paths"]["/imports"]["post"]["responses"]}
    assert {200, 202, 400, 401, 403, 413, 422, 429, 503} <= imports

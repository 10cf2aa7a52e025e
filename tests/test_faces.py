"""The rules both faces share, tested at their one home (:mod:`iekg.service`): every enumeration filter of
the API takes what the import takes (the one vocabulary), and an argument rule broken on either face is
the same rule, spelled in the face's words (issue 19)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import demo_copy
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg.api.main import create_app
from iekg.cli import app as cli_app
from iekg.loaders import vocab
from iekg.loaders.values import Invalid, Repaired, enum
from iekg.settings import Settings

# (route, query parameter, vocabulary field): every enumeration filter of the API
FILTERS = [
    ("/institutions", "level", "institution_level"), ("/institutions", "ownership", "ownership"),
    ("/majors", "level", "major_level"), ("/enterprises", "iei_level", "iei_level"),
    ("/training-bases", "kind", "training_base_kind"), ("/training-bases", "level", "base_level"),
    ("/alliances", "kind", "alliance_kind"), ("/policies", "level", "policy_level"),
    ("/policies", "status", "policy_status"),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("faces-home"))


@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=home))) as c:
        yield c


def imported_as(field: str, word: str) -> str | None:
    """What the import stores for ``word`` in ``field`` (None: the import refuses it)."""
    try:
        value: Any = enum(field)(word)
    except Invalid:
        return None
    return str(value.value if isinstance(value, Repaired) else value)


def test_every_enumeration_filter_is_checked_against_the_vocabulary(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for route, param, field in FILTERS:
        params = {p["name"]: p for p in spec["paths"][route]["get"]["parameters"]}
        schema = params[param]["schema"]
        words = next(alt["enum"] for alt in schema.get("anyOf", [schema]) if "enum" in alt)
        voc = vocab.current()
        assert words == [*voc.allowed(field), *voc.synonyms(field)], (route, param)


@pytest.mark.parametrize(("route", "param", "field"), FILTERS, ids=[f"{r}?{p}" for r, p, _ in FILTERS])
def test_api_filter_accepts_what_the_import_accepts(client: TestClient, route: str, param: str, field: str) -> None:
    voc = vocab.current()
    for word in [*voc.allowed(field), *voc.synonyms(field)]:
        term = imported_as(field, word)
        assert term is not None, (field, word)
        by_word = client.get(route, params={param: word, "limit": 500})
        by_term = client.get(route, params={param: term, "limit": 500})
        assert by_word.status_code == 200, (word, by_word.text[:300])
        assert by_word.json()["total"] == by_term.json()["total"], (word, term)
    unknown = "不存在的词"
    body = client.get(route, params={param: unknown})
    if imported_as(field, unknown) is None:  # a counted field: the import refuses it, and so does the filter
        assert body.status_code == 422 and body.json()["errors"][0]["column"] == param
    else:  # a descriptive field keeps an unknown word: the filter takes it too
        assert body.status_code == 200 and body.json()["total"] == 0


def test_the_synonym_the_import_maps_finds_the_same_institutions(client: TestClient) -> None:
    short = client.get("/institutions", params={"level": "高职", "limit": 500}).json()
    full = client.get("/institutions", params={"level": "高职专科", "limit": 500}).json()
    assert short["total"] == full["total"] > 0 and short["items"] == full["items"]


@pytest.mark.parametrize(("cli", "url", "cli_words", "api_words"), [
    (["trains", "--industry", "36", "--chain", "HN-NEV-01"], "/analysis/who-trains?industry=36&chain=HN-NEV-01",
     "give exactly one of --industry, --segment, --chain", "give exactly one of industry, segment, chain"),
    (["align"], "/analysis/alignment", "give --city CODE (repeatable) or --province CODE",
     "give city=CODE (repeatable) or province=CODE"),
    (["align", "--city", "410200", "--province", "410000"], "/analysis/alignment?city=410200&province=410000",
     "give either --city or --province, not both", "give either city or province, not both"),
    (["gaps", "--city", "410200", "--type", "nonsense"], None, "unknown gap type(s) nonsense", None),
])
def test_one_argument_rule_in_both_faces(home: Path, client: TestClient, cli: list[str], url: str | None,
                                          cli_words: str, api_words: str | None) -> None:
    res = CliRunner().invoke(cli_app, ["--home", str(home), *cli])
    assert res.exit_code == 2, res.output
    assert cli_words in " ".join(res.output.replace("│", " ").split()), res.output
    if url is not None:
        body = client.get(url).json()
        assert body["status"] == 422 and body["detail"] == api_words


def test_partners_choose_the_query_by_label_in_both_faces(home: Path, client: TestClient) -> None:
    res = CliRunner().invoke(cli_app, ["--home", str(home), "partners", "410200"])
    assert res.exit_code == 1 and "City:410200 is neither an enterprise nor an institution" in res.output
    body = client.get("/analysis/partners", params={"id": "410200"}).json()
    assert body["status"] == 422 and body["detail"] == "City:410200 is neither an enterprise nor an institution"

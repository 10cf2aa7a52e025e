"""The scenarios' routes: writes need the API key; problems as problem+json; show and compare in three formats."""

from __future__ import annotations

from pathlib import Path

from conftest import demo_copy
from fastapi.testclient import TestClient

from iekg.api.main import create_app
from iekg.settings import Settings

KEY = {"X-API-Key": "k"}


def test_the_scenario_routes(demo_graph: Path, tmp_path: Path) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    c = TestClient(create_app(Settings(home=home, api_key="k")))
    assert c.post("/scenarios", json={"name": "食品", "city": "410200"}).status_code == 401
    assert c.post("/scenarios", json={"name": "食品", "city": "410200"}, headers=KEY).status_code == 201
    assert c.post("/scenarios", json={"name": "食品", "city": "410200"}, headers=KEY).status_code == 422
    bad = c.post("/scenarios/食品/changes", headers=KEY, json={"changes": [
        {"kind": "add_program", "institution": "开封大学", "major": "999999", "graduates": "-3"}]})
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["major", "graduates"]
    ok = c.post("/scenarios/食品/changes", headers=KEY, json={"changes": [
        {"kind": "add_demand", "city": "410200", "industry": "13", "headcount": "1,200"}]})
    assert ok.status_code == 200, ok.text
    shown = c.get("/scenarios/食品").json()
    assert shown["illustrative"] is True
    assert shown["evaluation"]["scenario"]["D"] - shown["evaluation"]["baseline"]["D"] == 1200.0
    assert c.get("/scenarios/食品?format=csv").headers["content-type"].startswith("text/csv")
    compared = c.get("/scenarios/食品/compare")
    assert compared.status_code == 200 and [r["name"] for r in compared.json()["scenarios"]] == ["食品"]
    assert c.get("/scenarios/食品/compare", params={"with": "没有"}).status_code == 404
    assert c.get("/scenarios/没有").status_code == 404
    assert [s["name"] for s in c.get("/scenarios").json()["scenarios"]] == ["食品"]
    assert c.delete("/scenarios/食品").status_code == 401
    assert c.delete("/scenarios/食品", headers=KEY).status_code == 200

"""The web API (iekg.api) on the demo graph: every route, its errors as application/problem+json, the
alignment route against ``iekg align``, pagination, search, imports (key, size, all or nothing,
idempotence), exports, CORS and the OpenAPI document."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from conftest import demo_copy
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iekg import service
from iekg.api.errors import KINDS
from iekg.api.main import create_app
from iekg.cli import app as cli_app
from iekg.graph.schema import NODE_TYPES, REL_TYPES
from iekg.graph.sqlitestore import SqliteStore
from iekg.settings import Settings

PROBLEM = "application/problem+json"
ISSUE_FIELDS = {"severity", "code", "file", "sheet", "row", "column", "value", "message", "fix"}
KEY = "test-key-123"

GOOD_CSV = ("id,name,city_code,industry_code,employees\n"
            "TEST-410200-E0001,开封测试汽车配件有限公司,410200,36,120\n"
            "TEST-410200-E0002,开封测试电气有限公司,410200,38,80\n").encode()
BAD_CSV = ("id,name,city_code,industry_code,employees\n"
           "TEST-410200-E0003,开封测试一,419999,36,120\n"
           "TEST-410200-E0004,开封测试二,410200,36,many\n").encode()


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_graph: Path) -> Path:
    return demo_copy(demo_graph, tmp_path_factory.mktemp("api-home"))


@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[TestClient]:
    settings = Settings(home=home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        yield c


def _copy_home(home: Path, tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    shutil.copy(home / "graph.sqlite", h / "graph.sqlite")
    return h


@pytest.fixture
def writable(home: Path, tmp_path: Path) -> Iterator[tuple[TestClient, SqliteStore]]:
    """An app with an API key over a copy of the demo graph (imports change it)."""
    h = _copy_home(home, tmp_path)
    settings = Settings(home=h, api_key=KEY, max_upload_bytes=16384, heavy_concurrency=64)  # 48 concurrent readers
    store = SqliteStore(h / "graph.sqlite")
    with TestClient(create_app(settings, store)) as c:
        yield c, store


def problem(r: Any, status: int, kind: str | None = None) -> dict[str, Any]:
    """Check the RFC 9457 shape of an error answer and return its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body), body
    assert body["status"] == status and body["detail"] and body["title"]
    assert body["instance"].startswith("/")
    if kind:
        assert body["type"] == f"/problems/{kind}", body
    for issue in body.get("errors") or []:
        assert ISSUE_FIELDS <= set(issue), issue
    return body


# -------------------------------------------------------------------------------------------- meta
def test_health_and_version(client: TestClient) -> None:
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["reachable"] and not h["empty"]
    assert h["counts"]["City"] == 18 and h["nodes"] == sum(h["counts"].values()) and h["relationships"] > 0
    assert h["writes_enabled"] is False
    v = client.get("/version").json()
    assert v["name"] == "iekg" and v["version"] and v["store"] == "sqlite"


def test_root_redirects_to_dashboard(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/dashboard"


def test_problem_kinds_are_documented(client: TestClient) -> None:
    for kind, (status, title, _) in KINDS.items():
        d = client.get(f"/problems/{kind}").json()
        assert d["status"] == status and d["title"] == title and d["type"] == f"/problems/{kind}"
    problem(client.get("/problems/nonsense"), 422, "invalid-request")


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    problem(client.get("/no/such/route"), 404, "not-found")
    problem(client.delete("/cities"), 405, "method-not-allowed")


def test_store_unavailable_is_503(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(home=tmp_path, store="nosuchstore"))) as c:
        body = problem(c.get("/health"), 503, "store-unavailable")
        assert "nosuchstore" not in body["detail"]  # the configuration's details go to the log (issue 12)
        problem(c.get("/cities"), 503, "store-unavailable")


def test_empty_graph_health(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(home=tmp_path))) as c:
        h = c.get("/health").json()
        assert h["status"] == "empty" and h["empty"] and h["nodes"] == 0


def test_unexpected_error_is_a_500_problem(home: Path, tmp_path: Path) -> None:
    class Broken(SqliteStore):
        def node_frame(self, *a: Any, **k: Any) -> Any:
            raise RuntimeError("boom")

    h = _copy_home(home, tmp_path)
    with TestClient(create_app(Settings(home=h), Broken(h / "graph.sqlite")), raise_server_exceptions=False) as c:
        body = problem(c.get("/cities"), 500, "internal-error")
        assert "boom" not in body["detail"] and "reference" in body["detail"]  # internals to the log only


# -------------------------------------------------------------------------------------- resources
LISTS = {
    "/cities": ("City", {}),
    "/institutions": ("Institution", {"city": "410200", "level": "高职专科", "ownership": "公办"}),
    "/enterprises": ("Enterprise", {"city": "410200", "industry": "36"}),
    "/majors": ("Major", {"level": "高职专科", "city": "410200"}),
    "/industries": ("Industry", {"level": "大类", "parent": "C"}),
    "/chains": ("IndustryChain", {"city": "410200"}),
    "/training-bases": ("TrainingBase", {"city": "410100"}),
    "/alliances": ("Alliance", {"kind": "市域产教联合体"}),
    "/policies": ("Policy", {"city": "410200", "level": "市级"}),
}


@pytest.mark.parametrize("path", list(LISTS))
def test_list_pages_totals_and_details(client: TestClient, home: Path, path: str) -> None:
    label, filters = LISTS[path]
    n = len(SqliteStore(home / "graph.sqlite").nodes(label))
    first = client.get(path, params={"limit": 3}).json()
    assert first["total"] == n and first["offset"] == 0 and first["limit"] == 3 and len(first["items"]) == min(3, n)
    ids = [i["id"] for i in first["items"]]
    offset = 3
    while offset < n:
        rest = client.get(path, params={"offset": offset, "limit": 500}).json()
        assert rest["total"] == n and rest["items"]
        ids += [i["id"] for i in rest["items"]]
        offset += 500
    assert len(ids) == len(set(ids)) == n  # the pages partition the list
    assert client.get(path, params={"offset": n + 10}).json()["items"] == []
    item = first["items"][0]
    assert item["uid"] == f"{label}:{item['id']}" and item["name"]
    # filters narrow the list and every row satisfies them
    filtered = client.get(path, params={**filters, "limit": 500}).json()
    assert 0 < filtered["total"] <= n
    for row in filtered["items"]:
        for k, v in filters.items():
            if k in row and k not in ("industry",):
                assert row[k] == v, (k, row)
    # detail by id, with relationships grouped like `iekg show`
    d = client.get(f"{path}/{item['id']}", params={"limit": 2}).json()
    assert d["uid"] == item["uid"] and d["label"] == label and d["props"]["id"] == item["id"]
    assert isinstance(d["illustrative"], bool)
    for group, count in d["relationship_counts"].items():
        shown = [r for r in d["relationships"] if f"{r['type']} {r['direction']}" == group]
        assert len(shown) == min(2, count)
    problem(client.get(f"{path}/NO-SUCH-ID-0"), 404 if path != "/cities" else 422)


def test_name_filter_and_industry_prefix(client: TestClient) -> None:
    r = client.get("/institutions", params={"q": "开封"}).json()
    assert r["total"] >= 3 and all("开封" in i["name"] or "开封" in i["id"] for i in r["items"])
    e = client.get("/enterprises", params={"industry": "36", "limit": 500}).json()
    assert e["total"] > 0 and all(i["industry"].startswith("36") for i in e["items"])
    letter = client.get("/enterprises", params={"industry": "C", "limit": 1}).json()["total"]
    assert letter >= e["total"]
    cities = client.get("/cities", params={"limit": 500}).json()["items"]
    kf = next(c for c in cities if c["id"] == "410200")
    assert kf["name"] == "开封市" and kf["institutions"] == client.get(
        "/institutions", params={"city": "410200"}).json()["total"]


def test_city_detail_and_404(client: TestClient) -> None:
    d = client.get("/cities/410200").json()
    assert d["name"] == "开封市" and d["illustrative"] is False
    body = problem(client.get("/cities/419999"), 404, "not-found")
    assert "419999" in body["detail"] and body["instance"] == "/cities/419999"


def test_policy_detail_with_chinese_docnum(client: TestClient) -> None:
    d = client.get("/policies/豫发改社会〔2022〕646号").json()
    assert d["name"] == "关于开展省级产教融合型城市建设试点遴选工作的通知"
    dated = [p["date"] for p in client.get("/policies", params={"limit": 500}).json()["items"] if p["date"]]
    assert dated == sorted(dated, reverse=True)


# ------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(("url", "column"), [
    ("/analysis/alignment?city=4102", "city"),
    ("/institutions?city=41020x", "city"),
    ("/analysis/alignment?city=410200&year=1999", "year"),
    ("/analysis/readiness?city=410200&year=2101", "year"),
    ("/cities?limit=501", "limit"),
    ("/cities?limit=0", "limit"),
    ("/cities?offset=-1", "offset"),
    ("/search?q=开封&label=Nonsense", "label"),
    ("/relations/neighbours?id=410200&type=KNOWS", "type"),
    ("/relations/neighbours?id=410200&direction=up", "direction"),
    ("/institutions?level=大学", "level"),
    ("/analysis/gaps?city=410200&type=nonsense", "type"),
    ("/analysis/readiness", "city"),
])
def test_bad_input_is_a_422_problem(client: TestClient, url: str, column: str) -> None:
    body = problem(client.get(url), 422, "invalid-request")
    assert body["errors"] and body["errors"][0]["column"] == column, body
    assert body["errors"][0]["severity"] == "error" and body["errors"][0]["fix"]


def test_label_and_type_enums_follow_the_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/relations/neighbours"]["get"]["parameters"]}

    def enum_of(p: dict[str, Any]) -> list[str]:
        schema = p["schema"]
        for alt in schema.get("anyOf", [schema]):
            items = alt.get("items")
            if items:
                ref = items.get("$ref")
                return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"] if ref else items["enum"]
        raise AssertionError(p)

    assert enum_of(params["label"]) == list(NODE_TYPES)
    assert enum_of(params["type"]) == list(REL_TYPES)


# ---------------------------------------------------------------------------------------- search
def test_search_chinese(client: TestClient) -> None:
    r = client.get("/search", params={"q": "黄河水利"}).json()
    assert r["items"][0]["name"] == "黄河水利职业技术大学" and r["items"][0]["match"] == "name"
    inst = client.get("/search", params={"q": "开封", "label": "Institution"}).json()
    assert inst["total"] >= 3 and all(h["label"] == "Institution" for h in inst["items"])
    assert client.get("/search", params={"q": "410200"}).json()["items"][0]["uid"] == "City:410200"


def test_search_pinyin(client: TestClient) -> None:
    full = client.get("/search", params={"q": "kaifeng", "label": "City"}).json()
    assert full["items"][0]["name"] == "开封市" and full["items"][0]["match"] == "pinyin"
    initials = client.get("/search", params={"q": "kfs", "label": "City"}).json()
    assert initials["items"][0]["id"] == "410200"
    assert client.get("/search", params={"q": "zzzzqqq"}).json()["total"] == 0
    problem(client.get("/search", params={"q": ""}), 422, "invalid-request")


# -------------------------------------------------------------------------------------- relations
def test_neighbours(client: TestClient) -> None:
    r = client.get("/relations/neighbours", params={"id": "410200", "type": "FOCUSES_ON"}).json()
    assert r["node"]["uid"] == "City:410200" and r["total"] == len(r["items"]) > 0
    assert all(x["type"] == "FOCUSES_ON" and x["direction"] == "out" for x in r["items"])
    by_label = client.get("/relations/neighbours", params={"id": "开封市", "label": "Institution",
                                                           "direction": "in", "limit": 3}).json()
    assert len(by_label["items"]) == 3 and all(x["other_label"] == "Institution" for x in by_label["items"])
    problem(client.get("/relations/neighbours", params={"id": "no such thing"}), 404, "not-found")


def test_paths(client: TestClient) -> None:
    p = client.get("/relations/path", params={"from": "4141012058", "to": "410000"}).json()
    assert p["found"] and p["path"]["nodes"][0] == "Institution:4141012058" and p["path"]["nodes"][-1] == "Province:410000"
    assert p["path"]["length"] == 2
    ps = client.get("/relations/paths", params={"from": "4141012058", "to": "410000", "k": 3, "limit": 5}).json()
    assert 0 < ps["total"] == len(ps["paths"]) <= 5 and ps["paths"][0]["nodes"] == p["path"]["nodes"]
    none = client.get("/relations/path", params={"from": "4141012058", "to": "410000", "k": 1,
                                                 "type": "OFFERS"}).json()
    assert none["found"] is False and none["path"] is None and "没有" in none["reason"]  # an empty answer says why
    problem(client.get("/relations/path", params={"from": "4141012058", "to": "nowhere"}), 404, "not-found")
    problem(client.get("/relations/paths", params={"from": "4141012058", "to": "410000", "k": 9}), 422)


# --------------------------------------------------------------------------------------- analysis
def _cli_json(home: Path, *args: str) -> Any:
    r = CliRunner().invoke(cli_app, ["--home", str(home), *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_alignment_equals_cli(client: TestClient, home: Path) -> None:
    api = client.get("/analysis/alignment", params={"city": "410200"}).json()
    cli = _cli_json(home, "align", "--city", "410200")
    assert api.pop("illustrative") is True
    assert api == cli


def test_alignment_scopes_equal_cli(client: TestClient, home: Path) -> None:
    chain = client.get("/chains", params={"city": "410200"}).json()["items"][0]["id"]
    for params, args in (
        ({"city": ["410200", "410100"], "year": 2024}, ["--city", "410200", "--city", "410100", "--year", "2024"]),
        ({"province": "410000"}, ["--province", "410000"]),
        ({"city": "410200", "chain": chain}, ["--city", "410200", "--chain", chain]),
    ):
        api = client.get("/analysis/alignment", params=params).json()
        api.pop("illustrative")
        assert api == _cli_json(home, "align", *args)


def test_alignment_errors(client: TestClient) -> None:
    problem(client.get("/analysis/alignment"), 422, "invalid-request")
    problem(client.get("/analysis/alignment", params={"city": "410200", "province": "410000"}), 422)
    problem(client.get("/analysis/alignment", params={"city": "419999"}), 404, "not-found")
    problem(client.get("/analysis/alignment", params={"city": "410200", "chain": "NO-CHAIN"}), 404, "not-found")
    problem(client.get("/analysis/alignment", params={"province": "990000"}), 404, "not-found")


def test_gaps(client: TestClient, home: Path) -> None:
    g = client.get("/analysis/gaps", params={"city": "410200", "limit": 5}).json()
    cli = _cli_json(home, "gaps", "--city", "410200", "--limit", "5")
    assert g.pop("illustrative") is True and g["total"] > len(g["gaps"]) == 5  # the CLI's JSON counts them too
    assert g == cli
    only = client.get("/analysis/gaps", params={"city": "410200", "type": "surplus"}).json()
    assert only["gaps"] and {x["type"] for x in only["gaps"]} == {"surplus"}


def test_readiness(client: TestClient, home: Path) -> None:
    r = client.get("/analysis/readiness", params={"city": "410200"}).json()
    assert r.pop("illustrative") is True and r == _cli_json(home, "readiness", "--city", "410200")
    problem(client.get("/analysis/readiness", params={"city": "419999"}), 404, "not-found")
    ranked = client.get("/analysis/readiness/all").json()
    assert ranked["illustrative"] is True and len(ranked["cities"]) == 18
    assert [c["rank"] for c in ranked["cities"]] == list(range(1, 19))
    assert ranked["cities"] == _cli_json(home, "readiness", "--all")


def test_coupling(client: TestClient, home: Path) -> None:
    c = client.get("/analysis/coupling").json()
    assert c.pop("illustrative") is True and c == _cli_json(home, "coupling")
    three = client.get("/analysis/coupling", params={"city": ["410200", "410100", "410300"]}).json()
    assert {s["city"] for s in three["scopes"]} == {"410200", "410100", "410300"}
    # two cities are below the method's minimum (min–max over two makes every indicator 0 or 1): refused
    problem(client.get("/analysis/coupling", params={"city": ["410200", "410100"]}), 422, "invalid-request")
    problem(client.get("/analysis/coupling", params={"city": "410200"}), 422, "invalid-request")
    problem(client.get("/analysis/coupling", params={"city": ["410200", "419999"]}), 404, "not-found")


def test_partners_trains_hires(client: TestClient, home: Path) -> None:
    p = client.get("/analysis/partners", params={"id": "4141010459", "limit": 3}).json()
    assert p["illustrative"] is True and len(p["results"]) == 3
    assert p["results"] == _cli_json(home, "partners", "4141010459", "--limit", "3")["results"]
    ent = p["results"][0]["id"]
    back = client.get("/analysis/partners", params={"id": ent}).json()
    assert back["results"] and all("score" in r for r in back["results"])
    problem(client.get("/analysis/partners", params={"id": "410200"}), 422, "invalid-request")
    problem(client.get("/analysis/partners", params={"id": "nobody"}), 404, "not-found")

    t = client.get("/analysis/who-trains", params={"industry": "36", "city": "410200"}).json()
    a = client.get("/analysis/alignment", params={"city": "410200"}).json()
    assert abs(t["total"] - next(i["supply"] for i in a["industries"] if i["code"] == "36")) < 1e-6
    assert t["illustrative"] is True and t["rows_total"] >= len(t["rows"])
    problem(client.get("/analysis/who-trains", params={"industry": "36", "chain": "HN-NEV-01"}), 422)
    problem(client.get("/analysis/who-trains", params={"segment": "NO-SEGMENT"}), 404, "not-found")

    h = client.get("/analysis/who-hires", params={"major": "460701", "limit": 5}).json()
    assert h["major"]["code"] == "460701" and h["industries"] and len(h["enterprises"]) <= 5
    problem(client.get("/analysis/who-hires", params={"major": "999999"}), 404, "not-found")
    problem(client.get("/analysis/who-hires", params={"major": "abc"}), 422, "invalid-request")


# ---------------------------------------------------------------------------------------- exports
def _filename(disposition: str) -> str:
    star = disposition.split("filename*=UTF-8''", 1)[1]
    return unquote(star)


def test_export_attachments_workbook(client: TestClient) -> None:
    r = client.get("/exports/attachments", params={"city": "410200"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="iekg-attachments-410200.xlsx"' in disposition
    assert _filename(disposition) == "开封市产教融合试点附件1-2.xlsx"
    assert r.headers["x-iekg-illustrative"] == "true"
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    first, second = wb.worksheets[0], wb.worksheets[1]
    assert [c.value for c in first[2]][:3] == ["序号", "主要问题", "解决时限"]
    assert [c.value for c in second[2]][:4] == ["序号", "政策内容", "责任部门", "完成时限"]
    assert first.cell(3, 2).value  # at least one problem row
    problem(client.get("/exports/attachments", params={"city": "419999"}), 404, "not-found")
    problem(client.get("/exports/attachments", params={"city": "41"}), 422, "invalid-request")


def test_export_plan(client: TestClient) -> None:
    r = client.get("/exports/plan", params={"city": "410200"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert _filename(r.headers["content-disposition"]) == "开封市产教融合型城市试点方案（草稿）.md"
    text = r.content.decode("utf-8")
    assert text.startswith("# 开封市建设省级产教融合型城市试点方案（草稿）") and "一、试点建设的背景和基础" in text
    assert "示意数据" in text
    pytest.importorskip("docx")
    d = client.get("/exports/plan", params={"city": "410200", "format": "docx"})
    assert d.status_code == 200 and d.content[:2] == b"PK"
    assert _filename(d.headers["content-disposition"]).endswith(".docx")
    problem(client.get("/exports/plan", params={"city": "410200", "format": "pdf"}), 422)


# ---------------------------------------------------------------------------------------- imports
def _upload(c: TestClient, files: list[tuple[str, bytes]], key: str | None = KEY, **params: Any) -> Any:
    headers = {"X-API-Key": key} if key is not None else {}
    return c.post("/imports", params=params, headers=headers,
                  files=[("files", (name, data, "text/csv")) for name, data in files])


def test_import_needs_a_configured_key(client: TestClient) -> None:
    body = problem(_upload(client, [("enterprises.csv", GOOD_CSV)]), 403, "writes-disabled")
    assert "IEKG_API_KEY" in body["detail"]


def test_import_key_missing_or_wrong(writable: tuple[TestClient, SqliteStore]) -> None:
    c, store = writable
    before = store.snapshot()
    r = _upload(c, [("enterprises.csv", GOOD_CSV)], key=None)
    problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "ApiKey"
    problem(_upload(c, [("enterprises.csv", GOOD_CSV)], key="wrong"), 403, "forbidden")
    assert store.snapshot() == before


def test_import_valid_csv_then_idempotent(writable: tuple[TestClient, SqliteStore]) -> None:
    c, store = writable
    before = store.snapshot()
    # the graph is the demo, which holds illustrative rows of 开封: keep both (issue 10: never mixed silently)
    dry = _upload(c, [("enterprises.csv", GOOD_CSV)], dry_run="true", demo_rows="keep")
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["changed"] is False and dry.json()["result"] is None
    assert store.snapshot() == before
    r = _upload(c, [("enterprises.csv", GOOD_CSV)], demo_rows="keep")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["errors"] == 0 and body["rows"] == {"enterprises": 2} and body["changed"]
    assert body["files"] == ["enterprises.csv"] and body["result"]["nodes_created"] == 2
    assert c.get("/enterprises/TEST-410200-E0001").json()["name"] == "开封测试汽车配件有限公司"
    assert c.get("/enterprises", params={"q": "开封测试"}).json()["total"] == 2
    node = store.get("Enterprise:TEST-410200-E0001")
    assert node is not None and node.props["source_kind"] == "user" and node.props["source_file"] == "enterprises.csv"
    after = store.snapshot()
    again = _upload(c, [("enterprises.csv", GOOD_CSV)], demo_rows="keep").json()
    assert again["changed"] is False and not any(again["result"].values())
    assert store.snapshot() == after
    # the graph on disk is the one the API changed
    assert SqliteStore(store.path).snapshot() == after


def test_import_invalid_changes_nothing(writable: tuple[TestClient, SqliteStore]) -> None:
    c, store = writable
    before = store.snapshot()
    r = _upload(c, [("enterprises.csv", GOOD_CSV), ("企业.csv", BAD_CSV)])
    body = problem(r, 422, "invalid-data")
    assert body["changed"] is False and body["report"]["ok"] is False
    assert body["report"]["errors"] == len(body["errors"]) == 2
    where = {(e["file"], e["row"], e["column"], e["code"]) for e in body["errors"]}
    assert ("企业.csv", 3, "employees", "invalid") in where
    assert ("企业.csv", 2, "city_code", "missing_ref") in where
    bad = next(e for e in body["errors"] if e["code"] == "invalid")
    assert bad["value"] == "many" and bad["message"] and bad["fix"] and bad["table"] == "enterprises"
    assert store.snapshot() == before  # all or nothing: the good file was not loaded either
    assert c.get("/enterprises", params={"q": "开封测试"}).json()["total"] == 0


def test_import_unknown_table_and_bad_names(writable: tuple[TestClient, SqliteStore]) -> None:
    c, _ = writable
    body = problem(_upload(c, [("whatever.csv", GOOD_CSV)]), 422, "invalid-data")
    assert body["errors"][0]["code"] == "unknown_table" and body["errors"][0]["file"] == "whatever.csv"
    problem(_upload(c, [("enterprises.csv", GOOD_CSV), ("ENTERPRISES.csv", GOOD_CSV)]), 422, "invalid-request")
    r = _upload(c, [("C:\\Users\\me\\enterprises.csv", GOOD_CSV)], dry_run="true")
    assert r.status_code == 200 and r.json()["files"] == ["enterprises.csv"]
    problem(c.post("/imports", headers={"X-API-Key": KEY}), 422, "invalid-request")


def test_import_xlsx_workbook(writable: tuple[TestClient, SqliteStore]) -> None:
    c, store = writable
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "企业"
    for row in GOOD_CSV.decode().strip().splitlines():
        ws.append(row.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post("/imports", params={"demo_rows": "keep"}, headers={"X-API-Key": KEY},
               files=[("files", ("数据.xlsx", buf.getvalue(), "application/octet-stream"))])
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == {"enterprises": 2} and store.get("Enterprise:TEST-410200-E0002") is not None


def test_import_too_large(writable: tuple[TestClient, SqliteStore]) -> None:
    c, store = writable
    before = store.snapshot()
    big = GOOD_CSV + b"".join(f"TEST-410200-X{i:05d},开封测试{i},410200,36,1\n".encode() for i in range(600))
    body = problem(_upload(c, [("enterprises.csv", big)]), 413, "payload-too-large")
    assert "16384" in body["detail"]
    huge = b"x" * (16384 + 70000)  # beyond the body cap: refused by Content-Length before parsing
    problem(_upload(c, [("enterprises.csv", huge)]), 413, "payload-too-large")

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted while it streams in
        yield (b'--B\r\nContent-Disposition: form-data; name="files"; filename="enterprises.csv"\r\n'
               b"Content-Type: text/csv\r\n\r\n")
        for _ in range(100):
            yield b"x" * 1000
        yield b"\r\n--B--\r\n"

    r = c.post("/imports", content=streamed(), headers={"X-API-Key": KEY,
                                                        "Content-Type": "multipart/form-data; boundary=B"})
    problem(r, 413, "payload-too-large")
    assert store.snapshot() == before


def test_api_sees_changes_made_by_the_cli(writable: tuple[TestClient, SqliteStore], tmp_path: Path) -> None:
    c, store = writable
    f = tmp_path / "enterprises.csv"
    f.write_bytes(GOOD_CSV)
    assert c.get("/enterprises", params={"q": "开封测试"}).json()["total"] == 0
    r = CliRunner().invoke(cli_app, ["--home", str(Path(store.path).parent), "import", str(f),  # type: ignore[arg-type]
                                     "--demo-rows", "keep"])
    assert r.exit_code == 0, r.output
    assert c.get("/enterprises", params={"q": "开封测试"}).json()["total"] == 2


def test_reads_during_imports_neither_fail_nor_deadlock(writable: tuple[TestClient, SqliteStore]) -> None:
    """More concurrent readers than the server has worker threads, while imports take the write lock."""
    import threading
    import time

    c, store = writable
    statuses: list[int] = []
    stop = time.monotonic() + 1.5
    lock = threading.Lock()

    def reader(i: int) -> None:
        while time.monotonic() < stop:
            url = "/analysis/alignment?city=410200" if i % 2 else "/search?q=开封测试"
            code = c.get(url).status_code
            with lock:
                statuses.append(code)

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(48)]
    for t in threads:
        t.start()
    results = [_upload(c, [("enterprises.csv", GOOD_CSV)], demo_rows="keep").status_code for _ in range(3)]
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "readers hung"
    assert results == [200, 200, 200]
    assert statuses and set(statuses) == {200}
    assert store.get("Enterprise:TEST-410200-E0001") is not None


# -------------------------------------------------------------------------------- CORS and docs
def test_cors_only_when_configured(client: TestClient, home: Path) -> None:
    origin = {"Origin": "http://127.0.0.1:9000"}
    assert "access-control-allow-origin" not in client.get("/health", headers=origin).headers
    settings = Settings(home=home, cors_origins=["http://127.0.0.1:9000"])
    with TestClient(create_app(settings, SqliteStore(home / "graph.sqlite"))) as c:
        r = c.get("/health", headers=origin)
        assert r.headers["access-control-allow-origin"] == "http://127.0.0.1:9000"
        pre = c.options("/imports", headers={**origin, "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "X-API-Key"})
        assert pre.status_code == 200 and "x-api-key" in pre.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-origin" not in c.get("/health", headers={"Origin": "http://evil"}).headers


def test_docs_pages_are_offline(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "http://" not in html and "https://" not in html, page
        for asset in ("/static-docs/swagger-ui-bundle.js", "/static-docs/redoc.standalone.js"):
            if asset.rsplit("/", 1)[1] in html:
                assert client.get(asset).status_code == 200


def test_openapi_documents_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"].startswith("iekg")
    assert "Problem" in spec["components"]["schemas"] and "HTTPValidationError" not in spec["components"]["schemas"]
    schemas = spec["components"]["schemas"]
    ops = [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items()]
    assert len(ops) >= 30
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        assert op.get("tags") and op.get("summary"), where
        ok = op["responses"].get("200") or op["responses"]["201"]  # 201: a scenario made (POST /scenarios)
        examples = []
        for media in ok.get("content", {}).values():
            if "example" in media or "examples" in media:
                examples.append(media)
            ref = media.get("schema", {}).get("$ref")
            if ref and "example" in schemas[ref.rsplit("/", 1)[1]]:
                examples.append(media)
            if media.get("schema", {}).get("format") == "binary":
                examples.append(media)
        assert examples, f"{where}: no example"
        for code, resp in op["responses"].items():
            if code.startswith(("4", "5")):
                assert list(resp["content"]) == [PROBLEM], (where, code)
    assert spec["paths"]["/imports"]["post"]["security"] == [{"ApiKey": []}]
    assert {"401", "403", "413", "422"} <= set(spec["paths"]["/imports"]["post"]["responses"])


def test_problem_literal_matches_kinds() -> None:
    from typing import get_args

    from iekg.api.routers.meta import ProblemKind

    assert set(get_args(ProblemKind)) == set(KINDS)


def test_create_app_does_not_open_the_store_at_import() -> None:
    import importlib

    import iekg.api.main as main

    importlib.reload(main)
    assert not hasattr(main, "app")

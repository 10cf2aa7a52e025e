"""Vocabularies as data (issue 10): synonyms mapped with a warning, the user's own terms, descriptive fields
kept, counted fields rejected with the nearest term; header synonyms; references to rows with errors;
missing catalogue majors; the user's crosswalk replacing the shipped rows; example rows; the demo never
mixed silently with real data; ``ChangeSet.delete_nodes``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import graph_state
from typer.testing import CliRunner

from iekg import service
from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet
from iekg.loaders import demorows, vocab
from iekg.loaders.report import ImportFailed
from iekg.loaders.tables import ENUMS, TABLES

runner = CliRunner()
E1 = "91410200MA44AB12CW"  # a valid 统一社会信用代码 (GB 32100 check character)


def cli(home: Path, *args: str, env: dict[str, str | None] | None = None) -> Any:
    return runner.invoke(app, ["--home", str(home), *args], env=env)


def write(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


@pytest.fixture(scope="module")
def ref_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph of the shipped reference data only (no demo)."""
    h = tmp_path_factory.mktemp("ref")
    r = cli(h, "build", "--no-demo", "--format", "json")
    assert r.exit_code == 0, r.output
    return h


@pytest.fixture()
def home(ref_home: Path, tmp_path: Path) -> Path:
    h = tmp_path / "home"
    shutil.copytree(ref_home, h)
    return h


def store_of(home: Path) -> SqliteStore:
    return SqliteStore(home / "graph.sqlite")


def import_json(home: Path, folder: Path, *extra: str, env: dict[str, str | None] | None = None) -> tuple[int, dict[str, Any]]:
    r = cli(home, "import", str(folder), *extra, "--format", "json", env=env)
    return r.exit_code, json.loads(r.stdout)


INST = "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n"
ENT = "统一社会信用代码,企业名称,所在城市代码,行业代码,产教融合型企业级别\n"
COOP = "学校标识码,统一社会信用代码,合作类型,起始年份,受益学生数,状态\n"


# ------------------------------------------------------------------------------- the vocabulary data
def test_one_shipped_table_drives_the_enumerations() -> None:
    voc = vocab.shipped()
    # every enum column of the contract has a vocabulary, and ENUMS is read from it
    kinds = {c.kind.split(":")[-1] for t in TABLES.values() for c in t.columns if "enum:" in c.kind}
    assert kinds <= set(voc.fields())
    assert ENUMS == {f: voc.allowed(f) for f in voc.fields()}
    # the words of the issue
    for fld, word, term in [
        ("iei_level", "国家", "国家级"), ("iei_level", "全国", "国家级"), ("base_level", "省", "省级"),
        ("base_level", "市", "市级"), ("base_level", "校", "校级"), ("cooperation_status", "有效", "进行中"),
        ("cooperation_status", "在建", "进行中"), ("cooperation_status", "合作中", "进行中"),
        ("cooperation_status", "正常", "进行中"), ("cooperation_status", "终止", "已结束"),
        ("cooperation_status", "到期", "已结束"), ("cooperation_status", "已终止", "已结束"),
        ("cooperation_type", "冠名班", "订单班"), ("cooperation_type", "实习就业", "实习实训"),
        ("cooperation_type", "顶岗实习", "实习实训"), ("cooperation_type", "技术服务", "技术研发"),
        ("cooperation_type", "横向课题", "技术研发"), ("training_base_kind", "共建", "实训基地"),
        ("training_base_kind", "产教融合实训基地", "实训基地"), ("training_base_kind", "校企共建实训基地", "实训基地"),
        ("training_base_kind", "虚拟仿真实训基地", "实验实训基地"), ("institution_level", "大专", "高职专科"),
        ("policy_status", "现行有效", "有效"),
    ]:
        assert voc.lookup(fld, word) == ("synonym", term), (fld, word)
    for fld, word in [("cooperation_type", "订单班"), ("cooperation_type", "现代学徒制"),
                      ("cooperation_type", "企业新型学徒制"), ("cooperation_type", "产业学院"),
                      ("cooperation_type", "共建专业"), ("cooperation_type", "共建实训基地"),
                      ("cooperation_type", "职工培训"), ("cooperation_type", "技能大师工作室"),
                      ("training_base_kind", "公共实训基地"), ("training_base_kind", "生产性实训基地"),
                      ("focus_level", "省级"), ("focus_level", "市级"), ("focus_level", "主导")]:
        assert voc.lookup(fld, word) == ("term", word)
    assert voc.counted("iei_level") and voc.counted("institution_level") and voc.counted("base_level")
    assert not voc.counted("cooperation_type") and not voc.counted("ownership")
    assert voc.header_synonyms()["统一社会信用代码"][:2] == ["企业信用代码", "信用代码"]


# -------------------------------------------------------------------------------- the four rules
def test_synonym_is_mapped_with_a_warning_and_stored_canonical(home: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "in", {
        "institutions.csv": INST + "4141019999,开封某职业学院,410200,大专,公立\n",
        "enterprises.csv": ENT + f"{E1},开封某汽车零部件有限公司,410200,36,省\n",
        "cooperations.csv": COOP + f"4141019999,{E1},实习就业,2023年,40,有效\n",
    })
    code, data = import_json(home, folder)
    assert code == 0, data
    assert data["errors"] == 0
    got = {(i["table"], i["row"], i["column"], i["value"], i["repaired"], i["code"]) for i in data["issues"]}
    assert got == {
        ("institutions", 2, "办学层次", "大专", "高职专科", "synonym"),
        ("institutions", 2, "举办性质", "公立", "公办", "synonym"),
        ("enterprises", 2, "产教融合型企业级别", "省", "省级", "synonym"),
        ("cooperations", 2, "合作类型", "实习就业", "实习实训", "synonym"),
        ("cooperations", 2, "状态", "有效", "进行中", "synonym"),
    }
    assert all(i["severity"] == "warning" for i in data["issues"])
    s = store_of(home)
    inst = s.get("Institution:4141019999")
    assert inst is not None and (inst.props["level"], inst.props["ownership"]) == ("高职专科", "公办")
    ent = s.get(f"Enterprise:{E1}")
    assert ent is not None and ent.props["iei_level"] == "省级"
    [(rel, _)] = s.neighbours("Institution:4141019999", ["COOPERATES_WITH"], "out")
    assert (rel.props["type"], rel.props["status"], rel.props["since"]) == ("实习实训", "进行中", 2023)


def test_user_added_terms_through_the_vocabularies_table_and_the_settings_file(home: Path, tmp_path: Path) -> None:
    ents = ENT + f"{E1},开封某汽车零部件有限公司,410200,36,省级示范\n"
    # without the user's word: iei_level is counted, so an unknown word is an error and nothing changes
    before = graph_state(home / "graph.sqlite")
    code, data = import_json(home, write(tmp_path / "plain", {"enterprises.csv": ents}))
    assert code == 1 and [i["code"] for i in data["issues"]] == ["enum"]
    assert graph_state(home / "graph.sqlite") == before
    # a vocabularies table in the same import makes it a synonym of 省级
    voc = "字段,标准词,同义词\niei_level,省级,省级示范;省示范\ncooperation_status,进行中,履约中\n"
    code, data = import_json(home, write(tmp_path / "own", {"enterprises.csv": ents, "vocabularies.csv": voc}))
    assert code == 0, data
    assert [(i["code"], i["value"], i["repaired"]) for i in data["issues"]] == [("synonym", "省级示范", "省级")]
    ent = store_of(home).get(f"Enterprise:{E1}")
    assert ent is not None and ent.props["iei_level"] == "省级"
    # a file named in settings (IEKG_VOCABULARY_FILE) works for every import
    f = tmp_path / "我的词表.csv"
    f.write_text("field,term,english,synonyms\ncooperation_status,进行中,ongoing,履约中\n", encoding="gb18030")
    coop = write(tmp_path / "coop", {
        "institutions.csv": INST + "4141019999,开封某职业学院,410200,高职专科,公办\n",
        "cooperations.csv": COOP + f"4141019999,{E1},订单班,2023,40,履约中\n"})
    code, data = import_json(home, coop, env={"IEKG_VOCABULARY_FILE": str(f)})
    assert code == 0, data
    assert [(i["code"], i["value"], i["repaired"]) for i in data["issues"]] == [("synonym", "履约中", "进行中")]
    # an unknown field in the vocabularies table is an error naming the fields
    code, data = import_json(home, write(tmp_path / "bad", {"vocabularies.csv": "field,term\n合作状态,进行中\n"}))
    assert code == 1 and data["issues"][0]["code"] == "unknown_field"
    assert "cooperation_status" in data["issues"][0]["fix"]


def test_descriptive_field_keeps_an_unknown_word_with_a_warning(home: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "in", {
        "institutions.csv": INST + "4141019999,开封某职业学院,410200,高职专科,公办\n",
        "enterprises.csv": ENT + f"{E1},开封某汽车零部件有限公司,410200,36,\n",
        "cooperations.csv": COOP + f"4141019999,{E1},校企双元育人,2023,40,进行中\n",
    })
    code, data = import_json(home, folder)
    assert code == 0, data
    [w] = data["issues"]
    assert (w["severity"], w["code"], w["column"], w["value"], w["repaired"]) == \
        ("warning", "unknown_term", "合作类型", "校企双元育人", "校企双元育人")
    assert "已按原样保留" in w["message"]
    [(rel, _)] = store_of(home).neighbours("Institution:4141019999", ["COOPERATES_WITH"], "out")
    assert rel.props["type"] == "校企双元育人"


def test_counted_field_rejects_an_unknown_word_naming_the_nearest_term(home: Path, tmp_path: Path) -> None:
    before = graph_state(home / "graph.sqlite")
    folder = write(tmp_path / "in", {"institutions.csv": INST + "4141019999,开封某职业学院,410200,职业本科学校,公办\n"})
    code, data = import_json(home, folder)
    assert code == 1
    [e] = data["issues"]
    assert (e["severity"], e["code"], e["row"], e["column"], e["value"]) == ("error", "enum", 2, "办学层次", "职业本科学校")
    assert "最接近的是「职业本科」" in e["message"]
    assert e["fix"].startswith("可选值：本科、职业本科、高职专科、中职、技工；是否应为「职业本科」?")
    assert graph_state(home / "graph.sqlite") == before


# ------------------------------------------------------------------------------------- headers
def test_header_synonyms_and_unrecognised_headers(home: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "in", {
        "institutions.csv": "学校代码,学校名称,所在城市代码,办学层次\n4141019999,开封某职业学院,410200,高职专科\n",
        "enterprises.csv": "企业信用代码,企业名称,所在城市代码,行业代码\n" f"{E1},开封某公司,410200,36\n",
        "cooperations.csv": "学校代码,信用代码,合作形式,开始时间,学生人数\n" f"4141019999,{E1},订单班,2022,35\n",
    })
    code, data = import_json(home, folder)
    assert code == 0, data
    # each header synonym is a repair the user can accept, said once per column
    assert {(i["code"], i["value"], i["repaired"]) for i in data["issues"]} == {
        ("header", "学校代码", "学校标识码"), ("header", "企业信用代码", "统一社会信用代码"), ("header", "信用代码", "统一社会信用代码"),
        ("header", "合作形式", "合作类型"), ("header", "开始时间", "起始年份"), ("header", "学生人数", "受益学生数")}
    [(rel, _)] = store_of(home).neighbours("Institution:4141019999", ["COOPERATES_WITH"], "out")
    assert (rel.props["type"], rel.props["since"], rel.props["students"]) == ("订单班", 2022, 35)
    # a file none of whose headers is understood names each one with the nearest known header
    bad = write(tmp_path / "bad", {"institutions.csv": "学校编号X,院校全称X,城市编码X\n1,2,3\n"})
    code, data = import_json(home, bad)
    assert code == 1
    [e] = data["issues"]
    assert e["code"] == "no_header"
    assert "「学校编号X」 (最接近：学校标识码)" in e["message"] and "「院校全称X」 (最接近：学校名称)" in e["message"]
    assert "「城市编码X」 (最接近：所在城市代码)" in e["message"]
    # a header close enough to one column (and no other) is read as it, with a warning
    near = write(tmp_path / "near", {"institutions.csv": "学校编号,学校名称,城市编码,办学层次\n"
                                                         "4141019999,开封某职业学院,410200,高职专科\n"})
    code, data = import_json(home, near)
    assert code == 0, data
    assert [(i["code"], i["value"], i["repaired"]) for i in data["issues"]] == [
        ("header", "学校编号", "学校标识码"), ("header", "城市编码", "所在城市代码")]
    assert data["issues"][0]["message"] == "表头相近：「学校编号」按「学校标识码」(id) 读入 (header read as id)"


# ----------------------------------------------------------------------------------- the cascade
def test_a_reference_to_a_row_with_errors_says_so_once(home: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "in", {
        "enterprises.csv": "统一社会信用代码,企业名称,所在城市代码,行业代码,从业人数\nJY-E1,济源某公司,41900,36,120\n",
        "talent_demand.csv": "城市代码,年份,需求人数,行业代码,统一社会信用代码\n"
                             "410200,2024,30,36,JY-E1\n410200,2024,20,38,JY-E1\n",
    })
    code, data = import_json(home, folder)
    assert code == 1
    errors = [(i["table"], i["row"], i["code"]) for i in data["issues"]]
    assert errors == [("enterprises", 2, "invalid"), ("talent_demand", 2, "ref_to_invalid_row")]
    cascade = data["issues"][1]
    assert cascade["message"] == ("企业「JY-E1」定义在 enterprises.csv 第 2 行，但那一行有错误，所以未能载入；"
                                  "引用它的行：talent_demand.csv 第 2 行、talent_demand.csv 第 3 行")
    assert "不存在" not in cascade["message"]
    assert cascade["fix"].startswith("先改正 enterprises.csv 第 2 行的错误")


# ------------------------------------------------------------------------------ fixes that fix
def test_a_missing_catalogue_major_points_at_the_national_catalogues(home: Path, tmp_path: Path,
                                                                      public_dir: Path) -> None:
    folder = write(tmp_path / "in", {
        "institutions.csv": INST + "4141019999,开封某职业学院,410200,高职专科,公办\n",
        "programs.csv": "学校标识码,专业代码,年份,毕业生数\n4141019999,460701,2024,50\n4141019999,469999,2024,5\n",
    })
    code, data = import_json(home, folder, env={"IEKG_PUBLIC_DIR": str(public_dir)})
    assert code == 1
    fixes = {i["value"]: i["fix"] for i in data["issues"]}
    assert fixes["460701"].startswith("460701 汽车制造与试验技术 在国家专业目录 vocational_major_catalog_2021_upd2025.csv 中")
    assert "iekg build --public" in fixes["460701"] and "先在 majors 表中添加" not in fixes["460701"]
    assert fixes["469999"].startswith("国家专业目录") and "也没有 469999" in fixes["469999"]
    # without a known public folder the fix still says how to load the catalogues
    code, data = import_json(home, folder, env={"IEKG_PUBLIC_DIR": None})
    assert code == 1
    assert "--public" in data["issues"][0]["fix"] and "IEKG_PUBLIC_DIR" in data["issues"][0]["fix"]


def test_example_rows_are_silent_unless_edited_and_the_notice_is_not_the_users(home: Path, tmp_path: Path) -> None:
    book = tmp_path / "模板.xlsx"
    assert cli(home, "template", "-o", str(book), "--table", "institutions", "--table", "enterprises").exit_code == 0
    code, data = import_json(home, book)
    # nothing to import is an error (issue 12), but the untouched example rows themselves say nothing
    assert code == 1 and [i["code"] for i in data["issues"]] == ["nothing_to_import"] and data["warnings"] == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["institutions"]
    ws.cell(3, 2).value = "我改过的学校名称"  # edited, but the first cell still carries 【示例】
    wb.save(book)
    code, data = import_json(home, book)
    assert code == 1  # the edited example row is still skipped, so there is still nothing to import
    assert [(i["code"], i["sheet"], i["row"]) for i in data["issues"] if i["severity"] == "warning"] == [
        ("example_row", "institutions", 3)]
    # the shipped notice's own 文号 repairs are not shown as the user's warnings
    r = cli(tmp_path / "h2", "build", "--no-demo", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["report"]["issues"] == []


# ------------------------------------------------------------------------------------ validate
def test_validate_shows_what_the_warnings_repaired(home: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "in", {"institutions.csv": INST + "4141019999,开封某职业学院,410200,大专,私立\n"})
    r = cli(home, "validate", str(folder), "--format", "json")
    assert r.exit_code == 0, r.output
    repairs = json.loads(r.stdout)["repairs"]
    assert [(x["file"], x["row"], x["column"], x["value"], x["repaired"]) for x in repairs] == [
        ("institutions.csv", 2, "办学层次", "大专", "高职专科"), ("institutions.csv", 2, "举办性质", "私立", "民办")]
    r = cli(home, "validate", str(folder))
    assert r.exit_code == 0
    assert "已自动修正" in r.stdout
    line = next(x for x in r.stdout.splitlines() if "大专" in x and "高职专科" in x and "│" in x)
    assert "institutions.csv" in line


# ------------------------------------------------------------------------------------ delete_nodes
def test_delete_nodes_removes_nodes_with_their_relationships_before_the_upserts(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "g.sqlite")
    c = ChangeSet()
    a = c.add_node("City", "410200", {"name": "开封市"})
    i = c.add_node("Institution", "4141019999", {"name": "甲"})
    j = c.add_node("Institution", "4141019998", {"name": "乙"})
    c.add_rel("LOCATED_IN", i, a)
    c.add_rel("LOCATED_IN", j, a)
    s.apply(c)
    d = ChangeSet(delete_nodes={i, "Institution:0000000000"})  # an absent uid is no error
    d.add_node("Institution", "4141019998", {"name": "乙"})  # upserted in the same write
    res = s.apply(d)
    assert s.get(i) is None and s.get(j) is not None
    assert res.rels_deleted == 1
    assert [r.src for r, _ in s.neighbours(a, ["LOCATED_IN"], "in")] == [j]
    # the same uid deleted and upserted: deleted first, then created afresh without its old relationships
    e = ChangeSet(delete_nodes={j})
    e.add_node("Institution", "4141019998", {"name": "乙2"})
    s.apply(e)
    n = s.get(j)
    assert n is not None and n.props["name"] == "乙2" and s.neighbours(j) == []


# ------------------------------------------------------------------------------------ demo rows
KF_USER = {
    "institutions.csv": INST + "4141019999,开封某职业学院,410200,高职专科,公办\n",
    "talent_demand.csv": "城市代码,年份,需求人数,行业代码\n410200,2024,120,36\n",
}


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("demo")
    r = cli(h, "build", "--format", "json")
    assert r.exit_code == 0, r.output
    return h


def _illustrative(s: SqliteStore, city: str) -> tuple[int, int]:
    d = demorows.demo_rows(s, city)
    return len(d.nodes), d.rels


def test_import_into_a_demo_city_stops_and_explains_the_choices(demo_home: Path, tmp_path: Path) -> None:
    h = tmp_path / "h"
    shutil.copytree(demo_home, h)
    before = graph_state(h / "graph.sqlite")
    folder = write(tmp_path / "kf", KF_USER)
    code, data = import_json(h, folder)
    assert code == 1
    [e] = data["issues"]
    assert (e["severity"], e["code"]) == ("error", "demo_rows")
    assert "开封市 (410200)" in e["message"]
    for word in ("--demo-rows replace", "--demo-rows keep", "--demo-rows stop", "iekg build --no-demo --data"):
        assert word in e["fix"]
    assert graph_state(h / "graph.sqlite") == before
    # validate only warns
    r = cli(h, "validate", str(folder), "--format", "json")
    assert r.exit_code == 0 and [i["code"] for i in json.loads(r.stdout)["issues"]] == ["demo_rows"]


def test_demo_rows_keep_and_replace(demo_home: Path, tmp_path: Path) -> None:
    keep, repl = tmp_path / "keep", tmp_path / "replace"
    shutil.copytree(demo_home, keep)
    shutil.copytree(demo_home, repl)
    folder = write(tmp_path / "kf", KF_USER)
    s0 = store_of(demo_home)
    kf_demo, zz_demo = _illustrative(s0, "410200"), _illustrative(s0, "410100")
    assert kf_demo[0] > 10 and kf_demo[1] > 100 and zz_demo[0] > 10

    code, data = import_json(keep, folder, "--demo-rows", "keep")
    assert code == 0 and [i["code"] for i in data["issues"]] == ["demo_rows_kept"]
    s = store_of(keep)
    assert _illustrative(s, "410200") == kf_demo
    inst = s.get("Institution:4141019999")
    assert inst is not None and inst.props["source_kind"] == "user"

    code, data = import_json(repl, folder, "--demo-rows", "replace")
    assert code == 0, data
    assert [i["code"] for i in data["issues"]] == ["demo_rows_replaced"]
    s = store_of(repl)
    assert _illustrative(s, "410200") == (0, 0)
    assert _illustrative(s, "410100") == zz_demo  # other cities keep their demo
    assert all(s.get(u) is None for u in demorows.demo_rows(s0, "410200").nodes)
    # the city's real nodes and the user's rows stay; its remaining demand is the user's only
    assert s.get("City:410200") is not None and s.get("Institution:4141010475") is not None
    dem = s.rel_frame("DEMANDS", ["headcount", "source_kind"], where={"city_code": "410200"})
    assert dem["headcount"].tolist() == [120] and dem["source_kind"].tolist() == ["user"]
    offers = s.rel_frame("OFFERS", ["source_kind"], src_label="Institution", src_ids=["4141010475"])
    assert len(s0.rel_frame("OFFERS", src_label="Institution", src_ids=["4141010475"])) > 0 and len(offers) == 0
    # importing again changes nothing and no longer meets demo rows
    code, data = import_json(repl, folder)
    assert code == 0 and data["issues"] == [] and not data["changed"]


def test_api_takes_demo_rows_as_a_query_parameter(demo_home: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from iekg.api.main import create_app
    from iekg.settings import Settings

    h = tmp_path / "h"
    shutil.copytree(demo_home, h)
    client = TestClient(create_app(Settings(home=h, api_key="k")))
    files = [("files", (n, t.encode(), "text/csv")) for n, t in KF_USER.items()]
    r = client.post("/imports", files=files, headers={"X-API-Key": "k"})
    assert r.status_code == 422
    assert [e["code"] for e in r.json()["errors"]] == ["demo_rows"]
    r = client.post("/imports?demo_rows=replace", files=files, headers={"X-API-Key": "k"})
    assert r.status_code == 200, r.text
    assert [i["code"] for i in r.json()["issues"]] == ["demo_rows_replaced"]
    client.close()
    assert _illustrative(store_of(h), "410200") == (0, 0)
    r = TestClient(create_app(Settings(home=h, api_key="k"))).post(
        "/imports?demo_rows=maybe", files=files, headers={"X-API-Key": "k"})
    assert r.status_code == 422


# ------------------------------------------------------------------------------------------ Neo4j
@pytest.mark.neo4j
def test_delete_nodes_and_demo_replace_on_neo4j(neo4j_server: Any, demo_home: Path, tmp_path: Path) -> None:
    """ChangeSet.delete_nodes on Neo4j, and --demo-rows replace giving the same graph as the embedded store."""
    from neo4j import GraphDatabase

    from iekg.graph.neo4jstore import Neo4jStore

    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    neo = Neo4jStore(driver)
    try:
        neo.clear()
        c = ChangeSet()
        a = c.add_node("City", "410200", {"name": "开封市"})
        i = c.add_node("Institution", "4141019999", {"name": "甲"})
        j = c.add_node("Institution", "4141019998", {"name": "乙"})
        c.add_rel("LOCATED_IN", i, a)
        c.add_rel("LOCATED_IN", j, a)
        neo.apply(c)
        d = ChangeSet(delete_nodes={i, "Institution:0000000000"})
        d.add_node("Institution", "4141019998", {"name": "乙"})
        res = neo.apply(d)
        assert neo.get(i) is None and neo.get(j) is not None and res.rels_deleted == 1
        assert [r.src for r, _ in neo.neighbours(a, ["LOCATED_IN"], "in")] == [j]

        # the demo graph in Neo4j, then 开封's data with --demo-rows replace: the same graph as embedded
        embedded = SqliteStore(tmp_path / "copy.sqlite")
        embedded.apply(service.copy_graph(store_of(demo_home)), fresh=True)
        service.sync(embedded, neo)
        folder = write(tmp_path / "kf", KF_USER)
        service.import_paths(embedded, [folder], demo_rows="replace")
        service.import_paths(neo, [folder], demo_rows="replace")
        assert _illustrative(neo, "410200") == (0, 0)  # type: ignore[arg-type]
        assert neo.counts() == embedded.counts()
        with pytest.raises(ImportFailed):
            service.import_paths(neo, [write(tmp_path / "zz", {
                "talent_demand.csv": "城市代码,年份,需求人数,行业代码\n410100,2024,10,36\n"})])
    finally:
        neo.clear()
        driver.close()


def test_the_guide_shows_the_shipped_vocabulary() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "guide.md").read_text(encoding="utf-8")
    shown = guide.split("<!-- vocabularies:begin -->\n", 1)[1].split("<!-- vocabularies:end -->", 1)[0]
    assert shown == vocab.markdown_table()
    assert "| `focus_level` | descriptive | 主导、重点、培育、省级、市级 |" in shown
    assert "| 学校标识码 | 学校代码、" in shown


def test_a_missing_column_names_the_headers_not_understood(home: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "in", {
        "institutions.csv": "学校编号X,学校名称,所在城市代码,办学层次\n4141019999,开封某职业学院,410200,高职专科\n",
        "学校名单.csv": "学校标识码,学校名称\n4141019999,开封某职业学院\n"})
    code, data = import_json(home, folder)
    assert code == 1
    by_code = {i["code"]: i["message"] for i in data["issues"]}
    assert by_code["missing_column"] == "缺少必填列「学校标识码」(id)；未识别的表头：「学校编号X」 (最接近：学校标识码)"
    assert by_code["unknown_table"].endswith("；最接近的表：institutions (院校)")


def test_a_build_of_the_demo_and_the_users_data_for_the_same_city_warns(tmp_path: Path) -> None:
    folder = write(tmp_path / "kf", KF_USER)
    r = cli(tmp_path / "h", "build", "--data", str(folder), "--format", "json")
    assert r.exit_code == 0, r.output
    [w] = json.loads(r.stdout)["report"]["issues"]
    assert (w["severity"], w["code"]) == ("warning", "demo_rows_mixed")
    assert "410200" in w["message"] and "iekg build --no-demo --data" in w["fix"]
    r = cli(tmp_path / "h2", "build", "--no-demo", "--data", str(folder), "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["report"]["issues"] == []


def test_header_synonyms_from_the_settings_file(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "词表.csv"
    f.write_text("field,term,synonyms\nheader,学校标识码,院校ID码\nheader,学校名称,单位全称\n", encoding="utf-8")
    folder = write(tmp_path / "in", {"institutions.csv": "院校ID码,单位全称,所在城市代码,办学层次\n4141019999,开封某职业学院,410200,高职专科\n"})
    code, data = import_json(home, folder)
    assert code == 1 and "missing_column" in {i["code"] for i in data["issues"]}
    code, data = import_json(home, folder, env={"IEKG_VOCABULARY_FILE": str(f)})
    assert code == 0, data
    assert [(i["code"], i["value"], i["repaired"]) for i in data["issues"]] == [
        ("header", "院校ID码", "学校标识码"), ("header", "单位全称", "学校名称")]
    # in an import's vocabularies table a header synonym comes too late: said so, not silently ignored
    own = write(tmp_path / "own", {"vocabularies.csv": "field,term,synonyms\nheader,学校标识码,院校编码\n"})
    code, data = import_json(home, own)
    assert code == 0 and [i["code"] for i in data["issues"]] == ["header_synonym_ignored"]


def test_the_template_reads_the_vocabulary(tmp_path: Path) -> None:
    f = tmp_path / "词表.csv"
    f.write_text("field,term,synonyms\ncooperation_status,暂停,中止\n", encoding="utf-8")
    book = tmp_path / "t.xlsx"
    r = runner.invoke(app, ["template", "-o", str(book), "--table", "cooperations"],
                      env={"IEKG_VOCABULARY_FILE": str(f)})
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(book)
    ws = wb["cooperations"]
    lists = [dv.formula1.strip('"').split(",") for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert ["进行中", "已结束", "筹建中", "暂停"] in lists  # the user's own term is in the drop-down
    text = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value is not None)
    assert "有效→进行中" in text and "冠名班→订单班" in text and "中止→暂停" in text
    assert "(描述性 descriptive)" in text

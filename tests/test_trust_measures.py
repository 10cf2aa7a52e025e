"""Issue 13 (measures): missing data is not zero, our assumptions are labelled as ours, every empty answer
says why, evidence reads as words, and gaps are ranked by what matters.  Exact numbers throughout."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from servers import chromium, serving
from typer.testing import CliRunner

from iekg import service
from iekg.api.main import create_app
from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet
from iekg.loaders.pipeline import load
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.queries.alignment import ASSUMPTION_LABEL, alignment, alignment_table
from iekg.queries.coupling import MIN_CITIES, coupling
from iekg.queries.gaps import gaps
from iekg.queries.readiness import readiness
from iekg.queries.scope import resolve_scope
from iekg.settings import Settings

WORKED = Path(__file__).parent / "fixtures" / "worked_example"
runner = CliRunner()


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


def _store_from(folder: Path) -> SqliteStore:
    report = Report()
    store = SqliteStore()
    load(store, read_paths([folder], report), report)
    assert report.ok, report.as_dict()
    return store


def _import(folder: Path, home: Path) -> None:
    r = runner.invoke(app, ["--home", str(home), "import", str(folder)])
    assert r.exit_code == 0, r.output


@pytest.fixture()
def worked(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(WORKED, d)
    (d / "README.md").unlink()
    return d


def cli(home: Path, *args: str) -> Any:
    r = runner.invoke(app, ["--home", str(home), *args])
    return r


# ------------------------------------------------------------------------- demand coverage, observed SAI
def test_sai_with_an_industry_without_demand_data(worked: Path, tmp_path: Path) -> None:
    """Industry 65 has supply 200 but no demand row: SAI as metrics.md (demand counted 0), the observed SAI
    over 36 and 38 only, and the coverage numbers — the worked example of docs/measures.md."""
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,400,36\n410200,2024,200,38")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    assert (a["S"], a["D"]) == (600.0, 600.0)
    assert round(a["sai"], 4) == 0.6667  # 1 − ½(|350/600−400/600| + |50/600−200/600| + |200/600−0|)
    assert round(a["sai_observed"], 4) == 0.7917  # over 36, 38: 1 − ½(|350/400−400/600| + |50/400−200/600|)
    dc = a["demand_coverage"]
    assert (dc["industries_with_supply"], dc["without_demand_data"]) == (3, 1)
    assert dc["industries_without_demand_data"] == ["65"]
    assert dc["supply_without_demand_data"] == 200.0 and round(dc["share_of_supply"], 4) == 0.3333
    assert "没有需求数据" in dc["note"] and "33.3%" in dc["note"]
    assert "0.7917" in a["sai_note"] and "0.6667" in a["sai_note"]
    ind = {i["code"]: i for i in a["industries"]}
    assert ind["65"]["demand_data"] is False and ind["65"]["observed_demand"] is None
    assert ind["65"]["status"] == "no_demand" and ind["65"]["ratio"] is None
    assert ind["36"]["demand_data"] is True and ind["36"]["observed_demand"] == 400.0
    # the table of many cities gives the same observed SAI
    table, totals = alignment_table(store, ["410200"])
    assert round(float(totals.loc["410200", "sai_observed"]), 4) == 0.7917
    assert bool(table.loc[("410200", "65"), "demand_data"]) is False

    home = tmp_path / "home"
    _import(worked, home)
    r = cli(home, "align", "--city", "410200")
    assert r.exit_code == 0, r.output
    row65 = next(line for line in r.stdout.splitlines() if "│ 65" in line)
    assert "无数据 no data" in row65 and "0.0" not in row65.split("│")[4]
    assert "观测 SAI observed (有需求数据的行业) = 0.7917" in r.stdout
    assert ASSUMPTION_LABEL in r.stdout  # the status thresholds are ours
    j = json.loads(cli(home, "align", "--city", "410200", "--format", "json").stdout)
    assert j["sai_observed"] == a["sai_observed"] and j["thresholds_label"] == ASSUMPTION_LABEL


def test_sai_equal_when_every_industry_has_demand(worked: Path) -> None:
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    assert round(a["sai"], 4) == round(a["sai_observed"], 4) == 0.7976
    assert a["sai_note"] is None and a["demand_coverage"]["without_demand_data"] == 0
    assert a["data_coverage"]["institutions"] == {"total": 1, "with_programs": 1, "without_programs": [],
                                                  "without_programs_total": 0, "public_only": 0}
    years = a["data_coverage"]["years"]
    assert {k: years[k] for k in ("programs", "latest")} == {"programs": [2024], "latest": 2024}
    assert (years["thin"], years["partial"], years["note"]) == ([], False, None)  # one year: nothing to compare


# ---------------------------------------------------------------------------------------- coupling
def _three_cities(worked: Path, extra_empty: tuple[str, ...] = ("410400",)) -> None:
    names = {"410100": "郑州市", "410300": "洛阳市", "410400": "平顶山市", "410500": "安阳市"}
    _write(worked, "cities.csv", "行政区划代码,名称\n410000,河南省\n410200,开封市\n" +
           "\n".join(f"{c},{names[c]}" for c in ("410100", "410300", *extra_empty)))
    _write(worked, "institutions.csv", "学校标识码,学校名称,所在城市代码,办学层次\n"
           "4141099999,测试职业学院,410200,高职专科\n4141099998,郑州测试学院,410100,高职专科\n"
           "4141099997,洛阳测试学院,410300,高职专科")
    _write(worked, "programs.csv", "学校标识码,专业代码,年份,毕业生数\n4141099999,460101,2024,300\n"
           "4141099999,460201,2024,200\n4141099999,460301,2024,100\n4141099998,460101,2024,500\n"
           "4141099998,460201,2024,50\n4141099997,460301,2024,80")
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,400,36\n410200,2024,200,38\n"
           "410200,2024,100,65\n410100,2024,900,36\n410300,2024,30,38")


def test_coupling_refuses_when_only_one_city_has_data(worked: Path, tmp_path: Path) -> None:
    _write(worked, "cities.csv", "行政区划代码,名称\n410000,河南省\n410200,开封市\n410100,郑州市\n410300,洛阳市")
    store = _store_from(worked)
    with pytest.raises(ValueError, match=f"至少 {MIN_CITIES} 个有数据的城市") as exc:
        coupling(store, ["410100", "410200", "410300"])
    assert "只有 1 个（开封市）" in str(exc.value) and "2 个城市没有数据" in str(exc.value)
    home = tmp_path / "home"
    _import(worked, home)
    r = cli(home, "coupling")
    assert r.exit_code == 1 and "至少 3 个有数据的城市" in r.output  # refused, never 0.0000 极度失调
    assert "极度失调" not in r.output


def test_coupling_leaves_out_and_marks_cities_without_data(worked: Path, tmp_path: Path) -> None:
    _three_cities(worked)
    store = _store_from(worked)
    c = coupling(store, ["410100", "410200", "410300", "410400"])
    assert sorted(s["city"] for s in c["scopes"]) == ["410100", "410200", "410300"]
    assert c["without_data"] == [{"city": "410400", "name": "平顶山市", "lacks": ["programs", "demand_or_enterprises"],
                                  "reason": "2024 年没有专业点、需求与企业数据 (no data), 未参与比较"}]
    assert c["coverage"]["cities_without_data"] == ["410400"] and c["compared"] == 3
    # the compared cities' figures do not depend on the city without data
    assert c["scopes"] == coupling(store, ["410100", "410200", "410300"])["scopes"]
    home = tmp_path / "home"
    _import(worked, home)
    r = cli(home, "coupling")
    assert r.exit_code == 0, r.output
    row = next(line for line in r.stdout.splitlines() if "平顶山市" in line)
    assert "无数据 no data" in row and "未参与比较" in row


# --------------------------------------------------------------------------------- gap ranking
RANKING_CROSSWALK = "category_code,industry_code,weight,basis\n4601,36,0.9,t\n4601,65,0.1,t\n4602,65,1,t\n" \
                    "4603,36,0.8,t\n4603,38,0.2,t"


def test_a_ratio_only_artefact_ranks_below_a_real_shortage(worked: Path) -> None:
    """A 305-person shortage outranks surpluses made by 10–20 % crosswalk weights (37 vs 8, 71 vs 16 people);
    the one below the minimum size is minor and last."""
    _write(worked, "crosswalk.csv", RANKING_CROSSWALK)
    _write(worked, "programs.csv", "学校标识码,专业代码,年份,毕业生数\n4141099999,460101,2024,370\n"
           "4141099999,460301,2024,355")
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,922,36\n410200,2024,16,38\n"
           "410200,2024,8,65")
    store = _store_from(worked)
    g = gaps(store, resolve_scope(store, city="410200"))
    got = [(x["type"], x["entity"], round(x["magnitude"], 6), x["minor"]) for x in g["gaps"]]
    assert got == [("shortage", "Industry:36", 305.0, False), ("surplus", "Industry:38", 55.0, False),
                   ("surplus", "Industry:65", 29.0, True)]
    short, s38, _s65 = g["gaps"]
    assert s38["severity"] > short["severity"]  # by ratio alone the artefact would come first
    assert round(short["priority"], 4) == round((1 - 617 / 922) * 305 / 500, 4)
    assert round(s38["priority"], 4) == round((1 - 16 / 71) * 55 / 500, 4)
    assert g["minor"] == 1 and g["ranking"]["gap_min_people"] == 50 and g["ranking"]["label"] == ASSUMPTION_LABEL
    assert short["unit"] == "人" and short["people"] == 305.0
    # which majors feed each supply-side gap, with their weight: 专业C feeds the shortage and the surplus
    assert short["feeding_majors"] == [{"major": "460101", "name": "专业A", "weight": 0.9, "supply": 333.0},
                                       {"major": "460301", "name": "专业C", "weight": 0.8, "supply": 284.0}]
    assert s38["feeding_majors"] == [{"major": "460301", "name": "专业C", "weight": 0.2, "supply": 71.0}]


def test_minimum_size_is_a_setting(worked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(worked, "crosswalk.csv", RANKING_CROSSWALK)
    _write(worked, "programs.csv", "学校标识码,专业代码,年份,毕业生数\n4141099999,460101,2024,370\n"
           "4141099999,460301,2024,355")
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,922,36\n410200,2024,16,38\n"
           "410200,2024,8,65")
    store = _store_from(worked)
    monkeypatch.setenv("IEKG_GAP_MIN_PEOPLE", "60")
    g = gaps(store, resolve_scope(store, city="410200"))
    assert [(x["entity"], x["minor"]) for x in g["gaps"]] == [
        ("Industry:36", False), ("Industry:38", True), ("Industry:65", True)]
    assert g["ranking"]["gap_min_people"] == 60


# ------------------------------------------------------------------------------------- evidence
CHAIN_FILES = {
    "chains.csv": "id,name,cluster\nCH1,测试链,测试集群",
    "chain_segments.csv": "id,chain_id,name,position,industry_codes,feeds\n"
                          "S1,CH1,零部件,上游,36,S2\nS2,CH1,电机,中游,38,S3\nS3,CH1,软件,下游,C,",
    "city_focus.csv": "city_code,chain_id,level,integration_industry\n410200,CH1,主导,是",
    "enterprises.csv": "id,name,city_code,industry_code,employees,iei_level,segment_id,chain_role\n"
                       "E-1,甲汽车公司,410200,36,1000,省级,S1,链主\nE-2,乙电机公司,410200,38,200,,S2,配套\n"
                       "E-3,丙软件公司,410200,65,50,省级培育,,",
    "cooperations.csv": "institution_id,enterprise_id,type\n4141099999,E-1,订单班\n4141099999,E-3,实习实训",
}


def test_evidence_labels_units_and_named_segments(worked: Path, tmp_path: Path) -> None:
    for name, text in CHAIN_FILES.items():
        _write(worked, name, text)
    store = _store_from(worked)
    scope = resolve_scope(store, city="410200")
    g = gaps(store, scope)
    by = {(x["type"], x["entity"]): x for x in g["gaps"]}
    short = by[("shortage", "Industry:38")]
    labels = {i["key"]: i["label"] for i in short["evidence_items"]}
    assert labels["DEMANDS|City:410200|Industry:38|year=2024|education_level=None|city_code=410200|major_code=None"] \
        == "开封市 2024 年 电气机械和器材制造业 需求 200 人"
    assert labels["OFFERS|Institution:4141099999|Major:460301|year=2024"] == \
        "测试职业学院 2024 年 专业C 专业 供给 50 人，毕业生（或估算）100 人 × 对应权重 0.5"
    assert [i["key"] for i in short["evidence_items"]] == short["evidence"]  # the keys are kept
    assert short["message"] == "电气机械和器材制造业 供给 50 人，需求 200 人，缺口 150 人"
    seg = by[("uncovered_segment", "ChainSegment:S3")]
    assert seg["unit"] == "个行业" and "环节「软件」" in seg["message"] and "C 制造业" in seg["message"]
    assert by[("no_training_base", "IndustryChain:CH1")]["unit"] == "个环节"
    nc = by[("no_cooperation", "Enterprise:E-2")]
    assert nc["unit"] == "人（从业人员）" and "从业 200 人" in nc["message"]
    assert {i["label"] for i in nc["evidence_items"]} == {"企业 乙电机公司", "企业 乙电机公司 —所在环节→ 产业链环节 电机"}
    a = alignment(store, scope)
    assert a["segments"]["uncovered_named"] == [{"id": "S3", "name": "软件", "chain": "CH1"}]

    home = tmp_path / "home"
    _import(worked, home)
    r = cli(home, "gaps", "--city", "410200")
    assert r.exit_code == 0, r.output
    assert "150.0 人" in r.stdout and "3.0 个环节" in r.stdout
    flat = r.stdout.replace("\n", "").replace("│", "").replace(" ", "")  # the table folds long cells
    assert "开封市2024年电气机械和器材制造业需求200人" in flat
    r = cli(home, "align", "--city", "410200")
    assert "未覆盖环节 uncovered: 软件 (S3)" in r.stdout


def test_deviation_and_ratio_disagreeing_are_explained(worked: Path) -> None:
    """A shortage whose share of supply exceeds its share of demand (total demand much larger than total
    supply) gets a sentence: deviation compares shares, not counts.  When the two agree, no sentence."""
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,100,36\n410200,2024,70,38\n"
           "410200,2024,30,65")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    i38 = next(i for i in a["industries"] if i["code"] == "38")
    # s = 50, d = 70: ratio 0.714 (shortage), but 50/600 = 8.3 % of supply vs 70/200 = 35 % of demand → e < 0
    assert i38["status"] == "shortage" and i38["deviation"] < 0 and i38["note"] is None
    i36 = next(i for i in a["industries"] if i["code"] == "36")
    # s = 350, d = 100: surplus, 58.3 % of supply vs 50 % of demand → e > 0: they agree, no note
    assert i36["status"] == "surplus" and i36["note"] is None
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,1000,36\n410200,2024,70,38\n"
           "410200,2024,30,65")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    i38 = next(i for i in a["industries"] if i["code"] == "38")
    # s = 50 < d = 70 (shortage) while 50/600 = 8.33 % of supply > 70/1100 = 6.36 % of demand: e = +0.3095
    assert i38["status"] == "shortage" and round(i38["deviation"], 4) == 0.3095
    assert i38["note"].startswith("结构偏离度比较的是份额而不是人数") and "供给 50 人、需求 70 人" in i38["note"]
    g = gaps(store, resolve_scope(store, city="410200"))
    assert next(x for x in g["gaps"] if x["entity"] == "Industry:38")["note"] == i38["note"]


# ------------------------------------------------------------------------------- empty answers say why
@pytest.fixture()
def small_home(worked: Path, tmp_path: Path) -> Path:
    for name, text in CHAIN_FILES.items():
        _write(worked, name, text)
    with open(worked / "industries.csv", "a", encoding="utf-8") as fh:
        fh.write("35,专用设备制造业,C\n51,批发业,F\nF,批发和零售业,\n")
    with open(worked / "enterprises.csv", "a", encoding="utf-8") as fh:
        fh.write("E-9,丁机械公司,410200,35,300,,,\n")
    home = tmp_path / "home"
    _import(worked, home)
    return home


def test_empty_answers_say_why_in_the_cli(small_home: Path) -> None:
    h = small_home
    # partners of a machinery firm: nothing in the crosswalk reaches 35; the nearest categories are named
    r = cli(h, "partners", "E-9", "--format", "json")
    j = json.loads(r.stdout)
    assert j["results"] == [] and "没有专业对应行业 35 专用设备制造业" in j["reason"]
    assert "相近的类别：A类（4601，对应 36 汽车制造业" in j["reason"]
    r = cli(h, "partners", "E-9")
    assert r.exit_code == 0 and "结果为空 empty" in r.stdout and "专用设备制造业" in r.stdout
    # trains --industry 35
    j = json.loads(cli(h, "trains", "--industry", "35", "--format", "json").stdout)
    assert j["rows"] == [] and "没有专业对应行业 35" in j["reason"]
    assert j["data_coverage"]["institutions"]["total"] == 1 and j["data_coverage"]["cities"]["with_programs"] == ["410200"]
    assert "结果为空 empty" in cli(h, "trains", "--industry", "35").stdout
    # align / gaps for a year without programs
    j = json.loads(cli(h, "align", "--city", "410200", "--year", "2023", "--format", "json").stdout)
    assert j["industries"] == [] and j["reason"].startswith("2023 年没有专业点数据，最近一年为 2024 年")
    assert "试试 --year 2024" in cli(h, "align", "--city", "410200", "--year", "2023").stdout
    j = json.loads(cli(h, "gaps", "--city", "410200", "--year", "2023", "--type", "shortage", "--format", "json").stdout)
    assert j["gaps"] == [] and "最近一年为 2024 年" in j["reason"]
    j = json.loads(cli(h, "gaps", "--city", "410200", "--type", "unmet_demand", "--format", "json").stdout)
    assert j["gaps"] == [] and "unmet_demand" in j["reason"]
    # hires: a major whose industries have no enterprise in the chosen city
    j = json.loads(cli(h, "hires", "460201", "--format", "json").stdout)
    assert j["enterprises"] and j["reasons"]["enterprises"] is None
    j = json.loads(cli(h, "hires", "460201", "--city", "410200", "--year", "2023", "--format", "json").stdout)
    assert j["demand"] == [] and "没有针对该专业或这些行业的需求数据" in j["reasons"]["demand"]
    # neighbours, path and search: the table says why; the JSON list stays a list, the reason on stderr
    r = cli(h, "neighbours", "410200", "--type", "SERVES")
    assert "结果为空 empty" in r.stdout and "没有符合筛选条件" in r.stdout and "LOCATED_IN" in r.stdout
    r = cli(h, "neighbours", "410200", "--type", "SERVES", "--format", "json")
    assert json.loads(r.stdout) == [] and "reason: 没有符合筛选条件" in r.stderr
    r = cli(h, "path", "E-9", "S3", "--k", "1")
    assert r.exit_code == 1 and "1 步之内没有连接两者的路径" in r.stdout and "--k" in r.stdout
    r = cli(h, "search", "没有这个名字")
    assert "结果为空 empty" in r.stdout and "没有名称或编号包含「没有这个名字」的实体" in r.stdout
    r = cli(h, "search", "没有这个名字", "--format", "json")
    assert json.loads(r.stdout) == [] and "没有名称或编号包含" in r.stderr


def test_empty_answers_say_why_in_the_api(small_home: Path) -> None:
    settings = Settings(home=small_home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        p = c.get("/analysis/partners", params={"id": "E-9"})
        assert p.status_code == 200 and p.json()["results"] == [] and "行业 35" in p.json()["reason"]
        t = c.get("/analysis/who-trains", params={"industry": "35"})
        assert t.status_code == 200 and t.json()["rows"] == [] and "行业 35" in t.json()["reason"]
        g = c.get("/analysis/gaps", params={"city": "410200", "type": "unmet_demand"})
        assert g.status_code == 200 and g.json()["gaps"] == [] and "unmet_demand" in g.json()["reason"]
        h = c.get("/analysis/who-hires", params={"major": "460201", "city": "410200", "year": 2023})
        assert h.status_code == 200 and "没有针对该专业或这些行业的需求数据" in h.json()["reasons"]["demand"]
        n = c.get("/relations/neighbours", params={"id": "410200", "type": "SERVES"})
        assert n.status_code == 200 and n.json()["items"] == [] and "没有符合筛选条件" in n.json()["reason"]
        pa = c.get("/relations/path", params={"from": "E-9", "to": "S3", "k": 1})
        assert pa.status_code == 200 and pa.json()["found"] is False and "1 步之内" in pa.json()["reason"]
        ps = c.get("/relations/paths", params={"from": "E-9", "to": "S3", "k": 1})
        assert ps.status_code == 200 and ps.json()["paths"] == [] and ps.json()["reason"]
        s = c.get("/search", params={"q": "没有这个名字"})
        assert s.status_code == 200 and s.json()["items"] == [] and "没有名称或编号包含" in s.json()["reason"]
        a = c.get("/analysis/alignment", params={"city": "410200", "year": 2023})
        assert a.status_code == 200 and a.json()["industries"] == [] and "最近一年为 2024 年" in a.json()["reason"]
        g = c.get("/analysis/gaps", params={"city": "410200", "year": 2023}).json()
        # without programs that year, no supply is missing data: no shortage or uncovered segment is claimed
        assert {x["type"] for x in g["gaps"]} == {"no_training_base", "no_cooperation"}
        assert g["not_computed"]["types"] == ["unmet_demand", "shortage", "surplus", "uncovered_segment"]
        assert "最近一年为 2024 年" in g["not_computed"]["reason"]
        t = c.get("/analysis/who-trains", params={"industry": "36", "year": 2023})
        assert t.status_code == 200 and t.json()["rows"] == [] and "最近一年为 2024 年" in t.json()["reason"]
        full = c.get("/analysis/partners", params={"id": "E-1"}).json()
        assert full["results"] and full["reason"] is None


# --------------------------------------------------------------------------- thresholds and pilot status
@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    h = tmp_path_factory.mktemp("trust-demo")
    service.build(SqliteStore(h / "graph.sqlite"), Settings(home=h))
    yield h


def test_threshold_labels_in_table_json_and_api(demo_home: Path) -> None:
    r = cli(demo_home, "readiness", "--city", "410200")
    assert r.exit_code == 0, r.output
    header = next(line for line in r.stdout.splitlines() if "目标/条件" in line)
    assert "阈值 threshold" in header and "要求" not in header
    flat = r.stdout.replace("│", "").replace(" ", "").replace("\n", "")
    assert ASSUMPTION_LABEL in flat  # the SAI and employment references, in the table
    j = json.loads(cli(demo_home, "readiness", "--city", "410200", "--format", "json").stdout)
    items = {i["metric"]: i for i in j["items"]}
    for m in ("condition_major_industry_relevance", "condition_graduate_employment"):
        assert items[m]["threshold_basis"] == "assumption" and items[m]["threshold_label"] == ASSUMPTION_LABEL
    iei = items["provincial_iei_enterprises"]
    assert iei["threshold_basis"] == "notice"
    assert iei["threshold_label"] == "通知原文：「培育20个左右省级产教融合型企业」 → 按下限判定"
    settings = Settings(home=demo_home)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        api = c.get("/analysis/readiness", params={"city": "410200"}).json()
        assert {i["metric"]: i["threshold_label"] for i in api["items"]} == \
            {m: i["threshold_label"] for m, i in items.items()}
        assert c.get("/analysis/alignment", params={"city": "410200"}).json()["thresholds_label"] == ASSUMPTION_LABEL
    # the dashboard says it too (the words are in the page's script, used for the SAI card and the table)
    from iekg.viz.dashboard import dashboard_html

    page = str(dashboard_html())
    assert ASSUMPTION_LABEL in page and "requirement ≥" not in page and "要求<br>" not in page


def test_reference_values_are_settings(demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SqliteStore(demo_home / "graph.sqlite")
    before = {i["metric"]: i for i in readiness(store, "410200")["items"]}
    assert before["condition_major_industry_relevance"]["threshold"] == 0.6
    monkeypatch.setenv("IEKG_REFERENCE_SAI", "0.4")
    after = {i["metric"]: i for i in readiness(store, "410200")["items"]}
    assert after["condition_major_industry_relevance"]["threshold"] == 0.4
    assert after["condition_major_industry_relevance"]["met"] is (after["condition_major_industry_relevance"]["value"] >= 0.4)


PILOT = {"pilot_level": "省级", "pilot_batch": "河南省首批", "pilot_document": "豫发改社会〔2023〕999号",
         "pilot_issued": "2023-08-15", "pilot_source": "https://fgw.henan.gov.cn/example"}


def test_pilot_status_shown_for_kaifeng(demo_home: Path, tmp_path: Path) -> None:
    h = tmp_path / "home"
    h.mkdir()
    shutil.copy(demo_home / "graph.sqlite", h / "graph.sqlite")
    store = SqliteStore(h / "graph.sqlite")
    assert readiness(store, "410200")["pilot"]["selected"] is None  # no list loaded: no data, not "no"
    cs = ChangeSet()
    cs.add_node("City", "410200", dict(PILOT))
    store.apply(cs)
    r = readiness(store, "410200")
    assert r["pilot"] == {"level": "省级", "batch": "河南省首批", "document": "豫发改社会〔2023〕999号",
                          "issued": "2023-08-15", "source": "https://fgw.henan.gov.cn/example", "selected": True,
                          "text": "已入选省级产教融合试点城市（河南省首批，豫发改社会〔2023〕999号，2023-08-15）",
                          "text_en": "already selected as a 省级 pilot city"}
    other = readiness(store, "410300")["pilot"]
    assert other["selected"] is False and "不在已加载的试点城市名单中" in other["text"]
    out = cli(h, "readiness", "--city", "410200").stdout
    assert "试点身份（公开信息）pilot status: 开封市已入选省级产教融合试点城市（河南省首批" in out
    assert "https://fgw.henan.gov.cn/example" in out
    settings = Settings(home=h)
    with TestClient(create_app(settings, service.open_store(settings))) as c:
        assert c.get("/analysis/readiness", params={"city": "410200"}).json()["pilot"]["source"] == PILOT["pilot_source"]


def test_readiness_all_marks_cities_without_data(worked: Path, tmp_path: Path) -> None:
    _three_cities(worked)
    _write(worked, "policies.csv", "doc_number,title,issuer\n测试〔2022〕1号,测试通知,测试厅")
    _write(worked, "targets.csv", "id,doc_number,metric,name,comparison,value,unit,deadline,kind,any_of\n"
           "T-1,测试〔2022〕1号,key_zones,重点区域,>=,1,个,2025,target,")
    store = _store_from(worked)
    from iekg.queries.readiness import readiness_all

    ranked = readiness_all(store, policy="测试〔2022〕1号")
    assert [(r["city"], r["has_data"]) for r in ranked][-1] == ("410400", False)
    assert all(r["has_data"] for r in ranked[:-1])


# ------------------------------------------------------------------------------ the dashboard, in Chromium
@pytest.mark.browser
def test_dashboard_shows_assumption_and_pilot_status(demo_home: Path, tmp_path: Path) -> None:
    """The SAI card says its 0.6 is our assumption (never 试点条件 requirement), the readiness table gives each
    threshold's basis, and 开封's real pilot status is shown with its source."""
    with chromium() as b:
        h = tmp_path / "home"
        h.mkdir()
        shutil.copy(demo_home / "graph.sqlite", h / "graph.sqlite")
        cs = ChangeSet()
        cs.add_node("City", "410200", dict(PILOT))
        SqliteStore(h / "graph.sqlite").apply(cs)
        with serving(create_app(Settings(home=h))) as url:
            page = b.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/dashboard?city=410200")
            page.wait_for_function("() => document.body.dataset.city === '410200'", timeout=60_000)
            note = page.inner_text("#kpi-sai-note")
            assert note.startswith(ASSUMPTION_LABEL + " ≥ 0.6") and "requirement" not in note
            pilot = page.inner_text("#pilot-status")
            assert "开封市已入选省级产教融合试点城市（河南省首批" in pilot and PILOT["pilot_source"] in pilot
            assert page.get_attribute("#pilot-status a", "href") == PILOT["pilot_source"]
            table = page.inner_text("#readiness")
            assert "阈值及依据" in table and "要求" not in table
            assert ASSUMPTION_LABEL in table and "通知原文：「培育20个左右省级产教融合型企业」 → 按下限判定" in table
            assert "参考值" in page.inner_text("#thresholds")
            assert errors == []


def test_chain_page_marks_shared_industries_and_counts_them_once(worked: Path) -> None:
    """S1 and S2 both map to 36 (350 supplied, 400 wanted): each box shows it, marked *, and the page's chain
    total counts it once; 65 has no demand row, so S3's demand reads 无数据, not 0."""
    files = dict(CHAIN_FILES)
    files["chain_segments.csv"] = ("id,chain_id,name,position,industry_codes,feeds\n"
                                   "S1,CH1,零部件,上游,36,S2\nS2,CH1,电机,中游,36;38,S3\nS3,CH1,软件,下游,65,")
    for name, text in files.items():
        _write(worked, name, text)
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,400,36\n410200,2024,200,38")
    from iekg.viz import chain_view

    page = chain_view(_store_from(worked), "CH1", cities=["410200"])
    assert page.meta["shared_industries"] == {"36": ["S1", "S2"]}
    assert (page.meta["chain_supply"], page.meta["chain_demand"]) == (600.0, 600.0)  # not 350 + 400 counted twice
    assert "供 350* · 需 400*" in page and "供 400* · 需 600*" in page  # S1; S2 = 36 + 38
    assert "全链去重合计：供 600 人 · 需 600 人" in page
    assert "供 200 · 需 无数据" in page  # S3 (65): no demand row

"""Real data in real words (issue 10): a small city typed as a planner would, built without the demo, and the
user's crosswalk replacing the shipped rows in every path — each checked against a hand calculation.

The city is 周口 (411600), year 2023, its focus chain HN-NEV-01 (新能源汽车, shipped).  The user's crosswalk
replaces the shipped weights of both categories it uses:

    4607 汽车制造类 → 36 汽车制造业 0.7, 38 电气机械和器材制造业 0.3    (shipped: 36 .8, 38 .1, 39 .1)
    5102 计算机类   → 65 软件和信息技术服务业 1                         (shipped: 65 .65, 64 .2, 39 .15)

Programs 2023 (graduates): I1 460701 (4607) 200, I2 510201 (5102) 100, I3 460701 (4607) 100.
Demand 2023 (headcount): 36: 200 (by the city) + 100 (by enterprise ZK-E1) = 300; 38: 60; 65: 110.

Supply (metrics.md: s_i = Σ graduates × w):
    s36 = (200 + 100) × 0.7 = 210;  s38 = 300 × 0.3 = 90;  s65 = 100 × 1 = 100;   S = 400
    d36 = 300;  d38 = 60;  d65 = 110;                                           D = 470
Ratio and status (shortage < 0.8 ≤ balanced ≤ 1.25 < surplus):
    r36 = 210/300 = 0.7 → shortage;  r38 = 90/60 = 1.5 → surplus;  r65 = 100/110 = 0.9090… → balanced
SAI = 1 − ½ Σ |s_i/S − d_i/D|
    36: |210/400 − 300/470| = |0.525 − 0.638297…| = 0.113297…
    38: |90/400 − 60/470|   = |0.225 − 0.127659…| = 0.097340…
    65: |100/400 − 110/470| = |0.25 − 0.234042…|  = 0.015957…
    Σ = 0.226595…, and since the shares' excesses and shortfalls cancel, ½ Σ = 300/470 − 210/400 = 213/1880
    SAI = 1 − 213/1880 = 1667/1880 = 0.886702…
Coverage: HN-NEV-01's segments S1 (26;32;09), S2 (38), S3 (36;39), S4 (36), S5 (44;81;52); supply > 0 in
    36 and 38 covers S2, S3, S4 → 3/5 = 0.6.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import graph_state
from typer.testing import CliRunner

from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore

runner = CliRunner()
CITY = "411600"
I1, I2, I3 = "4141099991", "4141099992", "4141099993"

EXPECTED_INDUSTRIES = [  # code, supply, demand, ratio, status
    ("36", 210.0, 300.0, Fraction(210, 300), "shortage"),
    ("38", 90.0, 60.0, Fraction(90, 60), "surplus"),
    ("65", 100.0, 110.0, Fraction(100, 110), "balanced"),
]
S, D, SAI, COVERAGE = 400.0, 470.0, Fraction(1667, 1880), 0.6


def cli(home: Path, *args: str) -> Any:
    return runner.invoke(app, ["--home", str(home), *args])


def assert_alignment(a: dict[str, Any]) -> None:
    """The hand calculation of the module docstring, exactly."""
    assert a["year"] == 2023
    got = [(i["code"], i["supply"], i["demand"], i["ratio"], i["status"]) for i in a["industries"]]
    assert [(c, s, d, st) for c, s, d, _, st in got] == [(c, s, d, st) for c, s, d, _, st in EXPECTED_INDUSTRIES]
    for (_, _, _, ratio, _), (_, _, _, want, _) in zip(got, EXPECTED_INDUSTRIES, strict=True):
        assert ratio == pytest.approx(float(want), abs=1e-12)
    assert (a["S"], a["D"]) == (S, D)
    assert a["sai"] == pytest.approx(float(SAI), abs=1e-12)
    assert round(a["sai"], 4) == 0.8867
    assert a["coverage"] == COVERAGE
    assert (a["segments"]["covered"], a["segments"]["total"]) == (3, 5)
    assert a["estimates"] is False


def align(home: Path) -> dict[str, Any]:
    r = cli(home, "align", "--city", CITY, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------- the plain data
def plain_tables() -> dict[str, list[list[Any]]]:
    """The city in the contract's own words (canonical headers and terms)."""
    return {
        "majors": [["专业代码", "专业名称", "专业类代码", "层次"],
                   ["460701", "汽车制造与试验技术", "4607", "高职专科"], ["510201", "计算机应用技术", "5102", "高职专科"]],
        "crosswalk": [["专业类代码", "行业代码", "权重", "依据"],
                      ["4607", "36", "0.7", "周口本地判断"], ["4607", "38", "0.3", "周口本地判断"],
                      ["5102", "65", "1", "周口本地判断"]],
        "institutions": [["学校标识码", "学校名称", "所在城市代码", "办学层次"],
                         [I1, "周口甲职业学院（测试）", CITY, "高职专科"], [I2, "周口乙职业学院（测试）", CITY, "高职专科"],
                         [I3, "周口丙职业学院（测试）", CITY, "高职专科"]],
        "programs": [["学校标识码", "专业代码", "年份", "毕业生数"],
                     [I1, "460701", "2023", "200"], [I2, "510201", "2023", "100"], [I3, "460701", "2023", "100"]],
        "enterprises": [["统一社会信用代码", "企业名称", "所在城市代码", "行业代码"], ["ZK-E1", "周口某汽车公司（测试）", CITY, "36"]],
        "city_focus": [["城市代码", "产业链编号", "级别"], [CITY, "HN-NEV-01", "主导"]],
        "talent_demand": [["城市代码", "年份", "需求人数", "行业代码", "统一社会信用代码"],
                          [CITY, "2023", "200", "36", ""], [CITY, "2023", "100", "36", "ZK-E1"],
                          [CITY, "2023", "60", "38", ""], [CITY, "2023", "110", "65", ""]],
    }


def csv_text(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def write_csvs(folder: Path, tables: dict[str, list[list[Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        (folder / f"{name}.csv").write_text(csv_text(rows), encoding="utf-8")
    return folder


def write_xlsx(path: Path, tables: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows():
            for c in row:
                c.number_format = "@"  # codes as text, as the template does
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def ref_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("ref")
    r = cli(h, "build", "--no-demo", "--format", "json")
    assert r.exit_code == 0, r.output
    return h


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def _aligns_with(home: Path, category: str) -> dict[str, float]:
    s = SqliteStore(home / "graph.sqlite")
    return {o.id: r.props["weight"] for r, o in s.neighbours(f"MajorCategory:{category}", ["ALIGNS_WITH"], "out")}


# -------------------------------------------------------------------- the crosswalk in every path
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_crosswalk_replaces_the_shipped_rows_in_build(tmp_path: Path, form: str) -> None:
    data = write_csvs(tmp_path / "data", plain_tables()) if form == "csv" else \
        write_xlsx(tmp_path / "周口.xlsx", plain_tables())
    home = tmp_path / "home"
    r = cli(home, "build", "--no-demo", "--data", str(data), "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["report"]["issues"] == []
    assert _aligns_with(home, "4607") == {"36": 0.7, "38": 0.3}
    assert _aligns_with(home, "5102") == {"65": 1.0}
    assert _aligns_with(home, "4305") == {"32": 0.85, "38": 0.15}  # a category the user did not map: shipped
    assert_alignment(align(home))


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_crosswalk_replaces_the_shipped_rows_on_import(ref_home: Path, tmp_path: Path, form: str) -> None:
    data = write_csvs(tmp_path / "data", plain_tables()) if form == "csv" else \
        write_xlsx(tmp_path / "周口.xlsx", plain_tables())
    home = _copy(ref_home, tmp_path / "home")
    assert _aligns_with(home, "4607") == {"36": 0.8, "38": 0.1, "39": 0.1}
    r = cli(home, "import", str(data), "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["issues"] == []
    assert _aligns_with(home, "4607") == {"36": 0.7, "38": 0.3}
    assert _aligns_with(home, "5102") == {"65": 1.0}
    assert_alignment(align(home))


def test_crosswalk_replaces_the_shipped_rows_through_the_api(ref_home: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from iekg.api.main import create_app
    from iekg.settings import Settings

    home = _copy(ref_home, tmp_path / "home")
    files = [("files", (f"{n}.csv", csv_text(rows).encode(), "text/csv")) for n, rows in plain_tables().items()]
    with TestClient(create_app(Settings(home=home, api_key="k"))) as client:
        r = client.post("/imports", files=files, headers={"X-API-Key": "k"})
        assert r.status_code == 200, r.text
        assert r.json()["issues"] == []
        a = client.get("/analysis/alignment", params={"city": CITY})
        assert a.status_code == 200, a.text
        assert_alignment(a.json())
        assert a.json()["illustrative"] is False
    assert _aligns_with(home, "4607") == {"36": 0.7, "38": 0.3}
    assert_alignment(align(home))


def test_the_api_says_what_a_warning_repaired(ref_home: Path, tmp_path: Path) -> None:
    """A synonym mapped to its canonical term: the API's issue carries the term used (``repaired``), as the
    CLI's report does, so a user importing through the API can accept the repair."""
    from fastapi.testclient import TestClient

    from iekg.api.main import create_app
    from iekg.settings import Settings

    home = _copy(ref_home, tmp_path / "home")
    body = "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n4141019998,开封某职业学院,410200,职教本科,民办\n"
    with TestClient(create_app(Settings(home=home, api_key="k"))) as client:
        r = client.post("/imports?dry_run=true", files=[("files", ("institutions.csv", body.encode(), "text/csv"))],
                        headers={"X-API-Key": "k"})
    assert r.status_code == 200, r.text
    assert [(i["code"], i["row"], i["value"], i["repaired"]) for i in r.json()["issues"]] == [
        ("synonym", 2, "职教本科", "职业本科")]


def test_a_weights_sum_error_names_only_the_users_rows(tmp_path: Path) -> None:
    tables = plain_tables()
    tables["crosswalk"][2][2] = "0.2"  # 4607: 0.7 + 0.2 = 0.9
    data = write_csvs(tmp_path / "data", tables)
    r = cli(tmp_path / "home", "build", "--no-demo", "--data", str(data), "--format", "json")
    assert r.exit_code == 1
    [e] = json.loads(r.stdout)["issues"]
    assert (e["code"], e["file"], e["row"], e["value"]) == ("weights_sum", str(data / "crosswalk.csv"), 2, "0.7+0.2=0.9")
    assert e["message"] == "4607 的权重合计为 0.9，应为 1 (第 2、3 行)"
    assert not (tmp_path / "home" / "graph.sqlite").exists()


# ------------------------------------------------------------------------------ end to end
PLANNER: dict[str, str] = {
    # the everyday words of Chinese lists: synonyms for terms and headers, 2023年, 85%, 70%
    "majors.csv": "专业代码,专业名称,专业类代码,层次\n460701,汽车制造与试验技术,4607,大专\n510201,计算机应用技术,5102,高职专科\n",
    "crosswalk.csv": "专业类代码,行业代码,权重,依据\n4607,36,70%,周口本地判断\n4607,38,30%,周口本地判断\n5102,65,1,周口本地判断\n",
    "programs.csv": ("学校代码,专业代码,年份,在校生数,毕业生数,就业率\n"
                     f"{I1},460701,2023年,650,200,85%\n{I2},510201,2023年,310,100,0.9\n{I3},460701,2023年,320,100,88\n"),
    "enterprises.csv": ("企业信用代码,企业名称,所在城市代码,行业代码,从业人数,产教融合型企业级别,产业链环节,链上角色\n"
                        f"ZK-E1,周口某汽车公司（测试）,{CITY},36,800,省,HN-NEV-01-S4,龙头企业\n"
                        f"ZK-E2,周口某零部件公司（测试）,{CITY},36,300,国家,HN-NEV-01-S3,配套企业\n"
                        f"ZK-E3,周口某电机公司（测试）,{CITY},38,260,培育,HN-NEV-01-S2,配套\n"
                        f"ZK-E4,周口某软件公司（测试）,{CITY},65,90,市,,\n"
                        f"ZK-E5,周口某车身公司（测试）,{CITY},36,150,,HN-NEV-01-S4,配套\n"
                        f"ZK-E6,周口某电池公司（测试）,{CITY},38,420,省级,HN-NEV-01-S2,链主\n"
                        f"ZK-E7,周口某信息公司（测试）,{CITY},65,60,,,\n"),
    "cooperations.csv": ("学校代码,信用代码,合作形式,开始时间,学生人数,状态\n"
                         f"{I1},ZK-E1,订单班,2021年,45,有效\n{I1},ZK-E2,冠名班,2022,30,到期\n"
                         f"{I2},ZK-E4,实习就业,2023年,60,合作中\n{I3},ZK-E5,现代学徒制,2022,20,正常\n"
                         f"{I2},ZK-E7,技术服务,2023,0,在建\n"),
    "talent_demand.csv": ("城市代码,年份,需求人数,行业代码,统一社会信用代码,学历层次\n"
                          f"{CITY},2023年,200,36,,大专\n{CITY},2023,100,36,ZK-E1,高职\n"
                          f"{CITY},2023,60,38,,专科\n{CITY},2023,110,65,,本科\n"),
    "training_bases.csv": ("编号,名称,所在城市代码,类型,级别,运营主体,服务行业,工位数\n"
                           f"ZK-TB-1,周口新能源汽车共建实训基地（测试）,{CITY},共建,市,{I1},36；38,120\n"),
    "city_focus.csv": f"城市代码,产业链编号,级别,产教融合型行业\n{CITY},HN-NEV-01,省级,是\n",
}
# typed in a GB18030 spreadsheet export
PLANNER_GB18030 = {
    "institutions.csv": ("学校代码,学校名称,所在城市代码,办学层次,举办性质\n"
                         f"{I1},周口甲职业学院（测试）,{CITY},大专,公立\n{I2},周口乙职业学院（测试）,{CITY},高职,民营\n"
                         f"{I3},周口丙职业学院（测试）,{CITY},专科,公办\n"),
}
# (file, row, column as written, value → the term used): every repair the build reports
EXPECTED_REPAIRS = {
    ("majors.csv", 2, "层次", "大专", "高职专科"),
    ("institutions.csv", 2, "办学层次", "大专", "高职专科"), ("institutions.csv", 2, "举办性质", "公立", "公办"),
    ("institutions.csv", 3, "办学层次", "高职", "高职专科"), ("institutions.csv", 3, "举办性质", "民营", "民办"),
    ("institutions.csv", 4, "办学层次", "专科", "高职专科"),
    ("enterprises.csv", 2, "产教融合型企业级别", "省", "省级"), ("enterprises.csv", 2, "链上角色", "龙头企业", "链主"),
    ("enterprises.csv", 3, "产教融合型企业级别", "国家", "国家级"), ("enterprises.csv", 3, "链上角色", "配套企业", "配套"),
    ("enterprises.csv", 4, "产教融合型企业级别", "培育", "省级培育"), ("enterprises.csv", 5, "产教融合型企业级别", "市", "市级"),
    ("cooperations.csv", 2, "状态", "有效", "进行中"), ("cooperations.csv", 3, "合作形式", "冠名班", "订单班"),
    ("cooperations.csv", 3, "状态", "到期", "已结束"), ("cooperations.csv", 4, "合作形式", "实习就业", "实习实训"),
    ("cooperations.csv", 4, "状态", "合作中", "进行中"), ("cooperations.csv", 5, "状态", "正常", "进行中"),
    ("cooperations.csv", 6, "合作形式", "技术服务", "技术研发"), ("cooperations.csv", 6, "状态", "在建", "进行中"),
    ("talent_demand.csv", 2, "学历层次", "大专", "高职专科"), ("talent_demand.csv", 3, "学历层次", "高职", "高职专科"),
    ("talent_demand.csv", 4, "学历层次", "专科", "高职专科"),
    ("training_bases.csv", 2, "类型", "共建", "实训基地"), ("training_bases.csv", 2, "级别", "市", "市级"),
}
# the header synonyms are repairs too, one per column (row 1, the header row)
HEADER_REPAIRS = {
    ("cooperations.csv", 1, "学校代码", "学校代码", "学校标识码"), ("cooperations.csv", 1, "信用代码", "信用代码", "统一社会信用代码"),
    ("cooperations.csv", 1, "合作形式", "合作形式", "合作类型"), ("cooperations.csv", 1, "开始时间", "开始时间", "起始年份"),
    ("cooperations.csv", 1, "学生人数", "学生人数", "受益学生数"),
    ("enterprises.csv", 1, "企业信用代码", "企业信用代码", "统一社会信用代码"),
    ("institutions.csv", 1, "学校代码", "学校代码", "学校标识码"), ("programs.csv", 1, "学校代码", "学校代码", "学校标识码"),
}
EXPECTED_REPAIRS |= HEADER_REPAIRS


def test_end_to_end_a_planners_city_builds_with_warnings_only_and_aligns_by_hand(tmp_path: Path) -> None:
    data = tmp_path / "周口数据"
    data.mkdir()
    for name, text in PLANNER.items():
        (data / name).write_text(text, encoding="utf-8")
    for name, text in PLANNER_GB18030.items():
        raw = text.encode("gb18030")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # really not UTF-8
        (data / name).write_bytes(raw)
    home = tmp_path / "home"
    r = cli(home, "build", "--no-demo", "--data", str(data), "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)["report"]
    assert report["errors"] == 0
    assert {i["severity"] for i in report["issues"]} == {"warning"}
    assert {i["code"] for i in report["issues"]} == {"synonym", "header"}
    got = {(Path(i["file"]).name, i["row"], i["column"], i["value"], i["repaired"]) for i in report["issues"]}
    assert got == EXPECTED_REPAIRS
    assert len(report["issues"]) == len(EXPECTED_REPAIRS)

    # the canonical terms are in the graph, the user's words as the repairs say
    s = SqliteStore(home / "graph.sqlite")
    inst = s.get(f"Institution:{I2}")
    assert inst is not None and (inst.props["level"], inst.props["ownership"]) == ("高职专科", "民办")
    assert inst.props["source_kind"] == "user"
    levels = {n.id: n.props.get("iei_level") for n in s.nodes("Enterprise")}
    assert levels == {"ZK-E1": "省级", "ZK-E2": "国家级", "ZK-E3": "省级培育", "ZK-E4": "市级", "ZK-E5": None,
                      "ZK-E6": "省级", "ZK-E7": None}
    [(off, _)] = s.neighbours(f"Institution:{I1}", ["OFFERS"], "out")
    assert (off.props["year"], off.props["employment_rate"]) == (2023, 0.85)
    [(off3, _)] = s.neighbours(f"Institution:{I3}", ["OFFERS"], "out")
    assert off3.props["employment_rate"] == 0.88
    base = s.get("TrainingBase:ZK-TB-1")
    assert base is not None and (base.props["kind"], base.props["level"]) == ("实训基地", "市级")
    [(focus, _)] = s.neighbours(f"City:{CITY}", ["FOCUSES_ON"], "out")
    assert (focus.props["level"], focus.props["integration_industry"]) == ("省级", True)
    coop = {(r.src, r.dst): (r.props["type"], r.props["status"]) for r, _ in
            s.neighbours(f"Institution:{I1}", ["COOPERATES_WITH"], "out")}
    assert coop == {(f"Institution:{I1}", "Enterprise:ZK-E1"): ("订单班", "进行中"),
                    (f"Institution:{I1}", "Enterprise:ZK-E2"): ("订单班", "已结束")}
    # no demo in this graph
    assert s.get("Institution:4141011069") is None
    assert _aligns_with(home, "4607") == {"36": 0.7, "38": 0.3}

    a = align(home)
    assert_alignment(a)
    # the alignment rests on the user's data only: no illustrative banner
    r = cli(home, "align", "--city", CITY)
    assert r.exit_code == 0 and "示意数据" not in r.stdout


def _planner_folder(tmp_path: Path) -> Path:
    data = tmp_path / "周口数据"
    data.mkdir()
    for name, text in PLANNER.items():
        (data / name).write_text(text, encoding="utf-8")
    for name, text in PLANNER_GB18030.items():
        (data / name).write_bytes(text.encode("gb18030"))
    return data


def test_validate_lists_every_repair_for_the_planner_to_accept(ref_home: Path, tmp_path: Path) -> None:
    home = _copy(ref_home, tmp_path / "home")
    before = graph_state(home / "graph.sqlite")
    r = cli(home, "validate", str(_planner_folder(tmp_path)), "--format", "json")
    assert r.exit_code == 0, r.output
    repairs = json.loads(r.stdout)["repairs"]
    assert {(x["file"], x["row"], x["column"], x["value"], x["repaired"]) for x in repairs} == EXPECTED_REPAIRS
    assert graph_state(home / "graph.sqlite") == before


def test_the_planners_city_imported_into_the_demo_replaces_the_demo_city(tmp_path: Path) -> None:
    """The issue's second try: after `make demo`, importing 周口's own data. By default it stops; with
    --demo-rows replace the city's alignment is exactly the one of a graph without the demo."""
    home = tmp_path / "demo"
    r = cli(home, "build", "--format", "json")
    assert r.exit_code == 0, r.output
    demo_alignment = align(home)
    assert demo_alignment["sai"] is not None and demo_alignment["D"] != D  # the demo's own invented figures
    data = _planner_folder(tmp_path)
    before = graph_state(home / "graph.sqlite")
    r = cli(home, "import", str(data), "--format", "json")
    assert r.exit_code == 1
    assert [i["code"] for i in json.loads(r.stdout)["issues"] if i["severity"] == "error"] == ["demo_rows"]
    assert graph_state(home / "graph.sqlite") == before
    r = cli(home, "import", str(data), "--demo-rows", "replace", "--format", "json")
    assert r.exit_code == 0, r.output
    assert "demo_rows_replaced" in {i["code"] for i in json.loads(r.stdout)["issues"]}
    assert_alignment(align(home))
    r = cli(home, "align", "--city", CITY)
    assert r.exit_code == 0 and "示意数据" not in r.stdout  # no illustrative banner over the user's city
    # other cities keep the demo (and say so)
    r = cli(home, "align", "--city", "410200")
    assert r.exit_code == 0 and "示意数据" in r.stdout

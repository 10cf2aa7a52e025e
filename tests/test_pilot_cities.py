"""Real facts where they exist (issue 13, item 8): the pilot-city list read by the official-format reader,
loaded onto City nodes with its source, and stated in the drafted plan as a public fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from iekg import reports, service
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.loaders import official, pipeline
from iekg.loaders.source import PUBLIC
from iekg.settings import Settings

PROVINCIAL_DOC = "《河南省发展和改革委员会等6部门关于印发河南省首批产教融合型城市建设试点名单的通知》"
KAIFENG_URL = "http://kaifeng.henan.wang/kaifeng/2023/0820/308597.html"
ZHENGZHOU_URL = "https://fgw.zhengzhou.gov.cn/work/6836469.jhtml"


@pytest.fixture(scope="module")
def with_public(tmp_path_factory: pytest.TempPathFactory, public_dir: Path) -> Store:
    home = tmp_path_factory.mktemp("pilot")
    store = SqliteStore(home / "graph.sqlite")
    service.build(store, Settings(home=home), public=public_dir)
    return store


def test_reader_reads_the_real_file(public_dir: Path) -> None:
    path = public_dir / "henan_pilot_cities.csv"
    assert official.detect_official(path) == official.PILOT_CITIES
    (table,) = official.read_official(path)
    assert table.table == "cities" and table.kind == PUBLIC
    rows = {r.values["code"]: r.values for r in table.rows}
    assert sorted(rows) == ["410100", "410200", "410400", "411100", "411600"]
    kf = rows["410200"]
    assert (kf["name"], kf["pilot_level"], kf["pilot_issued"]) == ("开封市", "省级", "2023-08-15")
    assert kf["pilot_batch"] == "河南省首批产教融合型城市建设试点"
    assert kf["pilot_document"] == PROVINCIAL_DOC and kf["pilot_source"] == KAIFENG_URL
    assert kf["source"] == f"{PROVINCIAL_DOC}（{KAIFENG_URL}）"  # the row's provenance cites document and page
    zz = rows["410100"]
    assert (zz["pilot_level"], zz["pilot_issued"], zz["pilot_source"]) == ("国家级", "2021", ZHENGZHOU_URL)
    assert {rows[c]["pilot_level"] for c in ("410400", "411100", "411600")} == {"省级"}
    assert table.rows[0].line == 2  # the row the user sees in Excel


def test_several_rows_for_one_city_are_joined(tmp_path: Path, public_dir: Path) -> None:
    text = (public_dir / "henan_pilot_cities.csv").read_text(encoding="utf-8")
    extra = "410200,开封市,国家级,示例批次,示例文件,2024-01-01,https://example.org/x\n"
    f = tmp_path / "pilots.csv"
    f.write_text(text.rstrip("\n") + "\n" + extra, encoding="utf-8")
    (table,) = official.read_pilot_cities(f)
    kf = next(r.values for r in table.rows if r.values["code"] == "410200")
    assert kf["pilot_level"] == "省级；国家级"
    assert kf["pilot_issued"] == "2023-08-15；2024-01-01"
    assert kf["pilot_source"] == f"{KAIFENG_URL}；https://example.org/x"
    assert len(table.rows) == 5


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("city_code,city_name\n410200,开封市\n", encoding="utf-8")
    assert official.detect_official(f) is None
    with pytest.raises(ValueError, match="pilot_level"):
        official.read_pilot_cities(f)


def test_build_with_public_puts_the_facts_on_the_cities(with_public: Store) -> None:
    kf = with_public.get("City:410200")
    zz = with_public.get("City:410100")
    ly = with_public.get("City:410300")
    assert kf is not None and zz is not None and ly is not None
    assert kf.props["pilot_level"] == "省级" and kf.props["pilot_issued"] == "2023-08-15"
    assert kf.props["pilot_source"] == KAIFENG_URL and kf.props["pilot_document"] == PROVINCIAL_DOC
    assert kf.props["pilot_source_kind"] == PUBLIC
    assert zz.props["pilot_level"] == "国家级" and zz.props["pilot_source"] == ZHENGZHOU_URL
    assert "pilot_level" not in ly.props  # 洛阳 is not on the list: nothing is claimed
    assert kf.name == "开封市"


def test_importing_the_list_alone_records_it_as_public(tmp_path: Path, public_dir: Path) -> None:
    store = SqliteStore(tmp_path / "graph.sqlite")
    service.build(store, Settings(home=tmp_path))
    report, _ = pipeline.load(store, official.read_official(public_dir / "henan_pilot_cities.csv"))
    assert report.ok
    zk = store.get("City:411600")
    assert zk is not None and zk.props["pilot_level"] == "省级"
    assert zk.props["source_kind"] == PUBLIC and KAIFENG_URL in zk.props["source"]


def test_plan_background_and_diagnosis_state_it_as_a_public_fact(with_public: Store) -> None:
    plan = reports.plan_markdown(with_public, "410200")
    background = plan.split("## 一、")[1].split("## 二、")[0]
    line = next(x for x in background.splitlines() if "试点" in x and "已列入" in x)
    assert line == (f"开封市已列入河南省首批产教融合型城市建设试点（省级，{PROVINCIAL_DOC}，2023-08-15；来源：{KAIFENG_URL}）。"
                    "〔公开信息〕")
    zz = reports.plan_markdown(with_public, "410100").split("## 二、")[0]
    assert "郑州市已列入国家产教融合试点城市（2021年，全国21个）（国家级" in zz and ZHENGZHOU_URL in zz
    ly = reports.plan_markdown(with_public, "410300").split("## 二、")[0]
    assert "已列入" not in ly
    diag = reports.diagnosis_markdown(with_public, "410200")
    assert line in diag.split("## 二、")[0]

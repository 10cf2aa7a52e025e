"""Alignment, statuses, gaps, readiness and coupling against metrics.md, with exact numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.loaders.pipeline import load
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.queries.alignment import Thresholds, alignment, status_of
from iekg.queries.coupling import degree, entropy_weights, grade_of
from iekg.queries.gaps import gaps
from iekg.queries.readiness import readiness
from iekg.queries.scope import Scope, resolve_scope

WORKED = Path(__file__).parent / "fixtures" / "worked_example"
runner = CliRunner()


def _store_from(folder: Path) -> SqliteStore:
    report = Report()
    store = SqliteStore()
    load(store, read_paths([folder], report), report)
    return store


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


@pytest.fixture()
def worked(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(WORKED, d)
    (d / "README.md").unlink()
    return d


# ------------------------------------------------------------------------------- worked example
def test_worked_example_through_templates_and_cli(worked: Path, tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    r = runner.invoke(app, ["--home", home, "import", str(worked)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--home", home, "align", "--city", "410200", "--year", "2024", "--format", "json"])
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert {"scope", "year", "S", "D", "sai", "coverage", "estimates", "industries"} <= set(a)
    assert a["scope"] == "410200" and a["year"] == 2024 and a["estimates"] is False
    assert a["S"] == 600 and a["D"] == 700
    assert round(a["sai"], 4) == 0.7976
    got = {i["code"]: i for i in a["industries"]}
    assert list(got) == ["36", "38", "65"]
    expected = {"36": (350, 400, 0.875, "balanced", 0.0208), "38": (50, 200, 0.25, "shortage", -0.7083),
                "65": (200, 100, 2.0, "surplus", 1.3333)}
    for code, (s, d, ratio, status, dev) in expected.items():
        i = got[code]
        assert (i["supply"], i["demand"], i["ratio"], i["status"]) == (s, d, ratio, status)
        assert round(i["deviation"], 4) == dev
        assert i["cooperation_density"] is None  # no enterprises in the scope: undefined, not zero
        assert set(i) >= {"code", "name", "supply", "demand", "ratio", "status", "deviation", "cooperation_density"}
    assert got["36"]["name"] == "汽车制造业"


def test_worked_example_ccd() -> None:
    d = degree(0.6, 0.4)
    assert (round(d.c, 4), d.t, round(d.ccd, 4), d.grade) == (0.9798, 0.5, 0.6999, "初级协调")


@pytest.mark.parametrize("ccd,grade", [(0.0, "极度失调"), (0.0999, "极度失调"), (0.1, "严重失调"), (0.5, "勉强协调"),
                                       (0.6999, "初级协调"), (0.7, "中级协调"), (0.95, "优质协调"), (1.0, "优质协调")])
def test_grades(ccd: float, grade: str) -> None:
    assert grade_of(ccd)[0] == grade


def test_entropy_weights_prefer_the_varying_indicator() -> None:
    import pandas as pd

    x = pd.DataFrame({"a": [1.0, 2.0, 3.0], "flat": [5.0, 5.0, 5.0], "b": [0.0, 0.0, 9.0]})
    norm, w = entropy_weights(x)
    assert w["flat"] == 0 and round(w.sum(), 12) == 1
    assert w["b"] > w["a"] > 0  # b is concentrated in one scope: more information
    assert list(norm["a"]) == [0.0, 0.5, 1.0]


# ------------------------------------------------------------------------------------- statuses
@pytest.mark.parametrize("s,d,status", [
    (0, 100, "unmet"), (79.99, 100, "shortage"), (80, 100, "balanced"), (125, 100, "balanced"),
    (125.01, 100, "surplus"), (10, 0, "no_demand"), (100, 100, "balanced"),
])
def test_status_boundaries(s: float, d: float, status: str) -> None:
    assert status_of(s, d, Thresholds()) == status


@pytest.mark.parametrize("grads,status", [(80, "balanced"), (79, "shortage"), (125, "balanced"), (126, "surplus"),
                                          (0, "unmet")])
def test_status_boundaries_through_the_pipeline(worked: Path, grads: int, status: str) -> None:
    _write(worked, "programs.csv", f"学校标识码,专业代码,年份,毕业生数\n4141099999,460201,2024,{grads}")
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,100,65")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200", year=2024))
    row = {i["code"]: i for i in a["industries"]}["65"]
    assert row["status"] == status


def test_thresholds_are_settings(worked: Path) -> None:
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"), Thresholds(shortage_below=0.9, surplus_above=3))
    assert {i["code"]: i["status"] for i in a["industries"]} == {"36": "shortage", "38": "shortage", "65": "balanced"}


# ------------------------------------------------------------------------------ scope and rules
def test_other_year_and_other_city_are_excluded(worked: Path) -> None:
    with open(worked / "cities.csv", "a", encoding="utf-8") as fh:
        fh.write("410100,郑州市\n")
    with open(worked / "institutions.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099998,郑州测试学院,410100,高职专科\n")
    with open(worked / "programs.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099999,460101,2023,9999\n4141099998,460101,2024,5000\n")
    with open(worked / "talent_demand.csv", "a", encoding="utf-8") as fh:
        fh.write("410100,2024,777,36\n410200,2023,888,36\n")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200", year=2024))
    assert (a["S"], a["D"]) == (600, 700)
    both = alignment(store, resolve_scope(store, cities=["410200", "410100"], year=2024))
    assert (both["S"], both["D"]) == (5600, 1477)
    old = alignment(store, resolve_scope(store, city="410200", year=2023))
    assert (old["S"], old["D"]) == (9999, 888)


def test_default_year_is_the_latest_with_programs(worked: Path) -> None:
    with open(worked / "programs.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099999,460101,2023,1\n")
    store = _store_from(worked)
    assert alignment(store, resolve_scope(store, city="410200"))["year"] == 2024


def test_four_digit_industry_code_rolls_up(worked: Path) -> None:
    with open(worked / "industries.csv", "a", encoding="utf-8") as fh:
        fh.write("367,汽车零部件及配件制造,36\n3670,汽车零部件及配件制造,367\n")
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,行业代码\n410200,2024,400,3670\n410200,2024,200,38\n410200,2024,100,65")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    assert {i["code"]: i["demand"] for i in a["industries"]} == {"36": 400, "38": 200, "65": 100}
    assert round(a["sai"], 4) == 0.7976


def test_major_level_crosswalk_override(worked: Path) -> None:
    _write(worked, "crosswalk.csv", """
category_code,major_code,industry_code,weight,basis
4601,,36,1,test
4602,,65,1,test
4603,,36,0.5,test
4603,,38,0.5,test
,460301,65,1,this major goes to software
""")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    assert {i["code"]: i["supply"] for i in a["industries"]} == {"36": 300, "38": 0, "65": 300}
    assert {i["code"]: i["status"] for i in a["industries"]}["38"] == "unmet"


def test_demand_by_major_is_spread_by_weights(worked: Path) -> None:
    _write(worked, "talent_demand.csv", "城市代码,年份,需求人数,专业代码\n410200,2024,100,460301")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    assert {i["code"]: i["demand"] for i in a["industries"]} == {"36": 50, "38": 50, "65": 0}


def test_enrollment_estimate_is_flagged(worked: Path) -> None:
    _write(worked, "programs.csv", "学校标识码,专业代码,年份,在校生数,毕业生数\n4141099999,460101,2024,900,\n"
                                   "4141099999,460201,2024,,200")
    store = _store_from(worked)
    a = alignment(store, resolve_scope(store, city="410200"))
    rows = {i["code"]: i for i in a["industries"]}
    assert a["estimates"] is True and a["estimated_programs"] == 1
    assert rows["36"]["supply"] == 300 and rows["36"]["estimated_supply"] == 300  # 900 / 3 years (高职专科)
    assert rows["65"]["estimated_supply"] == 0


# ------------------------------------------------------------------------------ chains and gaps
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


def test_coverage_cooperation_density_and_gaps(worked: Path) -> None:
    for name, text in CHAIN_FILES.items():
        _write(worked, name, text)
    store = _store_from(worked)
    scope = resolve_scope(store, city="410200")
    a = alignment(store, scope)
    assert a["segments"] == {"total": 3, "covered": 2, "uncovered": ["S3"],
                             "uncovered_named": [{"id": "S3", "name": "软件", "chain": "CH1"}]}
    assert round(a["coverage"], 4) == 0.6667
    dens = {i["code"]: i["cooperation_density"] for i in a["industries"]}
    assert dens == {"36": 1.0, "38": 0.0, "65": 1.0}
    g = gaps(store, scope)
    types = {(x["type"], x["entity"]) for x in g["gaps"]}
    assert ("shortage", "Industry:38") in types
    assert ("surplus", "Industry:65") in types
    assert ("uncovered_segment", "ChainSegment:S3") in types
    assert ("no_cooperation", "Enterprise:E-2") in types
    assert ("no_training_base", "IndustryChain:CH1") in types
    assert ("target_shortfall", "Target:T-1") not in types  # no notice targets in this graph
    shortage = next(x for x in g["gaps"] if x["type"] == "shortage")
    assert shortage["magnitude"] == 150 and round(shortage["severity"], 4) == 0.75
    assert "DEMANDS|City:410200|Industry:38|year=2024|education_level=None|city_code=410200|major_code=None" in \
        shortage["evidence"]
    assert "OFFERS|Institution:4141099999|Major:460301|year=2024" in shortage["evidence"]
    ranks = [(x["minor"], -x["priority"]) for x in g["gaps"]]  # ranked by priority (docs/measures.md)
    assert ranks == sorted(ranks)
    only = gaps(store, scope, types=("surplus",))
    assert [x["type"] for x in only["gaps"]] == ["surplus"]


def test_unmet_demand_gap(worked: Path) -> None:
    with open(worked / "industries.csv", "a", encoding="utf-8") as fh:
        fh.write("F,批发和零售业,\n51,批发业,F\n")
    with open(worked / "talent_demand.csv", "a", encoding="utf-8") as fh:
        fh.write("410200,2024,30,51\n")
    store = _store_from(worked)
    g = gaps(store, resolve_scope(store, city="410200"), types=("unmet_demand",))
    assert [(x["entity"], x["magnitude"], x["severity"]) for x in g["gaps"]] == [("Industry:51", 30.0, 1.0)]


# ------------------------------------------------------------------------------------ readiness
def test_readiness_on_a_constructed_city(worked: Path) -> None:
    for name, text in CHAIN_FILES.items():
        _write(worked, name, text)
    _write(worked, "policies.csv", "doc_number,title,issuer\n测试〔2022〕1号,测试通知,测试厅")
    _write(worked, "targets.csv", """
id,doc_number,metric,name,comparison,value,unit,deadline,kind,any_of
T-1,测试〔2022〕1号,integration_industries,产教融合型行业,>=,1,个,2025,target,
T-2,测试〔2022〕1号,provincial_iei_enterprises,省级产教融合型企业,>=,2,个,2025,target,
T-3,测试〔2022〕1号,leading_institutions,领先院校,>=,1,所,2025,target,G
T-4,测试〔2022〕1号,leading_majors,领先专业,>=,2,个,2025,target,G
T-5,测试〔2022〕1号,condition_iei_cultivation_list,培育名单企业,>=,2,家,,condition,
T-6,测试〔2022〕1号,key_zones,重点区域,>=,1,个,2025,target,
""")
    store = _store_from(worked)
    r = readiness(store, "410200", policy="测试〔2022〕1号")
    items = {i["target"]: i for i in r["items"]}
    assert (items["T-1"]["value"], items["T-1"]["met"]) == (1.0, True)
    assert (items["T-2"]["value"], items["T-2"]["met"], items["T-2"]["shortfall"]) == (1.0, False, 1.0)
    assert items["T-2"]["evidence"] == ["Enterprise:E-1"]
    assert items["T-3"]["measurable"] is False and items["T-3"]["value"] is None  # never silently zero
    assert items["T-4"]["measurable"] is False  # no program has the leading column
    assert items["T-4"]["group_met"] is None
    assert (items["T-5"]["value"], items["T-5"]["met"]) == (2.0, True)
    assert (items["T-6"]["value"], items["T-6"]["met"]) == (0.0, False)
    assert (r["targets_met"], r["targets_total"], r["targets_unmeasurable"]) == (1, 4, 1)
    assert (r["conditions_met"], r["conditions_total"]) == (1, 1)
    g = gaps(store, Scope(("410200",), None, None, "开封市", "city"), policy="测试〔2022〕1号")
    short = {x["entity"]: x for x in g["gaps"] if x["type"] == "target_shortfall"}
    assert sorted(short) == ["Target:T-2", "Target:T-6"]
    assert (short["Target:T-2"]["magnitude"], short["Target:T-2"]["severity"]) == (1.0, 0.5)


def test_unknown_city_is_a_clear_error(worked: Path) -> None:
    store = _store_from(worked)
    with pytest.raises(LookupError, match="city 999999"):
        resolve_scope(store, city="999999")


def test_alignment_table_gives_the_per_city_numbers(worked: Path) -> None:
    from iekg.queries.alignment import alignment_table

    with open(worked / "cities.csv", "a", encoding="utf-8") as fh:
        fh.write("410100,郑州市\n410300,洛阳市\n")
    with open(worked / "institutions.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099998,郑州测试学院,410100,高职专科\n")
    with open(worked / "programs.csv", "a", encoding="utf-8") as fh:
        fh.write("4141099998,460301,2024,90\n4141099998,460201,2024,10\n")
    with open(worked / "talent_demand.csv", "a", encoding="utf-8") as fh:
        fh.write("410100,2024,60,38\n")
    store = _store_from(worked)
    table, totals = alignment_table(store, ["410200", "410100", "410300"])
    assert list(totals.index) == ["410100", "410200"]  # 洛阳 has neither supply nor demand
    for city in ("410200", "410100"):
        a = alignment(store, resolve_scope(store, city=city))
        assert (totals.loc[city, "S"], totals.loc[city, "D"]) == (a["S"], a["D"])
        assert totals.loc[city, "sai"] == pytest.approx(a["sai"], abs=1e-12)
        rows = table.loc[city]
        assert list(rows.index) == [i["code"] for i in a["industries"]]
        for i in a["industries"]:
            r = rows.loc[i["code"]]
            assert (r["supply"], r["demand"], r["status"]) == (i["supply"], i["demand"], i["status"])
            for key in ("ratio", "deviation"):
                assert (pd.isna(r[key]) and i[key] is None) or r[key] == pytest.approx(i[key], abs=1e-12)
    assert totals.loc["410100", "sai"] == pytest.approx(1 - 0.5 * (abs(45 / 100 - 1) + abs(10 / 100) + abs(45 / 100)))


def test_a_city_without_programs_has_an_empty_alignment(tmp_path: Path) -> None:
    from iekg import service
    from iekg.settings import Settings

    store = SqliteStore()
    service.build(store, Settings(home=tmp_path), demo=False)
    a = alignment(store, resolve_scope(store, city="410200"))
    assert (a["S"], a["D"], a["sai"], a["industries"], a["year"]) == (0.0, 0.0, None, [], None)


def test_an_either_or_group_of_conditions_counts_once(worked: Path) -> None:
    for name, text in CHAIN_FILES.items():
        _write(worked, name, text)
    _write(worked, "policies.csv", "doc_number,title,issuer\n测试〔2022〕1号,测试通知,测试厅")
    _write(worked, "targets.csv", """
id,doc_number,metric,name,comparison,value,unit,deadline,kind,any_of
C-1,测试〔2022〕1号,condition_iei_cultivation_list,培育名单企业,>=,1,家,,condition,G
C-2,测试〔2022〕1号,condition_training_platforms,实训平台,>=,0,个,,condition,G
C-3,测试〔2022〕1号,condition_policies_since_2016,政策,>=,1,项,,condition,
""")
    store = _store_from(worked)
    r = readiness(store, "410200", policy="测试〔2022〕1号")
    assert all(i["met"] for i in r["items"] if i["any_of"] == "G")  # both members of the group are met
    assert (r["conditions_met"], r["conditions_total"]) == (1, 2)  # the group counts once; C-3 is not met


def test_sums_equal_the_rows_they_sum(tmp_path: Path) -> None:
    """ScopeSums (the store's aggregations, what alignment uses) and ScopeData (the rows, what gaps'
    evidence and the pages use) give the same supply and demand per industry, for every city of the demo
    and for the province; and the estimated and unmapped programs agree."""
    from iekg import service
    from iekg.queries.facts import ScopeData, ScopeSums
    from iekg.settings import Settings

    store = SqliteStore()
    service.build(store, Settings(home=tmp_path))
    cities = sorted(n.id for n in store.nodes("City"))
    scopes = [resolve_scope(store, city=c) for c in cities] + [resolve_scope(store, province="410000")]
    checked = 0
    for scope in scopes:
        sums, rows = ScopeSums.gather(store, scope), ScopeData.gather(store, scope)
        assert sums.year == rows.year
        for mine, theirs in ((sums.supply(), rows.supply()), (sums.demand(), rows.demand())):
            both = pd.concat([mine.rename("a"), theirs.rename("b")], axis=1).fillna(0.0)
            assert np.allclose(both["a"], both["b"], rtol=1e-12, atol=1e-9), scope.id
            checked += int((both["a"] > 0).sum())
        est = rows.supply_rows[rows.supply_rows["estimate"]].groupby("industry")["supply"].sum()
        assert np.allclose(sums.estimated_supply().reindex(est.index).fillna(0.0), est, atol=1e-9)
        assert sums.estimated_programs == int(rows.programs["estimate"].sum())
        assert sums.unmapped_programs == len(rows.unmapped)
        assert int(sums.offers["programs"].sum()) == len(rows.programs)
    assert checked > 500  # the demo's cities supply and demand hundreds of (city, industry) pairs


def test_gap_evidence_is_the_largest_programs(tmp_path: Path) -> None:
    """Gaps take their supply evidence from the store's top_offers (ORDER BY … LIMIT on Neo4j): the same
    programs, in the same order, as sorting the scope's rows by supply, and the same totals."""
    from iekg import service
    from iekg.graph.schema import rel_key
    from iekg.queries.facts import ScopeData
    from iekg.queries.gaps import EVIDENCE_CAP
    from iekg.settings import Settings

    store = SqliteStore()
    service.build(store, Settings(home=tmp_path))
    seen = 0
    for scope in (resolve_scope(store, city="410200"), resolve_scope(store, city="410100"),
                  resolve_scope(store, province="410000")):
        data = ScopeData.gather(store, scope)
        rows = data.supply_rows
        for g in gaps(store, scope, with_targets=False)["gaps"]:
            if g["type"] not in ("shortage", "surplus", "unmet_demand"):
                continue
            r = rows[rows["industry"] == g["detail"]["industry"]].sort_values(
                ["supply", "institution", "major"], ascending=[False, True, True])
            want = [rel_key("OFFERS", f"Institution:{a}", f"Major:{b}", {"year": y})
                    for a, b, y in zip(r["institution"], r["major"], r["year"], strict=True)]
            got = [k for k in g["evidence"] if k.startswith("OFFERS|")]
            assert got == want[:len(got)] and len(got) == min(len(want), EVIDENCE_CAP - (len(g["evidence"]) - len(got)))
            if g["type"] == "surplus":
                assert got == want[:EVIDENCE_CAP]
                seen += 1
            n_dem = int((data.demand_rows["industry"] == g["detail"]["industry"]).sum())
            assert g["evidence_total"] == len(want) + n_dem
    assert seen > 0


def test_sai_summary_is_alignments_sai_and_readiness_reads_the_same(tmp_path: Path) -> None:
    """Readiness reads only the SAI part of a city's alignment (sai_summary, without cooperation counts and
    chain segments): the same numbers as alignment() for cities, a province and a chain, and the same
    readiness as with the full alignment handed in."""
    from iekg import service
    from iekg.queries.alignment import sai_summary
    from iekg.queries.facts import ScopeSums
    from iekg.queries.readiness import Context
    from iekg.settings import Settings

    store = SqliteStore()
    service.build(store, Settings(home=tmp_path))
    scopes = [resolve_scope(store, city=c) for c in ("410200", "410100", "410300")]
    scopes += [resolve_scope(store, province="410000"), resolve_scope(store, province="410000", chain="HN-AE-01")]
    keys = ("sai", "sai_observed", "sai_note", "demand_coverage", "S", "D", "year")
    differ = 0
    for scope in scopes:
        full = alignment(store, scope)
        short = sai_summary(store, scope)
        assert {k: short[k] for k in keys} == {k: full[k] for k in keys}
        assert full["sai"] is not None
        differ += full["sai_note"] is not None
    assert differ > 0  # the observed SAI and its note are compared too, not only None against None
    scope = scopes[0]
    sums = ScopeSums.gather(store, scope)
    whole = readiness(store, "410200", ctx=Context(store, "410200", None, sums=sums, align=alignment(store, scope)))
    assert readiness(store, "410200") == whole

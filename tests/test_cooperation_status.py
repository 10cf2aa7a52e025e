"""Ended cooperations (issue 18, item 7): cooperation density and every count of cooperations use ongoing
cooperations only — 已结束 (with its everyday words 已到期, 到期, 终止 …) and 筹建中 are left out and listed
apart, a cooperation without a status counts as ongoing and is said — the same on SQLite and Neo4j.

The data: 开封 (410200), one institution offering 汽车制造与试验技术 (aligned to 36) and 计算机应用技术, five
enterprises of industry 36.  T-E1 cooperates (进行中), T-E2 too (no status given), T-E3 only through an
order class whose status was written 已到期 (→ 已结束).  T-E1 and T-E3 are in a segment of the focus chain
HN-NEV-01.  Density of 36: 2 / 5 (it was 3 / 5 when the ended cooperation counted).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iekg import reports, service
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import Store
from iekg.graph.sums import cooperation_counts as pandas_counts
from iekg.graph.sums import cooperation_list as pandas_list
from iekg.queries import cooperation, partners, who
from iekg.queries.alignment import alignment
from iekg.queries.facts import ScopeSums
from iekg.queries.gaps import gaps
from iekg.queries.scope import resolve_scope
from iekg.settings import Settings
from iekg.viz import city_network

CITY = "410200"
KEY_E3 = "COOPERATES_WITH|Institution:4141099991|Enterprise:T-E3|type=订单班"
KEY_E4 = "COOPERATES_WITH|Institution:4141099991|Enterprise:T-E4|type=现代学徒制"
KEY_E1_ENDED = "COOPERATES_WITH|Institution:4141099991|Enterprise:T-E1|type=实习实训"
COOP_HEAD = "institution_id,enterprise_id,type,since,students,status\n"
BASE_COOP = ("4141099991,T-E1,订单班,2022,40,进行中\n"
             "4141099991,T-E2,实习实训,2021,30,\n"
             "4141099991,T-E3,订单班,2018,25,已到期\n")
# the same city with one cooperation in preparation (T-E4) and an ended second cooperation of T-E1
MORE_COOP = BASE_COOP + "4141099991,T-E4,现代学徒制,2024,10,筹建中\n4141099991,T-E1,实习实训,2016,20,终止\n"
DATA = {
    "majors.csv": "code,name,category_code,level\n460701,汽车制造与试验技术,4607,高职专科\n"
                  "510201,计算机应用技术,5102,高职专科\n",
    "institutions.csv": "id,name,city_code,level,ownership\n4141099991,测试职业技术学院,410200,高职专科,公办\n",
    "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                    "4141099991,460701,2024,900,300,0.95\n4141099991,510201,2024,1200,400,0.92\n",
    "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n"
                         "410200,2024,800,36,高职专科\n410200,2024,100,65,高职专科\n",
    "city_focus.csv": "city_code,chain_id,level,integration_industry\n410200,HN-NEV-01,主导,否\n",
    "enterprises.csv": "id,name,city_code,industry_code,employees,iei_level,segment_id,chain_role\n"
                       "T-E1,甲整车有限公司,410200,36,1000,,HN-NEV-01-S4,链主\n"
                       "T-E2,乙零部件有限公司,410200,36,300,,,\n"
                       "T-E3,丙专用车有限公司,410200,36,500,,HN-NEV-01-S4,配套\n"
                       "T-E4,丁汽车有限公司,410200,36,200,,,\n"
                       "T-E5,戊车身有限公司,410200,36,100,,,\n",
    "cooperations.csv": COOP_HEAD + BASE_COOP,
}


def _folder(root: Path, coop: str = BASE_COOP) -> Path:
    d = root / "data"
    d.mkdir(parents=True)
    for name, text in {**DATA, "cooperations.csv": COOP_HEAD + coop}.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def _build(store: Store, root: Path, coop: str = BASE_COOP) -> Store:
    data = _folder(root, coop)
    out = service.build(store, Settings(home=root), [data], demo=False)
    # the everyday word was mapped to the vocabulary's term, with a warning
    assert ("synonym", "已到期", "已结束") in {(i.code, i.value, i.repaired) for i in out.report.issues}
    return store


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("coop_base")
    return _build(SqliteStore(root / "graph.sqlite"), root)


@pytest.fixture(scope="module")
def more(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("coop_more")
    return _build(SqliteStore(root / "graph.sqlite"), root, MORE_COOP)


def _industry(a: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in a["industries"] if i["code"] == code)


# ------------------------------------------------------------------------------------ the rule
def test_the_rule_reads_the_vocabulary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = cooperation.status_words()
    assert set(words) == {"已结束", "筹建中"}
    assert {"已结束", "已到期", "到期", "终止", "已终止"} <= set(words["已结束"])
    assert {"筹建中", "筹建", "洽谈中"} <= set(words["筹建中"])
    assert "进行中" not in cooperation.inactive_words()
    import pandas as pd

    s = pd.Series(["进行中", "已结束", None, "筹建中", "到期", "合作中", float("nan")], dtype=object)
    assert cooperation.counted(s).tolist() == [True, False, True, False, False, True, True]
    assert cooperation.without_status(s).tolist() == [False, False, True, False, False, False, True]
    assert cooperation.left_out_counts(s) == {"ended": 2, "in_preparation": 1}
    # the user's own vocabulary file: a new synonym of 已结束 is left out too
    f = tmp_path / "词表.csv"
    f.write_text("field,term,synonyms\ncooperation_status,已结束,中止\n", encoding="utf-8")
    monkeypatch.setenv("IEKG_VOCABULARY_FILE", str(f))
    assert "中止" in cooperation.status_words()["已结束"]
    assert cooperation.counted(pd.Series(["中止"], dtype=object)).tolist() == [False]


# ------------------------------------------------------------------------------- density and counts
def test_density_uses_ongoing_cooperations_and_lists_the_ended_one(base: Store) -> None:
    a = alignment(base, resolve_scope(base, city=CITY))
    i36 = _industry(a, "36")
    assert (i36["enterprises"], i36["cooperating"], i36["cooperation_density"]) == (5, 2, 0.4)  # 2 / 5, not 3 / 5
    assert i36["cooperations_left_out"] == {"ended": 1, "in_preparation": 0, "enterprises": 1}
    c = a["cooperation"]
    assert c["rule"] == cooperation.RULE and c["rule_en"] == cooperation.RULE_EN
    assert (c["cooperating_enterprises"], c["ended"], c["in_preparation"], c["left_out_enterprises"],
            c["without_status"], c["left_out_total"]) == (2, 1, 0, 1, 1, 1)
    assert c["left_out"] == [{"key": KEY_E3, "industry": "36", "institution": "4141099991",
                              "institution_name": "测试职业技术学院", "enterprise": "T-E3",
                              "enterprise_name": "丙专用车有限公司", "type": "订单班", "status": "已结束", "since": 2018}]
    assert c["note"] == ("另有已结束 1 项对口校企合作未计入合作密度（1 家企业只有这类合作，不计为有合作）；"
                         "1 项对口合作未填状态，按进行中计入 (1 cooperation(s) left out, 1 without status)")
    # an industry without enterprises has no density (no data), and nothing left out
    i65 = _industry(a, "65")
    assert (i65["cooperation_density"], i65["cooperating"], i65["cooperations_left_out"]) == \
        (None, 0, {"ended": 0, "in_preparation": 0, "enterprises": 0})


def test_store_counts_with_and_without_the_rule(base: Store) -> None:
    sums = ScopeSums.gather(base, resolve_scope(base, city=CITY))
    words = cooperation.inactive_words()
    got = base.cooperation_counts([CITY], sums.year, sums.aligned, words).set_index("industry").loc["36"].to_dict()
    assert got == {"enterprises": 5, "cooperating": 2, "left_out_enterprises": 1, "unstated": 1}
    # without a rule every cooperation counts: the answer of before (3 / 5)
    old = base.cooperation_counts([CITY], sums.year, sums.aligned).set_index("industry").loc["36"].to_dict()
    assert old == {"enterprises": 5, "cooperating": 3, "left_out_enterprises": 0, "unstated": 1}
    rows = base.cooperation_list([CITY], sums.year, sums.aligned, words)
    assert rows.to_dict("records") == [{"industry": "36", "institution": "4141099991", "enterprise": "T-E3",
                                       "type": "订单班", "status": "已结束", "since": 2018}]
    # the store's answers are the pandas reference's
    assert base.cooperation_counts([CITY], 2024, sums.aligned, words).equals(
        pandas_counts(base, [CITY], 2024, sums.aligned, words))
    assert base.cooperation_list([CITY], 2024, sums.aligned, words).equals(
        pandas_list(base, [CITY], 2024, sums.aligned, words))


def test_in_preparation_and_an_enterprise_with_both(more: Store) -> None:
    """T-E4 only 筹建中: left out; T-E1 has an ended cooperation beside its ongoing one: still counted."""
    a = alignment(more, resolve_scope(more, city=CITY))
    i36 = _industry(a, "36")
    assert (i36["cooperating"], i36["cooperation_density"]) == (2, 0.4)
    assert i36["cooperations_left_out"] == {"ended": 2, "in_preparation": 1, "enterprises": 2}
    c = a["cooperation"]
    assert [x["key"] for x in c["left_out"]] == [KEY_E1_ENDED, KEY_E3, KEY_E4]
    assert [x["status"] for x in c["left_out"]] == ["已结束", "已结束", "筹建中"]  # 终止 → 已结束 at import
    assert c["note"].startswith("另有已结束 2 项、筹建中 1 项对口校企合作未计入合作密度（2 家企业只有这类合作")


# ------------------------------------------------------------------------------------------ gaps
def test_an_enterprise_whose_only_partner_has_ended_is_a_gap(base: Store) -> None:
    g = gaps(base, resolve_scope(base, city=CITY), types=("no_cooperation",))
    assert [x["entity"] for x in g["gaps"]] == ["Enterprise:T-E3"]  # T-E1 (ongoing) is not a gap
    x = g["gaps"][0]
    assert x["evidence"] == ["Enterprise:T-E3", "IN_SEGMENT|Enterprise:T-E3|ChainSegment:HN-NEV-01-S4", KEY_E3]
    assert x["evidence_items"][2] == {"key": KEY_E3, "label": "测试职业技术学院 — 丙专用车有限公司 订单班合作（已结束，2018 年起）"}
    assert x["message"] == ("重点产业链企业「丙专用车有限公司」(配套，从业 500 人) 没有进行中的院校合作伙伴："
                            "测试职业技术学院 — 丙专用车有限公司 订单班合作（已结束，2018 年起），不计为合作伙伴")
    assert x["detail"]["cooperations_left_out"] == [{"key": KEY_E3, "institution": "4141099991",
                                                     "institution_name": "测试职业技术学院", "type": "订单班",
                                                     "status": "已结束", "since": 2018}]
    assert g["cooperation"] == {"rule": cooperation.RULE, "rule_en": cooperation.RULE_EN, "ended": 1,
                                "in_preparation": 0, "enterprises": 1,
                                "note": "重点产业链企业的校企合作中已结束 1 项不计为合作伙伴；1 家企业因此列为无院校合作"
                                        " (1 enterprise(s) have only ended or not-begun cooperations)"}


# ---------------------------------------------------------------------------------------- drafts
def test_the_plan_counts_ongoing_cooperations(base: Store) -> None:
    md = reports.plan_markdown(base, CITY)
    assert ("图谱记录的进行中校企合作2项（订单班1项、实习实训1项；另有已结束1项，不计入；其中1项未填状态，按进行中计），"
            "涉及院校1所、企业2家；") in md
    assert "可行性：本市已有进行中的校企合作2项、" in md
    # the problem drafted from the no_cooperation gap: T-E3, whose only partner has ended
    assert "丙专用车有限公司等1家企业没有进行中的院校合作（从未合作，或合作已结束、尚在筹建）" in md
    # the chain table: 2 enterprises of the focus chain, 1 with an ongoing school partner (T-E1; T-E3's ended)
    row = next(line for line in md.splitlines() if line.startswith("| 新能源汽车 |"))
    assert row.split("|")[4:6] == [" 2 ", " 1 "]
    assert "| 丙专用车有限公司 |" in md  # the candidate enterprises: T-E3 with 0 ongoing cooperations
    cand = next(line for line in md.splitlines() if line.startswith("| 丙专用车有限公司 |"))
    assert cand.rstrip().endswith("| 0 |")


# ----------------------------------------------------------------------------- partners and pages
def test_partner_recommendations_and_city_network(base: Store) -> None:
    p = partners.partners_for_enterprise(base, "T-E3")
    r = next(x for x in p["results"] if x["id"] == "4141099991")
    assert (r["existing"], r["cooperation_types"], r["cooperations_left_out"]) == (False, [], ["订单班（已结束）"])
    assert r["components"]["existing"] == 0.0 and "曾有订单班（已结束）合作，不计为已有合作" in r["explanation"]
    p1 = partners.partners_for_enterprise(base, "T-E1")
    assert next(x for x in p1["results"] if x["id"] == "4141099991")["existing"] is True
    hires = who.who_hires(base, "460701", cities=[CITY])
    assert {e["id"]: e["partners"] for e in hires["enterprises"]} == {
        "T-E1": 1, "T-E2": 1, "T-E3": 0, "T-E4": 0, "T-E5": 0}
    page = city_network(base, CITY)
    assert (page.meta["cooperation_edges"], page.meta["cooperation_pairs_left_out"]) == (2, 1)
    assert "1 对院校与企业之间只有已结束或筹建中的合作" in str(page)


# ---------------------------------------------------------------------------------- the CLI's JSON
def test_cli_json_carries_the_rule(base: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from iekg.cli import app

    home = tmp_path / "home"
    data = _folder(tmp_path)
    runner = CliRunner()
    r = runner.invoke(app, ["--home", str(home), "build", "--no-demo", "--data", str(data)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--home", str(home), "align", "--city", CITY, "--format", "json"])
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert a["cooperation"]["ended"] == 1 and _industry(a, "36")["cooperation_density"] == 0.4


# ------------------------------------------------------------------------------------ both stores
@pytest.mark.neo4j
def test_the_same_answers_on_neo4j(neo: Any, tmp_path: Path) -> None:
    from test_parity import frame_records, same

    embedded = _build(SqliteStore(tmp_path / "a" / "graph.sqlite"), tmp_path / "a", MORE_COOP)
    _build(neo, tmp_path / "b", MORE_COOP)
    stores = (embedded, neo)

    def both(fn: Any) -> Any:
        a, b = (fn(s) for s in stores)
        same(a, b)
        return a

    sums = ScopeSums.gather(embedded, resolve_scope(embedded, city=CITY))
    words = cooperation.inactive_words()
    for inactive in (words, (), ("已结束",)):
        both(lambda s, w=inactive: frame_records(s.cooperation_counts([CITY], 2024, sums.aligned, w)))
    both(lambda s: frame_records(s.cooperation_counts([CITY], 1999, sums.aligned, words)))
    rows = both(lambda s: frame_records(s.cooperation_list([CITY], 2024, sums.aligned, words)))
    assert [(r["enterprise"], r["status"]) for r in rows] == [("T-E1", "已结束"), ("T-E3", "已结束"), ("T-E4", "筹建中")]
    a = both(lambda s: alignment(s, resolve_scope(s, city=CITY)))
    assert _industry(a, "36")["cooperation_density"] == 0.4
    assert _industry(a, "36")["cooperations_left_out"] == {"ended": 2, "in_preparation": 1, "enterprises": 2}
    g = both(lambda s: gaps(s, resolve_scope(s, city=CITY)))
    assert [x["entity"] for x in g["gaps"] if x["type"] == "no_cooperation"] == ["Enterprise:T-E3"]
    both(lambda s: reports.plan_markdown(s, CITY))
    both(lambda s: partners.partners_for_enterprise(s, "T-E3"))
    both(lambda s: partners.partners_for_institution(s, "4141099991"))
    both(lambda s: who.who_hires(s, "460701", cities=[CITY]))

"""Readers of the official public formats (iekg.loaders.official) against the real files."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from iekg.loaders import official as off
from iekg.loaders.source import PUBLIC, SourceTable

HENAN_CITIES = {
    "410100", "410200", "410300", "410400", "410500", "410600", "410700", "410800", "410900",
    "411000", "411100", "411200", "411300", "411400", "411500", "411600", "411700", "419001",
}
NEW_2025 = {"开封工程职业学院", "开封智慧健康职业学院", "周口智慧能源职业学院", "平顶山科技职业学院"}
RENAMES = {
    ("新乡医学院", "河南医药大学"), ("新乡医学院三全学院", "豫北医学院"),
    ("郑州澍青医学高等专科学校", "郑州健康学院"), ("黄河水利职业技术学院", "黄河水利职业技术大学"),
}


def one(tables: list[SourceTable], name: str) -> SourceTable:
    found = [t for t in tables if t.table == name]
    assert len(found) == 1, [t.table for t in tables]
    return found[0]


def key_rows(t: SourceTable) -> list[tuple[str, ...]]:
    return sorted(tuple(r.values[k] for k in ("id", "name", "city_code", "level", "ownership")) for r in t.rows)


def by_name(t: SourceTable) -> dict[str, dict[str, str]]:
    return {r.values["name"]: r.values for r in t.rows}


# ------------------------------------------------------------------------------------ MOE lists
@pytest.fixture(scope="module")
def henan_2025_forms(public_dir: Path) -> dict[str, SourceTable]:
    return {
        "xls": one(off.read_moe_hei_list(public_dir / "moe_hei_list_2025.xls"), "institutions"),
        "csv": one(off.read_moe_hei_list(public_dir / "moe_hei_list_2025.csv"), "institutions"),
        "henan": one(off.read_moe_hei_list(public_dir / "henan_hei_2024_2025.csv"), "institutions"),
        "henan_explicit": one(off.read_moe_hei_list(public_dir / "henan_hei_2024_2025.csv", edition="2025"),
                              "institutions"),
    }


@pytest.fixture(scope="module")
def henan_2024(public_dir: Path) -> SourceTable:
    return one(off.read_moe_hei_list(public_dir / "moe_hei_list_2024.csv"), "institutions")


def test_henan_counts(henan_2025_forms: dict[str, SourceTable], henan_2024: SourceTable, public_dir: Path) -> None:
    assert {k: len(t.rows) for k, t in henan_2025_forms.items()} == dict.fromkeys(henan_2025_forms, 178)
    assert len(henan_2024.rows) == 174
    h24 = one(off.read_moe_hei_list(public_dir / "henan_hei_2024_2025.csv", edition="2024"), "institutions")
    assert len(h24.rows) == 174
    assert key_rows(h24) == key_rows(henan_2024)


def test_2025_forms_identical(henan_2025_forms: dict[str, SourceTable]) -> None:
    ref = key_rows(henan_2025_forms["xls"])
    assert len(set(ref)) == 178
    for form, t in henan_2025_forms.items():
        assert key_rows(t) == ref, form
        assert {r.values["list_edition"] for r in t.rows} == {"2025"}, form


def test_ids_cities_levels(henan_2025_forms: dict[str, SourceTable], henan_2024: SourceTable) -> None:
    for t in [*henan_2025_forms.values(), henan_2024]:
        assert all(re.fullmatch(r"\d{10}", r.values["id"]) for r in t.rows)
        assert {r.values["city_code"] for r in t.rows} <= HENAN_CITIES
    t = henan_2025_forms["xls"]
    assert set(Counter(r.values["city_code"] for r in t.rows)) == HENAN_CITIES  # all 18, 济源 included
    assert Counter(r.values["level"] for r in t.rows) == {"高职专科": 116, "本科": 59, "职业本科": 3}
    assert Counter(r.values["ownership"] for r in t.rows) == {"公办": 118, "民办": 60}
    rows = by_name(t)
    assert rows["郑州大学"]["id"] == "4141010459" and rows["郑州大学"]["city_code"] == "410100"
    assert rows["平顶山职业技术学院"]["id"] == "4241050709"  # genuine 42 prefix, kept
    assert rows["济源职业技术学院"]["city_code"] == "419001"
    assert rows["黄河水利职业技术大学"]["level"] == "职业本科"
    assert rows["河南科技职业大学"]["level"] == "职业本科"
    assert rows["郑州亚欧交通职业学院"]["ownership"] == "公办"
    assert rows["郑州亚欧交通职业学院"]["note"] == "中外合作办学及内地与港澳合作办学"
    assert by_name(henan_2024)["黄河水利职业技术学院"]["level"] == "高职专科"


def test_provenance_and_lines(henan_2025_forms: dict[str, SourceTable], henan_2024: SourceTable,
                              public_dir: Path) -> None:
    xls = henan_2025_forms["xls"]
    assert xls.kind == PUBLIC and xls.sheet == "全国普通高等学校名单"
    assert xls.file == str(public_dir / "moe_hei_list_2025.xls")
    assert xls.cite == "教育部 全国普通高等学校名单（截至2025年6月20日）"
    assert henan_2024.cite == "教育部 全国普通高等学校名单（截至2024年6月20日）" and henan_2024.sheet is None
    assert xls.headers["id"] == "学校标识码" and xls.headers["city_code"] == "所在地"
    assert {"note", "authority", "location", "list_edition"} <= set(xls.extra)
    # Excel rows: 河南省（178所） is row 1551 of the xls, row 1525 (河南省（174所）) of the 2024 csv.
    assert xls.rows[0].line == 1552 and xls.rows[0].values["name"] == "华北水利水电大学"
    assert henan_2024.rows[0].line == 1526
    assert henan_2025_forms["henan"].rows[0].line == 176  # after the header and the 174 rows of 2024


def test_changes_2024_2025(henan_2025_forms: dict[str, SourceTable], henan_2024: SourceTable) -> None:
    d = off.compare_editions(henan_2024, henan_2025_forms["xls"])
    assert {r["name"] for r in d.added} == NEW_2025
    assert all(r["level"] == "高职专科" and r["ownership"] == "民办" for r in d.added)
    assert d.removed == []
    assert {(old, new) for _, old, new in d.renamed} == RENAMES
    assert {(n, a, b) for _, n, a, b in d.level_changed} == {
        ("郑州健康学院", "高职专科", "本科"), ("黄河水利职业技术大学", "高职专科", "职业本科")}
    assert [(n, a, b) for _, n, a, b in d.ownership_changed] == [("鹤壁能源化工职业学院", "民办", "公办")]


def test_aliases(public_dir: Path, henan_2025_forms: dict[str, SourceTable]) -> None:
    expected = {new: old for old, new in RENAMES}
    t = one(off.read_moe_renames(public_dir / "moe_hei_list_2024.csv", public_dir / "moe_hei_list_2025.xls"),
            "institutions")
    assert "aliases" in t.extra
    assert {r.values["name"]: r.values["aliases"] for r in t.rows if r.values["aliases"]} == expected
    # The two-edition file carries its own history.
    h = henan_2025_forms["henan"]
    assert {r.values["name"]: r.values["aliases"] for r in h.rows if r.values["aliases"]} == expected
    with pytest.raises(ValueError, match="2023"):
        off.read_moe_hei_list(public_dir / "henan_hei_2024_2025.csv", edition="2023")


def test_national_totals(public_dir: Path) -> None:
    t25 = one(off.read_moe_hei_list(public_dir / "moe_hei_list_2025.xls", province=None), "institutions")
    c25 = one(off.read_moe_hei_list(public_dir / "moe_hei_list_2025.csv", province=None), "institutions")
    t24 = one(off.read_moe_hei_list(public_dir / "moe_hei_list_2024.csv", province=None), "institutions")
    assert (len(t25.rows), len(c25.rows), len(t24.rows)) == (2919, 2919, 2868)
    assert key_rows(t25) == key_rows(c25)
    lv = Counter(r.values["level"] for r in t25.rows)
    assert lv["本科"] + lv["职业本科"] == 1365 and lv["高职专科"] == 1554
    assert lv["职业本科"] == 87
    assert Counter(r.values["level"] for r in t24.rows)["职业本科"] == 51
    assert by_name(t25)["天津职业技术师范大学"]["level"] == "本科"  # a 师范大学, not 职业本科
    # Every 所在地 resolves, 直辖市 and county-level ones included.
    assert [r.values["location"] for r in t25.rows if not r.values["city_code"]] == []
    rows = by_name(t25)
    assert rows["北京大学"]["city_code"] == "110100"
    assert rows["昆山杜克大学"]["city_code"] == "320500"


def test_province_variants(public_dir: Path) -> None:
    short = one(off.read_moe_hei_list(public_dir / "moe_hei_list_2025.csv", province="河南"), "institutions")
    assert len(short.rows) == 178
    beijing = one(off.read_moe_hei_list(public_dir / "moe_hei_list_2024.csv", province="北京市"), "institutions")
    assert len(beijing.rows) == 92


def test_unknown_location_left_empty(public_dir: Path) -> None:
    t = one(off.read_moe_hei_list(public_dir / "moe_hei_list_2025.csv", city_codes={"郑州市": "410100"}),
            "institutions")
    rows = by_name(t)
    assert rows["郑州大学"]["city_code"] == "410100"
    assert rows["河南科技大学"]["city_code"] == "" and rows["河南科技大学"]["location"] == "洛阳市"


def test_numeric_damage_and_gbk(public_dir: Path, tmp_path: Path) -> None:
    src = (public_dir / "moe_hei_list_2024.csv").read_text(encoding="utf-8")
    damaged = re.sub(r",(41\d{8}),", r",\1.0,", src)
    assert "4141010459.0" in damaged
    f = tmp_path / "名单_2024.csv"
    f.write_bytes(damaged.encode("gb18030"))
    t = one(off.read_moe_hei_list(f), "institutions")
    assert len(t.rows) == 174
    assert by_name(t)["郑州大学"]["id"] == "4141010459"
    assert all(re.fullmatch(r"\d{10}", r.values["id"]) for r in t.rows)


def test_city_code_map(public_dir: Path) -> None:
    m = off.city_code_map(public_dir)
    assert m["郑州市"] == "410100" and m["驻马店市"] == "411700"
    assert m["北京市"] == "110100" and m["重庆市"] == "500100"
    assert m["济源市"] == "419001" and m["河南省"] == "410000"
    assert "市辖区" not in m and "省直辖县级行政区划" not in m
    assert off.lookup_city("临夏州", m) == "622900"


# ---------------------------------------------------------------------------------- catalogues
@pytest.mark.parametrize("name", ["vocational_major_catalog_2021_upd2025.csv",
                                  "vocational_major_catalog_2021_upd2025.xlsx"])
def test_vocational_catalog(public_dir: Path, name: str) -> None:
    ts = off.read_vocational_catalog(public_dir / name)
    div, cat, maj = one(ts, "major_divisions"), one(ts, "major_categories"), one(ts, "majors")
    assert len(maj.rows) == 1443
    assert Counter(r.values["level"] for r in maj.rows) == {"中职": 368, "高职专科": 754, "职业本科": 321}
    assert Counter(r.values["level"] for r in div.rows) == {"中职": 19, "高职专科": 19, "职业本科": 19}
    assert Counter(r.values["level"] for r in cat.rows) == {"中职": 88, "高职专科": 92, "职业本科": 92}
    assert Counter(r.values["note"] for r in maj.rows)["2025年12月新增"] == 54
    codes = {r.values["code"] for r in cat.rows}
    assert all(r.values["category_code"] in codes for r in maj.rows)
    assert {r.values["division_code"] for r in cat.rows} == {r.values["code"] for r in div.rows}
    m = {r.values["code"]: r.values for r in maj.rows}
    assert m["510205"]["name"] == "大数据技术" and m["510205"]["category_code"] == "5102"
    assert m["460701"]["level"] == "高职专科" and m["210101"]["level"] == "职业本科"
    assert maj.rows[0].line == 2 and maj.headers["code"] == "专业代码" and maj.kind == PUBLIC


def test_vocational_csv_equals_xlsx(public_dir: Path) -> None:
    a = off.read_vocational_catalog(public_dir / "vocational_major_catalog_2021_upd2025.csv")
    b = off.read_vocational_catalog(public_dir / "vocational_major_catalog_2021_upd2025.xlsx")
    for ta, tb in zip(a, b, strict=True):
        assert [(r.line, r.values) for r in ta.rows] == [(r.line, r.values) for r in tb.rows]


def test_undergraduate_catalog(public_dir: Path) -> None:
    ts = off.read_undergraduate_catalog(public_dir / "undergraduate_major_catalog_2024.csv")
    div, cat, maj = one(ts, "major_divisions"), one(ts, "major_categories"), one(ts, "majors")
    assert (len(div.rows), len(cat.rows), len(maj.rows)) == (12, 93, 812)
    assert {r.values["level"] for t in ts for r in t.rows} == {"本科"}
    m = {r.values["code"]: r.values for r in maj.rows}
    assert m["010101"]["name"] == "哲学" and m["010103K"]["category_code"] == "0101"
    assert "020109T" in m
    assert sum(1 for c in m if c.endswith("TK")) > 0
    assert all(re.fullmatch(r"\d{6}(T|K|TK)?", c) for c in m)
    cats = {r.values["code"] for r in cat.rows}
    assert all(r.values["category_code"] in cats for r in maj.rows)
    # 门类 01–13 without 11 军事学 (not an undergraduate 门类)
    assert {r.values["code"] for r in div.rows} == {f"{i:02d}" for i in range(1, 14)} - {"11"}
    assert cat.rows[0].values == {"code": "0101", "name": "哲学类", "division_code": "01", "level": "本科"}
    assert maj.cite == "教育部 普通高等学校本科专业目录（2024年）"


def test_catalog_lost_zeros_restored(public_dir: Path, tmp_path: Path) -> None:
    """Excel's damage to an official CSV (01 → 1, 010101 → 10101) is undone."""
    src = public_dir / "undergraduate_major_catalog_2024.csv"
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        for i in (2, 4, 6, 8):  # categoryCode, classCode, majorCode, parentCode
            row[i] = row[i].lstrip("0")
    assert rows[3][6] == "10101"
    damaged = tmp_path / "undergraduate.csv"
    with damaged.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    got = off.read_undergraduate_catalog(damaged)
    want = off.read_undergraduate_catalog(src)
    for a, b in zip(got, want, strict=True):
        assert [r.values for r in a.rows] == [r.values for r in b.rows]


# ------------------------------------------------------------------------------------ GB/T 4754
def industries(path: Path) -> SourceTable:
    return one(off.read_gbt4754(path), "industries")


@pytest.fixture(scope="module")
def gbt_1d(public_dir: Path) -> SourceTable:
    return industries(public_dir / "gbt4754_2017_industry_1d.csv")


def test_gbt4754_1d(gbt_1d: SourceTable) -> None:
    codes = [r.values["code"] for r in gbt_1d.rows]
    assert len(codes) == len(set(codes)) == 1957
    by_len = Counter(len(c) for c in codes)
    assert (by_len[1], by_len[2], by_len[3], by_len[4]) == (20, 97, 467, 1373)
    assert {c for c in codes if len(c) == 1} == set("ABCDEFGHIJKLMNOPQRST")
    cs = set(codes)
    assert {"01", "011", "0111", "06", "0610"} <= cs
    assert all(re.fullmatch(r"[A-T]|\d{2,4}", c) for c in codes)
    v = {r.values["code"]: r.values for r in gbt_1d.rows}
    # every parent exists and is the code's prefix (or its 门类)
    for c, r in v.items():
        p = r["parent_code"]
        if len(c) == 1:
            assert p == ""
        elif len(c) == 2:
            assert re.fullmatch(r"[A-T]", p), c
        else:
            assert p in cs and c.startswith(p), c
    assert v["01"]["parent_code"] == "A" and v["97"]["parent_code"] == "T" and v["13"]["parent_code"] == "C"
    assert v["0111"]["parent_code"] == "011" and v["011"]["parent_code"] == "01"
    assert v["2665"]["parent_code"] == "266" and "上级代码" in v["2665"]["note"]
    assert v["3611"]["parent_code"] == "361" and v["3611"]["level"] == "小类"
    assert v["9700"]["parent_code"] == "97" and v["9700"]["level"] == "小类"
    assert v["8421"]["parent_code"] == "842" and v["8890"]["parent_code"] == "889"
    assert v["9051"]["parent_code"] == "905" and v["9221"]["parent_code"] == "922"
    assert v["0711"]["name"] == "陆地石油开采" and v["0712"]["name"] == "海洋石油开采"
    assert v["0712"]["note"] and v["0111"]["note"] == ""
    assert gbt_1d.kind == PUBLIC and gbt_1d.headers["code"] == "INDUSTRY_ID"


def test_gbt4754_xlsx_equals_csv(public_dir: Path, gbt_1d: SourceTable) -> None:
    x = industries(public_dir / "gbt4754_2017_industry_1d.xlsx")
    assert x.sheet == "industry"
    assert [(r.line, r.values) for r in x.rows] == [(r.line, r.values) for r in gbt_1d.rows]
    c2 = industries(public_dir / "gbt4754_2017_industry_2d.csv")
    x2 = industries(public_dir / "gbt4754_2017_industry_2d.xlsx")
    assert [r.values for r in x2.rows] == [r.values for r in c2.rows]
    assert [r.line for r in x2.rows] == [r.line + 1 for r in c2.rows]  # the xlsx has a note row on top


def test_gbt4754_2d(public_dir: Path, gbt_1d: SourceTable) -> None:
    t = industries(public_dir / "gbt4754_2017_industry_2d.csv")
    one_d = {r.values["code"]: r.values["parent_code"] for r in gbt_1d.rows}
    two_d = {r.values["code"]: r.values["parent_code"] for r in t.rows}
    assert len(two_d) == len(t.rows) == 1956
    assert set(one_d) - set(two_d) == {"8890"}  # absent from the 2d file
    assert two_d == {c: p for c, p in one_d.items() if c != "8890"}


def test_gbt4754_numeric_codes_restored(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "industry"
    ws.append(["ID", "INDUSTRY_ID", "NAME", "PARENT_ID", "LEVEL_TYPE", "DESCRIPTION"])
    ws.append([1, "A", "农、林、牧、渔业", None, 0, None])
    ws.append([2, 1, "农业", "A", 1, None])  # 01 stored as a number
    ws.append([3, 11, "谷物种植", 1, 2, None])  # 011 under 01
    ws.append([4, 111.0, "稻谷种植", 11, 3, None])  # 0111 under 011, as float
    ws.append([5, 112, "小麦种植", "011", 2, None])  # mislabelled level: 0112 all the same, via its parent
    f = tmp_path / "gbt.xlsx"
    wb.save(f)
    assert off.detect_official(f) == off.GBT4754_1D
    t = industries(f)
    assert [(r.values["code"], r.values["parent_code"]) for r in t.rows] == [
        ("A", ""), ("01", "A"), ("011", "01"), ("0111", "011"), ("0112", "011")]
    assert [r.line for r in t.rows] == [2, 3, 4, 5, 6]


# ---------------------------------------------------------------------------------- divisions
def test_henan_divisions(public_dir: Path) -> None:
    ts = off.read_divisions(public_dir / "henan_admin_divisions.csv")
    t = one(ts, "cities")
    codes = [r.values["code"] for r in t.rows]
    assert len(codes) == 19
    assert set(codes) == HENAN_CITIES | {"410000"}
    v = {r.values["code"]: r.values for r in t.rows}
    assert v["410000"] == {"code": "410000", "name": "河南省", "province_code": "", "level": "省级"}
    assert v["419001"]["name"] == "济源市" and v["419001"]["province_code"] == "410000"
    assert all(v[c]["province_code"] == "410000" for c in HENAN_CITIES)
    assert "419000" not in v and not any(c[4] == "7" for c in codes)
    assert t.rows[0].line == 2 and v["419001"] and t.rows[-1].line == 201
    assert t.cite and t.kind == PUBLIC


def test_henan_zones(public_dir: Path) -> None:
    ts = off.read_divisions(public_dir / "henan_admin_divisions.csv", include_zones=True)
    z = one(ts, "zones")
    assert len(z.rows) == 24
    zv = {r.values["id"]: r.values for r in z.rows}
    assert zv["410173"]["name"] == "郑州航空港经济综合实验区" and zv["410173"]["city_code"] == "410100"
    assert len(one(ts, "cities").rows) == 19


def test_national_divisions(public_dir: Path) -> None:
    ts = off.read_divisions(public_dir / "cn_admin_cities.csv")
    assert len(ts) == 2
    main, areas = ts
    v = {r.values["code"]: r.values for r in main.rows}
    assert v["110100"]["name"] == "北京市" and v["500100"]["name"] == "重庆市"
    assert v["410100"]["province_code"] == "410000"
    assert not {"419000", "500200", "659000"} & set(v)
    assert len(main.rows) == 342 - 5  # 4190, 4290, 4690, 6590 and 5002 县 are groupings
    a = {r.values["code"]: r.values for r in areas.rows}
    assert a["419001"]["name"] == "济源市" and areas.file.endswith("cn_admin_areas.csv")
    henan = off.read_divisions(public_dir / "cn_admin_cities.csv", province="河南省")
    assert {r.values["code"] for t in henan for r in t.rows} == HENAN_CITIES
    prov = one(off.read_divisions(public_dir / "cn_admin_provinces.csv"), "cities")
    assert len(prov.rows) == 31 and prov.rows[15].values["code"] == "410000"


# ------------------------------------------------------------------------------ detect, dispatch
DETECTED = {
    "moe_hei_list_2025.xls": off.MOE_HEI_LIST, "moe_hei_list_2025.csv": off.MOE_HEI_LIST,
    "moe_hei_list_2024.csv": off.MOE_HEI_LIST, "henan_hei_2024_2025.csv": off.MOE_HEI_LIST,
    "vocational_major_catalog_2021_upd2025.xlsx": off.VOCATIONAL_CATALOG,
    "vocational_major_catalog_2021_upd2025.csv": off.VOCATIONAL_CATALOG,
    "undergraduate_major_catalog_2024.csv": off.UNDERGRADUATE_CATALOG,
    "gbt4754_2017_industry_1d.csv": off.GBT4754_1D, "gbt4754_2017_industry_1d.xlsx": off.GBT4754_1D,
    "gbt4754_2017_industry_2d.csv": off.GBT4754_2D, "gbt4754_2017_industry_2d.xlsx": off.GBT4754_2D,
    "henan_admin_divisions.csv": off.HENAN_DIVISIONS, "cn_admin_cities.csv": off.CN_CITIES,
    "cn_admin_provinces.csv": off.CN_PROVINCES,
    "cn_admin_areas.csv": None, "moe_adult_hei_list_2024.csv": None,
    "major_occupation_mapping_2023.csv": None, "major_occupation_mapping_2023.xlsx": None, "SOURCES.md": None,
}


def test_detect_official(public_dir: Path) -> None:
    assert {n: off.detect_official(public_dir / n) for n in DETECTED} == DETECTED


def test_detect_rejects_templates(tmp_path: Path) -> None:
    cities = tmp_path / "cities.csv"
    cities.write_text("code,name\n410100,郑州市\n", encoding="utf-8")
    inst = tmp_path / "institutions.csv"
    inst.write_text("学校标识码,学校名称,所在城市代码,办学层次\n4141010459,郑州大学,410100,本科\n", encoding="utf-8")
    assert off.detect_official(cities) is None and off.detect_official(inst) is None
    with pytest.raises(ValueError):
        off.read_official(inst)


def test_read_official_dispatch(public_dir: Path) -> None:
    t = one(off.read_official(public_dir / "moe_hei_list_2025.xls", province=None), "institutions")
    assert len(t.rows) == 2919
    assert len(one(off.read_official(public_dir / "gbt4754_2017_industry_2d.xlsx"), "industries").rows) == 1956
    assert [t.table for t in off.read_official(public_dir / "undergraduate_major_catalog_2024.csv")] == [
        "major_divisions", "major_categories", "majors"]
    assert len(one(off.read_official(public_dir / "henan_admin_divisions.csv"), "cities").rows) == 19

"""Every value rule of the data contract (``iekg.loaders.values``): clean values, repairs and errors."""

from __future__ import annotations

import pytest

from iekg.loaders import values as v
from iekg.loaders.tables import ENUMS
from iekg.loaders.values import Invalid, Repaired, parser_for, uscc_check_char


def invalid(fn, raw: str) -> Invalid:
    with pytest.raises(Invalid) as info:
        fn(raw)
    return info.value


# ------------------------------------------------------------------------------------ city codes
@pytest.mark.parametrize(("raw", "clean"), [
    ("410200", "410200"), (" 410200 ", "410200"), ("410200.0", "410200"), ("４１０２００", "410200"),
    ("419001", "419001"),
])
def test_city_code_valid(raw, clean):
    assert v.city_code(raw) == clean


def test_city_code_12_digit_statistical_code_is_repaired_with_a_warning():
    r = v.city_code("410200000000")
    assert isinstance(r, Repaired)
    assert r.value == "410200"
    assert "410200000000" in r.warning and "410200" in r.warning


@pytest.mark.parametrize("raw", ["41020", "4102", "4102000", "41O200", "开封市", "410200123456"])
def test_city_code_invalid(raw):
    e = invalid(v.city_code, raw)
    assert e.code == "invalid"
    assert raw in e.problem
    assert "6 位" in e.fix


# ------------------------------------------------------------------------------- institution ids
@pytest.mark.parametrize(("raw", "clean"), [
    ("4141010842", "4141010842"), ("4141010842.0", "4141010842"), ("４１４１０１０８４２", "4141010842"),
])
def test_inst_id_valid(raw, clean):
    assert v.inst_id(raw) == clean


def test_inst_id_nine_digits_is_a_lost_leading_zero_with_the_repaired_code_in_fix():
    e = invalid(v.inst_id, "414101084")
    assert e.code == "leading_zero"
    assert "0414101084" in e.fix
    assert "414101084" in e.problem


@pytest.mark.parametrize("raw", ["41410108421", "41410108", "4141O10842", "开封职业学院"])
def test_inst_id_invalid(raw):
    e = invalid(v.inst_id, raw)
    assert e.code == "invalid"
    assert raw in e.problem


# ---------------------------------------------------------------------------------- major codes
@pytest.mark.parametrize(("raw", "clean"), [
    ("080901", "080901"), ("460701", "460701"), ("080910T", "080910T"), ("080906k", "080906K"),
    ("120108TK", "120108TK"), ("080901.0", "080901"), (" 510201 ", "510201"), ("０８０９０１", "080901"),
])
def test_major_code_valid(raw, clean):
    assert v.major_code(raw) == clean


@pytest.mark.parametrize(("raw", "repaired"), [("80901", "080901"), ("80910T", "080910T"), ("80901.0", "080901")])
def test_major_code_lost_leading_zero(raw, repaired):
    e = invalid(v.major_code, raw)
    assert e.code == "leading_zero"
    assert f"改为 {repaired}" in e.fix
    assert raw in e.problem


@pytest.mark.parametrize("raw", ["0809011", "8090", "080901X", "080901KT", "T80901", "计算机应用技术"])
def test_major_code_invalid(raw):
    e = invalid(v.major_code, raw)
    assert e.code == "invalid"


# ------------------------------------------------------------------------------- category codes
@pytest.mark.parametrize(("raw", "clean"), [("0809", "0809"), ("4607", "4607"), ("5102.0", "5102")])
def test_category_code_valid(raw, clean):
    assert v.category_code(raw) == clean


def test_category_code_lost_leading_zero():
    e = invalid(v.category_code, "809")
    assert e.code == "leading_zero"
    assert "0809" in e.fix


@pytest.mark.parametrize("raw", ["08", "080901", "08O9", "计算机类"])
def test_category_code_invalid(raw):
    assert invalid(v.category_code, raw).code == "invalid"


def test_division_code():
    assert v.division_code("46") == "46"
    e = invalid(v.division_code, "8")
    assert (e.code, e.fix) == ("leading_zero", "改为 08")
    assert invalid(v.division_code, "460").code == "invalid"


# ------------------------------------------------------------------------------- industry codes
@pytest.mark.parametrize(("raw", "clean"), [
    ("C", "C"), ("c", "C"), ("A", "A"), ("T", "T"), ("36", "36"), ("367", "367"), ("3670", "3670"),
    ("3670.0", "3670"), (" 65 ", "65"), ("Ｃ", "C"), ("０５", "05"),
])
def test_industry_code_valid(raw, clean):
    assert v.industry_code(raw) == clean


@pytest.mark.parametrize("raw", ["U", "Z", "CC", "C36", "36701", "3-6", "汽车制造业", "36.5"])
def test_industry_code_invalid(raw):
    e = invalid(v.industry_code, raw)
    assert e.code == "invalid"
    assert raw in e.problem
    assert "GB/T 4754" in e.problem


def test_industry_code_single_digit_is_a_lost_leading_zero():
    # 大类 01–05 (农、林、牧、渔业) start with 0: Excel turns "05" into 5.
    e = invalid(v.industry_code, "5")
    assert e.code == "leading_zero"
    assert "05" in e.fix


# ------------------------------------------------------------------------- 统一社会信用代码 (GB 32100)
@pytest.mark.parametrize("code", [
    "91350100M000100Y43",  # the usual textbook example
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
])
def test_uscc_known_real_codes_are_valid(code):
    assert uscc_check_char(code[:17]) == code[17]
    assert v.ent_id(code) == code


def test_uscc_check_char_hand_computed():
    # 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4 with weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    # sum = 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640; 1640 mod 31 = 28; 31-28 = 3 → '3'
    assert uscc_check_char("91350100M000100Y4") == "3"
    # a remainder of 0 gives check character '0', not index 31
    first = "91410200MA44AB12C"
    assert len(uscc_check_char(first)) == 1
    assert uscc_check_char(first) in v.USCC_CHARS


@pytest.mark.parametrize("first17", ["91410200MA44AB12C", "12410000415800187", "52410100MJY123456", "93410200MA9X00001"])
def test_uscc_built_with_check_char_is_valid(first17):
    code = first17 + uscc_check_char(first17)
    assert v.ent_id(code) == code
    assert v.ent_id(code.lower()) == code  # letters are upper-cased
    assert v.ent_id(f" {code[:9]} {code[9:]} ") == code  # spaces are dropped


def test_uscc_wrong_check_char_names_the_expected_character():
    e = invalid(v.ent_id, "91350100M000100Y44")
    assert e.code == "check_char"
    assert "应为 '3'" in e.problem
    assert "实为 '4'" in e.problem
    assert "91350100M000100Y44" in e.problem


@pytest.mark.parametrize(("raw", "bad"), [
    ("91350100M000100Y4O", "O"), ("91350100I000100Y43", "I"), ("9135010ZS000100Y43", "SZ"),
    ("91350100V000100Y43", "V"), ("91350100M-00100Y43", "-"),
])
def test_uscc_forbidden_letters(raw, bad):
    e = invalid(v.ent_id, raw)
    assert e.code == "invalid"
    assert f"'{bad}'" in e.problem
    assert "I、O、Z、S、V" in e.problem


def test_own_enterprise_ids():
    # not 18 characters: an own id, kept as written
    assert v.ent_id("QY-KF-001") == "QY-KF-001"
    assert v.ent_id(" 开封企业001 ") == "开封企业001"
    assert v.own_id("SEG-1") == "SEG-1"
    assert v.own_id("  AL-9  ") == "AL-9"
    assert invalid(v.own_id, "   ").code == "invalid"
    assert invalid(v.own_id, "x" * 101).code == "invalid"
    assert v.own_id("x" * 100) == "x" * 100


# ---------------------------------------------------------------------------------------- years
@pytest.mark.parametrize(("raw", "clean"), [
    ("2000", 2000), ("2100", 2100), ("2024", 2024), ("2024.0", 2024), ("2024年", 2024), ("２０２４", 2024),
])
def test_year_valid(raw, clean):
    assert v.year(raw) == clean


@pytest.mark.parametrize("raw", ["1999", "2101", "24", "20240", "二〇二四", "2024-07"])
def test_year_invalid(raw):
    e = invalid(v.year, raw)
    assert e.code == "invalid"
    assert "2000–2100" in e.problem


# --------------------------------------------------------------------------------------- counts
@pytest.mark.parametrize(("raw", "clean"), [
    ("0", 0), ("120", 120), ("1,200", 1200), ("1200.0", 1200), ("１２０", 120), (" 35 ", 35),
])
def test_count_valid(raw, clean):
    assert v.count(raw) == clean


@pytest.mark.parametrize("raw", ["-1", "-3.0"])
def test_count_negative(raw):
    e = invalid(v.count, raw)
    assert "负数" in e.problem


@pytest.mark.parametrize("raw", ["1.5", "120人", "约100", "abc"])
def test_count_not_an_integer(raw):
    e = invalid(v.count, raw)
    assert e.problem == f"应为非负整数，实为 '{raw}'"


# ---------------------------------------------------------------------------------------- rates
@pytest.mark.parametrize(("raw", "clean"), [
    ("0.85", 0.85), ("85%", 0.85), ("85", 0.85), ("100%", 1.0), ("100", 1.0), ("1", 1.0), ("0", 0.0),
    ("0%", 0.0), ("92.5%", 0.925), ("８５％", 0.85), (" 85 % ", 0.85),
])
def test_rate_valid(raw, clean):
    assert v.rate(raw) == clean


@pytest.mark.parametrize(("raw", "problem"), [
    ("101%", "比率应在 0–1 (0%–100%) 之间，实为 '101%'"),
    ("101", "比率应在 0–1 (0%–100%) 之间，实为 '101'"),
    ("-1", "比率应在 0–1 (0%–100%) 之间，实为 '-1'"),
    ("-0.5", "比率应在 0–1 (0%–100%) 之间，实为 '-0.5'"),
    ("高", "比率应为 0–1 之间的小数或百分数，实为 '高'"),
    ("85 percent", "比率应为 0–1 之间的小数或百分数，实为 '85 percent'"),
])
def test_rate_invalid(raw, problem):
    e = invalid(v.rate, raw)
    assert e.problem == problem
    assert e.fix == "填写如 0.85 或 85%"


# -------------------------------------------------------------------------------------- weights
@pytest.mark.parametrize(("raw", "clean"), [
    ("1", 1.0), ("0.6", 0.6), ("0.001", 0.001), (" 0.4 ", 0.4), ("60%", 0.6), ("100%", 1.0), ("12.5 %", 0.125),
])
def test_weight_valid(raw, clean):
    assert v.weight(raw) == clean


@pytest.mark.parametrize(("raw", "problem"), [
    ("0", "权重应在 (0, 1] 之间，实为 '0'"), ("1.01", "权重应在 (0, 1] 之间，实为 '1.01'"),
    ("2", "权重应在 (0, 1] 之间，实为 '2'"), ("120%", "权重应在 (0, 1] 之间，实为 '120%'"),
    ("0%", "权重应在 (0, 1] 之间，实为 '0%'"), ("inf", "应为有限的数字，实为 'inf'"),
    ("-0.1", "应为非负数，实为 '-0.1'"), ("nan", "应为非负数，实为 'nan'"),
    ("六成", "应为数字，实为 '六成'"), ("六成%", "应为数字，实为 '六成%'"),
])
def test_weight_invalid(raw, problem):
    e = invalid(v.weight, raw)
    assert (e.code, e.problem) == ("invalid", problem)


# ------------------------------------------------------------------------------------- numbers
def test_number():
    assert v.number("1,234.5") == 1234.5
    assert v.number("0") == 0.0
    assert invalid(v.number, "-1").problem == "应为非负数，实为 '-1'"
    assert invalid(v.number, "12亿").problem == "应为数字，实为 '12亿'"
    # no infinity: JSON has none, and a GDP or a headcount is never one
    assert invalid(v.number, "inf").problem == "应为有限的数字，实为 'inf'"
    assert invalid(v.number, "1e400").problem == "应为有限的数字，实为 '1e400'"


# ------------------------------------------------------------------------------------- booleans
@pytest.mark.parametrize("raw", ["是", "Y", "y", "yes", "TRUE", "true", "1", "√", " 是 ", "ＹＥＳ"])
def test_boolean_true(raw):
    assert v.boolean(raw) is True


@pytest.mark.parametrize("raw", ["否", "N", "no", "False", "0", "×", "F"])
def test_boolean_false(raw):
    assert v.boolean(raw) is False


@pytest.mark.parametrize("raw", ["可能", "2", "yes!", "是的"])
def test_boolean_invalid(raw):
    e = invalid(v.boolean, raw)
    assert e.fix == "填写 是 或 否"


# ---------------------------------------------------------------------------------- enumerations
@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_every_allowed_value_is_accepted_exactly(name):
    parse = v.enum(name)
    for word in ENUMS[name]:
        assert parse(word) == word


@pytest.mark.parametrize(("name", "raw", "clean"), [
    ("institution_level", " 高职专科 ", "高职专科"),
    ("institution_level", "高职专科\u3000", "高职专科"),  # full-width (ideographic) space
    ("institution_level", "职业 本科", "职业本科"),
    ("cooperation_type", "订 单 班", "订单班"),
    ("cooperation_type", "现代\t学徒制", "现代学徒制"),
    ("comparison", "＞＝", ">="),  # full-width → half-width
    ("comparison", "> =", ">="),
])
def test_enum_close_variants_are_normalised(name, raw, clean):
    assert v.enum(name)(raw) == clean


@pytest.mark.parametrize(("name", "raw", "clean"), [
    ("institution_level", "专科", "高职专科"), ("institution_level", "高职", "高职专科"),
    ("institution_level", "职教本科", "职业本科"), ("institution_level", "技工学校", "技工"),
    ("major_level", "普通本科", "本科"), ("ownership", "公立", "公办"), ("ownership", "私立", "民办"),
    ("education_level", "硕士", "研究生"), ("member_role", "牵头单位", "牵头"), ("comparison", "≥", ">="),
    ("comparison", "=", "=="),
])
def test_enum_synonyms(name, raw, clean):
    # a synonym is mapped to its canonical term with a warning (vocabularies.csv)
    got = v.enum(name)(raw)
    assert isinstance(got, v.Repaired)
    assert (got.value, got.code) == (clean, "synonym")
    assert f"「{raw}」按「{clean}」处理" in got.warning


@pytest.mark.parametrize(("name", "raw"), [
    ("institution_level", "大学"), ("iei_level", "国家示范"), ("policy_status", "有 效 期"),
])
def test_enum_invalid_lists_the_allowed_values(name, raw):
    # counted fields (a measure counts their values): an unknown word is an error
    e = invalid(v.enum(name), raw)
    assert e.code == "enum"
    assert e.problem.startswith(f"'{raw}' 不是允许的取值")
    assert e.fix.startswith("可选值：" + "、".join(ENUMS[name]))


# ----------------------------------------------------------------------------------------- 文号
@pytest.mark.parametrize("raw", [
    "发改社会〔2019〕1558号", "发改社会[2019]1558号", "发改社会(2019)1558号", "发改社会（2019）1558号",
    "发改社会［2019］1558号", "发改社会【2019】1558号", "发改社会 〔2019〕 1558号", " 发改社会〔2019〕1558 号 ",
    "发改社会〔2019〕01558号",
])
def test_docnum_brackets_and_spaces_are_normalised(raw):
    assert v.docnum(raw) == "发改社会〔2019〕1558号"


def test_docnum_keeps_a_provincial_prefix():
    assert v.docnum("豫发改社会[2022]646号") == "豫发改社会〔2022〕646号"


def test_docnum_missing_bracket_of_the_notice_is_repaired_with_a_warning():
    r = v.docnum("发改社会〔20191558号")
    assert isinstance(r, Repaired)
    assert r.value == "发改社会〔2019〕1558号"
    assert r.code == "docnum_repaired"
    assert "发改社会〔20191558号" in r.warning and "发改社会〔2019〕1558号" in r.warning


@pytest.mark.parametrize("raw", ["发改社会2019〕1558号", "发改社会20191558号"])
def test_docnum_other_missing_brackets_are_repaired(raw):
    r = v.docnum(raw)
    assert isinstance(r, Repaired)
    assert r.value == "发改社会〔2019〕1558号"


@pytest.mark.parametrize("raw", ["关于开展试点的通知", "1558号", "发改社会〔2019〕", "豫发改社会〔22〕646号", "ABC"])
def test_docnum_garbage_is_invalid(raw):
    e = invalid(v.docnum, raw)
    assert e.code == "invalid"
    assert e.problem == f"'{raw}' 不像文号 (应为 机关代字〔年份〕序号号)"


# ---------------------------------------------------------------------------------------- dates
@pytest.mark.parametrize(("raw", "clean"), [
    ("2022-07-29", "2022-07-29"), ("2022/7/29", "2022-07-29"), ("2022.7.29", "2022-07-29"),
    ("2022年7月29日", "2022-07-29"), ("2022-07-29 00:00:00", "2022-07-29"), ("2022-07", "2022-07"),
    ("2022年7月", "2022-07"), ("2022", "2022"), ("2022年", "2022"), ("２０２２－０７－２９", "2022-07-29"),
])
def test_date_valid(raw, clean):
    assert v.date(raw) == clean


@pytest.mark.parametrize("raw", ["2022-13-01", "2022-07-32", "29/07/2022", "七月", "1800", "2022-00"])
def test_date_invalid(raw):
    e = invalid(v.date, raw)
    assert e.problem == f"日期格式无法识别：'{raw}'"


# ------------------------------------------------------------------------------------------ text
def test_text_is_stripped():
    assert v.text("  开封职业学院 ") == "开封职业学院"


# ------------------------------------------------------------------------------------------ lists
@pytest.mark.parametrize("raw", ["36;65;651", "36；65；651", "36、65、651", "36; 65 ；651", "36;;65、651;", "36;65;651.0"])
def test_list_separators(raw):
    assert parser_for("list:industry_code")(raw) == ["36", "65", "651"]


def test_list_of_text():
    assert parser_for("list:text")("河南省发展和改革委员会；河南省教育厅、河南省财政厅") == [
        "河南省发展和改革委员会", "河南省教育厅", "河南省财政厅"]


def test_list_with_one_bad_item_is_invalid():
    e = invalid(parser_for("list:industry_code"), "36;U;65")
    assert "'U'" in e.problem


def test_list_with_a_repaired_item_is_repaired_as_a_whole():
    r = parser_for("list:docnum")("豫发改社会〔2022〕646号；发改社会〔20191558号")
    assert isinstance(r, Repaired)
    assert r.value == ["豫发改社会〔2022〕646号", "发改社会〔2019〕1558号"]
    assert "发改社会〔20191558号" in r.warning
    r = parser_for("list:city_code")("410100、410200000000")
    assert isinstance(r, Repaired)
    assert r.value == ["410100", "410200"]


def test_parser_for_kinds():
    assert parser_for("enum:ownership")("公办") == "公办"
    assert parser_for("list:id")("S1、S2") == ["S1", "S2"]
    with pytest.raises(KeyError):
        parser_for("nonsense")


def test_double_percent_sign_is_an_error() -> None:
    from iekg.loaders.values import Invalid, rate

    with pytest.raises(Invalid):
        rate("85%%")


@pytest.mark.parametrize("raw,length", [("91350100M000100Y4", 17), ("91350100M000100Y433", 19)])
def test_credit_code_with_a_character_too_few_or_many_warns(raw: str, length: int) -> None:
    from iekg.loaders.values import Repaired, ent_id

    got = ent_id(raw)
    assert isinstance(got, Repaired) and got.value == raw and got.code == "uscc_length"
    assert f"有 {length} 位" in got.warning


def test_own_id_that_cannot_be_a_credit_code_is_silent() -> None:
    from iekg.loaders.values import ent_id

    assert ent_id("DEMO-410100-E0001") == "DEMO-410100-E0001"

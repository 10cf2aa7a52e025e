"""The seed notice 豫发改社会〔2022〕646号 parsed into policies, targets and tasks, and the shipped CSVs."""

from __future__ import annotations

from pathlib import Path

import pytest

from iekg.loaders.notice import (
    NOTICE_CSV_FILES,
    REFERENCE_DIR,
    NoticeFormatError,
    notice_tables,
    parse_notice,
    parse_notice_text,
    read_notice_csvs,
    write_notice_csvs,
)
from iekg.loaders.source import DOCUMENT, SourceTable
from iekg.loaders.tables import TABLES

DOC = "豫发改社会〔2022〕646号"
TITLE = "关于开展省级产教融合型城市建设试点遴选工作的通知"
CITE = "河南省发展改革委等六部门 豫发改社会〔2022〕646号 (2022-07-29)"
ISSUERS = [
    "河南省发展和改革委员会", "河南省教育厅", "河南省工业和信息化厅", "河南省财政厅",
    "河南省人力资源和社会保障厅", "河南省国有资产监督管理委员会",
]
TASK_TITLES = [
    "完善产教融合发展规划和资源布局",
    "探索办学体制机制改革",
    "推进产教融合校企合作人才培养改革",
    "降低校企双方合作的制度性交易成本",
    "创新产教融合重大平台载体建设",
    "探索产教融合深度发展体制机制创新",
]
OUTLINE = [
    "试点建设的背景和基础", "试点建设目标", "通过试点重点解决的问题", "主要试点任务和改革举措",
    "市域内试点建设培育产教融合型行业和企业的举措", "产教融合重大平台载体项目建设方案", "试点支持政策",
    "加强组织实施的主要举措",
]
# metric -> (comparison, value, unit, deadline, kind, any_of, text)
TARGETS = {
    "policy_framework": (">=", "1", "项", "2025", "target", "", "构建完善的深化产教融合发展政策框架体系"),
    "key_zones": (">=", "1", "个", "2025", "target", "", "培育打造若干个产教融合重点区域"),
    "integration_industries": (">=", "2", "个", "2025", "target", "",
                               "围绕全省和本地重点产业打造2个以上产教融合型行业"),
    "provincial_iei_enterprises": (">=", "20", "个", "2025", "target", "", "培育20个左右省级产教融合型企业"),
    "high_level_training_bases": (">=", "3", "个", "2025", "target", "",
                                  "建设3个左右高水平产教融合实验实训基地"),
    "leading_institutions": (">=", "1", "所", "2025", "target", "G-646-1",
                             "至少新培育1所院校或2-3个专业(群)进入全省领先行列"),
    "leading_majors": (">=", "2", "个", "2025", "target", "G-646-1",
                       "至少新培育1所院校或2-3个专业(群)进入全省领先行列"),
    "condition_major_industry_relevance": (">=", "0.6", "SAI", "", "condition", "",
                                           "本地院校专业(群)与本地产业关联度高"),
    "condition_graduate_employment": (">=", "0.9", "比率", "", "condition", "", "毕业生就业质量高"),
    "condition_iei_cultivation_list": (">=", "1", "家", "", "condition", "G-646-2",
                                       "本地已有一定数量的企业进入省级产教融合型企业培育名单"),
    "condition_training_platforms": (">=", "1", "个", "", "condition", "G-646-2",
                                     "已建有一批产教融合实训平台载体"),
    "condition_policies_since_2016": (">=", "1", "项", "", "condition", "",
                                      "“十三五”以来,本地制定出台过推动产教融合发展的支持政策且已贯彻落实"),
}


def _by_name(tables: list[SourceTable]) -> dict[str, SourceTable]:
    return {t.table: t for t in tables}


@pytest.fixture(scope="module")
def parsed(seed_notice: Path) -> dict[str, SourceTable]:
    return _by_name(parse_notice(seed_notice))


@pytest.fixture(scope="module")
def seed_lines(seed_notice: Path) -> list[str]:
    return seed_notice.read_text(encoding="utf-8").split("\n")


def _summary(tables: dict[str, SourceTable]) -> dict[str, list[dict[str, str]]]:
    return {name: [r.values for r in t.rows] for name, t in tables.items()}


# ------------------------------------------------------------------------------------------ policies
def test_tables_and_provenance(parsed: dict[str, SourceTable], seed_notice: Path) -> None:
    assert list(parsed) == ["policies", "targets", "tasks"]
    for t in parsed.values():
        assert t.kind == DOCUMENT
        assert t.cite == CITE
        assert t.file == str(seed_notice)
        keys = [c.key for c in TABLES[t.table].columns] + t.extra + ["source"]
        for r in t.rows:
            assert list(r.values) == keys
            assert r.values["source"] == f"{CITE}, line {r.line}"
    assert parsed["policies"].extra == ["published", "index_number", "office", "recipients",
                                        "attachment_formats", "outline", "note"]
    assert parsed["targets"].extra == ["kind", "any_of", "note"]
    assert parsed["tasks"].extra == []


def test_notice_policy(parsed: dict[str, SourceTable]) -> None:
    row = parsed["policies"].rows[0]
    v = row.values
    assert row.line == 5
    assert v["doc_number"] == DOC
    assert v["title"] == TITLE
    assert v["issuer"].split(";") == ISSUERS
    assert v["level"] == "省级"
    assert v["date"] == "2022-07-29"
    assert v["status"] == "有效"
    # As printed: both cited 文号 lack the closing 〕 in the source text.
    assert v["cites"] == "发改社会〔20191558号;豫政办〔201847号"
    assert v["published"] == "2022-08-01"
    assert v["index_number"] == "10010-0100-2022-00022"
    assert v["office"] == "社会发展处"
    assert v["recipients"] == ("各省辖市、济源示范区发展改革委、教育局、工业和信息化局、财政局、"
                               "人力资源社会保障局、国有资产监督管理委员会")
    assert v["attachment_formats"] == (
        "附件1 产教融合改革问题清单: 序号/主要问题/解决时限 | "
        "附件2 产教融合试点政策清单: 序号/政策内容/责任部门/完成时限")
    assert v["outline"].split(";") == OUTLINE
    assert "成文日期" in v["note"] and "87" in v["note"]
    assert v["city_code"] == v["kinds"] == v["supports"] == ""


def test_cited_policies(parsed: dict[str, SourceTable]) -> None:
    rows = parsed["policies"].rows[1:]
    assert [(r.line, r.values["doc_number"], r.values["title"], r.values["issuer"], r.values["level"])
            for r in rows] == [
        (24, "发改社会〔20191558号", "关于印发国家产教融合建设试点实施方案的通知", "国家发展改革委等6部委", "国家级"),
        (24, "豫政办〔201847号", "河南省人民政府办公厅关于深化产教融合的实施意见", "河南省人民政府办公厅", "省级"),
    ]
    for r in rows:
        assert "按原文照录" in r.values["note"]
        assert r.values["date"] == r.values["status"] == r.values["cites"] == ""


# ------------------------------------------------------------------------------------------- targets
def test_targets(parsed: dict[str, SourceTable]) -> None:
    rows = parsed["targets"].rows
    assert [r.values["id"] for r in rows] == [f"T-646-{i:02d}" for i in range(1, 13)]
    got = {r.values["metric"]: (r.values["comparison"], r.values["value"], r.values["unit"],
                                r.values["deadline"], r.values["kind"], r.values["any_of"], r.values["text"])
           for r in rows}
    assert got == TARGETS
    assert [r.values["metric"] for r in rows] == list(TARGETS)
    assert {r.values["doc_number"] for r in rows} == {DOC}
    assert all(r.values["name"] for r in rows)


def test_target_lines_and_text_as_printed(parsed: dict[str, SourceTable], seed_lines: list[str]) -> None:
    lines = {r.values["metric"]: r.line for r in parsed["targets"].rows}
    assert {lines[m] for m in TARGETS if TARGETS[m][4] == "target"} == {32}
    assert lines["condition_major_industry_relevance"] == lines["condition_graduate_employment"] == 38
    assert lines["condition_iei_cultivation_list"] == lines["condition_training_platforms"] == 40
    assert lines["condition_policies_since_2016"] == 42
    for r in parsed["targets"].rows:
        assert r.values["text"] in seed_lines[r.line - 1]


def test_interpretations_are_noted(parsed: dict[str, SourceTable]) -> None:
    notes = {r.values["metric"]: r.values["note"] for r in parsed["targets"].rows}
    assert "近似" in notes["policy_framework"]
    assert "若干" in notes["key_zones"]
    assert "左右" in notes["provincial_iei_enterprises"]
    assert "左右" in notes["high_level_training_bases"]
    assert "或" in notes["leading_institutions"] and "2-3" in notes["leading_majors"]
    assert all(notes[m] for m in TARGETS if m.startswith("condition_"))


# --------------------------------------------------------------------------------------------- tasks
def test_tasks(parsed: dict[str, SourceTable], seed_lines: list[str]) -> None:
    rows = parsed["tasks"].rows
    assert [r.values["id"] for r in rows] == [f"TASK-646-{i}" for i in range(1, 7)]
    assert [r.values["seq"] for r in rows] == [str(i) for i in range(1, 7)]
    assert [r.values["title"] for r in rows] == TASK_TITLES
    assert [r.line for r in rows] == [46, 48, 50, 52, 54, 56]
    for r in rows:
        assert r.values["doc_number"] == DOC
        assert r.values["text"] == seed_lines[r.line - 1].strip()
    assert "产教融合信息服务平台" in rows[3].values["text"]


# -------------------------------------------------------------------------------------- shipped CSVs
def test_shipped_csvs_equal_the_parse(parsed: dict[str, SourceTable]) -> None:
    shipped = _by_name(read_notice_csvs())
    assert list(shipped) == list(parsed)
    assert _summary(shipped) == _summary(parsed)
    for name, t in shipped.items():
        assert t.kind == DOCUMENT
        assert t.cite == CITE
        assert t.extra == parsed[name].extra
        assert t.file == str(REFERENCE_DIR / NOTICE_CSV_FILES[name])
        assert [r.line for r in t.rows] == list(range(2, len(t.rows) + 2))


def test_csv_round_trip(parsed: dict[str, SourceTable], tmp_path: Path) -> None:
    write_notice_csvs(list(parsed.values()), tmp_path)
    header = (tmp_path / "notice_targets.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "id,doc_number,metric,name,comparison,value,unit,deadline,text,kind,any_of,note,source"
    assert _summary(_by_name(read_notice_csvs(tmp_path))) == _summary(parsed)


def test_notice_tables_falls_back_to_shipped(parsed: dict[str, SourceTable], tmp_path: Path,
                                             seed_notice: Path) -> None:
    assert _summary(_by_name(notice_tables(tmp_path / "absent.txt"))) == _summary(parsed)
    assert _summary(_by_name(notice_tables(None))) == _summary(parsed)
    assert notice_tables(seed_notice)[0].file == str(seed_notice)


# ---------------------------------------------------------------------------------------- robustness
def _parse_variant(text: str) -> dict[str, SourceTable]:
    return _by_name(parse_notice_text(text, file="variant.txt"))


def _essentials(tables: dict[str, SourceTable]) -> tuple:
    from iekg.loaders.notice import _norm  # the parser's own width normalisation

    p = tables["policies"].rows[0].values
    return (
        _norm(p["doc_number"]), _norm(p["title"]), p["issuer"], p["date"], _norm(p["cites"]),
        p["published"], p["outline"],
        [(r.values["metric"], r.values["comparison"], r.values["value"], r.values["any_of"],
          _norm(r.values["text"]).replace(" ", "")) for r in tables["targets"].rows],
        [(r.values["id"], _norm(r.values["title"])) for r in tables["tasks"].rows],
    )


def test_full_width_crlf_bom_and_gb18030(parsed: dict[str, SourceTable], seed_notice: Path,
                                         tmp_path: Path) -> None:
    text = seed_notice.read_text(encoding="utf-8")
    full = text.translate({ord(a): b for a, b in zip("():,-", "（）：，－", strict=True)})
    digits = full.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    want = _essentials(parsed)
    assert _essentials(_parse_variant(full)) == want
    assert _essentials(_parse_variant(digits)) == want
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"\xef\xbb\xbf" + full.replace("\n", "\r\n").encode("utf-8"))
    assert _essentials(_by_name(parse_notice(crlf))) == want
    assert [r.line for r in parse_notice(crlf)[2].rows] == [46, 48, 50, 52, 54, 56]
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(text.encode("gb18030"))
    assert _summary(_by_name(parse_notice(gbk))) == _summary(parsed)


def test_blank_lines_and_wrapped_paragraphs(parsed: dict[str, SourceTable], seed_notice: Path) -> None:
    text = seed_notice.read_text(encoding="utf-8")
    want = _essentials(parsed)
    no_blanks = "\n".join(ln for ln in text.split("\n") if ln.strip())
    assert _essentials(_parse_variant(no_blanks)) == want
    many_blanks = text.replace("\n", "\n\n \n")
    assert _essentials(_parse_variant(many_blanks)) == want
    # Hard-wrap every long line at 17 characters (a phrase such as 2个以上 gets cut).
    wrapped_lines = []
    for ln in text.split("\n"):
        if len(ln) > 40:
            wrapped_lines += [ln[i:i + 17] for i in range(0, len(ln), 17)]
        else:
            wrapped_lines.append(ln)
    wrapped_text = "\n".join(wrapped_lines)
    wrapped = _parse_variant(wrapped_text)
    assert _essentials(wrapped) == want
    lines = wrapped_text.split("\n")
    for r in wrapped["targets"].rows:  # the line of a row is where its phrase starts
        line, phrase = lines[r.line - 1].strip(), r.values["text"]
        assert phrase in line or any(phrase.startswith(line[k:]) for k in range(len(line))), (phrase, line)


def test_heading_without_numeral_or_separator(parsed: dict[str, SourceTable], seed_notice: Path) -> None:
    text = seed_notice.read_text(encoding="utf-8")
    assert "\n、试点任务\n" in text  # the dump lost the 四
    assert _essentials(_parse_variant(text.replace("\n、试点任务\n", "\n试点任务\n"))) == _essentials(parsed)
    assert _essentials(_parse_variant(text.replace("\n、试点任务\n", "\n四、试点任务\n"))) == _essentials(parsed)


# -------------------------------------------------------------------------------------------- errors
def test_not_the_notice(tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("关于做好2023年普通高校招生工作的通知\n\n各有关高校:\n\n现将有关事项通知如下。\n",
                     encoding="utf-8")
    with pytest.raises(NoticeFormatError) as e:
        parse_notice(other)
    msg = str(e.value)
    assert str(other) in msg and "does not look like the notice" in msg
    assert "文号" in msg and "试点目标" in msg and "试点任务" in msg and "signature" in msg


def test_empty_and_binary_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(NoticeFormatError, match="empty"):
        parse_notice(empty)
    binary = tmp_path / "x.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00")
    with pytest.raises(NoticeFormatError, match="binary"):
        parse_notice(binary)


def test_truncated_notice_names_what_is_missing(seed_notice: Path) -> None:
    text = seed_notice.read_text(encoding="utf-8")
    cut = text[:text.index("、试点任务")]
    with pytest.raises(NoticeFormatError) as e:
        parse_notice_text(cut, file="cut.txt")
    assert "试点任务" in str(e.value) and "signature" in str(e.value)
    no_target = text.replace("培育20个左右省级产教融合型企业,", "")
    with pytest.raises(NoticeFormatError, match="省级产教融合型企业"):
        parse_notice_text(no_target, file="edited.txt")

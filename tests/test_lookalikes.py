"""Look-alikes (issue 18, item 6): invisible characters, over-long cells, password-protected and old workbooks.

- An id with a zero-width space (``Z\\u200b-ZWID``) looks like ``Z-ZWID``: the invisible character is removed
  with a warning that shows it (``Z<U+200B>-ZWID``), so both are one entity — in every table, for every
  reader (CSV read whole or lazily, XLSX).
- A cell far longer than any real id or name is refused with its length, the limit and the setting that
  raises it; nothing is written.
- A password-protected workbook (an OLE2 compound file with ``EncryptionInfo``/``EncryptedPackage``) and an
  old ``.xls`` (OLE2 with a ``Workbook`` stream) each get their own message and fix, told by their bytes
  whatever their name ends with; an ``.xls`` in a folder is never passed over in silence.

Every import goes through the real CLI into a home that already holds a small graph.
"""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from iekg import service
from iekg.cli import app
from iekg.loaders import limits, readers, textrules
from iekg.loaders.report import Report
from iekg.loaders.source import LazyRows
from iekg.loaders.values import INVISIBLE, drop_invisible
from iekg.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "lookalikes"
PASSWORD_XLSX = FIXTURES / "institutions_password.xlsx"  # password "iekg" (see the README there)
OLD_XLS = FIXTURES / "institutions_old.xls"

SMALL = {
    "cities.csv": "行政区划代码,名称,省级代码\n410000,河南省,\n410200,开封市,410000\n",
    "industries.csv": "行业代码,行业名称,上级代码\nC,制造业,\n36,汽车制造业,C\n",
    "institutions.csv": "学校标识码,学校名称,所在城市代码,办学层次,举办性质\n4141010842,开封职业学院,410200,高职专科,公办\n",
}
ENT_HEADER = "统一社会信用代码,企业名称,所在城市代码,行业代码\n"
INST_HEADER = "学校标识码,学校名称,所在城市代码,办学层次\n"
ZWSP = "\u200b"


# ----------------------------------------------------------------------------------------------- helpers
def iekg(home: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--home", str(home), *args])


def snapshot(home: Path) -> dict[str, Any]:
    return service.open_store(Settings(home=home)).snapshot()


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    res = iekg(h, "import", str(write(tmp_path / "small", SMALL)), "--format", "json")
    assert res.exit_code == 0, res.output
    return h


def imported(home: Path, *paths: Path, command: str = "import") -> dict[str, Any]:
    res = iekg(home, command, *map(str, paths), "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def rejected(home: Path, *paths: Path, command: str = "import") -> list[dict[str, Any]]:
    """``iekg import`` (or validate) that must fail: exit 1, no traceback, graph unchanged; the errors."""
    before = snapshot(home)
    res = iekg(home, command, *map(str, paths), "--format", "json")
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    out = json.loads(res.stdout)
    assert out["ok"] is False and out["changed"] is False
    assert snapshot(home) == before
    return [i for i in out["issues"] if i["severity"] == "error"]


def enterprise_ids(home: Path) -> list[str]:
    nodes = snapshot(home)["nodes"]
    return sorted(k.split(":", 1)[1] for k in nodes if k.startswith("Enterprise:"))


def codes(issues: list[dict[str, Any]]) -> list[str]:
    return [i["code"] for i in issues]


# ------------------------------------------------------------------------------------ invisible characters
def test_ids_that_differ_by_a_zero_width_space_are_one_entity(home: Path, tmp_path: Path):
    """Today's bug: ``Z-ZWID`` and ``Z\\u200b-ZWID`` became two enterprises that look the same."""
    folder = write(tmp_path / "in", {
        "enterprises.csv": ENT_HEADER + "Z-ZWID,零宽企业,410200,36\n",
        "more_enterprises.csv": ENT_HEADER + f"Z{ZWSP}-ZWID,零宽企业,410200,36\n",
        # a BOM inside the text and a soft hyphen: the same id again
        "cooperations.csv": "学校标识码,统一社会信用代码,合作类型\n4141010842,\ufeffZ-ZWID\u00ad,订单班\n",
    })
    checked = imported(home, folder, command="validate")
    out = imported(home, folder)
    for report in (checked, out):
        warned = [i for i in report["issues"] if i["code"] == "invisible_char"]
        assert [(Path(i["file"]).name, i["row"], i["column"], i["value"], i["repaired"]) for i in warned] == [
            ("cooperations.csv", 2, "统一社会信用代码", "<U+FEFF>Z-ZWID<U+00AD>", "Z-ZWID"),
            ("more_enterprises.csv", 2, "统一社会信用代码", "Z<U+200B>-ZWID", "Z-ZWID"),
        ]
        assert all(i["severity"] == "warning" and i["fix"] for i in warned)
        assert "U+200B" in warned[1]["message"] and "零宽空格" in warned[1]["message"]
        assert "U+FEFF" in warned[0]["message"] and "U+00AD" in warned[0]["message"]
    assert enterprise_ids(home) == ["Z-ZWID"]
    rels = snapshot(home)["rels"]
    assert "COOPERATES_WITH|Institution:4141010842|Enterprise:Z-ZWID|type=订单班" in rels
    assert not any(ZWSP in r or "\ufeff" in r or "\u00ad" in r for r in rels)


def test_the_same_id_twice_in_one_table_is_a_duplicate(home: Path, tmp_path: Path):
    """Once the invisible character is gone, two rows with the same-looking id are the same id: the usual
    duplicate error names the first row."""
    folder = write(tmp_path / "in", {"enterprises.csv": ENT_HEADER + "Z-ZWID,甲,410200,36\n"
                                                                      f"Z{ZWSP}-ZWID,乙,410200,36\n"})
    issues = rejected(home, folder)
    assert codes(issues) == ["duplicate"] and issues[0]["row"] == 3 and "第 2 行" in issues[0]["message"]


def test_names_and_every_other_cell_lose_invisible_characters(home: Path, tmp_path: Path):
    """Not only ids: a name (word joiner), a code (zero-width joiner) and an extra column, in an XLSX too."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "institutions"
    ws.append(["学校标识码", "学校名称", "所在城市代码", "办学层次", "备注"])
    ws.append(["4141019999", "开封\u2060文化艺术职业学院", "4102\u200d00", "高职专科", "新\u200c校区"])
    wb.save(tmp_path / "schools.xlsx")
    out = imported(home, tmp_path / "schools.xlsx")
    warned = [(i["column"], i["value"], i["sheet"]) for i in out["issues"] if i["code"] == "invisible_char"]
    assert warned == [("学校名称", "开封<U+2060>文化艺术职业学院", "institutions"),
                      ("所在城市代码", "4102<U+200D>00", "institutions"), ("备注", "新<U+200C>校区", "institutions")]
    node = service.open_store(Settings(home=home)).get("Institution:4141019999")
    assert node is not None and node.props["name"] == "开封文化艺术职业学院" and node.props["备注"] == "新校区"
    assert "LOCATED_IN|Institution:4141019999|City:410200" in snapshot(home)["rels"]


def test_a_cell_of_only_invisible_characters_is_empty(home: Path, tmp_path: Path):
    folder = write(tmp_path / "in", {"institutions.csv": INST_HEADER + f"4141019999,{ZWSP}{ZWSP},410200,高职专科\n"})
    issues = rejected(home, folder)
    assert codes(issues) == ["required"] and issues[0]["column"] == "学校名称"


def test_the_lazy_csv_path_catches_them_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``iekg build`` reads a big CSV lazily and re-checks only the rows ``textrules.suspicious`` flags."""
    monkeypatch.setattr(readers, "LAZY_CHARS", 10)
    folder = write(tmp_path / "in", {"enterprises.csv": ENT_HEADER + "A-1,甲,410200,36\n"
                                                                      f"Z{ZWSP}-ZWID,乙,410200,36\n"})
    report = Report()
    (st,) = readers.read_paths([folder], report, lazy=True)
    assert isinstance(st.rows, LazyRows)
    assert [(i.code, i.row, i.value) for i in report.issues] == [("invisible_char", 3, "Z<U+200B>-ZWID")]
    for _ in range(2):  # every reading of the rows gives the repaired value, and reports nothing again
        assert [r.values["id"] for r in st.rows] == ["A-1", "Z-ZWID"]
    assert len(report.issues) == 1


def test_every_format_character_is_removed_or_refused():
    """Each character of Unicode category Cf is either removed with a warning (INVISIBLE) or refused as a
    control character (the bidirectional overrides and isolates); ``suspicious`` sees all of them."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if unicodedata.category(ch) == "Cf":
            assert INVISIBLE.fullmatch(ch) or textrules._CONTROL.fullmatch(ch), f"U+{cp:04X}"
            assert textrules.suspicious(f"Z{ch}-ZWID"), f"U+{cp:04X}"
    assert not INVISIBLE.search("Z-ZWID 开封 ０１ＡＢ\u3000\u00a0é\ufe0f")  # visible text, spaces and selectors stay
    assert drop_invisible("Z\u200b-\u2060ZW\u00adID\ufeff") == "Z-ZWID"
    assert textrules.show_invisible("Z\u200b-ZWID") == "Z<U+200B>-ZWID"


def test_a_header_with_a_zero_width_space_is_still_the_column(home: Path, tmp_path: Path):
    folder = write(tmp_path / "in", {"institutions.csv": INST_HEADER.replace("学校名称", f"学校{ZWSP}名称")
                                     + "4141019999,开封文化艺术职业学院,410200,高职专科\n"})
    imported(home, folder)
    node = service.open_store(Settings(home=home)).get("Institution:4141019999")
    assert node is not None and node.props["name"] == "开封文化艺术职业学院"


# ------------------------------------------------------------------------------------------ over-long cells
def test_an_over_long_name_is_refused_with_its_length(home: Path, tmp_path: Path):
    folder = write(tmp_path / "in", {"institutions.csv": INST_HEADER + "4141019999," + "开" * 5000 + ",410200,高职专科\n"})
    for command in ("validate", "import"):
        issues = rejected(home, folder, command=command)
        assert codes(issues) == ["cell_too_long"], issues
        (i,) = issues
        assert (Path(i["file"]).name, i["row"], i["column"]) == ("institutions.csv", 2, "学校名称")
        assert "5,000" in i["message"] and "500" in i["message"]
        assert "IEKG_MAX_NAME_CHARS" in i["fix"] and len(i["value"]) < 50


def test_an_over_long_id_gets_one_error(home: Path, tmp_path: Path):
    """The length error only: not also "不是 10 位数字" with the whole cell in the message."""
    folder = write(tmp_path / "in", {"enterprises.csv": ENT_HEADER + "E" * 800 + ",甲,410200,36\n"})
    issues = rejected(home, folder)
    assert codes(issues) == ["cell_too_long"] and issues[0]["column"] == "统一社会信用代码"
    assert "800" in issues[0]["message"]


def test_an_id_over_its_own_rule_says_its_length(home: Path, tmp_path: Path):
    folder = write(tmp_path / "in", {"enterprises.csv": ENT_HEADER + "E" * 120 + ",甲,410200,36\n"})
    issues = rejected(home, folder)
    assert codes(issues) == ["invalid"] and "120" in issues[0]["message"] and "100" in issues[0]["message"]


def test_an_over_long_extra_cell_is_refused_and_the_limits_are_settings(home: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch):
    long_note = "备" * 40_000  # longer than Excel allows in one cell
    folder = write(tmp_path / "in", {"institutions.csv": INST_HEADER.replace("\n", ",备注\n")
                                     + "4141019999,开封文化艺术职业学院,410200,高职专科," + long_note + "\n"})
    issues = rejected(home, folder)
    assert codes(issues) == ["cell_too_long"] and issues[0]["column"] == "备注"
    assert "40,000" in issues[0]["message"] and "32,767" in issues[0]["message"]
    assert "IEKG_MAX_CELL_CHARS" in issues[0]["fix"]
    monkeypatch.setenv("IEKG_MAX_CELL_CHARS", "50000")
    imported(home, folder)
    node = service.open_store(Settings(home=home)).get("Institution:4141019999")
    assert node is not None and node.props["备注"] == long_note


def test_the_name_limit_is_a_setting(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = write(tmp_path / "in", {"institutions.csv": INST_HEADER + "4141019999,开封" + "文" * 30 + ",410200,高职专科\n"})
    monkeypatch.setenv("IEKG_MAX_NAME_CHARS", "20")
    issues = rejected(home, folder)
    assert codes(issues) == ["cell_too_long"] and "32" in issues[0]["message"] and "20" in issues[0]["message"]
    monkeypatch.setenv("IEKG_MAX_NAME_CHARS", "40")
    imported(home, folder)


def test_long_text_fields_keep_their_room(home: Path, tmp_path: Path):
    """A multi-line field (政策内容) is held to the cell limit, not the name limit."""
    content = "推进产教融合。" * 300  # 2,100 characters
    folder = write(tmp_path / "in", {"measures.csv": "城市代码,序号,政策内容,责任部门\n410200,1," + content + ",市发展改革委\n"})
    out = imported(home, folder)
    assert not [i for i in out["issues"] if i["code"] == "cell_too_long"]
    assert textrules.one_line("institutions", "name") and textrules.one_line("enterprises", "id")
    assert not textrules.one_line("measures", "content") and not textrules.one_line("measures", "agency")
    assert not textrules.one_line("institutions", "备注")


# --------------------------------------------------------------------------- password-protected and .xls
def copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


PASSWORD = ("password_protected", "工作簿设置了打开密码", "用密码进行加密")
XLS = ("xls", ".xls", "另存为")


def assert_one(issues: list[dict[str, Any]], expected: tuple[str, str, str], name: str) -> None:
    code, words, fix = expected
    assert codes(issues) == [code], issues
    assert words in issues[0]["message"] and fix in issues[0]["fix"] and Path(issues[0]["file"]).name == name


@pytest.mark.parametrize("name", ["institutions.xlsx", "institutions.xls", "学校.xlsx"])
def test_a_password_protected_workbook_says_so(home: Path, tmp_path: Path, name: str):
    f = copy(PASSWORD_XLSX, tmp_path / "in" / name)
    assert_one(rejected(home, f), PASSWORD, name)
    assert_one(rejected(home, f.parent, command="validate"), PASSWORD, name)  # in a folder, by validate


@pytest.mark.parametrize("name", ["institutions.xls", "institutions.xlsx", "old.xls"])
def test_an_old_xls_says_so(home: Path, tmp_path: Path, name: str):
    """A real .xls, also named .xlsx; given itself or in a folder (never passed over in silence)."""
    f = copy(OLD_XLS, tmp_path / "in" / name)
    assert_one(rejected(home, f), XLS, name)
    write(f.parent, {"cities.csv": SMALL["cities.csv"]})
    issues = rejected(home, f.parent)
    assert_one(issues, XLS, name)
    assert "xlsx" in issues[0]["fix"]


def test_a_real_xlsx_named_xls_is_read(home: Path, tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "institutions"
    ws.append(INST_HEADER.strip().split(","))
    ws.append(["4141019999", "开封文化艺术职业学院", "410200", "高职专科"])
    wb.save(tmp_path / "x.xlsx")
    f = copy(tmp_path / "x.xlsx", tmp_path / "in" / "schools.xls")
    imported(home, f)
    assert service.open_store(Settings(home=home)).get("Institution:4141019999") is not None


def test_an_empty_folder_names_only_what_is_read(home: Path, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    (issue,) = rejected(home, tmp_path / "empty")
    assert issue["code"] == "empty_folder" and ".xls " not in issue["message"] and ".xls、" not in issue["message"]
    assert ".csv" in issue["message"] and ".xlsx" in issue["message"]


def test_ole_kind_by_the_bytes(public_dir: Path):
    assert limits.ole_kind(PASSWORD_XLSX.read_bytes()) == "encrypted"
    assert limits.ole_kind(OLD_XLS.read_bytes()) == "xls"
    assert limits.ole_kind((public_dir / "moe_hei_list_2025.xls").read_bytes()) == "xls"  # WPS-saved
    assert limits.ole_kind(b"PK\x03\x04" + bytes(100)) is None
    # a damaged compound file: its directory cannot be followed, the stream names are still found
    magic = limits.OLE_MAGIC
    assert limits.ole_kind(magic + bytes(200) + "EncryptedPackage\0".encode("utf-16-le")) == "encrypted"
    assert limits.ole_kind(magic + bytes(200) + "Workbook\0".encode("utf-16-le")) == "xls"
    assert limits.ole_kind(magic + bytes(600)) == "ole"


def test_the_official_xls_list_is_still_read(home: Path, public_dir: Path):
    """The MOE list's own .xls format is an official list, not a template: read as before."""
    from iekg.loaders import official

    f = public_dir / "moe_hei_list_2025.xls"
    assert official.detect_official(f) == official.MOE_HEI_LIST
    report = Report()
    tables = readers.read_paths([f], report, kind="public")
    assert report.ok and tables and sum(len(st.rows) for st in tables) > 100  # (Henan by default)

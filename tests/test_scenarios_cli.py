"""``iekg scenario``: new, add (options and a table of changes in GB18030), show, compare, list, delete."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import demo_copy
from typer.testing import CliRunner

from iekg.cli import app


def run(home: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env={"IEKG_HOME": str(home)})


def test_the_scenario_commands(demo_graph: Path, tmp_path: Path) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    assert run(home, "scenario", "new", "食品", "--city", "410200").exit_code == 0
    r = run(home, "scenario", "add", "食品", "--add-program", "开封大学,食品检验检测技术", "--graduates", "150人",
            "--demand", "开封,13,1,200")
    assert r.exit_code == 0, r.output
    table = tmp_path / "changes.csv"
    table.write_bytes("变动类型,院校,专业,毕业生数（人）\n新增专业点,开封职业学院,490104,150\n".encode("gb18030"))
    r = run(home, "scenario", "add", "食品", "--file", str(table), "--format", "json")
    assert r.exit_code == 0, r.output
    assert [c["kind"] for c in json.loads(r.stdout)["changes"]] == ["add_program", "add_demand", "add_program"]
    bad = run(home, "scenario", "add", "食品", "--add-program", "开封大学,999999", "--graduates", "-1")
    assert bad.exit_code == 1 and "major" in bad.output and "graduates" in bad.output
    r = run(home, "scenario", "show", "食品", "--format", "json")
    ev = json.loads(r.stdout)["evaluation"]
    assert ev["scenario"]["S"] - ev["baseline"]["S"] == 300.0 and ev["scenario"]["D"] - ev["baseline"]["D"] == 1200.0
    out = tmp_path / "s.xlsx"
    assert run(home, "scenario", "show", "食品", "--format", "xlsx", "-o", str(out)).exit_code == 0
    assert out.stat().st_size > 0
    assert "食品" in run(home, "scenario", "list").output
    assert run(home, "scenario", "compare", "食品", "--format", "csv").exit_code == 0
    assert run(home, "scenario", "delete", "食品").exit_code == 0
    assert run(home, "scenario", "show", "食品").exit_code == 1


def test_file_errors_name_the_row_and_notes_keep_their_punctuation(demo_graph: Path, tmp_path: Path) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    assert run(home, "scenario", "new", "文件", "--city", "410200", "--note", "示例（全角）：是").exit_code == 0
    table = tmp_path / "变动.csv"
    table.write_text("变动类型,院校,专业,毕业生数\n\n新增专业点,开封大学,食品检验检测技术,150人\n"
                     "新增专业点,不存在的大学,食品检验检测技术,abc\n", encoding="utf-8")
    r = run(home, "scenario", "add", "文件", "--demand", "开封,13,x", "--file", str(table))
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "第 1 项 headcount「x」" in text  # given by an option: its number
    assert "第 3 项（变动.csv 第 4 行） institution「不存在的大学」" in text  # the blank row 2 counts, as in Excel
    assert "第 3 项（变动.csv 第 4 行） graduates「abc」" in text
    listed = json.loads(run(home, "scenario", "list", "--format", "json").stdout)["scenarios"]
    assert listed[0]["note"] == "示例（全角）：是" and listed[0]["changes"] == 0  # nothing saved


def test_user_text_reaches_the_terminal_as_text(demo_graph: Path, tmp_path: Path) -> None:
    """A note with rich markup and an escape sequence is shown literally, the escape sequence made harmless."""
    home = demo_copy(demo_graph, tmp_path / "home")
    note = "[bold red]不是标记[/bold red] \x1b[31m红"
    assert run(home, "scenario", "new", "文本", "--city", "410200", "--note", note).exit_code == 0
    shown = run(home, "scenario", "show", "文本").output
    assert "[bold red]不是标记[/bold red]" in shown and "\x1b[31m" not in shown

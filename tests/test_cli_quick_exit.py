"""The console script (``iekg.cli.run``) ends a question's process as soon as its answer is out: the output whole, the
exit code the command's, the store closed — and every other command ends as Python ends, its exit handlers run.

Each test runs the console script's function in a fresh interpreter that registers an exit handler first: the
handler's line on stderr shows whether the interpreter was torn down (a question: it must not be)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import demo_copy

from iekg import __version__

# what the installed ``iekg`` script runs, with an exit handler that says it ran
SCRIPT = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("exit handlers ran\\n"))
from iekg.cli import run
sys.argv = ["iekg", *sys.argv[1:]]
run()
"""
HANDLERS_RAN = "exit handlers ran"


def script(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=300)


def test_the_console_script_is_run(repo: Path) -> None:
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    assert 'iekg = "iekg.cli:run"' in text


def test_a_question_ends_at_once_with_its_whole_answer_and_its_store_closed(demo_graph: Path, tmp_path: Path) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    p = script("--home", str(home), "gaps", "--city", "410200", "--format", "json")
    assert p.returncode == 0, p.stderr
    answer = json.loads(p.stdout)  # the whole answer: it parses
    assert answer["scope"] == "410200" and answer["gaps"]
    assert HANDLERS_RAN not in p.stderr
    # the store was closed before: SQLite removes its write-ahead log and shared memory with the last connection
    assert not (home / "graph.sqlite-wal").exists() and not (home / "graph.sqlite-shm").exists()


@pytest.mark.parametrize(("argv", "code", "says"), [
    (("align", "--city", "999999", "--format", "json"), 1, "999999"),  # a city not in the graph: one red line, 1
    (("align", "--city", "410200", "--format", "docx"), 2, "--format"),  # a usage error: 2
])
def test_a_question_keeps_its_exit_code_and_message(demo_graph: Path, tmp_path: Path, argv: tuple[str, ...],
                                                    code: int, says: str) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    p = script("--home", str(home), *argv)
    assert p.returncode == code
    assert says in p.stderr and HANDLERS_RAN not in p.stderr


def test_other_commands_end_as_python_ends() -> None:
    p = script("version")
    assert p.returncode == 0 and p.stdout.strip() == __version__
    assert HANDLERS_RAN in p.stderr

"""A fresh ``iekg`` process imports what its command needs and no more (issue 20: a city's question in a fresh
process within half a second; ``iekg version`` paid 0.35 s of imports before any question).

No clock here: each test runs the console script's ``main()`` in a fresh interpreter and looks at
``sys.modules`` afterwards, so an eager import added back (pandas, the loaders, pydantic-settings in
``iekg.cli`` …) fails it.  The command line still has every command: the theme each command lives in
(``iekg.cli.COMMANDS``, what ``main()`` imports) is checked against the whole app, and help is the same
either way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import demo_copy

# run in a fresh interpreter: iekg's main() with argv, then the modules it imported (JSON on the last line)
PROBE = """
import json, sys
sys.argv = ["iekg", *json.loads(sys.argv[1])]
from iekg.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""
# never needed before the first question (nor by ``version`` or any help)
HEAVY = ("pandas", "numpy", "networkx", "openpyxl", "fastapi", "starlette", "uvicorn", "scipy", "docx", "neo4j")
LOADERS = ("iekg.loaders.pipeline", "iekg.loaders.readers", "iekg.loaders.builder", "iekg.loaders.demorows",
           "iekg.loaders.tables", "iekg.loaders.official", "iekg.loaders.limits", "iekg.service.loading")
START_ONLY = ("pydantic_settings", "iekg.settings", "iekg.graph.store", "iekg.graph.sqlitestore", "iekg.queries",
              "iekg.reports", "iekg.takeaway.convert", "iekg.service.drafting", "iekg.service.stores")


def run(*argv: str) -> tuple[int, str, str, set[str]]:
    """``iekg argv`` through the console script's ``main()``: exit code, stdout, stderr, the modules imported."""
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True,
                       env={**os.environ, "COLUMNS": "120"}, timeout=300)
    out, _, last = p.stdout.rstrip("\n").rpartition("\n")
    probe = json.loads(last)
    return probe["code"], out, p.stderr, set(probe["modules"])


def imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize("argv", [("version",), ("align", "--help"), ("--help",), ("import", "--help")])
def test_start_up_imports_no_data_library_settings_or_loaders(argv: tuple[str, ...]) -> None:
    code, out, _, modules = run(*argv)
    assert code == 0
    assert imported(modules, HEAVY + LOADERS + START_ONLY) == []
    if argv == ("version",):
        from iekg import __version__

        assert out.strip() == __version__
    else:
        assert "Usage: iekg" in out


def test_a_city_question_imports_neither_the_loaders_nor_unneeded_libraries(demo_graph: Path,
                                                                           tmp_path: Path) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    code, out, _, modules = run("--home", str(home), "align", "--city", "410200", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert (answer["scope"], answer["scope_name"], answer["cities"]) == ("410200", "开封市", ["410200"])
    assert {"iekg.cli.analysis", "iekg.queries.alignment", "pandas"} <= modules  # what the answer needs …
    assert imported(modules, LOADERS + ("networkx", "openpyxl", "fastapi", "starlette", "uvicorn", "docx")) == []
    assert imported(modules, ("iekg.cli.data", "iekg.cli.explore", "iekg.cli.plan", "iekg.cli.export")) == []


def test_every_command_is_in_its_theme() -> None:
    """``main()`` imports only ``COMMANDS[<command>]``: the map names every command and group of the app,
    each with the module that adds it."""
    from iekg import cli

    app = cli.app
    found = {c.name or getattr(c.callback, "__name__", ""): getattr(c.callback, "__module__", "")
             for c in app.registered_commands}
    for g in app.registered_groups:
        (module,) = {m.__name__ for m in map(sys.modules.get, [f"iekg.cli.{t}" for t in cli.THEMES])
                     if m is not None and any(v is g.typer_instance for v in vars(m).values())}
        found[g.name] = module
    assert {name: f"iekg.cli.{theme}" for name, theme in cli.COMMANDS.items()} == found
    assert len(found) == 30


def test_commands_keep_the_order_of_the_themes() -> None:
    """``--help`` lists the commands in the order of ``THEMES``, whichever theme module was imported first."""
    from iekg import cli

    order = [c.callback.__module__ for c in cli.app.registered_commands]
    assert order == sorted(order, key=lambda m: cli.THEMES.index(m.rsplit(".", 1)[1]))
    assert [g.name for g in cli.app.registered_groups] == ["viz", "export", "chart", "scenario", "plan"]


@pytest.mark.parametrize(("argv", "command"), [
    (["version"], "version"), (["--home", "/x", "align", "--city", "1"], "align"),
    (["--home=/x", "--lang", "en", "gaps", "--help"], "gaps"), (["--store", "neo4j", "plan", "majors"], "plan"),
    (["--help"], None), (["--store", "neo4j", "--help"], None), (["-x", "align"], None), (["--home"], None), ([], None),
])
def test_the_command_is_read_after_the_apps_options(argv: list[str], command: str | None) -> None:
    from iekg.cli import command_of

    assert command_of(argv) == command


@pytest.mark.parametrize("argv", [("align", "--help"), ("plan", "--help"), ("export", "attachments", "--help"),
                                  ("alignn",), ("--home", "/nowhere", "versio")])
def test_help_and_usage_errors_are_those_of_the_whole_app(argv: tuple[str, ...]) -> None:
    """Only the asked command's theme loaded (``main()``) or every command (``app``): the same output."""
    code, out, err, _ = run(*argv)
    whole = subprocess.run([sys.executable, "-c", "import sys; from iekg.cli import app; sys.argv[0] = 'iekg'; app()",
                            *argv], capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"},
                           timeout=300)
    assert (code, out.rstrip("\n"), err) == (whole.returncode, whole.stdout.rstrip("\n"), whole.stderr)
    assert code == (0 if "--help" in argv else 2)
    assert ("Usage: iekg" in out) if code == 0 else ("No such command" in err)


def test_demo_rows_choices_are_the_services() -> None:
    """``--demo-rows`` spells out the loader's modes (importing them at start-up brought the loaders)."""
    from iekg import service
    from iekg.cli.data import DEMO_ROWS, DemoRows

    assert DEMO_ROWS == service.DEMO_ROWS == ("stop", "replace", "keep")
    assert [m.value for m in DemoRows] == list(DEMO_ROWS)

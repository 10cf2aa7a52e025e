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
from typing import Any

import pytest
from conftest import demo_copy

# run in a fresh interpreter: iekg's main() with argv, then the modules it imported (JSON on the last line)
PROBE = """
import json, os, sys
sys.argv = ["iekg", *json.loads(sys.argv[1])]
from iekg.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules), "threads": threads}))
"""
# never needed before the first question (nor by ``version`` or any help)
HEAVY = ("pandas", "numpy", "networkx", "openpyxl", "fastapi", "starlette", "uvicorn", "scipy", "docx", "neo4j")
LOADERS = ("iekg.loaders.pipeline", "iekg.loaders.readers", "iekg.loaders.builder", "iekg.loaders.demorows",
           "iekg.loaders.tables", "iekg.loaders.official", "iekg.loaders.limits", "iekg.service.loading")
# typer's pydantic adapters and pydantic-settings: read without them (iekg.cli.coercion, iekg.settings)
PYDANTIC = ("pydantic", "pydantic_core", "pydantic_settings", "typer._adapters")
START_ONLY = ("pydantic_settings", "iekg.settings", "iekg.graph.store", "iekg.graph.sqlitestore", "iekg.queries",
              "iekg.reports", "iekg.takeaway.convert", "iekg.service.drafting", "iekg.service.stores")


def probe(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str, dict[str, Any]]:
    """``iekg argv`` through the console script's ``main()``: exit code, stdout, stderr, and what the process
    held at the end (its modules, its threads)."""
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True,
                       env={**(os.environ if env is None else env), "COLUMNS": "120"}, timeout=300)
    out, _, last = p.stdout.rstrip("\n").rpartition("\n")
    held = json.loads(last)
    return held["code"], out, p.stderr, held


def run(*argv: str) -> tuple[int, str, str, set[str]]:
    """``iekg argv`` through the console script's ``main()``: exit code, stdout, stderr, the modules imported."""
    code, out, stderr, held = probe(*argv)
    return code, out, stderr, set(held["modules"])


def imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize("argv", [("version",), ("align", "--help"), ("--help",), ("import", "--help")])
def test_start_up_imports_no_data_library_settings_or_loaders(argv: tuple[str, ...]) -> None:
    code, out, _, modules = run(*argv)
    assert code == 0
    assert imported(modules, HEAVY + LOADERS + START_ONLY + PYDANTIC) == []
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
    assert imported(modules, PYDANTIC) == []  # the options and the settings read without pydantic
    assert imported(modules, ("rich",)) == []  # nothing drawn: JSON


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads are counted from /proc (Linux)")
def test_a_question_starts_no_blas_threads(demo_graph: Path, tmp_path: Path) -> None:
    """numpy's OpenBLAS starts a worker thread per core at import unless told otherwise; a command's arithmetic
    never needs them, and starting them is CPU a fresh process pays on every question.  The command sets
    ``OPENBLAS_NUM_THREADS`` to 1 unless the user set it: one thread at the end (sqlite3 starts none)."""
    home = demo_copy(demo_graph, tmp_path / "home")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    code, out, _, held = probe("--home", str(home), "align", "--city", "410200", "--format", "json", env=env)
    assert code == 0 and json.loads(out)["cities"] == ["410200"]
    assert "numpy" in held["modules"] and held["threads"] == 1
    cores = os.cpu_count() or 1
    if cores > 1:  # the premise: numpy imported without the setting starts a thread per core
        plain = subprocess.run([sys.executable, "-c", "import os, numpy; print(len(os.listdir('/proc/self/task')))"],
                               capture_output=True, text=True, env=env, timeout=120, check=True)
        assert int(plain.stdout) > 1
        # and a user's own setting wins
        code, _, _, held = probe("--home", str(home), "align", "--city", "410200", "--format", "json",
                                 env={**env, "OPENBLAS_NUM_THREADS": "2"})
        assert code == 0 and held["threads"] == 2


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_the_command_closes_its_store_before_the_process_ends(demo_graph: Path, tmp_path: Path, fmt: str) -> None:
    """``main()`` freezes what is left at the end (the interpreter's collections at exit skip it), so nothing
    else would close the graph's connections: it closes them itself.  SQLite removes the write-ahead log and
    its shared-memory file when the last connection closes; both left behind means a connection was not."""
    home = demo_copy(demo_graph, tmp_path / "home")
    code, out, _, _ = run("--home", str(home), "align", "--city", "410200", "--format", fmt)
    assert code == 0 and "开封市" in out
    assert sorted(p.name for p in home.iterdir()) == ["graph.sqlite"]


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


# ------------------------------------------------------------------ settings read without pydantic-settings
ENV_CASES: list[tuple[str, list[str]]] = [  # (variable, values): plain ones read by iekg.settings, the others by the pydantic-settings model
    ("IEKG_WRITE_WAIT", ["30", "0", "-1", "1.5", "0.25", "-0", "1e3", " 30", "30 ", "abc", "", "inf", "007", "1_000",
                         "12345678901234567890"]),
    ("IEKG_MAX_ROWS", ["5", "0", "-3", "1.0", "1.5", "", "abc", " 5", "007", "1_0", "99999999999999999999"]),
    ("IEKG_NEO4J_KEEP_ALIVE", ["true", "false", "1", "0", "True", "yes", "no", "on", "off", "", "2", "t", "f"]),
    ("IEKG_HOME", ["/tmp/x", "", ".", " /tmp/x", "~", "rel/dir", "/tmp/x/"]),
    ("iekg_home", ["/tmp/y"]), ("Iekg_Store", ["neo4j"]),
    ("IEKG_PUBLIC_DIR", ["/p", "", " "]),
    ("IEKG_API_KEY", ["k", "", "null", "None"]),
    ("IEKG_REFERENCE_SAI", ["0.6", "", "None", "x"]),
    ("IEKG_CORS_ORIGINS", ["a,b", "", " a , b ,", '["a"]']),
    ("IEKG_NEO4J_URI", ["bolt://x:1", ""]),
]
KWARG_CASES: list[dict[str, Any]] = [
    {"home": Path("/h")}, {"home": "/h"}, {"home": ""}, {"home": None}, {"store": "neo4j"}, {"store": 1},
    {"write_wait": 5}, {"write_wait": 5.5}, {"write_wait": True}, {"write_wait": "5"}, {"max_rows": 5},
    {"max_rows": 5.0}, {"max_rows": 5.5}, {"max_rows": True}, {"max_rows": "5"}, {"neo4j_keep_alive": 1},
    {"neo4j_keep_alive": False}, {"public_dir": None}, {"public_dir": Path("/p")}, {"public_dir": "/p"},
    {"cors_origins": ["a"]}, {"cors_origins": "a,b"}, {"cors_origins": ("a",)}, {"api_key": None},
    {"reference_sai": None}, {"reference_sai": 1}, {"lang": "en"}, {"foo": 1}, {"_env_file": None},
]


def _settings_outcome(make: Any, **kw: Any) -> Any:
    """Every field's value and type, or the validation error's text."""
    import pydantic

    from iekg.settings import FIELDS

    try:
        s = make(**kw)
    except pydantic.ValidationError as exc:
        return str(exc)
    return {k: (type(getattr(s, k)), getattr(s, k)) for k in FIELDS}


def test_settings_are_read_as_pydantic_settings_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each value of the environment or the arguments gives the model's value or its very error message; the
    plain ones are read without the model (``iekg.settings._plain``), the others by it."""
    from iekg import settings

    for name in list(os.environ):
        if name.lower().startswith("iekg_"):
            monkeypatch.delenv(name)
    model = settings.model()
    plain = 0
    for var, values in ENV_CASES:
        for value in values:
            with monkeypatch.context() as m:
                m.setenv(var, value)
                assert _settings_outcome(settings.Settings) == _settings_outcome(model), (var, value)
                plain += settings._plain({}) is not None
    for kw in KWARG_CASES:
        assert _settings_outcome(settings.Settings, **kw) == _settings_outcome(model, **kw), kw
        plain += settings._plain(kw) is not None
    assert plain == 47  # the plain ones never reach the model
    with monkeypatch.context() as m, \
            pytest.raises(Exception, match=r"1 validation error for Settings\nwrite_wait\n  Input should be a valid number"):
        m.setenv("IEKG_WRITE_WAIT", "soon")
        settings.Settings()
    s = settings.Settings(home=Path("/h"), lang="en")
    assert (s.db_file, s.model_copy(update={"store": "neo4j"}).store, s.store) == (Path("/h/graph.sqlite"), "neo4j",
                                                                                    "sqlite")
    assert s.model_dump()["lang"] == "en" and s == settings.Settings(home=Path("/h"), lang="en")


# -------------------------------------------------------------------- options read without typer's adapters
OPTION_VALUES = ["410200", "", " 5", "5", "-3", "0", "007", "2000", "1999", "2101", "2050", "1.5", "1e3", "abc",
                 "json", "JSON", "table", "csv", "xlsx", "/tmp", "/nonexistent/x.json", "-", "x.xlsx", ".", "a//b",
                 "true", "yes", "1", "0.5", "-0"]


def test_options_are_read_as_typers_own_coercion_reads_them() -> None:
    """Every option and argument of every command, with plain and wrong values: the value (and its type) or the
    error message of :mod:`iekg.cli.coercion` is typer's own."""
    from typer import core
    from typer._click import Context
    from typer.main import get_command

    from iekg.cli import app, coercion

    assert coercion.install()
    typers = core.build_runtime_param.typers  # type: ignore[attr-defined]

    def outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> Any:
        try:
            v = runtime.coerce(value, param=param, ctx=ctx)
        except Exception as exc:
            return type(exc).__name__, str(getattr(exc, "message", exc))
        return type(v), v

    checked, plain = 0, 0

    def walk(command: Any) -> None:
        nonlocal checked, plain
        for sub in (getattr(command, "commands", None) or {}).values():
            walk(sub)
        for p in command.params:
            desc = getattr(p, "type_descriptor", None)
            if desc is None:
                continue
            ctx = Context(command)
            ours, theirs = core.build_runtime_param(desc), typers(desc)
            values = OPTION_VALUES + ([p.default] if p.default is not None else [])
            for v in [tuple(values[:3]), (values[3],)] if (p.multiple or p.nargs == -1) else values:
                assert outcome(ours, v, p, ctx) == outcome(theirs, v, p, ctx), (command.name, p.name, v)
                checked += 1
                plain += coercion.plain_value(desc.annotation, desc.parameter_info, v, p, ctx) is not coercion.NOT_PLAIN

    walk(get_command(app))
    assert checked > 5000 and plain > checked // 2
    align = get_command(app).commands["align"]  # type: ignore[attr-defined]
    ctx = Context(align)
    given = {"city": ("410200",), "year": "2024", "fmt": "json", "output": "x.json", "target_year": "2100"}
    for p in align.params:
        if p.name in given:  # a plain value: read here, with the type typer gives it
            v = coercion.plain_value(p.type_descriptor.annotation, p.type_descriptor.parameter_info, given[p.name], p,
                                     ctx)
            assert v is not coercion.NOT_PLAIN and outcome(core.build_runtime_param(p.type_descriptor), given[p.name],
                                                           p, ctx) == (type(v), v)

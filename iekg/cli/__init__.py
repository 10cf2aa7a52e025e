"""The ``iekg`` command line: a thin layer over :mod:`iekg.service`.

``root`` holds the app and its global options, ``console`` what every command shares (settings, the
terminal, opening the store, error → exit code, :func:`~iekg.cli.console.render` for every output format);
the commands live by theme in ``data``, ``explore``, ``analysis``, ``viz`` and ``export``.

Exit codes: 0 success, 1 data errors (the report on stdout; JSON with ``--format json``), 2 usage errors.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

# A command's arithmetic is pandas on at most a province's rows: no matrix products large enough for BLAS threads.
# numpy's OpenBLAS starts a worker per core when it is imported unless told otherwise; on a 2-core machine under
# load that is 0.1 s of CPU and 0.05–0.15 s of a fresh `iekg align --city` (set before numpy is first imported;
# a user's own setting wins).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from iekg.cli.data import REPORT_ROWS
    from iekg.cli.root import app

__all__ = ["REPORT_ROWS", "app", "main", "run"]
THEMES = ("data", "explore", "analysis", "compare", "viz", "export", "chart", "scenario", "plan")  # each adds its commands to the app, in this order
# the theme that adds each command (or group of commands): ``iekg align …`` imports only ``analysis`` and typer
# builds only its commands — start-up without every command's module (tests/test_cli_startup.py keeps it whole)
COMMANDS = {
    **dict.fromkeys(("build", "import", "validate", "sync", "info", "reindex", "migrate", "history", "serve",
                     "template", "schema", "version"), "data"),
    **dict.fromkeys(("show", "search", "neighbours", "path"), "explore"),
    **dict.fromkeys(("align", "gaps", "readiness", "coupling", "partners", "trains", "hires"), "analysis"),
    **dict.fromkeys(("compare", "trend"), "compare"),
    "viz": "viz", "export": "export", "chart": "chart", "scenario": "scenario", "plan": "plan",
}
GLOBAL_OPTIONS = ("--home", "--store", "--lang", "--server")  # the app's own options (iekg.cli.root), each with a value
# Read-only questions: once the answer is written and flushed and the stores closed, nothing is left to finish.
QUICK_EXIT = ("explore", "analysis", "compare")
QUESTIONS = frozenset(c for c, theme in COMMANDS.items() if theme in QUICK_EXIT)
# The commands that may be asked of a server (``--server``, iekg.cli.remote): the questions, and the charts and
# network pages made over the server's graph and written here
SERVED = QUESTIONS | {"chart", "viz"}


def load(themes: tuple[str, ...] = THEMES) -> Any:
    """The app with the commands of ``themes`` (default: all of them, in the order of :data:`THEMES` whatever
    was imported first)."""
    from iekg.cli import root

    for theme in themes:
        importlib.import_module(f"iekg.cli.{theme}")
    if themes == THEMES:
        _in_order(root.app)
    return root.app


def only(app: Any, command: str | None) -> Any:
    """``app`` with only ``command`` (a command or a group of its theme), as typer is to run it: typer builds the
    click command of every command the app has before it parses (a theme's seven: 5–15 ms of a fresh process, one:
    1.5 ms).  The app's own options and callback stay; the app itself is not changed (a copy).  ``app`` as it is
    when the theme has no such command."""
    import copy

    commands = [c for c in app.registered_commands if _name_of(c) == command]
    groups = [g for g in app.registered_groups if g.name == command]
    if not commands and not groups:
        return app
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


def _name_of(command: Any) -> str:
    """A registered command's name as typer gives it (its own, else its function's, ``_`` as ``-``)."""
    return str(command.name or command.callback.__name__.lower().replace("_", "-"))


def _in_order(app: Any) -> None:
    """The app's commands and groups in the order of :data:`THEMES` (as if imported in that order), each placed
    by the theme :data:`COMMANDS` gives its name."""

    def theme_of(name: str | None) -> int:
        theme = COMMANDS.get(name or "")
        return THEMES.index(theme) if theme else len(THEMES)

    app.registered_commands.sort(key=lambda c: theme_of(_name_of(c)))
    app.registered_groups.sort(key=lambda g: theme_of(g.name))


def command_of(argv: list[str]) -> str | None:
    """The command ``argv`` asks for (after the app's own options), or None (``--help``, no command, an option
    the app does not have)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in GLOBAL_OPTIONS:
            i += 2
        elif arg.startswith("--") and arg.split("=", 1)[0] in GLOBAL_OPTIONS:
            i += 1
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


def __getattr__(name: str) -> Any:
    """``app`` with every command (the tests' and the docs' app); ``REPORT_ROWS``."""
    if name == "app":
        return load()
    if name == "REPORT_ROWS":
        return importlib.import_module("iekg.cli.data").REPORT_ROWS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """The ``iekg`` command (:func:`run`, the console script, calls it): the asked command's theme only (every
    theme for help, no command or one not known)."""
    command = command_of(sys.argv[1:])
    theme = COMMANDS.get(command or "")
    app = load((theme,) if theme else THEMES)
    try:
        (only(app, command) if theme else app)()
    except Exception as exc:
        from iekg.graph.store import StoreError  # not at start-up: ``iekg version`` needs no store

        if not isinstance(exc, StoreError):
            raise
        from iekg.cli.console import err

        # e.g. another import holds the embedded graph past IEKG_WRITE_WAIT
        err.print(str(exc), style="red", markup=False)
        sys.exit(1)
    finally:
        _end()


def run() -> None:
    """The ``iekg`` console script: :func:`main`, then, after a question (the themes of :data:`QUICK_EXIT`) whose
    output is flushed, the process ends at once with the command's exit code instead of tearing the interpreter
    down — freeing the modules' and the answer's objects one by one took 0.03–0.06 s of a fresh process after
    the answer was out (issue 20).  Any other command (an import, a build, an export, a scenario) ends as Python
    ends, every exit handler run; so does a question whose output cannot be flushed (a closed pipe: Python
    reports it as before).  ``main()`` itself never ends the process (the tests run it in theirs).

    A question's process also runs without Python's cyclic garbage collector, from its start (before typer and the
    question's modules are imported): its collections walked the objects of every module being imported — typer,
    pandas, numpy: some 150 young and a dozen older collections, 0.035–0.045 s of CPU of a fresh ``iekg gaps
    --city`` at national scale (issue 20) — and a question leaves little cyclic garbage (the peak memory of the
    largest questions at national scale — a province's gaps, compare, readiness of all cities, who trains for a
    chain — is the same within 0.6 MB).  Memory is still freed by reference counting, and the process ends with its
    answer.  Any other command (a build, an import: long, holding much) keeps the collector."""
    theme = COMMANDS.get(command_of(sys.argv[1:]) or "")
    if theme in QUICK_EXIT:
        gc.disable()
    try:
        main()
    except SystemExit as exc:
        if theme in QUICK_EXIT and (exc.code is None or isinstance(exc.code, int)) and _flushed():
            os._exit(int(exc.code or 0))
        raise
    if theme in QUICK_EXIT and _flushed():
        os._exit(0)


def _flushed() -> bool:
    """stdout and stderr flushed (False when either cannot be: a closed pipe, a closed stream)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    return True


def _end() -> None:
    """The command is done: its stores closed here, explicitly, and what is left of the answer's objects frozen
    when the interpreter exits, so that its collections at exit do not walk them (0.07–0.1 s of a fresh ``iekg
    align --city`` at national scale, a sixth of it; the operating system reclaims the memory).  Frozen at exit,
    not now: a caller that runs ``main()`` in a process that goes on (a test) keeps collecting its garbage."""
    from iekg.cli.console import close_opened  # (every command has imported it by now; iekg.cli does not)

    close_opened()
    atexit.register(gc.freeze)

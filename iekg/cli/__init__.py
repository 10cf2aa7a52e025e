"""The ``iekg`` command line: a thin layer over :mod:`iekg.service`.

``root`` holds the app and its global options, ``console`` what every command shares (settings, the
terminal, opening the store, error → exit code, :func:`~iekg.cli.console.render` for every output format);
the commands live by theme in ``data``, ``explore``, ``analysis``, ``viz`` and ``export``.

Exit codes: 0 success, 1 data errors (the report on stdout; JSON with ``--format json``), 2 usage errors.
"""

from __future__ import annotations

import importlib
import sys

from iekg.cli.console import err
from iekg.cli.data import REPORT_ROWS
from iekg.cli.root import app
from iekg.graph.store import StoreError

__all__ = ["REPORT_ROWS", "app", "main"]
THEMES = ("data", "explore", "analysis", "compare", "viz", "export", "chart", "scenario", "plan")  # each adds its commands to the app, in this order

for _theme in THEMES:
    importlib.import_module(f"iekg.cli.{_theme}")


def main() -> None:
    """The ``iekg`` console script."""
    try:
        app()
    except StoreError as exc:  # e.g. another import holds the embedded graph past IEKG_WRITE_WAIT
        err.print(str(exc), style="red", markup=False)
        sys.exit(1)

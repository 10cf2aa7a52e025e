"""The ``iekg`` app and its global options; the command modules add their commands to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from iekg.cli import coercion
from iekg.cli.console import State, T

coercion.install()  # options read without typer's pydantic adapters (a fresh process: issue 20)

app = typer.Typer(help="iekg — 产教融合知识图谱 (industry–education integration knowledge graph)",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.callback()
def main_options(
    home: Path | None = typer.Option(None, "--home", help="graph home folder (env IEKG_HOME; default ~/.iekg)"),
    store: str | None = typer.Option(None, "--store", help="sqlite (the embedded default) or neo4j (env IEKG_STORE)"),
    lang: str | None = typer.Option(None, "--lang", help="zh (default) or en (env IEKG_LANG)"),
) -> None:
    overrides: dict[str, Any] = {}
    if home is not None:
        overrides["home"] = home
    if store is not None:
        overrides["store"] = store
    if lang is not None:
        if lang not in T:
            raise typer.BadParameter("use zh or en", param_hint="--lang")
        overrides["lang"] = lang
    State.overrides = overrides
    State.settings = None  # built from them on first use (iekg.cli.console.State)

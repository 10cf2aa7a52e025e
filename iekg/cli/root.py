"""The ``iekg`` app and its global options; the command modules add their commands to it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from iekg.cli import SERVED, coercion
from iekg.cli.console import State, T

coercion.install()  # options read without typer's pydantic adapters (a fresh process: issue 20)

app = typer.Typer(help="iekg — 产教融合知识图谱 (industry–education integration knowledge graph)",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Path | None = typer.Option(None, "--home", help="graph home folder (env IEKG_HOME; default ~/.iekg)"),
    store: str | None = typer.Option(None, "--store", help="sqlite (the embedded default) or neo4j (env IEKG_STORE)"),
    lang: str | None = typer.Option(None, "--lang", help="zh (default) or en (env IEKG_LANG)"),
    server: str | None = typer.Option(None, "--server", help="ask a running `iekg serve` at this address "
                                      "(http://127.0.0.1:8000) instead of a graph here: questions only "
                                      "(env IEKG_SERVER)"),
) -> None:
    overrides: dict[str, Any] = {}
    if server is not None:
        overrides["server"] = server
        if home is not None or store is not None:
            raise typer.BadParameter("a question asked of a server reads the server's graph: leave out --home and "
                                     "--store, or --server", param_hint="--server")
    elif home is not None or store is not None:  # a graph here, named: IEKG_SERVER does not apply
        overrides["server"] = None
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
    _server_rules(ctx.invoked_subcommand, "--server" if server is not None else "IEKG_SERVER")


def _server_rules(asked: str | None, where: str) -> None:
    """With a server to ask (``--server`` or ``IEKG_SERVER``, named by ``where``): its address must be one, and only
    a question goes to it (iekg.cli.remote)."""
    if asked is None or asked in ("version", "serve"):
        return
    from iekg.cli.remote import check_url, environ_value

    # (the option, else IEKG_SERVER, read without building the settings: a command's --help imports none)
    url = State.overrides["server"] if "server" in State.overrides else environ_value(os.environ, "server")
    if not url:
        return
    if asked not in SERVED:
        raise typer.BadParameter(
            f"`iekg {asked}` works on a graph here, not on a server: only questions, charts and network pages "
            f"({', '.join(sorted(SERVED))}) are asked of a server. Leave out {where}, or use the server's API "
            f"(POST /imports for an import)",
            param_hint=where)
    problem = check_url(url)
    if problem:
        raise typer.BadParameter(problem, param_hint=where)

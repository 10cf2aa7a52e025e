"""Benchmark of every planner-facing question: seconds in a fresh CLI process and through the API, on the
embedded store and on Neo4j, with memoised results dropped before every run.  Figures, not assertions.

    .venv/bin/python scripts/bench_queries.py --home DIR [--neo4j-uri bolt://127.0.0.1:7687 --neo4j-password PW]
        [--repeat 3] [--only cli|api] [--store sqlite|neo4j]

``--home`` is a home whose ``graph.sqlite`` is already built (``scripts/bench_embedded.py --scale 100 --work W``
leaves one in ``W/home100``).  With ``--neo4j-uri`` the same questions run against a Neo4j that already holds
the same graph (``iekg --home DIR sync`` copies it there).  For each question it prints the median of
``--repeat`` runs:

* **CLI**: ``iekg <command>`` in a fresh process (imports, opening the store and the answer; wall seconds);
* **API**: one request to ``iekg serve`` started once per store; before each request the graph version is
  bumped as an import would, so nothing memoised by earlier requests is reused;
* **server**: ``iekg --server URL <command>`` in a fresh process, asking the running ``iekg serve`` of the API
  face (the graph version bumped before each, as for the API): the command's own process without a store;
* **dashboard**: the requests the dashboard makes for its first view of a city, sent at once;
* **start-up floor** (CLI, server): a fresh process that only imports what every question's process imports before
  it asks anything — the parser, pandas and the store's driver (CLI), the parser and the HTTP client (server).

Ids are picked from the graph (the first institution and enterprise of the city, a major and an industry it
has), so the script runs on any graph with the city.  The aim of issue 20: every query ≤ 1 s, single-city
queries ≤ 0.3 s through the API, a fresh CLI process for a city ≤ 0.5 s, the dashboard's first view ≤ 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

PY = sys.executable
_SCRIPT = Path(PY).with_name("iekg")
IEKG = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-c", "from iekg.cli import main; main()"]
CITY, PROVINCE = "410200", "410000"
SINGLE_CITY = {"align city", "gaps city", "readiness city", "trend city", "neighbours", "search", "path", "partners (enterprise)",
               "partners (institution)", "who hires (city)"}


def pick(home: Path) -> dict[str, str]:
    """Ids of the city's entities to ask about."""
    from iekg.graph.sqlitestore import SqliteStore

    s = SqliteStore(home / "graph.sqlite")
    insts = sorted(s.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=[CITY])["src"])
    ents = sorted(s.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City", dst_ids=[CITY])["src"])
    offers = s.rel_frame("OFFERS", src_label="Institution", src_ids=insts[:1])
    major = sorted(offers["dst"])[0]
    ind = s.rel_frame("IN_INDUSTRY", src_label="Enterprise", src_ids=ents[:1])["dst"].iloc[0]
    chains = sorted(s.rel_frame("FOCUSES_ON", src_label="City", src_ids=[CITY])["dst"])
    name = s.get(f"Institution:{insts[0]}").name  # type: ignore[union-attr]
    s.close()
    return {"inst": insts[0], "ent": ents[0], "major": major, "industry": str(ind)[:2], "chain": chains[0],
            "name": name[:4]}


def questions(ids: dict[str, str]) -> list[tuple[str, list[str], str, dict[str, Any]]]:
    """(name, CLI arguments, API path, API parameters) of every question."""
    i = f"Institution:{ids['inst']}"
    return [
        ("align city", ["align", "--city", CITY], "/analysis/alignment", {"city": CITY}),
        ("align province", ["align", "--province", PROVINCE], "/analysis/alignment", {"province": PROVINCE}),
        ("gaps city", ["gaps", "--city", CITY], "/analysis/gaps", {"city": CITY}),
        ("gaps province", ["gaps", "--province", PROVINCE], "/analysis/gaps", {"province": PROVINCE}),
        ("readiness city", ["readiness", "--city", CITY], "/analysis/readiness", {"city": CITY}),
        ("readiness all", ["readiness", "--all"], "/analysis/readiness/all", {}),
        ("coupling", ["coupling"], "/analysis/coupling", {}),
        ("compare (province)", ["compare", "--province", PROVINCE], "/analysis/compare", {"province": PROVINCE}),
        ("trend city", ["trend", "--city", CITY], "/analysis/trend", {"city": CITY}),
        ("trend province", ["trend", "--province", PROVINCE], "/analysis/trend", {"province": PROVINCE}),
        ("who trains (industry, nationwide)", ["trains", "--industry", ids["industry"]], "/analysis/who-trains",
         {"industry": ids["industry"]}),
        ("who trains (chain)", ["trains", "--chain", ids["chain"]], "/analysis/who-trains", {"chain": ids["chain"]}),
        ("who hires (city)", ["hires", ids["major"], "--city", CITY], "/analysis/who-hires",
         {"major": ids["major"], "city": CITY}),
        ("partners (enterprise)", ["partners", ids["ent"]], "/analysis/partners", {"id": ids["ent"]}),
        ("partners (institution)", ["partners", ids["inst"]], "/analysis/partners", {"id": ids["inst"]}),
        ("neighbours", ["neighbours", i], "/relations/neighbours", {"id": i}),
        ("path", ["path", i, f"IndustryChain:{ids['chain']}"], "/relations/path",
         {"from": i, "to": f"IndustryChain:{ids['chain']}"}),
        ("search", ["search", ids["name"]], "/search", {"q": ids["name"]}),
    ]


def bump(env: dict[str, str]) -> None:
    """A new graph version, as an import makes: every memoised result of a running server is dropped."""
    if env.get("IEKG_STORE") == "neo4j":
        from neo4j import GraphDatabase

        from iekg.graph import cypher

        with GraphDatabase.driver(env["IEKG_NEO4J_URI"], auth=(env["IEKG_NEO4J_USER"],
                                                               env["IEKG_NEO4J_PASSWORD"])) as d:
            d.execute_query(cypher.BUMP)
        return
    import sqlite3

    con = sqlite3.connect(Path(env["IEKG_HOME"]) / "graph.sqlite", timeout=60)
    con.execute("UPDATE meta SET value = value + 1 WHERE key = 'version'")
    con.commit()
    con.close()


def cli(args: list[str], env: dict[str, str], repeat: int, *, before: Any = None) -> tuple[float, int]:
    times, rc = [], 0
    for _ in range(repeat):
        if before is not None:
            before()
        t = time.perf_counter()
        p = subprocess.run([*IEKG, *args, "--format", "json"],
                           env=env, capture_output=True)
        times.append(time.perf_counter() - t)
        rc = rc or p.returncode
    return statistics.median(times), rc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(base: str, path: str, params: dict[str, Any]) -> tuple[float, int]:
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                    timeout=600) as r:
            r.read()
            code = r.status
    except urllib.error.HTTPError as exc:
        code = exc.code
    return time.perf_counter() - t, code


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    p = subprocess.Popen([*IEKG, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/health", timeout=2).read()
            return p, base
        except OSError:
            time.sleep(0.2)
    p.kill()
    raise SystemExit("the server did not start")


FLOOR = "start-up floor (no question)"


def floor(env: dict[str, str], repeat: int, *, server: bool = False) -> tuple[float, int]:
    """A fresh process that only imports what every question's process imports before it asks anything: the
    CLI's parser (typer), pandas and, for Neo4j, the official driver — which imports numpy and pandas itself
    when they are installed (``neo4j._optional_deps``), so on Neo4j even a question that needs no pandas pays
    for it.  What a question takes beyond it is the question's own."""
    libs = "typer, pandas" + (", neo4j" if env.get("IEKG_STORE") == "neo4j" else "")
    if server:  # (a question asked of a server: no store, its driver or pandas; the table's rich and HTTP instead)
        libs = "typer, rich.table, http.client"
    times, rc = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        # (as a question's process does it: iekg.cli first, which limits OpenBLAS to one thread, without the cyclic
        # collector, and ended at once, without the interpreter's clean-up — iekg.cli.run's quick exit)
        p = subprocess.run([PY, "-c", f"import iekg.cli, gc, os; gc.disable(); import {libs}; os._exit(0)"], env=env,
                           capture_output=True)
        times.append(time.perf_counter() - t)
        rc = rc or p.returncode
    return statistics.median(times), rc


def run_store(label: str, env: dict[str, str], qs: list[tuple[str, list[str], str, dict[str, Any]]], repeat: int,
              only: set[str], dashboard: bool = True) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {q[0]: {} for q in qs}
    if "cli" in only:
        out[FLOOR] = {"cli": floor(env, repeat)}
        print(f"{label} CLI {FLOOR}: {out[FLOOR]['cli'][0]:.2f} s", file=sys.stderr, flush=True)
        for name, args, _, _ in qs:
            out[name]["cli"] = cli(args, env, repeat)
            print(f"{label} CLI {name}: {out[name]['cli'][0]:.2f} s", file=sys.stderr, flush=True)
    if "api" in only or "server" in only:
        proc, base = serve(env)
        try:
            get(base, "/version", {})
            if "server" in only:
                out[FLOOR] = {**out.get(FLOOR, {}), "server": floor(env, repeat, server=True)}
                for name, args, _, _ in qs:
                    out[name]["server"] = cli(["--server", base, *args], env, repeat, before=lambda: bump(env))
                    print(f"{label} CLI→server {name}: {out[name]['server'][0]:.2f} s", file=sys.stderr, flush=True)
            for name, _, path, params in (qs if "api" in only else []):
                times, code = [], 0
                for _ in range(repeat):
                    bump(env)
                    t, c = get(base, path, params)
                    times.append(t)
                    code = code if code and code != 200 else c
                out[name]["api"] = (statistics.median(times), code)
                print(f"{label} API {name}: {out[name]['api'][0]:.2f} s ({code})", file=sys.stderr, flush=True)
            first: list[float] = []
            for _ in range(repeat if dashboard and "api" in only else 0):
                bump(env)
                t = time.perf_counter()
                with ThreadPoolExecutor(4) as pool:
                    list(pool.map(lambda a: get(base, *a), [
                        ("/cities", {"limit": 100}), ("/analysis/alignment", {"city": CITY}),
                        ("/analysis/readiness", {"city": CITY}), ("/analysis/gaps", {"city": CITY, "limit": 100})]))
                first.append(time.perf_counter() - t)
            if first:
                out["dashboard first view"] = {"api": (statistics.median(first), 200)}
        finally:
            proc.terminate()
            proc.wait(30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True, help="a home with graph.sqlite built")
    ap.add_argument("--neo4j-uri")
    ap.add_argument("--neo4j-user", default="neo4j")
    ap.add_argument("--neo4j-password", default=os.environ.get("IEKG_NEO4J_PASSWORD", ""))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", action="append", choices=["cli", "api", "server"],
                    help="only these faces (repeatable; default: all three)")
    ap.add_argument("--store", action="append", choices=["sqlite", "neo4j"],
                    help="only these stores (repeatable; default: SQLite, and Neo4j with --neo4j-uri). The runs "
                         "bump the graph version of the store they time, so a Neo4j-only run leaves --home as it was")
    ap.add_argument("--question", action="append",
                    help="only the questions whose name holds this text (repeatable; e.g. 'gaps city', 'partners')")
    args = ap.parse_args()
    wanted = set(args.store or ["sqlite", "neo4j"])
    if wanted == {"neo4j"} and not args.neo4j_uri:
        ap.error("--store neo4j needs --neo4j-uri")
    only = set(args.only or ["cli", "api", "server"])
    ids = pick(args.home)
    qs = [q for q in questions(ids) if not args.question or any(w in q[0] for w in args.question)]
    if not qs:
        ap.error(f"no question's name holds {args.question}")
    if only & {"cli", "server"}:  # as an installed package has them: compiled once, not on every fresh process (a shell with
        import compileall  # PYTHONDONTWRITEBYTECODE=1 would otherwise time the compiling of every module)

        compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "iekg"), quiet=1)
    base_env = {**os.environ, "IEKG_HOME": str(args.home), "IEKG_LANG": "en"}
    stores = {"SQLite": {**base_env, "IEKG_STORE": "sqlite"}} if "sqlite" in wanted else {}
    if args.neo4j_uri and "neo4j" in wanted:
        stores["Neo4j"] = {**base_env, "IEKG_STORE": "neo4j", "IEKG_NEO4J_URI": args.neo4j_uri,
                           "IEKG_NEO4J_USER": args.neo4j_user, "IEKG_NEO4J_PASSWORD": args.neo4j_password}
    dashboard = not args.question or any(w in "dashboard first view" for w in args.question)
    results = {label: run_store(label, env, qs, args.repeat, only, dashboard) for label, env in stores.items()}
    names = [q[0] for q in qs] + (["dashboard first view"] if "api" in only and dashboard else []) \
        + ([FLOOR] if only & {"cli", "server"} else [])
    cols = [(label, face) for label in stores for face in ("cli", "server", "api") if face in only]
    print(f"ids: {json.dumps(ids, ensure_ascii=False)}; median of {args.repeat}, seconds")
    heads = {"cli": "CLI", "server": "CLI → server", "api": "API"}
    print("| question | " + " | ".join(f"{label} {heads[face]}" for label, face in cols) + " |")
    print("| --- |" + " ---: |" * len(cols))
    for n in names:
        cells = []
        for label, face in cols:
            got = results[label].get(n, {}).get(face)
            if got is None:
                cells.append("–")
                continue
            sec, code = got
            ok = code in (0, 200)
            aim = 0.3 if face == "api" and n in SINGLE_CITY else (0.5 if n in SINGLE_CITY else 1.0)
            over = " ✱" if sec > aim and n != FLOOR else ""  # (the floor is no question: it has no aim)
            cells.append(f"{sec:.2f}" + ("" if ok else f" (exit {code})") + over)
        print(f"| {n} | " + " | ".join(cells) + " |")
    print("\n✱ over the aim (API: 0.3 s for a single city, else 1 s; a fresh process (CLI, CLI → server): 0.5 s "
          "for a single city, else 1 s)")


if __name__ == "__main__":
    main()

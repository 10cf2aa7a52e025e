"""Benchmark (not a test): Neo4j fresh-build throughput — Neo4j's offline bulk importer, batched UNWIND and one
transaction per row — and each query's latency on both stores.

    .venv/bin/python scripts/bench_neo4j.py                  # the demo
    .venv/bin/python scripts/bench_neo4j.py --scale 10       # and a generated scale-10 graph
    .venv/bin/python scripts/bench_neo4j.py --scale 100 --queries-only   # query latencies only
    .venv/bin/python scripts/bench_neo4j.py --scale 10 --loads-only      # fresh-build rows/s only
    .venv/bin/python scripts/bench_neo4j.py --data /tmp/bench100/scale100 --no-demo --loads-only --no-upsert
    .venv/bin/python scripts/bench_neo4j.py --data /tmp/bench100/scale100 --no-demo --bulk-only --repeat 2
    .venv/bin/python scripts/bench_neo4j.py --data /tmp/bench100/scale100 --no-demo --bulk-only --with-employment

Starts scripts/neo4j-local on a free port with a temporary data folder (or uses IEKG_NEO4J_URI /
IEKG_NEO4J_PASSWORD when set: then there is no offline importer, the server is not ours) and prints Markdown
tables.  Rows are nodes + relationships of the graph.  The offline import's figure is the whole fresh build as
``Neo4jStore.apply(fresh=True)`` does it: CSV files written, the importer run (by the running neo4j-local server
itself: database ``neo4j`` stopped, imported, started again; or, with ``IEKG_NEO4J_LIVE_IMPORT=0``, the server
stopped, the importer's own JVM, the server started again), constraints made, the kept sums computed; the
importer's own time (its "IMPORT DONE in") is shown beside it.  ``--bulk-only``: that figure alone, ``--repeat``
times on the same server (the median, and every run's steps).  One transaction per row
runs on a sample (``--per-row``, default 20,000 rows) and its time for the whole graph is extrapolated from it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from iekg import service  # noqa: E402
from iekg.graph import neo4j_bulk  # noqa: E402
from iekg.graph.cypher import label as _label  # noqa: E402
from iekg.graph.cypher import rel_type as _type  # noqa: E402
from iekg.graph.neo4jstore import Neo4jStore, driver_options  # noqa: E402
from iekg.graph.schema import split_uid  # noqa: E402
from iekg.graph.sqlitestore import SqliteStore  # noqa: E402
from iekg.graph.store import ChangeSet, Store  # noqa: E402
from iekg.queries import alignment as al  # noqa: E402
from iekg.queries import coupling, gaps, partners, paths, readiness, who  # noqa: E402
from iekg.queries import scope as qscope  # noqa: E402
from iekg.settings import Settings  # noqa: E402


def per_row(neo: Neo4jStore, changes: ChangeSet, n: int) -> tuple[float, int]:
    """The py2neo-era way: one MERGE, one transaction, one round trip per row, on a sample of about ``n`` rows
    (relationships in the change set's order with both their ends). Returns (rows/s, rows loaded)."""
    nodes: dict[str, Any] = {}
    rels: list[Any] = []
    for r in changes.rels.values():
        if len(nodes) + len(rels) >= n:
            break
        for u in (r.src, r.dst):
            nodes.setdefault(u, changes.nodes[u])
        rels.append(r)
    for u, node in changes.nodes.items():  # a graph with few relationships: more nodes
        if len(nodes) + len(rels) >= n:
            break
        nodes.setdefault(u, node)
    t0 = time.perf_counter()
    with neo.driver.session(database=neo.database) as s:
        for node in nodes.values():
            s.execute_write(lambda tx, node=node: tx.run(
                f"MERGE (n:{_label(node.label)} {{id: $id}}) SET n += $props", id=node.id, props=node.props).consume())
        for r in rels:
            (sl, si), (dl, di) = split_uid(r.src), split_uid(r.dst)
            s.execute_write(lambda tx, r=r, sl=sl, si=si, dl=dl, di=di: tx.run(
                f"MATCH (a:{_label(sl)} {{id: $s}}) MATCH (b:{_label(dl)} {{id: $d}}) "
                f"MERGE (a)-[x:{_type(r.type)} {{_key: $k}}]->(b) SET x += $p", s=si, d=di, k=r.key, p=r.props).consume())
    rows = len(nodes) + len(rels)
    return rows / (time.perf_counter() - t0), rows


# A national-scale folder is bigger than an office's file may be by default (as scripts/bench_embedded.py):
# the benchmark raises the import limits for its own runs, unless they are set.
LIMITS = {"IEKG_MAX_FILE_BYTES": "2000000000", "IEKG_MAX_ROWS": "5000000", "IEKG_MAX_CELLS": "100000000",
          "IEKG_MAX_PARSE_SECONDS": "3000"}


def bulk(neo: Neo4jStore, changes: ChangeSet) -> tuple[float, float, float, dict[str, float]]:
    """A fresh build through the offline importer (as ``apply(fresh=True)`` does it, restart and constraints
    included): (rows/s of the whole, its seconds, the importer's own seconds, seconds by step).  The steps:
    the CSV files, ``neo4j-local import`` (server
    stopped, the importer's JVM, the server started again: the importer's own "IMPORT DONE" time and the
    launcher's whole seconds for the importer and the start are shown inside it), the constraints and indexes,
    the kept sums computed by Cypher after the restart, and the rest (the history, the
    version, the scenarios)."""
    steps: dict[str, float] = {}
    importer = [float("nan")]
    saved = {name: getattr(neo4j_bulk, name) for name in ("write_csv", "run_import")}
    saved_store = {name: getattr(neo, name) for name in ("ensure_schema", "_refresh_all")}

    def timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                steps[label] = steps.get(label, 0.0) + time.perf_counter() - t
        return run

    def timed_import(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        done = saved["run_import"](*a, **k)
        steps["stop + import + start"] = time.perf_counter() - t
        err = done.stderr or ""
        m = re.search(r"IMPORT DONE in (?:(\d+)m )?(\d+)s (\d+)ms", err)
        if m:
            importer[0] = int(m.group(1) or 0) * 60 + int(m.group(2)) + int(m.group(3)) / 1000
        inside = [f"importer {importer[0]:.1f} s"] if m else []
        live = re.search(r"stop_ms=(\d+) import_ms=(\d+) start_ms=(\d+)", err)
        if live:  # the running server imported by itself (neo4j-local's live import): no JVM start, no restart
            inside += [f"database stop {int(live.group(1)) / 1000:.1f} s", f"live import {int(live.group(2)) / 1000:.1f} s",
                       f"database start {int(live.group(3)) / 1000:.1f} s"]
        for pattern, what in ((r"imported in (\d+) s", "importer's JVM"), (r"started in (\d+) s", "server start")):
            found = None if live else re.search(pattern, err)
            if found:
                inside.append(f"{what} {found.group(1)} s")
        steps_inside[:] = inside
        return done

    steps_inside: list[str] = []
    neo4j_bulk.write_csv = timed("CSV files", saved["write_csv"])  # type: ignore[assignment]
    neo4j_bulk.run_import = timed_import  # type: ignore[assignment]
    neo.ensure_schema = timed("constraints, indexes", saved_store["ensure_schema"])  # type: ignore[method-assign]
    neo._refresh_all = timed("kept sums (Cypher)", saved_store["_refresh_all"])  # type: ignore[method-assign]
    try:
        neo.bulk_min_rows = 0
        t0 = time.perf_counter()
        neo.apply(changes, fresh=True)
        took = time.perf_counter() - t0
    finally:
        for name, fn in saved.items():
            setattr(neo4j_bulk, name, fn)
        del neo.ensure_schema, neo._refresh_all  # the class's methods again
        neo.bulk_min_rows = -1
    if neo.last_load != "bulk":
        raise RuntimeError(f"the offline importer was not used: {neo.last_load}")
    steps["history, version, scenarios"] = took - sum(steps.values())
    if steps_inside:
        steps["stop + import + start (" + ", ".join(steps_inside) + ")"] = steps.pop("stop + import + start")
    return len(changes) / took, took, importer[0], steps


def batched(neo: Neo4jStore, changes: ChangeSet, size: int, fresh: bool = True) -> float:
    """``fresh``: what iekg build / sync do (empty the database, then create); else upserts into an
    empty database (what iekg import does: find-or-create every row)."""
    neo.clear()
    neo.batch_size = size
    neo.apply(changes, fresh=fresh)  # warm-up: query plans compiled, JIT warm, like the per-row run's first rows
    neo.clear()
    t0 = time.perf_counter()
    neo.apply(changes, fresh=fresh)
    return len(changes) / (time.perf_counter() - t0)


def latency(fn: Callable[[Store], Any], store: Store, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        store.forget()  # no memoised results: each run reads from the store
        t0 = time.perf_counter()
        fn(store)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


QUERIES: list[tuple[str, Callable[[Store], Any]]] = [
    ("alignment 开封", lambda s: al.alignment(s, qscope.resolve_scope(s, city="410200"))),
    ("alignment 河南省", lambda s: al.alignment(s, qscope.resolve_scope(s, province="410000"))),
    ("alignment_table 18 cities", lambda s: al.alignment_table(s, sorted(n.id for n in s.nodes("City")))),
    ("gaps 开封", lambda s: gaps.gaps(s, qscope.resolve_scope(s, city="410200"))),
    ("gaps 河南省", lambda s: gaps.gaps(s, qscope.resolve_scope(s, province="410000"))),
    ("readiness 开封", lambda s: readiness.readiness(s, "410200")),
    ("readiness all", lambda s: readiness.readiness_all(s)),
    ("coupling 18 cities", lambda s: coupling.coupling(s, sorted(n.id for n in s.nodes("City")))),
    ("neighbours 开封", lambda s: paths.neighbours(s, "City:410200", limit=None)),
    ("shortest path", lambda s: paths.shortest_path(s, "Institution:4141012058", "IndustryChain:HN-AE-01")),
    ("who trains for 36", lambda s: who.who_trains_for(s, industry="36", cities=["410200"])),
    ("who trains for 36, all cities", lambda s: who.who_trains_for(s, industry="36")),
    ("partners (enterprise)", lambda s: partners.partners_for_enterprise(s, "DEMO-410200-E0001")),
    ("partners (institution)", lambda s: partners.partners_for_institution(s, "4141012058")),
    ("search 河南", lambda s: service.search(s, "河南")),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, action="append", default=[])
    ap.add_argument("--data", type=Path, action="append", default=[],
                    help="a folder of the demo's CSV files (e.g. a generated scale-100 one) instead of generating it; "
                         "its employment.csv is left out, as from the generated ones (--with-employment: kept)")
    ap.add_argument("--per-row", type=int, default=20000,
                    help="rows loaded one transaction each (a sample; the whole graph's time is extrapolated)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="10000",
                    help="batch sizes of the create (fresh) loads, comma-separated; fewer make a large scale quicker")
    ap.add_argument("--queries-only", action="store_true",
                    help="skip the load comparisons: load each graph once (batched) and time the queries")
    ap.add_argument("--loads-only", action="store_true", help="the fresh-build figures only, no query latencies")
    ap.add_argument("--no-upsert", action="store_true", help="skip the upsert load (the slowest batched one)")
    ap.add_argument("--bulk-only", action="store_true",
                    help="the offline importer's whole fresh build only (--repeat times), no UNWIND, per-row or queries")
    ap.add_argument("--no-demo", action="store_true", help="only the generated scales, not the demo")
    ap.add_argument("--with-employment", action="store_true",
                    help="keep the graphs' employment.csv (the whole scale-100 graph: 3 M relationships, not 1.17 M)")
    args = ap.parse_args()
    args.loads_only = args.loads_only or args.bulk_only
    for k, v in LIMITS.items():
        os.environ.setdefault(k, v)
    from neo4j import GraphDatabase
    from neo4j_server import PASSWORD, build, free_port, start, stop

    tmp = Path(tempfile.mkdtemp(prefix="iekg-bench-"))
    data = None
    uri, pw = os.environ.get("IEKG_NEO4J_URI"), os.environ.get("IEKG_NEO4J_PASSWORD")
    if not uri:
        os.environ.setdefault("IEKG_NEO4J_JAVA_OPTS", "")  # full JIT: the tests' C1-only start is for speed of start-up
        # A page cache that holds the scale-100 store (820 MB; neo4j-local's default, 256m, is for tests): with 256m
        # the kept sums' passes over the 800,000 programs and the constraints' index fill read the store again and
        # again from the operating system's cache (IEKG_NEO4J_PAGECACHE set: that one)
        os.environ.setdefault("IEKG_NEO4J_PAGECACHE", "1g")
        build()
        data = tmp / "neo4j" / "data"
        uri, pw = start(data, free_port()), PASSWORD
    driver = GraphDatabase.driver(uri, auth=("neo4j", pw or ""), **driver_options(Settings()))
    try:
        graphs: list[tuple[str, Path | None]] = [] if args.no_demo else [("demo", None)]
        for k in args.scale:
            from iekg.demo.generate import generate

            out = tmp / f"scale{k}"
            generate(out, scale=k)
            if not args.with_employment:
                (out / "employment.csv").unlink()
            graphs.append((f"scale {k}", out))
        for given in args.data:  # the folder's files (but employment.csv), linked (the folder is only read)
            out = tmp / f"data{len(graphs)}"
            out.mkdir()
            for f in sorted(given.resolve().iterdir()):
                if f.is_file() and (args.with_employment or f.name != "employment.csv"):
                    (out / f.name).symlink_to(f)
            graphs.append((given.name, out))
        sizes = [int(x) for x in args.sizes.split(",")]
        load_rows = ["| graph | rows | offline importer, whole fresh build: rows/s (s) | importer alone: rows/s (s) | "
                     + " | ".join(f"UNWIND create batch {k}: rows/s (s)" for k in sizes)
                     + " | UNWIND upsert batch 10000: rows/s | one tx per row: rows/s (sample; all rows extrapolated) "
                     "| importer / UNWIND / per row |",
                     "|---|---|---|---|" + "---|" * len(sizes) + "---|---|---|"]
        steps_rows: list[str] = []
        q_rows = ["| query | " + " | ".join(f"{g} sqlite ms | {g} neo4j ms" for g, _ in graphs) + " |",
                  "|---|" + "---|---|" * len(graphs)]
        lat: dict[str, list[str]] = {name: [] for name, _ in QUERIES}
        for label, folder in graphs:
            settings = Settings(home=tmp / label.replace(" ", ""), demo_dir=folder or Settings().demo_dir)
            nx_store = SqliteStore()
            service.build(nx_store, settings)
            changes = service.copy_graph(nx_store)
            rows = len(changes)
            neo = Neo4jStore(driver, uri=uri, password=pw, local_data=data, bulk_min_rows=-1)
            neo.clear()
            if args.queries_only:
                neo.batch_size = 10000
                neo.apply(changes, fresh=True)
            elif args.bulk_only:
                if data is None:
                    raise SystemExit("--bulk-only needs the benchmark's own neo4j-local server (IEKG_NEO4J_URI unset)")
                runs = [bulk(neo, changes) for _ in range(max(args.repeat, 1))]
                took = statistics.median(r[1] for r in runs)
                alone = statistics.median(r[2] for r in runs)
                load_rows.append(f"| {label} | {rows:,} | {rows / took:,.0f} ({took:.1f} s, median of {len(runs)}) | "
                                 f"{rows / alone:,.0f} ({alone:.1f} s) |" + " — |" * (len(sizes) + 3))
                steps_rows += [f"| {label} run {i + 1} | " + " | ".join(f"{k} {v:.1f} s" for k, v in r[3].items()) + " |"
                               for i, r in enumerate(runs)]
                print(load_rows[-1], file=sys.stderr)
                print(f"{label} done", file=sys.stderr)
                continue
            else:
                slow, sample = per_row(neo, changes, args.per_row)
                upsert = float("nan") if args.no_upsert else batched(neo, changes, 10000, fresh=False)
                fast = {size: batched(neo, changes, size) for size in sizes}
                best = max(fast.values())
                if data is not None:
                    whole, took, alone, steps = bulk(neo, changes)
                    b_cell = f"{whole:,.0f} ({took:.1f} s)"
                    a_cell = f"{rows / alone:,.0f} ({alone:.1f} s)" if alone == alone else "—"
                    steps_rows.append(f"| {label} | " + " | ".join(f"{k} {v:.1f} s" for k, v in steps.items()) + " |")
                    ratio = f"{whole / slow:,.1f}× / {best / slow:,.1f}× / 1×"
                else:
                    b_cell = a_cell = "— (not a neo4j-local server)"
                    ratio = f"— / {best / slow:,.1f}× / 1×"
                load_rows.append(f"| {label} | {rows:,} | {b_cell} | {a_cell} | "
                                 + " | ".join(f"{v:,.0f} ({rows / v:.1f} s)" for v in fast.values())
                                 + f" | {'—' if upsert != upsert else f'{upsert:,.0f}'} | {slow:,.0f} ({sample:,} rows; ≈{rows / slow:,.0f} s for all, "
                                 f"extrapolated) | {ratio} |")
                print("\n".join(load_rows[-1:]), file=sys.stderr)
                neo.batch_size = 10000
            if args.loads_only:
                print(f"{label} done", file=sys.stderr)
                continue
            for name, fn in QUERIES:
                try:
                    a = latency(fn, nx_store, args.repeat)
                    b = latency(fn, neo, args.repeat)
                    lat[name] += [f"{a:.1f}", f"{b:.1f}"]
                except LookupError:
                    lat[name] += ["—", "—"]
            print(f"{label} done", file=sys.stderr)
        q_rows += [f"| {name} | " + " | ".join(v) + " |" for name, v in lat.items()]
        if not args.queries_only:
            print("\n".join(load_rows))
            print()
            if steps_rows:
                print("Offline importer, the whole fresh build by step:\n")
                print("\n".join(steps_rows))
                print()
        if not args.loads_only:
            print("\n".join(q_rows))
    finally:
        driver.close()
        if data is not None:
            stop(data)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()

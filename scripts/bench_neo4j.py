"""Benchmark (not a test): Neo4j load throughput, batched vs one transaction per row, and each query's
latency on both stores.

    .venv/bin/python scripts/bench_neo4j.py                  # the demo
    .venv/bin/python scripts/bench_neo4j.py --scale 10       # and a generated scale-10 graph
    .venv/bin/python scripts/bench_neo4j.py --scale 100 --queries-only   # query latencies only

Starts scripts/neo4j-local on a free port with a temporary data folder (or uses IEKG_NEO4J_URI /
IEKG_NEO4J_PASSWORD when set) and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import os
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
from iekg.graph.cypher import label as _label  # noqa: E402
from iekg.graph.cypher import rel_type as _type  # noqa: E402
from iekg.graph.neo4jstore import Neo4jStore  # noqa: E402
from iekg.graph.schema import split_uid  # noqa: E402
from iekg.graph.sqlitestore import SqliteStore  # noqa: E402
from iekg.graph.store import ChangeSet, Store  # noqa: E402
from iekg.queries import alignment as al  # noqa: E402
from iekg.queries import coupling, gaps, partners, paths, readiness, who  # noqa: E402
from iekg.queries import scope as qscope  # noqa: E402
from iekg.settings import Settings  # noqa: E402


def per_row(neo: Neo4jStore, changes: ChangeSet, n: int) -> float:
    """The py2neo-era way: one MERGE, one transaction, one round trip per row. Returns rows/s."""
    nodes = list(changes.nodes.values())[:n // 2]
    rels = [r for r in changes.rels.values() if r.src in {x.uid for x in nodes} and r.dst in {x.uid for x in nodes}]
    rels = (rels + list(changes.rels.values()))[: n - len(nodes)]
    t0 = time.perf_counter()
    with neo.driver.session(database=neo.database) as s:
        for node in nodes:
            s.execute_write(lambda tx, node=node: tx.run(
                f"MERGE (n:{_label(node.label)} {{id: $id}}) SET n += $props", id=node.id, props=node.props).consume())
        for r in rels:
            (sl, si), (dl, di) = split_uid(r.src), split_uid(r.dst)
            s.execute_write(lambda tx, r=r, sl=sl, si=si, dl=dl, di=di: tx.run(
                f"MATCH (a:{_label(sl)} {{id: $s}}) MATCH (b:{_label(dl)} {{id: $d}}) "
                f"MERGE (a)-[x:{_type(r.type)} {{_key: $k}}]->(b) SET x += $p", s=si, d=di, k=r.key, p=r.props).consume())
    return (len(nodes) + len(rels)) / (time.perf_counter() - t0)


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
    ap.add_argument("--per-row", type=int, default=2000, help="rows loaded one transaction each")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="1000,5000,10000,20000",
                    help="batch sizes of the create (fresh) loads, comma-separated; fewer make a large scale quicker")
    ap.add_argument("--queries-only", action="store_true",
                    help="skip the load comparisons: load each graph once (batched) and time the queries")
    args = ap.parse_args()
    from neo4j import GraphDatabase
    from neo4j_server import PASSWORD, build, free_port, start, stop

    tmp = Path(tempfile.mkdtemp(prefix="iekg-bench-"))
    data = None
    uri, pw = os.environ.get("IEKG_NEO4J_URI"), os.environ.get("IEKG_NEO4J_PASSWORD")
    if not uri:
        os.environ.setdefault("IEKG_NEO4J_JAVA_OPTS", "")  # full JIT: the tests' C1-only start is for speed of start-up
        build()
        data = tmp / "neo4j" / "data"
        uri, pw = start(data, free_port()), PASSWORD
    driver = GraphDatabase.driver(uri, auth=("neo4j", pw))
    try:
        graphs: list[tuple[str, Path | None]] = [("demo", None)]
        for k in args.scale:
            from iekg.demo.generate import generate

            out = tmp / f"scale{k}"
            generate(out, scale=k)
            (out / "employment.csv").unlink()
            graphs.append((f"scale {k}", out))
        sizes = [int(x) for x in args.sizes.split(",")]
        load_rows = ["| graph | rows | one tx per row (rows/s) | upsert batch 10000 | "
                     + " | ".join(f"create batch {k}" for k in sizes) + " | best batched / per row |",
                     "|---|---|---|---|" + "---|" * len(sizes) + "---|"]
        q_rows = ["| query | " + " | ".join(f"{g} networkx ms | {g} neo4j ms" for g, _ in graphs) + " |",
                  "|---|" + "---|---|" * len(graphs)]
        lat: dict[str, list[str]] = {name: [] for name, _ in QUERIES}
        for label, folder in graphs:
            settings = Settings(home=tmp / label.replace(" ", ""), demo_dir=folder or Settings().demo_dir)
            nx_store = SqliteStore()
            service.build(nx_store, settings)
            changes = service.copy_graph(nx_store)
            neo = Neo4jStore(driver)
            neo.clear()
            if args.queries_only:
                neo.batch_size = 10000
                neo.apply(changes, fresh=True)
            else:
                slow = per_row(neo, changes, args.per_row)
                upsert = batched(neo, changes, 10000, fresh=False)
                fast = {size: batched(neo, changes, size) for size in sizes}
                best = max(fast.values())
                load_rows.append(f"| {label} | {len(changes)} | {slow:.0f} | {upsert:.0f} | "
                                 + " | ".join(f"{v:.0f}" for v in fast.values()) + f" | {best / slow:.0f}× |")
                neo.batch_size = 10000
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
        print("\n".join(q_rows))
    finally:
        driver.close()
        if data is not None:
            stop(data)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()

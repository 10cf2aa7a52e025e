"""Service functions: what the CLI and the API both call.  No printing here."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iekg.graph.schema import NODE_TYPES, REL_TYPES, compact_key
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ApplyResult, ChangeSet, Node, Store, StoreError, audit_entry
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.loaders.source import ILLUSTRATIVE, REFERENCE, USER, SourceTable
from iekg.settings import Settings

Progress = Callable[[str], None]


EMBEDDED = ("sqlite", "networkx", "embedded")  # the embedded store's name and its earlier names


def open_store(settings: Settings, say: Progress | None = None, *, migrate_legacy: bool = True) -> Store:
    """The configured store.  The embedded one converts a home's ``graph.json`` of an earlier iekg on first
    open (:func:`migrate_home`; ``say`` tells the user, else the log), unless ``migrate_legacy`` is off."""
    if settings.store in EMBEDDED:
        store = SqliteStore(settings.db_file, write_wait=settings.write_wait)
        if migrate_legacy and settings.graph_file.is_file():
            migrate_home(settings, store, say or logging.getLogger("iekg").warning, via="migrate")
        return store
    if settings.store == "neo4j":
        from iekg.graph.neo4jstore import Neo4jStore  # type: ignore[import-not-found]

        return Neo4jStore.from_settings(settings)  # type: ignore[no-any-return]
    raise StoreError(f"unknown store {settings.store!r}: use sqlite (the embedded default) or neo4j")


@dataclass
class LoadOutcome:
    report: Report
    result: ApplyResult | None = None
    seconds: float = 0.0
    sources: list[str] = field(default_factory=list)


def read_sources(settings: Settings, data: Sequence[str | Path], *, demo: bool, public: Path | None,
                 report: Report) -> list[SourceTable]:
    """The inputs of ``iekg build``: shipped reference, optional official lists, the demo, the user's data."""
    from iekg.loaders import notice

    tables: list[SourceTable] = []
    if public is not None:  # first, so that the reference tables' corrected names win
        from iekg.loaders import official

        tables += official.read_public_dir(public)
    ref_files = [f for f in sorted(settings.reference_dir.glob("*.csv")) if not f.name.startswith("notice_")]
    tables += read_paths(ref_files, report, kind=REFERENCE)
    tables += notice.read_notice_csvs(settings.reference_dir)  # the seed notice, kind "document"
    if demo:
        tables += read_paths([settings.demo_dir], report, kind=ILLUSTRATIVE)
    tables += read_paths(data, report, kind=USER, lazy=True)  # a build reads each big file's rows once, in order
    return tables


def file_facts(files: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Name, size and SHA-256 of each input file that was read (the import history's ``files``)."""
    out = []
    for f in sorted({Path(x) for x in files}):
        if not f.is_file():
            continue
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        out.append({"name": f.name, "size": f.stat().st_size, "sha256": h.hexdigest()})
    return out


def audit_for(tables: Sequence[SourceTable], who: str | None, via: str) -> dict[str, Any]:
    """The history entry of a load of ``tables``: every file read (a folder's files one by one)."""
    return audit_entry(who, via, file_facts(t.file for t in tables))


def build(store: Store, settings: Settings, data: Sequence[str | Path] = (), *, demo: bool = True,
          public: Path | None = None, progress: Progress | None = None, who: str | None = None,
          via: str = "build") -> LoadOutcome:
    """A fresh graph from the shipped reference (+ official lists) + the demo (+ the given data).

    The store's import history records it: ``who`` (an OS user, an API key's label), ``via`` and every
    file read."""
    t0 = time.perf_counter()
    report = Report()
    say = progress or (lambda _m: None)
    say("read")
    tables = read_sources(settings, data, demo=demo, public=public, report=report)
    say("validate")
    if not report.ok:
        raise pipeline.ImportFailed(report)
    audit = audit_for(tables, who, via)
    report, result = pipeline.load(store, tables, report, fresh=True, public_dir=public, consume=True, audit=audit)
    say("done")
    return LoadOutcome(report, result, time.perf_counter() - t0, sorted({t.file for t in tables}))


def import_paths(store: Store, paths: Iterable[str | Path], *, dry_run: bool = False,
                 demo_rows: str = "stop", who: str | None = None, via: str = "cli") -> LoadOutcome:
    """Validate the files and, when there is no error, add them to the graph (all or nothing).

    ``demo_rows``: what to do when the graph holds illustrative (demo) rows of a city the files are about —
    ``stop`` (default: an error that explains the choices), ``replace`` (delete that city's illustrative
    rows in the same write) or ``keep`` (both, each marked by source_kind).
    A real import (not ``dry_run``) is recorded in the store's import history with ``who``, ``via`` and
    the name, size and SHA-256 of every file read; a failed import or a dry run records nothing."""
    t0 = time.perf_counter()
    report = Report()
    tables = read_paths(paths, report, kind=USER)
    if not report.ok:
        changes, report = pipeline.prepare(store, tables, report)  # collect the rest of the errors too
        raise pipeline.ImportFailed(report)
    report, result = pipeline.load(store, tables, report, dry_run=dry_run, demo_rows=demo_rows,
                                   audit=None if dry_run else audit_for(tables, who, via))
    return LoadOutcome(report, result, time.perf_counter() - t0, sorted({t.file for t in tables}))


def copy_graph(src: Store) -> ChangeSet:
    """Everything in ``src`` as one change set (nodes with all properties, relationships with theirs)."""
    changes = ChangeSet()
    for label in NODE_TYPES:
        for n in src.nodes(label):
            changes.nodes[n.uid] = n
    for u in list(changes.nodes):
        for r, _ in src.neighbours(u, direction="out"):
            changes.rels[r.key] = r
    return changes


def sync(src: Store, dst: Store) -> ApplyResult:
    """Replace ``dst``'s graph by ``src``'s (``iekg sync --to neo4j``: the embedded graph into Neo4j)."""
    return dst.apply(copy_graph(src), fresh=True)


def info(store: Store) -> dict[str, Any]:
    labels, types = store.counts()
    return {"store": store.name, "nodes": labels, "relationships": types,
            "total_nodes": sum(labels.values()), "total_relationships": sum(types.values()),
            "nodes_by_source_kind": store.source_kind_counts()}


def resolve(store: Store, ident: str) -> Node | None:
    """``Label:id``, a bare id (any label; cities and institutions first), or an exact name."""
    ident = ident.strip()
    if ":" in ident and ident.split(":", 1)[0] in NODE_TYPES:
        return store.get(ident)
    for label in NODE_TYPES:
        n = store.get(f"{label}:{ident}")
        if n is not None:
            return n
    hits = store.search(ident, limit=1)
    if hits and ident in (hits[0].name, hits[0].id):
        return hits[0]
    return None


def show_relationship(store: Store, key: str) -> dict[str, Any] | None:
    """A relationship by its identity key ``TYPE|start uid|end uid|k=v…`` (as gaps cite it as evidence)."""
    parts = key.split("|")
    if len(parts) < 3 or parts[0] not in REL_TYPES:
        return None
    want = compact_key(key)  # also the printed form without empty key properties (drafts' evidence sheet)
    for r, other in store.neighbours(parts[1], [parts[0]], "out"):
        if r.key == key or compact_key(r.key) == want:
            start = store.get(r.src)
            return {"key": key, "type": r.type, "props": r.props,
                    "start": {"uid": r.src, "name": start.name if start else None},
                    "end": {"uid": other.uid, "name": other.name}}
    return None


def show(store: Store, ident: str, limit: int = 20) -> dict[str, Any] | None:
    """A node, its properties, and its relationships: at most ``limit`` of each type and direction,
    with the full count of each in ``relationship_counts``."""
    node = resolve(store, ident)
    if node is None:
        return None
    counts: dict[str, int] = {}
    shown = []
    for r, other in store.neighbours(node.uid):
        direction = "out" if r.src == node.uid else "in"
        group = f"{r.type} {direction}"
        counts[group] = counts.get(group, 0) + 1
        if counts[group] <= limit:
            shown.append({"type": r.type, "direction": direction, "other": other.uid, "other_label": other.label,
                          "other_name": other.name, "props": r.props})
    return {"uid": node.uid, "label": node.label, "props": node.props, "relationship_counts": counts,
            "relationships": shown}


def search(store: Store, text: str, labels: Iterable[str] | None = None, limit: int = 20) -> list[dict[str, Any]]:
    return [{"uid": n.uid, "label": n.label, "id": n.id, "name": n.name,
             "source_kind": n.props.get("source_kind")} for n in store.search(text, labels, limit)]


def is_illustrative(props: dict[str, Any]) -> bool:
    return props.get("source_kind") == ILLUSTRATIVE


def scope_is_illustrative(store: Store, cities: Iterable[str]) -> bool:
    """True when any program, demand row or located entity behind a scope's figures is illustrative."""
    cities = sorted(set(cities))
    loc = store.rel_frame("LOCATED_IN", ["source_kind"], dst_label="City", dst_ids=cities)
    if (loc["source_kind"] == ILLUSTRATIVE).any():
        return True
    offers = store.rel_frame("OFFERS", ["source_kind"], src_label="Institution", src_ids=loc["src"],
                             where={"source_kind": ILLUSTRATIVE})
    if len(offers):
        return True
    dem = store.rel_frame("DEMANDS", ["source_kind"], where={"city_code": cities, "source_kind": ILLUSTRATIVE})
    return bool(len(dem))


# ------------------------------------------------------------------------------- history, migration, export
def history(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """The store's recorded imports, newest first: id, at, who, via, files (name, size, sha256), changes."""
    return store.import_history(limit)


def migrate_file(store: Store, source: str | Path, *, who: str | None = None, via: str = "cli",
                 backup: bool = False) -> Any:
    """Replace ``store``'s graph by the legacy ``graph.json`` ``source`` (format iekg-graph, version 1).

    Raises :class:`iekg.graph.migrate.LegacyGraphError` (nothing changed) for a foreign or corrupt file.
    With ``backup`` the file is then renamed to ``graph.json.bak`` (never deleted, never overwriting an
    earlier backup).  Recorded in the import history like an import."""
    from iekg.graph import migrate

    source = Path(source)
    done = migrate.migrate(source, store, audit=audit_entry(who, via, file_facts([source])))
    if backup:
        done.backup = migrate.backup_path(source)
        try:
            source.rename(done.backup)
        except FileNotFoundError:  # another process migrated the same home at the same time
            done.backup = None
    return done


def migrate_home(settings: Settings, target_store: Store, say: Progress | None = None, *,
                 who: str | None = None, via: str = "cli") -> Any:
    """On first open of a home that holds a ``graph.json`` from an earlier version: convert it into
    ``target_store`` (the new database), tell the user, and keep the old file as ``graph.json.bak``.

    Nothing happens when there is no legacy file, or when ``target_store`` is that file itself.  When the
    target already holds a graph, the legacy file is left alone and ``say`` tells how to migrate it
    explicitly.  Returns the :class:`~iekg.graph.migrate.Migrated` outcome, or None."""
    legacy = settings.graph_file
    say = say or (lambda _m: None)
    if not legacy.is_file():
        return None
    own = getattr(target_store, "path", None)
    if own is not None and Path(own).resolve() == legacy.resolve():
        return None  # the networkx store reads this file itself
    labels, _ = target_store.counts()
    if labels:
        say(f"{legacy} (a graph file of an earlier iekg) was not converted: the database {settings.db_file} "
            f"already holds a graph. To replace that graph by the file's: iekg migrate --from {legacy} --replace")
        return None
    say(f"converting {legacy} (graph file of an earlier iekg) into {settings.db_file} …")
    done = migrate_file(target_store, legacy, who=who, via=via, backup=True)
    say(f"converted: {done.nodes} nodes, {done.rels} relationships; the old file is kept as {done.backup}")
    return done


def export_graph(store: Store, fmt: str, path: str | Path, city: str | None = None) -> dict[str, Any]:
    """Write the graph (or ``city``'s subgraph: iekg.graph.export) as graphml, gexf or node-link json."""
    from iekg.graph import export

    return export.export_graph(store, fmt, path, city)

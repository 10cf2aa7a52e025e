"""The embedded default store: the graph in one SQLite database in the home folder (``graph.sqlite``).

SQLite (Python's ``sqlite3``) in WAL mode gives the embedded store what a graph fed from several offices
needs: every ``apply`` is one transaction (``BEGIN IMMEDIATE``: all or nothing, a ``kill -9`` at any moment
leaves the previous graph), writers queue on the busy timeout, readers are never blocked and read a
committed state only, and queries read only the rows they need through indexes.

Tables:

- ``nodes``: ``label``, ``id`` (the primary key), ``props`` (every property as canonical JSON: keys sorted)
  and typed copies of the properties that queries join or filter on (``level``, ``source_kind``).
- ``rels``: ``type``, both ends (``src_label``, ``src_id``, ``dst_label``, ``dst_id``), ``k`` (the key
  properties part of the relationship's identity, :func:`~iekg.graph.schema.rel_key`), ``props`` (JSON) and
  typed copies of the properties the sums filter and add up (``year``, ``enrollment``, ``graduates`` …,
  see :data:`REL_COLUMNS`).  The JSON is the truth; a typed column holds the value when it is a number
  (numeric columns) or a scalar (text columns), else NULL.
- ``rel_counts`` (relationships per type, kept by every write: ``iekg info`` never counts millions of rows),
  ``meta`` (format, schema version and the graph ``version`` every write increments: memoised results of
  every process follow other processes' writes) and ``imports`` (the import audit trail, written in the same
  transaction as the import it records).

The sums alignment needs (``offer_sums`` …) are SQL aggregations here, as they are Cypher in the Neo4j
store; networkx stays the graph-algorithm library on the subgraphs fetched through ``links`` /
``neighbours``.  ``SqliteStore(None)`` (or ``":memory:"``) keeps a private graph in memory (tests, and the
empty graph a fresh build validates against).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from iekg._lazy import lazy
from iekg.graph.schema import NODE_TYPES, PROVENANCE, REL_TYPES, split_uid
from iekg.graph.store import ApplyResult, ChangeSet, Node, Rel, Store, StoreError, audit_entry, search_rank
from iekg.graph.sums import (
    DEMAND_SUM_COLUMNS,
    OFFER_KEYS,
    OFFER_SUM_COLUMNS,
    OFFER_YEAR_COUNT_COLUMNS,
    TOP_OFFER_COLUMNS,
)
from iekg.processes import orphans

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

FORMAT = "iekg-graph-sqlite"
SCHEMA_VERSION = 1
DEFAULT_WRITE_WAIT = 600.0  # seconds a writer waits for another import to finish (IEKG_WRITE_WAIT)

# typed copies of relationship properties: name -> "num" (numbers; numeric text converted) or "text"
REL_COLUMNS: dict[str, str] = {
    "year": "scalar", "city_code": "scalar", "major_code": "scalar", "source_kind": "scalar",
    "enrollment": "num", "graduates": "num", "employment_rate": "num", "headcount": "num", "weight": "num",
    "leading": "bool",
}
NODE_COLUMNS: dict[str, str] = {"level": "scalar", "source_kind": "scalar"}

# properties whose values may be something json_extract cannot return as they are (bool, list)
_DECLARED: dict[str, set[str]] = defaultdict(set)
for _props in [n.props for n in NODE_TYPES.values()] + [r.props for r in REL_TYPES.values()]:
    for _p, _t in _props.items():
        _DECLARED[_p].add(_t)
for _p in PROVENANCE:
    _DECLARED[_p].add("int" if _p == "source_row" else "str")
_DECLARED["id"].add("str")
_PLAIN = {p for p, ts in _DECLARED.items() if ts <= {"str", "int", "float"}}

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nodes (
    label TEXT NOT NULL, id TEXT NOT NULL, props TEXT NOT NULL,
    {", ".join(NODE_COLUMNS)},
    PRIMARY KEY (label, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rels (
    type TEXT NOT NULL, src_label TEXT NOT NULL, src_id TEXT NOT NULL, dst_label TEXT NOT NULL,
    dst_id TEXT NOT NULL, k TEXT NOT NULL, props TEXT NOT NULL,
    {", ".join(REL_COLUMNS)});
CREATE TABLE IF NOT EXISTS rel_counts (type TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT, via TEXT, files TEXT NOT NULL,
    changes TEXT NOT NULL, entry TEXT NOT NULL);
"""
# Pages of a new graph database: with rows of a few hundred bytes written and indexed in bulk, 16 KB pages
# made a national build (scale 100) about 10 % faster than SQLite's default 4 KB, with the same query times
# (docs/storage.md).  A database keeps the page size it was created with.
PAGE_SIZE = 16384
_IDENTITY = ("type", "src_label", "src_id", "dst_label", "dst_id", "k")  # a relationship's key, as columns
_UNIQUE_RELS = "CREATE UNIQUE INDEX IF NOT EXISTS rels_out ON rels (src_id, type, src_label, dst_id, dst_label, k)"
_INDEXES = _UNIQUE_RELS + """;
CREATE INDEX IF NOT EXISTS rels_in ON rels (dst_id, type, dst_label, src_label, src_id);
CREATE INDEX IF NOT EXISTS rels_src_year ON rels (src_id, type, year, dst_id, graduates, enrollment, employment_rate,
    leading);
CREATE INDEX IF NOT EXISTS rels_type ON rels (type, year, city_code);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes (source_kind);
"""
_NODE_COLS = ", ".join(NODE_COLUMNS)
_REL_COLS = ", ".join(REL_COLUMNS)
_INSERT_NODE = f"INSERT INTO nodes (label, id, props, {_NODE_COLS}) VALUES (?, ?, ?{', ?' * len(NODE_COLUMNS)})"
_UPDATE_NODE = f"UPDATE nodes SET props = ?, {', '.join(c + ' = ?' for c in NODE_COLUMNS)} WHERE label = ? AND id = ?"
_INSERT_REL = (f"INSERT INTO rels (type, src_label, src_id, dst_label, dst_id, k, props, {_REL_COLS}) "
               f"VALUES (?, ?, ?, ?, ?, ?, ?{', ?' * len(REL_COLUMNS)})")
_UPDATE_REL = f"UPDATE rels SET props = ?, {', '.join(c + ' = ?' for c in REL_COLUMNS)} WHERE rowid = ?"
_IDS = "(SELECT value FROM json_each(?))"  # a list parameter (JSON text): no limit on the number of ids


def _number(v: Any) -> float | int | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return None if isinstance(v, float) and math.isnan(v) else v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return None
        return None if math.isnan(f) else f
    return None


def _scalar(v: Any) -> Any:
    return v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None


def _flag(v: Any) -> int | None:
    return int(v) if isinstance(v, bool) else None


_CONVERT: dict[str, Callable[[Any], Any]] = {"num": _number, "bool": _flag, "scalar": _scalar}


def _typer(columns: Mapping[str, str]) -> Callable[[Mapping[str, Any]], list[Any]]:
    """The typed column values of a property dict (only the properties it has are looked at)."""
    names = set(columns)
    slot = {c: i for i, c in enumerate(columns)}
    conv = {c: _CONVERT[kind] for c, kind in columns.items()}
    width = len(columns)

    def typed(props: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = [None] * width
        for c in names.intersection(props):
            out[slot[c]] = conv[c](props[c])
        return out
    return typed


_typed_node = _typer(NODE_COLUMNS)
_typed_rel = _typer(REL_COLUMNS)


def _clean(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """No NaN (Neo4j drops a property set to null/NaN; JSON has no NaN)."""
    for v in props.values():
        if type(v) is float and v != v:
            return {k: v for k, v in props.items() if not (isinstance(v, float) and math.isnan(v))}
    return props


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME  # (datetimes through default=str, as json does)


def _dumps(props: Mapping[str, Any]) -> str:
    """Properties as stored: compact JSON, keys sorted, text as written (not \\u-escaped), anything else
    as its str.  orjson writes what the standard encoder writes — a number may be spelled another way
    (0.00001 for 1e-05), the same value — four times faster (a national build writes millions); what it
    cannot write (an int beyond 64 bits) goes to the standard encoder."""
    try:
        return orjson.dumps(props, option=_ORJSON, default=str).decode()
    except TypeError:
        return _ENCODER.encode(props)


_KEYS: dict[str, tuple[str, ...]] = {t: tuple(spec.key) for t, spec in REL_TYPES.items()}


def _key_part(rel_type: str, props: Mapping[str, Any]) -> str:
    return "|".join([f"{k}={props.get(k)!s}" for k in _KEYS[rel_type]])


def _path(prop: str) -> str:
    return '$."' + prop.replace('"', '\\"') + '"'


def _jlist(values: Iterable[Any]) -> str:
    return json.dumps(sorted({str(v) for v in values}), ensure_ascii=False)


def _label(label: str) -> str:
    if label not in NODE_TYPES:
        raise ValueError(f"not a schema label: {label!r}")
    return label


def _type(rel_type: str) -> str:
    if rel_type not in REL_TYPES:
        raise ValueError(f"not a schema relationship type: {rel_type!r}")
    return rel_type


class SqliteStore(Store):
    name = "sqlite"
    follows_writes = True  # reads the database on every call: nothing to reload after another process's write

    def __init__(self, path: str | os.PathLike[str] | None = None, *, write_wait: float | None = None) -> None:
        """``path`` is the database file; None or ``":memory:"`` keeps a private graph in memory.
        ``write_wait``: seconds a write waits for another process's import (default IEKG_WRITE_WAIT or 600)."""
        self.memory = path is None or str(path) == ":memory:"
        self.path = None if self.memory else Path(path)  # type: ignore[arg-type]
        if write_wait is None:
            try:
                write_wait = float(os.environ.get("IEKG_WRITE_WAIT", DEFAULT_WRITE_WAIT))
            except ValueError:
                write_wait = DEFAULT_WRITE_WAIT
        self.write_wait = write_wait
        self._local = threading.local()
        self._lock = threading.RLock()  # the in-memory database has one connection, shared by threads
        self._shared: sqlite3.Connection | None = None
        self._memo_version: Any = None
        self._all: list[sqlite3.Connection] = []
        self._void: sqlite3.Connection | None = None  # an empty graph to read while the file does not exist
        if self.path is None or self.path.exists():
            with self._use():
                pass

    # -------------------------------------------------------------------------------- connections
    def _where(self) -> str:
        return "the in-memory graph" if self.path is None else str(self.path)

    def _connect(self) -> sqlite3.Connection:
        if self.path is None:
            con = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            if self.path.exists() and self.path.is_dir():
                raise StoreError(f"图谱数据库路径是一个文件夹 · {self.path} is a folder, not the graph database: "
                                 f"move it away or set another IEKG_HOME")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=self.write_wait, isolation_level=None, check_same_thread=False)
        try:
            con.execute("PRAGMA foreign_keys = OFF")
            con.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # (takes effect only on a database not yet written)
            self._check(con)  # before anything that would change the file (a foreign one stays as it is)
            if self.path is not None:
                mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal" and os.access(self.path, os.W_OK):
                    raise StoreError(f"{self.path}: cannot switch to WAL mode ({mode})")
                con.execute("PRAGMA synchronous = FULL")  # a reported import survives a power cut too
                con.execute("PRAGMA cache_size = -65536")
                con.execute("PRAGMA mmap_size = 268435456")
                con.execute("PRAGMA journal_size_limit = 67108864")  # the WAL shrinks back after a big import
            con.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            con.close()
            raise self._error(exc) from None
        except BaseException:
            con.close()
            raise
        self._all.append(con)
        return con

    def _con(self, create: bool) -> sqlite3.Connection:
        if self.memory:
            if self._shared is None:
                self._shared = self._connect()
            return self._shared
        con = getattr(self._local, "con", None)
        if con is None:
            assert self.path is not None
            if not create and not self.path.exists():  # reading a home without a graph creates no file
                if self._void is None:
                    void = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
                    _script(void, _SCHEMA + "INSERT INTO meta VALUES ('version', 0)")
                    self._void = void
                return self._void
            con = self._connect()
            self._local.con = con
        return con

    @contextmanager
    def _use(self, create: bool = False) -> Iterator[sqlite3.Connection]:
        """This thread's connection (the in-memory one under its lock); database errors become StoreError.
        ``create``: make the database file when it does not exist yet (writes)."""
        with self._lock if self.memory else _nolock:
            con = self._con(create)
            try:
                yield con
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from None

    def _error(self, exc: sqlite3.DatabaseError) -> StoreError:
        msg = str(exc)
        where = self._where()
        low = msg.lower()
        if "locked" in low or "busy" in low:
            return StoreError(
                f"另一个导入正在写入图谱，等待 {self.write_wait:g} 秒后仍未结束 · another import is writing to "
                f"{where} and did not finish within {self.write_wait:g} s. Wait for it to finish and run the "
                f"command again, or set IEKG_WRITE_WAIT to wait longer. Nothing was changed.")
        if "readonly" in low or "read-only" in low or "unable to open" in low or "permission" in low:
            return StoreError(
                f"图谱数据库只读或无法打开 · {where} is read-only or cannot be opened ({msg}). Make the file "
                f"and its folder writable for this user (chmod u+w), or set IEKG_HOME to a writable folder. "
                f"Nothing was changed.")
        if "not a database" in low or "malformed" in low or "corrupt" in low or "disk image" in low:
            return StoreError(
                f"图谱数据库文件已损坏或不是数据库 · {where} is not a readable SQLite database (corrupt or "
                f"another kind of file: {msg}). Move it away (e.g. rename it to graph.sqlite.broken) and run "
                f"`iekg build` to rebuild the graph, or restore a backup. Nothing was changed.")
        return StoreError(f"图谱数据库出错 · the graph database {where} failed: {msg}")

    def _check(self, con: sqlite3.Connection) -> None:
        """An iekg database (or an empty one, given the schema); a foreign or newer one is refused."""
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" in tables:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") != FORMAT:
                raise self._foreign(tables)
            if int(meta.get("schema", 0)) > SCHEMA_VERSION:
                raise StoreError(f"{self._where()} was written by a newer iekg (schema {meta.get('schema')}): "
                                 f"upgrade iekg · 请升级 iekg")
            return
        if tables - {"sqlite_sequence"}:
            raise self._foreign(tables)
        if self.path is not None and self.path.exists() and not os.access(self.path, os.W_OK):
            return  # an empty read-only file: reads see an empty graph, writes say it is read-only
        self._begin(con)
        try:
            _script(con, _SCHEMA + _INDEXES)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?), ('schema', ?), ('version', 0)",
                        (FORMAT, SCHEMA_VERSION))
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    def _foreign(self, tables: set[str]) -> StoreError:
        return StoreError(
            f"{self._where()} 不是 iekg 的图谱数据库 · is a SQLite database of another program, not an iekg "
            f"graph (tables: {', '.join(sorted(tables)) or 'none'}). Move it away or set IEKG_HOME to another "
            f"folder, then run `iekg build`. Nothing was changed.")

    def _begin(self, con: sqlite3.Connection) -> None:
        """The write lock (waits up to ``write_wait`` for another writer; past it, a StoreError)."""
        if self.path is not None and self.path.exists() and not os.access(self.path, os.W_OK):
            raise StoreError(
                f"图谱数据库只读 · {self.path} is read-only: make it writable (chmod u+w {self.path}) or set "
                f"IEKG_HOME to a writable folder. Nothing was changed.")
        con.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        for con in self._all:
            try:
                con.close()
            except sqlite3.Error:
                pass
        self._all.clear()
        self._shared = None
        self._void = None
        self._local = threading.local()

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every SELECT inside sees the same committed state (nests)."""
        with self._use() as con:
            if con.in_transaction:
                yield con
                return
            con.execute("BEGIN")
            try:
                yield con
            finally:
                if con.in_transaction:
                    con.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        with self._use() as con:
            return con.execute(sql, params).fetchall()

    # ------------------------------------------------------------------------------- the version
    def version(self) -> int:
        return int(self._rows("SELECT value FROM meta WHERE key = 'version'")[0][0])

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """As :meth:`Store.memo`, valid while the graph version is unchanged (another process's import drops
        it); computed in one read transaction, so a result never mixes two versions of the graph."""
        with self._snapshot():
            v = self.version()
            if v != self._memo_version:
                self.forget()
                self._memo_version = v
            return super().memo(key, compute)

    # ------------------------------------------------------------------------------------ writes
    def rel_spill(self) -> RelSpill:
        """A build's relationships on disk next to the graph (in the system's temp folder for a graph in
        memory); ``apply(fresh=True)`` copies them in with one statement."""
        return RelSpill(self.path.parent if self.path is not None else None)

    def apply(self, changes: ChangeSet, *, fresh: bool = False,
              audit: Mapping[str, Any] | None = None) -> ApplyResult:
        """Everything in one transaction (``BEGIN IMMEDIATE``): all or nothing, also for ``fresh``."""
        spill = changes.rels if isinstance(changes.rels, RelSpill) and fresh else None
        with self._use(create=True) as con:
            if spill is not None:
                spill.finish()
                con.execute("ATTACH DATABASE ? AS spill", (str(spill.path),))  # (not inside a transaction)
            try:
                self._begin(con)
            except BaseException:
                if spill is not None:
                    con.execute("DETACH DATABASE spill")
                raise
            try:
                res = self._apply(con, changes, fresh, spill)
                if audit is not None:
                    self._audit(con, audit, res)
                if fresh or any(res.as_dict().values()):  # a new version: memoised results are dropped
                    con.execute("UPDATE meta SET value = value + 1 WHERE key = 'version'")
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                self.forget()
                if spill is not None:
                    con.execute("DETACH DATABASE spill")
            if fresh:
                try:
                    con.execute("PRAGMA optimize")
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for readers
                except sqlite3.OperationalError:
                    pass  # readers still on the old graph: the checkpoint happens later
        return res

    def _apply(self, con: sqlite3.Connection, changes: ChangeSet, fresh: bool,
               spill: RelSpill | None = None) -> ApplyResult:
        res = ApplyResult()
        delta: dict[str, int] = defaultdict(int)
        if fresh:
            _script(con, "DROP TABLE rels; DROP TABLE nodes; DELETE FROM rel_counts;" + _SCHEMA)
        for u in sorted(getattr(changes, "delete_nodes", None) or ()):
            label, ident = split_uid(u)
            gone = con.execute("DELETE FROM rels WHERE (src_id = ? AND src_label = ?) OR (dst_id = ? AND dst_label = ?) "
                               "RETURNING type", (ident, label, ident, label)).fetchall()
            for (t,) in gone:
                delta[t] -= 1
            res.rels_deleted += len(gone)
            if con.execute("DELETE FROM nodes WHERE label = ? AND id = ?", (label, ident)).rowcount and \
                    hasattr(res, "nodes_deleted"):
                res.nodes_deleted += 1  # type: ignore[attr-defined]
        # nodes
        by_label: dict[str, list[Node]] = defaultdict(list)
        for n in changes.nodes.values():
            by_label[n.label].append(n)
        for label, nodes in sorted(by_label.items()):
            old: dict[str, str] = {}
            if not fresh:
                old = dict(con.execute(f"SELECT id, props FROM nodes WHERE label = ? AND id IN {_IDS}",
                                       (label, _jlist(n.props["id"] for n in nodes))).fetchall())
            inserts, updates = [], []
            for n in nodes:
                ident = str(n.props["id"])
                before = old.get(ident)
                if before is None:
                    p = _clean(n.props)
                    inserts.append((label, ident, _dumps(p), *_typed_node(p)))
                else:
                    prev = json.loads(before)
                    p = _clean({**prev, **n.props})
                    if p != prev:
                        updates.append((_dumps(p), *_typed_node(p), label, ident))
            con.executemany(_INSERT_NODE, inserts)
            con.executemany(_UPDATE_NODE, updates)
            res.nodes_created += len(inserts)
            res.nodes_updated += len(updates)
        # relationships of (start, type) pairs that this change set replaces, except those it keeps
        if not fresh and changes.replace:
            keep: set[tuple[str, str, str, str]] = set()
            for r in changes.rels.values():
                keep.add((r.src, r.type, r.dst, _key_part(r.type, r.props)))
            doomed = []
            for src, rel_type in sorted(changes.replace):
                label, ident = split_uid(src)
                for rowid, dl, di, k in con.execute(
                        "SELECT rowid, dst_label, dst_id, k FROM rels WHERE src_id = ? AND type = ? AND src_label = ?",
                        (ident, rel_type, label)):
                    if (src, rel_type, f"{dl}:{di}", k) not in keep:
                        doomed.append((rowid,))
                        delta[rel_type] -= 1
            con.executemany("DELETE FROM rels WHERE rowid = ?", doomed)
            res.rels_deleted += len(doomed)
        # relationships: their ends must exist
        if spill is not None:  # a build's relationships, on disk in this table's own columns, in seq order
            missing = sorted(spill.ends() - set(changes.nodes))
            if missing:
                raise KeyError(f"a relationship refers to a missing node {missing[0]}")
            # in the import's order into the unique index of keys: of two with one key, the later stays
            con.execute(_UNIQUE_RELS)
            con.execute(f"INSERT INTO rels (type, src_label, src_id, dst_label, dst_id, k, props, {_REL_COLS}) "
                        f"SELECT type, src_label, src_id, dst_label, dst_id, k, props, {_REL_COLS} "
                        f"FROM spill.stage WHERE true ORDER BY seq "
                        f"ON CONFLICT (src_id, type, src_label, dst_id, dst_label, k) DO UPDATE SET props = excluded.props, "
                        + ", ".join(f"{c} = excluded.{c}" for c in REL_COLUMNS))
        else:
            self._write_rels(con, changes, fresh, res, delta)
        if fresh:
            _script(con, _INDEXES + "ANALYZE;")
            if spill is not None:  # (counted with the index on type)
                for t, n in con.execute("SELECT type, count(*) FROM rels GROUP BY type"):
                    delta[t] += n
                    res.rels_created += n
        for t, d in delta.items():
            if d:
                con.execute("INSERT INTO rel_counts VALUES (?, ?) ON CONFLICT (type) DO UPDATE SET n = n + excluded.n",
                            (t, d))
        con.execute("DELETE FROM rel_counts WHERE n <= 0")
        return res

    def _write_rels(self, con: sqlite3.Connection, changes: ChangeSet, fresh: bool, res: ApplyResult,
                    delta: dict[str, int]) -> None:
        """The change set's relationships, whose ends must exist (in the change set or the graph)."""
        ends = {e for r in changes.rels.values() for e in (r.src, r.dst)} - set(changes.nodes)
        if ends:
            by_end: dict[str, list[str]] = defaultdict(list)
            for e in ends:
                label, ident = split_uid(e)
                by_end[label].append(ident)
            found = set()
            if not fresh:
                for label, ids in by_end.items():
                    found |= {f"{label}:{i}" for (i,) in con.execute(
                        f"SELECT id FROM nodes WHERE label = ? AND id IN {_IDS}", (label, _jlist(ids)))}
            missing = sorted(ends - found)
            if missing:
                bad = next(r for r in changes.rels.values() if r.src in missing or r.dst in missing)
                raise KeyError(f"relationship {bad.key} refers to a missing node "
                               f"{bad.src if bad.src in missing else bad.dst}")
        if fresh:
            def rows() -> Iterator[tuple[Any, ...]]:
                for r in changes.rels.values():
                    sl, si = split_uid(r.src)
                    dl, di = split_uid(r.dst)
                    p = _clean(r.props)
                    delta[r.type] += 1
                    yield (r.type, sl, si, dl, di, _key_part(r.type, r.props), _dumps(p), *_typed_rel(p))
            res.rels_created += con.executemany(_INSERT_REL, rows()).rowcount
        else:
            for r in changes.rels.values():
                sl, si = split_uid(r.src)
                dl, di = split_uid(r.dst)
                k = _key_part(r.type, r.props)
                p = _clean(r.props)
                row = con.execute("SELECT rowid, props FROM rels WHERE src_id = ? AND type = ? AND src_label = ? "
                                  "AND dst_id = ? AND dst_label = ? AND k = ?", (si, r.type, sl, di, dl, k)).fetchone()
                if row is None:
                    con.execute(_INSERT_REL, (r.type, sl, si, dl, di, k, _dumps(p), *_typed_rel(p)))
                    delta[r.type] += 1
                    res.rels_created += 1
                elif json.loads(row[1]) != p:
                    con.execute(_UPDATE_REL, (_dumps(p), *_typed_rel(p), row[0]))
                    res.rels_updated += 1

    def _audit(self, con: sqlite3.Connection, entry: Mapping[str, Any], res: ApplyResult) -> None:
        e = dict(entry)
        at = e.get("at") or datetime.now(UTC).isoformat(timespec="seconds")
        e["at"] = at
        e["changes"] = res.as_dict()
        e.setdefault("files", [])
        con.execute("INSERT INTO imports (at, who, via, files, changes, entry) VALUES (?, ?, ?, ?, ?, ?)",
                    (str(at), e.get("who"), e.get("via"), _dumps(e["files"]), _dumps(e["changes"]), _dumps(e)))

    def import_history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The import audit trail, newest first: id, at, who, via, files, changes (and whatever else the
        entry held)."""
        out = []
        order = list(ApplyResult().as_dict())
        for ident, entry in self._rows("SELECT id, entry FROM imports ORDER BY id DESC LIMIT ?", (int(limit),)):
            e = json.loads(entry)  # stored with sorted keys: given back in the interface's order
            changes = e.get("changes") or {}
            out.append({"id": ident, **audit_entry(e.get("who"), str(e.get("via") or ""), e.get("files") or (),
                                                   e.get("at")),
                        "changes": {**{k: changes[k] for k in order if k in changes}, **changes},
                        **{k: v for k, v in e.items() if k not in ("id", "at", "who", "via", "files", "changes")}})
        return out

    def clear(self) -> None:
        self.apply(ChangeSet(), fresh=True)

    # ------------------------------------------------------------------------------------- reads
    @staticmethod
    def _node(label: str, props: str) -> Node:
        p = json.loads(props)  # written with sorted keys: the canonical order
        return Node(f"{label}:{p['id']}", label, p)

    def get(self, uid: str) -> Node | None:
        label, ident = split_uid(uid)
        rows = self._rows("SELECT props FROM nodes WHERE label = ? AND id = ?", (label, ident))
        return self._node(label, rows[0][0]) if rows else None

    def get_many(self, uids: Iterable[str]) -> dict[str, Node]:
        by: dict[str, list[str]] = defaultdict(list)
        for u in set(uids):
            label, ident = split_uid(u)
            by[label].append(ident)
        out: dict[str, Node] = {}
        with self._snapshot() as con:
            for label, ids in sorted(by.items()):
                for (p,) in con.execute(f"SELECT props FROM nodes WHERE label = ? AND id IN {_IDS}", (label, _jlist(ids))):
                    n = self._node(label, p)
                    out[n.uid] = n
        return out

    def existing(self, label: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        return {r[0] for r in self._rows(f"SELECT id FROM nodes WHERE label = ? AND id IN {_IDS}", (label, _jlist(ids)))}

    def nodes(self, label: str) -> list[Node]:
        return [self._node(label, p) for (p,) in
                self._rows("SELECT props FROM nodes WHERE label = ? ORDER BY id", (label,))]

    _NEIGHBOURS = (
        "SELECT r.type, 1, r.dst_label, r.dst_id, r.props, n.props FROM rels r "
        "JOIN nodes n ON n.label = r.dst_label AND n.id = r.dst_id WHERE r.src_id = ? AND r.src_label = ? {types}",
        "SELECT r.type, 0, r.src_label, r.src_id, r.props, n.props FROM rels r "
        "JOIN nodes n ON n.label = r.src_label AND n.id = r.src_id WHERE r.dst_id = ? AND r.dst_label = ? {types}",
    )

    def neighbours(self, uid: str, rel_types: Iterable[str] | None = None, direction: str = "both",
                   labels: Iterable[str] | None = None, limit: int | None = None) -> list[tuple[Rel, Node]]:
        label, ident = split_uid(uid)
        types = sorted(set(rel_types)) if rel_types else None
        labs = set(labels) if labels else None
        cond = f"AND r.type IN {_IDS}" if types else ""
        params: list[Any] = [ident, label] + ([json.dumps(types)] if types else [])
        parts = []
        if direction in ("out", "both"):
            parts.append(self._NEIGHBOURS[0].format(types=cond))
        if direction in ("in", "both"):
            parts.append(self._NEIGHBOURS[1].format(types=cond))
        sql = " UNION ALL ".join(parts)
        out: list[tuple[Rel, Node]] = []
        for t, is_out, ol, oi, rp, op in self._rows(sql, params * len(parts)):
            if labs is not None and ol not in labs:
                continue
            other = f"{ol}:{oi}"
            if not is_out and other == uid and direction == "both":
                continue  # a self-loop, already listed as outgoing
            src, dst = (uid, other) if is_out else (other, uid)
            out.append((Rel(t, src, dst, json.loads(rp)), self._node(ol, op)))
        out.sort(key=lambda rn: (rn[0].type, rn[1].uid, rn[0].key))
        return out[:limit] if limit is not None else out

    def links(self, uids: Iterable[str], rel_types: Iterable[str] | None = None) -> dict[str, list[tuple[Rel, str]]]:
        wanted = list(uids)
        types = sorted(set(rel_types)) if rel_types else None
        out: dict[str, list[tuple[Rel, str]]] = {u: [] for u in wanted}
        by: dict[str, list[str]] = defaultdict(list)
        for u in set(wanted):
            label, ident = split_uid(u)
            if label in NODE_TYPES:
                by[label].append(ident)
        cond = f" AND type IN {_IDS}" if types else ""
        tp = [json.dumps(types)] if types else []
        with self._snapshot() as con:
            for label, ids in sorted(by.items()):
                jl = _jlist(ids)
                rows = con.execute(
                    f"SELECT 1, type, src_label, src_id, dst_label, dst_id, props FROM rels "
                    f"WHERE src_id IN {_IDS} AND src_label = ?{cond} UNION ALL "
                    f"SELECT 0, type, src_label, src_id, dst_label, dst_id, props FROM rels "
                    f"WHERE dst_id IN {_IDS} AND dst_label = ?{cond}", [jl, label, *tp, jl, label, *tp]).fetchall()
                for is_out, t, sl, si, dl, di, rp in rows:
                    src, dst = f"{sl}:{si}", f"{dl}:{di}"
                    if src == dst:
                        continue
                    rel = Rel(t, src, dst, json.loads(rp))
                    if is_out:
                        out[src].append((rel, dst))
                    else:
                        out[dst].append((rel, src))
        return out

    def search(self, text: str, labels: Iterable[str] | None = None, limit: int = 20) -> list[Node]:
        q = text.strip().lower()
        if not q:
            return []
        labs = sorted(set(labels) if labels else NODE_TYPES)
        # the JSON text holds every searched value as written (unless q has characters JSON escapes)
        pre = not any(c in q for c in '"\\') and all(ord(c) >= 32 for c in q)
        hits: list[tuple[int, int, str, Node]] = []
        with self._use() as con:
            con.create_function("iekg_lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True)
            sql = f"SELECT label, props FROM nodes WHERE label IN {_IDS}"
            params: list[Any] = [json.dumps(labs)]
            if pre:
                sql += " AND instr(iekg_lower(props), ?) > 0"
                params.append(q)
            for label, p in con.execute(sql, params).fetchall():
                node = self._node(label, p)
                rank = search_rank(q, node.props, NODE_TYPES[label].search)
                if rank is not None:
                    hits.append((*rank, node.uid, node))
        hits.sort(key=lambda h: h[:3])
        return [h[3] for h in hits[:limit]]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._snapshot() as con:
            labels = dict(con.execute("SELECT label, count(*) FROM nodes GROUP BY label").fetchall())
            types = dict(con.execute("SELECT type, n FROM rel_counts WHERE n > 0").fetchall())
        return dict(sorted(labels.items())), dict(sorted(types.items()))

    def source_kind_counts(self) -> dict[str, int]:
        """One GROUP BY over the typed ``source_kind`` column (its index answers it)."""
        rows = self._rows("SELECT coalesce(source_kind, 'unknown'), count(*) FROM nodes GROUP BY 1")
        out: dict[str, int] = defaultdict(int)
        for k, n in rows:
            out[str(k)] += n
        return dict(sorted(out.items()))

    def snapshot(self) -> dict[str, Any]:
        with self._snapshot() as con:
            nodes = {f"{label}:{i}": json.loads(p) for label, i, p in con.execute("SELECT label, id, props FROM nodes")}
            rels = {}
            for t, sl, si, dl, di, p in con.execute("SELECT type, src_label, src_id, dst_label, dst_id, props FROM rels"):
                r = Rel(t, f"{sl}:{si}", f"{dl}:{di}", json.loads(p))
                rels[r.key] = r.props
        return {"nodes": dict(sorted(nodes.items())), "rels": dict(sorted(rels.items()))}

    # ------------------------------------------------------------------------------------ frames
    @staticmethod
    def _select(props: Sequence[str], alias: str) -> tuple[str, list[Any], list[int]]:
        """SQL expressions reading ``props`` from ``alias``.props exactly: plain values with json_extract; for
        properties that may hold booleans or lists, the JSON text (decoded afterwards; positions returned)."""
        exprs, params, decode = [], [], []
        for i, p in enumerate(props):
            if p in _PLAIN:
                exprs.append(f"json_extract({alias}.props, ?)")
            else:
                exprs.append(f"{alias}.props -> ?")
                decode.append(i)
            params.append(_path(p))
        return "".join(", " + e for e in exprs), params, decode

    @staticmethod
    def _frame(rows: list[Any], columns: list[str], decode: Iterable[int], offset: int) -> pd.DataFrame:
        if decode:
            idx = [offset + i for i in decode]
            rows = [list(r) for r in rows]
            for r in rows:
                for j in idx:
                    if r[j] is not None:
                        r[j] = json.loads(r[j])
        return pd.DataFrame(rows, columns=columns)

    def node_frame(self, label: str, props: Iterable[str] = (), *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        props = tuple(props)
        sel, params, decode = self._select(props, "n")
        sql = f"SELECT n.id{sel} FROM nodes n WHERE n.label = ?"
        params.append(_label(label))
        if ids is not None:
            sql += f" AND n.id IN {_IDS}"
            params.append(_jlist(ids))
        return self._frame(self._rows(sql, params), ["id", *props], decode, 1)

    def _rel_filter(self, rel_type: str, src_label: str | None, dst_label: str | None,
                    src_ids: Iterable[str] | None, dst_ids: Iterable[str] | None,
                    where: dict[str, Any] | None) -> tuple[str, list[Any]]:
        conds, params = ["r.type = ?"], [_type(rel_type)]
        pairs = REL_TYPES[rel_type].pairs
        # a label every pair of the type has is no condition (and without it an index may answer alone)
        if src_label and {a for a, _ in pairs} != {_label(src_label)}:
            conds.append("r.src_label = ?")
            params.append(src_label)
        if dst_label and {b for _, b in pairs} != {_label(dst_label)}:
            conds.append("r.dst_label = ?")
            params.append(dst_label)
        if src_ids is not None:
            conds.append(f"r.src_id IN {_IDS}")
            params.append(_jlist(src_ids))
        if dst_ids is not None:
            conds.append(f"r.dst_id IN {_IDS}")
            params.append(_jlist(dst_ids))
        for k, v in (where or {}).items():
            if k in REL_COLUMNS:
                col = f"r.{k}"
            else:
                col = "json_extract(r.props, ?)"
                params.append(_path(k))
            if isinstance(v, (list, tuple, set, frozenset)):
                conds.append(f"{col} IN (SELECT value FROM json_each(?))")
                params.append(json.dumps(list(v), ensure_ascii=False, default=str))
            elif v is None:
                conds.append("0")  # pandas and Cypher: equal to null is never true
            else:
                conds.append(f"{col} = ?")
                params.append(v)
        return " AND ".join(conds), params

    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Filters run in SQL, through the indexes on the ends and on (type, year, city_code)."""
        props = tuple(props)
        sel, params, decode = self._select(props, "r")
        cond, cparams = self._rel_filter(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        rows = self._rows(f"SELECT r.src_id, r.dst_id{sel} FROM rels r WHERE {cond}", params + cparams)
        return self._frame(rows, ["src", "dst", *props], decode, 2)

    def sources_with(self, rel_type: str, src_label: str, src_ids: Iterable[str], *, dst_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """One EXISTS per id through the index on (src_id, type, year): no relationship row is read out."""
        cond, params = self._rel_filter(rel_type, src_label, dst_label, None, None, where)
        rows = self._rows(f"SELECT j.value FROM json_each(?) j WHERE EXISTS (SELECT 1 FROM rels r WHERE "
                          f"r.src_id = j.value AND {cond})", [_jlist(sorted(set(src_ids))), *params])
        return {r[0] for r in rows}

    def rel_max(self, rel_type: str, prop: str, src_label: str | None = None, dst_label: str | None = None, *,
                src_ids: Iterable[str] | None = None, dst_ids: Iterable[str] | None = None,
                where: dict[str, Any] | None = None) -> float | None:
        cond, params = self._rel_filter(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        rows = self._rows(f"SELECT max(CASE WHEN json_type(r.props, ?) IN ('integer', 'real') "
                          f"THEN json_extract(r.props, ?) END) FROM rels r WHERE {cond}",
                          [_path(prop), _path(prop), *params])
        m = rows[0][0] if rows else None
        return None if m is None else float(m)

    # ------------------------------------------------------------------------------ aggregations
    # One SQL aggregation each (the pandas versions and the columns' meaning: iekg.graph.sums).
    # CROSS JOIN fixes SQLite's join order (left to right): from the cities to what is located in them, then
    # along their relationships, never from a whole relationship type back to the cities.  OFFERS joins
    # name no labels: the schema's only OFFERS pair is Institution -> Major, and without them the index
    # rels_src_year (src_id, type, year, dst_id) answers alone.
    _LOC = ("c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)), "
            "loc(inst, city) AS MATERIALIZED (SELECT l.src_id, l.dst_id FROM c CROSS JOIN rels l ON l.dst_id = c.cid AND "
            "l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Institution')")

    def offer_sums(self, cities: Sequence[str], year: int | None,
                   majors: Iterable[str] | None = None) -> pd.DataFrame:
        g, e, rt = "o.graduates", "o.enrollment", "o.employment_rate"
        est = f"({g} IS NULL AND {e} IS NOT NULL)"
        # grouped by (city, major, institution level) over the covering index rels_src_year; the institution's
        # level is read once per institution, the major's once per group
        sql = (
            f"WITH {self._LOC}, "
            "li(inst, city, ilevel) AS MATERIALIZED (SELECT loc.inst, loc.city, i.level FROM loc "
            "  LEFT JOIN nodes i ON i.label = 'Institution' AND i.id = loc.inst), "
            "s AS (SELECT li.city AS city, o.dst_id AS major, li.ilevel AS ilevel, count(*) AS programs, "
            f"  total({g}) AS a1, count({g}) AS a2, count(CASE WHEN {g} > 0 THEN 1 END) AS a3, "
            f"  total(CASE WHEN {est} THEN {e} END) AS a4, count(CASE WHEN {est} THEN 1 END) AS a5, "
            f"  count(CASE WHEN {est} AND {e} > 0 THEN 1 END) AS a6, "
            f"  total(CASE WHEN {g} IS NOT NULL AND {rt} IS NOT NULL THEN {g} END) AS a7, "
            f"  total(CASE WHEN {g} IS NOT NULL AND {rt} IS NOT NULL THEN {rt} * {g} END) AS a8, "
            f"  count(CASE WHEN {rt} IS NOT NULL AND {g} > 0 THEN 1 END) AS a9, "
            f"  total(CASE WHEN {est} AND {rt} IS NOT NULL THEN {e} END) AS a10, "
            f"  total(CASE WHEN {est} AND {rt} IS NOT NULL THEN {rt} * {e} END) AS a11, "
            "  count(CASE WHEN o.leading = 1 THEN 1 END) AS a12, count(o.leading) AS a13 "
            "FROM li CROSS JOIN rels o ON o.src_id = li.inst AND o.type = 'OFFERS' AND o.year = :year "
            + ("" if majors is None else "WHERE o.dst_id IN (SELECT value FROM json_each(:majors)) ")
            + "GROUP BY 1, 2, 3) "
            "SELECT s.city, s.major, m.level, s.ilevel, s.programs, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, "
            "  a12, a13 FROM s LEFT JOIN nodes m ON m.label = 'Major' AND m.id = s.major")
        params = {"cities": _jlist(cities), "year": year}
        if majors is not None:
            params["majors"] = _jlist(majors)
        rows = self._rows(sql, params) if year is not None else []
        out = pd.DataFrame(rows, columns=[*OFFER_KEYS, *OFFER_SUM_COLUMNS])
        return out.sort_values(list(OFFER_KEYS), na_position="last", kind="mergesort").reset_index(drop=True)

    def offer_year_list(self, cities: Sequence[str]) -> list[int]:
        """A skip scan per institution through the index on (src_id, type, year): the smallest year, then
        the smallest above it, … — a few index seeks each instead of reading every program."""
        rows = self._rows(
            "WITH RECURSIVE c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)), "
            "loc(inst) AS MATERIALIZED (SELECT DISTINCT l.src_id FROM c CROSS JOIN rels l ON l.dst_id = c.cid AND "
            "  l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = 'Institution'), "
            "y(inst, year) AS ("
            "  SELECT inst, (SELECT min(o.year) FROM rels o WHERE o.src_id = loc.inst AND o.type = 'OFFERS' "
            "    AND o.year < 1e18) FROM loc "
            "  UNION ALL "
            "  SELECT inst, (SELECT min(o.year) FROM rels o WHERE o.src_id = y.inst AND o.type = 'OFFERS' "
            "    AND o.year > y.year AND o.year < 1e18) FROM y WHERE y.year IS NOT NULL) "
            "SELECT DISTINCT year FROM y WHERE typeof(year) = 'integer' ORDER BY year", {"cities": _jlist(cities)})
        return [int(r[0]) for r in rows]

    def offer_years(self, cities: Sequence[str]) -> pd.Series:
        rows = self._rows(
            f"WITH {self._LOC} SELECT o.year, count(*) FROM loc CROSS JOIN rels o ON o.src_id = loc.inst AND "
            "o.type = 'OFFERS' "
            "WHERE typeof(o.year) = 'integer' GROUP BY o.year ORDER BY o.year", {"cities": _jlist(cities)})
        return pd.Series([r[1] for r in rows], index=pd.Index([r[0] for r in rows], name="year"), name="programs",
                         dtype="int64")

    def offer_year_counts(self, cities: Sequence[str], years: Iterable[int] | None = None) -> pd.DataFrame:
        # one read per year (the asked ones, else offer_year_list's), counted per institution through the
        # covering index (src_id, type, year): measured 2.5-3 times faster at province scale than one GROUP BY
        # year with count(DISTINCT), which sorts every program
        wanted = self.offer_year_list(cities) if years is None else sorted({int(y) for y in years})
        rows = []
        for y in wanted:
            got = self._rows(
                f"WITH {self._LOC}, n(inst, k) AS (SELECT loc.inst, (SELECT count(*) FROM rels o WHERE "
                "o.src_id = loc.inst AND o.type = 'OFFERS' AND o.year = :year) "
                "FROM loc) SELECT total(k), count(DISTINCT CASE WHEN k > 0 THEN inst END) FROM n",
                {"cities": _jlist(cities), "year": y})
            if got and got[0][0]:
                rows.append((y, int(got[0][0]), int(got[0][1])))
        return pd.DataFrame(rows, columns=list(OFFER_YEAR_COUNT_COLUMNS), dtype="int64")

    def located_sums(self, label: str, cities: Sequence[str], props: Sequence[str] = ()) -> pd.DataFrame:
        cols, params = [], {"cities": _jlist(cities), "label": _label(label)}
        for j, p in enumerate(props):
            params[f"p{j}"] = _path(p)
            cols.append(f", total(CASE WHEN json_type(n.props, :p{j}) IN ('integer', 'real') "
                        f"THEN json_extract(n.props, :p{j}) END), count(n.props -> :p{j})")
        rows = self._rows(
            "WITH c(cid) AS (SELECT DISTINCT value FROM json_each(:cities)) "
            f"SELECT l.dst_id, count(*){''.join(cols)} FROM c CROSS JOIN rels l ON l.dst_id = c.cid AND "
            "l.type = 'LOCATED_IN' AND l.dst_label = 'City' AND l.src_label = :label "
            "LEFT JOIN nodes n ON n.label = l.src_label AND n.id = l.src_id GROUP BY l.dst_id ORDER BY l.dst_id",
            params)
        columns = ["city", "nodes"] + [c for p in props for c in (f"{p}_sum", f"{p}_n")]
        out = pd.DataFrame(rows, columns=columns)
        for p in props:
            out[f"{p}_sum"] = out[f"{p}_sum"].astype(float)
            out[f"{p}_n"] = out[f"{p}_n"].astype("int64")
        return out

    def demand_sums(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        rows = self._rows(
            "SELECT r.city_code, r.dst_label, r.dst_id, total(r.headcount), count(*) FROM rels r "
            "WHERE r.type = 'DEMANDS' AND r.year = ? AND r.city_code IN (SELECT value FROM json_each(?)) "
            "AND r.src_label IN ('City', 'Enterprise') AND r.dst_label IN ('Industry', 'Major') "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", (year, _jlist(cities))) if year is not None else []
        out = pd.DataFrame(rows, columns=list(DEMAND_SUM_COLUMNS))
        out["headcount"] = out["headcount"].astype(float)
        return out

    # cooperation_counts and cooperation_list: the pandas versions over this store's indexed reads
    # (Store.cooperation_counts) — four small SQL reads and a merge measured faster than one SQL statement
    # (0.3 s against 1-2 s for a city at scale 100; the same for the province), see docs/storage.md.  The
    # status rule (iekg.queries.cooperation) is applied to the relationships those reads return.

    def top_offers(self, cities: Sequence[str], year: int | None,
                   weights: Mapping[str, Sequence[tuple[str, float]]], durations: Mapping[str, float],
                   limit: int) -> pd.DataFrame:
        pairs = [[str(k), str(m), float(w)] for k, ps in weights.items() for m, w in ps]
        if not pairs or year is None:
            return pd.DataFrame(columns=list(TOP_OFFER_COLUMNS))
        rows = self._rows(
            f"WITH {self._LOC}, "
            "p(key, major, weight) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "  json_extract(value, '$[2]') FROM json_each(:pairs)), "
            "d(level, dur) AS (SELECT key, value FROM json_each(:durations)), "
            "x AS (SELECT p.key AS key, loc.inst AS institution, o.dst_id AS major, o.year AS year, "
            "  (CASE WHEN o.graduates IS NOT NULL THEN o.graduates * 1.0 "
            "        WHEN o.enrollment IS NOT NULL AND d.dur IS NOT NULL THEN o.enrollment * 1.0 / d.dur "
            "        ELSE 0.0 END) * p.weight AS supply "
            "  FROM loc CROSS JOIN rels o ON o.src_id = loc.inst AND o.type = 'OFFERS' AND o.year = :year "
            "  CROSS JOIN p ON p.major = o.dst_id "
            "  LEFT JOIN nodes m ON m.label = 'Major' AND m.id = o.dst_id "
            "  LEFT JOIN nodes i ON i.label = 'Institution' AND i.id = loc.inst "
            "  LEFT JOIN d ON d.level = coalesce(m.level, i.level)), "
            "ranked AS (SELECT *, row_number() OVER (PARTITION BY key ORDER BY supply DESC, institution, major) "
            "  AS rn FROM x) "
            "SELECT key, institution, major, year, supply FROM ranked WHERE rn <= :limit ORDER BY key, rn",
            {"cities": _jlist(cities), "pairs": json.dumps(pairs, ensure_ascii=False), "year": year,
             "durations": json.dumps({str(k): float(v) for k, v in durations.items()}, ensure_ascii=False),
             "limit": int(limit)})
        return pd.DataFrame(rows, columns=list(TOP_OFFER_COLUMNS))


def _script(con: sqlite3.Connection, text: str) -> None:
    """Statements one by one (``executescript`` would commit the open transaction first)."""
    for stmt in text.split(";"):
        if stmt.strip():
            con.execute(stmt)


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


_nolock = _NoLock()


# ------------------------------------------------------------------------------------------ build spill
SPILL_BUFFER = 20_000  # relationships a RelSpill keeps in memory before it writes them to its file
_SPILL_NAME = re.compile(r"^\.iekg-spill-(\d+)-.*\.sqlite$")
# seq is the rowid: the file holds the relationships in the import's order, whatever order they came in
_STAGE = (f"CREATE TABLE stage (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, src_label TEXT NOT NULL, "
          f"src_id TEXT NOT NULL, dst_label TEXT NOT NULL, dst_id TEXT NOT NULL, k TEXT NOT NULL, props TEXT NOT NULL, "
          f"{_REL_COLS})")
_GONE = "CREATE TABLE gone (type, src_label, src_id, dst_label, dst_id, k, below INTEGER NOT NULL)"
_PUT = f"INSERT OR REPLACE INTO stage VALUES (?, ?, ?, ?, ?, ?, ?, ?{', ?' * len(REL_COLUMNS)})"
_SAME = " AND ".join(f"g.{c} = s.{c}" for c in _IDENTITY)
_DEAD = f"EXISTS (SELECT 1 FROM gone g WHERE {_SAME} AND s.seq < g.below)"
# of the relationships of one key, the one latest in the import (what ChangeSet.add_rel keeps)
_LIVE = (f"SELECT type, src, dst, props FROM (SELECT seq, type, src_label || ':' || src_id AS src, "
         f"dst_label || ':' || dst_id AS dst, props, row_number() OVER (PARTITION BY {', '.join(_IDENTITY)} "
         f"ORDER BY seq DESC) AS n FROM stage s WHERE NOT {_DEAD}) WHERE n = 1 ORDER BY seq")


class RelSpill(MutableMapping[str, Rel]):
    """The relationships of a build, kept in a temporary SQLite file next to the graph instead of in memory
    (a national graph has millions): a mapping from key to :class:`Rel`, as ``ChangeSet.rels`` is.

    The file is written append-only, in the graph's own column format, with each relationship's place in
    the import (``seq``) as its rowid: ``put(rel, seq)`` costs one row, whatever the order relationships
    come in.  A writer process (:mod:`iekg.graph.spillwriter`) turns them into rows and writes them, on the
    machine's second core, while the build goes on parsing: it gets them in batches of ``buffer``, pickled
    through a pipe, and a full pipe makes the build wait for it.  Of two with one key the later in the
    import wins, as in :meth:`ChangeSet.add_rel`: that is decided once, when :meth:`SqliteStore.apply`
    copies the file into the graph in ``seq`` order into its unique index of keys (one ``INSERT … SELECT``
    … ``ON CONFLICT``).  ``drop(rel, below)`` (a single-valued relationship replaced by a later one) is
    remembered and applied by :meth:`finish`.  The file is removed by :meth:`close`; one left by a killed
    build is removed by the next build in that folder.

    The other mapping operations (lookup, delete and iteration by key) work, by reading the whole file:
    they are for tests and small sets, not for a build."""

    def __init__(self, folder: Path | None = None, buffer: int | None = None) -> None:
        folder = Path(folder) if folder is not None else Path(tempfile.gettempdir())
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_spills(folder)
        fd, name = tempfile.mkstemp(prefix=f".iekg-spill-{os.getpid()}-", suffix=".sqlite", dir=folder)
        os.close(fd)
        self.path = Path(name)
        self.buffer = buffer or SPILL_BUFFER
        self._con: sqlite3.Connection | None = sqlite3.connect(self.path, isolation_level=None,
                                                                 check_same_thread=False)
        try:
            self._con.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self._con.execute("PRAGMA journal_mode = OFF")  # a scratch file: nothing to recover
            self._con.execute("PRAGMA synchronous = OFF")
            self._con.execute(_STAGE)
            self._con.execute(_GONE)
        except sqlite3.Error as exc:
            self.close()
            raise StoreError(f"{self.path}: cannot create the build's scratch file ({exc})") from None
        self._mem: list[tuple[int, str, str, str, dict[str, Any]]] = []
        self._gone: list[tuple[Rel, int]] = []
        self._ends: set[str] = set()  # every start and end put (a superset of the final ones)
        self._writer: subprocess.Popen[bytes] | None = None
        self._errors: Any = None  # the writer's standard error (a temporary file)
        self._next = 1 << 62  # seq of a plain assignment: after every numbered one

    # -- writing
    def put(self, r: Rel, seq: int) -> None:
        """Add ``r`` at its place ``seq`` in the import (its key follows from the columns)."""
        self._mem.append((seq, r.type, r.src, r.dst, r.props))
        self._ends.add(r.src)
        self._ends.add(r.dst)
        if len(self._mem) >= self.buffer:
            self.flush()

    def drop(self, r: Rel, below: int | None) -> None:
        """Forget every relationship with ``r``'s key put so far, earlier in the import than ``below``
        (None: put so far at all)."""
        self._gone.append((r, below if below is not None else self._next + 1))

    def flush(self) -> None:
        """Hand what waits in memory to the writer process."""
        if not self._mem:
            return
        self._open()
        if self._writer is None:
            import iekg

            root = str(Path(iekg.__file__).resolve().parent.parent)  # the writer imports this same iekg
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
            # its messages go to a file, not a pipe: a pipe nobody reads until the end could fill and stall it
            self._errors = tempfile.TemporaryFile()
            self._writer = subprocess.Popen([sys.executable, "-m", "iekg.graph.spillwriter", str(self.path)],
                                            stdin=subprocess.PIPE, stderr=self._errors, env=env)
        try:
            pickle.dump(self._mem, self._writer.stdin, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
        except OSError:  # the writer stopped: it says why
            self._sync()
            raise StoreError(f"{self.path}: the build's writer process stopped") from None
        self._mem = []

    def _sync(self) -> None:
        """Until the writer process has written everything it was given and ended; its error, if it failed."""
        w, self._writer = self._writer, None
        if w is None:
            return
        try:
            w.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        code = w.wait()
        err = self._read_errors()
        if code != 0:
            raise StoreError(f"{self.path}: 写构建暂存文件失败 · cannot write the build's scratch file next to the "
                             f"graph ({err.splitlines()[-1] if err else f'exit code {w.returncode}'}); "
                             f"free some disk space and build again")

    def _read_errors(self) -> str:
        """What the last writer process said (and the file it said it in closed)."""
        f, self._errors = self._errors, None
        if f is None:
            return ""
        with f:
            f.seek(0)
            return f.read().decode("utf-8", "replace").strip()

    def finish(self) -> None:
        """Write what waits in memory and apply the drops: the file then holds what the graph gets."""
        self.flush()
        self._sync()
        con = self._open()
        if self._gone:
            con.executemany("INSERT INTO gone VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(*_identity(r), below) for r, below in self._gone])
            self._gone.clear()
            con.execute(f"DELETE FROM stage AS s WHERE {_DEAD}")
            con.execute("DELETE FROM gone")

    def _open(self) -> sqlite3.Connection:
        if self._con is None:
            raise StoreError(f"{self.path}: the build's relationship file was closed")
        return self._con

    # -- the mapping (reads the whole file)
    def _live(self) -> Iterator[Rel]:
        self.finish()
        return (Rel(t, s, d, json.loads(p)) for t, s, d, p in self._open().execute(_LIVE))

    def __setitem__(self, key: str, r: Rel) -> None:
        assert key == r.key, (key, r.key)
        self._next += 1
        self.put(r, self._next)

    def __getitem__(self, key: str) -> Rel:
        for r in self._live():
            if r.key == key:
                return r
        raise KeyError(key)

    def __delitem__(self, key: str) -> None:
        self.drop(self[key], None)

    def __iter__(self) -> Iterator[str]:
        return (r.key for r in self._live())

    def __len__(self) -> int:
        return sum(1 for _ in self._live())

    def values(self) -> Iterator[Rel]:  # type: ignore[override]
        return self._live()

    # -- for SqliteStore.apply
    def ends(self) -> set[str]:
        """Every start and end of the relationships put (also of those later dropped or replaced)."""
        return set(self._ends)

    def close(self) -> None:
        if self._writer is not None:  # a build that failed: what the writer still has is not needed
            self._writer.kill()
            self._writer.wait()
            try:
                self._writer.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            self._writer = None
            self._read_errors()
        if self._con is not None:
            self._con.close()
            self._con = None
        self._mem.clear()
        self._gone.clear()
        for p in (self.path, Path(f"{self.path}-journal")):
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def stage_rows(batch: Iterable[tuple[int, str, str, str, dict[str, Any]]]) -> Iterator[tuple[Any, ...]]:
    """The rows of a spill's file for relationships as :meth:`RelSpill.put` keeps them (the writer process)."""
    for seq, rel_type, src, dst, props in batch:
        sl, _, si = src.partition(":")  # (split_uid)
        dl, _, di = dst.partition(":")
        p = _clean(props)
        yield (seq, rel_type, sl, si, dl, di, _key_part(rel_type, props), _dumps(p), *_typed_rel(p))


def _identity(r: Rel) -> tuple[str, ...]:
    sl, si = split_uid(r.src)
    dl, di = split_uid(r.dst)
    return (r.type, sl, si, dl, di, _key_part(r.type, r.props))


def _remove_stale_spills(folder: Path) -> None:
    """Spill files of builds whose process no longer runs (killed): nobody will remove them otherwise."""
    for p in orphans(folder, _SPILL_NAME):
        try:
            p.unlink()
        except OSError:
            pass

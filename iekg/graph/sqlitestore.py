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
  see ``sqlite_sql.REL_COLUMNS``).  The JSON is the truth; a typed column holds the value when it is a number
  (numeric columns) or a scalar (text columns), else NULL.
- ``rel_counts`` (relationships per type, kept by every write: ``iekg info`` never counts millions of rows),
  ``meta`` (format, schema version and the graph ``version`` every write increments: memoised results of
  every process follow other processes' writes) and ``imports`` (the import audit trail, written in the same
  transaction as the import it records).

The sums alignment needs (``offer_sums`` …) are SQL aggregations here, as they are Cypher in the Neo4j
store; networkx stays the graph-algorithm library on the subgraphs fetched through ``links`` /
``neighbours``.  ``SqliteStore(None)`` (or ``":memory:"``) keeps a private graph in memory (tests, and the
empty graph a fresh build validates against).

Where its parts are: this module (connections, transactions, errors, reads), :mod:`iekg.graph.sqlite_sql`
(every SQL statement, a named constant), :mod:`iekg.graph.sqlite_rows` (properties → row values),
:mod:`iekg.graph.sqlite_write` (what ``apply`` writes), :mod:`iekg.graph.sqlite_sums` (the aggregations) and
:mod:`iekg.graph.spill` (a build's relationships on disk, :class:`RelSpill`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iekg._lazy import lazy
from iekg.graph import sqlite_derived as derived
from iekg.graph import sqlite_sql as sql
from iekg.graph.spill import RelSpill
from iekg.graph.sqlite_reads import SqliteReads
from iekg.graph.sqlite_sql import PAGE_SIZE
from iekg.graph.sqlite_sums import SqliteSums
from iekg.graph.sqlite_write import record_import, run_script, write_changes
from iekg.graph.store import (
    ApplyResult,
    ChangeSet,
    Store,
    StoreError,
    audit_entry,
    scenario_text,
)

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

FORMAT = "iekg-graph-sqlite"
SCHEMA_VERSION = 1
DEFAULT_WRITE_WAIT = 600.0  # seconds a writer waits for another import to finish (IEKG_WRITE_WAIT)


class ReadOnlyStoreError(StoreError):
    """A write to a graph this user may only read (the file or its folder is not writable)."""


class SqliteStore(SqliteReads, SqliteSums, Store):
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
        self.read_only = False  # opened read-only (set by _connect): reads are answered, writes refused
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

    def _is_read_only(self) -> bool:
        """The graph file exists, but this user may not write it or its folder (WAL writes ``-wal`` and
        ``-shm`` files next to it): the store then opens it read-only — reads are answered, writes refused."""
        p = self.path
        return p is not None and p.is_file() and not (os.access(p, os.W_OK) and os.access(p.parent, os.W_OK))

    def _connect_read_only(self) -> sqlite3.Connection:
        """``mode=ro``; when SQLite cannot set up the WAL index of a read-only folder (no ``-shm`` file and
        none may be made), ``immutable=1``: the file is read as it is, without locks (nobody can write it
        either, or the ``-shm`` could have been made), a ``-wal`` file left beside it unread."""
        from urllib.parse import quote

        assert self.path is not None
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        con = sqlite3.connect(uri, uri=True, timeout=self.write_wait, isolation_level=None, check_same_thread=False)
        try:
            con.execute(sql.TABLES).fetchall()
            return con
        except sqlite3.OperationalError:
            con.close()
        wal = Path(f"{self.path}-wal")
        if wal.exists() and wal.stat().st_size:
            import logging

            logging.getLogger("iekg").warning(
                "%s is read-only and its folder too: reading it as it is, without the %s beside it (writes of an "
                "import not yet copied into the file are not seen). Make the folder writable to read them.",
                self.path, wal.name)
        return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False)

    def _connect(self) -> sqlite3.Connection:
        if self.path is None:
            con = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            if self.path.exists() and self.path.is_dir():
                raise StoreError(f"图谱数据库路径是一个文件夹 · {self.path} is a folder, not the graph database: "
                                 f"move it away or set another IEKG_HOME")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._is_read_only():
                try:
                    con = self._connect_read_only()
                except sqlite3.DatabaseError as exc:
                    raise self._error(exc) from None
                self.read_only = True  # (stays so for this store: a server restarts to write again)
            else:
                con = sqlite3.connect(self.path, timeout=self.write_wait, isolation_level=None,
                                      check_same_thread=False)
        try:
            con.execute("PRAGMA foreign_keys = OFF")
            if not self.read_only:
                con.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # (takes effect only on a database not yet written)
            self._check(con)  # before anything that would change the file (a foreign one stays as it is)
            if self.path is not None and not self.read_only:
                mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal" and os.access(self.path, os.W_OK):
                    raise StoreError(f"{self.path}: cannot switch to WAL mode ({mode})")
                for pragma in sql.FILE_PRAGMAS:
                    con.execute(pragma)
            con.execute("PRAGMA temp_store = MEMORY")
            if not self.read_only:
                self._ensure_sums(con)
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
                    run_script(void, sql.EMPTY_GRAPH)
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
        tables = {r[0] for r in con.execute(sql.TABLES)}
        if "meta" in tables:
            meta = dict(con.execute(sql.META).fetchall())
            if meta.get("format") != FORMAT:
                raise self._foreign(tables)
            if int(meta.get("schema", 0)) > SCHEMA_VERSION:
                raise StoreError(f"{self._where()} was written by a newer iekg (schema {meta.get('schema')}): "
                                 f"upgrade iekg · 请升级 iekg")
            return
        if tables - {"sqlite_sequence"}:
            raise self._foreign(tables)
        if self.read_only or (self.path is not None and self.path.exists() and not os.access(self.path, os.W_OK)):
            return  # an empty read-only file: reads see an empty graph, writes say it is read-only
        self._begin(con)
        try:
            run_script(con, sql.SCHEMA + sql.INDEXES)
            con.execute(sql.INIT_META, (FORMAT, SCHEMA_VERSION))
            derived.refresh(con, everything=True)  # (an empty graph: empty sums, marked complete)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    def _ensure_sums(self, con: sqlite3.Connection) -> None:
        """A graph written before the sums were kept with the data gets them now, once (one transaction; a
        national graph takes seconds).  Busy with another writer, it is left for the next open: reads
        answer from the relationships meanwhile (:func:`iekg.graph.sqlite_derived.ready`)."""
        if derived.ready(con):
            return
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return
        try:
            if not derived.ready(con):
                derived.refresh(con, everything=True)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    def reindex(self) -> tuple[int, int]:
        """Recompute every sum kept with the data from the relationships (``iekg reindex``), in one
        transaction; returns how many (institution cities, demand cities) were recomputed."""
        with self._use(create=True) as con:
            self._begin(con)
            try:
                con.execute(sql.LEADING_INDEX)  # (a graph written before the index was kept)
                con.execute(sql.SEGMENT_INDEX)
                con.execute(sql.MAJOR_YEAR_INDEX)
                n = derived.refresh(con, everything=True)
                # a new version: answers memoised from the sums as they were (by this process or a server's)
                # are dropped — a reindex is run when the sums are in doubt
                con.execute(sql.BUMP_VERSION)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        self.forget()
        return n

    def sums_ready(self) -> bool:
        """Whether the sums kept with the data are complete (else reads sum the relationships)."""
        with self._use() as con:
            return derived.ready(con)

    def _foreign(self, tables: set[str]) -> StoreError:
        return StoreError(
            f"{self._where()} 不是 iekg 的图谱数据库 · is a SQLite database of another program, not an iekg "
            f"graph (tables: {', '.join(sorted(tables)) or 'none'}). Move it away or set IEKG_HOME to another "
            f"folder, then run `iekg build`. Nothing was changed.")

    def _begin(self, con: sqlite3.Connection) -> None:
        """The write lock (waits up to ``write_wait`` for another writer; past it, a StoreError)."""
        if self.read_only or self._is_read_only():
            assert self.path is not None
            raise ReadOnlyStoreError(
                f"图谱数据库只读 · {self.path} (or its folder {self.path.parent}) is read-only for this user: "
                f"reads are answered, writes are refused. Make both writable (chmod u+w {self.path} "
                f"{self.path.parent}) or set IEKG_HOME to a writable folder. Nothing was changed.")
        self._unpin(con)
        con.execute("BEGIN IMMEDIATE")

    def _unpin(self, con: sqlite3.Connection) -> None:
        """A write inside an answer (:meth:`pinned`): the answer's read transaction ends here, and what it read is
        no longer given again (the rest of the answer reads the graph as written)."""
        pin = getattr(self._local, "pin", None)
        if pin is not None and pin.rows is not None:
            pin.rows = None
            if pin.owned and con.in_transaction:
                con.execute("COMMIT")

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
        pin = getattr(self._local, "pin", None)
        if pin is None or pin.rows is None:
            with self._use() as con:
                return con.execute(sql, params).fetchall()
        # within an answer (:meth:`pinned`): a statement read again with the same parameters gets the rows it gave
        # (the same snapshot: the same rows), as a list of its own
        key = (sql, tuple(sorted(params.items())) if isinstance(params, Mapping) else tuple(params))
        try:
            got = pin.rows.get(key)
        except TypeError:  # (a parameter that cannot be a key: read as it is)
            with self._use() as con:
                return con.execute(sql, params).fetchall()
        if got is None:
            with self._use() as con:
                got = pin.rows[key] = con.execute(sql, params).fetchall()
        return list(got)

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """As :meth:`Store.pinned`: one answer's reads in one read transaction of this thread's connection, so
        that all of them see one committed state of the graph (its version read once, not once per memoised
        result: compare read it 244 times, with a BEGIN and a COMMIT around 170 of them), and every statement read
        through :meth:`_rows` run once — the same statement with the same parameters again in the answer is given
        the rows it gave.  Nested blocks are the outer one's.  A write inside
        (:meth:`_begin`) ends the read transaction and the reuse.  The in-memory graph (one connection that
        threads share) and a home without a graph file are not pinned."""
        if self.memory or getattr(self._local, "pin", None) is not None or self.path is None or not self.path.exists():
            yield
            return
        with self._use() as con:
            owned = not con.in_transaction
            if owned:
                con.execute("BEGIN")  # (deferred: the snapshot is taken at the first read)
        pin = _Pin(owned)
        self._local.pin = pin
        try:
            yield
        finally:
            self._local.pin = None
            if owned and pin.rows is not None:
                try:
                    if con.in_transaction:
                        con.execute("COMMIT")  # (a read transaction: nothing is written)
                except sqlite3.Error:
                    pass  # (the store was closed meanwhile)

    # ------------------------------------------------------------------------------- the version
    def version(self) -> int:
        return int(self._rows(sql.VERSION)[0][0])

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
                self._unpin(con)  # (an answer's read transaction too)
                con.execute(sql.ATTACH_SPILL, (str(spill.path),))  # (not inside a transaction)
            try:
                self._begin(con)
            except BaseException:
                if spill is not None:
                    con.execute(sql.DETACH_SPILL)
                raise
            try:
                if not fresh:  # (a fresh graph gets every index with its relationships)
                    con.execute(sql.LEADING_INDEX)  # a graph written before the index was kept: at its next write
                    con.execute(sql.SEGMENT_INDEX)
                    con.execute(sql.MAJOR_YEAR_INDEX)
                res = write_changes(con, changes, fresh, spill)
                derived.refresh(con, everything=fresh)  # the sums kept with the data, in this transaction
                if audit is not None:
                    record_import(con, audit, res)
                if fresh or any(res.as_dict().values()):  # a new version: memoised results are dropped
                    con.execute(sql.BUMP_VERSION)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                self.forget()
                if spill is not None:
                    con.execute(sql.DETACH_SPILL)
            if fresh:
                try:
                    con.execute("PRAGMA optimize")
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for readers
                except sqlite3.OperationalError:
                    pass  # readers still on the old graph: the checkpoint happens later
        return res

    def import_history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The import audit trail, newest first: id, at, who, via, files, changes (and whatever else the
        entry held)."""
        out = []
        order = list(ApplyResult().as_dict())
        for ident, entry in self._rows(sql.IMPORTS, (int(limit),)):
            e = json.loads(entry)  # stored with sorted keys: given back in the interface's order
            changes = e.get("changes") or {}
            out.append({"id": ident, **audit_entry(e.get("who"), str(e.get("via") or ""), e.get("files") or (),
                                                   e.get("at")),
                        "changes": {**{k: changes[k] for k in order if k in changes}, **changes},
                        **{k: v for k, v in e.items() if k not in ("id", "at", "who", "via", "files", "changes")}})
        return out

    def clear(self) -> None:
        self.apply(ChangeSet(), fresh=True)

    # -------------------------------------------------------------------------- named scenarios
    def save_scenario(self, doc: Mapping[str, Any]) -> None:
        name, text = scenario_text(doc)
        with self._use(create=True) as con:
            self._begin(con)
            try:
                con.execute(sql.SCENARIOS_TABLE)  # a graph written before scenarios were kept
                con.execute(sql.SAVE_SCENARIO, (name, text))
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise

    def _scenario_rows(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._snapshot() as con:
            if not con.execute(sql.HAS_SCENARIOS).fetchall():
                return []
            return con.execute(query, params).fetchall()

    def scenario(self, name: str) -> dict[str, Any] | None:
        rows = self._scenario_rows(sql.SCENARIO, (name,))
        return json.loads(rows[0][0]) if rows else None

    def scenarios(self) -> list[dict[str, Any]]:
        return [json.loads(doc) for (doc,) in self._scenario_rows(sql.SCENARIOS)]

    def delete_scenario(self, name: str) -> bool:
        if not self._scenario_rows(sql.SCENARIO, (name,)):
            return False  # (no write, no lock, on a graph without scenarios too)
        with self._use(create=True) as con:
            self._begin(con)
            try:
                gone = con.execute(sql.DELETE_SCENARIO, (name,)).rowcount
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        return bool(gone)

    # (compare / readiness --all) every city's years and thin-year counts in one read of the kept sums
    def offer_year_counts_each(self, cities: Sequence[str]) -> pd.DataFrame:
        """One GROUP BY city, year over the kept ``sum_inst_years`` (:data:`sql.YEAR_COUNTS_EACH`); without the
        kept sums, city by city (:meth:`Store.offer_year_counts_each`)."""
        from iekg.graph.store import year_counts_each_frame

        if not self._kept():
            return Store.offer_year_counts_each(self, cities)
        from iekg.graph.sqlite_sql import jlist
        from iekg.graph.sqlite_sums import YEAR_COUNTS_EACH_KEPT

        text = YEAR_COUNTS_EACH_KEPT if self._kept_counts() else sql.YEAR_COUNTS_EACH  # (layout 5: one row each)
        return year_counts_each_frame(self._rows(text, {"cities": jlist(cities)}))

    # (readiness --all / compare) the metrics' located nodes with their properties in one read
    def located_nodes(self, label: str, cities: Sequence[str], props: Iterable[str] = (), *,
                      among: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
        """One join of the cities' LOCATED_IN links and their nodes (:data:`sql.LOCATED_NODES`), the properties
        read as :meth:`node_frame` reads them; ``among`` filtered in the statement (only those rows come out)."""
        from iekg.graph.sqlite_sql import check_label, jlist, json_path, select_props

        props = tuple(props)
        if self._kept_ent_read(label, props, among or ()):  # the enterprises' staff and levels: their kept rows
            return self._kept_located_nodes(props, cities, among)
        sel, params, decode = select_props(props, "n")
        text = sql.LOCATED_NODES.format(columns=sel)
        params += [jlist(cities), check_label(label)]
        if among:
            text += " WHERE " + " AND ".join([sql.LOCATED_NODES_AMONG] * len(among))
            for k in sorted(among):
                params += [json_path(k), json.dumps([str(v) for v in among[k]], ensure_ascii=False)]
        return self._frame(self._rows(text, params), ["id", *props, "city"], decode, 1)

    # (the illustrative check of compare / readiness --all) which cities end such a relationship, one EXISTS each
    def targets_with(self, rel_type: str, dst_label: str, dst_ids: Iterable[str], *, src_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """One EXISTS per id through the index on the relationships' end (:data:`sql.TARGETS_WITH`): it stops at
        the first relationship found, and no row is read out."""
        from iekg.graph.sqlite_sql import check_label, jlist

        cond, params = sql.rel_filter(rel_type, src_label, dst_label, None, None, where)
        rows = self._rows(sql.TARGETS_WITH.format(cond=cond), [jlist(dst_ids), check_label(dst_label), *params])
        return {r[0] for r in rows}


class _Pin:
    """This thread's answer under way (:meth:`SqliteStore.pinned`): whether it began the read transaction, and
    the rows read so far by statement and parameters (None: no longer reused, a write came in between)."""

    __slots__ = ("owned", "rows")

    def __init__(self, owned: bool) -> None:
        self.owned = owned
        self.rows: dict[tuple[Any, ...], list[Any]] | None = {}


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


_nolock = _NoLock()

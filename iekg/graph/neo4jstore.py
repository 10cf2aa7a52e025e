"""The Neo4j store (5.26 LTS) through the official ``neo4j`` Python driver.

- Labels and relationship types in Cypher come only from the schema's fixed names (checked against
  :data:`NODE_TYPES` / :data:`REL_TYPES` before they are put in a query); every value is a parameter.
- Writes are batched: ``UNWIND $rows AS row MERGE …`` behind uniqueness constraints on ``id`` per label
  and an index on the relationship identity ``_key`` per type, in transactions of ``batch_size`` rows,
  each retried on transient errors by the driver's managed transactions.
- The driver is created once (``Neo4jStore.from_settings``) and passed in.  ``bolt://`` (one server) and
  ``neo4j://`` (a cluster: routing) URIs both work; every read is a read transaction (``routing_="r"``, so a
  cluster's readers serve it), every write a write transaction, all sharing this store's bookmarks.
- Timeouts and liveness checks (:func:`driver_options`, ``IEKG_NEO4J_…``) answer a server that is down or hung
  within seconds (tests/test_neo4j_hung.py).
- A fresh load (``apply(…, fresh=True)``: ``iekg build`` / ``sync``) into the server of scripts/neo4j-local goes
  through Neo4j's offline bulk importer (:mod:`iekg.graph.neo4j_bulk`) when it is large; else batched UNWIND.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from iekg.graph import cypher as cy
from iekg.graph import neo4j_sums
from iekg.graph.cypher import fill
from iekg.graph.neo4j_reads import Neo4jReads
from iekg.graph.schema import NODE_TYPES, REL_TYPES, split_uid
from iekg.graph.store import (
    ApplyResult,
    ChangeSet,
    Node,
    Rel,
    Store,
    StoreError,
    audit_record,
    grouped_chunks,
    scenario_text,
)

log = logging.getLogger("iekg")
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def driver_options(settings: Any) -> dict[str, Any]:
    """The driver's timeouts: a server that is down or hung answers every request within seconds.

    - ``connection_timeout``: opening a connection (TCP); ``connection_acquisition_timeout``: the whole of
      getting a working connection — from the pool after its liveness check, or a new one (TCP, the Bolt
      handshake and the login, which a hung server never answers) — so it bounds both.
    - ``liveness_check_timeout``: a pooled connection idle longer than this is checked (a RESET round trip)
      before it is used, within the acquisition timeout: a server stopped while connections sat open in the
      pool is found out there, instead of a query waiting on a dead connection without bound.  0 checks
      every time (one more round trip per transaction: a RESET).
    - ``keep_alive``: TCP keep-alive, for a peer that is gone (a host down, a dropped network).
    - ``max_transaction_retry_time``: how long a failing transaction is retried.
    - ``notifications_min_severity`` off: the server sends no notifications.  The graph may lack a label or a
      property a statement names (a fresh database has no import log yet), which is expected here; the driver
      would log each such notice as a warning, and with no logging set up Python prints them to a user's
      terminal (``iekg sync`` into an empty Neo4j printed dozens).
    A query under way when the server hangs is bounded by the server's Bolt keep-alive hint
    (``connection.recv_timeout_seconds``; scripts/neo4j-local sets it to 9 s, Neo4j's default is 120 s:
    ``server.bolt.connection_keep_alive`` × ``…_probes``), and by ``IEKG_NEO4J_QUERY_TIMEOUT`` on the server.
    """
    live = float(getattr(settings, "neo4j_liveness_check", 0.0))
    return {"connection_timeout": float(getattr(settings, "neo4j_connection_timeout", 3.0)),
            "connection_acquisition_timeout": float(getattr(settings, "neo4j_acquisition_timeout", 3.0)),
            "liveness_check_timeout": None if live < 0 else live,
            "keep_alive": bool(getattr(settings, "neo4j_keep_alive", True)),
            "max_transaction_retry_time": float(getattr(settings, "neo4j_retry_time", 1.0)),
            "notifications_min_severity": "OFF"}


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _clean(v: Any) -> Any:
    """Neo4j has no NaN-free guarantee for pandas values; keep plain Python types."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


class Neo4jStore(Neo4jReads, Store):
    name = "neo4j"

    def __init__(self, driver: Any, database: str = "neo4j", *, batch_size: int = 10000,
                 local_data: Path | str | None = None, password: str | None = None,
                 bulk_min_rows: int = 100_000, uri: str | None = None) -> None:
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self._schema_ready = False
        self._memo_version: str | None = None
        self._meta_eid: str | None = None  # the element id of the version node, once read (_read_state)
        self._pins = threading.local()  # this thread's pinned graph state (pinned)
        self.query_timeout: float | None = None  # seconds a read may run (IEKG_NEO4J_QUERY_TIMEOUT)
        # the offline importer for fresh builds (iekg.graph.neo4j_bulk): the neo4j-local data folder of the
        # server (IEKG_NEO4J_LOCAL_DATA, checked against the URI when used), the password its restart sets,
        # and the smallest build that uses it (IEKG_NEO4J_BULK_MIN_ROWS; negative: never)
        self.uri = uri  # the server's address (from_settings); the offline importer checks it is neo4j-local's
        self.local_data = local_data
        self.password = password
        self.bulk_min_rows = bulk_min_rows
        self._bookmarks: Any = None
        self.last_load: str | None = None  # "bulk" or "unwind": how the last fresh load went (and why not bulk)

    # ------------------------------------------------------------------------------- connection
    @classmethod
    def from_settings(cls, settings: Any) -> Neo4jStore:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ServiceUnavailable

        uri = str(settings.neo4j_uri)
        if urlsplit(uri).scheme not in URI_SCHEMES:
            raise StoreError(f"IEKG_NEO4J_URI {uri!r}: the scheme must be one of {', '.join(URI_SCHEMES)} "
                             f"(bolt:// for one server, neo4j:// for a cluster: reads go to its readers)")
        try:
            driver = GraphDatabase.driver(uri, auth=(settings.neo4j_user, settings.neo4j_password),
                                          **driver_options(settings))
        except ValueError as exc:  # e.g. a malformed address
            raise StoreError(f"IEKG_NEO4J_URI {uri!r}: {exc}") from None
        try:
            driver.verify_connectivity()
        except AuthError:
            driver.close()
            raise StoreError(f"Neo4j at {settings.neo4j_uri} refused the user name or password "
                             f"(check IEKG_NEO4J_USER / IEKG_NEO4J_PASSWORD)") from None
        except (ServiceUnavailable, OSError, ValueError) as exc:
            driver.close()
            raise StoreError(f"cannot reach Neo4j at {settings.neo4j_uri}: {exc}. Is it running? "
                             f"(scripts/neo4j-local/neo4j-local start, or set IEKG_NEO4J_URI)") from None
        store = cls(driver, settings.neo4j_database, local_data=getattr(settings, "neo4j_local_data", None),
                    password=settings.neo4j_password, uri=uri,
                    bulk_min_rows=int(getattr(settings, "neo4j_bulk_min_rows", 100_000)))
        store.query_timeout = float(getattr(settings, "neo4j_query_timeout", 0) or 0) or None
        return store

    def close(self) -> None:
        self.driver.close()

    def _read(self, query: str, **params: Any) -> list[Any]:
        """A read: within an answer (:meth:`pinned`) a statement of the answer's read transaction
        (:meth:`_answer_tx`), else an auto-commit query in a read session; with a ``neo4j://`` URI the driver sends
        both to a reader of the cluster, and the server refuses a write in either.  Not a managed transaction per
        read (``execute_query``): its BEGIN and COMMIT ride on one more round trip per read, and with the liveness
        check of every pooled connection (``IEKG_NEO4J_LIVENESS_CHECK`` 0) a RESET on another; an answer makes
        20–50 reads, each of a few milliseconds.  The read timeout (``IEKG_NEO4J_QUERY_TIMEOUT``) bounds the answer's
        transaction, all its reads together, and each read outside an answer.  An error the driver would retry (a
        transient error, a lost connection) is read again through ``execute_query``, whose managed transaction
        retries it."""
        from neo4j import READ_ACCESS, Query
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            tx = self._answer_tx()
            if tx is not None:
                try:
                    return list(tx.run(query, params))
                except BaseException:
                    self._end_answer_tx(failed=True)  # (a transaction that failed takes no more statements)
                    raise
            q = Query(query, timeout=self.query_timeout) if self.query_timeout else query
            with self.driver.session(database=self.database, default_access_mode=READ_ACCESS,
                                     bookmark_manager=self.bookmarks) as session:
                return list(session.run(q, params))
        except (Neo4jError, DriverError) as exc:
            if not exc.is_retryable():
                raise
        q = Query(query, timeout=self.query_timeout) if self.query_timeout else query
        records, _, _ = self.driver.execute_query(q, params, database_=self.database, routing_="r",
                                                  bookmark_manager_=self.bookmarks)
        return list(records)

    def _answer_tx(self) -> Any:
        """This thread's read transaction for the answer under way (:meth:`pinned`), begun at its first read with the
        read timeout (a statement of an explicit transaction takes none of its own: the timeout bounds the answer's
        reads together); None outside an answer, or after a read of the answer failed (its other reads are then
        each their own query)."""
        pins = self._pins
        if not getattr(pins, "depth", 0):
            return None
        tx = getattr(pins, "tx", None)
        if tx is None:
            from neo4j import READ_ACCESS

            pins.tx = False  # (until it has begun: a failed begin leaves the answer's reads on their own)
            session = self.driver.session(database=self.database, default_access_mode=READ_ACCESS,
                                          bookmark_manager=self.bookmarks)
            try:
                tx = session.begin_transaction(timeout=self.query_timeout)
            except BaseException:
                session.close()
                raise
            pins.session, pins.tx = session, tx
        return tx or None

    def _end_answer_tx(self, failed: bool = False) -> None:
        """Close this thread's answer transaction (:meth:`_answer_tx`), if one is open: at the end of the answer, or
        when it ``failed`` (the answer's further reads are then each their own query) or this thread wrote (its
        further reads begin a new one, which sees the write)."""
        pins = self._pins
        tx, session = getattr(pins, "tx", None), getattr(pins, "session", None)
        pins.tx = False if failed else None
        pins.session = None
        from neo4j.exceptions import DriverError, Neo4jError

        try:  # (a read transaction: nothing to commit; one on a lost connection is gone with it)
            if tx:
                tx.close()
            if session is not None:
                session.close()
        except (Neo4jError, DriverError, OSError):
            pass

    def _write(self, query: str, **params: Any) -> list[Any]:
        """A write transaction (``routing_="w"``: the cluster's leader)."""
        records, _, _ = self.driver.execute_query(query, params, database_=self.database, routing_="w",
                                                  bookmark_manager_=self.bookmarks)
        return list(records)

    def _session(self) -> Any:
        """A session for explicit write transactions, sharing the bookmarks of :meth:`_read` / :meth:`_write`:
        a read after a write sees it, also on another member of a cluster."""
        from neo4j import WRITE_ACCESS

        return self.driver.session(database=self.database, default_access_mode=WRITE_ACCESS,
                                   bookmark_manager=self.bookmarks)

    @property
    def bookmarks(self) -> Any:
        """This store's bookmark manager (causal consistency of its reads and writes); a new one after an
        offline import, whose database starts its transaction numbers again."""
        if self._bookmarks is None:
            from neo4j import GraphDatabase

            self._bookmarks = GraphDatabase.bookmark_manager()
        return self._bookmarks

    def _write_batches(self, query: str, rows: list[dict[str, Any]]) -> list[Any]:
        """Run ``query`` (``UNWIND $rows …``) over ``rows`` in managed transactions of ``batch_size``."""
        out: list[Any] = []

        def work(tx: Any, chunk: list[dict[str, Any]]) -> list[Any]:
            return list(tx.run(query, rows=chunk))

        with self._session() as session:
            for chunk in _chunks(rows, self.batch_size):
                out += session.execute_write(work, chunk)
        return out

    # ------------------------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        """Uniqueness constraints on ``id`` per label and on ``_key`` per relationship type."""
        if self._schema_ready:
            return
        for label in NODE_TYPES:
            self._write(fill(cy.ID_CONSTRAINT, node=label))
        for rel_type in REL_TYPES:
            self._write(fill(cy.OLD_KEY_INDEX, rel=rel_type))
            self._write(fill(cy.KEY_CONSTRAINT, rel=rel_type))
        self._write(cy.AUDIT_CONSTRAINT)
        self._write(cy.SCENARIO_CONSTRAINT)
        for stmt in neo4j_sums.INDEXES:
            self._write(stmt)
        self._write(cy.AWAIT_INDEXES)
        self._schema_ready = True

    # ------------------------------------------------------------------------------- the version
    def _bump(self) -> None:
        """A new graph version, before and after every write (readers of the half-written graph recompute)."""
        self._write(cy.BUMP)
        self.forget()

    def _read_state(self) -> tuple[str | None, Any]:
        """The graph version and the kept sums' layout (``IekgMeta.sums``), read now in one statement: through
        the version node's element id once it is known (:data:`iekg.graph.cypher.STATE_AT`)."""
        eid = self._meta_eid
        recs = self._read(cy.STATE_AT, e=eid) if eid is not None else []
        if not recs:  # not known yet, or that node is gone (a clear, an offline import): find it again
            recs = self._read(cy.STATE)
        if not recs:
            self._meta_eid = None
            return None, None
        self._meta_eid = recs[0]["e"]
        return recs[0]["v"], recs[0]["s"]

    def _state(self) -> tuple[str | None, Any]:
        """:meth:`_read_state`, or what it read when this thread's pin was set (:meth:`pinned`)."""
        got: tuple[str | None, Any] | None = getattr(self._pins, "state", None)
        return got if got is not None else self._read_state()

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Within the block, this thread reads the graph version and the sums' state once (at its start), not
        once per memoised result or aggregation: what one answer reads is taken at one version.  Nested blocks
        (and memoised computations, :meth:`memo`) share the outermost one's; an import anywhere still drops the
        memoised results at the next block's start (the version it reads is new)."""
        depth = getattr(self._pins, "depth", 0)
        self._pins.depth = depth + 1  # (first: the version is read in the answer's transaction, _answer_tx)
        try:
            if depth == 0:
                state = self._read_state()
                if state[0] != self._memo_version:
                    super().forget()
                    self._memo_version = state[0]
                self._pins.state = state
            yield
        finally:
            self._pins.depth = depth
            if depth == 0:
                self._pins.state = None
                self._end_answer_tx()

    def _in_answer(self) -> bool:
        """This thread is within an answer (:meth:`pinned`): what it memoises is checked against the version read at
        the answer's start, with no read of its own."""
        return bool(getattr(self._pins, "depth", 0))

    def version(self) -> str | None:
        return self._read_state()[0]

    def forget(self) -> None:
        """As :meth:`Store.forget`; this thread's pinned state is read again too (it wrote)."""
        super().forget()
        self._pins.state = None
        if getattr(self._pins, "tx", None):
            self._end_answer_tx()

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """As :meth:`Store.memo`, but valid only while the database's graph version is unchanged: another
        process's import (a CLI next to the API, a second API instance) drops what this one memoised.  The
        version is read once per outermost call: the computation runs :meth:`pinned`."""
        with self.pinned():
            return super().memo(key, compute)

    # ------------------------------------------------------------------------------------ writes
    def apply(self, changes: ChangeSet, *, fresh: bool = False,
              audit: Mapping[str, Any] | None = None) -> ApplyResult:
        """Batched upsert of every node and relationship.

        Validation happened before (nothing invalid reaches here); batches are separate transactions, so
        a failure part way leaves a partial load that running the same load again completes (every
        statement is an idempotent upsert).  ``fresh`` empties the database first and then only creates
        (nothing can exist yet), which is what ``iekg build`` and ``iekg sync`` do.

        ``audit`` is recorded in a final small transaction after the last batch, the one that also sets
        the new graph version (:meth:`_finish`): a load that fails in any batch records nothing.
        """
        if fresh:
            return self.load_fresh(changes.nodes.values, changes.rels.items, len(changes), audit)
        self.ensure_schema()
        res = ApplyResult()
        # the cities whose kept sums this change touches, read before it is written (iekg.graph.neo4j_sums)
        touched = neo4j_sums.touched_before(self._read, changes, False)
        self._bump()
        doomed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for uid in sorted(changes.delete_nodes):  # before the upserts (ChangeSet.delete_nodes)
            label, ident = split_uid(uid)
            doomed[label].append({"id": ident})
        for label, rows in sorted(doomed.items()):
            for rec in self._write_batches(fill(cy.DELETE_NODES, node=label), rows):
                res.rels_deleted += rec["deleted"] or 0
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for n in changes.nodes.values():
            by_label[n.label].append({"id": n.props["id"], "props": {k: _clean(v) for k, v in n.props.items()}})
        for label, rows in sorted(by_label.items()):
            q = fill(cy.MERGE_NODES, node=label)
            for rec in self._write_batches(q, rows):
                res.nodes_created += rec["created"]
                res.nodes_updated += rec["updated"]
        kept: dict[tuple[str, str], list[str]] = defaultdict(list)  # (start uid, type) -> keys this load keeps
        for key, r in changes.rels.items():
            kept[(r.src, r.type)].append(key)
        replace: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for src, rel_type in changes.replace:
            label, ident = split_uid(src)
            replace[(label, rel_type)].append({"id": ident, "keep": kept.get((src, rel_type), [])})
        for (label, rel_type), rows in sorted(replace.items()):
            for rec in self._write_batches(fill(cy.REPLACE_RELS, node=label, rel=rel_type), rows):
                res.rels_deleted += rec["deleted"]
        by_type: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for key, r in changes.rels.items():
            sl, si = split_uid(r.src)
            dl, di = split_uid(r.dst)
            by_type[(r.type, sl, dl)].append({"src": si, "dst": di, "key": key,
                                               "props": {k: _clean(v) for k, v in r.props.items()}})
        for (rel_type, sl, dl), rows in sorted(by_type.items()):
            # Existing relationships are found through the unique index on _key (never by expanding a
            # dense node), updated in place; the others are created between their two ends.
            update = fill(cy.UPDATE_RELS, rel=rel_type)
            create = fill(cy.CREATE_RELS, src=sl, rel=rel_type, dst=dl)

            def work(tx: Any, chunk: list[dict[str, Any]], update: str = update, create: str = create,
                     rel_type: str = rel_type) -> tuple[int, int]:
                found = {rec["key"]: rec["changed"] for rec in tx.run(update, rows=chunk)}
                new = [row for row in chunk if row["key"] not in found]
                made = tx.run(create, rows=new).single()["created"] if new else 0
                if made != len(new):
                    raise StoreError(f"{len(new) - made} {rel_type} relationships refer to missing nodes")
                return made, sum(1 for c in found.values() if c)

            with self._session() as session:
                for chunk in _chunks(rows, self.batch_size):
                    made, changed = session.execute_write(work, chunk)
                    res.rels_created += made
                    res.rels_updated += changed
        if not touched.everything and not changes.delete_nodes and not any(res.as_dict().values()):
            # nothing written differs from what was there (the same file imported again): no kept sum to recompute
            touched = neo4j_sums.Touched()
        self._finish(res, audit, touched)
        return res

    # ----------------------------------------------------------------------------- a fresh load
    def load_fresh(self, nodes: Callable[[], Iterable[Node]], rels: Callable[[], Iterable[tuple[str, Rel]]],
                   rows: int, audit: Mapping[str, Any] | None = None) -> ApplyResult:
        """Replace the graph by ``nodes()`` and ``rels()`` (``(key, relationship)`` pairs), about ``rows`` of them in
        all: ``apply(changes, fresh=True)``, and ``iekg sync`` streaming another store's graph.  Each is read once
        per attempt, as it comes: through Neo4j's offline importer when it can be used (:meth:`_bulk_load`), else
        created by batched ``UNWIND`` (the database emptied first), neither holding the whole graph; then the
        kept sums and, with ``audit``, the history entry (:meth:`_finish`)."""
        bulk = self._bulk_load(nodes, rels, rows, audit)
        if bulk is not None:
            return bulk
        self.ensure_schema()
        res = ApplyResult()
        self.clear()  # which changes the version itself
        size = self.batch_size * 10  # (a label's or type's rows held at most)
        for label, part in grouped_chunks(nodes(), lambda n: n.label, size):
            made = [{"id": n.props["id"], "props": {k: _clean(v) for k, v in n.props.items()}} for n in part]
            for rec in self._write_batches(fill(cy.CREATE_NODES, node=label), made):
                res.nodes_created += rec["created"]
                res.nodes_updated += rec["updated"]
        for (rel_type, sl, dl), pairs in grouped_chunks(
                rels(), lambda kr: (kr[1].type, split_uid(kr[1].src)[0], split_uid(kr[1].dst)[0]), size):
            create = fill(cy.CREATE_RELS, src=sl, rel=rel_type, dst=dl)
            made = [{"src": split_uid(r.src)[1], "dst": split_uid(r.dst)[1], "key": key,
                     "props": {k: _clean(v) for k, v in r.props.items()}} for key, r in pairs]

            def work(tx: Any, chunk: list[dict[str, Any]], create: str = create, rel_type: str = rel_type) -> int:
                created = tx.run(create, rows=chunk).single()["created"]
                if created != len(chunk):
                    raise StoreError(f"{len(chunk) - created} {rel_type} relationships refer to missing nodes")
                return int(created)

            with self._session() as session:
                for chunk in _chunks(made, self.batch_size):
                    res.rels_created += session.execute_write(work, chunk)
        self._finish(res, audit, neo4j_sums.Touched(everything=True))
        return res

    # ----------------------------------------------------------------------- the offline importer
    def bulk_target(self, rows: int) -> tuple[Path | None, str]:
        """The neo4j-local data folder a fresh load of ``rows`` rows would be imported into offline, or None,
        and why (:mod:`iekg.graph.neo4j_bulk`)."""
        from iekg.graph import neo4j_bulk

        if self.bulk_min_rows < 0 or rows < self.bulk_min_rows:
            return None, f"{rows} rows: below IEKG_NEO4J_BULK_MIN_ROWS ({self.bulk_min_rows})"
        if not self.uri or self.password is None:
            return None, "the store was not opened from settings (no address or password to restart with)"
        if self.database != "neo4j":
            return None, f"database {self.database!r}: neo4j-local's offline import is for database 'neo4j'"
        data = neo4j_bulk.local_data(self.uri, self.local_data)
        if data is None:
            return None, f"{self.uri} is not a running scripts/neo4j-local server whose data folder is known"
        return data, "offline importer"

    def _bulk_load(self, nodes: Callable[[], Iterable[Node]], rels: Callable[[], Iterable[tuple[str, Rel]]],
                   rows: int, audit: Mapping[str, Any] | None) -> ApplyResult | None:
        """A fresh load through Neo4j's offline importer, or None when it cannot be used (then the batched
        UNWIND path runs; ``last_load`` says which and why).  The import replaces the database: the import
        history is read first and written back with the graph; the constraints are made afterwards."""
        from iekg.graph import neo4j_bulk

        data, why = self.bulk_target(rows)
        self.last_load = f"unwind ({why})"
        if data is None:
            return None
        history = [dict(r["p"]) for r in self._read(cy.IMPORTS, limit=2 ** 62)]
        kept = [json.loads(r["doc"]) for r in self._read(cy.ALL_SCENARIOS)]  # written back after the import
        folder = neo4j_bulk.scratch(data)
        try:
            try:
                written = neo4j_bulk.write_csv(folder, nodes(), rels(), history)
            except neo4j_bulk.Unsupported as exc:
                self.last_load = f"unwind (not representable in the importer's CSV: {exc})"
                log.info("fresh Neo4j load with UNWIND: %s", exc)
                return None
            assert self.password is not None
            log.info("fresh Neo4j load with the offline importer: %d nodes, %d relationships (%s)",
                     written.nodes, written.rels, data)
            done = neo4j_bulk.run_import(data, self.password, written.args)
        finally:
            neo4j_bulk.remove(folder)
        self.forget()
        self._schema_ready = False
        self._bookmarks = None  # the new database's transaction numbers start again
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise StoreError(f"Neo4j's offline import into {data} failed; the database may be empty now: run the "
                             f"build again (IEKG_NEO4J_BULK_MIN_ROWS=-1 loads with UNWIND instead).\n{tail}")
        self.driver.verify_connectivity()
        self.ensure_schema()  # the uniqueness constraints, made (and checked) on the imported graph
        for doc in kept:  # the named scenarios survive a fresh build, as on every store
            self.save_scenario(doc)
        self.last_load = "bulk"
        res = ApplyResult(nodes_created=written.nodes, rels_created=written.rels)
        self._finish(res, audit, neo4j_sums.Touched(everything=True))
        return res

    def _finish(self, res: ApplyResult, audit: Mapping[str, Any] | None,
                touched: neo4j_sums.Touched | None = None) -> None:
        """The new graph version, the kept sums of the cities ``touched`` and, with ``audit``, the history
        entry: one transaction, so a reader sees the new sums exactly when it sees the new version.  Setting
        the version locks the version node, so concurrent writers number their entries one after the other.
        Everything touched (a fresh load, or a database without complete sums): every city is recomputed
        first, in batches of cities (:meth:`_refresh_all`), and the sums are marked complete here."""
        if touched is not None and not touched.everything and self._read_state()[1] != neo4j_sums.SUMS_VERSION:
            touched.everything = True  # an older database: complete the sums once
        if touched is not None and touched.everything:
            self._refresh_all()
        elif touched is not None:
            neo4j_sums.touched_after(self._read, touched)

        def work(tx: Any) -> None:
            tx.run(cy.BUMP).consume()
            if touched is not None:
                if not touched.everything:
                    neo4j_sums.refresh(tx, touched.cities, touched.codes)
                    neo4j_sums.refresh_coops(tx, touched.coop_insts, touched.coop_ents)
                    neo4j_sums.refresh_ent_packs(tx, touched.ent_cities)
                    neo4j_sums.refresh_programs(tx, touched.majors)
                    # (after the cities' first programs: the provinces' are merged from them)
                    neo4j_sums.refresh_top_scopes(tx, touched.cities | touched.scope_cities, touched.provinces)
                tx.run(neo4j_sums.SET_READY, version=neo4j_sums.SUMS_VERSION).consume()
            if audit is None:
                return
            last = tx.run(cy.LAST_IMPORT).single()["last"]
            entry = audit_record(audit, res, int(last or 0) + 1)
            tx.run(cy.ADD_IMPORT,
                   props={**entry, "files": json.dumps(entry["files"], ensure_ascii=False),
                          "changes": json.dumps(entry["changes"])}).consume()

        with self._session() as session:
            session.execute_write(work)
        self.forget()

    def _refresh_all(self) -> tuple[int, int]:
        """Every city's kept sums recomputed from the relationships, ``CITY_BATCH`` cities to a transaction and
        ``REFRESH_WORKERS`` transactions at once (marked incomplete meanwhile: reads sum the relationships until
        the caller marks them complete).  A transaction the server has no memory for is a :class:`StoreError`
        naming the fix (the sums stay marked incomplete: the graph still answers, from its relationships)."""
        from concurrent.futures import ThreadPoolExecutor

        self._write(neo4j_sums.UNSET_READY)
        with self._session() as session:
            for stmt in neo4j_sums.DROP_ALL:
                session.run(stmt).consume()
        cities = sorted(r["city"] for r in self._read(neo4j_sums.ALL_CITIES))
        codes = [r["code"] for r in self._read(neo4j_sums.ALL_DEMAND_CODES)]
        insts = sorted(r["id"] for r in self._read(neo4j_sums.ALL_COOP_INSTITUTIONS))
        ent_cities = sorted(r["city"] for r in self._read(neo4j_sums.ALL_ENT_CITIES))
        majors = sorted(r["id"] for r in self._read(neo4j_sums.ALL_MAJORS))
        jobs: list[Callable[[Any], None]] = [
            *(lambda tx, c=chunk: neo4j_sums.refresh(tx, c, []) for chunk in _chunks(cities, neo4j_sums.CITY_BATCH)),
            *(lambda tx, c=chunk: neo4j_sums.refresh(tx, [], c) for chunk in _chunks(codes, neo4j_sums.DEMAND_BATCH)),
            # (nothing kept to drop: DROP_ALL above)
            *(lambda tx, c=chunk: neo4j_sums.refresh_coops(tx, c, [], drop=False)
              for chunk in _chunks(insts, neo4j_sums.INST_BATCH)),
            *(lambda tx, c=chunk: neo4j_sums.refresh_ent_packs(tx, c, drop=False)
              for chunk in _chunks(ent_cities, neo4j_sums.ENT_CITY_BATCH)),
            *(lambda tx, c=chunk: neo4j_sums.refresh_programs(tx, c, drop=False)
              for chunk in _chunks(majors, neo4j_sums.MAJOR_BATCH))]

        def run(job: Callable[[Any], None]) -> None:
            with self._session() as session:
                session.execute_write(job)

        try:
            with ThreadPoolExecutor(neo4j_sums.REFRESH_WORKERS, thread_name_prefix="iekg-sums") as pool:
                list(pool.map(run, jobs))
                # then the provinces' first programs, merged from their cities' (all complete now), one a transaction
                provinces = sorted(r["id"] for r in self._read(neo4j_sums.ALL_PROVINCES))
                list(pool.map(run, [lambda tx, p=p: neo4j_sums.refresh_top_scopes(tx, [], [p], drop=False)
                                    for p in provinces]))
        except Exception as exc:
            if "MemoryPoolOutOfMemoryError" not in str(getattr(exc, "code", "") or exc):
                raise
            raise StoreError(
                "Neo4j 服务器的事务内存不足，保存的汇总未能重算；图谱仍可回答（从关系求和），重算请加大内存后运行 "
                "iekg reindex (the Neo4j server ran out of transaction memory while recomputing the kept sums; the "
                "graph still answers, summing its relationships. Give the server more memory — IEKG_NEO4J_HEAP for "
                "scripts/neo4j-local, or server.memory.heap.max_size / dbms.memory.transaction.total.max in "
                f"neo4j.conf — then run `iekg reindex`): {exc}") from exc
        return len(cities), len(codes)

    def reindex(self) -> tuple[int, int]:
        """Every kept sum recomputed from the relationships (``iekg reindex``), then marked complete."""
        self.ensure_schema()
        n = self._refresh_all()
        self._write(neo4j_sums.SET_READY, version=neo4j_sums.SUMS_VERSION)
        self._bump()
        return n

    def sums_ready(self) -> bool:
        # (a database of an older layout still read: its sums are complete; the next import completes the rest)
        return bool(self._state()[1] in neo4j_sums.USABLE_VERSIONS)

    def top_ready(self) -> bool:
        return bool(self._state()[1] in neo4j_sums.TOP_VERSIONS)

    def packs_ready(self) -> bool:
        return bool(self._state()[1] in neo4j_sums.PACK_VERSIONS)

    def ent_packs_ready(self) -> bool:
        return bool(self._state()[1] in neo4j_sums.ENT_PACK_VERSIONS)

    def programs_ready(self) -> bool:
        return bool(self._state()[1] in neo4j_sums.PROGRAM_VERSIONS)

    def top_scopes_ready(self) -> bool:
        return bool(self._state()[1] in neo4j_sums.TOP_SCOPE_VERSIONS)

    def ent_cities_ready(self) -> bool:
        return bool(self._state()[1] in neo4j_sums.ENT_CITY_VERSIONS)

    def import_history(self, limit: int = 50) -> list[dict[str, Any]]:
        recs = self._read(cy.IMPORTS, limit=max(int(limit), 0))
        out = []
        for r in recs:
            p = dict(r["p"])
            out.append({"id": p.get("id"), "at": p.get("at"), "who": p.get("who"), "via": p.get("via"),
                        "files": json.loads(p.get("files") or "[]"), "changes": json.loads(p.get("changes") or "{}")})
        return out

    # -------------------------------------------------------------------------- named scenarios
    def save_scenario(self, doc: Mapping[str, Any]) -> None:
        name, text = scenario_text(doc)
        self.ensure_schema()
        self._write(cy.SAVE_SCENARIO, name=name, doc=text)

    def scenario(self, name: str) -> dict[str, Any] | None:
        recs = self._read(cy.GET_SCENARIO, name=name)
        return json.loads(recs[0]["doc"]) if recs else None

    def scenarios(self) -> list[dict[str, Any]]:
        return [json.loads(r["doc"]) for r in self._read(cy.ALL_SCENARIOS)]

    def delete_scenario(self, name: str) -> bool:
        recs = self._write(cy.DELETE_SCENARIO, name=name)
        return bool(recs and recs[0]["n"])

    def clear(self) -> None:
        self.ensure_schema()
        with self._session() as session:
            session.run(cy.CLEAR_RELS).consume()
            session.run(cy.CLEAR).consume()
        self._bump()

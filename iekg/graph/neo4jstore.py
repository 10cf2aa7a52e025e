"""The Neo4j store (5.26 LTS) through the official ``neo4j`` Python driver.

- Labels and relationship types in Cypher come only from the schema's fixed names (checked against
  :data:`NODE_TYPES` / :data:`REL_TYPES` before they are put in a query); every value is a parameter.
- Writes are batched: ``UNWIND $rows AS row MERGE …`` behind uniqueness constraints on ``id`` per label
  and an index on the relationship identity ``_key`` per type, in transactions of ``batch_size`` rows,
  each retried on transient errors by the driver's managed transactions.
- The driver is created once (``Neo4jStore.from_settings``) and passed in.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from iekg.graph.schema import AUDIT_LABEL, NODE_TYPES, REL_TYPES, split_uid
from iekg.graph.store import ApplyResult, ChangeSet, Node, Rel, Store, StoreError, audit_record, search_rank
from iekg.graph.sums import (
    COOPERATION_COLUMNS,
    COOPERATION_LIST_COLUMNS,
    DEMAND_SUM_COLUMNS,
    OFFER_KEYS,
    OFFER_SUM_COLUMNS,
    OFFER_YEAR_COUNT_COLUMNS,
    ROLLUP_PATTERN,
    TOP_OFFER_COLUMNS,
)

KEY = "_key"  # relationship identity property (type|start|end|key props), indexed per type
# One node of this fixed internal label (not a schema label, never counted) holds the graph's version: every
# write changes it, so memoised results of any process on the same database are dropped after anyone's write.
META = "`IekgMeta`"
# The import history (audit trail): one node per recorded import, of the schema's fixed system label, outside
# the domain labels, with no relationships; kept by clear() and by fresh loads, never counted or searched.
AUDIT = f"`{AUDIT_LABEL}`"


def _label(label: str) -> str:
    if label not in NODE_TYPES:
        raise ValueError(f"not a schema label: {label!r}")
    return f"`{label}`"


def _type(rel_type: str) -> str:
    if rel_type not in REL_TYPES:
        raise ValueError(f"not a schema relationship type: {rel_type!r}")
    return f"`{rel_type}`"


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _clean(v: Any) -> Any:
    """Neo4j has no NaN-free guarantee for pandas values; keep plain Python types."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


class Neo4jStore(Store):
    name = "neo4j"

    def __init__(self, driver: Any, database: str = "neo4j", *, batch_size: int = 10000) -> None:
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self._schema_ready = False
        self._memo_version: str | None = None
        self.query_timeout: float | None = None  # seconds a read may run (IEKG_NEO4J_QUERY_TIMEOUT)

    # ------------------------------------------------------------------------------- connection
    @classmethod
    def from_settings(cls, settings: Any) -> Neo4jStore:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ServiceUnavailable

        # a server that is down is answered in seconds (the driver's defaults wait 30–60 s)
        driver = GraphDatabase.driver(
            settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password),
            connection_timeout=float(getattr(settings, "neo4j_connection_timeout", 3.0)),
            connection_acquisition_timeout=float(getattr(settings, "neo4j_acquisition_timeout", 5.0)),
            max_transaction_retry_time=float(getattr(settings, "neo4j_retry_time", 2.0)))
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
        store = cls(driver, settings.neo4j_database)
        store.query_timeout = float(getattr(settings, "neo4j_query_timeout", 0) or 0) or None
        return store

    def close(self) -> None:
        self.driver.close()

    def _read(self, query: str, **params: Any) -> list[Any]:
        from neo4j import Query

        q = Query(query, timeout=self.query_timeout) if self.query_timeout else query
        records, _, _ = self.driver.execute_query(q, params, database_=self.database, routing_="r")
        return list(records)

    def _write(self, query: str, **params: Any) -> list[Any]:
        records, _, _ = self.driver.execute_query(query, params, database_=self.database)
        return list(records)

    def _write_batches(self, query: str, rows: list[dict[str, Any]]) -> list[Any]:
        """Run ``query`` (``UNWIND $rows …``) over ``rows`` in managed transactions of ``batch_size``."""
        out: list[Any] = []

        def work(tx: Any, chunk: list[dict[str, Any]]) -> list[Any]:
            return list(tx.run(query, rows=chunk))

        with self.driver.session(database=self.database) as session:
            for chunk in _chunks(rows, self.batch_size):
                out += session.execute_write(work, chunk)
        return out

    # ------------------------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        """Uniqueness constraints on ``id`` per label and on ``_key`` per relationship type."""
        if self._schema_ready:
            return
        for label in NODE_TYPES:
            self._write(f"CREATE CONSTRAINT `iekg_{label}_id` IF NOT EXISTS FOR (n:{_label(label)}) "
                        f"REQUIRE n.id IS UNIQUE")
        for rel_type in REL_TYPES:
            self._write(f"DROP INDEX `iekg_{rel_type}_key` IF EXISTS")  # a plain index of earlier versions
            self._write(f"CREATE CONSTRAINT `iekg_{rel_type}_key_unique` IF NOT EXISTS "
                        f"FOR ()-[r:{_type(rel_type)}]-() REQUIRE r.{KEY} IS UNIQUE")
        self._write(f"CREATE CONSTRAINT `iekg_{AUDIT_LABEL}_id` IF NOT EXISTS FOR (n:{AUDIT}) REQUIRE n.id IS UNIQUE")
        self._write("CALL db.awaitIndexes(300)")
        self._schema_ready = True

    # ------------------------------------------------------------------------------- the version
    def _bump(self) -> None:
        """A new graph version, before and after every write (readers of the half-written graph recompute)."""
        self._write(f"MERGE (m:{META} {{id: 'graph'}}) SET m.version = randomUUID(), "
                    "m.source = 'iekg', m.source_kind = 'system'")
        self.forget()

    def version(self) -> str | None:
        recs = self._read(f"MATCH (m:{META} {{id: 'graph'}}) RETURN m.version AS v")
        return recs[0]["v"] if recs else None

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """As :meth:`Store.memo`, but valid only while the database's graph version is unchanged: another
        process's import (a CLI next to the API, a second API instance) drops what this one memoised."""
        v = self.version()
        if v != self._memo_version:
            self.forget()
            self._memo_version = v
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
        self.ensure_schema()
        res = ApplyResult()
        if fresh:
            self.clear()  # which changes the version itself
        else:
            self._bump()
        doomed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for uid in ([] if fresh else sorted(changes.delete_nodes)):  # before the upserts (ChangeSet.delete_nodes)
            label, ident = split_uid(uid)
            doomed[label].append({"id": ident})
        for label, rows in sorted(doomed.items()):
            q = (f"UNWIND $rows AS row MATCH (n:{_label(label)} {{id: row.id}}) "
                 f"WITH n, COUNT {{ (n)-[]-() }} AS d DETACH DELETE n RETURN sum(d) AS deleted")
            for rec in self._write_batches(q, rows):
                res.rels_deleted += rec["deleted"] or 0
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for n in changes.nodes.values():
            by_label[n.label].append({"id": n.props["id"], "props": {k: _clean(v) for k, v in n.props.items()}})
        for label, rows in sorted(by_label.items()):
            q = (f"UNWIND $rows AS row CREATE (n:{_label(label)}) SET n = row.props "
                 f"RETURN count(*) AS created, 0 AS updated") if fresh else (
                 f"UNWIND $rows AS row OPTIONAL MATCH (old:{_label(label)} {{id: row.id}}) "
                 f"WITH row, properties(old) AS before "
                 f"MERGE (n:{_label(label)} {{id: row.id}}) SET n += row.props "
                 f"RETURN sum(CASE WHEN before IS NULL THEN 1 ELSE 0 END) AS created, "
                 f"sum(CASE WHEN before IS NOT NULL AND before <> properties(n) THEN 1 ELSE 0 END) AS updated")
            for rec in self._write_batches(q, rows):
                res.nodes_created += rec["created"]
                res.nodes_updated += rec["updated"]
        kept: dict[tuple[str, str], list[str]] = defaultdict(list)  # (start uid, type) -> keys this load keeps
        for key, r in changes.rels.items():
            kept[(r.src, r.type)].append(key)
        replace: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for src, rel_type in ([] if fresh else changes.replace):  # a fresh database has nothing to replace
            label, ident = split_uid(src)
            replace[(label, rel_type)].append({"id": ident, "keep": kept.get((src, rel_type), [])})
        for (label, rel_type), rows in sorted(replace.items()):
            q = (f"UNWIND $rows AS row MATCH (a:{_label(label)} {{id: row.id}})-[r:{_type(rel_type)}]->() "
                 f"WHERE NOT r.{KEY} IN row.keep DELETE r RETURN count(*) AS deleted")
            for rec in self._write_batches(q, rows):
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
            update = (f"UNWIND $rows AS row MATCH ()-[r:{_type(rel_type)} {{{KEY}: row.key}}]->() "
                      f"WITH row, r, properties(r) AS before SET r = row.props, r.{KEY} = row.key "
                      f"RETURN row.key AS key, before <> properties(r) AS changed")
            create = (f"UNWIND $rows AS row MATCH (a:{_label(sl)} {{id: row.src}}) MATCH (b:{_label(dl)} {{id: row.dst}}) "
                      f"CREATE (a)-[r:{_type(rel_type)}]->(b) SET r = row.props, r.{KEY} = row.key "
                      f"RETURN count(*) AS created")

            def work(tx: Any, chunk: list[dict[str, Any]], update: str = update, create: str = create,
                     rel_type: str = rel_type) -> tuple[int, int]:
                found = {} if fresh else {rec["key"]: rec["changed"] for rec in tx.run(update, rows=chunk)}
                new = [row for row in chunk if row["key"] not in found]
                made = tx.run(create, rows=new).single()["created"] if new else 0
                if made != len(new):
                    raise StoreError(f"{len(new) - made} {rel_type} relationships refer to missing nodes")
                return made, sum(1 for c in found.values() if c)

            with self.driver.session(database=self.database) as session:
                for chunk in _chunks(rows, self.batch_size):
                    made, changed = session.execute_write(work, chunk)
                    res.rels_created += made
                    res.rels_updated += changed
        self._finish(res, audit)
        return res

    def _finish(self, res: ApplyResult, audit: Mapping[str, Any] | None) -> None:
        """The new graph version and, with ``audit``, the history entry: one transaction.  Setting the
        version locks the version node, so concurrent writers number their entries one after the other."""
        if audit is None:
            self._bump()
            return

        def work(tx: Any) -> None:
            tx.run(f"MERGE (m:{META} {{id: 'graph'}}) SET m.version = randomUUID(), m.source = 'iekg', "
                   "m.source_kind = 'system'").consume()
            last = tx.run(f"MATCH (e:{AUDIT}) RETURN max(e.id) AS last").single()["last"]
            entry = audit_record(audit, res, int(last or 0) + 1)
            tx.run(f"CREATE (e:{AUDIT}) SET e = $props",
                   props={**entry, "files": json.dumps(entry["files"], ensure_ascii=False),
                          "changes": json.dumps(entry["changes"])}).consume()

        with self.driver.session(database=self.database) as session:
            session.execute_write(work)
        self.forget()

    def import_history(self, limit: int = 50) -> list[dict[str, Any]]:
        recs = self._read(f"MATCH (e:{AUDIT}) RETURN properties(e) AS p ORDER BY e.id DESC LIMIT $limit",
                          limit=max(int(limit), 0))
        out = []
        for r in recs:
            p = dict(r["p"])
            out.append({"id": p.get("id"), "at": p.get("at"), "who": p.get("who"), "via": p.get("via"),
                        "files": json.loads(p.get("files") or "[]"), "changes": json.loads(p.get("changes") or "{}")})
        return out

    def clear(self) -> None:
        self.ensure_schema()
        with self.driver.session(database=self.database) as session:
            session.run(f"MATCH (n) WHERE NOT n:{AUDIT} "  # the import history stays
                        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        self._bump()

    # ------------------------------------------------------------------------------------- reads
    @staticmethod
    def _node(label: str, props: dict[str, Any]) -> Node:
        return Node(f"{label}:{props['id']}", label, dict(sorted(props.items())))  # canonical key order

    def get(self, uid: str) -> Node | None:
        label, ident = split_uid(uid)
        if label not in NODE_TYPES:
            return None
        recs = self._read(f"MATCH (n:{_label(label)} {{id: $id}}) RETURN properties(n) AS p", id=ident)
        return self._node(label, recs[0]["p"]) if recs else None

    def existing(self, label: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        recs = self._read(f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) RETURN n.id AS id", ids=ids)
        return {r["id"] for r in recs}

    def nodes(self, label: str) -> list[Node]:
        recs = self._read(f"MATCH (n:{_label(label)}) RETURN properties(n) AS p ORDER BY n.id")
        return [self._node(label, r["p"]) for r in recs]

    def neighbours(self, uid: str, rel_types: Iterable[str] | None = None, direction: str = "both",
                   labels: Iterable[str] | None = None, limit: int | None = None) -> list[tuple[Rel, Node]]:
        label, ident = split_uid(uid)
        if label not in NODE_TYPES:
            return []
        types = sorted(set(rel_types)) if rel_types else None
        labs = sorted(set(labels)) if labels else None
        for t in types or ():
            _type(t)
        pattern = {"out": "-[r]->", "in": "<-[r]-", "both": "-[r]-"}[direction]
        recs = self._read(
            f"MATCH (n:{_label(label)} {{id: $id}}){pattern}(m) "
            "WHERE ($types IS NULL OR type(r) IN $types) AND ($labels IS NULL OR labels(m)[0] IN $labels) "
            "RETURN type(r) AS type, startNode(r) = n AS out, properties(r) AS rp, labels(m)[0] AS ml, "
            "properties(m) AS mp", id=ident, types=types, labels=labs)
        out: list[tuple[Rel, Node]] = []
        for r in recs:
            other = self._node(r["ml"], r["mp"])
            if other.uid == uid and direction == "both" and not r["out"]:
                continue  # a self-loop is seen twice undirected; networkx lists it once per direction
            props = {k: v for k, v in sorted(r["rp"].items()) if k != KEY}
            src, dst = (uid, other.uid) if r["out"] else (other.uid, uid)
            out.append((Rel(r["type"], src, dst, props), other))
        out.sort(key=lambda rn: (rn[0].type, rn[1].uid, rn[0].key))
        return out[:limit] if limit is not None else out

    @staticmethod
    def _by_label(uids: Iterable[str]) -> dict[str, list[str]]:
        """Ids grouped by their (schema) label; uids of other labels cannot exist and are left out."""
        out: dict[str, list[str]] = defaultdict(list)
        for u in sorted(set(uids)):
            label, ident = split_uid(u)
            if label in NODE_TYPES:
                out[label].append(ident)
        return out

    def links(self, uids: Iterable[str], rel_types: Iterable[str] | None = None) -> dict[str, list[tuple[Rel, str]]]:
        wanted = list(uids)
        types = sorted(set(rel_types)) if rel_types else None
        for t in types or ():
            _type(t)
        out: dict[str, list[tuple[Rel, str]]] = {u: [] for u in wanted}
        for label, ids in sorted(self._by_label(wanted).items()):
            recs = self._read(
                f"UNWIND $ids AS i MATCH (n:{_label(label)} {{id: i}})-[r]-(m) "
                "WHERE m <> n AND ($types IS NULL OR type(r) IN $types) "
                "RETURN n.id AS id, type(r) AS type, startNode(r) = n AS out, properties(r) AS rp, "
                "labels(m)[0] AS ml, m.id AS mid", ids=ids, types=types)
            for r in recs:
                u, other = f"{label}:{r['id']}", f"{r['ml']}:{r['mid']}"
                props = {k: v for k, v in sorted(r["rp"].items()) if k != KEY}
                src, dst = (u, other) if r["out"] else (other, u)
                out[u].append((Rel(r["type"], src, dst, props), other))
        return out

    def get_many(self, uids: Iterable[str]) -> dict[str, Node]:
        out: dict[str, Node] = {}
        for label, ids in sorted(self._by_label(uids).items()):
            recs = self._read(f"UNWIND $ids AS i MATCH (n:{_label(label)} {{id: i}}) RETURN properties(n) AS p", ids=ids)
            for r in recs:
                n = self._node(label, r["p"])
                out[n.uid] = n
        return out

    def search(self, text: str, labels: Iterable[str] | None = None, limit: int = 20) -> list[Node]:
        q = text.strip().lower()
        if not q:
            return []
        hits: list[tuple[int, int, str, Node]] = []
        for label in sorted(set(labels) if labels else NODE_TYPES):
            fields = list(NODE_TYPES[label].search)
            recs = self._read(
                f"MATCH (n:{_label(label)}) WITH n, [f IN $fields | n[f]] AS vals "
                "WHERE toLower(n.id) CONTAINS $q OR any(v IN vals WHERE "
                "  (v IS :: STRING AND toLower(v) CONTAINS $q) OR "
                "  (v IS :: LIST<ANY> AND any(x IN v WHERE toLower(toString(x)) CONTAINS $q))) "
                "RETURN properties(n) AS p", q=q, fields=fields)
            for r in recs:
                node = self._node(label, r["p"])
                rank = search_rank(q, node.props, fields)
                if rank is not None:
                    hits.append((*rank, node.uid, node))
        hits.sort(key=lambda h: h[:3])
        return [h[3] for h in hits[:limit]]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        labels = {r["l"]: r["n"] for r in self._read(f"MATCH (n) WHERE NOT n:{META} AND NOT n:{AUDIT} "
                                                              "RETURN labels(n)[0] AS l, count(*) AS n")}
        types = {r["t"]: r["n"] for r in self._read("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n")}
        return dict(sorted(labels.items())), dict(sorted(types.items()))

    def source_kind_counts(self) -> dict[str, int]:
        """Counted on the server."""
        recs = self._read(f"MATCH (n) WHERE NOT n:{META} AND NOT n:{AUDIT} "
                          "RETURN coalesce(n.source_kind, 'unknown') AS k, count(*) AS n")
        out: dict[str, int] = {}
        for r in recs:
            out[str(r["k"])] = out.get(str(r["k"]), 0) + r["n"]
        return dict(sorted(out.items()))

    def node_frame(self, label: str, props: Iterable[str] = (), *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        props = tuple(props)
        if ids is None:
            q = f"MATCH (n:{_label(label)}) RETURN n.id AS id, [p IN $props | n[p]] AS vals"
        else:
            q = f"UNWIND $ids AS i MATCH (n:{_label(label)} {{id: i}}) RETURN n.id AS id, [p IN $props | n[p]] AS vals"
        recs = self._read(q, props=list(props), ids=None if ids is None else sorted(set(ids)))
        return pd.DataFrame([[r["id"], *r["vals"]] for r in recs], columns=["id", *props])

    def _rel_match(self, rel_type: str, src_label: str | None, dst_label: str | None,
                   src_ids: Iterable[str] | None, dst_ids: Iterable[str] | None,
                   where: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """The ``MATCH … WHERE …`` of ``rel_frame``'s filters (relationship ``r`` from ``a`` to ``b``) and its
        parameters; an id list anchors the match on the indexed ``id`` of that end."""
        a = f"(a:{_label(src_label)}" if src_label else "(a"
        b = f"(b:{_label(dst_label)}" if dst_label else "(b"
        params: dict[str, Any] = {}
        conds = []
        anchor = ""  # the end matched through its unique id index: no list filter on it
        src_list = None if src_ids is None else sorted(set(src_ids))
        dst_list = None if dst_ids is None else sorted(set(dst_ids))
        # with both lists, the shorter one anchors (e.g. 30 majors' OFFERS, not 17,800 institutions')
        if src_list is not None and src_label and (dst_list is None or not dst_label or len(src_list) <= len(dst_list)):
            head, a, anchor = "UNWIND $src AS sid ", a + " {id: sid})", "src"
        elif dst_list is not None and dst_label:
            head, b, anchor = "UNWIND $dst AS did ", b + " {id: did})", "dst"
        else:
            head = ""
        a = a if a.endswith(")") else a + ")"
        b = b if b.endswith(")") else b + ")"
        if src_list is not None:
            params["src"] = src_list
            if anchor != "src":
                conds.append("a.id IN $src")
        if dst_list is not None:
            params["dst"] = dst_list
            if anchor != "dst":
                conds.append("b.id IN $dst")
        eq = {k: v for k, v in (where or {}).items() if not isinstance(v, (list, tuple, set, frozenset))}
        inn = {k: sorted(v) for k, v in (where or {}).items() if isinstance(v, (list, tuple, set, frozenset))}
        if eq:
            params["eq"] = eq
            conds.append("all(k IN keys($eq) WHERE r[k] = $eq[k])")
        if inn:
            params["inn"] = inn
            conds.append("all(k IN keys($inn) WHERE r[k] IN $inn[k])")
        where_clause = (" WHERE " + " AND ".join(conds)) if conds else ""
        return f"{head}MATCH {a}-[r:{_type(rel_type)}]->{b}{where_clause} ", params

    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Filters run on the server (see :meth:`_rel_match`)."""
        props = tuple(props)
        match, params = self._rel_match(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        recs = self._read(match + "RETURN a.id AS src, b.id AS dst, [p IN $props | r[p]] AS vals",
                          props=list(props), **params)
        return pd.DataFrame([[r["src"], r["dst"], *r["vals"]] for r in recs], columns=["src", "dst", *props])

    def sources_with(self, rel_type: str, src_label: str, src_ids: Iterable[str], *, dst_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """On the server: the distinct start ids come back, not the relationships."""
        match, params = self._rel_match(rel_type, src_label, dst_label, src_ids, None, where)
        return {r["src"] for r in self._read(match + "RETURN DISTINCT a.id AS src", **params)}

    def rel_max(self, rel_type: str, prop: str, src_label: str | None = None, dst_label: str | None = None, *,
                src_ids: Iterable[str] | None = None, dst_ids: Iterable[str] | None = None,
                where: dict[str, Any] | None = None) -> float | None:
        """Computed on the server: one number comes back, not the relationships."""
        match, params = self._rel_match(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        recs = self._read(match + "WITH r[$prop] AS v WHERE v IS :: INTEGER OR v IS :: FLOAT RETURN max(v) AS m",
                          prop=prop, **params)
        m = recs[0]["m"] if recs else None
        return None if m is None else float(m)

    # ------------------------------------------------------------------------------ aggregations
    # One Cypher aggregation each (the pandas versions and the columns' meaning: iekg.graph.sums); only the
    # groups come back over Bolt.  Labels and types are the schema's fixed names, every value a parameter.
    def offer_sums(self, cities: Sequence[str], year: int | None,
                   majors: Iterable[str] | None = None) -> pd.DataFrame:
        recs = self._read(
            # grouped by the Major node and the institution's level read once per institution; the
            # groups' properties are read after the aggregation (half the time of grouping by properties)
            f"UNWIND $cities AS cid "
            f"MATCH (:{_label('City')} {{id: cid}})<-[:{_type('LOCATED_IN')}]-(i:{_label('Institution')}) "
            "WITH cid, i, i.level AS il "
            f"MATCH (i)-[o:{_type('OFFERS')}]->(m:{_label('Major')}) "
            "WHERE o.year = $year AND ($majors IS NULL OR m.id IN $majors) "
            "WITH cid, il, m, toFloatOrNull(o.graduates) AS g, toFloatOrNull(o.enrollment) AS e, "
            "     toFloatOrNull(o.employment_rate) AS rt, o.leading AS lead "
            "WITH cid, il, m, g, e, rt, lead, (g IS NULL AND e IS NOT NULL) AS est "
            "WITH cid, il, m, count(*) AS programs, "
            "  sum(coalesce(g, 0.0)) AS graduates, count(g) AS with_graduates, "
            "  count(CASE WHEN g > 0 THEN 1 END) AS positive_graduates, "
            "  sum(CASE WHEN est THEN e ELSE 0.0 END) AS enrollment_only, "
            "  count(CASE WHEN est THEN 1 END) AS enrollment_only_n, "
            "  count(CASE WHEN est AND e > 0 THEN 1 END) AS enrollment_only_positive, "
            "  sum(CASE WHEN g IS NOT NULL AND rt IS NOT NULL THEN g ELSE 0.0 END) AS rated_graduates, "
            "  sum(CASE WHEN g IS NOT NULL AND rt IS NOT NULL THEN rt * g ELSE 0.0 END) AS rate_graduates, "
            "  count(CASE WHEN rt IS NOT NULL AND g > 0 THEN 1 END) AS rated_positive, "
            "  sum(CASE WHEN est AND rt IS NOT NULL THEN e ELSE 0.0 END) AS rated_enrollment, "
            "  sum(CASE WHEN est AND rt IS NOT NULL THEN rt * e ELSE 0.0 END) AS rate_enrollment, "
            "  count(CASE WHEN lead = true THEN 1 END) AS leading, count(lead) AS leading_known "
            "RETURN cid AS city, m.id AS major, m.level AS major_level, il AS inst_level, programs, graduates, "
            "  with_graduates, positive_graduates, enrollment_only, enrollment_only_n, enrollment_only_positive, "
            "  rated_graduates, rate_graduates, rated_positive, rated_enrollment, rate_enrollment, leading, "
            "  leading_known",
            cities=sorted(set(cities)), year=year, majors=None if majors is None else sorted(set(majors)))
        cols = [*OFFER_KEYS, *OFFER_SUM_COLUMNS]
        out = pd.DataFrame([r.values() for r in recs], columns=cols)
        return out.sort_values(list(OFFER_KEYS), na_position="last", kind="mergesort").reset_index(drop=True)

    def offer_years(self, cities: Sequence[str]) -> pd.Series:
        recs = self._read(
            f"UNWIND $cities AS cid "
            f"MATCH (:{_label('City')} {{id: cid}})<-[:{_type('LOCATED_IN')}]-(:{_label('Institution')})"
            f"-[o:{_type('OFFERS')}]->(:{_label('Major')}) "
            "WITH o.year AS y WHERE y IS :: INTEGER RETURN y, count(*) AS n ORDER BY y",
            cities=sorted(set(cities)))
        return pd.Series([r["n"] for r in recs], index=pd.Index([r["y"] for r in recs], name="year"), name="programs",
                         dtype="int64")

    def offer_year_counts(self, cities: Sequence[str], years: Iterable[int] | None = None) -> pd.DataFrame:
        recs = self._read(
            f"UNWIND $cities AS cid "
            f"MATCH (:{_label('City')} {{id: cid}})<-[:{_type('LOCATED_IN')}]-(i:{_label('Institution')})"
            f"-[o:{_type('OFFERS')}]->(:{_label('Major')}) "
            "WITH o.year AS y, i WHERE y IS :: INTEGER AND ($years IS NULL OR y IN $years) "
            "RETURN y, count(*) AS n, count(DISTINCT i) AS k ORDER BY y",
            cities=sorted(set(cities)), years=None if years is None else sorted({int(y) for y in years}))
        return pd.DataFrame([[r["y"], r["n"], r["k"]] for r in recs],
                            columns=list(OFFER_YEAR_COUNT_COLUMNS)).astype("int64")

    def located_sums(self, label: str, cities: Sequence[str], props: Sequence[str] = ()) -> pd.DataFrame:
        match = (f"UNWIND $cities AS cid MATCH (:{_label('City')} {{id: cid}})<-[:{_type('LOCATED_IN')}]-"
                 f"(n:{_label(label)}) ")
        recs = self._read(match + "RETURN cid AS city, count(*) AS nodes", cities=sorted(set(cities)))
        out = pd.DataFrame([[r["city"], r["nodes"]] for r in recs], columns=["city", "nodes"]).set_index("city")
        if props:
            # property names are values here (n[p]), never query text
            per = self._read(match + "UNWIND $props AS p WITH cid, p, n[p] AS v "
                             "RETURN cid AS city, p, sum(CASE WHEN v IS :: INTEGER NOT NULL OR v IS :: FLOAT NOT NULL "
                             "THEN toFloat(v) ELSE 0.0 END) AS total, count(v) AS given",
                             cities=sorted(set(cities)), props=list(props))
            for p in props:
                got = {r["city"]: (r["total"], r["given"]) for r in per if r["p"] == p}
                out[f"{p}_sum"] = [float(got.get(c, (0.0, 0))[0]) for c in out.index]
                out[f"{p}_n"] = [int(got.get(c, (0.0, 0))[1]) for c in out.index]
        return out.reset_index().sort_values("city").reset_index(drop=True)

    def demand_sums(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        recs = self._read(
            f"MATCH (a)-[r:{_type('DEMANDS')}]->(b) "
            "WHERE r.year = $year AND r.city_code IN $cities "
            f"  AND (a:{_label('City')} OR a:{_label('Enterprise')}) AND (b:{_label('Industry')} OR b:{_label('Major')}) "
            f"RETURN r.city_code AS city, CASE WHEN b:{_label('Industry')} THEN 'Industry' ELSE 'Major' END AS target_label, "
            "  b.id AS target, sum(toFloat(r.headcount)) AS headcount, count(*) AS rows",
            cities=sorted(set(cities)), year=year)
        out = pd.DataFrame([r.values() for r in recs], columns=list(DEMAND_SUM_COLUMNS))
        out["headcount"] = out["headcount"].astype(float)
        return out.sort_values(["city", "target_label", "target"], kind="mergesort").reset_index(drop=True)

    # the aligned cooperations of an enterprise ``e`` of the cities, given its aligned ``majors``: relationships
    # from an institution located in $cities that offers in $year one of them (iekg.graph.sums)
    _ALIGNED_COOP = (
        f"MATCH (c:{_label('City')})<-[:{_type('LOCATED_IN')}]-(i:{_label('Institution')})"
        f"-[r:{_type('COOPERATES_WITH')}]->(e) "
        "WHERE c.id IN $cities AND size(majors) > 0 AND EXISTS { "
        f"  MATCH (i)-[o:{_type('OFFERS')}]->(m:{_label('Major')}) WHERE o.year = $year AND m.id IN majors }} ")
    _SCOPE_ENTERPRISES = (
        f"UNWIND $cities AS cid "
        f"MATCH (:{_label('City')} {{id: cid}})<-[:{_type('LOCATED_IN')}]-(e:{_label('Enterprise')})"
        f"-[:{_type('IN_INDUSTRY')}]->(ind) "
        "WITH DISTINCT e, CASE WHEN ind.id =~ $rollup THEN left(ind.id, 2) ELSE ind.id END AS code "
        "WITH e, code, coalesce($aligned[code], []) AS majors ")

    def cooperation_counts(self, cities: Sequence[str], year: int | None,
                           aligned: Mapping[str, Sequence[str]], inactive: Sequence[str] = ()) -> pd.DataFrame:
        recs = self._read(
            self._SCOPE_ENTERPRISES +
            "CALL (e, majors) { "
            "  OPTIONAL " + self._ALIGNED_COOP +
            "  WITH DISTINCT r "
            "  RETURN count(CASE WHEN r.status IS NULL OR NOT r.status IN $inactive THEN r END) AS counted, "
            "    count(CASE WHEN r.status IN $inactive THEN r END) AS dropped, "
            "    count(CASE WHEN r.status IS NULL THEN r END) AS unstated } "
            "RETURN code AS industry, count(DISTINCT e) AS enterprises, "
            "  count(DISTINCT CASE WHEN counted > 0 THEN e END) AS cooperating, "
            "  count(DISTINCT CASE WHEN counted = 0 AND dropped > 0 THEN e END) AS left_out_enterprises, "
            "  sum(unstated) AS unstated",
            cities=sorted(set(cities)), year=year, rollup=ROLLUP_PATTERN, inactive=sorted(set(inactive)),
            aligned={str(k): sorted(set(v)) for k, v in aligned.items()})
        out = pd.DataFrame([r.values() for r in recs], columns=list(COOPERATION_COLUMNS))
        ints = list(COOPERATION_COLUMNS[1:])
        out[ints] = out[ints].astype(int)
        return out.sort_values("industry", kind="mergesort").reset_index(drop=True)

    def cooperation_list(self, cities: Sequence[str], year: int | None,
                         aligned: Mapping[str, Sequence[str]], statuses: Sequence[str]) -> pd.DataFrame:
        recs = self._read(
            self._SCOPE_ENTERPRISES + self._ALIGNED_COOP + "AND r.status IN $statuses "
            "WITH DISTINCT code, r, i, e "
            "RETURN code AS industry, i.id AS institution, e.id AS enterprise, r.type AS type, r.status AS status, "
            "  r.since AS since ORDER BY industry, enterprise, institution, coalesce(type, '')",
            cities=sorted(set(cities)), year=year, rollup=ROLLUP_PATTERN, statuses=sorted(set(statuses)),
            aligned={str(k): sorted(set(v)) for k, v in aligned.items()})
        return pd.DataFrame([r.values() for r in recs], columns=list(COOPERATION_LIST_COLUMNS))

    def top_offers(self, cities: Sequence[str], year: int | None,
                   weights: Mapping[str, Sequence[tuple[str, float]]], durations: Mapping[str, float],
                   limit: int) -> pd.DataFrame:
        # A key's supply is volume × its weight for the major, so within one major every key with a weight
        # > 0 ranks the programs alike: by volume, then institution.  The server therefore sorts each
        # major's programs once (walked from the cities, as offer_sums) and returns its first ``limit``;
        # each key's ranking is merged here from its majors' lists.  All supplies of a weight-0 pair are 0,
        # ranked by institution only: those majors' first ``limit`` by institution are read as well.
        majors = sorted({str(m) for ps in weights.values() for m, _ in ps})
        zero = sorted({str(m) for ps in weights.values() for m, w in ps if float(w) == 0.0})
        if not majors:
            return pd.DataFrame(columns=list(TOP_OFFER_COLUMNS))
        recs = self._read(
            f"UNWIND $cities AS cid "
            f"MATCH (:{_label('City')} {{id: cid}})<-[:{_type('LOCATED_IN')}]-(i:{_label('Institution')}) "
            "WITH i, i.level AS il "
            f"MATCH (i)-[o:{_type('OFFERS')}]->(m:{_label('Major')}) "
            "WHERE o.year = $year AND $wanted[m.id] IS NOT NULL "
            "WITH i, il, m, o, toFloatOrNull(o.graduates) AS g, toFloatOrNull(o.enrollment) AS e, "
            "     $durations[coalesce(m.level, il, '')] AS dur "
            "WITH m.id AS major, i.id AS institution, o.year AS year, CASE WHEN g IS NOT NULL THEN g "
            "     WHEN e IS NOT NULL AND dur IS NOT NULL THEN e / toFloat(dur) ELSE 0.0 END AS volume "
            "ORDER BY major, volume DESC, institution "
            "WITH major, collect([institution, year, volume]) AS rows "
            "RETURN major, rows[..$limit] AS top",
            wanted={m: True for m in majors}, year=year,
            cities=sorted(set(cities)), limit=int(limit), durations={str(k): float(v) for k, v in durations.items()})
        top = {r["major"]: r["top"] for r in recs}
        by_inst: dict[str, list[Any]] = {}
        if zero:  # the rare weight-0 pairs: each major's first programs by institution
            recs = self._read(
                f"UNWIND $cities AS cid "
                f"MATCH (:{_label('City')} {{id: cid}})<-[:{_type('LOCATED_IN')}]-(i:{_label('Institution')})"
                f"-[o:{_type('OFFERS')}]->(m:{_label('Major')}) "
                "WHERE o.year = $year AND $zero[m.id] IS NOT NULL "
                "WITH m.id AS major, i.id AS institution, o.year AS year ORDER BY major, institution "
                "WITH major, collect([institution, year, 0.0]) AS rows RETURN major, rows[..$limit] AS top",
                zero={m: True for m in zero}, year=year, cities=sorted(set(cities)), limit=int(limit))
            by_inst = {r["major"]: r["top"] for r in recs}
        rows: list[tuple[str, str, str, Any, float]] = []
        for key, ps in sorted(weights.items()):
            cand = []
            for m, w in ps:
                w = float(w)
                for inst, y, vol in (top.get(str(m), []) if w != 0.0 else by_inst.get(str(m), [])):
                    cand.append((-(vol * w), inst, str(m), y))
            cand.sort(key=lambda c: (c[0], c[1], c[2]))
            rows += [(str(key), inst, m, y, -neg) for neg, inst, m, y in cand[:limit]]
        return pd.DataFrame(rows, columns=list(TOP_OFFER_COLUMNS))

"""The reads of the embedded SQLite store: nodes, neighbourhoods, path links, search, counts and the frames
the queries filter in SQL.  :class:`SqliteReads` is a part of :class:`~iekg.graph.sqlitestore.SqliteStore`
(which gives it ``_use``, ``_snapshot`` and ``_rows``), kept apart so that the store module holds the
connections and the writes, :mod:`iekg.graph.sqlite_sums` the aggregations and this one the reads.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from iekg._lazy import lazy
from iekg.graph import sqlite_sql as sql
from iekg.graph.schema import NODE_TYPES, split_uid
from iekg.graph.sqlite_sql import check_label, jlist, json_path
from iekg.graph.store import LinkKey, Node, Rel, given_frame, search_rank

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")


# The programs of a few majors in one year (SqliteReads.rel_frame): from the majors' ends (index rels_in, one entry
# per program and year) to each institution's program of the year (index rels_src_year, which holds its figures).
# A pair is met once per year it has a program, hence DISTINCT (an (institution, major, year) is one program).
# CROSS JOIN fixes the order; the planner takes both indexes as covering (EXPLAIN QUERY PLAN, scale 100 and demo).
OFFERS_OF_MAJORS = ("SELECT DISTINCT r.src_id, r.dst_id{columns} FROM json_each(?) d "
                    "CROSS JOIN rels p CROSS JOIN rels r "
                    "WHERE p.dst_id = d.value AND p.type = 'OFFERS' AND r.src_id = p.src_id AND r.type = 'OFFERS' "
                    "AND r.year = ? AND r.dst_id = p.dst_id")
# the same from the index on the programs' majors and years (sqlite_sql.MAJOR_YEAR_INDEX), where the graph has it,
# for a year above 0 (the index's condition, stated here): each major's programs of the year are one range of it, in
# the same order (by major, then institution); DISTINCT as above, so that the same rows come out
OFFERS_OF_MAJORS_INDEXED = ("SELECT DISTINCT r.src_id, r.dst_id{columns} FROM json_each(?) d "
                            "CROSS JOIN rels r INDEXED BY rels_major_year "
                            "WHERE r.dst_id = d.value AND r.type = 'OFFERS' AND r.year > 0 AND r.year = ?")


ITER_BATCH = 20_000  # relationships read at a time by iter_rels


class SqliteReads:
    """``Store``'s reads over the ``nodes`` and ``rels`` tables (see :class:`iekg.graph.store.Store`)."""

    def _use(self, create: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # SqliteStore's

    def _snapshot(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # SqliteStore's

    def _rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        raise NotImplementedError  # SqliteStore's

    # ------------------------------------------------------------------------------------- reads
    @staticmethod
    def _node(label: str, props: str) -> Node:
        p = json.loads(props)  # written with sorted keys: the canonical order
        return Node(f"{label}:{p['id']}", label, p)

    def get(self, uid: str) -> Node | None:
        label, ident = split_uid(uid)
        rows = self._rows(sql.NODE, (label, ident))
        return self._node(label, rows[0][0]) if rows else None

    def get_many(self, uids: Iterable[str]) -> dict[str, Node]:
        by: dict[str, list[str]] = defaultdict(list)
        for u in set(uids):
            label, ident = split_uid(u)
            by[label].append(ident)
        out: dict[str, Node] = {}
        with self._snapshot() as con:
            for label, ids in sorted(by.items()):
                for (p,) in con.execute(sql.NODES_IN, (label, jlist(ids))):
                    n = self._node(label, p)
                    out[n.uid] = n
        return out

    def existing(self, label: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        return {r[0] for r in self._rows(sql.NODE_IDS_IN, (label, jlist(ids)))}

    def nodes(self, label: str) -> list[Node]:
        return [self._node(label, p) for (p,) in
                self._rows(sql.NODES_OF, (label,))]

    def iter_rels(self) -> Iterator[Rel]:
        """Every relationship in batches of :data:`ITER_BATCH` rows, grouped by type through the index on
        (type, …), all of them in one read transaction (one state of the graph): a copy of the national graph
        (3 million relationships) holds a batch at a time, not the whole graph."""
        with self._snapshot() as con:
            cur = con.execute(sql.ALL_RELS)
            while True:
                rows = cur.fetchmany(ITER_BATCH)
                if not rows:
                    return
                for t, sl, si, dl, di, rp in rows:
                    yield Rel(t, f"{sl}:{si}", f"{dl}:{di}", json.loads(rp))

    def neighbours(self, uid: str, rel_types: Iterable[str] | None = None, direction: str = "both",
                   labels: Iterable[str] | None = None, limit: int | None = None) -> list[tuple[Rel, Node]]:
        label, ident = split_uid(uid)
        types = sorted(set(rel_types)) if rel_types else None
        labs = set(labels) if labels else None
        cond = sql.TYPES_COND if types else ""
        params: list[Any] = [ident, label] + ([json.dumps(types)] if types else [])
        parts = []
        if direction in ("out", "both"):
            parts.append(sql.NEIGHBOURS_OUT.format(types=cond))
        if direction in ("in", "both"):
            parts.append(sql.NEIGHBOURS_IN.format(types=cond))
        out: list[tuple[Rel, Node]] = []
        for t, is_out, ol, oi, rp, op in self._rows(" UNION ALL ".join(parts), params * len(parts)):
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
        text = sql.LINKS.format(types=sql.TYPES_COND if types else "")
        tp = [json.dumps(types)] if types else []
        with self._snapshot() as con:
            for label, ids in sorted(by.items()):
                jl = jlist(ids)
                rows = con.execute(text, [jl, label, *tp, jl, label, *tp]).fetchall()
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

    def link_keys(self, uids: Iterable[str],
                  rel_types: Iterable[str] | None = None) -> dict[str, list[tuple[LinkKey, str]]]:
        """:meth:`links` from the index columns alone: no property text is read or parsed."""
        wanted = list(uids)
        types = sorted(set(rel_types)) if rel_types else None
        out: dict[str, list[tuple[LinkKey, str]]] = {u: [] for u in wanted}
        by: dict[str, list[str]] = defaultdict(list)
        for u in set(wanted):
            label, ident = split_uid(u)
            if label in NODE_TYPES:
                by[label].append(ident)
        text = sql.LINK_KEYS.format(types=sql.TYPES_COND if types else "")
        tp = [json.dumps(types)] if types else []
        with self._snapshot() as con:
            for label, ids in sorted(by.items()):
                jl = jlist(ids)
                for is_out, t, sl, si, dl, di, k in con.execute(text, [jl, label, *tp, jl, label, *tp]):
                    src, dst = f"{sl}:{si}", f"{dl}:{di}"
                    if src == dst:
                        continue
                    lk = LinkKey(t, src, dst, f"{t}|{src}|{dst}|{k}" if k else f"{t}|{src}|{dst}")
                    if is_out:
                        out[src].append((lk, dst))
                    else:
                        out[dst].append((lk, src))
        return out

    def rels_by_key(self, links: Iterable[LinkKey]) -> dict[str, Rel]:
        out: dict[str, Rel] = {}
        with self._snapshot() as con:
            for lk in links:
                sl, si = split_uid(lk.src)
                dl, di = split_uid(lk.dst)
                prefix = f"{lk.type}|{lk.src}|{lk.dst}"
                k = lk.key[len(prefix) + 1:] if len(lk.key) > len(prefix) else ""
                row = con.execute(sql.FIND_REL, (si, lk.type, sl, di, dl, k)).fetchone()
                if row is not None:
                    out[lk.key] = Rel(lk.type, lk.src, lk.dst, json.loads(row[1]))
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
            params: list[Any] = [json.dumps(labs)] + ([q] if pre else [])
            for label, p in con.execute(sql.SEARCH + (sql.SEARCH_TEXT if pre else ""), params).fetchall():
                node = self._node(label, p)
                rank = search_rank(q, node.props, NODE_TYPES[label].search)
                if rank is not None:
                    hits.append((*rank, node.uid, node))
        hits.sort(key=lambda h: h[:3])
        return [h[3] for h in hits[:limit]]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._snapshot() as con:
            labels = dict(con.execute(sql.LABEL_COUNTS).fetchall())
            types = dict(con.execute(sql.TYPE_COUNTS).fetchall())
        return dict(sorted(labels.items())), dict(sorted(types.items()))

    def source_kind_counts(self) -> dict[str, int]:
        """One GROUP BY over the typed ``source_kind`` column (its index answers it)."""
        out: dict[str, int] = defaultdict(int)
        for k, n in self._rows(sql.KIND_COUNTS):
            out[str(k)] += n
        return dict(sorted(out.items()))

    def snapshot(self) -> dict[str, Any]:
        with self._snapshot() as con:
            nodes = {f"{label}:{i}": json.loads(p) for label, i, p in con.execute(sql.ALL_NODES)}
            rels = {}
            for t, sl, si, dl, di, p in con.execute(sql.ALL_RELS):
                r = Rel(t, f"{sl}:{si}", f"{dl}:{di}", json.loads(p))
                rels[r.key] = r.props
        return {"nodes": dict(sorted(nodes.items())), "rels": dict(sorted(rels.items()))}

    # ------------------------------------------------------------------------------------ frames
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

    @staticmethod
    def _by_target_frame(grouped: list[Any]) -> pd.DataFrame:
        """The frame of :data:`sql.REL_FRAME_BY_DST`'s rows (target, how many, its sources as a JSON list): one row
        per relationship, in the statement's order, as :meth:`_frame` makes it of :data:`sql.REL_FRAME`'s rows."""
        import numpy as np

        src = [s for _, _, listed in grouped for s in json.loads(listed)]
        dst = np.repeat(np.array([d for d, _, _ in grouped], dtype=object), [n for _, n, _ in grouped])
        return pd.DataFrame({"src": src, "dst": dst})

    def node_frame(self, label: str, props: Iterable[str] = (), *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        props = tuple(props)
        sel, params, decode = sql.select_props(props, "n")
        params.append(check_label(label))
        if ids is not None:
            params.append(jlist(ids))
        text = sql.NODE_FRAME.format(columns=sel) + (sql.NODE_FRAME_IDS if ids is not None else "")
        return self._frame(self._rows(text, params), ["id", *props], decode, 1)

    def nodes_with(self, label: str, prop: str, *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        """:meth:`Store.nodes_with`: the nodes without the property left out by the statement (a JSON null is read
        and dropped after decoding, as ``node_frame``'s None): 17,800 institutions of which none says ``leading``,
        22 → 12 ms, and no frame, merge and sort of their rows after."""
        sel, params, decode = sql.select_props((prop,), "n")
        params.append(check_label(label))
        if ids is not None:
            params.append(jlist(ids))
        text = sql.NODE_FRAME.format(columns=sel) + (sql.NODE_FRAME_IDS if ids is not None else "") + sql.NODE_GIVEN
        params.append(json_path(prop))
        return given_frame(self._frame(self._rows(text, params), ["id", prop], decode, 1), prop)

    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """Filters run in SQL, through the indexes on the ends and on (type, year, city_code)."""
        props = tuple(props)
        year = (where or {}).get("year")
        if (rel_type == "OFFERS" and set(props) <= sql.OFFER_FIGURES and src_ids is None and dst_ids is not None
                and src_label in (None, "Institution") and dst_label in (None, "Major")
                and set(where or {}) == {"year"} and isinstance(year, int) and not isinstance(year, bool)):
            # a few majors' programs of one year: their (institution, major) pairs from the index on the
            # relationships' ends, then each program's year and figures from the index on (src_id, type, year, …)
            # — no row is read (the plain filter reads every program's row of the majors to test its year)
            cols = "".join(f", r.{p}" for p in props)
            text = OFFERS_OF_MAJORS_INDEXED if year > 0 and self._rows(sql.HAS_MAJOR_YEAR_INDEX) else OFFERS_OF_MAJORS
            rows = self._rows(text.format(columns=cols), [jlist(dst_ids), year])
            return self._frame(rows, ["src", "dst", *props], (), 2)
        if (rel_type == "OFFERS" and not props and src_ids is not None and dst_ids is None
                and src_label in (None, "Institution") and dst_label in (None, "Major")
                and set(where or {}) == {"year", "leading"} and (where or {})["leading"] is True
                and isinstance(year, int) and not isinstance(year, bool) and self._rows(sql.HAS_LEADING_INDEX)):
            # the year's programs marked leading of some institutions, from their own small index (a graph
            # written before it was kept reads them below, through rels_src_year, until its next import)
            return self._frame(self._rows(sql.LEADING_OFFERS, [year, jlist(src_ids)]), ["src", "dst"], (), 2)
        if not props and dst_ids is not None and src_ids is None and not where:
            # the ends only, by their targets: grouped per target in SQL, spread out here (REL_FRAME_BY_DST)
            cond, cparams = sql.rel_filter(rel_type, src_label, dst_label, None, dst_ids, None)
            grouped = self._rows(sql.REL_FRAME_BY_DST.format(cond=cond), cparams)
            if grouped:
                return self._by_target_frame(grouped)
            return self._frame([], ["src", "dst"], (), 2)
        if rel_type == "OFFERS" and props and set(props) <= sql.OFFER_FIGURES:
            # a program's year and figures from their typed copies in the index on (src_id, type, year, …):
            # no row or JSON is read (the values the kept sums and the volume rule use; a number is the same)
            params: list[Any] = []
            decode: list[int] = []
            sel = "".join(f", r.{p}" for p in props)
        else:
            sel, params, decode = sql.select_props(props, "r")
        cond, cparams = sql.rel_filter(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        rows = self._rows(sql.REL_FRAME.format(columns=sel, cond=cond), params + cparams)
        return self._frame(rows, ["src", "dst", *props], decode, 2)

    def sources_with(self, rel_type: str, src_label: str, src_ids: Iterable[str], *, dst_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """One EXISTS per id through the index on (src_id, type, year): no relationship row is read out."""
        cond, params = sql.rel_filter(rel_type, src_label, dst_label, None, None, where)
        rows = self._rows(sql.SOURCES_WITH.format(cond=cond), [jlist(sorted(set(src_ids))), *params])
        return {r[0] for r in rows}

    def rel_max(self, rel_type: str, prop: str, src_label: str | None = None, dst_label: str | None = None, *,
                src_ids: Iterable[str] | None = None, dst_ids: Iterable[str] | None = None,
                where: dict[str, Any] | None = None) -> float | None:
        cond, params = sql.rel_filter(rel_type, src_label, dst_label, src_ids, dst_ids, where)
        rows = self._rows(sql.REL_MAX.format(cond=cond), [json_path(prop), json_path(prop), *params])
        m = rows[0][0] if rows else None
        return None if m is None else float(m)

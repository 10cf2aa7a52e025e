"""The embedded default store: a networkx MultiDiGraph persisted as JSON in the home folder.

The file ``graph.json`` is written atomically (temp file + rename), so a crash never leaves half a
graph; JSON (never a Python object serialisation), so the file is safe to open and readable by other tools.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from iekg.graph.schema import NODE_TYPES
from iekg.graph.store import ApplyResult, ChangeSet, Node, Rel, Store, filter_rels, id_values, search_rank

FORMAT = "iekg-graph"
VERSION = 1


class NetworkxStore(Store):
    name = "networkx"

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        """``path`` is the JSON file; None keeps the graph in memory only."""
        self.path = Path(path) if path is not None else None
        self.g: nx.MultiDiGraph = nx.MultiDiGraph()
        self._frames: dict[tuple[Any, ...], Any] = {}
        self.imports: list[dict[str, Any]] = []  # the import history, oldest first (top-level "imports")
        if self.path is not None and self.path.exists():
            self._load()

    # ------------------------------------------------------------------------------- persistence
    def _load(self) -> None:
        assert self.path is not None
        with open(self.path, encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("format") != FORMAT:
            raise ValueError(f"{self.path} is not an iekg graph file")
        g = nx.MultiDiGraph()
        for n in data["nodes"]:
            g.add_node(n["uid"], label=n["label"], props=n["props"])
        for e in data["rels"]:
            g.add_edge(e["src"], e["dst"], key=e["key"], type=e["type"], props=e["props"])
        self.g = g
        self.imports = list(data.get("imports", []))

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT, "version": VERSION,
            "nodes": [{"uid": u, "label": d["label"], "props": d["props"]} for u, d in self.g.nodes(data=True)],
            "rels": [{"key": k, "type": d["type"], "src": a, "dst": b, "props": d["props"]}
                     for a, b, k, d in self.g.edges(keys=True, data=True)],
        }
        if self.imports:  # written only when there is a history: a file without one stays as version 1 wrote it
            data["imports"] = self.imports
        fd, tmp = tempfile.mkstemp(prefix=".graph-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    # -------------------------------------------------------------------------------------- writes
    def apply(self, changes: ChangeSet, *, fresh: bool = False,
              audit: Mapping[str, Any] | None = None) -> ApplyResult:
        g = nx.MultiDiGraph() if fresh else self.g.copy()  # all or nothing: work on a copy, swap at the end
        res = ApplyResult()
        for uid in sorted(changes.delete_nodes):  # before the upserts: a node deleted and upserted is new
            if g.has_node(uid):
                res.rels_deleted += g.in_degree(uid) + g.out_degree(uid) - g.number_of_edges(uid, uid)
                g.remove_node(uid)
        for n in changes.nodes.values():
            if g.has_node(n.uid):
                props = g.nodes[n.uid]["props"]
                new = {**props, **n.props}
                if new != props:
                    g.nodes[n.uid]["props"] = new
                    res.nodes_updated += 1
            else:
                g.add_node(n.uid, label=n.label, props=dict(n.props))
                res.nodes_created += 1
        keep = {r.key for r in changes.rels.values()}
        for src, rel_type in changes.replace:
            if g.has_node(src):
                doomed = [(src, b, k) for _, b, k, d in g.out_edges(src, keys=True, data=True)
                          if d["type"] == rel_type and k not in keep]
                for e in doomed:
                    g.remove_edge(*e)
                res.rels_deleted += len(doomed)
        for r in changes.rels.values():
            for end in (r.src, r.dst):
                if not g.has_node(end):
                    raise KeyError(f"relationship {r.key} refers to a missing node {end}")
            if g.has_edge(r.src, r.dst, key=r.key):
                d = g.edges[r.src, r.dst, r.key]
                if d["props"] != r.props:
                    d["props"] = dict(r.props)
                    res.rels_updated += 1
            else:
                g.add_edge(r.src, r.dst, key=r.key, type=r.type, props=dict(r.props))
                res.rels_created += 1
        old, old_imports = self.g, self.imports
        self.g = g
        if audit is not None:  # saved in the same file write as the graph: both or neither
            from iekg.graph.store import audit_record

            ident = max((int(e["id"]) for e in old_imports), default=0) + 1
            self.imports = [*old_imports, audit_record(audit, res, ident)]
        try:
            self._save()
        except BaseException:
            self.g, self.imports = old, old_imports
            raise
        self._frames.clear()
        self.forget()
        return res

    def import_history(self, limit: int = 50) -> list[dict[str, Any]]:
        return [json.loads(json.dumps(e)) for e in reversed(self.imports[-limit:])] if limit > 0 else []

    def clear(self) -> None:  # the import history stays
        self.g = nx.MultiDiGraph()
        self._frames.clear()
        self.forget()
        self._save()

    # --------------------------------------------------------------------------------------- reads
    def _node(self, u: str) -> Node:
        d = self.g.nodes[u]
        return Node(u, d["label"], dict(sorted(d["props"].items())))  # canonical key order in every store

    def get(self, uid: str) -> Node | None:
        return self._node(uid) if self.g.has_node(uid) else None

    def existing(self, label: str, ids: Iterable[str]) -> set[str]:
        return {i for i in ids if self.g.has_node(f"{label}:{i}")}

    def nodes(self, label: str) -> list[Node]:
        return [self._node(u) for u, d in self.g.nodes(data=True) if d["label"] == label]

    def neighbours(self, uid: str, rel_types: Iterable[str] | None = None, direction: str = "both",
                   labels: Iterable[str] | None = None, limit: int | None = None) -> list[tuple[Rel, Node]]:
        if not self.g.has_node(uid):
            return []
        types = set(rel_types) if rel_types else None
        labs = set(labels) if labels else None
        out: list[tuple[Rel, Node]] = []
        edges: list[tuple[str, str, dict[str, Any]]] = []
        if direction in ("out", "both"):
            edges += [(a, b, d) for a, b, d in self.g.out_edges(uid, data=True)]
        if direction in ("in", "both"):
            edges += [(a, b, d) for a, b, d in self.g.in_edges(uid, data=True)]
        for a, b, d in edges:
            if types is not None and d["type"] not in types:
                continue
            other = b if a == uid else a
            if labs is not None and self.g.nodes[other]["label"] not in labs:
                continue
            out.append((Rel(d["type"], a, b, dict(sorted(d["props"].items()))), self._node(other)))
        out.sort(key=lambda rn: (rn[0].type, rn[1].uid, rn[0].key))
        return out[:limit] if limit is not None else out

    def search(self, text: str, labels: Iterable[str] | None = None, limit: int = 20) -> list[Node]:
        q = text.strip().lower()
        if not q:
            return []
        labs = set(labels) if labels else None
        hits: list[tuple[int, int, str]] = []
        for u, d in self.g.nodes(data=True):
            label = d["label"]
            if labs is not None and label not in labs:
                continue
            rank = search_rank(q, d["props"], NODE_TYPES[label].search)
            if rank is not None:
                hits.append((*rank, u))
        hits.sort()
        return [self._node(u) for _, _, u in hits[:limit]]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        labels: dict[str, int] = {}
        for _, d in self.g.nodes(data=True):
            labels[d["label"]] = labels.get(d["label"], 0) + 1
        types: dict[str, int] = {}
        for _, _, d in self.g.edges(data=True):
            types[d["type"]] = types.get(d["type"], 0) + 1
        return dict(sorted(labels.items())), dict(sorted(types.items()))

    def _edges_of(self, rel_type: str) -> list[tuple[str, str, dict[str, Any]]]:
        """The edges of one type, grouped in one pass over the graph (kept until the next write)."""
        if ("by-type",) not in self._frames:
            groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
            # the raw adjacency dicts: a third faster than edges(data=True) or the succ view at 1M edges
            for a, nbrs in self.g._succ.items():
                for b, parallel in nbrs.items():
                    for d in parallel.values():
                        groups.setdefault(d["type"], []).append((a, b, d))
            self._frames[("by-type",)] = groups
        return self._frames[("by-type",)].get(rel_type, [])  # type: ignore[no-any-return]

    def node_frame(self, label: str, props: Iterable[str] = (), *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        props = tuple(props)
        key = ("n", label, props)
        if key not in self._frames:
            rows = [d["props"] for _, d in self.g.nodes(data=True) if d["label"] == label]
            cols = ["id", *props]
            self._frames[key] = pd.DataFrame([[r.get(c) for c in cols] for r in rows], columns=cols)
        frame = self._frames[key]
        if ids is not None:
            return frame[frame["id"].isin(id_values(ids))].reset_index(drop=True)
        return frame.copy()

    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        props = tuple(props)
        if src_ids is None and dst_ids is None and not where:
            return self._table(rel_type, props, src_label, dst_label).copy()
        extra = tuple(k for k in (where or {}) if k not in props)
        full = self._table(rel_type, props + extra, src_label, dst_label)
        # an id list picks its rows through a cached index of positions per id (no pass over the table)
        if src_ids is not None:
            full = full.iloc[self._rows(rel_type, src_label, dst_label, "src", full, src_ids)]
            src_ids = None
        elif dst_ids is not None:
            full = full.iloc[self._rows(rel_type, src_label, dst_label, "dst", full, dst_ids)]
            dst_ids = None
        return filter_rels(full, src_ids, dst_ids, where).drop(columns=list(extra))

    def _rows(self, rel_type: str, src_label: str | None, dst_label: str | None, column: str,
              frame: pd.DataFrame, ids: Iterable[str]) -> np.ndarray:
        """The positions (ascending, so rows keep the table's order) of the rows whose ``column`` is in ``ids``."""
        key = ("positions", rel_type, src_label, dst_label, column)
        if key not in self._frames:  # the same for every property selection of these labels
            self._frames[key] = frame.groupby(column, sort=False).indices
        groups: dict[str, np.ndarray] = self._frames[key]  # type: ignore[assignment]
        parts = [groups[i] for i in set(id_values(ids)) if i in groups]
        return np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.intp)

    def _table(self, rel_type: str, props: tuple[str, ...], src_label: str | None,
               dst_label: str | None) -> pd.DataFrame:
        """The cached table of one relationship type and labels (callers copy or filter, never change it)."""
        key = ("r", rel_type, props, src_label, dst_label)
        if key not in self._frames:
            edges = self._edges_of(rel_type)
            sp, dp = (src_label or "") + ":", (dst_label or "") + ":"
            if src_label or dst_label:
                edges = [e for e in edges if (not src_label or e[0].startswith(sp)) and
                         (not dst_label or e[1].startswith(dp))]
            frame = pd.DataFrame([e[2]["props"] for e in edges], columns=list(props)) if props else \
                pd.DataFrame(index=range(len(edges)))
            for c in props:  # missing text stays None (as a list of rows would give), numbers stay NaN
                col = frame[c]
                if col.dtype == object or col.isna().all():
                    frame[c] = col.astype(object).where(col.notna(), None)
            frame.insert(0, "src", pd.Series([e[0].partition(":")[2] for e in edges], dtype=object))
            frame.insert(1, "dst", pd.Series([e[1].partition(":")[2] for e in edges], dtype=object))
            self._frames[key] = frame
        return self._frames[key]  # type: ignore[no-any-return]

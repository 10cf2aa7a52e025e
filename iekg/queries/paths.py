"""Neighbours and paths between entities.

Everything here talks to the graph only through the :class:`~iekg.graph.store.Store` interface, so a
Neo4j store gives the same answers as the embedded one:

* :func:`neighbours` — the relationships at one node, filtered by label, type, direction and year.
* :func:`shortest_path` and :func:`all_paths` — how two nodes are connected.  The graph is treated as
  undirected for connectivity; every relationship on a path reports its real direction.  Both walk the
  graph with ``Store.neighbours`` from both ends and never further than the hop bound, so they never
  load the whole graph.  ``rel_types=None`` means every relationship type; hub-like links (a province's
  ``PART_OF``, a city's ``LOCATED_IN``) can make short but uninformative paths, so callers that want a
  "knowledge" route restrict ``rel_types`` (e.g. OFFERS, SUBCLASS_OF, ALIGNS_WITH, MAPS_TO, PART_OF).
* :func:`neighbours_reason`, :func:`path_reason`, :func:`search_reason` — why a question found nothing.

Every list has a deterministic order (ties broken by id), so two stores holding the same graph return
identical lists.  Unknown ids raise :class:`LookupError`; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iekg.graph.schema import REL_TYPES
from iekg.graph.store import LinkKey, Node, Rel, Store
from iekg.queries.scope import check_labels, check_rel_types, node_of

DIRECTIONS = ("out", "in", "both")


# --------------------------------------------------------------------------------------- neighbours
def neighbours(store: Store, uid: str, *, labels: Iterable[str] | None = None,
               rel_types: Iterable[str] | None = None, direction: str = "both", year: int | None = None,
               limit: int | None = 100) -> list[dict[str, Any]]:
    """The relationships at ``uid`` and the node at their other end.

    ``direction`` is ``out``, ``in`` or ``both``; ``labels`` restricts the other node's label;
    ``year`` drops relationships whose ``year`` property differs (relationships without a year stay).
    Ordered by relationship type, direction, other node's uid, then the relationship's identity.
    Each row: ``type``, ``zh``, ``direction``, ``props``, ``other`` (uid), ``other_label``, ``other_id``,
    ``other_name``.

    Parameters
    ----------
    store : Store
        The graph.
    uid : str
        The node, as ``<Label>:<id>``.
    labels, rel_types : iterable of str, optional
        Only these labels at the other end, only these relationship types.
    direction : str
        ``out``, ``in`` or ``both``.
    year : int, optional
        Drop relationships of another year.
    limit : int, optional
        At most this many rows (None: all).

    Returns
    -------
    list of dict
    """
    node_of(store, uid)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    types = check_rel_types(rel_types)
    labs = check_labels(labels)
    rows = []
    for r, other in store.neighbours(uid, types, direction, labs):
        if year is not None and r.props.get("year") is not None and str(r.props["year"]) != str(year):
            continue
        d = "out" if r.src == uid else "in"
        rows.append(((r.type, d, other.uid, r.key), {
            "type": r.type, "zh": REL_TYPES[r.type].zh, "direction": d, "props": dict(r.props),
            "other": other.uid, "other_label": other.label, "other_id": other.id, "other_name": other.name}))
    rows.sort(key=lambda x: x[0])
    out = [row for _, row in rows]
    return out[:limit] if limit is not None else out


def neighbours_reason(store: Store, uid: str, *, labels: Iterable[str] | None = None,
                      rel_types: Iterable[str] | None = None, direction: str = "both",
                      year: int | None = None) -> str:
    """Why :func:`neighbours` found nothing: what the entity has without the filters, and what to try.

    Parameters are those of :func:`neighbours` (without ``limit``).

    Returns
    -------
    str
        One sentence, Chinese then English.
    """
    every = store.neighbours(uid, None, "both", None)
    if not every:
        return "该实体在图中没有任何关系 (the entity has no relationship at all): 导入与它相关的数据"
    kinds: dict[str, int] = {}
    for r, other in every:
        d = "out" if r.src == uid else "in"
        k = f"{r.type} {d} → {other.label}"
        kinds[k] = kinds.get(k, 0) + 1
    have = "；".join(f"{k} ×{n}" for k, n in sorted(kinds.items())[:8])
    filters = ", ".join(x for x in (
        f"label={','.join(labels)}" if labels else "", f"type={','.join(rel_types)}" if rel_types else "",
        f"direction={direction}" if direction != "both" else "", f"year={year}" if year is not None else "") if x)
    return (f"没有符合筛选条件（{filters}）的关系；该实体共有 {len(every)} 个关系：{have} "
            f"(no relationship matches {filters}; try without those filters)")


def path_reason(store: Store, a_uid: str, b_uid: str, k: int, rel_types: Iterable[str] | None) -> str:
    """Why no path joins two entities within ``k`` hops, and what to try.

    Parameters
    ----------
    store : Store
        The graph.
    a_uid, b_uid : str
        The entities no path was found between.
    k : int
        The hop bound that was tried.
    rel_types : iterable of str, optional
        The relationship types the search was limited to.

    Returns
    -------
    str
    """
    lonely = [u for u in (a_uid, b_uid) if not store.neighbours(u, None, "both", None)]
    if lonely:
        return f"{lonely[0]} 在图中没有任何关系，无法连到其他实体 (it has no relationship at all)"
    tip = "去掉 --type 限制，或" if rel_types else ""
    return (f"{k} 步之内没有连接两者的路径 (no path within {k} hops): 试试{tip}加大 --k（最多 8）"
            f"{'；限定的关系类型：' + ','.join(rel_types) if rel_types else ''}")


def search_reason(text: str, labels: Iterable[str] | None = None) -> str:
    """Why a search found nothing, and what to try.

    Parameters
    ----------
    text : str
        What was searched for.
    labels : iterable of str, optional
        The labels the search was limited to.

    Returns
    -------
    str
    """
    only = f"（只在 {','.join(labels)} 中找）" if labels else ""
    return (f"没有名称或编号包含「{text}」的实体{only} (nothing named like {text!r}): 试试更短的关键词、简称、"
            f"拼音（API）{'，或去掉 --label' if labels else ''}")



# -------------------------------------------------------------------------------------------- paths
class _Adjacency:
    """Cached, canonically ordered neighbourhoods for path search.

    ``links(u)`` lists ``(other uid, rel)`` with, for each other node and relationship type, only the
    smallest relationship by identity (parallel relationships of one type, e.g. OFFERS per year, count
    as one link), ordered by (other uid, type).  Self-loops are skipped."""

    def __init__(self, store: Store, rel_types: tuple[str, ...] | None) -> None:
        self.store = store
        self.rel_types = rel_types
        self.nodes: dict[str, Node] = {}
        self._links: dict[str, list[tuple[str, LinkKey]]] = {}
        self.calls = 0

    def expand(self, us: Iterable[str]) -> None:
        """Read the links of every node of ``us`` not read yet, in one store call (a BFS layer at once)."""
        todo = sorted({u for u in us if u not in self._links})
        if not todo:
            return
        self.calls += 1
        for u, found in self.store.link_keys(todo, self.rel_types).items():
            best: dict[tuple[str, str], LinkKey] = {}
            for r, other in found:
                k = (other, r.type)
                if k not in best or r.key < best[k].key:
                    best[k] = r
            self._links[u] = [(v, best[(v, t)]) for v, t in sorted(best)]

    def links(self, u: str) -> list[tuple[str, LinkKey]]:
        if u not in self._links:
            self.expand([u])
        return self._links[u]

    def fill(self, uids: Iterable[str]) -> None:
        """Read the nodes of a result's paths that are not known yet, in one store call."""
        self.nodes.update(self.store.get_many({u for u in uids if u not in self.nodes}))

    def link(self, u: str, v: str) -> LinkKey:
        """The canonical relationship between two adjacent nodes: smallest (type, identity)."""
        return next(r for w, r in self.links(u) if w == v)


def _path_dict(adj: _Adjacency, nodes: list[str], links: list[LinkKey],
               props: dict[str, Rel] | None = None) -> dict[str, Any]:
    """A path for the answer: its relationships' properties read now, by key (the search moved keys only)."""
    elements: list[dict[str, Any]] = []
    text: list[str] = []
    adj.fill(nodes)
    props = props if props is not None else adj.store.rels_by_key(links)
    rels = [props.get(lk.key) or Rel(lk.type, lk.src, lk.dst, {}) for lk in links]
    for k, u in enumerate(nodes):
        n = adj.nodes[u]
        elements.append({"kind": "node", "uid": u, "label": n.label, "id": n.id, "name": n.name})
        text.append(n.name)
        if k < len(rels):
            r = rels[k]
            d = "out" if r.src == u else "in"
            elements.append({"kind": "rel", "type": r.type, "zh": REL_TYPES[r.type].zh, "src": r.src, "dst": r.dst,
                             "direction": d, "props": dict(r.props)})
            text.append(f"-[{r.type}]->" if d == "out" else f"<-[{r.type}]-")
    return {"length": len(rels), "nodes": list(nodes), "types": [r.type for r in rels], "path": elements,
            "text": " ".join(text)}


def shortest_path(store: Store, a_uid: str, b_uid: str, *, max_hops: int = 6,
                  rel_types: Iterable[str] | None = None) -> dict[str, Any] | None:
    """The shortest undirected path between two nodes, or None when there is none within ``max_hops``.

    Among several shortest paths the one whose node-uid sequence is lexicographically smallest is
    returned (between two adjacent nodes, the relationship of the smallest type), which is also the
    first path :func:`all_paths` lists.  Bidirectional breadth-first search: full layers are expanded
    from the end with the smaller frontier until they meet or the hop bound is reached.

    Result: ``length``, ``nodes`` (uids), ``types``, ``path`` (alternating node and relationship
    elements; a relationship's ``direction`` is ``out`` when it points along the path from a to b) and
    ``text`` (e.g. ``A -[OFFERS]-> B <-[MAPS_TO]- C``).

    Parameters
    ----------
    store : Store
        The graph.
    a_uid, b_uid : str
        The two ends (``<Label>:<id>``).
    max_hops : int
        The longest path looked for.
    rel_types : iterable of str, optional
        Walk only these relationship types (None: all).

    Returns
    -------
    dict or None
    """
    a, b = node_of(store, a_uid), node_of(store, b_uid)
    adj = _Adjacency(store, check_rel_types(rel_types))
    adj.nodes[a.uid], adj.nodes[b.uid] = a, b
    if a.uid == b.uid:
        return _path_dict(adj, [a.uid], [])
    dist = ({a.uid: 0}, {b.uid: 0})
    frontier: tuple[list[str], list[str]] = ([a.uid], [b.uid])
    depth = [0, 0]
    meet: list[str] = []
    while depth[0] + depth[1] < max_hops:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        seen, other = dist[side], dist[1 - side]
        layer: list[str] = []
        adj.expand(frontier[side])
        for u in sorted(frontier[side]):
            for v, _ in adj.links(u):
                if v not in seen:
                    seen[v] = depth[side] + 1
                    layer.append(v)
        if not layer:
            return None  # one end's component is exhausted
        depth[side] += 1
        frontier[side].clear()
        frontier[side].extend(layer)
        meet = sorted(v for v in layer if v in other)
        if meet:
            break
    if not meet:
        return None
    # The meeting nodes lie p hops from a and q from b on every shortest path.  Reconstruct the
    # lexicographically smallest path using only the links of expanded nodes (already cached).
    da, db = dist
    p = depth[0]
    layers_a: dict[int, list[str]] = {}
    for u, i in da.items():
        layers_a.setdefault(i, []).append(u)
    useful: dict[int, set[str]] = {p: set(meet)}  # forward-layer nodes on a shortest path to a meeting node
    for i in range(p, 0, -1):
        useful[i - 1] = {u for u in layers_a[i - 1] if any(v in useful[i] for v, _ in adj.links(u))}
    nodes: list[str] = [a.uid]
    rels: list[LinkKey] = []
    for i in range(p):  # greedy: the smallest useful node of the next forward layer
        v, r = next((v, r) for v, r in adj.links(nodes[-1]) if da.get(v) == i + 1 and v in useful[i + 1])
        nodes.append(v)
        rels.append(r)
    layers_b: dict[int, list[str]] = {}
    for u, j in db.items():
        layers_b.setdefault(j, []).append(u)
    for j in range(db[nodes[-1]] - 1, -1, -1):  # then the smallest adjacent node one layer closer to b
        x = nodes[-1]
        y = next(y for y in sorted(layers_b[j]) if any(v == x for v, _ in adj.links(y)))
        nodes.append(y)
        rels.append(adj.link(y, x))
    return _path_dict(adj, nodes, rels)


def all_paths(store: Store, a_uid: str, b_uid: str, *, k: int = 3, limit: int | None = 50,
              rel_types: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """All simple paths (no repeated node) of at most ``k`` relationships between two nodes.

    Ordered shortest first, then lexicographically by node uids, then by relationship types; at most
    ``limit``.  Parallel relationships of one type between two nodes count once (the smallest by
    identity); different types between the same two nodes give different paths.  The search runs a
    breadth-first ball of radius ``k // 2`` around b and a depth-first walk from a that is pruned
    whenever the ball proves b can no longer be reached within ``k`` hops.

    Parameters
    ----------
    store : Store
        The graph.
    a_uid, b_uid : str
        The two ends.
    k : int
        At most this many relationships per path.
    limit : int, optional
        At most this many paths (None: all).
    rel_types : iterable of str, optional
        Walk only these relationship types.

    Returns
    -------
    list of dict
        As :func:`shortest_path` gives one.
    """
    if k < 0:
        raise ValueError("k must be ≥ 0")
    a, b = node_of(store, a_uid), node_of(store, b_uid)
    adj = _Adjacency(store, check_rel_types(rel_types))
    adj.nodes[a.uid], adj.nodes[b.uid] = a, b
    radius = k // 2
    db = {b.uid: 0}
    layer = [b.uid]
    for d in range(1, radius + 1):
        nxt = []
        adj.expand(layer)
        for u in sorted(layer):
            for v, _ in adj.links(u):
                if v not in db:
                    db[v] = d
                    nxt.append(v)
        layer = nxt

    found: list[tuple[list[str], list[LinkKey]]] = []
    path: list[str] = [a.uid]
    rels: list[LinkKey] = []
    on_path = {a.uid}

    def walk() -> None:
        u = path[-1]
        if u == b.uid:
            found.append((list(path), list(rels)))
            return
        if len(rels) >= k:
            return
        for v, r in adj.links(u):
            if v in on_path or len(rels) + 1 + db.get(v, radius + 1) > k:
                continue
            path.append(v)
            rels.append(r)
            on_path.add(v)
            walk()
            on_path.discard(v)
            path.pop()
            rels.pop()

    walk()
    found.sort(key=lambda nr: (len(nr[1]), nr[0], [r.type for r in nr[1]]))
    if limit is not None:
        found = found[:limit]
    adj.fill(u for ns, _ in found for u in ns)  # every path's nodes in one read, not path by path
    props = store.rels_by_key({lk for _, rs in found for lk in rs})  # and their relationships' properties
    return [_path_dict(adj, ns, rs, props) for ns, rs in found]


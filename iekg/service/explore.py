"""Finding and showing entities: resolve an identifier, show a node or a relationship, search by name,
neighbours and paths (each empty answer with its reason)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import iekg.service.arguments as args
from iekg.graph.schema import NODE_TYPES, REL_TYPES, compact_key
from iekg.graph.store import Node, Store


def resolve(store: Store, ident: str) -> Node | None:
    """``Label:id``, a bare id (any label; cities and institutions first), or an exact name.

    Tried in this order: ``Label:id`` when the part before the colon is a node label; the bare id under
    each label of the schema; the first search hit, when its name or id is ``ident`` exactly.

    Parameters
    ----------
    store : Store
        The graph.
    ident : str
        The identifier (surrounding whitespace ignored).

    Returns
    -------
    Node or None
        The entity, or None when nothing matches (the faces report it as not found; nothing is raised).

    Examples
    --------
    >>> resolve(store, "City:4401")
    """
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
    """A relationship by its identity key ``TYPE|start uid|end uid|k=v…`` (as gaps cite it as evidence).

    The key is also matched in its printed form without empty key properties (the drafts' evidence sheet).

    Parameters
    ----------
    store : Store
        The graph.
    key : str
        The relationship's identity key.

    Returns
    -------
    dict or None
        Keys ``key``, ``type``, ``props``, ``start`` and ``end`` (each ``{uid, name}``); None when the key is
        malformed (fewer than three parts, or an unknown relationship type) or no such relationship exists.
    """
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
    with the full count of each in ``relationship_counts``.

    Parameters
    ----------
    store : Store
        The graph.
    ident : str
        The entity, as :func:`resolve` takes it.
    limit : int
        At most this many relationships of each type and direction.

    Returns
    -------
    dict or None
        Keys ``uid``, ``label``, ``props``, ``relationship_counts`` (``"TYPE out|in"`` → count) and
        ``relationships`` (each with ``type``, ``direction``, ``other``, ``other_label``, ``other_name`` and
        ``props``); None when :func:`resolve` finds nothing.

    Examples
    --------
    >>> show(store, "Institution:10001", limit=5)
    """
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
    """Entities by name or id (the store's search).

    The labels are not checked here (the faces check them with :func:`iekg.service.arguments.labels`);
    when nothing is found, :func:`search_reason` says why.

    Parameters
    ----------
    store : Store
        The graph.
    text : str
        The text searched for.
    labels : iterable of str, optional
        Only entities of these labels (default: all).
    limit : int
        At most this many hits.

    Returns
    -------
    list of dict
        One per hit: ``uid``, ``label``, ``id``, ``name`` and ``source_kind``.

    Examples
    --------
    >>> search(store, "汽车", labels=["Enterprise"], limit=5)
    """
    return [{"uid": n.uid, "label": n.label, "id": n.id, "name": n.name,
             "source_kind": n.props.get("source_kind")} for n in store.search(text, labels, limit)]


def search_reason(text: str, labels: Iterable[str] | None = None) -> str | None:
    """Why a search found nothing (and what to try).

    Parameters
    ----------
    text : str
        The text searched for.
    labels : iterable of str, optional
        The labels searched.

    Returns
    -------
    str or None
    """
    from iekg.queries.paths import search_reason as why

    return why(text, list(labels) if labels else None)


DIRECTIONS = ("out", "in", "both")


def neighbours(store: Store, node: Node, labels: Iterable[str] = (), rel_types: Iterable[str] = (),
               direction: str = "both", year: int | None = None,
               limit: int = 100) -> tuple[list[dict[str, Any]], str | None]:
    """The relationships at an entity and the node at each other end.

    Parameters
    ----------
    store : Store
        The graph.
    node : Node
        The entity.
    labels, rel_types : iterable of str
        Only neighbours of these labels, through these relationship types (none: all).
    direction : str
        ``out``, ``in`` or ``both``.
    year : int, optional
        Only relationships of this year (those without a year are kept).
    limit : int
        At most this many rows.

    Returns
    -------
    tuple
        The rows, and the reason when there are none.
    """
    from iekg.queries import paths as q

    if direction not in DIRECTIONS:
        raise args.ArgumentError("use out, in or both", "direction")
    kinds = args.labels(labels)
    which: dict[str, Any] = {"labels": list(kinds) if kinds else None, "rel_types": args.rel_types(rel_types),
                             "direction": direction, "year": year}
    rows = q.neighbours(store, node.uid, limit=limit, **which)
    reason = None if rows else q.neighbours_reason(store, node.uid, **which)
    return rows, reason


def paths(store: Store, a: Node, b: Node, k: int, *, every: bool = False, limit: int = 20,
          rel_types: Iterable[str] = ()) -> tuple[list[dict[str, Any]], str | None]:
    """How two entities are connected: the shortest path within ``k`` hops, or (``every``) all simple paths
    of at most ``k`` relationships, shortest first.

    Parameters
    ----------
    store : Store
        The graph.
    a, b : Node
        The ends.
    k : int
        At most this many hops.
    every : bool
        All simple paths instead of the shortest one.
    limit : int
        At most this many paths (with ``every``).
    rel_types : iterable of str
        Only through these relationship types (none: all).

    Returns
    -------
    tuple
        The paths (none or one without ``every``), and the reason when there are none.
    """
    from iekg.queries import paths as q

    types = args.rel_types(rel_types)
    found = q.all_paths(store, a.uid, b.uid, k=k, limit=limit, rel_types=types) if every else \
        [p for p in [q.shortest_path(store, a.uid, b.uid, max_hops=k, rel_types=types)] if p]
    return found, None if found else q.path_reason(store, a.uid, b.uid, k, types)

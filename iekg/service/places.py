"""Cities: which exist, and which city an entity is in (memoised per graph version)."""

from __future__ import annotations

from collections.abc import Iterable

from iekg.graph.store import Store


def all_cities(store: Store) -> list[str]:
    """Every city code in the graph, sorted.

    Parameters
    ----------
    store : Store
        The graph.

    Returns
    -------
    list of str
    """
    return sorted(n.id for n in store.nodes("City"))


def require_cities(store: Store, cities: Iterable[str]) -> None:
    """Every city is in the graph.

    Parameters
    ----------
    store : Store
        The graph.
    cities : iterable of str
        The city codes to check (each looked up as ``City:CODE``).

    Returns
    -------
    None
        Returns only when every city is in the graph.

    Raises
    ------
    LookupError
        ``city CODE is not in the graph`` for the first that is not.
    """
    for c in cities:
        if store.get(f"City:{c}") is None:
            raise LookupError(f"city {c} is not in the graph")


def located(store: Store, label: str) -> dict[str, str]:
    """Entity id → city code for every entity of ``label``, by the one meaning of "in a city"
    (:func:`iekg.queries.scope.located_in`: LOCATED_IN the City directly), memoised per graph version.

    Parameters
    ----------
    store : Store
        The graph.
    label : str
        The entities' label (``Institution``, ``Enterprise`` …).

    Returns
    -------
    dict
        id → city code (entities in no city are absent).
    """
    from iekg.queries.scope import located_in

    def compute() -> dict[str, str]:
        f = located_in(store, label)
        return dict(zip(f["id"], f["city"], strict=True))

    return store.memo(("api", "located", label), compute)  # type: ignore[no-any-return]

"""A scope (one city, several cities or a province) and the checks every question makes on its arguments.

The one meaning of "in a city" lives here (:func:`located_in`, docs/measures.md "In a city"): an entity is in
a city when it is ``LOCATED_IN`` that City node directly.  The loaders write that relationship for every row
with a ``city_code``; an entity ``LOCATED_IN`` only a Zone is in no city until its city is given (the store
aggregations behind every measure read the same direct relationship).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iekg._lazy import lazy
from iekg.graph.schema import NODE_TYPES, REL_TYPES
from iekg.graph.store import Node, Store
from iekg.graph.sums import rollup

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # a path or a search needs neither: imported on first use (a fresh process starts sooner)
    np = lazy("numpy")
    pd = lazy("pandas")


@dataclass(frozen=True)
class Scope:
    """The cities a question is about, the year (None: the latest with programs) and an optional chain."""

    cities: tuple[str, ...]
    year: int | None = None
    chain: str | None = None
    name: str = ""
    kind: str = "city"  # city | cities | province

    @property
    def id(self) -> str:
        if self.kind == "province" or len(self.cities) != 1:
            return self.name or ",".join(self.cities)
        return self.cities[0]


def resolve_scope(store: Store, *, city: str | None = None, cities: Sequence[str] | None = None,
                  province: str | None = None, year: int | None = None, chain: str | None = None) -> Scope:
    """Build a scope from a city, several cities, or a province (all its cities).

    Parameters
    ----------
    store : Store
        The graph.
    city, cities, province : str or sequence of str, optional
        One city code, several city codes, or a province code (all the cities PART_OF it).
    year : int, optional
        The year of the facts (None: the latest year with programs in scope).
    chain : str, optional
        Limit the measures to one industry chain's industries.

    Returns
    -------
    Scope
        Raises ValueError when no city is given, LookupError when a city or province is unknown.
    """
    if province is not None:
        part = store.rel_frame("PART_OF", src_label="City", dst_label="Province")
        members = tuple(sorted(part.loc[part["dst"] == province, "src"]))
        if not members:
            raise LookupError(f"province {province} has no cities in the graph")
        p = store.get(f"Province:{province}")
        return Scope(members, year, chain, p.name if p else province, "province")
    codes = tuple(cities or ([city] if city else []))
    if not codes:
        raise ValueError("give a city, cities or a province")
    missing = [c for c in codes if store.get(f"City:{c}") is None]
    if missing:
        raise LookupError(f"city {missing[0]} is not in the graph")
    names = [store.get(f"City:{c}").name for c in codes]  # type: ignore[union-attr]
    return Scope(codes, year, chain, "、".join(names), "city" if len(codes) == 1 else "cities")


def scope_or_all(store: Store, cities: Sequence[str] | None, year: int | None) -> Scope:
    """The given cities (:func:`resolve_scope`), or every city in the graph (a province-wide question: only
    the City nodes' ids are read here; the scope's facts are then read filtered to those cities).

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str, optional
        City codes; None or empty means every city.
    year : int, optional
        The scope's year.

    Returns
    -------
    Scope
    """
    if cities:
        return resolve_scope(store, cities=list(cities), year=year)
    all_cities = tuple(sorted(store.node_frame("City")["id"].astype(str)))
    return Scope(all_cities, year, None, "全部城市", "cities")


def chain_industries(store: Store, chain: str) -> set[str]:
    """The industries (大类) an industry chain's segments MAP_TO (LookupError for an unknown chain).

    Parameters
    ----------
    store : Store
        The graph.
    chain : str
        The IndustryChain id.

    Returns
    -------
    set of str
        The 2-digit industry codes (大类, rolled up) the chain's segments map to.

    Examples
    --------
    >>> sorted(chain_industries(store, "C01"))
    """
    seg = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=[chain])
    if seg.empty:
        raise LookupError(f"chain {chain} is not in the graph (or has no segments)")
    maps = store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=seg["src"])
    return set(rollup(maps["dst"]))


# ------------------------------------------------------------------------------------ in a city
def located_in(store: Store, label: str, *, cities: Iterable[Any] | None = None,
               ids: Iterable[Any] | None = None) -> pd.DataFrame:
    """Which ``label`` nodes are in which city: the one meaning of "in a city" (LOCATED_IN the City directly).

    Parameters
    ----------
    store : Store
        The graph.
    label : str
        The entities' label (Institution, Enterprise, TrainingBase, Platform, Alliance).
    cities : iterable of str, optional
        Only the entities in these cities.
    ids : iterable of str, optional
        Only these entities.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` and ``city``, one row per located entity (an entity has one location).
    """
    city_list = None if cities is None else id_list(cities)

    def read() -> pd.DataFrame:
        f = store.rel_frame("LOCATED_IN", src_label=label, dst_label="City",
                            src_ids=None if ids is None else id_list(ids), dst_ids=city_list)
        return f.rename(columns={"src": "id", "dst": "city"})[["id", "city"]].drop_duplicates("id").reset_index(drop=True)

    if ids is not None or city_list is None:
        return read()
    # what is in a scope's cities is read once per graph version (the programs and the data coverage both ask)
    got: pd.DataFrame = store.memo(("located-in", label, tuple(city_list)), lambda: located_links(
        store, label, city_list).drop_duplicates("id").reset_index(drop=True))
    return got.copy()


def located_links(store: Store, label: str, cities: Iterable[Any]) -> pd.DataFrame:
    """Every LOCATED_IN link of a ``label`` node to one of ``cities`` (columns ``id`` and ``city``; an entity
    located in two of them twice), read once per graph version: :func:`located_in` keeps each entity's first,
    the data coverage of each city apart (:func:`iekg.queries.coverage.institutions_each`) each city's own.
    Never changed in place (copy before changing)."""
    city_list = id_list(cities)

    def read() -> pd.DataFrame:
        f = store.rel_frame("LOCATED_IN", src_label=label, dst_label="City", dst_ids=city_list)
        return f.rename(columns={"src": "id", "dst": "city"})[["id", "city"]]

    got: pd.DataFrame = store.memo(("located-links", label, tuple(city_list)), read)
    return got


# ------------------------------------------------------------------------------------ argument checks
def py_value(v: Any) -> Any:
    """A plain Python value for JSON: numpy scalars unwrapped, NaN / NA as None.

    Parameters
    ----------
    v : Any
        A cell of a frame (Python, numpy or pandas scalar).

    Returns
    -------
    Any
        ``v`` as a plain Python value, or None for a missing one.
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-ready dicts (:func:`py_value` on every cell).

    Parameters
    ----------
    df : pandas.DataFrame
        Any frame.

    Returns
    -------
    list of dict
        One dict per row, column name → :func:`py_value` of the cell.

    Notes
    -----
    Built a column at a time (a chain's programs nationwide are tens of thousands of rows, once looked at cell by
    cell): numpy integers and booleans become plain values at once (never missing), a float's NaN None, a
    nullable integer's NA None, text stays as it is, and any other cell goes through :func:`py_value`.
    """
    if df.shape[1] == 0:
        return [{} for _ in range(len(df))]
    columns = []
    for j in range(df.shape[1]):
        col = df.iloc[:, j]
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iub":
            columns.append(col.to_numpy().tolist())
        elif isinstance(col.dtype, np.dtype) and col.dtype.kind == "f":
            columns.append([None if v != v else v for v in col.to_numpy().tolist()])
        elif isinstance(col.dtype, pd.Int64Dtype):
            columns.append([None if v is pd.NA else v for v in col.tolist()])
        else:
            columns.append([v if type(v) is str else py_value(v) for v in col.tolist()])
    names = [str(c) for c in df.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def id_list(values: Iterable[Any]) -> list[str]:
    """Distinct ids as sorted strings (None / NaN dropped), for the stores' id filters.

    Parameters
    ----------
    values : iterable
        Ids of any type (missing ones are dropped).

    Returns
    -------
    list of str
        The distinct ids as strings, sorted.

    Examples
    --------
    >>> id_list([410200, "410100", None, "410200"])
    ['410100', '410200']
    """
    # each distinct value (of its type: 1 and 1.0 stay two ids) looked at once: columns of thousands of ids
    # repeat a few hundred values (the cities of the candidates)
    vals = values.tolist() if isinstance(values, (pd.Series, pd.Index, np.ndarray)) else values
    return sorted({str(v) for _, v in {(type(v), v) for v in vals} if py_value(v) is not None})


def names_of(store: Store, label: str, ids: Iterable[Any]) -> dict[str, str]:
    """Name (else id) of the nodes of ``label`` among ``ids``.

    Parameters
    ----------
    store : Store
        The graph.
    label : str
        The nodes' label.
    ids : iterable
        Their ids (those not in the graph are left out).

    Returns
    -------
    dict of str to str
        id → name (the id when the node has no name).
    """
    f = store.node_frame(label, ["name"], ids=id_list(ids))
    return dict(zip(f["id"].astype(str), f["name"].fillna(f["id"]).astype(str), strict=True))


def node_of(store: Store, uid: str) -> Node:
    """The node ``uid`` (``<Label>:<id>``); LookupError naming what is wrong otherwise.

    Parameters
    ----------
    store : Store
        The graph.
    uid : str
        A node uid such as ``City:410100``.

    Returns
    -------
    Node
        The node; LookupError when ``uid`` is malformed, of an unknown label, or not in the graph.
    """
    if not isinstance(uid, str) or ":" not in uid or uid.split(":", 1)[0] not in NODE_TYPES:
        raise LookupError(f"{uid!r} is not a node uid: write it as '<Label>:<id>', e.g. 'City:410100'")
    n = store.get(uid)
    if n is None:
        raise LookupError(f"node {uid} is not in the graph")
    return n


def entity_of(store: Store, label: str, ident: str, what: str) -> Node:
    """A node of ``label`` given by its id (or its uid); LookupError naming ``what`` otherwise.

    Parameters
    ----------
    store : Store
        The graph.
    label : str
        The node's label.
    ident : str
        Its id, or its uid ``<label>:<id>`` (surrounding spaces ignored).
    what : str
        How the error message names the entity (e.g. ``"industry"``).

    Returns
    -------
    Node
        The node; LookupError when it is not in the graph.
    """
    ident = str(ident).strip()
    if ident.startswith(f"{label}:"):
        ident = ident[len(label) + 1:]
    n = store.get(f"{label}:{ident}")
    if n is None:
        raise LookupError(f"{what} {ident} is not in the graph")
    return n


def _known(values: Iterable[str] | None, known: Iterable[str], what: str) -> tuple[str, ...] | None:
    """``values`` as a tuple, each checked against ``known`` (ValueError naming the first unknown one)."""
    if values is None:
        return None
    given, names = tuple(values), tuple(known)
    bad = [x for x in given if x not in names]
    if bad:
        raise ValueError(f"unknown {what} {bad[0]!r}; known: {', '.join(names)}")
    return given


def check_rel_types(rel_types: Iterable[str] | None) -> tuple[str, ...] | None:
    """The relationship types asked for, checked against the schema (ValueError naming an unknown one).

    Parameters
    ----------
    rel_types : iterable of str, optional
        Relationship types (``REL_TYPES`` names), or None for all.

    Returns
    -------
    tuple of str or None
        The types as given, or None when none were given.
    """
    return _known(rel_types, REL_TYPES, "relationship type")


def check_labels(labels: Iterable[str] | None) -> tuple[str, ...] | None:
    """The node labels asked for, checked against the schema (ValueError naming an unknown one).

    Parameters
    ----------
    labels : iterable of str, optional
        Node labels (``NODE_TYPES`` names), or None for all.

    Returns
    -------
    tuple of str or None
        The labels as given, or None when none were given.
    """
    return _known(labels, NODE_TYPES, "label")


def one_of(**given: Any) -> tuple[str, Any]:
    """The one argument given among several (ValueError unless exactly one is not None).

    Parameters
    ----------
    **given : Any
        The alternatives by name, all but one None.

    Returns
    -------
    (str, Any)
        The name and value of the one given.

    Examples
    --------
    >>> one_of(industry="36", segment=None, chain=None)
    ('industry', '36')
    """
    found = [(k, v) for k, v in given.items() if v is not None]
    if len(found) != 1:
        names = list(given)
        raise ValueError(f"give exactly one of {', '.join(names[:-1])} or {names[-1]}")
    return found[0]

"""Provenance: the one rule for which results are marked illustrative (示意数据).

Every node and relationship says where it comes from (``source_kind``: iekg.loaders.source).  A result about
a scope is *illustrative* when any fact of its cities that it may rest on is illustrative (generated demo
figures, not facts): an entity located in one of the cities (the LOCATED_IN relationship or the entity),
a program (OFFERS) of an institution there, a talent-demand row (DEMANDS) of the cities, a focus chain
(FOCUSES_ON) of a city, or a city's own Attachment rows (RAISES, PROPOSES).  The analysis answers
(``illustrative``), the network pages' banner and the drafted documents all ask :func:`scope_is_illustrative`
(docs/measures.md, "Illustrative").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from iekg.graph.store import Store
from iekg.loaders.source import ILLUSTRATIVE

LOCATED_LABELS = ("Institution", "Enterprise", "TrainingBase", "Platform", "Alliance")


def is_illustrative(props: Mapping[str, Any]) -> bool:
    """True when a node's or relationship's properties say it is illustrative (``source_kind``).

    Parameters
    ----------
    props : mapping
        The properties.

    Returns
    -------
    bool
    """
    return props.get("source_kind") == ILLUSTRATIVE


def scope_is_illustrative(store: Store, cities: Iterable[str]) -> bool:
    """True when any fact behind a scope's figures is illustrative (the module's rule).

    Parameters
    ----------
    store : Store
        The graph.
    cities : iterable of str
        The scope's city codes.

    Returns
    -------
    bool
    """
    return bool(_illustrative(store, cities, first=True))


def illustrative_cities(store: Store, cities: Iterable[str]) -> set[str]:
    """Which of ``cities`` are illustrative, each as a scope of that city alone (the module's rule), read set at
    a time: one read per kind of fact for all the cities (``compare``, ``readiness --all``), not one per city.

    Parameters
    ----------
    store : Store
        The graph.
    cities : iterable of str
        City codes.

    Returns
    -------
    set of str
        The illustrative ones among them.
    """
    return _illustrative(store, cities, first=False)


def _illustrative(store: Store, cities: Iterable[str], *, first: bool) -> set[str]:
    """The cities of ``cities`` with an illustrative fact: the rule, kind by kind, asking each kind only about
    the cities not found yet; ``first``: stop at the first found (a scope is illustrative when any city is).
    A scope's answer is one city's: :func:`scope_is_illustrative` is the one-scope case of this."""
    from iekg.queries.scope import id_list  # (pandas: imported when a question is asked, not at start-up)

    codes = id_list(cities)
    found: set[str] = set()
    if not codes:
        return found
    only = {"source_kind": ILLUSTRATIVE}
    todo = list(codes)

    def settled(more: Iterable[Any]) -> bool:
        """``more`` found; True when nothing is left to ask (the first found, or every city)."""
        nonlocal todo
        found.update(str(c) for c in more)
        todo = [c for c in todo if c not in found]
        return (first and bool(found)) or not todo

    institutions: dict[str, str] = {}  # institution -> its city
    for label in LOCATED_LABELS:
        asked = list(todo)
        # the cities with an illustrative link first: one EXISTS per city, not every link's source read out
        if settled(store.targets_with("LOCATED_IN", "City", asked, src_label=label, where=only)):
            return found
        loc = store.rel_frame("LOCATED_IN", src_label=label, dst_label="City", dst_ids=asked)
        if label == "Institution":
            institutions = dict(zip(loc["src"].astype(str), loc["dst"].astype(str), strict=True))
        loc = loc[loc["dst"].astype(str).isin(set(todo))]  # the nodes of the cities not found by their links
        if len(loc):
            nodes = store.node_frame(label, ["source_kind"], ids=id_list(loc["src"]))
            ill = set(nodes.loc[nodes["source_kind"] == ILLUSTRATIVE, "id"].astype(str))
            if settled(loc.loc[loc["src"].astype(str).isin(ill), "dst"]):
                return found
    ids = id_list(i for i, c in institutions.items() if c in set(todo))
    off = store.rel_frame("OFFERS", src_label="Institution", src_ids=ids, where=only)
    if settled(institutions[str(i)] for i in off["src"]):
        return found
    if settled(store.rel_frame("DEMANDS", ["city_code"], where={"city_code": todo, **only})["city_code"]):
        return found
    if settled(store.rel_frame("FOCUSES_ON", src_label="City", src_ids=todo, where=only)["src"]):
        return found
    for rel, label in (("RAISES", "Problem"), ("PROPOSES", "Measure")):
        f = store.rel_frame(rel, src_label="City", src_ids=todo)
        if len(f):
            nodes = store.node_frame(label, ["source_kind"], ids=id_list(f["dst"]))
            ill = set(nodes.loc[nodes["source_kind"] == ILLUSTRATIVE, "id"].astype(str))
            if settled(f.loc[f["dst"].astype(str).isin(ill), "src"]):
                return found
    return found

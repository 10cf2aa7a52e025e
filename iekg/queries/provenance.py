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
    from iekg.queries.scope import id_list  # (pandas: imported when a question is asked, not at start-up)

    codes = id_list(cities)
    if not codes:
        return False
    only = {"source_kind": ILLUSTRATIVE}
    here: dict[str, list[str]] = {}
    for label in LOCATED_LABELS:
        loc = store.rel_frame("LOCATED_IN", ["source_kind"], src_label=label, dst_label="City", dst_ids=codes)
        here[label] = id_list(loc["src"])
        if (loc["source_kind"] == ILLUSTRATIVE).any() or (
                store.node_frame(label, ["source_kind"], ids=here[label])["source_kind"] == ILLUSTRATIVE).any():
            return True
    if len(store.rel_frame("OFFERS", src_label="Institution", src_ids=here["Institution"], where=only)):
        return True
    if len(store.rel_frame("DEMANDS", where={"city_code": codes, **only})):
        return True
    if len(store.rel_frame("FOCUSES_ON", src_label="City", src_ids=codes, where=only)):
        return True
    return any(is_illustrative(n.props) for c in codes
               for _, n in store.neighbours(f"City:{c}", ["RAISES", "PROPOSES"], "out"))

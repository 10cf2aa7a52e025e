"""What the drafts read of the city itself: its node, what is in it, and whether its figures are
illustrative (then every report says so, in the words of :data:`ILLUSTRATIVE_LINE`).

"In the city" is :func:`iekg.queries.scope.located_in` (LOCATED_IN the City directly) and "illustrative" is
:func:`iekg.queries.provenance.scope_is_illustrative`: the drafts use the library's one rule for each.
"""

from __future__ import annotations

from iekg.graph.store import Node, Store
from iekg.queries.provenance import scope_is_illustrative
from iekg.queries.scope import entity_of, located_in

ILLUSTRATIVE_LINE = "示意数据：本稿基于示意（演示）数据生成，不是真实情况 (illustrative demo data)"


def city_node(store: Store, city: str) -> Node:
    """The City node of ``city``.

    Parameters
    ----------
    store : Store
    city : str
        The city's code (``410200``).

    Returns
    -------
    Node

    Raises
    ------
    LookupError
        When the city is not in the graph.
    """
    return entity_of(store, "City", city, "city")


def located(store: Store, label: str, city: str) -> set[str]:
    """The ids of the nodes of ``label`` in ``city`` (:func:`iekg.queries.scope.located_in`).

    Parameters
    ----------
    store : Store
    label : str
        A node label (``Institution``, ``Enterprise`` …).
    city : str
        The city's code.

    Returns
    -------
    set of str
    """
    return {str(i) for i in located_in(store, label, cities=[city])["id"]}


def uses_illustrative_data(store: Store, city: str) -> bool:
    """True when the city's figures come (at least in part) from illustrative data (the demo): the
    library's one rule, :func:`iekg.queries.provenance.scope_is_illustrative`, for this one city.

    Parameters
    ----------
    store : Store
        The graph.
    city : str
        The city's code.

    Returns
    -------
    bool
    """
    return scope_is_illustrative(store, [city])


def illustrative_note(store: Store, city: str) -> list[str]:
    """The Markdown lines that head a draft built on illustrative data (none otherwise): for ``store`` and
    ``city`` as :func:`uses_illustrative_data` judges them, ``["> **<ILLUSTRATIVE_LINE>**", ""]`` or ``[]``."""
    return [f"> **{ILLUSTRATIVE_LINE}**", ""] if uses_illustrative_data(store, city) else []

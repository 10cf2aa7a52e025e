"""The answer a question returns to both faces, with its provenance: whether it rests on illustrative (demo)
data, by the one rule of :mod:`iekg.queries.provenance` (re-exported here for the faces)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from iekg.graph.store import Store
from iekg.queries.provenance import is_illustrative, scope_is_illustrative

__all__ = ["Answer", "answer", "is_illustrative", "scope_is_illustrative"]


@dataclass
class Answer:
    """What a question returns to both faces: the query's answer (with its data coverage, as the CLI's
    ``--format json`` prints it) and, computed when first asked, whether it rests on illustrative data
    (the API adds it as ``illustrative``, the CLI prints a note).

    Parameters
    ----------
    data : dict or list
        The query's answer.
    provenance : callable
        Computes ``illustrative`` (asked at most once).
    cities : list of str
        The cities of the scope the answer is about.
    """

    data: Any
    provenance: Callable[[], bool] = field(repr=False, default=lambda: False)
    cities: list[str] = field(default_factory=list)

    @functools.cached_property
    def illustrative(self) -> bool:
        """True when the answer rests on illustrative (demo) data."""
        return self.provenance()

    def with_provenance(self) -> Any:
        """The API's body: the answer plus ``illustrative``."""
        return {**self.data, "illustrative": self.illustrative}


def answer(store: Store, data: Any, cities: Iterable[str]) -> Answer:
    """An :class:`Answer` about ``cities``: illustrative when the scope's figures are.

    Parameters
    ----------
    store : Store
        The graph.
    data : dict or list
        The query's answer.
    cities : iterable of str
        The city codes behind the figures.

    Returns
    -------
    Answer
    """
    codes = list(cities)
    return Answer(data, lambda: scope_is_illustrative(store, codes), codes)


P = ParamSpec("P")
R = TypeVar("R")


def one_version(fn: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """A question of the service answered at one version of the graph (:meth:`iekg.graph.store.Store.pinned`):
    its reads take the graph's state as read once at the start — on Neo4j one read of the version for the whole
    answer, not one per memoised result (readiness of every city made 76)."""

    @functools.wraps(fn)
    def run(store: Store, *args: P.args, **kwargs: P.kwargs) -> R:
        with store.pinned():
            return fn(store, *args, **kwargs)

    return run

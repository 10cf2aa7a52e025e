"""The pictures as values: a chart's Vega-Lite spec (``iekg chart``, :mod:`iekg.charts`) and a network page's HTML
with what it shows (``iekg viz``, :mod:`iekg.viz`), made where the graph is — here, or on the server a command asks
with ``--server`` (:mod:`iekg.service.wire`), whose answer the command writes as it writes its own."""

from __future__ import annotations

import inspect
from typing import Any

from iekg.graph.store import Store

# a chart's name (as ``iekg chart`` and ``/charts/…`` name it) → its function in iekg.charts.questions
CHARTS = {"supply-demand": "supply_demand", "chain": "chain", "ranking": "ranking", "trend": "trend",
          "compare": "compare"}
# a network page's name (as ``iekg viz`` names it) → its function in iekg.viz
NETWORKS = {"city": "city_network", "chain": "chain_view", "ego": "ego_network", "alliance": "alliance_view"}


def _called(fn: Any, store: Store, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``fn(store, *args, **kwargs)``; arguments it does not take are a ValueError (what a command reports), not a
    TypeError from inside it."""
    try:
        inspect.signature(fn).bind(store, *args, **kwargs)
    except TypeError as exc:
        raise ValueError(f"{fn.__name__}: {exc}") from None
    return fn(store, *args, **kwargs)


def chart_spec(store: Store, kind: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Vega-Lite spec of chart ``kind`` (:data:`CHARTS`) over ``store``, its arguments those of the chart's
    function in :mod:`iekg.charts.questions` (a city, a year …).

    Raises
    ------
    ValueError
        An unknown chart, or arguments the chart does not take.
    LookupError
        An unknown city, chain or province."""
    if kind not in CHARTS:
        raise ValueError(f"no chart {kind!r}: the charts are {', '.join(CHARTS)}")
    from iekg.charts import questions

    spec: dict[str, Any] = _called(getattr(questions, CHARTS[kind]), store, args, kwargs)
    return spec


def network_page(store: Store, kind: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Network page ``kind`` (:data:`NETWORKS`) over ``store``: ``html`` (the whole self-contained page) and ``meta``
    (its title, node and edge counts, notes, whether the data is illustrative), its arguments those of the page's
    function in :mod:`iekg.viz`.

    Raises
    ------
    ValueError
        An unknown page, or arguments it does not take (or a value it refuses).
    LookupError
        An unknown city, chain, entity or alliance."""
    if kind not in NETWORKS:
        raise ValueError(f"no network page {kind!r}: the pages are {', '.join(NETWORKS)}")
    import iekg.viz

    page = _called(getattr(iekg.viz, NETWORKS[kind]), store, args, kwargs)
    return {"html": str(page), "meta": dict(page.meta)}

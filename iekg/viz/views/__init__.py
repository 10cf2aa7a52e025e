"""One module per picture, each a ``gather(store, …)`` returning plain data then a ``draw(data, …)``
returning the :class:`~iekg.viz.page.Page`:

* :mod:`~iekg.viz.views.city` — :func:`city_network`, a city's institutions → majors → industries ← enterprises;
* :mod:`~iekg.viz.views.chain` — :func:`chain_view`, a chain's segments upstream → downstream;
* :mod:`~iekg.viz.views.ego` — :func:`ego_network`, the neighbourhood of any entity;
* :mod:`~iekg.viz.views.alliance` — :func:`alliance_view`, an alliance, its members, cities and industries.

``draw(data, *, link_prefix=None)``: with a ``link_prefix`` (e.g. ``"/viz"``, where the API serves the
pages) the page's details panel links each node to its own ego page there.  The public functions
(``city_network(store, …, link_prefix=…)`` …) are ``draw(gather(…))``.

The views talk to the graph only through the :class:`~iekg.graph.store.Store` interface and the query
functions; :mod:`iekg.viz.style` says how things look, :mod:`iekg.viz.page` frames them.
"""

from __future__ import annotations

from iekg.viz.views.alliance import alliance_view
from iekg.viz.views.chain import chain_view
from iekg.viz.views.city import city_network
from iekg.viz.views.ego import ego_network

__all__ = ["alliance_view", "chain_view", "city_network", "ego_network"]

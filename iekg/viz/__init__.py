"""Pictures of the graph: network pages (pyvis + vis-network, fully offline) and the planners' dashboard.

A picture library: :mod:`~iekg.viz.page` (the page frame, assets, offline check), :mod:`~iekg.viz.style`
(colours, sizes, tooltips, legends), one module per view in :mod:`iekg.viz.views` (each a ``gather()``
then a ``draw()``) and :mod:`~iekg.viz.dashboard`.

The names are imported on first use (PEP 562), so that ``iekg info`` and the other terminal commands do not
pay for pyvis, networkx and pandas when they draw nothing."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iekg.viz.dashboard import dashboard_html
    from iekg.viz.page import Page, external_loads
    from iekg.viz.views.alliance import alliance_view
    from iekg.viz.views.chain import chain_view
    from iekg.viz.views.city import city_network
    from iekg.viz.views.ego import ego_network

_WHERE = {"dashboard_html": "dashboard", "alliance_view": "views.alliance", "chain_view": "views.chain",
          "city_network": "views.city", "ego_network": "views.ego", "Page": "page", "external_loads": "page"}

__all__ = ["Page", "alliance_view", "chain_view", "city_network", "dashboard_html", "ego_network", "external_loads"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'iekg.viz' has no attribute {name!r}")
    return getattr(importlib.import_module(f"iekg.viz.{_WHERE[name]}"), name)

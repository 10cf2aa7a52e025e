"""Pictures of the graph: network pages (pyvis + vis-network, fully offline) and the planners' dashboard."""

from iekg.viz.dashboard import dashboard_html
from iekg.viz.networks import alliance_view, chain_view, city_network, ego_network
from iekg.viz.page import Page, external_loads

__all__ = ["Page", "alliance_view", "chain_view", "city_network", "dashboard_html", "ego_network", "external_loads"]

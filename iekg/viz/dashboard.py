"""The planners' dashboard: one static page (inline CSS and JavaScript; the charts drawn by the vendored
vega-embed the API serves at ``/api/charts/vendor``; nothing loads from elsewhere) that talks to the API's
routes.  The routes are :data:`DASHBOARD_ROUTES`; the API can pass others."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from iekg import __version__
from iekg.graph.store import Store
from iekg.queries.provenance import scope_is_illustrative
from iekg.viz.page import Page, asset, render, script_json

# The routes the page calls (the API serves them; adjust here if the API mounts them elsewhere).
# ``viz*`` are prefixes the page appends a code or uid to.
DASHBOARD_ROUTES: dict[str, str] = {
    "cities": "/api/cities",
    "alignment": "/api/analysis/alignment",
    "readiness": "/api/analysis/readiness",
    "ranking": "/api/analysis/readiness/all",
    "gaps": "/api/analysis/gaps",
    "trend": "/api/analysis/trend",
    "scenarios": "/api/scenarios",
    "compare": "/viz/compare",
    "chartSupplyDemand": "/api/charts/supply-demand",
    "chartTrend": "/api/charts/trend",
    "chartScenario": "/api/charts/scenario",
    "chartVendor": "/api/charts/vendor",
    "attachments": "/api/exports/attachments",
    "plan": "/api/exports/plan",
    "vizCity": "/viz/city/",
    "vizChain": "/viz/chain/",
    "vizEgo": "/viz/ego/",
    "vizAlliance": "/viz/alliance/",
}


def dashboard_html(store: Store | None = None, *, routes: Mapping[str, str] | None = None,
                   default_city: str | None = None) -> Page:
    """The dashboard page.  With a store, the city list is written into the page (no round trip), each city
    with the ``source`` of its figures (``illustrative`` when any is, :func:`scope_is_illustrative`, else
    ``yours``; the ranking marks a city known only from the public lists ``public``); without one, the page
    asks ``GET /api/cities``.  ``default_city`` is chosen first (else the
    first city; a ``?city=`` in the address wins)."""
    cities: list[dict[str, str]] = []
    if store is not None:
        f = store.node_frame("City", ["name"])  # the city picker lists every city: only City nodes are read
        cities = [{"id": str(i), "name": str(n) if n == n and n is not None else str(i),
                   "source": "illustrative" if scope_is_illustrative(store, [str(i)]) else "yours"}
                  for i, n in sorted(zip(f["id"], f["name"], strict=True))]
    from iekg.charts.embed import EMBED_OPTIONS, SCRIPTS

    config: dict[str, Any] = {"routes": {**DASHBOARD_ROUTES, **(routes or {})}, "cities": cities,
                              "default_city": default_city, "version": __version__, "embed": EMBED_OPTIONS}
    vendor = config["routes"]["chartVendor"].rstrip("/")
    text = render(asset("dashboard.html"), {
        "VENDOR": "\n".join(f'<script src="{html.escape(vendor, quote=True)}/{name}"></script>' for name in SCRIPTS),
        "CSS": asset("dashboard.css"),
        "JS": asset("dashboard.js").replace("</script", "<\\/script"),
        "CONFIG": script_json(config),
        "VERSION": __version__,
    })
    return Page(text, {"cities": len(cities), "routes": config["routes"]})

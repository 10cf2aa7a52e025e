"""Charts from one library (Vega-Lite): the supply/demand bars, a chain's segments, a ranking of cities, a
city's trend and a comparison — built as Vega-Lite specs (:mod:`~iekg.charts.specs`, via altair) from the
service's answers, rendered to SVG and PNG without a browser (:mod:`~iekg.charts.render`, vl-convert) and
shown interactively on an offline page with the vendored vega-embed (:mod:`~iekg.charts.embed`).

:mod:`~iekg.charts.style` keeps the one look (CJK font, status colours as in the dashboard's CSS);
:mod:`~iekg.charts.questions` is what the CLI (``iekg chart``) and the API (``/charts/…``) both call.
"""

from __future__ import annotations

KINDS = ("supply-demand", "chain", "ranking")  # what `iekg chart` and /charts/… draw from the graph

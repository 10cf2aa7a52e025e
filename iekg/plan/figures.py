"""The figures a what-if scenario or a plan is judged by, and the two sets side by side (issue 23).

:func:`figures` reads them for a store — the graph, or an overlay of :mod:`iekg.plan.scenario` laid over it — and
:func:`compare_figures` says what moves: the summary of each, the industries whose supply, demand or status
moves, and the readiness items whose value or met changes.  Unknown demand or supply stays None, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from iekg.graph.store import Store
from iekg.queries.scope import Scope

KEYS = ("S", "D", "sai", "sai_observed", "coverage")


def figures(store: Store, scope: Scope, *, readiness: bool = True) -> dict[str, Any]:
    """The figures a scenario is judged by, for ``store`` (the graph or an overlay) and ``scope``: S, D, SAI,
    observed SAI, chain coverage, unmet demand (Σ over the industries with demand data of max(D − S, 0)),
    the cooperating enterprises, the industries, and (one city, ``readiness``) the readiness targets met and
    each item's value."""
    from iekg.queries.alignment import alignment

    a = alignment(store, scope)
    return figures_of(store, scope, a, readiness=readiness)


def figures_of(store: Store, scope: Scope, a: dict[str, Any], *, readiness: bool) -> dict[str, Any]:
    unmet = sum(max(float(i["demand"]) - float(i["supply"] or 0), 0.0) for i in a["industries"]
                if i.get("demand_data", True) and i.get("demand") is not None)  # unknown demand is not 0
    out: dict[str, Any] = {k: a.get(k) for k in KEYS}
    out["unmet_demand"] = round(unmet, 6) if a.get("supply_data", True) else None
    out["cooperating_enterprises"] = (a.get("cooperation") or {}).get("cooperating_enterprises")
    out["industries"] = {i["code"]: i for i in a["industries"]}
    out["year"] = a["year"]
    if readiness and len(scope.cities) == 1:
        from iekg.queries.metrics import Context
        from iekg.queries.readiness import readiness as ready

        city = scope.cities[0]
        r = ready(store, city, a["year"], ctx=Context(store, city, a["year"], align=a))
        out["targets_met"] = r["targets_met"] if r.get("has_data", True) else None
        out["targets_total"] = r["targets_total"]
        out["conditions_met"] = r.get("conditions_met")
        out["conditions_total"] = r.get("conditions_total")
        out["items"] = {str(i["target"]): i for i in r.get("items", [])}
    return out


def _same(a: Any, b: Any) -> bool:
    """Two figures equal but for the last bits of a float sum taken in another order (None is 0 for supply)."""
    if a is None or b is None:
        return a is b or (a or 0) == (b or 0)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _known(industry: Mapping[str, Any], figure: str) -> Any:
    """An industry's supply or demand, None where the alignment says there is no data for it (not 0)."""
    return industry.get(figure) if industry and industry.get(f"{figure}_data", True) else None


def compare_figures(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Baseline and scenario figures side by side: the summary of each, the industries that move (supply,
    demand or status) and the readiness items whose value or met changes."""
    moved = []
    was = before["industries"]
    for code, i in after["industries"].items():
        b = was.get(code, {})
        if b.get("status") != i["status"] or not _same(b.get("supply"), i["supply"]) or \
                not _same(b.get("demand"), i["demand"]):
            moved.append({"code": code, "name": i["name"], "supply_before": _known(b, "supply"),
                          "supply_after": _known(i, "supply"), "demand_before": _known(b, "demand"),
                          "demand_after": _known(i, "demand"),
                          "ratio_before": b.get("ratio"), "ratio_after": i.get("ratio"),
                          "status_before": b.get("status"), "status_after": i["status"]})
    for code, b in was.items():
        if code not in after["industries"]:
            moved.append({"code": code, "name": b["name"], "supply_before": _known(b, "supply"), "supply_after": None,
                          "demand_before": _known(b, "demand"), "demand_after": None, "ratio_before": b.get("ratio"),
                          "ratio_after": None, "status_before": b.get("status"), "status_after": None})
    moved.sort(key=lambda m: m["code"])
    items = []
    for target, i in (after.get("items") or {}).items():
        b = (before.get("items") or {}).get(target, {})
        if not _same(b.get("value"), i.get("value")) or b.get("effective_met") != i.get("effective_met"):
            items.append({"target": target, "metric": i.get("metric"), "name": i.get("name") or target,
                          "kind": i.get("kind"), "threshold": i.get("threshold"),
                          "value_before": b.get("value"), "value_after": i.get("value"),
                          "met_before": b.get("effective_met"), "met_after": i.get("effective_met")})
    summary = ("S", "D", "sai", "sai_observed", "coverage", "unmet_demand", "cooperating_enterprises",
               "targets_met", "targets_total", "conditions_met", "conditions_total")
    return {"baseline": {k: before.get(k) for k in summary if k in before},
            "scenario": {k: after.get(k) for k in summary if k in after},
            "moved": moved, "readiness_moved": items}

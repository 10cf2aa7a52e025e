"""One router per resource; :data:`ALL` in the order the OpenAPI document lists them."""

from __future__ import annotations

from iekg.api.routers import (
    alliances,
    analysis,
    chains,
    charts,
    cities,
    compare,
    enterprises,
    exports,
    imports,
    industries,
    institutions,
    majors,
    meta,
    plan,
    policies,
    relations,
    scenarios,
    search,
    service_calls,
    training_bases,
)

ALL = (meta, search, cities, institutions, enterprises, majors, industries, chains, training_bases, alliances,
       policies, relations, analysis, compare, scenarios, plan, exports, imports, charts,
       service_calls)  # (the CLI's protocol: not in the OpenAPI document)

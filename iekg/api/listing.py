"""What the resource routers share: list pages filtered on whole tables (pandas), the detail of one
entity (``service.show``), and the lookups both need (city of an entity, names), memoised per graph
version so that a page costs a few table operations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter
from fastapi import Path as FPath

from iekg import service
from iekg.api.deps import DetailLimit, StoreDep
from iekg.api.errors import ProblemError, problem_responses
from iekg.api.models import EntityDetail
from iekg.graph.schema import NODE_TYPES
from iekg.graph.store import Node, Store


def _memo(store: Store, key: str, *args: Any, compute: Any) -> Any:
    return store.memo(("api", key, *args), compute)


def names(store: Store, label: str) -> dict[str, str]:
    def compute() -> dict[str, str]:
        return {n.id: n.name for n in store.nodes(label)}

    return _memo(store, "names", label, compute=compute)  # type: ignore[no-any-return]


def located(store: Store, label: str) -> dict[str, str]:
    """Entity id → city code: LOCATED_IN the city directly, the one meaning of "in a city"
    (:func:`iekg.queries.scope.located_in`, through :func:`iekg.service.located`)."""
    return service.located(store, label)


def single(store: Store, rel_type: str, src_label: str, dst_label: str) -> dict[str, str]:
    """src id → dst id of a single-valued relationship (e.g. SUBCLASS_OF, IN_INDUSTRY, PART_OF)."""

    def compute() -> dict[str, str]:
        f = store.rel_frame(rel_type, src_label=src_label, dst_label=dst_label)
        return dict(zip(f["src"], f["dst"], strict=True))

    return _memo(store, "single", rel_type, src_label, dst_label, compute=compute)  # type: ignore[no-any-return]


def counts_by(store: Store, rel_type: str, side: str, src_label: str | None = None,
              dst_label: str | None = None) -> dict[str, int]:
    """How many relationships of a type each node has at ``side`` (src or dst)."""

    def compute() -> dict[str, int]:
        f = store.rel_frame(rel_type, src_label=src_label, dst_label=dst_label)
        return {str(k): int(v) for k, v in f[side].value_counts().items()}

    return _memo(store, "counts", rel_type, side, src_label, dst_label, compute=compute)  # type: ignore[no-any-return]


def frame(store: Store, label: str, props: Iterable[str]) -> pd.DataFrame:
    """The nodes of a label with the given properties, plus ``name`` (or title …) and ``source_kind``."""
    spec = NODE_TYPES[label]
    name_field = spec.search[0] if spec.search[0] != "id" else "name"
    cols = list(dict.fromkeys([name_field, "source_kind", *props]))
    f = store.node_frame(label, cols)
    f = f.rename(columns={name_field: "name"}) if name_field != "name" else f
    f["name"] = f["name"].where(f["name"].notna(), f["id"]).astype(str)
    return f


def contains(f: pd.DataFrame, q: str | None) -> pd.DataFrame:
    if not q or not q.strip():
        return f
    needle = q.strip().lower()
    mask = f["name"].str.lower().str.contains(needle, regex=False) | \
        f["id"].astype(str).str.lower().str.contains(needle, regex=False)
    return f[mask]


def keep(f: pd.DataFrame, mask: list[bool]) -> pd.DataFrame:
    """The rows where ``mask`` is true (an empty list keeps the columns: it is not a column selection)."""
    return f[pd.Series(mask, index=f.index, dtype=bool)]


def equals(f: pd.DataFrame, **filters: str | None) -> pd.DataFrame:
    for col, v in filters.items():
        if v is not None:
            f = f[f[col].astype(str) == str(v)]
    return f


def page(f: pd.DataFrame, offset: int, limit: int, *, by: tuple[str, ...] = (),
         descending: bool = False) -> tuple[int, list[dict[str, Any]]]:
    """Total and the rows of one page as records (NaN → None), ordered by ``by`` (missing values last)
    then id."""
    total = len(f)
    order = [*by, "id"]
    f = f.sort_values(order, ascending=[not descending] * len(by) + [True], kind="stable", na_position="last")
    f = f.iloc[offset:offset + limit]
    f = f.astype(object).where(f.notna(), None)
    return total, f.to_dict("records")  # type: ignore[return-value]


def with_uid(label: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["uid"] = f"{label}:{r['id']}"
    return rows


def require_city(store: Store, code: str | None) -> None:
    if code is not None and store.get(f"City:{code}") is None:
        raise ProblemError("not-found", f"city {code} is not in the graph")


def detail(store: Store, label: str, ident: str, limit: int) -> dict[str, Any]:
    node = store.get(f"{label}:{ident}")
    data = service.show(store, f"{label}:{ident}", limit) if node is not None else None
    if node is None or data is None:
        raise ProblemError("not-found", f"{label} {ident} is not in the graph")
    props = data["props"]
    return {"uid": data["uid"], "label": label, "id": ident, "name": node.name,
            "illustrative": service.is_illustrative(props), "props": props,
            "relationship_counts": data["relationship_counts"], "relationships": data["relationships"]}


def detail_route(router: APIRouter, label: str, summary: str, example: str, doc: str) -> None:
    """``GET /{id}``: one entity of ``label`` with its relationships (404 problem when absent)."""

    IdPath = Annotated[str, FPath(min_length=1, max_length=200, description="id", examples=[example])]

    def get_one(store: Store, ident: str, limit: int = 20) -> dict[str, Any]:
        return detail(store, label, ident, limit)

    # real objects, not the strings of ``from __future__ import annotations``: FastAPI reads them
    get_one.__annotations__ = {"store": StoreDep, "ident": IdPath, "limit": DetailLimit, "return": dict[str, Any]}
    get_one.__doc__ = doc
    get_one.__name__ = f"get_{label.lower()}"
    router.add_api_route("/{ident:path}", get_one, methods=["GET"], response_model=EntityDetail, summary=summary,
                         responses=problem_responses(404))


def resolve(store: Store, ident: str) -> Node:
    """An entity by id, Label:id or exact name (as the CLI resolves it), or a 404 problem."""
    node = service.resolve(store, ident)
    if node is None:
        raise ProblemError("not-found", f"{ident} is not in the graph (GET /search finds entities by name)")
    return node


def program_years(store: Store, cities: Iterable[str] | None = None) -> list[int]:
    """The years with programs (OFFERS) at the institutions of the given cities (default: every city): the
    store's year list (read from the sums kept with the data, memoised), not a read of every program —
    which cost 2.4 s per request on the national graph."""
    from iekg.queries.supply import program_years as years_of

    wanted = sorted({str(c) for c in cities}) if cities is not None else sorted(n.id for n in store.nodes("City"))
    return list(years_of(store, wanted)) if wanted else []


def require_year(store: Store, year: int | None, cities: Iterable[str] | None = None) -> None:
    """The measures need programs of the year in the scope: say so (404) instead of measuring nothing."""
    cities = list(cities) if cities is not None else None
    years = program_years(store, cities)
    where = "in the graph" if cities is None else "for " + ", ".join(cities[:5]) + ("…" if len(cities) > 5 else "")
    if not years:
        raise ProblemError("not-found", f"no programs (OFFERS) {where}: import programs first")
    if year is not None and year not in years:
        raise ProblemError("not-found", f"no programs of {year} {where}; years with data: "
                                        + ", ".join(map(str, years)))

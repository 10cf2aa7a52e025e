"""Training bases (实训基地): list by city, kind, level, name; detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import BaseKind, BaseLevel, CityQuery, Limit, NameQuery, Offset, StoreDep
from iekg.api.models import Page, TrainingBaseItem, page_example

router = APIRouter(prefix="/training-bases", tags=["training bases"])
LABEL = "TrainingBase"


@router.get("", response_model=Page[TrainingBaseItem], summary="List training bases 实训基地列表",
            responses=page_example(TrainingBaseItem))
def list_training_bases(store: StoreDep, q: NameQuery = None, city: CityQuery = None,
                        kind: Annotated[BaseKind | None, Query(description="类型")] = None,
                        level: Annotated[BaseLevel | None, Query(description="级别")] = None,
                        offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Training bases ordered by id, filtered by city, kind, level (国家级 / 省级 / 市级 / 校级) and name."""
    f = listing.frame(store, LABEL, ["kind", "level", "stations"])
    f["city"] = f["id"].map(listing.located(store, LABEL))
    f = listing.equals(f, city=city, kind=kind, level=level)
    total, rows = listing.page(listing.contains(f, q), offset, limit)
    names = listing.names(store, "City")
    for r in rows:
        r["city_name"] = names.get(r["city"]) if r["city"] else None
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One training base 实训基地详情", "DEMO-TB-410100-001",
                     "The base's properties and relationships: operator, the industries or segments it serves, city.")

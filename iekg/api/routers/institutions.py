"""Institutions (院校, by MOE 学校标识码): list by city, level, ownership, name; detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import CityQuery, InstitutionLevel, Limit, NameQuery, Offset, Ownership, StoreDep
from iekg.api.models import InstitutionItem, Page, page_example

router = APIRouter(prefix="/institutions", tags=["institutions"])
LABEL = "Institution"


@router.get("", response_model=Page[InstitutionItem], summary="List institutions 院校列表",
            responses=page_example(InstitutionItem))
def list_institutions(store: StoreDep, q: NameQuery = None, city: CityQuery = None,
                      level: Annotated[InstitutionLevel | None, Query(description="办学层次")] = None,
                      ownership: Annotated[Ownership | None, Query(description="举办性质")] = None,
                      offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Institutions ordered by 学校标识码, filtered by city, level (本科 / 职业本科 / 高职专科 / 中职 / 技工),
    ownership and name."""
    f = listing.frame(store, LABEL, ["level", "ownership"])
    f["city"] = f["id"].map(listing.located(store, LABEL))
    f = listing.equals(f, city=city, level=level, ownership=ownership)
    total, rows = listing.page(listing.contains(f, q), offset, limit)
    names = listing.names(store, "City")
    for r in rows:
        r["city_name"] = names.get(r["city"]) if r["city"] else None
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One institution 院校详情", "4141012058",
                     "The institution's properties and relationships: majors offered (OFFERS, by year), city, "
                     "cooperations with enterprises, alliances, graduate flows.")

"""Majors (专业, catalogue codes as strings): list by level, category, city offering it, name; detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import CityQuery, Limit, MajorLevel, NameQuery, Offset, StoreDep, YearQuery
from iekg.api.models import MajorItem, Page, page_example

router = APIRouter(prefix="/majors", tags=["majors"])
LABEL = "Major"


@router.get("", response_model=Page[MajorItem], summary="List majors 专业列表",
            responses=page_example(MajorItem))
def list_majors(store: StoreDep, q: NameQuery = None,
                level: Annotated[MajorLevel | None, Query(description="层次")] = None,
                category: Annotated[str | None, Query(pattern=r"^\d{4}$", description="专业类 code (4 digits)",
                                                      examples=["4607"])] = None,
                city: Annotated[CityQuery, Query(description="only majors offered by an institution of this city "
                                                             "(6 digits)")] = None,
                year: YearQuery = None, offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Catalogue majors ordered by code; ``city`` (and ``year``) keep those offered in the city."""
    f = listing.frame(store, LABEL, ["level"])
    f["category"] = f["id"].map(listing.single(store, "SUBCLASS_OF", LABEL, "MajorCategory"))
    f = listing.equals(f, level=level, category=category)
    if city is not None or year is not None:
        offers = store.rel_frame("OFFERS", ["year"])
        if year is not None:
            offers = offers[offers["year"].astype("Int64") == year]
        if city is not None:
            inst = listing.located(store, "Institution")
            offers = offers[offers["src"].map(inst) == city]
        f = f[f["id"].isin(set(offers["dst"]))]
    total, rows = listing.page(listing.contains(f, q), offset, limit)
    cats = listing.names(store, "MajorCategory")
    for r in rows:
        r["category_name"] = cats.get(r["category"]) if r["category"] else None
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One major 专业详情", "460701",
                     "The major's properties and relationships: category, crosswalk weights to industries, "
                     "the institutions offering it (by year).")

"""Industries (GB/T 4754-2017): list by level, parent, name; detail."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import Limit, NameQuery, Offset, StoreDep
from iekg.api.models import IndustryItem, Page, page_example

router = APIRouter(prefix="/industries", tags=["industries"])
LABEL = "Industry"


@router.get("", response_model=Page[IndustryItem], summary="List industries 行业列表",
            responses=page_example(IndustryItem))
def list_industries(store: StoreDep, q: NameQuery = None,
                    level: Annotated[Literal["门类", "大类", "中类", "小类"] | None, Query(description="level")] = None,
                    parent: Annotated[str | None, Query(pattern=r"^([A-T]|\d{2,3})$", description="parent code",
                                                        examples=["C"])] = None,
                    offset: Offset = 0, limit: Limit = 100) -> dict[str, object]:
    """Industries ordered by code (门类 letters after the numeric 大类), filtered by level, parent and name."""
    f = listing.frame(store, LABEL, ["level"])
    f["parent"] = f["id"].map(listing.single(store, "SUBCLASS_OF", LABEL, LABEL))
    f = listing.equals(f, level=level, parent=parent)
    total, rows = listing.page(listing.contains(f, q), offset, limit)
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One industry 行业详情", "36",
                     "The industry's properties and relationships: parent, majors aligned with it, chain segments "
                     "mapping to it, enterprises, demand.")

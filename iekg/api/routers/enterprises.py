"""Enterprises (企业): list by city, industry, integration-enterprise level, name; detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import CityQuery, IeiLevel, Limit, NameQuery, Offset, StoreDep
from iekg.api.models import EnterpriseItem, Page, page_example

router = APIRouter(prefix="/enterprises", tags=["enterprises"])
LABEL = "Enterprise"


@router.get("", response_model=Page[EnterpriseItem], summary="List enterprises 企业列表",
            responses=page_example(EnterpriseItem))
def list_enterprises(store: StoreDep, q: NameQuery = None, city: CityQuery = None,
                     industry: Annotated[str | None, Query(pattern=r"^([A-T]|\d{2,4})$",
                                                           description="GB/T 4754 code: 门类 letter or 2–4 digits "
                                                                       "(finer codes match by prefix)",
                                                           examples=["36"])] = None,
                     iei_level: Annotated[IeiLevel | None, Query(description="产教融合型企业级别")] = None,
                     offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Enterprises ordered by id, filtered by city, industry (an enterprise in 3611 matches 36 and 361),
    integration-enterprise level and name."""
    f = listing.frame(store, LABEL, ["employees", "iei_level", "iei_year"])
    f["city"] = f["id"].map(listing.located(store, LABEL))
    f["industry"] = f["id"].map(listing.single(store, "IN_INDUSTRY", LABEL, "Industry"))
    f["segment"] = f["id"].map(listing.single(store, "IN_SEGMENT", LABEL, "ChainSegment"))
    f = listing.equals(f, city=city, iei_level=iei_level)
    if industry is not None:
        if industry.isalpha():  # a 门类: its 大类 are the industries whose parent is the letter
            parent = listing.single(store, "SUBCLASS_OF", "Industry", "Industry")
            f = listing.keep(f, [isinstance(c, str) and (c == industry or parent.get(c[:2]) == industry)
                                 for c in f["industry"]])
        else:
            f = listing.keep(f, [isinstance(c, str) and c.startswith(industry) for c in f["industry"]])
    total, rows = listing.page(listing.contains(f, q), offset, limit)
    cities, industries = listing.names(store, "City"), listing.names(store, "Industry")
    for r in rows:
        r["city_name"] = cities.get(r["city"]) if r["city"] else None
        r["industry_name"] = industries.get(r["industry"]) if r["industry"] else None
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One enterprise 企业详情", "DEMO-410200-E0001",
                     "The enterprise's properties and relationships: industry, chain segment, city, cooperating "
                     "institutions, alliances, talent demand.")

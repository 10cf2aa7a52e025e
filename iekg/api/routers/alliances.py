"""Alliances (产教融合集团/联盟, 职教集团, 市域产教联合体 …): list by city, kind, name; detail with members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import AllianceKind, CityQuery, Limit, NameQuery, Offset, StoreDep
from iekg.api.models import AllianceItem, Page, page_example

router = APIRouter(prefix="/alliances", tags=["alliances"])
LABEL = "Alliance"


@router.get("", response_model=Page[AllianceItem], summary="List alliances 产教联盟列表",
            responses=page_example(AllianceItem))
def list_alliances(store: StoreDep, q: NameQuery = None, city: CityQuery = None,
                   kind: Annotated[AllianceKind | None, Query(description="类型")] = None,
                   offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Alliances ordered by id with their member counts, filtered by city, kind and name."""
    f = listing.frame(store, LABEL, ["kind"])
    f["city"] = f["id"].map(listing.located(store, LABEL))
    f = listing.equals(f, city=city, kind=kind)
    total, rows = listing.page(listing.contains(f, q), offset, limit)
    names = listing.names(store, "City")
    members = listing.counts_by(store, "MEMBER_OF", "dst")
    for r in rows:
        r["city_name"] = names.get(r["city"]) if r["city"] else None
        r["members"] = members.get(r["id"], 0)
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One alliance 产教联盟详情", "DEMO-AL-410100-01",
                     "The alliance's properties and relationships: members (with role 牵头 / 成员), city.")

"""Policies (政策文件, by normalised 文号): list by city, level, status, title; detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import CityQuery, Limit, NameQuery, Offset, PolicyLevel, PolicyStatus, StoreDep
from iekg.api.models import Page, PolicyItem, page_example

router = APIRouter(prefix="/policies", tags=["policies"])
LABEL = "Policy"


@router.get("", response_model=Page[PolicyItem], summary="List policies 政策列表",
            responses=page_example(PolicyItem))
def list_policies(store: StoreDep, q: NameQuery = None,
                  city: Annotated[CityQuery, Query(description="only policies applying to this city (6 digits)")] = None,
                  level: Annotated[PolicyLevel | None, Query(description="层级")] = None,
                  status: Annotated[PolicyStatus | None, Query(description="有效性")] = None,
                  offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Policies ordered by date (newest first, undated last), filtered by the city they apply to, level,
    status and title (or 文号)."""
    f = listing.frame(store, LABEL, ["level", "date", "status", "kinds"])
    applies = store.rel_frame("APPLIES_TO", src_label=LABEL, dst_label="City")
    cities = applies.groupby("src")["dst"].apply(lambda s: sorted(s)).to_dict()
    f = listing.equals(f, level=level, status=status)
    if city is not None:
        f = f[f["id"].isin(set(applies.loc[applies["dst"] == city, "src"]))]
    total, rows = listing.page(listing.contains(f, q), offset, limit, by=("date",), descending=True)
    for r in rows:
        r["cities"] = cities.get(r["id"], [])
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One policy 政策详情", "豫发改社会〔2022〕646号",
                     "The policy's properties and relationships: issuing agencies, cited policies, cities it "
                     "applies to, supported industries, targets and tasks it sets.")

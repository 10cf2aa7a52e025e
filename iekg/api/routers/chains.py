"""Industrial chains (产业链): list by cluster, focus city, name; detail with segments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from iekg.api import listing
from iekg.api.deps import CityQuery, Limit, NameQuery, Offset, StoreDep
from iekg.api.models import ChainItem, Page, page_example

router = APIRouter(prefix="/chains", tags=["chains"])
LABEL = "IndustryChain"


@router.get("", response_model=Page[ChainItem], summary="List industrial chains 产业链列表",
            responses=page_example(ChainItem))
def list_chains(store: StoreDep, q: NameQuery = None,
                cluster: Annotated[str | None, Query(max_length=100, description="cluster (产业集群) name",
                                                     examples=["新材料"])] = None,
                city: Annotated[CityQuery, Query(description="only chains this city focuses on (6 digits)")] = None,
                offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Henan's key chains ("7 clusters, 28 chains") with their segment counts."""
    f = listing.frame(store, LABEL, ["confirmed"])
    f["cluster"] = f["id"].map(listing.single(store, "PART_OF", LABEL, "IndustryCluster"))
    f = listing.equals(f, cluster=cluster)
    if city is not None:
        focus = store.rel_frame("FOCUSES_ON")
        f = f[f["id"].isin(set(focus.loc[focus["src"] == city, "dst"]))]
    total, rows = listing.page(listing.contains(f, q), offset, limit)
    segs = listing.counts_by(store, "PART_OF", "dst", "ChainSegment", LABEL)
    for r in rows:
        r["segments"] = segs.get(r["id"], 0)
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


listing.detail_route(router, LABEL, "One chain 产业链详情", "HN-NM-01",
                     "The chain's properties and relationships: cluster, segments, the cities focusing on it.")

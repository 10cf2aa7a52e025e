"""Cities (省辖市 and 济源示范区): list with counts, detail with relationships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from iekg.api import listing
from iekg.api.deps import CITY_PATTERN, Limit, NameQuery, Offset, StoreDep
from iekg.api.errors import problem_responses
from iekg.api.models import CityItem, EntityDetail, Page, page_example

router = APIRouter(prefix="/cities", tags=["cities"])
LABEL = "City"


@router.get("", response_model=Page[CityItem], summary="List cities 城市列表",
            responses=page_example(CityItem))
def list_cities(store: StoreDep, q: NameQuery = None,
                province: Annotated[str | None, Query(pattern=CITY_PATTERN, description="province code",
                                                      examples=["410000"])] = None,
                offset: Offset = 0, limit: Limit = 50) -> dict[str, object]:
    """Cities with how many institutions, enterprises and training bases are located there and how many
    chains they focus on; filter by province and by name."""
    f = listing.frame(store, LABEL, ["gdp", "population"])
    prov = listing.single(store, "PART_OF", "City", "Province")
    f["province"] = f["id"].map(prov)
    f = listing.contains(listing.equals(f, province=province), q)
    total, rows = listing.page(f, offset, limit)
    located = {lab: listing.located(store, lab) for lab in ("Institution", "Enterprise", "TrainingBase")}
    per_city = {lab: _count(m) for lab, m in located.items()}
    focus = listing.counts_by(store, "FOCUSES_ON", "src")
    for r in rows:
        r["institutions"] = per_city["Institution"].get(r["id"], 0)
        r["enterprises"] = per_city["Enterprise"].get(r["id"], 0)
        r["training_bases"] = per_city["TrainingBase"].get(r["id"], 0)
        r["focus_chains"] = focus.get(r["id"], 0)
    return {"total": total, "offset": offset, "limit": limit, "items": listing.with_uid(LABEL, rows)}


def _count(m: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in m.values():
        out[c] = out.get(c, 0) + 1
    return out


@router.get("/{code}", response_model=EntityDetail, summary="One city 城市详情", responses=problem_responses(404))
def get_city(store: StoreDep, code: Annotated[str, Path(pattern=CITY_PATTERN, description="city code",
                                                        examples=["410200"])],
             limit: Annotated[int, Query(ge=1, le=500, description="relationships shown per type and direction")] = 20,
             ) -> dict[str, object]:
    """The city's properties and relationships (institutions and enterprises located there, focus chains,
    policies, problems …), at most ``limit`` per type and direction."""
    return listing.detail(store, LABEL, code, limit)

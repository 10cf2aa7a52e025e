"""What both faces (``iekg chart``, ``GET /charts/…``) call: ask the service, then build the spec."""

from __future__ import annotations

from typing import Any

from iekg import service
from iekg.charts import specs
from iekg.graph.store import Store


def chain_segments(store: Store, chains: list[str]) -> list[dict[str, Any]]:
    """The segments of ``chains`` in order (chain, then upstream → downstream, then id): ``id``, ``name``,
    ``position``, ``chain``, ``chain_name``."""
    if not chains:
        return []
    part = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=chains)
    if part.empty:
        return []
    seg = store.node_frame("ChainSegment", ["name", "position"], ids=list(part["src"])).set_index("id")
    names = store.node_frame("IndustryChain", ["name"], ids=chains).set_index("id")["name"]
    rank = {p: k for k, p in enumerate(specs.POSITIONS)}
    rows = []
    for sid, cid in zip(part["src"], part["dst"], strict=True):
        info = seg.loc[sid] if sid in seg.index else None
        pos = None if info is None else info.get("position")
        rows.append({"id": sid, "name": None if info is None else info.get("name"),
                     "position": pos if isinstance(pos, str) and pos else None,
                     "chain": cid, "chain_name": str(names.get(cid, cid))})
    rows.sort(key=lambda r: (r["chain"], rank.get(r["position"] or "", len(rank)), r["id"]))
    return rows


def focus_chains(store: Store, city: str) -> list[str]:
    """The chains a city focuses on (``FOCUSES_ON``)."""
    return sorted(set(store.rel_frame("FOCUSES_ON", src_label="City", src_ids=[city])["dst"]))


def city_names(store: Store) -> dict[str, str]:
    return {n.id: n.name for n in store.nodes("City")}


def supply_demand(store: Store, city: str, year: int | None = None, chain: str | None = None,
                  target_year: int | None = None) -> dict[str, Any]:
    """The supply/demand bars of a city (``iekg align``'s answer); with ``target_year``, of its projection to that
    year (``iekg align --target-year``'s ``target``, titled and noted as a projection)."""
    a = service.alignment(store, [city], None, year, chain, target_year=target_year)
    return specs.supply_demand(a.data["target"] if target_year is not None else a.data, a.illustrative)


def chain(store: Store, city: str, chain: str | None = None, year: int | None = None) -> dict[str, Any]:
    """A chain's segments covered or not by the city's programs (no chain: the city's focus chains)."""
    a = service.alignment(store, [city], None, year, chain)
    chains = [chain] if chain else focus_chains(store, city)
    return specs.chain(a.data, chain_segments(store, chains), a.illustrative)


def ranking(store: Store, measure: str = "readiness", year: int | None = None) -> dict[str, Any]:
    """Cities ranked by readiness or by the coupling coordination degree."""
    if measure == "readiness":
        a = service.readiness_all(store, year)
    elif measure == "coupling":
        a = service.coupling(store, None, year)
    else:
        raise ValueError(f"unknown measure {measure!r}: readiness or coupling")
    return specs.ranking(a.data, measure, a.illustrative, city_names(store))


def trend(store: Store, city: str, first: int | None = None, last: int | None = None,
          chain: str | None = None) -> dict[str, Any]:
    """A city's measures over the years (``iekg trend``'s answer)."""
    from iekg.service.comparison import trend as ask

    a = ask(store, [city], None, (first, last), chain)
    return specs.trend(a.data, a.illustrative)


def compare(store: Store, province: str | None = None, cities: list[str] | None = None, year: int | None = None,
            measure: str = "sai") -> dict[str, Any]:
    """Cities side by side on one measure (``iekg compare``'s answer)."""
    from iekg.service.comparison import compare as ask

    a = ask(store, province, cities or None, year, measure)
    return specs.compare(a.data, a.illustrative)

"""Relation queries: neighbourhoods, paths, who trains for / who hires, and partner recommendations.

Everything here talks to the graph only through the :class:`~iekg.graph.store.Store` interface, so a
Neo4j store gives the same answers as the embedded one:

* :func:`neighbours` — the relationships at one node, filtered by label, type, direction and year.
* :func:`shortest_path` and :func:`all_paths` — how two nodes are connected.  The graph is treated as
  undirected for connectivity; every relationship on a path reports its real direction.  Both walk the
  graph with ``Store.neighbours`` from both ends and never further than the hop bound, so they never
  load the whole graph.  ``rel_types=None`` means every relationship type; hub-like links (a province's
  ``PART_OF``, a city's ``LOCATED_IN``) can make short but uninformative paths, so callers that want a
  "knowledge" route restrict ``rel_types`` (e.g. OFFERS, SUBCLASS_OF, ALIGNS_WITH, MAPS_TO, PART_OF).
* :func:`who_trains_for` — institutions and majors supplying an industry, a chain segment or a chain,
  with the supply of ``metrics.md`` (graduates, or enrollment / duration as a flagged estimate, times the
  crosswalk weight rolled up to the 2-digit 大类), from :func:`~iekg.queries.alignment.program_supply`.
* :func:`who_hires` — the industries a major's crosswalk weights point to, their enterprises and the
  talent-demand rows for the major or those industries.
* :func:`partners_for_enterprise` and :func:`partners_for_institution` — ranked recommendations with a
  documented score (:class:`PartnerWeights`) and a Chinese explanation.

Aggregations are pandas merges and group-bys on ``rel_frame`` / ``node_frame``, read with the filters
pushed to the store (ids, cities, year) so that only what a question needs is read; questions without
cities (who trains for, partner candidates) span every city, and read only the programs of the majors
aligned to the industries asked about, or of the one institution asked about
(:func:`~iekg.queries.alignment.program_supply`).  Python loops only run over the handful of rows a
caller gets back.  Every list has a deterministic order (ties broken by id),
so two stores holding the same graph return identical lists.  Unknown ids raise :class:`LookupError`
with a message naming what was not found; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.schema import NODE_TYPES, REL_TYPES
from iekg.graph.store import Node, Rel, Store
from iekg.queries import cooperation
from iekg.queries.alignment import (
    Scope,
    Weights,
    aligned_majors,
    chain_industries,
    data_coverage,
    program_supply,
    resolve_scope,
    rollup,
)

DIRECTIONS = ("out", "in", "both")


# ------------------------------------------------------------------------------------------ helpers
def _py(v: Any) -> Any:
    """A plain Python value for JSON: numpy scalars unwrapped, NaN / NA as None."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _py(v) for k, v in row.items()} for row in df.to_dict("records")]


def _node(store: Store, uid: str) -> Node:
    if not isinstance(uid, str) or ":" not in uid or uid.split(":", 1)[0] not in NODE_TYPES:
        raise LookupError(f"{uid!r} is not a node uid: write it as '<Label>:<id>', e.g. 'City:410100'")
    n = store.get(uid)
    if n is None:
        raise LookupError(f"node {uid} is not in the graph")
    return n


def _entity(store: Store, label: str, ident: str, what: str) -> Node:
    """A node of ``label`` given by its id (or its uid); LookupError naming ``what`` otherwise."""
    ident = str(ident).strip()
    if ident.startswith(f"{label}:"):
        ident = ident[len(label) + 1:]
    n = store.get(f"{label}:{ident}")
    if n is None:
        raise LookupError(f"{what} {ident} is not in the graph")
    return n


def _check_types(rel_types: Iterable[str] | None) -> tuple[str, ...] | None:
    if rel_types is None:
        return None
    types = tuple(rel_types)
    bad = [t for t in types if t not in REL_TYPES]
    if bad:
        raise ValueError(f"unknown relationship type {bad[0]!r}; known: {', '.join(REL_TYPES)}")
    return types


def _check_labels(labels: Iterable[str] | None) -> tuple[str, ...] | None:
    if labels is None:
        return None
    labs = tuple(labels)
    bad = [x for x in labs if x not in NODE_TYPES]
    if bad:
        raise ValueError(f"unknown label {bad[0]!r}; known: {', '.join(NODE_TYPES)}")
    return labs


def _ids(values: Iterable[Any]) -> list[str]:
    """Distinct ids as sorted strings (None / NaN dropped), for the stores' id filters."""
    return sorted({str(v) for v in values if _py(v) is not None})


def _names(store: Store, label: str, ids: Iterable[Any]) -> dict[str, str]:
    """Name (else id) of the nodes of ``label`` among ``ids``."""
    f = store.node_frame(label, ["name"], ids=_ids(ids))
    return dict(zip(f["id"].astype(str), f["name"].fillna(f["id"]).astype(str), strict=True))


def _locations(store: Store, label: str, ids: Iterable[Any]) -> pd.DataFrame:
    """``id``, ``city`` of the nodes of ``label`` among ``ids`` located in a city (directly or through a zone)."""
    wanted = _ids(ids)
    direct = store.rel_frame("LOCATED_IN", src_label=label, dst_label="City", src_ids=wanted).rename(
        columns={"src": "id", "dst": "city"})
    zoned = store.rel_frame("LOCATED_IN", src_label=label, dst_label="Zone", src_ids=wanted).rename(
        columns={"src": "id", "dst": "zone"})
    zone_city = store.rel_frame("PART_OF", src_label="Zone", dst_label="City", src_ids=_ids(zoned["zone"])).rename(
        columns={"src": "zone", "dst": "city"})
    via_zone = zoned.merge(zone_city, on="zone")[["id", "city"]]
    out = pd.concat([direct[["id", "city"]], via_zone], ignore_index=True)
    return out.drop_duplicates("id").reset_index(drop=True)


def _provinces(store: Store, cities: Iterable[Any]) -> dict[str, str]:
    """The province of each of ``cities`` (City PART_OF Province)."""
    f = store.rel_frame("PART_OF", src_label="City", dst_label="Province", src_ids=_ids(cities))
    return dict(zip(f["src"], f["dst"], strict=True))


def _scope(store: Store, cities: Sequence[str] | None, year: int | None) -> Scope:
    """The given cities, or every city in the graph (a province-wide question: only the City nodes' ids
    are read here; the scope's facts are then read filtered to those cities)."""
    if cities:
        return resolve_scope(store, cities=list(cities), year=year)
    all_cities = tuple(sorted(store.node_frame("City")["id"].astype(str)))
    return Scope(all_cities, year, None, "全部城市", "cities")


def _industry_codes(store: Store, code: str) -> list[str]:
    """The 大类 codes a question about ``code`` is answered for (crosswalk weights live at 大类 level).

    A 3- or 4-digit code rolls up to its 大类; a 门类 letter expands to its 大类 children."""
    if code.isalpha():
        sub = store.rel_frame("SUBCLASS_OF", src_label="Industry", dst_label="Industry", dst_ids=[code])
        kids = sorted(sub["src"].astype(str))
        return [k for k in kids if len(k) == 2]
    return [str(rollup(pd.Series([code])).iloc[0])]


def _industry_ids(store: Store, codes: Iterable[str]) -> list[str]:
    """The Industry ids that roll up to one of ``codes`` (大类 or 门类): the codes themselves and their
    3- and 4-digit descendants, found by walking SUBCLASS_OF down from the codes (every finer code is
    loaded with its parent)."""
    wanted = set(codes)
    found = set(wanted)
    frontier = sorted(c for c in wanted if c.isdigit())
    for _ in range(2):  # 大类 → 中类 → 小类
        if not frontier:
            break
        kids = store.rel_frame("SUBCLASS_OF", src_label="Industry", dst_label="Industry", dst_ids=frontier)["src"]
        frontier = sorted(set(kids.astype(str)) - found)
        found |= set(frontier)
    ids = sorted(found)
    return [i for i, r in zip(ids, rollup(pd.Series(ids, dtype=object)), strict=True) if r in wanted]


# --------------------------------------------------------------------------------------- neighbours
def neighbours(store: Store, uid: str, *, labels: Iterable[str] | None = None,
               rel_types: Iterable[str] | None = None, direction: str = "both", year: int | None = None,
               limit: int | None = 100) -> list[dict[str, Any]]:
    """The relationships at ``uid`` and the node at their other end.

    ``direction`` is ``out``, ``in`` or ``both``; ``labels`` restricts the other node's label;
    ``year`` drops relationships whose ``year`` property differs (relationships without a year stay).
    Ordered by relationship type, direction, other node's uid, then the relationship's identity.
    Each row: ``type``, ``zh``, ``direction``, ``props``, ``other`` (uid), ``other_label``, ``other_id``,
    ``other_name``.
    """
    _node(store, uid)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    types = _check_types(rel_types)
    labs = _check_labels(labels)
    rows = []
    for r, other in store.neighbours(uid, types, direction, labs):
        if year is not None and r.props.get("year") is not None and str(r.props["year"]) != str(year):
            continue
        d = "out" if r.src == uid else "in"
        rows.append(((r.type, d, other.uid, r.key), {
            "type": r.type, "zh": REL_TYPES[r.type].zh, "direction": d, "props": dict(r.props),
            "other": other.uid, "other_label": other.label, "other_id": other.id, "other_name": other.name}))
    rows.sort(key=lambda x: x[0])
    out = [row for _, row in rows]
    return out[:limit] if limit is not None else out


def neighbours_reason(store: Store, uid: str, *, labels: Iterable[str] | None = None,
                      rel_types: Iterable[str] | None = None, direction: str = "both",
                      year: int | None = None) -> str:
    """Why :func:`neighbours` found nothing: what the entity has without the filters, and what to try."""
    every = store.neighbours(uid, None, "both", None)
    if not every:
        return "该实体在图中没有任何关系 (the entity has no relationship at all): 导入与它相关的数据"
    kinds: dict[str, int] = {}
    for r, other in every:
        d = "out" if r.src == uid else "in"
        k = f"{r.type} {d} → {other.label}"
        kinds[k] = kinds.get(k, 0) + 1
    have = "；".join(f"{k} ×{n}" for k, n in sorted(kinds.items())[:8])
    filters = ", ".join(x for x in (
        f"label={','.join(labels)}" if labels else "", f"type={','.join(rel_types)}" if rel_types else "",
        f"direction={direction}" if direction != "both" else "", f"year={year}" if year is not None else "") if x)
    return (f"没有符合筛选条件（{filters}）的关系；该实体共有 {len(every)} 个关系：{have} "
            f"(no relationship matches {filters}; try without those filters)")


def path_reason(store: Store, a_uid: str, b_uid: str, k: int, rel_types: Iterable[str] | None) -> str:
    """Why no path joins two entities within ``k`` hops, and what to try."""
    lonely = [u for u in (a_uid, b_uid) if not store.neighbours(u, None, "both", None)]
    if lonely:
        return f"{lonely[0]} 在图中没有任何关系，无法连到其他实体 (it has no relationship at all)"
    tip = "去掉 --type 限制，或" if rel_types else ""
    return (f"{k} 步之内没有连接两者的路径 (no path within {k} hops): 试试{tip}加大 --k（最多 8）"
            f"{'；限定的关系类型：' + ','.join(rel_types) if rel_types else ''}")


def search_reason(text: str, labels: Iterable[str] | None = None) -> str:
    """Why a search found nothing, and what to try."""
    only = f"（只在 {','.join(labels)} 中找）" if labels else ""
    return (f"没有名称或编号包含「{text}」的实体{only} (nothing named like {text!r}): 试试更短的关键词、简称、"
            f"拼音（API）{'，或去掉 --label' if labels else ''}")


def nearest_categories(store: Store, code: str, n: int = 3) -> list[dict[str, Any]]:
    """The major categories whose crosswalk weights point to the industries nearest ``code`` (same 门类 /
    first digit, closest code first): what the crosswalk offers instead when nothing aligns to ``code``."""
    aw = store.rel_frame("ALIGNS_WITH", ["weight"], src_label="MajorCategory")
    if aw.empty:
        return []
    aw = aw.assign(industry=rollup(aw["dst"]))
    aw = aw[aw["industry"].astype(str).str[:1] == str(code)[:1]]
    aw = aw[aw["industry"] != code]
    if aw.empty:
        return []

    def dist(x: str) -> float:
        try:
            return abs(int(x) - int(code))
        except ValueError:
            return 99.0

    aw = aw.assign(dist=aw["industry"].map(dist), weight=aw["weight"].astype(float))
    aw = aw.sort_values(["dist", "weight", "src"], ascending=[True, False, True], kind="mergesort")
    aw = aw.drop_duplicates("src").head(n)
    cats = _names(store, "MajorCategory", aw["src"])
    inds = _names(store, "Industry", aw["industry"])
    return [{"category": str(c), "name": cats.get(str(c), str(c)), "industry": str(i), "industry_name": inds.get(str(i), ""),
             "weight": float(w)} for c, i, w in zip(aw["src"], aw["industry"], aw["weight"], strict=True)]


def _no_supply_reason(store: Store, codes: Sequence[str], scope_name: str, year: int | None,
                      cities: Sequence[str]) -> str:
    """Why no program of the scope supplies ``codes`` (大类): nothing in the crosswalk aligns to them
    (nearest categories named), no program in that year (the latest named), or no institution in scope
    offers the aligned majors."""
    names = _names(store, "Industry", codes)
    what = "、".join(f"{c} {names.get(c, '')}".strip() for c in codes) or "（无行业）"
    aligned = aligned_majors(store, codes)
    if not aligned:
        near = [x for c in codes[:1] for x in nearest_categories(store, c)]
        tip = "；相近的类别：" + "、".join(f"{x['name']}（{x['category']}，对应 {x['industry']} {x['industry_name']}，权重 "
                                       f"{x['weight']:g}）" for x in near) if near else ""
        return (f"专业—行业对照表中没有专业对应行业 {what} (no major aligned to industry {','.join(codes)} in the "
                f"crosswalk){tip}。可在对照表中补充权重 (add weights to the crosswalk)")
    years = store.offer_year_list(list(cities))
    latest = years[-1] if years else None
    if latest is None:
        return f"{scope_name}没有任何年份的专业点数据 (no programs in scope): 请导入 programs 表"
    if year is not None and year not in years:
        return f"{scope_name} {year} 年没有专业点数据，最近一年为 {latest} 年 (no programs in {year}; latest is {latest})"
    mnames = _names(store, "Major", aligned[:3])
    return (f"{scope_name} {year} 年没有院校开设对应 {what} 的专业（如 {'、'.join(mnames.get(m, m) for m in aligned[:3])}"
            f"{' 等' if len(aligned) > 3 else ''}，共 {len(aligned)} 个） (no institution in scope offers a major aligned "
            f"to it in {year})")


# -------------------------------------------------------------------------------------------- paths
class _Adjacency:
    """Cached, canonically ordered neighbourhoods for path search.

    ``links(u)`` lists ``(other uid, rel)`` with, for each other node and relationship type, only the
    smallest relationship by identity (parallel relationships of one type, e.g. OFFERS per year, count
    as one link), ordered by (other uid, type).  Self-loops are skipped."""

    def __init__(self, store: Store, rel_types: tuple[str, ...] | None) -> None:
        self.store = store
        self.rel_types = rel_types
        self.nodes: dict[str, Node] = {}
        self._links: dict[str, list[tuple[str, Rel]]] = {}
        self.calls = 0

    def expand(self, us: Iterable[str]) -> None:
        """Read the links of every node of ``us`` not read yet, in one store call (a BFS layer at once)."""
        todo = sorted({u for u in us if u not in self._links})
        if not todo:
            return
        self.calls += 1
        for u, found in self.store.links(todo, self.rel_types).items():
            best: dict[tuple[str, str], Rel] = {}
            for r, other in found:
                k = (other, r.type)
                if k not in best or r.key < best[k].key:
                    best[k] = r
            self._links[u] = [(v, best[(v, t)]) for v, t in sorted(best)]

    def links(self, u: str) -> list[tuple[str, Rel]]:
        if u not in self._links:
            self.expand([u])
        return self._links[u]

    def fill(self, uids: Iterable[str]) -> None:
        """Read the nodes of a result's paths that are not known yet, in one store call."""
        self.nodes.update(self.store.get_many({u for u in uids if u not in self.nodes}))

    def link(self, u: str, v: str) -> Rel:
        """The canonical relationship between two adjacent nodes: smallest (type, identity)."""
        return next(r for w, r in self.links(u) if w == v)


def _path_dict(adj: _Adjacency, nodes: list[str], rels: list[Rel]) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    text: list[str] = []
    adj.fill(nodes)
    for k, u in enumerate(nodes):
        n = adj.nodes[u]
        elements.append({"kind": "node", "uid": u, "label": n.label, "id": n.id, "name": n.name})
        text.append(n.name)
        if k < len(rels):
            r = rels[k]
            d = "out" if r.src == u else "in"
            elements.append({"kind": "rel", "type": r.type, "zh": REL_TYPES[r.type].zh, "src": r.src, "dst": r.dst,
                             "direction": d, "props": dict(r.props)})
            text.append(f"-[{r.type}]->" if d == "out" else f"<-[{r.type}]-")
    return {"length": len(rels), "nodes": list(nodes), "types": [r.type for r in rels], "path": elements,
            "text": " ".join(text)}


def shortest_path(store: Store, a_uid: str, b_uid: str, *, max_hops: int = 6,
                  rel_types: Iterable[str] | None = None) -> dict[str, Any] | None:
    """The shortest undirected path between two nodes, or None when there is none within ``max_hops``.

    Among several shortest paths the one whose node-uid sequence is lexicographically smallest is
    returned (between two adjacent nodes, the relationship of the smallest type), which is also the
    first path :func:`all_paths` lists.  Bidirectional breadth-first search: full layers are expanded
    from the end with the smaller frontier until they meet or the hop bound is reached.

    Result: ``length``, ``nodes`` (uids), ``types``, ``path`` (alternating node and relationship
    elements; a relationship's ``direction`` is ``out`` when it points along the path from a to b) and
    ``text`` (e.g. ``A -[OFFERS]-> B <-[MAPS_TO]- C``)."""
    a, b = _node(store, a_uid), _node(store, b_uid)
    adj = _Adjacency(store, _check_types(rel_types))
    adj.nodes[a.uid], adj.nodes[b.uid] = a, b
    if a.uid == b.uid:
        return _path_dict(adj, [a.uid], [])
    dist = ({a.uid: 0}, {b.uid: 0})
    frontier: tuple[list[str], list[str]] = ([a.uid], [b.uid])
    depth = [0, 0]
    meet: list[str] = []
    while depth[0] + depth[1] < max_hops:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        seen, other = dist[side], dist[1 - side]
        layer: list[str] = []
        adj.expand(frontier[side])
        for u in sorted(frontier[side]):
            for v, _ in adj.links(u):
                if v not in seen:
                    seen[v] = depth[side] + 1
                    layer.append(v)
        if not layer:
            return None  # one end's component is exhausted
        depth[side] += 1
        frontier[side].clear()
        frontier[side].extend(layer)
        meet = sorted(v for v in layer if v in other)
        if meet:
            break
    if not meet:
        return None
    # The meeting nodes lie p hops from a and q from b on every shortest path.  Reconstruct the
    # lexicographically smallest path using only the links of expanded nodes (already cached).
    da, db = dist
    p = depth[0]
    layers_a: dict[int, list[str]] = {}
    for u, i in da.items():
        layers_a.setdefault(i, []).append(u)
    useful: dict[int, set[str]] = {p: set(meet)}  # forward-layer nodes on a shortest path to a meeting node
    for i in range(p, 0, -1):
        useful[i - 1] = {u for u in layers_a[i - 1] if any(v in useful[i] for v, _ in adj.links(u))}
    nodes: list[str] = [a.uid]
    rels: list[Rel] = []
    for i in range(p):  # greedy: the smallest useful node of the next forward layer
        v, r = next((v, r) for v, r in adj.links(nodes[-1]) if da.get(v) == i + 1 and v in useful[i + 1])
        nodes.append(v)
        rels.append(r)
    layers_b: dict[int, list[str]] = {}
    for u, j in db.items():
        layers_b.setdefault(j, []).append(u)
    for j in range(db[nodes[-1]] - 1, -1, -1):  # then the smallest adjacent node one layer closer to b
        x = nodes[-1]
        y = next(y for y in sorted(layers_b[j]) if any(v == x for v, _ in adj.links(y)))
        nodes.append(y)
        rels.append(adj.link(y, x))
    return _path_dict(adj, nodes, rels)


def all_paths(store: Store, a_uid: str, b_uid: str, *, k: int = 3, limit: int | None = 50,
              rel_types: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """All simple paths (no repeated node) of at most ``k`` relationships between two nodes.

    Ordered shortest first, then lexicographically by node uids, then by relationship types; at most
    ``limit``.  Parallel relationships of one type between two nodes count once (the smallest by
    identity); different types between the same two nodes give different paths.  The search runs a
    breadth-first ball of radius ``k // 2`` around b and a depth-first walk from a that is pruned
    whenever the ball proves b can no longer be reached within ``k`` hops."""
    if k < 0:
        raise ValueError("k must be ≥ 0")
    a, b = _node(store, a_uid), _node(store, b_uid)
    adj = _Adjacency(store, _check_types(rel_types))
    adj.nodes[a.uid], adj.nodes[b.uid] = a, b
    radius = k // 2
    db = {b.uid: 0}
    layer = [b.uid]
    for d in range(1, radius + 1):
        nxt = []
        adj.expand(layer)
        for u in sorted(layer):
            for v, _ in adj.links(u):
                if v not in db:
                    db[v] = d
                    nxt.append(v)
        layer = nxt

    found: list[tuple[list[str], list[Rel]]] = []
    path: list[str] = [a.uid]
    rels: list[Rel] = []
    on_path = {a.uid}

    def walk() -> None:
        u = path[-1]
        if u == b.uid:
            found.append((list(path), list(rels)))
            return
        if len(rels) >= k:
            return
        for v, r in adj.links(u):
            if v in on_path or len(rels) + 1 + db.get(v, radius + 1) > k:
                continue
            path.append(v)
            rels.append(r)
            on_path.add(v)
            walk()
            on_path.discard(v)
            path.pop()
            rels.pop()

    walk()
    found.sort(key=lambda nr: (len(nr[1]), nr[0], [r.type for r in nr[1]]))
    if limit is not None:
        found = found[:limit]
    adj.fill(u for ns, _ in found for u in ns)  # every path's nodes in one read, not path by path
    return [_path_dict(adj, ns, rs) for ns, rs in found]


# --------------------------------------------------------------------------------- who trains for
def _target(store: Store, industry: str | None, segment: str | None, chain: str | None) -> tuple[dict[str, Any], list[str]]:
    given = [(k, v) for k, v in (("industry", industry), ("segment", segment), ("chain", chain)) if v is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of industry, segment or chain")
    kind, ident = given[0]
    if kind == "industry":
        n = _entity(store, "Industry", str(ident), "industry")
        codes = _industry_codes(store, n.id)
    elif kind == "segment":
        n = _entity(store, "ChainSegment", str(ident), "chain segment")
        maps = store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=[n.id])
        codes = sorted(set(rollup(maps["dst"])))
    else:
        n = _entity(store, "IndustryChain", str(ident), "industry chain")
        codes = sorted(chain_industries(store, n.id))
    names = _names(store, "Industry", codes)
    info = {"kind": kind, "id": n.id, "name": n.name,
            "industries": [{"code": c, "name": names.get(c, "")} for c in codes]}
    return info, codes


def who_trains_for(store: Store, *, industry: str | None = None, segment: str | None = None,
                   chain: str | None = None, cities: Sequence[str] | None = None,
                   year: int | None = None) -> dict[str, Any]:
    """Institutions and majors whose graduates the crosswalk sends into an industry, segment or chain.

    Exactly one of ``industry`` (a GB/T 4754 code: finer codes are answered for their 大类, a 门类 letter
    for all its 大类), ``segment`` (the industries it MAPS_TO) or ``chain`` (those of all its segments).
    ``cities`` limits the institutions (default: every city in the graph); ``year`` the OFFERS year
    (default: the latest in scope).

    ``rows``: one per program (institution × major) with weight > 0 into the target industries —
    institution id/name, city id/name, major code/name, graduates, enrollment, ``volume`` (graduates, or
    enrollment / duration when graduates are missing, then ``estimate`` is true), ``weight`` (summed over
    the target industries), ``contribution`` = volume × weight, and ``industries`` reached.  Sorted by
    contribution descending, then institution id, then major code.  ``institutions`` sums them per
    institution, ``total`` over all."""
    target, codes = _target(store, industry, segment, chain)
    # without cities the question spans every city; only the programs of the majors the crosswalk sends
    # into the target industries are read (filtered by the store, memoised)
    scope = _scope(store, cities, year)
    sr, data_year = program_supply(store, scope.cities, year, majors=aligned_majors(store, codes))
    sr = sr[sr["industry"].isin(codes) & (sr["weight"] > 0)]
    keys = ["institution", "major"]
    per_ind = sr.groupby(keys)["industry"].agg(lambda s: ",".join(sorted(set(s)))).rename("industries")
    rows = sr.groupby(keys, as_index=False).agg(
        city=("city", "first"), graduates=("graduates", "first"), enrollment=("enrollment", "first"),
        volume=("volume", "first"), estimate=("estimate", "first"), weight=("weight", "sum"),
        contribution=("supply", "sum"))
    rows = rows.merge(per_ind.reset_index(), on=keys, how="left")
    inst = _names(store, "Institution", rows["institution"])
    major = _names(store, "Major", rows["major"])
    city = _names(store, "City", rows["city"])
    rows["institution_name"] = rows["institution"].map(inst)
    rows["major_name"] = rows["major"].map(major)
    rows["city_name"] = rows["city"].map(city)
    rows["estimate"] = rows["estimate"].astype(bool)
    for c in ("graduates", "enrollment"):
        rows[c] = pd.to_numeric(rows[c], errors="coerce").round().astype("Int64")
    # float sums depend on row order, which may differ between stores: round before ranking
    rows["weight"] = rows["weight"].round(9)
    rows["contribution"] = rows["contribution"].round(9)
    rows["industries"] = rows["industries"].fillna("").str.split(",")
    rows = rows.sort_values(["contribution", "institution", "major"], ascending=[False, True, True], kind="mergesort")
    cols = ["institution", "institution_name", "city", "city_name", "major", "major_name", "graduates",
            "enrollment", "volume", "estimate", "weight", "contribution", "industries"]
    by_inst = rows.groupby("institution", as_index=False).agg(
        institution_name=("institution_name", "first"), city=("city", "first"), city_name=("city_name", "first"),
        majors=("major", "count"), volume=("volume", "sum"), contribution=("contribution", "sum"),
        estimate=("estimate", "any"))
    by_inst["contribution"] = by_inst["contribution"].round(9)
    by_inst = by_inst.sort_values(["contribution", "institution"], ascending=[False, True], kind="mergesort")
    reason = None
    if rows.empty:
        reason = (_no_supply_reason(store, codes, scope.name, _py(data_year) if data_year is not None else year,
                                    scope.cities) if codes else f"{target['name']} 没有对应的行业 (maps to no industry)")
    return {
        "target": target, "year": _py(data_year), "cities": list(scope.cities), "scope_name": scope.name,
        "total": float(rows["contribution"].sum()), "estimates": bool(rows["estimate"].any()),
        "rows": _records(rows[cols]), "institutions": _records(by_inst), "reason": reason,
        "data_coverage": data_coverage(store, scope, year),
    }


# ------------------------------------------------------------------------------------------ who hires
_DEMAND_PROPS = ["year", "headcount", "education_level", "city_code", "major_code"]


def _demand_frame(store: Store, major: str, industries: Sequence[str], cities: Sequence[str] | None) -> pd.DataFrame:
    """The DEMANDS rows that can concern ``major``, read with the filters pushed to the store: those
    addressed to the major, industry rows naming it as ``major_code``, and industry rows without a
    ``major_code`` addressed to one of ``industries`` (Industry ids); only those of ``cities`` (by the
    row's ``city_code``) when given."""
    in_cities: dict[str, Any] = {} if cities is None else {"city_code": list(cities)}
    parts = []
    for src_label in ("City", "Enterprise"):
        to_major = store.rel_frame("DEMANDS", _DEMAND_PROPS, src_label=src_label, dst_label="Major", dst_ids=[major],
                                   where=in_cities)
        naming = store.rel_frame("DEMANDS", _DEMAND_PROPS, src_label=src_label, dst_label="Industry",
                                 where={**in_cities, "major_code": major})
        to_inds = store.rel_frame("DEMANDS", _DEMAND_PROPS, src_label=src_label, dst_label="Industry",
                                  dst_ids=industries, where=in_cities)
        to_inds = to_inds[to_inds["major_code"].isna()]  # the rows naming the major are in ``naming``
        parts += [pd.concat([naming, to_inds]).assign(src_label=src_label, target_label="Industry"),
                  to_major.assign(src_label=src_label, target_label="Major")]
    d = pd.concat(parts, ignore_index=True).rename(columns={"dst": "target"})
    d["headcount"] = pd.to_numeric(d["headcount"], errors="coerce").fillna(0.0).astype(float)
    return d


def who_hires(store: Store, major_code: str, *, cities: Sequence[str] | None = None,
              year: int | None = None) -> dict[str, Any]:
    """Where a major's graduates are wanted: industries, enterprises and talent demand.

    * ``industries``: the 大类 the major's crosswalk weights point to (its own weights, else its
      category's), with weight > 0, sorted by weight descending then code; each with the number of
      enterprises in scope and the demand headcount addressed to it.
    * ``enterprises``: enterprises in those industries, located in ``cities`` (default everywhere), with
      the industry weight, employees, their demand headcount (rows below) and ``partners`` — how many
      institutions offering this major already cooperate with them (ongoing cooperations only:
      iekg.queries.cooperation).  Sorted by weight descending,
      demand descending, employees descending, then id.
    * ``demand``: DEMANDS rows (by cities and enterprises) for this major, or for those industries
      without a different major named; ``weight`` is 1 for rows naming the major, else the crosswalk
      weight, and ``weighted`` = headcount × weight.  ``year`` filters them (default: the latest year
      among them); ``cities`` filters by the row's city.  Sorted by headcount descending, then source,
      target, education level, year, city code and major code."""
    m = _entity(store, "Major", major_code, "major")
    code = m.id
    city_list = list(_scope(store, cities, year).cities) if cities else None
    w = Weights.load(store, majors=[code]).frame
    w = w[(w["major"] == code) & (w["weight"] > 0)]  # (Weights.load does not filter majors' own weights)
    inds = w.groupby("industry", as_index=False).agg(weight=("weight", "sum"), via=("via", "first"))
    inds["weight"] = inds["weight"].round(9)
    inds = inds.sort_values(["weight", "industry"], ascending=[False, True], kind="mergesort")
    weight_of = dict(zip(inds["industry"], inds["weight"], strict=True))
    ind_ids = _industry_ids(store, weight_of)  # the industries (and finer codes) the weights point to

    # demand rows
    d = _demand_frame(store, code, ind_ids, city_list)
    for_major = ((d["target_label"] == "Major") & (d["target"] == code)) | (
        (d["target_label"] == "Industry") & (d["major_code"] == code))
    d["industry"] = rollup(d["target"]).where(d["target_label"] == "Industry")
    for_ind = (d["target_label"] == "Industry") & d["major_code"].isna() & d["industry"].isin(set(weight_of))
    d = d[for_major | for_ind].copy()
    d["weight"] = np.where(for_major[d.index], 1.0, d["industry"].map(weight_of).fillna(0.0))
    if city_list is not None:
        d = d[d["city_code"].isin(set(city_list))]
    yr = year
    if yr is None and len(d) and d["year"].notna().any():
        yr = int(pd.to_numeric(d["year"]).max())
    if yr is not None:
        d = d[pd.to_numeric(d["year"], errors="coerce") == yr]
    d["weighted"] = d["headcount"] * d["weight"]
    ind_names = _names(store, "Industry", [*weight_of, *d.loc[d["target_label"] == "Industry", "target"]])
    src_names = {lab: _names(store, lab, d.loc[d["src_label"] == lab, "src"]) for lab in ("City", "Enterprise")}
    tgt_names = {"Industry": ind_names, "Major": _names(store, "Major", d.loc[d["target_label"] == "Major", "target"])}
    d["src_name"] = [src_names[lab].get(s, s) for lab, s in zip(d["src_label"], d["src"], strict=True)]
    d["target_name"] = [tgt_names[lab].get(t, t) for lab, t in zip(d["target_label"], d["target"], strict=True)]
    d["_edu"] = d["education_level"].fillna("").astype(str)
    d["_city"] = d["city_code"].fillna("").astype(str)
    d["_major"] = d["major_code"].fillna("").astype(str)
    # the relationship's identity breaks every tie, so the order does not depend on the store's
    d = d.sort_values(["headcount", "src_label", "src", "target_label", "target", "_edu", "year", "_city", "_major"],
                      ascending=[False, True, True, True, True, True, True, True, True], kind="mergesort")
    demand_cols = ["src_label", "src", "src_name", "target_label", "target", "target_name", "industry", "year",
                   "headcount", "education_level", "city_code", "major_code", "weight", "weighted"]

    # enterprises in those industries
    ent = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", dst_label="Industry", dst_ids=ind_ids).rename(
        columns={"src": "id", "dst": "industry_code"})
    ent["industry"] = rollup(ent["industry_code"])
    ent = ent[ent["industry"].isin(set(weight_of))]
    ent = ent.merge(_locations(store, "Enterprise", ent["id"]), on="id", how="left")
    if city_list is not None:
        ent = ent[ent["city"].isin(set(city_list))]
    props = store.node_frame("Enterprise", ["name", "employees", "iei_level"], ids=_ids(ent["id"]))
    ent = ent.merge(props, on="id", how="left")
    ent["weight"] = ent["industry"].map(weight_of)
    ent["city_name"] = ent["city"].map(_names(store, "City", ent["city"]))
    ent["industry_name"] = ent["industry"].map(ind_names)
    by_ent = d[d["src_label"] == "Enterprise"].groupby("src")["headcount"].sum()
    ent["demand"] = ent["id"].map(by_ent).fillna(0.0)
    teaching = store.rel_frame("OFFERS", src_label="Institution", dst_label="Major", dst_ids=[code])["src"]
    coop = store.rel_frame("COOPERATES_WITH", ["status"], src_label="Institution", dst_label="Enterprise",
                           src_ids=_ids(teaching), dst_ids=_ids(ent["id"]))
    coop = coop[cooperation.counted(coop["status"])].drop_duplicates(["src", "dst"])  # ongoing partners only
    ent["partners"] = ent["id"].map(coop.groupby("dst")["src"].count()).fillna(0).astype(int)
    ent["employees"] = pd.to_numeric(ent["employees"], errors="coerce")
    ent = ent.sort_values(["weight", "demand", "employees", "id"], ascending=[False, False, False, True],
                          na_position="last", kind="mergesort")
    ent_cols = ["id", "name", "city", "city_name", "industry", "industry_code", "industry_name", "weight",
                "employees", "iei_level", "demand", "partners"]

    inds["name"] = inds["industry"].map(ind_names)
    inds["enterprises"] = inds["industry"].map(ent.groupby("industry")["id"].count()).fillna(0).astype(int)
    ind_demand = d[d["target_label"] == "Industry"].groupby("industry")["headcount"].sum()
    inds["demand"] = inds["industry"].map(ind_demand).fillna(0.0)
    inds["demand_data"] = inds["industry"].isin(set(ind_demand.index))  # False: no demand row (no data, not 0)
    inds = inds.rename(columns={"industry": "code"})
    cat = w["category"].dropna()
    where = "所选城市" if city_list is not None else "图中"
    reasons = {
        "industries": None if len(inds) else
        f"专业 {code} {m.name} 在对照表中没有对应行业 (no crosswalk weight for this major or its category): 在对照表中补充权重",
        "enterprises": None if len(ent) or not len(inds) else
        f"{where}没有属于这些行业（{'、'.join(str(x) for x in inds['code'][:5])}）的企业 (no enterprise in scope in those "
        "industries): 导入 enterprises 表，或去掉 --city",
        "demand": None if len(d) or not len(inds) else
        f"{where}{'' if yr is None else str(yr) + ' 年'}没有针对该专业或这些行业的需求数据 (no demand rows): 导入 talent_demand 表",
    }
    return {
        "major": {"code": code, "name": m.name, "level": m.props.get("level"),
                  "category": str(cat.iloc[0]) if len(cat) else None,
                  "weights_via": str(inds["via"].iloc[0]) if len(inds) else None},
        "year": yr, "cities": city_list,
        "industries": _records(inds[["code", "name", "weight", "via", "enterprises", "demand", "demand_data"]]),
        "enterprises": _records(ent[ent_cols]),
        "demand": _records(d[demand_cols]),
        "total_demand": float(d["headcount"].sum()), "total_weighted_demand": float(d["weighted"].sum()),
        "reasons": reasons, "reason": next((r for r in reasons.values() if r), None),
    }


# -------------------------------------------------------------------------------------------- partners
@dataclass(frozen=True)
class PartnerWeights:
    """How a partner recommendation is scored (settings; the four weights sum to 1).

    score = alignment·a + distance·d + capacity·c + existing·e, each component in [0, 1]:

    * a — alignment: the institution's supply into the enterprise's industry (Σ graduates × crosswalk
      weight over its programs, as in ``metrics.md``) divided by the largest such supply among the
      candidates, so the best-aligned candidate has 1;
    * d — distance: ``same_city`` in the same city, ``same_province`` in the same province (City PART_OF
      Province), else 0;
    * c — capacity: for an institution, log(1 + graduates in aligned majors); for an enterprise,
      log(1 + employees); divided by the candidates' largest value;
    * e — existing cooperation: 1 when an ongoing COOPERATES_WITH relationship already joins the two, else 0
      (an ended or not-begun one does not count: iekg.queries.cooperation; it is named in
      ``cooperations_left_out`` and the explanation).
    """

    alignment: float = 0.5
    distance: float = 0.25
    capacity: float = 0.15
    existing: float = 0.10
    same_city: float = 1.0
    same_province: float = 0.5


DEFAULT_PARTNER_WEIGHTS = PartnerWeights()


def _all_cities(store: Store) -> tuple[str, ...]:
    """Partner candidates come from every city in the graph (the question spans the province)."""
    return _scope(store, None, None).cities


def _distance(own_city: str | None, cities: pd.Series, provinces: dict[str, str], w: PartnerWeights) -> pd.Series:
    own_prov = provinces.get(own_city) if own_city else None
    prov = cities.map(provinces)
    same_city = cities.notna() & (cities == own_city)
    same_prov = prov.notna() & (prov == own_prov) & (own_prov is not None)
    return pd.Series(np.where(same_city, w.same_city, np.where(same_prov, w.same_province, 0.0)),
                     index=cities.index, dtype=float)


def _place(d: float, city_name: str | None, w: PartnerWeights) -> str:
    if d == w.same_city and d > 0:
        return "同城"
    if not city_name:
        return "所在地不详"
    return f"同省（{city_name}）" if d == w.same_province and d > 0 else f"异地（{city_name}）"


def _coop(store: Store, side: str, ident: str, *, left_out: bool = False) -> dict[str, list[str]]:
    """The cooperation types joining ``ident`` (an institution when ``side`` is ``src``, else an
    enterprise) to each partner at the other end: the ongoing ones (iekg.queries.cooperation), or with
    ``left_out`` the ended and not-begun ones, as 「订单班（已结束）」."""
    if side == "src":
        c = store.rel_frame("COOPERATES_WITH", ["type", "status"], src_label="Institution", src_ids=[ident])
    else:
        c = store.rel_frame("COOPERATES_WITH", ["type", "status"], dst_label="Enterprise", dst_ids=[ident])
    live = cooperation.counted(c["status"])
    c = c[~live] if left_out else c[live]
    other = "dst" if side == "src" else "src"
    out: dict[str, set[str]] = {}
    for o, t, st in zip(c[other], c["type"], cooperation.classify(c["status"]), strict=True):
        word = str(t) if _py(t) is not None else "合作"
        out.setdefault(str(o), set()).add(f"{word}（{st}）" if left_out else word)
    return {k: sorted(v) for k, v in out.items()}


def _score(frame: pd.DataFrame, w: PartnerWeights) -> pd.DataFrame:
    frame["score"] = (w.alignment * frame["alignment"] + w.distance * frame["distance"]
                      + w.capacity * frame["capacity"] + w.existing * frame["existing_score"]).round(6)
    for c in ("alignment", "distance", "capacity", "existing_score"):
        frame[c] = frame[c].round(6)
    return frame.sort_values(["score", "id"], ascending=[False, True], kind="mergesort")


def _norm(x: pd.Series) -> pd.Series:
    top = float(x.max()) if len(x) else 0.0
    return x / top if top > 0 else x * 0.0


def _majors_list(sr: pd.DataFrame, by: str, names: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Per value of ``by``: the aligned programs, largest contribution first (ties by major code).

    Only called on the rows of the candidates returned, so the loop is bounded by ``limit``."""
    s = sr.sort_values([by, "supply", "major"], ascending=[True, False, True], kind="mergesort")
    out: dict[str, list[dict[str, Any]]] = {}
    for r in _records(s[[by, "major", "volume", "weight", "supply", "estimate"]]):
        out.setdefault(r[by], []).append({
            "code": r["major"], "name": names.get(r["major"], r["major"]), "volume": r["volume"],
            "weight": r["weight"], "contribution": r["supply"], "estimate": bool(r["estimate"])})
    return out


def _majors_phrase(majors: list[dict[str, Any]], volume: float, estimate: bool) -> str:
    n = len(majors)
    top = majors[0]["name"] if majors else ""
    more = " 等" if n > 1 else ""
    est = "（部分按招生数估算）" if estimate else ""
    return f"对口专业 {n} 个（{top}{more}），年毕业生约 {round(volume)} 人{est}"


def _component_dict(r: dict[str, Any]) -> dict[str, float]:
    return {"alignment": r["alignment"], "distance": r["distance"], "capacity": r["capacity"],
            "existing": r["existing_score"]}


def partners_for_enterprise(store: Store, enterprise_id: str, *, limit: int | None = 10, year: int | None = None,
                            weights: PartnerWeights | None = None) -> dict[str, Any]:
    """Institutions that could partner with an enterprise, best first (score, then institution id).

    Candidates are the institutions with supply > 0 into the enterprise's industry (大类); see
    :class:`PartnerWeights` for the score.  Each result: id, name, city, score, ``components``,
    ``existing`` (already cooperating) and the cooperation types, the aligned ``majors``, ``supply``,
    ``volume`` (graduates in aligned majors), ``estimate`` and a Chinese ``explanation``."""
    w = weights or DEFAULT_PARTNER_WEIGHTS
    e = _entity(store, "Enterprise", enterprise_id, "enterprise")
    ind = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", src_ids=[e.id])
    codes = sorted(set(rollup(ind["dst"])))
    own_city = _locations(store, "Enterprise", [e.id])["city"]
    city = str(own_city.iloc[0]) if len(own_city) else None
    ind_names = _names(store, "Industry", codes[:1])
    # only the programs of the majors aligned to the enterprise's industry are read, from every city
    sr, data_year = program_supply(store, _all_cities(store), year, majors=aligned_majors(store, codes[:1]))
    sr = sr[(sr["industry"] == codes[0]) & (sr["weight"] > 0)] if codes else sr.iloc[:0]
    city_names = _names(store, "City", [city, *sr["city"]])
    head = {"enterprise": {"id": e.id, "name": e.name, "city": city, "city_name": city_names.get(city or "")},
            "industry": {"code": codes[0], "name": ind_names.get(codes[0], "")} if codes else None,
            "year": _py(data_year), "weights": asdict(w)}
    if not codes:
        note = "企业未登记所属行业，无法计算对口度 (the enterprise has no industry): 在 enterprises 表补充行业代码"
        return {**head, "candidates": 0, "results": [], "note": note, "reason": note}
    f = sr.groupby("institution", as_index=False).agg(
        city=("city", "first"), supply=("supply", "sum"), volume=("volume", "sum"), estimate=("estimate", "any"))
    f = f[f["supply"] > 0].rename(columns={"institution": "id"})
    f[["supply", "volume"]] = f[["supply", "volume"]].round(9)  # independent of the stores' row order
    coop = _coop(store, "dst", e.id)
    past = _coop(store, "dst", e.id, left_out=True)
    f["alignment"] = _norm(f["supply"])
    f["distance"] = _distance(city, f["city"], _provinces(store, [city, *f["city"]]), w)
    f["capacity"] = _norm(np.log1p(f["volume"]))
    f["existing_score"] = f["id"].isin(set(coop)).astype(float)
    f = _score(f, w)
    n = len(f)
    top = f.head(limit) if limit is not None else f
    top_rows = sr[sr["institution"].isin(set(top["id"]))]
    majors = _majors_list(top_rows, "institution", _names(store, "Major", top_rows["major"]))
    inst_names = _names(store, "Institution", top["id"])
    results = []
    for r in _records(top):
        types = coop.get(r["id"], [])
        ms = majors.get(r["id"], [])
        parts = [_place(r["distance"], city_names.get(r["city"] or ""), w),
                 _majors_phrase(ms, r["volume"], bool(r["estimate"]))]
        if types:
            parts.append(f"已有{'、'.join(types)}合作")
        if past.get(r["id"]):
            parts.append(f"曾有{'、'.join(past[r['id']])}合作，不计为已有合作")
        results.append({
            "id": r["id"], "uid": f"Institution:{r['id']}", "name": inst_names.get(r["id"], r["id"]),
            "city": r["city"], "city_name": city_names.get(r["city"] or ""), "score": r["score"],
            "components": _component_dict(r), "existing": bool(types), "cooperation_types": types,
            "cooperations_left_out": past.get(r["id"], []),
            "supply": r["supply"], "volume": r["volume"], "estimate": bool(r["estimate"]), "majors": ms,
            "explanation": "；".join(parts)})
    reason = None if n else _no_supply_reason(store, codes[:1], "全部城市", _py(data_year) if data_year is not None
                                               else year, _all_cities(store))
    cov = data_coverage(store, _scope(store, None, year), year)
    return {**head, "candidates": n, "results": results, "reason": reason, "data_coverage": cov}


def partners_for_institution(store: Store, institution_id: str, *, limit: int | None = 10, year: int | None = None,
                             weights: PartnerWeights | None = None) -> dict[str, Any]:
    """Enterprises that could partner with an institution, best first (score, then enterprise id).

    Candidates are the enterprises in an industry (大类) the institution supplies (programs with
    crosswalk weight > 0 and graduates).  The score mirrors :func:`partners_for_enterprise`: alignment =
    the institution's supply share into the enterprise's industry divided by the largest share among the
    candidates; capacity = log(1 + employees) normalised over the candidates (0 when unknown)."""
    w = weights or DEFAULT_PARTNER_WEIGHTS
    inst = _entity(store, "Institution", institution_id, "institution")
    own_city = _locations(store, "Institution", [inst.id])["city"]
    city = str(own_city.iloc[0]) if len(own_city) else None
    # the year is the latest of every city's programs; only this institution's programs are read
    sr, data_year = program_supply(store, _all_cities(store), year, institutions=[inst.id])
    head = {"institution": {"id": inst.id, "name": inst.name, "city": city,
                            "city_name": _names(store, "City", [city]).get(city or "")},
            "year": _py(data_year), "weights": asdict(w)}
    sr = sr[(sr["institution"] == inst.id) & (sr["weight"] > 0)]
    total = float(sr["supply"].sum())
    by_ind = sr.groupby("industry", as_index=False).agg(
        supply=("supply", "sum"), volume=("volume", "sum"), estimate=("estimate", "any"))
    by_ind = by_ind[by_ind["supply"] > 0]
    by_ind[["supply", "volume"]] = by_ind[["supply", "volume"]].round(9)  # independent of the stores' row order
    by_ind["share"] = by_ind["supply"] / total if total > 0 else 0.0
    # candidates: the enterprises of every city in those industries (the question spans the province),
    # read through the industries' IN_INDUSTRY relationships
    ent = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", dst_label="Industry",
                          dst_ids=_industry_ids(store, by_ind["industry"])).rename(
        columns={"src": "id", "dst": "industry_code"})
    ent["industry"] = rollup(ent["industry_code"])
    f = ent.merge(by_ind, on="industry")
    f = f.merge(_locations(store, "Enterprise", f["id"]), on="id", how="left")
    f = f.merge(store.node_frame("Enterprise", ["employees"], ids=_ids(f["id"])), on="id", how="left")
    f["employees"] = pd.to_numeric(f["employees"], errors="coerce")
    coop = _coop(store, "src", inst.id)
    past = _coop(store, "src", inst.id, left_out=True)
    f["alignment"] = _norm(f["share"])
    f["distance"] = _distance(city, f["city"], _provinces(store, [city, *f["city"]]), w)
    f["capacity"] = _norm(np.log1p(f["employees"].fillna(0.0)))
    f["existing_score"] = f["id"].isin(set(coop)).astype(float)
    f = _score(f, w)
    n = len(f)
    top = f.head(limit) if limit is not None else f
    top_rows = sr[sr["industry"].isin(set(top["industry"]))]
    majors = _majors_list(top_rows, "industry", _names(store, "Major", top_rows["major"]))
    ent_names = _names(store, "Enterprise", top["id"])
    city_names = _names(store, "City", [city, *top["city"]])
    ind_names = _names(store, "Industry", top["industry"])
    results = []
    for r in _records(top):
        types = coop.get(r["id"], [])
        ms = majors.get(r["industry"], [])
        emp = r["employees"]
        parts = [_place(r["distance"], city_names.get(r["city"] or ""), w),
                 f"企业属{ind_names.get(r['industry'], r['industry'])}（{r['industry']}），本校"
                 + _majors_phrase(ms, r["volume"], bool(r["estimate"])),
                 f"企业职工约 {round(emp)} 人" if emp is not None else "企业职工人数不详"]
        if types:
            parts.append(f"已有{'、'.join(types)}合作")
        if past.get(r["id"]):
            parts.append(f"曾有{'、'.join(past[r['id']])}合作，不计为已有合作")
        results.append({
            "id": r["id"], "uid": f"Enterprise:{r['id']}", "name": ent_names.get(r["id"], r["id"]),
            "city": r["city"], "city_name": city_names.get(r["city"] or ""), "industry": r["industry"],
            "industry_code": r["industry_code"], "industry_name": ind_names.get(r["industry"], ""),
            "employees": None if emp is None else int(emp), "score": r["score"],
            "components": _component_dict(r), "existing": bool(types), "cooperation_types": types,
            "cooperations_left_out": past.get(r["id"], []),
            "supply": r["supply"], "share": r["share"], "volume": r["volume"], "estimate": bool(r["estimate"]),
            "majors": ms, "explanation": "；".join(parts)})
    reason = None
    if not n:
        if by_ind.empty:
            own = program_supply(store, _all_cities(store), None, institutions=[inst.id])[0]
            reason = (f"{inst.name} {_py(data_year)} 年没有开设专业点，或其专业在对照表中没有对应行业 (no program with "
                      f"crosswalk weights in {_py(data_year)})" + (f"；该校有数据的最近年份为 {int(own['year'].max())} 年"
                                                                    if len(own) else ""))
        else:
            reason = (f"没有企业属于本校专业对应的行业（{'、'.join(by_ind['industry'].astype(str)[:5])}）"
                      "(no enterprise in those industries): 导入 enterprises 表")
    return {**head, "candidates": n, "results": results, "reason": reason,
            "data_coverage": data_coverage(store, _scope(store, None, year), year)}

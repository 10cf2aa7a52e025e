"""The ego network: the neighbourhood of any entity (1 or 2 hops), capped, with a note when capped.

:func:`gather` walks the graph and picks the neighbours shown (plain data); :func:`draw` styles them
into a page; :func:`ego_network` does both."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from iekg.graph.schema import REL_TYPES
from iekg.graph.store import Node, Store
from iekg.queries.provenance import is_illustrative
from iekg.viz.page import Frame, Page, network_page
from iekg.viz.style import (
    DEMO_MARK,
    TYPE_STYLE,
    LegendItem,
    colour,
    fmt_num,
    force,
    kind_word,
    node_colour,
    num,
    options,
    short,
    tooltip,
    type_item,
    type_name,
)
from iekg.viz.views.base import net

_STRENGTH_PROPS = ("graduates", "headcount", "count", "students", "enrollment", "employees")


@dataclass
class Link:
    """The relationships of one type and direction between two nodes, drawn as one line."""

    type: str
    src: str
    dst: str
    n: int = 0
    years: set[int] = field(default_factory=set)
    props: dict[str, Any] = field(default_factory=dict)  # the latest relationship's properties
    strength: float = 0.0
    illustrative: bool = False

    def add(self, props: dict[str, Any]) -> None:
        """Count one more relationship (its year, its strength: graduates, headcount …)."""
        self.n += 1
        y = props.get("year")
        if isinstance(y, int | float) and y == y:
            self.years.add(int(y))
        if not self.props or (y is not None and max(self.years, default=0) <= num(y)):
            self.props = props
        self.strength += sum(num(props.get(k)) for k in _STRENGTH_PROPS)
        self.illustrative |= is_illustrative(props)


@dataclass
class EgoData:
    """What the ego network shows: the centre, the nodes of each ring, the lines between shown nodes."""

    centre: Node
    hops: int
    cap: int
    nodes: dict[str, Node]  # shown, centre first
    ring: dict[str, int]  # uid -> 0, 1 or 2
    links: list[Link]
    per_type: dict[str, int]  # the centre's relationships per type
    total_first: int
    total_second: int
    expanded: int  # first-ring nodes whose neighbours were read


def _links(store: Store, uid: str) -> tuple[dict[str, list[Link]], dict[str, Node]]:
    """The relationships at ``uid`` grouped per other node (one Link per type and direction)."""
    per: dict[tuple[str, str, str], Link] = {}
    others: dict[str, Node] = {}
    for r, other in store.neighbours(uid):
        if other.uid == uid:
            continue
        k = (r.type, r.src, r.dst)
        if k not in per:
            per[k] = Link(r.type, r.src, r.dst)
        per[k].add(r.props)
        others[other.uid] = other
    grouped: dict[str, list[Link]] = defaultdict(list)
    for e in per.values():
        grouped[e.dst if e.src == uid else e.src].append(e)
    return grouped, others


def _round_robin(groups: dict[tuple[str, str], list[str]], k: int) -> list[str]:
    """Up to ``k`` items taking one from each group in turn (each group already ordered)."""
    out: list[str] = []
    seen: set[str] = set()
    queues = [list(v) for _, v in sorted(groups.items())]
    while len(out) < k and any(queues):
        for q in queues:
            while q and q[0] in seen:
                q.pop(0)
            if q and len(out) < k:
                x = q.pop(0)
                out.append(x)
                seen.add(x)
    return out


def _order(cands: dict[str, list[Link]], of: str) -> dict[tuple[str, str], list[str]]:
    """The neighbours of ``of`` grouped by relationship type and direction, strongest first."""
    groups: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    for o, es in cands.items():
        e = max(es, key=lambda x: (x.strength, x.n))
        groups[(e.type, "out" if e.src == of else "in")].append((-sum(x.strength + x.n for x in es), o))
    return {k: [o for _, o in sorted(v)] for k, v in groups.items()}


def _second_ring(store: Store, cu: str, ring1: list[str], nodes: dict[str, Node], quota: int
                 ) -> tuple[list[str], list[Link], int, int]:
    """The neighbours of the first ring linked to most of it: (ring, its links and the inner links,
    how many candidates, how many first-ring nodes were read)."""
    inner = set(ring1) | {cu}
    cand: dict[str, float] = defaultdict(float)
    cand_links: dict[str, list[Link]] = defaultdict(list)
    inner_links: list[Link] = []
    expanded = 0
    for o in ring1:
        lk, others = _links(store, o)
        expanded += 1
        for x, es in lk.items():
            if x == cu:
                continue
            if x in inner:
                inner_links += es
                continue
            nodes.setdefault(x, others[x])
            cand[x] += 1000.0 + sum(e.strength for e in es)
            cand_links[x] += es
    ring2 = [x for x, _ in sorted(cand.items(), key=lambda kv: (-kv[1], kv[0]))[: min(len(cand), quota)]]
    return ring2, inner_links + [e for x in ring2 for e in cand_links[x]], len(cand), expanded


def gather(store: Store, uid: str, *, hops: int = 1, cap: int = 150) -> EgoData:
    """Walk the neighbourhood of one entity and keep at most ``cap`` nodes.

    Parameters
    ----------
    store : Store
        The graph.
    uid : str
        ``Label:id``, or an id or exact name (resolved as ``iekg show`` does).
    hops : int
        1 or 2.
    cap : int
        At most this many nodes (at least 2): neighbours taken in turn from each relationship type.

    Returns
    -------
    EgoData
        The centre, the rings and the lines between the nodes shown.
    """
    from iekg import service

    if hops not in (1, 2):
        raise ValueError("hops must be 1 or 2")
    if cap < 2:
        raise ValueError("cap must be at least 2")
    centre = store.get(uid) if ":" in uid else None
    if centre is None:
        centre = service.resolve(store, uid)
    if centre is None:
        raise LookupError(f"{uid} is not in the graph")
    cu = centre.uid

    links1, nodes = _links(store, cu)
    nodes[cu] = centre
    total1 = len(links1)
    groups1 = _order(links1, cu)
    room = cap - 1
    ring1 = _round_robin(groups1, min(total1, room if hops == 1 else max(1, room // 2)))
    edges: dict[tuple[str, str, str], Link] = {}
    for o in ring1:
        for e in links1[o]:
            edges[(e.type, e.src, e.dst)] = e

    ring2: list[str] = []
    total2 = expanded = 0
    if hops == 2:
        ring2, more_links, total2, expanded = _second_ring(store, cu, ring1, nodes, room - len(ring1))
        for e in more_links:
            edges[(e.type, e.src, e.dst)] = e
        spare = room - len(ring1) - len(ring2)
        if spare > 0 and total1 > len(ring1):  # the second ring was small: show more of the first
            more = _round_robin({k: [o for o in v if o not in set(ring1)] for k, v in groups1.items()}, spare)
            ring1 += more
            for o in more:
                for e in links1[o]:
                    edges[(e.type, e.src, e.dst)] = e

    ring = {cu: 0, **{u: 1 for u in ring1}, **{u: 2 for u in ring2}}
    shown = [cu, *ring1, *ring2]
    per_type: dict[str, int] = defaultdict(int)
    for es in links1.values():
        for e in es:
            per_type[e.type] += e.n
    return EgoData(centre=centre, hops=hops, cap=cap, nodes={u: nodes[u] for u in shown}, ring=ring,
                   links=[e for e in edges.values() if e.src in ring and e.dst in ring], per_type=dict(per_type),
                   total_first=total1, total_second=total2, expanded=expanded)


def _node_rows(n: Node) -> list[tuple[str, Any]]:
    p = n.props
    rows: list[tuple[str, Any]] = []
    for key, zh in (("level", "层次 level"), ("kind", "类型 kind"), ("position", "环节位置 position"),
                    ("employees", "从业人数 employees"), ("iei_level", "产教融合型企业 IEI level"),
                    ("stations", "工位 stations"), ("gdp", "GDP"), ("population", "人口 population"),
                    ("date", "日期 date"), ("status", "状态 status"), ("deadline", "时限 deadline")):
        if p.get(key) not in (None, ""):
            v = p[key]
            rows.append((zh, fmt_num(v) if isinstance(v, int | float) and not isinstance(v, bool) else v))
    rows.append(("数据 data", kind_word(p.get("source_kind"))))
    return rows


def _edge_title(e: Link, names: dict[str, str]) -> str:
    spec = REL_TYPES.get(e.type)
    head = f"{spec.zh if spec else ''} {e.type}: {names.get(e.src, e.src)} → {names.get(e.dst, e.dst)}"
    lines = [head]
    if e.n > 1:
        span = f"{min(e.years)}–{max(e.years)}" if len(e.years) > 1 else ""
        lines.append(f"{e.n} 条关系 relationships {span}".rstrip())
    shown = {k: v for k, v in e.props.items() if not k.startswith("source") and v not in (None, "")}
    for k, v in list(shown.items())[:8]:
        lines.append(f"{k}: {fmt_num(v, 2 if isinstance(v, float) and v < 10 else 0) if isinstance(v, int | float) and not isinstance(v, bool) else v}")
    return "\n".join(lines)


def _add_nodes(g: Any, d: EgoData) -> None:
    for u, n in d.nodes.items():
        ring = d.ring[u]
        fill = colour(n.label)
        node_rows = _node_rows(n)
        if ring:
            node_rows.append(("距离 hops", str(ring)))
        else:
            node_rows += [(f"{REL_TYPES[t].zh if t in REL_TYPES else ''} {t}", fmt_num(k))
                          for t, k in sorted(d.per_type.items(), key=lambda kv: (-kv[1], kv[0]))]
        g.add_node(u, label=short(n.name.replace(DEMO_MARK, ""), 14), shape="dot",
                   size=30 if ring == 0 else (15 if ring == 1 else 9),
                   color=node_colour(fill, "#1f2a33" if ring == 0 else fill), borderWidth=4 if ring == 0 else 1.5,
                   font={"size": 18 if ring == 0 else (13 if ring == 1 else 11)},
                   title=tooltip(n.name, f"{type_name(n.label)} · {n.id}", node_rows), uid=u, kind=n.label,
                   mass=3 if ring == 0 else 1, **({"x": 0, "y": 0, "fixed": True} if ring == 0 else {}))


def draw(d: EgoData, *, link_prefix: str | None = None) -> Page:
    """Style :func:`gather`'s data into the ego network page, the centre fixed in the middle.

    ``link_prefix``: see :mod:`iekg.viz.views`.  The page's ``meta`` says whether it was capped and how
    many neighbours there are in each ring.
    """
    g = net()
    _add_nodes(g, d)
    cu, centre = d.centre.uid, d.centre
    names = {u: n.name for u, n in d.nodes.items()}
    label_edges = len(d.links) <= 60
    for e in sorted(d.links, key=lambda x: (x.type, x.src, x.dst)):
        spec = REL_TYPES.get(e.type)
        at_centre = cu in (e.src, e.dst)
        g.add_edge(e.src, e.dst, color="rgba(60,70,80,0.6)" if at_centre else "rgba(120,130,140,0.28)",
                   width=(1.2 if at_centre else 0.6) + min(2.5, math.log10(1 + e.n)),
                   title=_edge_title(e, names), label=(spec.zh if spec else e.type) if label_edges else None)

    ring1 = sum(1 for r in d.ring.values() if r == 1)
    ring2 = sum(1 for r in d.ring.values() if r == 2)
    capped = len(d.nodes) < 1 + d.total_first + d.total_second
    notes = []
    if capped:
        more2 = (f"，2 跳 2-hop {ring2}/{'≥' if d.expanded < d.total_first else ''}{d.total_second}"
                 if d.hops == 2 else "")
        notes.append(f"已截断 capped：显示 {len(d.nodes)} 个节点（上限 {d.cap}），1 跳 1-hop {ring1}/{d.total_first}"
                     f"{more2}；每类关系轮流保留规模最大的邻居 · showing at most {d.cap} nodes, largest neighbours of "
                     f"each relationship type in turn")
    present = sorted({n.label for n in d.nodes.values()},
                     key=lambda x: list(TYPE_STYLE).index(x) if x in TYPE_STYLE else 99)
    legend = [LegendItem("中心", f"centre: {type_name(centre.label)}", colour(centre.label), "#1f2a33", "dot", 3)]
    legend += [type_item(lab) for lab in present]
    legend.append(LegendItem("关系", "relationship (tooltip: type and figures)", "rgba(90,100,110,0.8)", shape="line"))
    illustrative = any(is_illustrative(n.props) for n in d.nodes.values()) or any(e.illustrative for e in d.links)
    frame = Frame(title=f"{centre.name} · 关系网络", subtitle=f"{type_name(centre.label)} {centre.id} · "
                  f"ego network, {d.hops} 跳 hop{'s' if d.hops == 2 else ''}", legend=legend, notes=notes, kind="ego",
                  illustrative=illustrative, link_prefix=link_prefix,
                  legend_notes=["中心节点最大，1 跳次之，2 跳最小；同一对节点之间的多条关系合并为一条线。",
                                "Largest: centre; then 1 hop, 2 hops. Several relationships between two nodes are one line."])
    n = len(d.nodes)
    page = network_page(frame, g.nodes, g.edges, options(physics=force(n), n=n, smooth={"type": "continuous"}))
    page.meta.update(uid=cu, hops=d.hops, cap=d.cap, capped=capped, total_first=d.total_first,
                     total_second=d.total_second)
    return page


def ego_network(store: Store, uid: str, *, hops: int = 1, cap: int = 150, link_prefix: str | None = None) -> Page:
    """The neighbourhood of one entity: its relationships (``hops=1``) and their neighbours' (``hops=2``).

    ``uid`` is ``Label:id`` (an id or exact name is resolved as ``iekg show`` does).  At most ``cap``
    nodes are drawn: the neighbours are taken in turn from each relationship type (largest first:
    graduates, headcount, …), and with two hops the second ring keeps the nodes linked to most of the
    first; a note says how many were left out.  Several relationships between the same two nodes
    (e.g. OFFERS of several years) are drawn as one line, their count in the tooltip.

    Arguments (store, uid, hops, cap, link_prefix):
    as :func:`gather` and :func:`draw`.

    Returns
    -------
    Page
        The neighbourhood page, offline HTML with the
        vis-network library inlined.
    """
    return draw(gather(store, uid, hops=hops, cap=cap), link_prefix=link_prefix)

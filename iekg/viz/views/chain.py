"""The chain view: a chain's segments upstream → downstream (FEEDS), coloured by the supply–demand status
of their industries, with the institutions that train for each segment beneath them.

:func:`gather` reads the graph and sums the figures (plain data); :func:`draw` lays them out and styles
them into a page; :func:`chain_view` does both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import rollup
from iekg.queries.alignment import Thresholds, alignment, status_of
from iekg.queries.facts import ScopeData
from iekg.queries.provenance import is_illustrative, scope_is_illustrative
from iekg.queries.scope import entity_of, located_in, names_of, resolve_scope
from iekg.viz.page import Frame, Page, network_page
from iekg.viz.style import (
    GAP_STATUSES,
    STATUS_STYLE,
    LegendItem,
    colour,
    fmt_num,
    kind_word,
    node_colour,
    num,
    options,
    ratio,
    short,
    status_words,
    tooltip,
    type_name,
    width,
)
from iekg.viz.views.base import net, records

COL_W, ROW_H, GAP, INST_H = 330.0, 125.0, 150.0, 46.0  # the grid (px): column, row, gap, institution row
POSITION_RANK = {"上游": 0, "upstream": 0, "中游": 1, "midstream": 1, "下游": 2, "downstream": 2}


@dataclass
class ChainData:
    """What the chain view shows.

    ``segments`` is ``{id: record}`` (name, position, industries, supply, demand, status …);
    ``industries`` the alignment record of each industry; ``links`` the institution → segment
    supplies shown (at most ``per_segment`` per segment, ``hidden`` more left out)."""

    chain: str
    name: str
    cities: list[str]
    city_names: dict[str, str]
    scope_note: str | None
    year: int | None
    per_segment: int
    segments: dict[str, dict[str, Any]]
    feeds: list[tuple[str, str]]
    industries: dict[str, dict[str, Any]]
    industry_names: dict[str, str]
    shared: dict[str, list[str]]  # industry -> the segments sharing it
    chain_supply: float
    chain_demand: float
    institutions: dict[str, dict[str, Any]]
    links: list[tuple[str, str, float]]
    hidden: int
    illustrative: bool


def _segment(info: dict[str, Any], inds: list[str], fig: dict[str, dict[str, Any]], here: pd.DataFrame,
             t: Thresholds) -> dict[str, Any]:
    """A segment's record: its industries' supply and demand summed, its status, its local enterprises."""
    sv = sum(num(fig.get(c, {}).get("supply")) for c in inds)
    dv = sum(num(fig.get(c, {}).get("demand")) for c in inds)
    # demand of industries without any demand row is no data, not 0
    no_data = bool(inds) and all(fig.get(c, {}).get("demand_data") is False for c in inds)
    return {"name": str(info.get("name") or ""), "position": info.get("position"),
            "source_kind": info.get("source_kind"), "industries": inds, "supply": sv, "demand": dv,
            "no_demand_data": no_data, "status": status_of(sv, dv, t), "enterprises": len(here),
            "leads": int((here["role"] == "链主").sum())}


def gather(store: Store, chain: str, *, cities: Sequence[str] | None = None, year: int | None = None,
           per_segment: int = 5) -> ChainData:
    """Read a chain's segments, their supply and demand and the institutions training for them.

    Parameters
    ----------
    store : Store
        The graph.
    chain : str
        Chain id.
    cities : sequence of str, optional
        Where supply and demand are counted: default the cities that focus on the chain, else all cities.
    year : int, optional
        Default the latest year with programs.
    per_segment : int
        The largest suppliers kept per segment.

    Returns
    -------
    ChainData
        The segments with their figures, FEEDS, and the institution → segment supplies kept.
    """
    ch = entity_of(store, "IndustryChain", chain, "chain")
    chain = ch.id
    part = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=[chain])
    segs = sorted(part["src"])
    if not segs:
        raise LookupError(f"chain {chain} has no segments in the graph")
    seg_info = records(store.node_frame("ChainSegment", ["name", "position", "source_kind"], ids=segs))
    feeds = store.rel_frame("FEEDS", src_label="ChainSegment", dst_label="ChainSegment", src_ids=segs, dst_ids=segs)
    feeds = feeds.sort_values(["src", "dst"]).reset_index(drop=True)
    maps = store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=segs)
    maps = maps.assign(industry=rollup(maps["dst"]))
    seg_inds = {s: sorted(set(g["industry"])) for s, g in maps.groupby("src")}

    if cities:
        city_list = list(dict.fromkeys(cities))
        scope_note = None
    else:
        focus = store.rel_frame("FOCUSES_ON", src_label="City", dst_ids=[chain])
        city_list = sorted(set(focus["src"]))
        scope_note = "重点发展该链的城市 cities focusing on the chain"
        if not city_list:  # no city focuses on the chain: its supply and demand across the province
            city_list = sorted(store.node_frame("City")["id"].astype(str))
            scope_note = "全部城市 all cities (no city focuses on this chain)"
    scope = resolve_scope(store, cities=city_list, year=year, chain=chain)
    data = ScopeData.gather(store, scope)
    align = alignment(store, scope)
    t = Thresholds(**align["thresholds"])
    ind_fig = {i["code"]: i for i in align["industries"]}
    city_names = names_of(store, "City", city_list)

    ins = store.rel_frame("IN_SEGMENT", ["role"], src_label="Enterprise", dst_label="ChainSegment", dst_ids=segs)
    eloc = located_in(store, "Enterprise", cities=city_list, ids=sorted(set(ins["src"])))
    ins = ins[ins["src"].isin(set(eloc["id"]))]
    segments = {s: _segment(seg_info.get(s, {}), seg_inds.get(s, []), ind_fig, ins[ins["dst"] == s], t) for s in segs}
    for s, r in segments.items():
        r["name"] = r["name"] or s

    # an industry several segments map to is shown in each of them: marked, and counted once in the chain total
    sharing: dict[str, list[str]] = defaultdict(list)
    for s in segs:
        for c in seg_inds.get(s, []):
            sharing[c].append(s)

    # institutions training for each segment
    sup = data.supply_rows[data.supply_rows["weight"] > 0]
    inst_info = records(store.node_frame("Institution", ["name", "level", "source_kind"],
                                         ids=sorted(set(sup["institution"]))))
    links: list[tuple[str, str, float]] = []
    hidden = 0
    for s in segs:
        per_seg = sup[sup["industry"].isin(set(seg_inds.get(s, [])))].groupby("institution")["supply"].sum()
        ranked = per_seg.sort_values(ascending=False, kind="mergesort")
        ranked = ranked[ranked > 0]
        top = sorted(((str(i), float(v)) for i, v in ranked.items()), key=lambda kv: (-kv[1], kv[0]))[:per_segment]
        hidden += max(0, len(ranked) - per_segment)
        links += [(inst, s, v) for inst, v in top]
    inst_city = data.programs.drop_duplicates("institution").set_index("institution")["city"]
    institutions: dict[str, dict[str, Any]] = {}
    for inst, s, v in links:
        info = inst_info.get(inst, {})
        r = institutions.setdefault(inst, {"name": str(info.get("name") or inst), "level": info.get("level"),
                                           "source_kind": info.get("source_kind"), "supply": 0.0, "trains_for": [],
                                           "city": city_names.get(str(inst_city.get(inst, "")))})
        r["supply"] += v
        r["trains_for"].append(segments[s]["name"])
    return ChainData(
        chain=chain, name=ch.name, cities=city_list, city_names=city_names, scope_note=scope_note, year=data.year,
        per_segment=per_segment, segments=segments, feeds=list(zip(feeds["src"], feeds["dst"], strict=True)),
        industries=ind_fig, industry_names=names_of(store, "Industry", maps["industry"]),
        shared={c: sorted(v) for c, v in sharing.items() if len(v) > 1},
        chain_supply=sum(num(ind_fig.get(c, {}).get("supply")) for c in sharing),
        chain_demand=sum(num(ind_fig.get(c, {}).get("demand")) for c in sharing),
        institutions=institutions, links=links, hidden=hidden,
        illustrative=scope_is_illustrative(store, city_list)
        or any(is_illustrative(r) for r in [*segments.values(), *institutions.values()]))


def _depths(d: ChainData) -> dict[str, int]:
    """Column of each segment: the longest FEEDS path reaching it, at least its position's rank."""
    depth = {s: POSITION_RANK.get(str(r["position"] or ""), 0) for s, r in d.segments.items()}
    edges = [(a, b) for a, b in d.feeds if a in depth and b in depth and a != b]
    for _ in range(len(depth)):  # relax; a cycle stops after len(segments) rounds
        changed = False
        for a, b in edges:
            if depth[b] < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    return depth


def _segment_title(d: ChainData, s: str, dv_text: str) -> str:
    r = d.segments[s]
    st = r["status"]
    leads = r["leads"]
    rows = [("环节位置 position", r["position"]),
            ("供给 supply", fmt_num(r["supply"])), ("需求 demand", dv_text),
            ("供需比 ratio s/d", ratio(r["supply"], r["demand"])), ("状态 status", status_words(st)),
            ("本地企业 local enterprises", f"{r['enterprises']}" + (f"（链主 lead {leads}）" if leads else "")),
            ("对应行业 industries", "")]
    lines = tooltip(r["name"], f"{type_name('ChainSegment')} · {s}", rows).splitlines()
    for c in r["industries"]:
        f = d.industries.get(c, {})
        others = [d.segments[o]["name"] for o in d.shared.get(c, []) if o != s]
        need = "无数据 no data" if f.get("demand_data") is False else fmt_num(f.get("demand"))
        lines.append(f"  {c} {d.industry_names.get(c, '')}: 供 {fmt_num(f.get('supply'))} / 需 {need}"
                     f" · {status_words(f.get('status', 'none'))}"
                     + (f" *与「{'」「'.join(others)}」共用，全额显示在每个环节，相加会重复计算 (shared: do not add up)"
                        if others else ""))
    if r["supply"] == 0:
        lines.append("⚠ 没有本地专业供给 no local major supplies this segment")
    return "\n".join(lines)


def _add_segments(g: Any, d: ChainData, seg_xy: dict[str, tuple[float, float]], depth: dict[str, int]) -> None:
    for s in sorted(d.segments, key=lambda x: (depth[x], x)):
        r = d.segments[s]
        st, sv = r["status"], r["supply"]
        dv_text = "无数据" if r["no_demand_data"] else fmt_num(r["demand"])
        style = STATUS_STYLE.get(st, STATUS_STYLE["none"])
        mark = "*" if any(c in d.shared for c in r["industries"]) else ""
        label = f"{short(r['name'], 30)}\n供 {fmt_num(sv)}{mark} · 需 {dv_text}{mark}"
        g.add_node(f"ChainSegment:{s}", label=label, shape="box", x=seg_xy[s][0], y=seg_xy[s][1],
                   color=node_colour(style["fill"], style["border"]), borderWidth=3.5 if st in GAP_STATUSES else 1.5,
                   shapeProperties={"borderDashes": [6, 4] if sv == 0 else False},
                   margin=10, widthConstraint={"maximum": 210}, font={"size": 15, "multi": False},
                   title=_segment_title(d, s, dv_text), uid=f"ChainSegment:{s}", kind="ChainSegment")
    for a, b in d.feeds:
        g.add_edge(f"ChainSegment:{a}", f"ChainSegment:{b}", color="#4f5b66", width=2.2,
                   title=f"上下游衔接 feeds: {d.segments[a]['name']} → {d.segments[b]['name']}",
                   arrows={"to": {"enabled": True, "scaleFactor": 0.8}})


def _add_institutions(g: Any, d: ChainData, seg_xy: dict[str, tuple[float, float]]) -> None:
    """Each institution beneath the segment it supplies most, its lines to every segment it trains for."""
    seg_bottom = max(y for _, y in seg_xy.values())
    vmax = max((v for _, _, v in d.links), default=0.0)
    main_seg: dict[str, str] = {}
    for inst, s, _v in sorted(d.links, key=lambda x: (-x[2], x[0], x[1])):
        main_seg.setdefault(inst, s)
    stacked: dict[float, int] = defaultdict(int)
    for inst in sorted(d.institutions, key=lambda i: (-d.institutions[i]["supply"], i)):
        r = d.institutions[inst]
        x = seg_xy[main_seg[inst]][0]
        y = seg_bottom + GAP + stacked[x] * INST_H
        stacked[x] += 1
        rows = [("城市 city", r["city"]), ("层次 level", r["level"]),
                ("对本链供给 supply to this chain", fmt_num(r["supply"], 1)),
                ("培养对口环节 trains for", "、".join(short(x, 12) for x in r["trains_for"])),
                ("数据 data", kind_word(r["source_kind"]))]
        g.add_node(f"Institution:{inst}", label=short(r["name"], 14), shape="box", x=x, y=y,
                   color=node_colour("#e3edf7", colour("Institution")), font={"size": 13},
                   margin=7, title=tooltip(r["name"], f"{type_name('Institution')} · {inst}", rows),
                   uid=f"Institution:{inst}", kind="Institution")
    for inst, s, v in d.links:
        same = seg_xy[s][0] == seg_xy[main_seg[inst]][0]
        g.add_edge(f"Institution:{inst}", f"ChainSegment:{s}", color="rgba(47,102,144,0.45)",
                   width=width(v, vmax, 0.8, 4.5),
                   smooth={"type": "curvedCCW", "roundness": 0.35} if same else
                   {"type": "cubicBezier", "forceDirection": "vertical", "roundness": 0.5},
                   title=f"对口供给 aligned supply: {d.institutions[inst]['name']} → "
                         f"{d.segments[s]['name']}\n{fmt_num(v, 1)} 人 (毕业生 × 对应权重)")


def draw(d: ChainData, *, link_prefix: str | None = None) -> Page:
    """Lay :func:`gather`'s data out in columns, upstream → downstream, each column's institutions beneath
    it (a fixed layout), and style it into the chain page (``link_prefix``: see :mod:`iekg.viz.views`).

    Returns
    -------
    Page
        With ``meta``: statuses, uncovered segments, chain totals.
    """
    depth = _depths(d)
    columns = sorted(set(depth.values()))
    col_x = {c: i * COL_W for i, c in enumerate(columns)}
    seg_xy: dict[str, tuple[float, float]] = {}
    for c in columns:
        for k, s in enumerate(sorted(x for x in d.segments if depth[x] == c)):
            seg_xy[s] = (col_x[c], k * ROW_H)
    g = net()
    _add_segments(g, d, seg_xy, depth)
    _add_institutions(g, d, seg_xy)

    seg_status = {s: d.segments[s]["status"] for s in sorted(d.segments, key=lambda x: (depth[x], x))}
    uncovered = [s for s, r in d.segments.items() if r["status"] == "unmet" or all(
        num(d.industries.get(c, {}).get("supply")) == 0 for c in r["industries"])]
    notes = []
    if d.shared:
        notes.append(f"* {len(d.shared)} 个行业同时对应多个环节，其供需在每个环节全额显示，各环节相加会重复计算；全链去重合计："
                     f"供 {fmt_num(d.chain_supply)} 人 · 需 {fmt_num(d.chain_demand)} 人 · * industries shared by several "
                     f"segments are shown in full in each; the chain total counts each once")
    if d.hidden:
        notes.append(f"每个环节显示供给最多的 {d.per_segment} 所院校（另有 {d.hidden} 条院校—环节供给未显示）· "
                     f"the {d.per_segment} largest suppliers of each segment are shown ({d.hidden} more links not shown)")
    scope_words = "、".join(d.city_names.get(c, c) for c in d.cities[:6]) + (" 等" if len(d.cities) > 6 else "")
    subtitle = (f"{d.name} chain · 上游 → 下游 upstream → downstream · 供需范围 scope: {scope_words}"
                f"{'（' + d.scope_note + '）' if d.scope_note else ''} · {d.year or ''} · "
                f"未覆盖环节 uncovered segments {len(uncovered)}/{len(d.segments)}")
    legend = [LegendItem("院校", "institution (trains for the segment)", "#e3edf7", colour("Institution"), "box", 2),
              *[LegendItem(f"环节：{STATUS_STYLE[s]['zh']}", f"segment: {STATUS_STYLE[s]['en']}", STATUS_STYLE[s]["fill"],
                           STATUS_STYLE[s]["border"], "box", 3 if s in GAP_STATUSES else 2)
                for s in ("unmet", "shortage", "balanced", "surplus", "no_demand", "none")
                if s in ("unmet", "shortage", "balanced", "surplus") or s in seg_status.values()],
              LegendItem("上下游衔接", "feeds (upstream → downstream)", "#4f5b66", shape="line", width=3),
              LegendItem("对口供给", "aligned supply (width = people)", "rgba(47,102,144,0.7)", shape="line", width=3)]
    frame = Frame(title=f"{d.name}产业链 · 人才供需", subtitle=subtitle, legend=legend, notes=notes, kind="chain",
                  illustrative=d.illustrative, link_prefix=link_prefix,
                  legend_notes=["环节的供给、需求为其对应行业（GB/T 4754 大类）之和；虚线框：没有本地专业供给。",
                                "A segment's supply and demand sum its industries; dashed border: no local supply."])
    opts = options(physics={"enabled": False}, n=len(g.nodes), smooth={"type": "cubicBezier",
                   "forceDirection": "horizontal", "roundness": 0.45},
                   layout={"improvedLayout": False, "randomSeed": 20220729})
    page = network_page(frame, g.nodes, g.edges, opts)
    page.meta.update(chain=d.chain, cities=d.cities, year=d.year, segments=len(d.segments), uncovered=uncovered,
                     statuses=seg_status, capped=bool(d.hidden), shared_industries=d.shared,
                     chain_supply=d.chain_supply, chain_demand=d.chain_demand)
    return page


def chain_view(store: Store, chain: str, *, cities: Sequence[str] | None = None, year: int | None = None,
               per_segment: int = 5, link_prefix: str | None = None) -> Page:
    """A chain's segments from upstream (left) to downstream (right) along FEEDS, each coloured by the
    supply–demand status of the industries it maps to (supply and demand summed over them, in the given
    cities: default the cities that focus on the chain, else all cities), with up to ``per_segment``
    institutions that train for each segment (supply = graduates × crosswalk weight, metrics.md).

    Arguments (store, chain, cities, year, per_segment, link_prefix):
    as :func:`gather` and :func:`draw`.

    Returns
    -------
    Page
        The chain page (offline HTML).
    """
    data = gather(store, chain, cities=cities, year=year, per_segment=per_segment)
    return draw(data, link_prefix=link_prefix)

"""Network pictures of the graph (pyvis builds the nodes and edges; :mod:`iekg.viz.page` frames them).

* :func:`city_network` — a city's institutions → majors (or major categories) → industries ← enterprises,
  coloured by type, sized by volume, the industries with a supply–demand gap and their lines highlighted.
* :func:`chain_view` — a chain's segments upstream → downstream (FEEDS), coloured by the supply–demand
  status of their industries in the given cities, with the institutions that train for each segment.
* :func:`ego_network` — the neighbourhood of any entity (1 or 2 hops), capped, with a note when capped.
* :func:`alliance_view` — an alliance, its lead and members, their cities and industries.

Every function returns a :class:`~iekg.viz.page.Page` (a complete HTML ``str`` with ``write(path)``) and
talks to the graph only through the :class:`~iekg.graph.store.Store` interface and the query functions.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pyvis.network import Network

from iekg.graph.schema import REL_TYPES
from iekg.graph.store import Node, Store
from iekg.queries.alignment import (
    ScopeData,
    Thresholds,
    alignment,
    resolve_scope,
    rollup,
    scope_enterprises,
    status_of,
)
from iekg.queries.cooperation import inactive_words
from iekg.viz.page import (
    EDGE_GREY,
    FONT,
    GAP_STATUSES,
    SOURCE_KIND_ZH,
    STATUS_STYLE,
    TYPE_STYLE,
    Frame,
    LegendItem,
    Page,
    fmt_num,
    network_page,
    short,
    tooltip,
    type_name,
)

ILLUSTRATIVE = "illustrative"
ENT_EDGE = "rgba(110,78,46,0.55)"  # enterprise → industry (brown, apart from the surplus amber)
CHAIN_COL_W, CHAIN_ROW_H, CHAIN_GAP, CHAIN_INST_H = 330.0, 125.0, 150.0, 46.0  # chain view grid (px)
POSITION_RANK = {"上游": 0, "upstream": 0, "中游": 1, "midstream": 1, "下游": 2, "downstream": 2}


# ------------------------------------------------------------------------------------------ helpers
def _net() -> Network:
    # only pyvis's node and edge bookkeeping is used; its template (CDN loads) never is
    return Network(directed=True, cdn_resources="in_line")


def _colour(label: str) -> str:
    return TYPE_STYLE.get(label, {"color": "#888"})["color"]


def _node_colour(fill: str, border: str | None = None) -> dict[str, Any]:
    b = border or fill
    return {"background": fill, "border": b, "highlight": {"background": fill, "border": "#111"},
            "hover": {"background": fill, "border": "#111"}}


def _size(v: float, vmax: float, lo: float = 8.0, hi: float = 34.0) -> float:
    if not vmax or v is None or v != v or v <= 0:
        return lo
    return round(lo + (hi - lo) * math.sqrt(min(1.0, v / vmax)), 2)


def _font(size: float, lo: int = 12, k: float = 0.85) -> dict[str, Any]:
    """Label size growing with the node, so the big nodes stay legible when the whole network is shown."""
    return {"size": int(round(max(lo, size * k)))}


def _width(v: float, vmax: float, lo: float = 0.6, hi: float = 6.0) -> float:
    return _size(v, vmax, lo, hi)


def _options(*, physics: dict[str, Any] | bool, layout: dict[str, Any] | None = None, n: int = 0,
             smooth: Any = False, font_size: int = 14) -> dict[str, Any]:
    return {
        "autoResize": True,
        "nodes": {"font": {"face": FONT, "size": font_size, "color": "#1f2a33", "strokeWidth": 4,
                           "strokeColor": "#ffffff"},
                  "borderWidth": 1.5, "borderWidthSelected": 3},
        "edges": {"smooth": smooth, "color": {"inherit": False}, "selectionWidth": 2, "hoverWidth": 1.5,
                  "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
                  "font": {"face": FONT, "size": 11, "color": "#5d6b78", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n > 200, "multiselect": False,
                        "navigationButtons": False, "keyboard": False},
        "physics": physics,
        "layout": layout or {"improvedLayout": n <= 120, "randomSeed": 20220729},
    }


def _force(n: int) -> dict[str, Any]:
    """A force layout that settles (stabilization) before the page switches physics off."""
    return {"enabled": True, "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -70, "centralGravity": 0.012, "springLength": 110,
                                 "springConstant": 0.06, "damping": 0.55, "avoidOverlap": 0.6},
            "minVelocity": 1.0, "maxVelocity": 60, "timestep": 0.45,
            "stabilization": {"enabled": True, "iterations": 900 if n <= 400 else 600, "updateInterval": 25,
                              "fit": True}}


def _kind_word(kind: Any) -> str | None:
    if not kind or kind != kind:
        return None
    return f"{SOURCE_KIND_ZH.get(str(kind), str(kind))} {kind}"


def _records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    frame = frame.astype(object).where(frame.notna(), None)
    return {str(r["id"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}


def _names(store: Store, label: str, ids: Iterable[str] | None = None) -> dict[str, str]:
    f = store.node_frame(label, ["name"], ids=None if ids is None else sorted({str(i) for i in ids}))
    return dict(zip(f["id"].astype(str), f["name"].fillna(f["id"]).astype(str), strict=True))


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if v != v else v


def _status_words(status: str) -> str:
    s = STATUS_STYLE.get(status, STATUS_STYLE["none"])
    return f"{s['zh']} {s['en']}"


def _ratio(s: float, d: float) -> str:
    return fmt_num(s / d, 2) if d else "—"


def _quota(sizes: dict[str, int], budget: int) -> dict[str, int]:
    """Share ``budget`` between groups fairly (water-filling): small groups keep everything."""
    out: dict[str, int] = {}
    left = budget
    order = sorted(sizes, key=lambda k: sizes[k])
    for i, k in enumerate(order):
        q = min(sizes[k], max(0, left // (len(order) - i)))
        out[k] = q
        left -= q
    return out


def _status_legend(statuses: Sequence[str] = ("unmet", "shortage", "surplus", "balanced")) -> list[LegendItem]:
    return [LegendItem(f"{STATUS_STYLE[s]['zh']}", STATUS_STYLE[s]["en"], STATUS_STYLE[s]["fill"],
                       STATUS_STYLE[s]["border"], "box", 3) for s in statuses]


# ------------------------------------------------------------------------------------ city network
def city_network(store: Store, city: str, *, year: int | None = None, max_nodes: int = 300,
                 cooperation: bool = True, link_prefix: str | None = None) -> Page:
    """A city's education and industry chains as one network.

    Institutions → majors (major categories when the majors would not fit in ``max_nodes``) →
    industries (2-digit 大类) ← the city's enterprises; dashed lines are school–enterprise cooperation.
    Node size: graduates (institutions, majors), the larger of supply and demand (industries),
    employees (enterprises).  Industries with a gap (unmet demand, shortage, surplus; metrics.md) get a
    red or amber border, and the lines into them the same colour.  When even major categories do not
    fit, the largest nodes of each kind are kept and a note says so."""
    from iekg.service import scope_is_illustrative

    if max_nodes < 10:
        raise ValueError("max_nodes must be at least 10")
    scope = resolve_scope(store, city=city, year=year)
    data = ScopeData.gather(store, scope)
    align = alignment(store, scope)
    city_name = scope.name
    ind_info = {i["code"]: i for i in align["industries"]}

    # ------------------------------------------------------------------- the four kinds of nodes
    programs = data.programs
    inst_loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", dst_ids=[city])
    inst_ids = sorted(set(programs["institution"]) | set(inst_loc["src"]))
    inst_vol = programs.groupby("institution")["volume"].sum().reindex(inst_ids).fillna(0.0)
    ents, coop = scope_enterprises(store, [city])
    ent_info = _records(store.node_frame("Enterprise", ["name", "employees", "iei_level", "source_kind"],
                                         ids=sorted(set(ents["enterprise"]))))
    ent_emp = pd.Series({e: _num(ent_info.get(e, {}).get("employees")) for e in ents["enterprise"]}, dtype=float)

    sup = data.supply_rows
    major_cat = data.weights.frame.drop_duplicates("major").set_index("major")["category"]
    sub = store.rel_frame("SUBCLASS_OF", src_label="Major", dst_label="MajorCategory",
                          src_ids=sorted(set(programs["major"]))).set_index("src")["dst"]
    major_cat = major_cat.combine_first(sub)

    industries = set(ind_info) | set(ents["industry"])
    ind_size = pd.Series({c: max(ind_info.get(c, {}).get("supply", 0.0), ind_info.get(c, {}).get("demand", 0.0))
                          for c in industries}, dtype=float)
    gap_rank = {c: (0 if ind_info.get(c, {}).get("status") in GAP_STATUSES else 1) for c in industries}
    ind_order = sorted(industries, key=lambda c: (gap_rank[c], -ind_size.get(c, 0.0), c))
    inst_order = sorted(inst_ids, key=lambda i: (-inst_vol.get(i, 0.0), i))
    ent_order = sorted(set(ents["enterprise"]), key=lambda e: (-ent_emp.get(e, 0.0), e))

    prog_vol = programs.groupby("major")["volume"].sum()
    n_majors = int((prog_vol > 0).sum()) or len(prog_vol)
    cat_series = programs["major"].map(major_cat).fillna("?")
    cat_vol = programs.assign(category=cat_series).groupby("category")["volume"].sum()
    fixed = len(inst_order) + len(ent_order) + len(ind_order)
    # single majors only when they are few enough to read (a third of the budget), else their categories
    use_majors = fixed + n_majors <= max_nodes and n_majors <= max_nodes // 3
    if use_majors:
        mid_vol = prog_vol
        mid_label = "Major"
    else:
        mid_vol = cat_vol
        mid_label = "MajorCategory"
    mid_order = sorted((m for m in mid_vol.index if m != "?"), key=lambda m: (-mid_vol.get(m, 0.0), m))

    sizes = {"inst": len(inst_order), "ent": len(ent_order), "ind": len(ind_order), "mid": len(mid_order)}
    total_nodes = sum(sizes.values())
    capped = total_nodes > max_nodes
    quota = _quota(sizes, max_nodes) if capped else sizes
    inst_keep = inst_order[: quota["inst"]]
    ent_keep = ent_order[: quota["ent"]]
    ind_keep = ind_order[: quota["ind"]]
    mid_keep = mid_order[: quota["mid"]]
    keep_mid, keep_ind, keep_inst, keep_ent = set(mid_keep), set(ind_keep), set(inst_keep), set(ent_keep)

    # ------------------------------------------------------------------------------- nodes
    net = _net()
    inst_info = _records(store.node_frame("Institution", ["name", "level", "source_kind"], ids=inst_keep))
    mid_names = _names(store, mid_label, mid_keep)
    ind_names = _names(store, "Industry", industries)
    n_prog = programs.groupby("institution")["major"].nunique()
    estimated = programs[programs["estimate"]].groupby("institution")["volume"].sum()
    coop_city = coop[coop["enterprise"].isin(set(ents["enterprise"]))].sort_values(["institution", "enterprise"])
    # only ongoing cooperations are partners (iekg.queries.cooperation); pairs joined only by ended or
    # not-begun ones are left out of the lines and the counts, and the page says how many
    live = coop_city["counted"].astype(bool)
    coop_left_out = int((~live).sum())
    coop_city = coop_city[live][["institution", "enterprise"]]
    partners_of_inst = coop_city.groupby("institution")["enterprise"].nunique()
    partners_of_ent = coop_city.groupby("enterprise")["institution"].nunique()
    year_txt = f"{data.year}" if data.year else ""
    kinds: set[str] = set()

    vmax = float(inst_vol.max()) if len(inst_vol) else 0.0
    for i in inst_keep:
        info = inst_info.get(i, {})
        name = str(info.get("name") or i)
        kinds.add(str(info.get("source_kind")))
        est = estimated.get(i, 0.0)
        rows = [("层次 level", info.get("level")),
                (f"毕业生 graduates {year_txt}", fmt_num(inst_vol.get(i, 0.0)) + (" (含估算 incl. estimate)" if est else "")),
                ("专业点 programs", fmt_num(n_prog.get(i, 0))),
                ("本市合作企业 partner enterprises", fmt_num(partners_of_inst.get(i, 0))),
                ("数据 data", _kind_word(info.get("source_kind")))]
        size = _size(inst_vol.get(i, 0.0), vmax, 9, 30)
        net.add_node(f"Institution:{i}", label=short(name, 12), shape="dot", color=_node_colour(_colour("Institution")),
                     size=size, font=_font(size), title=tooltip(name, f"{type_name('Institution')} · {i}", rows),
                     uid=f"Institution:{i}", kind="Institution")

    mid_key = "major" if use_majors else "category"
    prog_mid = programs.assign(category=cat_series)
    mid_inst = prog_mid.groupby(mid_key)["institution"].nunique()
    vmax = float(mid_vol.max()) if len(mid_vol) else 0.0
    for m in mid_keep:
        name = mid_names.get(m, m)
        rows = [(f"毕业生 graduates {year_txt}", fmt_num(mid_vol.get(m, 0.0))),
                ("开设院校 institutions", fmt_num(mid_inst.get(m, 0)))]
        size = _size(mid_vol.get(m, 0.0), vmax, 6, 22)
        net.add_node(f"{mid_label}:{m}", label=short(name, 10), shape="dot", color=_node_colour(_colour(mid_label)),
                     size=size, font=_font(size),
                     title=tooltip(f"{name} ({m})", type_name(mid_label), rows), uid=f"{mid_label}:{m}", kind=mid_label)

    vmax = float(ind_size.max()) if len(ind_size) else 0.0
    gap_inds: dict[str, str] = {}
    for c in ind_keep:
        info = ind_info.get(c, {})
        st = info.get("status", "none")
        name = info.get("name") or ind_names.get(c, c)
        s, d = _num(info.get("supply")), _num(info.get("demand"))
        rows = [("供给 supply", fmt_num(s)), ("需求 demand", fmt_num(d)), ("供需比 ratio s/d", _ratio(s, d)),
                ("状态 status", _status_words(st)),
                ("结构偏离度 deviation", fmt_num(info.get("deviation"), 2) if info else None),
                ("本市企业 enterprises", fmt_num(info.get("enterprises", int((ents["industry"] == c).sum())))),
                ("合作密度 cooperation density", fmt_num(info.get("cooperation_density"), 2) if info else None)]
        size = _size(s if s > d else d, vmax, 8, 36)
        border, bw = _colour("Industry"), 1.5
        if st in GAP_STATUSES:
            gap_inds[c] = st
            border, bw = STATUS_STYLE[st]["border"], round(max(2.0, min(5.0, size / 6)), 1)
        net.add_node(f"Industry:{c}", label=short(f"{c} {name}", 13), shape="dot",
                     color=_node_colour(_colour("Industry"), border), borderWidth=bw, borderWidthSelected=bw + 1,
                     size=size, font=_font(size),
                     title=tooltip(f"{c} {name}", f"{type_name('Industry')} · GB/T 4754 {c}", rows),
                     uid=f"Industry:{c}", kind="Industry")

    vmax = float(ent_emp.max()) if len(ent_emp) else 0.0
    ent_ind = dict(zip(ents["enterprise"], ents["industry"], strict=True))
    for e in ent_keep:
        info = ent_info.get(e, {})
        name = str(info.get("name") or e)
        kinds.add(str(info.get("source_kind")))
        ind = ent_ind.get(e, "")
        rows = [("从业人数 employees", fmt_num(info.get("employees"))),
                ("行业 industry", f"{ind} {ind_names.get(ind, '')}".strip()),
                ("产教融合型企业 IEI level", info.get("iei_level")),
                ("合作院校 partner institutions", fmt_num(partners_of_ent.get(e, 0))),
                ("数据 data", _kind_word(info.get("source_kind")))]
        size = _size(ent_emp.get(e, 0.0), vmax, 7, 26)
        net.add_node(f"Enterprise:{e}", label=short(name.replace("（示意）", ""), 10), shape="dot",
                     color=_node_colour(_colour("Enterprise")), size=size, font=_font(size),
                     title=tooltip(name, f"{type_name('Enterprise')} · {e}", rows), uid=f"Enterprise:{e}",
                     kind="Enterprise")

    # ------------------------------------------------------------------------------- edges
    def gap_colour(code: str) -> str | None:
        st = gap_inds.get(code)
        return STATUS_STYLE[st]["border"] if st else None

    offers = prog_mid.groupby(["institution", mid_key])["volume"].sum().reset_index()
    offers = offers[offers["institution"].isin(keep_inst) & offers[mid_key].isin(keep_mid)]
    vmax = float(offers["volume"].max()) if len(offers) else 0.0
    for inst, m, v in offers.itertuples(index=False):
        net.add_edge(f"Institution:{inst}", f"{mid_label}:{m}", color=EDGE_GREY, width=_width(v, vmax, 0.4, 4),
                     title=f"开设 offers: {inst_info.get(inst, {}).get('name', inst)} → {mid_names.get(m, m)}\n"
                           f"毕业生 graduates {year_txt}: {fmt_num(v)}")

    flows = sup.assign(category=sup["major"].map(major_cat)).groupby([mid_key, "industry"])["supply"].sum().reset_index()
    flows = flows[flows[mid_key].isin(keep_mid) & flows["industry"].isin(keep_ind) & (flows["supply"] > 0)]
    vmax = float(flows["supply"].max()) if len(flows) else 0.0
    for m, c, v in flows.itertuples(index=False):
        g = gap_colour(c)
        net.add_edge(f"{mid_label}:{m}", f"Industry:{c}", color=g or "rgba(79,138,91,0.45)",
                     width=_width(v, vmax, 0.5, 5) + (0.6 if g else 0),
                     title=f"对口供给 aligned supply: {mid_names.get(m, m)} → {c} {ind_names.get(c, '')}\n"
                           f"{fmt_num(v, 1)} 人 (毕业生 × 对应权重 graduates × crosswalk weight)")

    for e in ent_keep:
        c = ent_ind.get(e)
        if c in keep_ind:
            g = gap_colour(str(c))
            net.add_edge(f"Enterprise:{e}", f"Industry:{c}", color=g or ENT_EDGE, width=1.6 if g else 1.0,
                         title=f"所属行业 in industry: {ent_info.get(e, {}).get('name', e)} → {c} {ind_names.get(str(c), '')}")

    n_coop = 0
    if cooperation:
        pairs = coop_city[coop_city["institution"].isin(keep_inst) & coop_city["enterprise"].isin(keep_ent)]
        for inst, e in pairs.itertuples(index=False):
            n_coop += 1
            net.add_edge(f"Institution:{inst}", f"Enterprise:{e}", color="rgba(109,90,156,0.55)", width=1.0,
                         dashes=True, arrows={"to": {"enabled": False}}, smooth={"type": "curvedCW", "roundness": 0.15},
                         title=f"校企合作 cooperation: {inst_info.get(inst, {}).get('name', inst)} — "
                               f"{ent_info.get(e, {}).get('name', e)}")

    # ------------------------------------------------------------------------------- frame
    mid_zh = "专业" if use_majors else "专业类"
    mid_en = "major" if use_majors else "major category"
    notes = []
    if not use_majors and not capped:
        notes.append(f"{n_majors} 个专业按 {len(mid_keep)} 个专业类汇总显示，悬停查看各专业类的毕业生数 · "
                     f"{n_majors} majors grouped into {len(mid_keep)} major categories to keep the picture legible")
    if cooperation and coop_left_out:
        notes.append(f"{coop_left_out} 对院校与企业之间只有已结束或筹建中的合作，不画为校企合作、不计入合作数 · "
                     f"{coop_left_out} institution–enterprise pair(s) with only ended or not-begun cooperations are "
                     "not drawn or counted")
    if capped:
        notes.append(f"已截断 capped：显示 {len(inst_keep) + len(ent_keep) + len(ind_keep) + len(mid_keep)} / {total_nodes} 个节点"
                     f"（院校 {len(inst_keep)}/{sizes['inst']}，{mid_zh} {len(mid_keep)}/{sizes['mid']}，"
                     f"行业 {len(ind_keep)}/{sizes['ind']}，企业 {len(ent_keep)}/{sizes['ent']}；按规模保留最大者，缺口行业优先）· "
                     f"showing the largest of each kind, gap industries first")
    legend = [
        LegendItem("院校", "institution", _colour("Institution")),
        LegendItem(mid_zh, mid_en, _colour(mid_label)),
        LegendItem("行业", "industry (GB/T 4754 大类)", _colour("Industry")),
        LegendItem("企业", "enterprise", _colour("Enterprise")),
        LegendItem("短缺 / 无供给行业", "shortage / unmet demand", _colour("Industry"), STATUS_STYLE["shortage"]["border"], "dot", 3),
        LegendItem("过剩行业", "surplus", _colour("Industry"), STATUS_STYLE["surplus"]["border"], "dot", 3),
        LegendItem("开设", f"offers (institution → {mid_en})", "rgba(120,130,140,0.7)", shape="line"),
        LegendItem("对口供给", "aligned supply → industry", "rgba(79,138,91,0.8)", shape="line"),
        LegendItem("所属行业", "enterprise in industry", ENT_EDGE, shape="line"),
        LegendItem("连向短缺行业", "line into a shortage industry", STATUS_STYLE["shortage"]["border"], shape="line", width=3),
        LegendItem("连向过剩行业", "line into a surplus industry", STATUS_STYLE["surplus"]["border"], shape="line", width=3),
    ]
    if cooperation:
        legend.append(LegendItem("校企合作", "school–enterprise cooperation", "rgba(109,90,156,0.8)", shape="dashed"))
    sai = align.get("sai")
    cov = align.get("coverage")
    subtitle = (f"{city_name} industry–education network · 院校 → {mid_zh} → 行业 ← 企业 · {data.year or ''} · "
                f"SAI {fmt_num(sai, 3)} · 覆盖率 coverage {fmt_num(cov * 100 if cov is not None else None, 0)}"
                f"{'%' if cov is not None else ''} · 缺口行业 gap industries {len(gap_inds)}")
    frame = Frame(
        title=f"{city_name}产教融合网络", subtitle=subtitle, legend=legend, notes=notes, kind="city",
        illustrative=scope_is_illustrative(store, [city]) or ILLUSTRATIVE in kinds, link_prefix=link_prefix,
        legend_notes=["节点大小：院校、专业按毕业生数，行业按供给与需求中较大者，企业按从业人数。",
                      "Size: graduates (institutions, majors), max(supply, demand) (industries), employees (enterprises).",
                      f"状态阈值 thresholds: 供需比 < {align['thresholds']['shortage_below']} 短缺，"
                      f"> {align['thresholds']['surplus_above']} 过剩。"])
    nodes, edges = net.nodes, net.edges
    page = network_page(frame, nodes, edges, _options(physics=_force(len(nodes)), n=len(nodes)))
    page.meta.update(city=city, year=data.year, capped=capped, total_nodes=total_nodes, middle=mid_label,
                     gap_industries=sorted(gap_inds), cooperation_edges=n_coop, cooperation_pairs_left_out=coop_left_out)
    return page


# ---------------------------------------------------------------------------------- chain view
def _depths(segments: Sequence[str], feeds: pd.DataFrame, position: dict[str, Any]) -> dict[str, int]:
    """Column of each segment: the longest FEEDS path reaching it, at least its position's rank."""
    depth = {s: POSITION_RANK.get(str(position.get(s) or ""), 0) for s in segments}
    edges = [(a, b) for a, b in zip(feeds["src"], feeds["dst"], strict=True) if a in depth and b in depth and a != b]
    for _ in range(len(segments)):  # relax; a cycle stops after len(segments) rounds
        changed = False
        for a, b in edges:
            if depth[b] < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    return depth


def chain_view(store: Store, chain: str, *, cities: Sequence[str] | None = None, year: int | None = None,
               per_segment: int = 5, link_prefix: str | None = None) -> Page:
    """A chain's segments from upstream (left) to downstream (right) along FEEDS, each coloured by the
    supply–demand status of the industries it maps to (supply and demand summed over them, in the given
    cities: default the cities that focus on the chain, else all cities), with up to ``per_segment``
    institutions that train for each segment (supply = graduates × crosswalk weight, metrics.md)."""
    from iekg.service import scope_is_illustrative

    ch = store.get(f"IndustryChain:{chain}")
    if ch is None:
        raise LookupError(f"chain {chain} is not in the graph")
    part = store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=[chain])
    segs = sorted(part["src"])
    if not segs:
        raise LookupError(f"chain {chain} has no segments in the graph")
    seg_info = _records(store.node_frame("ChainSegment", ["name", "position", "source_kind"], ids=segs))
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
    ind_names = _names(store, "Industry", maps["industry"])
    city_names = _names(store, "City", city_list)

    ins = store.rel_frame("IN_SEGMENT", ["role"], src_label="Enterprise", dst_label="ChainSegment", dst_ids=segs)
    eloc = store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City", src_ids=sorted(set(ins["src"])),
                           dst_ids=city_list)
    ins = ins[ins["src"].isin(set(eloc["src"]))]

    position = {s: seg_info.get(s, {}).get("position") for s in segs}
    depth = _depths(segs, feeds, position)
    # fixed layout: segments in columns upstream → downstream, each column's institutions beneath it
    columns = sorted(set(depth.values()))
    col_x = {d: i * CHAIN_COL_W for i, d in enumerate(columns)}
    seg_xy: dict[str, tuple[float, float]] = {}
    for d in columns:
        for k, s in enumerate(sorted(x for x in segs if depth[x] == d)):
            seg_xy[s] = (col_x[d], k * CHAIN_ROW_H)
    seg_bottom = max(y for _, y in seg_xy.values())
    net = _net()
    kinds: set[str] = set()
    seg_status: dict[str, str] = {}
    # an industry several segments map to is shown in each of them: marked, and counted once in the chain total
    sharing: dict[str, list[str]] = defaultdict(list)
    for s in segs:
        for c in seg_inds.get(s, []):
            sharing[c].append(s)
    shared = {c: sorted(v) for c, v in sharing.items() if len(v) > 1}
    chain_s = sum(_num(ind_fig.get(c, {}).get("supply")) for c in sharing)
    chain_d = sum(_num(ind_fig.get(c, {}).get("demand")) for c in sharing)
    for s in sorted(segs, key=lambda x: (depth[x], x)):
        info = seg_info.get(s, {})
        kinds.add(str(info.get("source_kind")))
        inds = seg_inds.get(s, [])
        sv = sum(_num(ind_fig.get(c, {}).get("supply")) for c in inds)
        dv = sum(_num(ind_fig.get(c, {}).get("demand")) for c in inds)
        # demand of industries without any demand row is no data, not 0
        no_demand_data = [c for c in inds if ind_fig.get(c, {}).get("demand_data") is False]
        dv_text = "无数据" if inds and len(no_demand_data) == len(inds) else fmt_num(dv)
        st = status_of(sv, dv, t)
        seg_status[s] = st
        style = STATUS_STYLE.get(st, STATUS_STYLE["none"])
        here = ins[ins["dst"] == s]
        leads = int((here["role"] == "链主").sum())
        rows = [("环节位置 position", info.get("position")),
                ("供给 supply", fmt_num(sv)), ("需求 demand", dv_text), ("供需比 ratio s/d", _ratio(sv, dv)),
                ("状态 status", _status_words(st)),
                ("本地企业 local enterprises", f"{len(here)}" + (f"（链主 lead {leads}）" if leads else "")),
                ("对应行业 industries", "")]
        lines = tooltip(str(info.get("name") or s), f"{type_name('ChainSegment')} · {s}", rows).splitlines()
        for c in inds:
            f = ind_fig.get(c, {})
            others = [str(seg_info.get(o, {}).get("name") or o) for o in shared.get(c, []) if o != s]
            need = "无数据 no data" if f.get("demand_data") is False else fmt_num(f.get("demand"))
            lines.append(f"  {c} {ind_names.get(c, '')}: 供 {fmt_num(f.get('supply'))} / 需 {need}"
                         f" · {_status_words(f.get('status', 'none'))}"
                         + (f" *与「{'」「'.join(others)}」共用，全额显示在每个环节，相加会重复计算 (shared: do not add up)"
                            if others else ""))
        if sv == 0:
            lines.append("⚠ 没有本地专业供给 no local major supplies this segment")
        mark = "*" if any(c in shared for c in inds) else ""
        label = f"{short(str(info.get('name') or s), 30)}\n供 {fmt_num(sv)}{mark} · 需 {dv_text}{mark}"
        gap = st in GAP_STATUSES
        net.add_node(f"ChainSegment:{s}", label=label, shape="box", x=seg_xy[s][0], y=seg_xy[s][1],
                     color=_node_colour(style["fill"], style["border"]), borderWidth=3.5 if gap else 1.5,
                     shapeProperties={"borderDashes": [6, 4] if sv == 0 else False},
                     margin=10, widthConstraint={"maximum": 210}, font={"size": 15, "multi": False},
                     title="\n".join(lines), uid=f"ChainSegment:{s}", kind="ChainSegment")

    for a, b in zip(feeds["src"], feeds["dst"], strict=True):
        net.add_edge(f"ChainSegment:{a}", f"ChainSegment:{b}", color="#4f5b66", width=2.2,
                     title=f"上下游衔接 feeds: {seg_info.get(a, {}).get('name', a)} → {seg_info.get(b, {}).get('name', b)}",
                     arrows={"to": {"enabled": True, "scaleFactor": 0.8}})

    # institutions training for each segment
    sup = data.supply_rows[data.supply_rows["weight"] > 0]
    inst_names = _records(store.node_frame("Institution", ["name", "level", "source_kind"],
                                           ids=sorted(set(sup["institution"]))))
    per_seg: dict[str, pd.Series] = {}
    for s in segs:
        rows_s = sup[sup["industry"].isin(set(seg_inds.get(s, [])))]
        per_seg[s] = rows_s.groupby("institution")["supply"].sum().sort_values(ascending=False, kind="mergesort")
    shown: dict[str, float] = {}
    trains_for: dict[str, list[str]] = defaultdict(list)
    links: list[tuple[str, str, float]] = []
    hidden = 0
    for s in segs:
        ranked = per_seg[s][per_seg[s] > 0]
        top = sorted(((str(i), float(v)) for i, v in ranked.items()), key=lambda kv: (-kv[1], kv[0]))[:per_segment]
        hidden += max(0, len(ranked) - per_segment)
        for inst, v in top:
            links.append((inst, s, float(v)))
            shown[inst] = shown.get(inst, 0.0) + float(v)
            trains_for[inst].append(str(seg_info.get(s, {}).get("name") or s))
    inst_city = data.programs.drop_duplicates("institution").set_index("institution")["city"]
    vmax = max((v for _, _, v in links), default=0.0)
    main_seg: dict[str, str] = {}
    for inst, s, _v in sorted(links, key=lambda x: (-x[2], x[0], x[1])):
        main_seg.setdefault(inst, s)
    stacked: dict[float, int] = defaultdict(int)
    for inst in sorted(shown, key=lambda i: (-shown[i], i)):
        x = seg_xy[main_seg[inst]][0]
        y = seg_bottom + CHAIN_GAP + stacked[x] * CHAIN_INST_H
        stacked[x] += 1
        info = inst_names.get(inst, {})
        kinds.add(str(info.get("source_kind")))
        name = str(info.get("name") or inst)
        rows = [("城市 city", city_names.get(str(inst_city.get(inst, "")), None)), ("层次 level", info.get("level")),
                ("对本链供给 supply to this chain", fmt_num(shown[inst], 1)),
                ("培养对口环节 trains for", "、".join(short(x, 12) for x in trains_for[inst])),
                ("数据 data", _kind_word(info.get("source_kind")))]
        net.add_node(f"Institution:{inst}", label=short(name, 14), shape="box", x=x, y=y,
                     color=_node_colour("#e3edf7", _colour("Institution")), font={"size": 13},
                     margin=7, title=tooltip(name, f"{type_name('Institution')} · {inst}", rows),
                     uid=f"Institution:{inst}", kind="Institution")
    for inst, s, v in links:
        same = seg_xy[s][0] == seg_xy[main_seg[inst]][0]
        net.add_edge(f"Institution:{inst}", f"ChainSegment:{s}", color="rgba(47,102,144,0.45)",
                     width=_width(v, vmax, 0.8, 4.5),
                     smooth={"type": "curvedCCW", "roundness": 0.35} if same else
                     {"type": "cubicBezier", "forceDirection": "vertical", "roundness": 0.5},
                     title=f"对口供给 aligned supply: {inst_names.get(inst, {}).get('name', inst)} → "
                           f"{seg_info.get(s, {}).get('name', s)}\n{fmt_num(v, 1)} 人 (毕业生 × 对应权重)")

    uncovered = [s for s in segs if seg_status.get(s) == "unmet" or all(
        _num(ind_fig.get(c, {}).get("supply")) == 0 for c in seg_inds.get(s, []))]
    notes = []
    if shared:
        notes.append(f"* {len(shared)} 个行业同时对应多个环节，其供需在每个环节全额显示，各环节相加会重复计算；全链去重合计："
                     f"供 {fmt_num(chain_s)} 人 · 需 {fmt_num(chain_d)} 人 · * industries shared by several segments are "
                     f"shown in full in each; the chain total counts each once")
    if hidden:
        notes.append(f"每个环节显示供给最多的 {per_segment} 所院校（另有 {hidden} 条院校—环节供给未显示）· "
                     f"the {per_segment} largest suppliers of each segment are shown ({hidden} more links not shown)")
    scope_words = "、".join(city_names.get(c, c) for c in city_list[:6]) + (" 等" if len(city_list) > 6 else "")
    subtitle = (f"{ch.name} chain · 上游 → 下游 upstream → downstream · 供需范围 scope: {scope_words}"
                f"{'（' + scope_note + '）' if scope_note else ''} · {data.year or ''} · "
                f"未覆盖环节 uncovered segments {len(uncovered)}/{len(segs)}")
    legend = [LegendItem("院校", "institution (trains for the segment)", "#e3edf7", _colour("Institution"), "box", 2),
              *[LegendItem(f"环节：{STATUS_STYLE[s]['zh']}", f"segment: {STATUS_STYLE[s]['en']}", STATUS_STYLE[s]["fill"],
                           STATUS_STYLE[s]["border"], "box", 3 if s in GAP_STATUSES else 2)
                for s in ("unmet", "shortage", "balanced", "surplus", "no_demand", "none")
                if s in ("unmet", "shortage", "balanced", "surplus") or s in seg_status.values()],
              LegendItem("上下游衔接", "feeds (upstream → downstream)", "#4f5b66", shape="line", width=3),
              LegendItem("对口供给", "aligned supply (width = people)", "rgba(47,102,144,0.7)", shape="line", width=3)]
    frame = Frame(title=f"{ch.name}产业链 · 人才供需", subtitle=subtitle, legend=legend, notes=notes, kind="chain",
                  illustrative=scope_is_illustrative(store, city_list) or ILLUSTRATIVE in kinds,
                  link_prefix=link_prefix,
                  legend_notes=["环节的供给、需求为其对应行业（GB/T 4754 大类）之和；虚线框：没有本地专业供给。",
                                "A segment's supply and demand sum its industries; dashed border: no local supply."])
    options = _options(physics={"enabled": False}, n=len(net.nodes), smooth={"type": "cubicBezier",
                       "forceDirection": "horizontal", "roundness": 0.45},
                       layout={"improvedLayout": False, "randomSeed": 20220729})
    page = network_page(frame, net.nodes, net.edges, options)
    page.meta.update(chain=chain, cities=city_list, year=data.year, segments=len(segs), uncovered=uncovered,
                     statuses=seg_status, capped=bool(hidden), shared_industries=shared,
                     chain_supply=chain_s, chain_demand=chain_d)
    return page


# ------------------------------------------------------------------------------------ ego network
_STRENGTH_PROPS = ("graduates", "headcount", "count", "students", "enrollment", "employees")


@dataclass
class _Edge:
    type: str
    src: str
    dst: str
    n: int = 0
    years: set[int] = field(default_factory=set)
    props: dict[str, Any] = field(default_factory=dict)  # the latest relationship's properties
    strength: float = 0.0
    illustrative: bool = False

    def add(self, props: dict[str, Any]) -> None:
        self.n += 1
        y = props.get("year")
        if isinstance(y, int | float) and y == y:
            self.years.add(int(y))
        if not self.props or (y is not None and max(self.years, default=0) <= _num(y)):
            self.props = props
        self.strength += sum(_num(props.get(k)) for k in _STRENGTH_PROPS)
        if props.get("source_kind") == ILLUSTRATIVE:
            self.illustrative = True


def _links(store: Store, uid: str) -> tuple[dict[str, list[_Edge]], dict[str, Node]]:
    """The relationships at ``uid`` grouped per other node (one _Edge per type and direction)."""
    per: dict[tuple[str, str, str], _Edge] = {}
    others: dict[str, Node] = {}
    for r, other in store.neighbours(uid):
        if other.uid == uid:
            continue
        k = (r.type, r.src, r.dst)
        if k not in per:
            per[k] = _Edge(r.type, r.src, r.dst)
        per[k].add(r.props)
        others[other.uid] = other
    grouped: dict[str, list[_Edge]] = defaultdict(list)
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
    rows.append(("数据 data", _kind_word(p.get("source_kind"))))
    return rows


def _edge_title(e: _Edge, names: dict[str, str]) -> str:
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


def ego_network(store: Store, uid: str, *, hops: int = 1, cap: int = 150, link_prefix: str | None = None) -> Page:
    """The neighbourhood of one entity: its relationships (``hops=1``) and their neighbours' (``hops=2``).

    ``uid`` is ``Label:id`` (an id or exact name is resolved as ``iekg show`` does).  At most ``cap``
    nodes are drawn: the neighbours are taken in turn from each relationship type (largest first:
    graduates, headcount, …), and with two hops the second ring keeps the nodes linked to most of the
    first; a note says how many were left out.  Several relationships between the same two nodes
    (e.g. OFFERS of several years) are drawn as one line, their count in the tooltip."""
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

    def order(cands: dict[str, list[_Edge]], of: str) -> dict[tuple[str, str], list[str]]:
        groups: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
        for o, es in cands.items():
            e = max(es, key=lambda x: (x.strength, x.n))
            groups[(e.type, "out" if e.src == of else "in")].append((-sum(x.strength + x.n for x in es), o))
        return {k: [o for _, o in sorted(v)] for k, v in groups.items()}

    groups1 = order(links1, cu)
    room = cap - 1
    q1 = min(total1, room if hops == 1 else max(1, room // 2))
    ring1 = _round_robin(groups1, q1)
    edges: dict[tuple[str, str, str], _Edge] = {}
    for o in ring1:
        for e in links1[o]:
            edges[(e.type, e.src, e.dst)] = e

    ring2: list[str] = []
    total2 = 0
    expanded = 0
    if hops == 2:
        inner = set(ring1) | {cu}
        cand: dict[str, float] = defaultdict(float)
        cand_links: dict[str, list[_Edge]] = defaultdict(list)
        inner_links: list[_Edge] = []
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
        total2 = len(cand)
        q2 = min(total2, room - len(ring1))
        ring2 = [x for x, _ in sorted(cand.items(), key=lambda kv: (-kv[1], kv[0]))[:q2]]
        for e in inner_links:
            edges[(e.type, e.src, e.dst)] = e
        for x in ring2:
            for e in cand_links[x]:
                edges[(e.type, e.src, e.dst)] = e
        spare = room - len(ring1) - len(ring2)
        if spare > 0 and total1 > len(ring1):  # the second ring was small: show more of the first
            more = _round_robin({k: [o for o in v if o not in set(ring1)] for k, v in groups1.items()}, spare)
            ring1 += more
            for o in more:
                for e in links1[o]:
                    edges[(e.type, e.src, e.dst)] = e

    shown = [cu, *ring1, *ring2]
    shown_set = set(shown)
    names = {u: nodes[u].name for u in shown}
    net = _net()
    kinds = {str(nodes[u].props.get("source_kind")) for u in shown}
    ring_of = {cu: 0, **{u: 1 for u in ring1}, **{u: 2 for u in ring2}}
    for u in shown:
        n = nodes[u]
        ring = ring_of[u]
        fill = _colour(n.label)
        size = 30 if ring == 0 else (15 if ring == 1 else 9)
        node_rows = _node_rows(n)
        if ring:
            node_rows.append(("距离 hops", str(ring)))
        else:
            per_type: dict[str, int] = defaultdict(int)
            for es in links1.values():
                for e in es:
                    per_type[e.type] += e.n
            node_rows += [(f"{REL_TYPES[t].zh if t in REL_TYPES else ''} {t}", fmt_num(k))
                          for t, k in sorted(per_type.items(), key=lambda kv: (-kv[1], kv[0]))]
        net.add_node(u, label=short(n.name.replace("（示意）", ""), 14), shape="dot", size=size,
                     color=_node_colour(fill, "#1f2a33" if ring == 0 else fill), borderWidth=4 if ring == 0 else 1.5,
                     font={"size": 18 if ring == 0 else (13 if ring == 1 else 11)},
                     title=tooltip(n.name, f"{type_name(n.label)} · {n.id}", node_rows), uid=u, kind=n.label,
                     mass=3 if ring == 0 else 1, **({"x": 0, "y": 0, "fixed": True} if ring == 0 else {}))
    drawn = [e for e in edges.values() if e.src in shown_set and e.dst in shown_set]
    label_edges = len(drawn) <= 60
    illustrative_edges = False
    for e in sorted(drawn, key=lambda x: (x.type, x.src, x.dst)):
        illustrative_edges |= e.illustrative
        spec = REL_TYPES.get(e.type)
        at_centre = cu in (e.src, e.dst)
        net.add_edge(e.src, e.dst, color="rgba(60,70,80,0.6)" if at_centre else "rgba(120,130,140,0.28)",
                     width=(1.2 if at_centre else 0.6) + min(2.5, math.log10(1 + e.n)),
                     title=_edge_title(e, names), label=(spec.zh if spec else e.type) if label_edges else None)

    capped = len(shown) < 1 + total1 + total2
    notes = []
    if capped:
        more2 = f"，2 跳 2-hop {len(ring2)}/{'≥' if expanded < total1 else ''}{total2}" if hops == 2 else ""
        notes.append(f"已截断 capped：显示 {len(shown)} 个节点（上限 {cap}），1 跳 1-hop {len(ring1)}/{total1}{more2}；"
                     f"每类关系轮流保留规模最大的邻居 · showing at most {cap} nodes, largest neighbours of each "
                     f"relationship type in turn")
    present = sorted({nodes[u].label for u in shown}, key=lambda x: list(TYPE_STYLE).index(x) if x in TYPE_STYLE else 99)
    legend = [LegendItem("中心", f"centre: {type_name(centre.label)}", _colour(centre.label), "#1f2a33", "dot", 3)]
    legend += [LegendItem(TYPE_STYLE.get(lab, {"zh": lab})["zh"], TYPE_STYLE.get(lab, {"en": lab})["en"], _colour(lab))
               for lab in present]
    legend.append(LegendItem("关系", "relationship (tooltip: type and figures)", "rgba(90,100,110,0.8)", shape="line"))
    frame = Frame(title=f"{centre.name} · 关系网络", subtitle=f"{type_name(centre.label)} {centre.id} · "
                  f"ego network, {hops} 跳 hop{'s' if hops == 2 else ''}", legend=legend, notes=notes, kind="ego",
                  illustrative=ILLUSTRATIVE in kinds or illustrative_edges, link_prefix=link_prefix,
                  legend_notes=["中心节点最大，1 跳次之，2 跳最小；同一对节点之间的多条关系合并为一条线。",
                                "Largest: centre; then 1 hop, 2 hops. Several relationships between two nodes are one line."])
    page = network_page(frame, net.nodes, net.edges, _options(physics=_force(len(shown)), n=len(shown),
                                                              smooth={"type": "continuous"}))
    page.meta.update(uid=cu, hops=hops, cap=cap, capped=capped, total_first=total1, total_second=total2)
    return page


# --------------------------------------------------------------------------------- alliance view
def _city_of(store: Store, n: Node) -> tuple[str | None, str | None]:
    for _r, other in store.neighbours(n.uid, ["LOCATED_IN"], "out"):
        if other.label == "City":
            return other.id, other.name
        if other.label == "Zone":
            for _r2, c in store.neighbours(other.uid, ["PART_OF"], "out", ["City"]):
                return c.id, c.name
    return None, None


def alliance_view(store: Store, alliance_id: str, *, link_prefix: str | None = None) -> Page:
    """An alliance (产教联盟, 职教集团, 市域产教联合体 …): its lead (role 牵头) and members, the cities they
    are in, the industries of the member enterprises, the member institutions' aligned supply into those
    industries (latest year, metrics.md), and the cooperation between members."""
    aid = alliance_id[len("Alliance:"):] if alliance_id.startswith("Alliance:") else alliance_id
    al = store.get(f"Alliance:{aid}")
    if al is None:
        raise LookupError(f"alliance {aid} is not in the graph")
    members = sorted(store.neighbours(al.uid, ["MEMBER_OF"], "in"),
                     key=lambda rn: (rn[0].props.get("role") != "牵头", rn[1].label, rn[1].uid))
    member_ids = {n.uid for _, n in members}
    ents = [n for _, n in members if n.label == "Enterprise"]
    insts = [n for _, n in members if n.label == "Institution"]
    kinds = {str(al.props.get("source_kind"))} | {str(n.props.get("source_kind")) for _, n in members}

    al_city, al_city_name = _city_of(store, al)
    cities: dict[str, str] = {al_city: al_city_name or al_city} if al_city else {}
    member_city: dict[str, tuple[str, str]] = {}
    for _, n in members:
        c, cname = _city_of(store, n)
        if c:
            cities[c] = cname or c
            member_city[n.uid] = (c, cname or c)
    industries: dict[str, set[str]] = defaultdict(set)  # industry code -> member enterprise uids
    ent_inds: dict[str, list[str]] = defaultdict(list)
    for n in ents:
        for _r, ind in store.neighbours(n.uid, ["IN_INDUSTRY"], "out"):
            code = str(rollup(pd.Series([ind.id])).iloc[0])
            industries[code].add(n.uid)
            ent_inds[n.uid].append(code)
    ind_names = _names(store, "Industry", industries)

    # the member institutions' graduates and aligned supply (latest year with programs in these cities)
    inst_grad: dict[str, float] = {}
    supply: dict[tuple[str, str], float] = {}
    year: int | None = None
    if insts and cities:
        data = ScopeData.gather(store, resolve_scope(store, cities=sorted(cities)))
        year = data.year
        mine = {n.id for n in insts}
        grads = data.programs[data.programs["institution"].isin(mine)].groupby("institution")["volume"].sum()
        inst_grad = {str(k): float(v) for k, v in grads.items()}
        sr = data.supply_rows
        sr = sr[sr["institution"].isin(mine) & sr["industry"].isin(set(industries)) & (sr["supply"] > 0)]
        flows = sr.groupby(["institution", "industry"], as_index=False)["supply"].sum()
        supply = {(str(a), str(b)): float(v) for a, b, v in flows.itertuples(index=False)}

    net = _net()
    leads = [n for r, n in members if r.props.get("role") == "牵头"]
    rows = [("类型 kind", al.props.get("kind")), ("所在城市 city", al_city_name),
            ("成员 members", f"{len(members)}（院校 {len(insts)}，企业 {len(ents)}）"),
            ("牵头单位 lead", "、".join(n.name for n in leads) or None),
            ("数据 data", _kind_word(al.props.get("source_kind")))]
    net.add_node(al.uid, label=short(al.name.replace("（示意）", ""), 16), shape="hexagon", size=32,
                 color=_node_colour(_colour("Alliance"), "#3b2f5c"), borderWidth=3, font={"size": 17},
                 title=tooltip(al.name, f"{type_name('Alliance')} · {al.id}", rows), uid=al.uid, kind="Alliance", mass=4)

    emp_max = max((_num(n.props.get("employees")) for n in ents), default=0.0)
    grad_max = max(inst_grad.values(), default=0.0)
    for r, n in members:
        role = r.props.get("role") or "成员"
        lead = role == "牵头"
        extra: list[tuple[str, Any]] = [("角色 role", f"{role} {'lead' if lead else 'member'}"),
                                        ("城市 city", member_city.get(n.uid, ("", None))[1])]
        if n.label == "Enterprise":
            extra += [("行业 industry", "、".join(f"{c} {ind_names.get(c, '')}" for c in ent_inds[n.uid]) or None),
                      ("从业人数 employees", fmt_num(n.props.get("employees")))]
            size = _size(_num(n.props.get("employees")), emp_max, 9, 26)
        else:
            extra.append((f"毕业生 graduates {year or ''}", fmt_num(inst_grad.get(n.id, 0.0))))
            size = _size(inst_grad.get(n.id, 0.0), grad_max, 9, 26)
        extra.append(("数据 data", _kind_word(n.props.get("source_kind"))))
        net.add_node(n.uid, label=short(n.name.replace("（示意）", ""), 12), shape="dot", size=size,
                     color=_node_colour(_colour(n.label), "#c9a227" if lead else _colour(n.label)),
                     borderWidth=5 if lead else 1.5, font={"size": 15 if lead else 13},
                     title=tooltip(n.name, f"{type_name(n.label)} · {n.id}", extra), uid=n.uid, kind=n.label)
        net.add_edge(n.uid, al.uid, color="#6d5a9c" if lead else "rgba(109,90,156,0.5)", width=3.5 if lead else 1.2,
                     title=f"成员 member of: {n.name} → {al.name}\n角色 role: {role}")

    for c, cname in sorted(cities.items()):
        here = sum(1 for v in member_city.values() if v[0] == c)
        net.add_node(f"City:{c}", label=cname, shape="box", color=_node_colour("#eef1f4", _colour("City")),
                     font={"size": 14}, margin=8, uid=f"City:{c}", kind="City",
                     title=tooltip(cname, f"{type_name('City')} · {c}", [("本联盟成员 members here", str(here))]))
    for u, (c, _) in sorted(member_city.items()):
        net.add_edge(u, f"City:{c}", color="rgba(95,107,118,0.35)", width=0.8, dashes=[2, 4], title="位于 located in",
                     arrows={"to": {"enabled": False}})
    if al_city:
        net.add_edge(al.uid, f"City:{al_city}", color="rgba(95,107,118,0.6)", width=1.2, dashes=[2, 4],
                     title="位于 located in", arrows={"to": {"enabled": False}})

    for code in sorted(industries):
        nm = ind_names.get(code, "")
        into = sum(v for (_, c), v in supply.items() if c == code)
        net.add_node(f"Industry:{code}", label=short(f"{code} {nm}", 13), shape="dot", size=14,
                     color=_node_colour(_colour("Industry")), uid=f"Industry:{code}", kind="Industry",
                     title=tooltip(f"{code} {nm}", f"{type_name('Industry')} · GB/T 4754 {code}",
                                   [("成员企业 member enterprises", str(len(industries[code]))),
                                    (f"成员院校对口供给 members' aligned supply {year or ''}", fmt_num(into, 1))]))
        for u in sorted(industries[code]):
            net.add_edge(u, f"Industry:{code}", color="rgba(176,125,72,0.7)", width=1.2, title="所属行业 in industry")
    vmax = max(supply.values(), default=0.0)
    for (inst, code), v in sorted(supply.items()):
        net.add_edge(f"Institution:{inst}", f"Industry:{code}", color="rgba(79,138,91,0.55)",
                     width=_width(v, vmax, 0.6, 4),
                     title=f"对口供给 aligned supply: {fmt_num(v, 1)} 人 → {code} {ind_names.get(code, '')}")

    n_coop = n_left = 0
    inactive = set(inactive_words())  # ended and not-begun cooperations are not drawn (iekg.queries.cooperation)
    for n in insts:
        for r, e in store.neighbours(n.uid, ["COOPERATES_WITH"], "out"):
            if e.uid in member_ids and r.props.get("status") in inactive:
                n_left += 1
            elif e.uid in member_ids:
                n_coop += 1
                students = r.props.get("students")
                net.add_edge(n.uid, e.uid, color="rgba(109,90,156,0.85)", width=1.6, dashes=True,
                             arrows={"to": {"enabled": False}},
                             title=f"校企合作 cooperation: {n.name} — {e.name}\n类型 type: {r.props.get('type', '')}"
                                   + (f"，学生 students {fmt_num(students)}" if students else ""))

    legend = [LegendItem("联盟", "alliance", _colour("Alliance"), "#3b2f5c", "dot", 3),
              LegendItem("牵头单位", "lead member", "#ffffff", "#c9a227", "dot", 4),
              LegendItem("院校", "institution", _colour("Institution")),
              LegendItem("企业", "enterprise", _colour("Enterprise")),
              LegendItem("城市", "city", "#eef1f4", _colour("City"), "box", 2),
              LegendItem("行业", "industry of member enterprises", _colour("Industry")),
              LegendItem("成员", "member of", "rgba(109,90,156,0.7)", shape="line", width=2),
              LegendItem("对口供给", "aligned supply", "rgba(79,138,91,0.8)", shape="line", width=2),
              LegendItem("校企合作", "cooperation between members", "rgba(109,90,156,0.9)", shape="dashed", width=2),
              LegendItem("位于", "located in", "rgba(95,107,118,0.6)", shape="dashed", width=1)]
    frame = Frame(title=f"{al.name}", subtitle=f"{al.props.get('kind') or '产教联盟'} alliance · 成员 members {len(members)}"
                  f"（院校 {len(insts)}，企业 {len(ents)}）· 城市 cities {len(cities)} · 行业 industries {len(industries)}"
                  f" · 成员间合作 cooperations {n_coop}"
                  + (f"（另有已结束或筹建中 {n_left} 项未画出 · {n_left} ended or not begun, not drawn）" if n_left else ""),
                  legend=legend, kind="alliance",
                  illustrative=ILLUSTRATIVE in kinds, link_prefix=link_prefix,
                  legend_notes=["节点大小：院校按毕业生数，企业按从业人数。",
                                "Size: graduates (institutions), employees (enterprises)."])
    n_nodes = len(net.nodes)
    page = network_page(frame, net.nodes, net.edges, _options(physics=_force(n_nodes), n=n_nodes,
                                                              smooth={"type": "continuous"}))
    page.meta.update(alliance=aid, members=len(members), cities=sorted(cities), industries=sorted(industries),
                     cooperation_edges=n_coop)
    return page

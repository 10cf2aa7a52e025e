"""The city network: a city's institutions → majors (or major categories) → industries ← enterprises.

:func:`gather` reads the graph and picks what fits (plain data); :func:`draw` styles it into a page;
:func:`city_network` does both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from iekg.graph.store import Store
from iekg.queries.alignment import alignment, scope_enterprises
from iekg.queries.facts import ScopeData
from iekg.queries.provenance import is_illustrative, scope_is_illustrative
from iekg.queries.scope import located_in, names_of, resolve_scope
from iekg.viz.page import Frame, Page, network_page
from iekg.viz.style import (
    COOP_EDGE,
    DEMO_MARK,
    EDGE_GREY,
    ENT_EDGE,
    GAP_STATUSES,
    STATUS_STYLE,
    SUPPLY_EDGE,
    LegendItem,
    colour,
    fmt_num,
    font,
    force,
    kind_word,
    node_colour,
    num,
    options,
    ratio,
    short,
    size,
    status_words,
    tooltip,
    type_item,
    type_name,
    width,
)
from iekg.viz.views.base import net, records


@dataclass
class CityData:
    """What the city network shows: the kept nodes of each kind with their figures, and the lines.

    ``institutions``, ``middle`` (majors or major categories), ``industries`` and ``enterprises`` are
    ``{id: record}`` in drawing order; ``scale`` holds the largest figure of each kind (node sizes)."""

    city: str
    name: str
    year: int | None
    align: dict[str, Any]
    use_majors: bool
    n_majors: int
    sizes: dict[str, int]
    capped: bool
    institutions: dict[str, dict[str, Any]]
    middle: dict[str, dict[str, Any]]
    industries: dict[str, dict[str, Any]]
    enterprises: dict[str, dict[str, Any]]
    industry_names: dict[str, str]
    offers: list[tuple[str, str, float]]  # institution → middle, graduates
    flows: list[tuple[str, str, float]]  # middle → industry, aligned supply
    in_industry: list[tuple[str, str]]  # enterprise → industry
    cooperation: list[tuple[str, str]] | None  # institution — enterprise (None: not drawn)
    cooperation_left_out: int
    scale: dict[str, float]
    illustrative: bool

    @property
    def middle_label(self) -> str:
        return "Major" if self.use_majors else "MajorCategory"


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


def _largest(values: pd.Series) -> float:
    return float(values.max()) if len(values) else 0.0


def gather(store: Store, city: str, *, year: int | None = None, max_nodes: int = 300,
           cooperation: bool = True) -> CityData:
    """Read a city's network from the graph and keep what fits in ``max_nodes``.

    Parameters
    ----------
    store : Store
        The graph.
    city : str
        City code.
    year : int, optional
        Default the latest year with programs.
    max_nodes : int
        At most this many nodes (at least 10): majors become major categories, then the largest of
        each kind are kept (gap industries first).
    cooperation : bool
        Gather the school–enterprise cooperation lines.

    Returns
    -------
    CityData
        The kept nodes, their figures and the lines between them.
    """
    if max_nodes < 10:
        raise ValueError("max_nodes must be at least 10")
    scope = resolve_scope(store, city=city, year=year)
    data = ScopeData.gather(store, scope)
    align = alignment(store, scope)
    ind_info = {i["code"]: i for i in align["industries"]}

    programs = data.programs
    inst_loc = located_in(store, "Institution", cities=[city])
    inst_ids = sorted(set(programs["institution"]) | set(inst_loc["id"]))
    inst_vol = programs.groupby("institution")["volume"].sum().reindex(inst_ids).fillna(0.0)
    ents, coop = scope_enterprises(store, [city])
    ent_info = records(store.node_frame("Enterprise", ["name", "employees", "iei_level", "source_kind"],
                                        ids=sorted(set(ents["enterprise"]))))
    ent_emp = pd.Series({e: num(ent_info.get(e, {}).get("employees")) for e in ents["enterprise"]}, dtype=float)

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
    prog_mid = programs.assign(category=programs["major"].map(major_cat).fillna("?"))
    cat_vol = prog_mid.groupby("category")["volume"].sum()
    fixed = len(inst_order) + len(ent_order) + len(ind_order)
    # single majors only when they are few enough to read (a third of the budget), else their categories
    use_majors = fixed + n_majors <= max_nodes and n_majors <= max_nodes // 3
    mid_vol, mid_key = (prog_vol, "major") if use_majors else (cat_vol, "category")
    mid_order = sorted((m for m in mid_vol.index if m != "?"), key=lambda m: (-mid_vol.get(m, 0.0), m))

    sizes = {"inst": len(inst_order), "ent": len(ent_order), "ind": len(ind_order), "mid": len(mid_order)}
    capped = sum(sizes.values()) > max_nodes
    quota = _quota(sizes, max_nodes) if capped else sizes
    inst_keep = inst_order[: quota["inst"]]
    ent_keep = ent_order[: quota["ent"]]
    ind_keep = ind_order[: quota["ind"]]
    mid_keep = mid_order[: quota["mid"]]
    keep_mid, keep_ind, keep_inst, keep_ent = set(mid_keep), set(ind_keep), set(inst_keep), set(ent_keep)

    inst_info = records(store.node_frame("Institution", ["name", "level", "source_kind"], ids=inst_keep))
    mid_names = names_of(store, "MajorCategory" if mid_key == "category" else "Major", mid_keep)
    ind_names = names_of(store, "Industry", industries)
    n_prog = programs.groupby("institution")["major"].nunique()
    estimated = programs[programs["estimate"]].groupby("institution")["volume"].sum()
    coop_city = coop[coop["enterprise"].isin(set(ents["enterprise"]))].sort_values(["institution", "enterprise"])
    # only ongoing cooperations are partners (iekg.queries.cooperation); pairs joined only by ended or
    # not-begun ones are left out of the lines and the counts, and the page says how many
    live = coop_city["counted"].astype(bool)
    coop_city = coop_city[live][["institution", "enterprise"]]
    partners_of_inst = coop_city.groupby("institution")["enterprise"].nunique()
    partners_of_ent = coop_city.groupby("enterprise")["institution"].nunique()
    ent_ind = dict(zip(ents["enterprise"], ents["industry"], strict=True))
    mid_inst = prog_mid.groupby(mid_key)["institution"].nunique()

    institutions = {i: {"name": str(inst_info.get(i, {}).get("name") or i), "level": inst_info.get(i, {}).get("level"),
                        "source_kind": inst_info.get(i, {}).get("source_kind"), "graduates": inst_vol.get(i, 0.0),
                        "estimated": estimated.get(i, 0.0), "programs": n_prog.get(i, 0),
                        "partners": partners_of_inst.get(i, 0)} for i in inst_keep}
    middle = {m: {"name": mid_names.get(m, m), "graduates": mid_vol.get(m, 0.0), "institutions": mid_inst.get(m, 0)}
              for m in mid_keep}
    inds = {c: {"info": ind_info.get(c, {}), "name": ind_info.get(c, {}).get("name") or ind_names.get(c, c),
                "enterprises": int((ents["industry"] == c).sum())} for c in ind_keep}
    enterprises = {e: {"name": str(ent_info.get(e, {}).get("name") or e), "employees": ent_info.get(e, {}).get("employees"),
                       "iei_level": ent_info.get(e, {}).get("iei_level"), "industry": ent_ind.get(e, ""),
                       "source_kind": ent_info.get(e, {}).get("source_kind"), "size": ent_emp.get(e, 0.0),
                       "partners": partners_of_ent.get(e, 0)} for e in ent_keep}

    offers = prog_mid.groupby(["institution", mid_key])["volume"].sum().reset_index()
    offers = offers[offers["institution"].isin(keep_inst) & offers[mid_key].isin(keep_mid)]
    flows = sup.assign(category=sup["major"].map(major_cat)).groupby([mid_key, "industry"])["supply"].sum().reset_index()
    flows = flows[flows[mid_key].isin(keep_mid) & flows["industry"].isin(keep_ind) & (flows["supply"] > 0)]
    pairs = coop_city[coop_city["institution"].isin(keep_inst) & coop_city["enterprise"].isin(keep_ent)]
    return CityData(
        city=city, name=scope.name, year=data.year, align=align, use_majors=use_majors, n_majors=n_majors,
        sizes=sizes, capped=capped, institutions=institutions, middle=middle, industries=inds,
        enterprises=enterprises, industry_names=ind_names,
        offers=[(str(i), str(m), float(v)) for i, m, v in offers.itertuples(index=False)],
        flows=[(str(m), str(c), float(v)) for m, c, v in flows.itertuples(index=False)],
        in_industry=[(e, str(ent_ind[e])) for e in ent_keep if ent_ind.get(e) in keep_ind],
        cooperation=[(str(i), str(e)) for i, e in pairs.itertuples(index=False)] if cooperation else None,
        cooperation_left_out=int((~live).sum()),
        scale={"inst": _largest(inst_vol), "mid": _largest(mid_vol), "ind": _largest(ind_size),
               "ent": _largest(ent_emp), "offers": _largest(offers["volume"]), "flows": _largest(flows["supply"])},
        illustrative=scope_is_illustrative(store, [city])
        or any(is_illustrative(r) for r in [*institutions.values(), *enterprises.values()]))


def _add_nodes(g: Any, d: CityData) -> dict[str, str]:
    """The four kinds of nodes; returns the gap industries (code → status)."""
    year_txt = f"{d.year}" if d.year else ""
    for i, r in d.institutions.items():
        rows = [("层次 level", r["level"]),
                (f"毕业生 graduates {year_txt}", fmt_num(r["graduates"]) + (" (含估算 incl. estimate)" if r["estimated"] else "")),
                ("专业点 programs", fmt_num(r["programs"])),
                ("本市合作企业 partner enterprises", fmt_num(r["partners"])),
                ("数据 data", kind_word(r["source_kind"]))]
        sz = size(r["graduates"], d.scale["inst"], 9, 30)
        g.add_node(f"Institution:{i}", label=short(r["name"], 12), shape="dot", color=node_colour(colour("Institution")),
                   size=sz, font=font(sz), title=tooltip(r["name"], f"{type_name('Institution')} · {i}", rows),
                   uid=f"Institution:{i}", kind="Institution")

    mid_label = d.middle_label
    for m, r in d.middle.items():
        rows = [(f"毕业生 graduates {year_txt}", fmt_num(r["graduates"])), ("开设院校 institutions", fmt_num(r["institutions"]))]
        sz = size(r["graduates"], d.scale["mid"], 6, 22)
        g.add_node(f"{mid_label}:{m}", label=short(r["name"], 10), shape="dot", color=node_colour(colour(mid_label)),
                   size=sz, font=font(sz), title=tooltip(f"{r['name']} ({m})", type_name(mid_label), rows),
                   uid=f"{mid_label}:{m}", kind=mid_label)

    gap_inds: dict[str, str] = {}
    for c, r in d.industries.items():
        info = r["info"]
        st = info.get("status", "none")
        s, dm = num(info.get("supply")), num(info.get("demand"))
        rows = [("供给 supply", fmt_num(s)), ("需求 demand", fmt_num(dm)), ("供需比 ratio s/d", ratio(s, dm)),
                ("状态 status", status_words(st)),
                ("结构偏离度 deviation", fmt_num(info.get("deviation"), 2) if info else None),
                ("本市企业 enterprises", fmt_num(info.get("enterprises", r["enterprises"]))),
                ("合作密度 cooperation density", fmt_num(info.get("cooperation_density"), 2) if info else None)]
        sz = size(s if s > dm else dm, d.scale["ind"], 8, 36)
        border, bw = colour("Industry"), 1.5
        if st in GAP_STATUSES:
            gap_inds[c] = st
            border, bw = STATUS_STYLE[st]["border"], round(max(2.0, min(5.0, sz / 6)), 1)
        g.add_node(f"Industry:{c}", label=short(f"{c} {r['name']}", 13), shape="dot",
                   color=node_colour(colour("Industry"), border), borderWidth=bw, borderWidthSelected=bw + 1,
                   size=sz, font=font(sz),
                   title=tooltip(f"{c} {r['name']}", f"{type_name('Industry')} · GB/T 4754 {c}", rows),
                   uid=f"Industry:{c}", kind="Industry")

    for e, r in d.enterprises.items():
        ind = r["industry"]
        rows = [("从业人数 employees", fmt_num(r["employees"])),
                ("行业 industry", f"{ind} {d.industry_names.get(ind, '')}".strip()),
                ("产教融合型企业 IEI level", r["iei_level"]),
                ("合作院校 partner institutions", fmt_num(r["partners"])),
                ("数据 data", kind_word(r["source_kind"]))]
        sz = size(r["size"], d.scale["ent"], 7, 26)
        g.add_node(f"Enterprise:{e}", label=short(r["name"].replace(DEMO_MARK, ""), 10), shape="dot",
                   color=node_colour(colour("Enterprise")), size=sz, font=font(sz),
                   title=tooltip(r["name"], f"{type_name('Enterprise')} · {e}", rows), uid=f"Enterprise:{e}",
                   kind="Enterprise")
    return gap_inds


def _add_edges(g: Any, d: CityData, gap_inds: dict[str, str]) -> None:
    """Offers, aligned supply, enterprises in industries and cooperation; lines into gap industries coloured."""
    def gap_colour(code: str) -> str | None:
        st = gap_inds.get(code)
        return STATUS_STYLE[st]["border"] if st else None

    mid_label, ind_names = d.middle_label, d.industry_names
    year_txt = f"{d.year}" if d.year else ""
    for inst, m, v in d.offers:
        g.add_edge(f"Institution:{inst}", f"{mid_label}:{m}", color=EDGE_GREY, width=width(v, d.scale["offers"], 0.4, 4),
                   title=f"开设 offers: {d.institutions[inst]['name']} → {d.middle[m]['name']}\n"
                         f"毕业生 graduates {year_txt}: {fmt_num(v)}")
    for m, c, v in d.flows:
        gc = gap_colour(c)
        g.add_edge(f"{mid_label}:{m}", f"Industry:{c}", color=gc or SUPPLY_EDGE,
                   width=width(v, d.scale["flows"], 0.5, 5) + (0.6 if gc else 0),
                   title=f"对口供给 aligned supply: {d.middle[m]['name']} → {c} {ind_names.get(c, '')}\n"
                         f"{fmt_num(v, 1)} 人 (毕业生 × 对应权重 graduates × crosswalk weight)")
    for e, c in d.in_industry:
        gc = gap_colour(c)
        g.add_edge(f"Enterprise:{e}", f"Industry:{c}", color=gc or ENT_EDGE, width=1.6 if gc else 1.0,
                   title=f"所属行业 in industry: {d.enterprises[e]['name']} → {c} {ind_names.get(c, '')}")
    for inst, e in d.cooperation or []:
        g.add_edge(f"Institution:{inst}", f"Enterprise:{e}", color=COOP_EDGE, width=1.0,
                   dashes=True, arrows={"to": {"enabled": False}}, smooth={"type": "curvedCW", "roundness": 0.15},
                   title=f"校企合作 cooperation: {d.institutions[inst]['name']} — {d.enterprises[e]['name']}")


def _notes(d: CityData) -> list[str]:
    mid_zh = "专业" if d.use_majors else "专业类"
    kept = {"inst": len(d.institutions), "ent": len(d.enterprises), "ind": len(d.industries), "mid": len(d.middle)}
    notes = []
    if not d.use_majors and not d.capped:
        notes.append(f"{d.n_majors} 个专业按 {kept['mid']} 个专业类汇总显示，悬停查看各专业类的毕业生数 · "
                     f"{d.n_majors} majors grouped into {kept['mid']} major categories to keep the picture legible")
    if d.cooperation is not None and d.cooperation_left_out:
        n = d.cooperation_left_out
        notes.append(f"{n} 对院校与企业之间只有已结束或筹建中的合作，不画为校企合作、不计入合作数 · "
                     f"{n} institution–enterprise pair(s) with only ended or not-begun cooperations are "
                     "not drawn or counted")
    if d.capped:
        notes.append(f"已截断 capped：显示 {sum(kept.values())} / {sum(d.sizes.values())} 个节点"
                     f"（院校 {kept['inst']}/{d.sizes['inst']}，{mid_zh} {kept['mid']}/{d.sizes['mid']}，"
                     f"行业 {kept['ind']}/{d.sizes['ind']}，企业 {kept['ent']}/{d.sizes['ent']}；按规模保留最大者，缺口行业优先）· "
                     f"showing the largest of each kind, gap industries first")
    return notes


def draw(d: CityData, *, link_prefix: str | None = None) -> Page:
    """Style :func:`gather`'s data into the city network page (``link_prefix``: see :mod:`iekg.viz.views`).

    Returns
    -------
    Page
        Its ``meta`` says whether the page was capped, which industries have a gap, how many cooperation
        lines are drawn and how many institution–enterprise pairs were left out.
    """
    g = net()
    gap_inds = _add_nodes(g, d)
    _add_edges(g, d, gap_inds)
    mid_label = d.middle_label
    mid_zh = "专业" if d.use_majors else "专业类"
    mid_en = "major" if d.use_majors else "major category"
    shortage, surplus = STATUS_STYLE["shortage"]["border"], STATUS_STYLE["surplus"]["border"]
    legend = [
        type_item("Institution"), type_item(mid_label), type_item("Industry", "industry (GB/T 4754 大类)"),
        type_item("Enterprise"),
        LegendItem("短缺 / 无供给行业", "shortage / unmet demand", colour("Industry"), shortage, "dot", 3),
        LegendItem("过剩行业", "surplus", colour("Industry"), surplus, "dot", 3),
        LegendItem("开设", f"offers (institution → {mid_en})", "rgba(120,130,140,0.7)", shape="line"),
        LegendItem("对口供给", "aligned supply → industry", "rgba(79,138,91,0.8)", shape="line"),
        LegendItem("所属行业", "enterprise in industry", ENT_EDGE, shape="line"),
        LegendItem("连向短缺行业", "line into a shortage industry", shortage, shape="line", width=3),
        LegendItem("连向过剩行业", "line into a surplus industry", surplus, shape="line", width=3),
    ]
    if d.cooperation is not None:
        legend.append(LegendItem("校企合作", "school–enterprise cooperation", "rgba(109,90,156,0.8)", shape="dashed"))
    sai, cov = d.align.get("sai"), d.align.get("coverage")
    subtitle = (f"{d.name} industry–education network · 院校 → {mid_zh} → 行业 ← 企业 · {d.year or ''} · "
                f"SAI {fmt_num(sai, 3)} · 覆盖率 coverage {fmt_num(cov * 100 if cov is not None else None, 0)}"
                f"{'%' if cov is not None else ''} · 缺口行业 gap industries {len(gap_inds)}")
    frame = Frame(
        title=f"{d.name}产教融合网络", subtitle=subtitle, legend=legend, notes=_notes(d), kind="city",
        illustrative=d.illustrative, link_prefix=link_prefix,
        legend_notes=["节点大小：院校、专业按毕业生数，行业按供给与需求中较大者，企业按从业人数。",
                      "Size: graduates (institutions, majors), max(supply, demand) (industries), employees (enterprises).",
                      f"状态阈值 thresholds: 供需比 < {d.align['thresholds']['shortage_below']} 短缺，"
                      f"> {d.align['thresholds']['surplus_above']} 过剩。"])
    page = network_page(frame, g.nodes, g.edges, options(physics=force(len(g.nodes)), n=len(g.nodes)))
    page.meta.update(city=d.city, year=d.year, capped=d.capped, total_nodes=sum(d.sizes.values()), middle=mid_label,
                     gap_industries=sorted(gap_inds), cooperation_edges=len(d.cooperation or []),
                     cooperation_pairs_left_out=d.cooperation_left_out)
    return page


def city_network(store: Store, city: str, *, year: int | None = None, max_nodes: int = 300,
                 cooperation: bool = True, link_prefix: str | None = None) -> Page:
    """A city's education and industry chains as one network.

    Institutions → majors (major categories when the majors would not fit in ``max_nodes``) →
    industries (2-digit 大类) ← the city's enterprises; dashed lines are school–enterprise cooperation.
    Node size: graduates (institutions, majors), the larger of supply and demand (industries),
    employees (enterprises).  Industries with a gap (unmet demand, shortage, surplus; metrics.md) get a
    red or amber border, and the lines into them the same colour.  When even major categories do not
    fit, the largest nodes of each kind are kept and a note says so.

    Arguments (store, city, year, max_nodes, cooperation, link_prefix):
    as :func:`gather` and :func:`draw`.

    Returns
    -------
    Page
        The city's network, a complete offline HTML page.
    """
    return draw(gather(store, city, year=year, max_nodes=max_nodes, cooperation=cooperation), link_prefix=link_prefix)

"""The alliance view: an alliance, its lead and members, their cities and industries, the members'
aligned supply into those industries and the cooperation between members.

:func:`gather` reads the graph (plain data); :func:`draw` styles it into a page; :func:`alliance_view`
does both."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from iekg.graph.store import Node, Rel, Store
from iekg.graph.sums import rollup
from iekg.queries.cooperation import inactive_words
from iekg.queries.facts import ScopeData
from iekg.queries.provenance import is_illustrative
from iekg.queries.scope import entity_of, located_in, names_of, resolve_scope
from iekg.viz.page import Frame, Page, network_page
from iekg.viz.style import (
    DEMO_MARK,
    LegendItem,
    colour,
    fmt_num,
    force,
    kind_word,
    node_colour,
    num,
    options,
    short,
    size,
    tooltip,
    type_item,
    type_name,
    width,
)
from iekg.viz.views.base import net

LEAD = "牵头"


@dataclass
class AllianceData:
    """What the alliance view shows.

    ``members`` are (MEMBER_OF relationship, member) pairs, the lead first; ``cities`` the alliance's
    and its members' cities; ``industries`` the member enterprises' industries (大类) and who is in
    each; ``supply`` the member institutions' aligned supply per (institution id, industry)."""

    alliance: Node
    members: list[tuple[Rel, Node]]
    city: str | None
    cities: dict[str, str]
    member_city: dict[str, str]  # member uid -> city code
    industries: dict[str, set[str]]
    industry_names: dict[str, str]
    enterprise_industries: dict[str, list[str]]
    graduates: dict[str, float]  # institution id -> graduates
    supply: dict[tuple[str, str], float]
    year: int | None
    cooperation: list[tuple[Node, Node, dict[str, Any]]]  # institution — enterprise, the relationship's props
    cooperation_left_out: int

    @property
    def institutions(self) -> list[Node]:
        return [n for _, n in self.members if n.label == "Institution"]

    @property
    def enterprises(self) -> list[Node]:
        return [n for _, n in self.members if n.label == "Enterprise"]

    @property
    def illustrative(self) -> bool:
        return is_illustrative(self.alliance.props) or any(is_illustrative(n.props) for _, n in self.members)


def _cities(store: Store, nodes: list[Node]) -> dict[str, str]:
    """uid -> the city each node is in (iekg.queries.scope.located_in: LOCATED_IN the City directly)."""
    out: dict[str, str] = {}
    for label in sorted({n.label for n in nodes}):
        f = located_in(store, label, ids=[n.id for n in nodes if n.label == label])
        out.update({f"{label}:{i}": str(c) for i, c in zip(f["id"], f["city"], strict=True)})
    return out


def gather(store: Store, alliance_id: str) -> AllianceData:
    """Read an alliance, its members, their cities, industries, supply and cooperation.

    Parameters
    ----------
    store : Store
        The graph.
    alliance_id : str
        The alliance's id (``Alliance:`` in front is allowed).

    Returns
    -------
    AllianceData
        The alliance and what is drawn around it.
    """
    al = entity_of(store, "Alliance", alliance_id, "alliance")
    members = sorted(store.neighbours(al.uid, ["MEMBER_OF"], "in"),
                     key=lambda rn: (rn[0].props.get("role") != LEAD, rn[1].label, rn[1].uid))
    member_ids = {n.uid for _, n in members}
    ents = [n for _, n in members if n.label == "Enterprise"]
    insts = [n for _, n in members if n.label == "Institution"]

    where = _cities(store, [al, *(n for _, n in members)])
    member_city = {n.uid: where[n.uid] for _, n in members if n.uid in where}
    city_names = names_of(store, "City", set(where.values()))
    al_city = where.get(al.uid)
    cities = {c: city_names.get(c, c) for c in ([al_city] if al_city else []) + list(member_city.values())}
    industries: dict[str, set[str]] = defaultdict(set)  # industry code -> member enterprise uids
    ent_inds: dict[str, list[str]] = defaultdict(list)
    for n in ents:
        for _r, ind in store.neighbours(n.uid, ["IN_INDUSTRY"], "out"):
            code = str(rollup(pd.Series([ind.id])).iloc[0])
            industries[code].add(n.uid)
            ent_inds[n.uid].append(code)

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

    cooperation: list[tuple[Node, Node, dict[str, Any]]] = []
    left_out = 0
    inactive = set(inactive_words())  # ended and not-begun cooperations are not drawn (iekg.queries.cooperation)
    for n in insts:
        for r, e in store.neighbours(n.uid, ["COOPERATES_WITH"], "out"):
            if e.uid in member_ids and r.props.get("status") in inactive:
                left_out += 1
            elif e.uid in member_ids:
                cooperation.append((n, e, r.props))
    return AllianceData(alliance=al, members=members, city=al_city, cities=cities, member_city=member_city,
                        industries=dict(industries), industry_names=names_of(store, "Industry", industries),
                        enterprise_industries=dict(ent_inds), graduates=inst_grad, supply=supply, year=year,
                        cooperation=cooperation, cooperation_left_out=left_out)


def _add_members(g: Any, d: AllianceData) -> None:
    """The alliance, its members (the lead ringed in gold) and the member-of lines."""
    al, insts, ents = d.alliance, d.institutions, d.enterprises
    leads = [n for r, n in d.members if r.props.get("role") == LEAD]
    rows = [("类型 kind", al.props.get("kind")), ("所在城市 city", d.cities.get(d.city) if d.city else None),
            ("成员 members", f"{len(d.members)}（院校 {len(insts)}，企业 {len(ents)}）"),
            ("牵头单位 lead", "、".join(n.name for n in leads) or None),
            ("数据 data", kind_word(al.props.get("source_kind")))]
    g.add_node(al.uid, label=short(al.name.replace(DEMO_MARK, ""), 16), shape="hexagon", size=32,
               color=node_colour(colour("Alliance"), "#3b2f5c"), borderWidth=3, font={"size": 17},
               title=tooltip(al.name, f"{type_name('Alliance')} · {al.id}", rows), uid=al.uid, kind="Alliance", mass=4)

    emp_max = max((num(n.props.get("employees")) for n in ents), default=0.0)
    grad_max = max(d.graduates.values(), default=0.0)
    for r, n in d.members:
        role = r.props.get("role") or "成员"
        lead = role == LEAD
        city = d.member_city.get(n.uid)
        extra: list[tuple[str, Any]] = [("角色 role", f"{role} {'lead' if lead else 'member'}"),
                                        ("城市 city", d.cities[city] if city else None)]
        if n.label == "Enterprise":
            inds = d.enterprise_industries.get(n.uid, [])
            extra += [("行业 industry", "、".join(f"{c} {d.industry_names.get(c, '')}" for c in inds) or None),
                      ("从业人数 employees", fmt_num(n.props.get("employees")))]
            sz = size(num(n.props.get("employees")), emp_max, 9, 26)
        else:
            extra.append((f"毕业生 graduates {d.year or ''}", fmt_num(d.graduates.get(n.id, 0.0))))
            sz = size(d.graduates.get(n.id, 0.0), grad_max, 9, 26)
        extra.append(("数据 data", kind_word(n.props.get("source_kind"))))
        g.add_node(n.uid, label=short(n.name.replace(DEMO_MARK, ""), 12), shape="dot", size=sz,
                   color=node_colour(colour(n.label), "#c9a227" if lead else colour(n.label)),
                   borderWidth=5 if lead else 1.5, font={"size": 15 if lead else 13},
                   title=tooltip(n.name, f"{type_name(n.label)} · {n.id}", extra), uid=n.uid, kind=n.label)
        g.add_edge(n.uid, al.uid, color="#6d5a9c" if lead else "rgba(109,90,156,0.5)", width=3.5 if lead else 1.2,
                   title=f"成员 member of: {n.name} → {al.name}\n角色 role: {role}")


def _add_places(g: Any, d: AllianceData) -> None:
    """The cities (located-in lines) and the member enterprises' industries (aligned supply lines)."""
    located = {"color": "rgba(95,107,118,0.35)", "width": 0.8, "dashes": [2, 4], "title": "位于 located in",
               "arrows": {"to": {"enabled": False}}}
    for c, cname in sorted(d.cities.items()):
        here = sum(1 for v in d.member_city.values() if v == c)
        g.add_node(f"City:{c}", label=cname, shape="box", color=node_colour("#eef1f4", colour("City")),
                   font={"size": 14}, margin=8, uid=f"City:{c}", kind="City",
                   title=tooltip(cname, f"{type_name('City')} · {c}", [("本联盟成员 members here", str(here))]))
    for u, c in sorted(d.member_city.items()):
        g.add_edge(u, f"City:{c}", **located)
    if d.city:
        g.add_edge(d.alliance.uid, f"City:{d.city}", **{**located, "color": "rgba(95,107,118,0.6)", "width": 1.2})

    for code in sorted(d.industries):
        nm = d.industry_names.get(code, "")
        into = sum(v for (_, c), v in d.supply.items() if c == code)
        g.add_node(f"Industry:{code}", label=short(f"{code} {nm}", 13), shape="dot", size=14,
                   color=node_colour(colour("Industry")), uid=f"Industry:{code}", kind="Industry",
                   title=tooltip(f"{code} {nm}", f"{type_name('Industry')} · GB/T 4754 {code}",
                                 [("成员企业 member enterprises", str(len(d.industries[code]))),
                                  (f"成员院校对口供给 members' aligned supply {d.year or ''}", fmt_num(into, 1))]))
        for u in sorted(d.industries[code]):
            g.add_edge(u, f"Industry:{code}", color="rgba(176,125,72,0.7)", width=1.2, title="所属行业 in industry")
    vmax = max(d.supply.values(), default=0.0)
    for (inst, code), v in sorted(d.supply.items()):
        g.add_edge(f"Institution:{inst}", f"Industry:{code}", color="rgba(79,138,91,0.55)",
                   width=width(v, vmax, 0.6, 4),
                   title=f"对口供给 aligned supply: {fmt_num(v, 1)} 人 → {code} {d.industry_names.get(code, '')}")


def draw(d: AllianceData, *, link_prefix: str | None = None) -> Page:
    """Style :func:`gather`'s data into the alliance page; its ``meta`` lists the members, cities, industries
    and cooperation lines (``link_prefix``: see :mod:`iekg.viz.views`)."""
    g = net()
    _add_members(g, d)
    _add_places(g, d)
    for n, e, props in d.cooperation:
        students = props.get("students")
        g.add_edge(n.uid, e.uid, color="rgba(109,90,156,0.85)", width=1.6, dashes=True,
                   arrows={"to": {"enabled": False}},
                   title=f"校企合作 cooperation: {n.name} — {e.name}\n类型 type: {props.get('type', '')}"
                         + (f"，学生 students {fmt_num(students)}" if students else ""))

    al, n_coop, n_left = d.alliance, len(d.cooperation), d.cooperation_left_out
    legend = [LegendItem("联盟", "alliance", colour("Alliance"), "#3b2f5c", "dot", 3),
              LegendItem("牵头单位", "lead member", "#ffffff", "#c9a227", "dot", 4),
              type_item("Institution"), type_item("Enterprise"),
              LegendItem("城市", "city", "#eef1f4", colour("City"), "box", 2),
              type_item("Industry", "industry of member enterprises"),
              LegendItem("成员", "member of", "rgba(109,90,156,0.7)", shape="line", width=2),
              LegendItem("对口供给", "aligned supply", "rgba(79,138,91,0.8)", shape="line", width=2),
              LegendItem("校企合作", "cooperation between members", "rgba(109,90,156,0.9)", shape="dashed", width=2),
              LegendItem("位于", "located in", "rgba(95,107,118,0.6)", shape="dashed", width=1)]
    frame = Frame(title=f"{al.name}", subtitle=f"{al.props.get('kind') or '产教联盟'} alliance · 成员 members "
                  f"{len(d.members)}（院校 {len(d.institutions)}，企业 {len(d.enterprises)}）· 城市 cities {len(d.cities)}"
                  f" · 行业 industries {len(d.industries)} · 成员间合作 cooperations {n_coop}"
                  + (f"（另有已结束或筹建中 {n_left} 项未画出 · {n_left} ended or not begun, not drawn）" if n_left else ""),
                  legend=legend, kind="alliance", illustrative=d.illustrative, link_prefix=link_prefix,
                  legend_notes=["节点大小：院校按毕业生数，企业按从业人数。",
                                "Size: graduates (institutions), employees (enterprises)."])
    n_nodes = len(g.nodes)
    page = network_page(frame, g.nodes, g.edges, options(physics=force(n_nodes), n=n_nodes,
                                                         smooth={"type": "continuous"}))
    page.meta.update(alliance=al.id, members=len(d.members), cities=sorted(d.cities), industries=sorted(d.industries),
                     cooperation_edges=n_coop)
    return page


def alliance_view(store: Store, alliance_id: str, *, link_prefix: str | None = None) -> Page:
    """An alliance (产教联盟, 职教集团, 市域产教联合体 …): its lead (role 牵头) and members, the cities they
    are in, the industries of the member enterprises, the member institutions' aligned supply into those
    industries (latest year, metrics.md), and the cooperation between members.

    Arguments (store, alliance_id, link_prefix):
    as :func:`gather` and :func:`draw`.

    Returns
    -------
    Page
        Offline HTML.
    """
    return draw(gather(store, alliance_id), link_prefix=link_prefix)

"""Demo rows of a city: real data never mixes silently with the illustrative demo (``--demo-rows stop |
replace | keep`` on import; a warning when a build loads both for one city).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iekg.graph.schema import REL_TYPES
from iekg.graph.store import ChangeSet, Node, Store
from iekg.loaders.builder import SHIPPED_KINDS
from iekg.loaders.report import ERROR, WARNING, Issue, Report
from iekg.loaders.source import ILLUSTRATIVE, PUBLIC, SourceTable
from iekg.loaders.tables import TABLES
from iekg.loaders.values import Invalid, Repaired

DEMO_ROWS = ("stop", "replace", "keep")
# relationships at a City node that tie an entity to the city (in: entity → city; out: city → entity)
_CITY_IN = ("LOCATED_IN", "PART_OF", "APPLIES_TO")
_CITY_OUT = ("RAISES", "PROPOSES")


def import_cities(changes: ChangeSet) -> set[str]:
    """The cities an import's rows are about: every City its relationships touch, and every city_code."""
    out: set[str] = set()
    for r in changes.rels.values():
        for end in (r.src, r.dst):
            if end.startswith("City:"):
                out.add(end[5:])
        code = r.props.get("city_code")
        if isinstance(code, str):
            out.add(code)
    return out


@dataclass
class DemoRows:
    """A city's illustrative (demo) data in the graph: nodes to delete, and (start, type) pairs of the
    illustrative relationships of the city's real nodes (with the non-illustrative ones to keep)."""

    city: str
    nodes: set[str] = field(default_factory=set)
    rels: int = 0
    replace: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.rels)


def find_demo_rows(store: Store, cities: Iterable[str], changes: ChangeSet | None = None) -> list[DemoRows]:
    """What the graph holds for each of ``cities`` that is illustrative (source_kind illustrative), leaving out
    what ``changes`` writes again (loading the same file twice is not mixing).

    One read per (relationship type, start label) for all cities finds the real nodes with illustrative
    relationships; only those nodes are then read one by one (none at all in a graph without the demo)."""
    again_nodes = set(changes.nodes) if changes is not None else set()
    again_rels = set(changes.rels) if changes is not None else set()
    found: dict[str, DemoRows] = {}
    owner: dict[str, str] = {}  # a real node of a city -> the city
    for city in sorted(set(cities)):
        uid = f"City:{city}"
        if store.get(uid) is None:
            continue
        d = found[city] = DemoRows(city)
        owner[uid] = city
        ends = [o for _r, o in store.neighbours(uid, _CITY_IN, "in")] + \
            [o for _r, o in store.neighbours(uid, _CITY_OUT, "out")]
        for other in ends:
            if other.props.get("source_kind") == ILLUSTRATIVE and other.label != "City" \
                    and other.uid not in again_nodes:
                d.nodes.add(other.uid)
            else:
                owner.setdefault(other.uid, city)
    doomed = {u for d in found.values() for u in d.nodes}
    by_label: dict[str, list[str]] = defaultdict(list)
    for u in sorted(owner):
        if u not in doomed:
            label, ident = u.split(":", 1)
            by_label[label].append(ident)

    def demo(r: Any) -> bool:
        return r.props.get("source_kind") == ILLUSTRATIVE and r.key not in again_rels

    for rel_type, spec in REL_TYPES.items():
        for label in sorted({sl for sl, _ in spec.pairs} & set(by_label)):
            frame = store.rel_frame(rel_type, [], src_label=label, src_ids=by_label[label],
                                    where={"source_kind": ILLUSTRATIVE})
            srcs = sorted(set(frame["src"]))
            # the relationships of all these nodes in one call (Neo4j: one query, where a read per node took 9.7 s
            # of a re-import of the demo): first their keys only, and the properties only of the nodes with one
            # relationship the import does not write again (none when the same file is imported again).  `links`
            # leaves self-loops out, so a type that can join a label to itself is read node by node, as before
            loops = set(srcs) if (label, label) in spec.pairs else set()
            keys = store.link_keys([f"{label}:{src}" for src in srcs if src not in loops], [rel_type])
            srcs = [src for src in srcs if src in loops or any(
                lk.src == f"{label}:{src}" and lk.key not in again_rels for lk, _o in keys[f"{label}:{src}"])]
            linked = store.links([f"{label}:{src}" for src in srcs if src not in loops], [rel_type])
            for src in srcs:
                u = f"{label}:{src}"
                rels = ([(r, o.uid) for r, o in store.neighbours(u, [rel_type], "out")] if src in loops
                        else [(r, o) for r, o in linked[u] if r.src == u])
                n = sum(1 for r, o in rels if demo(r) and o not in doomed)
                if n:
                    d = found[owner[u]]
                    d.replace[(u, rel_type)] = [r for r, _ in rels if not demo(r)]
                    d.rels += n
    return [d for d in found.values() if d]


def demo_rows(store: Store, city: str, changes: ChangeSet | None = None) -> DemoRows:
    """The illustrative rows of one city (see :func:`find_demo_rows`)."""
    return next(iter(find_demo_rows(store, [city], changes)), DemoRows(city))


def _demo_issue(tables: list[SourceTable], severity: str, code: str, message: str, fix: str) -> Issue:
    st = next((t for t in tables if t.kind not in SHIPPED_KINDS), tables[0] if tables else None)
    return Issue(severity, code, st.file if st else "", None, None, None, message, fix,
                 st.sheet if st else None, st.table if st else None)


def check_demo_rows(store: Store, changes: ChangeSet, tables: list[SourceTable], report: Report, mode: str,
                    *, dry_run: bool = False) -> None:
    """Real data never mixes silently with the demo: ``stop`` (an error; a warning in a dry run),
    ``replace`` (the city's illustrative rows are deleted in the same write) or ``keep`` (both, marked)."""
    if mode not in DEMO_ROWS:
        raise ValueError(f"demo_rows must be one of {', '.join(DEMO_ROWS)}, not {mode!r}")
    found = find_demo_rows(store, import_cities(changes), changes)
    if not found:
        return
    names = {d.city: (store.get(f"City:{d.city}") or Node(f"City:{d.city}", "City", {})).props.get("name", d.city)
             for d in found}
    what = "；".join(f"{names[d.city]} ({d.city})：示意节点 {len(d.nodes)} 个、现有真实节点上的示意关系 {d.rels} 条"
                    for d in found)
    choices = ("三种选择：--demo-rows replace 删除这些城市的示意数据，只留你的数据 (同一次写入，全有或全无)；"
               "--demo-rows keep 两者都保留 (各自标有 source_kind：illustrative / user，页面和报告会注明含示意数据)；"
               "--demo-rows stop (默认) 什么也不改。有真实数据时，建议用 iekg build --no-demo --data 你的文件夹 "
               "建一个不含演示数据的图")
    if mode == "stop":
        report.add(_demo_issue(tables, WARNING if dry_run else ERROR, "demo_rows",
                               f"图中已有同一城市的示意 (演示) 数据，导入会与你的真实数据混在一起：{what}", choices))
        return
    if mode == "keep":
        report.add(_demo_issue(tables, WARNING, "demo_rows_kept",
                               f"你的数据与图中同一城市的示意数据并存 (各自标有 source_kind)：{what}",
                               "结果会注明基于示意数据；如需只用真实数据，用 --demo-rows replace 或 "
                               "iekg build --no-demo --data 你的文件夹"))
        return
    for d in found:
        changes.delete_nodes |= d.nodes
        for (u, t), keep in d.replace.items():
            changes.replace.add((u, t))
            for r in keep:
                changes.rels.setdefault(r.key, r)
    report.add(_demo_issue(tables, WARNING, "demo_rows_replaced", f"已删除同一城市的示意数据：{what}",
                           "无需处理；图中这些城市只剩真实数据 (和公开名单)"))


def _table_cities(st: SourceTable) -> set[str]:
    from iekg.loaders.values import city_code

    cols = [c.key for c in TABLES[st.table].columns if "city" in c.ref]
    out: set[str] = set()
    for row in st.rows:
        for col in cols:
            for part in re.split(r"[;；、]", str(row.values.get(col) or "")):
                try:
                    v = city_code(part) if part.strip() else None
                except Invalid:
                    continue
                if v is not None:
                    out.add(v.value if isinstance(v, Repaired) else v)
    return out


def check_build_mix(tables: list[SourceTable], report: Report) -> None:
    """A build that loads the demo and a user's data about the same city warns: they would be mixed."""
    demo = {c for st in tables if st.kind == ILLUSTRATIVE for c in _table_cities(st)}
    if not demo:
        return
    users = [st for st in tables if st.kind not in SHIPPED_KINDS | {PUBLIC}]
    both = sorted({c for st in users for c in _table_cities(st)} & demo)
    if both:
        report.add(_demo_issue(users, WARNING, "demo_rows_mixed",
                               f"本次构建同时载入了演示 (示意) 数据和你的数据，这些城市两者混在一起：{'、'.join(both)}",
                               "有真实数据时请用 iekg build --no-demo --data 你的文件夹，建一个不含演示数据的图"))

"""The graph (or a city's part of it) as a file for Gephi, Cytoscape, yEd and other tools: GraphML, GEXF or
networkx node-link JSON.

The networkx ``MultiDiGraph`` is built from the store through the Store interface only:

- the whole graph: every node by label, every relationship through ``Store.links`` (one call per label and
  chunk of nodes; self-loops, which ``links`` leaves out, are read with ``neighbours``);
- a city (``city=CODE``): the *core* — the City, its Zones (PART_OF it), every node LOCATED_IN the city or
  one of its zones, and the city's Problems (RAISES) and Measures (PROPOSES) — plus every relationship of a
  core node and the node at its other end (one hop), fetched with ``links`` and ``get_many``.
  Relationships between two nodes outside the core (e.g. a Major's SUBCLASS_OF) are not in it.

Attributes (the same in every format):

- a node's key is its uid (``City:410200``); ``label`` is its schema label, ``iekg_id`` its id, then its
  properties (``name``, ``source_kind`` …);
- a relationship's key is its identity key; ``label`` and ``type`` are its type (GEXF reserves an edge's
  ``type`` for directed/undirected, so there the type is the edge's label only), then its properties.

For GraphML and GEXF, properties are flattened: lists and dicts become JSON text, missing values (None,
NaN) are left out, and a property whose values mix kinds across nodes (numbers in one, text in another) is
written as text everywhere.  Characters XML cannot hold (C0 controls other than tab and line breaks)
become U+FFFD.  A property named like an attribute a format reserves is written as ``prop_<name>``: on
relationships, the provenance ``source`` becomes ``prop_source`` (node-link JSON names an edge's ends
``source`` and ``target``); nodes keep ``source``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx

from iekg.graph.schema import NODE_TYPES, REL_TYPES, split_uid
from iekg.graph.store import Node, Rel, Store

FORMATS = ("graphml", "gexf", "json")
CHUNK = 5000  # nodes per ``links`` call for the whole graph
# attribute names the formats or this module give a meaning (GEXF: id, label, pid, viz, start, end, spells,
# slices, an edge's type and weight; node-link JSON: an edge's source, target and key)
NODE_RESERVED = {"id", "uid", "label", "iekg_id", "pid", "viz", "start", "end", "spells", "slices"}
REL_RESERVED = {"id", "label", "type", "key", "source", "target", "start", "end", "spells", "slices",
                "networkx_key"}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _node_attrs(n: Node) -> dict[str, Any]:
    attrs: dict[str, Any] = {"label": n.label, "iekg_id": n.id}
    for k, v in n.props.items():
        if k != "id":
            attrs[f"prop_{k}" if k in NODE_RESERVED else k] = v
    return attrs


def _rel_attrs(r: Rel) -> dict[str, Any]:
    attrs: dict[str, Any] = {"label": r.type, "type": r.type}
    for k, v in r.props.items():
        attrs[f"prop_{k}" if k in REL_RESERVED else k] = v
    return attrs


def _add_node(g: nx.MultiDiGraph, n: Node) -> None:
    g.add_node(n.uid, **_node_attrs(n))


def _add_rel(g: nx.MultiDiGraph, r: Rel) -> None:
    if not g.has_edge(r.src, r.dst, key=r.key):
        g.add_edge(r.src, r.dst, key=r.key, **_rel_attrs(r))


def whole_graph(store: Store) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    loops = [t for t, spec in REL_TYPES.items() if any(a == b for a, b in spec.pairs)]
    for label in NODE_TYPES:
        nodes = store.nodes(label)
        for n in nodes:
            _add_node(g, n)
        uids = [n.uid for n in nodes]
        for i in range(0, len(uids), CHUNK):
            for u, rels in store.links(uids[i:i + CHUNK]).items():
                for r, _ in rels:
                    if r.src == u:  # each relationship once, from its start node
                        _add_rel(g, r)
    for t in loops:  # self-loops (a policy citing itself …), which links() leaves out
        for a, b in REL_TYPES[t].pairs:
            if a != b:
                continue
            frame = store.rel_frame(t, (), a, b)
            for ident in sorted(set(frame.loc[frame["src"] == frame["dst"], "src"])):
                for r, _ in store.neighbours(f"{a}:{ident}", [t], "out"):
                    if r.src == r.dst:
                        _add_rel(g, r)
    return g


def city_core(store: Store, city: str) -> list[str]:
    """The uids a city's subgraph is built around (see the module doc); LookupError for an unknown city."""
    c = store.get(f"City:{city}")
    if c is None:
        raise LookupError(f"city {city!r} is not in the graph: give a GB/T 2260 code such as 410200 "
                          f"(iekg search 开封 --label City finds it)")
    core = [c.uid]
    zones = [n.uid for _, n in store.neighbours(c.uid, ["PART_OF"], "in", ["Zone"])]
    core += zones
    for place in [c.uid, *zones]:
        core += [n.uid for _, n in store.neighbours(place, ["LOCATED_IN"], "in")]
    core += [n.uid for _, n in store.neighbours(c.uid, ["RAISES", "PROPOSES"], "out")]
    return list(dict.fromkeys(core))


def city_graph(store: Store, city: str) -> nx.MultiDiGraph:
    core = city_core(store, city)
    rels: list[Rel] = []
    others: set[str] = set()
    for _, links in store.links(core).items():
        for r, other in links:
            rels.append(r)
            others.add(other)
    for u in core:  # self-loops of core nodes
        if split_uid(u)[0] in ("Policy", "ChainSegment", "Industry"):
            rels += [r for r, _ in store.neighbours(u, direction="out") if r.src == r.dst]
    nodes = store.get_many([*core, *sorted(others - set(core))])
    g = nx.MultiDiGraph()
    for u in [*core, *sorted(others - set(core))]:
        if u in nodes:
            _add_node(g, nodes[u])
    for r in sorted(rels, key=lambda r: r.key):
        _add_rel(g, r)
    return g


def build_graph(store: Store, city: str | None = None) -> nx.MultiDiGraph:
    """The whole graph, or ``city``'s subgraph, as a networkx MultiDiGraph (attributes: module doc)."""
    g = city_graph(store, city) if city else whole_graph(store)
    g.graph["name"] = f"iekg {city}" if city else "iekg"
    return g


def _plain(v: Any) -> Any:
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, ensure_ascii=False, sort_keys=isinstance(v, dict))
    return v


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return "str"


def _text(v: Any) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return _XML_BAD.sub("\ufffd", s)


def flatten(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attribute values GraphML and GEXF can hold (see the module doc)."""
    out = nx.MultiDiGraph()
    out.graph.update(g.graph)
    node_data = {u: {k: _plain(v) for k, v in d.items() if v is not None and not
                     (isinstance(v, float) and math.isnan(v))} for u, d in g.nodes(data=True)}
    edge_data = {(a, b, k): {x: _plain(v) for x, v in d.items() if v is not None and not
                             (isinstance(v, float) and math.isnan(v))} for a, b, k, d in g.edges(keys=True, data=True)}
    for datas in (node_data.values(), edge_data.values()):
        kinds: dict[str, set[str]] = {}
        for d in datas:
            for k, v in d.items():
                kinds.setdefault(k, set()).add(_kind(v))
        as_text = {k for k, ks in kinds.items() if len(ks) > 1 and ks != {"int", "float"}}
        as_float = {k for k, ks in kinds.items() if ks == {"int", "float"}}
        for d in datas:
            for k, v in d.items():
                if k in as_text or isinstance(v, str):
                    d[k] = _text(v)
                elif k in as_float:
                    d[k] = float(v)
    for u, d in node_data.items():
        out.add_node(_text(u), **d)
    for (a, b, k), d in edge_data.items():
        out.add_edge(_text(a), _text(b), key=_text(k), **d)
    return out


def write(g: nx.MultiDiGraph, fmt: str, path: str | Path) -> None:
    """Write ``g`` as ``fmt`` (graphml, gexf or json) to ``path`` (through a temporary file: a failed write
    leaves no half file)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == "graphml":
            nx.write_graphml(flatten(g), tmp, encoding="utf-8", infer_numeric_types=True)
        elif fmt == "gexf":
            flat = flatten(g)
            for _, _, d in flat.edges(data=True):
                d.pop("type", None)  # GEXF's edge type means directed/undirected; the label carries ours
            nx.write_gexf(flat, tmp, encoding="utf-8")
        else:
            data = nx.node_link_data(g, edges="links")
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, default=str)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def export_graph(store: Store, fmt: str, path: str | Path, city: str | None = None) -> dict[str, Any]:
    """Write the graph (or ``city``'s subgraph) to ``path``; returns what was written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    g = build_graph(store, city)
    write(g, fmt, path)
    return {"format": fmt, "city": city, "file": str(path), "nodes": g.number_of_nodes(),
            "relationships": g.number_of_edges()}


"""A city's demo rows (``iekg.loaders.demorows``): what ``--demo-rows replace`` deletes and what it keeps."""

from __future__ import annotations

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet
from iekg.loaders.demorows import find_demo_rows


def test_a_real_self_loop_is_kept_beside_the_demo_relationships_of_its_node() -> None:
    """A real policy of the city with a real CITES to itself and a demo CITES to another real policy: the demo one is
    counted, and the self-loop is among what the replacement keeps (the relationships of a node are read in one call
    per type elsewhere, which leaves self-loops out; a type joining a label to itself is read node by node)."""
    store = SqliteStore()
    c = ChangeSet()
    city = c.add_node("City", "410200", {"name": "开封市", "source_kind": "public"})
    p1 = c.add_node("Policy", "P1", {"name": "甲", "source_kind": "user"})
    p2 = c.add_node("Policy", "P2", {"name": "乙", "source_kind": "user"})
    demo_ent = c.add_node("Enterprise", "E9", {"name": "示意企业", "source_kind": "illustrative"})
    for p in (p1, p2):
        c.add_rel("APPLIES_TO", p, city, {"source_kind": "user"})
    c.add_rel("LOCATED_IN", demo_ent, city, {"source_kind": "illustrative"})
    c.add_rel("CITES", p1, p1, {"source_kind": "user"})
    c.add_rel("CITES", p1, p2, {"source_kind": "illustrative"})
    store.apply(c)
    (found,) = find_demo_rows(store, ["410200"])
    assert found.nodes == {demo_ent}
    assert found.rels == 1
    assert [(r.src, r.dst) for r in found.replace[(p1, "CITES")]] == [(p1, p1)]
    # imported again, the same rows are not demo rows to replace
    assert find_demo_rows(store, ["410200"], c) == []

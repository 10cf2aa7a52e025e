"""Neo4j's reads of an answer made fewer or cheaper in issue 20's tenth round, each against the read it replaced:

* a node asked for again in an answer (``get``) read once per graph version, each caller given its own copy;
* many ids of a catalogue label (``node_frame``) by one pass over the label, in the ids' order as the seeks gave them;
* ``top_offers``' candidates as object columns: the same ranking as the frame pandas typed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from iekg.graph import cypher as cy
from iekg.graph import neo4j_reads
from iekg.graph.store import ChangeSet
from iekg.graph.sums import rank_candidates

CITIES = ("410100", "410200", "410300")
INDUSTRIES = ("13", "36", "38", "C", "3611")
MAJORS = ("080201", "080202", "460701", "510101", "510102", "660201")


def _graph(seed: int = 0) -> ChangeSet:
    """Cities, industries, majors (a list property among theirs) and enterprises located in the cities."""
    rnd = random.Random(seed)
    ch = ChangeSet()
    for c in CITIES:
        ch.add_node("City", c, {"name": f"市{c}", "pilot_level": rnd.choice([None, "国家", "省级"])})
    for i in INDUSTRIES:
        ch.add_node("Industry", i, {"name": f"行业{i}"})
    for m in MAJORS:
        ch.add_node("Major", m, {"name": f"专业{m}", "level": rnd.choice(["本科", "高职"]), "tags": ["a", "b"]})
    for k in range(12):
        e = f"E{k:02d}"
        ch.add_node("Enterprise", e, {"name": f"企业{e}", "employees": rnd.choice([None, 5, 12.5, "多"])})
        ch.add_rel("LOCATED_IN", f"Enterprise:{e}", f"City:{rnd.choice(CITIES)}", {})
    return ch


def _counting(neo: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements ``neo`` reads from now on."""
    read: list[str] = []
    reader = neo._read
    monkeypatch.setattr(neo, "_read", lambda q, **p: read.append(q) or reader(q, **p))
    return read


# ------------------------------------------------------------------------------------------ a node asked again
@pytest.mark.neo4j
def test_a_node_asked_again_in_an_answer_is_read_once_and_copied(neo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    neo.apply(_graph())
    read = _counting(neo, monkeypatch)
    with neo.pinned():
        read.clear()
        first, second = neo.get("Major:080201"), neo.get("Major:080201")
        assert neo.get("Major:nope") is None and neo.get("Major:nope") is None
    assert sum("RETURN properties(n) AS p" in q for q in read) == 2  # (one for each node)
    assert first == second and first is not second
    first.props["tags"].append("c")  # (a caller's change is its own)
    with neo.pinned():
        assert neo.get("Major:080201").props["tags"] == ["a", "b"]
    read.clear()
    assert neo.get("Major:080201") == second and neo.get("Major:080201") == second  # outside an answer: read each time
    assert sum("RETURN properties(n) AS p" in q for q in read) == 2
    ch = ChangeSet()
    ch.add_node("Major", "080201", {"name": "改名"})
    neo.apply(ch)
    with neo.pinned():  # a new version: read again
        assert neo.get("Major:080201").props["name"] == "改名"


# ------------------------------------------------------------------------------------------ many ids of a label
def _both(monkeypatch: pytest.MonkeyPatch, read: Callable[[], pd.DataFrame], name: str, new_way: int,
          old_way: int) -> tuple[Any, Any]:
    """``read()`` with ``cypher.<name>`` set to ``new_way``, then to ``old_way`` (the read before)."""
    with monkeypatch.context() as m:
        m.setattr(cy, name, new_way)
        new = read()
    with monkeypatch.context() as m:
        m.setattr(cy, name, old_way)
        old = read()
    return new, old


@pytest.mark.neo4j
def test_many_ids_of_a_catalogue_label_are_one_pass_in_the_ids_order(neo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    neo.apply(_graph())
    read = _counting(neo, monkeypatch)
    rnd = random.Random(3)
    for _ in range(12):
        ids = rnd.sample(MAJORS, rnd.randint(1, len(MAJORS))) + rnd.sample(["nope", "0", "zz"], rnd.randint(0, 2))
        props = rnd.choice([(), ("name",), ("level", "tags", "missing")])
        read.clear()
        new, old = _both(monkeypatch, lambda p=props, i=ids: neo.node_frame("Major", p, ids=i),
                         "CATALOGUE_SCAN_MIN", 1, 10 ** 9)
        assert fill_of(cy.NODE_COLUMNS_KEEP, "Major") in read and fill_of(cy.NODE_COLUMNS_IDS, "Major") in read
        pd.testing.assert_frame_equal(new, old)
        assert new["id"].tolist() == sorted(set(ids) & set(MAJORS))
    read.clear()  # (not a catalogue label: seeks, as before)
    with monkeypatch.context() as m:
        m.setattr(cy, "CATALOGUE_SCAN_MIN", 1)
        neo.node_frame("Enterprise", ["name"], ids=["E01", "E02"])
    assert read == [fill_of(cy.NODE_COLUMNS_IDS, "Enterprise")]


def fill_of(template: str, label: str) -> str:
    return cy.fill(template, node=label)


# ------------------------------------------------------------------------------------------ candidates
@pytest.mark.parametrize("seed", range(20))
def test_candidates_as_object_columns_rank_as_the_typed_frame(seed: int) -> None:
    rnd = random.Random(seed)
    n = rnd.randint(0, 40)
    cols: dict[str, list[Any]] = {
        "institution": [rnd.choice(["I1", "I2", "I10", "院校", None]) for _ in range(n)],
        "major": [rnd.choice(["M1", "M2", "M3"]) for _ in range(n)],
        "year": [rnd.choice([2024, 2024, None] if seed % 4 == 0 else [2024]) for _ in range(n)],
        "volume": [rnd.choice([0, 1, 2.5, 10.0, float("nan")] if seed % 3 == 0 else [1.0, 2.5, 10.0]) for _ in range(n)]}
    pairs = [(f"{k:02d}", m, rnd.choice([0.25, 1.0])) for k in range(3) for m in rnd.sample(["M1", "M2", "M3", "M4"], 2)]
    limit = rnd.choice([1, 3, 20])
    got = rank_candidates(neo4j_reads._candidate_frame(cols), pairs, limit)
    want = rank_candidates(pd.DataFrame(cols), pairs, limit)  # (the frame as it was made before)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes) == list(want.dtypes)

"""Neo4j's program packs (``IekgProgramPack``, sums version 5): the programs of some majors in a year (``rel_frame``
of OFFERS with a year and majors — who trains, partners) read from one node per major are the frame the
relationships give and the embedded store gives, counts missing and present, of some institutions or all; a pack
changed behind the store's back is what Neo4j answers; a major whose counts are not all integers, and a database of
layout 4, are read from the relationships until the next import packs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_sums_kept import base

from iekg.graph import neo4j_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet

pytestmark = pytest.mark.neo4j

INSTS = ("I1", "I2", "I3", "I4")
ASKS = [(props, src, dst) for props in (["year", "graduates", "enrollment"], ["graduates"], [])
        for src in (None, list(INSTS), ["I1", "I9"]) for dst in (["M1", "M2", "M3"], ["M2"], ["M3", "M9"])]


def graph() -> ChangeSet:
    """:func:`test_sums_kept.base` with programs of M1 and M2 in two years (some graduates missing: only M2's in
    2024) and of M3 in one."""
    cs = base()
    for k, (inst, major) in enumerate([(i, m) for i in INSTS for m in ("M1", "M2")]):
        for year in (2023, 2024):
            missing = major == "M2" and year == 2024 and k % 3 == 1
            cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:{major}",
                       {"year": year, "graduates": None if missing else 10 * k + year % 7, "enrollment": 30 + k})
    cs.add_rel("OFFERS", "Institution:I3", "Major:M3", {"year": 2024, "graduates": 7, "enrollment": 9})
    return cs


def frames(store: Any) -> list[pd.DataFrame]:
    return [store.rel_frame("OFFERS", props, "Institution", "Major", src_ids=src, dst_ids=dst, where={"year": y})
            .sort_values(["src", "dst"]).reset_index(drop=True) for props, src, dst in ASKS for y in (2023, 2024, 1999)]


def rows_of(store: Any) -> list[pd.DataFrame]:
    """:func:`frames` read from the relationships."""
    store.programs_ready = lambda: False
    try:
        return frames(store)
    finally:
        del store.programs_ready


def same(got: list[pd.DataFrame], want: list[pd.DataFrame]) -> None:
    for k, (a, b) in enumerate(zip(got, want, strict=True)):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=str(ASKS[k // 3]))


def test_program_packs_are_the_rows_on_both_stores(neo: Any, tmp_path: Path) -> None:
    sqlite = SqliteStore(tmp_path / "graph.sqlite")
    sqlite.apply(graph(), fresh=True)
    neo.apply(graph(), fresh=True)
    assert neo.programs_ready()
    got = frames(neo)
    same(got, rows_of(neo))
    same(got, frames(sqlite))
    # exact rows: M2's programs of I1 and I9 (I9 offers none), its graduates missing in 2024 (k = 1)
    ask = ASKS.index((["year", "graduates", "enrollment"], ["I1", "I9"], ["M2"]))
    assert got[3 * ask + 1].to_dict("records") == [
        {"src": "I1", "dst": "M2", "year": 2024, "graduates": None, "enrollment": 31}]
    assert got[3 * ask]["graduates"].tolist() == [10]
    assert len(got[3 * ASKS.index(([], None, ["M1", "M2", "M3"])) + 1]) == 9 and all(len(f) == 0 for f in got[2::3])
    sqlite.close()


def test_the_packs_are_what_neo4j_answers_and_layout_4_reads_the_rows(neo: Any) -> None:
    neo.apply(graph(), fresh=True)
    before = frames(neo)
    neo._write(f"MATCH (p:{neo4j_sums.PROGRAM_PACK} {{major: 'M3'}}) SET p.enrollment = [x IN p.enrollment | x + 1]")
    neo.forget()
    moved = frames(neo)
    ask = ASKS.index((["year", "graduates", "enrollment"], None, ["M3", "M9"]))
    assert moved[3 * ask + 1]["enrollment"].tolist() == [10] and before[3 * ask + 1]["enrollment"].tolist() == [9]
    # a major whose programs could not be packed: the relationships are read instead
    neo._write(f"MATCH (p:{neo4j_sums.PROGRAM_PACK} {{major: 'M3'}}) SET p.packed = false")
    neo.forget()
    same(frames(neo), before)
    # layout 4: the relationships are read; the next import packs every major again
    neo._write(f"MATCH (p:{neo4j_sums.PROGRAM_PACK} {{major: 'M3'}}) SET p.packed = true")
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) SET m.sums = 4")
    neo.forget()
    assert neo.packs_ready() and not neo.programs_ready()
    same(frames(neo), before)
    cs = ChangeSet()
    cs.add_rel("OFFERS", "Institution:I4", "Major:M3", {"year": 2024, "graduates": 5.5, "enrollment": 2})
    neo.apply(cs)  # (a count that is not an integer: M3 is not packed, and read from its relationships)
    assert neo.programs_ready()
    packed = {r["m"]: r["packed"] for r in neo._read(
        f"MATCH (p:{neo4j_sums.PROGRAM_PACK}) RETURN p.major AS m, p.packed AS packed")}
    assert packed == {"M1": True, "M2": True, "M3": False}
    after = frames(neo)
    same(after, rows_of(neo))
    assert sorted(after[3 * ask + 1]["graduates"].tolist()) == [5.5, 7.0]


def test_an_import_repacks_the_majors_it_touches(neo: Any) -> None:
    """A program written, an institution's programs replaced, an institution and a major deleted: the packs are
    recomputed with the import, and read as the relationships after each."""
    neo.apply(graph(), fresh=True)

    def counts() -> dict[str, int]:
        return {r["m"]: r["n"] for r in neo._read(
            f"MATCH (p:{neo4j_sums.PROGRAM_PACK}) RETURN p.major AS m, size(p.institutions) AS n")}

    assert counts() == {"M1": 8, "M2": 8, "M3": 1}
    cs = ChangeSet()
    cs.add_rel("OFFERS", "Institution:I1", "Major:M3", {"year": 2023, "graduates": 4})
    neo.apply(cs)
    assert counts() == {"M1": 8, "M2": 8, "M3": 2}
    same(frames(neo), rows_of(neo))
    cs = ChangeSet()
    cs.replace.add(("Institution:I2", "OFFERS"))  # I2 keeps its M1 program of 2024 only
    cs.add_rel("OFFERS", "Institution:I2", "Major:M1", {"year": 2024, "graduates": 1, "enrollment": 2})
    neo.apply(cs)
    assert counts() == {"M1": 7, "M2": 6, "M3": 2}
    same(frames(neo), rows_of(neo))
    cs = ChangeSet()
    cs.delete_nodes |= {"Institution:I1", "Major:M3"}
    neo.apply(cs)
    assert counts() == {"M1": 5, "M2": 4}
    same(frames(neo), rows_of(neo))

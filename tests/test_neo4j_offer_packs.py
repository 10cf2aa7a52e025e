"""Neo4j's packed offer sums (``IekgOfferPack``, sums version 4): every major's offer sums of some cities and a
year read from one node per city and year give the very frame the kept rows (``IekgOfferSum``) and the embedded
store give — keys, levels missing, order and column types — also for a city with an unpacked node (read from its
rows) and for a year without programs; the years, programs and offering institutions the data coverage reads
from the same nodes are the kept ``IekgInstYearSum`` nodes' and the embedded store's; a pack changed behind the store's back is
what it answers; a database of layout 3 is read from its rows until its next import packs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_sums_kept import CITIES, base

from iekg.graph import neo4j_sums
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet

pytestmark = pytest.mark.neo4j


def graph() -> ChangeSet:
    """Programs in every city and both years, majors with and without a level, institutions with and without one."""
    cs = base()
    for k, m in enumerate(("M1", "M2", "M3", "M4")):
        cs.add_node("Major", m, {"name": f"专业{m}", **({"level": ("本科", "高职专科")[k % 2]} if k < 3 else {})})
    for k, (inst, major) in enumerate([(i, m) for i in ("I1", "I2", "I3", "I4") for m in ("M1", "M2", "M4")]):
        for year in (2023, 2024):
            props: dict[str, Any] = {"year": year, "graduates": None if k % 4 == 0 else 10 * k + year % 7,
                                     "enrollment": 30 + k, "employment_rate": None if k % 3 else 0.9,
                                     "leading": None if k % 5 == 1 else k % 2 == 0}
            cs.add_rel("OFFERS", f"Institution:{inst}", f"Major:{major}", props)
    return cs


SCOPES = [list(CITIES), [CITIES[0]], [CITIES[2]], [CITIES[1], CITIES[2]]]


def frames(store: Any) -> list[tuple[Any, ...]]:
    return [(tuple(cs), y, store.offer_sums(cs, y)) for cs in SCOPES for y in (2023, 2024, 1999)]


def years(store: Any) -> list[Any]:
    """What the data coverage reads of the years (from the packs' institutions and programs at layout 4)."""
    store.forget()
    out: list[Any] = [store.offer_year_counts_each(list(CITIES)).to_dict("records")]
    for cs in SCOPES:
        out += [(tuple(cs), store.offer_years(cs).to_dict(), store.offer_year_counts(cs).to_dict("records"),
                 store.offer_year_counts(cs, [2024]).to_dict("records"),
                 sorted(store.offering_institutions(cs, 2024)), sorted(store.offering_institutions(cs, 1999)))]
    return out


def same(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]]) -> None:
    for (cs, y, a), (_, _, b) in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f"{cs} {y}")


def test_packed_offer_sums_are_the_rows_on_both_stores(neo: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sqlite = SqliteStore(tmp_path / "graph.sqlite")
    sqlite.apply(graph(), fresh=True)
    neo.apply(graph(), fresh=True)
    assert neo.packs_ready()
    packs = {(r["c"], r["y"]): r["p"] for r in neo._read(
        f"MATCH (p:{neo4j_sums.OFFER_PACK}) RETURN p.city AS c, p.year AS y, p.packed AS p")}
    assert packs == {(c, y): True for c in CITIES for y in (2023, 2024)}
    packed = frames(neo)
    assert any(f["major_level"].isna().any() for *_, f in packed) and all(len(f) for cs, y, f in packed if y != 1999)
    same(packed, frames(sqlite))
    packed_years = years(neo)
    assert packed_years == years(sqlite) and packed_years[1][4]  # (some institutions offer programs in 2024)
    # a city × year whose keys could not be packed (a level that is not text) has a node without lists: the city is
    # read from its rows, none of its rows from a pack
    neo._write(f"MATCH (p:{neo4j_sums.OFFER_PACK} {{city: $c, year: 2024}}) SET p.packed = false "
               "REMOVE p.major, p.graduates", c=CITIES[2])
    neo.forget()
    same(packed, frames(neo))
    # a pack whose institutions could not be kept (an id that is not text): the years from the kept nodes
    neo._write(f"MATCH (p:{neo4j_sums.OFFER_PACK} {{city: $c, year: 2023}}) REMOVE p.institutions", c=CITIES[1])
    assert years(neo) == packed_years
    monkeypatch.setattr(type(neo), "packs_ready", lambda self: False)  # the kept rows, as before the packs
    same(packed, frames(neo))
    assert years(neo) == packed_years
    same(packed, frames(sqlite))
    sqlite.close()


def test_the_packs_are_what_neo4j_answers_and_layout_3_reads_the_rows(neo: Any) -> None:
    neo.apply(graph(), fresh=True)
    before = neo.offer_sums([CITIES[0]], 2024)
    counts = neo.offer_year_counts_each([CITIES[0]])
    neo._write(f"MATCH (p:{neo4j_sums.OFFER_PACK} {{city: $c}}) SET p.graduates = [x IN p.graduates | x + 1.0], "
               "p.inst_programs = p.inst_programs + 1, p.institutions = p.institutions + ['I99']", c=CITIES[0])
    neo.forget()
    moved = neo.offer_sums([CITIES[0]], 2024)
    assert moved["graduates"].tolist() == [g + 1.0 for g in before["graduates"]]
    assert neo.offer_year_counts_each([CITIES[0]])[["programs", "institutions"]].values.tolist() == \
        (counts[["programs", "institutions"]] + 1).values.tolist()
    assert "I99" in neo.offering_institutions([CITIES[0]], 2024)
    assert neo.offer_sums([CITIES[0]], 2024, ["M1", "M2", "M4"])["graduates"].tolist() == before["graduates"].tolist()
    neo._write(f"MATCH (m:{neo4j_sums.META} {{id: 'graph'}}) SET m.sums = 3")  # the layout before the packs
    neo.forget()
    assert neo.sums_ready() and neo.top_ready() and not neo.packs_ready()
    pd.testing.assert_frame_equal(neo.offer_sums([CITIES[0]], 2024), before, check_exact=True)
    pd.testing.assert_frame_equal(neo.offer_year_counts_each([CITIES[0]]), counts)
    cs = ChangeSet()
    cs.add_rel("OFFERS", "Institution:I1", "Major:M3", {"year": 2024, "graduates": 5})
    neo.apply(cs)  # the next import packs every city again
    assert neo.packs_ready()
    got = neo.offer_sums([CITIES[0]], 2024)
    assert got[got["major"] != "M3"].reset_index(drop=True).equals(before)
    assert got.loc[got["major"] == "M3", "graduates"].tolist() == [5.0]

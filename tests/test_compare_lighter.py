"""The leading programs of a batch of cities (readiness' leading majors, as ``compare`` and ``readiness --all`` ask
them): for many cities :meth:`Batch.leading_offers` reads the whole label's leading programs of the year and keeps
those of the cities' institutions by the merge (no id list sent to the store), for one city its institutions' —
the same keys per city either way, an institution outside the cities, a program of another year and one not
marked leading left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries.metrics import Batch

USER = {"source": "t", "source_kind": "user"}
# (institution, its city, major, year, leading): I4 is in a city not asked for
PROGRAMS = [("I1", "410100", "510101", 2024, True), ("I1", "410100", "510102", 2024, False),
            ("I1", "410100", "510103", 2023, True), ("I2", "410200", "510101", 2024, True),
            ("I2", "410200", "510104", 2024, None), ("I3", "410200", "510102", 2024, True),
            ("I4", "410300", "510101", 2024, True)]
ASKED = ["410100", "410200"]
EXPECTED = {"410100": ["OFFERS|Institution:I1|Major:510101|year=2024"],
            "410200": ["OFFERS|Institution:I2|Major:510101|year=2024", "OFFERS|Institution:I3|Major:510102|year=2024"]}


def _build(store: Store) -> None:
    ch = ChangeSet()
    for code in ("410100", "410200", "410300"):
        ch.add_node("City", code, {"name": code, **USER})
    for m in ("510101", "510102", "510103", "510104"):
        ch.add_node("Major", m, {"name": f"专业{m}", **USER})
    for inst, city in sorted({(i, c) for i, c, *_ in PROGRAMS}):
        ch.add_rel("LOCATED_IN", ch.add_node("Institution", inst, {"name": f"院校{inst}", **USER}), f"City:{city}", USER)
    for inst, _, m, y, lead in PROGRAMS:
        ch.add_rel("OFFERS", f"Institution:{inst}", f"Major:{m}", {"year": y, "leading": lead, **USER})
    store.apply(ch)


def _keys_and_reads(store: Store, cities: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Any]]:
    """The batch's leading keys of 2024 and the ``src_ids`` each OFFERS read was given."""
    asked: list[Any] = []
    read = type(store).rel_frame

    def spy(self: Store, rel_type: str, *args: Any, **kw: Any) -> Any:
        if rel_type == "OFFERS":
            ids = kw.get("src_ids")
            asked.append(None if ids is None else sorted(ids))
        return read(self, rel_type, *args, **kw)

    monkeypatch.setattr(type(store), "rel_frame", spy)
    try:
        return Batch(store, cities).leading_keys(2024), asked
    finally:
        monkeypatch.undo()


def test_many_cities_read_the_label_once_and_keep_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = SqliteStore(tmp_path / "graph.sqlite")
    _build(s)
    keys, asked = _keys_and_reads(s, ASKED, monkeypatch)
    assert keys == EXPECTED
    assert asked == [None]  # the whole label's leading programs: no id list
    for city in ASKED:  # one city alone: its own institutions' ids, the same keys
        one, ids = _keys_and_reads(s, [city], monkeypatch)
        assert one == {city: EXPECTED[city]}
        assert ids == [sorted({i for i, c, *_ in PROGRAMS if c == city})]


@pytest.mark.neo4j
def test_neo4j_gives_the_same_keys(neo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(neo)
    keys, asked = _keys_and_reads(neo, ASKED, monkeypatch)
    assert keys == EXPECTED and asked == [None]
    assert _keys_and_reads(neo, ["410200"], monkeypatch)[0] == {"410200": EXPECTED["410200"]}

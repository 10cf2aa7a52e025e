"""Issue 20 (national latency), the shared query code doing less per answer, the answers unchanged:
:func:`iekg.graph.sums.rank_candidates` sorts only the rows that can be among each key's first ``limit`` (equal to
the frame version, ties and all); :func:`iekg.queries.readiness.readiness` without its conditions (what the gaps'
target shortfalls read) measures no condition and gives the targets as the full readiness does; one answer asking
for a scope's data coverage as "the latest year" and by that year's number computes it once, and the public-only
check still finds its institutions; the chain gaps' unserved chains, found in plain sets, are those of the frame
joins."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import demo_copy
from typer.testing import CliRunner

from iekg.cli import app
from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.sums import TOP_OFFER_COLUMNS, rank_candidates, rollup
from iekg.queries import readiness as readiness_mod
from iekg.queries.alignment import focus_segments
from iekg.queries.coverage import data_coverage, public_only
from iekg.queries.facts import ScopeSums
from iekg.queries.gaps import _chain_findings, target_gaps
from iekg.queries.readiness import readiness
from iekg.queries.scope import Scope, located_in

WORKED = Path(__file__).parent / "fixtures" / "worked_example"


@pytest.fixture(scope="module")
def store(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    s = SqliteStore(demo_copy(demo_graph, tmp_path_factory.mktemp("shortcuts")) / "graph.sqlite")
    yield s
    s.close()


# ------------------------------------------------------------------------------------ rank_candidates
def _reference(candidates: pd.DataFrame, pairs: list[tuple[str, str, float]], limit: int) -> pd.DataFrame:
    """The frame version (as sums.top_offers ranks): every pair's candidates, supply = volume × weight, per key the
    first ``limit`` by supply (descending), institution, major."""
    p = pd.DataFrame(pairs, columns=["key", "major", "weight"])
    rows = candidates.merge(p, on="major")
    rows["supply"] = rows["volume"].astype(float) * rows["weight"].astype(float)
    rows = rows.sort_values(["key", "supply", "institution", "major"], ascending=[True, False, True, True],
                            kind="mergesort", na_position="last")
    out = rows.groupby("key", sort=True).head(limit)[list(TOP_OFFER_COLUMNS)].reset_index(drop=True)
    return out.astype({"key": object, "institution": object, "major": object})


def _plain(f: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(None if isinstance(v, float) and v != v else v for v in r) for r in
            f[list(TOP_OFFER_COLUMNS)].itertuples(index=False, name=None)]


@pytest.mark.parametrize("seed", range(40))
def test_rank_candidates_is_the_frame_version_ties_and_all(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    # few distinct volumes and weights: many ties, broken by institution then major
    candidates = pd.DataFrame({
        "institution": [f"I{rng.integers(0, 25):02d}" for _ in range(n)],
        "major": [f"M{rng.integers(0, 12):02d}" for _ in range(n)],
        "year": [2024] * n,
        "volume": rng.choice([0.0, 10.0, 20.0, 30.0, 45.5], n)})
    if seed % 5 == 0:  # a missing volume ranks last, as in the frame version
        candidates.loc[rng.integers(0, n, 3), "volume"] = np.nan
    pairs = [(f"K{rng.integers(0, 6)}", f"M{rng.integers(0, 14):02d}", float(rng.choice([0.0, 0.25, 0.5, 1.0])))
             for _ in range(int(rng.integers(1, 40)))]
    for limit in (1, 3, 20):
        got = rank_candidates(candidates, pairs, limit)
        assert _plain(got) == _plain(_reference(candidates, pairs, limit)), (seed, limit)


def test_rank_candidates_cuts_the_rows_that_cannot_rank() -> None:
    """Many majors per key, a small limit: most rows are below the bound and never sorted — the answer is that
    of the frame version all the same (the bound is ≤ the key's limit-th supply, never above it)."""
    rng = np.random.default_rng(7)
    majors = [f"M{i:03d}" for i in range(200)]
    candidates = pd.DataFrame({"institution": [f"I{i % 37:02d}" for i in range(2000)],
                               "major": [majors[i % 200] for i in range(2000)], "year": 2024,
                               "volume": rng.integers(0, 50, 2000).astype(float)})
    pairs = [(f"K{i % 3}", m, 1.0 if i % 2 else 0.5) for i, m in enumerate(majors)]
    got = rank_candidates(candidates, pairs, 5)
    assert len(got) == 15 and _plain(got) == _plain(_reference(candidates, pairs, 5))


# ------------------------------------------------------------------------------------ readiness without conditions
def test_readiness_without_conditions_measures_the_targets_only(store: SqliteStore,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    full = readiness(store, "410200")
    measured: list[str] = []
    for name, fn in list(readiness_mod.METRICS.items()):
        def spy(ctx: Any, fn: Any = fn, name: str = name) -> Any:
            measured.append(name)
            return fn(ctx)
        monkeypatch.setitem(readiness_mod.METRICS, name, spy)
    part = readiness(store, "410200", conditions=False)
    kinds = {i["metric"]: i["kind"] for i in full["items"]}
    assert measured and all(kinds[m] != "condition" for m in measured)
    assert any(k == "condition" for k in kinds.values())  # (the demo's notice has conditions: they were left out)
    assert part["items"] == [i for i in full["items"] if i["kind"] != "condition"]
    assert (part["targets_met"], part["targets_total"]) == (full["targets_met"], full["targets_total"])
    assert target_gaps(part) == target_gaps(full)


# ------------------------------------------------------------------------------------ data coverage, once
def test_the_latest_year_and_its_number_share_one_coverage(store: SqliteStore) -> None:
    store.forget()
    latest = Scope(("410200",), None)
    sums = ScopeSums.gather(store, latest)
    first = data_coverage(store, latest, None, sums)
    assert data_coverage(store, Scope(("410200",), sums.year), sums.year, sums) is first  # (the memo's: one compute)
    store.forget()
    assert data_coverage(store, Scope(("410200",), sums.year), sums.year) == first  # (without the sums: the same)


def test_public_only_found_for_a_scope_of_the_latest_year(tmp_path: Path, public_dir: Path) -> None:
    """A one-city graph built with --public: the public-only institutions of 开封 (10 as shipped) are found
    whether the scope names its year or leaves it to the latest, with the sums or without."""
    data = tmp_path / "data"
    shutil.copytree(WORKED, data)
    (data / "README.md").unlink()
    r = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "build", "--no-demo", "--data", str(data),
                                 "--public", str(public_dir)])
    assert r.exit_code == 0, r.output
    s = SqliteStore(tmp_path / "home" / "graph.sqlite")
    try:
        latest = Scope(("410200",), None)
        sums = ScopeSums.gather(s, latest)
        insts, cities = public_only(s, latest, sums)
        assert len(insts) == 10 and cities == set()
        assert public_only(s, Scope(("410200",), sums.year), sums) == (insts, cities)
        s.forget()
        assert public_only(s, latest) == (insts, cities)
        assert data_coverage(s, latest, None)["institutions"]["public_only"] == 10
    finally:
        s.close()


# ------------------------------------------------------------------------------------ unserved chains
def _unserved_by_frames(store: SqliteStore, scopes: dict[str, Scope]) -> list[tuple[str, str]]:
    """The frame joins the chain findings used before: each key's focus chains no base in its scope serves."""
    segs_of = {k: f for k, sc in scopes.items() if not (f := focus_segments(store, sc)).empty}
    key_of_city = pd.DataFrame([(k, c) for k in segs_of for c in scopes[k].cities], columns=["key", "city"])
    segs = pd.concat([f.assign(key=k) for k, f in segs_of.items()], ignore_index=True)
    bases = located_in(store, "TrainingBase", cities=sorted({c for k in segs_of for c in scopes[k].cities}))
    serves = store.rel_frame("SERVES", src_label="TrainingBase", src_ids=bases["id"])
    served = serves.merge(bases.rename(columns={"id": "src"}), on="src").merge(key_of_city, on="city")
    by_seg = pd.MultiIndex.from_arrays([served["key"], served["dst"]])
    by_ind = pd.MultiIndex.from_arrays([served["key"], rollup(served["dst"])]) if len(served) else by_seg
    hit = (pd.MultiIndex.from_arrays([segs["key"], segs["segment"]]).isin(by_seg)
           | pd.MultiIndex.from_arrays([segs["key"], segs["industry"]]).isin(by_ind))
    chains = segs.assign(hit=hit).groupby(["key", "chain"], sort=True)["hit"].any()
    return [(str(k), str(c)) for k, c in chains[~chains].index]


def test_unserved_chains_are_those_of_the_frame_joins(store: SqliteStore) -> None:
    cities = sorted(store.node_frame("City")["id"])
    scopes = {c: Scope((c,), None) for c in cities}
    scopes["pair"] = Scope(("410100", "410300"), None)
    scopes["all"] = Scope(tuple(cities), None)
    found = _chain_findings(store, scopes, counted_only=True)
    assert found is not None
    got = [(str(k), str(c)) for k, c in zip(found.unserved["key"], found.unserved["chain"], strict=True)]
    want = _unserved_by_frames(store, scopes)
    assert got == want and len(want) >= 10  # (the demo has unserved chains in many cities)

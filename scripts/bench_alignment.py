"""Benchmark (not a test): alignment of every city, iekg vs a bare numpy computation of the same numbers.

    .venv/bin/python scripts/bench_alignment.py                 # the demo (scale 1)
    .venv/bin/python scripts/bench_alignment.py --scale 100     # a generated scale-100 graph as well

For each graph it prints, for the alignment of every city (``alignment_table``):

- **cold**: the first call on a freshly loaded store: reading the rows out of the store, joining
  programs to crosswalk weights and demand to industries, and aggregating;
- **join + aggregate**: the same with the store's tables already read (memoised results dropped),
  best of N: iekg's own computation from in-memory tables of ids;
- **aggregate**: the vectorised pass over the joined rows (memoised join), best of N;
- **bare numpy**: the same supply, demand, ratio, status, deviation and SAI from integer-coded arrays
  (the expansion of programs over their weights included; extracting the arrays is not timed),
  checked equal to iekg's numbers;

and the ratios of iekg's join + aggregate and aggregate to bare numpy; then the full per-city
``alignment()`` (with cooperation density and coverage) for all cities.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from iekg.graph.sqlitestore import SqliteStore  # noqa: E402
from iekg.loaders.pipeline import load  # noqa: E402
from iekg.loaders.readers import read_paths  # noqa: E402
from iekg.loaders.report import Report  # noqa: E402
from iekg.loaders.source import ILLUSTRATIVE, REFERENCE  # noqa: E402
from iekg.queries import alignment as al  # noqa: E402
from iekg.queries import facts as qfacts  # noqa: E402
from iekg.queries import scope as qscope  # noqa: E402
from iekg.settings import Settings  # noqa: E402


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bare_numpy(prog_city: np.ndarray, prog_major: np.ndarray, volume: np.ndarray, w_ptr: np.ndarray,
               w_ind: np.ndarray, w_val: np.ndarray, d_city: np.ndarray, d_ind: np.ndarray, d_val: np.ndarray,
               n_city: int, n_ind: int) -> dict[str, np.ndarray]:
    """Supply, demand, ratio, status, deviation and SAI for every city from integer-coded arrays."""
    counts = w_ptr[prog_major + 1] - w_ptr[prog_major]
    rep = np.repeat(np.arange(len(prog_major)), counts)
    offs = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)
    widx = w_ptr[prog_major][rep] + offs
    s = np.bincount(prog_city[rep] * n_ind + w_ind[widx], weights=volume[rep] * w_val[widx],
                    minlength=n_city * n_ind).reshape(n_city, n_ind)
    d = np.bincount(d_city * n_ind + d_ind, weights=d_val, minlength=n_city * n_ind).reshape(n_city, n_ind)
    S, D = s.sum(axis=1, keepdims=True), d.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d > 0, s / d, np.nan)
        ss, dd = s / S, d / D
        dev = np.where(d > 0, ss / dd - 1, np.nan)
    status = np.select([(d == 0) & (s > 0), (d > 0) & (s == 0), ratio < 0.8, ratio > 1.25],
                       ["no_demand", "unmet", "shortage", "surplus"], default="balanced")
    sai = 1 - 0.5 * np.abs(ss - dd).sum(axis=1)
    return {"s": s, "d": d, "ratio": ratio, "dev": dev, "status": status, "sai": sai}


def encode(store: SqliteStore, cities: list[str], year: int) -> tuple[tuple, list[str], list[str]]:  # type: ignore[type-arg]
    """Integer-coded arrays for the bare computation (extraction is not timed)."""
    base = qfacts.ScopeData.gather(store, qscope.Scope(tuple(cities), year))
    progs = base.programs
    w = base.weights.frame.sort_values("major")
    dem = base.demand_rows.dropna(subset=["industry"])
    industries = sorted(set(w["industry"]) | set(dem["industry"]))
    majors = sorted(set(w["major"]) | set(progs["major"]))
    ci = {c: k for k, c in enumerate(cities)}
    ii = {c: k for k, c in enumerate(industries)}
    mi = {c: k for k, c in enumerate(majors)}
    wm = w["major"].map(mi).to_numpy()
    w_ptr = np.zeros(len(majors) + 1, dtype=np.int64)
    np.add.at(w_ptr, wm + 1, 1)
    w_ptr = np.cumsum(w_ptr)
    arrays = (progs["city"].map(ci).to_numpy(), progs["major"].map(mi).to_numpy(), progs["volume"].to_numpy(float),
              w_ptr, w["industry"].map(ii).to_numpy(), w["weight"].to_numpy(float),
              dem["city_code"].map(ci).to_numpy(), dem["industry"].map(ii).to_numpy(), dem["demand"].to_numpy(float),
              len(cities), len(industries))
    return arrays, cities, industries


def bench(label: str, store: SqliteStore, load_s: float, repeat: int) -> list[str]:
    cities = sorted(n.id for n in store.nodes("City"))
    store.forget()
    t0 = time.perf_counter()
    table, totals = al.alignment_table(store, cities)  # the store's first read since the load
    cold = time.perf_counter() - t0
    year = int(totals["year"].iloc[0])

    def joined() -> None:
        store.forget()  # memoised join dropped; the store's own tables stay read
        al.alignment_table(store, cities, year)

    join = best(joined, max(1, repeat // 2))
    warm = best(lambda: al.alignment_table(store, cities, year), repeat)
    full = best(lambda: [al.alignment(store, qscope.Scope((c,), year)) for c in cities], max(1, repeat // 3))
    arrays, _, industries = encode(store, cities, year)
    bare = best(lambda: bare_numpy(*arrays), repeat)
    ref = bare_numpy(*arrays)
    # the same numbers?
    for k, c in enumerate(cities):
        if c not in totals.index:
            continue
        assert abs(totals.loc[c, "S"] - ref["s"][k].sum()) < 1e-6 * max(1, totals.loc[c, "S"])
        got = table.loc[c]
        for code, row in got.iterrows():
            j = industries.index(code)
            assert abs(row["supply"] - ref["s"][k, j]) < 1e-6 and abs(row["demand"] - ref["d"][k, j]) < 1e-6
            assert row["status"] == ref["status"][k, j]
        if not pd.isna(totals.loc[c, "sai"]):
            assert abs(totals.loc[c, "sai"] - ref["sai"][k]) < 1e-9
    n_prog = len(qfacts.ScopeData.gather(store, qscope.Scope(tuple(cities), year)).programs)
    return [f"| {label} | {len(cities)} | {n_prog} | {load_s:.1f} | {cold * 1e3:.0f} | {join * 1e3:.0f} | "
            f"{warm * 1e3:.2f} | {bare * 1e3:.2f} | {join / bare:.0f}× | {warm / bare:.1f}× | {full * 1e3:.0f} |"]


def load_folder(folders: list[Path]) -> tuple[SqliteStore, float]:
    settings = Settings()
    t0 = time.perf_counter()
    report = Report()
    ref = [f for f in sorted(settings.reference_dir.glob("*.csv")) if not f.name.startswith("notice_")]
    tables = read_paths(ref, report, kind=REFERENCE) + read_paths(folders, report, kind=ILLUSTRATIVE)
    store = SqliteStore()
    load(store, tables, report)
    return store, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, action="append", default=[], help="also a generated graph at this scale")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--public", type=Path, default=Path(os.environ.get("IEKG_PUBLIC_DIR", REPO.parent / "shared/data/public")))
    args = ap.parse_args()
    rows = ["| graph | cities | programs (year) | load s | cold ms | join + aggregate ms | aggregate ms "
            "| bare numpy ms | join+agg / bare | agg / bare | per-city alignment() ×18 ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    store, secs = load_folder([Settings().demo_dir])
    rows += bench("demo (scale 1)", store, secs, args.repeat)
    for scale in args.scale:
        from iekg.demo.generate import generate

        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            generate(tmp, scale=scale, public_dir=args.public)
            (Path(tmp) / "employment.csv").unlink()  # not used by alignment; 2/3 of the rows at scale 100
            gen = time.perf_counter() - t0
            print(f"generated scale {scale} in {gen:.1f} s", file=sys.stderr)
            store, secs = load_folder([Path(tmp)])
        rows += bench(f"synthetic (scale {scale})", store, secs, args.repeat)
    print("\n".join(rows))


if __name__ == "__main__":
    main()

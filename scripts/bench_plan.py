"""Benchmark (printed, not asserted) of issue 23's planning: the majors optimiser for one city and for a
province, and the evaluation of a what-if scenario for one city.

    IEKG_HOME=/tmp/demo-lead .venv/bin/python scripts/bench_plan.py
    IEKG_HOME=/tmp/bh2-coop  .venv/bin/python scripts/bench_plan.py --city 410200 --province 410000

It only reads the graph.  For the optimiser it prints the problem's size (variables, integer variables,
constraints, programs, candidate new programs, industries; one model or city by city — status ``approximate`` —
with the number of parts), the build, solve and total seconds of the first run (cold: the scope's sums read from
the store) and the median of ``--runs`` more (warm: the sums memoised) of the solve and the total seconds,
with the number of changes.  For the scenario it builds a handful of changes from the city's own programs
(``--changes`` programs given 10 more graduates, one closed, demand of 100 added to the first industry with
demand) and prints the first and the median evaluation time (:func:`iekg.plan.scenario.evaluate`).
The aims of the issue: scenario evaluation ≤ 1 s for a city, the optimiser ≤ 10 s for a city and a province.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from iekg import service  # noqa: E402
from iekg.plan.majors import recommend  # noqa: E402
from iekg.plan.optimise import Constraints, highs_version  # noqa: E402
from iekg.queries.scope import resolve_scope  # noqa: E402
from iekg.settings import Settings  # noqa: E402


def forget(store: Any) -> None:
    """Drop the store's memoised results (the next read is cold)."""
    memo = getattr(store, "memo", None)
    clear = getattr(memo, "clear", None)
    if callable(clear):
        clear()


def optimiser(store: Any, label: str, runs: int, c: Constraints, exact: bool | None = None,
              time_limit: float = 60.0, **scope: Any) -> None:
    sc = resolve_scope(store, **scope)
    rows = []
    for _ in range(runs + 1):
        t = time.perf_counter()
        r = recommend(store, sc, c, exact=exact, time_limit=time_limit)
        rows.append((time.perf_counter() - t, r))
    cold_total, first = rows[0]
    warm = rows[1:] or rows
    s = first["size"]
    print(f"optimiser {label} ({sc.name}, {len(sc.cities)} cities, year {first['year']}): {first['status']}, "
          f"{len(first['changes'])} changes")
    print(f"  size: {s['variables']} variables ({s['integer_variables']} integer), {s['constraints']} constraints; "
          f"{s['programs']} programs, {s['candidates']} candidates, {s['industries']} industries"
          + (f"; {s['method']}: {s['parts']} parts, the largest {s['largest_part_variables']} variables"
             if s.get("method") else "; one model (exact)"))
    print(f"  cold: build {s.get('build_seconds', float('nan')):.2f} s, solve {s['seconds']:.2f} s, total "
          f"{cold_total:.2f} s; gap reached {s.get('mip_gap')}")
    print(f"  warm median of {len(warm)}: solve {statistics.median(r['size']['seconds'] for _, r in warm):.2f} s, "
          f"total {statistics.median(t for t, _ in warm):.2f} s")
    print(f"  SAI {first['before']['sai']:.4f} → {(first['after'] or {}).get('sai') or float('nan'):.4f}; unmet "
          f"{first['before']['unmet_demand']:.1f} → {(first['after'] or {}).get('unmet_demand', float('nan')):.1f}")


def scenario(store: Any, city: str, runs: int, n: int) -> None:
    from iekg.graph.sums import OFFER_PROPS, _offers
    from iekg.plan.scenario import DemandChange, ProgramChange, evaluate
    from iekg.queries.facts import ScopeSums

    sc = resolve_scope(store, city=city)
    year = ScopeSums.gather(store, sc).year
    o = _offers(store, [city], year, list(OFFER_PROPS))
    o = o[o["graduates"].notna()].sort_values(["institution", "major"]).head(n + 1)
    rows: list[dict[Any, Any]] = o.to_dict("records")
    changes = [ProgramChange("set", str(r["institution"]), str(r["major"]), graduates=float(r["graduates"]) + 10,
                             enrollment=None if r["enrollment"] != r["enrollment"] else float(r["enrollment"]))
               for r in rows[:n]]
    changes += [ProgramChange("close", str(r["institution"]), str(r["major"])) for r in rows[n:]]
    dem = store.demand_sums([city], year)
    first = dem[dem["target_label"] == "Industry"].head(1)
    demands = [DemandChange(city, str(first["target"].iloc[0]), 100.0)] if len(first) else []
    times = []
    for _ in range(runs + 1):
        t = time.perf_counter()
        ev = evaluate(store, sc, changes, demands)
        times.append(time.perf_counter() - t)
    print(f"scenario {sc.name} ({year}): {len(changes)} program changes, {len(demands)} demand change; "
          f"SAI {ev['baseline']['sai']} → {ev['scenario']['sai']}")
    print(f"  first {times[0]:.3f} s, median of {len(times) - 1 or 1} {statistics.median(times[1:] or times):.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--city", default="410200")
    ap.add_argument("--province", default="410000")
    ap.add_argument("--runs", type=int, default=3, help="warm runs after the first (median)")
    ap.add_argument("--changes", type=int, default=5, help="programs changed in the scenario")
    ap.add_argument("--min-change", type=float, default=10.0)
    ap.add_argument("--skip-province", action="store_true")
    ap.add_argument("--skip-scenario", action="store_true")
    ap.add_argument("--exact", choices=["auto", "yes", "no"], default="auto",
                    help="one model (yes), city by city (no) or as recommend chooses by size (auto)")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    settings = Settings()
    store = service.open_store(settings, lambda m: print(m, file=sys.stderr), migrate_legacy=False)
    print(f"graph: {settings.home} ({store.name}); HiGHS {highs_version()}")
    c = Constraints(min_change=args.min_change)
    exact = {"auto": None, "yes": True, "no": False}[args.exact]
    optimiser(store, "city", args.runs, c, exact, args.time_limit, city=args.city)
    if not args.skip_province:
        optimiser(store, "province", args.runs, c, exact, args.time_limit, province=args.province)
    if not args.skip_scenario:
        forget(store)
        scenario(store, args.city, args.runs, args.changes)


if __name__ == "__main__":
    main()

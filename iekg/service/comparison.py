"""Comparing cities and following a scope over the years (issue 22, items 3 and 4).

:func:`compare` puts the cities of a province (or the cities given) side by side for one year: SAI, observed
SAI, chain coverage, targets met, coupling coordination, gaps by type and what the figures rest on, each row
marked with whose data it is (``yours``, ``illustrative``, ``public``) and ranked by the chosen measure where the
measure has data — a city without data is listed after the ranked ones with ``rank`` None, never ranked as 0.

:func:`trend` follows one scope over a range of years: S, D, SAI, observed SAI, chain coverage and per-industry
supply and demand for each year with data, the change from the previous year, thin (partial) years marked by
the thin-year rule of :mod:`iekg.queries.coverage`; years without data are absent and listed in
``missing_years``, never 0, and no change is computed across a missing year (``gap_years``).

Both are built on the set-at-a-time pieces: every city's sums in one read (``ScopeSums.gather_each``), the
readiness metrics' frames read once and measured for every city at once (``Batch``), the focus-chain segments and
the chain gaps' findings read once for all the cities (``focus_segments_each``, ``chain_gap_counts``: counted,
none built), coupling over all the cities at once (from the same sums read); the per-city measures
reuse those sums and give the same numbers as ``align`` / ``readiness`` / ``gaps`` / ``coupling`` for the same
city and year (the tests compare them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from iekg.graph.store import Store
from iekg.queries.provenance import illustrative_cities, scope_is_illustrative
from iekg.service.arguments import ArgumentError
from iekg.service.places import all_cities, require_cities
from iekg.service.provenance import Answer, answer, one_version

MEASURES = ("sai", "coverage", "targets", "coupling")
MEASURE_KEYS = {"sai": "sai", "coverage": "coverage", "targets": "targets_met", "coupling": "coupling"}
MEASURE_ZH = {"sai": "结构匹配指数 SAI", "coverage": "链条覆盖率", "targets": "目标达成数", "coupling": "耦合协调度"}
SOURCES = ("yours", "illustrative", "public")
SUPPLY_GAP = {"unmet": "unmet_demand", "shortage": "shortage", "surplus": "surplus"}  # status → gap type (gaps.supply_gaps)


def _cities_of(store: Store, province: str | None, cities: Sequence[str] | None) -> tuple[list[str], str | None, str]:
    """The compared cities, the province (when given) and the scope's name."""
    from iekg.queries.scope import resolve_scope

    if cities and province:  # some cities of the province
        sc = resolve_scope(store, province=province)
        codes = sorted(set(cities))
        require_cities(store, codes)
        outside = [c for c in codes if c not in sc.cities]
        if outside:
            raise LookupError(f"city {outside[0]} is not in province {province}")
        return codes, province, "、".join(str(store.get(f"City:{c}").name) for c in codes)  # type: ignore[union-attr]
    if cities:
        codes = sorted(set(cities))
        require_cities(store, codes)
        return codes, None, "、".join(str(store.get(f"City:{c}").name) for c in codes)  # type: ignore[union-attr]
    if province:
        sc = resolve_scope(store, province=province)
        return list(sc.cities), province, sc.name
    return all_cities(store), None, "全部城市"


def _sources(store: Store, public_only: dict[str, bool]) -> dict[str, str]:
    """Whose data each city's row rests on, as ``readiness --all`` says it: ``public`` (the public lists only),
    ``illustrative`` (the demo's) or ``yours`` — the others' illustrative facts read at once for all of them."""
    ill = illustrative_cities(store, [c for c, p in public_only.items() if not p])
    return {c: "public" if p else "illustrative" if c in ill else "yours" for c, p in public_only.items()}


@one_version
def compare(store: Store, province: str | None = None, cities: Sequence[str] | None = None, year: int | None = None,
            sort: str = "sai", target_year: int | None = None) -> Answer:
    """The cities of a province (or the cities given, or every city) side by side for one year
    (``iekg compare``, ``GET /analysis/compare``).

    Parameters
    ----------
    store : Store
        The graph.
    province : str, optional
        A province code: its cities.
    cities : sequence of str, optional
        The cities to compare (with ``province``: some of its cities); neither: every city in the graph.
    year : int, optional
        The year (default: the latest year with programs in any of the cities — one year for every row).
    sort : str
        The measure that ranks the rows: ``sai``, ``coverage``, ``targets`` (targets met) or ``coupling``.
    target_year : int, optional
        Each row also gets ``target``: the city's projected figures for that year (``S``, ``D``, ``sai``,
        ``sai_observed``, ``coverage``, targets and conditions met, ``methods_text``; ``projection`` true) as
        ``align`` / ``readiness --target-year`` give them — None for a city without data.  The ranking stays the
        data year's.

    Returns
    -------
    Answer
        ``data``: ``province``, ``scope_name``, ``year``, ``measure``, ``measure_name``, ``ranked`` (how many
        cities have the measure), ``coupling_note`` (why coupling is missing, when it is), ``cities``: one row
        per city — ``city``, ``name``, ``source``, ``has_data``, ``S``, ``D``, ``sai``, ``sai_observed``,
        ``coverage``, ``targets_met`` / ``targets_total`` (None without data), ``conditions_met`` /
        ``conditions_total``, ``coupling`` (the CCD), ``coupling_grade``, ``gaps`` (type → count; None without
        data), ``gaps_total``, ``completeness``, ``rank`` (None where the measure has no data) and, with a target
        year, ``target`` — ranked rows first, then the others by code; ``target_year`` (None without one).

    Raises
    ------
    ArgumentError
        An unknown sort measure; a target year not after the data's year.
    LookupError
        An unknown city or province, or a city not in the province given.
    """
    if sort not in MEASURES:
        raise ArgumentError("{sort} takes " + ", ".join(MEASURES), "sort")
    from iekg.queries.alignment import Thresholds, alignment, focus_segments_each
    from iekg.queries.coupling import coupling
    from iekg.queries.coverage import institutions_each, years_each
    from iekg.queries.facts import ScopeSums
    from iekg.queries.gaps import GAP_TYPES, chain_gap_counts, target_gaps
    from iekg.queries.metrics import Batch, Context
    from iekg.queries.readiness import readiness
    from iekg.queries.scope import Scope
    from iekg.queries.supply import latest_year
    from iekg.settings import Settings

    codes, prov, scope_name = _cities_of(store, province, cities)
    year = year if year is not None else latest_year(store, codes)
    if target_year is not None and year is not None and int(target_year) <= int(year):
        raise ArgumentError(f"{{target_year}} {int(target_year)} 须晚于数据年份 {year} (the target year must come after "
                            f"the data's year {year})", "target_year")
    batch = Batch(store, codes)  # the readiness metrics' frames: one read per kind for all the cities
    names = {c: str(n.name) for c in codes if (n := batch.city_node(c)) is not None}  # (every City node: one read)
    each = ScopeSums.gather_each(store, codes, year)  # every city's sums: one read for all of them
    institutions_each(store, {c: each[c].year for c in codes})  # what each city's data coverage reads, at once
    years_each(store, codes, {c: each[c].year for c in codes})  # and the years it reads, at once
    focus_segments_each(store, {c: (c,) for c in codes})  # the focus-chain segments of every city, at once
    settings = Settings()
    coupled: dict[str, dict[str, Any]] = {}
    coupling_note = None
    if len(codes) >= 2:
        try:
            res = coupling(store, codes, year)
            coupled = {r["city"]: r for r in res["scopes"]}
        except ValueError as exc:  # too few cities with data: no degree for anyone, and why
            coupling_note = str(exc)
    else:
        coupling_note = "耦合协调度比较多个城市：只有一个城市，无法计算 (coupling compares several cities)"
    scopes = {c: Scope((c,), year, None, names.get(c, c), "city") for c in codes}
    # (no cooperation figure is shown: the alignment without them, the same other figures)
    thresholds = Thresholds.from_settings(settings)  # (the settings read once, not once per city)
    aligns = {c: alignment(store, scopes[c], thresholds, each[c], cooperation=False) for c in codes}
    chained = chain_gap_counts(store, scopes, aligns)  # the chain gaps counted, every city's findings read at once
    rows = []
    for c in codes:
        sums, a = each[c], aligns[c]
        cov = a["data_coverage"]
        ready = readiness(store, c, a["year"], settings=settings,
                          ctx=Context(store, c, a["year"], sums=sums, align=a, batch=batch))
        has_data = bool(ready["has_data"])
        # the gaps by type, as gaps() counts them: one supply gap per unmet, short or surplus industry (counted
        # from the statuses: no evidence read for a count), the chain gaps (counted: none built) and the readiness
        # target shortfalls
        kinds = [SUPPLY_GAP[i["status"]] for i in a["industries"] if i["status"] in SUPPLY_GAP]
        kinds += [t for t, n in chained[c].items() for _ in range(n)]
        if not cov["cities"]["with_programs"] or not a.get("supply_data", True):  # as gaps() leaves them out
            kinds = [k for k in kinds if k not in ("unmet_demand", "shortage", "surplus", "uncovered_segment")]
        kinds += [g["type"] for g in target_gaps(ready)]
        counts = {t: kinds.count(t) for t in GAP_TYPES}
        cp = coupled.get(c)
        inst = cov["institutions"]
        rows.append({
            "city": c, "name": names.get(c, c), "source": bool(ready.get("public_only")),  # (set below, at once)
            "has_data": has_data, "year": a["year"],
            "S": a["S"] if cov["cities"]["with_programs"] else None, "D": a["D"] if cov["cities"]["with_demand"] else None,
            "sai": a["sai"], "sai_observed": a["sai_observed"], "coverage": a["coverage"],
            "targets_met": ready["targets_met"] if has_data else None, "targets_total": ready["targets_total"],
            "targets_unmeasurable": ready["targets_unmeasurable"] if has_data else None,
            "conditions_met": ready["conditions_met"] if has_data else None,
            "conditions_total": ready["conditions_total"],
            "coupling": cp["ccd"] if cp else None, "coupling_grade": cp["grade"] if cp else None,
            "gaps": counts if has_data else None, "gaps_total": sum(counts.values()) if has_data else None,
            "target": _target_row(store, c, year, int(target_year)) if target_year is not None and has_data
            and cov["cities"]["with_programs"] else None,
            "completeness": {
                "has_programs": bool(cov["cities"]["with_programs"]), "has_demand": bool(cov["cities"]["with_demand"]),
                "supply_data": bool(a.get("supply_data", True)),
                "institutions_with_programs": inst["with_programs"], "institutions_total": inst["total"],
                "programs_total": cov["programs"]["total"], "programs_without_figures": cov["programs"]["without_figures"],
                "partial": bool(cov["years"].get("partial")), "partial_note": cov["years"].get("note"),
                "public_only": bool(ready.get("public_only")),
            },
        })
    public_only = {r["city"]: r["source"] for r in rows}
    sources = _sources(store, public_only)
    for r in rows:
        r["source"] = sources[r["city"]]
    key = MEASURE_KEYS[sort]

    def value(r: dict[str, Any]) -> float | None:
        return r[key]

    ranked = sorted((r for r in rows if value(r) is not None), key=lambda r: (-float(value(r)), r["city"]))  # type: ignore[arg-type]
    for k, r in enumerate(ranked, 1):
        r["rank"] = k
    rest = sorted((r for r in rows if value(r) is None), key=lambda r: r["city"])
    for r in rest:
        r["rank"] = None
    data = {"province": prov, "scope_name": scope_name, "year": year, "target_year": target_year, "measure": sort,
            "measure_name": MEASURE_ZH[sort], "ranked": len(ranked), "unranked": len(rest),
            "coupling_note": coupling_note, "cities": ranked + rest,
            "note": ("没有数据的城市标为「无数据」，排在有数据的城市之后，不按 0 排名 (cities without data are listed "
                     "after the ranked ones, never ranked as 0)") if rest else None}
    # whether the answer is illustrative (any of its cities is): the cities' sources above already tell it for all
    # but the public-only ones, which alone are asked (not every city read again)
    known = any(v == "illustrative" for v in sources.values())
    public = [c for c, p in public_only.items() if p]
    return Answer(data, lambda: known or (bool(public) and scope_is_illustrative(store, public)), list(codes))


def _target_row(store: Store, city: str, year: int | None, target_year: int) -> dict[str, Any]:
    """One compared city's figures projected to ``target_year`` (as ``align`` and ``readiness --target-year``)."""
    from iekg.plan.target import target_alignment, target_readiness
    from iekg.queries.scope import Scope

    a = target_alignment(store, Scope((city,), year, None, city, "city"), target_year)
    r = target_readiness(store, city, target_year, year)
    out = {k: a[k] for k in ("target_year", "base_year", "S", "D", "sai", "sai_observed", "coverage", "methods_text")}
    out.update({k: r[k] for k in ("targets_met", "targets_total", "targets_unmeasurable", "conditions_met",
                                  "conditions_total")})
    out["projection"] = True
    return out


# ------------------------------------------------------------------------------------------------ trend
def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else float(now) - float(before)


@one_version
def trend(store: Store, cities: Sequence[str] | None = None, province: str | None = None,
          years: tuple[int | None, int | None] | None = None, chain: str | None = None) -> Answer:
    """One scope over a range of years (``iekg trend``, ``GET /analysis/trend``).

    Parameters
    ----------
    store : Store
        The graph.
    cities, province : optional
        The scope: some cities or one province (exactly one of them).
    years : (int or None, int or None), optional
        From and to, both included (an end not given: the first or the last year with programs in scope).
    chain : str, optional
        Restrict the measures to one industry chain.

    Returns
    -------
    Answer
        ``data``: ``scope``, ``scope_name``, ``scope_kind``, ``cities``, ``chain``, ``from``, ``to``, ``years``
        (each year with data: ``year``, ``S``, ``D``, ``sai``, ``sai_observed``, ``coverage``, ``partial``,
        ``partial_reason``, ``programs``, ``supply_data`` and ``change`` — from the previous year with data:
        ``from``, the deltas, ``gap_years`` when years between are missing (then no delta), ``partial`` when
        either year is partial, ``note``), ``industries`` (``code``, ``name``, ``by_year``: ``year``, ``supply``,
        ``demand``, ``change``) and ``missing_years`` (years of the range without data: never 0).

    Raises
    ------
    ArgumentError
        Neither or both of cities and province; a range that ends before it starts.
    LookupError
        An unknown city, province or chain.
    """
    from iekg.queries.alignment import Thresholds, alignment
    from iekg.queries.facts import ScopeSums
    from iekg.queries.scope import Scope
    from iekg.queries.supply import program_years
    from iekg.service.analysis import scope as scope_of

    base = scope_of(store, cities, province, None, chain)
    have = program_years(store, base.cities)
    first, last = years if years is not None else (None, None)
    first = first if first is not None else (have[0] if have else last)
    last = last if last is not None else (have[-1] if have else first)
    if first is not None and last is not None and first > last:
        raise ArgumentError("{from} must not be after {to}", "from", "to")
    span = list(range(first, last + 1)) if first is not None and last is not None else []
    thresholds = Thresholds.from_settings()  # (the settings read once, not once per year)
    out_years: list[dict[str, Any]] = []
    per_industry: dict[str, dict[int, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    missing: list[int] = []
    for y in span:
        sc = Scope(base.cities, y, base.chain, base.name, base.kind)
        sums = ScopeSums.gather(store, sc)
        a = alignment(store, sc, thresholds, sums, cooperation=False)  # (no cooperation figure in a trend: not read)
        cov = a["data_coverage"]
        with_programs, with_demand = bool(cov["cities"]["with_programs"]), bool(cov["cities"]["with_demand"])
        if not with_programs and not with_demand:
            missing.append(y)
            continue
        partial = bool(cov["years"].get("partial"))
        reason = cov["years"].get("note") if partial else None
        if not with_programs:
            partial, reason = True, f"{y} 年没有专业点数据，只有需求数据：供给为无数据，不是 0 (no programs in {y}: supply is no data)"
        elif not with_demand:
            partial, reason = True, f"{y} 年没有需求数据：需求为无数据，不是 0 (no demand rows in {y}: demand is no data)"
        out_years.append({"year": y, "S": a["S"], "D": a["D"] if with_demand else None, "sai": a["sai"],
                          "sai_observed": a["sai_observed"], "coverage": a["coverage"], "partial": partial,
                          "partial_reason": reason, "programs": cov["programs"]["total"],
                          "supply_data": bool(a.get("supply_data", True)), "change": None})
        nosup = not a.get("supply_data", True) or not with_programs
        seen = set()
        for i in a["industries"]:
            names[i["code"]] = i["name"]
            seen.add(i["code"])
            per_industry.setdefault(i["code"], {})[y] = {
                "supply": None if nosup else i["supply"],
                "demand": i["demand"] if i.get("demand_data", True) and with_demand else None}
        for code in list(per_industry):
            if code not in seen:  # no supply and no demand rows this year: supply 0 (when measured), demand no data
                per_industry[code][y] = {"supply": None if nosup else 0.0, "demand": None}
    present = [r["year"] for r in out_years]
    for k, r in enumerate(out_years):
        if k == 0:
            continue
        prev = out_years[k - 1]
        gap = [y for y in range(prev["year"] + 1, r["year"]) if y not in present]
        ch: dict[str, Any] = {"from": prev["year"], "gap_years": gap}
        if gap:
            ch.update(dict.fromkeys(("S", "D", "sai", "sai_observed", "coverage")))
            ch["note"] = (f"{'、'.join(map(str, gap))} 年没有数据，不跨过缺的年份计算变化 (no data in "
                          f"{', '.join(map(str, gap))}: no change is computed across the missing years)")
        else:
            ch.update({m: _delta(r[m], prev[m]) for m in ("S", "D", "sai", "sai_observed", "coverage")})
            ch["note"] = None
        ch["partial"] = bool(r["partial"] or prev["partial"])
        if ch["partial"] and not gap:
            thin = [str(x["year"]) for x in (prev, r) if x["partial"]]
            ch["note"] = (f"{'、'.join(thin)} 年数据偏少或不全，变化可能来自缺的数据而不是实际变化 "
                          f"({', '.join(thin)} partial: the change may come from missing data)")
        r["change"] = ch
    industries = []
    for code in sorted(per_industry):
        by_year = []
        for k, y in enumerate(present):
            cell = per_industry[code].get(y, {"supply": None, "demand": None})
            change = None
            if k > 0 and present[k - 1] == y - 1:
                before = per_industry[code].get(present[k - 1], {"supply": None, "demand": None})
                change = {"supply": _delta(cell["supply"], before["supply"]),
                          "demand": _delta(cell["demand"], before["demand"])}
            by_year.append({"year": y, "supply": cell["supply"], "demand": cell["demand"], "change": change})
        industries.append({"code": code, "name": names.get(code, ""), "by_year": by_year})
    reason = None
    if not out_years:
        reason = ("本范围在所选年份没有专业点或需求数据 (no programs and no demand in the years asked)"
                  + (f"；有专业点的年份：{', '.join(map(str, have))}" if have else "：请导入 programs 表"))
    data = {"scope": base.id, "scope_name": base.name, "scope_kind": base.kind, "cities": list(base.cities),
            "chain": base.chain, "from": span[0] if span else None, "to": span[-1] if span else None,
            "years": out_years, "industries": industries, "missing_years": missing, "reason": reason,
            "thin_rule": ("某年报送专业点的院校数、或每校专业点数不到相邻有数据年份的一半，记为偏少 (partial) — "
                          "docs/measures.md「Thin years」")}
    return answer(store, data, base.cities)

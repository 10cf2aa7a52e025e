"""Data coverage: what a scope's measures rest on — the cities, institutions, programs and years with data and
those without, programs without figures, thin years, and what is only in the public lists (docs/measures.md,
"Data coverage")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from iekg.graph.store import Store
from iekg.queries.facts import ScopeSums, _volumes, no_figures
from iekg.queries.scope import Scope, located_in, located_links
from iekg.queries.supply import program_years, scope_programs

PUBLIC_KINDS = ("public", "reference")
LISTED = 50  # at most this many ids / programs listed in data coverage (with the total)
# A year is thin (partial) when its institutions reporting programs, or its programs per institution, are below
# this share of the larger neighbouring year's (docs/measures.md, "Thin years").
THIN_SHARE = 0.5


def programs_without_figures(store: Store, sums: ScopeSums, limit: int = LISTED) -> list[dict[str, Any]]:
    """The scope's programs of the year without any figure — neither graduates nor an enrolment whose duration
    can be told (``why``: ``no_figures``, or ``enrollment_without_level`` when the enrolment is there but no
    level says the duration) — at most ``limit``, by city, institution and major, with names.  Read only
    when the sums count some, and only the majors of the groups that have them.

    Parameters
    ----------
    store : Store
        The graph.
    sums : ScopeSums
        The scope's sums (its cities, year and count of programs without figures).
    limit : int
        The most programs listed.

    Returns
    -------
    list of dict
        ``institution``, ``institution_name``, ``major``, ``major_name``, ``city`` and ``why``.
    """
    if sums.year is None or sums.programs_without_figures <= 0:
        return []
    off = sums.offers
    if "major" not in off.columns:  # the counts (ScopeSums.counts): the majors read for the cities that have some
        some = sorted(set(off.loc[sums._no_figures() > 0, "city"]))
        off = _volumes(store.offer_sums(some, sums.year))
    majors = sorted(set(off.loc[no_figures(off) > 0, "major"]))
    rows, _ = scope_programs(store, sorted(sums.scope.cities), sums.year, majors=majors)
    grads = pd.to_numeric(rows["graduates"], errors="coerce")
    none = rows[grads.isna() & ~rows["estimate"].astype(bool)].drop_duplicates(["institution", "major"]).head(limit)
    inst = store.node_frame("Institution", ["name"], ids=sorted(set(none["institution"])))
    maj = store.node_frame("Major", ["name"], ids=sorted(set(none["major"])))
    iname = {str(i): str(n) for i, n in zip(inst["id"], inst["name"], strict=True) if n is not None and n == n}
    mname = {str(i): str(n) for i, n in zip(maj["id"], maj["name"], strict=True) if n is not None and n == n}
    enrol = pd.to_numeric(none["enrollment"], errors="coerce")
    return [{"institution": str(i), "institution_name": iname.get(str(i), str(i)), "major": str(m),
             "major_name": mname.get(str(m), str(m)), "city": str(c),
             "why": "no_figures" if pd.isna(e) else "enrollment_without_level"}
            for i, m, c, e in zip(none["institution"], none["major"], none["city"], enrol, strict=True)]


def _public_only(store: Store, cities: Sequence[str], loc: pd.DataFrame, with_prog: set[str],
                 data_cities: set[str]) -> tuple[set[str], set[str]]:
    """The institutions and cities of the scope known only from the public lists or the reference tables
    (:data:`PUBLIC_KINDS`) that no fact of the user's data touches: an institution without programs in any
    year, cooperations or alliance memberships; a city without an institution of the user's, without
    enterprises and without demand rows in any year.  Only the candidates are read: the institutions without
    programs in the year and the cities without programs or demand (none in a graph without public lists)."""
    public_insts: set[str] = set()
    rest = sorted(set(loc["id"].tolist()) - with_prog)
    if rest:
        k = store.node_frame("Institution", ["source_kind"], ids=rest)
        cand = sorted(k.loc[k["source_kind"].isin(PUBLIC_KINDS), "id"].astype(str))
        if cand:
            used = set().union(*(store.sources_with(rt, "Institution", cand)
                                 for rt in ("OFFERS", "COOPERATES_WITH", "MEMBER_OF")))
            public_insts = set(cand) - used
    public_cities: set[str] = set()
    rest = sorted(set(cities) - data_cities)
    if rest:
        k = store.node_frame("City", ["source_kind"], ids=rest)
        cand_c = set(k.loc[k["source_kind"].isin(PUBLIC_KINDS), "id"].astype(str))
        cand_c -= set(loc.loc[~loc["id"].isin(public_insts), "city"].astype(str))  # an institution of yours is there
        if cand_c:
            cand_c -= set(located_in(store, "Enterprise", cities=sorted(cand_c))["city"].astype(str))
        if cand_c:
            dem = store.rel_frame("DEMANDS", ["city_code"], where={"city_code": sorted(cand_c)})
            cand_c -= set(dem["city_code"].astype(str))
        public_cities = cand_c
    return public_insts, public_cities


def _year_counts(store: Store, cities: Sequence[str], years: list[int], sm: ScopeSums,
                 institutions: int) -> dict[str, Any]:
    """The measured year beside its neighbouring years with programs (the previous and the next of ``years``):
    programs and institutions reporting them per year (the measured year's from the sums, the neighbours'
    counted by the store for those years only) and which are thin: a year is thin when its institutions, or
    its programs per institution, are below :data:`THIN_SHARE` of the larger neighbour's — the measured year
    against its neighbours, each neighbour against the measured year."""
    y = sm.year
    if y is None or y not in years:
        return {"counts": [], "thin": [], "partial": False, "note": None}
    k = years.index(y)
    near = [years[j] for j in (k - 1, k + 1) if 0 <= j < len(years)]
    got = store.memo(("near-year-counts", tuple(cities), y, tuple(near)),
                     lambda: store.offer_year_counts(list(cities), near)) if near else None
    counts = {y: (sm.programs, institutions)}
    if got is not None:
        counts.update({int(a): (int(b), int(c)) for a, b, c in zip(got["year"], got["programs"], got["institutions"],
                                                                     strict=True)})

    def per(x: tuple[int, int]) -> float:
        return x[0] / x[1] if x[1] else 0.0

    def thin(x: tuple[int, int], others: list[tuple[int, int]]) -> bool:
        others = [o for o in others if o[1] > 0]
        if not others:
            return False
        return (x[1] < THIN_SHARE * max(o[1] for o in others)
                or per(x) < THIN_SHARE * max(per(o) for o in others))

    near = [n for n in near if n in counts]
    flags = {y: thin(counts[y], [counts[n] for n in near])}
    flags.update({n: thin(counts[n], [counts[y]]) for n in near})
    rows = [{"year": z, "programs": counts[z][0], "institutions": counts[z][1], "per_institution": round(per(counts[z]), 2),
             "thin": flags[z]} for z in sorted(counts)]

    def said(z: int) -> str:
        p, i = counts[z]
        return f"{z} 年 {p} 个专业点、{i} 所院校（每校 {per(counts[z]):.1f} 个）"

    note = None
    if flags[y]:
        note = (f"{y} 年的专业点数据偏少，可能只导入了一部分：{said(y)}，而相邻的 "
                + "、".join(said(n) for n in near)
                + f"。与其他年份比较时请注意，差别可能来自缺的数据而不是变化 ({y} looks partial: "
                  f"{counts[y][0]} programs at {counts[y][1]} institutions beside "
                + ", ".join(f"{counts[n][0]} at {counts[n][1]} in {n}" for n in near) + ")")
    elif any(flags[n] for n in near):
        bad = [n for n in near if flags[n]]
        note = ("相邻年份的专业点数据偏少，可能只导入了一部分：" + "、".join(said(n) for n in bad)
                + f"，而 {said(y)}。与这些年份比较时请注意 (neighbouring year "
                + ", ".join(str(n) for n in bad) + " looks partial)")
    return {"counts": rows, "thin": [z for z in sorted(counts) if flags[z]], "partial": flags[y], "note": note}


def _figures_note(n: int, listed: list[dict[str, Any]]) -> str | None:
    if n <= 0:
        return None
    names = "、".join(f"{x['institution_name']} {x['major_name']}" for x in listed[:10])
    more = " 等" if n > min(10, len(listed)) else ""
    level = sum(1 for x in listed if x["why"] == "enrollment_without_level")
    lv = f"；其中 {level} 个有在校生数但不知层次、无法按学制折算" if level else ""
    return (f"{n} 个专业点没有在校生或毕业生数：{names}{more}{lv}。它们的供给是无数据，不计为 0；请在 programs 表补充"
            f"毕业生数或在校生数 ({n} programs have neither graduates nor enrolment: no figures, not 0)")


def public_only(store: Store, scope: Scope, sums: ScopeSums | None = None) -> tuple[set[str], set[str]]:
    """The ids of the scope's institutions and cities known only from the public lists (what data coverage
    counts as ``public_only``), read with the scope's data coverage.

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope (its cities and year).
    sums : ScopeSums, optional
        The scope's sums when the caller has them.

    Returns
    -------
    (set of str, set of str)
        The institution ids and the city codes.
    """
    cities = tuple(sorted(scope.cities))
    cov = data_coverage(store, scope, scope.year, sums)
    # (kept by data_coverage under the year it resolved: the sums')
    got: tuple[set[str], set[str]] = store.memo(("public-only", cities, cov["year"]), lambda: (set(), set()))
    return got


def _institutions(store: Store, cities: Sequence[str], year: int | None) -> tuple[pd.DataFrame, set[str]]:
    """The institutions located in ``cities`` (``id``, ``city``) and those of them with programs in ``year``."""
    loc = located_in(store, "Institution", cities=cities)
    insts = set(loc["id"].tolist())  # (a set, not sorted: every city's are 18,000 at scale 100)
    with_prog: set[str] = set()
    if insts and year is not None:
        with_prog = store.offering_institutions(cities, year) & insts
    return loc, with_prog


def institutions_each(store: Store, years: dict[str, int | None]) -> None:
    """What :func:`data_coverage` reads of the institutions of each one-city scope (city → its year), read
    for all the cities at once — the institutions located in them in one read, those with programs in one read
    per year — and memoised per city as the city's own :func:`data_coverage` looks it up (``readiness --all``)."""
    loc_all = located_links(store, "Institution", years)  # (the links the metrics' located_in reads: read once)
    # each city's institutions once (as located_in: an institution linked twice to a city once), split once
    by_city = {str(c): g.reset_index(drop=True)
               for c, g in loc_all.drop_duplicates(["id", "city"]).groupby("city", sort=False)}
    with_prog: dict[int, set[str]] = {}
    for y in sorted({y for y in years.values() if y is not None}):
        group = sorted(c for c, cy in years.items() if cy == y)
        ids = set(loc_all.loc[loc_all["city"].isin(group), "id"].tolist())
        # (as _institutions: the offering institutions of the cities, from the kept sums where the store has them)
        with_prog[y] = store.offering_institutions(group, y) & ids if ids else set()
    for c, cy in years.items():
        loc = by_city[c] if c in by_city else loc_all.iloc[0:0].reset_index(drop=True)  # (as located_in)
        ids = set(loc["id"].tolist())
        got: tuple[pd.DataFrame, set[str]] = (
            loc, with_prog.get(cy, set()) & ids if cy is not None and ids else set())

        def keep(v: tuple[pd.DataFrame, set[str]] = got) -> tuple[pd.DataFrame, set[str]]:
            return v

        store.memo(("coverage-institutions", (c,), cy), keep)


def _kept(value: Any) -> Callable[[], Any]:
    """A memo's computation that gives ``value`` (a result read with others, kept for its own key)."""
    return lambda: value


def years_each(store: Store, cities: Sequence[str], years: dict[str, int | None] | None = None) -> None:
    """What :func:`data_coverage` reads of the years of each one-city scope: the years with programs of each of
    ``cities`` (:func:`~iekg.queries.supply.program_years`, so each city's latest year as well) and, given each
    city's year (``years``: city → year), the neighbouring years' counts of the thin-year check — read for all the
    cities at once (``Store.offer_year_counts_each``, once per graph version) and memoised per city as the city's
    own :func:`data_coverage` looks them up (``compare``, ``readiness --all``): one read instead of two per city."""
    wanted = tuple(sorted({str(c) for c in cities}))
    got = store.memo(("year-counts-each", wanted), lambda: store.offer_year_counts_each(list(wanted)))
    # (each city's rows as plain numbers, split in one pass: a handful of years per city, not a frame filtered
    # for each)
    rows: dict[str, list[tuple[int, int, int]]] = {}
    for c, y, p, n in zip(got["city"].tolist(), got["year"].tolist(), got["programs"].tolist(),
                          got["institutions"].tolist(), strict=True):
        rows.setdefault(str(c), []).append((int(y), int(p), int(n)))
    for c in wanted:
        mine = rows.get(c, [])
        have = [r[0] for r in mine]
        store.memo(("offer-years", (c,)), _kept(have))
        y = None if years is None else years.get(c)
        if y is None or y not in have:
            continue
        k = have.index(y)
        near = [have[j] for j in (k - 1, k + 1) if 0 <= j < len(have)]
        if not near:
            continue
        counts = pd.DataFrame([r for r in mine if r[0] in near and r[1] > 0], columns=["year", "programs",
                                                                                      "institutions"], dtype="int64")
        store.memo(("near-year-counts", (c,), y, tuple(near)), _kept(counts))


def data_coverage(store: Store, scope: Scope, year: int | None, sums: ScopeSums | None = None) -> dict[str, Any]:
    """What a scope's measures rest on: the cities, institutions, programs and years with data and those without
    (memoised with the scope's sums).  ``cities.with_programs`` / ``with_demand`` and their complements,
    ``without_figures`` (programs, none with a figure) and ``public_only`` (known only from the public lists:
    not counted as missing); ``institutions.total`` / ``with_programs`` / ``without_programs`` (ids, at most 50
    listed) / ``public_only``; ``programs`` (with and without figures, listed when some lack them);
    ``years.programs`` (years with programs in scope), ``years.latest`` and the thin-year check
    (``counts``, ``thin``, ``partial``, ``note``).

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope (its cities).
    year : int, optional
        The year (None: the latest with programs in scope).
    sums : ScopeSums, optional
        The scope's sums when the caller has them (else gathered here).

    Returns
    -------
    dict
        ``year``, ``cities``, ``institutions``, ``programs`` and ``years``, as above.

    Examples
    --------
    >>> data_coverage(store, scope, None)["cities"]["without_programs"]
    """
    cities = tuple(sorted(scope.cities))
    if sums is not None and sums.variant is not None:
        sums = None  # a projection's sums: what the data rests on is the graph's rows (memoised under this key)

    def compute() -> dict[str, Any]:
        # without the caller's sums only the counts are read (no crosswalk joined): nothing here needs more
        sm = sums or ScopeSums.counts(store, Scope(cities, year))
        off = sm.offers
        # the programs without figures per row counted once (the counts below and the listing's check are its sums)
        none_per_row = sm._no_figures().to_numpy()
        n_none = int(none_per_row.sum())
        # (on the columns' arrays: a city's coverage is asked once per city by readiness --all and compare)
        if len(off):
            city_of, programs = off["city"].to_numpy(), off["programs"].to_numpy()
            prog_cities, fig_cities = set(city_of[programs > 0].tolist()), set(city_of[programs > none_per_row].tolist())
        else:
            prog_cities, fig_cities = set(), set()
        dem = sm.demands
        dem_cities = set(dem["city"].to_numpy()[dem["rows"].to_numpy() > 0].tolist()) if len(dem) else set()
        loc, with_prog = store.memo(("coverage-institutions", cities, sm.year),
                                    lambda: _institutions(store, cities, sm.year))
        insts = set(loc["id"].tolist())
        years = program_years(store, cities)
        public_insts, public_cities = store.memo(("public-only", cities, sm.year), lambda: _public_only(
            store, cities, loc, with_prog, prog_cities | dem_cities))
        without = sorted(i for i in insts if i not in with_prog and i not in public_insts)  # (the few, sorted)
        yours = set(cities) - public_cities
        listed = programs_without_figures(store, sm) if n_none > 0 else []  # (none to list: not counted again)
        return {
            "year": sm.year,
            "cities": {"total": len(yours),
                       "with_programs": sorted(prog_cities), "without_programs": sorted(yours - prog_cities),
                       "with_demand": sorted(dem_cities), "without_demand": sorted(yours - dem_cities),
                       "without_figures": sorted(prog_cities - fig_cities), "public_only": sorted(public_cities)},
            "institutions": {"total": len(insts) - len(public_insts), "with_programs": len(with_prog),
                             "without_programs": without[:LISTED], "without_programs_total": len(without),
                             "public_only": len(public_insts)},
            "programs": {"total": sm.programs, "with_graduates": int(off["with_graduates"].sum()),
                         "estimated": sm.estimated_programs, "without_figures": n_none,
                         "without_figures_listed": listed, "note": _figures_note(n_none, listed)},
            "years": {"programs": list(years), "latest": years[-1] if years else None,
                      **_year_counts(store, cities, list(years), sm, len(with_prog))},
        }

    # with the scope's sums the year is theirs (year None: the latest, which the sums have resolved): one answer
    # asking for "the latest" (alignment) and for that year by number (readiness) shares one computation — the
    # result depends on the sums' year only (the public-only check's own memo is keyed the same way)
    key_year = sums.year if sums is not None else year
    out: dict[str, Any] = store.memo(("data-coverage", cities, key_year), compute)
    return out


def empty_reason(cov: dict[str, Any], year_asked: int | None, what: str = "专业点") -> str | None:
    """Why a scope has no programs (or None when it has some).

    Parameters
    ----------
    cov : dict
        The scope's :func:`data_coverage`.
    year_asked : int, optional
        The year the question asked for (None: the latest).
    what : str
        What the sentence calls the missing data.

    Returns
    -------
    str or None
        The reason, in Chinese with an English gloss and what to do, or None.
    """
    if cov["cities"]["with_programs"]:
        return None
    latest = cov["years"]["latest"]
    public = cov["cities"].get("public_only") or []
    if public and not cov["cities"]["total"]:
        return (f"本范围的城市（{'、'.join(public[:10])}{' 等' if len(public) > 10 else ''}）只在公开名单中，"
                f"你的数据里没有它们的{what}或需求 (in the public lists, not in your data)：请导入这些城市的数据")
    if latest is None:
        return (f"本范围内的院校没有任何年份的{what}数据 (no programs in scope in any year)：请导入 programs 表"
                f" (import the programs table)")
    if year_asked is not None and year_asked != latest and year_asked not in cov["years"]["programs"]:
        return (f"{year_asked} 年没有{what}数据，最近一年为 {latest} 年 (no programs in {year_asked}; latest is "
                f"{latest}): 试试 --year {latest}")
    return f"本范围 {cov['year']} 年没有{what}数据 (no programs in {cov['year']})"


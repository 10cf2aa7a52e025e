"""The measures as questions both faces ask: check the arguments, resolve the scope, run the query and
attach provenance (the queries attach their data coverage).  Each returns an
:class:`~iekg.service.provenance.Answer`: ``data`` is the CLI's ``--format json``; the API adds
``illustrative``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from iekg.graph.store import Node, Store
from iekg.queries.scope import Scope, resolve_scope
from iekg.service.arguments import ArgumentError, city_or_province, exactly_one, gap_types
from iekg.service.places import all_cities, require_cities
from iekg.service.provenance import Answer, answer, is_illustrative, one_version, scope_is_illustrative


def scope(store: Store, cities: Sequence[str] | None = None, province: str | None = None, year: int | None = None,
          chain: str | None = None) -> Scope:
    """The scope of a measure: some cities or one province, a year, optionally one chain.

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str, optional
        City codes.
    province : str, optional
        A province code: all its cities (not together with ``cities``).
    year : int, optional
        Default: the latest year with programs.
    chain : str, optional
        An industry chain id.

    Returns
    -------
    Scope

    Raises
    ------
    ArgumentError
        Neither or both of cities and province.
    LookupError
        An unknown city, province or chain.
    """
    city_or_province(cities, province)
    if chain is not None and store.get(f"IndustryChain:{chain}") is None:
        raise LookupError(f"chain {chain} is not in the graph")
    return resolve_scope(store, cities=cities or None, province=province, year=year, chain=chain)


@one_version
def alignment(store: Store, cities: Sequence[str] | None = None, province: str | None = None,
              year: int | None = None, chain: str | None = None, target_year: int | None = None) -> Answer:
    """Chain alignment of a scope (``iekg align``, ``GET /analysis/alignment``).

    Parameters
    ----------
    store, cities, province, year, chain
        The graph and the scope, as :func:`scope` takes them.
    target_year : int, optional
        Also the alignment projected to this year (after the data's year), beside today's: ``data["target"]``.

    Returns
    -------
    Answer
        Supply, demand, ratio, status and deviation per industry; S, D, SAI, coverage, data coverage; with a
        target year, ``target``: the same measures on the projected sums (:func:`target_block`).
    """
    from iekg.queries.alignment import alignment as align

    sc = scope(store, cities, province, year, chain)
    data = align(store, sc)
    if target_year is not None:
        data["target"] = target_block(store, sc, target_year)
    return answer(store, data, sc.cities)


def _check_target(store: Store, sc: Scope, target_year: int) -> int:
    """The base year of a projection; a target year not after it is a usage error naming both."""
    from iekg.plan.target import base_year

    base = base_year(store, sc)
    if base is None:
        raise LookupError("本范围没有专业点数据，无法预测目标年份 (no programs in scope: nothing to project from)")
    if int(target_year) <= base:
        raise ArgumentError(f"{{target_year}} {int(target_year)} 须晚于数据年份 {base} (the target year must come after "
                            f"the data's year {base})", "target_year")
    return base


def target_block(store: Store, sc: Scope, target_year: int) -> dict[str, Any]:
    """The scope's alignment for ``target_year`` (:func:`iekg.plan.target.target_alignment`) as an answer carries
    it beside today's: ``projection`` true, ``target_year``, ``base_year``, ``S``, ``D``, ``sai``,
    ``sai_observed``, ``coverage``, ``segments``, ``supply_data``, ``industries`` (each with ``demand_method`` and
    ``supply_methods``), ``methods_text``, ``projection_info`` and ``note``; its data coverage is today's (the
    base year's rows it is projected from), not repeated."""
    from iekg.plan.target import target_alignment

    _check_target(store, sc, target_year)
    a = target_alignment(store, sc, int(target_year))
    a.pop("data_coverage", None)
    a["note"] = a["projection_info"]["note"]
    return a


@one_version
def gaps(store: Store, cities: Sequence[str] | None = None, province: str | None = None, year: int | None = None,
         chain: str | None = None, types: Iterable[str] = (), limit: int | None = None) -> Answer:
    """The gaps of a scope, ranked, each with its evidence (``iekg gaps``, ``GET /analysis/gaps``).

    Parameters
    ----------
    store : Store
        The graph.
    cities, province, year, chain
        The scope, as :func:`scope` takes it.
    types : iterable of str
        Only these gap types (none: all).
    limit : int, optional
        Only the first ``limit`` gaps (``total`` counts all).

    Returns
    -------
    Answer
        The gaps of the chosen types, ranked.
    """
    from iekg.queries.gaps import gaps as find_gaps

    kinds = gap_types(list(types))
    sc = scope(store, cities, province, year, chain)
    return answer(store, find_gaps(store, sc, types=kinds, limit=limit), sc.cities)


@one_version
def readiness(store: Store, city: str, year: int | None = None, target_year: int | None = None) -> Answer:
    """One city against the notice's targets and conditions (``iekg readiness --city``).

    Parameters
    ----------
    store : Store
        The graph.
    city : str
        The city code.
    year : int, optional
        Default: the latest year with data.
    target_year : int, optional
        Also the readiness for this year (after the data's year), beside today's: ``data["target"]``.

    Returns
    -------
    Answer
        Every target and condition with value, threshold, met, shortfall and evidence; with a target year,
        ``target``: the same items with the supply- and demand-based ones measured on the projection
        (``projected`` per item; the others today's, ``held_note``), ``projection`` true and the methods.
    """
    from iekg.queries.readiness import readiness as ready_one

    require_cities(store, [city])
    data = ready_one(store, city, year)
    if target_year is not None:
        data["target"] = target_readiness_block(store, city, year, target_year)
    return answer(store, data, [city])


def target_readiness_block(store: Store, city: str, year: int | None, target_year: int) -> dict[str, Any]:
    """A city's readiness for ``target_year`` (:func:`iekg.plan.target.target_readiness`) as an answer carries it
    beside today's (its data coverage is today's, not repeated)."""
    from iekg.plan.target import target_readiness

    _check_target(store, Scope((city,), year), target_year)
    r = target_readiness(store, city, int(target_year), year)
    r.pop("data_coverage", None)
    r["note"] = r["projection_info"]["note"]
    return r


@one_version
def readiness_all(store: Store, year: int | None = None, target_year: int | None = None) -> Answer:
    """All cities ranked by readiness (``iekg readiness --all``).

    Parameters
    ----------
    store : Store
        The graph.
    year : int, optional
        Default: the latest year with data.
    target_year : int, optional
        Each ranked row also gets ``target``: the city's targets and conditions met in that year (projected;
        ``None`` for a city without programs or whose data year is not before it).

    Returns
    -------
    Answer
        ``data`` is the ranked list; each row's ``source`` says whose data it rests on: ``yours``,
        ``illustrative`` (the demo's) or ``public`` (the public lists only) — a ranking may mix them.
    """
    from iekg.plan.target import base_year, target_readiness
    from iekg.queries.provenance import illustrative_cities
    from iekg.queries.readiness import readiness_all as ranked

    rows = ranked(store, year)
    # every city at once; the answer is illustrative when one of its cities is (what ``answer`` would ask again)
    ill = illustrative_cities(store, [row["city"] for row in rows])
    for row in rows:
        row["source"] = "public" if row.get("public_only") else "illustrative" if row["city"] in ill else "yours"
        if target_year is not None:
            base = base_year(store, Scope((row["city"],), year)) if row.get("has_data", True) else None
            t = None
            if base is not None and int(target_year) > base:
                r = target_readiness(store, row["city"], int(target_year), year)
                t = {k: r[k] for k in ("target_year", "base_year", "targets_met", "targets_total",
                                       "targets_unmeasurable", "conditions_met", "conditions_total", "methods_text")}
                t["projection"] = True
            row["target"] = t
    return Answer(rows, lambda: bool(ill), [r["city"] for r in rows])


@one_version
def coupling(store: Store, cities: Sequence[str] | None = None, year: int | None = None) -> Answer:
    """Coupling coordination degree across cities (``iekg coupling``, ``GET /analysis/coupling``).

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str, optional
        The cities to compare (default: every city).
    year : int, optional
        Default: the latest year with data.

    Returns
    -------
    Answer
    """
    from iekg.queries.coupling import coupling as ccd

    codes = list(cities) if cities else all_cities(store)
    require_cities(store, codes)
    return answer(store, ccd(store, codes, year), codes)


@one_version
def partners(store: Store, node: Node, limit: int = 10, year: int | None = None) -> Answer:
    """Partners for an entity: institutions for an enterprise, enterprises for an institution — the query
    chosen by the entity's label.

    Parameters
    ----------
    store : Store
        The graph.
    node : Node
        An enterprise or an institution.
    limit : int
        At most this many recommendations.
    year : int, optional
        Default: the latest year with data.

    Returns
    -------
    Answer
        Illustrative when the entity is, or the figures of its city or of a recommended one are.

    Raises
    ------
    ValueError
        When the entity is neither an enterprise nor an institution.
    """
    from iekg.queries.partners import partners_for_enterprise, partners_for_institution

    if node.label == "Enterprise":
        res = partners_for_enterprise(store, node.id, limit=limit, year=year)
    elif node.label == "Institution":
        res = partners_for_institution(store, node.id, limit=limit, year=year)
    else:
        raise ValueError(f"{node.uid} is neither an enterprise nor an institution")

    def provenance() -> bool:
        # the entity's own city as the answer found it (the same LOCATED_IN read), not every entity's located
        own = (res.get("enterprise") or res.get("institution") or {}).get("city")
        cities = {r.get("city") for r in res.get("results", [])} | {own}
        return is_illustrative(node.props) or scope_is_illustrative(store, [c for c in cities if c])

    return Answer(res, provenance)


@one_version
def who_trains(store: Store, industry: str | None = None, segment: str | None = None, chain: str | None = None,
               cities: Sequence[str] | None = None, year: int | None = None, limit: int | None = None) -> Answer:
    """Who trains for an industry, a chain segment or a chain (``iekg trains``, ``GET /analysis/who-trains``).

    Parameters
    ----------
    store : Store
        The graph.
    industry, segment, chain : str, optional
        Exactly one of them: the target.
    cities : sequence of str, optional
        Only institutions of these cities (default: all).
    year : int, optional
        Default: the latest year with programs.
    limit : int, optional
        At most this many rows and institutions (``rows_total`` / ``institutions_total`` count all).

    Returns
    -------
    Answer
        The rows, institutions and totals.
    """
    from iekg.queries.who import who_trains_for

    exactly_one(industry=industry, segment=segment, chain=chain)
    res = who_trains_for(store, industry=industry, segment=segment, chain=chain, cities=cities or None, year=year,
                         limit=limit)
    return Answer(res, lambda: scope_is_illustrative(store, cities or all_cities(store)))


@one_version
def who_hires(store: Store, major: str, cities: Sequence[str] | None = None, year: int | None = None) -> Answer:
    """Who hires a major: its industries, their enterprises and the talent demand (``iekg hires``).

    Parameters
    ----------
    store : Store
        The graph.
    major : str
        A major code.
    cities : sequence of str, optional
        Only these cities (default: all).
    year : int, optional
        Default: the latest year with data.

    Returns
    -------
    Answer
    """
    from iekg.queries.who import who_hires as hires

    res = hires(store, major, cities=cities or None, year=year)
    return Answer(res, lambda: scope_is_illustrative(store, cities or all_cities(store)))

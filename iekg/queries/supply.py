"""Supply: the crosswalk weights and the one rule for a program's yearly volume of graduates.

``volume`` (metrics.md): a program's graduates; when they are missing, its enrolment divided by the
program's duration (:data:`DURATION`, by the major's level, else the institution's), flagged as an
estimate; else 0 (no figure: counted apart, never as 0 supply — docs/measures.md).  Its twins, side by side
below: :data:`VOLUME_SQL` (the embedded store's text, ``iekg.graph.sqlite_sql``) and :data:`VOLUME_CYPHER`
(the Neo4j store's, ``iekg.graph.cypher``), with the pandas reference in ``iekg.graph.sums``; the stores'
sums per group (``Store.offer_sums``) leave the division to :func:`per_year`, given :data:`DURATION`.  The
demo generator uses the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.sqlite_sql import VOLUME as SQL_VOLUME
from iekg.graph.store import Store, id_values
from iekg.graph.sums import KEPT_DURATIONS, rollup
from iekg.queries.scope import located_in

# Years of study by level (the major's, else the institution's): the one table, kept with the graph's sums
# (each city's first programs by volume are kept computed with it: iekg.graph.sums.KEPT_DURATIONS).
DURATION = KEPT_DURATIONS
# The volume rule in the stores' query languages (their homes: the graph modules of each store).
VOLUME_SQL = SQL_VOLUME


def __getattr__(name: str) -> Any:
    """:data:`VOLUME_CYPHER`, the Neo4j store's text, read from ``iekg.graph.cypher`` when asked for: a question on
    the embedded store never imports the Cypher module (2.6 ms of a fresh process)."""
    if name == "VOLUME_CYPHER":
        from iekg.graph.cypher import VOLUME

        return VOLUME
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def durations(levels: pd.Series) -> pd.Series:
    """The years of study of each level (float; NaN for a level without a known duration).

    Parameters
    ----------
    levels : pandas.Series
        Levels (高职专科, 中职, 本科, 职业本科) or missing values.

    Returns
    -------
    pandas.Series
    """
    return levels.map(DURATION).astype(float)


def per_year(enrollment: Any, duration: Any) -> Any:
    """Enrolment spread over the years of study: the yearly volume estimated from an enrolment.

    Parameters
    ----------
    enrollment : float or array-like
        Students enrolled (all years).
    duration : float or array-like
        Years of study (:func:`durations`); NaN when unknown.

    Returns
    -------
    float or array-like
        ``enrollment / duration`` (NaN where either is unknown).
    """
    return enrollment / duration


def volume(graduates: Any, enrollment: Any, duration: Any) -> tuple[np.ndarray, np.ndarray]:
    """The yearly volume of programs: graduates, else enrolment ÷ duration (an estimate), else 0.

    Parameters
    ----------
    graduates, enrollment : float or array-like
        The programs' figures (None / NaN when missing).
    duration : float or array-like
        Their years of study (:func:`durations`; NaN when the level does not tell it).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The volumes, and whether each is an estimate from the enrolment.

    Examples
    --------
    >>> v, est = volume([30.0, None], [None, 120.0], [3.0, 4.0])
    >>> v.tolist(), est.tolist()
    ([30.0, 30.0], [False, True])
    """
    g, e = _numbers(graduates), _numbers(enrollment)
    d = np.broadcast_to(_numbers(duration), g.shape)
    estimate = np.isnan(g) & ~np.isnan(e) & ~np.isnan(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(~np.isnan(g), g, np.where(estimate, per_year(e, d), 0.0))
    return out, estimate


def _numbers(x: Any) -> np.ndarray:
    """Figures as floats (NaN for a missing or unreadable one), a scalar as one value."""
    s = x if isinstance(x, pd.Series) else pd.Series(np.atleast_1d(np.asarray(x, dtype=object)))
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


# ------------------------------------------------------------------------------------ crosswalk weights
@dataclass
class Weights:
    """Crosswalk weights per major (its own when it has them, else its category's)."""

    frame: pd.DataFrame  # major, industry (rolled up), weight, via (major|category), category

    @classmethod
    def load(cls, store: Store, majors: Iterable[str] | None = None) -> Weights:
        """The weights of ``majors`` (all majors when None), read with the filters pushed to the store."""
        wanted = None if majors is None else sorted(set(majors))
        sub = store.rel_frame("SUBCLASS_OF", src_label="Major", dst_label="MajorCategory", src_ids=wanted).rename(
            columns={"src": "major", "dst": "category"})
        cats = None if wanted is None else sorted(sub["category"].unique())
        aw = store.rel_frame("ALIGNS_WITH", ["weight"], src_label="MajorCategory", src_ids=cats)
        own = store.rel_frame("ALIGNS_WITH", ["weight"], src_label="Major", src_ids=wanted).rename(
            columns={"src": "major", "dst": "industry"})
        cat = aw.merge(sub, left_on="src", right_on="category").rename(columns={"dst": "industry"})
        cat = cat[~cat["major"].isin(own["major"].unique())]
        own = own.merge(sub, on="major", how="left")
        frame = pd.concat([own.assign(via="major"), cat.assign(via="category")], ignore_index=True)
        frame = frame[["major", "industry", "weight", "via", "category"]]
        frame["industry"] = rollup(frame["industry"])
        frame["weight"] = frame["weight"].astype(float)
        summed = frame.groupby(["major", "industry", "via", "category"], dropna=False)["weight"].sum().reset_index()
        return cls(summed)

    @classmethod
    def of(cls, store: Store, majors: Iterable[str]) -> Weights:
        """:meth:`load` of ``majors``, cut from every major's weights read once per graph version (a major's
        weights do not depend on the others: ``readiness --all`` reads them once, not once per city)."""
        every: Weights = store.memo(("weights-all",), lambda: cls.load(store))
        f = every.frame
        return cls(f[f["major"].isin(sorted(set(majors)))].reset_index(drop=True))


def aligned_majors(store: Store, industries: Iterable[str]) -> list[str]:
    """The majors with crosswalk weight > 0 into any of ``industries`` (大类 codes), from every major's
    weights (memoised until the next write).

    Parameters
    ----------
    store : Store
        The graph.
    industries : iterable of str
        Industry codes (大类).

    Returns
    -------
    list of str
        The major codes, sorted.

    Examples
    --------
    >>> aligned_majors(store, ["36"])
    """
    w = store.memo(("weights-all",), lambda: Weights.load(store)).frame
    return sorted(w.loc[w["industry"].isin(list(industries)) & (w["weight"] > 0), "major"].unique())


# ------------------------------------------------------------------------------------ programs
def latest_year(store: Store, cities: Sequence[str]) -> int | None:
    """The latest OFFERS year of the institutions located in ``cities`` (:func:`program_years`).

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The scope's city codes.

    Returns
    -------
    int or None
        The latest year, or None when the institutions have no programs in any year.
    """
    years = program_years(store, cities)
    return years[-1] if years else None


def program_years(store: Store, cities: Sequence[str]) -> list[int]:
    """The OFFERS years of the institutions located in ``cities`` (``Store.offer_year_list``), memoised until
    the next write: the latest year and the data coverage both need them.

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The scope's city codes.

    Returns
    -------
    list of int
        The years with programs, ascending.
    """
    key = tuple(sorted(set(cities)))
    out: list[int] = store.memo(("offer-years", key), lambda: store.offer_year_list(list(key)))
    return out


# At most this many majors are read from the majors' end in scope_programs (see there).
FEW_MAJORS = 50


def scope_programs(store: Store, cities: Sequence[str], year: int | None, extra: Sequence[str] = (), *,
                   majors: Iterable[str] | None = None,
                   institutions: Iterable[str] | None = None) -> tuple[pd.DataFrame, int | None]:
    """The programs of the institutions in ``cities`` in ``year``, with their :func:`volume`.

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The scope's cities (institutions in a city: :func:`iekg.queries.scope.located_in`).
    year : int, optional
        The OFFERS year (default: the latest year the scope has).
    extra : sequence of str
        More OFFERS properties to read.
    majors, institutions : iterable of str, optional
        Keep only the programs of those majors / institutions (the default year is still the latest of the
        whole scope): questions about one industry or one institution read those rows only.

    Returns
    -------
    (pandas.DataFrame, int or None)
        institution, major, city, year, graduates, enrollment, volume, estimate (+ ``extra``), and the year.
    """
    loc = located_in(store, "Institution", cities=cities).rename(columns={"id": "institution"})
    if year is None:
        year = latest_year(store, cities)
    if institutions is not None:
        loc = loc[loc["institution"].isin(id_values(institutions))]
    insts = sorted(loc["institution"].unique())
    mj = None if majors is None else sorted(set(majors))
    # a few majors' programs in a wide scope (one industry nationwide): read from the majors' end, the programs
    # of institutions outside the scope dropped by the join below, rather than sending every institution's id.
    # With many majors (a chain's hundreds) the institutions' end stays cheaper (measured at scale 100: 29 majors
    # 0.08 s from the majors' end against 0.12 s; 345 majors 1.7 s against 0.5 s)
    few = mj is not None and institutions is None and len(mj) <= FEW_MAJORS and len(mj) < len(insts)
    ends = None if few else insts
    offers = store.rel_frame("OFFERS", ["year", "graduates", "enrollment", *extra], src_label="Institution",
                             dst_label="Major", src_ids=ends, dst_ids=mj, where={"year": year}).rename(
        columns={"src": "institution", "dst": "major"})
    offers = offers.merge(loc, on="institution")
    major_levels = store.node_frame("Major", ["level"], ids=offers["major"].unique()).rename(
        columns={"id": "major", "level": "major_level"})
    offers = offers.merge(major_levels, on="major", how="left")
    # the institution's level only where the major has none (the duration rule's fallback)
    unleveled = offers.loc[offers["major_level"].isna(), "institution"].unique()
    levels = store.node_frame("Institution", ["level"], ids=unleveled).rename(
        columns={"id": "institution", "level": "inst_level"})
    offers = offers.merge(levels, on="institution", how="left")
    duration = durations(offers["major_level"].fillna(offers["inst_level"]))
    offers["volume"], offers["estimate"] = volume(offers["graduates"], offers["enrollment"], duration)
    cols = ["institution", "major", "city", "year", "graduates", "enrollment", "volume", "estimate", *extra]
    return offers[cols].sort_values(["city", "institution", "major"]).reset_index(drop=True), year


def program_supply(store: Store, cities: Sequence[str], year: int | None, *, majors: Iterable[str] | None = None,
                   institutions: Iterable[str] | None = None) -> tuple[pd.DataFrame, int | None]:
    """:func:`scope_programs` (same parameters) joined to their crosswalk weights.

    Returns
    -------
    (pandas.DataFrame, int or None)
        One row per program × industry with ``industry``, ``weight`` and ``supply`` = volume × weight (as
        ``ScopeData.supply_rows``), and the year.  Memoised until the next write.
    """
    mj = None if majors is None else tuple(sorted(set(majors)))
    ins = None if institutions is None else tuple(sorted(set(institutions)))

    def compute() -> tuple[pd.DataFrame, int | None]:
        programs, y = scope_programs(store, cities, year, majors=mj, institutions=ins)
        # the majors' weights cut from every major's weights, read once per graph version (Weights.of)
        return weighted_supply(programs, Weights.of(store, programs["major"].unique())), y

    out: tuple[pd.DataFrame, int | None] = store.memo(("program-supply", tuple(sorted(cities)), year, mj, ins), compute)
    return out


def weighted_supply(programs: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """Programs (or sums per major) joined to their crosswalk weights: ``supply`` = volume × weight.

    Parameters
    ----------
    programs : pandas.DataFrame
        Programs (:func:`scope_programs`) or sums per major, with ``major`` and ``volume``.
    weights : Weights
        The crosswalk weights of their majors.

    Returns
    -------
    pandas.DataFrame
        The rows of ``programs`` once per industry their major's weights point to (a major without weights is
        dropped), with ``industry``, ``weight`` and ``supply`` = volume × weight.
    """
    rows = programs.merge(weights.frame[["major", "industry", "weight"]], on="major")
    rows["supply"] = rows["volume"] * rows["weight"]
    return rows

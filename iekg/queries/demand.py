"""Demand: talent-demand rows (DEMANDS) and the one way they are spread over industries.

A row given by industry counts for that industry (rolled up to its 大类) with weight 1; a row given by
major is spread over the industries its crosswalk weights point to (its own weights, else its category's:
:class:`~iekg.queries.supply.Weights`), demand = headcount × weight.  ``align``, ``gaps`` and ``who-hires``
all sum demand per industry through :func:`join_demand` (docs/measures.md, "Demand").
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import demand_rows, rollup
from iekg.queries.supply import Weights

DEMAND_PROPS = ["year", "headcount", "city_code", "education_level", "major_code"]


def scope_demand(store: Store, cities: Sequence[str], year: int | None) -> pd.DataFrame:
    """DEMANDS rows of the year whose city_code is in scope (from cities or their enterprises).

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The scope's city codes (matched against each row's ``city_code``).
    year : int, optional
        The DEMANDS year.

    Returns
    -------
    pandas.DataFrame
        One row per DEMANDS relationship: ``src``, ``src_label`` (City or Enterprise), ``target``,
        ``target_label`` (Industry or Major), ``year``, ``headcount`` (float), ``city_code``,
        ``education_level`` and ``major_code``.
    """
    return demand_rows(store, cities, year, DEMAND_PROPS)


def join_demand(dem: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """Demand rows (or sums per target) spread over industries: the one spreading.

    Parameters
    ----------
    dem : pandas.DataFrame
        Rows with ``target_label`` (Industry or Major), ``target`` and ``headcount``
        (:func:`scope_demand`, or ``Store.demand_sums``).
    weights : Weights
        The crosswalk weights of the majors among the targets.

    Returns
    -------
    pandas.DataFrame
        The rows with ``industry`` and ``weight``: an industry target rolled up with weight 1, a major's row
        once per industry its weights point to (no industry when it has none); ``demand`` = headcount ×
        weight.
    """
    w = weights.frame[["major", "industry", "weight"]]
    by_ind = dem[dem["target_label"] == "Industry"].assign(industry=lambda x: rollup(x["target"]), weight=1.0)
    by_major = dem[dem["target_label"] == "Major"].merge(w, left_on="target", right_on="major", how="left")
    out = pd.concat([by_ind, by_major.drop(columns=["major"])], ignore_index=True)
    out["demand"] = out["headcount"] * out["weight"]
    return out


def known_industries(joined: pd.DataFrame) -> set[str]:
    """The industries that have at least one demand row (:func:`join_demand`; a row given by major counts for
    the industries its weights point to with w > 0).  An industry outside this set has *no demand data*,
    which is not a demand of 0.

    Parameters
    ----------
    joined : pandas.DataFrame
        Demand rows spread over industries (:func:`join_demand`): ``industry`` and ``weight``.

    Returns
    -------
    set of str
        The industry codes with demand data.
    """
    j = joined[joined["industry"].notna() & (joined["weight"] > 0)]
    return {str(x) for x in j["industry"].unique()}


def industry_demand(store: Store, cities: Sequence[str], year: int | None) -> tuple[pd.Series, set[str]]:
    """Demand per industry in ``cities`` in ``year``, summed as ``align`` sums it.

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The cities (a row counts for the city of its ``city_code``).
    year : int, optional
        The DEMANDS year.

    Returns
    -------
    (pandas.Series, set of str)
        Demand (headcount × weight) per industry code, and the industries with demand data
        (:func:`known_industries`).
    """
    dem = store.demand_sums(sorted(set(cities)), year)
    weights = Weights.of(store, dem.loc[dem["target_label"] == "Major", "target"].unique())
    joined = join_demand(dem, weights)
    return joined.dropna(subset=["industry"]).groupby("industry")["demand"].sum(), known_industries(joined)

"""Coupling coordination degree (耦合协调度) between the education and the industry system of several scopes.

For each scope an education index U1 and an industry index U2 in [0, 1] come from min–max normalised
indicators weighted by the entropy method over the compared scopes; then

    C = 2·√(U1·U2) / (U1 + U2),  T = α·U1 + β·U2,  CCD = √(C·T)

with α = β = 0.5 by default, graded in steps of 0.1 (metrics.md).  The indicator lists are settings
(:class:`CouplingSettings`); an indicator that the data does not give for every compared scope is left
out and listed in the result, never read as zero.

A city is compared only when it has data on both sides in the year: programs (education) and demand
rows or enterprises (industry).  The others are listed in ``without_data`` with what they lack and
are left out of the normalisation: their zeros are missing data, and min–max scaling would grade them
极度失调 by construction.  With fewer than :data:`MIN_CITIES` cities with data the method refuses
(ValueError): with two, min–max scaling makes every indicator 0 or 1, so the degree only says which
city is larger and the smaller one is graded 极度失调 whatever its real state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.store import Store
from iekg.queries.facts import _read_sums, _volumes
from iekg.queries.scope import located_links
from iekg.queries.supply import latest_year

GRADES = ("极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调", "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调")
GRADES_EN = ("extreme imbalance", "serious imbalance", "moderate imbalance", "mild imbalance", "on the verge of imbalance",
             "barely coordinated", "primary coordination", "intermediate coordination", "good coordination",
             "high-quality coordination")

# Indicator name → what it measures (all are "larger is better").
EDUCATION_INDICATORS: dict[str, str] = {
    "graduates": "毕业生数 (或按在校生/学制估算) graduates (or enrollment / duration)",
    "institutions": "院校数 institutions",
    "programs": "专业点数 programs offered",
    "leading_programs": "省级领先专业点数 leading programs",
    "employment_rate": "毕业生加权就业率 graduate-weighted employment rate",
    "training_bases": "实训基地数 training bases",
}
INDUSTRY_INDICATORS: dict[str, str] = {
    "demand": "人才需求人数 talent demand (headcount)",
    "enterprises": "企业数 enterprises",
    "employees": "企业从业人数 enterprise employees",
    "iei_enterprises": "产教融合型企业数 (含培育) integration enterprises",
    "focus_chains": "重点产业链数 focus chains",
    "gdp": "地区生产总值 GDP",
}


MIN_CITIES = 3  # the fewest cities with data the min–max / entropy method can compare meaningfully


@dataclass(frozen=True)
class CouplingSettings:
    education: tuple[str, ...] = tuple(EDUCATION_INDICATORS)
    industry: tuple[str, ...] = tuple(INDUSTRY_INDICATORS)
    alpha: float = 0.5
    beta: float = 0.5
    shift: float = 1e-4  # added after min–max normalisation so that ln(0) never occurs (common practice)


@dataclass
class Degree:
    u1: float
    u2: float
    c: float
    t: float
    ccd: float
    grade: str
    grade_en: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def grade_of(ccd: float) -> tuple[str, str]:
    """The grade of a coupling coordination degree, in steps of 0.1 (:data:`GRADES`, :data:`GRADES_EN`).

    Parameters
    ----------
    ccd : float
        The coupling coordination degree, in [0, 1].

    Returns
    -------
    (str, str)
        The grade in Chinese and in English (1.0 is graded like 0.9).

    Examples
    --------
    >>> grade_of(0.65)
    ('初级协调', 'primary coordination')
    """
    k = min(int(math.floor(ccd * 10 + 1e-12)), 9) if ccd > 0 else 0
    return GRADES[k], GRADES_EN[k]


def degree(u1: float, u2: float, alpha: float = 0.5, beta: float = 0.5) -> Degree:
    """C, T and CCD for one scope's indices (metrics.md).

    Parameters
    ----------
    u1 : float
        The education index, in [0, 1].
    u2 : float
        The industry index, in [0, 1].
    alpha, beta : float
        The weights of U1 and U2 in T.

    Returns
    -------
    Degree
        ``u1``, ``u2``, ``c``, ``t``, ``ccd``, ``grade`` and ``grade_en``.

    Examples
    --------
    >>> degree(0.6, 0.4).ccd
    """
    c = 2 * math.sqrt(u1 * u2) / (u1 + u2) if u1 + u2 > 0 else 0.0
    t = alpha * u1 + beta * u2
    ccd = math.sqrt(c * t)
    g, ge = grade_of(ccd)
    return Degree(u1, u2, c, t, ccd, g, ge)


def entropy_weights(x: pd.DataFrame, shift: float = 1e-4) -> tuple[pd.DataFrame, pd.Series]:
    """Min–max normalise each column and weight the columns by the entropy method.

    Returns the normalised matrix (in [0, 1]) and the weights (summing to 1).  A column that does not
    vary gets weight 0; if no column varies the weights are equal.

    Parameters
    ----------
    x : pandas.DataFrame
        One row per scope, one column per indicator (no missing values).
    shift : float
        Added to the normalised values before the entropy, so that ln(0) never occurs.

    Returns
    -------
    (pandas.DataFrame, pandas.Series)
        The normalised matrix (same index and columns as ``x``) and the weight per column.
    """
    v = x.to_numpy(dtype=float)
    lo, hi = v.min(axis=0), v.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    norm = np.where(hi > lo, (v - lo) / span, 0.0)
    n = v.shape[0]
    p = (norm + shift) / (norm + shift).sum(axis=0)
    e = -(p * np.log(p)).sum(axis=0) / math.log(n) if n > 1 else np.ones(v.shape[1])
    d = np.where(hi > lo, 1 - e, 0.0)
    w = d / d.sum() if d.sum() > 0 else np.full(v.shape[1], 1 / v.shape[1])
    return pd.DataFrame(norm, index=x.index, columns=x.columns), pd.Series(w, index=x.columns)


@dataclass
class IndicatorTable:
    values: pd.DataFrame  # one row per city, one column per indicator (NaN where the data has nothing)
    year: int | None
    notes: dict[str, str] = field(default_factory=dict)


def indicators(store: Store, cities: Sequence[str], year: int | None = None) -> IndicatorTable:
    """All default indicators for every city at once (reads filtered to the cities, then group-bys).

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The city codes.
    year : int, optional
        The year (None: the latest with programs in any of the cities).

    Returns
    -------
    IndicatorTable
        ``values``: one row per city (index ``city``), one float column per indicator of
        :data:`EDUCATION_INDICATORS` and :data:`INDUSTRY_INDICATORS` (NaN where the data gives nothing:
        employment rate, GDP, employees, graduates of a city whose programs lack figures); and ``year``.
    """
    idx = pd.Index(sorted(cities), name="city")
    wanted = list(idx)
    # the sums per city × major (server-side on Neo4j) with their volumes — the offer and demand sums ScopeSums
    # is made of, without the crosswalk it joins them to (nothing here reads the industries)
    year = year if year is not None else latest_year(store, wanted)
    raw_offers, demands = _read_sums(store, wanted, year)
    offers = _volumes(raw_offers.copy())
    g = offers.groupby("city")
    out = pd.DataFrame(index=idx)
    out["graduates"] = g["volume"].sum()
    # a city whose programs all lack figures has no graduates data, not 0 graduates (issue 18)
    no_figures = [c for c, n in (g["with_graduates"].sum() + g["estimated_programs"].sum()).items() if n == 0]
    # the located links counted per city (located_links: read once per graph version; compare reads them anyway) —
    # on Neo4j a count of its own cost 20–25 ms a label
    out["institutions"] = located_links(store, "Institution", wanted).groupby("city").size()
    out["programs"] = g["programs"].sum()
    out["leading_programs"] = g["leading"].sum()
    rate_sum = g["rate_volume"].sum()
    rate_n = g["rated_volume"].sum()
    out["employment_rate"] = (rate_sum / rate_n.where(rate_n > 0))
    out["training_bases"] = located_links(store, "TrainingBase", wanted).groupby("city").size()
    out["demand"] = demands.groupby("city")["headcount"].sum()
    ents = store.located_sums("Enterprise", wanted, ["employees", "iei_level"]).set_index("city")
    out["enterprises"] = ents["nodes"]
    out["employees"] = ents["employees_sum"].where(ents["employees_n"] > 0)
    out["iei_enterprises"] = ents["iei_level_n"]
    focus = store.rel_frame("FOCUSES_ON", src_label="City", src_ids=wanted)
    out["focus_chains"] = focus.groupby("src").size()
    gdp = store.node_frame("City", ["gdp"], ids=wanted).set_index("id")["gdp"]
    out["gdp"] = pd.to_numeric(gdp.reindex(idx), errors="coerce")
    # Counts are zero where a city simply has none; measured values (rates, GDP) stay missing.
    counts = [c for c in out.columns if c not in ("employment_rate", "gdp", "employees")]
    out[counts] = out[counts].fillna(0)
    out.loc[out.index.isin(no_figures), "graduates"] = np.nan
    if out["employees"].notna().any():
        out["employees"] = out["employees"].fillna(0)
    return IndicatorTable(out.astype(float), year)


def coupling(store: Store, cities: Sequence[str], year: int | None = None,
             settings: CouplingSettings | None = None, table: IndicatorTable | None = None) -> dict[str, Any]:
    """U1, U2, C, T, CCD and grade for each city, with the indicators and entropy weights used.

    Parameters
    ----------
    store : Store
        The graph.
    cities : sequence of str
        The city codes to compare (at least two; at least :data:`MIN_CITIES` with data, else ValueError).
    year : int, optional
        The year (None: the latest with programs in any of the cities).
    settings : CouplingSettings, optional
        The indicators, α, β and the shift (default: :class:`CouplingSettings`).
    table : IndicatorTable, optional
        The indicators when the caller has them (else read by :func:`indicators`).

    Returns
    -------
    dict
        ``year``, ``alpha``, ``beta``, ``excluded`` (indicator → why it was left out), ``without_data``
        (``city``, ``name``, ``lacks``, ``reason``), ``compared``, ``minimum_cities``, ``coverage``,
        ``education_weights``, ``industry_weights``, and ``scopes``: per compared city, highest CCD first,
        ``city``, ``u1``, ``u2``, ``c``, ``t``, ``ccd``, ``grade``, ``grade_en`` and ``indicators``.

    Examples
    --------
    >>> coupling(store, ["410100", "410200", "410300"])["scopes"][0]["grade"]
    """
    st = settings or CouplingSettings()
    if len(cities) < 2:
        raise ValueError("coupling coordination compares scopes: give at least two cities")
    table = table or indicators(store, cities, year)
    v = table.values
    education_data = v["programs"] > 0
    industry_data = (v["demand"] > 0) | (v["enterprises"] > 0)
    city_names = {str(i): str(n) for i, n in zip(*store.node_frame("City", ["name"], ids=list(v.index))[["id", "name"]]
                                            .to_numpy().T, strict=True)} if len(v) else {}
    without = []
    for city in v.index:
        lacks = ([] if education_data[city] else ["programs"]) + ([] if industry_data[city] else ["demand_or_enterprises"])
        if lacks:
            what = "、".join({"programs": "专业点", "demand_or_enterprises": "需求与企业"}[x] for x in lacks)
            without.append({"city": city, "name": city_names.get(city, city), "lacks": lacks,
                            "reason": f"{table.year} 年没有{what}数据 (no data), 未参与比较"})
    keep = [c for c in v.index if education_data[c] and industry_data[c]]
    if len(keep) < MIN_CITIES:
        have = "、".join(f"{city_names.get(c, c)}" for c in keep) or "无"
        raise ValueError(
            f"耦合协调度需要至少 {MIN_CITIES} 个有数据的城市才能比较，{table.year} 年只有 {len(keep)} 个（{have}）；"
            f"{len(without)} 个城市没有数据 (coupling needs at least {MIN_CITIES} cities with programs and "
            f"demand or enterprises; {len(keep)} have them). 请为更多城市导入数据，或用 iekg align 查看单个城市")
    table = IndicatorTable(v.loc[keep], table.year, table.notes)
    result: dict[str, Any] = {"year": table.year, "alpha": st.alpha, "beta": st.beta, "excluded": {},
                              "without_data": without, "compared": len(keep), "minimum_cities": MIN_CITIES,
                              "coverage": {"cities_total": len(v), "cities_with_data": keep,
                                           "cities_without_data": [w["city"] for w in without]}}
    indices = {}
    for system, names in (("education", st.education), ("industry", st.industry)):
        x = table.values[list(names)]
        bad = [c for c in x.columns if x[c].isna().any()]
        for c in bad:
            result["excluded"][c] = "数据不全 (not given for every compared city)"
        x = x.drop(columns=bad)
        if x.shape[1] == 0:
            raise ValueError(f"no {system} indicator has data for every compared city")
        norm, w = entropy_weights(x, st.shift)
        indices[system] = norm.to_numpy() @ w.to_numpy()
        result[f"{system}_weights"] = {k: float(v) for k, v in w.items()}
    rows = []
    for k, city in enumerate(table.values.index):
        d = degree(float(indices["education"][k]), float(indices["industry"][k]), st.alpha, st.beta)
        rows.append({"city": city, **d.as_dict(),
                     "indicators": {c: (None if pd.isna(v) else float(v)) for c, v in table.values.loc[city].items()}})
    rows.sort(key=lambda r: (-r["ccd"], r["city"]))
    result["scopes"] = rows
    return result

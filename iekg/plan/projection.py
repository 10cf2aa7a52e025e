"""The target year (issue 23 item 1): supply projected from the students in school now, demand from the
planner's own figures or the recent trend — each figure with the method that made it, flagged as a projection.

Supply.  The graduates of a program in year T are the students who enrolled L years before (L: the
programme's duration, 3 for 专科 and 中职, 4 for 本科).  At the end of the base year B the program has E students
in school (在校生数) in L cohorts; the import gives the total, so each cohort is taken as E / L (an even split,
our assumption, said as such).  The cohort in year of study k graduates in B + (L − k + 1):

- 1 ≤ T − B ≤ L: the graduates of T are in school now — E / L, method ``in_school`` (在校生÷学制);
- T − B > L: they have not enrolled yet — the intake is taken to stay as it is, E / L, method ``steady`` (按现有
  招生规模延续，假设);
- no enrolment but graduates G of B: G is carried forward, method ``carried`` (按最近一年毕业生数延续，假设);
- neither: no projection (None), never 0.

Demand.  ``plan`` — the planner's own figures for T (a ``demand_plan`` row); else ``trend`` — a least-squares
line through the industry's demand of the years with data (at least two), read at T and never below 0; with
one year only, ``held`` (that year's demand, our assumption); with none, no projection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SUPPLY_METHODS = {"in_school": "在校生÷学制（毕业生已在校）", "steady": "按现有招生规模延续（本工具假设）",
                  "carried": "按最近一年毕业生数延续（本工具假设）"}
DEMAND_METHODS = {"plan": "本市规划数", "trend": "近年趋势外推（最小二乘直线）", "held": "仅一年数据，按该年延续（本工具假设）"}


def project_supply(programs: pd.DataFrame, base_year: int, target_year: int) -> pd.DataFrame:
    """Each program's graduates in ``target_year``.

    Parameters
    ----------
    programs : DataFrame
        The programs of ``base_year``: ``enrollment`` (在校生数), ``graduates``, ``duration`` (years; None when
        the level does not tell it).
    base_year, target_year : int
        The year of the figures and the year projected to (after it).

    Returns
    -------
    DataFrame
        ``programs`` with ``projected`` (people; None without figures) and ``method`` (a key of
        :data:`SUPPLY_METHODS`, None without figures).

    Raises
    ------
    ValueError
        ``target_year`` not after ``base_year``.
    """
    if target_year <= base_year:
        raise ValueError(f"目标年份 {target_year} 须晚于数据年份 {base_year} (the target year must come after the data's)")
    h = target_year - base_year
    out = programs.copy()
    def col(name: str) -> pd.Series:
        return pd.to_numeric(out[name], errors="coerce") if name in out else pd.Series(np.nan, index=out.index)

    e, g, L = col("enrollment"), col("graduates"), col("duration")
    from_e = e.notna() & L.notna() & (L > 0)
    per_cohort = (e / L).where(from_e)
    method = pd.Series(None, index=out.index, dtype=object)
    method[from_e & (h <= L)] = "in_school"
    method[from_e & (h > L)] = "steady"
    carried = ~from_e & g.notna()
    method[carried] = "carried"
    out["projected"] = per_cohort.where(from_e, g.where(carried))
    out["projected"] = out["projected"].astype(object).where(out["projected"].notna(), None)
    out["method"] = method.astype(object).where(method.notna(), None)
    return out


def project_demand(history: pd.DataFrame, target_year: int,
                   plan: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Each industry's demand in ``target_year``.

    Parameters
    ----------
    history : DataFrame
        ``industry``, ``year``, ``demand``: the demand of the years with data (a year without rows is absent,
        not 0).
    target_year : int
        The year projected to.
    plan : mapping, optional
        The planner's own figures for the target year per industry (``demand_plan``): they win.

    Returns
    -------
    DataFrame
        ``industry``, ``projected`` (None without history or plan), ``method`` (a key of
        :data:`DEMAND_METHODS`), ``years`` (the years the projection rests on).
    """
    rows = []
    plan = dict(plan or {})
    for ind, grp in history.groupby("industry", sort=True):
        per_year = grp.groupby("year")["demand"].sum().sort_index()
        years: Sequence[int] = [int(y) for y in per_year.index]
        if str(ind) in plan:
            rows.append({"industry": str(ind), "projected": float(plan.pop(str(ind))), "method": "plan", "years": []})
        elif len(per_year) >= 2:
            x, y = np.array(years, dtype=float), per_year.to_numpy(dtype=float)
            xc = x - x.mean()  # the least-squares line through the centre: exact on whole figures, unlike polyfit
            slope = float((xc * (y - y.mean())).sum() / (xc * xc).sum())
            rows.append({"industry": str(ind), "projected": max(0.0, float(y.mean() + slope * (target_year - x.mean()))),
                         "method": "trend", "years": list(years)})
        elif len(per_year) == 1:
            rows.append({"industry": str(ind), "projected": float(per_year.iloc[0]), "method": "held",
                         "years": list(years)})
    for ind, v in sorted(plan.items()):  # planned industries without history
        rows.append({"industry": str(ind), "projected": float(v), "method": "plan", "years": []})
    return pd.DataFrame(rows, columns=["industry", "projected", "method", "years"])

"""What-if scenarios laid over the graph without changing it (issue 23 item 2) — the overlay core.

A scenario is a list of changes in the import's vocabulary: a program added at an institution (major, year,
graduates and/or enrolment), a program's figures changed, a program closed, demand added for a city.  Its
figures come from the same sums the graph keeps: the scope's offer and demand sums are read from the store as
they are, each changed program's contribution (:func:`iekg.graph.sums.program_parts`, the rule the sums are
made by) is subtracted and its new contribution added, and the measures are computed from the result
(:meth:`ScopeSums._of`, then the alignment).  So a scenario's figures are those of a graph where the same
changes were imported — without a write: the graph, its sums and its version stay as they were.

Not yet overlaid: cooperations and training bases (the cooperation density and readiness read the graph).
Storing named scenarios, their faces (CLI, API, dashboard) and the import checks of their rows come next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import DEMAND_SUM_COLUMNS, OFFER_KEYS, OFFER_PROPS, _offers, program_parts, sum_parts
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import Scope


@dataclass(frozen=True)
class ProgramChange:
    """A program of an institution in the scope's year: ``add`` (not offered yet), ``set`` (new figures for one
    that is), ``close`` (it stops)."""

    action: Literal["add", "set", "close"]
    institution: str
    major: str
    graduates: float | None = None
    enrollment: float | None = None


@dataclass(frozen=True)
class DemandChange:
    """More (or, negative, less) demand of a city for an industry or a major in the scope's year."""

    city: str
    target: str
    headcount: float
    target_label: Literal["Industry", "Major"] = "Industry"


def _program_rows(store: Store, scope: Scope, year: int, changes: Sequence[ProgramChange]) -> tuple[pd.DataFrame,
                                                                                                    pd.DataFrame]:
    """The rows the changes take away (the programs as the graph has them) and the rows they bring."""
    cities = sorted(scope.cities)
    now = _offers(store, cities, year, list(OFFER_PROPS), {c.major for c in changes})
    now = now.set_index(["institution", "major"], drop=False)
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City",
                          src_ids=sorted({c.institution for c in changes}))
    city_of = dict(zip(loc["src"], loc["dst"], strict=True))
    levels = store.node_frame("Institution", ["level"], ids=sorted({c.institution for c in changes}))
    inst_level = dict(zip(levels["id"], levels["level"], strict=True))
    majors = store.node_frame("Major", ["level"], ids=sorted({c.major for c in changes}))
    major_level = dict(zip(majors["id"], majors["level"], strict=True))
    gone, new = [], []
    for c in changes:
        key = (c.institution, c.major)
        offered = key in now.index
        if c.action == "add" and offered:
            raise ValueError(f"{c.institution} 已开设专业 {c.major}（{year}）：改用 set 修改其人数 (already offered: use set)")
        if c.action in ("set", "close") and not offered:
            raise ValueError(f"{c.institution} 在 {year} 年没有专业 {c.major}，无法{'修改' if c.action == 'set' else '撤销'}"
                             f" (not offered in {year})")
        if c.institution not in city_of:
            raise LookupError(f"院校 {c.institution} 不在图谱中或没有所在城市 (institution not in the graph)")
        if city_of[c.institution] not in scope.cities:
            raise ValueError(f"院校 {c.institution} 不在本范围内 (institution outside the scope)")
        if c.major not in major_level:
            raise LookupError(f"专业 {c.major} 不在专业目录中 (major not in the catalogue)")
        if offered:
            gone.append(now.loc[[key]].iloc[0])
        if c.action in ("add", "set"):
            base = dict(now.loc[[key]].iloc[0]) if offered else {"employment_rate": None, "leading": None}
            new.append({**base, "institution": c.institution, "major": c.major, "city": city_of[c.institution],
                        "major_level": major_level.get(c.major), "inst_level": inst_level.get(c.institution),
                        "graduates": c.graduates, "enrollment": c.enrollment})
    cols = list(dict.fromkeys(["institution", *OFFER_KEYS, *OFFER_PROPS]))
    return pd.DataFrame(gone, columns=now.columns).reset_index(drop=True), pd.DataFrame(new, columns=cols)


def overlay_sums(store: Store, scope: Scope, programs: Sequence[ProgramChange] = (),
                 demands: Sequence[DemandChange] = ()) -> ScopeSums:
    """The scope's sums with the changes laid over them (nothing is written).

    Parameters
    ----------
    store : Store
        The graph.
    scope : Scope
        The scope (its year: the year changed; None — the latest year with programs).
    programs, demands : sequences
        The changes.

    Returns
    -------
    ScopeSums
        What :func:`iekg.queries.alignment.alignment` takes as ``sums=``.
    """
    base = ScopeSums.gather(store, scope)
    year = base.year
    if year is None:
        raise LookupError("本范围没有专业点数据，无法叠加情景 (no programs in scope)")
    cities = sorted(scope.cities)
    off = store.offer_sums(cities, year)
    if programs:
        gone, new = _program_rows(store, scope, year, programs)
        parts = [off]
        if len(new):
            parts.append(program_parts(new))
        if len(gone):
            minus = program_parts(gone)
            value_cols = [c for c in minus.columns if c not in OFFER_KEYS]
            minus[value_cols] = -minus[value_cols]
            parts.append(minus)
        summed = sum_parts(pd.concat(parts, ignore_index=True))
        off = summed[summed["programs"] != 0].reset_index(drop=True)  # a closed program's group is gone
    dem = store.demand_sums(cities, year)
    if demands:
        add = pd.DataFrame([{"city": d.city, "target_label": d.target_label, "target": d.target,
                             "headcount": float(d.headcount), "rows": 1} for d in demands],
                           columns=list(DEMAND_SUM_COLUMNS))
        dem = (pd.concat([dem, add], ignore_index=True)
               .groupby(["city", "target_label", "target"], as_index=False, sort=True)[["headcount", "rows"]].sum())
        dem = dem[list(DEMAND_SUM_COLUMNS)]
    return ScopeSums._of(store, scope, year, off, dem)  # as ScopeSums._gather makes them, from these sums


def evaluate(store: Store, scope: Scope, programs: Sequence[ProgramChange] = (),
             demands: Sequence[DemandChange] = ()) -> dict[str, Any]:
    """The baseline and the scenario side by side: S, D, SAI, observed SAI, coverage and the industries whose
    status or supply moves."""
    from iekg.queries.alignment import alignment

    before = alignment(store, scope)
    after = alignment(store, scope, sums=overlay_sums(store, scope, programs, demands))
    was = {i["code"]: i for i in before["industries"]}
    moved = []
    for i in after["industries"]:
        b = was.get(i["code"], {})
        if b.get("status") != i["status"] or (b.get("supply") or 0) != (i["supply"] or 0) or \
                (b.get("demand") or 0) != (i["demand"] or 0):
            moved.append({"code": i["code"], "name": i["name"], "supply_before": b.get("supply"),
                          "supply_after": i["supply"], "demand_before": b.get("demand"), "demand_after": i["demand"],
                          "status_before": b.get("status"), "status_after": i["status"]})
    keys = ("S", "D", "sai", "sai_observed", "coverage")
    return {"baseline": {k: before[k] for k in keys}, "scenario": {k: after[k] for k in keys}, "moved": moved,
            "year": after["year"], "scope": scope.id, "projection": False}

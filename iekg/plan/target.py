"""The target year composed (issue 23 item 1): a scope's sums projected to a target year, and the measures on them.

:func:`target_sums` builds the sums a target year's measures are computed from, by the rules the kept sums are
made by, without a write:

- **supply** — every program of the base year (the scope's year, default the latest with programs) projected
  by :func:`iekg.plan.projection.project_supply` (the duration from the major's level, else the institution's,
  :func:`iekg.queries.supply.durations`, as the volume rule reads it); its graduates replaced by the projection
  and summed by :func:`iekg.graph.sums.program_parts` / :func:`~iekg.graph.sums.sum_parts` — exactly as the kept
  offer sums are made.  A program without figures is not projected (never 0): it stays a program without
  figures and is listed.
- **demand** — per city × target (an industry, rolled up to its 大类 as the measures read it, or a major): the
  demand sums of every year with demand data before the target year (``Store.demand_sums`` per year), projected
  by :func:`iekg.plan.projection.project_demand` — the planner's own figures for the target year
  (``demand_plan`` rows, PLANS_DEMAND) win, else the trend, else the one year held; a target without history or
  plan has no projection.

:func:`target_alignment` and :func:`target_readiness` run the usual measures on those sums; every answer says
``projection: true`` and names the methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import DEMAND_SUM_COLUMNS, OFFER_PROPS, _offers, program_parts, rollup, sum_parts
from iekg.plan.projection import DEMAND_METHODS, SUPPLY_METHODS, project_demand, project_supply
from iekg.queries.demand import join_demand
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import Scope
from iekg.queries.supply import durations, latest_year, program_years

LISTED = 20  # programs without a projection listed by name (all are counted)
PROJECTION_NOTE = ("预测 projection：目标年份的供给按在校生÷学制推算，需求按本市规划数、近年趋势或最近一年推算，"
                   "方法逐项注明；不是统计数据 (projected figures, each with the method that made it)")
HELD_NOTE = "与供需预测无关，保持现状（{year}年数据）(not projected: today's value)"
_SEP = "\x1f"


def _check(base: int | None, target_year: int) -> int:
    if base is None:
        raise LookupError("本范围没有专业点数据，无法预测目标年份 (no programs in scope: nothing to project from)")
    if int(target_year) <= base:
        raise ValueError(f"目标年份 {target_year} 须晚于数据年份 {base} (the target year must come after the data's "
                         f"year {base}): 请给一个更晚的 --target-year")
    return base


def base_year(store: Store, scope: Scope) -> int | None:
    """The year a projection starts from: the scope's year, else the latest with programs in scope.

    Raises
    ------
    LookupError
        The scope's year has no programs (the years that have them are named).
    """
    if scope.year is None:
        return latest_year(store, sorted(scope.cities))
    have = program_years(store, sorted(scope.cities))
    if scope.year not in have:
        raise LookupError(f"本范围 {scope.year} 年没有专业点数据，无法预测 (no programs in {scope.year}: nothing to project "
                          f"from)；有专业点的年份：{'、'.join(map(str, have)) or '无'}")
    return scope.year


def project_programs(rows: pd.DataFrame, base: int, target_year: int) -> pd.DataFrame:
    """Program rows (``_offers``' columns) with ``duration``, ``projected`` and ``method``
    (:func:`~iekg.plan.projection.project_supply`), the duration read from the major's level, else the
    institution's — the volume rule's reading."""
    level = rows["major_level"].where(rows["major_level"].notna(), rows["inst_level"]) if len(rows) else \
        pd.Series(dtype=object)
    return project_supply(rows.assign(duration=durations(level).to_numpy() if len(rows) else []), base, target_year)


def demand_years(store: Store, cities: Sequence[str]) -> list[int]:
    """The years with demand rows (DEMANDS whose ``city_code`` is one of ``cities``), ascending."""
    f = store.rel_frame("DEMANDS", ["year"], where={"city_code": sorted(cities)})
    y = pd.to_numeric(f["year"], errors="coerce").dropna()
    return sorted({int(v) for v in y if float(v).is_integer()})


def plan_rows(store: Store, cities: Sequence[str], target_year: int) -> pd.DataFrame:
    """The planner's ``demand_plan`` rows for ``target_year`` in ``cities``: city, target_label, target, headcount,
    basis (PLANS_DEMAND from a City to an Industry or a Major)."""
    parts = []
    for label in ("Industry", "Major"):
        f = store.rel_frame("PLANS_DEMAND", ["year", "headcount", "city_code", "basis"], src_label="City",
                            dst_label=label, where={"year": int(target_year), "city_code": sorted(cities)})
        parts.append(pd.DataFrame({"city": f["city_code"].astype(str), "target_label": label,
                                   "target": f["dst"].astype(str),
                                   "headcount": pd.to_numeric(f["headcount"]).astype(float),
                                   "basis": f["basis"]}))
    return pd.concat(parts, ignore_index=True)


def _keyed(frame: pd.DataFrame) -> pd.Series:
    """city × target_label × target as one key, an industry rolled up to its 大类 (as the measures read it, so a
    plan for 3670 replaces the trend of 36)."""
    target = frame["target"].astype(str)
    target = target.where(frame["target_label"] != "Industry", rollup(target))
    return frame["city"].astype(str) + _SEP + frame["target_label"].astype(str) + _SEP + target


def _program_listing(store: Store, rows: pd.DataFrame) -> list[dict[str, Any]]:
    rows = rows.sort_values(["city", "institution", "major"]).head(LISTED)
    inst = store.node_frame("Institution", ["name"], ids=sorted(set(rows["institution"])))
    maj = store.node_frame("Major", ["name"], ids=sorted(set(rows["major"])))
    iname = dict(zip(inst["id"].astype(str), inst["name"], strict=True))
    mname = dict(zip(maj["id"].astype(str), maj["name"], strict=True))
    e = pd.to_numeric(rows["enrollment"], errors="coerce")
    return [{"institution": str(i), "institution_name": iname.get(str(i)), "major": str(m),
             "major_name": mname.get(str(m)), "city": str(c),
             "why": "enrollment_without_level" if ev == ev else "no_figures"}
            for i, m, c, ev in zip(rows["institution"], rows["major"], rows["city"], e, strict=True)]


def target_sums(store: Store, scope: Scope, target_year: int, plan: pd.DataFrame | Sequence[Mapping[str, Any]] |
                None = None, *, programs: pd.DataFrame | None = None) -> tuple[ScopeSums, dict[str, Any]]:
    """The scope's sums projected to ``target_year`` and what the projection rests on.

    Parameters
    ----------
    store : Store
        The graph (only read).
    scope : Scope
        The scope; its year is the base year (None: the latest with programs in scope).
    target_year : int
        The year projected to, after the base year.
    plan : DataFrame or rows, optional
        The planned demand for the target year (``city``, ``target_label`` Industry/Major, ``target``,
        ``headcount``) used instead of the graph's ``demand_plan`` rows (None: the graph's).
    programs : DataFrame, optional
        The base year's program rows to project instead of the graph's (``_offers``' columns — a what-if
        scenario's rows).

    Returns
    -------
    (ScopeSums, dict)
        The sums (their year: the base year, whose data they rest on) and ``info``: ``projection`` (True),
        ``base_year``, ``target_year``, ``supply_methods`` {method: programs}, ``industry_supply_methods``
        {industry: {method: programs}}, ``not_projected`` (programs without figures: ``programs``, ``listed``),
        ``demand_methods`` {industry: plan / trend / held / none, several joined by ``+``},
        ``demand_method_counts`` {method: city × targets}, ``demand_years``, ``plan_rows``, ``demand_data``,
        ``methods`` (the words of every method) and ``note``.

    Raises
    ------
    LookupError
        No programs in scope.
    ValueError
        A target year not after the base year.
    """
    cities = sorted(scope.cities)
    base = _check(base_year(store, scope), target_year)
    target_year = int(target_year)

    def compute() -> tuple[ScopeSums, dict[str, Any]]:
        rows = programs if programs is not None else _offers(store, cities, base, list(OFFER_PROPS))
        proj = project_programs(rows, base, target_year)
        if len(proj):
            off = sum_parts(program_parts(proj.assign(graduates=proj["projected"])))
        else:
            off = store.offer_sums(cities, base).iloc[0:0]
        dem, dinfo = _demand(store, cities, target_year, plan)
        sums = replace(ScopeSums._of(store, Scope(scope.cities, base, scope.chain, scope.name, scope.kind), base, off,
                                     dem[list(DEMAND_SUM_COLUMNS)].copy()), variant="projection")
        info = _info(store, sums, proj, dem, dinfo, base, target_year)
        return sums, info

    if plan is None and programs is None:
        got: tuple[ScopeSums, dict[str, Any]] = store.memo(("target-sums", tuple(cities), base, target_year), compute)
        want = Scope(scope.cities, base, scope.chain, scope.name, scope.kind)
        return (got[0] if got[0].scope == want else replace(got[0], scope=want)), got[1]
    return compute()


def _demand(store: Store, cities: Sequence[str], target_year: int,
            plan: pd.DataFrame | Sequence[Mapping[str, Any]] | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The projected demand sums (DEMAND_SUM_COLUMNS + method, years) and what they rest on."""
    years = [y for y in demand_years(store, cities) if y < target_year]
    hist_parts = [store.demand_sums(list(cities), y).assign(year=y) for y in years]
    hist = pd.concat(hist_parts, ignore_index=True) if hist_parts else pd.DataFrame(
        columns=[*DEMAND_SUM_COLUMNS, "year"])
    planned = plan_rows(store, cities, target_year) if plan is None else pd.DataFrame(list(plan) if not isinstance(
        plan, pd.DataFrame) else plan, columns=["city", "target_label", "target", "headcount"])
    planned = planned[planned["city"].astype(str).isin(set(cities))] if len(planned) else planned
    plan_map: dict[str, float] = {}
    if len(planned):
        for k, v in zip(_keyed(planned), pd.to_numeric(planned["headcount"]).astype(float), strict=True):
            plan_map[k] = plan_map.get(k, 0.0) + float(v)
    h = pd.DataFrame({"industry": _keyed(hist) if len(hist) else pd.Series(dtype=str),
                      "year": hist["year"].astype(int) if len(hist) else pd.Series(dtype=int),
                      "demand": pd.to_numeric(hist["headcount"]).astype(float) if len(hist) else pd.Series(dtype=float)})
    p = project_demand(h, target_year, plan=plan_map)
    keys = [str(k).split(_SEP) for k in p["industry"]]
    dem = pd.DataFrame({"city": [k[0] for k in keys], "target_label": [k[1] for k in keys],
                        "target": [k[2] for k in keys], "headcount": [float(v) for v in p["projected"]],
                        "rows": [1] * len(keys), "method": list(p["method"]), "years": list(p["years"])},
                       columns=[*DEMAND_SUM_COLUMNS, "method", "years"])
    dem = dem.sort_values(["city", "target_label", "target"]).reset_index(drop=True)
    return dem, {"demand_years": years, "plan_rows": len(planned)}


def _joined(methods: pd.Series) -> str:
    got = sorted({str(m) for m in methods if m is not None and m == m})
    return "+".join(got) if got else "none"


def _info(store: Store, sums: ScopeSums, proj: pd.DataFrame, dem: pd.DataFrame, dinfo: dict[str, Any],
          base: int, target_year: int) -> dict[str, Any]:
    method = proj["method"] if len(proj) else pd.Series(dtype=object)
    counts = {m: int((method == m).sum()) for m in SUPPLY_METHODS if int((method == m).sum())}
    none = proj[method.isna()] if len(proj) else proj
    w = sums.weights.frame
    w = w[w["weight"] > 0][["major", "industry"]]
    per_ind: dict[str, dict[str, int]] = {}
    if len(proj):
        fed = proj[method.notna()][["major", "method"]].merge(w, on="major")
        for ind, m, n in fed.groupby(["industry", "method"]).size().reset_index(name="n").itertuples(index=False):
            per_ind.setdefault(str(ind), {})[str(m)] = int(n)
    joined = join_demand(dem, sums.weights) if len(dem) else pd.DataFrame(columns=["industry", "method"])
    joined = joined.dropna(subset=["industry"])
    by_ind = {str(k): _joined(v) for k, v in joined.groupby("industry")["method"]} if len(joined) else {}
    industries = sorted(set(sums.cells["industry"].astype(str)) | set(by_ind))
    demand_methods = {i: by_ind.get(i, "none") for i in industries}
    dcounts = {m: int((dem["method"] == m).sum()) for m in DEMAND_METHODS if len(dem) and int((dem["method"] == m).sum())}
    return {
        "projection": True, "base_year": base, "target_year": target_year, "horizon": target_year - base,
        "supply_methods": counts, "industry_supply_methods": dict(sorted(per_ind.items())),
        "not_projected": {"programs": len(none), "listed": _program_listing(store, none) if len(none) else [],
                          "note": (f"{len(none)} 个专业点既无在校生数（或学制不明）也无毕业生数，不做预测，不计为 0 "
                                   f"({len(none)} programs without figures: not projected, never 0)") if len(none)
                          else None},
        "demand_methods": demand_methods, "demand_method_counts": dcounts,
        "demand_years": dinfo["demand_years"], "plan_rows": dinfo["plan_rows"], "demand_data": bool(len(dem)),
        "methods": {**{k: v for k, v in SUPPLY_METHODS.items()}, **{k: v for k, v in DEMAND_METHODS.items()},
                    "none": "无历史数据也无规划数，不预测（无数据，不是 0）"},
        "note": PROJECTION_NOTE,
    }


def method_words(info: Mapping[str, Any]) -> str:
    """The methods a projection used, in words: ``供给：在校生÷学制 120 个专业点…；需求：近年趋势 …``."""
    words = info.get("methods") or {}
    sup = "、".join(f"{words.get(m, m)} {n} 个专业点" for m, n in (info.get("supply_methods") or {}).items())
    dem = "、".join(f"{words.get(m, m)} {n} 项" for m, n in (info.get("demand_method_counts") or {}).items())
    out = f"预测方法 methods — 供给：{sup or '无'}；需求：{dem or '无（无需求数据）'}"
    if info.get("demand_years"):
        out += f"（需求历史年份 {'、'.join(map(str, info['demand_years']))}）"
    if info.get("plan_rows"):
        out += f"；采用本市规划需求 {info['plan_rows']} 行 (demand_plan)"
    return out


# ------------------------------------------------------------------------------------------- the measures
def _prime_coverage(store: Store, scope: Scope, year: int | None) -> None:
    """Today's data coverage memoised first under the key the target-year measures look it up by, so that the
    target year's answer says what the data rests on (the base year's rows) and never puts the projected sums'
    coverage where today's answer would find it."""
    from iekg.queries.coverage import data_coverage

    data_coverage(store, scope, year)


def target_alignment(store: Store, scope: Scope, target_year: int) -> dict[str, Any]:
    """The scope's alignment for ``target_year`` (:func:`iekg.queries.alignment.alignment` on :func:`target_sums`):
    the alignment's keys, each industry with ``demand_method`` and ``supply_methods``, and ``projection`` (True),
    ``target_year``, ``base_year``, ``methods_text`` and ``projection_info`` (:func:`target_sums`' info)."""
    from iekg.queries.alignment import alignment

    base = _check(base_year(store, scope), target_year)
    sc = Scope(scope.cities, base, scope.chain, scope.name, scope.kind)
    _prime_coverage(store, sc, base)
    sums, info = target_sums(store, sc, target_year)
    a = alignment(store, sc, sums=sums)
    for i in a["industries"]:
        i["demand_method"] = info["demand_methods"].get(i["code"], "none")
        i["supply_methods"] = info["industry_supply_methods"].get(i["code"], {})
    a.update(projection=True, target_year=int(target_year), base_year=base, methods_text=method_words(info),
             projection_info=info)
    return a


def target_readiness(store: Store, city: str, target_year: int, year: int | None = None) -> dict[str, Any]:
    """A city's readiness for ``target_year``: the items that rest on supply and demand (SAI, the employment rate
    weighted by graduates) measured on :func:`target_sums`; every other item is today's, said so per item
    (``projected`` false, ``held_note``)."""
    from iekg.queries.metrics import m_graduate_employment, m_relevance
    from iekg.queries.readiness import METRICS, Context, readiness

    sc = Scope((city,), year)
    base = _check(base_year(store, sc), target_year)
    sc = Scope((city,), base)
    _prime_coverage(store, sc, base)
    sums, info = target_sums(store, sc, target_year)
    r = readiness(store, city, base, ctx=Context(store, city, base, sums=sums))
    moved = {m for m, fn in METRICS.items() if fn in (m_relevance, m_graduate_employment)}
    for i in r["items"]:
        i["projected"] = str(i.get("metric")) in moved
        i["held_note"] = None if i["projected"] else HELD_NOTE.format(year=base)
    r.update(projection=True, target_year=int(target_year), base_year=base, methods_text=method_words(info),
             projection_info=info, projected_metrics=sorted(moved))
    return r

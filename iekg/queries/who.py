"""Who trains for an industry, a chain segment or a chain, and who hires a major's graduates.

* :func:`who_trains_for` — institutions and majors supplying an industry, a chain segment or a chain,
  with the supply of ``metrics.md`` (the one ``volume``: iekg.queries.supply, times the crosswalk weight
  rolled up to the 2-digit 大类), from :func:`~iekg.queries.supply.program_supply`.
* :func:`who_hires` — the industries a major's crosswalk weights point to, with each industry's demand as
  ``align`` sums it (iekg.queries.demand), their enterprises and the talent-demand rows for the major.

Aggregations are pandas merges and group-bys on ``rel_frame`` / ``node_frame``, read with the filters
pushed to the store; questions without cities span every city.  Every list has a deterministic order
(ties broken by id).  Unknown ids raise :class:`LookupError`; bad arguments raise :class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import rollup
from iekg.queries import cooperation
from iekg.queries.coverage import data_coverage
from iekg.queries.demand import DEMAND_PROPS, industry_demand
from iekg.queries.scope import (
    chain_industries,
    entity_of,
    id_list,
    located_in,
    names_of,
    one_of,
    py_value,
    records,
    scope_or_all,
)
from iekg.queries.supply import Weights, aligned_majors, program_supply


def industry_codes(store: Store, code: str) -> list[str]:
    """The 大类 codes a question about ``code`` is answered for (crosswalk weights live at 大类 level).

    A 3- or 4-digit code rolls up to its 大类; a 门类 letter expands to its 大类 children.

    Parameters
    ----------
    store : Store
        The graph.
    code : str
        An industry code: a 门类 letter or a 2-, 3- or 4-digit code.

    Returns
    -------
    list of str
        The 2-digit 大类 codes.

    Examples
    --------
    >>> industry_codes(store, "3612")
    ['36']
    """
    if code.isalpha():
        sub = store.rel_frame("SUBCLASS_OF", src_label="Industry", dst_label="Industry", dst_ids=[code])
        kids = sorted(sub["src"].astype(str))
        return [k for k in kids if len(k) == 2]
    return [str(rollup(pd.Series([code])).iloc[0])]


def industry_ids(store: Store, codes: Iterable[str]) -> list[str]:
    """The Industry ids that roll up to one of ``codes`` (大类 or 门类): the codes themselves and their
    3- and 4-digit descendants, found by walking SUBCLASS_OF down from the codes (every finer code is
    loaded with its parent).

    Parameters
    ----------
    store : Store
        The graph.
    codes : iterable of str
        Industry codes (大类 or 门类).

    Returns
    -------
    list of str
        The Industry ids that roll up to one of ``codes``, sorted.
    """
    wanted = set(codes)
    found = set(wanted)
    frontier = sorted(c for c in wanted if c.isdigit())
    for _ in range(2):  # 大类 → 中类 → 小类
        if not frontier:
            break
        kids = store.rel_frame("SUBCLASS_OF", src_label="Industry", dst_label="Industry", dst_ids=frontier)["src"]
        frontier = sorted(set(kids.astype(str)) - found)
        found |= set(frontier)
    ids = sorted(found)
    return [i for i, r in zip(ids, rollup(pd.Series(ids, dtype=object)), strict=True) if r in wanted]


def nearest_categories(store: Store, code: str, n: int = 3) -> list[dict[str, Any]]:
    """The major categories whose crosswalk weights point to the industries nearest ``code`` (same 门类 /
    first digit, closest code first): what the crosswalk offers instead when nothing aligns to ``code``.

    Parameters
    ----------
    store : Store
        The graph.
    code : str
        The industry code (大类) nothing aligns to.
    n : int
        How many categories to return at most.

    Returns
    -------
    list of dict
        ``category``, ``name``, ``industry``, ``industry_name`` and ``weight``, nearest first (then by
        weight, largest first).
    """
    aw = store.rel_frame("ALIGNS_WITH", ["weight"], src_label="MajorCategory")
    if aw.empty:
        return []
    aw = aw.assign(industry=rollup(aw["dst"]))
    aw = aw[aw["industry"].astype(str).str[:1] == str(code)[:1]]
    aw = aw[aw["industry"] != code]
    if aw.empty:
        return []

    def dist(x: str) -> float:
        try:
            return abs(int(x) - int(code))
        except ValueError:
            return 99.0

    aw = aw.assign(dist=aw["industry"].map(dist), weight=aw["weight"].astype(float))
    aw = aw.sort_values(["dist", "weight", "src"], ascending=[True, False, True], kind="mergesort")
    aw = aw.drop_duplicates("src").head(n)
    cats = names_of(store, "MajorCategory", aw["src"])
    inds = names_of(store, "Industry", aw["industry"])
    return [{"category": str(c), "name": cats.get(str(c), str(c)), "industry": str(i), "industry_name": inds.get(str(i), ""),
             "weight": float(w)} for c, i, w in zip(aw["src"], aw["industry"], aw["weight"], strict=True)]


def no_supply_reason(store: Store, codes: Sequence[str], scope_name: str, year: int | None,
                     cities: Sequence[str]) -> str:
    """Why no program of the scope supplies ``codes`` (大类): nothing in the crosswalk aligns to them
    (nearest categories named), no program in that year (the latest named), or no institution in scope
    offers the aligned majors.

    Parameters
    ----------
    store : Store
        The graph.
    codes : sequence of str
        The industry codes (大类) asked about.
    scope_name : str
        The scope's name, as the sentence says it.
    year : int, optional
        The year asked for.
    cities : sequence of str
        The scope's city codes.

    Returns
    -------
    str
        The reason, in Chinese with an English gloss, and what to do about it.
    """
    names = names_of(store, "Industry", codes)
    what = "、".join(f"{c} {names.get(c, '')}".strip() for c in codes) or "（无行业）"
    aligned = aligned_majors(store, codes)
    if not aligned:
        near = [x for c in codes[:1] for x in nearest_categories(store, c)]
        tip = "；相近的类别：" + "、".join(f"{x['name']}（{x['category']}，对应 {x['industry']} {x['industry_name']}，权重 "
                                       f"{x['weight']:g}）" for x in near) if near else ""
        return (f"专业—行业对照表中没有专业对应行业 {what} (no major aligned to industry {','.join(codes)} in the "
                f"crosswalk){tip}。可在对照表中补充权重 (add weights to the crosswalk)")
    years = store.offer_year_list(list(cities))
    latest = years[-1] if years else None
    if latest is None:
        return f"{scope_name}没有任何年份的专业点数据 (no programs in scope): 请导入 programs 表"
    if year is not None and year not in years:
        return f"{scope_name} {year} 年没有专业点数据，最近一年为 {latest} 年 (no programs in {year}; latest is {latest})"
    mnames = names_of(store, "Major", aligned[:3])
    return (f"{scope_name} {year} 年没有院校开设对应 {what} 的专业（如 {'、'.join(mnames.get(m, m) for m in aligned[:3])}"
            f"{' 等' if len(aligned) > 3 else ''}，共 {len(aligned)} 个） (no institution in scope offers a major aligned "
            f"to it in {year})")



# --------------------------------------------------------------------------------- who trains for
def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each value's code in the sorted order of the distinct values (as ``pandas.factorize(sort=True)``, but the
    few distinct values are sorted rather than every row's), and those values."""
    codes, uniques = pd.factorize(values.to_numpy(object))
    if len(codes) and codes.min() < 0:  # (a missing id: pandas' own rule)
        pandas_codes, pandas_uniques = pd.factorize(values, sort=True)
        return pandas_codes.astype(np.int64), np.asarray(pandas_uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank[codes], np.asarray(uniques, dtype=object)[order]


def _target(store: Store, industry: str | None, segment: str | None, chain: str | None) -> tuple[dict[str, Any], list[str]]:
    kind, ident = one_of(industry=industry, segment=segment, chain=chain)
    if kind == "industry":
        n = entity_of(store, "Industry", str(ident), "industry")
        codes = industry_codes(store, n.id)
    elif kind == "segment":
        n = entity_of(store, "ChainSegment", str(ident), "chain segment")
        maps = store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=[n.id])
        codes = sorted(set(rollup(maps["dst"])))
    else:
        n = entity_of(store, "IndustryChain", str(ident), "industry chain")
        codes = sorted(chain_industries(store, n.id))
    names = names_of(store, "Industry", codes)
    info = {"kind": kind, "id": n.id, "name": n.name,
            "industries": [{"code": c, "name": names.get(c, "")} for c in codes]}
    return info, codes


def who_trains_for(store: Store, *, industry: str | None = None, segment: str | None = None,
                   chain: str | None = None, cities: Sequence[str] | None = None,
                   year: int | None = None, limit: int | None = None) -> dict[str, Any]:
    """Institutions and majors whose graduates the crosswalk sends into an industry, segment or chain.

    Exactly one of ``industry`` (a GB/T 4754 code: finer codes are answered for their 大类, a 门类 letter
    for all its 大类), ``segment`` (the industries it MAPS_TO) or ``chain`` (those of all its segments).
    ``cities`` limits the institutions (default: every city in the graph); ``year`` the OFFERS year
    (default: the latest in scope).

    ``rows``: one per program (institution × major) with weight > 0 into the target industries —
    institution id/name, city id/name, major code/name, graduates, enrollment, ``volume`` (graduates, or
    enrollment / duration when graduates are missing, then ``estimate`` is true), ``weight`` (summed over
    the target industries), ``contribution`` = volume × weight, and ``industries`` reached.  Sorted by
    contribution descending, then institution id, then major code.  ``institutions`` sums them per
    institution, ``total`` over all.

    Parameters
    ----------
    store : Store
        The graph.
    industry, segment, chain : str, optional
        Exactly one: what the graduates are trained for.
    cities : sequence of str, optional
        The institutions' cities (default: every city).
    year : int, optional
        The programs' year.
    limit : int, optional
        At most this many ``rows`` and ``institutions`` (the first by contribution); ``rows_total`` and
        ``institutions_total`` count them all, ``total`` sums them all.  Nationwide a chain has tens of
        thousands of programs: only the rows shown are named and converted.

    Returns
    -------
    dict
        ``target``, ``year``, ``cities``, ``scope_name``, ``total``, ``estimates``, ``rows``, ``rows_total``,
        ``institutions``, ``institutions_total``, ``reason`` (why there is no row), ``data_coverage``.
    """
    target, codes = _target(store, industry, segment, chain)
    # without cities the question spans every city; only the programs of the majors the crosswalk sends
    # into the target industries are read (filtered by the store, memoised)
    scope = scope_or_all(store, cities, year)
    sr, data_year = program_supply(store, scope.cities, year, majors=aligned_majors(store, codes))
    sr = sr[sr["industry"].isin(codes) & (sr["weight"] > 0)]
    # grouped and ranked on integer codes whose order is the ids' (a chain nationwide has a hundred thousand rows:
    # the ids are factorised once, not again by every group-by and sort); the same groups, row order and sums
    inst_code, inst_ids = _sorted_codes(sr["institution"])
    major_code, major_ids = _sorted_codes(sr["major"])
    n_majors = max(len(major_ids), 1)
    program = inst_code * n_majors + major_code
    g = sr.groupby(program, sort=True)
    # a program's city, volume and estimate are alike on each of its rows and never missing: its first row's (what
    # pandas' "first" gives); its figures, which may be missing, are the first given
    code, at = np.unique(program, return_index=True)
    figures = g[["graduates", "enrollment"]].first()
    rows = pd.DataFrame({
        "_i": code // n_majors, "institution": inst_ids[code // n_majors], "major": major_ids[code % n_majors],
        "city": sr["city"].to_numpy(object)[at], "graduates": figures["graduates"].to_numpy(),
        "enrollment": figures["enrollment"].to_numpy(), "volume": sr["volume"].to_numpy()[at],
        "estimate": sr["estimate"].to_numpy(bool)[at],
        # float sums depend on row order, which may differ between stores: round before ranking
        "weight": g["weight"].sum().round(9).to_numpy(), "contribution": g["supply"].sum().round(9).to_numpy(),
        "_p": code})
    # contribution descending, then institution, then major (the codes sort as the ids do; stable)
    rows = rows.iloc[np.lexsort((code, -rows["contribution"].to_numpy(float)))].reset_index(drop=True)
    cols = ["institution", "institution_name", "city", "city_name", "major", "major_name", "graduates",
            "enrollment", "volume", "estimate", "weight", "contribution", "industries"]
    gi = rows.groupby("_i", sort=True)
    ikey, iat = np.unique(rows["_i"].to_numpy(np.int64), return_index=True)
    sums = gi[["volume", "contribution"]].sum()
    by_inst = pd.DataFrame({
        "institution": inst_ids[ikey], "city": rows["city"].to_numpy(object)[iat], "majors": gi.size().to_numpy(),
        "volume": sums["volume"].to_numpy(), "contribution": sums["contribution"].round(9).to_numpy(),
        "estimate": gi["estimate"].any().to_numpy(bool)})
    by_inst = by_inst.iloc[np.lexsort((ikey, -by_inst["contribution"].to_numpy(float)))].reset_index(drop=True)
    n_rows, n_inst, total, estimates = len(rows), len(by_inst), float(rows["contribution"].sum()), \
        bool(rows["estimate"].any())
    if limit is not None:  # name and convert only what is shown
        rows, by_inst = rows.head(limit).copy(), by_inst.head(limit).copy()
    # the industries each shown program reaches: those of its major (a program's rows are its major's weights into
    # the target industries), joined once per major shown rather than once per program
    shown = sr[sr["major"].isin(set(rows["major"]))].drop_duplicates(["major", "industry"])
    per_major = shown.sort_values(["major", "industry"]).groupby("major")["industry"].agg(",".join)
    rows["industries"] = rows["major"].map(per_major).astype(object)  # (text, also when no row is shown)
    inst = names_of(store, "Institution", set(rows["institution"]) | set(by_inst["institution"]))
    major = names_of(store, "Major", rows["major"])
    city = names_of(store, "City", set(rows["city"]) | set(by_inst["city"]))
    rows["institution_name"] = rows["institution"].map(inst)
    rows["major_name"] = rows["major"].map(major)
    rows["city_name"] = rows["city"].map(city)
    for c in ("graduates", "enrollment"):
        rows[c] = pd.to_numeric(rows[c], errors="coerce").round().astype("Int64")
    rows["industries"] = rows["industries"].fillna("").str.split(",")
    by_inst["institution_name"] = by_inst["institution"].map(inst)
    by_inst["city_name"] = by_inst["city"].map(city)
    by_inst = by_inst[["institution", "institution_name", "city", "city_name", "majors", "volume", "contribution",
                       "estimate"]]
    reason = None
    if n_rows == 0:
        reason = (no_supply_reason(store, codes, scope.name, py_value(data_year) if data_year is not None else year,
                                    scope.cities) if codes else f"{target['name']} 没有对应的行业 (maps to no industry)")
    return {
        "target": target, "year": py_value(data_year), "cities": list(scope.cities), "scope_name": scope.name,
        "total": total, "estimates": estimates, "rows": records(rows[cols]), "rows_total": n_rows,
        "institutions": records(by_inst), "institutions_total": n_inst, "reason": reason,
        "data_coverage": data_coverage(store, scope, year),
    }


# ------------------------------------------------------------------------------------------ who hires
def _names(store: Store, label: str, ids: pd.Series) -> dict[str, str]:
    """:func:`names_of`, without a round trip to the store when there is no id (a list often empty here)."""
    return names_of(store, label, ids) if len(ids) else {}


def _demand_frame(store: Store, major: str, industries: Sequence[str], cities: Sequence[str] | None) -> pd.DataFrame:
    """The DEMANDS rows that can concern ``major``, read with the filters pushed to the store: those
    addressed to the major, industry rows naming it as ``major_code``, and industry rows without a
    ``major_code`` addressed to one of ``industries`` (Industry ids); only those of ``cities`` (by the
    row's ``city_code``) when given."""
    in_cities: dict[str, Any] = {} if cities is None else {"city_code": list(cities)}
    parts = []
    for src_label in ("City", "Enterprise"):
        to_major = store.rel_frame("DEMANDS", DEMAND_PROPS, src_label=src_label, dst_label="Major", dst_ids=[major],
                                   where=in_cities)
        naming = store.rel_frame("DEMANDS", DEMAND_PROPS, src_label=src_label, dst_label="Industry",
                                 where={**in_cities, "major_code": major})
        to_inds = store.rel_frame("DEMANDS", DEMAND_PROPS, src_label=src_label, dst_label="Industry",
                                  dst_ids=industries, where=in_cities)
        to_inds = to_inds[to_inds["major_code"].isna()]  # the rows naming the major are in ``naming``
        parts += [pd.concat([naming, to_inds]).assign(src_label=src_label, target_label="Industry"),
                  to_major.assign(src_label=src_label, target_label="Major")]
    d = pd.concat(parts, ignore_index=True).rename(columns={"dst": "target"})
    d["headcount"] = pd.to_numeric(d["headcount"], errors="coerce").fillna(0.0).astype(float)
    return d


def who_hires(store: Store, major_code: str, *, cities: Sequence[str] | None = None,
              year: int | None = None) -> dict[str, Any]:
    """Where a major's graduates are wanted: industries, enterprises and talent demand.

    * ``industries``: the 大类 the major's crosswalk weights point to (its own weights, else its
      category's), with weight > 0, sorted by weight descending then code; each with the number of
      enterprises in scope and its ``demand`` in scope and year as ``align`` sums it — rows by industry,
      and rows by major spread over their crosswalk weights (:func:`iekg.queries.demand.join_demand`) —
      with ``demand_data`` false when the industry has no demand row (no data, not 0).
    * ``enterprises``: enterprises in those industries, located in ``cities`` (default everywhere), with
      the industry weight, employees, their demand headcount (rows below) and ``partners`` — how many
      institutions offering this major already cooperate with them (ongoing cooperations only:
      iekg.queries.cooperation).  Sorted by weight descending,
      demand descending, employees descending, then id.
    * ``demand``: DEMANDS rows (by cities and enterprises) for this major, or for those industries
      without a different major named; ``weight`` is 1 for rows naming the major, else the crosswalk
      weight, and ``weighted`` = headcount × weight.  ``year`` filters them (default: the latest year
      among them); ``cities`` filters by the row's city.  Sorted by headcount descending, then source,
      target, education level, year, city code and major code.

    Parameters
    ----------
    store : Store
        The graph.
    major_code : str
        The major (catalogue code).
    cities : sequence of str, optional
        Only enterprises and demand rows of these cities (default: everywhere).
    year : int, optional
        The demand year (default: the latest among the major's rows).

    Returns
    -------
    dict
        ``major``, ``year``, ``cities``, ``industries``, ``enterprises``, ``demand``, ``total_demand``,
        ``total_weighted_demand``, ``reasons`` (per list, why it is empty) and ``reason``.
    """
    m = entity_of(store, "Major", major_code, "major")
    code = m.id
    city_list = list(scope_or_all(store, cities, year).cities) if cities else None
    # the major's weights cut from every major's, read once per graph version (the industries' demand below reads
    # them too)
    w = Weights.of(store, [code]).frame
    w = w[(w["major"] == code) & (w["weight"] > 0)]
    inds = w.groupby("industry", as_index=False).agg(weight=("weight", "sum"), via=("via", "first"))
    inds["weight"] = inds["weight"].round(9)
    inds = inds.sort_values(["weight", "industry"], ascending=[False, True], kind="mergesort")
    weight_of = dict(zip(inds["industry"], inds["weight"], strict=True))
    ind_ids = industry_ids(store, weight_of)  # the industries (and finer codes) the weights point to

    # demand rows
    d = _demand_frame(store, code, ind_ids, city_list)
    for_major = ((d["target_label"] == "Major") & (d["target"] == code)) | (
        (d["target_label"] == "Industry") & (d["major_code"] == code))
    d["industry"] = rollup(d["target"]).where(d["target_label"] == "Industry")
    for_ind = (d["target_label"] == "Industry") & d["major_code"].isna() & d["industry"].isin(set(weight_of))
    d = d[for_major | for_ind].copy()
    d["weight"] = np.where(for_major[d.index], 1.0, d["industry"].map(weight_of).fillna(0.0))
    if city_list is not None:
        d = d[d["city_code"].isin(set(city_list))]
    yr = year
    if yr is None and len(d) and d["year"].notna().any():
        yr = int(pd.to_numeric(d["year"]).max())
    if yr is not None:
        d = d[pd.to_numeric(d["year"], errors="coerce") == yr]
    d["weighted"] = d["headcount"] * d["weight"]
    ind_names = names_of(store, "Industry", [*weight_of, *d.loc[d["target_label"] == "Industry", "target"]])
    src_names = {lab: _names(store, lab, d.loc[d["src_label"] == lab, "src"]) for lab in ("City", "Enterprise")}
    tgt_names = {"Industry": ind_names, "Major": _names(store, "Major", d.loc[d["target_label"] == "Major", "target"])}
    d["src_name"] = [src_names[lab].get(s, s) for lab, s in zip(d["src_label"], d["src"], strict=True)]
    d["target_name"] = [tgt_names[lab].get(t, t) for lab, t in zip(d["target_label"], d["target"], strict=True)]
    d["_edu"] = d["education_level"].fillna("").astype(str)
    d["_city"] = d["city_code"].fillna("").astype(str)
    d["_major"] = d["major_code"].fillna("").astype(str)
    # the relationship's identity breaks every tie, so the order does not depend on the store's
    d = d.sort_values(["headcount", "src_label", "src", "target_label", "target", "_edu", "year", "_city", "_major"],
                      ascending=[False, True, True, True, True, True, True, True, True], kind="mergesort")
    demand_cols = ["src_label", "src", "src_name", "target_label", "target", "target_name", "industry", "year",
                   "headcount", "education_level", "city_code", "major_code", "weight", "weighted"]

    # enterprises in those industries
    ent = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", dst_label="Industry", dst_ids=ind_ids).rename(
        columns={"src": "id", "dst": "industry_code"})
    ent["industry"] = rollup(ent["industry_code"])
    ent = ent[ent["industry"].isin(set(weight_of))]
    ent = ent.merge(located_in(store, "Enterprise", ids=ent["id"]), on="id", how="left")
    if city_list is not None:
        ent = ent[ent["city"].isin(set(city_list))]
    props = store.node_frame("Enterprise", ["name", "employees", "iei_level"], ids=id_list(ent["id"]))
    ent = ent.merge(props, on="id", how="left")
    ent["weight"] = ent["industry"].map(weight_of)
    ent["city_name"] = ent["city"].map(names_of(store, "City", ent["city"]))
    ent["industry_name"] = ent["industry"].map(ind_names)
    by_ent = d[d["src_label"] == "Enterprise"].groupby("src")["headcount"].sum()
    ent["demand"] = ent["id"].map(by_ent).fillna(0.0)
    teaching = store.rel_frame("OFFERS", src_label="Institution", dst_label="Major", dst_ids=[code])["src"]
    coop = store.rel_frame("COOPERATES_WITH", ["status"], src_label="Institution", dst_label="Enterprise",
                           src_ids=id_list(teaching), dst_ids=id_list(ent["id"]))
    coop = coop[cooperation.counted(coop["status"])].drop_duplicates(["src", "dst"])  # ongoing partners only
    ent["partners"] = ent["id"].map(coop.groupby("dst")["src"].count()).fillna(0).astype(int)
    ent["employees"] = pd.to_numeric(ent["employees"], errors="coerce")
    ent = ent.sort_values(["weight", "demand", "employees", "id"], ascending=[False, False, False, True],
                          na_position="last", kind="mergesort")
    ent_cols = ["id", "name", "city", "city_name", "industry", "industry_code", "industry_name", "weight",
                "employees", "iei_level", "demand", "partners"]

    inds["name"] = inds["industry"].map(ind_names)
    inds["enterprises"] = inds["industry"].map(ent.groupby("industry")["id"].count()).fillna(0).astype(int)
    # each industry's demand as align sums it (iekg.queries.demand: rows by major spread over the crosswalk)
    ind_demand, known = pd.Series(dtype=float), set[str]()
    if yr is not None:
        ind_demand, known = industry_demand(store, city_list or scope_or_all(store, None, None).cities, yr)
    inds["demand"] = inds["industry"].map(ind_demand).fillna(0.0)
    inds["demand_data"] = inds["industry"].isin(known)  # False: no demand row (no data, not 0)
    inds = inds.rename(columns={"industry": "code"})
    cat = w["category"].dropna()
    where = "所选城市" if city_list is not None else "图中"
    reasons = {
        "industries": None if len(inds) else
        f"专业 {code} {m.name} 在对照表中没有对应行业 (no crosswalk weight for this major or its category): 在对照表中补充权重",
        "enterprises": None if len(ent) or not len(inds) else
        f"{where}没有属于这些行业（{'、'.join(str(x) for x in inds['code'][:5])}）的企业 (no enterprise in scope in those "
        "industries): 导入 enterprises 表，或去掉 --city",
        "demand": None if len(d) or not len(inds) else
        f"{where}{'' if yr is None else str(yr) + ' 年'}没有针对该专业或这些行业的需求数据 (no demand rows): 导入 talent_demand 表",
    }
    return {
        "major": {"code": code, "name": m.name, "level": m.props.get("level"),
                  "category": str(cat.iloc[0]) if len(cat) else None,
                  "weights_via": str(inds["via"].iloc[0]) if len(inds) else None},
        "year": yr, "cities": city_list,
        "industries": records(inds[["code", "name", "weight", "via", "enterprises", "demand", "demand_data"]]),
        "enterprises": records(ent[ent_cols]),
        "demand": records(d[demand_cols]),
        "total_demand": float(d["headcount"].sum()), "total_weighted_demand": float(d["weighted"].sum()),
        "reasons": reasons, "reason": next((r for r in reasons.values() if r), None),
    }


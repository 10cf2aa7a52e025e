"""What-if scenarios laid over the graph without changing it (issue 23 item 2) — the overlay.

A scenario is a list of changes in the import's vocabulary: a program added at an institution (major, year,
graduates and/or enrolment), a program's figures changed, a program closed, demand added for a city, a
school–enterprise cooperation added, a training base added.  Its figures come from the same reads the graph
answers: :class:`Overlay` is a read-only view of the store with the scenario's rows laid over it —

- the offer and demand sums (``offer_sums``, ``demand_sums``) are the store's kept sums with each changed
  program's contribution (:func:`iekg.graph.sums.program_parts`, the rule the sums are made by) subtracted and
  its new one added, and the added demand summed in;
- the relationship and node reads (``rel_frame``, ``node_frame``, ``get``) return the graph's rows with the
  scenario's programs, cooperations and training bases (its LOCATED_IN, OPERATED_BY and SERVES) added and the
  closed or changed programs' old rows taken away;
- the aggregations that those rows change (cooperation counts and lists, located sums of training bases, the
  year counts of programs, the top offers) are computed by their pandas reference (:mod:`iekg.graph.sums`)
  over those rows — the same meaning the stores' SQL and Cypher versions have.

Every measure (alignment, readiness, gaps …) takes the overlay where it takes a store, so a scenario's figures
are those of a graph where the same changes were imported — without a write: the graph, its sums and its
version stay as they were (the overlay has its own memo; writes through it are refused).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pandas as pd

from iekg.graph import sums as gsums
from iekg.graph.schema import REL_TYPES
from iekg.graph.store import Node, Store
from iekg.graph.sums import DEMAND_SUM_COLUMNS, OFFER_KEYS, _offers, program_parts, sum_parts
from iekg.plan.figures import compare_figures, figures
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import Scope


@dataclass(frozen=True)
class ProgramChange:
    """A program of an institution in the scope's year: ``add`` (not offered yet), ``set`` (new figures for one
    that is; a figure not given keeps its value, as an import of the row would), ``close`` (it stops)."""

    action: Literal["add", "set", "close"]
    institution: str
    major: str
    graduates: float | None = None
    enrollment: float | None = None


@dataclass(frozen=True)
class DemandChange:
    """More demand of a city for an industry or a major in the scope's year."""

    city: str
    target: str
    headcount: float
    target_label: Literal["Industry", "Major"] = "Industry"


@dataclass(frozen=True)
class CooperationChange:
    """A school–enterprise cooperation (COOPERATES_WITH, as the ``cooperations`` table makes it)."""

    institution: str
    enterprise: str
    type: str | None = None
    since: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class TrainingBaseChange:
    """A training base in a city (as the ``training_bases`` table makes it: the node, LOCATED_IN the city,
    OPERATED_BY its operator, SERVES its industries)."""

    id: str
    city: str
    name: str
    level: str | None = None
    kind: str | None = None
    operator: str | None = None
    industries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Changes:
    """A scenario's changes, by kind."""

    programs: tuple[ProgramChange, ...] = ()
    demands: tuple[DemandChange, ...] = ()
    cooperations: tuple[CooperationChange, ...] = ()
    bases: tuple[TrainingBaseChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.programs or self.demands or self.cooperations or self.bases)


OFFERS_PROPS = tuple(REL_TYPES["OFFERS"].props)


def _program_rows(store: Store, scope: Scope, year: int, changes: Sequence[ProgramChange]) -> tuple[pd.DataFrame,
                                                                                                    pd.DataFrame]:
    """The rows the changes take away (the programs as the graph has them, every OFFERS property) and the rows
    they bring (``institution``, ``major``, ``city``, ``major_level``, ``inst_level`` and every OFFERS
    property)."""
    cities = sorted(scope.cities)
    now = _offers(store, cities, year, list(OFFERS_PROPS), {c.major for c in changes})
    now = now.set_index(["institution", "major"], drop=False)
    loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City",
                          src_ids=sorted({c.institution for c in changes}))
    city_of = dict(zip(loc["src"], loc["dst"], strict=True))
    levels = store.node_frame("Institution", ["level"], ids=sorted({c.institution for c in changes}))
    inst_level = dict(zip(levels["id"], levels["level"], strict=True))
    majors = store.node_frame("Major", ["level"], ids=sorted({c.major for c in changes}))
    major_level = dict(zip(majors["id"], majors["level"], strict=True))
    gone, new = [], []
    seen: set[tuple[str, str]] = set()
    for c in changes:
        key = (c.institution, c.major)
        if key in seen:
            raise ValueError(f"{c.institution} 的专业 {c.major} 在情景中出现两次：合并为一项 (one change per program)")
        seen.add(key)
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
            base: dict[str, Any] = dict(now.loc[[key]].iloc[0]) if offered else dict.fromkeys(OFFERS_PROPS)
            base["year"] = year
            for k in ("graduates", "enrollment"):
                v = getattr(c, k)
                if v is not None or c.action == "add":
                    base[k] = v
            new.append({**base, "institution": c.institution, "major": c.major, "city": city_of[c.institution],
                        "major_level": major_level.get(c.major), "inst_level": inst_level.get(c.institution)})
    cols = list(dict.fromkeys(["institution", *OFFER_KEYS, *OFFERS_PROPS]))
    return (pd.DataFrame(gone, columns=now.columns).reset_index(drop=True),
            pd.DataFrame(new, columns=cols).reset_index(drop=True))


def _ids(ids: Iterable[Any] | None) -> set[str] | None:
    return None if ids is None else {str(i) for i in ids}


def _matches(row: Mapping[str, Any], where: Mapping[str, Any] | None) -> bool:
    for k, v in (where or {}).items():
        got = row.get(k)
        if isinstance(v, (list, tuple, set, frozenset)):
            if got not in v:
                return False
        elif got != v:
            return False
    return True


@dataclass
class _Extra:
    """A relationship the scenario adds."""

    type: str
    src_label: str
    src: str
    dst_label: str
    dst: str
    props: dict[str, Any] = field(default_factory=dict)


class Overlay:
    """A read-only view of ``store`` with a scenario's changes laid over it (see the module's text).

    Parameters
    ----------
    store : Store
        The graph (never written).
    scope : Scope
        The scope the changes are made in (programs of its institutions).
    year : int
        The data year the changes apply to.
    changes : Changes
        The scenario's changes (checked against the graph: :class:`ValueError` / :class:`LookupError`).
    """

    def __init__(self, store: Store, scope: Scope, year: int, changes: Changes) -> None:
        self._store = store
        self._scope = scope
        self.year = year
        self.changes = changes
        self._memo: dict[tuple[Any, ...], Any] = {}
        if changes.programs:
            self._gone, self._new = _program_rows(store, scope, year, changes.programs)
        else:
            self._gone = self._new = pd.DataFrame(columns=["institution", *OFFER_KEYS, *OFFERS_PROPS])
        self._gone_keys = {(str(a), str(b)) for a, b in zip(self._gone["institution"], self._gone["major"],
                                                             strict=True)}
        # the cities whose count of programs changes (an add or a close; a set keeps the count)
        new_keys = {(str(a), str(b)) for a, b in zip(self._new["institution"], self._new["major"], strict=True)}
        self._count_cities = (
            {str(c) for i, m, c in zip(self._new["institution"], self._new["major"], self._new["city"], strict=True)
             if (str(i), str(m)) not in self._gone_keys}
            | {str(c) for i, m, c in zip(self._gone["institution"], self._gone["major"], self._gone["city"],
                                         strict=True) if (str(i), str(m)) not in new_keys})
        self._prog_cities = {str(c) for c in [*self._new["city"], *self._gone["city"]]}
        extra: list[_Extra] = []
        for r in self._new.to_dict("records"):
            extra.append(_Extra("OFFERS", "Institution", str(r["institution"]), "Major", str(r["major"]),
                                {k: r.get(k) for k in OFFERS_PROPS}))
        for c in changes.cooperations:
            extra.append(_Extra("COOPERATES_WITH", "Institution", c.institution, "Enterprise", c.enterprise,
                                {"type": c.type, "since": c.since, "students": None, "status": c.status}))
        self._base_nodes: dict[str, dict[str, Any]] = {}
        for b in changes.bases:
            self._base_nodes[b.id] = {"id": b.id, "name": b.name, "kind": b.kind, "level": b.level, "stations": None}
            extra.append(_Extra("LOCATED_IN", "TrainingBase", b.id, "City", b.city))
            if b.operator:
                op_label = "Institution" if store.get(f"Institution:{b.operator}") is not None else "Enterprise"
                extra.append(_Extra("OPERATED_BY", "TrainingBase", b.id, op_label, b.operator))
            for code in b.industries:
                extra.append(_Extra("SERVES", "TrainingBase", b.id, "Industry", code))
        self._extra = extra
        self._coop_cities: set[str] = set()
        if changes.cooperations:
            loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City",
                                  src_ids=sorted({c.institution for c in changes.cooperations}))
            self._coop_cities = {str(c) for c in loc["dst"]}
        self._base_cities = {b.city for b in changes.bases}

    # --------------------------------------------------------------------------------- delegation
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in ("apply", "clear", "save_scenario", "delete_scenario", "reindex", "migrate"):
            raise PermissionError("情景只读图谱，不写入 (a scenario never writes to the graph)")
        return getattr(self._store, name)

    @property
    def store(self) -> Store:
        """This overlay as the :class:`Store` the measures take."""
        return cast(Store, self)

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def forget(self) -> None:
        self._memo.clear()

    # ------------------------------------------------------------------------------ rows and nodes
    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        props = list(props)
        src_ids = None if src_ids is None else list(src_ids)
        dst_ids = None if dst_ids is None else list(dst_ids)
        drop = rel_type == "OFFERS" and bool(self._gone_keys)
        ask = props if not drop or "year" in props else [*props, "year"]
        f = self._store.rel_frame(rel_type, ask, src_label, dst_label, src_ids=src_ids, dst_ids=dst_ids, where=where)
        if drop and len(f):
            gone = pd.Series([(str(a), str(b)) in self._gone_keys for a, b in zip(f["src"], f["dst"], strict=True)],
                             index=f.index)
            f = f[~(gone & (pd.to_numeric(f["year"], errors="coerce") == self.year))]
            f = f[["src", "dst", *props]]
        s_ok, d_ok = _ids(src_ids), _ids(dst_ids)
        rows = [{"src": e.src, "dst": e.dst, **{p: e.props.get(p) for p in props}} for e in self._extra
                if e.type == rel_type and src_label in (None, e.src_label) and dst_label in (None, e.dst_label)
                and (s_ok is None or e.src in s_ok) and (d_ok is None or e.dst in d_ok) and _matches(e.props, where)]
        if not rows:
            return f.reset_index(drop=True)
        add = pd.DataFrame(rows, columns=["src", "dst", *props])
        if not len(f):
            return add
        return pd.concat([f, add], ignore_index=True)

    def node_frame(self, label: str, props: Iterable[str] = (), *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        props = list(props)
        ids = None if ids is None else list(ids)
        f = self._store.node_frame(label, props, ids=ids)
        if label != "TrainingBase" or not self._base_nodes:
            return f
        want = _ids(ids)
        rows = [{k: n.get(k) for k in ["id", *props]} for i, n in self._base_nodes.items() if want is None or i in want]
        if not rows:
            return f
        add = pd.DataFrame(rows, columns=["id", *props])
        return add if not len(f) else pd.concat([f, add], ignore_index=True)

    # the generic version, through node_frame above: a scenario's training bases are among the nodes it reads
    nodes_with = Store.nodes_with

    def get(self, uid: str) -> Node | None:
        label, _, ident = uid.partition(":")
        if label == "TrainingBase" and ident in self._base_nodes:
            return Node(uid, label, {k: v for k, v in self._base_nodes[ident].items() if v is not None})
        return self._store.get(uid)

    def existing(self, label: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        got = set(self._store.existing(label, ids))
        if label == "TrainingBase":
            got |= {i for i in ids if i in self._base_nodes}
        return got

    # the Store's pandas definitions, over the overlaid rel_frame (not the stores' SQL or Cypher versions)
    sources_with = Store.sources_with
    rel_max = Store.rel_max

    # ------------------------------------------------------------------------------- aggregations
    def offer_sums(self, cities: Sequence[str], year: int | None,
                   majors: Iterable[str] | None = None) -> pd.DataFrame:
        majors = None if majors is None else list(majors)
        off = self._store.offer_sums(cities, year, majors)
        if year != self.year or not (self._prog_cities & {str(c) for c in cities}):
            return off
        wanted = {str(c) for c in cities}
        only = None if majors is None else {str(m) for m in majors}

        def keep(f: pd.DataFrame) -> pd.DataFrame:
            ok = f["city"].astype(str).isin(wanted)
            return f[ok & f["major"].astype(str).isin(only)] if only is not None else f[ok]

        new, gone = keep(self._new), keep(self._gone)
        parts = [off]
        if len(new):
            parts.append(program_parts(new))
        if len(gone):
            minus = program_parts(gone)
            value_cols = [c for c in minus.columns if c not in OFFER_KEYS]
            minus[value_cols] = -minus[value_cols]
            parts.append(minus)
        summed = sum_parts(pd.concat([p for p in parts if len(p)], ignore_index=True)) if any(
            len(p) for p in parts) else off
        return summed[summed["programs"] != 0].reset_index(drop=True)  # a closed program's group is gone

    def demand_sums(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        dem = self._store.demand_sums(cities, year)
        return add_demands(dem, self.changes.demands, cities) if year == self.year else dem

    def _coops_move(self, cities: Sequence[str]) -> bool:
        wanted = {str(c) for c in cities}
        return bool((self._coop_cities | self._count_cities) & wanted)

    def cooperation_counts(self, cities: Sequence[str], year: int | None,
                           aligned: Mapping[str, Sequence[str]], inactive: Sequence[str] = ()) -> pd.DataFrame:
        if year == self.year and self._coops_move(cities):
            return gsums.cooperation_counts(self, cities, year, aligned, inactive)
        return self._store.cooperation_counts(cities, year, aligned, inactive)

    def cooperation_list(self, cities: Sequence[str], year: int | None,
                         aligned: Mapping[str, Sequence[str]], statuses: Sequence[str]) -> pd.DataFrame:
        if year == self.year and self._coops_move(cities):
            return gsums.cooperation_list(self, cities, year, aligned, statuses)
        return self._store.cooperation_list(cities, year, aligned, statuses)

    def offer_counts(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        # from the overlay's own offer sums (the base rule), so a scenario's changed programs are counted
        return Store.offer_counts(self, cities, year)  # type: ignore[arg-type]

    def offering_institutions(self, cities: Sequence[str], year: int) -> set[str]:
        # from the overlay's own sources_with (the base rule), so a scenario's changed programs are counted
        return Store.offering_institutions(self, cities, year)  # type: ignore[arg-type]

    def offer_year_counts(self, cities: Sequence[str], years: Iterable[int] | None = None) -> pd.DataFrame:
        if self._count_cities & {str(c) for c in cities}:
            return gsums.offer_year_counts(self, cities, years)
        return self._store.offer_year_counts(cities, years)

    # every city's years and thin-year counts: the default's city by city where the scenario moves the counts
    def offer_year_counts_each(self, cities: Sequence[str]) -> pd.DataFrame:
        if self._count_cities & {str(c) for c in cities}:
            return Store.offer_year_counts_each(self, cities)  # type: ignore[arg-type]
        return self._store.offer_year_counts_each(cities)

    def offer_years(self, cities: Sequence[str]) -> pd.Series:
        if self._count_cities & {str(c) for c in cities}:
            return gsums.offer_years(self, cities)
        return self._store.offer_years(cities)

    # the located nodes from the overlay's own frames (the default's join), so a scenario's nodes show
    def located_nodes(self, label: str, cities: Sequence[str], props: Iterable[str] = (), *,
                      among: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
        return Store.located_nodes(self, label, cities, props, among=among)  # type: ignore[arg-type]

    # the ends from the overlay's own relationships (the default's read), so a scenario's links count
    def targets_with(self, rel_type: str, dst_label: str, dst_ids: Iterable[str], *, src_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        return Store.targets_with(self, rel_type, dst_label, dst_ids, src_label=src_label,  # type: ignore[arg-type]
                                  where=where)

    def located_sums(self, label: str, cities: Sequence[str], props: Sequence[str] = ()) -> pd.DataFrame:
        if label == "TrainingBase" and self._base_cities & {str(c) for c in cities}:
            return gsums.located_sums(self, label, cities, props)
        return self._store.located_sums(label, cities, props)

    def top_offers(self, cities: Sequence[str], year: int | None,
                   weights: Mapping[str, Sequence[tuple[str, float]]], durations: Mapping[str, float],
                   limit: int) -> pd.DataFrame:
        if year == self.year and self._prog_cities & {str(c) for c in cities}:
            return gsums.top_offers(self, cities, year, weights, durations, limit)
        return self._store.top_offers(cities, year, weights, durations, limit)

    # (gaps) the chain gaps' findings: from the overlay's own rows (the base rule), so a scenario's
    # cooperations count
    def chain_enterprises(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                          inactive: Sequence[str]) -> pd.DataFrame:
        return Store.chain_enterprises(self, cities, segments, inactive)  # type: ignore[arg-type]

    def chain_lonely_counts(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                            inactive: Sequence[str]) -> dict[str, int]:
        return Store.chain_lonely_counts(self, cities, segments, inactive)  # type: ignore[arg-type]


def add_demands(dem: pd.DataFrame, demands: Sequence[DemandChange], cities: Sequence[str]) -> pd.DataFrame:
    """Demand sums (DEMAND_SUM_COLUMNS) with the scenario's added demand of ``cities`` summed in."""
    wanted = {str(c) for c in cities}
    rows = [{"city": d.city, "target_label": d.target_label, "target": d.target, "headcount": float(d.headcount),
             "rows": 1} for d in demands if d.city in wanted]
    if not rows:
        return dem
    add = pd.DataFrame(rows, columns=list(DEMAND_SUM_COLUMNS))
    both = pd.concat([dem[list(DEMAND_SUM_COLUMNS)], add], ignore_index=True) if len(dem) else add
    out = both.groupby(["city", "target_label", "target"], as_index=False, sort=True)[["headcount", "rows"]].sum()
    return out[list(DEMAND_SUM_COLUMNS)]


def target_overlay_sums(store: Store, scope: Scope, changes: Changes, target_year: int) -> tuple[ScopeSums, Store]:
    """A scenario's sums for ``target_year``: its programs, cooperations and bases laid over the graph and
    projected (:func:`iekg.plan.target.target_sums` on the overlay), and its added demand added to the target
    year's projected demand — demand a planner adds in a target-year scenario is demand of that year; laid over
    the data year, the trend line would carry it forward and multiply it.  Returns the sums and the overlay."""
    from dataclasses import replace

    from iekg.plan.target import target_sums

    ov, sc = overlay(store, scope, replace(changes, demands=()))
    sums, _ = target_sums(ov, sc, target_year)
    if not changes.demands:
        return sums, ov
    dem = add_demands(sums.demands, changes.demands, sorted(sc.cities))
    out = ScopeSums._of(ov, sums.scope, sums.year, sums.offers.copy(), dem)
    return replace(out, variant=sums.variant), ov


def _year_of(store: Store, scope: Scope) -> int:
    year = scope.year if scope.year is not None else ScopeSums.gather(store, scope).year
    if year is None:
        raise LookupError("本范围没有专业点数据，无法叠加情景 (no programs in scope)")
    return int(year)


def overlay(store: Store, scope: Scope, changes: Changes) -> tuple[Store, Scope]:
    """The graph with ``changes`` laid over it, and the scope with its year fixed.

    Parameters
    ----------
    store : Store
        The graph (never written).
    scope : Scope
        The scope (its year: the year changed; None — the latest year with programs).
    changes : Changes
        The changes.

    Returns
    -------
    (Store, Scope)
        The overlay (every measure takes it where it takes a store) and the scope with its year.
    """
    year = _year_of(store, scope)
    sc = Scope(scope.cities, year, scope.chain, scope.name, scope.kind)
    return Overlay(store, sc, year, changes).store, sc


def overlay_sums(store: Store, scope: Scope, programs: Sequence[ProgramChange] = (),
                 demands: Sequence[DemandChange] = ()) -> ScopeSums:
    """The scope's sums with program and demand changes laid over them (nothing is written): what
    :func:`iekg.queries.alignment.alignment` takes as ``sums=`` (for cooperations and training bases use
    :func:`overlay`, whose store the measures read)."""
    ov, sc = overlay(store, scope, Changes(tuple(programs), tuple(demands)))
    return ScopeSums.gather(ov, sc)


def evaluate(store: Store, scope: Scope, programs: Sequence[ProgramChange] = (),
             demands: Sequence[DemandChange] = (), cooperations: Sequence[CooperationChange] = (),
             bases: Sequence[TrainingBaseChange] = (), *, readiness: bool = False) -> dict[str, Any]:
    """The baseline and the scenario side by side: S, D, SAI, observed SAI, coverage, unmet demand, (with
    ``readiness``, one city) targets met, and the industries whose status, supply or demand moves."""
    ov, sc = overlay(store, scope, Changes(tuple(programs), tuple(demands), tuple(cooperations), tuple(bases)))
    before = figures(store, sc, readiness=readiness)
    after = figures(ov, sc, readiness=readiness)
    out = compare_figures(before, after)
    return {**out, "year": after["year"], "scope": sc.id, "projection": False}

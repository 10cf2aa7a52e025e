"""What each readiness metric measures for one city, from the graph: the twelve metric functions of the
notice's targets and conditions (:data:`METRICS`), the :class:`Context` they share for a city and the
:class:`Batch` that reads their frames once for many cities (``readiness_all``).  The targets, thresholds and
their basis are :mod:`iekg.queries.readiness`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from iekg.graph.schema import rel_key
from iekg.graph.store import Store
from iekg.queries.alignment import sai_summary
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import Scope, located_in


@dataclass
class Measured:
    value: float | None
    evidence: list[str]
    note: str = ""


class Batch:
    """The frames the metrics read, read once for many cities (``readiness_all``: set at a time, not one read
    per city and metric); a :class:`Context` with a batch takes its city's rows from here."""

    def __init__(self, store: Store, cities: list[str]) -> None:
        self.store = store
        self.cities = cities
        self._located: dict[str, pd.DataFrame] = {}
        self._nodes: dict[tuple[str, tuple[str, ...]], dict[str, pd.DataFrame]] = {}
        self._rels: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._once: dict[tuple[Any, ...], Any] = {}
        self._split: dict[tuple[Any, ...], dict[str, pd.DataFrame]] = {}

    def city_rows(self, frame: pd.DataFrame, column: str, city: str, key: tuple[Any, ...]) -> pd.DataFrame:
        """The rows of ``frame`` (a frame of this batch, named by ``key``) whose ``column`` is ``city``, in the
        frame's order and with its index: the frame split by city once, not filtered again for every city."""
        if key not in self._split:
            self._split[key] = {str(c): g for c, g in frame.groupby(column, sort=False)} if len(frame) else {}
        got = self._split[key].get(str(city))
        return frame.iloc[0:0] if got is None else got

    def once(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``key`` is asked for, the same result after (what every city reads alike:
        the policy's targets, the cities' pilot fields, a small label's nodes)."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def city_node(self, city: str) -> Any:
        """The City node of ``city`` (as ``Store.get`` gives it; None when there is none): every City node read
        once (one read for the batch, not one per city)."""
        got: dict[str, Any] = self.once(("city-nodes",), lambda: {n.id: n for n in self.store.nodes("City")})
        return got.get(str(city))

    def label_nodes(self, label: str, props: tuple[str, ...]) -> pd.DataFrame:
        """Every ``label`` node (``id`` and ``props``), read once."""
        return self.once(("label", label, props), lambda: self.store.node_frame(label, list(props)))

    def located(self, label: str) -> pd.DataFrame:
        if label not in self._located:
            self._located[label] = located_in(self.store, label, cities=self.cities)
        return self._located[label]

    def nodes_frame(self, label: str, props: tuple[str, ...],
                    among: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> pd.DataFrame:
        """The ``label`` nodes in the cities (``id``, ``props`` and ``city``), sorted by id, read once; with
        ``among`` ((property, values) pairs, the properties among ``props``), only those whose property is one of
        the values (:meth:`Store.located_nodes`: filtered where the data is)."""
        def read() -> pd.DataFrame:
            if label == "Institution":  # (located for the programs and the data coverage anyway: read once)
                if among:
                    raise ValueError("the institutions are read whole")
                loc = self.located(label)
                # for many cities (what a batch is for) the whole label, filtered by the merge: most of the
                # label's nodes are wanted, and reading them all is twice as fast as looking up tens of thousands
                # of ids; for one city its own nodes
                ids = loc["id"] if len(self.cities) == 1 else None
                return self.store.node_frame(label, list(props), ids=ids).merge(loc, on="id").sort_values("id")
            # the cities' nodes with their properties in one read (not the located ones, then the label's nodes:
            # on Neo4j one round trip and half the rows)
            f = self.store.located_nodes(label, self.cities, props, among=dict(among) if among else None)
            if f["id"].duplicated().any():  # an entity located in two of the cities: in the one located_in keeps
                f = f.merge(self.located(label), on=["id", "city"])
            return f.sort_values("id")
        return self.once(("nodes", label, props, among), read)  # type: ignore[no-any-return]

    def given(self, label: str, prop: str) -> pd.DataFrame:
        """The ``label`` nodes in the cities whose ``prop`` is given (``id``, ``prop`` and ``city``), sorted by id,
        read once: :meth:`nodes_frame`'s rows without those where it is missing or null, which the store leaves out
        (:meth:`Store.nodes_with`) — for a property few nodes have."""
        def read() -> pd.DataFrame:
            loc = self.located(label)
            ids = loc["id"] if len(self.cities) == 1 else None  # (as nodes_frame reads them)
            return self.store.nodes_with(label, prop, ids=ids).merge(loc, on="id").sort_values("id")
        return self.once(("given", label, prop), read)  # type: ignore[no-any-return]

    def nodes(self, label: str, props: tuple[str, ...]) -> dict[str, pd.DataFrame]:
        """The ``label`` nodes of each city (``id`` and ``props``, by id), split once."""
        key = (label, props)
        if key not in self._nodes:
            f = self.nodes_frame(label, props)
            self._nodes[key] = {str(c): g[["id", *props]].reset_index(drop=True)
                                for c, g in f.groupby("city", sort=False)}
        return self._nodes[key]

    def measured(self, name: str, each: Callable[[Batch], dict[str, Measured]], city: str) -> Measured:
        """Metric ``name`` of ``city``: ``each`` measures every city of the batch at once, the first time asked."""
        got: dict[str, Measured] = self.once(("measured", name), lambda: each(self))
        return got[city]

    def to_city(self, rel_type: str, src_label: str, props: tuple[str, ...] = ()) -> pd.DataFrame:
        """``rel_type`` relationships from ``src_label`` nodes to the cities (src, dst, props)."""
        key = ("in", rel_type, src_label, props)
        if key not in self._rels:
            self._rels[key] = self.store.rel_frame(rel_type, list(props), src_label=src_label, dst_label="City",
                                                   dst_ids=self.cities)
        return self._rels[key]

    def from_city(self, rel_type: str, props: tuple[str, ...] = ()) -> pd.DataFrame:
        key = ("out", rel_type, props)
        if key not in self._rels:
            self._rels[key] = self.store.rel_frame(rel_type, list(props), src_label="City", src_ids=self.cities)
        return self._rels[key]

    def leading_offers(self, year: int | None) -> pd.DataFrame:
        """The year's OFFERS marked leading of every institution in the cities (src, dst, city)."""
        key = ("leading", year)
        if key not in self._rels:
            loc = self.located("Institution")
            # as nodes_frame reads the institutions: for many cities the whole label's leading programs, filtered
            # by the merge (the same rows; every reader sorts them or makes a set), not tens of thousands of
            # institution ids sent to the store (compare's 18 cities at scale 100: 24 → 9 ms on SQLite); for one
            # city its own institutions'
            ids = loc["id"] if len(self.cities) == 1 else None
            f = self.store.rel_frame("OFFERS", src_label="Institution", src_ids=ids,
                                     where={"year": year, "leading": True})
            self._rels[key] = f.merge(loc.rename(columns={"id": "src"}), on="src")
        return self._rels[key]

    def leading_keys(self, year: int | None) -> dict[str, list[str]]:
        """The keys of the year's OFFERS marked leading, per city, each city's by institution and major: sorted
        and keyed once for all the cities (not sorted again for each), read once per year."""
        def keys() -> dict[str, list[str]]:
            f = self.leading_offers(year).sort_values(["src", "dst"])
            return _per_city(f, "city", _offer_keys(f, year))
        return self.once(("leading-keys", year), keys)  # type: ignore[no-any-return]


class Context:
    """What the metric functions share for one city: the store, the year, cached frames (a :class:`Batch`'s
    rows of the city when one is given)."""

    def __init__(self, store: Store, city: str, year: int | None, *, sums: ScopeSums | None = None,
                 align: dict[str, Any] | None = None, batch: Batch | None = None) -> None:
        self.store = store
        self.city = city
        self.scope = Scope((city,), year)
        self._sums = sums
        self._align = align
        self.batch = batch
        self._own: Batch | None = None
        self._located: dict[str, pd.DataFrame] = {}
        self._here: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = {}

    def each(self, name: str, each: Callable[[Batch], dict[str, Measured]]) -> Measured:
        """A metric measured set at a time (``each``: every city of a batch at once) for this city: from the
        context's batch, or — one city alone — from a batch of this city only (the one-city case)."""
        b = self.batch
        if b is None or self.city not in b.cities:
            if self._own is None:
                self._own = Batch(self.store, [self.city])
            b = self._own
        return b.measured(name, each, self.city)

    def to_city(self, rel_type: str, src_label: str, props: tuple[str, ...] = ()) -> pd.DataFrame:
        """The city's incoming ``rel_type`` relationships from ``src_label`` nodes (src, dst, props)."""
        if self.batch is not None:
            f = self.batch.to_city(rel_type, src_label, props)
            return self.batch.city_rows(f, "dst", self.city, ("in", rel_type, src_label, props))
        return self.store.rel_frame(rel_type, list(props), src_label=src_label, dst_label="City",
                                    dst_ids=[self.city])

    def from_city(self, rel_type: str, props: tuple[str, ...] = ()) -> pd.DataFrame:
        """The city's outgoing ``rel_type`` relationships (src, dst, props)."""
        if self.batch is not None:
            f = self.batch.from_city(rel_type, props)
            return self.batch.city_rows(f, "src", self.city, ("out", rel_type, props))
        return self.store.rel_frame(rel_type, list(props), src_label="City", src_ids=[self.city])

    def leading_offers(self, year: int | None) -> pd.DataFrame:
        """The year's OFFERS marked leading of the city's institutions (src, dst)."""
        if self.batch is not None:
            f = self.batch.leading_offers(year)
            return self.batch.city_rows(f, "city", self.city, ("leading", year))[["src", "dst"]]
        return self.store.rel_frame("OFFERS", src_label="Institution", src_ids=self.located("Institution")["id"],
                                    where={"year": year, "leading": True})

    @property
    def sums(self) -> ScopeSums:
        if self._sums is None:
            self._sums = ScopeSums.gather(self.store, self.scope)
        return self._sums

    @property
    def year(self) -> int | None:
        return self.sums.year

    @property
    def align(self) -> dict[str, Any]:
        """The city's alignment as far as the metrics read it (SAI and demand coverage: sai_summary, the same
        numbers as ``alignment``, which a caller that has it can pass)."""
        if self._align is None:
            self._align = sai_summary(self.store, self.scope, sums=self.sums)
        return self._align

    def located(self, label: str) -> pd.DataFrame:
        """The ``label`` nodes in the city (``id``, ``city``: iekg.queries.scope.located_in), read once per label
        for all metrics."""
        if label not in self._located:
            if self.batch is not None:
                f = self.batch.located(label)
                self._located[label] = self.batch.city_rows(f, "city", self.city, ("located", label)).reset_index(
                    drop=True)
            else:
                self._located[label] = located_in(self.store, label, cities=[self.city])
        return self._located[label]

    def nodes_of(self, label: str, props: list[str], ids: Any) -> pd.DataFrame:
        """The ``label`` nodes among ``ids`` (``id`` and ``props``): with a batch, cut from every node of the label
        read once (a small label: policies, zones), else read."""
        if self.batch is not None:
            f = self.batch.label_nodes(label, tuple(props))
            return f[f["id"].isin({str(i) for i in ids})].reset_index(drop=True)
        return self.store.node_frame(label, props, ids=ids)

    def nodes_here(self, label: str, props: list[str]) -> pd.DataFrame:
        key = (label, tuple(props))
        if key not in self._here:
            if self.batch is not None:
                f = self.batch.nodes(label, tuple(props)).get(self.city)
                if f is None:
                    f = self.store.node_frame(label, props, ids=[])
            else:
                f = self.store.node_frame(label, props, ids=self.located(label)["id"])
            self._here[key] = f.sort_values("id")
        return self._here[key]


def _uids(label: str, ids: pd.Series) -> list[str]:
    return [f"{label}:{i}" for i in ids.tolist()]


def _per_city(f: pd.DataFrame, city: str, items: list[str]) -> dict[str, list[str]]:
    """``items`` (one per row of ``f``) as a list per city (``f[city]``), in the rows' order; a city without rows
    is absent."""
    out: dict[str, list[str]] = {}
    for c, x in zip(f[city].tolist(), items, strict=True):
        out.setdefault(str(c), []).append(x)
    return out


def _counts(b: Batch, lists: dict[str, list[str]], note: str = "") -> dict[str, Measured]:
    """Every city of the batch measured as the number of its items, with them as evidence."""
    return {c: Measured(float(len(got := lists.get(str(c), []))), got, note) for c in b.cities}


def _policies(b: Batch, props: tuple[str, ...]) -> pd.DataFrame:
    """The policies that apply to each city (``dst``: the city; ``id`` and ``props``), sorted by city and id."""
    docs = b.to_city("APPLIES_TO", "Policy")[["src", "dst"]].drop_duplicates()
    return docs.merge(b.label_nodes("Policy", props), left_on="src", right_on="id").sort_values(["dst", "id"])


def m_policy_framework(ctx: Context) -> Measured:
    """The policy framework: the policies that apply to the city (APPLIES_TO) and are in force (status 有效, or
    none given).

    Returns the :class:`Measured` of ``ctx``'s city: the number of such policies, with their uids as evidence.
    """
    return ctx.each("policy_framework", _policy_framework_each)


def _policy_framework_each(b: Batch) -> dict[str, Measured]:
    pol = _policies(b, ("status", "level"))
    pol = pol[pol["status"].fillna("有效") == "有效"]
    return _counts(b, _per_city(pol, "dst", _uids("Policy", pol["id"])), "有效的、适用于本市的政策文件数")


def m_key_zones(ctx: Context) -> Measured:
    """The key zones: the city's zones (PART_OF the city) of kind 产教融合重点区域.

    Returns the :class:`Measured` of ``ctx``'s city: the number of such zones, with their uids as evidence.
    """
    return ctx.each("key_zones", _key_zones_each)


def _key_zones_each(b: Batch) -> dict[str, Measured]:
    part = b.to_city("PART_OF", "Zone")[["src", "dst"]].drop_duplicates()
    z = part.merge(b.label_nodes("Zone", ("kind",)), left_on="src", right_on="id").sort_values(["dst", "id"])
    z = z[z["kind"] == "产教融合重点区域"]
    return _counts(b, _per_city(z, "dst", _uids("Zone", z["id"])))


def m_integration_industries(ctx: Context) -> Measured:
    """The integration industries: the city's focus chains (FOCUSES_ON) marked ``integration_industry``.

    Returns the :class:`Measured` of ``ctx``'s city: the number of such chains, with the FOCUSES_ON keys
    as evidence.
    """
    return ctx.each("integration_industries", _integration_industries_each)


def _integration_industries_each(b: Batch) -> dict[str, Measured]:
    f = b.from_city("FOCUSES_ON", ("integration_industry",))
    f = f[f["integration_industry"].fillna(False).astype(bool)].sort_values(["src", "dst"])
    keys = [rel_key("FOCUSES_ON", f"City:{a}", f"IndustryChain:{c}", {})
            for a, c in zip(f["src"].tolist(), f["dst"].tolist(), strict=True)]
    return _counts(b, _per_city(f, "src", keys), "标为产教融合型行业的重点产业链数")


# every level an enterprise metric counts: only the enterprises at one of them are read (a fifth of them)
IEI_LEVELS = ("省级培育", "省级", "国家级")


def _enterprises_at(b: Batch, levels: set[str], note: str) -> dict[str, Measured]:
    if not levels <= set(IEI_LEVELS):  # (a level outside the read would be counted as none, silently)
        raise ValueError(f"levels {sorted(levels)} outside IEI_LEVELS")
    e = b.nodes_frame("Enterprise", ("iei_level",), among=(("iei_level", IEI_LEVELS),))
    e = e[e["iei_level"].isin(levels)]
    return _counts(b, _per_city(e, "city", _uids("Enterprise", e["id"])), note)


def m_provincial_iei(ctx: Context) -> Measured:
    """The provincial integration enterprises: the city's enterprises whose ``iei_level`` is 省级 or 国家级.

    Returns the :class:`Measured` of ``ctx``'s city: the number of such enterprises, with their uids as
    evidence.
    """
    return ctx.each("provincial_iei", lambda b: _enterprises_at(b, {"省级", "国家级"},
                                                                 "认定为省级 (或国家级) 产教融合型企业的企业数"))


def m_iei_cultivation(ctx: Context) -> Measured:
    """The cultivation list: the city's enterprises on the provincial cultivation list or already recognised
    (``iei_level`` 省级培育, 省级 or 国家级).

    Returns the :class:`Measured` of ``ctx``'s city: the number of such enterprises, with their uids as
    evidence.
    """
    return ctx.each("iei_cultivation", lambda b: _enterprises_at(b, {"省级培育", "省级", "国家级"},
                                                                  "进入省级培育名单或已认定的企业数"))


def m_high_level_bases(ctx: Context) -> Measured:
    """The high-level training bases: the city's training bases of level 省级 or 国家级.

    Returns the :class:`Measured` of ``ctx``'s city: the number of such bases, with their uids as evidence.
    """
    return ctx.each("high_level_bases", _high_level_bases_each)


def _high_level_bases_each(b: Batch) -> dict[str, Measured]:
    t = b.nodes_frame("TrainingBase", ("level",))
    t = t[t["level"].isin({"省级", "国家级"})]
    return _counts(b, _per_city(t, "city", _uids("TrainingBase", t["id"])), "省级及以上实训基地数 (高水平按省级及以上理解)")


def m_training_platforms(ctx: Context) -> Measured:
    """The training platforms: the city's training bases and platforms, together.

    Returns the :class:`Measured` of ``ctx``'s city: their number, with their uids as evidence.
    """
    return ctx.each("training_platforms", _training_platforms_each)


def _training_platforms_each(b: Batch) -> dict[str, Measured]:
    # (the bases as the high-level metric reads them, with their level: one read of the label, not two)
    t, p = b.nodes_frame("TrainingBase", ("level",)), b.nodes_frame("Platform", ())
    bases, platforms = _per_city(t, "city", _uids("TrainingBase", t["id"])), _per_city(p, "city", _uids("Platform", p["id"]))
    return _counts(b, {c: bases.get(str(c), []) + platforms.get(str(c), []) for c in b.cities}, "实训基地与平台载体数")


def m_leading_institutions(ctx: Context) -> Measured:
    """The leading institutions: the city's institutions marked ``leading`` (True, 是, "true" or "True").

    Returns the :class:`Measured` of ``ctx``'s city: their number with their uids as evidence; value None
    when no institution of the city has the ``leading`` field.
    """
    return ctx.each("leading_institutions", _leading_institutions_each)


def _leading_institutions_each(b: Batch) -> dict[str, Measured]:
    here = b.given("Institution", "leading")  # (the institutions that say: most say nothing)
    known = set(here.loc[here["leading"].notna(), "city"].astype(str))  # a city none of whose institutions says
    # (a boolean mask even with no rows: an empty object Series would select columns, not rows)
    here = here.loc[here["leading"].map(lambda v: v in (True, "是", "true", "True")).astype(bool)]
    lists = _per_city(here, "city", _uids("Institution", here["id"]))
    return {c: Measured(float(len(lists.get(str(c), []))), lists.get(str(c), [])) if str(c) in known else
            Measured(None, [], "本市院校没有「全省领先」的数据 (institutions 表可加 leading 列)") for c in b.cities}


def m_leading_majors(ctx: Context) -> Measured:
    """The leading majors: the city's programs of the year marked ``leading`` (省级领先).

    Returns the :class:`Measured` of ``ctx``'s city: their number with the OFFERS keys as evidence; value
    None when no program of the year has the ``leading`` field.
    """
    year = ctx.year
    if not ctx.sums.offers["leading_known"].any():
        return Measured(None, [], f"本市院校 {year} 年的专业点没有「省级领先」的数据 (programs 表的 leading 列)")
    if ctx.batch is not None and ctx.city in ctx.batch.cities:
        keys = ctx.batch.leading_keys(year).get(str(ctx.city), [])
    else:
        keys = _offer_keys(ctx.leading_offers(year).sort_values(["src", "dst"]), year)
    return Measured(float(len(keys)), keys, f"{year} 年省级领先专业点数")


def _offer_keys(f: pd.DataFrame, year: int | None) -> list[str]:
    """The OFFERS keys of the programs ``f`` (``src`` institution, ``dst`` major) of ``year``, in its rows' order.
    The key properties' part is alike for every program of the year: made once by ``rel_key`` (10,000 leading
    programs of a province keyed one by one took a tenth of a second)."""
    tail = rel_key("OFFERS", "", "", {"year": year})[len("OFFERS||"):]
    return [f"OFFERS|Institution:{a}|Major:{b}{tail}" for a, b in zip(f["src"].tolist(), f["dst"].tolist(), strict=True)]


def m_relevance(ctx: Context) -> Measured:
    """The major–industry relevance: the city's structural alignment index SAI (:func:`sai_summary`).

    Returns the :class:`Measured` of ``ctx``'s city: the SAI with the city as evidence (the observed SAI
    named in the note when it differs); value None when supply or demand is no data.
    """
    sai = ctx.align["sai"]
    if sai is None and ctx.align.get("supply_data") is False:  # programs without any figure: no data, not 0
        return Measured(None, [], f"无法计算结构匹配指数 SAI：{ctx.align.get('supply_reason')}")
    if sai is None:
        return Measured(None, [], "没有本市的供给或需求数据，无法计算结构匹配指数 SAI")
    note = "专业结构与产业需求的结构匹配指数 SAI"
    obs = ctx.align.get("sai_observed")
    if ctx.align.get("sai_note") and obs is not None:
        note += f"；只看有需求数据的行业，观测 SAI 为 {obs:.4f}（{ctx.align['demand_coverage']['without_demand_data']} 个有供给的行业没有需求数据）"
    return Measured(float(sai), [f"City:{ctx.city}"], note)


def m_graduate_employment(ctx: Context) -> Measured:
    """The graduate employment: the employment rate of the city's programs of the year, weighted by graduates.

    Returns the :class:`Measured` of ``ctx``'s city: the weighted rate with the city as evidence; value
    None when no program has a rate.
    """
    off = ctx.sums.offers
    n = int(off["rated_positive"].sum())
    if n == 0:
        return Measured(None, [], "没有毕业生就业率数据")
    value = float(off["rate_graduates"].sum() / off["rated_graduates"].sum())
    return Measured(value, [f"City:{ctx.city}"], f"{ctx.year} 年按毕业生数加权的就业率 ({n} 个专业点)")


def m_policies_since_2016(ctx: Context) -> Measured:
    """The policies since 2016 (“十三五”以来): the policies that apply to the city dated 2016 or later.

    Returns the :class:`Measured` of ``ctx``'s city: their number with their uids as evidence; value None
    when none of the city's policies has a date.
    """
    return ctx.each("policies_since_2016", _policies_since_2016_each)


def _policies_since_2016_each(b: Batch) -> dict[str, Measured]:
    pol = _policies(b, ("date",))
    every = _per_city(pol, "dst", _uids("Policy", pol["id"]))
    dated = set(pol.loc[pol["date"].notna(), "dst"].astype(str))  # a city with policies, none of them dated: no data
    pol = pol[pol["date"].fillna("") >= "2016"]
    since = _per_city(pol, "dst", _uids("Policy", pol["id"]))
    return {c: Measured(None, every[str(c)], "本市政策没有发布日期，无法判断是否为“十三五”以来")
            if str(c) in every and str(c) not in dated else
            Measured(float(len(since.get(str(c), []))), since.get(str(c), []), "2016 年以来适用于本市的政策数")
            for c in b.cities}


METRICS: dict[str, Callable[[Context], Measured]] = {
    "policy_framework": m_policy_framework,
    "key_zones": m_key_zones,
    "integration_industries": m_integration_industries,
    "provincial_iei_enterprises": m_provincial_iei,
    "high_level_training_bases": m_high_level_bases,
    "leading_institutions": m_leading_institutions,
    "leading_majors": m_leading_majors,
    "condition_major_industry_relevance": m_relevance,
    "condition_graduate_employment": m_graduate_employment,
    "condition_iei_cultivation_list": m_iei_cultivation,
    "condition_training_platforms": m_training_platforms,
    "condition_policies_since_2016": m_policies_since_2016,
}

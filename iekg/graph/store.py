"""The Store interface every backend implements, and the change sets loaders hand to it.

Queries, the CLI and the API talk only to :class:`Store`.  A loader validates everything first and
builds a :class:`ChangeSet`; ``Store.apply`` then writes it all or nothing.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from iekg._lazy import lazy
from iekg.graph import sums
from iekg.graph.schema import NODE_TYPES, REL_TYPES, rel_key, split_uid

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy("numpy")
    pd = lazy("pandas")

_T = TypeVar("_T")
_K = TypeVar("_K")


@dataclass
class Node:
    uid: str
    label: str
    props: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.props["id"])

    @property
    def name(self) -> str:
        p = self.props
        return str(p.get("name") or p.get("title") or p.get("problem") or p.get("content") or p["id"])


@dataclass
class Rel:
    type: str
    src: str
    dst: str
    props: dict[str, Any]

    @property
    def key(self) -> str:
        return rel_key(self.type, self.src, self.dst, self.props)


class LinkKey(NamedTuple):
    """A relationship without its properties: what path search moves (:meth:`Store.link_keys`); its ``key``
    is :attr:`Rel.key`, and :meth:`Store.rels_by_key` reads the properties of the few a result shows."""

    type: str
    src: str
    dst: str
    key: str


@dataclass
class ChangeSet:
    """Nodes and relationships to upsert, (start node, type) pairs whose relationships are replaced, and nodes
    to delete (with their relationships) before the upserts."""

    nodes: dict[str, Node] = field(default_factory=dict)
    # by key; a build into SQLite passes a mapping that keeps most of them on disk (spill.RelSpill)
    rels: MutableMapping[str, Rel] = field(default_factory=dict)
    replace: set[tuple[str, str]] = field(default_factory=set)
    # uids deleted with all their relationships, applied before the upserts in the same all-or-nothing write
    # (``iekg import --demo-rows replace`` removes a city's illustrative nodes this way)
    delete_nodes: set[str] = field(default_factory=set)
    # (start, type) -> (rel key, seq, the relationship) of a single-valued relationship
    _single: dict[tuple[str, str], tuple[str, int | None, Rel]] = field(default_factory=dict, repr=False)
    _seqs: dict[str, int] = field(default_factory=dict, repr=False)  # key -> seq, for a plain dict of rels

    def add_node(self, label: str, ident: str, props: dict[str, Any]) -> str:
        assert label in NODE_TYPES, label
        u = f"{label}:{ident}"
        clean = {k: v for k, v in props.items() if v is not None and v != ""}
        clean["id"] = ident
        old = self.nodes.get(u)
        if old is None:
            self.nodes[u] = Node(u, label, clean)
        else:
            old.props.update(clean)
        return u

    def add_rel(self, rel_type: str, src: str, dst: str, props: dict[str, Any] | None = None, *,
                seq: int | None = None) -> None:
        """Add (or replace) a relationship.  ``seq``: its place in the import, when relationships are not
        added in that order (a build settles most of them early): of two equal ones — the same key, or the
        same start and single-valued type — the one with the larger ``seq`` wins, whichever came first."""
        spec = REL_TYPES[rel_type]
        pair = (split_uid(src)[0], split_uid(dst)[0])
        assert pair in spec.pairs, (rel_type, pair)
        given = props or {}
        values = given.values()
        clean = dict(given) if None not in values and "" not in values else \
            {k: v for k, v in given.items() if v is not None and v != ""}
        r = Rel(rel_type, src, dst, clean)
        put = getattr(self.rels, "put", None) if seq is not None else None
        key = r.key if spec.single or put is None else None  # (a spill needs no key: it follows from the columns)
        if key is not None and spec.single:
            # a single-valued relationship: the newest one wins, within the import and in the graph
            old = self._single.get((src, rel_type))
            if old is not None:
                if seq is not None and old[1] is not None and old[1] > seq:
                    return  # a later one of this start and type is already here
                drop = getattr(self.rels, "drop", None)
                if drop is not None:  # (a spill: also one of the same key, which it would otherwise keep twice)
                    drop(old[2], seq)
                elif old[0] != key:
                    self.rels.pop(old[0], None)
            self._single[(src, rel_type)] = (key, seq, r)
            self.replace.add((src, rel_type))
        if put is not None:
            put(r, seq)
            return
        assert key is not None
        if seq is not None and key in self.rels and self._seqs.get(key, 0) > seq:
            return
        self.rels[key] = r
        if seq is not None:
            self._seqs[key] = seq

    def __len__(self) -> int:
        return len(self.nodes) + len(self.rels) + len(self.delete_nodes)


def grouped_chunks(items: Iterable[_T], key: Callable[[_T], _K], size: int) -> Iterator[tuple[_K, list[_T]]]:
    """``items`` read once and handed on in groups by ``key``: a group's chunk as soon as it holds ``size`` items,
    then what is left of every group, in key order.  At most ``size`` items of a group are held at a time (a fresh
    load of millions of relationships streamed from a store: :meth:`iekg.graph.neo4jstore.Neo4jStore.load_fresh`,
    :func:`iekg.graph.neo4j_bulk.write_csv`)."""
    held: dict[_K, list[_T]] = {}
    for x in items:
        k = key(x)
        got = held.setdefault(k, [])
        got.append(x)
        if len(got) >= size:
            yield k, got
            held[k] = []
    for k, got in sorted(held.items(), key=lambda kv: kv[0]):  # type: ignore[arg-type,return-value]
        if got:
            yield k, got


def id_values(ids: Iterable[str]) -> Any:
    """Ids as ``isin`` takes them fastest: arrays and Series as they are (``set()`` of a pandas string
    column iterates in Python, element by element), anything else as a list."""
    return ids if isinstance(ids, (pd.Series, pd.Index, np.ndarray)) else list(ids)


def filter_rels(frame: pd.DataFrame, src_ids: Iterable[str] | None, dst_ids: Iterable[str] | None,
                where: dict[str, Any] | None) -> pd.DataFrame:
    """The in-memory meaning of ``rel_frame``'s filters (shared by stores that filter in Python)."""
    mask = pd.Series(True, index=frame.index)
    if src_ids is not None:
        mask &= frame["src"].isin(id_values(src_ids))
    if dst_ids is not None:
        mask &= frame["dst"].isin(id_values(dst_ids))
    for k, v in (where or {}).items():
        mask &= frame[k].isin(list(v)) if isinstance(v, (list, tuple, set, frozenset)) else frame[k] == v
    return frame[mask].reset_index(drop=True)


def search_rank(q: str, props: dict[str, Any], fields: Iterable[str]) -> tuple[int, int] | None:
    """How well a node matches the lower-cased query ``q``: (0 exact id or name, 1 contains; name length),
    or None.  Every store ranks with this, so searches give the same order everywhere."""
    ident = str(props.get("id", "")).lower()
    values = [props.get(f) for f in fields]
    texts = [str(x).lower() for v in values for x in (v if isinstance(v, list) else [v]) if x]
    first = len(texts[0]) if texts else 0
    if ident == q or q in texts:
        return (0, first)
    if q in ident or any(q in t for t in texts):
        return (1, first)
    return None


@dataclass
class ApplyResult:
    nodes_created: int = 0
    nodes_updated: int = 0
    rels_created: int = 0
    rels_updated: int = 0
    rels_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


AUDIT_KEYS = ("id", "at", "who", "via", "files", "changes")


def audit_entry(who: str | None, via: str, files: Iterable[Mapping[str, Any]] = (),
                at: str | None = None) -> dict[str, Any]:
    """What ``Store.apply(audit=…)`` records besides ``id`` and ``changes``: when (ISO-8601 UTC), who (an
    OS user or an API key's label), via (``cli``, ``api`` or ``build``) and the input files."""
    from datetime import UTC, datetime

    return {"at": at or datetime.now(UTC).isoformat(timespec="seconds"), "who": who, "via": via,
            "files": [{"name": str(f["name"]), "size": int(f["size"]), "sha256": str(f["sha256"])} for f in files]}


def scenario_text(doc: Mapping[str, Any]) -> tuple[str, str]:
    """A scenario's name and its JSON text, as both stores keep it (sorted keys, Chinese as it is)."""
    import json

    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a scenario needs a name (a non-empty text)")
    return name, json.dumps(dict(doc), ensure_ascii=False, sort_keys=True, allow_nan=False)


def audit_record(audit: Mapping[str, Any], result: ApplyResult, ident: int) -> dict[str, Any]:
    """The history entry a store keeps: the caller's ``audit`` completed with ``id`` and ``changes``."""
    base = audit_entry(audit.get("who"), str(audit.get("via") or ""), audit.get("files") or (), audit.get("at"))
    return {"id": ident, **base, "changes": result.as_dict()}


class StoreError(RuntimeError):
    """A store cannot be reached or used; the message says what to do."""


# Store.offer_counts: offer_sums' counts per (city, major level, institution level)
OFFER_COUNT_KEYS = ("city", "major_level", "inst_level")
OFFER_COUNT_COLUMNS = ("programs", "with_graduates", "enrollment_only_n")


def offer_counts_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """:meth:`Store.offer_counts` from rows of (city, major level, institution level, programs, with_graduates,
    enrollment_only_n) — one or more per group: summed per group (levels compared as given, None a group of
    its own) and sorted by the keys, None last (as ``offer_sums``)."""
    acc: dict[tuple[Any, Any, Any], list[int]] = {}
    for c, ml, il, n, g, e in rows:
        got = acc.setdefault((c, ml, il), [0, 0, 0])
        got[0] += int(n or 0)
        got[1] += int(g or 0)
        got[2] += int(e or 0)
    out = pd.DataFrame([[*k, *v] for k, v in acc.items()], columns=[*OFFER_COUNT_KEYS, *OFFER_COUNT_COLUMNS])
    for c in OFFER_COUNT_COLUMNS:
        out[c] = out[c].astype("int64")
    return out.sort_values(list(OFFER_COUNT_KEYS), na_position="last", kind="mergesort").reset_index(drop=True)


# Store.offer_year_counts_each's frame
YEAR_COUNTS_EACH_COLUMNS = ("city", "year", "programs", "institutions")


def year_counts_each_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """:meth:`Store.offer_year_counts_each` from rows of (city, year, programs, institutions): typed and sorted by
    city and year."""
    out = pd.DataFrame([(str(c), int(y), int(p or 0), int(k or 0)) for c, y, p, k in rows],
                       columns=list(YEAR_COUNTS_EACH_COLUMNS))
    for c in YEAR_COUNTS_EACH_COLUMNS[1:]:
        out[c] = out[c].astype("int64")
    return out.sort_values(["city", "year"], kind="mergesort").reset_index(drop=True)


def given_frame(frame: pd.DataFrame, prop: str) -> pd.DataFrame:
    """:meth:`Store.nodes_with`'s frame from :meth:`Store.node_frame`'s rows (every store's, read whole or not): the
    rows whose ``prop`` is not missing, both columns of Python objects (the values as read; an empty frame typed
    as one with rows, so that it merges with an id column of text like any other)."""
    given = frame[frame[prop].notna()]
    return pd.DataFrame({"id": pd.Series(given["id"].tolist(), dtype=object),
                         prop: pd.Series(given[prop].tolist(), dtype=object)})


class Store(ABC):
    """What every backend offers.  ``uid`` is ``"<Label>:<id>"``."""

    name: str = "abstract"

    # ------------------------------------------------------------------------------------- writes
    @abstractmethod
    def apply(self, changes: ChangeSet, *, fresh: bool = False,
              audit: Mapping[str, Any] | None = None) -> ApplyResult:
        """Write every node and relationship of ``changes``, all or nothing.

        ``fresh`` replaces the whole graph by ``changes`` (``iekg build``).  With ``audit`` (keys ``at``,
        ``who``, ``via``, ``files``: see :func:`audit_entry`) the store records the entry in its import
        history, in the same transaction as the write, with ``changes`` = the result's ``as_dict()`` and a
        new increasing integer ``id``; a write that fails records nothing.  The history survives ``fresh``
        and ``clear``."""

    @abstractmethod
    def import_history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The recorded imports, newest first (at most ``limit``): dicts with keys id, at, who, via, files
        (list of {name, size, sha256}) and changes (nodes_created … rels_deleted)."""

    @abstractmethod
    def clear(self) -> None:
        """Remove everything."""

    # ---------------------------------------------------------------------- named scenarios
    # What-if scenarios (iekg.service.scenarios) are documents kept beside the graph, never graph content: saving
    # one changes neither the graph, nor its version, sums or counts; they survive ``fresh`` and ``clear`` as the
    # import history does.  The store keeps the JSON-able dict as given and does not interpret it.
    @abstractmethod
    def save_scenario(self, doc: Mapping[str, Any]) -> None:
        """Keep ``doc`` under ``doc["name"]`` (replacing one of that name), in one transaction."""

    @abstractmethod
    def scenario(self, name: str) -> dict[str, Any] | None:
        """The scenario called ``name``, or None."""

    @abstractmethod
    def scenarios(self) -> list[dict[str, Any]]:
        """Every scenario, sorted by name."""

    @abstractmethod
    def delete_scenario(self, name: str) -> bool:
        """Forget the scenario called ``name``; False when there was none."""

    # -------------------------------------------------------------------------------------- reads
    @abstractmethod
    def get(self, uid: str) -> Node | None: ...

    @abstractmethod
    def existing(self, label: str, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` that exist as nodes of ``label``."""

    @abstractmethod
    def nodes(self, label: str) -> list[Node]: ...

    @abstractmethod
    def neighbours(self, uid: str, rel_types: Iterable[str] | None = None, direction: str = "both",
                   labels: Iterable[str] | None = None, limit: int | None = None) -> list[tuple[Rel, Node]]:
        """Relationships at ``uid`` (direction ``out``, ``in`` or ``both``) and the node at the other end."""

    def iter_nodes(self) -> Iterator[Node]:
        """Every node, label after label (a copy of the whole graph: ``iekg sync``)."""
        for label in NODE_TYPES:
            yield from self.nodes(label)

    def iter_rels(self) -> Iterator[Rel]:
        """Every relationship once, from its start node (a copy of the whole graph: ``iekg sync``); a store that
        can reads them in batches, so that millions of them are never held at once."""
        for label in NODE_TYPES:
            for n in self.nodes(label):
                for r, _ in self.neighbours(n.uid, direction="out"):
                    yield r

    @abstractmethod
    def search(self, text: str, labels: Iterable[str] | None = None, limit: int = 20) -> list[Node]:
        """Nodes whose name (or id) contains ``text``; exact id matches first."""

    @abstractmethod
    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Node counts per label and relationship counts per type (zero counts omitted)."""

    def offer_year_list(self, cities: Sequence[str]) -> list[int]:
        """The years with at least one OFFERS of an institution located in ``cities``, ascending (what
        ``offer_years`` counts, without counting)."""
        return [int(y) for y in self.offer_years(cities).index]

    def source_kind_counts(self) -> dict[str, int]:
        """Nodes per provenance kind (``source_kind``; "unknown" where a node has none), sorted by kind."""
        kinds: dict[str, int] = {}
        for label in self.counts()[0]:
            frame = self.node_frame(label, ["source_kind"])
            for k, n in frame["source_kind"].fillna("unknown").value_counts().items():
                kinds[str(k)] = kinds.get(str(k), 0) + int(n)
        return dict(sorted(kinds.items()))

    @abstractmethod
    def node_frame(self, label: str, props: Iterable[str] = (), *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per node of ``label`` (only those in ``ids`` when given): column ``id`` and the requested
        properties (missing → None/NaN)."""

    def nodes_with(self, label: str, prop: str, *, ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The nodes of ``label`` (only those in ``ids`` when given) whose ``prop`` is given — neither missing nor
        null: columns ``id`` and ``prop``, in :meth:`node_frame`'s order, the values as it reads them.  For a
        property few nodes have (the institutions' ``leading``: compare reads 17,800 institutions for it); a store
        may leave the others out where the data is (SQLite), this version reads them all and drops them."""
        f = self.node_frame(label, [prop], ids=ids)
        return given_frame(f, prop)

    @abstractmethod
    def rel_frame(self, rel_type: str, props: Iterable[str] = (), src_label: str | None = None,
                  dst_label: str | None = None, *, src_ids: Iterable[str] | None = None,
                  dst_ids: Iterable[str] | None = None, where: dict[str, Any] | None = None) -> pd.DataFrame:
        """One row per relationship: columns ``src``, ``dst`` (ids, not uids) and the requested properties.

        The filters are applied by the store (in Neo4j, on the server): ``src_ids`` / ``dst_ids`` keep
        relationships whose start / end node id is listed; ``where`` keeps those whose property equals a
        value, or is one of a list of values (``{"year": 2024, "city_code": ["410100", "410200"]}``).
        """

    def sources_with(self, rel_type: str, src_label: str, src_ids: Iterable[str], *, dst_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """The ids among ``src_ids`` that start at least one such relationship (``rel_frame``'s filters):
        e.g. the institutions with a program in a year.  Stores answer it without returning the
        relationships."""
        return set(self.rel_frame(rel_type, (), src_label, dst_label, src_ids=list(src_ids), where=where)["src"])

    def targets_with(self, rel_type: str, dst_label: str, dst_ids: Iterable[str], *, src_label: str | None = None,
                     where: dict[str, Any] | None = None) -> set[str]:
        """The ids among ``dst_ids`` that end at least one such relationship (``rel_frame``'s filters), the
        other end's :meth:`sources_with`: e.g. the cities with an illustrative institution link.  Stores answer
        it without returning the relationships (on SQLite the first one found per id is enough)."""
        return set(self.rel_frame(rel_type, (), src_label, dst_label, dst_ids=list(dst_ids), where=where)["dst"])

    def links(self, uids: Iterable[str], rel_types: Iterable[str] | None = None) -> dict[str, list[tuple[Rel, str]]]:
        """For each of ``uids``: its relationships in both directions (of ``rel_types`` when given; self-loops
        left out) with the uid of the node at the other end, without that node's properties.  Path search
        expands a whole layer of nodes with one call (on Neo4j, one query per label, not one per node)."""
        return {u: [(r, n.uid) for r, n in self.neighbours(u, rel_types, "both") if n.uid != u] for u in uids}

    def link_keys(self, uids: Iterable[str],
                  rel_types: Iterable[str] | None = None) -> dict[str, list[tuple[LinkKey, str]]]:
        """:meth:`links` without the relationships' properties (ids and keys only: path search reads the
        properties of the chosen path's relationships at the end, :meth:`rels_by_key`)."""
        return {u: [(LinkKey(r.type, r.src, r.dst, r.key), other) for r, other in found]
                for u, found in self.links(uids, rel_types).items()}

    def rels_by_key(self, links: Iterable[LinkKey]) -> dict[str, Rel]:
        """The relationships of ``links`` with their properties, by key (those that still exist)."""
        out: dict[str, Rel] = {}
        for lk in links:
            for r, _ in self.links([lk.src], [lk.type]).get(lk.src, []):
                if r.key == lk.key:
                    out[lk.key] = r
        return out

    def get_many(self, uids: Iterable[str]) -> dict[str, Node]:
        """The nodes of ``uids`` that exist, by uid (Neo4j reads them with one query per label)."""
        out = {}
        for u in uids:
            n = self.get(u)
            if n is not None:
                out[u] = n
        return out

    def rel_max(self, rel_type: str, prop: str, src_label: str | None = None, dst_label: str | None = None, *,
                src_ids: Iterable[str] | None = None, dst_ids: Iterable[str] | None = None,
                where: dict[str, Any] | None = None) -> float | None:
        """The largest numeric value of ``prop`` over the relationships ``rel_frame`` would return with the
        same filters (None when there is none).  Stores that can compute it where the data is override this."""
        col = self.rel_frame(rel_type, [prop], src_label, dst_label, src_ids=src_ids, dst_ids=dst_ids,
                             where=where)[prop]
        m = pd.to_numeric(col, errors="coerce").max()
        return None if pd.isna(m) else float(m)

    # ------------------------------------------------------------------------- aggregations
    # The sums alignment needs (see iekg.graph.sums): pandas over rel_frame here; Neo4j overrides each
    # with one Cypher aggregation, so province-wide questions fetch sums instead of every program row.
    def offer_sums(self, cities: Sequence[str], year: int | None,
                   majors: Iterable[str] | None = None) -> pd.DataFrame:
        """The ``year``'s OFFERS of the institutions located in ``cities`` (only those to ``majors`` when
        given), counted and summed per (city, major, major level, institution level): one row per group,
        columns :data:`~iekg.graph.sums.OFFER_KEYS` and :data:`~iekg.graph.sums.OFFER_SUM_COLUMNS`,
        sorted by the keys (missing levels are None)."""
        return sums.offer_sums(self, cities, year, majors)

    def offer_counts(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        """:meth:`offer_sums`' counts summed over the majors: per (city, major level, institution level) — the
        levels still tell a program's duration — the ``year``'s OFFERS (``programs``), those with graduates
        (``with_graduates``) and those with an enrolment but no graduates (``enrollment_only_n``): what data
        coverage counts, without a row per major.  Columns :data:`OFFER_COUNT_KEYS` and
        :data:`OFFER_COUNT_COLUMNS`, sorted by the keys (missing levels are None, last)."""
        off = self.offer_sums(cities, year)
        return offer_counts_frame(off[[*OFFER_COUNT_KEYS, *OFFER_COUNT_COLUMNS]].itertuples(index=False, name=None))

    def offering_institutions(self, cities: Sequence[str], year: int) -> set[str]:
        """The institutions located in ``cities`` that start an OFFERS relationship of ``year`` (what
        :meth:`sources_with` answers for the located institutions): data coverage's institutions with programs."""
        loc = self.rel_frame("LOCATED_IN", (), "Institution", "City", dst_ids=sorted(set(cities)))
        ids = sorted(set(loc["src"]))
        return self.sources_with("OFFERS", "Institution", ids, where={"year": year}) if ids else set()

    def offer_years(self, cities: Sequence[str]) -> pd.Series:
        """How many OFFERS of the institutions located in ``cities`` each year has: a Series indexed by year
        (ascending, integer years only), named ``programs``."""
        return sums.offer_years(self, cities)

    def offer_year_counts(self, cities: Sequence[str], years: Iterable[int] | None = None) -> pd.DataFrame:
        """Per year (only ``years`` when given; integer years only, ascending): how many OFFERS the
        institutions located in ``cities`` have (``programs``, counted like ``offer_years``) and how many of
        those institutions have at least one (``institutions``) — what tells a thin year.  Columns
        :data:`~iekg.graph.sums.OFFER_YEAR_COUNT_COLUMNS`; years without programs are absent."""
        return sums.offer_year_counts(self, cities, years)

    # (compare / readiness --all: every city's years with programs and their thin-year counts in one read)
    def offer_year_counts_each(self, cities: Sequence[str]) -> pd.DataFrame:
        """Per city of ``cities`` and integer year: a row for every year of :meth:`offer_year_list` of that city
        alone, with that city's :meth:`offer_year_counts` (``programs``, ``institutions``; 0 and 0 where the
        year has no counted program).  Columns ``city``, ``year``, ``programs``, ``institutions``, sorted by city
        and year.  This default asks city by city; the stores read every city at once."""
        rows: list[tuple[str, int, int, int]] = []
        for c in sorted({str(x) for x in cities}):
            got = self.offer_year_counts([c])
            counts = {int(y): (int(p), int(k)) for y, p, k in zip(got["year"], got["programs"], got["institutions"],
                                                                  strict=True)}
            rows += [(c, int(y), *counts.get(int(y), (0, 0))) for y in self.offer_year_list([c])]
        return year_counts_each_frame(rows)

    # (readiness --all / compare: the metrics' nodes of every city in one read per label)
    def located_nodes(self, label: str, cities: Sequence[str], props: Iterable[str] = (), *,
                      among: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
        """Every LOCATED_IN link of a ``label`` node to one of ``cities``, with the node's ``props`` as
        :meth:`node_frame` gives them: columns ``id``, the props and ``city`` (an entity located in two of the
        cities twice; no order); with ``among`` (property → text values), only the nodes whose property is one of
        its values (a few of the cities' enterprises: the stores filter where the data is).  This default joins
        :meth:`node_frame` and :meth:`rel_frame`; the stores read it at once."""
        props = list(props)
        loc = self.rel_frame("LOCATED_IN", src_label=label, dst_label="City", dst_ids=sorted({str(c) for c in cities}))
        loc = loc.rename(columns={"src": "id", "dst": "city"})[["id", "city"]]
        keys = sorted(among or {})
        nodes = self.node_frame(label, sorted({*props, *keys}))
        for k in keys:
            nodes = nodes[nodes[k].isin([str(v) for v in (among or {})[k]])]
        return nodes.merge(loc, on="id")[["id", *props, "city"]].reset_index(drop=True)

    def located_sums(self, label: str, cities: Sequence[str], props: Sequence[str] = ()) -> pd.DataFrame:
        """Per city of ``cities`` with any: how many ``label`` nodes are LOCATED_IN it (``nodes``) and, for
        each property ``p`` of ``props``, the sum of its numeric values (``p_sum``, 0 when none) and how many
        nodes give it at all (``p_n``).  Sorted by city."""
        return sums.located_sums(self, label, cities, props)
    def demand_sums(self, cities: Sequence[str], year: int | None) -> pd.DataFrame:
        """The ``year``'s DEMANDS (from a City or an Enterprise to an Industry or a Major) whose
        ``city_code`` is in ``cities``: headcount summed and rows counted per (city, target label,
        target id), sorted by those."""
        return sums.demand_sums(self, cities, year)

    def cooperation_counts(self, cities: Sequence[str], year: int | None,
                           aligned: Mapping[str, Sequence[str]], inactive: Sequence[str] = ()) -> pd.DataFrame:
        """Per industry (GB/T 4754 codes rolled up to 大类): the enterprises located in ``cities`` in that
        industry (``enterprises``), and how many of them cooperate (COOPERATES_WITH) with an institution
        located in ``cities`` that offers in ``year`` one of the majors ``aligned[industry]`` — an *aligned
        cooperation* — through at least one relationship whose ``status`` is not one of ``inactive``
        (missing counts: ``cooperating``); how many have aligned cooperations but all of them with a status
        in ``inactive`` (``left_out_enterprises``); and how many aligned cooperations (relationships) were
        counted without a status (``unstated``).  Sorted by industry."""
        return sums.cooperation_counts(self, cities, year, aligned, inactive)

    def cooperation_list(self, cities: Sequence[str], year: int | None,
                         aligned: Mapping[str, Sequence[str]], statuses: Sequence[str]) -> pd.DataFrame:
        """The aligned cooperations (as in :meth:`cooperation_counts`) whose ``status`` is one of ``statuses``:
        one row per relationship and industry, columns :data:`~iekg.graph.sums.COOPERATION_LIST_COLUMNS`
        (industry, institution, enterprise, type, status, since), sorted by industry, enterprise, institution
        and type."""
        return sums.cooperation_list(self, cities, year, aligned, statuses)

    def top_offers(self, cities: Sequence[str], year: int | None,
                   weights: Mapping[str, Sequence[tuple[str, float]]], durations: Mapping[str, float],
                   limit: int) -> pd.DataFrame:
        """For each key of ``weights`` (e.g. an industry, with its (major, weight) pairs): the ``limit``
        ``year`` OFFERS of institutions located in ``cities`` to those majors with the largest supply =
        weight × volume, where volume = graduates, else enrollment / ``durations[level]`` (the major's
        level, else the institution's), else 0.  Ties by institution id, then major id.  Columns key,
        institution, major, year, supply; sorted by key, then rank."""
        return sums.top_offers(self, cities, year, weights, durations, limit)

    # (gaps: the chain gaps' findings — queries.gaps._chain_findings — joined by the store)
    CHAIN_ENTERPRISE_COLUMNS = ("key", "enterprise", "segment", "role", "employees", "counted", "left_out")

    def chain_enterprises(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                          inactive: Sequence[str]) -> pd.DataFrame:
        """For scopes by key (each with its cities and its focus-chain segments): one row per key and IN_SEGMENT
        link from an enterprise LOCATED_IN one of the key's cities to one of the key's segments — ``key``,
        ``enterprise``, ``segment``, ``role``, ``employees`` (the enterprise's property as stored, None without
        it), ``counted`` (how many of the enterprise's COOPERATES_WITH count: a status missing or not in
        ``inactive``) and ``left_out`` (the statuses of the others, a list).  In no particular order.  This
        default reads the rows; the stores join them where the data is."""
        import pandas as pd

        wanted = {str(k): {str(s) for s in segs} for k, segs in segments.items()}
        key_of = [(str(k), str(c)) for k, cs in cities.items() if wanted.get(str(k)) for c in cs]
        columns = list(self.CHAIN_ENTERPRISE_COLUMNS)
        if not key_of:
            return pd.DataFrame(columns=columns)
        loc = self.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City",
                             dst_ids=sorted({c for _, c in key_of})).drop_duplicates("src")
        keys_of_city: dict[str, list[str]] = {}
        for k, c in key_of:
            keys_of_city.setdefault(c, []).append(k)
        ins = self.rel_frame("IN_SEGMENT", ["role"], src_label="Enterprise", dst_label="ChainSegment",
                             src_ids=sorted(set(loc["src"])))
        city_of = dict(zip(loc["src"], loc["dst"], strict=True))
        rows = [[k, e, s, role] for e, s, role in zip(ins["src"], ins["dst"], ins["role"], strict=True)
                for k in keys_of_city.get(city_of.get(e, ""), ()) if s in wanted[k]]
        ents = sorted({r[1] for r in rows})
        staff = self.node_frame("Enterprise", ["employees"], ids=ents) if ents else pd.DataFrame(
            columns=["id", "employees"])
        employees = dict(zip(staff["id"], staff["employees"], strict=True))
        coop = self.rel_frame("COOPERATES_WITH", ["status"], dst_label="Enterprise", dst_ids=ents) if ents else \
            pd.DataFrame(columns=["src", "dst", "status"])
        dropped = set(inactive)
        counted: dict[str, int] = {}
        left: dict[str, list[Any]] = {}
        for e, st in zip(coop["dst"], coop["status"], strict=True):
            if isinstance(st, str) and st in dropped:
                left.setdefault(e, []).append(st)
            else:
                counted[e] = counted.get(e, 0) + 1
        return pd.DataFrame([[k, e, s, role, employees.get(e), counted.get(e, 0), left.get(e, [])]
                             for k, e, s, role in rows], columns=columns)

    def chain_lonely_counts(self, cities: Mapping[str, Sequence[str]], segments: Mapping[str, Sequence[str]],
                            inactive: Sequence[str]) -> dict[str, int]:
        """Per key, how many rows of :meth:`chain_enterprises` (same arguments) have ``counted`` 0 — the
        no_cooperation gaps a scope has, counted without reading its focus-chain enterprises (compare shows only
        the counts); a key without any is absent, the keys in order.  This default counts that read's rows; the
        stores count where the data is."""
        ins = self.chain_enterprises(cities, segments, inactive)
        lonely = ins.loc[ins["counted"] == 0, "key"].astype(str).value_counts()
        return {str(k): int(n) for k, n in sorted(lonely.items())}

    def rel_spill(self) -> Any:
        """A mapping for a build's relationships that keeps most of them out of memory and that this store's
        ``apply(fresh=True)`` writes fast, or None (the change set then keeps them in a dict).  It has
        ``put(rel, seq)`` and ``close()``; see ``SqliteStore.rel_spill`` and :mod:`iekg.graph.spill`."""
        return None

    def close(self) -> None:  # noqa: B027 — optional hook
        """Release resources (connections, files)."""

    # ------------------------------------------------------------------------------------ memo
    MEMO_WAIT = 300.0  # seconds a thread waits for another one computing the same result before it computes it

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Results derived from the whole graph (e.g. alignment's joined tables), kept until the next write.

        Computed once even when asked for at once: the API answers requests in threads over one store, and the
        dashboard's first view asks for a city's alignment, readiness and gaps together, which share their sums,
        weights and coverage.  A thread that finds the result being computed by another (for the same graph
        version) waits for it instead of computing it again beside it; if that computation fails, a waiting thread
        computes it in its turn, and one that waited :attr:`MEMO_WAIT` seconds computes it itself."""
        cache: dict[tuple[Any, ...], Any] = self.__dict__.setdefault("_memo", {})
        if key in cache:
            return cache[key]
        lock: threading.Lock = self.__dict__.setdefault("_memo_lock", threading.Lock())
        flights: dict[tuple[Any, ...], tuple[threading.Event, int]] = self.__dict__.setdefault("_memo_flights", {})
        token = (self.__dict__.get("_memo_version"), key)  # a store with versions (SQLite, Neo4j) keeps them apart
        me = threading.get_ident()
        while True:
            with lock:
                if key in cache:
                    return cache[key]
                flight, owner = flights.get(token) or (None, None)
                if owner == me:  # asked again inside its own computation (a one-city case of a many-city
                    return compute()  # result, under the same key): computed here, as it always was
                mine = flight is None
                if flight is None:
                    flight = threading.Event()
                    flights[token] = (flight, me)
            if mine:
                break
            if not flight.wait(self.MEMO_WAIT):
                return compute()  # still not done: computed here, beside it
            # done: its result is in the cache, or it failed (or the graph changed meanwhile) and this thread
            # computes it now, in its turn
        try:
            value = compute()
            if self.__dict__.get("_memo_version") == token[0]:  # not if an import came meanwhile: the memo now
                cache[key] = value  # belongs to the new version, and this result is of the old one
            return value
        finally:
            with lock:
                flights.pop(token, None)
            flight.set()

    def pinned(self) -> AbstractContextManager[None]:
        """A block within which one answer's reads take the graph's state (its version, whether the kept sums
        are complete) as read once at the start: a service call wraps itself in it.  Neo4j reads its version
        once instead of once per memoised result; a store that reads its state for nothing needs nothing."""
        return nullcontext()

    def reindex(self) -> tuple[int, int]:
        """Recompute the sums kept with the data from the relationships (``iekg reindex``); returns how many
        (institution cities, demand city codes) were recomputed.  A store that keeps none has nothing to do."""
        return (0, 0)

    def sums_ready(self) -> bool:
        """Whether the sums kept with the data are complete (the aggregations read them); without them a store
        sums the relationships."""
        return False

    def forget(self) -> None:
        """Drop memoised results; every write calls this."""
        self.__dict__.get("_memo", {}).clear()

    # ------------------------------------------------------------------------------ conveniences
    def snapshot(self) -> dict[str, Any]:
        """A canonical, comparable picture of the whole graph (for tests and sync checks)."""
        nodes = {}
        for label in NODE_TYPES:
            for n in self.nodes(label):
                nodes[n.uid] = dict(sorted(n.props.items()))
        rels = {}
        for u in sorted(nodes):
            for r, _ in self.neighbours(u, direction="out"):
                rels[r.key] = dict(sorted(r.props.items()))
        return {"nodes": dict(sorted(nodes.items())), "rels": dict(sorted(rels.items()))}

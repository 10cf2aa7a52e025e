"""The change set an import builds: where each value came from (for messages), the references that wait
to be resolved, and :class:`Builder`, which turns parsed rows into nodes and relationships and resolves the
references at the end (or, in a build, every few thousand rows: :meth:`Builder.settle`).
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iekg.graph.schema import NODE_TYPES
from iekg.graph.store import ChangeSet, Store
from iekg.loaders.report import ERROR, Issue, Report
from iekg.loaders.source import DOCUMENT, ILLUSTRATIVE, REFERENCE, SourceRow, SourceTable
from iekg.loaders.tables import TABLES

REF_LABELS = {
    "city": "City", "institution": "Institution", "enterprise": "Enterprise", "major": "Major",
    "industry": "Industry", "segment": "ChainSegment", "chain": "IndustryChain", "alliance": "Alliance",
    "category": "MajorCategory", "division": "MajorDivision", "policy": "Policy", "province": "Province",
    "problem": "Problem",
}
TABLE_OF_LABEL = {
    "City": "cities", "Province": "cities", "Institution": "institutions", "Enterprise": "enterprises",
    "Major": "majors", "Industry": "industries", "ChainSegment": "chain_segments", "IndustryChain": "chains",
    "Alliance": "alliances", "MajorCategory": "major_categories", "MajorDivision": "major_divisions",
    "Policy": "policies", "Problem": "problems",
}
LIST_EXTRAS = {"aliases", "outline"}
# table -> column -> the labels a reference in that column may point to
REF_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    t.name: {c.key: tuple(REF_LABELS[r] for r in c.ref) for c in t.columns if c.ref} for t in TABLES.values()}
# Tables whose row is one relationship (no node): their unknown extra columns go on that relationship.
RELATIONSHIP_TABLES = {"programs", "cooperations", "alliance_members", "talent_demand", "demand_plan", "employment",
                       "crosswalk", "city_focus"}
WEIGHT_TOLERANCE = 1e-6


@dataclass
class Origin:
    """Where a value came from, for messages."""

    st: SourceTable
    row: SourceRow
    column: str | None = None

    def issue(self, severity: str, code: str, message: str, fix: str, value: Any = None,
              column: str | None = None, repaired: Any = None) -> Issue:
        col = column or self.column
        return Issue(severity, code, self.st.file, self.row.line, self.st.header(col) if col else None,
                     None if value is None else str(value), message, fix, self.st.sheet, self.st.table,
                     None if repaired is None else _shown(repaired))


def _shown(value: Any) -> str:
    return "；".join(map(str, value)) if isinstance(value, list) else str(value)


# Tables whose rows are nodes: (label, identity column).  A row with errors is remembered by its id, so that
# a reference to it says "that row has errors" instead of "does not exist".
NODE_IDENTITY = {
    "cities": ("City", "code"), "zones": ("Zone", "id"), "institutions": ("Institution", "id"),
    "enterprises": ("Enterprise", "id"), "training_bases": ("TrainingBase", "id"), "platforms": ("Platform", "id"),
    "alliances": ("Alliance", "id"), "policies": ("Policy", "doc_number"), "majors": ("Major", "code"),
    "major_divisions": ("MajorDivision", "code"), "major_categories": ("MajorCategory", "code"),
    "industries": ("Industry", "code"), "chains": ("IndustryChain", "id"), "chain_segments": ("ChainSegment", "id"),
}
# Shipped inputs (the reference tables, the seed notice, the demo): their repairs are the project's, not the user's.
SHIPPED_KINDS = {REFERENCE, DOCUMENT, ILLUSTRATIVE}


@dataclass
class Ref:
    """A reference to a node that must exist (in this import or in the graph): one of several labels."""

    labels: tuple[str, ...]
    id: str
    origin: Origin


@dataclass
class PendingRel:
    type: str
    src: str | Ref
    dst: str | Ref
    props: dict[str, Any]
    seq: int = 0  # its place among the import's relationships: the later of two equal ones wins


@dataclass
class Parsed:
    st: SourceTable
    row: SourceRow
    v: dict[str, Any]  # clean values of known columns
    extra: dict[str, Any]
    prov: dict[str, Any]

    def origin(self, column: str | None = None) -> Origin:
        return Origin(self.st, self.row, column)


@dataclass
class Builder:
    store: Store
    report: Report
    changes: ChangeSet = field(default_factory=ChangeSet)
    pending: list[PendingRel] = field(default_factory=list)
    checks: list[Ref] = field(default_factory=list)
    stub_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (label, id) -> the row that defines it but has errors (file, sheet, table, row)
    failed: dict[tuple[str, str], Origin] = field(default_factory=dict)
    public_dir: Path | None = None
    seq: int = 0  # relationships made so far (PendingRel.seq)
    # label -> ids found in the store by settle() (a build validates against an empty store)
    in_store: dict[str, set[str]] = field(default_factory=dict)
    # the labels no later table of the import creates (a build, table by table): Builder.ref resolves a
    # reference to them at once when it can; empty (the default) makes every reference wait for resolve()
    closed: frozenset[str] = frozenset()
    _empty: bool | None = None  # the store has no node (store_is_empty)

    # ------------------------------------------------------------------------------ helpers
    def node(self, p: Parsed, label: str, ident: str, props: dict[str, Any]) -> str:
        return self.changes.add_node(label, ident, {**props, **p.extra, **p.prov})

    def ref(self, p: Parsed, column: str, ident: str, *labels: str) -> str | Ref:
        """A reference to the node ``ident`` of one of ``labels`` (by default those of ``column``): its uid
        when it can no longer change (every label is ``closed``: see :meth:`settle`) and the node is known,
        else a :class:`Ref` that waits to be resolved."""
        labels = labels or REF_COLUMNS[p.st.table].get(column, ())
        if self.closed.issuperset(labels):
            nodes = self.changes.nodes
            for lab in labels:
                u = f"{lab}:{ident}"
                if u in nodes or ident in self.in_store.get(lab, ()):
                    return u
        return Ref(labels, ident, p.origin(column))

    def rel(self, p: Parsed, rel_type: str, src: str | Ref, dst: str | Ref, props: dict[str, Any] | None = None) -> None:
        extra = p.extra if p.st.table in RELATIONSHIP_TABLES else {}
        self.seq += 1
        props = {**extra, **(props or {}), **p.prov}
        if isinstance(src, str) and isinstance(dst, str):  # both ends known: no need to wait
            self.changes.add_rel(rel_type, src, dst, props, seq=self.seq)
        else:
            self.pending.append(PendingRel(rel_type, src, dst, props, self.seq))

    def need(self, r: str | Ref) -> None:
        if isinstance(r, Ref):
            self.checks.append(r)

    # --------------------------------------------------------------------------- resolution
    def settle(self, closed: frozenset[str]) -> None:
        """Resolve now what can no longer change: the pending relationships (and reference checks) whose
        every reference is to a *closed* label — one that no later table of the import creates — and is
        found.  They are handed to the change set with their place (``seq``), so the result is the one
        :meth:`resolve` would give at the end; the rest (a reference to a label still open, or not found,
        which resolve then reports) waits.  A build calls this every few thousand rows, so that millions
        of rows never wait in memory at once."""
        nodes = self.changes.nodes
        wanted: dict[str, set[str]] = defaultdict(set)
        is_closed = closed.issuperset

        def settled(x: str | Ref) -> bool:
            return not isinstance(x, Ref) or is_closed(x.labels)

        if not self.store_is_empty():  # (a build validates against an empty store: nothing to look up)
            for x in itertools.chain((e for pr in self.pending for e in (pr.src, pr.dst)), self.checks):
                if isinstance(x, Ref) and settled(x):
                    for lab in x.labels:
                        if f"{lab}:{x.id}" not in nodes and x.id not in self.in_store.get(lab, ()):
                            wanted[lab].add(x.id)
            for lab, ids in wanted.items():
                self.in_store.setdefault(lab, set()).update(self.store.existing(lab, ids))

        def find(r: Ref) -> str | None:
            for lab in r.labels:
                if f"{lab}:{r.id}" in nodes or r.id in self.in_store.get(lab, ()):
                    return f"{lab}:{r.id}"
            return None

        def uid(x: str | Ref) -> str | None:
            return x if not isinstance(x, Ref) else find(x) if settled(x) else None

        waiting: list[PendingRel] = []
        for pr in self.pending:
            a, b = uid(pr.src), uid(pr.dst)
            if a is None or b is None:
                waiting.append(pr)
            else:
                self.changes.add_rel(pr.type, a, b, pr.props, seq=pr.seq)
        self.pending = waiting
        self.checks = [r for r in self.checks if not settled(r) or find(r) is None]

    def store_is_empty(self) -> bool:
        if self._empty is None:
            self._empty = not any(self.store.counts()[0].values())
        return self._empty

    def resolve(self) -> None:
        wanted: dict[str, set[str]] = defaultdict(set)
        nodes = self.changes.nodes
        for r in itertools.chain((x for pr in self.pending for x in (pr.src, pr.dst) if isinstance(x, Ref)),
                                 self.checks):
            for lab in r.labels:
                if f"{lab}:{r.id}" not in nodes:
                    wanted[lab].add(r.id)
        in_store = {lab: self.store.existing(lab, ids) | self.in_store.get(lab, set()) for lab, ids in wanted.items()}

        def find(r: Ref) -> str | None:
            for lab in r.labels:
                if f"{lab}:{r.id}" in self.changes.nodes or r.id in in_store.get(lab, ()):
                    return f"{lab}:{r.id}"
            return None

        reported: set[tuple[str, str | None, str, int, str | None, str]] = set()
        # a reference to a row with errors: one message per such row, naming every row that refers to it
        to_failed: dict[tuple[str, str], list[Ref]] = {}

        def missing(r: Ref) -> None:
            o = r.origin
            key = (o.st.file, o.st.sheet, o.st.table, o.row.line, o.column, r.id)
            if key in reported:
                return
            reported.add(key)
            bad = next(((lab, r.id) for lab in r.labels if (lab, r.id) in self.failed), None)
            if bad is not None:
                to_failed.setdefault(bad, []).append(r)
                return
            names = "或".join(f"{NODE_TYPES[lab].zh}({TABLE_OF_LABEL.get(lab, lab)})" for lab in r.labels)
            tables = "、".join(dict.fromkeys(TABLE_OF_LABEL.get(lab, lab) for lab in r.labels))
            fix = f"先在 {tables} 表中添加 {r.id}，或更正此代码"
            if r.labels == ("Industry",) and len(r.id) in (3, 4):
                fix += f"；也可改用其所属大类代码 {r.id[:2]}，或先导入 GB/T 4754-2017 完整行业表"
            if r.labels == ("Major",):
                fix = catalogue_fix(r.id, self.public_dir)
            self.report.add(r.origin.issue(
                ERROR, "missing_ref",
                f"{self._side(r.origin)}引用的 {names}「{r.id}」在本次导入和图中都不存在", fix, r.id))

        for r in self.checks:
            if find(r) is None:
                missing(r)
        pending, self.pending = self.pending, []
        for i, pr in enumerate(pending):
            pending[i] = None  # type: ignore[call-overload]  # each pending row is released once written
            ends = []
            for x in (pr.src, pr.dst):
                if isinstance(x, Ref):
                    u = find(x)
                    if u is None:
                        missing(x)
                    ends.append(u)
                else:
                    ends.append(x)
            if None not in ends:
                self.changes.add_rel(pr.type, ends[0], ends[1], pr.props, seq=pr.seq)  # type: ignore[arg-type]
        for (lab, ident), refs in to_failed.items():
            at = self.failed[(lab, ident)]
            where = f"{file_label(at.st.file, at.st.sheet)} 第 {at.row.line} 行"
            users = "、".join(dict.fromkeys(f"{file_label(x.origin.st.file, x.origin.st.sheet)} 第 {x.origin.row.line} 行"
                                            for x in refs))
            self.report.add(refs[0].origin.issue(
                ERROR, "ref_to_invalid_row",
                f"{NODE_TYPES[lab].zh}「{ident}」定义在 {where}，但那一行有错误，所以未能载入；引用它的行：{users}",
                f"先改正 {where}的错误 (见该行的错误提示)；改正后这些引用会自动解析，无需改动", ident))

    @staticmethod
    def _side(o: Origin) -> str:
        return f"{TABLES[o.st.table].zh}({o.st.table}) 表"


@functools.lru_cache(maxsize=1024)
def file_label(file: str, sheet: str | None) -> str:
    """A file's name as messages show it, with ``#sheet`` for a workbook's sheet."""
    return Path(file).name + (f"#{sheet}" if sheet else "")


def default_public_dir() -> Path | None:
    """The folder of the official public lists the settings name (``IEKG_PUBLIC_DIR``), if any."""
    from iekg.settings import Settings

    return Settings().public_dir


@functools.lru_cache(maxsize=4)
def _catalogue(public_dir: str) -> dict[str, tuple[str, str]]:
    """major code → (name, file) of the national catalogues in ``public_dir`` (read by the official readers)."""
    from iekg.loaders import official

    d = Path(public_dir)
    out: dict[str, tuple[str, str]] = {}
    for name, reader in (("vocational_major_catalog_2021_upd2025.csv", official.read_vocational_catalog),
                         ("undergraduate_major_catalog_2024.csv", official.read_undergraduate_catalog)):
        if (d / name).is_file():
            for st in reader(d / name):
                if st.table == "majors":
                    for r in st.rows:
                        out.setdefault(str(r.values.get("code", "")).upper(), (str(r.values.get("name", "")), name))
    return out


def catalogue_fix(code: str, public_dir: Path | None) -> str:
    """How to fix a missing major: load the national catalogues when the major is in them."""
    load = "用 `iekg build --public 公开名单文件夹 --data 你的数据` 载入国家专业目录 (设置 IEKG_PUBLIC_DIR 后 build 默认载入)"
    if public_dir is None or not Path(public_dir).is_dir():
        return (f"若 {code} 是国家专业目录中的专业：{load}；否则在 majors 表中添加 {code}，或更正此代码")
    hit = _catalogue(str(Path(public_dir).resolve())).get(code.upper())
    if hit is not None:
        return (f"{code} {hit[0]} 在国家专业目录 {hit[1]} 中，但图中还没有载入该目录：{load}；"
                f"或在 majors 表中添加 {code}")
    return f"国家专业目录 ({public_dir}) 中也没有 {code}：请核对专业代码；自设专业请先在 majors 表中添加 {code}"



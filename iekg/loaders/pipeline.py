"""The import pipeline: validate every row of every table, check references, build one change set.

``load(store, tables)`` validates everything first and collects **all** problems (pandera's habit:
report every failure at once).  Only when there is no error does it write, through ``Store.apply``,
which is all or nothing.  Loading the same input twice yields the same graph (upserts keyed by
identity), so the second load changes nothing.
"""

from __future__ import annotations

import functools
import gc
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iekg.graph.schema import NODE_TYPES, REL_TYPES
from iekg.graph.store import ApplyResult, ChangeSet, Node, Store
from iekg.loaders import limits as _limits
from iekg.loaders import vocab as _vocab
from iekg.loaders.report import ERROR, WARNING, ImportFailed, Issue, Report
from iekg.loaders.source import DOCUMENT, ILLUSTRATIVE, PUBLIC, REFERENCE, LazyRows, SourceRow, SourceTable
from iekg.loaders.tables import TABLE_ORDER, TABLES
from iekg.loaders.textrules import one_line
from iekg.loaders.values import Invalid, Repaired, clean, parser_for
from iekg.loaders.vocab import Vocabulary

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
RELATIONSHIP_TABLES = {"programs", "cooperations", "alliance_members", "talent_demand", "employment", "crosswalk",
                       "city_focus"}
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
            where = f"{_where(at.st.file, at.st.sheet)} 第 {at.row.line} 行"
            users = "、".join(dict.fromkeys(f"{_where(x.origin.st.file, x.origin.st.sheet)} 第 {x.origin.row.line} 行"
                                            for x in refs))
            self.report.add(refs[0].origin.issue(
                ERROR, "ref_to_invalid_row",
                f"{NODE_TYPES[lab].zh}「{ident}」定义在 {where}，但那一行有错误，所以未能载入；引用它的行：{users}",
                f"先改正 {where}的错误 (见该行的错误提示)；改正后这些引用会自动解析，无需改动", ident))

    @staticmethod
    def _side(o: Origin) -> str:
        return f"{TABLES[o.st.table].zh}({o.st.table}) 表"


# ------------------------------------------------------------------------------------ row parsing
@functools.lru_cache(maxsize=1024)
def _where(file: str, sheet: str | None) -> str:
    return Path(file).name + (f"#{sheet}" if sheet else "")


def parse_table(st: SourceTable, report: Report, voc: Vocabulary | None = None,
                failed: dict[tuple[str, str], Origin] | None = None) -> list[Parsed]:
    """Clean values of every row of ``st``; rows with errors are reported and left out (and, for node
    tables, remembered in ``failed`` by their id).  Repairs of shipped inputs are not reported as the user's."""
    return list(iter_parsed(st, report, voc, failed))


def iter_parsed(st: SourceTable, report: Report, voc: Vocabulary | None = None,
                failed: dict[tuple[str, str], Origin] | None = None) -> Iterator[Parsed]:
    """:func:`parse_table` row by row (a build turns each row into nodes and relationships as it goes).

    Millions of rows pass here in a national build: the loop keeps to plain lookups, and makes an
    :class:`Origin` only for a row that has something to report."""
    table = TABLES[st.table]
    seen: dict[tuple[Any, ...], int] = {}
    voc = voc if voc is not None else _vocab.current()
    lim = _limits.current()  # the longest cell: an id, code or name (one-line field); any cell
    cell_max = lim.max_cell_chars
    name_max = min(lim.max_name_chars, cell_max)
    columns = [(c.key, c.zh, c.required, _memo(parser_for(c.kind, voc)),
                name_max if one_line(st.table, c.key) else cell_max) for c in table.columns]
    own = {c.key for c in table.columns}
    bool_parser = _memo(parser_for("bool"))
    shipped = st.kind in SHIPPED_KINDS
    node_id = NODE_IDENTITY.get(st.table)
    known = {c.key for c in table.columns} | {"source", "illustrative"}
    identity = table.identity
    where = _where(st.file, st.sheet)
    for row in st.rows:
        values = row.values
        clean: dict[str, Any] = {}
        ok = True
        for key, zh, required, parse, most in columns:
            raw = values.get(key, "")
            text = raw if type(raw) is str else "" if raw is None else str(raw)
            if not text or text.isspace():
                if required:
                    report.add(Origin(st, row).issue(ERROR, "required", f"必填项「{zh}」为空", f"填写「{zh}」", "", key))
                    ok = False
                continue
            if len(text) > most:
                report.add(_too_long(Origin(st, row), key, text, most, most == name_max < cell_max))
                ok = False
                continue
            try:
                val = parse(text)
            except Invalid as exc:
                report.add(Origin(st, row).issue(ERROR, exc.code, exc.problem, exc.fix, raw, key))
                ok = False
                continue
            if type(val) is Repaired:
                if not shipped:
                    fix = "无需处理；如需避免，请按规范填写" if val.code != "unknown_term" else \
                        "无需处理 (已保留)；如是某个标准词的别称，可在 vocabularies 表中把它加为同义词"
                    report.add(Origin(st, row).issue(WARNING, val.code, val.warning, fix, raw, key, val.value))
                val = val.value
            clean[key] = val
        if table.one_of and not any(k in clean for k in table.one_of) and \
                not any(str(values.get(k, "")).strip() for k in table.one_of):
            names = " 或 ".join(f"「{table.column(k).zh}」" for k in table.one_of)
            report.add(Origin(st, row).issue(ERROR, "one_of", f"{names} 至少要填一项", f"填写{names}", "", table.one_of[0]))
            ok = False
        illustrative = None
        if str(values.get("illustrative", "")).strip():
            try:
                illustrative = bool_parser(str(values["illustrative"]))
            except Invalid as exc:
                report.add(Origin(st, row).issue(ERROR, exc.code, exc.problem, exc.fix, values["illustrative"],
                                                 "illustrative"))
                ok = False
        cite = str(values.get("source", "")).strip() or None
        extra: dict[str, Any] = {}
        for k, v in values.items():
            if k not in own and len(str(v)) > cell_max:  # an extra column, 来源, 示意数据
                report.add(_too_long(Origin(st, row), k, str(v), cell_max, False))
                ok = False
                continue
            if k in known or not str(v).strip():
                continue
            extra[k] = [x.strip() for x in re.split(r"[;；、]", v) if x.strip()] if k in LIST_EXTRAS else str(v).strip()
        if not ok:
            if failed is not None and node_id is not None:
                ident = clean.get(node_id[1]) or _clean_text(values.get(node_id[1], ""))
                if ident:
                    failed.setdefault((node_id[0], str(ident)), Origin(st, row))
            continue
        if identity:
            ident = tuple(map(clean.get, identity))
            if ident in seen:
                cols = "、".join(table.column(k).zh for k in identity)
                report.add(Origin(st, row).issue(
                    ERROR, "duplicate", f"与第 {seen[ident]} 行重复 (相同的 {cols})", "删除重复行，或合并两行的数据",
                    " / ".join(str(x) for x in ident if x is not None), identity[0]))
                continue
            seen[ident] = row.line
        kind = st.kind
        if illustrative:
            kind = ILLUSTRATIVE
        elif illustrative is False and kind == ILLUSTRATIVE and cite:
            kind = PUBLIC  # a demo row that cites a public list (a real institution or major)
        yield Parsed(st, row, clean, extra, {"source": cite or st.cite or f"{where} 第{row.line}行",
                                             "source_kind": kind, "source_file": where, "source_row": row.line})


def _too_long(o: Origin, key: str, text: str, most: int, name: bool) -> Issue:
    """A cell longer than any real value of its column: its length, the limit and the setting that raises it."""
    env = _limits.Limits.setting("max_name_chars" if name else "max_cell_chars")
    what = "编号、代码、名称等单行字段" if name else "一个单元格"
    return o.issue(ERROR, "cell_too_long",
                   f"单元格过长：{len(text):,} 个字符，{what}最多 {most:,} 个字符 "
                   f"(cell too long: {len(text):,} characters > limit {most:,})",
                   "检查是否把整段文字或整列数据粘贴进了一个单元格，或引号不成对使后面的行并进了这一格；"
                   f"确属正常数据时可调高上限：设置环境变量 {env}，如 {env}={most * 2} (raise it with {env}=…)",
                   text[:40] + "…", key)


MEMO_LIMIT = 50_000  # distinct raw values remembered per column of one table


def _memo(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` remembering its answer (or its :class:`Invalid`) per raw text: a national table repeats the
    same years, codes and levels hundreds of thousands of times.  Lists are copied on each use, so no two
    rows share one; a column with more distinct values than ``MEMO_LIMIT`` parses the rest each time."""
    seen: dict[str, Any] = {}

    def parsed(raw: str) -> Any:
        hit = seen.get(raw, _MISS)
        if hit is _MISS:
            try:
                hit = parse(raw)
            except Invalid as exc:
                hit = exc
            if len(seen) < MEMO_LIMIT:
                seen[raw] = hit
        if type(hit) in _PLAIN:  # most values: a code, a year, a number
            return hit
        if isinstance(hit, Invalid):  # a new exception each time (re-raising one object grows its traceback)
            raise Invalid(hit.problem, hit.fix, hit.code)
        if isinstance(hit, list):
            return list(hit)
        if isinstance(hit, Repaired) and isinstance(hit.value, list):
            return Repaired(list(hit.value), hit.warning, hit.code)
        return hit

    return parsed


_MISS = object()
_PLAIN = frozenset({str, int, float, bool})


def _clean_text(raw: Any) -> str:
    return clean(str(raw)) if raw else ""


# ------------------------------------------------------------------------------ table builders
def _industry_level(code: str) -> str:
    return {1: "门类", 2: "大类", 3: "中类", 4: "小类"}[len(code)]


def _pick(v: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v[k] for k in keys if k in v}


def build_rows(b: Builder, table: str, rows: list[Parsed]) -> None:
    fn = BUILDERS[table]
    for p in rows:
        fn(b, p)


def _cities(b: Builder, p: Parsed) -> None:
    v = p.v
    code = v["code"]
    if code.endswith("0000"):
        b.node(p, "Province", code, {"name": v["name"]})
        return
    u = b.node(p, "City", code, _pick(v, "name", "gdp", "population", "year"))
    prov = v.get("province_code") or code[:2] + "0000"
    b.rel(p, "PART_OF", u, b.ref(p, "province_code", prov, "Province"))


def _zones(b: Builder, p: Parsed) -> None:
    u = b.node(p, "Zone", p.v["id"], _pick(p.v, "name", "kind"))
    b.rel(p, "PART_OF", u, b.ref(p, "city_code", p.v["city_code"]))


def _institutions(b: Builder, p: Parsed) -> None:
    u = b.node(p, "Institution", p.v["id"], _pick(p.v, "name", "level", "ownership"))
    b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", p.v["city_code"]))


def _programs(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "OFFERS", b.ref(p, "institution_id", v["institution_id"]), b.ref(p, "major_code", v["major_code"]),
          _pick(v, "year", "enrollment", "graduates", "employment_rate", "local_employment_rate", "leading", "group"))


def _enterprises(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Enterprise", v["id"], _pick(v, "name", "employees", "iei_level", "iei_year"))
    b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", v["city_code"]))
    b.rel(p, "IN_INDUSTRY", u, b.ref(p, "industry_code", v["industry_code"]))
    if "segment_id" in v:
        b.rel(p, "IN_SEGMENT", u, b.ref(p, "segment_id", v["segment_id"]), {"role": v.get("chain_role")})


def _cooperations(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "COOPERATES_WITH", b.ref(p, "institution_id", v["institution_id"]),
          b.ref(p, "enterprise_id", v["enterprise_id"]), _pick(v, "type", "since", "students", "status"))


def _training_bases(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "TrainingBase", v["id"], _pick(v, "name", "kind", "level", "stations"))
    b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", v["city_code"]))
    if "operator_id" in v:
        b.rel(p, "OPERATED_BY", u, b.ref(p, "operator_id", v["operator_id"]))
    for code in v.get("industry_codes", []):
        b.rel(p, "SERVES", u, b.ref(p, "industry_codes", code))


def _platforms(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Platform", v["id"], _pick(v, "name", "kind"))
    b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", v["city_code"]))
    for op in v.get("operator_ids", []):
        b.rel(p, "OPERATED_BY", u, b.ref(p, "operator_ids", op))


def _alliances(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Alliance", v["id"], _pick(v, "name", "kind"))
    if "city_code" in v:
        b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", v["city_code"]))
    if "lead_id" in v:
        b.rel(p, "MEMBER_OF", b.ref(p, "lead_id", v["lead_id"]), u, {"role": "牵头"})


def _alliance_members(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "MEMBER_OF", b.ref(p, "member_id", v["member_id"]), b.ref(p, "alliance_id", v["alliance_id"]),
          {"role": v.get("role", "成员")})


def _talent_demand(b: Builder, p: Parsed) -> None:
    v = p.v
    src: str | Ref = b.ref(p, "enterprise_id", v["enterprise_id"]) if "enterprise_id" in v else \
        b.ref(p, "city_code", v["city_code"])
    if "enterprise_id" in v:
        b.need(b.ref(p, "city_code", v["city_code"]))
    if "industry_code" in v:
        dst = b.ref(p, "industry_code", v["industry_code"])
        if "major_code" in v:
            b.need(b.ref(p, "major_code", v["major_code"]))
    else:
        dst = b.ref(p, "major_code", v["major_code"])
    props = _pick(v, "year", "headcount", "education_level", "city_code")
    if "industry_code" in v and "major_code" in v:
        props["major_code"] = v["major_code"]
    b.rel(p, "DEMANDS", src, dst, props)


def _employment(b: Builder, p: Parsed) -> None:
    v = p.v
    inst = b.ref(p, "institution_id", v["institution_id"])
    if "major_code" in v:
        b.need(b.ref(p, "major_code", v["major_code"]))
    if "industry_code" in v:
        dst = b.ref(p, "industry_code", v["industry_code"])
        if "city_code" in v:
            b.need(b.ref(p, "city_code", v["city_code"]))
    else:
        dst = b.ref(p, "city_code", v["city_code"])
    b.rel(p, "GRADUATES_TO", inst, dst, _pick(v, "year", "count", "major_code", "city_code"))


def _agency(b: Builder, p: Parsed, name: str) -> str:
    return b.changes.add_node("Agency", name, {"name": name, **p.prov})


def _policies(b: Builder, p: Parsed) -> None:
    v = p.v
    doc = v["doc_number"]
    u = b.node(p, "Policy", doc, {**_pick(v, "title", "level", "date", "status", "kinds"), "stub": False})
    b.stub_policies.pop(doc, None)
    for name in v["issuer"]:
        b.rel(p, "ISSUED_BY", u, _agency(b, p, name))
    for code in v.get("city_code", []):
        b.rel(p, "APPLIES_TO", u, b.ref(p, "city_code", code))
    for code in v.get("supports", []):
        b.rel(p, "SUPPORTS", u, b.ref(p, "supports", code))
    for cited in v.get("cites", []):
        if f"Policy:{cited}" not in b.changes.nodes:
            b.stub_policies.setdefault(cited, {"title": f"(被引用文件 {cited})", "stub": True, **p.prov})
        b.rel(p, "CITES", u, Ref(("Policy",), cited, p.origin("cites")))


def _majors(b: Builder, p: Parsed) -> None:
    u = b.node(p, "Major", p.v["code"], _pick(p.v, "name", "level"))
    b.rel(p, "SUBCLASS_OF", u, b.ref(p, "category_code", p.v["category_code"]))


def _major_divisions(b: Builder, p: Parsed) -> None:
    b.node(p, "MajorDivision", p.v["code"], _pick(p.v, "name", "level"))


def _major_categories(b: Builder, p: Parsed) -> None:
    u = b.node(p, "MajorCategory", p.v["code"], _pick(p.v, "name", "level"))
    b.rel(p, "SUBCLASS_OF", u, b.ref(p, "division_code", p.v["division_code"]))


def _industries(b: Builder, p: Parsed) -> None:
    code = p.v["code"]
    u = b.node(p, "Industry", code, {"name": p.v["name"], "level": _industry_level(code)})
    parent = p.v.get("parent_code") or (code[:-1] if len(code) in (3, 4) else None)
    if parent:
        b.rel(p, "SUBCLASS_OF", u, b.ref(p, "parent_code", parent, "Industry"))


def _crosswalk(b: Builder, p: Parsed) -> None:
    v = p.v
    src = b.ref(p, "major_code", v["major_code"]) if "major_code" in v else b.ref(p, "category_code", v["category_code"])
    b.rel(p, "ALIGNS_WITH", src, b.ref(p, "industry_code", v["industry_code"]), _pick(v, "weight", "basis"))


def _chains(b: Builder, p: Parsed) -> None:
    u = b.node(p, "IndustryChain", p.v["id"], {"name": p.v["name"]})
    if "cluster" in p.v:
        c = b.changes.add_node("IndustryCluster", p.v["cluster"], {"name": p.v["cluster"], **p.prov})
        b.rel(p, "PART_OF", u, c)


def _chain_segments(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "ChainSegment", v["id"], _pick(v, "name", "position"))
    b.rel(p, "PART_OF", u, b.ref(p, "chain_id", v["chain_id"]))
    for code in v["industry_codes"]:
        b.rel(p, "MAPS_TO", u, b.ref(p, "industry_codes", code))
    for seg in v.get("feeds", []):
        b.rel(p, "FEEDS", u, b.ref(p, "feeds", seg))


def _city_focus(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "FOCUSES_ON", b.ref(p, "city_code", v["city_code"]), b.ref(p, "chain_id", v["chain_id"]),
          _pick(v, "level", "integration_industry"))


def _problems(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Problem", f"{v['city_code']}-{v['seq']}", _pick(v, "seq", "problem", "deadline"))
    b.rel(p, "RAISES", b.ref(p, "city_code", v["city_code"]), u)


def _measures(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Measure", f"{v['city_code']}-{v['seq']}",
               {**_pick(v, "seq", "content", "deadline"), "agency": "、".join(v["agency"])})  # the cell as written
    b.rel(p, "PROPOSES", b.ref(p, "city_code", v["city_code"]), u)
    for name in v["agency"]:
        b.rel(p, "RESPONSIBLE", u, _agency(b, p, name))
    for seq in v.get("problem_seq", []):
        b.rel(p, "ADDRESSES", u, Ref(("Problem",), f"{v['city_code']}-{seq}", p.origin("problem_seq")))


def _targets(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Target", v["id"], _pick(v, "metric", "name", "comparison", "value", "unit", "deadline", "text"))
    b.rel(p, "SETS_TARGET", b.ref(p, "doc_number", v["doc_number"]), u)


def _tasks(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Task", v["id"], _pick(v, "seq", "title", "text"))
    b.rel(p, "SETS_TASK", b.ref(p, "doc_number", v["doc_number"]), u)


def _vocabularies(b: Builder, p: Parsed) -> None:
    """Terms of the user's vocabularies are applied while the import is read (``prepare``); no graph data."""


BUILDERS = {
    "vocabularies": _vocabularies, "cities": _cities, "zones": _zones, "institutions": _institutions, "programs": _programs,
    "enterprises": _enterprises, "cooperations": _cooperations, "training_bases": _training_bases,
    "platforms": _platforms, "alliances": _alliances, "alliance_members": _alliance_members,
    "talent_demand": _talent_demand, "employment": _employment, "policies": _policies, "majors": _majors,
    "major_divisions": _major_divisions, "major_categories": _major_categories, "industries": _industries,
    "crosswalk": _crosswalk, "chains": _chains, "chain_segments": _chain_segments, "city_focus": _city_focus,
    "problems": _problems, "measures": _measures, "targets": _targets, "tasks": _tasks,
}
assert set(BUILDERS) == set(TABLES)


def _check_crosswalk(rows: list[Parsed], b: Builder) -> None:
    """Per category (or major) the weights of one import must sum to 1; they replace the old weights."""
    groups: dict[tuple[str, str], list[Parsed]] = defaultdict(list)
    for p in rows:
        key = ("Major", p.v["major_code"]) if "major_code" in p.v else ("MajorCategory", p.v["category_code"])
        groups[key].append(p)
    for (label, code), ps in groups.items():
        total = math.fsum(p.v["weight"] for p in ps)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            lines = "、".join(str(p.row.line) for p in ps)
            col = "major_code" if label == "Major" else "category_code"
            b.report.add(ps[0].origin(col).issue(
                ERROR, "weights_sum", f"{code} 的权重合计为 {total:g}，应为 1 (第 {lines} 行)",
                "调整这些行的权重，使同一专业类 (或专业) 的权重合计为 1",
                "+".join(f"{p.v['weight']:g}" for p in ps) + f"={total:g}", "weight"))
        b.changes.replace.add((f"{label}:{code}", "ALIGNS_WITH"))


# ------------------------------------------------------------------------------------ entry points
def user_vocabulary(tables: Iterable[SourceTable], report: Report) -> Vocabulary:
    """The vocabulary of an import: shipped + settings file + the import's own ``vocabularies`` tables."""
    base = _vocab.current()
    own = [st for st in tables if st.table == "vocabularies"]
    if not own:
        return base
    voc = base.copy()
    for st in own:
        for p in parse_table(st, report, base):
            fld = p.v["field"]
            if fld == _vocab.HEADER:  # headers are matched while the files are read, before this table is
                report.add(p.origin("field").issue(
                    WARNING, "header_synonym_ignored", "导入表中的表头同义词在本次导入中不起作用 (读表头时还没有读到它)",
                    "把这一行写进 IEKG_VOCABULARY_FILE 指向的词表文件，它对每次导入都生效", fld, "field"))
                continue
            if fld not in voc.terms:
                report.add(p.origin("field").issue(
                    ERROR, "unknown_field", f"没有名为「{fld}」的词表字段",
                    "可用的字段：" + "、".join([*voc.fields(), _vocab.HEADER]), fld, "field"))
                continue
            voc.add(fld, p.v["term"], p.v.get("english", ""), p.v.get("synonyms", []), p.v.get("meaning", ""),
                    origin=f"{_where(st.file, st.sheet)} 第{p.row.line}行")
    return voc


def _crosswalk_key(p: Parsed) -> tuple[str, str]:
    return ("Major", p.v["major_code"]) if "major_code" in p.v else ("MajorCategory", p.v["category_code"])


def replace_shipped_crosswalk(rows: list[Parsed]) -> list[Parsed]:
    """A user's rows for a category (or major) replace the shipped rows of that category in the same import
    (data-contract.md): ``build --data`` reads both, and only the user's must sum to 1."""
    users = {_crosswalk_key(p) for p in rows if p.st.kind not in SHIPPED_KINDS}
    return [p for p in rows if p.st.kind not in SHIPPED_KINDS or _crosswalk_key(p) not in users]


# The labels whose nodes each table's builder creates (a build settles references to a label once no later
# table can create it: Builder.settle).  Policy nodes are also created at the end (cited documents), so a
# reference to a Policy always waits for the end.  tests/test_streaming.py checks this against the builders.
CREATES: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "cities": ("Province", "City"), "zones": ("Zone",), "major_divisions": ("MajorDivision",),
    "major_categories": ("MajorCategory",), "majors": ("Major",), "industries": ("Industry",),
    "chains": ("IndustryChain", "IndustryCluster"), "chain_segments": ("ChainSegment",),
    "institutions": ("Institution",), "enterprises": ("Enterprise",), "training_bases": ("TrainingBase",),
    "platforms": ("Platform",), "alliances": ("Alliance",), "policies": ("Policy", "Agency"),
    "targets": ("Target",), "tasks": ("Task",), "problems": ("Problem",), "measures": ("Measure", "Agency"),
}.items()}
CHUNK_ROWS = 5_000  # rows a build turns into relationships between two settle() calls


def closed_labels(table: str) -> frozenset[str]:
    """The labels no table from ``table`` on (in TABLE_ORDER) creates, nor the end of the import."""
    later = TABLE_ORDER[TABLE_ORDER.index(table):]
    open_ = {"Policy"}.union(*(CREATES.get(t, frozenset()) for t in later))
    return frozenset(NODE_TYPES) - open_


def prepare(store: Store, tables: Iterable[SourceTable], report: Report | None = None, *,
            public_dir: Path | None = None, consume: bool = False,
            changes: ChangeSet | None = None) -> tuple[ChangeSet, Report]:
    """Validate ``tables`` against the contract and the graph; return the change set and the report.

    ``consume``: the caller will not read the tables' rows again (a build): each table's rows are turned
    into nodes and relationships as they are parsed, references that can no longer change are settled every
    :data:`CHUNK_ROWS` rows (:meth:`Builder.settle`), and each table's cell values are released once it is
    done — at national scale the raw cells of every file, the waiting relationships and the change set
    would otherwise be in memory together.  Row numbers stay, for the messages.  ``changes``: the change
    set to fill (a build into SQLite passes one whose relationships spill to disk)."""
    report = report if report is not None else Report()
    tables = list(tables)
    by_table: dict[str, list[SourceTable]] = defaultdict(list)
    for st in tables:
        by_table[st.table].append(st)
    voc = user_vocabulary(tables, report)
    b = Builder(store, report, changes if changes is not None else ChangeSet(),
                public_dir=public_dir if public_dir is not None else _public_dir())
    crosswalk_rows: list[Parsed] = []
    for name in TABLE_ORDER:
        if name == "vocabularies":
            continue
        before = len(b.changes.nodes)
        closed = closed_labels(name)
        if consume:
            b.closed = closed
        for st in by_table.get(name, []):
            if name == "crosswalk":
                crosswalk_rows.extend(parse_table(st, report, voc, b.failed))
            elif consume:
                fn = BUILDERS[name]
                for n, p in enumerate(iter_parsed(st, report, voc, b.failed), 1):
                    fn(b, p)
                    if n % CHUNK_ROWS == 0:
                        b.settle(closed)
                _release(st)
            else:
                build_rows(b, name, parse_table(st, report, voc, b.failed))
        if consume:
            made = {n.label for n in itertools.islice(b.changes.nodes.values(), before, None)}
            assert made <= CREATES.get(name, frozenset()), f"{name} created {made}: update pipeline.CREATES"
            b.settle(closed_labels(TABLE_ORDER[TABLE_ORDER.index(name) + 1]) if name != TABLE_ORDER[-1] else closed)
        if name == "crosswalk" and crosswalk_rows:
            crosswalk_rows = replace_shipped_crosswalk(crosswalk_rows)
            build_rows(b, name, crosswalk_rows)
            _check_crosswalk(crosswalk_rows, b)
    existing = store.existing("Policy", b.stub_policies)
    for doc, props in b.stub_policies.items():
        if doc not in existing and f"Policy:{doc}" not in b.changes.nodes:
            b.changes.add_node("Policy", doc, props)
    b.resolve()
    return b.changes, report


_RELEASED: dict[str, str] = {}


def _release(st: SourceTable) -> None:
    """Drop the cell values of ``st``'s rows (their line numbers stay for messages).  Rows read lazily are
    not held anywhere (iterating them would read the file again)."""
    if isinstance(st.rows, LazyRows):
        return
    for row in st.rows:
        row.values = _RELEASED


def _public_dir() -> Path | None:
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


# ------------------------------------------------------------------------- demo rows of a city
DEMO_ROWS = ("stop", "replace", "keep")
# relationships at a City node that tie an entity to the city (in: entity → city; out: city → entity)
_CITY_IN = ("LOCATED_IN", "PART_OF", "APPLIES_TO")
_CITY_OUT = ("RAISES", "PROPOSES")


def import_cities(changes: ChangeSet) -> set[str]:
    """The cities an import's rows are about: every City its relationships touch, and every city_code."""
    out: set[str] = set()
    for r in changes.rels.values():
        for end in (r.src, r.dst):
            if end.startswith("City:"):
                out.add(end[5:])
        code = r.props.get("city_code")
        if isinstance(code, str):
            out.add(code)
    return out


@dataclass
class DemoRows:
    """A city's illustrative (demo) data in the graph: nodes to delete, and (start, type) pairs of the
    illustrative relationships of the city's real nodes (with the non-illustrative ones to keep)."""

    city: str
    nodes: set[str] = field(default_factory=set)
    rels: int = 0
    replace: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.rels)


def find_demo_rows(store: Store, cities: Iterable[str], changes: ChangeSet | None = None) -> list[DemoRows]:
    """What the graph holds for each of ``cities`` that is illustrative (source_kind illustrative), leaving out
    what ``changes`` writes again (loading the same file twice is not mixing).

    One read per (relationship type, start label) for all cities finds the real nodes with illustrative
    relationships; only those nodes are then read one by one (none at all in a graph without the demo)."""
    again_nodes = set(changes.nodes) if changes is not None else set()
    again_rels = set(changes.rels) if changes is not None else set()
    found: dict[str, DemoRows] = {}
    owner: dict[str, str] = {}  # a real node of a city -> the city
    for city in sorted(set(cities)):
        uid = f"City:{city}"
        if store.get(uid) is None:
            continue
        d = found[city] = DemoRows(city)
        owner[uid] = city
        ends = [o for _r, o in store.neighbours(uid, _CITY_IN, "in")] + \
            [o for _r, o in store.neighbours(uid, _CITY_OUT, "out")]
        for other in ends:
            if other.props.get("source_kind") == ILLUSTRATIVE and other.label != "City" \
                    and other.uid not in again_nodes:
                d.nodes.add(other.uid)
            else:
                owner.setdefault(other.uid, city)
    doomed = {u for d in found.values() for u in d.nodes}
    by_label: dict[str, list[str]] = defaultdict(list)
    for u in sorted(owner):
        if u not in doomed:
            label, ident = u.split(":", 1)
            by_label[label].append(ident)

    def demo(r: Any) -> bool:
        return r.props.get("source_kind") == ILLUSTRATIVE and r.key not in again_rels

    for rel_type, spec in REL_TYPES.items():
        for label in sorted({sl for sl, _ in spec.pairs} & set(by_label)):
            frame = store.rel_frame(rel_type, [], src_label=label, src_ids=by_label[label],
                                    where={"source_kind": ILLUSTRATIVE})
            for src in sorted(set(frame["src"])):
                u = f"{label}:{src}"
                rels = store.neighbours(u, [rel_type], "out")
                n = sum(1 for r, o in rels if demo(r) and o.uid not in doomed)
                if n:
                    d = found[owner[u]]
                    d.replace[(u, rel_type)] = [r for r, _ in rels if not demo(r)]
                    d.rels += n
    return [d for d in found.values() if d]


def demo_rows(store: Store, city: str, changes: ChangeSet | None = None) -> DemoRows:
    """The illustrative rows of one city (see :func:`find_demo_rows`)."""
    return next(iter(find_demo_rows(store, [city], changes)), DemoRows(city))


def _demo_issue(tables: list[SourceTable], severity: str, code: str, message: str, fix: str) -> Issue:
    st = next((t for t in tables if t.kind not in SHIPPED_KINDS), tables[0] if tables else None)
    return Issue(severity, code, st.file if st else "", None, None, None, message, fix,
                 st.sheet if st else None, st.table if st else None)


def check_demo_rows(store: Store, changes: ChangeSet, tables: list[SourceTable], report: Report, mode: str,
                    *, dry_run: bool = False) -> None:
    """Real data never mixes silently with the demo: ``stop`` (an error; a warning in a dry run),
    ``replace`` (the city's illustrative rows are deleted in the same write) or ``keep`` (both, marked)."""
    if mode not in DEMO_ROWS:
        raise ValueError(f"demo_rows must be one of {', '.join(DEMO_ROWS)}, not {mode!r}")
    found = find_demo_rows(store, import_cities(changes), changes)
    if not found:
        return
    names = {d.city: (store.get(f"City:{d.city}") or Node(f"City:{d.city}", "City", {})).props.get("name", d.city)
             for d in found}
    what = "；".join(f"{names[d.city]} ({d.city})：示意节点 {len(d.nodes)} 个、现有真实节点上的示意关系 {d.rels} 条"
                    for d in found)
    choices = ("三种选择：--demo-rows replace 删除这些城市的示意数据，只留你的数据 (同一次写入，全有或全无)；"
               "--demo-rows keep 两者都保留 (各自标有 source_kind：illustrative / user，页面和报告会注明含示意数据)；"
               "--demo-rows stop (默认) 什么也不改。有真实数据时，建议用 iekg build --no-demo --data 你的文件夹 "
               "建一个不含演示数据的图")
    if mode == "stop":
        report.add(_demo_issue(tables, WARNING if dry_run else ERROR, "demo_rows",
                               f"图中已有同一城市的示意 (演示) 数据，导入会与你的真实数据混在一起：{what}", choices))
        return
    if mode == "keep":
        report.add(_demo_issue(tables, WARNING, "demo_rows_kept",
                               f"你的数据与图中同一城市的示意数据并存 (各自标有 source_kind)：{what}",
                               "结果会注明基于示意数据；如需只用真实数据，用 --demo-rows replace 或 "
                               "iekg build --no-demo --data 你的文件夹"))
        return
    for d in found:
        changes.delete_nodes |= d.nodes
        for (u, t), keep in d.replace.items():
            changes.replace.add((u, t))
            for r in keep:
                changes.rels.setdefault(r.key, r)
    report.add(_demo_issue(tables, WARNING, "demo_rows_replaced", f"已删除同一城市的示意数据：{what}",
                           "无需处理；图中这些城市只剩真实数据 (和公开名单)"))


def _table_cities(st: SourceTable) -> set[str]:
    from iekg.loaders.values import city_code

    cols = [c.key for c in TABLES[st.table].columns if "city" in c.ref]
    out: set[str] = set()
    for row in st.rows:
        for col in cols:
            for part in re.split(r"[;；、]", str(row.values.get(col) or "")):
                try:
                    v = city_code(part) if part.strip() else None
                except Invalid:
                    continue
                if v is not None:
                    out.add(v.value if isinstance(v, Repaired) else v)
    return out


def check_build_mix(tables: list[SourceTable], report: Report) -> None:
    """A build that loads the demo and a user's data about the same city warns: they would be mixed."""
    demo = {c for st in tables if st.kind == ILLUSTRATIVE for c in _table_cities(st)}
    if not demo:
        return
    users = [st for st in tables if st.kind not in SHIPPED_KINDS | {PUBLIC}]
    both = sorted({c for st in users for c in _table_cities(st)} & demo)
    if both:
        report.add(_demo_issue(users, WARNING, "demo_rows_mixed",
                               f"本次构建同时载入了演示 (示意) 数据和你的数据，这些城市两者混在一起：{'、'.join(both)}",
                               "有真实数据时请用 iekg build --no-demo --data 你的文件夹，建一个不含演示数据的图"))


def check(store: Store, tables: Iterable[SourceTable], report: Report | None = None, *,
          dry_run: bool = False, fresh: bool = False, public_dir: Path | None = None,
          demo_rows: str | None = None, consume: bool = False,
          changes: ChangeSet | None = None) -> tuple[ChangeSet, Report]:
    """Everything :func:`load` checks before it writes: the change set and the report.

    ``fresh`` validates against an empty graph (a build).  ``demo_rows`` (stop | replace | keep) says what to
    do when the graph holds illustrative rows of a city the data is about (None: do not check — the build,
    which decides itself whether to load the demo).  ``consume``: see :func:`prepare`.  Raises
    :class:`ImportFailed` when there are errors."""
    from iekg.graph.sqlitestore import SqliteStore

    tables = list(tables)
    if fresh:  # before prepare, which may release the cells it has read (consume)
        report = report if report is not None else Report()
        check_build_mix(tables, report)
    changes, report = prepare(SqliteStore() if fresh else store, tables, report, public_dir=public_dir,
                              consume=consume, changes=changes)
    if report.ok and demo_rows is not None and not fresh:
        check_demo_rows(store, changes, tables, report, demo_rows, dry_run=dry_run)
    if not report.ok:
        raise ImportFailed(report)
    return changes, report


def load(store: Store, tables: Iterable[SourceTable], report: Report | None = None, *,
         dry_run: bool = False, fresh: bool = False, public_dir: Path | None = None,
         demo_rows: str | None = None, consume: bool = False,
         audit: dict[str, Any] | None = None) -> tuple[Report, ApplyResult | None]:
    """Validate (:func:`check`) and, when there is no error and not ``dry_run``, write everything (all or
    nothing); ``fresh`` replaces the store's graph by the result; ``audit`` is the import history entry.
    Raises :class:`ImportFailed` (carrying the report) when there are errors; the store is untouched.
    """
    # a build into a store that can keep the relationships on disk (SQLite) never holds them all in memory
    spill = store.rel_spill() if consume and fresh else None
    try:
        with paused_gc():
            changes, report = check(store, tables, report, dry_run=dry_run, fresh=fresh, public_dir=public_dir,
                                    demo_rows=demo_rows, consume=consume,
                                    changes=None if spill is None else ChangeSet(rels=spill))
            if dry_run:
                return report, None
            return report, store.apply(changes, fresh=fresh, audit=audit)
    finally:
        if spill is not None:
            spill.close()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused while an import builds and writes millions of small objects: they form
    no cycles (reference counting frees them), and at national scale the collector's repeated passes over
    them took a large share of a build's time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

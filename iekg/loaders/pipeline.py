"""The import pipeline: validate every row of every table, check references, build one change set.

``load(store, tables)`` validates everything first and collects **all** problems (pandera's habit:
report every failure at once).  Only when there is no error does it write, through ``Store.apply``,
which is all or nothing.  Loading the same input twice yields the same graph (upserts keyed by
identity), so the second load changes nothing.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iekg.graph.schema import NODE_TYPES
from iekg.graph.store import ApplyResult, ChangeSet, Store
from iekg.loaders.report import ERROR, WARNING, ImportFailed, Issue, Report
from iekg.loaders.source import ILLUSTRATIVE, PUBLIC, SourceRow, SourceTable
from iekg.loaders.tables import TABLE_ORDER, TABLES
from iekg.loaders.values import Invalid, Repaired, parser_for

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
              column: str | None = None) -> Issue:
        col = column or self.column
        return Issue(severity, code, self.st.file, self.row.line, self.st.header(col) if col else None,
                     None if value is None else str(value), message, fix, self.st.sheet, self.st.table)


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

    # ------------------------------------------------------------------------------ helpers
    def node(self, p: Parsed, label: str, ident: str, props: dict[str, Any]) -> str:
        return self.changes.add_node(label, ident, {**props, **p.extra, **p.prov})

    def ref(self, p: Parsed, column: str, ident: str, *labels: str) -> Ref:
        return Ref(labels or REF_COLUMNS[p.st.table].get(column, ()), ident, p.origin(column))

    def rel(self, p: Parsed, rel_type: str, src: str | Ref, dst: str | Ref, props: dict[str, Any] | None = None) -> None:
        extra = p.extra if p.st.table in RELATIONSHIP_TABLES else {}
        self.pending.append(PendingRel(rel_type, src, dst, {**extra, **(props or {}), **p.prov}))

    def need(self, r: Ref) -> None:
        self.checks.append(r)

    # --------------------------------------------------------------------------- resolution
    def resolve(self) -> None:
        wanted: dict[str, set[str]] = defaultdict(set)
        refs = [x for pr in self.pending for x in (pr.src, pr.dst) if isinstance(x, Ref)] + self.checks
        for r in refs:
            for lab in r.labels:
                if f"{lab}:{r.id}" not in self.changes.nodes:
                    wanted[lab].add(r.id)
        in_store = {lab: self.store.existing(lab, ids) for lab, ids in wanted.items()}

        def find(r: Ref) -> str | None:
            for lab in r.labels:
                if f"{lab}:{r.id}" in self.changes.nodes or r.id in in_store.get(lab, ()):
                    return f"{lab}:{r.id}"
            return None

        reported: set[tuple[str, str | None, str, int, str | None, str]] = set()

        def missing(r: Ref) -> None:
            o = r.origin
            key = (o.st.file, o.st.sheet, o.st.table, o.row.line, o.column, r.id)
            if key in reported:
                return
            reported.add(key)
            names = "或".join(f"{NODE_TYPES[lab].zh}({TABLE_OF_LABEL.get(lab, lab)})" for lab in r.labels)
            tables = "、".join(dict.fromkeys(TABLE_OF_LABEL.get(lab, lab) for lab in r.labels))
            fix = f"先在 {tables} 表中添加 {r.id}，或更正此代码"
            if r.labels == ("Industry",) and len(r.id) in (3, 4):
                fix += f"；也可改用其所属大类代码 {r.id[:2]}，或先导入 GB/T 4754-2017 完整行业表"
            self.report.add(r.origin.issue(
                ERROR, "missing_ref",
                f"{self._side(r.origin)}引用的 {names}「{r.id}」在本次导入和图中都不存在", fix, r.id))

        for r in self.checks:
            if find(r) is None:
                missing(r)
        for pr in self.pending:
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
                self.changes.add_rel(pr.type, ends[0], ends[1], pr.props)  # type: ignore[arg-type]

    @staticmethod
    def _side(o: Origin) -> str:
        return f"{TABLES[o.st.table].zh}({o.st.table}) 表"


# ------------------------------------------------------------------------------------ row parsing
@functools.lru_cache(maxsize=1024)
def _where(file: str, sheet: str | None) -> str:
    return Path(file).name + (f"#{sheet}" if sheet else "")


def _provenance(st: SourceTable, row: SourceRow, illustrative: bool | None, cite: str | None) -> dict[str, Any]:
    kind = st.kind
    if illustrative:
        kind = ILLUSTRATIVE
    elif illustrative is False and kind == ILLUSTRATIVE and cite:
        kind = PUBLIC  # a demo row that cites a public list (a real institution or major)
    where = _where(st.file, st.sheet)
    return {
        "source": cite or st.cite or f"{where} 第{row.line}行",
        "source_kind": kind,
        "source_file": where,
        "source_row": row.line,
    }


def parse_table(st: SourceTable, report: Report) -> list[Parsed]:
    table = TABLES[st.table]
    out: list[Parsed] = []
    seen: dict[tuple[Any, ...], int] = {}
    parsers = {c.key: parser_for(c.kind) for c in table.columns}
    bool_parser = parser_for("bool")
    for row in st.rows:
        o = Origin(st, row)
        clean: dict[str, Any] = {}
        ok = True
        for c in table.columns:
            raw = row.values.get(c.key, "")
            if raw is None or str(raw).strip() == "":
                if c.required:
                    report.add(o.issue(ERROR, "required", f"必填项「{c.zh}」为空", f"填写「{c.zh}」", "", c.key))
                    ok = False
                continue
            try:
                val = parsers[c.key](str(raw))
            except Invalid as exc:
                report.add(o.issue(ERROR, exc.code, exc.problem, exc.fix, raw, c.key))
                ok = False
                continue
            if isinstance(val, Repaired):
                report.add(o.issue(WARNING, val.code, val.warning, "无需处理；如需避免，请按规范填写", raw, c.key))
                val = val.value
            clean[c.key] = val
        if table.one_of and not any(k in clean for k in table.one_of) and \
                not any(str(row.values.get(k, "")).strip() for k in table.one_of):
            names = " 或 ".join(f"「{table.column(k).zh}」" for k in table.one_of)
            report.add(o.issue(ERROR, "one_of", f"{names} 至少要填一项", f"填写{names}", "", table.one_of[0]))
            ok = False
        illustrative = None
        if str(row.values.get("illustrative", "")).strip():
            try:
                illustrative = bool_parser(row.values["illustrative"])
            except Invalid as exc:
                report.add(o.issue(ERROR, exc.code, exc.problem, exc.fix, row.values["illustrative"], "illustrative"))
                ok = False
        cite = str(row.values.get("source", "")).strip() or None
        known = {c.key for c in table.columns} | {"source", "illustrative"}
        extra: dict[str, Any] = {}
        for k, v in row.values.items():
            if k in known or not str(v).strip():
                continue
            extra[k] = [x.strip() for x in re.split(r"[;；、]", v) if x.strip()] if k in LIST_EXTRAS else str(v).strip()
        if not ok:
            continue
        if table.identity:
            ident = tuple(clean.get(k) for k in table.identity)
            if ident in seen:
                cols = "、".join(table.column(k).zh for k in table.identity)
                report.add(o.issue(ERROR, "duplicate", f"与第 {seen[ident]} 行重复 (相同的 {cols})",
                                   "删除重复行，或合并两行的数据", " / ".join(str(x) for x in ident if x is not None),
                                   table.identity[0]))
                continue
            seen[ident] = row.line
        out.append(Parsed(st, row, clean, extra, _provenance(st, row, illustrative, cite)))
    return out


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


BUILDERS = {
    "cities": _cities, "zones": _zones, "institutions": _institutions, "programs": _programs,
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
def prepare(store: Store, tables: Iterable[SourceTable], report: Report | None = None) -> tuple[ChangeSet, Report]:
    """Validate ``tables`` against the contract and the graph; return the change set and the report."""
    report = report if report is not None else Report()
    by_table: dict[str, list[SourceTable]] = defaultdict(list)
    for st in tables:
        by_table[st.table].append(st)
    b = Builder(store, report)
    crosswalk_rows: list[Parsed] = []
    for name in TABLE_ORDER:
        for st in by_table.get(name, []):
            rows = parse_table(st, report)
            if name == "crosswalk":
                crosswalk_rows.extend(rows)
            build_rows(b, name, rows)
    if crosswalk_rows:
        _check_crosswalk(crosswalk_rows, b)
    existing = store.existing("Policy", b.stub_policies)
    for doc, props in b.stub_policies.items():
        if doc not in existing and f"Policy:{doc}" not in b.changes.nodes:
            b.changes.add_node("Policy", doc, props)
    b.resolve()
    return b.changes, report


def load(store: Store, tables: Iterable[SourceTable], report: Report | None = None, *,
         dry_run: bool = False, fresh: bool = False) -> tuple[Report, ApplyResult | None]:
    """Validate and, when there is no error and not ``dry_run``, write everything (all or nothing).

    ``fresh`` validates against an empty graph and replaces the store's graph by the result.
    Raises :class:`ImportFailed` (carrying the report) when there are errors; the store is untouched.
    """
    from iekg.graph.sqlitestore import SqliteStore

    changes, report = prepare(SqliteStore() if fresh else store, tables, report)
    if not report.ok:
        raise ImportFailed(report)
    if dry_run:
        return report, None
    return report, store.apply(changes, fresh=fresh)

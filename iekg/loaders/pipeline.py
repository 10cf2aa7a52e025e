"""The import pipeline: validate every row of every table, check references, build one change set.

``load(store, tables)`` validates everything first and collects **all** problems (pandera's habit:
report every failure at once).  Only when there is no error does it write, through ``Store.apply``,
which is all or nothing.  Loading the same input twice yields the same graph (upserts keyed by
identity), so the second load changes nothing.

Here: parsing the rows (:func:`iter_parsed`) and the entry points (:func:`prepare`, :func:`check`, :func:`load`).
The change set and its references are in :mod:`iekg.loaders.builder`, one builder per table in
:mod:`iekg.loaders.tablebuilders`, the demo-rows rule in :mod:`iekg.loaders.demorows`.
"""

from __future__ import annotations

import gc
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from iekg.graph.schema import NODE_TYPES
from iekg.graph.store import ApplyResult, ChangeSet, Store
from iekg.loaders import limits as _limits
from iekg.loaders import vocab as _vocab
from iekg.loaders.builder import (
    LIST_EXTRAS,
    NODE_IDENTITY,
    SHIPPED_KINDS,
    Builder,
    Origin,
    Parsed,
    default_public_dir,
    file_label,
)
from iekg.loaders.demorows import check_build_mix, check_demo_rows
from iekg.loaders.report import ERROR, WARNING, ImportFailed, Issue, Report
from iekg.loaders.source import ILLUSTRATIVE, PUBLIC, LazyRows, SourceTable
from iekg.loaders.tablebuilders import BUILDERS, build_rows, check_crosswalk
from iekg.loaders.tables import TABLE_ORDER, TABLES
from iekg.loaders.textrules import one_line
from iekg.loaders.values import Invalid, Repaired, clean, parser_for
from iekg.loaders.vocab import Vocabulary


# ------------------------------------------------------------------------------------ row parsing
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
    where = file_label(st.file, st.sheet)
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
                    origin=f"{file_label(st.file, st.sheet)} 第{p.row.line}行")
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
                public_dir=public_dir if public_dir is not None else default_public_dir())
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
            check_crosswalk(crosswalk_rows, b)
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


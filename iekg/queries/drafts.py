"""Drafts for a pilot application: Attachment 1 and 2 of the notice, and the pilot plan.

The notice (豫发改社会〔2022〕646号) asks each applicant city for a pilot plan following an 8-section
outline, **附件1 产教融合改革问题清单** (序号 / 主要问题 / 解决时限) and **附件2 产教融合试点政策清单**
(序号 / 政策内容 / 责任部门 / 完成时限).  This module drafts them from the graph:

- the city's own loaded lists (``City -RAISES-> Problem``, ``City -PROPOSES-> Measure``) come first,
  in 序号 order and unchanged;
- then rows drafted from the city's ranked gaps (``iekg.queries.gaps``) through the rule table
  ``iekg/data/rules/draft_rules.csv`` (one row per gap type, and per metric for ``target_shortfall``;
  see ``iekg/data/rules/README.md``);
- everything is renumbered 1..n; each drafted row carries the gaps behind it (type, rank, magnitude,
  evidence ids), written to the workbook's third sheet ``依据 evidence`` so that a planner can check it.

What makes the drafts fit to send after editing (issue 13):

- deadlines are dated in a chosen pilot period (:class:`Period`, ``--period 2026-2028``): the rule table
  writes them as ``第N年M月``;
- only the chosen gap types are drafted (``types``); supply gaps below ``min_people`` are minor and left out;
- no recommendation contradicts another (:class:`Feeding`): a major that feeds a shortage is never
  proposed for a cut, and every major a row names comes with the industries it feeds, by weight;
- one spelling per department (``iekg/data/rules/agencies.csv``, :func:`canonical_agency`); a drafted row
  that says what an own row says (after normalising the text) is not repeated;
- the plan (:func:`plan_markdown`) states facts and plans only.  Every self-assessment — the application
  conditions against our reference values, the notice's targets against the city's figures — goes to a
  **separate internal file**, :func:`diagnosis_markdown`, written by :func:`write_plan` next to the plan as
  ``<plan>-内部诊断.md`` (and ``.docx``), headed "不随方案报送", its thresholds labelled
  ``参考值（本工具假设，可在设置中修改）`` and the notice's targets quoted in its words.  A separate file
  (rather than a section after a break) cannot be sent to the province by mistake with the plan;
- no ``None``/``nan`` in any text; the workbook has row heights estimated from the text and column widths
  and prints on A4 landscape with the header row repeated; the .docx is an A4 公文 (GB/T 9704 margins,
  仿宋_GB2312 / 黑体 / 楷体, page numbers, repeated table headers).

One-liners for the CLI::

    export_attachments(store, "410200", "附件.xlsx", period="2026-2028")   # Attachment 1 + 2 workbook
    write_plan(store, "410200", "方案.md")   # the plan (+ .docx) and 方案-内部诊断.md (+ .docx)
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from iekg import textsafe
from iekg.graph.schema import compact_key
from iekg.graph.store import Store
from iekg.queries import cooperation
from iekg.queries.alignment import Scope, ScopeSums, Thresholds, alignment, public_only, rollup
from iekg.queries.gaps import GAP_TYPES, gaps
from iekg.queries.readiness import NOTICE, readiness
from iekg.settings import PACKAGE_DATA

RULES_FILE = PACKAGE_DATA / "rules" / "draft_rules.csv"
AGENCIES_FILE = PACKAGE_DATA / "rules" / "agencies.csv"
# Supply gaps (people) smaller than this are "minor": not drafted as rows of their own.  By default the gap
# ranking's own ``minor`` flag decides (IEKG_GAP_MIN_PEOPLE, one threshold for ranking and drafting); this is
# its default, used for gaps without the flag.  An assumption of ours, not the notice's.
DEFAULT_MIN_PEOPLE = Thresholds().gap_min_people
SUPPLY_TYPES = ("unmet_demand", "shortage", "surplus")
INTERNAL_SUFFIX = "-内部诊断"
REFERENCE_LABEL = "参考值（本工具假设，可在设置中修改）"
RULE_COLUMNS = ("gap_type", "metric", "task", "grouping", "max_rows", "list_max", "problem_template",
                "measure_template", "agencies", "problem_deadline", "measure_deadline", "basis")
# The city departments the notice addresses (its 主送: 发展改革委、教育局、工业和信息化局、财政局、
# 人力资源社会保障局、国有资产监督管理委员会); prefixed with the city name at runtime.
AGENCIES = ("发展改革委", "教育局", "工业和信息化局", "财政局", "人力资源社会保障局", "国资委")
GROUPINGS = ("each", "all", "chain")
TARGET_METRICS = ("policy_framework", "key_zones", "integration_industries", "provincial_iei_enterprises",
                  "high_level_training_bases", "leading_institutions", "leading_majors")

COMMON_FIELDS = frozenset({"city_name", "year", "count", "items", "items_detail", "gap"})
_INDUSTRY_FIELDS = frozenset({"industry_code", "industry_name", "supply", "demand", "ratio", "majors",
                               "majors_detail"})
TYPE_FIELDS: dict[str, frozenset[str]] = {
    "unmet_demand": _INDUSTRY_FIELDS,
    "shortage": _INDUSTRY_FIELDS,
    "surplus": _INDUSTRY_FIELDS,
    "uncovered_segment": frozenset({"chain_name", "segment_name"}),
    "no_cooperation": frozenset({"enterprise_name", "segment_name", "chain_name"}),
    "no_training_base": frozenset({"chain_name", "segment_count"}),
    "target_shortfall": frozenset({"target_name", "value", "threshold", "unit"}),
}

# The workbook: sheet names, titles, headers (row HEADER_ROW of each sheet), the notice's 注 lines.
HEADER_ROW = 2
SHEET1, SHEET2, SHEET3 = "附件1 问题清单", "附件2 政策清单", "依据 evidence"
TITLE1 = "附件1  产教融合改革问题清单"
TITLE2 = "附件2  产教融合试点政策清单"
HEADERS1 = ("序号", "主要问题", "解决时限")
HEADERS2 = ("序号", "政策内容", "责任部门", "完成时限")
HEADERS3 = ("附件", "序号", "来源", "缺口类型 gap type", "指标 metric", "排名 rank", "量级 magnitude",
            "对象 entity", "名称 name", "证据 evidence", "证据总数 evidence total", "依据 basis")
NOTE1 = "注：应在充分征求职业院校、高等学校和有关行业企业意见基础上编制问题清单。"
NOTE2 = "注：应在充分征求职业院校、高等学校和有关行业企业意见基础上编制政策清单。"
ILLUSTRATIVE_LINE = "示意数据：本稿基于示意（演示）数据生成，不是真实情况 (illustrative demo data)"
OWN = "city"

PLAN_SECTIONS = ("一、试点建设的背景和基础", "二、试点建设目标", "三、通过试点重点解决的问题",
                 "四、主要试点任务和改革举措", "五、市域内试点建设培育产教融合型行业和企业的举措",
                 "六、产教融合重大平台载体项目建设方案", "七、试点支持政策", "八、加强组织实施的主要举措")
CN_NUM = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


# ------------------------------------------------------------------------------- pilot period
_RELATIVE = re.compile(r"^第(\d)年(?:(\d{1,2})月|(底))$")
_ABSOLUTE = re.compile(r"^20\d\d年(\d{1,2}月|底)$")


@dataclass(frozen=True)
class Period:
    """The pilot period the drafted deadlines fall in (``--period 2026-2028``): first and last year."""

    start: int
    end: int

    @classmethod
    def parse(cls, value: Period | str | tuple[int, int] | None = None, *, today: date | None = None) -> Period:
        """``"2026-2028"`` (also ``2026—2028``, ``2026~2028年``, one year ``2026``), a (start, end) pair, or
        None: the default, three years from this year (from next year after June, when most of this
        year is gone)."""
        if isinstance(value, Period):
            return value
        if value is None:
            d = today or date.today()
            first = d.year + (1 if d.month > 6 else 0)
            return cls(first, first + 2)
        if isinstance(value, tuple):
            start, end = int(value[0]), int(value[1])
        else:
            years = re.findall(r"\d{4}", unicodedata.normalize("NFKC", str(value)))
            if not 1 <= len(years) <= 2 or re.sub(r"[\d\s年—–~至到\-]", "", str(value)):
                raise ValueError(f"pilot period {value!r}: write it as first-last year, e.g. 2026-2028")
            start, end = int(years[0]), int(years[-1])
        if not 2000 <= start <= end <= 2100 or end - start > 9:
            raise ValueError(f"pilot period {value!r}: the first year must not be after the last, within 10 years")
        return cls(start, end)

    @property
    def years(self) -> int:
        return self.end - self.start + 1

    @property
    def text(self) -> str:
        return f"{self.start}—{self.end}年" if self.end != self.start else f"{self.start}年"

    def deadline(self, spec: str) -> str:
        """A rule's deadline in this period: ``第2年6月`` → the second year's June (a year past the
        period's end is its last year); an absolute date (``2025年12月``) stays as written."""
        m = _RELATIVE.match(spec.strip())
        if not m:
            return spec
        year = min(self.start + int(m.group(1)) - 1, self.end)
        return f"{year}年{m.group(2)}月" if m.group(2) else f"{year}年底"

    def contains(self, deadline: str) -> bool:
        m = re.match(r"^(\d{4})年", deadline)
        return m is not None and self.start <= int(m.group(1)) <= self.end


def _check_deadline(spec: str) -> bool:
    m = _RELATIVE.match(spec)
    if m:
        return 1 <= int(m.group(1)) <= 9 and (m.group(3) is not None or 1 <= int(m.group(2)) <= 12)
    return bool(_ABSOLUTE.match(spec))


# ------------------------------------------------------------------------------------ agencies
def _agency_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def load_agencies(path: str | Path | None = None) -> dict[str, str]:
    """The canonical agency table (``iekg/data/rules/agencies.csv``): every variant (and canonical name)
    → the canonical department name (without a city prefix)."""
    p = Path(path) if path is not None else AGENCIES_FILE
    out: dict[str, str] = {}
    with p.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            canon = (row.get("canonical") or "").strip()
            if not canon:
                raise ValueError(f"{p} line {line}: canonical is empty")
            for v in [canon, *re.split(r"[;；]", row.get("variants") or "")]:
                if v.strip():
                    out[_agency_key(v)] = canon
    return out


_AGENCY_TABLE: dict[str, str] | None = None


def canonical_agency(name: str, city_name: str = "") -> str:
    """One spelling per department: ``开封市人力资源和社会保障局`` → ``开封市人力资源社会保障局``.  The city
    prefix (the city's name, with or without 市) is kept; a department not in the table stays as written."""
    global _AGENCY_TABLE
    if _AGENCY_TABLE is None:
        _AGENCY_TABLE = load_agencies()
    s = _agency_key(name)
    prefix = ""
    short = city_name.removesuffix("市")
    for p in (city_name, short):
        if p and s.startswith(p) and len(s) > len(p):
            prefix, s = city_name, s[len(p):]
            if p == short and p != city_name:
                s = s.removeprefix("市")
            break
    return prefix + _AGENCY_TABLE.get(s, s)


def canonical_agencies(names: Iterable[str], city_name: str = "") -> list[str]:
    """Canonical names, duplicates (after canonicalisation) dropped, first occurrence's order kept."""
    out: list[str] = []
    for n in names:
        c = canonical_agency(n, city_name)
        if c and c not in out:
            out.append(c)
    return out


# ------------------------------------------------------------------------------------ rule table
@dataclass(frozen=True)
class Rule:
    """One row of the rule table (see ``iekg/data/rules/README.md``)."""

    gap_type: str
    metric: str
    task: int
    grouping: str
    max_rows: int
    list_max: int
    problem_template: str
    measure_template: str
    agencies: tuple[str, ...]
    problem_deadline: str
    measure_deadline: str
    basis: str

    @property
    def key(self) -> tuple[str, str]:
        return self.gap_type, self.metric


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """Read and check a rule table (default: the shipped one).  Raises ``ValueError`` naming the row."""
    p = Path(path) if path is not None else RULES_FILE
    with p.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in RULE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{p}: missing columns {', '.join(missing)}")
        rules: list[Rule] = []
        seen: set[tuple[str, str]] = set()
        for line, row in enumerate(reader, start=2):
            v = {k: (row.get(k) or "").strip() for k in RULE_COLUMNS}

            def bad(msg: str, line: int = line) -> ValueError:
                return ValueError(f"{p} line {line}: {msg}")

            if v["gap_type"] not in TYPE_FIELDS:
                raise bad(f"unknown gap_type {v['gap_type']!r}")
            if v["gap_type"] == "target_shortfall" and not v["metric"]:
                raise bad("target_shortfall rows need a metric")
            if v["grouping"] not in GROUPINGS:
                raise bad(f"grouping must be one of {', '.join(GROUPINGS)}")
            if v["grouping"] == "chain" and v["gap_type"] != "uncovered_segment":
                raise bad("grouping 'chain' is for uncovered_segment only")
            try:
                task, max_rows, list_max = int(v["task"]), int(v["max_rows"] or 1), int(v["list_max"] or 0)
            except ValueError as exc:
                raise bad("task, max_rows and list_max must be integers") from exc
            if not 1 <= task <= 6:
                raise bad("task must be 1..6 (the notice's pilot tasks (一)–(六))")
            agencies = tuple(a.strip() for a in re.split(r"[;；]", v["agencies"]) if a.strip())
            unknown = [a for a in agencies if a not in AGENCIES]
            if not agencies or unknown:
                raise bad(f"agencies must be chosen from {'、'.join(AGENCIES)} (got {v['agencies']!r})")
            for col in ("problem_deadline", "measure_deadline"):
                if not _check_deadline(v[col]):
                    raise bad(f"{col} {v[col]!r}: write 第N年M月 / 第N年底 (year N of the pilot period) "
                              "or a date like 2025年12月")
            allowed = COMMON_FIELDS | TYPE_FIELDS[v["gap_type"]]
            for col in ("problem_template", "measure_template"):
                if not v[col]:
                    raise bad(f"{col} is empty")
                extra = _placeholders(v[col]) - allowed
                if extra:
                    raise bad(f"{col} uses unknown placeholders {sorted(extra)}; allowed: {sorted(allowed)}")
            rule = Rule(v["gap_type"], v["metric"], task, v["grouping"], max_rows, list_max,
                        v["problem_template"], v["measure_template"], agencies, v["problem_deadline"],
                        v["measure_deadline"], v["basis"])
            if rule.key in seen:
                raise bad(f"duplicate rule for {rule.key}")
            seen.add(rule.key)
            rules.append(rule)
    return rules


def _rule_index(rules: Sequence[Rule] | str | Path | None) -> dict[tuple[str, str], Rule]:
    loaded = load_rules(rules) if rules is None or isinstance(rules, str | Path) else list(rules)
    return {r.key: r for r in loaded}


# ------------------------------------------------------------------------------------- lookups
class _Names:
    """Names of the industries, chains and segments a draft mentions, and which chain a segment belongs to.

    Only what is asked is read: the given industries, the given chains with all their segments, and the
    given segments with their chains."""

    def __init__(self, store: Store, *, industries: Iterable[Any] = (), chains: Iterable[Any] = (),
                 segments: Iterable[Any] = ()) -> None:
        def ids(values: Iterable[Any]) -> list[str]:
            return sorted({str(v) for v in values if v is not None and v == v})

        def names(label: str, wanted: Iterable[Any]) -> dict[str, str]:
            f = store.node_frame(label, ["name"], ids=ids(wanted))
            return {str(i): str(n) for i, n in zip(f["id"], f["name"].fillna(f["id"]), strict=True)}

        part = pd.concat([
            store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=ids(chains)),
            store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", src_ids=ids(segments))])
        part = part.drop_duplicates().sort_values(["src", "dst"])
        self.industry = names("Industry", industries)
        self.chain = names("IndustryChain", [*chains, *part["dst"]])
        self.segment = names("ChainSegment", [*segments, *part["src"]])
        self.segment_chain = {str(a): str(b) for a, b in zip(part["src"], part["dst"], strict=True)}

    @classmethod
    def of_gaps(cls, store: Store, found: Iterable[dict[str, Any]], *, industries: Iterable[Any] = (),
                chains: Iterable[Any] = (), segments: Iterable[Any] = ()) -> _Names:
        """The names the drafting of ``found`` needs (its industries, chains and segments), and more."""
        inds, chs, segs = set(industries), set(chains), set(segments)
        for g in found:
            d = g.get("detail") or {}
            label, _, ident = str(g["entity"]).partition(":")
            inds.add(d.get("industry"))
            chs |= {d.get("chain"), ident if label == "IndustryChain" else None}
            segs |= {d.get("segment"), ident if label == "ChainSegment" else None}
        return cls(store, industries=inds - {None}, chains=chs - {None}, segments=segs - {None})

    def chain_of_segment(self, seg: str) -> str:
        c = self.segment_chain.get(seg, "")
        return self.chain.get(c, c)


def _people(x: Any) -> str:
    return f"{float(x):.0f}"


def _num(x: Any) -> str:
    if x is None:
        return ""
    x = float(x)
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.4g}"


def _norm(text: str) -> str:
    """Comparison form of a row's text: NFKC (全角 → 半角), no whitespace, no punctuation or symbols."""
    s = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZ")


def _similar(a: str, b: str) -> bool:
    """Two normalised texts say the same thing: equal, one contains the other (both at least 8
    characters), or at least 90 % alike (difflib), so a re-typed or slightly edited row still matches."""
    if a == b:
        return True
    if min(len(a), len(b)) < 8:
        return False
    if a in b or b in a:
        return True
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9


def _find_similar(key: str, seen: dict[str, Any]) -> Any:
    for k, v in seen.items():
        if _similar(key, k):
            return v
    return None


def _summary(g: dict[str, Any]) -> dict[str, Any]:
    return {"rank": g["rank"], "type": g["type"], "metric": (g.get("detail") or {}).get("metric"),
            "entity": g["entity"], "name": g["name"], "magnitude": g["magnitude"], "severity": g["severity"],
            "message": g["message"], "evidence": list(g["evidence"]),
            "evidence_total": g.get("evidence_total", len(g["evidence"]))}


# ------------------------------------------------------------------------------ drafting rows
@dataclass
class Candidate:
    """A drafted problem and measure from one rule and one or more gaps (members, best rank first)."""

    rule: Rule
    members: list[dict[str, Any]]
    problem: str
    measure: str
    agencies: list[str]
    majors: list[dict[str, Any]] = field(default_factory=list)  # {code, name, action: expand|cut, feeds}

    @property
    def order(self) -> int:
        return int(self.members[0]["rank"])

    @property
    def source(self) -> str:
        ranks = [m["rank"] for m in self.members]
        if len(ranks) == 1:
            return f"gap {self.rule.gap_type} #{ranks[0]}"
        shown = ", ".join(f"#{r}" for r in ranks[:3])
        return f"gap {self.rule.gap_type} {shown}{', …' if len(ranks) > 3 else ''} ({len(ranks)} gaps)"


@dataclass
class Feeding:
    """Which local majors feed which industries, by crosswalk weight: what a recommendation about a major
    must know so that it never contradicts another (a major feeding a shortage is never proposed for a
    cut) and can say which industries the major feeds.

    ``by_industry``: industry → its feeding majors ``{major, name, weight, supply}``, largest supply
    first (the gap's own ``feeding_majors`` when the gap ranking gives them, else from the scope's
    programs and the crosswalk); ``feeds``: major → ``[(industry, weight)]``, largest weight first;
    ``short``: the industries with a shortage or unmet demand (all of the scope's gaps, drafted or not)."""

    by_industry: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    feeds: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    major_names: dict[str, str] = field(default_factory=dict)
    industry_names: dict[str, str] = field(default_factory=dict)
    short: set[str] = field(default_factory=set)

    @classmethod
    def gather(cls, store: Store, scope: Scope, found: Sequence[dict[str, Any]]) -> Feeding:
        sums = ScopeSums.gather(store, scope)
        w = sums.weights.frame[["major", "industry", "weight"]]
        w = w[w["weight"] > 0]
        vol = sums.offers.groupby("major")["volume"].sum()
        vol = vol[vol > 0]
        sup = w[w["major"].isin(set(vol.index))].copy()
        sup["supply"] = sup["major"].map(vol).astype(float) * sup["weight"]
        by_industry: dict[str, list[dict[str, Any]]] = {}
        for ind, g in sup.sort_values(["industry", "supply", "major"], ascending=[True, False, True]).groupby("industry"):
            by_industry[str(ind)] = [{"major": str(m), "weight": float(x), "supply": float(s)}
                                     for m, x, s in zip(g["major"], g["weight"], g["supply"], strict=True)]
        for gap in found:
            listed = gap.get("feeding_majors")
            code = (gap.get("detail") or {}).get("industry")
            if code is not None and isinstance(listed, list) and listed:
                by_industry[str(code)] = [{"major": str(m["major"]), "weight": float(m.get("weight") or 0),
                                           "supply": float(m.get("supply") or 0), "name": m.get("name")}
                                          for m in listed]
        majors = sorted({m["major"] for ms in by_industry.values() for m in ms})
        wf = w[w["major"].isin(set(majors))].sort_values(["major", "weight", "industry"], ascending=[True, False, True])
        feeds = {str(m): [(str(i), float(x)) for i, x in zip(g["industry"], g["weight"], strict=True)]
                 for m, g in wf.groupby("major")}
        mn = store.node_frame("Major", ["name"], ids=majors)
        major_names = {str(i): str(n) for i, n in zip(mn["id"], mn["name"].fillna(mn["id"]), strict=True)}
        for ms in by_industry.values():
            for m in ms:
                if m.get("name"):
                    major_names.setdefault(m["major"], str(m["name"]))
        inds = sorted({i for fs in feeds.values() for i, _ in fs})
        f = store.node_frame("Industry", ["name"], ids=inds)
        short = {str((g.get("detail") or {}).get("industry")) for g in found if g["type"] in ("shortage", "unmet_demand")}
        return cls(by_industry, feeds, major_names,
                   {str(i): str(n) for i, n in zip(f["id"], f["name"].fillna(f["id"]), strict=True)}, short)

    def name(self, major: str) -> str:
        return self.major_names.get(major, major)

    def feeds_text(self, major: str, top: int = 3) -> str:
        """``34 通用设备制造业 0.3、35 专用设备制造业 0.25``: the industries the major feeds, by weight (the
        ``top`` largest; the row's ``majors`` record keeps them all)."""
        return "、".join(f"{i} {self.industry_names.get(i, '')} {x:g}".replace("  ", " ")
                        for i, x in self.feeds.get(major, [])[:top])

    def record(self, major: str, action: str) -> dict[str, Any]:
        return {"code": major, "name": self.name(major), "action": action,
                "feeds": [{"industry": i, "name": self.industry_names.get(i, ""), "weight": x}
                          for i, x in self.feeds.get(major, [])]}

    def feeds_shortage(self, major: str) -> bool:
        return any(i in self.short for i, _ in self.feeds.get(major, []))

    def cut_majors(self, industry: str) -> list[str]:
        """The majors feeding a surplus industry that may be proposed for a cut: those feeding no shortage."""
        return [m["major"] for m in self.by_industry.get(industry, []) if not self.feeds_shortage(m["major"])]


def is_minor(g: dict[str, Any], min_people: float | None = None) -> bool:
    """A gap too small to draft as a row of its own: a supply gap (people) below ``min_people`` when it is
    given; otherwise the ranking's ``minor`` flag (IEKG_GAP_MIN_PEOPLE), or below :data:`DEFAULT_MIN_PEOPLE`
    for a gap without the flag."""
    if min_people is None:
        if g.get("minor") is not None:
            return bool(g["minor"])
        min_people = DEFAULT_MIN_PEOPLE
    return g["type"] in SUPPLY_TYPES and float(g["magnitude"]) < min_people


def _without_programs(f: _Facts) -> tuple[list[str], int]:
    """The names (at most 50) and the number of the city's institutions without programs in the facts' year
    (alignment's data coverage)."""
    cov = (f.align.get("data_coverage") or {}).get("institutions") or {}
    ids = [str(i) for i in cov.get("without_programs") or []]
    inst = f.institutions
    names = dict(zip(inst["id"].astype(str), inst["name"].fillna(inst["id"]).astype(str), strict=False))
    return [names.get(i, i) for i in ids], int(cov.get("without_programs_total") or len(ids))


def _min_people(d: Draft, min_people: float | None) -> float:
    """The size below which a supply gap was not drafted: the given one, else the gap ranking's."""
    if min_people is not None:
        return min_people
    return float((d.gaps.get("ranking") or {}).get("gap_min_people", DEFAULT_MIN_PEOPLE))


def _item_name(g: dict[str, Any], names: _Names) -> str:
    if g["type"] in ("unmet_demand", "shortage", "surplus"):
        code = g["detail"]["industry"]
        return names.industry.get(code, str(g["name"]))
    return str(g["name"])


def _context(rule: Rule, members: list[dict[str, Any]], names: _Names, city_name: str,
             year: int | None, majors: Sequence[str] = (), feeding: Feeding | None = None) -> dict[str, str]:
    first = members[0]
    d = first.get("detail") or {}
    # a grouped row lists its largest members (the group's place in the list is its best rank)
    by_size = members if rule.grouping == "each" else sorted(members, key=lambda g: (-float(g["magnitude"]), g["rank"]))
    listed = by_size[: rule.list_max] if rule.list_max > 0 else by_size
    items = [_item_name(g, names) for g in listed]
    ctx: dict[str, str] = {
        "city_name": city_name, "year": "" if year is None else str(year), "count": str(len(members)),
        "items": "、".join(items), "items_detail": "、".join(items),
        "gap": _num(sum(float(g["magnitude"]) for g in members)),
    }
    kind = rule.gap_type
    if kind in ("unmet_demand", "shortage", "surplus"):
        ctx.update(industry_code=str(d["industry"]), industry_name=_item_name(first, names),
                   supply=_people(d["supply"]), demand=_people(d["demand"]),
                   ratio="" if d.get("ratio") is None else f"{float(d['ratio']):.2f}",
                   gap=_people(sum(float(g["magnitude"]) for g in members)))
        ctx["items_detail"] = "、".join(
            f"{_item_name(g, names)}（供给约{_people(g['detail']['supply'])}人、需求约{_people(g['detail']['demand'])}人）"
            for g in listed)
        fd = feeding or Feeding()
        ctx["majors"] = "、".join(fd.name(m) for m in majors) or "相关"
        ctx["majors_detail"] = "；".join(f"{fd.name(m)}对口{fd.feeds_text(m)}" for m in majors[:3]) or "对口专业待核实"
    elif kind == "uncovered_segment":
        chain = str(d.get("chain", ""))
        ctx.update(chain_name=names.chain.get(chain, chain), segment_name=str(first["name"]))
    elif kind == "no_cooperation":
        seg = str(d.get("segment", ""))
        ctx.update(enterprise_name=str(first["name"]), segment_name=names.segment.get(seg, seg),
                   chain_name=names.chain_of_segment(seg))
    elif kind == "no_training_base":
        ctx.update(chain_name=str(first["name"]), segment_count=_num(first["magnitude"]))
    elif kind == "target_shortfall":
        ctx.update(target_name=str(first["name"]), value=_num(d.get("value")), threshold=_num(d.get("threshold")),
                   unit=str(d.get("unit") or ""))
    return ctx


def _rule_for(g: dict[str, Any], rules: dict[tuple[str, str], Rule]) -> Rule | None:
    if g["type"] == "target_shortfall":
        return rules.get((g["type"], str((g.get("detail") or {}).get("metric") or "")))
    return rules.get((g["type"], ""))


def draft_candidates(found: Sequence[dict[str, Any]], rules: dict[tuple[str, str], Rule], names: _Names,
                     city_name: str, year: int | None, feeding: Feeding | None = None, *,
                     min_people: float | None = None, skipped: list[dict[str, Any]] | None = None,
                     ) -> list[Candidate]:
    """Group the ranked gaps by rule (each / all / chain) and fill the templates; best rank first.

    Minor gaps (:func:`is_minor`) are not drafted.  A surplus is drafted only with the majors that may be
    cut (those feeding no shortage, :meth:`Feeding.cut_majors`); a surplus fed only by majors that also
    feed a shortage is not drafted at all.  What is left out, and why, is appended to ``skipped``."""
    fd = feeding or Feeding()
    skip = skipped if skipped is not None else []
    groups: dict[tuple[Any, ...], tuple[Rule, list[dict[str, Any]]]] = {}
    per_rule: dict[tuple[str, str], int] = {}
    for g in sorted(found, key=lambda x: x["rank"]):
        rule = _rule_for(g, rules)
        if rule is None:
            continue
        if is_minor(g, min_people):
            skip.append({"rank": g["rank"], "type": g["type"], "name": g["name"],
                         "reason": f"规模小于{min_people:g}人（次要缺口）" if min_people is not None else "次要缺口"})
            continue
        if g["type"] == "surplus" and not fd.cut_majors(str(g["detail"]["industry"])):
            skip.append({"rank": g["rank"], "type": g["type"], "name": g["name"],
                         "reason": "对口专业同时支撑本市短缺行业，不建议压减"})
            continue
        if rule.grouping == "all":
            key: tuple[Any, ...] = (rule.key,)
        elif rule.grouping == "chain":
            key = (rule.key, (g.get("detail") or {}).get("chain"))
        else:
            key = (rule.key, g["entity"])
        if key not in groups:
            if per_rule.get(rule.key, 0) >= rule.max_rows:
                continue
            per_rule[rule.key] = per_rule.get(rule.key, 0) + 1
            groups[key] = (rule, [])
        groups[key][1].append(g)
    out = []
    for rule, members in groups.values():
        majors, action = _row_majors(rule, members, fd)
        ctx = _context(rule, members, names, city_name, year, majors, fd)
        out.append(Candidate(rule, members, rule.problem_template.format_map(ctx),
                             rule.measure_template.format_map(ctx), [city_name + a for a in rule.agencies],
                             [fd.record(m, action) for m in majors]))
    out.sort(key=lambda c: c.order)
    return out


def _row_majors(rule: Rule, members: list[dict[str, Any]], fd: Feeding) -> tuple[list[str], str]:
    """The majors a row names: for a shortage the largest feeders of its industry (to expand); for a
    surplus the cut-able feeders of its industries, largest supply first (at most 3)."""
    cap = 3  # every named major gets its rationale (the industries it feeds) in the text
    if rule.gap_type == "shortage":
        inds = [str(g["detail"]["industry"]) for g in members]
        ms = [m["major"] for i in inds for m in fd.by_industry.get(i, [])]
        return list(dict.fromkeys(ms))[:3], "expand"
    if rule.gap_type == "surplus":
        supply: dict[str, float] = {}
        for g in members:
            ind = str(g["detail"]["industry"])
            ok = set(fd.cut_majors(ind))
            for m in fd.by_industry.get(ind, []):
                if m["major"] in ok:
                    supply[m["major"]] = supply.get(m["major"], 0.0) + float(m["supply"])
        return sorted(supply, key=lambda m: (-supply[m], m))[:cap], "cut"
    return [], ""


def _seq_key(n: Any) -> tuple[int, str]:
    seq = n.props.get("seq")
    try:
        return int(seq), n.id
    except (TypeError, ValueError):
        return 1 << 30, n.id


def own_rows(store: Store, city: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The city's own loaded Attachment 1 and 2 rows, in 序号 order, numbered 1..n.  The 责任部门 cell is
    kept as the city wrote it unless it names a department in another spelling (人力资源和社会保障局 →
    人力资源社会保障局, the canonical agency table), then it is rewritten with the canonical names."""
    cu = f"City:{city}"
    city_node = store.get(cu)
    city_name = city_node.name if city_node is not None else ""
    problems = sorted((n for _, n in store.neighbours(cu, ["RAISES"], "out")), key=_seq_key)
    measures = sorted((n for _, n in store.neighbours(cu, ["PROPOSES"], "out")), key=_seq_key)
    rows1: list[dict[str, Any]] = []
    seq_of: dict[str, int] = {}
    for i, n in enumerate(problems, 1):
        seq_of[n.uid] = i
        rows1.append({"序号": i, "主要问题": str(n.props.get("problem", "")),
                      "解决时限": str(n.props.get("deadline") or ""), "来源": OWN, "node": n.uid,
                      "seq": n.props.get("seq"), "gaps": [], "rule": None})
    rows2 = []
    for i, n in enumerate(measures, 1):
        rels = store.neighbours(n.uid, ["RESPONSIBLE", "ADDRESSES"], "out")
        stored = n.props.get("agency")  # the cell as written, when the loader keeps it
        if isinstance(stored, list):
            agencies = [str(a) for a in stored]
        elif stored:
            agencies = [a for a in re.split(r"[、;；,，]", str(stored)) if a]
        else:
            agencies = [o.name for r, o in rels if r.type == "RESPONSIBLE"]
        canon = canonical_agencies(agencies, city_name)
        cell = str(stored) if isinstance(stored, str) and stored and canon == agencies else "、".join(canon)
        agencies = canon
        addressed = sorted(seq_of[o.uid] for r, o in rels if r.type == "ADDRESSES" and o.uid in seq_of)
        rows2.append({"序号": i, "政策内容": str(n.props.get("content", "")), "责任部门": cell,
                      "完成时限": str(n.props.get("deadline") or ""), "来源": OWN, "node": n.uid,
                      "seq": n.props.get("seq"), "agencies": agencies, "problem_seq": addressed,
                      "gaps": [], "rule": None})
    return rows1, rows2


@dataclass
class Draft:
    """Everything drafted for one city (what ``attachments`` returns, and more for the plan)."""

    city: str
    city_name: str
    year: int | None
    gaps: dict[str, Any]
    rows1: list[dict[str, Any]]
    rows2: list[dict[str, Any]]
    candidates: list[Candidate] = field(default_factory=list)
    rules: dict[tuple[str, str], Rule] = field(default_factory=dict)
    period: Period = field(default_factory=lambda: Period.parse(None))
    skipped: list[dict[str, Any]] = field(default_factory=list)  # gaps not drafted, with the reason
    feeding: Feeding = field(default_factory=Feeding)

    def deadline(self, spec: str) -> str:
        return self.period.deadline(spec)


def _rule_info(rule: Rule) -> dict[str, Any]:
    return {"gap_type": rule.gap_type, "metric": rule.metric or None, "task": rule.task, "basis": rule.basis}


def parse_types(types: Iterable[str] | str | None) -> tuple[str, ...] | None:
    if types is None:
        return None
    items = [x.strip() for x in (re.split(r"[,，;；\s]+", types) if isinstance(types, str) else types) if x.strip()]
    unknown = [x for x in items if x not in GAP_TYPES]
    if unknown:
        raise ValueError(f"unknown gap type(s) {', '.join(unknown)}: choose from {', '.join(GAP_TYPES)}")
    return tuple(items) or None


def compose(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
            rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
            types: Iterable[str] | str | None = None, min_people: float | None = None) -> Draft:
    """Own rows first, then up to ``max_generated`` drafted rows (best gap rank first), renumbered.

    ``period`` (``"2026-2028"``; default :meth:`Period.parse`) dates the drafted deadlines; ``types``
    (gap types, e.g. ``("shortage", "target_shortfall")``) chooses which gaps are drafted; supply gaps
    below ``min_people`` are not drafted.  A drafted problem or measure that says what an own row (or an
    earlier drafted row) says — compared after normalising spaces, punctuation and full-width forms, and
    allowing small edits — is not repeated; a drafted measure whose problem is an own row points to it."""
    node = store.get(f"City:{city}")
    if node is None:
        raise LookupError(f"city {city} is not in the graph")
    city_name = node.name
    per = Period.parse(period)
    wanted = parse_types(types)
    scope = Scope((city,), year, name=city_name)
    found = gaps(store, scope)
    feeding = Feeding.gather(store, scope, found["gaps"])
    index = _rule_index(rules)
    chosen = [g for g in found["gaps"] if wanted is None or g["type"] in wanted]
    skipped: list[dict[str, Any]] = []
    cands = draft_candidates(chosen, index, _Names.of_gaps(store, chosen), city_name, found["year"], feeding,
                             min_people=min_people, skipped=skipped)
    rows1, rows2 = own_rows(store, city)
    texts1: dict[str, int] = {_norm(r["主要问题"]): r["序号"] for r in rows1}
    texts2: dict[str, int] = {_norm(r["政策内容"]): r["序号"] for r in rows2}
    taken = 0
    for c in cands:
        if taken >= max_generated:
            break
        p_key, m_key = _norm(c.problem), _norm(c.measure)
        pseq = _find_similar(p_key, texts1)
        mseq = _find_similar(m_key, texts2)
        if pseq is not None and mseq is not None:
            continue  # already on the city's lists (or drafted), perhaps in other words
        taken += 1
        gap_rows = [_summary(g) for g in c.members]
        if pseq is None:
            pseq = len(rows1) + 1
            texts1[p_key] = pseq
            rows1.append({"序号": pseq, "主要问题": c.problem, "解决时限": per.deadline(c.rule.problem_deadline),
                          "来源": c.source, "node": None, "seq": None, "gaps": gap_rows, "rule": _rule_info(c.rule),
                          "majors": c.majors})
        if mseq is None:
            texts2[m_key] = len(rows2) + 1
            rows2.append({"序号": len(rows2) + 1, "政策内容": c.measure, "责任部门": "、".join(c.agencies),
                          "完成时限": per.deadline(c.rule.measure_deadline), "来源": c.source, "node": None,
                          "seq": None, "agencies": list(c.agencies), "problem_seq": [pseq], "gaps": gap_rows,
                          "rule": _rule_info(c.rule), "majors": c.majors})
    return Draft(city, city_name, found["year"], found, rows1, rows2, cands, index, per, skipped, feeding)


def attachments(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
                rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
                types: Iterable[str] | str | None = None, min_people: float | None = None,
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Attachment 1 rows (序号, 主要问题, 解决时限) and Attachment 2 rows (序号, 政策内容, 责任部门, 完成时限).

    Every row also has ``来源`` (``"city"`` for the city's own rows, else ``"gap <type> #<rank>…"``),
    ``gaps`` (the gaps behind a drafted row: rank, type, metric, entity, name, magnitude, evidence …),
    ``rule`` (gap_type, metric, task, basis) and ``node`` (the own row's Problem/Measure uid); Attachment
    2 rows also ``agencies`` (list) and ``problem_seq`` (the Attachment 1 序号 they address).  Drafted rows
    also carry ``majors``: the majors the row proposes to expand or cut, each with the industries it
    feeds (``feeds``: industry, name, weight).  See :func:`compose` for ``period``, ``types``, ``min_people``.
    """
    d = compose(store, city, year=year, max_generated=max_generated, rules=rules, period=period, types=types,
                min_people=min_people)
    return d.rows1, d.rows2


# -------------------------------------------------------------------------- illustrative data?
def _located(store: Store, label: str, city: str) -> set[str]:
    """The ids of the nodes of ``label`` located directly in ``city``."""
    return set(store.rel_frame("LOCATED_IN", src_label=label, dst_label="City", dst_ids=[city])["src"])


def uses_illustrative_data(store: Store, city: str) -> bool:
    """True when the city's figures come (at least in part) from illustrative data (the demo).

    Looks at the city's institutions' OFFERS edges, its enterprises, its talent demand, focus chains,
    training bases and its own Attachment rows: any ``source_kind == "illustrative"`` counts."""
    illustrative = {"source_kind": "illustrative"}

    def located(label: str) -> list[str]:
        return sorted(_located(store, label, city))

    if len(store.rel_frame("OFFERS", src_label="Institution", src_ids=located("Institution"), where=illustrative)):
        return True
    for label in ("Enterprise", "TrainingBase"):
        nodes = store.node_frame(label, ["source_kind"], ids=located(label))
        if (nodes["source_kind"] == "illustrative").any():
            return True
    for src_label in ("City", "Enterprise"):
        if len(store.rel_frame("DEMANDS", src_label=src_label, where={"city_code": city, **illustrative})):
            return True
    if len(store.rel_frame("FOCUSES_ON", src_label="City", src_ids=[city], where=illustrative)):
        return True
    own = store.neighbours(f"City:{city}", ["RAISES", "PROPOSES"], "out")
    return any(n.props.get("source_kind") == "illustrative" for _, n in own)


# ----------------------------------------------------------------------------------- workbook
LINE_POINTS = 16.0  # one wrapped line of 11 pt text, with CJK fallback fonts (LibreOffice, WPS, Excel)
MAX_ROW_POINTS = 409.0  # Excel's largest row height


def _text_units(s: str) -> float:
    """Width of a line in Excel column units: wide (CJK, full-width) characters count 2, others 1.1."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in s)


def _lines(value: Any, width: float) -> int:
    """How many lines ``value`` wraps to in a column ``width`` units wide (at least 1)."""
    if value is None or value == "":
        return 1
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(_text_units(part) / usable)) for part in str(value).split("\n"))


def _row_height(values: Sequence[Any], widths: Sequence[float]) -> float:
    """A row height (points) that shows every wrapped cell whole: the tallest cell's lines, plus padding."""
    n = max((_lines(v, w) for v, w in zip(values, widths, strict=False)), default=1)
    return min(MAX_ROW_POINTS, n * LINE_POINTS + 6.0)


def write_attachments_xlsx(rows1: Sequence[dict[str, Any]], rows2: Sequence[dict[str, Any]], path: str | Path, *,
                           city_name: str, illustrative: bool) -> Path:
    """Write Attachment 1 and 2 (and the evidence sheet) to one workbook.

    Each sheet: row 1 the title, **row 2 the header** (exactly 序号 / 主要问题 / 解决时限 and 序号 / 政策内容
    / 责任部门 / 完成时限), the rows from row 3, then the notice's 注 line and — for illustrative data — the
    line ``ILLUSTRATIVE_LINE`` (bold red).  Sheet 3 ``依据 evidence`` lists, per row and gap, the gap
    type, rank, magnitude and evidence ids (header also in row 2)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    warn_font = Font(bold=True, color="C00000", size=12)
    warn_fill = PatternFill("solid", fgColor="FFF2CC")

    wb = Workbook()
    ws1 = wb.active
    assert ws1 is not None
    ws1.title = SHEET1
    ws2 = wb.create_sheet(SHEET2)
    ws3 = wb.create_sheet(SHEET3)
    wb.properties.title = f"{city_name}建设省级产教融合型城市试点 附件1、附件2"
    wb.properties.creator = "iekg"

    def sheet(ws: Any, title: str, headers: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[Any]],
              note: str, centered: set[int]) -> None:
        ncol = len(headers)
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws.row_dimensions[1].height = max(28.0, _row_height([title], [sum(widths) * 0.75]))  # 14 pt title
        ws.row_dimensions[HEADER_ROW].height = _row_height(headers, widths)
        for j, h in enumerate(headers, 1):
            c = ws.cell(row=HEADER_ROW, column=j, value=h)
            c.font = Font(bold=True)
            c.alignment = center
            c.border = box
            c.fill = PatternFill("solid", fgColor="D9E1F2")
        for i, values in enumerate(rows, HEADER_ROW + 1):
            for j, v in enumerate(values, 1):
                c = textsafe.xlsx_cell(ws, i, j, v)  # data, never a formula (iekg.textsafe)
                c.alignment = center if j in centered else wrap
                c.border = box
            # a set height per row, so that wrapped text neither overlaps the next row nor is cut off
            ws.row_dimensions[i].height = _row_height(values, widths)
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = w
        r = HEADER_ROW + len(rows) + 1
        ws.cell(row=r, column=1, value=note).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
        ws.row_dimensions[r].height = max(30.0, _row_height([note], [sum(widths)]))
        last = r
        if illustrative:
            c = ws.cell(row=r + 1, column=1, value=ILLUSTRATIVE_LINE)
            c.font = warn_font
            c.fill = warn_fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
            ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=ncol)
            ws.row_dimensions[r + 1].height = max(30.0, _row_height([ILLUSTRATIVE_LINE], [sum(widths) * 0.9]))
            last = r + 1
            ws.sheet_properties.tabColor = "C00000"
            ws.oddHeader.center.text = "示意数据 illustrative — 不是真实情况"
        ws.oddFooter.center.text = f"{city_name}建设省级产教融合型城市试点 — 第 &P 页"
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
        # print: A4 landscape, the table fit to the page width, the header row repeated on every page
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.print_area = f"A1:{get_column_letter(ncol)}{last}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.8  # inches; room for the page header and footer
        ws.page_margins.header = ws.page_margins.footer = 0.35

    sheet(ws1, TITLE1, HEADERS1, (8, 72, 16),
          [(r["序号"], r["主要问题"], r["解决时限"]) for r in rows1], NOTE1, {1, 3})
    sheet(ws2, TITLE2, HEADERS2, (8, 72, 34, 16),
          [(r["序号"], r["政策内容"], r["责任部门"], r["完成时限"]) for r in rows2], NOTE2, {1, 4})
    sheet(ws3, f"依据 evidence — {city_name}：附件各行对应的缺口与证据（供核对，不随申报材料报送）", HEADERS3,
          (8, 6, 26, 18, 22, 8, 12, 28, 30, 70, 10, 50), evidence_rows(rows1, rows2),
          "说明：来源 city 为本市已有清单中的行；其余各行由 iekg 根据图谱缺口 (iekg gaps) 按规则表 draft_rules.csv "
          "起草，证据为图谱中的节点或关系标识，可用 iekg show 查看。", {1, 2, 6})
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def evidence_rows(rows1: Sequence[dict[str, Any]], rows2: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows of the ``依据 evidence`` sheet: one per (attachment row, gap); own rows once, with their node."""
    out: list[tuple[Any, ...]] = []
    for att, rows in (("附件1", rows1), ("附件2", rows2)):
        for r in rows:
            rule = r.get("rule") or {}
            if not r.get("gaps"):
                out.append((att, r["序号"], r["来源"], None, None, None, None, r.get("node"), None, None, None,
                            "本市已有清单 (city's own list)" if r["来源"] == OWN else None))
                continue
            for g in r["gaps"]:
                out.append((att, r["序号"], r["来源"], g["type"], g.get("metric"), g["rank"],
                            round(float(g["magnitude"]), 2), g["entity"], g["name"],
                            "\n".join(compact_key(k) for k in g["evidence"]),
                            g.get("evidence_total"), rule.get("basis")))
    return out


def export_attachments(store: Store, city: str, path: str | Path, *, year: int | None = None,
                       max_generated: int = 10, rules: Sequence[Rule] | str | Path | None = None,
                       period: Period | str | None = None, types: Iterable[str] | str | None = None,
                       min_people: float | None = None) -> dict[str, Any]:
    """Draft and write the Attachment 1 + 2 workbook; returns a summary (for the CLI)."""
    d = compose(store, city, year=year, max_generated=max_generated, rules=rules, period=period, types=types,
                min_people=min_people)
    illustrative = uses_illustrative_data(store, city)
    out = write_attachments_xlsx(d.rows1, d.rows2, path, city_name=d.city_name, illustrative=illustrative)
    return {"path": str(out), "city": city, "city_name": d.city_name, "year": d.year,
            "illustrative": illustrative, "problems": len(d.rows1), "measures": len(d.rows2),
            "own_problems": sum(1 for r in d.rows1 if r["来源"] == OWN),
            "own_measures": sum(1 for r in d.rows2 if r["来源"] == OWN),
            "drafted_problems": sum(1 for r in d.rows1 if r["来源"] != OWN),
            "drafted_measures": sum(1 for r in d.rows2 if r["来源"] != OWN),
            "period": [d.period.start, d.period.end], "skipped": d.skipped}


# -------------------------------------------------------------------------------------- the plan
def _cell(v: Any) -> str:
    return textsafe.md_cell(v)  # user text stays text in its cell (iekg.textsafe)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str = "") -> list[str]:
    out = ["| " + " | ".join(headers) + " |",
           "| " + " | ".join("---:" if k < len(align) and align[k] == "r" else "---" for k in range(len(headers))) + " |"]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out + [""]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _fmt(x: Any, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return "—"
    return f"{float(x):,.{digits}f}"


def _text(v: Any, empty: str = "—") -> str:
    """A value as text for the drafts: None, NaN and empty become ``empty`` (never "None" or "nan")."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return empty
    s = str(v).strip()
    return empty if s in ("", "nan", "NaN", "None", "<NA>", "NaT") else s


def _met(v: bool | None) -> str:
    return "无法判断" if v is None else ("是" if v else "否")


def _status(item: dict[str, Any]) -> str:
    """The item's own status; for an either/or member, also whether the group is met."""
    own = _met(item["met"])
    if item.get("any_of") and item.get("group_met") is not None and item.get("group_met") != item["met"]:
        own += "（“或”条件" + ("已满足" if item["group_met"] else "未满足") + "）"
    return own


class _Facts:
    """The city's figures the plan quotes, read from the graph once (only the city's: every read is
    filtered by the store to the city, its institutions, enterprises and training bases)."""

    def __init__(self, store: Store, city: str, year: int | None) -> None:
        self.store = store
        self.city = city
        node = store.get(f"City:{city}")
        if node is None:
            raise LookupError(f"city {city} is not in the graph")
        self.node = node
        self.scope = Scope((city,), year, name=node.name)

        def here(label: str, props: list[str]) -> pd.DataFrame:
            return store.node_frame(label, props, ids=sorted(_located(store, label, city))).sort_values("id")

        self.institutions = here("Institution", ["name", "level", "ownership"])
        self.enterprises = here("Enterprise", ["name", "employees", "iei_level"]).copy()
        self.enterprises["employees"] = pd.to_numeric(self.enterprises["employees"], errors="coerce")
        self.bases = here("TrainingBase", ["name", "kind", "level", "stations"])
        self.platforms = here("Platform", ["name", "kind"])
        insts, ents = sorted(self.institutions["id"]), sorted(self.enterprises["id"])
        joined = {str(a) for label, orgs in (("Institution", insts), ("Enterprise", ents))
                  for a in store.rel_frame("MEMBER_OF", src_label=label, src_ids=orgs)["dst"]}
        self.alliances = store.node_frame("Alliance", ["name", "kind"],
                                          ids=sorted(_located(store, "Alliance", city) | joined)).sort_values("id")
        part = store.rel_frame("PART_OF", src_label="Zone", dst_label="City", dst_ids=[city])
        self.zones = store.node_frame("Zone", ["name", "kind"], ids=sorted(part["src"])).sort_values("id")
        coop_props = ["type", "students", "status"]
        coop = pd.concat([  # the cooperation of the city's institutions, and with the city's enterprises
            store.rel_frame("COOPERATES_WITH", coop_props, src_label="Institution", src_ids=insts),
            store.rel_frame("COOPERATES_WITH", coop_props, dst_label="Enterprise", dst_ids=ents)], ignore_index=True)
        coop["_type"] = coop["type"].fillna("")
        coop = coop.drop_duplicates(["src", "dst", "_type"]).sort_values(["src", "dst", "_type"]).drop(
            columns="_type")
        # the plan counts ongoing cooperations only (iekg.queries.cooperation); ended and not-begun ones apart
        live = cooperation.counted(coop["status"])
        self.coop = coop[live]
        self.coop_left_out = coop[~live]
        focus = store.rel_frame("FOCUSES_ON", ["level", "integration_industry"], src_label="City", src_ids=[city])
        self.focus = focus.sort_values("dst")
        ap = store.rel_frame("APPLIES_TO", dst_label="City", dst_ids=[city])
        self.policies = store.node_frame("Policy", ["title", "date", "status"], ids=sorted(ap["src"])).sort_values("id")
        self.align = alignment(store, self.scope)
        self.ready = readiness(store, city, year)
        self.year = self.align["year"]
        self.year_text = f"{self.year}年" if self.year is not None else ""
        self.programs = store.rel_frame("OFFERS", ["year", "graduates", "enrollment"], src_label="Institution",
                                        src_ids=insts, where={"year": self.year})
        ins = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", src_ids=ents)
        self.ent_industry = dict(zip(ins["src"], ins["dst"], strict=True))
        seg = store.rel_frame("IN_SEGMENT", ["role"], src_label="Enterprise", src_ids=ents)
        self.ent_segment = {a: (b, r) for a, b, r in zip(seg["src"], seg["dst"], seg["role"], strict=True)}
        bases = sorted(self.bases["id"])
        self.serves = store.rel_frame("SERVES", src_label="TrainingBase", src_ids=bases).sort_values(["src", "dst"])
        op = store.rel_frame("OPERATED_BY", src_label="TrainingBase", src_ids=bases).sort_values(["src", "dst"])
        org_names: dict[str, str] = {}
        for label in ("Institution", "Enterprise"):
            nf = store.node_frame(label, ["name"], ids=sorted(set(op["dst"])))
            org_names.update(zip(nf["id"].astype(str), nf["name"].fillna(nf["id"]).astype(str), strict=True))
        self.operator = {str(a): org_names.get(str(b), str(b)) for a, b in zip(op["src"], op["dst"], strict=True)}

    def names(self, found: Iterable[dict[str, Any]]) -> _Names:
        """The names the plan quotes: of the gaps, the focus chains (and their segments), the enterprises'
        industries and segments, and what the training bases serve (an industry or a segment)."""
        served = list(self.serves["dst"])
        return _Names.of_gaps(self.store, found, industries=[*self.ent_industry.values(), *served],
                              chains=self.focus["dst"], segments=[*(s for s, _ in self.ent_segment.values()), *served])

    def item(self, metric: str) -> dict[str, Any] | None:
        return next((i for i in self.ready["items"] if i["metric"] == metric), None)


def _chain_stats(f: _Facts, names: _Names) -> list[dict[str, Any]]:
    """Per focus chain: level, integration industry, local enterprises (and how many cooperate), bases."""
    coop_ents = set(f.coop["dst"])
    served = set(f.serves["dst"])
    served_inds = set(rollup(f.serves["dst"])) if len(f.serves) else set()
    focus_segs = sorted(s for s, c in names.segment_chain.items() if c in set(f.focus["dst"]))
    maps = f.store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=focus_segs)
    seg_inds: dict[str, set[str]] = {}
    for seg, ind in zip(maps["src"], rollup(maps["dst"]) if len(maps) else [], strict=True):
        seg_inds.setdefault(str(seg), set()).add(str(ind))
    out = []
    for chain, level, ii in zip(f.focus["dst"], f.focus["level"], f.focus["integration_industry"], strict=True):
        segs = {s for s, c in names.segment_chain.items() if c == chain}
        ents = [e for e in f.enterprises["id"] if f.ent_segment.get(e, ("", ""))[0] in segs]
        # a segment is served by a base serving it or one of the industries it maps to (as in gaps.py)
        with_base = {s for s in segs if s in served or seg_inds.get(s, set()) & served_inds}
        out.append({"chain": chain, "name": names.chain.get(chain, chain), "level": level if isinstance(level, str) else "",
                    "integration_industry": bool(ii) if not pd.isna(ii) else False,
                    "segments": len(segs), "enterprises": len(ents),
                    "cooperating": sum(1 for e in ents if e in coop_ents),
                    "bases": len(with_base)})
    return out


def _section1(f: _Facts, names: _Names, out: list[str]) -> None:
    a, p = f.align, f.node.props
    city = f.node.name
    out += [f"## {PLAN_SECTIONS[0]}", "", "### （一）经济社会发展总体情况", ""]
    facts = []
    for key, label, unit in (("gdp", "地区生产总值", "亿元"), ("GDP", "地区生产总值", "亿元"),
                             ("population", "常住人口", "万人")):
        if p.get(key) not in (None, ""):
            facts.append(f"{label}{p[key]}{unit}")
    out += [f"{city}{'，'.join(facts)}。" if facts else
            f"（图谱中暂无{city}地区生产总值、常住人口等经济社会数据，请结合统计公报补充。）", ""]
    pilot = pilot_fact(f.node.props, city)
    if pilot:
        out += [pilot, ""]

    out += ["### （二）重点产业基础支撑", ""]
    stats = _chain_stats(f, names)
    if stats:
        chains = "、".join(f"{s['name']}（{s['level'] or '重点'}）" for s in stats)
        n_ii = sum(1 for s in stats if s["integration_industry"])
        out += [f"{city}重点发展的产业链{len(stats)}条：{chains}；其中已明确为产教融合型行业的{n_ii}条。", ""]
    else:
        out += [f"图谱中暂无{city}重点发展的产业链（城市重点产业链表），请补充。", ""]
    e = f.enterprises
    lv = e["iei_level"].value_counts()
    out += [f"图谱收录{city}企业{len(e)}家，从业人员合计{_fmt(e['employees'].sum())}人；其中国家级产教融合型企业"
            f"{int(lv.get('国家级', 0))}家、省级{int(lv.get('省级', 0))}家、进入省级培育名单{int(lv.get('省级培育', 0))}家、"
            f"市级{int(lv.get('市级', 0))}家。", ""]

    out += ["### （三）教育人才资源条件", ""]
    # the institutions of the user's data: those only in the public lists are named apart, not as missing
    public = public_only(f.store, f.scope)[0]
    yours = f.institutions[~f.institutions["id"].astype(str).isin(public)]
    levels = yours["level"].fillna("未注明").value_counts()
    lv_text = "、".join(f"{k}{int(v)}所" for k, v in levels.items())
    grads = pd.to_numeric(f.programs["graduates"], errors="coerce")
    enrol = pd.to_numeric(f.programs["enrollment"], errors="coerce")
    emp = f.item("condition_graduate_employment")
    line = f"{city}共有院校{len(yours)}所（{lv_text or '无'}）。"
    if public:
        line += f"（另有{len(public)}所院校只在公开名单中、本次数据未涉及，不计入以下数字。）"
    missing, n_missing = _without_programs(f)
    if n_missing:  # missing data is not zero: say whose figures the totals below are
        shown = "、".join(missing[:10]) + ("等" if n_missing > 10 else "")
        line += (f"其中{len(yours) - n_missing}所有{f.year_text}专业点数据，以下专业点、在校生和毕业生数"
                 f"只来自这些院校；另有{n_missing}所暂无专业点数据（{textsafe.md_text(shown)}），待补充。")
    def total(x: pd.Series) -> str:  # no figure at all is no data, not 0
        return f"{_fmt(x.sum())}人" if x.notna().any() else "无数据"

    line += f"{f.year_text}开设专业点{len(f.programs)}个，在校生{total(enrol)}，毕业生{total(grads)}"
    if a["estimated_programs"]:
        line += f"（另有{a['estimated_programs']}个专业点无毕业生数，按在校生/学制估算供给）"
    nofig = (a.get("data_coverage") or {}).get("programs") or {}
    if nofig.get("without_figures"):  # a fact without its figure is no figures, never 0
        listed = nofig.get("without_figures_listed") or []
        shown = "、".join(f"{x['institution_name']}{x['major_name']}" for x in listed[:10])
        more = "等" if nofig["without_figures"] > min(10, len(listed)) else ""
        line += (f"（其中{nofig['without_figures']}个专业点没有在校生或毕业生数：{textsafe.md_text(shown)}{more}，"
                 f"其供给按无数据处理，不计为0，待补充）")
    if emp and emp["value"] is not None:
        line += f"，按毕业生数加权的就业率{_pct(emp['value'])}"
    out += [line + "。", ""]

    out += ["### （四）产教融合、校企合作工作推进情况", ""]
    types = f.coop["type"].fillna("其他").value_counts()  # ties: deterministic, the rows are sorted
    coop_text = "、".join(f"{k}{int(v)}项" for k, v in types.items())
    high = f.bases["level"].isin({"省级", "国家级"}).sum()
    since = f.policies[f.policies["date"].fillna("") >= "2016"]
    left = cooperation.left_out_phrase(cooperation.left_out_counts(f.coop_left_out["status"]), sep="")
    unstated = int(cooperation.without_status(f.coop["status"]).sum())
    apart = "".join([f"另有{left}，不计入" if left else "",
                     ("；" if left and unstated else "") + (f"其中{unstated}项未填状态，按进行中计" if unstated else "")])
    out += [f"图谱记录的进行中校企合作{len(f.coop)}项（{coop_text or '无'}{'；' + apart if apart else ''}），"
            f"涉及院校{f.coop['src'].nunique()}所、"
            f"企业{f.coop['dst'].nunique()}家；产教融合集团（联盟）、职教集团等{len(f.alliances)}个；实训基地"
            f"{len(f.bases)}个（省级及以上{int(high)}个），产业学院、创新平台等平台载体{len(f.platforms)}个；"
            f"产教融合重点区域{int((f.zones['kind'] == '产教融合重点区域').sum())}个；适用于本市的产教融合相关政策"
            f"{len(f.policies)}项（2016年以来{len(since)}项）。", ""]

    out += ["### （五）教育链与产业链匹配情况", ""]
    sai = a["sai"]
    cov = a["coverage"]
    segs = a["segments"]
    if a["S"] is None:  # no program with a figure: supply is no data, nothing is graded
        out += [f"按本平台的匹配度量口径（metrics.md），{f.year_text}本市院校对口人才供给为无数据："
                f"{textsafe.md_text(str(a.get('supply_reason') or '').split(' (')[0])}。产业人才需求 D = {_fmt(a['D'])} 人；结构匹配指数 SAI "
                "和重点产业链环节覆盖率待补充供给数据后计算。", ""]
    else:
        out += [f"按本平台的匹配度量口径（metrics.md），{f.year_text}本市院校对口人才供给 S = {_fmt(a['S'])} 人，"
                f"产业人才需求 D = {_fmt(a['D'])} 人，结构匹配指数 SAI = "
                f"{'—' if sai is None else f'{sai:.4f}'}（1 表示专业供给结构与产业需求结构完全一致），重点产业链环节覆盖率"
                f" {_pct(cov)}（{segs['covered']}/{segs['total']}）。", ""]
    years_cov = (a.get("data_coverage") or {}).get("years") or {}
    if years_cov.get("partial"):  # a thin year is said where it is shown
        out += [f"（注意：{textsafe.md_text(str(years_cov['note']).split(' (')[0])}。）", ""]
    inds = a["industries"]
    short = sorted((i for i in inds if i["status"] in ("unmet", "shortage")), key=lambda i: -(i["demand"] - i["supply"]))[:5]
    surp = sorted((i for i in inds if i["status"] == "surplus"), key=lambda i: -(i["supply"] - i["demand"]))[:5]
    status_cn = {"unmet": "无供给", "shortage": "短缺", "surplus": "过剩", "balanced": "基本平衡", "no_demand": "无需求"}
    if short or surp:
        out += ["人才供需缺口最大的行业（短缺）和供给超出需求最多的行业（过剩）：", ""]
        out += _table(("类别", "行业", "供给（人）", "需求（人）", "供需比", "状态", "结构偏离度"),
                      [("短缺", f"{i['code']} {i['name']}", _fmt(i["supply"]), _fmt(i["demand"]),
                        _fmt(i["ratio"], 2), status_cn.get(i["status"], i["status"]), _fmt(i["deviation"], 4))
                       for i in short] +
                      [("过剩", f"{i['code']} {i['name']}", _fmt(i["supply"]), _fmt(i["demand"]),
                        _fmt(i["ratio"], 2), status_cn.get(i["status"], i["status"]), _fmt(i["deviation"], 4))
                       for i in surp], "llrrrlr")

    out += ["### （六）开展试点的必要性、可行性和重点突破方向", ""]
    need = []
    if sai is not None:
        need.append(f"本市专业结构与产业需求结构的匹配指数为{sai:.4f}，教育链与产业链结构衔接仍有提升空间")
    if short:
        need.append(f"{'、'.join(i['name'] for i in short[:3])}等行业技术技能人才供给明显不足")
    if surp:
        need.append(f"{'、'.join(i['name'] for i in surp[:3])}等领域对口专业供给明显超出本地需求")
    out += [("必要性：" + "；".join(need) + "，亟需通过试点推动教育链、人才链与产业链、创新链有机衔接。") if need else
            "必要性：请结合本地实际补充。", ""]
    base = [f"进行中的校企合作{len(f.coop)}项", f"实训基地{len(f.bases)}个", f"产教融合集团（联盟）等{len(f.alliances)}个",
            f"适用于本市的产教融合相关政策{len(f.policies)}项"]
    out += [f"可行性：本市已有{'、'.join(base)}（见上文），具备开展试点的工作基础。", ""]


def _section2(f: _Facts, out: list[str], period: Period) -> None:
    end = period.end
    out += [f"## {PLAN_SECTIONS[1]}", "",
            f"对照通知提出的试点目标，结合本市现状，提出试点期（{period.text}）建设目标（现状由图谱数据统计，口径见说明列）：", ""]
    tg = [i for i in f.ready["items"] if i["kind"] != "condition"]
    out += _table(("目标（通知原文）", "本市现状", "口径说明"),
                  [(f"“{t.get('text') or t['name']}”", "—" if t["value"] is None else
                    f"{_num(t['value'])}{t['unit'] or ''}",
                    _text(t["note"] or t.get("interpretation")) if t["value"] is not None else "请结合本地实际补充")
                   for t in tg], "lrl")
    out += ["具体目标：", ""]
    k = 0
    groups: dict[str, list[dict[str, Any]]] = {}
    for t in tg:
        if t["any_of"]:
            groups.setdefault(str(t["any_of"]), []).append(t)
    done: set[str] = set()
    for t in tg:
        members = [t]
        if t["any_of"]:
            if t["any_of"] in done:
                continue
            done.add(str(t["any_of"]))
            members = groups[str(t["any_of"])]
        k += 1
        ok = t.get("group_met") if t["any_of"] else t["met"]
        text = t.get("text") or t["name"]
        measured = [m for m in members if m["value"] is not None]
        single = len(members) == 1
        now = "、".join(f"{'' if single else m['name']}{_num(m['value'])}{m['unit'] or ''}" for m in measured)
        if not measured:
            out.append(f"{k}. {text}（现状请结合本地实际补充）。")
        elif ok:
            out.append(f"{k}. {text}：现有{now}，试点期间巩固提升。")
        else:
            adds = "或".join(f"{'' if single else m['name']}新增{_num(m['shortfall'])}{m['unit'] or ''}以上"
                            for m in measured if m["shortfall"] is not None)
            out.append(f"{k}. {text}：现有{now}，到{end}年{adds}。")
    sai = f.align["sai"]
    if sai is not None:
        k += 1
        goal = round(sai + 0.05, 2)
        cov = f.align["coverage"]
        cov_text = "" if cov is None else (
            f"，重点产业链环节覆盖率保持{_pct(cov)}" if cov >= 0.9 else f"，重点产业链环节覆盖率由{_pct(cov)}提高到90%以上")
        out.append(f"{k}. 教育链与产业链结构匹配指数 SAI 由 {sai:.4f} 提高到 {goal:.2f} 以上{cov_text}。")
    out.append("")


def _section3(d: Draft, out: list[str]) -> None:
    out += [f"## {PLAN_SECTIONS[2]}", "",
            "在梳理本市已提出问题的基础上，对照图谱数据分析发现的缺口（按严重程度排序），试点期间重点解决以下问题"
            "（即附件1 产教融合改革问题清单）：", ""]
    for r in d.rows1:
        basis = "" if r["来源"] == OWN else f"〔数据依据：{r['来源']}〕"
        md = textsafe.md_text  # user text stays text (iekg.textsafe)
        out.append(f"{r['序号']}. {md(r['主要问题'])}（解决时限：{md(r['解决时限']) or '待定'}）{basis}")
    if not d.rows1:
        out.append("（未发现需重点解决的问题，请结合本地实际补充。）")
    counts = d.gaps["counts"]
    labels = {"unmet_demand": "有需求无供给的行业", "shortage": "人才短缺行业", "surplus": "人才供给过剩行业",
              "uncovered_segment": "无专业支撑的产业链环节", "no_cooperation": "无院校合作的重点产业链企业",
              "no_training_base": "无实训基地服务的重点产业链", "target_shortfall": "未达到的试点目标"}
    out += ["", "图谱发现的缺口汇总：", ""]
    out += _table(("缺口类型", "数量"), [(f"{labels[k]}（{k}）", v) for k, v in counts.items()], "lr")


def _tasks(store: Store) -> list[dict[str, Any]]:
    rows = [n.props for _, n in store.neighbours(f"Policy:{NOTICE}", ["SETS_TASK"], "out")]
    return sorted(rows, key=lambda p: int(p.get("seq") or 0))


def _section4(store: Store, d: Draft, out: list[str]) -> None:
    out += [f"## {PLAN_SECTIONS[3]}", "",
            "按照通知部署的六项试点任务，结合图谱发现的缺口，提出分解细化的试点任务和改革举措：", ""]
    tasks = _tasks(store)
    if not tasks:
        tasks = [{"seq": k, "title": f"试点任务（{CN_NUM[k - 1]}）", "text": ""} for k in range(1, 7)]
    for t in tasks:
        seq = int(t.get("seq") or 0)
        title = str(t.get("title") or "")
        out += [f"### （{CN_NUM[seq - 1] if 1 <= seq <= 10 else seq}）{title}", ""]
        text = re.sub(r"^\s*[（(][一二三四五六七八九十]+[）)]\s*" + re.escape(title) + "[。.]?", "", str(t.get("text") or ""))
        if text:
            out += [f"> 通知要求：{text}", ""]
        cands = [c for c in d.candidates if c.rule.task == seq]
        if cands:
            for k, c in enumerate(cands, 1):
                md = textsafe.md_text  # user text stays text (iekg.textsafe)
                out.append(f"{k}. {md(c.measure)}。（针对：{md(c.problem)}；责任部门：{md('、'.join(c.agencies))}；"
                           f"完成时限：{d.deadline(c.rule.measure_deadline)}；{c.source}）")
        else:
            out.append("本项任务图谱未发现直接对应的数据缺口，请对照通知要求，结合本地实际细化具体举措。")
        out.append("")


def _section5(f: _Facts, d: Draft, names: _Names, out: list[str]) -> None:
    city = f.node.name
    out += [f"## {PLAN_SECTIONS[4]}", "", "### （一）产教融合型行业", ""]
    stats = _chain_stats(f, names)
    ii = f.item("integration_industries")
    have = [s for s in stats if s["integration_industry"]]
    need = int(ii["shortfall"] or 0) if ii and ii["measurable"] else 0
    thr = _num(ii["threshold"]) if ii else "2"
    out += [f"目标：围绕全省和本地重点产业打造{thr}个以上产教融合型行业。现有{len(have)}个"
            f"（{'、'.join(s['name'] for s in have) or '无'}），" + (f"尚需培育{need}个。" if need else "已达到目标数量。"), ""]
    cand = sorted((s for s in stats if not s["integration_industry"]),
                  key=lambda s: (-s["cooperating"], -s["enterprises"], s["chain"]))
    if stats:
        out += ["重点产业链基础条件（候选按有进行中院校合作的企业数、企业数排序；已结束、筹建中的合作不计）：", ""]
        chain_rows: list[tuple[Any, ...]] = []
        for s in have + cand:
            if s["integration_industry"]:
                flag = "已是产教融合型行业"
            elif s in cand[:need]:
                flag = "建议优先培育"
            else:
                flag = "后备"
            chain_rows.append((s["name"], s["level"], s["segments"], s["enterprises"], s["cooperating"], s["bases"], flag))
        out += _table(("重点产业链", "级别", "环节数", "本地企业数", "有进行中院校合作的企业数", "有实训基地服务的环节数", "建议"),
                      chain_rows, "llrrrrl")

    out += ["### （二）产教融合型企业", ""]
    iei = f.item("provincial_iei_enterprises")
    e = f.enterprises
    lv = e["iei_level"].value_counts()
    need_e = int(iei["shortfall"] or 0) if iei and iei["measurable"] else 0
    out += [f"目标：培育{_num(iei['threshold']) if iei else '20'}个左右省级产教融合型企业。现有省级及以上"
            f"{int(lv.get('省级', 0) + lv.get('国家级', 0))}家，进入省级培育名单{int(lv.get('省级培育', 0))}家，"
            + (f"尚需新增{need_e}家。" if need_e else "已达到目标数量。"), ""]
    coop_n = f.coop.groupby("dst").size()
    pool = e[~e["iei_level"].isin({"省级", "国家级"})].copy()
    pool["coops"] = pool["id"].map(coop_n).fillna(0).astype(int)
    pool["on_list"] = (pool["iei_level"] == "省级培育").astype(int)
    pool = pool.sort_values(["on_list", "coops", "employees", "id"], ascending=[False, False, False, True])
    show = pool.head(max(need_e, 10))
    rows: list[tuple[Any, ...]] = []
    if len(show):
        out += ["候选企业（按是否已在省级培育名单、进行中的校企合作项数、从业人员排序，仅供遴选参考）：", ""]
        rows = []
        for _, r in show.iterrows():
            ind = f.ent_industry.get(r["id"], "")
            seg, role = f.ent_segment.get(r["id"], ("", ""))
            rows.append((r["name"], f"{ind} {names.industry.get(ind, '')}".strip(),
                         f"{names.chain_of_segment(seg)}／{names.segment.get(seg, seg)}（{role}）" if seg else "—",
                         _fmt(r["employees"]), r["iei_level"] if isinstance(r["iei_level"], str) else "—", r["coops"]))
        out += _table(("企业", "行业", "所在产业链环节", "从业人员", "现有认定", "进行中的校企合作项数"), rows, "lllrlr")
    if need_e > len(pool):
        out += [f"图谱中{city}的候选企业（{len(pool)}家）少于尚需新增的数量（{need_e}家），需扩大培育范围（引进、新设企业或补充企业数据）。", ""]

    out += ["### （三）培育举措", ""]
    wanted = {("target_shortfall", "integration_industries"), ("target_shortfall", "provincial_iei_enterprises"),
              ("no_cooperation", "")}
    cands = [c for c in d.candidates if c.rule.key in wanted]
    for k, c in enumerate(cands, 1):
        out.append(f"{k}. {c.measure}。（责任部门：{'、'.join(c.agencies)}；完成时限：{d.deadline(c.rule.measure_deadline)}）")
    if not cands:
        out.append("产教融合型行业和企业培育目标已达到，试点期间继续巩固提升，落实“金融+财政+土地+信用”组合式激励。")
    out.append("")


def _section6(f: _Facts, d: Draft, names: _Names, out: list[str]) -> None:
    city = f.node.name
    out += [f"## {PLAN_SECTIONS[5]}", "", "### （一）总体考虑", ""]
    hb = f.item("high_level_training_bases")
    b = f.bases
    high = b[b["level"].isin({"省级", "国家级"})]
    need = int(hb["shortfall"] or 0) if hb and hb["measurable"] else 0
    no_base = [g for g in d.gaps["gaps"] if g["type"] == "no_training_base"]
    out += [f"目标：建设{_num(hb['threshold']) if hb else '3'}个左右高水平产教融合实验实训基地（按省级及以上理解）。"
            f"{city}现有实训基地{len(b)}个，其中省级及以上{len(high)}个，"
            + (f"尚需{need}个；" if need else "已达到目标数量；")
            + (f"重点产业链中有{len(no_base)}条尚无本地实训基地服务。" if no_base else "各重点产业链均有本地实训基地服务。")
            + "统筹院校、企业和园区资源，优先依托企业建设，面向产业链上下游开放共享。", ""]
    if len(b):
        served = f.serves.groupby("src")["dst"].apply(lambda s: "、".join(
            names.segment.get(x) or names.industry.get(x, x) for x in sorted(s)))
        out += ["现有实训基地：", ""]
        out += _table(("名称", "类型", "级别", "工位数", "服务行业／环节", "运营主体"),
                      [(_text(r["name"]), _text(r["kind"]), _text(r["level"]), _fmt(r["stations"]), served.get(r["id"], "—"),
                        f.operator.get(r["id"], "—")) for _, r in b.iterrows()], "lllrll")
    out += ["### （二）拟建设项目", ""]
    projects: list[tuple[str, str, str]] = []
    for g in no_base:
        segs = [s for s in names.segment_chain if names.segment_chain[s] == g["entity"].split(":", 1)[1]]
        seg_names = "、".join(names.segment.get(s, s) for s in sorted(segs))
        projects.append((f"{city}{g['name']}产教融合实训基地（新建）",
                         f"服务{g['name']}产业链{seg_names}等环节的实习实训、技能培训和技术服务，依托链上龙头企业联合本地院校共建",
                         f"补齐重点产业链「{g['name']}」实训平台空白〔数据依据：gap no_training_base #{g['rank']}〕"))
    upgrade = b[~b["level"].isin({"省级", "国家级"})].copy()
    upgrade["stations_n"] = pd.to_numeric(upgrade["stations"], errors="coerce").fillna(0)
    for _, r in upgrade.sort_values(["stations_n", "id"], ascending=[False, True]).head(max(0, need - len(projects))).iterrows():
        projects.append((f"{r['name']}（提质升级）", f"在现有{_fmt(r['stations'])}个工位基础上扩容提质，争创省级及以上高水平实训基地",
                         "提高高水平产教融合实验实训基地数量"))
    if not projects:
        out += ["图谱数据未显示需新建或升级的实训基地项目，请结合本地实际提出。", ""]
    elif len(projects) < need:
        out += [f"下列{len(projects)}个项目之外，达到目标还需{need - len(projects)}个高水平实训基地，请结合本地实际补充新建或争创项目。", ""]
    fill = "（待项目单位填报）"
    rule = d.rules.get(("no_training_base", "")) or d.rules.get(("target_shortfall", "high_level_training_bases"))
    period = f"试点期内建成（{d.deadline(rule.measure_deadline)}前）" if rule else f"试点期内建成（{d.period.end}年底前）"
    for k, (name, content, effect) in enumerate(projects, 1):
        out += [f"**项目{k}：{textsafe.md_text(name)}**", ""]
        out += _table(("要素", "内容"), [("项目名称", name), ("建设内容", content), ("建设规模", fill), ("投资强度", fill),
                                      ("建设期限", period), ("资金筹措途径", "政府投入、企业投入、院校自筹及社会资本等" + fill),
                                      ("运行保障机制", "依托企业市场化、专业化运作，面向院校和中小企业开放共享" + fill),
                                      ("预计发挥的作用和效益", effect)])


def _section7(d: Draft, out: list[str]) -> None:
    out += [f"## {PLAN_SECTIONS[6]}", "",
            "结合本地实际，试点期间拟出台以下支持政策（即附件2 产教融合试点政策清单），并积极争取省有关部门"
            "“金融+财政+土地+信用”组合式激励政策支持：", ""]
    out += _table(("序号", "政策内容", "责任部门", "完成时限"),
                  [(r["序号"], r["政策内容"], r["责任部门"], r["完成时限"]) for r in d.rows2], "rlll")


def _section8(f: _Facts, d: Draft, out: list[str]) -> None:
    city = f.node.name
    named = [a for r in d.rows2 for a in (r.get("agencies") or [])]
    depts = "、".join(canonical_agencies([*(city + a for a in AGENCIES), *named], city))
    sai = f.align["sai"]
    out += [f"## {PLAN_SECTIONS[7]}", "",
            f"1. 加强组织领导。建立市领导牵头的产教融合型城市建设试点推进机制，成立由{depts}等部门和有关院校、"
            "行业企业组成的工作专班，统筹推进试点各项工作。",
            f"2. 落实主体责任。将试点任务分解到位、落实到事、责任到人，对问题清单（{len(d.rows1)}项）和政策清单"
            f"（{len(d.rows2)}项）建立台账、逐一落实、按期销号。",
            "3. 健全协调机制。建立部门协同、市县联动的工作协调机制，定期研究工作、及时解决试点中遇到的问题。",
            "4. 加大投入保障。加大产教融合发展投入力度，出台土地、财税、融资、体制机制改革创新等政策举措，"
            "积极争取省级组合式激励政策支持。",
            "5. 强化监测评估。依托产教融合信息服务平台（产教融合知识图谱），按年度更新院校专业、企业人才需求、"
            "校企合作等数据，跟踪结构匹配指数（当前 SAI " + ("—" if sai is None else f"{sai:.4f}")
            + "）、重点产业链环节覆盖率和各项试点目标进展，评估结果作为政策调整和资金安排的依据。",
            "6. 加强宣传推广。及时总结试点中的经验做法，形成可复制借鉴的典型案例，加强宣传推广。", ""]


def pilot_fact(props: dict[str, Any], city_name: str) -> str:
    """The city's pilot status as a public fact with its source (from the official pilot-city list,
    ``iekg build --public``), or "" when the graph holds none."""
    level, batch = props.get("pilot_level"), props.get("pilot_batch")
    if not level and not batch:
        return ""
    parts = [str(x) for x in (props.get("pilot_level"), props.get("pilot_document"), props.get("pilot_issued")) if x]
    src = props.get("pilot_source")
    return (f"{city_name}已列入{batch or '产教融合型城市（试点）'}（{'，'.join(parts)}"
            + (f"；来源：{src}" if src else "") + "）。〔公开信息〕")


def _plan_parts(store: Store, city: str, *, year: int | None, max_generated: int,
                rules: Sequence[Rule] | str | Path | None, period: Period | str | None,
                types: Iterable[str] | str | None, min_people: float | None) -> tuple[_Facts, Draft, _Names]:
    f = _Facts(store, city, year)
    d = compose(store, city, year=year, max_generated=max_generated, rules=rules, period=period, types=types,
                min_people=min_people)
    return f, d, f.names(d.gaps["gaps"])


def plan_markdown(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
                  rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
                  types: Iterable[str] | str | None = None, min_people: float | None = None) -> str:
    """A draft pilot plan (Markdown) following the notice's 8-section outline, filled with the city's figures.

    The plan states facts and plans only: every judgement of the city against a threshold (our reference
    values, the notice's targets) is in :func:`diagnosis_markdown`, a separate internal sheet."""
    f, d, names = _plan_parts(store, city, year=year, max_generated=max_generated, rules=rules, period=period,
                              types=types, min_people=min_people)
    city_name = f.node.name
    out = [f"# {city_name}建设省级产教融合型城市试点方案（草稿）", ""]
    if uses_illustrative_data(store, city):
        out += [f"> **{ILLUSTRATIVE_LINE}**", ""]
    out += [f"> 本稿由 iekg 根据产教融合知识图谱自动起草，按《关于开展省级产教融合型城市建设试点遴选工作的通知》"
            f"（{NOTICE}）所附“试点方案编制提纲”的八个部分组织，试点期 {d.period.text}，数据年度 "
            f"{f.year if f.year is not None else '—（图谱中没有本市院校专业数据）'}。数字均可在图谱中查证"
            "（附件清单工作簿的“依据 evidence”工作表列出每条起草内容的缺口与证据）；定性表述和项目要素请结合本地实际修改完善，"
            "并在充分征求职业院校、高等学校和有关行业企业意见的基础上定稿。", ""]
    _section1(f, names, out)
    _section2(f, out, d.period)
    _section3(d, out)
    _section4(store, d, out)
    _section5(f, d, names, out)
    _section6(f, d, names, out)
    _section7(d, out)
    _section8(f, d, out)
    out += ["附件：1. 试点期间拟重点突破的重大问题清单（附件1 产教融合改革问题清单）",
            "      2. 试点期间拟出台的重点改革举措清单（附件2 产教融合试点政策清单）", ""]
    return "\n".join(out)


INTERNAL_BANNER = ("内部诊断材料：仅供本市内部研判，不随试点方案报送省发展改革委。本页把本市数据与参考值和通知目标逐项对照；"
                   "参考值是本工具的假设（不是通知的要求），可在设置中修改。")


def diagnosis_markdown(store: Store, city: str, *, year: int | None = None, max_generated: int = 10,
                       rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
                       types: Iterable[str] | str | None = None, min_people: float | None = None) -> str:
    """The internal diagnosis that goes with the plan (``…-内部诊断.md``, never sent to the province): the
    city against the application conditions (our reference values, labelled as such) and the notice's
    targets (quoted with their wording and how the tool reads them), the SAI against its reference value,
    the pilot status as a public fact, and the gaps left out of the drafts with the reason."""
    f, d, _ = _plan_parts(store, city, year=year, max_generated=max_generated, rules=rules, period=period,
                          types=types, min_people=min_people)
    city_name = f.node.name
    out = [f"# {city_name}试点申报内部诊断（不随方案报送）", "", f"> **{INTERNAL_BANNER}**", ""]
    if uses_illustrative_data(store, city):
        out += [f"> **{ILLUSTRATIVE_LINE}**", ""]
    out += ["## 一、试点状态（公开信息）", "", pilot_fact(f.node.props, city_name) or
            f"图谱中没有{city_name}的试点城市公开信息（可用 iekg build --public 读入试点城市名单）。", ""]
    conds = [i for i in f.ready["items"] if i["kind"] == "condition"]
    out += ["## 二、申报条件对照（按参考值）", "",
            f"通知的申报条件没有量化标准；下表的阈值是{REFERENCE_LABEL}，只用于内部研判。", ""]
    out += _table(("申报条件（通知原文）", "本市数值", REFERENCE_LABEL, "按参考值是否满足", "口径说明"),
                  [(f"“{c.get('text') or c['name']}”", "—" if c["value"] is None else f"{c['value']:.4g}",
                    f"{c['comparison']} {c['threshold']:g}", _status(c),
                    _text(c.get("interpretation") or c["note"])) for c in conds], "lrrll")
    out += [f"按参考值，本市满足{f.ready['conditions_met']}/{f.ready['conditions_total']}项申报条件。", ""]
    tg = [i for i in f.ready["items"] if i["kind"] != "condition"]
    out += ["## 三、试点目标对照（通知原文目标）", "",
            "目标引自通知原文；“左右”“若干”等约数的判定口径是本工具的理解（见口径说明，如“20个左右”按下限判定）。", ""]
    out += _table(("目标（通知原文）", "判定口径", "本市现状", "是否达到", "差距"),
                  [(f"“{t.get('text') or t['name']}”",
                    _text(f"{t['comparison']} {_num(t['threshold'])}{t['unit'] or ''}；{t.get('interpretation') or ''}"
                          .rstrip("；")),
                    "—" if t["value"] is None else f"{_num(t['value'])}{t['unit'] or ''}", _status(t),
                    "—" if t["shortfall"] is None else _num(t["shortfall"])) for t in tg], "llrlr")
    out += [f"试点目标已达到{f.ready['targets_met']}/{f.ready['targets_total']}项（按上述口径）。", ""]
    sai = f.align["sai"]
    rel = f.item("condition_major_industry_relevance")
    out += ["## 四、结构匹配指数", ""]
    if sai is not None and rel is not None:
        out += [f"本市结构匹配指数 SAI 为{sai:.4f}，" + ("低于" if sai < rel["threshold"] else "达到")
                + f"参考值{rel['threshold']:g}（{REFERENCE_LABEL}；通知原文只说“本地院校专业(群)与本地产业关联度高”）。", ""]
    elif f.align.get("supply_data") is False:
        n = ((f.align.get("data_coverage") or {}).get("programs") or {}).get("without_figures") or 0
        out += [f"本市{f.year_text}的专业点{f'（{n}个）' if n else ''}没有在校生或毕业生数，供给为无数据（不按 0 计），"
                "无法计算结构匹配指数；补充后再对照。", ""]
    else:
        out += ["本市没有可计算结构匹配指数的数据。", ""]
    out += ["## 五、未写入附件的缺口", "",
            f"下列缺口未起草为附件行（次要缺口的规模下限 {_min_people(d, min_people):g} 人为{REFERENCE_LABEL}）：", ""]
    if d.skipped:
        out += _table(("排名", "类型", "对象", "原因"), [(s["rank"], s["type"], s["name"], s["reason"]) for s in d.skipped],
                      "rlll")
    else:
        out += ["（无）", ""]
    return "\n".join(out)


def write_plan(store: Store, city: str, path: str | Path, *, year: int | None = None, max_generated: int = 10,
               rules: Sequence[Rule] | str | Path | None = None, period: Period | str | None = None,
               types: Iterable[str] | str | None = None, min_people: float | None = None) -> list[Path]:
    """Write the draft plan as Markdown (``path`` with suffix .md) and, when python-docx is installed,
    also as .docx next to it (``path`` ending in .docx writes both as well); then the internal diagnosis
    next to them as ``<name>-内部诊断.md`` (and .docx).  Returns the files written: plan .md, plan .docx,
    diagnosis .md, diagnosis .docx (the .docx files only with python-docx)."""
    opts: dict[str, Any] = {"year": year, "max_generated": max_generated, "rules": rules, "period": period,
                            "types": types, "min_people": min_people}
    p = Path(path)
    md = p if p.suffix.lower() == ".md" else p.with_suffix(".md")
    md.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for text, target in ((plan_markdown(store, city, **opts), md),
                         (diagnosis_markdown(store, city, **opts), md.with_name(md.stem + INTERNAL_SUFFIX + ".md"))):
        target.write_text(text, encoding="utf-8")
        written.append(target)
        docx = markdown_to_docx(text, target.with_suffix(".docx"))
        if docx is not None:
            written.append(docx)
    return written


# The plan's Word layout: A4 公文 after GB/T 9704-2012 (page margins, 三号 仿宋_GB2312 body, 黑体 level-1 and
# 楷体 level-2 headings, 二号 小标宋 title, page numbers in the footer).  The fonts are named as 公文 use them;
# a machine without them substitutes its own (the East-Asian name is set through w:eastAsia).
DOCX_FONTS = {"body": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312", "title": "方正小标宋简体", "page": "宋体"}
DOCX_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def _docx_font(element: Any, east: str, size: float | None = None, *, bold: bool | None = None) -> None:
    """Set a style's or run's font: ``east`` for East-Asian text (w:eastAsia) and for Latin text too."""
    from docx.oxml.ns import qn  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.shared import Pt, RGBColor  # type: ignore[import-not-found,import-untyped,unused-ignore]

    element.font.name = east
    fonts = element.element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), east)
    if size is not None:
        element.font.size = Pt(size)
    if bold is not None:
        element.font.bold = bold
    element.font.color.rgb = RGBColor(0, 0, 0)


def _page_number_footer(section: Any) -> None:
    """A centred ``— PAGE —`` field in the footer (四号 宋体), as 公文 number their pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml import OxmlElement  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml.ns import qn  # type: ignore[import-not-found,import-untyped,unused-ignore]

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = 0

    def run(text: str = "") -> Any:
        r = para.add_run(text)
        _docx_font(r, DOCX_FONTS["page"], 14)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            r.text = text or ""
    run(" —")


def markdown_to_docx(text: str, path: str | Path) -> Path | None:
    """Render the plan's simple Markdown (headings, paragraphs, lists, quotes, tables) with python-docx,
    as an A4 公文 (:data:`DOCX_FONTS`, :data:`DOCX_MARGINS_MM`, page numbers, tables whose header row
    repeats on every page).

    Returns None (and writes nothing) when python-docx is not installed."""
    try:
        import docx  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml import OxmlElement  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.oxml.ns import qn  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from docx.shared import Mm, Pt  # type: ignore[import-not-found,import-untyped,unused-ignore]

    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(DOCX_MARGINS_MM["top"]), Mm(DOCX_MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(DOCX_MARGINS_MM["left"]), Mm(DOCX_MARGINS_MM["right"])
    sec.footer_distance = Mm(20)
    styles = doc.styles
    normal = styles["Normal"]
    _docx_font(normal, DOCX_FONTS["body"], 16)
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for name, font, size in (("Title", DOCX_FONTS["title"], 22), ("Heading 1", DOCX_FONTS["h1"], 16),
                             ("Heading 2", DOCX_FONTS["h2"], 16), ("Heading 3", DOCX_FONTS["h2"], 16)):
        st = styles[name]
        _docx_font(st, font, size, bold=False)
        st.font.italic = False
        st.paragraph_format.space_before = Pt(6 if name != "Title" else 0)
        st.paragraph_format.space_after = Pt(6 if name == "Title" else 0)
        st.paragraph_format.first_line_indent = 0 if name == "Title" else Pt(32)
        if name == "Title":
            st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            title_border = st.element.find(qn("w:pPr"))
            if title_border is not None:
                for b in title_border.findall(qn("w:pBdr")):
                    title_border.remove(b)
    _page_number_footer(sec)
    lines = text.split("\n")
    k = 0

    def plain(s: str) -> str:  # our bold and code marks go; user text (iekg.textsafe.md_text) comes back as typed
        return textsafe.md_plain(re.sub(r"(?<!\\)(\*\*|`)", "", s))

    while k < len(lines):
        line = lines[k]
        if line.startswith("|"):
            block = []
            while k < len(lines) and lines[k].startswith("|"):
                block.append(lines[k])
                k += 1
            cells = [[plain(c.strip()) for c in re.split(r"(?<!\\)\|", row.strip()[1:-1])] for row in block]
            cells = [cells[0]] + cells[2:]
            table = doc.add_table(rows=len(cells), cols=len(cells[0]))
            table.style = "Table Grid"
            for i, row in enumerate(cells):
                for j, v in enumerate(row[: len(cells[0])]):
                    cell = table.cell(i, j)
                    cell.text = v
                    for para in cell.paragraphs:
                        para.paragraph_format.first_line_indent = 0
                        para.paragraph_format.line_spacing = 1.0
                        for r in para.runs:
                            _docx_font(r, DOCX_FONTS["body"], 12, bold=i == 0)
            header = table.rows[0]._tr.get_or_add_trPr()  # the header row repeats on every page
            rep = OxmlElement("w:tblHeader")
            rep.set(qn("w:val"), "true")
            header.append(rep)
            continue
        m = re.match(r"^(#{1,3}) (.*)$", line)
        if m:
            doc.add_heading(plain(m.group(2)), level=len(m.group(1)) - 1 if len(m.group(1)) > 1 else 0)
        elif line.startswith("> "):
            para = doc.add_paragraph()
            _docx_font(para.add_run(plain(line[2:])), DOCX_FONTS["h2"], 14)
        elif line.strip():
            doc.add_paragraph(plain(line))
        k += 1
    out = Path(path)
    doc.save(str(out))
    return out

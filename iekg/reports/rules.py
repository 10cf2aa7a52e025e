"""The drafting rules: the rule table (``iekg/data/rules/draft_rules.csv``), the department names
(``iekg/data/rules/agencies.csv``), the pilot period and its deadlines, and the gap types one may choose.

Each rule is said here once: a deadline is written ``第N年M月`` / ``第N年底`` (year N of the pilot period) or
as a date (``2025年12月``), checked by :func:`load_rules` and dated by :meth:`Period.deadline`; the city
departments are the canonical names of ``agencies.csv`` (:data:`AGENCIES`), every variant spelling mapped to
them by :func:`canonical_agency`; the target metrics are readiness's (:data:`TARGET_METRICS`).
"""

from __future__ import annotations

import csv
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from iekg.queries.gaps import GAP_TYPES, parse_types  # noqa: F401  (parse_types: drafting's too)
from iekg.queries.readiness import METRICS
from iekg.settings import PACKAGE_DATA

RULES_FILE = PACKAGE_DATA / "rules" / "draft_rules.csv"
AGENCIES_FILE = PACKAGE_DATA / "rules" / "agencies.csv"

RULE_COLUMNS = ("gap_type", "metric", "task", "grouping", "max_rows", "list_max", "problem_template",
                "measure_template", "agencies", "problem_deadline", "measure_deadline", "basis")
# Optional columns: a table without them still loads (``covers`` empty: only near-identical text covers).
OPTIONAL_COLUMNS = ("covers",)
# Gap types whose rows are about one thing (an industry, a chain): an own row covers such a gap only when it
# also names that thing (:func:`iekg.reports.drafting.covers`); the other types are about the whole city.
ENTITY_TYPES = frozenset({"unmet_demand", "shortage", "uncovered_segment", "no_training_base"})
GROUPINGS = ("each", "all", "chain")
# The notice's targets a ``target_shortfall`` rule names by metric: readiness's measures less its conditions.
TARGET_METRICS = tuple(m for m in METRICS if not m.startswith("condition_"))

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


_DEADLINE = re.compile(r"^\s*(20\d\d)\s*(?:年\s*(?:(\d{1,2})\s*月(?:份)?(?:底|末)?|底|末)?|[-./](\d{1,2}))?\s*(?:前|以前)?\s*$")


def deadline_month(text: str | None) -> tuple[int, int] | None:
    """The (year, month) a deadline as people write it ends in: ``2025年12月``, ``2025年底`` and ``2025年``
    (December), ``2025-12``, ``2025.6``; None for anything else (``长期``, ``持续推进``, empty).

    Parameters
    ----------
    text : str or None
        A 解决时限 / 完成时限 cell.

    Returns
    -------
    tuple of int or None
    """
    m = _DEADLINE.match(unicodedata.normalize("NFKC", str(text or "")))
    if not m:
        return None
    month = int(m.group(2) or m.group(3) or 12)
    return (int(m.group(1)), month) if 1 <= month <= 12 else None


OVERDUE, DUE = "已逾期", "本月到期"


def deadline_status(text: str | None, today: date) -> str:
    """Whether a deadline is past on ``today``: :data:`OVERDUE` (its month is over), :data:`DUE` (it ends
    this month) or "" (later, or not a date).

    Parameters
    ----------
    text : str or None
        A deadline as written (:func:`deadline_month`).
    today : date

    Returns
    -------
    str
    """
    ym = deadline_month(text)
    if ym is None:
        return ""
    now = (today.year, today.month)
    return OVERDUE if ym < now else DUE if ym == now else ""


def _check_deadline(spec: str) -> bool:
    m = _RELATIVE.match(spec)
    if m:
        return 1 <= int(m.group(1)) <= 9 and (m.group(3) is not None or 1 <= int(m.group(2)) <= 12)
    return bool(_ABSOLUTE.match(spec))


# ------------------------------------------------------------------------------------ agencies
def _agency_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def load_agencies(path: str | Path | None = None) -> dict[str, str]:
    """The canonical agency table.

    Parameters
    ----------
    path : str, Path or None
        The table (columns canonical, variants); None for the shipped :data:`AGENCIES_FILE`.

    Returns
    -------
    dict
        Every variant (and canonical name), without spaces → the canonical department name (without a
        city prefix).
    """
    p = Path(path) if path is not None else AGENCIES_FILE
    out: dict[str, str] = {}
    with p.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            canon = (row.get("canonical") or "").strip()
            if not canon:
                raise ValueError(f"{p} line {line}: canonical is empty")
            for v in [canon, *_split_list(row.get("variants") or "")]:
                out[_agency_key(v)] = canon
    return out


def _split_list(cell: str) -> list[str]:
    """The items of a ``;``-separated cell (also full-width ``；``), stripped, empty ones dropped."""
    return [x.strip() for x in re.split(r"[;；]", cell) if x.strip()]


_AGENCY_TABLE = load_agencies()
# The city departments the notice addresses (its 主送: 发展改革委、教育局、工业和信息化局、财政局、
# 人力资源社会保障局、国有资产监督管理委员会): the canonical names of agencies.csv, in its order; a rule names
# them without the city, which is prefixed at runtime.
AGENCIES = tuple(dict.fromkeys(_AGENCY_TABLE.values()))


def canonical_agency(name: str, city_name: str = "") -> str:
    """One spelling per department: ``开封市人力资源和社会保障局`` → ``开封市人力资源社会保障局``; with the city
    given, a department written without it (``市发展改革委``, ``发展改革委``) gets the city's full name
    (``漯河市发展改革委``), as the drafted rows name it.

    Parameters
    ----------
    name : str
        A department as written, with or without the city's name (with or without 市) before it.
    city_name : str
        The city's name (``开封市``); its prefix is kept, written in full.

    Returns
    -------
    str
        The canonical name; a department not in the table stays as written.
    """
    s = _agency_key(name)
    prefix = ""
    short = city_name.removesuffix("市")
    for p in (city_name, short):
        if p and s.startswith(p) and len(s) > len(p):
            prefix, s = city_name, s[len(p):]
            if p == short and p != city_name:
                s = s.removeprefix("市")
            break
    if city_name and not prefix:  # 市发展改革委, 发展改革委 → 漯河市发展改革委: one name with the drafted rows'
        bare = s.removeprefix("市") if s.startswith("市") and len(s) > 1 else s
        if bare != s or _AGENCY_TABLE.get(bare, bare) in AGENCIES:
            prefix, s = city_name, bare
    out = prefix + _AGENCY_TABLE.get(s, s)
    return name if out == _agency_key(name) else out  # nothing to make canonical: exactly as written


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
    covers: str = ""  # what an own row on this gap says (a regular expression; README "covers")

    @property
    def key(self) -> tuple[str, str]:
        return self.gap_type, self.metric


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """Read and check a rule table.

    Parameters
    ----------
    path : str, Path or None
        The table (UTF-8 CSV, ``iekg/data/rules/README.md``); None for the shipped :data:`RULES_FILE`.

    Returns
    -------
    list of Rule
        In the table's order.

    Raises
    ------
    ValueError
        Naming the file and line of the first mistake.
    """
    p = Path(path) if path is not None else RULES_FILE
    with p.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in RULE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{p}: missing columns {', '.join(missing)}")
        rules: list[Rule] = []
        seen: set[tuple[str, str]] = set()
        for line, row in enumerate(reader, start=2):
            v = {k: (row.get(k) or "").strip() for k in RULE_COLUMNS + OPTIONAL_COLUMNS}

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
            agencies = tuple(_split_list(v["agencies"]))
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
            if v["covers"]:
                try:
                    re.compile(v["covers"])
                except re.error as exc:
                    raise bad(f"covers {v['covers']!r} is not a regular expression: {exc}") from None
            rule = Rule(v["gap_type"], v["metric"], task, v["grouping"], max_rows, list_max,
                        v["problem_template"], v["measure_template"], agencies, v["problem_deadline"],
                        v["measure_deadline"], v["basis"], v["covers"])
            if rule.key in seen:
                raise bad(f"duplicate rule for {rule.key}")
            seen.add(rule.key)
            rules.append(rule)
    return rules


def rule_index(rules: Sequence[Rule] | str | Path | None) -> dict[tuple[str, str], Rule]:
    """The rules by key (gap type, metric).

    Parameters
    ----------
    rules : sequence of Rule, path or None
        Rules already loaded, a rule table to load, or None for the shipped one.

    Returns
    -------
    dict
        ``(gap_type, metric)`` → :class:`Rule`.
    """
    loaded = load_rules(rules) if rules is None or isinstance(rules, str | Path) else list(rules)
    return {r.key: r for r in loaded}

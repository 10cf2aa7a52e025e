"""Which document a city needs now: the application, a progress report or the final evaluation report.

The rule (issue 21), from the city's pilot status (a public fact on the City node, loaded from the official
pilot-city list: ``pilot_level``, ``pilot_issued`` …), today's date and the notice's horizon (the deadline of
its targets, 2025):

- a city **selected as a provincial pilot** (``pilot_level`` 省级, issued on or before today) gets a report:
  a **progress report** (进展报告) while the horizon has not passed (today's year ≤ 2025), the **final
  evaluation report** (总结评估报告) after it;
- every other city (not on the list, no list loaded, a national pilot only, or selected after ``today``)
  gets the **application** (试点方案 with Attachments 1 and 2).

The chosen period (``--period``; default: the three years from today, :meth:`Period.parse`) is the pilot
period of an application and the span of a report's next steps; every drafted deadline falls inside it and
not before today (:meth:`Stage.dated`).  The baseline year of a report is the year the city was selected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from iekg.graph.store import Store
from iekg.queries.readiness import NOTICE, targets
from iekg.reports.city import city_node
from iekg.reports.rules import Period, deadline_month

APPLICATION, PROGRESS, EVALUATION = "application", "progress", "evaluation"
KINDS = (APPLICATION, PROGRESS, EVALUATION)
DEFAULT_HORIZON = 2025  # the notice's "到2025年"; read from its targets when the graph has them
DOCUMENT_NAMES = {APPLICATION: "试点方案", PROGRESS: "试点进展报告", EVALUATION: "试点总结评估报告"}
PROVINCIAL = "省级"


@dataclass(frozen=True)
class Stage:
    """Where a city stands on ``today`` and which document it gets (module docstring)."""

    kind: str
    today: date
    period: Period
    horizon: int = DEFAULT_HORIZON
    selected_on: date | None = None  # the date of the provincial list the city is on
    batch: str = ""
    document: str = ""

    @property
    def is_report(self) -> bool:
        return self.kind != APPLICATION

    @property
    def baseline_year(self) -> int | None:
        """The year a report measures "new" against: the year the city was selected."""
        return self.selected_on.year if self.selected_on else None

    @property
    def document_name(self) -> str:
        return DOCUMENT_NAMES[self.kind]

    def title(self, city_name: str) -> str:
        """The document's title: ``开封市省级产教融合型城市建设试点总结评估报告（草稿）`` …"""
        if self.kind == APPLICATION:
            return f"{city_name}建设省级产教融合型城市试点方案（草稿）"
        return f"{city_name}省级产教融合型城市建设{self.document_name}（草稿）"

    @property
    def today_text(self) -> str:
        return f"{self.today.year}年{self.today.month}月{self.today.day}日"

    def first_month(self) -> tuple[int, int]:
        """The first month a new deadline may fall in: the month after today, or the period's first month."""
        y, m = (self.today.year, self.today.month + 1) if self.today.month < 12 else (self.today.year + 1, 1)
        return max((y, m), (self.period.start, 1))

    def dated(self, spec: str) -> str:
        """A rule's deadline (``第2年6月``) in the period (:meth:`Period.deadline`), never before the month
        after today: a date already past moves to that month (or, when that is after the period, to the
        period's last month)."""
        text = self.period.deadline(spec)
        ym = deadline_month(text)
        if ym is None:
            return text
        first = self.first_month()
        if ym >= first:
            return text
        y, m = first if first[0] <= self.period.end else (self.period.end, 12)
        return f"{y}年{m}月"


def _dates(value: object) -> list[date | None]:
    out: list[date | None] = []
    for part in re.split(r"[；;]", str(value or "")):
        m = re.search(r"(\d{4})(?:\D+(\d{1,2}))?(?:\D+(\d{1,2}))?", part)
        out.append(date(int(m.group(1)), int(m.group(2) or 12), int(m.group(3) or 1)) if m else None)
    return out


def horizon_of(store: Store, policy: str = NOTICE) -> int:
    """The notice's horizon: the latest deadline year of its targets (``2025``), else :data:`DEFAULT_HORIZON`."""
    try:
        years = [int(str(t.get("deadline"))[:4]) for t in targets(store, policy)
                 if str(t.get("kind", "target")) != "condition" and re.match(r"^\d{4}", str(t.get("deadline") or ""))]
    except LookupError:
        years = []
    return max(years) if years else DEFAULT_HORIZON


def stage_of(store: Store, city: str, *, today: date | None = None, period: Period | str | None = None,
             kind: str | None = None) -> Stage:
    """The city's stage on ``today`` (default: the real date) and the period its deadlines fall in.

    Parameters
    ----------
    store : Store
    city : str
        The city's code.
    today : date or None
        The date the draft is made on; None for today.
    period : Period, str or None
        The period (``"2027-2029"``); None: three years from ``today`` (:meth:`Period.parse`).
    kind : str or None
        Force a document (:data:`KINDS`); None: by the rule of this module.

    Returns
    -------
    Stage

    Raises
    ------
    LookupError
        The city is not in the graph.
    ValueError
        The period ends before ``today``'s year, or an unknown ``kind``.
    """
    day = today or date.today()
    per = Period.parse(period, today=day)
    if per.end < day.year:
        raise ValueError(f"pilot period {per.text}: it ends before today ({day.isoformat()}); choose years from "
                         f"{day.year} on")
    props = city_node(store, city).props
    levels = [x.strip() for x in re.split(r"[；;]", str(props.get("pilot_level") or ""))]
    issued = _dates(props.get("pilot_issued"))
    selected = sorted(d for lv, d in zip(levels, issued + [None] * len(levels), strict=False)
                      if lv == PROVINCIAL and d is not None and d <= day)
    horizon = horizon_of(store)
    if kind is None:
        kind = APPLICATION if not selected else (PROGRESS if day.year <= horizon else EVALUATION)
    if kind not in KINDS:
        raise ValueError(f"document {kind!r}: choose one of {', '.join(KINDS)}")
    first = selected[0] if selected else None
    return Stage(kind, day, per, horizon, first, str(props.get("pilot_batch") or ""),
                 str(props.get("pilot_document") or ""))

"""Drafts of a city's application (Attachment 1 + 2, the pilot plan) as both faces ask for them: the
options checked, the city required, the drafting itself in :mod:`iekg.reports`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from iekg.graph.store import Store
from iekg.service.arguments import ArgumentError, literal
from iekg.service.places import require_cities
from iekg.service.provenance import Answer


def parse_today(today: str | date | None) -> date | None:
    """The date a draft is made on (``--today 2026-12-06``), checked; None: the real date.

    Parameters
    ----------
    today : str, date or None
        An ISO date.

    Returns
    -------
    date or None

    Raises
    ------
    ArgumentError
        A date that is not ``YYYY-MM-DD``.
    """
    if today is None or isinstance(today, date):
        return today
    try:
        return date.fromisoformat(str(today).strip())
    except ValueError:
        raise ArgumentError(f"today {today!r}: write the date as YYYY-MM-DD, e.g. 2026-12-06", "today") from None


def draft_options(period: str | None, types: str | None, today: str | date | None = None,
                  document: str | None = None) -> tuple[Any, tuple[str, ...] | None]:
    """The period and the gap types to draft, checked (before the store is opened).

    Parameters
    ----------
    period : str, optional
        e.g. ``2027-2029`` (default: three years from ``today``); it may not end before ``today``'s year.
    types : str, optional
        Gap types, comma-separated (default: all).
    today : str or date, optional
        The date the draft is made on (:func:`parse_today`; default: the real date).
    document : str, optional
        ``application``, ``progress`` or ``evaluation`` (default: by the city's stage).

    Returns
    -------
    tuple
        The :class:`iekg.reports.Period` and the gap types (None: all).

    Raises
    ------
    ArgumentError
        A period, date, document or gap type that is not understood.
    """
    from iekg import reports

    day = parse_today(today)
    if document is not None and document not in reports.KINDS:
        raise ArgumentError(f"document {document!r}: choose one of {', '.join(reports.KINDS)}", "document")
    try:
        per = reports.Period.parse(period, today=day)
    except ValueError as exc:
        raise ArgumentError(literal(exc), "period") from None
    now = day or date.today()
    if per.end < now.year:
        raise ArgumentError(f"period {per.text}: it ends before today ({now.isoformat()}); choose years from "
                            f"{now.year} on", "period")
    try:
        kinds = reports.parse_types(types)
    except ValueError as exc:
        raise ArgumentError(literal(exc), "types") from None
    return per, kinds


def attachments(store: Store, city: str, output: str | Path, **options: Any) -> dict[str, Any]:
    """Write Attachment 1 (问题清单) and 2 (政策清单) of ``city`` as one workbook.

    Parameters
    ----------
    store, city : Store, str
        The graph and the code of the city the draft is for.
    output : str or Path
        The .xlsx file to write.
    **options
        ``year``, ``max_generated``, ``period``, ``types``, ``min_people``, ``today``, ``document``
        (:func:`iekg.reports.export_attachments`).

    Returns
    -------
    dict
        The path, the rows written (own and drafted) and ``illustrative``.
    """
    from iekg import reports

    require_cities(store, [city])
    return reports.export_attachments(store, city, output, **options)  # type: ignore[no-any-return]


def plan_files(store: Store, city: str, output: str | Path, **options: Any) -> list[Path]:
    """Write the draft pilot plan (.md, and .docx when python-docx is there) and the internal diagnosis.

    Parameters
    ----------
    store, city : Store, str
        The graph and the code of the city the draft is for.
    output : str or Path
        The .md (or .docx) file to write.
    **options
        ``year``, ``period``, ``types``, ``min_people``, ``today``, ``document`` (:func:`iekg.reports.write_plan`:
        the application plan, or for a city already selected its progress or evaluation report).

    Returns
    -------
    list of Path
        The files written.
    """
    from iekg import reports

    require_cities(store, [city])
    return reports.write_plan(store, city, output, **options)  # type: ignore[no-any-return]


def plan_text(store: Store, city: str, year: int | None = None, **options: Any) -> Answer:
    """The document the city needs now as Markdown text — the draft pilot plan, or for a city already
    selected its progress or evaluation report (its first line is the title) — illustrative when the city's
    figures are.

    Parameters
    ----------
    store, city : Store, str
        The graph and the code of the city the draft is for.
    year : int, optional
        The figures' year (default: the latest).
    **options
        ``period``, ``today``, ``document`` (:func:`iekg.reports.plan_markdown`).

    Returns
    -------
    Answer
        ``data`` is the Markdown text.
    """
    from iekg import reports

    require_cities(store, [city])
    return Answer(reports.plan_markdown(store, city, year=year, **options),
                  lambda: reports.uses_illustrative_data(store, city), [city])


def plan_docx(text: str, path: str | Path) -> Path | None:
    """The plan's Markdown as a Word file (None when python-docx is not installed).

    No city check here: ``text`` is what :func:`plan_text` returned (:func:`iekg.reports.markdown_to_docx`).

    Parameters
    ----------
    text : str
        The plan's Markdown.
    path : str or Path
        The .docx file to write.

    Returns
    -------
    Path or None
        The file written; None (and nothing written) when python-docx is not installed.

    Examples
    --------
    >>> plan_docx(plan_text(store, "4401").data, "plan.docx")
    """
    from iekg import reports

    return reports.markdown_to_docx(text, path)  # type: ignore[no-any-return]

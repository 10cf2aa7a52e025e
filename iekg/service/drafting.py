"""Drafts of a city's application (Attachment 1 + 2, the pilot plan) as both faces ask for them: the
options checked, the city required, the drafting itself in :mod:`iekg.reports`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iekg.graph.store import Store
from iekg.service.arguments import ArgumentError, literal
from iekg.service.places import require_cities
from iekg.service.provenance import Answer


def draft_options(period: str | None, types: str | None) -> tuple[Any, tuple[str, ...] | None]:
    """The pilot period and the gap types to draft, checked (before the store is opened).

    Parameters
    ----------
    period : str, optional
        e.g. ``2026-2028`` (default: three years from this year).
    types : str, optional
        Gap types, comma-separated (default: all).

    Returns
    -------
    tuple
        The :class:`iekg.reports.Period` and the gap types (None: all).

    Raises
    ------
    ArgumentError
        A period or a gap type that is not understood.
    """
    from iekg import reports

    try:
        per = reports.Period.parse(period)
    except ValueError as exc:
        raise ArgumentError(literal(exc), "period") from None
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
        ``year``, ``max_generated``, ``period``, ``types``, ``min_people`` (:func:`iekg.reports.export_attachments`).

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
        ``year``, ``period``, ``types``, ``min_people`` (:func:`iekg.reports.write_plan`).

    Returns
    -------
    list of Path
        The files written.
    """
    from iekg import reports

    require_cities(store, [city])
    return reports.write_plan(store, city, output, **options)  # type: ignore[no-any-return]


def plan_text(store: Store, city: str, year: int | None = None) -> Answer:
    """The draft pilot plan as Markdown text, illustrative when the city's figures are.

    Parameters
    ----------
    store, city : Store, str
        The graph and the code of the city the draft is for.
    year : int, optional
        The figures' year (default: the latest).

    Returns
    -------
    Answer
        ``data`` is the Markdown text.
    """
    from iekg import reports

    require_cities(store, [city])
    return Answer(reports.plan_markdown(store, city, year=year), lambda: reports.uses_illustrative_data(store, city),
                  [city])


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

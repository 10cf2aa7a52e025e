"""Reading and loading data: ``iekg build`` and ``iekg import`` / ``validate`` (and the API's imports)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iekg.graph.store import ApplyResult, Store, audit_entry
from iekg.loaders import pipeline
from iekg.loaders.demorows import DEMO_ROWS
from iekg.loaders.readers import read_paths
from iekg.loaders.report import Report
from iekg.loaders.source import ILLUSTRATIVE, REFERENCE, USER, SourceTable
from iekg.settings import Settings

Progress = Callable[[str], None]
__all__ = ["DEMO_ROWS", "LoadOutcome", "Progress", "audit_for", "build", "file_facts", "import_paths", "read_sources"]


@dataclass
class LoadOutcome:
    report: Report
    result: ApplyResult | None = None
    seconds: float = 0.0
    sources: list[str] = field(default_factory=list)


def read_sources(settings: Settings, data: Sequence[str | Path], *, demo: bool, public: Path | None,
                 report: Report) -> list[SourceTable]:
    """The inputs of ``iekg build``: shipped reference, optional official lists, the demo, the user's data.

    In that order (the official lists first, so that the reference tables' corrected names win); the seed
    notice's CSVs come with the reference, the ``notice_*`` CSVs are not read as reference tables.  Nothing is
    raised for a missing file or folder: each problem is added to ``report`` as an error.

    Parameters
    ----------
    settings : Settings
        Where the reference and demo folders are.
    data : sequence of str or Path
        The user's files and folders (read lazily: a build reads each big file's rows once, in order).
    demo : bool
        Also read the demo (illustrative) data.
    public : Path or None
        A folder of official public lists, or None.
    report : Report
        Collects the reading problems.

    Returns
    -------
    list of SourceTable
        The tables read, each marked with its source kind (reference, illustrative, user …).
    """
    from iekg.loaders import notice

    tables: list[SourceTable] = []
    if public is not None:  # first, so that the reference tables' corrected names win
        from iekg.loaders import official

        tables += official.read_public_dir(public)
    ref_files = [f for f in sorted(settings.reference_dir.glob("*.csv")) if not f.name.startswith("notice_")]
    tables += read_paths(ref_files, report, kind=REFERENCE)
    tables += notice.read_notice_csvs(settings.reference_dir)  # the seed notice, kind "document"
    if demo:
        tables += read_paths([settings.demo_dir], report, kind=ILLUSTRATIVE)
    tables += read_paths(data, report, kind=USER, lazy=True)  # a build reads each big file's rows once, in order
    return tables


def file_facts(files: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Name, size and SHA-256 of each input file that was read (the import history's ``files``).

    Each path is counted once, in sorted order; a path that is not a file (a folder, a missing one) is skipped.

    Parameters
    ----------
    files : iterable of str or Path
        The files read.

    Returns
    -------
    list of dict
        One per file: ``name``, ``size`` (bytes) and ``sha256`` (hex).

    Examples
    --------
    >>> file_facts(["data/institutions.csv"])
    """
    out = []
    for f in sorted({Path(x) for x in files}):
        if not f.is_file():
            continue
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        out.append({"name": f.name, "size": f.stat().st_size, "sha256": h.hexdigest()})
    return out


def audit_for(tables: Sequence[SourceTable], who: str | None, via: str) -> dict[str, Any]:
    """The history entry of a load of ``tables``: every file read (a folder's files one by one).

    Parameters
    ----------
    tables : sequence of SourceTable
        The tables loaded.
    who : str or None
        Who loads them (an OS user, an API key's label).
    via : str
        Through what (``build``, ``cli``, ``api`` …).

    Returns
    -------
    dict
        The entry :func:`iekg.graph.store.audit_entry` makes: ``at``, ``who``, ``via`` and ``files``
        (:func:`file_facts`).
    """
    return audit_entry(who, via, file_facts(t.file for t in tables))


def build(store: Store, settings: Settings, data: Sequence[str | Path] = (), *, demo: bool = True,
          public: Path | None = None, progress: Progress | None = None, who: str | None = None,
          via: str = "build") -> LoadOutcome:
    """A fresh graph from the shipped reference (+ official lists) + the demo (+ the given data).

    The store's import history records it: ``who`` (an OS user, an API key's label), ``via`` and every
    file read.

    Reads (:func:`read_sources`), validates everything against an empty graph, then replaces the store's
    graph by the result, all or nothing.

    Parameters
    ----------
    store : Store
        The graph to replace.
    settings : Settings
        Where the reference and demo folders are.
    data : sequence of str or Path
        The user's files and folders (default: none).
    demo : bool
        Also load the demo (illustrative) data (default: True).
    public : Path, optional
        A folder of official public lists.
    progress : callable, optional
        Told each step: ``read``, ``validate``, ``done``.
    who : str, optional
        Who builds, for the import history.
    via : str
        Through what, for the import history (default ``build``).

    Returns
    -------
    LoadOutcome
        The report, the :class:`~iekg.graph.store.ApplyResult`, the seconds taken and the files read.

    Raises
    ------
    iekg.loaders.report.ImportFailed
        When reading or validating found errors (carrying the report); the store is untouched.

    Examples
    --------
    >>> build(store, settings, ["my_data/"], demo=False, who="alice")
    """
    t0 = time.perf_counter()
    report = Report()
    say = progress or (lambda _m: None)
    say("read")
    tables = read_sources(settings, data, demo=demo, public=public, report=report)
    say("validate")
    if not report.ok:
        raise pipeline.ImportFailed(report)
    audit = audit_for(tables, who, via)
    report, result = pipeline.load(store, tables, report, fresh=True, public_dir=public, consume=True, audit=audit)
    say("done")
    return LoadOutcome(report, result, time.perf_counter() - t0, sorted({t.file for t in tables}))


def import_paths(store: Store, paths: Iterable[str | Path], *, dry_run: bool = False,
                 demo_rows: str = "stop", who: str | None = None, via: str = "cli") -> LoadOutcome:
    """Validate the files and, when there is no error, add them to the graph (all or nothing).

    ``demo_rows``: what to do when the graph holds illustrative (demo) rows of a city the files are about —
    ``stop`` (default: an error that explains the choices), ``replace`` (delete that city's illustrative
    rows in the same write) or ``keep`` (both, each marked by source_kind).
    A real import (not ``dry_run``) is recorded in the store's import history with ``who``, ``via`` and
    the name, size and SHA-256 of every file read; a failed import or a dry run records nothing.

    Parameters
    ----------
    store : Store
        The graph to add to.
    paths : iterable of str or Path
        The files and folders to import.
    dry_run : bool
        Only validate; write nothing.
    demo_rows : str
        ``stop``, ``replace`` or ``keep`` (see above).
    who : str, optional
        Who imports, for the import history.
    via : str
        Through what, for the import history (default ``cli``).

    Returns
    -------
    LoadOutcome
        The report, the :class:`~iekg.graph.store.ApplyResult` (None for a dry run), the seconds taken and
        the files read.

    Raises
    ------
    iekg.loaders.report.ImportFailed
        When reading or validating found errors (all of them in its report); nothing is written.
    ValueError
        When ``demo_rows`` is none of ``stop``, ``replace``, ``keep`` (checked once the files are valid).

    Examples
    --------
    >>> import_paths(store, ["enterprises.xlsx"], dry_run=True)
    """
    t0 = time.perf_counter()
    report = Report()
    tables = read_paths(paths, report, kind=USER)
    if not report.ok:
        changes, report = pipeline.prepare(store, tables, report)  # collect the rest of the errors too
        raise pipeline.ImportFailed(report)
    report, result = pipeline.load(store, tables, report, dry_run=dry_run, demo_rows=demo_rows,
                                   audit=None if dry_run else audit_for(tables, who, via))
    return LoadOutcome(report, result, time.perf_counter() - t0, sorted({t.file for t in tables}))

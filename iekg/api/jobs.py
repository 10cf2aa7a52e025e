"""Imports without holding up the readers: read and validate outside the write lock, apply under it.

The steps of one import (the API's ``POST /imports``):

1. **save** the upload to a private folder (no lock);
2. **read** the files (CSV/XLSX parsing, the expensive part for a big file: no lock at all);
3. **validate** against the graph (``pipeline.prepare``) under the *shared* lock — readers keep being
   answered — and note what the graph was (:meth:`StoreHolder.state`);
4. **apply** under the *exclusive* lock.  If the graph changed between 3 and 4 (another import through
   this server, a reload of a graph file written by the CLI, or — on Neo4j — a new graph version written
   by anyone), the already-read tables are validated again under the exclusive lock, so references are
   checked against the graph that is actually written to (all or nothing still holds).  Re-validating
   parsed rows is cheap next to reading the files, and it happens only when someone else wrote.

Small uploads run these steps inside the request (``200``).  Uploads above ``IEKG_IMPORT_JOB_BYTES`` run
as a **job**: ``202 Accepted`` with ``Location: /imports/jobs/{id}``, whose status moves
``queued → validating → applying → done | failed``.  On the embedded store a job's steps run in a child
process (:mod:`iekg.api.importer`): parsing 150,000 rows would otherwise hold the interpreter lock the
server's readers need; other stores run them on a thread of their own.

On the embedded store "the exclusive lock" of step 4 excludes only the server's other writers: SQLite's WAL
lets every reader go on reading the last committed graph while an import writes
(:meth:`~iekg.api.deps.StoreHolder.acquire_write`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iekg import service
from iekg.api.errors import READ_ONLY, STORE_DOWN, ProblemError, is_read_only, is_store_down, problem_body
from iekg.graph.store import ApplyResult, ChangeSet, Store
from iekg.loaders import pipeline
from iekg.loaders.readers import read_paths
from iekg.loaders.report import ImportFailed, Report
from iekg.loaders.source import USER

if TYPE_CHECKING:
    from iekg.api.deps import StoreHolder
    from iekg.loaders.source import SourceTable

log = logging.getLogger("iekg.api")
UPLOAD_PREFIX = "iekg-upload-"


# ------------------------------------------------------------------------------------------ uploads
def upload_root(upload_dir: Path | None) -> Path:
    root = Path(upload_dir) if upload_dir is not None else Path(tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    return root


def new_upload_folder(upload_dir: Path | None) -> Path:
    """A private folder named after this process (``iekg-upload-{pid}-…``): a later start can tell the
    folders of a crashed server from those of a running one."""
    return Path(tempfile.mkdtemp(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-", dir=upload_root(upload_dir))).resolve()


@dataclass
class Upload:
    folder: Path
    paths: list[Path]
    size: int

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.paths]

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def scrub(text: str, folder: Path) -> str:
    """``text`` with the server's upload folder cut out: ``…/iekg-upload-123-x/programs.csv`` → ``programs.csv``
    (the folder alone → ``the upload``)."""
    for f in {str(folder), os.path.realpath(folder)}:
        if f in text:
            text = text.replace(f + os.sep, "").replace(f, "the upload")
    return text


def relocate(report: Report, folder: Path) -> None:
    """Issues name the uploaded file, never the server's temporary copy (its folder holds the server's path
    and process id): cut from the file and from every text of every issue."""
    for i in report.issues:
        for name in ("file", "message", "fix", "value", "repaired"):
            v = getattr(i, name)
            if isinstance(v, str):
                setattr(i, name, scrub(v, folder))


# ------------------------------------------------------------------------------------------ the steps
@dataclass(frozen=True)
class Options:
    """What an import asks for besides its files (as ``iekg import`` takes them)."""

    dry_run: bool = False
    demo_rows: str = "stop"  # stop | replace | keep: a city's illustrative (demo) rows in the graph
    who: str | None = None  # recorded in the import history
    via: str = "api"


@dataclass
class Read:
    tables: list[SourceTable]
    report: Report  # the readers' issues and row counts only
    opts: Options = field(default_factory=Options)

    def fresh_report(self) -> Report:
        return Report(list(self.report.issues), dict(self.report.tables))


def read(upload: Upload, opts: Options | None = None) -> Read:
    """Step 2: parse the files (no lock)."""
    report = Report()
    tables = read_paths(upload.paths, report, kind=USER)
    return Read(tables, report, opts or Options())


def validate(store: Store, r: Read) -> tuple[ChangeSet, Report]:
    """Step 3 (shared lock): the contract, the references against the graph and the demo-rows check
    (``pipeline.check``, as ``iekg import``); ImportFailed on errors."""
    return pipeline.check(store, r.tables, r.fresh_report(), dry_run=r.opts.dry_run, demo_rows=r.opts.demo_rows)


def apply(holder: StoreHolder, store: Store, r: Read, changes: ChangeSet, report: Report,
          seen: tuple[int, str | None]) -> tuple[Report, ApplyResult]:
    """Step 4 (exclusive lock): validate again only if the graph changed since step 3, then write."""
    if holder.state() != seen:
        log.info("the graph changed while an upload was validated: validating it again before writing")
        changes, report = validate(store, r)
    return report, store.apply(changes, audit=service.audit_for(r.tables, r.opts.who, r.opts.via))


@dataclass
class Outcome:
    report: Report
    result: ApplyResult | None
    files: list[str]
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        result = self.result.as_dict() if self.result else None
        return {**self.report.as_dict(), "dry_run": self.dry_run,
                "changed": bool(result and any(result.values())), "files": self.files, "result": result}


def invalid(exc: ImportFailed, folder: Path) -> ProblemError:
    relocate(exc.report, folder)
    return ProblemError("invalid-data", f"{len(exc.report.errors)} error(s) in the upload; nothing was changed",
                        errors=[i.as_dict() for i in exc.report.errors], report=exc.report.as_dict(), changed=False)


async def run_inline(holder: StoreHolder, upload: Upload, opts: Options) -> Outcome:
    """The steps inside a request (lock waits on the holder's own executor, work on the thread pool)."""
    from fastapi.concurrency import run_in_threadpool

    try:
        r = await run_in_threadpool(read, upload, opts)
        async with holder.read() as store:
            seen = await run_in_threadpool(holder.state)
            changes, report = await run_in_threadpool(validate, store, r)
        if opts.dry_run:
            relocate(report, upload.folder)
            return Outcome(report, None, upload.names, True)
        async with holder.write() as store:
            report, result = await run_in_threadpool(apply, holder, store, r, changes, report, seen)
    except ImportFailed as exc:
        raise invalid(exc, upload.folder) from None
    relocate(report, upload.folder)
    return Outcome(report, result, upload.names, False)


def run_blocking(holder: StoreHolder, upload: Upload, opts: Options,
                 phase: Callable[[str, float], None] = lambda _p, _f: None) -> Outcome:
    """The same steps on a thread of one's own (a job)."""
    try:
        phase("validating", 0.1)
        r = read(upload, opts)
        phase("validating", 0.5)
        with holder.reading() as store:
            seen = holder.state()
            changes, report = validate(store, r)
        if opts.dry_run:
            relocate(report, upload.folder)
            return Outcome(report, None, upload.names, True)
        phase("applying", 0.8)
        with holder.writing() as store:
            report, result = apply(holder, store, r, changes, report, seen)
    except ImportFailed as exc:
        raise invalid(exc, upload.folder) from None
    relocate(report, upload.folder)
    return Outcome(report, result, upload.names, False)


# ------------------------------------------------------------------------------------------ jobs
STATUSES = ("queued", "validating", "applying", "done", "failed")


@dataclass
class Job:
    id: str
    files: list[str]
    size: int
    dry_run: bool
    status: str = "queued"
    progress: float = 0.0
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    result: dict[str, Any] | None = None
    problem: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
        return {"id": self.id, "status": self.status, "progress": round(self.progress, 2),
                "files": self.files, "bytes": self.size, "dry_run": self.dry_run,
                "created": iso(self.created), "updated": iso(self.updated),
                "location": f"/imports/jobs/{self.id}", "result": self.result, "problem": self.problem}


class Jobs:
    """The import jobs of one app: at most ``running`` at a time (the others wait, ``queued``), at most
    ``keep`` remembered (the oldest finished ones are forgotten first)."""

    def __init__(self, holder: StoreHolder, *, running: int = 1, keep: int = 100, pending: int = 20) -> None:
        self.holder = holder
        self._slots = threading.BoundedSemaphore(max(1, running))
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self.keep = keep
        self.pending = pending
        self.in_process = True  # jobs of the embedded store on a file run in a child process

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def submit(self, upload: Upload, opts: Options, retry_after: int) -> Job:
        with self._lock:
            waiting = sum(1 for j in self._jobs.values() if j.status not in ("done", "failed"))
            if waiting >= self.pending:
                upload.remove()
                raise ProblemError("busy", f"{waiting} import jobs are waiting; try again in {retry_after} s",
                                   headers={"Retry-After": str(retry_after)})
            job = Job(uuid.uuid4().hex, upload.names, upload.size, opts.dry_run)
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
            for k in finished[: max(0, len(self._jobs) - self.keep)]:
                del self._jobs[k]
        threading.Thread(target=self._run, args=(job, upload, opts), name=f"iekg-import-{job.id[:8]}", daemon=True).start()
        return job

    def _phase(self, job: Job, status: str, progress: float) -> None:
        job.status, job.progress, job.updated = status, progress, time.time()

    def _steps(self, upload: Upload, opts: Options, phase: Callable[[str, float], None]) -> dict[str, Any]:
        """In a child process for the embedded store on a file (:mod:`iekg.api.importer`: the parsing does
        not hold the server's interpreter lock), on this thread otherwise."""
        from iekg.api import importer

        if self.in_process and importer.in_process_capable(self.holder.store):
            return importer.run(self.holder, upload, opts, phase)
        return run_blocking(self.holder, upload, opts, phase).as_dict()

    def _run(self, job: Job, upload: Upload, opts: Options) -> None:
        try:
            with self._slots:
                job.result = self._steps(upload, opts, lambda s, f: self._phase(job, s, f))
            self._phase(job, "done", 1.0)
        except ProblemError as exc:
            job.problem = problem_body(exc.kind, exc.status, exc.detail, "/imports", **exc.extra)
            self._phase(job, "failed", 1.0)
        except Exception as exc:  # noqa: BLE001 - a job must end in a state, never vanish
            if is_read_only(exc):
                log.warning("import job %s refused: %s", job.id, exc)
                job.problem = problem_body("read-only", 403, READ_ONLY, "/imports", changed=False)
            elif is_store_down(exc):
                log.warning("import job %s: the store is unavailable: %s: %s", job.id, type(exc).__name__, exc)
                job.problem = problem_body("store-unavailable", 503, STORE_DOWN, "/imports", changed=False)
            else:
                ref = uuid.uuid4().hex[:12]
                log.error("import job %s failed (reference %s)", job.id, ref, exc_info=exc)
                job.problem = problem_body("internal-error", 500, f"an unexpected error (reference {ref}); the "
                                           "server log has the details", "/imports")
            self._phase(job, "failed", 1.0)
        finally:
            upload.remove()

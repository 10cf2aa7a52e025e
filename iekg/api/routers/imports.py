"""Imports: upload template CSV files (or one XLSX workbook) → the full validation report; all or nothing.

Needs the header ``X-API-Key`` (``IEKG_API_KEY``).  ``dry_run=true`` validates only.  Any error answers
422 (``application/problem+json``) with every issue located by file, sheet, row and column, and the graph
unchanged; a file loaded twice changes nothing the second time."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as Path_
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from iekg import service
from iekg.api import jobs
from iekg.api.deps import HolderDep, SettingsDep, StoreDep, require_api_key
from iekg.api.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_REF,
    ProblemError,
    problem_body,
    problem_responses,
    read_only_problem,
)
from iekg.api.models import ImportJob, ImportRecord, ImportResult
from iekg.service import DEMO_ROWS
from iekg.settings import Settings

router = APIRouter(tags=["imports"])
CHUNK = 1 << 16

INVALID_EXAMPLE = problem_body(
    "invalid-data", 422, "1 error(s) in the upload; nothing was changed", "/imports",
    errors=[{"severity": "error", "code": "missing_ref", "file": "enterprises.csv", "sheet": None,
             "table": "enterprises", "row": 3, "column": "所在城市代码", "value": "419999",
             "message": "城市「419999」不在图中", "fix": "检查城市代码，或先导入该城市"}],
    report={"ok": False, "errors": 1, "warnings": 0, "rows": {"enterprises": 2}, "issues": []}, changed=False)


def safe_name(raw: str | None) -> str:
    """The file name without any folder part (browsers on Windows may send C:\\…\\专业开设.csv)."""
    name = re.split(r"[\\/]", raw or "")[-1].strip()
    if not name or name.startswith(".") or len(name) > 200 or "\x00" in name:
        raise ProblemError("invalid-request", f"unusable file name {raw!r}: name files like the template tables, "
                                              "e.g. programs.csv or 专业开设.csv")
    return name


def _save(files: list[UploadFile], folder: Path, limit: int) -> list[Path]:
    paths, total, seen = [], 0, set()
    for up in files:
        name = safe_name(up.filename)
        if name.lower() in seen:
            raise ProblemError("invalid-request", f"file {name} is uploaded twice")
        seen.add(name.lower())
        p = folder / name
        with open(p, "wb") as out:
            while chunk := up.file.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise ProblemError("payload-too-large", f"the upload is larger than the limit of {limit} bytes")
                out.write(chunk)
        paths.append(p)
    return paths


def _saved(files: list[UploadFile], settings: Settings) -> jobs.Upload:
    folder = jobs.new_upload_folder(settings.upload_dir)
    try:
        paths = _save(files, folder, settings.max_upload_bytes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return jobs.Upload(folder, paths, sum(p.stat().st_size for p in paths))


def get_jobs(request: Request) -> jobs.Jobs:
    return request.app.state.jobs  # type: ignore[no-any-return]


JobsDep = Annotated[jobs.Jobs, Depends(get_jobs)]


@router.post("/imports", response_model=ImportResult, summary="Import data 导入数据 (all or nothing)",
             dependencies=[Depends(require_api_key)],
             responses={202: {"description": "a big upload (above IEKG_IMPORT_JOB_BYTES) runs as a job: follow "
                                             "the Location header (GET /imports/jobs/{id})", "model": ImportJob,
                              "headers": {"Location": {"description": "the job's status URL",
                                                       "schema": {"type": "string"}}}},
                        422: {"description": "invalid data (nothing changed) or invalid request",
                              "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF, "example": INVALID_EXAMPLE}}},
                        **problem_responses(400, 401, 403, 413, 429)})
async def import_files(holder: HolderDep, settings: SettingsDep, queue: JobsDep,
                 files: Annotated[list[UploadFile], File(description="template CSV files (named like the tables: "
                                                         "programs.csv, 专业开设.csv …) or one XLSX workbook "
                                                         "(one sheet per table)")],
                 dry_run: Annotated[bool, Query(description="validate only, change nothing")] = False,
                 demo_rows: Annotated[Literal[DEMO_ROWS], Query(  # type: ignore[valid-type]
                     description="when the graph holds illustrative (demo) rows of a city the data is about: stop "
                                 "(default: 422, nothing changed), replace (delete that city's demo rows in the same "
                                 "write) or keep (both, marked by source_kind)")] = "stop",
                 ) -> Any:
    """Validate the uploaded files against the data contract and the graph and, when there is no error
    (and not ``dry_run``), add them to the graph in one all-or-nothing write — ``iekg import`` /
    ``iekg validate``.  Warnings do not stop an import; they come back in ``issues``.

    The files are read and validated while every read goes on being answered; the graph is locked only
    to write.  An upload larger than ``IEKG_IMPORT_JOB_BYTES`` (default 1 MiB) answers ``202 Accepted``
    at once with ``Location: /imports/jobs/{id}``: poll it for the status, the progress and, at the end,
    this same result (``done``) or the problem (``failed``)."""
    opts = jobs.Options(dry_run=dry_run, demo_rows=demo_rows, who=settings.api_key_label, via="api")
    if not dry_run and getattr(holder.store, "read_only", False):  # refused before the upload is read
        raise read_only_problem()
    upload = await run_in_threadpool(_saved, files, settings)
    if upload.size > settings.import_job_bytes:
        job = queue.submit(upload, opts, settings.retry_after)
        return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/imports/jobs/{job.id}"})
    try:
        outcome = await jobs.run_inline(holder, upload, opts)
    finally:
        await run_in_threadpool(upload.remove)
    return outcome.as_dict()


HISTORY_EXAMPLE = [{"id": 3, "at": "2026-12-04T18:02:11+00:00", "who": "api-key", "via": "api",
                    "files": [{"name": "enterprises.csv", "size": 215,
                               "sha256": "2a3d8b02158ba86eb409aa18b1a365489ab8280bf69704e56b3d4f250194fe18"}],
                    "changes": {"nodes_created": 2, "nodes_updated": 0, "rels_created": 4, "rels_updated": 0,
                                "rels_deleted": 0}}]


@router.get("/imports", response_model=list[ImportRecord], summary="Import history 导入记录",
            responses={200: {"description": "the recorded imports, newest first (an empty list when none)",
                             "content": {"application/json": {"example": HISTORY_EXAMPLE}}}})
def import_history(store: StoreDep,
                   limit: Annotated[int, Query(ge=1, le=1000, description="at most this many, newest first")] = 50,
                   ) -> list[dict[str, Any]]:
    """Every recorded import (``iekg history``), newest first: who (the API key's label
    ``IEKG_API_KEY_LABEL`` or the OS user of a terminal import), when, via which interface, which files
    (name, size, SHA-256) and what it changed.  Dry runs and failed imports are not recorded."""
    return service.history(store, limit)


@router.get("/imports/jobs/{job_id}", response_model=ImportJob, summary="Import job status 导入任务状态",
            dependencies=[Depends(require_api_key)], responses=problem_responses(401, 403, 404))
def import_job(queue: JobsDep, job_id: Annotated[str, Path_(pattern=r"^[0-9a-f]{32}$",
                                                             description="the id from POST /imports")]) -> Any:
    """A big import's state: ``queued``, ``validating``, ``applying``, then ``done`` (with ``result``, as
    POST /imports answers) or ``failed`` (with ``problem``: the problem details, e.g. every data error)."""
    job = queue.get(job_id)
    if job is None:
        raise ProblemError("not-found", f"import job {job_id} is not known (jobs are kept until the server "
                                        "restarts, the last 100 at most)")
    return job.as_dict()

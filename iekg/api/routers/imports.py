"""Imports: upload template CSV files (or one XLSX workbook) → the full validation report; all or nothing.

Needs the header ``X-API-Key`` (``IEKG_API_KEY``).  ``dry_run=true`` validates only.  Any error answers
422 (``application/problem+json``) with every issue located by file, sheet, row and column, and the graph
unchanged; a file loaded twice changes nothing the second time."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from iekg import service
from iekg.api.deps import HolderDep, SettingsDep, StoreDep, require_api_key
from iekg.api.errors import PROBLEM_MEDIA_TYPE, PROBLEM_REF, ProblemError, problem_body, problem_responses
from iekg.api.models import ImportRecord, ImportResult
from iekg.loaders.report import ImportFailed, Report

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


def _relocate(report: Report, folder: Path) -> None:
    """Issues name the uploaded file, not the server's temporary copy."""
    prefix = str(folder) + "/"
    for i in report.issues:
        if i.file and i.file.startswith(prefix):
            i.file = i.file[len(prefix):]


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


@router.post("/imports", response_model=ImportResult, summary="Import data 导入数据 (all or nothing)",
             dependencies=[Depends(require_api_key)],
             responses={422: {"description": "invalid data (nothing changed) or invalid request",
                              "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF, "example": INVALID_EXAMPLE}}},
                        **problem_responses(401, 403, 413)})
async def import_files(holder: HolderDep, settings: SettingsDep,
                 files: Annotated[list[UploadFile], File(description="template CSV files (named like the tables: "
                                                         "programs.csv, 专业开设.csv …) or one XLSX workbook "
                                                         "(one sheet per table)")],
                 dry_run: Annotated[bool, Query(description="validate only, change nothing")] = False,
                 demo_rows: Annotated[Literal["stop", "replace", "keep"], Query(
                     description="when the graph holds illustrative (demo) rows of a city the data is about: stop "
                                 "(default: 422, nothing changed), replace (delete that city's demo rows in the same "
                                 "write) or keep (both, marked by source_kind)")] = "stop",
                 ) -> dict[str, Any]:
    """Validate the uploaded files against the data contract and the graph and, when there is no error
    (and not ``dry_run``), add them to the graph in one all-or-nothing write — ``iekg import`` /
    ``iekg validate``.  Warnings do not stop an import; they come back in ``issues``."""
    with tempfile.TemporaryDirectory(prefix="iekg-upload-") as tmp:
        folder = Path(tmp).resolve()
        paths = await run_in_threadpool(_save, files, folder, settings.max_upload_bytes)
        names = [p.name for p in paths]
        lock = holder.read if dry_run else holder.write
        try:
            async with lock() as store:
                outcome = await run_in_threadpool(service.import_paths, store, paths, dry_run=dry_run,
                                                  who=settings.api_key_label, via="api", demo_rows=demo_rows)
        except ImportFailed as exc:
            _relocate(exc.report, folder)
            report = exc.report.as_dict()
            raise ProblemError("invalid-data", f"{len(exc.report.errors)} error(s) in the upload; nothing was changed",
                               errors=[i.as_dict() for i in exc.report.errors], report=report,
                               changed=False) from None
        _relocate(outcome.report, folder)
    result = outcome.result.as_dict() if outcome.result else None
    return {**outcome.report.as_dict(), "dry_run": dry_run, "changed": bool(result and any(result.values())),
            "files": names, "result": result}


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

"""An import job of the embedded store in a process of its own, so the server's readers keep the GIL.

A big upload (a province's 150,000 rows) is parsed and validated in Python: seconds of work that hold the
interpreter lock.  On a thread of the server, every read request then waits for the lock at each step
(a search calls a Python function per node row, each call a wait of up to the 5 ms switch interval): reads
took 4–7 s during such an import against 5 ms idle.  So a job on the embedded store (a graph file:
every process can open it; SQLite's WAL lets readers read the last committed state while a writer
writes) runs its steps in a child process:

    python -m iekg.api.importer        (a request line on standard input, JSON)

1. the child reads and validates the upload against the graph (its own connection; the server is not
   involved) and says ``ready``;
2. the server takes its writer slot (:meth:`StoreHolder.writing`: other imports *of this server* wait;
   readers do not) and answers ``go``;
3. the child validates again if the graph's version changed since step 1 (an import by someone else), then
   writes (``Store.apply``: one transaction, all or nothing) and sends the outcome.

Messages are JSON lines on the child's standard output, each prefixed with ``MARK`` (anything else a
library prints goes to standard error).  A server that goes away before ``go`` leaves the graph as it
was (the child sees the end of its input and stops).  The graph in memory and Neo4j keep the thread
(:func:`iekg.api.jobs.run_blocking`): a child cannot open the one, and the other is a server of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from iekg.graph.store import Store, StoreError

if TYPE_CHECKING:
    from iekg.api.deps import StoreHolder
    from iekg.api.jobs import Options, Upload

MARK = "@iekg-job "


def in_process_capable(store: Store | None) -> bool:
    """A store a child process can open on its own: the embedded store on a file."""
    from iekg.graph.sqlitestore import SqliteStore

    return isinstance(store, SqliteStore) and store.path is not None


def run(holder: StoreHolder, upload: Upload, opts: Options,
        phase: Callable[[str, float], None] = lambda _p, _f: None) -> dict[str, Any]:
    """The job's steps in a child process; returns ``Outcome.as_dict()``.  Raises the ProblemError of invalid
    data (every issue), the StoreError the child met, or RuntimeError when the child failed otherwise."""
    from dataclasses import asdict

    from iekg.api.errors import ProblemError

    store = holder.store
    assert in_process_capable(store)
    import iekg

    root = str(Path(iekg.__file__).resolve().parent.parent)  # the child imports this same iekg
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    request = {"db": str(store.path), "write_wait": store.write_wait,  # type: ignore[union-attr]
               "folder": str(upload.folder), "paths": [str(p) for p in upload.paths], "size": upload.size,
               "opts": asdict(opts)}
    child = subprocess.Popen([sys.executable, "-m", "iekg.api.importer"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env, text=True, encoding="utf-8")
    assert child.stdin is not None and child.stdout is not None
    writing = False
    try:
        _send(child.stdin, request)
        for line in child.stdout:
            if not line.startswith(MARK):
                continue
            msg = json.loads(line[len(MARK):])
            if "phase" in msg:
                phase(msg["phase"], float(msg["progress"]))
            elif "ready" in msg:
                phase("applying", 0.8)
                holder.acquire_write()  # this server's other writers wait; readers go on (WAL)
                writing = True
                _send(child.stdin, {"go": True})
            elif "outcome" in msg:
                return msg["outcome"]  # type: ignore[no-any-return]
            elif "problem" in msg:
                p = msg["problem"]
                raise ProblemError(p["kind"], p["detail"], **p.get("extra", {}))
            elif "store_error" in msg:
                from iekg.graph.sqlitestore import ReadOnlyStoreError

                raise (ReadOnlyStoreError if msg.get("read_only") else StoreError)(msg["store_error"])
            elif "error" in msg:
                raise RuntimeError(f"the import process failed: {msg['error']}")
        raise RuntimeError(f"the import process ended without an answer (exit code {child.wait()})")
    finally:
        if writing:
            holder.release_write()
        try:
            child.stdin.close()
        except OSError:
            pass
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - a child that hangs after its answer
            child.kill()
            child.wait()


def _send(stream: IO[str], msg: dict[str, Any]) -> None:
    stream.write(json.dumps(msg, ensure_ascii=False) + "\n")
    stream.flush()


# ------------------------------------------------------------------------------------------ the child
def child(source: IO[str], channel: IO[str]) -> int:
    """The child's side: one request on ``source``, messages on ``channel``."""
    from iekg import service
    from iekg.api.errors import ProblemError
    from iekg.api.jobs import Options, Outcome, Upload, invalid, read, relocate, validate
    from iekg.graph.sqlitestore import SqliteStore
    from iekg.loaders.report import ImportFailed

    def say(**msg: Any) -> None:
        channel.write(MARK + json.dumps(msg, ensure_ascii=False) + "\n")
        channel.flush()

    line = source.readline()
    if not line:
        return 2
    req = json.loads(line)
    upload = Upload(Path(req["folder"]), [Path(p) for p in req["paths"]], int(req["size"]))
    opts = Options(**req["opts"])
    store = SqliteStore(req["db"], write_wait=float(req["write_wait"]))
    try:
        say(phase="validating", progress=0.1)
        r = read(upload, opts)
        say(phase="validating", progress=0.5)
        seen = store.version()
        changes, report = validate(store, r)
        if opts.dry_run:
            relocate(report, upload.folder)
            say(outcome=Outcome(report, None, upload.names, True).as_dict())
            return 0
        say(ready=True)
        if not source.readline():  # the server went away: nothing is written
            return 3
        if store.version() != seen:  # someone else wrote since: check the references again
            changes, report = validate(store, r)
        result = store.apply(changes, audit=service.audit_for(r.tables, opts.who, opts.via))
        relocate(report, upload.folder)
        say(outcome=Outcome(report, result, upload.names, False).as_dict())
        return 0
    except ImportFailed as exc:
        p: ProblemError = invalid(exc, upload.folder)
        say(problem={"kind": p.kind, "detail": p.detail, "extra": p.extra})
    except StoreError as exc:
        from iekg.graph.sqlitestore import ReadOnlyStoreError

        say(store_error=str(exc), read_only=isinstance(exc, ReadOnlyStoreError))
    except Exception as exc:  # noqa: BLE001 - the details to the server's log (standard error), a word to it
        traceback.print_exc()
        say(error=type(exc).__name__)
    finally:
        store.close()
    return 1


def main() -> int:
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever else is printed goes to standard error, never into the messages
    sys.stdout = sys.stderr
    return child(sys.stdin, channel)


if __name__ == "__main__":
    sys.exit(main())

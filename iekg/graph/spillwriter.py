"""The writer process of a build's relationships (:class:`iekg.graph.spill.RelSpill`).

    python -m iekg.graph.spillwriter SCRATCH_FILE

reads pickled batches of relationships from its standard input — a pipe from the build that started it,
never anyone else's data: pickle is only the hand-over between the two processes of one build, nothing is
stored in it (the scratch file and the graph are SQLite) — and writes them as rows of the scratch file's
``stage`` table, one transaction a batch, until the input ends.  It runs on the machine's second core while the build parses on: turning
millions of relationships into JSON and typed columns and writing them is half a national build's work.
An error ends it with its message on standard error and exit code 1; the build reports it and stops.
"""

from __future__ import annotations

import gc
import pickle
import sqlite3
import sys


def main(argv: list[str]) -> int:
    from iekg.graph.spill import stage_rows
    from iekg.graph.sqlite_sql import PUT, SCRATCH_PRAGMAS

    if len(argv) != 2:
        print("usage: python -m iekg.graph.spillwriter SCRATCH_FILE", file=sys.stderr)
        return 2
    gc.disable()  # millions of short-lived tuples and dicts, no cycles: the collector would only walk them
    con = sqlite3.connect(argv[1], isolation_level=None)
    try:
        for pragma in SCRATCH_PRAGMAS:  # a scratch file: nothing to recover
            con.execute(pragma)
        con.execute("PRAGMA cache_size = -32768")
        source = sys.stdin.buffer
        while True:
            try:
                batch = pickle.load(source)  # noqa: S301 — the pipe from the build that started this process
            except EOFError:
                return 0
            con.execute("BEGIN")
            con.executemany(PUT, stage_rows(batch))
            con.execute("COMMIT")
    except Exception as exc:  # a full disk, mostly
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

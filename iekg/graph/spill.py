"""The build spill: a build's relationships in a scratch SQLite file next to the graph, not in memory.

:class:`RelSpill` is what ``SqliteStore.rel_spill`` hands a build (``ChangeSet.rels``); a writer process
(:mod:`iekg.graph.spillwriter`) writes its rows with :func:`stage_rows`, and ``SqliteStore.apply(fresh=True)``
copies the file into the graph with one statement (:data:`~iekg.graph.sqlite_sql.COPY_SPILL`).  The file's
rows are the graph's own (:mod:`iekg.graph.sqlite_rows`); its SQL is in :mod:`iekg.graph.sqlite_sql`.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from iekg.graph import sqlite_sql as sql
from iekg.graph.schema import split_uid
from iekg.graph.sqlite_rows import clean, dumps, key_part, typed_rel
from iekg.graph.store import Rel, StoreError
from iekg.processes import orphans

SPILL_BUFFER = 20_000  # relationships a RelSpill keeps in memory before it writes them to its file
# a spill file and what SQLite keeps beside it (a rollback journal, or the WAL and its index)
_SPILL_NAME = re.compile(r"^\.iekg-spill-(\d+)-.*\.sqlite(?:-journal|-wal|-shm)?$")


class RelSpill(MutableMapping[str, Rel]):
    """The relationships of a build, kept in a temporary SQLite file next to the graph instead of in memory
    (a national graph has millions): a mapping from key to :class:`Rel`, as ``ChangeSet.rels`` is.

    The file is written append-only, in the graph's own column format, with each relationship's place in
    the import (``seq``) as its rowid: ``put(rel, seq)`` costs one row, whatever the order relationships
    come in.  A writer process (:mod:`iekg.graph.spillwriter`) turns them into rows and writes them, on the
    machine's second core, while the build goes on parsing: it gets them in batches of ``buffer``, pickled
    through a pipe, and a full pipe makes the build wait for it.  Of two with one key the later in the
    import wins, as in :meth:`ChangeSet.add_rel`: that is decided once, when :meth:`SqliteStore.apply`
    copies the file into the graph in ``seq`` order into its unique index of keys (one ``INSERT … SELECT``
    … ``ON CONFLICT``).  ``drop(rel, below)`` (a single-valued relationship replaced by a later one) is
    remembered and applied by :meth:`finish`.  The file is removed by :meth:`close`; one left by a killed
    build is removed by the next build in that folder.

    The other mapping operations (lookup, delete and iteration by key) work, by reading the whole file:
    they are for tests and small sets, not for a build."""

    def __init__(self, folder: Path | None = None, buffer: int | None = None) -> None:
        folder = Path(folder) if folder is not None else Path(tempfile.gettempdir())
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_spills(folder)
        fd, name = tempfile.mkstemp(prefix=f".iekg-spill-{os.getpid()}-", suffix=".sqlite", dir=folder)
        os.close(fd)
        self.path = Path(name)
        self.buffer = buffer or SPILL_BUFFER
        self._con: sqlite3.Connection | None = sqlite3.connect(self.path, isolation_level=None,
                                                                 check_same_thread=False)
        try:
            self._con.execute(f"PRAGMA page_size = {sql.PAGE_SIZE}")
            for pragma in sql.SCRATCH_PRAGMAS:
                self._con.execute(pragma)
            self._con.execute(sql.STAGE)
            self._con.execute(sql.GONE)
        except sqlite3.Error as exc:
            self.close()
            raise StoreError(f"{self.path}: cannot create the build's scratch file ({exc})") from None
        self._mem: list[tuple[int, str, str, str, dict[str, Any]]] = []
        self._gone: list[tuple[Rel, int]] = []
        self._ends: set[str] = set()  # every start and end put (a superset of the final ones)
        self._writer: subprocess.Popen[bytes] | None = None
        self._errors: Any = None  # the writer's standard error (a temporary file)
        self._next = 1 << 62  # seq of a plain assignment: after every numbered one

    # -- writing
    def put(self, r: Rel, seq: int) -> None:
        """Add ``r`` at its place ``seq`` in the import (its key follows from the columns)."""
        self._mem.append((seq, r.type, r.src, r.dst, r.props))
        self._ends.add(r.src)
        self._ends.add(r.dst)
        if len(self._mem) >= self.buffer:
            self.flush()

    def drop(self, r: Rel, below: int | None) -> None:
        """Forget every relationship with ``r``'s key put so far, earlier in the import than ``below``
        (None: put so far at all)."""
        self._gone.append((r, below if below is not None else self._next + 1))

    def flush(self) -> None:
        """Hand what waits in memory to the writer process."""
        if not self._mem:
            return
        self._open()
        if self._writer is None:
            import iekg

            root = str(Path(iekg.__file__).resolve().parent.parent)  # the writer imports this same iekg
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
            # its messages go to a file, not a pipe: a pipe nobody reads until the end could fill and stall it
            self._errors = tempfile.TemporaryFile()
            self._writer = subprocess.Popen([sys.executable, "-m", "iekg.graph.spillwriter", str(self.path)],
                                            stdin=subprocess.PIPE, stderr=self._errors, env=env)
        try:
            pickle.dump(self._mem, self._writer.stdin, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
        except OSError:  # the writer stopped: it says why
            self._sync()
            raise StoreError(f"{self.path}: the build's writer process stopped") from None
        self._mem = []

    def _sync(self) -> None:
        """Until the writer process has written everything it was given and ended; its error, if it failed."""
        w, self._writer = self._writer, None
        if w is None:
            return
        try:
            w.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        code = w.wait()
        err = self._read_errors()
        if code != 0:
            raise StoreError(f"{self.path}: 写构建暂存文件失败 · cannot write the build's scratch file next to the "
                             f"graph ({err.splitlines()[-1] if err else f'exit code {w.returncode}'}); "
                             f"free some disk space and build again")

    def _read_errors(self) -> str:
        """What the last writer process said (and the file it said it in closed)."""
        f, self._errors = self._errors, None
        if f is None:
            return ""
        with f:
            f.seek(0)
            return f.read().decode("utf-8", "replace").strip()

    def finish(self) -> None:
        """Write what waits in memory and apply the drops: the file then holds what the graph gets."""
        self.flush()
        self._sync()
        con = self._open()
        if self._gone:
            con.executemany(sql.ADD_GONE,
                            [(*_identity(r), below) for r, below in self._gone])
            self._gone.clear()
            con.execute(sql.DELETE_DEAD)
            con.execute(sql.CLEAR_GONE)

    def _open(self) -> sqlite3.Connection:
        if self._con is None:
            raise StoreError(f"{self.path}: the build's relationship file was closed")
        return self._con

    # -- the mapping (reads the whole file)
    def _live(self) -> Iterator[Rel]:
        self.finish()
        return (Rel(t, s, d, json.loads(p)) for t, s, d, p in self._open().execute(sql.LIVE))

    def __setitem__(self, key: str, r: Rel) -> None:
        assert key == r.key, (key, r.key)
        self._next += 1
        self.put(r, self._next)

    def __getitem__(self, key: str) -> Rel:
        for r in self._live():
            if r.key == key:
                return r
        raise KeyError(key)

    def __delitem__(self, key: str) -> None:
        self.drop(self[key], None)

    def __iter__(self) -> Iterator[str]:
        return (r.key for r in self._live())

    def __len__(self) -> int:
        return sum(1 for _ in self._live())

    def values(self) -> Iterator[Rel]:  # type: ignore[override]
        return self._live()

    # -- for SqliteStore.apply
    def ends(self) -> set[str]:
        """Every start and end of the relationships put (also of those later dropped or replaced)."""
        return set(self._ends)

    def close(self) -> None:
        if self._writer is not None:  # a build that failed: what the writer still has is not needed
            self._writer.kill()
            self._writer.wait()
            try:
                self._writer.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            self._writer = None
            self._read_errors()
        if self._con is not None:
            self._con.close()
            self._con = None
        self._mem.clear()
        self._gone.clear()
        for p in (self.path, *(Path(f"{self.path}{end}") for end in ("-journal", "-wal", "-shm"))):
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def stage_rows(batch: Iterable[tuple[int, str, str, str, dict[str, Any]]]) -> Iterator[tuple[Any, ...]]:
    """The rows of a spill's file for relationships as :meth:`RelSpill.put` keeps them (the writer process)."""
    for seq, rel_type, src, dst, props in batch:
        sl, _, si = src.partition(":")  # (split_uid)
        dl, _, di = dst.partition(":")
        p = clean(props)
        yield (seq, rel_type, sl, si, dl, di, key_part(rel_type, props), dumps(p), *typed_rel(p))


def _identity(r: Rel) -> tuple[str, ...]:
    sl, si = split_uid(r.src)
    dl, di = split_uid(r.dst)
    return (r.type, sl, si, dl, di, key_part(r.type, r.props))


def remove_stale_spills(folder: Path) -> list[Path]:
    """Spill files of builds whose process no longer runs (killed), and their journals: nobody will remove
    them otherwise.  Returns what was removed."""
    removed = []
    for p in orphans(folder, _SPILL_NAME):
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    return removed



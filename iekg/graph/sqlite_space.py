"""The embedded graph's file: how much of it is free pages, and giving them back (``VACUUM``).

SQLite never shrinks a database file by itself: pages a write frees (a fresh build drops the tables and
fills them again; a bigger build before a smaller one) go to the file's free list and are reused by later
writes, but the file keeps its size — a home rebuilt from 341 MB of rows to 179 MB stayed 341 MB.
``iekg info`` shows the free pages; ``iekg build --compact`` gives them back, and a fresh build does it by
itself when they are at least :data:`AUTO_SHARE` of the file (and at least :data:`AUTO_MIN_BYTES`).

Compacting rewrites the whole database (``VACUUM``: a copy in the temp folder, then the pages written
through the WAL, then a checkpoint that truncates the file): it needs up to twice the content's size in
free disk space for a moment and holds the write lock meanwhile — other processes keep reading the previous
graph, imports wait (``IEKG_WRITE_WAIT``).  On the scale-100 graph's 1.7 GB that is seconds, so a build
does it only when the free pages are worth it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from iekg.graph.store import Store, StoreError

AUTO_SHARE = 0.25  # a fresh build compacts by itself when free pages are this share of the file or more
AUTO_MIN_BYTES = 8 * 1024 * 1024  # … and at least this many bytes (a small graph's free pages cost nothing)


def _file_store(store: Store) -> Any | None:
    from iekg.graph.sqlitestore import SqliteStore

    if isinstance(store, SqliteStore) and store.path is not None and store.path.is_file():
        return store
    return None


def space(store: Store) -> dict[str, Any] | None:
    """``page_size``, ``pages``, ``free_pages``, ``free_share`` (0–1), ``file_bytes`` and ``free_bytes`` of the
    embedded graph's file; None for another store, the graph in memory or a home without a graph file."""
    s = _file_store(store)
    if s is None:
        return None
    size = int(s._rows("PRAGMA page_size")[0][0])
    pages = int(s._rows("PRAGMA page_count")[0][0])
    free = int(s._rows("PRAGMA freelist_count")[0][0])
    return {"page_size": size, "pages": pages, "free_pages": free,
            "free_share": round(free / pages, 4) if pages else 0.0,
            "file_bytes": s.path.stat().st_size, "free_bytes": free * size}


def worth_compacting(info: dict[str, Any] | None) -> bool:
    """Free pages at least AUTO_SHARE of the file and AUTO_MIN_BYTES."""
    return bool(info) and info["free_share"] >= AUTO_SHARE and info["free_bytes"] >= AUTO_MIN_BYTES  # type: ignore[index]


def compact(store: Store) -> dict[str, Any] | None:
    """Give the free pages back to the disk (``VACUUM``, then a checkpoint that truncates the WAL); returns
    :func:`space` before and after (``{"before": …, "after": …}``), or None when there is no graph file."""
    s = _file_store(store)
    if s is None:
        return None
    before = space(s)
    if getattr(s, "read_only", False):
        from iekg.graph.sqlitestore import ReadOnlyStoreError

        raise ReadOnlyStoreError(f"图谱数据库只读 · {s.path} is read-only for this user: cannot compact it. Make it "
                                 f"and its folder writable (chmod u+w) or run as the graph's owner.")
    con = sqlite3.connect(s.path, timeout=s.write_wait, isolation_level=None)
    try:
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.DatabaseError as exc:
        low = str(exc).lower()
        fix = ("another import is writing: run it again when that is done" if "locked" in low or "busy" in low
               else "free disk space (compacting needs about the graph's size) and run `iekg build --compact` again")
        raise StoreError(f"图谱数据库压缩失败 · {s.path} could not be compacted ({exc}): {fix}. The graph is "
                         f"unchanged.") from None
    finally:
        con.close()
    return {"before": before, "after": space(s)}

"""Start-up housekeeping: what a crashed server or a killed write left behind is removed on the next start.

* upload folders (``iekg-upload-{pid}-…``) and export folders (``iekg-export-{pid}-…``) of processes that
  no longer run — folders of a server still running (another instance on the same machine) are kept;
* a killed build's scratch files next to the graph (``.iekg-spill-{pid}-….sqlite`` and its ``-journal``,
  ``-wal``, ``-shm``) when its process no longer runs;
* half-written graph files (``.graph-*.json`` next to ``graph.json``, from a write killed before its
  atomic rename) not touched for ``STALE_SECONDS`` (a write still in progress keeps touching its file).
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
from pathlib import Path

from iekg.processes import orphans

log = logging.getLogger("iekg.api")
STALE_SECONDS = 600
_OURS = re.compile(r"^iekg-(?:upload|export)-(\d+)-")


def remove_stale(home: Path | None, folders: list[Path | None]) -> list[Path]:
    """Remove what crashed writes left; returns what was removed (also logged)."""
    removed: list[Path] = []
    roots = {Path(f) for f in folders if f is not None} | {Path(tempfile.gettempdir())}
    for root in roots:
        for p in orphans(root, _OURS):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    if home is not None:
        from iekg.graph.spill import remove_stale_spills

        removed += remove_stale_spills(Path(home))  # a killed build's scratch file and its journal
        now = time.time()
        try:
            leftovers = list(Path(home).glob(".graph-*.json"))
        except OSError:
            leftovers = []
        for p in leftovers:
            try:
                if p.is_file() and not p.is_symlink() and now - p.stat().st_mtime > STALE_SECONDS:
                    p.unlink()
                    removed.append(p)
            except OSError:
                continue
    for p in removed:
        log.info("removed a leftover of a crashed write: %s", p)
    return removed

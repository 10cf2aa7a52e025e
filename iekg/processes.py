"""Whether a process still runs: files named after a process (uploads, exports, a build's scratch file) are
removed by the next start only when their process is gone."""

from __future__ import annotations

import os
import re
from pathlib import Path


def alive(pid: int) -> bool:
    """True for this process and for any process that exists (also another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


def orphans(folder: Path, name: re.Pattern[str]) -> list[Path]:
    """The entries of ``folder`` whose name matches ``name`` (its first group: a process id) and whose process
    no longer runs; none when the folder cannot be read."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    out = []
    for p in entries:
        m = name.match(p.name)
        if m and not alive(int(m.group(1))):
            out.append(p)
    return out

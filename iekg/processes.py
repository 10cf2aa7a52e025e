"""Whether a process still runs: files named after a process (uploads, exports, a build's scratch file) are
removed by the next start only when their process is gone."""

from __future__ import annotations

import os


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

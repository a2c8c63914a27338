"""Files the steps write (the database, rasters, reports): moved into place only when complete."""

from __future__ import annotations

import os
from pathlib import Path


def _umask() -> int:
    """The process's umask, read without changing it (Linux), else by setting it back."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish(tmp: str | Path, target: str | Path) -> None:
    """Move a finished temporary file over ``target`` (atomic on one file system) with the
    permissions a newly created file gets: mkstemp makes 0600, which would lock colleagues
    on a shared folder out of the database, rasters and reports."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target)

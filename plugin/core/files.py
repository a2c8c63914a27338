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


def file_problem(path: str | Path) -> tuple[str, str] | None:
    """Why ``path`` cannot be read as an input file — (English, Chinese) — or None: not there,
    a folder, unreadable, or empty (0 bytes)."""
    p = Path(path)
    if not p.exists():
        return "file not found", "文件不存在"
    if p.is_dir():
        return "is a folder, not a file", "是文件夹，不是文件"
    try:
        with open(p, "rb") as f:
            empty = not f.read(1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})", f"无法读取（{exc.strerror or exc}）"
    if empty:
        return "the file is empty (0 bytes)", "文件为空（0 字节）"
    return None

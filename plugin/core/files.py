"""Files the steps write (the database, rasters, reports): moved into place only when complete."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: A write that fails with less than this free on its disk failed for want of space.
LOW_DISK_BYTES = 64 << 20
#: A temporary file of another machine (a shared folder) is removed when older than this.
FOREIGN_TEMP_AGE_S = 24 * 3600


def _host() -> str:
    return "".join(c for c in socket.gethostname() if c.isalnum() or c in "-")[:40] or "host"


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine is still running."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def temp_path(target: str | Path, ext: str | None = None) -> Path:
    """A hidden name beside ``target`` for the file this process is writing in its place:
    ``.<name>.<host>_<pid>_<token>.part<ext>`` (``ext``: the target's own suffix unless given,
    for the writers that go by it). A run that is killed leaves it; :func:`sweep` removes it."""
    t = Path(target)
    return t.with_name(f".{t.name}.{_host()}_{os.getpid()}_{uuid.uuid4().hex[:8]}.part"
                       f"{t.suffix if ext is None else ext}")


def sweep(target: str | Path) -> list[Path]:
    """Remove the temporary files of ``target`` (:func:`temp_path`) that no running process
    owns: this machine's whose process is gone, another machine's older than a day."""
    t = Path(target)
    gone = []
    here = _host()
    for f in t.parent.glob(f".{glob.escape(t.name)}.*_*_*.part*"):
        owner = f.name[len(t.name) + 2:].split(".part", 1)[0].split("_")  # host, pid, token
        if len(owner) != 3 or not owner[1].isdigit():
            continue
        host, pid = owner[0], int(owner[1])
        try:
            stale = (not pid_alive(pid)) if host == here else time.time() - f.stat().st_mtime > FOREIGN_TEMP_AGE_S
            if stale:
                f.unlink()
                gone.append(f)
        except OSError:
            continue
    return gone


def disk_full(exc: BaseException) -> bool:
    """Whether an error (or what caused it) is a full disk or quota."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(exc).lower()
        if "no space left" in text or "database or disk is full" in text or "disk quota" in text:
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        seen += 1
    return False


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


#: What a failed write raises: the OS, SQLite, GDAL through pyogrio (RuntimeErrors).
WRITE_ERRORS = (OSError, sqlite3.Error, RuntimeError)


@contextlib.contextmanager
def explained_write_errors(path: str | Path) -> Iterator[None]:
    """Inside: a write to ``path`` that fails on a full disk or a read-only place raises
    :func:`write_problem`'s bilingual error instead; any other failure is raised as it is."""
    try:
        yield
    except WRITE_ERRORS as exc:
        problem = write_problem(exc, path)
        if problem is None:
            raise
        raise problem from exc


def write_problem(exc: BaseException, path: str | Path):
    """A clear bilingual error for a write to ``path`` that failed on a full disk, a read-only
    file or folder, or missing permission — a :class:`PipelineError` the algorithms report as
    such — or None for any other failure (which keeps its own message)."""
    import shutil

    from .errors import PipelineError

    name = str(path)
    text = str(exc).lower()
    folder = Path(path).parent
    try:
        read_only_fs = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # (no statvfs on Windows)
        read_only_fs = False
    if read_only_fs or (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)) \
            or "readonly database" in text or "read-only" in text or "permission denied" in text \
            or (Path(path).exists() and not os.access(path, os.W_OK)):
        return PipelineError(f"{name} is read-only (or its folder is): nothing was written. Choose a file or folder "
                             f"you can write to",
                             f"{name}（或其所在文件夹）为只读，未写入任何内容。请选择可写入的文件或文件夹")
    try:  # GDAL does not always pass on why a write failed: a nearly full disk is the likely one
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if disk_full(exc) or (free is not None and free < LOW_DISK_BYTES):
        return PipelineError(f"the disk is full: {name} could not be written. Nothing was changed; free some "
                             f"space and run again",
                             f"磁盘已满，无法写入 {name}。未做任何更改；请腾出空间后重新运行")
    return None


@dataclass(frozen=True)
class StandsFor:
    """The shared PostGIS risk database a local file stands for: its connection (a libpq
    string or postgresql:// URI), schema, and how its users know it
    (``PostGIS safety@db.city:5432 / citysafety``)."""

    target: str
    schema: str
    shown: str


#: Files of this process that stand for a shared database: the working copies
#: (core/store/shared.py) and the file run_all builds one in. Reports name them by it; the
#: plugin opens their layers from the server.
STANDS_FOR: dict[str, StandsFor] = {}


def stands_for(db: str | Path) -> StandsFor | None:
    return STANDS_FOR.get(str(Path(db)))


def name_of(db: str | Path, full: bool = False) -> str:
    """How reports and messages name the risk database ``db``: the shared database it stands
    for, else the file's name (``full``: its whole path)."""
    shared = stands_for(db)
    if shared:
        return shared.shown
    return str(Path(db).resolve()) if full else Path(db).name

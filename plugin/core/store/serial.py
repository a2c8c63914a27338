"""One access at a time to a risk database within this process (同一进程内串行访问).

pyogrio's GDAL carries its own SQLite library (linked into the wheel's GDAL, and inside QGIS
the plugin loads it with ``RTLD_DEEPBIND``, docs/engineering.md §2), while Python's
``sqlite3`` module, QGIS and QGIS's GDAL use the system's. SQLite coordinates connections
through POSIX file locks, and those belong to the process, not to the library: one copy does
not see the other's locks in the same process. A reader of one copy then takes the other
copy's open write journal for the journal of a crashed writer ("hot"), plays it back and
deletes it; the writer's ``COMMIT`` fails with "disk I/O error", or the file is damaged
(SQLite's "How To Corrupt An SQLite Database File", §2.2: multiple copies of SQLite linked
into the same application). It happened: the panel re-read the database through pyogrio
while the report added its run-log row through ``sqlite3``.

So every reader and writer in :mod:`plugin.core.store` holds the database's lock while it has
the file open (:func:`held`, :func:`serial`): a re-entrant lock per resolved path, shared by
all threads of the process. Other processes are not concerned (their locks are seen), nor
are different files (a step's staged values, a new database under its temporary name).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_locks: dict[str, threading.RLock] = {}
_guard = threading.Lock()


def _key(db: str | Path) -> str:
    return os.path.normcase(os.path.realpath(os.fspath(db)))


def lock(db: str | Path) -> threading.RLock:
    """The lock of one database file (the same object for every spelling of its path)."""
    key = _key(db)
    with _guard:
        found = _locks.get(key)
        if found is None:
            found = _locks[key] = threading.RLock()
        return found


@contextmanager
def held(db: str | Path) -> Iterator[None]:
    """Hold ``db``'s lock for the block (re-entrant: a reader inside a writer's block is fine)."""
    with lock(db):
        yield


def serial(fn: Callable) -> Callable:
    """A store function whose first argument is the database: run it holding that database's lock."""
    @functools.wraps(fn)
    def run(db, *args, **kwargs):
        with lock(db):
            return fn(db, *args, **kwargs)
    return run

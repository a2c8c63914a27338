"""Load the Python geo stack (pyproj, shapely, pyogrio, rasterio, geopandas) safely
inside QGIS.

The QGIS executables (``qgis``, ``qgis_process``) link Debian's GDAL 3.6, GEOS 3.11 and
PROJ 9.1 into the global symbol scope. The PyPI wheels bundle newer copies of those
libraries; loaded the usual way, their calls resolve to QGIS's copies instead of their
own (ELF symbol interposition): shapely then fails with "WKB output dimension must be 2
or 3", and pyproj's second PROJ corrupts the first, so the process aborts at exit with
"double free or corruption". Importing the wheels with ``RTLD_DEEPBIND`` makes each
extension bind to its own bundled libraries first, so both copies coexist. Measured: without
this, ``qgis_process list`` exits 134 once pyproj is imported; with it, 0.

Call :func:`load` before anything imports these modules (the plugin does it first thing in
``initProcessing``). In a plain Python process it changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys

MODULES = ("pyproj", "shapely", "pyogrio", "rasterio", "geopandas")


def load() -> list[str]:
    """Import the geo stack with RTLD_DEEPBIND; returns the modules that were already
    imported by someone else (and so loaded without it)."""
    already = [m for m in MODULES if m in sys.modules]
    deepbind = getattr(os, "RTLD_DEEPBIND", 0)
    if not deepbind:  # not glibc: nothing to do
        return already
    flags = sys.getdlopenflags()
    sys.setdlopenflags(os.RTLD_NOW | deepbind)
    try:
        for name in MODULES:
            if name not in sys.modules:
                with contextlib.suppress(ImportError):  # reported by the algorithm that needs it
                    __import__(name)
    finally:
        sys.setdlopenflags(flags)
    keep_proj_contexts()
    return already


_KEPT_PROJ_CONTEXTS: list = []


def keep_proj_contexts() -> None:
    """Never let pyproj destroy a thread's PROJ context.

    pyproj keeps each thread's PROJ context twice: a C pointer in thread-specific storage
    keyed by the OS thread, and its owner (which destroys it) in a Python ``threading.local``
    keyed by the Python thread state. QGIS runs Processing algorithms and tasks on
    QThreadPool threads, and PyQt drops the Python thread state when a task ends while the OS
    thread lives on in the pool: the owner went, the context was destroyed, and the next
    pyproj call on that thread used the dangling pointer — a segmentation fault in
    ``pyproj.CRS`` the second time an algorithm ran in QGIS (measured: score run twice as
    tasks, exit 139). pyproj looks its thread-local holder up as a module global, so it is
    replaced here by one that also keeps every owner: one context per thread, kept for the
    life of the process. Call before pyproj is used on any other thread."""
    import threading

    try:
        from pyproj import _context
    except ImportError:
        return
    if getattr(_context._CONTEXT_MANAGER_LOCAL, "_keeps_contexts", False):
        return

    class KeepingLocal(threading.local):
        _keeps_contexts = True

        def __init__(self):
            super().__init__()
            threading.local.__setattr__(self, "context_manager", None)

        def __setattr__(self, name, value):
            if name == "context_manager" and value is not None:
                _KEPT_PROJ_CONTEXTS.append(value)
            threading.local.__setattr__(self, name, value)

    current = _context._CONTEXT_MANAGER_LOCAL.context_manager  # this thread's, if made already
    keeper = KeepingLocal()
    if current is not None:
        keeper.context_manager = current
    _context._CONTEXT_MANAGER_LOCAL = keeper


def keep_pool_threads() -> None:
    """Stop Qt's global thread pool from retiring idle threads (QGIS's task manager runs
    Processing algorithms on it).

    QGIS 3.22 keeps one PROJ context per thread and caches CRS objects across threads; a CRS
    first built on a pool thread keeps that thread's context as its template. When the idle
    thread retires (after 30 s), its context is destroyed and the next use of that CRS on the
    main thread crashes inside PROJ (seen here: a print layout loaded on the main thread after
    a PDF report had been exported by a task; QgsCoordinateReferenceSystem::operation →
    libproj, SIGSEGV). Threads that never retire keep their contexts valid; the cost is a
    few idle threads. Process-wide and left in place on unload, since CRS objects built by
    the plugin's algorithms may outlive it."""
    from qgis.PyQt.QtCore import QThreadPool

    QThreadPool.globalInstance().setExpiryTimeout(-1)

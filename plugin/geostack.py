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
                try:
                    __import__(name)
                except ImportError:
                    pass  # reported by the algorithm that needs it
    finally:
        sys.setdlopenflags(flags)
    return already


_PINNED_PROJ_CONTEXTS: list = []


def pin_proj_context() -> None:
    """Keep this OS thread's PROJ context (pyproj's) alive for the life of the process.

    pyproj keeps each thread's PROJ context twice: a C pointer in thread-specific storage
    keyed by the OS thread, and its owner (which destroys it) in a Python ``threading.local``
    keyed by the Python thread state. QGIS runs Processing algorithms on QThreadPool
    threads, and PyQt drops the Python thread state when a task ends while the OS thread
    lives on in the pool: the owner goes, the context is destroyed, and the next algorithm
    on that thread gets the dangling pointer — a segmentation fault in ``pyproj.CRS`` the
    second time an algorithm runs in QGIS (measured: score run twice as tasks, exit 139).
    Holding a reference to the owner keeps the context valid; there is one per pool thread."""
    try:
        import pyproj
        from pyproj._context import get_context_manager
    except ImportError:
        return
    pyproj.CRS.from_epsg(4326)  # creates this thread's context when it has none
    owner = get_context_manager()
    if owner is not None and not any(owner is o for o in _PINNED_PROJ_CONTEXTS):
        _PINNED_PROJ_CONTEXTS.append(owner)


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

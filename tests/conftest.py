"""Fixtures shared by every test; the helpers they use are in tests/common.py.

The suite runs in two lanes (``make test``):

- the core lane, ``pytest tests/core -p no:pytest_qgis``: plugin/core without QGIS;
  tests/core/conftest.py fails any test that imports QGIS;
- the QGIS lane, ``pytest --ignore=tests/core``: Processing, the panel, the package, with
  pytest-qgis starting a QgsApplication (its fixtures ``qgis_app``, ``qgis_processing``,
  ``qgis_iface``).

The fixtures that need QGIS (``provider``, ``analysed_db_session``) import it inside, so
this file loads in both lanes; tests/core/conftest.py builds ``analysed_db_session`` through
the core steps instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from plugin import installer

# The user and LTR lanes (make test-user, make test-ltr): the packages are those the plugin's
# installer put in the folder of $CSRM_QGIS_PROFILE, found after QGIS's own, as in QGIS.
installer.activate()

from tests.common import analyse_sample_qgis, ensure_provider, write_messy_files, write_too_many_rows_csv  # noqa: E402


def pytest_configure(config):
    if config.pluginmanager.has_plugin("pytest_qgis"):
        # As in QGIS and qgis_process (the plugin's initProcessing): QGIS's GDAL/GEOS/PROJ are
        # loaded (pytest-qgis imported qgis), so the wheels are imported with RTLD_DEEPBIND
        # before any test module imports them, and the thread pool keeps its threads (see
        # plugin/geostack.py). Without QGIS (the core lane) there is nothing to interpose.
        from plugin import geostack

        geostack.load()
        geostack.keep_pool_threads()


@pytest.fixture(autouse=True)
def slot_exceptions(monkeypatch):
    """An exception escaping a Qt slot fails the test that caused it, as QGIS shows it in its
    error dialog, instead of PyQt's qFatal that aborts the whole run (PyQt calls
    ``sys.excepthook`` when it is not the default)."""
    import sys
    import traceback

    caught: list[str] = []
    monkeypatch.setattr(sys, "excepthook",
                        lambda kind, value, tb: caught.append("".join(traceback.format_exception(kind, value, tb))))
    yield
    assert not caught, "an exception escaped a Qt slot:\n" + "\n".join(caught)


@pytest.fixture
def provider(qgis_app, qgis_processing):
    """The citysafety provider, registered once and re-registered if a test removed it."""
    return ensure_provider()


@pytest.fixture
def messy_files(tmp_path) -> dict[str, Path]:
    """Files that between them reach every issue code of the import."""
    return write_messy_files(tmp_path / "surveys")


@pytest.fixture
def too_many_rows_csv(tmp_path) -> Path:
    """A CSV one row longer than Excel allows (1,048,576 rows)."""
    return write_too_many_rows_csv(tmp_path / "huge.csv")


@pytest.fixture(scope="session")
def analysed_db_session(qgis_app, qgis_processing, tmp_path_factory):
    """The sample city through citysafety:run_all (import, score, proximity with receptors and
    the population raster, cascade, risk map with districts), once per session. Read only:
    tests that change the database use ``analysed_db`` (a copy)."""
    return analyse_sample_qgis(tmp_path_factory.mktemp("analysed"))


@pytest.fixture
def analysed_db(analysed_db_session, tmp_path):
    """A private copy of the analysed sample database (see ``analysed_db_session``)."""
    db = tmp_path / "risk.gpkg"
    shutil.copy(analysed_db_session, db)
    shutil.copy(analysed_db_session.parent / "risk_density.tif", tmp_path / "risk_density.tif")
    return db


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL/PostGIS cluster for the session (tools/pgcluster.py: initdb in a
    temporary folder, a free port on 127.0.0.1, stopped and removed at the end). Where the
    server is not installed the PostGIS tests skip, unless CSRM_REQUIRE_POSTGIS is set (make
    test sets it: make setup installs the server)."""
    import os

    from tools.pgcluster import Cluster, postgis_available

    if not postgis_available():
        if os.environ.get("CSRM_REQUIRE_POSTGIS"):
            pytest.fail("PostgreSQL/PostGIS is not installed; make setup installs postgresql-15-postgis-3")
        pytest.skip("PostgreSQL/PostGIS is not installed (make setup installs it)")
    with Cluster() as pg:
        yield pg


@pytest.fixture
def pg_database(pg_cluster, request):
    """A new PostGIS database of the session's cluster, for one test: its postgresql:// URI."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40] + f"_{id(request) % 100000}"
    return pg_cluster.create_database(name)

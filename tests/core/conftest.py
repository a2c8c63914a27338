"""The core lane: plugin/core tested without QGIS.

Run as ``pytest tests/core -p no:pytest_qgis`` (``make test`` does). There nothing may import
QGIS or Qt: a test that does fails at its teardown, a module that does at its import stops
the collection, and the session fails if they were imported at all; a test that asks for a
QGIS fixture (``qgis_app``, ``provider``…) errors, since pytest-qgis is not loaded. A test
that needs QGIS belongs in tests/processing or tests/gui. Run inside a QGIS run (pytest-qgis
loaded, so QGIS is imported already) the core tests pass or fail as they would, unchecked.
"""

from __future__ import annotations

import sys

import pytest

from tests.common import analyse_sample_core

QGIS_MODULES = ("qgis", "PyQt5")
_imported_at_collection: list[str] = []


def _loaded() -> list[str]:
    return [m for m in QGIS_MODULES if m in sys.modules]


def _checked(config) -> bool:
    """Whether this is the core lane (pytest-qgis not loaded)."""
    return not config.pluginmanager.has_plugin("pytest_qgis")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    before = _loaded()
    yield
    if _checked(collector.config) and not before and _loaded() and not _imported_at_collection:
        _imported_at_collection.append(collector.nodeid)


def pytest_collection_modifyitems(config, items):
    if _imported_at_collection:
        raise pytest.UsageError(f"{_imported_at_collection[0]} imported {', '.join(_loaded())} at collection: "
                                "core tests run without QGIS (move the test to tests/processing or tests/gui)")


@pytest.fixture(autouse=True)
def _no_qgis(request):
    """Fail the first test that imports QGIS or Qt (in the core lane)."""
    before = _loaded()
    yield
    if _checked(request.config) and not before and _loaded():
        pytest.fail(f"{request.node.nodeid} imported {', '.join(_loaded())}: core tests run without QGIS "
                    "(move the test to tests/processing or tests/gui)", pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    if _checked(session.config) and _loaded() and exitstatus == pytest.ExitCode.OK:
        session.config.get_terminal_writer().line(
            f"core lane: {', '.join(_loaded())} was imported during the session; core tests run without QGIS",
            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def analysed_db_session(tmp_path_factory):
    """The sample city analysed through the core steps alone (tests/common.py
    ``analyse_sample_core``), once per session; read only (``analysed_db`` is a copy). The
    QGIS lane builds it through citysafety:run_all instead."""
    return analyse_sample_core(tmp_path_factory.mktemp("analysed"))

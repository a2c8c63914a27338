"""Fixtures of the Processing tests (QGIS lane); helpers are in tests/common.py."""

from __future__ import annotations

import pytest

from tests.common import qgis_process_env as make_qgis_process_env


@pytest.fixture(scope="session")
def qgis_process_env(tmp_path_factory) -> dict:
    """Environment for ``qgis_process`` (tests.common.QGIS_PROCESS) with the plugin enabled in
    a throw-away profile."""
    return make_qgis_process_env(tmp_path_factory.mktemp("qgis_process"))

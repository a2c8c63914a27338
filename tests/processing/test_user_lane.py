"""The user and LTR lanes (``make test-user``, ``make test-ltr``): after the plugin's own
installer, QGIS keeps its numpy and its own GDAL tools keep writing their output. (With the
development venv on QGIS's PYTHONPATH, gdal:rastercalculator reported success and wrote
nothing: docs/install.md.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from plugin import installer
from tests.common import QGIS_PROCESS

PROFILE = os.environ.get(installer.PROFILE_ENV)
SITES = [s for s in installer.site_dirs(installer.prefix_dir(Path(PROFILE))) if s.is_dir()] if PROFILE else []

pytestmark = pytest.mark.skipif(not SITES, reason="the user and LTR lanes: packages from the plugin's installer")


def test_qgis_keeps_its_own_numpy_and_the_plugins_packages_come_after_it():
    import sys

    import numpy

    assert not any(Path(numpy.__file__).is_relative_to(s) for s in SITES), numpy.__file__
    assert sys.path.index(str(SITES[0])) > max(i for i, p in enumerate(sys.path) if p and "-packages" in p
                                               and not any(p == str(s) for s in SITES))
    from osgeo import gdal_array  # QGIS's GDAL with QGIS's numpy

    assert gdal_array.BandReadAsArray


def test_gdal_raster_calculator_still_writes_with_the_plugin_and_its_packages(tmp_path):
    from osgeo import gdal, gdal_array

    src = tmp_path / "in.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(src), 4, 3, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((500000, 10, 0, 2500000, 0, -10))
    ds.GetRasterBand(1).WriteArray(__import__("numpy").arange(12, dtype="float32").reshape(3, 4))
    ds = None
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(Path(PROFILE).parents[1]), QT_QPA_PLATFORM="offscreen")
    listed = subprocess.run([QGIS_PROCESS, "list"], env=env, capture_output=True, text=True, timeout=300)
    assert "citysafety:score" in listed.stdout, listed.stderr[-2000:]  # the plugin, with its packages, loaded
    out = tmp_path / "out.tif"
    run = subprocess.run([QGIS_PROCESS, "run", "gdal:rastercalculator", "--", f"INPUT_A={src}", "BAND_A=1",
                          "FORMULA=A*2", f"OUTPUT={out}"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert out.is_file(), run.stdout[-3000:]
    got = gdal_array.LoadFile(str(out))
    assert got.tolist() == [[2.0 * (4 * r + c) for c in range(4)] for r in range(3)]

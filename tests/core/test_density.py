"""Tests for plugin.core.mapping.density (kernel density of weighted points, docs/domain/mapping.md §2)."""

from __future__ import annotations

import math
import time

import numpy as np
import pyproj
import pytest
import rasterio
from rasterio.transform import rowcol

from plugin.core.mapping.density import (
    KERNEL_QUARTIC,
    KERNEL_UNIFORM,
    TIFF_BAND_DESCRIPTION,
    DensityGrid,
    kernel_disc,
    risk_density,
    write_density_tif,
)

SHENZHEN_LON = (113.75, 114.6)
SHENZHEN_LAT = (22.45, 22.85)
TO_4547 = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)


def _total(grid: DensityGrid) -> float:
    """Σ value × cell area (km²): the weight the grid holds."""
    return float(grid.values.astype(np.float64).sum() * grid.cell_area_km2)


def _cell_of(grid: DensityGrid, lon: float, lat: float) -> tuple[int, int]:
    x, y = TO_4547.transform(lon, lat)
    r, c = rowcol(grid.transform, x, y)
    return int(r), int(c)


def test_single_point_conserves_weight_and_peaks_at_its_cell():
    grid = risk_density([114.0], [22.5], [5.0])
    assert grid.epsg == 4547
    assert grid.values.dtype == np.float32
    assert grid.cell_m == 100.0 and grid.bandwidth_m == 1000.0
    assert grid.total_weight == 5.0 and grid.dropped == 0
    assert _total(grid) == pytest.approx(5.0, rel=1e-6)
    # Grid: the point's cell padded by 10 cells each side.
    assert grid.shape == (21, 21)
    peak = np.unravel_index(np.argmax(grid.values), grid.values.shape)
    assert peak == _cell_of(grid, 114.0, 22.5) == (10, 10)
    # Peak value by hand: 5 × kernel centre weight / 0.01 km².
    disc = kernel_disc(100.0, 1000.0, KERNEL_QUARTIC)
    assert grid.values[10, 10] == pytest.approx(5.0 * disc[10, 10] / 0.01, rel=1e-5)
    # The quartic kernel is symmetric and falls off from the centre.
    assert np.allclose(grid.values, grid.values[::-1, ::-1], atol=1e-6)
    assert grid.values[10, 10] > grid.values[10, 15] > grid.values[10, 19] > 0
    assert grid.values[10, 20] == 0  # d = h: quartic weight 0
    assert (grid.values >= 0).all()


def test_origin_snapped_to_cell_multiples():
    grid = risk_density([114.0123, 114.05], [22.5456, 22.52], [1.0, 2.0], cell_m=250.0, bandwidth_m=800.0)
    assert grid.transform.a == 250.0 and grid.transform.e == -250.0
    assert grid.transform.c % 250.0 == 0 and grid.transform.f % 250.0 == 0
    # Bounds cover each point's cell padded by floor(800/250) = 3 cells.
    xs, ys = TO_4547.transform([114.0123, 114.05], [22.5456, 22.52])
    xmin, ymin, xmax, ymax = grid.bounds
    assert xmin == math.floor(min(xs) / 250.0) * 250.0 - 3 * 250.0
    assert xmax == (math.floor(max(xs) / 250.0) + 1) * 250.0 + 3 * 250.0
    assert ymax == (math.floor(max(ys) / 250.0) + 1) * 250.0 + 3 * 250.0
    assert ymin == math.floor(min(ys) / 250.0) * 250.0 - 3 * 250.0
    assert _total(grid) == pytest.approx(3.0, rel=1e-6)


def test_two_separated_points_two_peaks():
    lon = [114.00, 114.05]  # ~5 km apart, bandwidth 1 km: no overlap
    lat = [22.50, 22.50]
    grid = risk_density(lon, lat, [3.0, 7.0])
    assert _total(grid) == pytest.approx(10.0, rel=1e-6)
    assert grid.total_weight == 10.0
    a = _cell_of(grid, lon[0], lat[0])
    b = _cell_of(grid, lon[1], lat[1])
    v = grid.values
    for r, c in (a, b):  # each is a strict local maximum
        window = v[r - 1:r + 2, c - 1:c + 2].copy()
        window[1, 1] = -1
        assert v[r, c] > window.max()
    assert v[b] / v[a] == pytest.approx(7.0 / 3.0, rel=1e-5)
    # Halfway between them the density is 0.
    mid = _cell_of(grid, 114.025, 22.50)
    assert v[mid] == 0


def test_uniform_kernel_is_a_disc_within_radius():
    r_m = 500.0
    grid = risk_density([114.0], [22.5], [1.0], kernel=KERNEL_UNIFORM, bandwidth_m=r_m)
    assert _total(grid) == pytest.approx(1.0, rel=1e-6)
    centre = _cell_of(grid, 114.0, 22.5)
    rows, cols = np.nonzero(grid.values)
    dist = np.hypot(rows - centre[0], cols - centre[1]) * grid.cell_m
    assert dist.max() <= r_m + grid.cell_m
    # Flat: every cell inside the disc has the same value, 1 / (n cells × 0.01 km²).
    disc = kernel_disc(100.0, r_m, KERNEL_UNIFORM)
    n = int(np.count_nonzero(disc))
    assert len(rows) == n == 81  # lattice points with i² + j² ≤ 25
    assert np.allclose(grid.values[rows, cols], 1.0 / (n * 0.01), rtol=1e-6)
    # Exactly the cells within 5 cells of the centre (cell-centre distance).
    assert dist.max() == pytest.approx(r_m)


def test_point_at_22_5n_114e_lands_in_right_cell():
    lon, lat = 114.0, 22.5
    x, y = TO_4547.transform(lon, lat)
    grid = risk_density([lon, 114.03], [lat, 22.52], [1.0, 1.0], epsg=4547)
    col = math.floor((x - grid.transform.c) / grid.cell_m)
    row = math.floor((grid.transform.f - y) / grid.cell_m)
    assert (row, col) == _cell_of(grid, lon, lat)
    # The cell's extent contains the projected point.
    x0, y0 = grid.transform * (col, row)
    assert x0 <= x < x0 + 100.0 and y0 - 100.0 < y <= y0
    # x is 500 000 (the central meridian), y is the projected northing of 22.5°N.
    assert x == pytest.approx(500000.0, abs=1e-6)
    assert math.floor(x / 100.0) * 100.0 == x0


def test_epsg_defaults_to_median_longitude_zone():
    grid = risk_density([117.2, 117.3], [31.8, 31.9], [1.0, 1.0])
    assert grid.epsg == 4548  # CM 117°E


def test_nan_dropped():
    lon = [114.0, np.nan, 114.02, 114.01]
    lat = [22.5, 22.5, np.nan, 22.51]
    w = [2.0, 100.0, 100.0, 3.0]
    grid = risk_density(lon, lat, w)
    assert grid.dropped == 2
    assert grid.total_weight == 5.0
    assert _total(grid) == pytest.approx(5.0, rel=1e-6)
    ref = risk_density([114.0, 114.01], [22.5, 22.51], [2.0, 3.0])
    assert np.array_equal(grid.values, ref.values) and grid.transform == ref.transform


def test_nan_weight_dropped_and_default_weights():
    grid = risk_density([114.0, 114.01], [22.5, 22.5], [np.nan, 4.0])
    assert grid.dropped == 1 and grid.total_weight == 4.0
    grid = risk_density([114.0, 114.01], [22.5, 22.5])
    assert grid.total_weight == 2.0


def test_no_points_raises():
    with pytest.raises(ValueError, match="no points"):
        risk_density([], [], [])
    with pytest.raises(ValueError, match="no points"):
        risk_density([np.nan], [np.nan], [1.0])
    with pytest.raises(ValueError, match="no points"):
        risk_density([np.nan], [np.nan], [1.0], epsg=4547)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="kernel"):
        risk_density([114.0], [22.5], [1.0], kernel="gaussian")
    with pytest.raises(ValueError, match="negative"):
        risk_density([114.0], [22.5], [-1.0])
    with pytest.raises(ValueError, match="weights"):
        risk_density([114.0, 114.1], [22.5, 22.5], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="cell_m"):
        risk_density([114.0], [22.5], [1.0], cell_m=0)


def test_bandwidth_below_cell_is_plain_binning():
    grid = risk_density([114.0], [22.5], [4.0], cell_m=100.0, bandwidth_m=50.0)
    assert grid.shape == (1, 1)
    assert grid.values[0, 0] == pytest.approx(400.0)  # 4 / 0.01 km²


def test_kernel_disc_sums_to_one():
    for kernel in (KERNEL_QUARTIC, KERNEL_UNIFORM):
        for cell, bw in ((100.0, 1000.0), (30.0, 1000.0), (100.0, 150.0)):
            disc = kernel_disc(cell, bw, kernel)
            assert disc.sum() == pytest.approx(1.0)
            assert disc.shape[0] == 2 * math.floor(bw / cell) + 1


def test_geotiff_round_trip(tmp_path):
    grid = risk_density([114.0, 114.02, 114.05], [22.5, 22.53, 22.51], [1.0, 2.0, 4.0])
    path = write_density_tif(grid, tmp_path / "out" / "density.tif")
    assert path.exists()
    assert [p.name for p in path.parent.iterdir()] == ["density.tif"]  # no temp file left
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 4547
        assert src.transform == grid.transform
        assert src.dtypes == ("float32",)
        assert src.nodata is None
        assert src.descriptions == (TIFF_BAND_DESCRIPTION,)
        assert src.compression.name.upper() == "LZW"
        assert src.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == "3"
        data = src.read(1)
    assert np.array_equal(data, grid.values)


def test_geotiff_failure_leaves_no_file(tmp_path, monkeypatch):
    grid = risk_density([114.0], [22.5], [1.0])
    target = tmp_path / "density.tif"

    class Boom(RuntimeError):
        pass

    def fail(*_a, **_k):
        raise Boom

    monkeypatch.setattr(rasterio.io.DatasetWriter, "set_band_description", fail)
    with pytest.raises(Boom):
        write_density_tif(grid, target)
    assert list(tmp_path.iterdir()) == []


def test_hundred_thousand_points_over_shenzhen():
    rng = np.random.default_rng(20240601)
    n = 100_000
    lon = rng.uniform(*SHENZHEN_LON, n)
    lat = rng.uniform(*SHENZHEN_LAT, n)
    w = rng.choice([8.0, 4.0, 2.0, 1.0], n)
    t0 = time.perf_counter()
    grid = risk_density(lon, lat, w, cell_m=100.0, bandwidth_m=1000.0)
    elapsed = time.perf_counter() - t0
    print(f"\nrisk_density: {n} points, grid {grid.shape}, {elapsed:.3f} s")
    assert grid.epsg == 4547
    assert _total(grid) == pytest.approx(float(w.sum()), rel=1e-5)
    assert (grid.values >= 0).all()

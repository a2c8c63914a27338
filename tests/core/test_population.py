"""Tests for plugin.core.exposure.population (people within a radius, docs/domain/receptors.md §3, §4)."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

from plugin.core.exposure.population import (
    METHOD_AREA_SHARE,
    METHOD_CELL_CENTRES,
    metric_cell_size,
    population_within,
    population_within_grid,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_POP = ROOT / "resources" / "sample" / "population.tif"
TO_4490 = pyproj.Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True)
TO_4547 = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)

# A 100 m grid in EPSG:4547 near Shenzhen (central meridian 114°E, false easting 500 km).
X0, Y0, CELL = 490_000.0, 2_500_000.0, 100.0
T100 = Affine(CELL, 0.0, X0, 0.0, -CELL, Y0)

# Bounds measured for "area_share" against the shapely reference below (see
# test_random_raster_matches_shapely, which prints the numbers). The method is exact; what
# is left is the shapely polygon's own error: a 1024-gon inscribed in the circle lacks
# ≈ 6e-6 of its area.
SMOOTH_MAX_REL = 1e-4
SPIKY_MAX_REL = 1e-3


# --- Reference implementations --------------------------------------------------------


def population_in_circle_exact(x: float, y: float, r: float, raster_array: np.ndarray,
                               transform: Affine) -> float:
    """Σ_cells people × area(cell ∩ circle) / area(cell), with shapely polygons."""
    arr = np.asarray(raster_array, dtype=np.float64)
    rows, cols = arr.shape
    a, e = transform.a, transform.e
    inv = ~transform
    c_lo, r_lo = inv * (x - r, y + r)
    c_hi, r_hi = inv * (x + r, y - r)
    c0 = max(int(math.floor(min(c_lo, c_hi))) - 1, 0)
    c1 = min(int(math.ceil(max(c_lo, c_hi))) + 1, cols)
    r0 = max(int(math.floor(min(r_lo, r_hi))) - 1, 0)
    r1 = min(int(math.ceil(max(r_lo, r_hi))) + 1, rows)
    if c1 <= c0 or r1 <= r0:
        return 0.0
    rr, cc = np.meshgrid(np.arange(r0, r1), np.arange(c0, c1), indexing="ij")
    xa = transform.c + cc * a
    ya = transform.f + rr * e
    boxes = shapely.box(np.minimum(xa, xa + a), np.minimum(ya, ya + e),
                        np.maximum(xa, xa + a), np.maximum(ya, ya + e))
    circle = shapely.Point(x, y).buffer(r, quad_segs=256)
    share = shapely.area(shapely.intersection(boxes, circle)) / abs(a * e)
    vals = arr[r0:r1, c0:c1]
    vals = np.where(np.isfinite(vals) & (vals > 0), vals, 0.0)
    return float((vals * share).sum())


def population_cell_centres_brute(x: float, y: float, r: float, raster_array: np.ndarray,
                                  transform: Affine) -> float:
    """Σ people of the cells whose centre is within r (every cell tested)."""
    arr = np.asarray(raster_array, dtype=np.float64)
    rows, cols = arr.shape
    rr, cc = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    xc = transform.c + (cc + 0.5) * transform.a
    yc = transform.f + (rr + 0.5) * transform.e
    inside = (xc - x) ** 2 + (yc - y) ** 2 <= r * r * (1 + 1e-9)
    return float(arr[inside].sum())


def _write_tif(path: Path, arr: np.ndarray, transform: Affine, crs: str, nodata=None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0],
                       count=1, dtype=arr.dtype.name, crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(arr, 1)
    return path


def _lonlat(x, y):
    lon, lat = TO_4490.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def _rel_errors(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    return np.abs(got - exact) / np.maximum(exact, 1.0)


# --- Uniform and single-cell rasters ---------------------------------------------------


def test_uniform_raster_area_share_and_cell_centres(tmp_path):
    arr = np.ones((60, 60), dtype=np.int16)
    tif = _write_tif(tmp_path / "uniform.tif", arr, T100, "EPSG:4547", nodata=-1)
    # Well inside, not on a cell centre.
    x, y = X0 + 3017.3, Y0 - 2962.9
    lon, lat = _lonlat([x], [y])
    got = population_within(lon, lat, tif, [500, 200])
    assert set(got) == {500.0, 200.0}
    assert got[500][0] == pytest.approx(math.pi * 500 ** 2 / 100 ** 2, rel=0.005)
    assert got[500][0] == pytest.approx(78.5398163, rel=1e-6)  # in fact exact
    assert got[200][0] == pytest.approx(math.pi * 4, rel=1e-6)
    # The points went through EPSG:4490 and back: recompute the point in 4547 for the count.
    xb, yb = TO_4547.transform(lon[0], lat[0])
    centres = population_within(lon, lat, tif, 500, method=METHOD_CELL_CENTRES)[500][0]
    assert centres == population_cell_centres_brute(xb, yb, 500, arr, T100)
    # At a cell centre: the lattice points with i² + j² ≤ 25 (ties on the circle count).
    cx, cy = X0 + 3050.0, Y0 - 2950.0
    got_c = population_within_grid([cx], [cy], arr, T100, 500, method=METHOD_CELL_CENTRES)
    n = sum(1 for i in range(-5, 6) for j in range(-5, 6) if i * i + j * j <= 25)
    assert n == 81 and got_c[500][0] == 81.0


def test_single_populated_cell():
    arr = np.zeros((40, 40))
    arr[20, 20] = 1000.0
    cx, cy = X0 + 2050.0, Y0 - 2050.0  # centre of cell (20, 20)
    # A circle that covers the whole cell.
    got = population_within_grid([cx + 123.0], [cy - 77.0], arr, T100, 500)[500][0]
    assert got == pytest.approx(1000.0, abs=1e-9)
    # 480 m east of the centre: the circle's edge cuts the cell.
    px, py = cx + 480.0, cy
    exact = population_in_circle_exact(px, py, 500, arr, T100)
    area = population_within_grid([px], [py], arr, T100, 500)[500][0]
    assert 0 < exact < 1000
    assert area == pytest.approx(exact, rel=0.02)
    assert area == pytest.approx(exact, rel=1e-4)  # in fact exact
    centres = population_within_grid([px, cx + 520.0], [py, cy], arr, T100, 500,
                                     method=METHOD_CELL_CENTRES)[500]
    assert centres[0] == 1000.0  # centre inside
    assert centres[1] == 0.0  # centre 520 m away
    # Diagonal, off-axis, other radius.
    qx, qy = cx - 130.0, cy + 150.0
    got200 = population_within_grid([qx], [qy], arr, T100, 200)[200][0]
    assert got200 == pytest.approx(population_in_circle_exact(qx, qy, 200, arr, T100), rel=1e-4)


# --- Random rasters against shapely ----------------------------------------------------


def _random_case(rng, kind: str):
    rows, cols = 60, 70
    if kind == "smooth":
        # Smooth-ish: iid Poisson counts around 50 people per cell on a slow trend.
        yy, xx = np.mgrid[0:rows, 0:cols]
        lam = 50.0 * (1.0 + 0.5 * np.sin(xx / 9.0) * np.cos(yy / 7.0))
        arr = rng.poisson(lam).astype(np.float64)
    else:
        # Spiky: 3 % of the cells hold 100–5000 people, the rest none.
        arr = np.zeros((rows, cols))
        hot = rng.random((rows, cols)) < 0.03
        arr[hot] = rng.integers(100, 5000, hot.sum())
    x = X0 + rng.uniform(800, cols * CELL - 800, 50)
    y = Y0 - rng.uniform(800, rows * CELL - 800, 50)
    return arr, x, y


@pytest.mark.parametrize("kind,bound", [("smooth", SMOOTH_MAX_REL), ("spiky", SPIKY_MAX_REL)])
def test_random_raster_matches_shapely(kind, bound):
    rng = np.random.default_rng(20240305)
    arr, x, y = _random_case(rng, kind)
    for r in (500.0, 200.0):
        got = population_within_grid(x, y, arr, T100, r)[r]
        exact = np.array([population_in_circle_exact(a, b, r, arr, T100) for a, b in zip(x, y)])
        rel = _rel_errors(got, exact)
        print(f"\n{kind} raster, r = {r:.0f} m, 50 points: max relative error {rel.max():.2e}, "
              f"mean {rel.mean():.2e}, max absolute {np.abs(got - exact).max():.2e} people")
        assert rel.max() < bound


def test_non_square_cells_match_shapely():
    rng = np.random.default_rng(7)
    t = Affine(100.0, 0.0, X0, 0.0, -40.0, Y0)
    arr = rng.poisson(20.0, (150, 70)).astype(np.float64)
    x = X0 + rng.uniform(700, 6300, 30)
    y = Y0 - rng.uniform(700, 5300, 30)
    for r in (500.0, 200.0, 90.0):
        got = population_within_grid(x, y, arr, t, r)[r]
        exact = np.array([population_in_circle_exact(a, b, r, arr, t) for a, b in zip(x, y)])
        assert _rel_errors(got, exact).max() < SMOOTH_MAX_REL
        centres = population_within_grid(x, y, arr, t, r, method=METHOD_CELL_CENTRES)[r]
        brute = [population_cell_centres_brute(a, b, r, arr, t) for a, b in zip(x, y)]
        assert np.array_equal(centres, brute)


def test_cell_centres_equals_brute_force_on_random_raster():
    rng = np.random.default_rng(11)
    arr, x, y = _random_case(rng, "smooth")
    # Include points exactly on cell centres and cell corners (ties on the circle).
    x = np.concatenate([x, X0 + np.array([2050.0, 3000.0, 1234.5])])
    y = np.concatenate([y, Y0 - np.array([2050.0, 3000.0, 2222.0])])
    res = population_within_grid(x, y, arr, T100, [500, 200], method=METHOD_CELL_CENTRES)
    for r in (500.0, 200.0):
        brute = [population_cell_centres_brute(a, b, r, arr, T100) for a, b in zip(x, y)]
        assert np.array_equal(res[r], brute)


# --- Geographic raster -----------------------------------------------------------------


def _density(x, y):
    """A smooth population density, people per m², in EPSG:4547 metres."""
    return 0.01 * (1.0 + 0.6 * np.sin((x - X0) / 1500.0) * np.cos((y - Y0) / 1100.0))


def test_geographic_raster_agrees_with_projected(tmp_path):
    # Projected: 100 m cells over 20 km × 20 km.
    n = 200
    rr, cc = np.mgrid[0:n, 0:n]
    proj = (_density(X0 + (cc + 0.5) * CELL, Y0 - (rr + 0.5) * CELL) * CELL * CELL)
    proj_tif = _write_tif(tmp_path / "proj.tif", proj.astype(np.float32), T100, "EPSG:4547")
    # Geographic: 0.001° × 0.0008° cells (≈ 103 m × 88 m: not square) over the same area.
    lon_min, lat_max = TO_4490.transform(X0, Y0)
    lon_max, lat_min = TO_4490.transform(X0 + n * CELL, Y0 - n * CELL)
    dlon, dlat = 0.001, 0.0008
    cols = int(math.ceil((lon_max - lon_min) / dlon))
    rows = int(math.ceil((lat_max - lat_min) / dlat))
    tg = Affine(dlon, 0.0, lon_min, 0.0, -dlat, lat_max)
    gr, gc = np.mgrid[0:rows, 0:cols]
    glon = lon_min + (gc + 0.5) * dlon
    glat = lat_max - (gr + 0.5) * dlat
    gx, gy = TO_4547.transform(glon, glat)
    geod = pyproj.Geod(ellps="GRS80")
    # Metric cell area per row (exact enough: a 0.0008° band is flat).
    row_area = np.array([abs(geod.polygon_area_perimeter(
        [lon_min, lon_min + dlon, lon_min + dlon, lon_min],
        [la - dlat / 2, la - dlat / 2, la + dlat / 2, la + dlat / 2])[0])
        for la in glat[:, 0]])
    geo = _density(gx, gy) * row_area[:, None]
    geo_tif = _write_tif(tmp_path / "geo.tif", geo.astype(np.float32), tg, "EPSG:4490")

    wx, wy = metric_cell_size(pyproj.CRS.from_epsg(4490), tg, 22.5)
    assert wx == pytest.approx(111_320 * math.cos(math.radians(22.5)) * dlon, rel=0.01)
    assert wy == pytest.approx(110_800 * dlat, rel=0.01)

    rng = np.random.default_rng(3)
    x = X0 + rng.uniform(2000, n * CELL - 2000, 200)
    y = Y0 - rng.uniform(2000, n * CELL - 2000, 200)
    lon, lat = _lonlat(x, y)
    for method in (METHOD_AREA_SHARE, METHOD_CELL_CENTRES):
        a = population_within(lon, lat, proj_tif, [500, 200], method=method)
        b = population_within(lon, lat, geo_tif, [500, 200], method=method)
        for r in (500.0, 200.0):
            rel = np.abs(a[r] - b[r]) / a[r]
            print(f"\ngeographic vs projected, {method}, r = {r:.0f} m: max relative "
                  f"difference {rel.max():.2e}, mean {rel.mean():.2e}")
            if method == METHOD_AREA_SHARE:
                assert rel.max() < 0.01
            else:  # whole cells by their centre: coarse point by point (±1 cell of ~12 at
                # 200 m), but unbiased on average
                print(f"  mean over points: {b[r].mean() / a[r].mean() - 1:+.2e}")
                assert b[r].mean() == pytest.approx(a[r].mean(), rel=0.02)


# --- Outside the raster, NaN, nodata, errors -------------------------------------------


def test_points_outside_the_raster_and_nan(tmp_path):
    arr = np.ones((40, 40), dtype=np.int16)
    tif = _write_tif(tmp_path / "uniform.tif", arr, T100, "EPSG:4547", nodata=-1)
    ymid = Y0 - 2000.0
    x = np.array([X0, X0 - 300.0, X0 - 600.0, X0 + 2000.0, 3e6, np.nan, X0 + 1000.0])
    y = np.array([ymid, ymid, ymid, ymid, ymid, ymid, np.nan])
    lon, lat = TO_4490.transform(x, y)
    lon, lat = np.asarray(lon), np.asarray(lat)
    lon[5] = np.nan
    lat[6] = np.nan
    got = population_within(lon, lat, tif, 500)[500]
    half = math.pi * 25 / 2
    d = 300.0
    segment = (500 ** 2 * math.acos(d / 500) - d * math.sqrt(500 ** 2 - d ** 2)) / 1e4
    assert got[0] == pytest.approx(half, rel=1e-5)
    assert got[1] == pytest.approx(segment, rel=1e-5)
    assert got[2] == 0.0
    assert got[3] == pytest.approx(math.pi * 25, rel=1e-5)
    assert got[4] == 0.0
    assert np.isnan(got[5]) and np.isnan(got[6])
    # cell_centres: brute force on the same (round-tripped) points.
    xb, yb = TO_4547.transform(lon[:5], lat[:5])
    centres = population_within(lon, lat, tif, 500, method=METHOD_CELL_CENTRES)[500]
    assert np.isnan(centres[5:]).all()
    for i in range(5):
        assert centres[i] == population_cell_centres_brute(xb[i], yb[i], 500, arr, T100)
    # All points far away (no window to read), and all NaN.
    far = population_within([120.0, np.nan], [30.0, 1.0], tif, [500, 200])
    assert far[500][0] == 0.0 and far[200][0] == 0.0 and np.isnan(far[500][1])
    none = population_within([np.nan], [np.nan], tif, 500)
    assert np.isnan(none[500]).all()
    empty = population_within([], [], tif, 500)
    assert empty[500].shape == (0,)


def test_points_just_outside_every_side_match_brute_force():
    rng = np.random.default_rng(5)
    arr = rng.poisson(30.0, (20, 25)).astype(np.float64)
    w, h = 25 * CELL, 20 * CELL
    # Points 0–700 m outside each side and corner (reach of 500 m is 6 cells + 1).
    d = np.array([0.0, 1.0, 150.0, 420.0, 499.0, 560.0, 650.0, 700.0])
    x = np.concatenate([X0 - d, X0 + w + d, X0 + w / 2 + 0 * d, X0 + w / 2 + 0 * d, X0 - d,
                        X0 + w + d])
    y = np.concatenate([Y0 - h / 2 + 0 * d, Y0 - h / 2 + 0 * d, Y0 + d, Y0 - h - d, Y0 + d,
                        Y0 - h - d])
    for r in (500.0, 200.0):
        got = population_within_grid(x, y, arr, T100, r)[r]
        exact = np.array([population_in_circle_exact(a, b, r, arr, T100) for a, b in zip(x, y)])
        # 1e-3 people absolute: a 1 m sliver is where the shapely 1024-gon is least exact.
        assert np.all(np.abs(got - exact) <= 1e-4 * exact + 1e-3)
        centres = population_within_grid(x, y, arr, T100, r, method=METHOD_CELL_CENTRES)[r]
        brute = [population_cell_centres_brute(a, b, r, arr, T100) for a, b in zip(x, y)]
        assert np.allclose(centres, brute, rtol=0, atol=1e-9)


def test_nodata_negative_and_nan_cells_count_as_zero(tmp_path):
    arr = np.full((30, 30), 2, dtype=np.int16)
    arr[:, :15] = -1  # nodata
    arr[0, 20] = -5  # negative but not nodata
    tif = _write_tif(tmp_path / "half.tif", arr, T100, "EPSG:4547", nodata=-1)
    lon, lat = _lonlat([X0 + 1500.0], [Y0 - 1500.0])  # on the nodata edge
    got = population_within(lon, lat, tif, 500)[500][0]
    assert got == pytest.approx(2 * math.pi * 25 / 2, rel=1e-5)
    f = np.ones((30, 30))
    f[10:20, 10:20] = np.nan
    g = population_within_grid([X0 + 1500.0], [Y0 - 1500.0], f, T100, 200)[200][0]
    assert g == 0.0


def test_bad_arguments(tmp_path):
    arr = np.ones((5, 5), dtype=np.int16)
    tif = _write_tif(tmp_path / "u.tif", arr, T100, "EPSG:4547")
    with pytest.raises(ValueError, match="method"):
        population_within([114.0], [22.5], tif, 500, method="nearest")
    with pytest.raises(ValueError, match="radius"):
        population_within([114.0], [22.5], tif, 0)
    with pytest.raises(ValueError, match="radius"):
        population_within([114.0], [22.5], tif, [500, float("nan")])
    with pytest.raises(ValueError, match="values"):
        population_within([114.0, 114.1], [22.5], tif, 500)
    with pytest.raises(ValueError, match="rotated"):
        population_within_grid([0.0], [0.0], arr, Affine(100, 5, 0, 0, -100, 0), 500)


# --- The sample city -------------------------------------------------------------------


def _sample_points(n: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, Affine]:
    with rasterio.open(SAMPLE_POP) as src:
        arr = src.read(1)
        t = src.transform
    rr, cc = np.nonzero(arr >= 0)  # inside the city
    pick = rng.integers(0, rr.size, n)
    x = t.c + (cc[pick] + rng.random(n)) * t.a
    y = t.f + (rr[pick] + rng.random(n)) * t.e
    lon, lat = _lonlat(x, y)
    return lon, lat, arr, t


def test_sample_raster_10000_points():
    rng = np.random.default_rng(42)
    lon, lat, arr, t = _sample_points(10_000, rng)
    t0 = time.perf_counter()
    got = population_within(lon, lat, SAMPLE_POP, [500, 200])
    dt = time.perf_counter() - t0
    t0 = time.perf_counter()
    centres = population_within(lon, lat, SAMPLE_POP, [500, 200], method=METHOD_CELL_CENTRES)
    dt_c = time.perf_counter() - t0
    print(f"\nsample raster, 10,000 points, radii [500, 200]: area_share {dt:.3f} s, "
          f"cell_centres {dt_c:.3f} s")
    for res in (got, centres):
        for r in (500.0, 200.0):
            assert np.isfinite(res[r]).all() and (res[r] >= 0).all()
        assert (res[500] >= res[200] - 1e-9).all()
    # Both methods agree on average (they differ point by point at the circle's edge).
    assert got[500].mean() == pytest.approx(centres[500].mean(), rel=0.03)
    # A few points against shapely.
    x, y = TO_4547.transform(lon[:20], lat[:20])
    clean = np.where(arr > 0, arr, 0).astype(np.float64)
    exact = [population_in_circle_exact(a, b, 500, clean, t) for a, b in zip(x, y)]
    assert _rel_errors(got[500][:20], np.array(exact)).max() < SMOOTH_MAX_REL

    # The most populous cell's centre sees at least its own people within 500 m.
    i, j = np.unravel_index(np.argmax(arr), arr.shape)
    cx, cy = t * (j + 0.5, i + 0.5)
    plon, plat = _lonlat([cx], [cy])
    own = float(arr[i, j])
    for method in (METHOD_AREA_SHARE, METHOD_CELL_CENTRES):
        top = population_within(plon, plat, SAMPLE_POP, 500, method=method)[500][0]
        assert top >= own
        assert top == pytest.approx(
            population_in_circle_exact(cx, cy, 500, clean, t) if method == METHOD_AREA_SHARE
            else population_cell_centres_brute(cx, cy, 500, clean, t), rel=1e-4)

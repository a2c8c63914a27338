"""Tests for plugin.core.coords (docs/domain/coordinates.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyproj
import pytest

from plugin.core import coords
from plugin.core.coords import (
    CHINA_LAT,
    CHINA_LON,
    LONLAT_MISSING,
    LONLAT_OK,
    LONLAT_OUT_OF_CHINA,
    LONLAT_SWAPPED,
    bd09_to_gcj02,
    bd09_to_wgs84,
    classify_lonlat,
    gauss_kruger_central_meridian,
    gauss_kruger_epsg,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    parse_dms,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")
MAX_ROUND_TRIP_M = 0.5
# 113°56′12.3″ in decimal degrees.
DMS_VALUE = 113 + 56 / 60 + 12.3 / 3600


def _distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    _, _, dist = GEOD.inv(np.ravel(lon1), np.ravel(lat1), np.ravel(lon2), np.ravel(lat2))
    return np.asarray(dist)


@pytest.fixture(scope="module")
def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """A 0.5° grid over the survey validity box (about 10 000 points)."""
    lon, lat = np.meshgrid(np.arange(CHINA_LON[0], CHINA_LON[1] + 0.01, 0.5),
                           np.arange(CHINA_LAT[0], CHINA_LAT[1] + 0.01, 0.5))
    return lon.ravel(), lat.ravel()


# --- GCJ-02 / BD-09 ---------------------------------------------------------------------


def test_wgs84_to_gcj02_known_vector() -> None:
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert float(lon) == pytest.approx(116.41024, abs=1e-5)
    assert float(lat) == pytest.approx(39.91640, abs=1e-5)


def test_gcj02_offset_is_hundreds_of_metres() -> None:
    lon, lat = wgs84_to_gcj02(np.array([113.94]), np.array([22.54]))
    assert 100 < _distance_m(113.94, 22.54, lon, lat)[0] < 1000


def test_published_vectors() -> None:
    """Results printed in wandergis/coordtransform's test/app.js for (116.404, 39.915)."""
    assert np.allclose(wgs84_to_gcj02(116.404, 39.915), (116.41024449916938, 39.91640428150164), atol=1e-9)
    assert np.allclose(gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021), atol=1e-9)
    # The published BD-09 → GCJ-02 is the bare closed form; ours is refined, within ~0.1 m.
    assert np.allclose(bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631), atol=1e-6)
    # Their one-step GCJ-02 → WGS84 is within a few metres of the iterated inverse.
    w = gcj02_to_wgs84(116.404, 39.915)
    assert _distance_m(w[0], w[1], 116.39775550083061, 39.91359571849836)[0] < 5


def test_outside_china_unchanged() -> None:
    lon = np.array([2.3522, -74.006, 139.6917, 100.0])
    lat = np.array([48.8566, 40.7128, 35.6895, 60.0])  # Paris, New York, Tokyo, Siberia
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(g_lon, lon)
    np.testing.assert_array_equal(g_lat, lat)
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    np.testing.assert_array_equal(w_lon, lon)
    np.testing.assert_array_equal(w_lat, lat)


def test_gcj02_round_trip_grid(china_grid) -> None:
    lon, lat = china_grid
    w_lon, w_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert _distance_m(lon, lat, w_lon, w_lat).max() < MAX_ROUND_TRIP_M


def test_gcj02_inverse_reproduces_forward(china_grid) -> None:
    lon, lat = china_grid  # treat the grid as GCJ-02 input
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
    assert _distance_m(lon, lat, f_lon, f_lat).max() < MAX_ROUND_TRIP_M


def test_bd09_round_trip_grid(china_grid) -> None:
    lon, lat = china_grid
    w_lon, w_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert _distance_m(lon, lat, w_lon, w_lat).max() < MAX_ROUND_TRIP_M


def test_bd09_gcj02_round_trip_is_tight(china_grid) -> None:
    lon, lat = china_grid
    g_lon, g_lat = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert _distance_m(lon, lat, g_lon, g_lat).max() < 0.05


def test_transforms_keep_shape_and_nan() -> None:
    lon = np.array([[113.9, np.nan], [np.nan, 114.1]])
    lat = np.array([[22.5, 22.6], [np.nan, np.nan]])
    for func in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, bd09_to_wgs84):
        out_lon, out_lat = func(lon, lat)
        assert out_lon.shape == lon.shape and out_lat.shape == lat.shape
        assert np.isfinite(out_lon[0, 0]) and np.isfinite(out_lat[0, 0])
        assert np.isnan(out_lon[0, 1]) or np.isnan(out_lat[0, 1])
        assert np.isnan(out_lon[1, 0]) and np.isnan(out_lat[1, 0])


def test_inverse_iteration_cap() -> None:
    calls: list[int] = []

    def counting(lon, lat):
        calls.append(len(lon))
        return wgs84_to_gcj02(lon, lat)

    lon = np.linspace(74, 135, 1000)
    lat = np.linspace(4, 53, 1000)
    coords._invert(counting, lon, lat, lon.copy(), lat.copy())
    assert 1 < len(calls) <= coords.INVERSE_MAX_ITERATIONS
    assert calls == sorted(calls, reverse=True)  # converged points drop out


def test_to_wgs84_mixed_systems() -> None:
    w_lon = np.array([113.94, 113.94, 113.94, 113.94, np.nan])
    w_lat = np.array([22.54, 22.54, 22.54, 22.54, 22.54])
    g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
    b_lon, b_lat = wgs84_to_bd09(w_lon, w_lat)
    lon = np.array([w_lon[0], w_lon[1], g_lon[2], b_lon[3], np.nan])
    lat = np.array([w_lat[0], w_lat[1], g_lat[2], b_lat[3], 22.54])
    ids = np.array(["WGS84", "CGCS2000", "GCJ02", "BD09", "GCJ02"], dtype=object)
    out_lon, out_lat = to_wgs84(lon, lat, ids)
    assert out_lon[0] == lon[0] and out_lat[1] == lat[1]  # taken as given
    assert _distance_m(w_lon[:4], w_lat[:4], out_lon[:4], out_lat[:4]).max() < MAX_ROUND_TRIP_M
    assert np.isnan(out_lon[4])
    # input arrays untouched
    assert lon[2] == g_lon[2]


def test_to_wgs84_labels_and_scalar_id() -> None:
    g_lon, g_lat = wgs84_to_gcj02(np.array([114.0]), np.array([22.5]))
    out_lon, out_lat = to_wgs84(g_lon, g_lat, "GCJ-02")
    assert _distance_m(114.0, 22.5, out_lon, out_lat)[0] < MAX_ROUND_TRIP_M
    out2 = to_wgs84(g_lon, g_lat, ["gcj02"])
    np.testing.assert_allclose(out2[0], out_lon)


def test_to_wgs84_unknown_id_raises() -> None:
    with pytest.raises(ValueError, match="XIAN80"):
        to_wgs84([114.0], [22.5], ["XIAN80"])


# --- parse_dms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "113°56′12.3″",
        "113°56'12.3\"",
        "113度56分12.3秒",
        "113°56.205′",
        "113 56 12.3",
        "113:56:12.3",
        "１１３°５６′１２.３″",
        "１１３：５６：１２．３",
        "113° 56′ 12.3″",
        "  113°56′12.3″  ",
        "E113°56′12.3″",
        "113°56′12.3″E",
        "113°56′12.3″ E",
        "东经113°56′12.3″",
        "东经 113度56分12.3秒",
        "e 113 56 12.3",
    ],
)
def test_parse_dms_spellings(text: str) -> None:
    assert parse_dms([text])[0] == pytest.approx(DMS_VALUE, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("113.9423", 113.9423),
        ("１１３.９４２３", 113.9423),
        (" 113.9423 ", 113.9423),
        ("113.9423°", 113.9423),
        ("N22.5", 22.5),
        ("北纬22°30′", 22.5),
        ("北经22°30′", 22.5),
        ("22°30′N", 22.5),
        ("22°30′S", -22.5),
        ("W113°56′12.3″", -DMS_VALUE),
        ("西经113°56′12.3″", -DMS_VALUE),
        ("-113.5", -113.5),
        ("113 56", 113 + 56 / 60),
    ],
)
def test_parse_dms_values(text: str, expected: float) -> None:
    assert parse_dms([text])[0] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "N", "113°60′", "113°56′60″", "113°56′12.3″x", "113.5 30", "113°12.3″",
     "113..5", "inf", "nan", "一百一十三"],
)
def test_parse_dms_garbage_is_nan(text: str) -> None:
    assert np.isnan(parse_dms([text])[0])


def test_parse_dms_mixed_inputs() -> None:
    values = [113.9423, "113°56′12.3″", None, float("nan"), 22, "", "１１３.５"]
    out = parse_dms(values)
    assert out.dtype == np.float64 and out.shape == (7,)
    np.testing.assert_allclose(out[[0, 1, 4, 6]], [113.9423, DMS_VALUE, 22.0, 113.5])
    assert np.isnan(out[[2, 3, 5]]).all()


def test_parse_dms_numeric_and_series_inputs() -> None:
    np.testing.assert_array_equal(parse_dms(np.array([113.5, np.inf])), [113.5, np.nan])
    series = pd.Series(["113°56′12.3″", None], index=[10, 20], dtype="string")
    out = parse_dms(series)
    assert out[0] == pytest.approx(DMS_VALUE) and np.isnan(out[1])
    assert parse_dms("113 56 12.3")[0] == pytest.approx(DMS_VALUE)


# --- classify_lonlat --------------------------------------------------------------------


def test_classify_lonlat() -> None:
    lon = np.array([113.9, 22.5, 2.35, np.nan, 113.9, 60.0])
    lat = np.array([22.5, 113.9, 48.85, 22.5, np.nan, 60.0])
    lon2, lat2, status = classify_lonlat(lon, lat)
    assert status.dtype == np.int8
    np.testing.assert_array_equal(
        status,
        [LONLAT_OK, LONLAT_SWAPPED, LONLAT_OUT_OF_CHINA, LONLAT_MISSING, LONLAT_MISSING,
         LONLAT_OUT_OF_CHINA])
    assert (lon2[1], lat2[1]) == (113.9, 22.5)  # swapped back
    assert (lon2[0], lat2[0]) == (113.9, 22.5)
    assert (lon2[2], lat2[2]) == (2.35, 48.85)  # unchanged
    assert (status == [0, 1, 2, 3, 3, 2]).all()


def test_classify_lonlat_box_edges() -> None:
    _, _, status = classify_lonlat([CHINA_LON[0], CHINA_LON[1], 72.9], [CHINA_LAT[0], CHINA_LAT[1], 30.0])
    np.testing.assert_array_equal(status, [LONLAT_OK, LONLAT_OK, LONLAT_OUT_OF_CHINA])


# --- Gauss-Krüger zones -----------------------------------------------------------------


def test_gauss_kruger_shenzhen() -> None:
    assert gauss_kruger_epsg(113.9) == 4547
    assert pyproj.CRS.from_epsg(4547).name == "CGCS2000 / 3-degree Gauss-Kruger CM 114E"


@pytest.mark.parametrize("lon", [73.2, 75.0, 87.6, 104.1, 112.4, 112.6, 116.4, 121.5, 126.6, 134.9, 136.0])
def test_gauss_kruger_matches_pyproj(lon: float) -> None:
    code = gauss_kruger_epsg(lon)
    crs = pyproj.CRS.from_epsg(code)
    cm = gauss_kruger_central_meridian(lon)
    assert crs.name == f"CGCS2000 / 3-degree Gauss-Kruger CM {cm}E"
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == cm
    assert abs(lon - cm) <= 1.5 + 1e-9 or cm in (coords.GK_FIRST_CM, coords.GK_LAST_CM)


def test_gauss_kruger_zone_boundary_and_errors() -> None:
    assert gauss_kruger_central_meridian(112.5) == 114  # zone edges round up
    assert gauss_kruger_central_meridian(112.49) == 111
    for bad in (math.nan, 10.0, 150.0):
        with pytest.raises(ValueError):
            gauss_kruger_epsg(bad)

"""Coordinates (坐标): datum offsets, coordinate text parsing and validity checks.

docs/domain/coordinates.md. Everything here is vectorised: functions take array-likes and return numpy
arrays of the same shape, with no Python loop per point. NaN inputs stay NaN.

* WGS84 and CGCS2000 are taken as given (they differ by centimetres at survey scale).
* GCJ-02 (Amap, Tencent) and BD-09 (Baidu) are converted to WGS84 with the public
  transforms; the inverses are iterated until every point is well under 0.5 m.
* :func:`parse_dms` reads decimal degrees and degree-minute-second text in its common
  spellings (ASCII, full-width, Chinese units, hemisphere letters).
* :func:`classify_lonlat` applies the survey's validity box (China) and detects swapped
  longitude/latitude pairs.
* :func:`gauss_kruger_epsg` picks the CGCS2000 3-degree Gauss-Krüger zone used for
  distances.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

# --- GCJ-02 (docs/domain/coordinates.md §2) ----------------------------------------------
# Krasovsky 1940 ellipsoid, as used by the public GCJ-02 transform.
GCJ_SEMI_MAJOR_AXIS = 6378245.0
GCJ_ECCENTRICITY_SQ = 0.00669342162296594323
# The offset polynomials are evaluated at (lon - 105, lat - 35).
GCJ_ORIGIN_LON = 105.0
GCJ_ORIGIN_LAT = 35.0
# The usual ``out_of_china`` bounding box: no offset is applied outside it.
GCJ_BOX_LON = (72.004, 137.8347)
GCJ_BOX_LAT = (0.8293, 55.8271)

# --- BD-09 (docs/domain/coordinates.md §3) -----------------------------------------------
BD_X_PI = math.pi * 3000.0 / 180.0
BD_Z_AMPLITUDE = 0.00002
BD_THETA_AMPLITUDE = 0.000003
BD_LON_OFFSET = 0.0065
BD_LAT_OFFSET = 0.006

# --- Iterative inverses ------------------------------------------------------------------
# docs/domain/coordinates.md §4 asks for under 0.5 m; iterating to a centimetre costs one more step at most.
INVERSE_TOLERANCE_M = 0.01
INVERSE_MAX_ITERATIONS = 10
# Metres per degree of latitude (WGS84 equatorial radius × π/180); a local approximation
# good enough to measure sub-metre residuals.
METRES_PER_DEGREE = 6378137.0 * math.pi / 180.0

# --- Coordinate systems (ids as in schema.COORD_SYSTEMS) ---------------------------------
CRS_WGS84 = "WGS84"
CRS_CGCS2000 = "CGCS2000"
CRS_GCJ02 = "GCJ02"
CRS_BD09 = "BD09"
CRS_IDS = (CRS_WGS84, CRS_CGCS2000, CRS_GCJ02, CRS_BD09)

# --- Survey validity box (docs/domain/coordinates.md §6) ---------------------------------
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

LONLAT_OK = 0
LONLAT_SWAPPED = 1
LONLAT_OUT_OF_CHINA = 2
LONLAT_MISSING = 3

# --- Gauss-Krüger zones (docs/domain/coordinates.md §7: distances in the local projected zone) ---
GK_ZONE_WIDTH = 3.0
GK_FIRST_CM = 75
GK_LAST_CM = 135
# EPSG:4534 "CGCS2000 / 3-degree Gauss-Kruger CM 75E" … EPSG:4554 "… CM 135E".
GK_FIRST_EPSG = 4534

# --- DMS parsing -------------------------------------------------------------------------
MINUTES_PER_DEGREE = 60.0
SECONDS_PER_DEGREE = 3600.0


def _as_float(values: Any) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


# =========================================================================================
# GCJ-02
# =========================================================================================


def _out_of_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """The GCJ-02 ``out_of_china`` test (NaN counts as inside, so NaN propagates)."""
    return (lon < GCJ_BOX_LON[0]) | (lon > GCJ_BOX_LON[1]) | (lat < GCJ_BOX_LAT[0]) | (lat > GCJ_BOX_LAT[1])


def _gcj_offset_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    # Coefficients of the published GCJ-02 polynomial (not tunable).
    pi = math.pi
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret = ret + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    ret = ret + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    ret = ret + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    return ret


def _gcj_offset_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    # Coefficients of the published GCJ-02 polynomial (not tunable).
    pi = math.pi
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret = ret + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    ret = ret + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    ret = ret + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """WGS84 → GCJ-02 by the public transform (docs/domain/coordinates.md §2); unchanged outside China."""
    lon = _as_float(lon)
    lat = _as_float(lat)
    x = lon - GCJ_ORIGIN_LON
    y = lat - GCJ_ORIGIN_LAT
    dlat = _gcj_offset_lat(x, y)
    dlon = _gcj_offset_lon(x, y)
    radlat = np.radians(lat)
    magic = 1.0 - GCJ_ECCENTRICITY_SQ * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((GCJ_SEMI_MAJOR_AXIS * (1.0 - GCJ_ECCENTRICITY_SQ)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (GCJ_SEMI_MAJOR_AXIS / sqrtmagic * np.cos(radlat) * math.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def _residual_m(dlon: FloatArray, dlat: FloatArray, lat: FloatArray) -> FloatArray:
    """Approximate length in metres of a small (dlon, dlat) step at latitude ``lat``."""
    east = dlon * np.cos(np.radians(lat)) * METRES_PER_DEGREE
    north = dlat * METRES_PER_DEGREE
    return np.hypot(east, north)


def _invert(forward: Any, lon: FloatArray, lat: FloatArray,
            start_lon: FloatArray, start_lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fixed-point inversion of ``forward`` so that forward(result) ≈ (lon, lat).

    Iterates only the points not yet within :data:`INVERSE_TOLERANCE_M`, at most
    :data:`INVERSE_MAX_ITERATIONS` times. NaN points are left NaN.
    """
    out_lon = start_lon.copy()
    out_lat = start_lat.copy()
    active = np.isfinite(lon) & np.isfinite(lat)
    for _ in range(INVERSE_MAX_ITERATIONS):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        f_lon, f_lat = forward(out_lon.flat[idx], out_lat.flat[idx])
        d_lon = f_lon - lon.flat[idx]
        d_lat = f_lat - lat.flat[idx]
        out_lon.flat[idx] = out_lon.flat[idx] - d_lon
        out_lat.flat[idx] = out_lat.flat[idx] - d_lat
        done = _residual_m(d_lon, d_lat, lat.flat[idx]) < INVERSE_TOLERANCE_M
        active.flat[idx[done]] = False
    return out_lon, out_lat


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → WGS84 by fixed-point iteration of :func:`wgs84_to_gcj02` (docs/domain/coordinates.md §4)."""
    lon = _as_float(lon)
    lat = _as_float(lat)
    return _invert(wgs84_to_gcj02, lon, lat, lon, lat)


# =========================================================================================
# BD-09
# =========================================================================================


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → BD-09 (docs/domain/coordinates.md §3)."""
    x = _as_float(lon)
    y = _as_float(lat)
    z = np.hypot(x, y) + BD_Z_AMPLITUDE * np.sin(y * BD_X_PI)
    theta = np.arctan2(y, x) + BD_THETA_AMPLITUDE * np.cos(x * BD_X_PI)
    return z * np.cos(theta) + BD_LON_OFFSET, z * np.sin(theta) + BD_LAT_OFFSET


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """BD-09 → GCJ-02: the closed-form inverse, refined against :func:`gcj02_to_bd09`."""
    lon = _as_float(lon)
    lat = _as_float(lat)
    x = lon - BD_LON_OFFSET
    y = lat - BD_LAT_OFFSET
    z = np.hypot(x, y) - BD_Z_AMPLITUDE * np.sin(y * BD_X_PI)
    theta = np.arctan2(y, x) - BD_THETA_AMPLITUDE * np.cos(x * BD_X_PI)
    return _invert(gcj02_to_bd09, lon, lat, z * np.cos(theta), z * np.sin(theta))


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """BD-09 → GCJ-02 → WGS84 (docs/domain/coordinates.md §3, §4)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """WGS84 → GCJ-02 → BD-09 (for tests and exports)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def normalise_crs_ids(crs_ids: Any, size: int) -> npt.NDArray[np.object_]:
    """Coordinate system ids as an object array of ``size``: upper-cased, '-' and spaces
    removed (so the labels "GCJ-02", "BD-09" are accepted too); a scalar is broadcast."""
    if isinstance(crs_ids, str):
        crs_ids = [crs_ids] * size
    ids = pd.Series(np.asarray(crs_ids, dtype=object).ravel(), dtype=object)
    return (ids.astype("string").str.upper().str.replace(r"[\s\-_]", "", regex=True)
            .astype(object).to_numpy())


def to_wgs84(lon: Any, lat: Any, crs_ids: Any) -> tuple[FloatArray, FloatArray]:
    """Convert each point from its coordinate system to WGS84 (docs/domain/coordinates.md §1).

    ``crs_ids`` is an array (or a single string) of "WGS84", "CGCS2000", "GCJ02", "BD09"
    (the ids of ``schema.COORD_SYSTEMS``; "GCJ-02"/"BD-09" and lower case also accepted).
    WGS84 and CGCS2000 are returned as given. Raises ``ValueError`` for any other id
    (including blank), since silently dropping a point would be reported as "missing".
    """
    lon = _as_float(lon).copy()
    lat = _as_float(lat).copy()
    shape = lon.shape
    flat_lon = lon.ravel()
    flat_lat = lat.ravel()
    ids = normalise_crs_ids(crs_ids, flat_lon.size)
    if ids.size != flat_lon.size:
        raise ValueError(f"crs_ids has {ids.size} values for {flat_lon.size} points")
    known = np.isin(ids, np.array(CRS_IDS, dtype=object))
    if not known.all():
        bad = sorted({str(v) for v in ids[~known]})
        raise ValueError(f"unknown coordinate system id(s): {', '.join(bad)}; expected one of {CRS_IDS}")
    for crs, convert in ((CRS_GCJ02, gcj02_to_wgs84), (CRS_BD09, bd09_to_wgs84)):
        mask = ids == crs
        if mask.any():
            flat_lon[mask], flat_lat[mask] = convert(flat_lon[mask], flat_lat[mask])
    return flat_lon.reshape(shape), flat_lat.reshape(shape)


# =========================================================================================
# Coordinate text
# =========================================================================================

# Markers, applied after NFKC (which turns ″ into ′′, full-width ＂＇：－ into ASCII).
_SECOND_MARKS = r"(?:′′|''|’’|″|\"|”|“|〃|秒)"
_MINUTE_MARKS = r"(?:′|'|’|‘|´|`|分)"
_DEGREE_MARKS = r"(?:°|º|˚|度)"
_NEGATIVE_HEMI = r"西经|南纬|西|南|WEST|SOUTH|W|S"
_POSITIVE_HEMI = r"东经|北纬|北经|东|北|EAST|NORTH|E|N"
_HEMI = rf"(?:{_NEGATIVE_HEMI}|{_POSITIVE_HEMI})"
_LEADING_HEMI = rf"^(?P<hemi>{_HEMI})[\s:,]*"
_TRAILING_HEMI = rf"[\s,]*(?P<hemi>{_HEMI})$"
_NUM = r"\d+(?:\.\d+)?|\.\d+"
# deg [d] | deg SEP min [m] | deg SEP min SEP sec [s]; SEP is a unit mark, ':' or spaces.
_DMS_RE = (
    r"^(?P<sign>[-+]?)\s*(?P<deg>" + _NUM + r")"
    r"(?:\s*d"
    r"|(?:\s*d\s*|\s*:\s*|\s+)(?P<min>" + _NUM + r")"
    r"(?:\s*m"
    r"|(?:\s*m\s*|\s*:\s*|\s+)(?P<sec>" + _NUM + r")(?:\s*s)?"
    r")?)?\s*$"
)
_MINUS_SIGNS = r"[−–—‒]"  # U+2212 minus and dashes NFKC leaves alone


def _parse_text(text: pd.Series) -> FloatArray:
    """Regex-parse a string Series (pandas ``string`` dtype) into decimal degrees."""
    t = text.str.normalize("NFKC").str.strip().str.upper()
    t = t.str.replace(_MINUS_SIGNS, "-", regex=True)
    lead = t.str.extract(_LEADING_HEMI)["hemi"]
    t = t.str.replace(_LEADING_HEMI, "", regex=True)
    trail = t.str.extract(_TRAILING_HEMI)["hemi"]
    t = t.str.replace(_TRAILING_HEMI, "", regex=True).str.strip()
    hemi = lead.fillna(trail)
    # Unit marks → single lower-case tokens d/m/s (the text is upper-case, so no clash).
    t = t.str.replace(_SECOND_MARKS, "s", regex=True)
    t = t.str.replace(_MINUTE_MARKS, "m", regex=True)
    t = t.str.replace(_DEGREE_MARKS, "d", regex=True)
    parts = t.str.extract(_DMS_RE)
    deg = pd.to_numeric(parts["deg"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    mins = pd.to_numeric(parts["min"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    secs = pd.to_numeric(parts["sec"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    has_min = parts["min"].notna().to_numpy()
    has_sec = parts["sec"].notna().to_numpy()
    value = (deg + np.where(has_min, mins, 0.0) / MINUTES_PER_DEGREE
             + np.where(has_sec, secs, 0.0) / SECONDS_PER_DEGREE)
    # Only the last component may carry a fraction; minutes and seconds stay below 60.
    deg_text = parts["deg"].fillna("").to_numpy(dtype=object)
    min_text = parts["min"].fillna("").to_numpy(dtype=object)
    deg_frac = pd.Series(deg_text).str.contains(".", regex=False).to_numpy(dtype=bool)
    min_frac = pd.Series(min_text).str.contains(".", regex=False).to_numpy(dtype=bool)
    invalid = ((has_min & ((mins >= MINUTES_PER_DEGREE) | deg_frac))
               | (has_sec & ((secs >= MINUTES_PER_DEGREE) | min_frac)))
    value = np.where(invalid, np.nan, value)
    negative = (parts["sign"].fillna("").to_numpy(dtype=object) == "-") | \
        hemi.isin(_NEGATIVE_HEMI.split("|")).to_numpy(dtype=bool)
    return np.where(negative, -value, value)


def parse_dms(values: Any) -> FloatArray:
    """Parse coordinate cells into decimal degrees (docs/domain/coordinates.md §5); NaN where unparseable.

    Accepts numbers, decimal-degree text and degree-minute-second text: ``113°56′12.3″``,
    ``113°56'12.3"``, ``113度56分12.3秒``, ``113°56.205′``, ``113 56 12.3``,
    ``113:56:12.3``, full-width forms (NFKC-normalised), stray spaces, and a hemisphere
    letter or word before or after (E/N/东经/北纬/北经 positive; W/S/西经/南纬 negative).
    Minutes or seconds ≥ 60, and a fraction on any but the last component, give NaN.
    Returns a float64 array of the input's length (a scalar gives a 1-element array).
    """
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        values = [values]
    arr = np.asarray(values) if not isinstance(values, pd.Series) else values.to_numpy()
    if arr.dtype.kind in "iuf":
        out = arr.astype(np.float64).ravel()
        return np.where(np.isfinite(out), out, np.nan)
    series = pd.Series(np.asarray(arr, dtype=object).ravel(), dtype=object)
    # Real numbers (int/float cells, and plain ASCII decimal text) in one vectorised pass.
    numeric = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    raw = series.to_numpy(dtype=object)
    present = pd.notna(raw)
    present[present] = raw[present] != ""
    todo = ~np.isfinite(numeric) & present
    out = np.where(np.isfinite(numeric), numeric, np.nan)
    if todo.any():
        text = series[todo].astype("string")
        out[todo] = _parse_text(text)
    return np.where(np.isfinite(out), out, np.nan)


# =========================================================================================
# Validity box and zones
# =========================================================================================


def _in_box(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1]) & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1])


def classify_lonlat(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int8]]:
    """Check points against the survey's validity box (docs/domain/coordinates.md §6).

    Returns ``(lon2, lat2, status)``; status is int8: :data:`LONLAT_OK` (0),
    :data:`LONLAT_SWAPPED` (1, fits only when swapped; returned swapped — a warning),
    :data:`LONLAT_OUT_OF_CHINA` (2, returned unchanged — an error),
    :data:`LONLAT_MISSING` (3, either value NaN).
    """
    lon = _as_float(lon)
    lat = _as_float(lat)
    missing = np.isnan(lon) | np.isnan(lat)
    ok = _in_box(lon, lat)
    swapped = ~ok & _in_box(lat, lon)
    status = np.full(lon.shape, LONLAT_OUT_OF_CHINA, dtype=np.int8)
    status[ok] = LONLAT_OK
    status[swapped] = LONLAT_SWAPPED
    status[missing] = LONLAT_MISSING
    return np.where(swapped, lat, lon), np.where(swapped, lon, lat), status


def gauss_kruger_central_meridian(lon: float) -> int:
    """Central meridian (°E) of the 3-degree Gauss-Krüger zone for ``lon`` (docs/domain/coordinates.md §7).

    Zones are centred on multiples of 3°; the box's edges (73°E, 136°E) are clamped to
    the outermost CGCS2000 zones (CM 75°E, 135°E). Raises ``ValueError`` for a longitude
    that is not finite or lies outside :data:`CHINA_LON`.
    """
    lon = float(lon)
    if not math.isfinite(lon) or not CHINA_LON[0] <= lon <= CHINA_LON[1]:
        raise ValueError(f"longitude {lon} is outside China {CHINA_LON}")
    cm = int(GK_ZONE_WIDTH * math.floor(lon / GK_ZONE_WIDTH + 0.5))
    return min(max(cm, GK_FIRST_CM), GK_LAST_CM)


def gauss_kruger_epsg(lon: float) -> int:
    """EPSG code of "CGCS2000 / 3-degree Gauss-Kruger CM …E" for ``lon`` (docs/domain/coordinates.md §7),
    e.g. 114°E → 4547. Pass a representative scalar such as the data's median longitude."""
    cm = gauss_kruger_central_meridian(lon)
    return GK_FIRST_EPSG + (cm - GK_FIRST_CM) // int(GK_ZONE_WIDTH)

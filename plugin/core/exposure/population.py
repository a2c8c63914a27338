"""Population within a radius of many points, from a population raster (people per cell).

docs/domain/gb18218.md §3.2 (α of GB 18218 from the resident population within 500 m),
docs/domain/receptors.md §3, §4 (population within 500 m of each hazard source, from a raster of people
per cell) and docs/domain/coordinates.md §7 (inputs are EPSG:4490 lon/lat; distances in metres).

Every point is answered at once; there is no Python loop over points and no per-point
raster read. The raster is read once (one window: the points' bounding box padded by the
largest radius), in its own CRS and never resampled; nodata, negative and non-finite
values count as 0 people. The points are moved to the raster CRS with one pyproj call.

Geometry. Everything is done in *local metric* coordinates: a cell is a ``wx`` × ``wy``
metre rectangle and the search area a circle of radius r metres. For a projected raster
``wx``/``wy`` are the cell's width and height in metres (non-square cells are fine). For a
geographic raster (degrees) they are the metric width and height of one cell at the
points' median latitude (on the CRS's ellipsoid), so the circle is, in pixel units, an
ellipse with semi-axes r/wx and r/wy. That is a local flat-earth approximation: the east-west
size of a cell scales with cos φ, so a point Δφ away from the median latitude sees cells
mis-sized by ≈ tan φ · Δφ (0.2 % across 0.3° of latitude at 22.5°N — a whole city); areas
spanning many degrees of latitude should use a projected raster.

Method, for one radius. Let a point fall in cell (i, j) at fractional position
(fu, fv) ∈ [0, 1)² inside it. The cells that can matter are those at offsets (ky, kx) from
(i, j) that come within r of *some* position inside cell (i, j). They split in two:

* the **core**: offsets that count in full wherever the point is inside its cell (for
  "area_share": the whole offset cell lies inside the circle; for "cell_centres": its
  centre does). Their sum does not depend on (fu, fv), so it is one FFT convolution of the
  raster with the 0/1 core kernel (:func:`numpy.fft.rfft2`, zero-padded, no wrap-round),
  read at cell (i, j) — exact, with no interpolation;
* the **ring**: the remaining offsets, a band about three cells wide along the circle
  (O(r / cell) offsets, against O((r / cell)²) for the whole disc). For these the weight is
  computed exactly per point, vectorised with numpy over (points × ring offsets) in chunks:
  "cell_centres" tests the offset cell's centre distance; "area_share" takes the exact area
  of the cell ∩ circle in closed form (see :func:`_corner_area`), divided by the cell area.

So both methods are exact, for any point position, not just cell centres (up to float
round-off; integer rasters give exact core sums, as the FFT's are rounded back). A
supersampled fractional kernel with bilinear interpolation of the convolved surface was
measured and rejected: 480 m from a single populated cell (r = 500 m) it gives 600 people
of 1000 instead of 691.6 (−13 %), because the population seen through a circle changes
from all to nothing over one cell width when the circle's edge sweeps across a cell; on a
smooth random raster it was still off by up to 0.5 % (500 m) and 2.7 % (200 m).

Points outside the raster get the population of the part of the circle that overlaps it
(0 if none); NaN (or unprojectable) coordinates give NaN.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj

from ..grid import fft_convolve_same

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# --- Inputs ------------------------------------------------------------------------------
# Geographic CRS of the points (docs/domain/coordinates.md §7: store in CGCS2000), treated as lon/lat.
SOURCE_EPSG = 4490

# --- Methods -----------------------------------------------------------------------------
METHOD_AREA_SHARE = "area_share"  # a cell counts by the share of its area inside the circle
METHOD_CELL_CENTRES = "cell_centres"  # a cell counts fully when its centre is within r
METHODS = (METHOD_AREA_SHARE, METHOD_CELL_CENTRES)

# --- Limits and tolerances ---------------------------------------------------------------
# Points × ring offsets handled per vectorised chunk (a few float64 arrays of this size).
CHUNK_ELEMENTS = 2_000_000
# Refuse to read a window larger than this (rows × cols): ~400 MB per float64 copy, and
# the FFT needs a few. Points spread over a whole country at 100 m would otherwise exhaust
# memory; query smaller groups of points instead.
MAX_WINDOW_CELLS = 50_000_000
# FFT round-off is of the order of eps × Σpeople; core sums below this many times that are
# noise and set to 0 (also clips the tiny negatives).
FFT_NOISE_ULPS = 1000.0
# "cell_centres": a centre at distance d counts when d² ≤ r² (1 + this), so centres exactly
# on the circle (e.g. offsets (300 m, 400 m) for r = 500 m) count despite float round-off.
CENTRE_TIE_RTOL = 1e-9


# --- Public API --------------------------------------------------------------------------


def population_within(lon: Any, lat: Any, raster_path: str | os.PathLike[str],
                      radii_m: float | Iterable[float], *,
                      method: str = METHOD_AREA_SHARE) -> dict[float, FloatArray]:
    """People within ``radii_m`` metres of each point, from a raster of people per cell.

    ``lon``/``lat``: array-likes of decimal degrees in EPSG:4490 (treated as lon/lat).
    ``raster_path``: a GDAL raster; band 1 is people per cell; its own CRS is used (never
    resampled); nodata, negative and non-finite values are 0 people. ``radii_m``: one radius
    or a sequence (e.g. ``[500, 200]``), metres, each > 0. ``method``: ``"area_share"``
    (a cell counts by the share of its area inside the circle) or ``"cell_centres"`` (a cell
    counts fully when its centre lies within r).

    Returns ``{float(radius): float64 array aligned with the points}``. Points outside the
    raster get the part of the circle overlapping it (0 if none); NaN coordinates → NaN.

    Raises ``ValueError`` for mismatched lengths, a bad radius or method, a raster without
    a CRS, a rotated/sheared raster, or a window larger than :data:`MAX_WINDOW_CELLS`.
    """
    import rasterio  # deferred: only this entry point needs GDAL
    from rasterio.windows import Window

    method = _check_method(method)
    radii = _check_radii(radii_m)
    lon_a = np.asarray(lon, dtype=np.float64).ravel()
    lat_a = np.asarray(lat, dtype=np.float64).ravel()
    if lon_a.size != lat_a.size:
        raise ValueError(f"lon has {lon_a.size} values but lat has {lat_a.size}")

    with rasterio.open(raster_path) as src:
        if src.crs is None:
            raise ValueError(f"{raster_path}: the raster has no CRS")
        transform = src.transform
        _check_north_up(transform)
        crs = pyproj.CRS.from_wkt(src.crs.to_wkt())
        height, width = src.height, src.width

        x = np.full(lon_a.shape, np.nan)
        y = np.full(lon_a.shape, np.nan)
        finite = np.isfinite(lon_a) & np.isfinite(lat_a)
        if finite.any():
            with np.errstate(all="ignore"):
                x[finite], y[finite] = _transformer(crs.to_wkt()).transform(
                    lon_a[finite], lat_a[finite])
        ok = np.isfinite(x) & np.isfinite(y)

        out = {r: np.full(lon_a.shape, np.nan) for r in radii}
        if not ok.any():
            return out
        wx, wy = metric_cell_size(crs, transform, float(np.median(y[ok])))

        # One window for all the points: their cells' bounding box padded by the reach of
        # the largest radius, clipped to the raster.
        u, v = _pixel_coords(transform, x[ok], y[ok])
        reach_x = int(math.ceil(max(radii) / wx)) + 1
        reach_y = int(math.ceil(max(radii) / wy)) + 1
        col_lo = max(int(np.floor(u.min())) - reach_x, 0)
        col_hi = min(int(np.floor(u.max())) + reach_x + 1, width)
        row_lo = max(int(np.floor(v.min())) - reach_y, 0)
        row_hi = min(int(np.floor(v.max())) + reach_y + 1, height)
        if col_hi <= col_lo or row_hi <= row_lo:  # no point comes near the raster
            for r in radii:
                out[r][ok] = 0.0
            return out
        n_cells = (row_hi - row_lo) * (col_hi - col_lo)
        if n_cells > MAX_WINDOW_CELLS:
            raise ValueError(f"the points need a raster window of {row_hi - row_lo} × "
                             f"{col_hi - col_lo} cells, more than {MAX_WINDOW_CELLS}; "
                             "query fewer, closer points at a time")
        window = Window(col_lo, row_lo, col_hi - col_lo, row_hi - row_lo)
        band = src.read(1, window=window, masked=True)

    people = clean_people(band)
    found = _population_at(u - col_lo, v - row_lo, people, wx, wy, radii, method)
    for r in radii:
        out[r][ok] = found[r]
    return out


def population_within_grid(x: Any, y: Any, people: Any, transform: Any,
                           radii_m: float | Iterable[float], *,
                           cell_size_m: tuple[float, float] | None = None,
                           method: str = METHOD_AREA_SHARE) -> dict[float, FloatArray]:
    """:func:`population_within` for points already in the raster's CRS and a raster
    already in memory.

    ``x``/``y``: array-likes of coordinates in the raster's CRS. ``people``: 2-D array of
    people per cell (nodata must already be ≤ 0 or NaN: those count as 0). ``transform``:
    its north-up affine transform (``affine.Affine``, as rasterio gives). ``cell_size_m``:
    the metric (width, height) of one cell; None → ``(|a|, |e|)`` of the transform, i.e. a
    projected CRS in metres (use :func:`metric_cell_size` for other CRSs).
    """
    method = _check_method(method)
    radii = _check_radii(radii_m)
    _check_north_up(transform)
    x_a = np.asarray(x, dtype=np.float64).ravel()
    y_a = np.asarray(y, dtype=np.float64).ravel()
    if x_a.size != y_a.size:
        raise ValueError(f"x has {x_a.size} values but y has {y_a.size}")
    grid = clean_people(people)
    if grid.ndim != 2:
        raise ValueError(f"people must be a 2-D array, got {grid.ndim} dimensions")
    if cell_size_m is None:
        wx, wy = abs(float(transform.a)), abs(float(transform.e))
    else:
        wx, wy = (float(cell_size_m[0]), float(cell_size_m[1]))
    if not (wx > 0 and wy > 0 and math.isfinite(wx) and math.isfinite(wy)):
        raise ValueError(f"cell size must be positive, got {wx} × {wy} m")
    ok = np.isfinite(x_a) & np.isfinite(y_a)
    out = {r: np.full(x_a.shape, np.nan) for r in radii}
    if ok.any():
        u, v = _pixel_coords(transform, x_a[ok], y_a[ok])
        found = _population_at(u, v, grid, wx, wy, radii, method)
        for r in radii:
            out[r][ok] = found[r]
    return out


def metric_cell_size(crs: pyproj.CRS, transform: Any, y_ref: float) -> tuple[float, float]:
    """Metric (width, height) of one raster cell.

    Projected CRS: ``|a|`` and ``|e|`` times the metres per CRS unit. Geographic CRS
    (degrees): geodesic lengths on the CRS's ellipsoid of ``|a|`` degrees of longitude
    along the parallel ``y_ref`` (a latitude, e.g. the points' median) and of ``|e|``
    degrees of latitude centred on it — the local approximation described in the module
    docstring.
    """
    a, e = abs(float(transform.a)), abs(float(transform.e))
    if crs.is_geographic:
        geod = crs.get_geod() or pyproj.Geod(ellps="WGS84")
        lat = float(np.clip(y_ref, -89.0, 89.0))
        _, _, wx = geod.inv(-a / 2.0, lat, a / 2.0, lat)
        _, _, wy = geod.inv(0.0, lat - e / 2.0, 0.0, lat + e / 2.0)
        return float(wx), float(wy)
    factor = 1.0
    if crs.axis_info:
        factor = float(crs.axis_info[0].unit_conversion_factor or 1.0)
    return a * factor, e * factor


def clean_people(values: Any) -> FloatArray:
    """float64 copy of ``values`` with masked, non-finite and negative cells set to 0."""
    if np.ma.isMaskedArray(values):
        arr = np.ma.filled(values.astype(np.float64), 0.0)
    else:
        arr = np.array(values, dtype=np.float64)
    arr[~np.isfinite(arr) | (arr < 0)] = 0.0
    return arr


# --- Internals ---------------------------------------------------------------------------


def _check_method(method: str) -> str:
    m = str(method).strip().lower()
    if m not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    return m


def _check_radii(radii_m: float | Iterable[float]) -> list[float]:
    if isinstance(radii_m, Iterable):
        radii = [float(r) for r in radii_m]
    else:
        radii = [float(radii_m)]
    if not radii:
        raise ValueError("no radius given")
    for r in radii:
        if not (math.isfinite(r) and r > 0):
            raise ValueError(f"radius must be a positive number of metres, got {r}")
    return list(dict.fromkeys(radii))  # unique, order kept


def _check_north_up(transform: Any) -> None:
    if float(transform.b) != 0.0 or float(transform.d) != 0.0:
        raise ValueError("rotated or sheared rasters are not supported; warp it north-up")
    if float(transform.a) == 0.0 or float(transform.e) == 0.0:
        raise ValueError("degenerate raster transform (zero cell size)")


@lru_cache(maxsize=16)
def _transformer(target_wkt: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(f"EPSG:{SOURCE_EPSG}", pyproj.CRS.from_wkt(target_wkt),
                                       always_xy=True)


def _pixel_coords(transform: Any, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fractional (column, row) of points: cell (i, j) spans u ∈ [j, j+1), v ∈ [i, i+1)."""
    u = (x - float(transform.c)) / float(transform.a)
    v = (y - float(transform.f)) / float(transform.e)
    return u, v



@dataclass(frozen=True)
class _Offsets:
    """Core and ring offsets of one (radius, method), in cells, and the pad they need."""

    core: npt.NDArray[np.bool_]  # (2·ry+1, 2·rx+1) 0/1 kernel, centre = offset (0, 0)
    ring_ky: IntArray
    ring_kx: IntArray
    ry: int
    rx: int


def _offsets(r: float, wx: float, wy: float, method: str) -> _Offsets:
    """Split the offsets (ky, kx) that can reach a point in cell (0, 0) into core and ring.

    With the point anywhere in its cell, the offset cell's x-extent relative to the point
    lies in [(kx − 1)·wx, (kx + 1)·wx]: its nearest part is at least max(|kx| − 1, 0)·wx
    away and its farthest at most (|kx| + 1)·wx. Its centre is between max(|kx| − ½, 0)·wx
    and (|kx| + ½)·wx away. Likewise in y. Core: the farthest bound is within r; ring: not
    core, but the nearest bound is (an offset never within r for any position is dropped).
    """
    rx = int(math.ceil(r / wx)) + 1
    ry = int(math.ceil(r / wy)) + 1
    ky, kx = np.meshgrid(np.arange(-ry, ry + 1), np.arange(-rx, rx + 1), indexing="ij")
    ay, ax = np.abs(ky).astype(np.float64), np.abs(kx).astype(np.float64)
    r2 = r * r
    if method == METHOD_AREA_SHARE:
        far = ((ax + 1) * wx) ** 2 + ((ay + 1) * wy) ** 2
        near = (np.maximum(ax - 1, 0) * wx) ** 2 + (np.maximum(ay - 1, 0) * wy) ** 2
        core = far <= r2
        ring = ~core & (near < r2)
    else:
        r2t = r2 * (1.0 + CENTRE_TIE_RTOL)
        far = ((ax + 0.5) * wx) ** 2 + ((ay + 0.5) * wy) ** 2
        near = (np.maximum(ax - 0.5, 0) * wx) ** 2 + (np.maximum(ay - 0.5, 0) * wy) ** 2
        core = far <= r2
        ring = ~core & (near <= r2t)
    return _Offsets(core=core, ring_ky=ky[ring].astype(np.int64),
                    ring_kx=kx[ring].astype(np.int64), ry=ry, rx=rx)


def _chord_primitive(t: FloatArray, r: float) -> FloatArray:
    """P(t) = ∫₀ᵗ √(r² − s²) ds for t ∈ [−r, r] (odd; P(±r) = ±πr²/4)."""
    s = np.sqrt(np.maximum(r * r - t * t, 0.0))
    return 0.5 * (t * s + r * r * np.arcsin(np.clip(t / r, -1.0, 1.0)))


def _corner_area(xc: FloatArray, pxc: FloatArray, y: FloatArray, big_x: FloatArray,
                 px: FloatArray, r: float) -> FloatArray:
    """F(x, y): area of {q : |q| ≤ r, q_x ≤ x, q_y ≤ y} for a circle centred at 0.

    The vertical chord at abscissa t is [−s, s], s = √(r² − t²); its length below y is
    s + clip(y, −s, s), so F = ∫₋ᵣˣ s dt + ∫₋ᵣˣ clip(y, −s, s) dt. With X = √(max(r² − y², 0))
    (|y| ≤ s ⇔ |t| ≤ X), and P the chord primitive:

        F = [P(x) + πr²/4] + sgn(y)·[P(min(x, −X)) + πr²/4 + P(max(x, X)) − P(X)]
            + y·(clip(x, −X, X) + X)

    Arguments are precomputed: ``xc`` = clip(x, −r, r), ``pxc`` = P(xc), ``big_x`` = X,
    ``px`` = P(X) — so P (an arcsin and a sqrt) is evaluated once per corner column and
    once per corner row, not once per corner. The area of a rectangle
    [x0, x1] × [y0, y1] ∩ circle is then F(x1, y1) − F(x0, y1) − F(x1, y0) + F(x0, y0).
    """
    q = 0.25 * math.pi * r * r
    p_lo = np.where(xc <= -big_x, pxc, -px)  # P(min(xc, −X)), P odd
    p_hi = np.where(xc >= big_x, pxc, px)  # P(max(xc, X))
    return (pxc + q) + np.sign(y) * (p_lo + q + p_hi - px) + y * (np.clip(xc, -big_x, big_x)
                                                                 + big_x)


def _population_at(u: FloatArray, v: FloatArray, people: FloatArray, wx: float, wy: float,
                   radii: list[float], method: str) -> dict[float, FloatArray]:
    """Population within each radius of finite points at fractional pixel (u, v) of
    ``people`` (cleaned, float64), cells ``wx`` × ``wy`` metres."""
    rows, cols = people.shape
    n = u.size
    col = np.floor(u)
    row = np.floor(v)
    fu = u - col
    fv = v - row
    total = float(people.sum())
    # Integer counts (the usual case) let the FFT's core sums be rounded back to exact.
    integral = total < 2.0 ** 52 and bool(np.array_equal(people, np.rint(people)))
    out: dict[float, FloatArray] = {}
    for r in radii:
        off = _offsets(r, wx, wy, method)
        ry, rx = off.ry, off.rx
        result = np.zeros(n)
        # Points whose cell is within the pad of the raster; the rest see 0 people.
        near = (row >= -ry) & (row < rows + ry) & (col >= -rx) & (col < cols + rx)
        if not near.any() or total == 0.0:
            out[r] = result
            continue
        # Padded by twice the reach, so every offset of every near point stays inside.
        padded = np.pad(people, ((2 * ry, 2 * ry), (2 * rx, 2 * rx)))
        idx = np.flatnonzero(near)
        pr = row[idx].astype(np.int64) + 2 * ry  # the point's cell in the padded grid
        pc = col[idx].astype(np.int64) + 2 * rx

        # Core: one FFT convolution, read at the point's own cell.
        if off.core.any():
            core_sum = fft_convolve_same(padded, off.core.astype(np.float64))
            noise = FFT_NOISE_ULPS * np.finfo(np.float64).eps * total
            core_sum[core_sum < noise] = 0.0
            if integral:  # whole cells of whole people: the exact sum is an integer
                np.rint(core_sum, out=core_sum)
            result[idx] = core_sum[pr, pc]

        # Ring: exact weights per (point, offset), vectorised in chunks.
        if off.ring_kx.size:
            flat = padded.ravel()
            ring_flat = off.ring_ky * padded.shape[1] + off.ring_kx
            weigh = _ring_weights_centres if method == METHOD_CELL_CENTRES else _ring_weights_area
            step = max(1, CHUNK_ELEMENTS // (2 * off.ring_kx.size))
            for s in range(0, idx.size, step):
                sl = slice(s, s + step)
                base = pr[sl] * padded.shape[1] + pc[sl]
                vals = flat[base[:, None] + ring_flat[None, :]]
                w = weigh(fu[idx[sl]], fv[idx[sl]], off, wx, wy, r)
                result[idx[sl]] += np.einsum("ij,ij->i", vals, w)
        out[r] = np.maximum(result, 0.0)
    return out


def _ring_weights_centres(fu: FloatArray, fv: FloatArray, off: _Offsets, wx: float, wy: float,
                          r: float) -> FloatArray:
    """1 where the offset cell's centre is within r of the point, else 0 (points × ring)."""
    dx = (off.ring_kx[None, :] + 0.5 - fu[:, None]) * wx
    dy = (off.ring_ky[None, :] + 0.5 - fv[:, None]) * wy
    return (dx * dx + dy * dy <= r * r * (1.0 + CENTRE_TIE_RTOL)).astype(np.float64)


def _ring_weights_area(fu: FloatArray, fv: FloatArray, off: _Offsets, wx: float, wy: float,
                       r: float) -> FloatArray:
    """Share of each offset cell's area inside the circle (points × ring), exact.

    Corner lattice relative to the point: columns x_j = (j − fu)·wx, rows y_i = (i − fv)·wy
    for j ∈ [−rx, rx + 1], i ∈ [−ry, ry + 1]; F is evaluated only at the ring cells' corners.
    """
    jj = np.arange(-off.rx, off.rx + 2)
    ii = np.arange(-off.ry, off.ry + 2)
    xc = np.clip((jj[None, :] - fu[:, None]) * wx, -r, r)  # (n, columns)
    pxc = _chord_primitive(xc, r)
    y = (ii[None, :] - fv[:, None]) * wy  # (n, rows)
    big_x = np.sqrt(np.maximum(r * r - y * y, 0.0))
    px = _chord_primitive(big_x, r)

    # Distinct corners of the ring cells, and each cell's four corners among them.
    n_cols = jj.size
    cy = np.concatenate([off.ring_ky, off.ring_ky, off.ring_ky + 1, off.ring_ky + 1]) + off.ry
    cx = np.concatenate([off.ring_kx, off.ring_kx + 1, off.ring_kx, off.ring_kx + 1]) + off.rx
    corner_ids, inverse = np.unique(cy * n_cols + cx, return_inverse=True)
    ci, cj = corner_ids // n_cols, corner_ids % n_cols
    f = _corner_area(xc[:, cj], pxc[:, cj], y[:, ci], big_x[:, ci], px[:, ci], r)
    m = off.ring_kx.size
    c00, c01, c10, c11 = (inverse[k * m:(k + 1) * m] for k in range(4))
    area = f[:, c11] - f[:, c01] - f[:, c10] + f[:, c00]
    return np.clip(area / (wx * wy), 0.0, 1.0)


# --- What the proximity step and the scenario ask of a raster ------------------------------


def raster_covers(raster: str | os.PathLike[str], lon: Any, lat: Any, radius_m: float) -> npt.NDArray[np.bool_]:
    """Whether each point's circle of ``radius_m`` lies inside the raster's extent (in the
    raster's CRS; for a geographic raster, metres to degrees at each point's latitude)."""
    import rasterio

    with rasterio.open(raster) as ds:
        crs, (x0, y0, x1, y1) = ds.crs, ds.bounds
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = pyproj.Transformer.from_crs(4490, crs.to_wkt(), always_xy=True).transform(lon, lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rx = ry = np.full(len(x), float(radius_m))
    if crs.is_geographic:  # metres to degrees at each point's latitude
        ry = np.full(len(x), radius_m / 111_320.0)
        rx = radius_m / (111_320.0 * np.cos(np.radians(np.clip(lat, -89, 89))))
    return (x - rx >= x0) & (x + rx <= x1) & (y - ry >= y0) & (y + ry <= y1)


def unit_population(lon: Any, lat: Any, codes: Any, raster: str | os.PathLike[str], radius_m: float,
                    method: str = METHOD_AREA_SHARE) -> tuple[Any, Any]:
    """People within ``radius_m`` of each unit (for α), NaN where the circle reaches beyond
    the raster (unknown, not 0 people: α falls back to the survey), as a Series by unit
    code; and one ``W_POPULATION_NOT_COVERED`` issue per such unit (proximity_issues rows)."""
    import pandas as pd

    people = population_within(lon, lat, raster, [radius_m], method=method)[radius_m]
    covered = raster_covers(raster, lon, lat, radius_m)
    people = np.where(covered, people, np.nan)
    codes = np.asarray(codes, dtype=object)
    names = codes[~covered]
    issues = pd.DataFrame({
        "code": "W_POPULATION_NOT_COVERED", "severity": "warning", "source": str(raster),
        "row": None, "name": names, "value": "", "count": 1,
        "message_zh": [f"单位 {n} 的 {radius_m:.0f} 米范围超出人口栅格，α 按调查数据计" for n in names],
        "message_en": [f"Unit {n}: the {radius_m:.0f} m circle reaches beyond the population raster; "
                       f"α from the survey" for n in names]})
    return pd.Series(people, index=codes), issues


def hazard_population(lon: Any, lat: Any, reach_m: Any, raster: str | os.PathLike[str], radius_m: float,
                      method: str = METHOD_AREA_SHARE) -> tuple[FloatArray, FloatArray]:
    """People within ``radius_m`` (500 m) of each hazard source and within its own reach."""
    reach = np.asarray(reach_m, dtype=float)
    radii = sorted({radius_m, *np.unique(reach[np.isfinite(reach)]).tolist()})
    found = population_within(lon, lat, raster, radii, method=method)
    within_reach = np.full(len(reach), np.nan)
    for r in radii:
        within_reach[reach == r] = found[r][reach == r]
    return found[radius_m], within_reach


def population_in_zone(zone: Any, raster: str | os.PathLike[str]) -> float:
    """People in a polygon (shapely, EPSG:4490): the cells whose centre lies in it; 0 for a
    zone beside the raster."""
    import rasterio
    import shapely
    from rasterio.features import geometry_mask
    from rasterio.warp import transform_geom

    with rasterio.open(raster) as ds:
        geom = transform_geom("EPSG:4490", ds.crs, shapely.geometry.mapping(zone))
        # Rows and columns of every cell the zone touches (floor of the start, ceil of the end).
        inv = ~ds.transform
        x0, y0, x1, y1 = shapely.geometry.shape(geom).bounds
        # written out: affine 3 (Debian forky) deprecates `inv * (x, y)`, affine 2 has no `@` for points
        cols, rows = zip(*((inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f)
                           for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0))))
        c0, c1 = max(int(np.floor(min(cols))), 0), min(int(np.ceil(max(cols))), ds.width)
        r0, r1 = max(int(np.floor(min(rows))), 0), min(int(np.ceil(max(rows))), ds.height)
        if c1 <= c0 or r1 <= r0:  # a zone beside the raster holds no one from it
            return 0.0
        window = rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0)
        values = ds.read(1, window=window, masked=True).astype(float).filled(0.0)
        inside = ~geometry_mask([geom], out_shape=values.shape, transform=ds.window_transform(window))
        return float(np.clip(values, 0, None)[inside].sum())  # cells whose centre lies in the zone

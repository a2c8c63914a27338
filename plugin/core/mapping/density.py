"""Risk density (风险密度): kernel density of weighted points on a metric grid.

docs/domain/mapping.md §1 (levels, which callers turn into weights), §2 (the density) and
docs/domain/coordinates.md §7 (distances in the local CGCS2000 3-degree Gauss-Krüger zone). Everything is vectorised:

1. the points (EPSG:4490 lon/lat, decimal degrees) are projected with one pyproj call;
2. their weights are binned into ``cell_m`` cells with :func:`numpy.bincount`;
3. the binned grid is convolved *once* with a discrete kernel disc of radius
   ``bandwidth_m`` by FFT (:func:`numpy.fft.rfft2`, zero-padded, so nothing wraps round).

The discrete kernel is normalised to sum to 1, so the result conserves weight exactly:
``values.sum() * cell_area_km2 == total_weight`` (to floating-point tolerance). Values are
weight per km². FFT round-off (negative, or positive where no point reaches) is set to 0.

The grid is aligned to multiples of ``cell_m`` in the projected CRS and covers the points'
bounding box padded by the kernel radius (``floor(bandwidth_m / cell_m)`` cells, which is
exactly the reach of the discrete kernel), so no weight ever falls off the edge.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyproj
from affine import Affine

from ..coords import gauss_kruger_epsg
from ..files import explained_write_errors, publish, sweep, temp_path
from ..grid import fft_convolve_same

FloatArray = npt.NDArray[np.float64]

# --- Inputs ------------------------------------------------------------------------------
# Geographic CRS of the inputs (docs/domain/coordinates.md §7: store in CGCS2000).
SOURCE_EPSG = 4490
DEFAULT_CELL_M = 100.0
DEFAULT_BANDWIDTH_M = 1000.0

# --- Kernels -----------------------------------------------------------------------------
KERNEL_QUARTIC = "quartic"  # (1 − (d/h)²)² for d < h: QGIS heatmap's default
KERNEL_UNIFORM = "uniform"  # 1 for d ≤ h: a flat disc
KERNELS = (KERNEL_QUARTIC, KERNEL_UNIFORM)

# --- Grid --------------------------------------------------------------------------------
SQ_M_PER_SQ_KM = 1_000_000.0
# Refuse grids larger than this (rows × cols): about 200 MB per float64 copy. Points spread
# over a whole province at 100 m would otherwise exhaust memory; use larger cells instead.
MAX_GRID_CELLS = 25_000_000
# FFT round-off is of the order of eps × Σweight × max(kernel); results below this many times
# that are noise and set to 0 (so cells no point reaches are exactly 0). A real value that
# small would need one point to weigh under ~1e-13 of the total.
FFT_NOISE_ULPS = 1000.0

# --- GeoTIFF -----------------------------------------------------------------------------
TIFF_BAND_DESCRIPTION = "risk density (weight per km²)"
TIFF_COMPRESS = "LZW"
TIFF_PREDICTOR_FLOAT = 3  # floating-point predictor
TIFF_BLOCK = 256


@dataclass(frozen=True)
class DensityGrid:
    """A density raster in a projected CRS.

    ``values`` is float32, shape (rows, cols), row 0 = north, in weight per km².
    ``transform`` maps (col, row) to projected (x, y) of the cell's upper-left corner
    (an :class:`affine.Affine`, as rasterio uses). ``total_weight`` is the sum of the
    weights that were used; ``dropped`` the number of points left out because a coordinate
    or weight was not finite.
    """

    values: npt.NDArray[np.float32]
    transform: Affine
    epsg: int
    cell_m: float
    bandwidth_m: float
    total_weight: float
    dropped: int

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell in km²."""
        return self.cell_m * self.cell_m / SQ_M_PER_SQ_KM

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in the grid's CRS."""
        rows, cols = self.shape
        xmin, ymax = self.transform.c, self.transform.f
        return (xmin, ymax - rows * self.cell_m, xmin + cols * self.cell_m, ymax)


@lru_cache(maxsize=16)
def _transformer(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(f"EPSG:{SOURCE_EPSG}", f"EPSG:{epsg}", always_xy=True)



def kernel_disc(cell_m: float, bandwidth_m: float, kernel: str = KERNEL_QUARTIC) -> FloatArray:
    """The discrete kernel: a (2r+1)² array, r = floor(bandwidth_m / cell_m), summing to 1.

    Weights are evaluated at cell-centre distances d from the centre cell: quartic
    (1 − (d/h)²)² for d < h, uniform 1 for d ≤ h. A bandwidth smaller than a cell gives
    the 1×1 kernel [1] (no smoothing).
    """
    kernel = str(kernel).strip().lower()
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; expected one of {KERNELS}")
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be a positive number, got {cell_m}")
    if not (math.isfinite(bandwidth_m) and bandwidth_m >= 0):
        raise ValueError(f"bandwidth_m must be a non-negative number, got {bandwidth_m}")
    radius = int(math.floor(bandwidth_m / cell_m))
    offsets = np.arange(-radius, radius + 1, dtype=np.float64) * cell_m
    dist = np.hypot(offsets[:, None], offsets[None, :])
    if bandwidth_m == 0:
        disc = (dist == 0).astype(np.float64)
    elif kernel == KERNEL_QUARTIC:
        u2 = (dist / bandwidth_m) ** 2
        disc = np.where(u2 < 1.0, (1.0 - u2) ** 2, 0.0)
    else:
        disc = (dist <= bandwidth_m).astype(np.float64)
    return disc / disc.sum()



def risk_density(lon: Any, lat: Any, weights: Any = None, *, cell_m: float = DEFAULT_CELL_M,
                 bandwidth_m: float = DEFAULT_BANDWIDTH_M, kernel: str = KERNEL_QUARTIC,
                 epsg: int | None = None) -> DensityGrid:
    """Kernel density of weighted points, in weight per km², on a ``cell_m`` grid.

    ``lon``/``lat`` are array-likes of decimal degrees in EPSG:4490 (treated as lon/lat);
    ``weights`` an array-like of the same length, a scalar, or None (each point 1).
    ``epsg`` is the projected CRS of the grid; None → the CGCS2000 3-degree Gauss-Krüger
    zone of the points' median longitude (:func:`coords.gauss_kruger_epsg`).

    Points whose coordinate or weight is not finite (NaN, ±inf, or not projectable) are
    dropped and counted in ``DensityGrid.dropped``.

    Raises ``ValueError`` when no point is left (there is no extent to put a grid on —
    callers should say "no points" rather than draw an empty raster), for a negative
    weight (density could no longer be conserved once FFT noise is clipped at 0), an
    unknown kernel, a non-positive cell size, mismatched lengths, or a grid larger than
    :data:`MAX_GRID_CELLS`.
    """
    lon_a = np.asarray(lon, dtype=np.float64).ravel()
    lat_a = np.asarray(lat, dtype=np.float64).ravel()
    if lon_a.size != lat_a.size:
        raise ValueError(f"lon has {lon_a.size} values but lat has {lat_a.size}")
    if weights is None:
        w = np.ones(lon_a.size, dtype=np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64)
        w = np.broadcast_to(w, lon_a.shape).astype(np.float64) if w.ndim == 0 else w.ravel()
        if w.size != lon_a.size:
            raise ValueError(f"weights has {w.size} values for {lon_a.size} points")
    disc = kernel_disc(float(cell_m), float(bandwidth_m), kernel)
    cell_m = float(cell_m)
    radius = disc.shape[0] // 2

    keep = np.isfinite(lon_a) & np.isfinite(lat_a) & np.isfinite(w)
    if np.any(w[keep] < 0):
        raise ValueError("weights must not be negative")
    if epsg is None:
        if not keep.any():
            raise ValueError("no points with finite coordinates and weights")
        epsg = gauss_kruger_epsg(float(np.median(lon_a[keep])))
    epsg = int(epsg)
    x = np.full(lon_a.shape, np.nan)
    y = np.full(lon_a.shape, np.nan)
    if keep.any():
        x[keep], y[keep] = _transformer(epsg).transform(lon_a[keep], lat_a[keep])
    keep &= np.isfinite(x) & np.isfinite(y)
    dropped = int(lon_a.size - np.count_nonzero(keep))
    if not keep.any():
        raise ValueError("no points with finite coordinates and weights")
    x, y, w = x[keep], y[keep], w[keep]

    # Global cell indices: column = floor(x / cell), row-from-north = floor(−y / cell), so a
    # point on a cell edge goes where rasterio's rowcol() puts it (east / south cell).
    col_abs = np.floor(x / cell_m).astype(np.int64)
    row_abs = np.floor(-y / cell_m).astype(np.int64)
    col0 = int(col_abs.min()) - radius
    row0 = int(row_abs.min()) - radius
    cols = int(col_abs.max()) + radius - col0 + 1
    rows = int(row_abs.max()) + radius - row0 + 1
    if rows * cols > MAX_GRID_CELLS:
        raise ValueError(f"density grid of {rows} × {cols} cells exceeds {MAX_GRID_CELLS}; "
                         f"use larger cells than {cell_m} m or fewer, closer points")

    flat = (row_abs - row0) * cols + (col_abs - col0)
    # With weights bincount returns float64; numpy's stubs say intp whatever the arguments.
    binned = cast(FloatArray, np.bincount(flat, weights=w, minlength=rows * cols)).reshape(rows, cols)
    smoothed = fft_convolve_same(binned, disc)
    # FFT round-off leaves ±1e-16-relative noise, also where no point reaches: clip it to 0.
    noise = FFT_NOISE_ULPS * np.finfo(np.float64).eps * float(w.sum()) * float(disc.max())
    smoothed[smoothed < noise] = 0.0
    values = (smoothed / (cell_m * cell_m / SQ_M_PER_SQ_KM)).astype(np.float32)

    transform = Affine(cell_m, 0.0, col0 * cell_m, 0.0, -cell_m, -row0 * cell_m)
    return DensityGrid(values=values, transform=transform, epsg=epsg, cell_m=cell_m,
                       bandwidth_m=float(bandwidth_m), total_weight=float(w.sum()),
                       dropped=dropped)


def write_density_tif(grid: DensityGrid, path: str | os.PathLike[str]) -> Path:
    """Write ``grid`` as a float32 GeoTIFF (LZW, predictor 3, tiled when large enough, no
    nodata: 0 is a valid density), CRS EPSG:``grid.epsg``, band description
    :data:`TIFF_BAND_DESCRIPTION`.

    The file is written beside the target under a temporary name and moved into place with
    :func:`os.replace`, so a failure never leaves a half-written file. Returns the path.
    """
    import rasterio  # deferred: computing a density needs no GDAL

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = grid.shape
    profile: dict[str, Any] = {
        "driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": "float32",
        "crs": f"EPSG:{grid.epsg}", "transform": grid.transform, "nodata": None,
        "compress": TIFF_COMPRESS, "predictor": TIFF_PREDICTOR_FLOAT,
    }
    if rows >= TIFF_BLOCK and cols >= TIFF_BLOCK:
        profile.update(tiled=True, blockxsize=TIFF_BLOCK, blockysize=TIFF_BLOCK)
    sweep(target)  # what a killed run left
    tmp = temp_path(target, ".tif")
    try:
        with explained_write_errors(target):  # rasterio's I/O errors are OSErrors
            with rasterio.open(tmp, "w", **profile) as dst:
                dst.write(np.asarray(grid.values, dtype=np.float32), 1)
                dst.set_band_description(1, TIFF_BAND_DESCRIPTION)
            publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target

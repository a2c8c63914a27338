"""The risk map between the city and the street: units aggregated into hexagonal cells, one
cell size per band of map scales (docs/domain/mapping.md §4).

At small and middle scales a megacity's units overlap into a carpet; each band's cells carry
the count of units per level and the worst level, and the map colours a cell by its worst
level (or its count of level-1 units). Individual points show only from
:data:`POINTS_VISIBLE_BELOW` in; level-1 units show as points at every scale.

Cells are pointy-top hexagons on a lattice fixed to the origin of the local projected zone
(CGCS2000 3-degree Gauss-Krüger, :func:`coords.gauss_kruger_epsg`), so a cell keeps its
place and id from run to run. ``cell_m`` is the distance across a cell's flats (the
distance between neighbouring centres). Everything is vectorised: one rounding, one
``np.unique`` and a few ``bincount`` per band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .. import fields
from ..coords import gauss_kruger_epsg

SOURCE_EPSG = 4490
LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Band:
    """One band of map scales and the cell size drawn in it. Scales are denominators
    (1:50,000 → 50000): the band shows when ``max_scale ≤ scale < min_scale`` (QGIS's
    "minimum" is the most zoomed-out scale; 0 = no limit)."""

    cell_m: int
    min_scale: int  # most zoomed-out scale at which the band shows (0: no limit)
    max_scale: int  # most zoomed-in scale at which the band shows


#: The scales (denominators) from which single unit points may show, most zoomed-out first:
#: :func:`points_visible_below` picks, for each city, the first at which they can be told
#: apart. Level-1 units show at every scale.
POINT_SCALES = (150_000, 100_000, 50_000, 25_000, 10_000, 5_000)
#: What a city's points get when its database does not say (a risk map written before 0.7),
#: and where the grid's finest band ends: the 1,116,200-unit bench city's own value. Its median
#: unit's nearest neighbour is 15.8 m away, so at 1:10,000 (a 3 mm marker covers 30 m) 83 % of
#: the units touch a neighbour's marker, at 1:5,000 (15 m) 47 %, at 1:2,500 16 %
#: (docs/domain/mapping.md §4).
POINTS_VISIBLE_BELOW = POINT_SCALES[-1]
MARKER_MM = 3.0  # about the unit markers' size (2.4–4.2 mm)
NN_SAMPLE = 20_000  # units whose nearest neighbour is measured (seeded), against all units

#: The cell size of each band of scales, chosen so that a cell spans about 15–75 px on a
#: 96 dpi screen (0.2646 mm per pixel) throughout its band: cell_m / (scale × 0.0002646).
BANDS: tuple[Band, ...] = (
    Band(2000, 0, 250_000),
    Band(1000, 250_000, 100_000),
    Band(500, 100_000, 40_000),
    Band(250, 40_000, 15_000),
    Band(100, 15_000, POINTS_VISIBLE_BELOW),
)

GRID_COLUMNS = fields.names("risk_grid")

#: Classes of level-1 units per km² of a cell (the grid's default view, risk_grid_level1.qml):
#: none, then up to each bound, then above the last. Per km², so that a class means the same
#: concentration in every band: on the 1,116,200-unit bench city the 2 km cells average 7 and
#: reach 116 level-1 units per km² (docs/domain/mapping.md §4).
LEVEL1_DENSITY_CLASSES = (5.0, 15.0, 40.0)


#: Beyond this scale (zoomed out further than 1:25,000) a level-1 unit shows as a
#: point only where its 1 km cell holds fewer level-1 units per km² than the grid's first class
#: bound: there the cell is light and the point is what shows it; in denser cells the cell's
#: red does, as thousands of points would cover each other and the grid (docs/domain/mapping.md §4).
LEVEL1_SPARSE_BEYOND = 25_000
LEVEL1_SPARSE_CELL_M = 1000


def cell_area_km2(cell_m: float) -> float:
    """Area of a hexagonal cell ``cell_m`` across the flats: √3/2 · cell_m², in km²."""
    return math.sqrt(3.0) / 2.0 * cell_m ** 2 / 1e6


def _transformers(epsg: int) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    fwd = pyproj.Transformer.from_crs(f"EPSG:{SOURCE_EPSG}", f"EPSG:{epsg}", always_xy=True)
    inv = pyproj.Transformer.from_crs(f"EPSG:{epsg}", f"EPSG:{SOURCE_EPSG}", always_xy=True)
    return fwd, inv


@dataclass(frozen=True)
class _Projected:
    """The units with a position (``keep``), in metres of the local zone; ``inverse`` back
    to EPSG:4490."""

    x: np.ndarray
    y: np.ndarray
    keep: np.ndarray
    inverse: pyproj.Transformer


def _project(lon: Any, lat: Any, epsg: int | None) -> _Projected | None:
    """The positioned units in the local Gauss-Krüger zone (the zone of their median
    longitude unless ``epsg``); None when no unit has a position."""
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    keep = np.isfinite(lon_a) & np.isfinite(lat_a)
    if not keep.any():
        return None
    epsg = int(epsg) if epsg is not None else gauss_kruger_epsg(float(np.median(lon_a[keep])))
    fwd, inv = _transformers(epsg)
    x, y = fwd.transform(lon_a[keep], lat_a[keep])
    return _Projected(np.asarray(x), np.asarray(y), keep, inv)


def _cells(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The distinct cells (one int64 key each: q in the high, r in the low 32 bits) and, for
    each point, the position of its cell among them."""
    q, r = hex_index(x, y, cell_m)
    return np.unique((q << 32) + (r & 0xFFFFFFFF), return_inverse=True)


def hex_index(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates (q, r) of the pointy-top hexagon, ``cell_m`` across the flats, that
    holds each projected point (cube rounding)."""
    size = cell_m / math.sqrt(3.0)  # centre to corner
    qf = (math.sqrt(3.0) / 3.0 * x - y / 3.0) / size
    rf = (2.0 / 3.0 * y) / size
    sf = -qf - rf
    q, r, s = np.round(qf), np.round(rf), np.round(sf)
    dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -r - s, q)
    r = np.where(fix_r, -q - s, r)
    return q.astype(np.int64), r.astype(np.int64)


def hex_centre(q: np.ndarray, r: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    size = cell_m / math.sqrt(3.0)
    return size * math.sqrt(3.0) * (q + r / 2.0), size * 1.5 * r


def hex_polygons(cx: np.ndarray, cy: np.ndarray, cell_m: float, inverse: pyproj.Transformer) -> np.ndarray:
    """The cells as shapely polygons in EPSG:4490 (corners projected back one by one)."""
    size = cell_m / math.sqrt(3.0)
    angles = np.radians(30.0 + 60.0 * np.arange(6))
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    lon, lat = inverse.transform(xs.ravel(), ys.ravel())
    ring = np.stack([np.asarray(lon).reshape(xs.shape), np.asarray(lat).reshape(xs.shape)], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)  # closed
    return shapely.polygons(ring)


def aggregate(lon: Any, lat: Any, level: Any, bands: tuple[Band, ...] = BANDS,
              epsg: int | None = None) -> gpd.GeoDataFrame:
    """The ``risk_grid`` layer: for each band, one row per occupied cell with the count of
    units per level (``n_unscored``: no level), their total and the worst (lowest-numbered)
    level, NULL where no unit in the cell is scored. Units without a position are left out."""
    pos = _project(lon, lat, epsg)
    if pos is None:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object if c == "cell_id" else float if c == "level1_per_km2"
                                              else "int64") for c in GRID_COLUMNS},
                                geometry=gpd.GeoSeries([], crs=f"EPSG:{SOURCE_EPSG}"))
    lv = np.asarray(pd.to_numeric(pd.Series(level), errors="coerce"), dtype=float)[pos.keep]
    lv_code = np.where(np.isin(lv, LEVELS), lv, 0).astype(np.int64)  # 0: unscored
    frames = []
    for band in bands:
        cells, inverse = _cells(pos.x, pos.y, band.cell_m)
        n = len(cells)
        counts = np.bincount(inverse * 5 + lv_code, minlength=n * 5).reshape(n, 5)
        cq = cells >> 32
        cr = (cells & 0xFFFFFFFF).astype(np.int64)
        cr = np.where(cr >= 2 ** 31, cr - 2 ** 32, cr)
        cx, cy = hex_centre(cq, cr, band.cell_m)
        scored = counts[:, 1:]
        worst = np.where(scored.any(axis=1), np.argmax(scored > 0, axis=1) + 1, 0)
        frames.append(pd.DataFrame({
            "cell_m": np.full(n, band.cell_m, dtype=np.int64),
            "cell_id": pd.Series(cq.astype(str)).radd(f"{band.cell_m}:").str.cat(cr.astype(str), sep=":").to_numpy(),
            "n_units": counts.sum(axis=1),
            "n_level1": counts[:, 1], "n_level2": counts[:, 2], "n_level3": counts[:, 3], "n_level4": counts[:, 4],
            "n_unscored": counts[:, 0],
            "worst_level": pd.array(np.where(worst > 0, worst, 0), dtype="Int64"),
            "level1_per_km2": counts[:, 1] / cell_area_km2(band.cell_m),
            "geometry": hex_polygons(cx, cy, band.cell_m, pos.inverse),
        }))
    out = pd.concat(frames, ignore_index=True)
    out.loc[out["worst_level"] == 0, "worst_level"] = pd.NA
    grid = gpd.GeoDataFrame(out, geometry="geometry", crs=f"EPSG:{SOURCE_EPSG}")
    grid.attrs["geometry_type"] = "Polygon"
    return grid


def cell_level1_density(lon: Any, lat: Any, level: Any, at: np.ndarray, cell_m: int = LEVEL1_SPARSE_CELL_M,
                        epsg: int | None = None) -> np.ndarray:
    """For the units ``at`` (a boolean mask or indices into the units), the level-1 units per
    km² of the ``cell_m`` cell each lies in (NaN without a position)."""
    out = np.full(len(np.asarray(lon)), np.nan)
    pos = _project(lon, lat, epsg)
    if pos is not None:
        level1 = np.asarray(pd.to_numeric(pd.Series(level), errors="coerce"), dtype=float)[pos.keep] == 1
        _, inverse = _cells(pos.x, pos.y, cell_m)
        out[pos.keep] = np.bincount(inverse, weights=level1.astype(float))[inverse] / cell_area_km2(cell_m)
    return out[at]


def points_visible_below(lon: Any, lat: Any, epsg: int | None = None, seed: int = 0) -> int:
    """The scale from which a city's single unit points show: the most zoomed-out of
    :data:`POINT_SCALES` at which the median unit's marker (:data:`MARKER_MM`) no longer
    reaches its nearest neighbour — median nearest-neighbour distance ≥ MARKER_MM / 1000 ×
    scale. Measured for a seeded sample of :data:`NN_SAMPLE` units against all of them
    (1.4 s for 1,116,200 units). A sparse city's points show from 1:150,000, a megacity's
    from 1:5,000."""
    pos = _project(lon, lat, epsg)
    if pos is None or len(pos.x) < 2:
        return POINT_SCALES[0]
    pts = shapely.points(pos.x, pos.y)
    tree = shapely.STRtree(pts)
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(pts), size=min(NN_SAMPLE, len(pts)), replace=False)
    (i, _), dist = tree.query_nearest(pts[sample], exclusive=True, return_distance=True, all_matches=False)
    nearest = np.full(len(sample), np.inf)
    np.minimum.at(nearest, i, dist)
    median_m = float(np.median(nearest))
    fits = [s for s in POINT_SCALES if median_m >= MARKER_MM / 1000.0 * s]
    return fits[0] if fits else POINT_SCALES[-1]

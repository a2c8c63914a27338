"""District summary (分区统计): risk units per district, by level, and a risk index.

docs/domain/mapping.md §3 (the summary and its risk index), docs/domain/scoring.md §4 (levels 1–4: 重大/较大/一般/低)
and docs/domain/coordinates.md §7 (geometries in EPSG:4490, metric measures in the local CGCS2000
3-degree Gauss-Krüger zone).

Each unit point is assigned to the district polygon(s) containing it with one vectorised
STRtree query (predicate "within"). A point in two overlapping districts counts in both.
A point lying exactly on a boundary is within no polygon; it goes to the first district
(in input order) that it touches, so a point on a shared edge counts once. Points in no
district, or with no geometry, are not given a row: their number is reported in
``summary.attrs["outside"]``.

The risk index of a district is Σ weight(level) × units of that level / area in km²
(weighted units per km²); unscored units weigh 0.

Beside the final levels (``level``, after the proximity and cascade upgrades), each district
gets its levels' shares of its units, the same counts and index by the inherent level
(``inherent_level``, what the scores alone give) and the number of units the upgrades raised
(docs/domain/mapping.md §3.1), so that a reader sees whether the upgrades or the scores make
the district's colour. Units scored before the inherent level was recorded have no such
column: those fields are then empty (NULL), not zero.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..coords import gauss_kruger_epsg

# --- Levels (docs/domain/scoring.md §4) ----------------------------------------------------
LEVELS = (1, 2, 3, 4)
# Column 0 of the count matrix holds unscored units; columns 1–4 the levels.
_UNSCORED = 0

# --- CRS (docs/domain/coordinates.md §7) ---------------------------------------------------
GEOGRAPHIC_EPSG = 4490
SQ_M_PER_SQ_KM = 1_000_000.0
# A layer without a CRS is taken as EPSG:4490 only if its bounds look like degrees.
DEGREE_BOUNDS = (-180.0, -90.0, 180.0, 90.0)

# --- Names ---------------------------------------------------------------------------------
NAME_FIELD_CANDIDATES = ("name", "district", "名称", "行政区", "NAME")
UNNAMED_PREFIX = "#"  # fallback name: "#1", "#2", … (1-based row number)

# --- Output ---------------------------------------------------------------------------------
INHERENT_FIELD = "inherent_level"
SUMMARY_COLUMNS = ("district", "n_units", "n_level1", "n_level2", "n_level3", "n_level4",
                   "n_unscored", "worst_level", "area_km2", "risk_index", "risk_index_rank",
                   "share_level1", "share_level2", "share_level3", "share_level4", "share_unscored",
                   "n_inherent1", "n_inherent2", "n_inherent3", "n_inherent4", "n_raised",
                   "risk_index_inherent")
PERCENT = 100.0


def guess_name_field(frame: pd.DataFrame) -> str | None:
    """The column that names the districts: the first of :data:`NAME_FIELD_CANDIDATES`
    present (exact, then case-insensitive), else the first text column, else None."""
    columns = [c for c in frame.columns if not isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    for cand in NAME_FIELD_CANDIDATES:
        if cand in columns:
            return cand
    lowered = {str(c).lower(): c for c in reversed(columns)}
    for cand in NAME_FIELD_CANDIDATES:
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    for c in columns:
        series = frame[c]
        if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            present = series.dropna()
            if len(present) and present.map(lambda v: isinstance(v, str)).all():
                return c
    return None


def _to_geographic(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4490. A missing CRS is taken as EPSG:4490 when the bounds look
    like degrees, otherwise ``ValueError``."""
    if frame.crs is None:
        bounds = frame.total_bounds
        finite = np.isfinite(bounds).all()
        lo_x, lo_y, hi_x, hi_y = DEGREE_BOUNDS
        if finite and not (bounds[0] >= lo_x and bounds[1] >= lo_y and bounds[2] <= hi_x and bounds[3] <= hi_y):
            raise ValueError(f"{what} layer has no CRS and its coordinates are not degrees")
        return frame.set_crs(GEOGRAPHIC_EPSG)
    return frame.to_crs(GEOGRAPHIC_EPSG)


def _levels(units: pd.DataFrame, level_field: str) -> np.ndarray:
    """Level codes 1–4, or 0 for unscored (missing); ``ValueError`` for anything else."""
    if level_field not in units.columns:
        raise ValueError(f"units have no {level_field!r} column")
    raw = units[level_field]
    numeric = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    missing = pd.isna(raw).to_numpy(dtype=bool)
    valid = np.isin(numeric, np.asarray(LEVELS, dtype=np.float64))
    bad = ~missing & ~valid
    if bad.any():
        examples = ", ".join(sorted({repr(v) for v in raw[bad].tolist()})[:5])
        raise ValueError(f"{level_field!r} must be 1–4 or empty; found {examples}")
    return np.where(valid, numeric, _UNSCORED).astype(np.int64)


def _inherent_levels(units: pd.DataFrame, inherent_field: str, levels: np.ndarray) -> np.ndarray | None:
    """Inherent level codes 1–4 (0: none), or None when the units do not record them: no
    ``inherent_field`` column, or one that is empty for every unit with a level (a database
    scored before the field existed)."""
    if inherent_field not in units.columns:
        return None
    inherent = _levels(units, inherent_field)
    if not (inherent > 0).any() and (levels > 0).any():
        return None
    return inherent


def _assign(points: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit index, district index) pairs: "within" for every containing district, and
    for points within none, the first district whose boundary they touch."""
    tree = shapely.STRtree(polygons)
    unit_idx, dist_idx = tree.query(points, predicate="within")
    inside = np.zeros(len(points), dtype=bool)
    inside[unit_idx] = True
    rest = np.flatnonzero(~inside & ~shapely.is_missing(points) & ~shapely.is_empty(points))
    if rest.size:
        r_unit, r_dist = tree.query(points[rest], predicate="intersects")
        if r_unit.size:
            order = np.lexsort((r_dist, r_unit))
            r_unit, r_dist = r_unit[order], r_dist[order]
            first = np.r_[True, r_unit[1:] != r_unit[:-1]]
            unit_idx = np.concatenate([unit_idx, rest[r_unit[first]]])
            dist_idx = np.concatenate([dist_idx, r_dist[first]])
    return unit_idx, dist_idx


def district_summary(units: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, *,
                     name_field: str | None = None, level_field: str = "level",
                     inherent_field: str = INHERENT_FIELD,
                     weights: Mapping[int, float],
                     sums: Mapping[str, np.ndarray] | None = None) -> gpd.GeoDataFrame:
    """Risk units per district (docs/domain/mapping.md §3), one row per district in input order.

    ``units``: point GeoDataFrame (EPSG:4490; reprojected if in another CRS, taken as
    EPSG:4490 if it has none) with an integer ``level_field`` of 1–4; NaN/None means
    unscored. Non-point geometries are reduced to a representative point.
    ``districts``: polygon GeoDataFrame in any CRS (reprojected to EPSG:4490; invalid
    polygons are repaired with :func:`shapely.make_valid`).
    ``name_field``: the districts' name column; None → :func:`guess_name_field`, and
    "#1", "#2", … if no column fits.
    ``weights``: weight per level 1–4 for the risk index (the rules' ``density_weight``:
    ``scoring.levels.weights``).

    Returns a GeoDataFrame (EPSG:4490) with the columns :data:`SUMMARY_COLUMNS` plus
    geometry: ``district`` (name), ``n_units`` (all units, scored or not), ``n_level1`` …
    ``n_level4``, ``n_unscored``, ``worst_level`` (most severe = smallest level present,
    NaN if none; float), ``area_km2`` (in the Gauss-Krüger zone of the districts' median
    longitude), ``risk_index`` (Σ weight·count / area_km2; NaN for a zero area) and
    ``risk_index_rank`` (1 = highest; ties share the best rank; nullable Int64, <NA>
    where the index is NaN); ``share_level1`` … ``share_level4`` and ``share_unscored``
    (percent of ``n_units``, summing to 100; NaN for a district without units);
    ``n_inherent1`` … ``n_inherent4`` (units by ``inherent_field``, the level before the
    upgrades), ``n_raised`` (units whose level is more severe, i.e. smaller, than their
    inherent level) and ``risk_index_inherent`` (the risk index of the inherent levels) —
    these four nullable (Int64 <NA>, NaN) for every district when the units have no inherent
    levels (:func:`_inherent_levels`).

    ``sums``: output column → a number per unit (aligned with ``units``), summed per district
    like the counts (the accountability counts, mapping/accountability.py); added after
    :data:`SUMMARY_COLUMNS` as integers.

    ``attrs``: ``"outside"`` — units in no district (including those without geometry),
    ``"no_geometry"`` — of those, units with a missing or empty geometry,
    ``"area_epsg"`` — the EPSG used for areas, ``"name_field"`` — the name column used.

    Raises ``ValueError`` for an empty district layer, a missing level column, a level
    outside 1–4, a weight missing for a level, or an unknown ``name_field``.
    """
    if len(districts) == 0:
        raise ValueError("the district layer has no features")
    missing_w = [lv for lv in LEVELS if lv not in weights]
    if missing_w:
        raise ValueError(f"weights has no value for level(s) {missing_w}")
    if name_field is not None and name_field not in districts.columns:
        raise ValueError(f"district layer has no field {name_field!r}")
    levels = _levels(units, level_field)
    inherent = _inherent_levels(units, inherent_field, levels)

    dist = _to_geographic(districts, "district").reset_index(drop=True)
    geoms = dist.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    if name_field is None:
        name_field = guess_name_field(dist)
    if name_field is None:
        names = [f"{UNNAMED_PREFIX}{i + 1}" for i in range(len(dist))]
    else:
        col = dist[name_field]
        names = [f"{UNNAMED_PREFIX}{i + 1}" if pd.isna(v) else str(v) for i, v in enumerate(col.tolist())]

    pts = _to_geographic(units, "unit").geometry.to_numpy() if len(units) else np.empty(0, dtype=object)
    if len(pts):
        not_point = (shapely.get_type_id(pts) != shapely.GeometryType.POINT) & ~shapely.is_missing(pts) \
            & ~shapely.is_empty(pts)
        if not_point.any():
            pts = pts.copy()
            pts[not_point] = shapely.point_on_surface(pts[not_point])
    no_geometry = shapely.is_missing(pts) | shapely.is_empty(pts) if len(pts) else np.zeros(0, bool)

    unit_idx, dist_idx = _assign(pts, geoms)
    n_cols = len(LEVELS) + 1

    def per_district(codes: np.ndarray) -> np.ndarray:
        """Units per district (rows) and level code (columns: 0 unscored, 1–4)."""
        return np.bincount(dist_idx * n_cols + codes[unit_idx],
                           minlength=len(dist) * n_cols).reshape(len(dist), n_cols)

    counts = per_district(levels)
    assigned = np.zeros(len(pts), dtype=bool)
    assigned[unit_idx] = True

    # Areas in the local Gauss-Krüger zone (docs/domain/coordinates.md §7).
    reps = shapely.point_on_surface(geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)])
    area_epsg = gauss_kruger_epsg(float(np.median(shapely.get_x(reps)))) if len(reps) else None
    if area_epsg is None:
        area_km2 = np.zeros(len(dist))
    else:
        projected = gpd.GeoSeries(geoms, crs=GEOGRAPHIC_EPSG).to_crs(area_epsg)
        area_km2 = projected.area.fillna(0.0).to_numpy(dtype=np.float64) / SQ_M_PER_SQ_KM

    level_counts = counts[:, 1:]
    w = np.asarray([float(weights[lv]) for lv in LEVELS])

    def index_of(by_level: np.ndarray) -> np.ndarray:
        """Σ weight × units / area_km2 (docs/domain/mapping.md §3); NaN for a zero area."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(area_km2 > 0, (by_level @ w) / np.where(area_km2 > 0, area_km2, 1.0), np.nan)

    risk_index = index_of(level_counts)
    n_units = counts.sum(axis=1)
    shares = np.where(n_units[:, None] > 0, PERCENT * counts / np.maximum(n_units, 1)[:, None], np.nan)
    if inherent is None:
        inherent_counts = {f"n_inherent{lv}": pd.array([pd.NA] * len(dist), dtype="Int64") for lv in LEVELS}
        n_raised = pd.array([pd.NA] * len(dist), dtype="Int64")
        risk_index_inherent = np.full(len(dist), np.nan)
    else:
        by_inherent = per_district(inherent)[:, 1:]
        inherent_counts = {f"n_inherent{lv}": pd.array(by_inherent[:, i], dtype="Int64")
                           for i, lv in enumerate(LEVELS)}
        raised = (levels > 0) & (inherent > 0) & (levels < inherent)
        n_raised = pd.array(np.bincount(dist_idx[raised[unit_idx]], minlength=len(dist)), dtype="Int64")
        risk_index_inherent = index_of(by_inherent)
    present = level_counts > 0
    worst = np.where(present.any(axis=1), np.argmax(present, axis=1) + LEVELS[0], np.nan)
    rank = pd.Series(risk_index).rank(method="min", ascending=False).astype("Int64")

    out = pd.DataFrame({
        "district": pd.Series(names, dtype=object),
        "n_units": n_units.astype(np.int64),
        **{f"n_level{lv}": level_counts[:, i].astype(np.int64) for i, lv in enumerate(LEVELS)},
        "n_unscored": counts[:, _UNSCORED].astype(np.int64),
        "worst_level": worst.astype(np.float64),
        "area_km2": area_km2,
        "risk_index": risk_index,
        "risk_index_rank": rank,
        **{f"share_level{lv}": shares[:, lv] for lv in LEVELS},
        "share_unscored": shares[:, _UNSCORED],
        **inherent_counts,
        "n_raised": n_raised,
        "risk_index_inherent": risk_index_inherent,
    })
    for name, per_unit in (sums or {}).items():
        values = np.asarray(per_unit, dtype=np.float64)[unit_idx]
        out[name] = np.bincount(dist_idx, weights=values, minlength=len(dist)).round().astype(np.int64)
    summary = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs=GEOGRAPHIC_EPSG), crs=GEOGRAPHIC_EPSG)
    summary.attrs["outside"] = int(np.count_nonzero(~assigned))
    summary.attrs["no_geometry"] = int(np.count_nonzero(no_geometry))
    summary.attrs["area_epsg"] = area_epsg
    summary.attrs["name_field"] = name_field
    return summary

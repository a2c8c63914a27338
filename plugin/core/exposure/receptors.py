"""Receptors (敏感目标) and their proximity to hazard sources (docs/domain/receptors.md §1, §2).

Two steps:

* :func:`prepare_receptors` turns a receptor layer (points and/or polygons in any CRS, or a
  table with longitude/latitude columns) into a clean GeoDataFrame in EPSG:4490 whose class
  field is matched against the rules' receptor classes (``[receptors.classes]``: ids, names
  and aliases, folded by :func:`rules.fold_name`). Unknown classes are kept as
  ``"unknown"`` (low sensitivity) and reported; receptors without a location are reported
  and left out.
* :func:`receptor_proximity` measures, for every hazard source at once, the receptors of
  each class within its reach, the nearest high-sensitivity receptor (anywhere) and whether
  it breaches the sector's protection distance, and draws a link line to every receptor in
  reach.

Distances are metres in the CGCS2000 3-degree Gauss-Krüger zone of the hazards' median
longitude (:func:`coords.gauss_kruger_epsg`). A polygon receptor counts by its nearest edge
(distance 0 for a hazard inside it), never by its centroid. Everything is vectorised with
shapely 2: one :meth:`shapely.STRtree.query` (``dwithin``, one distance per hazard) finds the
candidate pairs, :func:`shapely.distance` measures them, and
:meth:`shapely.STRtree.query_nearest` finds the nearest high-sensitivity receptor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..coords import gauss_kruger_epsg, parse_dms
from ..rules import Rules, fold_name

# --- CRS (docs/domain/coordinates.md §7) --------------------------------------------------
GEOGRAPHIC_EPSG = 4490
# A layer without a CRS is taken as EPSG:4490 only if its bounds look like degrees.
DEGREE_BOUNDS = (-180.0, -90.0, 180.0, 90.0)

# --- Input fields (guessed when not given; exact, then folded) ----------------------------
NAME_FIELD_CANDIDATES = ("name", "名称", "名字", "NAME", "title")
CLASS_FIELD_CANDIDATES = ("class", "类别", "类型", "type", "category", "分类")
LON_FIELD_CANDIDATES = ("lon", "lng", "long", "longitude", "经度", "x")
LAT_FIELD_CANDIDATES = ("lat", "latitude", "纬度", "y")
UNNAMED_PREFIX = "#"  # a receptor without a name is called "#<row>" (1-based source row)

# --- Classes ------------------------------------------------------------------------------
UNKNOWN_CLASS = "unknown"
UNKNOWN_CLASS_ZH = "未知"
UNKNOWN_SENSITIVITY = "low"
HIGH_SENSITIVITY = "high"

# --- Issues -------------------------------------------------------------------------------
W_CLASS_UNKNOWN = "W_RECEPTOR_CLASS_UNKNOWN"
E_NO_LOCATION = "E_RECEPTOR_NO_LOCATION"
SEVERITY_WARNING = "warning"
SEVERITY_ERROR = "error"
ISSUE_COLUMNS = ("code", "severity", "source", "row", "name", "value", "count", "message_zh", "message_en")

# --- Output -------------------------------------------------------------------------------
RECEPTOR_COLUMNS = ("receptor_id", "name", "class_raw", "class_id", "class_zh", "sensitivity", "geometry")
LINK_COLUMNS = ("hazard_code", "receptor_id", "receptor_name", "class_id", "class_zh", "sensitivity",
                "distance_m", "geometry")
# per_hazard: n_<class id> for every class of the rules and n_unknown, then these.
PER_HAZARD_COLUMNS = ("n_receptors", "n_high", "nearest_high_name", "nearest_high_class", "nearest_high_m",
                      "nearest_high_within_reach", "protection_m", "protection_breach", "protection_receptor",
                      "reach_m")
# Column names of per_hazard that a class id must not shadow as n_<id>.
RESERVED_COUNT_NAMES = ("receptors", "high")

# --- Boundary -----------------------------------------------------------------------------
# The tree is queried a hair beyond the reach; the pairs kept are exactly those with
# shapely.distance ≤ reach, so the reported distance_m and the count always agree (a
# receptor at exactly the reach counts) whatever rounding GEOS's dwithin does.
QUERY_SLACK_REL = 1e-9
QUERY_SLACK_M = 1e-6


@dataclass
class ProximityResult:
    """What :func:`receptor_proximity` measures.

    ``per_hazard``: one row per hazard (the hazards' index): ``n_<class id>`` counts within
    reach for every class and ``n_unknown``, then :data:`PER_HAZARD_COLUMNS`. ``links``: one
    LineString (EPSG:4490) per hazard-receptor pair within reach, hazard → nearest point of
    the receptor. ``epsg``: the projected CRS the distances were measured in.
    """

    per_hazard: pd.DataFrame
    links: gpd.GeoDataFrame
    epsg: int | None


# =========================================================================================
# Preparing a receptor layer
# =========================================================================================


def _guess_field(columns: list[Any], candidates: tuple[str, ...]) -> Any | None:
    """The first candidate present exactly, else the first present after folding."""
    for cand in candidates:
        if cand in columns:
            return cand
    folded = {}
    for c in reversed(columns):
        folded[fold_name(c)] = c
    for cand in candidates:
        if fold_name(cand) in folded:
            return folded[fold_name(cand)]
    return None


def _field(frame: pd.DataFrame, given: str | None, candidates: tuple[str, ...], what: str) -> Any | None:
    columns = [c for c in frame.columns if not isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    if given is not None:
        if given not in frame.columns:
            raise ValueError(f"receptor layer has no {what} field {given!r} (fields: {', '.join(map(str, columns))})")
        return given
    return _guess_field(columns, candidates)


def missing_fields(columns: list[Any], *, class_field: str | None = None, located: bool = True) -> tuple[str, ...]:
    """What a receptor layer with these ``columns`` lacks for :func:`prepare_receptors`:
    ``"class"`` when no class field is given or found among :data:`CLASS_FIELD_CANDIDATES`
    (every receptor would be of class unknown, with low sensitivity, and so raise nothing),
    and for a table without geometry (``located`` False) ``"lon"`` and ``"lat"`` when no
    :data:`LON_FIELD_CANDIDATES` / :data:`LAT_FIELD_CANDIDATES` column is there."""
    columns = list(columns)
    missing = []
    if (class_field or _guess_field(columns, CLASS_FIELD_CANDIDATES)) is None:
        missing.append("class")
    if not located:
        missing += [k for k, cands in (("lon", LON_FIELD_CANDIDATES), ("lat", LAT_FIELD_CANDIDATES))
                    if _guess_field(columns, cands) is None]
    return tuple(missing)


def _text(series: pd.Series | None, n: int) -> npt.NDArray[np.object_]:
    """Cells as stripped text ("" for missing), as an object array."""
    if series is None:
        return np.full(n, "", dtype=object)
    raw = series.to_numpy(dtype=object)
    out = np.full(n, "", dtype=object)
    present = ~pd.isna(raw)
    out[present] = [str(v).strip() for v in raw[present]]
    return out


def _geometries(frame: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Geometries in EPSG:4490: the frame's own, or points from its lon/lat columns."""
    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        gdf = frame
        if gdf.crs is None:
            bounds = gdf.total_bounds
            lo_x, lo_y, hi_x, hi_y = DEGREE_BOUNDS
            if np.isfinite(bounds).all() and not (bounds[0] >= lo_x and bounds[1] >= lo_y
                                                  and bounds[2] <= hi_x and bounds[3] <= hi_y):
                raise ValueError("receptor layer has no CRS and its coordinates are not degrees")
            gdf = gdf.set_crs(GEOGRAPHIC_EPSG)
        return np.asarray(gdf.geometry.to_crs(GEOGRAPHIC_EPSG).array, dtype=object)
    columns = list(frame.columns)
    lon_f = _guess_field(columns, LON_FIELD_CANDIDATES)
    lat_f = _guess_field(columns, LAT_FIELD_CANDIDATES)
    if lon_f is None or lat_f is None:
        raise ValueError("receptor table has no geometry and no longitude/latitude columns "
                         f"(looked for {', '.join(LON_FIELD_CANDIDATES)} / {', '.join(LAT_FIELD_CANDIDATES)})")
    lon = parse_dms(frame[lon_f])
    lat = parse_dms(frame[lat_f])
    ok = np.isfinite(lon) & np.isfinite(lat)
    geoms = np.full(len(frame), None, dtype=object)
    geoms[ok] = shapely.points(lon[ok], lat[ok])
    return geoms


def _unknown_issue(value: str, count: int, source: str) -> dict[str, Any]:
    where_zh = f"，来源：{source}" if source else ""
    where_en = f" in {source}" if source else ""
    if value:
        zh = f"敏感目标类别「{value}」无法识别（{count} 个{where_zh}），按“未知”类别（低敏感）处理"
        en = (f"Receptor class '{value}' is not recognised ({count} receptor{'s' if count != 1 else ''}{where_en}); "
              f"kept as class 'unknown' with low sensitivity")
    else:
        zh = f"敏感目标类别为空（{count} 个{where_zh}），按“未知”类别（低敏感）处理"
        en = (f"Receptor class is blank ({count} receptor{'s' if count != 1 else ''}{where_en}); "
              f"kept as class 'unknown' with low sensitivity")
    return {"code": W_CLASS_UNKNOWN, "severity": SEVERITY_WARNING, "source": source, "row": pd.NA, "name": "",
            "value": value, "count": count, "message_zh": zh, "message_en": en}


def _no_location_issue(row: int, name: str, source: str) -> dict[str, Any]:
    where_zh = f"（来源：{source}，第 {row} 行）" if source else f"（第 {row} 行）"
    where_en = f" ({source}, row {row})" if source else f" (row {row})"
    return {"code": E_NO_LOCATION, "severity": SEVERITY_ERROR, "source": source, "row": row, "name": name,
            "value": "", "count": 1,
            "message_zh": f"敏感目标「{name}」没有位置（无几何或坐标）{where_zh}，未使用",
            "message_en": f"Receptor '{name}' has no location (no geometry or coordinates){where_en}; left out"}


def _str_array(values: Any) -> pd.api.extensions.ExtensionArray:
    """Text values as a pandas string array (also when empty)."""
    return pd.array([str(v) for v in values], dtype="str")


def _issues_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
    out["row"] = out["row"].astype("Int64")
    out["count"] = out["count"].astype("int64")
    return out


def prepare_receptors(frame: pd.DataFrame, rules: Rules, *, name_field: str | None = None,
                      class_field: str | None = None, source: str = "") -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A receptor layer ready for :func:`receptor_proximity`, and the issues found.

    ``frame``: a GeoDataFrame (points and/or polygons, any CRS) or a table with
    longitude/latitude columns (decimal degrees or DMS text, EPSG:4490). ``name_field`` /
    ``class_field``: guessed when None (:data:`NAME_FIELD_CANDIDATES`,
    :data:`CLASS_FIELD_CANDIDATES`). Returns the receptors (:data:`RECEPTOR_COLUMNS`,
    EPSG:4490, ``receptor_id`` 1..n) and issues (:data:`ISSUE_COLUMNS`): one
    :data:`W_CLASS_UNKNOWN` row per distinct unmatched class value, one :data:`E_NO_LOCATION`
    row per receptor left out for want of a location.
    """
    n = len(frame)
    name_f = _field(frame, name_field, NAME_FIELD_CANDIDATES, "name")
    class_f = _field(frame, class_field, CLASS_FIELD_CANDIDATES, "class")
    names = _text(frame[name_f] if name_f is not None else None, n)
    blank = names == ""
    names[blank] = [f"{UNNAMED_PREFIX}{i + 1}" for i in np.flatnonzero(blank)]
    class_raw = _text(frame[class_f] if class_f is not None else None, n)
    geoms = _geometries(frame)

    located = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    issues = [_no_location_issue(int(i) + 1, str(names[i]), source) for i in np.flatnonzero(~located)]

    classes = rules.receptors.classes
    lookup = rules.receptors.lookup()
    uniques, inverse = np.unique(class_raw.astype(str), return_inverse=True)
    unique_ids = np.array([lookup.get(fold_name(v), UNKNOWN_CLASS) for v in uniques], dtype=object)
    class_id = unique_ids[inverse]

    kept = np.flatnonzero(located)
    unknown_kept = kept[class_id[kept] == UNKNOWN_CLASS]
    if unknown_kept.size:
        values = pd.Series(class_raw[unknown_kept], dtype=object)
        for value, count in values.value_counts(sort=False).items():  # order of first appearance
            issues.append(_unknown_issue(str(value), int(count), source))

    zh = {cid: c.zh for cid, c in classes.items()}
    sens = {cid: c.sensitivity for cid, c in classes.items()}
    ids = class_id[kept]
    out = gpd.GeoDataFrame({
        "receptor_id": np.arange(1, kept.size + 1, dtype=np.int64),
        "name": _str_array(names[kept]),
        "class_raw": _str_array(class_raw[kept]),
        "class_id": _str_array(ids),
        "class_zh": _str_array([zh.get(c, UNKNOWN_CLASS_ZH) for c in ids]),
        "sensitivity": _str_array([sens.get(c, UNKNOWN_SENSITIVITY) for c in ids]),
    }, geometry=gpd.GeoSeries(geoms[kept], crs=GEOGRAPHIC_EPSG), crs=GEOGRAPHIC_EPSG)
    return out[list(RECEPTOR_COLUMNS)], _issues_frame(issues)


# =========================================================================================
# Proximity
# =========================================================================================


def _reach(hazards: gpd.GeoDataFrame, rules: Rules, reach_m: Any) -> tuple[np.ndarray, np.ndarray]:
    """(reach, protection) per hazard in metres. Given reaches that are NaN fall back to the
    sector's ``reach_m`` (an effect distance is not known for every hazard)."""
    if "sector" not in hazards.columns:
        raise ValueError("hazards have no 'sector' column")
    sectors = hazards["sector"].astype(object)
    unknown = sorted({str(s) for s in pd.unique(sectors) if s not in rules.sectors})
    if unknown:
        raise ValueError(f"hazards have sectors the rules do not define: {', '.join(unknown[:5])} "
                         f"(known: {', '.join(rules.sectors)})")
    default = sectors.map({k: v.reach_m for k, v in rules.sectors.items()}).to_numpy(dtype=np.float64)
    protection = sectors.map({k: v.protection_m for k, v in rules.sectors.items()}).to_numpy(dtype=np.float64)
    if reach_m is None:
        return default, protection
    given = np.asarray(reach_m, dtype=np.float64)
    given = np.full(len(hazards), float(given)) if given.ndim == 0 else given.ravel()
    if given.shape != (len(hazards),):
        raise ValueError(f"reach_m has {given.size} values for {len(hazards)} hazards")
    if (given[np.isfinite(given)] < 0).any() or np.isinf(given).any():
        raise ValueError("reach_m must be finite and not negative")
    return np.where(np.isnan(given), default, given), protection


def _projected(series: gpd.GeoSeries, epsg: int) -> npt.NDArray[np.object_]:
    s = series if series.crs is not None else series.set_crs(GEOGRAPHIC_EPSG)
    return np.asarray(s.to_crs(epsg).array, dtype=object)


def _representative_lon(series: gpd.GeoSeries) -> float | None:
    """Median longitude (EPSG:4490) of the geometries' centroids; None if there are none."""
    s = series if series.crs is not None else series.set_crs(GEOGRAPHIC_EPSG)
    geoms = np.asarray(s.to_crs(GEOGRAPHIC_EPSG).array, dtype=object)
    lon = shapely.get_x(shapely.centroid(geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]))
    lon = lon[np.isfinite(lon)]
    return float(np.median(lon)) if lon.size else None


def _empty_links() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "hazard_code": _str_array([]), "receptor_id": np.array([], dtype=np.int64),
        "receptor_name": _str_array([]), "class_id": _str_array([]),
        "class_zh": _str_array([]), "sensitivity": _str_array([]),
        "distance_m": np.array([], dtype=np.float64),
    }, geometry=gpd.GeoSeries([], crs=GEOGRAPHIC_EPSG), crs=GEOGRAPHIC_EPSG)


def receptor_proximity(hazards: gpd.GeoDataFrame, receptors: gpd.GeoDataFrame, rules: Rules, *,
                       reach_m: Any = None, make_links: bool = True) -> ProximityResult:
    """Receptors near each hazard source (docs/domain/receptors.md §2).

    ``hazards``: points (EPSG:4490) with ``hazard_code`` and ``sector``. ``receptors``: as
    returned by :func:`prepare_receptors`. ``reach_m``: a scalar or one value per hazard
    (NaN → the sector's reach); by default each sector's ``reach_m``. A receptor counts when
    its distance (nearest edge for polygons, 0 inside) is ≤ the reach. ``make_links=False``
    skips the link lines (``links`` is then empty).
    """
    for col in ("hazard_code", "sector"):
        if col not in hazards.columns:
            raise ValueError(f"hazards have no {col!r} column")
    missing = [c for c in RECEPTOR_COLUMNS if c not in receptors.columns]
    if missing:
        raise ValueError(f"receptors lack {', '.join(missing)}; pass them through prepare_receptors first")
    classes = rules.receptors.classes
    clash = [c for c in classes if c in RESERVED_COUNT_NAMES]
    if clash:
        raise ValueError(f"receptor class id {clash[0]!r} would clash with the column n_{clash[0]}")

    n_h, n_r = len(hazards), len(receptors)
    reach, protection = _reach(hazards, rules, reach_m)
    codes = hazards["hazard_code"].astype(object).to_numpy()

    class_ids = list(classes) + ([UNKNOWN_CLASS] if UNKNOWN_CLASS not in classes else [])
    class_index = {cid: i for i, cid in enumerate(class_ids)}
    r_class = np.array([class_index.get(c, class_index[UNKNOWN_CLASS]) for c in receptors["class_id"]],
                       dtype=np.int64)
    r_sens = receptors["sensitivity"].astype(object).to_numpy()
    r_high = np.asarray(r_sens == HIGH_SENSITIVITY, dtype=bool)
    r_name = receptors["name"].astype(object).to_numpy()
    r_zh = receptors["class_zh"].astype(object).to_numpy()
    r_id = receptors["receptor_id"].to_numpy(dtype=np.int64)

    lon = _representative_lon(hazards.geometry) if n_h else None
    if lon is None and n_r:
        lon = _representative_lon(receptors.geometry)
    epsg = gauss_kruger_epsg(lon) if lon is not None else None

    counts = np.zeros((n_h, len(class_ids)), dtype=np.int64)
    n_high = np.zeros(n_h, dtype=np.int64)
    near_m = np.full(n_h, np.nan)
    near_idx = np.full(n_h, -1, dtype=np.int64)
    links = _empty_links()

    if epsg is not None and n_h and n_r:
        h_xy = _projected(hazards.geometry, epsg)
        r_xy = _projected(receptors.geometry, epsg)

        # Candidate pairs: one tree query for every hazard at once, each with its own reach.
        tree = shapely.STRtree(r_xy)
        slack = reach * (1.0 + QUERY_SLACK_REL) + QUERY_SLACK_M
        h_i, r_i = tree.query(h_xy, predicate="dwithin", distance=slack)
        dist = shapely.distance(h_xy[h_i], r_xy[r_i])
        keep = dist <= reach[h_i]
        h_i, r_i, dist = h_i[keep], r_i[keep], dist[keep]
        order = np.lexsort((r_id[r_i], dist, h_i))  # per hazard, nearest first
        h_i, r_i, dist = h_i[order], r_i[order], dist[order]

        counts = np.bincount(h_i * len(class_ids) + r_class[r_i],
                             minlength=n_h * len(class_ids)).reshape(n_h, len(class_ids)).astype(np.int64)
        n_high = np.bincount(h_i[r_high[r_i]], minlength=n_h).astype(np.int64)

        # Nearest high-sensitivity receptor, anywhere.
        high = np.flatnonzero(r_high & ~(shapely.is_missing(r_xy) | shapely.is_empty(r_xy)))
        if high.size:
            h_tree = shapely.STRtree(r_xy[high])
            (q_h, q_r), q_d = h_tree.query_nearest(h_xy, return_distance=True, all_matches=False)
            near_m[q_h] = q_d
            near_idx[q_h] = high[q_r]

        if make_links and h_i.size:
            lines = shapely.shortest_line(h_xy[h_i], r_xy[r_i])
            geo = gpd.GeoSeries(lines, crs=epsg).to_crs(GEOGRAPHIC_EPSG)
            links = gpd.GeoDataFrame({
                "hazard_code": _str_array(codes[h_i]),
                "receptor_id": r_id[r_i],
                "receptor_name": _str_array(r_name[r_i]),
                "class_id": _str_array(np.asarray(class_ids, dtype=object)[r_class[r_i]]),
                "class_zh": _str_array(r_zh[r_i]),
                "sensitivity": _str_array(r_sens[r_i]),
                "distance_m": dist,
            }, geometry=geo.values, crs=GEOGRAPHIC_EPSG)

    has_near = near_idx >= 0
    near_name = np.full(n_h, "", dtype=object)
    near_zh = np.full(n_h, "", dtype=object)
    near_name[has_near] = r_name[near_idx[has_near]]
    near_zh[has_near] = r_zh[near_idx[has_near]]
    breach = has_near & (protection > 0) & (near_m <= protection)
    breach_name = np.where(breach, near_name, "")

    per: dict[str, Any] = {}
    for k, cid in enumerate(class_ids):
        per[f"n_{cid}"] = counts[:, k]
    per.update({
        "n_receptors": counts.sum(axis=1),
        "n_high": n_high,
        "nearest_high_name": _str_array(near_name),
        "nearest_high_class": _str_array(near_zh),
        "nearest_high_m": near_m,
        "nearest_high_within_reach": has_near & (near_m <= reach),
        "protection_m": protection,
        "protection_breach": breach,
        "protection_receptor": _str_array(breach_name),
        "reach_m": reach,
    })
    return ProximityResult(pd.DataFrame(per, index=hazards.index), links, epsg)

"""Fast GeoPackage layer writes (批量写入): GDAL's Arrow path, without pyarrow.

:func:`write_layer` writes one DataFrame or GeoDataFrame as an ordinary GeoPackage layer
(``gpkg_contents``, ``gpkg_geometry_columns``, its SRS, an R-tree spatial index), with the
field types ``pyogrio.write_dataframe`` gives (text → TEXT, float → REAL, int64 →
INTEGER, bool → BOOLEAN; points stay Point), but about twice as fast: the columns are
handed to GDAL as Arrow arrays built straight from the numpy buffers (nanoarrow, 1 MB,
no pandas side effects — pyarrow would make pandas infer Arrow-backed strings everywhere
and slowed validation by as much as it saved, docs/benchmarks.md).

A column type this module does not build (datetimes, categories, int16, float32, objects
that are not text, empty geometry layers) sends the whole layer down pyogrio's feature path,
as does a missing nanoarrow, so the result is the same either way, only slower.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from . import serial

GPKG_VERSION = "1.2"  # QGIS 3.22's GDAL 3.6 warns on 1.4 (docs/engineering.md §4)
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
#: A two-point line (the cascade's edges, the receptor links) as WKB.
_WKB_SEGMENT = np.dtype([("order", "u1"), ("type", "<u4"), ("npoints", "<u4"), ("x0", "<f8"), ("y0", "<f8"),
                         ("x1", "<f8"), ("y1", "<f8")], align=False)


@serial.serial
def write_layer(path: Path, name: str, frame: pd.DataFrame, append: bool = False) -> None:
    """Write ``frame`` as layer ``name`` of the GeoPackage at ``path`` (created when missing;
    a layer of that name is replaced, or with ``append`` added to: chunks of one layer)."""
    path = Path(path)
    try:
        arrow = _to_arrow(frame)
    except ImportError:  # no nanoarrow: the same layer through pyogrio's feature path
        arrow = None
    new_file = not path.exists()
    if arrow is None:  # a column type the Arrow path does not build: GDAL's feature path
        _write_features(path, name, frame, new_file, append)
        return
    stream, geo = arrow
    kw: dict = {}
    if geo is not None:
        kw.update(geometry_name="geometry", geometry_type=geo[0], crs=geo[1])
    if new_file:
        kw["dataset_options"] = {"VERSION": GPKG_VERSION}
    pyogrio.write_arrow(stream, path, layer=name, driver="GPKG", append=append and not new_file, **kw)


def _write_features(path: Path, name: str, frame: pd.DataFrame, new_file: bool, append: bool) -> None:
    """pyogrio's feature path, with riskdb's choice of geometry type."""
    import geopandas as gpd

    kw: dict = {"dataset_options": {"VERSION": GPKG_VERSION}} if new_file else {}
    kw["append"] = append and not new_file
    if isinstance(frame, gpd.GeoDataFrame):
        kinds = set(frame.geom_type.dropna().unique())
        declared = frame.attrs.get("geometry_type")
        if declared and not len(frame):
            kw["geometry_type"] = declared
        elif kinds <= {"Point"}:
            kw.update(geometry_type="Point", promote_to_multi=False)
        elif kinds <= {"LineString"}:
            kw.update(geometry_type="LineString", promote_to_multi=False)
        else:  # polygons (and mixed kinds): one multi type per layer
            kw["promote_to_multi"] = True
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", **kw)
    else:
        pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG", **kw)


# --- Arrow arrays from pandas columns ---------------------------------------------------------

def _nanoarrow():
    import nanoarrow  # type: ignore[import-untyped]  # ships no type information

    return nanoarrow


def _to_arrow(frame: pd.DataFrame):
    """(an Arrow stream of the frame, (geometry type, crs) or None); None when a column
    has a type this module does not build (the caller falls back to pyogrio)."""
    na = _nanoarrow()

    geo = None
    children, fields = [], {}
    geom_name = getattr(frame, "_geometry_column_name", None) if _is_geo(frame) else None
    n = len(frame)
    for col in frame.columns:
        if col == geom_name:
            continue
        built = _column(frame[col])
        if built is None:
            return None
        fields[str(col)], arr = built[0], built[1]
        children.append(arr)
    if geom_name is not None:
        g = _geometry(frame.geometry)
        if g is None:
            return None
        gtype, wkb = g
        crs = frame.crs.to_string() if frame.crs is not None else None
        fields["geometry"] = na.binary()  # GDAL reads WKB with 32-bit offsets only
        children.append(wkb)
        geo = (gtype, crs)
    schema = na.struct(fields, nullable=False)
    array = na.c_array_from_buffers(schema, n, [None], children=children)
    return na.c_array_stream(array), geo


def _is_geo(frame) -> bool:
    import geopandas as gpd

    return isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns


def _validity(valid: np.ndarray):
    """A validity bitmap, or None when every value is there."""
    if valid.all():
        return None
    return np.packbits(valid, bitorder="little")


def _column(s: pd.Series):
    """(Arrow type, array) of one column, or None."""
    na = _nanoarrow()

    dtype = s.dtype
    n = len(s)
    if dtype == np.bool_:
        return na.bool_(), na.c_array_from_buffers(na.bool_(), n, [None, np.packbits(s.to_numpy(), bitorder="little")])
    if dtype == np.float64:
        v = np.ascontiguousarray(s.to_numpy(dtype=np.float64))
        return na.float64(), na.c_array_from_buffers(na.float64(), n, [_validity(~np.isnan(v)), v])
    if dtype == np.int64:
        v = np.ascontiguousarray(s.to_numpy(dtype=np.int64))
        return na.int64(), na.c_array_from_buffers(na.int64(), n, [None, v])
    if isinstance(dtype, pd.Int64Dtype):
        valid = s.notna().to_numpy()
        v = np.ascontiguousarray(s.to_numpy(dtype=np.int64, na_value=0))
        return na.int64(), na.c_array_from_buffers(na.int64(), n, [_validity(valid), v])
    if isinstance(dtype, pd.Float64Dtype):
        valid = s.notna().to_numpy()
        v = np.ascontiguousarray(s.to_numpy(dtype=np.float64, na_value=np.nan))
        return na.float64(), na.c_array_from_buffers(na.float64(), n, [_validity(valid), v])
    if isinstance(dtype, pd.BooleanDtype):
        valid = s.notna().to_numpy()
        v = s.to_numpy(dtype=bool, na_value=False)
        return na.bool_(), na.c_array_from_buffers(na.bool_(), n, [_validity(valid),
                                                                   np.packbits(v, bitorder="little")])
    if (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
        built = _strings(s.to_numpy(dtype=object))
        return None if built is None else (na.large_string(), built)
    return None


def _strings(values: np.ndarray):
    """A large_string array of an object array of text (None/NaN → null); None when it holds
    something else than text (pyogrio decides how to write that)."""
    na = _nanoarrow()

    missing = pd.isna(values)
    has_missing = bool(missing.any())
    vals = np.where(missing, "", values) if has_missing else values
    try:
        joined = "\x00".join(vals.tolist())
    except TypeError:  # numbers, bytes…: not text
        return None
    if joined.count("\x00") != max(len(vals) - 1, 0):
        return None  # a NUL inside a value: let GDAL deal with it
    data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    n = len(vals)
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    if n:
        seps = np.flatnonzero(data == 0)  # n - 1 separators
        offsets[1:n] = seps - np.arange(n - 1)
        offsets[n] = len(data) - (n - 1)
        data = data[data != 0] if n > 1 else data
    return na.c_array_from_buffers(na.large_string(), n, [_validity(~missing) if has_missing else None,
                                                          offsets, np.ascontiguousarray(data)])


def _geometry(geoms) -> tuple[str, object] | None:
    """(geometry type, WKB array): points built from their coordinates (no per-point Python
    object); any other kind through shapely's WKB."""
    na = _nanoarrow()
    import shapely

    arr = np.asarray(geoms.values if hasattr(geoms, "values") else geoms)
    n = len(arr)
    kinds = shapely.get_type_id(arr)
    if n and (kinds == 0).all() and not shapely.is_empty(arr).any():
        xy = shapely.get_coordinates(arr)
        wkb = np.empty(n, dtype=_WKB_POINT)
        wkb["order"], wkb["type"], wkb["x"], wkb["y"] = 1, 1, xy[:, 0], xy[:, 1]
        offsets = np.arange(0, 21 * (n + 1), 21, dtype=np.int32)
        return "Point", na.c_array_from_buffers(na.binary(), n, [None, offsets, wkb.view(np.uint8)])
    if n and (kinds == 1).all() and (shapely.get_num_coordinates(arr) == 2).all():
        xy = shapely.get_coordinates(arr).reshape(n, 4)
        wkb = np.empty(n, dtype=_WKB_SEGMENT)
        wkb["order"], wkb["type"], wkb["npoints"] = 1, 2, 2
        wkb["x0"], wkb["y0"], wkb["x1"], wkb["y1"] = xy[:, 0], xy[:, 1], xy[:, 2], xy[:, 3]
        size = _WKB_SEGMENT.itemsize
        offsets = np.arange(0, size * (n + 1), size, dtype=np.int32)
        return "LineString", na.c_array_from_buffers(na.binary(), n, [None, offsets, wkb.view(np.uint8)])
    if not n:
        return None  # an empty layer: its declared type lives in attrs; pyogrio handles it
    if not ((kinds == 0) | (kinds < 0)).all():
        return None
    blobs = shapely.to_wkb(arr)
    missing = pd.isna(blobs)
    lens = np.array([0 if b is None else len(b) for b in blobs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int32)
    data = np.frombuffer(b"".join(b for b in blobs if b is not None), dtype=np.uint8)
    return "Point", na.c_array_from_buffers(na.binary(), n, [_validity(~missing), offsets, data])

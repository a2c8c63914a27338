"""Reading a risk database quickly: only the columns asked for, no geometry unless needed,
attribute filters and counts done in the database, so that a city of a million units
answers in seconds.

Rows are read with SQLite itself (a GeoPackage is an SQLite database), ``ORDER BY fid``:
GDAL reads a layer in whatever order SQLite's plan gives, and with the store's attribute
indexes (tx.INDEXES) a read of indexed columns alone comes back in index order, not in the
fid order a step's column writes follow. The frames are the ones pyogrio gives (its column
types: TEXT → text, INTEGER → int64, or float64 with NaN where a value is missing, BOOLEAN →
bool, or float64 likewise, REAL → float64; GeoPackage geometry → shapely, the layer's CRS).
A read of a few columns, as the steps make, is about 2.4 times faster than GDAL's row-by-row
read; a read of every column is not (docs/scaling.md §4). A layer with a
column type outside these (DATETIME, DATE…) is read by pyogrio, in fid order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from ..errors import PipelineError
from ..files import file_problem
from . import riskdb, serial, tx


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values) -> str:
    return "(" + ", ".join(quote_text(v) for v in values) + ")"


#: A filter: the text column is neither NULL nor blank (the same text as the partial indexes').
non_empty = tx.non_empty


@serial.serial
def field_names(db: str | Path, layer: str) -> list[str]:
    """The fields of a layer (geometry left out)."""
    return [str(f) for f in pyogrio.read_info(db, layer=layer)["fields"]]


@serial.serial
def feature_count(db: str | Path, layer: str) -> int:
    n = pyogrio.read_info(db, layer=layer, force_feature_count=True)["features"]
    return int(n) if n is not None and n >= 0 else 0


# --- rows in fid order, read by SQLite ------------------------------------------------------

#: Bytes of a GeoPackage geometry header by its envelope code (flags bits 1–3).
_HEADER = {0: 8, 1: 40, 2: 56, 3: 56, 4: 72}
_POINT_BLOB = 8 + 21  # a header without envelope and a 2D point's WKB
_POINT = np.dtype([("head", "V8"), ("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
_TEXT, _INTEGER, _BOOLEAN, _REAL = "text", "int", "bool", "real"


def _kind(declared: str) -> str | None:
    d = declared.upper()
    if d.startswith("TEXT"):
        return _TEXT
    if d in ("INTEGER", "BIGINT"):
        return _INTEGER
    if d == "BOOLEAN":
        return _BOOLEAN
    if d in ("REAL", "DOUBLE", "FLOAT"):
        return _REAL
    return None  # DATETIME, DATE, smaller integers, BLOB: pyogrio's conversions


def _array(values: tuple, kind: str) -> np.ndarray:
    """One column's values as pyogrio gives them."""
    if kind == _TEXT:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    if kind == _REAL:
        return np.array(values, dtype=np.float64)  # None → NaN
    if None in values:  # pyogrio: a missing integer or boolean makes the column float
        return np.array(values, dtype=np.float64)
    return np.array(values, dtype=np.int64 if kind == _INTEGER else np.bool_)


def _geometries(blobs: tuple) -> np.ndarray:
    """shapely geometries of GeoPackage geometry blobs (None for NULL and empty)."""
    import shapely

    n = len(blobs)
    if n and None not in blobs and all(len(b) == _POINT_BLOB for b in blobs):  # points: no object per blob
        rec = np.frombuffer(b"".join(blobs), dtype=_POINT)
        head = np.frombuffer(rec["head"].tobytes(), dtype=np.uint8).reshape(n, 8)
        if not (head[:, 3] & 0b1110).any() and (rec["order"] == 1).all() and (rec["type"] == 1).all():
            points = shapely.points(rec["x"], rec["y"])
            empty = (head[:, 3] & 0b10000) != 0
            if empty.any():
                points[empty] = None
            return points
    wkb = np.empty(n, dtype=object)
    for i, b in enumerate(blobs):
        if b is None or len(b) < 8 or (b[3] >> 4) & 1:
            continue
        wkb[i] = b[_HEADER.get((b[3] >> 1) & 7, 8):]
    return shapely.from_wkb(wkb)


def connect_ro(db: str | Path) -> sqlite3.Connection:
    """A read-only SQLite connection to the GeoPackage ``db`` (its path as a file: URI, so
    that ``#`` or ``?`` in a folder name are not read as URI syntax)."""
    return sqlite3.connect(Path(db).resolve().as_uri() + "?mode=ro", uri=True, timeout=tx.BUSY_TIMEOUT_S)


@serial.serial
def _select(db: str | Path, layer: str, cols: list[str] | None, where: str | None, geometry: bool) -> pd.DataFrame:
    """``cols`` of ``layer`` (all when None) for the rows ``where`` matches, in fid order; a
    GeoDataFrame with ``geometry``."""
    path = Path(db)
    con = connect_ro(path)
    try:
        declared = tx.table_columns(con, layer)
        if not declared:
            raise PipelineError(f"{path.name} has no layer '{layer}'", f"{path.name} 中没有图层「{layer}」")
        row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone() \
            if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_geometry_columns'").fetchone() else None
        geom = row[0] if row else None
        fid = next((c for c in declared if c.lower() == "fid"), None)
        names = [c for c in (declared if cols is None else cols) if c not in (fid, geom)]
        found = [_kind(declared[c]) for c in names]
        if None in found or fid is None:
            return _pyogrio(path, layer, names, where, geometry)
        kinds = [str(k) for k in found]
        picks = [tx.quote(c) for c in names] + ([tx.quote(geom)] if geometry and geom else [])
        sql = f"SELECT {', '.join(picks) or 'NULL'} FROM {tx.quote(layer)}" + (f" WHERE {where}" if where else "") + \
            f" ORDER BY {tx.quote(fid)}"
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    values = list(zip(*rows)) if rows else [() for _ in range(max(len(picks), 1))]
    frame = pd.DataFrame({c: _array(v, k) for c, v, k in zip(names, values, kinds)}, columns=names,
                         index=pd.RangeIndex(len(rows)))
    if not geometry or not geom:  # (a table without geometry reads as a DataFrame, as in pyogrio)
        return frame
    import geopandas as gpd

    crs = pyogrio.read_info(path, layer=layer).get("crs")
    geoms = _geometries(values[len(names)])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=crs), crs=crs)


@serial.serial
def _pyogrio(path: Path, layer: str, names: list[str], where: str | None, geometry: bool) -> pd.DataFrame:
    """The same through pyogrio, in fid order (its SQL, so that no index decides the order)."""
    where_sql = f" WHERE {where}" if where else ""
    frame = pyogrio.read_dataframe(path, sql=f"SELECT * FROM {tx.quote(layer)}{where_sql} ORDER BY fid",
                                   read_geometry=geometry).reset_index(drop=True)
    keep = list(names) + (["geometry"] if geometry and "geometry" in frame else [])
    frame = frame[[c for c in keep if c in frame]]
    return frame if geometry else pd.DataFrame(frame)


def columns(db: str | Path, layer: str, names, where: str | None = None) -> pd.DataFrame:
    """The named columns of a layer, without geometry, exactly these in this order (a
    column the layer lacks reads as empty)."""
    have = field_names(db, layer)
    cols = [c for c in names if c in have]
    frame = _select(db, layer, cols, where, geometry=False)
    for c in names:
        if c not in frame:
            frame[c] = pd.Series([None] * len(frame), dtype=object)
    return frame[list(names)]


def layer(db: str | Path, layer: str, names, geometry: bool = True, where: str | None = None) -> pd.DataFrame:
    """The named columns of a layer (those it has), in fid order — the order a step's
    column writes (riskdb.Write.columns) follow —, with its geometry (a GeoDataFrame) or
    without (a DataFrame); only the rows ``where`` (an SQL condition) matches, when given."""
    have = set(field_names(db, layer))
    return _select(db, layer, [c for c in names if c in have], where, geometry)


def present_columns(db: str | Path, layer: str, names=None) -> pd.DataFrame:
    """A layer's attributes without geometry: the named columns it has (all when None)."""
    have = field_names(db, layer)
    return _select(db, layer, [c for c in names if c in set(have)] if names else have, None, geometry=False)


def present_rows(db: str | Path, layer: str, names=None, where: str | None = None) -> pd.DataFrame:
    """The rows of a layer matching ``where`` (an SQL filter run in the database), without
    geometry: the named columns it has (all when None), in fid order."""
    have = field_names(db, layer)
    cols = [c for c in names if c in have] if names else have
    return _select(db, layer, cols, where, geometry=False)


@serial.serial
def computed_rows(db: str | Path, layer: str, names, exprs: dict[str, str], where: str) -> pd.DataFrame:
    """The rows of a layer matching ``where``, without geometry: the named columns it has and
    a column per SQL expression of ``exprs`` (name → expression), all computed in the database,
    in fid order."""
    have = set(field_names(db, layer))
    picks = [quote_ident(c) for c in names if c in have] + [f"({e}) AS {quote_ident(k)}" for k, e in exprs.items()]
    sql = f"SELECT {', '.join(picks)} FROM {quote_ident(layer)} WHERE {where} ORDER BY fid"
    frame = pyogrio.read_dataframe(db, sql=sql, read_geometry=False)
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


def query_chunks(db: str | Path, sql: str, rows: int) -> Iterator[pd.DataFrame]:
    """The rows of a read-only SELECT, ``rows`` at a time (SQLite hands them over as the
    cursor advances: a query over a city never sits in memory whole); values as SQLite
    gives them (NULL → None)."""
    with serial.held(db):  # for as long as the cursor is open (serial.py)
        con = connect_ro(db)
        try:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            while batch := cur.fetchmany(rows):
                yield pd.DataFrame.from_records(batch, columns=names)
        finally:
            con.close()


@serial.serial
def count(db: str | Path, layer: str, where: str) -> int:
    """COUNT(*) in the database itself: nothing but the number comes back."""
    frame = pyogrio.read_dataframe(db, sql=f"SELECT COUNT(*) AS n FROM {quote_ident(layer)} WHERE {where}")
    return int(frame["n"].iloc[0]) if len(frame) else 0


@serial.serial
def counts(db: str | Path, layer: str, wheres: dict[str, str]) -> dict[str, int]:
    """Several COUNTs in one pass over a layer, in the database: name → rows matching its
    filter (the panel's counts on a city of a million units in one scan, not one each)."""
    if not wheres:
        return {}
    cols = ", ".join(f"COALESCE(SUM(CASE WHEN {w} THEN 1 ELSE 0 END), 0) AS {quote_ident(k)}"
                     for k, w in wheres.items())
    frame = pyogrio.read_dataframe(db, sql=f"SELECT {cols} FROM {quote_ident(layer)}")
    return {k: int(frame[k].iloc[0]) if len(frame) else 0 for k in wheres}


@serial.serial
def grouped_counts(db: str | Path, layer: str, by: tuple[str, ...]) -> pd.DataFrame:
    """Rows per distinct combination of the ``by`` columns (a column ``n``), counted in the
    database: a few rows come back instead of the whole layer."""
    keys = ", ".join(quote_ident(c) for c in by)
    frame = pyogrio.read_dataframe(db, sql=f"SELECT {keys}, COUNT(*) AS n FROM {quote_ident(layer)} GROUP BY {keys}")
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


@serial.serial
def nearest_unit(db: str | Path, x: float, y: float, radius: float, layer: str = "units") -> str | None:
    """The code of the unit nearest to (x, y) within ``radius`` (both in the layer's CRS);
    reads only the features in that small box (the GeoPackage's spatial index)."""
    path = Path(db)
    if not path.is_file() or layer not in riskdb.layer_names(path):
        return None
    box = (x - radius, y - radius, x + radius, y + radius)
    frame = pyogrio.read_dataframe(path, layer=layer, columns=["unit_code"], bbox=box)
    if not len(frame):
        return None
    geoms = frame.geometry
    d2 = (geoms.x - x) ** 2 + (geoms.y - y) ** 2
    d2 = d2[d2 <= radius * radius]
    if not len(d2):
        return None
    return str(frame.loc[d2.idxmin(), "unit_code"])


@serial.serial
def layer_crs(db: str | Path, layer: str = "units") -> str:
    """The CRS of a layer as GDAL names it ('EPSG:4490'), '' when unknown."""
    try:
        return str(pyogrio.read_info(Path(db), layer=layer).get("crs") or "")
    except Exception:
        return ""


#: The layers every risk database has (what citysafety:import_surveys writes first).
RISK_LAYERS = ("units", "hazards")
SQLITE_MAGIC = b"SQLite format 3\x00"


@serial.serial
def _gpkg_tables(path: Path) -> list[str] | None:
    """The tables a GeoPackage registers (gpkg_contents), in order; None when ``path`` is an
    SQLite file that is not a GeoPackage. ``sqlite3.DatabaseError`` when it is not SQLite."""
    uri = path.resolve().as_uri() + "?mode=ro"
    con = sqlite3.connect(uri, uri=True, timeout=5)
    try:
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_contents'").fetchone() is None:
            return None
        return [str(r[0]) for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]
    finally:
        con.close()


def database_problem(db: str | Path, names: tuple[str, ...] = RISK_LAYERS) -> tuple[str, str] | None:
    """Why ``db`` cannot be read as a risk database — (English, Chinese) — or None when it is
    a GeoPackage with the layers ``names``. Only the file's header and its table list are read."""
    path = Path(db)
    problem = file_problem(path)
    if problem is not None:
        return problem
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
        if head != SQLITE_MAGIC:
            return "is not a GeoPackage (not an SQLite database)", "不是 GeoPackage 文件（不是 SQLite 数据库）"
        tables = _gpkg_tables(path)
    except (OSError, sqlite3.Error) as exc:
        return f"cannot be read as a GeoPackage ({exc})", f"无法作为 GeoPackage 读取（{exc}）"
    if tables is None:
        return "is an SQLite database but not a GeoPackage", "是 SQLite 数据库，但不是 GeoPackage"
    missing = [n for n in names if n not in tables]
    if missing:
        have = ", ".join(t for t in tables if t not in riskdb.SYSTEM_TABLES) or "none"
        have_zh = "、".join(t for t in tables if t not in riskdb.SYSTEM_TABLES) or "无"
        return (f"is a GeoPackage but not a risk database of this plugin: it has no layer "
                f"{', '.join(missing)} (its layers: {have}); run citysafety:import_surveys first",
                f"是 GeoPackage，但不是本插件的风险数据库：没有图层 {'、'.join(missing)}（现有图层：{have_zh}），"
                f"请先运行导入调查数据")
    return None


def output_database_problem(db: str | Path) -> tuple[str, str] | None:
    """Why a new risk database must not be written to ``db`` — (English, Chinese) — or None.
    A path where nothing is yet, an empty file, an empty GeoPackage and a risk database (which
    is replaced) are fine; any other file would be lost, and a GeoPackage of other layers
    would lose them."""
    path = Path(db)
    if path.is_dir():
        return "is a folder; a GeoPackage file name is expected", "是文件夹，应为 GeoPackage 文件名"
    if not path.exists():
        return None
    choose_en, choose_zh = "choose a new file name or a risk database", "请另选文件名或选择已有的风险数据库"
    try:
        if path.stat().st_size == 0:
            return None
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
        if head != SQLITE_MAGIC:
            return (f"exists and is not a GeoPackage; writing would overwrite it: {choose_en}",
                    f"已存在且不是 GeoPackage 文件，写入会覆盖它：{choose_zh}")
        tables = _gpkg_tables(path)
    except (OSError, sqlite3.Error) as exc:
        return (f"exists and cannot be read as a GeoPackage ({exc}): {choose_en}",
                f"已存在且无法作为 GeoPackage 读取（{exc}）：{choose_zh}")
    if tables is None:
        return (f"exists and is an SQLite database, not a GeoPackage; writing would overwrite it: {choose_en}",
                f"已存在且是 SQLite 数据库而不是 GeoPackage，写入会覆盖它：{choose_zh}")
    own = [t for t in tables if t not in riskdb.SYSTEM_TABLES]
    if not own or all(n in tables for n in RISK_LAYERS):
        return None
    return (f"is a GeoPackage of other data (layers: {', '.join(own)}), not a risk database; writing would "
            f"remove those layers: {choose_en}",
            f"是存放其他数据的 GeoPackage（图层：{'、'.join(own)}），不是风险数据库，写入会删除这些图层：{choose_zh}")


def require_layers(db: str | Path, names: tuple[str, ...]) -> set[str]:
    """The database's layers, or a clear error when it is missing or lacks one of ``names``."""
    db = Path(db)
    if not db.is_file():
        raise PipelineError(f"risk database not found: {db}", f"找不到风险数据库：{db}")
    try:
        present = set(riskdb.layer_names(db))
    except Exception as exc:  # not a GeoPackage
        raise PipelineError(f"{db.name} cannot be read as a risk database: {exc}",
                            f"{db.name} 无法作为风险数据库读取：{exc}") from exc
    for n in names:
        if n not in present:
            raise PipelineError(f"{db.name} has no layer '{n}'; run citysafety:import_surveys first",
                                f"{db.name} 中没有图层「{n}」，请先运行导入调查数据")
    return present


def read_layers(db: str | Path, names: tuple[str, ...]) -> dict:
    """The named layers of a risk database (whole), or a clear error when one is missing."""
    require_layers(db, names)
    return {n: riskdb.read_layer(db, n) for n in names}

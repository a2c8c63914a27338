"""The risk database on PostgreSQL/PostGIS (共享风险库): moving it between the engines.

A risk database in PostGIS is one schema (default ``citysafety``) holding the GeoPackage's
layers as tables of the same names, columns and order: ``fid`` the primary key, the
geometry a typed PostGIS column (``geometry(Point, 4490)``…) with a GiST index, the values
in the PostgreSQL type of their GeoPackage type (:data:`PG_TYPES`). Two tables of its own
mark it: ``citysafety_layers`` (the layers in order) and ``citysafety_state`` (the committed
state the database was moved with). docs/postgis.md.

- :func:`export_database` writes a GeoPackage into a schema in one transaction: the new
  schema is built under a staging name and swapped in at the end, so a failure or a cancel
  leaves the earlier schema as it was, and readers see the old or the new, never a half.
  An advisory lock on the schema's name makes two exports of one schema take turns. A schema
  that exists and is not a risk database is refused, never dropped.
- :func:`import_database` writes a schema into a new GeoPackage, built under a temporary
  name beside the target and moved into place when complete; types, values and geometries
  come back as they were (tests/core/test_postgis_store.py compares every field).

The connection is a libpq connection string or ``postgresql://`` URI (QGIS's stored
connections give one: plugin/processing/postgis.py). psycopg2 is QGIS's own: Debian's
python3-qgis depends on it and QGIS's Windows builds ship it (its DB Manager uses it), so the
plugin's installer adds nothing for it.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Canceled, PipelineError
from ..files import publish, sweep, temp_path
from ..progress import Progress
from . import read, tx

DEFAULT_SCHEMA = "citysafety"
LAYERS_TABLE = "citysafety_layers"
STATE_TABLE = tx.STATE_TABLE
#: Rows per COPY and per fetch (bounded memory at any size).
CHUNK = 50_000
#: GeoPackage declared type → PostgreSQL type (GeoPackage 1.2 §1.1.1.1.3, table 1; what GDAL writes).
PG_TYPES = {
    "INTEGER": "bigint", "INT": "bigint", "BIGINT": "bigint", "MEDIUMINT": "integer",
    "SMALLINT": "smallint", "TINYINT": "smallint", "BOOLEAN": "boolean",
    "REAL": "double precision", "DOUBLE": "double precision", "FLOAT": "real",
    "TEXT": "text", "DATE": "date", "DATETIME": "timestamp with time zone", "BLOB": "bytea",
}
#: PostgreSQL type → GeoPackage declared type and the dtype of an empty column pyogrio makes it from.
GPKG_TYPES = {
    "bigint": ("INTEGER", "int64"), "integer": ("MEDIUMINT", "int32"), "smallint": ("SMALLINT", "int16"),
    "boolean": ("BOOLEAN", "bool"), "double precision": ("REAL", "float64"), "real": ("FLOAT", "float32"),
    "text": ("TEXT", "object"), "character varying": ("TEXT", "object"),
}
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")
_NULL = "\\N"  # COPY's NULL marker (CSV format: unquoted \N is NULL, any other text is text)
_PG_GEOMETRY = {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon", "MULTIPOINT": "MultiPoint",
                "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon", "GEOMETRY": "Geometry",
                "GEOMETRYCOLLECTION": "GeometryCollection"}


def is_postgres(target: str | Path | None) -> bool:
    """Whether ``target`` names a PostgreSQL database (a URI or a libpq connection string)
    rather than a GeoPackage file."""
    t = str(target or "").strip()
    return t.startswith(("postgresql://", "postgres://")) or bool(re.search(r"(^|\s)(dbname|service|host)=", t))


def check_schema(schema: str) -> str:
    """The schema name, or a bilingual error: lower-case letters, digits and underscores, not
    ``public`` (the risk database is a schema of its own, replaced as a whole)."""
    s = (schema or "").strip()
    if not _SCHEMA_NAME.match(s) or s in ("public", "information_schema") or s.startswith("pg_"):
        raise PipelineError(
            f"Schema name '{schema}' cannot hold a risk database: use lower-case letters, digits and "
            "underscores (at most 48, not starting with a digit), and not public, information_schema or pg_*.",
            f"模式名“{schema}”不能存放风险数据库：请使用小写字母、数字和下划线（不超过 48 个字符、不以数字开头），"
            "且不能是 public、information_schema 或 pg_*。")
    return s


def connect(target: str):
    """A psycopg2 connection to ``target``, or a bilingual error saying why not."""
    try:
        import psycopg2  # type: ignore[import-untyped]
    except ImportError as e:  # QGIS ships it; a bare Python may not
        raise PipelineError("The PostgreSQL driver psycopg2 is not available in this Python (QGIS ships it).",
                            "此 Python 中没有 PostgreSQL 驱动 psycopg2（QGIS 自带）。") from e
    if not is_postgres(target):
        raise PipelineError(
            f"'{target}' is not a PostgreSQL connection: give a QGIS PostgreSQL connection name or a "
            "postgresql://user@host:port/database URI.",
            f"“{target}”不是 PostgreSQL 连接：请给出 QGIS 的 PostgreSQL 连接名或 postgresql://用户@主机:端口/数据库。")
    try:
        con = psycopg2.connect(target, connect_timeout=15, application_name="city_safety_risk_map")
    except psycopg2.Error as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise PipelineError(f"Cannot connect to the PostgreSQL database: {msg}",
                            f"无法连接 PostgreSQL 数据库：{msg}") from e
    con.set_client_encoding("UTF8")
    return con


def _require_postgis(cur) -> None:
    cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
    if cur.fetchone():
        return
    cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    if not cur.fetchone():
        raise PipelineError("The database server has no PostGIS extension installed.",
                            "数据库服务器未安装 PostGIS 扩展。")
    try:
        cur.execute("SAVEPOINT postgis; CREATE EXTENSION postgis; RELEASE SAVEPOINT postgis")
    except Exception as e:
        cur.execute("ROLLBACK TO SAVEPOINT postgis")
        raise PipelineError("PostGIS is not enabled in this database and this role may not enable it "
                            "(CREATE EXTENSION postgis, as the database owner).",
                            "此数据库未启用 PostGIS，当前角色也无权启用"
                            "（请数据库所有者执行 CREATE EXTENSION postgis）。") from e


def _schema_kind(cur, schema: str) -> str:
    """'none', 'risk' (a schema holding a risk database) or 'other'."""
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    if not cur.fetchone():
        return "none"
    cur.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                (schema, LAYERS_TABLE))
    return "risk" if cur.fetchone() else "other"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lock(cur, schema: str) -> None:
    """Two moves of one schema take turns (a transaction-scoped advisory lock on its name)."""
    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"city_safety_risk_map:{schema}",))


# --- GeoPackage → PostGIS ---------------------------------------------------------------------

def export_database(db: str | Path, target: str, schema: str = DEFAULT_SCHEMA,
                    progress: Progress | None = None) -> dict[str, int]:
    """Write the risk database ``db`` (a GeoPackage) into ``schema`` of the PostGIS database
    ``target``, replacing a risk database there, in one transaction. Returns rows per layer."""
    p = progress or Progress()
    schema = check_schema(schema)
    src = Path(db)
    problem = read.database_problem(src, ("units",))
    if problem:
        raise PipelineError(f"{src}: {problem[0]}", f"{src}：{problem[1]}")
    from .riskdb import layer_names

    names = layer_names(src)  # in the order riskdb reads and writes them
    lite = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=tx.BUSY_TIMEOUT_S)
    pg = connect(target)
    stage = f"{schema}__new"
    rows: dict[str, int] = {}
    try:
        lite.execute("BEGIN")  # one snapshot of the GeoPackage for the whole move
        state = tx._state(lite)
        with pg.cursor() as cur:
            _lock(cur, schema)
            _require_postgis(cur)
            if _schema_kind(cur, schema) == "other":
                raise PipelineError(
                    f"Schema '{schema}' exists and does not hold a risk database; it is left alone. "
                    "Choose another schema name.",
                    f"模式“{schema}”已存在且不是风险数据库，未作改动。请换一个模式名。")
            cur.execute(f"DROP SCHEMA IF EXISTS {_ident(stage)} CASCADE; CREATE SCHEMA {_ident(stage)}")
            for i, name in enumerate(names):
                p.step(100.0 * i / max(len(names), 1), f"{name} → {schema}.{name}")
                rows[name] = _export_table(lite, cur, stage, name, p)
            cur.execute(f"CREATE TABLE {_ident(stage)}.{LAYERS_TABLE} "
                        "(position integer PRIMARY KEY, name text NOT NULL)")
            cur.executemany(f"INSERT INTO {_ident(stage)}.{LAYERS_TABLE} VALUES (%s, %s)", list(enumerate(names)))
            cur.execute(f"CREATE TABLE {_ident(stage)}.{STATE_TABLE} (id integer PRIMARY KEY CHECK (id = 1), "
                        "version integer NOT NULL, step text, committed text)")
            cur.execute(f"INSERT INTO {_ident(stage)}.{STATE_TABLE} VALUES (1, %s, %s, %s)",
                        (state.version, state.step, state.committed))
            p.check()
            cur.execute(f"DROP SCHEMA IF EXISTS {_ident(schema)} CASCADE; "
                        f"ALTER SCHEMA {_ident(stage)} RENAME TO {_ident(schema)}")
            for name in names:
                cur.execute(f"ANALYZE {_ident(schema)}.{_ident(name)}")
        pg.commit()
    except BaseException:
        pg.rollback()
        raise
    finally:
        pg.close()
        lite.close()
    p.step(100.0)
    return rows


def _srid(lite: sqlite3.Connection, srs_id: int) -> int:
    row = lite.execute("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
                       (srs_id,)).fetchone()
    if row and str(row[0]).upper() == "EPSG":
        return int(row[1])
    return int(srs_id)


def _export_table(lite: sqlite3.Connection, cur, stage: str, name: str, p: Progress) -> int:
    info = lite.execute(f"PRAGMA table_info({tx.quote(name)})").fetchall()
    geo = lite.execute("SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns "
                       "WHERE table_name = ?", (name,)).fetchone()
    gcol = geo[0] if geo else None
    srid = _srid(lite, int(geo[2])) if geo else 0
    defs = []
    for _cid, col, declared, _notnull, _default, pk in info:
        if col == gcol:
            gtype = _PG_GEOMETRY.get(str(geo[1]).upper(), "Geometry")
            defs.append(f"{_ident(col)} geometry({gtype}, {srid})")
        elif pk:
            defs.append(f"{_ident(col)} bigint PRIMARY KEY")
        else:
            base = str(declared).upper().split("(")[0].strip()
            defs.append(f"{_ident(col)} {PG_TYPES.get(base, 'text')}")
    table = f"{_ident(stage)}.{_ident(name)}"
    cur.execute(f"CREATE TABLE {table} ({', '.join(defs)})")
    cols = [c[1] for c in info]
    gi = cols.index(gcol) if gcol else -1
    src = lite.execute(f"SELECT {', '.join(tx.quote(c) for c in cols)} FROM {tx.quote(name)} ORDER BY rowid")
    copy = f"COPY {table} ({', '.join(_ident(c) for c in cols)}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')"
    n = 0
    while True:
        chunk = src.fetchmany(CHUNK)
        if not chunk:
            break
        p.check()
        cur.copy_expert(copy, _csv(chunk, gi, srid, name))
        n += len(chunk)
    if gcol:
        cur.execute(f"CREATE INDEX {_ident(f'{name}_{gcol}_gist')} ON {table} USING gist ({_ident(gcol)})")
    return n


def _csv(chunk: list[tuple], gi: int, srid: int, name: str) -> io.StringIO:
    """A chunk of rows as COPY's CSV: NULL as \\N, the geometry as hex EWKB with its SRID."""
    arr = np.empty((len(chunk), len(chunk[0])), dtype=object)
    arr[:] = chunk
    if gi >= 0:
        import shapely

        geoms = read._geometries(tuple(arr[:, gi]))
        arr[:, gi] = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
    nulls = arr == None  # noqa: E711 (elementwise, in C)
    if (arr == _NULL).any():
        raise PipelineError(f"Layer {name} holds the text '\\N', which PostgreSQL's COPY reads as empty; "
                            "it is not moved.",
                            f"图层 {name} 含有文本“\\N”，PostgreSQL 的 COPY 会把它读作空值，未迁移。")
    arr[nulls] = _NULL
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(arr.tolist())
    buf.seek(0)
    return buf


# --- PostGIS → GeoPackage ---------------------------------------------------------------------

def import_database(target: str, schema: str, out: str | Path, progress: Progress | None = None) -> dict[str, int]:
    """Write the risk database in ``schema`` of the PostGIS database ``target`` into a new
    GeoPackage ``out`` (replacing a file there only when complete). Returns rows per layer."""
    p = progress or Progress()
    schema = check_schema(schema)
    dest = Path(out)
    dest.parent.mkdir(parents=True, exist_ok=True)
    sweep(dest)
    pg = connect(target)
    tmp = temp_path(dest)
    rows: dict[str, int] = {}
    try:
        pg.set_session(readonly=True, isolation_level="REPEATABLE READ")  # one snapshot of the schema
        with pg.cursor() as cur:
            if _schema_kind(cur, schema) != "risk":
                raise PipelineError(f"Schema '{schema}' holds no risk database (no {LAYERS_TABLE} table).",
                                    f"模式“{schema}”中没有风险数据库（缺少 {LAYERS_TABLE} 表）。")
            cur.execute(f"SELECT name FROM {_ident(schema)}.{LAYERS_TABLE} ORDER BY position")
            names = [r[0] for r in cur.fetchall()]
            cur.execute(f"SELECT version, step, committed FROM {_ident(schema)}.{STATE_TABLE} WHERE id = 1")
            st = cur.fetchone()
        for i, name in enumerate(names):
            p.step(100.0 * i / max(len(names), 1), f"{schema}.{name} → {dest.name}")
            rows[name] = _import_table(pg, schema, name, tmp, p)
        pg.rollback()
        con = tx.connect(tmp)
        try:
            from .riskdb import _write_aliases

            con.execute("BEGIN IMMEDIATE")
            _write_aliases(con, {n: [c for c in tx.table_columns(con, n)] for n in names})
            tx.ensure_indexes(con)
            tx._set_state(con, tx.State(int(st[0]), str(st[1] or ""), str(st[2] or "")) if st
                          else tx.State(1, "import_from_postgis", ""))
            con.execute("COMMIT")
        finally:
            con.close()
        publish(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        pg.close()
    p.step(100.0)
    return rows


def _columns(cur, schema: str, name: str) -> list[tuple[str, str, Any]]:
    """(column, PostgreSQL type, geometry (type, srid) or None) in the table's order."""
    cur.execute("SELECT a.attname, format_type(a.atttypid, NULL), t.typname, "
                "postgis_typmod_type(a.atttypmod), postgis_typmod_srid(a.atttypmod) "
                "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                (f"{_ident(schema)}.{_ident(name)}",))
    return [(c, fmt, (gt, srid) if typ == "geometry" else None) for c, fmt, typ, gt, srid in cur.fetchall()]


def _import_table(pg, schema: str, name: str, tmp: Path, p: Progress) -> int:
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    with pg.cursor() as cur:
        cols = _columns(cur, schema, name)
    geo = next(((c, g) for c, _f, g in cols if g), None)
    empty = {}
    for c, fmt, g in cols:
        if g or c == "fid":
            continue
        if fmt not in GPKG_TYPES:
            raise PipelineError(f"Column {name}.{c} has the type {fmt}, which a risk database does not use.",
                                f"列 {name}.{c} 的类型为 {fmt}，风险数据库不使用此类型。")
        empty[c] = pd.Series([], dtype=GPKG_TYPES[fmt][1])
    frame = pd.DataFrame(empty)
    kw: dict = {"driver": "GPKG", "layer": name, "dataset_options": {"VERSION": "1.2"}} if not tmp.exists() \
        else {"driver": "GPKG", "layer": name}
    if geo:
        gtype = str(geo[1][0]).upper()
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=f"EPSG:{geo[1][1]}"))
        kw.update(geometry_type=_PG_GEOMETRY.get(gtype, "Unknown") if gtype != "GEOMETRY" else "Unknown",
                  layer_options={"GEOMETRY_NAME": geo[0]})
    pyogrio.write_dataframe(frame, tmp, **kw)
    con = tx.connect(tmp)
    n = 0
    try:
        srs = None
        if geo:
            srs = int(con.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                                  (name,)).fetchone()[0])
        header = b"GP\x00\x01" + struct.pack("<i", srs or 0)  # GeoPackage binary: v0, little-endian, no envelope
        empty_header = b"GP\x00\x11" + struct.pack("<i", srs or 0)
        select = []
        for c, _f, g in cols:
            if g:
                select.append(f"CASE WHEN {_ident(c)} IS NULL THEN NULL WHEN ST_IsEmpty({_ident(c)}) "
                              f"THEN %(e)s || ST_AsBinary({_ident(c)}) ELSE %(h)s || ST_AsBinary({_ident(c)}) END")
            else:
                select.append(_ident(c))
        con.execute("BEGIN")
        insert = (f"INSERT INTO {tx.quote(name)} ({', '.join(tx.quote(c) for c, _f, _g in cols)}) "
                  f"VALUES ({', '.join('?' for _ in cols)})")
        with pg.cursor(name=f"csrm_{abs(hash(name))}") as cur:
            cur.itersize = CHUNK
            cur.execute(f"SELECT {', '.join(select)} FROM {_ident(schema)}.{_ident(name)} ORDER BY fid",
                        {"h": header, "e": empty_header})
            while True:
                chunk = cur.fetchmany(CHUNK)
                if not chunk:
                    break
                if p.is_canceled():
                    raise Canceled()
                con.executemany(insert, chunk)
                n += len(chunk)
        con.execute("COMMIT")
    finally:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
    return n

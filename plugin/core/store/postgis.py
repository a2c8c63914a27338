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

import contextlib
import csv
import io
import re
import sqlite3
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PipelineError
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
DISTRICT_ROLES_TABLE = "citysafety_district_roles"
#: The group roles of the role model (docs/postgis.md §7; resources/postgis/roles.sql creates them).
READER, SURVEYOR, ANALYST = "citysafety_reader", "citysafety_surveyor", "citysafety_analyst"
ROLES = (READER, SURVEYOR, ANALYST)
#: The run-log steps that record which shared state a file is in sync with.
SYNC_STEPS = ("import_from_postgis", "export_to_postgis")
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


@contextlib.contextmanager
def _transaction(target: str):
    """A connection to ``target`` in one transaction: committed when the block ends, rolled
    back when it raises (a database error as :func:`_refused`'s bilingual one), closed after."""
    import psycopg2  # type: ignore[import-untyped]

    con = connect(target)
    try:
        yield con
        con.commit()
    except psycopg2.Error as exc:
        con.rollback()
        raise _refused(exc) from exc
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()


@contextlib.contextmanager
def _snapshot(db: str | Path, layers: tuple[str, ...]):
    """The risk database ``db`` read-only, in one read transaction (one snapshot for a whole
    move), or the bilingual reason it is not one."""
    src = Path(db)
    problem = read.database_problem(src, layers)
    if problem:
        raise PipelineError(f"{src}: {problem[0]}", f"{src}：{problem[1]}")
    lite = read.connect_ro(src)
    try:
        lite.execute("BEGIN")
        yield lite
    finally:
        lite.close()


def _lock(cur, schema: str, shared: bool = False, district: str | None = None) -> None:
    """A transaction-scoped advisory lock on the schema's name (exclusive for a whole-database
    move, ``shared`` for a district's publish) or on one of its districts."""
    key = f"city_safety_risk_map:{schema}" + (f":{district}" if district is not None else "")
    cur.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(hashtext(%s))", (key,))


# --- GeoPackage → PostGIS ---------------------------------------------------------------------

@dataclass(frozen=True)
class SharedState:
    """The committed state of a shared risk database: its version (one more per committed
    move or district publish), the step and time of that commit, and the store's identity
    (kept across exports, so a file knows which store it was taken from)."""

    version: int
    step: str
    committed: str
    store_id: str


class StaleShared(PipelineError):
    """A move that would overwrite work committed to the shared database since this file was
    taken from it (bilingual; REPLACE overrides)."""


def _shared_state(cur, schema: str) -> SharedState | None:
    cur.execute(f"SELECT version, step, committed, store_id FROM {_ident(schema)}.{STATE_TABLE} WHERE id = 1")
    row = cur.fetchone()
    return SharedState(int(row[0]), str(row[1] or ""), str(row[2] or ""), str(row[3] or "")) if row else None


def committed(cur, schema: str) -> SharedState:
    """The committed state of the shared risk database in ``schema``, or the bilingual reason
    there is none."""
    if _schema_kind(cur, schema) != "risk":
        raise PipelineError(f"Schema '{schema}' holds no shared risk database (no {LAYERS_TABLE} table): "
                            "import surveys into it or export a risk database into it first.",
                            f"模式“{schema}”中没有共享风险库（缺少 {LAYERS_TABLE} 表），"
                            "请先向其导入调查表或导出一个风险数据库。")
    state = _shared_state(cur, schema)
    if state is None:
        raise PipelineError(f"Schema '{schema}' has no committed state; export the database into it again.",
                            f"模式“{schema}”没有提交状态，请重新导出数据库到该模式。")
    return state


def last_sync(db: str | Path, schema: str) -> dict | None:
    """The file's last move to or from ``schema`` (its run log's import_from_postgis and
    export_to_postgis rows): the store, version and time it was in sync with, or None."""
    import json

    from .riskdb import read_runs

    runs = read_runs(db)
    for summary in reversed(runs.loc[runs["step"].isin(SYNC_STEPS), "summary"].tolist()):
        try:
            s = json.loads(summary or "{}")
        except ValueError:
            continue
        if s.get("schema") == schema:
            return s
    return None


def _check_synced(db: Path, schema: str, now: SharedState) -> None:
    synced = last_sync(db, schema)
    if synced is None or synced.get("store_id") != now.store_id:
        raise StaleShared(
            f"Schema '{schema}' holds a shared risk database this file was not taken from (last changed by "
            f"{now.step} at {now.committed}); replacing it would lose that work. Take it with "
            "citysafety:import_from_postgis and run the steps on that file, or set REPLACE to overwrite it.",
            f"模式“{schema}”中的共享风险库不是从本文件取出的（最后由 {now.step} 于 {now.committed} 修改），"
            "覆盖会丢失这些工作。请先用“从 PostGIS 导入风险数据库”取出并在其上运行各步骤，或勾选 REPLACE 覆盖。")
    if int(synced.get("version", -1)) != now.version:
        raise StaleShared(
            f"The shared risk database in '{schema}' changed since this file was taken from it (version "
            f"{synced.get('version')} then, {now.version} now: {now.step} at {now.committed}); exporting would "
            "overwrite that. Take it again with citysafety:import_from_postgis, run the steps and export, or set "
            "REPLACE to overwrite it.",
            f"本文件取出后，模式“{schema}”中的共享风险库已有改动"
            f"（当时版本 {synced.get('version')}，现为 {now.version}："
            f"{now.step}，{now.committed}），导出会覆盖这些改动。请重新取出、运行各步骤后再导出，或勾选 REPLACE 覆盖。")


def _refused(exc) -> PipelineError:
    """A database error as a bilingual one (a permission the role lacks named as such)."""
    msg = (getattr(exc, "pgerror", None) or str(exc)).strip().splitlines()
    text = msg[0] if msg else type(exc).__name__
    if getattr(exc, "pgcode", "") in ("42501",):  # insufficient_privilege, row-level security
        return PipelineError(f"This database role may not do this ({text}); see the role model in docs/postgis.md.",
                             f"当前数据库角色无权执行此操作（{text}），角色模型见 docs/postgis.md。")
    return PipelineError(f"The database refused the change ({text}); nothing was written.",
                         f"数据库拒绝了此次修改（{text}），未写入任何内容。")


@dataclass
class Moved:
    """What a move wrote: rows per layer, the shared state after it, and whether the file's run
    log recorded the move (a file the user may only read cannot)."""

    rows: dict[str, int]
    state: SharedState
    logged: bool = True


def export_database(db: str | Path, target: str, schema: str = DEFAULT_SCHEMA,
                    progress: Progress | None = None, replace: bool = False) -> Moved:
    """Write the risk database ``db`` (a GeoPackage) into ``schema`` of the PostGIS database
    ``target``, replacing the risk database there, in one transaction. A shared database that
    changed since ``db`` was taken from it (or that ``db`` was never taken from) is refused
    (:class:`StaleShared`) unless ``replace``."""
    from .riskdb import layer_names, now_iso

    p = progress or Progress()
    schema = check_schema(schema)
    src = Path(db)
    stage = f"{schema}__new"
    rows: dict[str, int] = {}
    with _snapshot(src, ("units",)) as lite, _transaction(target) as pg, pg.cursor() as cur:
        names = layer_names(src)  # in the order riskdb reads and writes them
        _lock(cur, schema)
        _require_postgis(cur)
        kind = _schema_kind(cur, schema)
        if kind == "other":
            raise PipelineError(
                f"Schema '{schema}' exists and does not hold a risk database; it is left alone. "
                "Choose another schema name.",
                f"模式“{schema}”已存在且不是风险数据库，未作改动。请换一个模式名。")
        old = _shared_state(cur, schema) if kind == "risk" else None
        if old is not None and not replace:
            _check_synced(src, schema, old)
        new = SharedState(old.version + 1 if old else 1, "export_to_postgis", now_iso(),
                          old.store_id if old and old.store_id else uuid.uuid4().hex)
        s = _ident(stage)
        cur.execute(f"DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}")
        for i, name in enumerate(names):
            p.step(100.0 * i / max(len(names), 1), f"{name} → {schema}.{name}")
            rows[name] = _export_table(lite, cur, stage, name, p)
        cur.execute(f"CREATE TABLE {s}.{LAYERS_TABLE} (position integer PRIMARY KEY, name text NOT NULL, "
                    "changed integer)")
        cur.executemany(f"INSERT INTO {s}.{LAYERS_TABLE} VALUES (%s, %s, %s)",
                        [(i, n, new.version) for i, n in enumerate(names)])
        cur.execute(f"CREATE TABLE {s}.{STATE_TABLE} (id integer PRIMARY KEY CHECK (id = 1), "
                    "version integer NOT NULL, step text, committed text, store_id text NOT NULL)")
        cur.execute(f"INSERT INTO {s}.{STATE_TABLE} VALUES (1, %s, %s, %s, %s)",
                    (new.version, new.step, new.committed, new.store_id))
        cur.execute(f"CREATE TABLE {s}.{DISTRICT_ROLES_TABLE} (role name NOT NULL, district text NOT NULL, "
                    "PRIMARY KEY (role, district))")
        if old is not None:  # who may publish which district stays as the bureau set it
            cur.execute(f"INSERT INTO {s}.{DISTRICT_ROLES_TABLE} SELECT role, district "
                        f"FROM {_ident(schema)}.{DISTRICT_ROLES_TABLE}")
        _secure(cur, stage)
        p.check()
        cur.execute(f"DROP SCHEMA IF EXISTS {_ident(schema)} CASCADE; ALTER SCHEMA {s} RENAME TO {_ident(schema)}")
        for name in names:
            cur.execute(f"ANALYZE {_ident(schema)}.{_ident(name)}")
    logged = _log_sync(src, "export_to_postgis", schema, new, rows)
    p.step(100.0)
    return Moved(rows, new, logged)


def _log_sync(db: Path, step: str, schema: str, state: SharedState, rows: dict[str, int]) -> bool:
    """Record in the file's run log which shared state it is now in sync with."""
    from .riskdb import append_run

    try:
        append_run(db, step, None, {"schema": schema, "store_id": state.store_id, "version": state.version,
                                    "committed": state.committed, "layers": len(rows), "rows": sum(rows.values())})
    except PipelineError:  # a file the user may only read: the move stands, unrecorded
        return False
    return True


def _secure(cur, stage: str, only: tuple[str, ...] | None = None) -> bool:
    """The role model (docs/postgis.md §7), where the bureau created its group roles
    (resources/postgis/roles.sql): the analysts' group owns the schema and its tables, readers
    and surveyors read everything, surveyors insert and delete the survey rows of their own
    districts only (row-level security on units and hazards by citysafety_district_roles).
    ``only``: the tables a step replaced (the schema's other tables keep their rights)."""
    cur.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(ROLES),))
    have = {r[0] for r in cur.fetchall()}
    if not have:
        return False
    s = _ident(stage)
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (stage,))
    names = [r[0] for r in cur.fetchall() if only is None or r[0] in only]
    tables = [f"{s}.{_ident(n)}" for n in names]
    cur.execute("SELECT pg_has_role(current_user, 'citysafety_analyst', 'MEMBER')" if ANALYST in have
                else "SELECT false")
    if cur.fetchone()[0]:
        if only is None:
            cur.execute(f"ALTER SCHEMA {s} OWNER TO {ANALYST}")
        for t in tables:
            cur.execute(f"ALTER TABLE {t} OWNER TO {ANALYST}")
    for role in (READER, SURVEYOR):
        if role in have:
            cur.execute(f"GRANT USAGE ON SCHEMA {s} TO {role}")
            for t in tables:
                cur.execute(f"GRANT SELECT ON {t} TO {role}")
    if SURVEYOR not in have:
        return True
    u, h, d = f"{s}.units", f"{s}.hazards", f"{s}.{DISTRICT_ROLES_TABLE}"
    if only is None:
        cur.execute(f"GRANT UPDATE ON {s}.{STATE_TABLE}, {s}.{LAYERS_TABLE} TO {SURVEYOR}")
    # (a mapping naming a role that was dropped matches nobody rather than failing every write)
    own = (f"district IN (SELECT district FROM {d} WHERE role IN "
           "(SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER')))")
    if "units" in names:
        cur.execute(f"GRANT INSERT, DELETE ON {u} TO {SURVEYOR}; ALTER TABLE {u} ENABLE ROW LEVEL SECURITY; "
                    f"DROP POLICY IF EXISTS everyone_reads ON {u}; DROP POLICY IF EXISTS own_district ON {u}; "
                    f"CREATE POLICY everyone_reads ON {u} FOR SELECT USING (true); "
                    f"CREATE POLICY own_district ON {u} FOR ALL TO {SURVEYOR} USING ({own}) WITH CHECK ({own})")
    if "hazards" in names:
        cur.execute(f"GRANT INSERT, DELETE ON {h} TO {SURVEYOR}; ALTER TABLE {h} ENABLE ROW LEVEL SECURITY; "
                    f"DROP POLICY IF EXISTS everyone_reads ON {h}; DROP POLICY IF EXISTS own_district ON {h}; "
                    f"CREATE POLICY everyone_reads ON {h} FOR SELECT USING (true); "
                    f"CREATE POLICY own_district ON {h} FOR ALL TO {SURVEYOR} "
                    f"USING (unit_code IN (SELECT unit_code FROM {u} WHERE {own})) "
                    f"WITH CHECK (unit_code IN (SELECT unit_code FROM {u} WHERE {own}))")
    for n in names:
        if n in ("units", "hazards"):
            cur.execute("SELECT pg_get_serial_sequence(%s, 'fid')", (f"{s}.{_ident(n)}",))
            seq = cur.fetchone()[0]
            if seq:
                cur.execute(f"GRANT USAGE ON SEQUENCE {seq} TO {SURVEYOR}")
    return True


def _srid(lite: sqlite3.Connection, srs_id: int) -> int:
    row = lite.execute("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
                       (srs_id,)).fetchone()
    if row and str(row[0]).upper() == "EPSG":
        return int(row[1])
    return int(srs_id)


def _geometry_column(lite: sqlite3.Connection, name: str) -> tuple[str | None, str, int]:
    """The GeoPackage layer's geometry column, its PostGIS type and its SRID ((None, "", 0) for
    a table)."""
    geo = lite.execute("SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns "
                       "WHERE table_name = ?", (name,)).fetchone()
    if not geo:
        return None, "", 0
    return geo[0], _PG_GEOMETRY.get(str(geo[1]).upper(), "Geometry"), _srid(lite, int(geo[2]))


def _export_table(lite: sqlite3.Connection, cur, stage: str, name: str, p: Progress, dest: str | None = None) -> int:
    """The GeoPackage layer ``name`` as the table ``dest`` (default: the same name) of the schema
    ``stage``: its columns typed, its rows copied, its GiST index, its identity; the rows."""
    dest = dest or name
    info = lite.execute(f"PRAGMA table_info({tx.quote(name)})").fetchall()
    gcol, gtype, srid = _geometry_column(lite, name)
    defs = []
    for _cid, col, declared, _notnull, _default, pk in info:
        if col == gcol:
            defs.append(f"{_ident(col)} geometry({gtype}, {srid})")
        elif pk:  # numbered by the database for rows a district publishes
            defs.append(f"{_ident(col)} bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        else:
            base = str(declared).upper().split("(")[0].strip()
            defs.append(f"{_ident(col)} {PG_TYPES.get(base, 'text')}")
    table = f"{_ident(stage)}.{_ident(dest)}"
    cur.execute(f"CREATE TABLE {table} ({', '.join(defs)})")
    cols = [c[1] for c in info]
    n = _copy_rows(lite, cur, table, name, cols, gcol, srid, "", p)
    if gcol:
        cur.execute(f"CREATE INDEX {_ident(f'{dest}_{gcol}_gist')} ON {table} USING gist ({_ident(gcol)})")
    if "fid" in cols:  # the identity goes on after the highest fid moved
        cur.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'fid'), coalesce(max(fid), 0) + 1, false) FROM {table}",
                    (table,))
    return n


def _copy_rows(lite: sqlite3.Connection, cur, table: str, name: str, cols: list[str], gcol: str | None,
               srid: int, where: str, p: Progress) -> int:
    """COPY ``cols`` of the GeoPackage table ``name`` (the rows ``where`` selects) into the
    PostgreSQL ``table``, in chunks; the number of rows."""
    gi = cols.index(gcol) if gcol in cols else -1
    src = lite.execute(f"SELECT {', '.join(tx.quote(c) for c in cols)} FROM {tx.quote(name)} {where} ORDER BY rowid")
    copy = f"COPY {table} ({', '.join(_ident(c) for c in cols)}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')"
    n = 0
    while True:
        chunk = src.fetchmany(CHUNK)
        if not chunk:
            break
        p.check()
        cur.copy_expert(copy, _csv(chunk, gi, srid, name))
        n += len(chunk)
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

def import_database(target: str, schema: str, out: str | Path, progress: Progress | None = None) -> Moved:
    """Write the risk database in ``schema`` of the PostGIS database ``target`` into a new
    GeoPackage ``out`` (replacing a file there only when complete); its run log records the
    shared state it was taken at, which a later export checks."""
    from .riskdb import now_iso

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
            st = committed(cur, schema)
            cur.execute(f"SELECT name FROM {_ident(schema)}.{LAYERS_TABLE} ORDER BY position")
            names = [r[0] for r in cur.fetchall()]
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
            tx._set_state(con, tx.State(1, "import_from_postgis", now_iso()))
            con.execute("COMMIT")
        finally:
            con.close()
        if not _log_sync(tmp, "import_from_postgis", schema, st, rows):
            raise PipelineError(f"{dest}: the new file's run log could not be written.",
                                f"{dest}：新文件的运行记录无法写入。")
        publish(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        pg.close()
    p.step(100.0)
    return Moved(rows, st)


def _columns(cur, schema: str, name: str) -> list[tuple[str, str, Any]]:
    """(column, PostgreSQL type, geometry (type, srid) or None) in the table's order."""
    cur.execute("SELECT a.attname, format_type(a.atttypid, NULL), t.typname, "
                "postgis_typmod_type(a.atttypmod), postgis_typmod_srid(a.atttypmod) "
                "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                (f"{_ident(schema)}.{_ident(name)}",))
    return [(c, fmt, (gt, srid) if typ == "geometry" else None) for c, fmt, typ, gt, srid in cur.fetchall()]


def _import_table(pg, schema: str, name: str, tmp: Path, p: Progress, dest: str | None = None) -> int:
    """The shared table ``name`` as the layer ``dest`` (default: the same name) of the GeoPackage
    ``tmp`` (made when missing); the rows."""
    layer = dest or name
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
    kw: dict = {"driver": "GPKG", "layer": layer, "dataset_options": {"VERSION": "1.2"}} if not tmp.exists() \
        else {"driver": "GPKG", "layer": layer}
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
                                  (layer,)).fetchone()[0])
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
        # GDAL's triggers on the table would run for every row: the R-tree's call Python (tx.connect's
        # ST_* functions), the feature count's update gpkg_ogr_contents. As GDAL does for a bulk
        # load, they are dropped for it: the R-tree is filled from the boxes PostGIS computes and the
        # count set once, then the triggers are put back.
        triggers = tx._triggers(con, layer)
        for trigger, _sql in triggers:
            con.execute(f"DROP TRIGGER {tx.quote(trigger)}")
        table = f"{_ident(schema)}.{_ident(name)}"
        insert = (f"INSERT INTO {tx.quote(layer)} ({', '.join(tx.quote(c) for c, _f, _g in cols)}) "
                  f"VALUES ({', '.join('?' for _ in cols)})")
        n = _load(pg, con, f"SELECT {', '.join(select)} FROM {table} ORDER BY fid", {"h": header, "e": empty_header},
                  insert, p)
        if geo:
            g = _ident(geo[0])
            _load(pg, con, f"SELECT fid, ST_XMin({g}), ST_XMax({g}), ST_YMin({g}), ST_YMax({g}) FROM {table} "
                           f"WHERE {g} IS NOT NULL AND NOT ST_IsEmpty({g}) ORDER BY fid", {},
                  f"INSERT INTO {tx.quote(f'rtree_{layer}_{geo[0]}')} VALUES (?, ?, ?, ?, ?)", p)
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_ogr_contents'").fetchone():
            con.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)", (n, layer))
        if geo:  # the layer's extent, as GDAL records it (else a reader computes it, and QGIS's GDAL fails to)
            rtree = tx.quote(f"rtree_{layer}_{geo[0]}")
            con.execute(f"UPDATE gpkg_contents SET (min_x, max_x, min_y, max_y) = (SELECT min(minx), max(maxx), "
                        f"min(miny), max(maxy) FROM {rtree}) WHERE table_name = ?", (layer,))
        for _trigger, sql in triggers:
            con.execute(sql)
        con.execute("COMMIT")
    finally:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
    return n


def _load(pg, con: sqlite3.Connection, select: str, params: dict, insert: str, p: Progress) -> int:
    """The rows of a server-side ``select`` inserted into the GeoPackage by ``insert``, in chunks
    (a cancel between them); the number of rows."""
    n = 0
    with pg.cursor(name=f"csrm_{uuid.uuid4().hex[:12]}") as cur:
        cur.itersize = CHUNK
        cur.execute(select, params)
        while chunk := cur.fetchmany(CHUNK):
            p.check()
            con.executemany(insert, chunk)
            n += len(chunk)
    return n


# --- one district's survey rows into the shared database ---------------------------------------

@dataclass
class Published:
    """What a district publish did: rows removed and written, the shared state after it, and
    the columns of the file the shared tables do not have (left out)."""

    district: str
    removed: dict[str, int]
    written: dict[str, int]
    state: SharedState
    left_out: dict[str, list[str]]


def publish_district(db: str | Path, target: str, district: str, schema: str = DEFAULT_SCHEMA,
                     progress: Progress | None = None) -> Published:
    """Replace one district's survey rows (its units, and the hazard sources of its units) in the
    shared database with those of ``db`` (a district office's own import), in one transaction;
    every other district's rows stay as they were. District offices publish at the same time:
    each takes its district's lock and a shared lock on the schema, which a whole-database
    export takes exclusively (the two wait for each other, neither overwrites the other). The
    file must hold this district's units only; a unit code the shared database holds in another
    district is refused. The analysis layers are not changed: the shared state records the
    publish, so an export of a file taken before it is refused until the chain runs again.
    Several districts (a tuple) are published together, in the one transaction."""
    from .riskdb import now_iso

    p = progress or Progress()
    schema = check_schema(schema)
    src = Path(db)
    districts = tuple(sorted({district} if isinstance(district, str) else set(district)))
    district = "、".join(districts)
    with _snapshot(src, ("units", "hazards")) as lite, _transaction(target) as pg:
        by = dict(lite.execute("SELECT coalesce(district, ''), count(*) FROM units GROUP BY 1").fetchall())
        others = {k: v for k, v in by.items() if k not in districts}
        for d in districts:
            if not by.get(d):
                raise PipelineError(
                    f"{src.name} holds no unit of {d} (its districts: {', '.join(by) or 'none'}).",
                    f"{src.name} 中没有{d}的单位（其中的区：{'、'.join(by) or '无'}）。")
        if others:
            listed = ", ".join(f"{k or '(blank)'} {v}" for k, v in others.items())
            raise PipelineError(
                f"{src.name} also holds units of other districts ({listed}); a district office publishes its own "
                "district's units only. Nothing was written.",
                f"{src.name} 还含有其他区的单位（{listed}），区级用户只能发布本区单位，未写入任何内容。")
        with pg.cursor() as cur:
            _lock(cur, schema, shared=True)  # a whole-database export waits, other districts do not
            for d in districts:  # (in name order: two publishes of overlapping districts cannot deadlock)
                _lock(cur, schema, district=d)
            committed(cur, schema)
            sch = _ident(schema)
            left_out: dict[str, list[str]] = {}
            cols: dict[str, list[str]] = {}
            for name in ("units", "hazards"):
                shared = [c for c, _f, _g in _columns(cur, schema, name) if c != "fid"]
                have = [r[1] for r in lite.execute(f"PRAGMA table_info({tx.quote(name)})")]
                cols[name] = [c for c in have if c in shared]
                left_out[name] = [c for c in have if c not in shared and c != "fid"]
            # a unit code held by another district in the shared database: refused, not moved
            codes = [r[0] for r in lite.execute("SELECT unit_code FROM units")]
            cur.execute(f"SELECT unit_code, district FROM {sch}.units WHERE unit_code = ANY(%s) "
                        "AND (district IS NULL OR NOT district = ANY(%s)) ORDER BY unit_code LIMIT 5",
                        (codes, list(districts)))
            clash = cur.fetchall()
            if clash:
                listed = ", ".join(f"{c} ({d})" for c, d in clash)
                raise PipelineError(
                    f"Unit codes of {src.name} belong to other districts in the shared database: {listed}. "
                    "Nothing was written.",
                    f"{src.name} 中的单位编码在共享库中属于其他区：{listed}，未写入任何内容。")
            removed, written = {}, {}
            mine = f"SELECT unit_code FROM {sch}.units WHERE district = ANY(%s)"
            cur.execute(f"DELETE FROM {sch}.hazards WHERE unit_code IN ({mine})", (list(districts),))
            removed["hazards"] = cur.rowcount
            cur.execute(f"DELETE FROM {sch}.units WHERE district = ANY(%s)", (list(districts),))
            removed["units"] = cur.rowcount
            wheres = {"units": "", "hazards": "WHERE unit_code IN (SELECT unit_code FROM units)"}
            for i, name in enumerate(("units", "hazards")):
                p.step(30.0 + 30.0 * i, f"{district}: {name}")
                # COPY cannot write through row-level security: into a temporary table, then INSERT
                staged = _ident(f"incoming_{name}")
                listed = ", ".join(_ident(c) for c in cols[name])
                cur.execute(f"CREATE TEMP TABLE {staged} ON COMMIT DROP AS SELECT {listed} FROM {sch}.{_ident(name)} "
                            "WITH NO DATA")
                gcol, _gtype, srid = _geometry_column(lite, name)
                written[name] = _copy_rows(lite, cur, staged, name, cols[name], gcol, srid, wheres[name], p)
                cur.execute(f"INSERT INTO {sch}.{_ident(name)} ({listed}) SELECT {listed} FROM {staged} "
                            "ORDER BY ctid")
            p.check()
            cur.execute(f"UPDATE {sch}.{STATE_TABLE} SET version = version + 1, step = %s, committed = %s "
                        "WHERE id = 1 RETURNING version, step, committed, store_id",
                        (f"publish_district {district}", now_iso()))
            row = cur.fetchone()
            state = SharedState(int(row[0]), str(row[1]), str(row[2]), str(row[3]))
            mark_changed(cur, schema, ("units", "hazards"), state.version)
    p.step(100.0)
    return Published(district, removed, written, state, {k: v for k, v in left_out.items() if v})


def has_versions(cur, schema: str) -> bool:
    """Whether ``citysafety_layers`` records the version each table last changed at (a schema
    exported before 0.12 does not)."""
    cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                "AND column_name = 'changed'", (schema, LAYERS_TABLE))
    return cur.fetchone() is not None


def mark_changed(cur, schema: str, tables, version: int) -> None:
    """Record that ``tables`` changed at the shared ``version``."""
    if has_versions(cur, schema):
        cur.execute(f"UPDATE {_ident(schema)}.{LAYERS_TABLE} SET changed = %s WHERE name = ANY(%s)",
                    (version, list(tables)))


def layer_versions(cur, schema: str) -> dict[str, int]:
    """Each table of the shared risk database, in order, with the version it last changed at
    (every table at the current version where that is not recorded)."""
    column = "changed" if has_versions(cur, schema) else "NULL"
    cur.execute(f"SELECT name, {column} FROM {_ident(schema)}.{LAYERS_TABLE} ORDER BY position")
    rows = cur.fetchall()
    now = _shared_state(cur, schema)
    return {str(n): int(c) if c is not None else (now.version if now else 0) for n, c in rows}


def clear_styles(target: str, schema: str, style_name: str) -> int:
    """Remove the styles named ``style_name`` of ``schema``'s tables from QGIS's
    ``layer_styles`` before they are saved again: QGIS asks before overwriting a style of the
    same name (a dialog, which a Processing run cannot answer). The number removed."""
    with _transaction(target) as con, con.cursor() as cur:
        if not _exists(cur, "layer_styles"):
            return 0
        cur.execute("DELETE FROM layer_styles WHERE f_table_catalog = current_database() "
                    "AND f_table_schema = %s AND stylename = %s", (schema, style_name))
        return cur.rowcount


def share_styles(target: str) -> bool:
    """Give the role model's groups their rights on QGIS's ``layer_styles`` (created by the
    first export that saved styles, owned by whoever ran it): readers and surveyors read it,
    analysts rewrite it. False where there are no such roles or this role may not grant."""
    try:
        with _transaction(target) as con, con.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)", (list(ROLES),))
            if cur.fetchone()[0] < len(ROLES) or not _exists(cur, "layer_styles"):
                return False
            cur.execute(f"GRANT SELECT ON layer_styles TO {READER}, {SURVEYOR}; "
                        f"GRANT SELECT, INSERT, UPDATE, DELETE ON layer_styles TO {ANALYST}")
            cur.execute("SELECT pg_get_serial_sequence('layer_styles', 'id')")
            seq = cur.fetchone()[0]
            if seq:
                cur.execute(f"GRANT USAGE ON SEQUENCE {seq} TO {ANALYST}")
        return True
    except PipelineError:  # a role that may not grant (not the table's owner)
        return False


def _exists(cur, relation: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (relation,))
    return bool(cur.fetchone()[0])


def geometry_of(db: str | Path, name: str) -> tuple[str | None, str, int]:
    """The GeoPackage layer ``name``'s geometry column, PostGIS geometry type and SRID
    ((None, "", 0) for a table or no such layer)."""
    from . import serial

    with serial.held(db):
        lite = read.connect_ro(db)
        try:
            return _geometry_column(lite, name)
        finally:
            lite.close()

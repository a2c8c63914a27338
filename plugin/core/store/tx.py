"""Writing a risk database in place: one SQLite transaction per step, no file copy.

A GeoPackage is an SQLite database, so a step changes it the way a database is changed
(docs/engineering.md, "The store"):

1. Before it reads, the step notes the database's committed :class:`State` (a counter in the
   table ``citysafety_state``, outside ``gpkg_contents`` so QGIS does not list it).
2. It computes. Layers it replaces, and the values of its own columns, are written by GDAL
   into a staging GeoPackage beside the database (:func:`values_file`), each layer under a
   private name (``_stage_<pid>_<token>_<layer>``) with its R-tree and metadata. The
   database itself is not touched: GDAL's SQLite is not QGIS's (serial.py).
3. One transaction (``BEGIN IMMEDIATE``: one writer at a time) checks that the state is
   still the one the step read — else :class:`StaleDatabase`, and nothing is written —,
   copies the staged layers in (:func:`copy_in`) and swaps them for the old ones (a
   rename), drops the layers the step removes, updates the
   step's own columns of ``units`` and ``hazards`` in place (``ALTER TABLE ADD COLUMN``,
   then ``UPDATE`` from a temporary table keyed by fid; the survey columns and the
   geometry are not touched), drops the columns it clears, appends its run-log row,
   writes the Chinese field aliases and advances the state; ``COMMIT``.

A failure or a cancel before the commit rolls the transaction back and removes the staging
file; a killed process leaves at most its staging file (and, before 0.9, staged tables in the
database), which the next write removes (they are named after the process that made them).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import PipelineError
from ..files import pid_alive, temp_path
from . import serial

STATE_TABLE = "citysafety_state"
STAGE_PREFIX = "_stage_"
#: Seconds a writer waits for another writer's transaction before it gives up.
BUSY_TIMEOUT_S = 60.0
#: The commit's page cache (KiB); SQLite's default, 2 MB, makes an UPDATE of a city's rows
#: read and write the same pages many times.
CACHE_KIB = 256 * 1024


class StaleDatabase(PipelineError):
    """Another run committed to the database after this step read it."""


@dataclass(frozen=True)
class State:
    """The last committed write: a counter and who made it."""

    version: int = 0
    step: str = ""
    committed: str = ""


# --- the connection -------------------------------------------------------------------------

def _blob_envelope(blob) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage geometry blob; None when empty or NULL."""
    if blob is None:
        return None
    b = bytes(blob)
    if len(b) < 8 or b[:2] != b"GP":
        return None
    flags = b[3]
    if (flags >> 4) & 1:  # the empty-geometry flag
        return None
    order = "<" if flags & 1 else ">"
    env = (flags >> 1) & 7
    if env:
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", b, 8)
        return minx, maxx, miny, maxy
    import shapely

    geom = shapely.from_wkb(b[8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get(env, 0):])
    if geom is None or geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return x0, x1, y0, y1


def _env_part(i: int) -> Callable:
    def part(blob):
        env = _blob_envelope(blob)
        return None if env is None else env[i]
    return part


def connect(db: str | Path) -> sqlite3.Connection:
    """An SQLite connection to a GeoPackage that can run GDAL's R-tree triggers (their
    ``ST_IsEmpty``, ``ST_MinX``… are GDAL's functions; these are the same in Python), in
    autocommit mode so that :class:`Write` controls the transaction."""
    con = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    con.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(_blob_envelope(b) is None),
                        deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, _env_part(i), deterministic=True)
    con.execute("PRAGMA legacy_alter_table = ON")  # renames do not rewrite other tables' triggers
    con.execute(f"PRAGMA cache_size = {-CACHE_KIB}")  # a step's UPDATE of a million rows stays in memory
    return con


@serial.serial
def state(db: str | Path) -> State:
    """The database's committed state (State() for a database without one: made before 0.7,
    or not there yet)."""
    path = Path(db)
    if not path.is_file():
        return State()
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return State()
    try:
        return _state(con)
    except sqlite3.DatabaseError:
        return State()
    finally:
        con.close()


def _state(con: sqlite3.Connection) -> State:
    if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (STATE_TABLE,)).fetchone():
        return State()
    row = con.execute(f"SELECT version, step, committed FROM {STATE_TABLE} WHERE id = 1").fetchone()
    return State(int(row[0]), str(row[1] or ""), str(row[2] or "")) if row else State()


def _set_state(con: sqlite3.Connection, new: State) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1),"
                " version INTEGER NOT NULL, step TEXT, committed TEXT)")
    con.execute(f"INSERT OR REPLACE INTO {STATE_TABLE} (id, version, step, committed) VALUES (1, ?, ?, ?)",
                (new.version, new.step, new.committed))


@contextlib.contextmanager
def immediate(con: sqlite3.Connection) -> Iterator[None]:
    """One write transaction on ``con`` (``BEGIN IMMEDIATE``: one writer at a time), committed
    when the block ends, rolled back when it raises."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def swap_in(con: sqlite3.Connection, schema: str, staged: str, name: str) -> None:
    """The layer ``staged`` of the attached ``schema`` copied in as the layer ``name``, in place
    of the one there (its styles kept)."""
    copy_in(con, schema, staged)
    drop_layer(con, name, styles=False)
    rename_layer(con, staged, name)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- layers as SQLite tables ----------------------------------------------------------------

def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _gpkg_tables(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'gpkg%'")}


def _rtrees(con: sqlite3.Connection, layer: str) -> list[str]:
    if not _has_table(con, "gpkg_extensions"):
        return []
    cols = [r[0] for r in con.execute("SELECT column_name FROM gpkg_extensions WHERE table_name = ?"
                                      " AND extension_name = 'gpkg_rtree_index'", (layer,))]
    return [f"rtree_{layer}_{c}" for c in cols if c]


_META = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions", "gpkg_ogr_contents", "gpkg_data_columns")


def drop_layer(con: sqlite3.Connection, layer: str, styles: bool = True) -> None:
    """Remove a GeoPackage layer: its table, R-tree, triggers (with the table) and metadata."""
    present = _gpkg_tables(con)
    for rtree in _rtrees(con, layer):
        con.execute(f"DROP TABLE IF EXISTS {quote(rtree)}")
    con.execute(f"DROP TABLE IF EXISTS {quote(layer)}")
    for meta in _META:
        if meta in present:
            con.execute(f"DELETE FROM {meta} WHERE table_name = ?", (layer,))
    if styles and _has_table(con, "layer_styles"):
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))


def _triggers(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))]


def rename_layer(con: sqlite3.Connection, old: str, new: str) -> None:
    """Rename a GeoPackage layer, its R-tree, its triggers and its metadata (``old`` must
    be unique enough not to occur inside other names in the trigger text: staged names are)."""
    triggers = _triggers(con, old)
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER {quote(name)}")
    con.execute(f"ALTER TABLE {quote(old)} RENAME TO {quote(new)}")
    for rtree in _rtrees(con, old):
        con.execute(f"ALTER TABLE {quote(rtree)} RENAME TO {quote(rtree.replace(old, new, 1))}")
    for _, sql in triggers:
        con.execute(sql.replace(old, new))
    present = _gpkg_tables(con)
    for meta in _META:
        if meta in present:
            con.execute(f"UPDATE {meta} SET table_name = ? WHERE table_name = ?", (new, old))
    if "gpkg_contents" in present:
        con.execute("UPDATE gpkg_contents SET identifier = ? WHERE table_name = ? AND identifier = ?", (new, new, old))
    if _has_table(con, "layer_styles"):
        con.execute("UPDATE layer_styles SET f_table_name = ? WHERE f_table_name = ?", (new, old))


def table_columns(con: sqlite3.Connection, table: str) -> dict[str, str]:
    """Column → declared type (upper case), in table order."""
    return {r[1]: str(r[2] or "").upper() for r in con.execute(f"PRAGMA table_info({quote(table)})")}


def _kind(declared: str) -> str:
    d = declared.upper()
    if d in ("BOOLEAN",):
        return "bool"
    if d in ("INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT", "BIGINT"):
        return "int"
    if d in ("REAL", "FLOAT", "DOUBLE"):
        return "real"
    return "text"


def sql_type(series: pd.Series) -> str:
    """The GeoPackage type GDAL would give a pandas column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(dtype):
        return "REAL"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "DATETIME"
    return "TEXT"


def _fits(declared: str, series: pd.Series) -> bool:
    """Whether a column declared ``declared`` can take these values without losing any."""
    want, have = _kind(sql_type(series)), _kind(declared)
    if want == have or (want == "int" and have == "real") or (want == "bool" and have == "int"):
        return True
    if want == "real" and have == "int":  # whole numbers (and NULL) fit an integer column
        v = series.to_numpy(dtype=float, na_value=np.nan)
        v = v[np.isfinite(v)]
        return bool((v == np.round(v)).all())
    return False


def sql_values(series: pd.Series) -> list:
    """A column as Python values SQLite binds (NULL for missing, 0/1 for booleans)."""
    kind = _kind(sql_type(series))
    if kind == "real":
        v = series.to_numpy(dtype=float, na_value=np.nan)
        out = v.astype(object)
        out[~np.isfinite(v)] = None
        return out.tolist()
    if kind in ("int", "bool"):
        if series.isna().any():
            v = series.astype(object)
            return [None if pd.isna(x) else int(x) for x in v.tolist()]
        return series.astype("int64").tolist()
    if kind == "text" and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(x) else x.isoformat() for x in series.tolist()]
    values = series.astype(object).tolist()
    return [None if (x is None or (isinstance(x, float) and x != x) or x is pd.NA or x is pd.NaT)
            else (x if isinstance(x, str) else _text(x)) for x in values]


def _text(x) -> object:
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, (int, float, np.integer, np.floating)):
        return x.item() if hasattr(x, "item") else x
    return str(x)


def rebuild_without(con: sqlite3.Connection, table: str, gone: Iterable[str]) -> None:
    """Drop several columns at once: the table is copied once without them (SQLite's
    ALTER TABLE DROP COLUMN would copy it once per column). Its fids, R-tree, triggers and
    metadata stay as they are."""
    gone = set(gone)
    cols = table_columns(con, table)
    keep = [c for c in cols if c not in gone]
    if len(keep) == len(cols):
        return
    info = {r[1]: r for r in con.execute(f"PRAGMA table_info({quote(table)})")}
    defs = []
    for c in keep:
        _, _, declared, notnull, _, pk = info[c]
        if pk:
            defs.append(f"{quote(c)} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL")
        else:
            defs.append(f"{quote(c)} {declared}" + (" NOT NULL" if notnull else ""))
    tmp = f"{table}__rebuild"
    triggers = _triggers(con, table)
    con.execute(f"DROP TABLE IF EXISTS {quote(tmp)}")
    con.execute(f"CREATE TABLE {quote(tmp)} ({', '.join(defs)})")
    names = ", ".join(quote(c) for c in keep)
    con.execute(f"INSERT INTO {quote(tmp)} ({names}) SELECT {names} FROM {quote(table)}")
    con.execute(f"DROP TABLE {quote(table)}")
    con.execute(f"ALTER TABLE {quote(tmp)} RENAME TO {quote(table)}")
    for _, sql in triggers:
        con.execute(sql)
    if _has_table(con, "gpkg_data_columns"):
        con.executemany("DELETE FROM gpkg_data_columns WHERE table_name = ? AND column_name = ?",
                        [(table, c) for c in gone])


# --- attribute indexes -------------------------------------------------------------------------

@dataclass(frozen=True)
class Index:
    """An attribute index the readers rely on (docs/engineering.md, "The store")."""

    table: str
    name: str
    columns: tuple[str, ...]
    where: str = ""  # a partial index: only the rows this SQL filter matches

    def sql(self) -> str:
        cols = ", ".join(quote(c) for c in self.columns)
        return (f"CREATE INDEX IF NOT EXISTS {quote(self.name)} ON {quote(self.table)} ({cols})"
                + (f" WHERE {self.where}" if self.where else ""))


def non_empty(column: str) -> str:
    """An SQL filter: the text column is neither NULL nor blank (the partial indexes and the
    panel's counts use the same text, so that SQLite matches one to the other)."""
    c = quote(column)
    return f"{c} IS NOT NULL AND TRIM({c}) <> ''"


#: The inspector's and the report's look-ups by code and the panel's counts at city scale:
#: without them each is a scan of a million rows (docs/scaling.md §1). The panel's unit
#: counts are answered from the covering index ``csrm_units_panel`` alone; its hazard counts
#: from partial indexes, which hold only the rows counted.
INDEXES = (
    Index("units", "csrm_units_code", ("unit_code",)),
    # (in the order of the panel's GROUP BY level, sector: the groups stream from the index, unsorted)
    Index("units", "csrm_units_panel", ("level", "sector", "sector_zh", "inherent_level", "major_hazard",
                                        "district")),
    Index("hazards", "csrm_hazards_code", ("hazard_code",)),
    Index("hazards", "csrm_hazards_unit", ("unit_code",)),
    Index("hazards", "csrm_hazards_level", ("level",)),
    Index("hazards", "csrm_hazards_upgraded", ("upgrade_reason",), non_empty("upgrade_reason")),
    Index("hazards", "csrm_hazards_near_high", ("n_high",), '"n_high" > 0'),
    Index("hazards", "csrm_hazards_cascade", ("cascade_reason",), non_empty("cascade_reason")),
    Index("hazard_receptor_links", "csrm_links_hazard", ("hazard_code",)),
    Index("cascade_chains", "csrm_chains_start", ("start",)),
)


def ensure_indexes(con: sqlite3.Connection) -> list[str]:
    """Build the :data:`INDEXES` that are missing on tables that have their columns (a table
    replaced or rebuilt by a commit, a column a step adds); the names built."""
    built = []
    have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for index in INDEXES:
        if index.name in have or not _has_table(con, index.table):
            continue
        if not set(index.columns) <= set(table_columns(con, index.table)):
            continue
        con.execute(index.sql())
        built.append(index.name)
    return built


def drop_indexes(con: sqlite3.Connection, table: str, columns) -> None:
    """Drop the :data:`INDEXES` of ``table`` that hold one of ``columns`` (or filter on it):
    an ``UPDATE`` of every row then does not update them row by row; :func:`ensure_indexes`
    builds them again at the end of the commit, in one sort."""
    columns = set(columns)
    for index in INDEXES:
        if index.table == table and (columns & set(index.columns) or any(quote(c) in index.where for c in columns)):
            con.execute(f"DROP INDEX IF EXISTS {quote(index.name)}")


KEY = "target_fid"  # the column of a staged column table that names the feature it belongs to


def columns_table(frame: pd.DataFrame, fids: np.ndarray) -> pd.DataFrame:
    """``frame`` with the fids its rows go to, as staged before the commit."""
    out = pd.DataFrame(frame).reset_index(drop=True)
    out.insert(0, KEY, np.asarray(fids, dtype=np.int64))
    return out


def fids_of(con: sqlite3.Connection, table: str) -> np.ndarray:
    """A table's fids in order: 1..n without asking each row when they have no gaps (an
    import's tables never do)."""
    lo, hi, n = con.execute(f"SELECT MIN(fid), MAX(fid), COUNT(*) FROM {quote(table)}").fetchone()
    if not n:
        return np.zeros(0, dtype=np.int64)
    if hi - lo + 1 == n:
        return np.arange(lo, hi + 1, dtype=np.int64)
    return np.fromiter((r[0] for r in con.execute(f"SELECT fid FROM {quote(table)} ORDER BY fid")), dtype=np.int64)


def update_columns(con: sqlite3.Connection, table: str, frame: pd.DataFrame, staged: str) -> None:
    """Write ``frame``'s columns into ``table`` (adding those it lacks) from ``staged``, the
    table holding their values by fid (:func:`columns_table`, written by GDAL before the
    transaction; an empty frame needs none); the table's other columns are not touched."""
    if not len(frame.columns):
        return
    n = con.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0]
    if n != len(frame):
        raise PipelineError(f"{table}: {len(frame)} rows to write, {n} in the database",
                            f"{table}：待写入 {len(frame)} 行，数据库中有 {n} 行")
    declared = table_columns(con, table)
    retype = [c for c in frame.columns if c in declared and not _fits(declared[c], frame[c])]
    if retype:
        rebuild_without(con, table, retype)
        declared = table_columns(con, table)
    for c in frame.columns:
        if c not in declared:
            con.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(c)} {sql_type(frame[c])}")
    if not len(frame):
        return
    cols = list(frame.columns)
    drop_indexes(con, table, cols)
    t = quote(table)
    if sqlite3.sqlite_version_info >= (3, 33, 0):  # UPDATE … FROM: one join
        sets = ", ".join(f"{quote(c)} = u.{quote(c)}" for c in cols)
        con.execute(f"UPDATE {t} SET {sets} FROM {staged} AS u WHERE u.{KEY} = {t}.fid")
    else:
        names = ", ".join(quote(c) for c in cols)
        picks = ", ".join(f"u.{quote(c)}" for c in cols)
        con.execute(f"UPDATE {t} SET ({names}) = (SELECT {picks} FROM {staged} AS u WHERE u.{KEY} = {t}.fid)")


def append_rows(con: sqlite3.Connection, table: str, frame: pd.DataFrame) -> None:
    """Add rows to an attribute table (its missing columns added first)."""
    declared = table_columns(con, table)
    for c in frame.columns:
        if c not in declared:
            con.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(c)} {sql_type(frame[c])}")
    cols = list(frame.columns)
    names = ", ".join(quote(c) for c in cols)
    con.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join('?' * len(cols))})",
                    zip(*[sql_values(frame[c]) for c in cols]))


def create_table(con: sqlite3.Connection, name: str, frame: pd.DataFrame) -> None:
    """An empty attribute table (a GeoPackage layer without geometry) with ``frame``'s columns."""
    cols = ", ".join(f"{quote(c)} {sql_type(frame[c])}" for c in frame.columns)
    con.execute(f"CREATE TABLE {quote(name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {cols})")
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change) VALUES (?, ?, ?, ?)",
                (name, "attributes", name, _utc_now()))


#: What the steps wrote since the working copy of a shared database was taken (core/store/shared.py):
#: a table's columns (a step's column write) or the whole table (NULL columns). Outside
#: gpkg_contents, as citysafety_state is: QGIS does not list it.
WRITTEN_TABLE = "citysafety_written"


def note_written(con: sqlite3.Connection, table: str, columns: Iterable[str] | None = None) -> None:
    """Record that ``table`` was written: only ``columns`` of its rows, or (None) as a whole."""
    import json

    con.execute(f"CREATE TABLE IF NOT EXISTS {WRITTEN_TABLE} (table_name TEXT NOT NULL, columns TEXT)")
    con.execute(f"INSERT INTO {WRITTEN_TABLE} VALUES (?, ?)",
                (table, None if columns is None else json.dumps(sorted(set(columns)), ensure_ascii=False)))


def written(con: sqlite3.Connection) -> dict[str, set[str] | None]:
    """Per table, the columns written since :func:`forget_written` (None: the whole table)."""
    import json

    if not _has_table(con, WRITTEN_TABLE):
        return {}
    out: dict[str, set[str] | None] = {}
    for table, cols in con.execute(f"SELECT table_name, columns FROM {WRITTEN_TABLE} ORDER BY rowid"):
        if cols is None or (table in out and out[table] is None):
            out[table] = None
        else:
            out[table] = (out.get(table) or set()) | set(json.loads(cols))
    return out


def forget_written(con: sqlite3.Connection) -> None:
    if _has_table(con, WRITTEN_TABLE):
        con.execute(f"DELETE FROM {WRITTEN_TABLE}")


def _utc_now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def touch(con: sqlite3.Connection, tables: Iterable[str]) -> None:
    """gpkg_contents.last_change of the changed layers (the GeoPackage's own record)."""
    when = _utc_now()
    con.executemany("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?", [(when, t) for t in tables])


# --- staged tables ----------------------------------------------------------------------------

def stage_name(token: str, layer: str) -> str:
    return f"{STAGE_PREFIX}{os.getpid()}_{token}_{layer}"


def staged_tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE table_name LIKE ? ESCAPE '\\'",
                                      (STAGE_PREFIX.replace("_", "\\_") + "%",))] \
        if _has_table(con, "gpkg_contents") else []


def values_file(db: Path) -> Path:
    """Where a step stages its layers and column values: a GeoPackage beside the database, under a
    temporary name of this process (files.temp_path), which files.sweep removes when the
    process is killed before it is done."""
    return temp_path(db, ".values.gpkg")


_SRS_COLUMNS = ("srs_name", "srs_id", "organization", "organization_coordsys_id", "definition", "description")


def _srs_in_main(con: sqlite3.Connection, schema: str, srs_id: int) -> int:
    """The main database's id of the attached ``schema``'s SRS ``srs_id``: the same SRS
    (organization and code) where main has it, else a copy (under a free id)."""
    s = quote(schema)
    row = con.execute(f"SELECT {', '.join(_SRS_COLUMNS)} FROM {s}.gpkg_spatial_ref_sys WHERE srs_id = ?",
                      (srs_id,)).fetchone()
    if row is None:
        return srs_id
    org, code = row[2], row[3]
    same = con.execute("SELECT srs_id FROM main.gpkg_spatial_ref_sys WHERE lower(organization) = lower(?)"
                       " AND organization_coordsys_id = ? AND lower(organization) <> 'none'", (org, code)).fetchone()
    if same is not None:
        return int(same[0])
    mine = con.execute("SELECT definition FROM main.gpkg_spatial_ref_sys WHERE srs_id = ?", (srs_id,)).fetchone()
    if mine is not None and mine[0] == row[4]:
        return srs_id
    new_id = srs_id if mine is None else int(con.execute(
        "SELECT MAX(srs_id) FROM main.gpkg_spatial_ref_sys").fetchone()[0]) + 1
    con.execute(f"INSERT INTO main.gpkg_spatial_ref_sys ({', '.join(_SRS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                (row[0], new_id, *row[2:]))
    return new_id


def copy_in(con: sqlite3.Connection, schema: str, table: str) -> None:
    """Copy the GeoPackage layer ``table`` of the attached database ``schema`` (written there
    by GDAL) into the main database under the same name: the table as GDAL declared it, its
    rows, its metadata (contents, geometry column, SRS, extensions, feature count), its R-tree
    and the R-tree's triggers. Inside the caller's transaction.

    Why not let GDAL write into the main database: pyogrio's GDAL has its own SQLite library,
    and a reader of the system's (QGIS drawing the map) would take its open journal for a
    crashed writer's and roll it back (serial.py). What the main database receives is written
    by the same SQLite as QGIS's."""
    s, t = quote(schema), quote(table)
    master = con.execute(f"SELECT type, name, sql FROM {s}.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
                         (table,)).fetchall()
    made = [sql for kind, _, sql in master if kind == "table"]
    if not made:
        raise PipelineError(f"staged layer {table} not found", f"未找到暂存图层 {table}")
    con.execute(made[0])
    con.execute(f"INSERT INTO main.{t} SELECT * FROM {s}.{t}")
    for kind, _, sql in master:  # GDAL's attribute indexes, if any (not its R-tree triggers yet)
        if kind == "index":
            con.execute(sql)
    present = {r[0] for r in con.execute(f"SELECT name FROM {s}.sqlite_master WHERE type = 'table'")}
    contents = con.execute(f"SELECT data_type, identifier, description, last_change, min_x, min_y, max_x, max_y,"
                           f" srs_id FROM {s}.gpkg_contents WHERE table_name = ?", (table,)).fetchone()
    srs = None if contents is None or contents[8] is None else _srs_in_main(con, schema, int(contents[8]))
    if contents is not None:
        con.execute("INSERT INTO main.gpkg_contents (table_name, data_type, identifier, description, last_change,"
                    " min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (table, *contents[:8], srs))
    if "gpkg_geometry_columns" in present:
        for column, kind, srs_id, z, m in con.execute(
                f"SELECT column_name, geometry_type_name, srs_id, z, m FROM {s}.gpkg_geometry_columns"
                f" WHERE table_name = ?", (table,)).fetchall():
            con.execute("INSERT INTO main.gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id,"
                        " z, m) VALUES (?, ?, ?, ?, ?, ?)",
                        (table, column, kind, _srs_in_main(con, schema, int(srs_id)), z, m))
    if "gpkg_extensions" in present:
        rows = con.execute(f"SELECT column_name, extension_name, definition, scope FROM {s}.gpkg_extensions"
                           f" WHERE table_name = ?", (table,)).fetchall()
        if rows:
            con.execute("CREATE TABLE IF NOT EXISTS main.gpkg_extensions (table_name TEXT, column_name TEXT,"
                        " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
                        " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
            con.executemany("INSERT OR REPLACE INTO main.gpkg_extensions (table_name, column_name, extension_name,"
                            " definition, scope) VALUES (?, ?, ?, ?, ?)", [(table, *r) for r in rows])
    if "gpkg_ogr_contents" in present and _has_table(con, "gpkg_ogr_contents"):
        con.execute(f"INSERT OR REPLACE INTO main.gpkg_ogr_contents (table_name, feature_count)"
                    f" SELECT table_name, feature_count FROM {s}.gpkg_ogr_contents WHERE table_name = ?", (table,))
    for rtree in _rtrees_of(con, schema, table):
        sql = con.execute(f"SELECT sql FROM {s}.sqlite_master WHERE name = ?", (rtree,)).fetchone()
        if sql is None:
            continue
        con.execute(sql[0])
        # The R-tree as GDAL built it: its three shadow tables copied row for row (0.2 s for
        # 383,714 receptor links; inserting its entries one by one took 2.7 s).
        for shadow in (f"{rtree}_node", f"{rtree}_rowid", f"{rtree}_parent"):
            con.execute(f"DELETE FROM main.{quote(shadow)}")
            con.execute(f"INSERT INTO main.{quote(shadow)} SELECT * FROM {s}.{quote(shadow)}")
    counted = _has_table(con, "gpkg_ogr_contents")
    for kind, name, sql in master:  # the R-tree's triggers, once the R-tree is there
        if kind == "trigger" and (counted or "feature_count" not in name):
            con.execute(sql)


def _rtrees_of(con: sqlite3.Connection, schema: str, layer: str) -> list[str]:
    s = quote(schema)
    if not con.execute(f"SELECT 1 FROM {s}.sqlite_master WHERE name = 'gpkg_extensions'").fetchone():
        return []
    cols = [r[0] for r in con.execute(f"SELECT column_name FROM {s}.gpkg_extensions WHERE table_name = ?"
                                      " AND extension_name = 'gpkg_rtree_index'", (layer,))]
    return [f"rtree_{layer}_{c}" for c in cols if c]


def drop_orphans(con: sqlite3.Connection) -> list[str]:
    """Staged tables of processes that are gone (killed before their commit)."""
    gone = []
    for name in staged_tables(con):
        try:
            pid = int(name[len(STAGE_PREFIX):].split("_", 1)[0])
        except ValueError:
            continue
        if not pid_alive(pid):
            gone.append(name)
    for name in gone:
        drop_layer(con, name)
    return gone

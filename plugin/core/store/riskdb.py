"""The risk database (风险数据库): one GeoPackage with layers and Chinese field aliases.

A new database is built under a temporary name and moved into place when complete; an
existing one is changed in place, one SQLite transaction per step (:class:`Write`, :mod:`.tx`),
so a failure or a cancel leaves it as it was (docs/engineering.md §4). Layers are written
by GDAL as GeoPackage 1.2 (:mod:`.bulk`; QGIS 3.22's GDAL 3.6 warns on 1.4).

Field aliases are stored twice: in ``gpkg_data_columns`` (the GeoPackage schema
extension, read by GDAL ≥ 3.7 and other tools) and as each layer's default QGIS style in
``layer_styles`` (what QGIS 3.22 reads when it opens the layer).
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from .. import fields
from ..errors import PipelineError
from ..files import WRITE_ERRORS, explained_write_errors, publish, sweep, temp_path
from ..ingest import schema
from . import bulk, serial, tx
from .tx import StaleDatabase, State, state  # noqa: F401  (the store's API)


def _receptor_classes() -> dict[str, str]:
    """The default rules' receptor classes (id → Chinese name), for the aliases of the
    ``n_<class id>`` family (fields.RECEPTOR_COUNTS)."""
    try:
        from ..rules import load_rules

        return {c.id: c.zh for c in load_rules().receptors.classes.values()}
    except Exception:  # the aliases are a courtesy; a broken default rules file shows elsewhere
        return {}


_SURVEY_COLUMNS = {"units": schema.UNIT_COLUMNS, "risk_map": schema.UNIT_COLUMNS, "hazards": schema.HAZARD_COLUMNS}

#: Layer → field → Chinese alias: the survey columns' (ingest.schema), then the registry's.
ALIASES: dict[str, dict[str, str]] = {
    layer: {**{c.key: c.zh for c in _SURVEY_COLUMNS.get(layer, ())}, **fields.aliases(layer)}
    for layer in fields.layers()
}


def _qml_aliases(aliases: dict[str, str], fields: list[str]) -> str:
    rows = "\n".join(f"    <alias field={quoteattr(f)} index=\"{i}\" name={quoteattr(aliases[f])}/>"
                     for i, f in enumerate(fields) if f in aliases)
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            "<qgis styleCategories=\"Fields\" version=\"3.22.0\">\n"
            f"  <aliases>\n{rows}\n  </aliases>\n</qgis>\n")


def write_layers(path: str | Path, layers: dict[str, pd.DataFrame], step: str = "",
                 base: tx.State | None = None) -> Path:
    """Make ``path`` a risk database with exactly these named layers (GeoDataFrames or plain
    tables).

    A new file is built under a temporary name beside the target and moved into place when
    complete. An existing GeoPackage is changed in place, in one transaction (:class:`Write`):
    its layers are replaced by these, so QGIS, which may hold it open, keeps a valid file,
    and a failure leaves it as it was. ``base``: the state the caller saw first (a run that
    committed since then makes this refuse)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    for name, frame in layers.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"layer {name}: not a DataFrame")
    if _is_gpkg(target):
        with Write(target, step or "write_layers", base, replace_all=True) as w:
            for name, frame in layers.items():
                w.layer(name, frame)
        return target
    sweep(target)  # what a killed run left
    tmp = temp_path(target, ".gpkg")
    try:
        with explained_write_errors(target):
            _write_new(tmp, target, layers, step)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def _write_new(tmp: Path, target: Path, layers: dict[str, pd.DataFrame], step: str) -> None:
    """A new database under the temporary name ``tmp``, moved to ``target`` when complete."""
    for name, frame in layers.items():
        _write_layer(tmp, name, frame)
    con = tx.connect(tmp)
    try:
        con.execute("BEGIN IMMEDIATE")
        _write_aliases(con, {n: list(f.columns) for n, f in layers.items()})
        tx.ensure_indexes(con)
        tx._set_state(con, tx.State(1, step or "write_layers", now_iso()))
        con.execute("COMMIT")
    finally:
        con.close()
    publish(tmp, target)


@serial.serial
def read_fids(db: str | Path, layer: str, expected: int) -> np.ndarray:
    """A layer's fids in order (the rows a step read, when nothing committed since)."""
    con = sqlite3.connect(f"file:{Path(db)}?mode=ro", uri=True, timeout=tx.BUSY_TIMEOUT_S)
    try:
        fids = tx.fids_of(con, layer)
    finally:
        con.close()
    if len(fids) != expected:
        raise PipelineError(f"{layer}: {expected} rows to write, {len(fids)} in the database",
                            f"{layer}：待写入 {expected} 行，数据库中有 {len(fids)} 行")
    return fids


@serial.serial
def _is_gpkg(path: Path) -> bool:
    """An existing SQLite file with GeoPackage tables (what can be changed in place)."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return False
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_contents'").fetchone() is not None
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False


def _write_layer(path: Path, name: str, frame: pd.DataFrame) -> None:
    """Write (or replace) one layer of a GeoPackage (a new file is GeoPackage 1.2): GDAL's
    Arrow path, or its feature path for what that does not build (bulk.py)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"layer {name}: not a DataFrame")
    bulk.write_layer(path, name, frame)


def update_layers(path: str | Path, layers: dict[str, pd.DataFrame], step: str = "",
                  base: tx.State | None = None) -> Path:
    """Add or replace some layers of an existing GeoPackage, leaving the others as they are,
    in one transaction (:class:`Write`)."""
    with Write(Path(path), step or "update_layers", base) as w:
        for name, frame in layers.items():
            w.layer(name, frame)
    return Path(path)


class Write:
    """One step's write to a risk database, committed at the end of a ``with`` block (see
    :mod:`.tx`). Inside the block: :meth:`layer` stages a layer that replaces (or adds) one,
    :meth:`columns` gives a layer's own columns of the step, :meth:`remove` drops a layer,
    :meth:`log` adds the step's run-log row. An exception in the block (a failure, a cancel)
    writes nothing and removes what was staged.

    ``base``: the :func:`state` the step saw before it read (None: no check). When another
    run has committed since, the commit refuses with :class:`tx.StaleDatabase`."""

    def __init__(self, db: str | Path, step: str, base: tx.State | None = None, replace_all: bool = False,
                 bump: bool = True):
        self.db = Path(db)
        self.bump = bump
        self.step = step
        self.base = base
        self.replace_all = replace_all
        self.token = uuid.uuid4().hex[:8]
        self.staged: dict[str, str] = {}  # layer → staged table
        self.frames: dict[str, list[str]] = {}  # layer → its columns (aliases)
        self.updates: list[tuple[str, pd.DataFrame, tuple[str, ...], str]] = []  # layer, values, clear, table
        self.removed: set[str] = set()
        self.run: pd.DataFrame | None = None
        self.values: Path | None = None  # the staged column values (tx.values_file)

    def __enter__(self) -> Write:
        if not self.db.is_file():
            raise PipelineError(f"risk database not found: {self.db}", f"找不到风险数据库：{self.db}")
        return self

    def layer(self, name: str, frame: pd.DataFrame) -> None:
        """Stage a layer: GDAL writes it into the staging file beside the database (never
        into the database itself: its SQLite is not QGIS's, serial.py); the commit copies it in."""
        staged = tx.stage_name(self.token, name)
        self.values = self.values or tx.values_file(self.db)
        _write_layer(self.values, staged, frame)
        self.staged[name] = staged
        self.frames[name] = list(frame.columns)

    def columns(self, layer: str, frame: pd.DataFrame, clear: tuple[str, ...] = ()) -> None:
        """Write ``frame``'s columns into ``layer`` (row i → the i-th feature in fid order, as
        the step read them) and drop the columns ``clear`` names that it does not write.
        The values are staged now, in a file of their own beside the database (GDAL's bulk
        write; the database does not grow by them), and copied in by the commit."""
        self._check(tx.state(self.db))  # the rows are matched by position: the table must be as read
        table = f"cols_{len(self.updates)}_{layer}"
        frame = pd.DataFrame(frame)
        if len(frame.columns) and len(frame):
            self.values = self.values or tx.values_file(self.db)
            _write_layer(self.values, table, tx.columns_table(frame, read_fids(self.db, layer, len(frame))))
        else:
            table = ""
        self.updates.append((layer, frame, tuple(c for c in clear if c not in frame.columns), table))

    def remove(self, name: str) -> None:
        self.removed.add(name)

    def log(self, rules=None, summary: dict | None = None, started: str | None = None) -> None:
        self.run = run_row(self.step, rules, summary, started)

    def __exit__(self, kind, exc, trace) -> None:
        try:
            with explained_write_errors(self.db):  # the commit's, or the staging's in the block
                if kind is None:
                    self._commit()
                elif isinstance(exc, WRITE_ERRORS):
                    raise exc
        finally:
            self._drop_staged()

    def _commit(self) -> None:
        with serial.held(self.db):
            self._commit_held()

    def _commit_held(self) -> None:
        con = tx.connect(self.db)
        try:
            if self.values is not None:  # (ATTACH cannot run inside a transaction)
                con.execute("ATTACH DATABASE ? AS staged_values", (str(self.values),))
            with tx.immediate(con):
                self._check(tx._state(con))
                tx.drop_orphans(con)
                sweep(self.db)  # a killed run's new database or staged values file
                self._apply(con)
                if self.bump:
                    tx._set_state(con, tx.State(tx._state(con).version + 1, self.step, now_iso()))
        finally:
            con.close()
        self.staged = {}

    def _check(self, now: tx.State) -> None:
        if self.base is None or now == self.base:
            return
        name = self.db.name
        raise tx.StaleDatabase(
            f"{name} changed while {self.step} was running: {now.step or 'another run'} committed at "
            f"{now.committed or '?'}. Nothing was written; run {self.step} again on the new state",
            f"{name} 在「{self.step}」运行期间已被另一次运行（{now.step or '其他运行'}，{now.committed or '?'}）"
            f"修改，本次未写入任何内容；请在新的数据上重新运行")

    def _apply(self, con: sqlite3.Connection) -> None:
        touched: dict[str, list[str] | None] = {}
        if self.replace_all:
            mine = set(self.staged.values())
            for name in [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")]:
                if name not in mine and name not in SYSTEM_TABLES and not name.startswith(tx.STAGE_PREFIX):
                    tx.drop_layer(con, name)
            if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone():
                con.execute("DELETE FROM layer_styles WHERE styleName = 'aliases'")
        for name in self.removed:
            tx.drop_layer(con, name)
        for name, staged in self.staged.items():
            tx.swap_in(con, "staged_values", staged, name)
            touched[name] = self.frames[name]
            tx.note_written(con, name)
        for layer, frame, clear, staged in self.updates:
            tx.rebuild_without(con, layer, [c for c in clear if c in tx.table_columns(con, layer)])
            tx.update_columns(con, layer, frame, f"staged_values.{tx.quote(staged)}")
            touched[layer] = None
            tx.note_written(con, layer, [*frame.columns, *clear])
        if self.run is not None:
            if not con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (RUNS_LAYER,)).fetchone():
                tx.create_table(con, RUNS_LAYER, self.run)  # a database made before the run log
            tx.append_rows(con, RUNS_LAYER, self.run)
            touched.setdefault(RUNS_LAYER, None)
        columns = {n: (c if c is not None else list(tx.table_columns(con, n))) for n, c in touched.items()}
        _write_aliases(con, {n: [c for c in cols if c not in ("fid", "geom")] for n, cols in columns.items()})
        tx.touch(con, touched)
        tx.ensure_indexes(con)

    def _drop_staged(self) -> None:
        if self.values is not None:
            with contextlib.suppress(OSError):  # a read-only folder (nothing was made there)
                self.values.unlink(missing_ok=True)
            self.values = None
        self.staged.clear()


@serial.serial
def add_aliases(path: str | Path, columns: dict[str, list[str]]) -> None:
    """Store Chinese field aliases (gpkg_data_columns and a default QGIS style)."""
    con = sqlite3.connect(str(path))
    try:
        _write_aliases(con, columns)
        con.commit()
    finally:
        con.close()


def _write_aliases(con: sqlite3.Connection, columns: dict[str, list[str]]) -> None:
    """The aliases of these layers' columns, on an open connection (its transaction)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,"
        " name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT,"
        " CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),"
        " CONSTRAINT gdc_tn UNIQUE (table_name, name))")
    con.execute(
        "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
        " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
        " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
    con.execute(  # once (NULL column names never collide in the UNIQUE constraint)
        "INSERT INTO gpkg_extensions SELECT 'gpkg_data_columns', NULL, 'gpkg_schema',"
        " 'http://www.geopackage.org/spec121/#extension_schema', 'read-write' WHERE NOT EXISTS"
        " (SELECT 1 FROM gpkg_extensions WHERE table_name = 'gpkg_data_columns' AND extension_name = 'gpkg_schema')")
    con.execute(
        "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),"
        " f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,"
        " useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME)")
    # GDAL (and so QGIS) sees only tables registered in gpkg_contents.
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, last_change)"
        " VALUES ('layer_styles', 'attributes', 'layer_styles', '2000-01-01T00:00:00.000Z')")
    geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
    classes = _receptor_classes()
    for table, cols in columns.items():
        aliases = {**fields.aliases(table, classes), **ALIASES.get(table, {})}
        cols = [c for c in cols if c != "geometry"]
        for c in cols:
            if c in aliases:
                con.execute("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title)"
                            " VALUES (?, ?, ?, ?)", (table, c, c, aliases[c]))
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?", (table, "aliases"))
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,"
            " styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time)"
            " VALUES ('', '', ?, ?, 'aliases', ?, '', 1, '中文字段别名 Chinese field aliases', '', '',"
            " '2000-01-01T00:00:00.000Z')",
            (table, geom_cols.get(table, ""), _qml_aliases(aliases, ["fid"] + cols)))


SYSTEM_TABLES = {"layer_styles"}

# --- the run log (analysis_runs): which step ran on this database, when, with which rules ---
RUNS_LAYER = fields.RUNS_LAYER
RUNS_FIELDS = fields.names(RUNS_LAYER)
METADATA = Path(__file__).resolve().parents[3] / "metadata.txt"


def plugin_version() -> str:
    """The plugin's version, from metadata.txt."""
    for line in METADATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("version="):
            return line.split("=", 1)[1].strip()
    return ""


def now_iso() -> str:
    from datetime import datetime

    return datetime.now().astimezone().isoformat(timespec="seconds")


@serial.serial
def read_runs(path: str | Path) -> pd.DataFrame:
    """The database's run log, oldest first (an empty table for databases without one)."""
    path = Path(path)
    if path.is_file() and RUNS_LAYER in layer_names(path):
        have = set(pyogrio.read_info(path, layer=RUNS_LAYER)["fields"])
        frame = pd.DataFrame(pyogrio.read_dataframe(path, layer=RUNS_LAYER, read_geometry=False,
                                                    columns=[c for c in RUNS_FIELDS if c in have]))
        return frame.reindex(columns=list(RUNS_FIELDS)).astype(object)  # a field a log lacks reads as empty
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RUNS_FIELDS})


def last_summary(path: str | Path, step: str) -> dict:
    """The summary the last run of ``step`` logged ({} when none or unreadable)."""
    import json

    try:
        runs = read_runs(path)
        rows = runs[runs["step"] == step]
        return dict(json.loads(rows["summary"].iloc[-1] or "{}")) if len(rows) else {}
    except Exception:  # a log another version wrote differently: as if none
        return {}


def run_row(step: str, rules=None, summary: dict | None = None, started: str | None = None) -> pd.DataFrame:
    """One run-log row for ``step``."""
    import json

    row = {"step": step, "started": started or now_iso(), "finished": now_iso(),
           "rules_path": str(getattr(rules, "path", "") or ""), "rules_name": str(getattr(rules, "name", "") or ""),
           "rules_sha256": str(getattr(rules, "sha256", "") or ""), "plugin_version": plugin_version(),
           "summary": json.dumps(summary or {}, ensure_ascii=False, default=str)}
    return pd.DataFrame([row], columns=list(RUNS_FIELDS)).astype(object)


def run_log(path: str | Path | None, step: str, rules=None, summary: dict | None = None,
            started: str | None = None) -> pd.DataFrame:
    """The run log with one more row for ``step``. ``path`` None starts a new log (import)."""
    earlier = read_runs(path) if path is not None else read_runs("")
    return pd.concat([earlier, run_row(step, rules, summary, started)], ignore_index=True).astype(object)


def append_run(path: str | Path, step: str, rules=None, summary: dict | None = None,
               started: str | None = None) -> None:
    """Add one row to the run log in place, for steps that write outside the database (the
    report). One SQLite transaction; the database's state does not advance (no data changed)."""
    with Write(path, step, bump=False) as w:
        w.log(rules, summary, started)


@serial.serial
def layer_names(path: str | Path) -> list[str]:
    """The risk database's own layers, in order (QGIS's layer_styles left out)."""
    return [n for n, _ in pyogrio.list_layers(path) if n not in SYSTEM_TABLES and not n.startswith(tx.STAGE_PREFIX)]


@serial.serial
def read_layer(path: str | Path, layer: str) -> pd.DataFrame:
    """One layer: a GeoDataFrame for spatial layers, a DataFrame for tables."""
    frame = pyogrio.read_dataframe(path, layer=layer)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.isna().all() and "geometry" in frame and \
            pyogrio.read_info(path, layer=layer).get("geometry_type") is None:
        return pd.DataFrame(frame.drop(columns="geometry"))
    return frame


def read_layers(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every layer of a risk database, to be written back with :func:`write_layers`."""
    return {n: read_layer(path, n) for n in layer_names(path)}

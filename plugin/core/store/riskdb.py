"""The risk database (风险数据库): one GeoPackage with layers and Chinese field aliases.

Written with pyogrio as GeoPackage 1.2 (QGIS 3.22's GDAL 3.6 warns on 1.4), always to a
temporary file beside the target that is moved into place only when complete, so a
failure or a cancel leaves an earlier database intact (docs/product.md §5).

Field aliases are stored twice: in ``gpkg_data_columns`` (the GeoPackage schema
extension, read by GDAL ≥ 3.7 and other tools) and as each layer's default QGIS style in
``layer_styles`` (what QGIS 3.22 reads when it opens the layer).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd
import pyogrio

from .. import fields
from ..files import publish
from ..ingest import schema

GPKG_VERSION = "1.2"

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


def write_layers(path: str | Path, layers: dict[str, pd.DataFrame], replace: bool = True) -> Path:
    """Write named layers (GeoDataFrames or plain tables) to a new GeoPackage at ``path``.

    The file is built under a temporary name in the same folder and renamed over the
    target only at the end."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".part.gpkg", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        for i, (name, frame) in enumerate(layers.items()):
            _write_layer(tmp, name, frame, {"VERSION": GPKG_VERSION} if i == 0 else None)
        add_aliases(tmp, {n: list(f.columns) for n, f in layers.items()})
        publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def _write_layer(path: Path, name: str, frame: pd.DataFrame, dataset_options: dict | None = None) -> None:
    """Write (or overwrite) one layer of a GeoPackage."""
    kw = {"dataset_options": dataset_options} if dataset_options else {}
    if isinstance(frame, gpd.GeoDataFrame):
        kinds = set(frame.geom_type.dropna().unique())
        declared = frame.attrs.get("geometry_type")
        if declared and not len(frame):
            geo_kw = {"geometry_type": declared}
        elif kinds <= {"Point"}:
            geo_kw = {"geometry_type": "Point", "promote_to_multi": False}
        elif kinds <= {"LineString"}:
            geo_kw = {"geometry_type": "LineString", "promote_to_multi": False}
        else:  # polygons (and mixed kinds): one multi type per layer
            geo_kw = {"promote_to_multi": True}
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", **geo_kw, **kw)
    elif isinstance(frame, pd.DataFrame):
        pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG", **kw)
    else:
        raise TypeError(f"layer {name}: not a DataFrame")


def update_layers(path: str | Path, layers: dict[str, pd.DataFrame]) -> Path:
    """Add or replace some layers of an existing GeoPackage, leaving the others as they are.

    The database is copied beside itself, changed, and renamed over the original, so a
    failure or a cancel leaves the original untouched; unchanged layers are not rewritten."""
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".part.gpkg", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(target, tmp)
        for name, frame in layers.items():
            _write_layer(tmp, name, frame)
        add_aliases(tmp, {n: list(f.columns) for n, f in layers.items()})
        publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def add_aliases(path: str | Path, columns: dict[str, list[str]]) -> None:
    """Store Chinese field aliases (gpkg_data_columns and a default QGIS style)."""
    con = sqlite3.connect(str(path))
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,"
            " name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT,"
            " CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),"
            " CONSTRAINT gdc_tn UNIQUE (table_name, name))")
        con.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
            " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
            " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
        con.execute(
            "INSERT OR IGNORE INTO gpkg_extensions VALUES ('gpkg_data_columns', NULL, 'gpkg_schema',"
            " 'http://www.geopackage.org/spec121/#extension_schema', 'read-write')")
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
        con.commit()
    finally:
        con.close()


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


def read_runs(path: str | Path) -> pd.DataFrame:
    """The database's run log, oldest first (an empty table for databases without one)."""
    path = Path(path)
    if path.is_file() and RUNS_LAYER in layer_names(path):
        have = set(pyogrio.read_info(path, layer=RUNS_LAYER)["fields"])
        frame = pd.DataFrame(pyogrio.read_dataframe(path, layer=RUNS_LAYER, read_geometry=False,
                                                    columns=[c for c in RUNS_FIELDS if c in have]))
        return frame.reindex(columns=list(RUNS_FIELDS)).astype(object)  # a field a log lacks reads as empty
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RUNS_FIELDS})


def run_log(path: str | Path | None, step: str, rules=None, summary: dict | None = None,
            started: str | None = None) -> pd.DataFrame:
    """The run log with one more row for ``step``, to be written with the step's own layers
    (so it lands in the same atomic update). ``path`` None starts a new log (import)."""
    import json

    earlier = read_runs(path) if path is not None else read_runs("")
    row = {"step": step, "started": started or now_iso(), "finished": now_iso(),
           "rules_path": str(getattr(rules, "path", "") or ""), "rules_name": str(getattr(rules, "name", "") or ""),
           "rules_sha256": str(getattr(rules, "sha256", "") or ""), "plugin_version": plugin_version(),
           "summary": json.dumps(summary or {}, ensure_ascii=False, default=str)}
    return pd.concat([earlier, pd.DataFrame([row])], ignore_index=True).astype(object)


def append_run(path: str | Path, step: str, rules=None, summary: dict | None = None,
               started: str | None = None) -> None:
    """Add one row to the run log in place, for steps that write outside the database (the
    report). One SQLite transaction: the database's other layers are not touched."""
    frame = run_log(path, step, rules, summary, started).tail(1)
    pyogrio.write_dataframe(frame, path, layer=RUNS_LAYER, driver="GPKG",
                            append=RUNS_LAYER in layer_names(path))


def layer_names(path: str | Path) -> list[str]:
    """The risk database's own layers, in order (QGIS's layer_styles left out)."""
    return [n for n, _ in pyogrio.list_layers(path) if n not in SYSTEM_TABLES]


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

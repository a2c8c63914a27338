"""The risk database (风险数据库): one GeoPackage with layers and Chinese field aliases.

Written with pyogrio as GeoPackage 1.2 (QGIS 3.22's GDAL 3.6 warns on 1.4), always to a
temporary file beside the target that is moved into place only when complete, so a
failure or a cancel leaves an earlier database intact (PRODUCT.md, quality bars).

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

from ..files import publish
from ..ingest import schema

GPKG_VERSION = "1.2"

_COMMON = {
    "extra": "扩展属性", "source_file": "来源文件", "source_sheet": "来源工作表", "source_row": "来源行号",
    "lon": "经度", "lat": "纬度", "lon_src": "原始经度", "lat_src": "原始纬度", "crs_src": "原始坐标系",
    "sector": "行业领域",
}
_SCORE = {
    "method": "评价方法", "level": "风险等级", "level_zh": "风险等级名称", "colour": "颜色", "s_value": "S值（Σq/Q）",
    "r_value": "R值", "alpha": "校正系数α", "alpha_source": "α来源", "lec_d": "LEC D值", "ls_r": "LS R值",
    "substance_match": "物质匹配方式", "q_over_Q": "q/Q", "beta": "校正系数β", "beta_source": "β来源",
    "score_note": "评价说明", "worst_hazard": "最严重危险源", "hazard_count": "危险源数", "major_hazard": "重大危险源",
    "level_reasons": "定级依据", "population_500m": "500米内人口",
}
_PROXIMITY = {
    "reach_m": "影响半径（米）", "n_receptors": "半径内敏感目标数", "n_high": "半径内高敏感目标数",
    "nearest_high_name": "最近高敏感目标", "nearest_high_class": "最近高敏感目标类别",
    "nearest_high_m": "最近高敏感目标距离（米）", "nearest_high_within_reach": "高敏感目标在半径内",
    "protection_m": "防护距离（米）", "protection_breach": "防护距离内有高敏感目标",
    "protection_receptor": "防护距离内的高敏感目标", "pop_500m": "500米内人口", "pop_reach": "半径内人口",
    "base_level": "升级前等级", "upgrade_reason": "升级依据", "n_unknown": "未知类别敏感目标数",
}


def _receptor_count_aliases() -> dict[str, str]:
    """n_<class> → '<类别>数' for the default rules' receptor classes."""
    try:
        from ..rules import load_rules

        return {f"n_{c.id}": f"{c.zh}数" for c in load_rules().receptors.classes.values()}
    except Exception:  # the aliases are a courtesy; a broken default rules file shows elsewhere
        return {}


ALIASES: dict[str, dict[str, str]] = {
    "units": {**{c.key: c.zh for c in schema.UNIT_COLUMNS}, **_COMMON, **_SCORE, "sector_zh": "行业领域名称"},
    "risk_map": {**{c.key: c.zh for c in schema.UNIT_COLUMNS}, **_SCORE, "sector": "行业领域",
                 "sector_zh": "行业领域名称"},
    "hazards": {**{c.key: c.zh for c in schema.HAZARD_COLUMNS}, **_COMMON, **_SCORE, **_PROXIMITY,
                "location_from_unit": "位置取自单位", "L": "可能性L", "E": "暴露频率E", "C": "后果C"},
    "score_issues": {
        "unit_code": "单位编码", "hazard_code": "危险源编码", "severity": "严重程度", "code": "问题代码",
        "message_zh": "问题说明", "message_en": "Message", "value": "值",
    },
    "proximity_issues": {
        "code": "问题代码", "severity": "严重程度", "source": "来源", "row": "行号", "name": "名称", "value": "值",
        "count": "数量", "message_zh": "问题说明", "message_en": "Message",
    },
    "hazard_receptor_links": {
        "hazard_code": "危险源编码", "receptor_id": "敏感目标序号", "receptor_name": "敏感目标名称",
        "class_id": "敏感目标类别", "class_zh": "类别名称", "sensitivity": "敏感程度", "distance_m": "距离（米）",
    },
    "district_summary": {
        "district": "行政区", "n_units": "单位数", "n_level1": "重大风险单位数", "n_level2": "较大风险单位数",
        "n_level3": "一般风险单位数", "n_level4": "低风险单位数", "n_unscored": "未评级单位数",
        "worst_level": "最高风险等级", "area_km2": "面积（平方千米）", "risk_index": "风险指数",
        "risk_index_rank": "风险指数排名",
    },
    "import_issues": {
        "file": "文件", "sheet": "工作表", "row": "行号", "column": "列", "header": "表头", "value": "原值",
        "severity": "严重程度", "code": "问题代码", "message_zh": "问题说明", "message_en": "Message",
        "record": "记录编码", "related": "相关行",
    },
    "import_runs": {
        "run_id": "导入批次", "file": "文件", "path": "路径", "sha256": "SHA-256", "size_bytes": "文件大小（字节）",
        "status": "状态", "sheets": "工作表", "rows_read": "读取行数", "rows_accepted": "接受行数",
        "rows_rejected": "拒绝行数", "rows_skipped_blank": "跳过空行", "rows_skipped_total": "跳过合计行",
        "units_accepted": "导入单位数", "hazards_accepted": "导入危险源数", "errors": "错误数",
        "warnings": "警告数", "default_crs": "默认坐标系", "started": "开始时间", "finished": "结束时间",
        "plugin_version": "插件版本",
    },
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


def add_aliases(path: str | Path, fields: dict[str, list[str]]) -> None:
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
        counts = _receptor_count_aliases()
        for table, cols in fields.items():
            aliases = {**counts, **ALIASES.get(table, {})} if table == "hazards" else ALIASES.get(table, {})
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
RUNS_LAYER = "analysis_runs"
RUNS_FIELDS = ("step", "started", "finished", "rules_path", "rules_name", "rules_sha256", "plugin_version",
               "summary")
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

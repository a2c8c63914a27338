"""Helpers shared by the tests (plain functions; the fixtures built on them are in the
conftest files). Test modules import from here, never from one another.

- paths: ``ROOT``, ``SAMPLE`` (the bundled sample city), ``DATA`` (tests/data);
- messy survey files that between them reach every import issue code;
- risk databases: the sample city analysed through the core steps alone, an imported-only
  copy, and small readers;
- QGIS (imported inside the functions, so importing this module never starts QGIS): running
  an algorithm, the Processing provider, ``qgis_process``.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample"
DATA = Path(__file__).resolve().parent / "data"

# Shenzhen survey extent used by the messy fixture (lon_min, lat_min, lon_max, lat_max).
SHENZHEN_EXTENT = (113.70, 22.40, 114.70, 22.90)


# --- messy survey files -------------------------------------------------------------------

def write_workbook(path: Path, sheets: dict[str, list[list]], merge: dict[str, str] | None = None) -> Path:
    """An .xlsx with the given sheets (rows of cell values); ``merge`` maps a sheet to a range."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if merge and name in merge:
            ws.merge_cells(merge[name])
    wb.save(path)
    return path


UNIT_HEAD = ["单位编码", "单位名称（全称）", "统一社会信用代码", "行业领域", "行政区", "经度", "纬度", "坐标系",
             "从业人数", "调查日期", "联系电话", "自定义字段", "联系电话"]
HAZ_HEAD = ["危险源编码", "单位编码", "危险源名称", "设备类型", "物质名称", "CAS号", "危险性类别",
            "设计最大量(t)", "L", "E", "C", "可能性", "严重性", "经度", "纬度"]
GOOD_CC = "91110108551385082Q"


def messy_unit_rows() -> list[list]:
    """Units sheet rows (Excel rows 5…) of the messy workbook."""
    return [
        ["U1", "一号化工厂", GOOD_CC, "危险化学品", "南山区", 113.93, 22.53, "CGCS2000", 120, 45356,
         "13800000001", "甲", "x"],
        ["U2", "二号燃气站", "91110000600037341l", "gas", "福田区", "１１３．９５", "22°32′10.5″", "", "1,200人",
         "2024年3月5日", "", "", ""],
        ["U3", "三号工厂", "", "工贸", "宝安区", 22.61, 113.85, "WGS84", "", "", "", "", ""],
        ["U1", "重复编码单位", "", "工贸", "宝安区", 113.86, 22.62, "", "", "", "", "", ""],
        ["U5", "", "", "工贸", "宝安区", 113.86, 22.62, "", "", "", "", "", ""],
        ["U6", "六号农场", "", "农业", "宝安区", 113.86, 22.62, "", "", "", "", "", ""],
        ["U7", "七号", "", "消防", "宝安区", 113.86, 22.62, "火星2", "", "", "", "", ""],
        ["U8", "八号", "", "消防", "宝安区", "abc", 22.62, "", "", "", "", "", ""],
        ["U9", "九号", "", "消防", "宝安区", 10.0, 10.0, "", "", "", "", "", ""],
        ["U10", "十号", "91110108551385082A", "消防", "宝安区", 113.86, 22.62, "", "", "", "", "", ""],
        ["U11", "十一号", "", "消防", "宝安区", 113.86, 22.62, "", "many", "", "", "", ""],
        ["U12", "十二号", "", "消防", "宝安区", 113.86, 22.62, "", -5, "", "", "", ""],
        ["U13", "十三号", "", "消防", "宝安区", 113.86, 22.62, "", "", "someday", "", "", ""],
        [None] * 13,
        ["合计", "", "", "", "", "", "", "", 1325, "", "", "", ""],
        ["U16", "十六号", "", "交通运输", "罗湖区", 114.12, 22.55, "GCJ-02", "", "", "", "", ""],
        ["U17", "十七号", "", "特种设备", "罗湖区", 114.13, 22.56, "百度", "", "", "", "", ""],
        ["U18", "北京办事处", "", "建设施工", "东城区", 116.40, 39.90, "", "", "", "", "", ""],
        ["  U19 ", "  十九号 ", "", "建设施工", "龙岗区", "114.25", "22.72", "", "３０", "2024/3/5", "", "", ""],
    ]


def messy_hazard_rows() -> list[list]:
    """Hazards sheet rows of the messy workbook."""
    return [
        ["H1", "U1", "液氨储罐", "压力", "液氨", "7664-41-7", "", "5000kg", 3, 6, 15, "", "", "", ""],
        ["H2", "U1", "罐2", "常压", "某物", "7664-41-8", "", 1, "", "", "", "", "", "", ""],
        ["H3", "U1", "罐3", "常压", "", "", "", "50斤", "", "", "", "", "", "", ""],
        ["H4", "U1", "罐4", "常压", "", "", "", "lots", "", "", "", "", "", "", ""],
        ["H5", "U1", "罐5", "常压", "", "", "", -3, "", "", "", "", "", "", ""],
        ["H6", "U1", "罐6", "飞船", "", "", "", "", "", "", "", "", "", "", ""],
        ["H7", "U1", "罐7", "常压", "", "", "W99", "", "", "", "", "", "", "", ""],
        ["H8", "U1", "罐8", "常压", "", "", "", "", 4, 6, 15, "", "", "", ""],
        ["H9", "U1", "罐9", "常压", "甲醇", "67-56-1", "", "５０吨", 3, 6, 16, "", "", "", ""],
        ["H10", "U2", "调压站", "压力", "", "", "", "", "", "", "", 6, 3, "", ""],
        ["H1", "U2", "重复危险源", "压力", "", "", "", "", "", "", "", "", "", "", ""],
        ["H12", "NOPE", "孤儿危险源", "压力", "", "", "", "", "", "", "", "", "", "", ""],
        ["H13", "U5", "被拒单位的危险源", "压力", "", "", "", "", "", "", "", "", "", "", ""],
        ["", "U2", "无编码危险源", "压力", "", "", "", "", "", "", "", "", "", "", ""],
        ["H15", "U2", "自带坐标", "辅助", "", "", "W5.2", "12.5", "", "", "", 2, 4, "113°57′00″", "22°32′30″"],
        [None] * 15,
        ["合计", "", "", "", "", "", "", 99, "", "", "", "", "", "", ""],
    ]


def write_messy_workbook(path: Path) -> Path:
    units = [["某市城市安全风险普查 单位信息表"] + [None] * 12, [None] * 13, UNIT_HEAD,
             ["unit_code", "name", "credit_code", "sector", "district", "lon", "lat", "crs", "employees",
              "survey_date", "contact_phone", "", "contact_phone"]] + messy_unit_rows()
    hazards = [["危险源清单"] + [None] * 14, HAZ_HEAD] + messy_hazard_rows()
    return write_workbook(path, {"说明": [["填表说明"], ["单位编码 必填"]], "单位信息": units, "危险源": hazards,
                                 "备用": [["随手记"], ["一些笔记"]]}, merge={"单位信息": "A1:M1"})


FLAT_HEAD = ["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度", "危险源编码", "危险源名称", "物质名称",
             "设计最大量（kg）", "L", "E", "C", "备注"]


def write_flat_csv(path: Path, encoding: str = "gb18030") -> Path:
    rows = [FLAT_HEAD,
            ["F1", "平面表加油站", "燃气", "龙华区", "114.03", "22.65", "FH1", "汽油罐", "汽油", "20000",
             "3", "6", "15", "双层罐"],
            ["F1", "平面表加油站", "燃气", "龙华区", "114.03", "22.65", "FH2", "柴油罐", "柴油", "30,000",
             "1", "6", "7", ""],
            ["F1", "平面表加油站", "燃气", "光明区", "114.03", "22.65", "FH3", "LPG", "液化石油气", "1000",
             "3", "3", "15", ""],
            ["F2", "只有单位", "消防", "龙华区", "114.04", "22.66", "", "", "", "", "", "", "", ""],
            ["", "", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["合计", "", "", "", "", "", "", "", "", "51000", "", "", "", ""]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_messy_files(d: Path) -> dict[str, Path]:
    """Files in ``d`` that between them reach every issue code of the import."""
    d.mkdir(parents=True, exist_ok=True)
    f = {}
    f["messy"] = write_messy_workbook(d / "a_messy.xlsx")
    f["flat"] = write_flat_csv(d / "b_flat_gb18030.csv")
    f["dup"] = d / "c_copy_of_messy.xlsx"
    shutil.copy(f["messy"], f["dup"])
    f["not_workbook"] = d / "d_not_a_workbook.xlsx"
    f["not_workbook"].write_text("this is not a workbook", encoding="utf-8")
    f["wrong_type"] = d / "e_report.pdf"
    f["wrong_type"].write_bytes(b"%PDF-1.4\n")
    f["encrypted"] = d / "f_encrypted.xlsx"
    shutil.copy(DATA / "encrypted_password_secret.xlsx", f["encrypted"])
    data = f["messy"].read_bytes()
    f["truncated"] = d / "g_truncated.xlsx"
    f["truncated"].write_bytes(data[: len(data) // 2])
    f["empty"] = d / "h_empty.xlsx"
    f["empty"].write_bytes(b"")
    f["bad_encoding"] = d / "i_bad_encoding.csv"
    f["bad_encoding"].write_bytes("单位编码,单位名称\nX1,".encode() + b"\xff\xff\x80\n")
    f["no_header"] = write_workbook(d / "j_no_header.xlsx", {"Sheet1": [["随便", "什么"], [1, 2]]})
    f["missing_column"] = write_workbook(d / "k_missing_column.xlsx", {"单位信息": [
        ["单位编码", "单位名称", "行业领域", "经度", "纬度"], ["M1", "缺列单位", "消防", 114.0, 22.6]]})
    f["not_found"] = d / "l_does_not_exist.xlsx"
    # one unit whose name holds a NUL (written as Excel's escape _x0000_, which the reader decodes)
    f["nul_text"] = write_workbook(d / "m_nul_text.xlsx", {"单位信息": [
        ["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"],
        ["N1", "空字符_x0000_单位", "消防", "南山区", 113.93, 22.53],
        ["N2", "正常单位", "消防", "南山区", 113.94, 22.54]]})
    f["stray_cell"] = write_stray_cell_workbook(d / "n_stray_cell.xlsx")
    # a flat sheet whose unit is rejected on its first row; its later unit-only row goes with it
    rows = [FLAT_HEAD,
            ["G1", "被拒平面单位", "不存在", "龙华区", "114.03", "22.65", "GH1", "罐", "汽油", "100", "3", "6",
             "15", ""],
            ["G1", "被拒平面单位", "不存在", "龙华区", "114.03", "22.65", "", "", "", "", "", "", "", ""]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    f["flat_rejected"] = d / "o_flat_rejected_unit.csv"
    f["flat_rejected"].write_bytes(buf.getvalue().encode("utf-8"))
    f["controls"] = write_controls_workbook(d / "p_controls.xlsx")
    return f


CONTROL_UNIT_HEAD = ["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度", "监管部门", "值班电话", "主要负责人",
                     "技术负责人", "操作负责人"]
CONTROL_HAZARD_HEAD = ["危险源编码", "单位编码", "危险源名称", "设计最大量", "物质名称", "L", "E", "C", "事故类型",
                       "风险特征", "产生条件", "工程技术措施", "管理措施", "个体防护与应急处置措施", "管控层级",
                       "责任人",
                       "责任人电话"]


def write_controls_workbook(path: Path) -> Path:
    """A unit with the risk list's columns (issue 15): one hazard source fully described, one
    with an unknown accident type and control level, one with none of them."""
    units = [CONTROL_UNIT_HEAD,
             ["P1", "管控示例化工厂", "危险化学品", "南山区", 113.93, 22.52, "南山区应急管理局", "0755-26000000",
              "王五", "赵六", "钱七"]]
    hazards = [CONTROL_HAZARD_HEAD,
               ["PH1", "P1", "液氨储罐", "20吨", "液氨", 3, 6, 15, "中毒、火灾，其它爆炸", "液氨压力储存",
                "泄漏遇明火", "可燃有毒气体报警、紧急切断", "每班巡检", "佩戴空气呼吸器", "公司级", "孙八",
                "13912345678"],
               ["PH2", "P1", "甲醇罐", "10吨", "甲醇", 3, 6, 7, "火灾、地震", "", "", "", "", "", "总部", "", ""],
               ["PH3", "P1", "配电房", "", "", 1, 6, 7, "", "", "", "", "", "", "", "", ""]]
    return write_workbook(path, {"单位信息": units, "危险源": hazards})


def write_stray_cell_workbook(path: Path) -> Path:
    """A small unit sheet with one stray cell in Excel's last cell (XFD1048576): a parser that
    builds the sheet as one block would ask for 512 GiB."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "单位信息"
    ws.append(["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"])
    ws.append(["S1", "散落单元格", "消防", "南山区", 113.9, 22.5])
    ws.cell(row=1_048_576, column=16_384, value=1)
    wb.save(path)
    return path


def write_too_many_rows_csv(path: Path) -> Path:
    """A CSV one row longer than Excel allows (1,048,576 rows)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("单位编码,单位名称,行业领域,行政区,经度,纬度\n")
        f.write("X,单位,消防,南山区,114,22.5\n" * 1_048_576)
    return path


# --- risk databases -----------------------------------------------------------------------

def sample_survey_files(folder: Path = SAMPLE) -> list[Path]:
    """The survey files of a folder, as citysafety:import_surveys picks them from FOLDER."""
    from plugin.core.ingest.error_workbook import SUFFIX
    from plugin.core.ingest.reader import CSV_SUFFIXES, WORKBOOK_SUFFIXES

    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES | CSV_SUFFIXES
                  and not p.name.startswith(("~$", ".")) and not p.name.endswith(SUFFIX))


def import_sample_core(out: Path) -> Path:
    """The sample city's surveys imported through core alone: ``out/risk.gpkg`` (as
    citysafety:import_surveys writes it)."""
    from plugin.core.ingest.importer import import_surveys
    from plugin.core.store.riskdb import RUNS_LAYER, now_iso, plugin_version, run_log, write_layers

    db = out / "risk.gpkg"
    started = now_iso()
    files = sample_survey_files()
    result = import_surveys(files, plugin_version=plugin_version())
    assert result.balanced
    log = run_log(None, "import_surveys", summary={
        "files": len(files), "units": len(result.units), "hazards": len(result.hazards),
        "errors": int((result.issues["severity"] == "error").sum()) if len(result.issues) else 0},
        started=started)
    write_layers(db, {"units": result.units, "hazards": result.hazards, "import_issues": result.issues,
                      "import_runs": result.runs, RUNS_LAYER: log})
    return db


def sample_chain_core(db, density: Path, run=None) -> None:
    """The analysis steps of citysafety:run_all on the sample city's database ``db``, in its
    order, each through ``run(step, fn)`` where ``fn(path)`` runs the step on a database file
    (the default: ``fn(db)``, on the file itself)."""
    import pyogrio

    from plugin.core.rules import load_rules
    from plugin.core.steps import build_risk_map, cascade_database, proximity_database, score_database

    rules = load_rules()
    receptors = pyogrio.read_dataframe(SAMPLE / "receptors.gpkg", layer="receptors").to_crs(4490)
    districts = pyogrio.read_dataframe(SAMPLE / "districts.gpkg").to_crs(4490)
    run = run or (lambda step, fn: fn(db))
    run("score", lambda d: score_database(d, rules))
    run("proximity", lambda d: proximity_database(d, rules, receptors, SAMPLE / "population.tif",
                                                  receptor_source="receptors"))
    run("cascade", lambda d: cascade_database(d, rules))
    run("risk_map", lambda d: build_risk_map(d, rules, density, districts))


def analyse_sample_core(out: Path) -> Path:
    """The sample city through the core steps alone, in citysafety:run_all's order (import,
    score, proximity with receptors and the population raster, cascade, risk map with
    districts): ``out/risk.gpkg`` and ``out/risk_density.tif``. No QGIS is started; the
    QGIS lane builds the same database through citysafety:run_all (conftest.py)."""
    db = import_sample_core(out)
    sample_chain_core(db, out / "risk_density.tif")
    return db


def read_attributes(db, layer, **kw):
    """A layer's attribute table (no geometry) as a plain DataFrame."""
    import pandas as pd
    import pyogrio

    return pd.DataFrame(pyogrio.read_dataframe(db, layer=layer, read_geometry=False, **kw))


def imported_only(source, target):
    """A database as the import leaves it: survey columns of units and hazards, the issues."""
    import geopandas as gpd
    import pyogrio

    from plugin.core.ingest import schema
    from plugin.core.store import riskdb

    layers = {}
    for name, cols in (("units", [c.key for c in schema.UNIT_COLUMNS] + ["sector_zh"]),
                       ("hazards", [c.key for c in schema.HAZARD_COLUMNS] + ["sector"])):
        frame = pyogrio.read_dataframe(source, layer=name)
        keep = [c for c in dict.fromkeys(cols) if c in frame] + [frame.geometry.name]
        layers[name] = gpd.GeoDataFrame(frame[keep], geometry=frame.geometry.name, crs=frame.crs)
    layers["import_issues"] = read_attributes(source, "import_issues")
    riskdb.write_layers(target, layers)
    return target


def unit_with_everything(db) -> str:
    """A unit whose hazards have receptors around them and chains starting at them."""
    hazards = read_attributes(db, "hazards", columns=["hazard_code", "unit_code"])
    links = read_attributes(db, "hazard_receptor_links", columns=["hazard_code"])
    chains = read_attributes(db, "cascade_chains", columns=["start"])
    with_links = set(hazards.loc[hazards["hazard_code"].isin(links["hazard_code"]), "unit_code"])
    with_chains = set(hazards.loc[hazards["hazard_code"].isin(chains["start"]), "unit_code"])
    both = sorted(with_links & with_chains) or sorted(with_links)
    return both[0]


# --- QGIS (the processing and gui lanes) --------------------------------------------------

QGIS_PROCESS = "/usr/bin/qgis_process.bin"  # the wrapper passes Debian's QGIS_OPTS, which qgis_process refuses

_PROVIDER: list = []


def ensure_provider():
    """The citysafety Processing provider, registered once and again if a test removed it."""
    from qgis.core import QgsApplication

    from plugin.processing.provider import CitySafetyProvider

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("citysafety")
    if existing is None:
        _PROVIDER[:] = [CitySafetyProvider()]
        registry.addProvider(_PROVIDER[0])
        existing = _PROVIDER[0]
    return existing


def registry_without_provider():
    """The Processing registry, with any citysafety provider of another test removed."""
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("citysafety")
    if existing is not None:
        registry.removeProvider(existing)
    return registry


def run_algorithm(alg, params, feedback=None):
    """``processing.run`` of one algorithm."""
    from qgis import processing

    return processing.run(alg, params, feedback=feedback)


def analyse_sample_qgis(out: Path) -> Path:
    """The sample city through citysafety:run_all (as ``analyse_sample_core`` does through the
    core steps): ``out/risk.gpkg`` and ``out/risk_density.tif``."""
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    ensure_provider()
    db = out / "risk.gpkg"
    processing.run("citysafety:run_all", {
        "FOLDER": str(SAMPLE), "OUTPUT": str(db), "DENSITY": str(out / "risk_density.tif"),
        "DISTRICTS": str(SAMPLE / "districts.gpkg"), "LOAD_LAYERS": False,
        "RECEPTORS": f"{SAMPLE / 'receptors.gpkg'}|layername=receptors",
        "POPULATION": str(SAMPLE / "population.tif")},
        context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    return db


def venv_site() -> str:
    """The development venv's site-packages when the tests run from it, for a ``qgis`` or
    ``qgis_process`` they start; "" in the user and LTR lanes (``make test-user``,
    ``make test-ltr``), where the plugin finds its packages in the installer's folder named by
    ``$CSRM_QGIS_PROFILE``, which the subprocess inherits."""
    if sys.prefix == sys.base_prefix:
        return ""
    site = next(Path(sys.prefix, "lib").glob("python3*/site-packages"), None)
    return str(site or "")


def qgis_process_env(base: Path) -> dict:
    """Environment for ``qgis_process`` with the plugin linked into a throw-away profile
    under ``base`` and enabled."""
    plugins = base / "plugins"
    plugins.mkdir()
    os.symlink(ROOT, plugins / "city_safety_risk_map")
    env = dict(os.environ, QGIS_PLUGINPATH=str(plugins), QGIS_CUSTOM_CONFIG_PATH=str(base / "profile"),
               QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = venv_site()
    subprocess.run([QGIS_PROCESS, "plugins", "enable", "city_safety_risk_map"], env=env, check=True,
                   capture_output=True, timeout=120)
    return env


def district_workbook(district: str, out: Path, src: Path = SAMPLE / "03_工贸.xlsx", rename: str = "") -> Path:
    """A district office's own workbook: the sample workbook ``src`` with only ``district``'s
    units (所属区) and their hazard sources; ``rename`` the first unit's new name."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    units, hazards = wb["单位信息"], wb["危险源"]
    head = [c.value for c in units[1]]
    col_d, col_code, col_name = head.index("所属区") + 1, head.index("企业编码") + 1, head.index("企业名称") + 1
    codes = set()
    for row in range(units.max_row, 1, -1):
        if units.cell(row, col_d).value != district:
            units.delete_rows(row)
        else:
            codes.add(units.cell(row, col_code).value)
    if rename:
        units.cell(2, col_name).value = rename
    unit_of = [c.value for c in hazards[1]].index("企业编码") + 1
    for row in range(hazards.max_row, 1, -1):
        if hazards.cell(row, unit_of).value not in codes:
            hazards.delete_rows(row)
    wb.save(out)
    return out




def district_files(district: str, out: Path) -> list[Path]:
    """A district office's own survey files: every sample survey file with the rows of other
    districts' units and hazard sources taken out, in ``out``. The rows are found by the
    import's own record of where each came from (source_file, source_sheet, source_row); a row
    the import refused among other districts' rows (a duplicate code…) can be accepted once the
    row it clashed with is gone, so the cut repeats on its own files until only the district's
    units of the whole city's import are left."""
    import csv
    import shutil
    from collections import defaultdict

    from plugin.core.ingest.importer import import_surveys

    out.mkdir(parents=True, exist_ok=True)
    files = [Path(shutil.copy(src, out / src.name)) for src in sample_survey_files()]
    mine: set[str] | None = None  # the district's units in the whole city's import
    for _ in range(5):
        result = import_surveys(files)
        units, hazards = result.units, result.hazards
        if mine is None:
            mine = set(units.loc[units["district"] == district, "unit_code"])
        drop = defaultdict(set)  # (file, sheet) → the rows of other districts' records
        for frame in (units, hazards):
            theirs = frame.loc[~frame["unit_code"].isin(mine), ["source_file", "source_sheet", "source_row"]]
            for f, sheet, row in theirs.itertuples(index=False, name=None):
                drop[(f, sheet or "")].add(int(row))
        if not drop:
            return files
        for target in files:
            if target.suffix.lower() == ".csv":
                raw = target.read_bytes()
                encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
                rows = list(csv.reader(raw.decode(encoding).splitlines()))
                gone = set().union(*(d for k, d in drop.items() if k[0] == target.name))
                with open(target, "w", encoding=encoding, newline="") as f:
                    csv.writer(f).writerows(r for i, r in enumerate(rows, start=1) if i not in gone)
            elif any(k[0] == target.name for k in drop):
                import openpyxl

                wb = openpyxl.load_workbook(target)
                for ws in wb:
                    for row in sorted(drop[(target.name, ws.title)], reverse=True):
                        ws.delete_rows(row)
                wb.save(target)
    raise AssertionError(f"the sample files could not be cut to {district}")

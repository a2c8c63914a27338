"""citysafety:import_surveys and citysafety:survey_template through Processing, the way
the toolbox, the modeler and scripts run them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pyogrio
import pytest
from openpyxl import load_workbook

from tests.common import QGIS_PROCESS, ROOT, SHENZHEN_EXTENT, write_flat_csv, write_messy_workbook
from tests.common import run_algorithm as _run

LAYERS = ["units", "hazards", "import_issues", "import_runs", "analysis_runs"]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def surveys(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    return [write_messy_workbook(d / "a_messy.xlsx"), write_flat_csv(d / "b_flat.csv")]


def test_import_writes_its_layers(provider, surveys, tmp_path):
    out = tmp_path / "risk.gpkg"
    res = _run("citysafety:import_surveys", {"INPUT": [str(p) for p in surveys], "OUTPUT": str(out),
                                              "LOAD_LAYERS": False})
    assert Path(res["OUTPUT"]) == out
    assert [n for n, _ in pyogrio.list_layers(out)] == LAYERS + ["layer_styles"]
    assert (res["UNITS"], res["HAZARDS"], res["ROWS_READ"]) == (10, 6, 42)
    runs = pyogrio.read_dataframe(out, layer="import_runs")
    assert (runs.rows_read == runs.rows_accepted + runs.rows_rejected + runs.rows_skipped_blank
            + runs.rows_skipped_total).all()
    assert res["ROWS_REJECTED"] == int(runs.rows_rejected.sum()) == 21


def test_folder_input_and_refused_files(provider, messy_files, tmp_path):
    folder = messy_files["messy"].parent
    out = tmp_path / "risk.gpkg"
    res = _run("citysafety:import_surveys", {"FOLDER": str(folder), "OUTPUT": str(out), "LOAD_LAYERS": False})
    runs = pyogrio.read_dataframe(out, layer="import_runs")
    # Every survey file in the folder is listed; the PDF is not a survey file and is not picked up.
    assert set(runs.file) == {p.name for p in folder.iterdir() if p.suffix in (".xlsx", ".csv")}
    assert res["FILES_REFUSED"] == int((runs.status == "refused").sum()) == 9  # the stray cell one of them


def test_qgis_opens_database_without_warnings_and_with_chinese_aliases(provider, surveys, tmp_path):
    from osgeo import gdal
    from qgis.core import QgsVectorLayer

    out = tmp_path / "risk.gpkg"
    _run("citysafety:import_surveys", {"INPUT": [str(p) for p in surveys], "OUTPUT": str(out), "LOAD_LAYERS": False})
    messages = []
    gdal.PushErrorHandler(lambda cls, no, msg: messages.append(msg))
    try:
        ds = gdal.OpenEx(str(out), gdal.OF_VECTOR)
        assert ds.GetLayerCount() == len(LAYERS) + 1  # with the layer_styles table
        ds = None
    finally:
        gdal.PopErrorHandler()
    assert not [m for m in messages if "partially supported" in m or "version" in m.lower()], messages
    units = QgsVectorLayer(f"{out}|layername=units", "units", "ogr")
    assert units.isValid() and units.featureCount() == 10
    assert units.crs().authid() == "EPSG:4490"
    alias = {units.fields()[i].name(): units.attributeAlias(i) for i in range(units.fields().count())}
    assert alias["unit_code"] == "单位编码" and alias["district"] == "行政区" and alias["lon_src"] == "原始经度"
    issues = QgsVectorLayer(f"{out}|layername=import_issues", "import_issues", "ogr")
    assert issues.attributeAlias(issues.fields().indexOf("message_zh")) == "问题说明"


def test_error_workbooks_for_the_surveyor(provider, surveys, tmp_path):
    out, errs = tmp_path / "risk.gpkg", tmp_path / "errors"
    _run("citysafety:import_surveys", {"INPUT": [str(p) for p in surveys], "OUTPUT": str(out),
                                        "ERROR_WORKBOOKS": str(errs), "LOAD_LAYERS": False})
    wb = load_workbook(errs / "a_messy_问题清单.xlsx")
    ws = wb["单位信息"]
    header = [c.value for c in ws[1]]
    assert header[0] == "原行号 Row" and header[-1] == "问题说明 Problems" and "统一社会信用代码" in header
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    # The duplicate-code row, as it was, with its reason and the code cell in red.
    dup = rows[8]
    assert dup[1].value == "U1" and dup[2].value == "重复编码单位"
    assert "E_UNIT_CODE_DUPLICATE" in dup[-1].value and "a_messy.xlsx!单位信息!5" in dup[-1].value
    assert dup[1].fill.fgColor.rgb.endswith("FFC7CE")
    # A warned row (lower-case credit code) is there, its cell in yellow.
    warned = rows[6]
    assert warned[3].fill.fgColor.rgb.endswith("FFEB9C") and "W_CREDIT_CODE_LOWERCASE" in warned[-1].value
    # Accepted rows without issues are not sent back.
    assert 5 not in rows
    assert "a_messy.xlsx" not in (p.name for p in errs.iterdir())


def test_error_workbook_keeps_formula_like_text_as_text(provider, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "单位信息"
    ws.append(["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"])
    ws.append(["Q1", "=HYPERLINK(\"http://x\",\"点我\")", "农业", "南山区", 113.9, 22.5])
    wb.save(tmp_path / "f.xlsx")
    # openpyxl stores a leading '=' as a formula: write the cell as text explicitly.
    wb = load_workbook(tmp_path / "f.xlsx")
    wb.active["B2"].data_type = "s"
    wb.save(tmp_path / "f.xlsx")
    _run("citysafety:import_surveys", {"INPUT": [str(tmp_path / "f.xlsx")], "OUTPUT": str(tmp_path / "r.gpkg"),
                                        "ERROR_WORKBOOKS": str(tmp_path / "e"), "LOAD_LAYERS": False})
    ws = load_workbook(tmp_path / "e" / "f_问题清单.xlsx")["单位信息"]
    cell = ws.cell(row=2, column=3)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_cancel_keeps_the_earlier_database(provider, surveys, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    out = tmp_path / "risk.gpkg"
    _run("citysafety:import_surveys", {"INPUT": [str(surveys[1])], "OUTPUT": str(out), "LOAD_LAYERS": False})
    before = _sha(out)
    fb = QgsProcessingFeedback()
    fb.cancel()
    with pytest.raises(QgsProcessingException):
        _run("citysafety:import_surveys", {"INPUT": [str(p) for p in surveys], "OUTPUT": str(out),
                                            "LOAD_LAYERS": False}, feedback=fb)
    assert _sha(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["risk.gpkg"]


def test_failure_while_writing_keeps_the_earlier_database(tmp_path):
    import pandas as pd

    from plugin.core.store.riskdb import write_layers

    out = tmp_path / "risk.gpkg"
    write_layers(out, {"import_runs": pd.DataFrame({"file": ["a.xlsx"]})})
    before = _sha(out)
    with pytest.raises(TypeError, match="not a DataFrame"):
        write_layers(out, {"import_runs": pd.DataFrame({"file": ["b.xlsx"]}), "bad": object()})
    assert _sha(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["risk.gpkg"]


def test_template_algorithm_round_trip(provider, tmp_path):
    res = _run("citysafety:survey_template", {"SECTOR": 1, "OUTPUT": str(tmp_path / "t.xlsx")})
    wb = load_workbook(res["OUTPUT"])
    assert wb.sheetnames[:3] == ["说明", "单位信息", "危险源"]
    out = tmp_path / "r.gpkg"
    res = _run("citysafety:import_surveys", {"INPUT": [res["OUTPUT"]], "OUTPUT": str(out), "LOAD_LAYERS": False})
    assert (res["UNITS"], res["HAZARDS"], res["ERRORS"], res["WARNINGS"]) == (1, 1, 0, 0)
    assert pyogrio.read_dataframe(out, layer="units").sector[0] == "hazchem"


def test_qgis_process_lists_and_runs_the_import(qgis_process_env, surveys, tmp_path):
    env = qgis_process_env
    listing = subprocess.run([QGIS_PROCESS, "list"], env=env, capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr[-2000:]  # no crash at exit (see plugin/geostack.py)
    assert "citysafety:import_surveys" in listing.stdout and "citysafety:survey_template" in listing.stdout
    out = tmp_path / "cli.gpkg"
    args = [QGIS_PROCESS, "--json", "run", "citysafety:import_surveys", "--"]
    args += [f"INPUT={p}" for p in surveys] + [f"OUTPUT={out}", "DEFAULT_CRS=1", "LOAD_LAYERS=false"]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert result["results"]["UNITS"] == 10 and result["results"]["HAZARDS"] == 6
    assert [n for n, _ in pyogrio.list_layers(out)] == LAYERS + ["layer_styles"]
    log = result.get("log", {})
    assert "42 rows read" in json.dumps(log, ensure_ascii=False) or "42 rows read" in proc.stdout


def test_every_issue_code_through_processing(provider, messy_files, too_many_rows_csv, tmp_path):
    from plugin.core.ingest.issues import KINDS

    out = tmp_path / "risk.gpkg"
    files = [str(p) for p in messy_files.values()] + [str(too_many_rows_csv)]
    extent = f"{SHENZHEN_EXTENT[0]},{SHENZHEN_EXTENT[2]},{SHENZHEN_EXTENT[1]},{SHENZHEN_EXTENT[3]} [EPSG:4490]"
    res = _run("citysafety:import_surveys", {"INPUT": files, "OUTPUT": str(out), "EXTENT": extent,
                                              "LOAD_LAYERS": False})
    issues = pyogrio.read_dataframe(out, layer="import_issues")
    # the records' codes: their own import
    assert set(issues.code) == {c for c in KINDS if "_HD_" not in c and "_REC_" not in c}
    assert res["ERRORS"] == int((issues.severity == "error").sum())
    runs = pyogrio.read_dataframe(out, layer="import_runs")
    assert len(runs) == len(files)
    assert (runs.rows_read == runs.rows_accepted + runs.rows_rejected + runs.rows_skipped_blank
            + runs.rows_skipped_total).all()


def test_importing_twice_through_processing_gives_the_same_database(provider, surveys, tmp_path):
    import pandas as pd

    frames = []
    for k in range(2):
        out = tmp_path / f"risk{k}.gpkg"
        _run("citysafety:import_surveys", {"INPUT": [str(p) for p in surveys], "OUTPUT": str(out),
                                            "LOAD_LAYERS": False})
        frames.append({n: pyogrio.read_dataframe(out, layer=n) for n in LAYERS})
    for name in ("units", "hazards", "import_issues"):
        pd.testing.assert_frame_equal(frames[0][name], frames[1][name])
    pd.testing.assert_frame_equal(frames[0]["import_runs"].drop(columns=["started", "finished"]),
                                  frames[1]["import_runs"].drop(columns=["started", "finished"]))


def test_make_demo_script_on_the_sample_city(tmp_path):
    """What `make demo` runs: template + import of resources/sample through the plugin."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([os.sys.executable, str(ROOT / "scripts" / "demo.py"), "--out", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Balance 行数核对: OK" in proc.stdout
    assert "合计 total" in proc.stdout and "E_COORD_OUT_OF_CHINA" in proc.stdout
    assert (tmp_path / "risk.gpkg").exists() and (tmp_path / "调查表模板_全部行业.xlsx").exists()
    # the seven survey files' error workbooks, and the hidden-danger ledger's and accidents'
    assert len(list((tmp_path / "errors").glob("*_问题清单.xlsx"))) == 9
    assert (tmp_path / "风险清单.xlsx").exists() and (tmp_path / "风险告知卡.pdf").exists()
    assert "Who answers for the risk" in proc.stdout and "cards 张" in proc.stdout
    assert "现实 dynamic" in proc.stdout and "Raised 现实风险提升" in proc.stdout


def test_folder_import_skips_our_own_error_workbooks(provider, surveys, tmp_path):
    folder = surveys[0].parent
    _run("citysafety:import_surveys", {"FOLDER": str(folder), "OUTPUT": str(tmp_path / "a.gpkg"),
                                        "ERROR_WORKBOOKS": str(folder), "LOAD_LAYERS": False})
    assert any(p.name.endswith("_问题清单.xlsx") for p in folder.iterdir())
    _run("citysafety:import_surveys", {"FOLDER": str(folder), "OUTPUT": str(tmp_path / "b.gpkg"), "LOAD_LAYERS": False})
    runs = pyogrio.read_dataframe(tmp_path / "b.gpkg", layer="import_runs")
    assert sorted(runs.file) == ["a_messy.xlsx", "b_flat.csv"]


def test_a_rules_file_sets_the_values_the_import_and_the_template_allow(provider, surveys, tmp_path):
    """The RULES parameter: C = 16 no longer tolerated, L = 2 allowed — the import rejects and
    warns accordingly, the template offers the rules' values; a broken rules file stops both."""
    from qgis.core import QgsProcessingException

    from plugin.core.rules import DEFAULT_RULES

    text = DEFAULT_RULES.read_text(encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(text.replace("C_tolerated = [16]   #", "#", 1)
                     .replace("L = [10, 6, 3, 1, 0.5, 0.2, 0.1]", "L = [10, 6, 3, 2, 1, 0.5, 0.2, 0.1]", 1),
                     encoding="utf-8")
    outcome = {}
    for name, path in (("default", None), ("edited", rules)):
        out = tmp_path / f"{name}.gpkg"
        res = _run("citysafety:import_surveys", {"INPUT": [str(p) for p in surveys], "OUTPUT": str(out),
                                                  "RULES": str(path) if path else None, "LOAD_LAYERS": False})
        issues = pyogrio.read_dataframe(out, layer="import_issues")
        outcome[name] = (res["ROWS_REJECTED"], set(issues.code))
    assert "W_LEC_C16" in outcome["default"][1] and "W_LEC_C16" not in outcome["edited"][1]
    assert outcome["edited"][0] > outcome["default"][0]  # C = 16 rows are now errors

    res = _run("citysafety:survey_template", {"SECTOR": 0, "RULES": str(rules), "OUTPUT": str(tmp_path / "t.xlsx")})
    codes = load_workbook(res["OUTPUT"])["代码表"]
    offered = {col[0]: [v for v in col[1:] if v is not None] for col in codes.iter_cols(values_only=True)}
    assert offered["L 值 LEC L"] == [10, 6, 3, 2, 1, 0.5, 0.2, 0.1]

    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace('status = "verified"', 'status = "checked"', 1), encoding="utf-8")
    for alg, params in (("citysafety:import_surveys", {"INPUT": [str(p) for p in surveys],
                                                        "OUTPUT": str(tmp_path / "x.gpkg"), "LOAD_LAYERS": False}),
                        ("citysafety:survey_template", {"SECTOR": 0, "OUTPUT": str(tmp_path / "x.xlsx")})):
        with pytest.raises(QgsProcessingException, match="provenance"):
            _run(alg, {**params, "RULES": str(broken)})
    assert not (tmp_path / "x.gpkg").exists() and not (tmp_path / "x.xlsx").exists()


def test_a_missing_folder_is_refused_in_both_languages(provider, tmp_path):
    """A folder that is not there stops the import with a message, not a traceback (a missing
    file among several is a refused file of the import report instead)."""
    from qgis.core import QgsProcessingException

    out = tmp_path / "risk.gpkg"
    with pytest.raises(QgsProcessingException) as err:
        _run("citysafety:import_surveys", {"FOLDER": "/no/such/folder", "OUTPUT": str(out), "LOAD_LAYERS": False})
    assert "Survey folder not found" in str(err.value) and "找不到调查数据文件夹" in str(err.value)
    assert not out.exists()  # nothing written


def test_an_import_of_only_hostile_files_ends_with_its_report(provider, tmp_path):
    """Nothing could be read: the algorithm stops with one message naming every refused file
    and why (no database is written over an earlier one), and the error workbooks say it too."""
    from qgis.core import QgsProcessingException

    from tests.common import write_stray_cell_workbook

    stray = write_stray_cell_workbook(tmp_path / "stray.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(stray.read_bytes()[:500])
    out, errors = tmp_path / "risk.gpkg", tmp_path / "errors"
    with pytest.raises(QgsProcessingException) as err:
        _run("citysafety:import_surveys", {"INPUT": [str(stray), str(broken)], "OUTPUT": str(out),
                                           "ERROR_WORKBOOKS": str(errors), "LOAD_LAYERS": False})
    message = str(err.value)
    assert "stray.xlsx" in message and "column 16,384 (XFD)" in message and "第 16,384 列" in message
    assert "broken.xlsx" in message and "damaged" in message
    assert not out.exists()
    written = sorted(p.name for p in errors.iterdir())
    assert written == ["broken_问题清单.xlsx", "stray_问题清单.xlsx"]
    wb = load_workbook(errors / "stray_问题清单.xlsx")
    assert any("E_FILE_LIMIT" in str(c.value) for row in wb["文件问题"].iter_rows() for c in row)


def test_a_report_from_a_read_only_database_is_written_with_a_warning(provider, analysed_db, tmp_path):
    """The reports are the product: a database the user may only read gives them, and the run
    log that could not be recorded is a warning, not a failure."""
    if os.geteuid() != 0:
        pytest.skip("a read-only mount needs root")
    import shutil

    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(ro)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        db = ro / "risk.gpkg"
        shutil.copy(analysed_db, db)
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        xlsx = tmp_path / "report.xlsx"
        res = _run("citysafety:export_report", {"INPUT": str(db), "XLSX": str(xlsx)})
        assert res["XLSX"] == str(xlsx) and xlsx.is_file()
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False)

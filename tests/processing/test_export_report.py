"""citysafety:export_report through Processing and qgis_process: the workbook and the PDF
from a risk database, the run recorded in the database, and refusals with a reason."""

from __future__ import annotations

import json
import subprocess

import pyogrio
import pytest
from openpyxl import load_workbook

from plugin.core import riskdb
from tests.conftest import SAMPLE
from tests.processing.test_import_surveys import QGIS_PROCESS, _run, qgis_process_env  # noqa: F401

SHEETS = ["概览", "重大风险单位", "较大风险单位", "敏感目标", "多米诺链", "数据质量", "方法说明"]


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_export_report_writes_both_and_logs_the_run(provider, analysed_db, tmp_path):
    xlsx, pdf = tmp_path / "报告.xlsx", tmp_path / "报告.pdf"
    res = _run("citysafety:export_report", {"INPUT": str(analysed_db), "XLSX": str(xlsx), "PDF": str(pdf),
                                            "TITLE": "深圳市城市安全风险评估报告"})
    districts = pyogrio.read_dataframe(analysed_db, layer="district_summary", read_geometry=False)
    assert res["PAGES"] == _pages(pdf) == 1 + len(districts) == 11
    text = _text(pdf)
    assert "深圳市城市安全风险评估报告" in text and all(d in text for d in districts["district"])
    wb = load_workbook(xlsx)
    assert wb.sheetnames == SHEETS
    units = pyogrio.read_dataframe(analysed_db, layer="units", read_geometry=False)
    level1 = set(units.loc[units["level"] == 1, "unit_code"])
    ws = wb["重大风险单位"]
    head = [c.value for c in ws[1]]
    col = head.index("Unit code")
    assert {r[col] for r in ws.iter_rows(min_row=2, values_only=True)} == level1
    runs = riskdb.read_runs(analysed_db)
    assert runs["step"].iloc[-1] == "export_report"
    assert json.loads(runs["summary"].iloc[-1])["pages"] == 11


def test_export_report_needs_an_output_and_a_scored_database(provider, tmp_path, analysed_db):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="Choose an Excel report"):
        _run("citysafety:export_report", {"INPUT": str(analysed_db)})
    db = tmp_path / "imported.gpkg"
    _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "LOAD_LAYERS": False})
    earlier = tmp_path / "earlier.xlsx"
    earlier.write_bytes(b"earlier report")
    with pytest.raises(QgsProcessingException, match="not scored yet"):
        _run("citysafety:export_report", {"INPUT": str(db), "XLSX": str(earlier)})
    assert earlier.read_bytes() == b"earlier report"


def test_run_all_ends_with_the_report(provider, tmp_path):
    out = tmp_path
    res = _run("citysafety:run_all", {
        "FOLDER": str(SAMPLE), "OUTPUT": str(out / "risk.gpkg"), "DENSITY": str(out / "d.tif"),
        "DISTRICTS": str(SAMPLE / "districts.gpkg"), "LOAD_LAYERS": False,
        "REPORT_XLSX": str(out / "report.xlsx"), "REPORT_PDF": str(out / "report.pdf")})
    assert res["PAGES"] == 11 and res["REPORT_PDF"] == str(out / "report.pdf")
    assert _pages(out / "report.pdf") == 11 and load_workbook(out / "report.xlsx").sheetnames == SHEETS
    assert list(riskdb.read_runs(out / "risk.gpkg")["step"])[-1] == "export_report"


def test_qgis_process_export_report(qgis_process_env, analysed_db, tmp_path):  # noqa: F811
    args = [QGIS_PROCESS, "--json", "run", "citysafety:export_report", "--", f"INPUT={analysed_db}",
            f"XLSX={tmp_path / 'r.xlsx'}", f"PDF={tmp_path / 'r.pdf'}"]
    proc = subprocess.run(args, env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index("{"):])["results"]
    assert result["PAGES"] == 11 and _pages(tmp_path / "r.pdf") == 11
    assert "城市安全风险" in _text(tmp_path / "r.pdf") or "City Safety Risk Report" in _text(tmp_path / "r.pdf")

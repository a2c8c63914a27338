"""citysafety:export_report through Processing and qgis_process: the workbook and the PDF
from a risk database, the run recorded in the database, and refusals with a reason."""

from __future__ import annotations

import json
import subprocess

import pyogrio
import pytest
from openpyxl import load_workbook

from plugin.core.store import riskdb
from tests.common import QGIS_PROCESS, SAMPLE
from tests.common import run_algorithm as _run

SHEETS = ["概览", "重大风险单位", "较大风险单位", "管控责任", "管控缺失", "隐患督办", "敏感目标", "多米诺链",
          "数据质量", "方法说明"]


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
    # who answers for the risk: the district rows and their total are the database's counts,
    # and 管控缺失 lists every finding
    findings = pyogrio.read_dataframe(analysed_db, layer="control_findings", read_geometry=False)
    rows = list(wb["管控责任"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "District")
    cols = rows[head]
    by_district = {r[0]: dict(zip(cols, r)) for r in rows[head + 1: head + 2 + len(districts)]}
    want = districts.set_index("district")
    for name, row in by_district.items():
        if name == "Total":
            assert row["Risk points without controls"] == (findings.code == "W_CONTROLS_MISSING").sum() > 0
            assert row["Major hazard sources without their three responsible people"] == \
                (findings.code == "W_MAJOR_PEOPLE_MISSING").sum() > 0
        else:
            assert row["Risk points without a responsible person"] == want.loc[name, "n_person_missing"], name
    listed = list(wb["管控缺失"].iter_rows(min_row=2, values_only=True))
    assert sorted((r[0], r[4], r[6] or "") for r in listed) == \
        sorted(zip(findings.code, findings.unit_code, findings.hazard_code.fillna("")))
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


def test_qgis_process_export_report(qgis_process_env, analysed_db, tmp_path):
    args = [QGIS_PROCESS, "--json", "run", "citysafety:export_report", "--", f"INPUT={analysed_db}",
            f"XLSX={tmp_path / 'r.xlsx'}", f"PDF={tmp_path / 'r.pdf'}"]
    proc = subprocess.run(args, env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index("{"):])["results"]
    assert result["PAGES"] == 11 and _pages(tmp_path / "r.pdf") == 11
    assert "城市安全风险" in _text(tmp_path / "r.pdf") or "City Safety Risk Report" in _text(tmp_path / "r.pdf")


def _stamp(paths):
    return {p: p.read_bytes() for p in paths}


def test_a_report_after_rescoring_without_the_map_is_refused(provider, analysed_db, tmp_path):
    """Scoring again brings the levels back to the survey's (no upgrades), so the risk map and
    district summary no longer match the units: the report refuses rather than mix them."""
    from qgis.core import QgsProcessingException

    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    xlsx.write_bytes(b"earlier xlsx")
    pdf.write_bytes(b"earlier pdf")
    _run("citysafety:score", {"INPUT": str(analysed_db)})
    with pytest.raises(QgsProcessingException, match="run citysafety:risk_map again"):
        _run("citysafety:export_report", {"INPUT": str(analysed_db), "XLSX": str(xlsx), "PDF": str(pdf)})
    assert xlsx.read_bytes() == b"earlier xlsx" and pdf.read_bytes() == b"earlier pdf"
    _run("citysafety:risk_map", {"INPUT": str(analysed_db), "DENSITY": str(tmp_path / "d.tif"),
                                 "LOAD_LAYERS": False})
    _run("citysafety:export_report", {"INPUT": str(analysed_db), "XLSX": str(xlsx)})
    wb = load_workbook(xlsx)
    # proximity and cascade results went with the re-score: their sheets say so, list nothing
    assert wb["敏感目标"].max_row <= 3 and wb["多米诺链"].max_row <= 3


def test_a_pdf_without_a_risk_map_is_refused_before_anything_is_written(provider, tmp_path):
    from qgis.core import QgsProcessingException

    db = tmp_path / "scored.gpkg"
    _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "LOAD_LAYERS": False})
    _run("citysafety:score", {"INPUT": str(db)})
    xlsx = tmp_path / "r.xlsx"
    with pytest.raises(QgsProcessingException, match="no risk map yet"):
        _run("citysafety:export_report", {"INPUT": str(db), "XLSX": str(xlsx), "PDF": str(tmp_path / "r.pdf")})
    assert not xlsx.exists()
    _run("citysafety:export_report", {"INPUT": str(db), "XLSX": str(xlsx)})  # Excel alone needs no map
    assert load_workbook(xlsx).sheetnames == SHEETS


@pytest.mark.parametrize("cancel_at", ["excel", "pdf"])
def test_cancel_leaves_both_earlier_reports(provider, analysed_db, tmp_path, cancel_at):
    """A cancel while the workbook or the PDF is written keeps both earlier files byte for byte
    and leaves no temporary files."""
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    _run("citysafety:export_report", {"INPUT": str(analysed_db), "XLSX": str(xlsx), "PDF": str(pdf)})
    before = _stamp([xlsx, pdf])
    feedback = QgsProcessingFeedback()
    trigger = "Writing" if cancel_at == "excel" else ".pdf"

    def info(text):
        if trigger in text and (cancel_at == "excel" or text.endswith(".pdf")):
            feedback.cancel()

    feedback.pushInfo = info
    with pytest.raises(QgsProcessingException, match=r"Cancelled|已取消"):
        processing.run("citysafety:export_report", {"INPUT": str(analysed_db), "XLSX": str(xlsx), "PDF": str(pdf)},
                       context=QgsProcessingContext(), feedback=feedback)
    assert _stamp([xlsx, pdf]) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".part", ".tmp") or ".part" in p.name) == []


def test_reports_and_database_are_readable_by_others(provider, analysed_db, tmp_path):
    """Files written through a temporary file get the permissions of a new file (umask), not
    mkstemp's 0600."""
    import os
    import stat

    mask = os.umask(0o022)
    try:
        xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
        _run("citysafety:export_report", {"INPUT": str(analysed_db), "XLSX": str(xlsx), "PDF": str(pdf)})
        _run("citysafety:score", {"INPUT": str(analysed_db)})
        for p in (xlsx, pdf, analysed_db):
            assert stat.S_IMODE(p.stat().st_mode) == 0o644, p
    finally:
        os.umask(mask)


def test_title_heads_the_workbook_and_the_chart_hides_no_table(provider, analysed_db, tmp_path):
    xlsx = tmp_path / "r.xlsx"
    _run("citysafety:export_report", {"INPUT": str(analysed_db), "XLSX": str(xlsx),
                                      "TITLE": "深圳市城市安全风险评估报告"})
    ws = load_workbook(xlsx)["概览"]
    assert ws["A1"].value == "深圳市城市安全风险评估报告"
    (chart,) = ws._charts
    widest = max(sum(1 for c in row if c.value is not None) for row in ws.iter_rows())
    assert chart.anchor._from.col >= widest  # drawn right of every table of the sheet

"""citysafety:import_hidden_dangers (issue 16): a ledger of hidden dangers into the risk
database through Processing and qgis_process — the records, the issues with the right reason,
the balance, the error workbook, and a clear refusal of a bad database."""

from __future__ import annotations

import subprocess

import pyogrio
import pytest
from openpyxl import Workbook, load_workbook

from tests.common import QGIS_PROCESS


def _run(params):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    return processing.run("citysafety:import_hidden_dangers", params, context=QgsProcessingContext(),
                          feedback=QgsProcessingFeedback())


def _ledger(path, unit):
    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    ws.append(["隐患编号", "单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期", "整改期限"])
    ws.append(["Y1", unit, "储罐区可燃气体报警器失效", "重大隐患", "整改中", "2026-03-05", "2026-04-05"])
    ws.append(["Y2", unit, "安全出口堵塞", "一般隐患", "已销号", "2026-02-01", "2026-02-10"])
    ws.append(["Y3", "NO-SUCH-UNIT", "单位不存在", "一般隐患", "未整改", "2026-02-01", ""])
    wb.save(path)
    return path


def _a_unit(db):
    return str(pyogrio.read_dataframe(db, layer="units", columns=["unit_code"], read_geometry=False)["unit_code"][0])


def test_a_ledger_lands_in_the_database_with_its_issues(provider, analysed_db, tmp_path):
    ledger = _ledger(tmp_path / "隐患台账.xlsx", _a_unit(analysed_db))
    out = _run({"INPUT": str(analysed_db), "FILES": [str(ledger)], "ERROR_WORKBOOKS": str(tmp_path / "errors")})
    assert (out["RECORDS"], out["MAJOR"], out["ROWS_READ"], out["ROWS_REJECTED"], out["ERRORS"]) == (2, 1, 3, 1, 1)
    stored = pyogrio.read_dataframe(analysed_db, layer="hidden_dangers", read_geometry=False)
    assert list(stored["status_zh"]) == ["整改中", "已销号"]
    issues = pyogrio.read_dataframe(analysed_db, layer="hidden_danger_issues", read_geometry=False)
    assert list(issues["code"]) == ["E_REC_UNIT_UNKNOWN"] and int(issues["row"][0]) == 4
    workbook = load_workbook(tmp_path / "errors" / "隐患台账_问题清单.xlsx")
    assert "隐患台账" in workbook.sheetnames


def test_qgis_process_runs_it(qgis_process_env, analysed_db, tmp_path):
    ledger = _ledger(tmp_path / "hd.xlsx", _a_unit(analysed_db))
    done = subprocess.run([QGIS_PROCESS, "run", "citysafety:import_hidden_dangers", "--", f"INPUT={analysed_db}",
                           f"FILES={ledger}"], env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RECORDS:\t2" in done.stdout and "ROWS_REJECTED:\t1" in done.stdout


@pytest.mark.parametrize("what", ["missing", "not_a_database"])
def test_a_bad_database_is_refused_in_both_languages(provider, tmp_path, what):
    from qgis.core import QgsProcessingException

    db = tmp_path / "risk.gpkg"
    if what == "not_a_database":
        db.write_text("not sqlite")
    ledger = _ledger(tmp_path / "hd.xlsx", "U1")
    with pytest.raises(QgsProcessingException) as err:
        _run({"INPUT": str(db), "FILES": [str(ledger)]})
    assert "风险数据库" in str(err.value) or "risk.gpkg" in str(err.value)
    assert " / " in str(err.value)


def test_accident_records_land_in_their_own_tables(provider, analysed_db, tmp_path):
    from qgis import processing

    unit = _a_unit(analysed_db)
    wb = Workbook()
    wb.active.append(["事故编号", "单位编码", "事故日期", "事故类型", "死亡人数", "重伤人数", "直接经济损失（万元）"])
    wb.active.append(["SG1", unit, "2026-03-05", "火灾", 3, 0, 120])
    wb.active.append(["SG2", unit, "2026-13-45", "火灾", 0, 0, 0])
    wb.save(tmp_path / "事故.xlsx")
    out = processing.run("citysafety:import_accidents",
                         {"INPUT": str(analysed_db), "FILES": [str(tmp_path / "事故.xlsx")]})
    assert (out["RECORDS"], out["DEATHS"], out["ROWS_READ"], out["ROWS_REJECTED"]) == (1, 3, 2, 1)
    stored = pyogrio.read_dataframe(analysed_db, layer="accidents", read_geometry=False)
    assert list(stored["grade_zh"]) == ["较大事故"]
    issues = pyogrio.read_dataframe(analysed_db, layer="accident_issues", read_geometry=False)
    assert list(issues["code"]) == ["E_REC_DATE_INVALID"] and int(issues["row"][0]) == 3


def test_the_template_algorithm_writes_a_ledger_that_imports(provider, analysed_db, tmp_path):
    """citysafety:survey_template's KIND: the hidden-danger ledger; filled with a unit of the
    database in place of the example's, it imports without an issue."""
    from qgis import processing

    out = processing.run("citysafety:survey_template", {"KIND": 1, "OUTPUT": str(tmp_path / "台账.xlsx")})
    wb = load_workbook(out["OUTPUT"])
    assert "隐患台账" in wb.sheetnames
    wb["隐患台账"]["B3"] = _a_unit(analysed_db)
    wb["隐患台账"]["C3"] = None  # the example's hazard source is no hazard source of that unit
    wb.save(tmp_path / "filled.xlsx")
    done = _run({"INPUT": str(analysed_db), "FILES": [str(tmp_path / "filled.xlsx")]})
    assert (done["RECORDS"], done["MAJOR"], done["ERRORS"], done["WARNINGS"]) == (1, 1, 0, 0)

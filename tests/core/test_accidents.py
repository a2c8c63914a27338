"""Accident records (事故记录) into the risk database (plugin/core/ingest/records.py,
steps.import_accidents; docs/hidden_dangers.md §4): the rows with their reasons, the grade by
the toll (《生产安全事故报告和调查处理条例》第三条) at its edges, and the dynamic raise they feed."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import Workbook

from plugin.core import steps
from plugin.core.ingest.records import accident_grade, import_accidents
from plugin.core.rules import load_rules
from tests.common import read_attributes

HEAD = ["事故编号", "单位编码", "事故发生时间", "事故类别", "死亡人数", "重伤人数", "轻伤人数", "直接经济损失（万元）",
        "事故经过"]


@pytest.fixture
def db(analysed_db_session, tmp_path):
    target = tmp_path / "risk.gpkg"
    shutil.copyfile(analysed_db_session, target)
    return target


def _workbook(path, rows, head=HEAD):
    wb = Workbook()
    ws = wb.active
    ws.title = "事故记录"
    ws.append(["2026年生产安全事故统计"])
    ws.append(list(head))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


@pytest.mark.parametrize(("deaths", "serious", "loss", "grade"), [
    (0, 0, 0, "一般事故"), (2, 9, 999.9, "一般事故"),
    (3, 0, 0, "较大事故"), (0, 10, 0, "较大事故"), (0, 0, 1000, "较大事故"),
    (9, 49, 4999, "较大事故"), (10, 0, 0, "重大事故"), (0, 50, 0, "重大事故"), (0, 0, 5000, "重大事故"),
    (29, 99, 9999, "重大事故"), (30, 0, 0, "特别重大事故"), (0, 100, 0, "特别重大事故"), (0, 0, 10000, "特别重大事故"),
    (None, None, None, "一般事故"),
])
def test_the_grade_follows_the_regulation_at_its_edges(deaths, serious, loss, grade):
    _ids, names = accident_grade([deaths if deaths is not None else float("nan")],
                                 [serious if serious is not None else float("nan")],
                                 [loss if loss is not None else float("nan")])
    assert names[0] == grade


def test_rows_are_accepted_or_rejected_with_their_reasons(db, tmp_path):
    units = read_attributes(db, "units", columns=["unit_code"])["unit_code"].tolist()
    u0, u1 = units[:2]
    path = _workbook(tmp_path / "sg.xlsx", [
        ["SG1", u0, "2026-03-05", "火灾、中毒和窒息", 1, 2, 3, "35.5万元", "动火作业引发火灾"],   # row 3
        ["SG2", u1, "2026年2月1日", "高处坠落", 0, 1, 0, 12, ""],                                   # row 4
        ["SG3", "NO-SUCH-UNIT", "2026-02-01", "火灾", 0, 0, 0, 0, ""],                               # row 5
        ["SG4", u0, "昨天", "火灾", 0, 0, 0, 0, ""],                                                 # row 6
        ["SG5", u0, "2026-02-01", "外星人袭击", "两人", 0, 0, 0, ""],                                 # row 7
        ["SG1", u1, "2026-02-01", "火灾", 0, 0, 0, 0, ""],                                           # row 8
        ["SG6", u1, "2030-01-01", "坍塌", 3, 0, 0, 0, ""],                                           # row 9
    ])
    units_ok = read_attributes(db, "units", columns=["unit_code"])["unit_code"].astype(str)
    r = import_accidents([path], load_rules(), units=units_ok, today="2026-12-06")
    assert r.balanced
    assert list(r.records["accident_code"]) == ["SG1", "SG2", "SG6"]
    first = r.records.iloc[0]
    assert first["accident_type"] == "火灾、中毒和窒息" and first["direct_loss"] == 35.5
    assert first["date"] == "2026-03-05"
    assert list(r.records["grade_zh"]) == ["一般事故", "一般事故", "较大事故"]
    by_row = {(c, int(row)) for c, row in zip(r.issues["code"], r.issues["row"])}
    assert {("E_REC_UNIT_UNKNOWN", 5), ("E_REC_DATE_INVALID", 6), ("E_NUMBER_INVALID", 7),
            ("W_ACCIDENT_TYPE_UNKNOWN", 7), ("E_REC_CODE_DUPLICATE", 8), ("W_REC_DATE_FUTURE", 9)} <= by_row
    dup = r.issues[r.issues.code == "E_REC_CODE_DUPLICATE"].iloc[0]
    assert "事故编号" in dup["message_zh"] and "duplicated" in dup["message_en"]
    assert int(r.runs["rows_read"][0]) == 7 and int(r.runs["rows_rejected"][0]) == 4


def test_an_accident_within_twelve_months_raises_its_unit_to_the_day(db, tmp_path):
    unit = read_attributes(db, "units", columns=["unit_code", "level"]).query("level >= 3").unit_code.iloc[0]
    ledger = _workbook(tmp_path / "sg.xlsx", [["SG1", unit, "2025-04-01", "火灾", 1, 0, 0, 5, ""]])
    steps.import_accidents(db, [ledger], load_rules())
    stored = read_attributes(db, "accidents")
    assert list(stored["unit_code"]) == [unit] and list(stored["grade"]) == ["general"]
    raised = {}
    for day in ("2026-03-31", "2026-04-01"):  # 12 months to the day: the window has closed
        steps.dynamic_risk(db, load_rules(), day)
        units = read_attributes(db, "units", columns=["unit_code", "raise_accident", "reason_accident"])
        row = units.set_index("unit_code").loc[unit]
        raised[day] = int(row["raise_accident"])
    assert raised == {"2026-03-31": 1, "2026-04-01": 0}

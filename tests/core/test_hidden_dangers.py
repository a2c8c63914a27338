"""Hidden-danger records (隐患) into the risk database: header matching, row-level bilingual
issues, every row accounted for, the records checked against the database's units
(plugin/core/ingest/records.py, steps.import_hidden_dangers; docs/hidden_dangers.md)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from openpyxl import Workbook

from plugin.core import steps
from plugin.core.errors import PipelineError
from plugin.core.ingest.issues import KINDS
from plugin.core.ingest.records import import_hidden_dangers
from plugin.core.rules import load_rules
from plugin.core.store import riskdb
from tests.common import read_attributes

HEAD = ["隐患编号", "单位编码", "危险源编码", "隐患描述", "隐患等级", "整改状态", "发现日期", "整改期限",
        "整改完成日期", "隐患来源", "检查人"]


@pytest.fixture
def db(analysed_db_session, tmp_path):
    target = tmp_path / "risk.gpkg"
    shutil.copyfile(analysed_db_session, target)
    return target


def _codes(db):
    units = read_attributes(db, "units", columns=["unit_code"])["unit_code"].tolist()
    hz = read_attributes(db, "hazards", columns=["hazard_code", "unit_code"])
    return units, hz


def _workbook(path, rows, title="隐患台账", head=HEAD, above=("某区隐患排查治理台账",)):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for line in above:  # a title above the header, as ledgers have
        ws.append([line])
    ws.append(list(head))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_rows_are_accepted_rejected_or_skipped_with_their_reasons(db, tmp_path):
    units, hz = _codes(db)
    u0, u1 = units[0], units[1]
    h0 = hz.loc[hz.unit_code == u0, "hazard_code"].iloc[0]
    rows = [
        ["Y1", u0, h0, "可燃气体报警器失效", "重大隐患", "整改中", "2026-03-05", "2026-04-05", "", "执法检查", "王"],
        ["Y2", u1, "", "安全通道堵塞", "一般", "已销号", "2026年3月1日", "2026-03-10", "2026-03-08", "企业自查", ""],
        ["Y1", u0, "", "编号重复", "重大", "未整改", "2026-05-01", "", "", "", ""],          # row 5
        ["Y3", "NO-SUCH-UNIT", "", "单位不存在", "重大", "未整改", "2026-05-01", "", "", "", ""],  # row 6
        ["Y4", u0, "", "等级不明", "特大", "未整改", "2026-05-01", "", "", "", ""],          # row 7
        ["Y5", u0, "", "状态不明", "一般", "处理中", "2026-05-01", "", "", "", ""],           # row 8
        ["Y6", u0, "", "", "一般", "未整改", "2026-05-01", "", "", "", ""],                   # row 9: no description
        ["Y7", u0, "", "日期错误", "一般", "未整改", "三月", "", "", "", ""],                  # row 10
        ["Y8", u1, "ELSEWHERE", "危险源不是该单位的", "一般", "已整改", "2026-02-01", "", "2026-01-20", "", ""],
        [None] * 11,
        ["合计", "", "", "", "", "", "", "", "", "", ""],
    ]
    result = import_hidden_dangers([_workbook(tmp_path / "隐患.xlsx", rows)], load_rules(), units=units, hazards=hz)
    rec = result.records
    assert list(rec["danger_code"]) == ["Y1", "Y2", "Y8"]
    assert list(rec["grade"]) == ["major", "general", "general"] and list(rec["grade_zh"]) == ["重大隐患", "一般隐患",
                                                                                                 "一般隐患"]
    assert list(rec["status"]) == ["in_progress", "closed", "rectified"]
    assert rec.loc[1, "found_date"] == "2026-03-01" and rec.loc[0, "rectified_date"] == ""
    assert rec.loc[0, "extra"] == '{"检查人":"王"}' and rec.loc[0, "source_row"] == 3
    got = {(int(r.row), r.code) for r in result.issues.itertuples()}
    assert {(5, "E_REC_CODE_DUPLICATE"), (6, "E_REC_UNIT_UNKNOWN"), (7, "E_HD_GRADE_UNKNOWN"),
            (8, "E_HD_STATUS_UNKNOWN"), (9, "E_REQUIRED_MISSING"), (10, "E_REC_DATE_INVALID"),
            (11, "W_REC_HAZARD_UNKNOWN"), (11, "W_HD_DATES_ORDER")} <= got
    issue = result.issues[result.issues.code == "E_REC_UNIT_UNKNOWN"].iloc[0]
    assert "NO-SUCH-UNIT" in issue.message_zh and "not a unit of the risk database" in issue.message_en
    assert issue.column == "B" and issue.sheet == "隐患台账"
    run = result.runs.iloc[0]
    assert (run.rows_read, run.rows_accepted, run.rows_rejected, run.rows_skipped_blank, run.rows_skipped_total) == \
        (11, 3, 6, 1, 1)
    assert result.balanced and run.status == "imported_with_errors"
    # every code of the records reached (W_REC_DATE_FUTURE: tests/core/test_accidents.py)
    assert {c for c in KINDS if "_HD_" in c or "_REC_" in c} - {"W_REC_DATE_FUTURE"} <= set(result.issues.code)


def test_english_headers_and_aliases_are_read(tmp_path):
    head = ["unit id", "description", "grade", "status", "date found", "deadline"]
    path = _workbook(tmp_path / "hd.xlsx", [["U1", "blocked exit", "general", "being rectified", "2026-1-5",
                                              "2026/02/05"]], head=head, above=())
    rec = import_hidden_dangers([path], load_rules()).records
    assert rec.loc[0, "status"] == "in_progress" and rec.loc[0, "deadline"] == "2026-02-05"


def test_a_sheet_without_a_required_column_and_a_survey_workbook_are_refused(tmp_path):
    bad = _workbook(tmp_path / "no_grade.xlsx", [["Y1", "U1", "", "x", "未整改", "2026-01-01"]],
                    head=["隐患编号", "单位编码", "危险源编码", "隐患描述", "整改状态", "发现日期"])
    other = _workbook(tmp_path / "units.xlsx", [["U1", "某公司"]], head=["单位编码", "单位名称"], above=())
    result = import_hidden_dangers([bad, other], load_rules())
    assert result.records.empty and result.balanced
    assert set(result.runs["status"]) == {"refused"}
    codes = set(result.issues["code"])
    assert "E_FILE_MISSING_COLUMN" in codes and "E_FILE_NO_HEADER" in codes
    assert result.runs.set_index("file").loc["no_grade.xlsx", "rows_rejected"] == 1


def test_the_step_writes_the_records_into_the_database_and_replaces_them(db, tmp_path):
    units, _ = _codes(db)
    first = _workbook(tmp_path / "a.xlsx", [
        ["Y1", units[0], "", "d", "重大隐患", "未整改", "2026-03-05", "", "", "", ""],
        ["Y2", units[1], "", "d", "一般隐患", "整改中", "2026-03-05", "", "", "", ""]])
    before = riskdb.state(db)
    result = steps.import_hidden_dangers(db, [first], load_rules())
    assert len(result.records) == 2
    stored = read_attributes(db, "hidden_dangers")
    assert list(stored["danger_code"]) == ["Y1", "Y2"] and list(stored["grade_zh"]) == ["重大隐患", "一般隐患"]
    assert len(read_attributes(db, "hidden_danger_imports")) == 1
    assert riskdb.state(db).version == before.version + 1
    runs = riskdb.read_runs(db)
    assert runs.iloc[-1]["step"] == "import_hidden_dangers" and '"major": 1' in runs.iloc[-1]["summary"]
    second = _workbook(tmp_path / "b.xlsx", [
        ["Y9", units[2], "", "d", "一般隐患", "已整改", "2026-04-01", "", "2026-04-02", "", ""]])
    steps.import_hidden_dangers(db, [second], load_rules())
    assert list(read_attributes(db, "hidden_dangers")["danger_code"]) == ["Y9"]  # the new import replaces


def test_a_database_without_units_is_refused(tmp_path):
    db = tmp_path / "empty.gpkg"
    riskdb.write_layers(db, {"notes": pd.DataFrame({"x": [1]})})
    with pytest.raises(PipelineError):
        steps.import_hidden_dangers(db, [], load_rules())

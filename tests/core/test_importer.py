"""The import pipeline: every row ends in one place, every issue code is reachable,
messy values land as numbers a reader can trust."""

import json

import numpy as np
import pandas as pd
import pytest

from plugin.core import coords
from plugin.core.ingest.importer import ImportOptions, import_surveys
from plugin.core.ingest.issues import KINDS
from plugin.core.ingest.template import write_template
from tests.common import SHENZHEN_EXTENT, write_flat_csv, write_messy_workbook, write_workbook


@pytest.fixture
def messy(tmp_path):
    files = [write_messy_workbook(tmp_path / "a_messy.xlsx"), write_flat_csv(tmp_path / "b_flat.csv")]
    return import_surveys(files, ImportOptions(survey_extent=SHENZHEN_EXTENT))


def _issue(result, code, **match):
    rows = result.issues[result.issues.code == code]
    for k, val in match.items():
        rows = rows[rows[k] == val]
    assert len(rows) == 1, f"{code} {match}: {len(rows)} rows\n{result.issues[result.issues.code == code]}"
    return rows.iloc[0]


def test_every_issue_code_is_reached(messy_files, too_many_rows_csv):
    files = list(messy_files.values()) + [too_many_rows_csv]
    r = import_surveys(files, ImportOptions(survey_extent=SHENZHEN_EXTENT))
    # every code but the records' (tests/core/test_hidden_dangers.py and test_accidents.py reach those)
    assert set(r.issues.code) == {c for c in KINDS if "_HD_" not in c and "_REC_" not in c}
    assert r.balanced
    # Every issue names its file and says what is wrong in both languages.
    assert (r.issues.file != "").all() and (r.issues.message_zh != "").all() and (r.issues.message_en != "").all()


def test_refused_files_get_one_issue_each_and_the_rest_import(messy_files):
    r = import_surveys(list(messy_files.values()))
    refused = r.runs[r.runs.status == "refused"]
    assert set(refused.file) == {"c_copy_of_messy.xlsx", "d_not_a_workbook.xlsx", "e_report.pdf", "f_encrypted.xlsx",
                                 "g_truncated.xlsx", "h_empty.xlsx", "i_bad_encoding.csv", "j_no_header.xlsx",
                                 "k_missing_column.xlsx", "l_does_not_exist.xlsx", "n_stray_cell.xlsx"}
    per_file = r.issues[r.issues.file.isin(refused.file)].groupby("file").size()
    assert (per_file == 1).all()
    assert set(r.units.unit_code) >= {"U1", "F1"}
    dup = _issue(r, "E_FILE_DUPLICATE")
    assert dup.related == "a_messy.xlsx"


def test_conservation_per_file(messy):
    runs = messy.runs.set_index("file")
    a = runs.loc["a_messy.xlsx"]
    # 19 unit rows + 17 hazard rows below the headers.
    assert (a.rows_read, a.rows_accepted, a.rows_rejected, a.rows_skipped_blank,
            a.rows_skipped_total) == (36, 11, 21, 2, 2)
    assert (a.units_accepted, a.hazards_accepted) == (8, 3)
    b = runs.loc["b_flat.csv"]
    assert (b.rows_read, b.rows_accepted, b.rows_rejected, b.rows_skipped_blank,
            b.rows_skipped_total) == (6, 4, 0, 1, 1)
    assert messy.balanced
    # Each rejected row has at least one error issue on that row.
    errors = messy.issues[(messy.issues.severity == "error") & messy.issues.row.notna()]
    assert errors.groupby(["file", "sheet", "row"]).ngroups == int(messy.runs.rows_rejected.sum())


def test_accepted_values_are_clean(messy):
    u = messy.units.set_index("unit_code")
    assert (u.loc["U2", "lon"] == pytest.approx(113.95)
            and u.loc["U2", "lat"] == pytest.approx(22 + 32 / 60 + 10.5 / 3600))
    assert u.loc["U2", "lon_src"] == "１１３．９５" and u.loc["U2", "employees"] == 1200
    assert u.loc["U2", "credit_code"] == "91110000600037341L" and u.loc["U2", "survey_date"] == "2024-03-05"
    assert u.loc["U1", "survey_date"] == "2024-03-05"  # Excel serial 45356
    assert (u.loc["U3", "lon"], u.loc["U3", "lat"]) == (113.85, 22.61)  # swapped back
    assert u.loc["U19", "name"] == "十九号" and u.loc["U19", "employees"] == 30  # spaces, full-width
    assert json.loads(u.loc["U1", "extra"]) == {"自定义字段": "甲", "联系电话": "x"}
    assert u.loc["U1", "sector"] == "hazchem" and u.loc["U2", "sector"] == "gas"
    h = messy.hazards.set_index("hazard_code")
    assert h.loc["H1", "quantity_t"] == pytest.approx(5.0)  # 5000kg
    assert h.loc["H9", "quantity_t"] == pytest.approx(50.0)  # ５０吨
    assert h.loc["FH1", "quantity_t"] == pytest.approx(20.0)  # header says kg
    assert h.loc["FH2", "quantity_t"] == pytest.approx(30.0)  # "30,000" kg
    assert h.loc["H9", "C"] == 16  # accepted with a warning
    assert h.loc["H1", "equipment"] == "pressurised" and h.loc["H15", "category"] == "W5.2"
    assert bool(h.loc["H1", "location_from_unit"]) and not bool(h.loc["H15", "location_from_unit"])
    assert (h.loc["H1", "lon"], h.loc["H1", "lat"]) == (113.93, 22.53)
    assert set(messy.units.geometry.x.round(6)) == set(messy.units.lon.round(6))


def test_gcj02_and_bd09_converted_to_wgs84(messy):
    u = messy.units.set_index("unit_code")
    lon, lat = coords.wgs84_to_gcj02(u.loc["U16", "lon"], u.loc["U16", "lat"])
    assert (float(lon), float(lat)) == pytest.approx((114.12, 22.55), abs=5e-6)
    lon, lat = coords.wgs84_to_bd09(u.loc["U17", "lon"], u.loc["U17", "lat"])
    assert (float(lon), float(lat)) == pytest.approx((114.13, 22.56), abs=5e-6)
    assert u.loc["U16", "crs_src"] == "GCJ02" and u.loc["U17", "crs_src"] == "BD09"
    # Hundreds of metres of offset removed.
    assert abs(u.loc["U16", "lon"] - 114.12) > 0.003


def test_issue_rows_name_place_column_and_other_row(messy):
    i = _issue(messy, "E_UNIT_CODE_DUPLICATE")
    assert (i.file, i.sheet, i.row, i.column, i.header, i.value) == (
        "a_messy.xlsx", "单位信息", 8, "A", "单位编码", "U1")
    assert i.related == "a_messy.xlsx!单位信息!5" and "a_messy.xlsx!单位信息!5" in i.message_zh
    i = _issue(messy, "E_HAZARD_CODE_DUPLICATE")
    assert i.related == "a_messy.xlsx!危险源!3"
    i = _issue(messy, "E_HAZARD_UNIT_REJECTED")
    assert i.value == "U5" and i.related == "a_messy.xlsx!单位信息!9"
    i = _issue(messy, "E_HAZARD_UNIT_UNKNOWN")
    assert (i.row, i.column, i.value) == (14, "B", "NOPE")
    i = _issue(messy, "E_COORD_OUT_OF_CHINA")
    assert (i.row, i.severity) == (13, "error")
    i = _issue(messy, "W_COORD_SWAPPED")
    assert i.severity == "warning" and i.record == "U3"
    i = _issue(messy, "E_CREDIT_CODE_INVALID")
    assert "Q" in i.message_en  # names the right check character
    i = _issue(messy, "W_UNIT_FIELDS_DIFFER", file="b_flat.csv")
    assert i.related == "b_flat.csv!csv!2"


def test_same_files_give_same_database(tmp_path):
    from plugin.core.store.riskdb import write_layers

    files = [write_messy_workbook(tmp_path / "a.xlsx"), write_flat_csv(tmp_path / "b.csv")]
    frames = []
    for k in range(2):
        r = import_surveys(files)
        out = write_layers(tmp_path / f"db{k}.gpkg", {"units": r.units, "hazards": r.hazards,
                                                       "import_issues": r.issues, "import_runs": r.runs})
        import pyogrio

        frames.append({n: pyogrio.read_dataframe(out, layer=n)
                       for n in ("units", "hazards", "import_issues", "import_runs")})
    for name in ("units", "hazards", "import_issues"):
        pd.testing.assert_frame_equal(frames[0][name], frames[1][name])
    runs0, runs1 = (f["import_runs"].drop(columns=["started", "finished"]) for f in frames)
    pd.testing.assert_frame_equal(runs0, runs1)


@pytest.mark.parametrize("sector", [None, "hazchem", "gas", "industry", "construction", "transport", "fire",
                                    "special_equipment"])
def test_template_example_rows_import_without_issues(tmp_path, sector):
    p = write_template(tmp_path / "t.xlsx", sector)
    r = import_surveys([p])
    assert r.issues.empty, r.issues[["code", "message_en"]]
    assert len(r.units) == 1 and len(r.hazards) == 1
    assert r.runs.iloc[0].rows_read == r.runs.iloc[0].rows_accepted == 2
    if sector:
        assert r.units.iloc[0].sector == sector


def test_default_crs_applies_to_rows_without_one(tmp_path):
    p = write_flat_csv(tmp_path / "b.csv")
    r = import_surveys([p], ImportOptions(default_crs="GCJ02"))
    u = r.units.set_index("unit_code")
    assert u.loc["F1", "crs_src"] == "GCJ02"
    lon, lat = coords.gcj02_to_wgs84(114.03, 22.65)
    assert (u.loc["F1", "lon"], u.loc["F1", "lat"]) == pytest.approx((float(lon), float(lat)))


def test_paths_given_as_text(tmp_path):
    """The Processing algorithm passes the files as text: they import as Path objects do."""
    p = write_flat_csv(tmp_path / "b.csv")
    as_text, as_path = import_surveys([str(p)]), import_surveys([p])
    assert as_text.runs.iloc[0].file == "b.csv" and len(as_text.units) == 2
    pd.testing.assert_frame_equal(as_text.units, as_path.units)
    pd.testing.assert_frame_equal(as_text.hazards, as_path.hazards)


def test_hazards_inherit_unit_location_after_conversion(tmp_path):
    r = import_surveys([write_flat_csv(tmp_path / "b.csv")], ImportOptions(default_crs="BD09"))
    h, u = r.hazards.set_index("hazard_code"), r.units.set_index("unit_code")
    assert h.loc["FH1", "lon"] == u.loc["F1", "lon"] and h.loc["FH1", "sector"] == "gas"
    assert np.isfinite(h.lon).all()


def test_issue_code_reference_lists_every_code():
    from tests.common import ROOT

    doc = (ROOT / "docs" / "issue_codes.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in doc for code in KINDS)


def test_category_symbols_keep_their_dot():
    import pandas as pd

    from plugin.core.ingest import schema
    from plugin.core.ingest.values import INVALID, OK, parse_code

    ids, st = parse_code(pd.Series(["W5.2", "w5.2", "Ｗ５．２", "W12", "W52"], dtype=object),
                         schema.category_lookup(), schema.normalise_symbol)
    assert list(ids[:3]) == ["W5.2"] * 3 and list(st) == [OK, OK, OK, INVALID, INVALID]


def test_no_hazard_needs_its_units_location(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "单位信息"
    ws.append(["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"])
    ws.append(["U1", "甲", "消防", "南山区", 113.9, 22.5])
    ws = wb.create_sheet("危险源")
    ws.append(["危险源编码", "单位编码", "经度", "纬度"])
    ws.append(["H1", "U1", 113.91, 22.51])
    wb.save(tmp_path / "a.xlsx")
    r = import_surveys([tmp_path / "a.xlsx"])
    assert r.hazards.iloc[0].lon == 113.91 and not r.hazards.iloc[0].location_from_unit


@pytest.mark.parametrize("header, expected, code", [
    ("设计最大量（kg）", 5.0, None), ("设计最大量（单位：kg）", 5.0, None), ("设计最大量（万吨）", 5e7, None),
    ("设计最大量[m³]", None, "E_UNIT_OF_MEASURE")])
def test_units_in_quantity_headers(tmp_path, header, expected, code):
    """A unit in the header converts bare numbers; an unknown one is reported, never read as tonnes."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "单位信息"
    ws.append(["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"])
    ws.append(["U1", "甲", "危险化学品", "南山区", 113.9, 22.5])
    ws = wb.create_sheet("危险源")
    ws.append(["危险源编码", "单位编码", header])
    ws.append(["H1", "U1", 5000])
    wb.save(tmp_path / "q.xlsx")
    r = import_surveys([tmp_path / "q.xlsx"])
    if code is None:
        assert r.hazards.iloc[0].quantity_t == pytest.approx(expected)
    else:
        assert r.hazards.empty and code in set(r.issues.code)


def test_extra_columns_with_line_separators_and_twice_the_same_header(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "单位信息"
    ws.append(["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度", "其他", "其他"])
    ws.append(["U1", "甲", "消防", "南山区", 113.9, 22.5, "a\u2028b", "c\x85d"])
    ws.append(["U2", "乙", "消防", "南山区", 113.9, 22.5, "e", "f"])
    wb.save(tmp_path / "x.xlsx")
    r = import_surveys([tmp_path / "x.xlsx"])
    extra = r.units.set_index("unit_code").extra
    assert json.loads(extra["U1"]) == {"其他": "a\u2028b", "其他_2": "c\x85d"}
    assert json.loads(extra["U2"]) == {"其他": "e", "其他_2": "f"}


def test_merged_unit_cells_in_a_flat_sheet_and_folded_total_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度", "危险源编码", "L", "E", "C"])
    ws.append(["U1", "甲", "工贸", "南山区", 113.9, 22.5, "H1", 3, 6, 7])
    ws.append([None, None, None, None, None, None, "H2", 3, 6, 15])
    ws.append([None, None, None, None, None, None, "H3", 10, 6, 40])
    for col in "ABCDEF":
        ws.merge_cells(f"{col}2:{col}4")
    ws.append(["合　计：", None, None, None, None, None, None, None, None, None])
    wb.save(tmp_path / "m.xlsx")
    r = import_surveys([tmp_path / "m.xlsx"])
    assert sorted(r.hazards.hazard_code) == ["H1", "H2", "H3"] and r.issues.empty
    run = r.runs.iloc[0]
    assert (run.rows_read, run.rows_accepted, run.rows_skipped_total) == (4, 3, 1)


def test_hazard_follows_its_own_files_rejected_unit(tmp_path):
    """Two files use the same unit code; the second file's unit is a rejected duplicate, so its
    hazard is rejected too — not attached to the first file's unit and another sector."""
    from openpyxl import Workbook

    for name, sector, hazard in (("a.xlsx", "危险化学品", "HA"), ("b.xlsx", "特种设备", "HB")):
        wb = Workbook()
        ws = wb.active
        ws.title = "单位信息"
        ws.append(["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"])
        ws.append(["SAME", name, sector, "南山区", 113.9, 22.5])
        ws = wb.create_sheet("危险源")
        ws.append(["危险源编码", "单位编码", "可能性", "严重性"])
        ws.append([hazard, "SAME", 4, 5])
        wb.save(tmp_path / name)
    r = import_surveys([tmp_path / "a.xlsx", tmp_path / "b.xlsx"])
    assert list(r.hazards.hazard_code) == ["HA"]
    i = _issue(r, "E_HAZARD_UNIT_REJECTED")
    assert (i.file, i.related) == ("b.xlsx", "b.xlsx!单位信息!2")


def test_hazard_takes_the_coordinate_system_of_its_unit_in_a_later_file(tmp_path):
    """Sheets are checked file by file; a hazard's coordinate system still comes from its unit's
    row wherever that is (here in the next file, in GCJ-02), and a duplicate across files is
    still found."""
    a = write_workbook(tmp_path / "a.xlsx", {
        "危险源": [["危险源编码", "单位编码", "可能性", "严重性", "经度", "纬度"],
                ["H1", "U9", 3, 4, 114.03, 22.65], ["H2", "U9", 3, 4, 114.03, 22.65]]})
    b = write_workbook(tmp_path / "b.xlsx", {
        "单位信息": [["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度", "坐标系"],
                 ["U9", "乙", "燃气", "南山区", 114.0, 22.6, "GCJ-02"]],
        "危险源": [["危险源编码", "单位编码", "可能性", "严重性"], ["H1", "U9", 3, 4]]})
    r = import_surveys([a, b])
    h = r.hazards.set_index("hazard_code")
    lon, lat = coords.gcj02_to_wgs84(114.03, 22.65)
    assert (h.loc["H1", "lon"], h.loc["H1", "lat"]) == pytest.approx((float(lon), float(lat)))
    assert h.loc["H1", "crs_src"] == "GCJ02" and list(r.hazards.hazard_code) == ["H1", "H2"]
    i = _issue(r, "E_HAZARD_CODE_DUPLICATE")
    assert (i.file, i.related) == ("b.xlsx", "a.xlsx!危险源!2")


def test_decimal_comma_in_coordinates(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("单位编码;单位名称;行业领域;行政区;经度;纬度\nU1;甲;消防;南山区;113,95;22,53\n", encoding="utf-8")
    r = import_surveys([p])
    assert (r.units.iloc[0].lon, r.units.iloc[0].lat) == (113.95, 22.53) and r.issues.empty


def _factor_workbook(path):
    """Hazard rows with L 2 (not in the default rules), C 16 (tolerated), C 20 and L·S 6 × 2."""
    return write_workbook(path, {
        "单位信息": [["单位编码", "单位名称", "行业领域", "行政区", "经度", "纬度"],
                 ["U1", "甲", "工贸", "南山区", 113.9, 22.5]],
        "危险源": [["危险源编码", "单位编码", "L", "E", "C", "可能性", "严重性"],
                ["H-L2", "U1", 2, 6, 15, None, None],
                ["H-C16", "U1", 3, 6, 16, None, None],
                ["H-C20", "U1", 3, 6, 20, None, None],
                ["H-LS6", "U1", None, None, None, 6, 2],
                ["H-OK", "U1", 3, 6, 15, 3, 4]]})


def _rules_with(tmp_path, *edits):
    from plugin.core.rules import DEFAULT_RULES, load_rules

    text = DEFAULT_RULES.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    return load_rules(p)


def test_allowed_factor_values_come_from_the_rules(tmp_path):
    """Editing [methods.lec]/[methods.ls] of the rules changes what the import rejects and warns."""
    path = _factor_workbook(tmp_path / "f.xlsx")

    def outcome(rules=None):
        r = import_surveys([path], ImportOptions(rules=rules))
        iss = r.issues[r.issues.table.eq("hazards")] if "table" in r.issues else r.issues
        by_code = {code: sorted(g["record"]) for code, g in iss.groupby("code")}
        return sorted(r.hazards.hazard_code), by_code

    accepted, issues = outcome()
    assert accepted == ["H-C16", "H-OK"]
    assert issues["E_LEC_VALUE"] == ["H-C20", "H-L2"] and issues["W_LEC_C16"] == ["H-C16"]
    assert issues["E_LS_VALUE"] == ["H-LS6"]

    rules = _rules_with(tmp_path, ("L = [10, 6, 3, 1, 0.5, 0.2, 0.1]", "L = [10, 6, 3, 2, 1, 0.5, 0.2, 0.1]"),
                        ("C_tolerated = [16]", "C_tolerated = [20]"),
                        ("likelihood = [1, 2, 3, 4, 5]", "likelihood = [1, 2, 3, 4, 5, 6]"))
    accepted, issues = outcome(rules)
    assert accepted == ["H-C20", "H-L2", "H-LS6", "H-OK"]
    assert issues["E_LEC_VALUE"] == ["H-C16"] and issues["W_LEC_C16"] == ["H-C20"]
    assert "E_LS_VALUE" not in issues
    c16 = import_surveys([path], ImportOptions(rules=rules)).issues.set_index("code").loc["E_LEC_VALUE"]
    assert "100、40、15、7、3、1" in c16["message_zh"] and "C" in c16["header"]


def test_the_template_offers_the_rules_values(tmp_path):
    import openpyxl

    from plugin.core.ingest import schema
    from plugin.core.ingest.template import CODES_SHEET, FIRST_DATA_ROW

    def offered(rules=None):
        p = write_template(tmp_path / "t.xlsx", rules=rules)
        wb = openpyxl.load_workbook(p)
        lists = {col[0]: [v for v in col[1:] if v is not None]
                 for col in wb[CODES_SHEET].iter_cols(values_only=True)}
        hz = wb[schema.HAZARDS_SHEET]
        comment = hz.cell(1, [c.key for c in schema.HAZARD_COLUMNS].index("L") + 1).comment.text
        c_letter = openpyxl.utils.get_column_letter([c.key for c in schema.HAZARD_COLUMNS].index("C") + 1)
        c_style = [dv.errorStyle for dv in hz.data_validations.dataValidation
                   if str(dv.sqref).startswith(f"{c_letter}{FIRST_DATA_ROW}:")]
        return lists, comment, c_style[0]

    lists, comment, c_style = offered()
    assert lists["L 值 LEC L"] == [10, 6, 3, 1, 0.5, 0.2, 0.1] and c_style == "warning"
    assert "10、6、3、1、0.5、0.2、0.1" in comment
    rules = _rules_with(tmp_path, ("L = [10, 6, 3, 1, 0.5, 0.2, 0.1]", "L = [10, 6, 3, 2, 1, 0.5, 0.2, 0.1]"),
                        ("C_tolerated = [16]   #", "#"))
    lists, comment, c_style = offered(rules)
    assert lists["L 值 LEC L"] == [10, 6, 3, 2, 1, 0.5, 0.2, 0.1] and c_style == "stop"
    assert "10、6、3、2、1、0.5、0.2、0.1" in comment
    assert lists["严重性 severity"] == [1, 2, 3, 4, 5]


def test_the_risk_list_columns_are_read(messy_files):
    """Issue 15: accident types (GB 6441, several per cell, aliases folded, in the standard's
    order), controls by kind, the control level, the responsible people and phones."""
    r = import_surveys([messy_files["controls"]])
    units = r.units.set_index("unit_code")
    hz = r.hazards.set_index("hazard_code")
    assert units.loc["P1", "supervising_dept"] == "南山区应急管理局"
    assert units.loc["P1", "duty_phone"] == "0755-26000000"
    assert list(units.loc["P1", ["principal_person", "technical_person", "operating_person"]]) == ["王五", "赵六",
                                                                                                  "钱七"]
    assert hz.loc["PH1", "accident_types"] == "火灾、其他爆炸、中毒和窒息"
    assert hz.loc["PH1", "control_level"] == "公司"
    assert list(hz.loc["PH1", ["controls_engineering", "controls_management", "controls_emergency",
                               "responsible_person", "responsible_phone"]]) == [
        "可燃有毒气体报警、紧急切断", "每班巡检", "佩戴空气呼吸器", "孙八", "13912345678"]
    assert hz.loc["PH2", "accident_types"] == "火灾" and hz.loc["PH2", "control_level"] == ""
    assert hz.loc["PH3", "accident_types"] == "" and hz.loc["PH3", "controls_engineering"] == ""
    warn = r.issues.set_index("code")
    assert warn.loc["W_ACCIDENT_TYPE_UNKNOWN", "message_en"] == (
        "Accident type '地震' is not a GB 6441 accident type; left out (the rest is imported)")
    assert warn.loc["W_CONTROL_LEVEL_UNKNOWN", "value"] == "总部"
    assert set(hz.index) == {"PH1", "PH2", "PH3"}  # warnings only: every hazard source imported


def test_old_workbooks_import_as_before_with_the_new_fields_blank(messy_files):
    r = import_surveys([messy_files["messy"]])
    for col in ("accident_types", "controls_engineering", "control_level", "responsible_person"):
        assert (r.hazards[col] == "").all()
    for col in ("supervising_dept", "duty_phone", "principal_person"):
        assert (r.units[col] == "").all()

"""The blank survey workbook (plugin/core/ingest/template.py), docs/domain/survey.md §2."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineWorkbook, SheetVisibleEnum
from stdnum import casrn
from stdnum.cn import uscc

from plugin.core.ingest import schema
from plugin.core.ingest.template import CODES_SHEET, CREATOR, VALIDATION_LAST_ROW, example_rows, write_template
from plugin.core.rules import load_rules

RULES = load_rules()

SECTOR_IDS = [s.id for s in schema.SECTORS]
CASES = [None, *SECTOR_IDS]
DATA_SHEETS = {schema.UNITS_SHEET: schema.UNIT_COLUMNS, schema.HAZARDS_SHEET: schema.HAZARD_COLUMNS}
SHEET_TABLE = {schema.UNITS_SHEET: "units", schema.HAZARDS_SHEET: "hazards"}

# Column key → the values its drop-down must offer, straight from the schema.
EXPECTED_LISTS = {
    "sector": {s.zh for s in schema.SECTORS},
    "crs": {c.label for c in schema.COORD_SYSTEMS},
    "equipment": {e.zh for e in schema.EQUIPMENT},
    # the factors' values: the rules' [methods.lec] and [methods.ls]
    "L": set(RULES.lec.factors["L"]),
    "E": set(RULES.lec.factors["E"]),
    "C": set(RULES.lec.factors["C"]),
    "likelihood": set(RULES.ls.factors["likelihood"]),
    "severity": set(RULES.ls.factors["severity"]),
    "category": {sym for sym, _, _ in schema.gb18218_categories()},
    "control_level": {c.zh for c in schema.CONTROL_LEVELS},
    "accident_types": {a.zh for a in schema.ACCIDENT_TYPES},  # GB 6441's twenty
}
LIST_KEYS = {
    schema.UNITS_SHEET: ["sector", "crs"],
    schema.HAZARDS_SHEET: ["crs", "equipment", "L", "E", "C", "likelihood", "severity", "category",
                           "control_level", "accident_types"],
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """sector (None = all) → (path, openpyxl workbook, calamine workbook)."""
    out = {}
    d = tmp_path_factory.mktemp("templates")
    for sector in CASES:
        path = write_template(d / f"template_{sector or 'all'}.xlsx", sector)
        out[sector] = (path, openpyxl.load_workbook(path), CalamineWorkbook.from_path(str(path)))
    return out


def _col_letter(columns, key: str) -> str:
    return get_column_letter([c.key for c in columns].index(key) + 1)


def _expected_sector_zh(sector):
    return {s.id: s.zh for s in schema.SECTORS}[sector or "hazchem"]


def _table1():
    with open(schema.REFERENCE / "gb18218_2018_table1.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _resolve_list(wb, formula: str) -> list:
    """Values a list validation offers: an inline "a,b,c" or a range on another sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    m = re.fullmatch(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)", formula)
    assert m, formula
    sheet, c1, r1, c2, r2 = m.groups()
    ws = wb[sheet]
    cells = ws.iter_rows(min_row=int(r1), max_row=int(r2),
                         min_col=column_index_from_string(c1), max_col=column_index_from_string(c2),
                         values_only=True)
    return [v for row in cells for v in row if v is not None]


def _validation_for(ws, letter: str):
    found = [dv for dv in ws.data_validations.dataValidation
             if f"{letter}3" in dv.sqref and f"{letter}{VALIDATION_LAST_ROW}" in dv.sqref]
    assert len(found) == 1, (ws.title, letter, found)
    return found[0]


# --- structure ---------------------------------------------------------------------------


@pytest.mark.parametrize("sector", CASES)
def test_sheets(workbooks, sector):
    _, wb, cal = workbooks[sector]
    visible = [schema.INSTRUCTIONS_SHEET, schema.UNITS_SHEET, schema.HAZARDS_SHEET]
    assert wb.sheetnames == [*visible, CODES_SHEET]
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == visible
    assert wb[CODES_SHEET].sheet_state == "hidden"
    assert CODES_SHEET in schema.INSTRUCTION_SHEET_NAMES  # the importer skips it
    assert cal.sheet_names == [*visible, CODES_SHEET]
    vis = {m.name: m.visible for m in cal.sheets_metadata}
    assert all(vis[n] == SheetVisibleEnum.Visible for n in visible)
    assert vis[CODES_SHEET] == SheetVisibleEnum.Hidden


@pytest.mark.parametrize("sector", CASES)
def test_header_and_key_rows(workbooks, sector):
    _, wb, cal = workbooks[sector]
    for name, cols in DATA_SHEETS.items():
        ws = wb[name]
        headers = [c.value for c in ws[1]]
        keys = [c.value for c in ws[2]]
        assert headers == [c.header for c in cols]
        assert keys == [c.key for c in cols]
        rows = cal.get_sheet_by_name(name).to_python()
        assert rows[0] == [c.header for c in cols]
        assert rows[1] == [c.key for c in cols]
        assert len(rows) == 3  # headers, keys, one example row
        # Required columns carry the * and every header/key maps back to its own column.
        idx = schema.alias_index(SHEET_TABLE[name])
        for c in cols:
            assert c.header.endswith("*") == c.required
            assert idx.match(c.header) == c.key
            assert idx.match(c.key) == c.key
        assert ws.freeze_panes == "A3"
        for i, c in enumerate(cols, start=1):
            cell = ws.cell(1, i)
            assert ws.column_dimensions[get_column_letter(i)].width == c.width
            assert cell.fill.fgColor.rgb not in (None, "00000000")
            assert cell.comment is not None and c.help_zh in cell.comment.text
            assert c.help_en in cell.comment.text
            key = ws.cell(2, i)
            assert key.font.italic and key.font.color.rgb.endswith("808080")


@pytest.mark.parametrize("sector", CASES)
def test_workbook_properties(workbooks, sector):
    _, wb, _ = workbooks[sector]
    assert wb.properties.creator == CREATOR
    assert wb.properties.title
    assert (_expected_sector_zh(sector) if sector else "全部行业领域") in wb.properties.title


# --- drop-downs --------------------------------------------------------------------------


@pytest.mark.parametrize("sector", CASES)
def test_dropdowns(workbooks, sector):
    _, wb, _ = workbooks[sector]
    for name, keys in LIST_KEYS.items():
        ws = wb[name]
        for key in keys:
            dv = _validation_for(ws, _col_letter(DATA_SHEETS[name], key))
            assert dv.type == "list"
            assert dv.showErrorMessage
            assert dv.error and re.search(r"[\u4e00-\u9fff]", dv.error) and re.search(r"[A-Za-z]{4}", dv.error)
            assert len(dv.error) <= 225 and len(dv.errorTitle or "") <= 32
            assert not dv.showDropDown  # openpyxl's showDropDown=True would hide the arrow
            # Every list lives on the hidden codes sheet, referenced by range.
            assert dv.formula1.startswith(f"'{CODES_SHEET}'!"), dv.formula1
            values = _resolve_list(wb, dv.formula1)
            assert len(values) == len(set(values))
            expected = EXPECTED_LISTS[key]
            if all(isinstance(v, (int, float)) for v in expected):
                assert {float(v) for v in values} == {float(v) for v in expected}, key
            else:
                assert set(values) == expected, key
        # no validation on a column that is not coded (except the unit-code helper list)
        coded = {_col_letter(DATA_SHEETS[name], k) for k in keys}
        for dv in ws.data_validations.dataValidation:
            cols = {re.match(r"[A-Z]+", str(r)).group(0) for r in dv.sqref.ranges}
            assert cols <= coded | {_col_letter(DATA_SHEETS[name], "unit_code")}


def test_hazard_unit_code_offers_units(workbooks):
    _, wb, _ = workbooks[None]
    letter = _col_letter(schema.HAZARD_COLUMNS, "unit_code")
    dv = _validation_for(wb[schema.HAZARDS_SHEET], letter)
    ul = _col_letter(schema.UNIT_COLUMNS, "unit_code")
    assert dv.formula1 == f"'{schema.UNITS_SHEET}'!${ul}$3:${ul}${VALIDATION_LAST_ROW}"
    assert dv.errorStyle == "warning"  # advisory only


# --- example rows ------------------------------------------------------------------------


def _example(wb, name):
    cols = DATA_SHEETS[name]
    return {c.key: v for c, v in zip(cols, [cell.value for cell in wb[name][3]])}


@pytest.mark.parametrize("sector", CASES)
def test_example_unit(workbooks, sector):
    _, wb, cal = workbooks[sector]
    unit = _example(wb, schema.UNITS_SHEET)
    sid = sector or "hazchem"
    assert unit["unit_code"] == f"EX-{sid.upper().replace('_', '-')}-0001"
    assert unit["sector"] == _expected_sector_zh(sector)
    for c in schema.UNIT_COLUMNS:
        if c.required:
            assert unit[c.key] not in (None, ""), c.key
    code = unit["credit_code"]
    assert len(code) == 18 and set(code) <= set(USCC_ALPHABET)
    assert uscc.calc_check_digit(code[:17]) == code[17]
    assert unit["crs"] in EXPECTED_LISTS["crs"]
    assert 73 <= unit["lon"] <= 136 and 3 <= unit["lat"] <= 54
    ws = wb[schema.UNITS_SHEET]
    for key in ("lon", "lat"):
        assert ws[f"{_col_letter(schema.UNIT_COLUMNS, key)}3"].number_format == "0.000000"
    date_cell = ws[f"{_col_letter(schema.UNIT_COLUMNS, 'survey_date')}3"]
    assert isinstance(date_cell.value, dt.datetime)
    assert date_cell.is_date and "yy" in date_cell.number_format
    # calamine reads the same row with proper types
    row = dict(zip([c.key for c in schema.UNIT_COLUMNS], cal.get_sheet_by_name(schema.UNITS_SHEET).to_python()[2]))
    assert row["unit_code"] == unit["unit_code"]
    assert isinstance(row["lon"], float) and isinstance(row["lat"], float)
    assert isinstance(row["survey_date"], dt.date)


@pytest.mark.parametrize("sector", CASES)
def test_example_hazard(workbooks, sector):
    _, wb, cal = workbooks[sector]
    unit = _example(wb, schema.UNITS_SHEET)
    hz = _example(wb, schema.HAZARDS_SHEET)
    assert hz["unit_code"] == unit["unit_code"]
    assert hz["hazard_code"] and hz["hazard_code"] != unit["unit_code"]
    assert hz["name"] and hz["kind"]
    for c in schema.HAZARD_COLUMNS:
        if c.required:
            assert hz[c.key] not in (None, ""), c.key

    if hz["equipment"] is not None:
        assert hz["equipment"] in EXPECTED_LISTS["equipment"]
    if hz["category"] not in (None, ""):
        assert hz["category"] in EXPECTED_LISTS["category"]
    if hz["cas"]:
        assert casrn.validate(hz["cas"]) == hz["cas"]
    lec = [hz[k] for k in ("L", "E", "C")]
    ls = [hz["likelihood"], hz["severity"]]
    # a complete set of one method (or both), never a partial one
    assert all(v is None for v in lec) or all(v is not None for v in lec)
    assert all(v is None for v in ls) or all(v is not None for v in ls)
    assert any(v is not None for v in lec + ls)
    for k in ("L", "E", "C", "likelihood", "severity"):
        if hz[k] is not None:
            assert hz[k] in EXPECTED_LISTS[k], (k, hz[k])

    if (sector or "hazchem") in ("hazchem", "gas"):
        # a GB 18218 Table 1 substance with a valid CAS, a quantity, a volume and LEC values
        table1 = _table1()
        rows = [r for r in table1 if hz["cas"] in r["cas"].split(";")]
        assert rows, hz["cas"]
        names = {n for r in rows for n in [r["name_zh"], *r["aliases_zh"].split(";")]}
        assert any(hz["substance"] == n or n.startswith(hz["substance"]) for n in names), hz["substance"]
        assert hz["quantity_t"] > 0 and hz["volume_m3"] > 0
        assert all(v is not None for v in lec)
    ws = wb[schema.HAZARDS_SHEET]
    assert ws[f"{_col_letter(schema.HAZARD_COLUMNS, 'cas')}3"].number_format == "@"

    row = cal.get_sheet_by_name(schema.HAZARDS_SHEET).to_python()[2]
    assert row[:2] == [hz["hazard_code"], hz["unit_code"]]


def test_examples_differ_by_sector():
    units = {s: example_rows(s)[0]["unit_code"] for s in SECTOR_IDS}
    assert len(set(units.values())) == len(SECTOR_IDS)
    names = {s: example_rows(s)[1]["name"] for s in SECTOR_IDS}
    assert len(set(names.values())) == len(SECTOR_IDS)
    assert example_rows(None) == example_rows("hazchem")


# --- instructions ------------------------------------------------------------------------


@pytest.mark.parametrize("sector", [None, "gas"])
def test_instructions(workbooks, sector):
    _, wb, cal = workbooks[sector]
    ws = wb[schema.INSTRUCTIONS_SHEET]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")]
    text = "\n".join(str(v) for v in cells)
    values = set(cells)
    # every column of both sheets: header, key, both help texts
    for cols in DATA_SHEETS.values():
        for c in cols:
            assert c.header in values and c.key in values, c.key
            assert c.help_zh in values, c.key
            assert c.help_en in text, c.key
    for c in schema.COORD_SYSTEMS:
        assert c.label in values and c.help_zh in values and c.help_en in values
    assert "GCJ-02" in text and "WGS84" in text and "度分秒" in text and "swapped" in text
    for s in schema.SECTORS:
        assert s.zh in values and s.en in values and s.id in values
    for sym, _zh, desc in schema.gb18218_categories():
        assert sym in values and desc in values
    assert "吨" in text and "kg" in text and "tonnes" in text
    # wrapped text with explicit heights, sensible widths
    assert all(ws.column_dimensions[get_column_letter(i)].width >= 8 for i in range(1, 9))
    long_rows = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and len(c.value) > 60]
    assert long_rows and all(c.alignment.wrap_text for c in long_rows)
    assert all(ws.row_dimensions[c.row].height and ws.row_dimensions[c.row].height > 15 for c in long_rows)
    # calamine reads the sheet too
    assert cal.get_sheet_by_name(schema.INSTRUCTIONS_SHEET).to_python()


# --- arguments ---------------------------------------------------------------------------


def test_sector_by_name_and_unknown(tmp_path):
    p = write_template(tmp_path / "sub" / "t.xlsx", "燃气")
    wb = openpyxl.load_workbook(p)
    assert _example(wb, schema.UNITS_SHEET)["sector"] == "燃气"
    with pytest.raises(ValueError):
        write_template(tmp_path / "x.xlsx", "mining")
    assert not (tmp_path / "x.xlsx").exists()


def test_core_does_not_import_qgis():
    src = (Path(schema.__file__).parent / "template.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+(qgis|PyQt)", src, re.M)


@pytest.mark.parametrize(("family", "sheet"), [("hidden_dangers", "隐患台账"), ("accidents", "事故记录")])
def test_a_record_template_as_written_imports_and_its_example_is_no_unit(tmp_path, family, sheet):
    from plugin.core.ingest.records import import_records
    from plugin.core.ingest.template import write_record_template

    path = write_record_template(tmp_path / f"{family}.xlsx", family)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["说明", sheet] and wb["代码表"].sheet_state == "hidden"
    ws = wb[sheet]
    assert [c.value for c in ws[1]] == [c.header for c in schema.COLUMNS[family]]
    assert [c.value for c in ws[2]] == [c.key for c in schema.COLUMNS[family]]
    lists = {re.match(r"[A-Z]+", str(dv.sqref)).group() for dv in ws.data_validations.dataValidation}
    coded = {get_column_letter(i) for i, c in enumerate(schema.COLUMNS[family], start=1)
             if c.kind in ("hd_grade", "hd_status", "accident_types")}
    assert coded and coded <= lists  # every coded column has its drop-down
    alone = import_records([path], family)  # as written: the example row is a valid record…
    assert len(alone.records) == 1 and len(alone.issues) == 0 and alone.balanced
    against = import_records([path], family, units=["SZ-HC-0001"])  # …of a unit no database holds
    assert len(against.records) == 0 and list(against.issues["code"]) == ["E_REC_UNIT_UNKNOWN"]

"""The Excel report: what a reader of the workbook would notice — the numbers agree with the
database, the level lists are complete, survey text never turns into a formula, personal
data is masked unless asked for, the inputs and rules are traceable, and a failed write
leaves an earlier report alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest
from openpyxl.chart import BarChart
from python_calamine import CalamineWorkbook

from plugin.core.reporting.data import SHEETS, mask_name, mask_phone, rules_provenance
from plugin.core.reporting.xlsx import write_report_xlsx
from plugin.core.rules import load_rules
from plugin.core.scoring.methods import HAZARD_SCORE_FIELDS, UNIT_SCORE_FIELDS
from plugin.core.steps import PipelineError, report_data, score_database
from plugin.core.store import riskdb

RULES = load_rules()
ROOT = Path(__file__).resolve().parents[2]
TABLE_SHEETS = ("重大风险单位", "较大风险单位", "敏感目标", "多米诺链", "数据质量")


def _write(db, tmp_path, name="report.xlsx", **kw) -> Path:
    tr = kw.pop("tr", None)
    data = report_data(db, RULES, tr=tr, **kw) if tr else report_data(db, RULES, **kw)
    return write_report_xlsx(data, tmp_path / name, **({"tr": tr} if tr else {}))


def _table(ws) -> pd.DataFrame:
    """A table sheet (header in row 1) as a DataFrame, up to the first blank row."""
    rows = list(ws.iter_rows(values_only=True))
    body = []
    for r in rows[1:]:
        if all(v is None for v in r):
            break
        body.append(r)
    return pd.DataFrame(body, columns=list(rows[0]))


def _block(ws, first_header: str) -> tuple[int, list[list]]:
    """The rows of a block sheet's table whose header row starts with ``first_header``."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    out = []
    for r in rows[start:]:
        if all(v is None for v in r):
            break
        out.append(r)
    return start + 1, out


def _units(db) -> pd.DataFrame:
    return pyogrio.read_dataframe(db, layer="units", read_geometry=False)


@pytest.fixture
def report(analysed_db, tmp_path):
    return _write(analysed_db, tmp_path)


# --- 概览 -------------------------------------------------------------------------------------

def test_summary_counts_equal_the_database(analysed_db, report):
    units = _units(analysed_db)
    hazards = pyogrio.read_dataframe(analysed_db, layer="hazards", read_geometry=False, columns=["level"])
    ws = openpyxl.load_workbook(report)["概览"]
    _, rows = _block(ws, "Sector")
    header, body = rows[0], rows[1:]
    level = pd.to_numeric(units["level"], errors="coerce").fillna(0).astype(int)
    names = {s.zh: sid for sid, s in RULES.sectors.items()}
    for r in body[:-1]:
        sel = units["sector"] == names[r[0]]
        for k in (1, 2, 3, 4):
            assert r[header.index(f"{k} {RULES.levels[k].zh}")] == int(((level == k) & sel).sum()), (r[0], k)
        assert r[header.index("Unscored")] == int(((level == 0) & sel).sum())
        assert r[header.index("Total")] == int(sel.sum())
    total = body[-1]
    assert total[0] == "Total" and total[header.index("Total")] == len(units)
    for k in (1, 2, 3, 4):
        assert total[header.index(f"{k} {RULES.levels[k].zh}")] == int((level == k).sum())
    # totals block
    _, totals = _block(ws, "Item")
    values = {r[0]: r[1] for r in totals[1:]}
    assert values["Units"] == len(units) and values["Hazard sources"] == len(hazards)
    assert values["Units not scored"] == int((level == 0).sum())
    assert values["Major hazard sources (units with S ≥ 1)"] == int(units["major_hazard"].astype(bool).sum())


def test_level_headers_are_filled_in_the_rules_colours(report):
    ws = openpyxl.load_workbook(report)["概览"]
    head, rows = _block(ws, "Sector")
    for col, text in enumerate(rows[0], 1):
        m = re.match(r"([1-4]) ", str(text))
        if m:
            cell = ws.cell(head, col)
            assert cell.fill.fgColor.rgb[-6:] == RULES.levels[int(m.group(1))].colour.lstrip("#")
    # the level list of the summary: the level name cells carry the colour too
    head, rows = _block(ws, "Level")
    for i, r in enumerate(rows[1:5], head + 1):
        assert ws.cell(i, 2).fill.fgColor.rgb[-6:] == RULES.levels[r[0]].colour.lstrip("#")


def test_summary_has_a_bar_chart_of_units_by_sector_and_level(report):
    ws = openpyxl.load_workbook(report)["概览"]
    assert ws._charts and isinstance(ws._charts[0], BarChart)
    assert len(ws._charts[0].series) == 4


def test_district_table_from_the_district_summary(analysed_db, report):
    ds = pyogrio.read_dataframe(analysed_db, layer="district_summary", read_geometry=False)
    _, rows = _block(openpyxl.load_workbook(report)["概览"], "District")
    got = {r[0]: r[1] for r in rows[1:]}
    assert got == dict(zip(ds["district"], ds["n_units"]))


def _district_block(report) -> pd.DataFrame:
    _, rows = _block(openpyxl.load_workbook(report)["概览"], "District")
    return pd.DataFrame(rows[1:], columns=rows[0]).set_index("District")


def test_district_table_shows_shares_and_the_inherent_levels(analysed_db, report):
    # Per district: each level's count and share, the counts by inherent level, the units the
    # upgrades raised and both risk indices, as the district summary holds them.
    ds = pyogrio.read_dataframe(analysed_db, layer="district_summary", read_geometry=False).set_index("district")
    t = _district_block(report)
    names = {k: f"{k} {RULES.levels[k].zh}" for k in (1, 2, 3, 4)}
    shares = [f"{names[k]}: share (%)" for k in (1, 2, 3, 4)] + ["Unscored: share (%)"]
    assert t[shares].sum(axis=1).tolist() == pytest.approx([100.0] * len(t))
    for k in (1, 2, 3, 4):
        assert t[names[k]].to_dict() == ds[f"n_level{k}"].to_dict()
        assert t[f"{names[k]}: share (%)"].tolist() == pytest.approx(ds.loc[t.index, f"share_level{k}"].tolist())
        assert t[f"{names[k]}: inherent"].to_dict() == ds[f"n_inherent{k}"].astype(int).to_dict()
    assert t["Units raised by the upgrades"].to_dict() == ds["n_raised"].astype(int).to_dict()
    assert t["Units raised by the upgrades"].sum() >= 1
    assert t["Risk index of the inherent levels"].tolist() == pytest.approx(
        ds.loc[t.index, "risk_index_inherent"].tolist())
    # the share and inherent headings take their level's colour, like the counts'
    ws = openpyxl.load_workbook(report)["概览"]
    head, rows = _block(ws, "District")
    for col, text in enumerate(rows[0], 1):
        m = re.match(r"([1-4]) .*: (share|inherent)", str(text))
        if m:
            assert ws.cell(head, col).fill.fgColor.rgb[-6:] == RULES.levels[int(m.group(1))].colour.lstrip("#")
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("inherent = the level the scores give" in n for n in notes)


def test_district_table_of_a_database_scored_before_inherent_levels(analysed_db, tmp_path):
    # Its units have no inherent_level, its district summary no inherent fields: the report
    # still has every district, with the shares, and leaves the inherent columns empty.
    units = riskdb.read_layer(analysed_db, "units").drop(columns="inherent_level")
    summary = riskdb.read_layer(analysed_db, "district_summary")
    summary = summary.drop(columns=[c for c in summary if c.startswith(("share_", "n_inherent", "n_raised"))
                                    or c == "risk_index_inherent"])
    riskdb.update_layers(analysed_db, {"units": units, "district_summary": summary})
    t = _district_block(_write(analysed_db, tmp_path, "legacy.xlsx"))
    assert len(t) == len(summary)
    shares = [c for c in t.columns if "share (%)" in c]
    assert len(shares) == 5 and t[shares].sum(axis=1).tolist() == pytest.approx([100.0] * len(t))
    inherent = [c for c in t.columns if c.endswith(": inherent")]
    assert len(inherent) == 4
    assert t[[*inherent, "Units raised by the upgrades", "Risk index of the inherent levels"]].isna().all().all()


# --- level-1 and level-2 units ----------------------------------------------------------------------

def test_level_sheets_list_every_level_1_and_2_unit_and_no_other(analysed_db, report):
    units = _units(analysed_db)
    hazards = pyogrio.read_dataframe(analysed_db, layer="hazards", read_geometry=False)
    level = pd.to_numeric(units["level"], errors="coerce")
    wb = openpyxl.load_workbook(report)
    for k, sheet in ((1, "重大风险单位"), (2, "较大风险单位")):
        t = _table(wb[sheet])
        expected = set(units.loc[level == k, "unit_code"])
        assert expected and set(t["Unit code"]) == expected
        # one row per hazard source of those units
        assert sorted(t["Hazard source code"].dropna()) == sorted(hazards.loc[hazards["unit_code"].isin(expected),
                                                                              "hazard_code"])
        assert set(t["Unit level"]) == {k}


def test_level_sheet_carries_method_numbers_receptors_and_cascade(analysed_db, report):
    t = _table(openpyxl.load_workbook(report)["重大风险单位"])
    for col in ("R (GB 18218)", "α", "Σβq/Q", "q/Q", "β", "LEC D", "LS R", "Method", "Reasons for the unit's level",
                "Nearest high-sensitivity receptors", "Cascade reach, one step", "Cascade reach, all steps",
                "Most probable chain from here", "Cascade upgrade reason", "Contact person", "Contact phone"):
        assert col in t.columns
    links = pyogrio.read_dataframe(analysed_db, layer="hazard_receptor_links", read_geometry=False)
    high = links[links["sensitivity"] == "high"].sort_values("distance_m")
    row = t[t["Nearest high-sensitivity receptors"].notna()].iloc[0]
    first = high[high["hazard_code"] == row["Hazard source code"]].iloc[0]
    assert row["Nearest high-sensitivity receptors"].startswith(
        f"{first.receptor_name} ({first.class_zh}, {round(first.distance_m)} m)")
    assert row["Nearest high-sensitivity receptors"].count(";") <= 2
    hazards = pyogrio.read_dataframe(analysed_db, layer="hazards", read_geometry=False).set_index("hazard_code")
    gb = t[t["Method"] == "gb18218"]
    assert len(gb)
    for _, r in gb.iterrows():
        h = hazards.loc[r["Hazard source code"]]
        assert r["R (GB 18218)"] == pytest.approx(h.r_value) and r["α"] == pytest.approx(h.alpha)
        assert r["Σβq/Q"] == pytest.approx(h.r_value / h.alpha)
        assert r["Hazard source level"] == h.level


def test_number_formats(report):
    wb = openpyxl.load_workbook(report)
    ws = wb["重大风险单位"]
    head = [c.value for c in ws[1]]
    fmt = {h: ws.cell(2, i + 1).number_format for i, h in enumerate(head)}
    assert fmt["R (GB 18218)"] == "0.00" or ws.cell(2, head.index("R (GB 18218)") + 1).value is None
    col = head.index("R (GB 18218)") + 1
    r_cells = [ws.cell(i, col) for i in range(2, ws.max_row + 1) if isinstance(ws.cell(i, col).value, float)]
    assert r_cells and all(c.number_format == "0.00" for c in r_cells)
    assert fmt["Unit level"] == "0" and fmt["Hazard source level"] == "0"
    ws = wb["敏感目标"]
    assert ws.cell(2, [c.value for c in ws[1]].index("Distance (m)") + 1).number_format == "0.0"
    ws = wb["多米诺链"]
    p = ws.cell(2, [c.value for c in ws[1]].index("Probability") + 1)
    assert isinstance(p.value, (int, float)) and "0.000" in p.number_format


# --- survey text is text -------------------------------------------------------------------------

INJECTED = {"name": '=HYPERLINK("http://x","y")', "address": "+86 138 0000 0000", "street": "-abc",
            "survey_date": "@x"}


def test_survey_text_is_never_a_formula(analysed_db, tmp_path):
    units = riskdb.read_layer(analysed_db, "units")
    risk_map = riskdb.read_layer(analysed_db, "risk_map")
    code = units.loc[pd.to_numeric(units["level"]) == 1, "unit_code"].iloc[0]
    for field, value in INJECTED.items():
        units.loc[units["unit_code"] == code, field] = value
        if field in risk_map:
            risk_map.loc[risk_map["unit_code"] == code, field] = value
    hazards = riskdb.read_layer(analysed_db, "hazards")
    hcode = hazards.loc[hazards["unit_code"] == code, "hazard_code"].iloc[0]
    hazards.loc[hazards["hazard_code"] == hcode, "name"] = "=1+1"
    riskdb.update_layers(analysed_db, {"units": units, "risk_map": risk_map, "hazards": hazards})
    path = _write(analysed_db, tmp_path)

    wb = openpyxl.load_workbook(path)
    ws = wb["重大风险单位"]
    head = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(head)}
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["Unit code"]).value == code]
    assert rows
    for header, value in (("Unit name", INJECTED["name"]), ("Address", INJECTED["address"]),
                          ("Street", INJECTED["street"]), ("Survey date", INJECTED["survey_date"])):
        for r in rows:
            cell = ws.cell(r, col[header])
            assert cell.data_type == "s" and cell.value == value
    hz = [r for r in rows if ws.cell(r, col["Hazard source code"]).value == hcode]
    assert ws.cell(hz[0], col["Hazard source name"]).value == "=1+1"
    assert ws.cell(hz[0], col["Hazard source name"]).data_type == "s"
    # nothing anywhere in the workbook is a formula
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    # another reader sees the literal text
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("重大风险单位").to_python()
    chead = cal[0]
    crow = next(r for r in cal[1:] if r[chead.index("Unit code")] == code)
    for header, value in (("Unit name", INJECTED["name"]), ("Address", INJECTED["address"]),
                          ("Street", INJECTED["street"]), ("Survey date", INJECTED["survey_date"])):
        assert crow[chead.index(header)] == value
    # numbers stay numbers
    assert isinstance(crow[chead.index("Unit level")], (int, float))


# --- personal data -----------------------------------------------------------------------------

def _set_contact(db) -> str:
    units = riskdb.read_layer(db, "units")
    code = units.loc[pd.to_numeric(units["level"]) == 1, "unit_code"].iloc[0]
    sel = units["unit_code"] == code
    units.loc[sel, "contact_name"] = "张三丰"
    units.loc[sel, "contact_phone"] = "13812345678"
    units.loc[sel, "surveyor"] = "李四"
    riskdb.update_layers(db, {"units": units})
    return code


def test_contacts_are_masked_by_default(analysed_db, tmp_path):
    code = _set_contact(analysed_db)
    t = _table(openpyxl.load_workbook(_write(analysed_db, tmp_path))["重大风险单位"])
    row = t[t["Unit code"] == code].iloc[0]
    assert (row["Contact person"], row["Contact phone"], row["Surveyor"]) == ("张**", "138****5678", "李*")
    units = _units(analysed_db).set_index("unit_code")
    for _, r in t.drop_duplicates("Unit code").iterrows():
        name = units.at[r["Unit code"], "contact_name"]
        if isinstance(name, str) and name.strip():
            assert r["Contact person"] == name.strip()[0] + "*" * (len(name.strip()) - 1)
        phone = units.at[r["Unit code"], "contact_phone"]
        if isinstance(phone, str) and len(re.sub(r"\D", "", phone)) >= 11:
            d = re.sub(r"\D", "", phone)
            assert r["Contact phone"] == d[:3] + "*" * (len(d) - 7) + d[-4:]
    # nothing unmasked anywhere in the workbook
    wb = CalamineWorkbook.from_path(str(tmp_path / "report.xlsx"))
    for sheet in SHEETS:
        for r in wb.get_sheet_by_name(sheet).to_python():
            assert "13812345678" not in [str(v) for v in r] and "张三丰" not in r


def test_contacts_shown_in_full_when_asked(analysed_db, tmp_path):
    code = _set_contact(analysed_db)
    t = _table(openpyxl.load_workbook(_write(analysed_db, tmp_path, unmask=True))["重大风险单位"])
    row = t[t["Unit code"] == code].iloc[0]
    assert (row["Contact person"], row["Contact phone"], row["Surveyor"]) == ("张三丰", "13812345678", "李四")
    assert row["Contact phone"] == "13812345678" and isinstance(row["Contact phone"], str)


def test_mask_functions():
    assert mask_name(pd.Series(["张三", "张三丰", " 王 ", None])).tolist()[:3] == ["张*", "张**", "王"]
    got = mask_phone(pd.Series(["13812345678", "+86 138 1234 5678", "0755-80648296", "80648296", "1234", "无"]))
    assert got.tolist() == ["138****5678", "138****5678", "075*****8296", "****8296", "**34", "*"]
    assert mask_phone(pd.Series([None, ""])).isna().all()


# --- layout -------------------------------------------------------------------------------------

def test_sheets_frozen_and_filtered(report):
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == list(SHEETS)
    for name in TABLE_SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        widths = [ws.column_dimensions[c].width for c in "ABC"]
        assert all(w and 6 <= w <= 60 for w in widths), name
    for name in ("概览", "方法说明"):
        assert wb[name].freeze_panes == "A2" and wb[name].auto_filter.ref


def test_headings_go_through_tr_and_sheet_names_do_not(analysed_db, tmp_path):
    def tr(text):
        return "译" + text

    wb = openpyxl.load_workbook(_write(analysed_db, tmp_path, tr=tr))
    assert wb.sheetnames == list(SHEETS)
    assert all(str(c.value).startswith("译") for c in wb["重大风险单位"][1])
    assert wb["多米诺链"]["A1"].value == "译Rank"


def test_translatable_strings_are_literals():
    """An extractor collects N_("…") literals with ast: every N_ call has one string literal."""
    for name in ("reporting/data.py", "reporting/xlsx.py"):
        tree = ast.parse((ROOT / "plugin" / "core" / name).read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "N_"]
        assert calls
        for c in calls:
            assert len(c.args) == 1 and isinstance(c.args[0], ast.Constant) and isinstance(c.args[0].value, str)


# --- 方法说明 ------------------------------------------------------------------------------------

def test_method_sheet_has_input_hashes_rules_and_version(analysed_db, report):
    runs = pyogrio.read_dataframe(analysed_db, layer="import_runs", read_geometry=False)
    ws = openpyxl.load_workbook(report)["方法说明"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    _, rows = _block(ws, "File")
    got = {r[0]: r[rows[0].index("SHA-256")] for r in rows[1:]}
    assert got == dict(zip(runs["file"], runs["sha256"]))
    version = re.search(r"^version=(.+)$", (ROOT / "metadata.txt").read_text(encoding="utf-8"),
                        re.MULTILINE).group(1)
    _, info = _block(ws, "Item")
    info = {r[0]: r[1] for r in info[1:]}
    assert info["Plugin version"] == version.strip()
    assert info["SHA-256 of the rules file"] == RULES.sha256 and RULES.sha256 in cells
    assert any(isinstance(v, str) and "R = α · Σ β·q/Q" in v for v in cells)
    assert any(isinstance(v, str) and v.startswith("320 ≤ D") for v in cells)  # LEC band from the rules


def test_rules_provenance_from_the_rules_data():
    p = rules_provenance(RULES.path).set_index(["section", "key"])["provenance"]
    assert p[("cascade", "vce_yield")] == "literature default"
    assert p[("cascade.heat_threshold_kw_m2", "atmospheric")] == "verified"
    assert p[("cascade.heat_threshold_kw_m2", "pressurised")] == "literature default"
    assert p[("cascade.heat_threshold_kw_m2", "building")] == "project default"
    assert p[("cascade.overpressure_threshold_kpa", "elongated")] == "literature default"
    assert p[("cascade.heat_probit_atmospheric", "y0")] == "verified"
    assert p[("cascade", "pressurised_fire_probability")] == "project default"  # no verified model
    assert p[("cascade", "reference_pressure_pa")] == "not stated in the rules file"
    assert p[("sectors.gas", "protection_m")] == "project default"
    assert ("sectors.gas", "reach_m") not in p.index
    # Every key of the cascade section is listed, each once, in the file's order.
    assert not p.index.duplicated().any()
    assert list(p.loc["cascade.substances"].index) == list(RULES.cascade["substances"])
    assert list(p.loc["cascade.overpressure_probit"].index) == ["atmospheric", "pressurised", "elongated",
                                                                "auxiliary", "building"]


def test_rules_provenance_is_read_from_keys_not_comments(tmp_path):
    text = RULES.path.read_text(encoding="utf-8")
    # Comments say nothing any more; an edited [[provenance]] entry changes the row.
    text = "\n".join(line.split("#", 1)[0] if "#" in line and '"' not in line.split("#", 1)[0] else line
                     for line in text.splitlines())
    old = 'keys = ["atmospheric"]\nstatus = "verified"'
    assert old in text
    p = tmp_path / "rules.toml"
    p.write_text(text.replace(old, 'keys = ["atmospheric"]\nstatus = "literature default"'), encoding="utf-8")
    df = rules_provenance(load_rules(p)).set_index(["section", "key"])
    row = df.loc[("cascade.heat_threshold_kw_m2", "atmospheric")]
    assert row["provenance"] == "literature default" and "Khakzad & Reniers" in row["note"]
    assert df.loc[("cascade.heat_probit_atmospheric", "y0"), "provenance"] == "verified"
    assert len(df) == len(rules_provenance(RULES))


# --- databases part-way through ------------------------------------------------------------------

def test_imported_and_scored_only_still_gives_every_sheet(analysed_db, tmp_path):
    layers = {n: riskdb.read_layer(analysed_db, n) for n in ("units", "hazards", "import_issues", "import_runs")}
    db = tmp_path / "scored.gpkg"
    riskdb.write_layers(db, layers)
    score_database(db, RULES)
    assert not {"hazard_receptor_links", "cascade_chains", "district_summary"} & set(riskdb.layer_names(db))
    path = _write(db, tmp_path, "scored.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    texts = {name: [c.value for row in wb[name].iter_rows() for c in row if isinstance(c.value, str)]
             for name in SHEETS}
    assert any("proximity analysis" in t and "has not run" in t for t in texts["敏感目标"])
    assert any("cascade analysis" in t and "has not run" in t for t in texts["多米诺链"])
    assert any("has not run" in t for t in texts["概览"])
    assert wb["敏感目标"]["A1"].value == "Hazard source code" and wb["多米诺链"]["A1"].value == "Rank"
    units = _units(db)
    level = pd.to_numeric(units["level"], errors="coerce")
    assert set(_table(wb["重大风险单位"])["Unit code"]) == set(units.loc[level == 1, "unit_code"])
    # districts counted from the units' surveyed district: scored only, nothing raised yet
    t = _district_block(path)
    by = units.assign(level=level).groupby("district")
    assert t["Units"].to_dict() == by.size().to_dict()
    assert t["Units raised by the upgrades"].sum() == 0
    for k in (1, 2, 3, 4):
        name = f"{k} {RULES.levels[k].zh}"
        assert t[f"{name}: inherent"].to_dict() == t[name].to_dict()
        assert t[f"{name}: share (%)"].to_dict() == pytest.approx((100.0 * t[name] / t["Units"]).to_dict())


def test_unscored_database_is_refused(analysed_db, tmp_path):
    units = riskdb.read_layer(analysed_db, "units")
    hazards = riskdb.read_layer(analysed_db, "hazards")
    units = units.drop(columns=[c for c in UNIT_SCORE_FIELDS + ("population_500m",) if c in units])
    hazards = hazards[[c for c in hazards.columns if c not in HAZARD_SCORE_FIELDS][:30] + ["geometry"]]
    db = tmp_path / "imported.gpkg"
    riskdb.write_layers(db, {"units": units, "hazards": hazards.loc[:, ~hazards.columns.duplicated()]})
    with pytest.raises(PipelineError) as err:
        report_data(db, RULES)
    assert "not scored" in err.value.en and "尚未评价" in err.value.zh
    assert isinstance(err.value, ValueError)
    with pytest.raises(PipelineError):
        report_data(tmp_path / "missing.gpkg", RULES)


def test_a_failed_write_leaves_the_earlier_report(analysed_db, tmp_path):
    path = _write(analysed_db, tmp_path)
    before = path.read_bytes()
    data = report_data(analysed_db, RULES)

    def failing_tr(text):
        if text == "Chain":
            raise RuntimeError("disk full")
        return text

    with pytest.raises(RuntimeError):
        write_report_xlsx(data, path, tr=failing_tr)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx") == ["report.xlsx"]
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_rules_recorded_per_step_are_shown_and_a_mismatch_warned(analysed_db, tmp_path):
    runs = pd.DataFrame({
        "step": ["import_surveys", "score", "proximity", "score"], "started": ["2026-01-01T10:00:00"] * 4,
        "finished": ["2026-01-01T10:01:00"] * 4,
        "rules_path": ["", "/old.toml", "/elsewhere/my_rules.toml", str(RULES.path)],
        "rules_name": ["", "old", "my rules", RULES.name], "rules_sha256": ["", "cd" * 32, "ab" * 32, RULES.sha256],
        "plugin_version": ["0.4.0"] * 4, "summary": ['{"units": 1}'] * 4})
    riskdb.update_layers(analysed_db, {"analysis_runs": runs})
    ws = openpyxl.load_workbook(_write(analysed_db, tmp_path))["方法说明"]
    _, rows = _block(ws, "Step")
    assert [r[0] for r in rows[1:]] == ["import_surveys", "proximity", "score"]  # the latest run of each step
    sha = {r[0]: r[rows[0].index("SHA-256 of the rules file")] for r in rows[1:]}
    assert sha == {"import_surveys": None, "proximity": "ab" * 32, "score": RULES.sha256}
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Warning: some steps used rules other than") for t in texts)


def test_long_text_is_cut_to_excels_limit_as_excel_counts_with_a_note():
    """Excel's 32,767-character limit counts UTF-16 units (an emoji is two); text cut says so,
    and the characters a cell cannot hold are shown, not dropped (plugin/core/cells.py)."""
    from plugin.core.cells import MAX_TEXT, cell_text

    text = "😀" * 20000  # 40,000 units
    cut = cell_text(text)
    assert MAX_TEXT - 1 <= len(cut.encode("utf-16-le")) // 2 <= MAX_TEXT  # an emoji is not split
    assert cut.startswith("😀" * 16000)
    assert cut.endswith(" …[已截断：原文共 20,000 个字符 / cut: 20,000 characters in all]")
    cut = cell_text("安全" * 20000)
    assert len(cut) == MAX_TEXT and cut.startswith("安全" * 16000)
    assert cell_text("short") == "short"
    assert cell_text("a\x01b\x1bc\td\ne\uffff") == "a[U+0001]b[U+001B]c\td\ne[U+FFFF]"


def test_report_cells_show_control_characters(analysed_db, tmp_path):
    """A unit name holding control characters (an .xlsx survey can carry them as _x0001_)
    reaches the report's lists as written, the characters shown."""
    from osgeo import gdal

    risk = pyogrio.read_dataframe(analysed_db, layer="risk_map", read_geometry=False)
    code = risk.loc[risk.level == 1, "unit_code"].iloc[0]
    for layer in ("units", "risk_map"):
        ds = gdal.OpenEx(str(analysed_db), gdal.OF_VECTOR | gdal.OF_UPDATE)
        ds.ExecuteSQL(f"UPDATE {layer} SET name = 'A' || char(1) || 'B' || char(27) || 'C' WHERE unit_code = '{code}'")
        ds = None
    wb = openpyxl.load_workbook(_write(analysed_db, tmp_path))
    texts = [c.value for row in wb["重大风险单位"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "A[U+0001]B[U+001B]C" in texts


# --- long lists ----------------------------------------------------------------------------------

def test_a_long_list_is_cut_between_units_and_says_where_the_whole_list_is(analysed_db, tmp_path, monkeypatch):
    """Above MAX_LIST_ROWS rows a list sheet shows its first rows, whole units only, under a
    bilingual note row naming the layer and the filter that give the whole list."""
    import pyogrio

    from plugin.core.reporting import data as rp

    full = report_data(analysed_db, RULES)
    rows = len(full.level_units[2])
    monkeypatch.setattr(rp, "MAX_LIST_ROWS", rows // 2)
    data = report_data(analysed_db, RULES)
    cut = data.truncated["较大风险单位"]
    shown = data.level_units[2]
    assert cut.total == rows and cut.shown == len(shown) <= rows // 2
    assert shown["unit_code"].tolist() == full.level_units[2]["unit_code"].tolist()[:cut.shown]
    codes = full.level_units[2]["unit_code"]
    assert codes.iloc[cut.shown] not in set(shown["unit_code"])  # no unit shown in part
    assert "重大风险单位" not in data.truncated or len(full.level_units[1]) > rows // 2
    # the filter named gives the whole list from the database
    whole = pyogrio.read_dataframe(analysed_db, layer=cut.layer, where=cut.filter, read_geometry=False)
    expected = full.level_units[2]["hazard_code"].dropna()
    assert sorted(whole["hazard_code"]) == sorted(expected)
    units = pyogrio.read_dataframe(analysed_db, layer=cut.also[0], where=cut.also[1], read_geometry=False)
    assert set(units["unit_code"]) == set(codes) and cut.units_total == len(units)

    path = write_report_xlsx(data, tmp_path / "cut.xlsx")
    ws = openpyxl.load_workbook(path)["较大风险单位"]
    note = ws["A1"].value
    assert note.startswith(f"本表只列出前 {cut.shown:,} 行（共 {rows:,} 行") and f"图层 {cut.layer}" in note
    assert f"Only the first {cut.shown:,} of {rows:,} rows are shown" in note and cut.filter in note
    assert ws["A2"].value == "Unit code" and ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    body = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    assert [r[0] for r in body[:cut.shown]] == shown["unit_code"].tolist() and body[cut.shown][0] is None
    assert any(r[0] == note for r in body)  # under the table too, and on the summary sheet
    summary = [c.value for row in openpyxl.load_workbook(path)["概览"].iter_rows() for c in row]
    assert note in summary
    # a list within the cap is as before: header in row 1
    assert openpyxl.load_workbook(path)["敏感目标"]["A1"].value == "Hazard source code"


def test_rows_written_in_blocks_equal_rows_written_cell_by_cell(analysed_db, tmp_path, monkeypatch):
    """The list sheets' encoded rows hold the same values, types and formats as XlsxWriter's
    own cell-by-cell writing."""
    from plugin.core.reporting import xlsx

    data = report_data(analysed_db, RULES)
    frame = data.level_units[1]
    frame.loc[frame.index[0], "address"] = "A & B <c> \t tab "
    fast = write_report_xlsx(data, tmp_path / "fast.xlsx")
    monkeypatch.setattr(xlsx, "FAST_ROWS", False)
    slow = write_report_xlsx(data, tmp_path / "slow.xlsx")
    a, b = openpyxl.load_workbook(fast), openpyxl.load_workbook(slow)
    for name in ("重大风险单位", "较大风险单位", "敏感目标", "多米诺链"):
        ra = [[(c.value, c.data_type, c.number_format, c.fill.fgColor.rgb) for c in r] for r in a[name].iter_rows()]
        rb = [[(c.value, c.data_type, c.number_format, c.fill.fgColor.rgb) for c in r] for r in b[name].iter_rows()]
        assert ra == rb, name
    assert _table(a["重大风险单位"])["Address"].iloc[0] == "A & B <c> \t tab "
    # Excel reads _x0041_ as "A": the encoded rows keep such survey text literal (_x005F_x0041_)
    frame.loc[frame.index[0], "address"] = "_x0041_"
    monkeypatch.setattr(xlsx, "FAST_ROWS", True)
    cal = CalamineWorkbook.from_path(str(write_report_xlsx(data, tmp_path / "x.xlsx"))).get_sheet_by_name(
        "重大风险单位").to_python()
    assert cal[1][cal[0].index("Address")] == "_x0041_"


def test_the_narrow_reads_assemble_the_same_report_as_the_whole_layers(analysed_db):
    """report_data reads the counts in the database and only the rows the lists can show; the
    report is the one assembled from the whole layers and tables."""
    from plugin.core.reporting import data as rd
    from plugin.core.store import read, riskdb

    present = set(riskdb.layer_names(analysed_db))
    whole = rd.ReportSource(
        db=analysed_db, layers=frozenset(present), units=read.present_columns(analysed_db, "units", rd.UNIT_FIELDS),
        hazards=read.present_columns(analysed_db, "hazards", rd.HAZARD_FIELDS),
        tables={n: read.present_columns(analysed_db, n) if n in present else None for n in rd.TABLES},
        plugin_version=riskdb.plugin_version())
    for cap in (rd.MAX_LIST_ROWS, 7):
        old = rd.assemble_report(whole, RULES, max_rows=cap)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(rd, "MAX_LIST_ROWS", cap)
            new = report_data(analysed_db, RULES)
        for name in ("totals", "by_level", "by_sector", "by_district", "receptors", "chains", "issue_counts",
                     "import_balance", "analysis_runs", "methods", "provenance", "inputs"):
            pd.testing.assert_frame_equal(getattr(new, name), getattr(old, name), check_dtype=False, obj=name)
        for k in (1, 2):
            pd.testing.assert_frame_equal(new.level_units[k], old.level_units[k], check_dtype=False)
        assert new.truncated == old.truncated and new.notes == old.notes and new.steps == old.steps
    assert len(new.receptors) == 7 and new.truncated  # the cap was reached


def test_the_dynamic_risk_beside_the_inherent_when_computed(analysed_db, report, tmp_path):
    """Before citysafety:dynamic_risk the report has no dynamic column; after it, the summary
    counts the units by dynamic level, the districts per dynamic level as the district summary
    holds them, and the level sheets give each unit's dynamic level and what raised it."""
    from openpyxl import Workbook

    from plugin.core import steps

    assert "Units by dynamic risk" not in [c.value for row in openpyxl.load_workbook(report)["概览"].iter_rows()
                                           for c in row]
    units = _units(analysed_db)
    unit = units.loc[units["level"] == 2, "unit_code"].iloc[0]
    wb = Workbook()
    wb.active.append(["单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期"])
    wb.active.append([unit, "可燃气体报警器失效", "重大隐患", "未整改", "2026-03-05"])
    wb.save(tmp_path / "hd.xlsx")
    steps.import_hidden_dangers(analysed_db, [tmp_path / "hd.xlsx"], RULES)
    steps.dynamic_risk(analysed_db, RULES, "2026-04-01")
    book = openpyxl.load_workbook(_write(analysed_db, tmp_path, "dynamic.xlsx"))
    after = _units(analysed_db)
    _, rows = _block(book["概览"], "Level")
    by_level = pd.DataFrame(rows[1:], columns=rows[0])
    expected = [int((after.dynamic_level == k).sum()) for k in (1, 2, 3, 4)]
    assert by_level["Units by dynamic risk"].tolist()[:4] == expected
    ds = pyogrio.read_dataframe(analysed_db, layer="district_summary", read_geometry=False).set_index("district")
    t = _district_block_of(book)
    for k in (1, 2, 3, 4):
        assert t[f"{k} {RULES.levels[k].zh}: dynamic risk"].to_dict() == ds[f"n_dynamic{k}"].astype(int).to_dict()
    assert t["Units raised by the dynamic factors"].sum() == ds["n_dynamic_raised"].sum() >= 1
    sheet = _table(book["较大风险单位"])
    row = sheet[sheet["Unit code"] == unit].iloc[0]
    assert row["Unit dynamic level"] == 1 and "重大隐患" in row["Dynamic risk: raised by"]
    notes = [c.value for r in book["概览"].iter_rows() for c in r if isinstance(c.value, str)]
    assert any("2026-04-01" in n and "Dynamic risk" in n for n in notes)
    # 隐患督办: per district, a total row, and the major hidden danger 27 days past its deadline
    _, rows = _block(book["隐患督办"], "District")
    hidden = pd.DataFrame(rows[1:], columns=rows[0]).set_index("District")
    assert hidden.loc["Total", "Hidden dangers"] == 1 and hidden.loc["Total", "Open major hidden dangers"] == 1
    _, rows = _block(book["隐患督办"], "Hidden danger code")
    assert len(rows) == 1  # no deadline given: not past it, not on the list
    empty = openpyxl.load_workbook(report)["隐患督办"]
    assert any("No hidden dangers counted" in str(c.value) for r in empty.iter_rows() for c in r)


def _district_block_of(book) -> pd.DataFrame:
    _, rows = _block(book["概览"], "District")
    return pd.DataFrame(rows[1:], columns=rows[0]).set_index("District")

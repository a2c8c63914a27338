"""citysafety:risk_list (issue 15): the 风险清单 as a bureau reads it — every risk point once, in
the unified layout, filtered, the levels in their colours, phones of people masked unless
asked (duty phones never), survey text never a formula, an earlier list kept on a cancel."""

from __future__ import annotations

import sqlite3
import subprocess

import pyogrio
import pytest
from openpyxl import load_workbook

from plugin.core.reporting import risk_list as rl
from tests.common import QGIS_PROCESS


def _run(params, feedback=None):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    return processing.run("citysafety:risk_list", params, context=QgsProcessingContext(),
                          feedback=feedback or QgsProcessingFeedback())


def _table(path, sheet=rl.SHEET):
    ws = load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return ws, rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def _read(db, layer):
    return pyogrio.read_dataframe(db, layer=layer, read_geometry=False)


def test_every_risk_point_once_level_1_first(provider, analysed_db, tmp_path):
    out = tmp_path / "风险清单.xlsx"
    res = _run({"INPUT": str(analysed_db), "OUTPUT": str(out)})
    hazards, units = _read(analysed_db, "hazards"), _read(analysed_db, "units")
    ws, head, rows = _table(out)
    assert res["ROWS"] == len(rows) == len(hazards) and res["OUTPUT"] == str(out)
    assert sorted(r["Risk point code"] for r in rows) == sorted(hazards.hazard_code)
    assert [r["No."] for r in rows] == list(range(1, len(rows) + 1))
    levels = [r["Risk level"] for r in rows]
    assert levels == sorted(levels) and levels[0] == 1
    assert head[:4] == ("No.", "Risk point code", "Risk point", "Type")
    # one row checked field by field against the database
    h = hazards.set_index("hazard_code")
    u = units.set_index("unit_code")
    row = next(r for r in rows if r["Risk level"] == 1 and r["Engineering controls"])
    code = row["Risk point code"]
    assert row["Possible accidents (GB 6441)"] == h.loc[code, "accident_types"]
    assert row["Engineering controls"] == h.loc[code, "controls_engineering"]
    assert row["Reach (m)"] == pytest.approx(h.loc[code, "reach_m"])
    assert row["People within the reach"] == round(h.loc[code, "pop_reach"])  # people are whole
    assert row["Responsible unit"] == u.loc[h.loc[code, "unit_code"], "name"]
    assert row["Supervising department"] == u.loc[h.loc[code, "unit_code"], "supervising_dept"]
    assert (row["Level name"], row["Risk colour"]) == ("重大风险", "红色")
    # the level's cells filled in its colour
    cell = ws.cell(row=2, column=head.index("Risk colour") + 1)
    assert cell.fill.fgColor.rgb.endswith("E60012")
    # what the [controls] rule finds missing: the risk map's findings, row for row
    findings = _read(analysed_db, "control_findings")
    flagged = {r["Risk point code"] for r in rows if r["Missing (the [controls] rule)"]
               and "controls" in r["Missing (the [controls] rule)"]}
    assert flagged == set(findings.loc[findings.code == "W_CONTROLS_MISSING", "hazard_code"])


def test_phones_of_people_are_masked_unless_asked_duty_phones_never(provider, analysed_db, tmp_path):
    masked, full = tmp_path / "masked.xlsx", tmp_path / "full.xlsx"
    _run({"INPUT": str(analysed_db), "OUTPUT": str(masked)})
    _run({"INPUT": str(analysed_db), "OUTPUT": str(full), "UNMASK": True})
    _, _, a = _table(masked)
    _, _, b = _table(full)
    phones = [(x["Responsible person's phone"], y["Responsible person's phone"]) for x, y in zip(a, b)
              if y["Responsible person's phone"]]
    assert phones and all("*" in m and "*" not in f and m[:3] == f[:3] and m[-4:] == f[-4:] for m, f in phones)
    duty = [x["Duty phone"] for x in a if x["Duty phone"]]
    assert duty and all("*" not in d for d in duty)
    assert [x["Responsible person"] for x in a] == [y["Responsible person"] for y in b]  # names are the list's
    info = dict(load_workbook(masked)[rl.INFO_SHEET].iter_rows(values_only=True))
    assert "masked" in info["Personal data"]


def test_filters_by_district_street_sector_and_level(provider, analysed_db, tmp_path):
    units = _read(analysed_db, "units")
    hazards = _read(analysed_db, "hazards").merge(units[["unit_code", "district", "street"]], on="unit_code")
    district = hazards.district.value_counts().index[0]
    out = tmp_path / "filtered.xlsx"
    res = _run({"INPUT": str(analysed_db), "OUTPUT": str(out), "DISTRICTS": f" {district} ，",
                "SECTORS": [0, 2], "LEVELS": [0, 1, 2]})  # hazchem and industry; levels 1–3
    want = hazards[(hazards.district == district) & hazards.sector.isin(["hazchem", "industry"])
                   & hazards.level.isin([1, 2, 3])]
    _, _, rows = _table(out)
    assert res["ROWS"] == len(rows) == len(want) > 0
    assert {r["Risk point code"] for r in rows} == set(want.hazard_code)
    street = want.street.iloc[0]
    res = _run({"INPUT": str(analysed_db), "OUTPUT": str(out), "STREETS": street})
    assert res["ROWS"] == int((hazards.street == street).sum())
    info = dict(load_workbook(out)[rl.INFO_SHEET].iter_rows(values_only=True))
    assert info["Streets"] == street and info["Districts"] == "all"


def test_an_unknown_district_is_refused_naming_it(provider, analysed_db, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as err:
        _run({"INPUT": str(analysed_db), "OUTPUT": str(tmp_path / "x.xlsx"), "DISTRICTS": "南山区,火星区"})
    message = str(err.value)
    assert "火星区" in message and "DISTRICTS" in message and "数据库中没有" in message and "no unit has" in message
    assert "南山区、" not in message.split("：")[1][:4]  # the known one is not named as missing
    assert not (tmp_path / "x.xlsx").exists()


def test_survey_text_is_never_a_formula(provider, analysed_db, tmp_path):
    from osgeo import gdal

    con = sqlite3.connect(analysed_db)
    try:
        code = con.execute("SELECT hazard_code FROM hazards WHERE level = 1 LIMIT 1").fetchone()[0]
    finally:
        con.close()
    ds = gdal.OpenEx(str(analysed_db), gdal.OF_VECTOR | gdal.OF_UPDATE)  # (its triggers need GDAL's functions)
    ds.ExecuteSQL("UPDATE hazards SET risk_features = '=HYPERLINK(\"http://x.example\",\"点我\")', "
                  f"controls_management = '+86 1381234' WHERE hazard_code = '{code}'")
    ds = None
    out = tmp_path / "list.xlsx"
    _run({"INPUT": str(analysed_db), "OUTPUT": str(out), "LEVELS": [0]})
    ws, head, rows = _table(out)
    i = next(n for n, r in enumerate(rows) if r["Risk point code"] == code)
    cell = ws.cell(row=i + 2, column=head.index("Risk features") + 1)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.example","点我")'
    assert rows[i]["Management controls"] == "+86 1381234"


def test_a_long_list_continues_on_further_sheets(analysed_db, tmp_path, monkeypatch):
    from plugin.core.rules import load_rules
    from plugin.core.steps import export_risk_list

    monkeypatch.setattr(rl, "MAX_SHEET_ROWS", 300)
    monkeypatch.setattr(rl, "CHUNK_ROWS", 128)
    result = export_risk_list(analysed_db, tmp_path / "long.xlsx", load_rules())
    names = load_workbook(tmp_path / "long.xlsx", read_only=True).sheetnames
    assert names == [rl.SHEET, f"{rl.SHEET} (2)", f"{rl.SHEET} (3)", rl.INFO_SHEET] and result.sheets == 3
    seqs = []
    for sheet in names[:3]:
        _, head, rows = _table(tmp_path / "long.xlsx", sheet)
        assert head[0] == "No." and len(rows) <= 300
        seqs += [r["No."] for r in rows]
    assert seqs == list(range(1, result.rows + 1))


def test_a_cancel_keeps_the_earlier_list(provider, analysed_db, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    out = tmp_path / "list.xlsx"
    out.write_bytes(b"earlier list")
    monkeypatch.setattr(rl, "CHUNK_ROWS", 100)
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda p: feedback.cancel() if p >= 5 else None)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        _run({"INPUT": str(analysed_db), "OUTPUT": str(out)}, feedback)
    assert out.read_bytes() == b"earlier list"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_qgis_process_risk_list(qgis_process_env, analysed_db, tmp_path):
    out = tmp_path / "list.xlsx"
    proc = subprocess.run([QGIS_PROCESS, "run", "citysafety:risk_list", "--", f"INPUT={analysed_db}",
                           f"OUTPUT={out}", "LEVELS=0", "LEVELS=1"], env=qgis_process_env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    _, _, rows = _table(out)
    assert rows and {r["Risk level"] for r in rows} <= {1, 2}

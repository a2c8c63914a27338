"""steps.dynamic_risk (issue 16): each unit's 现实风险 on a day from the database's hidden
dangers and the risk map's [controls] findings, written to the units' own fields; the
inherent level and level_reasons untouched; scoring again clears it (docs/domain/dynamic_risk.md)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from plugin.core import fields, steps
from plugin.core.errors import PipelineError
from plugin.core.rules import load_rules
from plugin.core.store import riskdb
from tests.common import read_attributes


@pytest.fixture
def db(analysed_db_session, tmp_path):
    target = tmp_path / "risk.gpkg"
    shutil.copyfile(analysed_db_session, target)
    return target


def _ledger(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["隐患编号", "单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期", "整改期限", "整改完成日期"])
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def _units(db):
    return read_attributes(db, "units", columns=["unit_code", "level", "level_reasons"])


def test_hidden_dangers_raise_the_units_they_concern_and_nothing_else(db, tmp_path):
    before = _units(db)
    findings = read_attributes(db, "control_findings", columns=["unit_code", "code"])
    lacking = set(findings.loc[findings.code.isin(["W_CONTROLS_MISSING", "W_RESPONSIBLE_MISSING"]), "unit_code"])
    calm = before[~before.unit_code.isin(lacking) & (before.level >= 3)].unit_code.tolist()
    a, b, c = calm[:3]
    _ledger(tmp_path / "hd.xlsx", [
        ["Y1", a, "可燃气体报警器失效", "重大隐患", "整改中", "2026-03-05", "2026-04-05", ""],
        ["Y2", b, "安全出口堵塞", "一般隐患", "未整改", "2026-01-01", "2026-03-01", ""],      # 31 days late on 04-01
        ["Y3", c, "消防栓失效", "重大隐患", "已整改", "2026-02-01", "2026-03-01", "2026-03-31"],  # fixed the day before
    ])
    steps.import_hidden_dangers(db, [tmp_path / "hd.xlsx"], load_rules())
    version = riskdb.state(db).version
    summary = steps.dynamic_risk(db, load_rules(), "2026-04-01")
    assert summary.as_of == "2026-04-01" and summary.sources["hidden_dangers"] == 3
    assert riskdb.state(db).version == version + 1
    after = read_attributes(db, "units", columns=["unit_code", "level", "level_reasons",
                                                  *fields.names("units", fields.DYNAMIC)]).set_index("unit_code")
    base = before.set_index("unit_code")
    assert after["level"].equals(base["level"]) and after["level_reasons"].equals(base["level_reasons"])
    assert after.loc[a, "raise_hidden_major"] == 1 and after.loc[a, "dynamic_level"] == base.loc[a, "level"] - 1
    assert "重大隐患" in after.loc[a, "reason_hidden_major"] and "2026-03-05" in after.loc[a, "reason_hidden_major"]
    assert after.loc[b, "raise_hidden_overdue"] == 1 and after.loc[b, "dynamic_raise"] == 1
    assert after.loc[c, "dynamic_raise"] == 0 and after.loc[c, "dynamic_level"] == base.loc[c, "level"]
    # every unit with a missing-control finding at level 1-2 is raised by it, capped at level 1
    raised = after[after["raise_controls"] > 0]
    assert set(raised.index) == lacking & set(after.index)
    scored = after[after["level"].notna()]
    assert after.loc[after["level"].isna(), "dynamic_level"].isna().all()  # no inherent level, no dynamic one
    assert (scored["dynamic_level"] >= 1).all() and (scored["dynamic_level"] <= scored["level"]).all()
    raises = scored[[f"raise_{f}" for f in ("hidden_major", "hidden_overdue", "accident", "controls")]].sum(axis=1)
    assert (scored["dynamic_level"] == np.maximum(scored["level"] - raises, 1)).all()
    assert set(after["dynamic_as_of"]) == {"2026-04-01"}
    untouched = after.drop(index=[a, b, c] + sorted(lacking & set(after.index)))
    assert (untouched["dynamic_raise"] == 0).all()
    assert untouched["dynamic_level"].fillna(0).equals(untouched["level"].fillna(0))
    run = riskdb.read_runs(db).iloc[-1]
    assert run["step"] == "dynamic_risk" and '"as_of": "2026-04-01"' in run["summary"]


def test_the_next_day_moves_the_overdue_edge(db, tmp_path):
    unit = _units(db).query("level >= 3").unit_code.iloc[0]
    _ledger(tmp_path / "hd.xlsx", [["Y2", unit, "安全出口堵塞", "一般隐患", "未整改", "2026-01-01", "2026-03-01", ""]])
    steps.import_hidden_dangers(db, [tmp_path / "hd.xlsx"], load_rules())
    levels = {}
    for day in ("2026-03-31", "2026-04-01"):  # 30 days past the deadline: not yet; 31: overdue
        steps.dynamic_risk(db, load_rules(), day)
        units = read_attributes(db, "units", columns=["unit_code", "raise_hidden_overdue"]).set_index("unit_code")
        levels[day] = int(units.loc[unit, "raise_hidden_overdue"])
    assert levels == {"2026-03-31": 0, "2026-04-01": 1}


def test_scoring_again_clears_the_dynamic_fields(db):
    steps.dynamic_risk(db, load_rules(), "2026-04-01")
    assert read_attributes(db, "units", columns=["dynamic_as_of"])["dynamic_as_of"].eq("2026-04-01").all()
    steps.score_database(db, load_rules())
    left = read_attributes(db, "units")
    assert not set(fields.names("units", fields.DYNAMIC)) & set(left.columns)  # gone until computed again


def test_an_unscored_database_is_refused(tmp_path):
    db = tmp_path / "empty.gpkg"
    riskdb.write_layers(db, {"notes": pd.DataFrame({"x": [1]})})
    with pytest.raises(PipelineError) as err:
        steps.dynamic_risk(db, load_rules(), "2026-04-01")
    assert " / " in str(err.value) or "units" in str(err.value)


def test_the_dynamic_fields_have_their_registered_types(db):
    steps.dynamic_risk(db, load_rules(), "2026-04-01")
    units = read_attributes(db, "units")
    for f in fields.on("units", fields.DYNAMIC):
        kind = units[f.name].dtype.kind
        expected = {fields.TEXT: "OSU", fields.INT: "iuf" if f.name == "dynamic_level" else "iu"}[f.type]
        assert kind in expected, (f.name, units[f.name].dtype)


def test_the_map_and_the_district_summary_carry_the_dynamic_levels(db, tmp_path):
    units = _units(db)
    unit = units.query("level >= 3").unit_code.iloc[0]
    _ledger(tmp_path / "hd.xlsx", [["Y1", unit, "报警器失效", "重大隐患", "未整改", "2026-03-05", "", ""]])
    steps.import_hidden_dangers(db, [tmp_path / "hd.xlsx"], load_rules())
    steps.dynamic_risk(db, load_rules(), "2026-04-01")
    dyn = read_attributes(db, "units", columns=["unit_code", "dynamic_level", "dynamic_raise"]).set_index("unit_code")
    risk = read_attributes(db, "risk_map", columns=["unit_code", "district", "dynamic_level", "reason_hidden_major"])
    assert risk.set_index("unit_code")["dynamic_level"].fillna(0).equals(
        dyn["dynamic_level"].fillna(0).reindex(risk.unit_code))
    assert "重大隐患" in risk.set_index("unit_code").loc[unit, "reason_hidden_major"]
    top = read_attributes(db, "risk_level1", columns=["unit_code", "level", "dynamic_level", "cell_level1_per_km2"])
    assert (top["dynamic_level"] == 1).all() and (top["cell_level1_per_km2"] > 0).all()
    assert set(top["unit_code"]) == set(dyn.index[dyn["dynamic_level"] == 1])
    assert (top["level"] == 2).any()  # raised to level 1 (by missing controls), drawn with the level-1 units
    assert set(top.loc[top["level"] == 1, "unit_code"]) == set(units.loc[units.level == 1, "unit_code"])
    summary = read_attributes(db, "district_summary")
    counts = summary[[f"n_dynamic{k}" for k in (1, 2, 3, 4)]].sum()
    inside = summary["n_units"].sum() - summary["n_unscored"].sum()  # every scored unit in a district counts once
    assert int(counts.sum()) == int(inside)
    assert int(summary["n_dynamic_raised"].sum()) >= 1
    # the map made again after the dynamic risk keeps it, on the points and in the districts
    steps.build_risk_map(db, load_rules(), tmp_path / "density.tif", _districts())
    again = read_attributes(db, "district_summary")
    assert again[[f"n_dynamic{k}" for k in (1, 2, 3, 4)]].sum().equals(counts)
    assert read_attributes(db, "risk_map", columns=["dynamic_level"])["dynamic_level"].notna().any()
    assert set(read_attributes(db, "risk_level1", columns=["unit_code"])["unit_code"]) == set(top["unit_code"])


def _districts():
    import pyogrio

    from tests.common import SAMPLE

    return pyogrio.read_dataframe(SAMPLE / "districts.gpkg").to_crs(4490)


def test_the_panel_snapshot_counts_both_levels(db):
    from plugin.core import status

    before = status.snapshot(db)
    assert before.dynamic is None and before.dynamic_as_of == ""
    steps.dynamic_risk(db, load_rules(), "2026-04-01")
    snap = status.snapshot(db)
    units = read_attributes(db, "units", columns=["level", "dynamic_level"])
    assert snap.dynamic_as_of == "2026-04-01"
    assert snap.dynamic.levels == {k: int((units["dynamic_level"] == k).sum()) for k in (1, 2, 3, 4)}
    assert snap.summary.levels == {k: int((units["level"] == k).sum()) for k in (1, 2, 3, 4)}
    assert snap.dynamic.levels[1] > snap.summary.levels[1] and snap.dynamic.total == snap.summary.total
    assert int(snap.dynamic.by_sector["level1"].sum()) == snap.dynamic.levels[1]


def test_who_is_behind_with_the_hidden_dangers_per_district_and_the_supervision_list(db, tmp_path):
    units = read_attributes(db, "units", columns=["unit_code", "name", "district"])
    a, b = units.unit_code.iloc[0], units.unit_code.iloc[1]
    _ledger(tmp_path / "hd.xlsx", [
        ["Y1", a, "报警器失效", "重大隐患", "整改中", "2026-01-01", "2026-03-01", ""],        # 31 days overdue
        ["Y2", a, "通道堵塞", "一般隐患", "未整改", "2026-01-01", "2026-03-31", ""],          # overdue by 1, general
        ["Y3", b, "储罐破损", "重大隐患", "未整改", "2026-03-01", "2026-04-01", ""],          # due today: not overdue
        ["Y4", b, "线路老化", "一般隐患", "已整改", "2026-01-01", "2026-02-01", "2026-01-11"],  # 10 days to rectify
        ["Y5", b, "检测过期", "重大隐患", "已销号", "2026-01-01", "2026-02-01", "2026-01-31"],  # 30 days
    ])
    steps.import_hidden_dangers(db, [tmp_path / "hd.xlsx"], load_rules())
    steps.dynamic_risk(db, load_rules(), "2026-04-01")
    supervision = read_attributes(db, "hidden_danger_supervision")
    assert list(supervision["danger_code"]) == ["Y1"] and int(supervision["days_overdue"][0]) == 31
    assert supervision["unit_name"][0] == units.set_index("unit_code").loc[a, "name"]
    by_district = read_attributes(db, "hidden_danger_districts").set_index("district")
    da, dbb = units.set_index("unit_code").loc[a, "district"], units.set_index("unit_code").loc[b, "district"]
    total = by_district[["n_hidden", "n_open", "n_open_major", "n_overdue", "n_overdue_major", "n_rectified"]].sum()
    assert total.to_dict() == {"n_hidden": 5, "n_open": 3, "n_open_major": 2, "n_overdue": 2, "n_overdue_major": 1,
                               "n_rectified": 2}
    if da != dbb:
        assert by_district.loc[dbb, "avg_days_to_rectify"] == 20.0
    assert set(by_district["as_of"]) == {"2026-04-01"}

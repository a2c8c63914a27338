"""Survey rounds (plugin/core/rounds.py, docs/rounds.md): a new round archives the survey with
its levels and files and puts the new import in its place; a district update replaces that
district's rows and leaves every other row byte-identical; the comparison of two rounds finds
units new, closed, moved, re-coded, their level up and down, with the reason, every unit of
each round accounted for."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest

from plugin.core import rounds, steps
from plugin.core.errors import PipelineError
from plugin.core.ingest.importer import import_surveys
from plugin.core.rules import load_rules
from plugin.core.store import riskdb
from tests.common import read_attributes, sample_survey_files


@pytest.fixture(scope="module")
def sample_import():
    return import_surveys(sample_survey_files())


@pytest.fixture
def db(analysed_db_session, tmp_path):
    target = tmp_path / "risk.gpkg"
    shutil.copyfile(analysed_db_session, target)
    return target


def _second_round(first):
    """The sample a year later: two units closed, one new, one hazard source's quantity ten
    times, one unit moved 500 m, one unit re-coded (same credit code)."""
    units, hazards = first.units.copy(), first.hazards.copy()
    hz_units = hazards["unit_code"].value_counts()
    credit = units.set_index("unit_code")["credit_code"]
    order = [c for c in units["unit_code"] if c in hz_units.index and credit.loc[c]]
    closed, grown, moved, recoded = order[:2], order[2], order[3], order[4]
    units = units[~units["unit_code"].isin(closed)]
    hazards = hazards[~hazards["unit_code"].isin(closed)]
    h = hazards.index[hazards["unit_code"] == grown][0]
    hazards.loc[h, "quantity_t"] = float(hazards.loc[h, "quantity_t"] or 1.0) * 10
    m = units.index[units["unit_code"] == moved][0]
    units.loc[m, "lon"] = units.loc[m, "lon"] + 0.005  # about 500 m east
    units.loc[m, "geometry"] = units.loc[m, "geometry"].__class__(units.loc[m, "lon"], units.loc[m, "lat"])
    r = units.index[units["unit_code"] == recoded][0]
    units.loc[r, "unit_code"] = recoded + "-R"
    hazards.loc[hazards["unit_code"] == recoded, "unit_code"] = recoded + "-R"
    new = units.iloc[[0]].copy()
    new["unit_code"], new["credit_code"], new["name"] = "NEW-0001", None, "新开业单位"
    new_hz = hazards[hazards["unit_code"] == units["unit_code"].iloc[0]].iloc[[0]].copy()
    new_hz["unit_code"], new_hz["hazard_code"] = "NEW-0001", "NEW-0001-01"
    units = pd.concat([units, new])
    hazards = pd.concat([hazards, new_hz])
    return type(first)(**{**first.__dict__, "units": units.reset_index(drop=True),
                          "hazards": hazards.reset_index(drop=True)}), \
        {"closed": set(closed), "grown": grown, "moved": moved, "recoded": recoded}


def test_a_new_round_archives_the_survey_and_the_comparison_finds_every_change(db, sample_import, tmp_path):
    from openpyxl import Workbook

    before = read_attributes(db, "units", columns=["unit_code", "level"])
    wb = Workbook()
    wb.active.append(["单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期"])
    wb.active.append([before.unit_code.iloc[0], "报警器失效", "重大隐患", "未整改", "2026-03-05"])
    wb.save(tmp_path / "hd.xlsx")
    steps.import_hidden_dangers(db, [tmp_path / "hd.xlsx"], load_rules())
    second, what = _second_round(sample_import)
    info = rounds.start_round(db, second, "第二轮", "2026-06-30")
    assert (info.round_id, info.archived, info.units) == (2, len(before), len(second.units))
    table = rounds.rounds(db)
    assert list(table["round_id"]) == [1, 2] and list(table["name"]) == ["第1轮", "第二轮"]
    files = read_attributes(db, "round_files")
    assert set(files["round_id"]) == {1, 2} and (files["sha256"].str.len() == 64).all()
    archived = read_attributes(db, "round_units")
    assert len(archived) == len(before) and set(archived["round_id"]) == {1}
    assert archived.set_index("unit_code")["level"].fillna(0).equals(before.set_index("unit_code")["level"].fillna(0))
    layers = set(riskdb.layer_names(db))
    assert {"hidden_dangers", "analysis_runs", *rounds.ROUND_LAYERS} <= layers
    assert not {"risk_map", "cascade_edges", "district_summary"} & layers  # derived: to be run again
    assert len(read_attributes(db, "units")) == len(second.units)

    steps.score_database(db, load_rules())
    changes = rounds.compare(rounds.round_state(db, 1)[:2], rounds.round_state(db, None)[:2])
    by = changes.set_index("unit_code")
    assert set(by.index[by["change"] == "closed"]) == what["closed"]
    assert list(by.index[by["change"] == "new"]) == ["NEW-0001"]
    assert by.loc[what["recoded"] + "-R", "previous_code"] == what["recoded"]
    assert by.loc[what["recoded"] + "-R", "change"] != "new"
    assert by.loc[what["moved"], "moved_m"] > 400
    assert by.loc[what["moved"], "change"] in ("moved", "up", "down")
    assert "危险物质数量" in by.loc[what["grown"], "reason_zh"] and "quantity" in by.loc[what["grown"], "reason_en"]
    # conservation: every unit of each round is in the comparison once
    assert len(changes) == len(second.units) + len(what["closed"])
    assert set(changes["unit_code"]) >= set(second.units["unit_code"])
    shifted = changes[changes["change"].isin(["up", "down"])]
    assert (np.sign(shifted["level_from"] - shifted["level_to"]) == np.where(shifted["change"] == "up", 1, -1)).all()


def _rows(db, layer, where):
    con = sqlite3.connect(db)
    try:
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")') if r[1] != "fid"]
        sel = ", ".join(f'quote("{c}")' for c in cols)
        return sorted(con.execute(f'SELECT {sel} FROM "{layer}" WHERE {where}').fetchall())
    finally:
        con.close()


def test_a_district_update_replaces_its_rows_and_leaves_the_others_byte_identical(db, sample_import):
    district = "福田区"
    where_others = f"\"district\" <> '{district}'"
    others_units = _rows(db, "units", where_others)
    others_hazards = _rows(db, "hazards", f"\"unit_code\" IN (SELECT \"unit_code\" FROM units WHERE {where_others})")
    mine = sample_import.units["district"] == district
    update = type(sample_import)(**{**sample_import.__dict__, "units": sample_import.units[mine].iloc[:-1],
                                    "hazards": sample_import.hazards[sample_import.hazards["unit_code"].isin(
                                        sample_import.units.loc[mine, "unit_code"].iloc[:-1])]})
    info = rounds.update_district(db, update, district, "福田区补充调查", "2026-07-15")
    assert (info.kind, info.district, info.round_id) == ("district_update", district, 1)
    assert _rows(db, "units", where_others) == others_units
    assert _rows(db, "hazards", f"\"unit_code\" IN (SELECT \"unit_code\" FROM units WHERE {where_others})") \
        == others_hazards
    units = read_attributes(db, "units", columns=["unit_code", "district", "level"])
    assert int((units["district"] == district).sum()) == len(update.units)
    assert units.loc[units["district"] == district, "level"].isna().all()  # to be scored again
    assert list(rounds.rounds(db)["kind"]) == ["new", "district_update"]


def test_a_district_update_with_another_districts_units_is_refused_and_writes_nothing(db, sample_import):
    state = riskdb.state(db)
    with pytest.raises(PipelineError) as err:
        rounds.update_district(db, sample_import, "福田区", "x", "2026-07-15")
    assert "福田区" in str(err.value) and "other districts" in str(err.value)
    assert riskdb.state(db) == state

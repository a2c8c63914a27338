"""Who answers for the risk (issue 15): the rules' [controls] finds the hazard sources of the
graded levels without a control measure or a responsible person, and the major hazard sources
without their three 包保责任人; the risk map counts them per unit, district and street."""

from __future__ import annotations

import dataclasses
import sqlite3

import pandas as pd
import pytest

from plugin.core.mapping import accountability as ac
from plugin.core.rules import load_rules
from plugin.core.steps import build_risk_map
from plugin.core.store import riskdb

RULES = load_rules()
NAMES = {k: (v.zh, v.en) for k, v in RULES.levels.items()}


def _hazards(rows):
    """Candidates as the risk-map step reads them (the blank tests done), from
    (hazard_code, level, engineering, management, emergency, person)."""
    frame = pd.DataFrame(rows, columns=["hazard_code", "level", *ac.CONTROL_FIELDS, ac.PERSON_FIELD])
    frame["unit_code"] = frame["hazard_code"].str[:4]
    blank = frame.map(lambda v: v is None or not str(v).strip())
    frame["no_controls"] = blank[list(ac.CONTROL_FIELDS)].all(axis=1).astype(int)
    frame["no_person"] = blank[ac.PERSON_FIELD].astype(int)
    return frame


UNITS = pd.DataFrame({"unit_code": ["U001", "U002"], "district": ["南山区", "福田区"],
                      "street": ["粤海街道", "莲花街道"], "sector": ["hazchem", "fire"]})


def test_one_kind_of_control_is_enough_and_blank_text_is_none():
    h = _hazards([("U001-01", 1, None, "每班巡检", None, "张三"),     # one kind named: no finding
                  ("U001-02", 2, " ", "", "\u3000", "李四"),          # blanks only: no control
                  ("U002-01", 1, "联锁", None, None, "  ")])          # no person
    found = ac.findings(h[(h.no_controls == 1) | (h.no_person == 1)], pd.DataFrame(columns=["unit_code"]), UNITS,
                        RULES.controls, NAMES)
    assert list(zip(found.code, found.hazard_code)) == [("W_CONTROLS_MISSING", "U001-02"),
                                                         ("W_RESPONSIBLE_MISSING", "U002-01")]
    first = found.iloc[0]
    assert (first.district, first.street, first.sector, first.level) == ("南山区", "粤海街道", "hazchem", 2)
    assert "未填写任何管控措施" in first.message_zh and "较大风险" in first.message_zh
    assert "no control measure" in first.message_en and "high risk" in first.message_en


def test_the_rule_is_data():
    h = _hazards([("U001-01", 3, None, None, None, None)])
    sql_have = set(ac.CONTROL_FIELDS) | {ac.PERSON_FIELD}
    assert ac.hazard_filter(RULES.controls, sql_have).startswith('"level" IN (1, 2) AND')
    three = dataclasses.replace(RULES.controls, levels=(1, 2, 3), require_person=False)
    assert ac.hazard_filter(three, sql_have).startswith('"level" IN (1, 2, 3) AND')
    found = ac.findings(h, pd.DataFrame(columns=["unit_code"]), UNITS, three, NAMES)
    assert list(found.code) == ["W_CONTROLS_MISSING"]  # level 3 now asked; the person no longer
    nothing = dataclasses.replace(RULES.controls, require_controls=False, require_person=False)
    assert ac.hazard_filter(nothing, sql_have) is None
    assert ac.major_filter(dataclasses.replace(RULES.controls, require_major_people=False), {"major_hazard"}) is None


def test_a_major_hazard_source_names_all_three_people():
    majors = pd.DataFrame({"unit_code": ["U001", "U002"], "principal_person": ["王五", "王六"],
                           "technical_person": ["赵六", " "], "operating_person": [None, None]})
    found = ac.findings(_hazards([]), majors, UNITS, RULES.controls, NAMES)
    assert list(found.value) == ["操作负责人", "技术负责人、操作负责人"]
    assert "Operations lead" in found.message_en.iloc[0]


@pytest.fixture(scope="module")
def mapped(analysed_db_session):
    con = sqlite3.connect(analysed_db_session)
    try:
        def q(sql):
            return pd.read_sql_query(sql, con)
        return {n: q(f'SELECT * FROM "{n}"') for n in ("hazards", "units", "control_findings", "street_summary",
                                                      "district_summary", "risk_map")}
    finally:
        con.close()


def _blank(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.strip() == ""


def test_the_risk_map_counts_per_unit_street_and_district(mapped):
    h, risk, streets, districts = mapped["hazards"], mapped["risk_map"], mapped["street_summary"], \
        mapped["district_summary"]
    graded = h[h.level.isin([1, 2])]
    lacking = graded[_blank(graded.controls_engineering) & _blank(graded.controls_management)
                     & _blank(graded.controls_emergency)]
    per_unit = risk.set_index("unit_code")
    want = lacking.groupby("unit_code").size()
    assert (per_unit.controls_missing.reindex(want.index) == want).all()
    assert per_unit.controls_missing.sum() == len(lacking) > 0
    for k in (1, 2, 3, 4):
        assert per_unit[f"points_level{k}"].sum() == (h.level == k).sum()
    # streets: every unit once; districts: the units inside the polygons (all of the sample's)
    assert streets.n_units.sum() == len(risk)
    for col, source in ac.COUNT_SOURCES.items():
        total = int(pd.to_numeric(risk[source]).fillna(0).sum())
        assert streets[col].sum() == total and districts[col].sum() == total, col
    # one district's street rows add up to its row of the district summary
    d = districts.sort_values("n_controls_missing").iloc[-1]
    assert streets.loc[streets.district == d.district, "n_controls_missing"].sum() == d.n_controls_missing


def test_old_workbooks_leave_every_graded_source_without_controls(analysed_db, tmp_path):
    """A database imported from workbooks without the risk-list columns (or by 0.8) is held to
    the same rule: its level-1/2 sources name no control and no person."""
    con = sqlite3.connect(analysed_db)
    try:
        for c in (*ac.CONTROL_FIELDS, ac.PERSON_FIELD):
            con.execute(f'ALTER TABLE hazards DROP COLUMN "{c}"')
        graded = con.execute("SELECT COUNT(*) FROM hazards WHERE level IN (1, 2)").fetchone()[0]
        con.commit()
    finally:
        con.close()
    result = build_risk_map(analysed_db, RULES, tmp_path / "density.tif")
    codes = result.findings.code.value_counts()
    assert codes["W_CONTROLS_MISSING"] == codes["W_RESPONSIBLE_MISSING"] == graded > 0
    assert riskdb.last_summary(analysed_db, "risk_map")["controls_missing"] == graded

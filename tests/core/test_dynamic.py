"""现实风险: each factor at its edge (the deadline day, 12 months to the day, a hidden danger
rectified the day before), the raises in their own fields, the cap at level 1
(plugin/core/scoring/dynamic.py, docs/domain/dynamic_risk.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plugin.core.rules import DEFAULT_RULES, RulesError, load_rules
from plugin.core.scoring.dynamic import Dynamic, dynamic_levels, field_names, open_on

DAY = "2026-12-06"
RULES = Dynamic()  # the defaults: one level each, 30 days overdue, 12 months


def _units(*levels):
    return pd.DataFrame({"unit_code": [f"U{i}" for i in range(len(levels))], "level": list(levels)})


def _danger(unit="U0", grade="major", status="open", found="2026-01-10", deadline=None, rectified=None):
    return {"unit_code": unit, "grade": grade, "status": status, "found_date": found, "deadline": deadline,
            "rectified_date": rectified}


def _run(units, dangers=(), accidents=(), findings=(), rules=RULES, day=DAY):
    return dynamic_levels(units, rules, day,
                          dangers=pd.DataFrame(list(dangers)) if dangers else None,
                          accidents=pd.DataFrame(list(accidents)) if accidents else None,
                          findings=pd.DataFrame(list(findings)) if findings else None)


def test_the_fields_of_a_unit_without_anything_open():
    out = _run(_units(3, 4))
    assert list(out.columns) == field_names()
    assert list(out["dynamic_level"]) == [3, 4] and list(out["dynamic_raise"]) == [0, 0]
    assert (out[[f for f in field_names() if f.startswith("reason_")]] == "").all().all()


def test_an_open_major_hidden_danger_raises_one_level_and_says_why():
    out = _run(_units(3), [_danger(found="2026-03-02"), _danger(found="2026-05-01", status="in_progress")])
    assert out.loc[0, "raise_hidden_major"] == 1 and out.loc[0, "dynamic_level"] == 2
    why = out.loc[0, "reason_hidden_major"]
    assert "2 项重大隐患未整改" in why and "2026-03-02" in why
    assert "2 open major hidden danger(s)" in out.loc[0, "reason_hidden_major"]


@pytest.mark.parametrize("rectified, status, raised", [
    ("2026-12-05", "rectified", 0),   # rectified the day before: gone
    ("2026-12-06", "closed", 0),      # rectified on the day itself: gone
    ("2026-12-07", "rectified", 1),   # rectified the day after: still open on the day
    (None, "closed", 0),              # 已销号 without a date: gone
    (None, "in_progress", 1),
])
def test_a_hidden_danger_rectified_the_day_before_no_longer_counts(rectified, status, raised):
    out = _run(_units(2), [_danger(status=status, rectified=rectified)])
    assert out.loc[0, "raise_hidden_major"] == raised and out.loc[0, "dynamic_level"] == 2 - raised


def test_a_hidden_danger_found_after_the_day_does_not_count_yet():
    assert _run(_units(3), [_danger(found="2026-12-07")]).loc[0, "dynamic_raise"] == 0
    assert _run(_units(3), [_danger(found=DAY)]).loc[0, "dynamic_raise"] == 1


@pytest.mark.parametrize("deadline, raised", [
    ("2026-11-06", 0),  # 30 days past the deadline: not more than overdue_days
    ("2026-11-05", 1),  # 31 days past it
    (DAY, 0),           # the deadline day itself
    (None, 0),          # no deadline: never overdue
])
def test_an_overdue_general_hidden_danger_at_the_deadline_edge(deadline, raised):
    out = _run(_units(4), [_danger(grade="general", deadline=deadline)])
    assert out.loc[0, "raise_hidden_overdue"] == raised and out.loc[0, "raise_hidden_major"] == 0
    if raised:
        why = out.loc[0, "reason_hidden_overdue"]
        assert "逾期超过 30 天" in why and deadline in why


def test_overdue_days_zero_raises_the_day_after_the_deadline():
    rules = Dynamic(overdue_days=0)
    assert _run(_units(4), [_danger(grade="general", deadline=DAY)], rules=rules).loc[0, "dynamic_raise"] == 0
    assert _run(_units(4), [_danger(grade="general", deadline="2026-12-05")], rules=rules).loc[0, "dynamic_raise"] == 1


@pytest.mark.parametrize("when, raised", [
    ("2025-12-06", 0),  # 12 months to the day: outside the window
    ("2025-12-07", 1),  # a day later: inside
    (DAY, 1),
    ("2026-12-07", 0),  # after the day
])
def test_an_accident_within_12_months_to_the_day(when, raised):
    out = _run(_units(3), accidents=[{"unit_code": "U0", "date": when}])
    assert out.loc[0, "raise_accident"] == raised
    if raised:
        assert "12 个月内发生事故 1 起" in out.loc[0, "reason_accident"]


def test_missing_controls_raise_but_a_missing_major_hazard_principal_does_not():
    findings = [{"unit_code": "U0", "code": "W_CONTROLS_MISSING", "hazard_code": "H1"},
                {"unit_code": "U0", "code": "W_RESPONSIBLE_MISSING", "hazard_code": "H1"},
                {"unit_code": "U0", "code": "W_RESPONSIBLE_MISSING", "hazard_code": "H2"},
                {"unit_code": "U1", "code": "W_MAJOR_PEOPLE_MISSING", "hazard_code": ""}]
    out = _run(_units(2, 2), findings=findings)
    assert list(out["raise_controls"]) == [1, 0]
    assert out.loc[0, "reason_controls"].startswith("2 个一、二级危险源缺少管控措施或责任人")


def test_raises_add_up_but_never_beyond_level_1():
    dangers = [_danger(), _danger(grade="general", deadline="2026-01-01")]
    accidents = [{"unit_code": "U0", "date": "2026-06-01"}, {"unit_code": "U1", "date": "2026-06-01"}]
    out = _run(_units(4, 2), dangers, accidents)
    assert list(out["raise_hidden_major"]) == [1, 0] and list(out["raise_hidden_overdue"]) == [1, 0]
    assert list(out["raise_accident"]) == [1, 1]
    assert list(out["dynamic_level"]) == [1, 1] and list(out["dynamic_raise"]) == [3, 1]


def test_a_factor_set_to_zero_raises_nothing_and_gives_no_reason():
    out = _run(_units(3), [_danger()], rules=Dynamic(open_major_hidden_danger=0))
    assert out.loc[0, "raise_hidden_major"] == 0 and out.loc[0, "reason_hidden_major"] == ""
    out = _run(_units(3), [_danger()], rules=Dynamic(open_major_hidden_danger=2))
    assert out.loc[0, "dynamic_level"] == 1


def test_the_inherent_level_is_left_as_it_is_and_unscored_units_stay_unscored():
    units = _units(3, np.nan).assign(level_reasons=["R=12", ""])
    before = units.copy()
    out = _run(units, [_danger(unit="U1")])
    pd.testing.assert_frame_equal(units, before)
    assert out.loc[0, "dynamic_level"] == 3 and np.isnan(out.loc[1, "dynamic_level"])
    assert out.loc[1, "raise_hidden_major"] == 1  # the raise is recorded; there is no level to raise


def test_open_on_reads_status_and_dates_together():
    dangers = pd.DataFrame([_danger(status="rectified"), _danger(status="open", rectified="2026-01-20"),
                            _danger(status="", rectified=None)])
    assert list(open_on(dangers, DAY)) == [False, False, True]


def test_the_default_rules_carry_the_dynamic_factors_and_refuse_unknown_keys(tmp_path):
    assert load_rules().dynamic == Dynamic()
    text = DEFAULT_RULES.read_text(encoding="utf-8").replace("[dynamic]\n", "[dynamic]\naccidents = 1\n", 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=r"dynamic\.accidents"):
        load_rules(bad)

"""Scoring hazards and units by their sector's method (docs/domain/scoring.md)."""

import numpy as np
import pandas as pd
import pytest

from plugin.core.rules import load_rules
from plugin.core.scoring.methods import score

RULES = load_rules()
NAN = np.nan


def _hz(rows):
    cols = ["hazard_code", "unit_code", "sector", "substance", "cas", "category", "quantity_t", "L", "E", "C",
            "likelihood", "severity"]
    return pd.DataFrame(rows, columns=cols)


def _units(rows):
    return pd.DataFrame(rows, columns=["unit_code", "sector", "outside_population"])


def test_so2_public_example_through_the_scorer():
    """SOURCES.md: SO₂ q = 200 t, Q = 20 t, β = 2, 60 people (α 1.5) → R = 30 → level 3."""
    r = score(_units([["U1", "hazchem", 60]]),
              _hz([["H1", "U1", "hazchem", "二氧化硫", "7446-09-5", "", 200, NAN, NAN, NAN, NAN, NAN]]), RULES)
    h, u = r.hazards.iloc[0], r.units.iloc[0]
    assert h.method == "gb18218" and h.r_value == pytest.approx(30.0) and h.alpha == 1.5 and h.level == 3
    assert h.s_value == pytest.approx(10.0) and h.alpha_source == "survey" and h.level_zh == "一般风险"
    assert h.colour == "#FFD700"
    assert u.level == 3 and bool(u.major_hazard) and u.worst_hazard == "H1" and u.hazard_count == 1
    assert "R = 30.0 (α 1.5 × Σβq/Q 20.0) → 三级 → level 3" in u.level_reasons
    assert "S = Σq/Q = 10.0 ≥ 1" in u.level_reasons


def test_not_a_major_hazard_falls_back_to_lec():
    """S < 1: scored by LEC when L, E, C are given (docs/domain/gb18218.md §5)."""
    r = score(_units([["U1", "hazchem", 60]]),
              _hz([["H1", "U1", "hazchem", "甲醇", "67-56-1", "", 5, 6, 6, 15, NAN, NAN]]), RULES)
    h, u = r.hazards.iloc[0], r.units.iloc[0]
    assert not bool(u.major_hazard) and h.s_value == pytest.approx(0.01)
    assert h.method == "lec" and h.lec_d == 540 and h.level == 1
    assert "D = L·E·C = 6 × 6 × 15 = 540 → 重大风险 → level 1" in u.level_reasons


def test_not_a_major_hazard_without_lec_is_level_4():
    r = score(_units([["U1", "gas", 10]]),
              _hz([["H1", "U1", "gas", "液化石油气", "68476-85-7", "", 1, NAN, NAN, NAN, NAN, NAN]]), RULES)
    h = r.hazards.iloc[0]
    assert h.method == "none" and h.level == 4
    assert list(r.issues.code) == ["W_SCORE_NO_VALUES"]


@pytest.mark.parametrize("L, E, C, level", [(3, 6, 7, 3), (3, 6, 15, 2), (6, 6, 15, 1), (1, 6, 7, 4), (10, 2, 16, 1),
                                         (0.5, 1, 100, 4), (1, 2, 40, 3)])
def test_lec_sector(L, E, C, level):
    r = score(_units([["U1", "industry", NAN]]), _hz([["H1", "U1", "industry", "", "", "", NAN, L, E, C, NAN, NAN]]),
              RULES)
    assert r.hazards.iloc[0].lec_d == L * E * C and r.hazards.iloc[0].level == level


@pytest.mark.parametrize("lk, sv, level", [(5, 4, 1), (4, 4, 2), (3, 5, 2), (3, 4, 3), (3, 3, 3), (2, 4, 4), (1, 1, 4)])
def test_ls_sector(lk, sv, level):
    """LS matrix: R = likelihood × severity (lk × sv)."""
    r = score(_units([["U1", "fire", NAN]]), _hz([["H1", "U1", "fire", "", "", "", NAN, NAN, NAN, NAN, lk, sv]]), RULES)
    h = r.hazards.iloc[0]
    assert h.ls_r == lk * sv and h.level == level and h.method == "ls"


def test_value_outside_the_rules_is_an_issue_and_not_graded(tmp_path):
    text = RULES.path.read_text(encoding="utf-8").replace("C = [100, 40, 15, 7, 3, 1]", "C = [100, 40, 15, 7, 3]")
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    r = score(_units([["U1", "industry", NAN]]), _hz([["H1", "U1", "industry", "", "", "", NAN, 3, 6, 1, NAN, NAN]]),
              load_rules(p))
    assert pd.isna(r.hazards.iloc[0].level) and list(r.issues.code) == ["E_SCORE_VALUE"]


def test_unit_takes_its_worst_hazard_and_counts():
    hz = _hz([["H1", "U1", "industry", "", "", "", NAN, 1, 6, 7, NAN, NAN],      # 42 → 4
              ["H2", "U1", "industry", "", "", "", NAN, 3, 6, 15, NAN, NAN],     # 270 → 2
              ["H3", "U1", "industry", "", "", "", NAN, 6, 6, 7, NAN, NAN],      # 252 → 2
              ["H4", "U2", "transport", "", "", "", NAN, NAN, NAN, NAN, 5, 5]])  # 25 → 1
    r = score(_units([["U1", "industry", NAN], ["U2", "transport", NAN], ["U3", "fire", NAN]]), hz, RULES)
    u = r.units.set_index(pd.Index(["U1", "U2", "U3"]))
    assert (u.loc["U1", "level"], u.loc["U1", "worst_hazard"], u.loc["U1", "hazard_count"]) == (2, "H2", 3)
    assert (u.loc["U2", "level"], u.loc["U2", "method"]) == (1, "ls")
    assert (pd.isna(u.loc["U3", "level"]) and u.loc["U3", "hazard_count"] == 0
            and "not graded" in u.loc["U3", "level_reasons"])


def test_unmatched_substance_is_an_issue_naming_unit_and_hazard():
    r = score(_units([["U1", "hazchem", 100]]),
              _hz([["H1", "U1", "hazchem", "神秘物质", "", "", 30, 3, 6, 7, NAN, NAN]]), RULES)
    (issue,) = r.issues.itertuples(index=False)
    assert issue.code == "W_SUBSTANCE_UNMATCHED" and "U1" in issue.message_en and "H1" in issue.message_zh
    assert r.hazards.iloc[0].method == "lec"  # S = 0: not a major hazard, LEC decides


def test_missing_population_gives_default_alpha_with_a_warning():
    r = score(_units([["U1", "hazchem", NAN]]),
              _hz([["H1", "U1", "hazchem", "氯", "7782-50-5", "", 10, NAN, NAN, NAN, NAN, NAN]]), RULES)
    u = r.units.iloc[0]
    # Q 5, β 4: Σβq/Q = 8, α 1.0 (default) → R = 8 → level 4
    assert u.alpha == 1.0 and u.alpha_source == "default" and u.r_value == pytest.approx(8.0) and u.level == 4
    assert "W_ALPHA_DEFAULT" in set(r.issues.code)


def test_population_override_feeds_alpha():
    units = _units([["U1", "hazchem", 10]])
    hz = _hz([["H1", "U1", "hazchem", "二氧化硫", "7446-09-5", "", 200, NAN, NAN, NAN, NAN, NAN]])
    r = score(units, hz, RULES, population=pd.Series({"U1": 150}), population_source="raster")
    assert r.units.iloc[0].alpha == 2.0 and r.units.iloc[0].alpha_source == "raster"
    assert r.units.iloc[0].r_value == pytest.approx(40.0)


def test_vectorised_over_a_city():
    rng = np.random.default_rng(1)
    n = 50_000
    units = _units([[f"U{i}", "industry", NAN] for i in range(n // 2)])
    hz = _hz([[f"H{i}", f"U{i // 2}", "industry", "", "", "", NAN, rng.choice([1, 3, 6]), 6, rng.choice([7, 15, 40]),
               NAN, NAN] for i in range(n)])
    r = score(units, hz, RULES)
    assert r.hazards["level"].notna().all() and len(r.units) == n // 2

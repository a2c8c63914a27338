"""GB 18218-2018 identification and grading (plugin.core.scoring.gb18218, docs/domain/gb18218.md).

Sources named per test: GB 18218-2018 clauses 4.2.1 (S = Σ q/Q) and 4.3.2 (R = α Σ β q/Q),
Tables 1–6 as transcribed in resources/reference/ (SOURCES.md), the project's default
category file, and the two published worked cases quoted in SOURCES.md.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from plugin.core.rules import load_rules
from plugin.core.scoring.methods import gb18218 as g


@pytest.fixture(scope="module")
def tables():
    return load_rules().gb18218


def hazards_frame(rows) -> pd.DataFrame:
    """rows: (unit_code, substance, cas, category, quantity_t)."""
    df = pd.DataFrame(rows, columns=["unit_code", "substance", "cas", "category", "quantity_t"])
    df.insert(0, "hazard_code", [f"H{i}" for i in range(len(df))])
    df["quantity_t"] = df["quantity_t"].astype(float)
    return df


def units_frame(pop: dict) -> pd.DataFrame:
    return pd.DataFrame({"unit_code": list(pop), "outside_population": [float(v) for v in pop.values()]})


def grade(rows, pop, tables, **kw):
    hz = hazards_frame(rows)
    m = g.match_substances(hz, tables)
    return m, g.grade_units(hz, m, units_frame(pop), tables, **kw)


def match_one(tables, substance="", cas="", category=""):
    m = g.match_substances(hazards_frame([("U", substance, cas, category, 1.0)]), tables)
    return m.iloc[0]


# --- the published cases -----------------------------------------------------------------

def test_public_check_sulphur_dioxide(tables):
    # SOURCES.md / docs/domain/gb18218.md §6 "Public check" (registered-safety-engineer exam question):
    # SO₂ q = 200 t, Q = 20 t (Table 1 row 4), β = 2 (Table 3), 60 people → α 1.5 → R = 30 → level 3.
    m, u = grade([("U1", "二氧化硫", "7446-09-5", "", 200)], {"U1": 60}, tables)
    h = m.iloc[0]
    assert (h.t1_seq, h.match, h.Q_t, h.beta, h.beta_source) == (4, "cas", 20.0, 2.0, "table3")
    r = u.loc["U1"]
    assert r.s_value == pytest.approx(10.0) and bool(r.major_hazard)
    assert r.alpha == 1.5 and r.alpha_source == "survey" and not r.alpha_missing
    assert r.sum_beta_q_Q == pytest.approx(20.0)
    assert r.r_value == pytest.approx(30.0) and r.level == 3
    assert r.reason == "R = 30.0 (α 1.5 × Σβq/Q 20.0) → 三级 → level 3"


def test_published_gas_store(tables):
    # SOURCES.md "second published case": H₂S 2 t (Q 5, β 5), PH₃ 2 t (Q 1, β 20), Cl₂ 1 t
    # (Q 5, β 4), 150 people (α 2.0) → R = 2 × (2 + 40 + 0.8) = 85.6 → level 2.
    rows = [("G", "硫化氢", "7783-06-4", "", 2), ("G", "磷化氢", "7803-51-2", "", 2), ("G", "氯", "7782-50-5", "", 1)]
    m, u = grade(rows, {"G": 150}, tables)
    assert m.Q_t.tolist() == [5.0, 1.0, 5.0] and m.beta.tolist() == [5.0, 20.0, 4.0]
    assert (m.beta_source == "table3").all()
    r = u.loc["G"]
    assert r.s_value == pytest.approx(0.4 + 2 + 0.2)
    assert r.sum_beta_q_Q == pytest.approx(42.8) and r.alpha == 2.0
    assert r.r_value == pytest.approx(85.6) and r.level == 2
    assert r.reason == "R = 85.6 (α 2.0 × Σβq/Q 42.8) → 二级 → level 2"


# --- Table 6: every level, on both sides of each edge -------------------------------------

@pytest.mark.parametrize("r_target, level", [
    # GB 18218-2018 Table 6: R ≥ 100 → 1; 50 ≤ R < 100 → 2; 10 ≤ R < 50 → 3; R < 10 → 4.
    (100.0, 1), (100.5, 1), (99.98, 2),
    (50.0, 2), (49.98, 3),
    (10.0, 3), (9.98, 4),
    (1.0, 4),
])
def test_every_level(tables, r_target, level):
    # Built from the tables: a W5.2 liquid (Table 2 Q = 50 t, Table 4 β = 1) and 10 people
    # (Table 5 α = 1.0), so R = q / 50.
    assert tables.table2.set_index("symbol").critical_t["W5.2"] == 50 and tables.beta_category["W5.2"] == 1
    m, u = grade([("U", "某易燃液体", "", "W5.2", 50 * r_target)], {"U": 10}, tables)
    r = u.loc["U"]
    assert m.iloc[0].match == "category"
    assert r.r_value == pytest.approx(r_target) and bool(r.major_hazard) and r.level == level
    assert r.level == next(b.level for b in tables.levels if b.min <= r_target < b.max)


def test_level_edge_survives_floating_point(tables):
    # Clause 4.3.2 with α 1.2 (Table 5, 30–49 people): 1.2 × Σβq/Q meant to be exactly 100.
    _m, u = grade([("U", "x", "", "W5.2", 50 * 100 / 1.2)], {"U": 30}, tables)
    assert u.loc["U"].level == 1


# --- Table 5: α at its band edges --------------------------------------------------------

@pytest.mark.parametrize("pop, alpha", [
    # GB 18218-2018 Table 5 (SOURCES.md): ≥100 → 2.0; 50–99 → 1.5; 30–49 → 1.2; 1–29 → 1.0; 0 → 0.5.
    (0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0), (12000, 2.0),
    # fractional estimates (a population raster) are floored between the whole-number edges
    (29.5, 1.0), (99.7, 1.5), (0.4, 0.5),
])
def test_alpha_bands(tables, pop, alpha):
    _, u = grade([("U", "二氧化硫", "7446-09-5", "", 40)], {"U": pop}, tables)
    r = u.loc["U"]
    assert r.alpha == alpha and r.alpha_source == "survey" and not r.alpha_missing
    assert r.r_value == pytest.approx(alpha * 2 * 40 / 20)


def test_alpha_missing_population(tables):
    # default.toml [methods.gb18218] missing_population_alpha = 1.0, flagged.
    _, u = grade([("U", "二氧化硫", "7446-09-5", "", 40)], {"U": np.nan}, tables)
    r = u.loc["U"]
    assert r.alpha == tables.missing_population_alpha == 1.0
    assert r.alpha_source == "default" and bool(r.alpha_missing) and np.isnan(r.population)


def test_population_override(tables):
    # docs/domain/receptors.md §4: the population within 500 m (raster) replaces the survey's estimate.
    rows = [("A", "二氧化硫", "7446-09-5", "", 40), ("B", "二氧化硫", "7446-09-5", "", 40),
            ("C", "二氧化硫", "7446-09-5", "", 40)]
    raster = pd.Series({"A": 120.0, "B": np.nan})
    _, u = grade(rows, {"A": 10, "B": 60, "C": np.nan}, tables, population=raster, population_source="raster")
    assert u.alpha.tolist() == [2.0, 1.5, 1.0]
    assert u.alpha_source.tolist() == ["raster", "survey", "default"]
    assert u.alpha_missing.tolist() == [False, False, True]
    assert u.population.tolist()[:2] == [120.0, 60.0]


# --- β: Table 3, Table 4 by the survey's category, the default category, 1 -----------------

@pytest.mark.parametrize("substance, cas, beta, seq", [
    # GB 18218-2018 Table 3 (named toxic gases)
    ("氨", "7664-41-7", 2, 1), ("液氨", "", 2, 1), ("氯", "", 4, 12), ("液氯", "7782-50-5", 4, 12),
    ("光气", "", 20, 6), ("碳酰氯", "75-44-5", 20, 6), ("硫化氢", "", 5, 10), ("氰化氢", "74-90-8", 10, 25),
    ("氯化氢", "", 3, 11), ("异氰酸甲酯", "", 20, 30), ("环氧乙烷", "", 2, 7),
    # SOURCES.md: carbon monoxide (Table 3 β 2) falls under row 13 煤气 (Q 20)
    ("一氧化碳", "630-08-0", 2, 13), ("煤气", "", 2, 13),
])
def test_beta_table3(tables, substance, cas, beta, seq):
    h = match_one(tables, substance, cas)
    assert (h.t1_seq, h.beta, h.beta_source) == (seq, beta, "table3")


def test_beta_table3_wins_over_survey_category(tables):
    # GB 18218-2018 4.3.2: β of Table 3's gases comes from Table 3 whatever the category.
    h = match_one(tables, "液氨", "", "W2")
    assert (h.beta, h.beta_source, h.category_used) == (2.0, "table3", "")


@pytest.mark.parametrize("category, beta, Q", [
    # GB 18218-2018 Table 4 (β) and Table 2 (Q) by the survey's category
    ("W5.2", 1, 50), ("W2", 1.5, 10), ("J1", 4, 5), ("W1.1", 2, 1), ("J3", 2, 50), ("W5.1", 1.5, 10),
    ("w7.1", 1.5, 10), (" Ｗ５．４ ", 1, 5000),
])
def test_beta_table4_survey(tables, category, beta, Q):
    h = match_one(tables, "某未列名物质", "", category)
    assert h.match == "category" and pd.isna(h.t1_seq)
    assert (h.Q_t, h.beta, h.beta_source) == (Q, beta, "table4_survey")
    assert h.category_used == g.normalise_category(category)


def test_survey_category_sets_beta_of_table1_substance(tables):
    # SOURCES.md: the survey's own category always wins over the default; Q stays Table 1's.
    h = match_one(tables, "甲醇", "67-56-1", "W5.1")
    assert (h.t1_seq, h.Q_t, h.beta, h.beta_source, h.category_used) == (65, 500, 1.5, "table4_survey", "W5.1")


@pytest.mark.parametrize("substance, category, beta", [
    # gb18218_2018_table1_default_category.csv (project rule, SOURCES.md)
    ("甲醇", "W5.3", 1), ("1,3-丁二烯", "W2", 1.5), ("汽油", "W5.1", 1.5), ("天然气", "W2", 1.5),
    ("TNT", "W1.1", 2), ("硝酸铵（含可燃物≤0.2%）", "W9.2", 1), ("二氟化氧", "J1", 4),
])
def test_beta_default_category(tables, substance, category, beta):
    h = match_one(tables, substance)
    assert (h.beta, h.beta_source, h.category_used) == (beta, "table4_default", category)
    assert h.beta == tables.beta_category[category]


@pytest.mark.parametrize("substance, category, match", [
    # default category file: row 26 三氧化硫 has no Table 2 class ("none") → β 1
    ("三氧化硫", "", "name"),
    # not in Table 1 and no category: no Q, β 1
    ("神秘物质", "", "none"),
    # a category that is not a Table 2 symbol is no category
    ("神秘物质", "W99", "none"),
])
def test_beta_default_one(tables, substance, category, match):
    h = match_one(tables, substance, "", category)
    assert (h.match, h.beta, h.beta_source, h.category_used) == (match, 1.0, "default_1", "")


# --- matching to Table 1 -----------------------------------------------------------------

@pytest.mark.parametrize("substance, cas, category, seq, match, Q, ambiguous", [
    # by CAS (Table 1)
    ("氨", "7664-41-7", "", 1, "cas", 10, False),
    ("", " 7664-41-7 ", "", 1, "cas", 10, False),
    ("", "７６６４－４１－７", "", 1, "cas", 10, False),         # full-width digits and dash
    ("", "8006-14-2", "", 49, "cas", 50, False),                  # row 49 lists two CAS numbers
    ("丙烷", "74-98-6", "", 52, "cas", 50, False),                # propane: listed in row 52 itself
    ("", "106-97-8", "", 52, "cas", 50, False),                   # butane
    # by alternative CAS (default.toml [methods.gb18218.alternative_cas], SOURCES.md)
    ("", "584-84-9", "", 23, "alt_cas", 100, False),              # 2,4-TDI
    ("", "8006-61-9", "", 66, "alt_cas", 200, False),             # gasoline (older lists)
    ("", "630-08-0", "", 13, "alt_cas", 20, False),               # carbon monoxide → coal gas
    # CAS decides over the name; an unknown CAS leaves the name to decide
    ("甲苯", "100-41-4", "", 64, "name", 500, False),
    # by name or alias, full-width / spaces / case folded
    ("液 氨", "", "", 1, "name", 10, False),
    ("液　氨", "", "", 1, "name", 10, False),                     # ideographic space
    ("ＴＤＩ", "", "", 23, "name", 100, False),
    ("tnt", "", "", 35, "name", 5, False),
    ("氯化氢 (无水)", "", "", 11, "name", 20, False),
    ("氯化氢【无水】", "", "", 11, "name", 20, False),
    ("环氧氯丙烷(3-氯-1,2-环氧丙烷)", "", "", 21, "name", 20, False),
    ("环氧氯丙烷", "", "", 21, "name", 20, False),
    ("光气", "", "", 6, "name", 0.3, False),
    ("二甲基酮", "", "", 59, "name", 500, False),
    ("硝化纤维素[干的或含水(或乙醇)<25%]", "", "", 37, "name", 1, False),
    # row 49 '甲烷，天然气' names both
    ("甲烷", "", "", 49, "name", 50, False),
    ("天然气", "", "", 49, "name", 50, False),
    # bracket-stripped names (the standard's condition removed)
    ("甲醛", "", "", 8, "name", 5, False),
    ("汽油", "", "", 66, "name", 200, False),
    ("乙醇汽油", "", "", 66, "name", 200, False),
    ("液化石油气", "", "", 52, "name", 50, False),
    ("煤气", "", "", 13, "name", 20, False),
    # English names (case-insensitive)
    ("Sulfur Dioxide", "", "", 4, "name", 20, False),
    ("AMMONIA", "", "", 1, "name", 10, False),
    ("natural gas", "", "", 49, "name", 50, False),
    ("Toluene diisocyanate (TDI)", "", "", 23, "name", 100, False),
    # shared CAS (SOURCES.md): the name picks the row, else the smallest Q, flagged
    ("", "9004-70-0", "", 37, "cas", 1, True),
    ("硝化棉", "9004-70-0", "", 37, "cas", 1, True),
    ("硝化纤维素（含水≥25%）", "9004-70-0", "", 41, "cas", 50, False),
    ("硝化纤维素(含水≥25%)", "9004-70-0", "", 41, "cas", 50, False),
    ("硝化纤维素（含乙醇≥25%）", "9004-70-0", "", 39, "cas", 10, False),
    ("硝化棉溶液", "9004-70-0", "", 42, "cas", 50, False),
    ("", "6484-52-2", "", 43, "cas", 5, True),
    ("硝酸铵（含可燃物≤0.2%）", "6484-52-2", "", 44, "cas", 50, False),
    ("硝化棉", "", "", 37, "name", 1, True),                       # shared alias, no CAS
    ("硝酸铵", "", "", 43, "name", 5, True),
    # category fallback (Table 2) and nothing
    ("某涂料", "", "W5.3", None, "category", 1000, False),
    ("某涂料", "1-00-0", "W3", None, "category", 150, False),
    ("神秘物质", "", "", None, "none", None, False),
    ("", "", "", None, "none", None, False),
])
def test_matching(tables, substance, cas, category, seq, match, Q, ambiguous):
    # GB 18218-2018 4.1.2 (Table 1 first, then Table 2); SOURCES.md for CAS and names.
    h = match_one(tables, substance, cas, category)
    assert h.match == match
    assert (pd.isna(h.t1_seq) if seq is None else h.t1_seq == seq)
    assert (np.isnan(h.Q_t) if Q is None else h.Q_t == Q)
    assert bool(h.ambiguous) is ambiguous


def test_table1_wins_over_survey_category_for_Q(tables):
    # GB 18218-2018 4.1.2 a): a Table 1 substance takes Table 1's Q, not its category's.
    h = match_one(tables, "甲醇", "", "W5.2")
    assert (h.match, h.Q_t) == ("name", 500)


def test_missing_values_and_columns(tables):
    # Blank cells arrive as NaN, None or pd.NA; a frame may lack the category column.
    hz = pd.DataFrame({"hazard_code": ["a", "b", "c"], "unit_code": ["U"] * 3,
                       "substance": [None, np.nan, "液氨"], "cas": [pd.NA, "7664-41-7", None],
                       "quantity_t": [1.0, np.nan, 2.0]}, index=[10, 20, 30])
    m = g.match_substances(hz, tables)
    assert list(m.index) == [10, 20, 30] and list(m.columns) == list(g.MATCHED_COLUMNS)
    assert m.match.tolist() == ["none", "cas", "name"]
    assert str(m.t1_seq.dtype) == "Int64" and m.ambiguous.dtype == bool
    empty = g.match_substances(hz.iloc[:0], tables)
    assert len(empty) == 0 and list(empty.columns) == list(g.MATCHED_COLUMNS)


def test_regression_acetone(tables):
    # GB 18218-2018 Table 1 row 59: 丙酮 (67-64-1) Q = 500 t.
    for h in (match_one(tables, "丙酮", "67-64-1"), match_one(tables, "丙酮"), match_one(tables, "", "67-64-1"),
              match_one(tables, "Acetone")):
        assert (h.t1_seq, h.Q_t) == (59, 500)


# --- S over a unit (clause 4.2.1) ---------------------------------------------------------

def test_unit_with_several_substances(tables):
    # GB 18218-2018 4.2.1: S = Σ q/Q; S ≥ 1 → major hazard source; grading only then.
    rows = [
        ("LOW", "甲苯", "108-88-3", "", 250), ("LOW", "乙醇", "64-17-5", "", 200),   # 0.5 + 0.4
        ("LOW", "神秘物质", "", "", 9999),                                          # no Q: not in S
        ("LOW", "甲醇", "", "", np.nan),                                             # no q: not in S
        ("ONE", "甲苯", "108-88-3", "", 250), ("ONE", "乙醇", "64-17-5", "", 250),   # exactly 1
        ("FP", "甲苯", "", "", 50), ("FP", "乙醇", "", "", 100), ("FP", "丙酮", "", "", 350),  # 0.1+0.2+0.7
    ]
    _, u = grade(rows, {"LOW": 60, "ONE": 60, "FP": 60, "EMPTY": 60}, tables)
    low, one, fp, empty = (u.loc[k] for k in ("LOW", "ONE", "FP", "EMPTY"))
    assert low.s_value == pytest.approx(0.9) and not low.major_hazard and pd.isna(low.level)
    assert low.r_value == pytest.approx(1.5 * 0.9) and low.reason == ""
    assert (low.n_matched, low.n_unmatched, low.n_no_quantity) == (3, 1, 1)
    assert one.s_value == 1.0 and bool(one.major_hazard) and one.level == 4
    assert bool(fp.major_hazard) and fp.level == 4
    assert empty.s_value == 0 and not empty.major_hazard and np.isnan(empty.r_value) and pd.isna(empty.level)
    assert (empty.n_matched, empty.n_unmatched) == (0, 0)
    assert list(u.index) == ["LOW", "ONE", "FP", "EMPTY"] and u.index.name == "unit_code"
    assert str(u.level.dtype) == "Int64"


# --- the reason text ---------------------------------------------------------------------

@pytest.mark.parametrize("r, a, s, lv, text", [
    # docs/domain/gb18218.md §6: the SO₂ check and the gas store; Table 6 grade names 一级…四级
    (30.0, 1.5, 20.0, 3, "R = 30.0 (α 1.5 × Σβq/Q 20.0) → 三级 → level 3"),
    (85.6, 2.0, 42.8, 2, "R = 85.6 (α 2.0 × Σβq/Q 42.8) → 二级 → level 2"),
    (120.0, 2.0, 60.0, 1, "R = 120.0 (α 2.0 × Σβq/Q 60.0) → 一级 → level 1"),
    (0.5, 0.5, 1.0, 4, "R = 0.5 (α 0.5 × Σβq/Q 1.0) → 四级 → level 4"),
    (99.999, 1.0, 99.999, 2, "R = 99.99 (α 1.0 × Σβq/Q 99.99) → 二级 → level 2"),  # never shown as 100
])
def test_reason_text(r, a, s, lv, text):
    assert g.reason_text(r, a, s, lv) == text


def test_reason_text_vectorised():
    out = g.reason_text(pd.Series([30.0, 85.6], index=["x", "y"]), np.array([1.5, 2.0]), [20.0, 42.8], [3, 2])
    assert list(out.index) == ["x", "y"]
    assert out.tolist() == [g.reason_text(30.0, 1.5, 20.0, 3), g.reason_text(85.6, 2.0, 42.8, 2)]
    assert g.reason_text(30.0, 1.5, 20.0, 3, level_zh="一般风险") == (
        "R = 30.0 (α 1.5 × Σβq/Q 20.0) → 一般风险 → level 3")


# --- the tables themselves ----------------------------------------------------------------

def test_default_category_agrees_with_tables(tables):
    # gb18218_2018_table1_default_category.csv: β equals Table 4's for its symbol, and its
    # "Table3" rows are exactly the Table 1 rows Table 3 reaches.
    dc = tables.default_category
    sym = dc[dc.default_category.isin(tables.beta_category)]
    assert (sym.beta == sym.default_category.map(tables.beta_category)).all()
    t3_rows = set(dc.loc[dc.default_category.str.startswith("Table3"), "seq"])
    reached = {int(s) for s in g.match_substances(hazards_frame(
        [("U", "", c, "", 1) for c in tables.beta_named.cas]), tables).t1_seq}
    assert reached == t3_rows


# --- a whole city at once -----------------------------------------------------------------

def test_vectorised_city(tables):
    # 100,000 hazards over 40,000 units; checked against a plain pandas groupby.
    rng = np.random.default_rng(18218)
    n, nu = 100_000, 40_000
    subs = ["液氨", "二氧化硫", "甲醇", "汽油", "", "神秘物质", "硝化棉", "液化石油气", "Chlorine", "甲 苯"]
    cas = ["", "7446-09-5", "", "8006-61-9", "9004-70-0", "", "74-98-6", "630-08-0"]
    cats = ["", "", "", "W5.2", "J1", "W2", "w5.4"]
    units = pd.DataFrame({"unit_code": [f"U{i:05d}" for i in range(nu)],
                          "outside_population": np.where(rng.random(nu) < 0.1, np.nan,
                                                         rng.integers(0, 300, nu).astype(float))})
    hz = pd.DataFrame({
        "hazard_code": [f"H{i:06d}" for i in range(n)],
        "unit_code": units.unit_code.to_numpy()[rng.integers(0, nu, n)],
        "substance": np.array(subs, dtype=object)[rng.integers(0, len(subs), n)],
        "cas": np.array(cas, dtype=object)[rng.integers(0, len(cas), n)],
        "category": np.array(cats, dtype=object)[rng.integers(0, len(cats), n)],
        "quantity_t": np.where(rng.random(n) < 0.05, np.nan, rng.gamma(1.0, 20.0, n)),
    })
    t0 = time.perf_counter()
    m = g.match_substances(hz, tables)
    t1 = time.perf_counter()
    u = g.grade_units(hz, m, units, tables)
    t2 = time.perf_counter()
    print(f"\nmatch_substances: {t1 - t0:.3f} s for {n} hazards; grade_units: {t2 - t1:.3f} s for {nu} units")
    assert len(m) == n and len(u) == nu
    ratio = hz.quantity_t / m.Q_t
    expected = ratio.groupby(hz.unit_code).sum().reindex(u.index, fill_value=0.0)
    np.testing.assert_allclose(u.s_value.to_numpy(), expected.to_numpy(), rtol=1e-12)
    major = u[u.major_hazard]
    assert major.level.notna().all() and u.loc[~u.major_hazard, "level"].isna().all()
    assert (major.reason.str.startswith("R = ")).all()
    assert set(m.match) <= {"cas", "alt_cas", "name", "category", "none"}

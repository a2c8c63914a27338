"""Rules files: the default loads; a file that contradicts itself is refused before any
work, with a message naming the key."""

import math
import shutil

import numpy as np
import pytest

from plugin.core.rules import DEFAULT_RULES, RulesError, load_rules


def test_default_rules_load():
    r = load_rules()
    assert r.path == DEFAULT_RULES.resolve()
    assert set(r.sectors) == {"hazchem", "gas", "industry", "construction", "transport", "fire", "special_equipment"}
    assert r.sectors["hazchem"].method == "gb18218" and r.sectors["fire"].method == "ls"
    assert r.sectors["hazchem"].reach_m == 500 and r.sectors["industry"].reach_m == 200
    assert [lv.rgb for lv in r.levels.values()] == [(230, 0, 18), (255, 140, 0), (255, 215, 0), (0, 112, 192)]
    assert len(r.gb18218.table1) == 85 and len(r.gb18218.table2) == 24
    assert len(r.sha256) == 64


# docs/domain/scoring.md §2: D ≥ 320 → 1; 160 ≤ D < 320 → 2; 70 ≤ D < 160 → 3; D < 70 → 4.
@pytest.mark.parametrize("d, level", [(1000, 1), (320, 1), (319.99, 2), (160, 2), (159.9, 3), (70, 3),
                                      (69.99, 4), (0.05, 4)])
def test_lec_band_edges(d, level):
    assert load_rules().lec.level_of(np.array([d]))[0] == level


# docs/domain/scoring.md §3: 20–25 → 1; 15–16 → 2; 9–12 → 3; 1–8 → 4, for every product L·S.
def test_ls_bands_for_every_product():
    expected = {**{r: 1 for r in range(20, 26)}, 15: 2, 16: 2, **{r: 3 for r in range(9, 13)},
                **{r: 4 for r in range(1, 9)}}
    products = sorted({a * b for a in range(1, 6) for b in range(1, 6)})
    levels = load_rules().ls.level_of(np.array(products, dtype=float))
    assert dict(zip(products, levels.tolist())) == {p: expected[p] for p in products}


# GB 18218-2018 Table 6.
@pytest.mark.parametrize("r, level", [(100, 1), (99.9, 2), (50, 2), (49.9, 3), (10, 3), (9.99, 4)])
def test_gb18218_level_bands(r, level):
    bands = load_rules().gb18218.levels
    assert next(b.level for b in bands if b.min <= r < b.max) == level


def _edited(tmp_path, old, new, count=1):
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    assert old in text, old
    p = tmp_path / "rules.toml"
    p.write_text(text.replace(old, new, count), encoding="utf-8")
    return p


@pytest.mark.parametrize("old, new, key, words", [
    ("{ level = 2, min = 160, max = 320 }", "{ level = 2, min = 170, max = 320 }", "methods.lec.bands[2].max", "gap"),
    ("{ level = 2, min = 160, max = 320 }", "{ level = 2, min = 160, max = 330 }", "methods.lec.bands[0].min",
     "overlaps"),
    ("{ level = 4, max = 9 }", "{ level = 4, min = 2, max = 9 }", "methods.ls.bands[3].min", "fall in no band"),
    ('method = "ls"\nreach_m = 200\nsymbol = "star"', 'method = "fuzzy"\nreach_m = 200\nsymbol = "star"',
     "sectors.special_equipment.method", "unknown method"),
    ("[sectors.fire]", "[sectors.farming]", "sectors.farming", "unknown sector"),
    ('colour = "#FF8C00"\n', "", "levels.2.colour", "missing"),
    ('colour = "#FFD700"', 'colour = "yellow"', "levels.3.colour", "not a colour"),
    ("reach_m = 500\nsymbol = \"triangle\"", "reach_m = \"500\"\nsymbol = \"triangle\"", "sectors.hazchem.reach_m",
     "expected a number"),
    ("{ level = 1, min = 320 }", "{ level = 5, min = 320 }", "methods.lec.bands[0].level", "level 5"),
    ('kernel = "quartic"', 'kernel = "gaussian"', "density.kernel", "unknown kernel"),
    ('symbol = "star"', 'symbol = "unicorn"', "sectors.special_equipment.symbol", "unknown marker shape"),
    ('table2 = "reference/gb18218_2018_table2.csv"', 'table2 = "reference/nope.csv"', "methods.gb18218.table2",
     "file not found"),
    ('"584-84-9" = 23', '"584-84-9" = 999', "methods.gb18218.alternative_cas.584-84-9", "Table 1 row"),
    ("{ from = 2, to = 1 }", "{ from = 2, to = 0 }", "upgrades.proximity.steps[0].to", "level 0"),
    ('keys = ["vce_yield"]\nstatus = "literature default"', 'keys = ["vce_yield"]\nstatus = "guessed"',
     "provenance[9].status", "unknown status"),
    ('keys = ["vce_yield"]', 'keys = ["vce_yeild"]', "provenance[9].keys[0]", "no key 'vce_yeild'"),
    ('section = "cascade.overpressure_probit"', 'section = "cascade.overpressure_probits"', "provenance[20].section",
     "no section"),
    ('keys = ["vce_yield"]', 'keys = ["vce_yield"]\nsorce = "x"', "provenance[9].sorce", "unknown key"),
    ('keys = ["vce_yield"]', 'keys = ["vce_yield", "seed"]', "provenance[15].keys[4]", "stated twice"),
    ('keys = ["vce_yield"]', "keys = []", "provenance[9].keys", "names no key"),
    ("protection_m = 300", "protecton_m = 300", "sectors.hazchem.protecton_m", "unknown key"),
    ("within_steps = 2", "within_steps = 0", "upgrades.cascade.within_steps", "1 or more"),
    ('within = "protection"', 'within = "nearby"', "upgrades.proximity.within", "unknown distance"),
    ('sectors = ["hazchem", "gas"]', 'sectors = ["hazchem", "petrol"]', "upgrades.proximity.sectors[1]",
     "not defined"),
    ("seed = 20241128", "seed = 20241128\nsed = 1", "cascade.sed", "unknown key"),
    ('sensitivity = "high"\naliases = ["学校"', 'sensitivity = "high"\nalias = []\naliases = ["学校"',
     "receptors.classes.school.alias", "unknown key"),
    ('kernel = "quartic"', 'kernel = "quartic"\ncell = 50', "density.cell", "unknown key"),
])
def test_bad_rules_are_refused_naming_the_key(tmp_path, old, new, key, words):
    with pytest.raises(RulesError) as err:
        load_rules(_edited(tmp_path, old, new))
    assert err.value.key == key, str(err.value)
    assert words in err.value.en and err.value.zh and str(tmp_path) in str(err.value)


def test_provenance_is_data_of_the_rules():
    r = load_rules()
    assert r.provenance[("cascade.heat_threshold_kw_m2", "atmospheric")].status == "verified"
    assert "Khakzad" in r.provenance[("cascade.heat_threshold_kw_m2", "atmospheric")].source
    assert r.provenance[("sectors.hazchem", "protection_m")].status == "project default"
    assert r.provenance[("cascade", "reference_pressure_pa")].status == ""  # explained, not classed
    assert {p.status for p in r.provenance.values()} <= {"", "verified", "literature default", "project default"}


def test_a_rules_file_without_provenance_loads(tmp_path):
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    p = tmp_path / "rules.toml"
    p.write_text(text[:text.index("[[provenance]]")], encoding="utf-8")
    assert load_rules(p).provenance == {}


def test_not_toml_and_missing_file(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text("[levels\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(p)
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "missing.toml")


def test_a_copied_rules_file_finds_tables_relative_to_itself_or_the_plugin(tmp_path):
    shutil.copy(DEFAULT_RULES, tmp_path / "mine.toml")
    r = load_rules(tmp_path / "mine.toml")
    assert r.gb18218.files["table1"].name == "gb18218_2018_table1.csv"


def test_edited_band_changes_levels(tmp_path):
    p = _edited(tmp_path, "{ level = 1, min = 320 },\n  { level = 2, min = 160, max = 320 },",
                "{ level = 1, min = 400 },\n  { level = 2, min = 160, max = 400 },")
    r = load_rules(p)
    assert r.lec.level_of(np.array([360.0]))[0] == 2
    assert math.isinf(r.lec.bands[-1].max)

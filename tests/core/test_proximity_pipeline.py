"""The proximity step on a small risk database built by hand: α from a population raster
changing band at 29/30, 49/50, 99/100 people, the level changing with it, the upgrade and
its reason text, the protection-distance flag, unknown receptor classes reported."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import Point

from plugin.core.rules import load_rules
from plugin.core.steps import proximity_database, score_database
from plugin.core.store import riskdb

RULES = load_rules()
TO_LL = Transformer.from_crs(4547, 4490, always_xy=True)
X0, Y0 = 500_000.0, 2_500_000.0  # EPSG:4547 metres, near Shenzhen
CELL = 100.0


def ll(x, y):
    lon, lat = TO_LL.transform(x, y)
    return float(lon), float(lat)


def make_db(tmp_path, units, hazards) -> str:
    u = gpd.GeoDataFrame(pd.DataFrame(units), geometry=[Point(ll(x, y)) for x, y in zip(
        [r["x"] for r in units], [r["y"] for r in units])], crs="EPSG:4490").drop(columns=["x", "y"])
    h = gpd.GeoDataFrame(pd.DataFrame(hazards), geometry=[Point(ll(x, y)) for x, y in zip(
        [r["x"] for r in hazards], [r["y"] for r in hazards])], crs="EPSG:4490").drop(columns=["x", "y"])
    for frame in (u, h):
        frame["lon"] = frame.geometry.x
        frame["lat"] = frame.geometry.y
    db = tmp_path / "risk.gpkg"
    riskdb.write_layers(db, {"units": u, "hazards": h})
    score_database(db, RULES)
    return str(db)


def population_raster(tmp_path, people_per_cell: float) -> str:
    """A uniform raster around (X0, Y0): the 500 m circle holds π·25 cells' worth of people."""
    n = 40
    path = tmp_path / "pop.tif"
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32", crs="EPSG:4547",
                       transform=from_origin(X0 - n / 2 * CELL, Y0 + n / 2 * CELL, CELL, CELL)) as ds:
        ds.write(np.full((1, n, n), people_per_cell, dtype="float32"))
    return str(path)


def so2_unit(tmp_path, population_cell: float, quantity_t: float):
    units = [{"unit_code": "U1", "sector": "hazchem", "name": "甲化工", "outside_population": np.nan,
              "x": X0, "y": Y0}]
    hazards = [{"hazard_code": "H1", "unit_code": "U1", "sector": "hazchem", "substance": "二氧化硫",
                "cas": "7446-09-5", "category": "", "quantity_t": quantity_t, "L": np.nan, "E": np.nan, "C": np.nan,
                "likelihood": np.nan, "severity": np.nan, "x": X0, "y": Y0}]
    db = make_db(tmp_path, units, hazards)
    raster = population_raster(tmp_path, population_cell)
    return db, raster


CIRCLE_CELLS = np.pi * 500 ** 2 / CELL ** 2  # 78.54 cells in a 500 m circle


# GB 18218 Table 5: 1–29 → 1.0; 30–49 → 1.2; 50–99 → 1.5; ≥ 100 → 2.0. SO₂: Q 20 t, β 2, so Σβq/Q = q/10;
# Table 6: R ≥ 100 → 1; 50 ≤ R < 100 → 2; 10 ≤ R < 50 → 3. Each pair straddles a Table 5 edge and the
# level changes with α.
@pytest.mark.parametrize("people, alpha, q, level", [
    (29.4, 1.0, 450, 3), (30.4, 1.2, 450, 2),      # R 45 → 54
    (49.4, 1.2, 700, 2), (50.4, 1.5, 700, 1),      # R 84 → 105
    (99.4, 1.5, 550, 2), (100.4, 2.0, 550, 1)])    # R 82.5 → 110
def test_alpha_from_the_raster_changes_band_and_level(tmp_path, people, alpha, q, level):
    db, raster = so2_unit(tmp_path, people / CIRCLE_CELLS, q)
    result = proximity_database(db, RULES, None, raster)
    u = result.units.iloc[0]
    assert u.population_500m == pytest.approx(people, rel=0.005)
    assert u.alpha == alpha and u.alpha_source == "raster"
    assert u.r_value == pytest.approx(alpha * q / 10) and u.level == level
    assert f"R = {alpha * q / 10:.1f} (α {alpha:.1f} × Σβq/Q {q / 10:.1f})" in u.level_reasons


def receptors_frame(rows):
    return gpd.GeoDataFrame(pd.DataFrame([{"name": n, "class": c} for n, c, _, _ in rows]),
                            geometry=[Point(ll(x, y)) for _, _, x, y in rows], crs="EPSG:4490")


def lec_unit(tmp_path, L, E, C, sector="industry"):
    units = [{"unit_code": "U1", "sector": sector, "name": "乙工厂", "outside_population": np.nan, "x": X0, "y": Y0}]
    hazards = [{"hazard_code": "H1", "unit_code": "U1", "sector": sector, "substance": "", "cas": "", "category": "",
                "quantity_t": np.nan, "L": L, "E": E, "C": C, "likelihood": np.nan, "severity": np.nan,
                "x": X0, "y": Y0}]
    return make_db(tmp_path, units, hazards)


def rules_with(tmp_path, within, sectors):
    """The default rules with another proximity-upgrade scope."""
    from plugin.core.rules import DEFAULT_RULES

    text = DEFAULT_RULES.read_text(encoding="utf-8")
    for old, repl in (('within = "protection"', f'within = "{within}"'),
                      ('sectors = ["hazchem", "gas"]', f"sectors = {sectors}")):
        assert old in text
        text = text.replace(old, repl, 1)
    p = tmp_path / f"rules_{within}_{len(sectors)}.toml"
    p.write_text(text, encoding="utf-8")
    return load_rules(p)


def test_upgrade_and_its_reason(tmp_path):
    # D = 270 → level 2; a hazardous-chemicals source (scored by LEC as its fallback):
    # protection distance 300 m, reach 500 m.
    db = lec_unit(tmp_path, 3, 6, 15, sector="hazchem")
    rec = receptors_frame([("阳光幼儿园", "幼儿园", X0 + 180, Y0), ("远处小学", "小学", X0 + 900, Y0)])
    result = proximity_database(db, RULES, rec)
    h, u = result.hazards.iloc[0], result.units.iloc[0]
    assert h.base_level == 2 and h.level == 1 and u.level == 1 and u.inherent_level == 2
    assert h.upgrade_reason == "幼儿园 阳光幼儿园 at 180 m within protection distance 300 m → level 2 → 1"
    assert u.level_reasons.splitlines()[-1].startswith(
        "幼儿园 阳光幼儿园 at 180 m within protection distance 300 m → level 2 → 1")
    assert h.n_kindergarten == 1 and h.n_school == 0 and h.nearest_high_m == pytest.approx(180, abs=0.01)
    assert result.n_upgraded == 1 and len(result.links) == 1


def test_default_scope_leaves_a_school_near_a_factory_to_its_scores(tmp_path):
    """Industry and trade (protection 100 m, reach 200 m): a kindergarten at 80 m is flagged
    as inside the protection distance but does not raise the level under the default scope
    (hazardous chemicals and gas only); with every sector in scope it does."""
    db = lec_unit(tmp_path, 3, 6, 15, sector="industry")
    rec = receptors_frame([("阳光幼儿园", "幼儿园", X0 + 80, Y0)])
    result = proximity_database(db, RULES, rec)
    h = result.hazards.iloc[0]
    assert h.level == 2 and h.upgrade_reason == "" and bool(h.protection_breach)
    result = proximity_database(db, rules_with(tmp_path, "protection", "[]"), rec)
    h, u = result.hazards.iloc[0], result.units.iloc[0]
    assert h.level == 1 and u.inherent_level == 2
    assert h.upgrade_reason == "幼儿园 阳光幼儿园 at 80 m within protection distance 100 m → level 2 → 1"


def test_within_reach_is_wider_than_within_protection(tmp_path):
    """A kindergarten at 400 m of a hazardous-chemicals source: outside its protection
    distance (300 m), inside its reach (500 m)."""
    db = lec_unit(tmp_path, 3, 6, 15, sector="hazchem")
    rec = receptors_frame([("阳光幼儿园", "幼儿园", X0 + 400, Y0)])
    assert proximity_database(db, RULES, rec).hazards.iloc[0].level == 2
    result = proximity_database(db, rules_with(tmp_path, "reach", '["hazchem", "gas"]'), rec)
    h = result.hazards.iloc[0]
    assert h.level == 1 and h.upgrade_reason == "幼儿园 阳光幼儿园 at 400 m within reach 500 m → level 2 → 1"


def test_no_upgrade_beyond_protection_and_level_4_stays(tmp_path):
    db = lec_unit(tmp_path, 3, 6, 15, sector="hazchem")
    rec = receptors_frame([("阳光幼儿园", "幼儿园", X0 + 301, Y0)])
    result = proximity_database(db, RULES, rec)
    assert result.hazards.iloc[0].level == 2 and result.hazards.iloc[0].upgrade_reason == ""
    db = lec_unit(tmp_path, 1, 6, 7, sector="hazchem")  # D = 42 → level 4: no rule raises it
    result = proximity_database(db, RULES, receptors_frame([("阳光幼儿园", "幼儿园", X0 + 50, Y0)]))
    assert result.hazards.iloc[0].level == 4


def test_running_twice_does_not_upgrade_twice(tmp_path):
    db = lec_unit(tmp_path, 1, 6, 15, sector="gas")  # D = 90 → level 3 → upgraded to 2, not further
    rec = receptors_frame([("人民医院", "医院", X0 + 100, Y0)])
    proximity_database(db, RULES, rec)
    result = proximity_database(db, RULES, rec)
    assert result.hazards.iloc[0].level == 2 and result.units.iloc[0].level_reasons.count("→ level 3 → 2") == 1


def test_protection_distance_flag(tmp_path):
    db = lec_unit(tmp_path, 1, 6, 7, sector="industry")  # protection 100 m
    result = proximity_database(db, RULES, receptors_frame([("社区医院", "卫生院", X0 + 90, Y0)]))
    h = result.hazards.iloc[0]
    assert bool(h.protection_breach) and h.protection_receptor == "社区医院" and result.n_breaches == 1
    result = proximity_database(db, RULES, receptors_frame([("社区医院", "卫生院", X0 + 110, Y0)]))
    assert not bool(result.hazards.iloc[0].protection_breach)


def test_unknown_receptor_classes_are_reported_not_dropped(tmp_path):
    db = lec_unit(tmp_path, 1, 6, 7)
    rec = receptors_frame([("某某", "神秘场所", X0 + 50, Y0), ("某某2", "神秘场所", X0 + 60, Y0)])
    result = proximity_database(db, RULES, rec)
    assert result.hazards.iloc[0].n_unknown == 2 and result.hazards.iloc[0].n_receptors == 2
    (issue,) = result.issues.itertuples(index=False)
    assert issue.code == "W_RECEPTOR_CLASS_UNKNOWN" and "神秘场所" in issue.message_zh
    layers = riskdb.layer_names(db)
    assert "hazard_receptor_links" in layers and "proximity_issues" in layers


def test_scoring_again_clears_the_proximity_results(tmp_path):
    db = lec_unit(tmp_path, 3, 6, 15)
    proximity_database(db, RULES, receptors_frame([("阳光幼儿园", "幼儿园", X0 + 180, Y0)]))
    score_database(db, RULES)
    hz = riskdb.read_layer(db, "hazards")
    assert hz.iloc[0].level == 2 and "upgrade_reason" not in hz.columns and "n_kindergarten" not in hz.columns


def test_units_beyond_the_population_raster_keep_the_survey_alpha(tmp_path):
    units = [{"unit_code": "U1", "sector": "hazchem", "name": "远处化工", "outside_population": 60.0,
              "x": X0 + 50_000, "y": Y0}]
    hazards = [{"hazard_code": "H1", "unit_code": "U1", "sector": "hazchem", "substance": "二氧化硫",
                "cas": "7446-09-5", "category": "", "quantity_t": 200.0, "L": np.nan, "E": np.nan, "C": np.nan,
                "likelihood": np.nan, "severity": np.nan, "x": X0 + 50_000, "y": Y0}]
    db = make_db(tmp_path, units, hazards)
    result = proximity_database(db, RULES, None, population_raster(tmp_path, 1.0))
    u = result.units.iloc[0]
    assert np.isnan(u.population_500m) and u.alpha == 1.5 and u.alpha_source == "survey"
    assert "W_POPULATION_NOT_COVERED" in set(result.issues.code)


def test_score_after_cascade_starts_clean(tmp_path):
    """score → cascade → score → cascade gives what score → cascade gives (no stale base levels)."""
    from plugin.core.steps import cascade_database

    db = lec_unit(tmp_path, 3, 6, 15)
    cascade_database(db, RULES)
    score_database(db, RULES)
    hz = riskdb.read_layer(db, "hazards")
    assert "cascade_base_level" not in hz.columns and "cascade_reason" not in hz.columns

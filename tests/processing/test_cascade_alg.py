"""citysafety:cascade and citysafety:cascade_scenario through Processing; two tanks just
inside and just outside the escalation distance; the upgrade; reproducible scenarios."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from plugin.core.cascade import effects
from plugin.core.rules import load_rules
from plugin.core.steps import cascade_database, cascade_scenario, score_database
from plugin.core.store import riskdb
from tests.common import SAMPLE
from tests.common import run_algorithm as _run

RULES = load_rules()
TO_LL = Transformer.from_crs(4547, 4490, always_xy=True)
X0, Y0 = 500_000.0, 2_500_000.0


def _db(tmp_path, hazards: list[dict]) -> str:
    """A gas unit per hazard, LPG tanks placed in EPSG:4547 metres."""
    rows, geoms, units = [], [], []
    for h in hazards:
        lon, lat = TO_LL.transform(h["x"], h["y"])
        geoms.append(Point(lon, lat))
        rows.append({"hazard_code": h["code"], "unit_code": "U" + h["code"], "sector": "gas", "substance": "液化石油气",
                     "cas": "68476-85-7", "category": "", "quantity_t": h.get("q", 10.0), "volume_m3": np.nan,
                     "equipment": h.get("equipment", "pressurised"), "L": h.get("L", 1), "E": 6, "C": h.get("C", 7),
                     "likelihood": np.nan, "severity": np.nan, "lon": lon, "lat": lat})
        units.append({"unit_code": "U" + h["code"], "sector": "gas", "name": h["code"], "outside_population": 10,
                      "lon": lon, "lat": lat})
    hz = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4490")
    un = gpd.GeoDataFrame(pd.DataFrame(units), geometry=list(geoms), crs="EPSG:4490")
    db = tmp_path / "risk.gpkg"
    riskdb.write_layers(db, {"units": un, "hazards": hz})
    score_database(db, RULES)
    return str(db)


def _pressurised_distance(quantity_t: float) -> float:
    """The 16 kPa distance of an LPG tank of this size (pressurised targets), from the models."""
    hz = pd.DataFrame({"hazard_code": ["A"], "substance": ["液化石油气"], "cas": ["68476-85-7"], "category": [""],
                       "quantity_t": [quantity_t], "volume_m3": [np.nan]})
    return float(effects.escalation_distances(effects.scenarios(hz, RULES), RULES)["d_pressurised"].iloc[0])


@pytest.mark.parametrize("offset, present", [(-0.5, True), (+0.5, False)])
def test_two_tanks_just_inside_and_just_outside(tmp_path, offset, present):
    d = _pressurised_distance(10.0)  # ≈ 141 m for 10 t of LPG (cascade.md)
    assert 135 < d < 147
    db = _db(tmp_path, [{"code": "A", "x": X0, "y": Y0}, {"code": "B", "x": X0 + d + offset, "y": Y0, "q": 0.001}])
    result = cascade_database(db, RULES)
    edges = set(zip(result.edges.source, result.edges.target))
    assert (("A", "B") in edges) is present
    if present:
        e = result.edges.iloc[0]
        assert e.vector == "overpressure" and e.load >= 16.0 and 0 < e.probability <= 1
        assert e.distance_m == pytest.approx(d + offset, abs=0.01)


def test_upgrade_for_reaching_a_level_1_source_in_two_steps(tmp_path):
    # A (level 4) → B → C (level 1 by LEC 10·6·7 = 420): A goes up one level, with its reason.
    db = _db(tmp_path, [{"code": "A", "x": X0, "y": Y0, "q": 10.0},
                        {"code": "B", "x": X0 + 60, "y": Y0, "q": 10.0},
                        {"code": "C", "x": X0 + 120, "y": Y0, "q": 0.001, "L": 10, "C": 7}])
    result = cascade_database(db, RULES)
    hz = result.hazards.set_index("hazard_code")
    assert hz.loc["C", "level"] == 1 and hz.loc["A", "cascade_base_level"] == 4 and hz.loc["A", "level"] == 3
    assert "C" in hz.loc["A", "cascade_reason"] and "→ level 4 → 3" in hz.loc["A", "cascade_reason"]
    units = result.units.set_index("unit_code")
    # The unit's cascade upgrade is its own field; its level reasons are the scoring's.
    assert units.loc["UA", "level"] == 3 and "连锁 cascade" in units.loc["UA", "cascade_reason"]
    assert "连锁 cascade" not in units.loc["UA", "level_reasons"]
    assert units.loc["UC", "cascade_reason"] == ""
    # Running again does not upgrade twice.
    again = cascade_database(db, RULES).hazards.set_index("hazard_code")
    assert again.loc["A", "level"] == 3
    stored = riskdb.read_layer(db, "units").set_index("unit_code").loc["UA"]
    assert stored["cascade_reason"].count("连锁 cascade") == 1 and "连锁 cascade" not in stored["level_reasons"]


def test_a_database_cascaded_by_0_5_shows_the_upgrade_once(tmp_path):
    # Version 0.5 appended a unit's cascade upgrade to its level_reasons and had no
    # cascade_reason field; running the cascade again moves the line into the field.
    db = _db(tmp_path, [{"code": "A", "x": X0, "y": Y0, "q": 10.0},
                        {"code": "B", "x": X0 + 60, "y": Y0, "q": 10.0},
                        {"code": "C", "x": X0 + 120, "y": Y0, "q": 0.001, "L": 10, "C": 7}])
    cascade_database(db, RULES)
    units = riskdb.read_layer(db, "units")
    upgraded = units["cascade_reason"] != ""
    legacy = units.assign(level_reasons=units["level_reasons"].where(
        ~upgraded, units["level_reasons"] + "\n" + units["cascade_reason"])).drop(columns="cascade_reason")
    riskdb.update_layers(db, {"units": legacy})
    assert "连锁 cascade" in riskdb.read_layer(db, "units").set_index("unit_code").loc["UA", "level_reasons"]
    cascade_database(db, RULES)
    stored = riskdb.read_layer(db, "units").set_index("unit_code")
    assert stored.loc["UA", "cascade_reason"].count("连锁 cascade") == 1
    assert "连锁 cascade" not in stored.loc["UA", "level_reasons"]
    assert stored.loc["UA", "level_reasons"] == units.set_index("unit_code").loc["UA", "level_reasons"]


def test_scenario_is_reproducible_and_finds_the_chain(tmp_path):
    db = _db(tmp_path, [{"code": "A", "x": X0, "y": Y0}, {"code": "B", "x": X0 + 60, "y": Y0},
                        {"code": "C", "x": X0 + 120, "y": Y0}, {"code": "Z", "x": X0 + 5000, "y": Y0}])
    cascade_database(db, RULES)
    one = cascade_scenario(db, RULES, "A", 1e-3, 500, 7)
    two = cascade_scenario(db, RULES, "A", 1e-3, 500, 7)
    assert one.affected.mc_frequency.tolist() == two.affected.mc_frequency.tolist()
    assert set(one.affected.hazard_code) >= {"A", "B"} and "Z" not in set(one.affected.hazard_code)
    assert one.zone.iloc[0].area_km2 > 0 and one.affected.set_index("hazard_code").loc["A", "mc_frequency"] == 1.0


def test_cascade_and_scenario_through_processing(provider, tmp_path):
    db = tmp_path / "risk.gpkg"
    _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "LOAD_LAYERS": False})
    _run("citysafety:score", {"INPUT": str(db)})
    res = _run("citysafety:cascade", {"INPUT": str(db), "LOAD_LAYERS": False})
    edges = pyogrio.read_dataframe(db, layer="cascade_edges")
    chains = pyogrio.read_dataframe(db, layer="cascade_chains")
    hz = pyogrio.read_dataframe(db, layer="hazards", read_geometry=False)
    assert res["EDGES"] == len(edges) > 0 and set(edges.geometry.geom_type) == {"LineString"}
    assert (edges.probability > 0).all() and (edges.probability <= 1).all()
    assert len(chains) > 0 and chains.chain.str.contains(" → ").all()
    assert (hz.out_degree.sum(), hz.in_degree.sum()) == (len(edges), len(edges))
    start = edges.source.iloc[0]
    out = _run("citysafety:cascade_scenario", {"INPUT": str(db), "START": start, "TRIALS": 200, "SEED": 3,
                                               "POPULATION": str(SAMPLE / "population.tif"), "LOAD_LAYERS": False})
    assert out["AFFECTED"] >= 2
    assert "scenario_zone" in riskdb.layer_names(db)


def test_scenario_with_an_unknown_code_is_refused(provider, tmp_path):
    from qgis.core import QgsProcessingException

    db = _db(tmp_path, [{"code": "A", "x": X0, "y": Y0}])
    with pytest.raises(QgsProcessingException, match="NOPE"):
        _run("citysafety:cascade_scenario", {"INPUT": db, "START": "NOPE", "LOAD_LAYERS": False})


def test_edges_are_styled_as_arrows_by_vector(qgis_app, tmp_path):
    from qgis.core import QgsVectorLayer

    from plugin.layers.styling import EDGE_COLOURS, style_edges

    db = _db(tmp_path, [{"code": "A", "x": X0, "y": Y0}, {"code": "B", "x": X0 + 60, "y": Y0}])
    cascade_database(db, RULES)
    layer = QgsVectorLayer(f"{db}|layername=cascade_edges", "edges", "ogr")
    assert layer.isValid() and layer.featureCount() == 2
    style_edges(layer)
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "vector"
    cats = {c.value(): c for c in renderer.categories()}
    assert set(cats) == set(EDGE_COLOURS)
    arrow = cats["overpressure"].symbol().symbolLayer(0)
    assert arrow.layerType() == "ArrowLine" and arrow.dataDefinedProperties().hasActiveProperties()


def test_undoing_a_cascade_upgrade_restores_the_units_worst_hazard(tmp_path):
    db = _db(tmp_path, [{"code": "A", "x": X0, "y": Y0, "q": 10.0},
                        {"code": "B", "x": X0 + 60, "y": Y0, "q": 10.0},
                        {"code": "C", "x": X0 + 120, "y": Y0, "q": 0.001, "L": 10, "C": 7}])
    cascade_database(db, RULES)
    text = RULES.path.read_text(encoding="utf-8").replace(
        "[upgrades.cascade]\nenabled = true", "[upgrades.cascade]\nenabled = false")
    off = tmp_path / "off.toml"
    off.write_text(text, encoding="utf-8")
    result = cascade_database(db, load_rules(off))
    hz = result.hazards.set_index("hazard_code")
    for unit in result.units.itertuples(index=False):
        assert hz.loc[unit.worst_hazard, "level"] == unit.level
        assert "连锁 cascade" not in unit.level_reasons and not unit.cascade_reason

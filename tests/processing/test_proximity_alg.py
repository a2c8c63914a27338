"""citysafety:proximity through Processing, and the whole chain with receptors and a
population raster through qgis_process, on the sample city."""

from __future__ import annotations

import json
import subprocess

import pyogrio
import pytest

from tests.common import QGIS_PROCESS, SAMPLE
from tests.common import run_algorithm as _run

RECEPTORS = f"{SAMPLE / 'receptors.gpkg'}|layername=receptors"
AREAS = f"{SAMPLE / 'receptors.gpkg'}|layername=receptor_areas"
POPULATION = str(SAMPLE / "population.tif")


@pytest.fixture
def scored(provider, tmp_path):
    db = tmp_path / "risk.gpkg"
    _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "LOAD_LAYERS": False})
    _run("citysafety:score", {"INPUT": str(db)})
    return db


def test_proximity_fields_links_and_alpha(scored):
    res = _run("citysafety:proximity", {"INPUT": str(scored), "RECEPTORS": RECEPTORS, "POPULATION": POPULATION,
                                        "LOAD_LAYERS": False})
    hz = pyogrio.read_dataframe(scored, layer="hazards", read_geometry=False)
    units = pyogrio.read_dataframe(scored, layer="units", read_geometry=False)
    links = pyogrio.read_dataframe(scored, layer="hazard_receptor_links")
    for field in ("n_school", "n_kindergarten", "n_hospital", "n_residential", "n_receptors", "n_high",
                  "nearest_high_name", "nearest_high_class", "nearest_high_m", "protection_breach", "pop_500m",
                  "pop_reach", "reach_m", "base_level", "upgrade_reason"):
        assert field in hz.columns, field
    assert res["LINKS"] == len(links) == int(hz.n_receptors.sum())
    assert (links.distance_m <= links.merge(hz[["hazard_code", "reach_m"]], on="hazard_code").reach_m + 1e-6).all()
    assert set(links.geometry.geom_type) == {"LineString"}
    # α of every major hazard source from the raster; the upgrades are in the reasons.
    major = units[units.major_hazard]
    assert (major.alpha_source == "raster").all() and major.population_500m.notna().all()
    upgraded = hz[hz.upgrade_reason != ""]
    assert res["UPGRADED"] == len(upgraded) > 0
    assert (upgraded.level < upgraded.base_level).all()
    assert res["PROTECTION_BREACHES"] == int(hz.protection_breach.sum())
    # Population within the reach is at least the population within 500 m when the reach is larger, never less.
    gas = hz[hz.reach_m == 500]
    assert (gas.pop_reach.round(6) == gas.pop_500m.round(6)).all()
    assert (hz[hz.reach_m == 200].pop_reach <= hz[hz.reach_m == 200].pop_500m + 1e-9).all()


def test_polygon_receptors_and_a_table_with_lon_lat(scored, tmp_path):
    res = _run("citysafety:proximity", {"INPUT": str(scored), "RECEPTORS": AREAS, "LOAD_LAYERS": False})
    assert res["LINKS"] > 0
    # The same receptors as a CSV table with lon/lat.
    import geopandas as gpd

    pts = gpd.read_file(SAMPLE / "receptors.gpkg", layer="receptors")
    table = tmp_path / "敏感目标.csv"
    pts.assign(经度=pts.geometry.x, 纬度=pts.geometry.y).drop(columns="geometry").rename(
        columns={"name": "名称", "class": "类别"}).to_csv(table, index=False, encoding="gb18030")
    by_layer = _run("citysafety:proximity", {"INPUT": str(scored), "RECEPTORS": RECEPTORS, "LOAD_LAYERS": False})
    by_table = _run("citysafety:proximity", {"INPUT": str(scored), "RECEPTOR_TABLE": str(table),
                                             "LOAD_LAYERS": False})
    assert by_table["LINKS"] == by_layer["LINKS"] and by_table["UPGRADED"] == by_layer["UPGRADED"]


def test_proximity_needs_an_input(scored):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="receptors"):
        _run("citysafety:proximity", {"INPUT": str(scored)})


def test_qgis_process_run_all_with_receptors_and_population(qgis_process_env, tmp_path):
    db, density = tmp_path / "cli.gpkg", tmp_path / "cli.tif"
    args = [QGIS_PROCESS, "--json", "run", "citysafety:run_all", "--", f"FOLDER={SAMPLE}", f"OUTPUT={db}",
            f"DENSITY={density}", f"DISTRICTS={SAMPLE / 'districts.gpkg'}", f"RECEPTORS={RECEPTORS}",
            f"POPULATION={POPULATION}", "LOAD_LAYERS=false"]
    proc = subprocess.run(args, env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index("{"):])["results"]
    assert result["UNITS"] == 329
    layers = [n for n, _ in pyogrio.list_layers(db)]
    assert "hazard_receptor_links" in layers and "risk_map" in layers
    hz = pyogrio.read_dataframe(db, layer="hazards", read_geometry=False)
    assert (hz.upgrade_reason != "").sum() > 0
    risk = pyogrio.read_dataframe(db, layer="risk_map", read_geometry=False)
    units = pyogrio.read_dataframe(db, layer="units", read_geometry=False)
    assert (risk.set_index("unit_code").level.fillna(0) == units.set_index("unit_code").level.fillna(0)).all()


def test_new_fields_have_chinese_aliases_in_qgis(scored):
    from qgis.core import QgsVectorLayer

    _run("citysafety:proximity", {"INPUT": str(scored), "RECEPTORS": RECEPTORS, "LOAD_LAYERS": False})
    hz = QgsVectorLayer(f"{scored}|layername=hazards", "hazards", "ogr")
    alias = {hz.fields()[i].name(): hz.attributeAlias(i) for i in range(hz.fields().count())}
    assert (alias["n_school"], alias["level"], alias["upgrade_reason"], alias["nearest_high_m"]) == (
        "学校数", "风险等级", "升级依据", "最近高敏感目标距离（米）")
    units = QgsVectorLayer(f"{scored}|layername=units", "units", "ogr")
    assert units.attributeAlias(units.fields().indexOf("level_reasons")) == "定级依据"

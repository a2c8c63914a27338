"""citysafety:score, citysafety:risk_map and citysafety:run_all through Processing and
qgis_process, on the sample city."""

from __future__ import annotations

import hashlib
import json
import subprocess

import numpy as np
import pyogrio
import pytest
import rasterio

from tests.common import QGIS_PROCESS, SAMPLE
from tests.common import run_algorithm as _run

DISTRICTS = SAMPLE / "districts.gpkg"


@pytest.fixture
def imported(provider, tmp_path):
    db = tmp_path / "risk.gpkg"
    _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "LOAD_LAYERS": False})
    return db


def test_score_adds_fields_and_leaves_input_rows(imported):
    before = pyogrio.read_dataframe(imported, layer="units")
    res = _run("citysafety:score", {"INPUT": str(imported)})
    after = pyogrio.read_dataframe(imported, layer="units")
    hazards = pyogrio.read_dataframe(imported, layer="hazards")
    for field in ("method", "level", "level_zh", "colour", "worst_hazard", "hazard_count", "major_hazard",
                  "level_reasons"):
        assert field in after.columns
    for field in ("method", "s_value", "r_value", "alpha", "alpha_source", "lec_d", "ls_r", "level", "level_zh",
                  "colour"):
        assert field in hazards.columns
    # The input rows are untouched otherwise.
    assert after[list(before.columns.drop("geometry"))].equals(before.drop(columns="geometry"))
    counts = after.level.value_counts()
    assert [res[f"LEVEL{k}"] for k in (1, 2, 3, 4)] == [int(counts.get(k, 0)) for k in (1, 2, 3, 4)]
    assert res["MAJOR_HAZARDS"] == int(after.major_hazard.sum()) > 0
    # A unit's level is its worst hazard's.
    worst = hazards.groupby("unit_code")["level"].min()
    scored = after.dropna(subset=["level"]).set_index("unit_code")
    assert (scored.level == worst.reindex(scored.index)).all()


def test_score_twice_gives_the_same_fields(imported):
    _run("citysafety:score", {"INPUT": str(imported)})
    first = pyogrio.read_dataframe(imported, layer="hazards")
    _run("citysafety:score", {"INPUT": str(imported)})
    second = pyogrio.read_dataframe(imported, layer="hazards")
    assert list(first.columns) == list(second.columns)
    assert first.drop(columns="geometry").equals(second.drop(columns="geometry"))


def test_bad_rules_stop_before_any_work(imported, tmp_path):
    from qgis.core import QgsProcessingException

    bad = tmp_path / "bad.toml"
    bad.write_text((SAMPLE.parents[0] / "rules" / "default.toml").read_text(encoding="utf-8")
                   .replace('method = "lec"', 'method = "guess"', 1), encoding="utf-8")
    sha = hashlib.sha256(imported.read_bytes()).hexdigest()
    with pytest.raises(QgsProcessingException, match=r"sectors\.industry\.method"):
        _run("citysafety:score", {"INPUT": str(imported), "RULES": str(bad)})
    assert hashlib.sha256(imported.read_bytes()).hexdigest() == sha


def test_risk_map_before_score_is_refused(imported, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="not scored"):
        _run("citysafety:risk_map", {"INPUT": str(imported), "DENSITY": str(tmp_path / "d.tif"), "LOAD_LAYERS": False})


def test_risk_map_layers_density_and_group(imported, tmp_path):
    from qgis.core import QgsProject

    from plugin.core.rules import load_rules

    _run("citysafety:score", {"INPUT": str(imported)})
    density = tmp_path / "density.tif"
    res = _run("citysafety:risk_map", {"INPUT": str(imported), "DISTRICTS": str(DISTRICTS), "DENSITY": str(density)})
    units = pyogrio.read_dataframe(imported, layer="units")
    risk = pyogrio.read_dataframe(imported, layer="risk_map")
    assert res["UNITS"] == len(risk) == len(units)
    # Density: the raster's total weight equals the units' level weights.
    rules = load_rules()
    weights = units.level.map({k: v.density_weight for k, v in rules.levels.items()}).fillna(0).sum()
    with rasterio.open(density) as ds:
        values = ds.read(1).astype(float)
        cell_km2 = abs(ds.transform.a * ds.transform.e) / 1e6
        assert ds.crs.to_epsg() == 4547
    assert np.isclose(values.sum() * cell_km2, weights, rtol=1e-6)
    # District summary: every unit in a district is counted once.
    summary = pyogrio.read_dataframe(imported, layer="district_summary")
    assert res["DISTRICTS_SUMMARISED"] == len(summary) == 10
    assert summary.n_units.sum() <= len(units)
    assert (summary[["n_level1", "n_level2", "n_level3", "n_level4"]].sum(axis=1) <= summary.n_units).all()
    # In QGIS: one group, top to bottom: the points, the district boundaries, the aggregation
    # grid (shown), the density and the district fills (both unchecked: the grid would hide under them).
    group = QgsProject.instance().layerTreeRoot().findGroup("城市安全风险一张图")
    assert group is not None
    nodes = group.findLayers()
    assert [n.layer().name() for n in nodes] == ["重大风险单位 level-1 units", "风险一张图 risk map",
                                                 "行政区界 district boundaries", "风险网格 risk grid",
                                                 "风险密度 risk density", "行政区风险 district summary",
                                                 "管控缺失 missing controls", "街道管控责任 accountability by street"]
    assert [n.isVisible() for n in nodes][:6] == [True, True, True, True, False, False]
    findings, streets = nodes[-2].layer(), nodes[-1].layer()  # tables: who answers for the risk
    assert not findings.isSpatial() and findings.featureCount() == len(
        pyogrio.read_dataframe(imported, layer="control_findings", read_geometry=False)) > 0
    assert "n_controls_missing" in streets.fields().names()
    top = nodes[0].layer()
    assert top.featureCount() == int((units.level == 1).sum()) > 0
    assert [r.ruleKey() for r in top.renderer().rootRule().children()] == ["level1", "level1_sparse"]
    near, far = top.renderer().rootRule().children()  # every level-1 unit near; beyond 1:25,000 the sparse ones
    assert (near.minimumScale(), far.maximumScale()) == (25_000, 25_000)
    assert far.filterExpression() == '"level" = 1 AND "cell_level1_per_km2" < 5'
    assert top.isInScaleRange(1_000_000) and not top.isInScaleRange(100_000)
    nodes = nodes[1:]
    points = nodes[0].layer()
    assert points.renderer().type() == "RuleRenderer"
    # the sample city is sparse: its points show from 1:150,000 (a megacity's from 1:5,000)
    from plugin.layers.loading import points_scale

    assert points_scale(str(imported)) == 150_000
    assert points.isInScaleRange(100_000) and not points.isInScaleRange(300_000)
    colours = {r.ruleKey(): r.symbol().color().getRgb()[:3] for r in points.renderer().rootRule().children()}
    assert colours == {"level1": (230, 0, 18), "level2": (255, 140, 0), "level3": (255, 215, 0),
                       "level4": (0, 112, 192), "unscored": (158, 158, 158)}
    grid = nodes[2].layer()
    assert 0 < grid.featureCount() <= 5 * len(units)  # five bands, at most one cell per unit in each
    assert [b.ruleKey() for b in grid.renderer().rootRule().children()] == ["band2000", "band1000", "band500",
                                                                             "band250", "band100"]
    assert nodes[1].layer().hasScaleBasedVisibility()


def test_run_all_on_the_sample_city(provider, tmp_path):
    db, density = tmp_path / "risk.gpkg", tmp_path / "density.tif"
    res = _run("citysafety:run_all", {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "DENSITY": str(density),
                                      "DISTRICTS": str(DISTRICTS), "LOAD_LAYERS": False})
    assert res["UNITS"] == 329 and res["HAZARDS"] == 804
    assert sum(res[f"LEVEL{k}"] for k in (1, 2, 3, 4)) <= 329
    layers = [n for n, _ in pyogrio.list_layers(db)]
    for name in ("risk_map", "district_summary", "units", "hazards", "score_issues", "import_issues", "import_runs"):
        assert name in layers
    assert density.exists()


def test_qgis_process_run_all(qgis_process_env, tmp_path):
    db, density = tmp_path / "cli.gpkg", tmp_path / "cli.tif"
    args = [QGIS_PROCESS, "--json", "run", "citysafety:run_all", "--", f"FOLDER={SAMPLE}", f"OUTPUT={db}",
            f"DENSITY={density}", f"DISTRICTS={DISTRICTS}", "LOAD_LAYERS=false"]
    proc = subprocess.run(args, env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index("{"):])["results"]
    assert result["UNITS"] == 329 and result["MAJOR_HAZARDS"] > 0
    assert "risk_map" in [n for n, _ in pyogrio.list_layers(db)] and density.exists()


def test_run_all_failure_keeps_the_earlier_outputs(provider, tmp_path):
    """A bad rules file stops run_all before any work; a failing step leaves the earlier
    database and raster byte-identical (the chain runs on temporary files)."""
    from qgis.core import QgsProcessingException

    db, density = tmp_path / "risk.gpkg", tmp_path / "density.tif"
    params = {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "DENSITY": str(density), "LOAD_LAYERS": False}
    _run("citysafety:run_all", params)
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), hashlib.sha256(density.read_bytes()).hexdigest())
    bad = tmp_path / "bad.toml"
    bad.write_text((SAMPLE.parents[0] / "rules" / "default.toml").read_text(encoding="utf-8")
                   .replace('colour = "#FF8C00"\n', "", 1), encoding="utf-8")
    with pytest.raises(QgsProcessingException, match=r"levels\.2\.colour"):
        _run("citysafety:run_all", {**params, "RULES": str(bad)})
    with pytest.raises(QgsProcessingException):  # a step fails: districts that do not exist
        _run("citysafety:run_all", {**params, "DISTRICTS": str(tmp_path / "nope.gpkg")})
    after = (hashlib.sha256(db.read_bytes()).hexdigest(), hashlib.sha256(density.read_bytes()).hexdigest())
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "density.tif", "risk.gpkg"]

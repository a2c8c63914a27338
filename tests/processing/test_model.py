"""The algorithms in a Processing model: their layer outputs feed QGIS's own algorithms
(import → score → native:buffer on the level-1 units)."""

from __future__ import annotations

import pyogrio

from tests.common import SAMPLE


def test_a_model_buffers_the_level_1_units_of_a_scored_import(provider, tmp_path):
    from qgis import processing
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
    )

    db, buffered = tmp_path / "risk.gpkg", tmp_path / "level1_buffers.gpkg"
    static = QgsProcessingModelChildParameterSource.fromStaticValue
    model = QgsProcessingModelAlgorithm("level-1 buffers", "tests")
    steps = (
        ("imp", "citysafety:import_surveys", {"FOLDER": static(str(SAMPLE)), "OUTPUT": static(str(db)),
                                             "LOAD_LAYERS": static(False)}),
        ("score", "citysafety:score", {"INPUT": QgsProcessingModelChildParameterSource.fromChildOutput("imp",
                                                                                                        "OUTPUT")}),
        ("buffer", "native:buffer", {
            "INPUT": QgsProcessingModelChildParameterSource.fromChildOutput("score", "LEVEL1_UNITS_LAYER"),
            "DISTANCE": static(0.005), "SEGMENTS": static(8), "DISSOLVE": static(False),
            "OUTPUT": static(str(buffered))}),
    )
    for child_id, alg_id, sources in steps:
        child = QgsProcessingModelChildAlgorithm(alg_id)
        child.setChildId(child_id)
        for name, source in sources.items():
            child.addParameterSources(name, [source])
        model.addChildAlgorithm(child)
    processing.run(model, {})
    units = pyogrio.read_dataframe(db, layer="units", columns=["unit_code", "level"])
    out = pyogrio.read_dataframe(buffered)
    level1 = units[units.level == 1]
    assert len(out) == len(level1) > 0
    assert sorted(out["unit_code"]) == sorted(level1["unit_code"])
    assert out.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all() and (out.geometry.area > 0).all()


def test_layer_outputs_are_declared_and_returned(provider, analysed_db):
    from qgis.core import QgsApplication, QgsProcessingOutputVectorLayer, QgsVectorLayer

    from tests.common import run_algorithm

    registry = QgsApplication.processingRegistry()
    declared = {alg: sorted(o.name() for o in registry.algorithmById(f"citysafety:{alg}").outputDefinitions()
                            if isinstance(o, QgsProcessingOutputVectorLayer))
                for alg in ("import_surveys", "score", "proximity", "cascade", "risk_map")}
    assert declared == {"import_surveys": ["HAZARDS_LAYER", "UNITS_LAYER"],
                        "score": ["HAZARDS_LAYER", "LEVEL1_UNITS_LAYER", "UNITS_LAYER"],
                        "proximity": ["HAZARDS_LAYER", "LINKS_LAYER"], "cascade": ["EDGES_LAYER", "HAZARDS_LAYER"],
                        "risk_map": ["RISK_GRID_LAYER", "RISK_MAP_LAYER"]}
    res = run_algorithm("citysafety:score", {"INPUT": str(analysed_db)})
    layer = QgsVectorLayer(res["LEVEL1_UNITS_LAYER"], "l1", "ogr")
    assert layer.isValid() and layer.featureCount() == res["LEVEL1"]

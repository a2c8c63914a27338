"""citysafety:risk_map — the unified four-colour risk layer, risk density and districts."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
)

from ..core.errors import Canceled, PipelineError
from ..core.steps import algorithm, build_risk_map
from ..layers.loading import features_to_geodataframe, load_links_layer, load_risk_layers
from .base import AnalysisAlgorithm, add_layer_outputs, layer_outputs, progress_of
from .proximity import add_proximity_inputs
from .score import add_database_and_rules, rules_of


class RiskMapAlgorithm(AnalysisAlgorithm):
    ALG_ID = "risk_map"
    LAYERS = ('RISK_MAP_LAYER', 'RISK_GRID_LAYER')
    DISPLAY = "Risk map"
    HELP = ("Builds the unified risk layer of the whole city (risk_map: units styled by level in red, orange, "
            "yellow and blue, a symbol shape per sector, every level from the city's points scale in: 1:5,000 for "
            "a megacity), its level-1 units "
            "(risk_level1: on top at every scale, all of them from 1:25,000 in and further out those in cells "
            "sparse in level-1 units; named from 1:50,000), the aggregation grid between the city and the "
            "street (risk_grid: hexagons of 2 km, 1 km, 500 m, 250 m and 100 m by band of scales, each with its "
            "units per level, worst level and level-1 units per km²), a risk-density GeoTIFF (units weighted by "
            "level with the rules' weights, kernel density in metres in the local Gauss-Krüger zone) and, when "
            "districts are given, a district summary layer (units and shares per level, inherent and final "
            "counts, units raised, risk index = weighted units per km²). In QGIS the layers are put in a group "
            "城市安全风险一张图: district boundaries over the grid; the density and the district fills are "
            "loaded unchecked (the panel's aggregation choice switches them).")
    INPUT = "INPUT"
    RULES = "RULES"
    DISTRICTS = "DISTRICTS"
    DENSITY = "DENSITY"
    OUTPUT = "OUTPUT"
    LOAD = "LOAD_LAYERS"
    RECEPTORS = "RECEPTORS"
    RECEPTOR_TABLE = "RECEPTOR_TABLE"
    POPULATION = "POPULATION"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.DISTRICTS, self.tr("Districts (polygons, optional)"), [QgsProcessing.SourceType.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.DENSITY, self.tr("Risk density (GeoTIFF)"), fileFilter=self.tr("GeoTIFF (*.tif)")))
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD, self.tr("Open the map layers"), defaultValue=True))
        add_proximity_inputs(self, with_fields=False)
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        self.addOutput(QgsProcessingOutputNumber("UNITS", self.tr("Units on the map")))
        self.addOutput(QgsProcessingOutputNumber("DISTRICTS_SUMMARISED", self.tr("Districts summarised")))
        add_layer_outputs(self, *self.LAYERS)

    def run_on(self, db, parameters, context, feedback):
        rules = rules_of(self, parameters, context)
        self._links = False
        if any(parameters.get(k) for k in (self.RECEPTORS, self.RECEPTOR_TABLE, self.POPULATION)):
            from qgis import processing

            feedback.pushInfo(self.tr("Receptors and population first (citysafety:proximity)"))
            res = processing.run(algorithm("proximity"), {
                "INPUT": db, "RULES": parameters.get(self.RULES), "RECEPTORS": parameters.get(self.RECEPTORS),
                "RECEPTOR_TABLE": parameters.get(self.RECEPTOR_TABLE), "POPULATION": parameters.get(self.POPULATION),
                "LOAD_LAYERS": False}, context=context, feedback=feedback, is_child_algorithm=True)
            self._links = res["LINKS"] > 0
            from ..core.steps import redo_after
            from ..core.store.riskdb import layer_names

            for step in redo_after("proximity", layer_names(db)):  # proximity scored again: redo them on top
                processing.run(algorithm(step), {"INPUT": db, "RULES": parameters.get(self.RULES),
                                                 "LOAD_LAYERS": False},
                               context=context, feedback=feedback, is_child_algorithm=True)
        density = self.parameterAsFileOutput(parameters, self.DENSITY, context)
        if not density.lower().endswith((".tif", ".tiff")):
            density += ".tif"
        districts = None
        source = self.parameterAsSource(parameters, self.DISTRICTS, context)
        if source is not None:
            districts = features_to_geodataframe(source)
        try:
            result = build_risk_map(db, rules, density, districts, progress_of(feedback))
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        grid = result.density
        feedback.pushInfo(self.tr("Risk density: {} × {} cells of {} m, EPSG:{}, total weight {:.0f}").format(
            grid.values.shape[1], grid.values.shape[0], grid.cell_m, grid.epsg, grid.total_weight))
        self._to_load = (db, density, rules, result.districts is not None) \
            if self.parameterAsBoolean(parameters, self.LOAD, context) else None
        return {self.OUTPUT: db, self.DENSITY: density, "UNITS": len(result.risk_map),
                "DISTRICTS_SUMMARISED": 0 if result.districts is None else len(result.districts),
                **layer_outputs(db, *self.LAYERS)}

    def postProcessAlgorithm(self, context, feedback):
        """In the main thread, after the work: open, style and group the layers."""
        to_load = getattr(self, "_to_load", None)
        project = context.project()
        if to_load is not None and project is not None:
            db, density, rules, with_districts = to_load
            load_risk_layers(project, db, density, rules, with_districts)
            if getattr(self, "_links", False):
                load_links_layer(project, db)
        return {}

"""citysafety:proximity — receptors, people and the upgrades they cause (docs/domain/receptors.md)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterRasterLayer,
)

from ..core.errors import Canceled, PipelineError
from ..core.steps import proximity_database
from ..i18n import pick
from ..layers.loading import features_to_geodataframe, load_links_layer
from .base import AnalysisAlgorithm, add_layer_outputs, bad_parameter, layer_outputs, progress_of
from .checks import receptor_class_missing
from .score import add_database_and_rules, rules_of


def add_proximity_inputs(alg, with_fields: bool = True) -> None:
    """Receptors (a layer, or a .xlsx/.csv with lon/lat) and a population raster."""
    alg.addParameter(QgsProcessingParameterFeatureSource(
        alg.RECEPTORS, alg.tr("Receptors (points or polygons)"),
        [QgsProcessing.SourceType.TypeVectorPoint, QgsProcessing.SourceType.TypeVectorPolygon], optional=True))
    if with_fields:
        alg.addParameter(QgsProcessingParameterField(
            alg.NAME_FIELD, alg.tr("Receptor name field (guessed when empty)"), parentLayerParameterName=alg.RECEPTORS,
            optional=True))
        alg.addParameter(QgsProcessingParameterField(
            alg.CLASS_FIELD, alg.tr("Receptor class field (guessed when empty)"),
            parentLayerParameterName=alg.RECEPTORS, optional=True))
    alg.addParameter(QgsProcessingParameterFile(
        alg.RECEPTOR_TABLE, alg.tr("Or receptors as a table with lon/lat (.xlsx, .csv)"), optional=True,
        fileFilter="Tables (*.xlsx *.csv)"))
    alg.addParameter(QgsProcessingParameterRasterLayer(
        alg.POPULATION, alg.tr("Population raster (people per cell, any CRS)"), optional=True))


def proximity_inputs(alg, parameters, context):
    """(receptors frame or None, source name, population raster path or None, name field, class field).
    The layers were checked before the run (checks.py); a receptor table is checked here, as
    it is read."""
    receptors, source_name = None, ""
    name_field = class_field = None
    if alg.parameterDefinition("NAME_FIELD") is not None:
        name_field = alg.parameterAsString(parameters, "NAME_FIELD", context) or None
        class_field = alg.parameterAsString(parameters, "CLASS_FIELD", context) or None
    source = alg.parameterAsSource(parameters, alg.RECEPTORS, context)
    if source is not None:
        receptors = features_to_geodataframe(source)
        source_name = source.sourceName()
    table = alg.parameterAsFile(parameters, alg.RECEPTOR_TABLE, context)
    if receptors is None and table:
        receptors = _receptor_table(alg, table, class_field)
        source_name = table
    raster = alg.parameterAsRasterLayer(parameters, alg.POPULATION, context)
    population = raster.source() if raster is not None else None
    return receptors, source_name, population, name_field, class_field


def _receptor_table(alg, table: str, class_field: str | None):
    """The receptor table (.xlsx, .csv) read, or a bilingual refusal: unreadable, or without
    a class or longitude/latitude columns."""
    from ..core.exposure.receptors import (
        CLASS_FIELD_CANDIDATES,
        LAT_FIELD_CANDIDATES,
        LON_FIELD_CANDIDATES,
        missing_fields,
    )
    from ..core.ingest.tables import TableError, read_table

    try:
        frame = read_table(table)
    except TableError as exc:
        raise bad_parameter(alg, alg.RECEPTOR_TABLE, table, f"表格无法读取（{exc.zh}）",
                            f"the table cannot be read ({exc.en})") from exc
    except OSError as exc:
        raise bad_parameter(alg, alg.RECEPTOR_TABLE, table, f"表格无法读取（{exc.strerror or exc}）",
                            f"the table cannot be read ({exc.strerror or exc})") from exc
    missing = missing_fields(frame.columns, class_field=class_field, located=False)
    if "class" in missing:
        raise receptor_class_missing(alg, alg.RECEPTOR_TABLE, table, frame.columns, CLASS_FIELD_CANDIDATES)
    if missing:
        have = ", ".join(map(str, frame.columns)) or "-"
        raise bad_parameter(
            alg, alg.RECEPTOR_TABLE, table,
            f"表格没有经纬度列（经度：{'、'.join(LON_FIELD_CANDIDATES)}；纬度：{'、'.join(LAT_FIELD_CANDIDATES)}；"
            f"现有列：{have}）",
            f"the table has no longitude/latitude columns (longitude: {', '.join(LON_FIELD_CANDIDATES)}; latitude: "
            f"{', '.join(LAT_FIELD_CANDIDATES)}; columns: {have})")
    return frame


class ProximityAlgorithm(AnalysisAlgorithm):
    ALG_ID = "proximity"
    LAYERS = ('HAZARDS_LAYER', 'LINKS_LAYER')
    DISPLAY = "Receptors and population around hazards"
    HELP = ("For every hazard source of a scored risk database: receptors of each class within its reach radius "
            "(the sector's, from the rules; polygons by their nearest edge), the nearest high-sensitivity receptor "
            "(name, class, distance), a flag when it lies within the sector's protection distance, and the "
            "population within 500 m and within the reach from a population raster (people per cell, any CRS; "
            "cells cut by the circle count by their share of area). For GB 18218 units α comes from the raster "
            "population within 500 m of the unit (alpha_source = raster) and R and the level are recomputed. The "
            "rules' upgrades (by default a hazardous-chemicals or gas hazard source of level 2 with a "
            "high-sensitivity receptor within its protection distance becomes level 1, level 3 becomes 2; the "
            "rules can widen the distance to the reach and the sectors to all) are recorded in level_reasons; "
            "units keep their inherent_level. Writes hazard_receptor_links (lines from hazards to "
            "the receptors within reach) and proximity_issues (unknown receptor classes).")
    INPUT = "INPUT"
    RULES = "RULES"
    RECEPTORS = "RECEPTORS"
    NAME_FIELD = "NAME_FIELD"
    CLASS_FIELD = "CLASS_FIELD"
    RECEPTOR_TABLE = "RECEPTOR_TABLE"
    POPULATION = "POPULATION"
    OUTPUT = "OUTPUT"
    LOAD = "LOAD_LAYERS"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        add_proximity_inputs(self)
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD, self.tr("Open the map layers"), defaultValue=True))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        self.addOutput(QgsProcessingOutputNumber("UPGRADED", self.tr("Hazard sources upgraded")))
        self.addOutput(QgsProcessingOutputNumber("PROTECTION_BREACHES", self.tr("Protection distance breaches")))
        self.addOutput(QgsProcessingOutputNumber("LINKS", self.tr("Hazard-receptor links")))
        add_layer_outputs(self, *self.LAYERS)

    def run_on(self, db, parameters, context, feedback):
        rules = rules_of(self, parameters, context)
        receptors, source_name, population, name_field, class_field = proximity_inputs(self, parameters, context)
        if receptors is None and population is None:
            raise QgsProcessingException(self.tr("Give receptors, a population raster, or both."))
        try:
            result = proximity_database(db, rules, receptors, population, name_field, class_field,
                                        progress_of(feedback), receptor_source=source_name)
        except Canceled:
            raise self.canceled() from None
        except (PipelineError, ValueError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        feedback.pushInfo(self.tr("{} hazard sources upgraded, {} protection distance breaches, {} links.").format(
            result.n_upgraded, result.n_breaches, len(result.links)))
        for r in result.issues.itertuples(index=False):
            feedback.pushInfo(f"  {r.code}: {pick(r.message_zh, r.message_en)}")
        self._to_load = db if self.parameterAsBoolean(parameters, self.LOAD, context) and len(result.links) else None
        return {self.OUTPUT: db, "UPGRADED": result.n_upgraded, "PROTECTION_BREACHES": result.n_breaches,
                "LINKS": len(result.links), **layer_outputs(db, *self.LAYERS)}

    def postProcessAlgorithm(self, context, feedback):
        db = getattr(self, "_to_load", None)
        if db and context.project() is not None:
            load_links_layer(context.project(), db)
        return {}

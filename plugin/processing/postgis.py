"""citysafety:export_to_postgis and citysafety:import_from_postgis — the risk database moved
between a GeoPackage and a schema of a PostgreSQL/PostGIS database (docs/postgis.md).

The database is named by a QGIS stored PostgreSQL connection (the Processing parameter QGIS's
own PostGIS algorithms take) or by a ``postgresql://`` URI; the moving is core's
(core/store/postgis.py). After an export the plugin's styles go into the database's
``layer_styles`` table as each layer's default (QGIS's convention), so any QGIS connected to
the database draws the styled risk map without the plugin.
"""

from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from .base import AnalysisAlgorithm, bad_parameter, progress_of, rules_of
from .database import STYLE_NAME, add_target, run_core, save_styles, target_of
from .score import add_database_and_rules


class ExportToPostgisAlgorithm(AnalysisAlgorithm):
    ALG_ID = "export_to_postgis"
    DISPLAY = "Export the risk database to PostGIS"
    HELP = (
        "Writes a risk database (GeoPackage) into a schema of a PostgreSQL/PostGIS database: every layer as a "
        "table of the same name, columns and values, geometries as typed PostGIS columns with GiST indexes. "
        "The database is a QGIS stored PostgreSQL connection or a postgresql://user@host:port/database URI. "
        "The schema is built under a staging name and swapped in within one transaction, so a failure or a "
        "cancel leaves an earlier risk database in that schema as it was; a schema that exists and is not a "
        "risk database is refused, never dropped. A shared database that changed since this file was taken "
        "from it (a district office published, another analyst exported), or that this file was never taken "
        "from, is refused rather than overwritten, unless REPLACE. With STYLES, the plugin's styles and Chinese "
        "field aliases are saved as each layer's default in the database's layer_styles table, so any QGIS "
        "connected to the database draws the styled risk map without the plugin.")
    INPUT = "INPUT"
    RULES = "RULES"
    STYLES = "STYLES"
    REPLACE = "REPLACE"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self, shared=False)
        add_target(self)
        self.addParameter(QgsProcessingParameterBoolean(
            self.STYLES, self.tr("Save the styles in the database (layer_styles)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.REPLACE, self.tr("Replace the shared database even if it changed since this file was taken from it"),
            defaultValue=False))
        self.addOutput(QgsProcessingOutputString("SCHEMA", self.tr("Schema")))
        self.addOutput(QgsProcessingOutputNumber("VERSION", self.tr("Version of the shared database")))
        self.addOutput(QgsProcessingOutputNumber("LAYERS", self.tr("Layers written")))
        self.addOutput(QgsProcessingOutputNumber("ROWS", self.tr("Rows written")))
        self.addOutput(QgsProcessingOutputNumber("STYLES_SAVED", self.tr("Styles saved")))

    def processAlgorithm(self, parameters, context, feedback):
        from ..core.store import postgis

        db = self.parameterAsFile(parameters, self.INPUT, context)
        target, schema, ds = target_of(self, parameters, context)
        rules = rules_of(self, parameters, context)
        replace = self.parameterAsBool(parameters, self.REPLACE, context)
        moved = run_core(self, lambda: postgis.export_database(db, target, schema, progress_of(feedback),
                                                                replace=replace))
        rows = moved.rows
        for name, n in rows.items():
            feedback.pushInfo(f"  {schema}.{name}: {n}")
        feedback.pushInfo(self.tr("Shared database version {}").format(moved.state.version))
        if not moved.logged:
            feedback.pushWarning("数据库已导出，但本文件无法记录（只读）：再次导出前请重新取出 / "
                                 "The database was exported, "
                                 "but this file could not record it (read-only): take it again before the next export")
        saved = 0
        if self.parameterAsBool(parameters, self.STYLES, context):
            run_core(self, lambda: postgis.clear_styles(target, schema, STYLE_NAME))
            saved = save_styles(ds, schema, db, rules, feedback)
            postgis.share_styles(target)
        return {"SCHEMA": schema, "VERSION": moved.state.version, "LAYERS": len(rows), "ROWS": sum(rows.values()),
                "STYLES_SAVED": saved}


class ImportFromPostgisAlgorithm(AnalysisAlgorithm):
    ALG_ID = "import_from_postgis"
    DISPLAY = "Import the risk database from PostGIS"
    HELP = (
        "Writes the risk database in a schema of a PostgreSQL/PostGIS database (written by "
        "citysafety:export_to_postgis) into a new GeoPackage: the same layers, field types, values and "
        "geometries, with spatial indexes and Chinese aliases, ready for every step of the plugin. The file is "
        "built under a temporary name and moved into place when complete; a file there that is not a risk "
        "database is refused.")
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):
        add_target(self)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Risk database (GeoPackage)"), fileFilter="GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputNumber("LAYERS", self.tr("Layers written")))
        self.addOutput(QgsProcessingOutputNumber("ROWS", self.tr("Rows written")))

    def processAlgorithm(self, parameters, context, feedback):
        from ..core.store import postgis
        from ..core.store.read import output_database_problem

        target, schema, _ds = target_of(self, parameters, context)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        problem = output_database_problem(out)
        if problem:
            raise bad_parameter(self, self.OUTPUT, out, problem[1], problem[0])
        rows = run_core(self, lambda: postgis.import_database(target, schema, out, progress_of(feedback))).rows
        for name, n in rows.items():
            feedback.pushInfo(f"  {name}: {n}")
        return {self.OUTPUT: out, "LAYERS": len(rows), "ROWS": sum(rows.values())}


class PublishDistrictAlgorithm(AnalysisAlgorithm):
    ALG_ID = "publish_district"
    DISPLAY = "Publish a district to the shared database"
    HELP = (
        "A district office's step: replaces one district's survey rows (its units and their hazard sources) in "
        "the shared PostGIS risk database with those of its own risk database (its import of its own "
        "workbooks), in one transaction; every other district's rows stay as they were. District offices can "
        "publish at the same time; a whole-database export waits for them, and an export of a file taken before "
        "a publish is refused until the chain runs again on a fresh copy. The file must hold this district's "
        "units only, and a unit code the shared database holds in another district is refused. With the role "
        "model (docs/postgis.md), a district office may publish its own districts only.")
    INPUT = "INPUT"
    DISTRICT = "DISTRICT"

    def initAlgorithm(self, config=None):
        from qgis.core import QgsProcessingParameterFile

        self.addParameter(QgsProcessingParameterFile(self.INPUT, self.tr("Risk database"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterString(self.DISTRICT, self.tr("District")))
        add_target(self)
        self.addOutput(QgsProcessingOutputNumber("UNITS", self.tr("Units written")))
        self.addOutput(QgsProcessingOutputNumber("HAZARDS", self.tr("Hazard sources written")))
        self.addOutput(QgsProcessingOutputNumber("REMOVED_UNITS", self.tr("Units replaced")))
        self.addOutput(QgsProcessingOutputNumber("VERSION", self.tr("Version of the shared database")))

    def processAlgorithm(self, parameters, context, feedback):
        from ..core.store import postgis

        db = self.parameterAsFile(parameters, self.INPUT, context)
        district = (self.parameterAsString(parameters, self.DISTRICT, context) or "").strip()
        if not district:
            raise bad_parameter(self, self.DISTRICT, "", "请给出区名", "give the district's name")
        target, schema, _ds = target_of(self, parameters, context)
        done = run_core(self, lambda: postgis.publish_district(db, target, district, schema, progress_of(feedback)))
        for table, cols in done.left_out.items():
            feedback.pushWarning(f"{table}: 共享库中没有这些列，未发布 / "
                                 "columns the shared database lacks, not published: "
                                 f"{', '.join(cols)}")
        feedback.pushInfo(self.tr("{}: {} units and {} hazard sources replaced by {} and {}; shared version {}").format(
            district, done.removed["units"], done.removed["hazards"], done.written["units"], done.written["hazards"],
            done.state.version))
        return {"UNITS": done.written["units"], "HAZARDS": done.written["hazards"],
                "REMOVED_UNITS": done.removed["units"], "VERSION": done.state.version}

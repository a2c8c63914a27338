"""citysafety:run_all — import → score → proximity → cascade → risk map → report in one run."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)

from ..core.steps import ORDER, algorithm
from .base import AnalysisAlgorithm, bad_parameter, progress_of
from .database import STYLE_NAME, add_target, is_shared, run_core, save_styles, target_of
from .import_surveys import add_survey_inputs
from .proximity import add_proximity_inputs

# import → score → proximity (with receptors or a population raster) → cascade → risk map → report.


class RunAllAlgorithm(AnalysisAlgorithm):
    ALG_ID = "run_all"
    DISPLAY = "Run the whole chain"
    HELP = ("Runs the whole chain on a set of survey files: import the surveys into a risk database, score every "
            "hazard source and unit by the rules, with receptors or a population raster analyse what lies around "
            "each hazard (α from the population, upgrades), build the cascade (domino) graph, build the risk map "
            "(risk layer, density raster, district summary), and end with the Excel and PDF reports. The same "
            "parameters as the single steps; each step's log is shown in turn.")
    INPUT = "INPUT"
    FOLDER = "FOLDER"
    DEFAULT_CRS = "DEFAULT_CRS"
    RULES = "RULES"
    DISTRICTS = "DISTRICTS"
    OUTPUT = "OUTPUT"
    DENSITY = "DENSITY"
    ERRORS = "ERROR_WORKBOOKS"
    LOAD = "LOAD_LAYERS"
    RECEPTORS = "RECEPTORS"
    RECEPTOR_TABLE = "RECEPTOR_TABLE"
    POPULATION = "POPULATION"
    CASCADE = "CASCADE"
    EXTENT = "EXTENT"
    REPORT_XLSX = "REPORT_XLSX"
    REPORT_PDF = "REPORT_PDF"
    TITLE = "TITLE"

    def initAlgorithm(self, config=None):
        add_survey_inputs(self)
        self.addParameter(QgsProcessingParameterFile(
            self.RULES, self.tr("Rules file (default: the plugin's rules)"), extension="toml", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.DISTRICTS, self.tr("Districts (polygons, optional)"), [QgsProcessing.SourceType.TypeVectorPolygon],
            optional=True))
        add_proximity_inputs(self, with_fields=False)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Risk database"), fileFilter=self.tr("GeoPackage (*.gpkg)"), optional=True,
            createByDefault=False))
        add_target(self, advanced=True)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.DENSITY, self.tr("Risk density (GeoTIFF)"), fileFilter=self.tr("GeoTIFF (*.tif)")))
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.ERRORS, self.tr("Error workbooks for the surveyors (folder)"), optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CASCADE, self.tr("Cascade (domino) analysis"), defaultValue=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.REPORT_XLSX, self.tr("Excel report"), fileFilter=self.tr("Excel workbook (*.xlsx)"), optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.REPORT_PDF, self.tr("PDF report"), fileFilter=self.tr("PDF (*.pdf)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.TITLE, self.tr("Report title (default: City Safety Risk Report)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD, self.tr("Open the map layers"), defaultValue=True))
        self.addOutput(QgsProcessingOutputNumber("PAGES", self.tr("PDF pages")))
        self.addOutput(QgsProcessingOutputNumber("EDGES", self.tr("Escalation edges")))
        for key, label in (("UNITS", self.tr("Units accepted")), ("HAZARDS", self.tr("Hazard sources accepted")),
                           ("ERRORS", self.tr("Errors")), ("LEVEL1", self.tr("Units of level {}").format(1)),
                           ("LEVEL2", self.tr("Units of level {}").format(2)),
                           ("LEVEL3", self.tr("Units of level {}").format(3)),
                           ("LEVEL4", self.tr("Units of level {}").format(4)),
                           ("MAJOR_HAZARDS", self.tr("Major hazard sources"))):
            self.addOutput(QgsProcessingOutputNumber(key, label))

    def processAlgorithm(self, parameters, context, feedback):
        import os

        from qgis import processing

        from ..core.files import sweep, temp_path
        from ..core.store.riskdb import publish
        from .score import rules_of

        shared = is_shared(self, parameters)
        final_db = self.parameterAsFileOutput(parameters, self.OUTPUT, context) if parameters.get(self.OUTPUT) else ""
        if shared and final_db:
            raise bad_parameter(self, self.OUTPUT, final_db, "与共享风险库（PostgreSQL 连接）只能给出其一",
                                "give either a risk database file or a shared database, not both")
        if shared:  # the chain on a file of its own, which then replaces the shared database
            target, pg_schema, ds = target_of(self, parameters, context)
            import uuid

            from ..core.store.shared import cache_folder

            scratch = cache_folder() / "scratch"
            scratch.mkdir(parents=True, exist_ok=True)
            final_db = str(scratch / f"run_all_{uuid.uuid4().hex[:12]}.gpkg")
        elif not final_db:
            raise bad_parameter(self, self.OUTPUT, "", "请给出风险数据库文件，或共享风险库的 PostgreSQL 连接",
                                "give a risk database file, or the PostgreSQL connection of a shared one")
        if not final_db.lower().endswith(".gpkg"):
            final_db += ".gpkg"
        final_density = self.parameterAsFileOutput(parameters, self.DENSITY, context)
        if not final_density.lower().endswith((".tif", ".tiff")):
            final_density += ".tif"
        rules_of(self, parameters, context)  # a bad rules file stops the chain before any work
        rules = self.parameterAsFile(parameters, self.RULES, context) or None
        # The chain works on temporary files beside the outputs, renamed over them only when every
        # step has succeeded: a failure or a cancel leaves the earlier database and raster as they were.
        out_dir = os.path.dirname(os.path.abspath(final_db))
        os.makedirs(out_dir, exist_ok=True)
        os.makedirs(os.path.dirname(os.path.abspath(final_density)), exist_ok=True)  # (as risk_map's own)
        sweep(final_db)  # what a killed run left
        sweep(final_density)
        db = str(temp_path(final_db, ".gpkg"))
        density = str(temp_path(final_density, ".tif"))
        with_proximity = any(parameters.get(k) for k in (self.RECEPTORS, self.RECEPTOR_TABLE, self.POPULATION))
        # The parameters of each step of the workflow (core.steps: the order); None: skipped.
        params_of = {
            "import": {"INPUT": parameters.get(self.INPUT), "FOLDER": parameters.get(self.FOLDER),
                       "DEFAULT_CRS": parameters.get(self.DEFAULT_CRS), "EXTENT": parameters.get(self.EXTENT),
                       "RULES": rules, "OUTPUT": db, "ERROR_WORKBOOKS": parameters.get(self.ERRORS),
                       "LOAD_LAYERS": False},
            "score": {"INPUT": db, "RULES": rules},
            "proximity": {"INPUT": db, "RULES": rules, "RECEPTORS": parameters.get(self.RECEPTORS),
                          "RECEPTOR_TABLE": parameters.get(self.RECEPTOR_TABLE),
                          "POPULATION": parameters.get(self.POPULATION), "LOAD_LAYERS": False}
            if with_proximity else None,
            "cascade": {"INPUT": db, "RULES": rules, "LOAD_LAYERS": False}
            if self.parameterAsBoolean(parameters, self.CASCADE, context) else None,
            "map": {"INPUT": db, "RULES": rules, "DISTRICTS": parameters.get(self.DISTRICTS), "DENSITY": density,
                    "LOAD_LAYERS": False},
        }
        # The report comes last, from the final database (below).
        steps = [(algorithm(s), params_of[s]) for s in ORDER if params_of.get(s) is not None]
        report = {k: parameters.get(k) for k in (self.REPORT_XLSX, self.REPORT_PDF) if parameters.get(k)}
        multi = QgsProcessingMultiStepFeedback(len(steps) + bool(report), feedback)
        results = {}
        try:
            for i, (alg, params) in enumerate(steps):
                multi.setCurrentStep(i)
                feedback.pushInfo(f"\n== {alg} ==")
                results[alg] = processing.run(alg, params, context=context, feedback=multi, is_child_algorithm=True)
                if feedback.isCanceled():
                    raise self.canceled()
            publish(db, final_db)
            publish(density, final_density)
        finally:
            for leftover in (db, density):
                if os.path.exists(leftover):
                    os.unlink(leftover)
        db, density = final_db, final_density
        if shared:
            from ..core.store import postgis

            moved = run_core(self, lambda: postgis.export_database(db, target, pg_schema, progress_of(feedback),
                                                                   replace=True))
            feedback.pushInfo(self.tr("Shared database version {}").format(moved.state.version))
            run_core(self, lambda: postgis.clear_styles(target, pg_schema, STYLE_NAME))
            save_styles(ds, pg_schema, db, rules_of(self, parameters, context), feedback)
            postgis.share_styles(target)
            from ..core.store.shared import stand_for

            stand_for(db, target, pg_schema)
        # The reports are written from the final database (they name it), once it is in place.
        pages = 0
        if report:
            multi.setCurrentStep(len(steps))
            feedback.pushInfo(f"\n== {algorithm('report')} ==")
            res = processing.run(algorithm("report"), {
                "INPUT": db, "RULES": rules, "TITLE": parameters.get(self.TITLE),
                "XLSX": report.get(self.REPORT_XLSX), "PDF": report.get(self.REPORT_PDF)},
                context=context, feedback=multi, is_child_algorithm=True)
            pages = res.get("PAGES", 0)
            report = {self.REPORT_XLSX: res.get("XLSX"), self.REPORT_PDF: res.get("PDF")}
        from ..core.store.riskdb import layer_names, read_layer

        self._to_load = (db, density, parameters.get(self.DISTRICTS) is not None, layer_names(db), rules) \
            if self.parameterAsBoolean(parameters, self.LOAD, context) else None
        imp = results[algorithm("import")]
        units = read_layer(db, "units")  # the final levels, after any upgrades
        where = f"{ds.connectionInfo(False)} schema={pg_schema}" if shared else db
        out = {self.OUTPUT: where, self.DENSITY: density, "UNITS": imp["UNITS"],
               "HAZARDS": imp["HAZARDS"], "ERRORS": imp["ERRORS"], "MAJOR_HAZARDS": int(units["major_hazard"].sum())}
        out.update({f"LEVEL{k}": int((units["level"] == k).sum()) for k in (1, 2, 3, 4)})
        out["EDGES"] = results.get(algorithm("cascade"), {}).get("EDGES", 0)
        out["PAGES"] = pages
        out.update({k: v for k, v in report.items() if v})
        self._scratch = db if shared else None
        if shared and self._to_load is None:
            self._drop_scratch()
        return out

    def _drop_scratch(self) -> None:
        """The file a chain on a shared database was built in (in the shared database now)."""
        scratch = getattr(self, "_scratch", None)
        if scratch:
            from ..core.files import STANDS_FOR

            STANDS_FOR.pop(scratch, None)
            Path(scratch).unlink(missing_ok=True)
            self._scratch = None

    def postProcessAlgorithm(self, context, feedback):
        """Open the final database's layers, styled, in the risk map group."""
        to_load = getattr(self, "_to_load", None)
        project = context.project()
        if to_load is None or project is None:
            self._drop_scratch()
            return {}
        from ..core.rules import load_rules
        from ..layers.loading import load_links_layer, load_risk_layers

        db, density, with_districts, names, rules = to_load
        load_risk_layers(project, db, density, load_rules(rules), with_districts and "district_summary" in names)
        if "hazard_receptor_links" in names:
            load_links_layer(project, db)
        if "cascade_edges" in names:
            load_links_layer(project, db, "cascade_edges", "连锁效应 cascade edges")
        self._drop_scratch()
        return {}

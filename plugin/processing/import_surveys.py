"""citysafety:import_surveys — survey workbooks → the risk database (GeoPackage)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
    QgsProject,
    QgsVectorLayer,
)

from ..core import rounds
from ..core.errors import Canceled, PipelineError
from ..core.ingest import schema
from ..core.ingest.error_workbook import SUFFIX as ERROR_WORKBOOK_SUFFIX
from ..core.ingest.error_workbook import write_error_workbooks
from ..core.ingest.importer import ImportOptions, import_surveys
from ..core.ingest.reader import CSV_SUFFIXES, WORKBOOK_SUFFIXES
from ..core.store.riskdb import RUNS_LAYER, now_iso, run_log, state, write_layers
from ..i18n import pick
from .base import (
    CitySafetyAlgorithm,
    add_layer_outputs,
    add_rules_file,
    bad_parameter,
    layer_outputs,
    plugin_version,
    progress_of,
)
from .database import SCHEMA, add_target, is_shared, run_core, shared_layer_output, shared_uri, target_of
from .score import rules_of

LAYERS_TO_LOAD = ("units", "hazards", "import_issues")


def add_survey_inputs(alg) -> None:
    """The survey files, or a folder of them, their default coordinate system and the survey
    area: the inputs of import_surveys and run_all."""
    alg.addParameter(QgsProcessingParameterMultipleLayers(
        alg.INPUT, alg.tr("Survey files (.xlsx, .csv)"), layerType=QgsProcessing.SourceType.TypeFile, optional=True))
    alg.addParameter(QgsProcessingParameterFile(
        alg.FOLDER, alg.tr("Or every survey file in a folder"),
        behavior=QgsProcessingParameterFile.Behavior.Folder, optional=True))
    alg.addParameter(QgsProcessingParameterEnum(
        alg.DEFAULT_CRS, alg.tr("Coordinate system of rows that do not name one"),
        options=[c.label for c in schema.COORD_SYSTEMS],
        defaultValue=[c.id for c in schema.COORD_SYSTEMS].index("CGCS2000")))
    alg.addParameter(QgsProcessingParameterExtent(
        alg.EXTENT, alg.tr("Survey area (points outside it are warned)"), optional=True))


def error_workbooks(alg, parameters, context, result, feedback) -> None:
    """The surveyors' error workbooks of an import (``result``: its files, sheets and issues),
    when ``alg.ERRORS`` asks for them. The database is written by then: a workbook that cannot
    be written (a full disk, a folder without write access) is reported and does not undo the
    import."""
    errors_dir = alg.parameterAsString(parameters, alg.ERRORS, context)
    if not errors_dir or parameters.get(alg.ERRORS) in (None, ""):
        return
    try:
        written = write_error_workbooks(errors_dir, result.files, result.tables, result.issues)
    except OSError as exc:
        feedback.reportError(f"问题清单未能写入 {errors_dir}：{exc} / The error workbooks could not be "
                             f"written to {errors_dir}: {exc}", False)
        return
    for p in written:
        feedback.pushInfo(alg.tr("Error workbook: {}").format(p))


class ImportSurveysAlgorithm(CitySafetyAlgorithm):
    ALG_ID = "import_surveys"
    DATA_CHECKS = True
    LAYERS = ("UNITS_LAYER", "HAZARDS_LAYER")
    DISPLAY = "Import surveys"
    HELP = (
        "Imports survey workbooks (.xlsx) and CSV files (UTF-8, UTF-8 with BOM, GB18030) into one risk "
        "database (GeoPackage) with the layers units, hazards, import_issues and import_runs.\n\n"
        "Headers are found by their Chinese or English names and aliases on any row; both the template's "
        "two-sheet layout and a flat one-sheet layout are read. Full-width digits, units in cells (kg are "
        "converted to t), Excel and Chinese dates, degrees-minutes-seconds, swapped lon/lat, total rows "
        "and blank rows are handled. GCJ-02 and BD-09 coordinates are converted to WGS84.\n\n"
        "Every row ends in exactly one place: accepted, rejected with its reasons in import_issues (file, "
        "sheet, row, column, value, code, Chinese and English message), or skipped as blank/total and "
        "counted. The database is written to a temporary file and moved into place, so a failure or "
        "cancel keeps an earlier one. Optionally an error workbook per input file lists the rows to fix.\n\n"
        "Rounds: by default the output is a new database. ROUND 1 starts a new survey round in an existing "
        "database (its survey archived with its levels and files, this import in its place); ROUND 2 replaces "
        "only the units of DISTRICT and their hazard sources in the current round, every other row left as it "
        "was. Both keep the hidden dangers, accidents and rounds, and remove the layers derived from the survey "
        "(run the chain again). ROUND_NAME and ROUND_DATE (YYYY-MM-DD, blank: today) name the round.")
    INPUT = "INPUT"
    FOLDER = "FOLDER"
    DEFAULT_CRS = "DEFAULT_CRS"
    EXTENT = "EXTENT"
    RULES = "RULES"
    OUTPUT = "OUTPUT"
    ERRORS = "ERROR_WORKBOOKS"
    LOAD = "LOAD_LAYERS"
    ROUND = "ROUND"
    ROUND_NAME = "ROUND_NAME"
    ROUND_DATE = "ROUND_DATE"
    DISTRICT = "DISTRICT"
    #: ROUND's options: a new database, a new round in it, one district of its current round
    ROUND_MODES = ("database", "new_round", "district")

    def initAlgorithm(self, config=None):
        add_survey_inputs(self)
        add_rules_file(self)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Risk database"), fileFilter=self.tr("GeoPackage (*.gpkg)"), optional=True,
            createByDefault=False))
        add_target(self, advanced=True)
        errors = QgsProcessingParameterFolderDestination(
            self.ERRORS, self.tr("Error workbooks for the surveyors (folder)"), optional=True,
            createByDefault=False)
        self.addParameter(errors)
        self.addParameter(QgsProcessingParameterBoolean(
            self.LOAD, self.tr("Open the imported layers"), defaultValue=True))
        self.addParameter(QgsProcessingParameterEnum(self.ROUND, self.tr("Survey round"), options=[
            self.tr("A new database"), self.tr("A new round in the database"),
            self.tr("Update one district of the current round")], defaultValue=0, optional=True))
        self.addParameter(QgsProcessingParameterString(self.ROUND_NAME, self.tr("Round name"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.ROUND_DATE, self.tr("Round date (YYYY-MM-DD; blank: today)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.DISTRICT, self.tr("District updated (its name as the survey writes it)"), optional=True))
        self.addOutput(QgsProcessingOutputNumber("ROUND_ID", self.tr("Survey round")))
        for key, label in (("UNITS", self.tr("Units accepted")), ("HAZARDS", self.tr("Hazard sources accepted")),
                           ("ROWS_READ", self.tr("Rows read")), ("ROWS_REJECTED", self.tr("Rows rejected")),
                           ("ERRORS", self.tr("Errors")), ("WARNINGS", self.tr("Warnings")),
                           ("FILES_REFUSED", self.tr("Files refused"))):
            self.addOutput(QgsProcessingOutputNumber(key, label))
        add_layer_outputs(self, *self.LAYERS)

    def _inputs(self, parameters, context) -> list[Path]:
        files = [Path(p) for p in (self.parameterAsFileList(parameters, self.INPUT, context) or []) if p]
        folder = self.parameterAsFile(parameters, self.FOLDER, context)
        if folder and not Path(folder).is_dir():
            raise QgsProcessingException(f"找不到调查数据文件夹（或不是文件夹）：{folder} / Survey folder not found "
                                         f"(or not a folder): {folder}")
        if folder:
            suffixes = WORKBOOK_SUFFIXES | CSV_SUFFIXES
            files += sorted(p for p in Path(folder).iterdir()
                            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(("~$", "."))
                            and not p.name.endswith(ERROR_WORKBOOK_SUFFIX))  # our own error workbooks
        return files

    def _extent(self, parameters, context):
        if not parameters.get(self.EXTENT):
            return None
        rect = self.parameterAsExtent(parameters, self.EXTENT, context)
        if rect is None or rect.isNull() or rect.isEmpty():
            return None
        crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
        target = QgsCoordinateReferenceSystem("EPSG:4490")
        if crs.isValid() and crs != target:
            rect = QgsCoordinateTransform(crs, target, context.transformContext()).transformBoundingBox(rect)
        return (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())

    def processAlgorithm(self, parameters, context, feedback):
        files = self._inputs(parameters, context)
        if not files:
            folder = self.parameterAsFile(parameters, self.FOLDER, context)
            if folder:
                raise bad_parameter(self, self.FOLDER, folder, "文件夹中没有调查数据文件（.xlsx、.csv）",
                                    "the folder holds no survey files (.xlsx, .csv)")
            raise QgsProcessingException("未选择调查数据文件：请选择文件或文件夹 / "
                                         "No survey files given: choose files or a folder")
        if is_shared(self, parameters):
            if parameters.get(self.OUTPUT):
                raise bad_parameter(self, self.OUTPUT, str(parameters.get(self.OUTPUT)),
                                    "与共享风险库（PostgreSQL 连接）只能给出其一",
                                    "give either a risk database file or a shared database, not both")
            return self._import_shared(files, parameters, context, feedback)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context) if parameters.get(self.OUTPUT) else ""
        if not out:
            raise bad_parameter(self, self.OUTPUT, "", "请给出风险数据库文件，或共享风险库的 PostgreSQL 连接",
                                "give a risk database file, or the PostgreSQL connection of a shared one")
        if not out.lower().endswith(".gpkg"):
            out += ".gpkg"
        return self._import_into(out, files, parameters, context, feedback)

    def _import_shared(self, files, parameters, context, feedback) -> dict:
        """The import into a shared PostGIS risk database (docs/postgis.md §11): a district update
        replaces that district's units and hazard sources row by row (its lock, row-level
        security: a district office's own right); a first import creates the shared database;
        a new database or a new round runs on the working copy, pushed back in one transaction."""
        import tempfile

        from ..core.store import postgis, shared

        target, pg_schema, ds = target_of(self, parameters, context)
        mode = self.ROUND_MODES[self.parameterAsEnum(parameters, self.ROUND, context)]
        plain = {**parameters, self.ROUND: 0, self.LOAD: False}
        if mode == "district" or not run_core(self, lambda: shared.exists(target, pg_schema)):
            if mode == "new_round":
                raise bad_parameter(self, SCHEMA, pg_schema, "共享库中还没有调查数据，无法开始新一轮",
                                    "the shared database holds no survey yet: a new round needs one")
            district = (self.parameterAsString(parameters, self.DISTRICT, context) or "").strip()
            if mode == "district" and not district:
                raise bad_parameter(self, self.DISTRICT, "", "更新一个行政区时须填写行政区名称",
                                    "a district update names its district")
            with tempfile.TemporaryDirectory(prefix="csrm_import_") as tmp:
                local = str(Path(tmp) / "import.gpkg")
                out = self._import_into(local, files, plain, context, feedback)
                if mode == "district":
                    done = run_core(self, lambda: postgis.publish_district(local, target, district, pg_schema,
                                                                           progress_of(feedback)))
                    feedback.pushInfo(self.tr("{}: {} units and {} hazard sources replaced by {} and {}; shared "
                                              "version {}").format(district, done.removed["units"],
                                                                   done.removed["hazards"], done.written["units"],
                                                                   done.written["hazards"], done.state.version))
                else:
                    moved = run_core(self, lambda: postgis.export_database(local, target, pg_schema,
                                                                           progress_of(feedback)))
                    feedback.pushInfo(self.tr("Shared database version {}").format(moved.state.version))
        else:
            def step(copy):
                return self._import_into(str(copy), files, {**parameters, self.LOAD: False}, context, feedback)

            ran = run_core(self, lambda: shared.run(target, pg_schema, self.ALG_ID, step,
                                                    progress=progress_of(feedback)))
            out = ran.result
            if ran.pushed is not None:
                feedback.pushInfo(self.tr("Shared database version {}").format(ran.pushed.state.version))
        conninfo = ds.connectionInfo(False)
        out[self.OUTPUT] = f"{conninfo} schema={pg_schema}"
        for key in self.LAYERS:
            out[key] = shared_layer_output(ds, pg_schema, None, key)
        if self.parameterAsBoolean(parameters, self.LOAD, context):
            self._load_shared(ds, pg_schema, context)
        return out

    def _load_shared(self, ds, pg_schema: str, context: QgsProcessingContext) -> None:
        for name in LAYERS_TO_LOAD:
            uri = shared_uri(ds, pg_schema, None, name) if name in ("units", "hazards") else \
                QgsDataSourceUri(ds.connectionInfo(False))
            if name not in ("units", "hazards"):
                uri.setDataSource(pg_schema, name, "", "", "fid")
                uri = uri.uri(False)
            layer = QgsVectorLayer(uri, name, "postgres")
            if layer.isValid():
                context.temporaryLayerStore().addMapLayer(layer)
                details = QgsProcessingContext.LayerDetails(name, QgsProject.instance(), name)
                context.addLayerToLoadOnCompletion(layer.id(), details)

    def _import_into(self, out: str, files, parameters, context, feedback) -> dict:
        crs_id = schema.COORD_SYSTEMS[self.parameterAsEnum(parameters, self.DEFAULT_CRS, context)].id
        options = ImportOptions(default_crs=crs_id, survey_extent=self._extent(parameters, context),
                                rules=rules_of(self, parameters, context))
        progress = progress_of(feedback)
        started = now_iso()
        mode = self.ROUND_MODES[self.parameterAsEnum(parameters, self.ROUND, context)]
        round_name, round_date, district = self._round(parameters, context, mode, out)
        base = state(out)  # a run that commits to an existing database meanwhile makes this refuse
        try:
            result = import_surveys(files, options, progress, plugin_version=plugin_version())
            if not result.balanced:  # checked before anything is written
                raise QgsProcessingException(self.tr("Row balance check failed; please report this."))
            try:
                self._check_not_all_refused(parameters, context, result)  # before anything is written
            except QgsProcessingException:
                self._error_workbooks(parameters, context, result, feedback)  # what was refused, and why
                raise
            progress.step(96, self.tr("Writing {}").format(out))
            round_id = 1
            if mode == "new_round":
                info = rounds.start_round(out, result, round_name, round_date, progress, started, base)
                round_id = info.round_id
                feedback.pushInfo(self.tr("Round {} ({}, {}) started; round {} archived with {} units").format(
                    info.round_id, round_name, round_date, info.round_id - 1, info.archived))
            elif mode == "district":
                info = rounds.update_district(out, result, district, round_name, round_date, progress, started,
                                              base)
                round_id = info.round_id
                feedback.pushInfo(self.tr("{}: {} units of round {} replaced").format(
                    district, info.units, info.round_id))
            else:
                log = run_log(None, "import_surveys", summary={
                    "files": len(files), "units": len(result.units), "hazards": len(result.hazards),
                    "errors": int((result.issues["severity"] == "error").sum()) if len(result.issues) else 0},
                    started=started)
                write_layers(out, {"units": result.units, "hazards": result.hazards,
                                   "import_issues": result.issues, "import_runs": result.runs, RUNS_LAYER: log},
                             step="import_surveys", base=base)
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:  # another run committed to the database meanwhile
            raise QgsProcessingException(str(exc)) from exc
        self._error_workbooks(parameters, context, result, feedback)
        self._log_summary(result, feedback)
        if self.parameterAsBoolean(parameters, self.LOAD, context):
            self._load(out, context)
        runs, issues = result.runs, result.issues
        return {
            self.OUTPUT: out, "ROUND_ID": round_id,
            "UNITS": len(result.units), "HAZARDS": len(result.hazards),
            "ROWS_READ": int(runs.rows_read.sum()), "ROWS_REJECTED": int(runs.rows_rejected.sum()),
            "ERRORS": int((issues.severity == "error").sum()) if len(issues) else 0,
            "WARNINGS": int((issues.severity == "warning").sum()) if len(issues) else 0,
            "FILES_REFUSED": int((runs.status == "refused").sum()),
            **layer_outputs(out, *self.LAYERS),
        }

    def _round(self, parameters, context, mode: str, out: str) -> tuple[str, str, str]:
        """The round's name, date and district, checked before anything is read: a new round or
        a district update needs a database with a survey, a district update its district."""
        from .dynamic_risk import as_of_date

        day = as_of_date(self, parameters, context, self.ROUND_DATE).isoformat()
        name = (self.parameterAsString(parameters, self.ROUND_NAME, context) or "").strip()
        district = (self.parameterAsString(parameters, self.DISTRICT, context) or "").strip()
        if mode == "database":
            return name, day, district
        if not Path(out).is_file():
            raise bad_parameter(self, self.OUTPUT, out, "新一轮调查或行政区更新须导入已有的风险数据库",
                                "a new round or a district update imports into an existing risk database")
        if mode == "district" and not district:
            raise bad_parameter(self, self.DISTRICT, "", "更新一个行政区时须填写行政区名称",
                                "a district update names its district")
        next_id = rounds.current_round(out) + (1 if mode == "new_round" else 0)
        return name or (f"第{next_id}轮" if mode == "new_round" else f"{district}更新"), day, district

    def _error_workbooks(self, parameters, context, result, feedback) -> None:
        error_workbooks(self, parameters, context, result, feedback)

    def _check_not_all_refused(self, parameters, context, result) -> None:
        """Refuse an import in which every file was refused (not there, a folder, not a
        workbook, empty…): it would write an empty database, over an earlier one. A bad file
        among good ones is a refused file of the import report instead (import_issues)."""
        runs = result.runs
        if not len(runs) or (runs["status"] != "refused").any():
            return
        issues = result.issues
        refused = issues[issues["code"].astype(str).str.startswith("E_FILE")] if len(issues) else issues
        zh = "；".join(f"{r.file}：{r.message_zh}" for r in refused.itertuples(index=False)) or "-"
        en = "; ".join(f"{r.file}: {r.message_en}" for r in refused.itertuples(index=False)) or "-"
        folder = self.parameterAsFile(parameters, self.FOLDER, context)
        given = self.parameterAsFileList(parameters, self.INPUT, context) or []
        name, where = (self.INPUT, ", ".join(given)) if given else (self.FOLDER, folder)
        raise bad_parameter(self, name, where, f"没有可导入的调查数据文件，每个文件都被拒绝（{zh}）",
                            f"no survey file could be imported, every file was refused ({en})")

    def _log_summary(self, result, feedback) -> None:
        feedback.pushInfo(self.tr("Rows read = accepted + rejected + skipped (blank / total), per file:"))
        for r in result.runs.itertuples(index=False):
            balanced = r.rows_read == r.rows_accepted + r.rows_rejected + r.rows_skipped_blank + r.rows_skipped_total
            check = "✓" if balanced else "✗"
            feedback.pushInfo(
                f"  {r.file}: {r.rows_read} = {r.rows_accepted} + {r.rows_rejected} + "
                f"({r.rows_skipped_blank} / {r.rows_skipped_total}) {check}  [{r.status}]")
        runs = result.runs
        feedback.pushInfo(self.tr("Total: {} rows read, {} accepted, {} rejected, {} blank, {} total rows; "
                                  "{} units and {} hazard sources imported.").format(
            int(runs.rows_read.sum()), int(runs.rows_accepted.sum()), int(runs.rows_rejected.sum()),
            int(runs.rows_skipped_blank.sum()), int(runs.rows_skipped_total.sum()),
            len(result.units), len(result.hazards)))
        if len(result.issues):
            groups = result.issues.groupby(["severity", "code"])
            first = groups[["message_zh", "message_en"]].first()
            for (sev, code), n in groups.size().items():
                example = pick(first.at[(sev, code), "message_zh"], first.at[(sev, code), "message_en"])
                feedback.pushInfo(f"  {sev:7s} {code}: {n}  ({self.tr('e.g.')} {example})")
            refused = result.issues[result.issues.code.str.startswith("E_FILE")]
            for r in refused.itertuples(index=False):
                feedback.reportError(f"{r.file}: {pick(r.message_zh, r.message_en)}", False)

    def _load(self, out: str, context: QgsProcessingContext) -> None:
        for name in LAYERS_TO_LOAD:
            layer = QgsVectorLayer(f"{out}|layername={name}", name, "ogr")
            if layer.isValid():
                context.temporaryLayerStore().addMapLayer(layer)
                details = QgsProcessingContext.LayerDetails(name, QgsProject.instance(), name)
                context.addLayerToLoadOnCompletion(layer.id(), details)

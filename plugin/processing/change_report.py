"""citysafety:change_report — what changed between two survey rounds (docs/rounds.md §4)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..core.errors import Canceled, PipelineError
from ..core.rounds import CHANGES
from ..core.steps import change_report
from .base import AnalysisAlgorithm, add_layer_outputs, layer_outputs, progress_of, rules_of
from .score import add_database_and_rules


class ChangeReportAlgorithm(AnalysisAlgorithm):
    ALG_ID = "change_report"
    LAYERS = ("CHANGES_LAYER",)
    DISPLAY = "Change report (survey rounds)"
    HELP = (
        "Compares two survey rounds of a risk database (or a round and today's dynamic risk) unit by unit: units "
        "new, closed, moved (more than 100 m) and their level up or down, each with its reasons — hazard sources "
        "added or gone, quantities changed, receptors within reach changed and, with DYNAMIC, the raises of the "
        "dynamic risk. A unit is the same unit by its code, or by its unified social credit code where codes were "
        "reissued.\n\n"
        "FROM and TO name a round by its id or name (blank FROM: the round before the current one; blank TO: "
        "the current survey). The comparison is written as the point layer round_changes (styled by change) and, "
        "when asked, an Excel workbook with the counts by change, district, street and sector and the list of "
        "every unit that changed, and a PDF page with the map of the changes and the counts by district. Rounds "
        "come from citysafety:import_surveys with ROUND = a new round.")
    INPUT = "INPUT"
    RULES = "RULES"
    FROM = "FROM"
    TO = "TO"
    DYNAMIC = "DYNAMIC"
    XLSX = "XLSX"
    PDF = "PDF"
    LOAD = "LOAD_LAYERS"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterString(
            self.FROM, self.tr("Earlier round (id or name; blank: the one before the current)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.TO, self.tr("Later round (id or name; blank: the current survey)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.DYNAMIC, self.tr("Compare the current dynamic risk (现实风险)"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.XLSX, self.tr("Change report workbook"), fileFilter=self.tr("Excel workbook (*.xlsx)"),
            optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.PDF, self.tr("Change report page (PDF)"), fileFilter=self.tr("PDF (*.pdf)"),
            optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD, self.tr("Open the changes layer"),
                                                        defaultValue=True))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        for change in CHANGES:
            self.addOutput(QgsProcessingOutputNumber(change.upper(), self.tr("Units: {}").format(change)))
        add_layer_outputs(self, *self.LAYERS)

    def run_on(self, db, parameters, context, feedback):
        rules = rules_of(self, parameters, context)
        before = (self.parameterAsString(parameters, self.FROM, context) or "").strip() or None
        after = (self.parameterAsString(parameters, self.TO, context) or "").strip() or None
        xlsx = self.parameterAsFileOutput(parameters, self.XLSX, context) if parameters.get(self.XLSX) else ""
        pdf = self.parameterAsFileOutput(parameters, self.PDF, context) if parameters.get(self.PDF) else ""
        try:
            result = change_report(db, before, after, self.parameterAsBoolean(parameters, self.DYNAMIC, context),
                                   rules, progress_of(feedback))
            if xlsx:
                from ..core.reporting.changes import write_changes_xlsx
                from ..i18n import tr

                xlsx = str(write_changes_xlsx(result.changes, xlsx if xlsx.lower().endswith(".xlsx")
                                              else xlsx + ".xlsx", result.before, result.after, tr))
                feedback.pushInfo(self.tr("Change report: {}").format(xlsx))
            if pdf:
                from ..i18n import tr
                from .change_pdf import export_changes_pdf

                pdf = str(export_changes_pdf(db, pdf if pdf.lower().endswith(".pdf") else pdf + ".pdf",
                                             result.changes, result.before, result.after, tr, feedback))
                feedback.pushInfo(self.tr("Change report: {}").format(pdf))
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        feedback.pushInfo(self.tr("{} → {}: {}").format(result.before, result.after, ", ".join(
            f"{k} {v}" for k, v in result.counts.items())))
        self._to_load = db if self.parameterAsBoolean(parameters, self.LOAD, context) else None
        out = {self.OUTPUT: db, **{k.upper(): v for k, v in result.counts.items()}, **layer_outputs(db, *self.LAYERS)}
        if xlsx:
            out[self.XLSX] = xlsx
        if pdf:
            out[self.PDF] = pdf
        return out

    def postProcessAlgorithm(self, context, feedback):
        """In the main thread: the changes layer, styled, at the top of the risk map's group."""
        db = getattr(self, "_to_load", None)
        project = context.project()
        if db and project is not None:
            from ..layers.loading import load_changes_layer

            load_changes_layer(project, db)
        return {}


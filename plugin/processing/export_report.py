"""citysafety:export_report — the Excel workbook and the PDF report from a risk database."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..core.errors import Canceled, PipelineError
from ..core.files import sweep, temp_path
from .base import AnalysisAlgorithm, log_export
from .score import add_database_and_rules, rules_of


def default_title() -> str:
    from ..i18n import tr

    return tr("City Safety Risk Report")


class ExportReportAlgorithm(AnalysisAlgorithm):
    ALG_ID = "export_report"
    DISPLAY = "Export report"
    HELP = ("Writes the reports of a scored risk database. The Excel workbook has the sheets 概览 (totals, sector × "
            "level matrix in the level colours, a bar chart, districts × levels), 重大风险单位 and 较大风险单位 "
            "(every level-1 and level-2 unit with its hazard sources, method numbers, level reasons, nearest "
            "sensitive receptors and cascade reach), 敏感目标 (receptors near level-1/2 hazards), 多米诺链 (the most "
            "probable chains), 数据质量 (import issues by code and file) and 方法说明 (rules, methods, literature "
            "defaults, input files with SHA-256, plugin version, time). Survey text is always stored as text, never "
            "as a formula; contact names and phone numbers are masked unless you tick the option. The PDF comes "
            "from the print layout template resources/layouts/report.qpt: a cover page with the risk map, legend, "
            "scale bar, north arrow, summary table and level counts, then one page per district when the database "
            "has a district summary. Earlier report files are replaced only when the new ones are complete.")
    INPUT = "INPUT"
    RULES = "RULES"
    TITLE = "TITLE"
    UNMASK = "UNMASK"
    XLSX = "XLSX"
    PDF = "PDF"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterString(
            self.TITLE, self.tr("Report title (default: City Safety Risk Report)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.UNMASK, self.tr("Show contact names and phone numbers in full (not masked)"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.XLSX, self.tr("Excel report"), fileFilter=self.tr("Excel workbook (*.xlsx)"), optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.PDF, self.tr("PDF report"), fileFilter=self.tr("PDF (*.pdf)"), optional=True))
        self.addOutput(QgsProcessingOutputNumber("PAGES", self.tr("PDF pages")))

    def run_on(self, db, parameters, context, feedback):
        from ..core.store import riskdb
        from ..i18n import tr

        rules = rules_of(self, parameters, context)
        xlsx = self.parameterAsFileOutput(parameters, self.XLSX, context) if parameters.get(self.XLSX) else ""
        pdf = self.parameterAsFileOutput(parameters, self.PDF, context) if parameters.get(self.PDF) else ""
        if not xlsx and not pdf:
            raise QgsProcessingException(self.tr("Choose an Excel report, a PDF report or both."))
        if xlsx and not xlsx.lower().endswith(".xlsx"):
            xlsx += ".xlsx"
        if pdf and not pdf.lower().endswith(".pdf"):
            pdf += ".pdf"
        title = self.parameterAsString(parameters, self.TITLE, context) or default_title()
        unmask = self.parameterAsBoolean(parameters, self.UNMASK, context)
        started = riskdb.now_iso()
        out = {"PAGES": 0}
        from ..core.steps import check_risk_map_current

        try:  # everything that can refuse the database, before anything is written
            if pdf:
                from .report_pdf import require_risk_map

                require_risk_map(db)
            if not xlsx:  # with the workbook, report_data checks it on the units it reads anyway
                check_risk_map_current(db)
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        # Both files are written under temporary names beside their targets and moved into
        # place together at the end: a cancel or a failure leaves both earlier reports as they were.
        for path in (xlsx, pdf):
            if path:
                sweep(path)  # what a killed run left (hidden, never a report file)
        pending = {path: str(temp_path(path)) for path in (xlsx, pdf) if path}
        multi = QgsProcessingMultiStepFeedback(bool(xlsx) + bool(pdf), feedback)

        def check():
            if feedback.isCanceled():
                raise Canceled()

        try:
            if xlsx:
                from ..core.reporting.xlsx import write_report_xlsx
                from ..core.steps import report_data

                multi.setCurrentStep(0)
                multi.setProgress(2)
                feedback.pushInfo(self.tr("Reading the risk database"))
                data = report_data(db, rules, unmask=unmask, tr=tr)
                check()
                multi.setProgress(30)
                feedback.pushInfo(self.tr("Writing {}").format(xlsx))
                write_report_xlsx(data, pending[xlsx], tr=tr, title=title, check=check)
                if unmask:
                    feedback.pushWarning(self.tr("Contact names and phone numbers are shown in full: "
                                                 "handle the workbook as personal data."))
            check()
            if pdf:
                from .report_pdf import export_report_pdf

                multi.setCurrentStep(int(bool(xlsx)))
                feedback.pushInfo(self.tr("Writing {}").format(pdf))
                out["PAGES"] = export_report_pdf(db, pending[pdf], rules, title, feedback=multi, tr=tr)
            check()
            for path, part in pending.items():
                os.replace(part, path)
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        finally:
            for part in pending.values():
                if os.path.exists(part):
                    os.unlink(part)
        if xlsx:
            out[self.XLSX] = xlsx
        if pdf:
            out[self.PDF] = pdf
        log_export(db, "export_report", rules, {"xlsx": xlsx, "pdf": pdf, "pages": out["PAGES"], "unmasked": unmask},
                   started, feedback)
        feedback.setProgress(100)
        return out

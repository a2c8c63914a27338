"""citysafety:import_hidden_dangers — hidden-danger records (隐患) → the risk database."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
)

from ..core.errors import Canceled, PipelineError
from ..core.steps import import_hidden_dangers
from ..i18n import pick
from .base import CitySafetyAlgorithm, add_rules_file, progress_of, rules_of
from .import_surveys import error_workbooks


class ImportHiddenDangersAlgorithm(CitySafetyAlgorithm):
    ALG_ID = "import_hidden_dangers"
    DATA_CHECKS = True
    DISPLAY = "Import hidden dangers"
    HELP = (
        "Imports hidden-danger records (隐患: found by the unit, an inspection or a special campaign) from "
        "workbooks (.xlsx) and CSV files into a risk database that holds an imported survey: the tables "
        "hidden_dangers, hidden_danger_issues and hidden_danger_imports, replacing an earlier import of them.\n\n"
        "Columns (found by their Chinese or English names and aliases on any row): 隐患编号, 单位编码 (required, "
        "a unit of the database), 危险源编码, 隐患描述 (required), 隐患等级 (required: 一般隐患 or 重大隐患), "
        "整改状态 (required: 未整改, 整改中, 已整改 or 已销号), 发现日期 (required), 整改期限, 整改完成日期, "
        "隐患来源 and 整改措施.\n\n"
        "Every row ends accepted, rejected with its reasons (file, sheet, row, column, value, code, Chinese and "
        "English message) or skipped as blank/total, and the balance is checked per file before anything is "
        "written. Optionally an error workbook per input file lists the rows to fix.")
    INPUT = "INPUT"
    FILES = "FILES"
    RULES = "RULES"
    OUTPUT = "OUTPUT"
    ERRORS = "ERROR_WORKBOOKS"

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(self.INPUT, self.tr("Risk database"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.FILES, self.tr("Hidden-danger files (.xlsx, .csv)"), layerType=QgsProcessing.SourceType.TypeFile))
        add_rules_file(self)
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.ERRORS, self.tr("Error workbooks for the surveyors (folder)"), optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        for key, label in (("RECORDS", self.tr("Hidden dangers accepted")),
                           ("MAJOR", self.tr("Major hidden dangers accepted")),
                           ("ROWS_READ", self.tr("Rows read")), ("ROWS_REJECTED", self.tr("Rows rejected")),
                           ("ERRORS", self.tr("Errors")), ("WARNINGS", self.tr("Warnings")),
                           ("FILES_REFUSED", self.tr("Files refused"))):
            self.addOutput(QgsProcessingOutputNumber(key, label))

    def processAlgorithm(self, parameters, context, feedback):
        db = self.parameterAsFile(parameters, self.INPUT, context)
        files = [Path(p) for p in (self.parameterAsFileList(parameters, self.FILES, context) or []) if p]
        if not files:
            raise QgsProcessingException("未选择隐患数据文件 / No hidden-danger files given")
        rules = rules_of(self, parameters, context)
        try:
            result = import_hidden_dangers(db, files, rules, progress_of(feedback))
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        error_workbooks(self, parameters, context, result, feedback)
        runs, issues = result.runs, result.issues
        for r in runs.itertuples(index=False):
            feedback.pushInfo(f"  {r.file}: {r.rows_read} = {r.rows_accepted} + {r.rows_rejected} + "
                              f"({r.rows_skipped_blank} / {r.rows_skipped_total}) ✓  [{r.status}]")
        for (sev, code), n in (issues.groupby(["severity", "code"]).size().items() if len(issues) else []):
            first = issues[issues["code"] == code].iloc[0]
            feedback.pushInfo(f"  {sev:7s} {code}: {n}  ({self.tr('e.g.')} "
                              f"{pick(first['message_zh'], first['message_en'])})")
        return {
            self.OUTPUT: db, "RECORDS": len(result.records),
            "MAJOR": int((result.records["grade"] == "major").sum()),
            "ROWS_READ": int(runs.rows_read.sum()), "ROWS_REJECTED": int(runs.rows_rejected.sum()),
            "ERRORS": int((issues.severity == "error").sum()) if len(issues) else 0,
            "WARNINGS": int((issues.severity == "warning").sum()) if len(issues) else 0,
            "FILES_REFUSED": int((runs.status == "refused").sum()),
        }

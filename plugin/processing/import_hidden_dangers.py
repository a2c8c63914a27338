"""citysafety:import_hidden_dangers and citysafety:import_accidents — records beside the survey
(隐患, 事故) → the risk database (plugin/core/ingest/records.py)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
)

from ..core.errors import Canceled, PipelineError
from ..core.steps import import_records
from ..i18n import pick
from .base import CitySafetyAlgorithm, OnDatabase, add_rules_file, progress_of, rules_of
from .database import add_database
from .import_surveys import error_workbooks


class ImportHiddenDangersAlgorithm(OnDatabase, CitySafetyAlgorithm):
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

    FAMILY = "hidden_dangers"

    def files_label(self):
        return self.tr("Hidden-danger files (.xlsx, .csv)")

    def no_files(self):
        return "未选择隐患数据文件 / No hidden-danger files given"

    def family_outputs(self):
        """(output, label) of the family's own counts, beside the balance's."""
        return [("RECORDS", self.tr("Hidden dangers accepted")), ("MAJOR", self.tr("Major hidden dangers accepted"))]

    def family_values(self, records):
        return {"RECORDS": len(records), "MAJOR": int((records["grade"] == "major").sum())}

    def initAlgorithm(self, config=None):
        add_database(self)
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.FILES, self.files_label(), layerType=QgsProcessing.SourceType.TypeFile))
        add_rules_file(self)
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.ERRORS, self.tr("Error workbooks for the surveyors (folder)"), optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        for key, label in (*self.family_outputs(),
                           ("ROWS_READ", self.tr("Rows read")), ("ROWS_REJECTED", self.tr("Rows rejected")),
                           ("ERRORS", self.tr("Errors")), ("WARNINGS", self.tr("Warnings")),
                           ("FILES_REFUSED", self.tr("Files refused"))):
            self.addOutput(QgsProcessingOutputNumber(key, label))

    def run_on(self, db, parameters, context, feedback):
        files = [Path(p) for p in (self.parameterAsFileList(parameters, self.FILES, context) or []) if p]
        if not files:
            raise QgsProcessingException(self.no_files())
        rules = rules_of(self, parameters, context)
        try:
            result = import_records(db, files, rules, self.FAMILY, progress_of(feedback))
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
            self.OUTPUT: db, **self.family_values(result.records),
            "ROWS_READ": int(runs.rows_read.sum()), "ROWS_REJECTED": int(runs.rows_rejected.sum()),
            "ERRORS": int((issues.severity == "error").sum()) if len(issues) else 0,
            "WARNINGS": int((issues.severity == "warning").sum()) if len(issues) else 0,
            "FILES_REFUSED": int((runs.status == "refused").sum()),
        }


class ImportAccidentsAlgorithm(ImportHiddenDangersAlgorithm):
    ALG_ID = "import_accidents"
    DISPLAY = "Import accidents"
    HELP = (
        "Imports accident records (事故记录: production-safety accidents at the survey's units) from workbooks "
        "(.xlsx) and CSV files into a risk database that holds an imported survey: the tables accidents, "
        "accident_issues and accident_imports, replacing an earlier import of them. They feed the dynamic risk "
        "(citysafety:dynamic_risk): an accident within the rules' accident_months raises its unit.\n\n"
        "Columns (found by their Chinese or English names and aliases on any row): 事故编号, 单位编码 (required, "
        "a unit of the database), 危险源编码, 事故日期 (required), 事故类型 (GB 6441, several allowed), 死亡人数, "
        "重伤人数, 轻伤人数, 直接经济损失（万元）, 事故简况 and 信息来源. Each accident is graded 一般/较大/重大/"
        "特别重大 by its toll, as the State Council's Regulations on the Reporting, Investigation and Handling of "
        "Production Safety Accidents (Decree 493, Article 3) grade them.\n\n"
        "Every row ends accepted, rejected with its reasons or skipped as blank/total, and the balance is checked "
        "per file before anything is written. Optionally an error workbook per input file lists the rows to fix.")
    FAMILY = "accidents"

    def files_label(self):
        return self.tr("Accident files (.xlsx, .csv)")

    def no_files(self):
        return "未选择事故数据文件 / No accident files given"

    def family_outputs(self):
        return [("RECORDS", self.tr("Accidents accepted")), ("DEATHS", self.tr("Deaths in the accidents accepted"))]

    def family_values(self, records):
        return {"RECORDS": len(records), "DEATHS": int(records["deaths"].fillna(0).sum())}

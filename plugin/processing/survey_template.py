"""citysafety:survey_template — a blank survey workbook for one sector or all, or a blank
hidden-danger ledger or accident record workbook."""

from __future__ import annotations

from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterFileDestination

from ..core.ingest import schema
from ..core.ingest.template import write_record_template, write_template
from .base import CitySafetyAlgorithm, add_rules_file, rules_of


class SurveyTemplateAlgorithm(CitySafetyAlgorithm):
    ALG_ID = "survey_template"
    DATA_CHECKS = True
    DISPLAY = "Survey template"
    HELP = ("Writes a blank survey workbook (.xlsx) for one sector or for all sectors: an instructions "
            "sheet (说明) explaining every column and the coordinate systems, the units sheet (单位信息) "
            "and the hazard-sources sheet (危险源) with Chinese headers, English keys, drop-down lists for "
            "coded columns and one example row. A template filled in this way imports without errors.\n\n"
            "Workbook: the survey (the default), or a blank hidden-danger ledger (隐患台账, for "
            "citysafety:import_hidden_dangers) or accident record workbook (事故记录, for "
            "citysafety:import_accidents), laid out the same way; the sector does not apply to those.")
    KIND = "KIND"
    #: What KIND's options write: None the survey, else the record family (schema.RECORD_TABLES).
    KINDS = (None, schema.HIDDEN_DANGERS, schema.ACCIDENTS)
    SECTOR = "SECTOR"
    RULES = "RULES"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):
        options = [self.tr("All sectors")] + [f"{s.zh} {s.en}" for s in schema.SECTORS]
        self.addParameter(QgsProcessingParameterEnum(self.SECTOR, self.tr("Sector"), options=options,
                                                     defaultValue=0))
        add_rules_file(self)
        self.addParameter(QgsProcessingParameterEnum(self.KIND, self.tr("Workbook"), options=[
            self.tr("Survey (units and hazard sources)"), self.tr("Hidden-danger ledger (隐患台账)"),
            self.tr("Accident records (事故记录)")], defaultValue=0, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Template workbook"), fileFilter=self.tr("Excel workbook (*.xlsx)")))

    def processAlgorithm(self, parameters, context, feedback):
        choice = self.parameterAsEnum(parameters, self.SECTOR, context)
        sector = None if choice == 0 else schema.SECTORS[choice - 1].id
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not out.lower().endswith(".xlsx"):
            out += ".xlsx"
        family = self.KINDS[self.parameterAsEnum(parameters, self.KIND, context)]
        path = write_template(out, sector, rules_of(self, parameters, context)) if family is None else \
            write_record_template(out, family)
        feedback.pushInfo(self.tr("Template written: {}").format(path))
        return {self.OUTPUT: str(path)}

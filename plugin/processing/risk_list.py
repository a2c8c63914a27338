"""citysafety:risk_list — the 风险清单 (risk list) of a scored risk database as an Excel workbook."""

from __future__ import annotations

import re

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..core.errors import Canceled, PipelineError
from .base import AnalysisAlgorithm, bad_parameter, log_export, progress_of
from .score import add_database_and_rules, rules_of

SECTOR_IDS = ("hazchem", "gas", "industry", "construction", "transport", "fire", "special_equipment")
LEVEL_IDS = (1, 2, 3, 4)
_SPLIT = re.compile(r"[,，、;；\n]+")


def names_of(text: str) -> tuple[str, ...]:
    """Names typed in one parameter, separated by , ， 、 ; or new lines; each once, in order."""
    return tuple(dict.fromkeys(p.strip() for p in _SPLIT.split(text or "") if p.strip()))


def refuse_unknown_names(alg, param: str, db: str, field: str, wanted: tuple[str, ...]) -> None:
    """Refuse (bilingual, naming them and the names the database has) the names of ``wanted``
    that no unit of ``db`` has in its ``field`` (district, street)."""
    from ..core.store import read

    if not wanted:
        return
    known = set(read.grouped_counts(db, "units", (field,))[field].dropna().astype(str).str.strip())
    missing = [w for w in wanted if w not in known]
    if missing:
        shown = "、".join(sorted(known)[:30])
        raise bad_parameter(alg, param, "、".join(missing), f"数据库中没有这些名称（有：{shown}）",
                            f"no unit has these names in the database (it has: {shown})")


class RiskListAlgorithm(AnalysisAlgorithm):
    ALG_ID = "risk_list"
    DISPLAY = "Export the risk list"
    HELP = ("Writes the 风险清单 (risk list) of a scored risk database as an Excel workbook in the unified list "
            "layout: one row per risk point (hazard source) with its code, name, type, sector, district and street, "
            "风险特征, 产生条件, the accident types it can lead to (GB 6441), its reach and the people and receptors "
            "within it (after citysafety:proximity), its level, level name and colour (the cells filled in the level "
            "colour), the controls in three kinds (工程技术, 管理, 个体防护与应急处置), the control level, the "
            "responsible unit and person with phone, the supervising department and the unit's duty phone, the major "
            "hazard source's three 包保责任人, and what the rules' [controls] finds missing. Level 1 first, then by "
            "district, street and code. Filter by districts and streets (the units' surveyed names, several "
            "separated by commas), sectors and levels. The responsible people's phones are masked (138****5678) "
            "unless you tick the option; duty phones are public and shown. Text is stored as text, never as a "
            "formula. A list longer than 1,000,000 rows continues on 风险清单 (2), (3) …; the sheet 说明 records "
            "the database, the filters and the rule. An earlier file is replaced only when the new one is "
            "complete.")
    INPUT = "INPUT"
    RULES = "RULES"
    DISTRICTS = "DISTRICTS"
    STREETS = "STREETS"
    SECTORS = "SECTORS"
    LEVELS = "LEVELS"
    UNMASK = "UNMASK"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):
        from ..core.ingest import schema

        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterString(
            self.DISTRICTS, self.tr("Districts (the units' district names, separated by commas; empty: all)"),
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.STREETS, self.tr("Streets (separated by commas; empty: all)"), optional=True))
        sectors = {s.id: f"{s.zh} {s.en}" for s in schema.SECTORS}
        self.addParameter(QgsProcessingParameterEnum(
            self.SECTORS, self.tr("Sectors (none chosen: all)"), options=[sectors[s] for s in SECTOR_IDS],
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.LEVELS, self.tr("Risk levels (none chosen: all)"),
            options=[self.tr("Level {}").format(k) for k in LEVEL_IDS], allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.UNMASK, self.tr("Show the responsible people's phone numbers in full (not masked)"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Risk list"), fileFilter=self.tr("Excel workbook (*.xlsx)")))
        self.addOutput(QgsProcessingOutputNumber("ROWS", self.tr("Risk points listed")))

    def _chosen(self, parameters, name: str, context) -> list[int]:
        """The options chosen of an optional multiple enum; none given: none (QGIS would
        otherwise answer with the first option)."""
        if parameters.get(name) in (None, "", []):
            return []
        return self.parameterAsEnums(parameters, name, context)

    def _filters(self, parameters, context, db: str):
        """The filters, each district and street checked against the database's units."""
        from ..core.reporting.risk_list import Filters

        districts = names_of(self.parameterAsString(parameters, self.DISTRICTS, context))
        streets = names_of(self.parameterAsString(parameters, self.STREETS, context))
        refuse_unknown_names(self, self.DISTRICTS, db, "district", districts)
        refuse_unknown_names(self, self.STREETS, db, "street", streets)
        sectors = tuple(SECTOR_IDS[i] for i in self._chosen(parameters, self.SECTORS, context))
        levels = tuple(LEVEL_IDS[i] for i in self._chosen(parameters, self.LEVELS, context))
        return Filters(districts, streets, sectors, levels)

    def run_on(self, db, parameters, context, feedback):
        from ..core.steps import export_risk_list
        from ..core.store import read, riskdb
        from ..i18n import tr

        started = riskdb.now_iso()

        rules = rules_of(self, parameters, context)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not out.lower().endswith(".xlsx"):
            out += ".xlsx"
        unmask = self.parameterAsBoolean(parameters, self.UNMASK, context)
        try:
            read.require_layers(db, ("units", "hazards"))
            filters = self._filters(parameters, context, db)
            result = export_risk_list(db, out, rules, filters, unmask=unmask, tr=tr, progress=progress_of(feedback))
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        if result.absent:
            feedback.pushWarning(self.tr("The database has no column for: {} (left empty; import with the current "
                                         "template, run the proximity analysis).").format(", ".join(result.absent)))
        if unmask:
            feedback.pushWarning(self.tr("The responsible people's phone numbers are shown in full: handle the "
                                         "workbook as personal data."))
        feedback.pushInfo(self.tr("{} risk points written to {}").format(f"{result.rows:,}", out))
        log_export(db, "risk_list", rules, {"xlsx": out, "rows": result.rows, "unmasked": unmask,
                                            "filters": {"districts": list(filters.districts),
                                                        "streets": list(filters.streets),
                                                        "sectors": list(filters.sectors),
                                                        "levels": list(filters.levels)}}, started, feedback)
        feedback.setProgress(100)
        return {self.OUTPUT: out, "ROWS": result.rows}

"""citysafety:dynamic_risk — each unit's 现实风险 on a day (docs/domain/dynamic_risk.md)."""

from __future__ import annotations

import datetime as dt

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterString,
)

from ..core.errors import Canceled, PipelineError
from ..core.steps import dynamic_risk
from .base import AnalysisAlgorithm, add_layer_outputs, bad_parameter, layer_outputs, progress_of, rules_of
from .score import add_database_and_rules


def as_of_date(alg, parameters, context, name: str) -> dt.date:
    """The assessment day of a string parameter: ``YYYY-MM-DD``, today when blank."""
    text = (alg.parameterAsString(parameters, name, context) or "").strip()
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise bad_parameter(alg, name, text, "不是 YYYY-MM-DD 格式的日期", "is not a date written YYYY-MM-DD") from None


class DynamicRiskAlgorithm(AnalysisAlgorithm):
    ALG_ID = "dynamic_risk"
    LAYERS = ("UNITS_LAYER",)
    DISPLAY = "Dynamic risk (现实风险)"
    HELP = (
        "Computes each unit's dynamic risk level (现实风险) on a day from its inherent level (the field level, "
        "which stays as it is): an open major hidden danger (重大隐患), a general hidden danger still open more "
        "than overdue_days after its deadline, an accident within accident_months and a level-1/2 hazard source "
        "without controls or a responsible person (the risk map's findings) each raise the unit by the levels the "
        "rules file's [dynamic] gives, never beyond level 1. No public standard gives these factors: they are the "
        "plugin's own design, data in the rules file.\n\n"
        "Each unit gets dynamic_level, dynamic_raise, one raise_* field and one reason_* field (Chinese and "
        "English, with the count and the telling date) per factor, and dynamic_as_of. The hidden dangers come "
        "from citysafety:import_hidden_dangers; scoring again clears these fields, since the inherent level "
        "may change.")
    INPUT = "INPUT"
    RULES = "RULES"
    AS_OF = "AS_OF"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterString(
            self.AS_OF, self.tr("Assessment day (YYYY-MM-DD; blank: today)"), optional=True))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        for level in (1, 2, 3, 4):
            self.addOutput(QgsProcessingOutputNumber(f"DYNAMIC_LEVEL{level}",
                                                     self.tr("Units of dynamic level {}").format(level)))
        self.addOutput(QgsProcessingOutputNumber("RAISED", self.tr("Units raised")))
        add_layer_outputs(self, *self.LAYERS)

    def run_on(self, db, parameters, context, feedback):
        day = as_of_date(self, parameters, context, self.AS_OF)
        rules = rules_of(self, parameters, context)
        try:
            result = dynamic_risk(db, rules, day, progress_of(feedback))
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        units = result.units
        feedback.pushInfo(self.tr("Assessment day: {}; records read: {}").format(
            result.as_of, ", ".join(f"{k} {v}" for k, v in result.sources.items()) or "-"))
        for factor in ("hidden_major", "hidden_overdue", "accident", "controls"):
            feedback.pushInfo(f"  raise_{factor}: {int((units[f'raise_{factor}'] > 0).sum())}")
        dyn = units["dynamic_level"]
        out = {self.OUTPUT: db, "RAISED": int((units["dynamic_raise"] > 0).sum()), **layer_outputs(db, *self.LAYERS)}
        out.update({f"DYNAMIC_LEVEL{k}": int((dyn == k).sum()) for k in (1, 2, 3, 4)})
        return out

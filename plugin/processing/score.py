"""citysafety:score — every hazard source and unit scored by the rules (docs/domain/scoring.md)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
)

from ..core.errors import Canceled, PipelineError
from ..core.scoring.levels import level_table
from ..core.steps import score_database
from .base import AnalysisAlgorithm, add_layer_outputs, add_rules_file, layer_outputs, progress_of, rules_of

RULES_FILTER = "TOML (*.toml)"


def add_database_and_rules(alg, shared: bool = True) -> None:
    """The parameters every step on a risk database takes: the database (a file, or where
    ``shared`` a shared PostGIS database: database.add_database) and the rules."""
    from .database import add_database

    add_database(alg, shared)
    add_rules_file(alg)


class ScoreAlgorithm(AnalysisAlgorithm):
    ALG_ID = "score"
    LAYERS = ('UNITS_LAYER', 'HAZARDS_LAYER', 'LEVEL1_UNITS_LAYER')
    DISPLAY = "Score hazards and units"
    HELP = ("Scores every hazard source of a risk database by its sector's method in the rules: GB 18218-2018 "
            "(S = Σq/Q, R = α·Σβq/Q, Table 6 level) for units that are major hazard sources, LEC (D = L·E·C) or "
            "the LS matrix (R = L·S) otherwise. Each hazard gets method, s_value, r_value, alpha, alpha_source, "
            "lec_d, ls_r, level, level_zh and colour; each unit its level (the most severe hazard), worst hazard, "
            "hazard count, major-hazard flag and level_reasons. Problems (an unmatched substance, a missing "
            "population, missing values) go to the score_issues table. The database is rewritten atomically; "
            "the input rows are untouched otherwise.")
    INPUT = "INPUT"
    RULES = "RULES"
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        for level in (1, 2, 3, 4):
            self.addOutput(QgsProcessingOutputNumber(f"LEVEL{level}", self.tr("Units of level {}").format(level)))
        self.addOutput(QgsProcessingOutputNumber("MAJOR_HAZARDS", self.tr("Major hazard sources")))
        add_layer_outputs(self, *self.LAYERS)

    def run_on(self, db, parameters, context, feedback):
        rules = rules_of(self, parameters, context)
        feedback.pushInfo(self.tr("Rules: {} ({})").format(rules.path, rules.sha256[:12]))
        try:
            result = score_database(db, rules, progress_of(feedback))
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        table = level_table(result.units, rules)
        feedback.pushInfo(self.tr("Units by sector and level:") + "\n" + table.to_string())
        if len(result.issues):
            for (sev, code), n in result.issues.groupby(["severity", "code"]).size().items():
                feedback.pushInfo(f"  {sev:7s} {code}: {n}")
        level = result.units["level"]
        out = {self.OUTPUT: db, "MAJOR_HAZARDS": int(result.units["major_hazard"].sum()),
               **layer_outputs(db, *self.LAYERS)}
        out.update({f"LEVEL{k}": int((level == k).sum()) for k in (1, 2, 3, 4)})
        return out

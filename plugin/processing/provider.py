"""The Processing provider ``citysafety`` (城市安全风险一张图)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..i18n import tr

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "icon.svg"


def ALGORITHM_MENU():  # noqa: N802 — evaluated late so labels follow the translator
    """(algorithm id, menu label) in workflow order."""
    return [
        ("survey_template", tr("Survey template…")),
        ("import_surveys", tr("Import surveys…")),
        ("score", tr("Score hazards and units…")),
        ("proximity", tr("Receptors and population around hazards…")),
        ("cascade", tr("Cascade (domino) graph…")),
        ("cascade_scenario", tr("Cascade scenario from one accident…")),
        ("risk_map", tr("Risk map…")),
        ("export_report", tr("Export report (Excel and PDF)…")),
        ("run_all", tr("Run the whole chain…")),
    ]


class CitySafetyProvider(QgsProcessingProvider):
    def id(self):
        return "citysafety"

    def name(self):
        return tr("City Safety Risk Map")

    def longName(self):
        return tr("City Safety Risk Map (城市安全风险一张图)")

    def icon(self):
        return QIcon(str(ICON))

    def svgIconPath(self):
        return str(ICON)

    def loadAlgorithms(self):
        from .cascade import CascadeAlgorithm, CascadeScenarioAlgorithm
        from .export_report import ExportReportAlgorithm
        from .import_surveys import ImportSurveysAlgorithm
        from .proximity import ProximityAlgorithm
        from .risk_map import RiskMapAlgorithm
        from .run_all import RunAllAlgorithm
        from .score import ScoreAlgorithm
        from .survey_template import SurveyTemplateAlgorithm

        for alg in (SurveyTemplateAlgorithm(), ImportSurveysAlgorithm(), ScoreAlgorithm(), ProximityAlgorithm(),
                    CascadeAlgorithm(), CascadeScenarioAlgorithm(), RiskMapAlgorithm(), ExportReportAlgorithm(),
                    RunAllAlgorithm()):
            self.addAlgorithm(alg)

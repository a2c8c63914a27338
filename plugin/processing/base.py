"""What every citysafety algorithm shares: names, translation, help, progress adapter."""

from __future__ import annotations

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingParameterFile

from ..core.errors import Canceled
from ..core.progress import Progress
from ..i18n import tr


def plugin_version() -> str:
    """The plugin's version (metadata.txt); imported late: the store needs the geo stack."""
    from ..core.store.riskdb import plugin_version as version

    return version()


def add_rules_file(alg) -> None:
    """The optional rules file (``alg.RULES``) of every algorithm that reads the rules; load
    it with :func:`rules_of`."""
    alg.addParameter(QgsProcessingParameterFile(
        alg.RULES, alg.tr("Rules file (default: the plugin's rules)"), extension="toml", optional=True))


def rules_of(alg, parameters, context):
    """Load and check the rules before any work; a bad file stops the algorithm."""
    from ..core.rules import RulesError, load_rules

    path = alg.parameterAsFile(parameters, alg.RULES, context)
    try:
        return load_rules(path or None)
    except RulesError as exc:
        raise QgsProcessingException(alg.tr("The rules file was refused: {}").format(exc)) from exc


def progress_of(feedback) -> Progress:
    """Core's progress callbacks wired to a QgsProcessingFeedback."""
    if feedback is None:
        return Progress()
    return Progress(set_progress=feedback.setProgress, is_canceled=feedback.isCanceled,
                    info=feedback.pushInfo)


class CitySafetyAlgorithm(QgsProcessingAlgorithm):
    """Base: id, group and help come from class attributes; subclasses add the rest."""

    ALG_ID = ""
    DISPLAY = ""
    HELP = ""

    def tr(self, text):
        return tr(text)

    def createInstance(self):
        return type(self)()

    def name(self):
        return self.ALG_ID

    def displayName(self):
        return tr(self.DISPLAY)

    def group(self):
        return tr("Survey data")

    def groupId(self):
        return "survey"

    def shortHelpString(self):
        return tr(self.HELP)

    @staticmethod
    def canceled() -> QgsProcessingException:
        return QgsProcessingException(tr("Cancelled; earlier outputs were left as they were."))


class AnalysisAlgorithm(CitySafetyAlgorithm):
    """The steps on a risk database, grouped as 风险分析 Risk analysis in the toolbox."""

    def group(self):
        return tr("Risk analysis")

    def groupId(self):
        return "analysis"


__all__ = ["AnalysisAlgorithm", "Canceled", "CitySafetyAlgorithm", "plugin_version", "progress_of", "rules_of"]

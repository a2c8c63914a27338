"""The Processing provider ``citysafety`` (城市安全风险一张图)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..i18n import tr

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "icon.svg"


def ALGORITHM_MENU():  # noqa: N802 — evaluated late so labels follow the translator
    """(algorithm id, menu label) in workflow order."""
    return [
        ("survey_template", tr("Survey template…")),
        ("import_surveys", tr("Import surveys…")),
        ("import_hidden_dangers", tr("Import hidden dangers (隐患)…")),
        ("import_accidents", tr("Import accidents (事故)…")),
        ("score", tr("Score hazards and units…")),
        ("proximity", tr("Receptors and population around hazards…")),
        ("cascade", tr("Cascade (domino) graph…")),
        ("cascade_scenario", tr("Cascade scenario from one accident…")),
        ("risk_map", tr("Risk map…")),
        ("dynamic_risk", tr("Dynamic risk (现实风险)…")),
        ("change_report", tr("Change report (survey rounds)…")),
        ("export_report", tr("Export report (Excel and PDF)…")),
        ("risk_list", tr("Export the risk list (风险清单)…")),
        ("notice_cards", tr("Print risk notice cards (风险告知卡)…")),
        ("run_all", tr("Run the whole chain…")),
        ("export_to_postgis", tr("Export the risk database to PostGIS…")),
        ("import_from_postgis", tr("Import the risk database from PostGIS…")),
        ("publish_district", tr("Publish a district to the shared database…")),
    ]


LOG_TAG = "City Safety Risk Map"

#: The algorithms by module, in workflow order: a module whose packages do not import is
#: left out, the others are registered.
ALGORITHMS = (
    ("survey_template", ("SurveyTemplateAlgorithm",)),
    ("import_surveys", ("ImportSurveysAlgorithm",)),
    ("import_hidden_dangers", ("ImportHiddenDangersAlgorithm", "ImportAccidentsAlgorithm")),
    ("score", ("ScoreAlgorithm",)),
    ("proximity", ("ProximityAlgorithm",)),
    ("cascade", ("CascadeAlgorithm", "CascadeScenarioAlgorithm")),
    ("risk_map", ("RiskMapAlgorithm",)),
    ("dynamic_risk", ("DynamicRiskAlgorithm",)),
    ("change_report", ("ChangeReportAlgorithm",)),
    ("export_report", ("ExportReportAlgorithm",)),
    ("risk_list", ("RiskListAlgorithm",)),
    ("notice_cards", ("NoticeCardsAlgorithm",)),
    ("run_all", ("RunAllAlgorithm",)),
    ("postgis", ("ExportToPostgisAlgorithm", "ImportFromPostgisAlgorithm", "PublishDistrictAlgorithm")),
    ("install_packages", ("InstallPackagesAlgorithm",)),  # the standard library only
)
#: The name pip knows a package by, where it is not the module's.
PIP_NAMES = {"python_calamine": "python-calamine", "stdnum": "python-stdnum", "xlsxwriter": "XlsxWriter",
             "osgeo": "GDAL", "sklearn": "scikit-learn"}


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
        """Register every algorithm whose Python packages import; for the others, record
        what is missing (:attr:`missing`) and say so in the log, which ``qgis_process``
        shows too. Nothing escapes: a missing package must not take QGIS down with it."""
        self.missing: dict[str, list[str]] = {}
        self.broken: dict[str, str] = {}
        for module, classes in ALGORITHMS:
            try:
                mod = importlib.import_module(f"{__package__}.{module}")
            except ImportError as exc:
                top = (exc.name or "").split(".")[0]
                if not top or top == __package__.split(".")[0]:  # our own code: a bug, not a package
                    self.broken[module] = f"{type(exc).__name__}: {exc}"
                else:
                    self.missing.setdefault(PIP_NAMES.get(top, top), []).append(module)
                continue
            except Exception as exc:
                self.broken[module] = f"{type(exc).__name__}: {exc}"
                continue
            for name in classes:
                self.addAlgorithm(getattr(mod, name)())
        message = self.unavailable_message()
        if message:
            QgsMessageLog.logMessage(message, LOG_TAG, Qgis.MessageLevel.Warning)
            print(message, file=sys.stderr)  # qgis_process shows stderr, not the message log

    def available(self, alg_id: str) -> bool:
        """Whether the algorithm ``alg_id`` was registered."""
        return self.algorithm(alg_id) is not None

    def missing_packages(self) -> list[str]:
        """Every requirement that is missing or out of range, and every package whose import
        failed (not only the first one an algorithm hit)."""
        missing = getattr(self, "missing", {})
        if not missing:
            return []
        from .. import installer

        try:
            status = installer.check()
            return sorted({r.name for r in status.missing} | {r.name for r, _v, _p in status.wrong}
                          | {installer.normalize(m) for m in missing})
        except Exception:  # a broken requirements.txt must not hide the message
            return sorted(missing)

    def unavailable_message(self) -> str:
        """What is missing, which algorithms it keeps out and what to do, in Chinese and
        English; "" when everything loaded."""
        missing = getattr(self, "missing", {})
        broken = getattr(self, "broken", {})
        if not missing and not broken:
            return ""
        parts = []
        if missing:
            packages = ", ".join(self.missing_packages())
            algs = ", ".join(sorted({a for v in missing.values() for a in v}))
            parts.append(f"城市安全风险一张图：缺少 Python 包 {packages}，以下算法未加载：{algs}。"
                         f"请用菜单“城市安全风险 › 安装 Python 包…”安装（命令行：qgis_process run "
                         f"citysafety:install_packages）。 / City Safety Risk Map: the Python packages {packages} are "
                         f"missing, so these algorithms are not loaded: {algs}. Install them with “Install Python "
                         f"packages…” in the City Safety Risk menu (command line: qgis_process run "
                         f"citysafety:install_packages).")
        for module, error in sorted(broken.items()):
            parts.append(f"城市安全风险一张图：算法 {module} 无法加载 / City Safety Risk Map: the algorithm {module} "
                         f"could not be loaded: {error}")
        return "\n".join(parts)

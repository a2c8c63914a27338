"""citysafety:install_packages — the plugin's Python packages into QGIS's Python, safely.

Needs nothing but the standard library, so it is registered when everything else is missing;
the panel's and the message bar's "Install Python packages" action does the same in a dialog
(plugin/gui/install_dialog.py). How and why: plugin/installer.py and docs/install.md.
"""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFolder,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
)

from .. import installer
from .base import CitySafetyAlgorithm


class InstallPackagesAlgorithm(CitySafetyAlgorithm):
    ALG_ID = "install_packages"
    DISPLAY = "Install Python packages"
    HELP = ("Installs the Python packages the plugin needs (requirements.txt: ranges) with the Python QGIS runs, "
            "into a folder of the plugin's own in the QGIS profile (python/dependencies/city_safety_risk_map), which "
            "is put on Python's path after QGIS's own packages. Packages QGIS already has, numpy first of all, are "
            "never replaced: pip is constrained to the versions QGIS's Python has. Offline (an intranet): give a "
            "wheelhouse folder or zip built by `make wheelhouse PLATFORM=… PYTHON=…`. Restart QGIS afterwards, or "
            "use the plugin's own Install action, which loads the algorithms at once.")
    WHEELHOUSE = "WHEELHOUSE"
    FOLDER = "FOLDER"
    INSTALLED = "INSTALLED"

    def group(self):
        return self.tr("Setup")

    def groupId(self):
        return "setup"

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(
            self.WHEELHOUSE, self.tr("Offline wheelhouse (folder or .zip; empty: download from PyPI)"),
            optional=True, fileFilter=self.tr("Wheelhouse zip (*.zip)")))
        self.addOutput(QgsProcessingOutputFolder(self.FOLDER, self.tr("Package folder")))
        self.addOutput(QgsProcessingOutputString(self.INSTALLED, self.tr("Packages still missing")))

    def processAlgorithm(self, parameters, context, feedback):
        wheelhouse = self.parameterAsFile(parameters, self.WHEELHOUSE, context) or None
        try:
            result = installer.install(wheelhouse=wheelhouse, on_line=feedback.pushConsoleInfo,
                                       on_progress=feedback.setProgress, is_canceled=feedback.isCanceled)
        except installer.InstallError as exc:
            raise QgsProcessingException(str(exc)) from exc
        if not result.ok:
            if result.canceled:
                raise self.canceled()
            raise QgsProcessingException(installer.explain_failure(result))
        installer.activate()
        still = installer.check()
        if result.nothing_to_do:
            feedback.pushInfo(self.tr("Nothing to install: every package the plugin needs is present."))
        else:
            feedback.pushInfo(self.tr("Installed into {}. Restart QGIS (or qgis_process) to load the algorithms.")
                              .format(result.prefix))
        if not still.ok:
            feedback.reportError(self.tr("Still missing or of another version: {}").format(", ".join(still.names())))
        return {self.FOLDER: str(result.prefix), self.INSTALLED: ", ".join(still.names())}

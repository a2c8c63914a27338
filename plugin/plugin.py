"""The QGIS plugin object: menu, toolbar button and Processing provider."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QMenu, QToolButton

from .i18n import install_translator, remove_translator, tr

ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "icon.svg"
MENU_OBJECT_NAME = "CitySafetyRiskMenu"
TOOLBAR_OBJECT_NAME = "CitySafetyRiskToolbar"


class CitySafetyPlugin:
    """City Safety Risk Map (城市安全风险一张图)."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.menu: QMenu | None = None
        self.toolbar = None
        self.tool_button: QToolButton | None = None
        self.actions = []

    # Processing -------------------------------------------------------------------------
    def initProcessing(self):  # noqa: N802 (QGIS's name)
        """Register the provider; QGIS and qgis_process call this, with or without a GUI."""
        install_translator()
        if self.provider is None:
            from . import geostack

            geostack.load()

            from .processing.provider import CitySafetyProvider

            self.provider = CitySafetyProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    # GUI --------------------------------------------------------------------------------
    def initGui(self):  # noqa: N802
        self.initProcessing()
        from .processing.provider import ALGORITHM_MENU

        icon = QIcon(str(ICON))
        main = self.iface.mainWindow()
        self.menu = QMenu(tr("City Safety Risk"), main)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        for alg_id, label in ALGORITHM_MENU():
            action = self.menu.addAction(icon, label)
            action.setObjectName(f"citysafety_{alg_id}")
            action.triggered.connect(lambda _=False, a=alg_id: self.open_algorithm(a))
            self.actions.append(action)
        menubar = main.menuBar()
        # Before the Help menu, as plugins with their own top-level menu do.
        help_action = next((a for a in menubar.actions() if a.menu() and a.menu().objectName() == "mHelpMenu"), None)
        if help_action is not None:
            menubar.insertMenu(help_action, self.menu)
        else:
            menubar.addMenu(self.menu)
        self.toolbar = self.iface.addToolBar(tr("City Safety Risk"))
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        self.tool_button = QToolButton(self.toolbar)
        self.tool_button.setIcon(icon)
        self.tool_button.setToolTip(tr("City Safety Risk Map"))
        self.tool_button.setMenu(self.menu)
        self.tool_button.setPopupMode(QToolButton.InstantPopup)
        self.toolbar.addWidget(self.tool_button)

    def open_algorithm(self, alg_id: str):
        """Open an algorithm's Processing dialog."""
        from qgis import processing

        processing.execAlgorithmDialog(f"citysafety:{alg_id}", {})

    def unload(self):
        for action in self.actions:
            action.deleteLater()
        self.actions = []
        if self.menu is not None:
            self.menu.menuAction().setVisible(False)
            menubar = self.iface.mainWindow().menuBar() if self.iface and self.iface.mainWindow() else None
            if menubar is not None:
                menubar.removeAction(self.menu.menuAction())
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.toolbar.deleteLater()
            self.toolbar = None
            self.tool_button = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator()

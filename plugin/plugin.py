"""The QGIS plugin object: menu, toolbar button and Processing provider."""

from __future__ import annotations

import contextlib
from pathlib import Path

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QMenu, QPushButton, QToolButton

from .i18n import install_translator, remove_translator, tr

ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "icon.svg"
MENU_OBJECT_NAME = "CitySafetyRiskMenu"
TOOLBAR_OBJECT_NAME = "CitySafetyRiskToolbar"
PANEL_ACTION_OBJECT_NAME = "citysafety_panel"
INSTALL_ACTION_OBJECT_NAME = "citysafety_install_packages"


class CitySafetyPlugin:
    """City Safety Risk Map (城市安全风险一张图)."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.menu: QMenu | None = None
        self.toolbar = None
        self.tool_button: QToolButton | None = None
        self.actions = []
        self.pick_action = None
        self.pick_tool = None
        self.panel_action: QAction | None = None
        self.dock = None  # the 城市安全风险一张图 panel, created when first shown
        self.install_action: QAction | None = None
        self.install_dialog = None
        self.install_message = None

    # Processing -------------------------------------------------------------------------
    def initProcessing(self):
        """Register the provider; QGIS and qgis_process call this, with or without a GUI."""
        install_translator()
        if self.provider is None:
            from . import geostack, installer

            # The packages the plugin's installer put in its folder of the QGIS profile, on
            # sys.path after QGIS's own (docs/install.md); nothing when they came another way.
            installer.activate()
            geostack.load()
            geostack.keep_pool_threads()

            from .processing.provider import CitySafetyProvider

            provider = CitySafetyProvider()
            # The registry refuses (and deletes) a second provider with the same id, e.g. one
            # another copy of the plugin registered: keep only one we really added.
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider

    # GUI --------------------------------------------------------------------------------
    def initGui(self):
        self.initProcessing()
        from .processing.base import icon_path
        from .processing.provider import ALGORITHM_MENU

        icon = QIcon(str(ICON))
        main = self.iface.mainWindow()
        self.menu = QMenu(tr("City Safety Risk"), main)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        for alg_id, label in ALGORITHM_MENU():
            action = self.menu.addAction(QIcon(str(icon_path(alg_id))), label)
            action.setObjectName(f"citysafety_{alg_id}")
            action.triggered.connect(lambda _=False, a=alg_id: self.open_algorithm(a))
            if self.provider is not None and not self.provider.available(alg_id):
                action.setEnabled(False)  # its Python packages are missing: the message bar says which
                action.setToolTip(tr("Not available: Python packages are missing (see the message bar or the log)"))
            self.actions.append(action)
        menubar = main.menuBar()
        # Before the Help menu, as plugins with their own top-level menu do.
        help_action = next((a for a in menubar.actions() if a.menu() and a.menu().objectName() == "mHelpMenu"), None)
        if help_action is not None:
            menubar.insertMenu(help_action, self.menu)
        else:
            menubar.addMenu(self.menu)
        self.pick_action = self.menu.addAction(icon, tr("Start a cascade scenario at a clicked hazard…"))
        self.pick_action.setObjectName("citysafety_pick_scenario")
        self.pick_action.setCheckable(True)
        self.pick_action.triggered.connect(self.pick_scenario)
        self.actions.append(self.pick_action)
        self.toolbar = self.iface.addToolBar(tr("City Safety Risk"))
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        self.tool_button = QToolButton(self.toolbar)
        self.tool_button.setIcon(icon)
        self.tool_button.setToolTip(tr("City Safety Risk Map"))
        self.tool_button.setMenu(self.menu)
        self.tool_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar.addWidget(self.tool_button)
        # The panel: first in the plugin's menu, and a toolbar button of its own.
        self.panel_action = QAction(icon, tr("Risk map panel"), main)
        self.panel_action.setObjectName(PANEL_ACTION_OBJECT_NAME)
        self.panel_action.setToolTip(tr("Show or hide the City Safety Risk Map panel"))
        self.panel_action.setCheckable(True)
        self.panel_action.triggered.connect(self.toggle_panel)
        first = self.menu.actions()[0]
        self.menu.insertAction(first, self.panel_action)
        self.menu.insertSeparator(first)
        self.toolbar.addAction(self.panel_action)
        # Always there, last: the one action that installs the Python packages (docs/install.md).
        self.menu.addSeparator()
        self.install_action = self.menu.addAction(icon, tr("Install Python packages…"))
        self.install_action.setObjectName(INSTALL_ACTION_OBJECT_NAME)
        self.install_action.triggered.connect(self.open_installer)
        self.actions.append(self.install_action)
        self.push_install_message()

    def push_install_message(self):
        """A short message bar in the user's language that names what is missing, with the
        button that installs it (the full bilingual text is in the log); nothing if all is there."""
        if self.provider is None or not self.provider.unavailable_message():
            return
        names = self.provider.missing_packages()
        if names:
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            message = tr("{} Python packages are missing ({}): some algorithms are not loaded.").format(
                len(names), shown)
        else:  # an algorithm of ours failed to load: the log says why
            message = tr("Some algorithms could not be loaded; the log (City Safety Risk Map) says why.")
        bar = self.iface.messageBar()
        widget = bar.createMessage(tr("City Safety Risk Map"), message)
        button = QPushButton(tr("Install Python packages…"), widget)
        button.setObjectName("citysafety_install_button")
        button.clicked.connect(self.open_installer)
        widget.layout().addWidget(button)
        self.install_message = widget
        bar.pushWidget(widget, Qgis.MessageLevel.Warning, 0)

    def open_installer(self):
        """The Install Python packages dialog; on success the algorithms load at once."""
        from .gui.install_dialog import InstallDialog

        if self.install_dialog is None:
            self.install_dialog = InstallDialog(self.iface.mainWindow())
            self.install_dialog.installed.connect(self.reload_packages)
        self.install_dialog.not_importable = sorted(getattr(self.provider, "missing", {}) or {})
        self.install_dialog.refresh_status()
        self.install_dialog.show()
        self.install_dialog.raise_()
        return self.install_dialog

    def reload_packages(self):
        """After an install: the geo stack, then the provider's algorithms and the menu."""
        from . import geostack, installer

        installer.activate()
        geostack.load()
        if self.provider is None:
            self.initProcessing()
        else:
            self.provider.refreshAlgorithms()
        for action in self.actions:
            name = action.objectName().replace("citysafety_", "", 1)
            if self.provider is not None and self.provider.algorithm(name) is not None:
                action.setEnabled(True)
                action.setToolTip("")
        bar = self.iface.messageBar()
        if self.install_message is not None:
            with contextlib.suppress(RuntimeError):  # already closed by the user
                bar.popWidget(self.install_message)
            self.install_message = None
        if self.provider is not None and self.provider.unavailable_message():
            self.push_install_message()
        else:
            bar.pushMessage(tr("City Safety Risk Map"), tr("Python packages installed; every algorithm is loaded."),
                            Qgis.MessageLevel.Success, 10)

    def toggle_panel(self, checked: bool = True):
        """Show or hide the dock panel; it is created the first time it is shown."""
        if self.dock is None:
            if not checked:
                return
            try:
                from .gui.dock import RiskDock
            except ImportError as exc:  # the panel reads the database with the geo stack
                self.iface.messageBar().pushMessage(
                    tr("City Safety Risk Map"),
                    tr("The panel needs the Python package {}: use “Install Python packages…” in the "
                       "City Safety Risk menu.").format(
                        exc.name or exc), Qgis.MessageLevel.Warning, 0)
                if self.panel_action is not None:
                    self.panel_action.setChecked(False)
                return
            self.dock = RiskDock(self.iface, self.iface.mainWindow())
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            # From now on the dock keeps the action's checked state and its own visibility in step.
            self.dock.setToggleVisibilityAction(self.panel_action)
        if checked:
            self.dock.setUserVisible(True)  # shown, and raised above a dock tabbed over it
        else:
            self.dock.hide()
        if self.panel_action is not None and self.panel_action.isChecked() != bool(checked):
            self.panel_action.setChecked(bool(checked))

    def pick_scenario(self, checked: bool = True):
        """Arm the map tool: a click on a hazard source opens the cascade scenario dialog."""
        from .gui.scenario_tool import HazardPickTool

        canvas = self.iface.mapCanvas()
        if not checked:
            if self.pick_tool is not None and canvas.mapTool() is self.pick_tool:
                canvas.unsetMapTool(self.pick_tool)
            return
        if self.pick_tool is None:
            self.pick_tool = HazardPickTool(canvas, self.open_scenario)
            self.pick_tool.setAction(self.pick_action)
        canvas.setMapTool(self.pick_tool)

    def open_scenario(self, db: str, code: str):
        from qgis import processing

        processing.execAlgorithmDialog("citysafety:cascade_scenario", {"INPUT": db, "START": code})

    def open_algorithm(self, alg_id: str):
        """Open an algorithm's Processing dialog."""
        from qgis import processing

        processing.execAlgorithmDialog(f"citysafety:{alg_id}", {})

    def unload(self):
        if self.install_dialog is not None:
            self.install_dialog.close()
            self.install_dialog.deleteLater()
            self.install_dialog = None
        if self.dock is not None:
            self.dock.cleanup()
            if self.iface is not None:
                self.iface.removeDockWidget(self.dock)
            self.dock.setParent(None)
            self.dock.deleteLater()
            self.dock = None
        if self.panel_action is not None:
            if self.menu is not None:
                self.menu.removeAction(self.panel_action)
            if self.toolbar is not None:
                self.toolbar.removeAction(self.panel_action)
            self.panel_action.setParent(None)  # gone from the main window now, not at the next event loop
            self.panel_action.deleteLater()
            self.panel_action = None
        if self.pick_tool is not None and self.iface is not None:
            canvas = self.iface.mapCanvas()
            if canvas.mapTool() is self.pick_tool:
                canvas.unsetMapTool(self.pick_tool)
            self.pick_tool = None
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

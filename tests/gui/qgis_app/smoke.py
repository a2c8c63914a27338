"""Run inside real QGIS (``qgis --code``) by tests/gui/test_real_qgis.py: checks that the
plugin is loaded with its menu and toolbar, runs the import through Processing in the
QGIS process itself, writes what it saw to $CSRM_SMOKE_OUT as JSON, and quits."""

import json
import os
import traceback

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins


def check():
    out = {}
    try:
        plugin = plugins.get("city_safety_risk_map")
        out["loaded"] = plugin is not None
        bar = iface.mainWindow().menuBar()
        out["menus"] = [a.text() for a in bar.actions()]
        out["menu_entries"] = [a.text() for a in plugin.menu.actions()] if plugin and plugin.menu else []
        out["toolbar"] = plugin.toolbar is not None and plugin.toolbar.isVisible()
        provider = QgsApplication.processingRegistry().providerById("citysafety")
        out["algorithms"] = sorted(a.id() for a in provider.algorithms()) if provider else []
        from qgis import processing

        res = processing.run("citysafety:import_surveys", {
            "FOLDER": os.environ["CSRM_SAMPLE"], "OUTPUT": os.environ["CSRM_SMOKE_DB"], "LOAD_LAYERS": False})
        out["import"] = {k: v for k, v in res.items() if k != "OUTPUT"}
        # The panel, opened from the plugin's menu entry, on the database just imported.
        from qgis.PyQt.QtWidgets import QDockWidget, QPushButton

        plugin.panel_action.trigger()
        dock = iface.mainWindow().findChild(QDockWidget, "CitySafetyRiskDock")
        dock.set_database(os.environ["CSRM_SMOKE_DB"])
        QgsApplication.processEvents()
        out["dock_title"] = dock.windowTitle()
        out["dock_visible"] = dock.isVisible()
        out["dock_tabs"] = [dock.tabs.tabText(i) for i in range(dock.tabs.count())]
        out["dock_steps"] = {b.objectName(): [b.text(), b.isEnabled()] for b in dock.findChildren(QPushButton)
                             if b.objectName().startswith("step_") and b.objectName().endswith("_button")}
        import shapely

        out["shapely_wkb"] = len(shapely.to_wkb(shapely.points([114.0], [22.5]))[0])
    except Exception:  # reported to the test
        out["error"] = traceback.format_exc()
    with open(os.environ["CSRM_SMOKE_OUT"], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    QgsApplication.exit(0)


QTimer.singleShot(2000, check)

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
        import shapely

        out["shapely_wkb"] = len(shapely.to_wkb(shapely.points([114.0], [22.5]))[0])
    except Exception:  # reported to the test
        out["error"] = traceback.format_exc()
    with open(os.environ["CSRM_SMOKE_OUT"], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    QgsApplication.exit(0)


QTimer.singleShot(2000, check)

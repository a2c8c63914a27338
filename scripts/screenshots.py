"""Screenshots of the plugin in a real QGIS, for the README.

Run by ``make screenshots`` as ``qgis --code scripts/screenshots.py`` on a virtual screen,
with the plugin enabled in a throw-away profile and ``out/demo/risk.gpkg`` from
``make demo``. Saves PNGs to docs/img/ and quits QGIS.
"""

import os
from pathlib import Path

from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtGui import QColor
from qgis.utils import iface, plugins

ROOT = Path(os.environ.get("CSRM_ROOT", Path.cwd()))
DB = ROOT / "out" / "demo" / "risk.gpkg"
IMG = ROOT / "docs" / "img"
IMG.mkdir(parents=True, exist_ok=True)
SUFFIX = os.environ.get("CSRM_SHOT_SUFFIX", "")
state = {}


def load_layers():
    districts = QgsVectorLayer(str(ROOT / "resources" / "sample" / "districts.gpkg"), "districts 行政区", "ogr")
    if districts.isValid():
        sym = districts.renderer().symbol()
        sym.setColor(QColor(240, 240, 235))
        sym.symbolLayer(0).setStrokeColor(QColor(120, 120, 120))
        QgsProject.instance().addMapLayer(districts)
    for name in ("import_issues", "hazards", "units"):
        layer = QgsVectorLayer(f"{DB}|layername={name}", name, "ogr")
        QgsProject.instance().addMapLayer(layer)
        if name == "units":
            iface.setActiveLayer(layer)
            iface.mapCanvas().setExtent(layer.extent().buffered(0.02))
    iface.mapCanvas().refresh()


def open_menu_and_table():
    plugin = plugins.get("city_safety_risk_map")
    if plugin is not None and plugin.menu is not None:
        bar = iface.mainWindow().menuBar()
        bar.setActiveAction(plugin.menu.menuAction())
    issues = QgsProject.instance().mapLayersByName("import_issues")[0]
    state["table"] = iface.showAttributeTable(issues)


def shot_main():
    iface.mainWindow().grab().save(str(IMG / f"qgis_main{SUFFIX}.png"))
    plugin = plugins.get("city_safety_risk_map")
    if plugin is not None and plugin.menu is not None:
        plugin.menu.grab().save(str(IMG / f"menu{SUFFIX}.png"))
    if state.get("table") is not None:
        state["table"].grab().save(str(IMG / f"import_issues_table{SUFFIX}.png"))
        state["table"].close()
    from qgis import processing

    dlg = processing.createAlgorithmDialog("citysafety:import_surveys", {})
    dlg.resize(900, 700)
    dlg.show()
    state["dialog"] = dlg


def shot_dialog():
    state["dialog"].grab().save(str(IMG / f"import_dialog{SUFFIX}.png"))
    state["dialog"].close()
    QgsApplication.exit(0)


iface.mainWindow().resize(1280, 800)
QTimer.singleShot(3000, load_layers)
QTimer.singleShot(6000, open_menu_and_table)
QTimer.singleShot(9000, shot_main)
QTimer.singleShot(11000, shot_dialog)

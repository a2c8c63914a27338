"""Screenshots of the plugin in a real QGIS, for the README.

Run by ``make screenshots`` as ``qgis --code scripts/screenshots.py`` on a virtual screen,
with the plugin enabled in a throw-away profile and ``out/demo/risk.gpkg`` from
``make demo``: the map, the menu, the import dialog and table, the panel (workflow, level-1
list, unit inspector), the first two pages of the PDF report and a notice card in the
profile's language.
Saves PNGs to docs/img/ and quits QGIS.
"""

import os
from pathlib import Path

from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

ROOT = Path(os.environ.get("CSRM_ROOT", Path.cwd()))
DB = ROOT / "out" / "demo" / "risk.gpkg"
DENSITY = ROOT / "out" / "demo" / "risk_density.tif"
IMG = ROOT / "docs" / "img"
IMG.mkdir(parents=True, exist_ok=True)
SUFFIX = os.environ.get("CSRM_SHOT_SUFFIX", "")
state = {}


def load_layers():
    """The demo's risk database as the plugin shows it: the 城市安全风险一张图 group."""
    from city_safety_risk_map.plugin.core.rules import load_rules
    from city_safety_risk_map.plugin.layers.loading import load_links_layer, load_risk_layers

    issues = QgsVectorLayer(f"{DB}|layername=import_issues", "import_issues", "ogr")
    QgsProject.instance().addMapLayer(issues)
    state["layers"] = load_risk_layers(QgsProject.instance(), str(DB), str(DENSITY), load_rules(), True)
    load_links_layer(QgsProject.instance(), str(DB))
    load_links_layer(QgsProject.instance(), str(DB), "cascade_edges", "连锁效应 cascade edges")
    group = QgsProject.instance().layerTreeRoot().findGroup("城市安全风险一张图")
    if group is not None:
        group.setExpanded(True)
    districts = state["layers"][1]
    iface.mapCanvas().setExtent(districts.extent().buffered(0.01))
    iface.mapCanvas().refresh()


def shot_overview():
    iface.mainWindow().grab().save(str(IMG / f"risk_overview{SUFFIX}.png"))
    # Zoom in on a level-1 unit: at 1:100,000 points, districts and density all show.
    risk = state["layers"][0]
    top = [f for f in risk.getFeatures() if f["level"] == 1]
    if top:
        p = top[0].geometry().asPoint()
        canvas = iface.mapCanvas()
        canvas.setCenter(p)
        canvas.zoomScale(100000)
        canvas.refresh()


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
    open_dock()


def open_dock():
    """The panel on the demo database: the workflow tab, then a level-1 unit zoomed to and
    shown in the inspector."""
    plugin = plugins.get("city_safety_risk_map")
    plugin.panel_action.trigger()
    dock = plugin.dock
    dock.set_database(str(DB))
    dock.tabs.setCurrentIndex(0)
    from qgis.PyQt.QtCore import Qt

    iface.mainWindow().resizeDocks([dock], [440], Qt.Orientation.Horizontal)
    state["dock"] = dock


def shot_dock():
    dock = state["dock"]
    dock.grab().save(str(IMG / f"dock_workflow{SUFFIX}.png"))
    from city_safety_risk_map.plugin.core.status import level_one_units

    top = level_one_units(str(DB))
    if len(top):
        code = str(top["unit_code"].iloc[0])
        dock.tabs.setCurrentIndex(1)
        dock.zoom_to_unit(code)
        iface.mapCanvas().zoomScale(25000)
        state["code"] = code


def shot_level_one():
    dock = state["dock"]
    dock.grab().save(str(IMG / f"dock_level1{SUFFIX}.png"))
    if state.get("code"):
        dock.show_unit(state["code"])
        dock.tabs.setCurrentIndex(2)


def shot_inspector():
    state["dock"].grab().save(str(IMG / f"dock_inspector{SUFFIX}.png"))
    iface.mainWindow().grab().save(str(IMG / f"qgis_dock{SUFFIX}.png"))
    # A report page as QGIS writes it in this language (the layout follows the locale).
    from qgis import processing

    pdf = ROOT / "out" / "demo" / f"report{SUFFIX}.pdf"
    processing.run("citysafety:export_report", {"INPUT": str(DB), "PDF": str(pdf)})
    import subprocess

    for page, name in ((1, "cover"), (2, "district")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                        str(IMG / f"report_{name}{SUFFIX}")], check=False)
    # A notice card and the risk list's first rows, in this language.
    cards = ROOT / "out" / "demo" / f"notice_cards{SUFFIX}.pdf"
    processing.run("citysafety:notice_cards", {"INPUT": str(DB), "OUTPUT": str(cards), "LEVELS": [0]})
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(cards),
                    str(IMG / f"notice_card{SUFFIX}")], check=False)
    QTimer.singleShot(1000, _guarded(show_dynamic))


def _guarded(step):
    """A step that cannot leave QGIS running: its error is written to docs/img's log, and QGIS quits."""
    def run():
        try:
            step()
        except Exception:
            import traceback

            (ROOT / "out" / f"screenshots{SUFFIX}.log").write_text(traceback.format_exc(), encoding="utf-8")
            QgsApplication.exit(1)
    return run


def show_dynamic():
    """The panel switched to the dynamic risk (现实风险) of the demo's second round, with the
    latest change report's counts, and the round_changes layer on the map."""
    dock = state["dock"]
    dock.tabs.setCurrentIndex(0)
    dock.level_field_combo.setCurrentIndex(1)
    from city_safety_risk_map.plugin.core.rules import load_rules
    from city_safety_risk_map.plugin.layers.loading import load_changes_layer, load_risk_layers

    # the risk map again (the steps above replaced its layers in the database), by 现实风险
    load_risk_layers(QgsProject.instance(), str(DB), str(DENSITY), load_rules(), True, None, "dynamic_level")
    layer = load_changes_layer(QgsProject.instance(), str(DB))
    if layer is not None:
        iface.mapCanvas().setExtent(layer.extent().buffered(0.02))
    iface.mapCanvas().refresh()
    QTimer.singleShot(4000, _guarded(shot_dynamic))


def shot_dynamic():
    state["dock"].grab().save(str(IMG / f"dock_dynamic{SUFFIX}.png"))
    iface.mainWindow().grab().save(str(IMG / f"qgis_dynamic{SUFFIX}.png"))
    state["dock"].level_field_combo.setCurrentIndex(0)  # the profile's choice back to the default
    QgsApplication.exit(0)


iface.mainWindow().resize(1280, 800)
QTimer.singleShot(3000, load_layers)
QTimer.singleShot(7000, shot_overview)
QTimer.singleShot(10000, open_menu_and_table)
QTimer.singleShot(13000, shot_main)
QTimer.singleShot(15000, shot_dialog)
QTimer.singleShot(18000, shot_dock)
QTimer.singleShot(21000, shot_level_one)
QTimer.singleShot(24000, shot_inspector)

"""Screenshots of the seed-scale city (1,116,200 units) in a real QGIS, for the README.

Run by ``make screenshots`` as ``qgis --code scripts/screenshots_city.py`` on a virtual
screen, after ``scripts/bench.py`` has built and analysed the bench's city once (cached in
``out/bench/``; the path comes in ``CSRM_CITY_DB``). The risk map as the plugin loads it,
centred on the densest place, at 1:300,000, 1:50,000 and 1:10,000: the aggregation grid
between the city and the street, level-1 units on top at every scale, single units from
1:10,000 in (docs/domain/mapping.md §4). Saves docs/img/city_<scale>_<lang>.png and quits.
"""

import os
from pathlib import Path

from qgis.core import QgsApplication, QgsPointXY, QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

ROOT = Path(os.environ.get("CSRM_ROOT", Path.cwd()))
DB = Path(os.environ["CSRM_CITY_DB"])
DENSITY = DB.with_name("risk_density.tif")
IMG = ROOT / "docs" / "img"
IMG.mkdir(parents=True, exist_ok=True)
SUFFIX = os.environ.get("CSRM_SHOT_SUFFIX", "")
SCALES = (300_000, 50_000, 10_000)
WAIT_MS = 12_000  # per view: rendering a million-unit city at street scale takes a few seconds
state = {}


def densest_place() -> QgsPointXY:
    """The centre of the 1 km cell holding the most units."""
    import pyogrio

    cells = pyogrio.read_dataframe(str(DB), layer="risk_grid", columns=["n_units"], where="cell_m = 1000")
    c = cells.geometry.iloc[int(cells["n_units"].to_numpy().argmax())].centroid
    return QgsPointXY(float(c.x), float(c.y))


def load_layers():
    from city_safety_risk_map.plugin.core.rules import load_rules
    from city_safety_risk_map.plugin.layers.loading import load_risk_layers

    load_risk_layers(QgsProject.instance(), str(DB), str(DENSITY), load_rules(), True)
    group = QgsProject.instance().layerTreeRoot().findGroup("城市安全风险一张图")
    if group is not None:
        group.setExpanded(True)
    plugin = plugins.get("city_safety_risk_map")
    plugin.panel_action.trigger()
    plugin.dock.set_database(str(DB))
    state["centre"] = densest_place()
    view(0)


def view(i: int):
    canvas = iface.mapCanvas()
    canvas.setCenter(state["centre"])
    canvas.zoomScale(SCALES[i])
    canvas.refresh()
    QTimer.singleShot(2000, lambda: settle(i))


def settle(i: int):
    """Again, once the panel has taken its width from the map: the scale as asked."""
    canvas = iface.mapCanvas()
    canvas.setCenter(state["centre"])
    canvas.zoomScale(SCALES[i])
    canvas.refresh()
    QTimer.singleShot(WAIT_MS, lambda: shot(i))


def shot(i: int):
    name = f"city_{SCALES[i] // 1000}k{SUFFIX}.png"
    iface.mainWindow().grab().save(str(IMG / name))
    if i + 1 < len(SCALES):
        view(i + 1)
    else:
        QgsApplication.exit(0)


iface.mainWindow().resize(1280, 800)
QTimer.singleShot(3000, load_layers)

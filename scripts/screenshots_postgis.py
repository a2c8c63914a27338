"""A screenshot of the shared risk database in a QGIS *without* the plugin (docs/postgis.md §4).

Run by scripts/shoot_postgis.py as ``qgis --code scripts/screenshots_postgis.py`` on a
virtual screen, in a throw-away profile with no plugin at all, while a throw-away PostGIS
server holds the exported sample city: the layers are added from the database as QGIS's
browser adds them (``CSRM_PG_CONNINFO``, schema citysafety), and they come styled from the
database's layer_styles. Saves docs/img/qgis_postgis.png and quits QGIS.
"""

import os
from pathlib import Path

from qgis.core import QgsApplication, QgsDataSourceUri, QgsFeatureRequest, QgsProject, QgsVectorLayer, QgsWkbTypes
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface

ROOT = Path(os.environ.get("CSRM_ROOT", Path.cwd()))
IMG = ROOT / "docs" / "img"
CONNINFO = os.environ["CSRM_PG_CONNINFO"]
LAYERS = (("district_summary", QgsWkbTypes.MultiPolygon), ("cascade_edges", QgsWkbTypes.LineString),
          ("risk_map", QgsWkbTypes.Point), ("risk_level1", QgsWkbTypes.Point))


def add_layers():
    iface.mainWindow().resize(1280, 800)
    for table, wkb in LAYERS:
        uri = QgsDataSourceUri(CONNINFO)
        uri.setDataSource("citysafety", table, "geom", "", "fid")
        uri.setWkbType(wkb)
        uri.setSrid("4490")
        layer = QgsVectorLayer(uri.uri(False), f"citysafety.{table}", "postgres")
        QgsProject.instance().addMapLayer(layer)



def zoom():
    """To 南山区, where the unit points show (the scales their default style sets)."""
    layer = QgsProject.instance().mapLayersByName("citysafety.district_summary")[0]
    request = QgsFeatureRequest().setFilterExpression("\"district\" = '南山区'")
    feature = next(layer.getFeatures(request), None)
    if feature is not None:
        iface.mapCanvas().setCenter(feature.geometry().centroid().asPoint())
    iface.mapCanvas().zoomScale(60000)
    iface.mapCanvas().refresh()


def shot():
    iface.mainWindow().grab().save(str(IMG / "qgis_postgis.png"))
    QgsApplication.exit(0)


QTimer.singleShot(3000, add_layers)
QTimer.singleShot(6000, zoom)
QTimer.singleShot(11000, shot)

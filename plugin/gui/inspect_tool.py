"""Map tool of the dock's unit inspector (单位查看): a click picks the nearest unit of the
current risk database — from its ``risk_map`` or ``units`` layer loaded in the project, or,
when neither is loaded, straight from the database through its spatial index — within a
few pixels, and hands the unit's code on."""

from __future__ import annotations

import os
from typing import Callable

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsPointXY,
    QgsProject,
    QgsProviderRegistry,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsMapTool
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QCursor

UNIT_LAYERS = ("risk_map", "units")  # in order of preference
CODE_FIELD = "unit_code"


def _same_file(a: str, b: str) -> bool:
    if not a or not b:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def layer_of_database(layer, db: str) -> str:
    """The name of the database layer ``layer`` shows ('risk_map', 'units', …) when it comes
    from the GeoPackage ``db``; '' otherwise."""
    if not isinstance(layer, QgsVectorLayer) or layer.providerType() != "ogr":
        return ""
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    if not _same_file(parts.get("path", ""), db):
        return ""
    return str(parts.get("layerName") or "")


def unit_layers(project: QgsProject, db: str) -> list[QgsVectorLayer]:
    """The project's layers of ``db``'s risk_map and units, risk_map first."""
    found = []
    for layer in project.mapLayers().values():
        name = layer_of_database(layer, db)
        if name in UNIT_LAYERS and layer.fields().indexOf(CODE_FIELD) >= 0:
            found.append((UNIT_LAYERS.index(name), layer.name(), layer))
    return [layer for *_, layer in sorted(found, key=lambda t: (t[0], t[1]))]


class UnitInspectTool(QgsMapTool):
    """Click a unit on the map: its code goes to ``on_pick`` (and ``unitPicked``)."""

    unitPicked = pyqtSignal(str)

    def __init__(self, canvas, database: Callable[[], str], on_pick: Callable[[str], None] | None = None):
        super().__init__(canvas)
        self.database = database
        self.on_pick = on_pick
        self.setCursor(QCursor(Qt.CursorShape.WhatsThisCursor))

    def canvasReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self.pick_at(event.mapPoint())

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape:
            self.canvas().unsetMapTool(self)

    def search_radius(self) -> float:
        """QGIS's identify tolerance (a few pixels), in map units."""
        return QgsMapTool.searchRadiusMU(self.canvas())

    def pick_at(self, point: QgsPointXY, radius: float | None = None) -> str | None:
        """The nearest unit to ``point`` (map coordinates of the canvas) within ``radius`` map
        units (default: the identify tolerance); hands its code on and returns it."""
        db = self.database() or ""
        if not db:
            return None
        radius = self.search_radius() if radius is None else radius
        code = self._from_layers(point, radius, db)
        if code is None:
            code = self._from_database(point, radius, db)
        if code:
            if self.on_pick is not None:
                self.on_pick(code)
            self.unitPicked.emit(code)
        return code

    def _canvas_crs(self) -> QgsCoordinateReferenceSystem:
        return self.canvas().mapSettings().destinationCrs()

    def _from_layers(self, point: QgsPointXY, radius: float, db: str) -> str | None:
        project = QgsProject.instance()
        canvas_crs = self._canvas_crs()
        box = QgsRectangle(point.x() - radius, point.y() - radius, point.x() + radius, point.y() + radius)
        best = None
        for layer in unit_layers(project, db):
            to_layer = QgsCoordinateTransform(canvas_crs, layer.crs(), project) if canvas_crs.isValid() else None
            to_canvas = QgsCoordinateTransform(layer.crs(), canvas_crs, project) if canvas_crs.isValid() else None
            try:
                rect = to_layer.transformBoundingBox(box) if to_layer else box
            except Exception:  # outside the layer CRS's area
                continue
            request = QgsFeatureRequest().setFilterRect(rect).setSubsetOfAttributes([CODE_FIELD], layer.fields())
            for feature in layer.getFeatures(request):
                geom = feature.geometry()
                if geom is None or geom.isNull():
                    continue
                p = geom.centroid().asPoint()
                if to_canvas is not None:
                    p = to_canvas.transform(p)
                d = p.distance(point)
                if d <= radius and (best is None or d < best[0]):
                    best = (d, str(feature[CODE_FIELD]))
            if best is not None:
                return best[1]  # risk_map before units: the first layer with a hit wins
        return None

    def _from_database(self, point: QgsPointXY, radius: float, db: str) -> str | None:
        from ..core.store.read import layer_crs, nearest_unit

        crs_text = layer_crs(db, "units")
        if not crs_text:
            return None
        db_crs = QgsCoordinateReferenceSystem(crs_text)
        canvas_crs = self._canvas_crs()
        p = point
        r = radius
        if canvas_crs.isValid() and db_crs.isValid() and canvas_crs != db_crs:
            ct = QgsCoordinateTransform(canvas_crs, db_crs, QgsProject.instance())
            try:
                p = ct.transform(point)
                rect = ct.transformBoundingBox(QgsRectangle(point.x() - radius, point.y() - radius,
                                                            point.x() + radius, point.y() + radius))
            except Exception:
                return None
            r = max(rect.width(), rect.height()) / 2
        try:
            return nearest_unit(db, p.x(), p.y(), r)
        except Exception:  # an unreadable database picks nothing
            return None

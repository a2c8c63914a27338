"""Map tool: click a hazard source (or a unit on the risk map) to start a cascade scenario."""

from __future__ import annotations

from qgis.core import QgsProject, QgsVectorLayer
from qgis.gui import QgsMapToolIdentifyFeature

CODE_FIELDS = ("hazard_code", "worst_hazard")  # hazards layers; the risk map's units


def pickable_layers(project: QgsProject) -> list[QgsVectorLayer]:
    """Vector layers of the project whose features name a hazard source."""
    out = []
    for layer in project.mapLayers().values():
        if isinstance(layer, QgsVectorLayer) and any(layer.fields().indexOf(f) >= 0 for f in CODE_FIELDS):
            out.append(layer)
    return out


def code_and_database(feature, layer: QgsVectorLayer) -> tuple[str, str]:
    """The hazard code a clicked feature stands for, and its risk database's path."""
    code = ""
    for field in CODE_FIELDS:
        idx = layer.fields().indexOf(field)
        if idx >= 0 and feature.attribute(idx):
            code = str(feature.attribute(idx))
            break
    return code, layer.source().split("|")[0]


class HazardPickTool(QgsMapToolIdentifyFeature):
    """Identify a hazard source under the cursor and open citysafety:cascade_scenario for it."""

    def __init__(self, canvas, open_dialog):
        super().__init__(canvas)
        self.open_dialog = open_dialog
        self.picked_layer = None  # QGIS 3.22's tool has setLayer but no getter
        self.featureIdentified.connect(self._picked)

    def setLayer(self, layer):  # noqa: N802 (overrides QgsMapToolIdentifyFeature.setLayer)
        self.picked_layer = layer
        super().setLayer(layer)

    def activate(self):  # choose the layer to identify on: the active one if it names hazards
        from qgis.utils import iface

        layer = iface.activeLayer() if iface is not None else None
        layers = pickable_layers(QgsProject.instance())
        if layer not in layers and layers:
            layer = layers[0]
        if layer is not None:
            self.setLayer(layer)
        super().activate()

    def _picked(self, feature):
        code, db = code_and_database(feature, self.picked_layer)
        if code:
            self.open_dialog(db, code)

"""Styling (符号化) of the risk map's layers, and their place in the layer tree.

The look lives in QML templates under ``resources/styles/`` (built by
``scripts/make_styles.py``); these helpers load a template and fill in what depends on the
data or on the rules file: level colours and labels, sector marker shapes, the density
ramp's range, the district class breaks. No domain arithmetic happens here.

Scales follow QGIS: a scale is the denominator (1:50,000 → 50000); the "minimum scale"
is the most zoomed-out scale at which a layer (or label rule) still shows, the "maximum
scale" the most zoomed-in; 0 means no limit.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsExpression,
    QgsGraduatedSymbolRenderer,
    QgsLayerTree,
    QgsLayerTreeGroup,
    QgsMapLayer,
    QgsMessageLog,
    QgsProperty,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsSimpleMarkerSymbolLayer,
    QgsSimpleMarkerSymbolLayerBase,
    QgsSingleBandPseudoColorRenderer,
    QgsSymbolLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from ..core.scoring.levels import UNSCORED_LABEL

if TYPE_CHECKING:  # the rules object comes from plugin.core.rules.load_rules()
    from ..core.rules import Level, Rules, SectorRule

STYLES = Path(__file__).resolve().parents[2] / "resources" / "styles"
RISK_MAP_QML = STYLES / "risk_map.qml"
DENSITY_QML = STYLES / "risk_density.qml"
DISTRICTS_QML = STYLES / "district_summary.qml"
LINKS_QML = STYLES / "hazard_receptor_links.qml"
EDGES_QML = STYLES / "cascade_edges.qml"
# Escalation edges by vector: (legend label, RGB).
EDGE_COLOURS = {
    "heat": ("热辐射 heat radiation", (232, 90, 20)),
    "overpressure": ("冲击波超压 overpressure", (120, 40, 160)),
}
# Links by the receptor's sensitivity: (legend label, RGB, width in mm).
LINK_COLOURS = {
    "high": ("高敏感 high sensitivity", (230, 0, 18), 0.6),
    "medium": ("中敏感 medium sensitivity", (255, 140, 0), 0.3),
    "low": ("低敏感 low sensitivity", (128, 128, 128), 0.2),
}

# What the templates carry and what loading them replaces: symbology (renderer, opacity,
# feature order) and labels. Scale visibility, fields and forms are left to the caller.
STYLE_CATEGORIES = QgsMapLayer.StyleCategories(QgsMapLayer.Symbology | QgsMapLayer.Labeling)

LEVEL_FIELD = "level"
SECTOR_FIELD = "sector"
RISK_INDEX_FIELD = "risk_index"
FALLBACK_SHAPE = "circle"
DISTRICT_CLASSES = 5
DISTRICT_LABEL_FORMAT = "%1 – %2"
DISTRICT_LABEL_PRECISION = 1

GROUP_NAME = "城市安全风险一张图"

#: Scale thresholds (denominators) of the risk map's layers, for
#: :func:`set_scale_visibility`.
#:
#: ``POINTS_VISIBLE_BELOW``: the unit points show when the map scale denominator is below
#: this (zoomed in further than 1:150,000); above it a city-wide view would be a cloud of
#: overlapping markers — on a 1,280–1,920 px wide screen a city of Shenzhen's size (80 km)
#: is at about 1:200,000, where its 1.1 million points took seconds to draw and the
#: district summary and density draw in a fraction of one (docs/benchmarks.md).
#: ``OVERVIEW_VISIBLE_ABOVE``: the district summary and the risk-density raster show when
#: the denominator is above this (zoomed out further than 1:50,000); closer in, the
#: individual units tell more. Between 1:50,000 and 1:150,000 both show, so there is no
#: scale at which the map is empty. Unit names are labelled
#: (levels 1 and 2 only) when zoomed in past 1:50,000 — set in risk_map.qml.
POINTS_VISIBLE_BELOW = 150_000
OVERVIEW_VISIBLE_ABOVE = 50_000


class StyleError(RuntimeError):
    """A style template that is missing, unreadable or not of the expected kind."""


def _log(message: str, level=Qgis.Warning) -> None:
    QgsMessageLog.logMessage(message, "City Safety Risk Map", level)


def _load(layer: QgsMapLayer, qml: Path) -> None:
    if not qml.is_file():
        raise StyleError(f"style template not found: {qml} / 找不到样式模板：{qml}")
    message, ok = layer.loadNamedStyle(str(qml), STYLE_CATEGORIES)
    if not ok:
        raise StyleError(f"cannot load {qml.name}: {message} / 无法加载样式 {qml.name}：{message}")


# --- unit points ------------------------------------------------------------------------

def level_label(level: Level) -> str:
    """Legend text of a level: "1 重大风险 major risk"."""
    return f"{level.level} {level.zh} {level.en}"


def marker_shape(name: str) -> str:
    """A QGIS simple-marker shape name, checked; an unknown name gives a circle (logged)."""
    _shape, ok = QgsSimpleMarkerSymbolLayerBase.decodeShape(name)
    if ok:
        return name
    _log(f"unknown marker shape {name!r}, drawn as {FALLBACK_SHAPE} / 未知的符号形状 {name!r}，改用圆形")
    return FALLBACK_SHAPE


def shape_expression(sectors: dict[str, SectorRule]) -> str:
    """``CASE WHEN "sector" = 'hazchem' THEN 'triangle' … ELSE 'circle' END``."""
    col = QgsExpression.quotedColumnRef(SECTOR_FIELD)
    whens = " ".join(f"WHEN {col} = {QgsExpression.quotedString(sid)} "
                     f"THEN {QgsExpression.quotedString(marker_shape(s.symbol))}"
                     for sid, s in sectors.items())
    return f"CASE {whens} ELSE {QgsExpression.quotedString(FALLBACK_SHAPE)} END"


def category_level(value) -> int | None:
    """The level a category of risk_map.qml stands for; None for the unscored one."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def style_risk_layer(layer: QgsVectorLayer, rules: Rules) -> None:
    """Style the unit points: risk_map.qml, with colours, labels and shapes from ``rules``.

    Four categories (levels 1–4) take colour and legend text from ``rules.levels``; the
    unscored category (NULL level, and anything not 1–4) stays grey. Every marker's shape
    is data-defined by sector from ``rules.sectors``.
    """
    _load(layer, RISK_MAP_QML)
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        raise StyleError(f"{RISK_MAP_QML.name}: expected a categorized renderer")
    renderer = renderer.clone()
    shape = QgsProperty.fromExpression(shape_expression(rules.sectors))
    for i, cat in enumerate(renderer.categories()):
        lv = rules.levels.get(category_level(cat.value()))
        symbol = cat.symbol().clone()
        if lv is not None:
            symbol.setColor(QColor(lv.colour))
            renderer.updateCategoryValue(i, lv.level)  # QML gives "1": back to the integer field's type
            renderer.updateCategoryLabel(i, level_label(lv))
        else:
            renderer.updateCategoryValue(i, None)  # NULL: catches NULL and anything not 1–4
            renderer.updateCategoryLabel(i, UNSCORED_LABEL)
        for sl in symbol.symbolLayers():
            if isinstance(sl, QgsSimpleMarkerSymbolLayer):
                sl.setDataDefinedProperty(QgsSymbolLayer.PropertyName, shape)
        renderer.updateCategorySymbol(i, symbol)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


# --- risk density raster ----------------------------------------------------------------

def _number(v: float) -> str:
    return f"{v:.4g}"


def style_density(layer: QgsRasterLayer, band: int = 1) -> None:
    """Style the risk-density raster: risk_density.qml, its ramp stretched to 0 → max.

    The template's ramp items are fractions of its range; they are rescaled to the band's
    actual maximum, so zero stays transparent and the densest cell is red.
    """
    _load(layer, DENSITY_QML)
    renderer = layer.renderer()
    if not isinstance(renderer, QgsSingleBandPseudoColorRenderer):
        raise StyleError(f"{DENSITY_QML.name}: expected a singleband pseudocolor renderer")
    stats = layer.dataProvider().bandStatistics(band, QgsRasterBandStats.Max, layer.extent(), 0)
    top = stats.maximumValue
    if not math.isfinite(top) or top <= 0:
        top = 1.0  # an all-zero raster: everything transparent
    renderer = renderer.clone()
    renderer.setBand(band)
    fn = renderer.shader().rasterShaderFunction()
    if not isinstance(fn, QgsColorRampShader):
        raise StyleError(f"{DENSITY_QML.name}: expected a colour ramp shader")
    lo, hi = fn.minimumValue(), fn.maximumValue()
    span = (hi - lo) or 1.0
    items = []
    for it in fn.colorRampItemList():
        value = (it.value - lo) / span * top
        items.append(QgsColorRampShader.ColorRampItem(value, it.color, _number(value)))
    fn.setColorRampItemList(items)
    fn.setMinimumValue(0.0)
    fn.setMaximumValue(top)
    renderer.setClassificationMin(0.0)
    renderer.setClassificationMax(top)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


# --- district summary -------------------------------------------------------------------

def style_districts(layer: QgsVectorLayer) -> None:
    """Style the district polygons: district_summary.qml, class breaks from the layer's
    risk_index values (quantiles, up to five classes, never more than distinct values)."""
    _load(layer, DISTRICTS_QML)
    renderer = layer.renderer()
    if not isinstance(renderer, QgsGraduatedSymbolRenderer):
        raise StyleError(f"{DISTRICTS_QML.name}: expected a graduated renderer")
    renderer = renderer.clone()
    idx = layer.fields().lookupField(renderer.classAttribute())
    if idx < 0:
        raise StyleError(f"layer {layer.name()!r} has no field {renderer.classAttribute()!r}")
    values = set()
    for v in layer.uniqueValues(idx):
        try:
            if v is not None and not (hasattr(v, "isNull") and v.isNull()):
                values.add(float(v))
        except (TypeError, ValueError):
            pass
    method = renderer.classificationMethod()
    # QGIS 3.22 does not read the label format back from a QML: set it here
    method.setLabelFormat(DISTRICT_LABEL_FORMAT)
    method.setLabelPrecision(DISTRICT_LABEL_PRECISION)
    method.setLabelTrimTrailingZeroes(True)
    if values:
        renderer.updateClasses(layer, min(DISTRICT_CLASSES, len(values)))
        # Quantiles of tied values repeat a break: a class whose upper bound does not
        # exceed the one before can never be drawn, so it goes, and the ramp is re-spread.
        uppers, dropped = [], False
        for r in list(renderer.ranges()):
            if uppers and r.upperValue() <= uppers[-1]:
                renderer.deleteClass(len(uppers))
                dropped = True
                continue
            uppers.append(r.upperValue())
        if dropped and renderer.sourceColorRamp():
            renderer.updateColorRamp(renderer.sourceColorRamp().clone())
        for i, r in enumerate(renderer.ranges()):
            if r.lowerValue() == r.upperValue():  # a class of one value: "5", not "5 – 5"
                renderer.updateRangeLabel(i, method.formatNumber(r.lowerValue()))
    layer.setRenderer(renderer)
    layer.triggerRepaint()


# --- layer tree and scales --------------------------------------------------------------

def style_links(layer: QgsVectorLayer) -> None:
    """Hazard-receptor links: red for high-sensitivity receptors, orange medium, grey low."""
    _load(layer, LINKS_QML)


def style_edges(layer: QgsVectorLayer) -> None:
    """Cascade edges: arrows from source to target, colour by vector, width by probability."""
    _load(layer, EDGES_QML)


def _groups(node: QgsLayerTreeGroup):
    for child in node.children():
        if QgsLayerTree.isGroup(child):
            yield child
            yield from _groups(child)


def add_to_group(project, layers: list, group_name: str = GROUP_NAME) -> QgsLayerTreeGroup:
    """Put ``layers`` into one group at the top of ``project``'s layer tree, first on top.

    An earlier group of that name (anywhere in the tree) is replaced, and the layers it
    held are removed from the project unless they are among ``layers`` or still shown
    elsewhere in the tree, so running the pipeline again does not pile up layers. A layer
    already in the tree outside the group is moved into it.
    """
    root = project.layerTreeRoot()
    wanted, seen = [], set()
    for layer in layers:
        if layer.id() not in seen:
            seen.add(layer.id())
            wanted.append(layer)
    old_groups = [g for g in _groups(root) if g.name() == group_name]
    old_ids = {n.layerId() for g in old_groups for n in g.findLayers()}
    for layer in wanted:
        if project.mapLayer(layer.id()) is None:
            project.addMapLayer(layer, False)
    # The new nodes go in before the old ones come out: the layer tree removes a layer
    # from the project once its last node is gone.
    group = root.insertGroup(0, group_name)
    for layer in wanted:
        group.addLayer(layer)
    for node in root.findLayers():
        if node.layerId() in seen and node.parent() is not group:
            node.parent().removeChildNode(node)
    for g in old_groups:
        g.parent().removeChildNode(g)
    stale = [i for i in old_ids - seen if root.findLayer(i) is None and project.mapLayer(i) is not None]
    if stale:
        project.removeMapLayers(stale)
    return group


def set_scale_visibility(layer: QgsMapLayer, min_scale: float = 0, max_scale: float = 0) -> None:
    """Show ``layer`` only between two scales (denominators; 0 or None = no limit).

    ``min_scale`` is the most zoomed-out scale at which the layer shows (QGIS "minimum
    scale"): the layer hides when the denominator is at or above it. ``max_scale`` is the
    most zoomed-in (QGIS "maximum scale"): the layer hides below it. Unit points:
    ``set_scale_visibility(points, POINTS_VISIBLE_BELOW, 0)``; districts and density:
    ``set_scale_visibility(layer, 0, OVERVIEW_VISIBLE_ABOVE)``.
    """
    lo, hi = float(min_scale or 0), float(max_scale or 0)
    if lo and hi and lo <= hi:
        raise ValueError(f"min_scale 1:{lo:g} must be more zoomed out (larger) than max_scale 1:{hi:g}")
    layer.setScaleBasedVisibility(True)
    layer.setMinimumScale(lo)
    layer.setMaximumScale(hi)

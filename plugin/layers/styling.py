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
    QgsColorRampShader,
    QgsExpression,
    QgsFeatureRequest,
    QgsGraduatedSymbolRenderer,
    QgsLayerTree,
    QgsLayerTreeGroup,
    QgsMapLayer,
    QgsMessageLog,
    QgsProperty,
    QgsRasterLayer,
    QgsRuleBasedLabeling,
    QgsRuleBasedRenderer,
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
DISTRICT_OUTLINE_QML = STYLES / "district_outline.qml"  # boundaries and names, over the grid
LINKS_QML = STYLES / "hazard_receptor_links.qml"
EDGES_QML = STYLES / "cascade_edges.qml"
GRID_QML = STYLES / "risk_grid.qml"  # aggregation grid by worst level
CHANGES_QML = STYLES / "round_changes.qml"  # what changed between two survey rounds, by change
GRID_LEVEL1_QML = STYLES / "risk_grid_level1.qml"  # aggregation grid by count of level-1 units
# Escalation edges by vector: (legend label, RGB).
#: round_changes by change (core.rounds.CHANGES): legend label, colour, marker shape, size (mm).
CHANGE_STYLES = {
    "new": ("新增 new", (44, 160, 44), "star", 3.6),
    "closed": ("关闭 closed", (110, 110, 110), "cross2", 3.0),
    "moved": ("迁移 moved", (31, 119, 180), "diamond", 3.0),
    "up": ("风险升高 risk up", (214, 39, 40), "triangle", 3.4),
    "down": ("风险降低 risk down", (23, 190, 207), "square", 2.6),
    "same": ("无变化 unchanged", (200, 200, 200), "circle", 1.6),
}
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
STYLE_CATEGORIES = QgsMapLayer.StyleCategories(QgsMapLayer.StyleCategory.Symbology | QgsMapLayer.StyleCategory.Labeling)

LEVEL_FIELD = "level"
DYNAMIC_LEVEL_FIELD = "dynamic_level"  # 现实风险 (core/scoring/dynamic.py): the panel's other view
LEVEL_FIELD_PROPERTY = "citysafety/level_field"  # the level field a unit layer is styled by
SECTOR_FIELD = "sector"
RISK_INDEX_FIELD = "risk_index"
FALLBACK_SHAPE = "circle"
DISTRICT_CLASSES = 5
DISTRICT_LABEL_FORMAT = "%1 – %2"
DISTRICT_LABEL_PRECISION = 1

GROUP_NAME = "城市安全风险一张图"

#: Scale thresholds (denominators) of the risk map's layers. Unit points of every level show
#: from the city's own points scale in (plugin.core.mapping.aggregate.points_visible_below,
#: logged by the risk map step); level-1 points show at every scale.
#: ``DISTRICT_OUTLINE_VISIBLE_ABOVE``: district boundaries and names show when zoomed out
#: further than 1:40,000; closer in the streets tell where one is.
DISTRICT_OUTLINE_VISIBLE_ABOVE = 40_000

#: What the aggregation shows (the panel's choice): each cell's level-1 units per km² (the
#: default), its worst level, or the risk-density raster in place of the grid. Worst level is
#: not the default: in a megacity nearly every large cell holds a level-1 unit (95 % of the
#: 2 km cells of the 1,116,200-unit bench city), so it paints the city red at city scale.
AGGREGATION_LEVEL1 = "level1"
AGGREGATION_WORST = "worst"
AGGREGATION_DENSITY = "density"
AGGREGATIONS = (AGGREGATION_LEVEL1, AGGREGATION_WORST, AGGREGATION_DENSITY)
DEFAULT_AGGREGATION = AGGREGATION_LEVEL1
DENSITY_LAYER_NAME = "风险密度 risk density"
GRID_ALPHA = 190  # as in risk_grid.qml (scripts/make_styles.py)
#: The identify title and map tip of a grid cell: its counts per level.
GRID_DISPLAY_EXPRESSION = ("'重大 ' || \"n_level1\" || ' · 较大 ' || \"n_level2\" || ' · 一般 ' || \"n_level3\" "
                           "|| ' · 低 ' || \"n_level4\" || ' (' || \"n_units\" || ')'")
GRID_MAP_TIP = ("<b>[% \"n_units\" %] 个单位 units</b> ([% \"cell_m\" %] m)<br>"
                "1 重大 major: [% \"n_level1\" %]<br>2 较大 considerable: [% \"n_level2\" %]<br>"
                "3 一般 moderate: [% \"n_level3\" %]<br>4 低 low: [% \"n_level4\" %]<br>"
                "未评级 unscored: [% \"n_unscored\" %]")


class StyleError(RuntimeError):
    """A style template that is missing, unreadable or not of the expected kind."""



def source_table(layer) -> str:
    """The risk database layer a QGIS layer shows: its GeoPackage layer name, or its PostGIS
    table (a shared database's)."""
    if layer.providerType() == "postgres":
        from qgis.core import QgsDataSourceUri

        return QgsDataSourceUri(layer.source()).table()
    return layer.source().rsplit("layername=", 1)[-1].split("|")[0]

def _log(message: str, level=Qgis.MessageLevel.Warning) -> None:
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


def _level_of_key(key: str) -> int | None:
    """The level of a rule key such as "level1" or "band500_level1"; None for others."""
    tail = key.rsplit("level", 1)
    return category_level(tail[1]) if len(tail) == 2 else None


def style_risk_layer(layer: QgsVectorLayer, rules: Rules, only_levels: tuple[int, ...] | None = None,
                     field: str = LEVEL_FIELD) -> None:
    """Style the unit points: risk_map.qml, with colours, labels and shapes from ``rules``,
    by the level in ``field`` — ``level`` (固有风险, with the upgrades) or ``dynamic_level``
    (现实风险): the style's rules, drawing order and labels read that field instead.

    A rule-based renderer, one rule per level and the unscored (the ELSE rule, grey); the
    scales at which the layer shows are the loader's (the city's own points scale).
    ``only_levels`` keeps the rules of those levels only (the legend shows what is drawn).
    Each level's rule takes colour and legend text from ``rules.levels``; every marker's
    shape is data-defined by sector from ``rules.sectors``.
    """
    _load(layer, RISK_MAP_QML)
    renderer = layer.renderer()
    if not isinstance(renderer, QgsRuleBasedRenderer):
        raise StyleError(f"{RISK_MAP_QML.name}: expected a rule-based renderer")
    renderer = renderer.clone()
    shape = QgsProperty.fromExpression(shape_expression(rules.sectors))
    root = renderer.rootRule()
    if only_levels is not None:
        for rule in list(root.children()):
            if _level_of_key(rule.ruleKey()) not in only_levels:
                root.removeChild(rule)
    for rule in root.children():
        lv = rules.levels.get(_level_of_key(rule.ruleKey()))
        symbol = rule.symbol().clone()
        if lv is not None:
            symbol.setColor(QColor(lv.colour))
            rule.setLabel(level_label(lv))
        elif rule.isElse():
            rule.setLabel(UNSCORED_LABEL)
        for sl in symbol.symbolLayers():
            if isinstance(sl, QgsSimpleMarkerSymbolLayer):
                sl.setDataDefinedProperty(QgsSymbolLayer.Property.PropertyName, shape)
        rule.setSymbol(symbol)
    if field != LEVEL_FIELD:
        _read_level_from(renderer, layer, field)
    layer.setRenderer(renderer)
    layer.setCustomProperty(LEVEL_FIELD_PROPERTY, field)
    layer.triggerRepaint()


def _read_level_from(renderer: QgsRuleBasedRenderer, layer: QgsVectorLayer, field: str) -> None:
    """Make the style's rules, drawing order and label rules read ``field`` for the level."""
    old, new = QgsExpression.quotedColumnRef(LEVEL_FIELD), QgsExpression.quotedColumnRef(field)
    for rule in renderer.rootRule().descendants():
        rule.setFilterExpression(rule.filterExpression().replace(old, new))
    renderer.setOrderBy(QgsFeatureRequest.OrderBy([
        QgsFeatureRequest.OrderByClause(c.expression().expression().replace(old, new), c.ascending(), c.nullsFirst())
        for c in renderer.orderBy().list()]))
    labeling = layer.labeling()
    if isinstance(labeling, QgsRuleBasedLabeling):
        labeling = labeling.clone()
        for rule in labeling.rootRule().descendants():
            rule.setFilterExpression(rule.filterExpression().replace(old, new))
        layer.setLabeling(labeling)


def show_level_field(group: QgsLayerTreeGroup, field: str, rules: Rules) -> int:
    """Style the unit layers of the risk map ``group`` (risk_map, risk_level1, or the units
    before a map) by ``field`` — the panel's switch between 固有 and 现实风险; a layer without
    the field keeps the inherent level. Returns the layers now drawn by ``field``."""
    done = 0
    for node in group.findLayers():
        layer = node.layer()
        if not isinstance(layer, QgsVectorLayer):
            continue
        name = source_table(layer)
        if name not in ("risk_map", "risk_level1", "units"):
            continue
        if layer.fields().indexOf(field) < 0 and field != LEVEL_FIELD:
            layer.reload()  # a step may have added the field since the layer was opened
        wanted = field if layer.fields().indexOf(field) >= 0 else LEVEL_FIELD
        if (layer.customProperty(LEVEL_FIELD_PROPERTY) or LEVEL_FIELD) != wanted:
            (style_level1_layer if name == "risk_level1" else style_risk_layer)(layer, rules, field=wanted)
        done += wanted == field
    return done


def style_level1_layer(layer: QgsVectorLayer, rules: Rules, field: str = LEVEL_FIELD) -> None:
    """Style the level-1 units (risk_level1) as the risk map styles level 1; beyond
    1:25,000 only those whose 1 km cell is sparse in level-1 units show, where the grid's
    light colour would hide them (plugin.core.mapping.aggregate.LEVEL1_SPARSE_BEYOND)."""
    from ..core.mapping.aggregate import LEVEL1_DENSITY_CLASSES, LEVEL1_SPARSE_BEYOND

    style_risk_layer(layer, rules, only_levels=(1,), field=field)
    if layer.fields().indexOf("cell_level1_per_km2") < 0:  # a risk map written before 0.7
        return
    renderer = layer.renderer().clone()
    root = renderer.rootRule()
    for rule in list(root.children()):
        # Two rules by scale range (a filter on @map_scale is not applied when the provider
        # filters): every level-1 unit from 1:25,000 in; beyond, the sparse ones only.
        sparse = rule.clone()
        sparse.setRuleKey(f"{rule.ruleKey()}_sparse")
        sparse.setFilterExpression(f'{rule.filterExpression()} AND "cell_level1_per_km2" < '
                                   f'{LEVEL1_DENSITY_CLASSES[0]:g}')
        sparse.setMaximumScale(LEVEL1_SPARSE_BEYOND)
        sparse.setMinimumScale(0)
        sparse.setLabel(f"{rule.label()}（稀疏处 where sparse）")
        rule.setMinimumScale(LEVEL1_SPARSE_BEYOND)
        root.appendChild(sparse)
    layer.setRenderer(renderer)


# --- aggregation grid -------------------------------------------------------------------

def style_grid(layer: QgsVectorLayer, rules: Rules, mode: str = DEFAULT_AGGREGATION) -> None:
    """Style the aggregation grid (risk_grid): by each cell's level-1 units per km²
    (risk_grid_level1.qml) or by its worst level (risk_grid.qml, colours and names from
    ``rules.levels``). One rule per band of scales (plugin.core.mapping.aggregate.BANDS);
    identify and map tips give the cell's counts per level."""
    qml = GRID_LEVEL1_QML if mode == AGGREGATION_LEVEL1 else GRID_QML
    _load(layer, qml)
    renderer = layer.renderer()
    if not isinstance(renderer, QgsRuleBasedRenderer):
        raise StyleError(f"{qml.name}: expected a rule-based renderer")
    renderer = renderer.clone()
    if mode != AGGREGATION_LEVEL1:
        for band in renderer.rootRule().children():
            for rule in band.children():
                lv = rules.levels.get(_level_of_key(rule.ruleKey()))
                if lv is not None and rule.symbol() is not None:
                    symbol = rule.symbol().clone()
                    colour = QColor(lv.colour)
                    colour.setAlpha(GRID_ALPHA)
                    symbol.setColor(colour)
                    rule.setSymbol(symbol)
                    rule.setLabel(level_label(lv))
    layer.setRenderer(renderer)
    layer.setDisplayExpression(GRID_DISPLAY_EXPRESSION)
    layer.setMapTipTemplate(GRID_MAP_TIP)
    layer.setCustomProperty("citysafety/aggregation", mode)
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
    # All statistics, the defaults: QGIS 3.44's Python takes any explicit ``stats`` argument as
    # the int overload deprecated since 3.40 (measured: even Qgis.RasterBandStatistic.Max).
    # The raster is small.
    stats = layer.dataProvider().bandStatistics(band)
    top = stats.maximumValue
    if not math.isfinite(top) or top <= 0:
        top = 1.0  # an all-zero raster: everything transparent
    renderer = renderer.clone()
    # setInputBand from QGIS 3.38; setBand before (deprecated by then)
    (renderer.setInputBand if hasattr(renderer, "setInputBand") else renderer.setBand)(band)
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


def style_district_outline(layer: QgsVectorLayer) -> None:
    """District boundaries and names (district_outline.qml), drawn over the grid."""
    _load(layer, DISTRICT_OUTLINE_QML)


def show_aggregation(group: QgsLayerTreeGroup, mode: str, rules: Rules) -> None:
    """Show what the panel chose between the city and the street in the risk map ``group``:
    the grid by worst level or by level-1 count, or the density raster in its place."""
    if mode not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {mode!r}; expected one of {AGGREGATIONS}")
    for node in group.findLayers():
        layer = node.layer()
        if layer is None:
            continue
        if isinstance(layer, QgsVectorLayer) and source_table(layer) == "risk_grid":
            node.setItemVisibilityChecked(mode != AGGREGATION_DENSITY)
            if mode != AGGREGATION_DENSITY and layer.customProperty("citysafety/aggregation") != mode:
                style_grid(layer, rules, mode)
        elif isinstance(layer, QgsRasterLayer) and layer.name() == DENSITY_LAYER_NAME:
            node.setItemVisibilityChecked(mode == AGGREGATION_DENSITY)


# --- layer tree and scales --------------------------------------------------------------

def style_changes(layer: QgsVectorLayer) -> None:
    """round_changes: a marker per change (round_changes.qml, scripts/make_styles.py)."""
    _load(layer, CHANGES_QML)


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
    ``set_scale_visibility(points, points_below, 0)``; district boundaries:
    ``set_scale_visibility(layer, 0, DISTRICT_OUTLINE_VISIBLE_ABOVE)``.
    """
    lo, hi = float(min_scale or 0), float(max_scale or 0)
    if lo and hi and lo <= hi:
        raise ValueError(f"min_scale 1:{lo:g} must be more zoomed out (larger) than max_scale 1:{hi:g}")
    layer.setScaleBasedVisibility(True)
    layer.setMinimumScale(lo)
    layer.setMaximumScale(hi)

"""Build the QML style templates in resources/styles/ with PyQGIS (real QGIS QML).

    cd /work/main && QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_styles.py

Writes risk_map.qml (unit points), risk_density.qml (risk-density raster) and
district_summary.qml (district polygons). Re-runnable; the output is the same every time
for the same QGIS version. plugin/layers/styling.py loads these templates and fills
in what depends on the rules file and on the data.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Qt writes XML attributes in hash order; a fixed seed keeps the QML byte-identical from
# run to run, so a re-run shows no diff. No .aux.xml for the scratch raster.
os.environ["QT_HASH_SEED"] = "0"
os.environ["GDAL_PAM_ENABLED"] = "NO"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qgis.core import (
    QgsApplication,
    QgsBilinearRasterResampler,
    QgsCategorizedSymbolRenderer,
    QgsClassificationQuantile,
    QgsColorRampShader,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFillSymbol,
    QgsGeometry,
    QgsGradientColorRamp,
    QgsGradientStop,
    QgsGraduatedSymbolRenderer,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPointXY,
    QgsProperty,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRendererCategory,
    QgsRuleBasedLabeling,
    QgsRuleBasedRenderer,
    QgsSimpleFillSymbolLayer,
    QgsSimpleMarkerSymbolLayer,
    QgsSimpleMarkerSymbolLayerBase,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import Qt, QVariant
from qgis.PyQt.QtGui import QColor, QFont

from plugin.core.mapping.aggregate import BANDS, LEVEL1_DENSITY_CLASSES, LEVEL1_SPARSE_BEYOND

# --- the decisions, in one place ---------------------------------------------------------

FONT_FAMILY = "Noto Sans CJK SC"  # CJK-capable; Debian fonts-noto-cjk
LEVEL_SIZE_MM = {1: 4.2, 2: 3.4, 3: 2.8, 4: 2.4}  # level 1 largest
UNSCORED_SIZE_MM = 2.0
UNSCORED_COLOUR = QColor(158, 158, 158)
MARKER_STROKE = QColor(64, 64, 64)
MARKER_STROKE_MM = 0.2
# Unit names are labelled for level 1 from district scale (1:50,000) in, for level 2 from
# 1:25,000 (where a megacity's level-2 points do not show yet: the layer's scale range, set per
# city by the loader, decides). One candidate position per label (right of the point): at
# 1:50,000 a screen of the seed-scale city's centre holds about 3,000 level-1 units, and eight
# candidates each took 2.8 s to place against 1.5 s (docs/benchmarks.md).
LABEL_LEVELS = {1: dict(size=9.0, bold=True, priority=9, min_scale=50_000),
                2: dict(size=8.0, bold=False, priority=6, min_scale=25_000)}
LABEL_COLOUR = QColor(33, 33, 33)
DISTRICT_LABEL_COLOUR = QColor(66, 66, 66)
BUFFER_MM = 0.8
DENSITY_OPACITY = 0.75
# Density ramp: (fraction of max, colour). 0 is fully transparent; white → yellow → orange → red.
DENSITY_RAMP = [
    (0.00, QColor(255, 255, 255, 0)),
    (0.05, QColor(255, 255, 229)),
    (0.30, QColor(255, 215, 0)),
    (0.60, QColor(255, 140, 0)),
    (1.00, QColor(230, 0, 18)),
]
DISTRICT_ALPHA = 170  # fills semi-transparent, outlines opaque
DISTRICT_RAMP = [  # YlOrRd
    (0.00, QColor(255, 255, 178, DISTRICT_ALPHA)),
    (0.25, QColor(254, 204, 92, DISTRICT_ALPHA)),
    (0.50, QColor(253, 141, 60, DISTRICT_ALPHA)),
    (0.75, QColor(240, 59, 32, DISTRICT_ALPHA)),
    (1.00, QColor(189, 0, 38, DISTRICT_ALPHA)),
]
DISTRICT_OUTLINE = QColor(128, 128, 128)
DISTRICT_OUTLINE_MM = 0.4
DISTRICT_BOUNDARY = QColor(60, 60, 60)  # district_outline.qml: over the grid
DISTRICT_BOUNDARY_MM = 0.5


def _text_format(size: float, colour: QColor, bold: bool = False) -> QgsTextFormat:
    fmt = QgsTextFormat()
    font = QFont(FONT_FAMILY)
    font.setBold(bold)
    fmt.setFont(font)
    fmt.setSize(size)
    fmt.setSizeUnit(QgsUnitTypes.RenderUnit.RenderPoints)
    fmt.setColor(colour)
    buf = QgsTextBufferSettings()
    buf.setEnabled(True)
    buf.setSize(BUFFER_MM)
    buf.setSizeUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    buf.setColor(QColor(255, 255, 255))
    buf.setOpacity(0.9)
    fmt.setBuffer(buf)
    return fmt


def _marker(colour: QColor, size: float, shape_expr: str) -> QgsMarkerSymbol:
    sl = QgsSimpleMarkerSymbolLayer(QgsSimpleMarkerSymbolLayerBase.Shape.Circle, size)
    sl.setColor(colour)
    sl.setStrokeColor(MARKER_STROKE)
    sl.setStrokeWidth(MARKER_STROKE_MM)
    sl.setStrokeWidthUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    sl.setSizeUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    sl.setDataDefinedProperty(QgsSymbolLayer.Property.PropertyName, QgsProperty.fromExpression(shape_expr))
    sym = QgsMarkerSymbol()
    sym.changeSymbolLayer(0, sl)
    return sym


def _save(layer, path: Path) -> None:
    from plugin.layers.styling import STYLE_CATEGORIES

    path.parent.mkdir(parents=True, exist_ok=True)
    message, ok = layer.saveNamedStyle(str(path), STYLE_CATEGORIES)
    if not ok:
        raise SystemExit(f"cannot write {path}: {message}")
    print(f"wrote {path.relative_to(ROOT)}")


def risk_map(path: Path) -> None:
    from plugin.core.rules import load_rules
    from plugin.layers.styling import LEVEL_FIELD, UNSCORED_LABEL, level_label, shape_expression

    rules = load_rules()
    layer = QgsVectorLayer("Point?crs=EPSG:4490", "risk_map", "memory")
    layer.dataProvider().addAttributes([
        QgsField("unit_code", QVariant.String), QgsField("name", QVariant.String),
        QgsField("sector", QVariant.String), QgsField("sector_zh", QVariant.String),
        QgsField("level", QVariant.Int), QgsField("level_zh", QVariant.String),
        QgsField("major_hazard", QVariant.Int)])
    layer.updateFields()

    expr = shape_expression(rules.sectors)
    # One rule per level and the unscored; the loader shows the layer from the city's own
    # points scale in (further out: the level-1 layer and the aggregation grid).
    root = QgsRuleBasedRenderer.Rule(None)
    root.setRuleKey("root")
    for i, lv in sorted(rules.levels.items()):
        marker = _marker(QColor(lv.colour), LEVEL_SIZE_MM[i], expr)
        if i == 1:
            marker.symbolLayer(0).setDataDefinedProperty(
                QgsSymbolLayer.Property.PropertySize, QgsProperty.fromExpression(
                    f"CASE WHEN @map_scale > {LEVEL1_SPARSE_BEYOND} THEN {LEVEL1_SMALL_SIZE_MM} "
                    f"ELSE {LEVEL_SIZE_MM[1]} END"))
        rule = QgsRuleBasedRenderer.Rule(marker, 0, 0, f'"{LEVEL_FIELD}" = {i}', level_label(lv))
        rule.setRuleKey(f"level{i}")
        root.appendChild(rule)
    rule = QgsRuleBasedRenderer.Rule(_marker(UNSCORED_COLOUR, UNSCORED_SIZE_MM, expr), 0, 0, "ELSE", UNSCORED_LABEL)
    rule.setRuleKey("unscored")
    root.appendChild(rule)
    renderer = QgsRuleBasedRenderer(root)
    # level 1 drawn last, i.e. on top: NULL first, then 4, 3, 2, 1
    renderer.setOrderBy(QgsFeatureRequest.OrderBy(
        [QgsFeatureRequest.OrderByClause(f'"{LEVEL_FIELD}"', False, True)]))
    renderer.setOrderByEnabled(True)
    layer.setRenderer(renderer)

    root = QgsRuleBasedLabeling.Rule(None)
    root.setRuleKey("root")  # fixed keys instead of random UUIDs: a re-run gives the same file
    for level, opts in LABEL_LEVELS.items():
        s = QgsPalLayerSettings()
        s.fieldName = "name"
        s.isExpression = False
        s.placement = QgsPalLayerSettings.Placement.OverPoint
        s.quadOffset = QgsPalLayerSettings.QuadrantPosition.QuadrantRight
        s.xOffset = 2.5  # mm: clear of the largest marker (4.2 mm)
        s.offsetUnits = QgsUnitTypes.RenderUnit.RenderMillimeters
        s.distUnits = QgsUnitTypes.RenderUnit.RenderMillimeters
        s.priority = opts["priority"]
        s.setFormat(_text_format(opts["size"], LABEL_COLOUR, opts["bold"]))
        rule = QgsRuleBasedLabeling.Rule(s, 0, opts["min_scale"], f'"{LEVEL_FIELD}" = {level}',
                                         f"{level} {rules.levels[level].zh} {rules.levels[level].en}")
        rule.setRuleKey(f"level{level}")
        root.appendChild(rule)
    layer.setLabeling(QgsRuleBasedLabeling(root))
    layer.setLabelsEnabled(True)
    _save(layer, path)


def risk_density(path: Path) -> None:
    # A throw-away float raster (ESRI ASCII grid) to hang the renderer on.
    with tempfile.TemporaryDirectory() as tmp:
        asc = Path(tmp) / "density.asc"
        asc.write_text("ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n"
                       "0.0 0.5\n0.25 1.0\n", encoding="ascii")
        layer = QgsRasterLayer(str(asc), "risk_density", "gdal")
        if not layer.isValid():
            raise SystemExit("cannot open the scratch raster")
        fn = QgsColorRampShader(0.0, 1.0)  # placeholders: styling.style_density rescales to 0 → max
        fn.setColorRampType(QgsColorRampShader.Type.Interpolated)
        fn.setClassificationMode(QgsColorRampShader.ClassificationMode.Continuous)
        fn.setClip(False)
        (_, c1), *mid, (_, c2) = DENSITY_RAMP
        fn.setSourceColorRamp(QgsGradientColorRamp(c1, c2, False, [QgsGradientStop(f, c) for f, c in mid]))
        fn.setColorRampItemList([QgsColorRampShader.ColorRampItem(f, c, f"{f:g}") for f, c in DENSITY_RAMP])
        shader = QgsRasterShader(0.0, 1.0)
        shader.setRasterShaderFunction(fn)
        renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
        renderer.setClassificationMin(0.0)
        renderer.setClassificationMax(1.0)
        renderer.setOpacity(DENSITY_OPACITY)
        layer.setRenderer(renderer)
        layer.resampleFilter().setZoomedInResampler(QgsBilinearRasterResampler())
        _save(layer, path)


def district_summary(path: Path) -> None:
    from plugin.layers.styling import (
        DISTRICT_CLASSES,
        DISTRICT_LABEL_FORMAT,
        DISTRICT_LABEL_PRECISION,
        RISK_INDEX_FIELD,
    )

    layer = QgsVectorLayer("Polygon?crs=EPSG:4490", "district_summary", "memory")
    fields = [QgsField("district", QVariant.String)]
    fields += [QgsField(f"n_level{i}", QVariant.Int) for i in (1, 2, 3, 4)]
    fields += [QgsField("worst_level", QVariant.Int), QgsField(RISK_INDEX_FIELD, QVariant.Double)]
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    feats = []
    for i, v in enumerate((0, 25, 50, 75, 100)):  # placeholder values: breaks are recomputed per layer
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPolygonXY([[QgsPointXY(i, 0), QgsPointXY(i + 1, 0), QgsPointXY(i + 1, 1),
                                                  QgsPointXY(i, 1), QgsPointXY(i, 0)]]))
        f["district"], f[RISK_INDEX_FIELD] = f"d{i}", float(v)
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    layer.updateExtents()

    fill = QgsSimpleFillSymbolLayer(DISTRICT_RAMP[0][1], strokeColor=DISTRICT_OUTLINE, strokeWidth=DISTRICT_OUTLINE_MM)
    fill.setStrokeWidthUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    symbol = QgsFillSymbol()
    symbol.changeSymbolLayer(0, fill)
    (_, c1), *mid, (_, c2) = DISTRICT_RAMP
    renderer = QgsGraduatedSymbolRenderer(RISK_INDEX_FIELD)
    renderer.setSourceSymbol(symbol)
    renderer.setSourceColorRamp(QgsGradientColorRamp(c1, c2, False, [QgsGradientStop(f, c) for f, c in mid]))
    method = QgsClassificationQuantile()
    method.setLabelFormat(DISTRICT_LABEL_FORMAT)
    method.setLabelPrecision(DISTRICT_LABEL_PRECISION)
    method.setLabelTrimTrailingZeroes(True)
    renderer.setClassificationMethod(method)
    renderer.updateClasses(layer, DISTRICT_CLASSES)
    layer.setRenderer(renderer)

    s = QgsPalLayerSettings()
    s.fieldName = "district"
    s.isExpression = False
    s.placement = QgsPalLayerSettings.Placement.OverPoint
    s.centroidInside = True
    s.setFormat(_text_format(10.0, DISTRICT_LABEL_COLOUR))
    layer.setLabeling(QgsVectorLayerSimpleLabeling(s))
    layer.setLabelsEnabled(True)
    _save(layer, path)


GRID_ALPHA = 190  # cells semi-transparent: streets and names of the base map show through
GRID_OUTLINE = QColor(255, 255, 255, 140)
GRID_OUTLINE_MM = 0.1
GRID_EMPTY = QColor(200, 200, 200, 90)  # cells with units but none at level 1 (level-1 count view)
# Colours of the level-1 density classes (aggregate.LEVEL1_DENSITY_CLASSES: above 0, then each bound).
GRID_LEVEL1_COLOURS = (QColor(252, 187, 161), QColor(251, 106, 74), QColor(222, 45, 38), QColor(165, 15, 21))
# Level-1 points: smaller when zoomed out to the city (aggregate.LEVEL1_SPARSE_BEYOND).
LEVEL1_SMALL_SIZE_MM = 1.6


def _cell(colour: QColor) -> QgsFillSymbol:
    c = QColor(colour)
    if c.alpha() == 255:
        c.setAlpha(GRID_ALPHA)
    fill = QgsSimpleFillSymbolLayer(c, strokeColor=GRID_OUTLINE, strokeWidth=GRID_OUTLINE_MM)
    fill.setStrokeWidthUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    symbol = QgsFillSymbol()
    symbol.changeSymbolLayer(0, fill)
    return symbol


def _grid_layer():
    layer = QgsVectorLayer("Polygon?crs=EPSG:4490", "risk_grid", "memory")
    layer.dataProvider().addAttributes([QgsField("cell_m", QVariant.Int), QgsField("n_units", QVariant.Int),
                                        QgsField("n_level1", QVariant.Int), QgsField("worst_level", QVariant.Int)])
    layer.updateFields()
    return layer


def _band_rule(band) -> QgsRuleBasedRenderer.Rule:
    """A band of scales: no symbol of its own; its children colour the cells."""
    size = f"{band.cell_m / 1000:g} km" if band.cell_m >= 1000 else f"{band.cell_m} m"
    rule = QgsRuleBasedRenderer.Rule(None, band.max_scale, band.min_scale, f'"cell_m" = {band.cell_m}',
                                     f"{size} 网格 {size} cells")
    rule.setRuleKey(f"band{band.cell_m}")
    return rule


def _grid_style(path: Path, cells: list[tuple[str, QColor, str, str]]) -> None:
    """The aggregation grid: one parent rule per band of scales (aggregate.BANDS), under each
    the same cell rules, given as (key, colour, filter, legend label)."""
    layer = _grid_layer()
    root = QgsRuleBasedRenderer.Rule(None)
    root.setRuleKey("root")
    for band in BANDS:
        parent = _band_rule(band)
        for key, colour, expr, label in cells:
            child = QgsRuleBasedRenderer.Rule(_cell(colour), 0, 0, expr, label)
            child.setRuleKey(f"band{band.cell_m}_{key}")
            parent.appendChild(child)
        root.appendChild(parent)
    layer.setRenderer(QgsRuleBasedRenderer(root))
    _save(layer, path)


def risk_grid(path: Path) -> None:
    """The aggregation grid coloured by each cell's worst level (styling.style_grid fills in
    the rules' colours and level names)."""
    from plugin.core.rules import load_rules
    from plugin.layers.styling import UNSCORED_LABEL, level_label

    rules = load_rules()
    _grid_style(path, [*((f"level{i}", QColor(lv.colour), f'"worst_level" = {i}', level_label(lv))
                         for i, lv in sorted(rules.levels.items())),
                       ("unscored", UNSCORED_COLOUR, "ELSE", UNSCORED_LABEL)])


def risk_grid_level1(path: Path) -> None:
    """The aggregation grid coloured by each cell's level-1 units per km²
    (aggregate.LEVEL1_DENSITY_CLASSES)."""
    unit = " 重大风险单位/km² level-1 units per km²"
    bounds = (0.0, *LEVEL1_DENSITY_CLASSES, None)
    cells = [("l1_0", GRID_EMPTY, '"n_level1" = 0', "无重大风险单位 no level-1 unit")]
    for i, colour in enumerate(GRID_LEVEL1_COLOURS):
        lo, hi = bounds[i], bounds[i + 1]
        expr = f'"n_level1" > 0 AND "level1_per_km2" >= {lo:g}' + (
            f' AND "level1_per_km2" < {hi:g}' if hi is not None else "")
        label = f"< {hi:g}" if i == 0 else f"{lo:g}–{hi:g}" if hi is not None else f"≥ {lo:g}"
        cells.append((f"l1_{i + 1}", colour, expr, label + unit))
    _grid_style(path, cells)


def district_outline(path: Path) -> None:
    """District boundaries and names, no fill: drawn over the aggregation grid."""
    layer = QgsVectorLayer("Polygon?crs=EPSG:4490&field=district:string", "district_outline", "memory")
    fill = QgsSimpleFillSymbolLayer(QColor(0, 0, 0, 0), strokeColor=DISTRICT_BOUNDARY,
                                    strokeWidth=DISTRICT_BOUNDARY_MM)
    fill.setStrokeWidthUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    fill.setBrushStyle(Qt.BrushStyle.NoBrush)
    symbol = QgsFillSymbol()
    symbol.changeSymbolLayer(0, fill)
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    s = QgsPalLayerSettings()
    s.fieldName = "district"
    s.isExpression = False
    s.placement = QgsPalLayerSettings.Placement.OverPoint
    s.centroidInside = True
    s.setFormat(_text_format(10.0, DISTRICT_LABEL_COLOUR, True))
    layer.setLabeling(QgsVectorLayerSimpleLabeling(s))
    layer.setLabelsEnabled(True)
    _save(layer, path)


def hazard_receptor_links(path: Path) -> None:
    """Lines from hazard sources to the receptors within their reach, by sensitivity."""
    from qgis.core import QgsLineSymbol, QgsVectorLayer

    from plugin.layers.styling import LINK_COLOURS

    layer = QgsVectorLayer("LineString?crs=EPSG:4490&field=sensitivity:string&field=distance_m:double",
                           "links", "memory")
    cats = []
    for value, (label, rgb, width) in LINK_COLOURS.items():
        sym = QgsLineSymbol.createSimple({"line_color": ",".join(map(str, rgb)) + ",200", "line_width": str(width),
                                          "line_style": "dash" if value != "high" else "solid"})
        cats.append(QgsRendererCategory(value, sym, label))
    layer.setRenderer(QgsCategorizedSymbolRenderer("sensitivity", cats))
    _save(layer, path)


def cascade_edges(path: Path) -> None:
    """Escalation edges: an arrow from source to target, coloured by vector (heat red-orange,
    overpressure purple), width by probability (data-defined, 0.2–1.6 mm on a log scale)."""
    from qgis.core import (
        QgsArrowSymbolLayer,
        QgsFillSymbol,
        QgsLineSymbol,
        QgsProperty,
        QgsSymbolLayer,
        QgsVectorLayer,
    )

    from plugin.layers.styling import EDGE_COLOURS

    layer = QgsVectorLayer("LineString?crs=EPSG:4490&field=vector:string&field=probability:double",
                           "edges", "memory")
    width = "0.2 + 1.4 * scale_linear(log10(max(\"probability\", 1e-9)), -9, 0, 0, 1)"
    cats = []
    for value, (label, rgb) in EDGE_COLOURS.items():
        arrow = QgsArrowSymbolLayer()
        arrow.setIsCurved(False)
        arrow.setIsRepeated(False)
        arrow.setArrowWidth(0.4)
        arrow.setArrowStartWidth(0.4)
        arrow.setHeadLength(2.0)
        arrow.setHeadThickness(1.2)
        arrow.setSubSymbol(QgsFillSymbol.createSimple({"color": ",".join(map(str, rgb)) + ",210",
                                                       "outline_style": "no"}))
        arrow.setDataDefinedProperty(QgsSymbolLayer.Property.PropertyArrowWidth, QgsProperty.fromExpression(width))
        arrow.setDataDefinedProperty(QgsSymbolLayer.Property.PropertyArrowStartWidth, QgsProperty.fromExpression(width))
        sym = QgsLineSymbol()
        sym.changeSymbolLayer(0, arrow)
        cats.append(QgsRendererCategory(value, sym, label))
    layer.setRenderer(QgsCategorizedSymbolRenderer("vector", cats))
    _save(layer, path)


def round_changes(path: Path) -> None:
    """What changed between two survey rounds: a marker per change, the unchanged small and grey
    and drawn first, the rest over them."""
    from qgis.core import QgsVectorLayer

    from plugin.layers.styling import CHANGE_STYLES

    layer = QgsVectorLayer("Point?crs=EPSG:4490&field=change:string&field=change_zh:string", "changes", "memory")
    cats = []
    for value, (label, rgb, shape, size) in CHANGE_STYLES.items():
        sl = QgsSimpleMarkerSymbolLayer(QgsSimpleMarkerSymbolLayerBase.decodeShape(shape)[0], size)
        sl.setColor(QColor(*rgb))
        sl.setStrokeColor(MARKER_STROKE)
        sl.setStrokeWidth(MARKER_STROKE_MM)
        sl.setStrokeWidthUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
        sl.setSizeUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
        sym = QgsMarkerSymbol()
        sym.changeSymbolLayer(0, sl)
        cats.append(QgsRendererCategory(value, sym, label))
    renderer = QgsCategorizedSymbolRenderer("change", cats)
    renderer.setOrderBy(QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause(
        "CASE WHEN \"change\" = 'same' THEN 0 ELSE 1 END", True)]))
    renderer.setOrderByEnabled(True)
    layer.setRenderer(renderer)
    _save(layer, path)


def main() -> None:
    from plugin.layers.styling import (
        CHANGES_QML,
        DENSITY_QML,
        DISTRICT_OUTLINE_QML,
        DISTRICTS_QML,
        EDGES_QML,
        GRID_LEVEL1_QML,
        GRID_QML,
        LINKS_QML,
        RISK_MAP_QML,
    )

    risk_map(RISK_MAP_QML)
    risk_grid(GRID_QML)
    risk_grid_level1(GRID_LEVEL1_QML)
    risk_density(DENSITY_QML)
    district_summary(DISTRICTS_QML)
    district_outline(DISTRICT_OUTLINE_QML)
    hazard_receptor_links(LINKS_QML)
    cascade_edges(EDGES_QML)
    round_changes(CHANGES_QML)


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    try:
        main()
    finally:
        app.exitQgis()

"""Styling of the risk map's layers (plugin/layers/styling.py) and the QML templates
in resources/styles/: colours and labels from the rules file, shapes by sector, feature
order, label scales, the density ramp, district classes, the layer-tree group — and a
rendered image that proves the style draws."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.common import ROOT

RULES_COLOURS = {1: (230, 0, 18), 2: (255, 140, 0), 3: (255, 215, 0), 4: (0, 112, 192)}

# (unit_code, name, sector, sector_zh, level, level_zh, major_hazard, x, y) — EPSG:3857 metres
UNITS = [
    ("U1", "一号化工厂", "hazchem", "危险化学品", 1, "重大风险", 1, 12_690_000, 2_575_000),
    ("U2", "二号燃气站", "gas", "燃气", 2, "较大风险", 0, 12_690_600, 2_575_300),
    ("U3", "三号工厂", "industry", "工贸", 3, "一般风险", 0, 12_689_500, 2_575_500),
    ("U4", "四号工地", "construction", "建设施工", 4, "低风险", 0, 12_690_300, 2_574_500),
    ("U5", "五号车站", "transport", "交通运输", 1, "重大风险", 0, 12_689_400, 2_574_600),
    ("U6", "六号商场", "fire", "消防", None, None, 0, 12_690_700, 2_574_700),
]


@pytest.fixture
def rules():
    from plugin.core.rules import load_rules

    return load_rules()


def _points():
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer("Point?crs=EPSG:3857", "units", "memory")
    layer.dataProvider().addAttributes([
        QgsField("unit_code", QVariant.String), QgsField("name", QVariant.String),
        QgsField("sector", QVariant.String), QgsField("sector_zh", QVariant.String),
        QgsField("level", QVariant.Int), QgsField("level_zh", QVariant.String),
        QgsField("major_hazard", QVariant.Int)])
    layer.updateFields()
    feats = []
    for *attrs, x, y in UNITS:
        f = QgsFeature(layer.fields())
        f.setAttributes(list(attrs))
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    layer.updateExtents()
    assert layer.featureCount() == 6
    return layer


def _rgb(colour) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def _level_categories(renderer):
    """The risk map's rules by level (None: the unscored ELSE rule)."""
    from plugin.layers.styling import _level_of_key

    return {_level_of_key(r.ruleKey()): r for r in renderer.rootRule().children()}


def test_templates_are_qgis_qml():
    from plugin.layers.styling import DENSITY_QML, DISTRICTS_QML, RISK_MAP_QML, STYLES

    assert STYLES == ROOT / "resources" / "styles"
    for p in (RISK_MAP_QML, DENSITY_QML, DISTRICTS_QML):
        text = p.read_text(encoding="utf-8")
        assert re.search(r'<qgis [^>]*version="3\.22', text), p.name
    assert 'fontFamily="Noto Sans CJK SC"' in RISK_MAP_QML.read_text(encoding="utf-8")


def test_risk_layer_categories_colours_labels(qgis_app, rules):
    from qgis.core import QgsRuleBasedRenderer

    from plugin.layers.styling import UNSCORED_LABEL, style_risk_layer

    layer = _points()
    style_risk_layer(layer, rules)
    r = layer.renderer()
    assert isinstance(r, QgsRuleBasedRenderer)
    cats = _level_categories(r)
    assert sorted(k for k in cats if k is not None) == [1, 2, 3, 4]
    assert [cats[k].filterExpression() for k in (1, 2, 3, 4)] == [f'"level" = {k}' for k in (1, 2, 3, 4)]
    assert None in cats and cats[None].isElse() and len(r.rootRule().children()) == 5
    # no scale limits of their own: the loader shows the layer from the city's points scale in
    assert all(cats[k].minimumScale() == 0 and cats[k].maximumScale() == 0 for k in cats)
    assert r.orderByEnabled() and "level" in r.orderBy().dump()
    for lv, rgb in RULES_COLOURS.items():
        assert _rgb(cats[lv].symbol().color()) == rgb
        assert cats[lv].label().startswith(str(lv))
    assert "重大风险" in cats[1].label() and "major risk" in cats[1].label()
    assert "低风险" in cats[4].label() and "low risk" in cats[4].label()
    assert cats[None].label() == UNSCORED_LABEL
    assert _rgb(cats[None].symbol().color()) == (158, 158, 158)
    # level 1 largest
    sizes = [cats[lv].symbol().size() for lv in (1, 2, 3, 4)]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    # every feature finds its category: the unscored one catches NULL
    from qgis.core import QgsRenderContext

    def symbols(scale):
        ctx = QgsRenderContext()
        ctx.setRendererScale(scale)
        r.startRender(ctx, layer.fields())
        try:
            return {f["unit_code"]: (lambda s: _rgb(s[0].color()) if s else None)(r.symbolsForFeature(f, ctx))
                    for f in layer.getFeatures()}
        finally:
            r.stopRender(ctx)

    got = symbols(2_000)
    assert got["U1"] == RULES_COLOURS[1] and got["U4"] == RULES_COLOURS[4] and got["U6"] == (158, 158, 158)
    assert symbols(300_000) == got


def test_edited_rules_change_the_map(qgis_app, rules, tmp_path):
    from plugin.core.rules import DEFAULT_RULES, load_rules
    from plugin.layers.styling import style_risk_layer

    text = DEFAULT_RULES.read_text(encoding="utf-8")
    text = text.replace('colour = "#E60012"', 'colour = "#8B008B"').replace('en = "major risk"', 'en = "extreme"')
    text = text.replace('symbol = "star"', 'symbol = "octagon"')
    edited = tmp_path / "edited.toml"
    edited.write_text(text, encoding="utf-8")
    custom = load_rules(edited)
    layer = _points()
    style_risk_layer(layer, custom)
    cats = _level_categories(layer.renderer())
    assert _rgb(cats[1].symbol().color()) == (139, 0, 139)
    assert cats[1].label() == "1 重大风险 extreme"
    assert _rgb(cats[2].symbol().color()) == RULES_COLOURS[2]
    expr = _shape_expression(cats[1].symbol())
    assert "'special_equipment' THEN 'octagon'" in expr
    # and back to the defaults: the template is reloaded, not edited in place
    style_risk_layer(layer, rules)
    assert _rgb(_level_categories(layer.renderer())[1].symbol().color()) == RULES_COLOURS[1]


def _shape_expression(symbol) -> str:
    from qgis.core import QgsSymbolLayer

    prop = symbol.symbolLayer(0).dataDefinedProperties().property(QgsSymbolLayer.Property.PropertyName)
    assert prop.isActive()
    return prop.expressionString()


def test_shapes_by_sector(qgis_app, rules):
    from qgis.core import QgsExpression, QgsExpressionContext, QgsExpressionContextUtils

    from plugin.layers.styling import style_risk_layer

    layer = _points()
    style_risk_layer(layer, rules)
    for cat in layer.renderer().rootRule().children():
        expr = _shape_expression(cat.symbol())
        for sid, s in rules.sectors.items():
            assert f"'{sid}' THEN '{s.symbol}'" in expr
    # the expression evaluates to the rules' shape for each feature
    e = QgsExpression(expr)
    ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    for f in layer.getFeatures():
        ctx.setFeature(f)
        assert e.evaluate(ctx) == rules.sectors[f["sector"]].symbol, e.evalErrorString()


def test_unknown_shape_falls_back_to_circle(qgis_app):
    from plugin.layers.styling import marker_shape

    assert marker_shape("pentagon") == "pentagon"
    assert marker_shape("no-such-shape") == "circle"


def test_order_and_labels(qgis_app, rules):
    from qgis.core import QgsRuleBasedLabeling

    from plugin.layers.styling import style_risk_layer

    layer = _points()
    style_risk_layer(layer, rules)
    r = layer.renderer()
    assert r.orderByEnabled()
    clauses = r.orderBy().list()
    assert len(clauses) == 1
    assert clauses[0].expression().expression().strip('"') == "level"
    assert not clauses[0].ascending() and clauses[0].nullsFirst()

    assert layer.labelsEnabled()
    labeling = layer.labeling()
    assert isinstance(labeling, QgsRuleBasedLabeling)
    rules_ = labeling.rootRule().children()
    assert [x.filterExpression() for x in rules_] == ['"level" = 1', '"level" = 2']
    # level 1 named from district scale in, level 2 where its points show
    assert [(x.minimumScale(), x.maximumScale()) for x in rules_] == [(50_000, 0), (25_000, 0)]
    for rule in rules_:
        assert rule.dependsOnScale()
        s = rule.settings()
        assert s.fieldName == "name"
        fmt = s.format()
        assert fmt.font().family() == "Noto Sans CJK SC"
        assert fmt.buffer().enabled() and _rgb(fmt.buffer().color()) == (255, 255, 255)


def test_density(qgis_app, tmp_path):
    import rasterio
    from qgis.core import QgsRasterLayer, QgsSingleBandPseudoColorRenderer
    from rasterio.transform import from_origin

    from plugin.layers.styling import style_density

    data = np.linspace(0, 10, 121, dtype="float32").reshape(11, 11)
    path = tmp_path / "density.tif"
    with rasterio.open(path, "w", driver="GTiff", width=11, height=11, count=1, dtype="float32",
                       crs="EPSG:3857", transform=from_origin(12_689_000, 2_576_000, 100, 100)) as dst:
        dst.write(data, 1)
    layer = QgsRasterLayer(str(path), "density", "gdal")
    assert layer.isValid()
    style_density(layer)
    r = layer.renderer()
    assert isinstance(r, QgsSingleBandPseudoColorRenderer)
    assert r.classificationMin() == 0 and r.classificationMax() == pytest.approx(10)
    assert r.opacity() == pytest.approx(0.75)
    fn = r.shader().rasterShaderFunction()
    assert fn.minimumValue() == 0 and fn.maximumValue() == pytest.approx(10)
    items = fn.colorRampItemList()
    assert items[0].value == 0 and items[0].color.alpha() == 0  # zero density is transparent
    assert items[-1].value == pytest.approx(10) and _rgb(items[-1].color) == (230, 0, 18)
    assert [i.value for i in items] == sorted(i.value for i in items)
    # the ramp really goes transparent → pale → yellow → orange → red
    assert _qcolor(fn.shade(0.0)).alpha() == 0
    assert _rgb(_qcolor(fn.shade(3.0))) == (255, 215, 0)
    assert _rgb(_qcolor(fn.shade(6.0))) == (255, 140, 0)
    assert _rgb(_qcolor(fn.shade(10.0))) == (230, 0, 18)


def _qcolor(shade):
    from qgis.PyQt.QtGui import QColor

    ok, red, green, blue, alpha = shade
    assert ok
    return QColor(red, green, blue, alpha)


def test_districts(qgis_app):
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsGraduatedSymbolRenderer, QgsPointXY, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    from plugin.layers.styling import style_districts

    layer = QgsVectorLayer("Polygon?crs=EPSG:3857", "districts", "memory")
    layer.dataProvider().addAttributes(
        [QgsField("district", QVariant.String)] + [QgsField(f"n_level{i}", QVariant.Int) for i in (1, 2, 3, 4)]
        + [QgsField("worst_level", QVariant.Int), QgsField("risk_index", QVariant.Double)])
    layer.updateFields()
    values = [0.0, 3.5, 7.0, 12.0, 20.0, 41.0, 41.0, None]
    feats = []
    for i, v in enumerate(values):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPolygonXY([[QgsPointXY(i, 0), QgsPointXY(i + 1, 0), QgsPointXY(i + 1, 1),
                                                  QgsPointXY(i, 1), QgsPointXY(i, 0)]]))
        f["district"], f["risk_index"], f["worst_level"] = f"区{i}", v, 1 + i % 4
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    style_districts(layer)
    r = layer.renderer()
    assert isinstance(r, QgsGraduatedSymbolRenderer)
    assert r.classAttribute() == "risk_index"
    ranges = r.ranges()
    assert 2 <= len(ranges) <= 5
    assert ranges[0].lowerValue() <= 0.0 and ranges[-1].upperValue() >= 41.0
    for a, b in zip(ranges, ranges[1:]):
        assert a.upperValue() == pytest.approx(b.lowerValue())
    for v in (x for x in values if x is not None):
        assert any(rg.lowerValue() <= v <= rg.upperValue() for rg in ranges), v
    # yellow → red, fills semi-transparent, outlines grey and opaque
    first, last = ranges[0].symbol(), ranges[-1].symbol()
    assert first.color().green() > last.color().green()
    assert 0 < first.color().alpha() < 255
    assert _rgb(first.symbolLayer(0).strokeColor()) == (128, 128, 128)
    assert layer.labelsEnabled() and layer.labeling().settings().fieldName == "district"


def test_districts_few_values(qgis_app):
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    from plugin.layers.styling import style_districts

    layer = QgsVectorLayer("Polygon?crs=EPSG:3857", "districts", "memory")
    layer.dataProvider().addAttributes([QgsField("district", QVariant.String), QgsField("risk_index", QVariant.Double)])
    layer.updateFields()
    for i, v in enumerate((5.0, 5.0, 9.0)):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPolygonXY([[QgsPointXY(i, 0), QgsPointXY(i + 1, 0), QgsPointXY(i, 1),
                                                  QgsPointXY(i, 0)]]))
        f.setAttributes([f"区{i}", v])
        layer.dataProvider().addFeature(f)
    style_districts(layer)
    r = layer.renderer()
    ranges = r.ranges()
    uppers = [rg.upperValue() for rg in ranges]
    assert uppers == sorted(set(uppers))  # no class repeated or hidden behind another
    assert ranges[0].lowerValue() <= 5.0 and ranges[-1].upperValue() >= 9.0
    assert "–" in ranges[-1].label()
    # each value drawn with a symbol of its own class
    assert r.rangeForValue(5.0) is not None and r.rangeForValue(9.0) is not None


def test_add_to_group_twice(qgis_app, qgis_new_project):
    from qgis.core import QgsApplication, QgsProject

    from plugin.layers.styling import GROUP_NAME, add_to_group

    project = QgsProject.instance()
    root = project.layerTreeRoot()
    users = _points()
    users.setName("用户自己的图层")
    project.addMapLayer(users)  # a user's layer at the root stays where it is

    def layers():
        out = [_points(), _points(), _points()]
        for layer, name in zip(out, ("units", "density", "districts")):
            layer.setName(name)
        return out

    def settle():  # the layer tree removes layers from the project through queued calls
        for _ in range(3):
            QgsApplication.processEvents()

    first = layers()
    add_to_group(project, first)
    settle()
    second = layers()
    project.addMapLayer(second[1])  # already at the root: moved into the group, not duplicated
    group = add_to_group(project, second)
    settle()
    groups = [g for g in root.findGroups(True) if g.name() == GROUP_NAME]
    assert len(groups) == 1 and root.children()[0] is groups[0] is group
    assert [n.layerId() for n in group.children()] == [x.id() for x in second]
    assert [n.name() for n in group.children()] == ["units", "density", "districts"]
    assert set(project.mapLayers()) == {x.id() for x in second} | {users.id()}  # the first run's are gone
    assert len(root.findLayers()) == 4 and root.findLayer(users.id()).parent() is root

    # the same layer objects again, in another order: kept, not removed with the old group
    group = add_to_group(project, list(reversed(second)))
    settle()
    assert [n.layerId() for n in group.children()] == [x.id() for x in reversed(second)]
    assert all(project.mapLayer(x.id()) is x for x in second)
    assert len(project.mapLayers()) == 4 and len(root.findLayers()) == 4
    assert len([g for g in root.findGroups(True) if g.name() == GROUP_NAME]) == 1


def test_scale_visibility(qgis_app):
    from plugin.core.mapping.aggregate import POINTS_VISIBLE_BELOW
    from plugin.layers.styling import DISTRICT_OUTLINE_VISIBLE_ABOVE, set_scale_visibility

    points, overview = _points(), _points()
    set_scale_visibility(points, POINTS_VISIBLE_BELOW, 0)
    set_scale_visibility(overview, 0, DISTRICT_OUTLINE_VISIBLE_ABOVE)
    assert points.hasScaleBasedVisibility() and overview.hasScaleBasedVisibility()
    assert points.isInScaleRange(2_000) and points.isInScaleRange(1_000)
    assert not points.isInScaleRange(50_000)
    assert overview.isInScaleRange(100_000) and overview.isInScaleRange(1_000_000)
    assert not overview.isInScaleRange(10_000)
    with pytest.raises(ValueError):
        set_scale_visibility(points, 1_000, 50_000)


def _render(layers, extent, size=(480, 480), dpi=96):
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage

    ms = QgsMapSettings()
    ms.setLayers(layers)
    ms.setDestinationCrs(layers[0].crs())
    ms.setOutputSize(QSize(*size))
    ms.setOutputDpi(dpi)
    ms.setBackgroundColor(QColor(255, 255, 255))
    ms.setExtent(extent)
    job = QgsMapRendererSequentialJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage().convertToFormat(QImage.Format.Format_RGBA8888)
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    arr = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
    return img, arr.reshape(img.height(), img.width(), 4).copy(), ms.scale()


def _has(arr, rgb) -> int:
    return int(np.all(arr[:, :, :3] == np.array(rgb, dtype=np.uint8), axis=2).sum())


def test_styled_points_render(qgis_app, rules, tmp_path):
    from plugin.layers.styling import style_risk_layer

    layer = _points()
    style_risk_layer(layer, rules)
    extent = layer.extent()
    extent.grow(500)
    img, arr, scale = _render([layer], extent)
    img.save(str(tmp_path / "risk_map.png"))
    assert 10_000 < scale < 50_000
    for lv in (1, 2, 3, 4):
        assert _has(arr, RULES_COLOURS[lv]) > 10, f"no pixel of level {lv}"
    assert _has(arr, (158, 158, 158)) > 5  # the unscored unit
    # level 1 is the largest marker
    assert _has(arr, RULES_COLOURS[1]) / 2 > _has(arr, RULES_COLOURS[4])


def test_density_and_districts_render(qgis_app, tmp_path):
    import rasterio
    from qgis.core import QgsRasterLayer
    from rasterio.transform import from_origin

    from plugin.layers.styling import style_density

    yy, xx = np.mgrid[0:40, 0:40]
    data = (10 * np.exp(-((xx - 20) ** 2 + (yy - 20) ** 2) / 60.0)).astype("float32")
    data[data < 0.01] = 0
    path = tmp_path / "density.tif"
    with rasterio.open(path, "w", driver="GTiff", width=40, height=40, count=1, dtype="float32",
                       crs="EPSG:3857", transform=from_origin(0, 4000, 100, 100)) as dst:
        dst.write(data, 1)
    layer = QgsRasterLayer(str(path), "density", "gdal")
    style_density(layer)
    img, arr, _ = _render([layer], layer.extent(), size=(200, 200))
    img.save(str(tmp_path / "density.png"))
    assert tuple(arr[2, 2, :3]) == (255, 255, 255)  # zero density: the white background shows
    centre = arr[100, 100, :3].astype(int)
    assert centre[0] > 200 and centre[1] < 120  # red-ish through the 0.75 opacity


def _grid_layer():
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer("Polygon?crs=EPSG:4490&field=cell_m:integer&field=n_units:integer"
                           "&field=n_level1:integer&field=n_level2:integer&field=n_level3:integer"
                           "&field=n_level4:integer&field=n_unscored:integer&field=worst_level:integer"
                           "&field=level1_per_km2:double",
                           "risk_grid", "memory")
    feats = []
    for i, (cell, worst, n1) in enumerate(((2000, 1, 3), (2000, 4, 0), (500, 2, 0))):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromWkt(f"POLYGON(({i} 0,{i + 1} 0,{i + 1} 1,{i} 1,{i} 0))"))
        f.setAttributes([cell, 10, n1, 0, 0, 10 - n1, 0, worst, n1 / (3 ** 0.5 / 2 * cell ** 2 / 1e6)])
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def test_grid_by_worst_level_and_by_level_1_count(qgis_app, rules):
    from qgis.core import QgsRenderContext

    from plugin.core.mapping.aggregate import BANDS
    from plugin.layers.styling import AGGREGATION_LEVEL1, AGGREGATION_WORST, GRID_ALPHA, style_grid

    layer = _grid_layer()
    style_grid(layer, rules, AGGREGATION_WORST)
    r = layer.renderer()
    bands = r.rootRule().children()
    assert [(b.filterExpression(), b.minimumScale(), b.maximumScale()) for b in bands] == [
        (f'"cell_m" = {b.cell_m}', b.min_scale, b.max_scale) for b in BANDS]
    for band in bands:
        colours = {c.ruleKey().rsplit("_", 1)[1]: c.symbol().color().getRgb() for c in band.children()}
        assert colours["level1"] == (*RULES_COLOURS[1], GRID_ALPHA) and colours["level4"][:3] == RULES_COLOURS[4]
        assert band.children()[-1].isElse()
    assert "n_level1" in layer.mapTipTemplate() and "n_level1" in layer.displayExpression()

    def drawn(scale):
        ctx = QgsRenderContext()
        ctx.setRendererScale(scale)
        r.startRender(ctx, layer.fields())
        try:
            return [(lambda s: s[0].color().getRgb()[:3] if s else None)(r.symbolsForFeature(f, ctx))
                    for f in layer.getFeatures()]
        finally:
            r.stopRender(ctx)

    r = layer.renderer()
    assert drawn(300_000) == [RULES_COLOURS[1], RULES_COLOURS[4], None]  # the 2 km band only
    assert drawn(50_000) == [None, None, RULES_COLOURS[2]]  # the 500 m band only
    style_grid(layer, rules, AGGREGATION_LEVEL1)
    r = layer.renderer()
    got = drawn(300_000)
    # 3 level-1 units in a 2 km cell: 0.87 per km², the first class; none: grey
    assert got == [(252, 187, 161), (200, 200, 200), None]


def test_show_aggregation_switches_the_grid_and_the_density(qgis_app, rules, tmp_path):
    from qgis.core import QgsProject, QgsRasterLayer

    from plugin.layers.styling import (
        AGGREGATION_DENSITY,
        AGGREGATION_LEVEL1,
        DENSITY_LAYER_NAME,
        add_to_group,
        show_aggregation,
    )

    db = tmp_path / "g.gpkg"
    import pyogrio

    from plugin.core.mapping.aggregate import aggregate

    pyogrio.write_dataframe(aggregate([114.0, 114.01], [22.5, 22.51], [1, 3]), db, layer="risk_grid")
    from qgis.core import QgsVectorLayer

    grid = QgsVectorLayer(f"{db}|layername=risk_grid", "grid", "ogr")
    dens = QgsRasterLayer(str(_density_tif(tmp_path)), DENSITY_LAYER_NAME)
    project = QgsProject.instance()
    group = add_to_group(project, [grid, dens])
    try:
        show_aggregation(group, AGGREGATION_DENSITY, rules)
        assert [n.isVisible() for n in group.findLayers()] == [False, True]
        show_aggregation(group, AGGREGATION_LEVEL1, rules)
        assert [n.isVisible() for n in group.findLayers()] == [True, False]
        assert grid.customProperty("citysafety/aggregation") == AGGREGATION_LEVEL1
        with pytest.raises(ValueError):
            show_aggregation(group, "hexbins", rules)
    finally:
        project.removeAllMapLayers()
        project.layerTreeRoot().removeAllChildren()


def _density_tif(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "d.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:4547",
                       transform=from_origin(500_000, 2_500_000, 100, 100)) as ds:
        ds.write(np.arange(16, dtype="float32").reshape(1, 4, 4))
    return path

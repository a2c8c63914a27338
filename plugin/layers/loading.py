"""QGIS-side layer plumbing for the steps and the panel: districts from any QGIS source into
a GeoDataFrame, and the styled layers put into the project's 城市安全风险一张图 group."""

from __future__ import annotations

from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject, QgsRasterLayer, QgsVectorLayer


def transformable(crs, target_epsg: int = 4490, transform_context=None) -> bool:
    """Whether ``crs`` can be transformed to ``target_epsg``: False for no CRS and for GDAL's
    "Undefined SRS" (a GeoPackage layer written without one), which QGIS calls valid."""
    if not crs.isValid():
        return False
    target = QgsCoordinateReferenceSystem(f"EPSG:{target_epsg}")
    if crs == target:
        return True
    context = transform_context if transform_context is not None else QgsProject.instance().transformContext()
    return QgsCoordinateTransform(crs, target, context).isValid()


def features_to_geodataframe(source, target_epsg: int = 4490):
    """Features of a QGIS source (any provider) as a GeoDataFrame in EPSG:4490. District
    layers hold tens of polygons, so one pass over the features is fine here."""
    import geopandas as gpd
    import shapely

    target = QgsCoordinateReferenceSystem(f"EPSG:{target_epsg}")
    has_crs = transformable(source.sourceCrs(), target_epsg)
    transform = QgsCoordinateTransform(source.sourceCrs(), target, QgsProject.instance().transformContext()) \
        if has_crs else None
    names = [f.name() for f in source.fields()]
    rows, wkb = [], []
    for feature in source.getFeatures():
        geom = feature.geometry()
        if not geom.isNull() and transform is not None:
            geom.transform(transform)
        wkb.append(None if geom.isNull() else bytes(geom.asWkb()))  # kept, so the core reports it
        rows.append(dict(zip(names, feature.attributes())))
    geoms = shapely.from_wkb(wkb) if wkb else []
    # Without a CRS the frame has none either: the core checks whether the numbers are degrees.
    crs = f"EPSG:{target_epsg}" if has_crs else None
    frame = gpd.GeoDataFrame(rows, columns=names, geometry=gpd.GeoSeries(geoms, crs=crs))
    for c in names:  # QVariant NULLs → None
        frame[c] = frame[c].map(lambda v: None if v is None or (hasattr(v, "isNull") and v.isNull()) else v)
    return frame


def risk_layer(db: str, name: str, title: str) -> QgsVectorLayer:
    """The layer ``name`` of the risk database ``db``: from the GeoPackage, or from PostGIS
    when ``db`` is the working copy of a shared database (its styles then come from there)."""
    from ..core.files import stands_for

    shared = stands_for(db)
    if shared is None:
        return QgsVectorLayer(f"{db}|layername={name}", title, "ogr")
    from qgis.core import QgsDataSourceUri

    from ..processing.database import conninfo, shared_uri

    ds = QgsDataSourceUri(conninfo(shared.target))
    return QgsVectorLayer(shared_uri(ds, shared.schema, db, name), title, "postgres")


def points_scale(db: str) -> int:
    """The scale from which ``db``'s single unit points show: what the risk map step measured
    for this city (aggregate.points_visible_below), else the megacity's."""
    from ..core.mapping.aggregate import POINT_SCALES, POINTS_VISIBLE_BELOW
    from ..core.store.riskdb import last_summary

    value = last_summary(db, "risk_map").get("points_below")
    return int(value) if value in POINT_SCALES else POINTS_VISIBLE_BELOW


def load_risk_layers(project: QgsProject, db: str, density: str, rules, with_districts: bool,
                     aggregation: str | None = None, level_field: str = "level") -> list:
    """Open, style and group the risk map's layers, top to bottom: the level-1 units (further
    out than the city's points scale), the unit points (every level, from :func:`points_scale`
    in: 1:5,000 for a megacity, 1:150,000 for a sparse city), the district boundaries and
    names, the aggregation grid (between the city and the street), the risk-density raster and
    the district summary's fills (both unchecked unless chosen: they would hide the grid), and
    the tables of who answers for the risk (control_findings, street_summary).
    ``aggregation``: what the grid shows (styling.AGGREGATIONS; default level-1 units per km²);
    ``level_field``: the level the unit points are drawn by (styling.show_level_field)."""
    from . import styling

    points_below = points_scale(db)
    layers, unchecked = [], []
    risk = risk_layer(db, "risk_map", "风险一张图 risk map")
    if risk.isValid():
        styling.style_risk_layer(risk, rules)
        styling.set_scale_visibility(risk, points_below, 0)
        layers.append(risk)
    # Level-1 units further out: their own small layer, so that a view of the city does not
    # make the database scan a million units for a few thousand.
    top = risk_layer(db, "risk_level1", "重大风险单位 level-1 units")
    if top.isValid():
        styling.style_level1_layer(top, rules)
        styling.set_scale_visibility(top, 0, points_below)
        layers.insert(0, top)
    if with_districts:
        outline = risk_layer(db, "district_summary", "行政区界 district boundaries")
        if outline.isValid():
            styling.style_district_outline(outline)
            styling.set_scale_visibility(outline, 0, styling.DISTRICT_OUTLINE_VISIBLE_ABOVE)
            layers.append(outline)
    grid = risk_layer(db, "risk_grid", "风险网格 risk grid")
    if grid.isValid():
        styling.style_grid(grid, rules, aggregation or styling.DEFAULT_AGGREGATION)
        layers.append(grid)
    dens = QgsRasterLayer(density, styling.DENSITY_LAYER_NAME)
    if dens.isValid():
        styling.style_density(dens)
        layers.append(dens)
    if with_districts:
        dist = risk_layer(db, "district_summary", "行政区风险 district summary")
        if dist.isValid():
            styling.style_districts(dist)
            layers.append(dist)
            unchecked.append(dist)
    # Who answers for the risk: two tables (no geometry) for the attribute table and filters.
    for name, title in (("control_findings", "管控缺失 missing controls"),
                        ("street_summary", "街道管控责任 accountability by street")):
        table = risk_layer(db, name, title)
        if table.isValid():
            layers.append(table)
    group = styling.add_to_group(project, layers)
    styling.show_aggregation(group, aggregation or styling.DEFAULT_AGGREGATION, rules)
    styling.show_level_field(group, level_field, rules)
    for layer in unchecked:
        node = group.findLayer(layer.id())
        if node is not None:
            node.setItemVisibilityChecked(False)
    return layers


def load_links_layer(project: QgsProject, db: str, layer_name: str = "hazard_receptor_links",
                     title: str = "危险源-敏感目标 hazard-receptor links"):
    """A line layer of the risk database (hazard-receptor links or cascade edges), styled,
    at the top of the risk map group."""
    from . import styling

    links = risk_layer(db, layer_name, title)
    if not links.isValid():
        return None
    (styling.style_edges if layer_name == "cascade_edges" else styling.style_links)(links)
    styling.set_scale_visibility(links, points_scale(db), 0)  # where the unit points show
    group = project.layerTreeRoot().findGroup(styling.GROUP_NAME)
    if group is None:
        styling.add_to_group(project, [links])
    else:
        for node in group.findLayers():  # replace an earlier links layer
            if node.layer() is not None and node.layer().source() == links.source():
                project.removeMapLayer(node.layer().id())
        project.addMapLayer(links, False)
        group.insertLayer(0, links)
    return links


def load_changes_layer(project: QgsProject, db: str, title: str = "调查轮次变化 changes between rounds"):
    """The latest comparison of survey rounds (round_changes), styled by change, at the top of
    the risk map group, replacing an earlier one; the group's other layers stay."""
    from . import styling

    layer = risk_layer(db, "round_changes", title)
    if not layer.isValid():
        return None
    styling.style_changes(layer)
    group = project.layerTreeRoot().findGroup(styling.GROUP_NAME)
    if group is None:
        styling.add_to_group(project, [layer])
        return layer
    for node in group.findLayers():
        if node.layer() is not None and node.layer().source() == layer.source():
            project.removeMapLayer(node.layer().id())
    project.addMapLayer(layer, False)
    group.insertLayer(0, layer)
    return layer

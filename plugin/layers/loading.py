"""QGIS-side layer plumbing for the steps and the panel: districts from any QGIS source into
a GeoDataFrame, and the styled layers put into the project's 城市安全风险一张图 group."""

from __future__ import annotations

from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject, QgsRasterLayer, QgsVectorLayer


def features_to_geodataframe(source, target_epsg: int = 4490):
    """Features of a QGIS source (any provider) as a GeoDataFrame in EPSG:4490. District
    layers hold tens of polygons, so one pass over the features is fine here."""
    import geopandas as gpd
    import shapely

    target = QgsCoordinateReferenceSystem(f"EPSG:{target_epsg}")
    has_crs = source.sourceCrs().isValid()
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


def load_risk_layers(project: QgsProject, db: str, density: str, rules, with_districts: bool) -> list:
    """Open, style and group the risk map's layers: points on top (large scales), then the
    district summary and the density raster (small scales)."""
    from . import styling

    layers = []
    risk = QgsVectorLayer(f"{db}|layername=risk_map", "风险一张图 risk map", "ogr")
    if risk.isValid():
        styling.style_risk_layer(risk, rules)
        styling.set_scale_visibility(risk, styling.POINTS_VISIBLE_BELOW, 0)
        layers.append(risk)
    if with_districts:
        dist = QgsVectorLayer(f"{db}|layername=district_summary", "行政区风险 district summary", "ogr")
        if dist.isValid():
            styling.style_districts(dist)
            styling.set_scale_visibility(dist, 0, styling.OVERVIEW_VISIBLE_ABOVE)
            layers.append(dist)
    dens = QgsRasterLayer(density, "风险密度 risk density")
    if dens.isValid():
        styling.style_density(dens)
        styling.set_scale_visibility(dens, 0, styling.OVERVIEW_VISIBLE_ABOVE)
        layers.append(dens)
    styling.add_to_group(project, layers)
    return layers


def load_links_layer(project: QgsProject, db: str, layer_name: str = "hazard_receptor_links",
                     title: str = "危险源-敏感目标 hazard-receptor links"):
    """A line layer of the risk database (hazard-receptor links or cascade edges), styled,
    at the top of the risk map group."""
    from . import styling

    links = QgsVectorLayer(f"{db}|layername={layer_name}", title, "ogr")
    if not links.isValid():
        return None
    (styling.style_edges if layer_name == "cascade_edges" else styling.style_links)(links)
    styling.set_scale_visibility(links, styling.POINTS_VISIBLE_BELOW, 0)
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

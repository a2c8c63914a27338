"""The parameters of the citysafety algorithms checked before a run (their checkParameterValues).

Every file, folder, layer and raster a parameter names is looked at before anything is read
or written, and a bad one is refused with one bilingual message naming the parameter and the
file (:func:`base.bad_parameter`), never a traceback:

- an input file (the risk database, the rules, a receptor table): not there, a folder, empty;
  a risk database that is not a GeoPackage or lacks the plugin's layers;
- a layer or raster (receptors, districts, population): not there or not openable; a
  coordinate system that cannot be transformed to EPSG:4490 (none, or GDAL's "Undefined SRS")
  unless the coordinates are degrees (then they are taken as EPSG:4490, as plugin/core does);
  a geometry type the parameter does not take; receptors without a class field;
- an output: a folder where a file is expected, a path under a file; a new risk database over
  a file that is not one (a GeoPackage of other layers would lose them).

Any other CRS is transformed (features_to_geodataframe; the population raster is read in its
own CRS, degrees or metres — plugin/core/exposure/population.py), which is not an error.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterRasterLayer,
    QgsProperty,
    QgsWkbTypes,
)

from ..core.files import file_problem
from ..layers.loading import transformable
from .base import bad_parameter

TARGET_CRS = "EPSG:4490"
#: Coordinates within these bounds are degrees (a layer without a CRS is then EPSG:4490).
DEGREE_BOUNDS = (-180.0, -90.0, 180.0, 90.0)
#: The parameter that holds the receptors, and the one naming their class field.
RECEPTORS, CLASS_FIELD = "RECEPTORS", "CLASS_FIELD"


def check_parameters(alg, parameters: dict, context) -> None:
    """Raise the bilingual QgsProcessingException of the first bad parameter of ``alg``."""
    for definition in alg.parameterDefinitions():
        name = definition.name()
        value = parameters.get(name)
        given = value not in (None, "")
        if isinstance(definition, (QgsProcessingParameterFeatureSource, QgsProcessingParameterRasterLayer)):
            if given:
                _check_layer(alg, definition, value, parameters, context)  # acceptable, and why not
                continue
        elif isinstance(definition, QgsProcessingParameterFile):
            if given and definition.behavior() == QgsProcessingParameterFile.Behavior.File:
                _check_input_file(alg, definition, _text(value))
        elif isinstance(definition, QgsProcessingParameterFileDestination):
            if given:
                _check_output_file(alg, definition, _text(value))
        elif isinstance(definition, QgsProcessingParameterFolderDestination):
            path = _text(value)
            if given and path and Path(path).exists() and not Path(path).is_dir():
                raise bad_parameter(alg, name, path, "是文件，应为文件夹", "is a file; a folder is expected")
        if not definition.checkValueIsAcceptable(value, context):
            if given:
                raise bad_parameter(alg, name, _text(value) or value, "参数值无效", "invalid value")
            raise bad_parameter(alg, name, "", "缺少该参数", "a value is required")


def _text(value) -> str:
    """The path or source string of a parameter value ("" for anything else)."""
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        value = value.source
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink
    if isinstance(value, QgsProperty):
        value = value.staticValue()
    return value if isinstance(value, str) else ""


def _check_input_file(alg, definition, path: str) -> None:
    name = definition.name()
    problem = file_problem(path)
    if problem is None and definition.extension().lower() == "gpkg":  # the risk database
        from ..core.store.read import database_problem

        problem = database_problem(path)
    if problem is not None:
        en, zh = problem
        raise bad_parameter(alg, name, path, zh, en)


def _final_path(definition, path: str) -> str:
    """The file an algorithm writes for an output ``path``: its default extension added when
    it has none of the filter's (as the algorithms do)."""
    ext = definition.defaultFileExtension()
    if not ext or path.lower().endswith(f".{ext.lower()}") or (ext == "tif" and path.lower().endswith(".tiff")):
        return path
    return f"{path}.{ext}"


def _check_output_file(alg, definition, value: str) -> None:
    if not value or value == QgsProcessing.TEMPORARY_OUTPUT:
        return
    name = definition.name()
    path = Path(_final_path(definition, value))
    if path.is_dir():
        raise bad_parameter(alg, name, path, "是文件夹，应为文件名", "is a folder; a file name is expected")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise bad_parameter(alg, name, path, f"上级路径 {parent} 是文件，不是文件夹",
                                    f"{parent} is a file, not a folder")
            break
    if definition.defaultFileExtension().lower() == "gpkg":  # a new risk database
        from ..core.store.read import output_database_problem

        problem = output_database_problem(path)
        if problem is not None:
            en, zh = problem
            raise bad_parameter(alg, name, path, zh, en)


def _check_layer(alg, definition, value, parameters: dict, context) -> None:
    name = definition.name()
    raster = isinstance(definition, QgsProcessingParameterRasterLayer)
    source = _text(value)
    if not definition.checkValueIsAcceptable(value, context):
        path = source.split("|")[0]
        problem = file_problem(path) if path else None
        if problem is None:
            problem = ("cannot be opened as a raster (a damaged file or a format GDAL does not read)",
                       "无法作为栅格打开（文件损坏或格式不受支持）") if raster else \
                      ("cannot be opened as a vector layer (a damaged file, a format GDAL does not read, or no such "
                       "layer in it)", "无法作为矢量图层打开（文件损坏、格式不受支持或其中没有该图层）")
        en, zh = problem
        raise bad_parameter(alg, name, source or value, zh, en)
    if raster:
        layer = alg.parameterAsRasterLayer(parameters, name, context)
        if layer is not None and not transformable(layer.crs(), transform_context=context.transformContext()):
            described = _described(layer.crs())
            raise bad_parameter(alg, name, layer.source(),
                                f"栅格没有可用的坐标系（CRS：{described}），无法确定像元的位置和大小；请先为其指定坐标系",
                                f"the raster has no usable coordinate reference system (CRS: {described}), so where "
                                f"its cells lie and how large they are is unknown; assign it one first")
        return
    layer_source = alg.parameterAsSource(parameters, name, context)
    if layer_source is None:
        return
    label = source or layer_source.sourceName()  # the file (and layer) it names
    _check_crs(alg, name, label, layer_source, context)
    _check_geometry_type(alg, definition, label, layer_source)
    if name == RECEPTORS:
        _check_receptor_fields(alg, label, layer_source, parameters, context)


def _check_crs(alg, name: str, label: str, source, context) -> None:
    """A CRS that can be transformed to EPSG:4490 is; none at all (or GDAL's "Undefined SRS")
    is taken as EPSG:4490 only when the coordinates are degrees (plugin/core does the same)."""
    crs = source.sourceCrs()
    if transformable(crs, transform_context=context.transformContext()):
        return
    extent = source.sourceExtent()
    lo_x, lo_y, hi_x, hi_y = DEGREE_BOUNDS
    if extent.isNull() or (extent.xMinimum() >= lo_x and extent.yMinimum() >= lo_y
                           and extent.xMaximum() <= hi_x and extent.yMaximum() <= hi_y):
        return
    described = _described(crs)
    raise bad_parameter(
        alg, name, label,
        f"图层没有可用的坐标系（CRS：{described}），且坐标不是经纬度（范围 {extent.toString(0)}），"
        f"无法转换到 {TARGET_CRS}；请先为图层指定坐标系",
        f"the layer has no usable coordinate reference system (CRS: {described}) and its coordinates are not "
        f"degrees (extent {extent.toString(0)}), so it cannot be transformed to {TARGET_CRS}; assign it a CRS first")


def _described(crs) -> str:
    return (crs.description() or crs.authid() or "?") if crs.isValid() else "无 none"


#: The geometry type each vector source type takes, and its names.
_GEOMETRIES = (
    (QgsProcessing.SourceType.TypeVectorPoint, QgsWkbTypes.Type.Point, "点", "points"),
    (QgsProcessing.SourceType.TypeVectorLine, QgsWkbTypes.Type.LineString, "线", "lines"),
    (QgsProcessing.SourceType.TypeVectorPolygon, QgsWkbTypes.Type.Polygon, "面", "polygons"),
)


def _check_geometry_type(alg, definition, label: str, source) -> None:
    wanted = [(QgsWkbTypes.geometryType(wkb), zh, en) for kind, wkb, zh, en in _GEOMETRIES
              if kind in definition.dataTypes()]
    if not wanted:
        return
    have = QgsWkbTypes.geometryType(source.wkbType())
    if any(have == g for g, _zh, _en in wanted):
        return
    names = {QgsWkbTypes.geometryType(wkb): (zh, en) for _kind, wkb, zh, en in _GEOMETRIES}
    have_zh, have_en = names.get(have, ("无几何", "no geometry"))
    wkb = QgsWkbTypes.displayString(source.wkbType())
    raise bad_parameter(
        alg, definition.name(), label,
        f"几何类型为{have_zh}（{wkb}），应为{'或'.join(z for _g, z, _e in wanted)}",
        f"its geometries are {have_en} ({wkb}); {' or '.join(e for _g, _z, e in wanted)} are expected")


def _check_receptor_fields(alg, label: str, source, parameters: dict, context) -> None:
    """Receptors need a class: without one every receptor would be of class unknown (low
    sensitivity) and raise nothing."""
    from ..core.exposure.receptors import CLASS_FIELD_CANDIDATES, missing_fields

    class_field = None
    if alg.parameterDefinition(CLASS_FIELD) is not None:
        class_field = alg.parameterAsString(parameters, CLASS_FIELD, context) or None
    if "class" in missing_fields(source.fields().names(), class_field=class_field):
        raise receptor_class_missing(alg, RECEPTORS, label, source.fields().names(), CLASS_FIELD_CANDIDATES)


def receptor_class_missing(alg, name: str, label: str, fields, candidates):
    """The refusal of receptors (a layer or a table) without a class field."""
    have = ", ".join(map(str, fields)) or "-"
    return bad_parameter(
        alg, name, label,
        f"敏感目标没有类别字段（应为 {'、'.join(candidates)} 之一，现有字段：{have}）",
        f"the receptors have no class field (one of {', '.join(candidates)} is expected; fields: {have})")

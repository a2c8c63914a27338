"""The risk database a step runs on: a GeoPackage file, or a shared PostGIS database (one store,
two engines; docs/postgis.md §11).

Every step on a risk database takes either ``INPUT`` (the GeoPackage) or a PostgreSQL database
— ``CONNECTION``, a QGIS stored connection (the Processing parameter QGIS's own PostGIS
algorithms take), or ``URI``, a ``postgresql://`` URI — with its ``SCHEMA``. On PostGIS the step
runs the same core code on the local working copy of the shared database and its changes go
back in one transaction (core/store/shared.py: :func:`on_database`); its layer outputs and the
layers it opens are the shared database's tables, styled from its ``layer_styles``.
"""

from __future__ import annotations

from qgis.core import (
    QgsDataSourceUri,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFile,
    QgsProcessingParameterProviderConnection,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsProviderRegistry,
    QgsVectorLayer,
)

from ..core.errors import Canceled, PipelineError
from .base import LAYER_OUTPUTS, bad_parameter, progress_of

CONNECTION = "CONNECTION"
URI = "URI"
SCHEMA = "SCHEMA"
STYLE_NAME = "城市安全风险一张图 City Safety Risk Map"
#: The layers whose styles go into a shared database's layer_styles (save_styles).
STYLED = ("risk_map", "risk_level1", "risk_grid", "district_summary", "hazard_receptor_links", "cascade_edges",
          "round_changes")


def run_core(alg, fn):
    """``fn()`` (a core move), its cancel and its bilingual refusal as Processing's."""
    try:
        return fn()
    except Canceled:
        raise alg.canceled() from None
    except PipelineError as exc:
        raise QgsProcessingException(str(exc)) from exc


def mark_advanced(param) -> None:
    """Show ``param`` under the dialog's advanced parameters (Qgis.ProcessingParameterFlag from
    QGIS 3.36, the definition's own flag before)."""
    from qgis.core import Qgis

    flag = getattr(getattr(Qgis, "ProcessingParameterFlag", None), "Advanced", None)
    param.setFlags(param.flags() | (flag if flag is not None else QgsProcessingParameterDefinition.Flag.FlagAdvanced))


def add_target(alg, advanced: bool = False) -> None:
    """The PostgreSQL database (a stored connection or a URI) and the schema (``advanced``: all
    three under the dialog's advanced parameters, where a file is the usual choice)."""
    params = [QgsProcessingParameterProviderConnection(
                  CONNECTION, alg.tr("PostgreSQL connection (QGIS's stored connections)"), "postgres", optional=True),
              QgsProcessingParameterString(URI, alg.tr("…or a postgresql://user@host:port/database URI"),
                                           optional=True),
              QgsProcessingParameterString(SCHEMA, alg.tr("Schema"), defaultValue="citysafety")]
    for p in params:
        if advanced:
            mark_advanced(p)
        alg.addParameter(p)


def target_of(alg, parameters, context) -> tuple[str, str, QgsDataSourceUri]:
    """(libpq connection string, schema, QGIS data source URI of the database)."""
    from ..core.store import postgis

    name = (alg.parameterAsConnectionName(parameters, CONNECTION, context) or "").strip()
    uri = (alg.parameterAsString(parameters, URI, context) or "").strip()
    schema = (alg.parameterAsString(parameters, SCHEMA, context) or "").strip()
    try:
        postgis.check_schema(schema)
    except PipelineError as exc:
        raise bad_parameter(alg, SCHEMA, schema, exc.zh, exc.en) from None
    if name and uri:
        raise bad_parameter(alg, URI, uri, "与连接名只能给出其一", "give either a connection name or a URI, not both")
    if name:
        md = QgsProviderRegistry.instance().providerMetadata("postgres")
        try:
            conn = md.findConnection(name)
        except Exception:  # QgsProviderConnectionException: no such stored connection
            conn = None
        if conn is None:
            raise bad_parameter(alg, CONNECTION, name, "没有此名称的 PostgreSQL 连接",
                                "is not a stored PostgreSQL connection")
        ds = QgsDataSourceUri(conn.uri())
        return ds.connectionInfo(True), schema, ds
    if not uri:
        raise bad_parameter(alg, CONNECTION, "", "请给出 PostgreSQL 连接名或 postgresql:// 地址",
                            "give a PostgreSQL connection name or a postgresql:// URI")
    if not postgis.is_postgres(uri):
        raise bad_parameter(alg, URI, uri, "不是 postgresql:// 地址", "is not a postgresql:// URI")
    return uri, schema, QgsDataSourceUri(conninfo(uri))


def conninfo(uri: str) -> str:
    """A libpq key=value string of a postgresql:// URI, which QgsDataSourceUri parses."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    if not uri.startswith(("postgresql://", "postgres://")):
        return uri
    u = urlsplit(uri)
    parts = {"dbname": unquote(u.path.lstrip("/")) or None, "host": u.hostname, "port": u.port,
             "user": unquote(u.username) if u.username else None,
             "password": unquote(u.password) if u.password else None, **dict(parse_qsl(u.query))}
    return " ".join(f"{k}='{str(v).replace(chr(39), chr(92) + chr(39))}'" for k, v in parts.items() if v)


def pg_layer(conn, ds: QgsDataSourceUri, schema: str, table: str) -> QgsVectorLayer | None:
    """A layer of the PostGIS risk database through QGIS's postgres provider (``conn``, its
    provider connection), its URI as QGIS's browser writes it (geometry column, type and SRID:
    QGIS finds a default style in layer_styles by them), or None when there is no such table."""
    try:
        found = conn.table(schema, table)
    except Exception:  # QgsProviderConnectionException: no such table
        return None
    uri = QgsDataSourceUri(ds.connectionInfo(False))
    uri.setDataSource(schema, table, found.geometryColumn() or "", "", "fid")
    types = found.geometryColumnTypes()
    if types:
        uri.setWkbType(types[0].wkbType)
        uri.setSrid(str(types[0].crs.postgisSrid()))
    return QgsVectorLayer(uri.uri(False), table, "postgres")


def save_styles(ds: QgsDataSourceUri, schema: str, db: str, rules, feedback) -> int:
    """The plugin's styles and Chinese aliases as each styled layer's default in the database's
    ``layer_styles``; the number saved."""
    from ..core.store.riskdb import ALIASES
    from ..layers import styling
    from ..layers.loading import points_scale

    below = points_scale(db)
    styles = {
        "risk_map": (lambda lyr: (styling.style_risk_layer(lyr, rules), styling.set_scale_visibility(lyr, below, 0))),
        "risk_level1": (lambda lyr: styling.style_level1_layer(lyr, rules)),
        "risk_grid": (lambda lyr: styling.style_grid(lyr, rules, styling.DEFAULT_AGGREGATION)),
        "district_summary": styling.style_districts,
        "hazard_receptor_links": styling.style_links,
        "cascade_edges": styling.style_edges,
        "round_changes": styling.style_changes,
    }
    conn = QgsProviderRegistry.instance().providerMetadata("postgres").createConnection(ds.uri(False), {})
    description = "城市安全风险一张图插件写入 / written by the City Safety Risk Map plugin"
    saved = 0
    for table in STYLED:
        style = styles[table]
        layer = pg_layer(conn, ds, schema, table)
        if layer is None or not layer.isValid():
            continue
        style(layer)
        for field, alias in ALIASES.get(table, {}).items():
            i = layer.fields().indexOf(field)
            if i >= 0:
                layer.setFieldAlias(i, alias)
        if hasattr(layer, "saveStyleToDatabaseV2"):  # QGIS ≥ 3.42 (the older call is deprecated there)
            _result, message = layer.saveStyleToDatabaseV2(STYLE_NAME, description, True, "")
        else:
            message = layer.saveStyleToDatabase(STYLE_NAME, description, True, "")
        if not message:
            saved += 1
        else:
            feedback.pushWarning(f"{table}: 样式未能写入数据库 / the style could not be saved: {message}")
    return saved


def add_database(alg, shared: bool = True) -> None:
    """The risk database parameters: ``INPUT`` (a GeoPackage) and, where ``shared``, the PostGIS
    database instead (``CONNECTION`` or ``URI``, and ``SCHEMA``, advanced)."""
    alg.addParameter(QgsProcessingParameterFile(alg.INPUT, alg.tr("Risk database"), extension="gpkg",
                                                optional=shared))
    if not shared:
        return
    alg.addParameter(QgsProcessingParameterProviderConnection(
        CONNECTION, alg.tr("…or a shared risk database: PostgreSQL connection"), "postgres", optional=True))
    for p in (QgsProcessingParameterString(URI, alg.tr("…or a postgresql://user@host:port/database URI"),
                                           optional=True),
              QgsProcessingParameterString(SCHEMA, alg.tr("Schema of the shared risk database"),
                                           defaultValue="citysafety", optional=True)):
        mark_advanced(p)
        alg.addParameter(p)


def is_shared(alg, parameters) -> bool:
    """Whether the parameters name a shared (PostGIS) database rather than a file."""
    return any(str(parameters.get(k) or "").strip() for k in (CONNECTION, URI)) and \
        any(d.name() == CONNECTION for d in alg.parameterDefinitions())


def on_database(alg, parameters, context, feedback) -> dict:
    """``alg.run_on(db, parameters, context, feedback)`` on the risk database the parameters
    name. A GeoPackage: the file itself. A shared database: its working copy, the changes
    pushed back in one transaction (run again on a fresh copy when another writer committed
    meanwhile); the outputs then name the shared database's tables."""
    from ..core.store import shared

    db = alg.parameterAsFile(parameters, alg.INPUT, context) if parameters.get(alg.INPUT) else ""
    if not is_shared(alg, parameters):
        if not db:
            raise bad_parameter(alg, alg.INPUT, "", "请给出风险数据库文件，或共享风险库的 PostgreSQL 连接",
                                "give a risk database file, or the PostgreSQL connection of a shared one")
        return alg.run_on(db, parameters, context, feedback)
    if db:
        raise bad_parameter(alg, alg.INPUT, db, "与共享风险库（PostgreSQL 连接）只能给出其一",
                            "give either a risk database file or a shared database, not both")
    target, schema, ds = target_of(alg, parameters, context)

    def step(copy):
        return alg.run_on(str(copy), parameters, context, feedback)

    ran = run_core(alg, lambda: shared.run(target, schema, alg.ALG_ID, step, progress=progress_of(feedback)))
    copy = str(ran.copy)
    out = dict(ran.result or {})
    for key, value in list(out.items()):
        if key in LAYER_OUTPUTS and isinstance(value, str):
            out[key] = shared_layer_output(ds, schema, copy, key)
        elif value == copy:
            out[key] = f"{ds.connectionInfo(False)} schema={schema}"
    feedback.pushInfo("工作副本 working copy: take {take:.1f} s, step {step:.1f} s, push {push:.1f} s".format(
        **ran.seconds))
    if ran.pushed is not None and ran.pushed.unlogged:
        feedback.pushWarning("文件已写出；当前数据库角色无权写入共享库的运行记录 / The files were written; this "
                             "database role may not write the shared database's run log")
    elif ran.pushed is not None:
        feedback.pushInfo(alg.tr("Shared database version {}: {} written ({} run(s))").format(
            ran.pushed.state.version, ", ".join(ran.pushed.changed + [f"-{t}" for t in ran.pushed.removed]),
            ran.runs))
        if set(ran.pushed.changed) & set(STYLED):
            from .base import rules_of

            run_core(alg, lambda: postgis_core().clear_styles(target, schema, STYLE_NAME))
            save_styles(ds, schema, copy, rules_of(alg, parameters, context), feedback)
            postgis_core().share_styles(target)
    return out


def postgis_core():
    from ..core.store import postgis

    return postgis


def shared_uri(ds: QgsDataSourceUri, schema: str, copy: str | None, layer: str, subset: str = "") -> str:
    """The URI of ``layer`` of the shared database for QGIS's postgres provider, with the
    geometry column, type and SRID the working copy ``copy`` has (QGIS finds the default style
    in layer_styles by them; without a copy: a point layer's ``geom`` in EPSG:4490)."""
    from qgis.core import QgsWkbTypes

    gcol, gtype, srid = postgis_core().geometry_of(copy, layer) if copy else ("geom", "Point", 4490)
    uri = QgsDataSourceUri(ds.connectionInfo(False))
    uri.setDataSource(schema, layer, gcol or "", subset, "fid")
    if gcol:
        uri.setWkbType(QgsWkbTypes.parseType(gtype))
        uri.setSrid(str(srid))
    return uri.uri(False)


def shared_layer_output(ds: QgsDataSourceUri, schema: str, copy: str | None, key: str) -> str:
    """A layer output (base.LAYER_OUTPUTS) of the shared database, as Processing opens it."""
    layer, _label, _kind, subset = LAYER_OUTPUTS[key]
    return QgsProcessingUtils.encodeProviderKeyAndUri("postgres", shared_uri(ds, schema, copy, layer, subset))

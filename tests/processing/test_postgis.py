"""citysafety:export_to_postgis and citysafety:import_from_postgis through Processing and
qgis_process, against a throw-away PostgreSQL/PostGIS cluster (tests/conftest.py): a QGIS
stored connection or a URI, the layers styled for any QGIS from the database's layer_styles,
and the way back to a GeoPackage."""

from __future__ import annotations

import subprocess

import pytest

from plugin.core.store import riskdb
from tests.common import QGIS_PROCESS

pytestmark = pytest.mark.usefixtures("provider")


def _psql(uri: str, sql: str) -> str:
    return subprocess.run(["psql", "-X", "-At", "-d", uri, "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def _stored_connection(name: str, pg, dbname: str) -> None:
    from qgis.core import QgsDataSourceUri, QgsProviderRegistry

    md = QgsProviderRegistry.instance().providerMetadata("postgres")
    uri = QgsDataSourceUri(f"dbname='{dbname}' host={pg.host} port={pg.port} user='citysafety' sslmode=disable")
    md.saveConnection(md.createConnection(uri.uri(False), {"saveUsername": True, "savePassword": True}), name)


def _browser_layer(pg, dbname: str, table: str, wkb):
    """The layer as QGIS's browser opens it (geometry column, type and SRID in the URI)."""
    from qgis.core import QgsDataSourceUri, QgsVectorLayer

    uri = QgsDataSourceUri(f"dbname='{dbname}' host={pg.host} port={pg.port} user='citysafety' sslmode=disable")
    uri.setDataSource("citysafety", table, "geom", "", "fid")
    uri.setWkbType(wkb)
    uri.setSrid("4490")
    return QgsVectorLayer(uri.uri(False), table, "postgres")


def test_export_by_stored_connection_gives_any_qgis_the_styled_risk_map(analysed_db, pg_cluster, pg_database):
    import processing
    from qgis.core import QgsRuleBasedRenderer, QgsWkbTypes

    dbname = pg_database.rsplit("/", 1)[1]
    _stored_connection("csrm-city", pg_cluster, dbname)
    out = processing.run("citysafety:export_to_postgis", {"INPUT": str(analysed_db), "CONNECTION": "csrm-city"})
    assert out["SCHEMA"] == "citysafety" and out["LAYERS"] == len(riskdb.layer_names(analysed_db))
    assert out["STYLES_SAVED"] == 6  # risk map, level-1 units, grid, districts, links, cascade edges
    assert _psql(pg_database, "SELECT string_agg(f_table_name || ':' || type, ',' ORDER BY f_table_name) "
                              "FROM layer_styles WHERE useasdefault") == (
        "cascade_edges:Line,district_summary:Polygon,hazard_receptor_links:Line,risk_grid:Polygon,"
        "risk_level1:Point,risk_map:Point")
    # Opened as any QGIS opens it, without the plugin's loader: the levels' rules and colours,
    # the Chinese aliases.
    layer = _browser_layer(pg_cluster, dbname, "risk_map", QgsWkbTypes.Point)
    assert layer.isValid() and layer.featureCount() == 329
    renderer = layer.renderer()
    assert isinstance(renderer, QgsRuleBasedRenderer)
    colours = {r.symbol().color().name() for r in renderer.rootRule().descendants() if r.symbol()}
    assert {"#e60012", "#ff8c00"} <= colours  # 重大风险 red, 较大风险 orange (the rules' colours)
    assert layer.attributeAlias(layer.fields().indexOf("level")) == "风险等级"
    edges = _browser_layer(pg_cluster, dbname, "cascade_edges", QgsWkbTypes.LineString)
    assert edges.isValid() and edges.featureCount() == 77
    # Again: QGIS would ask before overwriting a style of the same name (a dialog nobody can
    # answer in a Processing run); the export replaces its own styles and the run ends.
    again = processing.run("citysafety:export_to_postgis", {"INPUT": str(analysed_db), "CONNECTION": "csrm-city"})
    assert again["VERSION"] == 2 and again["STYLES_SAVED"] == 6
    assert _psql(pg_database, "SELECT count(*) FROM layer_styles WHERE f_table_name = 'risk_map'") == "1"


def test_import_by_uri_gives_back_the_database(analysed_db, pg_database, tmp_path):
    import processing

    processing.run("citysafety:export_to_postgis", {"INPUT": str(analysed_db), "URI": pg_database,
                                                    "SCHEMA": "district_a", "STYLES": False})
    back = tmp_path / "back.gpkg"
    out = processing.run("citysafety:import_from_postgis", {"URI": pg_database, "SCHEMA": "district_a",
                                                            "OUTPUT": str(back)})
    assert out["OUTPUT"] == str(back) and out["ROWS"] > 3000
    for name in ("units", "hazards", "risk_map", "cascade_edges"):
        a, b = riskdb.read_layer(analysed_db, name), riskdb.read_layer(back, name)
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), name
        assert a.geometry.geom_equals_exact(b.geometry, 0).all(), name
    # The database that came back is one the steps take.
    processing.run("citysafety:score", {"INPUT": str(back)})


@pytest.mark.parametrize("params,words", [
    ({}, ("请给出 PostgreSQL 连接名", "give a PostgreSQL connection name")),
    ({"URI": "/tmp/risk.gpkg"}, ("不是 postgresql:// 地址", "is not a postgresql:// URI")),
    ({"CONNECTION": "no such connection"}, ("没有此名称的 PostgreSQL 连接", "is not a stored PostgreSQL connection")),
    ({"URI": "postgresql://u@127.0.0.1:1/x", "SCHEMA": "public"}, ("模式名", "Schema name")),
    ({"URI": "postgresql://u@127.0.0.1:1/x"}, ("无法连接", "Cannot connect")),
])
def test_bad_targets_are_refused_in_both_languages(analysed_db, params, words):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as err:
        processing.run("citysafety:export_to_postgis", {"INPUT": str(analysed_db), **params})
    assert all(w in str(err.value) for w in words), str(err.value)


def test_qgis_process_exports_and_imports(qgis_process_env, analysed_db, pg_database, tmp_path):
    back = tmp_path / "from_pg.gpkg"
    for args in (["citysafety:export_to_postgis", "--", f"INPUT={analysed_db}", f"URI={pg_database}"],
                 ["citysafety:import_from_postgis", "--", f"URI={pg_database}", f"OUTPUT={back}"]):
        proc = subprocess.run([QGIS_PROCESS, "run", *args], env=qgis_process_env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert _psql(pg_database, "SELECT count(*) FROM citysafety.hazards") == "804"
    assert len(riskdb.read_layer(back, "units")) == 329


def test_a_district_office_publishes_and_a_stale_export_is_refused(analysed_db, pg_database, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    from plugin.core.store import tx

    processing.run("citysafety:export_to_postgis", {"INPUT": str(analysed_db), "URI": pg_database, "STYLES": False})
    city = tmp_path / "city.gpkg"
    processing.run("citysafety:import_from_postgis", {"URI": pg_database, "OUTPUT": str(city)})
    nanshan = tmp_path / "nanshan.gpkg"
    nanshan.write_bytes(city.read_bytes())
    con = tx.connect(nanshan)
    con.execute("DELETE FROM hazards WHERE unit_code NOT IN (SELECT unit_code FROM units WHERE district = '南山区')")
    con.execute("DELETE FROM units WHERE district <> '南山区'")
    con.close()
    out = processing.run("citysafety:publish_district", {"INPUT": str(nanshan), "DISTRICT": "南山区",
                                                         "URI": pg_database})
    assert out["UNITS"] == 38 and out["REMOVED_UNITS"] == 38 and out["VERSION"] == 2
    with pytest.raises(QgsProcessingException) as err:  # the city's copy was taken before the publish
        processing.run("citysafety:export_to_postgis", {"INPUT": str(city), "URI": pg_database, "STYLES": False})
    assert "changed since this file was taken" in str(err.value) and "已有改动" in str(err.value)
    out = processing.run("citysafety:export_to_postgis", {"INPUT": str(city), "URI": pg_database, "STYLES": False,
                                                          "REPLACE": True})
    assert out["VERSION"] == 3
    with pytest.raises(QgsProcessingException) as err:  # the whole city is not one district's
        processing.run("citysafety:publish_district", {"INPUT": str(city), "DISTRICT": "南山区", "URI": pg_database})
    assert "other districts" in str(err.value) and "其他区" in str(err.value)

"""The risk database moved between a GeoPackage and PostGIS (plugin/core/store/postgis.py),
against a throw-away PostgreSQL/PostGIS cluster (tests/conftest.py ``pg_cluster``)."""

from __future__ import annotations

import sqlite3
import subprocess
import threading

import geopandas as gpd
import pandas as pd
import pytest

from plugin.core.errors import Canceled, PipelineError
from plugin.core.progress import Progress
from plugin.core.rules import load_rules
from plugin.core.steps import score_database
from plugin.core.store import postgis, riskdb


def psql(uri: str, sql: str) -> str:
    return subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def declared_types(db, layer) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        return [(r[1], r[2]) for r in con.execute(f'PRAGMA table_info("{layer}")')]
    finally:
        con.close()


def assert_same_layer(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    assert list(a.columns) == list(b.columns), name
    if isinstance(a, gpd.GeoDataFrame):
        assert isinstance(b, gpd.GeoDataFrame), name
        assert a.crs == b.crs, name
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all(), name
        a, b = pd.DataFrame(a.drop(columns=a.geometry.name)), pd.DataFrame(b.drop(columns=b.geometry.name))
    pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


def test_round_trip_keeps_every_layer_field_and_value(analysed_db, pg_database, tmp_path):
    rows = postgis.export_database(analysed_db, pg_database)
    names = riskdb.layer_names(analysed_db)
    assert list(rows) == names and rows["units"] == 329 and rows["hazards"] == 804
    # In PostGIS: the same tables and rows, typed geometry with its SRID and a GiST index.
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units") == "329"
    assert psql(pg_database, "SELECT type || ' ' || srid FROM geometry_columns WHERE f_table_schema = 'citysafety' "
                             "AND f_table_name = 'risk_map'") == "POINT 4490"
    assert "USING gist" in psql(pg_database, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'citysafety' "
                                             "AND tablename = 'units' AND indexdef LIKE '%gist%'")
    level1 = int(psql(pg_database, "SELECT count(*) FROM citysafety.risk_map WHERE level = 1"))
    assert level1 == len(riskdb.read_layer(analysed_db, "risk_level1")) == 19
    back = tmp_path / "back.gpkg"
    assert postgis.import_database(pg_database, "citysafety", back) == rows
    assert riskdb.layer_names(back) == names
    for name in names:
        assert declared_types(back, name) == declared_types(analysed_db, name), name
        assert_same_layer(riskdb.read_layer(analysed_db, name), riskdb.read_layer(back, name), name)
    assert riskdb.state(back).committed == riskdb.state(analysed_db).committed
    # A step runs on the database that came back and finds what it finds on the original.
    rules = load_rules()
    a, b = score_database(analysed_db, rules), score_database(back, rules)
    assert a.units["level"].value_counts().to_dict() == b.units["level"].value_counts().to_dict()
    assert (a.hazards["level"].to_numpy() == b.hazards["level"].to_numpy()).all()


def test_export_replaces_the_schema_and_leaves_no_staging(analysed_db, pg_database):
    postgis.export_database(analysed_db, pg_database)
    con = sqlite3.connect(analysed_db)
    con.execute("DELETE FROM units WHERE fid > 300")
    con.commit()
    con.close()
    postgis.export_database(analysed_db, pg_database)
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units") == "300"
    assert psql(pg_database, "SELECT string_agg(nspname, ',') FROM pg_namespace WHERE nspname LIKE 'citysafety%'") \
        == "citysafety"


def test_a_cancel_leaves_the_earlier_schema_as_it_was(analysed_db, pg_database):
    postgis.export_database(analysed_db, pg_database, "city")
    before = psql(pg_database, "SELECT count(*), sum(level) FROM city.units")
    con = sqlite3.connect(analysed_db)
    con.execute("DELETE FROM units")
    con.commit()
    con.close()
    calls = []
    cancel_after_two = Progress(is_canceled=lambda: calls.append(1) or len(calls) > 2)
    with pytest.raises(Canceled):
        postgis.export_database(analysed_db, pg_database, "city", cancel_after_two)
    assert psql(pg_database, "SELECT count(*), sum(level) FROM city.units") == before
    assert psql(pg_database, "SELECT count(*) FROM pg_namespace WHERE nspname = 'city__new'") == "0"


def test_a_schema_that_is_not_a_risk_database_is_refused_and_kept(analysed_db, pg_database):
    psql(pg_database, "CREATE SCHEMA other; CREATE TABLE other.parcels (id int); INSERT INTO other.parcels VALUES (7)")
    with pytest.raises(PipelineError) as err:
        postgis.export_database(analysed_db, pg_database, "other")
    assert "does not hold a risk database" in err.value.en and "不是风险数据库" in err.value.zh
    assert psql(pg_database, "SELECT id FROM other.parcels") == "7"


@pytest.mark.parametrize("schema", ["public", "Bad-Name", "1x", "pg_temp", ""])
def test_schema_names_that_cannot_hold_a_risk_database(schema):
    with pytest.raises(PipelineError) as err:
        postgis.check_schema(schema)
    assert "Schema name" in err.value.en and "模式名" in err.value.zh


def test_unreachable_server_and_missing_schema_are_clear_errors(analysed_db, pg_database, tmp_path):
    with pytest.raises(PipelineError) as err:
        postgis.export_database(analysed_db, "postgresql://nobody@127.0.0.1:1/none")
    assert "Cannot connect" in err.value.en and "无法连接" in err.value.zh
    out = tmp_path / "none.gpkg"
    with pytest.raises(PipelineError) as err:
        postgis.import_database(pg_database, "nothing_here", out)
    assert "holds no risk database" in err.value.en and "没有风险数据库" in err.value.zh
    assert not out.exists() and not list(tmp_path.glob(".none.gpkg*"))
    with pytest.raises(PipelineError):
        postgis.connect(str(tmp_path / "risk.gpkg"))


def test_two_exports_of_one_schema_take_turns(analysed_db, pg_database):
    errors: list[BaseException] = []

    def export():
        try:
            postgis.export_database(analysed_db, pg_database)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=export) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units") == "329"
    assert psql(pg_database, "SELECT count(*) FROM citysafety.citysafety_layers") == str(
        len(riskdb.layer_names(analysed_db)))


@pytest.mark.parametrize("target,expected", [
    ("postgresql://u@h:5432/db", True), ("postgres://h/db", True), ("dbname=city host=h", True),
    ("service=city", True), ("/data/risk.gpkg", False), ("C:\\data\\risk.gpkg", False), ("", False)])
def test_is_postgres(target, expected):
    assert postgis.is_postgres(target) is expected

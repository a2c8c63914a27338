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
from plugin.core.store import postgis, riskdb, tx


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
    rows = postgis.export_database(analysed_db, pg_database).rows
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
    assert postgis.import_database(pg_database, "citysafety", back).rows == rows
    assert riskdb.layer_names(back) == names
    for name in names:
        assert declared_types(back, name) == declared_types(analysed_db, name), name
        if name != riskdb.RUNS_LAYER:  # the file that came back logs where it came from
            assert_same_layer(riskdb.read_layer(analysed_db, name), riskdb.read_layer(back, name), name)
    # Spatial indexes as GDAL keeps them: every geometry in the R-tree with its box, the triggers back.
    con, orig = sqlite3.connect(back), sqlite3.connect(analysed_db)
    try:
        for layer, col in con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall():
            rtree = f"rtree_{layer}_{col}"
            assert con.execute(f'SELECT count(*) FROM "{rtree}"').fetchone() == con.execute(
                f'SELECT count(*) FROM "{layer}" WHERE "{col}" IS NOT NULL').fetchone(), layer
            assert con.execute(f'SELECT id, round(minx, 3), round(maxy, 3) FROM "{rtree}" ORDER BY id').fetchall() \
                == orig.execute(f'SELECT id, round(minx, 3), round(maxy, 3) FROM "{rtree}" ORDER BY id').fetchall()
            count = "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?"
            assert con.execute(count, (layer,)).fetchone() == orig.execute(count, (layer,)).fetchone(), layer
            # the extent recorded, as GDAL records it (else QGIS's GDAL computes it and fails)
            box = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?",
                              (layer,)).fetchone()
            want = orig.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?",
                                (layer,)).fetchone()
            assert None not in box and box == pytest.approx(want, abs=1e-4), layer
            triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name"
            assert con.execute(triggers, (layer,)).fetchall() == orig.execute(triggers, (layer,)).fetchall(), layer
    finally:
        con.close()
        orig.close()
    runs_then, runs_now = riskdb.read_runs(analysed_db), riskdb.read_runs(back)
    assert runs_now["step"].tolist() == [*runs_then["step"].tolist()[:-1], "import_from_postgis"]
    assert runs_then["step"].tolist()[-1] == "export_to_postgis"
    synced = postgis.last_sync(back, "citysafety")
    assert synced["version"] == 1 and synced == postgis.last_sync(analysed_db, "citysafety")
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
    assert "holds no shared risk database" in err.value.en and "没有共享风险库" in err.value.zh
    assert not out.exists() and not list(tmp_path.glob(".none.gpkg*"))
    with pytest.raises(PipelineError):
        postgis.connect(str(tmp_path / "risk.gpkg"))


def test_two_exports_of_one_schema_take_turns(analysed_db, pg_database):
    errors: list[BaseException] = []

    def export():
        try:
            postgis.export_database(analysed_db, pg_database, replace=True)
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


# --- many writers: district offices publish, the city bureau exports (docs/postgis.md §6) ------

def _take(uri: str, path, schema: str = "citysafety"):
    postgis.import_database(uri, schema, path)
    return path


def _district_file(city, path, district: str, rename: str = "", drop: int = 0):
    """A district office's own file: ``city`` with only ``district``'s units and their hazard
    sources, one unit renamed and ``drop`` units gone (as its new import would have them)."""
    import shutil

    shutil.copy(city, path)
    con = tx.connect(path)  # GDAL's R-tree triggers run on an UPDATE
    con.execute("DELETE FROM hazards WHERE unit_code NOT IN (SELECT unit_code FROM units WHERE district = ?)",
                (district,))
    con.execute("DELETE FROM units WHERE district IS NOT ?", (district,))
    if rename:
        con.execute("UPDATE units SET name = ? WHERE fid = (SELECT min(fid) FROM units)", (rename,))
    if drop:
        con.execute("DELETE FROM units WHERE fid IN (SELECT fid FROM units ORDER BY fid DESC LIMIT ?)", (drop,))
    con.commit()
    con.close()
    return path


def at_once(jobs: dict, timeout: float = 300) -> dict:
    """Each job started in a thread of its own, all at once: its result, or what it raised."""
    outcome: dict[str, object] = {}

    def run(key, fn):
        try:
            outcome[key] = fn()
        except BaseException as exc:  # the caller asserts on it
            outcome[key] = exc

    threads = [threading.Thread(target=run, args=(k, fn)) for k, fn in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return outcome


def _others(uri: str, district: str) -> str:
    """Every other district's units and hazard sources, as text."""
    return psql(uri, "SELECT md5(string_agg(u::text, '|' ORDER BY u.unit_code)) FROM citysafety.units u "
                     f"WHERE district <> '{district}'") + psql(
        uri, "SELECT md5(string_agg(h::text, '|' ORDER BY h.hazard_code, h.fid)) FROM citysafety.hazards h "
             f"WHERE unit_code NOT IN (SELECT unit_code FROM citysafety.units WHERE district = '{district}')")


def test_an_export_of_a_file_taken_before_a_change_is_refused(analysed_db, pg_database, tmp_path):
    postgis.export_database(analysed_db, pg_database)
    a, b = _take(pg_database, tmp_path / "a.gpkg"), _take(pg_database, tmp_path / "b.gpkg")
    con = sqlite3.connect(a)
    con.execute("DELETE FROM units WHERE fid = 1")
    con.commit()
    con.close()
    assert postgis.export_database(a, pg_database).state.version == 2
    with pytest.raises(postgis.StaleShared) as err:
        postgis.export_database(b, pg_database)
    assert "changed since this file was taken" in err.value.en and "已有改动" in err.value.zh
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units") == "328"  # a's work stands
    assert postgis.export_database(b, pg_database, replace=True).state.version == 3
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units") == "329"


def test_a_file_never_taken_is_refused_over_a_shared_database(analysed_db_session, analysed_db, pg_database,
                                                               tmp_path):
    import shutil

    stranger = tmp_path / "stranger.gpkg"
    shutil.copy(analysed_db_session, stranger)
    postgis.export_database(analysed_db, pg_database)
    with pytest.raises(postgis.StaleShared) as err:
        postgis.export_database(stranger, pg_database)
    assert "was not taken from" in err.value.en and "不是从本文件取出的" in err.value.zh


def test_a_district_publish_replaces_its_rows_only(analysed_db, pg_database, tmp_path):
    postgis.export_database(analysed_db, pg_database)
    city = _take(pg_database, tmp_path / "city.gpkg")
    before = _others(pg_database, "南山区")
    mine = _district_file(city, tmp_path / "nanshan.gpkg", "南山区", rename="南山新名称有限公司", drop=2)
    done = postgis.publish_district(mine, pg_database, "南山区")
    assert done.removed["units"] == 38 and done.written["units"] == 36
    con = sqlite3.connect(mine)
    hazards = con.execute("SELECT count(*) FROM hazards WHERE unit_code IN (SELECT unit_code FROM units)").fetchone()[0]
    con.close()
    assert done.written["hazards"] == hazards > 0
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE district = '南山区'") == "36"
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE name = '南山新名称有限公司'") == "1"
    assert _others(pg_database, "南山区") == before  # every other district as it was
    assert done.state.version == 2 and done.state.step == "publish_district 南山区"
    # The city's file taken before the publish may not overwrite it.
    with pytest.raises(postgis.StaleShared):
        postgis.export_database(city, pg_database)


def test_a_district_file_with_another_districts_units_or_codes_is_refused(analysed_db, pg_database, tmp_path):
    postgis.export_database(analysed_db, pg_database)
    city = _take(pg_database, tmp_path / "city.gpkg")
    state = psql(pg_database, "SELECT version FROM citysafety.citysafety_state")
    with pytest.raises(PipelineError) as err:
        postgis.publish_district(city, pg_database, "南山区")
    assert "other districts" in err.value.en and "其他区" in err.value.zh
    mine = _district_file(city, tmp_path / "nanshan.gpkg", "南山区")
    foreign = psql(pg_database, "SELECT min(unit_code) FROM citysafety.units WHERE district = '福田区'")
    con = tx.connect(mine)
    con.execute("UPDATE units SET unit_code = ? WHERE fid = (SELECT min(fid) FROM units)", (foreign,))
    con.commit()
    con.close()
    with pytest.raises(PipelineError) as err:
        postgis.publish_district(mine, pg_database, "南山区")
    assert foreign in err.value.en and "福田区" in err.value.zh
    with pytest.raises(PipelineError) as err:
        postgis.publish_district(mine, pg_database, "不存在区")
    assert "holds no unit of" in err.value.en
    assert psql(pg_database, "SELECT version FROM citysafety.citysafety_state") == state
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE district = '南山区'") == "38"


def test_district_publishes_and_an_export_at_once_lose_nothing(analysed_db, pg_database, tmp_path):
    postgis.export_database(analysed_db, pg_database)
    city = _take(pg_database, tmp_path / "city.gpkg")
    districts = ("南山区", "福田区", "宝安区", "龙岗区")
    files = {d: _district_file(city, tmp_path / f"{i}.gpkg", d, rename=f"{d}新名称") for i, d in enumerate(districts)}
    jobs = {d: (lambda d=d: postgis.publish_district(files[d], pg_database, d)) for d in districts}
    outcome = at_once({**jobs, "export": lambda: postgis.export_database(city, pg_database)})
    for d in districts:  # every district's publish landed and is there at the end
        assert isinstance(outcome[d], postgis.Published), outcome[d]
        assert psql(pg_database, f"SELECT count(*) FROM citysafety.units WHERE name = '{d}新名称'") == "1"
    exported = isinstance(outcome["export"], postgis.Moved)
    assert exported or isinstance(outcome["export"], postgis.StaleShared), outcome["export"]
    assert psql(pg_database, "SELECT version FROM citysafety.citysafety_state") == str(1 + len(districts) + exported)
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units") == "329"


def test_the_role_model_by_connecting_as_each_role(analysed_db, pg_cluster, pg_database, tmp_path):
    from pathlib import Path

    dbname = pg_database.rsplit("/", 1)[1]
    roles_sql = Path(__file__).resolve().parents[2] / "resources" / "postgis" / "roles.sql"
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_database, "-f", str(roles_sql)],
                   check=True, capture_output=True)
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_database, "-f", str(roles_sql)],
                   check=True, capture_output=True)  # it may run again
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst1') THEN "
                    "CREATE ROLE analyst1 LOGIN IN ROLE citysafety_analyst; "
                    "CREATE ROLE nanshan_office LOGIN IN ROLE citysafety_surveyor; "
                    "CREATE ROLE reader1 LOGIN IN ROLE citysafety_reader; END IF; END $$", dbname)
    analyst, surveyor, reader = (pg_cluster.uri(dbname, user) for user in ("analyst1", "nanshan_office", "reader1"))
    # The analyst exports; the group owns what the export made; the bureau names who publishes what.
    postgis.export_database(analysed_db, analyst)
    assert psql(pg_database, "SELECT tableowner FROM pg_tables WHERE schemaname = 'citysafety' "
                             "AND tablename = 'units'") == "citysafety_analyst"
    psql(analyst, "INSERT INTO citysafety.citysafety_district_roles VALUES ('nanshan_office', '南山区')")
    city = _take(reader, tmp_path / "city.gpkg")  # a reader reads everything
    assert len(riskdb.read_layer(city, "units")) == 329
    nanshan = _district_file(city, tmp_path / "nanshan.gpkg", "南山区", rename="南山区办公室改名")
    futian = _district_file(city, tmp_path / "futian.gpkg", "福田区", rename="越权改名")
    with pytest.raises(PipelineError) as err:  # a reader writes nothing
        postgis.publish_district(nanshan, reader, "南山区")
    assert "may not" in err.value.en and "无权" in err.value.zh
    postgis.publish_district(nanshan, surveyor, "南山区")  # its own district
    with pytest.raises(PipelineError) as err:  # not another's
        postgis.publish_district(futian, surveyor, "福田区")
    assert "may not" in err.value.en
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE name = '越权改名'") == "0"
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE district = '福田区'") == "28"
    with pytest.raises(PipelineError):  # nor replace the whole database
        postgis.export_database(city, surveyor, replace=True)
    # The mapping survives the next export by an analyst; another analyst may replace the schema.
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst2') THEN "
                    "CREATE ROLE analyst2 LOGIN IN ROLE citysafety_analyst; END IF; END $$", dbname)
    later = _take(analyst, tmp_path / "later.gpkg")
    postgis.export_database(later, pg_cluster.uri(dbname, "analyst2"))
    assert psql(pg_database, "SELECT role || ' ' || district FROM citysafety.citysafety_district_roles") \
        == "nanshan_office 南山区"
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE name = '南山区办公室改名'") == "1"

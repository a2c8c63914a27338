"""One store, two engines (plugin/core/store/shared.py): every step run on a shared PostGIS
risk database through its working copy, against a throw-away cluster (tests/conftest.py).
The chain on PostGIS gives the GeoPackage run's layers field by field; district imports and a
score at once lose nothing; the copy takes again only what changed."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
import rasterio

from plugin.core.errors import PipelineError
from plugin.core.rules import load_rules
from plugin.core.steps import score_database
from plugin.core.store import postgis, riskdb, shared, tx
from tests.common import import_sample_core, sample_chain_core
from tests.core.test_postgis_store import _district_file, _take, assert_same_layer, at_once, psql

#: Columns that say when a run happened, not what it found.
WHEN = ("started", "finished", "committed", "imported_at", "seconds")


@pytest.fixture
def imported_db(tmp_path):
    (tmp_path / "imported").mkdir()
    return import_sample_core(tmp_path / "imported")


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CSRM_SHARED_CACHE", str(folder))
    return folder


def _on_shared(uri: str):
    def run(step, fn):
        return shared.run(uri, "citysafety", step, fn)
    return run


def test_the_chain_on_postgis_gives_the_geopackage_runs_layers_field_by_field(imported_db, pg_database, tmp_path):
    import shutil

    file_db = tmp_path / "file.gpkg"
    shutil.copy(imported_db, file_db)
    sample_chain_core(file_db, tmp_path / "file_density.tif")
    postgis.export_database(imported_db, pg_database)
    sample_chain_core(None, tmp_path / "pg_density.tif", run=_on_shared(pg_database))
    # The shared database holds what the file holds: the same tables, in order, field by field.
    back = _take(pg_database, tmp_path / "back.gpkg")
    names = riskdb.layer_names(file_db)
    assert riskdb.layer_names(back) == names
    assert {"risk_map", "cascade_edges", "hazard_receptor_links", "district_summary"} <= set(names)
    for name in names:
        a, b = riskdb.read_layer(file_db, name), riskdb.read_layer(back, name)
        if name == riskdb.RUNS_LAYER:  # the same steps logged, in order (times differ)
            assert b["step"].tolist()[:len(a)] == a["step"].tolist()
            continue
        when = [c for c in a.columns if c in WHEN]
        assert_same_layer(a.drop(columns=when), b.drop(columns=when), name)
    assert int(psql(pg_database, "SELECT count(*) FROM citysafety.risk_map WHERE level = 1")) == 19
    with rasterio.open(tmp_path / "file_density.tif") as f, rasterio.open(tmp_path / "pg_density.tif") as g:
        assert np.array_equal(f.read(1), g.read(1))
    # Each step was one push: the version advanced by four, the tables each wrote recorded.
    assert psql(pg_database, "SELECT version || ' ' || step FROM citysafety.citysafety_state") == "5 risk_map"
    assert psql(pg_database, "SELECT changed FROM citysafety.citysafety_layers WHERE name = 'cascade_edges'") == "4"
    assert psql(pg_database, "SELECT changed FROM citysafety.citysafety_layers WHERE name = 'import_runs'") == "1"
    # The replaced tables keep the shared database's shape: GiST index, identity, no staging left.
    assert psql(pg_database, "SELECT indexname FROM pg_indexes WHERE schemaname = 'citysafety' "
                             "AND tablename = 'units' AND indexdef LIKE '%gist%'") == "units_geom_gist"
    assert psql(pg_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'citysafety' "
                             "AND tablename LIKE '%__push'") == "0"
    assert psql(pg_database, "SELECT pg_get_serial_sequence('citysafety.units', 'fid')") == \
        "citysafety.units_fid_seq"


def test_the_working_copy_takes_again_only_what_changed(imported_db, pg_database, tmp_path, cache):
    postgis.export_database(imported_db, pg_database)
    first = shared.checkout(pg_database)
    assert first.copy.parent == cache and set(first.taken) == set(riskdb.layer_names(imported_db))
    assert shared.checkout(pg_database).taken == []  # nothing changed: nothing taken
    # A district office publishes: units and hazard sources come again, nothing else.
    city = _take(pg_database, tmp_path / "city.gpkg")
    postgis.publish_district(_district_file(city, tmp_path / "ns.gpkg", "南山区", rename="南山新名"), pg_database,
                             "南山区")
    again = shared.checkout(pg_database)
    assert sorted(again.taken) == ["hazards", "units"]
    assert "南山新名" in set(riskdb.read_layer(again.copy, "units")["name"])
    # A step whose push is refused leaves its changes in the copy only: the next take replaces them.
    con = tx.connect(again.copy)
    con.execute("BEGIN")
    con.execute("DELETE FROM units WHERE fid = 1")
    tx.touch(con, ["units"])
    con.execute("COMMIT")
    con.close()
    assert shared.checkout(pg_database).taken == ["units"]
    assert len(riskdb.read_layer(again.copy, "units")) == 329


def test_a_step_that_met_another_writer_runs_again_on_the_new_state(imported_db, pg_database, tmp_path):
    postgis.export_database(imported_db, pg_database)
    city = _take(pg_database, tmp_path / "city.gpkg")
    office = _district_file(city, tmp_path / "ft.gpkg", "福田区", rename="福田新单位")
    rules = load_rules()
    calls = []

    def score(db):
        calls.append(db)
        if len(calls) == 1:  # a district office publishes while the first run computes
            postgis.publish_district(office, pg_database, "福田区")
        return score_database(db, rules)

    ran = shared.run(pg_database, "citysafety", "score", score)
    assert ran.runs == 2 and ran.pushed is not None
    assert ran.pushed.state.version == 3 and "units" in ran.pushed.changed
    # The district's new row is there, and scored: the step ran on the state that has it.
    assert psql(pg_database, "SELECT level IS NOT NULL FROM citysafety.units WHERE name = '福田新单位'") == "t"
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE level IS NULL") == \
        str(_unscored_in_a_file_run(imported_db, tmp_path))


def _unscored_in_a_file_run(imported_db, tmp_path) -> int:
    """Units the score leaves without a level on the sample city (no hazard source, or none
    scoreable), run on the file."""
    import shutil

    db = tmp_path / "file_score.gpkg"
    shutil.copy(imported_db, db)
    score_database(db, load_rules())
    return int(riskdb.read_layer(db, "units")["level"].isna().sum())


def test_a_step_that_always_meets_another_writer_is_refused_clearly(imported_db, pg_database, tmp_path):
    postgis.export_database(imported_db, pg_database)
    city = _take(pg_database, tmp_path / "city.gpkg")
    office = _district_file(city, tmp_path / "ft.gpkg", "福田区")
    rules = load_rules()

    def score(db):
        postgis.publish_district(office, pg_database, "福田区")
        return score_database(db, rules)

    with pytest.raises(postgis.StaleShared) as err:
        shared.run(pg_database, "citysafety", "score", score, retries=1)
    assert "ran 2 times" in err.value.en and "已重试 2 次" in err.value.zh
    # Nothing of the step was written; every publish stands.
    assert psql(pg_database, "SELECT step FROM citysafety.citysafety_state") == "publish_district 福田区"
    assert psql(pg_database, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'citysafety' "
                             "AND table_name = 'units' AND column_name = 'level'") == "0"  # never scored
    assert psql(pg_database, "SELECT version FROM citysafety.citysafety_state") == "3"  # the two publishes


def test_district_imports_and_a_score_at_once_lose_nothing(imported_db, pg_database, tmp_path):
    postgis.export_database(imported_db, pg_database)
    city = _take(pg_database, tmp_path / "city.gpkg")
    districts = ("南山区", "福田区", "宝安区")
    files = {d: _district_file(city, tmp_path / f"{i}.gpkg", d, rename=f"{d}新名称") for i, d in enumerate(districts)}
    rules = load_rules()
    jobs = {d: (lambda d=d: postgis.publish_district(files[d], pg_database, d)) for d in districts}
    outcome = at_once({districts[0]: jobs.pop(districts[0]),
                       "score": lambda: shared.run(pg_database, "citysafety", "score",
                                                   lambda db: score_database(db, rules)), **jobs})
    for d in districts:  # every district's import landed and is there at the end
        assert isinstance(outcome[d], postgis.Published), outcome[d]
        assert psql(pg_database, f"SELECT count(*) FROM citysafety.units WHERE name = '{d}新名称'") == "1"
    ran = outcome["score"]
    assert isinstance(ran, shared.Ran) and ran.pushed is not None, ran
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units") == "329"
    assert psql(pg_database, "SELECT version FROM citysafety.citysafety_state") == str(1 + len(districts) + 1)
    # The score's levels stand for every unit no publish replaced after it (those wait for the next score).
    late = [d for d in districts if outcome[d].state.version > ran.pushed.state.version]
    replaced = "', '".join(f"{d}新名称" for d in late)
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE level IS NULL AND district NOT IN "
                             f"(SELECT district FROM citysafety.units WHERE name IN ('{replaced}'))") == \
        str(_unscored_in_a_file_run(imported_db, tmp_path) - _unscored_in(imported_db, late))


def _unscored_in(imported_db, districts) -> int:
    """Of the units a file run leaves without a level, those in ``districts``."""
    import shutil

    db = imported_db.with_name("unscored.gpkg")
    shutil.copy(imported_db, db)
    score_database(db, load_rules())
    units = riskdb.read_layer(db, "units")
    return int((units["level"].isna() & units["district"].isin(list(districts))).sum())


def test_steps_by_role_analysts_push_district_offices_keep_their_rows(imported_db, pg_cluster, pg_database, tmp_path):
    dbname = pg_database.rsplit("/", 1)[1]
    roles_sql = Path(__file__).resolve().parents[2] / "resources" / "postgis" / "roles.sql"
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_database, "-f", str(roles_sql)],
                   check=True, capture_output=True)
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst_s') THEN "
                    "CREATE ROLE analyst_s LOGIN IN ROLE citysafety_analyst; "
                    "CREATE ROLE nanshan_s LOGIN IN ROLE citysafety_surveyor; "
                    "CREATE ROLE reader_s LOGIN IN ROLE citysafety_reader; END IF; END $$", dbname)
    analyst, surveyor, reader = (pg_cluster.uri(dbname, u) for u in ("analyst_s", "nanshan_s", "reader_s"))
    postgis.export_database(imported_db, analyst)
    psql(analyst, "INSERT INTO citysafety.citysafety_district_roles VALUES ('nanshan_s', '南山区')")
    rules = load_rules()
    with pytest.raises(PipelineError) as err:  # a reader runs no step
        shared.run(reader, "citysafety", "score", lambda db: score_database(db, rules))
    assert "may not" in err.value.en and "无权" in err.value.zh
    with pytest.raises(PipelineError):  # nor does a district office
        shared.run(surveyor, "citysafety", "score", lambda db: score_database(db, rules))
    # A reader's report writes its files; the run log it may not write stays unwritten, said so.
    ran = shared.run(reader, "citysafety", "export_report",
                     lambda db: riskdb.append_run(db, "export_report", rules, {"xlsx": "report.xlsx"}))
    assert ran.pushed is not None and ran.pushed.unlogged and ran.pushed.changed == []
    assert psql(pg_database, "SELECT count(*) FROM citysafety.analysis_runs WHERE step = 'export_report'") == "0"
    assert shared.run(analyst, "citysafety", "score", lambda db: score_database(db, rules)).pushed is not None
    # The tables the step replaced kept the role model: owner, readers, row-level security.
    assert psql(pg_database, "SELECT tableowner FROM pg_tables WHERE schemaname = 'citysafety' "
                             "AND tablename = 'units'") == "citysafety_analyst"
    assert int(psql(reader, "SELECT count(*) FROM citysafety.units WHERE level IS NOT NULL")) > 300
    city = _take(reader, tmp_path / "city.gpkg")
    postgis.publish_district(_district_file(city, tmp_path / "ns.gpkg", "南山区", rename="南山办改"), surveyor,
                             "南山区")
    with pytest.raises(PipelineError) as err:
        postgis.publish_district(_district_file(city, tmp_path / "ft.gpkg", "福田区", rename="越权"), surveyor,
                                 "福田区")
    assert "may not" in err.value.en
    assert psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE name IN ('南山办改', '越权')") == "1"


def test_a_missing_schema_and_two_processes_on_one_copy(imported_db, pg_database, tmp_path):
    with pytest.raises(PipelineError) as err:
        shared.checkout(pg_database, "nothing_here")
    assert "holds no shared risk database" in err.value.en and "没有共享风险库" in err.value.zh
    postgis.export_database(imported_db, pg_database)
    rules = load_rules()
    order: list[str] = []

    def step(name):
        def fn(db):
            order.append(f"{name} start")
            score_database(db, rules)
            order.append(f"{name} end")
        return fn

    a = threading.Thread(target=shared.run, args=(pg_database, "citysafety", "score", step("a")))
    b = threading.Thread(target=shared.run, args=(pg_database, "citysafety", "score", step("b")))
    a.start()
    b.start()
    a.join(120)
    b.join(120)
    # One at a time on the working copy: neither started while the other ran.
    assert order in (["a start", "a end", "b start", "b end"], ["b start", "b end", "a start", "a end"])
    assert psql(pg_database, "SELECT version FROM citysafety.citysafety_state") == "3"
    assert psql(pg_database, "SELECT string_agg(step, ',' ORDER BY fid) FROM citysafety.analysis_runs") == \
        "import_surveys,score,score"


def test_a_steps_own_columns_are_written_in_place(imported_db, pg_database):
    """A step that adds its columns to units and hazard sources writes those columns into the
    shared tables (by fid): the tables, their rights and indexes stay; the survey columns are
    not rewritten. A layer it writes whole is replaced."""
    postgis.export_database(imported_db, pg_database)
    oid = "SELECT '{}'::regclass::oid"
    before = {t: psql(pg_database, oid.format(f"citysafety.{t}")) for t in ("units", "hazards", "analysis_runs")}
    survey = psql(pg_database, "SELECT md5(string_agg(concat_ws('|', fid, unit_code, name, district, "
                               "ST_AsText(geom)), ',' ORDER BY fid)) FROM citysafety.units")
    ran = shared.run(pg_database, "citysafety", "score", lambda db: score_database(db, load_rules()))
    assert {"units", "hazards", "score_issues"} <= set(ran.pushed.changed)
    after = {t: psql(pg_database, oid.format(f"citysafety.{t}")) for t in before}
    assert after["units"] == before["units"] and after["hazards"] == before["hazards"]
    assert after["analysis_runs"] != before["analysis_runs"]  # appended: the table goes whole
    assert psql(pg_database, "SELECT md5(string_agg(concat_ws('|', fid, unit_code, name, district, "
                             "ST_AsText(geom)), ',' ORDER BY fid)) FROM citysafety.units") == survey
    assert int(psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE level IS NOT NULL")) > 300
    # The columns in the copy's order, as a file run has them.
    back = riskdb.read_layer(shared.checkout(pg_database).copy, "units")
    import shutil

    file_db = imported_db.with_name("file.gpkg")
    shutil.copy(imported_db, file_db)
    score_database(file_db, load_rules())
    assert list(back.columns) == list(riskdb.read_layer(file_db, "units").columns)

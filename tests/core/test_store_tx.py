"""The store writes in place, one transaction per step (plugin/core/store/tx.py): no file
copy, nothing written on a failure or a cancel, and a step that read a state another run has
committed over refuses instead of writing the old city over the new."""

from __future__ import annotations

import os
import shutil
import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest

from plugin.core import steps
from plugin.core.errors import Canceled
from plugin.core.progress import Progress
from plugin.core.rules import load_rules
from plugin.core.store import riskdb, tx
from tests.common import read_attributes


@pytest.fixture
def db(analysed_db_session, tmp_path):
    target = tmp_path / "risk.gpkg"
    shutil.copyfile(analysed_db_session, target)
    return target


def _tables(db) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def _levels(db):
    return read_attributes(db, "units", columns=["unit_code", "level", "level_reasons"])


def test_a_step_changes_the_database_in_place(db):
    inode = db.stat().st_ino
    before = riskdb.state(db)
    issues = read_attributes(db, "import_issues")
    steps.score_database(db, load_rules())
    assert db.stat().st_ino == inode  # the same file: changed, not copied and renamed
    assert not [p for p in db.parent.iterdir() if p.name != db.name and p.name != "risk_density.tif"]
    after = riskdb.state(db)
    assert after.version == before.version + 1 and after.step == "score"
    pd.testing.assert_frame_equal(read_attributes(db, "import_issues"), issues)  # not the step's: untouched
    assert not [t for t in _tables(db) if t.startswith(tx.STAGE_PREFIX)]


def test_the_layers_stay_geopackage_layers_with_a_spatial_index(db):
    steps.score_database(db, load_rules())
    con = sqlite3.connect(db)
    try:
        for layer in ("units", "hazards", "risk_map"):
            n = con.execute(f'SELECT COUNT(*) FROM "{layer}"').fetchone()[0]
            assert con.execute(f'SELECT COUNT(*) FROM "rtree_{layer}_geom"').fetchone()[0] == n > 0
            assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = ?", (layer,)).fetchone() == \
                ("features",)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # every R-tree, those the commits copied in with their layers included, is sound
        rtrees = [f"rtree_{t}_{c}" for t, c in con.execute(
            "SELECT table_name, column_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'")]
        assert {"rtree_risk_map_geom", "rtree_hazard_receptor_links_geom", "rtree_cascade_edges_geom"} <= set(rtrees)
        for rtree in rtrees:
            assert con.execute(f"SELECT rtreecheck('{rtree}')").fetchone() == ("ok",), rtree
    finally:
        con.close()
    # GDAL reads the new columns and answers a box query through the R-tree.
    units = pyogrio.read_dataframe(db, layer="units", columns=["unit_code", "level"])
    x, y = units.geometry.x.iloc[0], units.geometry.y.iloc[0]
    box = pyogrio.read_dataframe(db, layer="units", columns=["unit_code"],
                                 bbox=(x - 1e-6, y - 1e-6, x + 1e-6, y + 1e-6))
    assert units["unit_code"].iloc[0] in set(box["unit_code"])


def test_a_step_that_read_an_older_state_refuses_to_commit(db, monkeypatch):
    """A score started before an import finished must not write the old city over the new."""
    rules = load_rules()
    scored_before = _levels(db)
    real_score = steps.score

    def import_meanwhile(*args, **kwargs):
        result = real_score(*args, **kwargs)
        # Another run commits while this score computes: here a re-import of fewer units.
        units = pyogrio.read_dataframe(db, layer="units").head(10)
        hazards = pyogrio.read_dataframe(db, layer="hazards").head(10)
        riskdb.write_layers(db, {"units": units, "hazards": hazards,
                                 riskdb.RUNS_LAYER: riskdb.run_log(None, "import_surveys")}, step="import_surveys")
        return result

    monkeypatch.setattr(steps, "score", import_meanwhile)
    with pytest.raises(tx.StaleDatabase) as err:
        steps.score_database(db, rules)
    assert "changed while score was running" in err.value.en and "import_surveys" in err.value.en
    assert "重新运行" in err.value.zh
    assert len(read_attributes(db, "units")) == 10  # the import stands, not overwritten
    assert riskdb.state(db).step == "import_surveys"
    assert len(scored_before) > 10
    assert not [t for t in _tables(db) if t.startswith(tx.STAGE_PREFIX)]


def test_two_writes_from_one_state_the_second_refuses(db):
    base = riskdb.state(db)
    frame = pd.DataFrame({"note": ["a"]})
    with riskdb.Write(db, "first", base) as w:
        w.layer("notes", frame)
    with pytest.raises(tx.StaleDatabase), riskdb.Write(db, "second", base) as w:
        w.layer("notes", pd.DataFrame({"note": ["b"]}))
    assert read_attributes(db, "notes")["note"].tolist() == ["a"]


def test_a_failure_in_the_commit_writes_nothing(db, monkeypatch):
    before = _levels(db)
    state = riskdb.state(db)
    layers = set(riskdb.layer_names(db))
    real = tx.update_columns

    def fail_on_hazards(con, table, frame, staged=None):
        if table == "hazards":
            raise OSError("disk full (simulated)")
        return real(con, table, frame, staged)

    monkeypatch.setattr(tx, "update_columns", fail_on_hazards)
    with pytest.raises(OSError):
        steps.proximity_database(db, load_rules())  # units were updated before the failure: rolled back
    pd.testing.assert_frame_equal(_levels(db), before)
    assert riskdb.state(db) == state and set(riskdb.layer_names(db)) == layers
    assert not [t for t in _tables(db) if t.startswith(tx.STAGE_PREFIX)]


def test_a_cancel_writes_nothing(db):
    before = _levels(db)
    state = riskdb.state(db)

    class CancelAtWriting(Progress):
        def step(self, pct, text=""):
            if pct >= 80:
                raise Canceled()

    with pytest.raises(Canceled):
        steps.cascade_database(db, load_rules(), CancelAtWriting())
    pd.testing.assert_frame_equal(_levels(db), before)
    assert riskdb.state(db) == state


def test_tables_a_killed_run_staged_are_removed_by_the_next_write(db):
    dead = "_stage_999999999_deadbeef_risk_map"
    pyogrio.write_dataframe(pyogrio.read_dataframe(db, layer="risk_map").head(3), db, layer=dead, driver="GPKG")
    assert dead in _tables(db) and dead not in riskdb.layer_names(db)  # never shown as a layer of ours
    steps.score_database(db, load_rules())
    assert dead not in _tables(db) and f"rtree_{dead}_geom" not in _tables(db)


def test_only_the_steps_own_columns_are_written(db):
    """The cascade writes the columns it changed; the survey columns stay byte for byte."""
    con = sqlite3.connect(db)
    survey = con.execute("SELECT fid, unit_code, name, geom FROM hazards ORDER BY fid").fetchall()
    con.close()
    steps.cascade_database(db, load_rules())
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT fid, unit_code, name, geom FROM hazards ORDER BY fid").fetchall() == survey
    finally:
        con.close()


def test_rescoring_removes_the_later_steps_columns_in_one_rebuild(db):
    rules = load_rules()
    assert "cascade_reason" in read_attributes(db, "units").columns
    steps.score_database(db, rules)
    cols = set(read_attributes(db, "units").columns)
    assert "cascade_reason" not in cols and "population_500m" not in cols and "level" in cols
    hz = read_attributes(db, "hazards")
    assert "cascade_base_level" not in hz.columns and "upgrade_reason" not in hz.columns
    # The R-tree still matches the rebuilt tables.
    con = sqlite3.connect(db)
    try:
        assert con.execute('SELECT COUNT(*) FROM "rtree_hazards_geom"').fetchone()[0] == len(hz)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()


def test_values_round_trip_through_the_column_update(tmp_path):
    frame = pd.DataFrame({"t": ["a", None, "中文"], "r": [1.5, np.nan, -2.0], "i": [1, 2, 3],
                          "b": [True, False, True]})
    db = riskdb.write_layers(tmp_path / "x.gpkg", {"rows": pd.DataFrame({"k": ["x", "y", "z"]}),
                                                   riskdb.RUNS_LAYER: riskdb.run_log(None, "test")})
    with riskdb.Write(db, "test", riskdb.state(db)) as w:
        w.columns("rows", frame)
    back = read_attributes(db, "rows")
    assert back["t"].tolist()[0] == "a" and back["t"].isna().tolist() == [False, True, False]
    assert back["r"].tolist()[0] == 1.5 and np.isnan(back["r"].iloc[1])
    assert back["i"].tolist() == [1, 2, 3] and back["b"].tolist() == [True, False, True]
    assert back["k"].tolist() == ["x", "y", "z"]


def test_scoring_reads_only_its_inputs_and_scores_the_same(analysed_db_session):
    """The store reads scoring's inputs alone (scoring.methods.UNIT_INPUTS, HAZARD_INPUTS);
    a column scoring starts to use without being listed there would change this."""
    from plugin.core import fields
    from plugin.core.scoring.methods import HAZARD_INPUTS, UNIT_INPUTS, score

    rules = load_rules()
    every = {n: steps._read(analysed_db_session, n, fields.SCORE, rules, geometry=False) for n in ("units", "hazards")}
    assert len(every["hazards"].columns) > len(HAZARD_INPUTS) + 5  # the survey has many more
    full = score(every["units"], every["hazards"], rules)
    narrow = score(every["units"][list(UNIT_INPUTS)], every["hazards"][list(HAZARD_INPUTS)], rules)
    pd.testing.assert_frame_equal(full.hazards, narrow.hazards)
    pd.testing.assert_frame_equal(full.units, narrow.units)
    pd.testing.assert_frame_equal(full.issues, narrow.issues)


def test_a_killed_runs_values_file_is_removed_by_the_next_write(db):
    mine = tx.values_file(db)  # this process's name; the same for one that is gone
    orphan = mine.with_name(mine.name.replace(f"_{os.getpid()}_", "_999999999_"))
    orphan.write_bytes(b"left by a killed run")
    steps.score_database(db, load_rules())
    assert not orphan.exists()
    assert not list(db.parent.glob("*.values.gpkg"))  # and the score's own is gone after its commit


def test_the_cascade_reads_only_its_inputs_and_gives_the_same(analysed_db_session):
    """steps.CASCADE_INPUTS: the cascade on those columns gives what it gives on every column."""
    from plugin.core import fields

    rules, db = load_rules(), analysed_db_session
    every = steps._read_scored(db, fields.CASCADE, rules, keep=steps.CASCADE_KEEPS)
    narrow = steps._read_scored(db, fields.CASCADE, rules, keep=steps.CASCADE_KEEPS, only=steps.CASCADE_INPUTS)
    assert len(every[1].columns) > 2 * len(narrow[1].columns)
    full = steps._cascade(*every, rules, Progress())
    less = steps._cascade(*narrow, rules, Progress())
    for i, read in ((0, narrow[1]), (1, narrow[0])):  # hazards, units: the columns the step writes
        written = list(steps._changed(less[i], read).columns)
        assert "level" in full[i] and written
        pd.testing.assert_frame_equal(pd.DataFrame(full[i][written]), pd.DataFrame(less[i][written]))
    pd.testing.assert_frame_equal(full[3], less[3])  # chains
    assert len(full[2]) == len(less[2]) and (full[5] == less[5]).all()


def _plan(con, sql: str) -> str:
    return " ".join(str(r[-1]) for r in con.execute("EXPLAIN QUERY PLAN " + sql))


def test_the_inspector_and_the_panel_read_through_indexes(db):
    """At city scale the inspector's look-ups by code and the panel's counts would each scan a
    million rows; every commit leaves the indexes they use (tx.INDEXES), a re-score included,
    which drops the level indexes before its UPDATE and builds them again after it."""
    con = sqlite3.connect(db)
    try:  # the partial indexes hold exactly the rows the panel counts
        assert "csrm_hazards_near_high" in _plan(con, 'SELECT COUNT(*) FROM hazards WHERE "n_high" > 0')
        n_high = con.execute('SELECT COUNT(*) FROM hazards WHERE "n_high" > 0').fetchone()[0]
        assert n_high and n_high == sum(1 for (v,) in con.execute('SELECT "n_high" FROM hazards') if v and v > 0)
    finally:
        con.close()
    steps.score_database(db, load_rules())  # rewrites the units' and hazards' levels
    con = sqlite3.connect(db)
    try:
        indexes = {r[0]: r[1] for r in con.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")}
        for index in tx.INDEXES:
            if set(index.columns) <= set(tx.table_columns(con, index.table)):
                assert indexes.get(index.name) == index.table, index.name
        assert "USING INDEX csrm_hazards_unit" in _plan(con, "SELECT * FROM hazards WHERE \"unit_code\" = 'x'")
        assert "USING COVERING INDEX csrm_units_panel" in _plan(
            con, 'SELECT "district", "level", "inherent_level", COUNT(*) FROM units GROUP BY 1, 2, 3')
        assert "csrm_units_panel (level=?)" in _plan(con, 'SELECT * FROM units WHERE "level" = 1')
    finally:
        con.close()


def test_an_update_of_indexed_columns_leaves_the_index_right(tmp_path):
    db = tmp_path / "t.gpkg"
    riskdb.write_layers(db, {"hazards": pd.DataFrame({"hazard_code": ["a", "b", "c"], "unit_code": ["u", "u", "v"],
                                                      "level": [4, 4, 4]})})
    with riskdb.Write(db, "score") as w:
        w.columns("hazards", pd.DataFrame({"level": [1, 2, 1]}))
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT 1 FROM sqlite_master WHERE name = 'csrm_hazards_level'").fetchone()
        assert con.execute('SELECT COUNT(*) FROM hazards INDEXED BY csrm_hazards_level WHERE "level" = 1'
                           ).fetchone()[0] == 2
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_reads_come_in_fid_order_even_where_an_index_covers_them(db):
    """GDAL reads a layer in the order of SQLite's plan: ``SELECT fid, level FROM hazards``
    scans the covering index csrm_hazards_level, level by level. A step writes its columns
    back by position, so the store's reader orders by fid."""
    from plugin.core.store import read

    con = sqlite3.connect(db)
    try:
        assert "COVERING INDEX csrm_hazards_level" in _plan(con, 'SELECT "fid", "level" FROM "hazards"')
        by_fid = [r[0] for r in con.execute('SELECT "level" FROM "hazards" ORDER BY fid')]
    finally:
        con.close()
    assert len(set(by_fid)) > 1 and by_fid != sorted(by_fid)  # (else the order would prove nothing)
    assert read.layer(db, "hazards", ["level"], geometry=False)["level"].tolist() == by_fid
    assert read.columns(db, "hazards", ("level",))["level"].tolist() == by_fid


def test_the_reader_gives_what_pyogrio_gives(db):
    """Same columns, types (text, int64, or float64 where a value is missing, bool, float64),
    missing values, geometry and CRS as pyogrio's read, for every layer of an analysed city."""
    from plugin.core.store import read

    for name in riskdb.layer_names(db):
        have = read.field_names(db, name)
        for geometry in (False, True):
            ours = read.layer(db, name, have, geometry=geometry)
            theirs = pyogrio.read_dataframe(db, sql=f'SELECT * FROM "{name}" ORDER BY fid', read_geometry=geometry)
            if not geometry or "geometry" not in theirs:
                pd.testing.assert_frame_equal(ours, pd.DataFrame(theirs.drop(columns="geometry", errors="ignore")))
                continue
            assert ours.crs == theirs.crs and ours.geometry.name == "geometry"
            assert ours.geometry.to_wkb().tolist() == theirs.geometry.to_wkb().tolist(), name
            pd.testing.assert_frame_equal(pd.DataFrame(ours.drop(columns="geometry")),
                                          pd.DataFrame(theirs[ours.columns].drop(columns="geometry")))


def _hold_the_commit_open(monkeypatch, inside, seconds=0.4):
    """Make a commit stop for a while inside its transaction (after its writes, before COMMIT)."""
    import time

    touch = tx.touch

    def slow(con, tables):
        touch(con, tables)
        inside.set()
        time.sleep(seconds)

    monkeypatch.setattr(tx, "touch", slow)


def _log_a_run_in_a_thread(db):
    """The report's run-log commit, in a thread of its own; what it raised goes in the list."""
    import threading

    failed: list = []

    def commit():
        try:
            riskdb.append_run(db, "export_report", summary={"pages": 1})
        except Exception as exc:
            failed.append(exc)

    writer = threading.Thread(target=commit)
    writer.start()
    return writer, failed


def test_a_read_in_another_thread_waits_for_a_commit_and_does_not_break_it(db, monkeypatch):
    """The panel re-reads the database (pyogrio: its own SQLite library) while a step in a
    task commits (Python's sqlite3: the system's). Two SQLite copies in one process do not see
    each other's file locks: the read took the open journal for a crashed writer's, played it
    back, and the commit failed with "disk I/O error". Reads and writes of one database now
    take turns (store/serial.py): the commit lands, the read sees it."""
    import threading

    from plugin.core.store import read

    inside = threading.Event()
    _hold_the_commit_open(monkeypatch, inside)
    runs_before = len(riskdb.read_runs(db))
    writer, failed = _log_a_run_in_a_thread(db)
    assert inside.wait(30)
    seen = (riskdb.layer_names(db), read.count(db, "units", "1 = 1"), len(riskdb.read_runs(db)), tx.state(db))
    writer.join(60)
    assert not failed, failed
    assert "units" in seen[0] and seen[1] > 0
    assert seen[2] == runs_before + 1  # the read came after the commit, not in the middle of it
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    assert not db.with_name(db.name + "-journal").exists()


def test_a_layer_write_in_another_thread_waits_for_a_read_transaction(db, monkeypatch):
    """The other way round: a step stages a layer (pyogrio writes) while a commit's
    transaction (sqlite3) is open; the staging waits, both land, the file is sound."""
    import threading

    inside = threading.Event()
    _hold_the_commit_open(monkeypatch, inside)
    writer, failed = _log_a_run_in_a_thread(db)
    assert inside.wait(30)
    riskdb.update_layers(db, {"notes": pd.DataFrame({"note": ["a", "b"]})}, step="notes")
    writer.join(60)
    assert not failed, failed
    assert list(riskdb.read_layer(db, "notes")["note"]) == ["a", "b"]
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_gdal_writes_the_staged_layers_beside_the_database_not_into_it(db, monkeypatch):
    """GDAL (pyogrio's own SQLite) writes a step's layers into the staging file; what the
    database receives is copied in by the commit, through the SQLite QGIS uses (serial.py)."""
    from pathlib import Path

    from plugin.core.store import bulk

    written = []
    write = bulk.write_layer

    def spy(path, *args, **kwargs):
        written.append(Path(path))
        return write(path, *args, **kwargs)

    monkeypatch.setattr(bulk, "write_layer", spy)
    steps.score_database(db, load_rules())
    assert written and db not in written
    assert not [p for p in db.parent.iterdir() if ".part" in p.name]  # the staging file is gone
    issues = pyogrio.read_dataframe(db, layer="score_issues")
    assert len(issues) == len(read_attributes(db, "score_issues"))
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the copied layer is a GeoPackage layer as GDAL made it: registered, counted, its fids kept
        assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'score_issues'").fetchone()
        assert not con.execute("SELECT 1 FROM gpkg_contents WHERE table_name LIKE '\\_stage%' ESCAPE '\\'").fetchone()
    finally:
        con.close()


def test_a_staged_point_layer_keeps_its_crs_and_spatial_index(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    db = tmp_path / "risk.gpkg"
    riskdb.write_layers(db, {"units": gpd.GeoDataFrame({"unit_code": ["a"]}, geometry=[Point(114.0, 22.5)],
                                                       crs="EPSG:4490")})
    pts = gpd.GeoDataFrame({"k": [1, 2, 3]}, geometry=[Point(500000 + i, 2500000) for i in range(3)], crs="EPSG:4547")
    riskdb.update_layers(db, {"pts": pts}, step="test")
    back = pyogrio.read_dataframe(db, layer="pts")
    assert back.crs.to_epsg() == 4547 and list(back["k"]) == [1, 2, 3]
    assert len(pyogrio.read_dataframe(db, layer="pts", bbox=(500000.5, 2499999, 500001.5, 2500001))) == 1  # the R-tree
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT COUNT(*) FROM rtree_pts_geom").fetchone()[0] == 3
        assert con.execute("SELECT rtreecheck('rtree_pts_geom')").fetchone()[0] == "ok"
        assert con.execute("SELECT organization_coordsys_id FROM gpkg_spatial_ref_sys s JOIN gpkg_contents c"
                           " ON c.srs_id = s.srs_id WHERE c.table_name = 'pts'").fetchone()[0] == 4547
    finally:
        con.close()
    # the R-tree follows later edits (its triggers came along)
    con = tx.connect(db)
    try:
        con.execute("DELETE FROM pts WHERE k = 1")
        assert con.execute("SELECT COUNT(*) FROM rtree_pts_geom").fetchone()[0] == 2
        assert con.execute("SELECT rtreecheck('rtree_pts_geom')").fetchone()[0] == "ok"
    finally:
        con.close()

"""Each step records itself in the database's run log (analysis_runs): what ran, when, with
which rules file (its SHA-256) and which plugin version; the report and the dock read it."""

from __future__ import annotations

import json

import pyogrio

from plugin.core.rules import load_rules
from plugin.core.store import riskdb


def test_run_all_logs_every_step_in_order(analysed_db_session):
    runs = riskdb.read_runs(analysed_db_session)
    assert list(runs["step"]) == ["import_surveys", "score", "proximity", "cascade", "risk_map"]
    rules = load_rules()
    assert (runs["rules_sha256"].iloc[1:] == rules.sha256).all() and runs["rules_sha256"].iloc[0] == ""
    assert (runs["plugin_version"] == riskdb.plugin_version()).all()
    units = pyogrio.read_dataframe(analysed_db_session, layer="units", read_geometry=False)
    imported = json.loads(runs["summary"].iloc[0])
    assert imported["units"] == len(units) and imported["files"] == 7
    final = json.loads(runs["summary"].iloc[3])  # after the cascade, the levels the map shows
    assert final["level1"] == int((units["level"] == 1).sum())
    assert (runs["started"] <= runs["finished"]).all()


def test_append_run_adds_one_row_in_place(analysed_db):
    before = pyogrio.read_dataframe(analysed_db, layer="units", read_geometry=False)
    riskdb.append_run(analysed_db, "export_report", summary={"xlsx": "r.xlsx"})
    runs = riskdb.read_runs(analysed_db)
    assert len(runs) == 6 and runs["step"].iloc[-1] == "export_report"
    assert json.loads(runs["summary"].iloc[-1]) == {"xlsx": "r.xlsx"}
    after = pyogrio.read_dataframe(analysed_db, layer="units", read_geometry=False)
    assert after.equals(before)


def test_a_database_without_a_log_reads_as_empty(tmp_path):
    runs = riskdb.read_runs(tmp_path / "none.gpkg")
    assert len(runs) == 0 and list(runs.columns) == list(riskdb.RUNS_FIELDS)

"""What the dock panel reads from a risk database (plugin/core/status.py): the steps that have
run, decided from the layers and fields; their counts equal the database's; units per level
and sector; the level-1 units; one unit's hazards, receptors and chains; and only the
columns that are needed are read."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio
import pytest

from plugin.core import status, steps
from plugin.core.rules import load_rules
from plugin.core.steps import score_database
from plugin.core.store import read as store_read
from plugin.core.store import riskdb
from tests.common import imported_only, unit_with_everything
from tests.common import read_attributes as read


@pytest.fixture
def imported_db(analysed_db_session, tmp_path):
    return imported_only(analysed_db_session, tmp_path / "imported.gpkg")


def test_analysed_database_every_step_but_the_report(analysed_db_session):
    db = analysed_db_session
    st = status.read_status(db)
    assert st.exists and not st.error
    assert [s for s in steps.ORDER if st.done(s)] == ["import", "score", "proximity", "cascade", "map"]
    assert all(st.enabled(s) for s in steps.ORDER)  # the report needs the map, which has run
    units, hazards = read(db, "units"), read(db, "hazards")
    issues = read(db, "import_issues")
    assert st.steps["import"].counts == {"units": len(units), "hazards": len(hazards),
                                         "errors": int((issues["severity"] == "error").sum()),
                                         "warnings": int((issues["severity"] == "warning").sum())}
    sc = st.steps["score"].counts
    for k in (1, 2, 3, 4):
        assert sc[f"level{k}"] == int((units["level"] == k).sum())
    assert sc["unscored"] == int(units["level"].isna().sum() + (units["level"] == 0).sum())
    assert sc["major_hazards"] == int(units["major_hazard"].sum())
    px = st.steps["proximity"].counts
    assert px["links"] == len(read(db, "hazard_receptor_links"))
    assert px["upgraded"] == int((hazards["upgrade_reason"].fillna("").str.strip() != "").sum())
    cs = st.steps["cascade"].counts
    assert cs["edges"] == len(read(db, "cascade_edges")) and cs["chains"] == len(read(db, "cascade_chains"))
    # the map's counts: its units and districts, and who answers for the risk — counted here
    # from the hazards and units themselves (the rules' [controls]: levels 1 and 2)
    def blank(frame, column):
        return frame[column].fillna("").astype(str).str.strip() == ""

    graded = hazards[hazards["level"].isin([1, 2])]
    no_controls = blank(graded, "controls_engineering") & blank(graded, "controls_management") & \
        blank(graded, "controls_emergency")
    majors = units[units["major_hazard"].astype(bool)]
    unnamed = blank(majors, "principal_person") | blank(majors, "technical_person") | blank(majors, "operating_person")
    assert st.steps["map"].counts == {"units": len(read(db, "risk_map")),
                                      "districts": len(read(db, "district_summary")),
                                      "controls_missing": int(no_controls.sum()),
                                      "person_missing": int(blank(graded, "responsible_person").sum()),
                                      "major_unnamed": int(unnamed.sum())}
    assert st.steps["map"].counts["controls_missing"] > 0 and st.steps["map"].counts["major_unnamed"] > 0
    # when each step ran comes from the run log
    runs = riskdb.read_runs(db)
    assert st.steps["score"].finished == runs.loc[runs["step"] == "score", "finished"].iloc[-1]


def test_imported_only_database_enables_import_and_score(imported_db):
    st = status.read_status(imported_db)
    assert [s for s in steps.ORDER if st.done(s)] == ["import"]
    assert [s for s in steps.ORDER if st.enabled(s)] == ["import", "score"]
    assert st.steps["import"].counts["units"] == len(read(imported_db, "units"))


def test_scoring_again_undoes_proximity_and_cascade(imported_db, analysed_db):
    score_database(imported_db, load_rules())
    st = status.read_status(imported_db)
    assert [s for s in steps.ORDER if st.done(s)] == ["import", "score"]
    assert [s for s in steps.ORDER if st.enabled(s)] == ["import", "score", "proximity", "cascade", "map", "risk_list",
                                                          "cards"]
    # on the analysed database the cascade_edges layer stays, but its fields are gone
    score_database(analysed_db, load_rules())
    st = status.read_status(analysed_db)
    assert "cascade_edges" in st.layers
    assert not st.done("proximity") and not st.done("cascade") and st.done("score")


def test_report_counts_only_after_the_last_other_step(analysed_db):
    riskdb.append_run(analysed_db, "export_report", summary={"xlsx": "/r/report.xlsx", "pdf": "/r/report.pdf"})
    st = status.read_status(analysed_db)
    assert st.done("report")
    assert st.steps["report"].outputs == {"xlsx": "/r/report.xlsx", "pdf": "/r/report.pdf"}
    assert st.steps["report"].finished
    riskdb.append_run(analysed_db, "cascade")  # a step after the report: the report is stale
    assert not status.read_status(analysed_db).done("report")


def test_the_exports_are_done_after_the_last_change(analysed_db):
    """The risk list and the notice cards count as done from their run-log row until a step
    changes the database; the panel shows what they wrote."""
    riskdb.append_run(analysed_db, "risk_list", summary={"xlsx": "/d/list.xlsx", "rows": 804})
    riskdb.append_run(analysed_db, "notice_cards", summary={"pdf": "/d/cards.pdf", "folder": "", "cards": 49})
    st = status.read_status(analysed_db)
    assert st.done("risk_list") and st.done("cards") and not st.done("report")
    assert st.steps["risk_list"].counts == {"files": 1, "rows": 804}
    assert st.steps["cards"].outputs == {"pdf": "/d/cards.pdf"} and st.steps["cards"].counts["cards"] == 49
    riskdb.append_run(analysed_db, "score")  # the levels changed since
    st = status.read_status(analysed_db)
    assert not st.done("risk_list") and not st.done("cards")


def test_no_database_or_not_a_geopackage(tmp_path):
    st = status.read_status(tmp_path / "missing.gpkg")
    assert not st.exists and not any(st.done(s) for s in steps.ORDER)
    assert [s for s in steps.ORDER if st.enabled(s)] == ["import"]
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a database", encoding="utf-8")
    st = status.read_status(bad)
    assert st.exists and st.error and not st.done("import")
    assert status.read_status("").steps["import"].done is False
    snap = status.snapshot(bad)
    assert snap.summary.total == 0 and len(snap.level_one) == 0


def test_level_summary_by_level_and_sector(analysed_db_session):
    db = analysed_db_session
    units = read(db, "units", columns=["sector", "level"])
    s = status.level_summary(db)
    assert s.total == len(units)
    assert s.levels == {k: int((units["level"] == k).sum()) for k in (1, 2, 3, 4)}
    assert s.unscored == len(units) - sum(s.levels.values())
    table = s.by_sector.set_index("sector")
    assert table["total"].sum() == len(units)
    for sector, group in units.groupby("sector"):
        row = table.loc[sector]
        assert row["total"] == len(group)
        assert [row[f"level{k}"] for k in (1, 2, 3, 4)] == [int((group["level"] == k).sum()) for k in (1, 2, 3, 4)]
    assert list(s.by_sector["total"]) == sorted(s.by_sector["total"], reverse=True)


def test_level_one_units_are_the_databases(analysed_db_session):
    db = analysed_db_session
    units = read(db, "units", columns=["unit_code", "level"])
    expected = set(units.loc[units["level"] == 1, "unit_code"])
    frame = status.level_one_units(db)
    assert set(frame["unit_code"]) == expected and len(frame) == len(expected) > 0
    assert set(status.LEVEL_ONE_COLUMNS) <= set(frame.columns)
    # each unit's score by its method: GB 18218 by R first, then LEC by D, then LS, highest first
    hazards = read(db, "hazards", columns=["hazard_code", "lec_d", "ls_r"]).set_index("hazard_code")
    units = read(db, "units", columns=["unit_code", "method", "r_value", "worst_hazard"]).set_index("unit_code")
    kinds = []
    for row in frame.itertuples():
        u = units.loc[row.unit_code]
        if u["method"] == "gb18218":
            assert row.score_text == f"R {round(u['r_value'], 1)}" and row.score == u["r_value"]
            kinds.append(0)
        elif pd.notna(hazards.loc[u["worst_hazard"], "lec_d"]):
            assert row.score_text == f"D {int(round(hazards.loc[u['worst_hazard'], 'lec_d']))}"
            kinds.append(1)
        else:
            assert row.score_text == f"LS {int(round(hazards.loc[u['worst_hazard'], 'ls_r']))}"
            kinds.append(2)
    assert kinds == sorted(kinds) and {0, 1, 2} <= set(kinds)
    for k in (0, 1, 2):
        scores = [sc for sc, kk in zip(frame["score"], kinds) if kk == k]
        assert scores == sorted(scores, reverse=True)


def test_district_levels_from_the_district_summary(analysed_db_session):
    # Per district of the risk map: counts, shares summing to 100, the inherent counts and the
    # units raised, as the district summary holds them; worst (by risk index) first.
    db = analysed_db_session
    d = status.district_levels(db)
    assert d.source == status.FROM_MAP and d.inherent
    summary = read(db, "district_summary").sort_values("risk_index_rank", kind="stable")
    t = d.table
    assert list(t.columns) == list(status.DISTRICT_LEVEL_COLUMNS)
    assert t["district"].tolist() == summary["district"].tolist()
    for k in (1, 2, 3, 4):
        assert t[f"level{k}"].tolist() == summary[f"n_level{k}"].tolist()
        assert t[f"inherent{k}"].tolist() == summary[f"n_inherent{k}"].astype(int).tolist()
    assert t["raised"].tolist() == summary["n_raised"].astype(int).tolist() and t["raised"].sum() >= 1
    shares = t[[f"share{k}" for k in (1, 2, 3, 4)] + ["share_unscored"]].sum(axis=1)
    assert shares.tolist() == pytest.approx([100.0] * len(t))
    assert status.snapshot(db).districts.table.equals(t)


def test_district_levels_counted_from_the_units(analysed_db):
    # Once a step changed the levels after the map, its summary is old: the panel counts the
    # units' surveyed districts in the database instead (GROUP BY), and with scores alone
    # nothing is raised.
    from plugin.core.rules import load_rules
    from plugin.core.steps import score_database

    score_database(analysed_db, load_rules())
    d = status.district_levels(analysed_db)
    assert d.source == status.FROM_UNITS and d.inherent
    units = read(analysed_db, "units", columns=["district", "level", "inherent_level"])
    t = d.table.set_index("district")
    assert t["n_units"].to_dict() == units.groupby("district").size().to_dict()
    for k in (1, 2, 3, 4):
        assert t[f"level{k}"].to_dict() == (units["level"] == k).groupby(units["district"]).sum().to_dict()
        assert t[f"inherent{k}"].astype(int).to_dict() == \
            (units["inherent_level"] == k).groupby(units["district"]).sum().to_dict()
    assert (t["raised"] == 0).all()
    assert t[["share1", "share2", "share3", "share4", "share_unscored"]].sum(axis=1).tolist() == \
        pytest.approx([100.0] * len(t))


def test_district_levels_of_a_database_scored_before_inherent_levels(analysed_db):
    # No inherent_level on the units (nor in the summary): counts and shares, the inherent
    # counts and the units raised unknown (<NA>), from the summary and from the units alike.
    units = riskdb.read_layer(analysed_db, "units").drop(columns="inherent_level")
    summary = riskdb.read_layer(analysed_db, "district_summary")
    summary = summary.drop(columns=[c for c in summary if c.startswith(("share_", "n_inherent", "n_raised"))])
    riskdb.update_layers(analysed_db, {"units": units, "district_summary": summary})
    from_map = status.district_levels(analysed_db)
    assert from_map.source == status.FROM_MAP and not from_map.inherent
    from_units = status._districts_from_units(analysed_db)
    assert from_units.source == status.FROM_UNITS and not from_units.inherent
    for d in (from_map, from_units):
        assert d.table[["inherent1", "inherent2", "inherent3", "inherent4", "raised"]].isna().all().all()
        assert d.table["share_unscored"].notna().all() and d.table["n_units"].sum() > 0


def test_the_map_step_is_stale_after_a_rescore(analysed_db):
    """Scoring again after the risk map leaves the map with older levels: the map step is no
    longer done (and the report, which needs it, cannot start)."""
    from plugin.core.rules import load_rules
    from plugin.core.steps import score_database

    assert status.read_status(analysed_db).steps["map"].done
    score_database(analysed_db, load_rules())
    st = status.read_status(analysed_db)
    assert st.steps["map"].stale and not st.steps["map"].done
    assert not st.steps["proximity"].done and not st.steps["cascade"].done


def test_unit_details(analysed_db_session):
    db = analysed_db_session
    code = unit_with_everything(db)
    d = status.unit_details(db, code)
    assert d.unit["unit_code"] == code and d.unit["name"]
    hazards = read(db, "hazards", columns=["hazard_code", "unit_code"])
    mine = set(hazards.loc[hazards["unit_code"] == code, "hazard_code"])
    assert set(d.hazards["hazard_code"]) == mine
    links = read(db, "hazard_receptor_links")
    links = links[links["hazard_code"].isin(mine)]
    assert len(d.receptors) == min(len(links), 50) > 0
    assert list(d.receptors["distance_m"]) == sorted(d.receptors["distance_m"])  # nearest first
    chains = read(db, "cascade_chains")
    chains = chains[chains["start"].isin(mine)]
    assert len(d.chains) == min(len(chains), 30)
    assert set(d.chains["start"]) <= mine
    assert list(d.chains["probability"]) == sorted(d.chains["probability"], reverse=True)
    assert status.unit_details(db, "NO-SUCH-UNIT") is None
    assert status.unit_details(db, "O'Brien") is None  # quotes in a code do not break the filter


def test_nearest_unit(analysed_db_session):
    db = analysed_db_session
    units = pyogrio.read_dataframe(db, layer="units", columns=["unit_code"])
    u = units.iloc[7]
    assert store_read.nearest_unit(db, u.geometry.x + 1e-5, u.geometry.y, 1e-3) == u["unit_code"]
    assert store_read.nearest_unit(db, 0.0, 0.0, 1e-3) is None
    assert store_read.layer_crs(db) == "EPSG:4490"


def test_reads_only_the_columns_it_needs(analysed_db_session, monkeypatch):
    """A city has a million units: no reader pulls whole layers with their geometry."""
    calls = []
    real = pyogrio.read_dataframe

    def spy(path, *args, **kw):
        calls.append(kw)
        return real(path, *args, **kw)

    monkeypatch.setattr(pyogrio, "read_dataframe", spy)
    db = analysed_db_session
    status.snapshot(db)
    status.unit_details(db, unit_with_everything(db))
    assert calls
    for kw in calls:
        if "sql" in kw:  # counted in the database: a few numbers come back, never the rows
            sql = kw["sql"].upper()
            assert sql.startswith("SELECT") and ("COUNT(*)" in sql or "SUM(CASE" in sql)
        else:
            assert kw.get("read_geometry") is False and kw.get("columns") is not None
            assert "geometry" not in kw["columns"] and len(kw["columns"]) <= len(status.HAZARD_DETAIL_COLUMNS)


def test_run_log_without_summary_json(analysed_db):
    """A report row whose summary is not JSON still counts as the report, with no paths."""
    riskdb.append_run(analysed_db, "export_report")
    frame = read(analysed_db, "analysis_runs")
    assert json.loads(frame["summary"].iloc[-1]) == {}
    st = status.read_status(analysed_db)
    assert st.done("report") and st.steps["report"].outputs == {}


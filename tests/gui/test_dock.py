"""The dock panel (城市安全风险一张图) driven with pytest-qgis: steps enabled in order with the
database's counts, each opening its dialog with the database filled in; the level summary;
the level-1 list (double-click zooms to and selects the unit); the inspector showing a unit
clicked on the map; the database remembered; a step run as a task with progress and
cancel; the plugin's panel action and a clean unload."""

from __future__ import annotations

import time

import pyogrio
import pytest

from tests.common import SAMPLE, imported_only, registry_without_provider, unit_with_everything
from tests.common import read_attributes as read
from tests.common import run_algorithm as _run


def wait_for(condition, timeout: float = 60.0) -> bool:
    from qgis.core import QgsApplication

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QgsApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    QgsApplication.processEvents()
    return condition()


@pytest.fixture
def settings_restored(qgis_app):
    from qgis.core import QgsSettings

    from plugin.gui.dock import AGGREGATION_KEY, LEVEL_FIELD_KEY, SETTINGS_KEY

    old = QgsSettings().value(SETTINGS_KEY, "")
    QgsSettings().remove(AGGREGATION_KEY)
    QgsSettings().remove(LEVEL_FIELD_KEY)
    yield
    QgsSettings().setValue(SETTINGS_KEY, old)
    QgsSettings().remove(AGGREGATION_KEY)
    QgsSettings().remove(LEVEL_FIELD_KEY)


@pytest.fixture
def make_dock(qgis_iface, provider, settings_restored):
    from plugin.gui.dock import RiskDock

    docks = []

    def make(db=None):
        dock = RiskDock(qgis_iface)
        if db is not None:
            dock.set_database(str(db))
        docks.append(dock)
        return dock

    yield make
    for dock in docks:
        if dock.is_running():
            dock.cancel()
            wait_for(lambda d=dock: not d.is_running())
        dock.cleanup()
        dock.deleteLater()


@pytest.fixture
def project(qgis_new_project, qgis_canvas):
    """An empty project; the canvas back to no CRS."""
    from qgis.core import QgsCoordinateReferenceSystem

    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem())
    yield qgis_new_project
    qgis_new_project.removeAllMapLayers()


def enabled(dock) -> list[str]:
    return [s for s, b in dock.step_buttons.items() if b.isEnabled()]


def test_imported_only_database_enables_import_and_score(make_dock, analysed_db_session, tmp_path):
    db = imported_only(analysed_db_session, tmp_path / "imported.gpkg")
    dock = make_dock(db)
    assert dock.objectName() == "CitySafetyRiskDock"
    assert enabled(dock) == ["import", "score"]
    assert [s for s, b in dock.run_buttons.items() if b.isEnabled()] == ["score"]
    assert "✓" in dock.step_state["import"].text() and "✓" not in dock.step_state["score"].text()
    n = len(read(db, "units"))
    assert f"{n} " in dock.step_labels["import"].text()
    assert dock.level_one_table.rowCount() == 0


def test_no_database_only_import(make_dock, tmp_path):
    dock = make_dock(tmp_path / "new.gpkg")
    assert enabled(dock) == ["import"]
    assert not any(b.isEnabled() for b in dock.run_buttons.values())


def test_analysed_database_steps_and_counts(make_dock, analysed_db_session):
    from plugin.gui.dock import _fmt

    db = analysed_db_session
    dock = make_dock(db)
    assert enabled(dock) == ["import", "score", "proximity", "cascade", "map", "report", "risk_list", "cards"]
    done = [s for s, lab in dock.step_state.items() if "✓" in lab.text()]
    assert done == ["import", "score", "proximity", "cascade", "map"]  # the report has not run
    units, hazards, issues = read(db, "units"), read(db, "hazards"), read(db, "import_issues")
    errors = int((issues["severity"] == "error").sum())
    assert dock.step_labels["import"].text().startswith(
        f"{_fmt(len(units))} units, {_fmt(len(hazards))} hazard sources, {_fmt(errors)} errors")
    score = dock.step_labels["score"].text()
    assert score.startswith("Level 1: {} · 2: {} · 3: {} · 4: {}".format(
        *(int((units["level"] == k).sum()) for k in (1, 2, 3, 4))))
    assert dock.step_labels["proximity"].text().startswith(f"{len(read(db, 'hazard_receptor_links'))} receptor links")
    assert dock.step_labels["cascade"].text().startswith(
        f"{len(read(db, 'cascade_edges'))} escalation edges, {len(read(db, 'cascade_chains'))} chains")
    assert dock.step_labels["map"].text().startswith(
        f"{len(read(db, 'risk_map'))} units on the map, {len(read(db, 'district_summary'))} districts")
    found = read(db, "control_findings")["code"].value_counts()
    assert "; {} risk points without controls, {} without a responsible person, {} major hazard sources without " \
        "their responsible people".format(found["W_CONTROLS_MISSING"], found["W_RESPONSIBLE_MISSING"],
                                          found["W_MAJOR_PEOPLE_MISSING"]) in dock.step_labels["map"].text()
    assert "ran " in dock.step_labels["score"].text()
    # the summary: four coloured cells, the sector table's last row the totals
    for k in (1, 2, 3, 4):
        assert f">{int((units['level'] == k).sum())}<" in dock.level_labels[k].text()
    table = dock.sector_table
    last = table.rowCount() - 1
    assert int(table.item(last, table.columnCount() - 1).data(0x0100)) == len(units)
    assert table.rowCount() == units["sector"].nunique() + 1


def test_district_table_shows_counts_shares_and_the_upgrades(make_dock, analysed_db_session):
    # Per district of the risk map: each level's count and share of the district's units,
    # "8→12" where the upgrades changed the count, and the units raised.
    from plugin.gui.dock import district_cell_text

    db = analysed_db_session
    summary = read(db, "district_summary").set_index("district")
    dock = make_dock(db)
    table = dock.district_table
    assert table.rowCount() == len(summary)
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["District", "1", "2", "3", "4", "Raised"]
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert set(rows) == set(summary.index)
    # worst first: by the risk index's rank
    assert list(rows) == list(summary.sort_values("risk_index_rank").index)
    changed = 0
    for name, r in rows.items():
        d = summary.loc[name]
        for k in (1, 2, 3, 4):
            item = table.item(r, k)
            assert int(item.data(0x0100)) == d[f"n_level{k}"]
            assert item.text() == district_cell_text(d[f"n_level{k}"], d[f"share_level{k}"], d[f"n_inherent{k}"])
            if d[f"n_inherent{k}"] != d[f"n_level{k}"]:
                changed += 1
                assert f"{int(d[f'n_inherent{k}'])}→{int(d[f'n_level{k}'])}" in item.text()
        assert table.item(r, 5).data(0x0100) == d["n_raised"]
    assert changed and summary["n_raised"].sum() >= 1  # the sample city's upgrades show
    assert district_cell_text(12, 5.26, 8) == "8→12\n5.3%" and district_cell_text(3, 50.0, 3) == "3\n50%"
    assert district_cell_text(0, 0.0, 0) == "0" and district_cell_text(0, 0.0, 1) == "1→0\n0%"
    assert "risk map" in dock.district_note.text()


def test_district_table_of_a_database_scored_before_inherent_levels(make_dock, analysed_db):
    # No inherent_level on the units and no district summary: the units' surveyed districts,
    # counted in the database, with the upgrades' column left as "–".
    import sqlite3

    con = sqlite3.connect(analysed_db)
    try:
        con.execute('DROP INDEX IF EXISTS "csrm_units_panel"')  # (a database of 0.7 had no index on it)
        con.execute('ALTER TABLE "units" DROP COLUMN "inherent_level"')
        con.execute('DROP TABLE "district_summary"')
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'district_summary'")
        con.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'district_summary'")
        con.commit()
    finally:
        con.close()
    units = read(analysed_db, "units", columns=["district", "level"])
    dock = make_dock(analysed_db)
    table = dock.district_table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert set(rows) == set(units["district"].dropna())
    for name, r in rows.items():
        sel = units["district"] == name
        for k in (1, 2, 3, 4):
            assert int(table.item(r, k).data(0x0100)) == int(((units["level"] == k) & sel).sum())
            assert "→" not in table.item(r, k).text()
        assert table.item(r, 5).text() == "–"
    assert "surveyed" in dock.district_note.text() and "not recorded" in dock.district_note.text()


def test_a_missing_algorithm_disables_its_step(make_dock, analysed_db_session, monkeypatch):
    from plugin.gui import dock as dock_module

    real = dock_module._algorithm
    monkeypatch.setattr(dock_module, "_algorithm", lambda step: None if step == "report" else real(step))
    dock = make_dock(analysed_db_session)
    assert enabled(dock) == ["import", "score", "proximity", "cascade", "map", "risk_list", "cards"]
    assert not dock.run_buttons["report"].isEnabled()
    assert "citysafety:export_report" in dock.step_buttons["report"].toolTip()


def test_each_step_opens_its_dialog_with_the_database(make_dock, analysed_db_session, monkeypatch):
    from qgis import processing

    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda alg_id, params=None: opened.append((alg_id, params)))
    db = str(analysed_db_session)
    dock = make_dock(db)
    for step in ("import", "score", "proximity", "cascade", "map", "report"):
        dock.step_buttons[step].click()
    assert opened[0] == ("citysafety:import_surveys", {"OUTPUT": db})
    assert opened[1] == ("citysafety:score", {"INPUT": db})
    assert opened[2] == ("citysafety:proximity", {"INPUT": db})
    assert opened[3] == ("citysafety:cascade", {"INPUT": db})
    assert opened[4][0] == "citysafety:risk_map" and opened[4][1]["INPUT"] == db
    assert opened[4][1]["DENSITY"].endswith("risk_density.tif")
    assert opened[5] == ("citysafety:export_report", {"INPUT": db, "XLSX": db[:-5] + "_report.xlsx",
                                                      "PDF": db[:-5] + "_report.pdf"})


def test_level_one_list_is_the_databases(make_dock, analysed_db_session):
    db = analysed_db_session
    units = read(db, "units", columns=["unit_code", "level"])
    expected = sorted(units.loc[units["level"] == 1, "unit_code"])
    dock = make_dock(db)
    assert sorted(dock.level_one_codes()) == expected and len(expected) > 0
    assert dock.level_one_table.rowCount() == len(expected)
    assert str(len(expected)) in dock.level_one_note.text()


def _point_of(db, code, layer="units"):
    frame = pyogrio.read_dataframe(db, layer=layer, columns=["unit_code"], where=f"unit_code = '{code}'")
    g = frame.geometry.iloc[0]
    return g.x, g.y


def test_double_click_zooms_to_and_selects_the_unit(make_dock, analysed_db, project, qgis_canvas):
    from qgis.core import QgsPointXY

    from plugin.gui.inspect_tool import layer_of_database

    db = str(analysed_db)
    dock = make_dock(db)
    row = 2
    code = dock.level_one_table.item(row, 0).data(0x0100)
    assert not project.mapLayers()
    dock.level_one_table.cellDoubleClicked.emit(row, 0)  # the risk map is not loaded: the dock loads it
    layers = [lyr for lyr in project.mapLayers().values() if layer_of_database(lyr, db) == "risk_map"]
    assert len(layers) == 1
    layer = layers[0]
    selected = list(layer.getSelectedFeatures())
    assert [f["unit_code"] for f in selected] == [code]
    x, y = _point_of(db, code, "risk_map")
    assert qgis_canvas.extent().contains(QgsPointXY(x, y))
    from plugin.core.mapping.aggregate import POINTS_VISIBLE_BELOW
    from plugin.gui.dock import ZOOM_SCALE

    assert qgis_canvas.scale() == pytest.approx(ZOOM_SCALE, rel=0.05) and ZOOM_SCALE < POINTS_VISIBLE_BELOW
    assert dock.current_unit == code  # and the inspector shows it

    # a second unit: the loaded layer is reused, the canvas (now in Web Mercator) follows
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject

    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    other = dock.level_one_table.item(0, 0).data(0x0100)
    dock.level_one_table.cellDoubleClicked.emit(0, 0)
    assert len([lyr for lyr in project.mapLayers().values() if layer_of_database(lyr, db) == "risk_map"]) == 1
    assert [f["unit_code"] for f in layer.getSelectedFeatures()] == [other]
    ct = QgsCoordinateTransform(layer.crs(), qgis_canvas.mapSettings().destinationCrs(), QgsProject.instance())
    assert qgis_canvas.extent().contains(ct.transform(QgsPointXY(*_point_of(db, other, "risk_map"))))


def test_double_click_without_a_risk_map_uses_the_units(make_dock, provider, project, qgis_canvas, tmp_path):
    """Scored, no risk map yet: the panel loads the units layer, styled, and zooms to the unit."""
    from qgis.core import QgsPointXY

    from plugin.gui.inspect_tool import layer_of_database

    db = tmp_path / "scored.gpkg"
    _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(db), "LOAD_LAYERS": False})
    _run("citysafety:score", {"INPUT": str(db)})
    dock = make_dock(str(db))
    code = dock.level_one_table.item(0, 0).data(0x0100)
    dock.level_one_table.cellDoubleClicked.emit(0, 0)
    (layer,) = [lyr for lyr in project.mapLayers().values() if layer_of_database(lyr, str(db)) == "units"]
    assert layer.renderer().type() == "RuleRenderer"
    assert [f["unit_code"] for f in layer.getSelectedFeatures()] == [code]
    assert qgis_canvas.extent().contains(QgsPointXY(*_point_of(str(db), code)))


def test_inspector_shows_the_unit_clicked_on_the_map(make_dock, analysed_db, project, qgis_canvas):
    from qgis.core import QgsPointXY, QgsRectangle, QgsVectorLayer
    from qgis.gui import QgsMapMouseEvent
    from qgis.PyQt.QtCore import QEvent, QPoint, Qt

    db = str(analysed_db)
    code = unit_with_everything(db)
    layer = QgsVectorLayer(f"{db}|layername=risk_map", "risk map", "ogr")
    assert layer.isValid()
    project.addMapLayer(layer)
    qgis_canvas.setDestinationCrs(layer.crs())
    x, y = _point_of(db, code, "risk_map")
    qgis_canvas.setExtent(QgsRectangle(x - 0.01, y - 0.01, x + 0.01, y + 0.01))
    qgis_canvas.refresh()
    dock = make_dock(db)
    dock.pick_button.click()
    tool = dock.inspect_tool
    assert qgis_canvas.mapTool() is tool and dock.pick_button.isChecked()
    pixel = qgis_canvas.getCoordinateTransform().transform(QgsPointXY(x, y))
    # a click two pixels off the unit
    event = QgsMapMouseEvent(qgis_canvas, QEvent.Type.MouseButtonRelease, QPoint(int(pixel.x()) + 2, int(pixel.y())),
                             Qt.MouseButton.LeftButton)
    tool.canvasReleaseEvent(event)
    assert dock.current_unit == code
    assert dock.tabs.currentWidget() is dock.inspector.parentWidget()
    text = dock.inspector.toPlainText()
    hazards = read(db, "hazards", columns=["hazard_code", "unit_code", "name"])
    mine = hazards[hazards["unit_code"] == code]
    for _, h in mine.iterrows():
        assert h["hazard_code"] in text and h["name"] in text
    links = read(db, "hazard_receptor_links")
    links = links[links["hazard_code"].isin(mine["hazard_code"])].sort_values("distance_m")
    assert links["receptor_name"].iloc[0] in text
    chains = read(db, "cascade_chains")
    chains = chains[chains["start"].isin(mine["hazard_code"])]
    if len(chains):
        assert chains.sort_values("probability")["chain"].iloc[-1] in text
    units = read(db, "units", columns=["unit_code", "name"])
    assert units.set_index("unit_code").loc[code, "name"] in text

    # a click on empty map changes nothing; Escape-like disarming unchecks the button
    tool.canvasReleaseEvent(QgsMapMouseEvent(qgis_canvas, QEvent.Type.MouseButtonRelease, QPoint(1, 1),
                                             Qt.MouseButton.LeftButton))
    assert dock.current_unit == code
    dock.pick_button.click()
    assert qgis_canvas.mapTool() is not tool


def test_inspector_shows_controls_people_and_what_is_missing(make_dock, analysed_db_session):
    """The unit inspector shows each risk point's accident types, controls by kind, control
    level and responsible person (the phone masked), the unit's supervising department, duty
    phone and 包保责任人, and the [controls] rule's findings."""
    db = str(analysed_db_session)
    dock = make_dock(db)
    findings = read(db, "control_findings")
    hazards, units = read(db, "hazards"), read(db, "units").set_index("unit_code")
    # a unit whose source names its controls and person, and one with a finding
    named = hazards[hazards["controls_engineering"].notna() & hazards["responsible_phone"].notna()].iloc[0]
    assert dock.show_unit(named["unit_code"])
    text = dock.inspector.toPlainText()
    for key in ("accident_types", "controls_engineering", "controls_management", "controls_emergency",
                "control_level", "responsible_person"):
        assert str(named[key]) in text, key
    phone = str(named["responsible_phone"])
    assert phone not in text and f"{phone[:3]}****{phone[-4:]}" in text
    u = units.loc[named["unit_code"]]
    assert str(u["supervising_dept"]) in text
    missing = findings[findings["code"] == "W_MAJOR_PEOPLE_MISSING"].iloc[0]
    assert dock.show_unit(missing["unit_code"])
    text = dock.inspector.toPlainText()
    assert missing["message_en"] in text and "Responsible people (包保责任人)" in text


def test_pick_reads_the_database_when_no_layer_is_loaded(make_dock, analysed_db, project, qgis_canvas):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY, QgsProject

    db = str(analysed_db)
    units = pyogrio.read_dataframe(db, layer="units", columns=["unit_code"])
    code = units["unit_code"].iloc[11]
    x, y = _point_of(db, code)
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    ct = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4490"), QgsCoordinateReferenceSystem("EPSG:3857"),
                                QgsProject.instance())
    p = ct.transform(QgsPointXY(x, y))
    dock = make_dock(db)
    dock.arm_pick_tool(True)
    assert dock.inspect_tool.pick_at(QgsPointXY(p.x() + 3, p.y()), radius=10) == code
    assert dock.current_unit == code


def test_inspector_escapes_survey_text():
    import pandas as pd

    from plugin.core.status import CHAIN_COLUMNS, RECEPTOR_COLUMNS, UnitDetails
    from plugin.gui.dock import unit_html

    details = UnitDetails({"unit_code": "U<1>", "name": "<script>alert(1)</script>", "level": 1,
                           "level_reasons": "a & b\nc"},
                          pd.DataFrame([{"hazard_code": "H1", "name": "<b>罐</b>", "level": 2, "r_value": 12.5,
                                         "upgrade_reason": "<i>x</i>"}]),
                          pd.DataFrame(columns=list(RECEPTOR_COLUMNS)), pd.DataFrame(columns=list(CHAIN_COLUMNS)))
    page = unit_html(details, None)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;罐&lt;/b&gt;" in page and "&lt;i&gt;x&lt;/i&gt;" in page and "a &amp; b<br/>c" in page


def test_the_database_is_remembered(make_dock, analysed_db_session, tmp_path):
    from qgis.core import QgsSettings

    from plugin.gui.dock import SETTINGS_KEY

    first = make_dock(analysed_db_session)
    assert QgsSettings().value(SETTINGS_KEY) == str(analysed_db_session)
    second = make_dock()
    assert second.database() == str(analysed_db_session)
    assert sorted(second.level_one_codes()) == sorted(first.level_one_codes())
    first.set_database(str(tmp_path / "other.gpkg"))
    assert make_dock().database() == str(tmp_path / "other.gpkg")


def test_large_databases_are_read_in_a_task(make_dock, analysed_db_session, monkeypatch):
    from plugin.gui import dock as dock_module

    monkeypatch.setattr(dock_module, "BACKGROUND_BYTES", 0)
    dock = make_dock()
    refreshed = []
    dock.refreshed.connect(lambda: refreshed.append(True))
    dock.set_database(str(analysed_db_session))
    assert dock.is_reading() and dock.task_box.isVisibleTo(dock)
    assert wait_for(lambda: refreshed)
    assert not dock.is_reading() and not dock.task_box.isVisibleTo(dock)
    assert len(dock.level_one_codes()) == int((read(analysed_db_session, "units")["level"] == 1).sum())


def test_a_superseded_large_read_leaves_no_busy_bar(make_dock, analysed_db_session, tmp_path, monkeypatch):
    """Choosing a small database while a large one is still read in the background: the busy
    bar goes, and the small one is shown."""
    from plugin.gui import dock as dock_module

    monkeypatch.setattr(dock_module, "BACKGROUND_BYTES", 0)
    dock = make_dock()
    dock.set_database(str(analysed_db_session))
    assert dock.is_reading()
    monkeypatch.setattr(dock_module, "BACKGROUND_BYTES", 1 << 40)
    dock.set_database(str(tmp_path / "none.gpkg"))
    assert not dock.task_box.isVisibleTo(dock)
    assert wait_for(lambda: dock._read_task is None)
    assert not dock.task_box.isVisibleTo(dock) and dock.level_one_codes() == []


def test_inspector_names_receptor_classes_in_the_ui_language(analysed_db_session):
    from plugin.core import status as core_status
    from plugin.core.rules import load_rules
    from plugin.gui.dock import unit_html

    db = str(analysed_db_session)
    details = core_status.unit_details(db, unit_with_everything(db))
    rules = load_rules()
    text = unit_html(details, rules)
    for cid in details.receptors["class_id"].dropna().unique():
        assert rules.receptors.classes[cid].en in text  # tests run with the English locale


def test_a_running_step_blocks_the_other_steps(make_dock, analysed_db):
    dock = make_dock(str(analysed_db))
    finished = []
    dock.stepFinished.connect(lambda step, ok: finished.append(ok))
    assert dock.run_step("score") is not None
    assert not any(b.isEnabled() for b in dock.step_buttons.values())
    assert not any(b.isEnabled() for b in dock.run_buttons.values())
    assert wait_for(lambda: finished, 120) and finished == [True]
    assert dock.step_buttons["import"].isEnabled() and dock.step_buttons["score"].isEnabled()
    # scoring again made the map older than the levels: it asks to be run again, the report waits
    assert "run it again" in dock.step_labels["map"].text()
    assert not dock.step_buttons["report"].isEnabled()


def test_a_failed_step_says_why_and_the_outcome_stays(make_dock, analysed_db, monkeypatch):
    """The report refused (the map is older than the levels): the panel says why, and the
    outcome stays in view after the panel re-reads the database, also in the background."""
    from plugin.core.rules import load_rules
    from plugin.core.steps import score_database
    from plugin.gui import dock as dock_module

    score_database(analysed_db, load_rules())
    monkeypatch.setattr(dock_module, "BACKGROUND_BYTES", 0)
    dock = make_dock(str(analysed_db))
    assert wait_for(lambda: not dock.is_reading())
    finished = []
    dock.stepFinished.connect(lambda step, ok: finished.append(ok))
    assert dock.run_step("report") is not None
    assert wait_for(lambda: finished, 120) and finished == [False]
    assert wait_for(lambda: not dock.is_reading())
    assert "run citysafety:risk_map again" in dock.task_label.text()
    assert dock.task_box.isVisibleTo(dock)


def test_run_score_as_a_task_and_refresh(make_dock, analysed_db):
    db = str(analysed_db)
    dock = make_dock(db)
    assert "✓" in dock.step_state["proximity"].text()
    finished = []
    dock.stepFinished.connect(lambda step, ok: finished.append((step, ok)))
    task = dock.run_step("score")
    assert task is not None and dock.is_running()
    assert dock.task_box.isVisibleTo(dock) and dock.cancel_button.isVisibleTo(dock)
    assert not any(b.isEnabled() for b in dock.run_buttons.values())  # one step at a time
    assert wait_for(lambda: finished, 120)
    assert finished == [("score", True)]
    assert dock.progress_bar.value() == 100 and not dock.is_running()
    # scoring again removed the proximity and cascade fields: the panel shows it
    assert "✓" not in dock.step_state["proximity"].text() and "✓" not in dock.step_state["cascade"].text()
    assert dock.run_buttons["score"].isEnabled()


def test_cancel_a_running_step(make_dock, analysed_db):
    db = str(analysed_db)
    before = read(db, "hazards")
    dock = make_dock(db)
    finished = []
    dock.stepFinished.connect(lambda step, ok: finished.append((step, ok)))
    assert dock.run_step("score") is not None
    dock.cancel_button.click()
    assert dock.feedback().isCanceled()
    assert wait_for(lambda: finished, 120)
    assert finished == [("score", False)]
    assert "cancelled" in dock.task_label.text()
    assert read(db, "hazards").equals(before)  # a cancelled step leaves the database as it was
    assert "✓" in dock.step_state["proximity"].text()


def test_run_the_report_from_the_panel(make_dock, analysed_db):
    """The report runs with its outputs beside the database; afterwards its step is done and
    names the files it wrote."""
    dock = make_dock(analysed_db)
    finished = []
    dock.stepFinished.connect(lambda step, ok: finished.append((step, ok)))
    dock.run_buttons["report"].click()
    assert wait_for(lambda: finished, 300)
    assert finished == [("report", True)]
    assert analysed_db.with_name("risk_report.xlsx").is_file()
    assert "✓" in dock.step_state["report"].text()
    assert "risk_report.xlsx" in dock.step_labels["report"].text()


def test_the_risk_list_and_the_notice_cards_from_the_panel(make_dock, analysed_db):
    """The two exports run with their outputs beside the database (the cards: the level-1 and
    level-2 units); afterwards each step is done and says what it wrote."""
    from tests.processing.test_notice_cards import _pages

    dock = make_dock(analysed_db)
    finished = []
    dock.stepFinished.connect(lambda step, ok: finished.append((step, ok)))
    dock.run_buttons["risk_list"].click()
    assert wait_for(lambda: finished, 300) and finished == [("risk_list", True)]
    dock.run_buttons["cards"].click()
    assert wait_for(lambda: len(finished) == 2, 300) and finished[1] == ("cards", True)
    hazards, units = read(analysed_db, "hazards"), read(analysed_db, "units")
    assert analysed_db.with_name("risk_risk_list.xlsx").is_file()
    assert _pages(analysed_db.with_name("risk_notice_cards.pdf")) == int(units["level"].isin([1, 2]).sum())
    assert wait_for(lambda: "✓" in dock.step_state["cards"].text(), 20)
    assert "✓" in dock.step_state["risk_list"].text()
    assert f"risk_risk_list.xlsx — {len(hazards)} risk points" in dock.step_labels["risk_list"].text()
    assert f"{int(units['level'].isin([1, 2]).sum())} cards" in dock.step_labels["cards"].text()


def test_progress_follows_the_feedback(make_dock, analysed_db_session):
    from qgis.core import QgsProcessingFeedback

    dock = make_dock(analysed_db_session)
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(dock._on_progress)
    feedback.setProgress(42)
    wait_for(lambda: dock.progress_bar.value() == 42, 5)
    assert dock.progress_bar.value() == 42


def test_the_panel_refreshes_when_the_database_changes(make_dock, analysed_db):
    from plugin.core.store import riskdb

    db = str(analysed_db)
    dock = make_dock(db)
    assert "✓" not in dock.step_state["report"].text()
    riskdb.append_run(db, "export_report", summary={"xlsx": str(analysed_db.with_suffix(".xlsx"))})
    assert wait_for(lambda: "✓" in dock.step_state["report"].text(), 20)
    assert "risk.xlsx" in dock.step_labels["report"].text()


def _dock_widgets(iface):
    from qgis.PyQt.QtWidgets import QDockWidget

    from plugin.gui.dock import DOCK_OBJECT_NAME

    return [d for d in iface.mainWindow().findChildren(QDockWidget) if d.objectName() == DOCK_OBJECT_NAME]


def test_panel_action_shows_the_dock_and_unload_removes_everything(qgis_app, qgis_iface, qgis_processing,
                                                                    settings_restored):
    from qgis.core import QgsApplication
    from qgis.PyQt.QtWidgets import QAction

    from plugin.plugin import PANEL_ACTION_OBJECT_NAME, CitySafetyPlugin

    registry = registry_without_provider()
    plugin = CitySafetyPlugin(qgis_iface)
    plugin.initGui()
    try:
        action = plugin.panel_action
        assert action.objectName() == PANEL_ACTION_OBJECT_NAME
        assert action in plugin.toolbar.actions()
        assert plugin.dock is None and not _dock_widgets(qgis_iface)  # created lazily
        action.trigger()
        assert plugin.dock is not None and _dock_widgets(qgis_iface) == [plugin.dock]
        main = qgis_iface.mainWindow()  # never shown here: visibility is relative to it
        assert plugin.dock.isVisibleTo(main) and action.isChecked()
        action.trigger()
        assert not plugin.dock.isVisibleTo(main) and not action.isChecked()
        action.trigger()
        assert plugin.dock.isVisibleTo(main) and action.isChecked()
        plugin.dock.pick_button.click()  # a map tool armed at unload goes too
    finally:
        plugin.unload()
    QgsApplication.processEvents()
    assert not _dock_widgets(qgis_iface)
    assert plugin.dock is None and plugin.panel_action is None
    assert not [a for a in qgis_iface.mainWindow().findChildren(QAction)
                if a.objectName() == PANEL_ACTION_OBJECT_NAME]
    assert registry.providerById("citysafety") is None
    assert qgis_iface.mapCanvas().mapTool() is None or \
        type(qgis_iface.mapCanvas().mapTool()).__name__ != "UnitInspectTool"


def test_aggregation_choice_switches_the_map_and_is_remembered(make_dock, analysed_db, project):
    """The panel's aggregation: level-1 units per km² (default), worst level, or the density
    raster in place of the grid; the choice applies to the loaded risk map and to the next load."""
    from plugin.gui.dock import AGGREGATION_KEY
    from plugin.layers.styling import AGGREGATION_DENSITY, AGGREGATION_LEVEL1, AGGREGATION_WORST, GROUP_NAME

    dock = make_dock(analysed_db)
    assert dock.aggregation() == AGGREGATION_LEVEL1
    assert dock.risk_layer(load=True) is not None
    group = project.layerTreeRoot().findGroup(GROUP_NAME)
    nodes = {n.layer().name(): n for n in group.findLayers()}
    grid, density = nodes["风险网格 risk grid"], nodes["风险密度 risk density"]
    assert grid.isVisible() and not density.isVisible()
    combo = dock.aggregation_combo
    combo.setCurrentIndex(combo.findData(AGGREGATION_DENSITY))
    assert not grid.isVisible() and density.isVisible()
    combo.setCurrentIndex(combo.findData(AGGREGATION_WORST))
    assert grid.isVisible() and not density.isVisible()
    assert grid.layer().customProperty("citysafety/aggregation") == AGGREGATION_WORST
    assert grid.layer().renderer().rootRule().children()[0].children()[0].filterExpression() == '"worst_level" = 1'
    from qgis.core import QgsSettings

    assert QgsSettings().value(AGGREGATION_KEY) == AGGREGATION_WORST
    assert make_dock(analysed_db).aggregation() == AGGREGATION_WORST  # a new panel starts from it


def test_the_panel_switches_between_inherent_and_dynamic_risk(make_dock, analysed_db, project, tmp_path):
    """固有/现实: before the dynamic risk the choice falls back to the inherent level and says
    what to run; after it, the counts, the unit points and the inspector show the dynamic level."""
    from openpyxl import Workbook

    from plugin.layers.styling import GROUP_NAME, LEVEL_FIELD_PROPERTY

    dock = make_dock(analysed_db)
    combo = dock.level_field_combo
    combo.setCurrentIndex(1)  # dynamic, not computed yet: the inherent counts stay
    assert dock.level_field() == "level" and "dynamic_risk" not in combo.toolTip()
    units = read(analysed_db, "units", columns=["unit_code", "level"])
    assert f">{int((units.level == 1).sum())}<" in dock.level_labels[1].text()
    unit = units.loc[units.level == 2, "unit_code"].iloc[0]
    wb = Workbook()
    wb.active.append(["单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期"])
    wb.active.append([unit, "储罐区可燃气体报警器失效", "重大隐患", "未整改", "2026-03-05"])
    wb.save(tmp_path / "hd.xlsx")
    _run("citysafety:import_hidden_dangers", {"INPUT": str(analysed_db), "FILES": [str(tmp_path / "hd.xlsx")]})
    _run("citysafety:dynamic_risk", {"INPUT": str(analysed_db), "AS_OF": "2026-04-01"})
    dock.refresh()
    assert wait_for(lambda: dock.snapshot is not None and dock.snapshot.dynamic is not None)
    assert dock.level_field() == "dynamic_level" and "2026-04-01" in combo.itemText(1)
    after = read(analysed_db, "units", columns=["unit_code", "dynamic_level"])
    for k in (1, 2, 3, 4):
        assert f">{int((after.dynamic_level == k).sum())}<" in dock.level_labels[k].text(), k
    assert int((after.dynamic_level == 1).sum()) > int((units.level == 1).sum())
    assert dock.risk_layer(load=True) is not None
    group = project.layerTreeRoot().findGroup(GROUP_NAME)
    points = {n.layer().source().rsplit("layername=", 1)[-1]: n.layer() for n in group.findLayers()}
    for name in ("risk_map", "risk_level1"):
        layer = points[name]
        assert layer.customProperty(LEVEL_FIELD_PROPERTY) == "dynamic_level", name
        filters = [r.filterExpression() for r in layer.renderer().rootRule().descendants()]
        assert any(f.startswith('"dynamic_level" = 1') for f in filters) and not any('"level"' in f for f in filters)
    assert unit in {f["unit_code"] for f in points["risk_level1"].getFeatures()}  # raised to level 1: at city scale
    combo.setCurrentIndex(0)  # back to the inherent level
    assert points["risk_map"].customProperty(LEVEL_FIELD_PROPERTY) == "level"
    assert f">{int((units.level == 1).sum())}<" in dock.level_labels[1].text()
    assert dock.show_unit(unit)
    shown = dock.inspector.toPlainText()
    assert "2026-04-01" in shown and "重大隐患" in shown


def test_the_panel_shows_the_latest_rounds_changes(make_dock, analysed_db, tmp_path):
    from tools.sample_city.round2 import write_round2

    dock = make_dock(analysed_db)
    assert not dock.changes_label.isVisibleTo(dock)
    write_round2(SAMPLE, tmp_path / "round2")
    _run("citysafety:import_surveys", {"FOLDER": str(tmp_path / "round2"), "OUTPUT": str(analysed_db), "ROUND": 1,
                                       "LOAD_LAYERS": False})
    _run("citysafety:score", {"INPUT": str(analysed_db)})
    res = _run("citysafety:change_report", {"INPUT": str(analysed_db), "LOAD_LAYERS": False})
    dock.refresh()
    assert wait_for(lambda: dock.snapshot is not None and dock.snapshot.changes is not None)
    text = dock.changes_label.text()
    assert dock.changes_label.isVisibleTo(dock) and "→" in text
    assert f"<b>{res['CLOSED']}</b>" in text and f"<b>{res['NEW']}</b>" in text


def test_the_changes_layer_joins_the_risk_map_group_without_replacing_it(make_dock, analysed_db, project, tmp_path):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from plugin.layers.styling import GROUP_NAME
    from tools.sample_city.round2 import write_round2

    write_round2(SAMPLE, tmp_path / "round2")
    _run("citysafety:import_surveys", {"FOLDER": str(tmp_path / "round2"), "OUTPUT": str(analysed_db), "ROUND": 1,
                                       "LOAD_LAYERS": False})
    _run("citysafety:score", {"INPUT": str(analysed_db)})
    _run("citysafety:risk_map", {"INPUT": str(analysed_db), "DENSITY": str(tmp_path / "density.tif"),
                                 "LOAD_LAYERS": False})
    dock = make_dock(analysed_db)
    assert dock.risk_layer(load=True) is not None
    context = QgsProcessingContext()
    context.setProject(project)
    processing.run("citysafety:change_report", {"INPUT": str(analysed_db)}, context=context,
                   feedback=QgsProcessingFeedback())
    group = project.layerTreeRoot().findGroup(GROUP_NAME)
    names = [n.layer().source().rsplit("layername=", 1)[-1] for n in group.findLayers()]
    assert names[0] == "round_changes" and "risk_map" in names and "risk_level1" in names
    renderer = group.findLayers()[0].layer().renderer()
    assert renderer.classAttribute() == "change" and len(renderer.categories()) == 6

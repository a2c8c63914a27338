"""The plugin loads into QGIS — menu, toolbar button, Processing provider — and unloads
without leaving any of them behind."""

from __future__ import annotations

import pytest

from tests.common import registry_without_provider


@pytest.fixture
def loaded_plugin(qgis_app, qgis_iface, qgis_processing):
    from plugin.plugin import CitySafetyPlugin

    registry_without_provider()
    plugin = CitySafetyPlugin(qgis_iface)
    plugin.initGui()
    yield plugin, qgis_iface
    plugin.unload()


def _menu(iface):
    from plugin.plugin import MENU_OBJECT_NAME

    bar = iface.mainWindow().menuBar()
    return [a.menu() for a in bar.actions() if a.menu() and a.menu().objectName() == MENU_OBJECT_NAME]


def test_class_factory_is_lazy_and_takes_none():
    """qgis_process calls classFactory(None); the entry point must not touch iface."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[2] / "__init__.py").read_text(encoding="utf-8"))
    top_imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not top_imports  # nothing heavy at plugin discovery


def test_menu_toolbar_and_provider(loaded_plugin):
    from qgis.core import QgsApplication

    plugin, iface = loaded_plugin
    (menu,) = _menu(iface)
    assert menu.title() in ("City Safety Risk", "城市安全风险")
    names = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    assert names == ["citysafety_panel", "citysafety_survey_template", "citysafety_import_surveys",
                     "citysafety_import_hidden_dangers", "citysafety_import_accidents",
                     "citysafety_score", "citysafety_proximity", "citysafety_cascade", "citysafety_cascade_scenario",
                     "citysafety_risk_map", "citysafety_dynamic_risk", "citysafety_change_report",
                     "citysafety_export_report", "citysafety_risk_list",
                     "citysafety_notice_cards", "citysafety_run_all",
                     "citysafety_export_to_postgis", "citysafety_import_from_postgis", "citysafety_publish_district",
                     "citysafety_pick_scenario", "citysafety_install_packages"]
    assert plugin.panel_action in plugin.toolbar.actions()
    provider = QgsApplication.processingRegistry().providerById("citysafety")
    assert provider is not None
    assert {a.id() for a in provider.algorithms()} == {
        "citysafety:survey_template", "citysafety:import_surveys", "citysafety:import_hidden_dangers",
        "citysafety:import_accidents",
        "citysafety:score", "citysafety:proximity",
        "citysafety:cascade", "citysafety:cascade_scenario", "citysafety:risk_map", "citysafety:dynamic_risk",
        "citysafety:change_report", "citysafety:export_report", "citysafety:risk_list", "citysafety:notice_cards",
        "citysafety:run_all", "citysafety:install_packages", "citysafety:export_to_postgis",
        "citysafety:import_from_postgis", "citysafety:publish_district"}
    assert plugin.tool_button is not None and plugin.tool_button.menu() is menu


def test_menu_entry_opens_the_algorithm_dialog(loaded_plugin, monkeypatch):
    from qgis import processing

    _plugin, iface = loaded_plugin
    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda alg_id, params=None: opened.append(alg_id))
    (menu,) = _menu(iface)
    by_name = {a.objectName(): a for a in menu.actions()}
    by_name["citysafety_import_surveys"].trigger()
    by_name["citysafety_export_report"].trigger()
    assert opened == ["citysafety:import_surveys", "citysafety:export_report"]


def test_unload_leaves_nothing_behind(qgis_app, qgis_iface, qgis_processing):
    from qgis.core import QgsApplication

    from plugin.plugin import CitySafetyPlugin

    registry = registry_without_provider()
    plugin = CitySafetyPlugin(qgis_iface)
    plugin.initGui()
    assert _menu(qgis_iface)
    plugin.unload()
    QgsApplication.processEvents()
    assert not _menu(qgis_iface)
    assert registry.providerById("citysafety") is None
    assert plugin.actions == [] and plugin.toolbar is None and plugin.provider is None


def test_init_processing_alone_registers_provider(qgis_app, qgis_processing):
    """What qgis_process does: classFactory(None).initProcessing()."""
    from plugin.plugin import CitySafetyPlugin

    registry = registry_without_provider()
    plugin = CitySafetyPlugin(None)
    plugin.initProcessing()
    assert registry.providerById("citysafety") is not None
    plugin.unload()
    assert registry.providerById("citysafety") is None


def test_pick_tool_opens_the_scenario_for_the_clicked_hazard(qgis_app, qgis_canvas):
    """The map tool: a click on a hazard (or a unit of the risk map) names its hazard code and
    the risk database it came from."""
    from qgis.core import QgsFeature, QgsProject, QgsVectorLayer

    from plugin.gui.scenario_tool import HazardPickTool, code_and_database, pickable_layers

    layer = QgsVectorLayer("Point?crs=EPSG:4490&field=hazard_code:string", "hazards", "memory")
    feature = QgsFeature(layer.fields())
    feature.setAttribute("hazard_code", "H7")
    units = QgsVectorLayer("Point?crs=EPSG:4490&field=unit_code:string&field=worst_hazard:string", "risk", "memory")
    unit = QgsFeature(units.fields())
    unit.setAttributes(["U1", "H9"])
    other = QgsVectorLayer("Point?crs=EPSG:4490&field=name:string", "other", "memory")
    QgsProject.instance().addMapLayers([layer, units, other])
    try:
        assert {lyr.name() for lyr in pickable_layers(QgsProject.instance())} == {"hazards", "risk"}
        assert code_and_database(feature, layer)[0] == "H7"
        assert code_and_database(unit, units)[0] == "H9"
        opened = []
        tool = HazardPickTool(qgis_canvas, lambda db, code: opened.append((db, code)))
        tool.setLayer(layer)
        tool._picked(feature)
        assert opened and opened[0][1] == "H7"
    finally:
        QgsProject.instance().removeMapLayers([layer.id(), units.id(), other.id()])

"""The plugin's strings follow QGIS's locale: Chinese with zh, English with en."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest

from tests.common import ROOT

TS = ROOT / "i18n" / "city_safety_risk_map_zh.ts"
QM = TS.with_suffix(".qm")


@pytest.fixture
def locale(qgis_app):
    """Set QGIS's user locale for one test, restoring it afterwards."""
    from qgis.PyQt.QtCore import QSettings

    from plugin import i18n

    if not QM.exists() or QM.stat().st_mtime < TS.stat().st_mtime:
        subprocess.run(["lrelease", "-silent", str(TS), "-qm", str(QM)], check=True)
    settings = QSettings()
    old = settings.value("locale/userLocale", "")

    def use(code):
        i18n.remove_translator()
        settings.setValue("locale/userLocale", code)
        return i18n.install_translator()

    yield use
    i18n.remove_translator()
    settings.setValue("locale/userLocale", old)


def test_every_string_has_a_chinese_translation():
    missing = [m.findtext("source") for m in ET.parse(TS).getroot().iter("message")
               if m.find("translation").get("type") == "unfinished" or not (m.findtext("translation") or "").strip()]
    assert missing == []


def test_ts_is_up_to_date_with_the_code():
    """Every tr() string of the code is in the .ts (run scripts/update_translations.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("ut", ROOT / "scripts" / "update_translations.py")
    ut = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ut)
    in_code = {s for s, _ in ut.collect()}
    in_ts = {m.findtext("source") for m in ET.parse(TS).getroot().iter("message")
             if m.find("translation").get("type") != "vanished"}
    assert in_code <= in_ts, sorted(in_code - in_ts)


def test_chinese_locale(locale, qgis_iface, qgis_processing):
    from plugin.i18n import tr
    from plugin.plugin import CitySafetyPlugin
    from plugin.processing.import_surveys import ImportSurveysAlgorithm

    assert locale("zh_CN")
    assert tr("City Safety Risk") == "城市安全风险"
    alg = ImportSurveysAlgorithm()
    alg.initAlgorithm()
    assert alg.displayName() == "导入调查数据"
    assert alg.parameterDefinition("OUTPUT").description() == "风险数据库"
    assert alg.shortHelpString().startswith("将调查表工作簿")
    plugin = CitySafetyPlugin(qgis_iface)
    plugin.initGui()
    try:
        assert plugin.menu.title() == "城市安全风险"
        assert [a.text() for a in plugin.menu.actions() if not a.isSeparator()] == [
            "风险一张图面板", "调查表模板…", "导入调查数据…", "导入隐患…", "导入事故…",
            "风险评价…", "敏感目标与人口分析…",
            "多米诺连锁效应分析…",
            "单一事故连锁推演…", "风险一张图…", "现实风险…", "调查轮次变化报告…",
            "导出报告（Excel 和 PDF）…", "导出风险清单…", "打印风险告知卡…",
            "一键运行全流程…", "导出风险数据库到 PostGIS…", "从 PostGIS 导入风险数据库…", "发布本区数据到共享库…",
            "在地图上点选危险源进行连锁事故推演…", "安装 Python 包…"]
    finally:
        plugin.unload()


def test_english_locale(locale):
    from plugin.i18n import tr
    from plugin.processing.import_surveys import ImportSurveysAlgorithm

    assert not locale("en_US")  # English is the source language: no translator needed
    assert tr("City Safety Risk") == "City Safety Risk"
    assert ImportSurveysAlgorithm().displayName() == "Import surveys"

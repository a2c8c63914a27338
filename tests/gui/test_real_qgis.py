"""The plugin in the real QGIS desktop application (on a virtual screen): loaded from a
profile like a user's, menu and toolbar present, and the import running inside the QGIS
process, where QGIS's own GDAL/GEOS/PROJ are loaded next to the Python wheels'."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.common import ROOT, SAMPLE, venv_site

ZH_MENU = ["风险一张图面板", "调查表模板…", "导入调查数据…", "导入隐患…", "导入事故…",
           "风险评价…", "敏感目标与人口分析…",
           "多米诺连锁效应分析…",
           "单一事故连锁推演…", "风险一张图…", "现实风险…", "调查轮次变化报告…",
           "导出报告（Excel 和 PDF）…", "导出风险清单…", "打印风险告知卡…",
           "一键运行全流程…", "导出风险数据库到 PostGIS…", "从 PostGIS 导入风险数据库…",
           "发布本区数据到共享库…",
           "在地图上点选危险源进行连锁事故推演…", "安装 Python 包…"]
EN_MENU = ["Risk map panel", "Survey template…", "Import surveys…", "Import hidden dangers (隐患)…",
           "Import accidents (事故)…",
           "Score hazards and units…",
           "Receptors and population around hazards…", "Cascade (domino) graph…", "Cascade scenario from one accident…",
           "Risk map…", "Dynamic risk (现实风险)…", "Change report (survey rounds)…",
           "Export report (Excel and PDF)…", "Export the risk list (风险清单)…",
           "Print risk notice cards (风险告知卡)…", "Run the whole chain…",
           "Export the risk database to PostGIS…", "Import the risk database from PostGIS…",
           "Publish a district to the shared database…",
           "Start a cascade scenario at a clicked hazard…", "Install Python packages…"]


def _profile(tmp_path, locale: str):
    """A QGIS profile like a user's with the plugin linked in and enabled, in ``locale``; and
    the venv's site-packages."""
    profile = tmp_path / "profile"
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    os.symlink(ROOT, plugins / "city_safety_risk_map")
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text(f"[PythonPlugins]\ncity_safety_risk_map=true\n[locale]\nuserLocale={locale}\noverrideFlag=true\n")
    return profile, venv_site()


def _run_qgis(tmp_path, script: str, env: dict, timeout: int = 240) -> dict:
    """Real QGIS on a virtual screen, as a user has it, running tests/gui/qgis_app/``script``:
    what it saw (its JSON), after checking QGIS exited cleanly and the script raised nothing."""
    result = tmp_path / f"{Path(script).stem}.json"
    env = dict(env, CSRM_SMOKE_OUT=str(result))
    env.pop("QT_QPA_PLATFORM", None)  # a real (virtual) screen
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "qgis", "--noversioncheck", "--nologo",
                           "--code", str(ROOT / "tests" / "gui" / "qgis_app" / script)],
                          env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(result.read_text(encoding="utf-8"))
    assert "error" not in seen, seen["error"]
    return seen


@pytest.mark.skipif(not shutil.which("xvfb-run") or not shutil.which("qgis"), reason="needs qgis and xvfb-run")
@pytest.mark.parametrize("locale", ["zh_CN", "en_US"])
def test_plugin_in_real_qgis(tmp_path, locale):
    profile, site = _profile(tmp_path, locale)
    seen = _run_qgis(tmp_path, "smoke.py", dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(profile), PYTHONPATH=str(site),
                                                CSRM_SAMPLE=str(SAMPLE), CSRM_SMOKE_DB=str(tmp_path / "risk.gpkg")))
    assert seen["loaded"] and seen["toolbar"]
    zh = locale.startswith("zh")
    assert ("城市安全风险" if zh else "City Safety Risk") in seen["menus"]
    assert [e for e in seen["menu_entries"] if e] == (ZH_MENU if zh else EN_MENU)
    # The panel: its title, tabs and step buttons in the locale's language; after an import
    # only the import and scoring steps can be started.
    assert seen["dock_visible"]
    assert seen["dock_title"] == ("城市安全风险一张图" if zh else "City Safety Risk Map")
    assert seen["dock_tabs"][0] == ("工作流程" if zh else "Workflow")
    steps = seen["dock_steps"]
    assert steps["step_import_button"][0] == "1  " + ("导入调查数据…" if zh else "Import surveys…")
    assert steps["step_report_button"][0] == "6  " + (
        "导出报告（Excel 和 PDF）…" if zh else "Export report (Excel and PDF)…")
    assert [steps[f"step_{s}_button"][1] for s in ("import", "score", "proximity", "cascade", "map", "report")] \
        == [True, True, False, False, False, False]
    assert seen["algorithms"] == ["citysafety:cascade", "citysafety:cascade_scenario", "citysafety:change_report",
                                  "citysafety:dynamic_risk",
                                  "citysafety:export_report", "citysafety:export_to_postgis",
                                  "citysafety:import_accidents",
                                  "citysafety:import_from_postgis",
                                  "citysafety:import_hidden_dangers", "citysafety:import_surveys",
                                  "citysafety:install_packages",
                                  "citysafety:notice_cards", "citysafety:proximity", "citysafety:publish_district",
                                  "citysafety:risk_list",
                                  "citysafety:risk_map",
                                  "citysafety:run_all", "citysafety:score", "citysafety:survey_template"]
    assert seen["import"]["UNITS"] == 329 and seen["import"]["HAZARDS"] == 804
    assert seen["shapely_wkb"] == 21  # shapely bound to its own GEOS inside QGIS (plugin/geostack.py)


@pytest.mark.skipif(not shutil.which("xvfb-run") or not shutil.which("qgis"), reason="needs qgis and xvfb-run")
def test_plugin_without_its_packages_does_not_harm_qgis(tmp_path):
    """geopandas and pyogrio hidden, as on a stock QGIS: no traceback, a message naming them,
    the survey template still there, the other entries disabled, QGIS's own algorithms fine."""
    profile, site = _profile(tmp_path, "en_US")
    seen = _run_qgis(tmp_path, "missing.py", dict(
        os.environ, QGIS_CUSTOM_CONFIG_PATH=str(profile), CSRM_BLOCK="geopandas,pyogrio",
        PYTHONPATH=os.pathsep.join((str(ROOT / "tests" / "data" / "blocker"), str(site)))))
    assert seen["loaded"] and seen["native_buffer"]
    assert seen["algorithms"] == ["citysafety:install_packages", "citysafety:survey_template"]
    assert seen["menu_entries"]["citysafety_install_packages"]  # the one action that installs them
    assert seen["install_button"] == ["Install Python packages…"] and seen["install_dialog"]
    assert "geopandas" in seen["install_dialog_status"]
    assert seen["menu_entries"]["citysafety_survey_template"] and not seen["menu_entries"]["citysafety_score"]
    assert not seen["dock"]
    said = " ".join(seen["messages"])
    assert "geopandas" in said and "Python packages are missing" in said, seen["messages"]


WHEELHOUSE = os.environ.get("CSRM_WHEELHOUSE", "")


@pytest.mark.skipif(not shutil.which("xvfb-run") or not shutil.which("qgis"), reason="needs qgis and xvfb-run")
@pytest.mark.skipif(not WHEELHOUSE, reason="the user lane (make test-user) gives the wheelhouse: $CSRM_WHEELHOUSE")
def test_install_python_packages_in_a_stock_qgis(tmp_path):
    """A stock QGIS with only its own Python: the message bar's button, the dialog installing
    offline from the wheelhouse, and every algorithm and the panel there without a restart."""
    profile, _site = _profile(tmp_path, "en_US")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CSRM_QGIS_PROFILE")}
    seen = _run_qgis(tmp_path, "install.py", dict(env, QGIS_CUSTOM_CONFIG_PATH=str(profile),
                                                  CSRM_WHEELHOUSE=WHEELHOUSE), timeout=900)
    assert seen["before"] == ["citysafety:install_packages"]  # not even openpyxl in a stock QGIS
    assert "geopandas" in seen["status_before"]
    assert seen["progress"] == 100 and seen["progress_seen"] >= 5
    assert "no restart" in seen["status_after"], seen
    from plugin.processing.provider import ALGORITHMS

    assert len(seen["after"]) == sum(len(classes) for _module, classes in ALGORITHMS)  # every one
    assert all(seen["menu_entries"].values())
    assert any("every algorithm is loaded" in m for m in seen["messages_after"]), seen["messages_after"]
    assert seen["numpy"].startswith("/usr/lib/python3/dist-packages/")  # QGIS's own numpy
    assert seen["dock"]
    installed = profile / "profiles" / "default" / "python" / "dependencies" / "city_safety_risk_map"
    assert not list(installed.glob("*/*/lib/python3*/*-packages/numpy"))  # never a second numpy
    assert list(installed.glob("*/*/lib/python3*/*-packages/geopandas"))

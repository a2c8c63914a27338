"""Survey rounds through Processing (docs/rounds.md): citysafety:import_surveys with ROUND = a
new round and = one district, then citysafety:change_report finds what the sample's second
round changed — units closed, new, moved, re-coded, a level raised — as a styled layer and a
workbook, every unit of each round accounted for; a bad round or district refused in both
languages."""

from __future__ import annotations

import subprocess

import pyogrio
import pytest
from openpyxl import load_workbook

from tests.common import QGIS_PROCESS, SAMPLE
from tests.common import run_algorithm as _run


@pytest.fixture
def round2(tmp_path):
    from tools.sample_city.round2 import write_round2

    folder = tmp_path / "round2"
    return folder, write_round2(SAMPLE, folder)


def _units(db):
    return pyogrio.read_dataframe(db, layer="units", read_geometry=False)


def test_a_second_round_and_what_changed(provider, analysed_db, round2, tmp_path):
    from plugin.core.store.riskdb import layer_names

    folder, what = round2
    first = _units(analysed_db)
    out = _run("citysafety:import_surveys", {"FOLDER": str(folder), "OUTPUT": str(analysed_db), "ROUND": 1,
                                             "ROUND_NAME": "第二轮", "ROUND_DATE": "2026-06-30", "LOAD_LAYERS": False})
    assert out["ROUND_ID"] == 2 and out["UNITS"] == len(first)  # two closed, two new
    assert "risk_map" not in layer_names(analysed_db) and "round_units" in layer_names(analysed_db)
    _run("citysafety:score", {"INPUT": str(analysed_db)})
    res = _run("citysafety:change_report", {"INPUT": str(analysed_db), "XLSX": str(tmp_path / "变化.xlsx"),
                                            "PDF": str(tmp_path / "变化.pdf"), "LOAD_LAYERS": False})
    assert (res["CLOSED"], res["NEW"]) == (2, 2)
    assert sum(res[k] for k in ("NEW", "UP", "DOWN", "MOVED", "SAME")) == len(_units(analysed_db))
    assert sum(res[k] for k in ("CLOSED", "UP", "DOWN", "MOVED", "SAME")) == len(first)
    changes = pyogrio.read_dataframe(analysed_db, layer="round_changes").set_index("unit_code")
    assert set(changes.index[changes["change"] == "closed"]) == set(what["closed"])
    assert changes.loc[what["raised"], "change"] == "up" and changes.loc[what["raised"], "level_to"] == 1
    assert changes.loc[what["lowered"], "change"] == "down" and changes.loc[what["lowered"], "level_to"] == 4
    assert changes.loc[what["moved"], "moved_m"] > 400
    (new_code, old_code), = what["recoded"].items()
    assert changes.loc[new_code, "previous_code"] == old_code and changes.loc[new_code, "change"] != "new"
    assert changes.geometry.geom_type.eq("Point").all()
    wb = load_workbook(res["XLSX"])
    assert wb.sheetnames == ["变化概览", "变化清单"]
    listed = [r[4] for r in wb["变化清单"].iter_rows(min_row=2, values_only=True)]
    assert set(what["closed"]) | {what["raised"], *what["new"]} <= set(listed)
    # the PDF page: real Chinese text, the counts by change, the district of the changes
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", res["PDF"], "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "关闭 closed 2" in flat and "新增 new 2" in flat and "福田区" in flat


def test_a_district_update_through_processing(provider, analysed_db, tmp_path):
    """ROUND 2 with the district's own rows only; a folder with other districts is refused."""
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as err:
        _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(analysed_db), "ROUND": 2,
                                           "DISTRICT": "福田区", "LOAD_LAYERS": False})
    assert "福田区" in str(err.value) and "other districts" in str(err.value)
    with pytest.raises(QgsProcessingException) as err:
        _run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "OUTPUT": str(analysed_db), "ROUND": 2,
                                           "LOAD_LAYERS": False})
    assert "DISTRICT" in str(err.value) and "行政区" in str(err.value)


@pytest.mark.parametrize("which", ["7", "no such round"])
def test_a_round_the_database_lacks_is_refused_in_both_languages(provider, analysed_db, round2, which):
    from qgis.core import QgsProcessingException

    folder, _ = round2
    _run("citysafety:import_surveys", {"FOLDER": str(folder), "OUTPUT": str(analysed_db), "ROUND": 1,
                                       "LOAD_LAYERS": False})
    with pytest.raises(QgsProcessingException) as err:
        _run("citysafety:change_report", {"INPUT": str(analysed_db), "FROM": which, "LOAD_LAYERS": False})
    assert which in str(err.value) and "调查轮次" in str(err.value)
    with pytest.raises(QgsProcessingException) as err:  # the new round not scored yet: no silent "same"
        _run("citysafety:change_report", {"INPUT": str(analysed_db), "LOAD_LAYERS": False})
    assert "citysafety:score" in str(err.value) and "风险等级" in str(err.value)


def test_qgis_process_compares_two_rounds(qgis_process_env, analysed_db, round2):
    folder, _ = round2
    for args in (["citysafety:import_surveys", f"FOLDER={folder}", f"OUTPUT={analysed_db}", "ROUND=1",
                  "LOAD_LAYERS=false"], ["citysafety:score", f"INPUT={analysed_db}"],
                 ["citysafety:change_report", f"INPUT={analysed_db}", "LOAD_LAYERS=false"]):
        done = subprocess.run([QGIS_PROCESS, "run", args[0], "--", *args[1:]], env=qgis_process_env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "CLOSED:\t2" in done.stdout and "NEW:\t2" in done.stdout

"""citysafety:dynamic_risk (issue 16) through Processing and qgis_process: the counts by
dynamic level, the units layer with the dynamic fields, and a bad day refused in both languages."""

from __future__ import annotations

import subprocess

import pyogrio
import pytest
from openpyxl import Workbook

from tests.common import QGIS_PROCESS


def _run(params):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    return processing.run("citysafety:dynamic_risk", params, context=QgsProcessingContext(),
                          feedback=QgsProcessingFeedback())


def _units(db):
    return pyogrio.read_dataframe(db, layer="units", read_geometry=False)


def test_a_major_hidden_danger_raises_its_unit_on_the_map(provider, analysed_db, tmp_path):
    from qgis import processing

    units = _units(analysed_db)
    unit = units.loc[units["level"] == 4, "unit_code"].iloc[0]
    wb = Workbook()
    wb.active.append(["单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期"])
    wb.active.append([unit, "储罐区可燃气体报警器失效", "重大隐患", "未整改", "2026-03-05"])
    wb.save(tmp_path / "hd.xlsx")
    processing.run("citysafety:import_hidden_dangers",
                   {"INPUT": str(analysed_db), "FILES": [str(tmp_path / "hd.xlsx")]})
    out = _run({"INPUT": str(analysed_db), "AS_OF": "2026-04-01"})
    after = _units(analysed_db).set_index("unit_code")
    assert after.loc[unit, "dynamic_level"] == 3 and after.loc[unit, "level"] == 4
    assert "重大隐患" in after.loc[unit, "reason_hidden_major"]
    counts = after["dynamic_level"].value_counts()
    assert [out[f"DYNAMIC_LEVEL{k}"] for k in (1, 2, 3, 4)] == [int(counts.get(k, 0)) for k in (1, 2, 3, 4)]
    assert out["RAISED"] == int((after["dynamic_raise"] > 0).sum()) >= 1
    layer = out["UNITS_LAYER"]
    assert "dynamic_level" in pyogrio.read_info(analysed_db, layer="units")["fields"] and "units" in layer


@pytest.mark.parametrize("day", ["2026-13-01", "yesterday"])
def test_a_bad_day_is_refused_in_both_languages(provider, analysed_db, day):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as err:
        _run({"INPUT": str(analysed_db), "AS_OF": day})
    assert "YYYY-MM-DD" in str(err.value) and "日期" in str(err.value) and day in str(err.value)


def test_qgis_process_runs_it(qgis_process_env, analysed_db):
    done = subprocess.run([QGIS_PROCESS, "run", "citysafety:dynamic_risk", "--", f"INPUT={analysed_db}",
                           "AS_OF=2026-04-01"], env=qgis_process_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RAISED:\t" in done.stdout and "DYNAMIC_LEVEL1:\t" in done.stdout

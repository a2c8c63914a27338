"""Every step through Processing on a shared PostGIS risk database (one store, two engines;
plugin/processing/database.py), against a throw-away cluster: a QGIS stored connection or a
URI instead of the GeoPackage, the same results, layer outputs that open from PostGIS with
their styles, district imports, and qgis_process."""

from __future__ import annotations

import subprocess

import openpyxl
import pytest

from plugin.core.store import postgis, riskdb
from tests.common import QGIS_PROCESS, SAMPLE, district_workbook
from tests.core.test_postgis_store import assert_same_layer
from tests.processing.test_postgis import _psql, _stored_connection

pytestmark = pytest.mark.usefixtures("provider")

#: Columns that say when a run happened, not what it found.
WHEN = ("started", "finished", "committed", "imported_at", "seconds")
RECEPTORS = f"{SAMPLE / 'receptors.gpkg'}|layername=receptors"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CSRM_SHARED_CACHE", str(tmp_path / "cache"))


def test_the_chain_on_a_stored_connection_gives_the_files_results(analysed_db_session, pg_cluster, pg_database,
                                                                 tmp_path):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingUtils, QgsRuleBasedRenderer, QgsVectorLayer

    dbname = pg_database.rsplit("/", 1)[1]
    _stored_connection("csrm-shared", pg_cluster, dbname)
    on = {"CONNECTION": "csrm-shared"}
    imp = processing.run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), **on, "LOAD_LAYERS": False})
    assert imp["UNITS"] == 329 and imp["OUTPUT"].endswith("schema=citysafety")
    assert imp["UNITS_LAYER"].startswith("postgres://")
    score = processing.run("citysafety:score", on)
    processing.run("citysafety:proximity", {**on, "RECEPTORS": RECEPTORS, "POPULATION": str(SAMPLE / "population.tif"),
                                            "LOAD_LAYERS": False})
    cascade = processing.run("citysafety:cascade", {**on, "LOAD_LAYERS": False})
    mapped = processing.run("citysafety:risk_map", {**on, "DISTRICTS": str(SAMPLE / "districts.gpkg"),
                                                    "DENSITY": str(tmp_path / "density.tif"), "LOAD_LAYERS": False})
    assert score["LEVEL1"] > 0 and cascade["EDGES"] == 77 and mapped["UNITS"] == 329
    # The shared database holds what citysafety:run_all wrote into the file, field by field.
    back = tmp_path / "back.gpkg"
    postgis.import_database(pg_database, "citysafety", back)
    names = riskdb.layer_names(analysed_db_session)
    assert riskdb.layer_names(back) == names
    for name in names:
        if name == riskdb.RUNS_LAYER:
            continue
        a, b = riskdb.read_layer(analysed_db_session, name), riskdb.read_layer(back, name)
        when = [c for c in a.columns if c in WHEN]
        assert_same_layer(a.drop(columns=when), b.drop(columns=when), name)
    # The layer outputs open from PostGIS, drawn with the styles the step saved in layer_styles.
    decoded, provider, uri = QgsProcessingUtils.decodeProviderKeyAndUri(mapped["RISK_MAP_LAYER"])
    layer = QgsVectorLayer(uri, "risk map", provider)
    assert decoded and layer.isValid() and provider == "postgres"
    assert layer.featureCount() == 329
    assert isinstance(layer.renderer(), QgsRuleBasedRenderer)
    assert layer.attributeAlias(layer.fields().indexOf("level")) == "风险等级"
    context = QgsProcessingContext()  # (it owns the layers it opens)
    level1 = QgsProcessingUtils.mapLayerFromString(score["LEVEL1_UNITS_LAYER"], context)
    assert level1.featureCount() == int(_psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE level = 1")) \
        == 19  # (the score's 16, and those proximity and cascade upgraded: the live table)
    # The report reads the shared database and logs itself there.
    report = processing.run("citysafety:export_report", {**on, "XLSX": str(tmp_path / "report.xlsx")})
    assert openpyxl.load_workbook(report["XLSX"], read_only=True).sheetnames
    assert _psql(pg_database, "SELECT count(*) FROM citysafety.analysis_runs WHERE step = 'export_report'") == "1"


def test_district_imports_replace_their_districts_rows_only(pg_database, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    on = {"URI": pg_database, "LOAD_LAYERS": False}
    processing.run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), **on})
    others = _psql(pg_database, "SELECT md5(string_agg(u::text, '|' ORDER BY unit_code)) FROM citysafety.units u "
                                "WHERE district <> '南山区'")
    mine = district_workbook("南山区", tmp_path / "南山区_工贸.xlsx", rename="南山区新单位")
    out = processing.run("citysafety:import_surveys", {"INPUT": [str(mine)], **on, "ROUND": 2, "DISTRICT": "南山区"})
    n = int(_psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE district = '南山区'"))
    assert out["UNITS"] == n
    assert _psql(pg_database, "SELECT count(*) FROM citysafety.units WHERE name = '南山区新单位'") == "1"
    assert _psql(pg_database, "SELECT md5(string_agg(u::text, '|' ORDER BY unit_code)) FROM citysafety.units u "
                              "WHERE district <> '南山区'") == others
    assert _psql(pg_database, "SELECT step FROM citysafety.citysafety_state") == "publish_district 南山区"
    # The files of another district under this district's name: refused, nothing written.
    with pytest.raises(QgsProcessingException) as err:
        processing.run("citysafety:import_surveys", {"INPUT": [str(mine)], **on, "ROUND": 2, "DISTRICT": "福田区"})
    assert "福田区" in str(err.value)
    assert _psql(pg_database, "SELECT version FROM citysafety.citysafety_state") == "2"


def test_a_file_and_a_shared_database_or_neither_are_refused(analysed_db, pg_database):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as err:
        processing.run("citysafety:score", {"INPUT": str(analysed_db), "URI": pg_database})
    assert "not both" in str(err.value) and "只能给出其一" in str(err.value)
    with pytest.raises(QgsProcessingException) as err:
        processing.run("citysafety:score", {})
    assert "PostgreSQL" in str(err.value) and "共享风险库" in str(err.value)
    with pytest.raises(QgsProcessingException) as err:  # a database with no shared risk database in it
        processing.run("citysafety:score", {"URI": pg_database})
    assert "holds no shared risk database" in str(err.value) and "没有共享风险库" in str(err.value)


def test_qgis_process_runs_a_step_on_the_shared_database(qgis_process_env, analysed_db, pg_database, tmp_path):
    postgis.export_database(analysed_db, pg_database)
    env = {**qgis_process_env, "CSRM_SHARED_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([QGIS_PROCESS, "run", "citysafety:cascade", "--", f"URI={pg_database}",
                           "LOAD_LAYERS=false"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "EDGES:\t77" in proc.stdout and "postgres://" in proc.stdout
    assert _psql(pg_database, "SELECT version || ' ' || step FROM citysafety.citysafety_state") == "2 cascade"


def test_the_lists_cards_and_dynamic_risk_from_the_shared_database(analysed_db, pg_database, tmp_path):
    """What a district office asks for, from the shared database as from the file: the same
    risk list, the same notice cards, the same dynamic levels."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    postgis.export_database(analysed_db, pg_database)
    on = {"URI": pg_database}

    def run(alg, params):
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        return processing.run(f"citysafety:{alg}", params, context=context, feedback=QgsProcessingFeedback())

    for name, db in (("file", {"INPUT": str(analysed_db)}), ("shared", on)):
        out = tmp_path / name
        out.mkdir()
        listed = run("risk_list", {**db, "OUTPUT": str(out / "list.xlsx")})
        cards = run("notice_cards", {**db, "OUTPUT": str(out / "cards.pdf")})
        dynamic = run("dynamic_risk", {**db, "AS_OF": "2026-04-01"})
        if name == "file":
            want = (listed["ROWS"], cards["CARDS"], dynamic["RAISED"], dynamic["DYNAMIC_LEVEL1"])
            want_rows, want_source = _list_rows(out / "list.xlsx")
            assert want_source == str(analysed_db.resolve())
        else:
            assert (listed["ROWS"], cards["CARDS"], dynamic["RAISED"], dynamic["DYNAMIC_LEVEL1"]) == want
            assert listed["ROWS"] == 804 and cards["CARDS"] > 0
            rows, source = _list_rows(out / "list.xlsx")
            assert rows == want_rows
            dbname = pg_database.rsplit("/", 1)[1]
            assert source.startswith(f"PostGIS {dbname}@127.0.0.1:") and source.endswith(" / citysafety")
            assert f"PostGIS {dbname}@" in subprocess.run(["pdftotext", str(out / "cards.pdf"), "-"],
                                                          capture_output=True, text=True).stdout
    assert _psql(pg_database, "SELECT string_agg(step, ',' ORDER BY fid) FROM citysafety.analysis_runs "
                              "WHERE step IN ('risk_list', 'notice_cards', 'dynamic_risk')") == \
        "risk_list,notice_cards,dynamic_risk"


def _list_rows(xlsx) -> tuple[list, str]:
    """Every row of a risk list workbook but the lines naming its database and its time, and
    that name."""
    rows = [r for ws in openpyxl.load_workbook(xlsx, read_only=True) for r in ws.iter_rows(values_only=True)
            if not (r and r[0] in ("Made", "生成时间"))]
    source = [r for r in rows if r and r[0] in ("Risk database", "风险数据库")]
    assert len(source) == 1
    return [r for r in rows if r not in source], str(source[0][1])


def test_district_imports_and_a_score_at_once_through_qgis_process(qgis_process_env, pg_database, tmp_path):
    """Three district offices import their own files and the city bureau scores, each a
    qgis_process of its own, at the same time: every import lands, the score lands, nothing of
    another district changes."""
    import processing

    from tests.common import district_files

    processing.run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "URI": pg_database, "LOAD_LAYERS": False})
    districts = ("南山区", "福田区", "宝安区")
    from plugin.core.ingest.importer import import_surveys

    folders = {d: tmp_path / f"d{i}" for i, d in enumerate(districts)}
    expected = {d: len(import_surveys(district_files(d, folder)).units) for d, folder in folders.items()}
    others = _psql(pg_database, "SELECT md5(string_agg(concat_ws('|', unit_code, name), ',' ORDER BY unit_code)) "
                                "FROM citysafety.units WHERE district NOT IN ('南山区', '福田区', '宝安区')")
    env = {**qgis_process_env, "CSRM_SHARED_CACHE": str(tmp_path / "cache")}
    runs = [["citysafety:import_surveys", "--", f"FOLDER={folders[d]}", f"URI={pg_database}", "ROUND=2",
             f"DISTRICT={d}", "LOAD_LAYERS=false"] for d in districts]
    runs.insert(1, ["citysafety:score", "--", f"URI={pg_database}"])
    procs = [subprocess.Popen([QGIS_PROCESS, "run", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for args in runs]
    for proc, args in zip(procs, runs):
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, (args[0], (out + err)[-3000:])
    state = _psql(pg_database, "SELECT version FROM citysafety.citysafety_state")
    assert state == "5"  # the first import, three district imports, one score: every commit counted
    assert _psql(pg_database, "SELECT count(DISTINCT step) FROM citysafety.analysis_runs WHERE step = 'score'") == "1"
    assert _psql(pg_database, "SELECT md5(string_agg(concat_ws('|', unit_code, name), ',' ORDER BY unit_code)) "
                              "FROM citysafety.units WHERE district NOT IN ('南山区', '福田区', '宝安区')") == others
    for d in districts:  # each district's rows are its own files' rows
        assert int(_psql(pg_database, f"SELECT count(*) FROM citysafety.units WHERE district = '{d}'")) == expected[d]


def test_run_all_builds_the_shared_database_and_reports_from_it(pg_database, tmp_path):
    """citysafety:run_all with a URI: the chain built in a file of its own, which then becomes
    the shared database (styles included); the report names the shared database; the file is
    gone afterwards."""
    import processing

    out = processing.run("citysafety:run_all", {
        "FOLDER": str(SAMPLE), "URI": pg_database, "DENSITY": str(tmp_path / "density.tif"),
        "DISTRICTS": str(SAMPLE / "districts.gpkg"), "RECEPTORS": RECEPTORS,
        "POPULATION": str(SAMPLE / "population.tif"), "REPORT_XLSX": str(tmp_path / "report.xlsx"),
        "LOAD_LAYERS": False})
    assert out["UNITS"] == 329 and out["LEVEL1"] == 19 and out["OUTPUT"].endswith("schema=citysafety")
    assert _psql(pg_database, "SELECT count(*) FROM citysafety.risk_map WHERE level = 1") == "19"
    assert _psql(pg_database, "SELECT count(*) FROM layer_styles WHERE useasdefault") == "6"
    info = [r for ws in openpyxl.load_workbook(out["REPORT_XLSX"], read_only=True)
            for r in ws.iter_rows(values_only=True) if r and r[0] in ("Risk database", "风险数据库")]
    dbname = pg_database.rsplit("/", 1)[1]
    assert info and all(str(r[1]).startswith(f"PostGIS {dbname}@") for r in info)
    assert not list((tmp_path / "cache" / "scratch").glob("*.gpkg"))

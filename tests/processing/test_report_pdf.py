"""The PDF report (plugin/processing/report_pdf.py) on the analysed sample city: pages,
text extracted with poppler's pdftotext (real Chinese glyphs), counts, a worker thread,
and an earlier PDF left alone by a cancel or a failure."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from plugin.core.errors import Canceled
from tests.common import ROOT

TITLE = "深圳市城市安全风险评估报告"
DATE = "2024-05-01"
UNIT_CODE = re.compile(r"\b[A-Z]{2}-[A-Z]{2}-\d{6}\b")


def identity(text: str) -> str:
    return text


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")


@pytest.fixture(scope="module")
def rules():
    from plugin.core.rules import load_rules

    return load_rules()


@pytest.fixture(scope="module")
def report(analysed_db_session, rules, tmp_path_factory):
    """The sample city's report, made once: (pdf, pages returned, seconds)."""
    from plugin.processing.report_pdf import export_report_pdf

    pdf = tmp_path_factory.mktemp("report") / "报告.pdf"
    start = time.perf_counter()
    pages = export_report_pdf(str(analysed_db_session), str(pdf), rules, TITLE, tr=identity, date_text=DATE)
    return pdf, pages, time.perf_counter() - start


def districts_of(db: Path) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(db, layer="district_summary")


def execute(db: Path, statements: list[str]) -> None:
    """SQL on a GeoPackage through GDAL (its triggers need GDAL's spatial functions)."""
    from osgeo import gdal

    ds = gdal.OpenEx(str(db), gdal.OF_VECTOR | gdal.OF_UPDATE)
    for sql in statements:
        ds.ExecuteSQL(sql)
    ds = None


def drop_layer(db: Path, name: str) -> None:
    from osgeo import gdal

    ds = gdal.OpenEx(str(db), gdal.OF_VECTOR | gdal.OF_UPDATE)
    index = [ds.GetLayerByIndex(i).GetName() for i in range(ds.GetLayerCount())].index(name)
    assert ds.DeleteLayer(index) == 0
    ds = None


def test_a_cover_and_a_page_per_district(report, analysed_db_session):
    pdf, pages, seconds = report
    districts = districts_of(analysed_db_session)
    assert len(districts) == 10
    assert pages == pdf_pages(pdf) == 1 + len(districts)
    print(f"report of {pages} pages in {seconds:.1f} s")


def test_text_is_real_chinese(report, analysed_db_session):
    """The title and every district name come back from the PDF as the characters written
    (风, 一, 龙 not as the radicals ⻛, ⼀, ⻰ that share their glyphs), digits too."""
    pdf, _pages, _s = report
    text = pdf_text(pdf)
    assert TITLE in text
    assert f"Date: {DATE}" in text
    for name in districts_of(analysed_db_session).district:
        assert name in text
    assert not re.search("[\u2e80-\u2fdf]", text)
    for k in range(2, 12):  # each district page is headed by the title and its district
        first = pdf_text(pdf, k).strip().splitlines()[0]
        assert first.startswith(f"{TITLE} — ")


def test_cover_counts_are_the_database_s(report, analysed_db_session, rules):
    from plugin.core.store.riskdb import read_layer
    from plugin.layers.styling import level_label

    pdf, _pages, _s = report
    cover = pdf_text(pdf, 1)
    units = read_layer(analysed_db_session, "units")
    # per level: the count by the scores alone (inherent), the final count, its share
    assert re.search(r"Inherent\s+Final\s+Share", cover)
    for k, lv in rules.levels.items():
        n, inherent = int((units.level == k).sum()), int((units.inherent_level == k).sum())
        share = f"{100 * n / len(units):.1f}%"
        assert re.search(rf"{re.escape(level_label(lv))}\s+{inherent}\s+{n}\s+{re.escape(share)}", cover), (k, n)
    assert re.search(rf"Total\s+{len(units)}\b", cover)
    raised = int((units.level < units.inherent_level).sum())
    assert raised >= 1 and re.search(rf"Raised\s+{raised}\b", cover)
    assert "Units by sector and risk level" in cover
    for s in rules.sectors.values():
        assert s.zh in cover


def _who_answers(text: str) -> tuple[int, ...]:
    flat = re.sub(r"\s+", " ", text)
    m = re.search(r"Who answers: ([\d,]+) risk points without controls, ([\d,]+) without a responsible person; "
                  r"([\d,]+) of ([\d,]+) major hazard sources", flat)
    assert m, flat[-600:]
    return tuple(int(g.replace(",", "")) for g in m.groups())


def test_each_page_says_who_answers_for_its_risk(report, analysed_db_session):
    """The cover counts the city's findings (street_summary), each district page its own
    (district_summary): risk points without controls or a responsible person, major hazard
    sources without their 包保责任人."""
    from plugin.core.store.riskdb import read_layer

    pdf, _pages, _s = report
    findings = read_layer(analysed_db_session, "control_findings")
    streets = read_layer(analysed_db_session, "street_summary")
    cover = _who_answers(pdf_text(pdf, 1))
    assert cover == ((findings.code == "W_CONTROLS_MISSING").sum(), (findings.code == "W_RESPONSIBLE_MISSING").sum(),
                     (findings.code == "W_MAJOR_PEOPLE_MISSING").sum(), streets.n_major.sum())
    assert cover[0] > 0 and cover[1] > 0 and cover[2] > 0
    for k, d in enumerate(districts_of(analysed_db_session).itertuples(), start=2):
        assert _who_answers(pdf_text(pdf, k)) == (d.n_controls_missing, d.n_person_missing, d.n_major_unnamed,
                                                  d.n_major), d.district


def test_each_district_page_lists_its_level_1_and_2_units(report, analysed_db_session, rules):
    """The page's counts are the district summary's (inherent, final, share, raised), and its
    table lists exactly the level-1/2 units lying in the district (as the summary counts them)."""
    pdf, _pages, _s = report
    districts = districts_of(analysed_db_session)
    risk = pyogrio.read_dataframe(analysed_db_session, layer="risk_map")
    serious = risk[risk.level.isin([1, 2])]
    joined = gpd.sjoin(serious, districts[["district", "geometry"]], predicate="within")
    for page, d in enumerate(districts.itertuples(), start=2):
        text = pdf_text(pdf, page)
        assert d.district in text.splitlines()[0]
        for k, lv in rules.levels.items():
            # the narrow table names the level by number and Chinese name (the legend has both)
            share = "{:.1f}%".format(getattr(d, f"share_level{k}"))
            row = rf"{k} {lv.zh}\s+{getattr(d, f'n_inherent{k}')}\s+{getattr(d, f'n_level{k}')}\s+{re.escape(share)}"
            assert re.search(row, text), (d.district, k)
        assert re.search(rf"Raised\s+{d.n_raised}\b", text)
        expected = set(joined.loc[joined.district_right == d.district, "unit_code"])
        assert len(expected) == d.n_level1 + d.n_level2
        assert set(UNIT_CODE.findall(text)) == expected
        assert f"Level-1 and level-2 units in {d.district}: {len(expected)}" in text
        if not expected:
            assert "No level-1 or level-2 units" in text


def test_a_long_district_table_stays_on_its_page(analysed_db, rules, tmp_path):
    """More level-1/2 units than the table's rows: the worst ones are listed, the note says
    so, and no page is added."""
    from plugin.processing.report_pdf import export_report_pdf

    districts = districts_of(analysed_db)
    risk = pyogrio.read_dataframe(analysed_db, layer="risk_map")
    first = districts.iloc[0]
    inside = risk[risk.within(first.geometry)]
    assert len(inside) >= 25
    chosen = list(inside.unit_code[:25])
    codes = ", ".join(f"'{c}'" for c in inside.unit_code)
    statements = [f"UPDATE risk_map SET level = 3 WHERE unit_code IN ({codes})"]
    statements += [f"UPDATE risk_map SET level = 1, r_value = {100 - i} WHERE unit_code = '{code}'"
                   for i, code in enumerate(chosen)]
    statements.append(f"UPDATE district_summary SET n_level1 = {len(chosen)}, n_level2 = 0 "
                      f"WHERE district = '{first.district}'")
    execute(analysed_db, statements)
    pdf = tmp_path / "long.pdf"
    pages = export_report_pdf(str(analysed_db), str(pdf), rules, TITLE, tr=identity)
    assert pages == pdf_pages(pdf) == 1 + len(districts)
    text = pdf_text(pdf, 2)
    rows = int(re.search(r"\(the first (\d+) shown\)", text).group(1))
    assert 15 <= rows < 25
    assert UNIT_CODE.findall(text) == chosen[:rows]  # worst first, down to the last row that fits


def test_without_district_polygons_a_page_per_surveyed_district(analysed_db, rules, tmp_path):
    """No district polygons: a page per district the units were surveyed in (their district
    field), with its counts and exactly its level-1/2 units, the map on their extent."""
    from plugin.processing.report_pdf import export_report_pdf

    drop_layer(analysed_db, "district_summary")
    units = pyogrio.read_dataframe(analysed_db, layer="units", read_geometry=False)
    risk = pyogrio.read_dataframe(analysed_db, layer="risk_map", read_geometry=False)
    names = sorted(units["district"].fillna("").str.strip().unique())
    pdf = tmp_path / "city.pdf"
    assert export_report_pdf(str(analysed_db), str(pdf), rules, TITLE, tr=identity) == 1 + len(names)
    assert pdf_pages(pdf) == 1 + len(names) and len(names) >= 5
    text = pdf_text(pdf, 1)
    assert TITLE in text and "Units by sector and risk level" in text
    for page, name in enumerate(names, start=2):
        text = pdf_text(pdf, page)
        assert text.strip().splitlines()[0].startswith(f"{TITLE} — {name or '(no district name)'}")
        mine = units[units["district"].fillna("").str.strip() == name]
        for k, lv in rules.levels.items():
            n = int((mine.level == k).sum())
            assert re.search(rf"{k} {lv.zh}\s+\d+\s+{n}\s", text), (name, k)
        serious = risk[(risk["district"].fillna("").str.strip() == name) & risk.level.isin([1, 2])]
        assert set(UNIT_CODE.findall(text)) == set(serious.unit_code)
        assert "No district boundaries were given" in text


def test_a_database_scored_before_inherent_levels_shows_counts_and_shares(analysed_db, rules, tmp_path):
    # Its units have no inherent_level, its district summary no inherent fields: each page's
    # table shows the count and share of each level, without the inherent column.
    from plugin.core.store import riskdb
    from plugin.layers.styling import level_label
    from plugin.processing.report_pdf import export_report_pdf

    units = riskdb.read_layer(analysed_db, "units").drop(columns="inherent_level")
    summary = riskdb.read_layer(analysed_db, "district_summary")
    summary = summary.drop(columns=[c for c in summary if c.startswith(("n_inherent", "n_raised"))])
    riskdb.update_layers(analysed_db, {"units": units, "district_summary": summary})
    pdf = tmp_path / "legacy.pdf"
    assert export_report_pdf(str(analysed_db), str(pdf), rules, TITLE, tr=identity) == 1 + len(summary)
    text = pdf_text(pdf)
    assert "Inherent" not in text and "Raised" not in text
    d = summary.iloc[0]
    page = pdf_text(pdf, 2)
    for k, lv in rules.levels.items():
        share = f"{d[f'share_level{k}']:.1f}%"
        assert re.search(rf"{re.escape(level_label(lv))}\s+{d[f'n_level{k}']}\s+{re.escape(share)}", page), k


def test_cancel_leaves_an_earlier_pdf(report, analysed_db_session, rules, tmp_path):
    from qgis.core import QgsFeedback

    from plugin.processing.report_pdf import export_report_pdf

    pdf = tmp_path / "report.pdf"
    shutil.copy(report[0], pdf)
    before = pdf.read_bytes()
    feedback = QgsFeedback()
    feedback.cancel()
    with pytest.raises(Canceled):
        export_report_pdf(str(analysed_db_session), str(pdf), rules, "另一个标题", feedback=feedback)
    # Cancelled in the middle of the export, from the progress it reports.
    feedback = QgsFeedback()
    seen = []

    def cancel_midway(progress):
        seen.append(progress)
        if progress > 40:
            feedback.cancel()

    feedback.progressChanged.connect(cancel_midway)
    with pytest.raises(Canceled):
        export_report_pdf(str(analysed_db_session), str(pdf), rules, "另一个标题", feedback=feedback)
    assert 40 < max(seen) < 100
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no temporary file left


def test_failure_leaves_an_earlier_pdf(report, analysed_db, rules, tmp_path, monkeypatch):
    from qgis.core import QgsLayoutExporter

    from plugin.processing import report_pdf

    out = tmp_path / "out"
    out.mkdir()
    pdf = out / "report.pdf"
    shutil.copy(report[0], pdf)
    before = pdf.read_bytes()

    def half_written(_atlas, path, _settings, _feedback):
        Path(path).write_bytes(b"%PDF-1.4 broken")
        return QgsLayoutExporter.ExportResult.FileError, "disk full"

    monkeypatch.setattr(report_pdf.QgsLayoutExporter, "exportToPdf", half_written)
    with pytest.raises(report_pdf.ReportError, match="disk full"):
        report_pdf.export_report_pdf(str(analysed_db), str(pdf), rules, TITLE)
    monkeypatch.undo()
    drop_layer(analysed_db, "risk_map")
    with pytest.raises(report_pdf.ReportError, match="risk_map"):
        report_pdf.export_report_pdf(str(analysed_db), str(pdf), rules, TITLE)
    assert pdf.read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["report.pdf"]


def test_runs_on_a_worker_thread(analysed_db_session, rules, tmp_path):
    """As in a Processing algorithm: a QgsTask on QGIS's thread pool, the main thread
    only turning the event loop."""
    from qgis.core import QgsApplication, QgsProcessingFeedback, QgsTask

    from plugin.processing.report_pdf import export_report_pdf

    pdf = tmp_path / "task.pdf"
    result = {}

    def work(_task):
        import threading

        result["main_thread"] = threading.current_thread() is threading.main_thread()
        result["pages"] = export_report_pdf(str(analysed_db_session), str(pdf), rules, TITLE,
                                            feedback=QgsProcessingFeedback(), tr=identity)
        return True

    task = QgsTask.fromFunction("report", work)
    QgsApplication.taskManager().addTask(task)
    deadline = time.monotonic() + 120
    done = (QgsTask.TaskStatus.Complete, QgsTask.TaskStatus.Terminated)
    while task.status() not in done and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.01)
    assert task.status() == QgsTask.TaskStatus.Complete, result
    assert result == {"main_thread": False, "pages": 11}
    text = pdf_text(pdf)
    assert TITLE in text and "南山区" in text
    assert len(UNIT_CODE.findall(text)) > 20  # the tables were drawn, not blank pages


def test_template_loads_cleanly_and_is_up_to_date(qgis_app, tmp_path):
    from qgis.core import QgsPrintLayout, QgsProject, QgsReadWriteContext
    from qgis.PyQt.QtXml import QDomDocument

    from plugin.processing.report_pdf import TEMPLATE

    doc = QDomDocument()
    assert doc.setContent(TEMPLATE.read_text(encoding="utf-8"))[0]
    project = QgsProject()
    layout = QgsPrintLayout(project)
    _items, ok = layout.loadFromTemplate(doc, QgsReadWriteContext())
    assert ok
    ids = {i.id() for i in layout.items() if hasattr(i, "id")}
    for kind in ("cover", "district"):
        assert {f"{kind}_map", f"{kind}_legend", f"{kind}_scalebar", f"{kind}_north_arrow", f"{kind}_counts",
                f"{kind}_counts_heading"} <= ids
    assert {"title", "date", "footer", "page_number", "summary_table", "units_table"} <= ids
    assert "Noto Sans CJK SC" in TEMPLATE.read_text(encoding="utf-8")
    from qgis.core import Qgis

    if Qgis.versionInt() // 100 != 322:
        return  # the template is written by the oldest QGIS supported, 3.22, so every newer one reads it
    fresh = tmp_path / "report.qpt"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_layout.py"), "--out", str(fresh)], check=True,
                   capture_output=True)
    assert fresh.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8"), \
        "resources/layouts/report.qpt is out of date: run scripts/make_layout.py"


def test_cover_map_draws_density_districts_and_few_level_1_points(analysed_db_session, rules, tmp_path, monkeypatch):
    """At city scale the cover never draws every unit: the risk density, the district outlines
    and the level-1 units, at most COVER_POINTS of them (the worst first); the district pages
    keep every unit of their district."""
    from qgis.core import QgsLayoutItemLegend, QgsLayoutItemMap, QgsProject, QgsRasterLayer

    from plugin.core.store.riskdb import read_layer
    from plugin.processing import report_pdf

    risk = read_layer(analysed_db_session, "risk_map")
    level1 = risk[risk.level == 1].assign(_r=risk.r_value.fillna(-1)).sort_values(["_r", "unit_code"],
                                                                                   ascending=[False, True])
    assert len(level1) > 3
    monkeypatch.setattr(report_pdf, "COVER_POINTS", 3)
    project = QgsProject()
    layout = report_pdf.build_layout(project, str(analysed_db_session), rules, TITLE, identity, DATE, str(tmp_path))
    try:
        cover = layout.itemById("cover_map")
        assert isinstance(cover, QgsLayoutItemMap)
        points, districts, density = cover.layers()
        assert isinstance(density, QgsRasterLayer) and density.isValid() and density.width() > 10
        assert districts.featureCount() == 10
        codes = sorted(f["unit_code"] for f in points.getFeatures())
        assert codes == sorted(level1.unit_code[:3])  # the three worst level-1 units
        assert "shown 3 of" in points.name()
        assert [r.ruleKey() for r in points.renderer().rootRule().children()] == ["level1"]  # the legend: level 1
        legend = layout.itemById("cover_legend")
        assert isinstance(legend, QgsLayoutItemLegend)
        assert [n.layer() for n in legend.model().rootGroup().findLayers()] == [points, districts, density]
        district_map = layout.itemById("district_map")
        (all_units, _outlines) = district_map.layers()
        assert all_units.featureCount() == len(risk)
    finally:
        layout = None
        project.clear()


def test_a_large_district_draws_the_density_and_its_level_1_and_2_units(analysed_db_session, rules, tmp_path,
                                                                        monkeypatch):
    """A district of more than DISTRICT_POINTS units draws, on its page, the risk density, the
    outlines and its level-1 and level-2 units only; its note says how many of how many."""
    from qgis.core import QgsLayoutObject, QgsProject

    from plugin.processing import report_pdf

    summary = districts_of(analysed_db_session)
    big = summary.sort_values("n_units", ascending=False).iloc[0]
    limit = int(summary["n_units"].sort_values().iloc[-2])  # only the largest district is over it
    assert int(big["n_units"]) > limit
    monkeypatch.setattr(report_pdf, "DISTRICT_POINTS", limit)
    project = QgsProject()
    layout = report_pdf.build_layout(project, str(analysed_db_session), rules, TITLE, identity, DATE, str(tmp_path))
    try:
        district_map = layout.itemById("district_map")
        prop = district_map.dataDefinedProperties().property(QgsLayoutObject.DataDefinedProperty.MapLayers)
        assert prop.isActive() and "Level-1 and level-2 units|" in prop.expressionString()
        top = project.mapLayersByName("Level-1 and level-2 units")[0]
        assert top.featureCount() == int((read_risk_levels(analysed_db_session).isin([1, 2])).sum())
    finally:
        layout = None
        project.clear()
    pdf = tmp_path / "capped.pdf"
    report_pdf.export_report_pdf(str(analysed_db_session), str(pdf), rules, TITLE, tr=identity, date_text=DATE)
    shown = int(big["n_level1"]) + int(big["n_level2"])
    note = (f"The map shows the risk density and the level-1 and level-2 units only: {shown:,} of "
            f"{int(big['n_units']):,} units.")
    pages = [pdf_text(pdf, k) for k in range(2, pdf_pages(pdf) + 1)]
    flat = [re.sub(r"\s+", " ", p) for p in pages]
    assert sum(note in p for p in flat) == 1, note
    assert sum("only:" in p for p in flat) == 1  # the other districts draw every unit


def read_risk_levels(db: Path):
    return pyogrio.read_dataframe(db, layer="risk_map", columns=["level"], read_geometry=False)["level"]


def test_each_page_says_its_dynamic_risk_once_computed(analysed_db, rules, tmp_path):
    """After citysafety:dynamic_risk the cover counts the city's units by dynamic level and
    each district page its own (district_summary's n_dynamic*), with the assessment day."""
    from openpyxl import Workbook

    from plugin.core import steps
    from plugin.core.store.riskdb import read_layer
    from plugin.processing.report_pdf import export_report_pdf

    units = read_layer(analysed_db, "units")
    unit = units.loc[units["level"] == 2, "unit_code"].iloc[0]
    wb = Workbook()
    wb.active.append(["单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期"])
    wb.active.append([unit, "可燃气体报警器失效", "重大隐患", "未整改", "2026-03-05"])
    wb.save(tmp_path / "hd.xlsx")
    steps.import_hidden_dangers(analysed_db, [tmp_path / "hd.xlsx"], rules)
    steps.dynamic_risk(analysed_db, rules, "2026-04-01")
    pdf = tmp_path / "dynamic.pdf"
    export_report_pdf(str(analysed_db), str(pdf), rules, TITLE, tr=identity, date_text=DATE)
    after = read_layer(analysed_db, "units")

    def dynamic(text: str) -> tuple[int, ...]:
        """The counts table's dynamic column: per level (inherent, final, dynamic, share), then raised."""
        flat = re.sub(r"\s+", " ", text)
        assert "Inherent Final Dynamic Share" in flat, flat[-800:]
        found = [int(re.search(rf"{k} \S+(?: [a-z ]+?)? ([\d,]+) ([\d,]+) ([\d,]+) [\d.]+%", flat).group(3))
                 for k in (1, 2, 3, 4)]
        raised = re.search(r"Raised ([\d,]+) ([\d,]+)", flat)
        assert raised, flat[-800:]
        return (*found, int(raised.group(2)))

    assert "dynamic on 2026-04-01" in pdf_text(pdf, 1)  # the assessment day in the cover's heading
    assert dynamic(pdf_text(pdf, 1)) == (*(int((after.dynamic_level == k).sum()) for k in (1, 2, 3, 4)),
                                         int((after.dynamic_raise > 0).sum()))
    summary = read_layer(analysed_db, "district_summary")
    for k, d in enumerate(summary.itertuples(), start=2):
        assert dynamic(pdf_text(pdf, k)) == (d.n_dynamic1, d.n_dynamic2, d.n_dynamic3, d.n_dynamic4,
                                             d.n_dynamic_raised), d.district

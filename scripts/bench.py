"""make bench: the whole chain, step by step as its Processing algorithm runs it, by city size.

For each size the generator's ``city`` profile (tools/sample_city/generator.py: realistic
sector shares, a third of the hazardous-chemicals units in three dense parks, hazard sources
with their own points inside their site, 20,000 receptors, a 100 m population raster) writes
a fictional city's survey workbooks, once per size and seed (cached under
``OUT/cities/``). Then every step runs in a fresh child process, so that its time and peak
memory (the child's ``ru_maxrss``) are its own:

- ``read``, ``read_threads``: python-calamine alone reading every sheet of every workbook,
  one file after the other and in the importer's thread pool — the floor an import cannot beat;
- ``import`` → ``score`` → ``proximity`` (the generated receptors and population raster) →
  ``cascade`` → ``risk_map`` (with the districts) → ``export_report`` (Excel and PDF): each one
  ``processing.run("citysafety:<alg>", params)`` in a QGIS application with Processing and
  the plugin's provider initialised (as qgis_process and ``make demo`` do), only the
  algorithms' public parameters, the time taken around ``processing.run``;
- ``map``: the risk database's layers loaded as the plugin loads them
  (``plugin.layers.loading.load_risk_layers``: the risk map, district summary and density
  with their styles and scale visibility), rendered at city extent with
  ``QgsMapRendererParallelJob`` after a warm-up; the panel's refresh read
  (``plugin.core.status.snapshot``) and the unit inspector's pick
  (``UnitInspectTool.pick_at`` on a map canvas, ``store.read.nearest_unit``, then
  ``status.unit_details`` as the panel's ``show_unit`` reads it);
- ``levels``: after the chain, by aggregate SQL on the work database (sqlite3, read-only), per
  sector: the units' levels before any upgrade (``inherent_level``) and after them (``level``),
  the hazard sources raised by the proximity upgrade (``upgrade_reason``) and by the cascade
  (``cascade_reason``), the units raised, and the share of level-1 units.

Results are kept in ``OUT/results.json`` (the last run of each size and step), printed, and
— unless ``--no-doc`` — written between the ``<!-- bench:...:begin/end -->`` markers of
docs/benchmarks.md.

Usage: python scripts/bench.py [--sizes 10000 100000 1116200] [--steps import score ...]
                               [--seed N] [--out out/bench] [--no-doc] [--doc-sections levels ...]
``--steps generate`` only generates (and caches) the cities; ``--steps chain`` is the six
algorithms and the levels after them; ``--steps all`` (default) is the read floor, the chain,
the levels and the map.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks.md"
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"
DEFAULT_SEED = 20241128
PROFILE = "city"
CHAIN = ("import", "score", "proximity", "cascade", "risk_map", "export_report")
#: What a district office asks for after the chain (issue 15): the whole city's risk list, and
#: notice cards for (at most) 1,000 level-1 units.
EXPORTS = ("risk_list", "notice_cards")
CARDS = 1_000
#: What changes as the city does (issue 16), last: a ledger of hidden dangers for one unit in
#: twenty, the dynamic risk, a second survey round (the same files), its score and the change
#: report. They leave the work database as round 2, without its map: run the chain again first.
ROUNDS = ("hidden_dangers", "dynamic_risk", "new_round", "rescore", "change_report")
LEDGER_SHARE = 20  # one unit in this many gets a hidden danger
#: The shared store (issue 17), after the exports, on a throw-away PostGIS server of the bench's own
#: (tools/pgcluster.py, one database per size): the analysed database exported, taken back into a
#: GeoPackage, and the largest district published from a file of its own.
POSTGIS = ("pg_export", "pg_take", "pg_publish")
#: The chain itself on the shared store (one store, two engines): the same algorithms with the
#: bench server's URI instead of a file, in a schema of their own (PG_SCHEMA); each child process
#: keeps the working copy in work/pg_cache, as one analyst's QGIS would across the steps.
PG_CHAIN = tuple(f"pg_{s}" for s in CHAIN)
PG_SCHEMA = "chain"
STEPS = ("read", "read_threads", *CHAIN, "levels", "map", *EXPORTS, *POSTGIS, *PG_CHAIN, *ROUNDS)
ALIASES = {"import_surveys": "import", "report": "export_report", "render": "map", "chain": (*CHAIN, "levels"),
           "all": STEPS, "floor": ("read", "read_threads"), "exports": EXPORTS, "rounds": ROUNDS,
           "postgis": (*POSTGIS, *PG_CHAIN), "pg_chain": PG_CHAIN}
SEED_SCALE = 1_116_200
GROWTH_FROM = 100_000
# Targets (issue 11) at SEED_SCALE units.
TARGET_TOTAL_S = 180.0
TARGET_PEAK_MB = 8 * 1024
TARGET_GROWTH = 12.0
TARGET_IMPORT_RATIO = 1.5
TARGET_RENDER_S = 1.0
DOC_SECTIONS = ("generate", "chain", "targets", "import", "map", "levels", "exports", "postgis", "pg_chain",
                "rounds")
RENDER_SIZE = (1280, 800)
RENDER_RUNS = 3
PICKS = 20  # units picked with the inspector
LEVELS = (1, 2, 3, 4)
SECTOR_ORDER = ("hazchem", "gas", "industry", "construction", "transport", "fire", "special_equipment")


# =========================================================================================
# The city (generated once per size and seed)
# =========================================================================================

def city_folder(out: Path, n: int, seed: int) -> Path:
    from tools.sample_city.generator import CITY_PROFILE_VERSION

    return out / "cities" / f"city_{n}_s{seed}_{PROFILE}_v{CITY_PROFILE_VERSION}"


def generated_info(folder: Path) -> dict | None:
    f = folder / "generated.json"
    return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None


def step_generate(folder: Path, work: Path, n: int, seed: int) -> dict:
    """generate_city(profile="city") + tidy workbooks + districts, receptors, population."""
    from tools.sample_city.generator import generate_city, write_city, write_layers

    t0 = time.perf_counter()
    city = generate_city(n, seed=seed, profile=PROFILE)
    t1 = time.perf_counter()
    info = {"units": city.n_units, "hazards": city.n_hazards, "receptors": len(city.receptors)}
    write_city(city, folder, messy=False)
    t2 = time.perf_counter()
    write_layers(city, folder)
    t3 = time.perf_counter()
    return {**info, "generate_s": t1 - t0, "workbooks_s": t2 - t1, "layers_s": t3 - t2,
            "mb": sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6}


def ensure_city(out: Path, n: int, seed: int) -> Path:
    folder = city_folder(out, n, seed)
    if generated_info(folder) is None:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating a city of {n:,} units (seed {seed}, profile {PROFILE}) -> {folder}", flush=True)
        r = run_child("generate", folder, folder, n, seed)
        (folder / "generated.json").write_text(json.dumps(r, indent=1), encoding="utf-8")
        print(f"  generated in {r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB: {r['units']:,} units, "
              f"{r['hazards']:,} hazard sources, {r['receptors']:,} receptors ({r['mb']:.0f} MB)", flush=True)
    return folder


# =========================================================================================
# The floor: python-calamine alone
# =========================================================================================

def survey_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".csv"))


def step_read(folder: Path, work: Path, n: int, seed: int) -> dict:
    """The bare read, one file after the other."""
    return {"rows": sum(read_one(p) for p in survey_files(folder))}


def step_read_threads(folder: Path, work: Path, n: int, seed: int) -> dict:
    """The bare read with the importer's thread pool (calamine releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    try:
        from plugin.core.ingest.importer import READ_THREADS
    except ImportError:
        READ_THREADS = max(1, min(4, os.cpu_count() or 1))  # noqa: N806 (the importer's name)
    threads = READ_THREADS
    with ThreadPoolExecutor(threads) as pool:
        counts = list(pool.map(read_one, survey_files(folder)))
    return {"rows": sum(counts), "threads": threads}


def read_one(p: Path) -> int:
    import csv

    from python_calamine import CalamineWorkbook

    if p.suffix.lower() == ".csv":
        data = p.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        return sum(1 for _ in csv.reader(text.splitlines()))
    wb = CalamineWorkbook.from_path(str(p))
    return sum(len(wb.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in wb.sheet_names)


# =========================================================================================
# The chain: each step as its Processing algorithm runs it
# =========================================================================================

def start_qgis(gui: bool = False):
    """A QGIS application with Processing and the plugin's provider (as qgis_process and
    ``make demo`` do: ``classFactory(None).initProcessing()``)."""
    from qgis.core import QgsApplication

    app = QgsApplication([], gui)
    app.initQgis()
    if QGIS_PLUGINS not in sys.path:
        sys.path.append(QGIS_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    from plugin.plugin import CitySafetyPlugin

    plugin = CitySafetyPlugin(None)
    plugin.initProcessing()
    return app, plugin


def algorithm_params(step: str, folder: Path, work: Path) -> dict:
    db = str(work / "risk.gpkg")
    if step == "import":
        return {"FOLDER": str(folder), "OUTPUT": db, "LOAD_LAYERS": False}
    if step == "score":
        return {"INPUT": db}
    if step == "proximity":
        return {"INPUT": db, "RECEPTORS": f"{folder / 'receptors.gpkg'}|layername=receptors",
                "POPULATION": str(folder / "population.tif"), "LOAD_LAYERS": False}
    if step == "cascade":
        return {"INPUT": db, "LOAD_LAYERS": False}
    if step == "risk_map":
        return {"INPUT": db, "DISTRICTS": str(folder / "districts.gpkg"), "DENSITY": str(work / "risk_density.tif"),
                "LOAD_LAYERS": False}
    if step == "export_report":
        return {"INPUT": db, "XLSX": str(work / "report.xlsx"), "PDF": str(work / "report.pdf"),
                "TITLE": "Bench city 基准城市"}
    if step == "risk_list":
        return {"INPUT": db, "OUTPUT": str(work / "risk_list.xlsx")}
    if step == "notice_cards":
        return {"INPUT": db, "OUTPUT": str(work / "notice_cards.pdf"),
                "UNITS": f'{db}|layername=risk_level1|subset="fid" <= {CARDS}'}
    if step == "pg_export":
        return {"INPUT": db, "URI": os.environ["CSRM_BENCH_PG"], "REPLACE": True}
    if step == "pg_take":
        return {"URI": os.environ["CSRM_BENCH_PG"], "OUTPUT": str(work / "taken.gpkg")}
    if step == "pg_publish":
        district = write_district(work)
        return {"INPUT": str(work / "district.gpkg"), "DISTRICT": district, "URI": os.environ["CSRM_BENCH_PG"]}
    if step in PG_CHAIN:
        params = algorithm_params(step[3:], folder, work)
        for key in ("INPUT", "OUTPUT"):
            if params.get(key) == db:
                del params[key]
        return {**params, "URI": os.environ["CSRM_BENCH_PG"], "SCHEMA": PG_SCHEMA}
    if step == "hidden_dangers":
        return {"INPUT": db, "FILES": [str(write_ledger(work))]}
    if step == "dynamic_risk":
        return {"INPUT": db, "AS_OF": "2026-06-30"}
    if step == "new_round":
        return {"FOLDER": str(folder), "OUTPUT": db, "ROUND": 1, "ROUND_NAME": "第二轮", "ROUND_DATE": "2026-06-30",
                "LOAD_LAYERS": False}
    if step == "rescore":
        return {"INPUT": db}
    if step == "change_report":
        return {"INPUT": db, "XLSX": str(work / "changes.xlsx"), "LOAD_LAYERS": False}
    raise ValueError(step)


def write_district(work: Path) -> str:
    """work/district.gpkg: the database taken back (pg_take) cut to its largest district, as that
    district office's own file (not timed); the district's name."""
    import shutil

    from plugin.core.store import tx

    shutil.copy(work / "taken.gpkg", work / "district.gpkg")
    con = tx.connect(work / "district.gpkg")
    try:
        district = con.execute("SELECT district FROM units GROUP BY district ORDER BY count(*) DESC "
                               "LIMIT 1").fetchone()[0]
        con.execute("BEGIN")
        con.execute("DELETE FROM hazards WHERE unit_code NOT IN (SELECT unit_code FROM units WHERE district = ?)",
                    (district,))
        con.execute("DELETE FROM units WHERE district IS NOT ?", (district,))
        con.execute("COMMIT")
    finally:
        con.close()
    return str(district)


def write_ledger(work: Path) -> Path:
    """A hidden-danger ledger for one unit in :data:`LEDGER_SHARE` of the work database (seeded):
    every grade and status, found before 2026-06-30, half past their deadline."""
    import numpy as np
    from openpyxl import Workbook

    from plugin.core.store import read

    codes = read.columns(work / "risk.gpkg", "units", ["unit_code"])["unit_code"].astype(str).to_numpy()
    pick = np.sort(np.random.default_rng(16).choice(len(codes), max(1, len(codes) // LEDGER_SHARE), replace=False))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患台账")
    ws.append(["隐患编号", "单位编码", "隐患描述", "隐患等级", "整改状态", "发现日期", "整改期限", "整改完成日期"])
    statuses = ("未整改", "整改中", "已整改", "已销号")
    for i, p in enumerate(pick):
        ws.append([f"YH-{i:07d}", codes[p], "bench", "重大隐患" if i % 5 == 0 else "一般隐患", statuses[i % 4],
                   "2026-01-05", "2026-03-01" if i % 2 else "2026-09-01", "2026-02-10" if i % 4 >= 2 else None])
    path = work / "hidden_dangers.xlsx"
    wb.save(path)
    return path


def run_algorithm(step: str, folder: Path, work: Path) -> dict:
    """``processing.run("citysafety:<alg>")`` of one step; the algorithm's log goes to
    ``work/<step>.log``."""
    _qgis = start_qgis()  # kept alive while the algorithm runs
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, info):
            log.write(f"{time.perf_counter() - t0:8.2f}  {info}\n")
            log.flush()

        def reportError(self, error, fatalError=False):
            log.write(f"{time.perf_counter() - t0:8.2f}  ! {error}\n")
            log.flush()

    alg = {"import": "import_surveys", "new_round": "import_surveys", "rescore": "score",
           "hidden_dangers": "import_hidden_dangers", "pg_export": "export_to_postgis",
           "pg_take": "import_from_postgis", "pg_publish": "publish_district"}.get(step, step)
    alg = {"pg_import": "import_surveys"}.get(step, step[3:] if step in PG_CHAIN else alg)
    params = algorithm_params(step, folder, work)
    os.environ["CSRM_SHARED_CACHE"] = str(work / "pg_cache")
    if step == "pg_import":  # a chain of its own: the schema and the working copy anew
        shutil.rmtree(work / "pg_cache", ignore_errors=True)
        with contextlib.suppress(Exception):
            subprocess.run(["psql", "-X", "-q", "-d", os.environ["CSRM_BENCH_PG"], "-c",
                            f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"], check=True, capture_output=True)
    if step == "import":
        for p in work.glob("risk.gpkg*"):
            p.unlink()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(work / f"{step}.log", "w", encoding="utf-8") as log:
        t0 = time.perf_counter()
        res = processing.run(f"citysafety:{alg}", params, context=QgsProcessingContext(), feedback=Feedback())
        seconds = time.perf_counter() - t0
    out = {"alg_s": seconds, "qgis_base_mb": base / 1024}
    copy = re.search(r"working copy: take ([\d.]+) s, step ([\d.]+) s, push ([\d.]+) s",
                     (work / f"{step}.log").read_text(encoding="utf-8"))
    if copy:  # a step on the shared store: where its time went
        out.update(take_s=float(copy[1]), run_s=float(copy[2]), push_s=float(copy[3]))
    for k, v in res.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k.lower()] = v
    for name in ("report.xlsx", "report.pdf", "risk.gpkg", "risk_list.xlsx", "notice_cards.pdf", "taken.gpkg"):
        if step in ("export_report", "import", "cascade", *EXPORTS, "pg_take") and (work / name).is_file():
            out[f"{name.replace('.', '_')}_mb"] = (work / name).stat().st_size / 1e6
    return out


# =========================================================================================
# The map at city scale: render, panel, inspector
# =========================================================================================

# The views measured around the densest place, as scale denominators: the city, a district,
# and a street block (a megacity's single points show from 1:5,000: aggregate.points_visible_below).
VIEW_SCALES = (300_000, 50_000, 10_000)


def step_map(folder: Path, work: Path, n: int, seed: int) -> dict:
    _qgis = start_qgis(gui=True)  # kept alive while the map is measured
    from qgis.core import (
        QgsCoordinateTransform,
        QgsExpressionContext,
        QgsExpressionContextUtils,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsPointXY,
        QgsProject,
        QgsRectangle,
    )
    from qgis.gui import QgsMapCanvas
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    from plugin.core import status as core_status
    from plugin.core.rules import load_rules
    from plugin.core.store.read import layer_crs, nearest_unit
    from plugin.gui.inspect_tool import UnitInspectTool
    from plugin.layers.loading import load_risk_layers

    db = str(work / "risk.gpkg")
    density = str(work / "risk_density.tif")
    project = QgsProject.instance()
    out: dict = {}
    t0 = time.perf_counter()
    layers = load_risk_layers(project, db, density, load_rules(), True)
    out["load_s"] = time.perf_counter() - t0
    if not layers:
        raise RuntimeError(f"no layers loaded from {db}")
    risk = layers[0]
    out["features"] = int(risk.featureCount())
    crs = risk.crs()

    drawn: dict[str, QgsRectangle] = {}

    def render(name: str, extent: QgsRectangle, draw: list, scale: float = 0) -> tuple[float, float, float]:
        settings = QgsMapSettings()
        settings.setLayers(draw)
        settings.setDestinationCrs(crs)
        settings.setOutputSize(QSize(*RENDER_SIZE))
        settings.setOutputDpi(96)
        settings.setBackgroundColor(QColor("white"))
        settings.setExtent(extent)
        if scale:  # exactly this scale, as QGIS computes it, around the extent's centre
            extent = QgsRectangle(extent)
            extent.scale(scale / settings.scale())
            settings.setExtent(extent)
        drawn[name] = settings.visibleExtent()
        # As the map canvas does: @map_scale and the other map variables for the styles' expressions.
        scopes = QgsExpressionContext()
        for scope in (QgsExpressionContextUtils.globalScope(), QgsExpressionContextUtils.projectScope(project),
                      QgsExpressionContextUtils.mapSettingsScope(settings)):
            scopes.appendScope(scope)
        settings.setExpressionContext(scopes)
        times = []
        for i in range(RENDER_RUNS + 1):  # the first is the warm-up
            job = QgsMapRendererParallelJob(settings)
            t = time.perf_counter()
            job.start()
            job.waitForFinished()
            if i:
                times.append(time.perf_counter() - t)
            else:
                job.renderedImage().save(str(work / f"map_{name}.png"))
        return statistics.median(times), max(times), settings.scale()

    # What the user sees: the layers the loader leaves checked (points, district boundaries,
    # the aggregation grid), each layer's and rule's scale range deciding.
    root = project.layerTreeRoot()
    visible = [lyr for lyr in layers if root.findLayer(lyr.id()) is not None and root.findLayer(lyr.id()).isVisible()]
    city = risk.extent()
    city.scale(1.02)
    out["render_s"], out["render_max_s"], out["city_scale"] = render("city", city, visible)
    # Views at set scales around the densest place (the 1 km cell with the most units).
    import math
    import sqlite3

    import pyogrio

    cells = pyogrio.read_dataframe(db, layer="risk_grid", columns=["n_units"], where="cell_m = 1000")
    centre = cells.geometry.iloc[int(cells["n_units"].to_numpy().argmax())].centroid
    cx, cy = float(centre.x), float(centre.y)
    out["densest_cell_units"] = int(cells["n_units"].max())
    del cells
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for scale in VIEW_SCALES:
        # Degrees (EPSG:4490) for the scale at this latitude: metres on screen / metres per degree.
        w = scale * RENDER_SIZE[0] * 0.0254 / 96 / (111_320 * math.cos(math.radians(cy)))
        h = w * RENDER_SIZE[1] / RENDER_SIZE[0]
        rect = QgsRectangle(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        out[f"view_{scale}_s"], out[f"view_{scale}_max_s"], out[f"view_{scale}_scale"] = render(
            f"view_{scale}", rect, visible, scale)
        seen = drawn[f"view_{scale}"]  # the extent QGIS drew at that scale
        out[f"view_{scale}_units"] = int(con.execute(
            "SELECT COUNT(*) FROM rtree_risk_map_geom WHERE minx >= ? AND maxx <= ? AND miny >= ? AND maxy <= ?",
            (seen.xMinimum(), seen.xMaximum(), seen.yMinimum(), seen.yMaximum())).fetchone()[0])
    con.close()

    # The panel: what the dock reads on refresh.
    t = time.perf_counter()
    core_status.snapshot(db)
    out["panel_first_s"] = time.perf_counter() - t
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        core_status.snapshot(db)
        runs.append(time.perf_counter() - t)
    out["panel_s"] = statistics.median(runs)

    # The inspector: a canvas at a street's scale, the tool's pick, then the unit's details.
    import numpy as np
    import pyogrio

    units = pyogrio.read_dataframe(db, layer="units", columns=["unit_code"])
    rng = np.random.default_rng(seed)
    picks = units.iloc[rng.choice(len(units), size=min(PICKS, len(units)), replace=False)]
    del units
    canvas = QgsMapCanvas()
    canvas.resize(*RENDER_SIZE)
    canvas.setDestinationCrs(crs)
    canvas.setLayers(layers)
    tool = UnitInspectTool(canvas, lambda: db)
    radius = 0.0002  # degrees, about 20 m: a few pixels at 1:10,000
    db_crs = layer_crs(db, "units")
    to_canvas = None
    if db_crs and db_crs != crs.authid():
        from qgis.core import QgsCoordinateReferenceSystem

        to_canvas = QgsCoordinateTransform(QgsCoordinateReferenceSystem(db_crs), crs, project)
    pick_t, near_t, detail_t, found = [], [], [], 0
    for geom in picks.geometry:
        p = QgsPointXY(geom.x, geom.y)
        if to_canvas is not None:
            p = to_canvas.transform(p)
        canvas.setExtent(QgsRectangle(p.x() - 0.01, p.y() - 0.006, p.x() + 0.01, p.y() + 0.006))
        t = time.perf_counter()
        code = tool.pick_at(p, radius)
        pick_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        nearest_unit(db, geom.x, geom.y, radius)
        near_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        details = core_status.unit_details(db, code) if code else None
        detail_t.append(time.perf_counter() - t)
        found += details is not None
    out.update(pick_s=statistics.median(pick_t), pick_max_s=max(pick_t), nearest_s=statistics.median(near_t),
               nearest_max_s=max(near_t), details_s=statistics.median(detail_t), details_max_s=max(detail_t),
               picked=found, picks=len(pick_t))
    project.clear()
    return out


# =========================================================================================
# The levels after the chain: counts in the database
# =========================================================================================

def step_levels(folder: Path, work: Path, n: int, seed: int) -> dict:
    """Per sector: units by inherent and final level, hazard sources raised by proximity and
    by the cascade, units raised. Aggregate SQL on the database (one scan of each table);
    a column a step has not written yet counts as empty."""
    import sqlite3

    from plugin.core.store.read import non_empty, quote_ident

    db = work / "risk.gpkg"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        def have(table: str) -> set[str]:
            return {r[1] for r in con.execute(f"PRAGMA table_info({quote_ident(table)})")}

        uc, hc = have("units"), have("hazards")

        def col(name: str, cols: set[str]) -> str:
            return quote_ident(name) if name in cols else "NULL"

        def flag(name: str, cols: set[str]) -> str:
            return f"CASE WHEN {non_empty(name)} THEN 1 ELSE 0 END" if name in cols else "0"

        inherent = col("inherent_level", uc)
        level = col("level", uc)
        units = con.execute(
            f"SELECT sector, {inherent}, {level}, COUNT(*), "
            f"SUM(CASE WHEN {level} < {inherent} THEN 1 ELSE 0 END), SUM({flag('cascade_reason', uc)}) "
            f"FROM units GROUP BY 1, 2, 3").fetchall()
        hazards = con.execute(
            f"SELECT sector, COUNT(*), SUM({flag('upgrade_reason', hc)}), SUM({flag('cascade_reason', hc)}) "
            f"FROM hazards GROUP BY 1").fetchall()
    finally:
        con.close()
    sectors: dict[str, dict] = {}

    def entry(sector) -> dict:
        return sectors.setdefault(str(sector or ""), {
            "units": 0, "inherent": {}, "final": {}, "units_raised": 0, "units_raised_cascade": 0,
            "hazards": 0, "raised_proximity": 0, "raised_cascade": 0})

    for sector, inh, fin, k, raised, by_cascade in units:
        e = entry(sector)
        e["units"] += k
        for key, v in (("inherent", inh), ("final", fin)):
            name = str(int(v)) if v is not None else "none"
            e[key][name] = e[key].get(name, 0) + k
        e["units_raised"] += raised or 0
        e["units_raised_cascade"] += by_cascade or 0
    for sector, k, prox, casc in hazards:
        e = entry(sector)
        e.update(hazards=k, raised_proximity=prox or 0, raised_cascade=casc or 0)
    return {"sectors": sectors, "columns": {c: c in (uc | hc) for c in
                                            ("inherent_level", "upgrade_reason", "cascade_reason")}}


def level_lines(r: dict) -> list[str]:
    """The levels of one size as printed and written: one table, a row per sector and the city."""
    sectors = r["sectors"]
    rows = [s for s in SECTOR_ORDER if s in sectors] + sorted(set(sectors) - set(SECTOR_ORDER))
    total: dict = {"units": 0, "inherent": {}, "final": {}}
    for s in rows:
        e = sectors[s]
        for k, v in e.items():
            if isinstance(v, dict):
                for lv, c in v.items():
                    total[k][lv] = total[k].get(lv, 0) + c
            else:
                total[k] = total.get(k, 0) + v
    ungraded = any(e[k].get("none") for e in (*sectors.values(), total) for k in ("inherent", "final"))

    def cell(c: int, of: int) -> str:
        return f"{c:,} ({100 * c / of:.1f} %)" if of else f"{c:,}"

    head = ("| sector | units | " + " | ".join(f"inherent {lv}" for lv in LEVELS)
            + (" | inherent not graded" if ungraded else "") + " | " + " | ".join(f"final {lv}" for lv in LEVELS)
            + (" | final not graded" if ungraded else "")
            + " | hazard sources | raised by proximity | raised by cascade | units raised | of them by cascade |")
    out = [head, "|---|" + "---:|" * (2 * len(LEVELS) + 2 * ungraded + 6)]
    for name, e in [*((s, sectors[s]) for s in rows), ("**city**", total)]:
        u = e["units"]
        cells = [cell(e["inherent"].get(str(lv), 0), u) for lv in LEVELS]
        if ungraded:
            cells.append(cell(e["inherent"].get("none", 0), u))
        cells += [cell(e["final"].get(str(lv), 0), u) for lv in LEVELS]
        if ungraded:
            cells.append(cell(e["final"].get("none", 0), u))
        h = e["hazards"]
        cells += [f"{h:,}", cell(e["raised_proximity"], h), cell(e["raised_cascade"], h),
                  cell(e["units_raised"], u), f"{e['units_raised_cascade']:,}"]
        out.append(f"| {name} | {u:,} | " + " | ".join(cells) + " |")
    u = total["units"]
    one_in, one_fin = total["inherent"].get("1", 0), total["final"].get("1", 0)
    out += ["", f"Level 1: {100 * one_in / u:.1f} % of the units before the upgrades, "
            f"{100 * one_fin / u:.1f} % after them ({one_fin - one_in:+,} units)." if u else "No units."]
    missing = [c for c, ok in r.get("columns", {}).items() if not ok]
    if missing:
        out.append(f"Not in the database (the step that writes it did not run): {', '.join(missing)}.")
    return out


# =========================================================================================
# Children
# =========================================================================================

LIMITS = {"timeout_s": 1800.0, "kill_mb": 12_000.0}  # set from --timeout and --kill-mb


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB), 0 when gone."""
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def run_child(step: str, folder: Path, work: Path, n: int, seed: int) -> dict:
    """Run one step in a child process; its time and peak memory. A child past the time
    limit or the memory limit (this machine is shared) is killed and the step fails."""
    cmd = [sys.executable, __file__, "--child", step, str(folder), str(work), str(n), str(seed)]
    runtime = f"/tmp/runtime-{os.getuid()}"
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=runtime)
    err_path = work / f"{step}.stderr"
    with open(err_path, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        t0 = time.perf_counter()
        seen = 0.0
        why = ""
        while proc.poll() is None:
            seen = max(seen, rss_mb(proc.pid))
            if seen > LIMITS["kill_mb"]:
                why = f"killed at {seen:,.0f} MB (limit {LIMITS['kill_mb']:,.0f} MB, --kill-mb)"
            elif time.perf_counter() - t0 > LIMITS["timeout_s"]:
                why = f"killed after {time.perf_counter() - t0:,.0f} s (limit {LIMITS['timeout_s']:,.0f} s, --timeout)"
            if why:
                proc.kill()
                break
            time.sleep(0.2)
        stdout = proc.communicate()[0]
    if why or proc.returncode != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise RuntimeError(f"step {step} failed ({why or f'exit {proc.returncode}'}):\n{tail}")
    return json.loads(stdout.strip().splitlines()[-1])


def child(step: str, folder: Path, work: Path, n: int, seed: int) -> None:
    # The libraries first, so that a floor step's time is the work, not start-up.
    for name in ("numpy", "pandas", "python_calamine"):
        importlib.import_module(name)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load = os.getloadavg()[0]  # a shared machine: how busy it was when the step started
    t0 = time.perf_counter()
    own = {"generate": step_generate, "read": step_read, "read_threads": step_read_threads, "map": step_map,
           "levels": step_levels}
    if step in own:
        info = own[step](folder, work, n, seed)
    else:
        info = run_algorithm(step, folder, work)
    if step == "levels":
        from tools.sample_city.generator import CITY_PROFILE_VERSION

        info["profile_version"] = CITY_PROFILE_VERSION
    seconds = info.pop("alg_s", None) or (time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"step": step, "units_in": n, "seconds": seconds, "peak_mb": peak / 1024,
                      "base_mb": base_rss / 1024, "load": load, "when": time.strftime("%Y-%m-%d %H:%M"), **info}))
    sys.stdout.flush()
    os._exit(0)  # no QGIS tear-down in the timing or the exit code


# =========================================================================================
# Results and the document
# =========================================================================================

def load_results(out: Path) -> dict:
    f = out / "results.json"
    return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else {}


def save_results(out: Path, results: dict) -> None:
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


def get(results: dict, n: int, step: str) -> dict | None:
    return results.get(str(n), {}).get(step)


def fmt_s(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.2f}" if v < 100 else f"{v:.0f}"


def fmt_mb(v: float | None) -> str:
    return "–" if v is None else f"{v:,.0f}"


def tables(results: dict, sizes: list[int]) -> dict[str, list[str]]:
    sizes = sorted({int(s) for s in results} | set(sizes))
    sizes = [n for n in sizes if str(n) in results]
    out: dict[str, list[str]] = {}

    # Generation.
    gen = ["| units | hazard sources | receptors | generate (s) | workbooks (s) | layers (s) | total (s) | "
           "peak (MB) | files (MB) |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        g = get(results, n, "generate")
        if g:
            gen.append(f"| {n:,} | {g['hazards']:,} | {g['receptors']:,} | {fmt_s(g['generate_s'])} | "
                       f"{fmt_s(g['workbooks_s'])} | {fmt_s(g['layers_s'])} | {fmt_s(g['seconds'])} | "
                       f"{fmt_mb(g['peak_mb'])} | {g['mb']:,.0f} |")
    out["generate"] = gen

    # The chain: time and peak by size, the total, the growth.
    head = "| step | " + " | ".join(f"{n:,}: s | {n:,}: MB" for n in sizes)
    grow = GROWTH_FROM in sizes and SEED_SCALE in sizes
    head += f" | growth {GROWTH_FROM:,} → {SEED_SCALE:,} |" if grow else " |"
    rule = "|---|" + "---:|---:|" * len(sizes) + ("---:|" if grow else "")
    chain = [head, rule]
    names = {"read": "calamine read (the floor)", "read_threads": "calamine read, threaded",
             "import": "import_surveys", "score": "score", "proximity": "proximity (receptors + population)",
             "cascade": "cascade", "risk_map": "risk_map", "export_report": "export_report (Excel + PDF)"}
    for step in ("read", "read_threads", *CHAIN):
        cells = []
        for n in sizes:
            r = get(results, n, step)
            cells.append(f"{fmt_s(r['seconds']) if r else '–'} | {fmt_mb(r['peak_mb']) if r else '–'}")
        row = f"| {names[step]} | " + " | ".join(cells)
        if grow:
            a, b = get(results, GROWTH_FROM, step), get(results, SEED_SCALE, step)
            row += f" | {b['seconds'] / a['seconds']:.1f}×" if a and b and a["seconds"] > 0 else " | –"
        chain.append(row + " |")
    totals, peaks = [], []
    for n in sizes:
        rs = [get(results, n, s) for s in CHAIN]
        totals.append(sum(r["seconds"] for r in rs) if all(rs) else None)
        peaks.append(max((r["peak_mb"] for r in rs if r), default=None))
    row = "| **whole chain** | " + " | ".join(f"**{fmt_s(t)}** | {fmt_mb(p)}" for t, p in zip(totals, peaks))
    if grow:
        a, b = totals[sizes.index(GROWTH_FROM)], totals[sizes.index(SEED_SCALE)]
        row += f" | {b / a:.1f}×" if a and b else " | –"
    chain.append(row + " |")
    loads = [r["load"] for n in sizes for s in CHAIN if (r := get(results, n, s)) and "load" in r]
    if loads:
        chain += ["", f"Load average (1 min) when the steps started: {min(loads):.1f}–{max(loads):.1f} "
                  f"on {os.cpu_count()} cores (the machine is shared; above the core count the times are inflated)."]
    out["chain"] = chain

    # Targets at the seed scale.
    tg = ["| target at 1,116,200 units | measured | met |", "|---|---:|:---:|"]
    t = totals[sizes.index(SEED_SCALE)] if SEED_SCALE in sizes else None
    p = peaks[sizes.index(SEED_SCALE)] if SEED_SCALE in sizes else None
    tg.append(f"| whole chain ≤ {TARGET_TOTAL_S:.0f} s | {fmt_s(t)} s | {yes(t, TARGET_TOTAL_S)} |")
    tg.append(f"| no step above {TARGET_PEAK_MB:,} MB | {fmt_mb(p)} MB | {yes(p, TARGET_PEAK_MB)} |")
    if grow:
        for step in CHAIN:
            a, b = get(results, GROWTH_FROM, step), get(results, SEED_SCALE, step)
            g = b["seconds"] / a["seconds"] if a and b and a["seconds"] > 0 else None
            tg.append(f"| {names[step]}: growth ≤ {TARGET_GROWTH:.0f}× (11.2× the units) | "
                      f"{'–' if g is None else f'{g:.1f}×'} | {yes(g, TARGET_GROWTH)} |")
    im, rd = get(results, SEED_SCALE, "import"), get(results, SEED_SCALE, "read")
    ratio = im["seconds"] / rd["seconds"] if im and rd else None
    tg.append(f"| import ≤ {TARGET_IMPORT_RATIO}× the bare read | "
              f"{'–' if ratio is None else f'{ratio:.2f}×'} | {yes(ratio, TARGET_IMPORT_RATIO)} |")
    mp = get(results, SEED_SCALE, "map")
    r = mp["render_s"] if mp else None
    tg.append(f"| risk map at city extent ≤ {TARGET_RENDER_S:.0f} s | {fmt_s(r)} s | {yes(r, TARGET_RENDER_S)} |")
    out["targets"] = tg

    # Import against the read.
    imp = ["| units | hazard sources | rows read | calamine read (s) | threaded (s) | import_surveys (s) | "
           "import / read | import / threaded read | read peak (MB) | import peak (MB) |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        rd, rt, im = (get(results, n, s) for s in ("read", "read_threads", "import"))
        if not (rd and im):
            continue
        imp.append(f"| {n:,} | {int(im.get('hazards', 0)):,} | {rd['rows']:,} | {fmt_s(rd['seconds'])} | "
                   f"{fmt_s(rt['seconds']) if rt else '–'} | {fmt_s(im['seconds'])} | "
                   f"{im['seconds'] / rd['seconds']:.2f}× | "
                   f"{(im['seconds'] / rt['seconds']) if rt else float('nan'):.2f}× | "
                   f"{fmt_mb(rd['peak_mb'])} | {fmt_mb(im['peak_mb'])} |")
    out["import"] = imp

    # The map, the panel, the inspector.
    mp_rows = ["| units | load layers (s) | city extent (s) | scale | "
               + " | ".join(f"1:{v:,} around the densest place (s; units in view)" for v in VIEW_SCALES)
               + " | panel refresh (s) | panel, first (s) | inspector pick (s) | nearest_unit (s) | "
               "unit details (s) | peak (MB) |",
               "|---:|---:|---:|---:|" + "---:|" * len(VIEW_SCALES) + "---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        m = get(results, n, "map")
        if not m or "view_10000_s" not in m:
            continue
        views = " | ".join(f"{fmt_s(m[f'view_{v}_s'])} ({m[f'view_{v}_units']:,})" for v in VIEW_SCALES)
        mp_rows.append(
            f"| {n:,} | {fmt_s(m['load_s'])} | {fmt_s(m['render_s'])} | 1:{m['city_scale']:,.0f} | {views} | "
            f"{fmt_s(m['panel_s'])} | {fmt_s(m['panel_first_s'])} | {m['pick_s']:.3f} (max {m['pick_max_s']:.3f}) | "
            f"{m['nearest_s']:.3f} | {m['details_s']:.3f} (max {m['details_max_s']:.3f}) | "
            f"{fmt_mb(m['peak_mb'])} |")
    out["map"] = mp_rows

    # The exports a district office asks for.
    ex = ["| units | risk list: risk points | s | peak (MB) | file (MB) | notice cards | s | per card (ms) | "
          "peak (MB) | PDF (MB) |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        rl, nc = get(results, n, "risk_list"), get(results, n, "notice_cards")
        if not (rl or nc):
            continue
        left = (f"{int(rl.get('rows', 0)):,} | {fmt_s(rl['seconds'])} | {fmt_mb(rl['peak_mb'])} | "
                f"{rl.get('risk_list_xlsx_mb', 0):,.0f}") if rl else "– | – | – | –"
        cards = int(nc.get("cards", 0)) if nc else 0
        right = (f"{cards:,} | {fmt_s(nc['seconds'])} | {1000 * nc['seconds'] / max(cards, 1):.0f} | "
                 f"{fmt_mb(nc['peak_mb'])} | {nc.get('notice_cards_pdf_mb', 0):,.1f}") if nc else "– | – | – | – | –"
        ex.append(f"| {n:,} | {left} | {right} |")
    out["exports"] = ex

    # What changes as the city does.
    rd = ["| units | hidden dangers: records | s | peak (MB) | dynamic risk: s | peak (MB) | new round: s | "
          "peak (MB) | score again: s | change report: s | peak (MB) |", "|---:" * 11 + "|"]
    for n in sizes:
        hd, dy, nr, rs, cr = (get(results, n, s) for s in ROUNDS)
        if not any((hd, dy, nr, rs, cr)):
            continue

        def pair(r):
            return f"{fmt_s(r['seconds'])} | {fmt_mb(r['peak_mb'])}" if r else "– | –"
        rd.append(f"| {n:,} | {int(hd.get('records', 0)) if hd else 0:,} | {pair(hd)} | {pair(dy)} | {pair(nr)} | "
                  f"{fmt_s(rs['seconds']) if rs else '–'} | {pair(cr)} |")
    out["rounds"] = rd

    # The shared store on PostGIS.
    pg = ["| units | export to PostGIS: rows | s | peak (MB) | take back: s | peak (MB) | GeoPackage (MB) | "
          "district publish: units | hazard sources | s | peak (MB) |", "|---:" * 11 + "|"]
    for n in sizes:
        ex, tk, pb = (get(results, n, s) for s in POSTGIS)
        if not any((ex, tk, pb)):
            continue
        pg.append(f"| {n:,} | {int(ex.get('rows', 0)) if ex else 0:,} | "
                  f"{fmt_s(ex['seconds']) + ' | ' + fmt_mb(ex['peak_mb']) if ex else '– | –'} | "
                  f"{fmt_s(tk['seconds']) + ' | ' + fmt_mb(tk['peak_mb']) if tk else '– | –'} | "
                  f"{tk.get('taken_gpkg_mb', 0):,.0f} | " if tk else "– | ")
        pg[-1] += (f"{int(pb.get('units', 0)):,} | {int(pb.get('hazards', 0)):,} | {fmt_s(pb['seconds'])} | "
                   f"{fmt_mb(pb['peak_mb'])} |") if pb else "– | – | – | – |"
    out["postgis"] = pg

    # The chain on the shared store, beside the file's.
    pc = ["| units | step | on PostGIS: s | take the working copy: s | the step: s | push: s | peak (MB) | "
          "on the GeoPackage: s |", "|---:|:---|" + "---:|" * 6]
    for n in sizes:
        total = [0.0, 0.0]
        for step in PG_CHAIN:
            r, f = get(results, n, step), get(results, n, step[3:])
            if not r:
                continue
            total[0] += r["seconds"]
            total[1] += f["seconds"] if f else 0.0
            pc.append(f"| {n:,} | {step[3:]} | {fmt_s(r['seconds'])} | {fmt_s(r.get('take_s'))} | "
                      f"{fmt_s(r.get('run_s'))} | {fmt_s(r.get('push_s'))} | {fmt_mb(r['peak_mb'])} | "
                      f"{fmt_s(f['seconds']) if f else '–'} |")
        if total[0]:
            pc.append(f"| {n:,} | **the chain** | **{total[0]:,.0f}** | | | | | **{total[1]:,.0f}** |")
    out["pg_chain"] = pc

    # The levels before and after the upgrades.
    lv_rows: list[str] = []
    for n in sizes:
        r = get(results, n, "levels")
        if r:
            lv_rows += [*([""] if lv_rows else []), f"**{n:,} units** (generator profile `{PROFILE}` "
                        f"v{r.get('profile_version', '?')}, measured {r.get('when', '?')})", "", *level_lines(r)]
    out["levels"] = lv_rows
    return out


def yes(v: float | None, limit: float) -> str:
    return "–" if v is None else ("yes" if v <= limit else "**no**")


NOTES = {
    "generate": (
        "`generate_city(n, profile=\"city\")`, the tidy survey workbooks (`write_city(..., messy=False)`, "
        "openpyxl write-only, one file built and written at a time) and the districts, receptors and "
        "population raster, in one child process; its peak resident memory. Cached under "
        "`out/bench/cities/` per size, seed and profile version; a later run reuses it."),
    "chain": (
        "Each step is `processing.run(\"citysafety:<alg>\", params)` in its own child process (a "
        "QgsApplication with Processing and the plugin's provider initialised, as `qgis_process` and "
        "`make demo` run it), one after the other on the same database: import_surveys (the survey "
        "folder) → score → proximity (`receptors.gpkg|layername=receptors` and `population.tif`) → "
        "cascade → risk_map (the districts, a density GeoTIFF) → export_report (Excel and PDF), "
        "`LOAD_LAYERS` off. Time: around `processing.run` (parameter checks and the algorithm's own "
        "reading and writing included; QGIS start-up not). Memory: the child's peak resident set "
        "(`ru_maxrss`), QGIS and the libraries included. The floor: python-calamine alone reading every "
        "sheet of the same workbooks (the csv module for the CSV sector), one file after the other, and "
        "in the importer's thread pool. Growth: time at 1,116,200 units over time at 100,000."),
    "targets": "Issue 11's targets, checked against the table above.",
    "exports": (
        "After the chain, each in its own child process like the chain's steps: `citysafety:risk_list` "
        "of the whole city (every risk point, all levels; read in chunks of 50,000 by one SQLite join and "
        "written into a constant-memory workbook, 1,000,000 rows a sheet) and `citysafety:notice_cards` "
        f"for the first {CARDS:,} level-1 units (`risk_level1` with `fid <= {CARDS}` as the UNITS layer): "
        "one PDF, A4, a locator map each."),
    "postgis": (
        "After the exports, each in its own child process like the chain's steps (issue 17), against a "
        "throw-away PostgreSQL 15 / PostGIS 3.3 server the bench starts on this machine (tools/pgcluster.py: "
        "fsync off, default memory settings), one database per size: `citysafety:export_to_postgis` of the "
        "analysed database (every layer by COPY, GiST indexes, the swap, ANALYZE, the six default styles; "
        "REPLACE on, since the publish below moves the shared version), `citysafety:import_from_postgis` "
        "back into a new GeoPackage, and `citysafety:publish_district` of the largest district from that "
        "file cut to the district (the cut not timed)."),
    "pg_chain": (
        "The chain's algorithms again, each in its own child process, with the bench server's URI instead of "
        f"the file (issue 17: one store, two engines), in a schema of their own (`{PG_SCHEMA}`): "
        "`citysafety:import_surveys` (a first import: the files imported into a file of its own and "
        "exported into the schema), then each step on the working copy (plugin/core/store/shared.py): "
        "`take` brings the copy up to the shared version (the whole database for the first step, since the "
        "cache starts empty; after that only the tables another writer changed: none here), `step` is "
        "the same code as on the file, `push` writes the tables the step changed back in one transaction. "
        "`on the GeoPackage` is the same algorithm's time in the chain above."),
    "rounds": (
        "After the exports, each in its own child process like the chain's steps (issue 16): "
        f"`citysafety:import_hidden_dangers` of a ledger naming one unit in {LEDGER_SHARE} (every grade and "
        "status, half past their deadline), `citysafety:dynamic_risk` on 2026-06-30 (units, risk map, "
        "level-1 layer, district counts, the 督办 tables), `citysafety:import_surveys` with ROUND = a new "
        "round (the same files: the survey archived with its levels, the import in its place), "
        "`citysafety:score` of the new round and `citysafety:change_report` (the round_changes layer and "
        "the workbook). They leave the work database as round 2."),
    "import": (
        "`import / read` is the issue's measure: the whole `citysafety:import_surveys` against the bare "
        "calamine read of the same workbooks, one file after the other."),
    "levels": (
        "After the chain, counted in the work database by aggregate SQL (sqlite3, read-only; one scan "
        "of the units and one of the hazard sources): per sector, the units by their level before any "
        "upgrade (`inherent_level`, what the scores give) and after the upgrades (`level`); the hazard "
        "sources raised by the proximity upgrade (a non-empty `upgrade_reason`) and by the cascade (a "
        "non-empty `cascade_reason`); the units whose level is above their inherent level, and of them "
        "those the cascade raised (a unit's `cascade_reason`; it may have been raised by proximity "
        "too). Shares are of the sector's units "
        "or hazard sources. The inherent levels follow the generator's planning assumption "
        "(`CITY_LEVEL_SHARES`, above); the upgrades are the rules' (resources/rules/default.toml)."),
    "map": (
        "In one QGIS process with a GUI application (offscreen): the analysed database's layers loaded by "
        "the plugin's own loader (`plugin.layers.loading.load_risk_layers`: the level-1 units, the unit "
        "points from the city's own points scale in, district boundaries, the aggregation grid `risk_grid`, "
        "with their QML styles; the density and the district fills are loaded unchecked and not drawn), "
        "then `QgsMapRendererParallelJob` with the map's expression context "
        f"at {RENDER_SIZE[0]}×{RENDER_SIZE[1]} px, 96 dpi, median of {RENDER_RUNS} runs after one "
        "warm-up: the city's extent as the user sees it, and views at 1:300,000, 1:50,000 and 1:10,000 "
        "centred on the densest place (the 1 km cell with the most units), with the number of units "
        "inside each view (what a point map would have to draw; the seed-scale city's points show from "
        "1:5,000 in, `plugin.core.mapping.aggregate.points_visible_below`). `panel refresh` is "
        "`plugin.core.status.snapshot`, what the dock reads on refresh (median of 3 after a first "
        "call). The inspector: "
        f"`UnitInspectTool.pick_at` on a map canvas at a street's scale for {PICKS} random units (the "
        "loaded layers first, the database's spatial index otherwise), `store.read.nearest_unit` alone, "
        "and `status.unit_details`, what the panel's `show_unit` reads; medians and maxima."),
}


def write_doc(blocks: dict[str, list[str]], results: dict, sections: list[str] | None = None) -> None:
    """Replace the marked sections of docs/benchmarks.md (a missing one is appended); only
    ``sections`` when given."""
    if sections:
        blocks = {k: v for k, v in blocks.items() if k in sections}
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\nWritten by `make bench`.\n"
    headings = {"generate": "## The bench city", "chain": "## The whole chain by size",
                "targets": "## Targets at seed scale", "import": "## Import against the read",
                "map": "## The map at city scale", "levels": "## Levels before and after the upgrades",
                "exports": "## The risk list and the notice cards",
                "rounds": "## Hidden dangers, dynamic risk and survey rounds",
                "postgis": "## The shared store on PostGIS",
                "pg_chain": "## The chain on the shared store"}
    stamp = max((r.get("when", "") for size in results.values() for r in size.values()), default="")
    for section, lines in blocks.items():
        begin, end = f"<!-- bench:{section}:begin -->", f"<!-- bench:{section}:end -->"
        body = "\n".join([begin, f"Measured {stamp or time.strftime('%Y-%m-%d')} on: {machine()}.", "", *lines, "",
                          NOTES[section], end])
        if begin in text:
            text = text[: text.index(begin)] + body + text[text.index(end) + len(end):]
        else:
            text = text.rstrip() + f"\n\n{headings[section]}\n\n" + body + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"written: {DOC.relative_to(ROOT)} ({', '.join(blocks)})")


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from importlib.metadata import version

    import numpy
    import pandas

    qgis = ""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "qgis"], capture_output=True, text=True)
        qgis = f", QGIS {out.stdout.strip()}" if out.returncode == 0 and out.stdout else ""
    except OSError:
        pass
    return (f"{cpu or platform.processor()}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; "
            f"{platform.platform()}; Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"pandas {pandas.__version__}, python-calamine {version('python-calamine')}{qgis}")


# =========================================================================================
# Main
# =========================================================================================

def parse_steps(values: list[str]) -> list[str]:
    steps: list[str] = []
    for v in values:
        got = ALIASES.get(v, v)
        for s in (got,) if isinstance(got, str) else got:
            if s not in STEPS and s != "generate":
                raise SystemExit(f"unknown step {v!r}; steps: generate, {', '.join(STEPS)}, chain, floor, all")
            if s not in steps:
                steps.append(s)
    return [s for s in ("generate", *STEPS) if s in steps]  # always in chain order


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--steps", nargs="+", default=["all"],
                    help="generate, read, read_threads, import, score, proximity, cascade, risk_map, "
                         "export_report, map; or chain, floor, all (default)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "bench")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument("--doc-only", action="store_true",
                    help="run nothing: rewrite docs/benchmarks.md from OUT/results.json (every size measured)")
    ap.add_argument("--doc-sections", nargs="+", choices=DOC_SECTIONS, metavar="SECTION",
                    help=f"rewrite only these sections of docs/benchmarks.md ({', '.join(DOC_SECTIONS)}): "
                         "e.g. the levels of a run at small sizes, leaving the seed-scale tables as they are")
    ap.add_argument("--keep-going", action="store_true", help="after a failed step, go on with the next size")
    ap.add_argument("--timeout", type=float, default=LIMITS["timeout_s"], help="seconds a step may take (1800)")
    ap.add_argument("--kill-mb", type=float, default=LIMITS["kill_mb"],
                    help="resident MB at which a step is killed (12000; the machine is shared)")
    ap.add_argument("--child", nargs=5, metavar=("STEP", "FOLDER", "WORK", "N", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        s, folder, work, n, seed = args.child
        child(s, Path(folder), Path(work), int(n), int(seed))
        return 0
    if args.doc_only:
        results = load_results(args.out)
        write_doc(tables(results, []), results, args.doc_sections)
        return 0
    steps = parse_steps(args.steps)
    LIMITS.update(timeout_s=args.timeout, kill_mb=args.kill_mb)
    args.out.mkdir(parents=True, exist_ok=True)
    results = load_results(args.out)
    failed: list[tuple[int, str]] = []
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(_pg_cluster()) if any(s in (*POSTGIS, *PG_CHAIN) for s in steps) else None
        _run_sizes(args, steps, results, failed, pg)
    blocks = tables(results, args.sizes)
    for name, lines in blocks.items():
        print(f"\n{name}\n" + "\n".join(lines))
    if not args.no_doc:
        write_doc(blocks, results, args.doc_sections)
    return 1 if failed else 0


@contextlib.contextmanager
def _pg_cluster():
    from tools.pgcluster import Cluster, postgis_available

    if not postgis_available():
        raise SystemExit("PostgreSQL/PostGIS is not installed: make setup installs it")
    with Cluster() as pg:
        yield pg


def _run_sizes(args, steps: list[str], results: dict, failed: list, pg) -> None:
    for n in args.sizes:
        if failed and not args.keep_going:
            break
        folder = ensure_city(args.out, n, args.seed)
        results.setdefault(str(n), {})["generate"] = generated_info(folder)
        save_results(args.out, results)
        work = args.out / f"work_{n}_s{args.seed}"
        work.mkdir(parents=True, exist_ok=True)
        if pg is not None:
            os.environ["CSRM_BENCH_PG"] = pg.create_database(f"bench_{n}")
        for step in steps:
            if step == "generate":
                continue
            try:
                r = run_child(step, folder, work, n, args.seed)
            except RuntimeError as exc:
                print(f"{n:>9,} units  {step:<13} FAILED\n{exc}", flush=True)
                failed.append((n, step))
                results[str(n)].pop(step, None)
                save_results(args.out, results)
                break  # the later steps need this one
            results[str(n)][step] = r
            save_results(args.out, results)
            print(f"{n:>9,} units  {step:<13} {r['seconds']:8.2f} s  peak {r['peak_mb']:7,.0f} MB", flush=True)


if __name__ == "__main__":
    sys.exit(main())

"""Proximity benchmark: our vectorised answer against QGIS's own Processing algorithms.

The question (docs/domain/receptors.md §2, §3): for every hazard source, how many receptors lie within its
reach, and how many people live within it. For each size, in one QGIS process, one after
the other:

1. inputs: N seeded random hazard points in the Shenzhen box (half with a reach of 500 m,
   half 200 m), 20,000 seeded receptor points (classes drawn from the rules' high-sensitivity
   classes and the others), both written to a GeoPackage in EPSG:4547 (metres) for QGIS, and
   the sample generator's population raster (people per 100 m cell, EPSG:4547);
2. ours: :func:`plugin.core.exposure.receptors.receptor_proximity` (one STRtree ``dwithin`` query,
   every hazard with its own reach) and :func:`plugin.core.exposure.population.population_within`
   with radii 500 and 200 m and ``method="cell_centres"`` (a cell counts when its centre is
   within the radius, as QGIS's zonal statistics count it);
3. QGIS: ``native:buffer`` with a data-defined distance (the ``reach`` field) and
   :data:`SEGMENTS` segments per quarter circle, ``native:countpointsinpolygon`` (receptors
   per buffer) and ``native:zonalstatisticsfb`` (SUM of the raster per buffer);
4. agreement: counts identical per hazard, population relative differences.

Results are printed as a Markdown table and, unless ``--no-doc``, written to the
``proximity`` section of docs/benchmarks.md.

Usage: python scripts/bench_proximity.py [--sizes 10000 100000] [--receptors 20000]
                                         [--out out/bench] [--seed N] [--no-doc]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "proximity"
HEADING = "## Proximity: ours against QGIS's own algorithms"
SAMPLE_RASTER = ROOT / "resources" / "sample" / "population.tif"
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import numpy.typing as npt

    from plugin.core.rules import Rules

# --- Inputs ------------------------------------------------------------------------------
BOX = (113.75, 22.45, 114.60, 22.85)  # lon_min, lat_min, lon_max, lat_max (sample_city.SHENZHEN_BOX)
REACHES_M = (500.0, 200.0)  # half the hazards each
HIGH_SHARE = 0.3  # share of receptors drawn from the high-sensitivity classes
METRIC_EPSG = 4547  # CGCS2000 / 3-degree Gauss-Kruger CM 114E: the raster's CRS and the GK zone of the box
GEOGRAPHIC_EPSG = 4490
HAZARD_SECTOR = "hazchem"  # any sector of the rules; the reach is passed explicitly
DEFAULT_SEED = 20241128
GPKG_VERSION = "1.2"  # the wheels' GDAL writes 1.4 by default, which QGIS's GDAL 3.6 warns about

# --- QGIS --------------------------------------------------------------------------------
SEGMENTS = 16  # native:buffer segments per quarter circle: a 64-gon inscribed in the circle
ZONAL_STATS = [0, 1]  # Count and Sum in the zonal statistics algorithms' STATISTICS enum
ZONAL_PREFIX = "pop_"
COUNT_FIELD = "NUMPOINTS"
WARM_UP = 200  # hazards in the untimed warm-up run of both sides (imports, provider start-up)

# --- Memory ------------------------------------------------------------------------------
RSS_SAMPLE_S = 0.005  # resident-set sampling period (the notes say 5 ms)


# =========================================================================================
# Small helpers
# =========================================================================================


class PeakRss:
    """Context manager sampling this process's resident set in a thread; ``peak_mb`` is the
    highest resident set seen inside the block minus the one at its start. Only an
    estimate: the thread samples while the GIL is free, which numpy, GEOS and QGIS's C++
    calls mostly leave it."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._start = 0

    def _rss(self) -> int:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * self._page

    def _run(self) -> None:
        peak = self._start
        while not self._stop.wait(RSS_SAMPLE_S):
            peak = max(peak, self._rss())
        self.peak_mb = (max(peak, self._rss()) - self._start) / 2**20

    def __enter__(self) -> PeakRss:
        self._start = self._rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def load_bench_module() -> ModuleType:
    """scripts/bench.py, imported by path (for its ``machine`` line)."""
    spec = importlib.util.spec_from_file_location("citysafety_bench", ROOT / "scripts" / "bench.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load scripts/bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_qgis() -> Any:
    """A headless QgsApplication with Processing initialised; the geo stack loaded first so
    the wheels bind to their own GDAL/GEOS/PROJ (plugin/geostack.py)."""
    from plugin import geostack

    geostack.load()
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    if QGIS_PLUGINS not in sys.path:
        sys.path.append(QGIS_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    return app


# =========================================================================================
# Inputs
# =========================================================================================


@dataclass
class Inputs:
    """One size's inputs: in memory for ours, in a GeoPackage for QGIS."""

    hazards: gpd.GeoDataFrame  # EPSG:4490: hid, hazard_code, sector, reach
    receptors: gpd.GeoDataFrame  # prepare_receptors' output, EPSG:4490
    gpkg: Path  # layers "hazards" and "receptors", EPSG:4547
    raster: Path
    reach: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]


def population_raster(out: Path, seed: int) -> tuple[Path, str]:
    """The sample generator's population raster and a note on where it came from and how
    much of the box it covers. The surface does not depend on the number of units, so the
    committed sample's raster is used when present; otherwise the generator writes one."""
    import numpy as np
    import pyproj
    import rasterio

    path = SAMPLE_RASTER
    origin = "resources/sample/population.tif"
    if not path.exists():
        from tools.sample_city.generator import generate_city, write_layers

        folder = out / "proximity_population"
        write_layers(generate_city(1_000, seed=seed), folder)
        path = folder / "population.tif"
        origin = f"generated by sample_city (seed {seed})"
    # Coverage of the box: share of a fine lon/lat grid over the box that falls on the raster.
    lon, lat = np.meshgrid(np.linspace(BOX[0], BOX[2], 400), np.linspace(BOX[1], BOX[3], 200))
    with rasterio.open(path) as src:
        if src.crs is None or pyproj.CRS.from_wkt(src.crs.to_wkt()).to_epsg() != METRIC_EPSG:
            raise ValueError(f"{path}: expected a raster in EPSG:{METRIC_EPSG}")
        left, bottom, right, top = src.bounds
    x, y = pyproj.Transformer.from_crs(GEOGRAPHIC_EPSG, METRIC_EPSG, always_xy=True).transform(lon, lat)
    covered = float(np.mean((x >= left) & (x <= right) & (y >= bottom) & (y <= top)))
    note = (f"{origin}, which covers {covered:.1%} of the box; the rest lies outside the city outline, "
            "where the raster would be nodata anyway, so both sides count no one there")
    return path, note


def make_inputs(n: int, n_receptors: int, raster: Path, out: Path, rules: Rules, seed: int) -> Inputs:
    """Seeded hazards and receptors for one size; the GeoPackage for QGIS."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyogrio

    from plugin.core.exposure.receptors import prepare_receptors

    rng = np.random.default_rng([seed, n, n_receptors])
    lon = rng.uniform(BOX[0], BOX[2], n)
    lat = rng.uniform(BOX[1], BOX[3], n)
    reach = np.where(np.arange(n) < n // 2, REACHES_M[0], REACHES_M[1])
    rng.shuffle(reach)
    hazards = gpd.GeoDataFrame({
        "hid": np.arange(n, dtype=np.int64),
        "hazard_code": [f"H{i:07d}" for i in range(n)],
        "sector": HAZARD_SECTOR,
        "reach": reach,
    }, geometry=gpd.points_from_xy(lon, lat), crs=GEOGRAPHIC_EPSG)

    classes = rules.receptors.classes
    high = [c.zh for c in classes.values() if c.sensitivity == "high"]
    other = [c.zh for c in classes.values() if c.sensitivity != "high"]
    is_high = rng.random(n_receptors) < HIGH_SHARE
    names = np.where(is_high, rng.choice(high, n_receptors), rng.choice(other, n_receptors))
    r_lon = rng.uniform(BOX[0], BOX[2], n_receptors)
    r_lat = rng.uniform(BOX[1], BOX[3], n_receptors)
    raw = gpd.GeoDataFrame({"name": [f"R{i:06d}" for i in range(n_receptors)], "class": names},
                           geometry=gpd.points_from_xy(r_lon, r_lat), crs=GEOGRAPHIC_EPSG)
    receptors, issues = prepare_receptors(raw, rules, name_field="name", class_field="class")
    if len(receptors) != n_receptors or len(issues):
        raise RuntimeError(f"receptor preparation dropped or flagged receptors:\n{issues}")

    gpkg = out / f"proximity_{n}.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    options = {"VERSION": GPKG_VERSION}
    pyogrio.write_dataframe(hazards.to_crs(METRIC_EPSG), gpkg, layer="hazards", driver="GPKG",
                            dataset_options=options)
    pyogrio.write_dataframe(pd.concat([receptors[["receptor_id", "class_id"]], receptors.geometry], axis=1)
                            .set_geometry("geometry").to_crs(METRIC_EPSG), gpkg, layer="receptors", driver="GPKG",
                            dataset_options=options)
    return Inputs(hazards, receptors, gpkg, raster, reach.astype(np.float64), lon, lat)


# =========================================================================================
# Ours
# =========================================================================================


@dataclass
class Answer:
    """Per-hazard receptor counts and population (aligned with the hazards), timings."""

    counts: npt.NDArray[np.int64]
    population: npt.NDArray[np.float64]
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mb: float = 0.0
    # QGIS only: hazards whose buffer held at most one valid cell centre, for which
    # QgsZonalStatistics switches to area-weighted cells (its count is then fractional).
    area_weighted: npt.NDArray[np.bool_] | None = None


def run_ours(inp: Inputs, rules: Rules) -> Answer:
    """receptor_proximity (counts within each hazard's reach) + population_within
    (cell_centres, radii 500 and 200 m, each hazard takes the one of its reach)."""
    import numpy as np

    from plugin.core.exposure.population import METHOD_CELL_CENTRES, population_within
    from plugin.core.exposure.receptors import receptor_proximity

    hazards, reach = inp.hazards, inp.reach
    with PeakRss() as mem:
        t0 = time.perf_counter()
        prox = receptor_proximity(hazards, inp.receptors, rules, reach_m=reach, make_links=False)
        t1 = time.perf_counter()
        pop = population_within(inp.lon, inp.lat, inp.raster, list(REACHES_M),
                                 method=METHOD_CELL_CENTRES)
        people = np.where(reach == REACHES_M[0], pop[REACHES_M[0]], pop[REACHES_M[1]])
        t2 = time.perf_counter()
    if prox.epsg != METRIC_EPSG:
        raise RuntimeError(f"ours measured in EPSG:{prox.epsg}, QGIS in EPSG:{METRIC_EPSG}")
    return Answer(prox.per_hazard["n_receptors"].to_numpy(dtype=np.int64), people,
                  {"receptors": t1 - t0, "population": t2 - t1, "total": t2 - t0}, mem.peak_mb)


# =========================================================================================
# QGIS
# =========================================================================================


def zonal_algorithm() -> str:
    """native:zonalstatisticsfb (feature-based, QGIS ≥ 3.16), else native:zonalstatistics."""
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    for alg in ("native:zonalstatisticsfb", "native:zonalstatistics"):
        if registry.algorithmById(alg) is not None:
            return alg
    raise RuntimeError("QGIS has neither native:zonalstatisticsfb nor native:zonalstatistics")


def run_qgis(inp: Inputs, zonal: str) -> Answer:
    """The same answer with QGIS's own algorithms through processing.run: buffer each hazard
    by its ``reach`` field, count the receptors in each buffer, sum the raster in each."""
    import numpy as np
    from qgis import processing
    from qgis.core import QgsFeatureRequest, QgsProcessingFeedback, QgsProperty, QgsRasterLayer, QgsVectorLayer

    hazards = QgsVectorLayer(f"{inp.gpkg}|layername=hazards", "hazards", "ogr")
    receptors = QgsVectorLayer(f"{inp.gpkg}|layername=receptors", "receptors", "ogr")
    raster = QgsRasterLayer(str(inp.raster), "population")
    for layer in (hazards, receptors, raster):
        if not layer.isValid():
            raise RuntimeError(f"QGIS cannot open {layer.source()}")
    feedback = QgsProcessingFeedback()
    seconds: dict[str, float] = {}
    with PeakRss() as mem:
        t0 = time.perf_counter()
        buffered = processing.run("native:buffer", {
            "INPUT": hazards, "DISTANCE": QgsProperty.fromField("reach"), "SEGMENTS": SEGMENTS,
            "END_CAP_STYLE": 0, "JOIN_STYLE": 0, "MITER_LIMIT": 2, "DISSOLVE": False,
            "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=feedback)["OUTPUT"]
        t1 = time.perf_counter()
        counted = processing.run("native:countpointsinpolygon", {
            "POLYGONS": buffered, "POINTS": receptors, "WEIGHT": "", "CLASSFIELD": "", "FIELD": COUNT_FIELD,
            "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=feedback)["OUTPUT"]
        t2 = time.perf_counter()
        if zonal == "native:zonalstatisticsfb":
            zoned = processing.run(zonal, {
                "INPUT": counted, "INPUT_RASTER": raster, "RASTER_BAND": 1, "COLUMN_PREFIX": ZONAL_PREFIX,
                "STATISTICS": ZONAL_STATS, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=feedback)["OUTPUT"]
        else:  # the older algorithm adds the fields to its input layer in place
            processing.run(zonal, {
                "INPUT_VECTOR": counted, "INPUT_RASTER": raster, "RASTER_BAND": 1,
                "COLUMN_PREFIX": ZONAL_PREFIX, "STATISTICS": ZONAL_STATS}, feedback=feedback)
            zoned = counted
        t3 = time.perf_counter()
    seconds = {"buffer": t1 - t0, "count": t2 - t1, "zonal": t3 - t2, "total": t3 - t0}

    n = len(inp.hazards)
    counts = np.full(n, -1, dtype=np.int64)
    people = np.full(n, np.nan)
    cells = np.full(n, np.nan)
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    for feat in zoned.getFeatures(request):
        hid = int(feat["hid"])
        counts[hid] = int(feat[COUNT_FIELD])
        people[hid] = _number(feat[f"{ZONAL_PREFIX}sum"])
        cells[hid] = _number(feat[f"{ZONAL_PREFIX}count"])
    if (counts < 0).any():
        raise RuntimeError(f"QGIS returned no row for {(counts < 0).sum()} hazards")
    return Answer(counts, people, seconds, mem.peak_mb, area_weighted=cells != np.round(cells))


def _number(value: Any) -> float:
    """A numeric attribute as float; NULL (no cell inside the polygon) is 0."""
    if value is None or value == "" or (hasattr(value, "isNull") and value.isNull()):
        return 0.0
    return float(value)


# =========================================================================================
# Agreement and the report
# =========================================================================================


@dataclass
class Agreement:
    counts_identical: float  # share of hazards with the same count
    counts_max_abs: int
    counts_ours_more: int  # hazards where ours counts more (receptors between polygon and circle)
    counts_qgis_more: int
    pop_median_rel: float  # over hazards with ≥ 1 person (ours)
    pop_max_rel: float
    pop_identical: float  # share of those hazards with the same sum
    pop_hazards: int
    area_weighted: int  # populated hazards QGIS answered by area-weighted cells
    pop_max_rel_centres: float  # max over the populated hazards QGIS answered by cell centres
    pop_qgis_more_centres: int  # of those, hazards where QGIS finds more people than ours


def agreement(ours: Answer, qgis: Answer) -> Agreement:
    """How far QGIS's per-hazard answers are from ours."""
    import numpy as np

    diff = ours.counts - qgis.counts
    populated = ours.population >= 1
    rel = np.abs(qgis.population[populated] - ours.population[populated]) / ours.population[populated]
    weighted = (qgis.area_weighted if qgis.area_weighted is not None else np.zeros(diff.size, bool))[populated]
    return Agreement(
        counts_identical=float(np.mean(diff == 0)),
        counts_max_abs=int(np.abs(diff).max()) if diff.size else 0,
        counts_ours_more=int((diff > 0).sum()),
        counts_qgis_more=int((diff < 0).sum()),
        pop_median_rel=float(np.median(rel)) if rel.size else float("nan"),
        pop_max_rel=float(rel.max()) if rel.size else float("nan"),
        pop_identical=float(np.mean(rel == 0)) if rel.size else float("nan"),
        pop_hazards=int(populated.sum()),
        area_weighted=int(weighted.sum()),
        pop_max_rel_centres=float(rel[~weighted].max()) if (~weighted).any() else float("nan"),
        pop_qgis_more_centres=int((qgis.population[populated][~weighted] > ours.population[populated][~weighted])
                                  .sum()),
    )


@dataclass
class Row:
    n: int
    n_receptors: int
    ours: Answer
    qgis: Answer
    agree: Agreement


def table(rows: list[Row]) -> list[str]:
    """The Markdown table, one line per size."""
    lines = ["| hazards | receptors | ours: receptors (s) | ours: population (s) | ours total (s) | "
             "QGIS buffer (s) | QGIS count points (s) | QGIS zonal stats (s) | QGIS total (s) | QGIS / ours | "
             "counts identical | population median / max rel. diff |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        o, q, a = r.ours.seconds, r.qgis.seconds, r.agree
        lines.append(
            f"| {r.n:,} | {r.n_receptors:,} | {o['receptors']:.2f} | {o['population']:.2f} | {o['total']:.2f} | "
            f"{q['buffer']:.2f} | {q['count']:.2f} | {q['zonal']:.2f} | {q['total']:.2f} | "
            f"{q['total'] / o['total']:.0f}× | {a.counts_identical:.2%} (max ±{a.counts_max_abs}) | "
            f"{a.pop_median_rel:.2%} / {a.pop_max_rel:.2%} |")
    return lines


def notes(rows: list[Row], zonal: str, raster_note: str) -> str:
    """The paragraph under the table (its numbers from the largest size)."""
    last = rows[-1]
    a = last.agree
    gap = {r: r * (1 - math.cos(math.pi / (4 * SEGMENTS))) for r in REACHES_M}  # edge midpoint to circle
    counts_diff = a.counts_ours_more + a.counts_qgis_more
    more = ("QGIS never found more people than ours there" if a.pop_qgis_more_centres == 0
            else f"QGIS found more people than ours at {a.pop_qgis_more_centres:,} of them")
    direction = ("all of them by ours counting one more" if a.counts_qgis_more == 0 and a.counts_max_abs <= 1
                 else f"ours more at {a.counts_ours_more:,}, QGIS more at {a.counts_qgis_more:,}")
    return (
        "Both sides answer the same question in one process (QGIS's Python with Processing initialised, "
        "the geo stack loaded first), one after the other: for every hazard point, the receptors within its "
        f"reach (half the hazards {REACHES_M[0]:.0f} m, half {REACHES_M[1]:.0f} m; seeded random points in the "
        f"Shenzhen box; receptors of random classes, {HIGH_SHARE:.0%} of them high-sensitivity) and the people "
        f"of the population raster within the same reach (100 m cells, EPSG:4547: {raster_note}). "
        "**Ours** is `receptor_proximity` (one shapely STRtree `dwithin` query with a distance per "
        "hazard, which also finds each hazard's nearest high-sensitivity receptor; no link lines) plus "
        "`population_within(..., radii [500, 200], method=\"cell_centres\")` (an FFT convolution for the "
        "core of the disc and an exact ring per point), each hazard taking the radius of its reach, on "
        "in-memory GeoDataFrames. **QGIS** is `native:buffer` with a data-defined distance "
        f"(`QgsProperty.fromField(\"reach\")`, SEGMENTS = {SEGMENTS} per quarter circle), "
        f"`native:countpointsinpolygon` with the receptors and `{zonal}` (Count, Sum), reading hazards and "
        "receptors from a GeoPackage in EPSG:4547 and passing memory layers between the steps; each step is "
        "timed around its `processing.run`. Both sides had an untimed warm-up run on "
        f"{WARM_UP} hazards. Cells count by their centre on both sides, so the answers differ only at the "
        f"edge: a buffer is a {4 * SEGMENTS}-gon inscribed in the circle, up to {gap[REACHES_M[0]]:.2f} m inside "
        f"it at {REACHES_M[0]:.0f} m ({gap[REACHES_M[1]]:.2f} m at {REACHES_M[1]:.0f} m), and a receptor or a "
        "cell centre in that sliver is within the reach but outside QGIS's polygon. At "
        f"{last.n:,} hazards {counts_diff:,} counts differ, {direction}; {a.pop_identical:.1%} of the "
        f"{a.pop_hazards:,} populated hazards have the same population; where a cell centre falls in the "
        "sliver QGIS loses that cell, about 1/80 of a 500 m disc's people or 1/12 of a 200 m one's, more at "
        f"the city's edge where few cells hold people (at most {a.pop_max_rel_centres:.1%} among the hazards "
        f"QGIS counted by cell centres; {more}). The maximum in the table is QGIS's own rule: when at "
        "most one valid cell centre lies in a polygon, QgsZonalStatistics weights cells by their area "
        f"inside it instead ({a.area_weighted:,} populated hazards here, all at the city's edge). Resident "
        f"memory grew by about {last.ours.peak_mb:.0f} MB during ours and {last.qgis.peak_mb:.0f} MB during "
        "QGIS's steps (sampled every 5 ms)."
    )


def write_section(lines: list[str], note: str, machine_line: str) -> None:
    """Replace the proximity section of docs/benchmarks.md (or append it with its heading),
    leaving the rest of the file as it is."""
    begin, end = f"<!-- bench:{SECTION}:begin -->", f"<!-- bench:{SECTION}:end -->"
    body = "\n".join([begin, f"Measured {time.strftime('%Y-%m-%d')} on: {machine_line}.", "", *lines, "",
                      note, end])
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + body + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + f"\n\n{HEADING}\n\n" + body + "\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(f"written: {DOC} ({SECTION})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="numbers of hazards")
    ap.add_argument("--receptors", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "bench")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    app = start_qgis()
    from qgis.core import Qgis

    from plugin.core.rules import load_rules

    rules = load_rules()
    zonal = zonal_algorithm()
    raster, raster_note = population_raster(args.out, args.seed)
    print(f"QGIS {Qgis.version()}; zonal statistics: {zonal}; raster: {raster} ({raster_note})")

    # Untimed warm-up of both sides on a small input (imports, provider and raster start-up).
    warm = make_inputs(WARM_UP, args.receptors, raster, args.out, rules, args.seed)
    run_ours(warm, rules)
    run_qgis(warm, zonal)

    rows: list[Row] = []
    for n in args.sizes:
        t0 = time.perf_counter()
        inp = make_inputs(n, args.receptors, raster, args.out, rules, args.seed)
        print(f"{n:>9,} hazards: inputs in {time.perf_counter() - t0:.1f} s -> {inp.gpkg}")
        ours = run_ours(inp, rules)
        qgis = run_qgis(inp, zonal)
        agree = agreement(ours, qgis)
        rows.append(Row(n, args.receptors, ours, qgis, agree))
        print(f"{n:>9,} hazards: ours {ours.seconds['total']:.2f} s (receptors {ours.seconds['receptors']:.2f}, "
              f"population {ours.seconds['population']:.2f}; +{ours.peak_mb:.0f} MB)  "
              f"QGIS {qgis.seconds['total']:.2f} s (buffer {qgis.seconds['buffer']:.2f}, count "
              f"{qgis.seconds['count']:.2f}, zonal {qgis.seconds['zonal']:.2f}; +{qgis.peak_mb:.0f} MB)")
        print(f"{'':>9}  counts identical {agree.counts_identical:.3%} (max ±{agree.counts_max_abs}, "
              f"ours more at {agree.counts_ours_more}); population over {agree.pop_hazards:,} hazards: "
              f"identical {agree.pop_identical:.2%}, median {agree.pop_median_rel:.3%}, max {agree.pop_max_rel:.3%}; "
              f"QGIS area-weighted {agree.area_weighted}, max without them {agree.pop_max_rel_centres:.3%}")

    lines = table(rows)
    print("\n" + "\n".join(lines))
    if not args.no_doc:
        machine_line = f"{load_bench_module().machine()}, QGIS {Qgis.version()}"
        write_section(lines, notes(rows, zonal, raster_note), machine_line)
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())

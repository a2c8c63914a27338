"""make bench: time and peak memory of each stage by input size.

For each size the generator writes a fictional city's survey workbooks (same generator as
the sample city, without the deliberate mistakes), then each stage runs in a fresh
process so its peak resident memory is its own:

- ``read``   python-calamine alone reading every sheet of every workbook (csv module for
             CSV files): the floor an import cannot beat;
- ``import`` the whole import as citysafety:import_surveys runs it: read, validate, convert,
             count, write the GeoPackage.

Results are printed and written to docs/benchmarks.md with the machine they ran on.
Usage: python scripts/bench.py [--sizes 10000 100000] [--out out/bench] [--no-doc]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks.md"
STAGES = ("read", "read_threads", "import", "score", "risk_map", "cascade", "report_xlsx", "report_pdf")


def survey_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".csv"))


def stage_read(folder: Path, work: Path) -> dict:
    """The bare read, one file after the other."""
    return {"rows": sum(stage_read_one(p) for p in survey_files(folder))}


def stage_read_threads(folder: Path, work: Path) -> dict:
    """The bare read with the importer's thread pool (calamine releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    from plugin.core.ingest.importer import READ_THREADS

    files = survey_files(folder)
    with ThreadPoolExecutor(READ_THREADS) as pool:
        counts = list(pool.map(stage_read_one, files))
    return {"rows": sum(counts)}


def stage_read_one(p: Path) -> int:
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


def stage_import(folder: Path, work: Path) -> dict:
    from plugin.core.ingest.importer import import_surveys
    from plugin.core.store.riskdb import write_layers

    t0 = time.perf_counter()
    r = import_surveys(survey_files(folder))
    t1 = time.perf_counter()
    write_layers(work / "risk.gpkg", {"units": r.units, "hazards": r.hazards, "import_issues": r.issues,
                                      "import_runs": r.runs})
    t2 = time.perf_counter()
    return {"rows": int(r.runs.rows_read.sum()), "units": len(r.units), "hazards": len(r.hazards),
            "issues": len(r.issues), "balanced": r.balanced, "validate_s": t1 - t0, "write_s": t2 - t1}


def stage_score(folder: Path, work: Path) -> dict:
    """citysafety:score's work on the imported database: read it, score, write it."""
    from plugin.core.rules import load_rules
    from plugin.core.scoring.methods import score
    from plugin.core.store import riskdb

    rules = load_rules()
    db = work / "risk.gpkg"
    t0 = time.perf_counter()
    layers = {n: riskdb.read_layer(db, n) for n in ("units", "hazards")}
    t1 = time.perf_counter()
    result = score(layers["units"], layers["hazards"], rules)
    t2 = time.perf_counter()
    layers["units"] = layers["units"].join(result.units)
    layers["hazards"] = layers["hazards"].join(result.hazards)
    layers["score_issues"] = result.issues
    riskdb.update_layers(db, layers)
    t3 = time.perf_counter()
    return {"rows": len(layers["hazards"]), "read_s": t1 - t0, "score_s": t2 - t1, "write_s": t3 - t2}


def stage_risk_map(folder: Path, work: Path) -> dict:
    """citysafety:risk_map's work: risk layer, 100 m density raster, district summary."""
    import geopandas as gpd

    from plugin.core.rules import load_rules
    from plugin.core.steps import build_risk_map

    districts = gpd.read_file(folder / "districts.gpkg")
    t0 = time.perf_counter()
    result = build_risk_map(work / "risk.gpkg", load_rules(), work / "risk_density.tif", districts)
    return {"rows": len(result.risk_map), "cells": int(result.density.values.size),
            "map_s": time.perf_counter() - t0}


def stage_cascade(folder: Path, work: Path) -> dict:
    """citysafety:cascade's work: effect models, the edges (one spatial query), the graph
    measures, the upgrade and the chains, and the database written back."""
    from plugin.core.rules import load_rules
    from plugin.core.steps import cascade_database

    t0 = time.perf_counter()
    result = cascade_database(work / "risk.gpkg", load_rules())
    info = result.info
    return {"rows": len(result.hazards), "edges": len(result.edges), "cascade_s": time.perf_counter() - t0,
            "largest": int(info.get("largest_component", 0)), "components": int(info.get("components", 0)),
            "graph_s": float(info.get("times", {}).get("total", float("nan")))}


def stage_report_xlsx(folder: Path, work: Path) -> dict:
    """citysafety:export_report's Excel half: read the tables, write the seven sheets."""
    from plugin.core.reporting.xlsx import write_report_xlsx
    from plugin.core.rules import load_rules
    from plugin.core.steps import report_data

    t0 = time.perf_counter()
    data = report_data(work / "risk.gpkg", load_rules())
    t1 = time.perf_counter()
    write_report_xlsx(data, work / "report.xlsx")
    rows = sum(len(f) for f in data.level_units.values())
    return {"rows": rows, "read_s": t1 - t0, "write_s": time.perf_counter() - t1,
            "mb": (work / "report.xlsx").stat().st_size / 1e6}


def stage_report_pdf(folder: Path, work: Path) -> dict:
    """citysafety:export_report's PDF half: the print layout (cover + a page per district)."""
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from plugin.core.rules import load_rules
    from plugin.processing.report_pdf import export_report_pdf

    t0 = time.perf_counter()
    pages = export_report_pdf(str(work / "risk.gpkg"), str(work / "report.pdf"), load_rules(), "bench")
    seconds = time.perf_counter() - t0
    app.exitQgis()
    return {"rows": pages, "pdf_s": seconds, "mb": (work / "report.pdf").stat().st_size / 1e6}


def run_stage(stage: str, folder: Path, work: Path) -> dict:
    """Run one stage in a child process; returns its time and peak memory."""
    cmd = [sys.executable, __file__, "--child", stage, str(folder), str(work)]
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen"))
    if proc.returncode != 0:
        raise RuntimeError(f"stage {stage} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child(stage: str, folder: Path, work: Path) -> None:
    # Import the libraries first so that the stage's time is the work, not start-up.
    for name in ("geopandas", "python_calamine", "plugin.core.ingest.importer"):
        importlib.import_module(name)

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    stages = {"read": stage_read, "read_threads": stage_read_threads, "import": stage_import, "score": stage_score,
              "risk_map": stage_risk_map, "cascade": stage_cascade, "report_xlsx": stage_report_xlsx,
              "report_pdf": stage_report_pdf}
    info = stages[stage](folder, work)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"stage": stage, "seconds": seconds, "peak_mb": peak / 1024, "base_mb": base_rss / 1024, **info}))


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

    return (f"{cpu or platform.processor()}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; "
            f"{platform.platform()}; Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"pandas {pandas.__version__}, python-calamine {version('python-calamine')}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "bench")
    ap.add_argument("--seed", type=int, default=20241128)
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument("--child", nargs=3, metavar=("STAGE", "FOLDER", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    from tools.sample_city.generator import generate_city, write_city
    from tools.sample_city.generator import write_layers as write_city_layers

    results = []
    for n in args.sizes:
        folder = args.out / f"city_{n}"
        work = args.out / f"work_{n}"
        work.mkdir(parents=True, exist_ok=True)
        if not (folder / "districts.gpkg").exists():
            t0 = time.perf_counter()
            city = generate_city(n, seed=args.seed)
            write_city(city, folder, messy=False)
            write_city_layers(city, folder)
            print(f"generated {n:,} units in {time.perf_counter() - t0:.1f} s -> {folder}")
        for stage in STAGES:
            r = run_stage(stage, folder, work)
            r["units_in"] = n
            results.append(r)
            print(f"{n:>9,} units  {stage:<7} {r['seconds']:8.2f} s  peak {r['peak_mb']:7.0f} MB  "
                  f"(rows {r['rows']:,})")
    lines = ["| units | hazards | rows read | calamine read (s) | calamine read, threaded (s) | "
             "import: read + validate (s) | write GeoPackage (s) | import total (s) | "
             "read + validate / read | total / read | read peak (MB) | import peak (MB) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in args.sizes:
        rd = next(r for r in results if r["units_in"] == n and r["stage"] == "read")
        rt = next(r for r in results if r["units_in"] == n and r["stage"] == "read_threads")
        im = next(r for r in results if r["units_in"] == n and r["stage"] == "import")
        lines.append(
            f"| {n:,} | {im['hazards']:,} | {im['rows']:,} | {rd['seconds']:.2f} | {rt['seconds']:.2f} | "
            f"{im['validate_s']:.2f} | {im['write_s']:.2f} | {im['seconds']:.2f} | "
            f"{im['validate_s'] / rd['seconds']:.2f} | {im['seconds'] / rd['seconds']:.2f} | "
            f"{rd['peak_mb']:.0f} | {im['peak_mb']:.0f} |")
    analysis = ["| units | hazards | score: read database (s) | score: compute (s) | score: write database (s) | "
                "score peak (MB) | risk map: layer + density + districts (s) | density cells | risk map peak (MB) |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in args.sizes:
        sc = next(r for r in results if r["units_in"] == n and r["stage"] == "score")
        rm = next(r for r in results if r["units_in"] == n and r["stage"] == "risk_map")
        analysis.append(f"| {n:,} | {sc['rows']:,} | {sc['read_s']:.2f} | {sc['score_s']:.2f} | {sc['write_s']:.2f} | "
                        f"{sc['peak_mb']:.0f} | {rm['map_s']:.2f} | {rm['cells']:,} | {rm['peak_mb']:.0f} |")
    cascade = ["| units | hazard sources | edges | clusters (≥ 2) | largest cluster | graph measures (s) | "
               "cascade step in all (s) | peak (MB) |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in args.sizes:
        c = next(r for r in results if r["units_in"] == n and r["stage"] == "cascade")
        cascade.append(f"| {n:,} | {c['rows']:,} | {c['edges']:,} | {c['components']:,} | {c['largest']:,} | "
                       f"{c['graph_s']:.2f} | {c['cascade_s']:.2f} | {c['peak_mb']:.0f} |")
    report = ["| units | rows in the level-1/2 sheets | Excel: read tables (s) | Excel: write (s) | Excel (MB) | "
              "Excel peak (MB) | PDF pages | PDF (s) | PDF (MB) | PDF peak (MB) |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in args.sizes:
        x = next(r for r in results if r["units_in"] == n and r["stage"] == "report_xlsx")
        p = next(r for r in results if r["units_in"] == n and r["stage"] == "report_pdf")
        report.append(f"| {n:,} | {x['rows']:,} | {x['read_s']:.2f} | {x['write_s']:.2f} | {x['mb']:.1f} | "
                      f"{x['peak_mb']:.0f} | {p['rows']} | {p['pdf_s']:.2f} | {p['mb']:.1f} | {p['peak_mb']:.0f} |")
    print("\n" + "\n".join(lines) + "\n\n" + "\n".join(analysis) + "\n\n" + "\n".join(cascade)
          + "\n\n" + "\n".join(report))
    if not args.no_doc:
        write_doc(lines, "import")
        write_doc(analysis, "analysis")
        write_doc(cascade, "cascade")
        write_doc(report, "report")
    return 0


NOTES = {
    "import": (
        "`calamine read` is python-calamine alone reading every sheet of every file, one after the "
        "other (the csv module for the one CSV sector); `threaded` is the same with the importer's "
        "thread pool. `import: read + validate` is `import_surveys` — read (threaded), find headers, "
        "parse every value, convert coordinates, check identifiers and codes, count every row; "
        "`write GeoPackage` is writing the four layers with pyogrio; `import total` is both, what "
        "`citysafety:import_surveys` costs. Peak memory is the stage process's maximum resident "
        "set, libraries included."),
    "analysis": (
        "`score` is what `citysafety:score` does: read units and hazards, score every hazard source "
        "(GB 18218 matching and grading, LEC, LS) and unit with its reasons, write units, hazards and "
        "score_issues back (a copy of the database changed and renamed over it). `risk map` is "
        "`citysafety:risk_map`: read the units, build the risk layer, the risk-density GeoTIFF at "
        "100 m cells with a 1 km quartic kernel (one FFT convolution) and the district summary, and "
        "add the two layers to the database."),
    "cascade": (
        "`cascade step` is `citysafety:cascade` on the imported and scored city of that size (the "
        "generator's sector mix, hazard sources without their own location sit at their unit's): "
        "read the database, scenarios and escalation distances, candidate pairs from one STRtree "
        "query, loads and probits, the graph measures (networkx only on clusters of two or more; "
        "exact betweenness up to the rules' size, sampled beyond), the upgrade, the chains, and the "
        "database written back. `graph measures` is the networkx part alone."),
    "report": (
        "`citysafety:export_report` after the cascade step: `Excel` reads the tables the workbook needs "
        "and writes its seven sheets with openpyxl (write-only mode; every level-1 and level-2 unit's "
        "hazard sources are rows); `PDF` is the print layout from resources/layouts/report.qpt — the "
        "cover with every unit on the map, then one page per district — exported by QGIS."),
}


def write_doc(lines: list[str], section: str) -> None:
    """Replace one marked section of docs/benchmarks.md."""
    begin, end = f"<!-- bench:{section}:begin -->", f"<!-- bench:{section}:end -->"
    body = "\n".join([begin, f"Measured {time.strftime('%Y-%m-%d')} on: {machine()}.", "", *lines, "",
                      NOTES[section], end])
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\nWritten by `make bench`.\n"
    if begin in text:
        text = text[: text.index(begin)] + body + text[text.index(end) + len(end):]
    else:
        heading = {"import": "## Import", "analysis": "## Scoring and the risk map",
                   "cascade": "## Cascade graph", "report": "## Reports"}[section]
        text = text.rstrip() + f"\n\n{heading}\n\n" + body + "\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(f"written: {DOC.relative_to(ROOT)} ({section})")


if __name__ == "__main__":
    sys.exit(main())

"""make demo-postgis: the shared risk database on a throw-away PostgreSQL/PostGIS server,
through the plugin's own Processing algorithms (docs/postgis.md).

1. a cluster of its own (tools/pgcluster.py), a database ``safety`` with PostGIS, the role model
   (resources/postgis/roles.sql) and three login roles: analyst1 (the city bureau),
   nanshan_office (南山区's district office) and reader1 (leadership);
2. the city bureau imports the sample city's surveys straight into the shared database
   (citysafety:import_surveys with a URI, as analyst1) and runs the steps on it — score,
   proximity, cascade, risk map — each on its working copy, pushed back in one transaction;
3. 南山区's office imports its own workbook into its district (import_surveys, ROUND = update one
   district, as nanshan_office): only 南山区's rows are replaced; the same office is refused 福田区;
4. the bureau runs the steps again (the district's new units get their levels);
5. leadership writes the report from the shared database (citysafety:export_report, as reader1);
6. a summary: the shared database's versions, rows by district, the styles any QGIS gets; and the
   old way still works: the database taken into a file and exported back.
The server is stopped and removed at the end; the files stay in out/demo-postgis/.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "resources" / "sample"


def psql(uri: str, sql: str) -> str:
    return subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "demo-postgis")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill stops the server too (the with block)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    import os

    os.environ["CSRM_SHARED_CACHE"] = str(out / "working_copies")  # the demo's own, not the user's
    from scripts.demo import Log, start_qgis
    from tools.pgcluster import Cluster, postgis_available

    if not postgis_available():
        print("PostgreSQL/PostGIS is not installed: make setup installs it", file=sys.stderr)
        return 2
    app, _plugin = start_qgis("zh_CN")
    from qgis import processing
    from qgis.core import QgsProcessingException

    log = Log()
    t0 = time.perf_counter()
    with Cluster() as pg:
        print(f"1. a throw-away PostgreSQL/PostGIS cluster on 127.0.0.1:{pg.port}")
        admin = pg.create_database("safety")
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin, "-f",
                        str(ROOT / "resources" / "postgis" / "roles.sql")], check=True, capture_output=True)
        pg.psql("CREATE ROLE analyst1 LOGIN IN ROLE citysafety_analyst; "
                "CREATE ROLE nanshan_office LOGIN IN ROLE citysafety_surveyor; "
                "CREATE ROLE reader1 LOGIN IN ROLE citysafety_reader", "safety")
        analyst, office, reader = (pg.uri("safety", u) for u in ("analyst1", "nanshan_office", "reader1"))

        print("2. the city bureau: citysafety:import_surveys into the shared database, then the steps on it")
        res = processing.run("citysafety:import_surveys", {"FOLDER": str(SAMPLE), "URI": analyst, "DEFAULT_CRS": 1,
                                                           "LOAD_LAYERS": False}, feedback=log.feedback)
        print(f"   -> {res['UNITS']} units, {res['HAZARDS']} hazard sources, {res['ROWS_REJECTED']} rows rejected")
        psql(analyst, "INSERT INTO citysafety.citysafety_district_roles VALUES ('nanshan_office', '南山区')")
        steps = {
            "score": {}, "proximity": {"RECEPTORS": f"{SAMPLE / 'receptors.gpkg'}|layername=receptors",
                                       "POPULATION": str(SAMPLE / "population.tif"), "LOAD_LAYERS": False},
            "cascade": {"LOAD_LAYERS": False},
            "risk_map": {"DISTRICTS": str(SAMPLE / "districts.gpkg"), "DENSITY": str(out / "risk_density.tif"),
                         "LOAD_LAYERS": False}}
        for step, params in steps.items():
            t = time.perf_counter()
            res = processing.run(f"citysafety:{step}", {"URI": analyst, **params}, feedback=log.feedback)
            shown = {k: v for k, v in res.items() if k in ("LEVEL1", "UPGRADED", "EDGES", "UNITS")}
            print(f"   {step}: {shown} in {time.perf_counter() - t:.1f} s")

        print("3. 南山区's office: citysafety:import_surveys of its own files, ROUND = update one district")
        from tests.common import district_files

        mine = district_files("南山区", out / "南山区")
        res = processing.run("citysafety:import_surveys", {"FOLDER": str(out / "南山区"), "URI": office, "ROUND": 2,
                                                           "DISTRICT": "南山区", "LOAD_LAYERS": False},
                             feedback=log.feedback)
        print(f"   -> 南山区: {res['UNITS']} units, {res['HAZARDS']} hazard sources from {len(mine)} files")
        district_files("福田区", out / "福田区")
        try:
            processing.run("citysafety:import_surveys", {"FOLDER": str(out / "福田区"), "URI": office, "ROUND": 2,
                                                         "DISTRICT": "福田区", "LOAD_LAYERS": False})
        except QgsProcessingException as exc:
            print(f"   福田区 by 南山区's office: refused — {exc}")

        print("4. the city bureau runs the steps again: the district's new rows get their levels")
        for step, params in steps.items():
            res = processing.run(f"citysafety:{step}", {"URI": analyst, **params})
            shown = {k: v for k, v in res.items() if k in ("LEVEL1", "UPGRADED", "EDGES", "UNITS")}
            print(f"   {step}: {shown}")

        print("5. leadership: citysafety:export_report from the shared database, as reader1")
        res = processing.run("citysafety:export_report", {"URI": reader, "XLSX": str(out / "report.xlsx"),
                                                          "PDF": str(out / "report.pdf")}, feedback=log.feedback)
        print(f"   -> {Path(res['XLSX']).name}, {Path(res['PDF']).name} ({res['PAGES']} pages)")

        print("\n6. the shared database 共享风险库")
        print("   state:", psql(admin, "SELECT version || ' ' || step || ' ' || committed "
                                 "FROM citysafety.citysafety_state"))
        print("   units by district:")
        by_district = psql(admin, "SELECT district || ': ' || count(*) || ' (level 1: ' || count(*) FILTER (WHERE "
                                  "level = 1) || ')' FROM citysafety.units GROUP BY district ORDER BY district")
        for line in by_district.splitlines():
            print("    ", line)
        print("   default styles in layer_styles:",
              psql(admin, "SELECT string_agg(f_table_name || ' (' || type || ')', ', ' ORDER BY f_table_name) "
                          "FROM layer_styles WHERE useasdefault"))
        print("   the old way: taken into a file (import_from_postgis) and exported back (export_to_postgis)")
        city = out / "city.gpkg"
        processing.run("citysafety:import_from_postgis", {"URI": analyst, "OUTPUT": str(city)})
        res = processing.run("citysafety:export_to_postgis", {"INPUT": str(city), "URI": analyst})
        print(f"   -> {res['LAYERS']} layers, {res['ROWS']} rows, {res['STYLES_SAVED']} styles; "
              f"version {res['VERSION']}")
    print(f"\nDone in {time.perf_counter() - t0:.1f} s; the files are in {out}")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())

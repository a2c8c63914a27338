"""make demo-postgis: the shared risk database on a throw-away PostgreSQL/PostGIS server,
through the plugin's own Processing algorithms (docs/postgis.md).

1. a cluster of its own (tools/pgcluster.py), a database ``safety`` with PostGIS, the role model
   (resources/postgis/roles.sql) and three login roles: analyst1 (the city bureau),
   nanshan_office (南山区's district office) and reader1 (leadership);
2. the city bureau runs the chain on the sample city (citysafety:run_all) and exports it
   (citysafety:export_to_postgis, as analyst1): the layers, the styles in layer_styles;
3. leadership takes it (citysafety:import_from_postgis, as reader1);
4. 南山区's office publishes its district (citysafety:publish_district, as nanshan_office) — its
   own file: the district's units and hazard sources with two units' names corrected, as its
   next import would hold them; the same office is refused 福田区;
5. the city bureau's export of its copy taken before the publish is refused (stale); it takes
   the database again, scores it and exports it;
6. a summary: the shared database's versions, rows by district, the styles any QGIS gets.
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


def district_file(city: Path, path: Path, district: str) -> Path:
    """A district office's own file: its district's units and their hazard sources, two names
    corrected (as its next import of its own workbooks would hold them)."""
    from plugin.core.store import tx

    path.write_bytes(city.read_bytes())
    con = tx.connect(path)
    try:
        con.execute("DELETE FROM hazards WHERE unit_code NOT IN (SELECT unit_code FROM units WHERE district = ?)",
                    (district,))
        con.execute("DELETE FROM units WHERE district IS NOT ?", (district,))
        con.execute("UPDATE units SET name = name || '（更正）' "
                    "WHERE fid IN (SELECT fid FROM units ORDER BY fid LIMIT 2)")
    finally:
        con.close()
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "demo-postgis")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill stops the server too (the with block)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
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

        print("2. the city bureau: citysafety:run_all on the sample city, then citysafety:export_to_postgis")
        db = out / "risk.gpkg"
        processing.run("citysafety:run_all", {
            "FOLDER": str(SAMPLE), "OUTPUT": str(db), "DEFAULT_CRS": 1, "DISTRICTS": str(SAMPLE / "districts.gpkg"),
            "DENSITY": str(out / "risk_density.tif"), "LOAD_LAYERS": False,
            "RECEPTORS": f"{SAMPLE / 'receptors.gpkg'}|layername=receptors",
            "POPULATION": str(SAMPLE / "population.tif")})
        res = processing.run("citysafety:export_to_postgis", {"INPUT": str(db), "URI": analyst},
                             feedback=log.feedback)
        print(f"   -> schema {res['SCHEMA']}: {res['LAYERS']} layers, {res['ROWS']} rows, "
              f"{res['STYLES_SAVED']} styles; version {res['VERSION']}")
        psql(analyst, "INSERT INTO citysafety.citysafety_district_roles VALUES ('nanshan_office', '南山区')")

        print("3. leadership: citysafety:import_from_postgis as reader1")
        city = out / "city_taken_by_reader.gpkg"
        res = processing.run("citysafety:import_from_postgis", {"URI": reader, "OUTPUT": str(city)})
        print(f"   -> {city.name}: {res['LAYERS']} layers, {res['ROWS']} rows")
        bureau_copy = out / "city_taken_by_bureau.gpkg"
        processing.run("citysafety:import_from_postgis", {"URI": analyst, "OUTPUT": str(bureau_copy)})

        print("4. 南山区's office: citysafety:publish_district as nanshan_office")
        nanshan = district_file(city, out / "nanshan.gpkg", "南山区")
        res = processing.run("citysafety:publish_district", {"INPUT": str(nanshan), "DISTRICT": "南山区",
                                                             "URI": office}, feedback=log.feedback)
        futian = district_file(city, out / "futian.gpkg", "福田区")
        try:
            processing.run("citysafety:publish_district", {"INPUT": str(futian), "DISTRICT": "福田区", "URI": office})
        except QgsProcessingException as exc:
            print(f"   福田区 by 南山区's office: refused — {exc}")

        print("5. the city bureau exports its copy taken before the publish")
        try:
            processing.run("citysafety:export_to_postgis", {"INPUT": str(bureau_copy), "URI": analyst})
        except QgsProcessingException as exc:
            print(f"   refused — {exc}")
        fresh = out / "city_taken_again.gpkg"
        processing.run("citysafety:import_from_postgis", {"URI": analyst, "OUTPUT": str(fresh)})
        score = processing.run("citysafety:score", {"INPUT": str(fresh)})
        res = processing.run("citysafety:export_to_postgis", {"INPUT": str(fresh), "URI": analyst})
        print(f"   taken again, scored (level 1: {score['LEVEL1']}), exported: version {res['VERSION']}")

        print("\n6. the shared database 共享风险库")
        print("   state:", psql(admin, "SELECT version || ' ' || step || ' ' || committed "
                                 "FROM citysafety.citysafety_state"))
        print("   units by district (corrected names):")
        by_district = psql(admin, "SELECT district || ': ' || count(*) || ' (' || count(*) FILTER (WHERE name LIKE "
                                  "'%（更正）') || ')' FROM citysafety.units GROUP BY district ORDER BY district")
        for line in by_district.splitlines():
            print("    ", line)
        print("   default styles in layer_styles:",
              psql(admin, "SELECT string_agg(f_table_name || ' (' || type || ')', ', ' ORDER BY f_table_name) "
                          "FROM layer_styles WHERE useasdefault"))
    print(f"\nDone in {time.perf_counter() - t0:.1f} s; the files are in {out}")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())

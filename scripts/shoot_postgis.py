"""make screenshots (PostGIS part): the sample city exported to a throw-away PostGIS server by
the plugin, then shown by a QGIS that has no plugin (scripts/screenshots_postgis.py).

Needs out/demo/risk.gpkg (make demo), or the risk database given as its argument. Writes
docs/img/qgis_postgis.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from scripts.demo import start_qgis
    from tools.pgcluster import Cluster

    db = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "out" / "demo" / "risk.gpkg"
    with Cluster() as pg:
        pg.create_database("safety")
        app, _plugin = start_qgis("zh_CN")
        from qgis import processing

        processing.run("citysafety:export_to_postgis", {"INPUT": str(db), "URI": pg.uri("safety")})
        conninfo = f"dbname='safety' host={pg.host} port={pg.port} user='citysafety' sslmode=disable"
        site = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"), None)
        profile = Path(tempfile.mkdtemp(prefix="csrm_profile_"))
        (profile / "profiles" / "default" / "QGIS").mkdir(parents=True)  # a stock profile: no plugin at all
        env = dict(os.environ, CSRM_ROOT=str(ROOT), CSRM_PG_CONNINFO=conninfo, QGIS_CUSTOM_CONFIG_PATH=str(profile),
                   PYTHONPATH=str(site or ""))
        env.pop("QT_QPA_PLATFORM", None)
        subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "qgis", "--noversioncheck", "--nologo",
                        "--code", str(ROOT / "scripts" / "screenshots_postgis.py")], env=env, timeout=300, check=False)
        shutil.rmtree(profile, ignore_errors=True)
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())

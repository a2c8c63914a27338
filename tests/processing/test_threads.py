"""The algorithms run as QGIS runs them from their dialogs — as tasks on the thread pool —
again and again in one QGIS session. Without geostack.keep_proj_contexts the second run on a
pool thread crashed in pyproj (exit 139); without geostack.keep_pool_threads the report's CRS
used on the main thread after the pool thread that built it retired crashed in PROJ."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.common import ROOT


def test_algorithms_run_repeatedly_as_background_tasks(analysed_db, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-X", "faulthandler",
                           str(ROOT / "tests" / "processing" / "scripts" / "run_as_tasks.py"),
                           str(analysed_db), str(tmp_path)], env=env, capture_output=True, text=True, timeout=600)
    log = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("proj_create"))
    assert proc.returncode == 0, f"exit {proc.returncode}: {log[-3000:]}"
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [r[1] for r in results] == [True] * 6, results
    assert results[4][2]["PAGES"] == 11
    assert results[5][2]["pool_expiry"] == -1

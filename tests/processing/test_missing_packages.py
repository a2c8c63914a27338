"""A QGIS without the plugin's Python packages (hidden by an import hook,
tests/data/blocker/sitecustomize.py): the plugin loads without an exception escaping, the
algorithms whose packages import are registered and the others are not, the log names what is
missing, and QGIS's own algorithms keep working — in a QGIS application and in qgis_process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.common import QGIS_PROCESS, ROOT, venv_site

BLOCKER = ROOT / "tests" / "data" / "blocker"
HIDDEN = "geopandas,pyogrio"

SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
log = []
QgsApplication.messageLog().messageReceived.connect(lambda m, tag, level: log.append((tag, m)))
sys.path.append(QgsApplication.pkgDataPath() + "/python/plugins")
from processing.core.Processing import Processing
Processing.initialize()
import importlib
pkg = importlib.import_module(sys.argv[2])
plugin = pkg.classFactory(None)
plugin.initProcessing()
provider = plugin.provider
ids = sorted(a.name() for a in provider.algorithms())
import processing
layer = QgsVectorLayer("Point?crs=EPSG:4547", "p", "memory")
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY
f = QgsFeature(); f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(500000, 2500000)))
layer.dataProvider().addFeatures([f])
out = processing.run("native:buffer", {"INPUT": layer, "DISTANCE": 10, "OUTPUT": "memory:"})["OUTPUT"]
print(json.dumps({"ids": ids, "missing": provider.missing, "log": [m for t, m in log if t == "City Safety Risk Map"],
                  "buffer_area": out.getFeature(1).geometry().area(), "geopandas": "geopandas" in sys.modules}))
app.exitQgis()
"""


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CSRM_BLOCK=HIDDEN)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BLOCKER), venv_site()) if p)
    env.update(extra or {})
    return env


def test_in_qgis_the_algorithms_with_their_packages_load_and_the_log_says_what_is_missing(tmp_path):
    link = tmp_path / "city_safety_risk_map"
    os.symlink(ROOT, link)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), "city_safety_risk_map"], env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert not got["geopandas"]  # hidden indeed
    assert "survey_template" in got["ids"]  # needs openpyxl and pandas only
    assert "import_surveys" not in got["ids"] and "score" not in got["ids"]
    assert set(got["missing"]) <= {"geopandas", "pyogrio"} and got["missing"]
    assert any("geopandas" in m or "pyogrio" in m for m in got["log"]), got["log"]
    assert any("缺少 Python 包" in m and "missing" in m for m in got["log"])
    assert 300 < got["buffer_area"] < 315  # QGIS's own algorithms still run (a 10 m circle, 5 segments)


def test_qgis_process_keeps_working_with_the_packages_missing(qgis_process_env):
    env = dict(qgis_process_env, CSRM_BLOCK=HIDDEN,
               PYTHONPATH=os.pathsep.join((str(BLOCKER), qgis_process_env.get("PYTHONPATH", ""))))
    listed = subprocess.run([QGIS_PROCESS, "list"], env=env, capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert "native:buffer" in listed.stdout and "citysafety:survey_template" in listed.stdout
    assert "citysafety:score" not in listed.stdout
    assert "geopandas" in listed.stderr or "pyogrio" in listed.stderr  # what is missing, and what to do
    assert "citysafety:install_packages" in listed.stderr and "citysafety:install_packages" in listed.stdout


def test_every_algorithm_has_help_url_tags_and_icon(provider):
    """A good Processing citizen: each algorithm names its section of this repository's docs,
    carries tags (Chinese and English) and the plugin's icon."""
    from plugin.processing.base import repository_url

    algs = provider.algorithms()
    assert len(algs) == 19
    for alg in algs:
        url = alg.helpUrl()
        assert url.startswith(repository_url() + "/blob/main/docs/"), alg.id()
        assert (ROOT / url.split("/blob/main/", 1)[1]).is_file(), url
        assert "city safety" in alg.tags() and "城市安全" in alg.tags() and len(alg.tags()) > 6
        assert not alg.icon().isNull()

"""Run citysafety algorithms as QGIS runs them from a dialog: QgsProcessingAlgRunnerTask on
the task manager's thread pool, several times in a row, then use the report's CRS on the main
thread after the pool's idle threads would have retired (the retirement time is shortened from
QGIS's 30 s to 0.2 s before the plugin starts). Used by test_threads.py in a child process,
so a crash shows as an exit code instead of killing the test run."""

import json
import sys
import time

from qgis.core import (
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)

db, out = sys.argv[1], sys.argv[2]
from qgis.PyQt.QtCore import QThreadPool

app = QgsApplication([], False)
app.initQgis()
sys.path.append("/usr/share/qgis/python/plugins")
from processing.core.Processing import Processing

Processing.initialize()
# Idle pool threads retire after 0.2 s from here on (QGIS's own start-up threads keep the 30 s
# they are already waiting with), unless the plugin, starting next, keeps them.
QThreadPool.globalInstance().setExpiryTimeout(200)
from plugin.plugin import CitySafetyPlugin

plugin = CitySafetyPlugin(None)
plugin.initProcessing()
runs = [("citysafety:score", {"INPUT": db})] * 2 + [
    ("citysafety:risk_map", {"INPUT": db, "DENSITY": f"{out}/d.tif", "LOAD_LAYERS": False})] + [
    ("citysafety:export_report", {"INPUT": db, "XLSX": f"{out}/r{i}.xlsx", "PDF": f"{out}/r{i}.pdf"})
    for i in range(2)]
results = []
for alg_id, params in runs:
    alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    done = []
    task = QgsProcessingAlgRunnerTask(alg, params, context, feedback)
    task.executed.connect(
        lambda ok, res, done=done: done.append((ok, {k: v for k, v in res.items() if isinstance(v, int)})))
    QgsApplication.taskManager().addTask(task)
    start = time.time()
    while not done and time.time() - start < 120:
        app.processEvents()
        time.sleep(0.01)
    results.append([alg_id, *(done[0] if done else (False, "timeout"))])
start = time.time()
while time.time() - start < 1.5:  # idle pool threads retire now, unless the plugin keeps them
    app.processEvents()
    time.sleep(0.01)
from qgis.core import QgsPrintLayout, QgsReadWriteContext
from qgis.PyQt.QtXml import QDomDocument

from plugin.processing.report_pdf import TEMPLATE

doc = QDomDocument()
doc.setContent(TEMPLATE.read_text(encoding="utf-8"))
layout = QgsPrintLayout(QgsProject.instance())
_items, loaded = layout.loadFromTemplate(doc, QgsReadWriteContext())
results.append(["template on the main thread", loaded, {"pool_expiry": QThreadPool.globalInstance().expiryTimeout()}])
print(json.dumps(results), flush=True)
layout = None
# A standalone PyQGIS process must finish QGIS before it exits: otherwise QGIS's static CRS and
# transform caches are torn down by the C++ exit handlers after PROJ (a crash at exit, 1 run in
# 10 or so). QGIS itself and qgis_process do this.
plugin.unload()
app.exitQgis()

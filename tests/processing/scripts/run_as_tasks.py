"""Run citysafety algorithms as QGIS runs them from a dialog: QgsProcessingAlgRunnerTask on
the task manager's thread pool, several times in a row. Used by test_threads.py in a child
process, so a crash shows as an exit code instead of killing the test run."""

import json
import sys
import time

from qgis.core import (QgsApplication, QgsProcessingAlgRunnerTask, QgsProcessingContext, QgsProcessingFeedback,
                       QgsProject)

db, out = sys.argv[1], sys.argv[2]
app = QgsApplication([], False)
app.initQgis()
sys.path.append("/usr/share/qgis/python/plugins")
from processing.core.Processing import Processing  # noqa: E402

Processing.initialize()
from plugin.plugin import CitySafetyPlugin  # noqa: E402

plugin = CitySafetyPlugin(None)
plugin.initProcessing()
runs = [("citysafety:score", {"INPUT": db})] * 3 + [
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
    task.executed.connect(lambda ok, res: done.append((ok, {k: v for k, v in res.items() if isinstance(v, int)})))
    QgsApplication.taskManager().addTask(task)
    start = time.time()
    while not done and time.time() - start < 120:
        app.processEvents()
        time.sleep(0.01)
    results.append([alg_id, *(done[0] if done else (False, "timeout"))])
print(json.dumps(results))

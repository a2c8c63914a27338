"""Run inside real QGIS (``qgis --code``) by tests/gui/test_real_qgis.py with some of the
plugin's packages hidden (tests/data/blocker): records what the user sees — the plugin
loaded, the message bar, which menu entries work, the algorithms, the panel's answer — as
JSON in $CSRM_SMOKE_OUT, and quits. A modal traceback would block it: the test's timeout."""

import json
import os
import traceback

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins


def check():
    out = {}
    try:
        plugin = plugins.get("city_safety_risk_map")
        out["loaded"] = plugin is not None
        out["menu_entries"] = {a.objectName(): a.isEnabled() for a in plugin.menu.actions() if a.objectName()}
        provider = QgsApplication.processingRegistry().providerById("citysafety")
        out["algorithms"] = sorted(a.id() for a in provider.algorithms()) if provider else []
        plugin.panel_action.trigger()  # the panel needs the geo stack: a message, no dock
        out["dock"] = plugin.dock is not None
        out["messages"] = [f"{w.title()} {w.text()}" for w in iface.messageBar().items()]
        from qgis.PyQt.QtWidgets import QPushButton

        buttons = [b for w in iface.messageBar().items() for b in w.findChildren(QPushButton)
                   if b.objectName() == "citysafety_install_button"]
        out["install_button"] = [b.text() for b in buttons]
        if buttons:  # the button opens the installer dialog, which names what is missing
            buttons[0].click()
            dialog = plugin.install_dialog
            out["install_dialog"] = dialog is not None and dialog.isVisible()
            out["install_dialog_status"] = dialog.status.text() if dialog is not None else ""
            dialog.close()
        from qgis import processing
        from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

        layer = QgsVectorLayer("Point?crs=EPSG:4547", "p", "memory")
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(500000, 2500000)))
        layer.dataProvider().addFeatures([feature])
        buffer = processing.run("native:buffer", {"INPUT": layer, "DISTANCE": 1, "OUTPUT": "memory:"})
        out["native_buffer"] = "OUTPUT" in buffer
    except Exception:
        out["error"] = traceback.format_exc()
    with open(os.environ["CSRM_SMOKE_OUT"], "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False)
    QgsApplication.exit(0)


QTimer.singleShot(4000, check)

"""Run inside real QGIS (``qgis --code``) on a stock QGIS profile — QGIS's own Python, none of
the plugin's packages — by tests/gui/test_real_qgis.py (user lane) and ``make screenshots``:
the message bar's Install button, the dialog installing offline from $CSRM_WHEELHOUSE, and
what the user has afterwards without a restart. JSON to $CSRM_SMOKE_OUT; PNGs to
$CSRM_SHOT_DIR (with $CSRM_SHOT_SUFFIX) when set."""

import json
import os
import time
import traceback
from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QPushButton
from qgis.utils import iface, plugins

out = {}
SHOTS = os.environ.get("CSRM_SHOT_DIR")
SUFFIX = os.environ.get("CSRM_SHOT_SUFFIX", "")
state = {"start": 0.0}


def shot(widget, name):
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"{name}{SUFFIX}.png"))


def finish():
    with open(os.environ["CSRM_SMOKE_OUT"], "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False)
    QgsApplication.exit(0)


def before():
    try:
        plugin = plugins.get("city_safety_risk_map")
        provider = QgsApplication.processingRegistry().providerById("citysafety")
        out["before"] = sorted(a.id() for a in provider.algorithms())
        out["messages"] = [w.text() for w in iface.messageBar().items()]
        buttons = [b for w in iface.messageBar().items() for b in w.findChildren(QPushButton)
                   if b.objectName() == "citysafety_install_button"]
        iface.mainWindow().showMaximized()
        QgsApplication.processEvents()
        shot(iface.mainWindow(), "install_message")
        buttons[0].click()
        dialog = plugin.install_dialog
        out["status_before"] = dialog.status.text()
        dialog.wheelhouse.setText(os.environ["CSRM_WHEELHOUSE"])
        dialog.install_button.click()
        state["start"] = time.monotonic()
        QTimer.singleShot(500, wait)
    except Exception:
        out["error"] = traceback.format_exc()
        finish()


def wait():
    plugin = plugins.get("city_safety_risk_map")
    dialog = plugin.install_dialog
    if not dialog.install_button.isEnabled() and time.monotonic() - state["start"] < 600:
        out["progress_seen"] = max(out.get("progress_seen", 0), dialog.progress.value())
        QTimer.singleShot(500, wait)
        return
    QTimer.singleShot(1500, after)  # the reload runs from the dialog's signal


def after():
    try:
        plugin = plugins.get("city_safety_risk_map")
        dialog = plugin.install_dialog
        out["seconds"] = round(time.monotonic() - state["start"], 1)
        out["status_after"] = dialog.status.text()
        out["progress"] = dialog.progress.value()
        out["log_tail"] = dialog.log.toPlainText().splitlines()[-3:]
        shot(dialog, "install_dialog")
        provider = QgsApplication.processingRegistry().providerById("citysafety")
        out["after"] = sorted(a.id() for a in provider.algorithms())
        out["menu_entries"] = {a.objectName(): a.isEnabled() for a in plugin.menu.actions() if a.objectName()}
        out["messages_after"] = [w.text() for w in iface.messageBar().items()]
        import numpy

        out["numpy"] = numpy.__file__
        dialog.close()
        plugin.panel_action.trigger()  # the panel needs the geo stack: it opens now
        out["dock"] = plugin.dock is not None
    except Exception:
        out["error"] = traceback.format_exc()
    finish()


QTimer.singleShot(5000, before)

"""The "Install Python packages" dialog: what is missing, where it goes, pip's output and a
progress bar; online from PyPI or offline from a wheelhouse folder or zip.

The work is :func:`plugin.installer.install` on a worker thread; pip's lines and the progress
come back to the dialog through queued Qt signals. Needs only Qt and the standard library.
"""

from __future__ import annotations

import threading

from qgis.PyQt.QtCore import QObject, pyqtSignal
from qgis.PyQt.QtGui import QFont
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from .. import installer
from ..i18n import tr


class _Signals(QObject):
    line = pyqtSignal(str)
    progress = pyqtSignal(float)
    done = pyqtSignal(object)  # InstallResult or an exception


class InstallDialog(QDialog):
    """Emits :attr:`installed` after a successful install (the plugin then loads the algorithms)."""

    installed = pyqtSignal()

    def __init__(self, parent=None, not_importable=()):
        super().__init__(parent)
        #: packages present but failing to import (from the provider): named with the missing ones
        self.not_importable = list(not_importable)
        self.setObjectName("CitySafetyInstallDialog")
        self.setWindowTitle(tr("Install Python packages"))
        self.resize(760, 520)
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.result_: installer.InstallResult | None = None
        self.signals = _Signals()
        self.signals.line.connect(self._append)
        self.signals.progress.connect(lambda pct: self.progress.setValue(int(pct)))
        self.signals.done.connect(self._finished)

        layout = QVBoxLayout(self)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        profile = installer.profile_dir()
        self.target = QLabel(tr("Into: {}").format(installer.prefix_dir(profile) if profile else "?"), self)
        self.target.setWordWrap(True)
        self.target.setToolTip(tr("A folder of the plugin's own in the QGIS profile, used after QGIS's own packages: "
                                  "nothing QGIS has (numpy, GDAL, PROJ) is replaced."))
        layout.addWidget(self.target)

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Offline wheelhouse (empty: download from PyPI):"), self))
        self.wheelhouse = QLineEdit(self)
        self.wheelhouse.setObjectName("wheelhouse")
        self.wheelhouse.setPlaceholderText(tr("a folder or .zip of wheels from `make wheelhouse`"))
        row.addWidget(self.wheelhouse, 1)
        pick_zip = QPushButton(tr("Zip…"), self)
        pick_zip.clicked.connect(self._pick_zip)
        pick_dir = QPushButton(tr("Folder…"), self)
        pick_dir.clicked.connect(self._pick_dir)
        row.addWidget(pick_zip)
        row.addWidget(pick_dir)
        layout.addLayout(row)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.log = QPlainTextEdit(self)
        self.log.setObjectName("pip_output")
        self.log.setReadOnly(True)
        self.log.setFont(QFont("monospace"))
        layout.addWidget(self.log, 1)

        self.buttons = QDialogButtonBox(self)
        self.install_button = self.buttons.addButton(tr("Install"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.install_button.setObjectName("install")
        self.cancel_button = self.buttons.addButton(tr("Cancel installation"), QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(tr("Close"))
        self.install_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel.set)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.refresh_status()

    # -- state -----------------------------------------------------------------------------
    def refresh_status(self) -> installer.Check:
        status = installer.check()
        names = status.names() + [n for n in self.not_importable if not any(n in s for s in status.names())]
        if not names:
            self.status.setText(tr("Every package the plugin needs is present."))
        else:
            self.status.setText(tr("Missing or of another version: {}").format(", ".join(names)))
        return status

    def _pick_zip(self):
        path, _ = QFileDialog.getOpenFileName(self, tr("Wheelhouse zip"), "", tr("Wheelhouse zip (*.zip)"))
        if path:
            self.wheelhouse.setText(path)

    def _pick_dir(self):
        path = QFileDialog.getExistingDirectory(self, tr("Wheelhouse folder"))
        if path:
            self.wheelhouse.setText(path)

    def _append(self, line: str):
        self.log.appendPlainText(line)

    # -- running ---------------------------------------------------------------------------
    def start(self):
        """Run pip on a worker thread; the dialog stays responsive and can cancel."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._cancel.clear()
        self.log.clear()
        self.progress.setValue(0)
        self.install_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        wheelhouse = self.wheelhouse.text().strip() or None
        signals = self.signals

        def work():
            try:
                result = installer.install(wheelhouse=wheelhouse, on_line=signals.line.emit,
                                           on_progress=signals.progress.emit, is_canceled=self._cancel.is_set)
            except Exception as exc:  # reported in the dialog, never raised into QGIS
                signals.done.emit(exc)
                return
            signals.done.emit(result)

        self._thread = threading.Thread(target=work, name="csrm-install", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker ends (tests); True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _finished(self, outcome):
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.install_button.setEnabled(True)
        if isinstance(outcome, Exception):
            self._append(str(outcome))
            self.status.setText(str(outcome))
            return
        self.result_ = outcome
        if not outcome.ok:
            self.status.setText(installer.explain_failure(outcome))
            return
        self.progress.setValue(100)
        installer.activate()
        if self.refresh_status().ok:
            self.status.setText(tr("Installed. The algorithms are loaded; no restart is needed."))
        self.installed.emit()

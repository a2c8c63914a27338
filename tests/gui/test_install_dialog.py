"""The "Install Python packages" action: the dialog shows what is missing, pip's lines and a
progress bar, and a successful install loads the algorithms without a restart."""

from __future__ import annotations

import time

import pytest

from plugin import installer
from tests.common import registry_without_provider


@pytest.fixture
def loaded_plugin(qgis_app, qgis_iface, qgis_processing):
    from plugin.plugin import CitySafetyPlugin

    registry_without_provider()
    plugin = CitySafetyPlugin(qgis_iface)
    plugin.initGui()
    yield plugin
    plugin.unload()


def _wait(dialog, app, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end and not (dialog.wait(0.05) and dialog.install_button.isEnabled()):
        app.processEvents()
    app.processEvents()


def test_the_menu_action_opens_the_dialog_naming_the_target_folder(loaded_plugin, tmp_path, monkeypatch):
    monkeypatch.setenv(installer.PROFILE_ENV, str(tmp_path))
    action = loaded_plugin.install_action
    assert action is not None and action.isEnabled() and action.objectName() == "citysafety_install_packages"
    action.trigger()
    dialog = loaded_plugin.install_dialog
    assert dialog is not None and dialog.isVisible()
    assert str(installer.prefix_dir(tmp_path)) in dialog.target.text()
    assert dialog.status.text()  # present here (the dev venv): says so
    dialog.close()


def test_a_run_streams_pips_lines_and_progress_then_reloads_the_algorithms(loaded_plugin, qgis_app, monkeypatch,
                                                                           tmp_path):
    monkeypatch.setenv(installer.PROFILE_ENV, str(tmp_path))
    seen = {}

    def fake_install(wheelhouse=None, on_line=None, on_progress=None, is_canceled=None, **_):
        seen["wheelhouse"] = wheelhouse
        for i, line in enumerate(["Collecting python-calamine", "Installing collected packages: python-calamine",
                                  "Successfully installed python-calamine-0.9.1"]):
            on_line(line)
            on_progress(30.0 * (i + 1))
        return installer.InstallResult(0, tmp_path, [], False)

    monkeypatch.setattr(installer, "install", fake_install)
    dialog = loaded_plugin.open_installer()
    reloaded = []
    dialog.installed.connect(lambda: reloaded.append(True))
    dialog.wheelhouse.setText(str(tmp_path / "wheels.zip"))
    dialog.start()
    _wait(dialog, qgis_app)
    assert seen["wheelhouse"] == str(tmp_path / "wheels.zip")
    assert "Successfully installed python-calamine-0.9.1" in dialog.log.toPlainText()
    assert dialog.progress.value() == 100 and reloaded == [True]
    assert len(loaded_plugin.provider.algorithms()) == 19  # reloaded, all there
    dialog.close()


def test_a_failed_run_says_why_and_reloads_nothing(loaded_plugin, qgis_app, monkeypatch, tmp_path):
    monkeypatch.setenv(installer.PROFILE_ENV, str(tmp_path))

    def failing(**kwargs):
        kwargs["on_line"]("ERROR: ResolutionImpossible: numpy conflict")
        return installer.InstallResult(1, tmp_path, ["ERROR: ResolutionImpossible: numpy conflict"], False)

    monkeypatch.setattr(installer, "install", failing)
    dialog = loaded_plugin.open_installer()
    reloaded = []
    dialog.installed.connect(lambda: reloaded.append(True))
    dialog.start()
    _wait(dialog, qgis_app)
    assert not reloaded
    assert "pip" in dialog.status.text() and "QGIS" in dialog.status.text()
    assert dialog.close_button.isEnabled() and not dialog.cancel_button.isEnabled()
    dialog.close()

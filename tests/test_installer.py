"""The plugin's installer (plugin/installer.py): ranges, the private folder after QGIS's own
packages, constraints to what QGIS has, offline wheelhouses, failures that change nothing."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from plugin import installer
from tests.common import ROOT


def _wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel, built by hand (no build backend, no network)."""
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    files = {f"{name.replace('-', '_')}/__init__.py": f"VERSION = {version!r}\n",
             f"{dist}.dist-info/METADATA": meta,
             f"{dist}.dist-info/WHEEL": ("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                         "Tag: py3-none-any\n")}
    record = "".join(f"{n},,\n" for n in files) + f"{dist}.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for n, text in files.items():
            z.writestr(n, text)
        z.writestr(f"{dist}.dist-info/RECORD", record)
    return path


def _dist(folder: Path, name: str, version: str) -> None:
    info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_requirements_are_ranges_with_a_floor_and_a_ceiling():
    reqs = installer.read_requirements()
    names = {r.name for r in reqs}
    for must in ("numpy", "pandas", "geopandas", "shapely", "pyogrio", "pyproj", "rasterio", "networkx", "openpyxl",
                 "xlsxwriter", "python-calamine", "nanoarrow", "python-stdnum", "tomli"):
        assert must in names
    for r in reqs:
        ops = {op for op, _ in r.specs}
        assert "==" not in ops, f"{r.line}: a pin, not a range"
        assert ">=" in ops, f"{r.line}: no floor"
        if r.name != "numpy":  # numpy is QGIS's own, whatever it is
            assert "<" in ops or r.name in ("tomli", "affine"), f"{r.line}: no ceiling"
    tomli = next(r for r in reqs if r.name == "tomli")
    assert tomli.applies == (sys.version_info < (3, 11))  # the marker is evaluated for this Python
    # the ends the lanes run
    pandas = next(r for r in reqs if r.name == "pandas")
    assert pandas.allows("2.2.3") and pandas.allows("3.1.1") and not pandas.allows("1.5.3")
    assert next(r for r in reqs if r.name == "geopandas").allows("1.0.1")
    assert next(r for r in reqs if r.name == "shapely").allows("2.0.7")


def test_check_names_what_is_missing_and_what_is_out_of_range(tmp_path):
    _dist(tmp_path, "pandas", "1.5.3")
    _dist(tmp_path, "shapely", "2.1.2")
    reqs = [installer.Requirement("pandas", [(">=", "2.0"), ("<", "4")], line="pandas>=2.0,<4"),
            installer.Requirement("shapely", [(">=", "2.0")], line="shapely>=2.0"),
            installer.Requirement("geopandas", [(">=", "1.0")], line="geopandas>=1.0")]
    got = installer.check(reqs, paths=[str(tmp_path)])
    assert [r.name for r in got.missing] == ["geopandas"]
    assert [(r.name, v) for r, v, _ in got.wrong] == [("pandas", "1.5.3")]
    assert not got.ok and got.names() == ["geopandas>=1.0", "pandas>=2.0,<4 (1.5.3)"]


def test_the_private_folder_goes_after_everything_already_on_the_path(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = list(sys.path)
    assert installer.activate(tmp_path) == []  # nothing installed: nothing added
    site = installer.site_dirs(installer.prefix_dir(tmp_path))[0]
    site.mkdir(parents=True)
    assert installer.activate(tmp_path) == [str(site)]
    assert sys.path[: len(before)] == before and sys.path[-1] == str(site)
    assert installer.activate(tmp_path) == []  # once
    assert installer.prefix_dir(tmp_path).relative_to(tmp_path).parts[:3] == ("python", "dependencies",
                                                                              "city_safety_risk_map")


def test_constraints_pin_what_this_python_already_has(tmp_path):
    import numpy

    pins = installer.constraints()
    assert f"numpy=={numpy.__version__}" in pins
    assert all("==" in p for p in pins if not p.startswith("affine"))
    # rasterio 1.4 (PyPI's newest) needs affine < 3; a QGIS with rasterio 1.5 (Debian forky) does not
    _dist(tmp_path / "a", "rasterio", "1.4.4")
    _dist(tmp_path / "b", "rasterio", "1.5.2")
    assert installer.compat_constraints(installer.installed([str(tmp_path / "a")])) == ["affine<3"]
    assert installer.compat_constraints(installer.installed([str(tmp_path)])) == ["affine<3"]  # nothing there
    assert installer.compat_constraints(installer.installed([str(tmp_path / "b")])) == []
    _dist(tmp_path / "c", "affine", "3.0.1")  # an affine QGIS has is pinned as it is, not ranged
    assert installer.compat_constraints(installer.installed([str(tmp_path / "c")])) == []


@pytest.fixture
def probe(tmp_path):
    """A wheelhouse zip with one small package, and requirements naming it and numpy."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "csrm-probe", "1.2.0", requires=("numpy>=1.0",))
    zipped = tmp_path / "wheelhouse.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for w in wheels.iterdir():
            z.write(w, f"some/folder/{w.name}")
    req = tmp_path / "requirements.txt"
    req.write_text("csrm-probe>=1.0,<2\nnumpy>=1.0\n")
    return zipped, req


def test_offline_install_adds_the_missing_package_and_never_a_second_numpy(tmp_path, probe):
    zipped, req = probe
    lines, progress = [], []
    result = installer.install(tmp_path / "profile", wheelhouse=zipped, requirements=req, on_line=lines.append,
                               on_progress=progress.append)
    assert result.ok, "\n".join(result.log[-20:])
    site = next(s for s in installer.site_dirs(result.prefix) if s.is_dir())
    assert (site / "csrm_probe" / "__init__.py").is_file()
    assert not list(site.glob("numpy*")), "numpy was installed beside QGIS's"
    assert progress[-1] == 100 and any("csrm-probe" in line or "csrm_probe" in line for line in lines)
    assert any("--no-index" in line for line in lines)  # offline: the index was never asked
    # a second run finds everything present: pip is not even started
    again = installer.install(tmp_path / "profile", wheelhouse=zipped.parent / "wheels", requirements=req)
    assert again.ok and again.nothing_to_do and any("nothing to install" in line for line in again.log)
    # a newer floor upgrades the plugin's own copy (never one QGIS has)
    _wheel(zipped.parent / "wheels", "csrm-probe", "1.5.0", requires=("numpy>=1.0",))
    req.write_text("csrm-probe>=1.5,<2\nnumpy>=1.0\n")
    newer = installer.install(tmp_path / "profile", wheelhouse=zipped.parent / "wheels", requirements=req)
    assert newer.ok, "\n".join(newer.log[-20:])
    assert (site / "csrm_probe" / "__init__.py").read_text() == "VERSION = '1.5.0'\n"


def test_a_distributor_build_without_a_version_counts_as_present(tmp_path):
    _dist(tmp_path, "shapely", "0+unknown")  # Debian forky's python3-shapely
    req = installer.Requirement("shapely", [(">=", "2.0"), ("<", "3")], line="shapely>=2.0,<3")
    assert installer.check([req], paths=[str(tmp_path)]).ok
    assert installer.unknown_version("0+unknown") and not installer.unknown_version("2.1.1")


def test_a_range_only_another_numpy_could_satisfy_fails_and_changes_nothing(tmp_path, probe):
    zipped, _ = probe
    req = tmp_path / "needs_new_numpy.txt"
    req.write_text("csrm-probe>=1.0\nnumpy>=99\n")
    result = installer.install(tmp_path / "profile", wheelhouse=zipped, requirements=req)
    assert not result.ok
    message = installer.explain_failure(result)
    assert "pip" in message and "QGIS" in message and "numpy" in message
    assert not any(s.exists() and any(s.iterdir()) for s in installer.site_dirs(result.prefix))


def test_cancel_stops_pip_and_installs_nothing(tmp_path, probe):
    zipped, req = probe
    result = installer.install(tmp_path / "profile", wheelhouse=zipped, requirements=req, is_canceled=lambda: True)
    assert result.canceled and not result.ok
    assert "取消" in installer.explain_failure(result) and "canceled" in installer.explain_failure(result)
    assert not any(s.exists() and any(s.iterdir()) for s in installer.site_dirs(result.prefix))


def test_a_wheelhouse_that_is_neither_folder_nor_zip_is_refused_in_both_languages(tmp_path):
    bad = tmp_path / "wheels.txt"
    bad.write_text("not a zip")
    with pytest.raises(installer.InstallError, match=r"离线安装包.*wheelhouse"):
        installer.install(tmp_path / "profile", wheelhouse=bad)


def test_the_interpreter_found_is_this_one():
    exe = installer.python_executable()
    out = subprocess.run([exe, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True).stdout.strip()
    assert os.path.realpath(out) == os.path.realpath(sys.prefix)


def test_wheelhouse_resolves_for_every_qgis_platform():
    """`make wheelhouse` for QGIS on Windows (Python 3.9 and 3.12), Debian 12, trixie, forky
    and macOS: every requirement resolves to wheels with that QGIS's numpy (metadata only)."""
    import shutil

    if not (shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")):
        pytest.skip("uv is a development tool (requirements-dev.txt), not in the user and LTR lanes")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import wheelhouse
    finally:
        sys.path.pop(0)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        got = dict(zip(wheelhouse.TARGETS, pool.map(lambda t: wheelhouse.resolve(*t), wheelhouse.TARGETS)))
    for (platform, python, numpy), pins in got.items():
        assert pins["numpy"] == numpy, (platform, python)
        for req in installer.read_requirements():
            if req.name == "tomli":
                assert ("tomli" in pins) == (python == "3.9"), (platform, python)
                continue
            assert req.name in pins and req.allows(pins[req.name]), (platform, python, req.line, pins.get(req.name))
    assert got[("win_amd64", "3.9", "1.22.4")]["geopandas"].startswith("1.0")
    assert got[("linux_x86_64", "3.14", "2.4.6")]["pandas"] >= "3"


def test_the_plugin_code_runs_on_python_3_9():
    """QGIS 3.22–3.28 on Windows ship Python 3.9: no syntax, module or argument of a later
    Python in what ships (vermin, annotations evaluated as they would be at run time)."""
    vermin = Path(sys.executable).parent / "vermin"
    if not vermin.exists():
        pytest.skip("vermin is a development tool (requirements-dev.txt), not in the user and LTR lanes")
    proc = subprocess.run([str(vermin), "-t=3.9-", "--violations", "--no-tips", "--eval-annotations",
                           str(ROOT / "plugin"), str(ROOT / "__init__.py")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]

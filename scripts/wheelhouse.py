"""Build an offline wheelhouse of the plugin's Python packages for one QGIS platform.

    make wheelhouse PLATFORM=win_amd64 PYTHON=3.12 [NUMPY=1.26.4]
    python scripts/wheelhouse.py --platform win_amd64 --python 3.12 [--numpy …] [--check]

An intranet QGIS has no PyPI: copy the zip there and give it to the plugin's "Install Python
packages" dialog (or ``qgis_process run citysafety:install_packages --WHEELHOUSE=…``). Wheels
only, resolved for the target's platform and Python and for the numpy that QGIS ships there
(``--numpy``; in QGIS's Python console: ``import numpy; numpy.__version__``), since the
installer never replaces it. numpy itself is left out of the zip: the target QGIS has it.

Resolution is uv's (``uv pip compile --python-version --python-platform``), the download
pip's (``pip download --no-deps --only-binary :all:`` of that exact list): pip evaluates the
packages' environment markers against the Python it runs on, not the target's, so for
Python 3.9 it wrongly applies pandas' ``numpy>=1.23.2; python_version>="3.11"`` and drops
our ``tomli; python_version<"3.11"`` (seen here); uv evaluates them for the target.
``--check`` only resolves; the tests run it for every target in :data:`TARGETS`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from plugin import installer

REQUIREMENTS = ROOT / "requirements.txt"

#: Short platform names → (uv's name of it, pip's platform tags).
PLATFORMS = {
    "win_amd64": ("x86_64-pc-windows-msvc", ["win_amd64"]),
    "linux_x86_64": ("x86_64-manylinux_2_28",
                     ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"]),
    "macos_arm64": ("aarch64-apple-darwin",
                    ["macosx_14_0_arm64", "macosx_13_0_arm64", "macosx_12_0_arm64", "macosx_11_0_arm64"]),
    "macos_x86_64": ("x86_64-apple-darwin", ["macosx_13_0_x86_64", "macosx_12_0_x86_64", "macosx_11_0_x86_64",
                                             "macosx_10_15_x86_64", "macosx_10_9_x86_64"]),
}
#: The numpy QGIS brings with each Python it ships (when --numpy is not given).
NUMPY_OF_PYTHON = {"3.9": "1.22.4", "3.11": "1.24.2", "3.12": "1.26.4", "3.13": "2.2.4", "3.14": "2.4.6"}
#: The targets the tests resolve: (platform, Python, numpy) of the QGIS builds users run —
#: QGIS 3.22–3.28 on Windows (Python 3.9), Debian 12's 3.22 (3.11, numpy 1.24), Windows
#: 3.34–3.44 (3.12), Debian trixie's 3.40 (3.13), Debian forky's 3.44 (3.14, numpy 2.4), macOS.
TARGETS = [("win_amd64", "3.9", "1.22.4"), ("linux_x86_64", "3.11", "1.24.2"), ("win_amd64", "3.12", "1.26.4"),
           ("linux_x86_64", "3.13", "2.2.4"), ("linux_x86_64", "3.14", "2.4.6"), ("macos_arm64", "3.12", "1.26.4")]


def uv() -> str:
    """The uv of the development venv (requirements-dev.txt)."""
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        raise SystemExit("uv is needed (make setup installs it into .venv)")
    return found


def resolve(platform: str, python: str, numpy: str, extra: Path | None = None) -> dict[str, str]:
    """The exact versions the target gets: name → version (uv, metadata only)."""
    if platform not in PLATFORMS:
        raise SystemExit(f"unknown platform {platform!r}: one of {', '.join(PLATFORMS)}")
    with tempfile.TemporaryDirectory() as tmp:
        cfile = Path(tmp) / "c.txt"
        # a fresh target has no rasterio of its own: the installer's COMPAT ranges apply
        compat = "".join(f"{c}\n" for c in installer.compat_constraints({}))
        cfile.write_text(f"numpy=={numpy}\n{compat}" + (extra.read_text() if extra else ""))
        proc = subprocess.run([uv(), "pip", "compile", str(REQUIREMENTS), "--constraint", str(cfile),
                               "--python-version", python, "--python-platform", PLATFORMS[platform][0],
                               "--only-binary", ":all:", "--no-header", "--no-annotate", "--quiet"],
                              capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"resolution failed for {platform} Python {python} numpy {numpy}:\n{proc.stderr}")
    pins = {}
    for line in proc.stdout.splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pins[name.lower()] = version
    return pins


def build(platform: str, python: str, numpy: str, out: Path, extra: Path | None = None) -> Path:
    """Download the wheels and zip them: ``out/city_safety_risk_map-wheels-<platform>-py<python>.zip``."""
    name = f"city_safety_risk_map-wheels-{platform}-py{python}"
    folder = out / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    pins = {name: version for name, version in resolve(platform, python, numpy, extra).items() if name != "numpy"}
    with tempfile.TemporaryDirectory() as tmp:
        lock = Path(tmp) / "lock.txt"  # numpy left out: the target QGIS has its own
        lock.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
               "--python-version", python, "--implementation", "cp", "--dest", str(folder),
               "--requirement", str(lock), "--disable-pip-version-check"]
        for tag in PLATFORMS[platform][1]:
            cmd += ["--platform", tag]
        subprocess.run(cmd, check=True)
    target = out / f"{name}.zip"
    part = target.with_suffix(".zip.part")
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_STORED) as z:
        for wheel in sorted(folder.glob("*.whl")):
            z.write(wheel, wheel.name)
        z.writestr("README.txt", f"Wheels of City Safety Risk Map's requirements.txt for {platform}, Python {python}, "
                   f"with QGIS's numpy {numpy}. Give this zip to the plugin's “Install Python packages” dialog.\n")
    part.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--platform", default="linux_x86_64", choices=sorted(PLATFORMS))
    ap.add_argument("--python", default=f"{sys.version_info[0]}.{sys.version_info[1]}")
    ap.add_argument("--numpy", help="the numpy version of the target QGIS (default: by Python version)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "wheelhouse")
    ap.add_argument("--constraint", type=Path, help="more constraints (pip's format), e.g. the lowest versions")
    ap.add_argument("--check", action="store_true", help="only resolve, print the versions")
    args = ap.parse_args(argv)
    numpy = args.numpy or NUMPY_OF_PYTHON.get(args.python)
    if not numpy:
        ap.error(f"--numpy is needed for Python {args.python}")
    if args.check:
        for name, version in sorted(resolve(args.platform, args.python, numpy, args.constraint).items()):
            print(f"{name}=={version}")
        return 0
    target = build(args.platform, args.python, numpy, args.out, args.constraint)
    n = len(zipfile.ZipFile(target).namelist()) - 1
    print(f"{target}: {n} wheels, {target.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

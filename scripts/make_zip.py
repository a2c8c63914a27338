"""Build dist/city_safety_risk_map.zip for the QGIS plugin manager.

One top folder ``city_safety_risk_map/`` with the files git tracks, minus development
files, plus the compiled translations. Python's zipfile marks non-ASCII names as UTF-8
(Info-ZIP's zip does not here, and 01_危险化学品.xlsx would arrive garbled).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "city_safety_risk_map"
EXCLUDE_PREFIXES = ("tests/", "scripts/", "tools/", ".ci/", "docs/")
EXCLUDE_FILES = {".gitignore", "Makefile", "pytest.ini", "pyproject.toml", "requirements-dev.txt",
                 "requirements-lock.txt"}


def files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    names = [n for n in out.decode("utf-8").split("\0") if n]
    keep = [n for n in names if not n.startswith(EXCLUDE_PREFIXES) and n not in EXCLUDE_FILES]
    keep += [str(p.relative_to(ROOT)) for p in sorted((ROOT / "i18n").glob("*.qm"))]
    return [n for n in keep if not refused(n)]


def refused(name: str) -> bool:
    """What plugins.qgis.org refuses in a plugin zip (a .pyc; a __pycache__, __MACOSX or .git
    folder; '..' in a name), or a user never needs (a hidden file), should one ever be tracked."""
    parts = name.split("/")
    return ".pyc" in name or ".." in name or any(p.startswith(".") or p in ("__pycache__", "__MACOSX") for p in parts)


def main() -> int:
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    target = dist / f"{PLUGIN}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in files():
            z.write(ROOT / name, f"{PLUGIN}/{name}")
    tmp.replace(target)
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

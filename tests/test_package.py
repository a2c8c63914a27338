"""The repository root is an installable QGIS plugin folder (docs/engineering.md §5)."""

import configparser
import subprocess
import zipfile

from tests.common import ROOT

REQUIRED_METADATA = ("name", "qgisMinimumVersion", "qgisMaximumVersion", "description", "about", "version",
                     "author", "email", "repository", "tracker", "homepage", "hasProcessingProvider",
                     "category", "tags", "icon", "experimental", "changelog")


def metadata():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ROOT / "metadata.txt", encoding="utf-8")
    return cp["general"]


def test_metadata_fields():
    meta = metadata()
    missing = [k for k in REQUIRED_METADATA if not meta.get(k)]
    assert missing == []
    assert meta["qgisMinimumVersion"] == "3.22" and meta["qgisMaximumVersion"] == "4.99"
    assert meta["hasProcessingProvider"] == "yes"
    assert (ROOT / meta["icon"]).is_file()


def test_version_matches_changelog():
    version = metadata()["version"]
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_plugin_folder_files():
    for name in ("metadata.txt", "__init__.py", "LICENSE", "CHANGELOG.md", "README.md", "requirements.txt",
                 "Makefile", ".ci/run"):
        assert (ROOT / name).is_file(), name
    assert "GNU GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index("make demo") < readme.index("## ") and readme.index("make test") < readme.index("## ")


def test_release_zip(tmp_path):
    subprocess.run(["make", "-s", "zip"], cwd=ROOT, check=True, capture_output=True, timeout=120)
    with zipfile.ZipFile(ROOT / "dist" / "city_safety_risk_map.zip") as z:
        names = z.namelist()
    assert {n.split("/")[0] for n in names} == {"city_safety_risk_map"}
    for required in ("metadata.txt", "__init__.py", "LICENSE", "i18n/city_safety_risk_map_zh.qm",
                     "resources/reference/gb18218_2018_table1.csv", "resources/sample/01_危险化学品.xlsx"):
        assert f"city_safety_risk_map/{required}" in names, required
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/.git" in n or "/tests/" in n]
    assert (ROOT / "dist" / "city_safety_risk_map.zip").stat().st_size < 25 * 2**20

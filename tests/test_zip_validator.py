"""The release zip (``make zip``) passes the upload checks of plugins.qgis.org.

The rules below are our own code, written from reading the repository's sources: qgis/QGIS-Django,
qgis-app/plugins/validator.py (the package checks) with forms.py, views.py, api.py and models.py
(which add the rest on upload), at commit f2b9bd9 (2025-02-11). Each rule is a function that
returns its problems (empty when the package passes) and is its own test on the release zip; the
negative tests build small zips that break one rule each, so every check is shown to fail.

Left out: the site's HEAD request to the tracker/repository/homepage URLs (reachability; ours are
placeholders) and what depends on the site's database (a unique name, a new version number).
Two rules are ours, not the site's, and say so: no hidden files, and requirements.txt at the root.
"""

from __future__ import annotations

import codecs
import configparser
import dataclasses
import io
import re
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.common import ROOT

ZIP = ROOT / "dist" / "city_safety_risk_map.zip"

MAX_SIZE = 25_000_000  # bytes (validator.py PLUGIN_MAX_UPLOAD_SIZE, "25 mb")
REQUIRED_METADATA = ("name", "description", "version", "qgisMinimumVersion", "author", "email", "about",
                     "tracker", "repository")
# The URLs checked, each with the placeholder of the plugin templates that the site refuses.
URL_METADATA = {"tracker": "http://bugs", "repository": "http://repo", "homepage": "http://homepage"}
URL_SCHEMES = ("http", "https", "ftp", "ftps")  # Django's URLField (models.py)
BOOLEAN_METADATA = ("experimental", "deprecated", "server")
FORBIDDEN_DIRS = ("__MACOSX", ".git", "__pycache__")
# Column sizes of the site's database (models.py); a longer value fails when it is saved.
MAX_LENGTHS = {"name": 256, "author": 256, "email": 254, "version": 32, "qgisMinimumVersion": 32,
               "qgisMaximumVersion": 32, "external_deps": 512}


@dataclasses.dataclass(frozen=True)
class Package:
    """A plugin zip as the site reads it."""

    size: int
    is_zip: bool
    names: tuple[str, ...]
    bad_crc: str | None  # the first member whose CRC fails (ZipFile.testzip)
    top: str  # the folder of the first member: the site's package name
    metadata: dict[str, str] | None  # [general] of <top>/metadata.txt; None if missing or unreadable
    metadata_error: str | None


def read_package(path: Path) -> Package:
    size = path.stat().st_size
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return Package(size, False, (), None, "", None, "not a zip file")
    with z:
        names = tuple(z.namelist())
        bad_crc = z.testzip()
        top = names[0].split("/")[0] if names and "/" in names[0] else ""
        metadata, error = None, None
        member = f"{top}/metadata.txt"
        if member not in names:
            error = f"no {member}"
        else:
            # As the site parses it: UTF-8, keys case-sensitive, the default (%-)interpolation.
            parser = configparser.ConfigParser()
            parser.optionxform = str
            try:
                parser.read_file(io.StringIO(codecs.decode(z.read(member), "utf8")))
                if not parser.has_section("general"):
                    error = f"no [general] section in {member}"
                else:
                    metadata = {k: v.strip() for k, v in parser.items("general")}
            except (UnicodeDecodeError, configparser.Error) as e:
                error = f"{member} does not parse: {e}"
    return Package(size, True, names, bad_crc, top, metadata, error)


# --- the rules: each returns its problems, [] when the package passes ------------------------

def rule_size(p: Package) -> list[str]:
    """at most 25,000,000 bytes"""
    return [f"{p.size:,} bytes > {MAX_SIZE:,}"] if p.size > MAX_SIZE else []


def rule_is_zip(p: Package) -> list[str]:
    """the file opens as a zip"""
    return [] if p.is_zip else ["does not open as a zip"]


def rule_crc(p: Package) -> list[str]:
    """every member reads back with a good CRC (ZipFile.testzip)"""
    return [f"bad CRC: {p.bad_crc}"] if p.bad_crc else []


def rule_no_path_information(p: Package) -> list[str]:
    """no member name holds '..' (anywhere) or starts with '/'"""
    return [n for n in p.names if ".." in n or n.startswith("/")]


def rule_no_pyc(p: Package) -> list[str]:
    """no member name holds '.pyc' (anywhere in the name)"""
    return [n for n in p.names if ".pyc" in n]


def rule_no_forbidden_folders(p: Package) -> list[str]:
    """no __MACOSX, .git or __pycache__ folder (or file) at any depth"""
    return [n for n in p.names if set(n.split("/")) & set(FORBIDDEN_DIRS)]


def rule_one_top_folder(p: Package) -> list[str]:
    """everything in one top folder (the site keeps only the first folder's plugin)"""
    if not p.names:
        return ["empty zip"]
    tops = sorted({n.split("/")[0] for n in p.names})
    problems = [] if len(tops) == 1 else [f"top-level entries: {', '.join(tops)}"]
    if "/" not in p.names[0]:
        problems.append(f"the first member {p.names[0]!r} is not inside a folder")
    return problems


def rule_folder_name(p: Package) -> list[str]:
    """the top folder's name is PEP 8 ([a-z_][a-z0-9_]*, for a new plugin) and [A-Za-z][A-Za-z0-9-_]+"""
    if not p.top:
        return []  # rule_one_top_folder reports it
    ok = re.fullmatch(r"[a-z_][a-z0-9_]*", p.top) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]+", p.top)
    return [] if ok else [f"top folder {p.top!r}"]


def rule_init_py(p: Package) -> list[str]:
    """__init__.py in the top folder"""
    return [] if f"{p.top}/__init__.py" in p.names else [f"no {p.top}/__init__.py"]


def rule_license(p: Package) -> list[str]:
    """a file named exactly LICENSE in the top folder (mandatory since June 2024)"""
    return [] if f"{p.top}/LICENSE" in p.names else [f"no {p.top}/LICENSE"]


def rule_metadata_txt(p: Package) -> list[str]:
    """metadata.txt in the top folder, UTF-8, parsed by configparser (no stray '%', no duplicate key)
    with a [general] section (metadata in __init__.py alone is deprecated)"""
    return [p.metadata_error] if p.metadata_error else []


def rule_required_metadata(p: Package) -> list[str]:
    """name, description, version, qgisMinimumVersion, author, email, about, tracker, repository
    are there and not empty"""
    if p.metadata is None:
        return []  # rule_metadata_txt reports it
    return [f"missing or empty: {k}" for k in REQUIRED_METADATA if not p.metadata.get(k)]


def rule_urls(p: Package) -> list[str]:
    """tracker, repository and homepage are URLs with a scheme and a host, not the templates'
    http://bugs, http://repo, http://homepage (the site also refuses a missing homepage)"""
    if p.metadata is None:
        return []
    problems = []
    for key, placeholder in URL_METADATA.items():
        url = p.metadata.get(key, "")
        parsed = urlparse(url)
        if url == placeholder or parsed.scheme not in URL_SCHEMES or not parsed.netloc or " " in url:
            problems.append(f"{key}={url!r}")
    return problems


def rule_author(p: Package) -> list[str]:
    """author holds no '/'"""
    if p.metadata is None:
        return []
    return [f"author={p.metadata['author']!r}"] if "/" in p.metadata.get("author", "") else []


def rule_email(p: Package) -> list[str]:
    """email is one e-mail address (the site stores it in an EmailField)"""
    if p.metadata is None or "email" not in p.metadata:
        return []
    email = p.metadata["email"]
    return [] if re.fullmatch(r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}", email) else [f"email={email!r}"]


def rule_version(p: Package) -> list[str]:
    """version is 1 to 4 dot-separated numbers of up to 3 digits: the site keeps only the last
    space-separated word, and orders versions by their first four parts padded to 3 digits (so a
    4-digit part would sort below 999)"""
    if p.metadata is None or "version" not in p.metadata:
        return []
    v = p.metadata["version"]
    return [] if re.fullmatch(r"\d{1,3}(\.\d{1,3}){0,3}", v) else [f"version={v!r}"]


def rule_qgis_versions(p: Package) -> list[str]:
    """qgisMinimumVersion (and qgisMaximumVersion if given) are x.y or x.y.z; the minimum is at
    least 1.8 (below it the site wants the metadata in __init__.py too) and the maximum not
    below it"""
    if p.metadata is None:
        return []
    problems, parsed = [], {}
    for key in ("qgisMinimumVersion", "qgisMaximumVersion"):
        v = p.metadata.get(key)
        if v is None:
            continue
        if re.fullmatch(r"\d+\.\d+(\.\d+)?", v):
            parsed[key] = tuple(int(x) for x in v.split("."))
        else:
            problems.append(f"{key}={v!r}")
    low, high = parsed.get("qgisMinimumVersion"), parsed.get("qgisMaximumVersion")
    if low is not None and low < (1, 8):
        problems.append(f"qgisMinimumVersion={p.metadata['qgisMinimumVersion']} < 1.8")
    if low is not None and high is not None and high < low:
        problems.append("qgisMaximumVersion < qgisMinimumVersion")
    return problems


def rule_boolean_flags(p: Package) -> list[str]:
    """experimental, deprecated and server are true/false (the site reads anything but 'true' or
    '1' as false, so a 'yes' would silently publish a stable plugin)"""
    if p.metadata is None:
        return []
    return [f"{k}={p.metadata[k]!r}" for k in BOOLEAN_METADATA
            if k in p.metadata and p.metadata[k].lower() not in ("true", "false", "1", "0")]


def rule_lengths(p: Package) -> list[str]:
    """name, author, email, version, QGIS versions and external_deps fit the site's columns"""
    if p.metadata is None:
        return []
    return [f"{k}: {len(p.metadata[k])} > {n} characters" for k, n in MAX_LENGTHS.items()
            if len(p.metadata.get(k, "")) > n]


def rule_icon(p: Package) -> list[str]:
    """the icon named in metadata is in the zip (the site silently drops a missing one)"""
    if p.metadata is None or not p.metadata.get("icon"):
        return []
    icon = p.metadata["icon"].removeprefix("./")
    return [] if f"{p.top}/{icon}" in p.names else [f"icon {icon!r} not in the zip"]


def rule_no_hidden_files(p: Package) -> list[str]:
    """(ours) no hidden file or folder: the site forbids only .git, but a dot file is never meant
    for users"""
    return [n for n in p.names if any(part.startswith(".") and part not in (".", "..") for part in n.split("/"))]


def rule_requirements_txt(p: Package) -> list[str]:
    """(ours) requirements.txt at the top folder: the plugin's messages and installer point at it"""
    return [] if f"{p.top}/requirements.txt" in p.names else [f"no {p.top}/requirements.txt"]


RULES = [rule_size, rule_is_zip, rule_crc, rule_no_path_information, rule_no_pyc, rule_no_forbidden_folders,
         rule_one_top_folder, rule_folder_name, rule_init_py, rule_license, rule_metadata_txt,
         rule_required_metadata, rule_urls, rule_author, rule_email, rule_version, rule_qgis_versions,
         rule_boolean_flags, rule_lengths, rule_icon, rule_no_hidden_files, rule_requirements_txt]


def failures(path: Path) -> dict[str, list[str]]:
    """The rules a zip breaks, by name, with their problems."""
    package = read_package(path)
    return {rule.__name__: problems for rule in RULES if (problems := rule(package))}


# --- the release zip ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def release() -> Package:
    """dist/city_safety_risk_map.zip, built by `make zip` as a user would."""
    done = subprocess.run(["make", "-s", "zip"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"make zip failed:\n{done.stdout}\n{done.stderr}"
    return read_package(ZIP)


@pytest.mark.parametrize("rule", RULES, ids=[r.__name__.removeprefix("rule_") for r in RULES])
def test_release_zip(release, rule):
    problems = rule(release)
    assert problems == [], f"{ZIP.name} breaks the rule: {rule.__doc__}\n" + "\n".join(problems[:20])


def test_release_zip_is_the_plugin(release):
    assert release.top == "city_safety_risk_map"
    assert release.metadata is not None
    assert release.metadata["version"] == metadata_version()


def metadata_version() -> str:
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ROOT / "metadata.txt", encoding="utf-8")
    return cp["general"]["version"]


# --- the checks can fail: small zips that break one rule each ----------------------------------

GOOD_METADATA = """\
[general]
name=Good Plugin
qgisMinimumVersion=3.22
qgisMaximumVersion=3.99
description=A plugin that passes.
about=It passes every rule.
version=1.2.3
author=Someone
email=someone@example.org
repository=https://example.org/good
tracker=https://example.org/good/issues
homepage=https://example.org/good
icon=icon.svg
experimental=False
"""


def good_files(top: str = "good_plugin", metadata: str = GOOD_METADATA) -> dict[str, bytes]:
    return {f"{top}/__init__.py": b"def classFactory(iface):\n    pass\n",
            f"{top}/metadata.txt": metadata.encode("utf-8"),
            f"{top}/LICENSE": b"GPL\n",
            f"{top}/requirements.txt": b"numpy\n",
            f"{top}/icon.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>\n"}


def write_zip(path: Path, files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def with_metadata(key: str, value: str | None) -> dict[str, bytes]:
    """The good files with one metadata line changed (value None: removed)."""
    lines = [ln for ln in GOOD_METADATA.splitlines() if not ln.startswith(f"{key}=")]
    if value is not None:
        lines.append(f"{key}={value}")
    return good_files(metadata="\n".join(lines) + "\n")


def without(name: str) -> dict[str, bytes]:
    files = good_files()
    del files[f"good_plugin/{name}"]
    return files


def plus(name: str, data: bytes = b"x") -> dict[str, bytes]:
    return {**good_files(), name: data}


BAD_ZIPS = {
    "missing email": (with_metadata("email", None), {"rule_required_metadata"}),
    "empty about": (with_metadata("about", ""), {"rule_required_metadata"}),
    "missing tracker": (with_metadata("tracker", None), {"rule_required_metadata", "rule_urls"}),
    "a .pyc": (plus("good_plugin/plugin/core.pyc"), {"rule_no_pyc"}),
    "a __pycache__ folder": (plus("good_plugin/plugin/__pycache__/x.txt"), {"rule_no_forbidden_folders"}),
    "a .git folder": (plus("good_plugin/.git/HEAD"), {"rule_no_forbidden_folders", "rule_no_hidden_files"}),
    "a hidden file": (plus("good_plugin/.gitignore"), {"rule_no_hidden_files"}),
    "__MACOSX at the root": (plus("__MACOSX/good_plugin/._x"),
                             {"rule_no_forbidden_folders", "rule_one_top_folder", "rule_no_hidden_files"}),
    "two top folders": (plus("other_plugin/readme.txt"), {"rule_one_top_folder"}),
    "a file at the root": (plus("readme.txt"), {"rule_one_top_folder"}),
    "'..' in a name": (plus("good_plugin/../evil.py"), {"rule_no_path_information"}),
    "an absolute name": (plus("/etc/evil.py"), {"rule_no_path_information", "rule_one_top_folder"}),
    "no LICENSE": (without("LICENSE"), {"rule_license"}),
    "LICENSE.txt instead of LICENSE": ({**without("LICENSE"), "good_plugin/LICENSE.txt": b"GPL\n"},
                                       {"rule_license"}),
    "no __init__.py": (without("__init__.py"), {"rule_init_py"}),
    "no requirements.txt": (without("requirements.txt"), {"rule_requirements_txt"}),
    "icon not in the zip": (without("icon.svg"), {"rule_icon"}),
    "no metadata.txt": (without("metadata.txt"), {"rule_metadata_txt"}),
    "no [general] section": (good_files(metadata=GOOD_METADATA.replace("[general]", "[plugin]")),
                             {"rule_metadata_txt"}),
    "a stray % in about": (with_metadata("about", "100% tested"), {"rule_metadata_txt"}),
    "a duplicate key": (good_files(metadata=GOOD_METADATA + "name=Again\n"), {"rule_metadata_txt"}),
    "metadata not UTF-8": ({**good_files(),
                            "good_plugin/metadata.txt": (GOOD_METADATA + "tags=风险\n").encode("gb18030")},
                           {"rule_metadata_txt"}),
    "capitals in the folder name": (good_files(top="Good_Plugin"), {"rule_folder_name"}),
    "a dash in the folder name": (good_files(top="good-plugin"), {"rule_folder_name"}),
    "the templates' tracker": (with_metadata("tracker", "http://bugs"), {"rule_urls"}),
    "a URL with no scheme": (with_metadata("repository", "example.org/good"), {"rule_urls"}),
    "a broken scheme": (with_metadata("tracker", "https  ://example.org/good"), {"rule_urls"}),
    "no homepage": (with_metadata("homepage", None), {"rule_urls"}),
    "a slash in author": (with_metadata("author", "Alice/Bob"), {"rule_author"}),
    "two e-mails": (with_metadata("email", "a@example.org, b@example.org"), {"rule_email"}),
    "a word in the version": (with_metadata("version", "version 1.2"), {"rule_version"}),
    "a 4-digit version part": (with_metadata("version", "2024.1"), {"rule_version"}),
    "QGIS version with one part": (with_metadata("qgisMinimumVersion", "3"), {"rule_qgis_versions"}),
    "QGIS minimum below 1.8": (with_metadata("qgisMinimumVersion", "1.6"), {"rule_qgis_versions"}),
    "maximum below minimum": (with_metadata("qgisMaximumVersion", "3.10"), {"rule_qgis_versions"}),
    "experimental=yes": (with_metadata("experimental", "yes"), {"rule_boolean_flags"}),
    "a name too long": (with_metadata("name", "N" * 257), {"rule_lengths"}),
}


def test_a_good_zip_passes(tmp_path):
    assert failures(write_zip(tmp_path / "good.zip", good_files())) == {}


@pytest.mark.parametrize("case", list(BAD_ZIPS))
def test_a_bad_zip_fails(tmp_path, case):
    files, expected = BAD_ZIPS[case]
    found = failures(write_zip(tmp_path / "bad.zip", files))
    assert set(found) == expected, found


def test_a_corrupt_member_fails(tmp_path):
    path = write_zip(tmp_path / "crc.zip", plus("good_plugin/data.txt", b"CORRUPT-ME " * 10), zipfile.ZIP_STORED)
    path.write_bytes(path.read_bytes().replace(b"CORRUPT-ME", b"CORRUPT-M!", 1))
    assert set(failures(path)) == {"rule_crc"}


def test_not_a_zip_fails(tmp_path):
    path = tmp_path / "plugin.zip"
    path.write_bytes(b"PK not really")
    assert "rule_is_zip" in failures(path)


def test_too_big_fails(tmp_path):
    package = read_package(write_zip(tmp_path / "good.zip", good_files()))
    assert rule_size(dataclasses.replace(package, size=MAX_SIZE)) == []
    assert rule_size(dataclasses.replace(package, size=MAX_SIZE + 1)) != []

"""Install the plugin's Python packages into QGIS's Python without harming QGIS.

What a user's QGIS gets, and why (docs/install.md says it for users):

- The requirements are ``requirements.txt`` at the plugin's root, a list of *ranges* — the
  convention QGIS users know from QPIP.
- They are installed with the Python QGIS runs (``pip install --prefix``) into a folder
  private to this plugin in the QGIS profile,
  ``<profile>/python/dependencies/city_safety_risk_map/py3.X``; one per Python version, as
  compiled wheels are.
- That folder is put on ``sys.path`` *after* QGIS's own entries (:func:`activate`), so a
  package QGIS already has — numpy, GDAL's bindings, PROJ's pyproj on Debian — is always the
  one imported.
- pip is given a constraints file pinning every distribution QGIS's Python already has to
  its version (:func:`constraints`): it installs only what is missing, and a requirement
  that only a newer numpy could satisfy fails with pip's explanation instead of replacing
  QGIS's numpy. Measured on Debian 12: the dev venv's numpy 2.4 ahead of QGIS's 1.24 made
  ``gdal:rastercalculator`` report success and write nothing.
- Offline (a government intranet): from a wheelhouse folder or zip that
  ``make wheelhouse PLATFORM=… PYTHON=…`` builds with ``pip download --only-binary``.

Only the standard library here: this runs before any of the packages exist. The dialog
(``gui/install_dialog.py``) and the Processing algorithm ``citysafety:install_packages``
both call :func:`install`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "city_safety_risk_map"
REQUIREMENTS = ROOT / "requirements.txt"
#: Environment variable naming the QGIS profile folder for code that runs without QGIS
#: (tests, the user lane); inside QGIS the plugin passes ``qgisSettingsDirPath()``.
PROFILE_ENV = "CSRM_QGIS_PROFILE"
_VERSION_RE = re.compile(r"^\d+(\.\d+)*([abc]|rc|\.post|\.dev)?\d*([+.].*)?$")
_REQ_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*((?:[<>=!~]=?\s*[^,;\s]+\s*,?\s*)*)(?:;\s*(.+))?$")


def normalize(name: str) -> str:
    """A distribution's canonical name (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def version_tuple(version: str) -> tuple[int, ...]:
    """The release part of a version, for comparison (``"2.2.3"`` → ``(2, 2, 3)``);
    pre-release and local suffixes are ignored, which is enough for ranges of releases."""
    parts = []
    for piece in version.split("+")[0].split("."):
        digits = re.match(r"\d+", piece)
        if not digits:
            break
        parts.append(int(digits.group()))
        if digits.group() != piece:
            break
    return tuple(parts)


def unknown_version(version: str) -> bool:
    """A distributor's build without a version (Debian forky's shapely says ``0+unknown``):
    present, but nothing can be said of its range, and pip cannot be pinned to it."""
    return not version or "unknown" in version or version_tuple(version) in ((), (0,))


def _compare(have: tuple[int, ...], want: tuple[int, ...]) -> int:
    n = max(len(have), len(want))
    a, b = have + (0,) * (n - len(have)), want + (0,) * (n - len(want))
    return (a > b) - (a < b)


def _satisfies(version: str, op: str, bound: str) -> bool:
    if op == "~=":  # compatible release: >= bound and == bound's prefix
        want = version_tuple(bound)
        return _compare(version_tuple(version), want) >= 0 and version_tuple(version)[: len(want) - 1] == want[:-1]
    if bound.endswith(".*"):
        prefix = version_tuple(bound[:-2])
        same = version_tuple(version)[: len(prefix)] == prefix
        return same if op == "==" else not same
    c = _compare(version_tuple(version), version_tuple(bound))
    return {"==": c == 0, "!=": c != 0, ">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0}[op]


@dataclass
class Requirement:
    """One line of requirements.txt: a name, a range, and whether it applies here."""

    name: str
    specs: list[tuple[str, str]] = field(default_factory=list)
    applies: bool = True
    line: str = ""

    def allows(self, version: str) -> bool:
        return all(_satisfies(version, op, bound) for op, bound in self.specs)

    @property
    def range(self) -> str:
        return ",".join(op + bound for op, bound in self.specs)


def _marker_applies(marker: str) -> bool:
    """The environment markers requirements.txt uses: ``python_version`` and
    ``sys_platform`` compared to a quoted literal, joined by ``and``."""
    env = {"python_version": f"{sys.version_info[0]}.{sys.version_info[1]}", "sys_platform": sys.platform}
    for clause in re.split(r"\s+and\s+", marker.strip()):
        m = re.match(r"""^(python_version|sys_platform)\s*(==|!=|>=|<=|<|>)\s*["']([^"']+)["']$""", clause.strip())
        if not m:
            raise ValueError(f"unsupported marker in requirements.txt: {marker!r}")
        key, op, value = m.groups()
        ok = _satisfies(env[key], op, value) if key == "python_version" else (
            (env[key] == value) if op == "==" else (env[key] != value))
        if not ok:
            return False
    return True


def read_requirements(path: Path = REQUIREMENTS) -> list[Requirement]:
    """The requirements of ``path`` (comments, blank lines and pip options skipped)."""
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        m = _REQ_RE.match(line)
        if not m:
            raise ValueError(f"cannot read requirements.txt line {raw!r}")
        name, spec, marker = m.groups()
        specs = [(s.group(1), s.group(2)) for s in re.finditer(r"([<>=!~]=?)\s*([^,\s]+)", spec or "")]
        out.append(Requirement(normalize(name), specs, _marker_applies(marker) if marker else True, line))
    return out


def installed(paths: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """Every distribution importable from ``paths`` (default ``sys.path``): canonical name →
    (version, folder). The first on the path wins, as for imports."""
    found: dict[str, tuple[str, str]] = {}
    for dist in metadata.distributions(path=list(sys.path if paths is None else paths)):
        name = dist.metadata["Name"] if dist.metadata else None
        if not name:
            continue
        key = normalize(name)
        if key not in found:
            location = str(getattr(dist, "_path", "") and Path(str(dist._path)).parent)  # type: ignore[attr-defined]
            found[key] = (dist.version, location)
    return found


@dataclass
class Check:
    """What the requirements need that this Python lacks."""

    missing: list[Requirement] = field(default_factory=list)
    #: (requirement, the version found, the folder it is in): outside the range
    wrong: list[tuple[Requirement, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong

    def names(self) -> list[str]:
        return [r.line for r in self.missing] + [f"{r.line} ({have})" for r, have, _ in self.wrong]


def check(requirements: list[Requirement] | None = None, paths: Iterable[str] | None = None) -> Check:
    """Which requirements are missing, or present in a version outside their range."""
    have = installed(paths)
    result = Check()
    for req in requirements if requirements is not None else read_requirements():
        if not req.applies:
            continue
        if req.name not in have:
            result.missing.append(req)
        elif not unknown_version(have[req.name][0]) and not req.allows(have[req.name][0]):
            result.wrong.append((req, *have[req.name]))
    return result


# -- the private folder ----------------------------------------------------------------
def profile_dir() -> Path | None:
    """The QGIS profile folder whose package folder is used: :data:`PROFILE_ENV` when set
    (an administrator's shared folder, the test lanes), else QGIS's own profile when running
    inside QGIS (never importing QGIS to find out)."""
    env = os.environ.get(PROFILE_ENV)
    if env:
        return Path(env)
    if "qgis.core" in sys.modules:
        from qgis.core import QgsApplication

        path = QgsApplication.qgisSettingsDirPath()
        if path:
            return Path(path)
    return None


def prefix_dir(profile: Path) -> Path:
    """The plugin's own package folder in ``profile``, one per Python version."""
    return Path(profile) / "python" / "dependencies" / PLUGIN / f"py{sys.version_info[0]}.{sys.version_info[1]}"


def site_dirs(prefix: Path) -> list[Path]:
    """The folders under ``prefix`` that ``pip install --prefix`` fills with this Python:
    its scheme's purelib and platlib (Debian: ``local/lib/python3.X/dist-packages``;
    Windows: ``Lib/site-packages``)."""
    paths = sysconfig.get_paths(vars={"base": str(prefix), "platbase": str(prefix)})
    out: list[Path] = []
    for key in ("purelib", "platlib"):
        p = Path(paths[key])
        if p not in out:
            out.append(p)
    return out


def activate(profile: Path | None = None) -> list[str]:
    """Put the plugin's package folder(s) on ``sys.path``, *after* everything already there
    (QGIS's own packages first); returns the folders added. Nothing if not installed."""
    profile = profile if profile is not None else profile_dir()
    if profile is None:
        return []
    added = []
    for site in site_dirs(prefix_dir(profile)):
        if site.is_dir() and str(site) not in sys.path:
            sys.path.append(str(site))
            added.append(str(site))
    if added:
        import importlib

        importlib.invalidate_caches()
    return added


#: Known-bad pairs no requirement range can express: (package, range to add, unless this other
#: package is already installed in this range). rasterio 1.4 — the newest on PyPI — fails with
#: affine 3 ("No '__dict__' attribute on 'Affine' instance"); Debian forky's rasterio 1.5 ships
#: with affine 3.0 and works.
COMPAT = (("affine", "<3", Requirement("rasterio", [(">=", "1.5")])),)


def compat_constraints(have: dict[str, tuple[str, str]]) -> list[str]:
    """The :data:`COMPAT` ranges that apply, given what this Python has (:func:`installed`):
    a package already there is pinned anyway."""
    return [f"{name}{spec}" for name, spec, unless in COMPAT
            if name not in have and not (unless.name in have and unless.allows(have[unless.name][0]))]


def constraints(prefix: Path | None = None) -> list[str]:
    """``name==version`` for every distribution this Python already imports from outside the
    plugin's folder: pip may add packages, never another version of one QGIS has."""
    own = {str(s) for s in site_dirs(prefix)} if prefix is not None else set()
    paths = [p for p in sys.path if p and p not in own]
    lines = []
    have = installed(paths)
    for name, (version, _) in sorted(have.items()):
        if _VERSION_RE.match(version) and not unknown_version(version):
            lines.append(f"{name}=={version}")
    return lines + compat_constraints(have)


def python_executable() -> str:
    """The Python interpreter of the running QGIS. Inside QGIS ``sys.executable`` is QGIS
    itself (``qgis-bin.exe``) or whatever ``python3`` came first on PATH (measured: a pyenv
    shim under qgis_process 3.22), so each candidate is asked for its ``sys.prefix`` and
    version, and only the one matching this process is used."""
    ver = f"{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [Path(sys.executable)] if Path(sys.executable).name.lower().startswith("python") else []
    for base in dict.fromkeys((sys.exec_prefix, sys.base_exec_prefix)):
        candidates += [Path(base) / "python.exe", Path(base) / "bin" / f"python{ver}", Path(base) / "bin" / "python3"]
    for found in (shutil.which(f"python{ver}"), shutil.which("python3")):
        if found:
            candidates.append(Path(found))
    probe = "import sys; print(sys.prefix); print('%d.%d' % sys.version_info[:2])"
    for c in dict.fromkeys(candidates):
        if not (c.is_file() and os.access(c, os.X_OK)):
            continue
        try:
            out = subprocess.run([str(c), "-c", probe], capture_output=True, text=True, timeout=60,
                                 creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0)).stdout.split()
        except (OSError, subprocess.SubprocessError):
            continue
        if len(out) == 2 and os.path.normcase(os.path.realpath(out[0])) == os.path.normcase(
                os.path.realpath(sys.prefix)) and out[1] == ver:
            return str(c)
    raise InstallError(f"找不到 QGIS 的 Python 解释器 / QGIS's Python interpreter was not found "
                       f"(Python {ver} with prefix {sys.prefix})")


class InstallError(Exception):
    """Installing cannot start or failed; the message is bilingual."""


def check_wheelhouse(wheelhouse: str | Path) -> Path:
    """The wheelhouse as a path, or a bilingual error if it is neither a folder nor a zip."""
    path = Path(wheelhouse)
    if not path.is_dir() and not (path.is_file() and zipfile.is_zipfile(path)):
        raise InstallError(f"离线安装包不是文件夹或 zip 文件：{path} / The wheelhouse is neither a folder nor a zip "
                           f"file: {path}")
    return path


@contextlib.contextmanager
def wheel_source(wheelhouse: str | Path | None):
    """A folder of wheels for ``--find-links``: the folder itself, or a zip extracted to a
    temporary folder (removed afterwards); ``None`` to use the package index."""
    if not wheelhouse:
        yield None
        return
    path = check_wheelhouse(wheelhouse)
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="csrm-wheels-") as tmp, zipfile.ZipFile(path) as z:
        for member in z.infolist():  # wheels only, flattened: no path from the zip is trusted
            name = Path(member.filename).name
            if name.endswith(".whl") and not member.is_dir():
                with z.open(member) as src, open(Path(tmp) / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        yield Path(tmp)


def pip_command(python: str, prefix: Path, constraints_file: Path, wheels: Path | None,
                requirements: Path = REQUIREMENTS) -> list[str]:
    """The pip command line :func:`install` runs (only options pip 20+ knows)."""
    cmd = [python, "-m", "pip", "install", "--prefix", str(prefix), "--only-binary", ":all:",
           "--upgrade-strategy", "only-if-needed", "--disable-pip-version-check", "--no-input",
           "--progress-bar", "off", "--no-warn-script-location",
           "--constraint", str(constraints_file), "--requirement", str(requirements)]
    if wheels is not None:
        cmd += ["--no-index", "--find-links", str(wheels)]
    return cmd


@dataclass
class InstallResult:
    returncode: int
    prefix: Path
    log: list[str]
    canceled: bool = False
    #: everything was present: pip was not started
    nothing_to_do: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.canceled


#: Rough share of the work done when pip prints a line starting with these (progress bar).
PHASES = (("Collecting", 5), ("Processing", 5), ("Downloading", 40), ("Installing collected", 80),
          ("Successfully installed", 100))


def install(profile: Path | None = None, wheelhouse: str | Path | None = None,
            on_line: Callable[[str], None] = lambda line: None,
            on_progress: Callable[[float], None] = lambda pct: None,
            is_canceled: Callable[[], bool] = lambda: False,
            requirements: Path = REQUIREMENTS) -> InstallResult:
    """Install what ``requirements`` lists into the plugin's folder of ``profile``; pip's
    output goes line by line to ``on_line``. Never touches anything outside that folder;
    pip writes there only after resolving everything, and a cancel stops pip."""
    profile = profile if profile is not None else profile_dir()
    if profile is None:
        raise InstallError("不知道 QGIS 配置文件夹 / The QGIS profile folder is not known")
    prefix = prefix_dir(profile)
    if wheelhouse:
        check_wheelhouse(wheelhouse)
    python = python_executable()
    try:
        prefix.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InstallError(f"无法创建插件的包文件夹 / Cannot create the plugin's package folder {prefix}: "
                           f"{exc}") from exc
    pins = constraints(prefix)
    log: list[str] = []

    def say(line: str) -> None:
        log.append(line)
        on_line(line)

    # Only what is missing or out of range goes to pip (with its dependencies): a package QGIS
    # has is never asked for, even one whose distributor left its version unknown.
    own = [str(s) for s in site_dirs(prefix)]
    todo = check(read_requirements(requirements), paths=[*sys.path, *[s for s in own if s not in sys.path]])
    if todo.ok:
        say("所需的包都已安装 / Every package the plugin needs is present: nothing to install.")
        on_progress(100.0)
        return InstallResult(0, prefix, log, nothing_to_do=True)
    n_reqs = len(todo.missing) + len(todo.wrong)
    with tempfile.TemporaryDirectory(prefix="csrm-pip-") as tmp, wheel_source(wheelhouse) as wheels:
        cfile = Path(tmp) / "constraints.txt"
        cfile.write_text("\n".join(pins) + "\n", encoding="utf-8")
        rfile = Path(tmp) / "requirements.txt"
        rfile.write_text("".join(f"{r.line}\n" for r in [*todo.missing, *(w[0] for w in todo.wrong)]),
                         encoding="utf-8")
        say("缺少 / Missing: " + ", ".join(todo.names()))
        cmd = pip_command(python, prefix, cfile, wheels, rfile)
        env = dict(os.environ)
        # pip sees what the plugin's folder already holds (an update, not a second copy)
        env["PYTHONPATH"] = os.pathsep.join([str(s) for s in site_dirs(prefix)] +
                                            [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        env.pop("PIP_REQUIRE_VIRTUALENV", None)
        env["PYTHONIOENCODING"] = "utf-8"
        env["PIP_ROOT_USER_ACTION"] = "ignore"  # an administrator's run: no warning about root
        say(f"{python} -m pip install --prefix {prefix} … ({len(pins)} constraints: what QGIS's Python has)")
        say(" ".join(cmd[1:]))
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window on Windows
        collected = 0
        pct = 0.0
        canceled = False
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                              encoding="utf-8", errors="replace", creationflags=flags) as proc:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.rstrip()
                if line:
                    say(line)
                if line.startswith(("Collecting", "Processing ")):
                    collected += 1
                    pct = max(pct, min(60.0, 5 + 55 * collected / (n_reqs * 2)))
                elif line.startswith("Installing collected"):
                    pct = max(pct, 80.0)
                on_progress(pct)
                if is_canceled():
                    canceled = True
                    proc.terminate()
                    break
            rc = proc.wait()
        if rc == 0 and not canceled:
            on_progress(100.0)
    return InstallResult(rc, prefix, log, canceled)


def explain_failure(result: InstallResult) -> str:
    """One bilingual sentence for a failed install, naming pip's own reason when it gave one."""
    if result.canceled:
        return "安装已取消；已安装的包未改动 / Installation canceled; nothing already installed was changed."
    reason = next((line for line in reversed(result.log) if line.startswith("ERROR")), "")
    conflict = any("conflict" in line.lower() or "ResolutionImpossible" in line for line in result.log)
    text = (f"pip 安装失败（退出码 {result.returncode}）/ pip failed (exit {result.returncode})"
            + (f": {reason}" if reason else ""))
    if conflict:
        text += (" — 所需版本与 QGIS 自带的包（如 numpy）冲突，插件不会替换它们 / a required range conflicts with a "
                 "package QGIS already has (such as numpy), which the plugin never replaces")
    return text


def main(argv: list[str] | None = None) -> int:
    """``python -m plugin.installer [--profile P] [--wheelhouse W]``: the same install from a
    shell, with QGIS's Python (used by the user lane and by administrators)."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", type=Path, default=profile_dir())
    ap.add_argument("--wheelhouse")
    ap.add_argument("--check", action="store_true", help="only report what is missing")
    args = ap.parse_args(argv)
    if args.profile is None:
        ap.error(f"--profile or ${PROFILE_ENV} is needed")
    activate(args.profile)
    status = check()
    if args.check:
        print("\n".join(status.names()) or "all requirements present")
        return 0 if status.ok else 1
    result = install(args.profile, args.wheelhouse, on_line=print)
    if not result.ok:
        print(explain_failure(result), file=sys.stderr)
        return result.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The house rules of the code's layout, checked on the source (no import, no QGIS).

- ``plugin/core`` imports no QGIS, no Qt and nothing of ``plugin/processing`` or ``plugin/gui``;
- ``plugin/processing`` does not import ``plugin/gui``, nor ``plugin/gui`` ``plugin/processing``;
- a stage package of ``plugin/core`` (ingest, scoring, exposure, cascade, mapping, reporting)
  imports neither ``steps`` (the orchestration), ``status`` nor ``store`` (the only code that
  reads or writes the risk database), and no other stage's private (``_``) names.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "plugin"
STAGES = ("ingest", "scoring", "exposure", "cascade", "mapping", "reporting")
QT_OR_QGIS = ("qgis", "PyQt5", "PyQt6", "sip", "processing")


@dataclass(frozen=True)
class Import:
    module: str  # absolute, e.g. "plugin.core.store.riskdb"
    names: tuple[str, ...]  # imported names ("from m import a, b"), () for "import m"
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import of ``source`` (the module ``module``), relative ones made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [Import(a.name, (), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            names = tuple(a.name for a in node.names)
            out.append(Import(base, names, node.lineno))
            # "from pkg import module": count the submodule as imported too
            out += [Import(f"{base}.{n}", (), node.lineno) for n in names
                    if (ROOT / Path(*f"{base}.{n}".split("."))).with_suffix(".py").exists()
                    or (ROOT / Path(*f"{base}.{n}".split(".")) / "__init__.py").exists()]
    return out


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["plugin", "core"] and parts[2] in STAGES else None


def violations(module: str, found: list[Import]) -> list[str]:
    """The house rules ``module`` breaks with its imports ``found``."""
    bad = []
    for imp in found:
        where = f"{module}:{imp.line} imports {imp.module}"
        if _under(module, "plugin.core"):
            if any(_under(imp.module, q) for q in QT_OR_QGIS):
                bad.append(f"{where}: plugin/core imports no QGIS or Qt")
            if _under(imp.module, "plugin.processing") or _under(imp.module, "plugin.gui"):
                bad.append(f"{where}: plugin/core imports neither plugin/processing nor plugin/gui")
        if _under(module, "plugin.processing") and _under(imp.module, "plugin.gui"):
            bad.append(f"{where}: plugin/processing does not import plugin/gui")
        if _under(module, "plugin.gui") and _under(imp.module, "plugin.processing"):
            bad.append(f"{where}: plugin/gui does not import plugin/processing (share through plugin/ or core)")
        stage = stage_of(module)
        if stage:
            for outer in ("plugin.core.steps", "plugin.core.status", "plugin.core.store"):
                if _under(imp.module, outer):
                    bad.append(f"{where}: a stage does not import {outer.rsplit('.', 1)[1]}")
            other = stage_of(imp.module)
            private = [n for n in imp.names if n.startswith("_") and n != "__future__"]
            if other and other != stage and private:
                bad.append(f"{where}: private names {private} of the {other} stage")
    return bad


def plugin_modules() -> list[Path]:
    return sorted(PLUGIN.rglob("*.py"))


@pytest.mark.parametrize("path", plugin_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_keeps_the_house_rules(path):
    module = module_name(path)
    found = imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    assert violations(module, found) == []


def test_every_stage_is_a_package_with_a_docstring():
    for stage in STAGES:
        init = PLUGIN / "core" / stage / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) == 1, f"{init}: a one-line docstring of what the stage owns"


def test_the_development_generator_is_not_in_the_plugin():
    assert not list(PLUGIN.rglob("sample_city*"))
    assert (ROOT / "tools" / "sample_city").is_dir()


# --- the checker itself catches what it should -------------------------------------------

@pytest.mark.parametrize(("module", "source", "expected"), [
    ("plugin.core.scoring.methods", "from qgis.core import QgsPointXY\n", "no QGIS or Qt"),
    ("plugin.core.ingest.reader", "from qgis.PyQt.QtCore import QVariant\n", "no QGIS or Qt"),
    ("plugin.core.mapping.density", "import PyQt5\n", "no QGIS or Qt"),
    ("plugin.core.status", "from ..processing.styling import style_risk_layer\n", "neither plugin/processing"),
    ("plugin.core.reporting.data", "from ...gui import dock\n", "neither plugin/processing nor plugin/gui"),
    ("plugin.processing.score", "from ..gui.dock import RiskDock\n", "does not import plugin/gui"),
    ("plugin.gui.dock", "from ..processing.layers import load_risk_layers\n", "does not import plugin/processing"),
    ("plugin.core.reporting.data", "from ..steps import level_table\n", "does not import steps"),
    ("plugin.core.exposure.receptors", "from .. import steps\n", "does not import steps"),
    ("plugin.core.mapping.density", "from ..store.riskdb import read_layer\n", "does not import store"),
    ("plugin.core.exposure.population", "from ..mapping.density import _next_fast_len\n", "private names"),
])
def test_the_checker_finds_each_kind_of_break(module, source, expected):
    found = violations(module, imports(source, module))
    assert any(expected in v for v in found), found


@pytest.mark.parametrize(("module", "source"), [
    ("plugin.core.exposure.population", "from ..grid import fft_convolve_same\n"),
    ("plugin.core.reporting.data", "from ..scoring.levels import level_table\n"),
    ("plugin.core.steps", "from .store import riskdb\n"),
    ("plugin.core.ingest.importer", "from . import _private_of_my_own_stage\n"),
    ("plugin.gui.dock", "from qgis import processing\n"),
])
def test_the_checker_lets_the_allowed_pass(module, source):
    assert violations(module, imports(source, module)) == []

"""Every Qt and QGIS enum value in the plugin is spelled fully scoped, ready for Qt6 / QGIS 4.

PyQt6 (QGIS 4) drops the unscoped aliases: ``Qt.AlignLeft`` must be
``Qt.AlignmentFlag.AlignLeft``, ``QgsProcessing.TypeVectorPoint`` must be
``QgsProcessing.SourceType.TypeVectorPoint``, ``Qgis.Warning`` must be ``Qgis.MessageLevel.Warning``.
The scoped spellings work on QGIS 3.22 too (PyQt5 5.15), so the plugin writes only those.
QGIS's migration script (scripts/pyqt5_to_pyqt6 in QGIS's repository) rewrites what it finds
from a table of names; this test does the same check its own way, on the classes themselves:

- every ``.py`` of plugin/ and the root ``__init__.py`` is parsed with ``ast``;
- each attribute chain whose root is a name imported from ``qgis.PyQt.*`` (or ``PyQt5.*``),
  ``qgis.core``, ``qgis.gui`` or ``qgis.analysis`` is resolved step by step on the real objects;
- a step that yields an enum value (a sip enum, a Python ``enum.Enum`` or a Qt ``Flags``
  value) from anything but its own enum type skips the enum's name: that is a finding, with
  the scoped spelling to use.

Two exceptions follow QGIS's script: ``QVariant.Int`` stays (Qt6 has no ``QVariant.Type``; QGIS
keeps ``QVariant.Int`` working and its script turns ``QVariant.Type.Int`` back into it), and so
``QVariant.Type.Int`` is itself a finding. A chain that does not resolve at all is reported by
a second test: a name this QGIS (3.22, the oldest supported) lacks, e.g. ``Qgis.GeometryType``
that came with 3.30, would break the plugin there.
"""

from __future__ import annotations

import ast
import enum
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Where the roots of the checked chains come from (a module, or a package's modules).
QT_QGIS_MODULES = ("qgis.PyQt", "PyQt5", "qgis.core", "qgis.gui", "qgis.analysis")
_MISSING = object()


def plugin_files() -> list[Path]:
    return [*sorted((ROOT / "plugin").rglob("*.py")), ROOT / "__init__.py"]


@dataclass(frozen=True)
class Finding:
    line: int
    written: str
    scoped: str  # the spelling to use; "" for a chain that does not resolve

    def __str__(self) -> str:
        if self.scoped:
            return f"{self.line}: {self.written} -> {self.scoped}"
        return f"{self.line}: {self.written} does not exist in this QGIS/Qt"


def _from_qt_or_qgis(dotted: str) -> bool:
    return any(dotted == m or dotted.startswith(m + ".") for m in QT_QGIS_MODULES)


def _import_object(module: str, name: str | None):
    """``module.name`` (``name`` None: the module itself), or _MISSING."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return _MISSING
    if name is None:
        return mod
    obj = getattr(mod, name, _MISSING)
    if obj is _MISSING:  # "from qgis.PyQt import QtCore": a submodule not yet imported
        try:
            obj = importlib.import_module(f"{module}.{name}")
        except ImportError:
            return _MISSING
    return obj


def imported_roots(tree: ast.AST) -> dict[str, object]:
    """The names bound anywhere in the module by an import from Qt or QGIS, with their objects."""
    roots: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*" and _from_qt_or_qgis(f"{node.module}.{alias.name}"):
                    roots[alias.asname or alias.name] = _import_object(node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _from_qt_or_qgis(alias.name):
                    if alias.asname:  # import qgis.core as core
                        roots[alias.asname] = _import_object(alias.name, None)
                    else:  # import qgis.core: binds "qgis"
                        top = alias.name.partition(".")[0]
                        _import_object(alias.name, None)
                        roots[top] = _import_object(top, None)
    return {k: v for k, v in roots.items() if v is not _MISSING}


def _is_flags_type(t: type) -> bool:
    """A PyQt5 QFlags class (Qt.Alignment, QgsProcessingAlgorithm.Flags …)."""
    return (type(t).__name__ == "wrappertype" and not issubclass(t, int)
            and all(hasattr(t, a) for a in ("__or__", "__and__", "__xor__", "__invert__", "__int__")))


def is_enum_value(value) -> bool:
    """A member of an enum: sip enum (PyQt5), Python enum (PyQt6, QGIS's newer enums), a flags value."""
    t = type(value)
    return isinstance(value, enum.Enum) or type(t).__name__ == "enumtype" or _is_flags_type(t)


def _enum_name_on(owner, enum_type: type) -> str | None:
    """How ``owner`` names ``enum_type``: its own name, else an alias (QgsProcessing.SourceType)."""
    name = getattr(enum_type, "__name__", "")
    if name and getattr(owner, name, None) is enum_type:
        return name
    for attr in dir(owner):
        if getattr(owner, attr, None) is enum_type:
            return attr
    return None


def _scoped(prefix: str, owner, attr: str, value) -> str:
    """The scoped spelling of ``prefix.attr`` (``owner.attr`` is ``value``), checked to resolve here."""
    enum_type = type(value)
    if _is_flags_type(enum_type):
        return f"the members of the enum behind {enum_type.__qualname__}"
    name = _enum_name_on(owner, enum_type)
    if name is not None and getattr(getattr(owner, name), attr, None) == value:
        return f"{prefix}.{name}.{attr}"
    # An alias the enum does not have, e.g. QgsRenderContext.TextFormatAlwaysText for the enum
    # QGIS 3.22 moved to Qgis.TextRenderFormat (member AlwaysText): the enum's own home and name.
    return f"{enum_type.__qualname__}.{getattr(value, 'name', attr)}"


def _chains(tree: ast.AST):
    """(line, root name, [attributes]) of each outermost ``Name.attr.attr…`` that is read."""
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner or not isinstance(node.ctx, ast.Load):
            continue
        attrs = []
        cur: ast.expr = node
        while isinstance(cur, ast.Attribute):
            attrs.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name):
            yield node.lineno, cur.id, attrs[::-1]


def check_source(source: str, filename: str = "<snippet>") -> tuple[list[Finding], list[Finding]]:
    """(unscoped enum values, chains that do not resolve) in ``source``."""
    from qgis.PyQt.QtCore import QVariant

    qvariant_type = type(QVariant.Int)  # QVariant.Type (Qt5)
    tree = ast.parse(source, filename=filename)
    roots = imported_roots(tree)
    unscoped: list[Finding] = []
    unresolved: list[Finding] = []
    for line, root, attrs in _chains(tree):
        if root not in roots:
            continue
        obj = roots[root]
        for i, attr in enumerate(attrs):
            owner, obj = obj, getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                unresolved.append(Finding(line, ".".join([root, *attrs[:i + 1]]), ""))
                break
            if not is_enum_value(obj):
                continue
            written = ".".join([root, *attrs[:i + 1]])
            enum_type = type(obj)
            if owner is qvariant_type:  # Qt6 has no QVariant.Type: QGIS keeps QVariant.Int working
                unscoped.append(Finding(line, written, ".".join([root, *attrs[:i - 1], attr])))
            elif owner is not enum_type and not (owner is QVariant and enum_type is qvariant_type):
                unscoped.append(Finding(line, written, _scoped(".".join([root, *attrs[:i]]), owner, attr, obj)))
            break  # past an enum value (.name, .value …) nothing is Qt's or QGIS's
    return unscoped, unresolved


def _report(kind: str) -> str:
    lines = []
    for path in plugin_files():
        unscoped, unresolved = check_source(path.read_text(encoding="utf-8"), str(path))
        for finding in unscoped if kind == "unscoped" else unresolved:
            lines.append(f"{path.relative_to(ROOT)}:{finding}")
    return "\n".join(lines)


def test_plugin_spells_every_enum_scoped(qgis_app):
    report = _report("unscoped")
    assert not report, "Qt/QGIS enum values reached without their enum's name (PyQt6 has no such alias); " \
        "use the scoped spelling, which QGIS 3.22 has too:\n" + report


def test_plugin_uses_only_names_this_qgis_has(qgis_app):
    report = _report("unresolved")
    assert not report, "Qt/QGIS names that this QGIS does not have (the plugin supports QGIS 3.22):\n" + report


# The check itself --------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "written", "scoped"), [
    ("from qgis.PyQt.QtCore import Qt\nx = Qt.AlignLeft", "Qt.AlignLeft", "Qt.AlignmentFlag.AlignLeft"),
    ("from qgis.PyQt.QtCore import Qt\nx = int(Qt.AlignLeft | Qt.AlignmentFlag.AlignTop)",
     "Qt.AlignLeft", "Qt.AlignmentFlag.AlignLeft"),
    ("from qgis.PyQt.QtWidgets import QMessageBox\nx = QMessageBox.Yes", "QMessageBox.Yes",
     "QMessageBox.StandardButton.Yes"),
    ("from qgis.core import QgsProcessing\nx = [QgsProcessing.TypeVectorPoint]", "QgsProcessing.TypeVectorPoint",
     "QgsProcessing.SourceType.TypeVectorPoint"),
    ("from qgis.core import QgsProcessingParameterNumber as N\nx = N.Double", "N.Double", "N.Type.Double"),
    ("from qgis.core import Qgis\ndef f(level=Qgis.Warning): pass", "Qgis.Warning", "Qgis.MessageLevel.Warning"),
    ("from qgis.core import QgsProcessingAlgorithm as A\nclass B(A):\n"
     "    def flags(self): return super().flags() | A.FlagNoThreading",
     "A.FlagNoThreading", "A.Flag.FlagNoThreading"),
    # an enum of a base class, reached through a subclass
    ("from qgis.core import QgsVectorLayer\nx = QgsVectorLayer.Symbology", "QgsVectorLayer.Symbology",
     "QgsVectorLayer.StyleCategory.Symbology"),
    ("from qgis.core import QgsWkbTypes\nx = QgsWkbTypes.PointGeometry", "QgsWkbTypes.PointGeometry",
     "QgsWkbTypes.GeometryType.PointGeometry"),
    # through a module, and inside an f-string
    ("from qgis.PyQt import QtCore\nx = QtCore.Qt.AlignLeft", "QtCore.Qt.AlignLeft",
     "QtCore.Qt.AlignmentFlag.AlignLeft"),
    ("import qgis.core\nx = qgis.core.Qgis.Critical", "qgis.core.Qgis.Critical",
     "qgis.core.Qgis.MessageLevel.Critical"),
    ("from qgis.PyQt.QtCore import Qt\ndef f(d):\n    return f\"{'ASC' if d == Qt.AscendingOrder else 'DESC'}\"",
     "Qt.AscendingOrder", "Qt.SortOrder.AscendingOrder"),
    # an old name QGIS keeps for an enum it moved to Qgis (3.22: Qgis.TextRenderFormat.AlwaysText)
    ("from qgis.core import QgsRenderContext as R\nx = R.TextFormatAlwaysText", "R.TextFormatAlwaysText",
     "Qgis.TextRenderFormat.AlwaysText"),
    # QVariant.Type is gone in Qt6: QVariant.Int is the spelling QGIS keeps working
    ("from qgis.PyQt.QtCore import QVariant\nx = QVariant.Type.Int", "QVariant.Type.Int", "QVariant.Int"),
])
def test_unscoped_enum_is_flagged(qgis_app, source, written, scoped):
    unscoped, unresolved = check_source(source)
    line = source.count("\n", 0, source.index(written)) + 1
    assert [(f.line, f.written) for f in unscoped] == [(line, written)]
    # the spelling to use; for an enum QGIS moved, newer QGIS may name the member its own way
    # (3.44: QgsRenderContext.TextRenderFormat.TextFormatAlwaysText)
    got = unscoped[0].scoped
    assert got == scoped or (got.count(".") >= 2 and got.endswith(scoped.rsplit(".", 1)[1])), got
    assert not unresolved


@pytest.mark.parametrize("source", [
    "from qgis.PyQt.QtCore import Qt\nx = Qt.AlignmentFlag.AlignLeft",
    "from qgis.PyQt.QtCore import Qt\nx = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)",
    "from qgis.PyQt.QtCore import Qt\nx = Qt.AlignmentFlag.AlignLeft.real",
    "from qgis.core import QgsProcessingAlgorithm as A\nx = A.Flag.FlagNoThreading | A.Flag.FlagCanCancel",
    "from qgis.core import QgsMapLayer as L\nx = L.StyleCategories(L.StyleCategory.Symbology | L.StyleCategory.Fields)",
    "from qgis.core import Qgis\nx = Qgis.SelectBehavior.SetSelection",
    "from qgis.core import QgsProcessing\nx = QgsProcessing.SourceType.TypeVectorPoint",
    "from qgis.core import Qgis\nx = Qgis.MessageLevel.Warning",
    "from qgis.PyQt.QtCore import QVariant\nx = QVariant.Int",
    "from qgis.core import QgsProject\nx = QgsProject.instance().crs",
    # not Qt's or QGIS's: a class of our own with the same name
    "class Qt:\n    AlignLeft = 1\nx = Qt.AlignLeft",
])
def test_scoped_or_foreign_is_not_flagged(qgis_app, source):
    assert check_source(source) == ([], [])


def test_missing_name_is_reported(qgis_app):
    # On QGIS 3.22 Qgis.GeometryType (3.30) would be one; the suite runs on newer QGIS too, so a
    # made-up name stands in.
    unscoped, unresolved = check_source("from qgis.core import Qgis\nx = Qgis.NoSuchEnumInAnyQgis.Point")
    assert not unscoped
    assert [(f.line, f.written) for f in unresolved] == [(2, "Qgis.NoSuchEnumInAnyQgis")]

"""The PDF report (风险报告): a QGIS print layout from ``resources/layouts/report.qpt``.

Page 1 (cover) shows the whole city: title, date, the map with legend, scale bar and north
arrow, the units per level and a table of units by sector × level. The cover's map draws
what reads at city scale and costs little whatever the city's size: the risk density (the
risk map's kernel density, computed here from the risk map's points with the rules'
settings), the district outlines and the level-1 units as points, at most
:data:`COVER_POINTS` of them (the worst first, as the district tables sort them); it never
draws every unit. When the database has a ``district_summary`` layer, one atlas page per
district follows: the map zoomed to the district with its units, its units per level and
its level-1 and level-2 units. The units per level (cover and district pages) show each
level's share and, when the units record their inherent level, the count by the scores
alone beside the final one and the units the upgrades raised (docs/domain/mapping.md §3.1).

The layout runs as an atlas over a memory layer ``report_pages`` built here (feature 1 the
city, then the districts); the template's per-page texts read its fields through
``@atlas_feature`` and the items of one kind of page are excluded from the other
(``scripts/make_layout.py`` builds the template and lists the item ids).

Everything lives in a QgsProject of its own (never ``QgsProject.instance()``): the export
runs inside a Processing algorithm, possibly on a worker thread. The PDF is written to a
temporary file beside the target and moved into place only when complete, so a failure or
a cancel leaves an earlier report untouched.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import re
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd
from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsExpression,
    QgsFeature,
    QgsFeedback,
    QgsField,
    QgsFillSymbol,
    QgsGeometry,
    QgsLayoutExporter,
    QgsLayoutItemAttributeTable,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemManualTable,
    QgsLayoutItemMap,
    QgsLayoutItemScaleBar,
    QgsLayoutObject,
    QgsLayoutSize,
    QgsLayoutTable,
    QgsLayoutTableColumn,
    QgsLegendStyle,
    QgsPalLayerSettings,
    QgsPrintLayout,
    QgsProject,
    QgsProperty,
    QgsRasterLayer,
    QgsReadWriteContext,
    QgsRectangle,
    QgsRuleBasedLabeling,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsTableCell,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QMetaType, Qt, QVariant
from qgis.PyQt.QtGui import QColor, QFont, QRawFont
from qgis.PyQt.QtWidgets import QGraphicsScene
from qgis.PyQt.QtXml import QDomDocument

from ..core.coords import gauss_kruger_epsg
from ..core.errors import Canceled, PipelineError
from ..core.files import name_of, sweep, temp_path
from ..core.mapping.accountability import NO_DISTRICT
from ..core.mapping.density import risk_density, write_density_tif
from ..core.scoring.levels import level_table, weights
from ..core.store import read, riskdb
from ..layers.styling import UNSCORED_LABEL, level_label, style_density, style_risk_layer

TEMPLATE = Path(__file__).resolve().parents[2] / "resources" / "layouts" / "report.qpt"
FONT = "Noto Sans CJK SC"  # as in the template (fonts-noto-cjk)
SOURCE_CRS = "EPSG:4490"  # the risk database's layers (CGCS2000 geographic)
DEFAULT_MAP_EPSG = 4547  # CGCS2000 / 3-degree GK CM 114E, when the units have no points
PAGE_KINDS = ("cover", "district")  # the template's item ids start with these
DPI = 200
#: Level-1 units drawn as points on the cover at most (the worst first); more would be a
#: cloud of markers at city scale, and the density shows where they are.
COVER_POINTS = 500
COVER_LEVEL = 1
#: A district with more units than this draws, on its page, the risk density and only its
#: level-1 and level-2 units (the page's note says how many of how many): every unit of a
#: city-scale district as a vector point made the PDF slow and large.
DISTRICT_POINTS = 20_000
DISTRICT_CAPPED_LEVELS = '"level" IN (1, 2)'
DENSITY_TITLE = "风险密度 risk density"  # as the risk map's loader names it (plugin.layers.loading)
SECTOR_COLUMN_MM = 40.0
#: The district table's units; "in the district" is spatial (filterToAtlasFeature), as in
#: the district summary's counts (plugin.core.mapping.districts).
UNITS_FILTER = '"level" >= 1 AND "level" <= 2'
#: Worst first: by level, then by R (GB 18218 units; the others have none, and come after),
#: then by code.
UNITS_ORDER = (('"level"', Qt.SortOrder.AscendingOrder), ('coalesce("r_value", -1)', Qt.SortOrder.DescendingOrder),
               ('"unit_code"', Qt.SortOrder.AscendingOrder))
REASONS_EXPRESSION = "replace(coalesce(\"level_reasons\", ''), '\\n', '; ')"  # one line
#: With a cascade upgrade (its own field, risk maps made since it has one): the reasons, then it.
REASONS_WITH_CASCADE_EXPRESSION = ("replace(concat(coalesce(\"level_reasons\", ''), "
                                   "if(coalesce(\"cascade_reason\", '') <> '', '\\n' || \"cascade_reason\", '')), "
                                   "'\\n', '; ')")
PAGE_FIELDS = (("page", "int"), ("kind", "text"), ("district", "text"),
               ("heading", "text"), ("note", "text"), ("n_level1", "int"),
               ("n_level2", "int"), ("n_level3", "int"), ("n_level4", "int"),
               ("n_unscored", "int"), ("n_total", "int"), ("capped", "int"),
               # shares of the page's units as text ("5.3%"); the counts by inherent level and
               # the units the upgrades raised (NULL when the units do not record them)
               ("share_level1", "text"), ("share_level2", "text"),
               ("share_level3", "text"), ("share_level4", "text"),
               ("share_unscored", "text"), ("n_inherent1", "int"), ("n_inherent2", "int"),
               ("n_inherent3", "int"), ("n_inherent4", "int"), ("n_raised", "int"),
               # the units by dynamic level and those raised (NULL before the dynamic risk)
               ("n_dynamic1", "int"), ("n_dynamic2", "int"), ("n_dynamic3", "int"), ("n_dynamic4", "int"),
               ("n_dynamic_raised", "int"),
               # the units' own district field (the list's filter) when no polygons are given
               ("district_key", "text"),
               # who answers for the risk: the page's findings, as a sentence ("" before 0.9's map)
               ("accountability", "text"))
#: The findings a page counts (district_summary's and street_summary's fields).
ACCOUNTABILITY_KEYS = ("n_controls_missing", "n_person_missing", "n_major", "n_major_unnamed")
def field_type(kind: str):
    """A field's type for ``QgsField``: ``QMetaType.Type`` from QGIS 3.38, which deprecates the
    ``QVariant`` type constructor (a DeprecationWarning under QGIS 3.44), ``QVariant``'s type
    before (QGIS 3.22 has no other)."""
    names = {"int": ("Int", "Int"), "text": ("QString", "String")}[kind]
    if Qgis.versionInt() >= 33800:
        return getattr(QMetaType.Type, names[0])
    return getattr(QVariant, names[1])  # QVariant.Int: QGIS's pyqt5_to_pyqt6 wants this spelling


SHARE_KEYS = {"share_level1": "n_level1", "share_level2": "n_level2", "share_level3": "n_level3",
              "share_level4": "n_level4", "share_unscored": "n_unscored"}
INHERENT_KEYS = ("n_inherent1", "n_inherent2", "n_inherent3", "n_inherent4", "n_raised")
#: The dynamic risk's counts on a page (district_summary's fields; the city's counted from the units).
DYNAMIC_KEYS = ("n_dynamic1", "n_dynamic2", "n_dynamic3", "n_dynamic4", "n_dynamic_raised")
#: The counts table with the inherent column has two rows more (its header, the units
#: raised): its frame grows to this height (mm), into the space the template leaves below.
COUNTS_WITH_INHERENT_MM = 47.0
#: A counts table narrower than this (mm; the district page's is 67, the cover's 86) names the
#: levels by number and Chinese name only when it has the inherent column.
COMPACT_BELOW_MM = 80.0


class ReportError(PipelineError):
    """The report cannot be made (missing layer, unreadable template, export failure);
    bilingual, like the pipeline's errors (``en``, ``zh``)."""


def _default_tr() -> Callable[[str], str]:
    from ..i18n import tr

    return tr


def _check(feedback, progress: float | None = None) -> None:
    if feedback is None:
        return
    if progress is not None:
        feedback.setProgress(progress)
    if feedback.isCanceled():
        raise Canceled()


def _unshaped(font: QFont) -> QFont:
    """``font`` drawn without OpenType substitutions.

    Noto Sans CJK swaps digits that follow Latin letters ("Date: 2026") for alternate
    glyphs that no character maps to, so a PDF's text would lose them; Chinese needs no
    shaping to be drawn right.
    """
    font = QFont(font)
    font.setStyleStrategy(QFont.StyleStrategy(font.styleStrategy() | QFont.StyleStrategy.PreferNoShaping))
    return font


def _export_feedback(feedback) -> QgsFeedback | None:
    """A feedback for the exporter: its 0–100 % mapped to 10–95 % of ``feedback``, and
    cancelled with it (a direct connection: ``feedback`` is cancelled from the GUI thread)."""
    if feedback is None:
        return None
    inner = QgsFeedback()

    def forward(progress: float) -> None:
        feedback.setProgress(10 + 0.85 * progress)
        if feedback.isCanceled():
            inner.cancel()

    inner.progressChanged.connect(forward, Qt.ConnectionType.DirectConnection)
    feedback.canceled.connect(inner.cancel, Qt.ConnectionType.DirectConnection)
    if feedback.isCanceled():
        inner.cancel()
    return inner


def font(size: float, bold: bool = False) -> QFont:
    """The report's font (also the template's, scripts/make_layout.py), drawn unshaped."""
    f = QFont(FONT)
    f.setPointSizeF(size)
    f.setBold(bold)
    return _unshaped(f)


def _unshaped_format(fmt: QgsTextFormat) -> QgsTextFormat:
    fmt = QgsTextFormat(fmt)
    fmt.setFont(_unshaped(fmt.font()))
    return fmt


def _unshape_labeling(layer: QgsVectorLayer) -> None:
    labeling = layer.labeling()
    if labeling is None:
        return
    labeling = labeling.clone()
    if isinstance(labeling, QgsRuleBasedLabeling):
        rules = labeling.rootRule().descendants()
        for rule in rules:
            if rule.settings() is not None:
                settings = QgsPalLayerSettings(rule.settings())
                settings.setFormat(_unshaped_format(settings.format()))
                rule.setSettings(settings)
    elif isinstance(labeling, QgsVectorLayerSimpleLabeling):
        settings = QgsPalLayerSettings(labeling.settings())
        settings.setFormat(_unshaped_format(settings.format()))
        labeling.setSettings(settings)
    layer.setLabeling(labeling)


def _unshape_layout(layout: QgsPrintLayout) -> None:
    """Every font of the layout without shaping (see :func:`_unshaped`)."""
    for item in layout.items():
        # Text formats where QGIS has them (labels from 3.24, legend styles from 3.30); QGIS 3.44
        # deprecates the font() accessors. Fonts before.
        if isinstance(item, QgsLayoutItemLabel):
            if hasattr(item, "textFormat"):
                item.setTextFormat(_unshaped_format(item.textFormat()))
            else:
                item.setFont(_unshaped(item.font()))
        elif isinstance(item, QgsLayoutItemLegend):
            for style in (QgsLegendStyle.Style.Title, QgsLegendStyle.Style.Group, QgsLegendStyle.Style.Subgroup,
                          QgsLegendStyle.Style.SymbolLabel):
                st = item.style(style)
                if hasattr(st, "textFormat"):
                    st.setTextFormat(_unshaped_format(st.textFormat()))
                    item.setStyle(style, st)
                else:
                    item.setStyleFont(style, _unshaped(item.styleFont(style)))
        elif isinstance(item, QgsLayoutItemScaleBar):
            item.setTextFormat(_unshaped_format(item.textFormat()))
    for multi in layout.multiFrames():
        if isinstance(multi, QgsLayoutTable):
            multi.setHeaderTextFormat(_unshaped_format(multi.headerTextFormat()))
            multi.setContentTextFormat(_unshaped_format(multi.contentTextFormat()))


def text_format(size: float, bold: bool = False, colour: str = "#000000") -> QgsTextFormat:
    fmt = QgsTextFormat()
    fmt.setFont(font(size, bold))
    fmt.setSize(size)
    fmt.setSizeUnit(QgsUnitTypes.RenderUnit.RenderPoints)
    fmt.setColor(QColor(colour))
    return fmt


def _ink(background: str) -> str:
    """Black or white text, whichever reads better on ``background``."""
    c = QColor(background)
    return "#000000" if 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue() > 150 else "#ffffff"


def _cell(content, bold: bool = False, background: str | None = None, size: float = 7.5,
          align=Qt.AlignmentFlag.AlignLeft) -> QgsTableCell:
    cell = QgsTableCell(content)
    cell.setTextFormat(text_format(size, bold, _ink(background) if background else "#000000"))
    if background:
        cell.setBackgroundColor(QColor(background))
    cell.setHorizontalAlignment(align)
    return cell


# --- the PDF's text: Chinese that extracts as written ----------------------------------

def _misread(cp: int) -> bool:
    """Code points a PDF's text should not come back as: C0 controls (a tab for the space
    glyph), the CJK radicals (U+2E80–U+2EFF), the Kangxi radicals (U+2F00–U+2FDF) and CJK
    Extension A (U+3400–U+4DBF), whose glyphs Noto Sans CJK shares with common characters
    (胶 U+80F6 is drawn with the glyph of 㬵 U+3B35). Only a code point whose glyph an ordinary
    character also reaches is replaced (:func:`_preferred_code_points`)."""
    return cp < 0x20 or 0x2E80 <= cp <= 0x2FDF or 0x3400 <= cp <= 0x4DBF


@functools.lru_cache(maxsize=4)
def _preferred_code_points(family: str = FONT) -> dict[int, int]:
    """{misread code point: the character that shares its glyph in ``family``}.

    Qt writes each embedded font's ToUnicode map with the lowest code point that reaches a
    glyph; Noto Sans CJK draws 风 (U+98CE) with the glyph of the radical ⻛ (U+2EDB), so
    the PDF's text would read ⻛. Here the first ordinary character of the same glyph wins.
    """
    raw = QRawFont.fromFont(QFont(family))
    if not raw.isValid():
        return {}
    chars = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    glyphs = raw.glyphIndexesForString("".join(map(chr, chars)))
    if len(glyphs) != len(chars):
        return {}
    first: dict[int, int] = {}
    for cp, g in zip(chars, glyphs):
        if g and not _misread(cp) and g not in first:
            first[g] = cp
    return {cp: first[g] for cp, g in zip(chars, glyphs) if g and _misread(cp) and g in first}


_HEX = rb"<([0-9A-Fa-f]{4})>"


def _fix_cmap(cmap: bytes, preferred: dict[int, int]) -> bytes:
    """``cmap`` with misread destinations replaced; the same length, byte for byte."""
    def dest(m: re.Match) -> bytes:
        cp = int(m.group(1), 16)
        return b"<%04X>" % preferred[cp] if cp in preferred else m.group(0)

    out, in_bfchar = [], False
    for line in cmap.split(b"\n"):
        if line.endswith(b"beginbfchar"):
            in_bfchar = True
        elif line.startswith(b"endbfchar"):
            in_bfchar = False
        m = re.fullmatch(rb"(<[0-9A-Fa-f]{4}> <[0-9A-Fa-f]{4}> )\[(.*)\]", line)
        if m:  # a range with one destination per code
            line = m.group(1) + b"[" + re.sub(_HEX, dest, m.group(2)) + b"]"
        else:
            m = re.fullmatch(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4})> (<[0-9A-Fa-f]{4}>)", line)
            if m and m.group(1).upper() == m.group(2).upper():  # a range of one code
                line = line[: m.start(3)] + re.sub(_HEX, dest, m.group(3))
            elif in_bfchar:
                m = re.fullmatch(rb"(<[0-9A-Fa-f]{4}> )(<[0-9A-Fa-f]{4}>)", line)
                if m:
                    line = m.group(1) + re.sub(_HEX, dest, m.group(2))
        out.append(line)
    fixed = b"\n".join(out)
    return fixed if len(fixed) == len(cmap) else cmap


def fix_pdf_text(path: str | Path, family: str = FONT) -> int:
    """Rewrite, in place and at equal length, the ToUnicode maps of the PDF's fonts of
    ``family`` so that its text extracts as the characters drawn; the maps changed."""
    preferred = _preferred_code_points(family)
    if not preferred:
        return 0
    path = Path(path)
    data = bytearray(path.read_bytes())
    key = family.replace(" ", "").lower()
    changed = 0
    for m in list(re.finditer(rb"/ToUnicode (\d+) 0 R", data)):
        dict_start = data.rfind(b"<<", 0, m.start())
        names = re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([^\s/<>\[\]]+)", data[dict_start:m.start()])
        if not names or not names[-1].decode("latin-1").lower().startswith(key):
            continue
        obj = re.search(rb"(?:^|[\r\n])%s 0 obj\s*<<\s*/Length (\d+)\s*>>\s*stream\r?\n" % m.group(1), data)
        if obj is None:
            continue
        start, length = obj.end(), int(obj.group(1))
        cmap = bytes(data[start:start + length])
        if b"begincmap" not in cmap:
            continue
        fixed = _fix_cmap(cmap, preferred)
        if fixed != cmap:
            data[start:start + length] = fixed
            changed += 1
    if changed:
        path.write_bytes(bytes(data))
    return changed


# --- layers and layout --------------------------------------------------------------------

def _layer(db: str, name: str, title: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{db}|layername={name}", title, "ogr")
    if not layer.isValid():
        raise ReportError(f"cannot open layer '{name}' of {db}", f"无法打开 {db} 中的图层「{name}」")
    return layer


def _district_layer(db: str, title: str) -> QgsVectorLayer:
    """District outlines, the atlas page's district drawn heavier; names as labels."""
    layer = _layer(db, "district_summary", title)
    symbol = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "80,80,80,255",
                                         "outline_width": "0.25", "outline_width_unit": "MM"})
    symbol.symbolLayer(0).setDataDefinedProperty(
        QgsSymbolLayer.Property.PropertyStrokeWidth, QgsProperty.fromExpression(
            "CASE WHEN \"district\" = attribute(@atlas_feature, 'district') THEN 0.9 ELSE 0.25 END"))
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    settings = QgsPalLayerSettings()
    settings.fieldName = "district"
    fmt = text_format(8, bold=True, colour="#404040")
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor(255, 255, 255, 220))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    settings.placement = QgsPalLayerSettings.Placement.OverPoint
    settings.priority = 10
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    return layer


def _share_text(count, total) -> str:
    """A share of the page's units: "5.3%"; "" for a page without units."""
    return f"{100.0 * count / total:.1f}%" if total else ""


def _with_shares(counts: dict) -> dict:
    return {**counts, **{k: _share_text(counts.get(n, 0), counts.get("n_total", 0)) for k, n in SHARE_KEYS.items()}}


def _level_counts(units, rules) -> dict:
    """The whole city's units per level, from :func:`scoring.levels.level_table`'s total row,
    with their shares; by inherent level and raised by the upgrades when the units record
    their inherent level (``inherent_level``, set by scoring for every scored unit)."""
    table = level_table(units, rules)
    total = table.iloc[-1]
    counts: dict = {f"n_level{k}": int(total.get(f"{k} {lv.zh}", 0)) for k, lv in rules.levels.items()}
    counts["n_unscored"] = int(total.get(UNSCORED_LABEL, 0))
    counts["n_total"] = int(total.iloc[-1])
    if "inherent_level" in units:
        level = pd.to_numeric(units["level"], errors="coerce")
        inherent = pd.to_numeric(units["inherent_level"], errors="coerce")
        if inherent.notna().any() or not level.notna().any():
            counts.update({f"n_inherent{k}": int((inherent == k).sum()) for k in rules.levels})
            counts["n_raised"] = int((level < inherent).sum())
    if "dynamic_level" in units:
        dynamic = pd.to_numeric(units["dynamic_level"], errors="coerce")
        if dynamic.notna().any():
            counts.update({f"n_dynamic{k}": int((dynamic == k).sum()) for k in rules.levels})
            counts["n_dynamic_raised"] = int((pd.to_numeric(units["dynamic_raise"], errors="coerce") > 0).sum())
    return _with_shares(counts)


def _accountability_text(counts: dict | None, tr) -> str:
    """The page's sentence on who answers for the risk; "" when the map did not count it."""
    if not counts:
        return ""
    return tr("Who answers: {} risk points without controls, {} without a responsible person; {} of {} major "
              "hazard sources without their three responsible people (包保责任人).").format(
        *(f"{int(counts.get(k, 0)):,}" for k in ("n_controls_missing", "n_person_missing", "n_major_unnamed",
                                                  "n_major")))


def _accountability_by_district(db: str) -> dict[str, dict] | None:
    """The accountability counts per surveyed district ('' for none) and of the city
    (key None), from street_summary; None when the risk map did not count them."""
    if "street_summary" not in riskdb.layer_names(db):
        return None
    streets = read.columns(db, "street_summary", ("district", *ACCOUNTABILITY_KEYS))
    for k in ACCOUNTABILITY_KEYS:
        streets[k] = pd.to_numeric(streets[k], errors="coerce").fillna(0)
    key = streets["district"].astype(object).where(streets["district"] != NO_DISTRICT, "").fillna("").astype(str)
    out: dict = {d: {k: int(v) for k, v in row.items()}
                 for d, row in streets.groupby(key.to_numpy())[list(ACCOUNTABILITY_KEYS)].sum().iterrows()}
    out[None] = {k: int(streets[k].sum()) for k in ACCOUNTABILITY_KEYS}
    return out


def _districts_of_units(units: pd.DataFrame, rules, tr) -> list[tuple[str, str, dict, QgsGeometry]]:
    """Without district polygons, the districts the units were surveyed in (their ``district``
    field): (name shown, the field's value, the counts, the extent of its units), by name."""
    if "district" not in units or not len(units):
        return []
    key = units["district"].astype(object).where(units["district"].notna(), "").astype(str).str.strip()
    lon = pd.to_numeric(units["lon"], errors="coerce")
    lat = pd.to_numeric(units["lat"], errors="coerce")
    out = []
    for value in sorted(key.unique()):
        mine = (key == value).to_numpy()
        x, y = lon[mine].dropna(), lat[mine].dropna()
        if len(x) and len(y):
            extent = QgsRectangle(float(x.min()), float(y.min()), float(x.max()), float(y.max()))
        else:
            extent = QgsRectangle(0.0, 0.0, 0.0, 0.0)
        extent.grow(max(extent.width(), extent.height()) * 0.05 + 0.005)  # about 500 m around
        out.append((value or tr("(no district name)"), value, _level_counts(units[mine], rules),
                    QgsGeometry.fromRect(extent)))
    return out


def _pages_layer(title: str, cover_geometry: QgsGeometry, cover_counts: dict[str, int],
                 districts: QgsVectorLayer | None, rows: int, tr,
                 unit_districts: list | None = None, accountability: dict | None = None) -> QgsVectorLayer:
    """The atlas coverage: feature 1 the city, then one per district (in the layer's order;
    without polygons, one per district the units name: ``unit_districts``). ``accountability``:
    :func:`_accountability_by_district` (the city's and, without polygons, each district's)."""
    acc = accountability or {}
    pages = QgsVectorLayer(f"MultiPolygon?crs={SOURCE_CRS}", "report_pages", "memory")
    pages.dataProvider().addAttributes([QgsField(n, field_type(t)) for n, t in PAGE_FIELDS])
    pages.updateFields()
    feats = []

    def add(geometry: QgsGeometry, values: dict) -> None:
        f = QgsFeature(pages.fields())
        f.setGeometry(geometry)
        for k, v in values.items():
            f[k] = v
        feats.append(f)

    add(cover_geometry, {"page": 1, "kind": "city", "heading": title, **cover_counts,
                         "accountability": _accountability_text(acc.get(None), tr)})
    if districts is not None:
        for n, d in enumerate(districts.getFeatures(), start=2):
            value = d["district"]
            name = "" if value is None or (hasattr(value, "isNull") and value.isNull()) else str(value)
            name = name or tr("(no district name)")
            have = d.fields().names()
            counts = {k: int(d[k] or 0) if k in have else 0
                      for k in ("n_level1", "n_level2", "n_level3", "n_level4", "n_unscored")}
            counts["n_total"] = int(d["n_units"] or 0) if "n_units" in have else sum(counts.values())
            for keys in (INHERENT_KEYS, DYNAMIC_KEYS):
                if all(k in have and _present(d[k]) for k in keys):
                    counts.update({k: int(d[k]) for k in keys})
            counts = _with_shares(counts)
            note, capped = _page_note(name, counts, rows, tr)
            found = {k: d[k] for k in ACCOUNTABILITY_KEYS if k in have and _present(d[k])} \
                if accountability is not None else {}
            add(d.geometry(), {"page": n, "kind": "district", "district": name, "capped": int(capped),
                               "heading": f"{title} — {name}", "note": note, **counts,
                               "accountability": _accountability_text(found, tr)})
    else:
        for n, (name, value, counts, geometry) in enumerate(unit_districts or [], start=2):
            note, capped = _page_note(name, counts, rows, tr)
            note += " " + tr("No district boundaries were given: the page covers the units surveyed in the "
                             "district, and the map their extent.")
            add(geometry, {"page": n, "kind": "district", "district": name, "district_key": value,
                           "capped": int(capped), "heading": f"{title} — {name}", "note": note, **counts,
                           "accountability": _accountability_text(acc.get(value), tr)})
    pages.dataProvider().addFeatures(feats)
    pages.updateExtents()
    return pages


def _page_note(name: str, counts: dict, rows: int, tr) -> tuple[str, bool]:
    """A district page's note (its level-1/2 units, how many the table shows, a capped map)
    and whether its map is capped (more than :data:`DISTRICT_POINTS` units)."""
    shown = counts["n_level1"] + counts["n_level2"]
    note = tr("Level-1 and level-2 units in {}: {}").format(name, shown)
    if shown > rows:
        note += " " + tr("(the first {} shown)").format(rows)
    capped = counts["n_total"] > DISTRICT_POINTS
    if capped:
        note += " " + tr("The map shows the risk density and the level-1 and level-2 units only: {} of {} "
                         "units.").format(f"{shown:,}", f"{counts['n_total']:,}")
    return note, capped


def _present(value) -> bool:
    """Whether a feature's value is set (not None, not a NULL QVariant)."""
    return value is not None and not (hasattr(value, "isNull") and value.isNull())


def _cover_geometry(risk: QgsVectorLayer, districts: QgsVectorLayer | None) -> QgsGeometry:
    extent = QgsRectangle(risk.extent())
    if districts is not None:
        extent.combineExtentWith(districts.extent())
    if extent.isEmpty() or extent.width() == 0 or extent.height() == 0:
        extent.grow(0.01)  # one unit, or all on one line: about a kilometre around
    return QgsGeometry.fromRect(extent)


def _widths(table: QgsLayoutTable, total: float, fixed: list[float]) -> list[float]:
    """Column widths (mm) that make ``table`` ``total`` mm wide: the columns given as 0
    share what the others leave."""
    inner = total - len(fixed) * 2 * table.cellMargin() - (len(fixed) + 1) * table.gridStrokeWidth()
    free = [i for i, w in enumerate(fixed) if not w]
    rest = max(inner - sum(fixed), 0.0)
    return [w or rest / len(free) for w in fixed]


def _page_value(field: str, bold: bool = False) -> QgsTableCell:
    """A number cell: the atlas page's ``field`` (empty when NULL)."""
    return _cell(QgsProperty.fromExpression(f"coalesce(to_string(attribute(@atlas_feature, '{field}')), '')"),
                 bold=bold, size=8, align=Qt.AlignmentFlag.AlignRight)


def _fill_level_counts(table: QgsLayoutItemManualTable, rules, tr, inherent: bool = False,
                       dynamic: bool = False) -> None:
    """One row per level (label on the level's colour) with the page's count and its share of
    the page's units; with ``inherent`` a header row, the count by inherent level (the scores
    alone) before the final one, and a last row of the units the upgrades raised
    (docs/domain/mapping.md §3.1); with ``dynamic`` a column of the units by dynamic level
    (现实风险) after the final one, its last row the units the dynamic factors raised."""
    blank = _cell("", size=8)
    width = table.frame(0).rect().width()
    # Three number columns leave a narrow table (a district page's) too little room for
    # "3 一般风险 moderate risk": there the level's number and Chinese name, as the Excel
    # report's headings show them; the legend beside it has the full label.
    compact = (inherent or dynamic) and width < COMPACT_BELOW_MM
    dyn = [blank] if dynamic else []
    rows = []
    if inherent or dynamic:
        heads = [*([tr("Inherent")] if inherent else []), tr("Final"), *([tr("Dynamic")] if dynamic else []),
                 tr("Share")]
        rows.append([blank, *(_cell(t, bold=True, size=8, align=Qt.AlignmentFlag.AlignRight) for t in heads)])
    for k, lv in rules.levels.items():
        label = f"{lv.level} {lv.zh}" if compact else level_label(lv)
        rows.append([_cell(label, background=lv.colour, size=8),
                     *([_page_value(f"n_inherent{k}")] if inherent else []),
                     _page_value(f"n_level{k}"), *([_page_value(f"n_dynamic{k}")] if dynamic else []),
                     _page_value(f"share_level{k}")])
    unscored = UNSCORED_LABEL.split()[0] if compact and dynamic else UNSCORED_LABEL  # 未评级, as the levels' names
    rows.append([_cell(unscored, background="#bfbfbf", size=8), *([blank] if inherent else []),
                 _page_value("n_unscored"), *dyn, _page_value("share_unscored")])
    rows.append([_cell(tr("Total"), bold=True, size=8), *([blank] if inherent else []),
                 _page_value("n_total", bold=True), *dyn, blank])
    if inherent or dynamic:
        rows.append([_cell(tr("Raised"), size=8), *([blank] if inherent else []),
                     _page_value("n_raised", bold=True) if inherent else blank,
                     *([_page_value("n_dynamic_raised", bold=True)] if dynamic else []), blank])
        table.frame(0).attemptResize(
            QgsLayoutSize(width, COUNTS_WITH_INHERENT_MM, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    table.setTableContents(rows)
    numbers = [*([13.0] if inherent else []), 12.0, *([12.0] if dynamic else []), 12.0]
    if not (inherent or dynamic):
        numbers = [14.0, 12.0]
    elif inherent and dynamic:
        numbers = [11.0, 9.5, 12.5, 10.5]
    table.setColumnWidths(_widths(table, width, [0.0, *numbers]))


def _fill_summary(table: QgsLayoutItemManualTable, units, rules, tr) -> None:
    """Units by sector × level; the header row coloured by level."""
    frame = level_table(units, rules)
    colours = {f"{k} {lv.zh}": lv.colour for k, lv in rules.levels.items()}
    header = [_cell(tr("Sector"), bold=True, background="#e6e6e6")]
    for col in frame.columns:
        header.append(_cell(col, bold=True, background=colours.get(col, "#e6e6e6"), align=Qt.AlignmentFlag.AlignCenter))
    rows = [header]
    last = len(frame.index) - 1
    for i, (name, values) in enumerate(frame.iterrows()):
        rows.append([_cell(str(name), bold=i == last)]
                    + [_cell(int(v), bold=i == last, align=Qt.AlignmentFlag.AlignRight) for v in values])
    width = table.frame(0).rect().width()
    table.setTableContents(rows)
    table.setColumnWidths(_widths(table, width, [SECTOR_COLUMN_MM] + [0.0] * len(frame.columns)))


def _fill_units_table(table: QgsLayoutItemAttributeTable, risk: QgsVectorLayer, width: float, rows: int,
                      tr, by_field: bool = False) -> None:
    """The atlas district's level-1 and level-2 units, worst first, one line each: those inside
    its polygon, or (``by_field``, no polygons) those whose district field names it."""
    table.setVectorLayer(risk)
    spec = [(tr("Unit code"), '"unit_code"', 22.0, Qt.AlignmentFlag.AlignLeft),
            (tr("Unit name"), '"name"', 34.0, Qt.AlignmentFlag.AlignLeft),
            (tr("Sector"), '"sector_zh"', 13.0, Qt.AlignmentFlag.AlignLeft),
            (tr("Level"), 'to_int("level")', 7.0, Qt.AlignmentFlag.AlignCenter),
            (tr("R"), "coalesce(format_number(\"r_value\", 1), '')", 9.0, Qt.AlignmentFlag.AlignRight),
            (tr("Level reasons"), REASONS_WITH_CASCADE_EXPRESSION if risk.fields().indexOf("cascade_reason") >= 0
             else REASONS_EXPRESSION, 0.0, Qt.AlignmentFlag.AlignLeft)]
    widths = _widths(table, width, [w for _h, _e, w, _a in spec])
    columns = []
    for (heading, expression, _w, align), width in zip(spec, widths):
        col = QgsLayoutTableColumn(heading)
        col.setAttribute(expression)
        col.setWidth(width)
        col.setHAlignment(align)
        columns.append(col)
    table.setColumns(columns)
    order = []
    for expression, direction in UNITS_ORDER:
        col = QgsLayoutTableColumn()
        col.setAttribute(expression)
        col.setSortOrder(direction)
        order.append(col)
    table.setSortColumns(order)
    table.setFilterFeatures(True)
    if by_field:
        table.setFeatureFilter(f"{UNITS_FILTER} AND coalesce(trim(\"district\"), '') = "
                               "attribute(@atlas_feature, 'district_key')")
        table.setFilterToAtlasFeature(False)
    else:
        table.setFeatureFilter(UNITS_FILTER)
        table.setFilterToAtlasFeature(True)
    table.setMaximumNumberOfFeatures(rows)
    table.setEmptyTableMessage(tr("No level-1 or level-2 units"))


def _cover_points_layer(db: str, rules, tr) -> QgsVectorLayer | None:
    """The level-1 units of the risk map, at most :data:`COVER_POINTS` (the worst first, by R
    then code), in the level's style; None when there are none."""
    where = f'"level" = {COVER_LEVEL}'
    total = read.count(db, "risk_map", where)
    if not total:
        return None
    name = tr("Risk units by level")
    subset = where
    if total > COVER_POINTS:
        order = ", ".join(f"{e} {'ASC' if d == Qt.SortOrder.AscendingOrder else 'DESC'}" for e, d in UNITS_ORDER[1:])
        subset = (f'{where} AND "unit_code" IN (SELECT "unit_code" FROM "risk_map" WHERE {where} '
                  f"ORDER BY {order} LIMIT {COVER_POINTS})")
        name += f"（显示 {COVER_POINTS:,} / {total:,}）shown {COVER_POINTS:,} of {total:,}"
    layer = _layer(db, "risk_map", name)
    layer.setSubsetString(subset)
    style_risk_layer(layer, rules, only_levels=(COVER_LEVEL,))  # the legend: the level drawn
    _unshape_labeling(layer)
    return layer


def _cap_district_map(project: QgsProject, map_item: QgsLayoutItemMap, db: str, rules, risk: QgsVectorLayer,
                      outlines: list, density: QgsRasterLayer | None, tr) -> None:
    """The pages of districts of more than :data:`DISTRICT_POINTS` units draw the density, the
    outlines and the level-1 and level-2 units only (a layer set chosen per atlas page)."""
    top = _layer(db, "risk_map", tr("Level-1 and level-2 units"))
    top.setSubsetString(DISTRICT_CAPPED_LEVELS)
    style_risk_layer(top, rules)
    _unshape_labeling(top)
    project.addMapLayer(top, False)

    def names(layers) -> str:  # the data-defined layer set: names, top first, '|' between
        return QgsExpression.quotedString("|".join(x.name() for x in layers if x is not None))

    full = names([risk, *outlines])
    few = names([top, *outlines, density])
    map_item.dataDefinedProperties().setProperty(
        QgsLayoutObject.DataDefinedProperty.MapLayers, QgsProperty.fromExpression(
            f"CASE WHEN attribute(@atlas_feature, 'capped') = 1 THEN {few} ELSE {full} END"))


def _density_layer(db: str, rules, work_dir: str | None) -> QgsRasterLayer | None:
    """The risk density of the risk map's points (the rules' weights, cell and bandwidth, as
    citysafety:risk_map computes it), written in ``work_dir`` and styled as the plugin loads
    it; None without ``work_dir`` or points."""
    if work_dir is None:
        return None
    risk = read.layer(db, "risk_map", ["level"])
    if not len(risk):
        return None
    level = pd.to_numeric(risk["level"], errors="coerce")
    w = level.map(weights(rules)).fillna(0.0).to_numpy(dtype=float)
    try:
        grid = risk_density(risk.geometry.x.to_numpy(), risk.geometry.y.to_numpy(), w,
                            cell_m=rules.density["cell_m"], bandwidth_m=rules.density["bandwidth_m"],
                            kernel=rules.density["kernel"])
    except ValueError:  # no usable point, or a grid too large: the cover goes without it
        return None
    path = write_density_tif(grid, Path(work_dir) / "risk_density.tif")
    layer = QgsRasterLayer(str(path), DENSITY_TITLE)
    if not layer.isValid():
        return None
    style_density(layer)
    return layer


def _item(layout: QgsPrintLayout, item_id: str, kind):
    item = layout.itemById(item_id)
    if item is None:
        raise ReportError(f"{TEMPLATE.name} has no item '{item_id}'",
                          f"模板 {TEMPLATE.name} 中没有元素「{item_id}」")
    if kind in (QgsLayoutItemManualTable, QgsLayoutItemAttributeTable):
        item = item.multiFrame()
    if not isinstance(item, kind):
        raise ReportError(f"{TEMPLATE.name}: item '{item_id}' is not a {kind.__name__}",
                          f"模板 {TEMPLATE.name} 中的元素「{item_id}」类型不符")
    return item


def _load_template(project: QgsProject) -> QgsPrintLayout:
    doc = QDomDocument()
    try:
        ok = doc.setContent(TEMPLATE.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot read {TEMPLATE}: {exc}", f"无法读取报告模板 {TEMPLATE}：{exc}") from exc
    layout = QgsPrintLayout(project)
    # A QGraphicsScene updates its item index from a timer, which never fires on a worker
    # thread without an event loop (a Processing algorithm's): the pages came out blank.
    layout.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
    if ok:
        _items, ok = layout.loadFromTemplate(doc, QgsReadWriteContext())
    if not ok:
        raise ReportError(f"cannot load the layout template {TEMPLATE}", f"无法加载报告模板 {TEMPLATE}")
    return layout


def build_layout(project: QgsProject, db: str, rules, title: str, tr, date_text: str,
                 work_dir: str | None = None) -> QgsPrintLayout:
    """The report layout with its atlas; its layers are owned by ``project``. The cover's
    density raster is written in ``work_dir`` (none without it), which must outlive the layout."""
    risk = _layer(db, "risk_map", tr("Risk units by level"))
    style_risk_layer(risk, rules)
    _unshape_labeling(risk)
    districts = _district_layer(db, tr("District boundaries")) \
        if "district_summary" in riskdb.layer_names(db) else None
    if districts is not None:
        project.addMapLayer(districts)
    project.addMapLayer(risk)  # added last: on top in the layer tree and the legend
    project.setCrs(QgsCoordinateReferenceSystem(SOURCE_CRS))
    # the counts (and by inherent level, when the units record it) and the map's zone
    have = read.field_names(db, "units")
    units = read.columns(db, "units", ["sector", "level", "lon"]
                         + [c for c in ("lat", "district") if districts is None and c in have]
                         + [c for c in ("inherent_level", "dynamic_level", "dynamic_raise", "dynamic_as_of")
                            if c in have])
    points = _cover_points_layer(db, rules, tr)
    density = _density_layer(db, rules, work_dir)
    for layer in (points, density):
        if layer is not None:
            project.addMapLayer(layer, False)  # the cover's alone: not in the district pages' legend

    layout = _load_template(project)
    layout.setName(tr("City Safety Risk Map report"))
    units_table = _item(layout, "units_table", QgsLayoutItemAttributeTable)
    rows = units_table.maximumNumberOfFeatures()
    unit_districts = _districts_of_units(units, rules, tr) if districts is None else None
    as_of = str(units["dynamic_as_of"].dropna().max()) if "dynamic_as_of" in units and \
        units["dynamic_as_of"].notna().any() else ""
    pages = _pages_layer(title, _cover_geometry(risk, districts), _level_counts(units, rules), districts, rows, tr,
                         unit_districts, _accountability_by_district(db))
    project.addMapLayer(pages, False)  # the atlas coverage: neither drawn nor in the legend
    # the inherent column on each kind of page whose counts have it (every such page has)
    kinds = {"cover": "city", "district": "district"}
    inherent = {kind: any(f["kind"] == value and _present(f["n_raised"]) for f in pages.getFeatures())
                for kind, value in kinds.items()}
    dynamic = {kind: any(f["kind"] == value and _present(f["n_dynamic_raised"]) for f in pages.getFeatures())
               for kind, value in kinds.items()}

    lon = pd.to_numeric(units["lon"], errors="coerce").dropna()
    epsg = gauss_kruger_epsg(float(lon.median())) if len(lon) else DEFAULT_MAP_EPSG
    outlines = [districts] if districts is not None else []
    page_layers = {"cover": [x for x in (points, *outlines, density) if x is not None],
                   "district": [risk, *outlines]}
    capped = any(f["capped"] for f in pages.getFeatures() if f["kind"] == "district")
    for kind in PAGE_KINDS:
        map_item = _item(layout, f"{kind}_map", QgsLayoutItemMap)
        map_item.setCrs(QgsCoordinateReferenceSystem(f"EPSG:{epsg}"))
        map_item.setLayers(page_layers[kind])
        map_item.setKeepLayerSet(True)
        map_item.setAtlasDriven(True)
        if kind == "district" and capped:
            _cap_district_map(project, map_item, db, rules, risk, outlines, density, tr)
        legend = _item(layout, f"{kind}_legend", QgsLayoutItemLegend)
        legend.setTitle(tr("Legend"))
        legend.setLinkedMap(map_item)
        if kind == "cover":  # its own layers, not the project's tree
            legend.setAutoUpdateModel(False)
            root = legend.model().rootGroup()
            root.removeAllChildren()
            for layer in page_layers[kind]:
                root.addLayer(layer)
        legend.updateLegend()
        _item(layout, f"{kind}_counts_heading", QgsLayoutItemLabel).setText(
            tr("Units by risk level") + (" · " + tr("dynamic on {}").format(as_of)
                                         if dynamic[kind] and kind == "cover" else ""))  # a district's is narrow
        _fill_level_counts(_item(layout, f"{kind}_counts", QgsLayoutItemManualTable), rules, tr,
                           inherent=inherent[kind], dynamic=dynamic[kind])

    _item(layout, "date", QgsLayoutItemLabel).setText(tr("Date: {}").format(date_text))
    _item(layout, "footer", QgsLayoutItemLabel).setText(
        tr("Source: {}  ·  Rules: {}").format(name_of(db), getattr(rules, "name", "")))
    _item(layout, "summary_heading", QgsLayoutItemLabel).setText(tr("Units by sector and risk level"))
    _fill_summary(_item(layout, "summary_table", QgsLayoutItemManualTable), units, rules, tr)
    heading = _item(layout, "units_heading", QgsLayoutItemLabel)  # the table is as wide as its heading
    # The table's own instance of the layer, the provider filtering the listed levels (SQLite on
    # the file): the table then sorts and clips a few thousand units per page, not every unit of
    # the city (1,116,200 units: 32 s of the report before).
    listed = _layer(db, "risk_map", tr("Level-1 and level-2 units"))
    listed.setSubsetString(UNITS_FILTER)
    project.addMapLayer(listed, False)
    _fill_units_table(units_table, listed, heading.rect().width(), rows, tr, by_field=districts is None)
    _unshape_layout(layout)

    atlas = layout.atlas()
    atlas.setCoverageLayer(pages)
    atlas.setEnabled(True)
    atlas.setHideCoverage(False)
    atlas.setSortFeatures(True)
    atlas.setSortExpression(QgsExpression.quotedColumnRef("page"))
    atlas.setFilenameExpression("'report'")
    return layout


def require_risk_map(db: str) -> None:
    """Refuse, with the reason, a database the PDF cannot be made from (no risk map yet)."""
    if not Path(db).is_file():
        raise ReportError(f"risk database not found: {db}", f"找不到风险数据库：{db}")
    if "risk_map" not in riskdb.layer_names(db):
        raise ReportError(f"{name_of(db)} has no risk map yet; run citysafety:risk_map before the PDF report",
                          f"{name_of(db)} 还没有风险一张图，请先运行风险一张图再导出 PDF 报告")


def pdf_settings(dpi: int) -> QgsLayoutExporter.PdfExportSettings:
    """How the plugin's PDFs are exported: vector, text as text (extractable Chinese)."""
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = dpi
    settings.rasterizeWholeImage = False
    settings.forceVectorOutput = True
    settings.textRenderFormat = Qgis.TextRenderFormat.AlwaysText
    settings.exportMetadata = True
    settings.simplifyGeometries = True
    return settings


def export_report_pdf(db: str, pdf_path: str, rules, title: str | None = None, feedback=None, tr=None,
                      date_text: str | None = None) -> int:
    """Write the PDF report of risk database ``db`` to ``pdf_path``; the number of pages.

    ``rules`` is the loaded rules file (level colours and names, sectors); ``title`` the
    report's title (default: the translated "City Safety Risk Map (城市安全风险一张图)");
    ``feedback`` a QgsFeedback (progress, cancel); ``tr`` the translation function
    (default :func:`plugin.i18n.tr`); ``date_text`` the date printed (default today, ISO).
    Raises :class:`Canceled` when cancelled and :class:`ReportError` on failure; either way
    an earlier file at ``pdf_path`` is left as it was.
    """
    tr = tr or _default_tr()
    if rules is None:
        from ..core.rules import load_rules

        rules = load_rules()
    title = title or tr("City Safety Risk Map (城市安全风险一张图)")
    date_text = date_text or _dt.date.today().isoformat()
    db = str(db)
    require_risk_map(db)
    _check(feedback, 2)
    project = QgsProject()
    work = tempfile.TemporaryDirectory(prefix="citysafety-report-")
    try:
        layout = build_layout(project, db, rules, title, tr, date_text, work.name)
        _check(feedback, 10)
        pages = layout.atlas().count() if layout.atlas().updateFeatures() else 0
        if pages < 1:
            raise ReportError("the report has no pages", "报告没有页面")
        settings = pdf_settings(DPI)
        out = Path(pdf_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        # Beside the target (same file system, so the rename is atomic); created by the
        # exporter itself, so it gets the usual permissions rather than mkstemp's 0600.
        sweep(out)  # what a killed run left
        tmp = str(temp_path(out, ".pdf"))
        try:
            result, error = QgsLayoutExporter.exportToPdf(layout.atlas(), tmp, settings, _export_feedback(feedback))
            if (feedback is not None and feedback.isCanceled()) or result == QgsLayoutExporter.ExportResult.Canceled:
                raise Canceled()
            if result != QgsLayoutExporter.ExportResult.Success:
                raise ReportError(f"cannot write the PDF {out}: {error or result}",
                                  f"无法写出 PDF {out}：{error or result}")
            fix_pdf_text(tmp)
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        if feedback is not None:
            feedback.setProgress(100)
        return pages
    finally:
        layout = None
        project.clear()
        work.cleanup()

"""The change report's PDF page (变化报告): the map of what changed between two survey rounds
and the counts by district (docs/rounds.md §4). One A4 landscape page built in code from the
report's own helpers (fonts, cells, text export, the fix of the PDF's Chinese text map): the
``round_changes`` layer styled by change over the district boundaries, its legend, and the
units per change and district with a total row. Written beside its target and moved into place."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import pandas as pd
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsLayoutExporter,
    QgsLayoutFrame,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemManualTable,
    QgsLayoutItemMap,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsPrintLayout,
    QgsProject,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt

from ..core.errors import Canceled
from ..core.files import name_of, sweep, temp_path
from ..core.rounds import CHANGE_ZH, CHANGES
from ..layers.styling import style_changes, style_district_outline
from .report_pdf import DPI, ReportError, _cell, _unshape_layout, fix_pdf_text, font, pdf_settings, text_format

MM = QgsUnitTypes.LayoutUnit.LayoutMillimeters
PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 10.0
MAP = (MARGIN, 24.0, 170.0, 176.0)  # x, y, w, h
SIDE_X = MARGIN + 170.0 + 6.0


def _fit(extent, ratio: float):
    """``extent`` grown by 5 % and to the map's width:height ``ratio``, about its centre (the
    map item's zoomToExtent gives an empty extent on a layout built in code)."""
    from qgis.core import QgsRectangle

    w, h = extent.width() * 1.05 or 0.01, extent.height() * 1.05 or 0.01
    w, h = max(w, h * ratio), max(h, w / ratio)
    c = extent.center()
    return QgsRectangle(c.x() - w / 2, c.y() - h / 2, c.x() + w / 2, c.y() + h / 2)


def _place(item, x, y, w, h) -> None:
    item.attemptMove(QgsLayoutPoint(x, y, MM))
    item.attemptResize(QgsLayoutSize(w, h, MM))


def _label(layout, text: str, x, y, w, h, size: float, bold: bool = False) -> QgsLayoutItemLabel:
    item = QgsLayoutItemLabel(layout)
    item.setText(text)
    if hasattr(item, "setTextFormat"):  # QGIS 3.24 on; 3.44 deprecates setFont
        item.setTextFormat(text_format(size, bold))
    else:
        item.setFont(font(size, bold))
    item.setVAlign(Qt.AlignmentFlag.AlignVCenter)
    layout.addLayoutItem(item)
    _place(item, x, y, w, h)
    return item


def _counts_table(layout, changes: pd.DataFrame, tr) -> None:
    """Units per change by district, a total row last (the colour of each change over its column)."""
    from ..layers.styling import CHANGE_STYLES

    key = changes["district"].fillna("").astype(str)
    table = pd.crosstab(key, changes["change"]).reindex(columns=list(CHANGES), fill_value=0)
    table.loc[tr("Total")] = table.sum()
    head = [_cell(tr("District"), bold=True, background="#e6e6e6", size=7)]
    for c in CHANGES:
        head.append(_cell(CHANGE_ZH[c], bold=True, size=7, align=Qt.AlignmentFlag.AlignCenter,
                          background="#{:02x}{:02x}{:02x}".format(*CHANGE_STYLES[c][1])))
    rows = [head]
    last = len(table) - 1
    for i, (name, values) in enumerate(table.iterrows()):
        rows.append([_cell(str(name) or tr("(no district)"), bold=i == last, size=7)]
                    + [_cell(int(v), bold=i == last, size=7, align=Qt.AlignmentFlag.AlignRight) for v in values])
    item = QgsLayoutItemManualTable.create(layout)
    layout.addMultiFrame(item)
    frame = QgsLayoutFrame(layout, item)
    _place(frame, SIDE_X, 112.0, PAGE_W - MARGIN - SIDE_X, 88.0)
    item.addFrame(frame)
    item.setTableContents(rows)
    width = PAGE_W - MARGIN - SIDE_X
    item.setColumnWidths([width - 6 * 11.0 - 8.0] + [11.0] * len(CHANGES))  # cell margins take the rest


def export_changes_pdf(db: str, pdf_path: str, changes: pd.DataFrame, before: str, after: str, tr,
                       feedback=None) -> Path:
    """Write the change report's page of ``db`` (its ``round_changes``, ``changes`` the same
    rows) to ``pdf_path``; an earlier file there is left as it was on a failure or cancel."""
    project = QgsProject()
    try:
        layers = []
        outline = QgsVectorLayer(f"{db}|layername=district_summary", tr("District boundaries"), "ogr")
        points = QgsVectorLayer(f"{db}|layername=round_changes", tr("Changes between rounds"), "ogr")
        if not points.isValid():
            raise ReportError(f"{name_of(db)} has no changes layer (round_changes)",
                              f"{name_of(db)} 中没有变化图层（round_changes）")
        style_changes(points)
        if outline.isValid():
            style_district_outline(outline)
            layers.append(outline)
        layers.insert(0, points)
        for layer in layers:
            project.addMapLayer(layer)
        project.setCrs(QgsCoordinateReferenceSystem("EPSG:4490"))
        layout = QgsPrintLayout(project)
        layout.initializeDefaults()
        page = layout.pageCollection().page(0)
        page.setPageSize(QgsLayoutSize(PAGE_W, PAGE_H, MM))
        _label(layout, tr("What changed between two survey rounds"), MARGIN, 6, PAGE_W - 2 * MARGIN, 9, 15, True)
        _label(layout, f"{before} → {after}  ·  {_dt.date.today().isoformat()}", MARGIN, 15, PAGE_W - 2 * MARGIN,
               6, 9)
        m = QgsLayoutItemMap(layout)
        m.setCrs(QgsCoordinateReferenceSystem("EPSG:4490"))
        layout.addLayoutItem(m)
        _place(m, *MAP)
        m.setLayers(layers)
        m.setKeepLayerSet(True)
        m.setExtent(_fit((outline if outline.isValid() else points).extent(), MAP[2] / MAP[3]))
        m.setFrameEnabled(True)
        legend = QgsLayoutItemLegend(layout)
        legend.setTitle(tr("Legend"))
        legend.setLinkedMap(m)
        legend.setAutoUpdateModel(False)
        root = legend.model().rootGroup()
        root.removeAllChildren()
        root.addLayer(points)
        layout.addLayoutItem(legend)
        _place(legend, SIDE_X, 24.0, PAGE_W - MARGIN - SIDE_X, 60.0)
        total = {c: int((changes["change"] == c).sum()) for c in CHANGES}
        _label(layout, "  ".join(f"{CHANGE_ZH[c]} {c} {total[c]:,}" for c in CHANGES), SIDE_X, 88.0,
               PAGE_W - MARGIN - SIDE_X, 14, 8)
        _label(layout, tr("By district"), SIDE_X, 104.0, 80, 6, 10, True)
        _counts_table(layout, changes, tr)
        _unshape_layout(layout)
        out = Path(pdf_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        sweep(out)
        tmp = str(temp_path(out, ".pdf"))
        try:
            exporter = QgsLayoutExporter(layout)
            result = exporter.exportToPdf(tmp, pdf_settings(DPI))
            if feedback is not None and feedback.isCanceled():
                raise Canceled()
            if result != QgsLayoutExporter.ExportResult.Success:
                raise ReportError(f"cannot write the PDF {out}: {result}", f"无法写出 PDF {out}：{result}")
            fix_pdf_text(tmp)
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return out
    finally:
        project.clear()

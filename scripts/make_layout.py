"""Build the report's print layout template resources/layouts/report.qpt with PyQGIS.

    cd /work/main && QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_layout.py

One A4 landscape page, driven by an atlas: page 1 is the whole city (cover), each further
page one district. plugin/processing/report_pdf.py loads the template, finds the items by
id and fills in the layers, the texts and the tables. Items that belong to one kind of page
only are hidden on the others with the data-defined "exclude from exports" property.

Item ids (the contract with report_pdf.py), ``{kind}`` being ``cover`` or ``district``:

    title, date, footer, page_number           labels, every page
    {kind}_map, _north_arrow, _scalebar        the atlas map of that kind of page
    {kind}_legend                              the legend, linked to that map
    {kind}_counts_heading, {kind}_counts       manual table: the page's units per level
    summary_heading, summary_table             cover: units by sector × level
    {kind}_accountability                      label: who answers for the risk (the page's counts)
    units_heading, units_table                 district pages: the level-1/2 units

The per-page texts are expressions on the atlas feature (a row of the report_pages layer
that report_pdf.py builds: heading, note, accountability, n_level1…n_level4, n_unscored,
n_total), so the
template itself carries no language. Re-runnable; the output is the same every time.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from pathlib import Path

os.environ["QT_HASH_SEED"] = "0"  # attributes in a fixed order: a re-run shows no diff

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "layouts" / "report.qpt"
sys.path.insert(0, str(ROOT))
from plugin import installer

installer.activate()  # in the user and LTR lanes the packages come from the plugin's installer

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsLayoutFrame,
    QgsLayoutItemAttributeTable,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemManualTable,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutMeasurement,
    QgsLayoutMultiFrame,
    QgsLayoutObject,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLayoutTable,
    QgsLegendStyle,
    QgsPrintLayout,
    QgsProject,
    QgsProperty,
    QgsReadWriteContext,
    QgsRectangle,
    QgsScaleBarSettings,
    QgsTableCell,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor

from plugin.processing.report_pdf import font, text_format

MAP_CRS = "EPSG:4547"  # CGCS2000 / 3-degree GK CM 114E; report_pdf.py sets the data's own zone
NORTH_ARROW = "/usr/share/qgis/svg/arrows/NorthArrow_02.svg"  # stored as arrows/NorthArrow_02.svg

# Page geometry, mm (A4 landscape 297 × 210).
PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 10.0
RIGHT = PAGE_W - MARGIN
TOP = 27.0  # below the title and the date
BOTTOM = 193.0  # above the footer
# Cover: a wide map of the city over the table of units by sector × level; the legend and
# the units per level on the right.
COVER_MAP = (MARGIN, TOP, 185.0, 96.0)
COVER_SIDE_X = MARGIN + 185.0 + 6.0
COVER_TABLE_Y = TOP + 96.0 + 12.0
# District pages: a tall map of the district; legend, units per level and the table of
# level-1/2 units on the right.
DISTRICT_MAP = (MARGIN, TOP, 132.0, BOTTOM - TOP)
PANEL_X = MARGIN + 132.0 + 6.0
PANEL_W = RIGHT - PANEL_X  # 139
UNITS_TABLE_Y = 100.0
#: Rows of the district table: what fits between UNITS_TABLE_Y and BOTTOM at the content
#: font, one line a row (checked by tests/processing/test_report_pdf.py).
UNITS_TABLE_ROWS = 17
UNITS_FONT_SIZE = 6.5

#: "Exclude from exports" when the page is not of this kind (the designer shows the cover).
EXCLUDE_UNLESS = {"cover": "coalesce(@atlas_featurenumber, 1) > 1",
                  "district": "coalesce(@atlas_featurenumber, 1) = 1"}


def place(item, x: float, y: float, w: float, h: float) -> None:
    item.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    item.attemptResize(QgsLayoutSize(w, h, QgsUnitTypes.LayoutUnit.LayoutMillimeters))


def only_on(item, kind: str):
    """Show ``item`` on pages of ``kind`` ("cover" or "district") only."""
    item.dataDefinedProperties().setProperty(QgsLayoutObject.DataDefinedProperty.ExcludeFromExports,
                                             QgsProperty.fromExpression(EXCLUDE_UNLESS[kind]))
    return item


def label(layout, item_id: str, text: str, x, y, w, h, size=9.0, bold=False, align=Qt.AlignmentFlag.AlignLeft,
          colour="#000000") -> QgsLayoutItemLabel:
    item = QgsLayoutItemLabel(layout)
    item.setId(item_id)
    item.setText(text)
    item.setFont(font(size, bold))
    item.setFontColor(QColor(colour))
    item.setHAlign(align)
    item.setVAlign(Qt.AlignmentFlag.AlignVCenter)
    item.setMarginX(0.0)
    item.setMarginY(0.0)
    layout.addLayoutItem(item)
    place(item, x, y, w, h)
    return item


def table_frame(layout, table, frame_id: str, x, y, w, h) -> QgsLayoutFrame:
    layout.addMultiFrame(table)
    frame = QgsLayoutFrame(layout, table)
    frame.setId(frame_id)
    place(frame, x, y, w, h)
    table.addFrame(frame)
    table.setResizeMode(QgsLayoutMultiFrame.ResizeMode.UseExistingFrames)  # never a page more
    return frame


def inner_width(total: float, columns: int, table) -> float:
    """What ``columns`` columns may share so that the table is ``total`` mm wide."""
    return total - columns * 2 * table.cellMargin() - (columns + 1) * table.gridStrokeWidth()


def placeholder(table, width: float) -> None:
    """One cell as wide as the frame: report_pdf.py reads the frame's width as its target."""
    table.setTableContents([[QgsTableCell("…")]])
    table.setColumnWidths([inner_width(width, 1, table)])


def style_table(table, size: float = 7.0) -> None:
    table.setHeaderTextFormat(text_format(size, bold=True))
    table.setContentTextFormat(text_format(size))
    table.setCellMargin(0.9)
    table.setGridStrokeWidth(0.15)
    table.setGridColor(QColor("#9a9a9a"))
    table.setBackgroundColor(QColor("#ffffff"))
    table.setWrapBehavior(QgsLayoutTable.WrapBehavior.TruncateText)
    table.setHeaderHAlignment(QgsLayoutTable.HeaderHAlignment.FollowColumn)


def map_with_furniture(layout, kind: str, x, y, w, h) -> QgsLayoutItemMap:
    """The atlas map of one kind of page, with its north arrow and scale bar."""
    m = QgsLayoutItemMap(layout)
    m.setId(f"{kind}_map")
    m.setCrs(QgsCoordinateReferenceSystem(MAP_CRS))
    layout.addLayoutItem(m)
    place(m, x, y, w, h)
    # An extent of the item's shape (1:1,000,000 around Shenzhen): the atlas keeps the
    # shape of the current extent, and an empty one would distort the map.
    m.setExtent(QgsRectangle(380_000, 2_470_000, 380_000 + w * 1000, 2_470_000 + h * 1000))
    m.setFrameEnabled(True)
    m.setFrameStrokeWidth(QgsLayoutMeasurement(0.3))
    m.setAtlasDriven(True)
    m.setAtlasScalingMode(QgsLayoutItemMap.AtlasScalingMode.Auto)
    m.setAtlasMargin(0.10)
    m.setKeepLayerSet(True)
    only_on(m, kind)

    arrow = QgsLayoutItemPicture(layout)
    arrow.setId(f"{kind}_north_arrow")
    arrow.setPicturePath(NORTH_ARROW)
    arrow.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
    arrow.setLinkedMap(m)
    arrow.setNorthMode(QgsLayoutItemPicture.NorthMode.TrueNorth)
    arrow.setSvgFillColor(QColor("#000000"))
    arrow.setSvgStrokeColor(QColor("#000000"))
    layout.addLayoutItem(arrow)
    place(arrow, x + w - 12, y + 3, 9, 13)
    only_on(arrow, kind)

    bar = QgsLayoutItemScaleBar(layout)
    bar.setId(f"{kind}_scalebar")
    bar.setStyle("Single Box")
    bar.setLinkedMap(m)
    bar.setUnits(QgsUnitTypes.DistanceUnit.DistanceKilometers)
    bar.setUnitLabel("km")
    bar.setNumberOfSegmentsLeft(0)
    bar.setNumberOfSegments(2)
    bar.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeMode.SegmentSizeFitWidth)
    bar.setMinimumBarWidth(18.0)
    bar.setMaximumBarWidth(36.0)
    bar.setHeight(1.8)
    bar.setTextFormat(text_format(7))
    bar.setBackgroundEnabled(True)
    bar.setBackgroundColor(QColor(255, 255, 255, 220))
    layout.addLayoutItem(bar)
    bar.attemptMove(QgsLayoutPoint(x + 2, y + h - 12, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    bar.resizeToMinimumWidth()
    only_on(bar, kind)
    return m


def legend(layout, kind: str, m, x, y, w) -> None:
    item = QgsLayoutItemLegend(layout)
    item.setId(f"{kind}_legend")
    item.setTitle("")
    item.setLinkedMap(m)
    item.setAutoUpdateModel(True)
    item.setResizeToContents(True)
    item.setStyleFont(QgsLegendStyle.Style.Title, font(9, bold=True))
    item.setStyleFont(QgsLegendStyle.Style.Group, font(8, bold=True))
    item.setStyleFont(QgsLegendStyle.Style.Subgroup, font(8, bold=True))
    item.setStyleFont(QgsLegendStyle.Style.SymbolLabel, font(7.5))
    item.setSymbolHeight(3.5)
    item.setSymbolWidth(5.0)
    item.setBoxSpace(1.5)
    layout.addLayoutItem(item)
    place(item, x, y, w, 50)
    only_on(item, kind)


def level_counts(layout, kind: str, x, y, w) -> None:
    """A heading and a table of the page's units per level (filled by report_pdf.py)."""
    only_on(label(layout, f"{kind}_counts_heading", "", x, y, w, 6, size=10, bold=True), kind)
    table = QgsLayoutItemManualTable.create(layout)
    style_table(table, 8)
    table.setIncludeTableHeader(False)
    placeholder(table, w)
    only_on(table_frame(layout, table, f"{kind}_counts", x, y + 7, w, 40), kind)


def build(project: QgsProject) -> QgsPrintLayout:
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 page
    layout.setName("City Safety Risk Map report")
    page = layout.pageCollection().page(0)
    page.setPageSize("A4", QgsLayoutItemPage.Orientation.Landscape)

    label(layout, "title", "[% attribute(@atlas_feature, 'heading') %]", MARGIN, 7, RIGHT - MARGIN, 11,
          size=17, bold=True)
    label(layout, "date", "", MARGIN, 18.5, RIGHT - MARGIN, 6, size=9, colour="#404040")
    label(layout, "footer", "", MARGIN, BOTTOM + 3, 220, 5, size=7, colour="#606060")
    label(layout, "page_number", "[% @atlas_featurenumber %] / [% @atlas_totalfeatures %]",
          RIGHT - 40, BOTTOM + 3, 40, 5, size=7, align=Qt.AlignmentFlag.AlignRight, colour="#606060")

    # The cover.
    m = map_with_furniture(layout, "cover", *COVER_MAP)
    side_w = RIGHT - COVER_SIDE_X
    legend(layout, "cover", m, COVER_SIDE_X, TOP, side_w)
    level_counts(layout, "cover", COVER_SIDE_X, COVER_TABLE_Y - 7, side_w)
    only_on(label(layout, "cover_accountability", "[% attribute(@atlas_feature, 'accountability') %]",
                  COVER_SIDE_X, BOTTOM - 11, side_w, 11, size=8), "cover")
    table_w = COVER_MAP[2]
    only_on(label(layout, "summary_heading", "", MARGIN, COVER_TABLE_Y - 7, table_w, 6, size=10, bold=True),
            "cover")
    summary = QgsLayoutItemManualTable.create(layout)
    style_table(summary, 7.5)
    summary.setIncludeTableHeader(False)  # its first row is the header, coloured by level
    placeholder(summary, table_w)
    only_on(table_frame(layout, summary, "summary_table", MARGIN, COVER_TABLE_Y, table_w, BOTTOM - COVER_TABLE_Y),
            "cover")

    # The district pages.
    m = map_with_furniture(layout, "district", *DISTRICT_MAP)
    legend(layout, "district", m, PANEL_X, TOP, 66)
    level_counts(layout, "district", PANEL_X + 72, TOP, PANEL_W - 72)
    only_on(label(layout, "district_accountability", "[% attribute(@atlas_feature, 'accountability') %]",
                  PANEL_X, UNITS_TABLE_Y - 17, PANEL_W, 8, size=8), "district")
    only_on(label(layout, "units_heading", "[% attribute(@atlas_feature, 'note') %]",
                  PANEL_X, UNITS_TABLE_Y - 8, PANEL_W, 6, size=10, bold=True), "district")
    units = QgsLayoutItemAttributeTable(layout)
    style_table(units, UNITS_FONT_SIZE)
    units.setMaximumNumberOfFeatures(UNITS_TABLE_ROWS)
    units.setEmptyTableBehavior(QgsLayoutTable.EmptyTableMode.ShowMessage)
    units.setShowEmptyRows(False)
    only_on(table_frame(layout, units, "units_table", PANEL_X, UNITS_TABLE_Y, PANEL_W, BOTTOM - UNITS_TABLE_Y),
            "district")
    return layout


def stable_uuids(xml: str) -> str:
    """Replace the random item uuids by ones derived from their order: same file every run."""
    seen: dict[str, str] = {}

    def sub(match: re.Match) -> str:
        old = match.group(0)
        if old not in seen:
            seen[old] = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"report.qpt/{len(seen)}")) + "}"
        return seen[old]

    return re.sub(r"\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}", sub, xml)


def write_template(build_layout, default_out: Path, argv: list[str] | None = None, doc: str = "") -> int:
    """Build a layout with ``build_layout(project)`` and save it as a template at ``--out``
    (default ``default_out``), its uuids made stable."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--out", type=Path, default=default_out, help=f"where to write the template (default "
                                                                      f"{default_out})")
    out = parser.parse_args(argv).out
    app = QgsApplication([], False)
    app.initQgis()
    try:
        project = QgsProject()
        layout = build_layout(project)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not layout.saveAsTemplate(str(out), QgsReadWriteContext()):
            print(f"cannot write {out}", file=sys.stderr)
            return 1
        out.write_text(stable_uuids(out.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {out}")
        return 0
    finally:
        app.exitQgis()


def main(argv: list[str] | None = None) -> int:
    return write_template(build, OUT, argv, __doc__ or "")


if __name__ == "__main__":
    sys.exit(main())

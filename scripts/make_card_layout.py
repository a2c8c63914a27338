"""Build the notice card's print layout template resources/layouts/notice_card.qpt with PyQGIS.

    cd /work/main && QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_card_layout.py

One A4 portrait page, driven by an atlas over the cards (a layer plugin/processing/notice_cards.py
builds: one feature per card, at the unit's place, with the fields of
plugin/core/reporting/cards.py CARD_FIELDS). Item ids (the contract with notice_cards.py):

    heading                         the card's kind (安全风险告知卡), set by notice_cards.py
    band, band_dark, band_light     the level's colour band and its name (dark or light ink)
    unit_name, unit_info            the unit (name; code, address, place, sector)
    qr, qr_caption                  the QR code of the unit code and the code under it
    points_heading, points          the risk points with their accident types
    signs_heading, sign1…sign6,     the GB 2894 warning signs and their words (a slot without
    sign1_text…sign6_text           a sign has an empty path and text: nothing is drawn)
    controls_heading, controls      the controls (engineering and management)
    emergency_heading, emergency    the emergency measures
    map, map_caption                a locator map at 1:10,000 around the unit
    people_heading, people          who answers: the responsible people, the 包保责任人
    contact_heading, contact        the supervising department and the numbers to call
    footer                          source, rules and date, set by notice_cards.py

The texts are expressions on the atlas feature, or set by notice_cards.py in the user's language:
the template carries no language. Re-runnable; the output is the same every time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from make_layout import QgsProject, label, place, write_template
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemShape,
    QgsLayoutMeasurement,
    QgsLayoutObject,
    QgsPrintLayout,
    QgsProperty,
    QgsRectangle,
    QgsSymbolLayer,
)
from qgis.PyQt.QtCore import Qt

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "layouts" / "notice_card.qpt"
MARGIN = 10.0
WIDTH = 190.0
SIGNS = 6
SIGN_W = 28.0
SIGN_GAP = (WIDTH - SIGNS * SIGN_W) / (SIGNS - 1)
MAP = (145.0, 172.0, 55.0, 55.0)  # x, y, w, h (mm)
MAP_SCALE = 10_000


def field(name: str) -> str:
    return f"[% attribute(@atlas_feature, '{name}') %]"


def exclude_when(item, expression: str) -> None:
    item.dataDefinedProperties().setProperty(QgsLayoutObject.DataDefinedProperty.ExcludeFromExports,
                                             QgsProperty.fromExpression(expression))


def build(project: QgsProject) -> QgsPrintLayout:
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName("City Safety Risk Map notice card")
    layout.pageCollection().page(0).setPageSize("A4", QgsLayoutItemPage.Orientation.Portrait)
    centre = Qt.AlignmentFlag.AlignHCenter

    label(layout, "heading", "", MARGIN, 7, WIDTH, 13, size=22, bold=True, align=centre)
    band = QgsLayoutItemShape(layout)
    band.setShapeType(QgsLayoutItemShape.Shape.Rectangle)
    band.setId("band")
    band.setSymbol(QgsFillSymbol.createSimple({"color": "191,191,191,255", "outline_style": "no"}))
    band.symbol().symbolLayer(0).setDataDefinedProperty(
        QgsSymbolLayer.Property.PropertyFillColor, QgsProperty.fromExpression("attribute(@atlas_feature, 'colour')"))
    layout.addLayoutItem(band)
    place(band, MARGIN, 22, WIDTH, 15)
    for ink, colour in (("dark", "#000000"), ("light", "#FFFFFF")):
        item = label(layout, f"band_{ink}", field("level_name"), MARGIN, 22, WIDTH, 15, size=18, bold=True,
                     align=centre, colour=colour)
        exclude_when(item, f"attribute(@atlas_feature, 'ink') {'<>' if ink == 'dark' else '='} '#000000'")

    label(layout, "unit_name", field("title"), MARGIN, 40, 150, 10, size=15, bold=True)
    label(layout, "unit_info", "", MARGIN, 51, 150, 21, size=9)
    qr = QgsLayoutItemPicture(layout)
    qr.setId("qr")
    qr.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
    qr.dataDefinedProperties().setProperty(QgsLayoutObject.DataDefinedProperty.PictureSource,
                                           QgsProperty.fromExpression("attribute(@atlas_feature, 'qr_path')"))
    layout.addLayoutItem(qr)
    place(qr, 168, 39, 32, 32)
    label(layout, "qr_caption", field("unit_code"), 163, 71, 42, 4, size=7, align=centre)

    label(layout, "points_heading", "", MARGIN, 77, WIDTH, 6, size=11, bold=True)
    points = label(layout, "points", field("points"), MARGIN, 84, WIDTH, 45, size=9)
    points.setVAlign(Qt.AlignmentFlag.AlignTop)

    label(layout, "signs_heading", "", MARGIN, 131, WIDTH, 6, size=11, bold=True)
    for i in range(1, SIGNS + 1):
        x = MARGIN + (i - 1) * (SIGN_W + SIGN_GAP)
        sign = QgsLayoutItemPicture(layout)
        sign.setId(f"sign{i}")
        sign.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
        sign.dataDefinedProperties().setProperty(
            QgsLayoutObject.DataDefinedProperty.PictureSource,
            QgsProperty.fromExpression(f"attribute(@atlas_feature, 'sign{i}')"))
        layout.addLayoutItem(sign)
        place(sign, x, 138, SIGN_W, 24.5)  # an empty path draws nothing: no exclusion to evaluate per card
        label(layout, f"sign{i}_text", field(f"sign{i}_text"), x - 2, 163, SIGN_W + 4, 5, size=9, bold=True,
              align=centre)

    text_w = MAP[0] - MARGIN - 5
    label(layout, "controls_heading", "", MARGIN, 171, text_w, 6, size=11, bold=True)
    controls = label(layout, "controls", field("controls"), MARGIN, 178, text_w, 33, size=8.5)
    controls.setVAlign(Qt.AlignmentFlag.AlignTop)
    label(layout, "emergency_heading", "", MARGIN, 213, text_w, 6, size=11, bold=True)
    emergency = label(layout, "emergency", field("emergency"), MARGIN, 220, text_w, 25, size=8.5)
    emergency.setVAlign(Qt.AlignmentFlag.AlignTop)

    m = QgsLayoutItemMap(layout)
    m.setId("map")
    m.setCrs(QgsCoordinateReferenceSystem("EPSG:4547"))
    layout.addLayoutItem(m)
    place(m, *MAP)
    m.setExtent(QgsRectangle(390_000, 2_490_000, 390_000 + MAP[2] * 10, 2_490_000 + MAP[3] * 10))
    m.setScale(MAP_SCALE)
    m.setFrameEnabled(True)
    m.setFrameStrokeWidth(QgsLayoutMeasurement(0.3))
    m.setAtlasDriven(True)
    m.setAtlasScalingMode(QgsLayoutItemMap.AtlasScalingMode.Fixed)
    label(layout, "map_caption", "", MAP[0], MAP[1] + MAP[3] + 1, MAP[2], 4, size=7, align=centre)

    label(layout, "people_heading", "", MARGIN, 248, WIDTH, 6, size=11, bold=True)
    people = label(layout, "people", field("people"), MARGIN, 255, WIDTH, 13, size=9)
    people.setVAlign(Qt.AlignmentFlag.AlignTop)
    label(layout, "contact_heading", "", MARGIN, 269, WIDTH, 6, size=11, bold=True)
    contact = label(layout, "contact", "", MARGIN, 276, WIDTH, 10, size=9)
    contact.setVAlign(Qt.AlignmentFlag.AlignTop)
    label(layout, "footer", "", MARGIN, 288, WIDTH, 5, size=7, colour="#606060")
    return layout


def main(argv: list[str] | None = None) -> int:
    return write_template(build, OUT, argv, __doc__ or "")


if __name__ == "__main__":
    sys.exit(main())

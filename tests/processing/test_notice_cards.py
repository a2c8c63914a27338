"""citysafety:notice_cards (issue 15): a 风险告知卡 per unit or per hazard source, through QGIS's
atlas from resources/layouts/notice_card.qpt — what a person reading the card on the wall sees:
the unit, its level's colour and name, the risk points with their accident types, the matching
GB 2894 signs, controls, emergency measures, who answers, the numbers to call, a QR code that
reads back as the unit code — as real Chinese text in the PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pyogrio
import pytest

from plugin.core.ingest import schema
from plugin.core.reporting import cards
from tests.common import QGIS_PROCESS, ROOT

RADICALS = re.compile("[\u2e80-\u2fdf\u3400-\u4dbf]")  # radicals, CJK Extension A


def _run(params, feedback=None):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())  # (a selection is a layer of the project)
    return processing.run("citysafety:notice_cards", params, context=context,
                          feedback=feedback or QgsProcessingFeedback())


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _text(pdf, page=None) -> str:
    args = ["pdftotext", "-layout", "-enc", "UTF-8"] + (["-f", str(page), "-l", str(page)] if page else [])
    return subprocess.run(args + [str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _read(db, layer):
    return pyogrio.read_dataframe(db, layer=layer, read_geometry=False)


def test_every_accident_type_has_a_sign_drawn():
    assert set(cards.ACCIDENT_SIGNS) == {a.id for a in schema.ACCIDENT_TYPES}
    for sign in cards.SIGNS.values():
        svg = sign.path.read_text(encoding="utf-8")
        assert "<svg" in svg and "#FFD200" in svg  # the yellow triangle of a GB 2894 warning sign
    assert cards.signs_of("火灾、其他爆炸、容器爆炸、中毒和窒息、触电") == ["fire", "explosion", "poison", "electric"]


def test_a_card_per_level_1_and_2_unit_with_what_the_wall_should_say(provider, analysed_db, tmp_path):
    pdf = tmp_path / "告知卡.pdf"
    res = _run({"INPUT": str(analysed_db), "OUTPUT": str(pdf)})
    units, hazards = _read(analysed_db, "units"), _read(analysed_db, "hazards")
    listed = units[units.level.isin([1, 2])].sort_values(["level", "district", "street", "unit_code"])
    assert res["CARDS"] == _pages(pdf) == len(listed) > 0 and res["OUTPUT_PDF"] == str(pdf)
    assert not RADICALS.search(_text(pdf))  # the glyphs are the characters (风, 一, 龙, 胶)
    for page, u in enumerate(listed.itertuples(), start=1):
        text = _flat(_text(pdf, page))
        assert _flat(u.name) in text and u.unit_code in text, page
        level = {1: "重大风险红色", 2: "较大风险橙色"}[int(u.level)]
        assert level in text
        mine = hazards[hazards.unit_code == u.unit_code]
        for h in mine.head(cards.MAX_POINTS).itertuples():
            assert h.hazard_code in text
            if h.accident_types:
                assert _flat(h.accident_types) in text
        wanted = {cards.SIGNS[s].zh for t in mine.accident_types.dropna() for s in cards.signs_of(t)}
        assert all(w in text for w in list(wanted)[:cards.MAX_SIGNS]), (page, wanted)
        assert "火警119" in text and "安全生产举报12350" in text
        if u.duty_phone:
            assert u.duty_phone in text
        if u.supervising_dept:
            assert u.supervising_dept in text
    # the QR code reads back as the unit code (zbarimg on the rendered first page)
    png = tmp_path / "page1"
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf), str(png)],
                   check=True)
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg (zbar-tools, installed by make setup) is needed to read the QR code back")
    decoded = subprocess.run(["zbarimg", "-q", "--raw", f"{png}.png"], capture_output=True, text=True).stdout.strip()
    assert decoded == listed.unit_code.iloc[0]


def test_a_card_per_hazard_source_in_a_folder_named_by_code(provider, analysed_db, tmp_path):
    units, hazards = _read(analysed_db, "units"), _read(analysed_db, "hazards")
    district = units[units.level == 1].district.value_counts().index[0]
    folder = tmp_path / "cards"
    res = _run({"INPUT": str(analysed_db), "FOLDER": str(folder), "DISTRICTS": district, "LEVELS": [0],
                "PER": 1})
    mine = units[(units.level == 1) & (units.district == district)]
    points = hazards[hazards.unit_code.isin(mine.unit_code)]
    files = sorted(p.name for p in folder.iterdir())
    assert res["CARDS"] == len(files) == len(points) and res["OUTPUT_FOLDER"] == str(folder)
    assert files == sorted(f"{c}.pdf" for c in points.hazard_code)
    one = points.iloc[0]
    text = _flat(_text(folder / f"{one.hazard_code}.pdf"))
    assert _pages(folder / f"{one.hazard_code}.pdf") == 1 and one.hazard_code in text and _flat(one["name"]) in text


def test_a_selection_of_units_and_masked_phones(provider, analysed_db, tmp_path):
    from qgis.core import QgsVectorLayer

    hazards = _read(analysed_db, "hazards")
    with_phone = hazards[hazards.responsible_phone.notna() & (hazards.responsible_phone != "")]
    codes = list(dict.fromkeys(with_phone.unit_code))[:2]
    layer = QgsVectorLayer(f"{analysed_db}|layername=risk_map", "risk", "ogr")
    layer.selectByExpression(f'"unit_code" IN ({", ".join(repr(c) for c in codes)})')
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProject

    QgsProject.instance().addMapLayer(layer)
    try:
        pdf = tmp_path / "two.pdf"
        res = _run({"INPUT": str(analysed_db), "OUTPUT": str(pdf), "LEVELS": [3],
                    "UNITS": QgsProcessingFeatureSourceDefinition(layer.id(), selectedFeaturesOnly=True)})
        full = tmp_path / "full.pdf"
        _run({"INPUT": str(analysed_db), "OUTPUT": str(full), "UNMASK": True,
              "UNITS": QgsProcessingFeatureSourceDefinition(layer.id(), selectedFeaturesOnly=True)})
    finally:
        QgsProject.instance().removeMapLayer(layer.id())
    assert res["CARDS"] == _pages(pdf) == 2  # the selection, whatever the levels say
    phone = with_phone[with_phone.unit_code == codes[0]].responsible_phone.iloc[0]
    assert phone not in _flat(_text(pdf)) and phone[-4:] in _flat(_text(pdf))
    assert phone in _flat(_text(full))


def test_nothing_to_print_and_bad_choices_are_refused(provider, analysed_db, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="Choose a PDF"):
        _run({"INPUT": str(analysed_db)})
    with pytest.raises(QgsProcessingException) as err:
        _run({"INPUT": str(analysed_db), "OUTPUT": str(tmp_path / "x.pdf"), "DISTRICTS": "火星区"})
    assert "火星区" in str(err.value) and "DISTRICTS" in str(err.value)
    assert not (tmp_path / "x.pdf").exists()


def test_a_cancel_keeps_the_earlier_cards(provider, analysed_db, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(b"earlier cards")
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda p: feedback.cancel() if p >= 20 else None)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        _run({"INPUT": str(analysed_db), "OUTPUT": str(pdf), "LEVELS": [0, 1, 2, 3]}, feedback)
    assert pdf.read_bytes() == b"earlier cards"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_the_card_template_loads_and_is_up_to_date(qgis_app, tmp_path):
    from qgis.core import Qgis, QgsPrintLayout, QgsProject, QgsReadWriteContext
    from qgis.PyQt.QtXml import QDomDocument

    from plugin.processing.notice_cards import TEMPLATE

    doc = QDomDocument()
    assert doc.setContent(TEMPLATE.read_text(encoding="utf-8"))[0]
    project = QgsProject()  # (kept alive: the layout belongs to it)
    layout = QgsPrintLayout(project)
    assert layout.loadFromTemplate(doc, QgsReadWriteContext())[1]
    ids = {i.id() for i in layout.items() if hasattr(i, "id")}
    assert {"heading", "band", "band_dark", "band_light", "unit_name", "qr", "points", "map", "people", "contact",
            *(f"sign{i}" for i in range(1, cards.MAX_SIGNS + 1))} <= ids
    if Qgis.versionInt() // 100 != 322:
        return  # written by the oldest QGIS supported, 3.22, so every newer one reads it
    fresh = tmp_path / "notice_card.qpt"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_card_layout.py"), "--out", str(fresh)], check=True,
                   capture_output=True)
    assert fresh.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8"), \
        "resources/layouts/notice_card.qpt is out of date: run scripts/make_card_layout.py"


def test_qgis_process_notice_cards(qgis_process_env, analysed_db, tmp_path):
    pdf = tmp_path / "cards.pdf"
    proc = subprocess.run([QGIS_PROCESS, "run", "citysafety:notice_cards", "--", f"INPUT={analysed_db}",
                           f"OUTPUT={pdf}", "LEVELS=0"], env=qgis_process_env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    units = _read(analysed_db, "units")
    assert _pages(pdf) == int((units.level == 1).sum())

"""citysafety:notice_cards — 风险告知卡: one A4 notice card per unit (or per hazard source), from the
print layout template resources/layouts/notice_card.qpt through QGIS's atlas (docs/notice_cards.md)."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from pathlib import Path

import segno  # noqa: F401  (the QR codes: without it the algorithm is listed as missing its package)
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemMap,
    QgsMarkerSymbol,
    QgsPointXY,
    QgsPrintLayout,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
    QgsProject,
    QgsReadWriteContext,
    QgsRuleBasedRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtXml import QDomDocument

from ..core.errors import Canceled, PipelineError
from ..core.files import name_of, publish, sweep, temp_path
from .base import AnalysisAlgorithm, bad_parameter, log_export
from .risk_list import LEVEL_IDS, names_of, refuse_unknown_names
from .score import add_database_and_rules, rules_of

TEMPLATE = Path(__file__).resolve().parents[2] / "resources" / "layouts" / "notice_card.qpt"
SOURCE_CRS = "EPSG:4490"
DPI = 150
PER_OPTIONS = ("unit", "hazard")


def _cards_layer(rows, units) -> QgsVectorLayer:
    """The atlas coverage: one point per card at its unit's place (EPSG:4490)."""
    from ..core.reporting.cards import CARD_FIELDS
    from .report_pdf import field_type

    layer = QgsVectorLayer(f"Point?crs={SOURCE_CRS}", "notice_cards", "memory")
    ints = {"card", "page", "level", "n_points"}
    layer.dataProvider().addAttributes([QgsField(n, field_type("int" if n in ints else "text")) for n in CARD_FIELDS])
    layer.updateFields()
    place = units.set_index("unit_code")[["lon", "lat"]]
    feats = []
    for row in rows.itertuples(index=False):
        f = QgsFeature(layer.fields())
        lon, lat = place.loc[row.unit_code].tolist() if row.unit_code in place.index else (None, None)
        if lon is not None and lat is not None and lon == lon and lat == lat:
            f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(lon), float(lat))))
        for name in CARD_FIELDS:
            value = getattr(row, name)
            f[name] = None if value is None or value != value else (int(value) if name in ints else str(value))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    layer.updateExtents()
    symbol = QgsMarkerSymbol.createSimple({"name": "star", "color": "230,0,18,255", "outline_color": "255,255,255",
                                           "outline_width": "0.4", "size": "6", "size_unit": "MM"})
    # only this card's unit, a star (the other cards' units are the risk map's points; a rule
    # keeps them out of the page altogether, not drawn at size 0)
    root = QgsRuleBasedRenderer.Rule(None)
    root.appendChild(QgsRuleBasedRenderer.Rule(symbol, filterExp="$id = @atlas_featureid"))
    layer.setRenderer(QgsRuleBasedRenderer(root))
    return layer


def _texts(layout: QgsPrintLayout, tr, footer: str) -> None:
    """The headings and the texts that join several fields, in the user's language."""
    def field(name: str) -> str:
        return f"[% attribute(@atlas_feature, '{name}') %]"

    texts = {
        "heading": tr("Safety risk notice card"),
        "unit_info": (f"{tr('Unit code')}：{field('unit_code')}\n{tr('Address')}：{field('address')}\n"
                      f"{tr('District and street')}：{field('place')}    {tr('Sector')}：{field('sector')}"),
        "points_heading": tr("Risk points and the accidents they can lead to"),
        "signs_heading": tr("Warning signs"),
        "controls_heading": tr("Controls"),
        "emergency_heading": tr("Emergency measures"),
        "map_caption": tr("Location (1:10,000)"),
        "people_heading": tr("Who answers"),
        "contact_heading": tr("Supervision and numbers to call"),
        "contact": f"{tr('Supervising department')}：{field('dept')}\n{field('phones')}",
        "footer": footer,
    }
    for item_id, text in texts.items():
        item = layout.itemById(item_id)
        if not isinstance(item, QgsLayoutItemLabel):
            raise PipelineError(f"the notice card template has no label '{item_id}'",
                                f"风险告知卡模板中没有标签「{item_id}」")
        item.setText(text)


def build_card_layout(project: QgsProject, db: str, rules, rows, units, tr, date_text: str) -> QgsPrintLayout:
    """The card layout with its atlas over the cards; its layers are owned by ``project``."""
    from ..core.coords import gauss_kruger_epsg
    from ..layers.styling import style_risk_layer
    from .report_pdf import _layer, _unshape_layout

    cards = _cards_layer(rows, units)
    risk = _layer(db, "risk_map" if "risk_map" in _layer_names(db) else "units", tr("Risk units by level"))
    style_risk_layer(risk, rules)
    # no names on a 55 mm locator: their white halos are drawn as paths of thousands of
    # vertices (65 KB a card and a third of the export before)
    risk.setLabelsEnabled(False)
    project.addMapLayers([risk, cards], False)
    layout = QgsPrintLayout(project)
    doc = QDomDocument()
    if not doc.setContent(TEMPLATE.read_text(encoding="utf-8")):
        raise PipelineError(f"cannot read the template {TEMPLATE}", f"无法读取模板 {TEMPLATE}")
    layout.loadFromTemplate(doc, QgsReadWriteContext())
    layout.setName(tr("Safety risk notice cards"))
    _texts(layout, tr, tr("Source: {}  ·  Rules: {}  ·  {}").format(name_of(db), getattr(rules, "name", ""),
                                                                      date_text))
    lon = units["lon"].dropna()
    epsg = gauss_kruger_epsg(float(lon.astype(float).median())) if len(lon) else 4547
    m = layout.itemById("map")
    if not isinstance(m, QgsLayoutItemMap):
        raise PipelineError("the notice card template has no map 'map'", "风险告知卡模板中没有地图「map」")
    m.setCrs(QgsCoordinateReferenceSystem(f"EPSG:{epsg}"))
    m.setLayers([cards, risk])
    m.setKeepLayerSet(True)
    _unshape_layout(layout)
    atlas = layout.atlas()
    atlas.setCoverageLayer(cards)
    atlas.setEnabled(True)
    atlas.setHideCoverage(False)
    atlas.setSortFeatures(True)
    atlas.setSortExpression('"card"')
    atlas.setFilenameExpression('coalesce(nullif("hazard_code", \'\'), "unit_code")')
    return layout


def _layer_names(db: str) -> list[str]:
    from ..core.store import riskdb

    return riskdb.layer_names(db)


def export_cards(db: str, rules, units, hazards, pdf: str = "", folder: str = "", per: str = "unit",
                 unmask: bool = False, tr=None, feedback=None, date_text: str | None = None) -> int:
    """Write the cards of ``units`` as one PDF (``pdf``) and/or one PDF per card in ``folder``
    (named by unit or hazard code); the number of cards. Every file is written under a
    temporary name and moved into place when complete: a cancel or a failure leaves earlier
    files as they were."""
    from ..core.reporting.cards import card_rows, write_qr_codes
    from .report_pdf import _check, _default_tr, _export_feedback, fix_pdf_text, pdf_settings

    tr = tr or _default_tr()
    date_text = date_text or _dt.date.today().isoformat()
    rows = card_rows(units, hazards, rules, per=per, unmask=unmask, tr=tr)
    if not len(rows):
        return 0
    _check(feedback, 3)
    project = QgsProject()
    work = tempfile.TemporaryDirectory(prefix="citysafety-cards-")
    try:
        rows["qr_path"] = write_qr_codes(rows["unit_code"], Path(work.name) / "qr")
        _check(feedback, 8)
        layout = build_card_layout(project, db, rules, rows, units, tr, date_text)
        atlas = layout.atlas()
        if not atlas.updateFeatures():
            raise PipelineError("the notice cards have no pages", "风险告知卡没有页面")
        if pdf:
            out = Path(pdf)
            out.parent.mkdir(parents=True, exist_ok=True)
            sweep(out)
            tmp = temp_path(out, ".pdf")
            try:
                _export(lambda: QgsLayoutExporter.exportToPdf(atlas, str(tmp), pdf_settings(DPI),
                                                              _export_feedback(feedback)), feedback, out)
                fix_pdf_text(tmp)
                publish(tmp, out)
            finally:
                if tmp.exists():
                    tmp.unlink()
        if folder:
            target = Path(folder)
            target.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".cards-", dir=target))
            try:
                _export(lambda: QgsLayoutExporter.exportToPdfs(atlas, str(staging / "card.pdf"), pdf_settings(DPI),
                                                               _export_feedback(feedback)), feedback, target)
                for part in sorted(staging.glob("*.pdf")):
                    fix_pdf_text(part)
                for part in sorted(staging.glob("*.pdf")):
                    os.replace(part, target / part.name)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        if feedback is not None:
            feedback.setProgress(100)
        return len(rows)
    finally:
        project.clear()
        work.cleanup()


def _export(run, feedback, out) -> None:
    from .report_pdf import ReportError

    result, error = run()
    if (feedback is not None and feedback.isCanceled()) or result == QgsLayoutExporter.ExportResult.Canceled:
        raise Canceled()
    if result != QgsLayoutExporter.ExportResult.Success:
        raise ReportError(f"cannot write {out}: {error or result}", f"无法写出 {out}：{error or result}")


class NoticeCardsAlgorithm(AnalysisAlgorithm):
    ALG_ID = "notice_cards"
    DISPLAY = "Print risk notice cards"
    HELP = ("Prints 风险告知卡 (risk notice cards) from a scored risk database: one A4 card per unit, or per hazard "
            "source, from the print layout template resources/layouts/notice_card.qpt through QGIS's atlas. Each card "
            "shows the unit's name and code, its level's colour band and name, each risk point with the accident "
            "types it can lead to (GB 6441) and the matching GB 2894 warning signs (当心火灾, 当心爆炸, 当心中毒, "
            "当心触电 …), the controls and the emergency measures, who answers for it (the responsible people and, "
            "for a major hazard source, its 包保责任人), the supervising department, the unit's duty phone and the "
            "numbers 119, 120 and 12350, a locator map and a QR code of the unit code. Choose the units by a layer "
            "(for example the risk map with a selection: tick 'Selected features only'), or by districts and risk "
            "levels (default: every level-1 and level-2 unit). Write one PDF, or one PDF per card in a folder (named "
            "by the unit or hazard source code), or both. The responsible people's phones are masked unless you "
            "tick the option. Earlier files are replaced only when the new ones are complete.")
    INPUT = "INPUT"
    RULES = "RULES"
    UNITS = "UNITS"
    DISTRICTS = "DISTRICTS"
    LEVELS = "LEVELS"
    PER = "PER"
    UNMASK = "UNMASK"
    OUTPUT = "OUTPUT"
    FOLDER = "FOLDER"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.UNITS, self.tr("Units to print (a layer with unit_code, e.g. the risk map's selection; optional)"),
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.DISTRICTS, self.tr("Districts (the units' district names, separated by commas; empty: all)"),
            optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.LEVELS, self.tr("Risk levels"), options=[self.tr("Level {}").format(k) for k in LEVEL_IDS],
            allowMultiple=True, defaultValue=[0, 1]))
        self.addParameter(QgsProcessingParameterEnum(
            self.PER, self.tr("One card per"), options=[self.tr("unit"), self.tr("hazard source")], defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.UNMASK, self.tr("Show the responsible people's phone numbers in full (not masked)"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Notice cards (one PDF)"), fileFilter=self.tr("PDF (*.pdf)"), optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.FOLDER, self.tr("Notice cards (one PDF per card, in this folder)"), optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("CARDS", self.tr("Cards printed")))
        self.addOutput(QgsProcessingOutputFile("OUTPUT_PDF", self.tr("Notice cards (one PDF)")))
        self.addOutput(QgsProcessingOutputFolder("OUTPUT_FOLDER", self.tr("Notice cards folder")))

    def _codes(self, parameters, context) -> tuple[str, ...]:
        if parameters.get(self.UNITS) in (None, ""):
            return ()
        source = self.parameterAsSource(parameters, self.UNITS, context)
        if source is None or "unit_code" not in source.fields().names():
            raise bad_parameter(self, self.UNITS, str(parameters.get(self.UNITS)), "图层没有 unit_code 字段",
                                "the layer has no unit_code field")
        codes = tuple(dict.fromkeys(str(f["unit_code"]) for f in source.getFeatures() if f["unit_code"]))
        if not codes:
            raise bad_parameter(self, self.UNITS, str(parameters.get(self.UNITS)), "图层中没有单位（选择为空？）",
                                "the layer holds no unit (an empty selection?)")
        return codes

    def run_on(self, db, parameters, context, feedback):
        from ..core.steps import notice_card_units
        from ..core.store import riskdb
        from ..i18n import tr

        started = riskdb.now_iso()

        rules = rules_of(self, parameters, context)
        pdf = self.parameterAsFileOutput(parameters, self.OUTPUT, context) if parameters.get(self.OUTPUT) else ""
        folder = self.parameterAsString(parameters, self.FOLDER, context) if parameters.get(self.FOLDER) else ""
        if not pdf and not folder:
            raise QgsProcessingException(self.tr("Choose a PDF, a folder for one PDF per card, or both."))
        if pdf and not pdf.lower().endswith(".pdf"):
            pdf += ".pdf"
        codes = self._codes(parameters, context)
        districts = names_of(self.parameterAsString(parameters, self.DISTRICTS, context))
        levels = tuple(LEVEL_IDS[i] for i in self.parameterAsEnums(parameters, self.LEVELS, context))
        per = PER_OPTIONS[self.parameterAsEnum(parameters, self.PER, context)]
        try:
            refuse_unknown_names(self, self.DISTRICTS, db, "district", districts)
            units, hazards = notice_card_units(db, codes, districts, levels)
            if not len(units):
                raise QgsProcessingException(self.tr("No unit matches the choice: no card to print."))
            feedback.pushInfo(self.tr("{} units, {} hazard sources").format(len(units), len(hazards)))
            n = export_cards(db, rules, units, hazards, pdf, folder, per, self.parameterAsBoolean(
                parameters, self.UNMASK, context), tr, feedback)
        except Canceled:
            raise self.canceled() from None
        except PipelineError as exc:
            raise QgsProcessingException(str(exc)) from exc
        feedback.pushInfo(self.tr("{} notice cards printed").format(n))
        log_export(db, "notice_cards", rules, {"pdf": pdf, "folder": folder, "cards": n, "per": per,
                                               "unmasked": self.parameterAsBoolean(parameters, self.UNMASK, context)},
                   started, feedback)
        out = {"CARDS": n}
        if pdf:
            out["OUTPUT_PDF"] = pdf
        if folder:
            out["OUTPUT_FOLDER"] = folder
        return out

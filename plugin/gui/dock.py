"""The dock panel (城市安全风险一张图) that walks an analyst through the workflow.

From top to bottom: the risk database (remembered in QgsSettings); the units per level in
the four colours; tabs with the workflow steps (each with its state, key counts and a button
that opens its Processing dialog with the database filled in, and for some a "Run" that
runs it in the background), the units per sector and level, the units per district and
level (count, share, inherent → final level, units raised by the upgrades), the list of level-1 units
(double-click: zoom to it and select it), and the unit inspector (click a unit on the map).
Long work runs as a QgsTask with a progress bar and a Cancel button.

The data work is in :mod:`plugin.core.status`; this module only shows it.
"""

from __future__ import annotations

import contextlib
import html
import os
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsProcessingAlgorithm,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsRectangle,
    QgsSettings,
    QgsTask,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget, QgsFileWidget
from qgis.PyQt.QtCore import QFileSystemWatcher, Qt, QTimer, pyqtSignal, pyqtSlot
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import status as core_status
from ..core import steps as core_steps
from ..core.mapping.aggregate import POINTS_VISIBLE_BELOW
from ..core.scoring.levels import all_reasons
from ..i18n import pick, tr
from ..layers.styling import (
    AGGREGATION_DENSITY,
    AGGREGATION_LEVEL1,
    AGGREGATION_WORST,
    DEFAULT_AGGREGATION,
    DYNAMIC_LEVEL_FIELD,
    LEVEL_FIELD,
)
from .inspect_tool import UnitInspectTool, layer_of_database, unit_layers

DOCK_OBJECT_NAME = "CitySafetyRiskDock"
AGGREGATION_KEY = "city_safety_risk_map/aggregation"  # the panel's last aggregation choice
LEVEL_FIELD_KEY = "city_safety_risk_map/level_field"  # the panel's last choice: 固有 or 现实风险
SETTINGS_KEY = "city_safety_risk_map/last_database"
PROVIDER_ID = "citysafety"
ZOOM_SCALE = POINTS_VISIBLE_BELOW // 2  # zooming to one unit: well inside where every point shows
#: Databases larger than this are read in a background task (the window stays responsive).
BACKGROUND_BYTES = 50 * 1024 * 1024
#: The level-1 list shows at most this many units (GB 18218 by R, then LEC by D, then LS).
LEVEL_ONE_SHOWN = 2000
#: Steps the dock can run on the database alone, with the algorithm's defaults.
RUNNABLE_STEPS = ("score", "cascade", "report", "risk_list", "cards")
DENSITY_NAME = "risk_density.tif"  # beside the database, as citysafety:run_all writes it


def step_titles() -> dict[str, str]:
    """Button labels of the steps (evaluated late, so they follow the translator)."""
    return {
        "import": tr("Import surveys…"),
        "score": tr("Score hazards and units…"),
        "proximity": tr("Receptors and population around hazards…"),
        "cascade": tr("Cascade (domino) graph…"),
        "map": tr("Risk map…"),
        "report": tr("Export report (Excel and PDF)…"),
        "risk_list": tr("Export the risk list (风险清单)…"),
        "cards": tr("Print risk notice cards (风险告知卡)…"),
    }


def _rules():
    from ..core.rules import load_rules

    try:
        return load_rules()
    except Exception:  # the default rules are checked by their own tests
        return None


def level_name(level: int, rules) -> str:
    """A level's name in the UI language (from the rules), e.g. 重大风险 / major risk."""
    lv = rules.levels.get(level) if rules is not None else None
    if lv is None:
        return tr("Level {}").format(level)
    return pick(lv.zh, lv.en)


def level_colour(level: int, rules) -> str:
    lv = rules.levels.get(level) if rules is not None else None
    return lv.colour if lv is not None else "#808080"


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (relative luminance)."""
    c = QColor(background)
    lum = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
    return "#000000" if lum > 0.55 else "#FFFFFF"


def sector_name(sector: str, sector_zh: str, rules) -> str:
    rule = rules.sectors.get(sector) if rules is not None and sector else None
    if rule is not None:
        return pick(rule.zh, rule.en)
    return sector_zh or sector or tr("(no sector)")


def receptor_class_name(class_id, class_zh, rules) -> str:
    """A receptor class in the UI language (from the rules), e.g. 幼儿园 / kindergarten."""
    rc = rules.receptors.classes.get(str(class_id or "")) if rules is not None else None
    if rc is not None:
        return pick(rc.zh, rc.en)
    return str(class_zh or class_id or "")


def _fmt(value, digits: int = 4) -> str:
    """A number for people: thousands separators for large ones, 4 significant digits."""
    if value is None:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if v != v:  # NaN
        return ""
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if v == int(v):
        return str(int(v))
    return f"{v:.{digits}g}"


def _pct(value) -> str:
    """A share in percent for a table cell: 62%, 5.3%, 0%; '' when unknown."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    if v != v:  # NaN
        return ""
    return f"{v:.0f}%" if v >= 10 or v == 0 else f"{v:.1f}%"


def _count_or_none(value) -> int | None:
    try:
        if value is None or value != value:
            return None
        return int(value)
    except (TypeError, ValueError):
        return None


def district_cell_text(final: int, share, inherent: int | None) -> str:
    """One level's cell of the district table, on two lines: the count, "12", or "8→12" when
    the upgrades changed it (8 units at the level by their scores, 12 after); then the share
    of the district's units, "5.3%". A level no unit has, before or after: "0" alone."""
    count = _fmt(final) if inherent is None or inherent == final else f"{_fmt(inherent)}→{_fmt(final)}"
    pct = _pct(share) if final or inherent else ""
    return f"{count}\n{pct}" if pct else count


def _when(stamp: str) -> str:
    """'2026-11-28T06:43:08+08:00' → '2026-11-28 06:43'."""
    return stamp.replace("T", " ")[:16] if stamp else ""


def _esc(value) -> str:
    if value is None:
        return ""
    try:
        if value != value:  # NaN
            return ""
    except TypeError:
        pass
    return html.escape(str(value))


def _badge(level, rules) -> str:
    try:
        k = int(level)
    except (TypeError, ValueError):
        k = 0
    if k not in (1, 2, 3, 4):
        return f"<span style='background-color:#BBBBBB; color:#000000'>&nbsp;{html.escape(tr('unscored'))}&nbsp;</span>"
    bg = level_colour(k, rules)
    return (f"<span style='background-color:{bg}; color:{text_colour_on(bg)}'>&nbsp;<b>{k}</b> "
            f"{html.escape(level_name(k, rules))}&nbsp;</span>")


def _multiline(text) -> str:
    return _esc(text).replace("\n", "<br/>")


def unit_html(details, rules) -> str:
    """The inspector's page for one unit (survey text escaped)."""
    u = details.unit
    parts = [f"<h3 style='margin-bottom:2px'>{_esc(u.get('name'))}</h3>",
             f"<p style='margin-top:0'><code>{_esc(u.get('unit_code'))}</code> · "
             f"{_esc(sector_name(u.get('sector') or '', u.get('sector_zh') or '', rules))} · "
             f"{_esc(u.get('district'))} {_esc(u.get('street'))}</p>"]
    line = [_badge(u.get("level"), rules)]
    if u.get("r_value") is not None:
        line.append(tr("R = {}").format(_fmt(u.get("r_value"))))
    if u.get("major_hazard"):
        line.append("<b>" + html.escape(tr("major hazard source")) + "</b>")
    if u.get("hazard_count") is not None:
        line.append(tr("{} hazard sources").format(_fmt(u.get("hazard_count"))))
    parts.append("<p>" + " · ".join(line) + "</p>")
    reasons = all_reasons(u.get("level_reasons"), u.get("cascade_reason"))
    if reasons:
        parts.append(f"<p><b>{html.escape(tr('Level reasons'))}</b><br/>{_multiline(reasons)}</p>")
    parts.append(_dynamic_html(u, rules))
    parts.append(_who_answers_html(details))

    hz = details.hazards
    parts.append(f"<h4>{html.escape(tr('Hazard sources ({})').format(len(hz)))}</h4>")
    numbers = (("r_value", "R"), ("alpha", "α"), ("q_over_Q", "q/Q"), ("beta", "β"), ("s_value", "S"),
               ("lec_d", tr("LEC D")), ("ls_r", tr("LS R")))
    for _, h in hz.iterrows():
        head = [_badge(h.get("level"), rules),
                f"<b>{_esc(h.get('name'))}</b> <code>{_esc(h.get('hazard_code'))}</code>"]
        parts.append("<p style='margin-bottom:0'>" + " ".join(head) + "</p>")
        what = [x for x in (_esc(h.get("kind")), _esc(h.get("substance"))) if x]
        if _fmt(h.get("quantity_t")):
            what.append(tr("{} t").format(_fmt(h.get("quantity_t"))))
        if h.get("method"):
            what.append(tr("method: {}").format(_esc(h.get("method"))))
        nums = [f"{html.escape(label)} = {_fmt(h.get(key))}" for key, label in numbers if _fmt(h.get(key))]
        body = []
        if what:
            body.append(" · ".join(what))
        if nums:
            body.append(", ".join(nums))
        for key, label in (("score_note", tr("Note")), ("upgrade_reason", tr("Upgrade")),
                           ("cascade_reason", tr("Cascade"))):
            if str(h.get(key) or "").strip():
                body.append(f"<i>{html.escape(label)}:</i> {_multiline(h.get(key))}")
        body += _controls_lines(h)
        if _fmt(h.get("n_receptors")):
            near = tr("{} receptors within {} m").format(_fmt(h.get("n_receptors")), _fmt(h.get("reach_m")))
            if h.get("nearest_high_name"):
                near += "; " + tr("nearest high-sensitivity: {} at {} m").format(
                    _esc(h.get("nearest_high_name")), _fmt(h.get("nearest_high_m"), 3))
            body.append(near)
        parts.append("<p style='margin-top:0; margin-left:12px'>" + "<br/>".join(body) + "</p>")

    rc = details.receptors
    parts.append(f"<h4>{html.escape(tr('Nearby receptors ({})').format(len(rc)))}</h4>")
    if len(rc):
        rows = ["<tr>" + "".join(f"<th align='left'>{html.escape(t)}</th>" for t in (
            tr("Receptor"), tr("Class"), tr("Sensitivity"), tr("Distance (m)"), tr("Hazard source"))) + "</tr>"]
        for _, r in rc.iterrows():
            cls = receptor_class_name(r.get("class_id"), r.get("class_zh"), rules)
            rows.append(f"<tr><td>{_esc(r.get('receptor_name'))}</td><td>{_esc(cls)}</td>"
                        f"<td>{_esc(sensitivity_text(r.get('sensitivity')))}</td>"
                        f"<td align='right'>{_fmt(r.get('distance_m'), 3)}</td>"
                        f"<td><code>{_esc(r.get('hazard_code'))}</code></td></tr>")
        parts.append("<table cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>")
    else:
        parts.append(f"<p>{html.escape(tr('None recorded (or the proximity step has not run).'))}</p>")

    ch = details.chains
    parts.append(f"<h4>{html.escape(tr('Cascade chains ({})').format(len(ch)))}</h4>")
    if len(ch):
        rows = ["<tr>" + "".join(f"<th align='left'>{html.escape(t)}</th>" for t in (
            tr("Chain"), tr("Probability"), tr("Steps"))) + "</tr>"]
        for _, c in ch.iterrows():
            rows.append(f"<tr><td>{_esc(c.get('chain'))}</td><td align='right'>{_fmt(c.get('probability'), 3)}</td>"
                        f"<td align='right'>{_fmt(c.get('length'))}</td></tr>")
        parts.append("<table cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>")
    else:
        parts.append(f"<p>{html.escape(tr('None starting at this unit (or the cascade step has not run).'))}</p>")
    return "".join(parts)


def _dynamic_html(u: dict, rules) -> str:
    """The unit's dynamic level (现实风险) on its assessment day, and each raise with its reason;
    '' before the dynamic risk has been computed."""
    if u.get("dynamic_as_of") in (None, ""):
        return ""
    head = tr("Dynamic risk (现实风险) on {}").format(_esc(u.get("dynamic_as_of")))
    why = [str(u.get(f"reason_{f}") or "").strip() for f in ("hidden_major", "hidden_overdue", "accident", "controls")]
    why = [w for w in why if w]
    body = _badge(u.get("dynamic_level"), rules) + " " + (
        html.escape(tr("raised {} level(s) from the inherent level").format(_fmt(u.get("dynamic_raise"))))
        if why else html.escape(tr("as the inherent level: nothing raises it")))
    return f"<p><b>{head}</b><br/>{body}" + "".join(f"<br/>• {_multiline(w)}" for w in why) + "</p>"


def _who_answers_html(details) -> str:
    """The unit's supervising department, duty phone, 包保责任人 and what the rules' [controls]
    found missing (in red), for the inspector."""
    u = details.unit
    lines = []
    for key, label in (("supervising_dept", tr("Supervising department")), ("duty_phone", tr("Duty phone"))):
        if str(u.get(key) or "").strip():
            lines.append(f"{html.escape(label)}: {_esc(u.get(key))}")
    people = [(tr(label), u.get(key)) for key, label in (("principal_person", "Principal in charge"),
                                                         ("technical_person", "Technical lead"),
                                                         ("operating_person", "Operations lead"))]
    if u.get("major_hazard") or any(str(v or "").strip() for _, v in people):
        lines.append(html.escape(tr("Responsible people (包保责任人)")) + ": " + ", ".join(
            f"{html.escape(k)} {_esc(v) if str(v or '').strip() else '—'}" for k, v in people))
    for _, f in details.findings.iterrows():
        lines.append(f"<span style='color:#C00000'>{_esc(pick(f.get('message_zh') or '', f.get('message_en') or ''))}"
                     "</span>")
    return f"<p>{'<br/>'.join(lines)}</p>" if lines else ""


def _controls_lines(h) -> list[str]:
    """A hazard source's accident types, controls by kind, control level and responsible person."""
    out = []
    for key, label in (("accident_types", tr("Possible accidents")), ("risk_features", tr("Risk features")),
                       ("controls_engineering", tr("Engineering controls")),
                       ("controls_management", tr("Management controls")),
                       ("controls_emergency", tr("PPE and emergency measures")),
                       ("control_level", tr("Control level"))):
        if str(h.get(key) or "").strip():
            out.append(f"<i>{html.escape(label)}:</i> {_multiline(h.get(key))}")
    person = " ".join(str(h.get(k) or "").strip() for k in ("responsible_person", "responsible_phone")).strip()
    if person:
        out.append(f"<i>{html.escape(tr('Responsible person'))}:</i> {_esc(person)}")
    return out


def sensitivity_text(value) -> str:
    return {"high": tr("high"), "medium": tr("medium"), "low": tr("low")}.get(str(value or ""), str(value or ""))


def step_status_text(step: str, s: core_status.StepStatus, db_status: core_status.DatabaseStatus) -> str:
    """One step's line under its button: its key counts and when it ran, or what it needs."""
    if not s.done:
        if step == "import" and not db_status.exists:
            return tr("No database yet: the import creates it.")
        missing = [step_titles()[n].rstrip("…") for n in core_steps.NEEDS[step] if not db_status.done(n)]
        if missing:
            return tr("Needs: {}").format(", ".join(missing))
        if s.stale:
            return tr("Older than the levels (a step ran after it): run it again")
        return tr("Not run yet")
    c = s.counts
    if step == "import":
        text = tr("{} units, {} hazard sources, {} errors").format(
            _fmt(c.get("units", 0)), _fmt(c.get("hazards", 0)), _fmt(c.get("errors", 0)))
    elif step == "score":
        text = tr("Level 1: {} · 2: {} · 3: {} · 4: {} · unscored: {}; {} major hazard units").format(
            *(_fmt(c.get(f"level{k}", 0)) for k in core_status.LEVELS), _fmt(c.get("unscored", 0)),
            _fmt(c.get("major_hazards", 0)))
    elif step == "proximity":
        text = tr("{} receptor links, {} hazard sources upgraded").format(
            _fmt(c.get("links", 0)), _fmt(c.get("upgraded", 0)))
    elif step == "cascade":
        text = tr("{} escalation edges, {} chains, {} upgraded").format(
            _fmt(c.get("edges", 0)), _fmt(c.get("chains", 0)), _fmt(c.get("upgraded", 0)))
    elif step == "map":
        text = tr("{} units on the map, {} districts").format(_fmt(c.get("units", 0)), _fmt(c.get("districts", 0)))
        if "controls_missing" in c:
            text += "; " + tr("{} risk points without controls, {} without a responsible person, {} major hazard "
                              "sources without their responsible people").format(
                _fmt(c["controls_missing"]), _fmt(c.get("person_missing", 0)), _fmt(c.get("major_unnamed", 0)))
    else:
        names = ", ".join(Path(p).name for p in s.outputs.values())
        text = tr("Written: {}").format(names) if names else tr("Written")
        if step == "risk_list" and "rows" in c:
            text += " — " + tr("{} risk points").format(_fmt(c["rows"]))
        if step == "cards" and "cards" in c:
            text += " — " + tr("{} cards").format(_fmt(c["cards"]))
    if s.finished:
        text += " — " + tr("ran {}").format(_when(s.finished))
    return text


def _algorithm(step: str):
    return QgsApplication.processingRegistry().algorithmById(core_steps.algorithm(step, PROVIDER_ID))


class RiskDock(QgsDockWidget):
    """城市安全风险一张图 — the analyst's panel."""

    refreshed = pyqtSignal()  # the panel shows the database as it is now
    stepFinished = pyqtSignal(str, bool)  # (step, succeeded)
    unitShown = pyqtSignal(str)  # the inspector shows this unit

    def __init__(self, iface, parent=None):
        super().__init__(tr("City Safety Risk Map"), parent)
        self.setObjectName(DOCK_OBJECT_NAME)
        self.iface = iface
        self.rules = _rules()
        self.snapshot: core_status.Snapshot | None = None
        self.current_unit: str | None = None
        self.inspect_tool: UnitInspectTool | None = None
        self._read_task = None
        self._read_generation = 0
        self._file_stamp = None
        self._run = None  # (step, task, context, feedback) of the step running now or last
        self._running_step: str | None = None
        self._outcome = ""  # what the last step run from the panel came to
        self._closing = False
        self._build()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._file_changed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(800)
        self._debounce.timeout.connect(self._refresh_if_changed)
        last = QgsSettings().value(SETTINGS_KEY, "", type=str) or ""
        self.file_widget.blockSignals(True)
        self.file_widget.setFilePath(last)
        self.file_widget.blockSignals(False)
        self.file_widget.fileChanged.connect(self._database_changed)
        self.refresh()

    # --- layout --------------------------------------------------------------------------
    def _build(self):
        root = QWidget(self)
        root.setObjectName("CitySafetyRiskDockContents")
        outer = QVBoxLayout(root)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)

        row = QHBoxLayout()
        label = QLabel(tr("Risk database"), root)
        row.addWidget(label)
        self.file_widget = QgsFileWidget(root)
        self.file_widget.setObjectName("databaseWidget")
        self.file_widget.setFilter(tr("GeoPackage (*.gpkg)"))
        self.file_widget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.file_widget.setDialogTitle(tr("Risk database"))
        self.file_widget.setToolTip(tr("The risk database (GeoPackage) the steps read and write"))
        row.addWidget(self.file_widget, 1)
        self.refresh_button = QToolButton(root)
        self.refresh_button.setObjectName("refreshButton")
        self.refresh_button.setIcon(QgsApplication.getThemeIcon("/mActionRefresh.svg"))
        self.refresh_button.setToolTip(tr("Read the database again"))
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.refresh_button)
        outer.addLayout(row)

        levels = QHBoxLayout()
        levels.setSpacing(3)
        self.level_labels: dict[int, QLabel] = {}
        for k in core_status.LEVELS:
            lab = QLabel(root)
            lab.setObjectName(f"level{k}Label")
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setTextFormat(Qt.TextFormat.RichText)
            bg = level_colour(k, self.rules)
            lab.setStyleSheet(f"QLabel {{ background-color: {bg}; color: {text_colour_on(bg)}; "
                              "border-radius: 3px; padding: 3px; }")
            lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            lab.setMinimumWidth(40)
            lab.setWordWrap(True)
            levels.addWidget(lab, 1)
            self.level_labels[k] = lab
        self.unscored_label = QLabel(root)
        self.unscored_label.setObjectName("unscoredLabel")
        self.unscored_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unscored_label.setStyleSheet("QLabel { background-color: #D9D9D9; color: #000000; "
                                          "border-radius: 3px; padding: 3px; }")
        self.unscored_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.unscored_label.setMinimumWidth(40)
        self.unscored_label.setWordWrap(True)
        levels.addWidget(self.unscored_label, 1)
        outer.addLayout(levels)

        # What the map shows between the city and the street (docs/domain/mapping.md §4).
        agg = QHBoxLayout()
        agg.addWidget(QLabel(tr("Aggregation"), root))
        self.aggregation_combo = QComboBox(root)
        self.aggregation_combo.setObjectName("aggregationCombo")
        for mode, text in ((AGGREGATION_LEVEL1, tr("Level-1 units per km² of each cell")),
                           (AGGREGATION_WORST, tr("Worst level per cell")),
                           (AGGREGATION_DENSITY, tr("Risk density raster"))):
            self.aggregation_combo.addItem(text, mode)
        self.aggregation_combo.setToolTip(tr("What the risk map shows between the city and the street, where "
                                             "single units would overlap: hexagonal cells coloured by their "
                                             "level-1 units per km² or by their worst level, or the risk "
                                             "density. Level-1 units show as points at every scale."))
        saved = QgsSettings().value(AGGREGATION_KEY, DEFAULT_AGGREGATION, type=str)
        self.aggregation_combo.setCurrentIndex(max(0, self.aggregation_combo.findData(saved)))
        self.aggregation_combo.currentIndexChanged.connect(self._aggregation_changed)
        agg.addWidget(self.aggregation_combo, 1)
        outer.addLayout(agg)

        # Which level the counts and the unit points show: inherent or dynamic (docs/domain/dynamic_risk.md §4).
        risk_row = QHBoxLayout()
        risk_row.addWidget(QLabel(tr("Risk shown"), root))
        self.level_field_combo = QComboBox(root)
        self.level_field_combo.setObjectName("levelFieldCombo")
        self.level_field_combo.addItem(tr("Inherent risk (固有风险)"), LEVEL_FIELD)
        self.level_field_combo.addItem(tr("Dynamic risk (现实风险)"), DYNAMIC_LEVEL_FIELD)
        saved = QgsSettings().value(LEVEL_FIELD_KEY, LEVEL_FIELD, type=str)
        self.level_field_combo.setCurrentIndex(max(0, self.level_field_combo.findData(saved)))
        self.level_field_combo.currentIndexChanged.connect(self._level_field_changed)
        risk_row.addWidget(self.level_field_combo, 1)
        outer.addLayout(risk_row)
        # the latest comparison of two survey rounds (citysafety:change_report), when there is one
        self.changes_label = QLabel(root)
        self.changes_label.setObjectName("changesLabel")
        self.changes_label.setWordWrap(True)
        self.changes_label.setTextFormat(Qt.TextFormat.RichText)
        self.changes_label.setVisible(False)
        outer.addWidget(self.changes_label)

        self.tabs = QTabWidget(root)
        self.tabs.setObjectName("dockTabs")
        self.tabs.addTab(self._build_workflow(), tr("Workflow"))
        self.tabs.addTab(self._build_level_one(), tr("Level 1 units"))
        self.tabs.addTab(self._build_inspector(), tr("Unit inspector"))
        outer.addWidget(self.tabs, 1)

        self.task_box = QFrame(root)
        self.task_box.setObjectName("taskBox")
        tb = QGridLayout(self.task_box)
        tb.setContentsMargins(0, 0, 0, 0)
        self.task_label = QLabel(self.task_box)
        self.task_label.setObjectName("taskLabel")
        self.task_label.setWordWrap(True)
        tb.addWidget(self.task_label, 0, 0, 1, 2)
        self.progress_bar = QProgressBar(self.task_box)
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 100)
        tb.addWidget(self.progress_bar, 1, 0)
        self.cancel_button = QPushButton(tr("Cancel"), self.task_box)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        tb.addWidget(self.cancel_button, 1, 1)
        self.task_box.setVisible(False)
        outer.addWidget(self.task_box)
        self.setWidget(root)

    def level_field(self) -> str:
        """The level the panel shows: ``level`` (固有风险) or ``dynamic_level`` (现实风险) —
        the latter only when the database has it (the dynamic risk ran since the scoring)."""
        chosen = str(self.level_field_combo.currentData() or LEVEL_FIELD)
        has_dynamic = self.snapshot is not None and self.snapshot.dynamic is not None
        return chosen if chosen == LEVEL_FIELD or has_dynamic else LEVEL_FIELD

    def _level_field_changed(self, _index: int = 0) -> None:
        QgsSettings().setValue(LEVEL_FIELD_KEY, str(self.level_field_combo.currentData() or LEVEL_FIELD))
        if self.snapshot is not None:
            self._apply_level_field(self.snapshot)

    def _apply_level_field(self, snap: core_status.Snapshot) -> None:
        """The counts and the map by the level chosen; the dynamic choice says its day, or
        what to run when the database has no dynamic levels."""
        dynamic = snap.dynamic is not None
        item = self.level_field_combo.model().item(1)
        if item is not None:
            item.setText(tr("Dynamic risk (现实风险), {}").format(snap.dynamic_as_of) if dynamic and snap.dynamic_as_of
                         else tr("Dynamic risk (现实风险)"))
        self.level_field_combo.setToolTip(
            tr("Inherent risk: the levels of the methods with the proximity and cascade upgrades. Dynamic risk: "
               "raised by open hidden dangers, recent accidents and missing controls on the assessment day.")
            if dynamic else tr("No dynamic levels yet: run “Dynamic risk (现实风险)…” (after importing the hidden "
                               "dangers) to compute them."))
        field = self.level_field()
        self._apply_summary(snap.dynamic if field == DYNAMIC_LEVEL_FIELD else snap.summary)
        from ..layers.styling import GROUP_NAME, show_level_field

        group = QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME)
        if group is not None and self.rules is not None:
            show_level_field(group, field, self.rules)

    def _apply_changes(self, changes: dict | None) -> None:
        """One line on the latest comparison of survey rounds: what it compared, units per change."""
        if not changes:
            self.changes_label.setVisible(False)
            return
        from ..core.rounds import CHANGE_ZH, CHANGES
        from ..layers.styling import CHANGE_STYLES

        parts = []
        for c in CHANGES:
            if c == "same":
                continue
            rgb = "#{:02x}{:02x}{:02x}".format(*CHANGE_STYLES[c][1])
            name = pick(CHANGE_ZH[c], c)
            parts.append(f"<span style='color:{rgb}'>■</span> {html.escape(name)} <b>{_fmt(changes.get(c, 0))}</b>")
        self.changes_label.setText(f"{html.escape(tr('Survey rounds'))} ({html.escape(str(changes.get('before', '')))} "
                                   f"→ {html.escape(str(changes.get('after', '')))}): " + " · ".join(parts))
        self.changes_label.setToolTip(tr("The latest change report (citysafety:change_report); the layer "
                                         "round_changes holds every unit's change and its reasons"))
        self.changes_label.setVisible(True)

    def aggregation(self) -> str:
        """The panel's aggregation choice (styling.AGGREGATIONS)."""
        return str(self.aggregation_combo.currentData() or DEFAULT_AGGREGATION)

    def _aggregation_changed(self, _index: int = 0) -> None:
        from ..layers.styling import GROUP_NAME, show_aggregation

        QgsSettings().setValue(AGGREGATION_KEY, self.aggregation())
        group = QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME)
        if group is not None and self.rules is not None:
            show_aggregation(group, self.aggregation(), self.rules)

    def _build_workflow(self) -> QWidget:
        page = QWidget()
        page.setObjectName("workflowPage")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(2, 4, 2, 2)
        steps = QGridLayout()
        steps.setHorizontalSpacing(4)
        steps.setVerticalSpacing(1)
        steps.setColumnStretch(1, 1)
        self.step_state: dict[str, QLabel] = {}
        self.step_buttons: dict[str, QPushButton] = {}
        self.run_buttons: dict[str, QPushButton] = {}
        self.step_labels: dict[str, QLabel] = {}
        titles = step_titles()
        for i, step in enumerate(core_steps.ORDER):
            state = QLabel(page)
            state.setObjectName(f"step_{step}_state")
            state.setFixedWidth(18)
            state.setAlignment(Qt.AlignmentFlag.AlignCenter)
            steps.addWidget(state, 2 * i, 0)
            button = QPushButton(f"{i + 1}  {titles[step]}", page)
            button.setObjectName(f"step_{step}_button")
            button.setStyleSheet("QPushButton { text-align: left; padding: 3px 6px; }")
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setMinimumWidth(120)
            button.setToolTip(tr("Open the Processing dialog with this database filled in"))
            button.clicked.connect(lambda _=False, s=step: self.open_step(s))
            if step in RUNNABLE_STEPS:
                steps.addWidget(button, 2 * i, 1)
                run = QPushButton(tr("Run"), page)
                run.setObjectName(f"step_{step}_run")
                run.setToolTip(tr("Run this step now on the database with the default settings, in the background"))
                run.clicked.connect(lambda _=False, s=step: self.run_step(s))
                steps.addWidget(run, 2 * i, 2)
                self.run_buttons[step] = run
            else:
                steps.addWidget(button, 2 * i, 1, 1, 2)
            text = QLabel(page)
            text.setObjectName(f"step_{step}_status")
            text.setWordWrap(True)
            text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            text.setStyleSheet("QLabel { color: #505050; margin-bottom: 4px; }")
            steps.addWidget(text, 2 * i + 1, 1, 1, 2)
            self.step_state[step] = state
            self.step_buttons[step] = button
            self.step_labels[step] = text
        lay.addLayout(steps)

        lay.addWidget(QLabel("<b>" + html.escape(tr("Units by sector and level")) + "</b>", page))
        self.sector_table = QTableWidget(page)
        self.sector_table.setObjectName("sectorTable")
        self.sector_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sector_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.sector_table.verticalHeader().setVisible(False)
        self.sector_table.setMinimumHeight(120)
        self.sector_table.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        lay.addWidget(self.sector_table, 1)

        lay.addWidget(QLabel("<b>" + html.escape(tr("Units by district and level")) + "</b>", page))
        self.district_note = QLabel(page)
        self.district_note.setObjectName("districtNote")
        self.district_note.setWordWrap(True)
        self.district_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.district_note.setStyleSheet("QLabel { color: #505050; }")
        lay.addWidget(self.district_note)
        self.district_table = QTableWidget(page)
        self.district_table.setObjectName("districtTable")
        self.district_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.district_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.district_table.verticalHeader().setVisible(False)
        self.district_table.setMinimumHeight(160)
        self.district_table.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        lay.addWidget(self.district_table, 1)

        scroll = QScrollArea()
        scroll.setObjectName("workflowScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        return scroll

    def _build_level_one(self) -> QWidget:
        page = QWidget()
        page.setObjectName("levelOnePage")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(2, 4, 2, 2)
        self.level_one_note = QLabel(page)
        self.level_one_note.setObjectName("levelOneNote")
        self.level_one_note.setWordWrap(True)
        lay.addWidget(self.level_one_note)
        self.level_one_table = QTableWidget(0, 4, page)
        self.level_one_table.setObjectName("levelOneTable")
        self.level_one_table.setHorizontalHeaderLabels([tr("Name"), tr("Code"), tr("District"), tr("Score")])
        self.level_one_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.level_one_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.level_one_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.level_one_table.verticalHeader().setVisible(False)
        self.level_one_table.setToolTip(tr("Double-click a unit to zoom to it and select it"))
        header = self.level_one_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.level_one_table.cellDoubleClicked.connect(self._level_one_double_clicked)
        lay.addWidget(self.level_one_table, 1)
        return page

    def _build_inspector(self) -> QWidget:
        page = QWidget()
        page.setObjectName("inspectorPage")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(2, 4, 2, 2)
        self.pick_button = QPushButton(tr("Pick a unit on the map"), page)
        self.pick_button.setObjectName("pickButton")
        self.pick_button.setCheckable(True)
        self.pick_button.setIcon(QgsApplication.getThemeIcon("/mActionIdentify.svg"))
        self.pick_button.toggled.connect(self.arm_pick_tool)
        lay.addWidget(self.pick_button)
        self.inspector = QTextBrowser(page)
        self.inspector.setObjectName("inspectorBrowser")
        self.inspector.setOpenLinks(False)
        self.inspector.setPlaceholderText(tr("Click “Pick a unit on the map”, then a unit on the map."))
        lay.addWidget(self.inspector, 1)
        return page

    # --- the database --------------------------------------------------------------------
    def database(self) -> str:
        """The chosen risk database's path ('' when none)."""
        return (self.file_widget.filePath() or "").strip().strip('"')

    def set_database(self, path: str):
        self.file_widget.setFilePath(str(path))  # fileChanged → _database_changed

    def _database_changed(self, path: str):
        QgsSettings().setValue(SETTINGS_KEY, self.database())
        if self._running_step is None:  # another database: the last outcome is not about it
            self._outcome = ""
            self.task_box.setVisible(False)
        self.current_unit = None
        self.inspector.clear()
        self.refresh()

    def _watch(self, db: str):
        old = self._watcher.files()
        if old:
            self._watcher.removePaths(old)
        if db and os.path.isfile(db):
            self._watcher.addPath(db)

    def _stamp(self, db: str):
        try:
            st = os.stat(db)
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

    def _file_changed(self, _path: str):
        self._debounce.start()

    def _refresh_if_changed(self):
        db = self.database()
        if self._stamp(db) != self._file_stamp:
            self.refresh()
        else:
            self._watch(db)

    # --- reading -------------------------------------------------------------------------
    def refresh(self):
        """Read the database again: in this thread when small, in a QgsTask when large."""
        db = self.database()
        self._read_generation += 1
        generation = self._read_generation
        self._file_stamp = self._stamp(db)
        self._watch(db)
        size = self._file_stamp[1] if self._file_stamp else 0
        if size > BACKGROUND_BYTES:
            self._show_reading(True)
            task = QgsTask.fromFunction(tr("Reading the risk database"), _snapshot_task, db,
                                        on_finished=lambda exc, result=None, g=generation: self._read_done(
                                            g, exc, result))
            self._read_task = task
            QgsApplication.taskManager().addTask(task)
            return
        if self._read_task is not None:  # a large read still running is superseded: no busy bar for it
            self._read_task = None
            self._show_reading(False)
        try:
            snap = core_status.snapshot(db)
        except Exception as exc:  # an unreadable file shows as an error, not a crash
            snap = core_status.Snapshot(core_status.DatabaseStatus(db, exists=os.path.isfile(db), error=str(exc)),
                                        core_status.LevelSummary(), core_status.level_one_units(""))
        self.apply(snap)

    def _read_done(self, generation, exc, result):
        self._read_task = None
        if generation != self._read_generation:
            return  # the database changed meanwhile; a newer read is coming
        self._show_reading(False)
        if exc is not None or result is None:
            db = self.database()
            result = core_status.Snapshot(core_status.DatabaseStatus(db, exists=os.path.isfile(db),
                                                                     error=str(exc or "")),
                                          core_status.LevelSummary(), core_status.level_one_units(""))
        self.apply(result)

    def _show_reading(self, reading: bool):
        if self._running_step is not None:
            return
        if reading:
            self.task_label.setText(tr("Reading the risk database…"))
            self.progress_bar.setRange(0, 0)  # busy
            self.cancel_button.setVisible(False)
            self.task_box.setVisible(True)
        else:
            self.progress_bar.setRange(0, 100)
            if self._outcome:  # the last step's outcome stays in view after the re-read
                self.task_label.setText(self._outcome)
                self.cancel_button.setVisible(False)
            else:
                self.task_box.setVisible(False)

    def is_reading(self) -> bool:
        return self._read_task is not None

    # --- showing -------------------------------------------------------------------------
    def apply(self, snap: core_status.Snapshot):
        """Show one reading of the database."""
        self.snapshot = snap
        self._apply_status(snap.status)
        self._apply_level_field(snap)
        self._apply_changes(snap.changes)
        self._apply_level_one(snap.level_one)
        self._apply_districts(snap.districts)
        self.refreshed.emit()

    def _apply_status(self, st: core_status.DatabaseStatus):
        running = self._running_step is not None
        for step in core_steps.ORDER:
            s = st.steps.get(step) or core_status.StepStatus(step)
            alg = _algorithm(step)
            needs_ok = st.enabled(step) and (step == "import" or st.exists)
            state = self.step_state[step]
            if s.done:
                state.setText("<span style='color:#1A7F37; font-weight:bold'>✓</span>")
                state.setToolTip(tr("Done"))
            else:
                state.setText("<span style='color:#9A9A9A'>○</span>")
                state.setToolTip(tr("Not run yet"))
            button = self.step_buttons[step]
            # While a step runs on the database, no other may start on it (from here).
            button.setEnabled(alg is not None and needs_ok and not running)
            if alg is None:
                button.setToolTip(tr("The algorithm {} is not available").format(
                    core_steps.algorithm(step, PROVIDER_ID)))
            else:
                button.setToolTip(tr("Open the Processing dialog with this database filled in"))
            if step in self.run_buttons:
                self.run_buttons[step].setEnabled(alg is not None and needs_ok and st.exists and not running)
            text = step_status_text(step, s, st)
            if step == "import" and st.error:
                text = tr("Cannot read the database: {}").format(st.error)
            self.step_labels[step].setText(text)

    def _apply_summary(self, summary: core_status.LevelSummary):
        for k, lab in self.level_labels.items():
            n = summary.levels.get(k, 0)
            lab.setText(f"<span style='font-size:small'>{html.escape(level_name(k, self.rules))}</span><br/>"
                        f"<b style='font-size:large'>{_fmt(n)}</b>")
            lab.setToolTip(tr("Level {}: {} units").format(k, _fmt(n)))
        self.unscored_label.setText(f"<span style='font-size:small'>{html.escape(tr('unscored'))}</span><br/>"
                                    f"<b style='font-size:large'>{_fmt(summary.unscored)}</b>")
        self.unscored_label.setToolTip(tr("Units without a level: {}").format(_fmt(summary.unscored)))

        table = self.sector_table
        frame = summary.by_sector
        headers = [tr("Sector"), *[str(k) for k in core_status.LEVELS], "–", "Σ"]
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.horizontalHeaderItem(len(headers) - 2).setToolTip(tr("Unscored"))
        table.horizontalHeaderItem(len(headers) - 1).setToolTip(tr("Total"))
        for k in core_status.LEVELS:
            item = table.horizontalHeaderItem(k)
            item.setToolTip(level_name(k, self.rules))
            item.setForeground(QColor(level_colour(k, self.rules)))
        table.setRowCount(len(frame) + (1 if len(frame) else 0))
        keys = [*[f"level{k}" for k in core_status.LEVELS], "unscored", "total"]
        for r, (_, row) in enumerate(frame.iterrows()):
            table.setItem(r, 0, QTableWidgetItem(sector_name(row["sector"], row["sector_zh"], self.rules)))
            for c, key in enumerate(keys, start=1):
                table.setItem(r, c, self._count_item(int(row[key]), c))
        if len(frame):
            r = len(frame)
            total = QTableWidgetItem(tr("All sectors"))
            font = total.font()
            font.setBold(True)
            total.setFont(font)
            table.setItem(r, 0, total)
            sums = [*[summary.levels.get(k, 0) for k in core_status.LEVELS], summary.unscored, summary.total]
            for c, n in enumerate(sums, start=1):
                item = self._count_item(int(n), c)
                item.setFont(font)
                table.setItem(r, c, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(headers)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)

    def _apply_districts(self, districts: core_status.DistrictLevels):
        """Per district: each level's count and share of the district's units, "8→12" where
        the upgrades changed it (inherent → final), and the units the upgrades raised."""
        table = self.district_table
        frame = districts.table
        headers = [tr("District"), *[str(k) for k in core_status.LEVELS], tr("Raised")]
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        for k in core_status.LEVELS:
            item = table.horizontalHeaderItem(k)
            item.setToolTip(tr("{}: units, and under them their share of the district's units; “8→12”: 8 by the "
                               "scores (inherent level), 12 after the proximity and cascade upgrades").format(
                level_name(k, self.rules)))
            item.setForeground(QColor(level_colour(k, self.rules)))
        raised_column = len(headers) - 1
        table.horizontalHeaderItem(raised_column).setToolTip(
            tr("Units the proximity and cascade upgrades made more severe than their scores (inherent level)"))
        table.setRowCount(len(frame))
        for r, (_, row) in enumerate(frame.iterrows()):
            name = str(row["district"] or "") or tr("(no district)")
            first = QTableWidgetItem(name)
            first.setToolTip(tr("{}: {} units, {} unscored").format(name, _fmt(row["n_units"]), _fmt(row["unscored"])))
            table.setItem(r, 0, first)
            for k in core_status.LEVELS:
                n = int(row[f"level{k}"])
                inherent = _count_or_none(row[f"inherent{k}"]) if districts.inherent else None
                item = self._count_item(n, k)
                item.setText(district_cell_text(n, row[f"share{k}"], inherent))
                tip = tr("{} · {}: {} units, {} of the district's units").format(
                    name, level_name(k, self.rules), _fmt(n), _pct(row[f"share{k}"]) or "–")
                if inherent is not None:
                    tip += "; " + tr("{} by the scores alone (inherent level)").format(_fmt(inherent))
                item.setToolTip(tip)
                table.setItem(r, k, item)
            raised = _count_or_none(row["raised"]) if districts.inherent else None
            item = QTableWidgetItem("–" if raised is None else _fmt(raised))
            item.setData(Qt.ItemDataRole.UserRole, raised)
            item.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
            if raised:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            item.setToolTip(tr("{}: {} units raised by the upgrades").format(name, _fmt(raised)) if raised is not None
                            else tr("Not recorded: the database was scored before inherent levels were kept"))
            table.setItem(r, raised_column, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(headers)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        table.resizeRowsToContents()
        if not len(frame):
            self.district_note.setText(tr("No districts yet (the database is not scored, or its units name no "
                                          "district)."))
            return
        source = tr("Districts of the risk map (units located in each district's area).") \
            if districts.source == core_status.FROM_MAP else \
            tr("Districts as surveyed (the units' district field): the risk map has no current district summary.")
        legend = tr("Each cell: units, and under them their share of the district's units; “8→12”: 8 by the "
                    "scores, 12 after the upgrades.") if districts.inherent else \
            tr("Each cell: units, and under them their share of the district's units. The levels before the "
               "upgrades are not recorded (scored before they were kept).")
        self.district_note.setText(f"{source} {legend}")

    def _count_item(self, n: int, column: int) -> QTableWidgetItem:
        item = QTableWidgetItem(_fmt(n))
        item.setData(Qt.ItemDataRole.UserRole, n)
        item.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
        if 1 <= column <= 4 and n > 0:
            c = QColor(level_colour(column, self.rules))
            c.setAlpha(70)
            item.setBackground(c)
        return item

    def _apply_level_one(self, frame):
        table = self.level_one_table
        table.setRowCount(0)
        shown = frame.head(LEVEL_ONE_SHOWN)
        table.setRowCount(len(shown))
        for r, (_, row) in enumerate(shown.iterrows()):
            code = str(row["unit_code"])
            name = QTableWidgetItem(str(row["name"] or ""))
            name.setData(Qt.ItemDataRole.UserRole, code)
            name.setToolTip(sector_name(row.get("sector") or "", row.get("sector_zh") or "", self.rules))
            table.setItem(r, 0, name)
            table.setItem(r, 1, QTableWidgetItem(code))
            table.setItem(r, 2, QTableWidgetItem(str(row["district"] or "")))
            rv = QTableWidgetItem(str(row.get("score_text") or ""))
            rv.setData(Qt.ItemDataRole.UserRole, row.get("score"))
            rv.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
            table.setItem(r, 3, rv)
        if len(frame) > len(shown):
            self.level_one_note.setText(tr("{} level-1 units; the first {} by method and score are listed.").format(
                _fmt(len(frame)), _fmt(len(shown))))
        elif len(frame):
            self.level_one_note.setText(
                tr("{} level-1 units. Double-click one to zoom to it.").format(_fmt(len(frame))))
        else:
            self.level_one_note.setText(tr("No level-1 units (or the database is not scored yet)."))

    def level_one_codes(self) -> list[str]:
        t = self.level_one_table
        return [t.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(t.rowCount())]

    # --- the steps -----------------------------------------------------------------------
    def step_parameters(self, step: str) -> dict:
        """The parameters a step's dialog opens with (and a "Run" runs with): the database,
        and the outputs beside it where the step writes files."""
        db = self.database()
        if step == "import":
            return {"OUTPUT": db} if db else {}
        params = {"INPUT": db}
        if db and step == "map":
            params["DENSITY"] = str(Path(db).with_name(DENSITY_NAME))
        stem = Path(db).with_suffix("") if db else None
        if stem and step == "report":
            params["XLSX"] = f"{stem}_report.xlsx"
            params["PDF"] = f"{stem}_report.pdf"
        if stem and step == "risk_list":
            params["OUTPUT"] = f"{stem}_risk_list.xlsx"
        if stem and step == "cards":  # the level-1 and level-2 units (the algorithm's default)
            params["OUTPUT"] = f"{stem}_notice_cards.pdf"
        return params

    def open_step(self, step: str):
        """The step's Processing dialog, with the database filled in."""
        from qgis import processing

        alg_id = core_steps.algorithm(step, PROVIDER_ID)
        processing.execAlgorithmDialog(alg_id, self.step_parameters(step))
        self.refresh()

    def run_step(self, step: str):
        """Run a step on the database with the algorithm's defaults, as a background task
        with progress and cancel; the panel refreshes when it ends. Returns the task (None
        when the step needs more than the database: then its dialog opens instead)."""
        if self._running_step is not None:
            return None
        alg = _algorithm(step)
        db = self.database()
        if alg is None or not db:
            return None
        alg = alg.create()
        params = self.step_parameters(step)
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        feedback = _StepFeedback()
        ok, _message = alg.checkParameterValues(params, context)
        if not ok:  # it needs more than the database: ask in its dialog
            self.open_step(step)
            return None
        title = step_titles()[step].rstrip("…")
        self._running_step = step
        self._outcome = ""
        self.task_label.setText(tr("Running: {}").format(title))
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.task_box.setVisible(True)
        for b in (*self.run_buttons.values(), *self.step_buttons.values()):
            b.setEnabled(False)
        feedback.progressChanged.connect(self._on_progress)
        if alg.flags() & QgsProcessingAlgorithm.Flag.FlagNoThreading:
            # Not thread-safe: runs here, still reporting progress and honouring Cancel.
            self._run = (step, None, context, feedback)
            try:
                from qgis import processing

                results = processing.run(alg, params, context=context, feedback=feedback)
                self._on_executed(step, True, results)
            except Exception:
                self._on_executed(step, False, {})
            return None
        task = QgsProcessingAlgRunnerTask(alg, params, context, feedback)
        self._run = (step, task, context, feedback)
        if task.isCanceled():  # prepare() refused the parameters
            self._on_executed(step, False, {})
            return None
        task.executed.connect(lambda ok, results, s=step: self._on_executed(s, ok, results))
        QgsApplication.taskManager().addTask(task)
        return task

    @pyqtSlot(float)
    def _on_progress(self, value: float):
        self.progress_bar.setValue(int(value))
        self.progress_bar.repaint()  # also while a main-thread step holds the event loop

    def feedback(self) -> QgsProcessingFeedback | None:
        """The feedback of the step running now (or last)."""
        return self._run[3] if self._run else None

    def is_running(self) -> bool:
        return self._running_step is not None

    def cancel(self):
        """Cancel the running step (its outputs stay as they were)."""
        if self._run is None or self._running_step is None:
            return
        _step, task, _context, feedback = self._run
        # First the label: a task that has not started yet ends (and says so) inside cancel().
        self.cancel_button.setEnabled(False)
        self.task_label.setText(tr("Cancelling…"))
        feedback.cancel()
        if task is not None:
            with contextlib.suppress(RuntimeError):  # already finished and deleted
                task.cancel()

    def _on_executed(self, step: str, ok: bool, results):
        if self._closing:  # the plugin unloaded while the step was running
            return
        self._running_step = None
        title = step_titles()[step].rstrip("…")
        feedback = self.feedback()
        canceled = feedback is not None and feedback.isCanceled()
        if ok:
            msg = tr("{}: finished").format(title)
            level = Qgis.MessageLevel.Success
        elif canceled:
            msg = tr("{}: cancelled; the database was left as it was").format(title)
            level = Qgis.MessageLevel.Warning
        else:
            reason = getattr(feedback, "last_error", "")
            msg = tr("{}: failed: {}").format(title, reason) if reason else \
                tr("{}: failed (see the Processing log)").format(title)
            level = Qgis.MessageLevel.Critical
        self._outcome = msg
        self.task_label.setText(msg)
        self.progress_bar.setValue(100 if ok else self.progress_bar.value())
        self.cancel_button.setVisible(False)
        with contextlib.suppress(Exception):  # a message bar is a courtesy
            self.iface.messageBar().pushMessage(tr("City Safety Risk Map"), msg, level, 5)
        self.refresh()
        self.stepFinished.emit(step, bool(ok))

    # --- the map -------------------------------------------------------------------------
    def risk_layer(self, load: bool = True) -> QgsVectorLayer | None:
        """The layer of this database's units in the project (risk_map preferred, else units);
        when none is loaded, the risk map is loaded and styled (the units layer when the map
        has not been made yet)."""
        db = self.database()
        if not db:
            return None
        project = QgsProject.instance()
        layers = self.snapshot.status.layers if self.snapshot else ()
        wanted = "risk_map" if "risk_map" in layers else "units"
        loaded = unit_layers(project, db)  # risk_map first, then units
        if loaded:
            return loaded[0]
        if not load or wanted not in layers:
            return None
        rules = self.rules or _rules()
        if wanted == "risk_map":
            from ..layers.loading import load_risk_layers

            loaded = load_risk_layers(project, db, str(Path(db).with_name(DENSITY_NAME)), rules,
                                      "district_summary" in layers, self.aggregation(), self.level_field())
            return next((lyr for lyr in loaded if layer_of_database(lyr, db) == "risk_map"), None)
        # Scored but no risk map yet: the units themselves, styled as the map would be.
        from ..layers.styling import add_to_group, style_risk_layer

        layer = QgsVectorLayer(f"{db}|layername=units", tr("Units (no risk map yet)"), "ogr")
        if not layer.isValid():
            return None
        if rules is not None:
            style_risk_layer(layer, rules)
        from ..layers.loading import points_scale
        from ..layers.styling import set_scale_visibility

        set_scale_visibility(layer, points_scale(db), 0)  # a million units are not drawn at city scale
        project.addMapLayer(layer, False)
        add_to_group(project, [layer])
        return layer

    def zoom_to_unit(self, code: str) -> bool:
        """Select the unit in the risk map layer (loaded if needed) and zoom the map to it."""
        loaded_now = self.risk_layer(load=False) is None
        layer = self.risk_layer(load=True)
        if layer is None:
            return False
        expr = f'"unit_code" = {_quote(code)}'
        layer.selectByExpression(expr, Qgis.SelectBehavior.SetSelection)
        ids = layer.selectedFeatureIds()
        if not ids or not self._zoom_to_feature(layer, ids[0]):
            return False
        if loaded_now:
            # Layers added to a project: on the next turn of the event loop QGIS sets the map's
            # CRS and zooms to their full extent (QgsLayerTreeMapCanvasBridge); zoom again after.
            layer_id, fid = layer.id(), ids[0]
            QTimer.singleShot(0, lambda: self._zoom_to_feature(QgsProject.instance().mapLayer(layer_id), fid))
        return True

    def _zoom_to_feature(self, layer, fid) -> bool:
        if layer is None:
            return False
        feature = next(layer.getFeatures(QgsFeatureRequest().setFilterFid(fid)), None)
        if feature is None or feature.geometry().isNull():
            return False
        canvas = self.iface.mapCanvas()
        dest = canvas.mapSettings().destinationCrs()
        if not dest.isValid():
            canvas.setDestinationCrs(layer.crs())
            dest = layer.crs()
        box = feature.geometry().boundingBox()
        if dest != layer.crs():
            box = QgsCoordinateTransform(layer.crs(), dest, QgsProject.instance()).transformBoundingBox(box)
        centre = box.center()
        d = 0.001 if dest.isGeographic() else 100.0  # any small extent: the scale is set next
        canvas.setExtent(QgsRectangle(centre.x() - d, centre.y() - d, centre.x() + d, centre.y() + d))
        canvas.zoomScale(ZOOM_SCALE)
        # Not made the active layer: in QGIS 3.22 a layer made active from Python takes QGIS
        # down as it quits (QgisApp::setMapStyleDockLayer during ~QgsProject; measured here:
        # exit 134 with, 0 without). The selection shows on the map all the same.
        canvas.refresh()
        return True

    def _level_one_double_clicked(self, row: int, _column: int):
        item = self.level_one_table.item(row, 0)
        if item is None:
            return
        code = item.data(Qt.ItemDataRole.UserRole)
        self.zoom_to_unit(code)
        self.show_unit(code)

    # --- the inspector -------------------------------------------------------------------
    def arm_pick_tool(self, checked: bool = True):
        """Arm (or disarm) the map tool: a click on a unit shows it in the inspector."""
        canvas = self.iface.mapCanvas()
        if not checked:
            if self.inspect_tool is not None and canvas.mapTool() is self.inspect_tool:
                canvas.unsetMapTool(self.inspect_tool)
            return
        if self.inspect_tool is None:
            self.inspect_tool = UnitInspectTool(canvas, self.database, self._picked)
            self.inspect_tool.deactivated.connect(lambda: self._set_pick_checked(False))
        canvas.setMapTool(self.inspect_tool)
        self._set_pick_checked(True)

    def _set_pick_checked(self, checked: bool):
        self.pick_button.blockSignals(True)
        self.pick_button.setChecked(checked)
        self.pick_button.blockSignals(False)

    def _picked(self, code: str):
        self.show_unit(code)
        self.tabs.setCurrentWidget(self.inspector.parentWidget())
        self.setUserVisible(True)

    def show_unit(self, code: str) -> bool:
        """Show one unit in the inspector."""
        db = self.database()
        try:
            details = core_status.unit_details(db, code)
        except Exception as exc:
            self.inspector.setHtml(f"<p>{html.escape(tr('Cannot read the unit: {}').format(exc))}</p>")
            return False
        if details is None:
            self.inspector.setHtml(f"<p>{html.escape(tr('Unit {} is not in this database.').format(code))}</p>")
            return False
        self.current_unit = code
        self.inspector.setHtml(unit_html(details, self.rules))
        self.unitShown.emit(code)
        return True

    # --- going away ----------------------------------------------------------------------
    def cleanup(self):
        """Before the plugin unloads: cancel work, drop the map tool, stop watching."""
        self.cancel()
        self._closing = True
        if self.inspect_tool is not None:
            canvas = self.iface.mapCanvas()
            if canvas.mapTool() is self.inspect_tool:
                canvas.unsetMapTool(self.inspect_tool)
            self.inspect_tool.deleteLater()
            self.inspect_tool = None
        self._debounce.stop()
        files = self._watcher.files()
        if files:
            self._watcher.removePaths(files)
        self._read_generation += 1  # a read still running is ignored when it ends


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class _StepFeedback(QgsProcessingFeedback):
    """A step's feedback that keeps its last error, to say why the step failed."""

    def __init__(self):
        super().__init__()
        self.last_error = ""

    def reportError(self, error, fatalError=False):
        self.last_error = str(error).strip().splitlines()[0] if str(error).strip() else self.last_error
        super().reportError(error, fatalError)


def _snapshot_task(task, db: str):
    """QgsTask body: the whole reading, off the main thread."""
    return core_status.snapshot(db)

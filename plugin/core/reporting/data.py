"""The report's tables (报告数据): what the Excel workbook (and other report outputs) show.

:func:`assemble_report` assembles every table of the report from what the report step
(``steps.report_data``) read of a scored risk database, each table a pandas DataFrame
with English snake_case columns; :data:`COLUMNS` gives each column
its heading (an English source string marked with :func:`N_`, translated by the writer
through its ``tr`` callable) and its kind (text, count, R value, probability, distance…),
which decides the number format. Steps that have not run (proximity, cascade, risk map)
leave their tables empty and add a note saying so.

Personal data — contact names, contact phones and surveyors — is masked unless
``unmask=True``: 张三 → 张*, 13812345678 → 138****5678 (:func:`mask_name`,
:func:`mask_phone`, vectorised over a Series).

Pure Python: no QGIS import here.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..files import name_of
from ..rules import Rules, RulesError, load_rules
from ..scoring.levels import all_reasons, level_table
from ..scoring.levels import names as level_names

# Sheet names: fixed Chinese, whatever the language of the headings.
SUMMARY_SHEET = "概览"
LEVEL_SHEETS = {1: "重大风险单位", 2: "较大风险单位"}
ACCOUNTABILITY_SHEET = "管控责任"
FINDINGS_SHEET = "管控缺失"
RECEPTORS_SHEET = "敏感目标"
CHAINS_SHEET = "多米诺链"
HIDDEN_SHEET = "隐患督办"  # who is behind with the hidden dangers, and the 督办 list
QUALITY_SHEET = "数据质量"
METHOD_SHEET = "方法说明"
SHEETS = (SUMMARY_SHEET, LEVEL_SHEETS[1], LEVEL_SHEETS[2], ACCOUNTABILITY_SHEET, FINDINGS_SHEET, HIDDEN_SHEET,
          RECEPTORS_SHEET, CHAINS_SHEET, QUALITY_SHEET, METHOD_SHEET)

TOP_CHAINS = 200
NEAREST_RECEPTORS = 3
#: Rows of a list sheet (重大风险单位, 较大风险单位, 敏感目标) at most: beyond this the sheet
#: shows the first rows and says where the whole list is (docs/report.md, "Long lists").
#: Excel's own limit is 1,048,576 rows; a filter or a sort over more than this is slow, and
#: the database answers such questions better.
MAX_LIST_ROWS = 100_000
PERSONAL_FIELDS = ("contact_name", "contact_phone", "surveyor")


def N_(text: str) -> str:
    """Mark a literal for translation (collected by an extractor); returns it unchanged."""
    return text


def identity(text: str) -> str:
    return text


# Column kinds → number formats (see reporting.xlsx NUMBER_FORMATS).
TEXT, COUNT, R, PROB, DIST, DEC1, DEC2, DEC3, COORD = ("text", "count", "r", "prob", "dist", "dec1", "dec2", "dec3",
                                                      "coord")


@dataclass(frozen=True)
class Col:
    label: str  # English source string (N_-marked); translate with tr() when shown
    kind: str = TEXT


COLUMNS: dict[str, Col] = {
    # units
    "unit_code": Col(N_("Unit code")),
    "unit_name": Col(N_("Unit name")),
    "credit_code": Col(N_("Unified social credit code")),
    "sector_zh": Col(N_("Sector")),
    "district": Col(N_("District")),
    "street": Col(N_("Street")),
    "address": Col(N_("Address")),
    "unit_level": Col(N_("Unit level"), COUNT),
    "unit_level_zh": Col(N_("Unit level name")),
    "major_hazard": Col(N_("Major hazard source (S ≥ 1)")),
    "unit_s_value": Col(N_("Σq/Q of the unit (S)"), DEC2),
    "population_500m": Col(N_("Population within 500 m"), COUNT),
    "level_reasons": Col(N_("Reasons for the unit's level")),
    "contact_name": Col(N_("Contact person")),
    "contact_phone": Col(N_("Contact phone")),
    "surveyor": Col(N_("Surveyor")),
    "survey_date": Col(N_("Survey date")),
    # hazards
    "hazard_code": Col(N_("Hazard source code")),
    "hazard_name": Col(N_("Hazard source name")),
    "kind": Col(N_("Hazard source type")),
    "equipment": Col(N_("Equipment type")),
    "substance": Col(N_("Substance")),
    "cas": Col(N_("CAS number")),
    "quantity_t": Col(N_("Design maximum quantity (t)"), DEC2),
    "hazard_level": Col(N_("Hazard source level"), COUNT),
    "hazard_level_zh": Col(N_("Hazard source level name")),
    "method": Col(N_("Method")),
    "r_value": Col(N_("R (GB 18218)"), R),
    "alpha": Col(N_("α"), DEC1),
    "alpha_source": Col(N_("Source of α")),
    "sum_beta_q": Col(N_("Σβq/Q"), DEC2),
    "q_over_Q": Col(N_("q/Q"), DEC3),
    "beta": Col(N_("β"), DEC1),
    "lec_d": Col(N_("LEC D"), DEC1),
    "ls_r": Col(N_("LS R"), COUNT),
    "base_level": Col(N_("Level before proximity upgrade"), COUNT),
    "upgrade_reason": Col(N_("Proximity upgrade reason")),
    "score_note": Col(N_("Scoring note")),
    "reach_m": Col(N_("Reach radius (m)"), DIST),
    "n_receptors": Col(N_("Receptors within reach"), COUNT),
    "n_high": Col(N_("High-sensitivity receptors within reach"), COUNT),
    "nearest_high": Col(N_("Nearest high-sensitivity receptors")),
    "reach_1": Col(N_("Cascade reach, one step"), COUNT),
    "reach_all": Col(N_("Cascade reach, all steps"), COUNT),
    "best_chain_p_max": Col(N_("Most probable chain from here"), PROB),
    "cascade_reason": Col(N_("Cascade upgrade reason")),
    "lon": Col(N_("Longitude"), COORD),
    "lat": Col(N_("Latitude"), COORD),
    # receptors
    "receptor_name": Col(N_("Receptor")),
    "class_zh": Col(N_("Receptor class")),
    "sensitivity": Col(N_("Sensitivity")),
    "distance_m": Col(N_("Distance (m)"), DIST),
    "protection_m": Col(N_("Protection distance (m)"), DIST),
    "within_protection": Col(N_("Within the protection distance")),
    # chains
    "rank": Col(N_("Rank"), COUNT),
    "probability": Col(N_("Probability"), PROB),
    "length": Col(N_("Steps"), COUNT),
    "chain": Col(N_("Chain")),
    "start": Col(N_("Initiating hazard source")),
    "start_unit": Col(N_("Initiating unit")),
    "start_level": Col(N_("Level of the initiating source"), COUNT),
    "target": Col(N_("Last hazard source of the chain")),
    "target_unit": Col(N_("Unit of the last source")),
    "target_level": Col(N_("Level of the last source"), COUNT),
    # data quality
    "step": Col(N_("Step")),
    "file": Col(N_("File")),
    "code": Col(N_("Issue code")),
    "severity": Col(N_("Severity")),
    "count": Col(N_("Count"), COUNT),
    "message_zh": Col(N_("Example message (Chinese)")),
    "message_en": Col(N_("Example message (English)")),
    "run_id": Col(N_("Import run")),
    "status": Col(N_("Status")),
    "rows_read": Col(N_("Rows read"), COUNT),
    "rows_accepted": Col(N_("Rows accepted"), COUNT),
    "rows_rejected": Col(N_("Rows rejected"), COUNT),
    "rows_skipped_blank": Col(N_("Blank rows skipped"), COUNT),
    "rows_skipped_total": Col(N_("Total rows skipped"), COUNT),
    "balanced": Col(N_("Read = accepted + rejected + skipped")),
    "units_accepted": Col(N_("Units imported"), COUNT),
    "hazards_accepted": Col(N_("Hazard sources imported"), COUNT),
    "errors": Col(N_("Errors"), COUNT),
    "warnings": Col(N_("Warnings"), COUNT),
    # summary
    "item": Col(N_("Item")),
    "value": Col(N_("Value"), COUNT),
    "level": Col(N_("Level"), COUNT),
    "level_name": Col(N_("Level name")),
    "n_units": Col(N_("Units"), COUNT),
    "n_hazards": Col(N_("Hazard sources"), COUNT),
    "sector": Col(N_("Sector")),
    "level_1": Col(N_("Level 1"), COUNT),
    "level_2": Col(N_("Level 2"), COUNT),
    "level_3": Col(N_("Level 3"), COUNT),
    "level_4": Col(N_("Level 4"), COUNT),
    "unscored": Col(N_("Unscored"), COUNT),
    "total": Col(N_("Total"), COUNT),
    "worst_level": Col(N_("Worst level"), COUNT),
    "area_km2": Col(N_("Area (km²)"), DEC2),
    "risk_index": Col(N_("Risk index"), DEC3),
    "risk_index_rank": Col(N_("Rank by risk index"), COUNT),
    # the district table's shares and inherent levels ({level}: "1 重大风险", the rules' name)
    "share_1": Col(N_("{level}: share (%)"), DEC1),
    "share_2": Col(N_("{level}: share (%)"), DEC1),
    "share_3": Col(N_("{level}: share (%)"), DEC1),
    "share_4": Col(N_("{level}: share (%)"), DEC1),
    "share_unscored": Col(N_("Unscored: share (%)"), DEC1),
    "inherent_1": Col(N_("{level}: inherent"), COUNT),
    "inherent_2": Col(N_("{level}: inherent"), COUNT),
    "inherent_3": Col(N_("{level}: inherent"), COUNT),
    "inherent_4": Col(N_("{level}: inherent"), COUNT),
    "n_raised": Col(N_("Units raised by the upgrades"), COUNT),
    "risk_index_inherent": Col(N_("Risk index of the inherent levels"), DEC3),
    # the dynamic risk (现实风险, scoring/dynamic.py), when it was computed
    "n_units_dynamic": Col(N_("Units by dynamic risk"), COUNT),
    **{f"dynamic_{k}": Col(N_("{level}: dynamic risk"), COUNT) for k in range(1, 5)},
    "n_dynamic_raised": Col(N_("Units raised by the dynamic factors"), COUNT),
    "unit_dynamic_level": Col(N_("Unit dynamic level"), COUNT),
    "dynamic_reasons": Col(N_("Dynamic risk: raised by")),
    # who is behind with the hidden dangers (scoring/dynamic.py hidden_danger_accountability)
    "n_hidden": Col(N_("Hidden dangers"), COUNT),
    "n_open": Col(N_("Open"), COUNT),
    "n_open_major": Col(N_("Open major hidden dangers"), COUNT),
    "n_overdue": Col(N_("Open past the deadline"), COUNT),
    "n_overdue_major": Col(N_("Major, open past the deadline"), COUNT),
    "n_rectified": Col(N_("Rectified"), COUNT),
    "avg_days_to_rectify": Col(N_("Average days to rectify"), DEC1),
    "danger_code": Col(N_("Hidden danger code")),
    "description": Col(N_("Description")),
    "status_zh": Col(N_("Status")),
    "found_date": Col(N_("Date found")),
    "deadline": Col(N_("Deadline")),
    "days_overdue": Col(N_("Days overdue"), COUNT),
    "source": Col(N_("Found by")),
    # method
    "section": Col(N_("Section")),
    "key": Col(N_("Key")),
    "rule_value": Col(N_("Value")),
    "provenance": Col(N_("Provenance")),
    "note": Col(N_("Comment in the rules file")),
    "path": Col(N_("Path")),
    "sha256": Col(N_("SHA-256")),
    "size_bytes": Col(N_("Size (bytes)"), COUNT),
    "finished": Col(N_("Finished")),
    "started": Col(N_("Started")),
    "rules_name": Col(N_("Rules")),
    "rules_path": Col(N_("Rules file")),
    "rules_sha256": Col(N_("SHA-256 of the rules file")),
    "plugin_version": Col(N_("Plugin version")),
    "formula": Col(N_("Formula or band")),
    # who answers for the risk (mapping/accountability.py)
    **{f"points_{k}": Col(N_("{level}: risk points"), COUNT) for k in range(1, 5)},
    "controls_missing": Col(N_("Risk points without controls"), COUNT),
    "person_missing": Col(N_("Risk points without a responsible person"), COUNT),
    "n_major": Col(N_("Major hazard sources"), COUNT),
    "major_unnamed": Col(N_("Major hazard sources without their three responsible people"), COUNT),
    "finding_zh": Col(N_("Finding (Chinese)")),
    "finding_en": Col(N_("Finding (English)")),
}
# The level columns of the sector and district tables (their headings show the rules' level names).
LEVEL_COLUMNS = {"level_1": 1, "level_2": 2, "level_3": 3, "level_4": 4}
# The district table's columns of one level each: their headings fill the level's name into
# the label ("{level}") and take its colour, like LEVEL_COLUMNS.
LEVEL_OF_COLUMN = {**LEVEL_COLUMNS, **{f"share_{k}": k for k in range(1, 5)},
                   **{f"inherent_{k}": k for k in range(1, 5)}, **{f"points_{k}": k for k in range(1, 5)},
                   **{f"dynamic_{k}": k for k in range(1, 5)}}
#: The district table's and the level sheets' columns of the dynamic risk, shown when it was computed.
DYNAMIC_DISTRICT_COLUMNS = (*(f"dynamic_{k}" for k in range(1, 5)), "n_dynamic_raised")
DYNAMIC_LEVEL_SHEET_COLUMNS = ("unit_dynamic_level", "dynamic_reasons")
DYNAMIC_REASONS = ("reason_hidden_major", "reason_hidden_overdue", "reason_accident", "reason_controls")

LEVEL_SHEET_COLUMNS = (
    "unit_code", "unit_name", "sector_zh", "district", "street", "address", "unit_level", "unit_level_zh",
    "major_hazard", "unit_s_value", "population_500m", "level_reasons", *DYNAMIC_LEVEL_SHEET_COLUMNS, "contact_name",
    "contact_phone", "surveyor",
    "survey_date", "hazard_code", "hazard_name", "kind", "equipment", "substance", "cas", "quantity_t", "hazard_level",
    "hazard_level_zh", "method", "r_value", "alpha", "alpha_source", "sum_beta_q", "q_over_Q", "beta", "lec_d", "ls_r",
    "base_level", "upgrade_reason", "score_note", "reach_m", "n_receptors", "n_high", "nearest_high", "reach_1",
    "reach_all", "best_chain_p_max", "cascade_reason", "lon", "lat")
RECEPTOR_SHEET_COLUMNS = (
    "hazard_code", "hazard_name", "unit_code", "unit_name", "sector_zh", "district", "hazard_level", "hazard_level_zh",
    "receptor_name", "class_zh", "sensitivity", "distance_m", "protection_m", "within_protection")
CHAIN_SHEET_COLUMNS = ("rank", "probability", "length", "chain", "start", "start_unit", "start_level", "target",
                       "target_unit", "target_level")
ISSUE_COUNT_COLUMNS = ("step", "file", "code", "severity", "count", "message_zh", "message_en")
BALANCE_COLUMNS = ("file", "run_id", "status", "rows_read", "rows_accepted", "rows_rejected", "rows_skipped_blank",
                   "rows_skipped_total", "balanced", "units_accepted", "hazards_accepted", "errors", "warnings")
DISTRICT_COLUMNS = ("district", "n_units", "level_1", "level_2", "level_3", "level_4", "unscored", "share_1",
                    "share_2", "share_3", "share_4", "share_unscored", "inherent_1", "inherent_2", "inherent_3",
                    "inherent_4", "n_raised", "worst_level", "area_km2", "risk_index", "risk_index_inherent",
                    "risk_index_rank")
#: Who answers for the risk, per district (the district table's) and per street.
ACCOUNTABILITY_COLUMNS = ("points_1", "points_2", "points_3", "points_4", "controls_missing", "person_missing",
                          "n_major", "major_unnamed")
ACCOUNTABILITY_DISTRICT_COLUMNS = ("district", *ACCOUNTABILITY_COLUMNS)
ACCOUNTABILITY_STREET_COLUMNS = ("district", "street", *ACCOUNTABILITY_COLUMNS)
FINDING_SHEET_COLUMNS = ("code", "district", "street", "sector_zh", "unit_code", "unit_name", "hazard_code",
                         "hazard_level", "hazard_level_zh", "finding_zh", "finding_en")
INPUT_COLUMNS = ("file", "path", "sha256", "size_bytes", "status", "finished")
RUN_COLUMNS = ("step", "started", "finished", "rules_name", "rules_path", "rules_sha256", "plugin_version")
PROVENANCE_COLUMNS = ("section", "key", "rule_value", "provenance", "note")
METHOD_COLUMNS = ("method", "formula", "level", "level_name")


@dataclass
class LevelInfo:
    level: int
    zh: str
    en: str
    colour: str  # '#E60012'


@dataclass(frozen=True)
class Truncation:
    """A list sheet cut to :data:`MAX_LIST_ROWS`: what it shows, and where the whole list is
    (a layer of the risk database and the filter that selects it)."""

    shown: int  # rows in the sheet
    total: int  # rows of the whole list
    layer: str
    filter: str
    units_shown: int | None = None  # the level sheets: whole units only
    units_total: int | None = None
    also: tuple[str, str] | None = None  # another layer and filter (the units of a level sheet)

    def note(self, db_name: str) -> str:
        """The bilingual note the sheet shows (Chinese, then English), whatever the report's language."""
        units_zh = units_en = ""
        if self.units_shown is not None:
            units_zh = f"，{self.units_shown:,} / {self.units_total:,} 个单位"
            units_en = f" ({self.units_shown:,} of {self.units_total:,} units)"
        also_zh = also_en = ""
        if self.also:
            also_zh = f"；单位见图层 {self.also[0]}，筛选条件 {self.also[1]}"
            also_en = f"; the units are in layer {self.also[0]}, filter {self.also[1]}"
        return (f"本表只列出前 {self.shown:,} 行（共 {self.total:,} 行{units_zh}）。完整清单在风险数据库 {db_name} 中："
                f"图层 {self.layer}，筛选条件 {self.filter}{also_zh}。 / "
                f"Only the first {self.shown:,} of {self.total:,} rows are shown{units_en}. The whole list is in "
                f"the risk database {db_name}: layer {self.layer}, filter {self.filter}{also_en}.")


@dataclass
class ReportData:
    """Every table of the report; text values already translated with assemble_report's ``tr``."""

    db: Path
    created: str  # report time, ISO 8601 with the UTC offset
    plugin_version: str
    masked: bool
    levels: list[LevelInfo]
    totals: pd.DataFrame  # item, value
    by_level: pd.DataFrame  # level, level_name, n_units, n_hazards
    by_sector: pd.DataFrame  # sector, level_1..level_4, unscored, total (last row: total)
    by_district: pd.DataFrame  # DISTRICT_COLUMNS
    accountability_districts: pd.DataFrame  # ACCOUNTABILITY_DISTRICT_COLUMNS (last row: total)
    accountability_streets: pd.DataFrame  # ACCOUNTABILITY_STREET_COLUMNS
    findings: pd.DataFrame  # FINDING_SHEET_COLUMNS
    level_units: dict[int, pd.DataFrame]  # 1, 2 → LEVEL_SHEET_COLUMNS, one row per hazard source
    receptors: pd.DataFrame  # RECEPTOR_SHEET_COLUMNS
    chains: pd.DataFrame  # CHAIN_SHEET_COLUMNS
    issue_counts: pd.DataFrame  # ISSUE_COUNT_COLUMNS
    import_balance: pd.DataFrame  # BALANCE_COLUMNS
    report_info: pd.DataFrame  # item, value (text)
    analysis_runs: pd.DataFrame  # RUN_COLUMNS, the latest run of each step (empty when not recorded)
    methods: pd.DataFrame  # METHOD_COLUMNS
    provenance: pd.DataFrame  # PROVENANCE_COLUMNS
    inputs: pd.DataFrame  # INPUT_COLUMNS
    notes: dict[str, list[str]] = field(default_factory=dict)  # sheet name → lines shown under its tables
    steps: dict[str, bool] = field(default_factory=dict)  # proximity, cascade, risk_map, districts → has run
    truncated: dict[str, Truncation] = field(default_factory=dict)  # sheet name → how its list was cut
    #: hidden dangers per district (HIDDEN_DISTRICT_COLUMNS, a total row last) and the 督办 list
    hidden_districts: pd.DataFrame = field(default_factory=pd.DataFrame)
    supervision: pd.DataFrame = field(default_factory=pd.DataFrame)


# --- small helpers ---------------------------------------------------------------------------

def _text(s: pd.Series) -> pd.Series:
    """A Series as text with missing values as NA (numbers that are codes stay as written)."""
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def mask_name(s: pd.Series) -> pd.Series:
    """张三 → 张*, 张三丰 → 张**: the first character kept, every other one a ``*``."""
    t = _text(s)
    return t.str.slice(0, 1) + t.str.slice(1).str.replace(r"(?s).", "*", regex=True)


def changed_levels(units: pd.DataFrame, risk_map: pd.DataFrame) -> int:
    """How many units the risk map shows with another level than the units layer (both
    frames: unit_code, level), counting units missing from the map; 0 when it is current."""
    def levels(f: pd.DataFrame) -> pd.Series:
        return pd.Series(_level_int(f["level"]).fillna(0).to_numpy(dtype=int),
                         index=f["unit_code"].astype(object)).sort_index()

    units, risk = levels(units), levels(risk_map)
    if units.index.equals(risk.index) and (units.to_numpy() == risk.to_numpy()).all():
        return 0
    return int((units.reindex(risk.index) != risk).sum()) + len(units.index.difference(risk.index))


def mask_phone(s: pd.Series) -> pd.Series:
    """13812345678 → 138****5678 (a leading +86 or 0086 dropped): the digits only, first 3 and
    last 4 kept when there are at least 11 (a mobile number or one with its area code);
    shorter numbers keep their last 4 digits or fewer, never more than half. Text without
    digits is masked whole."""
    t = _text(s)
    # A leading country code is not part of the number: +86 138 1234 5678 → 138****5678.
    digits = t.str.replace(r"^\s*(?:\+|00)86[\s-]*", "", regex=True).str.replace(r"\D", "", regex=True)
    n = digits.str.len()
    out = t.str.replace(r"(?s).", "*", regex=True)  # no digits at all: every character masked
    long = n >= 11
    out = out.mask(long, digits.str.slice(0, 3) + digits.str.slice(3, -4).str.replace(r"\d", "*", regex=True)
                   + digits.str.slice(-4))
    keep = np.minimum(4, n.fillna(0).astype(int) // 2)
    for k in range(5):  # at most five groups, not one step per row
        sel = (~long) & (n > 0) & (keep == k)
        if not sel.any():
            continue
        d = digits[sel]
        head = d.str.slice(0, -k) if k else d
        tail = d.str.slice(-k) if k else ""
        out = out.mask(sel, head.str.replace(r"\d", "*", regex=True) + tail)
    return out


def _mask_personal(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for c in PERSONAL_FIELDS:
        if c in frame:
            frame[c] = mask_phone(frame[c]) if c == "contact_phone" else mask_name(frame[c])
    return frame


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _ensure(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The frame with exactly these columns, in order (missing ones empty)."""
    out = frame.reindex(columns=list(columns))
    return out.reset_index(drop=True)


def _yes_no(s: pd.Series, tr: Callable[[str], str]) -> pd.Series:
    yes, no = tr(N_("yes")), tr(N_("no"))
    b = s.astype("boolean")
    return pd.Series(np.where(b.fillna(False), yes, no), index=s.index).mask(b.isna())


def _level_int(s: pd.Series) -> pd.Series:
    """Levels 1..4 as Int64; 0, blank and anything else → NA (unscored)."""
    lv = _num(s).round()
    return lv.where(lv.isin([1, 2, 3, 4])).astype("Int64")


# --- the entry point ----------------------------------------------------------------------

UNIT_FIELDS = ("unit_code", "name", "credit_code", "sector", "sector_zh", "district", "street", "address", "lon",
               "lat", "survey_date", "surveyor", "contact_name", "contact_phone", "level", "level_zh", "major_hazard",
               "s_value", "r_value", "alpha", "level_reasons", "cascade_reason", "population_500m", "inherent_level",
               "dynamic_level", "dynamic_raise", "dynamic_as_of", *DYNAMIC_REASONS)
HAZARD_FIELDS = ("hazard_code", "unit_code", "name", "kind", "equipment", "substance", "cas", "quantity_t", "method",
                 "q_over_Q", "beta", "r_value", "alpha", "alpha_source", "lec_d", "ls_r", "level", "level_zh",
                 "score_note", "base_level", "upgrade_reason", "reach_m", "n_receptors", "n_high", "protection_m",
                 "cascade_reason", "reach_1", "reach_all", "best_chain_p_max")


#: The tables the report reads whole (when the database has them).
TABLES = ("hazard_receptor_links", "cascade_chains", "district_summary", "street_summary", "control_findings",
          "import_issues", "import_runs", "score_issues", "proximity_issues", "analysis_runs",
          "hidden_danger_districts", "hidden_danger_supervision")


@dataclass
class ReportSource:
    """What the report step read of a scored risk database (no geometry)."""

    db: Path
    layers: frozenset[str]  # every layer of the database
    units: pd.DataFrame  # UNIT_FIELDS that the units have
    hazards: pd.DataFrame  # HAZARD_FIELDS that the hazards have
    tables: dict[str, pd.DataFrame | None]  # TABLES; None when absent
    plugin_version: str
    #: The whole city's units counted by :data:`UNIT_COUNT_FIELDS` (those the units have) with
    #: a column ``n``, and its hazards by ``level`` (``n``): given when ``units`` and
    #: ``hazards`` hold only the rows the lists can show (steps.report_data reads them so,
    #: the counts done in the database); None when they are the whole layers.
    unit_counts: pd.DataFrame | None = None
    hazard_counts: pd.DataFrame | None = None


#: What the report's counts (totals, levels, sectors, districts) need of every unit.
UNIT_COUNT_FIELDS = ("sector", "district", "level", "major_hazard", "inherent_level", "dynamic_level")


def _expand(counts: pd.DataFrame) -> pd.DataFrame:
    """Counted rows (a column ``n``) back to one row per counted row, the counts' columns only."""
    n = pd.to_numeric(counts["n"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    out = counts.drop(columns="n").reset_index(drop=True)
    return out.loc[out.index.repeat(n)].reset_index(drop=True)


def assemble_report(source: ReportSource, rules: Rules, unmask: bool = False, tr: Callable[[str], str] = identity,
                    top_chains: int = TOP_CHAINS, max_rows: int | None = None) -> ReportData:
    """Assemble the report's tables from a scored risk database's contents (read by
    ``steps.report_data``, which also refuses an unscored database or a stale risk map).
    A list sheet longer than ``max_rows`` (default :data:`MAX_LIST_ROWS`) keeps its first rows
    (:class:`Truncation`)."""
    max_rows = MAX_LIST_ROWS if max_rows is None else max_rows
    db = source.db
    present = source.layers
    units = source.units.copy()
    hazards = source.hazards.copy()
    units["level"] = _level_int(units["level"])
    hazards["level"] = _level_int(hazards["level"])
    # every unit and hazard source for the counts: the rows themselves, or their counts
    every_unit = units if source.unit_counts is None else _expand(source.unit_counts)
    every_unit["level"] = _level_int(every_unit["level"])
    hazard_levels = hazards["level"] if source.hazard_counts is None else \
        _level_int(_expand(source.hazard_counts)["level"])
    layers = {n: source.tables.get(n) for n in TABLES} | dict(source.tables)
    # Scoring again removes the proximity and cascade fields from the hazards; their tables
    # left in the database then describe earlier levels and are not reported.
    if "reach_m" not in hazards:
        layers["hazard_receptor_links"] = None
    if "reach_all" not in hazards:
        layers["cascade_chains"] = None
    steps = {
        "proximity": "reach_m" in hazards,
        "cascade": "reach_all" in hazards,
        "risk_map": "risk_map" in present,
        "districts": layers["district_summary"] is not None,
    }
    notes: dict[str, list[str]] = {s: [] for s in SHEETS}
    not_run = {
        "proximity": tr(N_("The proximity analysis (citysafety:proximity) has not run on this database: "
                           "no receptors are listed.")),
        "cascade": tr(N_("The cascade analysis (citysafety:cascade) has not run on this database: "
                         "no domino chains are listed.")),
        "import": tr(N_("The database holds no import record (import_runs, import_issues).")),
    }
    levels = [LevelInfo(k, v.zh, v.en, v.colour) for k, v in sorted(rules.levels.items())]
    level_zh = level_names(rules)

    # -- summary -----------------------------------------------------------------------
    n_unscored = int(every_unit["level"].isna().sum())
    totals = pd.DataFrame({
        "item": [tr(N_("Units")), tr(N_("Hazard sources")), tr(N_("Major hazard sources (units with S ≥ 1)"))]
        + [f"{tr(N_('Units'))}: {k} {v.zh}" for k, v in sorted(rules.levels.items())]
        + [tr(N_("Units not scored"))],
        "value": [len(every_unit), len(hazard_levels),
                  int(every_unit["major_hazard"].astype("boolean").fillna(False).sum())
                  if "major_hazard" in every_unit else 0]
        + [int((every_unit["level"] == k).sum()) for k in sorted(rules.levels)] + [n_unscored],
    })
    by_level = pd.DataFrame({
        "level": [lv.level for lv in levels] + [pd.NA],
        "level_name": [lv.zh for lv in levels] + [tr(N_("Unscored"))],
        "n_units": [int((every_unit["level"] == lv.level).sum()) for lv in levels] + [n_unscored],
        "n_hazards": [int((hazard_levels == lv.level).sum()) for lv in levels]
        + [int(hazard_levels.isna().sum())],
    })
    by_sector = _sector_table(every_unit, rules, tr)
    by_district = _district_table(every_unit, layers["district_summary"], tr, notes)
    dynamic = "dynamic_level" in every_unit and _level_int(every_unit["dynamic_level"]).notna().any()
    if dynamic:  # the dynamic risk beside the inherent (docs/domain/dynamic_risk.md §4)
        dyn = _level_int(every_unit["dynamic_level"])
        by_level["n_units_dynamic"] = [int((dyn == lv.level).sum()) for lv in levels] + [int(dyn.isna().sum())]
        by_district = _with_dynamic_districts(by_district, every_unit, layers["district_summary"], tr)
        days = sorted(set(_text(units.get("dynamic_as_of", pd.Series(dtype=object))).dropna()) - {""})
        notes[SUMMARY_SHEET].append(tr(N_("Dynamic risk (现实风险) as assessed on {day}: the inherent level raised by "
                                          "open major hidden dangers, overdue general ones, recent accidents and "
                                          "missing controls, by the rules' [dynamic] (the plugin's own factors, no "
                                          "standard gives them).")).format(day=", ".join(days) or "?"))

    # -- level-1 and level-2 units with their hazard sources ----------------------------------
    shown = units.loc[units["level"].isin(list(LEVEL_SHEETS)), "unit_code"]
    nearest = _nearest_high(layers["hazard_receptor_links"], hazards.loc[hazards["unit_code"].isin(shown),
                                                                          "hazard_code"])
    level_units = {k: _level_sheet(units, hazards, nearest, k, list(rules.sectors), tr) for k in LEVEL_SHEETS}
    for k in LEVEL_SHEETS:
        if not dynamic:
            level_units[k] = level_units[k].drop(columns=list(DYNAMIC_LEVEL_SHEET_COLUMNS))
    for k, sheet in LEVEL_SHEETS.items():
        if not steps["proximity"]:
            notes[sheet].append(not_run["proximity"])
        if not steps["cascade"]:
            notes[sheet].append(not_run["cascade"])
        if not len(level_units[k]):
            notes[sheet].append(tr(N_("No unit has this level.")))
    truncated: dict[str, Truncation] = {}
    for k, sheet in LEVEL_SHEETS.items():
        level_units[k], cut = _cap_level_sheet(level_units[k], k, max_rows)
        if cut is not None:
            truncated[sheet] = cut
    receptors = _receptor_table(layers["hazard_receptor_links"], hazards, units, tr)
    if len(receptors) > max_rows:
        truncated[RECEPTORS_SHEET] = Truncation(
            max_rows, len(receptors), "hazard_receptor_links",
            '"hazard_code" IN (SELECT "hazard_code" FROM "hazards" WHERE "level" IN (1, 2))')
        receptors = receptors.iloc[:max_rows]
    for sheet, cut in truncated.items():
        notes[sheet].insert(0, cut.note(name_of(db)))
    if not steps["proximity"]:
        notes[RECEPTORS_SHEET].append(not_run["proximity"])
    elif not len(receptors):
        notes[RECEPTORS_SHEET].append(tr(N_("No receptor lies within the reach of a level-1 or level-2 hazard "
                                            "source.")))
    chains = _chain_table(layers["cascade_chains"], hazards, units, top_chains)
    if layers["cascade_chains"] is None:
        notes[CHAINS_SHEET].append(not_run["cascade"])
    else:
        notes[CHAINS_SHEET].append(tr(N_("The {n} most probable chains of {total}, by probability.")).format(
            n=len(chains), total=len(layers["cascade_chains"])))

    # -- who answers for the risk -------------------------------------------------------------
    acc_districts, acc_streets = _accountability_tables(layers, tr)
    findings = _finding_table(layers["control_findings"], units, rules, tr)
    if layers["street_summary"] is None:
        notes[ACCOUNTABILITY_SHEET].append(
            tr(N_("The risk map was made before it counted who answers for the risk: run citysafety:risk_map "
                  "again.")) if steps["risk_map"] else
            tr(N_("The risk map (citysafety:risk_map) has not run: it counts who answers for the risk.")))
        notes[FINDINGS_SHEET].append(notes[ACCOUNTABILITY_SHEET][-1])
    else:
        notes[ACCOUNTABILITY_SHEET].append(_rule_text(rules, tr))
        if layers["district_summary"] is None:
            notes[ACCOUNTABILITY_SHEET].append(tr(N_("Districts: counted from the units' surveyed district field "
                                                     "(the risk map has no district areas).")))
        if not len(findings):
            notes[FINDINGS_SHEET].append(tr(N_("No finding: every hazard source the rule asks about names its "
                                               "controls and a responsible person.")))
    if len(findings) > max_rows:
        truncated[FINDINGS_SHEET] = Truncation(max_rows, len(findings), "control_findings", "1 = 1")
        notes[FINDINGS_SHEET].insert(0, truncated[FINDINGS_SHEET].note(name_of(db)))
        findings = findings.iloc[:max_rows]

    # -- hidden dangers: who is behind, and the 督办 list ---------------------------------------
    hidden_districts, supervision = _hidden_tables(layers, tr, notes)
    if len(supervision) > max_rows:
        truncated[HIDDEN_SHEET] = Truncation(max_rows, len(supervision), "hidden_danger_supervision", "1 = 1")
        notes[HIDDEN_SHEET].insert(0, truncated[HIDDEN_SHEET].note(name_of(db)))
        supervision = supervision.iloc[:max_rows]

    # -- data quality ----------------------------------------------------------------------
    issue_counts = _issue_counts(layers, tr)
    balance = _balance(layers["import_runs"], tr)
    if layers["import_runs"] is None and layers["import_issues"] is None:
        notes[QUALITY_SHEET].append(not_run["import"])
    elif not len(issue_counts):
        notes[QUALITY_SHEET].append(tr(N_("No issue was recorded.")))

    # -- method and provenance ------------------------------------------------------------------
    version = source.plugin_version
    created = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    runs = layers["analysis_runs"]
    # the latest run of each step: the rules behind the results in the database now
    # (earlier reports are not results: their rules do not matter here)
    runs = _ensure(runs[runs["step"] != "export_report"].groupby("step", sort=False).tail(1), RUN_COLUMNS) \
        if runs is not None and "step" in runs else _ensure(pd.DataFrame(), RUN_COLUMNS)
    if layers["analysis_runs"] is None:
        notes[METHOD_SHEET].append(tr(N_("The database does not record the rules each step used (no analysis_runs "
                                         "table); the rules given to the report are shown.")))
    else:
        other = runs["rules_sha256"].dropna().astype(str)
        other = other[(other != "") & (other != rules.sha256)]
        if len(other):
            notes[METHOD_SHEET].append(tr(N_("Warning: some steps used rules other than those given to the report "
                                             "(see the SHA-256 of each step).")))
    report_info = pd.DataFrame({
        "item": [tr(N_("Report time")), tr(N_("Plugin version")), tr(N_("Risk database")), tr(N_("Rules")),
                 tr(N_("Rules file")), tr(N_("SHA-256 of the rules file")), tr(N_("Personal data"))],
        "value": [created, version, name_of(db, full=True), rules.name, str(rules.path), rules.sha256,
                  tr(N_("contact names, phones and surveyors masked")) if not unmask
                  else tr(N_("shown in full (unmasked on request)"))],
    })
    inputs = _ensure(layers["import_runs"], INPUT_COLUMNS) if layers["import_runs"] is not None else \
        _ensure(pd.DataFrame(), INPUT_COLUMNS)

    if not unmask:
        level_units = {k: _mask_personal(v) for k, v in level_units.items()}
    return ReportData(
        db=db, created=created, plugin_version=version, masked=not unmask, levels=levels, totals=totals,
        by_level=by_level, by_sector=by_sector, by_district=by_district,
        accountability_districts=acc_districts, accountability_streets=acc_streets, findings=findings,
        level_units=level_units,
        receptors=receptors, chains=chains, issue_counts=issue_counts, import_balance=balance,
        report_info=report_info, analysis_runs=runs, methods=_method_table(rules, level_zh, tr),
        provenance=rules_provenance(rules, tr), inputs=inputs, notes=notes, steps=steps, truncated=truncated,
        hidden_districts=hidden_districts, supervision=supervision)


# --- the tables -----------------------------------------------------------------------------

def _sector_table(units: pd.DataFrame, rules: Rules, tr) -> pd.DataFrame:
    """Units by sector × level (scoring.levels.level_table), with stable column keys."""
    u = pd.DataFrame({"sector": units["sector"].astype(object), "level": units["level"].astype("float")})
    t = level_table(u, rules)
    counts = t.iloc[:, :4].to_numpy()
    unscored = t.iloc[:, 4].to_numpy() if t.shape[1] == 6 else np.zeros(len(t), dtype=np.int64)
    out = pd.DataFrame({"sector": [s.zh for s in rules.sectors.values()] + [tr(N_("Total"))]})
    for i, k in enumerate(("level_1", "level_2", "level_3", "level_4")):
        out[k] = counts[:, i]
    out["unscored"] = unscored
    out["total"] = t.iloc[:, -1].to_numpy()
    return out


def _district_table(units: pd.DataFrame, summary: pd.DataFrame | None, tr, notes) -> pd.DataFrame:
    """Districts × levels: units per level and their shares, per inherent level, raised by the
    upgrades (docs/domain/mapping.md §3.1); from the district summary when the risk map has
    districts, else counted from the units' surveyed district."""
    if summary is not None:
        d = summary.rename(columns={f"n_level{k}": f"level_{k}" for k in range(1, 5)} | {"n_unscored": "unscored"}
                           | {f"n_inherent{k}": f"inherent_{k}" for k in range(1, 5)})
        d = d.sort_values("risk_index_rank", kind="stable") if "risk_index_rank" in d else d
        notes[SUMMARY_SHEET].append(tr(N_("Districts: from the district summary of the risk map (units located in "
                                          "each district's area).")))
        out = _ensure(d, DISTRICT_COLUMNS)
    else:
        notes[SUMMARY_SHEET].append(tr(N_("The risk map with districts (citysafety:risk_map) has not run: districts "
                                          "are counted from the units' surveyed district field.")))
        dist = _text(units["district"]).fillna(tr(N_("(no district)")))
        lv = units["level"].fillna(0).astype(int)
        t = pd.crosstab(dist, lv).reindex(columns=[1, 2, 3, 4, 0], fill_value=0)
        out = pd.DataFrame({"district": t.index.astype(str), "n_units": t.sum(axis=1).to_numpy()})
        for k in range(1, 5):
            out[f"level_{k}"] = t[k].to_numpy()
        out["unscored"] = t[0].to_numpy()
        inherent = _level_int(units["inherent_level"]) if "inherent_level" in units else None
        if inherent is not None and (inherent.notna().any() or not lv.gt(0).any()):
            ti = pd.crosstab(dist, inherent.fillna(0).astype(int)).reindex(index=t.index, columns=[1, 2, 3, 4],
                                                                           fill_value=0)
            for k in range(1, 5):
                out[f"inherent_{k}"] = ti[k].to_numpy()
            raised = (units["level"] < inherent).fillna(False).to_numpy(dtype=bool)
            out["n_raised"] = pd.Series(raised).groupby(dist.to_numpy()).sum().reindex(t.index).to_numpy()
        worst = units.assign(_d=dist.to_numpy()).groupby("_d")["level"].min()
        out["worst_level"] = worst.reindex(t.index).to_numpy()
        out = _ensure(out.sort_values(["level_1", "level_2", "n_units"], ascending=False, kind="stable"),
                      DISTRICT_COLUMNS)
    # the shares from the counts shown beside them (a summary from before they existed has none)
    n = _num(out["n_units"]).astype(float)
    for key, count in [*((f"share_{k}", f"level_{k}") for k in range(1, 5)), ("share_unscored", "unscored")]:
        out[key] = (100.0 * _num(out[count]).astype(float) / n).where(n > 0)
    if out["n_raised"].notna().any():
        notes[SUMMARY_SHEET].append(tr(N_("Districts: inherent = the level the scores give before the proximity and "
                                          "cascade upgrades; raised = the units the upgrades made more severe; the "
                                          "shares are of the district's units.")))
    elif len(out):
        notes[SUMMARY_SHEET].append(tr(N_("Districts: the units do not record their inherent level (scored before "
                                          "it was kept): the inherent columns stay empty until the database is "
                                          "scored and mapped again.")))
    return out


_ACCOUNTABILITY_SOURCE = {**{f"points_{k}": f"n_points_level{k}" for k in range(1, 5)},
                          "controls_missing": "n_controls_missing", "person_missing": "n_person_missing",
                          "n_major": "n_major", "major_unnamed": "n_major_unnamed"}


def _accountability_tables(layers: dict, tr) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who answers for the risk per district (the district summary's areas, else the streets'
    surveyed districts; a total row last) and per street."""
    streets, districts = layers.get("street_summary"), layers.get("district_summary")
    if streets is None:
        return (_ensure(pd.DataFrame(), ACCOUNTABILITY_DISTRICT_COLUMNS),
                _ensure(pd.DataFrame(), ACCOUNTABILITY_STREET_COLUMNS))
    by_street = streets.rename(columns={v: k for k, v in _ACCOUNTABILITY_SOURCE.items()})
    by_street = _ensure(by_street, ACCOUNTABILITY_STREET_COLUMNS)
    if districts is not None and "n_controls_missing" in districts:
        by_district = _ensure(districts.rename(columns={v: k for k, v in _ACCOUNTABILITY_SOURCE.items()}),
                              ACCOUNTABILITY_DISTRICT_COLUMNS)
    else:
        by_district = by_street.groupby("district", sort=False, as_index=False)[list(ACCOUNTABILITY_COLUMNS)].sum()
    by_district = _ensure(by_district, ACCOUNTABILITY_DISTRICT_COLUMNS).reset_index(drop=True)
    total = {"district": tr(N_("Total")),
             **{c: int(_num(by_district[c]).fillna(0).sum()) for c in ACCOUNTABILITY_COLUMNS}}
    by_district = pd.concat([by_district, pd.DataFrame([total])], ignore_index=True)
    return by_district, by_street.reset_index(drop=True)


def _rule_text(rules: Rules, tr) -> str:
    c = rules.controls
    levels = "、".join(f"{k} {rules.levels[k].zh}" for k in c.levels if k in rules.levels) or "—"
    asked = [tr(N_("at least one control measure"))] * c.require_controls + \
        [tr(N_("a responsible person"))] * c.require_person
    text = tr(N_("The rule ([controls] of the rules file): a hazard source of level {levels} names {asked}.")).format(
        levels=levels, asked=tr(N_(" and ")).join(asked) or "—")
    if c.require_major_people:
        text += " " + tr(N_("A major hazard source names its principal in charge, technical lead and operations lead "
                            "(包保责任人)."))
    return text


def _finding_table(found: pd.DataFrame | None, units: pd.DataFrame, rules: Rules, tr) -> pd.DataFrame:
    """The findings as the report lists them: unit names from the units read, levels named."""
    if found is None or not len(found):
        return _ensure(pd.DataFrame(), FINDING_SHEET_COLUMNS)
    names = units.drop_duplicates("unit_code").set_index("unit_code")["name"] if "name" in units else pd.Series()
    sector_zh = {k: v.zh for k, v in rules.sectors.items()}
    level = _level_int(found["level"])
    out = pd.DataFrame({
        "code": found["code"], "district": found["district"], "street": found["street"],
        "sector_zh": found["sector"].map(sector_zh).fillna(found["sector"]),
        "unit_code": found["unit_code"], "unit_name": found["unit_code"].map(names),
        "hazard_code": found["hazard_code"].replace("", pd.NA), "hazard_level": level,
        "hazard_level_zh": level.map({k: v.zh for k, v in rules.levels.items()}),
        "finding_zh": found["message_zh"], "finding_en": found["message_en"]})
    return _ensure(out, FINDING_SHEET_COLUMNS)


def _nearest_high(links: pd.DataFrame | None, codes: pd.Series) -> pd.Series:
    """hazard_code → 'name (class, 123 m); …' of its three nearest high-sensitivity receptors
    (for the hazard sources ``codes``)."""
    if links is None or not len(links):
        return pd.Series(dtype="string")
    lk = links[(links["sensitivity"].astype("string") == "high").fillna(False).to_numpy(dtype=bool)
               & links["hazard_code"].isin(codes).to_numpy(dtype=bool)]
    if not len(lk):
        return pd.Series(dtype="string")
    lk = lk.sort_values(["hazard_code", "distance_m"], kind="stable").groupby("hazard_code").head(NEAREST_RECEPTORS)
    text = (_text(lk["receptor_name"]).fillna("?") + " (" + _text(lk["class_zh"]).fillna("?") + ", "
            + _num(lk["distance_m"]).round().astype("Int64").astype("string").fillna("?") + " m)")
    # at most NEAREST_RECEPTORS per source: joined column by column, not group by group
    wide = pd.DataFrame({"code": lk["hazard_code"].to_numpy(), "k": lk.groupby("hazard_code").cumcount().to_numpy(),
                         "text": text.to_numpy()}).pivot(index="code", columns="k", values="text")
    out = wide[0]
    for k in wide.columns[1:]:
        out = out.where(wide[k].isna(), out + "; " + wide[k])
    return out.rename_axis(None).rename(None)


def _unit_reasons(u: pd.DataFrame) -> pd.Series | None:
    """The unit's level reasons, then its cascade upgrade (its own field)."""
    if "cascade_reason" not in u:
        return u.get("level_reasons")
    lr = u["level_reasons"] if "level_reasons" in u else pd.Series(None, index=u.index, dtype=object)
    text = [all_reasons(a, b) or None for a, b in zip(lr, u["cascade_reason"])]
    return pd.Series(text, index=u.index, dtype=object)


def _level_sheet(units: pd.DataFrame, hazards: pd.DataFrame, nearest: pd.Series, level: int, sectors: list[str],
                 tr) -> pd.DataFrame:
    """Every unit of this level, one row per hazard source (unit columns repeated)."""
    u = units[units["level"].eq(level).fillna(False).to_numpy(dtype=bool)]
    u = pd.DataFrame({
        "unit_code": u["unit_code"], "unit_name": u.get("name"), "sector": u.get("sector"),
        "sector_zh": u.get("sector_zh"), "district": u.get("district"), "street": u.get("street"),
        "address": u.get("address"), "unit_level": u["level"], "unit_level_zh": u.get("level_zh"),
        "major_hazard": _yes_no(u["major_hazard"], tr) if "major_hazard" in u else None,
        "unit_s_value": u.get("s_value"), "population_500m": u.get("population_500m"),
        "level_reasons": _unit_reasons(u), "unit_dynamic_level": u.get("dynamic_level"),
        "dynamic_reasons": _dynamic_reasons(u), "contact_name": u.get("contact_name"),
        "contact_phone": u.get("contact_phone"), "surveyor": u.get("surveyor"), "survey_date": u.get("survey_date"),
        "lon": u.get("lon"), "lat": u.get("lat")})
    h = hazards[hazards["unit_code"].isin(u["unit_code"])]
    h = h.rename(columns={"name": "hazard_name", "level": "hazard_level", "level_zh": "hazard_level_zh"})
    h = h.drop(columns=[c for c in ("lon", "lat") if c in h])
    out = u.merge(h, on="unit_code", how="left")
    r, a = _num(out.get("r_value", pd.Series(index=out.index, dtype=float))), \
        _num(out.get("alpha", pd.Series(index=out.index, dtype=float)))
    out["sum_beta_q"] = (r / a).where((a > 0) & r.notna())
    out["nearest_high"] = out["hazard_code"].map(nearest) if len(nearest) else pd.NA
    sector_order = {s: i for i, s in enumerate(sectors)}
    out["_s"] = out["sector"].map(sector_order).fillna(99)
    out["_h"] = _num(out.get("hazard_level", pd.Series(index=out.index, dtype=float))).fillna(9)
    out = out.sort_values(["_s", "district", "unit_code", "_h", "hazard_code"], kind="stable", na_position="last")
    return _ensure(out, LEVEL_SHEET_COLUMNS)


HIDDEN_DISTRICT_COLUMNS = ("district", "n_hidden", "n_open", "n_open_major", "n_overdue", "n_overdue_major",
                           "n_rectified", "avg_days_to_rectify")
SUPERVISION_COLUMNS = ("danger_code", "district", "street", "unit_code", "unit_name", "sector_zh", "hazard_code",
                       "description", "status_zh", "found_date", "deadline", "days_overdue", "source")


def _hidden_tables(layers: dict, tr, notes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hidden dangers per district with a total row, and the 督办 list (the open major hidden
    dangers past their deadline), as citysafety:dynamic_risk counted them on its day."""
    districts, listed = layers.get("hidden_danger_districts"), layers.get("hidden_danger_supervision")
    if districts is None or listed is None:
        notes[HIDDEN_SHEET].append(tr(N_("No hidden dangers counted: import the ledger (citysafety:import_hidden_"
                                         "dangers) and run the dynamic risk (citysafety:dynamic_risk).")))
        return _ensure(pd.DataFrame(), HIDDEN_DISTRICT_COLUMNS), _ensure(pd.DataFrame(), SUPERVISION_COLUMNS)
    day = ", ".join(sorted(set(_text(districts["as_of"]).dropna()))) if "as_of" in districts else ""
    notes[HIDDEN_SHEET].append(tr(N_("Hidden dangers on {day}: open = not rectified on that day; past the deadline "
                                     "= open after their deadline; the average days run from found to rectified. "
                                     "The list: every major hidden danger open past its deadline (督办), most "
                                     "overdue first.")).format(day=day or "?"))
    table = _ensure(districts, HIDDEN_DISTRICT_COLUMNS)
    if len(table):
        counts = [c for c in HIDDEN_DISTRICT_COLUMNS[1:-1]]
        total = {"district": tr(N_("Total")), **{c: int(_num(table[c]).sum()) for c in counts}}
        n, mean = _num(table["n_rectified"]), _num(table["avg_days_to_rectify"])
        total["avg_days_to_rectify"] = round(float((n * mean).sum() / n.sum()), 1) if n.sum() else None
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    if not len(listed):
        notes[HIDDEN_SHEET].append(tr(N_("No major hidden danger is open past its deadline.")))
    return table, _ensure(listed, SUPERVISION_COLUMNS)


def _dynamic_reasons(u: pd.DataFrame) -> pd.Series:
    """The reasons of a unit's dynamic raises, one per line ('' when nothing raises it)."""
    parts = [_text(u[c]).fillna("") if c in u else pd.Series("", index=u.index) for c in DYNAMIC_REASONS]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined.where(p == "", joined.where(joined == "", joined + "\n") + p)
    return joined


def _with_dynamic_districts(table: pd.DataFrame, units: pd.DataFrame, summary: pd.DataFrame | None,
                            tr) -> pd.DataFrame:
    """The district table with the units per dynamic level and those raised: the district
    summary's (counted in the districts' areas), else counted from the units' surveyed district."""
    out = table.copy()
    if summary is not None and "n_dynamic1" in summary:
        per = summary.set_index(_text(summary["district"]).to_numpy())
        names = _text(out["district"]).to_numpy()
        for k in range(1, 5):
            out[f"dynamic_{k}"] = _num(per[f"n_dynamic{k}"]).reindex(names).to_numpy()
        out["n_dynamic_raised"] = _num(per["n_dynamic_raised"]).reindex(names).to_numpy()
        return out
    dist = _text(units["district"]).fillna(tr(N_("(no district)"))).to_numpy()
    dyn = _level_int(units["dynamic_level"]).fillna(0).astype(int).to_numpy()
    names = _text(out["district"]).to_numpy()
    for k in range(1, 5):
        out[f"dynamic_{k}"] = pd.Series(dyn == k).groupby(dist).sum().reindex(names).fillna(0).astype(int).to_numpy()
    raised = (dyn > 0) & (dyn < _level_int(units["level"]).fillna(0).astype(int).to_numpy())
    out["n_dynamic_raised"] = pd.Series(raised).groupby(dist).sum().reindex(names).fillna(0).astype(int).to_numpy()
    return out


def _cap_level_sheet(frame: pd.DataFrame, level: int, max_rows: int) -> tuple[pd.DataFrame, Truncation | None]:
    """A level sheet of at most ``max_rows`` rows, cut between two units (a unit's hazard
    sources are consecutive rows) so that no unit is shown in part."""
    if len(frame) <= max_rows:
        return frame, None
    codes = frame["unit_code"].astype(object).to_numpy()
    cut = max_rows
    if codes[cut] == codes[cut - 1]:  # the cut falls inside a unit: before it, unless it is the first
        start = np.flatnonzero(codes[:cut] != codes[cut - 1])
        cut = int(start[-1]) + 1 if len(start) else max_rows
    shown = frame.iloc[:cut]
    hazards = f'"unit_code" IN (SELECT "unit_code" FROM "units" WHERE "level" = {level})'
    return shown, Truncation(cut, len(frame), "hazards", hazards, units_shown=int(shown["unit_code"].nunique()),
                             units_total=int(frame["unit_code"].nunique()), also=("units", f'"level" = {level}'))


def _receptor_table(links: pd.DataFrame | None, hazards: pd.DataFrame, units: pd.DataFrame, tr) -> pd.DataFrame:
    if links is None or not len(links):
        return _ensure(pd.DataFrame(), RECEPTOR_SHEET_COLUMNS)
    h = hazards.loc[hazards["level"].isin([1, 2]), [c for c in ("hazard_code", "unit_code", "name", "level",
                                                                "level_zh", "protection_m") if c in hazards]]
    h = h.rename(columns={"name": "hazard_name", "level": "hazard_level", "level_zh": "hazard_level_zh"})
    u = units[[c for c in ("unit_code", "name", "sector_zh", "district") if c in units]].rename(
        columns={"name": "unit_name"})
    out = links.drop(columns=[c for c in ("geometry", "receptor_id") if c in links]).merge(h, on="hazard_code")
    out = out.merge(u, on="unit_code", how="left")
    words = {"high": tr(N_("high")), "medium": tr(N_("medium")), "low": tr(N_("low"))}
    sens = out["sensitivity"].astype("string")
    out["_sens"] = sens.map({"high": 0, "medium": 1, "low": 2}).fillna(3)
    out["sensitivity"] = sens.map(words).fillna(sens)
    if "protection_m" in out:
        prot = _num(out["protection_m"])
        out["within_protection"] = _yes_no((_num(out["distance_m"]) <= prot).where(prot > 0), tr)
    out = out.sort_values(["hazard_level", "_sens", "distance_m", "hazard_code"], kind="stable")
    return _ensure(out, RECEPTOR_SHEET_COLUMNS)


def _top_chains(chains: pd.DataFrame, top: int) -> pd.DataFrame:
    c = chains.assign(_p=_num(chains["probability"]), _n=_num(chains["length"]))
    return c.sort_values(["_p", "_n", "start", "rank"], ascending=[False, True, True, True], kind="stable").head(top)


def top_chain_ends(chains: pd.DataFrame | None, top: int) -> list[str]:
    """The hazard codes that begin or end the ``top`` most probable chains (the chains sheet's)."""
    if chains is None or not len(chains) or not {"start", "target"} <= set(chains.columns):
        return []
    c = _top_chains(chains, top)
    return sorted({str(v) for v in pd.concat([c["start"], c["target"]]).dropna()})


def _chain_table(chains: pd.DataFrame | None, hazards: pd.DataFrame, units: pd.DataFrame, top: int) -> pd.DataFrame:
    if chains is None or not len(chains):
        return _ensure(pd.DataFrame(), CHAIN_SHEET_COLUMNS)
    c = _top_chains(chains, top).drop(columns=["rank"]).reset_index(drop=True)
    c["rank"] = np.arange(1, len(c) + 1)
    names = units.set_index("unit_code")["name"] if "name" in units else pd.Series(dtype="string")
    hz = hazards.drop_duplicates("hazard_code").set_index("hazard_code")
    for end in ("start", "target"):
        c[f"{end}_unit"] = c[end].map(hz["unit_code"]).map(names)
        c[f"{end}_level"] = c[end].map(hz["level"])
    return _ensure(c, CHAIN_SHEET_COLUMNS)


def _issue_counts(layers: dict, tr) -> pd.DataFrame:
    """Issues counted by step, file and code, with the first message of each as an example."""
    parts = []
    for _step, name, label in (("import", "import_issues", N_("import")), ("score", "score_issues", N_("scoring")),
                              ("proximity", "proximity_issues", N_("proximity"))):
        f = layers.get(name)
        if f is None or not len(f):
            continue
        g = pd.DataFrame({
            "step": tr(label),
            "file": _text(f["file"]).fillna("") if "file" in f else (
                _text(f["source"]).fillna("") if "source" in f else ""),
            "code": _text(f["code"]).fillna(""), "severity": _text(f["severity"]).fillna(""),
            "message_zh": f.get("message_zh"), "message_en": f.get("message_en")})
        key = ["step", "file", "code", "severity"]
        counted = g.groupby(key, sort=False).agg(count=("code", "size"), message_zh=("message_zh", "first"),
                                                 message_en=("message_en", "first")).reset_index()
        counted["_sev"] = (counted["severity"] != "error").astype(int)
        parts.append(counted.sort_values(["file", "_sev", "count", "code"], ascending=[True, True, False, True],
                                         kind="stable"))
    if not parts:
        return _ensure(pd.DataFrame(), ISSUE_COUNT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    words = {"error": tr(N_("error")), "warning": tr(N_("warning"))}
    out["severity"] = out["severity"].map(words).fillna(out["severity"])
    return _ensure(out, ISSUE_COUNT_COLUMNS)


def _balance(runs: pd.DataFrame | None, tr) -> pd.DataFrame:
    """The row balance of each imported file, and a total row."""
    if runs is None or not len(runs):
        return _ensure(pd.DataFrame(), BALANCE_COLUMNS)
    r = runs.copy()
    counts = [c for c in BALANCE_COLUMNS if COLUMNS[c].kind == COUNT and c in r]
    for c in counts:
        r[c] = _num(r[c]).fillna(0).astype(np.int64)
    parts = [c for c in ("rows_accepted", "rows_rejected", "rows_skipped_blank", "rows_skipped_total") if c in r]
    total = {c: int(r[c].sum()) for c in counts} | {"file": tr(N_("Total"))}
    r = pd.concat([r, pd.DataFrame([total])], ignore_index=True)
    if "rows_read" in r and parts:
        r["balanced"] = _yes_no(r["rows_read"] == r[parts].sum(axis=1), tr)
    return _ensure(r, BALANCE_COLUMNS)


def _band_text(band, symbol: str) -> str:
    return band.text().replace("x", symbol)


def _method_table(rules: Rules, level_zh: dict[int, str], tr) -> pd.DataFrame:
    """The scoring methods and their bands, as the rules define them."""
    rows: list[tuple[str, str, int | None, str | None]] = [  # method, band, level, level name
        ("GB 18218-2018", tr(N_("S = Σ q/Q; S ≥ 1: major hazard source (clause 4.2.1)")), None, None),
        ("GB 18218-2018", tr(N_("R = α · Σ β·q/Q (clause 4.3.2; β Tables 3–4, α Table 5)")), None, None),
    ]
    rows += [("GB 18218-2018", _band_text(b, "R"), b.level, level_zh.get(b.level))
             for b in sorted(rules.gb18218.levels, key=lambda b: b.level)]
    alpha = rules.gb18218.alpha
    for _, a in alpha.iterrows():
        lo, hi = a.get("population_min"), a.get("population_max")
        if pd.notna(lo) and pd.notna(hi):
            rng = f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"
        else:
            rng = f"≥ {lo:g}" if pd.notna(lo) else f"≤ {hi:g}"
        rows.append(("GB 18218-2018", tr(N_("α = {alpha:g} for {range} people within 500 m outside the plant")).format(
            alpha=float(a["alpha"]), range=rng), None, None))
    rows.append(("LEC", tr(N_("D = L · E · C")), None, None))
    rows += [("LEC", _band_text(b, "D"), b.level, level_zh.get(b.level)) for b in sorted(rules.lec.bands,
                                                                                          key=lambda b: b.level)]
    rows.append(("LS", tr(N_("R = L · S (likelihood × severity, 1–5 each)")), None, None))
    rows += [("LS", _band_text(b, "R"), b.level, level_zh.get(b.level)) for b in sorted(rules.ls.bands,
                                                                                        key=lambda b: b.level)]
    prox = rules.upgrades.get("proximity", {})
    if prox.get("enabled", True):
        from ..exposure.upgrade import WITHIN_PROTECTION, scope

        within, sectors = scope(rules)
        text = (N_("level {a} → {b} with a high-sensitivity receptor within the protection distance; sectors: {s}")
                if within == WITHIN_PROTECTION else
                N_("level {a} → {b} with a high-sensitivity receptor within the reach; sectors: {s}"))
        names = " · ".join(f"{rules.sectors[k].zh} {rules.sectors[k].en}" for k in sectors if k in rules.sectors)
        for st in prox.get("steps", []):
            rows.append((tr(N_("Proximity upgrade")),
                         tr(text).format(a=st["from"], b=st["to"], s=names or tr(N_("all"))),
                         st["to"], level_zh.get(st["to"])))
    casc = rules.upgrades.get("cascade", {})
    if casc.get("enabled", False):
        rows.append((tr(N_("Cascade upgrade")), tr(N_("up {n} level(s) when a level-1 source is reachable within {k} "
                                                      "steps")).format(n=casc.get("raise_by", 1),
                                                                       k=casc.get("within_steps", 2)), None, None))
    return pd.DataFrame(rows, columns=list(METHOD_COLUMNS))


# --- provenance of the rules' values ------------------------------------------------------------

# Sections whose every key is listed, "not stated" where no [[provenance]] entry names it.
_LISTED_IN_FULL = ("cascade",)


def _value_text(v):
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
    return str(v)


def _provenance_rows(table: dict, path: tuple[str, ...], stated: dict, covered: bool):
    """(section, key, value, provenance or None) in the order of the rules file: the keys a
    [[provenance]] entry names, and every key of the sections listed in full (one level into
    their tables)."""
    section = ".".join(path)
    for key, value in table.items():
        listed = bool(path) and path[0] in _LISTED_IN_FULL and (not isinstance(value, dict) or len(path) > 1)
        if (section, key) in stated or (listed and not covered):
            yield section, key, value, stated.get((section, key))
            if isinstance(value, dict):  # an entry may also name keys below this one
                yield from _provenance_rows(value, (*path, key), stated, True)
        elif isinstance(value, dict):
            yield from _provenance_rows(value, (*path, key), stated, covered)


def rules_provenance(rules: Rules | str | Path, tr: Callable[[str], str] = identity) -> pd.DataFrame:
    """The rules' values with their provenance from the file's ``[[provenance]]`` entries
    ("verified", "literature default", "project default", with a note and a source): every
    key an entry names, and every key of the cascade section ("not stated" where none does).
    ``rules`` is a loaded :class:`Rules` or the path of a rules file (an unreadable or
    refused file gives no rows)."""
    if not isinstance(rules, Rules):
        try:
            rules = load_rules(rules)
        except RulesError:
            return _ensure(pd.DataFrame(), PROVENANCE_COLUMNS)
    words = {"literature default": tr(N_("literature default")), "project default": tr(N_("project default")),
             "verified": tr(N_("verified"))}
    not_stated = tr(N_("not stated in the rules file"))
    rows = []
    for section, key, value, prov in _provenance_rows(rules.raw, (), rules.provenance, False):
        if section == "provenance":
            continue
        note = "; ".join(t for t in (prov.note, prov.source) if t) if prov else ""
        rows.append({"section": section, "key": key, "rule_value": _value_text(value),
                     "provenance": words.get(prov.status, not_stated) if prov else not_stated, "note": note})
    return _ensure(pd.DataFrame(rows), PROVENANCE_COLUMNS)

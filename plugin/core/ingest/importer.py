"""Survey import (调查数据导入): files → units, hazards, issues and run records.

The pipeline that ``citysafety:import_surveys`` runs. Every data row of every file ends
in exactly one place — accepted, rejected (with at least one error issue) or skipped
(blank or total row, counted) — and :func:`import_surveys` checks that balance per file.
Each sheet's rows are checked as soon as its file is read, in the reading threads (python-calamine
parses without the GIL, so one file's parse overlaps another's checks); what needs every file —
duplicate codes, a hazard's unit and its coordinate system, the conversion of hazard
coordinates — follows over all sheets together. Checks work a column at a time
(pandas/numpy); the only per-item Python work is formatting the issue rows, whose number is
the number of problems, not of rows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import coords
from ..errors import Canceled
from ..progress import Progress
from ..rules import Rules, load_rules
from . import identifiers, schema
from .issues import ISSUE_FIELDS, KINDS, make_issue, place
from .reader import FileRead, SheetTable, read_file
from .values import (
    INVALID,
    MASS_UNITS,
    OK,
    VOLUME_UNITS,
    as_text,
    header_factor,
    in_set,
    parse_code,
    parse_code_list,
    parse_date,
    parse_measure,
    parse_number,
)

READ_THREADS = max(1, min(4, os.cpu_count() or 1))
# Separator of compound keys (table, code): not "\0", which numpy's string scalars drop.
KEY_SEP = "\x1f"
STORAGE_CRS = "EPSG:4490"  # CGCS2000 geographic (docs/domain/coordinates.md §7)
DEFAULT_CRS = "CGCS2000"


@dataclass
class ImportOptions:
    default_crs: str = DEFAULT_CRS
    # Survey area extent (lon_min, lat_min, lon_max, lat_max); points outside → warning.
    survey_extent: tuple[float, float, float, float] | None = None
    # The rules whose [methods.lec] and [methods.ls] give the allowed L, E, C, likelihood and
    # severity values; None: the default rules file.
    rules: Rules | None = None


@dataclass
class ImportResult:
    units: gpd.GeoDataFrame
    hazards: gpd.GeoDataFrame
    issues: pd.DataFrame
    runs: pd.DataFrame
    files: list[FileRead] = field(default_factory=list)
    # Raw rows behind the issues, for the surveyor's error workbook.
    tables: list[SheetTable] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        r = self.runs
        return bool((r.rows_read == r.rows_accepted + r.rows_rejected + r.rows_skipped_blank
                     + r.rows_skipped_total).all())


UNIT_FIELDS = (
    "unit_code", "name", "credit_code", "sector", "sector_zh", "district", "street", "address",
    "lon", "lat", "lon_src", "lat_src", "crs_src", "employees", "outside_population",
    "survey_date", "surveyor", "contact_name", "contact_phone",
    "supervising_dept", "duty_phone", "principal_person", "technical_person", "operating_person", "extra",
    "source_file", "source_sheet", "source_row",
)
HAZARD_FIELDS = (
    "hazard_code", "unit_code", "sector", "name", "kind", "equipment", "substance", "cas",
    "category", "quantity_t", "volume_m3", "L", "E", "C", "likelihood", "severity",
    "lon", "lat", "lon_src", "lat_src", "crs_src", "location_from_unit", "note",
    "accident_types", "risk_features", "trigger_conditions", "controls_engineering", "controls_management",
    "controls_emergency", "control_level", "responsible_person", "responsible_phone", "extra",
    "source_file", "source_sheet", "source_row",
)
RUN_FIELDS = (
    "run_id", "file", "path", "sha256", "size_bytes", "status", "sheets", "rows_read",
    "rows_accepted", "rows_rejected", "rows_skipped_blank", "rows_skipped_total",
    "units_accepted", "hazards_accepted", "errors", "warnings", "default_crs",
    "started", "finished", "plugin_version",
)


# --- records: one frame per table over all sheets -------------------------------------

def _records(tables: list[SheetTable], table: str) -> pd.DataFrame:
    """Raw cells of every sheet's columns of ``table`` in one frame, with provenance."""
    keys = [c.key for c in schema.COLUMNS[table]]
    parts = []
    for tid, t in enumerate(tables):
        if t.refused or t.cells.empty:
            continue
        if table == "units" and t.layout not in ("units", "flat"):
            continue
        if table == "hazards" and t.layout not in ("hazards", "flat"):
            continue
        mapped = t.mapped(table)
        df = pd.DataFrame({k: (t.cells[mapped[k].index] if k in mapped else "") for k in keys})
        df["_tid"] = tid
        df["_row"] = t.rows
        df["_pos"] = np.arange(len(t.cells))
        extras = t.extras()
        if extras:
            names: dict[str, int] = {}
            extra_cols = {}
            for c in extras:  # the same unknown header twice keeps both: 其他, 其他_2
                names[c.header] = names.get(c.header, 0) + 1
                name = c.header if names[c.header] == 1 else f"{c.header}_{names[c.header]}"
                extra_cols[name] = as_text(t.cells[c.index])
            ex = pd.DataFrame(extra_cols)
            # One JSON object per line; values with U+2028 or U+0085 stay inside their line.
            lines = ex.to_json(orient="records", lines=True, force_ascii=False).split("\n")
            js = pd.Series(lines[:len(ex)], dtype=object)
            df["extra"] = js.where((ex != "").any(axis=1).to_numpy(), "").to_numpy()
        else:
            df["extra"] = ""
        parts.append(df)
    if not parts:
        cols = keys + ["_tid", "_row", "_pos", "extra"]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    out = pd.concat(parts, ignore_index=True)
    return out


class _Issues:
    """Collects issues from masks over a record frame."""

    def __init__(self, tables: list[SheetTable]):
        self.tables = tables
        self.rows: list[dict] = []
        self._letters: dict[tuple[int, str, str], tuple[str, str]] = {}
        for tid, t in enumerate(tables):
            for c in t.columns:
                if c.table:
                    self._letters.setdefault((tid, c.table, c.key), (c.letter, c.header))

    def place_of(self, tid: int, row: int) -> str:
        t = self.tables[tid]
        return place(t.file, t.sheet, int(row))

    def add(self, code: str, rec: pd.DataFrame, mask: np.ndarray, table: str, key: str = "",
            value: Iterable | None = None, detail: Iterable | str | None = None,
            related: Iterable | None = None, record_key: str = "") -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        sub = rec.iloc[idx]
        vals = (as_text(rec[key].iloc[idx]).to_numpy() if (value is None and key) else
                (np.asarray(list(value), dtype=object)[idx] if value is not None else [""] * len(idx)))
        dets = (np.asarray(list(detail), dtype=object)[idx] if detail is not None and not isinstance(detail, str)
                else [detail or ""] * len(idx))
        rels = np.asarray(list(related), dtype=object)[idx] if related is not None else [""] * len(idx)
        recs = (sub[record_key].to_numpy() if record_key else [""] * len(idx))
        col = schema.column(table, key) if key else None
        for tid, row, v, d, r, rk in zip(sub["_tid"].to_numpy(), sub["_row"].to_numpy(), vals, dets, rels, recs):
            t = self.tables[tid]
            letter, header = self._letters.get((int(tid), table, key), ("", col.zh if col else ""))
            self.rows.append(make_issue(code, file=t.file, sheet=t.sheet, row=int(row), column=letter,
                                        header=header or (col.zh if col else ""), value=v,
                                        record=str(rk), related=str(r), detail=d))


def _code_text(cells: pd.Series) -> pd.Series:
    """Codes as text, NFKC-folded where they hold anything but ASCII."""
    text = as_text(cells)
    odd = ~text.map(str.isascii).to_numpy(dtype=bool)
    if odd.any():
        text[odd] = text[odd].str.normalize("NFKC").str.strip()
    return text


# Kinds of column kept as text in the output (the others are parsed into numbers/ids).
TEXT_KINDS = {"code", "text", "phone"}


def _texts(rec: pd.DataFrame, columns, codes: tuple[str, ...]) -> dict[str, pd.Series]:
    """Text of the columns that are output as text or required (for the blank check);
    ``codes`` are folded as codes."""
    out = {c.key: as_text(rec[c.key]) for c in columns
           if (c.kind in TEXT_KINDS or c.required) and c.key not in codes}
    out.update({k: _code_text(rec[k]) for k in codes})
    return out


# --- validation of one table ------------------------------------------------------------

def _check_required(rec: pd.DataFrame, text: dict[str, pd.Series], table: str, iss: _Issues,
                    err: np.ndarray, record_key: str) -> None:
    for key in schema.required_keys(table):
        blank = (text[key] == "").to_numpy()
        iss.add("E_REQUIRED_MISSING", rec, blank, table, key, record_key=record_key)
        err |= blank


def _check_nul(rec: pd.DataFrame, text: dict[str, pd.Series], table: str, iss: _Issues, err: np.ndarray,
               record_key: str) -> None:
    """A NUL character in a text cell: the GeoPackage (GDAL) would cut the text there, so the
    row is refused rather than stored cut. One join per column finds whether any cell has one."""
    columns = dict(text)
    if "extra" in rec:
        columns["extra"] = rec["extra"].astype(object).where(rec["extra"].notna(), "").astype(str)
    for key, values in columns.items():
        if "\x00" not in "".join(values.tolist()):
            continue
        bad = values.str.contains("\x00", regex=False).to_numpy(dtype=bool)
        shown = values.str.replace("\x00", "[U+0000]", regex=False).to_numpy(dtype=object)
        iss.add("E_TEXT_NUL", rec, bad, table, "" if key == "extra" else key, value=shown, record_key=record_key)
        err |= bad


@dataclass
class _Coords:
    """A table's coordinates parsed and checked, before they are converted: the conversion
    waits for each row's coordinate system, which for a hazard may be its unit's."""

    lon: np.ndarray  # as read (swapped back where they were swapped)
    lat: np.ndarray
    lon_txt: np.ndarray
    lat_txt: np.ndarray
    crs_ids: np.ndarray  # the row's own coordinate system, where it names one
    crs_ok: np.ndarray
    has: np.ndarray  # the row gives coordinates
    good: np.ndarray  # … and they are usable


def _coordinates(rec: pd.DataFrame, table: str, iss: _Issues, err: np.ndarray, record_key: str,
                 optional: bool) -> _Coords:
    """Parse and check lon/lat (docs/domain/coordinates.md); :func:`_convert` finishes them."""
    lon_txt, lat_txt = as_text(rec["lon"]), as_text(rec["lat"])
    # A decimal comma (113,95): a coordinate has no thousands, so one comma between digits is a point.
    lon_raw = coords.parse_dms(_decimal_comma(rec["lon"], lon_txt))
    lat_raw = coords.parse_dms(_decimal_comma(rec["lat"], lat_txt))
    lon_blank, lat_blank = (lon_txt == "").to_numpy(), (lat_txt == "").to_numpy()
    both_blank = lon_blank & lat_blank
    has = ~both_blank if optional else np.ones(len(rec), dtype=bool)
    for key, raw, blank in (("lon", lon_raw, lon_blank), ("lat", lat_raw, lat_blank)):
        bad = has & np.isnan(raw) & ~blank
        iss.add("E_COORD_INVALID", rec, bad, table, key, record_key=record_key)
        err |= bad
        if optional:
            one_missing = has & blank  # the other one is given
            iss.add("E_COORD_INVALID", rec, one_missing, table, key, record_key=record_key,
                    detail="")
            err |= one_missing
    # Coordinate system: the row's own, else (in _convert) the given default.
    crs_ids, crs_status = parse_code(rec["crs"], schema.crs_lookup(), schema.normalise_header)
    bad_crs = crs_status == INVALID
    iss.add("E_CRS_UNKNOWN", rec, bad_crs & has, table, "crs", record_key=record_key)
    err |= bad_crs & has
    lon2, lat2, st = coords.classify_lonlat(lon_raw, lat_raw)
    noted = (st == coords.LONLAT_SWAPPED) | (st == coords.LONLAT_OUT_OF_CHINA)
    detail = np.full(len(rec), "", dtype=object)
    detail[noted] = [f"{a}, {b}" for a, b in zip(lon_txt.to_numpy()[noted], lat_txt.to_numpy()[noted])]
    swapped = (st == 1) & has
    out = (st == 2) & has
    iss.add("W_COORD_SWAPPED", rec, swapped, table, "lon", detail=detail, record_key=record_key)
    iss.add("E_COORD_OUT_OF_CHINA", rec, out, table, "lon", detail=detail, record_key=record_key)
    err |= out
    return _Coords(lon2, lat2, lon_txt.to_numpy(dtype=object), lat_txt.to_numpy(dtype=object), crs_ids,
                   crs_status == OK, has, has & (st <= 1))


_DATUM_SHIFTED = np.array([coords.CRS_GCJ02, coords.CRS_BD09], dtype=object)


def _convert(c: _Coords, rec: pd.DataFrame, table: str, iss: _Issues, record_key: str,
             crs_default: np.ndarray | str, options: ImportOptions
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates in WGS84 from each row's coordinate system, else ``crs_default``; a point
    outside the survey area is warned. Returns (lon, lat, crs_src)."""
    n = len(c.lon)
    crs = np.where(c.crs_ok, c.crs_ids, crs_default)
    lon_w = np.full(n, np.nan)
    lat_w = np.full(n, np.nan)
    good = c.good
    lon_w[good], lat_w[good] = c.lon[good], c.lat[good]
    shift = good & np.isin(crs, _DATUM_SHIFTED)  # WGS84 and CGCS2000 stay as given
    if shift.any():
        lon_w[shift], lat_w[shift] = coords.to_wgs84(c.lon[shift], c.lat[shift], crs[shift])
    if options.survey_extent is not None:
        x0, y0, x1, y1 = options.survey_extent
        outside = good & ~((lon_w >= x0) & (lon_w <= x1) & (lat_w >= y0) & (lat_w <= y1))
        d = np.array([f"{a:.6f}, {b:.6f}" for a, b in zip(lon_w, lat_w)], dtype=object) if outside.any() else None
        iss.add("W_COORD_OUTSIDE_AREA", rec, outside, table, "lon", value=c.lon_txt, detail=d,
                record_key=record_key)
    return lon_w, lat_w, np.where(c.has, crs, "")


def _decimal_comma(cells: pd.Series, text: pd.Series) -> pd.Series:
    arr = text.to_numpy(dtype=object)
    if "," not in "".join(arr):  # the common case, without a regular expression per cell
        return cells
    comma = np.zeros(len(arr), dtype=bool)
    some = np.fromiter(("," in t for t in arr), dtype=bool, count=len(arr))
    comma[some] = text[some].str.fullmatch(r"[-+]?\d{1,3},\d+").fillna(False).to_numpy(dtype=bool)
    if not comma.any():
        return cells
    out = cells.astype(object).copy()
    out[comma] = text[comma].str.replace(",", ".", regex=False).to_numpy()
    return out


def _numbers(rec, table, key, iss, err, record_key, suffixes=(), integer=False):
    vals, st = parse_number(rec[key], suffixes)
    bad = st == INVALID
    iss.add("E_NUMBER_INVALID", rec, bad, table, key, record_key=record_key)
    neg = (st == OK) & (vals < 0)
    iss.add("E_NUMBER_NEGATIVE", rec, neg, table, key, record_key=record_key)
    err |= bad | neg
    vals = np.where((st == OK) & ~neg, vals, np.nan)
    if integer:
        vals = np.round(vals)
    return vals


def _measure(rec, tables, table, key, units, iss, err, record_key):
    factors = np.ones(len(rec))
    header_units = np.full(len(rec), "", dtype=object)
    for tid, t in enumerate(tables):
        c = t.mapped(table).get(key)
        if c is not None and c.unit:
            rows = (rec["_tid"] == tid).to_numpy()
            factors[rows] = header_factor(c.unit, units)
            header_units[rows] = c.unit
    vals, st, bad_unit = parse_measure(rec[key], units, factors)
    # A header whose unit is unknown (设计最大量（m³）for a mass): its bare numbers are not read.
    unknown_header = np.isnan(factors) & (st == OK) & (bad_unit == "") & np.isnan(vals)
    bad_unit = np.where(unknown_header, header_units, bad_unit)
    unit_err = bad_unit != ""
    iss.add("E_UNIT_OF_MEASURE", rec, unit_err, table, key, detail=bad_unit, record_key=record_key)
    bad = (st == INVALID) & ~unit_err
    iss.add("E_NUMBER_INVALID", rec, bad, table, key, record_key=record_key)
    neg = (st == OK) & (vals < 0)
    iss.add("E_NUMBER_NEGATIVE", rec, neg, table, key, record_key=record_key)
    err |= (st == INVALID) | neg | unit_err
    return np.where((st == OK) & ~neg & ~unit_err, vals, np.nan)


def _duplicates(rec, codes: pd.Series, code, table, key, iss, err, record_key, eligible=None):
    """Later records repeating a code are errors naming the first (docs/domain/survey.md §2.4)."""
    present = (codes != "").to_numpy()
    if eligible is not None:
        present = present & eligible
    c = codes.where(present, None)
    dup = c.duplicated(keep="first").to_numpy() & present
    if dup.any():
        first_idx = pd.Series(np.arange(len(c)), index=c.index).groupby(c.to_numpy()).transform("first").to_numpy()
        related = np.full(len(c), "", dtype=object)
        for i in np.flatnonzero(dup):
            j = int(first_idx[i])
            related[i] = iss.place_of(int(rec["_tid"].iat[j]), int(rec["_row"].iat[j]))
        iss.add(code, rec, dup, table, key, related=related, record_key=record_key)
        err |= dup
    return dup


def _validate_units(rec: pd.DataFrame, tables, iss: _Issues, options: ImportOptions):
    n = len(rec)
    err = np.zeros(n, dtype=bool)
    text = _texts(rec, schema.UNIT_COLUMNS, ("unit_code",))
    rk = "unit_code"
    rec = rec.assign(unit_code=text["unit_code"])
    _check_required(rec, text, "units", iss, err, rk)
    _check_nul(rec, text, "units", iss, err, rk)
    sector, st = parse_code(rec["sector"], schema.sector_lookup(), schema.normalise_header)
    bad = st == INVALID
    iss.add("E_SECTOR_UNKNOWN", rec, bad, "units", "sector", record_key=rk)
    err |= bad
    c = _coordinates(rec, "units", iss, err, rk, optional=False)
    lon, lat, crs_src = _convert(c, rec, "units", iss, rk, options.default_crs, options)
    lon_src, lat_src = c.lon_txt, c.lat_txt
    # Credit codes: GB 32100-2015 check character via python-stdnum (docs/domain/survey.md §3.1).
    cc = identifiers.check_credit_codes(rec["credit_code"])
    bad = np.isin(cc["status"].to_numpy(), ("format", "check"))
    iss.add("E_CREDIT_CODE_INVALID", rec, bad, "units", "credit_code", detail=cc["detail"].to_numpy(),
            record_key=rk)
    low = (cc["status"] == "lowercase").to_numpy()
    iss.add("W_CREDIT_CODE_LOWERCASE", rec, low, "units", "credit_code", record_key=rk)
    err |= bad
    employees = _numbers(rec, "units", "employees", iss, err, rk, ("人", "名"), integer=True)
    population = _numbers(rec, "units", "outside_population", iss, err, rk, ("人",), integer=True)
    date, dst = parse_date(rec["survey_date"])
    iss.add("W_DATE_INVALID", rec, dst == INVALID, "units", "survey_date", record_key=rk)
    sector_zh = {s.id: s.zh for s in schema.SECTORS}
    out = pd.DataFrame({
        "unit_code": text["unit_code"].to_numpy(), "name": text["name"].to_numpy(),
        "credit_code": cc["code"].fillna("").to_numpy(dtype=object),
        "sector": sector, "sector_zh": pd.Series(sector).map(sector_zh).fillna("").to_numpy(),
        "district": text["district"].to_numpy(), "street": text["street"].to_numpy(),
        "address": text["address"].to_numpy(), "lon": lon, "lat": lat, "lon_src": lon_src,
        "lat_src": lat_src, "crs_src": crs_src, "employees": employees,
        "outside_population": population, "survey_date": date, "surveyor": text["surveyor"].to_numpy(),
        "contact_name": text["contact_name"].to_numpy(), "contact_phone": text["contact_phone"].to_numpy(),
        "supervising_dept": text["supervising_dept"].to_numpy(), "duty_phone": text["duty_phone"].to_numpy(),
        "principal_person": text["principal_person"].to_numpy(),
        "technical_person": text["technical_person"].to_numpy(),
        "operating_person": text["operating_person"].to_numpy(),
        "extra": rec["extra"].to_numpy(),
    })
    return out, err


def _values_text(values) -> str:
    return "、".join(f"{v:g}" for v in values)


def _factors(rec: pd.DataFrame, rules: Rules, iss: _Issues, err: np.ndarray, record_key: str) -> dict:
    """L, E, C, likelihood and severity checked against the rules' allowed values: a value the
    rules tolerate (methods.lec.C_tolerated) is kept with a warning, any other is an error."""
    out = {}
    for col in schema.HAZARD_COLUMNS:
        if col.kind not in schema.FACTOR_KINDS:
            continue
        method_name, factor = schema.FACTOR_KINDS[col.kind]
        method = getattr(rules, method_name)
        allowed, tolerated_values = method.factors[factor], method.tolerated.get(factor, ())
        vals, st = parse_number(rec[col.key])
        ok = st == OK
        tolerated = ok & in_set(vals, tolerated_values) & ~in_set(vals, allowed)
        bad = (st == INVALID) | (ok & ~in_set(vals, allowed) & ~tolerated)
        iss.add("E_LEC_VALUE" if method_name == "lec" else "E_LS_VALUE", rec, bad, "hazards", col.key,
                detail=_values_text(allowed), record_key=record_key)
        iss.add("W_LEC_C16", rec, tolerated, "hazards", col.key, record_key=record_key)
        err |= bad
        out[col.key] = np.where(ok & ~bad, vals, np.nan)
    return out


def _validate_hazards(rec: pd.DataFrame, tables, iss: _Issues, rules: Rules):
    """The checks of each hazard row on its own; lon, lat and crs_src wait for the unit's
    coordinate system (the returned coordinates, finished by :func:`_convert`)."""
    n = len(rec)
    err = np.zeros(n, dtype=bool)
    rk = "hazard_code"
    text = _texts(rec, schema.HAZARD_COLUMNS, ("hazard_code", "unit_code"))
    rec = rec.assign(hazard_code=text["hazard_code"], unit_code=text["unit_code"])
    _check_required(rec, text, "hazards", iss, err, rk)
    _check_nul(rec, text, "hazards", iss, err, rk)
    equipment, st = parse_code(rec["equipment"], schema.equipment_lookup(), schema.normalise_header)
    iss.add("E_EQUIPMENT_UNKNOWN", rec, st == INVALID, "hazards", "equipment", record_key=rk)
    err |= st == INVALID
    category, st = parse_code(rec["category"], schema.category_lookup(), schema.normalise_symbol)
    iss.add("E_CATEGORY_UNKNOWN", rec, st == INVALID, "hazards", "category", record_key=rk)
    err |= st == INVALID
    cas = identifiers.check_cas(rec["cas"])
    bad = np.isin(cas["status"].to_numpy(), ("format", "check"))
    iss.add("E_CAS_INVALID", rec, bad, "hazards", "cas", detail=cas["detail"].to_numpy(), record_key=rk)
    err |= bad
    quantity = _measure(rec, tables, "hazards", "quantity_t", MASS_UNITS, iss, err, rk)
    volume = _measure(rec, tables, "hazards", "volume_m3", VOLUME_UNITS, iss, err, rk)
    factors = _factors(rec, rules, iss, err, rk)
    c = _coordinates(rec, "hazards", iss, err, rk, optional=True)
    # What the risk point can lead to, and who controls it: notes, never a rejection.
    accidents, unknown = parse_code_list(rec["accident_types"], schema.accident_type_lookup(), schema.normalise_header,
                                         {a.id: a.zh for a in schema.ACCIDENT_TYPES}, schema.LIST_SEPARATORS)
    iss.add("W_ACCIDENT_TYPE_UNKNOWN", rec, unknown != "", "hazards", "accident_types", detail=unknown,
            record_key=rk)
    level_id, st = parse_code(rec["control_level"], schema.control_level_lookup(), schema.normalise_header)
    iss.add("W_CONTROL_LEVEL_UNKNOWN", rec, st == INVALID, "hazards", "control_level", record_key=rk)
    control_level = pd.Series(level_id).map({c_.id: c_.zh for c_ in schema.CONTROL_LEVELS}).fillna("")
    nan = np.full(n, np.nan)
    out = pd.DataFrame({
        "hazard_code": text["hazard_code"].to_numpy(), "unit_code": text["unit_code"].to_numpy(),
        "name": text["name"].to_numpy(), "kind": text["kind"].to_numpy(), "equipment": equipment,
        "substance": text["substance"].to_numpy(),
        "cas": cas["code"].fillna("").to_numpy(dtype=object),
        "category": category, "quantity_t": quantity, "volume_m3": volume,
        "L": factors["L"], "E": factors["E"], "C": factors["C"],
        "likelihood": factors["likelihood"], "severity": factors["severity"],
        "lon": nan, "lat": nan.copy(), "lon_src": c.lon_txt, "lat_src": c.lat_txt,
        "crs_src": np.full(n, "", dtype=object), "location_from_unit": ~c.has,
        "note": text["note"].to_numpy(),
        "accident_types": accidents, "risk_features": text["risk_features"].to_numpy(),
        "trigger_conditions": text["trigger_conditions"].to_numpy(),
        "controls_engineering": text["controls_engineering"].to_numpy(),
        "controls_management": text["controls_management"].to_numpy(),
        "controls_emergency": text["controls_emergency"].to_numpy(),
        "control_level": control_level.to_numpy(dtype=object),
        "responsible_person": text["responsible_person"].to_numpy(),
        "responsible_phone": text["responsible_phone"].to_numpy(),
        "extra": rec["extra"].to_numpy(),
    })
    return out, err, c


# --- the pipeline -------------------------------------------------------------------------

def import_surveys(paths: Iterable[str | Path], options: ImportOptions | None = None,
                   progress: Progress | None = None, plugin_version: str = "") -> ImportResult:
    """Import survey files into units, hazards, import issues and import runs."""
    options = options or ImportOptions()
    progress = progress or Progress()
    rules = options.rules or load_rules()
    if options.default_crs not in {c.id for c in schema.COORD_SYSTEMS}:
        ids = schema.crs_lookup().get(schema.normalise_header(options.default_crs))
        if ids is None:
            raise ValueError(f"unknown default coordinate system: {options.default_crs}")
        options.default_crs = ids
    file_paths = [Path(p) for p in paths]  # str or Path in, Path from here on
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    names = _display_names(file_paths)
    for table in ("units", "hazards"):  # the shared lookups, built once before the threads
        schema.alias_index(table)
    schema.sector_lookup(), schema.crs_lookup(), schema.equipment_lookup(), schema.category_lookup()
    # Each file is read and its sheets checked in a thread: python-calamine releases the GIL
    # while it parses, so one file's parse runs beside another's checks. The largest files
    # go first, so that the last one to finish is a small one.
    order = sorted(range(len(file_paths)), key=lambda i: -_size(file_paths[i]))
    done: list[tuple[FileRead, list[_SheetCheck]] | None] = [None] * len(file_paths)
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        futures = {i: pool.submit(_read_and_check, file_paths[i], names[i], options, rules) for i in order}
        try:
            for i in range(len(file_paths)):
                progress.step(60.0 * i / max(len(file_paths), 1), f"读取 Reading {file_paths[i].name}")
                done[i] = futures[i].result()
        except Canceled:
            for fut in futures.values():
                fut.cancel()
            raise
    files: list[FileRead] = []
    file_checks: list[list[_SheetCheck]] = []
    seen_sha: dict[str, str] = {}
    for item in done:
        assert item is not None
        fr, checks = item
        if fr.sha256 and fr.sha256 in seen_sha and not fr.refused:
            fr.issues = [make_issue("E_FILE_DUPLICATE", file=fr.name, related=seen_sha[fr.sha256])]
            fr.tables, fr.refused, checks = [], True, []
        elif fr.sha256:
            seen_sha.setdefault(fr.sha256, fr.name)
        files.append(fr)
        file_checks.append(checks)
    progress.step(60, "校验 Validating")
    tables: list[SheetTable] = []
    table_file: list[int] = []
    sheets: list[_SheetCheck] = []
    for fi, fr in enumerate(files):
        for t, chk in zip(fr.tables, file_checks[fi]):
            chk.renumber(len(tables))
            tables.append(t)
            table_file.append(fi)
            sheets.append(chk)
    iss = _Issues(tables)
    for fr in files:
        iss.rows.extend(fr.issues)
    for chk in sheets:
        iss.rows.extend(chk.issues)
    if not sheets:  # nothing readable: the same empty frames, checked the same way
        sheets = [_check_tables([], options, rules)]

    # The checks across sheets and files: duplicate codes, each hazard's coordinate system
    # from its unit, the hazard → unit links.
    urec = _concat([c.urec for c in sheets])
    ucode = pd.Series(np.concatenate([c.ucode for c in sheets]), dtype=object)
    repeat = np.concatenate([c.repeat for c in sheets])
    units_rec = _concat([c.units_rec for c in sheets])
    units = _concat([c.units for c in sheets])
    uerr = np.concatenate([c.uerr for c in sheets])
    progress.step(65)
    _duplicates(units_rec, units["unit_code"], "E_UNIT_CODE_DUPLICATE", "units", "unit_code", iss, uerr, "unit_code")
    units_ok = ~uerr
    progress.step(75)

    hrec = _concat([c.hrec for c in sheets])
    hazards = _concat([c.hazards for c in sheets])
    herr = np.concatenate([c.herr for c in sheets])
    # A hazard's coordinate system defaults to its unit's as found, else the import default.
    ucrs = pd.Series(units["crs_src"].to_numpy(), index=units["unit_code"].to_numpy())
    ucrs = ucrs[~ucrs.index.duplicated()]
    hunit = hazards["unit_code"]
    unit_crs = (hunit.map(ucrs).astype(object)  # (object even when no unit was read: a float NaN column)
                .fillna(options.default_crs).replace("", options.default_crs).to_numpy(dtype=object))
    hc = _Coords(*(np.concatenate([getattr(c.hcoords, f) for c in sheets])
                   for f in ("lon", "lat", "lon_txt", "lat_txt", "crs_ids", "crs_ok", "has", "good")))
    hkeyed = hrec[["_tid", "_row"]].assign(hazard_code=hazards["hazard_code"].to_numpy())
    lon, lat, crs_src = _convert(hc, hkeyed, "hazards", iss, "hazard_code", unit_crs, options)
    hazards["lon"], hazards["lat"], hazards["crs_src"] = lon, lat, crs_src
    _duplicates(hrec, hazards["hazard_code"], "E_HAZARD_CODE_DUPLICATE", "hazards", "hazard_code",
                iss, herr, "hazard_code")
    _link_units(hrec, hazards, units, units_rec, units_ok, iss, herr)
    hazards_ok = ~herr
    accepted_rows = _accepted_rows(tables, urec, ucode, repeat, units_rec, units_ok, hrec, hazards_ok)
    _explain_rejected(tables, accepted_rows, urec, ucode, repeat, units_rec, iss)
    progress.step(85)

    # Hazards without their own location take their unit's (converted) location.
    accepted_units = units[units_ok].reset_index(drop=True)
    accepted_units_rec = units_rec[units_ok].reset_index(drop=True)
    acc_h = hazards[hazards_ok].reset_index(drop=True)
    acc_hrec = hrec[hazards_ok].reset_index(drop=True)
    ux = pd.Series(accepted_units["lon"].to_numpy(), index=accepted_units["unit_code"].to_numpy())
    uy = pd.Series(accepted_units["lat"].to_numpy(), index=accepted_units["unit_code"].to_numpy())
    usec = pd.Series(accepted_units["sector"].to_numpy(), index=accepted_units["unit_code"].to_numpy())
    inherit = acc_h["location_from_unit"].to_numpy(dtype=bool)
    if inherit.any():
        acc_h.loc[inherit, "lon"] = acc_h.loc[inherit, "unit_code"].map(ux).to_numpy(dtype=float)
        acc_h.loc[inherit, "lat"] = acc_h.loc[inherit, "unit_code"].map(uy).to_numpy(dtype=float)
        acc_h.loc[inherit, "crs_src"] = ""
    acc_h.insert(2, "sector", acc_h["unit_code"].map(usec).to_numpy())

    units_gdf = _geo(_with_source(accepted_units, accepted_units_rec, tables), UNIT_FIELDS)
    hazards_gdf = _geo(_with_source(acc_h, acc_hrec, tables), HAZARD_FIELDS)
    issues = _issue_frame(iss.rows, files)
    runs = _runs(files, tables, table_file, accepted_rows, units_rec, units_ok, hrec, hazards_ok,
                 issues, options, started, plugin_version)
    progress.step(95)
    return ImportResult(units_gdf, hazards_gdf, issues, runs, files, tables)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The sheets' frames one after the other; empty ones are left out (so that their
    columns' types do not change the others'), unless all are empty."""
    parts = [f for f in frames if len(f)] or frames[:1]
    return parts[0].reset_index(drop=True) if len(parts) == 1 else pd.concat(parts, ignore_index=True)


@dataclass
class _SheetCheck:
    """One sheet's rows checked on their own, before the checks across sheets and files.
    The record frames keep only what those later checks use."""

    issues: list[dict]
    urec: pd.DataFrame  # _tid, _pos of every unit row (a flat sheet's repeats included)
    ucode: np.ndarray  # their unit codes as text
    repeat: np.ndarray  # a flat sheet's later rows of a unit
    units_rec: pd.DataFrame  # unit_code as read, _tid, _row, _pos of each unit
    units: pd.DataFrame
    uerr: np.ndarray
    hrec: pd.DataFrame  # hazard_code as read, _tid, _row, _pos of each hazard
    hazards: pd.DataFrame
    herr: np.ndarray
    hcoords: _Coords

    def renumber(self, tid: int) -> None:
        """The sheet's place among all the import's sheets."""
        for frame in (self.urec, self.units_rec, self.hrec):
            frame["_tid"] = np.full(len(frame), tid, dtype=np.int64)


def _read_and_check(path: Path, name: str, options: ImportOptions, rules: Rules
                    ) -> tuple[FileRead, list[_SheetCheck]]:
    fr = read_file(path, name, limits=rules.import_limits)
    return fr, [_check_tables([t], options, rules) for t in fr.tables]


def _check_tables(tables: list[SheetTable], options: ImportOptions, rules: Rules) -> _SheetCheck:
    """The checks of each row on its own, over ``tables`` (one sheet, or none)."""
    iss = _Issues(tables)
    # Units: in a flat sheet, rows sharing a unit code are one unit (first row wins).
    urec = _records(tables, "units")
    ucode = _code_text(urec["unit_code"])
    is_flat = np.array([t.layout == "flat" for t in tables] + [False], dtype=bool)  # per table
    flat = is_flat[urec["_tid"].to_numpy(dtype=np.int64)]
    flat_key = pd.Series(np.where(flat & (ucode != "").to_numpy(),
                                  urec["_tid"].astype(str).to_numpy() + KEY_SEP + ucode.to_numpy(), None))
    repeat = flat_key.notna().to_numpy() & flat_key.duplicated(keep="first").to_numpy()
    _flat_repeats_differ(urec, ucode, flat_key, repeat, iss)
    units_rec = urec[~repeat].reset_index(drop=True)
    units, uerr = _validate_units(units_rec, tables, iss, options)

    hrec = _records(tables, "hazards")
    if len(hrec):
        hflat = is_flat[hrec["_tid"].to_numpy(dtype=np.int64)]
        hcode_blank = (_code_text(hrec["hazard_code"]) == "").to_numpy()
        unit_only = hflat & hcode_blank  # a flat row describing a unit without hazards
        hrec = hrec[~unit_only].reset_index(drop=True)
    hazards, herr, hcoords = _validate_hazards(hrec, tables, iss, rules)
    return _SheetCheck(
        iss.rows, urec[["_tid", "_pos"]].copy(), ucode.to_numpy(dtype=object), repeat,
        units_rec[["unit_code", "_tid", "_row", "_pos"]].copy(), units, uerr,
        hrec[["hazard_code", "_tid", "_row", "_pos"]].copy(), hazards, herr, hcoords)


def _display_names(paths: list[Path]) -> list[str]:
    """File names as shown in issues; the parent folder is added where names collide."""
    counts = pd.Series([p.name for p in paths]).value_counts()
    return [p.name if counts[p.name] == 1 else f"{p.parent.name}/{p.name}" for p in paths]


def _flat_repeats_differ(urec, ucode, flat_key, repeat, iss: _Issues) -> None:
    """A flat sheet's later rows of a unit whose unit details differ from its first row."""
    if not repeat.any():
        return
    cols = ["name", "sector", "district", "lon", "lat", "credit_code"]
    flat_rows = np.flatnonzero(flat_key.notna().to_numpy())
    keys = flat_key.to_numpy()[flat_rows]
    text = pd.DataFrame({c: as_text(urec[c].iloc[flat_rows]) for c in cols})
    first = text.groupby(keys).transform("first")
    differ = np.zeros(len(urec), dtype=bool)
    differ[flat_rows] = repeat[flat_rows] & (text != first).any(axis=1).to_numpy()
    if differ.any():
        first_pos = pd.Series(np.arange(len(urec))).groupby(flat_key.to_numpy()).transform("first")
        related = np.full(len(urec), "", dtype=object)
        for i in np.flatnonzero(differ):
            j = int(first_pos.iat[i])
            related[i] = iss.place_of(int(urec["_tid"].iat[j]), int(urec["_row"].iat[j]))
        rec = urec.assign(unit_code=ucode)
        iss.add("W_UNIT_FIELDS_DIFFER", rec, differ, "units", "unit_code", related=related,
                record_key="unit_code")


def _link_units(hrec, hazards, units, units_rec, units_ok, iss: _Issues, herr) -> None:
    """Each hazard's unit must exist and be accepted (docs/domain/survey.md §2.4)."""
    code = hazards["unit_code"]
    has_code = (code != "").to_numpy()
    ok_codes = set(units.loc[units_ok, "unit_code"])
    first_rejected: dict[str, str] = {}
    for i in np.flatnonzero(~units_ok):
        c = units["unit_code"].iat[i]
        if c and c not in first_rejected and c not in ok_codes:
            first_rejected[c] = iss.place_of(int(units_rec["_tid"].iat[i]), int(units_rec["_row"].iat[i]))
    known_ok = code.isin(ok_codes).to_numpy()
    rejected = code.isin(list(first_rejected)).to_numpy() & has_code & ~known_ok
    related = pd.Series(first_rejected, dtype=object).reindex(code.to_numpy()).fillna("").to_numpy()
    # A hazard whose own file's unit row with that code was rejected (say, as a duplicate of
    # another file's unit) is not attached to the other file's unit: it follows its own.
    file_of = np.array([t.file for t in iss.tables] + [""], dtype=object)
    ok_in_file = set((file_of[units_rec["_tid"].to_numpy(dtype=np.int64)[units_ok]] + KEY_SEP
                      + units["unit_code"].to_numpy(dtype=object)[units_ok]).tolist())
    own_rejected: dict[str, str] = {}
    for i in np.flatnonzero(~units_ok):
        key = file_of[int(units_rec["_tid"].iat[i])] + KEY_SEP + units["unit_code"].iat[i]
        if key not in ok_in_file:
            own_rejected.setdefault(key, iss.place_of(int(units_rec["_tid"].iat[i]), int(units_rec["_row"].iat[i])))
    hkey = pd.Series(file_of[hrec["_tid"].to_numpy(dtype=np.int64)] + KEY_SEP + code.to_numpy(dtype=object)
                     if len(hrec) else [], dtype=object)
    own = hkey.isin(list(own_rejected)).to_numpy() & has_code & known_ok
    related = np.where(own, hkey.map(own_rejected).astype(object).fillna("").to_numpy(dtype=object), related)
    rejected |= own
    unknown = has_code & ~known_ok & ~rejected
    rec = hrec.assign(unit_code=code, hazard_code=hazards["hazard_code"])
    iss.add("E_HAZARD_UNIT_UNKNOWN", rec, unknown, "hazards", "unit_code", record_key="hazard_code")
    iss.add("E_HAZARD_UNIT_REJECTED", rec, rejected, "hazards", "unit_code", related=related,
            record_key="hazard_code")
    herr |= unknown | rejected


def _with_source(frame: pd.DataFrame, rec: pd.DataFrame, tables: list[SheetTable]) -> pd.DataFrame:
    tid = rec["_tid"].to_numpy()
    files = np.array([t.file for t in tables] or [""], dtype=object)
    sheets = np.array([t.sheet for t in tables] or [""], dtype=object)
    return frame.assign(source_file=files[tid] if len(tid) else [], source_sheet=sheets[tid] if len(tid) else [],
                        source_row=rec["_row"].to_numpy(dtype=np.int64))


def _geo(frame: pd.DataFrame, fields: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Points in EPSG:4490 with the fields in order (text columns hold no NaN)."""
    geom = gpd.points_from_xy(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float), crs=STORAGE_CRS)
    return gpd.GeoDataFrame(frame[list(fields)], geometry=geom, crs=STORAGE_CRS, copy=False)


def _issue_frame(rows: list[dict], files: list[FileRead]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(ISSUE_FIELDS))
    if df.empty:
        return df.astype({"row": "Int64"})
    order = {f.name: i for i, f in enumerate(files)}
    df["_f"] = df["file"].map(order).fillna(len(order))
    df["_r"] = df["row"].fillna(0)
    df["_k"] = df["code"].map({c: i for i, c in enumerate(KINDS)})
    df = df.sort_values(["_f", "sheet", "_r", "_k", "column"], kind="stable").drop(columns=["_f", "_r", "_k"])
    df["row"] = df["row"].astype("Int64")
    return df.reset_index(drop=True)


def _runs(files, tables, table_file, accepted_rows, units_rec, units_ok, hrec, hazards_ok, issues,
          options, started, plugin_version) -> pd.DataFrame:
    """Per-file provenance and the balance rows read = accepted + rejected + skipped."""
    finished = time.strftime("%Y-%m-%dT%H:%M:%S")
    table_file = np.asarray(table_file, dtype=np.int64)
    n_tables = len(tables)
    # Rejected rows are counted, not derived: a data row that was not accepted and carries an
    # error issue on its Excel row (the balance then checks that no row went unexplained).
    errs = issues[(issues["severity"] == "error") & issues["row"].notna()] if len(issues) else issues
    err_rows = {k: set(g["row"].astype(int)) for k, g in errs.groupby(["file", "sheet"])} if len(errs) else {}
    err_counts = issues[issues.severity == "error"].groupby("file").size() if len(issues) else pd.Series(dtype=int)
    warn_counts = issues[issues.severity == "warning"].groupby("file").size() if len(issues) else pd.Series(dtype=int)
    units_by_tid = (pd.Series(units_ok).groupby(units_rec["_tid"].to_numpy()).sum() if len(units_rec)
                    else pd.Series(dtype=int))
    hz_by_tid = pd.Series(hazards_ok).groupby(hrec["_tid"].to_numpy()).sum() if len(hrec) else pd.Series(dtype=int)
    run_id = _run_id(files)
    out = []
    for fi, fr in enumerate(files):
        tids = np.flatnonzero(table_file == fi) if n_tables else np.array([], dtype=int)
        read = sum(tables[t].n_read for t in tids)
        blank = sum(tables[t].n_blank for t in tids if not tables[t].refused)
        total = sum(tables[t].n_total for t in tids if not tables[t].refused)
        acc = sum(int(accepted_rows[t].sum()) for t in tids if not tables[t].refused)
        rejected = sum(tables[t].n_read if tables[t].refused
                       else _counted_rejected(tables[t], accepted_rows[t], err_rows) for t in tids)
        status = "refused" if fr.refused else ("imported" if rejected == 0 else "imported_with_errors")
        out.append({
            "run_id": run_id, "file": fr.name, "path": str(fr.path), "sha256": fr.sha256,
            "size_bytes": fr.size, "status": status,
            "sheets": ";".join(f"{tables[t].sheet}:{tables[t].layout}" for t in tids),
            "rows_read": read, "rows_accepted": acc, "rows_rejected": rejected,
            "rows_skipped_blank": blank, "rows_skipped_total": total,
            "units_accepted": int(sum(units_by_tid.get(t, 0) for t in tids)),
            "hazards_accepted": int(sum(hz_by_tid.get(t, 0) for t in tids)),
            "errors": int(err_counts.get(fr.name, 0)), "warnings": int(warn_counts.get(fr.name, 0)),
            "default_crs": options.default_crs, "started": started, "finished": finished,
            "plugin_version": plugin_version,
        })
    return pd.DataFrame(out, columns=list(RUN_FIELDS))


def _counted_rejected(t: SheetTable, accepted: np.ndarray, err_rows: dict) -> int:
    """The data rows of a sheet that were not accepted and carry an error issue of their own
    (a refused sheet's rows are rejected by its sheet-level issue, counted by the caller)."""
    mine = err_rows.get((t.file, t.sheet))
    if not mine or not len(t.rows):
        return 0
    return int((~accepted & np.isin(t.rows, np.fromiter(mine, dtype=np.int64))).sum())


def _accepted_rows(tables, urec, ucode, repeat, units_rec, units_ok, hrec, hazards_ok) -> dict[int, np.ndarray]:
    """Per sheet (by table id), per data row: accepted or not. Units-sheet rows and a flat
    sheet's unit-only rows follow their unit (a flat sheet's repeats follow the unit's first
    row); hazard rows, and flat rows with a hazard code, follow their hazard."""
    accepted_rows: dict[int, np.ndarray] = {tid: np.zeros(len(t.cells), dtype=bool) for tid, t in enumerate(tables)}
    if len(urec):
        key = urec["_tid"].astype(str) + KEY_SEP + ucode
        first_ok = pd.Series(units_ok,
                             index=(units_rec["_tid"].astype(str) + KEY_SEP + ucode[~repeat].to_numpy()).to_numpy())
        first_ok = first_ok[~first_ok.index.duplicated()]
        row_ok = np.where(repeat, key.map(first_ok).fillna(False).to_numpy(dtype=bool), False)
        row_ok[~repeat] = units_ok
        for tid in np.unique(urec["_tid"]):
            m = (urec["_tid"] == tid).to_numpy()
            accepted_rows[int(tid)][urec.loc[m, "_pos"].to_numpy()] = row_ok[m]
    if len(hrec):
        for tid in np.unique(hrec["_tid"]):
            m = (hrec["_tid"] == tid).to_numpy()
            accepted_rows[int(tid)][hrec.loc[m, "_pos"].to_numpy()] = hazards_ok[m]
    return accepted_rows


def _explain_rejected(tables, accepted: dict[int, np.ndarray], urec, ucode, repeat, units_rec, iss: _Issues) -> None:
    """Every row that is not imported has an error issue on its own row: a flat sheet's later
    rows of a unit whose first row was rejected get E_ROW_UNIT_REJECTED, naming that row (the
    same for any other row that would otherwise go unexplained). ``accepted``: :func:`_accepted_rows`."""
    by_sheet: dict[tuple[str, str], set] = {}
    for r in iss.rows:
        if r["severity"] == "error" and r["row"] is not None:
            by_sheet.setdefault((r["file"], r["sheet"]), set()).add(int(r["row"]))
    utid = urec["_tid"].to_numpy() if len(urec) else np.zeros(0, dtype=np.int64)
    ftid = units_rec["_tid"].to_numpy() if len(units_rec) else np.zeros(0, dtype=np.int64)
    first_codes = ucode[~repeat].to_numpy() if len(urec) else np.zeros(0, dtype=object)
    for tid, t in enumerate(tables):
        if t.refused:
            continue
        have = np.fromiter(by_sheet.get((t.file, t.sheet), set()), dtype=np.int64)
        missing = np.flatnonzero(~accepted[tid] & ~np.isin(t.rows, have))
        if not len(missing):
            continue
        mine = utid == tid
        codes = pd.Series(ucode.to_numpy()[mine], index=urec["_pos"].to_numpy()[mine]).reindex(missing).fillna("")
        firsts = ftid == tid
        first_row = pd.Series(units_rec["_row"].to_numpy()[firsts], index=first_codes[firsts])
        first_row = first_row[~first_row.index.duplicated()]
        for pos, code in zip(missing, codes.to_numpy()):
            row = first_row.get(code)
            iss.rows.append(make_issue("E_ROW_UNIT_REJECTED", file=t.file, sheet=t.sheet, row=int(t.rows[pos]),
                                       value=code, record=str(code),
                                       related=iss.place_of(tid, int(row)) if row is not None and code else ""))


def _run_id(files: list[FileRead]) -> str:
    """Stable id of an import: the hash of its inputs' hashes, in order."""
    import hashlib

    h = hashlib.sha256()
    for f in files:
        h.update((f.sha256 or f.name).encode())
    return h.hexdigest()[:16]

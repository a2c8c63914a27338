"""Reading the values surveyors write (DOMAIN.md §2), one whole column at a time.

Every parser takes a pandas Series of raw cells (what calamine or a CSV gives: str,
float, int, bool, date/datetime or blank ``""``/None) and returns arrays aligned with it:
the parsed value and a status saying blank / ok / invalid, so validation can turn the
statuses into issues without a Python loop per cell.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

BLANK, OK, INVALID = 0, 1, 2

# Excel's day zero for serial dates (the 1900 system, with its leap-year bug folded in).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serials read as dates only in this window (1954-10-03 .. 2119-01-05).
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 20_000, 80_000

_SPACES = re.compile(r"[\s\u3000]+")


def as_text(cells: pd.Series) -> pd.Series:
    """Cells as stripped text; blank → ''. Integral floats lose their '.0' (codes and
    phone numbers typed as numbers), dates become ISO text. Works per column: a column of
    one type (the usual case) is converted in one vectorised step."""
    obj = pd.Series(cells, copy=False).astype(object)
    kind = pd.api.types.infer_dtype(obj, skipna=True)
    if kind in ("string", "empty"):
        out = obj.fillna("").astype(str)
    elif kind in ("floating", "integer", "mixed-integer-float", "decimal"):
        out = _numbers_as_text(obj)
    else:  # mixed column: split by cell type
        types = obj.map(type)
        out = obj.astype(str)
        isnum = types.isin((float, int, np.float64, np.int64)).to_numpy()
        if isnum.any():
            out[isnum] = _numbers_as_text(obj[isnum])
        isdate = types.map(lambda t: issubclass(t, (_dt.date, _dt.datetime))).to_numpy()
        if isdate.any():
            out[isdate] = pd.to_datetime(obj[isdate]).dt.strftime("%Y-%m-%d")
        out[obj.isna().to_numpy()] = ""
    return out.str.replace("\u3000", " ", regex=False).str.strip()


def _numbers_as_text(obj: pd.Series) -> pd.Series:
    f = pd.to_numeric(obj, errors="coerce").astype(float)
    integral = (f == np.floor(f)) & f.notna() & (f.abs() < 1e15)
    out = f.astype(str).astype(object)
    out[integral] = f[integral].astype("int64").astype(str)
    out[f.isna()] = ""
    return out


def fold(text: pd.Series) -> pd.Series:
    """NFKC-fold text: full-width digits, letters and punctuation to half-width."""
    return text.str.normalize("NFKC")


def status_of(blank: np.ndarray, ok: np.ndarray) -> np.ndarray:
    st = np.full(len(blank), INVALID, dtype=np.int8)
    st[ok] = OK
    st[blank] = BLANK
    return st


_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"


def _clean_number_text(text: pd.Series) -> pd.Series:
    t = fold(text).str.lower()
    # Thousands separators: 1,234,567.5 (also Chinese comma) — only between digit groups.
    t = t.str.replace(r"(?<=\d)[,，](?=\d{3}(?:\D|$))", "", regex=True)
    return t.str.replace(_SPACES, "", regex=True)


def parse_number(cells: pd.Series, suffixes: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Numbers, also stored as text, full-width, with thousands separators or a trailing
    word such as '人' (given in ``suffixes``). Returns (values, status)."""
    text = as_text(cells)
    blank = (text == "").to_numpy()
    t = _clean_number_text(text)
    if suffixes:
        t = t.str.replace("(?:" + "|".join(map(re.escape, suffixes)) + r")$", "", regex=True)
    vals = pd.to_numeric(t.where(t.str.fullmatch(_NUM), None), errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(vals)
    return vals, status_of(blank, ok & ~blank)


# Units of mass → tonnes (GB 18218 counts tonnes); of volume → m³.
MASS_UNITS = {"": None, "t": 1.0, "吨": 1.0, "tonne": 1.0, "tonnes": 1.0, "ton": 1.0, "tons": 1.0,
              "kg": 1e-3, "千克": 1e-3, "公斤": 1e-3, "g": 1e-6, "克": 1e-6}
VOLUME_UNITS = {"": None, "m3": 1.0, "m³": 1.0, "立方米": 1.0, "立方": 1.0, "方": 1.0,
                "l": 1e-3, "升": 1e-3, "立升": 1e-3}
_MEASURE = re.compile(r"^(?P<num>" + _NUM + r")(?P<wan>万)?(?P<unit>(?:[a-z\u4e00-\u9fff][a-z0-9\u4e00-\u9fff]*)?)$")


def parse_measure(cells: pd.Series, units: dict[str, float | None], default_factor: float = 1.0
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A quantity with an optional unit in the cell ('50吨', '50 t', '5000kg', '1.2万吨').

    ``default_factor`` converts bare numbers (from the header's unit, e.g. 设计最大量（kg）).
    Returns (values in the target unit, status, unit text of invalid-unit cells or '')."""
    text = as_text(cells)
    blank = (text == "").to_numpy()
    t = _clean_number_text(text)
    parts = t.str.extract(_MEASURE)
    num = pd.to_numeric(parts["num"], errors="coerce").to_numpy(dtype=float)
    unit = parts["unit"].fillna("")
    known = unit.isin(list(units)).to_numpy()
    factor = unit.map(lambda u: units.get(u)).astype(float).to_numpy()
    factor = np.where(np.isnan(factor), default_factor, factor)
    wan = parts["wan"].notna().to_numpy()
    vals = num * factor * np.where(wan, 1e4, 1.0)
    ok = ~np.isnan(num) & known & ~blank
    bad_unit = np.where(~np.isnan(num) & ~known & ~blank, unit.to_numpy(dtype=object), "")
    vals[~ok] = np.nan
    return vals, status_of(blank, ok), bad_unit


def header_factor(unit_text: str, units: dict[str, float | None]) -> float:
    """Conversion factor for a unit written in a header's brackets ('' → 1)."""
    u = unit_text.replace(" ", "").lower()
    f = units.get(u)
    return 1.0 if f is None else f


_DATE_TEXT = re.compile(r"^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dates as Excel serials, date cells, '2024年3月5日', '2024-3-5', '2024/03/05',
    '2024.3.5' or '20240305'. Returns (ISO text 'YYYY-MM-DD' or '', status)."""
    s = pd.Series(cells, copy=False).astype(object)
    text = as_text(s)
    blank = (text == "").to_numpy()
    out = pd.Series([""] * len(s), index=s.index, dtype=object)
    # Excel serial numbers (floats from calamine, or digits as text).
    num = pd.to_numeric(fold(text).where(text.str.fullmatch(r"\d+(?:\.\d+)?"), None), errors="coerce")
    serial = num.between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX) & ~text.str.fullmatch(r"\d{8}")
    if serial.any():
        out[serial] = (EXCEL_EPOCH + pd.to_timedelta(num[serial].astype(float).round(), unit="D")).dt.strftime("%Y-%m-%d")
    rest = ~serial & ~pd.Series(blank, index=s.index)
    t = fold(text[rest])
    parts = t.str.extract(_DATE_TEXT)
    compact = t.str.extract(_DATE_COMPACT)
    parts = parts.fillna(compact)
    ymd = parts.apply(pd.to_numeric, errors="coerce")
    dates = pd.to_datetime(
        pd.DataFrame({"year": ymd[0], "month": ymd[1], "day": ymd[2]}), errors="coerce"
    ) if len(ymd) else pd.Series([], dtype="datetime64[ns]")
    good = dates.notna()
    out[dates.index[good]] = dates[good].dt.strftime("%Y-%m-%d")
    ok = (out != "").to_numpy()
    return out.to_numpy(dtype=object), status_of(blank, ok)


def parse_code(cells: pd.Series, lookup: dict[str, str], normalise) -> tuple[np.ndarray, np.ndarray]:
    """A coded value (sector, coordinate system, equipment, category) through a lookup of
    normalised names → id. Returns (id or '', status)."""
    text = as_text(cells)
    blank = (text == "").to_numpy()
    uniq = pd.unique(text)
    mapping = {u: lookup.get(normalise(u), "") for u in uniq}
    ids = text.map(mapping).to_numpy(dtype=object)
    ok = ids != ""
    return ids, status_of(blank, ok & ~blank)


def in_set(values: np.ndarray, allowed: tuple[float, ...]) -> np.ndarray:
    """Whether each value is one of the allowed values (to within float rounding)."""
    a = np.asarray(allowed, dtype=float)
    return np.isclose(values[:, None], a[None, :], rtol=0, atol=1e-9).any(axis=1)


_TOTAL = None


def total_row_mask(frame: pd.DataFrame, words: tuple[str, ...]) -> np.ndarray:
    """Rows that are a total (合计) line: some cell of the row is a total word."""
    global _TOTAL
    if _TOTAL is None:
        _TOTAL = re.compile(r"^(?:" + "|".join(map(re.escape, words)) + r")[:：]?$", re.IGNORECASE)
    mask = np.zeros(len(frame), dtype=bool)
    for col in frame.columns:
        col_text = frame[col]
        if col_text.dtype != object and not pd.api.types.is_string_dtype(col_text):
            continue
        t = col_text.astype(str).str.replace(_SPACES, "", regex=True)
        mask |= t.str.match(_TOTAL).fillna(False).to_numpy(dtype=bool)
    return mask

"""Reading the values surveyors write (docs/domain/survey.md §2.3), one whole column at a time.

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


def _cell_text(v) -> str:
    """One cell as text (the element function of :func:`as_text`)."""
    c = v.__class__
    if c is str:
        return v.strip()
    if c is float or c is np.float64:
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() and -1e15 < v < 1e15 else repr(float(v))
    if v is None:
        return ""
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.strftime("%Y-%m-%d")
    if c is int or c is bool:
        return str(v)
    if v is pd.NA or v is pd.NaT:
        return ""
    return str(v).strip()


_cell_text_ufunc = np.frompyfunc(_cell_text, 1, 1)


def as_text(cells) -> pd.Series:
    """Cells as stripped text; blank → ''. Integral floats lose their '.0' (codes and
    phone numbers typed as numbers), dates become ISO text. One pass per column (a numpy
    ufunc over the object array)."""
    s = cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype=object)
    arr = s.to_numpy(dtype=object)
    if not len(arr):
        out = np.array([], dtype=object)
    elif (kind := pd.api.types.infer_dtype(arr, skipna=False)) == "string":  # all str: the common case
        out = np.fromiter(map(str.strip, arr), dtype=object, count=len(arr))
    elif kind == "floating" and all(c is float for c in map(type, arr)):  # numbers: coordinates
        out = _float_text(arr.astype(np.float64))
    else:
        with np.errstate(invalid="ignore"):  # NaN cells compare unequal to themselves, by design
            out = _cell_text_ufunc(arr)
    return pd.Series(np.asarray(out, dtype=object), index=s.index, dtype=object)


def _float_text(v: np.ndarray) -> np.ndarray:
    """What :func:`_cell_text` gives for each float, without a call per cell."""
    out = np.array([repr(x) for x in v.tolist()], dtype=object)
    with np.errstate(invalid="ignore"):
        whole = (v == np.floor(v)) & (v > -1e15) & (v < 1e15)
    if whole.any():
        out[whole] = [str(int(x)) for x in v[whole].tolist()]
    out[np.isnan(v)] = ""
    return out


def fold(text: pd.Series) -> pd.Series:
    """NFKC-fold text: full-width digits, letters and punctuation to half-width."""
    return text.str.normalize("NFKC")


def nonblank(cells: pd.Series) -> np.ndarray:
    """Cells that are not None, NaN or '' (whitespace-only text still counts: the slow
    paths strip it and call it blank)."""
    arr = cells.to_numpy(dtype=object)
    present = pd.notna(arr)
    present[present] = arr[present] != ""
    return present


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


def _numeric_fast(cells: pd.Series) -> np.ndarray:
    """Numbers the C parser reads directly: float/int cells and plain numeric text."""
    vals = np.array(pd.to_numeric(cells.astype(object), errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    vals[~np.isfinite(vals)] = np.nan  # 'inf' and 'nan' text are not numbers here
    return vals


def parse_number(cells: pd.Series, suffixes: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Numbers, also stored as text, full-width, with thousands separators or a trailing
    word such as '人' (given in ``suffixes``). Returns (values, status).

    Cells the C parser reads take the fast path; only the rest (blank or messy) are
    turned into text and parsed by regular expressions."""
    cells = pd.Series(cells, dtype=object) if not isinstance(cells, pd.Series) else cells
    vals = _numeric_fast(cells)
    present = nonblank(cells)
    slow = np.isnan(vals) & present
    st = np.where(present, OK, BLANK).astype(np.int8)
    if slow.any():
        text = as_text(cells[slow])
        blank = (text == "").to_numpy()
        t = _clean_number_text(text)
        if suffixes:
            t = t.str.replace("(?:" + "|".join(map(re.escape, suffixes)) + r")$", "", regex=True)
        v = pd.to_numeric(t.where(t.str.fullmatch(_NUM), None), errors="coerce").to_numpy(dtype=float)
        vals[slow] = v
        st[slow] = status_of(blank, ~np.isnan(v) & ~blank)
    return _finite(vals, st)


def _finite(vals: np.ndarray, st: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Infinite numbers (1e309 in a cell, or one made so by its unit) are not numbers: invalid."""
    inf = np.isinf(vals)
    if inf.any():
        vals = np.where(inf, np.nan, vals)
        st = np.where(inf, INVALID, st).astype(np.int8)
    return vals, st


# Units of mass → tonnes (GB 18218 counts tonnes); of volume → m³.
MASS_UNITS = {"": None, "t": 1.0, "吨": 1.0, "tonne": 1.0, "tonnes": 1.0, "ton": 1.0, "tons": 1.0,
              "kg": 1e-3, "千克": 1e-3, "公斤": 1e-3, "g": 1e-6, "克": 1e-6}
VOLUME_UNITS = {"": None, "m3": 1.0, "m³": 1.0, "立方米": 1.0, "立方": 1.0, "方": 1.0,
                "l": 1e-3, "升": 1e-3, "立升": 1e-3}
_MEASURE = re.compile(r"^(?P<num>" + _NUM + r")(?P<wan>万)?(?P<unit>(?:[a-z\u4e00-\u9fff][a-z0-9\u4e00-\u9fff]*)?)$")


def parse_measure(cells: pd.Series, units: dict[str, float | None], default_factor=1.0
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A quantity with an optional unit in the cell ('50吨', '50 t', '5000kg', '1.2万吨').

    ``default_factor`` (a number or one per cell) converts bare numbers, from the header's
    unit, e.g. 设计最大量（kg）. Returns (values in the target unit, status, unit text of
    cells whose unit is not known, else '')."""
    cells = pd.Series(cells, dtype=object) if not isinstance(cells, pd.Series) else cells
    n = len(cells)
    factor = np.broadcast_to(np.asarray(default_factor, dtype=float), (n,))
    num = _numeric_fast(cells)
    with np.errstate(over="ignore", invalid="ignore"):
        vals = num * factor
    present = nonblank(cells)
    st = np.where(present, OK, BLANK).astype(np.int8)
    bad_unit = np.full(n, "", dtype=object)
    slow = np.isnan(num) & present
    if slow.any():
        text = as_text(cells[slow])
        blank = (text == "").to_numpy()
        t = _clean_number_text(text)
        parts = t.str.extract(_MEASURE)
        pnum = pd.to_numeric(parts["num"], errors="coerce").to_numpy(dtype=float)
        unit = parts["unit"].fillna("")
        known = unit.isin(list(units)).to_numpy()
        f = unit.map(lambda u: units.get(u)).astype(float).to_numpy()
        f = np.where(np.isnan(f), factor[slow], f)
        wan = parts["wan"].notna().to_numpy()
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below (_finite)
            v = pnum * f * np.where(wan, 1e4, 1.0)
        ok = ~np.isnan(pnum) & known & ~blank
        bad_unit[slow] = np.where(~np.isnan(pnum) & ~known & ~blank, unit.to_numpy(dtype=object), "")
        v[~ok] = np.nan
        vals[slow] = v
        st[slow] = status_of(blank, ok)
    vals, st = _finite(vals, st)
    return vals, st, bad_unit


def header_factor(unit_text: str, units: dict[str, float | None]) -> float:
    """Conversion factor for a unit written in a header's brackets: '' → 1, 'kg' → 0.001,
    '单位：kg' → 0.001, '万吨' → 10,000; NaN for a unit that is not one of ``units``
    (so the column's numbers are reported rather than read in the wrong unit)."""
    u = re.sub(r"^单位[:：]?", "", unit_text.replace(" ", "").lower())
    wan = u.startswith("万")
    u = u[1:] if wan else u
    if u == "" and not wan:
        return 1.0
    f = units.get(u)
    if f is None and not (wan and u == ""):
        return float("nan")
    return (1.0 if f is None else f) * (1e4 if wan else 1.0)


_DATE_TEXT = re.compile(r"^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?(?:[T\s]+\d{1,2}[:时].*)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dates as Excel serials, date cells, '2024年3月5日', '2024-3-5', '2024/03/05',
    '2024.3.5' or '20240305'. Returns (ISO text 'YYYY-MM-DD' or '', status)."""
    cells = pd.Series(cells, dtype=object) if not isinstance(cells, pd.Series) else cells
    n = len(cells)
    out = np.full(n, "", dtype=object)
    num = _numeric_fast(cells)
    serial = (num >= EXCEL_SERIAL_MIN) & (num <= EXCEL_SERIAL_MAX)
    if serial.any():
        days = pd.to_timedelta(np.floor(num[serial]), unit="D")  # 45356.77 is 5 March, 18:30
        out[serial] = (EXCEL_EPOCH + days).strftime("%Y-%m-%d").to_numpy(dtype=object)
    rest = np.flatnonzero(~serial & nonblank(cells))
    text = as_text(cells.iloc[rest])
    blank = ~serial
    blank[rest] = (text == "").to_numpy()
    # ISO dates (and date cells, which as_text writes as ISO) in one vectorised step.
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    good = iso.notna().to_numpy()
    out[rest[good]] = iso[good].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    todo = ~good & (text != "").to_numpy()
    if todo.any():
        t = fold(text[todo])
        parts = t.str.extract(_DATE_TEXT).fillna(t.str.extract(_DATE_COMPACT))
        ymd = parts.apply(pd.to_numeric, errors="coerce")
        dates = pd.to_datetime(pd.DataFrame({"year": ymd[0], "month": ymd[1], "day": ymd[2]}), errors="coerce")
        ok = dates.notna().to_numpy()
        out[rest[todo][ok]] = dates[ok].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    return out, status_of(blank, out != "")


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


def parse_code_list(cells: pd.Series, lookup: dict[str, str], normalise, labels: dict[str, str],
                    separators: str) -> tuple[np.ndarray, np.ndarray]:
    """Several coded values in one cell (火灾、其他爆炸): (their labels, in the order of
    ``labels`` and each once, joined by 、 — '' for none; the parts not recognised, joined by
    、). ``lookup``: normalised name → id; ``labels``: id → label, in the vocabulary's order.
    Each distinct cell text is split and looked up once."""
    text = as_text(cells)
    split = re.compile("[" + re.escape(separators) + "]+")
    rank = {k: i for i, k in enumerate(labels)}
    known: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for u in pd.unique(text):
        ids, rest = set(), []
        for part in split.split(u):
            part = part.strip()
            if not part:
                continue
            k = lookup.get(normalise(part))
            if k is None:
                rest.append(part)
            else:
                ids.add(k)
        known[u] = "、".join(labels[k] for k in sorted(ids, key=rank.__getitem__))
        unknown[u] = "、".join(rest)
    return text.map(known).to_numpy(dtype=object), text.map(unknown).to_numpy(dtype=object)


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

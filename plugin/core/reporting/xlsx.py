"""The Excel report (Excel 报告): the tables of :func:`reporting.data.assemble_report` as one workbook.

Sheets (names fixed in Chinese): 概览 (totals, units by level, sector × level with a stacked
bar chart, districts), 重大风险单位 and 较大风险单位 (one row per hazard source of every
level-1 / level-2 unit), 敏感目标 (receptors near level-1/2 hazard sources), 多米诺链 (the most
probable cascade chains), 数据质量 (issues by file and code, import balance) and 方法说明
(rules, methods, provenance of the rules' values, input files with SHA-256). See
docs/report.md.

Written with XlsxWriter in constant-memory mode (each row goes to the sheet's file as it is
written), to a temporary file in the target's folder that replaces the target only when
complete. The rows of the list sheets are encoded column by column with pandas and written
to the sheet's stream in blocks (:func:`_rows_xml`), about ten times faster than a call per
cell; where the installed XlsxWriter does not work as that expects, they are written cell
by cell through its public API (the same workbook, slower). A list cut to
``data.MAX_LIST_ROWS`` rows starts with a bilingual note row saying how many rows are shown
and where the whole list is. Every text cell is stored as a string, never a formula (survey
text may begin with ``=``, ``+``, ``-`` or ``@``); numbers stay numbers. Pure Python: no
QGIS import here.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..cells import ILLEGAL, MAX_TEXT, cell_text
from ..files import explained_write_errors, name_of, publish, sweep, temp_path
from . import data as rp
from .data import COLUMNS, LEVEL_COLUMNS, LEVEL_OF_COLUMN, N_, ReportData, identity

NUMBER_FORMATS = {
    rp.COUNT: "0",
    rp.R: "0.00",
    # probabilities: 0.000, and tiny ones (cascade chains go down to 1e-9) in scientific notation
    # rather than a misleading 0.000
    rp.PROB: "[=0]0.000;[<0.001]0.0E+00;0.000",
    rp.DIST: "0.0",
    rp.DEC1: "0.0",
    rp.DEC2: "0.00",
    rp.DEC3: "0.000",
    rp.COORD: "0.000000",
}
HEADER_FILL = "D9E1F2"
MAX_WIDTH = 60
MAX_ROWS = 1_048_576 - 10  # Excel's rows per sheet, less the header and the notes under the table
_WIDE = (r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3"
         r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
_WIDE_RE = re.compile(_WIDE)


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK and full-width characters count double."""
    return len(text) + len(_WIDE_RE.findall(text))


class _Formats:
    """The workbook's cell formats (XlsxWriter formats belong to the workbook, not a sheet)."""

    def __init__(self, wb, levels: list[rp.LevelInfo]):
        wrap = {"text_wrap": True, "valign": "top"}
        self.header = wb.add_format({"bold": True, "pattern": 1, "bg_color": f"#{HEADER_FILL}", **wrap})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"bold": True, "font_size": 12})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.alert = wb.add_format({"bold": True, "font_color": "#C00000"})  # a list cut short
        self.bold = wb.add_format({"bold": True})
        self.number = {k: wb.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
        self.level_fill, self.level_header = {}, {}
        for lv in levels:
            rgb = lv.colour.lstrip("#").upper()
            fill = {"bold": True, "font_color": "#FFFFFF" if _dark(rgb) else "#000000", "pattern": 1,
                    "bg_color": f"#{rgb}"}
            self.level_fill[lv.level] = wb.add_format(fill)
            self.level_header[lv.level] = wb.add_format({**fill, **wrap})

    def header_for(self, key: str):
        """The header format of column ``key``: its level's colours for the columns of one level
        (level_1…level_4, the district table's shares and inherent counts)."""
        level = LEVEL_OF_COLUMN.get(key)
        fmt = None if level is None else self.level_header.get(level)
        return fmt or self.header


def _dark(rgb: str) -> bool:
    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b < 150


def _text(value: str) -> str:
    """Text as a cell can hold it (cells.cell_text: control characters shown, cut with a note)."""
    return cell_text(value)


def _put(ws, row: int, col: int, value, fmt=None) -> None:
    """One cell (0-based): text always as a string, never a formula; numbers as numbers."""
    if value is None:
        return
    if isinstance(value, str):
        ws.write_string(row, col, _text(value), fmt)
    else:
        ws.write_number(row, col, value, fmt)


def _values(s: pd.Series) -> list:
    """A column as Python values: numbers (None for missing or infinite) or text."""
    if pd.api.types.is_bool_dtype(s):
        return [None if pd.isna(v) else str(v).lower() for v in s.astype(object)]
    if pd.api.types.is_numeric_dtype(s):
        f = pd.to_numeric(s, errors="coerce").astype(float).to_numpy()
        ok = np.isfinite(f)
        if _integral(s, f, ok):
            vals = np.where(ok, np.nan_to_num(f), 0).astype(np.int64).astype(object)
        else:
            vals = f.astype(object)
        vals[~ok] = None
        return vals.tolist()
    if _mixed(s):  # a rules value may be a number or a text: numbers stay numbers
        return [None if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)) else
                (v if _is_number(v) else str(v)) for v in s]
    return _text_cells(s).tolist()


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))


def _integral(s: pd.Series, f: np.ndarray, ok: np.ndarray) -> bool:
    """Whether a numeric column is written as integers."""
    return bool(pd.api.types.is_integer_dtype(s) or (ok.any() and np.all(f[ok] == np.round(f[ok]))
                                                     and np.all(np.abs(f[ok]) < 2 ** 53) and s.dtype.kind != "f"))


def _mixed(s: pd.Series) -> bool:
    return s.dtype == object and bool(s.map(_is_number).any())


def _text_cells(s: pd.Series) -> np.ndarray:
    """A text column as cells hold it: an object array of str, None where empty. Whole-column
    checks (one search over the joined text) decide whether any value needs cleaning."""
    a = s.astype("string").to_numpy(dtype=object, na_value=None)
    present = np.flatnonzero(pd.notna(a) & (a != ""))
    out = np.full(len(a), None, dtype=object)
    if not len(present):
        return out
    vals = a[present]
    joined = "\n".join(vals.tolist())
    if ILLEGAL.search(joined) or max(map(len, vals.tolist())) > MAX_TEXT // 2:
        vals = np.array([cell_text(v) for v in vals.tolist()], dtype=object)
    out[present] = vals
    out[present[vals == ""]] = None  # nothing left after cleaning
    return out


def _width(s: pd.Series, kind: str) -> int:
    """Display width of a column's values (vectorised)."""
    if not len(s):
        return 0
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        f = pd.to_numeric(s, errors="coerce").abs()
        top = f.max()
        if pd.isna(top):
            return 0
        digits = len(f"{int(top):d}") if np.isfinite(top) else 3
        decimals = {rp.R: 3, rp.DEC2: 3, rp.DEC3: 4, rp.DEC1: 2, rp.DIST: 2, rp.COORD: 7, rp.PROB: 5}.get(kind, 0)
        if kind == rp.TEXT:
            decimals = 4 if s.dtype.kind == "f" else 0
        return digits + decimals + 1
    t = pd.Series(s.astype("string").dropna().unique(), dtype=object)
    if not len(t):
        return 0
    n = t.str.len()
    t = t[2 * n >= n.max()]  # CJK counts double: no shorter text can be the widest
    return int(max(display_width(v) for v in t.tolist()))


def _column_width(values_w: int, header: str) -> float:
    # long headings wrap (the header row wraps text) rather than widen a narrow column beyond 16
    head = min(display_width(header), max(16, values_w))
    return float(min(max(values_w, head, 6) + 2, MAX_WIDTH))


def _letter(i: int) -> str:
    """The letters of the 1-based column ``i``: 1 → A, 27 → AA."""
    out = ""
    while i > 0:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _header(key: str, tr: Callable[[str], str], data: ReportData) -> str:
    col = COLUMNS.get(key)
    if key in LEVEL_OF_COLUMN:  # the rules' level name, alone or in the label ("{level}: share (%)")
        k = LEVEL_OF_COLUMN[key]
        lv = next((x for x in data.levels if x.level == k), None)
        name = f"{lv.level} {lv.zh}" if lv is not None else str(k)
        if key in LEVEL_COLUMNS and lv is not None:
            return name
        if col and "{level}" in col.label:
            return tr(col.label).format(level=name)
    return tr(col.label) if col else key


# --- the list sheets' rows, encoded in blocks ------------------------------------------------

BLOCK_ROWS = 20_000  # rows encoded and written at a time (a cancel is checked between blocks)
_XML_ESCAPE = re.compile(r"[&<>]")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")  # read by Excel as an escaped character


def _xml_text(vals: np.ndarray) -> np.ndarray:
    """Texts (an object array of str) for an XML element, as Excel reads them back: ``&<>``
    escaped, and a literal ``_x0041_`` kept literal (``_x005F_x0041_``), as XlsxWriter writes them."""
    if not len(vals):
        return vals
    joined = "\n".join(vals.tolist())
    if "_x" in joined and _EXCEL_ESCAPE.search(joined):
        vals = np.array([_EXCEL_ESCAPE.sub(r"_x005F\1", v) for v in vals.tolist()], dtype=object)
    if _XML_ESCAPE.search(joined):
        vals = np.array([v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                         for v in vals.tolist()], dtype=object)
    return vals


def _xml_values(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's cell contents for the sheet's XML: (text of each value, None where the cell
    is empty; whether it is a number). The same values as :func:`_values`."""
    n = len(s)
    if pd.api.types.is_bool_dtype(s) or _mixed(s):
        vals = _values(s)
        num = np.fromiter((_is_number(v) for v in vals), bool, n)
        out = np.array([f"{v:.16G}" if _is_number(v) else v
                        for v in vals], dtype=object)
        text = np.flatnonzero(~num & np.fromiter((v is not None for v in vals), bool, n))
        out[text] = _xml_text(out[text])
        return out, num
    if pd.api.types.is_numeric_dtype(s):
        f = pd.to_numeric(s, errors="coerce").astype(float).to_numpy()
        ok = np.isfinite(f)
        if _integral(s, f, ok):
            out = np.where(ok, np.nan_to_num(f), 0).astype(np.int64).astype(str).astype(object)
        else:
            out = np.array([f"{v:.16G}" for v in f.tolist()], dtype=object)  # as XlsxWriter writes numbers
        out[~ok] = None
        return out, np.ones(n, dtype=bool)
    out = _text_cells(s)
    present = np.flatnonzero(pd.notna(out))
    out[present] = _xml_text(out[present])
    return out, np.zeros(n, dtype=bool)


def _rows_xml(frame: pd.DataFrame, first: int, letters: list[str], number_xf: list[int | None],
              fills: dict[int, int], fill_xf: dict[int, int]) -> str:
    """The ``<row>`` elements of ``frame`` as SpreadsheetML, its first row at the sheet's
    0-based row ``first``: numbers in their columns' formats (``number_xf``), texts as inline
    strings, the columns of ``fills`` (column → its level column) filled in the level colours."""
    n = len(frame)
    rows = np.arange(first + 1, first + n + 1).astype(str).astype(object)
    ref = rows + '"'
    parts = np.full((n, len(letters) + 2), "", dtype=object)
    parts[:, 0] = '<row r="' + ref + ">"
    parts[:, -1] = "</row>"
    levels = {j: pd.to_numeric(frame.iloc[:, j], errors="coerce").to_numpy() for j in set(fills.values())}
    for j, letter in enumerate(letters):
        vals, num = _xml_values(frame.iloc[:, j])
        full = np.flatnonzero(pd.notna(vals))
        if not len(full):
            continue
        v, is_num = vals[full], num[full]
        style = np.where(is_num, f' s="{number_xf[j]}"' if number_xf[j] else "", "").astype(object)
        if j in fills:
            lv = levels[fills[j]][full]
            for level, xf in fill_xf.items():
                style[lv == level] = f' s="{xf}"'
        head = f'<c r="{letter}' + ref[full] + style
        if is_num.all():
            cells = head + "><v>" + v + "</v></c>"
        elif not is_num.any():
            cells = head + ' t="inlineStr"><is><t xml:space="preserve">' + v + "</t></is></c>"
        else:
            cells = np.where(is_num, head + "><v>" + v + "</v></c>",
                             head + ' t="inlineStr"><is><t xml:space="preserve">' + v + "</t></is></c>")
        parts[full, j + 1] = cells
    return "".join(parts.ravel().tolist())


def _can_write_xml(ws) -> bool:
    """Whether the sheet is a constant-memory XlsxWriter sheet whose row stream takes rows
    as this module writes them (checked on the attributes used, not on a version)."""
    return (bool(getattr(ws, "constant_memory", False)) and getattr(ws, "fh", None) is not None
            and ws.fh is getattr(ws, "row_data_fh", object()) and isinstance(getattr(ws, "previous_row", None), int)
            and callable(getattr(ws, "_write_single_row", None)) and callable(getattr(ws, "_check_dimensions", None)))


#: Set False to write every list cell by cell through XlsxWriter's public API (tests compare).
FAST_ROWS = True


def _write_rows(ws, first: int, frame: pd.DataFrame, fmts: _Formats, kinds: list[str], fills: dict[int, int],
                check: Callable[[], None]) -> None:
    """The frame's rows at the sheet's 0-based row ``first`` (below what is written already)."""
    if not len(frame):
        return
    number = [fmts.number.get(kind) for kind in kinds]
    if FAST_ROWS and _can_write_xml(ws):
        letters = [_letter(i + 1) for i in range(frame.shape[1])]
        number_xf = [None if f is None else f._get_xf_index() for f in number]
        fill_xf = {lv: f._get_xf_index() for lv, f in fmts.level_fill.items()}
        ws._write_single_row(first)  # what is buffered (the header) goes out first
        for a in range(0, len(frame), BLOCK_ROWS):
            check()
            ws.fh.write(_rows_xml(frame.iloc[a:a + BLOCK_ROWS], first + a, letters, number_xf, fills, fill_xf))
        last = first + len(frame) - 1
        ws._check_dimensions(last, frame.shape[1] - 1)
        ws.previous_row = last
        return
    columns = [_values(frame.iloc[:, j]) for j in range(frame.shape[1])]
    for n, row in enumerate(zip(*columns)):
        if n % BLOCK_ROWS == 0:
            check()
        r = first + n
        for j, v in enumerate(row):
            fmt = number[j] if v is not None and not isinstance(v, str) else None
            if j in fills and row[fills[j]] in fmts.level_fill:
                fmt = fmts.level_fill[row[fills[j]]]
            _put(ws, r, j, v, fmt)


# --- table sheets: row 1 the header, frozen, with an auto filter ----------------------------------

def _table_sheet(wb, fmts: _Formats, title: str, frame: pd.DataFrame, data: ReportData, tr, notes: list[str],
                 fill_by_level: dict[str, str] | None = None, check: Callable[[], None] = lambda: None):
    ws = wb.add_worksheet(title)
    notes = list(notes)
    if len(frame) > MAX_ROWS:  # Excel's limit: say so rather than fail
        notes = [tr(N_("Only the first {n} of {total} rows are shown (Excel's limit of rows per sheet).")).format(
            n=MAX_ROWS, total=len(frame))] + notes
        frame = frame.iloc[:MAX_ROWS]
    keys = list(frame.columns)
    kinds = [COLUMNS[k].kind if k in COLUMNS else rp.TEXT for k in keys]
    heads = [_header(k, tr, data) for k in keys]
    for i, (k, kind, h) in enumerate(zip(keys, kinds, heads)):
        ws.set_column(i, i, _column_width(_width(frame[k], kind), h))
    head = 0
    cut = data.truncated.get(title)
    if cut is not None:  # a list cut short says so above its header, and both stay in view
        _put(ws, 0, 0, cut.note(name_of(data.db)), fmts.alert)
        head = 1
    ws.freeze_panes(head + 1, 0)
    ws.autofilter(head, 0, head + len(frame), max(len(keys), 1) - 1)
    for i, (k, h) in enumerate(zip(keys, heads)):
        _put(ws, head, i, h, fmts.header_for(k))
    fills = {keys.index(a): keys.index(b) for a, b in (fill_by_level or {}).items() if a in keys and b in keys}
    _write_rows(ws, head + 1, frame, fmts, kinds, fills, check)
    row = head + len(frame) + 2  # a blank row, then the notes
    for n in notes:
        _put(ws, row, 0, n, fmts.note)
        row += 1
    return ws


# --- block sheets: small tables one under another ------------------------------------------------

class _Blocks:
    """Rows of a sheet made of small blocks, kept until the column widths are known."""

    def __init__(self, ws, fmts: _Formats, data: ReportData, tr):
        self.ws, self.data, self.tr = ws, data, tr
        self.st = fmts
        self.rows: list[list] = []  # (value, format, counts for width)
        self.filter: tuple[int, int, int, int] | None = None

    @property
    def next_row(self) -> int:
        """The 0-based row the next line goes to."""
        return len(self.rows)

    def line(self, text: str, fmt=None) -> None:
        self.rows.append([(text, fmt, False)])

    def blank(self) -> None:
        self.rows.append([])

    def table(self, frame: pd.DataFrame, fill_by_level: dict[str, str] | None = None, filter: bool = False,
              bold_last: bool = False) -> tuple[int, int]:
        """A header row and the frame's rows; returns (header row, last row), 0-based."""
        st, keys = self.st, list(frame.columns)
        head = self.next_row
        self.rows.append([(_header(k, self.tr, self.data), st.header_for(k), True) for k in keys])
        kinds = [COLUMNS[k].kind if k in COLUMNS else rp.TEXT for k in keys]
        columns = [_values(frame[k]) for k in keys]
        fills = {keys.index(a): keys.index(b) for a, b in (fill_by_level or {}).items() if a in keys and b in keys}
        for n, row in enumerate(zip(*columns)):
            cells = []
            for i, (v, kind) in enumerate(zip(row, kinds)):
                fmt = st.number.get(kind) if v is not None and not isinstance(v, str) else None
                if i in fills and row[fills[i]] in st.level_fill:
                    fmt = st.level_fill[row[fills[i]]]
                elif bold_last and n == len(frame) - 1:
                    fmt = st.bold
                cells.append((v, fmt, True))
            self.rows.append(cells)
        last = self.next_row - 1
        if filter:
            self.filter = (head, 0, last, max(len(keys), 1) - 1)
        return head, last

    def write(self) -> None:
        ncols = max((len(r) for r in self.rows), default=0)
        widths = [6] * ncols
        for r in self.rows:
            for i, (v, _s, counts) in enumerate(r):
                if counts and v is not None:
                    w = display_width(v) if isinstance(v, str) else len(f"{v:.3f}" if isinstance(v, float) else str(v))
                    widths[i] = max(widths[i], min(w, MAX_WIDTH - 2))
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, float(w + 2))
        self.ws.freeze_panes(1, 0)
        if self.filter:
            self.ws.autofilter(*self.filter)
        for row_number, line in enumerate(self.rows):
            for col_number, (v, fmt, _c) in enumerate(line):
                _put(self.ws, row_number, col_number, v, fmt)


def _summary_sheet(wb, fmts: _Formats, data: ReportData, tr, title: str | None = None) -> None:
    ws = wb.add_worksheet(rp.SUMMARY_SHEET)
    b = _Blocks(ws, fmts, data, tr)
    b.line(title or tr(N_("City safety risk report")), b.st.title)
    b.line(f"{tr(N_('Risk database'))}: {name_of(data.db)}    {tr(N_('Report time'))}: {data.created}    "
           f"{tr(N_('Plugin version'))}: {data.plugin_version}")
    b.blank()
    b.line(tr(N_("Totals")), b.st.subtitle)
    b.table(data.totals)
    b.blank()
    b.line(tr(N_("Units and hazard sources by level")), b.st.subtitle)
    b.table(data.by_level, fill_by_level={"level_name": "level"})
    b.blank()
    b.line(tr(N_("Units by sector and level")), b.st.subtitle)
    head, last = b.table(data.by_sector, bold_last=True)
    b.blank()
    b.line(tr(N_("Units by district and level")), b.st.subtitle)
    b.table(data.by_district, filter=True)
    notes = list(dict.fromkeys(n for sheet in rp.SHEETS for n in data.notes.get(sheet, [])))
    if notes:
        b.blank()
        b.line(tr(N_("Notes")), b.st.subtitle)
        for n in notes:
            b.line(n, b.st.note)

    # Stacked bar chart of units by sector (categories) and level (series, in the level colours);
    # the total row (the last) is not a category.
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    cols = list(data.by_sector.columns)
    first, last_level = cols.index("level_1"), cols.index("level_4")
    sheet = rp.SUMMARY_SHEET
    for col, lv in zip(range(first, last_level + 1), data.levels):
        colour = "#" + lv.colour.lstrip("#").upper()
        chart.add_series({"name": [sheet, head, col], "categories": [sheet, head + 1, 0, last - 1, 0],
                          "values": [sheet, head + 1, col, last - 1, col], "fill": {"color": colour},
                          "border": {"color": colour}, "gap": 150})
    chart.set_title({"name": tr(N_("Units by sector and level"))})
    chart.set_y_axis({"name": tr(N_("Units"))})
    chart.set_size({"width": 680, "height": 340})  # 18 × 9 cm
    # Right of the widest table below it too (districts), so it hides none of their columns.
    right = max(len(cols), len(data.by_district.columns), 2)
    ws.insert_chart(head, right + 1, chart)
    b.write()


def _accountability_sheet(wb, fmts: _Formats, data: ReportData, tr) -> None:
    """Who answers for the risk: per district (a total row last), then per street."""
    ws = wb.add_worksheet(rp.ACCOUNTABILITY_SHEET)
    b = _Blocks(ws, fmts, data, tr)
    b.line(tr(N_("Who answers for the risk")), b.st.title)
    for n in data.notes.get(rp.ACCOUNTABILITY_SHEET, []):
        b.line(n, b.st.note)
    b.blank()
    b.line(tr(N_("Risk points and who answers for them, by district")), b.st.subtitle)
    b.table(data.accountability_districts, bold_last=True)
    b.blank()
    b.line(tr(N_("By street")), b.st.subtitle)
    b.table(data.accountability_streets, filter=True)
    b.write()


def _hidden_sheet(wb, fmts: _Formats, data: ReportData, tr) -> None:
    """Who is behind with the hidden dangers per district (a total row last), then the 督办 list."""
    ws = wb.add_worksheet(rp.HIDDEN_SHEET)
    b = _Blocks(ws, fmts, data, tr)
    b.line(tr(N_("Hidden dangers and their supervision (督办)")), b.st.title)
    for n in data.notes.get(rp.HIDDEN_SHEET, []):
        b.line(n, b.st.note)
    b.blank()
    b.line(tr(N_("Hidden dangers by district")), b.st.subtitle)
    b.table(data.hidden_districts, bold_last=True)
    b.blank()
    b.line(tr(N_("Major hidden dangers open past their deadline (督办)")), b.st.subtitle)
    b.table(data.supervision, filter=True)
    b.write()


def _method_sheet(wb, fmts: _Formats, data: ReportData, tr) -> None:
    ws = wb.add_worksheet(rp.METHOD_SHEET)
    b = _Blocks(ws, fmts, data, tr)
    b.line(tr(N_("Method and provenance")), b.st.title)
    b.blank()
    b.line(tr(N_("This report")), b.st.subtitle)
    b.table(data.report_info.rename(columns={"value": "rule_value"}))
    b.blank()
    b.line(tr(N_("Rules recorded for each analysis step")), b.st.subtitle)
    if len(data.analysis_runs):
        b.table(data.analysis_runs)
        b.blank()
    for n in data.notes.get(rp.METHOD_SHEET, []):
        b.line(n, b.st.note)
    b.blank()
    b.line(tr(N_("Scoring methods and levels (from the rules)")), b.st.subtitle)
    b.table(data.methods, fill_by_level={"level_name": "level"})
    b.blank()
    b.line(tr(N_("Input files")), b.st.subtitle)
    if len(data.inputs):
        b.table(data.inputs)
    else:
        b.line(tr(N_("The database holds no import record (import_runs, import_issues).")), b.st.note)
    b.blank()
    b.line(tr(N_("Provenance of the rules' values, as the rules file's comments state it")), b.st.subtitle)
    b.line(tr(N_("verified: read in a published text; literature default: widely cited, not read in the primary "
                 "source; project default: set by the project, to be confirmed by the bureau.")), b.st.note)
    b.table(data.provenance, filter=True)
    b.write()


def _quality_sheet(wb, fmts: _Formats, data: ReportData, tr) -> None:
    ws = wb.add_worksheet(rp.QUALITY_SHEET)
    st = fmts
    frame, bal = data.issue_counts, data.import_balance
    keys, bkeys = list(frame.columns), list(bal.columns)
    heads = [_header(k, tr, data) for k in keys]
    bheads = [_header(k, tr, data) for k in bkeys]
    n = max(len(keys), len(bkeys))
    for i in range(n):
        w = 6.0
        if i < len(keys):
            w = max(w, _column_width(_width(frame[keys[i]], COLUMNS[keys[i]].kind), heads[i]))
        if i < len(bkeys):
            w = max(w, _column_width(_width(bal[bkeys[i]], COLUMNS[bkeys[i]].kind), bheads[i]))
        ws.set_column(i, i, min(w, MAX_WIDTH))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(frame), max(len(keys), 1) - 1)
    row = 0

    def rows(fr, ks, hs, bold_last=False):
        nonlocal row
        for c, h in enumerate(hs):
            _put(ws, row, c, h, st.header)
        row += 1
        cols = [_values(fr[k]) for k in ks]
        number = [st.number.get(COLUMNS[k].kind) for k in ks]
        for r, values in enumerate(zip(*cols)):
            last = bold_last and r == len(fr) - 1
            for c, (v, f) in enumerate(zip(values, number)):
                _put(ws, row, c, v, (st.bold if last else None) if isinstance(v, str) else f)
            row += 1

    rows(frame, keys, heads)
    for note in data.notes.get(rp.QUALITY_SHEET, []):
        _put(ws, row, 0, note, st.note)
        row += 1
    row += 1
    _put(ws, row, 0, tr(N_("Row balance of each imported file")), st.subtitle)
    row += 1
    if len(bal):
        rows(bal, bkeys, bheads, bold_last=True)
    else:
        _put(ws, row, 0, tr(N_("The database holds no import record (import_runs, import_issues).")), st.note)


# --- the workbook ---------------------------------------------------------------------------------

def _fill_workbook(wb, data: ReportData, tr, title: str | None, check: Callable[[], None]) -> None:
    fmts = _Formats(wb, data.levels)
    _summary_sheet(wb, fmts, data, tr, title)
    level_fill = {"unit_level_zh": "unit_level", "hazard_level_zh": "hazard_level"}
    for k, sheet in rp.LEVEL_SHEETS.items():
        check()
        _table_sheet(wb, fmts, sheet, data.level_units[k], data, tr, data.notes.get(sheet, []), level_fill, check)
    check()
    _accountability_sheet(wb, fmts, data, tr)
    _table_sheet(wb, fmts, rp.FINDINGS_SHEET, data.findings, data, tr, data.notes.get(rp.FINDINGS_SHEET, []),
                 {"hazard_level_zh": "hazard_level"}, check)
    check()
    _hidden_sheet(wb, fmts, data, tr)
    _table_sheet(wb, fmts, rp.RECEPTORS_SHEET, data.receptors, data, tr, data.notes.get(rp.RECEPTORS_SHEET, []),
                 {"hazard_level_zh": "hazard_level"}, check)
    _table_sheet(wb, fmts, rp.CHAINS_SHEET, data.chains, data, tr, data.notes.get(rp.CHAINS_SHEET, []))
    check()
    _quality_sheet(wb, fmts, data, tr)
    _method_sheet(wb, fmts, data, tr)
    check()


def _discard(wb) -> None:
    """Close and remove the row files of an unfinished workbook's sheets (constant-memory
    mode keeps each sheet's rows in a temporary file until the workbook is closed)."""
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None)
        name = getattr(ws, "row_data_filename", None)
        with contextlib.suppress(Exception):
            if fh is not None:
                fh.close()
        with contextlib.suppress(Exception):
            if name:
                os.unlink(name)


def write_report_xlsx(data: ReportData, path: str | Path, tr: Callable[[str], str] = identity,
                      title: str | None = None, check: Callable[[], None] | None = None) -> Path:
    """Write the Excel report to ``path`` (built beside it under a temporary name and moved
    into place when complete: a failure leaves an earlier file at ``path`` untouched).
    ``check`` is called between sheets and blocks of rows and may raise to stop (a cancel)."""
    import xlsxwriter  # type: ignore[import-untyped]

    check = check or (lambda: None)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)  # what a killed run left
    tmp = temp_path(target, ".xlsx")
    try:
        with explained_write_errors(target):
            wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                                "strings_to_urls": False, "strings_to_numbers": False})
            try:
                _fill_workbook(wb, data, tr, title, check)
            except BaseException:
                _discard(wb)
                raise
            wb.close()
            publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target

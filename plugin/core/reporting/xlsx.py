"""The Excel report (Excel 报告): the tables of :func:`reporting.data.assemble_report` as one workbook.

Sheets (names fixed in Chinese): 概览 (totals, units by level, sector × level with a stacked
bar chart, districts), 重大风险单位 and 较大风险单位 (one row per hazard source of every
level-1 / level-2 unit), 敏感目标 (receptors near level-1/2 hazard sources), 多米诺链 (the most
probable cascade chains), 数据质量 (issues by file and code, import balance) and 方法说明
(rules, methods, provenance of the rules' values, input files with SHA-256). See
docs/report.md.

Written with openpyxl's streaming (write-only) workbook, to a temporary file in the target's
folder that replaces the target only when complete. Every text cell is stored as a string,
never a formula (survey text may begin with ``=``, ``+``, ``-`` or ``@``); numbers stay
numbers. Pure Python: no QGIS import here.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from copy import copy
from pathlib import Path

import numpy as np
import pandas as pd

from ..files import publish
from . import data as rp
from .data import COLUMNS, LEVEL_COLUMNS, N_, ReportData, identity

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
MAX_TEXT = 32767  # Excel's limit of characters in a cell, counted in UTF-16 units (an emoji is 2)


def _cut(text: str) -> str:
    """``text`` within Excel's cell limit, counted as Excel counts (UTF-16 code units)."""
    if len(text) <= MAX_TEXT // 2:
        return text
    return text.encode("utf-16-le")[: 2 * MAX_TEXT].decode("utf-16-le", errors="ignore")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an .xlsx cell cannot hold
_WIDE = (r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3"
         r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
_WIDE_RE = re.compile(_WIDE)


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK and full-width characters count double."""
    return len(text) + len(_WIDE_RE.findall(text))


class _Styles:
    """Template style arrays, copied onto cells (much faster than setting fonts per cell)."""

    def __init__(self, ws, levels: list[rp.LevelInfo]):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        def make(**kw):
            c = WriteOnlyCell(ws)
            for k, v in kw.items():
                setattr(c, k, v)
            return c._style

        self.header = make(font=Font(bold=True), fill=PatternFill("solid", fgColor=HEADER_FILL),
                           alignment=Alignment(wrap_text=True, vertical="top"))
        self.title = make(font=Font(bold=True, size=14))
        self.subtitle = make(font=Font(bold=True, size=12))
        self.note = make(font=Font(italic=True, color="595959"))
        self.bold = make(font=Font(bold=True))
        self.number = {k: make(number_format=f) for k, f in NUMBER_FORMATS.items()}
        self.level_fill, self.level_header = {}, {}
        for lv in levels:
            rgb = lv.colour.lstrip("#").upper()
            font = Font(bold=True, color="FFFFFF" if _dark(rgb) else "000000")
            fill = PatternFill("solid", fgColor=rgb)
            self.level_fill[lv.level] = make(fill=fill, font=font)
            self.level_header[lv.level] = make(fill=fill, font=font,
                                               alignment=Alignment(wrap_text=True, vertical="top"))

    def header_for(self, key: str):
        """The header style of column ``key``: its level's colours for level_1…level_4."""
        level = LEVEL_COLUMNS.get(key)
        style = None if level is None else self.level_header.get(level)
        return style or self.header


def _dark(rgb: str) -> bool:
    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b < 150


def _cell(ws, value, style=None):
    """A cell for the streaming sheet; text is always a string, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = _cut(_ILLEGAL.sub("", value))
    c = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        c.data_type = "s"  # openpyxl takes a str beginning with '=' for a formula: not here
    if style is not None:
        c._style = copy(style)
    return c


def _stream_cells_as_given(ws) -> None:
    """Speed-up for openpyxl 3.1's streaming sheet: rows made only of our own cells (or None)
    go to the writer as they are, instead of through a failed value conversion per cell. The
    result is the same; other openpyxl versions take the ordinary path."""
    import openpyxl

    if not openpyxl.__version__.startswith("3.1.") or not hasattr(ws, "_values_to_row"):
        return

    def cells(values, row_idx):
        for col_idx, cell in enumerate(values, 1):
            if cell is None:
                continue
            cell.column, cell.row = col_idx, row_idx
            yield cell

    ws._values_to_row = cells


def _values(s: pd.Series) -> list:
    """A column as Python values for openpyxl: numbers (None for missing or infinite) or text."""
    if pd.api.types.is_bool_dtype(s):
        return [None if pd.isna(v) else str(v).lower() for v in s.astype(object)]
    if pd.api.types.is_numeric_dtype(s):
        f = pd.to_numeric(s, errors="coerce").astype(float).to_numpy()
        ok = np.isfinite(f)
        if pd.api.types.is_integer_dtype(s) or (ok.any() and np.all(f[ok] == np.round(f[ok])) and
                                                 np.all(np.abs(f[ok]) < 2 ** 53) and s.dtype.kind != "f"):
            vals = np.where(ok, np.nan_to_num(f), 0).astype(np.int64).astype(object)
        else:
            vals = f.astype(object)
        vals[~ok] = None
        return vals.tolist()
    if s.dtype == object and s.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).any():
        # a mixed column (a rules value may be a number or a text): numbers stay numbers
        return [None if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)) else
                (v if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else str(v)) for v in s]
    t = s.astype("string")
    t = t.str.replace(_ILLEGAL.pattern, "", regex=True)
    long = (t.str.len() > MAX_TEXT // 2).fillna(False)
    if long.any():
        t = t.where(~long, t[long].map(_cut))
    t = t.mask(t == "")
    return t.astype(object).where(t.notna(), None).tolist()


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
    t = s.astype("string").dropna()
    if not len(t):
        return 0
    w = t.str.len() + t.str.count(_WIDE)
    return int(w.max())


def _column_width(values_w: int, header: str) -> float:
    # long headings wrap (the header row wraps text) rather than widen a narrow column beyond 16
    head = min(display_width(header), max(16, values_w))
    return float(min(max(values_w, head, 6) + 2, MAX_WIDTH))


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _header(key: str, tr: Callable[[str], str], data: ReportData) -> str:
    if key in LEVEL_COLUMNS:  # the rules' level names
        lv = next((x for x in data.levels if x.level == LEVEL_COLUMNS[key]), None)
        if lv is not None:
            return f"{lv.level} {lv.zh}"
    col = COLUMNS.get(key)
    return tr(col.label) if col else key


# --- table sheets: row 1 the header, frozen, with an auto filter ----------------------------------

def _table_sheet(wb, title: str, frame: pd.DataFrame, data: ReportData, tr, notes: list[str],
                 fill_by_level: dict[str, str] | None = None):
    ws = wb.create_sheet(title)
    _stream_cells_as_given(ws)
    st = _Styles(ws, data.levels)
    if len(frame) > MAX_ROWS:  # Excel's limit: say so rather than fail
        notes = [tr(N_("Only the first {n} of {total} rows are shown (Excel's limit of rows per sheet).")).format(
            n=MAX_ROWS, total=len(frame))] + list(notes)
        frame = frame.iloc[:MAX_ROWS]
    keys = list(frame.columns)
    kinds = [COLUMNS[k].kind if k in COLUMNS else rp.TEXT for k in keys]
    heads = [_header(k, tr, data) for k in keys]
    for i, (k, kind, h) in enumerate(zip(keys, kinds, heads), 1):
        ws.column_dimensions[_letter(i)].width = _column_width(_width(frame[k], kind), h)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{_letter(len(keys))}{len(frame) + 1}"
    ws.append([_cell(ws, h, st.header_for(k)) for k, h in zip(keys, heads)])
    columns = [_values(frame[k]) for k in keys]
    styles = [st.number.get(kind) for kind in kinds]
    fills = {}
    for name_key, level_key in (fill_by_level or {}).items():
        if name_key in keys and level_key in keys:
            fills[keys.index(name_key)] = keys.index(level_key)
    for row in zip(*columns):
        cells = [None if v is None else _cell(ws, v, style if not isinstance(v, str) else None)
                 for v, style in zip(row, styles)]
        for i, j in fills.items():
            cell, lv = cells[i], row[j]
            if cell is not None and lv in st.level_fill:
                cell._style = copy(st.level_fill[lv])
        ws.append(cells)
    if notes:
        ws.append([])
        for n in notes:
            ws.append([_cell(ws, n, st.note)])
    return ws


# --- block sheets: small tables one under another ------------------------------------------------

class _Blocks:
    """Rows of a sheet made of small blocks, kept until the column widths are known."""

    def __init__(self, ws, data: ReportData, tr):
        self.ws, self.data, self.tr = ws, data, tr
        self.st = _Styles(ws, data.levels)
        self.rows: list[list] = []  # (value, style, counts for width)
        self.filter_ref: str | None = None

    @property
    def next_row(self) -> int:
        return len(self.rows) + 1

    def line(self, text: str, style=None) -> None:
        self.rows.append([(text, style, False)])

    def blank(self) -> None:
        self.rows.append([])

    def table(self, frame: pd.DataFrame, fill_by_level: dict[str, str] | None = None, filter: bool = False,
              bold_last: bool = False) -> tuple[int, int]:
        """A header row and the frame's rows; returns (header row, last row)."""
        st, keys = self.st, list(frame.columns)
        head = self.next_row
        self.rows.append([(_header(k, self.tr, self.data), st.header_for(k), True) for k in keys])
        kinds = [COLUMNS[k].kind if k in COLUMNS else rp.TEXT for k in keys]
        columns = [_values(frame[k]) for k in keys]
        fills = {keys.index(a): keys.index(b) for a, b in (fill_by_level or {}).items() if a in keys and b in keys}
        for n, row in enumerate(zip(*columns)):
            cells = []
            for i, (v, kind) in enumerate(zip(row, kinds)):
                style = st.number.get(kind) if v is not None and not isinstance(v, str) else None
                if i in fills and row[fills[i]] in st.level_fill:
                    style = st.level_fill[row[fills[i]]]
                elif bold_last and n == len(frame) - 1:
                    style = st.bold
                cells.append((v, style, True))
            self.rows.append(cells)
        last = self.next_row - 1
        if filter:
            self.filter_ref = f"A{head}:{_letter(max(len(keys), 1))}{last}"
        return head, last

    def write(self) -> None:
        ncols = max((len(r) for r in self.rows), default=0)
        widths = [6] * ncols
        for r in self.rows:
            for i, (v, _s, counts) in enumerate(r):
                if counts and v is not None:
                    w = display_width(v) if isinstance(v, str) else len(f"{v:.3f}" if isinstance(v, float) else str(v))
                    widths[i] = max(widths[i], min(w, MAX_WIDTH - 2))
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[_letter(i)].width = float(w + 2)
        self.ws.freeze_panes = "A2"
        if self.filter_ref:
            self.ws.auto_filter.ref = self.filter_ref
        for r in self.rows:
            self.ws.append([None if v is None else _cell(self.ws, v, s) for v, s, _c in r])


def _summary_sheet(wb, data: ReportData, tr, title: str | None = None) -> None:
    from openpyxl.chart import BarChart, Reference

    ws = wb.create_sheet(rp.SUMMARY_SHEET)
    b = _Blocks(ws, data, tr)
    b.line(title or tr(N_("City safety risk report")), b.st.title)
    b.line(f"{tr(N_('Risk database'))}: {data.db.name}    {tr(N_('Report time'))}: {data.created}    "
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
    chart_row = head
    b.blank()
    b.line(tr(N_("Units by district and level")), b.st.subtitle)
    b.table(data.by_district, filter=True)
    notes = list(dict.fromkeys(n for sheet in rp.SHEETS for n in data.notes.get(sheet, [])))
    if notes:
        b.blank()
        b.line(tr(N_("Notes")), b.st.subtitle)
        for n in notes:
            b.line(n, b.st.note)
    b.write()

    # Stacked bar chart of units by sector (categories) and level (series, in the level colours).
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = tr(N_("Units by sector and level"))
    chart.y_axis.title = tr(N_("Units"))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    cols = list(data.by_sector.columns)
    first, last_level = cols.index("level_1") + 1, cols.index("level_4") + 1
    chart.add_data(Reference(ws, min_col=first, max_col=last_level, min_row=head, max_row=last - 1),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last - 1))
    for series, lv in zip(chart.series, data.levels):
        series.graphicalProperties.solidFill = lv.colour.lstrip("#").upper()
        series.graphicalProperties.line.solidFill = lv.colour.lstrip("#").upper()
    chart.width, chart.height = 18, 9
    # Right of the widest table below it too (districts), so it hides none of their columns.
    right = max(len(cols), len(data.by_district.columns), 2)
    ws.add_chart(chart, f"{_letter(right + 2)}{chart_row}")


def _method_sheet(wb, data: ReportData, tr) -> None:
    ws = wb.create_sheet(rp.METHOD_SHEET)
    b = _Blocks(ws, data, tr)
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


def _quality_sheet(wb, data: ReportData, tr) -> None:
    ws = wb.create_sheet(rp.QUALITY_SHEET)
    _stream_cells_as_given(ws)
    st = _Styles(ws, data.levels)
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
        ws.column_dimensions[_letter(i + 1)].width = min(w, MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{_letter(len(keys))}{len(frame) + 1}"

    def rows(fr, ks, hs, bold_last=False):
        ws.append([_cell(ws, h, st.header) for h in hs])
        cols = [_values(fr[k]) for k in ks]
        fmts = [st.number.get(COLUMNS[k].kind) for k in ks]
        for r, row in enumerate(zip(*cols)):
            last = bold_last and r == len(fr) - 1
            ws.append([None if v is None else _cell(ws, v, st.bold if last and isinstance(v, str) else
                                                    (None if isinstance(v, str) else f)) for v, f in zip(row, fmts)])

    rows(frame, keys, heads)
    for note in data.notes.get(rp.QUALITY_SHEET, []):
        ws.append([_cell(ws, note, st.note)])
    ws.append([])
    ws.append([_cell(ws, tr(N_("Row balance of each imported file")), st.subtitle)])
    if len(bal):
        rows(bal, bkeys, bheads, bold_last=True)
    else:
        ws.append([_cell(ws, tr(N_("The database holds no import record (import_runs, import_issues).")), st.note)])


# --- the workbook ---------------------------------------------------------------------------------

def build_workbook(data: ReportData, tr: Callable[[str], str] = identity, title: str | None = None,
                   check: Callable[[], None] | None = None):
    """The report as an (unsaved, streaming) openpyxl workbook. ``check`` is called between
    sheets and may raise to stop (a cancel)."""
    from openpyxl import Workbook

    check = check or (lambda: None)
    wb = Workbook(write_only=True)
    try:
        _fill_workbook(wb, data, tr, title, check)
    except BaseException:
        for ws in wb.worksheets:  # close the sheets' streams now, not in the garbage collector
            with contextlib.suppress(Exception):
                ws.close()
        raise
    return wb


def _fill_workbook(wb, data: ReportData, tr, title: str | None, check: Callable[[], None]) -> None:
    _summary_sheet(wb, data, tr, title)
    level_fill = {"unit_level_zh": "unit_level", "hazard_level_zh": "hazard_level"}
    for k, sheet in rp.LEVEL_SHEETS.items():
        check()
        _table_sheet(wb, sheet, data.level_units[k], data, tr, data.notes.get(sheet, []), level_fill)
    check()
    _table_sheet(wb, rp.RECEPTORS_SHEET, data.receptors, data, tr, data.notes.get(rp.RECEPTORS_SHEET, []),
                 {"hazard_level_zh": "hazard_level"})
    _table_sheet(wb, rp.CHAINS_SHEET, data.chains, data, tr, data.notes.get(rp.CHAINS_SHEET, []))
    check()
    _quality_sheet(wb, data, tr)
    _method_sheet(wb, data, tr)
    check()


def write_report_xlsx(data: ReportData, path: str | Path, tr: Callable[[str], str] = identity,
                      title: str | None = None, check: Callable[[], None] | None = None) -> Path:
    """Write the Excel report to ``path`` (built beside it under a temporary name and moved
    into place when complete: a failure leaves an earlier file at ``path`` untouched)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".part.xlsx", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        build_workbook(data, tr, title, check).save(tmp)
        publish(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target

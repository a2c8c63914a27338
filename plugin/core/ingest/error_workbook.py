"""The surveyor's error workbook (问题清单): the rows to fix, as they were, with reasons.

One workbook per input file that has issues. Each sheet of the input with rejected or
warned rows becomes a sheet here: the original header, the original row number, the rows
as found, a 问题说明 (problems) column in Chinese and English, and the offending cells
filled red (error) or yellow (warning). File- and sheet-level problems are listed on a
first sheet 文件问题. Survey text is always written as text, never as a formula, and any
text a cell can hold is written: control characters that a workbook cannot store are shown
as ``[U+0001]``, text longer than a cell holds is cut with a note, and columns past Excel's
last one are folded into one "other columns" cell (docs/import.md, "Hostile files").
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import pandas as pd

from ..cells import ILLEGAL, MAX_COLUMNS
from ..cells import cell_text as excel_text
from ..files import sweep, temp_path
from .reader import FileRead, SheetTable, column_letter

ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"
HEADER_FILL = "D9E1F2"
SUFFIX = "_问题清单.xlsx"
MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]\*\?/\\:]")


def _safe(value):
    """Cell values as openpyxl should store them: text stays text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (int, float, bool, _dt.date, _dt.datetime)):
        return value
    return excel_text(str(value))


def _put(ws, row: int, col: int, value):
    cell = ws.cell(row=row, column=col)
    v = _safe(value)
    cell.value = v
    if isinstance(v, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _sheet_title(name: str, taken: set[str]) -> str:
    base = ILLEGAL.sub("_", _BAD_SHEET_CHARS.sub("_", name))[:MAX_SHEET_NAME].strip("'") or "sheet"
    title, i = base, 2
    while title in taken:
        suffix = f"_{i}"
        title = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        i += 1
    taken.add(title)
    return title


def error_workbook_name(file_name: str) -> str:
    stem = Path(file_name).stem
    return f"{stem}{SUFFIX}"


def write_error_workbooks(out_dir: str | Path, files: list[FileRead], tables: list[SheetTable],
                          issues: pd.DataFrame) -> list[Path]:
    """Write one error workbook per input file that has issues; returns their paths."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if issues is None or issues.empty:
        return written
    red, yellow = PatternFill("solid", fgColor=ERROR_FILL), PatternFill("solid", fgColor=WARNING_FILL)
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    by_file = {f: g for f, g in issues.groupby("file", sort=False)}
    for fr in files:
        fi = by_file.get(fr.name)
        if fi is None:
            continue
        wb = Workbook()
        ws0 = wb.active
        ws0.title = "文件问题"
        taken = {"文件问题"}
        heads = ["工作表 Sheet", "行 Row", "列 Column", "严重程度 Severity", "代码 Code", "问题说明", "Problem"]
        for c, h in enumerate(heads, 1):
            cell = _put(ws0, 1, c, h)
            cell.font, cell.fill = bold, head_fill
        general = fi[fi["row"].isna()
                     | ~fi["sheet"].isin([t.sheet for t in tables if t.file == fr.name and not t.refused])]
        r = 2
        for rec in general.itertuples(index=False):
            for c, v in enumerate([rec.sheet, None if pd.isna(rec.row) else int(rec.row), rec.column,
                                   rec.severity, rec.code, rec.message_zh, rec.message_en], 1):
                _put(ws0, r, c, v).alignment = wrap
            r += 1
        if r == 2:
            _put(ws0, 2, 1, "无文件级问题；请看各工作表。 No file-level problems; see the sheets.")
        for letter, w in zip("ABCDEFG", (14, 8, 8, 12, 24, 50, 50)):
            ws0.column_dimensions[letter].width = w
        ws0.freeze_panes = "A2"
        for t in tables:
            if t.file != fr.name or t.refused:
                continue
            ti = fi[(fi["sheet"] == t.sheet) & fi["row"].notna()]
            if ti.empty:
                continue
            ws = wb.create_sheet(_sheet_title(t.sheet, taken))
            headers = {c.index: c.header for c in t.columns}
            # the row number, the sheet's columns, the problems: past Excel's last column the
            # rest of the row goes into one cell before the problems
            shown = min(t.cells.shape[1], MAX_COLUMNS - 3)
            folded = t.cells.shape[1] - shown
            ncols = shown + (1 if folded else 0)
            _put(ws, 1, 1, "原行号 Row").font = bold
            ws.cell(row=1, column=1).fill = head_fill
            for j in range(shown):
                cell = _put(ws, 1, j + 2, headers.get(j, column_letter(j)))
                cell.font, cell.fill = bold, head_fill
            if folded:
                cell = _put(ws, 1, shown + 2, f"其他 {folded:,} 列 Other {folded:,} columns")
                cell.font, cell.fill = bold, head_fill
            cell = _put(ws, 1, ncols + 2, "问题说明 Problems")
            cell.font, cell.fill = bold, head_fill
            pos = pd.Series(range(len(t.rows)), index=t.rows)
            letter_to_index = {column_letter(j): j for j in range(t.cells.shape[1])}
            out_row = 2
            for row_no, group in ti.groupby("row", sort=True):
                p = pos.get(int(row_no))
                if p is None:
                    continue
                _put(ws, out_row, 1, int(row_no))
                raw = t.cells.iloc[int(p)].tolist()
                for j, v in enumerate(raw[:shown]):
                    _put(ws, out_row, j + 2, v)
                if folded:
                    rest = [f"{headers.get(j, column_letter(j))}={v}" for j, v in enumerate(raw) if j >= shown
                            and v is not None and str(v) != "" and not (isinstance(v, float) and pd.isna(v))]
                    _put(ws, out_row, shown + 2, "; ".join(rest))
                notes = []
                for g in group.itertuples(index=False):
                    notes.append(f"[{g.code}] {g.message_zh} / {g.message_en}")
                    col = letter_to_index.get(g.column)  # None: the problem names no column of the sheet
                    if col is not None and col >= shown:
                        col = shown  # a folded column: its cell is the fold's
                    if col is not None:
                        cell = ws.cell(row=out_row, column=col + 2)
                        fill = red if g.severity == "error" else yellow
                        if cell.fill is None or cell.fill.fgColor.rgb != red.fgColor.rgb:
                            cell.fill = fill
                        cell.comment = Comment(excel_text(f"{g.message_zh}\n{g.message_en}"), "City Safety Risk Map")
                c = _put(ws, out_row, ncols + 2, "\n".join(notes))
                c.alignment = wrap
                if (group["severity"] == "error").any():
                    ws.cell(row=out_row, column=1).fill = red
                out_row += 1
            ws.freeze_panes = "B2"
            ws.column_dimensions[column_letter(ncols + 1)].width = 80
        path = out / error_workbook_name(fr.name.replace("/", "_"))
        sweep(path)  # what a killed run left
        tmp = temp_path(path, ".xlsx")
        wb.save(tmp)
        tmp.replace(path)
        written.append(path)
    return written

"""Reading survey files (读取调查表): workbooks and CSV into header-mapped tables.

A file becomes a list of :class:`SheetTable` — one per sheet that has a recognisable
header — plus file-level issues. The header row is found by matching cells against the
schema's names and aliases (docs/domain/survey.md §2) on whatever row it sits; a second header line
of English keys under it is skipped; blank and total (合计) rows are counted and skipped.
Workbooks are read with python-calamine; CSV in UTF-8, UTF-8 with BOM or GB18030.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import guard, schema
from .issues import make_issue
from .values import as_text, total_row_mask

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
CSV_SHEET = "csv"
HEADER_SCAN_ROWS = 50  # a header is looked for in the first rows of a sheet
MIN_HEADER_MATCHES = 2
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    s = ""
    i = index + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class MappedColumn:
    index: int  # 0-based position in the sheet
    letter: str
    header: str  # header text as found
    table: str  # "units", "hazards", a record table or "" for an unknown (extra) column
    key: str  # schema key, or the header text for an extra column
    unit: str = ""  # unit written in the header's brackets


@dataclass
class SheetTable:
    """One sheet's data rows, raw cells, with their header mapping."""

    file: str
    sheet: str
    layout: str  # "units", "hazards", "flat" or a record table (schema.RECORD_TABLES)
    header_row: int  # Excel row number of the header
    columns: list[MappedColumn]
    cells: pd.DataFrame  # data rows, raw cells, columns = sheet positions
    rows: np.ndarray  # Excel row number of each data row
    n_read: int = 0  # data rows below the header (blank and total rows included)
    n_blank: int = 0
    n_total: int = 0
    refused: bool = False  # a required column is missing: no row imported

    def mapped(self, table: str) -> dict[str, MappedColumn]:
        return {c.key: c for c in self.columns if c.table == table and not c.key.startswith("\0")}

    def extras(self) -> list[MappedColumn]:
        return [c for c in self.columns if c.table == ""]


@dataclass
class FileRead:
    path: Path
    name: str
    sha256: str = ""
    size: int = 0
    tables: list[SheetTable] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    refused: bool = False
    n_rows_unread: int = 0  # rows of sheets refused as a whole


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _file_issue(fr: FileRead, code: str, **kw) -> None:
    fr.issues.append(make_issue(code, file=fr.name, **kw))


def read_file(path: str | Path, display_name: str | None = None, limits: guard.Limits | None = None,
              family: str = "survey") -> FileRead:
    """Read one survey file; never raises for a bad file (it becomes an issue). ``limits``: what
    a file may hold at most (the rules' ``[import_limits]``), checked before it is parsed.
    ``family``: ``survey`` (units and hazard sources) or a record table of
    ``schema.RECORD_TABLES`` (hidden dangers), whose names the header is matched against."""
    limits = limits or guard.Limits()
    p = Path(path)
    fr = FileRead(path=p, name=display_name or p.name)
    if p.is_dir():
        _file_issue(fr, "E_FILE_TYPE", detail="是文件夹 a folder")
        fr.refused = True
        return fr
    if not p.is_file():
        _file_issue(fr, "E_FILE_NOT_FOUND", value=str(p))
        fr.refused = True
        return fr
    fr.size = p.stat().st_size
    fr.sha256 = sha256_of(p)
    if fr.size == 0:
        _file_issue(fr, "E_FILE_EMPTY")
        fr.refused = True
        return fr
    suffix = p.suffix.lower()
    try:
        guard.check_file(p, limits)
    except guard.Exceeded as exc:
        _file_issue(fr, "E_FILE_LIMIT", sheet=exc.sheet, detail=exc.zh, detail_en=exc.en)
        fr.refused = True
        return fr
    except guard.Damaged as exc:
        _file_issue(fr, "E_FILE_CORRUPT", detail=str(exc))
        fr.refused = True
        return fr
    try:
        if suffix in CSV_SUFFIXES:
            sheets = _read_csv(p, fr, limits)
        elif suffix in WORKBOOK_SUFFIXES:
            sheets = _read_workbook(p, fr)
        else:
            _file_issue(fr, "E_FILE_TYPE", detail=f"扩展名 extension '{p.suffix or '(none)'}'")
            sheets = None
    except _Refused:
        sheets = None
    if sheets is None:
        fr.refused = True
        return fr
    if not any(len(rows) for _, rows in sheets):
        _file_issue(fr, "E_FILE_EMPTY")
        fr.refused = True
        return fr
    for sheet_name, rows in sheets:
        if len(rows) > schema.EXCEL_MAX_ROWS:
            _file_issue(fr, "E_FILE_TOO_MANY_ROWS", sheet=sheet_name, detail=f"{len(rows):,}")
            fr.refused = True
            return fr
    for sheet_name, rows in sheets:
        table = _table_from_rows(fr, sheet_name, rows, family)
        if table is not None:
            fr.tables.append(table)
    if not any(not t.refused for t in fr.tables):
        # One clear reason for a refused file: the sheet-level notes are folded into it.
        if not any(i["code"] == "E_FILE_MISSING_COLUMN" for i in fr.issues):
            fr.issues = [i for i in fr.issues if i["code"] != "W_SHEET_IGNORED"]
            _file_issue(fr, "E_FILE_NO_HEADER")
        fr.refused = True
    return fr


class _Refused(Exception):
    pass


def _read_workbook(p: Path, fr: FileRead) -> list[tuple[str, list[list]]]:
    with open(p, "rb") as f:
        head = f.read(8)
    if head.startswith(OLE_MAGIC):
        data = p.read_bytes()
        if OLE_ENCRYPTION_STREAM in data:
            _file_issue(fr, "E_FILE_ENCRYPTED")
            raise _Refused
    elif not head.startswith(ZIP_MAGIC) and p.suffix.lower() in {".xlsx", ".xlsm", ".xlsb", ".ods"}:
        _file_issue(fr, "E_FILE_TYPE", detail="内容不是工作簿 content is not a workbook")
        raise _Refused
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
        out = []
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            _fill_merged(rows, getattr(sheet, "merged_cell_ranges", None) or [])
            out.append((name, rows))
        wb.close()
        return out
    except Exception as exc:  # calamine raises its own error types for broken files
        detail = f"{type(exc).__name__}: {str(exc)[:160]}"
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            _file_issue(fr, "E_FILE_ENCRYPTED")
        else:
            _file_issue(fr, "E_FILE_CORRUPT", detail=detail)
        raise _Refused from exc


def _fill_merged(rows: list[list], ranges) -> None:
    """Merged cells hold their value in the top-left cell only; give every cell of the range
    that value (a unit's columns merged down over its hazard rows in a flat sheet)."""
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if (r, c) != (r0, c0):
                    row[c] = value


CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_csv(data: bytes) -> str | None:
    """CSV bytes as text: UTF-8 (with or without BOM), else GB18030; None when neither fits."""
    for enc in CSV_ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def csv_rows(text: str) -> list[list[str]]:
    """Rows of CSV text, the delimiter sniffed among comma, tab and semicolon."""
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _read_csv(p: Path, fr: FileRead, limits: guard.Limits) -> list[tuple[str, list[list]]]:
    data = p.read_bytes()
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC) or b"\0" in data[:4096]:
        _file_issue(fr, "E_FILE_TYPE", detail="内容不是 CSV 文本 content is not CSV text")
        raise _Refused
    text = decode_csv(data)
    if text is None:
        _file_issue(fr, "E_FILE_ENCODING")
        raise _Refused
    rows = csv_rows(text)
    width = max((len(r) for r in rows), default=0)
    try:
        if len(rows) <= schema.EXCEL_MAX_ROWS:  # past Excel's rows: E_FILE_TOO_MANY_ROWS, below
            guard.check_sheet(guard.SheetSize(len(rows), width), CSV_SHEET, limits)
    except guard.Exceeded as exc:
        _file_issue(fr, "E_FILE_LIMIT", sheet=exc.sheet, detail=exc.zh, detail_en=exc.en)
        raise _Refused from exc
    rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
    return [(CSV_SHEET, rows)]


def _match_row(cells: list) -> tuple[list[str | None], list[str | None]]:
    ui, hi = schema.alias_index("units"), schema.alias_index("hazards")
    return [ui.match(c) if _is_text(c) else None for c in cells], [hi.match(c) if _is_text(c) else None for c in cells]


def _is_text(v) -> bool:
    return isinstance(v, str) and v.strip() != ""


def find_header(rows: list[list]) -> tuple[int, str] | None:
    """(0-based header row, layout) or None: the row in the first rows matching most
    schema names, with a unit or hazard code among them."""
    best: tuple[int, int, str] | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        u, h = _match_row(row)
        us, hs = {k for k in u if k}, {k for k in h if k}
        n = sum(1 for a, b in zip(u, h) if a or b)
        if n < MIN_HEADER_MATCHES or not ({"unit_code", "hazard_code"} & (us | hs)):
            continue
        if "hazard_code" in hs:
            unit_only = us - {"unit_code", "name", "lon", "lat", "crs"}
            layout = "flat" if unit_only else "hazards"
        else:
            layout = "units"
        if best is None or n > best[1]:
            best = (i, n, layout)
    return None if best is None else (best[0], best[2])


def map_columns(header: list, layout: str) -> tuple[list[MappedColumn], list[MappedColumn]]:
    """Header cells → columns; returns (columns, duplicates). Unknown headers are kept as
    extra columns; a key seen twice keeps its first column."""
    u, h = _match_row(header)
    cols: list[MappedColumn] = []
    dups: list[MappedColumn] = []
    seen: set[tuple[str, str]] = set()
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        letter = column_letter(i)
        unit = schema.header_unit(text)
        uk, hk = u[i], h[i]  # the unit and the hazard key this header names, if any
        targets: list[tuple[str, str]] = []
        if layout == "units" and uk:
            targets = [("units", uk)]
        elif layout == "hazards" and hk:
            targets = [("hazards", hk)]
        elif layout == "flat":
            if uk and hk:
                targets = [("units", uk)] + ([("hazards", hk)] if uk == "unit_code" else [])
            elif uk:
                targets = [("units", uk)]
            elif hk:
                targets = [("hazards", hk)]
        fresh = [t for t in targets if t not in seen]
        if targets and not fresh:
            dups.append(MappedColumn(i, letter, text, "", text, unit))
            cols.append(MappedColumn(i, letter, text, "", text, unit))
            continue
        for t in fresh:
            seen.add(t)
            cols.append(MappedColumn(i, letter, text, t[0], t[1], unit))
        if not targets:
            cols.append(MappedColumn(i, letter, text, "", text, unit))
    return cols, dups


def _is_key_row(row: list, layout: str) -> bool:
    """A second header line (English keys under Chinese headers)."""
    u, h = _match_row(row)
    filled = sum(1 for c in row if _is_text(c))
    matched = sum(1 for a, b in zip(u, h) if a or b)
    return filled > 0 and matched >= max(MIN_HEADER_MATCHES, filled // 2 + 1)


def find_record_header(rows: list[list], table: str) -> tuple[int, str] | None:
    """(0-based header row, ``table``) or None: the row of the first rows matching most of a
    record table's names, the unit code among them."""
    idx = schema.alias_index(table)
    best: tuple[int, int] | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        keys = [idx.match(c) for c in row if _is_text(c)]
        n = sum(1 for k in keys if k)
        if n >= MIN_HEADER_MATCHES and "unit_code" in keys and (best is None or n > best[1]):
            best = (i, n)
    return None if best is None else (best[0], table)


def map_record_columns(header: list, table: str) -> tuple[list[MappedColumn], list[MappedColumn]]:
    """A record table's header cells → columns, as :func:`map_columns` does for the survey's."""
    idx = schema.alias_index(table)
    cols: list[MappedColumn] = []
    dups: list[MappedColumn] = []
    seen: set[str] = set()
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        letter, unit = column_letter(i), schema.header_unit(text)
        key = idx.match(text)
        if key and key in seen:
            dups.append(MappedColumn(i, letter, text, "", text, unit))
        if key and key not in seen:
            seen.add(key)
            cols.append(MappedColumn(i, letter, text, table, key, unit))
        else:
            cols.append(MappedColumn(i, letter, text, "", text, unit))
    return cols, dups


def _is_record_key_row(row: list, table: str) -> bool:
    idx = schema.alias_index(table)
    filled = [c for c in row if _is_text(c)]
    matched = sum(1 for c in filled if idx.match(c))
    return bool(filled) and matched >= max(MIN_HEADER_MATCHES, len(filled) // 2 + 1)


def _table_from_rows(fr: FileRead, sheet_name: str, rows: list[list], family: str = "survey") -> SheetTable | None:
    if not rows or sheet_name.strip().lower() in schema.INSTRUCTION_SHEET_NAMES:
        return None
    record = family in schema.RECORD_TABLES
    found = find_record_header(rows, family) if record else find_header(rows)
    # Drop trailing rows that are entirely blank (formatting only).
    last = len(rows)
    while last > 0 and all(c is None or (isinstance(c, str) and not c.strip()) for c in rows[last - 1]):
        last -= 1
    if found is None:
        if last > 0:
            fr.issues.append(make_issue("W_SHEET_IGNORED", file=fr.name, sheet=sheet_name, detail=last))
        return None
    hdr, layout = found
    columns, dups = map_record_columns(rows[hdr], layout) if record else map_columns(rows[hdr], layout)
    for d in dups:
        fr.issues.append(make_issue("W_COLUMN_DUPLICATE", file=fr.name, sheet=sheet_name, row=hdr + 1,
                                    column=d.letter, header=d.header))
    start = hdr + 1
    while start < last and (_is_record_key_row(rows[start], layout) if record else _is_key_row(rows[start], layout)):
        start += 1
    data = rows[start:last]
    width = len(rows[hdr])
    cells = pd.DataFrame(data, dtype=object) if data else pd.DataFrame(columns=range(width), dtype=object)
    table = SheetTable(
        file=fr.name, sheet=sheet_name, layout=layout, header_row=hdr + 1, columns=columns,
        cells=cells, rows=np.arange(start + 1, last + 1, dtype=np.int64), n_read=len(data),
    )
    # Required columns present?
    needed = {"units": ("units",), "hazards": ("hazards",), "flat": ("units", "hazards")}.get(layout, (layout,))
    for tname in needed:
        have = table.mapped(tname)
        for key in schema.required_keys(tname):
            if key not in have:
                col = schema.column(tname, key)
                fr.issues.append(make_issue("E_FILE_MISSING_COLUMN", file=fr.name, sheet=sheet_name,
                                            row=hdr + 1, header=f"{col.zh} {col.key}", detail=len(data)))
                table.refused = True
    if table.refused:
        fr.n_rows_unread += len(data)
        return table
    _drop_blank_and_total(table)
    return table


def _drop_blank_and_total(table: SheetTable) -> None:
    """Count and remove blank rows and total (合计) rows.

    Both have no code in the table's code column (or a total word there), so only those
    candidate rows are examined cell by cell."""
    if table.cells.empty:
        return
    if table.layout in schema.RECORD_TABLES:  # a record names its unit: no unit code, no record
        code_tab, code_key = table.layout, "unit_code"
    else:
        code_tab = "units" if table.layout == "units" else "hazards"
        code_key = "unit_code" if table.layout == "units" else "hazard_code"
    code = as_text(table.cells[table.mapped(code_tab)[code_key].index])
    folded = code.str.replace(r"[\s\u3000:：]+", "", regex=True).str.lower()
    code_is_total = folded.isin(schema.TOTAL_WORDS).to_numpy()  # 合计, 合 计, 合计：, Total
    cand = np.flatnonzero((code == "").to_numpy() | code_is_total)
    blank = np.zeros(len(code), dtype=bool)
    total = np.zeros(len(code), dtype=bool)
    if len(cand):
        sub = table.cells.iloc[cand].apply(as_text)
        b = (sub == "").all(axis=1).to_numpy()
        blank[cand] = b
        total[cand] = (total_row_mask(sub, schema.TOTAL_WORDS) | code_is_total[cand]) & ~b
    table.n_blank = int(blank.sum())
    table.n_total = int(total.sum())
    keep = ~(blank | total)
    if not keep.all():
        table.cells = table.cells[keep].reset_index(drop=True)
        table.rows = table.rows[keep]

"""Checks of a workbook before it is parsed (解析前检查): size, inflated size, cell references.

python-calamine builds a sheet as one dense block from its first to its last cell, and a
process that asks for more memory than the machine has is killed without an exception
(SIGABRT: QGIS goes with it). A 2 KB workbook with one stray cell at ``XFD1048576`` asks for
512 GiB; one fuzzed byte in a cell reference (``P64294967296``) for 2.2 TB; a zip bomb whose
sheet inflates to 2.27 GB for more than 5 GB. So every workbook is looked at first, without
parsing it (docs/import.md, "Hostile files"):

- the parts of an .xlsx/.xlsm/.ods zip are inflated in a stream and counted, and the file is
  refused when they inflate past ``max_inflated_mb`` together, or when a part of more than
  16 MB inflates more than ``max_ratio`` times its packed size (a zip bomb's 400×; a survey
  sheet's 8–15×) — the counting does not trust the sizes the zip declares;
- in each worksheet of an .xlsx/.xlsm, the largest row number (``<row r=…>`` and every cell
  reference) and the largest column are found with a few regular-expression scans that look
  only for references beyond the largest seen so far (no Python object per cell), and the
  sheet is refused when its rows, its columns or its block of cells (rows × columns, what
  calamine allocates) pass the limits;
- the binary formats (.xls, .xlsb) are held to ``max_file_mb``.

The limits are the rules file's ``[import_limits]`` (:class:`Limits`); the defaults hold a
full Excel sheet of a survey with the risk-list columns: the seed-scale bench city's largest
workbook (1,000,000 fire-safety rows of 33 columns and their units) is 194 MB on disk and
inflates to 2,242 MB, its sheets 8.8× and 14.1× their packed size.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 22  # inflate 4 MB at a time
_MAX_TAG = 1 << 20  # a tag longer than this is cut short: the XML is refused by the parser anyway


def carry(block: bytes) -> bytes:
    """What of a chunk the next one is scanned with: from its last ``<`` on, so that a tag cut
    by the chunking (``<c s="1" … r="XFD1048576"``, however many attributes come first) is
    whole in the next scan (a tag holds no raw ``<``)."""
    cut = block.rfind(b"<")
    return block[cut:] if cut >= 0 and len(block) - cut <= _MAX_TAG else b""
_ROW_TAG = re.compile(rb'<row r="(\d+)"|<row\s(?!r=)[^>]*?\sr="(\d+)"')
_CELL_R_LATER = re.compile(rb'<c\s(?!r=)[^>]*?\sr="([A-Z]+)(\d+)"')
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".ods"}


@dataclass(frozen=True)
class Limits:
    """What an import reads at most (the rules file's ``[import_limits]``)."""

    max_file_mb: float = 1024.0  # a file on disk
    max_inflated_mb: float = 4096.0  # a workbook's zip parts, inflated
    max_ratio: float = 200.0  # a part's inflated size over its packed size (parts over 16 MB)
    max_rows: int = 1_048_576  # Excel's own limit
    max_columns: int = 1_024  # a survey sheet has about 40; Excel allows 16,384
    max_cells: int = 40_000_000  # rows × columns of a sheet's block (calamine: 32 bytes each)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(cls.__dataclass_fields__)


class Exceeded(Exception):
    """A file passes a limit: ``zh`` and ``en`` say which (the issue's detail)."""

    def __init__(self, zh: str, en: str, sheet: str = ""):
        super().__init__(en)
        self.zh, self.en, self.sheet = zh, en, sheet


class Damaged(Exception):
    """A part of the zip does not inflate cleanly (bad data, a wrong CRC or size): the file is
    refused as damaged rather than handed to a parser that might trust it further."""


def column_number(letters: bytes) -> int:
    """Excel column letters → 1-based number (A → 1, XFD → 16384)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _greater_digits(m: int) -> str:
    """A regular expression (text) for the whole numbers greater than ``m`` (no leading zeros)."""
    s = str(m)
    k = len(s)
    alts = [rf"[1-9]\d{{{k},}}"]  # more digits
    for i, ch in enumerate(s):
        d = int(ch)
        if d < 9:
            alts.append(re.escape(s[:i]) + f"[{d + 1}-9]" + (rf"\d{{{k - i - 1}}}" if k - i - 1 else ""))
    return "(?:" + "|".join(alts) + ")"


def _greater_letters(m: int) -> str:
    """A regular expression for the column letters greater than column ``m`` (m ≥ 0)."""
    if m <= 0:
        return "[A-Z]+"
    s = _letters(m)
    k = len(s)
    alts = [f"[A-Z]{{{k + 1},}}"]
    for i, ch in enumerate(s):
        if ch < "Z":
            alts.append(re.escape(s[:i]) + f"[{chr(ord(ch) + 1)}-Z]" + (f"[A-Z]{{{k - i - 1}}}" if k - i - 1 else ""))
    return "(?:" + "|".join(alts) + ")"


class _SheetScan:
    """The largest row and column a worksheet's XML refers to, fed chunk by chunk."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = 0
        self._pattern: re.Pattern | None = None

    def _rebuild(self) -> None:
        # Excel and every writer we know put r first: a literal prefix the scan can jump to.
        self._pattern = re.compile(
            rb'<c r="(?:(' + _greater_letters(self.max_col).encode() + rb')(\d+)|([A-Z]+)('
            + _greater_digits(self.max_row).encode() + rb'))"')

    def feed(self, data: bytes) -> None:
        rows = _ROW_TAG.findall(data)
        if rows:
            top = max(int(a or b) for a, b in rows)
            if top > self.max_row:
                self.max_row = top
                self._pattern = None
        for late in _CELL_R_LATER.finditer(data):  # r after another attribute: rare, all looked at
            self._see(late.group(1), late.group(2))
        pos = 0
        while True:
            if self._pattern is None:
                self._rebuild()
            assert self._pattern is not None
            m = self._pattern.search(data, pos)
            if m is None:
                return
            self._see(*((m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))))
            pos = m.end()

    def _see(self, letters: bytes, digits: bytes) -> None:
        col, row = column_number(letters), int(digits)
        if col > self.max_col or row > self.max_row:
            self.max_col, self.max_row = max(self.max_col, col), max(self.max_row, row)
            self._pattern = None


def check_file(path: Path, limits: Limits) -> None:
    """Raise :class:`Exceeded` when the file at ``path`` passes a limit (before any parse)."""
    size = path.stat().st_size
    if size > limits.max_file_mb * 1e6:
        raise Exceeded(f"文件 {size / 1e6:,.0f} MB，上限 {limits.max_file_mb:,.0f} MB",
                       f"the file is {size / 1e6:,.0f} MB, the limit is {limits.max_file_mb:,.0f} MB")
    suffix = path.suffix.lower()
    if suffix not in ZIP_SUFFIXES:
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader says what it is
    with archive:
        infos = archive.infolist()
        sheet_names = _sheet_names(archive) if suffix in XLSX_SUFFIXES else {}
        budget = limits.max_inflated_mb * 1e6
        declared = sum(i.file_size for i in infos)
        if declared > budget:  # as the zip declares it: no need to inflate to know
            raise Exceeded(f"解压后 {declared / 1e6:,.0f} MB，上限 {limits.max_inflated_mb:,.0f} MB",
                           f"it inflates to {declared / 1e6:,.0f} MB, the limit is {limits.max_inflated_mb:,.0f} MB")
        for info in infos:
            _check_ratio(info.filename, info.file_size, info.compress_size, limits)
        inflated = 0
        for info in infos:
            scan = _SheetScan() if suffix in XLSX_SUFFIXES and _SHEET_PART.match(info.filename) else None
            part_inflated = 0
            try:
                with archive.open(info) as part:
                    tail = b""
                    while True:
                        block = part.read(CHUNK)
                        if not block:
                            break
                        inflated += len(block)
                        part_inflated += len(block)
                        _check_ratio(info.filename, part_inflated, info.compress_size, limits)
                        if inflated > budget:  # a zip that understates its sizes
                            raise Exceeded(
                                f"解压后超过 {limits.max_inflated_mb:,.0f} MB（{info.filename}）",
                                f"it inflates to more than {limits.max_inflated_mb:,.0f} MB ({info.filename})")
                        if scan is not None:
                            scan.feed(tail + block)
                            tail = carry(tail + block)
            except Exceeded:
                raise
            except Exception as exc:  # a part that does not inflate to what the zip says
                raise Damaged(f"{info.filename}: {type(exc).__name__}: {str(exc)[:120]}") from exc
            if scan is not None:
                check_sheet(scan, sheet_names.get(info.filename, info.filename), limits)


RATIO_FROM = 16_000_000  # parts inflating to less are not held to max_ratio (a style sheet may pack 50×)


def _check_ratio(name: str, inflated: int, packed: int, limits: Limits) -> None:
    """Refuse a zip part that inflates past ``max_ratio`` times its packed size."""
    if inflated > RATIO_FROM and inflated > limits.max_ratio * max(packed, 1):
        ratio = inflated / max(packed, 1)
        raise Exceeded(f"{name} 解压后为压缩大小的 {ratio:,.0f} 倍，上限 {limits.max_ratio:,.0f} 倍（疑似压缩炸弹）",
                       f"{name} inflates to {ratio:,.0f} times its packed size, the limit is "
                       f"{limits.max_ratio:,.0f} times (a zip bomb?)")


@dataclass
class SheetSize:
    """A sheet's extent (a CSV's rows and widest row)."""

    max_row: int
    max_col: int


def check_sheet(scan: _SheetScan | SheetSize, sheet: str, limits: Limits) -> None:
    """Raise :class:`Exceeded` when a sheet's rows, columns or block of cells pass the limits."""
    rows, cols = scan.max_row, scan.max_col
    if rows > limits.max_rows:
        zh, en = f"第 {rows:,} 行，上限 {limits.max_rows:,} 行", f"row {rows:,}, the limit is {limits.max_rows:,} rows"
    elif cols > limits.max_columns:
        zh = f"第 {cols:,} 列（{_letters(cols)}），上限 {limits.max_columns:,} 列"
        en = f"column {cols:,} ({_letters(cols)}), the limit is {limits.max_columns:,} columns"
    elif rows * cols > limits.max_cells:
        zh = f"{rows:,} 行 × {cols:,} 列 = {rows * cols:,} 个单元格，上限 {limits.max_cells:,} 个"
        en = f"{rows:,} rows × {cols:,} columns = {rows * cols:,} cells, the limit is {limits.max_cells:,}"
    else:
        return
    raise Exceeded(f"工作表「{sheet}」{zh}", f"sheet '{sheet}': {en}", sheet)


_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"'
                  rb'|<Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"')
_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]+)"'
                    rb'|<sheet\b[^>]*?\br:id="([^"]+)"[^>]*?\bname="([^"]*)"')


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → the sheet's name as the user sees it (best effort: the part otherwise)."""
    from xml.sax.saxutils import unescape

    try:
        with archive.open("xl/workbook.xml") as f:
            book = f.read(1 << 20)
        with archive.open("xl/_rels/workbook.xml.rels") as f:
            rels = f.read(1 << 20)
    except Exception:
        return {}
    targets = {}
    for m in _REL.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        t = target.decode("utf-8", "replace").lstrip("/")
        targets[rid] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for m in _SHEET.finditer(book):
        name, rid = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
        if rid in targets:
            out[targets[rid]] = unescape(name.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})
    return out

"""Text as a spreadsheet cell can hold it (单元格文本): one home for the workbooks the plugin
writes (the Excel report, the surveyors' error workbooks).

An .xlsx cell cannot hold the C0 control characters but tab, newline and return (XML 1.0),
nor U+FFFE/U+FFFF, and holds at most 32,767 characters counted in UTF-16 units (an emoji is
two). Text is never dropped silently: a character a cell cannot hold is shown as ``[U+0001]``,
and text past the limit is cut with a note of its full length (docs/import.md, "Hostile files").
"""

from __future__ import annotations

import re

MAX_TEXT = 32_767  # Excel's characters in a cell, counted in UTF-16 code units
MAX_COLUMNS = 16_384  # Excel's columns in a sheet
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def cell_text(text: str) -> str:
    """``text`` as a cell holds it: illegal characters shown as ``[U+0001]``, cut with a note
    past the cell's limit."""
    n = len(text)
    if ILLEGAL.search(text):
        text = ILLEGAL.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
    if len(text) <= MAX_TEXT // 2 or _units(text) <= MAX_TEXT:
        return text
    note = f" …[已截断：原文共 {n:,} 个字符 / cut: {n:,} characters in all]"
    keep = MAX_TEXT - _units(note)
    return text.encode("utf-16-le")[: 2 * keep].decode("utf-16-le", errors="ignore") + note

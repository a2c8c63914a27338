"""Plain tables from .xlsx or .csv (receptor lists and the like): the first sheet, the first
row with two or more text cells as the header. Survey workbooks use reader.py instead."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .reader import csv_rows, decode_csv

HEADER_SCAN_ROWS = 30


def read_table(path: str | Path) -> pd.DataFrame:
    """A table as a DataFrame of raw cells with the header row's names."""
    p = Path(path)
    rows = _rows(p)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = [str(c).strip() for c in row]
        if sum(1 for c in names if c and not _is_number(c)) >= 2:
            width = len(names)
            body = [list(r) + [""] * (width - len(r)) for r in rows[i + 1:]]
            frame = pd.DataFrame([r[:width] for r in body],
                                 columns=[n or f"column_{j + 1}" for j, n in enumerate(names)], dtype=object)
            blank = frame.apply(lambda c: c.astype(str).str.strip() == "").all(axis=1)
            return frame[~blank].reset_index(drop=True)
    raise ValueError(f"{p.name}: no header row found / 未找到表头")


def _rows(p: Path) -> Sequence[Sequence[object]]:
    """The cells of a CSV (text) or of a workbook's first sheet (typed values)."""
    if p.suffix.lower() in (".csv", ".txt"):
        text = decode_csv(p.read_bytes())
        if text is None:
            raise ValueError(f"{p.name}: the CSV encoding is not recognised / CSV 文件编码无法识别")
        return csv_rows(text)
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(p))
    return wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False

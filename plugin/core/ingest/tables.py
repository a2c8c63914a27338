"""Plain tables from .xlsx or .csv (receptor lists and the like): the first sheet, the first
row with two or more text cells as the header. Survey workbooks use reader.py instead."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .reader import csv_rows, decode_csv

HEADER_SCAN_ROWS = 30


class TableError(ValueError):
    """A table that cannot be read (not there, not a workbook or CSV, no header); its message
    is bilingual, ``en`` and ``zh`` are the two halves."""

    def __init__(self, en: str, zh: str):
        self.en, self.zh = en, zh
        super().__init__(f"{en} / {zh}")


def read_table(path: str | Path) -> pd.DataFrame:
    """A table as a DataFrame of raw cells with the header row's names; :class:`TableError`
    when it cannot be read."""
    p = Path(path)
    try:
        rows = _rows(p)
    except TableError:
        raise
    except OSError as exc:  # not there, a folder, unreadable
        raise TableError(f"{p.name} cannot be read: {exc.strerror or exc}",
                         f"{p.name} 无法读取：{exc.strerror or exc}") from exc
    except Exception as exc:  # calamine's own errors for a file that is not a workbook
        raise TableError(f"{p.name} is not a readable .xlsx workbook or .csv table ({exc})",
                         f"{p.name} 不是可读取的 .xlsx 工作簿或 .csv 表格（{exc}）") from exc
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = [str(c).strip() for c in row]
        if sum(1 for c in names if c and not _is_number(c)) >= 2:
            width = len(names)
            body = [list(r) + [""] * (width - len(r)) for r in rows[i + 1:]]
            frame = pd.DataFrame([r[:width] for r in body],
                                 columns=[n or f"column_{j + 1}" for j, n in enumerate(names)], dtype=object)
            blank = frame.apply(lambda c: c.astype(str).str.strip() == "").all(axis=1)
            return frame[~blank].reset_index(drop=True)
    raise TableError(f"{p.name}: no header row found", f"{p.name}：未找到表头")


def _rows(p: Path) -> Sequence[Sequence[object]]:
    """The cells of a CSV (text) or of a workbook's first sheet (typed values)."""
    if p.suffix.lower() in (".csv", ".txt"):
        text = decode_csv(p.read_bytes())
        if text is None:
            raise TableError(f"{p.name}: the CSV encoding is not recognised", f"{p.name}：CSV 文件编码无法识别")
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

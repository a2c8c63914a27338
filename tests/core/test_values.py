"""Messy survey values read correctly (docs/domain/survey.md §2.3), a column at a time."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from plugin.core.ingest import values as v


def _one(fn, cell, *args):
    out = fn(pd.Series([cell], dtype=object), *args)
    return tuple(x[0] for x in out)


@pytest.mark.parametrize("cell, expected", [
    ("１２３．５", 123.5),          # full-width digits and point
    ("1,234", 1234.0),             # thousands separator
    ("1,234,567.8", 1234567.8),
    (" 42 ", 42.0),                # stray spaces
    ("\u300042\u3000", 42.0),       # ideographic spaces
    ("7", 7.0),                    # number stored as text
    (7.0, 7.0),
    (3, 3.0),
    ("1e3", 1000.0),
])
def test_numbers(cell, expected):
    val, st = _one(v.parse_number, cell)
    assert st == v.OK and val == pytest.approx(expected)


def test_numbers_with_suffix_blank_and_invalid():
    vals, st = v.parse_number(pd.Series(["50人", "", None, "many", "1,2"], dtype=object), ("人",))
    assert vals[0] == 50 and list(st) == [v.OK, v.BLANK, v.BLANK, v.INVALID, v.INVALID]


@pytest.mark.parametrize("cell, tonnes", [
    ("50吨", 50.0), ("50 t", 50.0), ("50T", 50.0), ("5000kg", 5.0), ("5000 千克", 5.0),
    ("5,000公斤", 5.0), ("1.2万吨", 12000.0), ("５０００ＫＧ", 5.0), (25, 25.0), ("2.5", 2.5),
])
def test_quantities_to_tonnes(cell, tonnes):
    val, st, bad = _one(v.parse_measure, cell, v.MASS_UNITS)
    assert st == v.OK and bad == "" and val == pytest.approx(tonnes)


def test_quantity_header_unit_applies_to_bare_numbers_only():
    factor = v.header_factor("kg", v.MASS_UNITS)
    vals, _st, _ = v.parse_measure(pd.Series([20000, "3吨"], dtype=object), v.MASS_UNITS, factor)
    assert vals[0] == pytest.approx(20.0) and vals[1] == pytest.approx(3.0)


def test_quantity_unknown_unit_is_reported():
    val, st, bad = _one(v.parse_measure, "50斤", v.MASS_UNITS)
    assert st == v.INVALID and bad == "斤" and np.isnan(val)


def test_volumes():
    vals, _st, _ = v.parse_measure(pd.Series(["50m3", "50 m³", "2000升", "100立方米"], dtype=object), v.VOLUME_UNITS)
    assert list(vals) == pytest.approx([50, 50, 2, 100])


@pytest.mark.parametrize("cell", [
    45356.0, 45356, "45356", "2024年3月5日", "2024 年 3 月 5 日", "2024-3-5", "2024/03/05", "2024.3.5",
    "20240305", dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 10, 30), "２０２４年３月５日",
])
def test_dates(cell):
    val, st = _one(v.parse_date, cell)
    assert st == v.OK and val == "2024-03-05"


@pytest.mark.parametrize("cell", ["someday", "2024-13-01", "2024年2月30日"])
def test_bad_dates(cell):
    val, st = _one(v.parse_date, cell)
    assert st == v.INVALID and val == ""


def test_text_keeps_codes_typed_as_numbers():
    out = v.as_text(pd.Series([1001.0, 13812345678.0, "  中文 ", None, 1.5, dt.date(2024, 1, 2)], dtype=object))
    assert list(out) == ["1001", "13812345678", "中文", "", "1.5", "2024-01-02"]


def test_total_rows():
    frame = pd.DataFrame({0: ["合计", "U1", "总计：", " Total "], 1: ["", "合计", "", ""]})
    assert list(v.total_row_mask(frame, ("合计", "总计", "total"))) == [True, True, True, True]


def test_text_of_a_column_of_numbers_is_each_cells_text():
    """A column of floats only (coordinates) takes a faster path; its text is the same."""
    cells = [113.95, 22.0, float("nan"), -0.0, 1e15, 1e16, 123456789012345.0, 1e-5, float("inf"), 0.1 + 0.2]
    out = v.as_text(pd.Series(cells, dtype=object))
    assert list(out) == [v._cell_text(c) for c in cells]
    assert list(out[:4]) == ["113.95", "22", "", "0"]

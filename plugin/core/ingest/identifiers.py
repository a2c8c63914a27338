"""Identifier checks (编码校验): unified social credit codes and CAS numbers.

docs/domain/survey.md §3. Both checks are vectorised over the *distinct* values of the input: text is
normalised with pandas ``.str`` methods and factorised; the credit codes' check characters
are computed with numpy for all distinct values at once (the same weights as python-stdnum's,
which the tests compare), and python-stdnum's CAS check digit is called once per distinct
well-formed value. Each returns a
:class:`pandas.DataFrame` with the input's index (a Series' own index, else 0…n-1) and
the columns

* ``code``   — the normalised identifier (missing for blank input),
* ``status`` — one of the ``STATUS_*`` constants below,
* ``detail`` — a short English / Chinese explanation ("" when ok),

so callers can assign the columns to their own DataFrame directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from stdnum import casrn as _casrn

STATUS_OK = "ok"
STATUS_BLANK = "blank"
STATUS_LOWERCASE = "lowercase"  # warning: valid once upper-cased
STATUS_FORMAT = "format"  # error
STATUS_CHECK = "check"  # error

RESULT_COLUMNS = ("code", "status", "detail")

# --- Unified social credit code (统一社会信用代码, GB 32100-2015; docs/domain/survey.md §3.1) ----
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_LENGTH = 18
_USCC_RE = rf"[{USCC_ALPHABET}]{{{USCC_LENGTH}}}"

# --- CAS registry numbers (docs/domain/survey.md §3.2) -----------------------------------
# 2–7 digits, 2 digits, 1 check digit (the same rule as stdnum.casrn).
_CAS_RE = r"[1-9][0-9]{1,6}-[0-9]{2}-[0-9]"
_CAS_DIGITS_ONLY_RE = r"^([0-9]{2,7})([0-9]{2})([0-9])$"
# Dashes NFKC leaves alone (hyphen, non-breaking hyphen, figure/en/em dash, bar, minus,
# small and full-width hyphen-minus, katakana long mark) — all read as '-'.
_DASHES_RE = "[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u30fc]"
CAS_EXAMPLE = "7664-41-7"

BLANK_DETAIL = "blank / 未填写"


def _as_series(values: Any) -> pd.Series:
    """The input as a Series (keeping a Series' index); a scalar becomes one element."""
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        values = [values]
    return pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)


def _clean_text(values: pd.Series) -> pd.Series:
    """NFKC-normalised text with all whitespace removed; blank → <NA> (string dtype)."""
    from .values import as_text

    text = as_text(values)
    odd = ~text.map(str.isascii).to_numpy(dtype=bool) | text.str.contains(" ", regex=False).to_numpy(dtype=bool)
    if odd.any():  # full-width or spaced values: fold them; plain ASCII ones need nothing
        text[odd] = text[odd].str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    return text.mask(text == "")


def _result(index: pd.Index, codes: np.ndarray, uniq: dict[str, np.ndarray]) -> pd.DataFrame:
    """Expand per-distinct-value results back to every row (factorize code -1 = blank)."""
    blank = codes < 0
    safe = np.where(blank, 0, codes)

    def spread(column: np.ndarray, blank_value: Any) -> np.ndarray:
        if column.size == 0:
            return np.full(codes.shape, blank_value, dtype=object)
        return np.where(blank, blank_value, column[safe]).astype(object)

    return pd.DataFrame(
        {
            "code": pd.Series(spread(uniq["code"], None), index=index, dtype="string"),
            "status": pd.Series(spread(uniq["status"], STATUS_BLANK), index=index, dtype="string"),
            "detail": pd.Series(spread(uniq["detail"], BLANK_DETAIL), index=index, dtype="string"),
        },
        index=index,
    )


def _check_digits(bodies: pd.Series, calc: Callable[[str], str]) -> np.ndarray:
    """``calc`` of each value, calling it once per distinct value (e.g. a code written in
    both lower and upper case is one value once upper-cased)."""
    codes, uniques = pd.factorize(bodies)
    results = np.array([calc(value) for value in uniques.tolist()], dtype=object)
    return results[codes]


# =========================================================================================
# Unified social credit code
# =========================================================================================

_USCC_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64)
_USCC_VALUE = np.zeros(256, dtype=np.int64)
_USCC_VALUE[np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(len(USCC_ALPHABET))
_USCC_CHARS = np.array(list(USCC_ALPHABET), dtype=object)


def _uscc_check_chars(bodies: np.ndarray) -> np.ndarray:
    """The GB 32100-2015 check character of each 17-character body (upper-case, of
    ``USCC_ALPHABET``): ``stdnum.cn.uscc.calc_check_digit``'s weighted sum mod 31, computed
    for all bodies at once (the test compares the two)."""
    if not len(bodies):
        return np.array([], dtype=object)
    text = np.array(bodies.tolist(), dtype=f"S{USCC_LENGTH - 1}")
    digits = text.view(np.uint8).reshape(len(bodies), -1)
    total = _USCC_VALUE[digits] @ _USCC_WEIGHTS
    return _USCC_CHARS[(31 - total) % 31]


def check_credit_codes(values: Any) -> pd.DataFrame:
    """Check unified social credit codes (统一社会信用代码, docs/domain/survey.md §3.1).

    Normalises each value (NFKC, whitespace removed, upper-cased) and classifies it:
    ``ok``; ``blank`` (None/NaN/empty); ``lowercase`` (valid after upper-casing — a
    warning); ``format`` (not 18 characters of ``USCC_ALPHABET`` — an error); ``check``
    (wrong check character — an error). The first character may be a digit or A/N/Y, so
    stdnum's ``validate`` is not used; the check character is ``stdnum.cn.uscc.calc_check_digit``'s,
    computed with numpy over the distinct values (:func:`_uscc_check_chars`). Returns a
    DataFrame (columns ``code``, ``status``, ``detail``) with the input's index.
    """
    series = _as_series(values)
    cleaned = _clean_text(series)
    codes, uniques = pd.factorize(cleaned, use_na_sentinel=True)
    raw = pd.Series(uniques, dtype=object)
    upper = raw.str.upper()
    well_formed = upper.str.fullmatch(_USCC_RE).fillna(False).to_numpy(dtype=bool)
    has_lower = (raw != upper).to_numpy(dtype=bool)

    status = np.full(len(raw), STATUS_OK, dtype=object)
    detail = np.full(len(raw), "", dtype=object)

    lengths = upper.str.len().to_numpy(dtype=np.int64)
    bad_length = ~well_formed & (lengths != USCC_LENGTH)
    bad_chars = ~well_formed & ~bad_length
    status[~well_formed] = STATUS_FORMAT
    detail[bad_length] = [
        f"{n} characters, expected {USCC_LENGTH} / 长度为 {n} 位，应为 {USCC_LENGTH} 位"
        for n in lengths[bad_length]
    ]
    if bad_chars.any():
        first_bad = upper[bad_chars].str.extract(rf"([^{USCC_ALPHABET}])", expand=False)
        detail[bad_chars] = [
            f"invalid character {c} (allowed 0-9 and A-Y except I O S V Z) / "
            f"含非法字符 {c}（只能为数字和除 I、O、S、V、Z 外的大写字母）"
            for c in first_bad.tolist()
        ]

    idx = np.flatnonzero(well_formed)
    if idx.size:
        body = upper.iloc[idx].str.slice(0, USCC_LENGTH - 1)
        given = upper.iloc[idx].str.slice(USCC_LENGTH - 1).to_numpy(dtype=object)
        distinct, bodies = pd.factorize(body)  # 'q' and 'Q' are one body once upper-cased
        expected = _uscc_check_chars(np.asarray(bodies, dtype=object))[distinct]
        wrong = given != expected
        status[idx[wrong]] = STATUS_CHECK
        detail[idx[wrong]] = [f"check character should be {c} / 校验位应为 {c}" for c in expected[wrong]]
        lower = idx[~wrong & has_lower[idx]]
        status[lower] = STATUS_LOWERCASE
        detail[lower] = "lower-case letters upper-cased / 小写字母已转为大写"

    uniq = {"code": upper.to_numpy(dtype=object), "status": status, "detail": detail}
    return _result(series.index, codes, uniq)


# =========================================================================================
# CAS registry numbers
# =========================================================================================


def check_cas(values: Any) -> pd.DataFrame:
    """Check CAS registry numbers (CAS 号, docs/domain/survey.md §3.2) with ``stdnum.casrn``.

    Normalises each value (NFKC, whitespace removed, any dash → '-', a bare digit string
    hyphenated as ``NNNNNNN-NN-N``) and classifies it: ``ok``; ``blank``; ``format`` (not
    ``2-7 digits - 2 digits - 1 digit``, no leading zero); ``check`` (wrong check digit).
    ``stdnum.casrn.calc_check_digit`` is called once per distinct well-formed value.
    Returns a DataFrame (columns ``code``, ``status``, ``detail``) with the input's index.
    """
    series = _as_series(values)
    cleaned = _clean_text(series)
    cleaned = cleaned.str.replace(_DASHES_RE, "-", regex=True)
    cleaned = cleaned.str.replace(_CAS_DIGITS_ONLY_RE, r"\1-\2-\3", regex=True)
    codes, uniques = pd.factorize(cleaned, use_na_sentinel=True)
    code = pd.Series(uniques, dtype=object)
    well_formed = code.str.fullmatch(_CAS_RE).fillna(False).to_numpy(dtype=bool)

    status = np.full(len(code), STATUS_OK, dtype=object)
    detail = np.full(len(code), "", dtype=object)
    status[~well_formed] = STATUS_FORMAT
    detail[~well_formed] = f"expected digits like {CAS_EXAMPLE} / 格式应为 {CAS_EXAMPLE} 样式的数字"

    idx = np.flatnonzero(well_formed)
    if idx.size:
        body = code.iloc[idx].str.slice(0, -1)
        given = code.iloc[idx].str.slice(-1).to_numpy(dtype=object)
        expected = _check_digits(body, _casrn.calc_check_digit)
        wrong = given != expected
        status[idx[wrong]] = STATUS_CHECK
        detail[idx[wrong]] = [f"check digit should be {c} / 校验位应为 {c}" for c in expected[wrong]]

    uniq = {"code": code.to_numpy(dtype=object), "status": status, "detail": detail}
    return _result(series.index, codes, uniq)

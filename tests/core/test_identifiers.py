"""Tests for plugin.core.ingest.identifiers (docs/domain/survey.md §3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from stdnum import casrn
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from plugin.core.ingest import identifiers
from plugin.core.ingest.identifiers import (
    STATUS_BLANK,
    STATUS_CHECK,
    STATUS_FORMAT,
    STATUS_LOWERCASE,
    STATUS_OK,
    check_cas,
    check_credit_codes,
)

VALID_CODES = ("91110108551385082Q", "91110000600037341L")


@pytest.fixture(params=["Y", "N", "A"])
def authority_code(request) -> str:
    """A valid code whose registering authority is a letter (A, N or Y).

    Built as first character + the body of a known code, with the check character from
    ``stdnum.cn.uscc.calc_check_digit`` (the GB 32100-2015 weights, docs/domain/survey.md §3.1).
    """
    body = request.param + "1110108551385082"
    return body + uscc.calc_check_digit(body)


def _wrong_check(code: str) -> str:
    """``code`` with a different (but in-alphabet) check character."""
    right = code[-1]
    wrong = "0" if right != "0" else "1"
    return code[:-1] + wrong


# --- Unified social credit code ---------------------------------------------------------


def test_credit_code_check_characters_are_stdnums():
    """The numpy check characters are python-stdnum's, for random bodies over the whole alphabet."""
    rng = np.random.default_rng(7)
    alphabet = np.array(list(identifiers.USCC_ALPHABET))
    bodies = ["".join(rng.choice(alphabet, 17)) for _ in range(3000)]
    got = identifiers._uscc_check_chars(np.array(bodies, dtype=object))
    assert got.tolist() == [uscc.calc_check_digit(b) for b in bodies]
    codes = [b + c for b, c in zip(bodies, got)]
    assert (check_credit_codes(codes)["status"] == STATUS_OK).all()



def test_known_valid_codes() -> None:
    result = check_credit_codes(list(VALID_CODES))
    assert list(result.columns) == ["code", "status", "detail"]
    assert result["status"].tolist() == [STATUS_OK, STATUS_OK]
    assert result["code"].tolist() == list(VALID_CODES)
    assert result["detail"].tolist() == ["", ""]


def test_letter_authority_is_valid_although_stdnum_validate_refuses(authority_code: str) -> None:
    with pytest.raises(ValidationError):
        uscc.validate(authority_code)
    result = check_credit_codes([authority_code])
    assert result.loc[0, "status"] == STATUS_OK


def test_non_digit_region_is_valid() -> None:
    """Characters 3–8 need not be digits (stdnum.validate insists on 8 leading digits)."""
    body = "91A10108551385082"
    code = body + uscc.calc_check_digit(body)
    assert check_credit_codes([code]).loc[0, "status"] == STATUS_OK


def test_lowercase_is_a_warning() -> None:
    result = check_credit_codes(["91110108551385082q", "y" + VALID_CODES[0][1:].lower()])
    assert result.loc[0, "status"] == STATUS_LOWERCASE
    assert result.loc[0, "code"] == "91110108551385082Q"
    assert "大写" in result.loc[0, "detail"]
    # lower-case *and* a wrong check character is an error, not a warning
    assert result.loc[1, "status"] == STATUS_CHECK


def test_wrong_check_character() -> None:
    result = check_credit_codes(["91110108551385082R", _wrong_check(VALID_CODES[1])])
    assert result["status"].tolist() == [STATUS_CHECK, STATUS_CHECK]
    assert result.loc[0, "detail"] == "check character should be Q / 校验位应为 Q"
    assert result.loc[1, "detail"].endswith("校验位应为 L")


@pytest.mark.parametrize(
    "value",
    ["9111010855138508", "91110108551385082QQ", "91110108551385082I", "9111010855138508OQ",
     "9111010855138S082Q", "91110108-551385082Q", "abc", "统一社会信用代码"],
)
def test_format_errors(value: str) -> None:
    result = check_credit_codes([value])
    assert result.loc[0, "status"] == STATUS_FORMAT
    assert result.loc[0, "detail"]


def test_format_detail_names_length_or_character() -> None:
    result = check_credit_codes(["9111010855138508", "91110108551385082I"])
    assert result.loc[0, "detail"].startswith("16 characters, expected 18")
    assert "invalid character I" in result.loc[1, "detail"]


def test_blank_values() -> None:
    result = check_credit_codes([None, np.nan, "", "   ", "\u3000", pd.NA])
    assert (result["status"] == STATUS_BLANK).all()
    assert result["code"].isna().all()


def test_normalisation_full_width_and_spaces() -> None:
    result = check_credit_codes(["９１１１０１０８５５１３８５０８２Ｑ", " 9111 0108 5513 8508 2Q ",
                                 "91110108551385082Q\u3000"])
    assert result["status"].tolist() == [STATUS_OK] * 3
    assert result["code"].tolist() == [VALID_CODES[0]] * 3


def test_result_keeps_series_index_and_assigns() -> None:
    frame = pd.DataFrame({"credit_code": [VALID_CODES[0], "x", None]}, index=[7, 3, 9])
    result = check_credit_codes(frame["credit_code"])
    assert list(result.index) == [7, 3, 9]
    frame[["code", "status", "detail"]] = result
    assert frame.loc[3, "status"] == STATUS_FORMAT
    assert frame.loc[9, "status"] == STATUS_BLANK


def test_scalar_and_empty_inputs() -> None:
    assert check_credit_codes(VALID_CODES[0])["status"].tolist() == [STATUS_OK]
    empty = check_credit_codes([])
    assert empty.empty and list(empty.columns) == ["code", "status", "detail"]


def test_repeated_values_checked_once(monkeypatch) -> None:
    calls: list[str] = []
    real = identifiers._uscc_check_chars

    def counting(bodies: np.ndarray) -> np.ndarray:
        calls.extend(bodies.tolist())
        return real(bodies)

    monkeypatch.setattr(identifiers, "_uscc_check_chars", counting)
    values = [VALID_CODES[0]] * 500 + [VALID_CODES[1]] * 300 + ["91110108551385082q"] * 50 + [None] * 10
    result = check_credit_codes(values)
    assert sorted(calls) == sorted([VALID_CODES[0][:17], VALID_CODES[1][:17]])
    assert (result["status"].iloc[:800] == STATUS_OK).all()
    assert (result["status"].iloc[800:850] == STATUS_LOWERCASE).all()


# --- CAS numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status", "code"),
    [
        ("7664-41-7", STATUS_OK, "7664-41-7"),  # sulfuric acid
        ("7647-01-0", STATUS_OK, "7647-01-0"),  # hydrogen chloride
        ("64-17-5", STATUS_OK, "64-17-5"),  # ethanol
        ("7664-41-8", STATUS_CHECK, "7664-41-8"),
        ("abc", STATUS_FORMAT, "abc"),
        ("07664-41-7", STATUS_FORMAT, "07664-41-7"),
        ("7664-4-17", STATUS_FORMAT, "7664-4-17"),
        ("７６６４－４１－７", STATUS_OK, "7664-41-7"),
        ("7664—41—7", STATUS_OK, "7664-41-7"),
        ("7664‐41‐7", STATUS_OK, "7664-41-7"),
        (" 7664 - 41 - 7 ", STATUS_OK, "7664-41-7"),
        ("7664417", STATUS_OK, "7664-41-7"),
        (7664417, STATUS_OK, "7664-41-7"),
    ],
)
def test_cas(value, status: str, code: str) -> None:
    result = check_cas([value])
    assert result.loc[0, "status"] == status
    assert result.loc[0, "code"] == code
    assert (result.loc[0, "detail"] == "") == (status == STATUS_OK)


def test_cas_check_detail_and_agrees_with_stdnum() -> None:
    values = ["7664-41-7", "7664-41-8", "1333-74-0", "1333-74-1", "74-82-8"]
    result = check_cas(values)
    assert result.loc[1, "detail"] == "check digit should be 7 / 校验位应为 7"
    expected = [STATUS_OK if casrn.is_valid(v) else STATUS_CHECK for v in values]
    assert result["status"].tolist() == expected


def test_cas_blank() -> None:
    result = check_cas(pd.Series([None, np.nan, "", "  "], index=list("abcd")))
    assert list(result.index) == list("abcd")
    assert (result["status"] == STATUS_BLANK).all()
    assert result["code"].isna().all()


def test_cas_repeated_values_checked_once(monkeypatch) -> None:
    calls: list[str] = []
    real = casrn.calc_check_digit

    def counting(number: str) -> str:
        calls.append(number)
        return real(number)

    monkeypatch.setattr(identifiers._casrn, "calc_check_digit", counting)
    result = check_cas(["7664-41-7"] * 100 + ["７６６４－４１－７"] * 100 + ["7664-41-8"] * 10 + ["x"] * 5)
    assert calls == ["7664-41-"]  # 7664-41-7 and 7664-41-8 share their body
    assert result["status"].value_counts().to_dict() == {STATUS_OK: 200, STATUS_CHECK: 10, STATUS_FORMAT: 5}

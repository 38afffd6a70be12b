"""Every validator with good and bad values, checked against the rules of the standards themselves."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ipplatform.common.timefmt import beijing_today
from ipplatform.common.validators import (
    InvalidValue,
    application_type,
    check_future_date,
    check_patent_date,
    normalize_amount,
    normalize_application_number,
    normalize_credit_code,
    normalize_email,
    normalize_industry_code,
    normalize_ipc,
    normalize_phone,
    normalize_publication_number,
    normalize_region_code,
)

# GB 32100-2015 check character, written out from the standard as an independent oracle.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def gb32100_check(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@pytest.mark.parametrize("first17", ["91350100M000100Y4", "91411500MA44C8N3X", "12411500416009021", "52411502MJY001122"])
def test_credit_code_accepts_the_standard_check_character(first17):
    code = first17 + gb32100_check(first17)
    assert normalize_credit_code(code) == code
    assert normalize_credit_code(" " + code.lower() + " ") == code  # normalised


@pytest.mark.parametrize("first17", ["91350100M000100Y4", "91411500MA44C8N3X"])
def test_credit_code_rejects_every_wrong_check_character(first17):
    right = gb32100_check(first17)
    for wrong in USCC_ALPHABET.replace(right, ""):
        with pytest.raises(InvalidValue) as exc:
            normalize_credit_code(first17 + wrong)
        assert exc.value.code == "credit_code_checksum"
        assert "校验位" in exc.value.zh


@pytest.mark.parametrize("bad, code", [
    ("91350100M000100Y4", "credit_code_length"),       # 17 chars
    ("91350100M000100Y433", "credit_code_length"),     # 19 chars
    ("", "credit_code_length"),
    ("9135010OM000100Y43", "credit_code_format"),      # letter O not allowed in GB 32100
    ("91350100M000100I43", "credit_code_format"),      # letter I not allowed
    ("9A350100M000100Y43", "credit_code_format"),      # registration/category part must be digits here
])
def test_credit_code_rejects_bad_format(bad, code):
    with pytest.raises(InvalidValue) as exc:
        normalize_credit_code(bad)
    assert exc.value.code == code


def cnipa_check(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9] * 2
    rem = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    return "X" if rem == 10 else str(rem)


def test_application_number_from_the_issue_is_valid():
    assert normalize_application_number("CN202223220665.2") == "CN202223220665.2"
    assert normalize_application_number("202223220665.2") == "CN202223220665.2"
    assert normalize_application_number("ZL 2022232206652") == "CN202223220665.2"
    assert application_type("CN202223220665.2") == "utility_model"


@pytest.mark.parametrize("digits", ["202223220665", "201510337345", "202110123456", "202330001234", "200910001000"])
def test_application_number_exactly_one_check_digit_is_accepted(digits):
    accepted = []
    for check in "0123456789X":
        try:
            normalize_application_number(f"CN{digits}.{check}")
            accepted.append(check)
        except InvalidValue as exc:
            assert exc.code == "application_number_checksum"
    assert accepted == [cnipa_check(digits)]


def test_old_eight_digit_application_numbers():
    digits = "98123456"
    assert normalize_application_number(f"CN{digits}.{cnipa_check(digits)}") == f"CN{digits}.{cnipa_check(digits)}"


@pytest.mark.parametrize("bad, code", [
    ("CN20222322066.2", "application_number_format"),      # 11 digits
    ("CN202223220665", "application_number_format"),       # no check digit
    ("US202223220665.2", "application_number_format"),
    ("CN202253220665.1", "application_number_type"),       # type digit 5 does not exist
    ("CN199913220665.0", "application_number_year"),       # 12-digit numbers start in 2003
    ("CN209913220665.0", "application_number_year"),       # future year
])
def test_application_number_rejects(bad, code):
    with pytest.raises(InvalidValue) as exc:
        normalize_application_number(bad)
    assert exc.value.code == code


@pytest.mark.parametrize("good, normal", [("CN114081026A", "CN114081026A"), ("cn 215667380 u", "CN215667380U"),
                                          ("CN1234567C", "CN1234567C"), ("CN308123456S", "CN308123456S")])
def test_publication_number_good(good, normal):
    assert normalize_publication_number(good) == normal


@pytest.mark.parametrize("bad", ["CN114081026", "114081026A", "CN11408A", "CN114081026Z", "US114081026A"])
def test_publication_number_bad(bad):
    with pytest.raises(InvalidValue):
        normalize_publication_number(bad)


@pytest.mark.parametrize("good, normal", [("A23F", "A23F"), ("a23f 3/06", "A23F 3/06"), ("A23F3/6", "A23F 3/06"),
                                          ("G06F 16/3344", "G06F 16/3344"), ("H01M10/0525", "H01M 10/0525")])
def test_ipc_good(good, normal):
    assert normalize_ipc(good) == normal


@pytest.mark.parametrize("bad", ["I23F", "A2F", "A23", "A23F 3", "A23F /06", "A23F 3/06/1", "茶叶", "C++"])
def test_ipc_bad(bad):
    with pytest.raises(InvalidValue) as exc:
        normalize_ipc(bad)
    assert "IPC" in exc.value.zh


@pytest.mark.parametrize("code", ["411502", "411528", "411571", "411500", "410000", "110101"])
def test_region_good(code):
    assert normalize_region_code(code) == code


@pytest.mark.parametrize("code", ["411599", "41150", "4115020", "abcdef", "999999"])
def test_region_bad(code):
    with pytest.raises(InvalidValue):
        normalize_region_code(code)


@pytest.mark.parametrize("code", ["C", "15", "153", "1530", "c"])
def test_industry_good(code):
    assert normalize_industry_code(code) == code.upper()


@pytest.mark.parametrize("code", ["Z", "1538", "00", "12345", "精制茶"])
def test_industry_bad(code):
    with pytest.raises(InvalidValue):
        normalize_industry_code(code)


@pytest.mark.parametrize("raw, value", [("0", "0.00"), ("1,000.5", "1000.50"), (120000, "120000.00"),
                                        (Decimal("99.99"), "99.99"), ("100000000000", "100000000000.00")])
def test_amount_good(raw, value):
    assert normalize_amount(raw) == Decimal(value)


@pytest.mark.parametrize("raw, code", [("-1", "amount_negative"), ("abc", "amount_format"), ("NaN", "amount_format"),
                                       ("Infinity", "amount_format"), ("1.234", "amount_precision"),
                                       ("100000000000.01", "amount_too_large")])
def test_amount_bad(raw, code):
    with pytest.raises(InvalidValue) as exc:
        normalize_amount(raw)
    assert exc.value.code == code


@pytest.mark.parametrize("good, normal", [("13912345678", "13912345678"), ("+86 139 1234 5678", "13912345678"),
                                          ("0376-6231234", "0376-6231234"), ("037662312345", "037662312345")])
def test_phone_good(good, normal):
    assert normalize_phone(good) == normal


@pytest.mark.parametrize("bad", ["12345", "23912345678", "1391234567", "phone"])
def test_phone_bad(bad):
    with pytest.raises(InvalidValue):
        normalize_phone(bad)


def test_email():
    assert normalize_email("Zhang.San@Example.COM") == "zhang.san@example.com"
    for bad in ["zhang", "a@b", "a b@c.com", "@example.com"]:
        with pytest.raises(InvalidValue):
            normalize_email(bad)


def test_patent_dates():
    assert check_patent_date(date(1985, 4, 1)) == date(1985, 4, 1)
    assert check_patent_date(beijing_today()) == beijing_today()
    with pytest.raises(InvalidValue) as exc:
        check_patent_date(date(1985, 3, 31))
    assert exc.value.code == "date_too_early"
    with pytest.raises(InvalidValue) as exc:
        check_patent_date(beijing_today() + timedelta(days=1))
    assert exc.value.code == "date_in_future"


def test_future_dates():
    assert check_future_date(beijing_today()) == beijing_today()
    with pytest.raises(InvalidValue):
        check_future_date(beijing_today() - timedelta(days=1))
    with pytest.raises(InvalidValue):
        check_future_date(beijing_today().replace(year=beijing_today().year + 21))

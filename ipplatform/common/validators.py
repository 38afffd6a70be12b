"""Validators for the identifiers and values the platform accepts, each usable on its own
(``normalize_*`` raises :class:`InvalidValue`) and as an annotated pydantic type.

Libraries: python-stdnum implements GB 32100-2015 (unified social credit code). Chinese patent
application numbers, publication numbers and IPC symbols have no maintained Python library, so
their rules (CNIPA check digit, WIPO IPC syntax) are implemented here.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from ipplatform import reference
from ipplatform.common.timefmt import beijing_today

# China's first patent law took effect on 1985-04-01: no application can be older.
PATENT_LAW_START = date(1985, 4, 1)
MAX_AMOUNT = Decimal("100000000000")  # CNY 100 billion: above this an amount is a typo


class InvalidValue(ValueError):
    def __init__(self, code: str, en: str, zh: str):
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh

    def as_pydantic(self, field: str | None = None) -> PydanticCustomError:
        ctx = {"en": self.en, "zh": self.zh}
        if field:
            ctx["field"] = field
        return PydanticCustomError(self.code, "{en}", ctx)


def cross_field_error(field: str, code: str, en: str, zh: str) -> PydanticCustomError:
    """For model validators: an error about ``field`` found while checking several fields together."""
    return InvalidValue(code, en, zh).as_pydantic(field)


def _pydantic(fn):
    def wrapper(value):
        if value is None:
            return None
        try:
            return fn(value)
        except InvalidValue as exc:
            raise exc.as_pydantic() from None

    wrapper.__name__ = fn.__name__
    return wrapper


# ---- unified social credit code (统一社会信用代码, GB 32100-2015) -------------------------------

def normalize_credit_code(value: str) -> str:
    code = re.sub(r"[\s-]", "", str(value)).upper()
    try:
        return uscc.validate(code)
    except InvalidLength:
        raise InvalidValue("credit_code_length", f"credit code must have 18 characters, got {len(code)}",
                           f"统一社会信用代码应为 18 位，实际 {len(code)} 位") from None
    except InvalidChecksum:
        raise InvalidValue("credit_code_checksum", "credit code check character is wrong",
                           "统一社会信用代码校验位错误") from None
    except (InvalidFormat, InvalidComponent):
        raise InvalidValue("credit_code_format",
                           "credit code contains characters not allowed by GB 32100 (I, O, S, V, Z)",
                           "统一社会信用代码含有不允许的字符（GB 32100 不使用 I、O、S、V、Z）") from None


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for 17 leading characters (used to build valid demo codes)."""
    return uscc.calc_check_digit(first17)


# ---- Chinese patent application number (申请号) ---------------------------------------------------

_APP_RE = re.compile(r"^(?:CN|ZL)?(\d{12}|\d{8})\.?([0-9X])$")
# Type digit (5th of 12, 3rd of 8): 1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility
APPLICATION_TYPES = {"1": "invention", "2": "utility_model", "3": "design", "8": "invention", "9": "utility_model"}


def application_check_digit(digits: str) -> str:
    """CNIPA check digit: weights 2..9 cycling over the digits, sum mod 11, 10 → X."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(digits))
    rem = total % 11
    return "X" if rem == 10 else str(rem)


def normalize_application_number(value: str) -> str:
    raw = re.sub(r"\s", "", str(value)).upper()
    m = _APP_RE.match(raw)
    if not m:
        raise InvalidValue("application_number_format",
                           "application number must look like CN202223220665.2 (12 digits, dot, check digit)",
                           "申请号格式应为 CN202223220665.2（12 位数字、小数点、校验位）")
    digits, check = m.groups()
    year = int(digits[:4]) if len(digits) == 12 else 1900 + int(digits[:2])
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if len(digits) == 12 and not (2003 <= year <= beijing_today().year):
        raise InvalidValue("application_number_year", f"application year {year} is not possible",
                           f"申请号中的年份 {year} 不合理")
    if type_digit not in APPLICATION_TYPES:
        raise InvalidValue("application_number_type", f"unknown patent type digit {type_digit}",
                           f"申请号中的专利类型位 {type_digit} 无效（应为 1、2、3、8、9）")
    expected = application_check_digit(digits)
    if check != expected:
        raise InvalidValue("application_number_checksum",
                           f"application number check digit should be {expected}, got {check}",
                           f"申请号校验位错误：应为 {expected}，实际为 {check}")
    return f"CN{digits}.{check}"


def application_type(number: str) -> str:
    digits = normalize_application_number(number)[2:].split(".")[0]
    return APPLICATION_TYPES[digits[4] if len(digits) == 12 else digits[2]]


# ---- publication number (公开/公告号) --------------------------------------------------------------

_PUB_RE = re.compile(r"^CN(\d{6,9})([ABCUYS])(\d?)$")


def normalize_publication_number(value: str) -> str:
    raw = re.sub(r"[\s.]", "", str(value)).upper()
    if not _PUB_RE.match(raw):
        raise InvalidValue("publication_number_format",
                           "publication number must look like CN114081026A (CN, 6-9 digits, kind code A/B/C/U/Y/S)",
                           "公开（公告）号格式应为 CN114081026A（CN、6–9 位数字、文献种类代码 A/B/C/U/Y/S）")
    return raw


# ---- IPC symbols ------------------------------------------------------------------------------------

_IPC_RE = re.compile(r"^([A-H])(\d{2})([A-Z])(?:\s*(\d{1,4})\s*/\s*(\d{1,6}))?$")


def normalize_ipc(value: str) -> str:
    """'a23f3/06' → 'A23F 3/06'; subclass-only 'A23F' stays 'A23F'."""
    raw = str(value).strip().upper()
    m = _IPC_RE.match(raw)
    if not m:
        raise InvalidValue("ipc_format", f"'{value}' is not an IPC symbol such as A23F or A23F 3/06",
                           f"“{value}”不是有效的 IPC 分类号（例：A23F 或 A23F 3/06）")
    section, cls, sub, group, subgroup = m.groups()
    if group is None:
        return f"{section}{cls}{sub}"
    return f"{section}{cls}{sub} {int(group)}/{subgroup.rjust(2, '0')}"


# ---- divisions and industries ------------------------------------------------------------------------

def normalize_region_code(value: str) -> str:
    code = str(value).strip()
    if not re.fullmatch(r"\d{6}", code) or code not in reference.regions():
        raise InvalidValue("region_code", f"unknown administrative division code '{value}'",
                           f"行政区划代码“{value}”不存在")
    return code


def normalize_industry_code(value: str) -> str:
    code = str(value).strip().upper()
    if code not in reference.industries():
        raise InvalidValue("industry_code", f"'{value}' is not a GB/T 4754-2017 industry code",
                           f"“{value}”不是 GB/T 4754-2017 国民经济行业代码")
    return code


def normalize_industry_section(value: str) -> str:
    """A GB/T 4754-2017 section (门类) letter, A to T."""
    code = str(value).strip().upper()
    found = reference.industries().get(code)
    if found is None or found.level != 1:
        raise InvalidValue("industry_section", f"'{value}' is not a GB/T 4754-2017 section letter (A–T)",
                           f"“{value}”不是 GB/T 4754-2017 行业门类代码（A–T）")
    return code


# ---- amounts, contacts, dates ------------------------------------------------------------------------

def normalize_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidValue("amount_format", f"'{value}' is not an amount", f"“{value}”不是有效金额") from None
    if not amount.is_finite():
        raise InvalidValue("amount_format", "amount must be a finite number", "金额必须是有限数字")
    if amount < 0:
        raise InvalidValue("amount_negative", "amount cannot be negative", "金额不能为负数")
    if amount > MAX_AMOUNT:
        raise InvalidValue("amount_too_large", "amount above CNY 100 billion", "金额超过 1000 亿元，请检查单位")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidValue("amount_precision", "amount has more than 2 decimal places", "金额最多保留两位小数")
    return amount.quantize(Decimal("0.01"))


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def normalize_phone(value: str) -> str:
    phone = re.sub(r"[\s()（）]", "", str(value)).removeprefix("+86")
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise InvalidValue("phone_format", f"'{value}' is not a Chinese mobile or landline number",
                           f"“{value}”不是有效的手机号或固定电话")
    return phone


def normalize_email(value: str) -> str:
    email = str(value).strip()
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidValue("email_format", f"'{value}' is not an e-mail address", f"“{value}”不是有效的电子邮箱")
    return email.lower()


def check_patent_date(value: date) -> date:
    if value < PATENT_LAW_START:
        raise InvalidValue("date_too_early", "date before China's patent law (1985-04-01)",
                           "日期早于《专利法》施行日（1985-04-01）")
    if value > beijing_today():
        raise InvalidValue("date_in_future", "date is in the future", "日期不能晚于今天")
    return value


def _strip_text(value):
    return value.strip() if isinstance(value, str) else value


# C0 control characters except tab, line feed and carriage return, and DEL: never part of a name, title or
# description (they break CSV/Excel exports and terminals; PostgreSQL refuses U+0000 in text columns).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_chars(value: str) -> bool:
    return _CONTROL.search(value) is not None


def check_no_control_chars(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        char = f"U+{ord(found.group()):04X}"
        raise InvalidValue("control_character", f"text contains the control character {char}",
                           f"文本含有不允许的控制字符（{char}）")
    return value


_refuse_control_chars = _pydantic(check_no_control_chars)


def _clean_text(value):
    if isinstance(value, str):  # checked before stripping: a control character is refused, not trimmed away
        _refuse_control_chars(value)
    return _strip_text(value)


# Database ids: PostgreSQL's INTEGER columns (SERIAL keys) hold 1 .. 2^31-1. A bigger number can name no
# row, and sent to the database it overflows the parameter (a 500), so it is a 422 at the edge.
MAX_ID = 2_147_483_647
Id = Annotated[int, Ge(1), Le(MAX_ID)]
# Page numbers of every paged list (pages beyond this are refused rather than computed as huge offsets).
MAX_PAGE = 10_000
PageNumber = Annotated[int, Ge(1), Le(MAX_PAGE)]


CreditCode = Annotated[str, AfterValidator(_pydantic(normalize_credit_code))]
ApplicationNumber = Annotated[str, AfterValidator(_pydantic(normalize_application_number))]
PublicationNumber = Annotated[str, AfterValidator(_pydantic(normalize_publication_number))]
IpcCode = Annotated[str, AfterValidator(_pydantic(normalize_ipc))]
RegionCode = Annotated[str, AfterValidator(_pydantic(normalize_region_code))]
IndustryCode = Annotated[str, AfterValidator(_pydantic(normalize_industry_code))]
IndustrySection = Annotated[str, AfterValidator(_pydantic(normalize_industry_section))]
Amount = Annotated[Decimal, BeforeValidator(_pydantic(normalize_amount))]
Phone = Annotated[str, AfterValidator(_pydantic(normalize_phone))]
Email = Annotated[str, AfterValidator(_pydantic(normalize_email))]
PatentDate = Annotated[date, AfterValidator(_pydantic(check_patent_date))]
# Free text (names, titles, descriptions): surrounding whitespace removed, control characters refused.
CleanText = Annotated[str, BeforeValidator(_clean_text)]


def check_future_date(value: date) -> date:
    if value < beijing_today():
        raise InvalidValue("date_in_past", "date must be today or later", "日期不能早于今天")
    if value.year > beijing_today().year + 20:
        raise InvalidValue("date_too_far", "date is more than 20 years ahead", "日期超出 20 年，请检查")
    return value


FutureDate = Annotated[date, AfterValidator(_pydantic(check_future_date))]

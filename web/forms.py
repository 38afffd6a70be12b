"""Turning HTML form posts into schema input, and validation errors into per-field Chinese messages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from ipplatform.common.errors import AppError, translate_errors

WAN = Decimal(10000)


def wan_to_yuan(value: str | None) -> str | None:
    """Pages take amounts in 万元; the API stores yuan. Invalid text is passed through for the validator."""
    if value is None or not str(value).strip():
        return None
    try:
        return str((Decimal(str(value).replace(",", "").strip()) * WAN).normalize())
    except InvalidOperation:
        return str(value)


def split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.replace("，", ",").replace("；", ",").replace(";", ",").split(",")
            if part.strip()]


def errors_by_field(exc: Exception) -> dict[str, str]:
    """{field: Chinese message} for a form, from a pydantic or application error."""
    if isinstance(exc, ValidationError):
        out: dict[str, str] = {}
        for item in translate_errors(exc.errors()):
            field = item["field"].split(".")[0]
            out.setdefault(field, item["message_zh"])
        return out
    if isinstance(exc, AppError):
        return {exc.field or "_form": exc.message_zh}
    raise exc

"""What the office and administration forms share: validation errors as Chinese messages that name the field
by its Chinese label (never ``credit_code：…``), the posted values kept for the form shown again, and the
pickers' options (GB/T 4754 industries grouped by section, divisions)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import ValidationError

from ipplatform import reference
from ipplatform.common.errors import AppError, translate_errors


def _message(field: str, message_zh: str) -> str:
    """The Chinese message without the field-name prefix ``translate_errors`` puts in front."""
    for prefix in (f"{field}：", f"{field}:"):
        if message_zh.startswith(prefix):
            return message_zh[len(prefix):]
    head, sep, rest = message_zh.partition("：")
    return rest if sep and head.replace("_", "").replace(".", "").isalnum() and head.isascii() else message_zh


def labelled_errors(exc: Exception, labels: dict[str, str]) -> dict[str, str]:
    """{field: "中文标签：说明"} for a form, from a pydantic or application error (``_form`` for the rest)."""
    out: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for item in translate_errors(exc.errors()):
            field = item["field"].split(".")[0] or "_form"
            key = field if field in labels else "_form"
            text = _message(item["field"], item["message_zh"])
            out.setdefault(key, f"{labels[field]}：{text}" if field in labels else text)
        return out
    if isinstance(exc, AppError):
        field = (exc.field or "").split(".")[0]
        if field in labels:
            return {field: f"{labels[field]}：{_message(exc.field, exc.message_zh)}"}
        return {"_form": exc.message_zh}
    raise exc


def kept(form, names) -> dict[str, str]:
    """The posted text of ``names`` (to show the form again as it was filled in)."""
    return {name: str(form.get(name) or "") for name in names}


def optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@lru_cache(maxsize=1)
def industry_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """GB/T 4754-2017 for a <select>: each section (门类) with its divisions (大类) and groups (中类)."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for code, item in reference.industries().items():
        if item.level == 1:
            out.append((f"{code} {item.name}", []))
        elif item.level in (2, 3) and out:
            indent = "" if item.level == 2 else "　"
            out[-1][1].append((code, f"{indent}{code} {item.name}"))
    return out


@lru_cache(maxsize=1)
def industry_sections() -> list[tuple[str, str]]:
    """Every GB/T 4754 section (门类): (letter, name)."""
    return [(code, item.name) for code, item in reference.industries().items() if item.level == 1]

"""What the office and administration forms share: the posted values kept for the form shown again and the
pickers' options (GB/T 4754 sections, divisions). Their errors come from
``web.forms.errors_by_field`` with each form's own label table."""

from __future__ import annotations

from functools import lru_cache

from ipplatform import reference


def kept(form, names) -> dict[str, str]:
    """The posted text of ``names`` (to show the form again as it was filled in)."""
    return {name: str(form.get(name) or "") for name in names}


def optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@lru_cache(maxsize=1)
def industry_sections() -> list[tuple[str, str]]:
    """Every GB/T 4754 section (门类): (letter, name)."""
    return [(code, item.name) for code, item in reference.industries().items() if item.level == 1]

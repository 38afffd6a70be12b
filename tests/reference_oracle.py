"""Expected answers derived from the reference tables (GB/T 4754-2017 industries), shared by the tests
that need to know which divisions make up an industry section."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from ipplatform import reference


@cache
def section_divisions() -> dict[str, frozenset[str]]:
    """Section letter → its two-digit division codes, e.g. ``"C"`` → ``{"13", …, "43"}``."""
    out: dict[str, set[str]] = defaultdict(set)
    for code, industry in reference.industries().items():
        if len(code) == 2:
            out[industry.section].add(code)
    return {section: frozenset(codes) for section, codes in out.items()}


def in_section(industry_code: str | None, section: str) -> bool:
    """Whether a (4-digit) industry code belongs to ``section``."""
    return (industry_code or "")[:2] in section_divisions().get(section, frozenset())

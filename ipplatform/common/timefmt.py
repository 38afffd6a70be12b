"""Timestamps as people in Xinyang read them: Beijing time (UTC+8) to the minute, no seconds, no offset."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def beijing_minute(value: datetime | None) -> str:
    """A stored timestamp (UTC; a naive one is taken as UTC) as ``2026-12-02 09:30``; ``None``: empty."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def beijing_today():
    """Today's date in Xinyang: the platform's day (statistics periods, deadlines, contract dates) is Beijing's,
    whatever the server's time zone."""
    return datetime.now(CHINA).date()


def beijing_day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The first instant of ``start`` and the last of ``end`` as Beijing days (UTC-aware; None stays None):
    what a period of days — statistics, a search's publication dates — covers."""
    lo = datetime.combine(start, time.min, CHINA).astimezone(timezone.utc) if start else None
    hi = datetime.combine(end, time.max, CHINA).astimezone(timezone.utc) if end else None
    return lo, hi

"""Timestamps as people in Xinyang read them: Beijing time (UTC+8) to the minute, no seconds, no offset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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

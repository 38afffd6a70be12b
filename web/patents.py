"""Pages: an organisation's patents: list, search, register, edit, lapse."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
NAV: list = []  # web.navigation.NavItem entries for the top menu

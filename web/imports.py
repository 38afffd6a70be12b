"""Pages: bulk import and export of patents, offers, demands and deals."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
NAV: list = []  # web.navigation.NavItem entries for the top menu

"""Pages: the office staff area: credit flags review, the dishonest list, organisations and verification, users."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
NAV: list = []  # web.navigation.NavItem entries for the top menu

"""Pages: matchmaking events: setup, registration, pairs, the board, outcomes and the report."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
NAV: list = []  # web.navigation.NavItem entries for the top menu

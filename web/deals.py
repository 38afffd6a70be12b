"""Pages: deals: the pipeline from an agreed match to a recorded deal, deal list and detail."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
NAV: list = []  # web.navigation.NavItem entries for the top menu

"""API routes of the domain (mounted under /api by ``ipplatform.main``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

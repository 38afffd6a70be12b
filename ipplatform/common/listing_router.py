"""Lifecycle endpoints (publish / withdraw / close) shared by the offer and demand routers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends

from ipplatform.common import lifecycle
from ipplatform.common.enums import ListingStatus
from ipplatform.common.errors import Forbidden
from ipplatform.dependencies import CurrentUser, DbSession

ACTIONS = {"publish": ListingStatus.PUBLISHED, "withdraw": ListingStatus.WITHDRAWN, "close": ListingStatus.CLOSED}


def add_lifecycle_routes(router: APIRouter, *, id_param: str, loader: Callable, can_edit: Callable,
                         read_model: type, forbidden_zh: str) -> None:
    for action, target in ACTIONS.items():
        def endpoint(user: CurrentUser, db: DbSession, listing=Depends(loader), _target=target):
            if not can_edit(user, listing):
                raise Forbidden("You may only change your own organisation's listings", forbidden_zh)
            lifecycle.transition(listing, _target)
            db.flush()
            return listing

        endpoint.__name__ = f"{action}_{router.prefix.strip('/')}"
        router.add_api_route(f"/{{{id_param}}}/{action}", endpoint, methods=["POST"], response_model=read_model,
                             summary=f"{action} ({target.zh})")

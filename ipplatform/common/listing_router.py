"""Lifecycle endpoints (publish / withdraw / close) shared by the offer and demand routers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends

from ipplatform.common.enums import ListingStatus
from ipplatform.common.lifecycle import ACTIONS, change_status
from ipplatform.dependencies import CurrentUser, DbSession


def _endpoint(target: ListingStatus, loader: Callable):
    # The target is bound here, in code: the endpoint's signature has no parameter a client could set.
    def endpoint(user: CurrentUser, db: DbSession, listing=Depends(loader)):
        change_status(user, listing, target)
        db.flush()
        return listing

    return endpoint


def add_lifecycle_routes(router: APIRouter, *, id_param: str, loader: Callable, read_model: type) -> None:
    for action, target in ACTIONS.items():
        endpoint = _endpoint(target, loader)
        endpoint.__name__ = f"{action}_{router.prefix.strip('/')}"
        router.add_api_route(f"/{{{id_param}}}/{action}", endpoint, methods=["POST"], response_model=read_model,
                             summary=f"{action} ({target.zh})")

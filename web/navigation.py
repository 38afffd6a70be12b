"""The top menu, assembled from the page modules: each module of ``web/`` may define ``NAV``, a list of
:class:`NavItem`; ``web.routes`` collects them and ``base.html`` shows the ones a user may use, in ``order``.
A domain adds its menu entry in its own module, not in the shared template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ipplatform.auth import policy


@dataclass(frozen=True)
class NavItem:
    label: str  # Chinese, short: the menu must fit one line at 1280 px
    href: str
    order: int  # 10s: public reading, 20s: publishing, 30s: one's own work, 50s: office staff, 90s: administration
    visible: Callable[[object], bool] = lambda user: True  # user is None when anonymous
    testid: str | None = None


def anyone(user) -> bool:
    return True


def signed_in(user) -> bool:
    return user is not None


def may(action: policy.Action) -> Callable[[object], bool]:
    """Visible to users whose role can do ``action`` at all (see ``policy.may_ever``)."""
    return lambda user: policy.may_ever(user, action)


ITEMS: list[NavItem] = []  # filled by web.routes.install from every page module's NAV


def register(items) -> None:
    for item in items:
        if item not in ITEMS:
            ITEMS.append(item)
    ITEMS.sort(key=lambda i: i.order)


def items_for(user) -> list[NavItem]:
    return [i for i in ITEMS if i.visible(user)]

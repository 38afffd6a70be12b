from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ipplatform.common.validators import PageNumber

T = TypeVar("T")


class AppSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=True)


class InputSchema(AppSchema):
    """Inputs reject unknown fields so a typo never silently drops data."""

    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=True, extra="forbid")


class Page(AppSchema, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, found: tuple[list, int], params: PageParams) -> Page:
        """The response for ``paginate``'s (items, total) of the requested page."""
        items, total = found
        return cls(items=items, total=total, page=params.page, page_size=params.page_size)


class PageParams(AppSchema):
    page: PageNumber = 1
    page_size: int = Field(20, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def paginate(db, stmt, page: PageParams, *order_by) -> tuple[list, int]:
    """One page of ``stmt`` in the given order, and the total number of rows it selects."""
    from sqlalchemy import func, select

    total = db.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(db.scalars(stmt.order_by(*order_by).offset(page.offset).limit(page.page_size)).unique())
    return items, total

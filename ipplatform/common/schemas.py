from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

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


class PageParams(AppSchema):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

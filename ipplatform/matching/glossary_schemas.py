"""Input and output of the industry glossary API (``/api/glossary``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ipplatform.common.schemas import AppSchema, InputSchema
from ipplatform.common.validators import CleanText

Industry = Literal["tea", "agriculture", "aquaculture", "food", "materials", "energy", "equipment", "textiles",
                   "electronics", "construction", "medicine", "general"]
Term = Annotated[CleanText, Field(min_length=1, max_length=30)]


def _terms(values: list[str]) -> list[str]:
    out = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if not out:
        raise PydanticCustomError("terms_empty", "{en}", {"en": "at least one term is needed", "zh": "至少填写一个词"})
    return out


class GlossaryTermCreate(InputSchema):
    industry: Industry = Field(description="tea, agriculture, aquaculture, food, materials, energy, equipment, "
                               "textiles, electronics, construction, medicine, general")
    colloquial: list[Term] = Field(min_length=1, max_length=20, description="everyday words that trigger the entry")
    technical: list[Term] = Field(min_length=1, max_length=20, description="terms patents use, searched for as well")
    note: CleanText | None = Field(None, max_length=500)
    active: bool = True

    _clean = field_validator("colloquial", "technical")(classmethod(lambda cls, v: _terms(v)))


class GlossaryTermUpdate(InputSchema):
    industry: Industry | None = None
    colloquial: list[Term] | None = Field(None, min_length=1, max_length=20)
    technical: list[Term] | None = Field(None, min_length=1, max_length=20)
    note: CleanText | None = Field(None, max_length=500)
    active: bool | None = None

    _clean = field_validator("colloquial", "technical")(classmethod(lambda cls, v: v if v is None else _terms(v)))


class GlossaryTermRead(AppSchema):
    id: int
    industry: str
    industry_zh: str
    colloquial: list[str]
    technical: list[str]
    note: str | None
    active: bool
    updated_at: datetime


class GlossaryHitRead(AppSchema):
    colloquial: str
    technical: list[str]
    entry_id: int | None
    explanation: str


class GlossaryPreview(AppSchema):
    need: str
    context: list[str]
    hits: list[GlossaryHitRead]
    keyphrases: list[str]

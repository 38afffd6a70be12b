"""Tables of the matching-quality work: the industry glossary (行业术语表) and the learned rankers.

- ``GlossaryTerm``: colloquial words an enterprise writes (浮头, 谷壳, 趴窝) and the technical terms
  patents use for the same thing (增氧, 稻壳, 故障预警), per industry; office staff keep it in the UI,
  the matcher adds the technical terms to both retrieval legs and says so in the explanation.
- ``RankerModel``: a LightGBM ranker trained by ``python -m ipplatform.matching.train`` (model text,
  features, calibration, cross-validation report); the newest active row is the one matching uses.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ipplatform.database import Base, TimestampMixin

INDUSTRIES = {  # key → 中文名 (the glossary's industries: Xinyang's main ones, plus a general list)
    "tea": "茶叶", "agriculture": "种植与农机", "aquaculture": "水产与畜禽养殖", "food": "食品与粮油加工",
    "materials": "新材料", "energy": "能源与电力", "equipment": "装备制造", "textiles": "纺织服装",
    "electronics": "电子信息", "construction": "建筑建材", "medicine": "医药健康", "general": "通用",
}


class GlossaryTerm(TimestampMixin, Base):
    __tablename__ = "glossary_term"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    industry: Mapped[str] = mapped_column(String(32), index=True)
    colloquial: Mapped[list[str]] = mapped_column(JSON)  # what people write; any one of them triggers the entry
    technical: Mapped[list[str]] = mapped_column(JSON)  # what patents write
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)


class RankerModel(TimestampMixin, Base):
    __tablename__ = "ranker_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="lightgbm-lambdarank")
    features: Mapped[list[str]] = mapped_column(JSON)
    model_text: Mapped[str] = mapped_column(Text)  # LightGBM's text dump (Booster.model_to_string)
    calibration: Mapped[dict] = mapped_column(JSON, default=dict)  # the "no strong match" threshold and its basis
    report: Mapped[dict] = mapped_column(JSON, default=dict)  # training data, per-fold CV, encoder, time taken
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    trained_groups: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(200), default="")

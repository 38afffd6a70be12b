"""Importing offers and demands from the platform's Excel templates, for one organisation, upserted by
title (the same title again updates that listing). Amounts are in 万元 as on the forms; transaction modes,
maturity and status are written with their Chinese labels. Offers name their patents by application number
(patents of the importing organisation, registered before or earlier in the same import)."""

from __future__ import annotations

from sqlalchemy import select

from ipplatform.common import lifecycle
from ipplatform.common.enums import ListingStatus, TransactionMode
from ipplatform.common.validators import (InvalidValue, normalize_application_number, normalize_industry_code,
                                          normalize_ipc, normalize_region_code)
from ipplatform.demands import service as demands_service
from ipplatform.demands.models import Demand
from ipplatform.demands.schemas import DemandCreate, DemandUpdate
from ipplatform.imports.columns import Column, Layout, parse_date, parse_wan, parse_yes_no, split_list, split_names, text
from ipplatform.imports.engine import NEW, UNCHANGED, UPDATED, Cells, Context, RowError, RowErrors
from ipplatform.offers import service as offers_service
from ipplatform.offers.enums import Maturity
from ipplatform.offers.models import Offer
from ipplatform.offers.schemas import OfferCreate, OfferUpdate
from ipplatform.patents.models import Patent

MODE_BY_LABEL = {m.zh: m for m in TransactionMode} | {m.value: m for m in TransactionMode} | {
    "许可": TransactionMode.ORDINARY_LICENCE, "质押": TransactionMode.PLEDGE, "入股": TransactionMode.EQUITY}
MATURITY_BY_LABEL = {m.zh: m for m in Maturity} | {m.value: m for m in Maturity}
# Only 已发布 publishes; the other statuses an export writes read back as "do not publish" (the importer
# never withdraws or closes a listing).
STATUS_BY_LABEL = {s.zh: s is ListingStatus.PUBLISHED for s in ListingStatus} | {"发布": True, "": False}
CONTACT = (Column("contact_name", "联系人", ("联系人姓名",)), Column("contact_phone", "联系电话", ("电话", "手机")),
           Column("contact_email", "联系邮箱", ("邮箱", "电子邮箱", "Email")))
LISTING_ONLY = {"owner_org_id", "org_id", "publish"}  # create-only fields, not compared or updated
MODES_NOTE = "多个用分号分隔：" + "、".join(m.zh for m in TransactionMode)
STATUS_COL = Column("status", "状态", ("发布状态",), note="草稿 或 已发布（已发布的直接公开）", choices=("草稿", "已发布"),
                    example="草稿")


def _modes(raw: str) -> list[TransactionMode]:
    out = []
    for word in split_list(raw):
        if word not in MODE_BY_LABEL:
            raise InvalidValue("mode", f"unknown transaction mode '{word}'", f"交易方式“{word}”无效，应为：{MODES_NOTE[9:]}")
        out.append(MODE_BY_LABEL[word])
    return out


def _publish(raw: str) -> bool:
    if raw not in STATUS_BY_LABEL:
        raise InvalidValue("status", f"unknown status '{raw}'", f"状态“{raw}”无效，应为“草稿”或“已发布”")
    return STATUS_BY_LABEL[raw]


def _label(table: dict, what: str):
    def parse(raw: str):
        if raw not in table:
            raise InvalidValue("choice", f"unknown {what} '{raw}'", f"“{raw}”无效，应为：{'、'.join(k for k in table if not k.isascii())}")
        return table[raw]
    return parse


def _contacts(cells: Cells) -> dict:
    return {k: text(cells.raw(k)) or None for k in ("contact_name", "contact_phone", "contact_email")}


def _same(obj, values: dict) -> bool:
    return all(getattr(obj, k) == (v.value if hasattr(v, "value") else v) if not isinstance(v, list)
               else list(getattr(obj, k)) == [x.value if hasattr(x, "value") else x for x in v] for k, v in values.items())


OFFER_LAYOUT = Layout("offers", "供给", (
    Column("title", "供给标题", ("标题", "项目名称", "成果名称", "供给名称"), True, "以标题识别同一条供给，重复导入即更新",
           example="一种无人机机载多功能盒"),
    Column("patents", "专利申请号", ("申请号", "专利", "包含专利"), True, "本机构已登记专利的申请号，多个用分号分隔",
           example="CN202223220665.2"),
    Column("modes", "交易方式", ("转化方式", "交易模式"), True, MODES_NOTE, tuple(m.zh for m in TransactionMode), "转让"),
    Column("asking_price", "报价（万元）", ("报价(万元)", "价格（万元）", "转让价格（万元）"), note="不填且“面议”为“是”表示面议",
           example="50"),
    Column("negotiable", "面议", ("是否面议", "价格面议"), note="是 或 否", choices=("是", "否"), example="是"),
    Column("open_licence_fee", "开放许可费（万元）", ("开放许可使用费（万元）",), note="开放许可必填"),
    Column("open_licence_terms", "开放许可条件", ("开放许可条款",)),
    Column("application_fields", "应用领域", ("应用行业",), note="多个用分号分隔"),
    Column("maturity", "成熟度", ("技术成熟度",), note="、".join(m.zh for m in Maturity), choices=tuple(m.zh for m in Maturity)),
    Column("description", "项目简介", ("简介", "描述", "供给描述", "技术简介")),
    *CONTACT,
    Column("expires_on", "有效期至", ("截止日期", "有效期"), note="不早于今天"),
    STATUS_COL,
))


class OfferImport:
    layout = OFFER_LAYOUT
    needs_owner = True
    field_keys = {"patent_ids": "patents"}

    def parse(self, ctx: Context, cells: Cells) -> dict:
        title = text(cells.raw("title"))
        if not title:
            cells.fail("title", "供给标题不能为空", "title is required")
        numbers = cells.get("patents", lambda v: [normalize_application_number(n) for n in split_list(v)],
                            required_zh="专利申请号") or []
        values = {"title": title, "modes": cells.get("modes", _modes, required_zh="交易方式") or [],
                  "asking_price": cells.get("asking_price", parse_wan),
                  "negotiable": cells.get("negotiable", parse_yes_no),
                  "open_licence_fee": cells.get("open_licence_fee", parse_wan),
                  "open_licence_terms": text(cells.raw("open_licence_terms")) or None,
                  "application_fields": split_names(cells.raw("application_fields")),
                  "maturity": cells.get("maturity", _label(MATURITY_BY_LABEL, "maturity")),
                  "description": text(cells.raw("description")) or None, **_contacts(cells),
                  "expires_on": cells.get("expires_on", parse_date)}
        if values["negotiable"] is None:
            values["negotiable"] = values["asking_price"] is None
        publish = cells.get("status", _publish) or False
        cells.check()
        return {"values": values, "numbers": numbers, "publish": publish, "cells": cells}

    def key(self, record: dict) -> str:
        return record["values"]["title"]

    def lookup(self, ctx: Context, records: list[dict]) -> dict:
        numbers = {n for r in records for n in r["numbers"]}
        ctx.state["patents"] = dict(ctx.db.execute(select(Patent.application_number, Patent.id).where(
            Patent.application_number.in_(numbers), Patent.owner_org_id == ctx.owner.id)).all())
        offers = ctx.db.scalars(select(Offer).where(Offer.owner_org_id == ctx.owner.id,
                                                    Offer.title.in_([self.key(r) for r in records])).order_by(Offer.id))
        return {o.title: o for o in offers}

    def classify(self, ctx: Context, record: dict, existing: Offer | None) -> str:
        cells: Cells = record["cells"]
        missing = [n for n in record["numbers"] if n not in ctx.state["patents"]]
        if missing:
            raise RowErrors([RowError("patents", "；".join(missing), f"专利 {'、'.join(missing)} 未登记为“{ctx.owner.name}”的专利",
                                      f"patents {missing} are not registered for this organisation")])
        values = {**record["values"], "patent_ids": [ctx.state["patents"][n] for n in record["numbers"]]}
        data = cells.validate(OfferCreate, {**values, "publish": record["publish"]}, self.field_keys)
        # the service's rules on the patents (in force; granted and valid for a pledge or an open licence),
        # checked here too so that a dry run reports them
        offers_service._patents_for(ctx.db, data.patent_ids, ctx.owner.id, data.modes)  # noqa: SLF001
        record["data"] = data
        if existing is None:
            return NEW
        same = _same(existing, data.model_dump(exclude=LISTING_ONLY | {"patent_ids"})) and sorted(
            p.id for p in existing.patents) == sorted(data.patent_ids)
        wants_published = record["publish"] and existing.status != ListingStatus.PUBLISHED
        return UNCHANGED if same and not wants_published else UPDATED

    def apply(self, ctx: Context, record: dict, existing: Offer | None, outcome: str) -> None:
        data: OfferCreate = record["data"]
        if existing is None:
            offer = offers_service.create(ctx.db, data,
                                          owner=ctx.owner, publisher_org_id=ctx.state.get("publisher_org_id") or ctx.owner.id,
                                          user_id=ctx.user_id)
        else:
            offer = offers_service.update(ctx.db, existing, OfferUpdate(**data.model_dump(exclude=LISTING_ONLY)))
            if record["publish"] and offer.status != ListingStatus.PUBLISHED:
                lifecycle.transition(offer, ListingStatus.PUBLISHED)
        ctx.pending.append(offer)


DEMAND_LAYOUT = Layout("demands", "需求", (
    Column("title", "需求标题", ("标题", "需求名称", "项目名称"), True, "以标题识别同一条需求，重复导入即更新",
           example="信阳毛尖名优绿茶连续化加工装备"),
    Column("description", "需求描述", ("描述", "需求内容", "技术需求", "需求详情"), True, "至少 10 个字"),
    Column("industry_code", "行业代码", ("所属行业代码", "国民经济行业代码", "行业"), note="GB/T 4754-2017，如 1530",
           example="1530"),
    Column("region_code", "地区代码", ("所在地区代码", "行政区划代码"), note="如 411524（商城县）", example="411524"),
    Column("preferred_ipc", "技术领域IPC", ("偏好IPC", "IPC", "IPC分类号"), note="多个用分号分隔，如 A23F"),
    Column("modes", "交易方式", ("合作方式", "转化方式"), note=MODES_NOTE, choices=tuple(m.zh for m in TransactionMode),
           example="转让"),
    Column("budget_min", "预算下限（万元）", ("预算下限(万元)", "最低预算（万元）")),
    Column("budget_max", "预算上限（万元）", ("预算上限(万元)", "最高预算（万元）", "预算（万元）")),
    Column("deadline", "截止日期", ("需求截止日期", "有效期至"), note="不早于今天"),
    *CONTACT,
    STATUS_COL,
))


class DemandImport:
    layout = DEMAND_LAYOUT
    needs_owner = True

    def parse(self, ctx: Context, cells: Cells) -> dict:
        values = {"title": text(cells.raw("title")), "description": text(cells.raw("description")),
                  "industry_code": cells.get("industry_code", normalize_industry_code),
                  "region_code": cells.get("region_code", normalize_region_code),
                  "preferred_ipc": cells.get("preferred_ipc", lambda v: [normalize_ipc(c) for c in split_list(v)]) or [],
                  "modes": cells.get("modes", _modes) or [], "budget_min": cells.get("budget_min", parse_wan),
                  "budget_max": cells.get("budget_max", parse_wan), "deadline": cells.get("deadline", parse_date),
                  **_contacts(cells)}
        publish = cells.get("status", _publish) or False
        cells.check()
        data = cells.validate(DemandCreate, {**values, "publish": publish})
        return {"data": data, "publish": publish}

    def key(self, record: dict) -> str:
        return record["data"].title

    def lookup(self, ctx: Context, records: list[dict]) -> dict:
        demands = ctx.db.scalars(select(Demand).where(Demand.org_id == ctx.owner.id, Demand.title.in_(
            [self.key(r) for r in records])).order_by(Demand.id))
        return {d.title: d for d in demands}

    def classify(self, ctx: Context, record: dict, existing: Demand | None) -> str:
        if existing is None:
            return NEW
        same = _same(existing, record["data"].model_dump(exclude=LISTING_ONLY))
        return UNCHANGED if same and not (record["publish"] and existing.status != ListingStatus.PUBLISHED) else UPDATED

    def apply(self, ctx: Context, record: dict, existing: Demand | None, outcome: str) -> None:
        data: DemandCreate = record["data"]
        if existing is None:
            demand = demands_service.create(ctx.db, data,
                                            org_id=ctx.owner.id, user_id=ctx.user_id)
        else:
            demand = demands_service.update(ctx.db, existing, DemandUpdate(**data.model_dump(exclude=LISTING_ONLY)))
            if record["publish"] and demand.status != ListingStatus.PUBLISHED:
                lifecycle.transition(demand, ListingStatus.PUBLISHED)
        ctx.pending.append(demand)

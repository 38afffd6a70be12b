"""The event report: registered vs attended, meetings scheduled vs held, outcomes by industry and county
of the demand side, the most requested offers, and the follow-up: deals recorded afterwards that trace
back to the event (30 and 90 days after it). As a dict for the page and its charts, and as Excel."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform import reference
from ipplatform.common.spreadsheet import textify
from ipplatform.events import meetings as meetings_service, pairs as pairs_service
from ipplatform.events.enums import HELD, Outcome, RegistrationStatus
from ipplatform.events.models import Event
from ipplatform.events.service import participants
from ipplatform.offers.models import Offer
from ipplatform.outcomes.enums import DealStatus
from ipplatform.outcomes.models import Deal

OUTCOMES = [o for o in Outcome if o != Outcome.PENDING]


def _industry(code: str | None) -> str:
    if not code:
        return "未填行业"
    return reference.industry_name(code[:2], "") or code[:2]


def _county(code: str | None) -> str:
    return reference.region_name(code, "", full=False) if code else "未知"


def build(db: Session, event: Event) -> dict:
    people = participants(db, event.id)
    approved = [p for p in people if p.status == RegistrationStatus.APPROVED]
    items = meetings_service.meetings(db, event.id)
    held = [m for m in items if m.outcome in HELD]
    by_outcome = Counter(m.outcome for m in items)
    by_industry: dict[str, Counter] = defaultdict(Counter)
    by_county: dict[str, Counter] = defaultdict(Counter)
    for m in items:
        if m.outcome == Outcome.PENDING:
            continue
        org = m.pair.b.organisation  # the demand side: the enterprise the technology would go to
        by_industry[_industry(org.industry_code)][m.outcome] += 1
        by_county[_county(org.county_code)][m.outcome] += 1
    agreements = [m for m in items if m.outcome == Outcome.AGREEMENT]
    deals = list(db.scalars(select(Deal).where(Deal.event_id == event.id).order_by(Deal.id)).unique())
    recorded = [d for d in deals if d.status == DealStatus.RECORDED]

    def within(days: int) -> list[Deal]:
        return [d for d in recorded if d.contract_date and d.contract_date <= event.day + timedelta(days=days)]

    offers = {o.id: o for o in db.scalars(select(Offer).where(Offer.id.in_(
        [i for i, _ in pairs_service.most_requested(db, event.id)]))).unique()}
    return {
        "registered": len(people), "approved": len(approved),
        "attended": len([p for p in approved if p.checked_in_at]),
        "scheduled": len(items), "held": len(held),
        "outcomes": [{"key": o.value, "label": o.zh, "value": by_outcome.get(o, 0)} for o in OUTCOMES],
        "by_industry": _rows(by_industry), "by_county": _rows(by_county),
        "agreements": len(agreements), "agreement_amount": float(sum((m.amount or Decimal(0)) for m in agreements)),
        "most_requested": [{"offer_id": i, "title": offers[i].title, "owner": offers[i].owner.name, "count": n}
                           for i, n in pairs_service.most_requested(db, event.id) if i in offers],
        "deals": [{"id": d.id, "type": d.type.zh, "from": d.from_org.name, "to": d.to_org.name if d.to_org else "",
                   "amount": float(d.counted_amount or 0), "status": d.status.zh,
                   "contract_date": d.contract_date.isoformat() if d.contract_date else ""} for d in deals],
        "follow_up": [{"days": n, "deals": len(within(n)), "amount": float(sum((d.counted_amount or 0) for d in within(n)))}
                      for n in (30, 90)],
        "recorded_deals": len(recorded),
    }


def _rows(table: dict[str, Counter]) -> list[dict]:
    return [{"label": k, **{o.value: c.get(o, 0) for o in OUTCOMES}, "total": sum(c.values())}
            for k, c in sorted(table.items(), key=lambda kv: -sum(kv[1].values()))]


def excel(db: Session, event: Event) -> bytes:
    data = build(db, event)
    wb = Workbook()
    ws = wb.active
    ws.title = "概览"
    rows = [("活动", event.title), ("日期", event.day.isoformat()), ("地点", event.venue), ("报名机构", data["registered"]),
            ("审核通过", data["approved"]), ("签到", data["attended"]), ("安排洽谈", data["scheduled"]),
            ("实际洽谈", data["held"]), ("签约", data["agreements"]), ("签约金额（元）", data["agreement_amount"]),
            ("已登记交易（溯源本活动）", data["recorded_deals"])]
    rows += [(f"活动后 {f['days']} 天内登记交易", f"{f['deals']} 笔 / {f['amount']:.2f} 元") for f in data["follow_up"]]
    for row in rows:
        ws.append(list(row))
    for title, key in (("按行业", "by_industry"), ("按县区", "by_county")):
        sheet = wb.create_sheet(title)
        sheet.append(["分组", *[o.zh for o in OUTCOMES], "合计"])
        for r in data[key]:
            sheet.append([r["label"], *[r[o.value] for o in OUTCOMES], r["total"]])
    sheet = wb.create_sheet("热门供给")
    sheet.append(["供给编号", "标题", "权利人", "邀约及确认次数"])
    for r in data["most_requested"]:
        sheet.append([r["offer_id"], r["title"], r["owner"], r["count"]])
    sheet = wb.create_sheet("洽谈明细")
    sheet.append(["时段", "桌号", "供给方", "需求方", "结果", "金额（元）", "备注"])
    labels = {m.id: m for m in meetings_service.read_models(db, event, meetings_service.meetings(db, event.id))}
    for m in meetings_service.meetings(db, event.id):
        r = labels[m.id]
        sheet.append([r.slot_label, r.table_no, r.a_name, r.b_name, r.outcome_zh, float(m.amount) if m.amount else None,
                      m.note or ""])
    sheet = wb.create_sheet("交易跟踪")
    sheet.append(["交易编号", "类型", "出让/许可方", "受让/被许可方", "金额（元）", "状态", "合同日期"])
    for d in data["deals"]:
        sheet.append([d["id"], d["type"], d["from"], d["to"], d["amount"], d["status"], d["contract_date"]])
    for s in wb.worksheets:
        for cell in s[1]:
            cell.font = Font(bold=True)
        s.column_dimensions["A"].width = 24
        s.column_dimensions["B"].width = 28
    buf = io.BytesIO()
    textify(wb)  # titles and notes are what users typed
    wb.save(buf)
    return buf.getvalue()

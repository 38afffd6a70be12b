"""E-mail the demanding organisation about new strong matches, when SMTP is configured."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipplatform.common import mail
from ipplatform.config import get_settings
from ipplatform.demands.models import Demand
from ipplatform.matching.models import Match



def compose(demand: Demand, matches: list[Match], base_url: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"【信阳知识产权运营平台】需求“{demand.title}”有 {len(matches)} 项新的高度匹配专利"
    lines = [f"{demand.organisation.name}：", "", f"您发布的技术需求“{demand.title}”有新的高度匹配专利：", ""]
    for m in matches:
        terms = "、".join(m.explanation.get("shared_terms", [])[:5])
        lines.append(f"{m.rank}. {m.offer.title}（{m.offer.owner.name}）" + (f" 共同关键词：{terms}" if terms else ""))
    lines += ["", f"查看详情并反馈产业化前景与合作意向：{base_url}/demands/{demand.id}"]
    msg.set_content("\n".join(lines))
    return msg


def notify_demand(db: Session, demand: Demand) -> int:
    """Send one message with the demand's strong matches not yet notified. Returns matches notified."""
    settings = get_settings()
    to = demand.contact_email or demand.organisation.contact_email
    if not mail.configured() or not to:
        return 0
    fresh = list(db.scalars(select(Match).where(Match.demand_id == demand.id, Match.strong.is_(True),
                                                Match.notified.is_(False)).order_by(Match.rank)).unique())
    if not fresh:
        return 0
    if not mail.send(compose(demand, fresh, settings.public_url), to, "match e-mail (retried with the next run)"):
        return 0
    for m in fresh:
        m.notified = True
    db.flush()
    return len(fresh)

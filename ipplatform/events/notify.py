"""E-mails of an event: reminders to participants without an accepted meeting, and each participant's
schedule once it is out. Sent like the match e-mails (``ipplatform.matching.notify``): through
``IPP_SMTP_HOST`` when it is configured, to the organisation's contact address; nothing otherwise."""

from __future__ import annotations

from email.message import EmailMessage

from ipplatform.common import mail
from ipplatform.config import get_settings
from ipplatform.events.models import Event, Meeting, Participant


def _send(to: str, subject: str, body: str) -> bool:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg.set_content(body)
    return mail.send(msg, to, "event e-mail")


def remind(event: Event, people: list[Participant]) -> list[Participant]:
    """Remind each participant without an accepted meeting to book; returns those reached."""
    url = get_settings().public_url
    reached = []
    for p in people:
        body = "\n".join([f"{p.organisation.name}：", "",
                          f"您已报名“{event.title}”（{event.day:%Y-%m-%d}，{event.venue}），目前还没有已确认的一对一洽谈。",
                          "平台已根据语义匹配为您推荐了洽谈对象，请尽快查看并发出邀约：", f"{url}/events/{event.id}/me"])
        if _send(p.organisation.contact_email or "", f"【信阳知识产权运营平台】请预约“{event.title}”的洽谈", body):
            reached.append(p)
    return reached


def send_schedules(event: Event, plan: dict[int, tuple[Participant, list[tuple[str, int, str]]]]) -> set[int]:
    """E-mail each participant its meetings (slot label, table, counterpart); returns the participant ids
    reached, so their meetings can be marked notified."""
    url = get_settings().public_url
    reached = set()
    for pid, (p, rows) in plan.items():
        lines = [f"{p.organisation.name}：", "", f"“{event.title}”（{event.day:%Y-%m-%d}，{event.venue}）的洽谈安排：", ""]
        lines += [f"{label}  第 {table} 桌  {other}" for label, table, other in rows]
        lines += ["", f"打印日程：{url}/events/{event.id}/me/print"]
        if _send(p.organisation.contact_email or "", f"【信阳知识产权运营平台】“{event.title}”洽谈日程", "\n".join(lines)):
            reached.add(pid)
    return reached


def meetings_by_participant(meetings: list[Meeting], labels: dict[str, str]) -> dict[int, tuple]:
    plan: dict[int, tuple[Participant, list]] = {}
    for m in meetings:
        for me, other in ((m.pair.a, m.pair.b), (m.pair.b, m.pair.a)):
            plan.setdefault(me.id, (me, []))[1].append((labels.get(m.slot, m.slot), m.table_no, other.organisation.name))
    return plan

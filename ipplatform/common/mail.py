"""Sending one e-mail through ``IPP_SMTP_HOST`` (STARTTLS and login when ``IPP_SMTP_USER`` is set): the match
notices and the event e-mails share it. Nothing is sent when SMTP is not configured."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from ipplatform.config import get_settings

log = logging.getLogger(__name__)


def configured() -> bool:
    return bool(get_settings().smtp_host)


def send(msg: EmailMessage, to: str, what: str = "e-mail") -> bool:
    """Send ``msg`` (its From and To are set here) to ``to``; False when SMTP is not configured, there is no
    address, or the server refused (logged as ``what``)."""
    settings = get_settings()
    if not settings.smtp_host or not to:
        return False
    msg["From"], msg["To"] = settings.smtp_from, to
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_user:
                smtp.starttls()
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("%s to %s failed: %s", what, to, exc)
        return False
    return True

"""The Chinese HTML error page browsers get on the pages (the API answers the same errors in JSON; see
``ipplatform.common.errors``)."""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.responses import Response

from ipplatform.dependencies import optional_user
from web.forms import detail_message
from web.templating import render

log = logging.getLogger(__name__)

TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "未找到该页面",
    405: "不支持该请求方式",
    409: "操作与当前状态冲突",
    413: "提交的内容过大",
    415: "不支持的内容类型",
    422: "输入有误",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "系统繁忙",
}


def _visitor(request: Request):
    """The logged-in user for the page header, if it can be found cheaply; None otherwise."""
    factory = getattr(request.app.state, "session_factory", None)
    if factory is None:
        return None, None
    db = factory()
    try:
        return optional_user(request, db, None), db
    except Exception:  # noqa: BLE001 - an error page must render even when the login cannot be read
        db.close()
        return None, None


def error_page(request: Request, status_code: int, body: dict, headers: dict[str, str]) -> Response:
    """``body`` (the bilingual error) as the page for a browser, with the same status and headers: every
    error status of the pages (400, 403 无权访问 with the reason, 404, 409, 422 …) uses ``error.html``."""
    # No database work for 5xx: the database may be what failed (or is locked for seconds).
    user, db = _visitor(request) if status_code < 500 else (None, None)
    # The API's messages lead with internal field names (``status：…``): a page names the field in Chinese.
    # A part of the address typed by hand (``/offers/abc``, ``/offers/1/bogus``) reads 网址, a query parameter 查询条件.
    details = [detail_message(d.get("field"), d["message_zh"], "网址" if (d.get("loc") or [""])[0] == "path" else "查询条件")
               for d in body.get("detail", []) if d.get("message_zh")]
    message = body.get("message_zh") or "请求失败"
    if details and body.get("detail"):
        message = TITLES.get(status_code, "输入有误")
    if len(details) == 1 and details[0] in message:
        details = []
    try:
        return render(request, "error.html", user, status_code, headers=headers, status=status_code,
                      title=TITLES.get(status_code, "请求失败"), message=message, details=details,
                      retry_after=headers.get("Retry-After"))
    finally:
        if db is not None:
            db.close()

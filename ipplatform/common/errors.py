"""Application errors with bilingual (Chinese/English) messages, and their HTTP rendering.

Every error body has the same shape (:class:`ErrorBody`, documented in the OpenAPI for every status)::

    {"message": "...", "message_zh": "...", "code": "...", "detail": [{"field": "credit_code", "loc": [...],
      "type": "...", "message": "...", "message_zh": "..."}]}

API paths (``/api/...``) always answer JSON. Other paths (the pages) answer browsers with a Chinese HTML
error page (the renderer ``install_handlers`` is given) and keep JSON for clients that ask only for JSON.
This holds for application errors, validation errors, Starlette's own 404/405, parse errors, 413 and 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from ipplatform.common.enums import labels_of

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    field: str
    loc: list[str | int]
    type: str
    message: str
    message_zh: str


class ErrorBody(BaseModel):
    """Every error answer: English and Chinese message, a machine-readable code, field-level details."""

    message: str
    message_zh: str
    code: str
    detail: list[ErrorDetail]


class AppError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: str, message_zh: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        self.field = field
        if code:
            self.code = code

    def headers(self) -> dict[str, str]:
        return {}

    def body(self) -> dict[str, Any]:
        detail = []
        if self.field:
            detail.append({"field": self.field, "loc": ["body", *self.field.split(".")], "type": self.code,
                           "message": self.message, "message_zh": self.message_zh})
        return {"message": self.message, "message_zh": self.message_zh, "code": self.code, "detail": detail}


class NotFound(AppError):
    status_code = 404
    code = "not_found"

    def __init__(self, entity: str, entity_zh: str, key: Any):
        super().__init__(f"{entity} {key} not found", f"未找到{entity_zh}（{key}）")


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"

    def __init__(self, message: str = "You may not do this", message_zh: str = "无权执行此操作"):
        super().__init__(message, message_zh)


class Unauthenticated(AppError):
    status_code = 401
    code = "unauthenticated"

    def __init__(self, message: str = "Login required", message_zh: str = "请先登录"):
        super().__init__(message, message_zh)


class FieldError(AppError):
    """A business-rule violation tied to one input field (rendered like a validation error)."""

    status_code = 422
    code = "invalid"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class ServiceBusy(AppError):
    """The database stayed locked (SQLite) or refused to serialise the transaction (PostgreSQL): nothing
    was changed, and the same request may simply be sent again."""

    status_code = 503
    code = "busy"
    retry_after = 2

    def __init__(self) -> None:
        super().__init__("The database is busy; nothing was changed, please retry shortly",
                         "系统繁忙，本次操作未生效，请稍后重试")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class BodyTooLarge(StarletteHTTPException):
    """A request body above the route's limit (raised while the body is read, so FastAPI passes it on)."""

    code = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413)
        mib = f"{limit / 1024 / 1024:g}"
        self.message = f"The request body is larger than {mib} MiB"
        self.message_zh = f"提交的内容过大（上限 {mib} MB）"


# SQLSTATEs of PostgreSQL errors after which the transaction can simply be tried again:
# serialization_failure, deadlock_detected, lock_not_available (lock_timeout).
_PG_RETRYABLE = {"40001", "40P01", "55P03"}


def is_transient_db_error(exc: BaseException) -> bool:
    """A database error that means "busy, try again" rather than a bug: SQLite's ``database is locked``
    after the busy timeout, PostgreSQL's serialization failures, deadlocks and lock timeouts."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_RETRYABLE:
        return True
    import sqlite3

    return isinstance(orig, sqlite3.OperationalError) and any(
        words in str(orig).lower() for words in ("database is locked", "database table is locked", "database is busy"))


# Chinese messages for pydantic's built-in error types; our own validators carry their own.
_ZH_BY_TYPE = {
    "missing": "必填字段缺失",
    "string_type": "应为文本",
    "string_too_short": "长度不足，至少 {min_length} 个字符",
    "string_too_long": "过长，最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "小数位最多 {decimal_places} 位",
    "decimal_max_digits": "数字位数过多（最多 {max_digits} 位）",
    "finite_number": "应为有限数字",
    "bool_type": "应为是/否",
    "bool_parsing": "应为是/否",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式无效，应为 YYYY-MM-DD（不含时间）",  # also what 20260101 (read as a timestamp) gets
    "datetime_parsing": "时间格式无效",
    "datetime_type": "应为时间",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "必须大于或等于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "必须小于或等于 {le}",
    "list_type": "应为列表",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "extra_forbidden": "不允许的字段",
    "value_error": "取值无效：{error}",
    "url_parsing": "网址格式无效",
}


# Starlette's own HTTP errors (unknown route, wrong method, unparsable body ...) in the bilingual shape.
_HTTP_ERRORS = {
    400: ("bad_request", "Bad request", "请求无效"),
    401: ("unauthenticated", "Login required", "请先登录"),
    403: ("forbidden", "You may not do this", "无权执行此操作"),
    404: ("not_found", "No such page or resource", "未找到该页面或资源"),
    405: ("method_not_allowed", "Method not allowed", "不支持该请求方式"),
    406: ("not_acceptable", "Not acceptable", "无法提供所要求的格式"),
    413: ("body_too_large", "The request body is too large", "提交的内容过大"),
    415: ("unsupported_media_type", "Unsupported content type", "不支持的请求内容类型"),
    429: ("too_many_requests", "Too many requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "Internal server error", "服务器内部错误，请稍后重试"),
    503: ("busy", "Service unavailable, please retry shortly", "系统繁忙，请稍后重试"),
}
# FastAPI's text when the body cannot be decoded at all (invalid UTF-8, nesting too deep for the parser).
_PARSE_ERROR = "There was an error parsing the body"


def plain_body(code: str, message: str, message_zh: str) -> dict[str, Any]:
    return {"message": message, "message_zh": message_zh, "code": code, "detail": []}


def body_invalid() -> dict[str, Any]:
    return plain_body("body_invalid", "The request body could not be parsed (expected UTF-8 JSON or a form)",
                      "请求体无法解析（应为 UTF-8 编码的 JSON 或表单）")


def http_error_body(status_code: int, detail: Any = None) -> dict[str, Any]:
    code, en, zh = _HTTP_ERRORS.get(status_code, ("error", "Request failed", "请求失败"))
    if status_code == 400 and detail == _PARSE_ERROR:
        return body_invalid()
    if isinstance(detail, str) and detail and status_code not in (404, 405):
        from http import HTTPStatus

        if detail != HTTPStatus(status_code).phrase:
            en = detail
    return plain_body(code, en, zh)


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


def translate_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn pydantic error dicts into our bilingual field-level form."""
    out = []
    for err in errors:
        ctx = err.get("ctx") or {}
        if "zh" in ctx:
            zh = str(ctx["zh"])
        else:
            kind = err["type"]
            if kind in ("too_long", "too_short") and isinstance(err.get("input"), str):
                kind = "string_" + kind  # a length constraint met on text (a query parameter's), not on a list
            template = _ZH_BY_TYPE.get(kind, "输入无效")
            if kind in ("enum", "literal_error") and "expected" in ctx:
                ctx = {**ctx, "expected": _expected_zh(str(ctx["expected"]))}
            try:
                zh = template.format(**{k: v for k, v in ctx.items()})
            except (KeyError, IndexError):
                zh = template.split("{")[0].rstrip("：:，, ") or "输入无效"
        field = _field_name(err.get("loc", ()))
        if err["type"] == "json_invalid":  # loc is ("body", character offset): the body as a whole is wrong
            field = "body"
        if ctx.get("field"):
            field = f"{field}.{ctx['field']}" if field != "body" else str(ctx["field"])
        out.append({"field": field, "loc": [p if isinstance(p, int) else str(p) for p in err.get("loc", ())],
                    "type": err["type"],
                    "message": err.get("msg", ""), "message_zh": f"{field}：{zh}" if field != "body" else zh})
    return out


def _expected_zh(expected: str) -> str:
    """Pydantic's "'a', 'b' or 'c'" in Chinese: each value with its label, as in "transfer（转让）、… 或 equity（作价入股）"."""
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", expected) or [expected]
    labels = labels_of(values)
    named = [f"{v}（{labels[v]}）" if labels.get(v, v) != v else v for v in values]
    return named[0] if len(named) == 1 else "、".join(named[:-1]) + " 或 " + named[-1]


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    detail = translate_errors(errors)
    return {
        "message": "Invalid input: " + "; ".join(f"{d['field']}: {d['message']}" for d in detail),
        "message_zh": "输入有误：" + "；".join(d["message_zh"] for d in detail),
        "code": "json_invalid" if detail and all(d["type"] == "json_invalid" for d in detail) else "validation_error",
        "detail": detail,
    }


ErrorPage = Callable[[Request, int, dict, dict], Response]


def wants_html(request: Request) -> bool:
    """Pages answer errors with HTML; the API (and clients that accept only JSON) with JSON."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/json" not in accept


def error_response(request: Request, status_code: int, body: dict[str, Any],
                   headers: dict[str, str] | None = None) -> Response:
    """The error ``body`` as JSON, or as the Chinese HTML page for a browser on a page path."""
    headers = dict(headers or {})
    page: ErrorPage | None = getattr(request.app.state, "error_page", None) if "app" in request.scope else None
    if page is not None and wants_html(request):
        try:
            return page(request, status_code, body, headers)
        except Exception:  # noqa: BLE001 - the page itself failed (templates, database): answer in JSON
            log.exception("error page for %s could not be rendered", status_code)
    return JSONResponse(body, status_code=status_code, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route_methods)
    return sorted(methods)


def install_handlers(app: FastAPI, *, error_page: ErrorPage | None = None) -> None:
    """Bilingual JSON errors for the API; ``error_page(request, status, body, headers)`` renders them for
    browsers on the pages."""
    from sqlalchemy.exc import OperationalError

    app.state.error_page = error_page

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return error_response(request, exc.status_code, exc.body(), exc.headers())

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, validation_body(list(exc.errors())))

    @app.exception_handler(ValidationError)
    async def _model_validation(request: Request, exc: ValidationError) -> Response:
        return error_response(request, 422, validation_body(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if hasattr(exc, "message_zh"):
            body = plain_body(getattr(exc, "code", "error"), exc.message, exc.message_zh)
        else:
            body = http_error_body(exc.status_code, exc.detail)
        if exc.status_code == 405:
            allowed = _allowed_methods(request) or [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
            headers["Allow"] = ", ".join(allowed)
            body["message"] = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
            body["message_zh"] = f"此地址不支持 {request.method} 请求（可用：{'、'.join(allowed)}）"
        return error_response(request, exc.status_code, body, headers)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> Response:
        if not is_transient_db_error(exc):
            raise exc  # a real fault: the 500 handler below
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
        busy = ServiceBusy()
        return error_response(request, busy.status_code, busy.body(), busy.headers())

    @app.exception_handler(Exception)
    async def _server_error(request: Request, _exc: Exception) -> Response:
        # Starlette's ServerErrorMiddleware logs and re-raises the exception after sending this answer.
        return error_response(request, 500, http_error_body(500))


def get_or_404(db, model, ident: int, entity: str, entity_zh: str):
    """The row of ``model`` with primary key ``ident``, or a bilingual 404 naming the entity."""
    row = db.get(model, ident)
    if row is None:
        raise NotFound(entity, entity_zh, ident)
    return row

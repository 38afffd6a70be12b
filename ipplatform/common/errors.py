"""Application errors with bilingual (Chinese/English) messages, and their HTTP rendering.

Every error body has the same shape::

    {"message": "...", "message_zh": "...", "detail": [{"field": "credit_code", "loc": [...],
      "type": "...", "message": "...", "message_zh": "..."}]}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError


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
    "date_from_datetime_inexact": "日期不应包含时间",
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
            template = _ZH_BY_TYPE.get(err["type"], "输入无效")
            try:
                zh = template.format(**{k: v for k, v in ctx.items()})
            except (KeyError, IndexError):
                zh = template.split("{")[0].rstrip("：:，, ") or "输入无效"
        field = _field_name(err.get("loc", ()))
        if ctx.get("field"):
            field = f"{field}.{ctx['field']}" if field != "body" else str(ctx["field"])
        out.append({"field": field, "loc": list(err.get("loc", ())), "type": err["type"],
                    "message": err.get("msg", ""), "message_zh": f"{field}：{zh}" if field != "body" else zh})
    return out


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    detail = translate_errors(errors)
    return {
        "message": "Invalid input: " + "; ".join(f"{d['field']}: {d['message']}" for d in detail),
        "message_zh": "输入有误：" + "；".join(d["message_zh"] for d in detail),
        "code": "validation_error",
        "detail": detail,
    }


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(list(exc.errors())), status_code=422)

    @app.exception_handler(ValidationError)
    async def _model_validation(_request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse(validation_body(exc.errors()), status_code=422)


def get_or_404(db, model, ident: int, entity: str, entity_zh: str):
    """The row of ``model`` with primary key ``ident``, or a bilingual 404 naming the entity."""
    row = db.get(model, ident)
    if row is None:
        raise NotFound(entity, entity_zh, ident)
    return row

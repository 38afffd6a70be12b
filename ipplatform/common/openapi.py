"""The OpenAPI document tells the truth about errors.

FastAPI documents a 422 body (``HTTPValidationError``) that the app never sends, and no other error. Here
every operation documents the statuses the app's handlers can answer, each with the one error shape the
app really sends (:class:`ipplatform.common.errors.ErrorBody`); ``HTTPValidationError`` is gone. The
contract is checked by ``tests/test_fuzz_api.py`` (schemathesis: status codes, content types, bodies).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ipplatform.common.errors import ErrorBody

REF = "#/components/schemas/"
ERROR_RESPONSES = {
    "400": "Bad request: the body could not be parsed (`body_invalid`) or a query is malformed",
    "401": "Login required: no token, or an expired or revoked one (`unauthenticated`)",
    "403": "Not allowed for this user (`forbidden`, `csrf`)",
    "404": "No such resource, or one the user may not see (`not_found`)",
    "409": "Conflicts with the resource's current state or an existing record (`conflict`)",
    "413": "Request body above the limit: 2 MiB, 20 MiB for the .xlsx import (`body_too_large`)",
    "422": "Invalid input, field by field (`validation_error`, `json_invalid`, or a rule's own code)",
    "429": "Too many attempts; see `Retry-After` (`too_many_attempts`)",
    "503": "The database is busy; nothing was changed, retry after `Retry-After` seconds (`busy`)",
}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _error_schemas() -> dict[str, Any]:
    schema = ErrorBody.model_json_schema(ref_template=REF + "{model}")
    defs = schema.pop("$defs", {})
    return {**defs, "ErrorBody": schema}


def document_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses to every operation of ``spec`` (in place) and return it."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components.update(_error_schemas())
    for name in _FASTAPI_VALIDATION:
        components.pop(name, None)
    error_content = {"application/json": {"schema": {"$ref": REF + "ErrorBody"}}}
    for path_item in spec.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses[status] = {"description": description, "content": error_content}
                if status in ("429", "503"):
                    responses[status]["headers"] = {
                        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return spec


def install(app: FastAPI) -> None:
    """Serve the corrected document at ``app.openapi_url`` (built once, like FastAPI's own)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_errors(FastAPI.openapi(app))  # FastAPI's document, cached on the app, then corrected
        return app.openapi_schema

    app.openapi = openapi

"""Partial updates (PATCH): one way to apply them for every model."""

from __future__ import annotations

from pydantic import BaseModel

from ipplatform.common.errors import FieldError


def merged(obj, fields: type[BaseModel], patch: BaseModel, **current) -> BaseModel:
    """The object's current values with the patch's set fields on top, validated by the create rules
    (``current`` supplies values that are not plain attributes, e.g. related ids)."""
    now = {k: getattr(obj, k) for k in fields.model_fields if k not in current} | current
    return fields.model_validate({**now, **patch.model_dump(exclude_unset=True)})


def assign(obj, values: dict) -> None:
    """Set the values that differ; a null for a NOT NULL column is a field error, not a database error."""
    columns = obj.__table__.c
    for key, value in values.items():
        if value is None and key in columns and not columns[key].nullable:
            raise FieldError(f"{key} cannot be empty", "该字段不能为空", field=key)
        if getattr(obj, key) != value:
            setattr(obj, key, value)

"""Writes an AuditRecord for every flushed create/update/delete of a model with ``__audited__``.

One SQLAlchemy ``after_flush`` hook (``write_audit``) serves every domain, so no service can forget to
audit; ``ipplatform.hooks.install_session_hooks`` attaches it to every session factory the application
makes. The acting user is taken from ``session.info["actor_id"]`` (set by the request's auth dependency
or by a CLI command). Rows are inserted on the flush's own connection: same transaction as the change.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import inspect, insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from ipplatform.audit.models import AuditRecord
from ipplatform.database import utcnow


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__table__") and hasattr(value, "id"):
        return value.id
    return value


def _audited(obj) -> bool:
    return getattr(type(obj), "__audited__", False)


def _fields(obj):
    mapper = inspect(type(obj))
    excluded = getattr(type(obj), "__audit_exclude__", set()) | {"created_at", "updated_at", "version"}
    cols = [a.key for a in mapper.column_attrs if a.key not in excluded]
    colls = [r.key for r in mapper.relationships if r.uselist and r.secondary is not None]
    return cols, colls


def _snapshot(obj, *, deleted: bool) -> dict:
    state = inspect(obj)
    cols, colls = _fields(obj)
    out = {}
    for key in cols + colls:
        value = state.attrs[key].loaded_value
        if value is NO_VALUE or value is None or value == []:
            continue
        out[key] = [_plain(value), None] if deleted else [None, _plain(value)]
    return out


def _diff(obj) -> dict:
    state = inspect(obj)
    cols, colls = _fields(obj)
    out = {}
    for key in cols + colls:
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        if key in colls:
            old = sorted(_plain(list(hist.unchanged) + list(hist.deleted)))
            new = sorted(_plain(list(hist.unchanged) + list(hist.added)))
        else:
            old = _plain(hist.deleted[0]) if hist.deleted else None
            new = _plain(hist.added[0]) if hist.added else None
        if old != new:
            out[key] = [old, new]
    return out


def write_audit(session: Session, _flush_context=None) -> None:
    """``after_flush`` hook: one audit row per audited object the flush created, changed or deleted."""
    rows = []
    actor = session.info.get("actor_id")
    now = utcnow()
    for action, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objs:
            if not _audited(obj):
                continue
            if action == "update":
                changes = _diff(obj)
                if not changes:
                    continue
            else:
                changes = _snapshot(obj, deleted=action == "delete")
            rows.append({"at": now, "actor_user_id": actor, "entity_type": type(obj).__tablename__,
                         "entity_id": obj.id, "action": action, "changes": changes})
    if rows:
        session.connection().execute(insert(AuditRecord), rows)

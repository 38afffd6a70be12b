"""Engine, session factory and the declarative base shared by every domain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from ipplatform.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back timezone-aware on every database (SQLite keeps no offset
    and hands back naive values), so every datetime serialises as RFC 3339 with its offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# How long a SQLite connection waits for another connection's write lock before failing with
# "database is locked" (Python's sqlite3 default is 5 s; writes here take milliseconds, so a longer wait
# only matters under bursts of concurrent writes). A failure that remains becomes a 503 with Retry-After.
SQLITE_BUSY_TIMEOUT_S = 15


def make_engine(url: str) -> Engine:
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Every connection: WAL lets readers run while one connection writes; busy_timeout makes a
            # writer wait for the lock instead of failing at once; foreign keys are off unless asked for.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            cur.close()
    return engine


@lru_cache
def default_engine() -> Engine:
    url = get_settings().database_url
    ensure_sqlite_dir(url)
    return make_engine(url)


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite database file (SQLite creates the file, not its folder)."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A plain session factory: no audit, search-outbox or statistics hooks. Anything that writes domain
    rows uses ``ipplatform.hooks.hooked_session_factory`` instead (this module knows no domain)."""
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def session_scope(factory: sessionmaker[Session], opened: Callable[[Session], None] | None = None) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on error (the request boundary).
    ``opened(session)`` is called first (the web app uses it to commit before the response starts)."""
    session = factory()
    if opened is not None:
        opened(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def str_enum(enum_cls) -> Enum:
    """Store an enum by its value in a VARCHAR (portable across SQLite and PostgreSQL)."""
    return Enum(enum_cls, native_enum=False, length=32, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


def text_search(*terms):
    """SQL condition for a list's text box: any ``(column, text)`` pair whose column holds the text as typed —
    a literal substring, ``%`` and ``_`` included (escaped, never LIKE wildcards)."""
    from sqlalchemy import or_

    return or_(*[column.contains(text, autoescape=True) for column, text in terms])


def json_list_contains(column, value: str):
    """SQL condition: a JSON list-of-strings column contains ``value`` (SQLite and PostgreSQL)."""
    from sqlalchemy import String, cast

    return cast(column, String).contains(f'"{value}"')

"""Alembic migrations up and down on PostgreSQL and SQLite, and models in step with migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ipplatform import migrate
from ipplatform.database import Base, make_engine
from tests.conftest import throwaway_database

EXPECTED_TABLES = {"organisation", "user_account", "patent", "offer", "offer_patent", "demand", "audit_record",
                   "search_outbox", "search_rebuild", "embedding_cache", "match", "match_feedback", "deal", "deal_patent",
                   "conversion", "conversion_patent", "dishonest_entity", "credit_flag", "stat_deal", "stat_deal_day",
                   "stat_deal_patent", "stat_listed_patent", "stat_converted_patent", "auth_session",
                   "import_job", "glossary_term", "ranker_model", "event", "event_participant", "event_pair",
                   "event_meeting", "form_submission"}


@pytest.fixture
def fresh_pg(pg_server):
    """An empty database of its own, so up/down does not disturb other tests."""
    with throwaway_database(pg_server, "ipp_mig") as url:
        yield url


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mig.sqlite3'}"
    return request.getfixturevalue("fresh_pg")


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_db_url):
    migrate.upgrade(empty_db_url)
    assert _tables(empty_db_url) == EXPECTED_TABLES
    migrate.downgrade(empty_db_url, "base")
    assert _tables(empty_db_url) == set()
    migrate.upgrade(empty_db_url)
    assert _tables(empty_db_url) == EXPECTED_TABLES


def test_models_match_migrations(empty_db_url):
    migrate.upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"

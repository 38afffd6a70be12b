"""Run Alembic migrations programmatically: ``python -m ipplatform.migrate [upgrade|downgrade] [rev]``."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from ipplatform.config import get_settings
from ipplatform.database import ensure_sqlite_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    url = url or get_settings().database_url
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "upgrade"
    rev = sys.argv[2] if len(sys.argv) > 2 else ("head" if action == "upgrade" else "base")
    {"upgrade": upgrade, "downgrade": downgrade}[action](revision=rev)

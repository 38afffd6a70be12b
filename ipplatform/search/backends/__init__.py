"""Search backends: one protocol (``protocol.py``: ``SearchBackend``), an Elasticsearch dialect and the
embedded default (SQLite FTS5 + in-process vectors); ``make_backend`` picks the configured one."""

from __future__ import annotations

from ipplatform.config import get_settings
from ipplatform.search.backends.elasticsearch import ElasticsearchBackend
from ipplatform.search.backends.embedded import EmbeddedBackend
from ipplatform.search.backends.protocol import SearchBackend


def make_backend(name: str | None = None, **kwargs) -> SearchBackend:
    settings = get_settings()
    name = name or settings.search_backend
    if name == "elasticsearch":
        return ElasticsearchBackend(kwargs.pop("url", settings.engine_url),
                                    prefix=kwargs.pop("prefix", settings.engine_index_prefix), **kwargs)
    if name == "embedded":
        return EmbeddedBackend(kwargs.pop("path", settings.data_dir / "search.sqlite3"), **kwargs)
    raise ValueError(f"unknown search backend {name!r}")

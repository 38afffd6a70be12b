"""Search backends: one protocol (base.py), an Elasticsearch dialect and the embedded default."""

from __future__ import annotations

from ipplatform.search.backends.base import SearchBackend


def make_backend(name: str | None = None, **kwargs) -> SearchBackend:
    from ipplatform.config import get_settings

    settings = get_settings()
    name = name or settings.search_backend
    if name == "elasticsearch":
        from ipplatform.search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(kwargs.pop("url", settings.engine_url),
                                    prefix=kwargs.pop("prefix", settings.engine_index_prefix), **kwargs)
    if name == "embedded":
        from ipplatform.search.backends.embedded import EmbeddedBackend

        return EmbeddedBackend(kwargs.pop("path", settings.data_dir / "search.sqlite3"), **kwargs)
    raise ValueError(f"unknown search backend {name!r}")

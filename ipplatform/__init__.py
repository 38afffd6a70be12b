"""信阳知识产权运营平台 — the IP operations platform package."""

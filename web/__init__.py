"""Server-rendered Chinese pages (jinja2)."""

"""Highlighted text in pages without ``|safe``.

Search hits (``title_html``, ``snippet_html``) and match explanations (``demand_html``, ``offer_html``)
carry the output of ``ipplatform.search.text.highlight``: escaped text with the matched words in
``<em>…</em>``. The API keeps those fields; pages do not trust them as markup. The filter
``highlighted`` reads such a string as plain-text segments (inside or outside ``<em>``), and builds the
markup again from ``markupsafe.escape``\\ d text and literal ``<em>`` tags only: whatever else the string
contains (another tag, an attribute, a script) comes out as visible text.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

_EM = re.compile(r"(</?em>)")


def segments(highlight_html: str | None) -> list[tuple[str, bool]]:
    """``highlight_html`` as (plain text, is a matched word) pairs."""
    out: list[tuple[str, bool]] = []
    inside = False
    for part in _EM.split(highlight_html or ""):
        if part == "<em>":
            inside = True
        elif part == "</em>":
            inside = False
        elif part:
            out.append((html.unescape(part), inside))
    return out


def highlighted(highlight_html: str | None) -> Markup:
    """Jinja filter: the highlighted text as safe markup, matched words in ``<em>``."""
    return Markup("").join(Markup("<em>{}</em>").format(text) if hit else escape(text)
                           for text, hit in segments(highlight_html))

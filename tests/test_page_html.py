"""The smallest pieces of a page's HTML (lodpub.pages.html) escape what they are given as a
template's `{{ }}` does: the same bytes as markupsafe.escape, whose private C function they
call for speed."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from markupsafe import escape

from lodpub.labels import Text
from lodpub.pages import html
from lodpub.pages.model import Value

# Every character HTML gives a meaning to, in every position, and text that needs none.
TEXTS = [
    "",
    "plain",
    "&<>'\"",
    "a & b <c> 'd' \"e\"",
    "&amp; already escaped",
    "推动“一带一路”数字标准共建 & <script>",
    "\u2019\u00a0\U0001f600\x00",
    "https://example.org/search?q=a&b=<c>",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_is_escaped_as_markupsafe_escapes_it(text: str) -> None:
    # The five characters markupsafe escapes, as the entities it writes.
    entities = {"&": "&amp;", ">": "&gt;", "<": "&lt;", "'": "&#39;", '"': "&#34;"}
    assert html._escape(text) == "".join(entities.get(c, c) for c in text) == str(escape(text))
    assert type(html._escape(text)) is str


@pytest.mark.parametrize("text", TEXTS)
def test_the_pieces_escape_texts_links_and_languages(text: str) -> None:
    """A text, a link and a statement's value with RDFa built from hostile input say it as
    text: the HTML holds it escaped once, and is Markup (a template writes it as it is)."""
    escaped = str(escape(text))
    piece = html.t(Text(text, text))
    assert isinstance(piece, Markup)
    assert piece == f'<span lang="{escaped}">{escaped}</span>'
    link = html.v(Value(text=text, lang=text, href="/" + text))
    assert link == f'<a href="{escape("/" + text)}" lang="{escaped}">{escaped}</a>'
    plain = html.v(Value(text=text, lang=text))
    assert plain == f'<span lang="{escaped}">{escaped}</span>'

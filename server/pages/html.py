"""The smallest pieces of a page's HTML, written here rather than as Jinja macros because a
page holds hundreds of them (the article some 300: a macro call costs about ten times a
Python call). Each escapes what it is given, as a template does, and returns Markup, so that
a template writes it as it is. The templates call them as `t`, `v` and `rdfa`."""

from __future__ import annotations

from markupsafe import Markup
from markupsafe import escape

from lodpub.labels import Text
from lodpub.pages.model import Value


def t(text: Text) -> Markup:
    """A text in its language (an empty `lang` for an untagged literal: its language is
    unknown, not the page's)."""
    return Markup(f'<span lang="{escape(text.lang or "")}">{escape(text.value)}</span>')


def v(value: Value) -> Markup:
    """A value as a link (own pages, or linked out to DOIs, ISSN pages, sources) or as text."""
    lang = escape(value.lang or "")
    if not value.href:
        return Markup(f'<span lang="{lang}">{escape(value.text)}</span>')
    external = ' rel="external" class="external"' if value.external else ""
    return Markup(
        f'<a href="{escape(value.href)}" lang="{lang}"{external}>{escape(value.text)}</a>'
    )


def rdfa(value: Value, predicate: str, reverse: bool = False) -> Markup:
    """The same value carrying its RDF statement as RDFa: the object is the thing's IRI
    (`resource`), not the document the link opens. `xml:lang` repeats `lang` (allowed in
    HTML when equal) because RDFa processors such as pyRdfa read only `xml:lang`."""
    lang = escape(value.lang or "")
    if value.resource:
        attribute = "rev" if reverse else "property"
        href = f' href="{escape(value.href)}"' if value.href else ""
        external = ' class="external"' if value.external else ""
        return Markup(
            f'<a {attribute}="{escape(predicate)}" resource="{escape(value.resource)}"{href}'
            f' lang="{lang}"{external}>{escape(value.text)}</a>'
        )
    datatype = f' datatype="{escape(value.datatype)}"' if value.datatype else ""
    return Markup(
        f'<span property="{escape(predicate)}"{datatype} lang="{lang}" xml:lang="{lang}">'
        f"{escape(value.text)}</span>"
    )


# The names the templates call them by.
GLOBALS = {"t": t, "v": v, "rdfa": rdfa}

"""The smallest pieces of a page's HTML, written here rather than as Jinja macros because a
page holds hundreds of them (the article some 300: a macro call costs about ten times a
Python call). Each escapes what it is given, as a template does, and returns Markup, so that
a template writes it as it is. The templates call them by their names."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup
from markupsafe import escape

from lodpub.labels import Text
from lodpub.pages.model import Statement
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


def statements(rows: Iterable[Statement], caption: str, reverse: bool = False) -> Markup:
    """The table of a thing's statements (`reverse`: of the links into it), a row per
    property, each value with its RDFa."""
    out = [f'<table class="statements">\n  <caption>{escape(caption)}</caption>\n  <tbody>']
    for row in rows:
        values = [rdfa(value, row.predicate, reverse) for value in row.values]
        if len(values) == 1:
            cell = values[0]
        else:
            items = "".join(f"\n          <li>{value}</li>" for value in values)
            cell = f"\n        <ul>{items}\n        </ul>"
        out.append(
            f'\n    <tr>\n      <th scope="row">{t(row.property)}</th>\n      <td>{cell}'
            "\n      </td>\n    </tr>"
        )
    out.append("\n  </tbody>\n</table>")
    return Markup("".join(out))


# The names the templates call them by.
GLOBALS = {"t": t, "v": v, "statements": statements}

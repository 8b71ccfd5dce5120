"""The smallest and most repeated pieces of a page's HTML, written here rather than in Jinja
because a page holds them by the hundred (the article over a thousand, its picture most): a
Jinja macro call costs about ten times a Python call, and every `{{ }}` makes a Markup object.
Each function escapes what it is given, as a template does, and returns Markup, so that a
template writes it as it is. Inside, the pieces are plain strings (escaped by `_escape`) made
Markup once. The templates apply them as filters (`{{ note|t }}`, FILTERS): Jinja compiles a
filter to a direct call, where calling a global goes through its Context.call, some 3.5 µs
more each (measured), fifty times an article page. `fact`, which takes a label and a
content, is the one global. The templates keep the structure of the pages."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping

from markupsafe import Markup
from markupsafe import _escape_inner
from markupsafe import escape

from lodpub.chart import SIZE
from lodpub.chart import Chart
from lodpub.chart import Table
from lodpub.labels import Text
from lodpub.pages.model import Author
from lodpub.pages.model import ContainerLink
from lodpub.pages.model import ListedReference
from lodpub.pages.model import Statement
from lodpub.pages.model import Value
from lodpub.signposting import Link

# A template's `ui`: the interface words by their keys, in the page's language.
Ui = Mapping[str, str]

WHITE = "#ffffff"  # the picture's outlined squares, and the number on a filled one


# A text escaped as markupsafe escapes it (the same bytes as a template's `{{ }}`), as a plain
# str: markupsafe.escape makes a Markup object for every value (a Python-level `__new__`),
# which costs more than the escaping itself. An article page escapes some 1,100 texts;
# markupsafe's own escaping function, in C, takes a third of the time of five `str.replace`
# in Python (0.6 → 0.2 ms a page). It is a private name of markupsafe's, so the dependency
# is pinned to the major version that has it, and a test compares it with `escape`.
_escape: Callable[[str], str] = _escape_inner


def _text(text: Text) -> str:
    return f'<span lang="{_escape(text.lang or "")}">{_escape(text.value)}</span>'


def _value(value: Value) -> str:
    lang = _escape(value.lang or "")
    if not value.href:
        return f'<span lang="{lang}">{_escape(value.text)}</span>'
    external = ' rel="external" class="external"' if value.external else ""
    return f'<a href="{_escape(value.href)}" lang="{lang}"{external}>{_escape(value.text)}</a>'


def t(text: Text) -> Markup:
    """A text in its language (an empty `lang` for an untagged literal: its language is
    unknown, not the page's)."""
    return Markup(_text(text))


def v(value: Value) -> Markup:
    """A value as a link (own pages, or linked out to DOIs, ISSN pages, sources) or as text."""
    return Markup(_value(value))


def texts(items: Iterable[Text], sep: str = " · ") -> Markup:
    """Texts in a line, each in its language."""
    return Markup(_escape(sep).join(map(_text, items)))


def values(items: Iterable[Value], sep: str = " · ") -> Markup:
    """Values in a line, each a link or a text."""
    return Markup(_escape(sep).join(map(_value, items)))


def keywords(items: Iterable[Text]) -> Markup:
    return Markup(f'<ul class="keywords">{"".join(f"<li>{_text(k)}</li>" for k in items)}</ul>')


def links(items: Iterable[Value]) -> Markup:
    return Markup(f'<ul class="links">{"".join(f"<li>{_value(i)}</li>" for i in items)}</ul>')


def fact(label: str, content: object) -> Markup:
    """One fact of a summary, a term and its content, only when there is content: the
    templates pass what they have (a str, Markup, or nothing when the data has none)."""
    if not content or not str(content).strip():
        return Markup("")
    return Markup(f"\n<dt>{escape(label)}</dt>\n<dd>{escape(content)}</dd>")


def authors(items: Iterable[Author], ui: Ui) -> Markup:
    """The byline: each author's names, the corresponding author's badge, affiliations."""
    out = ['<ol class="authors">']
    for author in items:
        names = " / ".join(map(_text, author.names))
        out.append(f'\n  <li><a href="{_escape(author.href)}">{names}</a>')
        if author.corresponding:
            out.append(_badge(f"✉ {_escape(ui['corresponding'])}"))
        if author.affiliations:
            affiliations = "; ".join(map(_value, author.affiliations))
            out.append(f'\n    <span class="affiliation">{affiliations}</span>')
        out.append("\n  </li>")
    out.append("\n</ol>")
    return Markup("".join(out))


def published_in(containers: Iterable[ContainerLink]) -> Markup:
    """Where a thing appeared, outermost first: journal › volume 41 › issue 2."""
    out = []
    for c in containers:
        if c.number:
            href = _escape(c.value.href or "")
            what = f'{_text(c.kind)} <a href="{href}">{_escape(c.number)}</a>'
        else:
            what = _value(c.value)
            if c.other_names:
                others = "; ".join(map(_text, c.other_names))
                what += f' <span class="other-names">({others})</span>'
        out.append(f'\n<span class="container">{what}</span>')
    return Markup('<span aria-hidden="true"> › </span>'.join(out))


def reference_items(
    refs: Iterable[ListedReference], reference: str, cited: Markup, self_citation: Markup
) -> Markup:
    """The items of the article's reference list: the number, the line as printed, a link to
    the cited work's page and the work's own links; `reference`, `cited` and `self_citation`
    are the page's words for them."""
    out = []
    for ref in refs:
        number = _escape(ref.number)
        out.append(
            f'\n      <li id="{_escape(ref.anchor)}" value="{number}">'
            f'\n        <a class="ref-number" href="{_escape(ref.href)}"><span'
            f' class="visually-hidden">{_escape(reference)} </span>[{number}]</a>'
            f'\n        <span class="printed" lang="">{_escape(ref.content)}</span>'
            '\n        <span class="ref-links">'
        )
        if ref.cited_href and ref.cited_label:
            out.append(
                f'<a href="{_escape(ref.cited_href)}">{cited}<span class="visually-hidden">:'
                f" {_text(ref.cited_label)}</span> →</a>"
            )
        for link in ref.links:
            href = _escape(link.href or "")
            out.append(
                f' <a href="{href}" rel="external" class="external">{_escape(link.text)}</a>'
            )
        if ref.self_citation:
            out.append(_badge(self_citation))
        out.append("\n        </span>\n      </li>")
    return Markup("".join(out))


def _rdfa(value: Value, attribute: str, predicate: str) -> str:
    """A value carrying its RDF statement as RDFa (`attribute`: property, or rev for a link
    into the thing; `predicate` escaped): the object is the thing's IRI (`resource`), not the
    document the link opens. `xml:lang` repeats `lang` (allowed in HTML when equal) because
    RDFa processors such as pyRdfa read only `xml:lang`."""
    lang = _escape(value.lang or "")
    if value.resource:
        href = f' href="{_escape(value.href)}"' if value.href else ""
        external = ' class="external"' if value.external else ""
        return (
            f'<a {attribute}="{predicate}" resource="{_escape(value.resource)}"{href}'
            f' lang="{lang}"{external}>{_escape(value.text)}</a>'
        )
    datatype = f' datatype="{_escape(value.datatype)}"' if value.datatype else ""
    return (
        f'<span property="{predicate}"{datatype} lang="{lang}" xml:lang="{lang}">'
        f"{_escape(value.text)}</span>"
    )


def statements(rows: Iterable[Statement], caption: str, reverse: bool = False) -> Markup:
    """The table of a thing's statements (`reverse`: of the links into it), a row per
    property, each value with its RDFa."""
    attribute = "rev" if reverse else "property"
    out = [f'<table class="statements">\n  <caption>{_escape(caption)}</caption>\n  <tbody>']
    for row in rows:
        predicate = _escape(row.predicate)
        cells = [_rdfa(value, attribute, predicate) for value in row.values]
        if len(cells) == 1:
            cell = cells[0]
        else:
            items = "".join(f"\n          <li>{cell}</li>" for cell in cells)
            cell = f"\n        <ul>{items}\n        </ul>"
        out.append(
            f'\n    <tr>\n      <th scope="row">{_text(row.property)}</th>\n      <td>{cell}'
            "\n      </td>\n    </tr>"
        )
    out.append("\n  </tbody>\n</table>")
    return Markup("".join(out))


def chart(picture: Chart, ui: Ui) -> Markup:
    """The references as squares per year (chart.layout places them); no script needed. The
    SVG is a group of links (each square opens its reference), named by its title and desc;
    the table under it holds the same counts for readers who cannot see the picture. It
    starts on a line of its own."""
    title, summary = _escape(ui["references_chart"]), _escape(picture.summary)
    width, height = picture.width, picture.height
    return Markup(
        f'\n<figure class="chart">\n  <svg viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}" aria-labelledby="chart-title chart-desc"'
        ' xmlns="http://www.w3.org/2000/svg">'
        f'\n    <title id="chart-title">{title}</title>'
        f'\n    <desc id="chart-desc">{summary}</desc>{_shapes(picture)}'
        f"\n  </svg>\n  <figcaption>{summary}</figcaption>\n</figure>"
        f'\n<details class="chart-table">\n  <summary>{_escape(ui["chart_table"])}</summary>'
        f'\n  <div class="table-scroll">\n  {_counts_table(picture.table, title, ui)}'
        "\n  </div>\n</details>"
    )


def _shapes(picture: Chart) -> str:
    """The picture's elements: the count guides, the row labels, a link per reference (a
    square with its number, named by the reference's title) and the legend."""
    out = []
    for x, count in picture.guides:
        out.append(
            f'\n    <line x1="{x}" x2="{x}" y1="16" y2="{picture.bottom}" class="grid"/>'
            f'\n    <text x="{x}" y="12" class="axis" text-anchor="middle">{count}</text>'
        )
    for row in picture.rows:
        kind = "break" if row.is_break else "year"
        out.append(
            f'\n    <text x="56" y="{row.y}" text-anchor="end" class="axis {kind}">'
            f"{_escape(row.label)}</text>"
        )
    for square in picture.squares:
        x, y, item, colour = square.x, square.y, square.item, square.colour
        number = _escape(item.number)
        out.append(
            f'\n    <a href="{_escape(item.href)}">'
            f'\n      <title lang="{_escape(item.title_lang or "")}">[{number}]'
            f" {_escape(item.title)} ({_escape(item.kind)}, {item.year or '?'})</title>"
            f'\n      <rect x="{x}" y="{y}" width="{SIZE}" height="{SIZE}" rx="3"'
            f' fill="{colour if square.filled else WHITE}" stroke="{colour}" stroke-width="2.5"/>'
            f'\n      <text x="{x + SIZE // 2}" y="{y + 17.5}" text-anchor="middle" class="num"'
            f' fill="{WHITE if square.filled else colour}">{number}</text>'
            "\n    </a>"
        )
    for key in picture.legend:
        fill = key.colour if key.filled else WHITE
        out.append(
            f'\n    <rect x="{key.x}" y="{key.y}" width="14" height="14" rx="2" fill="{fill}"'
            f' stroke="{key.colour}" stroke-width="2"/>'
            f'\n    <text x="{key.x + 20}" y="{key.y + 12}" class="legend">'
            f"{_escape(key.label)}</text>"
        )
    return "".join(out)


def badge(content: str) -> Markup:
    """A badge after a name or a link (the corresponding author's, a journal self-citation's):
    `content` escaped, unless it is Markup already."""
    return Markup(_badge(escape(content)))


def _badge(content: str) -> str:
    return f' <span class="badge">{content}</span>'


def _counts_table(table: Table, caption: str, ui: Ui) -> str:
    """The picture's counts: a row per year, a column per type and language."""
    year, total = _escape(ui["year"]), _escape(ui["total"])
    columns = "".join(f'<th scope="col">{_escape(column)}</th>' for column in table.columns)
    rows = "".join(
        f'\n      <tr><th scope="row">{_escape(label)}</th>{_cells(counts)}<td>{n}</td></tr>'
        for label, counts, n in table.rows
    )
    return (
        f'<table class="counts">\n    <caption>{caption}</caption>'
        f'\n    <thead>\n      <tr><th scope="col">{year}</th>{columns}'
        f'<th scope="col">{total}</th></tr>\n    </thead>'
        f"\n    <tbody>{rows}\n    </tbody>"
        f'\n    <tfoot>\n      <tr><th scope="row">{total}</th>{_cells(table.totals)}'
        f"<td>{table.total}</td></tr>\n    </tfoot>\n  </table>"
    )


def _cells(counts: Iterable[int]) -> str:
    return "".join(f"<td>{n}</td>" for n in counts)


def meta(tags: Iterable[tuple[str, str]]) -> Markup:
    """Meta elements (HighWire's and Dublin Core's tags for crawlers and reference
    managers, some fifty on the article), one a line."""
    return Markup(
        "".join(
            f'\n  <meta name="{_escape(name)}" content="{_escape(content)}">'
            for name, content in tags
        )
    )


def link_elements(links: Iterable[Link]) -> Markup:
    """The page's typed links (FAIR Signposting, lodpub.signposting: the links of its `Link`
    header, some twenty on a work's page) as `<link>` elements, one a line. `profile` stays
    in the header and the linkset: HTML has no such attribute."""
    out = []
    for link in links:
        rel, href = _escape(link.rel), _escape(link.target)
        media_type = f' type="{_escape(link.type)}"' if link.type else ""
        out.append(f'\n  <link rel="{rel}" href="{href}"{media_type}>')
    return Markup("".join(out))


# The names the templates apply them by, as filters, and call `fact` by.
FILTERS = {
    "t": t,
    "v": v,
    "texts": texts,
    "values": values,
    "keywords": keywords,
    "links": links,
    "authors": authors,
    "published_in": published_in,
    "reference_items": reference_items,
    "statements": statements,
    "chart": chart,
    "meta": meta,
    "link_elements": link_elements,
    "badge": badge,
}
GLOBALS = {"fact": fact}

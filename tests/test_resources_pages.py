"""The pages for people: the article page shows what the seed page shows and more,
every kind of thing has a page, languages are marked up right, landmarks and headings are
there, and the chart of the references is drawn on the server.

Parsed with lxml; expected values come from the data.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient
from lxml import html as lxml_html
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import RDF
from site_helpers import local

from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import PRISM

pytest_plugins = ["site_fixtures"]


def page(client: FlaskClient, url: str, base: str, **headers: str):
    response = client.get(local(url, base), headers=headers)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response, lxml_html.fromstring(response.data)


def references(data: Graph, work: URIRef) -> list[URIRef]:
    return [
        r
        for r in data.objects(work, FRBR.part)
        if (r, RDF.type, BIRO.BibliographicReference) in data
    ]


def test_get_article_page_lists_every_reference_as_printed(
    client, data, article, base, space
) -> None:
    _, tree = page(client, space.document(article, "html"), base)
    items = tree.cssselect("ol.reference-list > li")
    refs = references(data, article)
    assert len(items) == len(refs) > 0
    by_number = {str(data.value(r, FABIO.hasSequenceIdentifier)): r for r in refs}
    for item in items:
        ref = by_number[item.get("value")]
        assert item.cssselect(".printed")[0].text_content() == str(data.value(ref, C4O.hasContent))
        hrefs = [a.get("href") for a in item.cssselect("a")]
        assert space.document(ref, "html") in hrefs
        cited = data.value(ref, BIRO.references)
        assert space.document(cited, "html") in hrefs
        for link in data.objects(cited, DCTERMS.relation):
            assert str(link) in hrefs  # DOIs and URLs linked out


def test_get_article_page_marks_journal_self_citations(client, data, article, base, space) -> None:
    _, tree = page(client, space.document(article, "html"), base)
    self_cited = {
        data.value(c, CITO.hasCitedEntity)
        for c in data.subjects(RDF.type, CITO.JournalSelfCitation)
    }
    assert self_cited
    for item in tree.cssselect("ol.reference-list > li"):
        cited_links = {a.get("href") for a in item.cssselect(".ref-links a")}
        is_self = any(space.document(w, "html") in cited_links for w in self_cited)
        assert bool(item.cssselect(".badge")) == is_self


def test_get_article_page_titles_and_languages(client, data, article, base, space) -> None:
    _, tree = page(client, space.document(article, "html"), base, **{"Accept-Language": "en"})
    assert tree.get("lang") == "en"
    title = data.value(article, DCTERMS.title)
    translated = data.value(article, FABIO.hasTranslatedTitle)
    header = tree.cssselect(".resource-header")[0]
    spans = {(s.text_content(), s.get("lang")) for s in header.cssselect("span[lang]")}
    assert (str(title), title.language) in spans
    assert (str(translated), translated.language) in spans
    assert len(tree.cssselect("h1")) == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert tree.cssselect(landmark), landmark


def test_get_article_page_in_chinese_by_accept_language(client, article, base, space) -> None:
    response, tree = page(
        client, space.document(article, "html"), base, **{"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert tree.get("lang") == "zh-Hans"
    assert "Accept-Language" in response.headers["Vary"]
    english = client.get(local(space.page(article, "en"), base))
    assert lxml_html.fromstring(english.data).get("lang") == "en"
    assert english.headers["ETag"] != response.headers["ETag"]


def test_get_article_page_chart_has_one_square_per_reference(
    client, data, article, base, space
) -> None:
    _, tree = page(client, space.document(article, "html"), base)
    svg = tree.cssselect("figure.chart svg")[0]
    squares = svg.cssselect("a")
    assert len(squares) == len(references(data, article))
    assert {a.get("href") for a in squares} == {
        space.document(r, "html") for r in references(data, article)
    }
    # Links named by the picture's title and description, in <svg>'s own role: role="img"
    # would hide the links inside it from assistive technology while they stay focusable,
    # and the Nu HTML validator rejects role="group" or "graphics-document" on <svg>.
    assert svg.get("role") is None and svg.get("aria-labelledby") == "chart-title chart-desc"
    assert svg.cssselect("title") and svg.cssselect("desc")
    assert not tree.cssselect("script:not([type='application/ld+json'])")


def test_get_article_page_chart_has_a_table_of_the_same_counts(
    client, data, article, base, space
) -> None:
    """The picture's accessible alternative: per year, as many references as the data has."""
    _, tree = page(client, space.document(article, "html"), base)
    table = tree.cssselect("figure.chart + details table")[0]
    years: dict[str, int] = {}
    for ref in references(data, article):
        year = str(data.value(data.value(ref, BIRO.references), PRISM.publicationDate))[:4]
        years[year] = years.get(year, 0) + 1
    rows = {
        tr.cssselect("th")[0].text_content(): int(tr.cssselect("td")[-1].text_content())
        for tr in table.cssselect("tbody tr")
    }
    assert rows == years
    assert int(table.cssselect("tfoot td")[-1].text_content()) == len(references(data, article))
    assert table.cssselect("caption") and table.cssselect("th[scope=col]")


def test_get_article_page_link_names_are_distinct(client, data, article, base, space) -> None:
    """Each reference's links say where they go (not 25 links all named "cited work")."""
    _, tree = page(client, space.document(article, "html"), base)
    for selector in (".ref-links a:first-child", "a.ref-number"):
        names = [a.text_content() for a in tree.cssselect(selector)]
        assert len(names) == len(references(data, article))
        assert len(set(names)) == len(names), selector


def test_get_page_of_every_kind(client, data, article, base, space) -> None:
    """One thing of each kind the data holds has a page naming it and listing its statements."""
    kinds = {
        "reference": BIRO.BibliographicReference,
        "citation": CITO.Citation,
        "journal": FABIO.Journal,
        "volume": FABIO.JournalVolume,
        "issue": FABIO.JournalIssue,
        "person": URIRef("http://xmlns.com/foaf/0.1/Person"),
        "organisation": URIRef("http://xmlns.com/foaf/0.1/Organization"),
        "work": FABIO.Book,
    }
    for kind, cls in kinds.items():
        thing = sorted(data.subjects(RDF.type, cls))[0]
        _, tree = page(client, space.document(thing, "html"), base)
        assert tree.cssselect("article.resource")[0].get("about") == str(thing), kind
        rows = tree.cssselect("table.statements")[0].cssselect("tr")
        assert len(rows) == len(set(data.predicates(thing))), kind


def test_get_article_page_shows_everything_the_seed_page_shows(
    client, article, base, space, shared: Path
) -> None:
    """The seed page (the journal platform's landing page) lists fields under headings; each
    value it shows must be on the article page too, and every reference as printed."""
    seed = (shared / "seed" / "article-page.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in seed.splitlines() if line.strip()]
    fields = {lines[n]: lines[n + 1] for n in range(len(lines) - 1)}
    _, tree = page(client, space.document(article, "html"), base, **{"Accept-Language": "en"})
    body = tree.cssselect("body")[0]
    text = " ".join(body.text_content().split())  # what a reader sees, not the metadata
    wanted = fields["Keywords"].split(", ") + [
        fields[name]
        for name in ("Document Type", "Abstract", "First page", "Last Page", "Language")
    ]
    wanted += [fields["Publisher"], lines[lines.index("Keywords") - 1]]  # journal as printed
    for value in wanted:
        assert " ".join(value.split()) in text, value
    printed = [re.sub(r"^\d+\.\s+", "", line) for line in lines if re.match(r"^\d+\. ", line)]
    assert len(printed) == 25
    shown = {" ".join(p.text_content().split()) for p in tree.cssselect(".printed")}
    for line in printed:
        assert " ".join(line.split()) in shown, line


def journal_of(data: Graph, work: URIRef) -> URIRef:
    node = work
    while (node, RDF.type, FABIO.Journal) not in data:
        node = data.value(node, FRBR.partOf)
    return node


def test_get_journal_page_lists_what_is_directly_in_it(client, data, article, base, space):
    """A container's page is a summary of it: its titles, ISSN linked out, and what is
    directly part of it (its volumes, works published straight in it), so that a journal of
    thousands of articles lists its volumes and each volume its issues; following them
    reaches the article."""
    journal = journal_of(data, article)
    _, tree = page(client, space.document(journal, "html"), base)
    children = set(data.subjects(FRBR.partOf, journal))
    assert children
    listed = {a.get("href") for a in tree.cssselect("ol.contents > li > a")}
    assert listed == {space.document(c, "html") for c in children}
    node = article
    while data.value(node, FRBR.partOf) != journal:
        node = data.value(node, FRBR.partOf)
    assert space.document(node, "html") in listed
    portal = [str(o) for o in data.objects(journal, DCTERMS.relation) if "issn" in str(o)]
    assert portal and set(portal) <= {a.get("href") for a in tree.cssselect(".identifiers a")}
    header = tree.cssselect(".resource-header")[0].text_content()
    for title in (
        *data.objects(journal, DCTERMS.title),
        *data.objects(journal, FABIO.hasTranslatedTitle),
    ):
        assert str(title) in header


def test_get_issue_page_shows_what_it_is_part_of(client, data, article, base, space) -> None:
    issue = data.value(article, FRBR.partOf)
    _, tree = page(client, space.document(issue, "html"), base)
    chain = []
    node = data.value(issue, FRBR.partOf)
    while node is not None:
        chain.append(space.document(node, "html"))
        node = data.value(node, FRBR.partOf)
    hrefs = {a.get("href") for a in tree.cssselect("dl.facts .container a")}
    assert set(chain) <= hrefs
    assert space.document(article, "html") in {a.get("href") for a in tree.cssselect(".contents a")}


def test_get_citation_page_gives_the_time_span_in_years(client, data, base, space) -> None:
    citation = next(
        c for c in sorted(data.subjects(RDF.type, CITO.Citation))
        if data.value(c, CITO.hasCitationTimeSpan) is not None
    )  # fmt: skip
    years = re.fullmatch(r"P(\d+)Y", str(data.value(citation, CITO.hasCitationTimeSpan))).group(1)
    _, tree = page(client, space.document(citation, "html"), base, **{"Accept-Language": "en"})
    facts = tree.cssselect("dl.facts")[0].text_content()
    assert f"{years} years" in facts
    cited = data.value(citation, CITO.hasCitedEntity)
    assert space.document(cited, "html") in {a.get("href") for a in tree.cssselect("dl.facts a")}


def test_get_reference_page_heading_says_what_it_is(client, data, article, base, space) -> None:
    ref = references(data, article)[0]
    number = str(data.value(ref, FABIO.hasSequenceIdentifier))
    _, tree = page(client, space.document(ref, "html"), base, **{"Accept-Language": "en"})
    heading = tree.cssselect("h1")[0].text_content()
    assert f"[{number}]" in heading and heading != f"[{number}]"


def test_get_page_marks_untagged_names_as_of_unknown_language(client, data, base, space):
    """On a Chinese page, a name the data leaves untagged ("Rolf") must not inherit zh-Hans;
    a Chinese title on an English page says so in <title> too."""
    person = next(
        p for p in sorted(data.subjects(RDF.type, FOAF.Person))
        if any(isinstance(n, Literal) and not n.language for n in data.objects(p, FOAF.name))
    )  # fmt: skip
    _, tree = page(client, space.document(person, "html"), base, **{"Accept-Language": "zh"})
    assert tree.get("lang") == "zh-Hans"
    assert [s.get("lang") for s in tree.cssselect("h1 span")] == [""]
    chinese = next(
        p for p in sorted(data.subjects(RDF.type, FOAF.Person))
        if {getattr(n, "language", None) for n in data.objects(p, FOAF.name)} == {"zh-Hans"}
    )  # fmt: skip
    _, tree = page(client, space.document(chinese, "html"), base, **{"Accept-Language": "en"})
    assert tree.cssselect("title")[0].get("lang") == "zh-Hans"


def kinds_of_page(data: Graph, article: URIRef) -> list[URIRef]:
    """One thing of each kind: article, reference, citation, person, organisation, journal,
    issue, a cited work, the dataset."""
    classes = (BIRO.BibliographicReference, CITO.Citation, FOAF.Person, FOAF.Organization,
               FABIO.Journal, FABIO.JournalIssue, FABIO.Book)  # fmt: skip
    return [article, *(sorted(data.subjects(RDF.type, c))[0] for c in classes)]


def test_every_page_links_its_dataset_and_the_void_description(
    client, data, article, base, space
) -> None:
    urls = [space.document(t, "html") for t in kinds_of_page(data, article)]
    for url in [*urls, space.link(), space.link("no/such/page")]:
        response = client.get(local(url, base), headers={"Accept": "text/html"})
        tree = lxml_html.fromstring(response.data)
        back = tree.xpath("//head/link[@rel='http://rdfs.org/ns/void#inDataset']/@href")
        assert back == [str(space.dataset())], url
        assert space.link(".well-known/void") in {a.get("href") for a in tree.iter("a")}, url


def test_every_page_has_one_h1_and_no_skipped_heading_level(client, data, article, base, space):
    for thing in kinds_of_page(data, article):
        _, tree = page(client, space.document(thing, "html"), base)
        levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert levels[0] == 1 and levels.count(1) == 1, thing
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), thing
        for landmark in ("header", "nav", "main", "footer"):
            assert tree.cssselect(landmark), (thing, landmark)

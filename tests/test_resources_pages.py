"""The pages for people (issue #4): the article page shows what the seed page shows and more,
every kind of thing has a page, languages are marked up right, landmarks and headings are
there, and the chart of the references is drawn on the server.

Parsed with lxml; expected values come from the data.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html as lxml_html
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF
from rdflib.namespace import VOID

from lodpub.config import Config
from lodpub.dataset import load
from lodpub.urls import UriSpace
from lodpub.views.resources import DOCUMENT_FORMATS
from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR


@pytest.fixture(scope="module")
def base(app: Flask) -> str:
    return app.config["BASE_URL"]


@pytest.fixture(scope="module")
def data(base: str) -> Graph:
    graph = Graph()
    for s, p, o, _ in load(Config.load()["DATA_FILES"], base).quads():
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def space(base: str) -> UriSpace:
    return UriSpace(base, tuple(f.extension for f in DOCUMENT_FORMATS))


@pytest.fixture(scope="module")
def article(data: Graph, base: str) -> URIRef:
    return data.value(URIRef(base + "dataset"), VOID.rootResource)


def page(client: FlaskClient, url: str, base: str, **headers: str):
    response = client.get("/" + url[len(base) :], headers=headers)
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
    english = client.get("/" + space.document(article, "html")[len(base) :] + "?lang=en")
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
    assert svg.get("role") == "img" and svg.cssselect("title") and svg.cssselect("desc")
    assert not tree.cssselect("script:not([type='application/ld+json'])")


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

"""The article page's embedded metadata read back by independent parsers (issue #4): extruct
for JSON-LD, RDFa and Dublin Core; lxml for the Google Scholar `citation_*` tags; the
standard library for the COinS ContextObject. Every value is compared with the data.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl
from urllib.parse import unquote

import extruct
import pytest
from flask import Flask
from lxml import html as lxml_html
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import RDF
from site_helpers import local

from lodpub.urls import UriSpace
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL
from lodpub.vocab import OCO
from lodpub.vocab import PRISM
from lodpub.vocab import PRO
from lodpub.vocab import SCHEMA

pytest_plugins = ["site_fixtures"]

# ISO 639-2 (the data's LoC language IRIs) → ISO 639-1, which the tags and COinS carry.
ISO_639_1 = {"chi": "zh", "zho": "zh", "eng": "en"}


@pytest.fixture(scope="module")
def page(app: Flask, article: URIRef, space: UriSpace) -> tuple[str, str]:
    url = space.document(article, "html")
    response = app.test_client().get(local(url, space.base))
    assert response.status_code == 200
    return url, response.get_data(as_text=True)


@pytest.fixture(scope="module")
def facts(data: Graph, article: URIRef) -> dict:
    """What the data says of the article, read here independently of lodpub.metadata."""
    roles = [
        r
        for r in data.objects(article, PRO.isDocumentContextFor)
        if (r, PRO.withRole, PRO.author) in data
    ]
    first = [r for r in roles if (None, OCO.hasNext, r) not in data]
    assert len(first) == 1
    ordered = [first[0]]
    while (following := data.value(ordered[-1], OCO.hasNext)) is not None:
        ordered.append(following)
    holders = [data.value(r, PRO.isHeldBy) for r in ordered]
    chain = [data.value(article, FRBR.partOf)]
    while (parent := data.value(chain[-1], FRBR.partOf)) is not None:
        chain.append(parent)
    of_type = {t: c for c in chain for t in data.objects(c, RDF.type)}
    journal = of_type[FABIO.Journal]
    issn = [
        str(data.value(i, LITERAL.hasLiteralValue))
        for i in data.objects(journal, DATACITE.hasIdentifier)
        if (i, DATACITE.usesIdentifierScheme, DATACITE.issn) in data
    ]
    embodiment = data.value(article, FRBR.embodiment)
    return {
        "title": str(data.value(article, DCTERMS.title)),
        "authors": [str(data.value(h, FOAF.name)) for h in holders],
        "families": [str(data.value(h, FOAF.familyName)) for h in holders],
        "givens": [str(data.value(h, FOAF.givenName)) for h in holders],
        "date": str(data.value(article, PRISM.publicationDate)),
        "journal": str(data.value(journal, DCTERMS.title)),
        "issn": issn,
        "volume": str(data.value(of_type[FABIO.JournalVolume], FABIO.hasSequenceIdentifier)),
        "issue": str(data.value(of_type[FABIO.JournalIssue], FABIO.hasSequenceIdentifier)),
        "first_page": str(data.value(embodiment, PRISM.startingPage)),
        "last_page": str(data.value(embodiment, PRISM.endingPage)),
        "language": ISO_639_1[str(data.value(article, DCTERMS.language)).rsplit("/", 1)[-1]],
        "keywords": sorted(str(k) for k in data.objects(article, PRISM.keyword)),
        "cited": set(data.objects(article, CITO.cites)),
    }


def meta(html: str, name: str) -> list[str]:
    tree = lxml_html.fromstring(html)
    return [m.get("content") for m in tree.xpath("//meta[@name=$n]", n=name)]


def test_citation_meta_tags_match_the_graph(page, facts) -> None:
    _, html = page
    assert meta(html, "citation_title") == [facts["title"]]
    assert meta(html, "citation_author") == facts["authors"]
    assert meta(html, "citation_publication_date") == [facts["date"]]
    assert meta(html, "citation_journal_title") == [facts["journal"]]
    assert meta(html, "citation_issn") == facts["issn"] != []
    assert meta(html, "citation_volume") == [facts["volume"]]
    assert meta(html, "citation_issue") == [facts["issue"]]
    assert meta(html, "citation_firstpage") == [facts["first_page"]]
    assert meta(html, "citation_lastpage") == [facts["last_page"]]
    assert meta(html, "citation_language") == [facts["language"]]
    assert sorted(meta(html, "citation_keywords")) == facts["keywords"]


def test_coins_holds_at_least_what_the_meta_tags_hold(page, facts) -> None:
    _, html = page
    spans = lxml_html.fromstring(html).xpath("//span[@class='Z3988']")
    assert len(spans) == 1
    pairs = parse_qsl(spans[0].get("title"))
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    assert values["rft_val_fmt"] == ["info:ofi/fmt:kev:mtx:journal"]
    assert values["rft.atitle"] == [facts["title"]]
    # rft.au names every author in order; aulast / aufirst are the first author's parts
    # (the OpenURL journal format defines them for the first author only).
    assert values["rft.au"] == facts["authors"]
    assert values["rft.aulast"] == facts["families"][:1]
    assert values["rft.aufirst"] == facts["givens"][:1]
    assert values["ctx_ver"] == ["Z39.88-2004"]
    assert values["rft.genre"] == ["article"]
    assert values["rft.date"] == [facts["date"]]
    assert values["rft.jtitle"] == [facts["journal"]]
    assert values["rft.issn"] == facts["issn"]
    assert values["rft.volume"] == [facts["volume"]]
    assert values["rft.issue"] == [facts["issue"]]
    assert values["rft.spage"] == [facts["first_page"]]
    assert values["rft.epage"] == [facts["last_page"]]
    assert values["rft.language"] == [facts["language"]]
    assert sorted(values["rft.subject"]) == facts["keywords"]


def test_extruct_json_ld_expands_offline_to_the_graph(page, facts, article, data) -> None:
    url, html = page
    found = extruct.extract(html, base_url=url, syntaxes=["json-ld"])["json-ld"]
    assert len(found) == 1
    item = found[0]
    assert isinstance(item["@context"], dict), "the context must be inline"
    graph = Graph().parse(data=json.dumps(item), format="json-ld")
    assert (article, RDF.type, SCHEMA.ScholarlyArticle) in graph
    assert Literal(facts["title"], lang="zh-Hans") in set(graph.objects(article, SCHEMA.name))
    authors = graph.value(article, SCHEMA.author)
    names = [str(graph.value(a, SCHEMA.name)) for a in graph.items(authors)]
    assert names == facts["authors"]
    assert set(graph.objects(article, SCHEMA.citation)) == facts["cited"]
    issue = graph.value(article, SCHEMA.isPartOf)
    volume = graph.value(issue, SCHEMA.isPartOf)
    periodical = graph.value(volume, SCHEMA.isPartOf)
    assert str(graph.value(issue, SCHEMA.issueNumber)) == facts["issue"]
    assert str(graph.value(volume, SCHEMA.volumeNumber)) == facts["volume"]
    assert sorted(str(i) for i in graph.objects(periodical, SCHEMA.issn)) == facts["issn"]
    assert str(graph.value(article, SCHEMA.pageStart)) == facts["first_page"]
    assert str(graph.value(article, SCHEMA.pageEnd)) == facts["last_page"]


def test_extruct_rdfa_holds_every_statement_of_the_article(page, article, data) -> None:
    url, html = page
    found = extruct.extract(html, base_url=url, syntaxes=["rdfa"])["rdfa"]
    graph = Graph().parse(data=json.dumps(found), format="json-ld")
    own = set(data.triples((article, None, None)))
    assert own <= set(graph), sorted(own - set(graph))[:3]
    incoming = set(data.triples((None, None, article)))
    assert incoming <= set(graph)


def test_extruct_dublin_core_names_title_creators_and_date(page, facts) -> None:
    url, html = page
    found = extruct.extract(html, base_url=url, syntaxes=["dublincore"])["dublincore"][0]
    by_name: dict[str, list[str]] = {}
    for element in found["elements"]:
        by_name.setdefault(element["name"].lower(), []).append(element["content"])
    assert by_name["dc.title"] == [facts["title"]]
    assert by_name["dc.creator"] == facts["authors"]
    assert by_name["dc.date"] == [facts["date"]]
    assert by_name["dc.language"] == [facts["language"]]


def test_coins_is_percent_encoded_utf8(page, facts) -> None:
    """Spaces as %20, not `+`: a strict percent-decoder (RFC 3986) and a form decoder then
    read the same values, and a literal `+` stays distinct from a space."""
    _, html = page
    title = lxml_html.fromstring(html).xpath("//span[@class='Z3988']")[0].get("title")
    assert "+" not in title and " " not in title
    pairs = [pair.split("=", 1) for pair in title.split("&")]
    decoded = {(unquote(k), unquote(v)) for k, v in pairs}
    assert decoded == set(parse_qsl(title))
    assert ("rft.atitle", facts["title"]) in decoded
    assert any(k == "rft.subject" and " " in v for k, v in decoded)


def test_article_landing_page_signposting_links(client, article, space) -> None:
    """Signposting (https://signposting.org/FAIR/): the landing page's types, a describedby
    link with its type per metadata format, the licence; no cite-as, item or author, since
    the data has no persistent identifier, content file or ORCID iD for them."""
    response = client.get(local(space.document(article, "html"), space.base))
    links = response.headers["Link"]
    assert '<https://schema.org/ScholarlyArticle>; rel="type"' in links
    assert '<https://schema.org/AboutPage>; rel="type"' in links
    for fmt in DOCUMENT_FORMATS:
        if fmt.kind == "rdf":
            described = f'<{space.document(article, fmt.extension)}>; rel="describedby"'
            assert f'{described}; type="{fmt.media_type}"' in links
    assert 'rel="license"' in links
    for absent in ('rel="cite-as"', 'rel="item"', 'rel="author"'):
        assert absent not in links

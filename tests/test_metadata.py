"""The embedded metadata of every work's page read back by independent parsers: extruct for
JSON-LD, RDFa and Dublin Core; lxml for the Google Scholar `citation_*` tags; the standard
library for the COinS ContextObject (OpenURL keys). Every value is compared with the data,
read here without lodpub.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl
from urllib.parse import quote
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
from rdflib.term import Node
from site_helpers import local

from lodpub.metadata import _percent_encoded
from lodpub.metadata import coins
from lodpub.metadata import highwire
from lodpub.record import record
from lodpub.urls import UriSpace
from lodpub.vocab import BIRO
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
XHV_LICENSE = URIRef("http://www.w3.org/1999/xhtml/vocab#license")
JOURNAL = "info:ofi/fmt:kev:mtx:journal"
BOOK = "info:ofi/fmt:kev:mtx:book"
DUBLIN_CORE = "info:ofi/fmt:kev:mtx:dc"
# The OpenURL 1.0 KEV format and genre (journal and book formats) or Zotero item type
# (Dublin Core format, `rft.type`) each kind of work must come through as.
EXPECTED_FORMAT = {
    FABIO.JournalArticle: (JOURNAL, "rft.genre", "article"),
    FABIO.Book: (BOOK, "rft.genre", "book"),
    FABIO.NewspaperArticle: (DUBLIN_CORE, "rft.type", "newspaperArticle"),
    FABIO.WebContent: (DUBLIN_CORE, "rft.type", "webpage"),
}


def original(literals) -> Literal | None:
    """The original form: Chinese characters, else untagged (a Western name), else English."""
    found = [lit for lit in literals if isinstance(lit, Literal)]
    for wanted in ("zh-hans", None, "en"):
        for lit in found:
            if (lit.language.lower() if lit.language else None) == wanted:
                return lit
    return None


def authors_of(data: Graph, work: Node) -> list[tuple[str, str | None, str | None]]:
    """(name, family, given) of the work's authors in `oco:hasNext` order, in the byline's
    script (family and given None for an organisation)."""
    roles = [
        r for r in data.objects(work, PRO.isDocumentContextFor)
        if (r, PRO.withRole, PRO.author) in data
    ]  # fmt: skip
    ordered = [r for r in roles if (None, OCO.hasNext, r) not in data]
    assert len(ordered) <= 1
    while ordered and (following := data.value(ordered[-1], OCO.hasNext)) is not None:
        ordered.append(following)
    assert len(ordered) == len(roles)
    result = []
    for role in ordered:
        holder = data.value(role, PRO.isHeldBy)
        name = original(data.objects(holder, FOAF.name))
        family = same_language(data.objects(holder, FOAF.familyName), name.language)
        given = same_language(data.objects(holder, FOAF.givenName), name.language)
        result.append((str(name), family, given))
    return result


def same_language(literals, language: str | None) -> str | None:
    found = [str(lit) for lit in literals if lit.language == language]
    return found[0] if found else None


def inverted(author: tuple[str, str | None, str | None]) -> str:
    name, family, given = author
    return f"{family}, {given}" if family and given else name


def container(data: Graph, work: Node, kinds: tuple[URIRef, ...]) -> Node | None:
    node = data.value(work, FRBR.partOf)
    while node is not None:
        if any((node, RDF.type, kind) in data for kind in kinds):
            return node
        node = data.value(node, FRBR.partOf)
    return None


def keys(coins: str) -> dict[str, list[str]]:
    """The KEV pairs of a ContextObject, by key in order."""
    found: dict[str, list[str]] = {}
    for key, value in parse_qsl(coins, strict_parsing=True):
        found.setdefault(key, []).append(value)
    return found


@pytest.fixture(scope="module")
def works(data: Graph, article: URIRef) -> list[URIRef]:
    """The article and its 25 cited works, in reference-list order."""
    numbered = sorted(
        (int(data.value(ref, FABIO.hasSequenceIdentifier)), data.value(ref, BIRO.references))
        for ref in data.objects(article, FRBR.part)
    )
    return [article, *(cited for _, cited in numbered)]


@pytest.fixture(scope="module")
def pages(app: Flask, works: list[URIRef], space: UriSpace) -> dict[URIRef, tuple[str, str]]:
    """(URL, HTML) of every work's page."""
    client = app.test_client()
    found = {}
    for work in works:
        url = space.document(work, "html")
        response = client.get(local(url, space.base))
        assert response.status_code == 200
        found[work] = (url, response.get_data(as_text=True))
    return found


def coins_of(html: str) -> str:
    spans = lxml_html.fromstring(html).xpath("//span[@class='Z3988']")
    assert len(spans) == 1, "one ContextObject per page: Zotero offers a choice for several"
    return spans[0].get("title")


def meta(html: str, name: str) -> list[str]:
    tree = lxml_html.fromstring(html)
    return [m.get("content") for m in tree.xpath("//meta[@name=$n]", n=name)]


def test_coins_names_each_author_once_in_byline_order(pages, data) -> None:
    """rft.au (rft.aucorp for an organisation, rft.creator in Dublin Core) once per author,
    "Family, Given" as the data splits the name; never rft.aulast / rft.aufirst too, which a
    reference manager adds as one more author."""
    for work, (_, html) in pages.items():
        found = keys(coins_of(html))
        assert "rft.aulast" not in found and "rft.aufirst" not in found
        names = [
            v for k, v in parse_qsl(coins_of(html)) if k in ("rft.au", "rft.aucorp", "rft.creator")
        ]
        expected = authors_of(data, work)
        assert names == [inverted(a) for a in expected], work
        for value, (_, family, given) in zip(names, expected, strict=True):
            if family:
                assert value.split(", ") == [family, given]


def test_coins_format_and_genre_follow_the_kind_of_work(pages, data) -> None:
    seen = set()
    for work, (_, html) in pages.items():
        (kind,) = [t for t in data.objects(work, RDF.type) if t in EXPECTED_FORMAT]
        fmt, key, value = EXPECTED_FORMAT[kind]
        found = keys(coins_of(html))
        assert found["ctx_ver"] == ["Z39.88-2004"]
        assert found["rft_val_fmt"] == [fmt], work
        assert found[key] == [value], work
        title = str(original(data.objects(work, DCTERMS.title)))
        title_key = {JOURNAL: "rft.atitle", BOOK: "rft.btitle", DUBLIN_CORE: "rft.title"}[fmt]
        assert found[title_key] == [title]
        date = data.value(work, PRISM.publicationDate)
        assert found["rft.date"] == [str(date)]
        seen.add(kind)
    assert seen == set(EXPECTED_FORMAT)


def test_coins_of_the_cited_book(pages, data) -> None:
    """Reference 5, a book: the book format, its title as rft.btitle, its publisher; no
    journal keys."""
    (book,) = [w for w in pages if (w, RDF.type, FABIO.Book) in data]
    found = keys(coins_of(pages[book][1]))
    publisher_role = next(
        r for r in data.objects(book, PRO.isDocumentContextFor)
        if (r, PRO.withRole, PRO.publisher) in data
    )  # fmt: skip
    publisher = original(data.objects(data.value(publisher_role, PRO.isHeldBy), FOAF.name))
    assert found["rft.pub"] == [str(publisher)]
    assert found["rft.au"] == [inverted(a) for a in authors_of(data, book)] == ["伍, 建民"]
    for journal_key in ("rft.atitle", "rft.jtitle", "rft.volume", "rft.issue"):
        assert journal_key not in found


def test_coins_of_a_newspaper_article_and_a_web_page(pages, data) -> None:
    for work, (_, html) in pages.items():
        found = keys(coins_of(html))
        if (work, RDF.type, FABIO.NewspaperArticle) in data:
            paper = container(data, work, (FABIO.Newspaper,))
            assert found["rft.source"] == [str(original(data.objects(paper, DCTERMS.title)))]
        if (work, RDF.type, FABIO.WebContent) in data:
            embodiment = data.value(work, FRBR.embodiment)
            page = str(data.value(embodiment, FRBR.exemplar))
            assert found["rft.identifier"] == [page]
            assert page in found["rft_id"]


def test_coins_of_the_article(pages, article, data) -> None:
    found = keys(coins_of(pages[article][1]))
    journal = container(data, article, (FABIO.Journal,))
    issue = data.value(article, FRBR.partOf)
    volume = data.value(issue, FRBR.partOf)
    embodiment = data.value(article, FRBR.embodiment)
    issn = [
        str(data.value(i, LITERAL.hasLiteralValue))
        for i in data.objects(journal, DATACITE.hasIdentifier)
        if (i, DATACITE.usesIdentifierScheme, DATACITE.issn) in data
    ]
    assert found["rft.jtitle"] == [str(data.value(journal, DCTERMS.title))]
    assert found["rft.issn"] == issn != []
    assert found["rft.volume"] == [str(data.value(volume, FABIO.hasSequenceIdentifier))]
    assert found["rft.issue"] == [str(data.value(issue, FABIO.hasSequenceIdentifier))]
    assert found["rft.spage"] == [str(data.value(embodiment, PRISM.startingPage))]
    assert found["rft.epage"] == [str(data.value(embodiment, PRISM.endingPage))]
    language = str(data.value(article, DCTERMS.language)).rsplit("/", 1)[-1]
    assert found["rft.language"] == [ISO_639_1[language]]
    keywords = sorted(str(k) for k in data.objects(article, PRISM.keyword))
    assert sorted(found["rft.subject"]) == keywords
    assert found["rft.description"] == [str(data.value(article, DCTERMS.abstract))]


def test_coins_carries_the_doi(pages, data) -> None:
    with_doi = 0
    for work, (_, html) in pages.items():
        dois = [
            str(data.value(i, LITERAL.hasLiteralValue))
            for i in data.objects(work, DATACITE.hasIdentifier)
            if (i, DATACITE.usesIdentifierScheme, DATACITE.doi) in data
        ]
        ids = keys(coins_of(html))["rft_id"]
        assert [i for i in ids if i.startswith("info:doi/")] == [f"info:doi/{d}" for d in dois]
        with_doi += bool(dois)
    assert with_doi > 3


def test_coins_is_percent_encoded_utf8(pages, article) -> None:
    """Spaces as %20, not `+`: a strict percent-decoder (RFC 3986) and a form decoder then
    read the same values, and a literal `+` stays distinct from a space."""
    title = coins_of(pages[article][1])
    assert "+" not in title and " " not in title
    pairs = [pair.split("=", 1) for pair in title.split("&")]
    decoded = [(unquote(k), unquote(v)) for k, v in pairs]
    assert decoded == parse_qsl(title)
    assert any(k == "rft.subject" and " " in v for k, v in decoded)


def test_citation_meta_tags_of_the_article(pages, article, data) -> None:
    html = pages[article][1]
    journal = container(data, article, (FABIO.Journal,))
    embodiment = data.value(article, FRBR.embodiment)
    assert meta(html, "citation_title") == [str(data.value(article, DCTERMS.title))]
    assert meta(html, "citation_author") == [inverted(a) for a in authors_of(data, article)]
    assert meta(html, "citation_publication_date") == [
        str(data.value(article, PRISM.publicationDate))
    ]
    assert meta(html, "citation_journal_title") == [str(data.value(journal, DCTERMS.title))]
    assert meta(html, "citation_firstpage") == [str(data.value(embodiment, PRISM.startingPage))]
    assert meta(html, "citation_lastpage") == [str(data.value(embodiment, PRISM.endingPage))]
    assert meta(html, "citation_abstract") == [str(data.value(article, DCTERMS.abstract))]
    keywords = sorted(str(k) for k in data.objects(article, PRISM.keyword))
    assert sorted(meta(html, "citation_keywords")) == keywords
    assert len(meta(html, "citation_publisher")) == 1
    # The institutions follow their author: the first author's one comes second.
    tree = lxml_html.fromstring(html)
    names = [m.get("name") for m in tree.xpath("//meta[starts-with(@name, 'citation_author')]")]
    assert names[:3] == ["citation_author", "citation_author_institution", "citation_author"]


def test_citation_meta_tags_of_the_cited_book(pages, data) -> None:
    (book,) = [w for w in pages if (w, RDF.type, FABIO.Book) in data]
    html = pages[book][1]
    assert meta(html, "citation_title") == [str(original(data.objects(book, DCTERMS.title)))]
    assert meta(html, "citation_author") == ["伍, 建民"]
    assert meta(html, "citation_publisher") == ["北京科学技术出版社"]
    assert meta(html, "citation_journal_title") == []


def test_citation_tags_only_for_what_google_scholar_indexes(pages, data) -> None:
    """News and web pages get no `citation_*` tags (Scholar would list the page as a paper
    hosted here); journal articles and books do, each with its DOI where the data has one."""
    for work, (_, html) in pages.items():
        scholarly = any((work, RDF.type, t) in data for t in (FABIO.JournalArticle, FABIO.Book))
        assert bool(meta(html, "citation_title")) == scholarly, work
    (with_doi,) = [w for w in pages if str(w).endswith("/br/102")]
    assert meta(pages[with_doi][1], "citation_doi") == ["10.16619/j.cnki.rmltxsqy.2023.19.002"]


def test_extruct_json_ld_expands_offline_to_the_graph(pages, article, data, base) -> None:
    url, html = pages[article]
    found = extruct.extract(html, base_url=url, syntaxes=["json-ld"])["json-ld"]
    assert len(found) == 1
    item = found[0]
    assert isinstance(item["@context"], dict), "the context must be inline"
    graph = Graph().parse(data=json.dumps(item), format="json-ld")
    title = data.value(article, DCTERMS.title)
    assert (article, RDF.type, SCHEMA.ScholarlyArticle) in graph
    assert title in set(graph.objects(article, SCHEMA.name))
    assert graph.value(article, SCHEMA.headline) == title
    assert graph.value(article, SCHEMA.abstract) == data.value(article, DCTERMS.abstract)
    authors = graph.value(article, SCHEMA.author)
    names = [str(graph.value(a, SCHEMA.name)) for a in graph.items(authors)]
    assert names == [name for name, _, _ in authors_of(data, article)]
    families = [str(graph.value(a, SCHEMA.familyName)) for a in graph.items(authors)]
    assert families == [family for _, family, _ in authors_of(data, article)]
    assert set(graph.objects(article, SCHEMA.citation)) == set(data.objects(article, CITO.cites))
    issue = graph.value(article, SCHEMA.isPartOf)
    volume = graph.value(issue, SCHEMA.isPartOf)
    periodical = graph.value(volume, SCHEMA.isPartOf)
    assert graph.value(periodical, SCHEMA.issn) is not None
    # The data dedicates its metadata (the dataset) to the public domain and gives the
    # article no licence: schema.org says the same, and nothing about free access.
    dataset_licence = data.value(URIRef(base + "dataset"), DCTERMS.license)
    assert graph.value(article, SCHEMA.sdLicense) == dataset_licence
    assert (article, SCHEMA.license, None) not in graph
    assert (article, SCHEMA.isAccessibleForFree, None) not in graph


def test_extruct_json_ld_types_every_cited_work(pages, data, works) -> None:
    kinds = {
        FABIO.JournalArticle: SCHEMA.ScholarlyArticle,
        FABIO.Book: SCHEMA.Book,
        FABIO.NewspaperArticle: SCHEMA.NewsArticle,
        FABIO.WebContent: SCHEMA.WebPage,
    }
    for work in works[1:]:
        url, html = pages[work]
        (item,) = extruct.extract(html, base_url=url, syntaxes=["json-ld"])["json-ld"]
        graph = Graph().parse(data=json.dumps(item), format="json-ld")
        (kind,) = [t for t in data.objects(work, RDF.type) if t in kinds]
        assert (work, RDF.type, kinds[kind]) in graph
        assert graph.value(work, SCHEMA.headline) == original(data.objects(work, DCTERMS.title))


def rdfa_of(url: str, html: str) -> Graph:
    found = extruct.extract(html, base_url=url, syntaxes=["rdfa"])["rdfa"]
    return Graph().parse(data=json.dumps(found), format="json-ld")


def test_extruct_rdfa_holds_every_statement_of_the_article(pages, article, data) -> None:
    graph = rdfa_of(*pages[article])
    own = set(data.triples((article, None, None)))
    assert own <= set(graph), sorted(own - set(graph))[:3]
    # Its provenance snapshots' statements are in their own documents, not in the page's RDFa.
    incoming = {t for t in data.triples((None, None, article)) if "/prov/se/" not in str(t[0])}
    assert incoming <= set(graph)


def test_extruct_rdfa_says_nothing_the_data_does_not(app, pages, data, space) -> None:
    """Every RDFa triple of a page is in the dump, but those about the HTML document itself
    (its `describedby` links, VoID's `inDataset`): the data has no statements about pages.
    In particular no page says a work is CC0 (`xhv:license`)."""
    client = app.test_client()
    urls = [url for url, _ in pages.values()]
    urls += [space.document(URIRef(space.base + p), "html") for p in ("ra/1", "dataset", "br/4")]
    for url in urls:
        html = client.get(local(url, space.base)).get_data(as_text=True)
        graph = rdfa_of(url, html)
        extra = {t for t in graph if t not in data and str(t[0]) != url}
        assert extra == set(), (url, sorted(extra)[:3])
        assert {s for s, _, _ in graph.triples((None, XHV_LICENSE, None))} <= {URIRef(url)}


def test_extruct_dublin_core(pages, article, data) -> None:
    url, html = pages[article]
    found = extruct.extract(html, base_url=url, syntaxes=["dublincore"])["dublincore"][0]
    by_name: dict[str, list[str]] = {}
    # extruct also lists `<link rel="type">` (Signposting) as DC type, with no name.
    for element in (e for e in found["elements"] if "name" in e):
        by_name.setdefault(element["name"].lower(), []).append(element["content"])
    assert by_name["dc.title"] == [str(data.value(article, DCTERMS.title))]
    assert by_name["dc.creator"] == [inverted(a) for a in authors_of(data, article)]
    assert by_name["dc.date"] == [str(data.value(article, PRISM.publicationDate))]
    assert by_name["dc.description"] == [str(data.value(article, DCTERMS.abstract))]
    assert str(article) in by_name["dc.identifier"]


# Kinds of work the publication's data has none of, described here in the data's model
# (example.org IRIs) to read the report and chapter tags and keys back.
OTHER_KINDS = """
@prefix datacite: <http://purl.org/spar/datacite/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix frbr: <http://purl.org/vocab/frbr/core#> .
@prefix literal: <http://www.essepuntato.it/2010/06/literalreification/> .
@prefix prism: <http://prismstandard.org/namespaces/basic/2.0/> .
@prefix pro: <http://purl.org/spar/pro/> .
@prefix ex: <http://example.org/> .

ex:report a fabio:Expression, fabio:ReportDocument ;
    dcterms:title "A report"@en ;
    pro:isDocumentContextFor ex:report-author, ex:report-publisher .
ex:report-author pro:withRole pro:author ; pro:isHeldBy ex:person .
ex:report-publisher pro:withRole pro:publisher ; pro:isHeldBy ex:institute .
ex:person a foaf:Person ; foaf:name "Maggi G" ; foaf:familyName "Maggi" ; foaf:givenName "G" .
ex:institute a foaf:Organization ; foaf:name "An institute"@en .

ex:chapter a fabio:Expression, fabio:BookChapter ;
    dcterms:title "A chapter"@en ;
    frbr:partOf ex:book ;
    frbr:embodiment [ prism:startingPage "5" ; prism:endingPage "9" ] ;
    pro:isDocumentContextFor ex:report-author .
ex:book a fabio:Expression, fabio:Book ;
    dcterms:title "A book"@en ;
    datacite:hasIdentifier [ datacite:usesIdentifierScheme datacite:isbn ;
                             literal:hasLiteralValue "9780000000002" ] .
"""


def test_a_report_and_a_book_chapter(ontology) -> None:
    graph = Graph().parse(data=OTHER_KINDS, format="turtle")
    report = record(graph, ontology, URIRef("http://example.org/report"))
    tags = highwire(report, "http://example.org/page")
    assert ("citation_technical_report_institution", "An institute") in tags
    assert ("citation_author", "Maggi, G") in tags
    assert "citation_publisher" not in dict(tags)
    found = keys(coins(report))
    assert (found["rft_val_fmt"], found["rft.genre"]) == ([BOOK], ["report"])
    assert found["rft.btitle"] == ["A report"] and found["rft.au"] == ["Maggi, G"]

    chapter = record(graph, ontology, URIRef("http://example.org/chapter"))
    tags = highwire(chapter, "http://example.org/page")
    assert ("citation_inbook_title", "A book") in tags
    assert ("citation_isbn", "9780000000002") in tags, "a chapter is found by its book's"
    found = keys(coins(chapter))
    assert (found["rft_val_fmt"], found["rft.genre"]) == ([BOOK], ["bookitem"])
    assert found["rft.atitle"] == ["A chapter"] and found["rft.btitle"] == ["A book"]
    assert found["rft.pages"] == ["5-9"]
    assert found["rft.isbn"] == ["9780000000002"]


def test_coins_values_are_percent_encoded_as_the_standard_library_does() -> None:
    """COinS percent-encodes with a table of its own (faster than urllib's quote, which looks
    up each byte in Python): the same text as `quote(…, safe="")` for every character."""
    # Every one- and two-byte character in UTF-8, and samples of the three- and four-byte.
    codes = [*range(0x800), *range(0x800, 0x110000, 97)]
    texts = [chr(c) for c in codes if not 0xD800 <= c < 0xE000]
    texts += ["", "推动“一带一路”数字标准共建", "Grossman, G M", "a+b c&d=e/f?g#h~i_j.k-l%"]
    for text in texts:
        assert _percent_encoded(text) == quote(text, safe=""), repr(text)

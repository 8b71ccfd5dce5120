"""The page model (lodpub.pages) without Flask: pages built from the real article's store,
each compared with the data as the tests read it themselves (rdflib on the data files, never
lodpub's store or reader), and the record of the same description read by the same reader."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import byline
from rdf_helpers import data_graph
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF
from rdflib.namespace import VOID

from lodpub.config import DEFAULT_BASE_URL
from lodpub.config import Config
from lodpub.dataset import load_ontology
from lodpub.describe import describe
from lodpub.labels import Terms
from lodpub.pages import model
from lodpub.pages.build import Builder
from lodpub.pages.reader import Reader
from lodpub.pages.reader import sorted_literals
from lodpub.record import read_record
from lodpub.store import Store
from lodpub.store import memory_store
from lodpub.urls import UriSpace
from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL
from lodpub.vocab import PRISM

BASE = DEFAULT_BASE_URL
EXTENSIONS = ("html", "ttl", "jsonld", "rdf", "nt")


@pytest.fixture(scope="module")
def data() -> Graph:
    return data_graph(BASE)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    opened = memory_store([Path(p) for p in Config.load()["DATA_FILES"]], BASE)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def space() -> UriSpace:
    return UriSpace(BASE, EXTENSIONS)


@pytest.fixture(scope="module")
def terms() -> Terms:
    return Terms(load_ontology(BASE))


@pytest.fixture(scope="module")
def article(data: Graph) -> URIRef:
    root = data.value(URIRef(BASE + "dataset"), VOID.rootResource)
    assert isinstance(root, URIRef)
    return root


def page_of(store: Store, space: UriSpace, terms: Terms, iri: URIRef, lang: str = "en"):
    reader = Reader(describe(store, iri, space).triples)
    return Builder(reader, terms, space, lang).page(iri, []), reader


def test_the_article_page_is_an_article_with_its_authors_in_byline_order(
    store, space, terms, data, article
) -> None:
    page, _ = page_of(store, space, terms, article)
    assert page.kind == "article"
    assert isinstance(page.summary, model.Article)
    expected = [space.href(h) for h in byline(data, article)]
    assert len(expected) > 1
    assert [a.href for a in page.summary.authors] == expected


def test_the_reference_list_in_printed_order_with_cited_works_and_their_links(
    store, space, terms, data, article
) -> None:
    page, _ = page_of(store, space, terms, article)
    refs = [
        r
        for r in data.objects(article, FRBR.part)
        if (r, RDF.type, BIRO.BibliographicReference) in data
    ]
    by_number = sorted(refs, key=lambda r: int(data.value(r, FABIO.hasSequenceIdentifier)))
    listed = page.summary.references
    assert len(listed) == len(refs) == 25
    assert [r.number for r in listed] == [
        str(data.value(r, FABIO.hasSequenceIdentifier)) for r in by_number
    ]
    for shown, ref in zip(listed, by_number, strict=True):
        cited = data.value(ref, BIRO.references)
        assert shown.href == space.href(ref)
        assert shown.content == str(data.value(ref, C4O.hasContent))
        assert shown.cited_href == space.href(cited)
        # The cited work's own links (its DOI's page, its web address), in IRI order.
        assert [v.href for v in shown.links] == sorted(
            str(o) for o in data.objects(cited, DCTERMS.relation)
        )
    self_cited = {
        data.value(c, CITO.hasCitedEntity)
        for c in data.subjects(RDF.type, CITO.JournalSelfCitation)
        if (c, CITO.hasCitingEntity, article) in data
    }
    assert self_cited, "the article cites its own journal"
    assert {r.cited_href for r in listed if r.self_citation} == {space.href(w) for w in self_cited}


def test_the_page_range_of_the_article(store, space, terms, data, article) -> None:
    page, reader = page_of(store, space, terms, article)
    embodiment = data.value(article, FRBR.embodiment)
    first = str(data.value(embodiment, PRISM.startingPage))
    last = str(data.value(embodiment, PRISM.endingPage))
    assert page.summary.pages == f"{first}–{last}"
    # The record reads the same pages through the same reader.
    rec = read_record(reader, terms.ontology, article)
    assert (rec.first_page, rec.last_page) == (first, last)


def identified(data: Graph) -> list[URIRef]:
    """Every own node with at least one identifier, as the data says."""
    return sorted(
        {
            s
            for s in data.subjects(DATACITE.hasIdentifier)
            if isinstance(s, URIRef) and str(s).startswith(BASE)
        }
    )


def test_identifiers_with_the_links_that_resolve_them(store, space, terms, data) -> None:
    """Every identified work and journal shows each identifier's value, linked to the
    `dcterms:relation` that ends with it (the DOI's page, the ISSN portal), and its other
    links apart."""
    nodes = identified(data)
    resolved = 0
    for node in nodes:
        page, _ = page_of(store, space, terms, node)
        if not isinstance(page.summary, model.Work | model.Container):
            continue
        relations = sorted(str(o) for o in data.objects(node, DCTERMS.relation))
        expected = {}
        for ident in data.objects(node, DATACITE.hasIdentifier):
            value = str(data.value(ident, LITERAL.hasLiteralValue))
            link = next(
                (r for r in relations if r == value or r.lower().endswith("/" + value.lower())),
                None,
            )
            expected[value] = link
        assert {row.value: row.href for row in page.summary.identifiers} == expected, node
        shown_links = {v.href for v in page.summary.links}
        assert shown_links == set(relations) - set(expected.values()), node
        resolved += sum(link is not None for link in expected.values())
    assert resolved > 0


def test_the_journal_page_lists_its_issn_with_the_issn_portal(store, space, terms, data) -> None:
    journals = sorted(
        j
        for j in data.subjects(RDF.type, FABIO.Journal)
        if str(j).startswith(BASE) and any(True for _ in data.objects(j, DATACITE.hasIdentifier))
    )
    assert journals
    page, _ = page_of(store, space, terms, journals[0])
    assert page.kind == "container"
    issn = [row for row in page.summary.identifiers if row.href and "portal.issn.org" in row.href]
    assert issn and all(row.href.endswith(row.value) for row in issn)


def test_every_kind_of_thing_gets_its_own_summary(store, space, terms, data) -> None:
    """One thing of each kind in the data: its page is of that kind with that dataclass."""
    expected = {
        CITO.Citation: model.Citation,
        BIRO.BibliographicReference: model.Reference,
        FABIO.JournalVolume: model.Container,
        FABIO.Book: model.Work,
    }
    for cls, summary in expected.items():
        thing = min(s for s in data.subjects(RDF.type, cls) if str(s).startswith(BASE))
        page, _ = page_of(store, space, terms, thing)
        assert type(page.summary) is summary, (cls, thing)
    dataset, _ = page_of(store, space, terms, URIRef(BASE + "dataset"))
    assert isinstance(dataset.summary, model.Dataset)
    assert [v.resource for v in dataset.summary.root] == [
        str(r) for r in data.objects(URIRef(BASE + "dataset"), VOID.rootResource)
    ]


def test_a_citation_page_names_citing_and_cited(store, space, terms, data) -> None:
    citation = min(data.subjects(RDF.type, CITO.Citation))
    page, _ = page_of(store, space, terms, citation)
    assert [v.resource for v in page.summary.citing] == [
        str(data.value(citation, CITO.hasCitingEntity))
    ]
    assert [v.resource for v in page.summary.cited] == [
        str(data.value(citation, CITO.hasCitedEntity))
    ]


def test_pages_and_records_read_the_same_authors(store, space, terms, data, article) -> None:
    """For every work, the page's byline and the record's come from the one reader."""
    for work in [article, *data.objects(article, CITO.cites)]:
        page, reader = page_of(store, space, terms, work)
        rec = read_record(reader, terms.ontology, work)
        assert [a.href for a in page.summary.authors] == [
            space.href(URIRef(a.iri)) for a in rec.authors
        ]
        assert [a.iri for a in rec.authors] == [str(h) for h in byline(data, work)]


def test_the_links_into_a_node_are_the_same_whichever_node_is_asked_about_first(
    store, space, article
) -> None:
    """The reader finds the links into the first node asked about by one pass over the
    triples, and indexes every node's when a second is asked about: both answers are the
    description's own links (as rdflib reads them), in the same order."""
    triples = describe(store, article, space).triples
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    cited = min(graph.objects(article, CITO.cites))
    issue = graph.value(article, FRBR.partOf)
    article_first, cited_first = Reader(triples), Reader(triples)
    answers = {}
    for reader, order in ((article_first, (article, cited)), (cited_first, (cited, article))):
        answers[reader] = {node: reader.links_in(node) for node in order}
    for node in (article, cited):
        expected = {(p, s) for s, p in graph.subject_predicates(node)}
        assert len(expected) > 1
        for reader in answers:
            found = answers[reader][node]
            assert {(p, s) for p, subjects in found.items() for s in subjects} == expected
        assert list(answers[article_first][node].items()) == list(
            answers[cited_first][node].items()
        )
    citing = [s for s, p, o in triples if p == CITO.hasCitingEntity and o == article]
    assert len(citing) == 25
    for reader in (article_first, cited_first):
        assert reader.subjects(CITO.hasCitingEntity, article) == citing
        assert reader.mentions(FRBR.partOf, issue)
        assert not reader.mentions(FRBR.partOf, cited)
    assert not Reader(triples).links_in(URIRef(BASE + "nowhere"))


def test_the_page_model_needs_no_flask() -> None:
    """Building pages imports no Flask (a fresh interpreter, so no other test's imports
    count)."""
    code = "import sys, lodpub.pages.build, lodpub.record; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_a_statement_s_values_read_in_natural_order_whatever_looks_like_a_digit(
    space: UriSpace, terms: Terms
) -> None:
    """Runs of digits sort as numbers (`[2]` before `[10]`); a superscript two, which
    str.isdigit accepts and int refuses, is text like any other character."""
    work = URIRef(BASE + "br/1")
    texts = ["x1²", "[10]", "m²", "10²", "[2]", "2²", "2"]
    triples = [(work, DCTERMS.description, Literal(t)) for t in texts]
    page = Builder(Reader(triples), terms, space, "en").page(work, [])
    (row,) = [s for s in page.statements if s.predicate == str(DCTERMS.description)]
    assert [v.text for v in row.values] == ["2", "2²", "10²", "[2]", "[10]", "m²", "x1²"]


def test_digits_of_any_script_sort_as_numbers(space: UriSpace, terms: Terms) -> None:
    """A run of decimal digits is a number whatever its script: fullwidth ２ before １０, as
    Arabic-Indic ٢ before ١٠, and a number before a word."""
    work = URIRef(BASE + "br/1")
    texts = ["第１０期", "第２期", "vol ١٠", "vol ٢", "第期"]
    triples = [(work, DCTERMS.description, Literal(t)) for t in texts]
    page = Builder(Reader(triples), terms, space, "en").page(work, [])
    (row,) = [s for s in page.statements if s.predicate == str(DCTERMS.description)]
    assert [v.text for v in row.values] == ["vol ٢", "vol ١٠", "第２期", "第１０期", "第期"]


@pytest.mark.parametrize(
    "literals",
    [
        # Strings without a datatype: untagged and tagged, the same text in several languages.
        [
            Literal("b", lang="zh-Hans"),
            Literal("a", lang="en"),
            Literal("b"),
            Literal("a", lang="zh-Hans"),
            Literal("a"),
            Literal("b", lang="en"),
            Literal("B", lang="en"),
        ],
        # With datatypes, which rdflib orders by value (2 before 10).
        [Literal(10), Literal("x"), Literal(2), Literal(date(2021, 11, 19))],
    ],
)
def test_literals_sorted_in_rdflib_s_order(literals: list[Literal]) -> None:
    """sorted_literals orders literals as rdflib's comparisons do, in any order given."""
    for shift in range(len(literals)):
        given = literals[shift:] + literals[:shift]
        assert sorted_literals(given) == sorted(given)
        assert [lit.language for lit in sorted_literals(given)] == [
            lit.language for lit in sorted(given)
        ]

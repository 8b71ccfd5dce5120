"""FAIR Signposting and JSON-LD loading, read over HTTP from a live server by the clients
that consume them: the `signposting` package (level 1 from the Link header and from the
HTML `<link>` elements, level 2 from the linkset in both formats) and PyLD's
`jsonld.expand(url)` on every kind of document. Expected values come from the data, read
here without lodpub.
"""

from __future__ import annotations

import warnings

import pytest
import requests
from pyld import jsonld
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF
from signposting import find_signposting_html
from signposting import find_signposting_http
from signposting import find_signposting_linkset

from lodpub.formats import LINKSET_FORMATS
from lodpub.urls import UriSpace
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL
from lodpub.vocab import OCO
from lodpub.vocab import PRO

pytest_plugins = ["site_fixtures"]

RDF_DOCUMENTS = [f for f in DOCUMENT_FORMATS if f.kind == "rdf"]


@pytest.fixture(scope="module")
def live(live_server: str, data: Graph, base: str) -> tuple[str, Graph]:
    """The live server's base URL and the data read on it (its IRIs are the server's)."""
    return live_server, Graph().parse(
        data=data.serialize(format="nt").replace(base, live_server), format="nt"
    )


@pytest.fixture(scope="module")
def live_space(live) -> UriSpace:
    return UriSpace(live[0], tuple(f.extension for f in DOCUMENT_FORMATS))


def thing(live, path: str) -> URIRef:
    return URIRef(live[0] + path)


def authors(data: Graph, work: URIRef) -> list[URIRef]:
    roles = [
        r for r in data.objects(work, PRO.isDocumentContextFor)
        if (r, PRO.withRole, PRO.author) in data
    ]  # fmt: skip
    ordered = [r for r in roles if (None, OCO.hasNext, r) not in data]
    while ordered and (following := data.value(ordered[-1], OCO.hasNext)) is not None:
        ordered.append(following)
    return [data.value(r, PRO.isHeldBy) for r in ordered]


def identifier(data: Graph, node: URIRef, scheme: URIRef) -> str | None:
    for ident in data.objects(node, DATACITE.hasIdentifier):
        if (ident, DATACITE.usesIdentifierScheme, scheme) in data:
            return str(data.value(ident, LITERAL.hasLiteralValue))
    return None


def expected(live, space: UriSpace, iri: URIRef) -> dict:
    """What the landing page of `iri` must signpost, from the data."""
    data = live[1]
    doi = identifier(data, iri, DATACITE.doi)
    people = []
    for holder in authors(data, iri):
        orcid = identifier(data, holder, DATACITE.orcid)
        people.append(f"https://orcid.org/{orcid}" if orcid else str(holder))
    copies = [
        str(item)
        for embodiment in data.objects(iri, FRBR.embodiment)
        for item in data.objects(embodiment, FRBR.exemplar)
    ]
    licence = data.value(iri, DCTERMS.license)
    return {
        "cite_as": f"https://doi.org/{doi}" if doi else str(iri),
        "described_by": {(space.document(iri, f.extension), f.media_type) for f in RDF_DOCUMENTS},
        "authors": set(people),
        "licence": str(licence) if licence is not None else None,
        "items": set(copies),
    }


def check(found, want: dict, landing: str) -> None:
    assert found.citeAs is not None and str(found.citeAs.target) == want["cite_as"]
    assert {(str(s.target), str(s.type)) for s in found.describedBy} == want["described_by"]
    assert {str(s.target) for s in found.authors} == want["authors"]
    assert (str(found.license.target) if found.license else None) == want["licence"]
    if want["items"]:
        assert want["items"] <= {str(s.target) for s in found.items}
    types = {str(s.target) for s in found.types}
    assert "https://schema.org/AboutPage" in types and len(types) == 2
    jsonld_link = next(s for s in found.describedBy if str(s.type) == "application/ld+json")
    assert jsonld_link.profiles or landing == "html", "the JSON-LD link names its profile"


# The article, a journal article with a DOI, one with an ORCID iD among its authors, the
# book, a web page (a copy on the web: `item`), an author, the journal and the dataset
# (licence and dumps).
LANDING_PAGES = ["br/1", "br/102", "br/110", "br/105", "br/104", "ra/1", "br/4", "dataset"]


@pytest.mark.parametrize("path", LANDING_PAGES)
def test_signposting_level_1_from_headers_html_and_linksets(live, live_space, path) -> None:
    iri = thing(live, path)
    want = expected(live, live_space, iri)
    page = live_space.document(iri, "html")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unreadable signpost fails the test
        from_header = find_signposting_http(str(iri))
        from_html = find_signposting_html(page)
        linksets = [find_signposting_linkset(live_space.linkset(iri))]
        linksets += [
            find_signposting_linkset(live_space.linkset(iri), f.media_type) for f in LINKSET_FORMATS
        ]
    check(from_header, want, "header")
    check(from_html, want, "html")
    assert {str(s.target) for s in from_header.linksets} == {live_space.linkset(iri)}
    for found in linksets:
        # The linkset's link contexts: the landing page, and each metadata document, which
        # points back to it (level 2).
        assert {str(c) for c in found.other_contexts} == {page} | {
            url for url, _ in want["described_by"]
        }
        check(found.for_context(page), want, "linkset")
        for url, _ in want["described_by"]:
            back = found.for_context(url).describes
            assert {str(s.target) for s in back} == {page}


def test_cite_as_is_the_doi_where_the_data_has_one(live, live_space) -> None:
    found = find_signposting_http(str(thing(live, "br/102")))
    assert str(found.citeAs.target).startswith("https://doi.org/10.")
    found = find_signposting_http(str(thing(live, "br/1")))
    assert str(found.citeAs.target) == str(thing(live, "br/1"))


def test_no_licence_on_a_work_the_data_gives_none(live, live_space) -> None:
    """The data dedicates its metadata to the public domain, not the article: the article's
    landing page names no licence, its metadata documents do (they are the dataset's)."""
    article = thing(live, "br/1")
    assert find_signposting_http(live_space.document(article, "html")).license is None
    licence = str(live[1].value(thing(live, "dataset"), DCTERMS.license))
    for fmt in RDF_DOCUMENTS:
        found = find_signposting_http(live_space.document(article, fmt.extension))
        assert str(found.license.target) == licence
        assert {str(s.target) for s in found.describes} == {live_space.document(article, "html")}


def test_a_linkset_for_nothing_is_404(live) -> None:
    response = requests.get(live[0] + "doc/br/99999.linkset", timeout=30)
    assert response.status_code == 404
    assert "br/1" in response.text


def test_linkset_not_acceptable_lists_the_formats(live, live_space) -> None:
    url = live_space.linkset(thing(live, "br/1"))
    response = requests.get(url, headers={"Accept": "image/png"}, timeout=30)
    assert response.status_code == 406
    for fmt in LINKSET_FORMATS:
        assert fmt.media_type in response.text


# Every kind of document a JSON-LD processor may be given: thing IRIs (303), the generic
# and specific documents of works, agents, containers and the dataset, the ontology, the
# VoID description, the home page and the JSON-LD dump.
PYLD_URLS = [
    "br/1",
    "doc/br/1",
    *(f"doc/br/105.{f.extension}" for f in DOCUMENT_FORMATS),
    "doc/ra/20.html",
    "doc/br/4.jsonld",
    "doc/dataset.html",
    "ontology",
    ".well-known/void",
    "",
    "dataset.jsonld",
]


@pytest.fixture(scope="module")
def pyld_loader():
    previous = jsonld.get_document_loader()
    jsonld.set_document_loader(jsonld.requests_document_loader(timeout=120))
    yield
    jsonld.set_document_loader(previous)


@pytest.mark.parametrize("path", PYLD_URLS)
def test_pyld_expands_every_document(live, pyld_loader, path) -> None:
    """`jsonld.expand(url)` loads the JSON-LD behind every URL and its triples are the
    ones rdflib reads from the JSON-LD document itself."""
    expanded = jsonld.expand(live[0] + path)
    assert expanded, path
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    graph = Graph().parse(data=nquads, format="nquads")
    assert len(graph) > 0
    subjects = set(graph.subjects())
    if path.startswith(("br/", "doc/br/1")):
        article = thing(live, "br/1")
        assert (article, RDF.type, FABIO.JournalArticle) in graph
    elif path.startswith("doc/br/105"):
        assert (thing(live, "br/105"), RDF.type, FABIO.Book) in graph
    elif path.startswith("doc/"):
        stem = path.removeprefix("doc/").rsplit(".", 1)[0]
        assert thing(live, stem) in subjects
    else:
        assert any(str(s).startswith(live[0]) for s in subjects)


@pytest.mark.parametrize("path", ["br/105", "doc/br/105.html", "doc/br/105.ttl"])
def test_pyld_and_rdflib_read_the_same_triples(live, pyld_loader, path) -> None:
    """What PyLD finds behind a thing, its page or another document (following the one
    JSON-LD alternate) is what rdflib reads from the N-Triples document."""
    nquads = jsonld.to_rdf(jsonld.expand(live[0] + path), {"format": "application/n-quads"})
    expanded = Graph().parse(data=nquads, format="nquads")
    served = Graph().parse(live[0] + "doc/br/105.nt", format="nt")
    assert len(served) > 20
    assert set(expanded) == set(served)

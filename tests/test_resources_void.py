"""What the publication says about itself, for crawlers and harvesters: the VoID
description (https://www.w3.org/TR/void/), the home page as the dataset's page, the dumps,
the sitemap and robots.txt. Counts are read from the data, never typed in.
"""

from __future__ import annotations

import gzip
import re

import pytest
from flask import Flask
from lxml import html as lxml_html
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from rdflib.namespace import OWL
from rdflib.namespace import RDF
from rdflib.namespace import VOID
from site_helpers import local

from lodpub.catalogue import DUMPS
from lodpub.formats import RDF_FORMATS
from lodpub.urls import things
from lodpub.views.state import DOCUMENT_FORMATS

pytest_plugins = ["site_fixtures"]

# The external datasets the data's dcterms:relation links point into, by URI space.
TARGETS = {"doi": "https://doi.org/", "issn": "https://portal.issn.org/resource/ISSN/"}


@pytest.fixture(scope="module")
def void(app: Flask) -> Graph:
    response = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    return Graph().parse(data=response.data, format="turtle")


def test_get_void_describes_dataset_with_its_counts(void, data, base, space) -> None:
    dataset = space.dataset()
    assert (dataset, RDF.type, VOID.Dataset) in void
    for p, o in data.predicate_objects(dataset):  # title, description, licence, examples ...
        assert (dataset, p, o) in void
    for term in (DCTERMS.title, DCTERMS.description, DCTERMS.license, VOID.exampleResource):
        assert void.value(dataset, term) is not None, term
    assert void.value(dataset, VOID.rootResource) is not None
    assert void.value(dataset, VOID.triples) == Literal(len(data))
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(base + "sparql")
    assert str(void.value(dataset, VOID.uriSpace)) == base
    dumps = {str(d) for d in void.objects(dataset, VOID.dataDump)}
    assert dumps == {base + d.file_name for d in DUMPS}
    features = set(void.objects(dataset, VOID.feature))
    assert {URIRef(f.iri) for f in RDF_FORMATS} == features
    namespaces = {str(v) for v in void.objects(dataset, VOID.vocabulary)}
    assert "http://purl.org/spar/fabio/" in namespaces


def test_get_void_has_no_sameas_linkset_while_no_link_is_accepted(void, data, space) -> None:
    assert not list(data.triples((None, OWL.sameAs, None)))
    assert not list(void.triples((None, VOID.linkPredicate, OWL.sameAs)))


@pytest.mark.parametrize("key", sorted(TARGETS))
def test_get_void_linkset_counts_the_links_of_the_data(void, data, space, key) -> None:
    """A void:Linkset per external dataset, found by what it says (subset, targets, link
    predicate), not by the name this implementation gives it."""
    uri_space = TARGETS[key]
    linksets = [
        ls
        for ls in void.objects(space.dataset(), VOID.subset)
        if (ls, RDF.type, VOID.Linkset) in void
        and str(void.value(void.value(ls, VOID.objectsTarget), VOID.uriSpace)) == uri_space
    ]
    assert len(linksets) == 1
    linkset = linksets[0]
    assert void.value(linkset, VOID.subjectsTarget) == space.dataset()
    assert void.value(linkset, VOID.linkPredicate) == DCTERMS.relation
    links = sum(str(o).startswith(uri_space) for o in data.objects(None, DCTERMS.relation))
    assert links > 0
    assert void.value(linkset, VOID.triples) == Literal(links)


def test_get_void_own_hash_iris_dereference_to_their_triples(client, void, base, space) -> None:
    """Every node the VoID description mints (linksets, partitions, targets) is a hash IRI
    whose base document holds its triples (Cool URIs, hash recipe)."""
    minted = {s for s in void.subjects() if space.is_own(s) and "#" in str(s)}
    assert minted
    documents: dict[str, Graph] = {}
    for iri in sorted(minted):
        document = str(iri).split("#")[0]
        if document not in documents:
            response = client.get(local(document, base), headers={"Accept": "text/turtle"})
            if response.status_code == 303:
                response = client.get(local(response.headers["Location"], base))
            documents[document] = Graph().parse(data=response.data, format="turtle")
        assert set(void.triples((iri, None, None))) <= set(documents[document]), iri


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS, ids=lambda f: f.name)
def test_get_void_negotiates_every_document_format(client, fmt) -> None:
    response = client.get("/.well-known/void", headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"].endswith(f"void?format={fmt.extension}")


@pytest.mark.parametrize("accept", [None, "*/*"])
def test_get_void_any_type_gets_turtle(client, accept) -> None:
    """VoID is for programs: a client that takes anything gets RDF, not the HTML page."""
    response = client.get("/.well-known/void", headers={"Accept": accept} if accept else {})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    browser = client.get("/.well-known/void", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "application/ld+json"])
def test_get_home_accept_rdf_303_to_the_dataset_document(client, space, accept) -> None:
    """The home page is the dataset's: RDF clients go where the dataset's IRI sends them."""
    response = client.get("/", headers={"Accept": accept})
    assert response.status_code == 303
    fmt = next(f for f in DOCUMENT_FORMATS if f.media_type == accept)
    assert response.headers["Location"] == space.document(space.dataset(), fmt.extension)
    assert "Accept" in response.headers["Vary"]
    assert f'<{space.link(".well-known/void")}>; rel="describedby"' in response.headers["Link"]


def test_get_home_html_links_void_sparql_dumps_and_sitemap(client, space) -> None:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Accept" in response.headers["Vary"]
    tree = lxml_html.fromstring(response.data)
    hrefs = {a.get("href") for a in tree.iter("a")}
    wanted = {space.link(".well-known/void"), space.link("sparql"), space.link("sitemap.xml")}
    assert wanted | {space.link(d.file_name) for d in DUMPS} <= hrefs
    described = tree.xpath("//head/link[@rel='describedby']/@href")
    assert space.link(".well-known/void") in described


def test_get_gzipped_dump_is_the_ntriples_dump(client) -> None:
    plain = Graph().parse(data=client.get("/dataset.nt").data, format="nt")
    response = client.get("/dataset.nt.gz")
    assert response.headers["Content-Type"] == "application/gzip"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    unpacked = Graph().parse(data=gzip.decompress(response.data), format="nt")
    assert isomorphic(unpacked, plain)


def test_get_sitemap_lists_every_page_and_robots_names_it(client, data, base, space) -> None:
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    listed = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    assert {space.document(iri, "html") for iri in things(data, space)} <= listed
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {base}sitemap.xml" in robots
    assert "Disallow: /\n" not in robots

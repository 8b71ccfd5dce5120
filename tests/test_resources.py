"""Dereferencing through the front door (issue #4): thing IRIs answer 303, documents 200 in
every format, with Vary, Link, ETag and Last-Modified; 406 and 404 that help; bounded
descriptions; the ontology, VoID, sitemap, robots.txt and the gzipped dump.

Expected values are read from the data (tests' own parse of data/article.ttl), never typed in.
"""

from __future__ import annotations

import gzip
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.namespace import VOID

from lodpub.catalogue import DUMPS
from lodpub.config import Config
from lodpub.dataset import load
from lodpub.dataset import load_ontology
from lodpub.urls import UriSpace
from lodpub.urls import check_unambiguous
from lodpub.urls import things
from lodpub.views.resources import DOCUMENT_FORMATS

RDF_DOCUMENTS = [f for f in DOCUMENT_FORMATS if f.kind == "rdf"]


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
    root = data.value(URIRef(base + "dataset"), VOID.rootResource)
    assert root is not None, "the dataset names no void:rootResource"
    return root


def path(url: str, base: str) -> str:
    return "/" + url[len(base) :]


def test_every_thing_path_is_unambiguous(data: Graph, space: UriSpace) -> None:
    iris = things(data, space)
    assert len(iris) > 100
    assert check_unambiguous(iris, space) == []
    for iri in iris:
        for ext, url in space.documents(iri).items():
            assert space.split(url[len(space.base) :]) == (space.path(iri), ext)
            assert not space.is_thing_path(url[len(space.base) :])


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
        ("application/n-triples", "nt"),
        ("text/html", "html"),
        ("*/*", "html"),
    ],
)
def test_get_thing_accept_303_to_document(
    client: FlaskClient, article, base, space, accept, extension
) -> None:
    response = client.get(path(str(article), base), headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == space.document(article, extension)
    assert "Accept" in response.headers["Vary"]
    described = re.findall(r'<([^>]+)>; rel="describedby"', response.headers["Link"])
    assert sorted(described) == sorted(space.documents(article).values())


def test_get_thing_accept_unknown_406_lists_types(client: FlaskClient, article, base) -> None:
    response = client.get(path(str(article), base), headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    for fmt in DOCUMENT_FORMATS:
        assert fmt.media_type in body


@pytest.mark.parametrize("fmt", RDF_DOCUMENTS, ids=lambda f: f.name)
def test_get_document_each_format_parses_to_the_same_graph(
    client, article, base, space, fmt
) -> None:
    turtle = client.get(path(space.document(article, "ttl"), base))
    reference = Graph().parse(data=turtle.data, format="turtle")
    response = client.get(path(space.document(article, fmt.extension), base))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type
    assert "Accept" in response.headers["Vary"]
    graph = Graph().parse(data=response.data, format=fmt.rdflib if fmt.name != "rdfxml" else "xml")
    assert isomorphic(graph, reference)


def test_get_document_holds_own_and_incoming_triples_bounded(
    client, data, article, base, space
) -> None:
    for thing in (
        article,
        *sorted(data.objects(article, URIRef("http://purl.org/spar/cito/cites")))[:3],
    ):
        response = client.get(path(space.document(thing, "nt"), base))
        served = Graph().parse(data=response.data, format="nt")
        own = set(data.triples((thing, None, None)))
        incoming = set(data.triples((None, None, thing)))
        assert own <= set(served)
        assert incoming <= set(served)
        # Bounded: no document carries the whole dataset.
        assert len(served) < len(data) * 0.6


def test_get_document_link_header_agrees_with_html_head(client, article, base, space) -> None:
    response = client.get(path(space.document(article, "html"), base))
    header = response.headers["Link"]
    body = response.get_data(as_text=True)
    for fmt in DOCUMENT_FORMATS:
        url = space.document(article, fmt.extension)
        assert f'<{url}>; rel="alternate"; type="{fmt.media_type}"' in header
        if fmt.kind == "rdf":
            assert f'<link rel="alternate" type="{fmt.media_type}" href="{url}"' in body
    assert f'<{article}>; rel="about"' in header


def test_get_document_if_none_match_and_if_modified_since_304(client, article, base, space) -> None:
    url = path(space.document(article, "ttl"), base)
    first = client.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get(
        path(space.document(article, "nt"), base), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert other.status_code == 200


@pytest.mark.parametrize(
    "asked", ["/br/999999", "/doc/br/999999.ttl", "/doc/br/1.docx", "/no/such/thing"]
)
def test_get_unknown_404_helps(client: FlaskClient, asked: str) -> None:
    response = client.get(asked, headers={"Accept": "text/plain"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "sitemap.xml" in body and "doc/" in body


def test_get_external_iri_is_not_proxied(client: FlaskClient, data: Graph) -> None:
    doi = next(o for o in data.objects() if str(o).startswith("https://doi.org/"))
    assert client.get("/" + str(doi)).status_code == 404


def test_get_ontology_200_negotiated_with_content_location(client, base) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == base + "doc/ontology.ttl"
    assert "Accept" in response.headers["Vary"]
    served = Graph().parse(data=response.data, format="turtle")
    assert isomorphic(served, load_ontology(base))


def test_get_void_describes_dataset_with_its_counts(client, data, base) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = Graph().parse(data=response.data, format="turtle")
    dataset = URIRef(base + "dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert void.value(dataset, VOID.triples) == Literal(len(data))
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(base + "sparql")
    assert str(void.value(dataset, VOID.uriSpace)) == base
    for p, o in data.predicate_objects(dataset):
        assert (dataset, p, o) in void
    dumps = {str(d) for d in void.objects(dataset, VOID.dataDump)}
    assert dumps == {base + d.file_name for d in DUMPS}
    doi_links = sum(str(o).startswith("https://doi.org/") for o in data.objects())
    linkset = URIRef(base + "dataset#links-doi")
    assert void.value(linkset, VOID.triples) == Literal(doi_links)


def test_get_gzipped_dump_is_the_ntriples_dump(client) -> None:
    plain = Graph().parse(data=client.get("/dataset.nt").data, format="nt")
    response = client.get("/dataset.nt.gz")
    assert response.headers["Content-Type"] == "application/gzip"
    unpacked = Graph().parse(data=gzip.decompress(response.data), format="nt")
    assert isomorphic(unpacked, plain)


def test_get_sitemap_lists_every_page_and_robots_names_it(client, data, base, space) -> None:
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    listed = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    assert {space.document(iri, "html") for iri in things(data, space)} <= listed
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {base}sitemap.xml" in robots
    assert "Disallow: /\n" not in robots


def test_get_document_keeps_the_data_language_tags(client, data, article, base, space) -> None:
    """The store lower-cases language tags; documents write them as the data does."""
    response = client.get(path(space.document(article, "ttl"), base))
    tags = {
        o.language for o in data.objects(article, None) if isinstance(o, Literal) and o.language
    }
    assert tags
    body = response.get_data(as_text=True)
    for tag in tags:
        assert f"@{tag} " in body or f"@{tag}\n" in body or f"@{tag}," in body or f"@{tag};" in body

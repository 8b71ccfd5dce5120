"""Dereferencing through the front door: thing IRIs answer 303, documents 200 in
every format, with Vary, Link, ETag and Last-Modified; 406 and 404 that help; bounded
descriptions; hash IRIs described by their base IRI's document; the ontology.

Expected values are read from the data (tests' own parse of data/article.ttl), never typed in.
"""

from __future__ import annotations

import json
import re
import shutil
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyld import jsonld as pyld
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID
from site_helpers import local

from lodpub.dataset import load_ontology
from lodpub.publication import of
from lodpub.urls import UriSpace
from lodpub.urls import things
from lodpub.views import state
from lodpub.views.state import DOCUMENT_FORMATS

pytest_plugins = ["site_fixtures"]

RDF_DOCUMENTS = [f for f in DOCUMENT_FORMATS if f.kind == "rdf"]


def dereference(client: FlaskClient, iri: str, base: str, accept: str) -> Graph:
    """What a linked-data client gets for `iri`: the fragment dropped, 303s followed."""
    response = client.get(local(iri.split("#")[0], base), headers={"Accept": accept})
    if response.status_code == 303:
        response = client.get(local(response.headers["Location"], base))
    assert response.status_code == 200, iri
    return Graph().parse(data=response.data, format="turtle")


def test_every_thing_path_is_unambiguous(data: Graph, space: UriSpace) -> None:
    iris = things(data, space)
    assert len(iris) > 100
    assert [iri for iri in iris if not space.is_thing_path(space.path(iri))] == []
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
    response = client.get(local(str(article), base), headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == space.document(article, extension)
    assert "Accept" in response.headers["Vary"]
    described = re.findall(r'<([^>]+)>; rel="describedby"', response.headers["Link"])
    assert sorted(described) == sorted(space.documents(article).values())


def test_get_thing_accept_unknown_406_lists_types(client: FlaskClient, article, base) -> None:
    response = client.get(local(str(article), base), headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    for fmt in DOCUMENT_FORMATS:
        assert fmt.media_type in body


@pytest.mark.parametrize("fmt", RDF_DOCUMENTS, ids=lambda f: f.name)
def test_get_document_each_format_parses_to_the_same_graph(
    client, article, base, space, fmt
) -> None:
    turtle = client.get(local(space.document(article, "ttl"), base))
    reference = Graph().parse(data=turtle.data, format="turtle")
    response = client.get(local(space.document(article, fmt.extension), base))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type
    assert "Accept" in response.headers["Vary"]
    graph = Graph().parse(data=response.data, format=fmt.rdflib if fmt.name != "rdfxml" else "xml")
    assert isomorphic(graph, reference)


def links_to(data: Graph, iri: URIRef) -> set[tuple]:
    """The data's triples pointing at `iri`, but for its provenance snapshots': those are in
    the provenance graphs' own documents (tests/test_history.py), never in a thing's."""
    return {t for t in data.triples((None, None, iri)) if "/prov/se/" not in str(t[0])}


def test_get_document_holds_own_and_incoming_triples_bounded(
    client, data, article, base, space
) -> None:
    for thing in (
        article,
        *sorted(data.objects(article, URIRef("http://purl.org/spar/cito/cites")))[:3],
    ):
        response = client.get(local(space.document(thing, "nt"), base))
        served = Graph().parse(data=response.data, format="nt")
        own = set(data.triples((thing, None, None)))
        incoming = links_to(data, thing)
        assert own <= set(served)
        assert incoming <= set(served)
        # Bounded: no document carries the whole dataset.
        assert len(served) < len(data) * 0.6


def test_get_document_link_header_agrees_with_html_head(client, article, base, space) -> None:
    response = client.get(local(space.document(article, "html"), base))
    header = response.headers["Link"]
    body = response.get_data(as_text=True)
    for fmt in DOCUMENT_FORMATS:
        url = space.document(article, fmt.extension)
        if fmt.kind == "rdf":
            assert f'<{url}>; rel="describedby"; type="{fmt.media_type}"' in header
            assert f'<link rel="alternate" type="{fmt.media_type}" href="{url}"' in body
    # One alternate in the header, the JSON-LD document: PyLD fails on several.
    jsonld = space.document(article, "jsonld")
    assert header.count('rel="alternate"') == 1
    assert f'<{jsonld}>; rel="alternate"; type="application/ld+json"' in header
    assert f'<{article}>; rel="about"' in header


def test_get_document_if_none_match_and_if_modified_since_304(client, article, base, space) -> None:
    url = local(space.document(article, "ttl"), base)
    first = client.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get(
        local(space.document(article, "nt"), base), headers={"If-None-Match": first.headers["ETag"]}
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


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS, ids=lambda f: f.name)
def test_get_generic_document_200_negotiated_with_content_location(
    client, article, base, space, fmt
) -> None:
    generic = local(space.document(article, fmt.extension), base).rsplit(".", 1)[0]
    response = client.get(generic, headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    assert response.headers["Content-Location"] == space.document(article, fmt.extension)
    assert "Accept" in response.headers["Vary"]
    specific = client.get(local(space.document(article, fmt.extension), base))
    if fmt.kind == "rdf":
        parsed = [Graph().parse(data=r.data, format=fmt.media_type) for r in (response, specific)]
        assert len(parsed[0]) > 100 and isomorphic(*parsed)
    else:
        assert response.data == specific.data


def test_get_ontology_200_negotiated_with_content_location(client, base) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == base + "doc/ontology.ttl"
    assert "Accept" in response.headers["Vary"]
    served = Graph().parse(data=response.data, format="turtle")
    assert isomorphic(served, load_ontology(base))


@pytest.mark.parametrize("fmt", RDF_DOCUMENTS, ids=lambda f: f.name)
def test_get_document_keeps_the_data_language_tags(client, data, article, space, fmt) -> None:
    """The store lower-cases language tags (`zh-hans`); every RDF document writes them as the
    data does (`zh-Hans`, `zh-Latn-pinyin`), compared exactly, not case-insensitively."""
    authors = [s for s in data.subjects() if str(s).startswith(space.base + "ra/")]
    for thing in (article, *authors[:3]):
        response = client.get(local(space.document(thing, fmt.extension), space.base))
        served = Graph().parse(data=response.data, format=fmt.rdflib.replace("pretty-xml", "xml"))
        expected = {o for o in data.objects(thing, None) if isinstance(o, Literal) and o.language}
        served_tags = {
            (str(o), o.language) for o in served.objects(thing, None) if isinstance(o, Literal)
        }
        assert {(str(o), o.language) for o in expected} <= served_tags


def test_get_hash_iri_base_document_holds_its_triples(client, data, base, space) -> None:
    """Cool URIs, hash recipe: `dataset#journal-lists` is answered by the document of
    `dataset`, which must hold every triple whose subject is a hash IRI below it."""
    hashed = {s for s in data.subjects() if space.is_own(s) and "#" in str(s)}
    assert hashed, "the data has no hash IRI of its own"
    for iri in sorted(hashed):
        served = dereference(client, str(iri), base, "text/turtle")
        assert set(data.triples((iri, None, None))) <= set(served), iri
        assert links_to(data, iri) <= set(served), iri


def test_get_document_if_none_match_list_and_weak_304(client, article, base, space) -> None:
    url = local(space.document(article, "ttl"), base)
    etag = client.get(url).headers["ETag"]
    for header in (f'"other", {etag}', f"W/{etag}", f'"x", W/{etag}', "*"):
        assert client.get(url, headers={"If-None-Match": header}).status_code == 304, header
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_changes_when_a_template_changes(
    app: Flask, client, article, base, space, tmp_path, monkeypatch
) -> None:
    """A new release that renders a page differently must not leave caches holding the old
    one: the code, templates and styles are part of every ETag."""
    package = tmp_path / "package"
    shutil.copytree(state.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(state, "PACKAGE_DIR", package)
    url = local(space.document(article, "html"), base)

    def etag() -> str:
        of(app).forget()
        of(app).cache.clear()
        return client.get(url).headers["ETag"]

    before = etag()
    template = package / "templates" / "base.html"
    template.write_text(template.read_text(encoding="utf-8") + "<!-- changed -->", "utf-8")
    assert etag() != before


def test_last_modified_is_no_older_than_the_code(client, article, base, space) -> None:
    """If-Modified-Since alone must not get 304 for a page the current code renders anew."""
    response = client.get(local(space.document(article, "html"), base))
    modified = parsedate_to_datetime(response.headers["Last-Modified"]).timestamp()
    newest = max(p.stat().st_mtime for p in state.code_files())
    assert modified >= int(newest)
    assert (state.PACKAGE_DIR / "templates" / "base.html") in state.code_files()


def test_get_document_links_its_dataset(client, article, base, space) -> None:
    """VoID's back-link (void:inDataset) on every document, as a Link header, so that the
    RDF itself holds nothing the dump does not."""
    for fmt in DOCUMENT_FORMATS:
        response = client.get(local(space.document(article, fmt.extension), base))
        assert f'<{space.dataset()}>; rel="{VOID.inDataset}"' in response.headers["Link"]


def _normalised(document: object) -> object:
    """A JSON-LD document with the order of its arrays (nodes, values: unordered in RDF)
    fixed and its language tags in lower case (they are case-insensitive; the N-Triples
    document writes them so), so that two compactions of the same triples compare equal."""
    if isinstance(document, dict):
        return {
            key: value.lower() if key == "@language" else _normalised(value)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return sorted((_normalised(item) for item in document), key=json.dumps)
    return document


def test_get_document_jsonld_is_the_triples_compacted_with_the_prefixes(
    client, data, article, base, space
) -> None:
    """The JSON-LD document of a thing of every kind, and of the dataset, holds the triples of
    its N-Triples document, and is what JSON-LD compaction (PyLD's, from those triples) with
    its own context gives: the compacted form the Signposting profile names."""
    first_of_kind: dict[str, URIRef] = {}
    for iri in sorted(things(data, space)):
        first_of_kind.setdefault(space.path(iri).split("/")[0], iri)
    assert {"br", "re", "ra", "ci", "id"} <= set(first_of_kind)
    for iri in [article, URIRef(space.dataset()), *first_of_kind.values()]:
        triples = client.get(local(space.document(iri, "nt"), base)).get_data(as_text=True)
        response = client.get(local(space.document(iri, "jsonld"), base))
        assert response.status_code == 200, iri
        document = json.loads(response.data)
        assert document["@context"]["fabio"] == "http://purl.org/spar/fabio/"
        graph = Graph().parse(data=response.data, format="json-ld")
        assert isomorphic(graph, Graph().parse(data=triples, format="nt")), iri
        expected = pyld.compact(
            pyld.from_rdf(triples, {"format": "application/n-quads"}), document["@context"]
        )
        assert _normalised(document) == _normalised(expected), iri

"""The SPARQL protocol at /sparql, in process: negotiation, parameters, errors, caching, CORS,
compression, the service description and the query page."""

from __future__ import annotations

import gzip
import json
from html import unescape
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import VOID
from sparql_server import shared_endpoint

from lodpub import catalogue
from lodpub.config import Config
from lodpub.dataset import load
from lodpub.formats import RDF_FORMATS
from lodpub.formats import RESULTS_FORMATS
from lodpub.service import description
from lodpub.service import examples
from lodpub.store import memory_store
from lodpub.urls import UriSpace
from lodpub.vocab import SD

TITLE = "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
SELECT = TITLE + "SELECT ?title WHERE { <br/1> dcterms:title ?title }"
CONSTRUCT = TITLE + "CONSTRUCT WHERE { <br/1> dcterms:title ?title }"
JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"


@pytest.fixture(scope="module")
def title(app: Flask) -> str:
    """The article's Chinese title, as rdflib reads it from the data file."""
    data = load(Config.load()["DATA_FILES"], app.config["BASE_URL"])
    return str(data.value(URIRef(app.config["BASE_URL"] + "br/1"), DCTERMS.title))


def media_type(response) -> str:
    return response.headers["Content-Type"].split(";")[0]


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (SELECT, None, JSON_RESULTS),
        (SELECT, "*/*", JSON_RESULTS),
        (
            SELECT,
            "text/csv;q=0.5, application/sparql-results+xml",
            "application/sparql-results+xml",
        ),
        (SELECT, "text/csv, text/tab-separated-values;q=0.9, */*;q=0.1", "text/csv"),
        (SELECT, "text/html;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
        (SELECT, "application/json", JSON_RESULTS),
        ("ASK {}", None, JSON_RESULTS),
        ("ASK {}", "application/sparql-results+xml", "application/sparql-results+xml"),
        (CONSTRUCT, None, "text/turtle"),
        (CONSTRUCT, "*/*", "text/turtle"),
        (CONSTRUCT, "application/rdf+xml;q=0.9, application/n-triples", "application/n-triples"),
        (CONSTRUCT, "application/ld+json", "application/ld+json"),
        ("DESCRIBE <br/1>", "application/trig", "application/trig"),
        ("DESCRIBE <br/1>", "application/n-quads", "application/n-quads"),
    ],
)
def test_get_sparql_accept(client: FlaskClient, query: str, accept: str, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert media_type(response) == expected
    assert "Accept" in response.vary


def test_get_sparql_format_parameter_wins(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": SELECT, "format": "tsv"}, headers={"Accept": "text/csv"}
    )
    assert media_type(response) == "text/tab-separated-values"
    # SPARQLWrapper's names: format=xml for a graph means RDF/XML.
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "xml"})
    assert media_type(response) == "application/rdf+xml"


def test_get_sparql_no_acceptable_format_406(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": SELECT}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 406
    assert media_type(response) == "text/plain"
    assert all(f.media_type in response.text for f in RESULTS_FORMATS)


def test_every_format_keeps_chinese_text(client: FlaskClient, title: str) -> None:
    for query, formats in ((SELECT, RESULTS_FORMATS), (CONSTRUCT, RDF_FORMATS)):
        for fmt in formats:
            response = client.get("/sparql", query_string={"query": query, "format": fmt.name})
            assert response.status_code == 200
            assert response.headers["Content-Type"] == fmt.content_type
            assert title in response.data.decode("utf-8"), fmt.name


def test_post_sparql_form_and_direct_give_same_answer(client: FlaskClient) -> None:
    form = client.post("/sparql", data={"query": SELECT}, headers={"Accept": JSON_RESULTS})
    direct = client.post(
        "/sparql",
        data=SELECT.encode(),
        content_type="application/sparql-query",
        headers={"Accept": JSON_RESULTS},
    )
    assert form.status_code == direct.status_code == 200
    assert form.json == direct.json
    assert form.json["results"]["bindings"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open("/sparql", method=method, query_string={"query": "ASK {}"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert media_type(response) == "text/plain"


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/json", "application/sparql-query; charset=latin-1"],
)
def test_post_sparql_wrong_content_type_415(client: FlaskClient, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"ASK {}", headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text or "UTF-8" in response.text


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        (b"query=ASK%20%7B", "error at 1:"),  # the parser's message and position
        (b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", "exactly once"),
        (b"query=ASK%20%7B%7D%FF", "UTF-8"),
        (b"query=SELECT%20*%20%7B%20SERVICE%20%3Chttp://x/%3E%20%7B%7D%20%7D", "SERVICE"),
    ],
)
def test_get_sparql_bad_request_400(
    client: FlaskClient, query_string: bytes, expected: str
) -> None:
    response = client.get("/sparql?" + query_string.decode("ascii"))
    assert response.status_code == 400
    assert media_type(response) == "text/plain"
    assert expected in response.text
    assert len(response.text) < 400


def test_post_sparql_without_query_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"default-graph-uri": "http://x/"})
    assert response.status_code == 400


def test_options_sparql_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "content-type"


def test_get_sparql_cors_exposes_headers(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-SPARQL-MaxRows" in response.headers["Access-Control-Expose-Headers"]


def test_head_sparql_has_headers_and_no_body(client: FlaskClient) -> None:
    get = client.get("/sparql", query_string={"query": SELECT})
    head = client.head("/sparql", query_string={"query": SELECT})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_get_sparql_gzip(client: FlaskClient) -> None:
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 200"}
    plain = client.get("/sparql", query_string=query)
    packed = client.get("/sparql", query_string=query, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.vary
    assert len(packed.data) < len(plain.data)
    assert json.loads(gzip.decompress(packed.data)) == plain.json


def test_get_sparql_etag_revalidates_without_running(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": SELECT})
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.cache_control.public and first.cache_control.max_age > 0
    again = client.get("/sparql", query_string={"query": SELECT}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/sparql", query_string={"query": SELECT, "format": "xml"})
    assert other.headers["ETag"] != etag


def test_get_sparql_service_description(client: FlaskClient, app: Flask) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    service = URIRef(app.config["BASE_URL"] + "sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert {URIRef(f.iri) for f in (*RESULTS_FORMATS, *RDF_FORMATS)} == formats


def test_service_description_counts_each_graph_as_the_endpoint_does() -> None:
    """Over HTTP, on the server with the W3C suite's three named graphs: the sizes the
    description gives (from the dataset's figures) are the ones COUNT finds."""
    endpoint = shared_endpoint()

    def count(pattern: str) -> int:
        answer = requests.get(
            endpoint.url,
            params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])

    response = requests.get(endpoint.url, headers={"Accept": "text/turtle"}, timeout=30)
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = graph.value(URIRef(endpoint.url), SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    assert int(graph.value(default, VOID.triples)) == count("?s ?p ?o") > 0
    listed = {}
    for named in graph.objects(dataset, SD.namedGraph):
        name = graph.value(named, SD.name)
        listed[str(name)] = int(graph.value(graph.value(named, SD.graph), VOID.triples))
    assert len(listed) >= 3
    for name, triples in listed.items():
        assert triples == count(f"GRAPH <{name}> {{ ?s ?p ?o }}") > 0, name
    assert (dataset, RDFS.seeAlso, URIRef(endpoint.base_url + ".well-known/void")) in graph


@pytest.mark.parametrize("graphs", [3, catalogue.NAMED_GRAPHS_COUNTED + 1])
def test_service_description_lists_named_graphs_up_to_a_bound(tmp_path: Path, graphs) -> None:
    """With one named graph per entity (provenance), an archive has millions: past
    NAMED_GRAPHS_COUNTED the description says how many there are instead of listing them."""
    base = "http://example.org/"
    data = tmp_path / "graphs.trig"
    data.write_text(
        "".join(f"<{base}g/{n}> {{ <{base}s/{n}> <{base}p> {n}, {n + 1} . }}\n"
                for n in range(graphs))
        + f"<{base}s> <{base}p> <{base}o> .\n",
        encoding="utf-8",
    )  # fmt: skip
    store = memory_store([data], base, workers=1)
    figures = catalogue.figures(store, UriSpace(base, ()))
    graph = description(figures, base)
    dataset = graph.value(URIRef(base + "sparql"), SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    assert int(graph.value(default, VOID.triples)) == 1
    named = list(graph.objects(dataset, SD.namedGraph))
    comment = graph.value(dataset, RDFS.comment)
    if graphs <= catalogue.NAMED_GRAPHS_COUNTED:
        assert len(named) == graphs and comment is None
        sizes = {int(graph.value(graph.value(n, SD.graph), VOID.triples)) for n in named}
        assert sizes == {2}
    else:
        assert named == [] and str(graphs) in str(comment)
        assert len(graph) < 50


def test_get_sparql_browser_gets_query_page_with_examples(client: FlaskClient, app: Flask) -> None:
    found = examples(Path(app.config["QUERIES_DIR"]))
    assert len(found) >= 10
    page = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert media_type(page) == "text/html"
    html = unescape(page.data.decode("utf-8"))
    assert '<textarea id="query" name="query"' in html
    assert all(example.title in html for example in found)
    assert "cdn" not in html.lower() and "https://" not in html.split("<main")[0]
    chosen = found[-1]
    page = client.get(
        "/sparql", query_string={"example": chosen.name}, headers={"Accept": "text/html"}
    )
    assert chosen.text.splitlines()[1] in unescape(page.data.decode("utf-8"))


def test_get_sparql_browser_reads_answer_as_table(client: FlaskClient, title: str) -> None:
    page = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.data.decode("utf-8")
    assert '<table class="results">' in html and title in html
    bad = client.get("/sparql", query_string={"query": "SELECT", "format": "html"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.data.decode("utf-8")

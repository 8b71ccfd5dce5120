"""The W3C SPARQL 1.1 Protocol and Service Description tests, replayed against the real server.

The manifests in ../shared/w3c are read at test time and every request they hold is sent as
written (method, path, headers, body and its encoding), with no Accept header, as the suite
says. Query tests must pass; update tests must be refused with a 4xx (the endpoint is
read-only).
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from rdflib import Graph
from rdflib import Namespace
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from sparql_server import PROTOCOL
from sparql_server import Endpoint

from lodpub.vocab import SD

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
RESULTS_TYPES = {
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values",
}  # fmt: skip
RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]
    result: str | None
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    exchanges: tuple[Exchange, ...]

    @property
    def is_update(self) -> bool:
        return "update" in self.name


def protocol_tests() -> list[ProtocolTest]:
    manifest = PROTOCOL / "manifest.ttl"
    if not manifest.is_file():
        return []
    graph = Graph().parse(manifest, format="turtle")
    root = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in Collection(graph, graph.value(root, MF.entries)):
        action = graph.value(test, MF.action)
        requests = Collection(graph, graph.value(action, HT.requests))
        exchanges = tuple(_exchange(graph, r) for r in requests)
        tests.append(ProtocolTest(str(test).split("#")[1], exchanges))
    return tests


def _exchange(graph: Graph, request: URIRef) -> Exchange:
    headers = {}
    if (listed := graph.value(request, HT.headers)) is not None:
        for header in Collection(graph, listed):
            name, value = graph.value(header, HT.fieldName), graph.value(header, HT.fieldValue)
            headers[str(name)] = str(value)
    body = None
    if (content := graph.value(request, HT.body)) is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    response = graph.value(request, HT.resp)
    statuses = graph.objects(response, MF.expectedStatus)
    boolean = graph.value(response, MF.expectedBoolean)
    result = graph.value(response, MF.expectedFormat)
    return Exchange(
        method=str(graph.value(request, HT.methodName)),
        path=str(graph.value(request, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=frozenset(str(s).split("#")[1] for s in statuses),
        result=None if result is None else str(result),
        boolean=None if boolean is None else boolean.toPython(),
    )


TESTS = protocol_tests()


def send(endpoint: Endpoint, exchange: Exchange) -> tuple[int, str, bytes]:
    """(status, media type, body) of the exchange's request, sent exactly as written: the
    suite's `/sparql/` prefix becomes the endpoint's path; no Accept header is added."""
    path = urlsplit(endpoint.url).path + exchange.path.removeprefix("/sparql/")
    parts = urlsplit(endpoint.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(exchange.method, path, body=exchange.body, headers=exchange.headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
    return response.status, media_type, body


def status_class(status: int) -> str:
    return f"StatusCode{status // 100}xx"


def test_manifest_counts() -> None:
    if not TESTS:
        pytest.skip(f"{PROTOCOL} is absent")
    assert len([t for t in TESTS if not t.is_update]) == 20
    assert len([t for t in TESTS if t.is_update]) == 14


@pytest.mark.parametrize("test", [t for t in TESTS if not t.is_update], ids=lambda t: t.name)
def test_query(endpoint: Endpoint, test: ProtocolTest) -> None:
    for exchange in test.exchanges:
        status, media_type, body = send(endpoint, exchange)
        assert status_class(status) in exchange.statuses, (status, body[:300])
        if status >= 400:
            assert media_type == "text/plain" and body.strip(), "errors are short plain text"
            assert b"Traceback" not in body
        if exchange.result in ("boolean", "tabular"):
            assert media_type in RESULTS_TYPES, media_type
        if exchange.boolean is not None:
            assert boolean_of(media_type, body) is exchange.boolean
        if exchange.result == "RDF":
            assert media_type in RDF_TYPES, media_type
            Graph().parse(data=body, format=RDF_TYPES[media_type])


@pytest.mark.parametrize("test", [t for t in TESTS if t.is_update], ids=lambda t: t.name)
def test_update_refused(endpoint: Endpoint, test: ProtocolTest) -> None:
    # An update test may also send queries that look at the data afterwards: those are
    # answered (and see unchanged data); every update request is refused.
    updates = [e for e in test.exchanges if is_update(e)]
    assert updates
    for exchange in test.exchanges:
        status, media_type, body = send(endpoint, exchange)
        if exchange in updates:
            assert 400 <= status < 500, (status, body[:300])
            assert media_type == "text/plain" and b"Traceback" not in body
        else:
            assert status == 200, (status, body[:300])


def is_update(exchange: Exchange) -> bool:
    content_type = exchange.headers.get("content-type", "")
    return (
        "update=" in exchange.path
        or (exchange.body or b"").startswith(b"update=")
        or content_type.startswith("application/sparql-update")
        or content_type == "text/plain"
    )


def boolean_of(media_type: str, body: bytes) -> bool:
    if media_type == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    assert media_type == "application/sparql-results+xml", media_type
    element = ElementTree.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None
    return element.text == "true"


# Service Description tests (service-description/manifest.ttl names three; their checks, as the
# suite's reference harness makes them): GET on the endpoint returns RDF, the description has
# an sd:endpoint triple naming the endpoint, and it follows the SD schema.


def description(endpoint: Endpoint, accept: str) -> Graph:
    parts = urlsplit(endpoint.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", parts.path, headers={"Accept": accept} if accept else {})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200
    media_type = (response.getheader("Content-Type") or "").split(";")[0]
    assert media_type in RDF_TYPES, media_type
    return Graph().parse(data=body, format=RDF_TYPES[media_type])


@pytest.mark.parametrize("accept", ["", "text/turtle", "application/rdf+xml", "*/*"])
def test_service_description_returns_rdf(endpoint: Endpoint, accept: str) -> None:
    assert len(description(endpoint, accept)) > 0


def test_service_description_has_endpoint_triple(endpoint: Endpoint) -> None:
    graph = description(endpoint, "text/turtle")
    assert (None, SD.endpoint, URIRef(endpoint.url)) in graph


def test_service_description_conforms_to_schema(endpoint: Endpoint) -> None:
    graph = description(endpoint, "text/turtle")
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert languages and languages <= {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
    assert SD.SPARQL11Update not in languages, "the endpoint is read-only"
    assert all(isinstance(f, URIRef) for f in graph.objects(service, SD.resultFormat))
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    assert (graph.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in graph
    names = {graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)}
    assert {URIRef(f"http://kasei.us/2009/09/sparql/data/data{n}.rdf") for n in (1, 2, 3)} <= names

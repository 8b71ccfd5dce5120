"""SPARQLWrapper, a real SPARQL client, against the real server: every query form in every
format it supports, by GET, URL-encoded POST and direct POST; rdflib parses the graphs.
Values are compared with what rdflib reads from the data file itself."""

from __future__ import annotations

import csv
import io
import json
from xml.dom.minidom import Document

import pytest
from rdf_helpers import data_graph
from rdf_helpers import lowercase_languages
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from sparql_server import Endpoint
from sparql_server import shared_endpoint
from SPARQLWrapper import CSV
from SPARQLWrapper import GET
from SPARQLWrapper import JSON
from SPARQLWrapper import JSONLD
from SPARQLWrapper import N3
from SPARQLWrapper import POST
from SPARQLWrapper import POSTDIRECTLY
from SPARQLWrapper import RDFXML
from SPARQLWrapper import TSV
from SPARQLWrapper import TURTLE
from SPARQLWrapper import URLENCODED
from SPARQLWrapper import XML
from SPARQLWrapper import SPARQLWrapper

TITLE = "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
SELECT = TITLE + "SELECT ?title WHERE { <br/1> dcterms:title ?title }"
ASK = TITLE + "ASK { <br/1> dcterms:title ?title }"
CONSTRUCT = TITLE + "CONSTRUCT { ?work dcterms:title ?t } WHERE { ?work dcterms:title ?t }"
DESCRIBE = "DESCRIBE <br/1>"
# SPARQLWrapper warns that it sends Accept */* when asked for JSON from a graph query; the
# endpoint then answers JSON-LD (format=json), which is what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning")
# (method, request method) pairs: GET, URL-encoded POST, direct POST.
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.fixture(scope="module")
def data() -> Graph:
    """The data as rdflib reads it from the file, on the server's base URL."""
    return data_graph(shared_endpoint().base_url)


def run(endpoint: Endpoint, query: str, fmt: str, method: tuple[str, str]):
    client = SPARQLWrapper(endpoint.url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method[0])
    client.setRequestMethod(method[1])
    return client.query()


def article_title(data: Graph, base_url: str) -> str:
    title = data.value(URIRef(base_url + "br/1"), DCTERMS.title)
    assert isinstance(title, Literal) and title.language == "zh-Hans"
    return str(title)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: "-".join(m))
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select(endpoint: Endpoint, data: Graph, fmt: str, method: tuple[str, str]) -> None:
    results = run(endpoint, SELECT, fmt, method)
    converted = results.convert()
    expected = article_title(data, endpoint.base_url)
    if fmt == JSON:
        binding = converted["results"]["bindings"][0]["title"]
        assert (binding["value"], binding["xml:lang"].lower()) == (expected, "zh-hans")
    elif fmt == XML:
        assert isinstance(converted, Document)
        assert converted.getElementsByTagName("literal")[0].firstChild.data == expected
    else:
        delimiter, quoting = (",", csv.QUOTE_MINIMAL) if fmt == CSV else ("\t", csv.QUOTE_NONE)
        text = io.StringIO(converted.decode("utf-8"))
        value = list(csv.reader(text, delimiter=delimiter, quoting=quoting))[1][0]
        # TSV writes terms in Turtle syntax ("…"@zh-hans); CSV writes the bare value.
        assert value == expected if fmt == CSV else value == f'"{expected}"@zh-hans'


@pytest.mark.parametrize("method", METHODS, ids=lambda m: "-".join(m))
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask(endpoint: Endpoint, fmt: str, method: tuple[str, str]) -> None:
    converted = run(endpoint, ASK, fmt, method).convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    elif fmt == XML:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert converted.decode("utf-8").strip() == "true"


def graph_of(fmt: str, converted) -> Graph:
    """The RDF a SPARQLWrapper result holds, parsed by rdflib."""
    if isinstance(converted, Graph):  # XML / RDF/XML / JSON-LD: SPARQLWrapper parsed it
        return converted
    if fmt == JSON:  # SPARQLWrapper hands JSON-LD over as JSON
        return Graph().parse(data=json.dumps(converted), format="json-ld")
    return Graph().parse(data=converted, format="turtle")  # TURTLE, N3 (Turtle is N3)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: "-".join(m))
@pytest.mark.parametrize("fmt", [XML, RDFXML, TURTLE, N3, JSONLD, JSON])
def test_construct(endpoint: Endpoint, data: Graph, fmt: str, method: tuple[str, str]) -> None:
    graph = graph_of(fmt, run(endpoint, CONSTRUCT, fmt, method).convert())
    expected = data.query(CONSTRUCT).graph
    assert len(graph) > 25
    assert isomorphic(lowercase_languages(graph), lowercase_languages(expected))


@pytest.mark.parametrize("method", METHODS, ids=lambda m: "-".join(m))
@pytest.mark.parametrize("fmt", [XML, RDFXML, TURTLE, N3, JSONLD, JSON])
def test_describe(endpoint: Endpoint, data: Graph, fmt: str, method: tuple[str, str]) -> None:
    graph = lowercase_languages(graph_of(fmt, run(endpoint, DESCRIBE, fmt, method).convert()))
    article = URIRef(endpoint.base_url + "br/1")
    own = Graph()
    for triple in data.triples((article, None, None)):
        own.add(triple)
    own = lowercase_languages(own)
    assert len(own) > 50
    assert all(triple in graph for triple in own)
    title = Literal(article_title(data, endpoint.base_url), lang="zh-hans")
    assert (article, DCTERMS.title, title) in graph

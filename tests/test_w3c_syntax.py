"""Every syntax test of the W3C SPARQL 1.1 query suite, sent over HTTP: negative ones are
answered 400 with the parser's message and position, positive ones 2xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from rdflib import Graph
from rdflib import Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF
from sparql_server import SHARED
from sparql_server import Endpoint

SUITE = SHARED / "w3c" / "sparql" / "sparql11"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")


def syntax_tests(kind: str) -> list[Path]:
    """The query files of the `kind` syntax tests of manifest-sparql11-query.ttl."""
    root = SUITE / "manifest-sparql11-query.ttl"
    if not root.is_file():
        return []
    top = Graph().parse(root, format="turtle")
    manifest = next(top.subjects(RDF.type, MF.Manifest))
    files = []
    for included in Collection(top, top.value(manifest, MF.include)):
        graph = Graph().parse(str(included), format="turtle")
        for test in graph.subjects(RDF.type, MF[kind]):
            files.append(Path(str(graph.value(test, MF.action)).removeprefix("file://")))
    return sorted(files)


POSITIVE = syntax_tests("PositiveSyntaxTest11")
NEGATIVE = syntax_tests("NegativeSyntaxTest11")


def ask(endpoint: Endpoint, query: Path) -> requests.Response:
    return requests.post(
        endpoint.url,
        data=query.read_bytes(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )


def test_suite_counts() -> None:
    if not SUITE.is_dir():
        pytest.skip(f"{SUITE} is absent")
    assert (len(POSITIVE), len(NEGATIVE)) == (63, 40)


@pytest.mark.parametrize("query", NEGATIVE, ids=lambda p: p.name)
def test_negative_syntax_is_400(endpoint: Endpoint, query: Path) -> None:
    response = ask(endpoint, query)
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    # The parser's own words, with the position (line:column) of the error.
    assert "does not parse: error at " in response.text


@pytest.mark.parametrize("query", POSITIVE, ids=lambda p: p.name)
def test_positive_syntax_is_2xx(endpoint: Endpoint, query: Path) -> None:
    response = ask(endpoint, query)
    assert 200 <= response.status_code < 300, response.text

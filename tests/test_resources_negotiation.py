"""The Accept headers real clients send, against the real server: each gets a 303
to the right document, `Vary: Accept`, and a body of the type it asked for. rdflib and rapper
are also run for real on the article's thing IRI.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import requests
from rdflib import Graph
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID
from rdflib.parser import Parser
from rdflib.plugin import plugins

# What rdflib's Graph.parse(url) sends when no format is given: every media type of its
# registered parsers (rdflib/parser.py URLInputSource), built the same way here.
RDFLIB = ", ".join(p.name for p in plugins(kind=Parser) if "/" in p.name)
# Captured from raptor2-utils 2.0.15 (`rapper -g URL`, Debian bookworm).
RAPPER = (
    "application/rdf+xml, text/rdf;q=0.6, application/n-triples, text/plain;q=0.1, "
    "text/turtle, application/x-turtle, application/turtle, text/n3;q=0.3, text/rdf+n3;q=0.3, "
    "application/rdf+n3;q=0.3, application/x-trig, application/rss;q=0.8, "
    "application/rss+xml;q=0.8, text/rss;q=0.8, application/xml;q=0.3, text/xml;q=0.3, "
    "application/atom+xml;q=0.3, text/html;q=0.2, application/xhtml+xml;q=0.4, "
    "text/html;q=0.6, application/xhtml+xml;q=0.8, application/json;q=0.1, text/json;q=0.1, "
    "text/x-nquads, */*;q=0.1"
)
# Comunica's actor-http-fetch (as its debug log prints it, comunica v3/v4).
COMUNICA = (
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,"
    "application/n-triples;q=0.8,text/turtle;q=0.6,application/rdf+xml;q=0.5,"
    "text/n3;q=0.35,application/xml;q=0.3,image/svg+xml;q=0.3,text/xml;q=0.3,"
    "text/html;q=0.2,application/xhtml+xml;q=0.18,application/json;q=0.135,"
    "text/shaclc;q=0.1,text/shaclc-ext;q=0.05"
)
LDSPIDER = "application/rdf+xml"
ZOTERO = "*/*"
CHROMIUM = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
RDF_TYPES = {"text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"}
# Each client, what it sends, and the media types it must get.
CLIENTS = [
    ("rdflib", RDFLIB, RDF_TYPES),
    ("rapper", RAPPER, RDF_TYPES),
    ("comunica", COMUNICA, {"application/ld+json"}),
    ("ldspider", LDSPIDER, {"application/rdf+xml"}),
    ("zotero", ZOTERO, {"text/html"}),
    ("chromium", CHROMIUM, {"text/html"}),
]
PARSERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


def fetch(url: str, accept: str) -> Graph:
    """The RDF `url` answers to `accept`, parsed by its Content-Type."""
    response = requests.get(url, headers={"Accept": accept}, timeout=60)
    media_type = response.headers["Content-Type"].split(";")[0]
    return Graph().parse(data=response.content, format=PARSERS[media_type])


@pytest.fixture(scope="module")
def article(live_server: str) -> str:
    void = Graph().parse(live_server + ".well-known/void")
    root = void.value(URIRef(live_server + "dataset"), VOID.rootResource)
    assert root is not None
    return str(root)


@pytest.mark.parametrize(("client", "accept", "expected"), CLIENTS)
def test_get_thing_as_real_clients(live_server, article, client, accept, expected) -> None:
    first = requests.get(article, headers={"Accept": accept}, allow_redirects=False, timeout=60)
    assert first.status_code == 303, client
    assert "Accept" in first.headers["Vary"]
    document = requests.get(first.headers["Location"], headers={"Accept": accept}, timeout=60)
    assert document.status_code == 200
    media_type = document.headers["Content-Type"].split(";")[0]
    assert media_type in expected, client
    assert "Accept" in document.headers["Vary"]
    if media_type in PARSERS:
        graph = Graph().parse(data=document.content, format=PARSERS[media_type])
        assert (URIRef(article), None, None) in graph


@pytest.mark.parametrize(("client", "accept", "expected"), CLIENTS)
def test_get_home_as_real_clients(live_server, client, accept, expected) -> None:
    """The home page is the dataset's page: RDF clients are sent (303) to the dataset's
    description, browsers and Zotero read the page; the answer varies by Accept."""
    first = requests.get(live_server, headers={"Accept": accept}, allow_redirects=False, timeout=60)
    assert "Accept" in first.headers["Vary"], client
    if "text/html" in expected:
        assert first.status_code == 200, client
        assert first.headers["Content-Type"].split(";")[0] == "text/html"
        return
    assert first.status_code == 303, client
    assert first.headers["Location"].startswith(live_server + "doc/dataset.")
    document = requests.get(first.headers["Location"], timeout=60)
    media_type = document.headers["Content-Type"].split(";")[0]
    assert media_type in expected, client
    graph = Graph().parse(data=document.content, format=PARSERS[media_type])
    assert (URIRef(live_server + "dataset"), VOID.rootResource, None) in graph


def test_rdflib_graph_parse_of_thing_iri_gets_the_description(live_server, article) -> None:
    graph = Graph().parse(article)
    turtle = fetch(article, "text/turtle")
    assert len(graph) > 0
    assert isomorphic(graph, turtle)


def test_rapper_counts_triples_from_thing_iri(live_server, article) -> None:
    assert shutil.which("rapper"), "rapper is missing: .ci/setup installs raptor2-utils"
    run = subprocess.run(
        ["rapper", "-g", "-c", article], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    count = int(re.search(r"returned (\d+) triples", run.stderr).group(1))
    expected = fetch(article, RAPPER)
    assert count == len(expected) > 0

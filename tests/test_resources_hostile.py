"""Hostile data cannot inject markup or script: a server started on a copy of the data whose
abstract, one keyword, the first reference's printed line and its cited work's title hold
markup shows them as text everywhere the article page puts them: the abstract paragraph,
the keywords, the reference list and its picture, the JSON-LD script, the meta tags, the
COinS, the RDFa; and a `javascript:` IRI the article is related to is shown, never linked.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
from conftest import free_port
from conftest import serving
from lxml import html as lxml_html
from rdf_helpers import data_graph
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import VOID

from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import PRISM

HOSTILE = (
    "</script><script>alert('x')</script><img src=x onerror=alert(1)>"
    ' & "quoted" </p><h1>fake</h1><!-- -->'
)
SCRIPT_IRI = URIRef("javascript:alert(document.domain)")


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[tuple[str, URIRef]]:
    """`lodpub serve --data` on a copy of the data with HOSTILE in the article's English
    abstract and in one English keyword, as the first reference's printed line and as its
    cited work's title, and SCRIPT_IRI as a related resource (an IRI, as the shapes ask);
    yields (base URL, the article's IRI)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    data = data_graph(base)
    article = data.value(URIRef(base + "dataset"), VOID.rootResource)
    for predicate in (DCTERMS.abstract, PRISM.keyword):
        old = next(o for o in data.objects(article, predicate) if o.language == "en")
        data.remove((article, predicate, old))
        data.add((article, predicate, Literal(HOSTILE, lang="en")))
    data.add((article, DCTERMS.relation, SCRIPT_IRI))
    first = URIRef(base + "be/1")
    data.set((first, C4O.hasContent, Literal(HOSTILE)))
    data.set((data.value(first, BIRO.references), DCTERMS.title, Literal(HOSTILE, lang="en")))
    folder = Path(tempfile.mkdtemp())
    path = folder / "hostile.ttl"
    data.serialize(path, format="turtle")
    try:
        with serving("--data", str(path), port=port):
            yield base, article
    finally:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def page(hostile_server) -> tuple[str, str]:
    base, article = hostile_server
    response = requests.get(str(article), headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200
    return response.url, response.text


def test_hostile_literal_is_text_in_the_page(page) -> None:
    _, text = page
    tree = lxml_html.fromstring(text)
    assert tree.xpath("//img") == []
    assert len(tree.xpath("//h1")) == 1
    scripts = tree.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/ld+json"]
    abstract = tree.xpath("//section[contains(@class, 'abstract')]/p")
    assert [p.text_content() for p in abstract] == [HOSTILE]


def test_hostile_literals_are_text_in_the_facts_and_the_reference_list(page) -> None:
    _, text = page
    tree = lxml_html.fromstring(text)
    keywords = tree.xpath("//ul[@class='keywords']/li")
    assert HOSTILE in [li.text_content() for li in keywords]
    printed = tree.xpath("//ol[@class='reference-list']/li[1]/span[@class='printed']")
    assert [span.text_content() for span in printed] == [HOSTILE]
    cited = tree.xpath("//ol[@class='reference-list']/li[1]//span[@class='visually-hidden']/span")
    assert [span.text_content() for span in cited] == [HOSTILE]
    squares = tree.xpath("//figure[@class='chart']//a/title")
    assert [t.text_content() for t in squares if t.text_content().startswith("[1] ")] == [
        f"[1] {HOSTILE} (journal article, 2023)"
    ]


def test_hostile_literal_stays_data_in_embedded_metadata(page) -> None:
    _, text = page
    tree = lxml_html.fromstring(text)
    jsonld = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert {"@value": HOSTILE, "@language": "en"} in [jsonld["abstract"]]
    assert HOSTILE in [m.get("content") for m in tree.xpath("//meta[@name='citation_keywords']")]
    coins = parse_qsl(tree.xpath("//span[@class='Z3988']")[0].get("title"))
    subjects = [value for key, value in coins if key == "rft.subject"]
    assert HOSTILE in subjects
    rdfa = tree.xpath("//span[@property='http://purl.org/dc/terms/abstract']")
    assert [span.text_content() for span in rdfa] == [HOSTILE]


def test_hostile_literal_round_trips_in_turtle(hostile_server) -> None:
    _, article = hostile_server
    response = requests.get(str(article), headers={"Accept": "text/turtle"}, timeout=60)
    graph = Graph().parse(data=response.content, format="turtle")
    assert Literal(HOSTILE, lang="en") in set(graph.objects(article, DCTERMS.abstract))


def test_script_iri_in_the_data_is_text_not_a_link(page) -> None:
    _, text = page
    tree = lxml_html.fromstring(text)
    hrefs = [href.strip().lower() for href in tree.xpath("//@href")]
    assert not [h for h in hrefs if not h.startswith(("http://", "https://", "#", "/static/"))]
    assert str(SCRIPT_IRI) in tree.text_content()


def test_script_iri_stays_in_the_data(hostile_server) -> None:
    _, article = hostile_server
    response = requests.get(str(article), headers={"Accept": "text/turtle"}, timeout=60)
    graph = Graph().parse(data=response.content, format="turtle")
    assert (article, DCTERMS.relation, SCRIPT_IRI) in graph

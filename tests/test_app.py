"""The app through HTTP: home page, whole-dataset dumps, base URL, errors, common headers."""

from __future__ import annotations

import html
import re

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from rdf_helpers import data_graph
from rdflib import Dataset
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF

from lodpub.app import create_app
from lodpub.config import DEFAULT_BASE_URL
from lodpub.formats import RDF_FORMATS
from lodpub.vocab import BIRO
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR


def citing_works(graph: Graph) -> set[URIRef]:
    """Works with a bibliographic reference list (the article)."""
    return {
        work
        for work, ref in graph.subject_objects(FRBR.part)
        if (ref, RDF.type, BIRO.BibliographicReference) in graph
    }


def test_get_home_names_the_article_from_the_graph(live_server: str) -> None:
    response = requests.get(live_server, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    graph = data_graph(live_server)
    works = citing_works(graph)
    assert works, "the data has no work with a reference list"
    for work in works:
        assert f'href="{live_server}doc/{work[len(live_server) :]}.html"' in response.text
        titles = list(graph.objects(work, DCTERMS.title))
        assert titles
        for title in titles + list(graph.objects(work, FABIO.hasTranslatedTitle)):
            # The language tag travels to the page as the data writes it (the store
            # lower-cases it: `zh-hans` would not be `zh-Hans`).
            lang = title.language or ""
            assert f'<span lang="{lang}">{html.escape(str(title))}</span>' in response.text
        for journal in graph.transitive_objects(work, FRBR.partOf):
            if (journal, RDF.type, FABIO.Journal) in graph:
                for name in graph.objects(journal, DCTERMS.title):
                    assert html.escape(str(name)) in response.text


def test_get_home_advertises_every_dump_in_link_header_and_head(client: FlaskClient, app) -> None:
    response = client.get("/")
    page = response.get_data(as_text=True)
    # One alternate in the header, the JSON-LD dump (PyLD fails on several); all in the head.
    header = response.headers["Link"]
    url = f"{app.config['BASE_URL']}dataset.jsonld"
    assert header.count('rel="alternate"') == 1
    assert f'<{url}>; rel="alternate"; type="application/ld+json"' in header
    for fmt in RDF_FORMATS:
        url = f"{app.config['BASE_URL']}dataset.{fmt.extension}"
        assert re.search(
            rf'<link rel="alternate" type="{re.escape(fmt.media_type)}" href="{url}"', page
        )
    assert '<html lang="en">' in page
    assert "<main" in page and "<nav" in page


def test_get_dataset_ttl_is_the_loaded_data(live_server: str) -> None:
    response = requests.get(live_server + "dataset.ttl", timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    served = Graph().parse(data=response.content, format="turtle")
    assert isomorphic(served, data_graph(live_server))


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_get_dataset_every_format_parses_to_the_data(client: FlaskClient, fmt) -> None:
    response = client.get(f"/dataset.{fmt.extension}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == fmt.content_type
    served = Dataset()
    served.parse(data=response.data, format=fmt.media_type)
    merged = Graph()
    for s, p, o, _ in served.quads():
        merged.add((s, p, o))
    assert isomorphic(merged, data_graph(DEFAULT_BASE_URL))


def test_get_dataset_if_none_match_304(client: FlaskClient) -> None:
    first = client.get("/dataset.nt")
    assert first.headers["ETag"]
    again = client.get("/dataset.nt", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/dataset.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_get_dataset_unknown_format_parameter_406_lists_types(client: FlaskClient) -> None:
    response = client.get("/dataset.ttl?format=docx")
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    body = response.get_data(as_text=True)
    for fmt in RDF_FORMATS:
        assert fmt.media_type in body


def test_get_unknown_path_404_plain_text_for_programs(client: FlaskClient) -> None:
    response = client.get("/no/such/page/here", headers={"Accept": "*/*"})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True).startswith("404 Not Found\n")
    assert "Accept" in response.headers["Vary"]


def test_get_unknown_path_404_html_for_browsers(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/no/such/page/here", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>404 Not Found</h1>" in response.get_data(as_text=True)


def test_post_dataset_405_allows_get(client: FlaskClient) -> None:
    response = client.post("/dataset.ttl")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_common_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.fixture(scope="module")
def moved_app() -> Flask:
    return create_app({"TESTING": True, "BASE_URL": "http://example.org/pub"})


def test_base_url_option_changes_every_iri(moved_app: Flask) -> None:
    assert moved_app.config["BASE_URL"] == "http://example.org/pub/"
    response = moved_app.test_client().get("/pub/dataset.nt")  # served below the path
    served = Graph().parse(data=response.data, format="nt")
    iris = {t for triple in served for t in triple if isinstance(t, URIRef)}
    assert not any(iri.startswith(DEFAULT_BASE_URL) for iri in iris)
    assert any(iri.startswith("http://example.org/pub/br/") for iri in iris)
    # Moved back to the default base, the data is the same graph.
    moved_back = Graph()
    for triple in served:
        moved_back.add(tuple(_rebase(t, "http://example.org/pub/") for t in triple))
    assert isomorphic(moved_back, data_graph(DEFAULT_BASE_URL))


def _rebase(term, base: str):
    if isinstance(term, URIRef) and term.startswith(base):
        return URIRef(DEFAULT_BASE_URL + term[len(base) :])
    return term


TRIG = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
<br/1> dcterms:title "默认图"@zh-Hans .
<graphs/extra> { <br/2> dcterms:title "named"@en . }
"""


def test_get_dataset_trig_data_keeps_named_graphs(tmp_path) -> None:
    (tmp_path / "shapes").mkdir()
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data.trig").write_text(TRIG, encoding="utf-8")
    config = {
        "DATA_FILES": [tmp_path / "data.trig"],
        "SHAPES_DIR": tmp_path / "shapes",
        "ONTOLOGY_DIR": tmp_path / "ontology",
        "BASE_URL": "http://example.org/",
    }
    client = create_app(config).test_client()
    served = Dataset()
    served.parse(data=client.get("/dataset.trig").data, format="trig")
    graph = served.graph(URIRef("http://example.org/graphs/extra"))
    assert list(graph) == [
        (URIRef("http://example.org/br/2"), DCTERMS.title, Literal("named", lang="en"))
    ]
    merged = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
    assert len(merged) == 2
    assert Literal("默认图", lang="zh-Hans") in set(merged.objects())


def test_get_failing_view_500_without_internals(tmp_path, caplog) -> None:
    (tmp_path / "shapes").mkdir()
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data.trig").write_text(TRIG, encoding="utf-8")
    app = create_app(
        {
            "DATA_FILES": [tmp_path / "data.trig"],
            "SHAPES_DIR": tmp_path / "shapes",
            "ONTOLOGY_DIR": tmp_path / "ontology",
        }
    )

    @app.get("/fails")
    def fails():
        raise RuntimeError(f"secret detail in {tmp_path}")

    response = app.test_client().get("/fails")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and str(tmp_path) not in body
    assert "Traceback" not in body
    assert "secret detail" in caplog.text

"""Citation formats of every work, fetched from a real server and read back with the libraries
reference managers use: BibTeX by bibtexparser, RIS by rispy, CSL-JSON by citeproc-py; the
formatted GB/T 7714 and APA citations checked against the work's record (lodpub.record), which
the tests build in-process from the same data."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import bibtexparser
import pytest
import requests
import rispy
from bibtexparser import middlewares
from citeproc.source.json import CiteProcJSON
from flask import Flask
from rdflib import Graph
from rdflib import URIRef

from lodpub.citations import STYLES
from lodpub.record import Record
from lodpub.record import record
from lodpub.urls import UriSpace
from lodpub.views.state import description
from lodpub.views.state import ontology
from lodpub.vocab import CITO

pytest_plugins = ["site_fixtures"]

CJK = re.compile(r"[\u4e00-\u9fff]")
MEDIA_TYPES = {
    "bib": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
    "csljson": "application/vnd.citationstyles.csl+json",
    "txt": "text/x-bibliography",
}


@pytest.fixture(scope="module")
def records(app: Flask, data: Graph, article: URIRef, space: UriSpace) -> dict[str, Record]:
    """The record of the article and of every cited work, by IRI path (br/1, br/105 ...)."""
    works = [article, *data.objects(article, CITO.cites)]
    with app.app_context():
        return {space.path(w): record(description(w).triples, ontology(), w) for w in works}


def fetch(base: str, path: str, **params: str) -> requests.Response:
    response = requests.get(base + path, params=params, timeout=60)
    assert response.status_code == 200, (path, response.text)
    return response


def in_order(text: str, parts: list[str]) -> bool:
    """Whether every part occurs in `text`, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


@pytest.mark.parametrize(("extension", "media_type"), MEDIA_TYPES.items())
def test_work_iri_303_to_citation_document(live_server, extension, media_type) -> None:
    response = requests.get(
        live_server + "br/1", headers={"Accept": media_type}, allow_redirects=False, timeout=60
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{live_server}doc/br/1.{extension}"
    assert "Accept" in response.headers["Vary"]
    followed = requests.get(live_server + "br/1", headers={"Accept": media_type}, timeout=60)
    assert followed.status_code == 200
    assert followed.headers["Content-Type"] == f"{media_type}; charset=utf-8"


def test_bibliography_style_and_locale_as_doi_resolvers_take_them(live_server, records) -> None:
    accept = "text/x-bibliography; style=apa; locale=en-US"
    response = requests.get(
        live_server + "br/105", headers={"Accept": accept}, allow_redirects=False, timeout=60
    )
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/doc/br/105.txt"
    assert parse_qs(location.query) == {"style": ["apa"], "locale": ["en-US"]}
    text = requests.get(live_server + "br/105", headers={"Accept": accept}, timeout=60).text
    book = records["br/105"]
    assert in_order(text, [book.authors[0].name.text, f"({book.year})", book.title.value])
    assert text == fetch(live_server, "doc/br/105.txt", style="apa").text


@pytest.mark.parametrize("path", ["br/1", "br/105", "br/108"])
def test_other_documents_still_negotiated(live_server, path) -> None:
    response = requests.get(
        live_server + path, headers={"Accept": "text/turtle"}, allow_redirects=False, timeout=60
    )
    assert response.headers["Location"] == f"{live_server}doc/{path}.ttl"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = requests.get(
        live_server + path, headers={"Accept": browser}, allow_redirects=False, timeout=60
    )
    assert response.headers["Location"] == f"{live_server}doc/{path}.html"


def test_bibtex_round_trips_every_work(live_server, records) -> None:
    for path, work in records.items():
        body = fetch(live_server, f"doc/{path}.bib").text
        library = bibtexparser.parse_string(
            body,
            append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
        )
        assert len(library.entries) == 1, body
        fields = library.entries[0].fields_dict
        value = {key: field.value for key, field in fields.items()}
        assert value["title"] == work.title.value
        names = [(" ".join(n.last).strip("{}"), " ".join(n.first)) for n in value["author"]]
        assert names == [
            (a.name.family, a.name.given) if a.is_person else (a.name.text, "")
            for a in work.authors
        ]
        assert value.get("journal") == (
            work.container_title.value if work.genre.startswith("article") and
            work.container_title else None
        )  # fmt: skip
        assert value.get("volume") == work.volume
        assert value.get("number") == work.issue
        assert value.get("pages") == (work.pages.replace("-", "--") if work.pages else None)
        assert value["year"] == work.year
        assert value.get("doi") == work.doi


def test_ris_round_trips_every_work(live_server, records) -> None:
    types = {"article-journal": "JOUR", "book": "BOOK", "article-newspaper": "NEWS"}
    for path, work in records.items():
        body = fetch(live_server, f"doc/{path}.ris").text
        (entry,) = rispy.loads(body)
        assert entry["title"] == work.title.value
        assert entry["authors"] == [a.name.inverted for a in work.authors]
        if work.genre in types:
            assert entry["type_of_reference"] == types[work.genre]
        assert entry.get("secondary_title") == (
            work.container_title.value if work.container_title else None
        )
        assert entry.get("volume") == work.volume
        assert entry.get("number") == work.issue
        assert entry.get("start_page") == work.first_page
        assert entry.get("end_page") == work.last_page
        assert entry["year"] == work.year
        assert entry.get("doi") == work.doi


def test_csl_json_read_by_citeproc_every_work(live_server, records) -> None:
    for path, work in records.items():
        response = fetch(live_server, f"doc/{path}.csljson")
        assert response.headers["Content-Type"].startswith(MEDIA_TYPES["csljson"])
        source = CiteProcJSON(json.loads(response.text))
        item = source[live_server + path]
        assert str(item["title"]) == work.title.value
        authors = [(str(n.get("family", "")), str(n.get("given", ""))) for n in item["author"]]
        assert authors == [
            (a.name.family, a.name.given) if a.is_person else ("", "") for a in work.authors
        ]
        literal = [str(n["literal"]) for n in item["author"] if "literal" in n]
        assert literal == [a.name.text for a in work.authors if not a.is_person]
        container = item.get("container_title")
        assert (str(container) if container else None) == (
            work.container_title.value if work.container_title else None
        )
        assert (str(item["volume"]) if "volume" in item else None) == work.volume
        assert (str(item["issue"]) if "issue" in item else None) == work.issue
        page = item.get("page")
        assert (str(page) if page else None) == work.pages
        assert str(item["issued"]["year"]) == work.year
        assert (str(item["DOI"]) if "DOI" in item else None) == work.doi


def _byline(work: Record, style: str, limit: int) -> list[str]:
    """How the style writes the first `limit` authors: CJK names whole; GB/T writes Latin
    family names in capitals, APA keeps them as they are."""
    parts = []
    for author in work.authors[:limit]:
        name = author.name
        if CJK.search(name.text) or not author.is_person:
            parts.append(name.text)
        else:
            parts.append(name.family.upper() if style.startswith("china") else name.family)
    return parts


def _source_parts(work: Record, pages_dash: str) -> list[str]:
    parts = [work.title.value]
    if work.container_title:
        parts.append(work.container_title.value)
    if work.volume:
        parts.append(work.volume)
    if work.issue:
        parts.append(work.issue)
    if work.first_page and work.last_page:
        parts.append(f"{work.first_page}{pages_dash}{work.last_page}")
    return parts


def test_gb_t_7714_numeric_is_the_default_and_follows_the_record(live_server, records) -> None:
    for path, work in records.items():
        text = fetch(live_server, f"doc/{path}.txt").text.strip()
        assert text == fetch(live_server, f"doc/{path}.txt", style=STYLES[0]).text.strip()
        assert text.startswith("[1]"), text
        # GB/T 7714: three authors, then 等 (Chinese) or "et al."
        assert in_order(text, _byline(work, STYLES[0], 3)), text
        if len(work.authors) > 3:
            assert "等" in text or "et al" in text
        assert in_order(text, _source_parts(work, "-")), text
        assert work.year in text
        if work.doi:
            assert f"DOI:{work.doi}" in text


def test_apa_follows_the_record(live_server, records) -> None:
    for path, work in records.items():
        text = fetch(live_server, f"doc/{path}.txt", style="apa", locale="en-US").text.strip()
        assert in_order(text, [*_byline(work, "apa", 20), f"({work.year}"]), text
        assert in_order(text, _source_parts(work, "–")), text
        if work.doi:
            assert text.endswith(f"https://doi.org/{work.doi}")


def test_chinese_work_keeps_its_chinese_fields(live_server, records) -> None:
    article = records["br/1"]
    assert CJK.search(article.title.value) and CJK.search(article.container_title.value)
    bib = fetch(live_server, "doc/br/1.bib").text
    assert f"title = {{{article.title.value}}}" in bib
    assert f"journal = {{{article.container_title.value}}}" in bib
    assert " and ".join(a.name.inverted for a in article.authors) in bib
    text = fetch(live_server, "doc/br/1.txt").text
    assert text.startswith(f"[1]{article.authors[0].name.text}, ")


def test_unknown_style_406_lists_the_styles(live_server) -> None:
    response = requests.get(
        live_server + "br/1",
        headers={"Accept": "text/x-bibliography; style=no-such-style"},
        timeout=60,
    )
    assert response.status_code == 406
    assert "no-such-style" in response.text
    for style in STYLES:
        assert style in response.text
    response = requests.get(live_server + "doc/br/1.txt?style=chicago", timeout=60)
    assert response.status_code == 406
    assert all(style in response.text for style in STYLES)
    response = requests.get(live_server + "doc/br/1.txt?locale=xx-XX", timeout=60)
    assert response.status_code == 406
    assert "en-US" in response.text and "zh-CN" in response.text


@pytest.mark.parametrize("path", ["ra/1", "ci/1-105", "be/5", "br/4"])
def test_only_works_have_citation_formats(live_server, path) -> None:
    response = requests.get(live_server + path, headers={"Accept": MEDIA_TYPES["bib"]}, timeout=60)
    assert response.status_code == 406
    assert "describe works" in response.text and path in response.text
    document = requests.get(f"{live_server}doc/{path}.bib", timeout=60)
    assert document.status_code == 404
    assert "describe works" in document.text
    # A client that also takes RDF gets the RDF.
    response = requests.get(
        live_server + path,
        headers={"Accept": f"{MEDIA_TYPES['bib']}, text/turtle;q=0.5"},
        allow_redirects=False,
        timeout=60,
    )
    assert response.headers["Location"] == f"{live_server}doc/{path}.ttl"


def test_citation_documents_link_their_alternates_and_revalidate(live_server) -> None:
    response = fetch(live_server, "doc/br/105.ris")
    links = response.headers["Link"]
    for extension, media_type in MEDIA_TYPES.items():
        assert f'<{live_server}doc/br/105.{extension}>; rel="alternate"; type="{media_type}"' in (
            links
        )
    assert f'<{live_server}br/105>; rel="about"' in links
    again = requests.get(
        live_server + "doc/br/105.ris",
        headers={"If-None-Match": response.headers["ETag"]},
        timeout=60,
    )
    assert again.status_code == 304

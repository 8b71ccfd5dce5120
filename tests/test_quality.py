"""The reference quality report and the links of data/links.ttl, over HTTP from a real server
serving the article with a copy of the links file holding one accepted link: the report's
page and JSON document give the counts the graph gives (computed here with rdflib's own
SPARQL), every reference once, reference 4's date discrepancy, and the link as "linked"; the
linked work shows the link on its page, in its JSON-LD `sameAs` and in its RDF document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests
from conftest import free_port
from conftest import serving
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import OWL
from rdflib.namespace import SKOS

from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "article.ttl"
WIKIDATA_ITEM = URIRef("http://www.wikidata.org/entity/Q900000108")
LINKED_WORK = "br/108"
# One link as `lodpub link` records it (docs/model.md "Links to other datasets"); the
# matching key is the work's DOI identifier node, filled in from the data.
LINKS = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{work}> owl:sameAs <{item}> .
<dataset#link-command> a prov:SoftwareAgent ; prov:actedOnBehalfOf <dataset#editors> .
<http://127.0.0.1:7878/query> a prov:Entity ;
    dcterms:description "A Wikidata-shaped SPARQL service on loopback."@en .
[] a rdf:Statement, prov:Entity ;
    rdf:subject <{work}> ; rdf:predicate owl:sameAs ; rdf:object <{item}> ;
    prov:hadPrimarySource <http://127.0.0.1:7878/query> ;
    prov:generatedAtTime "2026-11-30T00:15:19+00:00"^^xsd:dateTime ;
    prov:wasDerivedFrom <{key}> ;
    prov:wasAttributedTo <dataset#link-command> .
"""
PREFIXES = """
PREFIX biro: <http://purl.org/spar/biro/>
PREFIX datacite: <http://purl.org/spar/datacite/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX frbr: <http://purl.org/vocab/frbr/core#>
PREFIX literal: <http://www.essepuntato.it/2010/06/literalreification/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX void: <http://rdfs.org/ns/void#>
"""
# Each count of the report as a condition on ?ref and its cited ?work.
SCHEME = "datacite:hasIdentifier/datacite:usesIdentifierScheme"
HAS_ISSN = f"?work frbr:partOf+/{SCHEME} ?s FILTER(?s IN (datacite:issn, datacite:eissn))"
CONDITIONS = {
    "references": "",
    "doi": f"FILTER EXISTS {{ ?work {SCHEME} datacite:doi }}",
    "issn": f"FILTER EXISTS {{ {HAS_ISSN} }}",
    "isbn": f"FILTER EXISTS {{ ?work {SCHEME} datacite:isbn }}",
    "url": f"FILTER EXISTS {{ ?work {SCHEME} datacite:url }}",
    "linked": "FILTER EXISTS { ?work owl:sameAs ?item }",
    "unresolved": "FILTER NOT EXISTS { ?work datacite:hasIdentifier ?i }"
    f" FILTER NOT EXISTS {{ {HAS_ISSN} }}"
    " FILTER NOT EXISTS { ?work frbr:partOf*/owl:sameAs ?item }",
}
REFERENCES = """
SELECT (COUNT(DISTINCT ?ref) AS ?n) WHERE {
  ?dataset void:rootResource ?article . ?article frbr:part ?ref .
  ?ref a biro:BibliographicReference ; biro:references ?work . %s
}"""
NOTES = """
SELECT (COUNT(*) AS ?n) WHERE {
  { SELECT DISTINCT ?noted ?note WHERE {
      ?dataset void:rootResource ?article . ?article frbr:part ?ref .
      ?ref a biro:BibliographicReference ; biro:references ?work .
      { ?ref skos:note ?note BIND(?ref AS ?noted) }
      UNION { ?work skos:note ?note BIND(?work AS ?noted) }
      UNION { ?work datacite:hasIdentifier ?noted . ?noted skos:note ?note } } }
}"""


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Graph]]:
    """A server on the article and a links file with one link to the DOI-identified work;
    its base URL and the graph it serves, parsed here with rdflib."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    data = Graph().parse(ARTICLE, format="turtle", publicID=base)
    work = URIRef(base + LINKED_WORK)
    key = next(
        ident
        for ident in data.objects(work, DATACITE.hasIdentifier)
        if data.value(ident, DATACITE.usesIdentifierScheme) == DATACITE.doi
    )
    links = tmp_path_factory.mktemp("quality") / "links.ttl"
    links.write_text(LINKS.format(work=work, item=WIKIDATA_ITEM, key=key), encoding="utf-8")
    data.parse(links, format="turtle", publicID=base)
    with serving("--data", str(ARTICLE), "--data", str(links), port=port) as base_url:
        yield base_url, data


def expected_counts(data: Graph) -> dict[str, int]:
    counts = {
        key: int(next(iter(data.query(PREFIXES + REFERENCES % condition)))[0])
        for key, condition in CONDITIONS.items()
    }
    counts["discrepancies"] = int(next(iter(data.query(PREFIXES + NOTES)))[0])
    return counts


def report_page(base_url: str) -> lxml.html.HtmlElement:
    response = requests.get(base_url + "quality", headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    return lxml.html.fromstring(response.content)


def report_document(base_url: str) -> dict:
    response = requests.get(
        base_url + "quality", headers={"Accept": "application/json"}, timeout=60
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def reference_4_note(data: Graph, base_url: str) -> str:
    """The note on the work reference 4 cites, which says its printed date is not the page's."""
    notes = [str(n) for n in data.objects(URIRef(base_url + "br/104"), SKOS.note)]
    assert len(notes) == 1 and "2021-11-09" in notes[0]
    return notes[0]


def test_the_page_counts_what_the_graph_says(linked: tuple[str, Graph]) -> None:
    base_url, data = linked
    expected = expected_counts(data)
    assert expected["linked"] == 1 and expected["references"] == 25
    page = report_page(base_url)
    shown = {key: int(page.cssselect(f"#count-{key}")[0].text_content()) for key in expected}
    assert shown == expected


def test_the_document_counts_what_the_graph_says(linked: tuple[str, Graph]) -> None:
    base_url, data = linked
    assert report_document(base_url)["counts"] == expected_counts(data)


def test_every_reference_appears_once_linked_to_its_pages(linked: tuple[str, Graph]) -> None:
    base_url, data = linked
    cited = {str(ref): str(work) for ref, work in data.subject_objects(BIRO.references)}
    page = report_page(base_url)
    rows = page.cssselect("table.quality-rows tbody tr")
    assert len(rows) == len(cited)
    seen = set()
    for row in rows:
        (ref_link,) = row.cssselect("a.ref-link")
        (work_link,) = row.cssselect("a.cited-link")
        reference = ref_link.get("href").replace("doc/", "").removesuffix(".html")
        assert reference in cited
        assert (
            work_link.get("href") == cited[reference].replace(base_url, base_url + "doc/") + ".html"
        )
        seen.add(reference)
    assert seen == set(cited)
    numbers = [r["number"] for r in report_document(base_url)["references"]]
    assert sorted(numbers) == list(range(1, len(cited) + 1))


def test_reference_4s_date_discrepancy_is_shown(linked: tuple[str, Graph]) -> None:
    base_url, data = linked
    note = reference_4_note(data, base_url)
    (row,) = report_page(base_url).cssselect("#ref-4")
    assert note in row.text_content()
    (entry,) = [r for r in report_document(base_url)["references"] if r["number"] == 4]
    assert {"about": base_url + "br/104", "text": note, "lang": "en"} in entry["notes"]
    # The URL reference 4 prints is an identifier it prints.
    url = next(i for i in entry["identifiers"] if i["scheme"] == "url")
    assert url["printed"] and url["value"] in str(
        data.value(URIRef(base_url + "be/4"), C4O.hasContent)
    )


def test_the_link_shows_as_linked_in_the_report(linked: tuple[str, Graph]) -> None:
    base_url, data = linked
    work = base_url + LINKED_WORK
    (number,) = [
        str(data.value(ref, FABIO.hasSequenceIdentifier))
        for ref in data.subjects(BIRO.references, URIRef(work))
    ]
    (row,) = report_page(base_url).cssselect(f"#ref-{number}")
    assert "linked" in row.get("class").split()
    assert [a.get("href") for a in row.cssselect(".how-linked a.external")][0] == str(WIKIDATA_ITEM)
    (entry,) = [r for r in report_document(base_url)["references"] if str(r["number"]) == number]
    assert entry["linked"] is True
    (link,) = entry["links"]
    doi = next(i["value"] for i in entry["identifiers"] if i["scheme"] == "doi")
    assert link["target"] == str(WIKIDATA_ITEM) and link["by_command"] and link["key"] == doi
    assert link["accepted_by"] == base_url + "dataset#link-command"


def test_the_link_shows_on_the_works_page_jsonld_and_documents(linked: tuple[str, Graph]) -> None:
    base_url, _ = linked
    work = base_url + LINKED_WORK
    response = requests.get(work, headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    facts = [a.get("href") for a in page.cssselect("dl.facts a")]
    assert str(WIKIDATA_ITEM) in facts
    (script,) = page.cssselect('script[type="application/ld+json"]')
    assert str(WIKIDATA_ITEM) in json.loads(script.text)["sameAs"]
    for extension, rdf_format in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml")):
        document = requests.get(f"{base_url}doc/{LINKED_WORK}.{extension}", timeout=60)
        assert document.status_code == 200
        graph = Graph().parse(data=document.content, format=rdf_format, publicID=work)
        assert (URIRef(work), OWL.sameAs, WIKIDATA_ITEM) in graph


def test_the_report_without_links_says_so(live_server: str) -> None:
    """On the publication's own data (no link yet), nothing is linked."""
    document = report_document(live_server)
    assert document["counts"]["linked"] == 0
    assert not any(r["links"] for r in document["references"])


def test_an_unknown_format_is_refused_with_the_ones_available(live_server: str) -> None:
    response = requests.get(live_server + "quality", params={"format": "ttl"}, timeout=60)
    assert response.status_code == 406
    assert "application/json" in response.text and "text/html" in response.text

"""The OCDM provenance snapshots served (lodpub.history, views/history.py), over HTTP from a
real server: each snapshot and each provenance graph dereferences with content negotiation,
the entities' own documents stay free of them and point to them (PROV-AQ), each entity's page
has a History section, SPARQL answers GRAPH queries over them, the dumps that carry graphs
carry them, and the shapes check them when a store is built."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from rdflib import Dataset
from rdflib import Graph
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV
from SPARQLWrapper import JSON
from SPARQLWrapper import SPARQLWrapper

from lodpub.cli import cli
from lodpub.snapshots import SNAPSHOTS_FILE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "article.ttl"
HAS_PROVENANCE = str(PROV.has_provenance)


@pytest.fixture(scope="module")
def provenance(live_server: str) -> Dataset:
    """data/provenance.trig as the tests read it themselves, on the server's base URL."""
    return Dataset().parse(SNAPSHOTS_FILE, format="trig", publicID=live_server)


@pytest.fixture(scope="module")
def graphs(provenance: Dataset) -> dict[URIRef, Graph]:
    """Every provenance graph of the file by name (the default graph left out)."""
    return {g.identifier: g for g in provenance.graphs() if len(g) and "/prov/" in g.identifier}


@pytest.fixture(scope="module")
def sample(graphs: dict[URIRef, Graph]) -> list[URIRef]:
    """Entities of each kind that have provenance (br, be, id, ar, ra, ci, re)."""
    entities = sorted(URIRef(str(g).removesuffix("/prov/")) for g in graphs)
    by_kind: dict[str, URIRef] = {}
    for entity in random.Random(9).sample(entities, len(entities)):
        by_kind.setdefault(entity.split("/")[-2], entity)
    return sorted(by_kind.values())


def test_the_provenance_graphs_are_the_files(graphs: dict[URIRef, Graph]) -> None:
    assert len(graphs) > 300
    assert all(len(g) >= 5 for g in graphs.values())


def test_every_snapshot_dereferences_in_every_format(
    live_server: str, graphs: dict[URIRef, Graph], sample: list[URIRef]
) -> None:
    assert len(sample) == 7, sample
    for entity in sample:
        snapshot = URIRef(f"{entity}/prov/se/1")
        expected = graphs[URIRef(f"{entity}/prov/")]
        for accept, parser in (
            ("text/turtle", "turtle"),
            ("application/ld+json", "json-ld"),
            ("application/n-triples", "nt"),
        ):
            response = requests.get(snapshot, headers={"Accept": accept}, timeout=30)
            assert response.status_code == 200, (snapshot, accept)
            assert [hop.status_code for hop in response.history] == [303]
            assert response.headers["Content-Type"].startswith(accept)
            got = Graph().parse(data=response.content, format=parser)
            assert isomorphic(got, expected), (snapshot, accept)
        page = requests.get(snapshot, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and page.url.endswith(".html")
        assert str(entity) in page.text


def test_the_provenance_graph_is_a_document(
    live_server: str, graphs: dict[URIRef, Graph], sample: list[URIRef]
) -> None:
    for entity in sample:
        graph = URIRef(f"{entity}/prov/")
        response = requests.get(graph, headers={"Accept": "text/turtle"}, timeout=30)
        assert response.status_code == 200
        assert isomorphic(Graph().parse(data=response.text, format="turtle"), graphs[graph])
        page = requests.get(graph, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200
        assert f"{entity}/prov/se/1" in page.text.replace(live_server + "doc/", live_server)


def test_a_snapshot_that_does_not_exist_is_404(live_server: str) -> None:
    for path in ("br/1/prov/se/2", "br/1/prov/se/x", "br/99999/prov/", "br/99999/prov/se/1"):
        response = requests.get(live_server + path, headers={"Accept": "text/turtle"}, timeout=30)
        assert response.status_code == 404, path
        assert "Nothing in this publication is called" in response.text


def test_entity_documents_hold_no_snapshot_and_link_to_their_provenance(
    live_server: str, sample: list[URIRef]
) -> None:
    for entity in sample:
        response = requests.get(entity, headers={"Accept": "text/turtle"}, timeout=30)
        document = Graph().parse(data=response.text, format="turtle")
        assert len(document) > 0
        assert not list(document.triples((None, PROV.specializationOf, None)))
        assert not [s for s in document.subjects() if "/prov/se/" in str(s)]
        links = requests.utils.parse_header_links(response.headers["Link"])
        (provenance,) = [link for link in links if link.get("rel") == HAS_PROVENANCE]
        assert provenance["url"] == f"{entity}/prov/"
        assert provenance["anchor"] == str(entity)
        followed = requests.get(provenance["url"], headers={"Accept": "text/turtle"}, timeout=30)
        described = Graph().parse(data=followed.text, format="turtle")
        assert (URIRef(f"{entity}/prov/se/1"), PROV.specializationOf, entity) in described


def test_the_page_of_an_entity_shows_its_history(
    live_server: str, graphs: dict[URIRef, Graph]
) -> None:
    entity = URIRef(live_server + "br/105")
    snapshot = URIRef(f"{entity}/prov/se/1")
    expected = graphs[URIRef(f"{entity}/prov/")]
    page = requests.get(live_server + "doc/br/105.html", timeout=30).text
    section = page[
        page.index('id="history-h"') : page.index("</section>", page.index('id="history-h"'))
    ]
    assert ">History</h2>" in section
    assert f'href="{live_server}doc/br/105/prov/se/1.html"' in section
    assert f'href="{live_server}doc/br/105/prov/.html"' in section
    generated = expected.value(snapshot, PROV.generatedAtTime)
    assert f'<time datetime="{generated}">' in section
    assert "lodpub&#39;s editors" in section
    for source in expected.objects(snapshot, PROV.hadPrimarySource):
        assert f'href="{source}"' in section
    assert "The entity &#39;br/105&#39; has been created." in section
    chinese = requests.get(live_server + "doc/br/105.html?lang=zh-Hans", timeout=30).text
    assert ">历史</h2>" in chinese and "lodpub 编者" in chinese


def test_a_page_without_provenance_has_no_history(live_server: str) -> None:
    page = requests.get(live_server + "doc/dataset.html", timeout=30).text
    assert 'id="history-h"' not in page


def test_sparql_answers_graph_queries_over_the_snapshots(
    live_server: str, graphs: dict[URIRef, Graph]
) -> None:
    client = SPARQLWrapper(live_server + "sparql")
    client.setReturnFormat(JSON)
    client.setQuery(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s "
        f"<{PROV.specializationOf}> ?e }} }}"
    )
    rows = client.queryAndConvert()["results"]["bindings"]
    assert int(rows[0]["n"]["value"]) == len(graphs)
    client.setQuery(
        f"SELECT ?source WHERE {{ GRAPH <{live_server}br/1/prov/> {{ ?s "
        f"<{PROV.hadPrimarySource}> ?source }} }} ORDER BY ?source"
    )
    rows = client.queryAndConvert()["results"]["bindings"]
    expected = graphs[URIRef(live_server + "br/1/prov/")]
    assert [r["source"]["value"] for r in rows] == sorted(
        str(o) for o in expected.objects(None, PROV.hadPrimarySource)
    )
    # Without GRAPH, a query reads the default graph: the data, not its provenance.
    client.setQuery(f"ASK {{ ?s <{PROV.specializationOf}> ?e }}")
    assert client.queryAndConvert()["boolean"] is False


@pytest.mark.parametrize(("dump", "parser"), [("dataset.trig", "trig"), ("dataset.nq", "nquads")])
def test_the_dumps_with_graphs_carry_the_provenance_graphs(
    live_server: str, graphs: dict[URIRef, Graph], dump: str, parser: str
) -> None:
    response = requests.get(live_server + dump, timeout=60)
    assert response.status_code == 200
    served = Dataset().parse(data=response.content, format=parser)
    named = {g.identifier: g for g in served.graphs() if len(g) and "/prov/" in g.identifier}
    assert set(named) == set(graphs)
    for name in random.Random(1).sample(sorted(graphs), 20):
        assert isomorphic(named[name], graphs[name]), name


def test_load_checks_the_snapshots_with_the_shapes(tmp_path: Path) -> None:
    broken = tmp_path / "provenance.trig"
    text = SNAPSHOTS_FILE.read_text(encoding="utf-8")
    first = text.index("prov:wasAttributedTo")
    broken.write_text(text[:first] + text[text.index("\n", first) + 1 :], encoding="utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["load", str(DATA), str(broken), "--store", str(store)])
    assert result.exit_code == 1, result.output
    assert "A snapshot names who is responsible for it" in result.output
    assert not store.exists()

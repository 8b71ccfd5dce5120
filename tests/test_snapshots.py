"""OCDM provenance snapshots (lodpub.snapshots, data/provenance.trig): one per entity in the
entity's own named graph, current with the data, and checked by the shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset
from rdflib import Graph
from rdflib import URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import DCTERMS
from rdflib.namespace import PROV
from rdflib.namespace import RDF

from lodpub.cli import cli
from lodpub.snapshots import SNAPSHOTS_FILE
from lodpub.snapshots import write

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "article.ttl"
BASE = "http://127.0.0.1:8080/"


@pytest.fixture(scope="module")
def data() -> Graph:
    return Graph().parse(DATA, format="turtle", publicID=BASE)


@pytest.fixture(scope="module")
def committed() -> Dataset:
    return Dataset().parse(SNAPSHOTS_FILE, format="trig", publicID=BASE)


def test_the_committed_snapshots_are_current(tmp_path: Path, committed: Dataset) -> None:
    fresh = tmp_path / "provenance.trig"
    write(DATA, fresh)
    regenerated = Dataset().parse(fresh, format="trig", publicID=BASE)
    assert {str(g.identifier) for g in regenerated.graphs() if len(g)} == {
        str(g.identifier) for g in committed.graphs() if len(g)
    }
    for graph in committed.graphs():
        if len(graph):
            assert to_isomorphic(graph) == to_isomorphic(regenerated.graph(graph.identifier))
    assert "127.0.0.1" not in fresh.read_text(encoding="utf-8")


def test_every_sourced_entity_has_one_snapshot_in_its_own_graph(
    data: Graph, committed: Dataset
) -> None:
    dataset = URIRef(BASE + "dataset")
    sourced = {
        s
        for p in (PROV.hadPrimarySource, PROV.wasDerivedFrom)
        for s in data.subjects(p, None)
        if s != dataset and str(s).startswith(BASE) and "#" not in str(s)
    }
    assert len(sourced) > 200
    for entity in sourced:
        graph = committed.graph(URIRef(f"{entity}/prov/"))
        (snapshot,) = set(graph.subjects(PROV.specializationOf, entity))
        assert snapshot == URIRef(f"{entity}/prov/se/1")
        assert (snapshot, RDF.type, PROV.Entity) in graph
        assert set(graph.objects(snapshot, PROV.hadPrimarySource)) == set(
            data.objects(entity, PROV.hadPrimarySource)
        )
        assert graph.value(snapshot, PROV.generatedAtTime) == data.value(
            dataset, PROV.generatedAtTime
        )
        assert graph.value(snapshot, PROV.wasAttributedTo) == data.value(
            dataset, PROV.wasAttributedTo
        )
        description = str(graph.value(snapshot, DCTERMS.description))
        assert f"'{entity[len(BASE) :]}' has been created" in description
        for copy in data.objects(entity, PROV.wasDerivedFrom):
            assert str(copy) in description


def test_snapshots_validate_with_the_data() -> None:
    result = CliRunner().invoke(
        cli, ["validate", str(DATA), str(SNAPSHOTS_FILE), "--base-url", BASE]
    )
    assert result.exit_code == 0, result.output


def test_a_snapshot_without_its_time_is_a_violation(tmp_path: Path) -> None:
    broken = tmp_path / "provenance.trig"
    text = SNAPSHOTS_FILE.read_text(encoding="utf-8")
    first = text.index("prov:generatedAtTime")
    broken.write_text(text[:first] + text[text.index("\n", first) + 1 :], encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(DATA), str(broken), "--base-url", BASE])
    assert result.exit_code == 1, result.output
    assert "A snapshot needs exactly one prov:generatedAtTime" in result.output

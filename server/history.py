"""The history of an entity: its OCDM provenance snapshots, read from their named graphs.

The OpenCitations Data Model keeps provenance beside the data, never in it: for an entity
`<e>`, the named graph `<e>/prov/` holds its snapshots `<e>/prov/se/1`, `se/2` …, each a
prov:Entity that is prov:specializationOf `<e>`, with prov:generatedAtTime (and
prov:invalidatedAtTime once a later snapshot replaces it), prov:wasAttributedTo,
prov:hadPrimarySource and a dcterms:description of what happened (data/provenance.trig,
written by lodpub.snapshots). The entities' own descriptions read the default graph only
(lodpub.describe), so none of this appears in them; this module is how the site reads it:

- `describe`: the document of a snapshot (its statements) or of a provenance graph (all of
  it), so that both dereference like any other IRI of the publication;
- `read_provenance`: an entity's snapshots, oldest first, with the labels of the agents they are
  attributed to, for the "History" section of its page;
- `provenance_graph`: where an entity's provenance is, when it has any.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import PROV
from rdflib.namespace import RDFS
from rdflib.term import Node

from lodpub.pages.reader import Reader
from lodpub.vocab import Triple

# OCDM's naming: the provenance graph of <e> is <e>/prov/, its snapshots <e>/prov/se/N.
GRAPH_SUFFIX = "/prov/"
SNAPSHOT_STEM = "se/"


class Lookups(Protocol):
    """The part of lodpub.store.Store this module needs."""

    def has_graph(self, iri: str) -> bool: ...

    def triples(self, sparql: str) -> list[Triple]: ...


@dataclass(frozen=True)
class Snapshot:
    """One state of an entity as its provenance records it."""

    iri: URIRef
    graph: URIRef
    number: int
    generated: Literal | None
    invalidated: Literal | None
    agents: tuple[URIRef, ...]
    sources: tuple[URIRef, ...]
    descriptions: tuple[Literal, ...]


def provenance_graph(store: Lookups, entity: URIRef) -> URIRef | None:
    """The named graph holding `entity`'s provenance (`<entity>/prov/`), None when it has
    none."""
    graph = f"{entity}{GRAPH_SUFFIX}"
    return URIRef(graph) if store.has_graph(graph) else None


def is_provenance(store: Lookups, iri: URIRef) -> bool:
    """Whether `iri` is a provenance graph or a snapshot in one (things that exist only in
    the named graphs)."""
    graph = str(iri) if str(iri).endswith(GRAPH_SUFFIX) else _graph_of_snapshot(iri)
    return graph is not None and store.has_graph(graph)


def describe(store: Lookups, iri: URIRef) -> list[Triple]:
    """The document of a provenance graph (every statement in it) or of a snapshot (its own
    statements, from its entity's provenance graph); empty for any other IRI."""
    if str(iri).endswith(GRAPH_SUFFIX) and store.has_graph(str(iri)):
        return store.triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    if (graph := _graph_of_snapshot(iri)) is not None and store.has_graph(graph):
        return store.triples(
            f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ GRAPH <{graph}> {{ <{iri}> ?p ?o }} }}"
        )
    return []


@dataclass(frozen=True)
class Provenance:
    """An entity's snapshots, oldest first, and what the data says of the agents they are
    attributed to (their rdfs:labels)."""

    snapshots: list[Snapshot]
    agents: Reader


def read_provenance(store: Lookups, iri: URIRef) -> Provenance | None:
    """The snapshots of the entity `iri`, or of the entity whose provenance graph `iri` is,
    with their agents' labels; None when it has no provenance."""
    graph = str(iri) if str(iri).endswith(GRAPH_SUFFIX) else f"{iri}{GRAPH_SUFFIX}"
    if not store.has_graph(graph):
        return None
    # One lookup for the graph and the labels of its agents, which the page of every entity
    # shows (two took 0.18 ms in memory and 0.36 on disk, one takes 0.12 and 0.28). The
    # graph's statements are about its snapshots (OCDM), never its agents: one reader reads
    # both.
    found = Reader(
        store.triples(
            f"CONSTRUCT {{ ?s ?p ?o . ?agent <{RDFS.label}> ?label }} WHERE {{"
            f" {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} UNION"
            f" {{ GRAPH <{graph}> {{ ?snapshot <{PROV.wasAttributedTo}> ?agent }}"
            f" ?agent <{RDFS.label}> ?label }} }}"
        )
    )
    result = []
    for snapshot in found.subjects_with(PROV.specializationOf):
        if not isinstance(snapshot, URIRef):
            continue
        number = str(snapshot).removeprefix(graph + SNAPSHOT_STEM)
        result.append(
            Snapshot(
                iri=snapshot,
                graph=URIRef(graph),
                number=int(number) if number.isdigit() else 0,
                generated=_literal(found.value(snapshot, PROV.generatedAtTime)),
                invalidated=_literal(found.value(snapshot, PROV.invalidatedAtTime)),
                agents=_iris(found.objects(snapshot, PROV.wasAttributedTo)),
                sources=_iris(found.objects(snapshot, PROV.hadPrimarySource)),
                descriptions=tuple(
                    sorted(
                        o
                        for o in found.objects(snapshot, DCTERMS.description)
                        if isinstance(o, Literal)
                    )
                ),  # fmt: skip
            )
        )
    if not result:
        return None
    return Provenance(sorted(result, key=lambda s: (s.number, str(s.iri))), found)


def _graph_of_snapshot(iri: URIRef) -> str | None:
    """`<e>/prov/` for a snapshot IRI `<e>/prov/se/N`; None for any other IRI."""
    head, stem, number = str(iri).rpartition(GRAPH_SUFFIX + SNAPSHOT_STEM)
    if not stem or not head or not number.isdigit():
        return None
    return head + GRAPH_SUFFIX


def _literal(node: Node | None) -> Literal | None:
    return node if isinstance(node, Literal) else None


def _iris(nodes: Iterable[Node]) -> tuple[URIRef, ...]:
    return tuple(sorted(n for n in nodes if isinstance(n, URIRef)))

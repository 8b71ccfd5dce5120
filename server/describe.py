"""The bounded description of one IRI: what its document holds.

A document about a thing holds, so that a page can be rendered from it alone:

1. the thing's own triples and the triples pointing at it (who cites it, which reference
   points to it), and the same for every hash IRI below it (`dataset#journal-lists`): the
   W3C "Cool URIs" hash recipe makes the document of `dataset` the one that answers for them;
2. the same for its *dependent* nodes, the small structural nodes that exist only for it:
   author roles, embodiments and identifiers (DEPENDENT_CLASSES);
3. every triple about an IRI outside the publication that 1–2 mention (sources, a page's
   digital copy): such IRIs have no document here, and this is how their triples reach a
   crawler, so that the union of all documents is the whole dataset;
4. a summary (SUMMARY_PROPERTIES: types, names, titles, numbers, dates, language, links) of
   every other node mentioned, of the containers above the thing (issue → volume →
   journal, with the containers' identifiers: the journal's ISSN) and of what lies directly
   below it (a journal's volumes, a volume's issues, an issue's articles).

Bounded: nothing is followed further, and at most INCOMING_LIMIT links per property point in
(and as many works below a container), so a page's cost depends on the thing's neighbourhood,
never on the size of the dataset. Every lookup goes through the store's `select` and
`construct`, a fixed handful per description, so a remote store works the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Protocol

from rdflib import RDF
from rdflib import RDFS
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import SKOS
from rdflib.term import Node

from lodpub.urls import UriSpace
from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL
from lodpub.vocab import PRISM
from lodpub.vocab import PRO
from lodpub.vocab import bind_all

DEPENDENT_CLASSES = (
    PRO.RoleInTime,
    FABIO.Manifestation,
    DATACITE.Identifier,
)
SUMMARY_PROPERTIES = (
    RDF.type,
    RDFS.label,
    SKOS.prefLabel,
    DCTERMS.title,
    DCTERMS.alternative,
    FABIO.hasTranslatedTitle,
    FOAF.name,
    FOAF.familyName,
    FOAF.givenName,
    C4O.hasContent,
    FABIO.hasSequenceIdentifier,
    PRISM.publicationDate,
    DCTERMS.language,
    DCTERMS.relation,
    FRBR.partOf,
    DATACITE.usesIdentifierScheme,
    LITERAL.hasLiteralValue,
    BIRO.references,
    CITO.hasCitingEntity,
    CITO.hasCitedEntity,
    PRO.withRole,
    PRO.isHeldBy,
)


# Incoming links kept per property: an organisation may be the affiliation of thousands of
# roles, a journal the container of thousands of works; past this many, the description keeps
# the first ones (in IRI order) and says how many there are.
INCOMING_LIMIT = 1000


class Lookups(Protocol):
    """The part of lodpub.store.Store that describe needs."""

    def select(self, sparql: str) -> list[dict[str, Node]]: ...

    def construct(self, sparql: str, into: Graph | None = None) -> Graph: ...


@dataclass(frozen=True)
class Description:
    """The bounded description of one IRI, and the incoming links it leaves out: for each
    property with more than INCOMING_LIMIT links to the IRI, how many there are in all."""

    graph: Graph
    incoming_totals: dict[URIRef, int] = field(default_factory=dict)


def describe(
    store: Lookups, iri: URIRef, space: UriSpace, hash_iris: Iterable[URIRef] = ()
) -> Description:
    """The bounded description of `iri` (see the module docstring); its graph is empty when
    the data does not mention `iri`. `hash_iris` are the IRIs `<iri#…>` the data mentions
    (computed once per dataset, lodpub.catalogue). Prefixes are bound for readable
    serializations. A handful of indexed lookups, whatever the size of the dataset."""
    foci = [iri, *sorted(hash_iris)]
    crowded = _crowded_properties(store, foci)
    # One graph that each lookup adds to (copying graphs costs as much as building them), in
    # rdflib's store without contexts, which builds it in half the time.
    result = bind_all(Graph(store="SimpleMemory"), space.base)
    store.construct(_core_query(foci, tuple(crowded)), into=result)
    for prop in sorted(crowded):
        store.construct(_first_incoming_query(foci, prop), into=result)
    if len(result) == 0:
        return Description(result)
    mentioned = {n for s, _, o in result for n in (s, o) if isinstance(n, URIRef)} - set(foci)
    external = sorted(n for n in mentioned if not space.is_own(n))
    # The dataset is only linked to (void:rootResource, void:exampleResource), never
    # summarised: with its type and title, a document about a work reads as one about it.
    own = sorted(n for n in mentioned if space.is_own(n) and n != space.dataset())
    if external:
        store.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_iris(external)} }} ?s ?p ?o }}",
            into=result,
        )
    containers, related = _related(store, iri)
    store.construct(_summary_query([*own, *related], containers), into=result)
    return Description(result, crowded)


def _crowded_properties(store: Lookups, foci: Iterable[URIRef]) -> dict[URIRef, int]:
    """Properties with more than INCOMING_LIMIT links into `foci`, with their counts."""
    rows = store.select(f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{
  VALUES ?o {{ {_iris(foci)} }} ?s ?p ?o
}} GROUP BY ?p HAVING (COUNT(*) > {INCOMING_LIMIT})""")
    return {row["p"]: int(row["n"]) for row in rows}


def _core_query(foci: Iterable[URIRef], crowded: tuple[URIRef, ...]) -> str:
    iris = _iris(foci)
    focus = f"VALUES ?focus {{ {iris} }}"
    dependent = f"VALUES ?class {{ {_iris(DEPENDENT_CLASSES)} }}"
    # Links from crowded properties come from _first_incoming_query instead.
    kept = f"FILTER(?link NOT IN ({', '.join(_iri(p) for p in crowded)}))" if crowded else ""
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ VALUES ?s {{ {iris} }} ?s ?p ?o }}
  UNION {{ VALUES ?o {{ {iris} }} ?s ?link ?o . {kept} BIND(?link AS ?p) }}
  UNION {{ {focus} ?focus ?link ?s . ?s a ?class . {dependent} ?s ?p ?o }}
  UNION {{ {focus} ?s ?link ?focus . {kept} ?s a ?class . {dependent} ?s ?p ?o }}
  UNION {{ {focus} ?focus ?link ?o . ?o a ?class . {dependent} ?s ?p ?o }}
  UNION {{ {focus} ?o ?link ?focus . ?o a ?class . {dependent} ?s ?p ?o }}
}}"""


def _first_incoming_query(foci: Iterable[URIRef], prop: URIRef) -> str:
    return f"""CONSTRUCT {{ ?s {_iri(prop)} ?o }} WHERE {{
  {{ SELECT ?s ?o WHERE {{ VALUES ?o {{ {_iris(foci)} }} ?s {_iri(prop)} ?o }}
    ORDER BY ?s LIMIT {INCOMING_LIMIT} }}
}}"""


def _related(store: Lookups, iri: URIRef) -> tuple[list[URIRef], list[URIRef]]:
    """The containers above `iri` (issue → volume → journal), and what else its page names:
    the containers, their identifiers and what lies directly below `iri`."""
    focus = _iri(iri)
    rows = store.select(f"""SELECT ?s ?above WHERE {{
  {{ {focus} <{FRBR.partOf}>+ ?s BIND(true AS ?above) }}
  UNION {{ {focus} <{FRBR.partOf}>+/<{DATACITE.hasIdentifier}> ?s }}
  UNION {{ SELECT ?s WHERE {{ ?s <{FRBR.partOf}> {focus} }} ORDER BY ?s LIMIT {INCOMING_LIMIT} }}
}}""")
    containers = sorted({row["s"] for row in rows if "above" in row})
    return containers, sorted({row["s"] for row in rows})


def _summary_query(nodes: Iterable[URIRef], containers: Iterable[URIRef]) -> str:
    """Summaries of `nodes`, and the identifiers of `containers` (the journal's ISSN).

    The subjects come from VALUES and the properties are filtered: with the properties as
    VALUES too (or the subjects from a path), Oxigraph scans every triple of those
    properties (measured on the article's summary: 30 ms at one article and at 100 this way,
    625 ms at 100 the other way)."""
    properties = ", ".join(_iri(p) for p in SUMMARY_PROPERTIES)
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ VALUES ?s {{ {_iris(nodes)} }} ?s ?p ?o FILTER(?p IN ({properties})) }}
  UNION {{ VALUES ?s {{ {_iris(containers)} }} ?s <{DATACITE.hasIdentifier}> ?o
           BIND(<{DATACITE.hasIdentifier}> AS ?p) }}
}}"""


def _iris(nodes: Iterable[Node]) -> str:
    return " ".join(_iri(n) for n in nodes)


def _iri(node: Node) -> str:
    return f"<{_checked(node)}>"


def _checked(node: Node) -> str:
    """`node` as a string safe inside a SPARQL IRI term; raises ValueError for anything that
    could break out of it (urls.thing refuses such paths before they get here)."""
    if not isinstance(node, URIRef) or any(c in str(node) for c in '<>"{}|\\^` \n'):
        raise ValueError(f"not a safe IRI: {node!r}")
    return str(node)

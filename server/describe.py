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

A store built by `lodpub load` gives from tables it precomputed what a store on disk answers
slowly (RocksDB reads the text of every term of an answer, some 3 µs each): the summaries
(Store.summaries), the triples of an outside IRI and of the thing and its dependent nodes
(Store.outgoing, Store.neighbourhood), which nodes those are and which properties link into
the thing more than INCOMING_LIMIT times; it is asked only for the links into the thing and
its dependent nodes. Other stores (in memory, a build by an older lodpub) answer queries,
and so does a build for a thing with hash IRIs or crowded properties, whose core lookup
keeps only some of the links in.

Bounded: nothing is followed further, at most INCOMING_LIMIT links per property point in (and
as many works below a container), and at most HASH_INCOMING_LIMIT links in all point into the
hash IRIs below the thing (every journal's ISSN names `dataset#journal-lists` as its source:
the document of `dataset` shows the first of them, with their dependent nodes). So a page's
cost depends on the thing's neighbourhood, never on the size of the dataset. Every lookup
goes through the store's interface (Lookups), a fixed handful per description: a store
without precomputed tables answers `summaries`, `outgoing` and `neighbourhood` by leaving
everything to the queries, so any store that answers SPARQL works the same. A lookup
starts from the thing (dependent nodes are picked by a FILTER on their class, not by a
VALUES list of classes, from which Oxigraph would scan every instance of those classes:
1.2 s instead of 1 ms at 100 articles).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Protocol

from rdflib import RDF
from rdflib import RDFS
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
from lodpub.vocab import Triple

if TYPE_CHECKING:
    from lodpub.store import Neighbourhood

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
# the first ones the store's index gives and says how many there are (the page and a Link
# header point to a SPARQL query listing them all, in IRI order). Each kept link costs a page
# about 1.5 ms (a role with its work's summary): an author with 1,000 roles took 1.6 s.
INCOMING_LIMIT = 100
# Incoming links kept into the hash IRIs below a thing (all of them together), in the
# store's index order: enough to show what points there, few enough that the document of
# `dataset` costs the same at ten thousand articles as at one.
HASH_INCOMING_LIMIT = 20


class Lookups(Protocol):
    """The part of lodpub.store.Store that describe needs (`triples` gives each triple once)."""

    def select(self, sparql: str) -> list[dict[str, Node]]: ...

    def triples(self, sparql: str) -> list[Triple]: ...

    def summaries(
        self, nodes: Sequence[URIRef], properties: Sequence[URIRef]
    ) -> tuple[list[Triple], list[URIRef]]: ...

    def outgoing(self, nodes: Sequence[URIRef]) -> tuple[list[Triple], list[URIRef]]: ...

    def neighbourhood(
        self, node: URIRef, classes: Sequence[URIRef], limit: int
    ) -> Neighbourhood | None: ...


@dataclass(frozen=True)
class Description:
    """The bounded description of one IRI (its triples, each once), and the incoming links
    it leaves out: for each property with more than INCOMING_LIMIT links to the IRI, how
    many there are in all."""

    triples: list[Triple]
    incoming_totals: dict[URIRef, int] = field(default_factory=dict)


def describe(
    store: Lookups, iri: URIRef, space: UriSpace, hash_iris: Iterable[URIRef] = ()
) -> Description:
    """The bounded description of `iri` (see the module docstring); it has no triples when
    the data does not mention `iri`. `hash_iris` are the IRIs `<iri#…>` the data mentions
    (computed once per dataset, lodpub.catalogue). A handful of indexed lookups, whatever
    the size of the dataset."""
    hashes = sorted(hash_iris)
    foci = [iri, *hashes]
    near = store.neighbourhood(iri, DEPENDENT_CLASSES, INCOMING_LIMIT)
    crowded = near.crowded if near is not None else _crowded_properties(store, iri)
    if near is not None and not crowded and not hashes:
        result = near.triples + store.triples(_incoming_query(iri, near.dependents, near.asked))
    else:
        result = store.triples(_core_query(iri, hashes, tuple(crowded)))
    for prop in sorted(crowded):
        result += _first_incoming(store, iri, prop)
    if not result:
        return Description(result)
    mentioned = {n for s, _, o in result for n in (s, o) if isinstance(n, URIRef)} - set(foci)
    # The dataset is only linked to (void:rootResource, void:exampleResource), never
    # summarised: with its type and title, a document about a work reads as one about it.
    mentioned.discard(space.dataset())
    own: list[URIRef] = []
    external: list[URIRef] = []
    # Sorted as text (the same order as rdflib's, which compares IRIs in Python).
    for node in sorted(mentioned, key=str):
        (own if space.is_own(node) else external).append(node)
    result += _outgoing(store, external)
    related, identifiers = _related(store, iri)
    summary = identifiers + _summaries(store, [*own, *related])
    # Each lookup gives its triples once; a triple two of them found is kept once. A summary
    # triple can repeat one found before only if its subject was met before: only those are
    # looked up, as hashing a triple with a literal runs rdflib's Literal.__hash__ in Python
    # (half of the 0.2 ms it took to put the article's 611 triples in a dict).
    kept = list(dict.fromkeys(result))
    seen, subjects = set(kept), {s for s, _, _ in kept}
    kept += [t for t in summary if t[0] not in subjects or t not in seen]
    return Description(kept, crowded)


def _crowded_properties(store: Lookups, iri: URIRef) -> dict[URIRef, int]:
    """Properties with more than INCOMING_LIMIT links into `iri`, with their counts."""
    rows = store.select(f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{
  ?s ?p {_iri(iri)}
}} GROUP BY ?p HAVING (COUNT(*) > {INCOMING_LIMIT})""")
    return {row["p"]: int(row["n"]) for row in rows}


def _core_query(iri: URIRef, hashes: Sequence[URIRef], crowded: tuple[URIRef, ...]) -> str:
    foci = _iris([iri, *hashes])
    focus = f"VALUES ?focus {{ {foci} }}"
    dependent = _DEPENDENT
    # Links from crowded properties, and what the dependent nodes among their subjects hold,
    # come from _first_incoming instead.
    kept = f"FILTER(?link NOT IN ({', '.join(_iri(p) for p in crowded)}))" if crowded else ""
    # The first links into the hash IRIs, and the triples of and into their dependent nodes.
    first = f"SELECT ?d ?link ?h WHERE {{ VALUES ?h {{ {_iris(hashes)} }} ?d ?link ?h }}"
    into_hashes = (
        f"""UNION {{ {{ {first} LIMIT {HASH_INCOMING_LIMIT} }} BIND(?d AS ?s) BIND(?link AS ?p)
           BIND(?h AS ?o) }}
  UNION {{ {{ {first} LIMIT {HASH_INCOMING_LIMIT} }} ?d a ?class . {dependent}
           {{ ?d ?p ?o BIND(?d AS ?s) }} UNION {{ ?s ?p ?d BIND(?d AS ?o) }} }}"""
        if hashes
        else ""
    )
    # Each dependent node is found once, for its triples and the triples into it, as for the
    # hash IRIs' (four branches, each finding them again, took 1.0 ms instead of 0.7 in memory
    # and 4.4 instead of 3.3 on disk for the article).
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ VALUES ?s {{ {foci} }} ?s ?p ?o }}
  UNION {{ ?s ?link {_iri(iri)} . {kept} BIND(?link AS ?p) BIND({_iri(iri)} AS ?o) }}
  {into_hashes}
  UNION {{ {{ {{ {focus} ?focus ?link ?d }} UNION {{ ?d ?link {_iri(iri)} . {kept} }} }}
           ?d a ?class . {dependent}
           {{ ?d ?p ?o BIND(?d AS ?s) }} UNION {{ ?s ?p ?d BIND(?d AS ?o) }} }}
}}"""


def _incoming_query(iri: URIRef, dependents: Sequence[URIRef], asked: Sequence[URIRef]) -> str:
    """The rest of the core query's triples when the store gave those of `iri` and its
    `dependents` (Store.neighbourhood) but for the `asked` ones: the triples into `iri` and
    into its dependent nodes, and those of the asked nodes."""
    focus = _iri(iri)
    into = f"UNION {{ VALUES ?o {{ {_iris(dependents)} }} ?s ?p ?o }}" if dependents else ""
    of_asked = f"UNION {{ VALUES ?s {{ {_iris(asked)} }} ?s ?p ?o }}" if asked else ""
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ ?s ?p {focus} BIND({focus} AS ?o) }}
  {into}
  {of_asked}
}}"""


def _first_incoming(store: Lookups, iri: URIRef, prop: URIRef) -> list[Triple]:
    """The first INCOMING_LIMIT links `prop` into `iri` in the store's index order and, for
    those of their subjects that are dependent nodes (an author's roles), the triples of and
    into them, as the core query gives them for the links it keeps: so an author's page shows
    some of its roles with their works, and no more of them. Not the first in IRI order: to
    sort them the store reads every one (238 ms for an author with 1,500 roles on disk, 2.5 ms
    for the first hundred the index gives). Two lookups, the subjects of the second from
    VALUES in each branch: with the first links as a sub-select, or VALUES outside the UNION,
    Oxigraph read the dependent nodes of all of them (55 ms for an author with 1,500 roles)."""
    rows = store.select(
        f"SELECT ?s WHERE {{ ?s {_iri(prop)} {_iri(iri)} FILTER(isIRI(?s)) }} "
        f"LIMIT {INCOMING_LIMIT}"
    )
    first = [row["s"] for row in rows]
    if not first:
        return []
    first_links = f"VALUES ?s {{ {_iris(first)} }}"
    dependent = f"?s a ?class {_DEPENDENT}"
    template = f"?s {_iri(prop)} {_iri(iri)} . ?s ?p ?o . ?x ?q ?s"
    return store.triples(f"""CONSTRUCT {{ {template} }} WHERE {{
  {{ {first_links} }}
  UNION {{ {first_links} {dependent} ?s ?p ?o }}
  UNION {{ {first_links} {dependent} ?x ?q ?s }}
}}""")


def _related(store: Lookups, iri: URIRef) -> tuple[list[URIRef], list[Triple]]:
    """What else the page of `iri` names: the containers above it (issue → volume →
    journal), their identifiers and what lies directly below it; and the triples linking
    the containers to their identifiers (the journal's ISSN)."""
    focus = _iri(iri)
    rows = store.select(f"""SELECT ?s ?container WHERE {{
  {{ {focus} <{FRBR.partOf}>+ ?s }}
  UNION {{ {focus} <{FRBR.partOf}>+ ?container . ?container <{DATACITE.hasIdentifier}> ?s }}
  UNION {{ SELECT ?s WHERE {{ ?s <{FRBR.partOf}> {focus} }} ORDER BY ?s LIMIT {INCOMING_LIMIT} }}
}}""")
    identifiers = [
        (row["container"], DATACITE.hasIdentifier, row["s"]) for row in rows if "container" in row
    ]
    return sorted({row["s"] for row in rows}), identifiers


def _outgoing(store: Lookups, nodes: list[URIRef]) -> list[Triple]:
    """Every triple of `nodes` (IRIs outside the publication): those the store holds
    precomputed, and the others from a query."""
    if not nodes:
        return []
    found, asked = store.outgoing(nodes)
    if asked:
        found += store.triples(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_iris(asked)} }} ?s ?p ?o }}"
        )
    return found


def _summaries(store: Lookups, nodes: list[URIRef]) -> list[Triple]:
    """The SUMMARY_PROPERTIES triples of `nodes`: those the store holds precomputed, and the
    others from a query. There the subjects' triples come from a sub-select of VALUES, joined to
    the properties as VALUES: the sub-select makes Oxigraph read the subjects' triples first
    (0.5 ms less for the article's summary than a FILTER on the properties). With both as
    VALUES in one group (or the subjects from a path), Oxigraph scans every triple of those
    properties instead (measured when the properties were a FILTER: the article's summary
    took 30 ms at one article and at 100 with the subjects as VALUES, 625 ms at 100 from a
    path)."""
    if not nodes:
        return []
    found, asked = store.summaries(nodes, SUMMARY_PROPERTIES)
    if asked:
        found += store.triples(f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ SELECT * WHERE {{ VALUES ?s {{ {_iris(asked)} }} ?s ?p ?o }} }}
  VALUES ?p {{ {_SUMMARY_PROPERTIES} }}
}}""")
    return found


# ?class is one of DEPENDENT_CLASSES (a FILTER, not VALUES: see the module docstring).
_DEPENDENT = f"FILTER(?class IN ({', '.join(f'<{c}>' for c in DEPENDENT_CLASSES)}))"
_SUMMARY_PROPERTIES = " ".join(f"<{p}>" for p in SUMMARY_PROPERTIES)


def _iris(nodes: Iterable[Node]) -> str:
    return " ".join(_iri(n) for n in nodes)


def _iri(node: Node) -> str:
    return f"<{_checked(node)}>"


def _checked(node: Node) -> str:
    """`node` as a string safe inside a SPARQL IRI term; raises ValueError for anything that
    could break out of it (urls.thing refuses such paths before they get here)."""
    if not isinstance(node, URIRef) or _UNSAFE.search(node):
        raise ValueError(f"not a safe IRI: {node!r}")
    return str(node)


_UNSAFE = re.compile(r'[<>"{}|\\^` \n]')

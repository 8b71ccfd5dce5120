"""The bounded description of one IRI: what its document holds (issue #4).

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
   journal, with the containers' identifiers: the journal's ISSN) and of what lies below it
   (a journal's volumes, issues and articles).

Bounded: nothing is followed further, so no page carries the whole dataset. Every query goes
through the store's `construct`, so a remote store works the same.
"""

from __future__ import annotations

from collections.abc import Iterable
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


class Constructs(Protocol):
    """The part of lodpub.store.Store that describe needs."""

    def construct(self, sparql: str) -> Graph: ...


def describe(store: Constructs, iri: URIRef, space: UriSpace) -> Graph:
    """The bounded description of `iri` (see the module docstring); empty when the data does
    not mention `iri`. Prefixes are bound for readable serializations."""
    hashed = store.construct(_hash_subjects_query(iri))
    foci = [iri, *sorted({s for s in hashed.subjects() if isinstance(s, URIRef)})]
    core = store.construct(_core_query(foci))
    result = bind_all(Graph(), space.base)
    result += core
    if len(core) == 0:
        return result
    mentioned = {n for s, _, o in core for n in (s, o) if isinstance(n, URIRef)} - set(foci)
    external = sorted(n for n in mentioned if not space.is_own(n))
    # The dataset is only linked to (void:rootResource, void:exampleResource), never
    # summarised: with its type and title, a document about a work reads as one about it.
    own = sorted(n for n in mentioned if space.is_own(n) and n != space.dataset())
    if external:
        result += store.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_iris(external)} }} ?s ?p ?o }}"
        )
    result += store.construct(_summary_query(iri, own))
    return result


def _hash_subjects_query(iri: URIRef) -> str:
    """The triples whose subject is a hash IRI of `iri` (`<dataset#journal-lists>`)."""
    prefix = _checked(URIRef(f"{iri}#"))
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{prefix}"))
}}"""


def _core_query(foci: Iterable[URIRef]) -> str:
    iris = _iris(foci)
    focus = f"VALUES ?focus {{ {iris} }}"
    dependent = f"VALUES ?class {{ {_iris(DEPENDENT_CLASSES)} }}"
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ VALUES ?s {{ {iris} }} ?s ?p ?o }}
  UNION {{ VALUES ?o {{ {iris} }} ?s ?p ?o }}
  UNION {{ {focus} ?focus ?link ?s . ?s a ?class . {dependent} ?s ?p ?o }}
  UNION {{ {focus} ?s ?link ?focus . ?s a ?class . {dependent} ?s ?p ?o }}
  UNION {{ {focus} ?focus ?link ?o . ?o a ?class . {dependent} ?s ?p ?o }}
  UNION {{ {focus} ?o ?link ?focus . ?o a ?class . {dependent} ?s ?p ?o }}
}}"""


def _summary_query(iri: URIRef, nodes: Iterable[URIRef]) -> str:
    """Summaries of `nodes`, of the containers above `iri` (with their identifiers) and of
    everything below it (a journal's volumes, issues and works)."""
    focus = _iri(iri)
    properties = f"VALUES ?p {{ {_iris(SUMMARY_PROPERTIES)} }}"
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ VALUES ?s {{ {_iris(nodes)} }} ?s ?p ?o . {properties} }}
  UNION {{ {focus} <{FRBR.partOf}>+ ?s . ?s ?p ?o . {properties} }}
  UNION {{ ?s <{FRBR.partOf}>+ {focus} . ?s ?p ?o . {properties} }}
  UNION {{ {focus} <{FRBR.partOf}>+ ?s . VALUES ?p {{ <{DATACITE.hasIdentifier}> }} ?s ?p ?o }}
  UNION {{ {focus} <{FRBR.partOf}>+/<{DATACITE.hasIdentifier}> ?s . ?s ?p ?o . {properties} }}
}}"""


def _iris(nodes: Iterable[Node]) -> str:
    return " ".join(_iri(n) for n in nodes)


def _iri(node: Node) -> str:
    return f"<{_checked(node)}>"


def _checked(node: Node) -> str:
    """`node` as a string safe inside a SPARQL IRI term or string literal; raises ValueError
    for anything that could break out of either (urls.thing refuses such paths before they
    get here)."""
    if not isinstance(node, URIRef) or any(c in str(node) for c in '<>"{}|\\^` \n'):
        raise ValueError(f"not a safe IRI: {node!r}")
    return str(node)

"""JSON-LD, in two forms: the schema.org JSON-LD of a work's page, read from a description
with the ontology's schema.org mappings (metadata.Mapper), its context inline (`@vocab`
schema.org) so that it expands offline; and a description's triples compacted with lodpub's
prefixes as the context (`compacted`), the JSON-LD document of every thing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import OWL
from rdflib.namespace import RDF
from rdflib.namespace import XSD
from rdflib.term import Node

from lodpub.labels import language_code
from lodpub.metadata import Mapper
from lodpub.pages.reader import TYPE_KEY
from lodpub.pages.reader import Reader
from lodpub.record import ISSN_SCHEMES
from lodpub.record import Record
from lodpub.record import Text
from lodpub.vocab import FRBR
from lodpub.vocab import PRO
from lodpub.vocab import SCHEMA
from lodpub.vocab import Triple

# Inline, so that the JSON-LD expands without fetching schema.org's context: authors keep
# their order as an RDF list, links are IRIs rather than strings.
CONTEXT = {
    "@vocab": str(SCHEMA),
    "author": {"@container": "@list"},
    "sameAs": {"@type": "@id"},
    "url": {"@type": "@id"},
    "license": {"@type": "@id"},
    "sdLicense": {"@type": "@id"},
}


def schema_org(
    read: Reader,
    ontology: Graph,
    work: URIRef,
    url: str,
    rec: Record,
    metadata_licence: str | None,
) -> dict[str, Any]:
    """schema.org JSON-LD for `work` (whose record is `rec`) with an inline context: type,
    names, `headline`, dates, authors in order with affiliations, publisher, isPartOf issue →
    volume → periodical with ISSN, pages, and `citation` for every cited work in
    reference-list order. `license` only where the data gives the work one; `sdLicense` is
    the licence of this structured data, `metadata_licence` (the dataset's). Nothing says
    `isAccessibleForFree`: the data does not state it."""
    m = Mapper(read, ontology)
    node = _schema_node(m, work)
    node["url"] = url
    if rec.title is not None:
        node["headline"] = _text_value(rec.title)
    if rec.licence is not None:
        node["license"] = rec.licence
    if metadata_licence is not None:
        node["sdLicense"] = metadata_licence
    embodiment = m.read.value(work, FRBR.embodiment)
    if embodiment is not None:
        node.update(_literal_properties(m, embodiment))
    for role_term, role_property in ((PRO.author, "author"), (PRO.publisher, "publisher")):
        agents = [_schema_agent(m, r) for r in m.read.roles(work, role_term)]
        if agents:
            node[m.schema_term(role_term) or role_property] = agents
    chain = m.read.containers(work)
    if chain:
        node["isPartOf"] = _schema_container(m, chain)
    cited = m.read.cited_works(work)
    if cited:
        node["citation"] = [_schema_node(m, c) for c in cited]
    return {"@context": CONTEXT, **node}


def _schema_node(m: Mapper, node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"@id": str(node), "@type": m.schema_type(node)}
    out.update(_literal_properties(m, node))
    # The node's own index entry, read by the text of the properties (Reader.outgoing): a
    # work's JSON-LD describes some forty nodes.
    held = m.read.outgoing(node)
    language = held.get(_LANGUAGE_KEY)
    code = language_code(language[0]) if language else None
    if code:
        out[m.schema_term(DCTERMS.language) or "inLanguage"] = code
    # The identifiers' resolver pages and the links to other datasets (data/links.ttl).
    links = sorted(str(o) for p in _LINK_KEYS for o in held.get(p, ()))
    if links:
        out[m.schema_term(DCTERMS.relation) or "sameAs"] = links
    return out


# Keys of Reader.outgoing (the properties' text), made once.
_LANGUAGE_KEY = str(DCTERMS.language)
_LINK_KEYS = (str(DCTERMS.relation), str(OWL.sameAs))


def _literal_properties(m: Mapper, node: Node) -> dict[str, Any]:
    return {
        term: _json_value(found[0]) if len(found) == 1 else [_json_value(lit) for lit in found]
        for term, found in m.literals(node).items()
    }


def _schema_agent(m: Mapper, role: Node) -> dict[str, Any]:
    holder = m.read.value(role, PRO.isHeldBy)
    out = _schema_node(m, holder) if holder is not None else {"@type": "Thing"}
    organisations = sorted(m.read.objects(role, PRO.relatesToOrganization))
    if organisations:
        out[m.schema_term(PRO.relatesToOrganization) or "affiliation"] = [
            _schema_node(m, org) for org in organisations
        ]
    return out


def _schema_container(m: Mapper, chain: list[Node]) -> dict[str, Any]:
    """Nested isPartOf: the issue holds its volume, which holds the periodical."""
    node = chain[0]
    out = _schema_node(m, node)
    number = out.pop("position", None)
    kind = out["@type"]
    if number is not None and kind in ("PublicationIssue", "PublicationVolume"):
        out["issueNumber" if kind == "PublicationIssue" else "volumeNumber"] = number
    issn = m.read.identifier_values(node, ISSN_SCHEMES)
    if issn:
        out["issn"] = issn
    if len(chain) > 1:
        out["isPartOf"] = _schema_container(m, chain[1:])
    return out


def _text_value(text: Text) -> Any:
    return {"@value": text.value, "@language": text.language} if text.language else text.value


def _json_value(lit: Literal) -> Any:
    if lit.language:
        return {"@value": str(lit), "@language": lit.language}
    if isinstance(lit.value, bool):
        return lit.value
    return str(lit)


def compacted(triples: Iterable[Triple], context: Mapping[str, str]) -> dict[str, Any]:
    """`triples` (each once) as JSON-LD compacted with `context` (prefixes only): what JSON-LD's
    RDF to JSON-LD algorithm (native types and `rdf:type` as a property off) followed by
    compaction with `context` gives, written straight from the triples (rdflib's writer takes
    ten times as long). IRIs become compact IRIs where a prefix fits (the shortest, then the
    least); one value stays single, several make an array; nodes are ordered by `@id`, and
    one node alone is the document itself; a property's values are ordered by their JSON
    text (_order). Raises ValueError for RDF lists, which that algorithm would turn into
    `@list`: this writer does not."""
    compact = _Compactor(context)
    nodes: dict[str, dict[str, list[Any]]] = {}
    # Compared and looked up as plain strings: rdflib compares its terms in Python.
    for s, p, o in triples:
        predicate = str(p)
        if predicate in _LIST_PROPERTIES:
            raise ValueError("compacted() does not write RDF lists")
        subject = _node_id(s)
        node = nodes.get(subject)
        if node is None:
            node = nodes[subject] = {"@id": [compact.node(s, vocab=False)]}
        if predicate == TYPE_KEY and not isinstance(o, Literal):
            node.setdefault("@type", []).append(compact.node(o, vocab=True))
        else:
            node.setdefault(compact.iri(predicate, vocab=True), []).append(compact.value(o))
    graph = [
        {
            key: values[0] if len(values) == 1 else sorted(values, key=_order)
            for key, values in node.items()
        }
        for _, node in sorted(nodes.items())
    ]
    if len(graph) == 1:
        return {"@context": dict(context), **graph[0]}
    return {"@context": dict(context), "@graph": graph}


def _order(value: Any) -> str:
    """Where a value stands among a property's values: by its JSON text, so that a document
    lists them in the same order whatever order the store gave the triples in (a store in
    memory and one on disk give them differently)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_LIST_PROPERTIES = (str(RDF.first), str(RDF.rest))
_XSD_STRING = str(XSD.string)


def _node_id(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


class _Compactor:
    """IRI and value compaction (JSON-LD 1.1 API §6.2 and §6.4) for a context of prefixes,
    each IRI worked out once (a document names the same properties and classes many times)."""

    def __init__(self, context: Mapping[str, str]) -> None:
        self.prefixes = sorted(context.items())
        self._done: dict[tuple[str, bool], str] = {}

    def iri(self, iri: str, vocab: bool) -> str:
        """The prefix itself for a property or type IRI equal to its IRI, else the shortest
        (then least) compact IRI; the IRI itself when no prefix fits."""
        key = (str(iri), vocab)
        found = self._done.get(key)
        if found is None:
            found = self._done[key] = self._compacted(*key)
        return found

    def _compacted(self, iri: str, vocab: bool) -> str:
        best = None
        for prefix, namespace in self.prefixes:
            if iri == namespace and vocab:
                return prefix
            if iri.startswith(namespace) and iri != namespace:
                candidate = f"{prefix}:{iri[len(namespace) :]}"
                if best is None or (len(candidate), candidate) < (len(best), best):
                    best = candidate
        return best or iri

    def node(self, node: Node, vocab: bool) -> str:
        return f"_:{node}" if isinstance(node, BNode) else self.iri(node, vocab)

    def value(self, node: Node) -> Any:
        if not isinstance(node, Literal):
            return {"@id": self.node(node, vocab=False)}
        if node.language:
            return {"@language": node.language, "@value": str(node)}
        if node.datatype is None or str(node.datatype) == _XSD_STRING:
            return str(node)
        return {"@type": self.iri(node.datatype, vocab=True), "@value": str(node)}

"""The one reader of a description (describe.py): every page, record and export reads the graph
of one entity through it.

A `Reader` indexes the graph's triples once by subject (and by object when the links into a
node are first asked for), so that each lookup afterwards is a dictionary access instead of
a search of rdflib's store, and owns the walks that the page model (lodpub.pages.build),
the bibliographic record (lodpub.record) and the schema.org mapping (lodpub.jsonld) all
need: roles in byline order (`oco:hasNext`), the containers above a work, the printed
reference list, identifiers with the link that resolves each, and page ranges. Values keep
the order of the graph's triples where the callers do not sort them, so that a page reads
the same as when it was built on rdflib's graph directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import RDF
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL
from lodpub.vocab import OCO
from lodpub.vocab import PRISM
from lodpub.vocab import PRO
from lodpub.vocab import Triple

# SPAR's media type IRIs (dcterms:format of an embodiment): the IANA name follows.
MEDIA_TYPES = "https://w3id.org/spar/mediatype/"

# The links from a work to the nodes its record is read from: containers (issue → volume →
# journal), embodiments and their web copies, author and publisher roles, the agents holding
# them and their organisations, identifiers. A graph holding every triple of a work and of
# the nodes these reach is all the reader needs for the work's record (OAI-PMH gathers
# exactly that for many works at once).
RECORD_LINKS = (
    FRBR.partOf,
    FRBR.embodiment,
    FRBR.exemplar,
    PRO.isDocumentContextFor,
    PRO.isHeldBy,
    PRO.relatesToOrganization,
    DATACITE.hasIdentifier,
)


@dataclass(frozen=True)
class Identifier:
    """One identifier of a node: its DataCite scheme, its value, and the link in the data
    that resolves it (the DOI's or the ISSN portal's page), if there is one."""

    scheme: URIRef
    value: str
    resolver: URIRef | None


# Not frozen: a frozen dataclass sets each field through object.__setattr__ (its __init__
# takes three times as long), and a reference list has dozens. Nothing changes one once made.
@dataclass(slots=True)
class ListedReference:
    """One entry of a work's printed reference list: the reference node, its number as
    printed (empty when the data gives none), the line as printed and the work it cites."""

    node: Node
    number: str
    content: str
    cited: Node | None


@dataclass(frozen=True)
class PageRange:
    """The pages a work occupies in print, as the data states them."""

    first: str | None
    last: str | None

    def __str__(self) -> str:
        """`381–392`, or the first page alone."""
        return f"{self.first}–{self.last}" if self.last is not None else str(self.first)


class Reader:
    """One description's triples (each once: a list, or an rdflib Graph), indexed for
    lookups, with the walks every reader of it needs.

    The index is keyed by the terms' text: rdflib hashes and compares its terms in Python,
    plain strings are hashed and compared in C, and a page makes a few thousand lookups.
    Literals are never looked up as subjects or objects of incoming links, so they are kept
    as values only."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        # Kept for the links into nodes, found when first asked for (`_links_into`).
        self._triples = triples if isinstance(triples, list) else list(triples)
        self._out: dict[str, dict[str, list[Node]]] = {}
        # The subjects linking to a node by predicate, by the node's text: to the first node
        # asked about, then (`_all_in`) to every node.
        self._in: dict[str, dict[str, list[Node]]] = {}
        self._all_in = False
        # The terms behind the keys, for the lookups that answer with predicates or subjects.
        self._terms: dict[str, Node] = {}
        # Each subject's rdf:types, for `is_a` (a page asks it some two hundred times).
        self._types: dict[str, set[str]] = {}
        # Each work's reference list, sorted once: the page, its picture, the record and the
        # JSON-LD all walk it.
        self._reference_lists: dict[Node, list[ListedReference]] = {}
        self._identifiers: dict[str, list[Identifier]] = {}
        self._roles: dict[tuple[str, str], list[Node]] = {}
        # One pass, each dictionary, list and set made when its key is first met (setdefault
        # makes and drops one of each per triple): a page's description has some 500 triples.
        # A lookup lists a subject's triples together, and keeps the terms it makes (one
        # object per IRI): a subject is looked up once per run of its triples, a predicate's
        # text is made once per object (a description joins several lookups, so there are
        # a few runs and objects more; the answers are the same).
        out, terms, types = self._out, self._terms, self._types
        predicates: dict[Node, str] = {}
        last: Node | None = None
        subject, by_predicate = "", {}
        for s, p, o in self._triples:
            if s is not last:
                last, subject = s, str(s)
                by_predicate = out.get(subject)
                if by_predicate is None:
                    by_predicate = out[subject] = {}
                    terms[subject] = s
            predicate = predicates.get(p)
            if predicate is None:
                predicate = predicates[p] = str(p)
                terms[predicate] = p
            objects = by_predicate.get(predicate)
            if objects is None:
                by_predicate[predicate] = [o]
            else:
                objects.append(o)
            if predicate == TYPE_KEY:
                found = types.get(subject)
                if found is None:
                    types[subject] = {str(o)}
                else:
                    found.add(str(o))

    def _links_into(self, obj: Node) -> Mapping[str, list[Node]]:
        """The subjects linking to `obj`, by the predicate's text.

        Found when first asked for, not with the index of the objects: the record and the
        JSON-LD never ask, and most pages only about their own thing, whose links one pass
        over the triples finds in a third of the time indexing every node's takes. When a
        second node is asked about (an agent's roles, a journal's volumes), every node's are
        indexed."""
        key = str(obj)
        found = self._in.get(key)
        if found is not None or self._all_in:
            return found or _NONE
        if not self._in:
            found = self._in[key] = self._scan_links_into(key)
            return found
        self._in, self._all_in = self._index_links_in(), True
        return self._in.get(key, _NONE)

    def _scan_links_into(self, key: str) -> dict[str, list[Node]]:
        found: dict[str, list[Node]] = {}
        for s, p, o in self._triples:
            # Literals never link (is_literal, inline: this loop runs once per triple).
            if type(o) is not Literal and str(o) == key:
                found.setdefault(str(p), []).append(s)
        return found

    def _index_links_in(self) -> dict[str, dict[str, list[Node]]]:
        # Each dictionary and list made when its key is first met, as in __init__.
        into: dict[str, dict[str, list[Node]]] = {}
        predicates: dict[Node, str] = {}
        for s, p, o in self._triples:
            if type(o) is Literal:  # is_literal, inline: this loop runs once per triple
                continue
            predicate = predicates.get(p)
            if predicate is None:
                predicate = predicates[p] = str(p)
            obj = str(o)
            by_object = into.get(obj)
            if by_object is None:
                into[obj] = {predicate: [s]}
                continue
            subjects = by_object.get(predicate)
            if subjects is None:
                by_object[predicate] = [s]
            else:
                subjects.append(s)
        return into

    # --- lookups -------------------------------------------------------------------------

    def objects(self, subject: Node | None, predicate: Node) -> list[Node]:
        """The objects of (subject, predicate, ?); none for a missing subject."""
        if subject is None:
            return []
        return list(self._out.get(str(subject), _NONE).get(str(predicate), ()))

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        return list(self._links_into(obj).get(str(predicate), ()))

    def value(self, subject: Node | None, predicate: Node) -> Node | None:
        """One object of (subject, predicate, ?), None when there is none."""
        if subject is None:
            return None
        found = self._out.get(str(subject), _NONE).get(str(predicate))
        return found[0] if found else None

    def has(self, subject: Node, predicate: Node, obj: Node) -> bool:
        return obj in self._out.get(str(subject), _NONE).get(str(predicate), ())

    def mentions(self, predicate: Node, obj: Node) -> bool:
        """Whether anything links to `obj` with `predicate`."""
        return bool(self._links_into(obj).get(str(predicate)))

    def outgoing(self, subject: Node) -> Mapping[str, list[Node]]:
        """The subject's objects keyed by the predicate IRI's text: the index itself, not to be
        changed, for the callers that look up many predicates of one subject (a dictionary
        access each, where `value` and `objects` make the keys' text again)."""
        return self._out.get(str(subject), _NONE)

    def properties(self, subject: Node) -> dict[Node, list[Node]]:
        """The subject's objects by predicate."""
        found = self._out.get(str(subject), _NONE)
        return {self._terms[p]: list(objects) for p, objects in found.items()}

    def links_in(self, obj: Node) -> dict[Node, list[Node]]:
        """The subjects that link to `obj`, by predicate."""
        found = self._links_into(obj)
        return {self._terms[p]: list(subjects) for p, subjects in found.items()}

    def subjects_with(self, predicate: Node) -> set[Node]:
        """Every subject that has `predicate`."""
        key = str(predicate)
        return {self._terms[s] for s, by_predicate in self._out.items() if key in by_predicate}

    def is_a(self, node: Node, *classes: URIRef) -> bool:
        """Whether `node` has any of `classes` as its rdf:type."""
        types = self._types.get(str(node))
        if types is None:
            return False
        # A loop, not `isdisjoint(map(str, classes))` nor any() of a generator: a page asks
        # some two hundred times, mostly of one class, and this takes a third less.
        for cls in classes:  # noqa: SIM110
            if str(cls) in types:
                return True
        return False

    # --- walks ---------------------------------------------------------------------------

    def roles(self, work: Node, role: URIRef) -> list[Node]:
        """The work's agent roles of kind `role`, in `oco:hasNext` order (then any
        unchained)."""
        # Walked once per work and kind: the page, the record and the JSON-LD each ask.
        key = (str(work), str(role))
        found = self._roles.get(key)
        if found is None:
            found = self._roles[key] = self._ordered_roles(work, role)
        return list(found)

    def _ordered_roles(self, work: Node, role: URIRef) -> list[Node]:
        roles = self.objects(work, PRO.isDocumentContextFor)
        found = [r for r in roles if self.has(r, PRO.withRole, role)]
        following = {self.value(r, OCO.hasNext) for r in found}
        ordered: list[Node] = []
        node = next((r for r in sorted(found) if r not in following), None)
        while node is not None and node not in ordered:
            ordered.append(node)
            node = self.value(node, OCO.hasNext)
        return ordered + sorted(r for r in found if r not in ordered)

    def containers(self, node: Node) -> list[Node]:
        """The chain `node` is part of, nearest first (issue, volume, journal)."""
        chain: list[Node] = []
        above = self.value(node, FRBR.partOf)
        while above is not None and above not in chain:
            chain.append(above)
            above = self.value(above, FRBR.partOf)
        return chain

    def reference_list(self, work: Node) -> list[ListedReference]:
        """The work's reference list in printed order (by number, numbers as numbers)."""
        if work not in self._reference_lists:
            self._reference_lists[work] = self._sorted_references(work)
        return list(self._reference_lists[work])

    def _sorted_references(self, work: Node) -> list[ListedReference]:
        listed = []
        for ref in self.objects(work, FRBR.part):
            if not self.is_a(ref, BIRO.BibliographicReference):
                continue
            # The reference's objects looked up once for its three values (a list has dozens).
            held = self._out.get(str(ref), _NONE)
            number = held.get(_NUMBER, NOTHING)[0]
            content = held.get(_CONTENT, NOTHING)[0]
            listed.append(
                ListedReference(
                    node=ref,
                    number=str(number) if number is not None else "",
                    content=str(content) if content is not None else "",
                    cited=held.get(_REFERENCES, NOTHING)[0],
                )
            )
        return sorted(listed, key=lambda r: (_numeric(r.number), str(r.node)))

    def cited_works(self, work: Node) -> list[Node]:
        """The works `work` cites, in the order of its printed reference list (then any
        cited work no reference points to)."""
        listed = [r.cited for r in self.reference_list(work) if r.cited is not None]
        seen = set(listed)
        rest = sorted(c for c in self.objects(work, CITO.cites) if c not in seen)
        return listed + rest

    def identifiers(self, node: Node | None) -> list[Identifier]:
        """The node's identifiers (sorted by identifier node), each with the `dcterms:relation`
        link that resolves it: the link equal to the value or ending with `/value`."""
        if node is None:
            return []
        # Read once per node: the page, the record and the JSON-LD each ask for them.
        found = self._identifiers.get(str(node))
        if found is None:
            found = self._identifiers[str(node)] = self._read_identifiers(node)
        return list(found)

    def _read_identifiers(self, node: Node) -> list[Identifier]:
        relations = sorted(self.objects(node, _RELATION))
        found = []
        for ident in sorted(self.objects(node, DATACITE.hasIdentifier)):
            value = self.value(ident, LITERAL.hasLiteralValue)
            scheme = self.value(ident, DATACITE.usesIdentifierScheme)
            if value is None or not isinstance(scheme, URIRef):
                continue
            resolver = next((r for r in relations if _resolves(r, str(value))), None)
            found.append(Identifier(scheme, str(value), resolver))
        return found

    def identifier_values(self, node: Node | None, schemes: Iterable[URIRef]) -> list[str]:
        """The values of `node`'s identifiers in any of `schemes`, sorted."""
        wanted = set(schemes)
        return sorted(i.value for i in self.identifiers(node) if i.scheme in wanted)

    def unresolving_links(self, node: Node) -> list[Node]:
        """The node's `dcterms:relation` links that resolve none of its identifiers, sorted."""
        resolvers = {i.resolver for i in self.identifiers(node)}
        return [r for r in sorted(self.objects(node, _RELATION)) if r not in resolvers]

    def page_range(self, work: Node) -> PageRange | None:
        """The pages of the work's first embodiment that states them (embodiments sorted)."""
        embodiments = sorted(self.objects(work, FRBR.embodiment))
        first = self._first(embodiments, PRISM.startingPage)
        last = self._first(embodiments, PRISM.endingPage)
        if first is None and last is None:
            return None
        return PageRange(first, last)

    def _first(self, nodes: list[Node], predicate: Node) -> str | None:
        """The value of `predicate` on the first of `nodes` that has one, as text."""
        found = (self.value(n, predicate) for n in nodes)
        return next((str(v) for v in found if v is not None), None)

    def copies(self, work: Node) -> list[tuple[str, str | None]]:
        """The work's digital copies on the web (its embodiments' `frbr:exemplar`), each with
        its media type where the embodiment states one, sorted."""
        found = []
        for embodiment in self.objects(work, FRBR.embodiment):
            media_type = self.value(embodiment, DCTERMS.format)
            name = str(media_type).removeprefix(MEDIA_TYPES) if media_type is not None else None
            found += [(str(item), name) for item in self.objects(embodiment, FRBR.exemplar)]
        return sorted(found, key=lambda pair: pair[0])

    def is_article(self, node: Node) -> bool:
        """Whether `node` is a work with its own reference list here (the citing article)."""
        parts = self.objects(node, FRBR.part)
        return any(self.is_a(part, BIRO.BibliographicReference) for part in parts)


_NONE: dict = {}
# `held.get(predicate, NOTHING)[0]`: the first object of a predicate a node has, else None
# (the index holds no empty lists).
NOTHING: tuple[None] = (None,)
# Predicates by their text, as the index keys them (Reader.outgoing).
TYPE_KEY = str(RDF.type)
_NUMBER, _CONTENT = str(FABIO.hasSequenceIdentifier), str(C4O.hasContent)
_REFERENCES = str(BIRO.references)
# rdflib finds the terms of its own namespaces through a __getattr__ that checks each name.
_RELATION = DCTERMS.relation


def is_literal(node: object) -> bool:
    """Whether `node` is an RDF literal. rdflib's terms are abstract base classes, so that
    isinstance() of a term of another kind goes through ABCMeta, ten times slower than this
    (rdflib makes no subclass of Literal)."""
    return type(node) is Literal


def sorted_literals(literals: Iterable[Literal]) -> list[Literal]:
    """`literals` in rdflib's order (SPARQL's ORDER BY). When none has a datatype (names,
    titles, keywords, notes) they are sorted by a key that gives that order, by language tag
    (untagged first), then by text: rdflib compares two literals in Python, some ten
    microseconds each (against sixteen numeric datatypes first). Only tags that differ in
    case alone, which the store never gives, would rdflib take as equal."""
    found = list(literals)
    if all(lit.datatype is None for lit in found):
        return sorted(found, key=_string_order)
    return sorted(found)


def _string_order(literal: Literal) -> tuple[str, str]:
    return literal.language or "", str(literal)


def _resolves(link: Node, value: str) -> bool:
    return str(link) == value or str(link).lower().endswith("/" + value.lower())


def _numeric(value: str) -> tuple[int, str]:
    return (int(value) if value.isdigit() else 10**9, value)

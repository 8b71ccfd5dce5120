"""The reference quality report: for each reference of the article, how far its cited work
is identified, how we know, and what the data records against the print.

Built from the graph alone (no Flask): one bounded CONSTRUCT through the store's
`construct()` gathers the references, their cited works and containers with their
identifiers, the identifiers' sources, the `owl:sameAs` links of `data/links.ttl` with their
records, and the `skos:note`s; `build` turns that graph into a `Report`.

An identifier is *printed* when its value appears in the reference text (case-insensitive:
DOIs are kept in lower case); otherwise it was *found* at the sources it names
(`prov:hadPrimarySource`, or `prov:wasDerivedFrom` for a value read on a copy). A link is
*linked* by `lodpub link` or a person, as its record's `prov:wasAttributedTo` says. A
reference is *unresolved* when neither its work nor the work's containers carry any
identifier or link. The *discrepancies* are the `skos:note`s on the reference, its cited work
and the work's identifiers: where the print and a source differ, or a value is derived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any
from typing import Protocol

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import SKOS
from rdflib.namespace import VOID
from rdflib.term import Node

from lodpub.labels import canonical_tag
from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL

# The agent `lodpub link` attributes the links an identifier proved to, a hash IRI of the
# dataset (docs/model.md); any other agent is a person, whose link is curated.
LINK_COMMAND_FRAGMENT = "link-command"
ISSN_SCHEMES = frozenset({DATACITE.issn, DATACITE.eissn})
# The counts at the top of the report, in order: key → the scheme(s) that earn it.
SCHEME_COUNTS = {"doi": {DATACITE.doi}, "issn": ISSN_SCHEMES, "isbn": {DATACITE.isbn},
                 "url": {DATACITE.url}}  # fmt: skip

_REFERENCE_PROPERTIES = (FABIO.hasSequenceIdentifier, C4O.hasContent, BIRO.references, SKOS.note)
_ENTITY_PROPERTIES = (DCTERMS.title, DATACITE.hasIdentifier, DCTERMS.relation, SKOS.note,
                      OWL.sameAs, FRBR.partOf)  # fmt: skip
_IDENTIFIER_PROPERTIES = (DATACITE.usesIdentifierScheme, LITERAL.hasLiteralValue,
                          PROV.hadPrimarySource, PROV.wasDerivedFrom, SKOS.note)  # fmt: skip
_RECORD_PROPERTIES = (RDF.subject, RDF.predicate, RDF.object, PROV.hadPrimarySource,
                      PROV.generatedAtTime, PROV.wasAttributedTo, PROV.wasDerivedFrom)  # fmt: skip


class Constructs(Protocol):
    """What the report needs of a store: CONSTRUCT queries answered as rdflib graphs."""

    def construct(self, sparql: str) -> Graph: ...


@dataclass(frozen=True)
class Identifier:
    """One identifier of a cited work or of one of its containers (the journal's ISSN)."""

    holder: str  # the IRI of the entity that has it (the work, or a container)
    scheme: str  # the scheme's short name: doi, issn, eissn, isbn, url, handle, pii, cn
    value: str
    resolver: str | None  # where it resolves (the holder's dcterms:relation ending with it)
    printed: bool  # the value appears in the reference text
    sources: tuple[str, ...]  # prov:hadPrimarySource: where it was found
    copies: tuple[str, ...]  # prov:wasDerivedFrom: a copy of a source it was read on


@dataclass(frozen=True)
class Link:
    """An owl:sameAs link of the cited work or a container to another dataset's item."""

    holder: str
    target: str
    by_command: bool  # accepted by `lodpub link` on a matching identifier, else by a person
    accepted_by: str | None  # the record's prov:wasAttributedTo
    service: str | None  # the service asked (prov:hadPrimarySource of the record)
    date: str | None  # prov:generatedAtTime
    key: str | None  # the value of the identifier that matched (prov:wasDerivedFrom)


@dataclass(frozen=True)
class Note:
    """A skos:note on the reference, its cited work or one of the work's identifiers."""

    about: str
    text: str
    lang: str | None


@dataclass(frozen=True)
class Row:
    """One reference: its number, the cited work, and what identifies it."""

    number: int
    reference: str
    cited: str | None
    title: str | None
    title_lang: str | None
    identifiers: tuple[Identifier, ...]
    links: tuple[Link, ...]
    notes: tuple[Note, ...]

    def has(self, schemes: Iterable[URIRef]) -> bool:
        """Whether the work or a container carries an identifier of one of `schemes`."""
        names = {_scheme_name(s) for s in schemes}
        return any(i.scheme in names for i in self.identifiers)

    @property
    def linked(self) -> bool:
        """Whether the cited work itself is linked (owl:sameAs) to another dataset."""
        return any(link.holder == self.cited for link in self.links)

    @property
    def unresolved(self) -> bool:
        return not self.identifiers and not self.links


@dataclass(frozen=True)
class Counts:
    """How many references are identified by each kind of identifier (one reference may
    count under several), linked, unresolved; how many notes record discrepancies."""

    references: int
    doi: int
    issn: int
    isbn: int
    url: int
    linked: int
    unresolved: int
    discrepancies: int


@dataclass(frozen=True)
class Report:
    """The reference quality report of `article`: counts, then one row per reference in
    printed order."""

    article: str
    counts: Counts
    rows: tuple[Row, ...]

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON values (the document programs read)."""
        rows = []
        for row in self.rows:
            rows.append({**asdict(row), "linked": row.linked, "unresolved": row.unresolved})
        return {"article": self.article, "counts": asdict(self.counts), "references": rows}


def report(store: Constructs, dataset: URIRef) -> Report:
    """The report of the dataset's root resource (the article), from `store`."""
    return build(store.construct(query(dataset)), dataset)


def query(dataset: URIRef) -> str:
    """One CONSTRUCT bounded by the article's references: each branch follows a fixed path
    from the dataset's root resource and keeps only the listed properties (`_among`)."""
    refs = (
        f"{dataset.n3()} {VOID.rootResource.n3()} ?article . "
        f"?article {FRBR.part.n3()} ?ref . ?ref a {BIRO.BibliographicReference.n3()} ."
    )
    below = f"{BIRO.references.n3()}/{FRBR.partOf.n3()}*"
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ {refs} BIND(?article AS ?s) BIND({FRBR.part.n3()} AS ?p) BIND(?ref AS ?o) }}
  UNION {{ {refs} BIND(?ref AS ?s) ?s ?p ?o . {_among(_REFERENCE_PROPERTIES)} }}
  UNION {{ {refs} ?ref {below} ?s . ?s ?p ?o . {_among(_ENTITY_PROPERTIES)} }}
  UNION {{ {refs} ?ref {below} ?holder . ?holder {DATACITE.hasIdentifier.n3()} ?s .
           ?s ?p ?o . {_among(_IDENTIFIER_PROPERTIES)} }}
  UNION {{ {refs} ?ref {below} ?holder . ?s {RDF.subject.n3()} ?holder ;
           {RDF.predicate.n3()} {OWL.sameAs.n3()} .
           ?s ?p ?o . {_among(_RECORD_PROPERTIES)} }}
}}"""


def build(graph: Graph, dataset: URIRef) -> Report:
    """The report from the graph `query` answers."""
    article = next(graph.subjects(FRBR.part, None), None)
    rows = sorted(
        (_row(graph, ref, dataset) for ref in graph.subjects(BIRO.references, None)),
        key=lambda r: r.number,
    )
    counts = Counts(
        references=len(rows),
        **{key: sum(r.has(schemes) for r in rows) for key, schemes in SCHEME_COUNTS.items()},
        linked=sum(r.linked for r in rows),
        unresolved=sum(r.unresolved for r in rows),
        discrepancies=sum(len(r.notes) for r in rows),
    )
    return Report(str(article) if article is not None else "", counts, tuple(rows))


def _row(g: Graph, ref: Node, dataset: URIRef) -> Row:
    cited = g.value(ref, BIRO.references)
    content = str(g.value(ref, C4O.hasContent) or "")
    holders = _holders(g, cited) if cited is not None else []
    identifiers = [
        _identifier(g, holder, ident, content)
        for holder in holders
        for ident in sorted(g.objects(holder, DATACITE.hasIdentifier))
        # Of a container, only what identifies the serial (its ISSNs) says where the work is.
        if holder == cited or g.value(ident, DATACITE.usesIdentifierScheme) in ISSN_SCHEMES
    ]
    links = [_link(g, holder, target, dataset) for holder in holders for target in
             sorted(g.objects(holder, OWL.sameAs))]  # fmt: skip
    noted = [ref, *([cited] if cited is not None else [])]
    noted += sorted(g.objects(cited, DATACITE.hasIdentifier)) if cited is not None else []
    notes = [
        Note(str(node), str(note), _lang(note))
        for node in noted
        for note in sorted(g.objects(node, SKOS.note))
    ]
    title = g.value(cited, DCTERMS.title) if cited is not None else None
    number = g.value(ref, FABIO.hasSequenceIdentifier)
    return Row(
        number=int(number) if number is not None and str(number).isdigit() else 0,
        reference=str(ref),
        cited=str(cited) if cited is not None else None,
        title=str(title) if title is not None else None,
        title_lang=_lang(title),
        identifiers=tuple(i for i in identifiers if i is not None),
        links=tuple(links),
        notes=tuple(notes),
    )


def _holders(g: Graph, work: Node) -> list[Node]:
    """The work, then its containers upwards (issue, volume, journal)."""
    chain, node = [work], g.value(work, FRBR.partOf)
    while node is not None and node not in chain:
        chain.append(node)
        node = g.value(node, FRBR.partOf)
    return chain


def _identifier(g: Graph, holder: Node, ident: Node, content: str) -> Identifier | None:
    value = g.value(ident, LITERAL.hasLiteralValue)
    scheme = g.value(ident, DATACITE.usesIdentifierScheme)
    if value is None or scheme is None:
        return None
    lowered = str(value).lower()
    resolver = next(
        (str(r) for r in sorted(g.objects(holder, DCTERMS.relation))
         if str(r) == str(value) or str(r).lower().endswith("/" + lowered)),
        None,
    )  # fmt: skip
    return Identifier(
        holder=str(holder),
        scheme=_scheme_name(scheme),
        value=str(value),
        resolver=resolver,
        printed=lowered in content.lower(),
        sources=tuple(sorted(str(s) for s in g.objects(ident, PROV.hadPrimarySource))),
        copies=tuple(sorted(str(s) for s in g.objects(ident, PROV.wasDerivedFrom))),
    )


def _link(g: Graph, holder: Node, target: Node, dataset: URIRef) -> Link:
    records = [
        r for r in g.subjects(RDF.subject, holder) if (r, RDF.object, target) in g
    ]  # fmt: skip
    record = min(records, default=None)

    def of_record(prop: URIRef) -> Node | None:
        return g.value(record, prop) if record is not None else None

    agent, key = of_record(PROV.wasAttributedTo), of_record(PROV.wasDerivedFrom)
    key_value = g.value(key, LITERAL.hasLiteralValue) if key is not None else None
    date, service = of_record(PROV.generatedAtTime), of_record(PROV.hadPrimarySource)
    return Link(
        holder=str(holder),
        target=str(target),
        by_command=agent == URIRef(f"{dataset}#{LINK_COMMAND_FRAGMENT}"),
        accepted_by=str(agent) if agent is not None else None,
        service=str(service) if service is not None else None,
        date=str(date) if date is not None else None,
        key=str(key_value) if key_value is not None else None,
    )


def _lang(node: Node | None) -> str | None:
    """The BCP 47 tag of a literal (the store answers `zh-hans`)."""
    return canonical_tag(node.language) if isinstance(node, Literal) else None


def _scheme_name(scheme: Node) -> str:
    return str(scheme).rstrip("/").rpartition("/")[2].rpartition("#")[2]


def _among(properties: Iterable[URIRef]) -> str:
    """A FILTER keeping the triples of `properties`: Oxigraph then reads the triples of each
    bound subject; `VALUES ?p` made it read every triple of those properties first."""
    return f"FILTER(?p IN ({', '.join(p.n3() for p in properties)}))"

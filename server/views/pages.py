"""What an HTML page about one thing shows, built from its description before any template
runs. A `Page` holds only texts, links and numbers; templates lay them out.

Every value comes from the description graph and every word that names a class or property
from the ontology's labels (labels.Labeller); nothing is re-typed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCAT
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import SKOS
from rdflib.namespace import VOID
from rdflib.term import Node

from lodpub.labels import Labeller
from lodpub.labels import Text
from lodpub.labels import text
from lodpub.metadata import Mapper
from lodpub.urls import UriSpace
from lodpub.views import summaries
from lodpub.vocab import BIRO
from lodpub.vocab import CITO
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import PRISM
from lodpub.vocab import PRO

# Template per class; the first class of the node found here wins (article is decided apart).
KINDS = (
    (VOID.Dataset, "dataset"),
    (DCAT.Dataset, "dataset"),
    (CITO.Citation, "citation"),
    (BIRO.BibliographicReference, "reference"),
    (FOAF.Agent, "agent"),
    (FABIO.Journal, "container"),
    (FABIO.JournalVolume, "container"),
    (FABIO.JournalIssue, "container"),
    (FABIO.Newspaper, "container"),
    (FABIO.NewspaperIssue, "container"),
    (FABIO.Expression, "work"),
)
# Shown in the page's own sections, so not repeated in the statements table's first rows.
FIRST_PROPERTIES = (DCTERMS.title, FABIO.hasTranslatedTitle, FOAF.name)


@dataclass(frozen=True)
class Value:
    """One node as a page shows it: its text, where a link to it goes, and the RDF term itself
    (`resource` for an IRI, `datatype` for a typed literal) for the page's RDFa."""

    text: str
    lang: str | None = None
    href: str | None = None
    external: bool = False
    resource: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class Statement:
    property: Text
    predicate: str
    values: tuple[Value, ...]


@dataclass
class Page:
    """The context of every resource template (templates/resource.html)."""

    iri: str
    kind: str
    lang: str
    names: list[Text]
    types: list[Text]
    statements: list[Statement]
    incoming: list[Statement]
    notes: list[Text]
    sources: list[Value]
    alternates: list[tuple[str, str, str]]  # (url, label, media type)
    extra: dict[str, Any] = field(default_factory=dict)


# Headings the templates take from the ontology's labels (`terms.section` ...).
HEADING_TERMS = {
    "section": PRISM.section,
    "language": DCTERMS.language,
    "keyword": PRISM.keyword,
    "abstract": DCTERMS.abstract,
    "cited": CITO.hasCitedEntity,
    "self_citation": CITO.JournalSelfCitation,
    "affiliation": PRO.relatesToOrganization,
    "relation": DCTERMS.relation,
    "licence": DCTERMS.license,
    "in_list": CITO.hasCitingEntity,
    "citing": CITO.hasCitingEntity,
    "citation_date": CITO.hasCitationCreationDate,
    "time_span": CITO.hasCitationTimeSpan,
    "alternative": DCTERMS.alternative,
    "founded": DCTERMS.created,
    "frequency": DCTERMS.accrualPeriodicity,
    "number": FABIO.hasSequenceIdentifier,
    "date": PRISM.publicationDate,
    "description": DCTERMS.description,
    "rights": DCTERMS.rights,
    "examples": VOID.exampleResource,
    "root": VOID.rootResource,
    "refers_to": BIRO.references,
}


class Builder:
    """Builds the Page of `iri` from its description `graph`."""

    def __init__(self, graph: Graph, ontology: Graph, space: UriSpace, lang: str) -> None:
        self.g = graph
        self.space = space
        self.lang = lang
        self.labels = Labeller(graph, ontology, lang)
        self.mapper = Mapper(graph, ontology)

    def terms(self) -> dict[str, Text]:
        """The ontology's labels for HEADING_TERMS, in the reader's language."""
        return {name: self.labels.term(term) for name, term in HEADING_TERMS.items()}

    def value(self, node: Node) -> Value:
        if isinstance(node, Literal):
            t = text(node)
            datatype = str(node.datatype) if node.datatype is not None else None
            return Value(t.value, t.lang, datatype=datatype)
        if str(node).startswith("http://id.loc.gov/vocabulary/iso639-2/"):
            name = self.labels.language_name(node)
            return Value(name.value, name.lang, str(node), True, str(node))
        own = self.space.is_own(node)
        if self.labels.knows(node):
            term = self.labels.term(node)
            return Value(term.value, term.lang, self.space.href(node), not own, str(node))
        label = self.labels.label(node)
        return Value(label.value, label.lang, self.space.href(node), not own, str(node))

    def kind(self, iri: URIRef) -> str:
        if (iri, FRBR.part, None) in self.g and any(
            (ref, RDF.type, BIRO.BibliographicReference) in self.g
            for ref in self.g.objects(iri, FRBR.part)
        ):
            return "article"
        types = set(self.g.objects(iri, RDF.type))
        if OWL.Ontology in types:
            return "vocabulary"
        return next((name for cls, name in KINDS if cls in types), "generic")

    def page(self, iri: URIRef, alternates: list[tuple[str, str, str]]) -> Page:
        g = self.g
        kind = self.kind(iri)
        page = Page(
            iri=str(iri),
            kind=kind,
            lang=self.lang,
            names=self.labels.names(iri) or [self.labels.label(iri)],
            types=[self.labels.term(t) for t in self.labels.types(iri)],
            statements=self._statements(iri),
            incoming=self._incoming(iri),
            notes=[text(n) for n in sorted(g.objects(iri, SKOS.note)) if isinstance(n, Literal)],
            sources=[self.value(s) for s in sorted(g.objects(iri, PROV.hadPrimarySource))],
            alternates=alternates,
        )
        page.extra = self._summary(iri, kind)
        return page

    def _summary(self, iri: URIRef, kind: str) -> dict[str, Any]:
        """The kind's own summary (views/summaries.py); none for a generic page."""
        make = summaries.BY_KIND.get(kind)
        return make(self, iri) if make is not None else {}

    def _statements(self, iri: URIRef) -> list[Statement]:
        by_property: dict[URIRef, list[Node]] = {}
        for p, o in self.g.predicate_objects(iri):
            by_property.setdefault(p, []).append(o)
        return self._grouped(by_property)

    def _incoming(self, iri: URIRef) -> list[Statement]:
        by_property: dict[URIRef, list[Node]] = {}
        for s, p in self.g.subject_predicates(iri):
            by_property.setdefault(p, []).append(s)
        return self._grouped(by_property)

    def _grouped(self, by_property: dict[URIRef, list[Node]]) -> list[Statement]:
        def order(p: URIRef) -> tuple[int, str]:
            first = FIRST_PROPERTIES.index(p) if p in FIRST_PROPERTIES else len(FIRST_PROPERTIES)
            return (0 if p == RDF.type else 1 + first, self.labels.term(p).value.lower())

        return [
            Statement(
                self.labels.term(p),
                str(p),
                tuple(sorted((self.value(o) for o in objs), key=_value_order)),
            )
            for p, objs in sorted(by_property.items(), key=lambda kv: order(kv[0]))
        ]

    def authors(self, work: Node) -> list[dict[str, Any]]:
        """The work's authors in order, each with affiliations and the corresponding flag."""
        out = []
        for role in self.mapper.roles(work, PRO.author):
            holder = self.g.value(role, PRO.isHeldBy)
            if holder is None:
                continue
            out.append(
                {
                    "names": self.labels.names(holder) or [self.labels.label(holder)],
                    "href": self.space.href(holder),
                    "affiliations": [
                        self.value(org)
                        for org in sorted(self.g.objects(role, PRO.relatesToOrganization))
                    ],
                    "corresponding": self.is_corresponding(role),
                }
            )
        return out

    def is_corresponding(self, role: Node) -> bool:
        """Whether the role says `lodpub:isCorrespondingAuthor true` (the property's namespace
        follows the base URL, so it is found by its local name)."""
        return any(
            str(p).endswith("#isCorrespondingAuthor") and o.toPython() is True
            for p, o in self.g.predicate_objects(role)
            if isinstance(o, Literal)
        )


def _value_order(value: Value) -> tuple[list[tuple[int, int | str]], str]:
    """Values in natural reading order (`[2]` before `[10]`), then by link."""
    runs = re.split(r"(\d+)", value.text)
    key = [(0, int(run)) if run.isdigit() else (1, run) for run in runs if run]
    return key, value.href or ""

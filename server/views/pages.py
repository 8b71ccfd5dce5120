"""What an HTML page about one thing shows, built from its description before any template
runs (issue #4). A `Page` holds only texts, links and numbers; templates lay them out.

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
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import RDFS
from rdflib.namespace import SKOS
from rdflib.term import Node

from lodpub import chart
from lodpub.labels import Labeller
from lodpub.labels import Text
from lodpub.labels import lang_matches
from lodpub.labels import language_code
from lodpub.labels import language_names
from lodpub.labels import pick
from lodpub.labels import text
from lodpub.labels import ui
from lodpub.metadata import Mapper
from lodpub.urls import UriSpace
from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import PRISM
from lodpub.vocab import PRO

# Template per class; the first class of the node found here wins (article is decided apart).
KINDS = (
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
        if kind in ("article", "work"):
            page.extra = self._work(iri, with_references=kind == "article")
        elif kind == "agent":
            page.extra = {"roles": self._agent_roles(iri)}
        elif kind == "vocabulary":
            page.extra = {"terms": self._terms(iri)}
        return page

    def _terms(self, ontology: URIRef) -> list[dict[str, Any]]:
        """Every term the vocabulary labels: its own terms first (anchored by their fragment,
        so `ontology#cn` links here), then the external terms it annotates."""
        g = self.g
        rows = []
        for term in set(g.subjects(RDFS.label)) - {ontology}:
            own = self.space.is_own(term)
            mapped = g.value(term, self.mapper.schema_property)
            rows.append(
                {
                    "own": own,
                    "anchor": str(term).partition("#")[2] if own else None,
                    "iri": str(term),
                    "href": self.space.href(term),
                    "labels": sorted((text(lit) for lit in g.objects(term, RDFS.label)), key=_tag),
                    "comment": pick(g.objects(term, RDFS.comment), self.lang),
                    "schema": str(mapped) if mapped is not None else None,
                }
            )
        return sorted(rows, key=lambda r: (not r["own"], r["labels"][0].value.lower()))

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
            corresponding = any(
                str(p).endswith("#isCorrespondingAuthor") and o.toPython() is True
                for p, o in self.g.predicate_objects(role)
                if isinstance(o, Literal)
            )
            out.append(
                {
                    "names": self.labels.names(holder) or [self.labels.label(holder)],
                    "href": self.space.href(holder),
                    "affiliations": [
                        self.value(org)
                        for org in sorted(self.g.objects(role, PRO.relatesToOrganization))
                    ],
                    "corresponding": corresponding,
                }
            )
        return out

    def _work(self, iri: URIRef, with_references: bool) -> dict[str, Any]:
        g = self.g
        embodiment = g.value(iri, FRBR.embodiment)
        chain = [
            {"kind": self.labels.term(self.labels.types(c)[0]), "value": self.value(c),
             "number": g.value(c, FABIO.hasSequenceIdentifier)}
            for c in self.mapper.containers(iri)
        ]  # fmt: skip
        extra: dict[str, Any] = {
            "authors": self.authors(iri),
            "containers": chain,
            "pages": _pages(g, embodiment),
            "number": g.value(iri, FABIO.hasSequenceIdentifier),
            "date": g.value(iri, PRISM.publicationDate),
            "language": [self.value(lang) for lang in g.objects(iri, DCTERMS.language)],
            "keywords": sorted(
                (text(k) for k in g.objects(iri, PRISM.keyword)),
                key=lambda t: (not lang_matches(t.lang, self.lang.split("-")[0]), t.value),
            ),
            "abstract": [text(a) for a in g.objects(iri, DCTERMS.abstract)],
            "section": [text(s) for s in g.objects(iri, PRISM.section)],
            "links": [self.value(r) for r in sorted(g.objects(iri, DCTERMS.relation))],
            "printed": [
                {"value": self.value(ref), "content": g.value(ref, C4O.hasContent)}
                for ref in sorted(g.subjects(BIRO.references, iri))
            ],
            "cited_by": [self.value(w) for w in sorted(g.subjects(CITO.cites, iri))],
        }
        if with_references:
            extra["references"] = self._references(iri)
            extra["chart"] = self._chart(extra["references"])
        return extra

    def _references(self, work: URIRef) -> list[dict[str, Any]]:
        g = self.g
        self_cited = {
            g.value(c, CITO.hasCitedEntity)
            for c in g.subjects(CITO.hasCitingEntity, work)
            if (c, RDF.type, CITO.JournalSelfCitation) in g
        }
        refs = []
        for ref in g.objects(work, FRBR.part):
            if (ref, RDF.type, BIRO.BibliographicReference) not in g:
                continue
            cited = g.value(ref, BIRO.references)
            number = g.value(ref, FABIO.hasSequenceIdentifier)
            refs.append(
                {
                    "number": str(number) if number is not None else "",
                    "href": self.space.href(ref),
                    "anchor": f"ref-{number}",
                    "content": str(g.value(ref, C4O.hasContent) or ""),
                    "cited": cited,
                    "cited_href": self.space.href(cited) if cited is not None else None,
                    "links": [self.value(r) for r in sorted(g.objects(cited, DCTERMS.relation))]
                    if cited is not None
                    else [],
                    "self_citation": cited in self_cited,
                }
            )
        return sorted(refs, key=lambda r: _numeric(r["number"]))

    def _chart(self, references: list[dict[str, Any]]) -> chart.Chart:
        items = []
        for ref in references:
            work = ref["cited"]
            if work is None:
                continue
            date = self.g.value(work, PRISM.publicationDate)
            year = str(date)[:4]
            language = self.g.value(work, DCTERMS.language)
            types = self.labels.types(work)
            items.append(
                chart.Item(
                    number=ref["number"],
                    year=int(year) if year.isdigit() else None,
                    language=language_code(language) if language is not None else None,
                    kind=self.labels.term(types[0]).value if types else "?",
                    href=ref["href"],
                    title=self.labels.label(work).value,
                )
            )
        names = language_names(self.lang)
        return chart.layout(items, names, ui("unknown_year", self.lang))

    def _agent_roles(self, agent: URIRef) -> list[dict[str, Any]]:
        """What the agent did: each role it holds or is the affiliation of, with the work."""
        g = self.g
        rows = []
        for predicate in (PRO.isHeldBy, PRO.relatesToOrganization):
            for role in sorted(g.subjects(predicate, agent)):
                kind = g.value(role, PRO.withRole)
                works = sorted(g.subjects(PRO.isDocumentContextFor, role))
                holder = g.value(role, PRO.isHeldBy)
                organisations = sorted(g.objects(role, PRO.relatesToOrganization))
                rows.append(
                    {
                        "role": self.labels.term(kind) if kind is not None else None,
                        "as_affiliation": predicate == PRO.relatesToOrganization,
                        "holder": self.value(holder) if holder is not None else None,
                        "works": [self.value(w) for w in works],
                        # On an organisation's page, its members' other affiliations are noise.
                        "affiliations": [self.value(o) for o in organisations]
                        if predicate == PRO.isHeldBy
                        else [],
                    }
                )
        return rows


def _tag(t: Text) -> str:
    return (t.lang or "").lower()


def _pages(g: Graph, embodiment: Node | None) -> str | None:
    if embodiment is None:
        return None
    start, end = g.value(embodiment, PRISM.startingPage), g.value(embodiment, PRISM.endingPage)
    if start is None:
        return None
    return f"{start}–{end}" if end is not None else str(start)


def _value_order(value: Value) -> tuple[list[tuple[int, int | str]], str]:
    """Values in natural reading order (`[2]` before `[10]`), then by link."""
    runs = re.split(r"(\d+)", value.text)
    key = [(0, int(run)) if run.isdigit() else (1, run) for run in runs if run]
    return key, value.href or ""


def _numeric(text: str) -> tuple[int, str]:
    return (int(text) if text.isdigit() else 10**9, text)

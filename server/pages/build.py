"""The page about one thing, built from its description before any template runs: what every
page shows (names, types, the statements table) and the summary of its kind, what a reader
looks for first on the page of a work, a container, an agent, a citation, the dataset or the
vocabulary (lodpub.pages.model).

Every value comes from the description, read through one lodpub.pages.reader.Reader, and every
word that names a class or property from the ontology's labels (labels.Terms); nothing is
re-typed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable

from rdflib import RDF
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCAT
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import RDFS
from rdflib.namespace import SKOS
from rdflib.namespace import VOID
from rdflib.term import Node

from lodpub import chart
from lodpub.labels import Labeller
from lodpub.labels import Terms
from lodpub.labels import Text
from lodpub.labels import canonical_tag
from lodpub.labels import lang_matches
from lodpub.labels import language_code
from lodpub.labels import language_names
from lodpub.labels import natural_key
from lodpub.labels import pick
from lodpub.labels import text
from lodpub.labels import ui
from lodpub.pages import model
from lodpub.pages.model import Page
from lodpub.pages.model import Statement
from lodpub.pages.model import Value
from lodpub.pages.reader import Reader
from lodpub.pages.reader import is_literal
from lodpub.pages.reader import sorted_literals
from lodpub.record import schema_org_term
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
# The statements table's first rows, in order (the others follow by label), by their IRIs'
# text: rdflib compares terms in Python.
_FIRST_ROWS = {str(p): row for row, p in enumerate((RDF.type, *FIRST_PROPERTIES))}

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
    "part_of": FRBR.partOf,
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
    """Builds the Page of a thing from its description, read by `reader`."""

    def __init__(self, reader: Reader, terms: Terms, space: UriSpace, lang: str) -> None:
        self.read = reader
        self.terms = terms
        self.space = space
        self.lang = lang
        self.labels = Labeller(reader, terms, lang)
        self._values: dict[str, Value] = {}

    def page(self, iri: URIRef, alternates: list[tuple[str, str, str]]) -> Page:
        r = self.read
        kind = self.kind(iri)
        make = SUMMARIES.get(kind)
        return Page(
            iri=str(iri),
            kind=kind,
            lang=self.lang,
            names=self.names(iri),
            types=[self.labels.term(t) for t in self.labels.types(iri)],
            statements=self._grouped(r.properties(iri)),
            incoming=self._grouped(r.links_in(iri)),
            notes=[text(n) for n in sorted_literals(filter(is_literal, r.objects(iri, _NOTE)))],
            sources=[self.value(s) for s in sorted(r.objects(iri, _SOURCE))],
            alternates=alternates,
            summary=make(self, iri) if make is not None else None,
        )

    def names(self, iri: Node) -> list[Text]:
        """Every name of `iri`, the reader's language first; its label when it has none."""
        return self.labels.names(iri) or [self.labels.label(iri)]

    def featured(self, iri: URIRef) -> model.Featured:
        """`iri` as the home page features it: only what the home page shows, so without the
        statements, reference list and picture of its own page (four fifths of its cost)."""
        return model.Featured(
            iri=str(iri),
            names=self.names(iri),
            work=work(self, iri),
            references=len(self.read.reference_list(iri)),
        )

    def headings(self) -> dict[str, Text]:
        """The ontology's labels for HEADING_TERMS, in the reader's language."""
        return {name: self.labels.term(term) for name, term in HEADING_TERMS.items()}

    def kind(self, iri: Node) -> str:
        """The kind of page (and template) of `iri`: `article` for the work whose reference
        list is here, else the first of KINDS among its types, else `generic`."""
        if self.read.is_article(iri):
            return "article"
        types = set(self.read.objects(iri, _TYPE))
        if _ONTOLOGY in types:
            return "vocabulary"
        return next((name for cls, name in KINDS if cls in types), "generic")

    def value(self, node: Node) -> Value:
        """`node` as the page shows it: a literal's text, or a link with the node's label
        (worked out once per node: a page shows many nodes more than once)."""
        if type(node) is Literal:  # is_literal, inline: a page shows two hundred values
            # Made each time: rdflib hashes a literal in Python, which costs as much.
            datatype = str(node.datatype) if node.datatype is not None else None
            return Value(str(node), canonical_tag(node.language), datatype=datatype)
        # Keyed by the IRI's text, as the reader's index is: rdflib compares terms in Python.
        key = str(node)
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = self._link(node)
        return found

    def _link(self, node: Node) -> Value:
        iri = str(node)
        if iri.startswith("http://id.loc.gov/vocabulary/iso639-2/"):
            name = self.labels.language_name(node)
            return Value(name.value, name.lang, iri, True, iri)
        # A term the ontology labels (a class, a property) by that label, else by its own.
        found = self.labels.term_labels.get(iri) or self.labels.label(node)
        external = not self.space.is_own(node)
        return Value(found.value, found.lang, self.space.href(node), external, iri)

    def values(self, nodes: Iterable[Node]) -> list[Value]:
        return [self.value(n) for n in nodes]

    def _grouped(self, by_property: dict[Node, list[Node]]) -> list[Statement]:
        rows = [
            Statement(self.labels.term(p), str(p), _in_order([self.value(o) for o in objs]))
            for p, objs in by_property.items()
        ]
        return sorted(rows, key=_row_order)

    # --- parts several kinds show -------------------------------------------------------

    def authors(self, work: Node) -> list[model.Author]:
        """The work's authors in byline order, each with affiliations and the corresponding
        flag."""
        out = []
        for role in self.read.roles(work, PRO.author):
            holder = self.read.value(role, PRO.isHeldBy)
            if holder is None:
                continue
            out.append(
                model.Author(
                    names=self.names(holder),
                    href=self.space.href(holder),
                    affiliations=self.values(
                        sorted(self.read.objects(role, PRO.relatesToOrganization))
                    ),
                    corresponding=self.is_corresponding(role),
                )
            )
        return out

    def is_corresponding(self, role: Node) -> bool:
        """Whether the role says `lodpub:isCorrespondingAuthor true` (the property's namespace
        follows the base URL, so it is found by its local name)."""
        return any(
            is_literal(o) and o.toPython() is True
            for predicate, objects in self.read.outgoing(role).items()
            if predicate.endswith("#isCorrespondingAuthor")
            for o in objects
        )

    def containers(self, node: Node) -> list[model.ContainerLink]:
        """What `node` is part of, outermost first (journal, volume, issue)."""
        return [
            model.ContainerLink(
                kind=self.labels.term(self.labels.types(c)[0]),
                value=self.value(c),
                number=_text(self.read.value(c, FABIO.hasSequenceIdentifier)),
                other_names=self._other_names(c),
            )
            for c in reversed(self.read.containers(node))
        ]

    def _other_names(self, node: Node) -> list[Text]:
        """The names of `node` besides the one its links show (a journal's original title and
        the alternative title its platform prints)."""
        shown = self.labels.label(node)
        names = [*self.labels.names(node), *map(text, self.read.objects(node, _ALTERNATIVE))]
        return [n for n in names if n != shown]

    def roles(self, node: Node, exclude: tuple[Node, ...]) -> list[model.RoleHolders]:
        """The node's roles other than `exclude` (publisher, sponsor), with who holds each."""
        grouped: dict[Node, list[Value]] = {}
        for role in sorted(self.read.objects(node, PRO.isDocumentContextFor)):
            kind, holder = self.read.value(role, PRO.withRole), self.read.value(role, PRO.isHeldBy)
            if kind is not None and holder is not None and kind not in exclude:
                grouped.setdefault(kind, []).append(self.value(holder))
        return [model.RoleHolders(self.labels.term(k), v) for k, v in grouped.items()]

    def identifiers(self, node: Node) -> list[model.IdentifierRow]:
        """The node's identifiers by scheme label, each linked to the page that resolves it."""
        rows = [
            model.IdentifierRow(
                self.labels.term(i.scheme), i.value, str(i.resolver) if i.resolver else None
            )
            for i in self.read.identifiers(node)
        ]
        return sorted(rows, key=lambda row: row.scheme.value.lower())

    def references(self, work: Node) -> list[model.ListedReference]:
        """The work's reference list as printed, in order, each with the cited work and its
        links, and whether citing it is a journal self-citation."""
        r = self.read
        self_cited = {
            r.value(c, CITO.hasCitedEntity)
            for c in r.subjects(CITO.hasCitingEntity, work)
            if r.is_a(c, CITO.JournalSelfCitation)
        }
        # The references and the works they cite are linked as the statements table links
        # them (their Values, made once).
        return [
            model.ListedReference(
                number=ref.number,
                href=self.value(ref.node).href or "",
                anchor=f"ref-{ref.number or None}",
                content=ref.content,
                cited_label=self.labels.label(ref.cited) if ref.cited is not None else None,
                cited_href=self.value(ref.cited).href if ref.cited is not None else None,
                links=self.values(sorted(r.objects(ref.cited, _RELATION))),
                self_citation=ref.cited is not None and ref.cited in self_cited,
            )
            for ref in r.reference_list(work)
        ]

    def references_chart(self, work: Node) -> chart.Chart:
        """The picture of the work's references by year, language and kind (lodpub.chart)."""
        items = []
        for ref in self.read.reference_list(work):
            if ref.cited is None:
                continue
            year = str(self.read.value(ref.cited, PRISM.publicationDate))[:4]
            language = self.read.value(ref.cited, _LANGUAGE)
            types = self.labels.types(ref.cited)
            title = self.labels.label(ref.cited)
            items.append(
                chart.Item(
                    number=ref.number,
                    year=int(year) if year.isdigit() else None,
                    language=language_code(language) if language is not None else None,
                    kind=self.labels.term(types[0]).value if types else "?",
                    href=self.value(ref.node).href or "",
                    title=title.value,
                    title_lang=title.lang,
                )
            )
        return chart.layout(items, language_names(self.lang), ui("unknown_year", self.lang))


# --- the summary of each kind ----------------------------------------------------------------


def work(b: Builder, iri: URIRef) -> model.Work:
    """A work: authors, where it appeared, pages, date, language, keywords, abstract, other
    roles (publisher), identifiers, the references that print it."""
    r = b.read
    pages = r.page_range(iri)
    return model.Work(
        authors=b.authors(iri),
        containers=b.containers(iri),
        pages=str(pages) if pages is not None and pages.first is not None else None,
        number=_text(r.value(iri, FABIO.hasSequenceIdentifier)),
        date=_text(r.value(iri, PRISM.publicationDate)),
        language=b.values(r.objects(iri, _LANGUAGE)),
        keywords=sorted(
            (text(k) for k in r.objects(iri, PRISM.keyword)),
            key=lambda t: (not lang_matches(t.lang, b.lang.split("-")[0]), t.value),
        ),
        abstract=[text(a) for a in r.objects(iri, _ABSTRACT)],
        section=[text(s) for s in r.objects(iri, PRISM.section)],
        roles=b.roles(iri, exclude=(PRO.author,)),
        identifiers=b.identifiers(iri),
        links=b.values(r.unresolving_links(iri)),
        same_as=b.values(sorted(r.objects(iri, _SAME_AS))),
        printed=[
            model.Printed(b.value(ref), _text(r.value(ref, C4O.hasContent)))
            for ref in sorted(r.subjects(BIRO.references, iri))
        ],
        cited_by=b.values(sorted(r.subjects(CITO.cites, iri))),
    )


def article(b: Builder, iri: URIRef) -> model.Article:
    """The citing article: a work, with its reference list and the picture of it."""
    return model.Article(
        **vars(work(b, iri)), references=b.references(iri), chart=b.references_chart(iri)
    )


def container(b: Builder, iri: URIRef) -> model.Container:
    """A journal, volume, issue or newspaper: its other titles, what it is part of, number,
    date, language, identifiers (ISSN linked to the ISSN portal), other roles (sponsor,
    publisher), and every work published in it, with the volume and issue it is in."""
    r = b.read
    return model.Container(
        alternative=[text(t) for t in r.objects(iri, DCTERMS.alternative)],
        containers=b.containers(iri),
        number=_text(r.value(iri, FABIO.hasSequenceIdentifier)),
        date=_text(r.value(iri, PRISM.publicationDate)),
        founded=_text(r.value(iri, DCTERMS.created)),
        frequency=b.values(r.objects(iri, DCTERMS.accrualPeriodicity)),
        language=b.values(r.objects(iri, DCTERMS.language)),
        roles=b.roles(iri, exclude=()),
        identifiers=b.identifiers(iri),
        links=b.values(r.unresolving_links(iri)),
        contents=_contents(b, iri),
    )


def _contents(b: Builder, iri: Node) -> list[model.ContentRow]:
    """The works below `iri`, newest first, each with the containers between (volume 38,
    issue 9)."""
    rows: list[model.ContentRow] = []

    def walk(node: Node, path: list[Node]) -> None:
        for child in sorted(b.read.subjects(FRBR.partOf, node)):
            # A description holds a container's direct children only: a child container
            # whose own contents are not there is listed itself (a journal's volumes).
            if b.kind(child) == "container" and b.read.mentions(FRBR.partOf, child):
                walk(child, [*path, child])
            else:
                date = b.read.value(child, PRISM.publicationDate)
                rows.append(model.ContentRow(b.values(path), b.value(child), _text(date) or ""))

    walk(iri, [])
    return sorted(rows, key=lambda row: (row.date, row.work.text), reverse=True)


def agent(b: Builder, iri: URIRef) -> model.Agent:
    """A person or organisation: what they did, each role they hold or are the affiliation
    of, with the work."""
    r = b.read
    rows = []
    for predicate in (PRO.isHeldBy, PRO.relatesToOrganization):
        for role in sorted(r.subjects(predicate, iri)):
            kind = r.value(role, PRO.withRole)
            holder = r.value(role, PRO.isHeldBy)
            held = predicate == PRO.isHeldBy
            rows.append(
                model.AgentRole(
                    role=b.labels.term(kind) if kind is not None else None,
                    as_affiliation=not held,
                    holder=b.value(holder) if holder is not None else None,
                    works=b.values(sorted(r.subjects(PRO.isDocumentContextFor, role))),
                    corresponding=held and b.is_corresponding(role),
                    # On an organisation's page, its members' other affiliations are noise.
                    affiliations=b.values(sorted(r.objects(role, PRO.relatesToOrganization)))
                    if held
                    else [],
                )
            )
    return model.Agent(rows)


def citation(b: Builder, iri: URIRef) -> model.Citation:
    """A citation: who cites whom, when, how many years after the cited work appeared."""
    r = b.read
    span = r.value(iri, CITO.hasCitationTimeSpan)
    years = re.fullmatch(r"P(\d+)Y", str(span)) if span is not None else None
    return model.Citation(
        citing=b.values(r.objects(iri, CITO.hasCitingEntity)),
        cited=b.values(r.objects(iri, CITO.hasCitedEntity)),
        date=_text(r.value(iri, CITO.hasCitationCreationDate)),
        span=ui("years", b.lang, years.group(1)) if years else _text(span),
        self_citation=r.is_a(iri, CITO.JournalSelfCitation),
    )


def reference(b: Builder, iri: URIRef) -> model.Reference:
    """A reference: the line as printed, the work whose list it stands in, what it cites."""
    r = b.read
    return model.Reference(
        printed=[str(c) for c in r.objects(iri, C4O.hasContent)],
        in_list=b.values(sorted(r.subjects(FRBR.part, iri))),
        cited=b.values(sorted(r.objects(iri, BIRO.references))),
    )


def dataset(b: Builder, iri: URIRef) -> model.Dataset:
    """The dataset: description, rights, keywords, root and example resources, licence."""
    r = b.read
    return model.Dataset(
        description=pick(r.objects(iri, DCTERMS.description), b.lang),
        rights=pick(r.objects(iri, DCTERMS.rights), b.lang),
        keywords=sorted(
            (text(k) for k in r.objects(iri, DCAT.keyword) if isinstance(k, Literal)),
            key=lambda t: ((t.lang or "").lower(), t.value),
        ),
        root=b.values(r.objects(iri, VOID.rootResource)),
        examples=b.values(sorted(r.objects(iri, VOID.exampleResource))),
        licence=b.values(r.objects(iri, DCTERMS.license)),
    )


def vocabulary(b: Builder, iri: URIRef) -> model.Vocabulary:
    """The vocabulary: every term it labels, its own terms first (anchored by their fragment,
    so `ontology#cn` links here), then the external terms it annotates."""
    r = b.read
    schema_property = schema_org_term(b.terms.ontology)
    rows = []
    for term in r.subjects_with(RDFS.label) - {iri}:
        own = b.space.is_own(term)
        mapped = r.value(term, schema_property) if schema_property is not None else None
        rows.append(
            model.VocabularyTerm(
                own=own,
                anchor=str(term).partition("#")[2] if own else None,
                iri=str(term),
                href=b.space.href(term),
                labels=sorted((text(lit) for lit in r.objects(term, RDFS.label)), key=_tag),
                comment=pick(r.objects(term, RDFS.comment), b.lang),
                schema=str(mapped) if mapped is not None else None,
                name=_local_name(term),
                schema_name=_local_name(mapped) if mapped is not None else None,
            )
        )
    # The IRI breaks ties between equal labels, so the order never depends on hashing.
    rows.sort(key=lambda row: (not row.own, row.labels[0].value.lower(), row.iri))
    return model.Vocabulary(rows)


# The summary of each kind of page (Builder.kind); a generic page has none.
SUMMARIES: dict[str, Callable[[Builder, URIRef], model.Summary]] = {
    "article": article,
    "work": work,
    "container": container,
    "citation": citation,
    "reference": reference,
    "dataset": dataset,
    "agent": agent,
    "vocabulary": vocabulary,
}


# rdflib finds the terms of its own namespaces through a __getattr__ that checks each name
# (2 µs a term): these are looked up once per reference, work or container.
_RELATION, _LANGUAGE, _ALTERNATIVE = DCTERMS.relation, DCTERMS.language, DCTERMS.alternative
_ABSTRACT, _SAME_AS = DCTERMS.abstract, OWL.sameAs
# And these once per page.
_NOTE, _SOURCE, _TYPE, _ONTOLOGY = SKOS.note, PROV.hadPrimarySource, RDF.type, OWL.Ontology


def _row_order(row: Statement) -> tuple[int, str]:
    """The statements table's order: _FIRST_ROWS, then the others by label."""
    return _FIRST_ROWS.get(row.predicate, len(_FIRST_ROWS)), row.property.value.lower()


def _in_order(values: list[Value]) -> tuple[Value, ...]:
    """`values` in natural reading order (a single one needs no key: an abstract's takes
    longer to make than the rest of its row)."""
    return tuple(sorted(values, key=_value_order) if len(values) > 1 else values)


def _value_order(value: Value) -> tuple[list[tuple[int, int | str]], str]:
    """Values in natural reading order (`[2]` before `[10]`), then by link."""
    return natural_key(value.text), value.href or ""


def _local_name(iri: Node) -> str:
    """`http://purl.org/spar/fabio/JournalArticle` → `JournalArticle`, `…/ontology#cn` → `cn`."""
    return re.split(r"[#/]", str(iri).rstrip("/#"))[-1]


def _tag(t: Text) -> str:
    return (t.lang or "").lower()


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)

"""The summary at the top of each kind of page: what a reader looks for first on
the page of a work, a container, an agent, a citation, the dataset or the vocabulary. Each
function reads the description through a pages.Builder and returns plain values for the
template; the full list of statements follows on every page anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING
from typing import Any

from rdflib import RDF
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCAT
from rdflib.namespace import DCTERMS
from rdflib.namespace import OWL
from rdflib.namespace import RDFS
from rdflib.namespace import VOID
from rdflib.term import Node

from lodpub import chart
from lodpub.labels import lang_matches
from lodpub.labels import language_code
from lodpub.labels import language_names
from lodpub.labels import pick
from lodpub.labels import text
from lodpub.labels import ui
from lodpub.vocab import BIRO
from lodpub.vocab import C4O
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import LITERAL
from lodpub.vocab import PRISM
from lodpub.vocab import PRO

if TYPE_CHECKING:
    from lodpub.views.pages import Builder


def work(b: Builder, iri: URIRef, with_references: bool) -> dict[str, Any]:
    """A work: authors, where it appeared, pages, date, language, keywords, abstract, other
    roles (publisher), identifiers, the references that print it; for the citing article
    also its reference list and the picture of it."""
    g = b.g
    identifiers, links = identifiers_and_links(b, iri)
    extra: dict[str, Any] = {
        "authors": b.authors(iri),
        "containers": containers(b, iri),
        "pages": _pages(b, g.value(iri, FRBR.embodiment)),
        "number": g.value(iri, FABIO.hasSequenceIdentifier),
        "date": g.value(iri, PRISM.publicationDate),
        "language": [b.value(lang) for lang in g.objects(iri, DCTERMS.language)],
        "keywords": sorted(
            (text(k) for k in g.objects(iri, PRISM.keyword)),
            key=lambda t: (not lang_matches(t.lang, b.lang.split("-")[0]), t.value),
        ),
        "abstract": [text(a) for a in g.objects(iri, DCTERMS.abstract)],
        "section": [text(s) for s in g.objects(iri, PRISM.section)],
        "roles": roles(b, iri, exclude=(PRO.author,)),
        "identifiers": identifiers,
        "links": links,
        # Links to the same work in other datasets (data/links.ttl).
        "same_as": [b.value(o) for o in sorted(g.objects(iri, OWL.sameAs))],
        "printed": [
            {"value": b.value(ref), "content": g.value(ref, C4O.hasContent)}
            for ref in sorted(g.subjects(BIRO.references, iri))
        ],
        "cited_by": [b.value(w) for w in sorted(g.subjects(CITO.cites, iri))],
    }
    if with_references:
        extra["references"] = references(b, iri)
        extra["chart"] = references_chart(b, extra["references"])
    return extra


def containers(b: Builder, iri: Node) -> list[dict[str, Any]]:
    """What `iri` is part of, outermost first (journal, volume, issue)."""
    return [
        {"kind": b.labels.term(b.labels.types(c)[0]), "value": b.value(c),
         "number": b.g.value(c, FABIO.hasSequenceIdentifier),
         "other_names": _other_names(b, c)}
        for c in reversed(b.mapper.containers(iri))
    ]  # fmt: skip


def _other_names(b: Builder, node: Node) -> list[Any]:
    """The names of `node` besides the one its links show (a journal's original title and
    the alternative title its platform prints)."""
    shown = b.labels.label(node)
    names = [*b.labels.names(node), *map(text, b.g.objects(node, DCTERMS.alternative))]
    return [n for n in names if n != shown]


def container(b: Builder, iri: URIRef) -> dict[str, Any]:
    """A journal, volume, issue or newspaper: its other titles, what it is part of, number,
    date, language, identifiers (ISSN linked to the ISSN portal), other roles (sponsor,
    publisher), and every work published in it, with the volume and issue it is in."""
    g = b.g
    identifiers, links = identifiers_and_links(b, iri)
    return {
        "alternative": [text(t) for t in g.objects(iri, DCTERMS.alternative)],
        "containers": containers(b, iri),
        "number": g.value(iri, FABIO.hasSequenceIdentifier),
        "date": g.value(iri, PRISM.publicationDate),
        "founded": g.value(iri, DCTERMS.created),
        "frequency": [b.value(f) for f in g.objects(iri, DCTERMS.accrualPeriodicity)],
        "language": [b.value(lang) for lang in g.objects(iri, DCTERMS.language)],
        "roles": roles(b, iri, exclude=()),
        "identifiers": identifiers,
        "links": links,
        "contents": contents(b, iri),
    }


def contents(b: Builder, iri: Node) -> list[dict[str, Any]]:
    """The works below `iri`, newest first, each with the containers between (volume 38,
    issue 9)."""
    rows: list[dict[str, Any]] = []

    def walk(node: Node, path: list[Node]) -> None:
        for child in sorted(b.g.subjects(FRBR.partOf, node)):
            # A description holds a container's direct children only: a child container
            # whose own contents are not there is listed itself (a journal's volumes).
            if b.kind(child) == "container" and (None, FRBR.partOf, child) in b.g:
                walk(child, [*path, child])
            else:
                date = b.g.value(child, PRISM.publicationDate)
                rows.append({"path": [b.value(c) for c in path], "work": b.value(child),
                             "date": str(date) if date is not None else ""})  # fmt: skip

    walk(iri, [])
    return sorted(rows, key=lambda r: (r["date"], r["work"].text), reverse=True)


def roles(b: Builder, node: Node, exclude: tuple[Node, ...]) -> list[dict[str, Any]]:
    """The node's roles other than `exclude` (publisher, sponsor), each with who holds it."""
    grouped: dict[Node, list] = {}
    for role in sorted(b.g.objects(node, PRO.isDocumentContextFor)):
        kind, holder = b.g.value(role, PRO.withRole), b.g.value(role, PRO.isHeldBy)
        if kind is not None and holder is not None and kind not in exclude:
            grouped.setdefault(kind, []).append(b.value(holder))
    return [{"role": b.labels.term(k), "holders": v} for k, v in grouped.items()]


def identifiers_and_links(b: Builder, node: Node) -> tuple[list[dict[str, Any]], list]:
    """The node's identifiers (scheme, value, and where it resolves: the dcterms:relation
    link that ends with the value, such as the DOI's or the ISSN portal's page), and its
    other links."""
    relations = sorted(b.g.objects(node, DCTERMS.relation))
    rows, resolved = [], set()
    for ident in sorted(b.g.objects(node, DATACITE.hasIdentifier)):
        value = b.g.value(ident, LITERAL.hasLiteralValue)
        scheme = b.g.value(ident, DATACITE.usesIdentifierScheme)
        if value is None or scheme is None:
            continue
        link = next((r for r in relations if _resolves(r, str(value))), None)
        resolved.add(link)
        rows.append({"scheme": b.labels.term(scheme), "value": str(value),
                     "href": str(link) if link is not None else None})  # fmt: skip
    links = [b.value(r) for r in relations if r not in resolved]
    return sorted(rows, key=lambda r: r["scheme"].value.lower()), links


def _resolves(link: Node, value: str) -> bool:
    return str(link) == value or str(link).lower().endswith("/" + value.lower())


def references(b: Builder, work_iri: URIRef) -> list[dict[str, Any]]:
    """The work's reference list as printed, in order, each with the cited work and its
    links, and whether citing it is a journal self-citation."""
    g = b.g
    self_cited = {
        g.value(c, CITO.hasCitedEntity)
        for c in g.subjects(CITO.hasCitingEntity, work_iri)
        if (c, RDF.type, CITO.JournalSelfCitation) in g
    }
    refs = []
    for ref in g.objects(work_iri, FRBR.part):
        if (ref, RDF.type, BIRO.BibliographicReference) not in g:
            continue
        cited = g.value(ref, BIRO.references)
        number = g.value(ref, FABIO.hasSequenceIdentifier)
        refs.append(
            {
                "number": str(number) if number is not None else "",
                "href": b.space.href(ref),
                "anchor": f"ref-{number}",
                "content": str(g.value(ref, C4O.hasContent) or ""),
                "cited": cited,
                "cited_label": b.labels.label(cited) if cited is not None else None,
                "cited_href": b.space.href(cited) if cited is not None else None,
                "links": [b.value(r) for r in sorted(g.objects(cited, DCTERMS.relation))]
                if cited is not None
                else [],
                "self_citation": cited in self_cited,
            }
        )
    return sorted(refs, key=lambda r: _numeric(r["number"]))


def references_chart(b: Builder, refs: list[dict[str, Any]]) -> chart.Chart:
    items = []
    for ref in refs:
        cited = ref["cited"]
        if cited is None:
            continue
        year = str(b.g.value(cited, PRISM.publicationDate))[:4]
        language = b.g.value(cited, DCTERMS.language)
        types = b.labels.types(cited)
        title = b.labels.label(cited)
        items.append(
            chart.Item(
                number=ref["number"],
                year=int(year) if year.isdigit() else None,
                language=language_code(language) if language is not None else None,
                kind=b.labels.term(types[0]).value if types else "?",
                href=ref["href"],
                title=title.value,
                title_lang=title.lang,
            )
        )
    return chart.layout(items, language_names(b.lang), ui("unknown_year", b.lang))


def agent(b: Builder, iri: URIRef) -> dict[str, Any]:
    """A person or organisation: what they did, each role they hold or are the affiliation
    of, with the work."""
    return {"roles": _agent_roles(b, iri)}


def _agent_roles(b: Builder, agent: URIRef) -> list[dict[str, Any]]:
    g = b.g
    rows = []
    for predicate in (PRO.isHeldBy, PRO.relatesToOrganization):
        for role in sorted(g.subjects(predicate, agent)):
            kind = g.value(role, PRO.withRole)
            holder = g.value(role, PRO.isHeldBy)
            works = sorted(g.subjects(PRO.isDocumentContextFor, role))
            held = predicate == PRO.isHeldBy
            rows.append(
                {
                    "role": b.labels.term(kind) if kind is not None else None,
                    "as_affiliation": not held,
                    "holder": b.value(holder) if holder is not None else None,
                    "works": [b.value(w) for w in works],
                    "corresponding": held and b.is_corresponding(role),
                    # On an organisation's page, its members' other affiliations are noise.
                    "affiliations": [
                        b.value(o) for o in sorted(g.objects(role, PRO.relatesToOrganization))
                    ]
                    if held
                    else [],
                }
            )
    return rows


def citation(b: Builder, iri: URIRef) -> dict[str, Any]:
    """A citation: who cites whom, when, how many years after the cited work appeared."""
    g = b.g
    span = g.value(iri, CITO.hasCitationTimeSpan)
    years = re.fullmatch(r"P(\d+)Y", str(span)) if span is not None else None
    return {
        "citing": [b.value(w) for w in g.objects(iri, CITO.hasCitingEntity)],
        "cited": [b.value(w) for w in g.objects(iri, CITO.hasCitedEntity)],
        "date": g.value(iri, CITO.hasCitationCreationDate),
        "span": ui("years", b.lang, years.group(1)) if years else span,
        "self_citation": (iri, RDF.type, CITO.JournalSelfCitation) in g,
    }


def reference(b: Builder, iri: URIRef) -> dict[str, Any]:
    """A reference: the line as printed, the work whose list it stands in, what it cites."""
    return {
        "printed": [str(c) for c in b.g.objects(iri, C4O.hasContent)],
        "in_list": [b.value(w) for w in sorted(b.g.subjects(FRBR.part, iri))],
        "cited": [b.value(w) for w in sorted(b.g.objects(iri, BIRO.references))],
    }


def dataset(b: Builder, iri: URIRef) -> dict[str, Any]:
    """The dataset: description, rights, keywords, root and example resources, licence."""
    g = b.g
    return {
        "description": pick(g.objects(iri, DCTERMS.description), b.lang),
        "rights": pick(g.objects(iri, DCTERMS.rights), b.lang),
        "keywords": sorted(
            (text(k) for k in g.objects(iri, DCAT.keyword) if isinstance(k, Literal)),
            key=lambda t: ((t.lang or "").lower(), t.value),
        ),
        "root": [b.value(r) for r in g.objects(iri, VOID.rootResource)],
        "examples": [b.value(e) for e in sorted(g.objects(iri, VOID.exampleResource))],
        "licence": [b.value(lic) for lic in g.objects(iri, DCTERMS.license)],
    }


def vocabulary(b: Builder, iri: URIRef) -> dict[str, Any]:
    """The vocabulary: every term it labels."""
    return {"terms": _vocabulary_terms(b, iri)}


def _vocabulary_terms(b: Builder, ontology: URIRef) -> list[dict[str, Any]]:
    """Every term the vocabulary labels: its own terms first (anchored by their fragment,
    so `ontology#cn` links here), then the external terms it annotates."""
    g = b.g
    rows = []
    for term in set(g.subjects(RDFS.label)) - {ontology}:
        own = b.space.is_own(term)
        mapped = g.value(term, b.mapper.schema_property)
        rows.append(
            {
                "own": own,
                "anchor": str(term).partition("#")[2] if own else None,
                "iri": str(term),
                "href": b.space.href(term),
                "labels": sorted((text(lit) for lit in g.objects(term, RDFS.label)), key=_tag),
                "comment": pick(g.objects(term, RDFS.comment), b.lang),
                "schema": str(mapped) if mapped is not None else None,
                "name": _local_name(term),
                "schema_name": _local_name(mapped) if mapped is not None else None,
            }
        )
    return sorted(rows, key=lambda r: (not r["own"], r["labels"][0].value.lower()))


# The summary of each kind of page (pages.Builder.kind); a generic page has none.
BY_KIND: dict[str, Callable[[Builder, URIRef], dict[str, Any]]] = {
    "article": partial(work, with_references=True),
    "work": partial(work, with_references=False),
    "container": container,
    "citation": citation,
    "reference": reference,
    "dataset": dataset,
    "agent": agent,
    "vocabulary": vocabulary,
}


def _pages(b: Builder, embodiment: Node | None) -> str | None:
    if embodiment is None:
        return None
    start = b.g.value(embodiment, PRISM.startingPage)
    end = b.g.value(embodiment, PRISM.endingPage)
    if start is None:
        return None
    return f"{start}–{end}" if end is not None else str(start)


def _local_name(iri: Node) -> str:
    """`http://purl.org/spar/fabio/JournalArticle` → `JournalArticle`, `…/ontology#cn` → `cn`."""
    return re.split(r"[#/]", str(iri).rstrip("/#"))[-1]


def _tag(t: Any) -> str:
    return (t.lang or "").lower()


def _numeric(value: str) -> tuple[int, str]:
    return (int(value) if value.isdigit() else 10**9, value)

"""Metadata embedded in a work's page for general crawlers and reference managers (issue #4):
Google Scholar `citation_*` meta tags, Dublin Core meta tags, COinS and the Signposting
types; and the Mapper that reads a description with the ontology's schema.org mappings
(jsonld.py builds the schema.org JSON-LD with it).

All of it is read from a description (describe.py) and the ontology: each class, property
and role is named by its `lodpub:schemaOrgTerm`, each value comes from the graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode

from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.term import Node

from lodpub import record
from lodpub.labels import language_code
from lodpub.vocab import FABIO
from lodpub.vocab import FRBR
from lodpub.vocab import PRISM
from lodpub.vocab import PRO


@dataclass(frozen=True)
class Agent:
    """An author (or publisher) as reference managers want it."""

    name: str
    family: str | None
    given: str | None
    affiliations: tuple[str, ...]


@dataclass(frozen=True)
class Citation:
    """The bibliographic facts of one work, in the form the meta tags and COinS need."""

    title: Literal | None
    authors: tuple[Agent, ...]
    date: str | None
    journal: Literal | None
    issn: tuple[str, ...]
    volume: str | None
    issue: str | None
    first_page: str | None
    last_page: str | None
    language: str | None
    keywords: tuple[Literal, ...]
    publisher: str | None
    url: str


class Mapper:
    """Reads one description with the ontology's schema.org mappings."""

    def __init__(self, graph: Graph, ontology: Graph) -> None:
        self.graph = graph
        self.ontology = ontology

    @property
    def schema_property(self) -> URIRef:
        """`lodpub:schemaOrgTerm` as this ontology names it (its namespace follows the base)."""
        return record.schema_org_term(self.ontology)

    def schema_term(self, term: Node) -> str | None:
        """The schema.org local name the ontology maps `term` to, or None."""
        return record.schema_term(self.ontology, term)

    def schema_type(self, node: Node) -> str:
        """The most specific schema.org type of `node`."""
        return record.schema_type(self.graph, self.ontology, node)

    def containers(self, work: Node) -> list[Node]:
        """The chain `work` is part of, nearest first (issue, volume, journal)."""
        return record.containers(self.graph, work)

    def roles(self, work: Node, role: URIRef) -> list[Node]:
        """The work's agent roles of kind `role`, in `oco:hasNext` order."""
        return record.roles(self.graph, work, role)

    def literals(self, node: Node) -> Iterator[tuple[str, Literal]]:
        """(schema.org property, literal) for every mapped literal of `node`."""
        for p, o in sorted(self.graph.predicate_objects(node)):
            term = self.schema_term(p)
            if term and isinstance(o, Literal):
                yield term, o

    def references(self, work: Node) -> list[Node]:
        """The cited works, in the order of the printed reference list."""
        return record.references(self.graph, work)

    def agent(self, role: Node) -> Agent | None:
        holder = self.graph.value(role, PRO.isHeldBy)
        if holder is None:
            return None
        names = _originals(self.graph.objects(holder, FOAF.name))
        family = _first(_originals(self.graph.objects(holder, FOAF.familyName)))
        given = _first(_originals(self.graph.objects(holder, FOAF.givenName)))
        if names:
            name = str(names[0])
        else:
            name = " ".join(str(part) for part in (family, given) if part is not None)
        organisations = sorted(self.graph.objects(role, PRO.relatesToOrganization))
        affiliations = tuple(
            str(_first(_originals(self.graph.objects(org, FOAF.name))) or org)
            for org in organisations
        )
        return Agent(
            name,
            str(family) if family is not None else None,
            str(given) if given is not None else None,
            affiliations,
        )


def citation(graph: Graph, ontology: Graph, work: URIRef, url: str) -> Citation:
    """The facts of `work` that Google Scholar tags and COinS carry."""
    m = Mapper(graph, ontology)
    g = graph
    chain = m.containers(work)
    by_type = {m.schema_type(c): c for c in chain}
    periodical = by_type.get("Periodical") or by_type.get("Newspaper")
    volume = by_type.get("PublicationVolume")
    issue = by_type.get("PublicationIssue")
    embodiment = g.value(work, FRBR.embodiment)
    language = g.value(work, DCTERMS.language)
    publisher = _first(m.roles(work, PRO.publisher))
    publisher_agent = m.agent(publisher) if publisher is not None else None
    date = g.value(work, PRISM.publicationDate)
    return Citation(
        title=_first(_originals(g.objects(work, DCTERMS.title))),
        authors=tuple(a for r in m.roles(work, PRO.author) if (a := m.agent(r)) is not None),
        date=str(date) if date is not None else None,
        journal=_first(_originals(g.objects(periodical, DCTERMS.title))) if periodical else None,
        issn=tuple(record.identifiers(g, periodical, record.ISSN_SCHEMES)) if periodical else (),
        volume=_text(g.value(volume, FABIO.hasSequenceIdentifier)) if volume else None,
        issue=_text(g.value(issue, FABIO.hasSequenceIdentifier)) if issue else None,
        first_page=_text(g.value(embodiment, PRISM.startingPage)) if embodiment else None,
        last_page=_text(g.value(embodiment, PRISM.endingPage)) if embodiment else None,
        language=language_code(language) if language is not None else None,
        keywords=tuple(sorted(g.objects(work, PRISM.keyword), key=_lang_then_value)),
        publisher=publisher_agent.name if publisher_agent else None,
        url=url,
    )


# Which Citation field each kind of tag carries, in the order its documentation lists them;
# a tuple field gives one tag per value (every author, in order), an Agent its name.
SCHOLAR_TAGS = (
    ("citation_title", "title"),
    ("citation_author", "authors"),
    ("citation_publication_date", "date"),
    ("citation_journal_title", "journal"),
    ("citation_issn", "issn"),
    ("citation_volume", "volume"),
    ("citation_issue", "issue"),
    ("citation_firstpage", "first_page"),
    ("citation_lastpage", "last_page"),
    ("citation_language", "language"),
    ("citation_keywords", "keywords"),
    ("citation_publisher", "publisher"),
    ("citation_abstract_html_url", "url"),
)
DUBLIN_CORE_TAGS = (
    ("DC.title", "title"),
    ("DC.creator", "authors"),
    ("DC.date", "date"),
    ("DC.language", "language"),
    ("DC.publisher", "publisher"),
    ("DC.subject", "keywords"),
    ("DC.source", "journal"),
    ("DC.identifier", "url"),
)
# OpenURL 1.0 journal format (Z39.88-2004 KEV): rft.au names every author in order, the
# first author's parts go to rft.aulast / rft.aufirst (the format defines them for the
# first author only).
COINS_KEYS = (
    ("rft.atitle", "title"),
    ("rft.jtitle", "journal"),
    ("rft.date", "date"),
    ("rft.volume", "volume"),
    ("rft.issue", "issue"),
    ("rft.spage", "first_page"),
    ("rft.epage", "last_page"),
    ("rft.issn", "issn"),
    ("rft.au", "authors"),
    ("rft.language", "language"),
    ("rft.subject", "keywords"),
    ("rft.pub", "publisher"),
)
# Signposting names types by their https schema.org IRIs; a landing page is also an
# AboutPage (https://signposting.org/FAIR/).
SIGNPOSTING_SCHEMA = "https://schema.org/"


def meta_tags(c: Citation) -> list[tuple[str, str]]:
    """Google Scholar (Highwire Press) tags as (name, content), in the documented order: each
    citation_author followed by its citation_author_institution."""
    return _tags(c, SCHOLAR_TAGS, institution="citation_author_institution")


def dublin_core(c: Citation) -> list[tuple[str, str]]:
    """Dublin Core meta tags (`DC.*`, with `<link rel="schema.DC">` in the page)."""
    return _tags(c, DUBLIN_CORE_TAGS)


def coins(c: Citation) -> str:
    """A COinS ContextObject (OpenURL 1.0 KEV, journal format) holding everything the meta tags
    hold, since Zotero keeps only what the COinS says when a page has one. Percent-encoded
    UTF-8 (a space is %20, never `+`, which decoders disagree about)."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
        ("rft.genre", "article"),
        ("rft_id", c.url),
        *_tags(c, COINS_KEYS),
    ]
    first = c.authors[0] if c.authors else None
    if first is not None and first.family and first.given:
        pairs += [("rft.aulast", first.family), ("rft.aufirst", first.given)]
    if c.first_page and c.last_page:
        pairs.append(("rft.pages", f"{c.first_page}-{c.last_page}"))
    return urlencode(pairs, quote_via=quote)


def signposting_types(schema_type: str) -> list[str]:
    """The `rel="type"` targets of a work's landing page: its schema.org type and AboutPage."""
    return [SIGNPOSTING_SCHEMA + schema_type, SIGNPOSTING_SCHEMA + "AboutPage"]


def _tags(
    c: Citation, table: tuple[tuple[str, str], ...], institution: str | None = None
) -> list[tuple[str, str]]:
    """(name, content) for each field of `c` that `table` names and that has a value; with
    `institution`, each author is followed by one such tag per affiliation."""
    tags: list[tuple[str, str]] = []
    for name, field_name in table:
        value = getattr(c, field_name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, Agent):
                tags.append((name, item.name))
                if institution:
                    tags.extend((institution, a) for a in item.affiliations)
            elif item is not None and str(item):
                tags.append((name, str(item)))
    return tags


def _originals(literals: Iterator[Node]) -> list[Literal]:
    """Literals with the original-language forms first (Chinese characters before pinyin,
    untagged before English translations), for fields that take one value."""
    order = {"zh-hans": 0, "": 1, "zh": 2, "en": 3}
    lits = [lit for lit in literals if isinstance(lit, Literal)]
    return sorted(lits, key=lambda lit: (order.get((lit.language or "").lower(), 4), str(lit)))


def _first(items: list[Any]) -> Any:
    return items[0] if items else None


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _number(node: Node | None) -> tuple[int, str]:
    text = "" if node is None else str(node)
    return (int(text) if text.isdigit() else 10**9, text)


def _lang_then_value(lit: Node) -> tuple[str, str]:
    return (getattr(lit, "language", None) or "").lower(), str(lit)

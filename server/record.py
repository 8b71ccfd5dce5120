"""One bibliographic record per work, read from its description graph: what every export
(meta tags, COinS, schema.org, citation formats, OAI-PMH) says about the work, so that they
all say the same.

`record(description, ontology, work)` reads the graph of describe.py through the one reader of
descriptions (lodpub.pages.reader), as the pages do: the work's type,
titles, authors in byline order (`oco:hasNext`) with their family and given names as the data
splits them, the containers above it (issue → volume → journal or newspaper), pages,
identifiers, publisher, abstract, keywords, language. Nothing is guessed: a field the data
does not state is None (or empty), and exporters leave it out.

The schema.org mapping of the ontology (`schema_term`, `schema_type`) is here too;
metadata.Mapper builds on it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal as Choice

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import OWL
from rdflib.term import Node

from lodpub.labels import language_code
from lodpub.pages.reader import Reader
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import PRISM
from lodpub.vocab import PRO
from lodpub.vocab import SCHEMA
from lodpub.vocab import Triple

# The kind of work, named as CSL names item types (the names citeproc and most reference
# managers use); "document" when the data's type is none of these.
Genre = Choice[
    "article-journal", "book", "chapter", "article-newspaper", "webpage", "report", "document"
]
GENRES: dict[URIRef, Genre] = {
    FABIO.JournalArticle: "article-journal",
    FABIO.Book: "book",
    FABIO.BookChapter: "chapter",
    FABIO.NewspaperArticle: "article-newspaper",
    FABIO.WebContent: "webpage",
    FABIO.ReportDocument: "report",
}
# The containers a work can sit in, by what they are to the work.
PERIODICALS = (FABIO.Journal, FABIO.Newspaper)
VOLUMES = (FABIO.JournalVolume,)
ISSUES = (FABIO.JournalIssue, FABIO.NewspaperIssue)
BOOKS = (FABIO.Book,)
ISSN_SCHEMES = (DATACITE.issn, DATACITE.eissn)
ORCID = "https://orcid.org/"
DOI_RESOLVER = "https://doi.org/"
# rdflib finds the terms of its own namespaces through a __getattr__ that checks each name
# (2-3 µs each): these are read for each author, and for each record.
_NAME, _FAMILY_NAME, _GIVEN_NAME, _PERSON = FOAF.name, FOAF.familyName, FOAF.givenName, FOAF.Person
_RELATION, _TITLE, _ABSTRACT = DCTERMS.relation, DCTERMS.title, DCTERMS.abstract
_LANGUAGE, _DATE, _LICENSE, _TYPE = DCTERMS.language, DCTERMS.date, DCTERMS.license, RDF.type
# Original forms before translations: the script a Chinese work is printed in, then
# untagged text (Western names and titles), then pinyin, then English.
_ORIGINAL_FIRST = {"zh-hans": 0, "": 1, "zh": 2, "zh-latn-pinyin": 3, "en": 4}


@dataclass(frozen=True)
class Text:
    """A text with its BCP 47 language tag (None when the data gives none)."""

    value: str
    language: str | None = None

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Name:
    """A name as the data writes it, with its family and given parts when it splits them
    (a Chinese name is family first without a space: 孙晓蕾 = 孙 + 晓蕾; a name printed with
    initials keeps them as the given name: "Grossman G M" = Grossman + "G M")."""

    text: str
    family: str | None = None
    given: str | None = None
    language: str | None = None

    @property
    def inverted(self) -> str:
        """ "Family, Given", the form reference managers split without guessing; the name as
        written when the data does not split it (an organisation)."""
        if self.family and self.given:
            return f"{self.family}, {self.given}"
        return self.family or self.text


@dataclass(frozen=True)
class Author:
    """One author in byline order: a person or an organisation (新华社)."""

    iri: str
    name: Name
    # The same name in Latin script when the byline's is not (pinyin for a Chinese person,
    # the English name of an organisation); None otherwise.
    latin: Name | None
    is_person: bool
    orcid: str | None
    affiliations: tuple[Text, ...]

    @property
    def identifier(self) -> str:
        """The author's ORCID iD URL where the data has one, else the person's IRI."""
        return self.orcid or self.iri


@dataclass(frozen=True)
class Record:
    """The bibliographic facts of one work, as the data states them."""

    iri: str
    genre: Genre
    # The most specific schema.org type the ontology maps the work's types to.
    schema_type: str
    title: Text | None
    translated_title: Text | None
    authors: tuple[Author, ...]
    # The periodical (journal, newspaper) or book the work is part of.
    container_title: Text | None
    container_translated_title: Text | None
    issn: tuple[str, ...]
    volume: str | None
    issue: str | None
    first_page: str | None
    last_page: str | None
    # An article number where the journal numbers articles instead of paging them.
    article_number: str | None
    # As the data states it: a year (2026) or a full date (2021-11-19).
    date: str | None
    # The publisher as the data names it (the data records no place of publication).
    publisher: Text | None
    abstract: Text | None
    keywords: tuple[Text, ...]
    # BCP 47 primary language code (`zh`, `en`).
    language: str | None
    doi: str | None
    # The work's ISBN, or for a chapter its book's.
    isbn: tuple[str, ...]
    # Where the work can be read on the web: its digital copy, else its URL identifiers.
    urls: tuple[str, ...]
    # When the citing authors read the web copy (web pages), as printed in the reference.
    accessed: str | None
    # The work's own licence, only where the data states one (the dataset's CC0 covers the
    # metadata, not the work).
    licence: str | None

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None

    @property
    def pages(self) -> str | None:
        """The page range ("381-392"), or the one page known."""
        if self.first_page and self.last_page:
            return f"{self.first_page}-{self.last_page}"
        return self.first_page or self.last_page

    @property
    def doi_url(self) -> str | None:
        return DOI_RESOLVER + self.doi if self.doi else None

    @property
    def url(self) -> str | None:
        return self.urls[0] if self.urls else None


def record(description: Iterable[Triple], ontology: Graph, work: URIRef) -> Record:
    """The record of `work` read from its description's triples (describe.py) and the
    ontology."""
    return read_record(Reader(description), ontology, work)


def read_record(read: Reader, ontology: Graph, work: URIRef) -> Record:
    """The record of `work` from the description `read` reads (a page reads the same)."""
    chain = read.containers(work)
    book = _of_type(read, chain, BOOKS)
    # The journal or newspaper the work appeared in, or the book a chapter is part of.
    container = _of_type(read, chain, PERIODICALS) or book
    volume = _of_type(read, chain, VOLUMES)
    issue = _of_type(read, chain, ISSUES)
    pages = read.page_range(work)
    publisher = next(iter(read.roles(work, PRO.publisher)), None)
    holder = read.value(publisher, PRO.isHeldBy)
    language = read.value(work, _LANGUAGE)
    doi = read.identifier_values(work, (DATACITE.doi,))
    exemplars = [url for url, _ in read.copies(work)]
    urls = read.identifier_values(work, (DATACITE.url,))
    accessed = sorted(_text(read.value(URIRef(u), _DATE)) or "" for u in exemplars)
    licence = read.value(work, _LICENSE)
    # A chapter is found by its book's ISBN.
    isbn_of_book = read.identifier_values(book, (DATACITE.isbn,))
    return Record(
        iri=str(work),
        genre=genre(read, work),
        schema_type=schema_type(read, ontology, work),
        title=_original(read.objects(work, _TITLE)),
        translated_title=_original(read.objects(work, FABIO.hasTranslatedTitle)),
        authors=tuple(filter(None, (author(read, r) for r in read.roles(work, PRO.author)))),
        container_title=_original(read.objects(container, _TITLE)),
        container_translated_title=_original(read.objects(container, FABIO.hasTranslatedTitle)),
        issn=tuple(read.identifier_values(container, ISSN_SCHEMES)),
        volume=_text(read.value(volume, FABIO.hasSequenceIdentifier)),
        issue=_text(read.value(issue, FABIO.hasSequenceIdentifier)),
        first_page=pages.first if pages else None,
        last_page=pages.last if pages else None,
        article_number=_text(read.value(work, FABIO.hasSequenceIdentifier)),
        date=_text(read.value(work, PRISM.publicationDate)),
        publisher=_original(read.objects(holder, _NAME)),
        abstract=_original(read.objects(work, _ABSTRACT)),
        keywords=tuple(sorted(_texts(read.objects(work, PRISM.keyword)), key=_language_then_value)),
        language=language_code(language) if language is not None else None,
        doi=doi[0] if doi else None,
        isbn=tuple(read.identifier_values(work, (DATACITE.isbn,)) or isbn_of_book),
        urls=tuple(exemplars + [u for u in urls if u not in exemplars]),
        accessed=next((a for a in accessed if a), None),
        licence=str(licence) if licence is not None else None,
    )


def author(read: Reader, role: Node) -> Author | None:
    """The agent holding `role`, with its names and the role's affiliations; None when the
    role names no holder."""
    holder = read.value(role, PRO.isHeldBy)
    if holder is None:
        return None
    names = _names(read, holder)
    latin = next((n for n in names[1:] if _is_latin(n.text)), None)
    # The iD as an identifier node (in the agent's own document) or as a link (the summary
    # of an author in a work's document).
    ids = [ORCID + i for i in read.identifier_values(holder, (DATACITE.orcid,))]
    links = sorted(str(o) for o in read.objects(holder, _RELATION))
    orcid = ids + [link for link in links if link.startswith(ORCID)]
    affiliations = []
    for organisation in sorted(read.objects(role, PRO.relatesToOrganization)):
        name = _original(read.objects(organisation, _NAME))
        affiliations.append(name or Text(str(organisation)))
    return Author(
        iri=str(holder),
        name=names[0] if names else Name(str(holder)),
        latin=latin if names and not _is_latin(names[0].text) else None,
        is_person=read.is_a(holder, _PERSON),
        orcid=orcid[0] if orcid else None,
        affiliations=tuple(affiliations),
    )


def genre(read: Reader, work: Node) -> Genre:
    """The kind of work (GENRES), from its FaBiO type."""
    found = sorted(GENRES[t] for t in read.objects(work, _TYPE) if t in GENRES)
    return found[0] if found else "document"


def schema_org_term(ontology: Graph) -> URIRef | None:
    """`lodpub:schemaOrgTerm`, whose namespace moves with the base URL the ontology was loaded
    with: found as the annotation property the ontology declares under that local name. None
    when a deployment's own ontology declares none: it maps nothing to schema.org, and the
    pages and metadata call everything schema:Thing."""
    for prop in ontology.subjects(RDF.type, OWL.AnnotationProperty):
        if str(prop).endswith("#schemaOrgTerm"):
            return prop
    return None


def schema_term(ontology: Graph, term: Node) -> str | None:
    """The schema.org local name the ontology maps `term` to (`fabio:JournalArticle` →
    `ScholarlyArticle`), or None."""
    return schema_terms(ontology).get(str(term))


@functools.lru_cache(maxsize=8)
def schema_terms(ontology: Graph) -> dict[str, str | None]:
    """Every term the ontology maps to schema.org, with its local name there: read once per
    ontology (it never changes while the app runs; a page maps some hundred terms)."""
    mapping = schema_org_term(ontology)
    if mapping is None:
        return {}
    return {
        str(term): schema_local_name(target) for term, target in ontology.subject_objects(mapping)
    }


def schema_local_name(target: Node | None) -> str | None:
    """`schema:ScholarlyArticle` → `ScholarlyArticle`; None for anything outside schema.org."""
    if target is None or not str(target).startswith(_SCHEMA):
        return None
    return str(target)[len(_SCHEMA) :]


_SCHEMA = str(SCHEMA)


def schema_type(read: Reader, ontology: Graph, node: Node) -> str:
    """The most specific schema.org type of `node` (CreativeWork only as a last resort)."""
    return mapped_type(read, schema_terms(ontology), node)


def mapped_type(read: Reader, terms: Mapping[str, str | None], node: Node) -> str:
    """The most specific schema.org type of `node` by `terms` (schema_terms of an ontology,
    looked up once by a caller that maps many nodes)."""
    return most_specific(terms.get(str(t)) for t in read.objects(node, _TYPE))


def most_specific(mapped: Iterable[str | None]) -> str:
    """The most specific of the schema.org types `mapped` (CreativeWork only as a last
    resort, Thing when there is none)."""
    found = set(filter(None, mapped))
    return min(found - {"CreativeWork"} or found or {"Thing"})


def _names(read: Reader, agent: Node) -> list[Name]:
    """The agent's names, original script first, each with the family and given name of
    the same language."""
    families = {_lang(f): str(f) for f in read.objects(agent, _FAMILY_NAME)}
    givens = {_lang(g): str(g) for g in read.objects(agent, _GIVEN_NAME)}
    return [
        Name(t.value, families.get(_lang(t)), givens.get(_lang(t)), t.language)
        for t in _originals(read.objects(agent, _NAME))
    ]


def _is_latin(text: str) -> bool:
    return all(ord(c) < 0x250 for c in text)


def _lang(lit: Node) -> str:
    return (getattr(lit, "language", None) or "").lower()


def _texts(literals: Iterable[Node]) -> list[Text]:
    return [Text(str(lit), lit.language) for lit in literals if isinstance(lit, Literal)]


def _originals(literals: Iterable[Node]) -> list[Text]:
    """Texts with the original-language forms first (see _ORIGINAL_FIRST)."""
    return sorted(
        _texts(literals),
        key=lambda t: (_ORIGINAL_FIRST.get((t.language or "").lower(), 5), t.value),
    )


def _original(literals: Iterable[Node]) -> Text | None:
    found = _originals(literals)
    return found[0] if found else None


def _of_type(read: Reader, chain: list[Node], types: tuple[URIRef, ...]) -> Node | None:
    return next((c for c in chain if read.is_a(c, *types)), None)


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _language_then_value(text: Text) -> tuple[str, str]:
    return (text.language or "").lower(), text.value

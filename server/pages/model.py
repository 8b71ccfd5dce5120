"""What each kind of HTML page shows, as plain values: texts with their language, links and
numbers, never RDF terms. lodpub.pages.build fills them from one description; the templates
(templates/<kind>.html) lay them out and read nothing else.

Every page is a `Page` (what all pages show: names, types, the statements table, notes,
sources, other formats) whose `summary` is the kind's own dataclass: `Article` (a `Work` with
its reference list and the picture of it), `Work`, `Container`, `Agent`, `Citation`,
`Reference`, `Dataset` or `Vocabulary`; a generic page has none.
"""

from __future__ import annotations

from dataclasses import dataclass

from lodpub.chart import Chart
from lodpub.labels import Text


# Not frozen, as Text is not: a page makes a hundred Values, and a frozen dataclass sets each
# field through object.__setattr__ (its __init__ takes three times as long). Nothing changes
# one once made.
@dataclass(slots=True)
class Value:
    """One node as a page shows it: its text, where a link to it goes, and the RDF term itself
    (`resource` for an IRI, `datatype` for a typed literal) for the page's RDFa."""

    text: str
    lang: str | None = None
    href: str | None = None
    external: bool = False
    resource: str | None = None
    datatype: str | None = None


# Not frozen either, nor ListedReference below: a page has a row for each property and an
# entry for each reference, some fifty in all.
@dataclass(slots=True)
class Statement:
    """One row of a page's statements table: a property and its values (or, for the links
    in, the subjects pointing at the page's thing)."""

    property: Text
    predicate: str
    values: tuple[Value, ...]


# --- parts that several kinds show --------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """One author of a work, in byline order."""

    names: list[Text]
    href: str
    affiliations: list[Value]
    corresponding: bool


@dataclass(frozen=True)
class ContainerLink:
    """One container a thing is part of (journal, volume 41, issue 2), outermost first."""

    kind: Text
    value: Value
    number: str | None
    # The container's names besides the one its link shows (a journal's original title).
    other_names: list[Text]


@dataclass(frozen=True)
class RoleHolders:
    """A role other than author (publisher, sponsor) and who holds it."""

    role: Text
    holders: list[Value]


@dataclass(frozen=True)
class IdentifierRow:
    """An identifier: its scheme's label, its value and the page it resolves to."""

    scheme: Text
    value: str
    href: str | None


@dataclass(frozen=True)
class Printed:
    """A reference (of some citing work) that prints a cited work, with the printed line."""

    value: Value
    content: str | None


@dataclass(slots=True)
class ListedReference:
    """One entry of the article's reference list, as printed, with the work it cites."""

    number: str
    href: str
    anchor: str
    content: str
    cited_label: Text | None
    cited_href: str | None
    # The cited work's own links (its DOI's page, its web address).
    links: list[Value]
    self_citation: bool


@dataclass(frozen=True)
class ContentRow:
    """A work published in a container, with the containers between (volume 38, issue 9)."""

    path: list[Value]
    work: Value
    date: str


@dataclass(frozen=True)
class AgentRole:
    """A role an agent holds, or an organisation is the affiliation of, with the works."""

    role: Text | None
    as_affiliation: bool
    holder: Value | None
    works: list[Value]
    corresponding: bool
    affiliations: list[Value]


@dataclass(frozen=True)
class VocabularyTerm:
    """A term the vocabulary labels, with its schema.org mapping."""

    own: bool
    anchor: str | None
    iri: str
    href: str
    labels: list[Text]
    comment: Text | None
    schema: str | None
    name: str
    schema_name: str | None


# --- one summary per kind of page ---------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """A work (a cited book, article, web page): authors, where it appeared, pages, date,
    language, keywords, abstract, other roles, identifiers and links, and the references
    that print it."""

    authors: list[Author]
    containers: list[ContainerLink]
    pages: str | None
    number: str | None
    date: str | None
    language: list[Value]
    keywords: list[Text]
    abstract: list[Text]
    section: list[Text]
    roles: list[RoleHolders]
    identifiers: list[IdentifierRow]
    links: list[Value]
    # Links to the same work in other datasets.
    same_as: list[Value]
    printed: list[Printed]
    cited_by: list[Value]


@dataclass(frozen=True)
class Article(Work):
    """The citing article: a work with its reference list in printed order and the picture
    of the references by year, language and kind."""

    references: list[ListedReference]
    chart: Chart


@dataclass(frozen=True)
class Container:
    """A journal, volume, issue or newspaper and every work published in it."""

    alternative: list[Text]
    containers: list[ContainerLink]
    number: str | None
    date: str | None
    founded: str | None
    frequency: list[Value]
    language: list[Value]
    roles: list[RoleHolders]
    identifiers: list[IdentifierRow]
    links: list[Value]
    contents: list[ContentRow]


@dataclass(frozen=True)
class Agent:
    """A person or organisation: each role they hold or are the affiliation of."""

    roles: list[AgentRole]


@dataclass(frozen=True)
class Citation:
    """A citation: who cites whom, when, how many years after the cited work appeared."""

    citing: list[Value]
    cited: list[Value]
    date: str | None
    span: str | None
    self_citation: bool


@dataclass(frozen=True)
class Reference:
    """A reference: the line as printed, the work whose list it stands in, what it cites."""

    printed: list[str]
    in_list: list[Value]
    cited: list[Value]


@dataclass(frozen=True)
class Dataset:
    """The dataset (its page and the home page): description, rights, keywords, root and
    example resources, licence."""

    description: Text | None
    rights: Text | None
    keywords: list[Text]
    root: list[Value]
    examples: list[Value]
    licence: list[Value]


@dataclass(frozen=True)
class Vocabulary:
    """The vocabulary: every term it labels, its own terms first."""

    terms: list[VocabularyTerm]


Summary = Work | Container | Agent | Citation | Reference | Dataset | Vocabulary


@dataclass(frozen=True)
class Featured:
    """The dataset's root resource (the article) as the home page shows it: its names, the
    summary of a work and how many references its list holds."""

    iri: str
    names: list[Text]
    work: Work
    references: int


@dataclass(frozen=True)
class Page:
    """The page about one thing: what every resource template (templates/resource.html)
    shows, and the summary of its kind (None on a generic page)."""

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
    summary: Summary | None

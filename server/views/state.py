"""What the site's views read from the running app, each computed once per app (the data
never changes while it runs): the URI space, the store, the dataset's figures, the ontology,
what the data says about `<dataset>`, the bounded description of a thing, and the HTTP
validators. Nothing here holds or walks the whole dataset.

The validators change whenever anything a response is made of changes: the data (the
store's version), the ontology (pages take their words from it) and lodpub's own code,
templates and styles. So a new release never leaves a cache holding a page it would now
render differently, under either `ETag` or `Last-Modified`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from flask import Response
from flask import current_app
from flask import request
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import VOID

from lodpub import history
from lodpub.catalogue import Figures
from lodpub.describe import Description
from lodpub.describe import describe
from lodpub.formats import HTML
from lodpub.formats import Format
from lodpub.formats import by_name
from lodpub.labels import Terms
from lodpub.publication import Publication
from lodpub.publication import of
from lodpub.store import Store
from lodpub.urls import UriSpace

# HTML first: a client that takes anything (`*/*`, Zotero) reads the page; RDF clients list
# RDF types at higher q. Order among RDF breaks ties: Turtle for rdflib and rapper.
DOCUMENT_FORMATS: tuple[Format, ...] = (
    HTML,
    *(by_name(n) for n in ("turtle", "jsonld", "rdfxml", "ntriples")),
)
# The package folder (server/): its code, templates and styles make every response.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
CODE_SUFFIXES = (".py", ".html", ".css", ".js")

T = TypeVar("T")


def publication() -> Publication:
    """What the running app publishes (lodpub.publication)."""
    return of(current_app)


def cached(key: str, make: Callable[[], T]) -> T:
    """`make()`, computed once per app (the data never changes while the app runs)."""
    return publication().computed(key, make)


def space() -> UriSpace:
    """The publication's URI space, with the document formats' extensions."""
    return publication().space


def store() -> Store:
    return publication().store


def figures() -> Figures:
    """The dataset's figures, computed once per dataset version (lodpub.catalogue)."""
    return publication().figures


def ontology() -> Graph:
    return publication().ontology


def terms() -> Terms:
    """The ontology's labels, read once per app."""
    return publication().terms


def description(iri: URIRef) -> Description:
    """The bounded description of `iri` (lodpub.describe); the store gives language tags in
    BCP 47 casing already."""
    hash_iris = [URIRef(h) for h in figures().hash_iris.get(str(iri), ())]
    found = describe(store(), iri, space(), hash_iris)
    if not found.triples:  # a provenance graph or snapshot: in the named graphs only
        found = Description(history.describe(store(), iri))
    return found


def about_dataset() -> Graph:
    """What the data says about `<dataset>` (title, licence, root and example resources)."""
    iri = space().dataset()
    query = f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"
    return cached("about dataset", lambda: store().construct(query))


def examples() -> list[URIRef]:
    """The dataset's example resources (void:exampleResource), else its first three things:
    what a stranger is pointed to first."""

    def make() -> list[URIRef]:
        named = about_dataset().objects(space().dataset(), VOID.exampleResource)
        own = sorted(iri for iri in named if space().is_own(iri))
        return own or [URIRef(iri) for iri in figures().things.window(0, 3)]

    return cached("examples", make)


def licence() -> URIRef | None:
    """The dataset's licence, which covers every document (from the data's `<dataset>`)."""

    def make() -> URIRef | None:
        found = about_dataset().value(space().dataset(), DCTERMS.license)
        return found if isinstance(found, URIRef) else None

    # Once per app: rdflib's Graph.value takes 0.05 ms, and a work's page asks three times.
    return cached("licence", make)


def fingerprint(paths: Iterable[Path]) -> str:
    """A hash of the names and bytes of `paths` (sorted): changes when any of them does."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def ontology_files() -> list[Path]:
    folder = Path(current_app.config["ONTOLOGY_DIR"])
    return [p for p in folder.iterdir() if p.is_file()]


def code_files() -> list[Path]:
    """lodpub's own code, templates and styles."""
    return [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in CODE_SUFFIXES]


# Under which the app keeps validator()'s value.
VALIDATOR_KEY = "validator"


def validator() -> str:
    """The part of every ETag that stands for the data, the ontology and the code."""

    def make() -> str:
        parts = (store().version, fingerprint(ontology_files()), fingerprint(code_files()))
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]

    return cached(VALIDATOR_KEY, make)


def last_modified() -> datetime:
    """When the data, ontology or code files last changed (whole seconds, as HTTP dates)."""

    def make() -> datetime:
        paths = [*ontology_files(), *code_files()]
        newest = max(Path(p).stat().st_mtime for p in paths)
        return max(datetime.fromtimestamp(int(newest), UTC), publication().modified)

    return cached("modified", make)


def conditional(response: Response, variant: str = "") -> Response:
    """`response` with its ETag (the validator and the variant: format, language) and
    Last-Modified; 304 when the client's copy is current (werkzeug compares If-None-Match
    lists and weak tags as RFC 9110 says)."""
    response.set_etag(f"{validator()}-{variant}".rstrip("-"))
    response.last_modified = last_modified()
    return response.make_conditional(request)


def prepare() -> None:
    """Compute now what the responses need once per app (the validators, what the data says
    about the dataset), so that no reader's first request waits for it."""
    validator()
    last_modified()
    licence()

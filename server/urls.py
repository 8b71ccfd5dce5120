"""The one mapping between the publication's IRIs, document paths and `.ext` URLs.

The W3C "Cool URIs for the Semantic Web" 303 recipe: a *thing* IRI (`br/1`, the article) is
not a web page, so it answers `303 See Other` with a *document* about it, one per format, all
below `doc/`: `doc/br/1.html`, `doc/br/1.ttl`, `doc/br/1.jsonld`, `doc/br/1.rdf`,
`doc/br/1.nt`. Documents live only below `doc/` and things never do, so every path means
exactly one of the two (and `dataset.ttl`, the whole dataset, stays distinct from the
document about the thing `dataset`).

Hash IRIs (`ontology#cn`) are documented by the document of the part before the `#`: the
vocabulary `ontology` is itself a document (an information resource), served with 200.

Nothing here knows HTTP: views turn these strings into routes, Location and Link headers, and
templates call `href` for every link, never assembling URLs by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pyoxigraph
from rdflib import Graph
from rdflib import URIRef
from rdflib.term import Node

from lodpub.labels import natural_key

# Characters that may not appear in an IRI (RFC 3987 excludes them, and a SPARQL query that
# embeds the IRI as <...> must not meet them). Paths holding one are never the publication's.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`]')

# The only schemes a page turns into a link: any other (javascript:, data:, file: …) in the
# data or in a query's result is shown as text.
WEB_SCHEMES = ("http", "https")

ONTOLOGY_PATH = "ontology"
DATASET_PATH = "dataset"
DOC = "doc"
# The suffix of a landing page's linkset (doc/br/1.linkset), beside its documents.
LINKSET = "linkset"
# The site's own routes (../shared/style.md "reserved paths"): never things of the data.
VOID_PATH = ".well-known/void"
SPARQL_PATH = "sparql"
OAI_PATH = "oai"
SITEMAP_PATH = "sitemap.xml"
ROBOTS_PATH = "robots.txt"
HEALTH_PATH = "health"
QUALITY_PATH = "quality"
RESERVED = (DOC, SPARQL_PATH, OAI_PATH, HEALTH_PATH, QUALITY_PATH, "static", ".well-known",
            ROBOTS_PATH, SITEMAP_PATH)  # fmt: skip


@dataclass(frozen=True)
class UriSpace:
    """The publication's URI space below `base` (ends in "/") and its document extensions."""

    base: str
    extensions: tuple[str, ...]

    def is_own(self, node: Node) -> bool:
        """Whether `node` is an IRI of the publication (below the base URL)."""
        return isinstance(node, URIRef) and str(node).startswith(self.base)

    def path(self, iri: Node) -> str:
        """The path of an own IRI relative to the base, without fragment: `br/1`, `ontology`.

        Raises ValueError for IRIs outside the publication."""
        return self._below(iri).split("#", 1)[0]

    def thing(self, path: str) -> URIRef:
        """The IRI of the thing at `path` (`br/1` → `<base>br/1`).

        Raises ValueError when `path` cannot be part of an IRI (`[`, a bad `%` escape …)."""
        if not path or _NOT_IN_IRI.search(path) or not is_iri(self.base + path):
            raise ValueError(f"{path!r} is not an IRI path")
        return URIRef(self.base + path)

    def document(self, iri: Node, extension: str) -> str:
        """The URL of the document about `iri` in the format with `extension`.

        A hash IRI keeps its fragment, so `ontology#cn` links into the ontology's page."""
        return self._document(self._below(iri), extension)

    def _document(self, below: str, extension: str) -> str:
        """The URL of the document about the own IRI `below` the base."""
        path, _, fragment = below.partition("#")
        url = f"{self.base}{DOC}/{path}.{extension}"
        return f"{url}#{fragment}" if fragment else url

    def _below(self, iri: Node) -> str:
        """An own IRI relative to the base: `br/1`, `ontology#cn`.

        Raises ValueError for IRIs outside the publication."""
        if not self.is_own(iri):
            raise ValueError(f"{iri} is not below {self.base}")
        return str(iri)[len(self.base) :]

    def page(self, iri: Node, lang: str | None = None) -> str:
        """The HTML document about `iri`, in the interface language `lang` when one is given."""
        return with_lang(self.document(iri, "html"), lang)

    def linkset(self, iri: Node) -> str:
        """The URL of the linkset (RFC 9264) of the landing page about `iri`."""
        return f"{self.base}{DOC}/{self.path(iri)}.{LINKSET}"

    def link(self, path: str = "", **params: str) -> str:
        """The URL of one of the site's routes below the base (`sparql`, VOID_PATH, a dump
        file; the home page when `path` is empty), with the query parameters `params`."""
        query = urlencode(params)
        return self.base + path + (f"?{query}" if query else "")

    def dataset(self) -> URIRef:
        """The IRI of the dataset itself (`<dataset>`: title, licence, root resource)."""
        return self.thing(DATASET_PATH)

    def documents(self, iri: Node) -> dict[str, str]:
        """Every document URL of `iri`, keyed by extension."""
        return {ext: self.document(iri, ext) for ext in self.extensions}

    def split(self, path: str) -> tuple[str, str] | None:
        """A document path (below `doc/`) as (thing path, extension): `doc/br/1.ttl` →
        (`br/1`, `ttl`); None for any other path."""
        inner = path.removeprefix(DOC + "/")
        stem, dot, extension = inner.rpartition(".")
        if inner == path or not dot or not stem or extension not in self.extensions:
            return None
        return stem, extension

    def href(self, node: Node, extension: str = "html") -> str:
        """Where a link to `node` points: its own document, or the external IRI itself (DOIs,
        ISSN portal pages and sources are linked out, never proxied); "" (no link) for an
        IRI that is not http(s)."""
        # is_own inline, and the IRI's text made once: a page has a hundred links.
        iri = str(node)
        if iri.startswith(self.base) and isinstance(node, URIRef):
            return self._document(iri[len(self.base) :], extension)
        return iri if is_web_iri(iri) else ""

    def is_thing_path(self, path: str) -> bool:
        """Whether `path` can name a thing: not a reserved route, no format or linkset
        extension."""
        head = path.split("/", 1)[0]
        stem, dot, extension = path.rpartition(".")
        suffixes = (*self.extensions, LINKSET)
        return head not in RESERVED and not (dot and stem and extension in suffixes)


def is_iri(text: str) -> bool:
    """Whether `text` is an absolute IRI (RFC 3987, as Oxigraph reads IRIs in queries)."""
    try:
        pyoxigraph.NamedNode(text)
    except ValueError:
        return False
    return True


def is_web_iri(text: str) -> bool:
    """Whether `text` is an http(s) IRI, the only kind a page links to."""
    scheme, colon, _ = text.partition(":")
    return bool(colon) and scheme.lower() in WEB_SCHEMES and is_iri(text)


def with_lang(url: str, lang: str | None) -> str:
    """`url` asking for the interface language `lang` (`?lang=`, before any fragment; any
    other language it asked for is dropped)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"]
    if lang:
        query.append(("lang", lang))
    return urlunsplit(parts._replace(query=urlencode(query)))


def things(graph: Graph, space: UriSpace) -> list[URIRef]:
    """Every own IRI `graph` mentions (subject or object), fragments folded into their
    documents' IRIs, sorted: the IRIs that must dereference."""
    seen: set[URIRef] = set()
    for s, _, o in graph:
        for node in (s, o):
            if space.is_own(node):
                seen.add(space.thing(space.path(node)))
    return sorted(seen, key=lambda iri: natural_key(str(iri)))

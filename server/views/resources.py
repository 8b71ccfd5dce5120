"""Blueprint: every IRI the publication mints dereferences.

- `GET /<thing>` (`br/1`, `be/3`, `dataset` ...): `303 See Other` to the document chosen by
  content negotiation (W3C Cool URIs), with `Link: rel="describedby"` to every document.
- `GET /doc/<thing>.<ext>`: the thing's bounded description (describe.py) as an HTML page or
  in Turtle, JSON-LD, RDF/XML or N-Triples (`/doc/<thing>` alone: negotiated); `Vary`,
  `Link` (alternates, about), `ETag` and `Last-Modified` with 304 on revalidation
  (views/render.py).
- The article and the works it cites also have citation documents, `doc/<thing>.bib`, `.ris`,
  `.csljson`, `.txt` (views/citing.py), among the formats their IRIs negotiate.
- `GET /ontology`: the vocabulary, a hash namespace and so itself a document: 200, negotiated.

The path rules come from urls.UriSpace; nothing here builds a URL by hand.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from rdflib import URIRef

from lodpub import errors
from lodpub import history
from lodpub.conneg import negotiate
from lodpub.urls import DOC
from lodpub.urls import LINKSET
from lodpub.urls import ONTOLOGY_PATH
from lodpub.urls import SITEMAP_PATH
from lodpub.views import render
from lodpub.views.citing import citation_document
from lodpub.views.citing import thing_redirect
from lodpub.views.render import represent
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.views.state import description
from lodpub.views.state import examples
from lodpub.views.state import ontology
from lodpub.views.state import space
from lodpub.views.state import store
from lodpub.vocab import Triple
from lodpub.vocab import union

bp = Blueprint("resources", __name__)


@bp.get(f"/{ONTOLOGY_PATH}")
def vocabulary() -> Response:
    """The ontology: its IRI names a document, so it answers 200 in the negotiated format."""
    fmt = negotiate(DOCUMENT_FORMATS)
    iri = space().thing(ONTOLOGY_PATH)
    response = represent(iri, _vocabulary(iri), fmt)
    response.headers["Content-Location"] = space().document(iri, fmt.extension)
    response.vary.add("Accept")
    return response


@bp.get(f"/{DOC}/<path:path>.{LINKSET}")
def linkset(path: str) -> Response:
    """The linkset (RFC 9264) of the landing page about a thing: its Signposting links."""
    iri = _thing_iri(path)
    triples = description(iri).triples
    if not triples:
        raise errors.NotFound(not_found_message(path))
    return render.linkset(iri, triples)


@bp.get(f"/{DOC}/<path:path>")
def document(path: str) -> Response:
    """A document about one thing, in the format its extension names; without an extension
    (`doc/br/1`), the generic document: 200 in the negotiated format, with Content-Location
    naming the specific one (Cool URIs §4.3, as /ontology does)."""
    if (cited := citation_document(path)) is not None:
        return cited
    split = space().split(f"{DOC}/{path}")
    if split is None and not space().is_thing_path(path):
        raise errors.NotFound(not_found_message(f"{DOC}/{path}"))
    thing_path, extension = split if split is not None else (path, None)
    iri = _thing_iri(thing_path)
    if thing_path == ONTOLOGY_PATH:
        triples = _vocabulary(iri)
        crowded: dict[URIRef, int] = {}
    else:
        found = description(iri)
        triples, crowded = found.triples, found.incoming_totals
        if not triples:
            raise errors.NotFound(not_found_message(thing_path))
    fmt = negotiate(DOCUMENT_FORMATS, extension=extension)
    response = represent(iri, triples, fmt, crowded=crowded)
    if extension is None:
        response.headers["Content-Location"] = space().document(iri, fmt.extension)
    return response


@bp.get("/<path:path>")
def thing(path: str) -> Response:
    """A thing of the data: 303 to its document in the negotiated format."""
    if not space().is_thing_path(path):
        raise errors.NotFound(not_found_message(path))
    iri = _thing_iri(path)
    mentioned = store().ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")
    if not mentioned and not history.is_provenance(store(), iri):
        raise errors.NotFound(not_found_message(path))
    return thing_redirect(iri, path)


def _vocabulary(iri: URIRef) -> list[Triple]:
    """The ontology files, and whatever the data says about the vocabulary's hash IRIs."""
    return union(ontology(), description(iri).triples)


def _thing_iri(path: str) -> URIRef:
    try:
        return space().thing(path)
    except ValueError:
        raise errors.NotFound(not_found_message(path)) from None


def not_found_message(path: str) -> str:
    """A 404 that helps: what was asked, what existing paths look like, where the list is."""
    shown = ", ".join(space().path(iri) for iri in examples())
    return (
        f"Nothing in this publication is called {path!r}. Resources have paths such as "
        f"{shown}; a document about each is at {DOC}/<path>.html (or .ttl, .jsonld, .rdf, "
        f".nt). Every page is listed in {space().link(SITEMAP_PATH)}."
    )

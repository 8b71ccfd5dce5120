"""Citation documents over HTTP: a work's BibTeX, RIS, CSL-JSON and formatted citation
(lodpub.citations), as documents below `doc/` (`doc/br/1.bib`, `.ris`, `.csljson`, `.txt`)
and by content negotiation on the work's IRI, the way DOI resolvers answer: `Accept:
text/x-bibliography; style=apa; locale=en-US` gets `303` to `doc/br/1.txt?style=apa&locale=en-US`.

Works are what these formats describe: the article and every work it cites (`cito:cites` from
or to them). Anything else (a person, a reference, a citation) has no citation document.
views/resources.py routes to the functions here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response
from flask import request
from rdflib import URIRef

from lodpub import citations
from lodpub import errors
from lodpub.conneg import accept_parameters
from lodpub.conneg import link_header
from lodpub.conneg import negotiate
from lodpub.formats import CITATION_FORMATS
from lodpub.pages.reader import Reader
from lodpub.record import read_record
from lodpub.urls import DOC
from lodpub.urls import UriSpace
from lodpub.views.render import see_other
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.views.state import conditional
from lodpub.views.state import description
from lodpub.views.state import ontology
from lodpub.views.state import space
from lodpub.views.state import store
from lodpub.vocab import CITO

BIBLIOGRAPHY = next(f for f in CITATION_FORMATS if f.name == "bibliography")
NOT_A_WORK = (
    "BibTeX, RIS, CSL-JSON and formatted citations describe works: the article and the works "
    "it cites. {path} is not one of them."
)


class CitationNotAcceptable(errors.LodpubError):
    """406 with a sentence: an unknown citation style or locale (listing the ones there are,
    as DOI resolvers do), or a citation format asked of something that is not a work."""

    status = 406


def citation_space() -> UriSpace:
    """The URI space of citation documents (`doc/br/1.bib` ...)."""
    return UriSpace(space().base, tuple(f.extension for f in CITATION_FORMATS))


def is_work(iri: URIRef) -> bool:
    """Whether `iri` is the article or a work it cites."""
    query = f"ASK {{ {{ <{iri}> <{CITO.cites}> ?o }} UNION {{ ?s <{CITO.cites}> <{iri}> }} }}"
    return store().ask(query)


def thing_redirect(iri: URIRef, path: str) -> Response:
    """`303` from a thing to its document in the negotiated format, citation formats included
    for works; a client that takes only citation formats gets `406` for anything else."""
    fmt = negotiate(DOCUMENT_FORMATS + CITATION_FORMATS)
    if fmt.kind != "citation":
        return see_other(iri, fmt.extension)
    if not is_work(iri):
        try:
            return see_other(iri, negotiate(DOCUMENT_FORMATS).extension)
        except errors.NotAcceptable as refused:
            available = ", ".join(refused.available)
            raise CitationNotAcceptable(
                f"{NOT_A_WORK.format(path=path)} Available media types: {available}"
            ) from None
    response = see_other(iri, fmt.extension)
    if fmt is BIBLIOGRAPHY and (asked := _asked_style()):
        _chosen(asked)  # an unknown style is refused here, not after the redirect
        response.location = with_query(response.location, asked)
    return response


def citation_document(path: str) -> Response | None:
    """The response for `doc/<path>` when it names a citation document (`br/1.bib`); None
    when it does not."""
    split = citation_space().split(f"{DOC}/{path}")
    if split is None:
        return None
    thing_path, extension = split
    try:
        iri = space().thing(thing_path)
    except ValueError:
        raise errors.NotFound(NOT_A_WORK.format(path=thing_path)) from None
    read = Reader(description(iri).triples)
    if not read.objects(iri, CITO.cites) and not read.mentions(CITO.cites, iri):
        raise errors.NotFound(NOT_A_WORK.format(path=thing_path))
    fmt = negotiate(CITATION_FORMATS, extension=extension)
    chosen = _chosen(_asked_style()) if fmt is BIBLIOGRAPHY else citations.Choice()
    work = read_record(read, ontology(), iri)
    response = Response(citations.write(work, fmt, chosen), content_type=fmt.content_type)
    alternates = [(citation_space().document(iri, f.extension), f) for f in CITATION_FORMATS]
    documents = [(space().document(iri, f.extension), f) for f in DOCUMENT_FORMATS]
    response.headers["Link"] = ", ".join(
        [link_header(alternates), link_header(documents), f'<{iri}>; rel="about"']
    )
    if fmt is BIBLIOGRAPHY:
        response.vary.add("Accept")
    return conditional(response, f"{fmt.name}-{chosen.style}-{chosen.locale or ''}")


def with_query(url: str, params: dict[str, str]) -> str:
    """`url` with the query parameters `params`."""
    return f"{url}?{urlencode(params)}"


def _chosen(asked: dict[str, str]) -> citations.Choice:
    try:
        return citations.choice(asked.get("style"), asked.get("locale"))
    except citations.UnknownStyle as unknown:
        raise CitationNotAcceptable(str(unknown)) from None


def _asked_style() -> dict[str, str]:
    """The style and locale asked for: URL parameters first, then the parameters of
    text/x-bibliography in Accept (DOI content negotiation's way)."""
    from_accept = accept_parameters(BIBLIOGRAPHY.media_type)
    asked = {}
    for key in ("style", "locale"):
        value = request.args.get(key) or from_accept.get(key)
        if value:
            asked[key] = value
    return asked

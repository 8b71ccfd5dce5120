"""Blueprint: every IRI the publication mints dereferences (issue #4).

- `GET /<thing>` (`br/1`, `be/3`, `dataset` ...): `303 See Other` to the document chosen by
  content negotiation (W3C Cool URIs), with `Link: rel="describedby"` to every document.
- `GET /doc/<thing>.<ext>`: the thing's bounded description (describe.py) as an HTML page or
  in Turtle, JSON-LD, RDF/XML or N-Triples; `Vary`, `Link` (alternates, about), `ETag` and
  `Last-Modified` with 304 on revalidation.
- `GET /ontology`: the vocabulary, a hash namespace and so itself a document: 200, negotiated.
- `GET /.well-known/void`, `/sitemap.xml`, `/robots.txt`, `/dataset.nt.gz`: for crawlers
  (catalogue.py).

The path rules come from urls.UriSpace; nothing else here builds a URL.
"""

from __future__ import annotations

import os
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import VOID

from lodpub import catalogue
from lodpub import errors
from lodpub import metadata
from lodpub.conneg import link_header
from lodpub.conneg import negotiate
from lodpub.describe import describe
from lodpub.formats import HTML
from lodpub.formats import Format
from lodpub.formats import by_name
from lodpub.labels import UI_LANGUAGES
from lodpub.labels import recased
from lodpub.labels import ui
from lodpub.labels import ui_language
from lodpub.store import Store
from lodpub.urls import ONTOLOGY_PATH
from lodpub.urls import UriSpace
from lodpub.urls import things
from lodpub.views.pages import Builder

bp = Blueprint("resources", __name__)

# HTML first: a client that takes anything (`*/*`, Zotero) reads the page; RDF clients list
# RDF types at higher q. Order among RDF breaks ties: Turtle for rdflib and rapper.
DOCUMENT_FORMATS: tuple[Format, ...] = (
    HTML,
    *(by_name(n) for n in ("turtle", "jsonld", "rdfxml", "ntriples")),
)


def _state() -> dict[str, Any]:
    """Per-app values computed once: the data never changes while the app runs."""
    return current_app.extensions.setdefault("lodpub.resources", {})


def space() -> UriSpace:
    state = _state()
    if "space" not in state:
        extensions = tuple(f.extension for f in DOCUMENT_FORMATS)
        state["space"] = UriSpace(current_app.config["BASE_URL"], extensions)
    return state["space"]


def store() -> Store:
    return current_app.extensions["lodpub"]


def ontology() -> Graph:
    return current_app.extensions["lodpub.publication"].ontology


def whole_graph() -> Graph:
    """The whole dataset as the store holds it (what dereferencing serves, piece by piece)."""
    state = _state()
    if "graph" not in state:
        state["graph"] = recased(store().construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    return state["graph"]


def last_modified() -> datetime:
    """When the published files last changed (data and ontology: pages read both)."""
    state = _state()
    if "modified" not in state:
        publication = current_app.extensions["lodpub.publication"]
        folder = current_app.config["ONTOLOGY_DIR"]
        paths = [*publication.files, *(os.path.join(folder, n) for n in os.listdir(folder))]
        newest = max(os.path.getmtime(p) for p in paths)
        state["modified"] = datetime.fromtimestamp(int(newest), UTC)
    return state["modified"]


@bp.get(f"/{ONTOLOGY_PATH}")
def vocabulary() -> Response:
    """The ontology: its IRI names a document, so it answers 200 in the negotiated format."""
    fmt = negotiate(DOCUMENT_FORMATS)
    iri = space().thing(ONTOLOGY_PATH)
    response = _represent(iri, ontology(), fmt)
    response.headers["Content-Location"] = space().document(iri, fmt.extension)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<path:path>")
def document(path: str) -> Response:
    """A document about one thing, in the format its extension names."""
    split = space().split(f"doc/{path}")
    if split is None:
        raise errors.NotFound(_not_found_message(f"doc/{path}"))
    thing_path, extension = split
    fmt = negotiate(DOCUMENT_FORMATS, extension=extension)
    iri = _thing_iri(thing_path)
    if thing_path == ONTOLOGY_PATH:
        return _represent(iri, ontology(), fmt)
    graph = recased(describe(store(), iri, space()))
    if len(graph) == 0:
        raise errors.NotFound(_not_found_message(thing_path))
    return _represent(iri, graph, fmt)


@bp.get("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset (https://www.w3.org/TR/void/#well-known)."""
    fmt = negotiate(DOCUMENT_FORMATS)
    graph = _state().get("void")
    if graph is None:
        graph = _state()["void"] = catalogue.void_graph(whole_graph(), space())
    here = space().base + catalogue.VOID_PATH
    alternates = [(f"{here}?format={f.extension}", f) for f in DOCUMENT_FORMATS]
    response = _represent(space().thing(catalogue.DATASET_PATH), graph, fmt, alternates)
    response.vary.add("Accept")
    return response


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    urls = catalogue.sitemap_urls(whole_graph(), space())
    body = catalogue.sitemap_xml(urls, last_modified().date().isoformat())
    return _conditional(Response(body, content_type="application/xml; charset=utf-8"))


@bp.get("/robots.txt")
def robots() -> Response:
    body = catalogue.robots_txt(space())
    return _conditional(Response(body, content_type="text/plain; charset=utf-8"))


@bp.get("/dataset.nt.gz")
def gzipped_dump() -> Response:
    """The whole dataset as gzipped N-Triples, from the same parsed data as /dataset.nt."""
    dump = catalogue.dump_named("dataset.nt.gz")
    state = _state()
    if "nt.gz" not in state:
        state["nt.gz"] = catalogue.dump_bytes(
            current_app.extensions["lodpub.publication"].data, dump
        )
    return _conditional(Response(state["nt.gz"], content_type=dump.media_type), dump.file_name)


@bp.get("/<path:path>")
def thing(path: str) -> Response:
    """A thing of the data: 303 to its document in the negotiated format."""
    if not space().is_thing_path(path):
        raise errors.NotFound(_not_found_message(path))
    iri = _thing_iri(path)
    if not bool(store().query(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")):
        raise errors.NotFound(_not_found_message(path))
    fmt = negotiate(DOCUMENT_FORMATS)
    target = space().document(iri, fmt.extension)
    if fmt is HTML and request.args.get("lang") in UI_LANGUAGES:
        target += "?lang=" + request.args["lang"]
    response = redirect(target, 303)
    response.vary.add("Accept")
    response.headers["Link"] = link_header(
        [(space().document(iri, f.extension), f) for f in DOCUMENT_FORMATS], rel="describedby"
    )
    return response


def _thing_iri(path: str) -> URIRef:
    try:
        return space().thing(path)
    except ValueError:
        raise errors.NotFound(_not_found_message(path)) from None


def _represent(
    iri: URIRef, graph: Graph, fmt: Format, alternates: list[tuple[str, Format]] | None = None
) -> Response:
    """`graph` about `iri` as `fmt`: serialized RDF, or the HTML page with embedded metadata.
    `alternates` are the URLs of every format (default: the documents about `iri`)."""
    if alternates is None:
        alternates = [(space().document(iri, f.extension), f) for f in DOCUMENT_FORMATS]
    lang = ui_language(request.args.get("lang") or _accept_language())
    if fmt is HTML:
        body, links = _html(iri, graph, lang, alternates)
    else:
        body, links = fmt.serialize(graph), []
    response = Response(body, content_type=fmt.content_type)
    header = [link_header(alternates), f'<{iri}>; rel="about"', *links]
    licence = _licence()
    if licence is not None:
        header.append(f'<{licence}>; rel="license"')
    response.headers["Link"] = ", ".join(header)
    response.vary.add("Accept")
    if fmt is HTML:
        response.vary.add("Accept-Language")
    return _conditional(response, f"{fmt.name}-{lang if fmt is HTML else ''}")


def _html(
    iri: URIRef, graph: Graph, lang: str, alternates: list[tuple[str, Format]]
) -> tuple[str, list[str]]:
    """The page and its Signposting links (https://signposting.org/FAIR/): its metadata
    documents, and the schema.org type of a work. cite-as and author links appear only with a
    persistent identifier or ORCID iD in the data, which the article lacks."""
    builder = Builder(graph, ontology(), space(), lang)
    page = builder.page(iri, [(url, f.label, f.media_type) for url, f in alternates])
    context: dict[str, Any] = {
        "page": page,
        "terms": builder.terms(),
        "ui": lambda key: ui(key, lang),
        "licence": _licence(),
    }
    links = [
        f'<{u}>; rel="describedby"; type="{f.media_type}"' for u, f in alternates if f.kind == "rdf"
    ]
    if page.kind in ("article", "work"):
        url = space().document(iri, "html")
        cited = metadata.citation(graph, ontology(), iri, url)
        context.update(
            jsonld=metadata.schema_org(graph, ontology(), iri, url),
            meta_tags=metadata.meta_tags(cited) if page.kind == "article" else [],
            dublin_core=metadata.dublin_core(cited),
            coins=metadata.coins(cited),
        )
        schema_type = context["jsonld"]["@type"]
        links.append(f'<{context["jsonld"]["@context"]["@vocab"]}{schema_type}>; rel="type"')
    context["other_lang"] = next(code for code in UI_LANGUAGES if code != lang)
    return render_template(f"{page.kind}.html", **context), links


def _licence() -> URIRef | None:
    """The dataset's licence, which covers every document (from the data's `<dataset>`)."""
    return whole_graph().value(space().thing(catalogue.DATASET_PATH), DCTERMS.license)


def _accept_language() -> str | None:
    return request.accept_languages.best_match(["en", "zh-Hans", "zh-CN", "zh"])


def _conditional(response: Response, variant: str = "") -> Response:
    """ETag from the data's version (and the variant), Last-Modified from the files; answers
    304 when the client's copy is current."""
    response.set_etag(f"{store().version[:24]}-{variant}".rstrip("-"))
    response.last_modified = last_modified()
    return response.make_conditional(request)


def _not_found_message(path: str) -> str:
    """A 404 that helps: what was asked, what existing paths look like, where the list is."""
    dataset = space().thing(catalogue.DATASET_PATH)
    examples = sorted(whole_graph().objects(dataset, VOID.exampleResource))
    if not examples:
        examples = things(whole_graph(), space())[:3]
    shown = ", ".join(space().path(iri) for iri in examples)
    return (
        f"Nothing in this publication is called {path!r}. Resources have paths such as "
        f"{shown}; a document about each is at doc/<path>.html (or .ttl, .jsonld, .rdf, "
        f".nt). Every page is listed in {space().base}sitemap.xml."
    )

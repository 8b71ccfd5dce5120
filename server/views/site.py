"""Blueprint for the site's own routes (issue #4): the home page, the VoID description, the
dumps of the whole dataset, the sitemap and robots.txt; and the links every page's header
and footer show.

The home page is the dataset's: a browser reads a page about the dataset and its article, an
RDF client is sent (303) to the document about `<dataset>`, the same as from the dataset's
own IRI (W3C Cool URIs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from rdflib.namespace import VOID
from rdflib.term import Node

from lodpub import catalogue
from lodpub.conneg import negotiate
from lodpub.describe import describe
from lodpub.formats import HTML
from lodpub.formats import RDF_FORMATS
from lodpub.formats import TURTLE
from lodpub.formats import Format
from lodpub.labels import Text
from lodpub.labels import recased
from lodpub.labels import ui
from lodpub.urls import DATASET_PATH
from lodpub.urls import ROBOTS_PATH
from lodpub.urls import SITEMAP_PATH
from lodpub.urls import SPARQL_PATH
from lodpub.urls import VOID_PATH
from lodpub.views.pages import Builder
from lodpub.views.pages import Page
from lodpub.views.render import alternate_links
from lodpub.views.render import asked_language
from lodpub.views.render import page_context
from lodpub.views.render import reader_language
from lodpub.views.render import represent
from lodpub.views.render import see_other
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.views.state import cached
from lodpub.views.state import conditional
from lodpub.views.state import last_modified
from lodpub.views.state import ontology
from lodpub.views.state import space
from lodpub.views.state import store
from lodpub.views.state import whole_graph

bp = Blueprint("site", __name__)

DUMP_NAMES = ",".join(dump.file_name for dump in catalogue.DUMPS)
# The VoID description is for programs first: a client that takes anything (`*/*`, curl)
# gets Turtle; a browser, which asks for HTML by name, still gets the page.
VOID_FORMATS = (TURTLE, *(f for f in DOCUMENT_FORMATS if f is not TURTLE))


@dataclass(frozen=True)
class SiteLinks:
    """The site's own routes, for every page's header and footer."""

    home: str
    dataset: str
    in_dataset: str  # the link relation of VoID's back-link from a page to its dataset
    void: str
    void_formats: tuple[tuple[str, Format], ...]
    sparql: str | None
    sitemap: str
    dumps: tuple[tuple[str, catalogue.Dump], ...]


def site_links() -> SiteLinks:
    s = space()
    return SiteLinks(
        home=s.link(),
        dataset=str(s.dataset()),
        in_dataset=str(VOID.inDataset),
        void=s.link(VOID_PATH),
        void_formats=tuple((s.link(VOID_PATH, format=f.extension), f) for f in VOID_FORMATS),
        # The endpoint exists once issue #3's blueprint is registered.
        sparql=s.link(SPARQL_PATH) if "sparql" in current_app.blueprints else None,
        sitemap=s.link(SITEMAP_PATH),
        dumps=tuple((catalogue.dump_url(s, d), d) for d in catalogue.DUMPS),
    )


@bp.app_context_processor
def site_context() -> dict[str, Any]:
    """Every template's header and footer links, and English page furniture unless the view
    passes its own `ui` and `lang` (its values win over these)."""
    return {"site": site_links(), "ui": lambda key, *values: ui(key, "en", *values), "lang": "en"}


@bp.get("/")
def home() -> Response:
    """The dataset's home page; RDF clients get 303 to the document about `<dataset>`."""
    fmt = negotiate(DOCUMENT_FORMATS)
    links = site_links()
    header = [
        *alternate_links([(url, dump.format) for url, dump in links.dumps if not dump.gzipped]),
        f'<{links.void}>; rel="describedby"; type="{TURTLE.media_type}"',
    ]
    if fmt is not HTML:
        response = see_other(space().dataset(), fmt.extension)
        response.headers["Link"] = ", ".join([response.headers["Link"], *header])
        return response
    lang = reader_language()
    dataset, terms = _page(space().dataset(), lang)
    root = whole_graph().value(space().dataset(), VOID.rootResource)
    body = render_template(
        "home.html",
        **page_context(lang, links.home),
        dataset=dataset,
        terms=terms,
        article=_page(root, lang)[0] if root is not None else None,
        article_url=space().page(root, asked_language()) if root is not None else None,
        triples=store().triple_count(),
    )
    response = Response(body, content_type=HTML.content_type)
    response.headers["Link"] = ", ".join(header)
    response.vary.update(("Accept", "Accept-Language"))
    return conditional(response, f"home-{lang}")


def _page(iri: Node, lang: str) -> tuple[Page, dict[str, Text]]:
    """The page of `iri` built from its description, and the ontology's heading words."""
    builder = Builder(recased(describe(store(), iri, space())), ontology(), space(), lang)
    return builder.page(iri, []), builder.terms()


@bp.get("/" + VOID_PATH)
def void() -> Response:
    """The VoID description of the dataset (https://www.w3.org/TR/void/#well-known)."""
    fmt = negotiate(VOID_FORMATS)
    graph = cached("void", lambda: catalogue.void_graph(whole_graph(), space()))
    if fmt is HTML:
        # The page also names what the description links to (the article's title, the
        # sources'), which the dataset's own description holds.
        graph = graph + recased(describe(store(), space().dataset(), space()))
    alternates = list(site_links().void_formats)
    response = represent(space().dataset(), graph, fmt, alternates)
    response.headers["Content-Location"] = space().link(VOID_PATH, format=fmt.extension)
    return response


@bp.get("/" + SITEMAP_PATH)
def sitemap() -> Response:
    urls = catalogue.sitemap_urls(whole_graph(), space())
    body = catalogue.sitemap_xml(urls, last_modified().date().isoformat())
    return conditional(Response(body, content_type="application/xml; charset=utf-8"))


@bp.get("/" + ROBOTS_PATH)
def robots() -> Response:
    body = catalogue.robots_txt(space())
    return conditional(Response(body, content_type="text/plain; charset=utf-8"))


@bp.get(f"/<any({DUMP_NAMES}):file_name>")
def dump(file_name: str) -> Response:
    """The whole dataset in one file (named graphs kept by TriG, N-Quads and JSON-LD); a
    `format` parameter may ask for another RDF format of the same data."""
    chosen = catalogue.dump_named(file_name)
    if not chosen.gzipped:
        fmt = negotiate(RDF_FORMATS, extension=chosen.format.extension)
        chosen = catalogue.dump_named(f"{DATASET_PATH}.{fmt.extension}")
    # Serializing the whole dataset takes a noticeable fraction of a second; the data never
    # changes while the app runs, so each dump is written once per app.
    data = current_app.extensions["lodpub.publication"].data
    body = cached(f"dump {chosen.file_name}", lambda: catalogue.dump_bytes(data, chosen))
    response = Response(body, content_type=_content_type(chosen))
    return conditional(response, chosen.file_name)


def _content_type(dump: catalogue.Dump) -> str:
    return dump.media_type if dump.gzipped else dump.format.content_type

"""Blueprint for the site's own routes: the home page, the VoID description, the
dumps of the whole dataset, the sitemap and robots.txt; and the links every page's header
and footer show.

The home page is the dataset's: a browser reads a page about the dataset and its article, an
RDF client is sent (303) to the document about `<dataset>`, the same as from the dataset's
own IRI (W3C Cool URIs).
"""

from __future__ import annotations

import gzip
import io
import queue
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from rdflib.namespace import VOID
from rdflib.term import Node

from lodpub import catalogue
from lodpub import errors
from lodpub.conneg import negotiate
from lodpub.formats import HTML
from lodpub.formats import RDF_FORMATS
from lodpub.formats import TURTLE
from lodpub.formats import Format
from lodpub.labels import Text
from lodpub.labels import ui_words
from lodpub.pages.build import Builder
from lodpub.pages.model import Page
from lodpub.pages.reader import Reader
from lodpub.publication import Slots
from lodpub.urls import DATASET_PATH
from lodpub.urls import ROBOTS_PATH
from lodpub.urls import SITEMAP_PATH
from lodpub.urls import SPARQL_PATH
from lodpub.urls import VOID_PATH
from lodpub.views.render import alternate_links
from lodpub.views.render import asked_language
from lodpub.views.render import page_context
from lodpub.views.render import reader_language
from lodpub.views.render import represent
from lodpub.views.render import see_other
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.views.state import about_dataset
from lodpub.views.state import cached
from lodpub.views.state import conditional
from lodpub.views.state import description
from lodpub.views.state import figures
from lodpub.views.state import last_modified
from lodpub.views.state import publication
from lodpub.views.state import space
from lodpub.views.state import store
from lodpub.views.state import terms
from lodpub.vocab import union

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
    """The links, made once per app (every page renders them; making them cost ~0.1 ms)."""
    return cached("site links", _make_site_links)


def _make_site_links() -> SiteLinks:
    s = space()
    return SiteLinks(
        home=s.link(),
        dataset=str(s.dataset()),
        in_dataset=str(VOID.inDataset),
        void=s.link(VOID_PATH),
        void_formats=tuple((s.link(VOID_PATH, format=f.extension), f) for f in VOID_FORMATS),
        # The endpoint exists once the SPARQL blueprint is registered.
        sparql=s.link(SPARQL_PATH) if "sparql" in current_app.blueprints else None,
        sitemap=s.link(SITEMAP_PATH),
        dumps=tuple((catalogue.dump_url(s, d), d) for d in catalogue.DUMPS),
    )


@bp.app_context_processor
def site_context() -> dict[str, Any]:
    """Every template's header and footer links, and English page furniture unless the view
    passes its own `ui` and `lang` (its values win over these)."""
    return {"site": site_links(), "ui": ui_words("en"), "lang": "en"}


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
    root = about_dataset().value(space().dataset(), VOID.rootResource)
    body = render_template(
        "home.html",
        **page_context(lang, links.home),
        dataset=dataset,
        terms=terms,
        article=_builder(root, lang).featured(root) if root is not None else None,
        article_url=space().page(root, asked_language()) if root is not None else None,
        triples=figures().triples,
    )
    response = Response(body, content_type=HTML.content_type)
    response.headers["Link"] = ", ".join(header)
    response.vary.update(("Accept", "Accept-Language"))
    return conditional(response, f"home-{lang}")


def _page(iri: Node, lang: str) -> tuple[Page, dict[str, Text]]:
    """The page of `iri` built from its description, and the ontology's heading words."""
    builder = _builder(iri, lang)
    return builder.page(iri, []), builder.headings()


def _builder(iri: Node, lang: str) -> Builder:
    """The builder of pages from the description of `iri`."""
    return Builder(Reader(description(iri).triples), terms(), space(), lang)


@bp.get("/" + VOID_PATH)
def void() -> Response:
    """The VoID description of the dataset (https://www.w3.org/TR/void/#well-known)."""
    fmt = negotiate(VOID_FORMATS)
    triples = cached(
        "void", lambda: union(catalogue.void_graph(about_dataset(), figures(), space()))
    )
    if fmt is HTML:
        # The page also names what the description links to (the article's title, the
        # sources'), which the dataset's own description holds.
        triples = union(triples, description(space().dataset()).triples)
    alternates = list(site_links().void_formats)
    response = represent(space().dataset(), triples, fmt, alternates)
    response.headers["Content-Location"] = space().link(VOID_PATH, format=fmt.extension)
    return response


@bp.get("/" + SITEMAP_PATH)
def sitemap() -> Response:
    """Every page, from the things listed once per dataset version; past SITEMAP_MAX_URLS
    pages, an index of sitemap files (`sitemap-1.xml` …)."""
    things = figures().things
    lastmod = last_modified().date().isoformat()
    files = catalogue.sitemap_file_count(things)
    if files == 1:
        body = catalogue.sitemap_xml(catalogue.sitemap_urls(things, space()), lastmod)
    else:
        urls = [space().link(f"sitemap-{n}.xml") for n in range(1, files + 1)]
        body = catalogue.sitemap_index_xml(urls, lastmod)
    return conditional(Response(body, content_type=_XML))


@bp.get("/sitemap-<int:number>.xml")
def sitemap_file(number: int) -> Response:
    """One file of a sitemap index."""
    things = figures().things
    if not 1 <= number <= catalogue.sitemap_file_count(things):
        raise errors.NotFound(f"There is no sitemap file {number}; the index is at {SITEMAP_PATH}.")
    urls = catalogue.sitemap_urls(things, space(), number)
    body = catalogue.sitemap_xml(urls, last_modified().date().isoformat())
    return conditional(Response(body, content_type=_XML), f"sitemap-{number}")


_XML = "application/xml; charset=utf-8"


@bp.get("/" + ROBOTS_PATH)
def robots() -> Response:
    body = catalogue.robots_txt(space())
    return conditional(Response(body, content_type="text/plain; charset=utf-8"))


@bp.get(f"/<any({DUMP_NAMES}):file_name>")
def dump(file_name: str) -> Response:
    """The whole dataset in one file (named graphs kept by TriG, N-Quads and JSON-LD); a
    `format` parameter may ask for another RDF format of the same data. Streamed from the
    store as it writes, so memory stays bounded whatever the size of the dataset."""
    chosen = catalogue.dump_named(file_name)
    if not chosen.gzipped:
        fmt = negotiate(RDF_FORMATS, extension=chosen.format.extension)
        chosen = catalogue.dump_named(f"{DATASET_PATH}.{fmt.extension}")
    source = store()

    def write(sink: IO[bytes]) -> None:
        if not chosen.gzipped:
            source.dump(chosen.format, sink)
            return
        # gzip's timestamp is zeroed so the same data always gives the same bytes.
        with gzip.GzipFile(fileobj=sink, mode="wb", mtime=0) as packed:
            source.dump(chosen.format, packed)

    # A client that does not read holds the thread sending its dump (the server has no write
    # timeout): a bounded number of dumps at once leaves the other threads to everything else.
    slots = publication().computed("dump slots", lambda: Slots(current_app.config["DUMP_STREAMS"]))
    if not slots.take():
        raise errors.ServiceUnavailable(
            f"This server is sending as many dumps as it may at once ({slots.bound}, "
            "DUMP_STREAMS); try again in a minute, or ask the SPARQL endpoint for the part of "
            "the data you need.",
            retry_after=DUMP_RETRY_S,
        )
    try:
        response = Response(streamed(write), content_type=_content_type(chosen))
        # Never gather the stream to learn its length (werkzeug would, for Range requests).
        response.implicit_sequence_conversion = False
        answer = conditional(response, chosen.file_name)
    except BaseException:
        slots.give_back()
        raise
    answer.call_on_close(slots.give_back)
    return answer


def streamed(write: Callable[[IO[bytes]], None]) -> Iterator[bytes]:
    """The bytes `write(sink)` writes, as they come: `write` runs in a thread of its own and
    waits while the client has not taken what it wrote (at most _STREAM_CHUNKS chunks
    buffered); a client that goes away stops it."""
    chunks: queue.Queue[bytes | Exception | None] = queue.Queue(maxsize=_STREAM_CHUNKS)
    stopped = threading.Event()

    class Sink(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            while True:
                if stopped.is_set():
                    raise BrokenPipeError("the client went away")
                try:
                    chunks.put(bytes(data), timeout=1)
                    return len(data)
                except queue.Full:
                    continue

    def run() -> None:
        try:
            with io.BufferedWriter(Sink(), buffer_size=_STREAM_CHUNK_BYTES) as sink:
                write(sink)
            outcome = None
        # Handed to the reading side as a plain error: the original's traceback holds the
        # store's iterators, which must not leave this thread.
        except Exception as error:  # noqa: BLE001
            outcome = RuntimeError(f"writing the dump failed: {error}")
        while not stopped.is_set():
            try:
                chunks.put(outcome, timeout=1)
                return
            except queue.Full:
                continue

    threading.Thread(target=run, name="lodpub-dump", daemon=True).start()
    try:
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk
    finally:
        stopped.set()


_STREAM_CHUNKS = 16
# Seconds a client refused a dump is asked to wait.
DUMP_RETRY_S = 60
_STREAM_CHUNK_BYTES = 256 * 1024


def _content_type(dump: catalogue.Dump) -> str:
    return dump.media_type if dump.gzipped else dump.format.content_type

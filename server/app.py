"""The application factory: config, open the store (a built one read-only, or the data files
loaded and validated into memory), register the blueprints, render errors, add common
headers, mount the app below the base URL's path (a base URL of https://example.org/lod/
serves /lod/br/1) and put the front's middleware (health check, body limit, response cache)
before Flask."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote_to_bytes
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from lodpub import catalogue
from lodpub import front
from lodpub.cache import ResponseCache
from lodpub.config import Config
from lodpub.conneg import prefers_html
from lodpub.dataset import load_ontology
from lodpub.dataset import load_shapes
from lodpub.errors import InvalidData
from lodpub.errors import LodpubError
from lodpub.labels import Terms
from lodpub.loader import database
from lodpub.loader import open_published
from lodpub.loader import tables
from lodpub.loader import validate_files
from lodpub.logs import limited
from lodpub.logs import request_failed
from lodpub.pages import html
from lodpub.publication import EXTENSION
from lodpub.publication import Publication
from lodpub.publication import of
from lodpub.store import disk_store
from lodpub.store import memory_store
from lodpub.urls import UriSpace
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.views.state import examples
from lodpub.views.state import prepare
from lodpub.views.state import space

log = limited(__name__)

# What the pages use, and nothing else: their own style sheets and the query page's script,
# forms that submit here. JSON-LD and the examples' JSON are data blocks (typed script
# elements are never run), so no inline script is allowed, and no inline style either
# (the SVG chart uses presentation attributes). `javascript:` URLs are inline script: refused.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Links out (DOIs, sources) learn the site, never a page's query string (a SPARQL query).
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# Added to every response the app makes, unless a view set them otherwise. Public, read-only
# open data: any web page may read it (CORS).
COMMON_HEADERS = {**SECURITY_HEADERS, "Access-Control-Allow-Origin": "*"}

# Blueprint modules of lodpub.views, each exposing `bp`; a module that is absent is skipped
# (only its own absence, not a failing import).
VIEW_MODULES = ("site", "sparql", "oai", "quality", "history", "resources")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The lodpub Flask app. `config` overrides the defaults and LODPUB_* variables (Config).

    With STORE set, opens that built store read-only (its base URL wins over BASE_URL: its
    IRIs were resolved against it) and neither reads nor validates the data files. Otherwise
    loads and validates DATA_FILES into memory. Raises errors.UnreadableFile when a data,
    ontology or shapes file (or the store) is missing or does not parse,
    errors.UnusableShapes when the shapes cannot be applied, errors.InvalidData when the
    data violates them (its `report` is the text report).

    `app.extensions["lodpub"]` is the Publication (lodpub.publication.of reads it).
    """
    settings = Config.load(config)
    limits = {
        "workers": settings["QUERY_WORKERS"],
        "memory_mb": settings["QUERY_MEMORY_MB"],
        "cache_entries": settings["QUERY_CACHE_ENTRIES"],
    }
    if settings["STORE"] is not None:
        published = open_published(Path(settings["STORE"]))
        settings["BASE_URL"] = published.manifest.base_url
        version = published.manifest.version
        store = disk_store(database(published), version, tables(published), **limits)
        ontology = load_ontology(settings["BASE_URL"], settings["ONTOLOGY_DIR"])
        publication = Publication(
            store=store,
            figures=published.figures,
            ontology=ontology,
            terms=Terms(ontology),
            space=_space(settings["BASE_URL"]),
            report=published.report,
            modified=datetime.fromisoformat(published.manifest.modified),
        )
    else:
        publication = _from_files(settings, limits)

    app = Flask(__name__)
    app.config.update(settings)
    app.extensions[EXTENSION] = publication
    views = {module.__name__.rpartition(".")[2]: module for module in _view_modules()}
    for module in views.values():
        app.register_blueprint(module.bp)
    app.register_error_handler(LodpubError, _lodpub_error)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(_common_headers)
    # The smallest pieces of HTML, written in Python (lodpub.pages.html).
    app.jinja_env.filters.update(html.FILTERS)
    app.jinja_env.globals.update(html.GLOBALS)
    _compile_templates(app)
    with app.app_context():
        prepare()
    if "sparql" in views:
        # The SPARQL endpoint's everyday request is answered before Flask (its FastPath).
        app.wsgi_app = views["sparql"].FastPath(app.wsgi_app, app, COMMON_HEADERS.items())  # type: ignore[method-assign]
    prefix = urlsplit(settings["BASE_URL"]).path.rstrip("/")
    if prefix:
        app.wsgi_app = BelowPrefix(app.wsgi_app, prefix, settings["BASE_URL"])  # type: ignore[method-assign]
    # Outside Flask: the health check, oversized bodies and cache hits need none of it.
    cache = ResponseCache(
        app.wsgi_app,
        max_entries=settings["RESPONSE_CACHE_ENTRIES"],
        max_bytes=settings["RESPONSE_CACHE_MB"] * 1024 * 1024,
    )
    publication.cache = cache
    app.wsgi_app = front.FrontDoor(
        cache,
        max_body=front.max_body_bytes(settings),
        max_query_bytes=settings["MAX_QUERY_BYTES"],
        body_timeout=settings["BODY_TIMEOUT"],
        threads=settings["THREADS"],
    )
    return app


def warm_up(app: Flask) -> dict[str, int]:
    """Render the home page and the pages of the dataset's example resources (its article, a
    reference and an author here: views.state.examples) once, and forget them. A process's first
    rendering of each kind of page pays for what the code does once in a process: imports and
    regular expressions, opening an on-disk store (some 40 ms: RocksDB does not survive a
    fork, lodpub.store), and, in a forked process, a private copy of every memory page it
    touches; `lodpub serve` has each server process do it before it answers, so that no
    reader waits for it (the README's Production section gives what a first request costs).
    Returns each page's URL with its status."""
    with app.app_context():
        pages = [space().link(), *(space().page(iri) for iri in examples())]
    client = app.test_client()
    statuses = {url: client.get(url, headers={"Accept": "text/html"}).status_code for url in pages}
    cache = of(app).cache
    if cache is not None:
        cache.clear()
    return statuses


def _from_files(settings: Config, limits: dict[str, int]) -> Publication:
    """The data files validated (as `lodpub load` validates them) and loaded into memory."""
    base_url, files = settings["BASE_URL"], [Path(path) for path in settings["DATA_FILES"]]
    ontology = load_ontology(base_url, settings["ONTOLOGY_DIR"])
    shapes = load_shapes(base_url, settings["SHAPES_DIR"])
    report = validate_files(files, base_url, shapes, ontology)
    if not report.conforms:
        raise InvalidData(report.render("text"), report.violations)
    store = memory_store(files, base_url, **limits)
    newest = max(path.stat().st_mtime for path in files)
    return Publication(
        store=store,
        figures=catalogue.figures(store, UriSpace(base_url, ())),
        ontology=ontology,
        terms=Terms(ontology),
        space=_space(base_url),
        report=report.render("text"),
        modified=datetime.fromtimestamp(int(newest), UTC),
    )


def _space(base_url: str) -> UriSpace:
    """The publication's URI space, with the document formats' extensions."""
    return UriSpace(base_url, tuple(f.extension for f in DOCUMENT_FORMATS))


class BelowPrefix:
    """WSGI middleware serving `app` below the path `prefix` ("/lod"): a request for
    /lod/br/1 reaches the app as /br/1 with SCRIPT_NAME /lod, so that its routes, url_for and
    the IRIs minted from the base URL agree. A reverse proxy forwards the full path. Any
    other path is answered 404, naming the base URL."""

    def __init__(self, app: Any, prefix: str, base_url: str) -> None:
        self.app = app
        # PATH_INFO is decoded and carried as latin-1 (PEP 3333); compare like with like.
        self.prefix = unquote_to_bytes(prefix).decode("latin-1")
        self.base_url = base_url

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
            environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
            return self.app(environ, start_response)
        message = f"This server publishes below {self.base_url}; {path!r} is outside it."
        request_failed(environ.get("REQUEST_METHOD", ""), path, 404, message)
        response = Response(
            f"404 Not Found\n{message}\n", 404, content_type="text/plain; charset=utf-8"
        )
        response.headers.update(SECURITY_HEADERS)
        return response(environ, start_response)


def _compile_templates(app: Flask) -> None:
    """Compile every template now, so that no reader's first request waits for it (a page
    template with its macros takes longer to compile than the page takes to build)."""
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)


def _view_modules() -> list[ModuleType]:
    modules = []
    for name in VIEW_MODULES:
        qualified = f"lodpub.views.{name}"
        if importlib.util.find_spec(qualified) is not None:
            modules.append(importlib.import_module(qualified))
    return modules


def _lodpub_error(error: LodpubError) -> Response:
    return _error_response(error.status, error.message, error.headers())


def _http_exception(error: HTTPException) -> Response:
    # werkzeug's own (no route matched, method not allowed ...), worded like ours.
    headers = {k: v for k, v in error.get_headers() if k.lower() == "allow"}
    return _error_response(error.code or 500, error.description or "", headers)


def _unexpected_error(error: Exception) -> Response:
    # A fault of the server's own: its traceback goes to the log (repeats are limited, see
    # lodpub.logs), never to the client.
    log.error("%s %r failed", request.method, request.path, exc_info=error)
    return _error_response(
        500, "The server failed to answer; the details are in its log.", logged=True
    )


def _error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None, logged: bool = False
) -> Response:
    """Plain text for programs, a small page for browsers; one line in the log unless the
    failure is `logged` already."""
    if not logged:
        request_failed(request.method, request.full_path.rstrip("?"), status, message)
    title = f"{status} {HTTP_STATUS_CODES.get(status, 'Error')}"
    if prefers_html():
        body = render_template("error.html", title=title, message=message)
        response = Response(body, status, content_type="text/html; charset=utf-8")
    else:
        response = Response(
            f"{title}\n{message}\n", status, content_type="text/plain; charset=utf-8"
        )
    response.headers.update(headers or {})
    response.vary.add("Accept")
    return response


def _common_headers(response: Response) -> Response:
    for name, value in COMMON_HEADERS.items():
        response.headers.setdefault(name, value)
    return response

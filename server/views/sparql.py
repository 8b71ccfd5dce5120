"""Blueprint: the SPARQL 1.1 Protocol at /sparql, the one place that knows it.

GET and POST (URL-encoded or direct `application/sparql-query`), `default-graph-uri` /
`named-graph-uri`, results by content negotiation (or a `format` parameter), the service
description and the query page for a bare GET. Queries pass lodpub.guard's checks, then run
in the store's worker processes within the configured limits. Errors are short plain text,
except on the query page, which shows them beside the query.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.http import parse_accept_header

from lodpub import errors
from lodpub import guard
from lodpub import service
from lodpub.conneg import best_format
from lodpub.conneg import negotiate
from lodpub.formats import HTML
from lodpub.formats import RDF_FORMATS
from lodpub.formats import RESULTS_FORMATS
from lodpub.formats import Format
from lodpub.formats import by_name
from lodpub.logs import limited
from lodpub.logs import request_failed
from lodpub.publication import Slots
from lodpub.publication import of
from lodpub.store import Answer
from lodpub.store import Request
from lodpub.store import Store
from lodpub.views.state import VALIDATOR_KEY
from lodpub.views.state import cached
from lodpub.views.state import figures
from lodpub.views.state import store
from lodpub.views.state import validator

log = limited(__name__)

bp = Blueprint("sparql", __name__)


def _admission(app: Flask) -> Slots:
    """Requests running or waiting for a query process, per server process. A request that
    waits holds a web thread, so threads stay for the dumps being sent (DUMP_STREAMS) and at
    least one for pages and documents: past the bound the answer is an immediate 503, never a
    wait."""

    def make() -> Slots:
        config = app.config
        bound = config["QUERY_WORKERS"] + config["QUERY_QUEUE"]
        threads = config.get("THREADS")
        if threads:
            bound = max(1, min(bound, threads - 1 - config["DUMP_STREAMS"]))
        return Slots(bound)

    return of(app).computed("query slots", make)


ALLOWED = ("GET", "HEAD", "POST", "OPTIONS")
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
# Result formats by query form; the first is the answer to no Accept or */*. HTML (the query
# page showing the result) comes last, so only a client that prefers it gets it.
# ASK answers in CSV and TSV too (a one-line "true"), as SPARQLWrapper and Oxigraph allow.
CANDIDATES = {
    "select": (*RESULTS_FORMATS, HTML),
    "ask": (*RESULTS_FORMATS, HTML),
    "construct": (*RDF_FORMATS, HTML),
    "describe": (*RDF_FORMATS, HTML),
}
# Headers a page on another origin may read (CORS).
EXPOSED = "ETag, Warning, X-SPARQL-MaxRows"
CACHE_CONTROL = "public, max-age=300"
GZIP_MIN_BYTES = 1024


@bp.route(
    "/sparql",
    methods=[*ALLOWED, "PUT", "DELETE", "PATCH"],
    provide_automatic_options=False,
)
def endpoint() -> Response:
    """The endpoint; see the module docstring."""
    if request.method == "OPTIONS":
        return _options()
    if request.method not in ALLOWED:
        raise errors.MethodNotAllowed(
            f"{request.method} is not allowed here: send queries with GET or POST; this "
            "endpoint is read-only.",
            ALLOWED,
        )
    params = _parameters()
    if "update" in params:
        raise errors.BadRequest(
            "SPARQL Update is not accepted: this endpoint is read-only. Send a query "
            "(SELECT, ASK, CONSTRUCT, DESCRIBE) in the `query` parameter."
        )
    queries = params.getlist("query")
    if len(queries) > 1:
        raise errors.BadRequest(
            f"`query` must be given exactly once; it was given {len(queries)} times."
        )
    if not queries:
        if request.method == "POST":
            raise errors.BadRequest("The request holds no query: send `query=…` or a query body.")
        return _describe_service(params)
    return _run(queries[0], params)


def _parameters() -> MultiDict[str, str]:
    """The protocol's parameters: those of the URL, then those of a URL-encoded body, or the
    body of a direct POST as `query`. Raises 413, 415 or 400 (not UTF-8)."""
    params = _decode(request.query_string)
    if request.method != "POST":
        return params
    mimetype = request.mimetype
    if mimetype not in (FORM, QUERY, UPDATE):
        given = f"{mimetype!r}" if mimetype else "no Content-Type"
        raise errors.UnsupportedMediaType(
            f"POST needs Content-Type {FORM} (query=…) or {QUERY} (the query as the body); "
            f"got {given}."
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise errors.UnsupportedMediaType(f"The body must be UTF-8; got charset={charset}.")
    body = _body()
    if mimetype == FORM:
        for key, value in _decode(body).items(multi=True):
            params.add(key, value)
    elif mimetype == QUERY:
        params.add("query", _utf8(body))
    else:
        params.add("update", "")
    return params


def _body() -> bytes:
    # Read no more than a query of the largest allowed size can take, percent-encoded.
    limit = current_app.config["MAX_QUERY_BYTES"] * 3 + 4096
    if (request.content_length or 0) > limit:
        raise _too_large()
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    return body


def _too_large() -> errors.PayloadTooLarge:
    return errors.PayloadTooLarge(
        f"The request body is too large: queries are limited to "
        f"{current_app.config['MAX_QUERY_BYTES']} bytes (MAX_QUERY_BYTES)."
    )


def _decode(raw: bytes) -> MultiDict[str, str]:
    return MultiDict(_pairs(raw))


def _pairs(raw: bytes) -> list[tuple[str, str]]:
    # Strictly: werkzeug's own parsing would turn bytes that are not UTF-8 into U+FFFD and
    # run a different query than the one sent.
    try:
        return parse_qsl(_utf8(raw), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise _not_utf8() from None


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_utf8() from None


def _not_utf8() -> errors.BadRequest:
    return errors.BadRequest("The request is not valid UTF-8; queries must be sent in UTF-8.")


def _run(sparql: str, params: MultiDict[str, str]) -> Response:
    """Negotiate, revalidate, check, run, respond."""
    form = guard.query_form(sparql)
    fmt = negotiate(CANDIDATES.get(form, CANDIDATES["select"]), formats=params.getlist("format"))
    query = _request(
        current_app,
        sparql,
        fmt,
        tuple(params.getlist("default-graph-uri")),
        tuple(params.getlist("named-graph-uri")),
    )
    etag = _etag(query, fmt, validator())
    if request.method != "POST" and request.if_none_match.contains_weak(etag):
        return _cacheable(Response(status=304), etag)
    if fmt is HTML:
        return _page(query, form, etag, [f for f in CANDIDATES.get(form, ()) if f is not HTML])
    answer = _answer(query, form)
    response = Response(answer.body, content_type=by_name(answer.format).content_type)
    response.headers.extend(_truncation_headers(answer))
    return _cacheable(_gzip(response), etag)


def _request(
    app: Flask,
    sparql: str,
    fmt: Format,
    default_graph_uris: tuple[str, ...] = (),
    named_graph_uris: tuple[str, ...] = (),
) -> Request:
    """What the query processes are asked: `sparql`, answered in `fmt` (a results format for
    SELECT and ASK, an RDF format for CONSTRUCT and DESCRIBE, or the page's defaults)."""
    return Request(
        sparql=sparql,
        base_iri=app.config["BASE_URL"],
        results_format=fmt.name if fmt.kind == "results" else "json",
        graph_format=fmt.name if fmt.kind == "rdf" else "turtle",
        default_graph_uris=default_graph_uris,
        named_graph_uris=named_graph_uris,
        max_rows=app.config["MAX_RESULT_ROWS"],
    )


def _answer(query: Request, form: str) -> Answer:
    """Run `query` (of lodpub.guard.query_form `form`) if lodpub.guard lets it. Raises
    errors.LodpubError."""
    # The fast path tried this very request and failed: its error is the answer (a query is
    # never run twice).
    failure = request.environ.pop(FAST_PATH_FAILURE, None)
    if failure is not None:
        raise failure
    return _answer_in(current_app, query, form)


def _answer_in(app: Flask, query: Request, form: str) -> Answer:
    """`_answer` for `app`, outside a request."""
    config = app.config
    store = of(app).store
    guard.check_query(
        query.sparql,
        max_bytes=config["MAX_QUERY_BYTES"],
        base_iri=query.base_iri,
        has_graph=store.has_graph,
        form=form,
    )
    guard.check_graph_iris(query.default_graph_uris + query.named_graph_uris, store.has_graph)
    admission = _admission(app)
    if not admission.take():
        raise errors.ServiceUnavailable(
            f"The endpoint is busy: {admission.bound} queries are running or waiting "
            "(QUERY_WORKERS + QUERY_QUEUE). Try again in a few seconds.",
            retry_after=math.ceil(config["QUERY_TIMEOUT"]),
        )
    try:
        return store.answer(query, timeout=config["QUERY_TIMEOUT"])
    finally:
        admission.give_back()


def _etag(query: Request, fmt: Format, validator: str) -> str:
    # The answer depends on the data, the code (`validator`), the request and the format.
    # Weak: blank node labels differ from one run to the next.
    key = json.dumps([validator, fmt.name, query.__dict__], sort_keys=True)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _cacheable(response: Response, etag: str) -> Response:
    response.set_etag(etag, weak=True)
    if request.method != "POST":
        # Written whole: werkzeug's cache_control rewrites the header on every attribute set.
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _truncation_headers(answer: Answer) -> list[tuple[str, str]]:
    """The headers saying that `answer` was cut at MAX_RESULT_ROWS; none when it was not."""
    if not answer.truncated:
        return []
    what = "solutions" if answer.kind == "solutions" else "triples"
    return [
        ("X-SPARQL-MaxRows", str(answer.rows)),
        ("Warning", f'199 lodpub "Result cut after {answer.rows} {what} (MAX_RESULT_ROWS); '
                    'use LIMIT and OFFSET to read it in parts"'),
    ]  # fmt: skip


# Where the fast path leaves, for the view, the error of a request it tried.
FAST_PATH_FAILURE = "lodpub.sparql.failure"
# The Vary header of every answer the fast path gives (it negotiated on Accept).
FAST_PATH_VARY = "Accept-Encoding, Accept"


class FastPath:
    """WSGI middleware in front of the Flask app for the endpoint's everyday request: GET or
    HEAD of /sparql with nothing but `query` in the URL, no If-None-Match, and an Accept that
    negotiates a results or RDF format. It answers like the view, header for header, without
    Flask's request context, routing and response objects, which cost more than running a
    small query (measured: the README's "Production" section). Everything else goes to the
    app; so does a request whose query is refused or fails, with its error, which the view
    raises instead of running the query again.

    `common_headers` are the headers the app adds to every response."""

    def __init__(
        self, wsgi_app: Callable, app: Flask, common_headers: Iterable[tuple[str, str]]
    ) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.common_headers = [("Access-Control-Expose-Headers", EXPOSED), *common_headers]

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (
            environ.get("PATH_INFO") != "/sparql"
            or method not in ("GET", "HEAD")
            or "HTTP_IF_NONE_MATCH" in environ
        ):
            return self.wsgi_app(environ, start_response)
        try:
            params = _pairs(environ.get("QUERY_STRING", "").encode("latin-1"))
        except errors.LodpubError:
            return self.wsgi_app(environ, start_response)
        if len(params) != 1 or params[0][0] != "query":
            return self.wsgi_app(environ, start_response)
        sparql = params[0][1]
        form = guard.query_form(sparql)
        fmt = best_format(
            CANDIDATES.get(form, CANDIDATES["select"]), environ.get("HTTP_ACCEPT", "")
        )
        if fmt is None or fmt is HTML:
            return self.wsgi_app(environ, start_response)
        query = _request(self.app, sparql, fmt)
        try:
            answer = _answer_in(self.app, query, form)
        except Exception as error:  # the view answers it, as it answers its own
            environ[FAST_PATH_FAILURE] = error
            return self.wsgi_app(environ, start_response)
        body = answer.body
        headers = [("Content-Type", by_name(answer.format).content_type), ("Content-Length", "")]
        headers += _truncation_headers(answer)
        headers.append(("Vary", FAST_PATH_VARY))
        encodings = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))
        # Quality 0 refuses an encoding (RFC 9110 §12.4.2).
        if len(body) >= GZIP_MIN_BYTES and encodings["gzip"] > 0:
            body = gzip.compress(body, compresslevel=6)
            headers.append(("Content-Encoding", "gzip"))
        headers[1] = ("Content-Length", str(len(body)))
        headers += [
            ("ETag", f'W/"{_etag(query, fmt, self._validator())}"'),
            ("Cache-Control", CACHE_CONTROL),
            *self.common_headers,
        ]
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body]

    def _validator(self) -> str:
        # views.state.validator() without an app context (one costs ~20 µs): the app made it
        # when it started.
        return of(self.app).computed(VALIDATOR_KEY, self._validator_in_context)

    def _validator_in_context(self) -> str:
        with self.app.app_context():
            return validator()


def _gzip(response: Response) -> Response:
    response.vary.add("Accept-Encoding")
    if response.content_length >= GZIP_MIN_BYTES and request.accept_encodings["gzip"] > 0:
        response.set_data(gzip.compress(response.get_data(), compresslevel=6))
        response.content_encoding = "gzip"
    return response


def _options() -> Response:
    """CORS preflight (and a plain OPTIONS): which methods and headers a page may use."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Allow"] = ", ".join(ALLOWED)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED)
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Accept, Content-Type"
    )
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    return response


def _describe_service(params: MultiDict[str, str]) -> Response:
    """A bare GET: the query page for browsers, the service description for the rest."""
    fmt = negotiate((*RDF_FORMATS, HTML), formats=params.getlist("format"))
    if fmt is HTML:
        text = service.example_text(_examples(), params.get("example", ""))
        return Response(_render(query=text), content_type=HTML.content_type)
    etag = hashlib.sha256(f"{_store().version} {fmt.name}".encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        return _cacheable(Response(status=304), etag)
    description = cached(
        "sparql service description",
        lambda: service.description(figures(), current_app.config["BASE_URL"]),
    )
    response = Response(fmt.serialize(description), content_type=fmt.content_type)
    return _cacheable(_gzip(response), etag)


def _page(query: Request, form: str, etag: str, alternatives: list[Format]) -> Response:
    """The query page with the query's result, or its error, under the form; links to the
    result in each of `alternatives`."""
    status = 200
    context: dict[str, Any] = {"query": query.sparql, "alternatives": alternatives}
    headers: dict[str, str] = {}
    try:
        answer = _answer(query, form)
    except errors.LodpubError as error:
        status = error.status
        headers = error.headers()
        context["error"] = error.message
        request_failed(request.method, request.full_path.rstrip("?"), status, error.message)
    else:
        context["answer"] = answer
        context["result"] = service.readable(answer)
    response = Response(_render(**context), status, headers, content_type=HTML.content_type)
    return _cacheable(_gzip(response), etag) if status == 200 else response


def _render(**context: Any) -> str:
    config = current_app.config
    return render_template(
        "sparql.html",
        examples=_examples(),
        endpoint=config["BASE_URL"] + "sparql",
        limits=service.limits(config),
        formats=(*RESULTS_FORMATS, *RDF_FORMATS),
        **context,
    )


def _examples() -> list[service.Example]:
    return cached("sparql examples", lambda: service.examples(current_app.config["QUERIES_DIR"]))


def _store() -> Store:
    return store()


@bp.errorhandler(errors.LodpubError)
def _error(error: errors.LodpubError) -> Response:
    # Plain text at the endpoint whatever the client prefers: its clients are programs, and
    # the query page shows its errors itself.
    return _plain(error.status, error.message, error.headers())


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    # A fault of the server's own: its traceback goes to the (limited) log.
    log.error("%s %r failed", request.method, request.path, exc_info=error)
    return _plain(
        500, "The query failed inside the server; the details are in its log.", logged=True
    )


def _plain(
    status: int, message: str, headers: dict[str, str] | None = None, logged: bool = False
) -> Response:
    """A short plain-text error, and its one line in the log unless it is `logged` already."""
    if not logged:
        request_failed(request.method, request.full_path.rstrip("?"), status, message)
    title = f"{status} {HTTP_STATUS_CODES.get(status, 'Error')}"
    response = Response(f"{title}\n{message}\n", status, content_type="text/plain; charset=utf-8")
    response.headers.update(headers or {})
    return response

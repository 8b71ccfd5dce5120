"""The application factory: config, load and validate the data once, open the store,
register the blueprints, render errors, add common headers."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from flask import Flask
from flask import Response
from flask import render_template
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from lodpub.config import Config
from lodpub.conneg import prefers_html
from lodpub.dataset import load_publication
from lodpub.errors import InvalidData
from lodpub.errors import LodpubError
from lodpub.store import MemoryStore
from lodpub.validate import validate_publication

log = logging.getLogger(__name__)

# Blueprint modules of lodpub.views, each exposing `bp`. Issues #3 and #4 add sparql and
# resources; a module not written yet is skipped (only its own absence, not a failing import).
VIEW_MODULES = ("site", "sparql", "oai", "quality", "resources")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The lodpub Flask app. `config` overrides the defaults and LODPUB_* variables (Config).

    Loads and validates the data once. Raises errors.UnreadableFile when a data, ontology or
    shapes file is missing or does not parse, errors.UnusableShapes when pyshacl cannot apply
    the shapes, errors.InvalidData when the data violates them (its `report` is the text
    report).

    `app.extensions["lodpub"]` is the Store; `"lodpub.publication"` the parsed files
    (dataset.Publication), `"lodpub.report"` the validation report (warnings included).
    """
    settings = Config.load(config)
    publication = load_publication(settings)
    report = validate_publication(publication)
    if not report.conforms:
        raise InvalidData(report.render("text"), report.violations)

    app = Flask(__name__)
    app.config.update(settings)
    app.extensions["lodpub"] = MemoryStore(
        publication.data,
        workers=settings["QUERY_WORKERS"],
        memory_mb=settings["QUERY_MEMORY_MB"],
        cache_entries=settings["QUERY_CACHE_ENTRIES"],
    )
    app.extensions["lodpub.publication"] = publication
    app.extensions["lodpub.report"] = report
    for module in _view_modules():
        app.register_blueprint(module.bp)
    app.register_error_handler(LodpubError, _lodpub_error)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(_common_headers)
    return app


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
    # The details go to the log, never to the client.
    log.exception("unexpected error", exc_info=error)
    return _error_response(500, "The server failed to answer; the details are in its log.")


def _error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """Plain text for programs, a small page for browsers."""
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
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Public, read-only open data: any web page may read it (CORS).
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response

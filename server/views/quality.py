"""Blueprint for the reference quality report (quality.py): a page for readers, a JSON
document for programs, at one URL negotiated between them (`?format=json` or
`Accept: application/json` asks for the document; a client that takes anything reads the
page, like every page of the site)."""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Response
from flask import render_template
from rdflib import URIRef

from lodpub import quality
from lodpub.conneg import link_header
from lodpub.conneg import negotiate
from lodpub.formats import HTML
from lodpub.formats import REPORT_JSON
from lodpub.urls import QUALITY_PATH
from lodpub.views.render import asked_language
from lodpub.views.render import page_context
from lodpub.views.render import reader_language
from lodpub.views.state import cached
from lodpub.views.state import conditional
from lodpub.views.state import space
from lodpub.views.state import store

bp = Blueprint("quality", __name__)

REPORT_FORMATS = (HTML, REPORT_JSON)


@bp.app_context_processor
def quality_context() -> dict[str, str]:
    """The report's URL, for the home page's and the article page's link to it."""
    return {"quality_url": space().link(QUALITY_PATH)}


def the_report() -> quality.Report:
    """The report, built once per app (the data never changes while it runs)."""
    return cached("quality", lambda: quality.report(store(), space().dataset()))


@bp.get("/" + QUALITY_PATH)
def report() -> Response:
    """The reference quality report as HTML or JSON."""
    fmt = negotiate(REPORT_FORMATS)
    s = space()
    built = the_report()
    alternates = [(s.link(QUALITY_PATH, format=f.extension), f) for f in REPORT_FORMATS]
    if fmt is REPORT_JSON:
        body = json.dumps(built.to_json(), ensure_ascii=False, indent=1)
        response = Response(body, content_type=fmt.content_type)
    else:
        lang = reader_language()
        here = s.link(QUALITY_PATH)
        body = render_template(
            "quality.html",
            **page_context(lang, here),
            report=built,
            alternates=alternates,
            page=lambda iri: s.page(URIRef(iri), asked_language()),
            href=lambda iri: s.href(URIRef(iri)),
            own=lambda iri: s.is_own(URIRef(iri)),
            # Own IRIs by their short path and fragment (`br/104`, `dataset#journal-lists`).
            label=lambda iri: iri.removeprefix(s.base),
        )
        response = Response(body, content_type=fmt.content_type)
        response.vary.add("Accept-Language")
    response.headers["Link"] = link_header(alternates)
    response.vary.add("Accept")
    return conditional(response, fmt.name + (f"-{reader_language()}" if fmt is HTML else ""))

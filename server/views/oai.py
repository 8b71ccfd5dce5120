"""Blueprint: OAI-PMH 2.0 at `/oai`, by GET (query string) and POST (form body), as the
protocol requires; lodpub.oai answers. Every answer is XML with status 200, errors included
(the protocol reports them in the body)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request
from rdflib import Literal
from rdflib.namespace import DCTERMS

from lodpub import oai
from lodpub.urls import OAI_PATH
from lodpub.views.state import about_dataset
from lodpub.views.state import cached
from lodpub.views.state import figures
from lodpub.views.state import ontology
from lodpub.views.state import publication
from lodpub.views.state import space
from lodpub.views.state import store

bp = Blueprint("oai", __name__)


@bp.route(f"/{OAI_PATH}", methods=["GET", "POST"])
def endpoint() -> Response:
    values = request.form if request.method == "POST" else request.args
    arguments = {name: values.getlist(name) for name in values}
    body = oai.respond(repository(), arguments, datetime.now(UTC))
    return Response(body, content_type="text/xml; charset=utf-8")


def repository() -> oai.Repository:
    """The publication as an OAI-PMH repository (built once per app)."""

    def make() -> oai.Repository:
        return oai.Repository(
            store=store(),
            space=space(),
            ontology=ontology(),
            items=figures().works,
            endpoint=space().link(OAI_PATH),
            name=_dataset_title(),
            admin_email=current_app.config["OAI_ADMIN_EMAIL"] or _webmaster(),
            datestamp=publication().modified,
            page_size=current_app.config["OAI_PAGE_SIZE"],
            version=store().version[:16],
        )

    return cached("oai", make)


def _dataset_title() -> str:
    titles = list(about_dataset().objects(space().dataset(), DCTERMS.title))
    english = [t for t in titles if isinstance(t, Literal) and t.language == "en"]
    return str((english or titles or [space().base])[0])


def _webmaster() -> str:
    """RFC 2142's mailbox for a web service on the base URL's host."""
    host = urlsplit(space().base).hostname or "localhost"
    return parseaddr(f"webmaster@{host}")[1]

"""Blueprint for the site's own pages: the home page and the whole dataset as one file."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for

from lodpub.conneg import link_header
from lodpub.conneg import negotiate
from lodpub.formats import RDF_FORMATS
from lodpub.formats import Format
from lodpub.store import Store

bp = Blueprint("site", __name__)

PREFIXES = """
PREFIX biro: <http://purl.org/spar/biro/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX frbr: <http://purl.org/vocab/frbr/core#>
PREFIX oco: <https://w3id.org/oc/ontology/>
PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
PREFIX pro: <http://purl.org/spar/pro/>
"""

DUMP_EXTENSIONS = ",".join(fmt.extension for fmt in RDF_FORMATS)


@dataclass(frozen=True)
class Text:
    """A literal as a page shows it: its text and its language tag (for `lang=`)."""

    value: str
    lang: str = ""


@dataclass
class ArticleSummary:
    """What the home page says about one citing work, all read from the data."""

    iri: str
    references: int
    titles: list[Text] = field(default_factory=list)
    translated_titles: list[Text] = field(default_factory=list)
    authors: list[Text] = field(default_factory=list)
    journal: list[Text] = field(default_factory=list)
    volume: list[Text] = field(default_factory=list)
    issue: list[Text] = field(default_factory=list)
    date: list[Text] = field(default_factory=list)
    first_page: list[Text] = field(default_factory=list)
    last_page: list[Text] = field(default_factory=list)


# Pattern from ?work to ?v for each literal field of ArticleSummary.
FIELDS = {
    "titles": "?work dcterms:title ?v",
    "translated_titles": "?work fabio:hasTranslatedTitle ?v",
    "journal": "?work frbr:partOf+ ?c . ?c a fabio:Journal ; dcterms:title ?v",
    "volume": "?work frbr:partOf+ ?c . ?c a fabio:JournalVolume ; fabio:hasSequenceIdentifier ?v",
    "issue": "?work frbr:partOf+ ?c . ?c a fabio:JournalIssue ; fabio:hasSequenceIdentifier ?v",
    "date": "?work prism:publicationDate ?v",
    "first_page": "?work frbr:embodiment/prism:startingPage ?v",
    "last_page": "?work frbr:embodiment/prism:endingPage ?v",
}

# Authors in oco:hasNext order: an author's position is the number of authors up to it.
AUTHORS = """
SELECT (COALESCE(SAMPLE(?zh), SAMPLE(?any)) AS ?v) (COUNT(DISTINCT ?prev) AS ?position) WHERE {
  #VALUES
  ?work pro:isDocumentContextFor ?role .
  ?role pro:withRole pro:author ; pro:isHeldBy ?agent .
  ?prev oco:hasNext* ?role .
  ?work pro:isDocumentContextFor ?prev .
  ?prev pro:withRole pro:author .
  OPTIONAL { ?agent foaf:name ?zh FILTER(LCASE(LANG(?zh)) = "zh-hans") }
  OPTIONAL { ?agent foaf:name ?any }
} GROUP BY ?role ORDER BY ?position
"""


def store() -> Store:
    return current_app.extensions["lodpub"]


@bp.get("/")
def home() -> Response:
    """The home page: each work with a reference list (the article), and the dumps."""
    dumps = [(url_for("site.dump", ext=fmt.extension), fmt) for fmt in RDF_FORMATS]
    body = render_template(
        "home.html",
        articles=articles(store()),
        licences=_texts(store(), _select("?d a dcat:Dataset ; dcterms:license ?v")),
        dumps=dumps,
        triples=store().triple_count(),
    )
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Link"] = link_header(dumps)
    return response


@bp.get(f"/dataset.<any({DUMP_EXTENSIONS}):ext>")
def dump(ext: str) -> Response:
    """The whole dataset in the format of the extension (named graphs kept by TriG,
    N-Quads and JSON-LD). Conditional on the data's version."""
    fmt = negotiate(RDF_FORMATS, extension=ext)
    response = Response(_serialized(fmt), content_type=fmt.content_type)
    response.set_etag(f"{store().version[:32]}-{fmt.name}")
    return response.make_conditional(request)


def _serialized(fmt: Format) -> bytes:
    # Serializing the whole dataset takes a noticeable fraction of a second; the data never
    # changes while the app runs, so each format is written once per app.
    cache = current_app.extensions.setdefault("lodpub.dumps", {})
    if fmt.name not in cache:
        cache[fmt.name] = fmt.serialize(current_app.extensions["lodpub.publication"].data)
    return cache[fmt.name]


def articles(source: Store) -> list[ArticleSummary]:
    """Every work that has a bibliographic reference list, with what the page shows."""
    rows = source.query(
        PREFIXES
        + """SELECT ?work (COUNT(DISTINCT ?ref) AS ?n) WHERE {
               ?work frbr:part ?ref . ?ref a biro:BibliographicReference .
             } GROUP BY ?work ORDER BY ?work"""
    )
    summaries = []
    for row in rows:
        iri = row["work"].value
        summary = ArticleSummary(iri=iri, references=int(row["n"].value))
        for name, pattern in FIELDS.items():
            setattr(summary, name, _texts(source, _select(pattern), iri))
        summary.authors = _texts(source, AUTHORS, iri)
        summaries.append(summary)
    return summaries


def _select(pattern: str) -> str:
    """The distinct values ?v of a graph pattern, as a query for _texts."""
    return f"SELECT DISTINCT ?v WHERE {{ #VALUES\n {pattern} }} ORDER BY ?v"


def _texts(source: Store, query: str, work: str | None = None) -> list[Text]:
    """The values ?v of `query`, with ?work bound to the IRI `work` at its #VALUES mark."""
    if work is not None:
        query = query.replace("#VALUES", f"VALUES ?work {{ <{work}> }}", 1)
    return [_text(row["v"]) for row in source.query(PREFIXES + query) if row["v"] is not None]


def _text(term: Any) -> Text:
    """A pyoxigraph Literal or NamedNode as Text (a NamedNode has no language)."""
    return Text(term.value, getattr(term, "language", None) or "")


@bp.app_context_processor
def site_nav() -> dict[str, list[tuple[str, str]]]:
    """The navigation every page's header shows (the endpoint once issue #3 registers it)."""
    nav = [("Home", url_for("site.home")), ("Dataset (Turtle)", url_for("site.dump", ext="ttl"))]
    if "sparql" in current_app.blueprints:
        nav.append(("SPARQL", request.script_root + "/sparql"))
    return {"site_nav": nav}

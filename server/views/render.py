"""One graph about one IRI as an HTTP response (issue #4): serialized RDF, or the HTML page
built from the same graph with its embedded metadata; either way with `Vary`, `Link`
(alternates, the thing it is about, licence, Signposting) and validators.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import redirect
from flask import render_template
from flask import request
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import VOID

from lodpub import jsonld
from lodpub import metadata
from lodpub.conneg import link_header
from lodpub.formats import HTML
from lodpub.formats import Format
from lodpub.labels import UI_LANGUAGES
from lodpub.labels import ui
from lodpub.labels import ui_language
from lodpub.urls import with_lang
from lodpub.views.pages import Builder
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.views.state import conditional
from lodpub.views.state import licence
from lodpub.views.state import ontology
from lodpub.views.state import space

Alternates = list[tuple[str, Format]]


def asked_language() -> str | None:
    """The interface language the URL asks for (`?lang=zh-Hans`), if it names one."""
    asked = request.args.get("lang")
    return asked if asked in UI_LANGUAGES else None


def reader_language() -> str:
    """The interface language: `?lang=`, else Accept-Language, else English."""
    asked = asked_language()
    if asked is None:
        asked = request.accept_languages.best_match(["en", "zh-Hans", "zh-CN", "zh"])
    return ui_language(asked)


def page_context(lang: str, here: str) -> dict[str, Any]:
    """What every page template needs besides its own data: the interface words in `lang`,
    the other interface language and the URL of this page (`here`) in it."""
    other = next(code for code in UI_LANGUAGES if code != lang)
    return {
        "lang": lang,
        "ui": lambda key, *values: ui(key, lang, *values),
        "other_lang": other,
        "switch_url": with_lang(here, other),
    }


def represent(
    iri: URIRef, graph: Graph, fmt: Format, alternates: Alternates | None = None
) -> Response:
    """`graph` about `iri` as `fmt`: serialized RDF, or the HTML page with embedded metadata.
    `alternates` are the URLs of every format (default: the documents about `iri`)."""
    if alternates is None:
        alternates = [(space().document(iri, f.extension), f) for f in DOCUMENT_FORMATS]
    lang = reader_language()
    if fmt is HTML:
        body, links = _html(iri, graph, lang, alternates)
    else:
        body, links = fmt.serialize(graph), []
    response = Response(body, content_type=fmt.content_type)
    # void:inDataset as an extension relation (RFC 8288 §2.1.2): VoID's back-link from a
    # document to its dataset, given without adding a triple the dump does not hold.
    header = [
        link_header(alternates),
        f'<{iri}>; rel="about"',
        f'<{space().dataset()}>; rel="{VOID.inDataset}"',
        *links,
    ]
    if licence() is not None:
        header.append(f'<{licence()}>; rel="license"')
    response.headers["Link"] = ", ".join(header)
    response.vary.add("Accept")
    if fmt is HTML:
        response.vary.add("Accept-Language")
    return conditional(response, f"{fmt.name}-{lang if fmt is HTML else ''}")


def _html(iri: URIRef, graph: Graph, lang: str, alternates: Alternates) -> tuple[str, list[str]]:
    """The page and its Signposting links (https://signposting.org/FAIR/): a metadata
    document per RDF format, and for a work the schema.org type and AboutPage. cite-as,
    item and author links are left out: the data has no persistent identifier, no content
    file and no ORCID iD for them."""
    builder = Builder(graph, ontology(), space(), lang)
    page = builder.page(iri, [(url, f.label, f.media_type) for url, f in alternates])
    here = next(url for url, f in alternates if f is HTML)
    context: dict[str, Any] = {
        **page_context(lang, here),
        "page": page,
        "terms": builder.terms(),
        "licence": licence(),
    }
    links = [
        f'<{u}>; rel="describedby"; type="{f.media_type}"' for u, f in alternates if f.kind == "rdf"
    ]
    if page.kind in ("article", "work"):
        url = space().document(iri, "html")
        cited = metadata.citation(graph, ontology(), iri, url)
        context.update(
            jsonld=jsonld.schema_org(graph, ontology(), iri, url),
            meta_tags=metadata.meta_tags(cited) if page.kind == "article" else [],
            dublin_core=metadata.dublin_core(cited),
            coins=metadata.coins(cited),
        )
        types = metadata.signposting_types(context["jsonld"]["@type"])
        links += [f'<{t}>; rel="type"' for t in types]
    return render_template(f"{page.kind}.html", **context), links


def see_other(iri: URIRef, extension: str) -> Response:
    """`303 See Other` from the thing `iri` to its document in the format with `extension`
    (an HTML page keeps the interface language asked for), naming every document."""
    if extension == HTML.extension:
        target = space().page(iri, asked_language())
    else:
        target = space().document(iri, extension)
    response = redirect(target, 303)
    response.vary.add("Accept")
    response.headers["Link"] = link_header(
        [(space().document(iri, f.extension), f) for f in DOCUMENT_FORMATS], rel="describedby"
    )
    return response

"""The triples about one IRI as an HTTP response: RDF written by the store, or the HTML page
built from the same triples with its embedded metadata; either way with `Vary`, `Link` (the JSON-LD
alternate, the thing it is about, Signposting) and validators; and the landing page's
linkset.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from flask import Response
from flask import redirect
from flask import render_template
from flask import request
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import VOID

from lodpub import catalogue
from lodpub import jsonld
from lodpub import metadata
from lodpub import record
from lodpub import signposting
from lodpub.conneg import best_language
from lodpub.conneg import link_header
from lodpub.conneg import negotiate
from lodpub.describe import INCOMING_LIMIT
from lodpub.formats import HTML
from lodpub.formats import JSONLD
from lodpub.formats import LINKSET_FORMATS
from lodpub.formats import LINKSET_JSON
from lodpub.formats import Format
from lodpub.labels import ACCEPTED_LANGUAGES
from lodpub.labels import UI_LANGUAGES
from lodpub.labels import ui_language
from lodpub.labels import ui_words
from lodpub.pages.build import Builder
from lodpub.pages.reader import Reader
from lodpub.record import Record
from lodpub.urls import SPARQL_PATH
from lodpub.urls import with_lang
from lodpub.views.history import provenance_links
from lodpub.views.state import DOCUMENT_FORMATS
from lodpub.views.state import conditional
from lodpub.views.state import licence
from lodpub.views.state import ontology
from lodpub.views.state import space
from lodpub.views.state import store
from lodpub.views.state import terms
from lodpub.vocab import Triple
from lodpub.vocab import bind_all
from lodpub.vocab import prefixes

Alternates = list[tuple[str, Format]]


def asked_language() -> str | None:
    """The interface language the URL asks for (`?lang=zh-Hans`), if it names one."""
    asked = request.args.get("lang")
    return asked if asked in UI_LANGUAGES else None


def reader_language() -> str:
    """The interface language: `?lang=`, else Accept-Language, else English."""
    asked = asked_language()
    if asked is None:
        header = request.headers.get("Accept-Language", "")
        asked = best_language(header, ACCEPTED_LANGUAGES)
    return ui_language(asked)


def page_context(lang: str, here: str) -> dict[str, Any]:
    """What every page template needs besides its own data: the interface words in `lang`,
    the other interface language and the URL of this page (`here`) in it."""
    other = next(code for code in UI_LANGUAGES if code != lang)
    return {
        "lang": lang,
        "ui": ui_words(lang),
        "other_lang": other,
        "switch_url": with_lang(here, other),
    }


def represent(
    iri: URIRef,
    triples: Iterable[Triple],
    fmt: Format,
    alternates: Alternates | None = None,
    crowded: Mapping[URIRef, int] | None = None,
) -> Response:
    """`triples` about `iri` (each once) as `fmt`: RDF, or the HTML page with embedded
    metadata. `alternates` are the URLs of every format (default: the documents about
    `iri`); `crowded`, the properties whose links into `iri` the triples keep only the first
    INCOMING_LIMIT of, with how many there are: the page says so, and the page and a Link
    header point to the SPARQL query that lists them all."""
    if alternates is None:
        alternates = [(space().document(iri, f.extension), f) for f in DOCUMENT_FORMATS]
    more = [(prop, total, _all_links(iri, prop)) for prop, total in sorted((crowded or {}).items())]
    lang = reader_language()
    if fmt is HTML:
        body, links = _html(iri, triples, lang, alternates, more)
    else:
        body, links = _serialized(triples, fmt), _metadata_links(alternates)
    response = Response(body, content_type=fmt.content_type)
    # void:inDataset as an extension relation (RFC 8288 §2.1.2): VoID's back-link from a
    # document to its dataset, given without adding a triple the dump does not hold.
    header = [
        *alternate_links(alternates, fmt),
        f'<{iri}>; rel="about"',
        f'<{space().dataset()}>; rel="{VOID.inDataset}"',
        *provenance_links(iri),
        signposting.header(links),
        *(
            f'<{url}>; rel="related"; title="all {total} links <{prop}> to this resource; '
            f'the document keeps {INCOMING_LIMIT} of them"'
            for prop, total, url in more
        ),
    ]
    response.headers["Link"] = ", ".join(header)
    response.vary.update(("Accept", "Accept-Language") if fmt is HTML else ("Accept",))
    return conditional(response, f"{fmt.name}-{lang if fmt is HTML else ''}")


def _serialized(triples: Iterable[Triple], fmt: Format) -> bytes:
    """`triples` in the RDF format `fmt`, with lodpub's prefixes: JSON-LD compacted with them
    as its context (the profile the Signposting links name; Oxigraph writes JSON-LD
    expanded), the others by the store's writer, fifty times faster than rdflib's."""
    declared = prefixes(space().base)
    if fmt is JSONLD:
        triples = list(triples)
        try:
            document = jsonld.compacted(triples, declared)
        except ValueError:
            # RDF lists, which compaction writes as `@list`: rdflib's writer knows them.
            graph = bind_all(Graph(bind_namespaces="none"), space().base)
            for triple in triples:
                graph.add(triple)
            return fmt.serialize(graph)
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
    return store().serialize(triples, fmt, declared)


def alternate_links(alternates: Alternates, fmt: Format | None = None) -> list[str]:
    """The `rel="alternate"` Link header values of a response in `fmt`: the JSON-LD
    document alone, and none on a JSON-LD response. PyLD's document loader fails on a
    response with more than one `alternate`, and follows one of type application/ld+json
    from any response whose Content-Type is not plain JSON (ours carries a charset), so
    from the JSON-LD document itself it would loop. The page's head lists every format."""
    return [
        f'<{url}>; rel="alternate"; type="{f.media_type}"'
        for url, f in alternates
        if f.name == "jsonld" and fmt is not f
    ]


def _metadata_links(alternates: Alternates) -> list[signposting.Link]:
    """A metadata document's Signposting: `describes` back to the landing page, and the
    licence, which covers every document (they are the dataset's metadata)."""
    landing = [signposting.describes(url) for url, f in alternates if f is HTML]
    return landing + ([signposting.Link(licence(), "license")] if licence() is not None else [])


def landing_links(iri: URIRef, read: Reader, rec: Record | None) -> list[signposting.Link]:
    """The Signposting level 1 links of the landing page about `iri` (signposting.py), from
    its description (`read`) and, for a work, its record: cite-as, describedby, type, author,
    license and item, each only where the data states it."""
    s = space()
    documents = [(s.document(iri, f.extension), f) for f in DOCUMENT_FORMATS]
    links = [
        signposting.Link((rec.doi_url if rec else None) or str(iri), "cite-as"),
        *signposting.describedby(documents),
        *signposting.types(rec.schema_type if rec else record.schema_type(read, ontology(), iri)),
    ]
    if rec is not None:
        links += [signposting.Link(a.identifier, "author") for a in rec.authors]
    links += [signposting.Link(str(lic), "license") for lic in read.objects(iri, DCTERMS.license)]
    if iri == s.dataset():
        # The dataset's content: its dumps.
        items = [(catalogue.dump_url(s, d), d.media_type) for d in catalogue.DUMPS]
    else:
        items = read.copies(iri)
    links += [signposting.Link(url, "item", media_type) for url, media_type in items]
    return links


def linkset_links(iri: URIRef) -> list[signposting.Link]:
    """The landing page's links to its linkset, one per linkset format."""
    return [
        signposting.Link(space().linkset(iri), "linkset", f.media_type) for f in LINKSET_FORMATS
    ]


def linkset(iri: URIRef, triples: Iterable[Triple]) -> Response:
    """The linkset of the landing page about `iri` (Signposting level 2), negotiated between
    `application/linkset+json` and `application/linkset`: the landing page's links, and
    each metadata document's `describes` link back to it."""
    page = space().document(iri, HTML.extension)
    read = Reader(triples)
    rec = _record(read, iri)
    links = landing_links(iri, read, rec)
    links += [
        signposting.Link(page, "describes", HTML.media_type, anchor=link.target)
        for link in links
        if link.rel == "describedby"
    ]
    fmt = negotiate(LINKSET_FORMATS)
    if fmt is LINKSET_JSON:
        body = json.dumps(signposting.linkset_json(page, links), ensure_ascii=False, indent=1)
    else:
        body = signposting.linkset_text(page, links)
    return conditional(Response(body, content_type=fmt.content_type), fmt.name)


def _record(read: Reader, iri: URIRef) -> Record | None:
    """The bibliographic record of `iri` if it is a work of a kind record.GENRES knows (an
    article, book, web page …, not a journal or an issue)."""
    if record.genre(read, iri) == "document":
        return None
    return record.read_record(read, ontology(), iri)


def _all_links(iri: URIRef, prop: URIRef) -> str:
    """The endpoint's URL for every link `prop` into `iri`."""
    return space().link(SPARQL_PATH, query=f"SELECT ?s WHERE {{ ?s <{prop}> <{iri}> }} ORDER BY ?s")


def _html(
    iri: URIRef,
    triples: Iterable[Triple],
    lang: str,
    alternates: Alternates,
    more: list[tuple[URIRef, int, str]],
) -> tuple[str, list[signposting.Link]]:
    """The page and its Signposting links (landing_links, and the linkset); `more`: the
    links left out, per property (how many in all, the query listing them)."""
    read = Reader(triples)
    builder = Builder(read, terms(), space(), lang)
    page = builder.page(iri, [(url, f.label, f.media_type) for url, f in alternates])
    here = next(url for url, f in alternates if f is HTML)
    rec = _record(read, iri)
    links = landing_links(iri, read, rec) + linkset_links(iri)
    context: dict[str, Any] = {
        **page_context(lang, here),
        "page": page,
        "terms": builder.headings(),
        "licence": licence(),
        "signposts": links,
        "crowded": [(builder.labels.term(prop), total, url) for prop, total, url in more],
        "incoming_limit": INCOMING_LIMIT,
    }
    if rec is not None:
        url = space().document(iri, "html")
        context.update(
            jsonld=jsonld.schema_org(read, ontology(), iri, url, rec, licence()),
            meta_tags=metadata.highwire(rec, url),
            dublin_core=metadata.dublin_core(rec),
            coins=metadata.coins(rec),
        )
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

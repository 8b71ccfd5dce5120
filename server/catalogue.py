"""What the publication says about itself, for crawlers and harvesters (issue #4): the VoID
description, the dumps, the sitemap and robots.txt, all from the same graph and base URL as
the pages, so that a dump holds exactly what dereferencing and SPARQL serve.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCAT
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import VOID
from rdflib.namespace import XSD

from lodpub.formats import RDF_FORMATS
from lodpub.formats import Format
from lodpub.formats import by_name
from lodpub.urls import DATASET_PATH
from lodpub.urls import SITEMAP_PATH
from lodpub.urls import SPARQL_PATH
from lodpub.urls import VOID_PATH
from lodpub.urls import UriSpace
from lodpub.urls import things
from lodpub.vocab import bind_all

# Datasets outside the publication that its links (dcterms:relation) point into; each gets a
# void:Linkset when the data links to it: (key, title, URI space, home page).
LINK_TARGETS = (
    ("doi", "DOI System", "https://doi.org/", "https://www.doi.org/"),
    ("issn", "ISSN Portal", "https://portal.issn.org/resource/ISSN/", "https://portal.issn.org/"),
    ("orcid", "ORCID", "https://orcid.org/", "https://orcid.org/"),
    ("handle", "Handle System", "https://hdl.handle.net/", "https://www.handle.net/"),
)


@dataclass(frozen=True)
class Dump:
    """One download of the whole dataset."""

    file_name: str
    format: Format
    gzipped: bool = False

    @property
    def media_type(self) -> str:
        return "application/gzip" if self.gzipped else self.format.media_type


# The whole dataset as one file: `dataset.<ext>` in every RDF format (views/site.py serves
# them), and N-Triples gzipped for bulk loaders.
DUMPS = (
    *(Dump(f"{DATASET_PATH}.{fmt.extension}", fmt) for fmt in RDF_FORMATS),
    Dump(f"{DATASET_PATH}.nt.gz", by_name("ntriples"), gzipped=True),
)


def dump_named(file_name: str) -> Dump | None:
    return next((d for d in DUMPS if d.file_name == file_name), None)


def dump_url(space: UriSpace, dump: Dump) -> str:
    return space.link(dump.file_name)


def dump_bytes(graph: Graph, dump: Dump) -> bytes:
    """The whole `graph` in the dump's format. gzip's timestamp is zeroed so the same data
    always gives the same bytes (and ETag)."""
    data = dump.format.serialize(graph)
    return gzip.compress(data, mtime=0) if dump.gzipped else data


def void_graph(graph: Graph, space: UriSpace) -> Graph:
    """The VoID description of `graph` (the whole dataset, https://www.w3.org/TR/void/): what
    the data itself says about `<dataset>`, plus its size, URI space, SPARQL endpoint, dumps,
    formats, vocabularies, class and property partitions, and one linkset per external
    dataset it links to.

    The nodes this description adds (partitions, linksets, their targets) are hash IRIs of
    the VoID document itself (`.well-known/void#links-doi`), so that each of them
    dereferences to the one document that describes it."""
    dataset = space.dataset()
    here = URIRef(space.link(VOID_PATH))
    void = bind_all(Graph(bind_namespaces="none"), space.base)
    for p, o in graph.predicate_objects(dataset):
        void.add((dataset, p, o))
    void.add((here, RDF.type, VOID.DatasetDescription))
    void.add((here, FOAF.primaryTopic, dataset))
    void.add((dataset, RDF.type, VOID.Dataset))
    void.add((dataset, FOAF.homepage, URIRef(space.link())))
    void.add((dataset, VOID.uriSpace, Literal(space.base)))
    void.add((dataset, VOID.sparqlEndpoint, URIRef(space.link(SPARQL_PATH))))
    _add_counts(void, dataset, graph, space)
    _add_dumps(void, dataset, space)
    for fmt in RDF_FORMATS:
        if fmt.iri is not None:
            void.add((dataset, VOID.feature, URIRef(fmt.iri)))
    classes = Counter(o for o in graph.objects(None, RDF.type))
    properties = Counter(graph.predicates())
    for namespace in sorted(_namespaces([*classes, *properties])):
        void.add((dataset, VOID.vocabulary, URIRef(namespace)))
    _add_partitions(void, dataset, here, classes, properties)
    _add_linksets(void, graph, dataset, here)
    return void


def _add_counts(void: Graph, dataset: URIRef, graph: Graph, space: UriSpace) -> None:
    subjects = set(graph.subjects())
    void.add((dataset, VOID.triples, _number(len(graph))))
    void.add((dataset, VOID.entities, _number(sum(space.is_own(s) for s in subjects))))
    void.add((dataset, VOID.distinctSubjects, _number(len(subjects))))
    void.add((dataset, VOID.distinctObjects, _number(len(set(graph.objects())))))
    void.add((dataset, VOID.classes, _number(len(set(graph.objects(None, RDF.type))))))
    void.add((dataset, VOID.properties, _number(len(set(graph.predicates())))))


def _add_dumps(void: Graph, dataset: URIRef, space: UriSpace) -> None:
    """void:dataDump for every dump, each also a dcat:Distribution with its media type."""
    for dump in DUMPS:
        url = URIRef(dump_url(space, dump))
        void.add((dataset, VOID.dataDump, url))
        void.add((dataset, DCAT.distribution, url))
        void.add((url, RDF.type, DCAT.Distribution))
        void.add((url, DCAT.downloadURL, url))
        void.add((url, DCAT.mediaType, URIRef(_media_type_iri(dump.media_type))))
        void.add((url, DCTERMS.format, Literal(dump.format.media_type)))


def sitemap_urls(graph: Graph, space: UriSpace) -> list[str]:
    """Every page of the publication: the home page and the HTML document of every thing."""
    return [space.base] + [space.document(iri, "html") for iri in things(graph, space)]


def sitemap_xml(urls: Iterable[str], lastmod: str | None = None) -> str:
    """A sitemaps.org urlset; `lastmod` (W3C date) applies to every URL."""
    modified = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
    entries = "".join(f"  <url><loc>{escape(u)}</loc>{modified}</url>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    )


def robots_txt(space: UriSpace) -> str:
    """Crawling allowed everywhere; the sitemap named (https://www.rfc-editor.org/rfc/rfc9309)."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {space.link(SITEMAP_PATH)}\n"


def _number(count: int) -> Literal:
    return Literal(count, datatype=XSD.integer)


def _namespaces(terms: Iterable[URIRef]) -> set[str]:
    """The namespace of each term: up to and including its last `#` or `/`."""
    out = set()
    for term in terms:
        text = str(term)
        cut = max(text.rfind("#"), text.rfind("/"))
        out.add(text[: cut + 1])
    return out


def _media_type_iri(media_type: str) -> str:
    return "https://www.iana.org/assignments/media-types/" + media_type


def _add_partitions(
    void: Graph, dataset: URIRef, here: URIRef, classes: Counter, properties: Counter
) -> None:
    """void:classPartition / void:propertyPartition, as hash IRIs of the VoID document."""
    for number, (cls, count) in enumerate(sorted(classes.items()), start=1):
        part = URIRef(f"{here}#class-{number}")
        void.add((dataset, VOID.classPartition, part))
        void.add((part, VOID["class"], cls))
        void.add((part, VOID.entities, _number(count)))
    for number, (prop, count) in enumerate(sorted(properties.items()), start=1):
        part = URIRef(f"{here}#property-{number}")
        void.add((dataset, VOID.propertyPartition, part))
        void.add((part, VOID.property, prop))
        void.add((part, VOID.triples, _number(count)))


def _add_linksets(void: Graph, graph: Graph, dataset: URIRef, here: URIRef) -> None:
    """One void:Linkset per external dataset the data's dcterms:relation links point into,
    counting those links (https://www.w3.org/TR/void/#describing-linksets)."""
    links = [str(o) for o in graph.objects(None, DCTERMS.relation)]
    for key, title, prefix, homepage in LINK_TARGETS:
        count = sum(link.startswith(prefix) for link in links)
        if not count:
            continue
        target = URIRef(f"{here}#{key}")
        linkset = URIRef(f"{here}#links-{key}")
        void.add((target, RDF.type, VOID.Dataset))
        void.add((target, DCTERMS.title, Literal(title, lang="en")))
        void.add((target, FOAF.homepage, URIRef(homepage)))
        void.add((target, VOID.uriSpace, Literal(prefix)))
        void.add((linkset, RDF.type, VOID.Linkset))
        void.add((linkset, VOID.subjectsTarget, dataset))
        void.add((linkset, VOID.objectsTarget, target))
        void.add((linkset, VOID.linkPredicate, DCTERMS.relation))
        void.add((linkset, VOID.triples, _number(count)))
        void.add((dataset, VOID.subset, linkset))

"""The one table of formats lodpub reads and writes.

Each format has a name, media types (the first is canonical), the file extension used in URLs
and data files, its kind ("rdf" graphs, SPARQL "results", "html" pages) and how to write it:
the rdflib serializer name, and the name of the matching pyoxigraph RdfFormat /
QueryResultsFormat member for code that serializes straight from the store. The "citation"
formats are what reference managers import (lodpub.citations writes them from a work's
record); DOI resolvers answer the same media types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rdflib import Dataset
from rdflib import Graph

from lodpub.vocab import PREFIXES

Kind = Literal["rdf", "results", "html", "citation", "linkset", "report"]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    media_types: tuple[str, ...]
    extension: str
    kind: Kind
    rdflib: str | None = None
    oxigraph: str | None = None
    # True when the format carries named graphs (TriG, N-Quads, JSON-LD).
    quads: bool = False
    # The format's IRI in W3C's registry (http://www.w3.org/ns/formats/), for service
    # descriptions; None for formats it does not list.
    iri: str | None = None
    # Other values of a `format` parameter that mean this format: the names SPARQL clients
    # send (SPARQLWrapper sends format=xml for RDF/XML and format=n3 for Turtle).
    aliases: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        """The Content-Type header value: everything lodpub writes is UTF-8."""
        return f"{self.media_type}; charset=utf-8"

    def serialize(self, data: Graph) -> bytes:
        """`data` written in this RDF format, with the prefixes bound on it.

        A Dataset keeps its named graphs in quad formats; in triple formats its graphs are
        merged. Raises ValueError for formats that are not RDF.
        """
        if self.rdflib is None or self.kind != "rdf":
            raise ValueError(f"{self.label} is not an RDF format")
        if self.quads and not isinstance(data, Dataset):
            data = _as_dataset(data)
        elif not self.quads and isinstance(data, Dataset):
            data = _merged(data)
        options = {"context": _jsonld_context(data)} if self.name == "jsonld" else {}
        return data.serialize(format=self.rdflib, encoding="utf-8", **options)


def _jsonld_context(data: Graph) -> dict[str, str]:
    # Only lodpub's own prefixes: rdflib binds dozens of defaults (brick, csvw, ...) in every
    # store, and a JSON-LD context, unlike Turtle, would list every one of them.
    return {
        prefix: str(namespace)
        for prefix, namespace in data.namespaces()
        if prefix in PREFIXES or prefix == "lodpub"
    }


def _merged(data: Dataset) -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in data.namespaces():
        graph.bind(prefix, namespace)
    for s, p, o, _ in data.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def _as_dataset(graph: Graph) -> Dataset:
    dataset = Dataset()
    for prefix, namespace in graph.namespaces():
        dataset.bind(prefix, namespace)
    dataset.default_graph += graph
    return dataset


W3C = "http://www.w3.org/ns/formats/"

FORMATS: tuple[Format, ...] = (
    Format("turtle", "Turtle", ("text/turtle", "application/x-turtle"), "ttl", "rdf",
           rdflib="turtle", oxigraph="TURTLE", iri=W3C + "Turtle", aliases=("n3",)),
    Format("ntriples", "N-Triples", ("application/n-triples",), "nt", "rdf",
           rdflib="nt", oxigraph="N_TRIPLES", iri=W3C + "N-Triples"),
    Format("rdfxml", "RDF/XML", ("application/rdf+xml",), "rdf", "rdf",
           rdflib="pretty-xml", oxigraph="RDF_XML", iri=W3C + "RDF_XML",
           aliases=("xml", "rdf+xml")),
    Format("jsonld", "JSON-LD", ("application/ld+json", "application/json"), "jsonld", "rdf",
           rdflib="json-ld", oxigraph="JSON_LD", quads=True, iri=W3C + "JSON-LD",
           aliases=("json", "json-ld")),
    Format("nquads", "N-Quads", ("application/n-quads",), "nq", "rdf",
           rdflib="nquads", oxigraph="N_QUADS", quads=True, iri=W3C + "N-Quads"),
    Format("trig", "TriG", ("application/trig",), "trig", "rdf",
           rdflib="trig", oxigraph="TRIG", quads=True, iri=W3C + "TriG"),
    Format("json", "SPARQL results JSON",
           ("application/sparql-results+json", "application/json"), "srj", "results",
           oxigraph="JSON", iri=W3C + "SPARQL_Results_JSON"),
    Format("xml", "SPARQL results XML",
           ("application/sparql-results+xml", "application/xml"), "srx", "results",
           oxigraph="XML", iri=W3C + "SPARQL_Results_XML"),
    Format("csv", "SPARQL results CSV", ("text/csv",), "csv", "results", oxigraph="CSV",
           iri=W3C + "SPARQL_Results_CSV"),
    Format("tsv", "SPARQL results TSV", ("text/tab-separated-values",), "tsv", "results",
           oxigraph="TSV", iri=W3C + "SPARQL_Results_TSV"),
    Format("html", "HTML", ("text/html", "application/xhtml+xml"), "html", "html"),
    # Media types as DOI content negotiation names them (citation.doi.org/docs.html).
    Format("bibtex", "BibTeX", ("application/x-bibtex", "text/x-bibtex"), "bib", "citation"),
    Format("ris", "RIS", ("application/x-research-info-systems",), "ris", "citation"),
    Format("csljson", "CSL-JSON", ("application/vnd.citationstyles.csl+json",), "csljson",
           "citation", aliases=("csl-json", "citeproc-json")),
    Format("bibliography", "Formatted citation", ("text/x-bibliography",), "txt", "citation"),
)  # fmt: skip


def of_kind(*kinds: Kind) -> tuple[Format, ...]:
    """The formats of the given kinds, in table order (the order conneg prefers on ties)."""
    return tuple(f for f in FORMATS if f.kind in kinds)


def by_name(name: str) -> Format:
    """The format named `name`; KeyError otherwise."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def by_extension(extension: str, formats: Iterable[Format] = FORMATS) -> Format | None:
    """The format among `formats` whose extension is `extension` (with or without the dot)."""
    extension = extension.lower().removeprefix(".")
    return next((f for f in formats if f.extension == extension), None)


RDF_FORMATS = of_kind("rdf")
RESULTS_FORMATS = of_kind("results")
CITATION_FORMATS = of_kind("citation")
HTML = by_name("html")
TURTLE = by_name("turtle")
JSONLD = by_name("jsonld")

# RFC 9264 linksets of a landing page's Signposting links (signposting.py): one URL, the
# format negotiated, JSON unless the client asks for the text form.
LINKSET_JSON = Format(
    "linkset-json", "Linkset (JSON)", ("application/linkset+json",), "linkset", "linkset",
    aliases=("json",),
)  # fmt: skip
LINKSET_TEXT = Format(
    "linkset", "Linkset", ("application/linkset",), "linkset", "linkset", aliases=("text",)
)
LINKSET_FORMATS = (LINKSET_JSON, LINKSET_TEXT)

# The reference quality report (quality.py) for programs: its own JSON, not RDF.
REPORT_JSON = Format("report-json", "JSON", ("application/json",), "json", "report")

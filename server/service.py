"""The SPARQL service as its readers meet it: its SPARQL 1.1 Service Description,
the example queries of queries/, its limits, and results made readable for the query page.
No HTTP here; views/sparql.py serves all of it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from rdflib import RDF
from rdflib import RDFS
from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import VOID

from lodpub.catalogue import Figures
from lodpub.formats import RDF_FORMATS
from lodpub.formats import RESULTS_FORMATS
from lodpub.store import Answer
from lodpub.urls import DATASET_PATH
from lodpub.urls import SPARQL_PATH
from lodpub.urls import VOID_PATH
from lodpub.urls import is_web_iri
from lodpub.vocab import SD
from lodpub.vocab import bind_all

# What the page offers when queries/ is empty or missing.
FALLBACK_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 25\n"


@dataclass(frozen=True)
class Example:
    """One file of queries/: its name (file stem), title (its first comment line, the
    question it answers) and text."""

    name: str
    title: str
    text: str


def examples(folder: Path) -> list[Example]:
    """The `*.rq` files of `folder`, by name; none when the folder does not exist."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("#").strip() if first.startswith("#") else path.stem
        found.append(Example(path.stem, title, text))
    return found


def example_text(found: list[Example], name: str = "") -> str:
    """The text of the example called `name`, else of the first example."""
    chosen = next((e for e in found if e.name == name), found[0] if found else None)
    return chosen.text if chosen else FALLBACK_QUERY


def limits(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The endpoint's limits as (what, value) pairs, for the page and the description."""
    return [
        ("Time per query", f"{config['QUERY_TIMEOUT']:g} s (QUERY_TIMEOUT)"),
        ("Query length", f"{config['MAX_QUERY_BYTES']} bytes (MAX_QUERY_BYTES)"),
        ("Result size", f"{config['MAX_RESULT_ROWS']} solutions or triples (MAX_RESULT_ROWS)"),
    ]


def description(figures: Figures, base_url: str) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at `base_url` + "sparql": a
    read-only SPARQL 1.1 Query service (no federation, no update), its result formats, and
    its default dataset with the size of each graph, from the dataset's `figures`.

    Every named graph is listed with its size when there are at most
    catalogue.NAMED_GRAPHS_COUNTED;
    past that (one provenance graph per entity) the dataset says how many there are and
    points to the VoID description, and a query lists them. The Recommendation describes
    what a dataset's description may hold, not that it must name every graph; a description
    of millions of graphs would be larger than most of the data."""
    graph = bind_all(Graph(bind_namespaces="core"), base_url)
    graph.bind("void", VOID)
    service = URIRef(base_url + SPARQL_PATH)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, DCTERMS.title, Literal("SPARQL endpoint of the publication", lang="en")))
    graph.add((service, RDFS.comment, Literal(
        "Read-only: SPARQL 1.1 queries only; SERVICE, updates and FROM of files are refused.",
        lang="en",
    )))  # fmt: skip
    for fmt in (*RESULTS_FORMATS, *RDF_FORMATS):
        if fmt.iri:
            graph.add((service, SD.resultFormat, URIRef(fmt.iri)))
    graph.add((service, SD.defaultEntailmentRegime,
               URIRef("http://www.w3.org/ns/entailment/Simple")))  # fmt: skip
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, DCTERMS.source, URIRef(base_url + DATASET_PATH)))
    graph.add((dataset, RDFS.seeAlso, URIRef(base_url + VOID_PATH)))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(figures.default_graph_triples)))
    for name, triples in sorted(figures.named_graph_triples.items()):
        named, inner = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        graph.add((inner, VOID.triples, Literal(triples)))
    if figures.named_graph_count > len(figures.named_graph_triples):
        graph.add((dataset, RDFS.comment, Literal(
            f"{figures.named_graph_count} named graphs, too many to list here; "
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } lists them, and the VoID "
            "description (rdfs:seeAlso) counts the whole dataset.",
            lang="en",
        )))  # fmt: skip
    return graph


@dataclass(frozen=True)
class Cell:
    """One value of a solution as the page shows it. `link` is where it links to: the IRI
    itself when it is an http(s) IRI, else "" (a `javascript:` IRI is text, never a link)."""

    text: str
    kind: str = "literal"  # "uri", "bnode", "literal" or "triple"
    lang: str = ""
    datatype: str = ""
    link: str = ""


@dataclass
class Readable:
    """A result as the page lays it out: a table, a yes/no, or RDF text."""

    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell | None]] = field(default_factory=list)
    boolean: bool | None = None
    text: str = ""


def readable(answer: Answer) -> Readable:
    """`answer` (SPARQL JSON for solutions and booleans, any RDF text for graphs) as the page
    shows it."""
    if answer.kind == "graph":
        return Readable("graph", text=answer.body.decode("utf-8"))
    data = json.loads(answer.body)
    if answer.kind == "boolean":
        return Readable("boolean", boolean=bool(data["boolean"]))
    columns = data["head"]["vars"]
    rows = [
        [_cell(binding[c]) if c in binding else None for c in columns]
        for binding in data["results"]["bindings"]
    ]
    return Readable("solutions", columns=columns, rows=rows)


def _cell(term: dict[str, Any]) -> Cell:
    kind = term["type"]
    if kind == "triple":
        parts = term["value"]
        inner = (_cell(parts[k]).text for k in ("subject", "predicate", "object"))
        return Cell("<< " + " ".join(inner) + " >>", "triple")
    if kind == "typed-literal":  # SPARQL 1.0 JSON's spelling
        kind = "literal"
    value = term["value"]
    link = value if kind == "uri" and is_web_iri(value) else ""
    return Cell(value, kind, term.get("xml:lang", ""), term.get("datatype", ""), link)

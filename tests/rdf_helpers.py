"""Helpers for the tests' own reading of RDF (never through lodpub's store), shared by the
site's and the SPARQL endpoint's tests. Plain functions without asserts: test modules import
them (`from rdf_helpers import data_graph`), and pytest does not rewrite asserts here."""

from __future__ import annotations

from rdflib import Graph
from rdflib import Literal

from lodpub.config import Config
from lodpub.dataset import load


def data_graph(base_url: str) -> Graph:
    """The publication's data parsed from its files against `base_url`, in one graph."""
    graph = Graph()
    for s, p, o, _ in load(Config.load()["DATA_FILES"], base_url).quads():
        graph.add((s, p, o))
    return graph


def lowercase_languages(graph: Graph) -> Graph:
    """A copy of `graph` with every language tag lower-cased (Oxigraph answers `zh-hans`
    where the data file says `zh-Hans`)."""
    result = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        result.add((s, p, o))
    return result

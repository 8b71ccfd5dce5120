"""Helpers the linked-data site's tests share (issue #4); fixtures are in site_fixtures.py."""

from __future__ import annotations

from rdflib import Graph

from lodpub.config import Config
from lodpub.dataset import load


def data_graph(base_url: str) -> Graph:
    """The publication's data parsed from its files against `base_url`, in one graph (the
    tests' own reading, never through lodpub's store)."""
    graph = Graph()
    for s, p, o, _ in load(Config.load()["DATA_FILES"], base_url).quads():
        graph.add((s, p, o))
    return graph


def local(url: str, base: str) -> str:
    """The path of an absolute URL of the app, for the test client."""
    return "/" + url[len(base) :]

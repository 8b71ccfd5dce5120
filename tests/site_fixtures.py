"""Fixtures the linked-data site's tests share: the data as the tests read it
themselves (never through lodpub's store), its URI space and the article it is about.
Test modules load them with `pytest_plugins = ["site_fixtures"]` and never import this
module (pytest rewrites its asserts only when it loads it first)."""

from __future__ import annotations

import pytest
from flask import Flask
from rdf_helpers import data_graph
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import VOID

from lodpub.urls import UriSpace
from lodpub.views.state import DOCUMENT_FORMATS


def root_of(data: Graph, base_url: str) -> URIRef:
    """The dataset's void:rootResource: the article."""
    root = data.value(URIRef(base_url + "dataset"), VOID.rootResource)
    assert isinstance(root, URIRef), "the dataset names no void:rootResource"
    return root


@pytest.fixture(scope="session")
def base(app: Flask) -> str:
    return app.config["BASE_URL"]


@pytest.fixture(scope="session")
def data(base: str) -> Graph:
    return data_graph(base)


@pytest.fixture(scope="session")
def space(base: str) -> UriSpace:
    return UriSpace(base, tuple(f.extension for f in DOCUMENT_FORMATS))


@pytest.fixture(scope="session")
def article(data: Graph, base: str) -> URIRef:
    return root_of(data, base)

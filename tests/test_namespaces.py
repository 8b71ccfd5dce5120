"""lodpub.vocab's closed namespaces hold exactly the terms the real vocabularies define."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import ClosedNamespace

from lodpub import vocab

# Namespaces whose term lists come from ../shared/vocab/ (OCO, SD and lodpub's own do not).
FROM_SHARED = ("fabio", "cito", "biro", "c4o", "frbr", "prism", "pro", "datacite", "literal")


@pytest.fixture(scope="module")
def spar(shared: Path) -> Graph:
    graph = Graph()
    for path in sorted((shared / "vocab").glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.mark.parametrize("prefix", FROM_SHARED)
def test_closed_namespace_terms_equal_the_vocabulary(spar: Graph, prefix: str) -> None:
    namespace = vocab.PREFIXES[prefix]
    base = str(namespace)
    defined = {
        str(s)[len(base) :]
        for s in spar.subjects()
        if isinstance(s, URIRef) and str(s).startswith(base) and str(s) != base
    }
    listed = set(dir(namespace))
    assert listed == defined


def test_closed_namespace_rejects_unknown_term() -> None:
    with pytest.raises(AttributeError):
        vocab.FABIO.JournalArtcle  # noqa: B018
    assert vocab.FABIO.JournalArticle == URIRef("http://purl.org/spar/fabio/JournalArticle")
    assert vocab.PRO["copy-editor"] == URIRef("http://purl.org/spar/pro/copy-editor")


def test_bind_all_binds_schema_org_http_and_lodpub() -> None:
    graph = vocab.bind_all(Graph(), "http://example.org/pub/")
    namespaces = dict(graph.namespaces())
    assert str(namespaces["schema"]) == "http://schema.org/"
    assert str(namespaces["lodpub"]) == "http://example.org/pub/ontology#"
    for prefix, namespace in vocab.PREFIXES.items():
        assert str(namespaces[prefix]) == str(namespace)
    assert isinstance(vocab.lodpub_ns("http://x/"), ClosedNamespace)

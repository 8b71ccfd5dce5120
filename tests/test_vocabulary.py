"""Every term the data, the shapes and the ontology use is really defined (no
`fabio:JournalArtcle`, no term that exists only in a tutorial), and the ontology gives every
class and property of the data an English and a Chinese label.

Definitions come from the SPAR ontologies in ../shared/vocab (FaBiO also declares the PRISM
terms it uses), rdflib's closed namespaces, and ontology/lodpub.ttl for the lodpub: terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib import Literal
from rdflib import Node
from rdflib import URIRef
from rdflib import namespace
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import SH

from lodpub.config import DEFAULT_BASE_URL
from lodpub.dataset import load
from lodpub.dataset import load_ontology
from lodpub.dataset import load_shapes

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = ROOT / "data" / "article.ttl"
BASE = DEFAULT_BASE_URL  # the shapes and ontology fixtures (conftest.py) load on it
LODPUB = f"{BASE}ontology#"
PRO_WITH_ROLE = URIRef("http://purl.org/spar/pro/withRole")
USES_SCHEME = URIRef("http://purl.org/spar/datacite/usesIdentifierScheme")
SCHEMA_ORG_TERM = URIRef(f"{LODPUB}schemaOrgTerm")
# rdflib's closed namespaces, used through the module: pytest's collection probes the
# attributes of a test module, and an open DefinedNamespace (SDO) warns on every probe.
CLOSED_NAMES = "DCTERMS FOAF SKOS PROV DCAT VOID RDF RDFS OWL XSD SH"
CLOSED = tuple(getattr(namespace, name) for name in CLOSED_NAMES.split())
# The OpenCitations Ontology is not among ../shared/vocab; OCDM v2.1.0 defines oco:hasNext
# ("has next", the author order). Listed by name so that any other oco: term, or a typo, fails.
OCO_TERMS = {URIRef("https://w3id.org/oc/ontology/hasNext")}
# Nodes of the shapes graph that are structure (lists, prefix declarations), not terms.
SHAPE_VALUE_PREDICATES = (SH["in"], SH.hasValue, SH.targetNode)
SHAPE_TERM_PREDICATES = (
    SH.targetClass,
    SH["class"],
    SH.datatype,
    SH.path,
    SH.inversePath,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.disjoint,
)

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} (the SPAR vocabularies in vocab/) is absent"
)


@pytest.fixture(scope="module")
def data() -> Graph:
    graph = Graph()
    for s, p, o, _ in load([DATA], BASE).quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def vocab() -> Graph:
    graph = Graph()
    for path in sorted((SHARED / "vocab").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def iris(nodes: Iterator[Node]) -> set[URIRef]:
    return {node for node in nodes if isinstance(node, URIRef)}


def data_classes(data: Graph) -> set[URIRef]:
    return iris(data.objects(None, RDF.type))


def data_properties(data: Graph) -> set[URIRef]:
    return iris(data.predicates())


def data_individuals(data: Graph) -> set[URIRef]:
    """Roles (pro:withRole) and identifier schemes: individuals of the vocabularies."""
    return iris(data.objects(None, PRO_WITH_ROLE)) | iris(data.objects(None, USES_SCHEME))


def sparql_terms(shapes: Graph) -> set[URIRef]:
    """The prefixed names in the SHACL-SPARQL queries, expanded with the shapes' sh:declare."""
    namespaces = {
        str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
        for d in shapes.objects(None, SH.declare)
    }
    terms = set()
    for query in shapes.objects(None, SH.select):
        for prefix, name in re.findall(r"(?<![\w$?])([A-Za-z][\w-]*):([A-Za-z_][\w-]*)", query):
            if prefix in namespaces:
                terms.add(URIRef(namespaces[prefix] + name))
    return terms


def shape_terms(shapes: Graph) -> set[URIRef]:
    terms = iris(shapes.predicates()) | iris(shapes.objects(None, RDF.type)) | sparql_terms(shapes)
    for predicate in SHAPE_TERM_PREDICATES:
        terms |= iris(shapes.objects(None, predicate))
    for predicate in SHAPE_VALUE_PREDICATES:
        for value in shapes.objects(None, predicate):
            members = Collection(shapes, value) if predicate == SH["in"] else [value]
            terms |= iris(iter(members))
    return terms


def ontology_terms(ontology: Graph) -> set[URIRef]:
    """Everything the ontology declares, annotates or points to, except its schema.org links
    (checked against schema.org below) and itself."""
    terms = iris(ontology.subjects()) | iris(ontology.predicates())
    terms |= iris(ontology.objects(None, RDF.type))
    terms |= iris(ontology.objects(None, RDFS.domain)) | iris(ontology.objects(None, RDFS.range))
    ontology_iri = URIRef(f"{BASE}ontology")
    return {t for t in terms if t != ontology_iri}


def undefined(terms: set[URIRef], vocab: Graph, ontology: Graph) -> list[str]:
    def defined(term: URIRef) -> bool:
        if term.startswith(LODPUB):
            return (term, RDF.type, None) in ontology
        closed = next((ns for ns in CLOSED if term.startswith(str(ns))), None)
        if closed is not None:
            return term in closed
        return term in OCO_TERMS or (term, RDF.type, None) in vocab

    return sorted(str(term) for term in terms if not defined(term))


@needs_shared
def test_data_terms_are_defined(data: Graph, vocab: Graph, ontology: Graph) -> None:
    terms = data_classes(data) | data_properties(data) | data_individuals(data)
    assert not undefined(terms, vocab, ontology)


@needs_shared
def test_shape_terms_are_defined(shapes: Graph, vocab: Graph, ontology: Graph) -> None:
    assert not undefined(shape_terms(shapes), vocab, ontology)


@needs_shared
def test_ontology_terms_are_defined(ontology: Graph, vocab: Graph) -> None:
    assert not undefined(ontology_terms(ontology), vocab, ontology)


@needs_shared
def test_check_catches_a_misspelt_term(vocab: Graph, ontology: Graph) -> None:
    """The check itself can fail: a typo in each kind of namespace is reported."""
    typos = {
        URIRef("http://purl.org/spar/fabio/JournalArtcle"),
        URIRef("http://prismstandard.org/namespaces/basic/2.0/keywords"),
        URIRef("http://purl.org/spar/cito/hasCitationCharacterisation"),
        URIRef("http://purl.org/dc/terms/titel"),
        URIRef("http://www.w3.org/ns/shacl#classIn"),
        URIRef("https://w3id.org/oc/ontology/hasPrevious"),
        URIRef(f"{LODPUB}isCorresponding"),
    }
    assert len(undefined(typos, vocab, ontology)) == len(typos)


def test_every_data_term_has_english_and_chinese_labels(data: Graph, ontology: Graph) -> None:
    """Pages read these labels; the Chinese one must be Chinese, not a copy of the English."""
    terms = data_classes(data) | data_properties(data) | data_individuals(data)
    missing = []
    for term in sorted(terms):
        labels = {
            label.language: str(label)
            for label in ontology.objects(term, RDFS.label)
            if isinstance(label, Literal)
        }
        if "en" not in labels or not re.search(r"[\u4e00-\u9fff]", labels.get("zh-Hans", "")):
            missing.append(str(term))
    assert not missing


def test_schema_org_counterparts_exist(ontology: Graph) -> None:
    """lodpub:schemaOrgTerm points into http://schema.org/ (not rdflib's https default) at
    terms schema.org defines."""
    counterparts = set(ontology.objects(None, SCHEMA_ORG_TERM))
    assert counterparts
    for term in counterparts:
        assert term.startswith("http://schema.org/"), term
        schema = namespace.SDO
        assert URIRef(str(schema) + term.removeprefix("http://schema.org/")) in schema, term


def test_ontology_describes_itself(ontology: Graph) -> None:
    iri = URIRef(f"{BASE}ontology")
    assert (iri, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(iri, OWL.versionInfo)
    license_ = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    assert (iri, namespace.DCTERMS.license, license_) in ontology
    languages = {d.language for d in ontology.objects(iri, namespace.DCTERMS.description)}
    assert languages == {"en", "zh-Hans"}


def test_ontology_leaves_validation_alone(ontology: Graph, shapes: Graph) -> None:
    """Validators may merge the ontology into the data graph: it must not add subclass links
    (SHACL reads them from the data graph) nor instances of classes the shapes target."""
    assert not list(ontology.triples((None, RDFS.subClassOf, None)))
    targeted = iris(shapes.objects(None, SH.targetClass))
    assert not [s for c in targeted for s in ontology.subjects(RDF.type, c)]


def test_ontology_and_shapes_follow_the_base_url() -> None:
    """Like the data, the ontology and the shapes name the publication's IRIs relatively: read
    with another base, no IRI of the default host remains and lodpub: moves with the base."""
    base = "https://example.org/publication/"
    ontology, shapes = load_ontology(base), load_shapes(base)
    for graph in (ontology, shapes):
        nodes = {str(node) for triple in graph for node in triple}
        assert not [node for node in nodes if node.startswith(BASE)]
    assert (URIRef(f"{base}ontology"), RDF.type, OWL.Ontology) in ontology
    assert (None, None, URIRef(f"{base}ontology#sponsor")) in shapes

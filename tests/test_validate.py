"""lodpub's SHACL engine reports what pyshacl (the reference) reports: on the real article,
and on a copy of it with defects planted for every constraint component and many SHACL-SPARQL
constraints; shapes it cannot apply fail loudly; a report with many findings stays bounded.
(Each shape and SPARQL constraint on its own is in test_shapes.py.)"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SH

from lodpub.config import DEFAULT_BASE_URL
from lodpub.dataset import load
from lodpub.errors import UnusableShapes
from lodpub.validate import MAX_FINDINGS_PER_SHAPE
from lodpub.validate import Report
from lodpub.validate import validate

ROOT = Path(__file__).resolve().parents[1]
BASE = DEFAULT_BASE_URL
PREFIXES = """
PREFIX biro: <http://purl.org/spar/biro/>
PREFIX c4o: <http://purl.org/spar/c4o/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX datacite: <http://purl.org/spar/datacite/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX frbr: <http://purl.org/vocab/frbr/core#>
PREFIX literal: <http://www.essepuntato.it/2010/06/literalreification/>
PREFIX lodpub: <ontology#>
PREFIX oco: <https://w3id.org/oc/ontology/>
PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
PREFIX pro: <http://purl.org/spar/pro/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def change(node: str, prop: str, value: str) -> str:
    """Replace every value of `prop` on `node` by `value`."""
    return (
        f"DELETE {{ {node} {prop} ?old }} INSERT {{ {node} {prop} {value} }} "
        f"WHERE {{ {node} {prop} ?old }}"
    )


def insert(triples: str) -> str:
    return f"INSERT DATA {{ {triples} }}"


def delete(triples: str) -> str:
    return f"DELETE DATA {{ {triples} }}"


GOV_PAGE = "<https://www.gov.cn/xinwen/2021-11/19/content_5652067.htm>"
# (what is wrong, the SPARQL Update that plants it, a shape that must report it, its focus)
DEFECTS = [
    ("reference without its work", delete("<be/25> biro:references <br/125> ."),
     "BibliographicReferenceShape", "be/25"),
    ("the dangling cited work", delete("<be/25> biro:references <br/125> ."),
     "CitedWorkShape", "br/125"),
    ("citation without reference", delete("<be/25> biro:references <br/125> ."),
     "CitationShape", "ci/1-125"),
    ("a second reference number", insert('<be/3> fabio:hasSequenceIdentifier "99" .'),
     "BibliographicReferenceShape", "be/3"),
    ("embodiment that is an agent", insert("<br/102> frbr:embodiment <ra/1> ."),
     "BibliographicResourceShape", "br/102"),
    ("agent not typed foaf:Agent", delete("<ra/2> a foaf:Agent ."), "AgentShape", "ra/2"),
    ("role held by a non-agent", delete("<ra/2> a foaf:Agent ."), "AgentRoleShape", "ar/2"),
    ("untagged title", change("<br/101>", "dcterms:title", '"A title"'),
     "BibliographicResourceShape", "br/101"),
    ("page as an integer", change("<re/1>", "prism:startingPage", "381"),
     "EmbodimentShape", "re/1"),
    ("impossible access date", change(GOV_PAGE, "dcterms:date", '"2025-02-30"^^xsd:date'),
     "DigitalItemShape", GOV_PAGE[1:-1]),
    ("DOI in upper case",
     change("<id/8>", "literal:hasLiteralValue", '"10.1016/J.RESPOL.2022.104656"'),
     "DoiSyntaxShape", "id/8"),
    ("relation as a literal", insert('<br/1> dcterms:relation "https://example.org/" .'),
     "BibliographicResourceShape", "br/1"),
    ("role of an unknown kind", change("<ar/9>", "pro:withRole", "pro:reviewer"),
     "AgentRoleShape", "ar/9"),
    ("chain across role kinds", change("<ar/9>", "pro:withRole", "pro:reviewer"),
     "RoleChainShape", "ar/8"),
    ("two English titles", insert('<br/1> fabio:hasTranslatedTitle "Another title"@en .'),
     "BibliographicResourceShape", "br/1"),
    ("reference text with its number",
     change("<be/1>", "c4o:hasContent", '"1. Rolf S, Schindler S. A title."'),
     "BibliographicReferenceShape", "be/1"),
    ("reference text with a trailing space",
     change("<be/2>", "c4o:hasContent", '"Text as printed. "'),
     "BibliographicReferenceShape", "be/2"),
    ("two untagged names", insert('<ra/13> foaf:name "Rolf Stefan" .'), "AgentShape", "ra/13"),
    ("empty issue number", change("<br/2>", "fabio:hasSequenceIdentifier", '""'),
     "BibliographicResourceShape", "br/2"),
    ("note in French", insert('<br/4> skos:note "Une note."@fr .'), "ProvenanceShape", "br/4"),
    ("citation of itself", insert("<ci/1-102> cito:hasCitedEntity <br/1> ."),
     "CitationShape", "ci/1-102"),
    ("ISSN check digit", change("<id/3>", "literal:hasLiteralValue", '"1000-3046"'),
     "IssnCheckDigitShape", "http://purl.org/spar/datacite/issn"),
    ("ISSN link no longer resolves", change("<id/3>", "literal:hasLiteralValue", '"1000-3046"'),
     "ResolvableLinkShape", "http://purl.org/spar/datacite/issn"),
    ("ORCID check digit", change("<id/9>", "literal:hasLiteralValue", '"0000-0003-0549-4921"'),
     "OrcidCheckDigitShape", "http://purl.org/spar/datacite/orcid"),
    ("author chain loops", insert("<ar/5> oco:hasNext <ar/1> ."), "RoleChainShape", "ar/5"),
    ("two heads of a chain", delete("<ar/26> oco:hasNext <ar/27> ."), "AgentRoleShape", "ar/26"),
    ("chain jumps to another work", insert("<ar/27> oco:hasNext <ar/8> ."),
     "RoleChainShape", "ar/27"),
    ("dangling citation", insert("<br/1> cito:cites <br/999> ."), "CitingWorkShape", "br/1"),
    ("dangling cited work", insert("<br/1> cito:cites <br/999> ."), "CitedWorkShape", "br/999"),
    ("pages run backwards", change("<re/101>", "prism:startingPage", '"1290"'),
     "PageRangeShape", "re/101"),
    ("wrong time span", change("<ci/1-101>", "cito:hasCitationTimeSpan", '"P4Y"^^xsd:duration'),
     "CitationShape", "ci/1-101"),
    ("creation date differs",
     change("<ci/1-103>", "cito:hasCitationCreationDate", '"2025"^^xsd:gYear'),
     "CitationShape", "ci/1-103"),
    ("journal self-citation not typed", delete("<ci/1-111> a cito:JournalSelfCitation ."),
     "JournalSelfCitationShape", "ci/1-111"),
    ("two references numbered 4", change("<be/5>", "fabio:hasSequenceIdentifier", '"4"'),
     "CitingWorkShape", "br/1"),
    ("containers in a loop", insert("<br/4> frbr:partOf <br/2> ."),
     "BibliographicResourceShape", "br/4"),
    ("reference to a work not cited", delete("<br/1> cito:cites <br/124> ."),
     "CitingWorkShape", "br/1"),
    ("corresponding author flag not a boolean",
     change("<ar/5>", "lodpub:isCorrespondingAuthor", '"true"'),
     "CorrespondingAuthorShape", "ar/5"),
]  # fmt: skip
# Every constraint component the shapes use at the top level (sh:languageIn only inside
# sh:node shapes, where it is the Node finding of "note in French").
COMPONENTS = {
    "MinCount", "MaxCount", "Class", "HasValue", "Node", "Datatype", "Pattern", "Or",
    "NodeKind", "In", "UniqueLang", "Not", "QualifiedMinCount", "QualifiedMaxCount",
    "MinLength", "Disjoint", "SPARQL",
}  # fmt: skip


def article() -> Graph:
    graph = Graph()
    for s, p, o, _ in load([ROOT / "data" / "article.ttl"], BASE).quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def plant(data: Graph, update: str) -> None:
    data.update(f"BASE <{BASE}>\n{PREFIXES}\n{update}")


def as_read_from_a_file(data: Graph) -> Graph:
    """`data` written and read back: rdflib marks an ill-typed literal (\"yes\"^^xsd:boolean)
    only when it parses one, not when a SPARQL Update inserts it."""
    return Graph().parse(data=data.serialize(format="nt"), format="nt")


def both(data: Graph, shapes: Graph, ontology: Graph) -> tuple[Report, Report]:
    return (
        validate(data, shapes, ontology, BASE),
        validate(data, shapes, ontology, BASE, engine="pyshacl"),
    )


def assert_same(ours: Report, reference: Report) -> None:
    assert ours.findings == reference.findings
    for fmt in ("text", "json"):
        assert ours.render(fmt) == reference.render(fmt)


def test_real_article_report_is_pyshacl_report(shapes: Graph, ontology: Graph) -> None:
    ours, reference = both(article(), shapes, ontology)
    assert_same(ours, reference)
    assert ours.count(SH.Warning) + ours.count(SH.Info) > 0  # the report is not empty


@pytest.fixture(scope="module")
def planted(shapes: Graph, ontology: Graph) -> tuple[Report, Report]:
    data = article()
    for _, update, _, _ in DEFECTS:
        plant(data, update)
    return both(as_read_from_a_file(data), shapes, ontology)


def test_planted_defects_reported_alike(planted: tuple[Report, Report]) -> None:
    assert_same(*planted)


@pytest.mark.parametrize(
    ("shape", "focus"), [(shape, focus) for _, _, shape, focus in DEFECTS],
    ids=[name for name, *_ in DEFECTS],
)  # fmt: skip
def test_planted_defect_is_found(planted: tuple[Report, Report], shape: str, focus: str) -> None:
    ours, _ = planted
    node = URIRef(focus if ":" in focus else BASE + focus)
    assert any(
        f.focus == node and f.shape.split(" › ")[0] == f"shape:{shape}" for f in ours.findings
    ), ours.render()


def test_planted_defects_cover_every_component(planted: tuple[Report, Report]) -> None:
    ours, _ = planted
    assert {f.component for f in ours.findings} >= COMPONENTS


@pytest.mark.parametrize(
    "constraint",
    [
        "sh:closed true",
        "sh:equals dcterms:title",
        "sh:minInclusive 1",
        'sh:pattern "^(?=a)"',  # a look-ahead: Oxigraph's regular expressions have none
        "sh:sparql [ sh:select 'SELECT $this WHERE { $this ?p ?o } LIMIT 1' ]",
    ],
)
def test_unsupported_shape_feature_fails_loudly(constraint: str, ontology: Graph) -> None:
    shapes = Graph().parse(
        data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix fabio: <http://purl.org/spar/fabio/> .
        <#S> a sh:NodeShape ; sh:targetClass fabio:Expression ;
            sh:property [ sh:path dcterms:title ; {constraint} ] .
        """,
        format="turtle",
        publicID=BASE + "shapes",
    )
    with pytest.raises(UnusableShapes, match="cannot be applied"):
        validate(article(), shapes, ontology, BASE)


@pytest.mark.parametrize(
    ("select", "reason"),
    [
        ("SELECT $this WHERE { $this ?p ?o } LIMIT 1", "other than SELECT"),
        # Grouping without $this would merge the solutions of different focus nodes.
        ("SELECT ?p WHERE { $this ?p ?o } GROUP BY ?p", "GROUP BY without"),
        ("SELECT $this WHERE { $this ?p ?o } HAVING (COUNT(*) > 1)", "HAVING without"),
    ],
)
def test_unsupported_sparql_constraint_fails_loudly(
    select: str, reason: str, ontology: Graph
) -> None:
    shapes = Graph().parse(
        data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix fabio: <http://purl.org/spar/fabio/> .
        <#S> a sh:NodeShape ; sh:targetClass fabio:Expression ;
            sh:sparql [ sh:select "{select}" ] .
        """,
        format="turtle",
        publicID=BASE + "shapes",
    )
    with pytest.raises(UnusableShapes, match=reason):
        validate(article(), shapes, ontology, BASE)


def test_report_keeps_the_first_findings_per_shape(shapes: Graph, ontology: Graph) -> None:
    data = article()
    for n in range(5):
        plant(data, insert(f"<br/1> cito:cites <br/90{n}> ."))
    full = validate(data, shapes, ontology, BASE)
    bounded = validate(data, shapes, ontology, BASE, limit=2)
    assert bounded.counts == full.counts
    shape = "shape:CitedWorkShape › ^biro:references"
    assert sum(1 for f in full.findings if f.shape == shape) == 5
    assert sum(1 for f in bounded.findings if f.shape == shape) == 2
    assert bounded.omitted[shape] == 3
    assert f"… and 3 more from shape {shape}" in bounded.render()
    assert json.loads(bounded.render("json"))["omitted"][shape] == 3
    assert full.render().endswith(bounded.render().splitlines()[-1] + "\n")  # same summary


def test_hundred_thousand_violating_triples_give_a_bounded_report(tmp_path: Path) -> None:
    """50,000 identifier nodes without a value, an owner or a source: 100,000 triples and
    over 100,000 findings. The report keeps MAX_FINDINGS_PER_SHAPE per shape, and the
    validating process stays far below the 5 GB pyshacl needed."""
    path = tmp_path / "identifiers.nt"
    identifier = "<http://purl.org/spar/datacite/Identifier>"
    scheme = "<http://purl.org/spar/datacite/usesIdentifierScheme>"
    doi = "<http://purl.org/spar/datacite/doi>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    with path.open("w") as out:
        for n in range(50_000):
            node = f"<{BASE}id/{n + 1_000_000}>"
            out.write(f"{node} {rdf_type} {identifier} .\n{node} {scheme} {doi} .\n")
    command = [sys.executable, "-m", "lodpub", "validate", str(path), "--format", "json"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    assert report["triples"] == 100_000
    assert report["counts"]["Violation"] >= 150_000
    shapes = {result["shape"] for result in report["results"]}
    assert len(report["results"]) <= MAX_FINDINGS_PER_SHAPE * len(shapes)
    assert sum(report["omitted"].values()) + len(report["results"]) == sum(
        report["counts"].values()
    )
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mib < 1500, f"the validating process peaked at {peak_mib:.0f} MiB"


def test_literal_values_keep_their_language_tag_case(shapes: Graph, ontology: Graph) -> None:
    """Oxigraph stores language tags in lower case; findings give them as the data does."""
    data = article()
    plant(data, insert('<re/1> prism:startingPage "381"@zh-Hans .'))
    ours, reference = both(data, shapes, ontology)
    assert Literal("381", lang="zh-Hans") in {f.value for f in ours.findings}
    assert_same(ours, reference)


def test_blank_nodes_are_named_as_in_the_data(shapes: Graph, ontology: Graph) -> None:
    """A blank source (ProvenanceSourceShape wants an IRI) and a blank embodiment: the
    findings name the same blank nodes as the rdflib graph, on both engines."""
    data = Graph().parse(
        data=PREFIXES.replace("PREFIX ", "@prefix ").replace(">\n", "> .\n")
        + """
        @prefix prov: <http://www.w3.org/ns/prov#> .
        <br/1> a fabio:Expression, fabio:Book ; dcterms:title "书"@zh-Hans ;
            frbr:embodiment [ a fabio:Manifestation ; prism:startingPage 7 ] ;
            prov:hadPrimarySource [ a prov:Entity ; dcterms:title "a page"@en ] .
        """,
        format="turtle",
        publicID=BASE,
    )
    ours, reference = both(data, shapes, ontology)
    blanks = {f.focus for f in ours.findings if not isinstance(f.focus, URIRef)}
    assert len(blanks) == 2
    assert blanks <= set(data.all_nodes())
    assert_same(ours, reference)

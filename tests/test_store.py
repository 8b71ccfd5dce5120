"""A store built once on disk (`lodpub load`) and served from it: the same documents as from
memory, a bounded number of store lookups per page whatever the size of the corpus, atomic
switching between builds, and data files that cannot stall or escape the loader."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import lxml.html
import pytest
import requests
from conftest import free_port
from conftest import serving
from rdflib import BNode
from rdflib import Dataset
from rdflib import Graph
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from rdflib.namespace import PROV
from rdflib.namespace import SH

from lodpub import catalogue
from lodpub import loader
from lodpub import oai
from lodpub import store as store_module
from lodpub import validate
from lodpub.app import create_app
from lodpub.config import Config
from lodpub.dataset import load
from lodpub.dataset import load_ontology
from lodpub.dataset import load_shapes
from lodpub.describe import DEPENDENT_CLASSES
from lodpub.describe import HASH_INCOMING_LIMIT
from lodpub.describe import INCOMING_LIMIT
from lodpub.describe import SUMMARY_PROPERTIES
from lodpub.describe import describe
from lodpub.publication import of
from lodpub.snapshots import SNAPSHOTS_FILE
from lodpub.store import data_version
from lodpub.store import disk_store
from lodpub.store import memory_store
from lodpub.urls import UriSpace
from lodpub.views.oai import repository
from lodpub.vocab import CITO
from lodpub.vocab import PRO

REPO = Path(__file__).resolve().parents[1]
ARTICLE = REPO / "data" / "article.ttl"
CORPUS = REPO / "bench" / "corpus.py"
# A command that hangs fails its test instead of the run.
COMMAND_TIMEOUT_S = 300

SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix ex: <http://example.org/shapes#> .

ex:WorkShape a sh:NodeShape ;
    sh:targetClass fabio:JournalArticle ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ;
                  sh:message "A journal article needs a title." ] .
"""
VALID = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .

<br/1> a fabio:JournalArticle ; dcterms:title "{title}"@en .
"""
INVALID = VALID + "<br/2> a fabio:JournalArticle .\n"


def lodpub(*args: str, env: dict[str, str] | None = None, **options) -> subprocess.CompletedProcess:
    """`python -m lodpub ARGS` with a time limit, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "lodpub", *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        env={**os.environ, **(env or {})},
        **options,
    )


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, str]:
    """Settings with one small shape (validation takes a moment), as a deployment sets them."""
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "shapes.ttl").write_text(SHAPES, encoding="utf-8")
    (tmp_path / "ontology").mkdir()
    return {
        "LODPUB_SHAPES_DIR": str(tmp_path / "shapes"),
        "LODPUB_ONTOLOGY_DIR": str(tmp_path / "ontology"),
        "LODPUB_BASE_URL": "http://127.0.0.1:8080/",
    }


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the same documents from memory and from a built store ----------------------------------


@pytest.fixture(scope="module")
def built_article(tmp_path_factory) -> Path:
    """The real article built by `lodpub load` (the real shapes, validated)."""
    target = tmp_path_factory.mktemp("built") / "article"
    files = [str(path) for path in Config.load()["DATA_FILES"]]
    result = lodpub("load", *files, "--store", str(target), "--base-url", BASE)
    assert result.returncode == 0, result.stderr
    return target


BASE = "http://127.0.0.1:8080/"


DOCUMENT_EXTENSIONS = ("html", "ttl", "jsonld", "nt", "rdf")


def sample_paths() -> list[str]:
    """Every document of one thing of every kind the article has (the article `br/1`, an
    author role, an agent, the dataset, the ontology…), of a cited work and of the journal,
    the site's own routes and every dump."""
    space = UriSpace(BASE, ())
    firsts: dict[str, str] = {}
    for iri in catalogue.figures(memory_store([ARTICLE], BASE), space).things.window(0, 10**6):
        firsts.setdefault(space.path(URIRef(iri)).split("/")[0], space.path(URIRef(iri)))
    things = [*firsts.values(), "br/101", "br/4"]
    documents = [f"doc/{path}.{ext}" for path in things for ext in DOCUMENT_EXTENSIONS]
    dumps = [d.file_name for d in catalogue.DUMPS]
    return ["", ".well-known/void", "sitemap.xml", "robots.txt", *documents, *dumps]


def test_every_document_is_the_same_from_memory_and_from_a_built_store(built_article) -> None:
    port = free_port()
    answers: dict[str, dict[str, requests.Response]] = {}
    for name, args in (("memory", ()), ("store", ("--store", str(built_article)))):
        # Both on the base URL the store was built for, so that pages link alike.
        # One hash seed for both: the vocabulary page orders some rows by set iteration.
        with serving(*args, "--base-url", BASE, port=port, env={"PYTHONHASHSEED": "0"}) as base:
            answers[name] = {p: requests.get(base + p, timeout=60) for p in sample_paths()}
            # The query workers read the same data (a copy, or the store opened read-only).
            answers[name]["sparql"] = requests.get(
                base + "sparql",
                params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                headers={"Accept": "text/csv"},
                timeout=60,
            )
    for path, from_memory in answers["memory"].items():
        from_store = answers["store"][path]
        assert from_memory.status_code == from_store.status_code == 200, path
        kind = from_memory.headers["Content-Type"].split(";")[0]
        assert kind == from_store.headers["Content-Type"].split(";")[0], path
        # Pages and documents are the same bytes (their triples written in one order, a
        # JSON-LD node's values too, whatever order the store answered in).
        plain = ("text/html", "application/xml", "text/plain", "text/csv")
        if kind in plain or path.startswith("doc/"):
            assert from_memory.content == from_store.content, path
            continue
        # The dumps are streamed as each store lists them: the same triples.
        bodies = [r.content for r in (from_memory, from_store)]
        if kind == "application/gzip":
            bodies, kind = [gzip.decompress(body) for body in bodies], "application/n-triples"
        graphs = [Graph().parse(data=body, format=kind) for body in bodies]
        assert len(graphs[0]) > 0 and isomorphic(*graphs), path


# --- the summaries a build precomputes ------------------------------------------------------


def opened(target: Path, *, with_tables: bool = True) -> store_module.Store:
    """The store of the build `target` points to, as the app opens it, with or without the
    tables beside it (a build by an older lodpub has none)."""
    published = loader.open_published(target)
    tables = loader.tables(published) if with_tables else None
    return disk_store(loader.database(published), "", tables, workers=0)


def test_the_summaries_of_a_build_are_what_its_store_answers(built_article) -> None:
    """Every node's summary read from the build's table: the same triples as the summary
    query on the same store (terms alike: language tags in BCP 47 case, plain literals
    without a datatype), and the table holds every node that has one."""
    store = opened(built_article)
    rows = store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    nodes = sorted(row["s"] for row in rows)
    found, asked = store.summaries(nodes, SUMMARY_PROPERTIES)
    assert not asked and len(found) == len(set(found))
    values = " ".join(f"<{p}>" for p in SUMMARY_PROPERTIES)
    queried = store.triples(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o FILTER(isIRI(?s)) }}"
    )
    assert len(found) > 1000 and set(found) == set(queried)
    as_text = {(str(s), str(p), str(o), getattr(o, "language", None)) for s, p, o in found}
    assert as_text == {
        (str(s), str(p), str(o), getattr(o, "language", None)) for s, p, o in queried
    }
    # Other properties than the table's: the caller asks with a query instead.
    assert store.summaries(nodes, SUMMARY_PROPERTIES[:-1]) == ([], nodes)


def test_a_description_is_the_same_with_the_summaries_table_and_without(tmp_path: Path) -> None:
    """From one built store, with its table and as a build by an older lodpub without one:
    the same description, blank nodes included (the table is written from the store in
    memory, which labels blank nodes its own way: a summary naming one is asked of the
    store on disk)."""
    data = write(
        tmp_path / "blank.ttl",
        """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<br/1> a fabio:JournalArticle ; dcterms:title "一带一路"@zh-Hans, "t"^^xsd:string ;
  dcterms:relation _:page, <br/2>, <br/3> ; fabio:hasSequenceIdentifier "7"^^xsd:integer .
<br/3> a fabio:Book ; dcterms:title "\\u0001 \\t \\\\ \\u007F \\u2028 😀"@en-GB .
<br/2> a fabio:Book ; dcterms:title "A \\"quoted\\"\\ntitle"@en ; dcterms:relation _:page .
_:page dcterms:title "a page"@en-GB .
""",
    )
    target = tmp_path / "store"
    loader.build([data], BASE, target, "not validated: a test of the summaries table")
    space = UriSpace(BASE, ())
    with_table, without = opened(target), opened(target, with_tables=False)
    # br/3's summary, control characters and all, comes from the table; br/2's names the
    # blank node: asked with a query, as from a build without the table.
    found, asked = with_table.summaries([URIRef(BASE + "br/3")], SUMMARY_PROPERTIES)
    assert not asked and {str(o) for _, p, o in found if p == DCTERMS.title} == {
        "\x01 \t \\ \x7f \u2028 😀"
    }
    for store in (with_table, without):
        assert store.summaries([URIRef(BASE + "br/2")], SUMMARY_PROPERTIES) == (
            [],
            [URIRef(BASE + "br/2")],
        )
    for thing in ("br/1", "br/2"):
        iri = URIRef(BASE + thing)
        described = [describe(store, iri, space).triples for store in (with_table, without)]
        assert len(described[0]) > 4 and set(described[0]) == set(described[1]), thing
    # The page of br/1 links to the blank node itself (its own triple) and through br/2 (a
    # summary triple, from the table): the same blank node.
    of_first = describe(with_table, URIRef(BASE + "br/1"), space).triples
    pointing = {s: o for s, p, o in of_first if isinstance(o, BNode)}
    assert set(pointing) == {URIRef(BASE + "br/1"), URIRef(BASE + "br/2")}
    assert len(set(pointing.values())) == 1


def test_the_neighbourhoods_of_a_build_are_what_its_store_answers(built_article) -> None:
    """Every subject's triples read from the build's tables, and every node's dependent
    nodes and crowded properties: the same as the queries describe asks of the same store."""
    store = opened(built_article)
    rows = store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    subjects = sorted(row["s"] for row in rows)
    found, asked = store.outgoing(subjects)
    queried = store.triples("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    assert not asked and len(found) == len(set(found)) > 1000
    assert set(found) == set(queried)
    classes = ", ".join(f"<{c}>" for c in DEPENDENT_CLASSES)
    rows = store.select("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) }")
    with_dependents = crowded = 0
    for node in sorted({*subjects, *(row["o"] for row in rows)}):
        near = store.neighbourhood(node, DEPENDENT_CLASSES, INCOMING_LIMIT)
        assert near is not None and not near.asked, node
        counted = store.select(f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p <{node}> }}
          GROUP BY ?p HAVING (COUNT(*) > {INCOMING_LIMIT})""")
        assert near.crowded == {row["p"]: int(row["n"]) for row in counted}, node
        if near.crowded:  # the caller asks the queries that take the crowded links apart
            assert near.dependents == near.triples == []
            crowded += 1
            continue
        dependents = store.select(f"""SELECT DISTINCT ?d WHERE {{
          {{ <{node}> ?link ?d }} UNION {{ ?d ?link <{node}> }}
          ?d a ?class FILTER(?class IN ({classes})) }}""")
        assert sorted(near.dependents) == sorted(row["d"] for row in dependents), node
        values = " ".join(f"<{n}>" for n in {node, *near.dependents})
        of_them = store.triples(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"
        )
        assert set(near.triples) == set(of_them), node
        with_dependents += bool(near.dependents)
    assert crowded >= 1  # the article's source, named by every node's provenance
    assert with_dependents > 100
    # Tables written for other dependent classes or another limit: the caller queries.
    assert store.neighbourhood(subjects[0], DEPENDENT_CLASSES[:-1], INCOMING_LIMIT) is None
    assert store.neighbourhood(subjects[0], DEPENDENT_CLASSES, INCOMING_LIMIT + 1) is None


def test_a_description_is_the_same_from_the_neighbourhoods_a_build_precomputed(
    tmp_path: Path,
) -> None:
    """From one built store, with its tables, with the summaries only (a build by an older
    lodpub, or one whose tables are of another format) and with neither: the same
    descriptions, the tables read where they serve (no query counts the links into a
    work), of a work whose dependent nodes (an
    identifier, a role) the tables give with their triples, of one whose dependent node is a
    blank node (left to the queries), of an agent with more links of a property than a
    description keeps (counted in the tables), and of them all naming a source outside the
    publication, whose own triples name a blank node."""
    extra_roles = "\n".join(
        f"<ar/{n}> a pro:RoleInTime ; pro:isHeldBy <ra/1> ." for n in range(2, INCOMING_LIMIT + 2)
    )
    data = write(
        tmp_path / "neighbourhoods.ttl",
        f"""@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix frbr: <http://purl.org/vocab/frbr/core#> .
@prefix datacite: <http://purl.org/spar/datacite/> .
@prefix literal: <http://www.essepuntato.it/2010/06/literalreification/> .
@prefix pro: <http://purl.org/spar/pro/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<br/1> a fabio:JournalArticle ; dcterms:title "一带一路"@zh-Hans ;
  datacite:hasIdentifier <id/1>, <id/名> ; pro:isDocumentContextFor <ar/1> ;
  dcterms:relation <http://example.org/source> .
<id/1> a datacite:Identifier ; literal:hasLiteralValue "10.1/x" .
<id/名> a datacite:Identifier ; literal:hasLiteralValue "名" .
<ar/1> a pro:RoleInTime ; pro:isHeldBy <ra/1> .
<ra/1> a foaf:Agent ; foaf:name "A" ; dcterms:relation <http://example.org/source> .
<br/2> a fabio:Book ; frbr:embodiment _:copy ; dcterms:relation <br/1> .
_:copy a fabio:Manifestation ; dcterms:relation <http://example.org/source> .
<http://example.org/source> dcterms:title "S" ; dcterms:relation _:elsewhere .
{extra_roles}
""",
    )
    target = tmp_path / "store"
    loader.build([data], BASE, target, "not validated: a test of the neighbourhood tables")
    published = loader.open_published(target)
    older = tmp_path / "older.sqlite"
    shutil.copy(loader.tables(published), older)
    with closing(sqlite3.connect(older)) as connection:
        connection.executescript(
            "DROP TABLE others; DROP TABLE dependents; DROP TABLE crowded; DROP TABLE recipe;"
        )
    other_format = tmp_path / "other-format.sqlite"
    shutil.copy(loader.tables(published), other_format)
    with closing(sqlite3.connect(other_format)) as connection, connection:
        connection.execute("UPDATE recipe SET value = 'another' WHERE name = 'format'")
    stores = {
        "tables": CountingStore(opened(target)),
        "summaries only": disk_store(loader.database(published), "", older, workers=0),
        "other format": disk_store(loader.database(published), "", other_format, workers=0),
        "neither": opened(target, with_tables=False),
    }
    near = {
        name: {
            path: store.neighbourhood(URIRef(BASE + path), DEPENDENT_CLASSES, INCOMING_LIMIT)
            for path in ("br/1", "br/2", "ra/1")
        }
        for name, store in stores.items()
    }
    expected_none = dict.fromkeys(near["tables"])
    assert near["summaries only"] == near["other format"] == near["neither"] == expected_none
    first, copied, agent = near["tables"].values()
    assert first is not None and set(first.dependents) == {
        URIRef(BASE + "id/1"),
        URIRef(BASE + "id/名"),
        URIRef(BASE + "ar/1"),
    }
    assert copied is None  # its embodiment is a blank node
    assert agent is not None and agent.crowded == {PRO.isHeldBy: INCOMING_LIMIT + 1}
    source = URIRef("http://example.org/source")
    assert stores["tables"].outgoing([source]) == ([], [source])  # it names a blank node
    space = UriSpace(BASE, ())
    for path in ("br/1", "br/2", "ra/1", "id/1", "id/名", "ar/1", "ar/7"):
        described = {
            name: describe(store, URIRef(BASE + path), space) for name, store in stores.items()
        }
        triples = [set(d.triples) for d in described.values()]
        assert len(triples[0]) > 3 and all(t == triples[0] for t in triples), path
        totals = [d.incoming_totals for d in described.values()]
        assert all(t == totals[0] for t in totals), path
    assert described["tables"].triples  # the last, ar/7: a role of the crowded agent
    counted = stores["tables"]
    counted.asked.clear()
    describe(counted, URIRef(BASE + "br/1"), space)
    assert counted.asked[:2] == ["neighbourhood", "triples"]


def test_a_subject_whose_triples_come_apart_has_them_joined_in_its_summary(tmp_path) -> None:
    """The table is written from N-Triples in which the store in memory lists each subject's
    triples together; were one's triples apart (and a line cut between two writes), its
    row still holds them all, and a blank node among them still leaves it to a query, as an
    RDF 1.2 triple term or a language tag with a direction does (the store's terms say them
    otherwise); N-Triples ending inside a line are refused."""
    title, relation = DCTERMS.title, DCTERMS.relation
    lines = [
        f'<{BASE}br/1> <{title}> "一带一路"@zh-hans .',
        f"<{BASE}br/2> <{relation}> _:b1 .",
        f"<{BASE}br/1> <{relation}> <{BASE}br/2> .",
        f'<{BASE}br/2> <{title}> "t" .',
        f"<{BASE}br/3> <{PROV.wasDerivedFrom}> <{BASE}br/1> .",  # not a summary property
        f'<{BASE}br/4> <{relation}> <<( <{BASE}br/1> <{title}> "x" )>> .',
        f'<{BASE}br/5> <{title}> "x"@en--ltr .',
    ]
    text = "".join(line + "\n" for line in lines).encode()
    connection = sqlite3.connect(tmp_path / "summaries.sqlite", isolation_level=None)
    connection.executescript(store_module._TABLES)
    rows = store_module._SubjectRows([title, relation], connection)
    for start in range(0, len(text), 37):
        rows.write(text[start : start + 37])
    rows.finish()
    store_module._index_tables(connection)
    # The other triples of a subject are kept apart, in `others`.
    others = {n: json.loads(t) for n, t in connection.execute("SELECT node, terms FROM others")}
    assert others == {
        f"{BASE}br/3": [[str(PROV.wasDerivedFrom), store_module._IRI, f"{BASE}br/1", None]]
    }
    table = dict(connection.execute("SELECT node, terms FROM summary"))
    assert set(table) == {f"{BASE}br/{n}" for n in (1, 2, 4, 5)}
    assert table[f"{BASE}br/2"] is table[f"{BASE}br/4"] is table[f"{BASE}br/5"] is None
    assert sorted(json.loads(table[f"{BASE}br/1"])) == [
        [str(relation), store_module._IRI, f"{BASE}br/2", None],
        [str(title), store_module._TAGGED, "一带一路", "zh-hans"],
    ]


def test_summaries_refuse_n_triples_that_end_inside_a_line() -> None:
    connection = sqlite3.connect(":memory:")
    connection.executescript(store_module._TABLES)
    rows = store_module._SubjectRows([DCTERMS.title], connection)
    rows.write(f'<{BASE}br/1> <{DCTERMS.title}> "cut'.encode())
    with pytest.raises(ValueError, match="inside a line"):
        rows.finish()


def test_load_prints_a_summary_and_records_version_report_and_figures(built_article) -> None:
    build = built_article.resolve()
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    assert manifest["base_url"] == BASE and len(manifest["version"]) == 64
    assert manifest["kinds"]["br"] == 77 and manifest["kinds"]["be"] == 25
    snapshots = Dataset().parse(SNAPSHOTS_FILE, format="trig", publicID=BASE)
    quads = snapshots.quads((None, PROV.specializationOf, None, None))
    assert manifest["kinds"]["se"] == len({snapshot for snapshot, *_ in quads})
    assert "Summary: 0 violations" in (build / "report.txt").read_text("utf-8")
    assert (build / "figures.json").is_file() and (build / "things.txt").is_file()


def test_load_records_the_report_validate_prints(built_article) -> None:
    """`lodpub load` records the report it made on the store it built; `lodpub validate`
    prints the same report, and lodpub.validate gives it for an rdflib graph of the files
    (the way the validation tests compare it with pyshacl's): byte for byte."""
    files = [str(path) for path in Config.load()["DATA_FILES"]]
    validated = lodpub("validate", *files, "--base-url", BASE)
    assert validated.returncode == 0, validated.stderr
    recorded = (built_article.resolve() / "report.txt").read_text("utf-8")
    assert "Summary: 0 violations, 1 warning, 67 infos" in recorded
    assert recorded == validated.stdout
    graph = Graph()
    for s, p, o, _ in load(files, BASE).quads((None, None, None, None)):
        graph.add((s, p, o))
    from_graph = validate.validate(graph, load_shapes(BASE), load_ontology(BASE), BASE)
    assert recorded == from_graph.render("text")


def test_load_of_a_corpus_with_a_planted_defect_reports_it(tmp_path) -> None:
    """A defect planted in one article of a corpus is found by the checks over the whole
    store: the load exits 1 with the report and switches nothing."""
    corpus = tmp_path / "corpus.ttl"
    made = subprocess.run(
        [sys.executable, str(CORPUS), "30", str(corpus)], timeout=COMMAND_TIMEOUT_S
    )
    assert made.returncode == 0
    # The 17th article gets a second title: a work has at most one.
    with corpus.open("a", encoding="utf-8") as out:
        out.write('<br/1016001> <http://purl.org/dc/terms/title> "A second title"@en .\n')
    target = tmp_path / "store"
    result = lodpub("load", str(corpus), "--store", str(target), "--base-url", BASE)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "<br/1016001>" in result.stderr and "at most one dcterms:title" in result.stderr
    assert "Summary: 1 violation," in result.stderr
    assert not target.exists() and not list(tmp_path.glob("store.*"))


# Defects of six kinds, each a line of the corpus removed (by its start) and one added,
# written for the corpus's first article (copy 0: `br/1` is `br/1000001`): a work with two
# titles, a role of no kind (author, editor…), a role that is its own next (a SHACL-SPARQL
# constraint), a page range running backwards (another), a URL identifier that is not
# absolute (sh:pattern) and a reference pointing at a role instead of a work (sh:class).
DEFECTS = (
    (None, '<br/1000001> <http://purl.org/dc/terms/title> "A second title"@en .'),
    ("<ar/1000001> <http://purl.org/spar/pro/withRole> ", None),
    (None, "<ar/1000002> <https://w3id.org/oc/ontology/hasNext> <ar/1000002> ."),
    (
        "<re/1000001> <http://prismstandard.org/namespaces/basic/2.0/endingPage> ",
        '<re/1000001> <http://prismstandard.org/namespaces/basic/2.0/endingPage> "300" .',
    ),
    (
        "<id/1000001> <http://www.essepuntato.it/2010/06/literalreification/hasLiteralValue> ",
        "<id/1000001> <http://www.essepuntato.it/2010/06/literalreification/hasLiteralValue>"
        ' "bulletinofcas.researchcommons.org/journal/vol41/iss2/15" .',
    ),
    (
        "<be/1000001> <http://purl.org/spar/biro/references> ",
        "<be/1000001> <http://purl.org/spar/biro/references> <ar/1000001> .",
    ),
)
# The things of copy k are those of copy 0 moved by k × 1,000 (bench/corpus.py); the defects
# touch only things each copy has of its own (agents and journals are shared between copies).
# Citations are named by both works (`ci/1000001-1000101`).
OWN_NUMBER = re.compile(r"(?<=(?:br|ar|re|be|id|ci)/)1\d{6}\b|(?<=ci/1\d{6}-)1\d{6}\b")


def in_copy(text: str, copy: int) -> str:
    return OWN_NUMBER.sub(lambda m: str(int(m[0]) + 1_000 * copy), text)


def corpus_with_defects(articles: int, copies: Sequence[int], path: Path) -> Path:
    made = subprocess.run(
        [sys.executable, str(CORPUS), str(articles), str(path)], timeout=COMMAND_TIMEOUT_S
    )
    assert made.returncode == 0
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for copy in copies:
        for removed, added in DEFECTS:
            if removed is not None:
                start = in_copy(removed, copy)
                kept = [line for line in lines if not line.startswith(start)]
                assert len(kept) == len(lines) - 1, start  # the defect's line was there, once
                lines = kept
            if added is not None:
                lines.append(in_copy(added, copy) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def violations(report: validate.Report, copy: int = 0) -> set[validate.Finding]:
    """The report's violations, their things moved to copy `copy`."""
    moved = set()
    for finding in report.findings:
        if finding.severity != SH.Violation:
            continue
        moved.add(
            dataclasses.replace(
                finding,
                focus=type(finding.focus)(in_copy(finding.focus, copy)),
                value=None
                if finding.value is None
                else type(finding.value)(in_copy(finding.value, copy)),
                messages=tuple(in_copy(message, copy) for message in finding.messages),
            )
        )
    return moved


def test_load_of_a_large_corpus_finds_every_violation_the_reference_engine_finds(
    tmp_path,
) -> None:
    """Six kinds of defect planted in three articles of a 30-article corpus: `lodpub load`,
    which checks the whole store at once, reports exactly the violations pyshacl (the
    reference engine, one focus node at a time) reports for the same defects in a corpus of
    one article, in each of the three articles."""
    shapes, ontology = load_shapes(BASE), load_ontology(BASE)
    one = corpus_with_defects(1, [0], tmp_path / "one.ttl")
    graph = Graph()
    for s, p, o, _ in load([one], BASE).quads((None, None, None, None)):
        graph.add((s, p, o))
    reference = validate.validate(graph, shapes, ontology, BASE, engine="pyshacl")
    assert len(violations(reference)) >= len(DEFECTS)  # every defect is a violation
    copies = (0, 13, 29)
    large = corpus_with_defects(30, copies, tmp_path / "large.ttl")
    manifest, report = loader.load([large], BASE, shapes, ontology, tmp_path / "store")
    assert manifest is None and not (tmp_path / "store").exists()
    expected = set().union(*(violations(reference, copy) for copy in copies))
    assert violations(report) == expected
    assert report.violations == len(expected)


# --- a bounded number of lookups per page ------------------------------------------------------


class CountingStore:
    """The app's store, counting the lookups made through its interface."""

    def __init__(self, store) -> None:
        self.store = store
        self.lookups = 0
        self.asked: list[str] = []  # the lookups' names, in turn

    def __getattr__(self, name: str):
        attribute = getattr(self.store, name)
        if name in (
            "ask", "select", "construct", "triples", "summaries", "outgoing", "neighbourhood",
            "has_graph", "dump", "triple_count",
        ):  # fmt: skip
            self.lookups += 1
            self.asked.append(name)
        return attribute


@pytest.fixture(scope="module")
def corpus_apps(tmp_path_factory):
    """Apps on built stores of 1 and of 100 synthetic articles (bench/corpus.py). The corpora
    are built without validating them (`loader.build`): this is about lookups, and the
    corpus's validity is the corpus test's business."""
    apps = {}
    folder = tmp_path_factory.mktemp("corpus")
    for count in (1, 100):
        data = folder / f"corpus-{count}.ttl"
        made = subprocess.run(
            [sys.executable, str(CORPUS), str(count), str(data)], timeout=COMMAND_TIMEOUT_S
        )
        assert made.returncode == 0
        target = folder / f"store-{count}"
        loader.build([data], BASE, target, "not validated: synthetic corpus for a lookup count")
        app = create_app({"STORE": target, "TESTING": True})
        of(app).store = CountingStore(of(app).store)
        apps[count] = app
    return apps


PAGES = (
    "doc/br/1000001.html",  # the article
    "doc/br/1000101.ttl",  # a work it cites
    "doc/be/1000001.html",  # a reference
    "doc/ra/1000001.html",  # an author (shared with articles 7, 14, …)
    "doc/br/1000004.html",  # the journal (shared by ten articles)
    "doc/br/1000001.jsonld",
    "br/1000001",  # a 303
    "doc/dataset.html",
    "",
    ".well-known/void",
    "sitemap.xml",
)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_costs_the_same_lookups_at_100_articles_as_at_one(corpus_apps, path) -> None:
    counted = []
    for count in (1, 100):
        app = corpus_apps[count]
        store = of(app).store
        before = store.lookups
        response = app.test_client().get("/" + path)
        assert response.status_code in (200, 303), (count, path, response.status_code)
        counted.append(store.lookups - before)
    # The home page describes two things (the dataset, its article): five lookups each.
    assert counted[0] == counted[1] and counted[0] <= 10, counted


# Requests about the whole dataset, answered from its figures (computed once per version):
# path, media type, and how many lookups each makes, the first time in a process too.
WHOLE_DATASET_REQUESTS = (
    ("sparql", "text/turtle", 0),  # the service description, with every graph's size
    ("oai?verb=Identify", "text/xml", 0),
    ("oai?verb=ListRecords&metadataPrefix=oai_dc", "text/xml", 1),  # the page's records
)


@pytest.mark.parametrize(("path", "accept", "lookups"), WHOLE_DATASET_REQUESTS)
def test_whole_dataset_requests_make_the_same_few_lookups_at_100_articles_as_at_one(
    corpus_apps, path, accept, lookups
) -> None:
    for count in (1, 100):
        app = corpus_apps[count]
        store = of(app).store
        before = store.lookups
        response = app.test_client().get("/" + path, headers={"Accept": accept})
        assert response.status_code == 200, (count, path)
        assert b"<error" not in response.data
        assert store.lookups - before == lookups, (count, path)


def test_oai_lists_every_work_page_by_page_without_a_lookup_per_identifier_page(
    corpus_apps,
) -> None:
    """The works come from the build's sorted file (Figures.works), found by bisection after
    each token: ListIdentifiers makes no lookup on any page, and lists what the store holds."""
    app = corpus_apps[100]
    store = of(app).store
    with app.test_request_context():
        repo = dataclasses.replace(repository(), page_size=50)
    arguments = {"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"]}
    before = store.lookups
    seen: list[str] = []
    while True:
        root = ET.fromstring(oai.respond(repo, arguments, datetime.now(UTC)))
        seen += [e.text for e in root.iter(f"{{{oai.OAI}}}identifier")]
        token = root.find(f".//{{{oai.OAI}}}resumptionToken")
        if token is None or not token.text:
            break
        arguments = {"verb": ["ListIdentifiers"], "resumptionToken": [token.text]}
    assert store.lookups == before
    cites = f"<{CITO.cites}>"
    in_store = store.select(
        f"SELECT DISTINCT ?w WHERE {{ {{ ?w {cites} ?x }} UNION {{ ?x {cites} ?w }} }}"
    )
    assert len(seen) > 20 * repo.page_size
    assert seen == sorted(str(row["w"]) for row in in_store)
    assert seen[100] in of(app).figures.works and seen[100] + "0" not in of(app).figures.works


def test_the_dataset_document_keeps_a_bounded_number_of_links_into_its_hash_iris(
    corpus_apps,
) -> None:
    """Every journal's ISSN names `dataset#journal-lists` as its source: the document of
    `dataset` (and the home page built from it) keeps the first HASH_INCOMING_LIMIT of these
    links, not one per journal of the archive."""
    space = UriSpace(BASE, ())
    into_hashes = {}
    for count in (1, 100):
        app = corpus_apps[count]
        figures = of(app).figures
        hashes = {URIRef(iri) for iri in figures.hash_iris[str(space.dataset())]}
        in_data = of(app).store.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?h {{ {' '.join(f'<{h}>' for h in hashes)} }}"
            " ?s ?p ?h }"
        )[0]["n"]
        served = Graph().parse(data=app.test_client().get("/doc/dataset.nt").data, format="nt")
        into_hashes[count] = (int(in_data), sum(1 for _, _, o in served if o in hashes))
    assert into_hashes[1][0] == into_hashes[1][1] < HASH_INCOMING_LIMIT, into_hashes
    assert into_hashes[100][0] > HASH_INCOMING_LIMIT == into_hashes[100][1], into_hashes


def test_the_corpus_is_marked_synthetic_and_numbered_apart(corpus_apps) -> None:
    app = corpus_apps[100]
    figures = of(app).figures
    space = UriSpace(BASE, ())
    numbers = [
        int(space.path(URIRef(iri)).split("/")[1].split("-")[0])
        for iri in figures.things.window(0, len(figures.things))
        if space.path(URIRef(iri)).split("/")[0] in ("br", "ra", "ar", "id", "be", "re", "ci")
    ]
    assert numbers and min(numbers) >= 1_000_000
    page = app.test_client().get("/doc/dataset.ttl")
    assert b"SYNTHETIC DATA" in page.data


# --- incoming links and containers stay bounded --------------------------------------------------


def test_incoming_links_per_property_are_capped_and_counted(tmp_path: Path) -> None:
    lines = [f"<role/{n}> <http://purl.org/spar/pro/isHeldBy> <ra/1> ." for n in range(1500)]
    data = write(
        tmp_path / "crowded.ttl",
        "\n".join(["<ra/1> a <http://xmlns.com/foaf/0.1/Agent> .", *lines]),
    )
    store = memory_store([data], BASE)
    found = describe(store, URIRef(BASE + "ra/1"), UriSpace(BASE, ()))
    held_by = URIRef("http://purl.org/spar/pro/isHeldBy")
    assert found.incoming_totals == {held_by: 1500}
    links = [s for s, p, o in found.triples if p == held_by and o == URIRef(BASE + "ra/1")]
    assert len(links) == INCOMING_LIMIT


def test_a_description_keeps_each_triple_once_whichever_lookups_found_it() -> None:
    """The article's roles are dependent nodes (the core lookup gives all their triples) and
    nodes its page names (the summary gives their names and links again): each triple is
    kept once, in the order first found, and none of the role's triples is lost."""
    store = memory_store([ARTICLE], BASE)
    article = URIRef(BASE + "br/1")
    found = describe(store, article, UriSpace(BASE, ())).triples
    assert len(found) == len(set(found))
    roles = [o for s, p, o in found if s == article and p == PRO.isDocumentContextFor]
    assert roles
    for role in roles:
        of_role = store.triples(f"CONSTRUCT {{ <{role}> ?p ?o }} WHERE {{ <{role}> ?p ?o }}")
        assert PRO.isHeldBy in {p for _, p, _ in of_role}  # a summary property: found twice
        kept = [t for t in found if t[0] == role]
        assert len(kept) == len(of_role) and set(kept) == set(of_role), role


def test_the_rdflib_terms_made_from_the_store_stay_bounded(monkeypatch, tmp_path) -> None:
    """Terms are made once and kept, up to a bound: past it the kept ones are dropped, and
    every answer is still made of the right terms."""
    monkeypatch.setattr(store_module, "_MAX_TERMS", 10)
    title = "http://purl.org/dc/terms/title"
    data = write(
        tmp_path / "many.ttl", "\n".join(f'<br/{n}> <{title}> "t{n}"@zh-hans .' for n in range(50))
    )
    store = memory_store([data], BASE)
    for _ in range(2):
        found = store.triples("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        assert {(str(s), str(p), str(o), o.language) for s, p, o in found} == {
            (f"{BASE}br/{n}", title, f"t{n}", "zh-Hans") for n in range(50)
        }
        assert len(store_module._TERMS) <= 10


def test_a_page_and_document_with_more_links_than_kept_say_how_many_and_where_all_are(
    tmp_path: Path, tiny
) -> None:
    """An agent holding more roles than a description keeps: its page names how many there
    are and links a SPARQL query that lists them all, which the real endpoint answers with
    every one; its Turtle document keeps INCOMING_LIMIT and points to the same query."""
    roles = INCOMING_LIMIT + 37
    pro = "http://purl.org/spar/pro/"
    lines = [
        f"<role/{n}> a <{pro}RoleInTime> ; <{pro}isHeldBy> <ra/1> . "
        f"<br/{n}> <{pro}isDocumentContextFor> <role/{n}> ."
        for n in range(roles)
    ]
    data = write(
        tmp_path / "crowded.ttl",
        "\n".join(["<ra/1> a <http://xmlns.com/foaf/0.1/Agent> .", *lines]),
    )
    # The real ontology (the pages read its labels); the server's own base URL.
    env = {**tiny, "LODPUB_ONTOLOGY_DIR": str(REPO / "ontology")}
    del env["LODPUB_BASE_URL"]
    with serving("--data", str(data), env=env) as base:
        page = requests.get(base + "doc/ra/1.html", timeout=30)
        assert page.status_code == 200
        html = lxml.html.fromstring(page.content)
        (note,) = html.xpath("//p[@class='crowded']")
        assert f"shows {INCOMING_LIMIT} of the {roles} links" in note.text_content()
        query = note.xpath("a/@href")[0]
        listed = requests.get(
            query, headers={"Accept": "application/sparql-results+json"}, timeout=30
        )
        assert listed.status_code == 200
        assert len(listed.json()["results"]["bindings"]) == roles
        document = requests.get(base + "doc/ra/1.ttl", timeout=30)
        graph = Graph().parse(data=document.text, format="turtle")
        held_by = URIRef("http://purl.org/spar/pro/isHeldBy")
        kept = set(graph.subjects(held_by, URIRef(base + "ra/1")))
        assert len(kept) == INCOMING_LIMIT
        # The works of the roles kept, and of no other role.
        context = URIRef(pro + "isDocumentContextFor")
        assert set(graph.objects(None, context)) == kept
        related = requests.utils.parse_header_links(document.headers["Link"])
        assert any(link["url"] == query and link["rel"] == "related" for link in related)


def test_a_sitemap_past_50000_pages_is_an_index_of_files() -> None:
    iris = [f"{BASE}br/{n}" for n in range(120_000)]
    things = catalogue.Things(len(iris), iris)
    space = UriSpace(BASE, ("html",))
    files = catalogue.sitemap_file_count(things)
    assert files == 3
    pages = [catalogue.sitemap_urls(things, space, n) for n in range(1, files + 1)]
    assert all(len(p) <= catalogue.SITEMAP_MAX_URLS for p in pages)
    listed = [url for p in pages for url in p]
    assert listed == [BASE, *(space.document(URIRef(i), "html") for i in iris)]


def test_a_list_of_iris_in_its_file_reads_as_in_memory(tmp_path) -> None:
    """A build keeps its sorted lists of IRIs (things, works) in files read by seeking: the
    same windows, positions and membership as the list in memory, whatever the IRIs' lengths
    and scripts."""
    iris = sorted(
        {f"{BASE}br/{n}" for n in range(0, 3000, 7)} | {f"{BASE}ra/名{n}" for n in range(9)}
    )
    in_memory = catalogue.Things(len(iris), iris, key=str)
    in_memory.save(tmp_path / "works.txt")
    in_file = catalogue.Things(len(iris), path=tmp_path / "works.txt", key=str)
    assert in_file.window(0, len(iris)) == iris == list(in_file)
    assert (
        in_file.window(420, 440) == iris[420:440]
        and in_file.window(len(iris) - 3, 10**6) == iris[-3:]
    )
    for probe in ("", iris[0], iris[200], iris[200] + "0", f"{BASE}ra/名4", f"{BASE}zz"):
        assert in_file.position_after(probe) == in_memory.position_after(probe), probe
        assert (probe in in_file) == (probe in in_memory) == (probe in iris), probe


# --- lodpub load: switching builds --------------------------------------------------------------


def test_load_over_a_store_switches_to_the_new_version(tmp_path, tiny) -> None:
    target = tmp_path / "store"
    old = write(tmp_path / "old.ttl", VALID.format(title="Old title"))
    first = lodpub("load", str(old), "--store", str(target), env=tiny)
    assert first.returncode == 0, first.stderr
    assert "Loaded 2 triples" in first.stdout and "0 violations" in first.stdout
    old_build = target.resolve()
    new = write(tmp_path / "new.ttl", VALID.format(title="New title"))
    second = lodpub("load", str(new), "--store", str(target), env=tiny)
    assert second.returncode == 0, second.stderr
    assert target.is_symlink() and target.resolve() != old_build
    versions = [
        json.loads((b / "manifest.json").read_text())["version"]
        for b in (old_build, target.resolve())
    ]
    assert versions[0] != versions[1]
    third = lodpub("load", str(old), "--store", str(target), env=tiny)
    assert third.returncode == 0, third.stderr
    # The build served before stays (a server may still read it); older ones go.
    builds = {p.name for p in tmp_path.glob("store.*") if (p / "manifest.json").is_file()}
    assert old_build.name not in builds and len(builds) == 2


def test_served_store_answers_the_new_data_after_a_reload(tmp_path, tiny) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    settings = {**tiny, "LODPUB_BASE_URL": base_url}
    target = tmp_path / "store"
    for title in ("Old title", "New title"):
        data = write(tmp_path / "data.ttl", VALID.format(title=title))
        assert lodpub("load", str(data), "--store", str(target), env=settings).returncode == 0
    with serving("--store", str(target), port=port, env=tiny) as base:
        page = requests.get(base + "doc/br/1.ttl", timeout=30)
    assert page.status_code == 200 and "New title" in page.text and "Old title" not in page.text


def test_load_with_violations_switches_nothing(tmp_path, tiny) -> None:
    target = tmp_path / "store"
    good = write(tmp_path / "good.ttl", VALID.format(title="Good"))
    assert lodpub("load", str(good), "--store", str(target), env=tiny).returncode == 0
    before = target.resolve()
    bad = write(tmp_path / "bad.ttl", INVALID.format(title="Bad"))
    result = lodpub("load", str(bad), "--store", str(target), env=tiny)
    assert result.returncode == 1
    assert "A journal article needs a title." in result.stderr
    assert "left as it was" in result.stderr
    assert target.resolve() == before
    assert [p.name for p in tmp_path.glob("store.*")] == [before.name]


def test_load_of_an_unreadable_file_exits_2_with_file_and_line(tmp_path, tiny) -> None:
    broken = write(
        tmp_path / "broken.ttl", '<br/1> <http://purl.org/dc/terms/title> "a"\n<br/2> .\n'
    )
    target = tmp_path / "store"
    result = lodpub("load", str(broken), "--store", str(target), env=tiny)
    assert result.returncode == 2
    assert f"{broken}:2: Turtle syntax error" in result.stderr
    assert "Traceback" not in result.stderr and not target.exists()


def test_load_refuses_a_directory_that_is_not_a_store(tmp_path, tiny) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    write(target / "notes.txt", "keep me")
    good = write(tmp_path / "good.ttl", VALID.format(title="Good"))
    result = lodpub("load", str(good), "--store", str(target), env=tiny)
    assert result.returncode == 2 and "not a store built by `lodpub load`" in result.stderr
    assert (target / "notes.txt").read_text() == "keep me"


def test_an_interrupted_load_leaves_the_old_store_serving(tmp_path, tiny) -> None:
    port = free_port()
    settings = {**tiny, "LODPUB_BASE_URL": f"http://127.0.0.1:{port}/"}
    target = tmp_path / "store"
    old = write(tmp_path / "old.ttl", VALID.format(title="Old title"))
    assert lodpub("load", str(old), "--store", str(target), env=settings).returncode == 0
    before = target.resolve()
    # Big enough that loading it takes a while: killed once its build has started.
    big = tmp_path / "big.nt"
    with open(big, "w", encoding="utf-8") as out:
        for n in range(300_000):
            out.write(f'<http://127.0.0.1:{port}/x/{n}> <http://example.org/p> "{n}" .\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "lodpub", "load", str(big), "--store", str(target)],
        env={**os.environ, **settings},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    partial = tmp_path / f"store.partial-{process.pid}"
    deadline = time.monotonic() + COMMAND_TIMEOUT_S
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert partial.exists(), "the load never started building"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert target.resolve() == before
    with serving("--store", str(target), port=port, env=tiny) as base:
        page = requests.get(base + "doc/br/1.ttl", timeout=30)
    assert page.status_code == 200 and "Old title" in page.text


# --- data files that could stall or escape ---------------------------------------------


@pytest.mark.parametrize("context", ["http://10.255.255.1/context.jsonld", "file:///etc/passwd"])
def test_a_remote_json_ld_context_is_refused_by_name(tmp_path, tiny, context) -> None:
    data = write(
        tmp_path / "data.jsonld",
        json.dumps({"@context": context, "@id": "br/1", "title": "x"}),
    )
    for command in (("validate", str(data)), ("load", str(data), "--store", str(tmp_path / "s"))):
        result = lodpub(*command, env=tiny)
        assert result.returncode == 2, result.stderr
        assert f"JSON-LD remote context '{context}' is not loaded" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_inline_json_ld_context_is_read(tmp_path) -> None:
    turtle = Graph().parse(ARTICLE, publicID=BASE)
    context = {"dcterms": "http://purl.org/dc/terms/", "fabio": "http://purl.org/spar/fabio/"}
    data = write(tmp_path / "article.jsonld", turtle.serialize(format="json-ld", context=context))
    assert "@context" in data.read_text("utf-8")
    read = Graph()
    for s, p, o, _ in load([data], BASE).quads():
        read.add((s, p, o))
    assert len(read) == len(turtle) and isomorphic(read, turtle)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""


def test_rdf_xml_entity_declarations_are_refused(tmp_path, tiny) -> None:
    data = write(tmp_path / "laughs.rdf", BILLION_LAUGHS)
    result = lodpub("validate", str(data), env=tiny)
    assert result.returncode == 2
    assert f"{data}:2: RDF/XML with a DOCTYPE is refused" in result.stderr


def test_the_version_of_data_with_many_alike_blank_nodes_is_immediate(tmp_path) -> None:
    """Versions hash the files' bytes: a canonical hash of the graph takes exponential time
    on blank nodes that look alike."""
    notes = "".join(
        '[ a <http://example.org/Note> ; <http://example.org/text> "same" ] .\n' for _ in range(60)
    )
    data = write(tmp_path / "notes.ttl", notes)
    code = (
        "from pathlib import Path; from lodpub.store import memory_store; "
        f"print(memory_store([Path({str(data)!r})], {BASE!r}).version)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == data_version([data], BASE)


def test_an_empty_data_file_is_refused(tmp_path, tiny) -> None:
    empty = write(tmp_path / "empty.ttl", "@prefix dcterms: <http://purl.org/dc/terms/> .\n")
    serve = ("serve", "--port", str(free_port()), "--data", str(empty))
    for command in (("validate", str(empty)), serve):
        result = lodpub(*command, env=tiny)
        assert result.returncode == 2, result.stderr
        assert f"{empty}: the data holds no triples" in result.stderr


@pytest.mark.parametrize("command", ["validate", "load"])
def test_running_out_of_memory_is_one_line_and_exit_2(tmp_path, tiny, command: str) -> None:
    big = tmp_path / "big.nt"
    with open(big, "w", encoding="utf-8") as out:
        for n in range(400_000):
            out.write(f'<http://example.org/x/{n}> <http://example.org/p> "value {n}" .\n')

    def limit_memory() -> None:
        # Enough for the command (about 250 MB of address space), not for its store of the
        # data: Oxigraph aborts the process it fills the store in, which is not lodpub's own.
        cap = 400 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    target = tmp_path / "store"
    options = ["--store", str(target)] if command == "load" else []
    result = lodpub(command, str(big), *options, env=tiny, preexec_fn=limit_memory)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "ran out of memory" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not target.exists()


def _start_a_sleeping_helper(pid_file: str) -> None:
    """A helper's work: start a helper of its own that sleeps (as the checker starts the
    counter), write down its process id, then sleep."""
    sleeper = loader._Helper("fork", time.sleep, 600)
    Path(pid_file).write_text(str(sleeper._process.pid))
    time.sleep(600)


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # a zombie has ended; only its parent's wait is missing


def test_a_helper_started_by_a_helper_ends_when_that_one_is_killed(tmp_path: Path) -> None:
    """Oxigraph aborts a checker that runs out of memory, and the kernel kills it: the
    counter it started must not go on working on a build that is being thrown away."""
    pid_file = tmp_path / "pid"
    outer = loader._Helper("fork", _start_a_sleeping_helper, str(pid_file))
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.1)
    inner = int(pid_file.read_text())
    try:
        assert not _ended(inner)
        os.kill(outer._process.pid, signal.SIGKILL)
        for _ in range(100):
            if _ended(inner):
                break
            time.sleep(0.1)
        assert _ended(inner)
        # The inner helper held the outer one's answer pipe: only now can its end be read.
        with pytest.raises(MemoryError):
            outer.wait()
    finally:
        if not _ended(inner):
            os.kill(inner, signal.SIGKILL)

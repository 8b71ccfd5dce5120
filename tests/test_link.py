"""`lodpub link` against real SPARQL servers on loopback: Oxigraph's own server loaded with a
Wikidata-shaped fixture (tests/fixtures/wikidata-sample.ttl), and tiny HTTP servers that answer
429, 503 or nonsense. Identifier hygiene (lodpub.identifiers) is checked on its own first."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from conftest import free_port
from conftest import serving
from rdflib import Graph
from rdflib import Literal
from rdflib import Namespace
from rdflib import URIRef
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import RDF
from rdflib.namespace import VOID
from SPARQLWrapper import JSON
from SPARQLWrapper import SPARQLWrapper

from lodpub.cli import cli
from lodpub.identifiers import MalformedIdentifier
from lodpub.identifiers import normalise_doi
from lodpub.identifiers import normalise_isbn
from lodpub.identifiers import normalise_issn
from lodpub.identifiers import normalise_orcid
from lodpub.link import named_persons
from lodpub.snapshots import SNAPSHOTS_FILE
from lodpub.vocab import DATACITE
from lodpub.vocab import LITERAL

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "wikidata-sample.ttl"
ARTICLE = ROOT / "data" / "article.ttl"
BASE = "http://127.0.0.1:8080/"
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
LINK_AGENT = URIRef(BASE + "dataset#link-command")
# What the fixture's comments promise: identifier matches (accepted), a duplicate (conflict),
# title matches (proposed).
ACCEPTED = {
    (URIRef(BASE + "br/102"), WD.Q900000102),
    (URIRef(BASE + "br/108"), WD.Q900000108),
    (URIRef(BASE + "br/214"), WD.Q900000214),
    (URIRef(BASE + "br/4"), WD.Q900000004),
    (URIRef(BASE + "ra/32"), WD.Q900000032),
}
PROPOSED = {
    ("br/101", WD.Q900000201),
    ("br/101", WD.Q900000202),
    ("br/106", WD.Q900000106),
    ("br/242", WD.Q900000242),
}
NORMALISE_BY_PROPERTY = {
    WDT.P356: normalise_doi,
    WDT.P236: normalise_issn,
    WDT.P496: normalise_orcid,
}


# ------------------------------------------------------------------ identifier hygiene


@pytest.mark.parametrize(
    ("normalise", "given", "canonical"),
    [
        (normalise_doi, "https://doi.org/10.1257/AER.20200780", "10.1257/aer.20200780"),
        (normalise_doi, "doi:10.1016/J.RESPOL.2022.104656", "10.1016/j.respol.2022.104656"),
        (normalise_doi, "http://dx.doi.org/10.16619/j.cnki.rmltxsqy.2023.19.002",
         "10.16619/j.cnki.rmltxsqy.2023.19.002"),
        (normalise_issn, "1000-3045", "1000-3045"),
        (normalise_issn, "0308518x", "0308-518X"),
        (normalise_orcid, "https://orcid.org/0000-0003-0549-492X", "0000-0003-0549-492X"),
        (normalise_orcid, "0000000218250097", "0000-0002-1825-0097"),
        (normalise_isbn, "0-306-40615-2", "9780306406157"),
        (normalise_isbn, "978-0-306-40615-7", "9780306406157"),
    ],
)  # fmt: skip
def test_identifiers_are_normalised(normalise, given: str, canonical: str) -> None:
    assert normalise(given) == canonical


@pytest.mark.parametrize(
    ("normalise", "malformed", "reason"),
    [
        (normalise_doi, "11.1257/aer.20200780", "not a DOI"),
        (normalise_doi, "10.1257 aer", "not a DOI"),
        (normalise_issn, "0308-5962", "check digit"),
        (normalise_issn, "1000-304", "not an ISSN"),
        (normalise_orcid, "0000-0003-0549-4921", "check digit"),
        (normalise_isbn, "978-0-306-40615-8", "check digit"),
        (normalise_isbn, "0-306-40615-3", "check digit"),
        (normalise_isbn, "12345", "not an ISBN"),
    ],
)  # fmt: skip
def test_malformed_identifiers_are_refused(normalise, malformed: str, reason: str) -> None:
    with pytest.raises(MalformedIdentifier, match=reason):
        normalise(malformed)


def test_the_publications_links_file_holds_no_link() -> None:
    """Nothing can be verified here without the internet: the real file stays empty."""
    links = Graph().parse(ROOT / "data" / "links.ttl", format="turtle", publicID=BASE)
    assert len(links) == 0


# ------------------------------------------------------------------ servers


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`oxigraph serve-read-only` on a free loopback port, loaded with the fixture; yields its
    query endpoint."""
    oxigraph = shutil.which("oxigraph", path=str(Path(__file__).resolve().parents[1] / ".venv/bin"))
    oxigraph = oxigraph or shutil.which("oxigraph")
    assert oxigraph, "the oxigraph command (PyPI `oxigraph`, in the test extra) is not installed"
    store = tmp_path_factory.mktemp("wikidata") / "store"
    subprocess.run(
        [oxigraph, "load", "--location", str(store), "--file", str(FIXTURE)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/query"
    process = subprocess.Popen(
        [oxigraph, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(endpoint, params={"query": "ASK {}"}, timeout=5)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "oxigraph serve exited"
                assert time.monotonic() < deadline, "oxigraph serve did not answer in 60 s"
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


class Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, headers, body) of `script`, repeating the
    last; records the User-Agent of every request."""

    script: list[tuple[int, dict[str, str], bytes]] = []
    agents: list[str] = []
    delay = 0.0

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.agents.append(self.headers.get("User-Agent", ""))
        status, headers, body = self.script[min(len(self.agents), len(self.script)) - 1]
        time.sleep(self.delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads what it needs from `agents`."""


@contextmanager
def scripted_server(
    *script: tuple[int, dict[str, str], bytes], delay: float = 0.0
) -> Iterator[type[Scripted]]:
    handler = type("Handler", (Scripted,), {"script": list(script), "agents": [], "delay": delay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.endpoint = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


EMPTY_RESULT = b'{"head": {"vars": ["value", "item"]}, "results": {"bindings": []}}'
JSON_TYPE = {"Content-Type": "application/sparql-results+json"}


def link(links: Path, *args: str) -> object:
    return CliRunner().invoke(
        cli,
        ["link", "--links", str(links), "--base-url", BASE, "--min-interval", "0", *args],
    )


def sameas(path: Path) -> set[tuple[URIRef, URIRef]]:
    graph = Graph().parse(path, format="turtle", publicID=BASE)
    return set(graph.subject_objects(OWL.sameAs))


# ------------------------------------------------------------------ against the fixture


def test_exactly_the_identifier_matches_are_accepted(wikidata: str, tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    result = link(links, "--endpoint", wikidata)
    assert result.exit_code == 0, result.output
    assert sameas(links) == ACCEPTED
    for entity, item in ACCEPTED:
        assert f"add        {entity[len(BASE) :]} owl:sameAs {item}" in result.output
    assert "Summary: 5 to add, 0 to change" in result.output


def test_each_link_records_service_query_date_key_and_acceptor(
    wikidata: str, tmp_path: Path
) -> None:
    links = tmp_path / "links.ttl"
    assert link(links, "--endpoint", wikidata).exit_code == 0
    graph = Graph().parse(links, format="turtle", publicID=BASE)
    data = Graph().parse(ROOT / "data" / "article.ttl", format="turtle", publicID=BASE)
    fixture = Graph().parse(FIXTURE, format="turtle")
    records = set(graph.subjects(RDF.predicate, OWL.sameAs))
    assert len(records) == len(ACCEPTED)
    for record in records:
        entity, item = graph.value(record, RDF.subject), graph.value(record, RDF.object)
        assert (record, RDF.type, PROV.Entity) in graph
        assert graph.value(record, PROV.hadPrimarySource) == URIRef(wikidata)
        assert graph.value(record, PROV.wasAttributedTo) == LINK_AGENT
        assert graph.value(record, PROV.generatedAtTime).datatype.endswith("dateTime")
        # The matching key is one of the entity's own identifier nodes, and the item carries
        # the same identifier once normalised.
        key = graph.value(record, PROV.wasDerivedFrom)
        assert key in set(data.objects(entity, DATACITE.hasIdentifier))
        ours = str(data.value(key, LITERAL.hasLiteralValue))
        theirs = {
            normalise(str(value))
            for prop, normalise in NORMALISE_BY_PROPERTY.items()
            for value in fixture.objects(item, prop)
        }
        assert ours in theirs, (entity, item)
        # The recorded query, replayed, still finds the item.
        activity = graph.value(record, PROV.wasGeneratedBy)
        plan = graph.value(graph.value(activity, PROV.qualifiedAssociation), PROV.hadPlan)
        query = str(graph.value(plan, PROV.value))
        client = SPARQLWrapper(wikidata)
        client.setQuery(query)
        client.setReturnFormat(JSON)
        items = {row["item"]["value"] for row in client.query().convert()["results"]["bindings"]}
        assert str(item) in items


def test_conflicts_and_title_matches_are_printed_never_written(
    wikidata: str, tmp_path: Path
) -> None:
    links = tmp_path / "links.ttl"
    result = link(links, "--endpoint", wikidata)
    written = {item for _, item in sameas(links)}
    conflict = next(line for line in result.output.splitlines() if line.startswith("conflict"))
    assert (
        "br/110" in conflict and str(WD.Q900000110) in conflict and str(WD.Q900000111) in conflict
    )
    assert not {WD.Q900000110, WD.Q900000111} & written
    proposals = [line for line in result.output.splitlines() if line.startswith("propose")]
    for work, item in PROPOSED:
        assert any(f" {work} ~ {item} " in line for line in proposals), (work, item)
        assert item not in written
    assert any("year 2023 agrees" in p and str(WD.Q900000201) in p for p in proposals)
    assert any("year 2023 differs: 2021" in p and str(WD.Q900000202) in p for p in proposals)
    dropped = [line for line in result.output.splitlines() if line.startswith("dropped")]
    assert len(dropped) == 1 and "0308-5962" in dropped[0] and "check digit" in dropped[0]


def test_persons_are_proposed_by_name_among_humans_never_accepted(
    wikidata: str, tmp_path: Path
) -> None:
    links = tmp_path / "links.ttl"
    result = link(links, "--endpoint", wikidata)
    assert result.exit_code == 0, result.output
    proposals = [line for line in result.output.splitlines() if line.startswith("propose")]
    first_author = [line for line in proposals if line.split()[1] == "ra/1"]
    assert {line.split()[3] for line in first_author} == {
        str(WD.Q900000301),
        str(WD.Q900000302),
    }
    assert all("same name 孙晓蕾; a human" in line for line in first_author)
    assert any(
        str(WD.Q900000302) in line and "its ORCID iD 0000-0002-1825-0097" in line
        for line in first_author
    )
    # Linked by its ORCID iD, the co-author of reference 10 is not proposed by name too.
    assert not [line for line in proposals if line.split()[1] == "ra/32"]
    written = {item for _, item in sameas(links)}
    assert not {WD.Q900000301, WD.Q900000302, WD.Q900000303} & written


def test_names_looked_up_are_full_names_never_initials() -> None:
    data = Graph().parse(ARTICLE, format="turtle", publicID=BASE)
    persons = named_persons(data)
    assert Literal("孙晓蕾", lang="zh-Hans") in persons[URIRef(BASE + "ra/1")]
    assert persons[URIRef(BASE + "ra/32")] == [Literal("Kerstin Schaefer", lang="en")]
    assert URIRef(BASE + "ra/31") not in persons  # printed "Schott L": initials only


def test_a_second_run_has_nothing_to_add(wikidata: str, tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    assert link(links, "--endpoint", wikidata).exit_code == 0
    before = links.read_bytes()
    again = link(links, "--endpoint", wikidata)
    assert again.exit_code == 0, again.output
    assert "Summary: 0 to add, 0 to change, 5 unchanged" in again.output
    assert "nothing to add or change" in again.output
    assert links.read_bytes() == before


def test_dry_run_writes_nothing(wikidata: str, tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    result = link(links, "--endpoint", wikidata, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "5 to add" in result.output and "dry run: nothing written" in result.output
    assert not links.exists()


CURATED = """\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix wd: <http://www.wikidata.org/entity/> .
<br/108> owl:sameAs wd:Q1 .
[] a rdf:Statement, prov:Entity ; rdf:subject <br/108> ; rdf:predicate owl:sameAs ;
   rdf:object wd:Q1 ; prov:hadPrimarySource <{endpoint}> ;
   prov:wasAttributedTo <{agent}> .
"""


def test_a_curated_link_is_kept_and_the_disagreement_flagged(wikidata: str, tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    links.write_text(CURATED.format(endpoint=wikidata, agent="dataset#editors"), encoding="utf-8")
    result = link(links, "--endpoint", wikidata)
    assert result.exit_code == 0, result.output
    assert any(
        line.startswith("conflict   br/108") and "curated link is kept" in line
        for line in result.output.splitlines()
    ), result.output
    written = sameas(links)
    assert (URIRef(BASE + "br/108"), WD.Q1) in written
    assert (URIRef(BASE + "br/108"), WD.Q900000108) not in written
    assert written == ACCEPTED - {(URIRef(BASE + "br/108"), WD.Q900000108)} | {
        (URIRef(BASE + "br/108"), WD.Q1)
    }


def test_a_link_the_command_made_is_changed_when_the_identifier_says_otherwise(
    wikidata: str, tmp_path: Path
) -> None:
    links = tmp_path / "links.ttl"
    links.write_text(CURATED.format(endpoint=wikidata, agent="dataset#link-command"), "utf-8")
    result = link(links, "--endpoint", wikidata)
    assert result.exit_code == 0, result.output
    assert f"change     br/108 owl:sameAs {WD.Q1} -> {WD.Q900000108}" in result.output
    assert sameas(links) == ACCEPTED


def test_accepted_links_are_served_as_a_void_linkset(wikidata: str, tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    result = link(links, "--endpoint", wikidata)
    assert result.exit_code == 0, result.output
    files = [arg for path in (ARTICLE, links, SNAPSHOTS_FILE) for arg in ("--data", str(path))]
    with serving(*files) as base_url:
        response = requests.get(
            base_url + ".well-known/void", headers={"Accept": "text/turtle"}, timeout=60
        )
        assert response.status_code == 200
        void = Graph().parse(data=response.text, format="turtle")
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{OWL.sameAs}> ?o }}"
        served = requests.get(
            base_url + "sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=60
        )
    dataset = URIRef(base_url + "dataset")
    (linkset,) = [
        subset
        for subset in void.objects(dataset, VOID.subset)
        if (subset, VOID.linkPredicate, OWL.sameAs) in void
    ]
    assert (linkset, RDF.type, VOID.Linkset) in void
    targets = set(void.objects(linkset, VOID.target))
    assert dataset in targets and len(targets) == 2
    (wikidata_target,) = targets - {dataset}
    assert void.value(wikidata_target, VOID.uriSpace) == Literal(str(WD))
    assert void.value(linkset, VOID.subjectsTarget) == dataset
    assert void.value(linkset, VOID.objectsTarget) == wikidata_target
    assert void.value(linkset, VOID.triples) == Literal(len(ACCEPTED))
    assert served.text.split()[-1] == str(len(ACCEPTED))


def test_accepted_links_validate_with_the_data(wikidata: str, tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    assert link(links, "--endpoint", wikidata).exit_code == 0
    result = CliRunner().invoke(
        cli, ["validate", str(ROOT / "data" / "article.ttl"), str(links), "--base-url", BASE]
    )
    assert result.exit_code == 0, result.output
    assert "Summary: 0 violations" in result.output


# ------------------------------------------------------------------ unwell services


def test_a_dead_service_writes_nothing_and_says_why(tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    links.write_text("# before\n", encoding="utf-8")
    port = free_port()  # nobody listens there
    result = link(links, "--endpoint", f"http://127.0.0.1:{port}/query")
    assert result.exit_code == 1
    assert f"cannot reach http://127.0.0.1:{port}/query" in result.output
    assert "Nothing was written" in result.output
    assert links.read_text(encoding="utf-8") == "# before\n"


def test_a_service_answering_429_is_retried_then_given_up(tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    with scripted_server((429, {"Retry-After": "0"}, b"slow down")) as server:
        result = link(links, "--endpoint", server.endpoint, "--retries", "2",
                      "--contact", "https://example.org/lodpub-operator")  # fmt: skip
    assert result.exit_code == 1
    assert "HTTP 429 (too many requests) 3 times: gave up" in result.output
    assert len(server.agents) == 3
    assert all(
        a.startswith("lodpub/0.1.0 (https://example.org/lodpub-operator) SPARQLWrapper/")
        for a in server.agents
    ), server.agents
    assert not links.exists()


def test_a_service_asking_for_a_long_wait_is_given_up_at_once(tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    with scripted_server((429, {"Retry-After": "3600"}, b"")) as server:
        result = link(links, "--endpoint", server.endpoint)
    assert result.exit_code == 1
    assert "asks to wait 3600 s" in result.output
    assert len(server.agents) == 1
    assert not links.exists()


def test_a_service_unavailable_once_is_asked_again(tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    with scripted_server(
        (503, {"Retry-After": "0"}, b"busy"), (200, JSON_TYPE, EMPTY_RESULT)
    ) as server:
        result = link(links, "--endpoint", server.endpoint)
    assert result.exit_code == 0, result.output
    assert "Summary: 0 to add" in result.output
    # one 503, then one request per identifier property the data needs (P236 ISSN, P356 DOI,
    # P496 ORCID iD; it has no ISBN), the title query and the name query: the first was asked
    # again
    assert len(server.agents) == 1 + 5
    assert not links.exists()


def test_a_service_that_does_not_answer_in_time_writes_nothing(tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    with scripted_server((200, JSON_TYPE, EMPTY_RESULT), delay=3.0) as server:
        result = link(links, "--endpoint", server.endpoint, "--timeout", "1")
    assert result.exit_code == 1
    assert f"{server.endpoint} did not answer within 1 s" in result.output
    assert not links.exists()


@pytest.mark.parametrize(
    "body", [b"<html>It works!</html>", b'{"head": {}}', b'{"results": {"bindings": 3}}']
)
def test_a_service_answering_nonsense_writes_nothing(tmp_path: Path, body: bytes) -> None:
    links = tmp_path / "links.ttl"
    with scripted_server((200, {"Content-Type": "text/html"}, body)) as server:
        result = link(links, "--endpoint", server.endpoint)
    assert result.exit_code == 1
    assert "SPARQL JSON result" in result.output
    assert not links.exists()


def test_wikidata_is_not_asked_without_a_contact(tmp_path: Path) -> None:
    result = link(tmp_path / "links.ttl")
    assert result.exit_code == 2
    assert "--contact" in result.output


def test_a_link_the_service_no_longer_confirms_is_kept_and_reported(
    wikidata: str, tmp_path: Path
) -> None:
    links = tmp_path / "links.ttl"
    stale = CURATED.format(endpoint=wikidata, agent="dataset#link-command").replace(
        "br/108", "br/106"
    )
    links.write_text(stale, encoding="utf-8")
    result = link(links, "--endpoint", wikidata)
    assert result.exit_code == 0, result.output
    assert f"unconfirmed br/106 owl:sameAs {WD.Q1}: kept" in result.output
    assert sameas(links) == ACCEPTED | {(URIRef(BASE + "br/106"), WD.Q1)}


def test_each_service_records_its_own_links(wikidata: str, tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    other = wikidata.replace("127.0.0.1", "localhost")  # the same server under a second name
    result = link(links, "--endpoint", wikidata, "--endpoint", other)
    assert result.exit_code == 0, result.output
    assert "Summary: 10 to add" in result.output
    graph = Graph().parse(links, format="turtle", publicID=BASE)
    services = [graph.value(r, PROV.hadPrimarySource) for r in graph.subjects(RDF.subject, None)]
    assert sorted(services) == sorted([URIRef(wikidata)] * 5 + [URIRef(other)] * 5)
    assert sameas(links) == ACCEPTED


def test_an_unreadable_links_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    links.write_text("<br/1> owl:sameAs .\n", encoding="utf-8")
    result = link(links, "--endpoint", "http://127.0.0.1:9/query")
    assert result.exit_code == 2
    assert str(links) in result.output
    assert links.read_text(encoding="utf-8") == "<br/1> owl:sameAs .\n"
    missing = tmp_path / "no-such-folder" / "links.ttl"
    result = link(missing, "--endpoint", "http://127.0.0.1:9/query")
    assert result.exit_code == 2
    assert "no folder" in result.output

"""Settings a deployment gets wrong: each bad value stops `lodpub serve` at once with exit 2
and one line naming the setting; the limits are real (the least memory a query process starts
with); and a base URL with a path serves every IRI it mints below that path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner
from conftest import free_port
from conftest import serving
from lxml import html as lxml_html
from rdflib import Graph
from rdflib import URIRef

from lodpub import errors
from lodpub.cli import cli
from lodpub.config import MAX_QUERY_WORKERS
from lodpub.config import MIN_QUERY_MEMORY_MB
from lodpub.config import Config
from lodpub.dataset import load
from lodpub.formats import by_name
from lodpub.guard import WorkerPool
from lodpub.store import Request


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LODPUB_QUERY_TIMEOUT", "inf"),
        ("LODPUB_QUERY_TIMEOUT", "nan"),
        ("LODPUB_QUERY_TIMEOUT", "-1"),
        ("LODPUB_QUERY_TIMEOUT", "soon"),
        ("LODPUB_QUERY_MEMORY_MB", "32"),
        ("LODPUB_QUERY_MEMORY_MB", str(MIN_QUERY_MEMORY_MB - 1)),
        ("LODPUB_QUERY_WORKERS", str(MAX_QUERY_WORKERS + 1)),
        ("LODPUB_QUERY_WORKERS", "1.5"),
        ("LODPUB_QUERY_QUEUE", "-1"),
        ("LODPUB_BASE_URL", "http://example.org/a b/"),
        ("LODPUB_BASE_URL", 'http://example.org/"quoted"/'),
        ("LODPUB_BASE_URL", "http://example.org/<x>/"),
        ("LODPUB_BASE_URL", "http://example.org/%zz/"),
        ("LODPUB_BASE_URL", "http://example.org:99999/"),
        ("LODPUB_BASE_URL", "http://example.org/?q=1"),
        ("LODPUB_BASE_URL", "ftp://example.org/"),
    ],
)
def test_bad_setting_exits_2_with_one_line_naming_it(
    runner: CliRunner, variable: str, value: str
) -> None:
    environment = {k: None for k in os.environ if k.startswith("LODPUB_")}
    result = runner.invoke(
        cli, ["serve", "--port", str(free_port())], env=environment | {variable: value}
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable.removeprefix("LODPUB_") in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Serving" not in result.stdout


def test_bad_setting_stops_the_real_command() -> None:
    # The same through the installed command, as a deployment meets it.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LODPUB_")}
    result = subprocess.run(
        [sys.executable, "-m", "lodpub", "serve", "--port", str(free_port())],
        env=environment | {"LODPUB_QUERY_TIMEOUT": "inf"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: QUERY_TIMEOUT (LODPUB_QUERY_TIMEOUT): must be a number of seconds above 0 "
        "and at most 86400, got 'inf'"
    ]


def test_config_keeps_good_values() -> None:
    config = Config.load(
        {"QUERY_TIMEOUT": "2.5", "QUERY_MEMORY_MB": "0", "BASE_URL": "https://example.org/lod"},
        environ={},
    )
    assert config["QUERY_TIMEOUT"] == 2.5
    assert config["QUERY_MEMORY_MB"] == 0
    assert config["BASE_URL"] == "https://example.org/lod/"


def _pool(memory_mb: int) -> WorkerPool:
    config = Config.load(environ={})
    data = by_name("nquads").serialize(load(config["DATA_FILES"], config["BASE_URL"]))
    return WorkerPool(
        "lodpub.store:_load", "lodpub.store:_answer", data, size=1, memory_mb=memory_mb
    )


def test_least_query_memory_is_enough_to_answer() -> None:
    pool = _pool(MIN_QUERY_MEMORY_MB)
    try:
        answer = pool.run(Request("SELECT * WHERE { ?s ?p ?o }", "http://x/", "json", "turtle"), 60)
        assert answer.rows > 2000
    finally:
        pool.close()


def test_query_memory_below_the_least_says_the_processes_cannot_start() -> None:
    # What the setting's minimum prevents: processes that never start. The pool says so
    # at once instead of letting every query wait for its time limit.
    pool = _pool(MIN_QUERY_MEMORY_MB // 2)
    try:
        with pytest.raises(errors.ServiceUnavailable, match="cannot start"):
            pool.run(Request("ASK {}", "http://x/", "json", "turtle"), 120)
    finally:
        pool.close()


def test_base_url_with_a_path_serves_every_iri_below_it() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/lod/"
    with serving("--base-url", base, port=port, ready="lod/"):
        # A thing answers 303 to its document, below the path.
        thing = requests.get(base + "br/1", headers={"Accept": "text/turtle"},
                             allow_redirects=False, timeout=60)  # fmt: skip
        assert thing.status_code == 303
        assert thing.headers["Location"] == base + "doc/br/1.ttl"
        # Every own IRI the document mentions dereferences.
        document = requests.get(thing.headers["Location"], timeout=60)
        assert document.status_code == 200
        graph = Graph().parse(data=document.text, format="turtle", publicID=base)
        own = {
            str(node).split("#")[0]
            for triple in graph
            for node in triple
            if isinstance(node, URIRef) and str(node).startswith(base)
        }
        assert len(own) > 10
        for iri in sorted(own):
            answer = requests.get(iri, headers={"Accept": "text/turtle"}, timeout=60)
            assert answer.status_code == 200, iri
        # Every link of the article's page that stays on the site answers, style sheets too.
        page = requests.get(base + "br/1", headers={"Accept": "text/html"}, timeout=60)
        assert page.status_code == 200
        tree = lxml_html.fromstring(page.content)
        links = {urljoin(page.url, href) for href in tree.xpath("//@href | //@src")}
        local = sorted(u for u in links if urlsplit(u).netloc == f"127.0.0.1:{port}")
        assert any(u.endswith(".css") for u in local)
        for url in local:
            assert urlsplit(url).path.startswith("/lod/"), url
            assert requests.get(url.split("#")[0], timeout=60).status_code == 200, url
        # SPARQL below the path, on IRIs below the path.
        answer = requests.get(
            base + "sparql",
            params={"query": f"ASK {{ <{base}br/1> ?p ?o }}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert answer.json()["boolean"] is True
        # Outside the path, nothing but a 404 that names the base URL.
        outside = requests.get(f"http://127.0.0.1:{port}/br/1", timeout=60)
        assert outside.status_code == 404
        assert base in outside.text


def test_an_ontology_of_its_own_without_schema_org_mappings_still_serves_every_page(
    tmp_path,
) -> None:
    """A deployment's ontology folder that maps nothing to schema.org (no
    lodpub:schemaOrgTerm): pages, their embedded metadata and the vocabulary page are served,
    typed as schema.org's most general kind, schema:Thing."""
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    (ontology / "terms.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<http://purl.org/spar/fabio/JournalArticle> rdfs:label "journal article"@en .\n',
        encoding="utf-8",
    )
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    env = {"LODPUB_ONTOLOGY_DIR": str(ontology), "LODPUB_SHAPES_DIR": str(shapes)}
    with serving(env=env) as base:
        for path in ("doc/br/1.html", "doc/br/3.html", "doc/ra/1.html", "ontology", ""):
            page = requests.get(base + path, headers={"Accept": "text/html"}, timeout=60)
            assert page.status_code == 200, (path, page.text[-500:])
        article = lxml_html.fromstring(requests.get(base + "doc/br/1.html", timeout=60).content)
        (embedded,) = article.xpath("//script[@type='application/ld+json']/text()")
        assert json.loads(embedded)["@type"] == "Thing"


def test_empty_data_file_is_refused(runner: CliRunner, tmp_path) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    result = runner.invoke(cli, ["serve", "--port", str(free_port()), "--data", str(empty)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"Error: {empty}: the data holds no triples: there is nothing to publish"
    ]
    assert "Serving" not in result.stdout

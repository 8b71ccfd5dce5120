"""The SPARQL endpoint's fast path (lodpub.views.sparql.FastPath) and its admission bound.

The fast path answers the everyday query (GET or HEAD, only `query` in the URL) before
Flask; its answers must be the view's, byte for byte and header for header, and a query it
cannot answer must get the view's error without running twice. The admission defaults let
eight clients of one server process wait for a query process instead of being refused,
while past the bound the answer is still an immediate 503 and pages stay answered.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from conftest import serving
from flask import Flask
from flask import request
from flask.testing import FlaskClient
from test_sparql_safety import RUNAWAY

from lodpub.app import create_app
from lodpub.config import Config
from lodpub.publication import of

MAX_RESULT_ROWS = 50
# Not an ETag the endpoint ever gives: the request goes to the view and is answered in full.
OTHER_ETAG = '"not-this-one"'


@pytest.fixture(scope="module")
def app() -> Iterator[tuple[Flask, list[str]]]:
    """An app without the response cache (every request reaches the fast path or the view),
    and the paths of the requests that reached Flask."""
    app = create_app(
        {
            "TESTING": True,
            "RESPONSE_CACHE_ENTRIES": 0,
            "MAX_RESULT_ROWS": MAX_RESULT_ROWS,
            "QUERY_TIMEOUT": 1.0,
        }
    )
    reached: list[str] = []

    @app.before_request
    def _reached() -> None:
        reached.append(request.path)

    yield app, reached
    of(app).store.close()


@pytest.fixture
def client(app: tuple[Flask, list[str]]) -> FlaskClient:
    return app[0].test_client()


CASES = {
    "select-json": ("SELECT ?s WHERE { ?s a ?type } ORDER BY ?s LIMIT 5",
                    {"Accept": "application/sparql-results+json"}),
    "select-xml-by-preference": ("SELECT ?s WHERE { ?s a ?type } ORDER BY ?s LIMIT 5",
                                 {"Accept": "text/csv;q=0.5, application/sparql-results+xml"}),
    "select-no-accept": ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {}),
    "ask-tsv": ("ASK { ?s ?p ?o }", {"Accept": "text/tab-separated-values"}),
    "construct-turtle": ("CONSTRUCT { ?s a ?type } WHERE { ?s a ?type FILTER(isIRI(?s)) } "
                         "ORDER BY ?s LIMIT 20", {"Accept": "text/turtle"}),
    "truncated": ("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && !isBlank(?o)) } "
                  "ORDER BY ?s ?p ?o", {"Accept": "application/sparql-results+json"}),
    "gzip": ("SELECT ?s ?p WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s ?p LIMIT 40",
             {"Accept": "application/sparql-results+json", "Accept-Encoding": "gzip, br"}),
    "gzip-refused": ("SELECT ?s ?p WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s ?p LIMIT 40",
                     {"Accept-Encoding": "gzip;q=0, identity"}),
}  # fmt: skip


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("case", CASES)
def test_fast_path_answers_as_the_view_does(
    app: tuple[Flask, list[str]], client: FlaskClient, case: str, method: str
) -> None:
    _, reached = app
    query, headers = CASES[case]
    url = "/sparql?" + urlencode({"query": query})
    reached.clear()
    fast = client.open(url, method=method, headers=headers)
    assert reached == [], "the everyday request must not reach Flask"
    view = client.open(url, method=method, headers={**headers, "If-None-Match": OTHER_ETAG})
    assert reached == ["/sparql"]
    assert fast.status_code == view.status_code == 200
    assert fast.headers.to_wsgi_list() == view.headers.to_wsgi_list()
    assert fast.get_data() == view.get_data()
    if method == "HEAD":
        assert fast.get_data() == b""
        assert int(fast.headers["Content-Length"]) > 0


def test_the_cases_cover_truncation_and_gzip(client: FlaskClient) -> None:
    """The cases above compare what they mean to: a cut result and a compressed one."""
    query, headers = CASES["truncated"]
    cut = client.get("/sparql?" + urlencode({"query": query}), headers=headers)
    assert cut.headers["X-SPARQL-MaxRows"] == str(MAX_RESULT_ROWS)
    assert len(cut.get_json()["results"]["bindings"]) == MAX_RESULT_ROWS
    query, headers = CASES["gzip"]
    packed = client.get("/sparql?" + urlencode({"query": query}), headers=headers)
    assert packed.headers["Content-Encoding"] == "gzip"
    query, headers = CASES["gzip-refused"]
    plain = client.get("/sparql?" + urlencode({"query": query}), headers=headers)
    assert "Content-Encoding" not in plain.headers
    assert len(plain.get_json()["results"]["bindings"]) == 40


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"query": "SELECT * WHERE { ?s ?p ?o }", "format": "json"}, {}),
        ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": "http://a/"}, {}),
        ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, {"Accept": "text/html"}),
        ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, {"Accept": "image/png"}),
        ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "query2": "x"}, {}),
        ({}, {}),
    ],
)
def test_other_requests_go_to_the_view(
    app: tuple[Flask, list[str]], client: FlaskClient, params: dict, headers: dict
) -> None:
    _, reached = app
    reached.clear()
    client.get("/sparql?" + urlencode(params), headers=headers)
    assert reached == ["/sparql"]


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("SELECT * WHERE { ?s ?p }", 400, "does not parse"),
        ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", 400, "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 400, "reads no files"),
    ],
)
def test_refused_query_gets_the_views_error(
    app: tuple[Flask, list[str]], client: FlaskClient, query: str, status: int, words: str
) -> None:
    _, reached = app
    url = "/sparql?" + urlencode({"query": query})
    reached.clear()
    fast = client.get(url)
    view = client.get(url, headers={"If-None-Match": OTHER_ETAG})
    assert reached == ["/sparql", "/sparql"]
    assert fast.status_code == view.status_code == status
    assert words in fast.get_data(as_text=True)
    assert fast.headers.to_wsgi_list() == view.headers.to_wsgi_list()
    assert fast.get_data() == view.get_data()


def test_query_past_its_time_runs_once(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The fast path hands a query's failure to the view, which answers it without running
    the query again: one stopped process, one log line, one 503."""
    with caplog.at_level(logging.WARNING):
        response = client.get("/sparql?" + urlencode({"query": RUNAWAY}))
    assert response.status_code == 503
    assert "QUERY_TIMEOUT" in response.get_data(as_text=True)
    stopped = [r for r in caplog.records if "ran past" in r.getMessage()]
    assert len(stopped) == 1, [r.getMessage() for r in caplog.records]


# About a second on the publication's data: long enough for every client to be in flight.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"


@pytest.fixture(scope="module")
def default_server() -> Iterator[str]:
    """One server process with the default admission settings; a long query time limit, so
    that every query admitted is answered however loaded the machine is."""
    with serving("--workers", "1", env={"LODPUB_QUERY_TIMEOUT": "120"}, ready="sparql") as url:
        yield url


def _slow_queries(base_url: str, clients: int) -> list[requests.Response]:
    def ask(n: int) -> requests.Response:
        # Distinct texts: no cache answers any of them.
        query = f"{SLOW}\n# client {n}"
        return requests.get(base_url + "sparql", params={"query": query}, timeout=300)

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(ask, range(clients)))


def test_defaults_queue_eight_clients_rather_than_refuse(default_server: str) -> None:
    defaults = Config.load({})
    assert defaults["QUERY_WORKERS"] < 8 <= defaults["QUERY_WORKERS"] + defaults["QUERY_QUEUE"]
    responses = _slow_queries(default_server, 8)
    assert [r.status_code for r in responses] == [200] * 8
    counts = {r.json()["results"]["bindings"][0]["n"]["value"] for r in responses}
    assert len(counts) == 1


def test_defaults_refuse_past_the_bound_at_once_and_pages_stay_answered(
    default_server: str,
) -> None:
    defaults = Config.load({})
    bound = defaults["QUERY_WORKERS"] + defaults["QUERY_QUEUE"]
    assert bound < defaults["THREADS"]
    finished: list[str] = []
    lock = threading.Lock()

    def get(path: str, params: dict[str, str] | None = None) -> requests.Response:
        response = requests.get(default_server + path, params=params, timeout=300)
        with lock:
            finished.append(f"{path} {response.status_code}")
        return response

    clients = bound + 2
    with ThreadPoolExecutor(clients + 1) as pool:
        # Distinct texts: no cache answers any of them.
        queries = [pool.submit(get, "sparql", {"query": f"{SLOW}\n# bound {n}"})
                   for n in range(clients)]  # fmt: skip
        page = pool.submit(get, "robots.txt")
        responses = [q.result() for q in queries]
    assert page.result().status_code == 200
    statuses = {r.status_code for r in responses}
    assert statuses == {200, 503}, [r.status_code for r in responses]
    refused = next(r for r in responses if r.status_code == 503)
    assert "QUERY_WORKERS + QUERY_QUEUE" in refused.text
    assert refused.headers["Retry-After"] == "120"
    # The page was answered while admitted queries were still waiting or running.
    assert "sparql 200" in finished[finished.index("robots.txt 200") :], finished

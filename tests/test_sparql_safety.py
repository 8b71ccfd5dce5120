"""Each safety rule of the endpoint, attacked over HTTP ("Safety").

A listener on a loopback port stands in for every host a query could try to reach: it must
stay silent. No error body may show a traceback, a path or other internals.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sparql_server import MAX_QUERY_BYTES
from sparql_server import MAX_RESULT_ROWS
from sparql_server import QUERY_TIMEOUT
from sparql_server import Endpoint

from lodpub.guard import WorkerError
from lodpub.guard import WorkerPool
from lodpub.store import Request

# Every triple with every triple, six times over: far more work than any time limit allows.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n2 ?o . ?p ?q ?r }"
)
SIMPLE = "ASK { ?s ?p ?o }"
# The checkout's own folder stands for any path of the machine.
CHECKOUT = str(Path(__file__).resolve().parents[1])
INTERNALS = ("Traceback", 'File "', ".py", CHECKOUT, "site-packages", "lodpub.")


class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


def query(endpoint: Endpoint, text: str, **kwargs) -> requests.Response:
    return requests.post(endpoint.url, data={"query": text}, timeout=60, **kwargs)


def assert_short_plain_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert len(response.text) < 600
    for internal in INTERNALS:
        assert internal not in response.text


# Spellings Oxigraph's parser accepts as a SERVICE call (it needs no space after a keyword).
SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { servicesilent<{url}>{ ?s ?p ?o } }",
    "PREFIX l: <{url}> SELECT * WHERE { ?x ?y ?z . SERVICE l: { ?s ?p ?o } }",
    "PREFIX : <{url}> SELECT * WHERE { ?x ?y 1SERVICE:{ ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<{url}> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . # SERVICE in a comment is harmless\n SeRvIcE <{url}> {} }",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_post_sparql_service_refused_and_reaches_no_host(
    endpoint: Endpoint, listener: Listener, template: str
) -> None:
    response = query(endpoint, template.replace("{url}", listener.url))
    assert_short_plain_error(response, 400)
    assert "SERVICE" in response.text
    time.sleep(0.3)
    assert listener.connections == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?service WHERE { ?service ?p 'SERVICE' } LIMIT 1",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:customerService ?o }",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE <http://x/> {}",
        'SELECT * WHERE { ?s ?p """a "SERVICE" from <file:///etc/passwd>""" }',
    ],
)
def test_post_sparql_word_service_elsewhere_is_answered(endpoint: Endpoint, text: str) -> None:
    # The check reads tokens, not text: variables, local names, IRIs, strings and comments
    # may say "service" or "from".
    assert query(endpoint, text).status_code == 200


def test_worker_processes_have_no_network(listener: Listener) -> None:
    # The second layer: even a SERVICE call that got past the check reaches nothing, because
    # the query processes live in a network namespace of their own.
    pool = WorkerPool("lodpub.store:_load", "lodpub.store:_answer", b"", size=1, memory_mb=0)
    try:
        assert pool.run(Request("ASK {}", "http://x/", "json", "turtle"), timeout=60).rows == 1
        if not pool.isolated:
            pytest.skip("this kernel lets no process leave the network: only the check guards")
        call = f"ASK {{ SERVICE <{listener.url}> {{ }} }}"
        with pytest.raises(WorkerError, match="unreachable"):
            pool.run(Request(call, "http://x/", "json", "turtle"), timeout=20)
        time.sleep(0.3)
        assert listener.connections == []
    finally:
        pool.close()


def test_post_sparql_from_file_refused(endpoint: Endpoint) -> None:
    for text in (
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "PREFIX f: <file:///etc/> SELECT * FROM NAMED f:passwd WHERE { GRAPH ?g { ?s ?p ?o } }",
        "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
    ):
        response = query(endpoint, text)
        assert_short_plain_error(response, 400)
        assert "reads no files" in response.text


def test_get_sparql_default_graph_uri_file_refused(endpoint: Endpoint) -> None:
    response = requests.get(
        endpoint.url,
        params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"},
        timeout=30,
    )
    assert_short_plain_error(response, 400)


def test_post_sparql_from_http_reads_nothing(endpoint: Endpoint, listener: Listener) -> None:
    # A graph IRI only names a graph of the dataset: an unknown one is empty, never fetched.
    response = query(
        endpoint,
        f"SELECT * FROM <{listener.url}> FROM NAMED <{listener.url}/g> WHERE {{ ?s ?p ?o }}",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    time.sleep(0.3)
    assert listener.connections == []


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"update": "INSERT DATA { <http://x/s> <http://x/p> 1 }"}},
        {"data": {"query": "INSERT DATA { <http://x/s> <http://x/p> 1 }"}},
        {"data": {"query": "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }"}},
        {"data": {"query": "LOAD <http://127.0.0.1:9/data.ttl>"}},
        {"data": {"query": "CLEAR ALL"}},
        {
            "data": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
    ],
)
def test_post_sparql_update_refused(endpoint: Endpoint, request_kwargs: dict) -> None:
    response = requests.post(endpoint.url, timeout=30, **request_kwargs)
    assert_short_plain_error(response, 400)
    assert "read-only" in response.text
    # The data did not change.
    check = query(endpoint, "ASK { <http://x/s> ?p ?o }", headers={"Accept": "application/json"})
    assert check.json()["boolean"] is False


def test_get_sparql_update_parameter_refused(endpoint: Endpoint) -> None:
    response = requests.get(endpoint.url, params={"update": "CLEAR ALL"}, timeout=30)
    assert_short_plain_error(response, 400)


def test_oversized_query_is_413(endpoint: Endpoint) -> None:
    padding = "#" + "x" * MAX_QUERY_BYTES + "\n"
    for response in (
        query(endpoint, padding + SIMPLE),
        requests.get(endpoint.url, params={"query": padding + SIMPLE}, timeout=30),
        requests.post(
            endpoint.url,
            data=(padding + SIMPLE).encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=30,
        ),
    ):
        assert_short_plain_error(response, 413)
        assert "MAX_QUERY_BYTES" in response.text


def test_oversized_body_is_413_before_reading(endpoint: Endpoint) -> None:
    body = b"query=" + b"x" * (MAX_QUERY_BYTES * 4)
    response = requests.post(
        endpoint.url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert_short_plain_error(response, 413)


def test_runaway_query_is_503_within_limit_while_others_are_answered(
    endpoint: Endpoint,
) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = time.monotonic()
        runaway = pool.submit(query, endpoint, RUNAWAY)
        time.sleep(0.3)  # the runaway query holds a worker now
        simple = [query(endpoint, SIMPLE, headers={"Accept": "application/json"}) for _ in range(5)]
        stopped = runaway.result()
        elapsed = time.monotonic() - started
    assert all(r.status_code == 200 and r.json()["boolean"] is True for r in simple)
    assert_short_plain_error(stopped, 503)
    assert "QUERY_TIMEOUT" in stopped.text
    # Answered at the limit, not when the query would have ended (never, in practice).
    assert elapsed < QUERY_TIMEOUT + 10
    # The stopped worker is replaced: the endpoint answers again afterwards.
    assert query(endpoint, SIMPLE).status_code == 200


def test_long_result_is_cut_and_says_so(endpoint: Endpoint) -> None:
    response = query(
        endpoint,
        "SELECT * WHERE { ?s ?p ?o }",
        headers={"Accept": "text/tab-separated-values"},
    )
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert len(lines) == 1 + MAX_RESULT_ROWS  # the header line and the rows kept
    assert response.headers["X-SPARQL-MaxRows"] == str(MAX_RESULT_ROWS)
    assert "MAX_RESULT_ROWS" in response.headers["Warning"]
    graph = query(endpoint, "CONSTRUCT WHERE { ?s ?p ?o }", headers={"Accept": "text/turtle"})
    assert graph.headers["X-SPARQL-MaxRows"] == str(MAX_RESULT_ROWS)


def test_short_result_is_not_marked(endpoint: Endpoint) -> None:
    response = query(endpoint, "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert "X-SPARQL-MaxRows" not in response.headers
    assert "Warning" not in response.headers

"""Hostile clients against a real `lodpub serve`: slow queries cannot starve the pages, bad
requests get a 4xx or 503 with a sentence and one line of log (never a traceback), repeated
errors cannot fill the log, and a query process that dies is told apart from one that ran
out of memory.

One server for the module, with one query process and a short time limit so that a few
clients fill it. Its output goes to a file the tests read.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from conftest import serving
from test_sparql_safety import INTERNALS
from test_sparql_safety import RUNAWAY

from lodpub.logs import LINES_PER_WINDOW

QUERY_TIMEOUT = 4
# Every triple with every triple with every triple, sorted: the sort holds them all.
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?d ?g ?j"
SIMPLE = "ASK { ?s ?p ?o }"
PAGES = ("robots.txt", "", "doc/br/1.html", "doc/be/3.ttl", "dataset.nt", ".well-known/void")
SETTINGS = {
    "LODPUB_QUERY_WORKERS": "1",
    "LODPUB_QUERY_QUEUE": "1",
    "LODPUB_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
    "LODPUB_QUERY_MEMORY_MB": "256",
    "LODPUB_THREADS": "4",
}


# An access-log line (Combined Log Format, on stdout, one for every request): not an error line.
ACCESS_LINE = re.compile(r'^\S+ - - \[[^]]+\] "')


class Log:
    """The server's error lines (its output less the access log), read from where the last
    read stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def new_lines(self) -> list[str]:
        with self.path.open("rb") as file:
            file.seek(self.offset)
            data = file.read()
        self.offset += len(data)
        lines = data.decode("utf-8", "replace").splitlines()
        return [line for line in lines if not ACCESS_LINE.match(line)]


class Server:
    def __init__(self, base_url: str, log: Log) -> None:
        self.base_url = base_url
        self.sparql = base_url + "sparql"
        self.log = log


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "server.log"
        with serving(env=SETTINGS, ready="sparql", log_path=path) as base_url:
            log = Log(path)
            log.new_lines()  # the start-up lines
            yield Server(base_url, log)


def assert_sentence(response: requests.Response, status: int) -> None:
    """`status`, and a short plain sentence with nothing of the server's insides."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    title, sentence = response.text.splitlines()[:2]
    assert title.startswith(str(status))
    assert len(sentence.split()) >= 5
    for internal in INTERNALS:
        assert internal not in response.text


BAD_PATHS = ["br/%zz", "br/%", "br/[", "br/]", "br/%ff", "br/%c0%ae", "%c0%ae%c0%ae/etc",
             "doc/br/%ff.ttl", "doc/br/[1].html", "[::1]"]  # fmt: skip


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_path_is_404_with_one_log_line(server: Server, path: str) -> None:
    # A prepared request keeps the path as written (requests would re-quote it).
    session = requests.Session()
    prepared = session.prepare_request(requests.Request("GET", server.base_url + "x"))
    prepared.url = server.base_url + path
    response = session.send(prepared, timeout=60)
    assert_sentence(response, 404)
    assert "Nothing in this publication is called" in response.text
    lines = server.log.new_lines()
    assert len(lines) == 1, lines
    assert "answered 404" in lines[0]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"query": SIMPLE, "default-graph-uri": "http://a b/"}, 400),
        ({"query": SIMPLE, "default-graph-uri": "not an IRI"}, 400),
        ({"query": SIMPLE, "named-graph-uri": "http://[::1"}, 400),
        ({"query": "SELECT * FROM <http://[::1> WHERE { ?s ?p ?o }"}, 400),
        ({"query": "SELECT * FROM NAMED <http://a%zz/> WHERE { ?s ?p ?o }"}, 400),
        ({"query": "BASE <http://[::1> SELECT * FROM <g> WHERE { ?s ?p ?o }"}, 400),
    ],
)
def test_bad_graph_iri_is_400_with_one_log_line(
    server: Server, params: dict[str, str], status: int
) -> None:
    response = requests.get(server.sparql, params=params, timeout=60)
    assert_sentence(response, status)
    lines = server.log.new_lines()
    assert len(lines) == 1, lines
    assert f"answered {status}" in lines[0]


def test_form_value_over_16_mib_is_413_with_one_log_line(server: Server) -> None:
    body = b"query=" + b"a" * (16 * 1024 * 1024 + 1)
    response = requests.post(
        server.sparql,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=120,
    )
    assert_sentence(response, 413)
    lines = server.log.new_lines()
    assert len(lines) == 1, lines
    assert "answered 413" in lines[0]


def test_log_lines_do_not_contain_what_the_client_sent_raw(server: Server) -> None:
    # A path holding an encoded newline cannot forge a log line of its own.
    response = requests.get(server.base_url + "br/1%0AERROR:forged", timeout=60)
    assert response.status_code == 404
    lines = server.log.new_lines()
    assert len(lines) == 1, lines
    assert not any(line.startswith("ERROR:forged") for line in lines)


def test_repeated_errors_cannot_fill_the_log(server: Server) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(
            pool.map(
                lambda n: requests.get(f"{server.base_url}br/%zz{n}", timeout=60).status_code,
                range(300),
            )
        )
    assert statuses == [404] * 300
    lines = server.log.new_lines()
    # The window's budget, shared with the 404s of the tests above; nothing else was logged.
    assert 0 < len(lines) <= LINES_PER_WINDOW
    assert all("answered 404" in line for line in lines)


def test_pages_never_wait_behind_slow_queries(server: Server) -> None:
    stop = threading.Event()
    answers: list[requests.Response] = []

    def ask_slow_queries() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                response = session.post(server.sparql, data={"query": RUNAWAY}, timeout=120)
                answers.append(response)
                if response.status_code == 503:
                    time.sleep(0.05)

    clients = [threading.Thread(target=ask_slow_queries) for _ in range(6)]
    for client in clients:
        client.start()
    try:
        time.sleep(1)  # the query process and its queue are full now
        pages = [requests.get(server.base_url + page, timeout=60) for page in PAGES * 3]
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=120)
    assert [p.status_code for p in pages] == [200] * len(pages)
    outcomes = Counter(r.status_code for r in answers)
    assert set(outcomes) == {503}, outcomes
    busy = [r for r in answers if "The endpoint is busy" in r.text]
    stopped = [r for r in answers if "QUERY_TIMEOUT" in r.text and r not in busy]
    assert busy, outcomes
    assert stopped, outcomes
    for response in answers:
        assert_sentence(response, 503)
        assert int(response.headers["Retry-After"]) >= 1


def _workers_of(base_url: str) -> list[int]:
    """The pids of the query processes of the server listening at `base_url`."""
    port = base_url.rstrip("/").rsplit(":", 1)[1]
    servers = [pid for pid, argv in _processes() if "serve" in argv and port in argv]
    return [
        pid
        for pid, argv in _processes()
        if any("worker_main" in arg for arg in argv) and argv[-1] in map(str, servers)
    ]


def _processes() -> Iterator[tuple[int, list[str]]]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            yield int(entry.name), raw.decode("utf-8", "replace").split("\0")[:-1]


def _settle(server: Server) -> None:
    """Wait until the query process answers again (it may be being replaced)."""
    for _ in range(60):
        if requests.post(server.sparql, data={"query": SIMPLE}, timeout=60).status_code == 200:
            server.log.new_lines()
            return
        time.sleep(0.5)
    pytest.fail("the query process was not replaced")


def test_worker_killed_from_outside_is_503_that_does_not_blame_memory(server: Server) -> None:
    _settle(server)
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(
            requests.post, server.sparql, data={"query": RUNAWAY + " # killed"}, timeout=60
        )
        time.sleep(1)  # the runaway query holds the only query process now
        workers = _workers_of(server.base_url)
        assert len(workers) == 1, workers
        os.kill(workers[0], signal.SIGKILL)
        response = running.result()
    assert_sentence(response, 503)
    assert "memory" not in response.text.lower()
    assert "SIGKILL" in response.text
    assert int(response.headers["Retry-After"]) >= 1
    _settle_lines = server.log.new_lines()
    deaths = [line for line in _settle_lines if "SIGKILL" in line and "lodpub.guard" in line]
    assert len(deaths) == 1, _settle_lines
    assert not any("Traceback" in line for line in _settle_lines)
    _settle(server)


def test_worker_out_of_memory_is_503_naming_the_limit(server: Server) -> None:
    _settle(server)
    response = requests.post(server.sparql, data={"query": MEMORY_HOG}, timeout=120)
    assert_sentence(response, 503)
    assert "QUERY_MEMORY_MB" in response.text
    lines = server.log.new_lines()
    memory = [line for line in lines if "out of memory" in line and "lodpub.guard" in line]
    assert len(memory) == 1, lines
    # Neither a Python traceback nor the query engine's backtrace of the failed allocation.
    assert not [line for line in lines if "Traceback" in line or "backtrace" in line]
    # That line, and the request's unless the 503s of the tests above used up its budget.
    assert len(lines) <= 2, lines
    _settle(server)


def test_query_timeout_is_logged_once(server: Server) -> None:
    _settle(server)
    response = requests.post(server.sparql, data={"query": RUNAWAY + " # timed"}, timeout=120)
    assert_sentence(response, 503)
    assert "QUERY_TIMEOUT" in response.text
    lines = server.log.new_lines()
    timeouts = [line for line in lines if "QUERY_TIMEOUT" in line and "lodpub.guard" in line]
    assert len(timeouts) == 1, lines

"""The production front as deployed (`lodpub serve`, lodpub.front): health check, access log,
keep-alive, idle and slow clients, oversized bodies, SIGTERM, and start-up errors. Every test
talks to a real server process over loopback."""

from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from click.testing import CliRunner
from conftest import _wait_until_responds
from conftest import free_port

from lodpub import urls
from lodpub.cli import cli

# Writes a synthetic corpus of N articles (python bench/corpus.py N OUT).
CORPUS = Path(__file__).resolve().parents[1] / "bench" / "corpus.py"
IDLE_SOCKETS = 2000
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Combined Log Format: host ident user [time] "request" status bytes "referer" "user agent"
# Fields in quotes escape `"` and `\` with a backslash, as Apache writes them.
QUOTED = r'"((?:[^"\\]|\\.)*)"'
CLF = re.compile(
    r"^(?P<host>\S+) - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "
    + QUOTED.replace("(", "(?P<request>", 1)
    + r" (?P<status>\d{3}) (?P<bytes>\d+|-) "
    + QUOTED.replace("(", "(?P<referer>", 1)
    + " "
    + QUOTED.replace("(", "(?P<agent>", 1)
    + "$"
)


class Server:
    """A `python -m lodpub serve` process of the test's own, with its output in a file."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        environment = {k: v for k, v in os.environ.items() if not k.startswith("LODPUB_")}
        command = [sys.executable, "-m", "lodpub", "serve", "--port", str(self.port), *args]
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, env=environment | (env or {})
        )
        _wait_until_responds(self.url + "health", self.process, self.log)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def descendants(self) -> set[int]:
        """Every process below the server's main process (server and query processes)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                children.setdefault(int(fields[1]), []).append(int(entry.name))
        found: set[int] = set()
        todo = [self.process.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.add(child)
                todo.append(child)
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        self.log.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    # Four threads per process: the tests below count on how many requests fill them.
    running = Server(
        "--workers",
        "2",
        env={"LODPUB_HEADER_TIMEOUT": "2", "LODPUB_BODY_TIMEOUT": "2", "LODPUB_THREADS": "4"},
    )
    yield running
    running.stop()


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def access_line(server: Server, wanted: Callable[[str], bool]) -> re.Match[str]:
    """The fields of the first access-log line that is `wanted`, waiting for it to be
    written (it is written as the answer goes out); fails when none comes or it is not CLF."""
    line = None
    for _ in range(50):
        line = next((x for x in server.output().splitlines() if wanted(x)), None)
        if line:
            break
        time.sleep(0.1)
    assert line is not None, server.output()
    fields = CLF.match(line)
    assert fields is not None, line
    return fields


def test_health_check_answers_without_the_app(server: Server) -> None:
    assert "health" in urls.RESERVED
    response = requests.get(server.url + "health", timeout=10)
    assert response.status_code == 200
    assert response.text == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert requests.head(server.url + "health", timeout=10).status_code == 200


def test_access_log_is_combined_log_format(server: Server) -> None:
    headers = {"User-Agent": "front-test/1.0", "Referer": "http://example.org/from"}
    response = requests.get(server.url + "doc/br/1.ttl?x=1", headers=headers, timeout=30)
    assert response.status_code == 200
    fields = access_line(server, lambda line: "front-test/1.0" in line)
    assert fields["host"] == "127.0.0.1"
    assert fields["request"] == "GET /doc/br/1.ttl?x=1 HTTP/1.1"
    assert fields["status"] == "200"
    assert fields["bytes"] == response.headers["Content-Length"]
    assert fields["referer"] == "http://example.org/from"


def test_access_log_lines_cannot_be_forged(server: Server) -> None:
    forged = '127.0.0.9 - - [01/Jan/2000:00:00:00 +0000] "GET /forged HTTP/1.1" 200 1 "-" "-"'
    path = "doc/forgery%0a" + forged.replace(" ", "%20").replace('"', "%22")
    agent = 'agent" "quoted'
    response = requests.get(server.url + path, headers={"User-Agent": agent}, timeout=30)
    assert response.status_code == 404
    # The access log's line (the error log names the path too), its quotes escaped.
    fields = access_line(server, lambda line: line.endswith('"agent\\" \\"quoted"'))
    assert "forgery" in fields["request"] and "\n" not in fields["request"]
    assert not any(x.startswith("127.0.0.9") for x in server.output().splitlines())


def test_keep_alive_serves_several_requests_on_one_connection(server: Server) -> None:
    connection = HTTPConnection("127.0.0.1", server.port, timeout=30)
    sockets = []
    try:
        for path in ("/robots.txt", "/doc/br/1.ttl", "/sparql?query=ASK%7B%7D", "/health"):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, path
            assert response.getheader("Connection", "").lower() != "close"
            sockets.append(connection.sock)
        assert all(sock is sockets[0] for sock in sockets), "one connection for all"
    finally:
        connection.close()


def test_idle_and_slow_clients_do_not_block_a_normal_request(server: Server) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < IDLE_SOCKETS + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, IDLE_SOCKETS + 1000), hard))
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(IDLE_SOCKETS)]
    slow = socket.create_connection(("127.0.0.1", server.port))
    stop = threading.Event()

    def drip() -> None:
        # A slowloris client: one header byte every half second, never the end.
        try:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while not stop.wait(0.5):
                slow.sendall(b"a")
        except OSError:
            pass  # the server hung up on it: what HEADER_TIMEOUT is for

    dripping = threading.Thread(target=drip)
    dripping.start()
    try:
        for path in ("robots.txt", "doc/br/2.ttl", "sparql?query=ASK%7B%7D"):
            response = requests.get(server.url + path, timeout=30)
            assert response.status_code == 200, path
    finally:
        stop.set()
        dripping.join()
        for sock in (*idle, slow):
            sock.close()


def test_slow_header_client_is_disconnected_after_header_timeout(server: Server) -> None:
    # The module's server has HEADER_TIMEOUT=2: a client still sending headers after that is
    # cut off. Bounded: 60 bytes at one every half second.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")
        closed = False
        for _ in range(60):
            try:
                slow.sendall(b"a")
            except OSError:
                closed = True
                break
            slow.settimeout(0.5)
            try:
                closed = slow.recv(4096) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
            if closed:
                break
        assert closed, "the server kept a client that never finished its headers"


def test_huge_post_is_refused_413_before_the_body_is_read(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as client:
        client.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000000000\r\n\r\nquery="
        )
        # Not one more byte of the gigabyte is sent: the answer comes without it.
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = client.recv(4096)
            assert chunk, f"connection closed without an answer: {answer!r}"
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer
    assert b"connection: close" in rest.lower()
    assert requests.get(server.url + "health", timeout=10).status_code == 200


def slow_post(port: int) -> socket.socket:
    """A connection that sent a POST's headers and the first bytes of its 1,000-byte body."""
    client = socket.create_connection(("127.0.0.1", port), timeout=30)
    client.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1000\r\n\r\nquery="
    )
    return client


def test_slow_body_is_answered_408_after_body_timeout(server: Server) -> None:
    # The module's server has BODY_TIMEOUT=2: a body still coming after that is refused.
    # Bounded: at most 60 bytes, one every half second.
    with slow_post(server.port) as slow:
        slow.settimeout(0.5)
        answer = b""
        for _ in range(60):
            try:
                slow.sendall(b"a")
                chunk = slow.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"connection: close" in answer.lower()
    assert b"BODY_TIMEOUT" in answer
    fields = access_line(server, lambda line: '"POST /sparql HTTP/1.1" 408' in line)
    assert fields["status"] == "408"


def test_slow_bodies_cannot_hold_every_thread(server: Server) -> None:
    # Each server process reads at most THREADS - 1 bodies at once (2 processes of 4 threads:
    # 6); clients that send half a body and then drip or stop cannot take the last thread.
    answered = posts_answered(server)
    clients = [slow_post(server.port) for _ in range(12)]
    stop = threading.Event()

    def drip() -> None:
        while not stop.wait(0.5):
            for client in clients[::2]:
                with contextlib.suppress(OSError):  # answered and closed
                    client.sendall(b"a")

    dripping = threading.Thread(target=drip)
    dripping.start()
    try:
        for path in ("health", "robots.txt", "doc/br/3.ttl", "sparql?query=ASK%7B%7D"):
            response = requests.get(server.url + path, timeout=30)
            assert response.status_code == 200, path
        answers = []
        for client in clients:
            client.settimeout(1)
            try:
                answers.append(client.recv(4096))
            except TimeoutError:
                answers.append(b"")
    finally:
        stop.set()
        dripping.join()
        for client in clients:
            client.close()
    busy = [a for a in answers if a.startswith(b"HTTP/1.1 503")]
    assert len(busy) >= 12 - 6, answers
    assert all(b"retry-after: 2" in a.lower() and b"request bodies" in a for a in busy)
    # Each body's thread is given back once its client has gone (its request answered and
    # logged), so that the tests after this one find every thread free.
    for _ in range(100):
        if posts_answered(server) >= answered + len(clients):
            break
        time.sleep(0.1)
    assert posts_answered(server) >= answered + len(clients), server.output()


def posts_answered(server: Server) -> int:
    """How many SPARQL POST requests the server has answered (its access log's lines)."""
    return server.output().count('"POST /sparql HTTP/1.1"')


def test_chunked_body_too_large_is_refused_413(server: Server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"query="
        for _ in range(40):
            yield b"x" * 8192

    response = requests.post(
        server.url + "sparql",
        data=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "MAX_QUERY_BYTES" in response.text


def rss_bytes(pids: set[int]) -> int:
    """The resident memory of the processes `pids` that still run, from /proc."""
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next(int(x.split()[1]) * 1024 for x in status.splitlines()
                      if x.startswith("VmRSS:"))  # fmt: skip
    return total


def test_clients_that_never_read_a_large_answer_cost_bounded_memory_and_no_disk(
    tmp_path: Path,
) -> None:
    # The largest answers: the whole dataset as a dump, and a CONSTRUCT of every triple. An
    # answer goes to granian whole and is held in memory while the client does not read it
    # (at most one copy per connection, part of it in the kernel's socket buffers); it
    # holds no thread, and nothing is written to disk (TMPDIR is the test's own folder).
    spool = tmp_path / "tmp"
    spool.mkdir()
    running = Server(env={"TMPDIR": str(spool)})
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    largest = {
        "dataset.nt": len(requests.get(running.url + "dataset.nt", timeout=30).content),
        "sparql?query=" + quote(construct): len(
            requests.get(running.url + "sparql", params={"query": construct},
                         headers={"Accept": "application/n-triples"}, timeout=30).content
        ),
    }  # fmt: skip
    assert min(largest.values()) > 200_000, largest
    readers = 200
    before = rss_bytes(running.descendants())
    clients = []
    try:
        for number in range(readers):
            path = list(largest)[number % 2]
            client = socket.create_connection(("127.0.0.1", running.port), timeout=30)
            # A small receive buffer: the kernel takes little of the answer off the server.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.sendall(f"GET /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Accept: application/n-triples\r\n\r\n".encode())  # fmt: skip
            clients.append(client)
        # Every request has its answer on the way (read from the access log), none is read.
        for _ in range(300):
            if running.output().count('" 200 ') >= readers + len(largest):
                break
            time.sleep(0.1)
        for path in ("health", "robots.txt", "doc/br/4.ttl", "sparql?query=ASK%7B%7D"):
            assert requests.get(running.url + path, timeout=30).status_code == 200, path
        grown = rss_bytes(running.descendants()) - before
        # Generous: two copies of every answer held, and 64 MiB for everything else.
        assert grown < readers * max(largest.values()) * 2 + 64 * 2**20, grown
        assert not list(spool.iterdir()), "something was written to disk"
    finally:
        for client in clients:
            client.close()
        running.stop()


def test_clients_that_never_read_a_streamed_dump_hold_at_most_dump_streams_threads(
    tmp_path: Path,
) -> None:
    # A dump larger than the response cache takes is streamed: its thread waits while the
    # client does not read. 40 synthetic articles make an N-Triples dump of several MB, more
    # than the kernel's socket buffers take off the server.
    corpus = tmp_path / "corpus.ttl"
    made = subprocess.run([sys.executable, str(CORPUS), "40", str(corpus)], timeout=600)
    assert made.returncode == 0
    store = tmp_path / "store"
    loaded = CliRunner().invoke(cli, ["load", str(corpus), "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    running = Server(env={"LODPUB_STORE": str(store), "LODPUB_DUMP_STREAMS": "2",
                          "LODPUB_RESPONSE_CACHE_MB": "8", "LODPUB_THREADS": "4"})  # fmt: skip
    clients = []
    try:
        for _ in range(10):
            client = socket.create_connection(("127.0.0.1", running.port), timeout=30)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.sendall(b"GET /dataset.nt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            clients.append(client)
        # Two dumps are on their way (and stuck), whichever two came first; the other eight
        # were refused at once.
        answers = [client.recv(4096) for client in clients]
        refused = [answer for answer in answers if answer.startswith(b"HTTP/1.1 503")]
        sent = [answer for answer in answers if answer.startswith(b"HTTP/1.1 200")]
        assert (len(refused), len(sent)) == (8, 2), answers
        assert all(b"retry-after: 60" in answer.lower() for answer in refused)
        assert all(b"DUMP_STREAMS" in answer for answer in refused)
        for path in ("health", "robots.txt", "doc/br/1000001.html", "sparql?query=ASK%7B%7D"):
            assert requests.get(running.url + path, timeout=30).status_code == 200, path
        assert requests.get(running.url + "dataset.nt", timeout=30).status_code == 503
        for client in clients:
            client.close()
        # Gone clients give their threads back: the dump is sent again, whole.
        for _ in range(100):
            answer = requests.get(running.url + "dataset.nt", timeout=60)
            if answer.status_code == 200:
                break
            time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.content.count(b"\n") > 40_000
    finally:
        for client in clients:
            client.close()
        running.stop()


def test_sigterm_during_a_long_query_ends_cleanly() -> None:
    running = Server("--workers", "2", env={"LODPUB_QUERY_TIMEOUT": "4"})
    answers: list[int] = []

    def ask() -> None:
        response = requests.get(running.url + "sparql", params={"query": SLOW_QUERY}, timeout=60)
        answers.append(response.status_code)

    try:
        asking = threading.Thread(target=ask)
        asking.start()
        # Wait (bounded) until the query runs in a query process.
        for _ in range(100):
            processes = running.descendants()
            commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in processes
                        if alive(pid)]  # fmt: skip
            if any(b"worker_main" in command for command in commands):
                break
            time.sleep(0.1)
        else:
            pytest.fail("no query process started")
        time.sleep(0.5)
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=60) == 0, running.output()
        asking.join(timeout=60)
        # The request in flight got its answer (the time limit's 503), not a broken connection.
        assert answers == [503]
        assert not [pid for pid in processes if alive(pid)], "processes left behind"
    finally:
        running.stop()


def test_taken_port_is_a_one_line_error(runner: CliRunner) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: cannot listen on 127.0.0.1:{port}: the address is already in use "
        "(is another server running?)\n"
    )


def test_invalid_host_is_a_one_line_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["serve", "--host", "no such host", "--port", "8080"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: cannot listen on no such host:8080: unknown host")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--port", "70000"], {}), ([], {"LODPUB_PORT": "70000"}), (["--port", "0"], {})],
)
def test_port_out_of_range_is_refused(runner: CliRunner, args: list[str], env: dict) -> None:
    result = runner.invoke(cli, ["serve", *args], env=env)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and ("65535" in errors[0] or "1<=x" in errors[0]), result.output
    assert "Traceback" not in result.output

"""Serve the same data with lodpub, Oxigraph's server and rdflib-endpoint, and time the example
queries of queries/ against each over HTTP, from the same client, in one run (issue #3).

    pip install -e '.[bench]'
    python bench/compare.py                  # ~3 minutes on 2 cores
    python bench/compare.py --seconds 5 --clients 8 --repeat 20

Each server runs as its users would start it: `lodpub serve` (waitress, its default threads,
query workers and answer cache; and once more with QUERY_CACHE_ENTRIES=0, so that every
request runs its query), `oxigraph serve-read-only` on a store loaded with `oxigraph load`, and
`rdflib-endpoint serve` (uvicorn). All listen on 127.0.0.1 and hold the same triples (the
publication's data with its IRIs resolved against http://127.0.0.1:8080/).

Latency: the median of `--repeat` sequential GETs per query (rdflib-endpoint: a third of
them, it is slow). Throughput: `--clients` client processes, each with one keep-alive
connection, send the queries in turn for `--seconds`; answered requests per second. Every
answer is checked: status 200 and the same number of results from every server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from rdflib import Graph

from lodpub.config import Config
from lodpub.dataset import load
from lodpub.guard import query_form

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "http://127.0.0.1:8080/"


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    accept: str


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    path: str

    def get(self, connection: http.client.HTTPConnection, query: Query) -> bytes:
        target = f"{self.path}?{urlencode({'query': query.text})}"
        connection.request("GET", target, headers={"Accept": query.accept})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{self.name}: {response.status} {body[:200]!r}")
        return body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def executable(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found: pip install -e '.[bench]'")
    return found


@contextmanager
def running(
    command: list[str], server: Server, log: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        try:
            wait_until_answers(server, process, log)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_answers(server: Server, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{server.name} exited:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            server.get(connection, Query("probe", "ASK {}", "application/sparql-results+json"))
            return
        except (OSError, RuntimeError):
            time.sleep(0.5)
    sys.exit(f"{server.name} did not answer within 300 s")


def servers(stack: ExitStack, folder: Path) -> list[Server]:
    """Start the three servers on the same data; they stop when `stack` closes."""
    triples = folder / "data.nt"
    graph = Graph()
    for s, p, o, _ in load(Config.load()["DATA_FILES"], BASE_URL).quads():
        graph.add((s, p, o))
    graph.serialize(triples, format="nt", encoding="utf-8")
    lodpub = Server("lodpub", free_port(), "/sparql")
    uncached = Server("lodpub, no cache", free_port(), "/sparql")
    for server, env in ((lodpub, {}), (uncached, {"LODPUB_QUERY_CACHE_ENTRIES": "0"})):
        stack.enter_context(running(
            [executable("lodpub"), "serve", "--port", str(server.port), "--base-url", BASE_URL],
            server, folder / f"lodpub-{server.port}.log", env,
        ))  # fmt: skip
    store = folder / "oxigraph"
    subprocess.run([executable("oxigraph"), "load", "--location", str(store), "--file",
                    str(triples)], check=True, capture_output=True)  # fmt: skip
    oxigraph = Server("oxigraph", free_port(), "/query")
    stack.enter_context(running(
        [executable("oxigraph"), "serve-read-only", "--location", str(store),
         "--bind", f"127.0.0.1:{oxigraph.port}"],
        oxigraph, folder / "oxigraph.log",
    ))  # fmt: skip
    rdflib = Server("rdflib-endpoint", free_port(), "/")  # its CLI serves at the root
    stack.enter_context(running(
        [executable("rdflib-endpoint"), "serve", str(triples), "--host", "127.0.0.1",
         "--port", str(rdflib.port)],
        rdflib, folder / "rdflib-endpoint.log",
    ))  # fmt: skip
    return [lodpub, uncached, oxigraph, rdflib]


def size(body: bytes) -> int:
    """Results in an answer: solutions of SPARQL JSON, 1 for a boolean, lines of N-Triples."""
    if body.startswith(b"{"):
        data = json.loads(body)
        return 1 if "boolean" in data else len(data["results"]["bindings"])
    return len([line for line in body.splitlines() if line.strip()])


def latency(server: Server, query: Query, repeat: int) -> tuple[float, int]:
    """(median seconds, result size) of `repeat` sequential requests on one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    times, results = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        results = size(server.get(connection, query))
        times.append(time.perf_counter() - started)
    connection.close()
    return statistics.median(times), results


def _client(args: tuple[Server, list[Query], float, int]) -> int:
    server, queries, seconds, offset = args
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        server.get(connection, queries[(offset + done) % len(queries)])
        done += 1
    return done


def throughput(server: Server, queries: list[Query], clients: int, seconds: float) -> float:
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        started = time.monotonic()
        done = pool.map(_client, [(server, queries, seconds, i) for i in range(clients)])
        return sum(done) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=21, help="requests per query (latency)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="throughput window")
    options = parser.parse_args()
    queries = []
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        graph = query_form(text) in ("construct", "describe")
        accept = "application/n-triples" if graph else "application/sparql-results+json"
        queries.append(Query(path.stem, text, accept))
    with tempfile.TemporaryDirectory(prefix="lodpub-bench-") as tmp, ExitStack() as stack:
        running_servers = servers(stack, Path(tmp))
        rdflib = running_servers[-1]
        print(f"servers ready; {len(queries)} queries, {options.clients} clients", flush=True)
        rows = []
        for query in queries:
            medians = {}
            sizes = set()
            for server in running_servers:
                repeat = max(3, options.repeat // 3) if server is rdflib else options.repeat
                medians[server.name], results = latency(server, query, repeat)
                sizes.add(results)
            if len(sizes) != 1:
                sys.exit(f"{query.name}: the servers disagree on the number of results: {sizes}")
            rows.append((query.name, medians))
            timings = ", ".join(f"{k} {v * 1000:.2f} ms" for k, v in medians.items())
            print(f"  {query.name}: {timings}", flush=True)
        rates = {
            s.name: throughput(s, queries, options.clients, options.seconds)
            for s in running_servers
        }
    print_table(rows, rates, options)


def print_table(rows, rates, options) -> None:
    names = list(rates)
    print()
    print(
        "| query | "
        + " | ".join(f"{n} ms" for n in names)
        + " | lodpub / Oxigraph | lodpub, no cache / Oxigraph | rdflib-endpoint / lodpub |"
    )
    print("|---|" + "---:|" * (len(names) + 3))  # fmt: skip
    for name, m in rows:
        cells = " | ".join(f"{m[n] * 1000:.2f}" for n in names)
        lod, raw, oxi, rdf = (m[n] for n in names)
        print(f"| {name} | {cells} | {lod / oxi:.1f}× | {raw / oxi:.1f}× | {rdf / lod:.0f}× |")
    lod, raw, oxi, rdf = (rates[n] for n in names)
    cells = " | ".join(f"{rates[n]:.0f}" for n in names)
    print(f"| **throughput, {options.clients} clients (requests/s)** | {cells} "
          f"| {lod / oxi:.2f} | {raw / oxi:.2f} | {lod / rdf:.0f}× (no cache: "
          f"{raw / rdf:.0f}×) |")  # fmt: skip


if __name__ == "__main__":
    main()

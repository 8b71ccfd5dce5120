"""Serve the same data with lodpub, Oxigraph's server and rdflib-endpoint, and load each with
wrk (a C load generator) in one run: every example query of queries/, and lodpub's article
page, an RDF document and a 303 dereference.

    pip install -e '.[bench]'        # and Debian's wrk (.ci/setup installs it)
    python bench/compare.py          # ~15 minutes on 2 cores
    python bench/compare.py --seconds 3 --only references-by-year

Each server runs as its users start it: `lodpub serve --workers 2`, `oxigraph
serve-read-only` on a store made with `oxigraph load`, and `rdflib-endpoint serve`. All
listen on 127.0.0.1 and hold the same triples (the publication's data, IRIs resolved against
http://127.0.0.1:8080/); every server's answer to every query is checked first (status 200,
the same number of results).

For each case and server, wrk runs for `--seconds` with 1 and with 8 connections (keep-alive,
GET), twice: *warm*, the same request every time (what a cache serves), and *cold*, every
request different (a Lua script appends a new comment to the query, or a new query-string
parameter to a page), so nothing can be answered from a cache. Reported: requests per
second and wrk's p50 and p99 latency, the client's CPU (wrk's own user and system time over
the run's wall time, from getrusage: far below the machine's capacity means the client is not
what limits the figures). Writes docs/bench.md (every figure) and docs/bench.png.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from rdflib import Graph

from lodpub.config import Config
from lodpub.dataset import load
from lodpub.guard import query_form

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "http://127.0.0.1:8080/"
CONNECTIONS = (1, 8)
MODES = ("warm", "cold")
# wrk's Lua hooks: `request` makes each cold request distinct, `done` prints the figures.
LUA = """
local counter = 0
local base_path = os.getenv("BENCH_PATH")
local cold_suffix = os.getenv("BENCH_COLD")
local accept = os.getenv("BENCH_ACCEPT")
local form = os.getenv("BENCH_FORM")
wrk.headers["Accept"] = accept
if form ~= "" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
request = function()
  if form ~= "" then
    return wrk.format("POST", base_path, nil, form)
  end
  local path = base_path
  if cold_suffix ~= "" then
    counter = counter + 1
    path = base_path .. cold_suffix .. counter .. "-" .. math.random(1000000000)
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCH {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, \\"p99\\": %f, " ..
    "\\"errors\\": %d, \\"refused\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout, summary.errors.status))
end
"""


@dataclass(frozen=True)
class Case:
    """One request to time: a query (`sparql`) or a page of lodpub's (`path`)."""

    name: str
    accept: str
    sparql: str = ""
    path: str = ""
    # A form body: the page is asked by POST (no cache keeps a POST's answer; OAI-PMH takes
    # no extra argument to make a GET distinct).
    form: str = ""


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    endpoint: str  # the SPARQL endpoint's path
    pages: bool = False  # serves lodpub's pages

    def target(self, case: Case) -> str | None:
        if case.sparql:
            return f"{self.endpoint}?query={quote(case.sparql, safe='')}"
        return case.path if self.pages else None


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    client_cpu: float  # cores wrk kept busy
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def executable(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found: pip install -e '.[bench]' (wrk: apt-get install wrk)")
    return found


def get(server: Server, target: str, accept: str, form: str = "") -> tuple[int, bytes]:
    """The answer to GET `target`, or to POST `target` with `form` as its body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        if form:
            headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
            connection.request("POST", target, body=form, headers=headers)
        else:
            connection.request("GET", target, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def running(command: list[str], server: Server, log: Path) -> Iterator[Server]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    sys.exit(f"{server.name} exited:\n{log.read_text(errors='replace')[-2000:]}")
                try:
                    status, _ = get(server, server.target(Case("probe", "*/*", "ASK {}")), "*/*")
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit(f"{server.name} did not answer within 300 s")
                time.sleep(0.5)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=60)


def start_servers(stack: ExitStack, folder: Path) -> list[Server]:
    """The three servers on the same data; they stop when `stack` closes."""
    triples = folder / "data.nt"
    graph = Graph()
    for s, p, o, _ in load(Config.load()["DATA_FILES"], BASE_URL).quads():
        graph.add((s, p, o))
    graph.serialize(triples, format="nt", encoding="utf-8")
    lodpub = Server("lodpub", free_port(), "/sparql", pages=True)
    stack.enter_context(running(
        [executable("lodpub"), "serve", "--workers", "2", "--port", str(lodpub.port),
         "--base-url", BASE_URL],
        lodpub, folder / "lodpub.log",
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
    return [lodpub, oxigraph, rdflib]


def cases(only: str | None) -> list[Case]:
    found = []
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        graph = query_form(text) in ("construct", "describe")
        accept = "application/n-triples" if graph else "application/sparql-results+json"
        found.append(Case(path.stem, accept, sparql=text))
    found += [
        Case("article page", "text/html", path="/doc/br/1.html"),
        Case("RDF document", "text/turtle", path="/doc/br/1.ttl"),
        Case("303 dereference", "text/turtle", path="/br/1"),
    ]
    return [c for c in found if only is None or c.name == only]


def results_count(body: bytes) -> int:
    """Results in an answer: solutions of SPARQL JSON, 1 for a boolean, lines of N-Triples."""
    if body.startswith(b"{"):
        data = json.loads(body)
        return 1 if "boolean" in data else len(data["results"]["bindings"])
    return len([line for line in body.splitlines() if line.strip()])


def check_answers(servers: list[Server], case: Case) -> None:
    counts = {}
    for server in servers:
        target = server.target(case)
        if target is None:
            continue
        status, body = get(server, target, case.accept)
        if status not in (200, 303):
            sys.exit(f"{server.name} answered {case.name} with {status}: {body[:300]!r}")
        if case.sparql:
            counts[server.name] = results_count(body)
    if len(set(counts.values())) > 1:
        sys.exit(f"{case.name}: the servers disagree on the number of results: {counts}")


def wrk(
    server: Server, case: Case, connections: int, mode: str, seconds: float, lua: Path
) -> Result:
    target = server.target(case)
    assert target is not None
    if mode == "warm" or case.form:
        suffix = ""
    elif case.sparql:
        suffix = quote("\n# ", safe="")  # a new comment after the query
    else:
        suffix = "?bench="  # a new query-string parameter
    env = {**os.environ, "BENCH_PATH": target, "BENCH_COLD": suffix, "BENCH_ACCEPT": case.accept,
           "BENCH_FORM": case.form}  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    output = subprocess.run(
        [executable("wrk"), f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
         "--timeout", "30s", "-s", str(lua), f"http://127.0.0.1:{server.port}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    figures = json.loads(line[len("BENCH ") :])
    return Result(
        # Only answers count: a 503 (a server refusing work it cannot take) is not throughput.
        rps=(figures["requests"] - figures["refused"]) / figures["seconds"],
        p50_ms=figures["p50"],
        p99_ms=figures["p99"],
        client_cpu=cpu / wall,
        errors=figures["errors"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--only", help="one case (a query's file name, or 'article page')")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for bench.*")
    options = parser.parse_args()
    todo = cases(options.only)
    results: dict[tuple[str, str, int, str], Result] = {}
    with tempfile.TemporaryDirectory(prefix="lodpub-bench-") as tmp, ExitStack() as stack:
        lua = Path(tmp) / "bench.lua"
        lua.write_text(LUA)
        servers = start_servers(stack, Path(tmp))
        print(f"servers ready; {len(todo)} cases", flush=True)
        for case in todo:
            check_answers(servers, case)
            for server in servers:
                if server.target(case) is None:
                    continue
                for mode in MODES:
                    for connections in CONNECTIONS:
                        result = wrk(server, case, connections, mode, options.seconds, lua)
                        results[(case.name, server.name, connections, mode)] = result
                        print(f"  {case.name} {server.name} c{connections} {mode}: "
                              f"{result.rps:.0f}/s p50 {result.p50_ms:.2f} ms p99 "
                              f"{result.p99_ms:.2f} ms, wrk {result.client_cpu:.2f} cores, "
                              f"{result.errors} errors", flush=True)  # fmt: skip
    names = [s.name for s in servers]
    report = markdown(todo, names, results, options)
    options.out.mkdir(exist_ok=True)
    (options.out / "bench.md").write_text(report, encoding="utf-8")
    plot(todo, names, results, options.out / "bench.png")
    print(report)


def cell(result: Result | None) -> str:
    if result is None:
        return "—"
    return f"{result.rps:,.0f} ({result.p50_ms:.2f} / {result.p99_ms:.1f})"


def ratio(results: dict, case: Case, top: str, bottom: str, connections: int, mode: str) -> str:
    a = results.get((case.name, top, connections, mode))
    b = results.get((case.name, bottom, connections, mode))
    return f"{a.rps / b.rps:.2f}×" if a and b and b.rps else "—"


def markdown(todo: list[Case], names: list[str], results: dict, options) -> str:
    cores = os.cpu_count()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    busiest = max(results.values(), key=lambda r: r.client_cpu)
    lines = [
        f"Measured {when} on {cores} cores, `python "
        f"bench/compare.py --seconds {options.seconds:g}`. Each cell: requests/s (p50 / p99 "
        "latency in ms), wrk with keep-alive GETs. Ratios compare requests/s.",
        "",
        f"The client is not the bottleneck: wrk used at most {busiest.client_cpu:.2f} of the "
        f"machine's {cores} cores in any run (mean "
        f"{sum(r.client_cpu for r in results.values()) / len(results):.2f}); errors in all "
        f"runs: {sum(r.errors for r in results.values())}.",
        "",
    ]
    for mode in MODES:
        what = "the same request repeated" if mode == "warm" else "every request distinct"
        lines += [f"**{mode.capitalize()}** ({what}):", ""]
        header = ["case"]
        for connections in CONNECTIONS:
            header += [f"{n}, {connections} conn." for n in names]
        header += ["lodpub / Oxigraph, 8 conn.", "lodpub / rdflib-endpoint, 8 conn."]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|---|" + "---:|" * (len(header) - 1))
        for case in todo:
            row = [case.name]
            for connections in CONNECTIONS:
                row += [cell(results.get((case.name, n, connections, mode))) for n in names]
            row += [
                ratio(results, case, "lodpub", "oxigraph", 8, mode),
                ratio(results, case, "lodpub", "rdflib-endpoint", 8, mode),
            ]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(todo: list[Case], names: list[str], results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(14, 7), sharey=True)
    width = 0.8 / len(names)
    for axis, mode in zip(axes, MODES, strict=True):
        for i, name in enumerate(names):
            values = [getattr(results.get((c.name, name, 8, mode)), "rps", 0) for c in todo]
            positions = [y + i * width for y in range(len(todo))]
            axis.barh(positions, values, height=width, label=name)
        axis.set_yticks([y + width for y in range(len(todo))], [c.name for c in todo])
        axis.set_xscale("log")
        axis.set_xlabel("requests/s, 8 connections (log scale)")
        axis.set_title(f"{mode}: " + ("same request" if mode == "warm" else "every request new"))
        axis.invert_yaxis()
    axes[0].legend(loc="lower right")
    figure.suptitle("lodpub, Oxigraph and rdflib-endpoint on the same data (wrk, one run)")
    figure.tight_layout()
    figure.savefig(path, dpi=90)


if __name__ == "__main__":
    main()

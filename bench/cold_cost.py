"""Where a cold SPARQL query's time goes: the app (as `lodpub serve` wraps it) called in this
process, one distinct request after another, with the CPU time of this process (parsing,
negotiation, checks, the response, the round trip's own share) and of its query processes
(running and serializing) per request. No HTTP server: granian's Rust share is not counted.

    python bench/cold_cost.py cites-aer-doi
    python bench/cold_cost.py references-by-year --requests 2000 --profile

With --profile, cProfile's busiest functions of this process follow (cProfile slows the
Python part several times over: read its shares, not its times).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import quote

from lodpub.app import create_app
from lodpub.front import AccessLog
from lodpub.guard import query_form

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    """CPU seconds (user and system) of this process's children so far: the query processes."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("query", help="a query's file name in queries/, without .rq")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    text = (ROOT / "queries" / f"{options.query}.rq").read_text(encoding="utf-8")
    graph = query_form(text) in ("construct", "describe")
    accept = "application/n-triples" if graph else "application/sparql-results+json"
    app = create_app()
    with open(os.devnull, "w") as devnull:
        wsgi = AccessLog(app.wsgi_app, fd=devnull.fileno())

        def call(n: int) -> None:
            # A new comment makes every request distinct, as bench/compare.py's cold runs.
            environ = {
                "REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "SERVER_NAME": "127.0.0.1",
                "QUERY_STRING": "query=" + quote(f"{text}\n# {n}", safe=""),
                "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "HTTP_ACCEPT": accept,
                "HTTP_HOST": "127.0.0.1:8080", "REMOTE_ADDR": "127.0.0.1",
            }  # fmt: skip
            statuses: list[str] = []
            b"".join(wsgi(environ, lambda status, headers, exc_info=None: statuses.append(status)))
            if not statuses[0].startswith("200"):
                sys.exit(f"the query was answered {statuses[0]}")

        for n in range(200):  # start the query processes, warm the code paths
            call(-n - 1)
        count = options.requests
        started, cpu, query_cpu = time.perf_counter(), time.process_time(), children_cpu()
        for n in range(count):
            call(n)
        wall = time.perf_counter() - started
        cpu, query_cpu = time.process_time() - cpu, children_cpu() - query_cpu
        print(f"{options.query}, {count} cold requests one after another, per request: "
              f"{cpu / count * 1e6:.0f} µs CPU in the server process, {query_cpu / count * 1e6:.0f}"
              f" µs in the query processes, {wall / count * 1e6:.0f} µs wall")  # fmt: skip
        if options.profile:
            profile = cProfile.Profile()
            profile.runcall(lambda: [call(count + n) for n in range(count)])
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    app.extensions["lodpub"].close()


if __name__ == "__main__":
    main()

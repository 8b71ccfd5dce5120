"""Do pages wait behind slow SPARQL queries? CLIENTS clients loop a query that runs into the
time limit against a running `lodpub serve` while /robots.txt is fetched REQUESTS times;
prints the page's latency and how the queries were answered.

    .venv/bin/lodpub serve --port 8080 &
    .venv/bin/python bench/slow_queries.py http://127.0.0.1:8080/
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections import Counter

import requests

# Every triple with every triple, six times over: no time limit is long enough for it.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n2 ?o . ?p ?q ?r }"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    stop = threading.Event()
    answers: Counter[int] = Counter()

    def loop() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                response = session.post(
                    args.base_url + "sparql", data={"query": RUNAWAY}, timeout=300
                )
                answers[response.status_code] += 1
                if "busy" in response.text:
                    time.sleep(0.05)

    clients = [threading.Thread(target=loop) for _ in range(args.clients)]
    for client in clients:
        client.start()
    time.sleep(2)
    latencies = []
    for _ in range(args.requests):
        started = time.monotonic()
        requests.get(args.base_url + "robots.txt", timeout=300).raise_for_status()
        latencies.append(time.monotonic() - started)
        time.sleep(0.25)
    stop.set()
    for client in clients:
        client.join()
    print(
        f"/robots.txt: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} requests; "
        f"queries answered: {dict(answers)}"
    )


if __name__ == "__main__":
    main()

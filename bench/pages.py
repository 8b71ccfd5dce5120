"""Time the pages of a running `lodpub serve` over HTTP: the median and the slowest of
`--repeat` sequential GETs per path, after one warm-up request each.

    lodpub serve --store /tmp/store-100 --port 8081 &
    python bench/pages.py http://127.0.0.1:8081/ doc/br/1000001.html doc/be/1000001.html

Prints one line per path (status, bytes, p50 and max in milliseconds) and the server's
resident memory when `--pid` names its process.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the server's base URL")
    parser.add_argument("paths", nargs="+", help="paths below the base URL")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--pid", type=int, help="the server's process, for its memory")
    args = parser.parse_args()
    parts = urlsplit(args.base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    for path in args.paths:
        target = parts.path + path
        status, size = get(connection, target)  # warm-up: first-request costs are not counted
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            status, size = get(connection, target)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{path or '/':32} {status} {size:>8} B  p50 {statistics.median(timings):7.1f} ms"
            f"  max {max(timings):7.1f} ms"
        )
    if args.pid:
        print(f"resident memory of {args.pid}: {rss_mb(args.pid):.0f} MB")


def get(connection: http.client.HTTPConnection, target: str) -> tuple[int, int]:
    connection.request("GET", target, headers={"Accept": "text/html"})
    response = connection.getresponse()
    return response.status, len(response.read())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()

"""What a page costs to build, in CPU time of this process (so other work on the machine
counts for little): the first request of each path in turn, then `--repeat` requests with
the response cache emptied before each (the median), then with it (the median). The app is
made, its start-up heap frozen and then warmed up (lodpub.app.warm_up) as `lodpub serve`
does for each server process.

    python bench/first_request.py doc/br/1.html doc/br/3.html ""

Prints one line per path, in milliseconds.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

from flask.testing import FlaskClient

from lodpub.app import create_app
from lodpub.app import warm_up
from lodpub.cache import ResponseCache
from lodpub.publication import of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="paths below the base URL")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    client, cache = warmed_client()

    def get(path: str) -> float:
        started = time.process_time()
        response = client.get("/" + path, headers={"Accept": "text/html"})
        assert response.status_code == 200, (path, response.status_code)
        return (time.process_time() - started) * 1000

    firsts = {path: get(path) for path in args.paths}
    for path in args.paths:
        uncached = repeated(lambda p=path: (cache.clear(), get(p))[1], args.repeat)
        cached = repeated(lambda p=path: get(p), args.repeat)
        print(
            f"{path or '/':20} first {firsts[path]:6.1f} ms  uncached p50 {uncached:6.1f} ms"
            f"  cached p50 {cached:5.2f} ms"
        )


def warmed_client() -> tuple[FlaskClient, ResponseCache]:
    """A test client of an app made, its start-up heap frozen and then warmed up, as `lodpub
    serve` does for each server process (lodpub.front.serve), and the app's response cache."""
    app = create_app()
    gc.collect()
    gc.freeze()
    warm_up(app)
    cache = of(app).cache
    assert cache is not None
    return app.test_client(), cache


def repeated(measure: Callable[[], float], times: int) -> float:
    return statistics.median(measure() for _ in range(times))


if __name__ == "__main__":
    main()

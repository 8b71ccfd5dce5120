"""Where an HTML page's time goes: each part of building it timed around its call (wall time
of this process, `time.perf_counter`), the median over `--repeat` requests with the response
cache emptied before each, after ten unmeasured ones. The app is made and warmed up as
`lodpub serve` makes each server process. `request` is the whole request through the test
client; what the parts leave of it is Flask, the response and its headers.

    python bench/stages.py doc/br/1.html

Prints one line per part, in milliseconds.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from first_request import warmed_client

from lodpub import jsonld
from lodpub import metadata
from lodpub.pages.build import Builder
from lodpub.views import render
from lodpub.views import state

# The parts, in the order a request reaches them: (owner, attribute, name printed).
PARTS: tuple[tuple[Any, str, str], ...] = (
    (state, "describe", "description"),
    (render, "Reader", "Reader"),
    (Builder, "page", "page model"),
    (render, "_record", "record"),
    (render, "landing_links", "Signposting links"),
    (jsonld, "schema_org", "schema.org JSON-LD"),
    (metadata, "highwire", "Highwire meta tags"),
    (metadata, "dublin_core", "Dublin Core meta tags"),
    (metadata, "coins", "COinS"),
    (render, "render_template", "template"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="a page's path below the base URL")
    parser.add_argument("--repeat", type=int, default=70)
    args = parser.parse_args()
    spent: dict[str, float] = defaultdict(float)
    for owner, attribute, name in PARTS:
        setattr(owner, attribute, timed(getattr(owner, attribute), name, spent))
    client, cache = warmed_client()
    runs: dict[str, list[float]] = defaultdict(list)
    for attempt in range(10 + args.repeat):
        spent.clear()
        cache.clear()
        started = time.perf_counter()
        response = client.get("/" + args.path, headers={"Accept": "text/html"})
        spent["request"] = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (args.path, response.status_code)
        if attempt >= 10:
            for name, ms in spent.items():
                runs[name].append(ms)
    for name in [name for *_, name in PARTS] + ["request"]:
        if runs[name]:
            print(f"{name:24} {statistics.median(runs[name]):6.2f} ms")


def timed(call: Callable[..., Any], name: str, spent: dict[str, float]) -> Callable[..., Any]:
    """`call`, adding the milliseconds each call takes to `spent[name]`."""

    @functools.wraps(call)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            spent[name] += (time.perf_counter() - started) * 1000

    return wrapper


if __name__ == "__main__":
    main()

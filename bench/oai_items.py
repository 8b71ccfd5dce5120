"""OAI-PMH paging at scale: lodpub.oai on a synthetic archive of 200,000 cited works. Reads the
sorted item list once (as the first OAI-PMH request does), then finds pages after tokens."""

from __future__ import annotations

import statistics
import time

import pyoxigraph

from lodpub import oai
from lodpub.store import Store

WORKS = 200_000
PAGE = 101
BASE = "http://127.0.0.1:8080/br/"
CITES = pyoxigraph.NamedNode("http://purl.org/spar/cito/cites")


class PlainStore(Store):
    """lodpub's Store interface over a plain pyoxigraph store: MemoryStore would also hash
    the whole data canonically at load, which is not what is measured here."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self._store = store

    def query(self, sparql, **_):
        return self._store.query(sparql)

    def answer(self, request, *, timeout):
        raise NotImplementedError

    def graph_names(self):
        return frozenset()

    def triple_count(self):
        return len(self._store)

    @property
    def version(self):
        return "synthetic"


def main() -> None:
    article = pyoxigraph.NamedNode(BASE + "1")
    raw = pyoxigraph.Store()
    raw.bulk_extend(
        pyoxigraph.Quad(article, CITES, pyoxigraph.NamedNode(f"{BASE}{100000 + i}"))
        for i in range(WORKS)
    )
    started = time.perf_counter()
    items = oai.items(PlainStore(raw))
    print(f"{len(items)} items read and sorted once in {time.perf_counter() - started:.2f} s")
    times = []
    for after in ["", *items[:: WORKS // 20]]:
        started = time.perf_counter()
        oai.page(items, after, PAGE)
        times.append(time.perf_counter() - started)
    median = statistics.median(times) * 1e6
    print(f"a page of {PAGE} after a token: median {median:.1f} µs over {len(times)} tokens")


if __name__ == "__main__":
    main()

"""OAI-PMH paging at scale: lodpub.oai on a synthetic list of 200,000 cited works, as a build
holds it (catalogue.Figures.works, written once by `lodpub load`): the time to write the file,
then the time to find a page after tokens spread over the list, from the file (as `lodpub
serve --store` does) and from memory (as the data files' app does)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from lodpub import oai
from lodpub.catalogue import Things

WORKS = 200_000
PAGE = 101
BASE = "http://127.0.0.1:8080/br/"


def main() -> None:
    iris = sorted(f"{BASE}{100000 + i}" for i in range(WORKS))
    in_memory = Things(len(iris), iris, key=str)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "works.txt"
        started = time.perf_counter()
        in_memory.save(path)
        print(f"{WORKS} items written once in {time.perf_counter() - started:.2f} s")
        on_disk = Things(len(iris), path=path, key=str)
        for name, items in (("file", on_disk), ("memory", in_memory)):
            times = []
            for after in ["", *iris[:: WORKS // 20]]:
                started = time.perf_counter()
                found = oai.page(items, after, PAGE)
                times.append(time.perf_counter() - started)
                assert found == iris[iris.index(after) + 1 if after else 0 :][:PAGE]
            median = statistics.median(times) * 1e6
            print(f"a page of {PAGE} after a token, from {name}: median {median:.1f} µs "
                  f"over {len(times)} tokens")  # fmt: skip


if __name__ == "__main__":
    main()

"""How validation time grows with the data: K copies of the real article, checked by lodpub's
SPARQL engine (and by pyshacl, the reference, at small K).

Copy k renumbers every br/be/ar/ra/id/re/ci IRI by k × 1,000,000 (`ci/1-101` becomes
`ci/1000001-1000101`), so the copies share only what is not numbered: the dataset node, the
source pages and external IRIs. Every copy gives the findings the real article gives (the
script checks the counts). The corpus is written as N-Quads to a temporary folder and loaded
into an Oxigraph store (in memory, or on disk as `lodpub load` builds it with --on-disk);
load and check are timed apart.

    .venv/bin/python bench/validate_scale.py                 # K = 1, 10, 100, 1000
    .venv/bin/python bench/validate_scale.py 1 10 10000 --pyshacl-max 10
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph

from lodpub.config import DEFAULT_BASE_URL
from lodpub.dataset import load
from lodpub.dataset import load_ontology
from lodpub.dataset import load_shapes
from lodpub.store import ValidationStore
from lodpub.validate import ONTOLOGY_GRAPH
from lodpub.validate import SEVERITIES
from lodpub.validate import Report
from lodpub.validate import to_nquads
from lodpub.validate import validate
from lodpub.validate import validate_store

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "article.ttl"
SHIFT = 1_000_000
_NUMBERED = re.compile(
    rf"<{re.escape(DEFAULT_BASE_URL)}(?:(br|be|ar|ra|id|re)/(\d+)|ci/(\d+)-(\d+))>"
)


def article() -> Graph:
    graph = Graph()
    for s, p, o, _ in load([ARTICLE], DEFAULT_BASE_URL).quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def copies(ntriples: str, count: int) -> Iterator[str]:
    """The article's N-Triples renumbered for copies 0 … count − 1."""
    for k in range(count):
        offset = k * SHIFT

        def renumber(match: re.Match[str], offset: int = offset) -> str:
            kind, number, citing, cited = match.groups()
            if kind is not None:
                return f"<{DEFAULT_BASE_URL}{kind}/{int(number) + offset}>"
            return f"<{DEFAULT_BASE_URL}ci/{int(citing) + offset}-{int(cited) + offset}>"

        yield _NUMBERED.sub(renumber, ntriples)


def corpus(ntriples: str, count: int, folder: Path) -> Path:
    path = folder / f"corpus-{count}.nt"
    with path.open("w", encoding="utf-8") as out:
        for text in copies(ntriples, count):
            out.write(text)
    return path


def check(report: Report, expected: dict, count: int) -> None:
    got = {severity: report.count(severity) for severity in expected}
    want = {severity: n * count for severity, n in expected.items()}
    if got != want:
        sys.exit(f"K={count}: expected {want} findings, got {got}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1, 10, 100, 1000])
    parser.add_argument("--pyshacl-max", type=int, default=10, help="largest K run on pyshacl")
    parser.add_argument(
        "--on-disk", action="store_true", help="an on-disk store (RocksDB) instead of memory"
    )
    options = parser.parse_args()

    shapes, ontology = load_shapes(DEFAULT_BASE_URL), load_ontology(DEFAULT_BASE_URL)
    ontology_nquads = to_nquads(ontology, ONTOLOGY_GRAPH)
    one = article()
    ntriples = one.serialize(format="nt", encoding="utf-8").decode("utf-8")
    reference = validate(one, shapes, ontology, DEFAULT_BASE_URL)
    expected = {severity: reference.count(severity) for severity in SEVERITIES}

    print(
        "| copies | triples | load s | validate s | validate CPU s | peak memory MiB "
        "| pyshacl s | findings |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in options.counts:
        with tempfile.TemporaryDirectory(prefix="lodpub-bench-") as folder:
            path = corpus(ntriples, count, Path(folder))

            started = time.perf_counter()
            store = ValidationStore(directory=Path(folder) / "store" if options.on_disk else None)
            store.add_file(path)
            store.add(ontology_nquads)
            loaded = time.perf_counter() - started
            triples = len(store) - len(ontology)

            started, cpu = time.perf_counter(), time.process_time()
            report = validate_store(store, shapes, DEFAULT_BASE_URL, triples=triples)
            checked, cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            check(report, expected, count)
            del store

            reference_time = "—"
            if count <= options.pyshacl_max:
                data = Graph().parse(path, format="nt")
                started = time.perf_counter()
                slow = validate(data, shapes, ontology, DEFAULT_BASE_URL, engine="pyshacl")
                reference_time = f"{time.perf_counter() - started:.1f}"
                check(slow, expected, count)
        findings = sum(report.count(s) for s in expected)
        print(
            f"| {count:,} | {triples:,} | {loaded:.1f} | {checked:.1f} | {cpu:.1f} | {peak:,.0f} "
            f"| {reference_time} | {findings:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

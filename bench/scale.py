"""How lodpub grows with a journal's archive: for synthetic corpora of 1, 100, 1,000 and
10,000 articles (bench/corpus.py), the validated `lodpub load`, the store it writes, the
server started on it and the latency of its pages and of the example queries.

    pip install -e '.[bench]'            # and Debian's wrk (.ci/setup installs it)
    nice python bench/scale.py           # 1, 100, 1000 and 10000 articles
    nice python bench/scale.py 1 100 --seconds 2

For each size: the corpus is written; `lodpub load CORPUS --store DIR` validates and builds
it (its time in all and per step, as the command reports them, and the peak resident memory
of the command); the store's size on disk; `lodpub serve --store DIR --workers 2` is started
and timed until it answers a SPARQL query; once its processes stopped using CPU (that
first query starts the query workers, fresh interpreters that take a core for a second or
so), wrk (bench/compare.py's runner) loads each case with one connection for `--seconds`,
every request distinct (a new query-string parameter or query comment, so that no cache
answers; OAI-PMH by POST), and reports p50 and p99 latency, and how long a server process's
first request of each page took; last, the
resident memory of each of the server's processes (the front, the server processes, the
SPARQL workers the queries started). Writes docs/scale.md (the table) and docs/scale.png.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from pathlib import Path

import compare
from compare import Case
from compare import Server

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus.py"
BASE_URL = "http://127.0.0.1:8080/"
# The first copy's things (bench/corpus.py numbers copy 0 from 1,000,000 up).
PAGES = (
    Case("article page", "text/html", path="/doc/br/1000001.html"),
    Case("reference page", "text/html", path="/doc/be/1000001.html"),
    Case("RDF document", "text/turtle", path="/doc/br/1000001.ttl"),
    Case("303 dereference", "text/turtle", path="/br/1000001"),
    Case("home page", "text/html", path="/"),
    # An agent of the corpus holds roles in about one article in seven.
    Case("prolific author page", "text/html", path="/doc/ra/1000001.html"),
)
# What covers the whole dataset: answered from the figures `lodpub load` computed once, or
# bounded by the page asked for. OAI-PMH is asked by POST (a GET takes no extra argument to
# make it distinct); `{token}` is the first ListRecords page's resumption token.
WHOLE_DATASET = (
    Case("service description", "text/turtle", path="/sparql"),
    Case("OAI Identify", "text/xml", path="/oai", form="verb=Identify"),
    Case("OAI ListRecords, first page", "text/xml", path="/oai",
         form="verb=ListRecords&metadataPrefix=oai_dc"),
    Case("OAI ListRecords, resumed", "text/xml", path="/oai",
         form="verb=ListRecords&resumptionToken={token}"),
    Case("quality report", "text/html", path="/quality"),
)  # fmt: skip
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


@dataclass
class Size:
    """What was measured at one corpus size."""

    articles: int
    triples: int = 0
    load_s: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    load_peak_mb: float = 0.0
    store_mb: float = 0.0
    start_s: float = 0.0
    memory_mb: list[float] = field(default_factory=list)  # each serving process
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)  # p50, p99 in ms
    first_ms: dict[str, float] = field(default_factory=dict)  # a server process's first ask
    untimed: dict[str, str] = field(default_factory=dict)  # why a case has no latency


def measure(articles: int, folder: Path, seconds: int, lua: Path) -> Size:
    """Write the corpus, load it, serve it and time it (see the module docstring)."""
    size = Size(articles)
    corpus = folder / f"corpus-{articles}.ttl"
    subprocess.run([sys.executable, str(CORPUS), str(articles), str(corpus)], check=True)
    target = folder / f"store-{articles}"
    size.load_s, size.load_peak_mb = _load(corpus, target, folder / f"load-{articles}.log")
    build = target.resolve()
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    size.triples, size.steps = manifest["triples"], manifest["steps"]
    size.store_mb = sum(p.stat().st_size for p in build.rglob("*") if p.is_file()) / 2**20
    print(f"{articles} articles: {size.triples:,} triples loaded in {size.load_s:.1f} s "
          f"{size.steps}, store {size.store_mb:.0f} MiB", flush=True)  # fmt: skip

    server = Server("lodpub", compare.free_port(), "/sparql", pages=True)
    command = [compare.executable("lodpub"), "serve", "--store", str(target), "--workers",
               "2", "--port", str(server.port)]  # fmt: skip
    started = time.monotonic()
    with compare.running(command, server, folder / f"serve-{articles}.log"):
        size.start_s = time.monotonic() - started
        _settle(server.port)
        for case in cases():
            if "{token}" in case.form:
                case = _resumed(server, case)
                if not case.form:  # no token: the list fits one page
                    size.untimed[case.name] = "one page"
                    continue
            asked = time.monotonic()
            status, body = compare.get(server, server.target(case), case.accept, case.form)
            size.first_ms[case.name] = (time.monotonic() - asked) * 1000
            if status not in (200, 303) or b"<error" in body:  # 503: past the time limit
                size.untimed[case.name] = f"{status}" if status != 200 else "OAI error"
                print(f"  {case.name}: answered {status}, not timed", flush=True)
                continue
            result = compare.wrk(server, case, 1, "cold", seconds, lua)
            if result.rps == 0:  # not one answer within the run
                size.untimed[case.name] = f"> {seconds} s"
            else:
                size.latency[case.name] = (result.p50_ms, result.p99_ms)
            print(
                f"  {case.name}: p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
                f"{result.rps:.1f}/s, {result.errors} errors",
                flush=True,
            )
        size.memory_mb = [_resident_mb(pid) for pid in _serving_processes(server.port)]
    return size


def cases() -> list[Case]:
    """The pages, what covers the whole dataset, then every example query of queries/
    (compare.py's cases)."""
    return [*PAGES, *WHOLE_DATASET, *(case for case in compare.cases(None) if case.sparql)]


def _resumed(server: Server, case: Case) -> Case:
    """`case` with the resumption token of the first ListRecords page; an empty form when
    the list has one page only."""
    first = next(c for c in WHOLE_DATASET if c.form.startswith("verb=ListRecords&metadata"))
    _, body = compare.get(server, server.target(first), first.accept, first.form)
    found = TOKEN.search(body)
    form = case.form.format(token=found.group(1).decode()) if found else ""
    return replace(case, form=form)


def _load(corpus: Path, target: Path, log: Path) -> tuple[float, float]:
    """Run `lodpub load`; its wall time in seconds and peak resident memory in MiB."""
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            [compare.executable("lodpub"), "load", str(corpus), "--store", str(target)],
            env={**os.environ, "LODPUB_BASE_URL": BASE_URL}, stdout=out, stderr=out,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if process.returncode != 0:
        sys.exit(f"lodpub load failed:\n{log.read_text(errors='replace')[-3000:]}")
    return time.monotonic() - started, usage.ru_maxrss / 1024


def _serving_processes(port: int) -> list[int]:
    """The `lodpub serve` listening on `port` and all its descendants."""
    parents: dict[int, int] = {}
    roots = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents[int(entry.name)] = parent
        if b"serve" in command and str(port).encode() in command:
            roots.append(int(entry.name))
    found = set(roots)
    while True:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        if not more:
            return sorted(found)
        found |= more


def _settle(port: int, quiet_s: float = 0.5, timeout_s: float = 60) -> None:
    """Wait until the processes of the server on `port` used at most one clock tick of CPU
    in `quiet_s`: a first request measured while the query workers start would time them,
    not the page."""
    deadline = time.monotonic() + timeout_s
    last = _cpu_ticks(port)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = _cpu_ticks(port)
        if now - last <= 1:
            return
        last = now


def _cpu_ticks(port: int) -> int:
    """The user and system CPU time, in clock ticks, of the server's processes."""
    total = 0
    for pid in _serving_processes(port):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        total += int(fields[11]) + int(fields[12])  # utime and stime (stat fields 14, 15)
    return total


def _resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def markdown(sizes: list[Size], options: argparse.Namespace, load: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    counts = " ".join(str(s.articles) for s in sizes)
    lines = [
        f"Measured {when} on {os.cpu_count()} cores, `nice python bench/scale.py {counts} "
        f"--seconds {options.seconds}`; the machine's load average before the run: {load}. "
        "Latencies: wrk, one connection, every request distinct (no cache answers), p50 / p99 "
        "in ms; `503`: the query ran past the endpoint's time limit; `> N s`: no answer "
        "within wrk's run.",
        "",
        "| articles | triples | `lodpub load` s (loading / validating; beside them: counting "
        "/ writing) "
        "| load peak MiB | store MiB | start s | resident MiB per serving process (max) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sizes:
        steps = " / ".join(
            f"{s.steps.get(k, 0):.1f}" for k in ("loading", "validating", "counting", "writing")
        )
        memory = max(s.memory_mb, default=0)
        lines.append(
            f"| {s.articles:,} | {s.triples:,} | {s.load_s:.1f} ({steps}) | {s.load_peak_mb:,.0f} "
            f"| {s.store_mb:,.0f} | {s.start_s:.1f} | {memory:.0f} ({len(s.memory_mb)} processes) |"
        )
    lines += ["", "| case | " + " | ".join(f"{s.articles:,} articles" for s in sizes) + " |"]
    lines.append("|---|" + "---:|" * len(sizes))
    for case in cases():
        row = [case.name]
        for s in sizes:
            timed = s.latency.get(case.name)
            row.append(f"{timed[0]:.1f} / {timed[1]:.1f}" if timed else s.untimed[case.name])
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "A server process's first request of each page, ms (what it computes once "
              "per process is in it):", "",
              "| case | " + " | ".join(f"{s.articles:,} articles" for s in sizes) + " |",
              "|---|" + "---:|" * len(sizes)]  # fmt: skip
    for case in (*PAGES, *WHOLE_DATASET):
        row = [case.name]
        for s in sizes:
            first = s.first_ms.get(case.name)
            row.append(f"{first:.1f}" if first is not None else s.untimed[case.name])
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def plot(sizes: list[Size], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    articles = [s.articles for s in sizes]
    figure, (pages, loading) = plt.subplots(1, 2, figsize=(13, 5.5))
    for case in cases():
        page = case in PAGES or case in WHOLE_DATASET
        values = [s.latency.get(case.name, (float("nan"),))[0] for s in sizes]
        pages.plot(articles, values, "o-" if page else ".:", label=case.name if page else None)
    pages.plot([], [], ".:", color="grey", label="queries/ (each)")
    pages.set(xscale="log", yscale="log", xlabel="articles", ylabel="p50 latency, ms")
    pages.set_title("p50 latency, one connection, no cache")
    pages.legend(fontsize="small")
    loading.plot(articles, [s.load_s for s in sizes], "o-", label="lodpub load, s")
    loading.plot(articles, [s.start_s for s in sizes], "s-", label="server start, s")
    loading.plot(articles, [max(s.memory_mb, default=0) for s in sizes], "^-",
                 label="resident MiB, largest serving process")  # fmt: skip
    loading.set(xscale="log", yscale="log", xlabel="articles")
    loading.set_title("load, start and memory")
    loading.legend(fontsize="small")
    figure.suptitle("lodpub at a journal's size (bench/scale.py)")
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1, 100, 1000, 10000])
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for scale.*")
    options = parser.parse_args()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    sizes = []
    with tempfile.TemporaryDirectory(prefix="lodpub-scale-") as tmp:
        lua = Path(tmp) / "bench.lua"
        lua.write_text(compare.LUA)
        for articles in options.counts:
            sizes.append(measure(articles, Path(tmp), options.seconds, lua))
            # The next size needs the room; the logs stay until the end.
            (Path(tmp) / f"corpus-{articles}.ttl").unlink()
            for build in Path(tmp).glob(f"store-{articles}.*"):
                shutil.rmtree(build)
    report = markdown(sizes, options, load)
    options.out.mkdir(exist_ok=True)
    (options.out / "scale.md").write_text(report, encoding="utf-8")
    plot(sizes, options.out / "scale.png")
    print(report)


if __name__ == "__main__":
    main()

"""A publication built once into a directory on disk, and served from it read-only.

`lodpub load FILE… --store DIR` reads the files into an Oxigraph store in memory, counts the
dataset's figures, writes its nodes' triples and what lies around them and validates the
data there (lodpub.validate, with the ontology in a graph of its own), while another process
reads the same files into a new store on disk.
Beside that store it records what serving needs and must not recompute:

    DIR -> DIR.<version>-<time>/      (DIR is a symbolic link to the current build)
        oxigraph/                     the store (lodpub.store.ValidationStore, on disk)
        manifest.json                 version, base URL, files, counts, when
        report.txt                    the validation report (warnings included)
        figures.json, things.txt, works.txt   the dataset's figures (lodpub.catalogue.Figures)
        summaries.sqlite              each node's triples, what pages summarise of it and
                                      what lies around it (lodpub.describe)

Why in memory, and why helper processes: the validation queries ran five times slower on the
on-disk store (RocksDB) than in memory, and grew faster than the data there (140 s at 1,000
articles, ×13.7 from 100 articles; in memory 38 s, ×8.3); counting did too. The store in
memory is filled and checked in a process forked from this one, so that running out of
memory there is one line here, not Oxigraph's abort (see _Helper). Writing the store and
counting do not depend on the report, so they run beside the validation: the counting
process is forked from the checking one after it has read the files and shares its store
copy-on-write; the writer is started afresh (spawned) and parses the files again, because
RocksDB's background threads do not survive a fork (a forked writer hung in a process that
had opened a store before). So a blank node has one label in the report and another in the
store: a report names blank nodes only to tell them apart, and the tables leave a node
that names one to a query of the store. The queries are not spread over
more processes: each holds hash tables that grow with the data, and at 10,000 articles two
validating processes beside the counting and the writing one used up 24 GB. Memory is
Oxigraph's: some 350 bytes a triple in memory, the bulk loader's buffers and the hash tables
of the queries running.

A build is written under a name of its own (`DIR.partial-<pid>`), renamed when complete,
and only then does DIR switch to it, by replacing the link in one `os.replace`: a load that
is interrupted, fails or finds violations leaves DIR pointing where it pointed (a writer
left behind by a killed load finishes its build, which the next load removes). The
build DIR pointed to before stays (a server may still have it open); older ones are removed.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import AbstractContextManager
from contextlib import contextmanager
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rdflib import Graph

from lodpub import catalogue
from lodpub import store as stores
from lodpub.dataset import check_data_file
from lodpub.describe import DEPENDENT_CLASSES
from lodpub.describe import INCOMING_LIMIT
from lodpub.describe import SUMMARY_PROPERTIES
from lodpub.errors import UnreadableFile
from lodpub.store import ValidationStore
from lodpub.urls import UriSpace
from lodpub.validate import ONTOLOGY_GRAPH
from lodpub.validate import Report
from lodpub.validate import query_count
from lodpub.validate import to_nquads
from lodpub.validate import validate_store

# progress(label, total): a progress bar as a context manager (see _build).
Progress = Callable[[str, int], AbstractContextManager[Any]]
MANIFEST = "manifest.json"
REPORT = "report.txt"
DATABASE = "oxigraph"
# The tables describe reads (ValidationStore.write_tables); the name is the one the first
# builds gave the file, when it held the summaries alone.
TABLES = "summaries.sqlite"


@dataclass(frozen=True)
class Manifest:
    """What a build records about itself."""

    version: str
    base_url: str
    files: list[str]
    triples: int
    kinds: dict[str, int]
    modified: str  # the newest data file's modification time (ISO 8601, UTC)
    loaded: str  # when the build finished (ISO 8601, UTC)
    seconds: float  # how long the load took
    # Seconds per step: loading (parsing into the store), validating, counting (the figures).
    steps: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Published:
    """A build opened for serving."""

    directory: Path  # the build itself (DIR resolved), which every process opens
    manifest: Manifest
    report: str
    figures: catalogue.Figures


def load(
    files: Sequence[Path],
    base_url: str,
    shapes: Graph,
    ontology: Graph,
    target: Path,
    progress: Progress | None = None,
) -> tuple[Manifest | None, Report]:
    """Bulk-load `files` into a new build, validate them there against `shapes` (with the
    `ontology` mixed in, lodpub.validate) and, when they conform, record the report and the
    figures beside them and switch `target` to the build. Returns the build's manifest (None
    when the data has violations: the build is removed, nothing switched) and the report.

    Nothing holds the whole data but Oxigraph: the files are parsed by its bulk loader,
    checked by SPARQL queries over all focus nodes at once and counted by aggregate queries,
    so time and memory grow with the data's size and no faster. Raises UnreadableFile,
    UnusableShapes."""
    for path in files:  # before the writer's process parses them
        check_data_file(path)

    def validated(store: ValidationStore, triples: int) -> Report:
        return check(store, triples, shapes, ontology, base_url, progress)

    return _build(files, base_url, target, progress, validated)


def validate_files(files: Sequence[Path], base_url: str, shapes: Graph, ontology: Graph) -> Report:
    """The report of `files` against `shapes` (with the `ontology` mixed in), made as `load`
    makes it, without building a store: what `lodpub validate` prints and `lodpub serve`
    checks before serving files. Raises UnreadableFile, UnusableShapes."""
    for path in files:
        check_data_file(path)
    validating = _Helper("fork", _validate, files, base_url, shapes, ontology)
    validating.wait()
    return validating.value


def _validate(files: Sequence[Path], base_url: str, shapes: Graph, ontology: Graph) -> Report:
    """validate_files' work, in a process of its own: the store it fills is gone with it."""
    store = _read(files, base_url)
    return check(store, len(store), shapes, ontology, base_url)


def _read(
    files: Sequence[Path], base_url: str, progress: Progress | None = None
) -> ValidationStore:
    """`files`, checked already (lodpub.dataset.check_data_file), read into an in-memory store
    by Oxigraph's bulk loader. Raises UnreadableFile, also when they hold no triples."""
    store = ValidationStore()
    total = sum(path.stat().st_size for path in files if path.is_file())
    with (progress or _no_progress)("Loading", total) as bar:
        store.load_files(files, base_url, bar.update)
    if len(store) == 0:
        named = ", ".join(str(path) for path in files)
        raise UnreadableFile(named, "the data holds no triples: there is nothing to publish")
    return store


def check(
    store: ValidationStore,
    triples: int,
    shapes: Graph,
    ontology: Graph,
    base_url: str,
    progress: Progress | None = None,
) -> Report:
    """The report of the data in `store` (`triples` of it) against `shapes`, with the
    `ontology` added to the store in a graph of its own while the shapes are checked.
    Raises UnusableShapes."""
    store.add(to_nquads(ontology, ONTOLOGY_GRAPH))
    with (progress or _no_progress)("Validating", query_count(shapes)) as bar:
        report = validate_store(store, shapes, base_url, triples=triples, progress=bar.update)
    store.remove_graph(ONTOLOGY_GRAPH)
    return report


def build(
    files: Sequence[Path],
    base_url: str,
    target: Path,
    report: str,
    progress: Progress | None = None,
) -> Manifest:
    """Bulk-load `files` into a new build without validating them, record `report` (a text
    standing for the validation report) and the dataset's figures beside it, and switch
    `target` to it (for data checked elsewhere, and for benchmarks). Raises UnreadableFile."""
    manifest, _ = _build(files, base_url, target, progress, None, report)
    assert manifest is not None  # nothing checked, nothing refused
    return manifest


def _build(
    files: Sequence[Path],
    base_url: str,
    target: Path,
    progress: Progress | None,
    validated: Callable[[ValidationStore, int], Report] | None,
    report_text: str = "",
) -> tuple[Manifest | None, Report | None]:
    """Build `files` in a directory of its own, run `validated` on the store (when given; its
    report is recorded, and a report with violations removes the build) and switch `target`
    to it.

    `progress(label, total)` makes a progress bar (click.progressbar) as a context manager
    whose `update(n)` says that n more units (bytes read, queries run) are done. Raises
    UnreadableFile (also when `target` exists but is not a link to a build)."""
    started = time.monotonic()
    _check_target(target)
    _remove_partial_builds(target)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    progress = progress or _no_progress
    steps: dict[str, float] = {}
    helpers: list[_Helper] = []
    report: Report | None = None
    try:
        writer = _Helper("spawn", _write, files, base_url, partial)  # see the docstring
        helpers.append(writer)
        # In a process of its own, so that running out of memory is one line (see _Helper).
        checker = _Helper("fork", _check_in_memory, files, base_url, partial, progress, validated)
        helpers.append(checker)
        checker.wait()
        triples, report, checked = checker.value
        steps.update(checked)
        if report is not None and not report.conforms:
            for helper in helpers:
                helper.stop()
            shutil.rmtree(partial, ignore_errors=True)
            return None, report
        with progress("Writing", 1) as bar:
            steps["writing"] = writer.wait()
            bar.update(1)
        figures = catalogue.Figures.read(partial)
        space = UriSpace(base_url, ())
        newest = max(path.stat().st_mtime for path in files)
        manifest = Manifest(
            version=stores.data_version(files, base_url),
            base_url=base_url,
            files=[str(path) for path in files],
            triples=triples,
            kinds=figures.kinds(space),
            modified=datetime.fromtimestamp(int(newest), UTC).isoformat(),
            loaded=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=round(time.monotonic() - started, 1),
            steps=steps,
        )
        text = report.render("text") if report is not None else report_text
        (partial / REPORT).write_text(text, encoding="utf-8")
        (partial / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), "utf-8")
        build = target.with_name(f"{target.name}.{manifest.version[:16]}-{time.time_ns()}")
        partial.rename(build)
    except BaseException:
        for helper in helpers:
            helper.stop()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _switch(target, build)
    return manifest, report


def _check_in_memory(
    files: Sequence[Path],
    base_url: str,
    directory: Path,
    progress: Progress,
    validated: Callable[[ValidationStore, int], Report] | None,
) -> tuple[int, Report | None, dict[str, float]]:
    """`files` read into a store in memory and checked there by `validated` (when given),
    while a process forked from this one counts the figures on the same store into
    `directory`: the triples, the report and the seconds of each step. On violations the
    counting is stopped."""
    started = time.monotonic()
    store = _read(files, base_url, progress)
    triples = len(store)
    steps = {"loading": round(time.monotonic() - started, 1)}
    counter = _Helper("fork", _count, store, base_url, directory)  # before the ontology
    report = None
    try:
        if validated is not None:
            report = validated(store, triples)
            steps["validating"] = round(time.monotonic() - started - steps["loading"], 1)
            if not report.conforms:
                counter.stop()
                return triples, report, steps
        with progress("Counting", 1) as bar:
            steps["counting"] = counter.wait()
            bar.update(1)
    except BaseException:
        counter.stop()
        raise
    return triples, report, steps


class _Helper:
    """`work(*arguments)` in a process of its own, started by `method` ("fork": it shares
    this process's memory as it was; "spawn": a fresh interpreter, the arguments pickled),
    while this one goes on. `wait()` returns the seconds it took, `value` what it returned.

    Oxigraph aborts the process it runs in when an allocation fails (Rust has no MemoryError
    to raise), and the kernel kills a process when the machine runs out of memory: a helper
    ended by either is a MemoryError here, so the command says so in one line. A helper's
    error output goes nowhere (Oxigraph's and RocksDB's last words would only repeat that;
    whatever it raises comes back here)."""

    def __init__(self, method: str, work: Callable[..., Any], *arguments: Any) -> None:
        context = multiprocessing.get_context(method)
        self._answer, answer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run,
            args=(answer, work, *arguments),
            name=f"lodpub-{work.__name__.strip('_')}",
        )
        self._process.start()
        answer.close()
        self.value: Any = None

    def wait(self) -> float:
        """The seconds the work took. Raises what it raised, MemoryError when it ran out."""
        try:
            outcome = self._answer.recv()
        except EOFError:
            outcome = None
        self._process.join()
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is None:
            code = self._process.exitcode
            if code in (-signal.SIGABRT, -signal.SIGKILL):
                raise MemoryError(f"the process {self._process.name} ran out of memory")
            raise RuntimeError(f"the process {self._process.name} ended with exit code {code}")
        seconds, self.value = outcome
        return seconds

    def stop(self) -> None:
        """End the process (its work is being thrown away)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def _run(answer: Any, work: Callable[..., Any], *arguments: Any) -> None:
    """A helper process: do the work, send back its seconds and value, or its exception. It
    is killed when the process that started it ends: a helper started by another helper (the
    counter, by the checker) would otherwise outlive a checker that Oxigraph aborted, which
    cannot stop it."""
    _die_with_parent()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    try:
        started = time.monotonic()
        value = work(*arguments)
        answer.send((round(time.monotonic() - started, 1), value))
    except BaseException as error:  # noqa: BLE001 (the parent raises it)
        answer.send(error)


def _die_with_parent() -> None:
    """Have Linux kill this process when its parent ends (prctl PR_SET_PDEATHSIG)."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _write(files: Sequence[Path], base_url: str, directory: Path) -> None:
    """Read `files` into a new store on disk in `directory`, compacted for reading."""
    # It has until the validation ends; at the same priority the bulk loader's threads took
    # two thirds of the cores from reading the files into memory (10,000 articles).
    os.nice(10)
    store = ValidationStore(directory=directory / DATABASE)
    store.load_files(files, base_url)
    store.finish()


def _count(store: ValidationStore, base_url: str, directory: Path) -> None:
    """Count the dataset's figures in `store` and save them into `directory`, with the
    tables describe reads (ValidationStore.write_tables; written from this store in memory:
    the summaries took four times as long from the one on disk, in the writer)."""
    catalogue.figures(store.lookups(), UriSpace(base_url, ())).save(directory)
    store.write_tables(SUMMARY_PROPERTIES, DEPENDENT_CLASSES, INCOMING_LIMIT, directory / TABLES)


def open_published(target: Path) -> Published:
    """The build `target` points to, resolved once (a load switching `target` meanwhile does
    not change what this process and its workers read). Raises UnreadableFile when `target`
    holds no complete build."""
    directory = target.resolve()
    if not (directory / MANIFEST).is_file():
        raise UnreadableFile(target, "no store here; build one with `lodpub load FILE… --store`")
    try:
        manifest = Manifest(**json.loads((directory / MANIFEST).read_text("utf-8")))
    except (TypeError, ValueError):
        raise UnreadableFile(
            target, "a store built by another version of lodpub; build it again with `lodpub load`"
        ) from None
    return Published(
        directory=directory,
        manifest=manifest,
        report=(directory / REPORT).read_text("utf-8"),
        figures=catalogue.Figures.read(directory),
    )


def database(published: Published) -> Path:
    """The Oxigraph directory of a build."""
    return published.directory / DATABASE


def tables(published: Published) -> Path:
    """The file of a build's precomputed tables (absent from builds of older lodpubs)."""
    return published.directory / TABLES


@contextmanager
def _no_progress(_label: str, _total: int) -> Iterator[Any]:
    yield SimpleNamespace(update=lambda _done: None)


def _check_target(target: Path) -> None:
    if target.is_symlink() or not target.exists():
        return
    if target.is_dir() and not any(target.iterdir()):
        return
    raise UnreadableFile(
        target,
        "exists and is not a store built by `lodpub load`; name a new path or remove it",
    )


def _switch(target: Path, build: Path) -> None:
    """Point `target` at `build` in one step, then remove builds older than the previous."""
    previous = target.resolve() if target.is_symlink() else None
    if target.is_dir() and not target.is_symlink():
        target.rmdir()  # empty: _check_target allowed it
    link = target.with_name(f"{target.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(build.name)
    os.replace(link, target)
    keep = {build.name, previous.name if previous else ""}
    for old in target.parent.glob(f"{target.name}.*-*"):
        partial = ".partial-" in old.name or ".link-" in old.name
        if not partial and old.name not in keep and (old / MANIFEST).is_file():
            shutil.rmtree(old, ignore_errors=True)


def _remove_partial_builds(target: Path) -> None:
    """Builds left by loads that were killed (their process is gone)."""
    for partial in target.parent.glob(f"{target.name}.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

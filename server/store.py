"""The store behind one narrow interface: SPARQL in, results out. No HTTP here.

Two ways in:
- `query` / `construct`: trusted queries written by lodpub itself (pages, descriptions), run
  in this process, answered with pyoxigraph results or rdflib graphs.
- `answer`: a stranger's query (the SPARQL endpoint), run in a killable worker process with a
  time limit, a row limit and no network (lodpub.guard), answered already serialized. A
  later on-disk or remote store fits behind the same method: a remote endpoint answers in a
  serialization too.

The app builds one store in create_app and keeps it in `app.extensions["lodpub"]`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from abc import ABC
from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from typing import Literal

import pyoxigraph
from rdflib import Dataset
from rdflib import Graph
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from lodpub import errors
from lodpub.formats import Format
from lodpub.formats import by_name
from lodpub.guard import WorkerError
from lodpub.guard import WorkerPool
from lodpub.vocab import PREFIXES
from lodpub.vocab import bind_all

QueryResult = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples


@dataclass(frozen=True)
class Request:
    """A stranger's query and how to answer it. `results_format` / `graph_format` are names
    in lodpub.formats, used for SELECT / ASK and CONSTRUCT / DESCRIBE respectively."""

    sparql: str
    base_iri: str
    results_format: str
    graph_format: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    max_rows: int = 10_000


@dataclass(frozen=True)
class Answer:
    """A serialized result. `rows` counts solutions or triples written; `truncated` says that
    the result had more than the `max_rows` written."""

    kind: Literal["solutions", "boolean", "graph"]
    format: str
    body: bytes
    rows: int
    truncated: bool


class Store(ABC):
    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryResult:
        """Run a trusted SPARQL query in this process, without time limit.
        `default_graph_uris` / `named_graph_uris` replace the dataset (empty: the store's
        default graph and all named graphs). Raises SyntaxError for a query that does not
        parse."""

    @abstractmethod
    def answer(self, request: Request, *, timeout: float) -> Answer:
        """Run a stranger's query within `timeout` seconds (waiting included).

        Raises errors.BadRequest for a query that does not parse (with the parser's message
        and position), errors.ServiceUnavailable when the time or memory ran out or every
        worker stayed busy, RuntimeError when the engine failed otherwise.
        """

    @abstractmethod
    def graph_names(self) -> frozenset[str]:
        """IRIs of the named graphs."""

    @abstractmethod
    def triple_count(self) -> int:
        """Number of triples in all graphs (quads)."""

    @property
    @abstractmethod
    def version(self) -> str:
        """A hash of the loaded data, the same for the same data on every start (for ETags)."""

    def construct(self, sparql: str) -> Graph:
        """The triples of a CONSTRUCT or DESCRIBE query as an rdflib Graph with lodpub's
        prefixes bound. Raises ValueError for other query forms."""
        result = self.query(sparql)
        if not isinstance(result, pyoxigraph.QueryTriples):
            raise ValueError("construct() needs a CONSTRUCT or DESCRIBE query")
        graph = bind_all(Graph(bind_namespaces="none"))
        nt = result.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)
        return graph.parse(data=nt, format="nt")


class MemoryStore(Store):
    """pyoxigraph's in-memory store, loaded once from the (validated) rdflib data; named
    graphs of a Dataset stay named. Strangers' queries run in `workers` processes holding a
    copy each, capped at `memory_mb` MiB of address space each (0: no cap); they start on the
    first `answer`. The last `cache_entries` answers (up to 256 KiB each) are kept."""

    def __init__(
        self, data: Graph, *, workers: int = 2, memory_mb: int = 0, cache_entries: int = 0
    ) -> None:
        self._nquads = by_name("nquads").serialize(data)
        self._store = _load(self._nquads)
        self._version = _canonical_hash(data)
        self._graphs = frozenset(g.value for g in self._store.named_graphs())
        self._pool_size = workers
        self._memory_mb = memory_mb
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()
        # The data never changes while the store lives, so an answer stays right: the last
        # `cache_entries` answers are kept, by request (least recently used ones go first).
        self._cache: OrderedDict[Request, Answer] = OrderedDict()
        self._cache_entries = cache_entries

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryResult:
        return self._store.query(sparql, **_dataset(default_graph_uris, named_graph_uris))

    def answer(self, request: Request, *, timeout: float) -> Answer:
        with self._lock:
            if (cached := self._cache.get(request)) is not None:
                self._cache.move_to_end(request)
                return cached
        try:
            answer = self._workers().run(request, timeout)
        except WorkerError as error:
            if error.kind == "SyntaxError":
                raise errors.BadRequest(
                    f"The query does not parse: {_short(error.message)}"
                ) from None
            raise RuntimeError(f"query failed: {error}") from None
        if self._cache_entries and len(answer.body) <= _CACHE_MAX_BYTES:
            with self._lock:
                self._cache[request] = answer
                if len(self._cache) > self._cache_entries:
                    self._cache.popitem(last=False)
        return answer

    def graph_names(self) -> frozenset[str]:
        return self._graphs

    def triple_count(self) -> int:
        return len(self._store)

    @property
    def version(self) -> str:
        return self._version

    def close(self) -> None:
        """Stop the worker processes (they also stop when this process ends)."""
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _workers(self) -> WorkerPool:
        with self._lock:
            if self._pool is None:
                self._pool = WorkerPool(
                    f"{__name__}:_load", f"{__name__}:_answer", self._nquads,
                    size=self._pool_size, memory_mb=self._memory_mb,
                )  # fmt: skip
            return self._pool


# Large answers are cheap to recompute relative to their size and would crowd out the rest.
_CACHE_MAX_BYTES = 256 * 1024


def _short(message: str, limit: int = 160) -> str:
    # The parser may list every character class it expected: keep the position and the start.
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _load(nquads: bytes) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def _dataset(default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]) -> dict:
    options = {}
    if default_graph_uris:
        options["default_graph"] = [pyoxigraph.NamedNode(u) for u in default_graph_uris]
    if named_graph_uris:
        options["named_graphs"] = [pyoxigraph.NamedNode(u) for u in named_graph_uris]
    return options


# --- inside a worker process (lodpub.guard.WorkerPool calls these) --------------------------

_TURTLE_PREFIXES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def _answer(store: pyoxigraph.Store, request: Request) -> Answer:
    """Run `request` on `store` and serialize at most `max_rows` solutions or triples."""
    result = _execute(store, request)
    if isinstance(result, pyoxigraph.QueryBoolean):
        fmt = by_name(request.results_format)
        body = result.serialize(format=_results_format(fmt))
        return Answer("boolean", fmt.name, body, 1, False)
    if isinstance(result, pyoxigraph.QuerySolutions):
        return _solutions(result, by_name(request.results_format), request.max_rows)
    fmt = by_name(request.graph_format)
    triples = list(itertools.islice(result, request.max_rows + 1))
    truncated = len(triples) > request.max_rows
    del triples[request.max_rows :]
    rdf_format = getattr(pyoxigraph.RdfFormat, fmt.oxigraph or "")
    prefixes = _TURTLE_PREFIXES if rdf_format in _PREFIXED else None
    body = pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes)
    return Answer("graph", fmt.name, body, len(triples), truncated)


_UNKNOWN_FUNCTION = re.compile(r"The custom function <([^>]*)> is not supported")


def _execute(store: pyoxigraph.Store, request: Request) -> QueryResult:
    # A call of an unknown extension function is an expression error (SPARQL 1.1 §17.6):
    # the value is unbound, the query still answers. pyoxigraph fails the whole query
    # instead, naming the function; it is run again with that function returning nothing.
    unknown: dict[pyoxigraph.NamedNode, Any] = {}
    while True:
        try:
            return store.query(
                request.sparql,
                base_iri=request.base_iri,
                custom_functions=unknown or None,
                **_dataset(request.default_graph_uris, request.named_graph_uris),
            )
        except RuntimeError as error:
            match = _UNKNOWN_FUNCTION.fullmatch(str(error))
            if match is None or len(unknown) >= _MAX_UNKNOWN_FUNCTIONS:
                raise
            unknown[pyoxigraph.NamedNode(match.group(1))] = _no_value


def _no_value(*_: Any) -> None:
    return None


_MAX_UNKNOWN_FUNCTIONS = 16


# Formats where declared prefixes make the output readable (N-Triples has none; JSON-LD and
# RDF/XML gain little and JSON-LD would grow a context of every prefix).
_PREFIXED = (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.TRIG)


class _Full(Exception):
    """Raised by _LineCap to stop the serializer once enough rows are written."""


class _LineCap:
    """A binary sink that stops the writer after `lines` lines."""

    def __init__(self, lines: int) -> None:
        self.left = lines
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.left -= data.count(b"\n")
        if self.left < 0:
            raise _Full
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here."""


def _solutions(result: pyoxigraph.QuerySolutions, fmt: Format, max_rows: int) -> Answer:
    # pyoxigraph writes solutions only all at once. TSV has exactly one line per solution
    # (newlines inside values are escaped), so the solutions are written as TSV first, which
    # counts them and stops a huge result early; the kept lines are then rewritten in the
    # format asked for. Costs ~50 µs for 30 rows (measured).
    sink = _LineCap(max_rows + 2)  # the header line, max_rows solutions, one more
    with suppress(_Full):
        result.serialize(sink, format=pyoxigraph.QueryResultsFormat.TSV)
    lines = b"".join(sink.chunks).split(b"\n")[:-1]
    rows = lines[1 : max_rows + 1]
    truncated = len(lines) - 1 > max_rows
    tsv = b"\n".join(lines[: max_rows + 1]) + b"\n"
    if fmt.name != "tsv":
        parsed = pyoxigraph.parse_query_results(tsv, format=pyoxigraph.QueryResultsFormat.TSV)
        tsv = parsed.serialize(format=_results_format(fmt))
    return Answer("solutions", fmt.name, tsv, len(rows), truncated)


def _results_format(fmt: Format) -> pyoxigraph.QueryResultsFormat:
    return getattr(pyoxigraph.QueryResultsFormat, fmt.oxigraph or "")


def _canonical_hash(data: Graph) -> str:
    """sha256 of the data as sorted N-Quads with blank nodes canonically relabelled (rdflib
    mints new blank node ids on every parse)."""
    graphs = data.graphs() if isinstance(data, Dataset) else [data]
    lines = []
    for graph in graphs:
        named = graph.identifier != DATASET_DEFAULT_GRAPH_ID and isinstance(data, Dataset)
        suffix = f" {graph.identifier.n3()}" if named else ""
        canonical = to_canonical_graph(graph)
        lines.extend(f"{s.n3()} {p.n3()} {o.n3()}{suffix} ." for s, p, o in canonical)
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()


# --- SHACL validation (lodpub.shacl runs its queries here) ------------------------------------

# This section keeps its own imports so that it stays one self-contained block.
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

from rdflib import BNode  # noqa: E402
from rdflib import Literal as RDFLiteral  # noqa: E402
from rdflib import URIRef  # noqa: E402
from rdflib.term import Node  # noqa: E402


class ValidationStore:
    """An Oxigraph store the shapes are checked on: SELECT queries over the union of all its
    graphs (the data and, in a graph of its own, the ontology), answered as rdflib terms.

    Blank nodes keep the labels of the N-Quads they were read from, so a finding names the
    same blank node as the rdflib graph that was serialized. Oxigraph writes language tags in
    lower case; they come back in their conventional case (`zh-Hans`, `en-GB`), the way the
    data writes them.
    """

    def __init__(self, nquads: bytes = b"", *, directory: Path | None = None) -> None:
        """In memory, or on disk in `directory` (for data larger than memory)."""
        self._store = pyoxigraph.Store(str(directory) if directory else None)
        self.add(nquads)

    @classmethod
    def wrapping(cls, store: pyoxigraph.Store) -> ValidationStore:
        """A view of a store built elsewhere in this module (`lodpub load`'s)."""
        view = cls.__new__(cls)
        view._store = store
        return view

    def add(self, nquads: bytes) -> None:
        """Add the quads of an N-Quads document (no base IRI: its IRIs are absolute)."""
        quads = pyoxigraph.parse(
            nquads, format=pyoxigraph.RdfFormat.N_QUADS, rename_blank_nodes=False
        )
        self._store.bulk_extend(quads)

    def add_file(self, path: Path) -> None:
        """Bulk-load an N-Triples (`.nt`) or N-Quads (`.nq`) file; its blank nodes get new
        labels."""
        self._store.bulk_load(path=str(path))

    def select(self, sparql: str) -> Iterator[dict[str, Node]]:
        """The solutions of a SELECT query, one dict (variable name → term, unbound variables
        left out) at a time. Raises SyntaxError when the query does not parse."""
        solutions = self._store.query(sparql, use_default_graph_as_union=True)
        names = [variable.value for variable in solutions.variables]
        for solution in solutions:
            row = {}
            for name, term in zip(names, solution, strict=True):
                if term is not None:
                    row[name] = _rdflib_term(term)
            yield row

    def __len__(self) -> int:
        return len(self._store)


def _rdflib_term(term: Any) -> Node:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return RDFLiteral(term.value, lang=_conventional_case(term.language))
    if term.datatype == _XSD_STRING:  # rdflib writes a plain literal without datatype
        return RDFLiteral(term.value)
    return RDFLiteral(term.value, datatype=URIRef(term.datatype.value))


_XSD_STRING = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def _conventional_case(tag: str) -> str:
    """BCP 47's conventional case: script subtags title case, region subtags upper case."""
    first, *rest = tag.split("-")
    subtags = [first]
    for subtag in rest:
        if len(subtag) == 4 and subtag.isalpha():
            subtag = subtag.title()
        elif len(subtag) == 2 and subtag.isalpha() or len(subtag) == 3 and subtag.isdigit():
            subtag = subtag.upper()
        subtags.append(subtag)
    return "-".join(subtags)

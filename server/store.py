"""The store behind one narrow interface: SPARQL in, rdflib terms or plain values out. No HTTP
here, and no pyoxigraph object leaves this module.

The ways in:
- `ask` / `select` / `construct` / `triples`: trusted queries written by lodpub itself (pages,
  descriptions, figures), run in this process, answered as a bool, rows of rdflib terms, an
  rdflib Graph or a plain list of triples; `serialize` writes such triples as a document.
- `answer`: a stranger's query (the SPARQL endpoint), run in a killable worker process with a
  time limit, a row limit and no network (lodpub.guard), answered already serialized.
- `dump`: the whole dataset written to a binary sink as the store streams it.
- `summaries`, `outgoing`, `neighbourhood`: the summary triples or all the triples of many
  nodes at once, and what lies around one IRI (its dependent nodes, its crowded properties),
  from tables a build precomputed.

Two kinds of store: `memory_store` parses the data files into memory (the workers get an
N-Quads copy), `disk_store` opens a directory written by a ValidationStore on disk read-only
(the workers open the same directory read-only), with the tables it wrote beside it
(`ValidationStore.write_tables`). The app builds one in create_app.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import closing
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from typing import Any
from typing import Literal as Kind

import pyoxigraph
from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from lodpub import errors
from lodpub.errors import UnreadableFile
from lodpub.formats import Format
from lodpub.formats import by_extension
from lodpub.formats import by_name
from lodpub.guard import WorkerError
from lodpub.guard import WorkerPool
from lodpub.labels import canonical_tag
from lodpub.vocab import Triple
from lodpub.vocab import bind_all
from lodpub.vocab import prefixes

QueryResult = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples
Row = dict[str, Node]


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

    kind: Kind["solutions", "boolean", "graph"]
    format: str
    body: bytes
    rows: int
    truncated: bool


@dataclass(frozen=True)
class Neighbourhood:
    """What a build precomputed about an IRI (Store.neighbourhood): the properties with more
    than a limit of links into it, with their counts; when there are none, its dependent
    nodes and the triples of it and of them, but for those of them (`asked`) whose triples
    name a blank node."""

    crowded: dict[URIRef, int]
    dependents: list[URIRef]
    triples: list[Triple]
    asked: list[URIRef]


def data_version(files: Iterable[Path], base_url: str) -> str:
    """sha256 of the files' bytes in order and the base URL: the same data served at the same
    base gives the same version on every start. Linear in the data's size (a canonical hash of
    the graph can take exponential time on blank nodes)."""
    digest = hashlib.sha256()
    for path in files:
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")
    digest.update(base_url.encode("utf-8"))
    return digest.hexdigest()


class Store:
    """An Oxigraph store (in memory or opened read-only from disk) and the workers that answer
    strangers' queries on the same data. Strangers' queries run in `workers` processes capped
    at `memory_mb` MiB of address space each (0: no cap); they start on the first `answer`.
    The last `cache_entries` answers (up to 256 KiB each) are kept."""

    def __init__(
        self,
        store: pyoxigraph.Store,
        version: str,
        worker_source: tuple[str, Any],
        *,
        workers: int = 2,
        memory_mb: int = 0,
        cache_entries: int = 0,
        tables: Path | None = None,
    ) -> None:
        self._handle = store
        self._tables = _BuildTables(tables) if tables and tables.is_file() else None
        self._opened_in = os.getpid()
        self._version = version
        self._worker_source = worker_source
        self._pool_size = workers
        self._memory_mb = memory_mb
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()
        # The data never changes while the store lives, so an answer stays right: the last
        # `cache_entries` answers are kept, by request (least recently used ones go first).
        self._cache: OrderedDict[Request, Answer] = OrderedDict()
        self._cache_entries = cache_entries

    @property
    def _store(self) -> pyoxigraph.Store:
        # `lodpub serve` forks its server processes from the process that opened the store.
        # An on-disk store (RocksDB) must not be used across a fork (its background threads
        # and file locks stay behind), so each process opens the directory for itself.
        kind, source = self._worker_source
        if kind == "_open" and self._opened_in != os.getpid():
            self._handle = _open(source)
            self._opened_in = os.getpid()
        return self._handle

    # --- trusted lookups --------------------------------------------------------------------

    def ask(self, sparql: str) -> bool:
        """The answer of a trusted ASK query. Raises SyntaxError when it does not parse."""
        return bool(self._store.query(sparql))

    def select(self, sparql: str) -> list[Row]:
        """The solutions of a trusted SELECT query, each a dict of the bound variables' values
        as rdflib terms. Raises SyntaxError when it does not parse."""
        solutions = self._store.query(sparql)
        names = [v.value for v in solutions.variables]
        return [
            {
                name: _TERMS[value]
                for name, value in zip(names, solution, strict=True)
                if value is not None
            }
            for solution in solutions
        ]

    def construct(self, sparql: str) -> Graph:
        """The triples of a trusted CONSTRUCT or DESCRIBE query as an rdflib Graph with
        lodpub's prefixes bound. Raises ValueError for other query forms."""
        graph = bind_all(Graph(bind_namespaces="none"))
        for triple in self.triples(sparql):
            graph.add(triple)
        return graph

    def triples(self, sparql: str) -> list[Triple]:
        """The triples of a trusted CONSTRUCT or DESCRIBE query, each once, in the order the
        store gives them, as rdflib terms: for a reader that indexes them itself, at a
        fraction of the cost of an rdflib Graph. Raises ValueError for other query forms."""
        result = self._store.query(sparql)
        if not isinstance(result, pyoxigraph.QueryTriples):
            raise ValueError("triples() needs a CONSTRUCT or DESCRIBE query")
        unique = dict.fromkeys(result)
        terms = _TERMS
        return [(terms[t.subject], terms[t.predicate], terms[t.object]) for t in unique]

    def summaries(
        self, nodes: Sequence[URIRef], properties: Sequence[URIRef]
    ) -> tuple[list[Triple], list[URIRef]]:
        """The triples of `properties` about each of `nodes` (IRIs) in the default graph that
        a build precomputed (ValidationStore.write_tables), each once, and the nodes it did
        not precompute, for the caller to ask with a query: all of them when this store has
        no such table (a store in memory, a build by another version of lodpub), else those
        whose summaries name a blank node (or an RDF 1.2 term, _json_triple). On disk,
        RocksDB looks up every term of a query's answer (some 3 µs each): the article's
        summary, 449 triples, took 9 ms as a query there (2.6 ms in memory) and takes 1.7 ms
        from the table."""
        table = self._tables
        if table is None or table.properties != tuple(map(str, properties)):
            return [], list(nodes)
        return _precomputed(nodes, table.summaries)

    def outgoing(self, nodes: Sequence[URIRef]) -> tuple[list[Triple], list[URIRef]]:
        """Every triple in the default graph whose subject is one of `nodes` (IRIs), each once,
        that a build precomputed (ValidationStore.write_tables), and the nodes it did not, for
        the caller to ask with a query: all of them without such tables (as `summaries`),
        else those whose triples name a blank node. Cheaper than a query on disk for the same
        reason as `summaries`."""
        table = self._tables
        if table is None or table.recipe is None:
            return [], list(nodes)
        return _precomputed(nodes, table.outgoing)

    def neighbourhood(
        self, node: URIRef, classes: Sequence[URIRef], limit: int
    ) -> Neighbourhood | None:
        """What a build precomputed (ValidationStore.write_tables) about the IRI `node` and
        what lies around it: the properties with more than `limit` links into it and, when
        there are none, its dependent nodes (the instances of `classes` linked to or from
        it) and the triples of it and of them (as `outgoing`). None when this store has no
        such tables, or tables for other `classes` or `limit`, or a dependent node is a
        blank node: the caller asks with queries."""
        table = self._tables
        if table is None or table.recipe != (tuple(map(str, classes)), limit):
            return None
        crowded, dependents, rows = table.neighbourhood(str(node))
        if dependents is None:
            return None
        terms = _TERMS
        asked: list[URIRef] = []
        return Neighbourhood(
            {terms[(_IRI, prop, None)]: count for prop, count in crowded},
            [terms[(_IRI, d, None)] for d in dependents],
            _decoded(rows, asked),
            asked,
        )

    def serialize(
        self, triples: Iterable[Triple], fmt: Format, prefixes: Mapping[str, str]
    ) -> bytes:
        """`triples` written in the RDF format `fmt` by the store's own writer (an rdflib
        writer takes fifty times as long), with `prefixes` (vocab.prefixes) declared where
        the format has them and language tags in BCP 47 casing, as `dump` writes them.

        The triples are written sorted by their N-Triples text (subject, then predicate,
        then object), not in the order given: the order a store answers in follows its query
        plan, and differs between a store in memory and one on disk. So a document is the
        same bytes from either, and Turtle gives each subject one block. Blank nodes sort by
        their labels, which each store makes up as it loads the data."""
        rdf_format = getattr(pyoxigraph.RdfFormat, fmt.oxigraph or "")
        declared = dict(prefixes) if rdf_format in _PREFIXED else None
        converted = sorted(
            (pyoxigraph.Triple(*map(_oxigraph_term, triple)) for triple in triples), key=str
        )
        sink = io.BytesIO()
        with _Recased(sink, _LANGUAGE_TAGS[fmt.name]) as recased:
            pyoxigraph.serialize(converted, recased, rdf_format, prefixes=declared)
        return sink.getvalue()

    def dump(self, fmt: Format, sink: IO[bytes]) -> None:
        """Write the whole dataset to `sink` in `fmt` as the store streams it: named graphs
        kept by formats that have them (TriG, N-Quads, JSON-LD), all graphs merged for the
        others. Language tags are written in BCP 47 casing, as the data files write them."""
        rdf_format = getattr(pyoxigraph.RdfFormat, fmt.oxigraph or "")
        declared = _TURTLE_PREFIXES if rdf_format in _PREFIXED else None
        with _Recased(sink, _LANGUAGE_TAGS[fmt.name]) as recased:
            if fmt.quads:
                self._store.dump(recased, rdf_format, prefixes=declared)
                return
            quads = self._store.quads_for_pattern(None, None, None, None)
            triples = (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads)
            pyoxigraph.serialize(triples, recased, rdf_format, prefixes=declared)

    # --- strangers' queries -----------------------------------------------------------------

    def answer(self, request: Request, *, timeout: float) -> Answer:
        """Run a stranger's query within `timeout` seconds (waiting included).

        Raises errors.BadRequest for a query that does not parse (with the parser's message
        and position), errors.ServiceUnavailable when the time or memory ran out or every
        worker stayed busy, RuntimeError when the engine failed otherwise.
        """
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

    # --- about the data ---------------------------------------------------------------------

    def has_graph(self, iri: str) -> bool:
        """Whether the data has a named graph `iri`: one indexed lookup (an archive with
        provenance has a graph per entity, millions, which no process keeps a list of)."""
        try:
            return self._store.contains_named_graph(pyoxigraph.NamedNode(iri))
        except ValueError:  # not an IRI
            return False

    def triple_count(self) -> int:
        """Number of triples in all graphs (quads)."""
        return len(self._store)

    @property
    def version(self) -> str:
        """The data's version (data_version of the files it was loaded from), for ETags."""
        return self._version

    def close(self) -> None:
        """Stop the worker processes (they also stop when this process ends)."""
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _workers(self) -> WorkerPool:
        setup, payload = self._worker_source
        with self._lock:
            if self._pool is None:
                self._pool = WorkerPool(
                    f"{__name__}:{setup}", f"{__name__}:_answer", payload,
                    size=self._pool_size, memory_mb=self._memory_mb,
                )  # fmt: skip
            return self._pool


def memory_store(files: Sequence[Path], base_url: str, **limits: int) -> Store:
    """The data `files` parsed into memory (relative IRIs against `base_url`); the workers get
    an N-Quads copy. `limits`: Store's workers, memory_mb, cache_entries. Raises
    UnreadableFile."""
    store = pyoxigraph.Store()
    for path in files:
        _load_file(store, path, base_url)
    nquads = store.dump(format=pyoxigraph.RdfFormat.N_QUADS)
    return Store(store, data_version(files, base_url), ("_load", nquads), **limits)


def disk_store(directory: Path, version: str, tables: Path | None = None, **limits: int) -> Store:
    """The store a ValidationStore wrote at `directory` (`lodpub load`), opened read-only here
    and in every worker, with the tables it wrote at `tables` (when that file exists)."""
    store = pyoxigraph.Store.read_only(str(directory))
    return Store(store, version, ("_open", str(directory)), tables=tables, **limits)


def _load_file(
    store: pyoxigraph.Store, path: Path, base_url: str, *, bulk: bool = False, progress=None
) -> None:
    fmt = by_extension(path.suffix)
    rdf_format = getattr(pyoxigraph.RdfFormat, fmt.oxigraph or "") if fmt else None
    if rdf_format is None:
        raise UnreadableFile(path, "unknown RDF file extension")
    try:
        with open(path, "rb") as stream:
            source = _Progress(stream, progress) if progress else stream
            if bulk:
                store.bulk_load(source, rdf_format, base_iri=base_url)
            else:
                store.load(source, rdf_format, base_iri=base_url)
    except FileNotFoundError:
        raise UnreadableFile(path, "no such file") from None
    except SyntaxError as error:
        reason = str(error.msg) if error.msg else str(error)
        reason = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", reason)
        raise UnreadableFile(path, f"{fmt.label} syntax error: {reason}", error.lineno) from None


# Where each serialization writes a language tag. Oxigraph keeps tags in lower case (RDF
# compares them case-insensitively); the dumps give them the casing the data files and the
# documents use (`zh-Hans`). In RDF/XML and JSON-LD a quote inside a value is always escaped;
# in the others a quote is a closing one when an even number of backslashes precedes it
# (_Recased checks: a pattern that looked back for them would be tried at every byte, twenty
# times slower than one that starts with the quote).
_AFTER_STRING = rb'"@([A-Za-z0-9-]{1,64})'
_LANGUAGE_TAGS = {
    **dict.fromkeys(("turtle", "ntriples", "nquads", "trig"), _AFTER_STRING),
    "rdfxml": rb'xml:lang="([A-Za-z0-9-]{1,64})"',
    "jsonld": rb'"@language":\s*"([A-Za-z0-9-]{1,64})"',
}
# Longer than any match: what is held back until the next write, in case a tag is cut.
_RECASE_OVERLAP = 128


class _Recased:
    """A binary sink that writes language tags (matched by `pattern`, group 1) in BCP 47
    casing. Casing keeps lengths, so the last _RECASE_OVERLAP bytes are held back and
    matched again with what follows."""

    def __init__(self, sink: IO[bytes], pattern: bytes) -> None:
        self._sink = sink
        self._pattern = re.compile(pattern)
        self._held = b""

    def __enter__(self) -> _Recased:
        return self

    def __exit__(self, *_: object) -> None:
        self._sink.write(self._recase(self._held))
        self._held = b""

    def write(self, data: bytes) -> int:
        text = self._recase(self._held + bytes(data))
        self._sink.write(text[:-_RECASE_OVERLAP])
        self._held = text[-_RECASE_OVERLAP:]
        return len(data)

    def flush(self) -> None:
        """Held bytes wait for what follows them."""

    def _recase(self, text: bytes) -> bytes:
        def cased(match: re.Match[bytes]) -> bytes:
            whole, offset = match.group(0), match.start(0)
            backslash = offset
            while backslash > 0 and text[backslash - 1] == ord("\\"):
                backslash -= 1
            if (offset - backslash) % 2:  # an escaped quote: inside a string
                return whole
            start, end = match.start(1) - offset, match.end(1) - offset
            tag = canonical_tag(match.group(1).decode("ascii")) or ""
            return whole[:start] + tag.encode("ascii") + whole[end:]

        return self._pattern.sub(cased, text)


class _Progress:
    """A binary reader that reports how many bytes were read."""

    def __init__(self, stream: IO[bytes], report) -> None:
        self._stream = stream
        self._report = report

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._report(len(data))
        return data

    def readinto(self, buffer) -> int:
        count = self._stream.readinto(buffer)
        self._report(count or 0)
        return count


class _Terms(dict):
    """pyoxigraph terms (or their _term_parts) and the rdflib terms made of them. Descriptions
    name the same terms again and again (properties, classes, the works of a reference list),
    and making an rdflib term costs microseconds: each is made once, when first looked up. A
    dict lookup costs a third of a functools.lru_cache hit (0.2 ms less for the article's
    description); emptied when it holds _MAX_TERMS, it stays bounded."""

    def __missing__(self, value: Any) -> Node:
        if len(self) >= _MAX_TERMS:
            self.clear()
        made = self[value] = _made_term(value)
        return made


_MAX_TERMS = 1 << 16
_TERMS = _Terms()


def _made_term(value: Any) -> Node:
    """A pyoxigraph term, or its _term_parts, as an rdflib term."""
    kind, text, detail = value if isinstance(value, tuple) else _term_parts(value)
    if kind == _IRI:
        return URIRef(text)
    if kind == _BLANK:
        return BNode(text)
    if kind == _TAGGED:
        # Oxigraph lower-cases tags; the data writes them in BCP 47 case (`zh-Hans`).
        return Literal(text, lang=canonical_tag(detail))
    return Literal(text, datatype=None if detail == _XSD_STRING else detail)


def _term_parts(value: Any) -> tuple[int, str, str | None]:
    """A pyoxigraph term as plain values: its kind, its text, and a literal's language tag or
    datatype."""
    if isinstance(value, pyoxigraph.NamedNode):
        return _IRI, value.value, None
    if isinstance(value, pyoxigraph.BlankNode):
        return _BLANK, value.value, None
    if isinstance(value, pyoxigraph.Literal):
        if value.language:
            return _TAGGED, value.value, value.language
        return _TYPED, value.value, value.datatype.value
    raise ValueError(f"not a term lodpub uses: {value!r}")


_IRI, _BLANK, _TAGGED, _TYPED = range(4)


def _oxigraph_term(node: Node) -> Any:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(node, URIRef):
        return pyoxigraph.NamedNode(node)
    if isinstance(node, BNode):
        return pyoxigraph.BlankNode(node)
    if isinstance(node, Literal):
        if node.language:
            return pyoxigraph.Literal(node, language=node.language)
        datatype = pyoxigraph.NamedNode(node.datatype) if node.datatype is not None else None
        return pyoxigraph.Literal(node, datatype=datatype)
    raise ValueError(f"not a term lodpub uses: {node!r}")


_XSD_STRING = str(XSD.string)


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


def _open(directory: str) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(directory)


def _dataset(default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]) -> dict:
    options = {}
    if default_graph_uris:
        options["default_graph"] = [pyoxigraph.NamedNode(u) for u in default_graph_uris]
    if named_graph_uris:
        options["named_graphs"] = [pyoxigraph.NamedNode(u) for u in named_graph_uris]
    return options


# --- inside a worker process (lodpub.guard.WorkerPool calls these) --------------------------

_TURTLE_PREFIXES = prefixes()


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
    declared = _TURTLE_PREFIXES if rdf_format in _PREFIXED else None
    body = pyoxigraph.serialize(triples, format=rdf_format, prefixes=declared)
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


# --- the tables a build precomputes ------------------------------------------------------------

# The tables' shape and the rules they were written by, for a server to know them: a build
# whose tables say another (or nothing: an older lodpub) is read for its summaries only,
# whose shape has not changed. Changed with what write_tables writes.
TABLES_FORMAT = "2"


def _precomputed(
    nodes: Sequence[URIRef], read: Callable[[list[str]], list[tuple[str, str | None]]]
) -> tuple[list[Triple], list[URIRef]]:
    """The triples of the table rows `read` gives for the IRIs among `nodes`, and the nodes
    left to a query: those that are not IRIs (as the query has them) and those whose rows
    are NULL."""
    asked = [node for node in nodes if not isinstance(node, URIRef)]
    found = _decoded(read([str(n) for n in nodes if isinstance(n, URIRef)]), asked)
    return found, asked


def _decoded(rows: list[tuple[str, str | None]], asked: list[URIRef]) -> list[Triple]:
    """The triples of the table rows (node, JSON of [[property, *term parts], …]) as rdflib
    terms; a node with a NULL row (its triples name a blank node) is added to `asked`
    instead, whatever its other rows hold."""
    terms = _TERMS
    left = {node for node, encoded in rows if encoded is None}
    asked += (terms[(_IRI, node, None)] for node in sorted(left))
    found: list[Triple] = []
    for node, encoded in rows:
        if encoded is None or node in left:
            continue
        subject = terms[(_IRI, node, None)]
        # One comprehension, each term's parts unpacked by name: 0.4 ms less for the 974
        # triples of the article's nodes than a loop that made a tuple of `*term`.
        found += [
            (subject, terms[(_IRI, prop, None)], terms[(kind, text, detail)])
            for prop, kind, text, detail in json.loads(encoded)
        ]
    return found


class _BuildTables:
    """A SQLite file of a build's tables (ValidationStore.write_tables), read-only through
    one connection per process, which the threads take in turn under the process's lock (a
    read takes some 0.3 ms); neither crosses a fork. A build by an older lodpub has the
    summaries only, and tables of another TABLES_FORMAT are not read beyond them (`recipe`
    is None)."""

    def __init__(self, path: Path) -> None:
        # immutable: the file never changes once built, so SQLite takes no locks on it.
        self._uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        self._opened: tuple[int, sqlite3.Connection, threading.Lock] | None = None
        with closing(sqlite3.connect(self._uri, uri=True)) as connection:
            rows = connection.execute("SELECT iri FROM properties ORDER BY position")
            self.properties = tuple(iri for (iri,) in rows)
            tables = {name for (name,) in connection.execute(_TABLE_NAMES)}
            recipe = dict(connection.execute("SELECT * FROM recipe")) if "recipe" in tables else {}
        # What the neighbourhoods were written for: the dependent classes and the limit.
        self.recipe = (
            (tuple(json.loads(recipe["classes"])), int(recipe["limit"]))
            if recipe.get("format") == TABLES_FORMAT
            else None
        )

    def summaries(self, nodes: Sequence[str]) -> list[tuple[str, str | None]]:
        """Each of `nodes` that has a summary, with it (a JSON list of [property, *term
        parts]; None for one left to the store, _json_triple)."""
        return self._rows(_SUMMARY_ROWS, nodes)

    def outgoing(self, nodes: Sequence[str]) -> list[tuple[str, str | None]]:
        """The rows of `nodes` in `summary` and `others` (a node may have one in each)."""
        return self._rows(_OUTGOING_ROWS, nodes)

    def _rows(self, sql: str, nodes: Sequence[str]) -> list[tuple[str, str | None]]:
        # The IRIs go in as one JSON parameter: a list of placeholders has a limit.
        connection, lock = self._session()
        with lock:
            return connection.execute(sql, (json.dumps(nodes),)).fetchall()

    def neighbourhood(
        self, node: str
    ) -> tuple[list[tuple[str, int]], list[str] | None, list[tuple[str, str | None]]]:
        """The crowded properties of `node` with their counts and, when it has none, its
        dependent nodes (None when one is a blank node) and the rows in `summary` and
        `others` of it and of them."""
        connection, lock = self._session()
        with lock:
            crowded = connection.execute(_CROWDED_ROWS, (node,)).fetchall()
            if crowded:
                return crowded, [], []
            (listed,) = connection.execute(_DEPENDENTS, (node,)).fetchone() or ("[]",)
            if listed is None:  # one is a blank node
                return crowded, None, []
            dependents = json.loads(listed)
            nodes = json.dumps([node, *dependents])
            return crowded, dependents, connection.execute(_OUTGOING_ROWS, (nodes,)).fetchall()

    def _session(self) -> tuple[sqlite3.Connection, threading.Lock]:
        """This process's connection and lock: a forked process opens its own (a connection
        must not cross a fork, and a lock held by another thread at the fork would stay held
        in the child for ever)."""
        opened = self._opened
        if opened is None or opened[0] != os.getpid():
            connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            opened = self._opened = (os.getpid(), connection, threading.Lock())
        return opened[1], opened[2]


_TABLE_NAMES = "SELECT name FROM sqlite_master WHERE type = 'table'"
_SUMMARY_ROWS = "SELECT node, terms FROM summary WHERE node IN (SELECT value FROM json_each(?))"
_OUTGOING_ROWS = """
    SELECT node, terms FROM summary WHERE node IN (SELECT value FROM json_each(?1)) UNION ALL
    SELECT node, terms FROM others WHERE node IN (SELECT value FROM json_each(?1))"""
_CROWDED_ROWS = "SELECT property, links FROM crowded WHERE node = ?"
_DEPENDENTS = "SELECT dependents FROM dependents WHERE node = ?"
_N_TRIPLES = pyoxigraph.RdfFormat.N_TRIPLES
_TSV = pyoxigraph.QueryResultsFormat.TSV


def _crowded_query(limit: int) -> str:
    """The properties with more than `limit` links into an IRI, with the links' count."""
    return f"""SELECT ?o ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?o)) }}
GROUP BY ?o ?p HAVING (COUNT(*) > {int(limit)})"""


def _dependents_query(classes: Sequence[URIRef]) -> str:
    """Each IRI with dependent nodes and those nodes: the instances of `classes` linked to it
    or from it (in the default graph, as lodpub.describe finds them for one IRI), as one
    string of IRIs (a blank node as _BLANK_DEPENDENT). Gathered by Oxigraph: by SQLite from a
    row per link, they took 1 s longer at 1,000 articles (4.4 s instead of 3.4)."""
    listed = ", ".join(f"<{c}>" for c in classes)
    return f"""SELECT ?node
  (GROUP_CONCAT(DISTINCT IF(isIRI(?dependent), STR(?dependent), "{_BLANK_DEPENDENT}"))
   AS ?dependents)
WHERE {{
  ?dependent a ?class FILTER(?class IN ({listed}))
  {{ ?node ?link ?dependent }} UNION {{ ?dependent ?link ?node }}
  FILTER(isIRI(?node))
}} GROUP BY ?node"""


_BLANK_DEPENDENT = "_:"


class _Lines:
    """A binary sink for text written one item a line (N-Triples, TSV) that hands `_take`
    the whole lines as they come, and holds the last one back until it is whole."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._tail = b""

    def write(self, data: bytes) -> int:
        block = self._tail + bytes(data)
        end = block.rfind(b"\n") + 1
        self._tail = block[end:]
        self._take(block[:end].decode("utf-8").split("\n")[:-1])
        return len(data)

    def flush(self) -> None:
        """Only whole lines are read."""

    def finish(self) -> None:
        """Check that the text ended with a whole line."""
        if self._tail:
            raise ValueError(f"text ending inside a line: {self._tail[:80]!r}")

    def _take(self, lines: list[str]) -> None:
        raise NotImplementedError


class _SubjectRows(_Lines):
    """The N-Triples of a graph (one triple a line, `<s> <p> object .`) written as the
    triples of each IRI subject into the tables `summary` (those of `properties`) and
    `others` (the rest): one row per subject met together, its triples as JSON of
    [[property, *term parts], …], NULL when one is left to the store (_json_triple).
    Oxigraph's store in memory writes each subject's triples together, but does not
    promise it: see _index_tables."""

    def __init__(self, properties: Iterable[URIRef], connection: sqlite3.Connection) -> None:
        super().__init__(connection)
        self._properties = {f"<{p}>": (json.dumps(str(p)), True) for p in properties}
        self._subject = ""
        self._summary: list[str | None] = []
        self._others: list[str | None] = []
        self._rows: dict[str, list[tuple[str, str | None]]] = {"summary": [], "others": []}

    def finish(self) -> None:
        """Write the last subject's rows (the N-Triples end with a whole line)."""
        super().finish()
        self._subject_done()
        self._write_rows()

    def _take(self, lines: list[str]) -> None:
        properties = self._properties
        for line in lines:
            subject, prop, rest = line.split(" ", 2)
            if subject[0] != "<":
                continue
            if subject != self._subject:
                self._subject_done()
                self._subject = subject
            known = properties.get(prop)
            if known is None:
                known = properties[prop] = (json.dumps(prop[1:-1]), False)
            json_property, summarised = known
            terms = self._summary if summarised else self._others
            terms.append(_json_triple(json_property, rest[:-2]))  # without " ."
        self._write_rows()

    def _subject_done(self) -> None:
        node = self._subject[1:-1]
        for table, terms in (("summary", self._summary), ("others", self._others)):
            if terms:
                joined = None if None in terms else f"[{','.join(terms)}]"  # type: ignore[arg-type]
                self._rows[table].append((node, joined))
                terms.clear()

    def _write_rows(self) -> None:
        for table, rows in self._rows.items():
            self._connection.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)
            rows.clear()


class _DependentRows(_Lines):
    """The TSV solutions (?node ?dependents) of _dependents_query written into the table
    `dependents`: each node's dependent nodes as a JSON list, NULL if one is a blank node."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        super().__init__(connection)
        self._header = True

    def _take(self, lines: list[str]) -> None:
        if self._header and lines:
            self._header, lines = False, lines[1:]
        rows = []
        for line in lines:
            node, listed = line.split("\t")
            # A string of IRIs, each without a space, quote or backslash (RFC 3987), so
            # written as they are.
            dependents = listed[1:-1].split(" ")
            rows.append(
                (node[1:-1], None if _BLANK_DEPENDENT in dependents else json.dumps(dependents))
            )
        self._connection.executemany("INSERT INTO dependents VALUES (?, ?)", rows)


def _json_triple(prop: str, term: str) -> str | None:
    """[property, *term parts] as JSON, from the property as a JSON string and the term as
    N-Triples; None for a term left to the store: a blank node, and what RDF 1.2 adds (a
    triple term, a language tag with a direction), which the store's terms say otherwise."""
    if term[0] == "_" or term.startswith("<<"):
        return None
    if term[0] == "<":
        return f'[{prop},{_IRI},"{term[1:-1]}",null]'
    end = term.rindex('"') + 1  # a language tag or datatype IRI has no quote
    quoted, suffix = term[:end], term[end:]
    if suffix.startswith("@"):
        return None if "--" in suffix else f'[{prop},{_TAGGED},{quoted},"{suffix[1:]}"]'
    return f'[{prop},{_TYPED},{quoted},"{suffix[3:-1] if suffix else _XSD_STRING}"]'


_TABLES = """
    CREATE TABLE properties (position INTEGER PRIMARY KEY, iri TEXT NOT NULL);
    CREATE TABLE summary (node TEXT NOT NULL, terms TEXT);
    CREATE TABLE others (node TEXT NOT NULL, terms TEXT);
    CREATE TABLE dependents (node TEXT NOT NULL, dependents TEXT);
    CREATE TABLE crowded (node TEXT NOT NULL, property TEXT NOT NULL, links INTEGER NOT NULL);
    CREATE TABLE recipe (name TEXT PRIMARY KEY, value TEXT NOT NULL);"""


def _index_tables(connection: sqlite3.Connection) -> None:
    """Index the tables by node, once their rows are written (inserting them in the dump's
    order into an index took twice as long). A subject with several rows in `summary` or
    `others`, whose triples came apart, first has them joined in one (NULL if one of them
    is)."""
    for table in ("summary", "others"):
        try:
            connection.execute(f"CREATE UNIQUE INDEX {table}_node ON {table} (node)")
        except sqlite3.IntegrityError:
            connection.executescript(f"""
                CREATE TABLE joined AS SELECT node, CASE WHEN count(terms) < count(*) THEN NULL
                    ELSE '[' || group_concat(substr(terms, 2, length(terms) - 2)) || ']' END
                    AS terms FROM {table} GROUP BY node;
                DROP TABLE {table};
                ALTER TABLE joined RENAME TO {table};
                CREATE UNIQUE INDEX {table}_node ON {table} (node);""")
    connection.executescript("""
        CREATE UNIQUE INDEX dependents_node ON dependents (node);
        CREATE INDEX crowded_node ON crowded (node);""")


# --- SHACL validation (lodpub.shacl runs its queries here) ------------------------------------


class ValidationStore:
    """An Oxigraph store the shapes are checked on: SELECT queries over the union of all its
    graphs (the data and, in a graph of its own, the ontology), answered as rdflib terms.

    Blank nodes keep the labels of the N-Quads they were read from, so a finding names the
    same blank node as the rdflib graph that was serialized.
    """

    def __init__(self, nquads: bytes = b"", *, directory: Path | None = None) -> None:
        """In memory, or on disk in `directory` (some five times slower to check, see
        lodpub.loader)."""
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

    def load_files(self, files: Sequence[Path], base_url: str, progress=None) -> None:
        """Bulk-load data `files` of any RDF format (relative IRIs against `base_url`), as
        `lodpub load` builds a store; their blank nodes get new labels. `progress(n)` is
        called with the bytes read as loading goes. Raises UnreadableFile."""
        for path in files:
            _load_file(self._store, path, base_url, bulk=True, progress=progress)

    def remove_graph(self, name: URIRef) -> None:
        """Remove the named graph `name` and its triples (the ontology, once checked)."""
        self._store.remove_graph(pyoxigraph.NamedNode(str(name)))

    def finish(self) -> None:
        """Write everything to disk and compact it, for `disk_store` to open read-only."""
        self._store.flush()
        self._store.optimize()

    def write_tables(
        self, properties: Sequence[URIRef], classes: Sequence[URIRef], limit: int, path: Path
    ) -> None:
        """Write into a new SQLite file at `path` what a Store opened on the same data reads
        instead of asking its store on disk (Store.summaries, Store.outgoing,
        Store.neighbourhood): the triples in the default graph whose subject is an IRI, one
        row per subject, those of `properties` (its summary) and the others apart; each IRI's
        dependent nodes (the instances of `classes` linked to or from it); and the properties
        with more than `limit` links into an IRI, with their counts.

        A subject's triples are one JSON list of [property, *term parts] (_term_parts):
        Python reads JSON in C (N-Triples parsed by Oxigraph took twice as long). They are
        made from the store's N-Triples dump, as text: a quoted string as Oxigraph writes it
        is a JSON string too (the same escapes; every other control character as \\u00XX),
        so a triple becomes JSON without its terms being made in Python, and the dump lists
        each subject's triples together, so nothing is sorted or held (1,000 articles: 7 s
        for the summaries; from pyoxigraph's terms on the store on disk, 32 s). The
        dependent nodes come as TSV from one query. A blank node has a label of its own in
        each store that reads the files (lodpub.loader writes the tables from its store in
        memory, and serves the one on disk): a subject whose triples name one gets no
        triples here (NULL), nor a dependent node that is one, and the Store leaves them to
        a query."""
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            # The build is thrown away whole if anything fails (lodpub.loader): no journal.
            connection.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            connection.executescript(_TABLES)
            connection.executemany(
                "INSERT INTO properties (iri) VALUES (?)", [(str(p),) for p in properties]
            )
            recipe = {
                "format": TABLES_FORMAT,
                "classes": json.dumps([str(c) for c in classes]),
                "limit": str(limit),
            }
            connection.executemany("INSERT INTO recipe VALUES (?, ?)", recipe.items())
            connection.execute("BEGIN")
            rows = _SubjectRows(properties, connection)
            self._store.dump(rows, _N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
            rows.finish()
            dependents = _DependentRows(connection)
            self._store.query(_dependents_query(classes)).serialize(dependents, _TSV)
            dependents.finish()
            crowded = self._store.query(_crowded_query(limit))
            connection.executemany(
                "INSERT INTO crowded VALUES (?, ?, ?)",
                ((row["o"].value, row["p"].value, int(row["n"].value)) for row in crowded),
            )
            connection.execute("COMMIT")
            _index_tables(connection)
        finally:
            connection.close()

    def lookups(self) -> Store:
        """This store's data behind Store's trusted lookups (no workers), for counting it."""
        return Store(self._store, "", ("_load", b""), workers=0)

    def select(self, sparql: str) -> Iterator[dict[str, Node]]:
        """The solutions of a SELECT query, one dict (variable name → term, unbound variables
        left out) at a time. Raises SyntaxError when the query does not parse."""
        solutions = self._store.query(sparql, use_default_graph_as_union=True)
        names = [variable.value for variable in solutions.variables]
        for solution in solutions:
            row = {}
            for name, term in zip(names, solution, strict=True):
                if term is not None:
                    row[name] = _TERMS[term]
            yield row

    def __len__(self) -> int:
        return len(self._store)

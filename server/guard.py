"""What a stranger's query must pass before it runs, and the time-limited runner it runs in.

Two layers keep the endpoint from reaching any host:

1. `check_query` refuses, before anything runs, a query text that is too large (413), an
   update (400), any use of SERVICE (400) and dataset IRIs (FROM, FROM NAMED,
   default-graph-uri, named-graph-uri) that could only mean a file or a non-web resource (400).
   The check is lexical: it strips strings, IRIs, comments and variables the way the SPARQL
   grammar does, then looks for the keyword. Oxigraph's parser needs no space around keywords
   (`SERVICESILENT<…>` and `SERVICE:x` both call a service), so any "service" that is not
   inside a variable or the local part of a prefixed name is refused.
2. `WorkerPool` runs queries in separate processes that have no network at all (a new network
   namespace, where the kernel allows one) and a memory cap; a query that overruns its time is
   killed with its process, which is replaced in the background. pyoxigraph cannot cancel a
   query, so a process is the smallest thing that can be stopped.

Oxigraph itself never dereferences FROM IRIs: they name graphs of the loaded dataset, and an
unknown name is an empty graph. Updates cannot run at all: queries go to `Store.query`, which
parses queries only.
"""

from __future__ import annotations

import ctypes
import importlib
import math
import os
import queue
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urljoin
from urllib.parse import urlsplit

from lodpub import errors
from lodpub.logs import limited
from lodpub.urls import is_iri

log = limited(__name__)

# SPARQL 1.1 grammar, §19.8: the characters of names, variables and prefixed names.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_VAR_CHARS = _PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040"
_ECHAR = r"""\\(?:[tbnrf\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
_TOKEN = re.compile(
    rf"""
    (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|{_ECHAR}|"(?!""))*\"\"\"
             | '''(?:[^'\\]|{_ECHAR}|'(?!''))*'''
             | "(?:[^"\\\n\r]|{_ECHAR})*"
             | '(?:[^'\\\n\r]|{_ECHAR})*')
  | (?P<comment>\#[^\n\r]*)
  | (?P<var>[?$][{_VAR_CHARS}]+)
  | (?P<word>(?:[{_VAR_CHARS}\-.:]|%[0-9A-Fa-f]{{2}}|\\[_~.\-!$&'()*+,;=/?\#@%])+)
  | (?P<other>\S)
    """,
    re.VERBOSE,
)
# Words an update request starts with (after its prologue); no query starts with one.
_UPDATE_WORDS = ("insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add",
                 "with")  # fmt: skip
_FORMS = ("select", "ask", "construct", "describe")
_WEB_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokens(sparql: str) -> Iterator[Token]:
    """The query's tokens, coarsely: IRIs, strings, comments, variables, words (keywords,
    prefixed names, numbers) and single other characters. Whitespace is dropped."""
    for match in _TOKEN.finditer(sparql):
        yield Token(match.lastgroup or "other", match.group())


def query_form(sparql: str) -> str:
    """ "select", "ask", "construct" or "describe" for a query, the first keyword ("insert",
    "load", …) for an update, "" when there is none. Reads only up to that keyword."""
    for tok in tokens(sparql):
        word = tok.text.lower() if tok.kind == "word" else ""
        if not word or word in ("prefix", "base") or word.endswith(":"):
            continue
        # Oxigraph needs no space after a keyword: CONSTRUCTWHERE{…} is CONSTRUCT WHERE.
        return next((k for k in (*_FORMS, *_UPDATE_WORDS) if word.startswith(k)), word)
    return ""


def check_query(
    sparql: str,
    *,
    max_bytes: int,
    base_iri: str,
    has_graph: Callable[[str], bool] = lambda _iri: False,
    form: str | None = None,
) -> None:
    """Refuse what must not run. `has_graph(iri)` says whether the loaded data has a named
    graph `iri`; `form` is
    `query_form(sparql)` when the caller has it already (reading it again costs ~60 µs).

    Raises errors.PayloadTooLarge when the query's UTF-8 text is longer than `max_bytes`;
    errors.BadRequest for an update, for SERVICE, and for FROM / FROM NAMED IRIs that
    `check_graph_iris` refuses.
    """
    size = len(sparql.encode("utf-8"))
    if size > max_bytes:
        raise errors.PayloadTooLarge(
            f"The query is {size} bytes long; this endpoint accepts at most {max_bytes} "
            "bytes (MAX_QUERY_BYTES). Shorten it."
        )
    if form is None:
        form = query_form(sparql)
    if form in _UPDATE_WORDS:
        raise errors.BadRequest(
            f"This is a SPARQL Update request ({form.upper()}); this endpoint is read-only "
            "and answers queries only (SELECT, ASK, CONSTRUCT, DESCRIBE)."
        )
    lowered = sparql.lower()
    # Most queries hold neither word anywhere: then there is nothing to tokenize (saves
    # ~0.4 ms on a 20-line query). Keywords cannot be written with escapes (Oxigraph decodes
    # \u escapes only inside strings and IRIs), so the substring test is safe.
    if "service" not in lowered and "from" not in lowered:
        return
    toks = [t for t in tokens(sparql) if t.kind != "comment"]
    for word in (t.text.lower() for t in toks if t.kind == "word"):
        at = word.find("service")
        # After a colon the letters are the local part of a prefixed name (ex:service).
        if at >= 0 and ":" not in word[:at]:
            raise errors.BadRequest(
                "SERVICE is not allowed: this endpoint queries its own data only and "
                "calls no other server. Remove the SERVICE clause."
            )
    check_graph_iris(dataset_iris(toks, base_iri), has_graph)


def dataset_iris(toks: list[Token], base_iri: str) -> list[str]:
    """The IRIs of the query's FROM and FROM NAMED clauses, resolved as the parser would
    (PREFIX declarations, BASE, then `base_iri`). Unresolvable names are skipped: the parser
    refuses them anyway."""
    prefixes: dict[str, str] = {}
    base = base_iri
    found = []
    for i, tok in enumerate(toks):
        word = tok.text.lower() if tok.kind == "word" else ""
        following = toks[i + 1 : i + 3]
        if word == "base" and following and following[0].kind == "iri":
            base = _resolve(base, following[0].text[1:-1]) or base
        elif word == "prefix" and len(following) == 2 and following[1].kind == "iri":
            prefixes[following[0].text[:-1]] = _resolve(base, following[1].text[1:-1]) or ""
        elif word in ("from", "fromnamed"):
            if following and following[0].text.lower() == "named":
                following = following[1:]
            if not following:
                continue
            target = following[0]
            if target.kind == "iri" and (resolved := _resolve(base, target.text[1:-1])):
                found.append(resolved)
            elif target.kind == "word" and ":" in target.text:
                prefix, local = target.text.split(":", 1)
                if prefix in prefixes:
                    found.append(prefixes[prefix] + local)
    return found


def _resolve(base: str, reference: str) -> str | None:
    """`reference` resolved against `base`; None when Python cannot split it (`http://[::1`:
    not an IRI either, which the parser refuses)."""
    try:
        return urljoin(base, reference)
    except ValueError:
        return None


def check_graph_iris(
    iris: Iterable[str], has_graph: Callable[[str], bool] = lambda _iri: False
) -> None:
    """Refuse graph IRIs that name no loaded graph and are not web IRIs (file:, ftp:, …).

    Graph IRIs are only looked up among the loaded graphs, never read: an http(s) IRI that
    names no loaded graph is an empty graph, as the SPARQL Protocol allows. Anything else is
    refused so that nobody believes a file was read. Raises errors.BadRequest.
    """
    for iri in iris:
        if has_graph(iri):
            continue
        if not is_iri(iri):
            raise errors.BadRequest(
                f"The graph IRI <{iri}> is not a valid IRI (RFC 3987); graph IRIs are "
                "absolute, such as http://example.org/graph, with special characters "
                "percent-encoded."
            )
        if urlsplit(iri).scheme.lower() in _WEB_SCHEMES:
            continue
        raise errors.BadRequest(
            f"The graph <{iri}> is refused: this endpoint reads no files and fetches no "
            "data; FROM, FROM NAMED, default-graph-uri and named-graph-uri only select "
            "graphs of its own dataset."
        )


class WorkerError(Exception):
    """An exception raised by the handler inside a worker, carried back by name and text."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


@dataclass
class _Worker:
    process: subprocess.Popen
    conn: Connection
    # Readiness of `conn`, made once: Connection.poll builds a selector on every call (~30 µs
    # a query, measured with py-spy under load).
    _readable: select.poll = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._readable = select.poll()
        self._readable.register(self.conn.fileno(), select.POLLIN)

    def answered_within(self, timeout: float) -> bool:
        """Whether the process answered, or its end of the connection closed, within
        `timeout` seconds (as Connection.poll)."""
        return bool(self._readable.poll(math.ceil(max(timeout, 0) * 1000)))


class WorkerPool:
    """`size` processes, each running `handler(state, request)` for one request at a time,
    where `state = setup(payload)` was built once when the process started.

    `setup` and `handler` are "module:function" names (the processes import them). Requests,
    answers and the payload must pickle. Processes start in the background when the pool is
    made; `run` waits for one.
    """

    def __init__(
        self, setup: str, handler: str, payload: Any, *, size: int, memory_mb: int
    ) -> None:
        self._spec = (setup, handler, payload, memory_mb)
        self.size = size
        # Last in, first out: a process that just answered is awake and in cache; taking the
        # longest-idle one instead costs ~0.2 ms per query (measured on 2 cores).
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._tasks: queue.Queue[_Worker | None] = queue.Queue()
        self.isolated: bool | None = None
        # Why the last process failed to start; "" once one starts.
        self._start_error = ""
        self._closed = threading.Event()
        # One long-lived thread starts and reaps the processes: their parent-death signal
        # (PR_SET_PDEATHSIG) fires when the *thread* that started them ends.
        self._supervisor = threading.Thread(target=self._supervise, daemon=True,
                                            name="lodpub-query-workers")  # fmt: skip
        self._supervisor.start()

    def run(self, request: Any, timeout: float) -> Any:
        """The handler's answer to `request`, within `timeout` seconds of waiting and running.

        Raises errors.ServiceUnavailable when no process became free in time or none can
        start, when the query ran past the time (its process is killed and replaced), ran
        out of memory, or its process died; WorkerError when the handler raised otherwise.
        Timeouts and deaths are logged, one line each.
        """
        deadline = time.monotonic() + timeout
        retry = math.ceil(timeout)
        worker = self._take(timeout, retry)
        try:
            worker.conn.send(request)
            if not worker.answered_within(deadline - time.monotonic()):
                self._replace(worker)
                log.warning("a query ran past %g s (QUERY_TIMEOUT): its process was stopped "
                            "and is being replaced", timeout)  # fmt: skip
                raise errors.ServiceUnavailable(
                    f"The query was stopped after {timeout:g} s (QUERY_TIMEOUT). "
                    "Make it more selective or add a LIMIT.",
                    retry_after=retry,
                )
            status, value = worker.conn.recv()
        except (EOFError, OSError):
            raise self._died(worker, retry) from None
        if status == "error" and value[0] == "MemoryError":
            self._replace(worker)
            log.warning("a query ran out of memory (QUERY_MEMORY_MB): its process is being "
                        "replaced")  # fmt: skip
            raise errors.ServiceUnavailable(_OUT_OF_MEMORY, retry_after=retry)
        self._idle.put(worker)
        if status == "error":
            raise WorkerError(*value)
        return value

    def _take(self, timeout: float, retry: int) -> _Worker:
        """An idle process, waiting up to `timeout` seconds for one."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        if self._start_error:
            # Waiting would not help: say so now rather than after the timeout.
            raise self._cannot_start(retry)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                return self._idle.get(timeout=min(left, _START_CHECK_S))
            except queue.Empty:
                if self._start_error:
                    raise self._cannot_start(retry) from None
        raise errors.ServiceUnavailable(
            f"All {self.size} query workers stayed busy for {timeout:g} s; try again in a moment.",
            retry_after=retry,
        )

    def _cannot_start(self, retry: int) -> errors.ServiceUnavailable:
        return errors.ServiceUnavailable(
            "The query processes cannot start; the server's log says why.", retry_after=retry
        )

    def _died(self, worker: _Worker, retry: int) -> errors.ServiceUnavailable:
        """The error for a query whose process ended under it, logged; the process is
        replaced. An abort is how the query engine ends when an allocation fails (the
        QUERY_MEMORY_MB cap); any other end came from outside (a signal, the kernel's
        out-of-memory killer), and the query is not blamed for it."""
        try:
            code = worker.process.wait(timeout=_EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            code = None
        self._replace(worker)
        if code == -signal.SIGABRT:
            log.warning("a query ran out of memory (QUERY_MEMORY_MB): its process aborted "
                        "and is being replaced")  # fmt: skip
            return errors.ServiceUnavailable(_OUT_OF_MEMORY, retry_after=retry)
        how = _exit_description(code)
        log.warning("a query process %s while answering; it is being replaced", how)
        return errors.ServiceUnavailable(
            f"The process running the query {how} (not because of the query); try again.",
            retry_after=retry,
        )

    def close(self) -> None:
        """Stop every process; the pool cannot be used afterwards."""
        self._closed.set()
        self._tasks.put(None)
        self._supervisor.join(timeout=10)
        while not self._idle.empty():
            _stop(self._idle.get_nowait())

    def _replace(self, worker: _Worker) -> None:
        worker.process.kill()
        self._tasks.put(worker)

    def _supervise(self) -> None:
        for _ in range(self.size):
            self._start()
        while (dead := self._tasks.get()) is not None:
            _stop(dead)
            self._start()

    def _start(self) -> None:
        # Retry with a pause: a process that cannot start (a broken install, no memory) must
        # not turn into a busy loop; `run` answers 503 at once meanwhile. Closing the pool
        # ends the retries.
        while not self._closed.is_set():
            try:
                self._idle.put(self._spawn())
                self._start_error = ""
                return
            except (OSError, EOFError, WorkerError) as error:
                self._start_error = str(error) or type(error).__name__
                log.error("a query worker failed to start: %s", self._start_error)
                self._closed.wait(1)

    def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        code = "from lodpub.guard import worker_main; worker_main()"
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(child.fileno()), str(os.getpid())],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            # The query engine writes a backtrace here when an allocation fails: a client
            # repeating such a query would fill the log. The pool logs one line instead.
            stderr=subprocess.DEVNULL,
            # Own session: a Ctrl-C meant for the server must not print tracebacks here.
            start_new_session=True,
        )
        child.close()
        worker = _Worker(process, Connection(parent.detach()))
        try:
            worker.conn.send(self._spec)
            status, value = worker.conn.recv()
        except (EOFError, OSError) as error:
            _stop(worker)
            how = _exit_description(worker.process.returncode)
            raise OSError(f"the process {how} while loading the data") from error
        if status == "error":
            _stop(worker)
            raise WorkerError(*value)
        if self.isolated is None:
            self.isolated = value
            if not value:
                log.warning("query workers could not be cut off from the network; SERVICE "
                            "is still refused by the query check")  # fmt: skip
        return worker


_OUT_OF_MEMORY = (
    "The query needed more memory than a query may use (QUERY_MEMORY_MB). Make it more "
    "selective or add a LIMIT."
)
# How often a request waiting for a process checks whether processes fail to start.
_START_CHECK_S = 0.5
# How long a process whose connection closed may take to exit before it is killed.
_EXIT_WAIT_S = 2.0


def _exit_description(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was stopped by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was stopped by signal {-code}"
    return f"exited with status {code}"


def _stop(worker: _Worker) -> None:
    worker.process.kill()
    worker.process.wait()
    worker.conn.close()


# --- inside a worker process ---------------------------------------------------------------

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


def worker_main() -> None:
    """Entry point of a worker process (argv: socket fd, parent pid). Not for other use."""
    fd, parent_pid = int(sys.argv[1]), int(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    # Die with the server even while a runaway query keeps this process busy.
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        return
    conn = Connection(fd)
    setup, handler, payload, memory_mb = conn.recv()
    # Before anything starts a thread: unshare needs a single-threaded process.
    isolated = _leave_network(libc)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        handle = _function(handler)
        state = _function(setup)(payload)
    except Exception as error:  # reported to the parent, which logs it
        conn.send(("error", (type(error).__name__, str(error))))
        return
    conn.send(("ready", isolated))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            answer = ("ok", handle(state, request))
        except Exception as error:  # the parent decides what the client may see
            answer = ("error", (type(error).__name__, str(error)))
        conn.send(answer)


def _leave_network(libc: ctypes.CDLL) -> bool:
    """Move this process into a new network namespace, which has no interface up: no
    connection can be made, to any host, loopback included. As root, or through a new user
    namespace where unprivileged ones are allowed. False when neither works."""
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


def _function(name: str) -> Any:
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)

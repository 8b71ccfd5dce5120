"""The production front: what `lodpub serve` runs, and the checks every request passes first.

Server: granian (Rust, tokio, hyper) runs the WSGI app in `WORKERS` processes with `THREADS`
Python threads each. It was chosen by measurement on this project's 2-core machine (the
README's "Production" section): about twice waitress's and 1.4 times gunicorn's (gthread)
throughput on a cached SPARQL answer, and it is the one of the three that still answers a
normal request while 2,000 idle connections and a slow-header client are open, because its
connections wait in an event loop, not in threads.

The app is created (the data loaded and validated) once, in the main process; the server
processes are forked from it and share it. Each starts its own SPARQL query processes on
its first query (lodpub.guard), which die with it. SIGTERM or SIGINT: the server stops
accepting, lets requests in flight finish (for at most QUERY_TIMEOUT and a margin), then the
processes end, query processes included.
"""

from __future__ import annotations

import errno
import gc
import io
import math
import multiprocessing
import os
import socket
import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import MPServer

from lodpub import urls
from lodpub.logs import request_failed
from lodpub.publication import Slots

HEALTH_PATH = "/" + urls.HEALTH_PATH
# The largest request body any view reads is a form-encoded SPARQL query of MAX_QUERY_BYTES
# (up to three bytes per character once percent-encoded) with the protocol's other
# parameters; anything announcing more is refused before a byte of it is read.
BODY_SLACK_BYTES = 64 * 1024
# Seconds the server processes get, beyond QUERY_TIMEOUT, to finish their requests on
# SIGTERM before they are killed; granian accepts at most 1,800 in all.
SHUTDOWN_MARGIN_S = 5
# Reading a request body: a read that took less than this found its bytes waiting, so the next
# may ask for more (up to MAX_READ_BYTES at once).
QUICK_READ_S = 0.01
MAX_READ_BYTES = 64 * 1024
MAX_SHUTDOWN_S = 1800


class ServeError(Exception):
    """The server cannot start (address taken, unknown host ...): one line for the user."""


def max_body_bytes(config: Mapping[str, Any]) -> int:
    return config["MAX_QUERY_BYTES"] * 3 + BODY_SLACK_BYTES


class FrontDoor:
    """WSGI middleware answering what needs no app: the health check for load balancers, 413
    for a body announced larger than any view reads (before reading it), and the request
    body read whole, within `body_timeout` seconds, before the app sees the request.

    granian hands a WSGI app the body unread: `wsgi.input.read(n)` waits in the request's
    thread until n bytes came, with no time limit of granian's (a client sending a byte a
    second held one of THREADS threads per request; four of them made every request wait,
    the health check included). So the body is read here a byte at a time (each read returns
    as soon as anything came), the deadline checked between reads: a client still sending
    after `body_timeout` gets 408 and its connection is closed. A read cannot be abandoned
    (granian stops the whole process when a request ends while another thread still reads
    its body), so a client that sends nothing at all holds its thread until it goes away;
    bodies are read by at most THREADS - 1 threads at once, so one is always left for the
    rest, and a body past that gets 503 at once.
    """

    def __init__(
        self,
        app: Callable,
        *,
        max_body: int,
        max_query_bytes: int,
        body_timeout: float,
        threads: int,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.readers = max(1, threads - 1)
        self._reader_slots = Slots(self.readers)
        self.too_large_message = (
            f"The request body is too large: queries are limited to {max_query_bytes} bytes "
            "(MAX_QUERY_BYTES)."
        )
        self.too_slow_message = (
            f"The request body did not arrive within {body_timeout:g} seconds (BODY_TIMEOUT): "
            "send it right after the headers."
        )
        self.cut_short_message = "The request body ended before its Content-Length."
        self.busy_message = (
            f"The server is already receiving {self.readers} request bodies; try again in a "
            "few seconds."
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _plain(start_response, "200 OK", b"ok\n", ("Cache-Control", "no-store"))
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length.isdigit() and int(length) > self.max_body:
            # The unread body makes the connection unusable: close it.
            return self._refuse(environ, start_response, 413, self.too_large_message)
        if (length.isdigit() and int(length) > 0) or chunked:
            if not self._reader_slots.take():
                return self._refuse(environ, start_response, 503, self.busy_message,
                                    ("Retry-After", str(math.ceil(self.body_timeout))))  # fmt: skip
            try:
                # A chunked body announces no size: one byte more than allowed tells.
                body = self._read(environ["wsgi.input"], int(length or self.max_body + 1))
            finally:
                self._reader_slots.give_back()
            if body is None:
                return self._refuse(environ, start_response, 408, self.too_slow_message)
            if len(body) > self.max_body:
                return self._refuse(environ, start_response, 413, self.too_large_message)
            if length and len(body) < int(length):
                return self._refuse(environ, start_response, 400, self.cut_short_message)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def _read(self, stream: Any, size: int) -> bytes | None:
        """Up to `size` bytes of `stream` (fewer if it ends), or None when the body timeout
        passes first. A read returns only once all the bytes it asks for came, so it asks
        for one byte, then twice as many each time the last read was quick, and for one byte
        again after a slow one: a body that arrives at once costs a few reads (a byte at a
        time cost 0.65 s of CPU for 256 KiB), a client sending a byte at a time meets the
        deadline within a second of it."""
        deadline = time.monotonic() + self.body_timeout
        body = bytearray()
        ask = 1
        while len(body) < size:
            started = time.monotonic()
            if started > deadline:
                return None
            piece = stream.read(min(ask, size - len(body)))
            if not piece:
                break
            body += piece
            quick = time.monotonic() - started < QUICK_READ_S
            ask = min(ask * 2, MAX_READ_BYTES) if quick else 1
        return bytes(body)

    def _refuse(
        self,
        environ: dict[str, Any],
        start_response: Callable,
        status: int,
        message: str,
        *extra: tuple[str, str],
    ) -> list[bytes]:
        """`status` with `message`; the connection is closed, as its body is not (all) read."""
        request_failed(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), status,
                       message)  # fmt: skip
        status_line = f"{status} {HTTPStatus(status).phrase}"
        return _plain(start_response, status_line, f"{status_line}\n{message}\n".encode(),
                      ("Connection", "close"), *extra)  # fmt: skip


def _plain(
    start_response: Callable, status: str, body: bytes, *extra: tuple[str, str]
) -> list[bytes]:
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
        *extra,
    ]
    start_response(status, headers)
    return [body]


class AccessLog:
    """WSGI middleware writing one line per request in the Combined Log Format (Apache's and
    nginx's default; every log analyser reads it) to file descriptor `fd` (stdout).

    Each line is one `os.write`: atomic between threads and processes, never held in a
    buffer. Python's logging module cost ~150 µs a line here (measured with cProfile), five
    times what a cache hit costs; this costs a few.
    """

    def __init__(self, app: Callable, fd: int = 1) -> None:
        self.app = app
        self.fd = fd
        self._second = -1
        self._stamp = ""

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        seen: list[Any] = []

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, record)
        status, headers = seen or ("500", [])
        size = next((v for k, v in headers if k.lower() == "content-length"), "-")
        if environ["REQUEST_METHOD"] == "HEAD" or size == "0":
            size = "-"
        query = environ.get("QUERY_STRING")
        target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        line = (
            f"{environ.get('REMOTE_ADDR', '-')} - - [{self._now()}] "
            f'"{environ["REQUEST_METHOD"]} {_escaped(target)} '
            f'{environ.get("SERVER_PROTOCOL", "HTTP/1.1")}" {status[:3]} {size} '
            f'"{_escaped(environ.get("HTTP_REFERER", "-"))}" '
            f'"{_escaped(environ.get("HTTP_USER_AGENT", "-"))}"\n'
        )
        os.write(self.fd, line.encode("ascii"))
        return body

    def _now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(second))
            self._second = second
        return self._stamp


def _escaped(text: str) -> str:
    """`text` (WSGI strings are latin-1) as Apache escapes log fields: control and non-ASCII
    characters as \\xhh or \\n, `"` and `\\` with a backslash, so that no client can end
    a field or write a line of its own into the log."""
    return text.encode("unicode_escape").decode("ascii").replace('"', '\\"')


def check_address(host: str, port: int) -> None:
    """Raise ServeError with one line when `host`:`port` cannot be listened on (unknown host,
    address taken, not allowed), before anything slow starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise ServeError(f"cannot listen on {host}:{port}: unknown host ({error})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As granian binds: an address left in TIME_WAIT is free, one in use is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            reason = {
                errno.EADDRINUSE: "the address is already in use (is another server running?)",
                errno.EACCES: "permission denied (ports below 1024 need privileges)",
                errno.EADDRNOTAVAIL: "no interface of this machine has that address",
            }.get(error.errno, error.strerror)
            raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None


def serve(
    wsgi_app: Callable, config: Mapping[str, Any], on_start: Callable[[], None] = lambda: None
) -> None:
    """Serve `wsgi_app` with granian until SIGTERM or SIGINT, as `config` says (HOST, PORT,
    WORKERS, THREADS, MAX_CONNECTIONS, HEADER_TIMEOUT, QUERY_TIMEOUT); each server process
    calls `on_start` before it answers anything."""
    # The server processes are forked so that they share the loaded app; a start method
    # that pickles (spawn) would load and validate the data again in each.
    if multiprocessing.get_start_method() != "fork":
        raise ServeError("lodpub serve needs the fork start method of multiprocessing (Linux)")
    # Whatever is buffered would otherwise be written once by each forked process.
    sys.stdout.flush()
    sys.stderr.flush()
    # What the app loaded lives as long as the server: moved out of the collector's reach, a
    # first request no longer pays a full collection over it (measured: ~50 ms of the article
    # page's first request), and forked processes keep sharing its memory pages.
    gc.collect()
    gc.freeze()
    server = MPServer(
        "lodpub",
        address=config["HOST"],
        port=config["PORT"],
        interface=Interfaces.WSGI,
        workers=config["WORKERS"],
        blocking_threads=config["THREADS"],
        # Granian counts open connections against this: idle ones wait in its event loop.
        backpressure=config["MAX_CONNECTIONS"],
        backlog=max(1024, config["MAX_CONNECTIONS"]),
        websockets=False,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(config["HEADER_TIMEOUT"] * 1000), keep_alive=True
        ),
        log_level=LogLevels.warning,
        log_access=False,
        workers_kill_timeout=min(int(config["QUERY_TIMEOUT"]) + SHUTDOWN_MARGIN_S, MAX_SHUTDOWN_S),
        respawn_failed_workers=True,
    )

    def load(_target: str) -> AccessLog:
        # granian calls this in each server process once it is forked.
        on_start()
        return AccessLog(wsgi_app)

    server.serve(target_loader=load)

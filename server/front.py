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
import multiprocessing
import os
import socket
import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import MPServer

from lodpub import urls
from lodpub.logs import request_failed

HEALTH_PATH = "/" + urls.HEALTH_PATH
# The largest request body any view reads is a form-encoded SPARQL query of MAX_QUERY_BYTES
# (up to three bytes per character once percent-encoded) with the protocol's other
# parameters; anything announcing more is refused before a byte of it is read.
BODY_SLACK_BYTES = 64 * 1024
# Seconds the server processes get, beyond QUERY_TIMEOUT, to finish their requests on
# SIGTERM before they are killed; granian accepts at most 1,800 in all.
SHUTDOWN_MARGIN_S = 5
MAX_SHUTDOWN_S = 1800


class ServeError(Exception):
    """The server cannot start (address taken, unknown host ...): one line for the user."""


def max_body_bytes(config: Mapping[str, Any]) -> int:
    return config["MAX_QUERY_BYTES"] * 3 + BODY_SLACK_BYTES


class FrontDoor:
    """WSGI middleware answering what needs no app: the health check for load balancers, and
    413 for a body announced larger than any view reads (before reading it)."""

    def __init__(self, app: Callable, *, max_body: int, max_query_bytes: int) -> None:
        self.app = app
        self.max_body = max_body
        self.too_large_message = (
            f"The request body is too large: queries are limited to {max_query_bytes} bytes "
            "(MAX_QUERY_BYTES)."
        )
        self.too_large = f"413 Content Too Large\n{self.too_large_message}\n".encode()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _plain(start_response, "200 OK", b"ok\n", ("Cache-Control", "no-store"))
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit() and int(length) > self.max_body:
            # The unread body makes the connection unusable: close it.
            request_failed(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""),
                           413, self.too_large_message)  # fmt: skip
            return _plain(start_response, "413 Content Too Large", self.too_large,
                          ("Connection", "close"))  # fmt: skip
        return self.app(environ, start_response)


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


def serve(wsgi_app: Callable, config: Mapping[str, Any]) -> None:
    """Serve `wsgi_app` with granian until SIGTERM or SIGINT, as `config` says (HOST, PORT,
    WORKERS, THREADS, MAX_CONNECTIONS, HEADER_TIMEOUT, QUERY_TIMEOUT)."""
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
    server.serve(target_loader=lambda _target: AccessLog(wsgi_app))

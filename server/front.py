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
import logging
import multiprocessing
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

HEALTH_PATH = "/" + urls.HEALTH_PATH
# The largest request body any view reads is a form-encoded SPARQL query of MAX_QUERY_BYTES
# (up to three bytes per character once percent-encoded) with the protocol's other
# parameters; anything announcing more is refused before a byte of it is read.
BODY_SLACK_BYTES = 64 * 1024
# Seconds the server processes get, beyond QUERY_TIMEOUT, to finish their requests on
# SIGTERM before they are killed.
SHUTDOWN_MARGIN_S = 5

access_log = logging.getLogger("lodpub.access")


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
        self.too_large = (
            f"413 Content Too Large\nThe request body is too large: queries are limited to "
            f"{max_query_bytes} bytes (MAX_QUERY_BYTES).\n"
        ).encode()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _plain(start_response, "200 OK", b"ok\n", ("Cache-Control", "no-store"))
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit() and int(length) > self.max_body:
            # The unread body makes the connection unusable: close it.
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
    nginx's default; every log analyser reads it) to the `lodpub.access` logger."""

    def __init__(self, app: Callable) -> None:
        self.app = app

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
        access_log.info(
            '%s - - [%s] "%s %s %s" %s %s "%s" "%s"',
            environ.get("REMOTE_ADDR", "-"),
            time.strftime("%d/%b/%Y:%H:%M:%S %z"),
            environ["REQUEST_METHOD"],
            target.encode("latin-1", "replace").decode("ascii", "backslashreplace"),
            environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            status[:3],
            size,
            environ.get("HTTP_REFERER", "-"),
            environ.get("HTTP_USER_AGENT", "-"),
        )
        return body


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
    _log_to_stdout(access_log, "%(message)s")
    # Whatever is buffered would otherwise be written once by each forked process.
    sys.stdout.flush()
    sys.stderr.flush()
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
        workers_kill_timeout=int(config["QUERY_TIMEOUT"]) + SHUTDOWN_MARGIN_S,
        respawn_failed_workers=True,
    )
    server.serve(target_loader=lambda _target: AccessLog(wsgi_app))


def _log_to_stdout(logger: logging.Logger, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(fmt))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

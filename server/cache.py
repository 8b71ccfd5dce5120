"""A response cache in front of the Flask app (WSGI middleware).

The data never changes while the server runs, so an answer to a GET or HEAD request depends
only on the request line and the headers the app negotiates on (`Accept`, `Accept-Language`,
`Accept-Encoding`); the app's `Vary` header says so, and an answer that varies on anything
else is not kept. A hit is answered here: no routing, no negotiation, no header building,
no query (measured: see the README's "Production" section). The cache lives in one
server process for one loaded dataset, so the dataset's version is the same for every
entry; the ETags the app sets (the data's, the ontology's and the code's version) are
kept with the answer and compared with `If-None-Match` here.

Bounded by entries and by bytes (body, headers and key); the least recently used answers
go first. Requests with other conditional headers (`If-Modified-Since`, `Range` …) pass
through to the app, which answers them itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_etags
from werkzeug.http import unquote_etag

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]

CACHED_METHODS = ("GET", "HEAD")
# Statuses whose answer is the same for every identical request (errors that depend on load,
# such as 503, are not).
CACHED_STATUSES = frozenset((200, 301, 303, 308, 400, 404, 405, 406, 410, 413, 414))
# The request headers an answer may vary on and still be kept (they are in the key).
KEYED_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING")
_KEYED_VARY = frozenset(("accept", "accept-language", "accept-encoding"))
# Requests the app answers from more than the key says: they skip the cache.
_BYPASS = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE",
           "HTTP_AUTHORIZATION", "HTTP_COOKIE")  # fmt: skip
# A 304 repeats these headers of the full answer (RFC 9110 §15.4.5), nothing else.
_NOT_MODIFIED_HEADERS = frozenset(
    ("cache-control", "content-location", "etag", "expires", "vary", "last-modified")
)
# Python's bookkeeping for an entry beyond its bytes (tuple, dict slot, objects).
_ENTRY_OVERHEAD = 512


@dataclass(frozen=True)
class Entry:
    status: str
    headers: Headers
    body: bytes
    etag: str | None
    not_modified: Headers
    size: int


class ResponseCache:
    """WSGI middleware keeping up to `max_entries` answers of `app` in at most `max_bytes`
    bytes; one answer may take at most `max_bytes // 8`. `max_entries=0` turns it off."""

    def __init__(self, app: WSGIApp, *, max_entries: int, max_bytes: int) -> None:
        self.app = app
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 8
        self.bytes = 0
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every answer (for an app whose validators were reset in place)."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ["REQUEST_METHOD"]
        if not self.max_entries or method not in CACHED_METHODS:
            return self.app(environ, start_response)
        for header in _BYPASS:
            if header in environ:
                return self.app(environ, start_response)
        key = (
            method,
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_ACCEPT_LANGUAGE"),
            environ.get("HTTP_ACCEPT_ENCODING"),
        )
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            filled = self._fill(key, environ)
            if isinstance(filled, _Stream):
                return filled.answer(environ.get("HTTP_IF_NONE_MATCH"), start_response)
            entry = filled
        if _matches(environ.get("HTTP_IF_NONE_MATCH"), entry.etag):
            start_response("304 Not Modified", entry.not_modified)
            return []
        start_response(entry.status, entry.headers)
        return [entry.body]

    def _fill(self, key: tuple, environ: dict[str, Any]) -> Entry | _Stream:
        """The app's whole answer (asked without `If-None-Match`, so that a later hit has the
        body), kept when it may be; or, once it outgrows what one entry may take, the answer
        streamed on (a dump of a journal's archive is never gathered in memory)."""
        captured: list[Any] = []

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable:
            captured[:] = [status, headers]
            return _no_write

        plain = {k: v for k, v in environ.items() if k != "HTTP_IF_NONE_MATCH"}
        chunks = self.app(plain, capture)
        gathered: list[bytes] = []
        size = 0
        rest = iter(chunks)
        try:
            for chunk in rest:
                gathered.append(chunk)
                size += len(chunk)
                if size > self.max_entry_bytes:
                    status, headers = captured
                    return _Stream(status, headers, gathered, rest, chunks)
        except BaseException:
            _close(chunks)
            raise
        _close(chunks)
        status, headers = captured
        entry, keep = self._entry(key, status, headers, b"".join(gathered))
        if keep:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = entry
                    self.bytes += entry.size
                    while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                        _, dropped = self._entries.popitem(last=False)
                        self.bytes -= dropped.size
        return entry

    def _entry(self, key: tuple, status: str, headers: Headers, body: bytes) -> tuple[Entry, bool]:
        """The answer as an entry, and whether it may be kept."""
        keep = int(status[:3]) in CACHED_STATUSES
        size = _ENTRY_OVERHEAD + len(body) + sum(len(part or "") for part in key)
        for name, value in headers:
            lowered = name.lower()
            size += len(name) + len(value)
            if lowered == "vary":
                keep = keep and {v.strip().lower() for v in value.split(",")} <= _KEYED_VARY
            elif lowered == "set-cookie":
                keep = False
        # Date says when the answer was sent: the server adds it to every answer, hits too.
        headers = [(name, value) for name, value in headers if name.lower() != "date"]
        entry = Entry(status, headers, body, _etag(status, headers), _not_modified(headers), size)
        return entry, keep and size <= self.max_entry_bytes


class _Stream:
    """An answer too large to keep: what was read of it, then the rest as the app makes it."""

    def __init__(
        self, status: str, headers: Headers, head: list[bytes], rest: Iterator[bytes], chunks: Any
    ) -> None:
        self.status = status
        self.headers = headers
        self.head = head
        self.rest = rest
        self.chunks = chunks

    def answer(self, if_none_match: str | None, start_response: Callable[..., Any]) -> Any:
        """The WSGI answer: a 304 when `if_none_match` matches its ETag, else the whole body."""
        if _matches(if_none_match, _etag(self.status, self.headers)):
            self.close()
            start_response("304 Not Modified", _not_modified(self.headers))
            return []
        start_response(self.status, self.headers)
        return self

    def __iter__(self) -> Iterator[bytes]:
        yield from self.head
        self.head = []
        yield from self.rest

    def close(self) -> None:
        _close(self.chunks)


def _matches(if_none_match: str | None, etag: str | None) -> bool:
    return (
        if_none_match is not None
        and etag is not None
        and parse_etags(if_none_match).contains_weak(etag)
    )


def _etag(status: str, headers: Headers) -> str | None:
    """The entity tag of a 200 answer (other answers are never revalidated)."""
    if status.startswith("200"):
        for name, value in headers:
            if name.lower() == "etag":
                return unquote_etag(value)[0]
    return None


def _not_modified(headers: Headers) -> Headers:
    return [(name, value) for name, value in headers if name.lower() in _NOT_MODIFIED_HEADERS]


def _close(chunks: Any) -> None:
    if hasattr(chunks, "close"):
        chunks.close()


def _no_write(data: bytes) -> None:
    raise RuntimeError("the app used start_response's write(); the cache does not support it")

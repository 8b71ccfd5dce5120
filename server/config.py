"""Settings: defaults, overridden by LODPUB_* environment variables, overridden by the caller.

Every setting is declared once in SETTINGS; the README's configuration table and the docs test
read the same list.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lodpub.urls import is_iri

# The checkout's root (server/..). Data, shapes and ontology live there, not in the package:
# an editable install (`pip install -e .`) or a run from the checkout finds them; any other
# install points DATA_FILES, SHAPES_DIR and ONTOLOGY_DIR at its own copies.
REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "LODPUB_"
DEFAULT_HOST = "127.0.0.1"


def _paths(value: str | Path | Iterable[str | Path]) -> list[Path]:
    """A list of paths from one path, a sequence, or an os.pathsep-separated string."""
    if isinstance(value, Path):
        return [value]
    if isinstance(value, str):
        return [Path(part) for part in value.split(os.pathsep) if part]
    return [Path(item) for item in value]


DEFAULT_PORT = 8080
# More query processes than this only share the same cores and multiply the data's copies.
MAX_QUERY_WORKERS = 64
# Measured: a query process on the publication's data starts with 64 MiB of address space
# and not with 56 (pyoxigraph's library alone maps most of it); below this it never starts.
MIN_QUERY_MEMORY_MB = 64
# Seconds; a day is far past any useful query and keeps time arithmetic finite.
MAX_QUERY_TIMEOUT = 86400.0


def _integer(value: Any) -> int:
    # int("1.5") fails, int(1.5) would silently drop the fraction, int(True) would be 1.
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"must be an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be an integer, got {value!r}") from None


def _positive_int(value: Any) -> int:
    number = _integer(value)
    if number <= 0:
        raise ValueError(f"must be a positive integer, got {value!r}")
    return number


def _non_negative_int(value: Any) -> int:
    number = _integer(value)
    if number < 0:
        raise ValueError(f"must be 0 or a positive integer, got {value!r}")
    return number


def _port(value: Any) -> int:
    number = _integer(value)
    if not 1 <= number <= 65535:
        raise ValueError(f"must be a TCP port from 1 to 65535, got {value!r}")
    return number


def _query_workers(value: Any) -> int:
    number = _positive_int(value)
    if number > MAX_QUERY_WORKERS:
        raise ValueError(f"must be at most {MAX_QUERY_WORKERS}, got {value!r}")
    return number


def _query_memory_mb(value: Any) -> int:
    number = _non_negative_int(value)
    if 0 < number < MIN_QUERY_MEMORY_MB:
        raise ValueError(
            f"must be 0 (no limit) or at least {MIN_QUERY_MEMORY_MB} MiB, the least a query "
            f"process starts with; got {value!r}"
        )
    return number


def _query_timeout(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of seconds, got {value!r}") from None
    if not 0 < number <= MAX_QUERY_TIMEOUT:  # also refuses nan and inf
        raise ValueError(f"must be a number of seconds above 0 and at most "
                         f"{MAX_QUERY_TIMEOUT:g}, got {value!r}")  # fmt: skip
    return number


def _header_timeout(value: Any) -> float:
    number = float(value)
    if not 0.001 <= number <= 60:
        raise ValueError(f"must be a number of seconds from 0.001 to 60, got {value!r}")
    return number


def _optional_path(value: Any) -> Path | None:
    return None if value in (None, "") else Path(value)


def _optional_base_url(value: Any) -> str | None:
    return None if value in (None, "") else base_url(str(value))


def base_url(value: str) -> str:
    """`value` as a base URL: absolute http(s) and ending in "/", so that relative IRIs such as
    `br/1` resolve below it rather than replacing its last segment. It may have a path
    (https://example.org/lod/); it may not have a query, a fragment, or characters that
    cannot appear in an IRI (spaces, quotes, `<>{}|\\^``)."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"base URL must start with http:// or https://, got {value!r}")
    url = value if value.endswith("/") else value + "/"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise ValueError(f"base URL {value!r} is not a URL: {error}") from None
    if not parts.hostname or parts.query or parts.fragment or "?" in url or "#" in url:
        raise ValueError(f"base URL must name a host and have no query or fragment, got {value!r}")
    if not is_iri(url):
        raise ValueError(
            f"base URL {value!r} holds characters that cannot appear in an IRI (a space, a "
            "quote, <>{}|\\^` or a bad % escape); percent-encode them"
        )
    return url


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    parse: Callable[[Any], Any]
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "BASE_URL",
        None,
        _optional_base_url,
        "Base URL against which the data's relative IRIs are resolved; "
        "default http://HOST:PORT/ (so http://127.0.0.1:8080/).",
    ),
    Setting(
        "DATA_FILES",
        [
            REPO_ROOT / "data" / "article.ttl",
            REPO_ROOT / "data" / "links.ttl",
            REPO_ROOT / "data" / "provenance.trig",
        ],
        _paths,
        "RDF files to publish (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD, chosen by "
        "extension); in the environment separated by the OS path separator (`:`).",
    ),
    Setting("STORE", None, _optional_path,
            "A store directory built by `lodpub load` to serve (read-only, not validated again) "
            "instead of DATA_FILES; empty: the data files, validated, in memory."),
    Setting("SHAPES_DIR", REPO_ROOT / "shapes", Path, "Folder of SHACL shapes files."),
    Setting("ONTOLOGY_DIR", REPO_ROOT / "ontology", Path, "Folder of the ontology files."),
    Setting("HOST", DEFAULT_HOST, str, "Interface `lodpub serve` listens on."),
    Setting("PORT", DEFAULT_PORT, _port, "Port `lodpub serve` listens on (1-65535)."),
    # The production front (lodpub.front): granian, lodpub.cache.
    Setting("WORKERS", 1, _positive_int,
            "Server processes of `lodpub serve`; each holds the data and its own "
            "QUERY_WORKERS query processes."),
    # Sized together with QUERY_WORKERS + QUERY_QUEUE (10 SPARQL requests in flight): eight
    # clients querying one server process wait in the queue rather than get 503s, and two
    # threads stay free for pages, documents and dumps. A waiting thread costs no CPU.
    Setting("THREADS", 12, _positive_int,
            "Python threads per server process that run requests (a cache hit takes one "
            "for microseconds, a SPARQL query for as long as it runs)."),
    Setting("MAX_CONNECTIONS", 4096, _positive_int,
            "Open connections each server process holds, idle ones included; more wait "
            "in the listen queue."),
    Setting("HEADER_TIMEOUT", 10.0, _header_timeout,
            "Seconds a client has to send a request's headers (0.001 to 60); a slower "
            "client is disconnected."),
    Setting("BODY_TIMEOUT", 10.0, _header_timeout,
            "Seconds a client has to send a request's body once its headers are in (0.001 "
            "to 60); a slower client is answered 408 and disconnected."),
    Setting("DUMP_STREAMS", 2, _positive_int,
            "Dumps too large for the response cache sent at once per server process (each "
            "holds a thread while its client reads); past it, 503 with Retry-After."),
    Setting("RESPONSE_CACHE_ENTRIES", 4096, _non_negative_int,
            "Answers (pages, documents, dumps, VoID, SPARQL results) kept in memory per "
            "server process for repeated GET and HEAD requests (0: none)."),
    Setting("RESPONSE_CACHE_MB", 64, _non_negative_int,
            "Memory those answers may take per server process, in MiB; one answer "
            "takes at most an eighth of it."),
    # The SPARQL endpoint's limits (lodpub.guard).
    Setting("QUERY_TIMEOUT", 10.0, _query_timeout,
            "Seconds a SPARQL query may wait and run before it is stopped (503)."),
    Setting("MAX_QUERY_BYTES", 65536, _positive_int,
            "Longest SPARQL query text accepted, in UTF-8 bytes (413 past it)."),
    Setting("MAX_RESULT_ROWS", 10000, _positive_int,
            "Most solutions or triples one SPARQL result holds; a longer one is cut, and "
            "the response says so."),
    Setting("QUERY_WORKERS", 2, _query_workers,
            f"Processes that run SPARQL queries side by side (each holds a copy of data in memory, "
            f"or opens the built store read-only); "
            f"at most {MAX_QUERY_WORKERS}."),
    Setting("QUERY_QUEUE", 8, _non_negative_int,
            "SPARQL requests that may wait for a busy query process, per server process; "
            "past QUERY_WORKERS + QUERY_QUEUE requests in flight, 503 with Retry-After."),
    Setting("QUERY_MEMORY_MB", 1024, _query_memory_mb,
            f"Address space of each query process in MiB (0: no limit; else at least "
            f"{MIN_QUERY_MEMORY_MB}); a query that needs more is stopped (503)."),
    Setting("QUERY_CACHE_ENTRIES", 256, _non_negative_int,
            "SPARQL answers kept in memory for repeated queries (0: none)."),
    Setting("QUERIES_DIR", REPO_ROOT / "queries", Path,
            "Folder of example SPARQL queries (*.rq) the query page offers."),
    # OAI-PMH at /oai (lodpub.oai).
    Setting("OAI_PAGE_SIZE", 100, _positive_int,
            "Most records or identifiers one OAI-PMH list response holds; a resumption "
            "token asks for the next ones."),
    Setting("OAI_ADMIN_EMAIL", "", str,
            "The administrator's address OAI-PMH Identify gives; empty: webmaster@ the "
            "base URL's host (RFC 2142)."),
)  # fmt: skip


class Config(dict):
    """The settings as a plain mapping (what Flask's `app.config.update` takes)."""

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Config:
        """Defaults, then `LODPUB_<KEY>` from `environ` (default os.environ), then `overrides`.

        Keys of `overrides` that are not settings (Flask's TESTING, say) pass through as they
        are. Raises ValueError naming the setting when a value cannot be used.
        """
        environ = os.environ if environ is None else environ
        overrides = dict(overrides or {})
        config = cls()
        for setting in SETTINGS:
            value = setting.default
            if setting.env in environ:
                value = environ[setting.env]
            value = overrides.pop(setting.key, value)
            try:
                config[setting.key] = value if value is None else setting.parse(value)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{setting.key} ({setting.env}): {error}") from None
        if config["BASE_URL"] is None:
            config["BASE_URL"] = default_base_url(config["HOST"], config["PORT"])
        config.update(overrides)
        return config


def default_base_url(host: str, port: int) -> str:
    """http://HOST:PORT/, with an IPv6 address in brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


DEFAULT_BASE_URL = default_base_url(DEFAULT_HOST, DEFAULT_PORT)

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

# The checkout's root (server/..). Data, shapes and ontology live there, not in the package:
# an editable install (`pip install -e .`) or a run from the checkout finds them; any other
# install points DATA_FILES, SHAPES_DIR and ONTOLOGY_DIR at its own copies.
REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "LODPUB_"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def _paths(value: str | Path | Iterable[str | Path]) -> list[Path]:
    """A list of paths from one path, a sequence, or an os.pathsep-separated string."""
    if isinstance(value, Path):
        return [value]
    if isinstance(value, str):
        return [Path(part) for part in value.split(os.pathsep) if part]
    return [Path(item) for item in value]


def _positive_int(value: Any) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"must be a positive integer, got {value!r}")
    return number


def _non_negative_int(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"must be 0 or a positive integer, got {value!r}")
    return number


def _positive_float(value: Any) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"must be a positive number, got {value!r}")
    return number


def _optional_path(value: Any) -> Path | None:
    return None if value in (None, "") else Path(value)


def _optional_base_url(value: Any) -> str | None:
    return None if value in (None, "") else base_url(str(value))


def base_url(value: str) -> str:
    """`value` as a base URL: absolute http(s) and ending in "/", so that relative IRIs such as
    `br/1` resolve below it rather than replacing its last segment."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"base URL must start with http:// or https://, got {value!r}")
    return value if value.endswith("/") else value + "/"


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
        [REPO_ROOT / "data" / "article.ttl"],
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
    Setting("PORT", DEFAULT_PORT, _positive_int, "Port `lodpub serve` listens on."),
    Setting("THREADS", 4, _positive_int, "Worker threads of `lodpub serve` (waitress)."),
    # The SPARQL endpoint's limits (issue #3, lodpub.guard).
    Setting("QUERY_TIMEOUT", 10.0, _positive_float,
            "Seconds a SPARQL query may wait and run before it is stopped (503)."),
    Setting("MAX_QUERY_BYTES", 65536, _positive_int,
            "Longest SPARQL query text accepted, in UTF-8 bytes (413 past it)."),
    Setting("MAX_RESULT_ROWS", 10000, _positive_int,
            "Most solutions or triples one SPARQL result holds; a longer one is cut, and "
            "the response says so."),
    Setting("QUERY_WORKERS", 2, _positive_int,
            "Processes that run SPARQL queries side by side (each holds a copy of data in "
            "memory, or opens the built store read-only)."),
    Setting("QUERY_MEMORY_MB", 1024, _non_negative_int,
            "Address space of each query process in MiB (0: no limit); a query that needs "
            "more is stopped (503)."),
    Setting("QUERY_CACHE_ENTRIES", 256, _non_negative_int,
            "SPARQL answers kept in memory for repeated queries (0: none)."),
    Setting("QUERIES_DIR", REPO_ROOT / "queries", Path,
            "Folder of example SPARQL queries (*.rq) the query page offers."),
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

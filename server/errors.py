"""Errors as named values: each carries an HTTP status and a short message a person can act on.

app.py renders every LodpubError with its status and message; nothing else about a failure
(tracebacks, internal paths) reaches a client. UnreadableFile and InvalidData are the
command line's: `lodpub` turns them into exit codes 2 and 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class LodpubError(Exception):
    """Base of lodpub's errors; `status` is the HTTP status it stands for."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str]:
        """Headers the status requires (Allow for 405, ...)."""
        return {}


class BadRequest(LodpubError):
    status = 400


class NotFound(LodpubError):
    status = 404


class MethodNotAllowed(LodpubError):
    status = 405

    def __init__(self, message: str, allowed: Iterable[str]) -> None:
        super().__init__(message)
        self.allowed = tuple(allowed)

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class NotAcceptable(LodpubError):
    """No available representation matches; the message lists the media types there are."""

    status = 406

    def __init__(self, available: Iterable[str], asked: str = "") -> None:
        self.available = tuple(available)
        asked_for = f" for {asked!r}" if asked else ""
        super().__init__(
            f"No representation available{asked_for}. Available media types: "
            + ", ".join(self.available)
        )


class PayloadTooLarge(LodpubError):
    status = 413


class UnsupportedMediaType(LodpubError):
    status = 415


class ServiceUnavailable(LodpubError):
    """The server cannot answer now; `retry_after` seconds is when trying again makes sense."""

    status = 503

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class UnreadableFile(LodpubError):
    """A data, shapes or ontology file that is missing or cannot be parsed."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple:
        # Raised in lodpub.loader's writer process too, and sent to the loading one.
        return type(self), (self.path, self.reason, self.line)


class UnusableShapes(LodpubError):
    """The shapes parse as RDF but the SHACL engine cannot apply them (say, a SPARQL
    constraint whose query does not parse)."""


class InvalidData(LodpubError):
    """The data violates its shapes; `report` is the validation report as text."""

    def __init__(self, report: str, violations: int) -> None:
        self.report = report
        self.violations = violations
        super().__init__(f"the data has {violations} SHACL violation(s); not serving it")

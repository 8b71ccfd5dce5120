"""What one running app publishes, in one object: the store, the dataset's figures, the
ontology and its labels, the URI space, the validation report, when the data last changed,
the response cache and whatever the views compute once per app (the data never changes while
the app runs). The app keeps it under one key of `app.extensions`; `of(app)` reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from rdflib import Graph

from lodpub.catalogue import Figures
from lodpub.labels import Terms
from lodpub.store import Store
from lodpub.urls import UriSpace

if TYPE_CHECKING:
    from flask import Flask

    from lodpub.cache import ResponseCache

EXTENSION = "lodpub"

T = TypeVar("T")


@dataclass
class Publication:
    """The publication an app serves, fixed for the app's life."""

    store: Store
    # The dataset's figures (lodpub.catalogue), computed once per dataset version.
    figures: Figures
    ontology: Graph
    # The ontology's labels, read once (pages name classes and properties by them).
    terms: Terms
    space: UriSpace
    # The validation report's text.
    report: str
    # When the data last changed.
    modified: datetime
    # The response cache in front of Flask (lodpub.cache), once the app has one.
    cache: ResponseCache | None = None
    _computed: dict[str, Any] = field(default_factory=dict, repr=False)
    # Reentrant: a value may be computed from others.
    _computing: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def computed(self, key: str, make: Callable[[], T]) -> T:
        """`make()`, computed once per app under `key` (the data never changes while the app
        runs)."""
        with self._computing:
            if key not in self._computed:
                self._computed[key] = make()
            return self._computed[key]

    def forget(self) -> None:
        """Forget every computed value (for an app whose code or files were changed in place:
        the validators are computed from them)."""
        self._computed.clear()


class Slots:
    """At most `bound` requests of one kind in progress at once in a server process (each
    holds a web thread while it waits); a request past them is refused, never queued."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._free = threading.BoundedSemaphore(bound)

    def take(self) -> bool:
        """Take a slot if one is free; True when taken (give it back when done)."""
        return self._free.acquire(blocking=False)

    def give_back(self) -> None:
        self._free.release()


def of(app: Flask) -> Publication:
    """The publication `app` serves."""
    found = app.extensions[EXTENSION]
    if not isinstance(found, Publication):
        raise TypeError(f"app.extensions[{EXTENSION!r}] is not a Publication: {found!r}")
    return found

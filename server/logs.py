"""What the server writes to its log, and how much of it.

One line per failing request (`request_failed`), one per query worker that dies or is
stopped (lodpub.guard). A client that repeats an error hundreds of times a second must not
fill the disk, so every logger made by `limited` lets through at most `LINES_PER_WINDOW`
records of one kind (the same logger, level and message template) per `WINDOW_SECONDS`; the
first record let through after a quiet spell says how many were left out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

LINES_PER_WINDOW = 30
WINDOW_SECONDS = 60.0
# Longest request path written to the log (a 250 KB path is a legal request line).
PATH_CHARS = 200
MESSAGE_CHARS = 300


class RepeatLimit(logging.Filter):
    """Lets through `lines` records of one kind per `window` seconds; counts the rest and
    names their number in the next record of that kind that is let through."""

    def __init__(
        self,
        lines: int = LINES_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.lines = lines
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        # kind → (start of its window, records let through in it, records left out so far)
        self._kinds: dict[tuple[str, int, str], tuple[float, int, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        # The template, not the formatted text: a client varying a path or a query must not
        # make each line a kind of its own. Templates are the code's, so the kinds are few.
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            start, shown, left_out = self._kinds.get(kind, (now, 0, 0))
            if now - start >= self.window:
                start, shown = now, 0
            if shown >= self.lines:
                self._kinds[kind] = (start, shown, left_out + 1)
                return False
            self._kinds[kind] = (start, shown + 1, 0)
        if left_out:
            record.msg = f"{record.msg} [{left_out} more like this were not logged]"
        return True


_limits: dict[str, RepeatLimit] = {}
_limits_lock = threading.Lock()


def limited(name: str) -> logging.Logger:
    """The logger `name` with a RepeatLimit of its own (added once)."""
    logger = logging.getLogger(name)
    with _limits_lock:
        if name not in _limits:
            _limits[name] = RepeatLimit()
            logger.addFilter(_limits[name])
    return logger


request_log = limited("lodpub.requests")


def request_failed(method: str, path: str, status: int, message: str) -> None:
    """One line for a request answered with an error: what was asked and what was said.
    The path is quoted (repr) and the message put on one line, so that nothing a client
    sent can forge a line of its own."""
    level = logging.ERROR if status >= 500 else logging.WARNING
    sentence = _cut(" ".join(message.split()), MESSAGE_CHARS)
    request_log.log(
        level, "%s %r answered %d: %s", method, _cut(path, PATH_CHARS), status, sentence
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

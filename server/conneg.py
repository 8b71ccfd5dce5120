"""Content negotiation: the one reader of Accept, Accept-Language, URL extensions and the
`format` parameter.

Precedence: the `format` query parameter, then the extension of the URL, then Accept, where
werkzeug's MIMEAccept.best_match weighs q-values, then specificity, then the order of the
candidates (so the first candidate is also the answer to a request without Accept). Media type
parameters other than q (`text/x-bibliography; style=apa`, as DOI resolvers take them) do not
take part in matching; `accept_parameters` reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from contextlib import suppress
from functools import lru_cache

from flask import Request
from flask import Response
from flask import after_this_request
from flask import request
from werkzeug.datastructures import LanguageAccept
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.http import parse_options_header

from lodpub import errors
from lodpub.formats import Format


def negotiate(
    candidates: Sequence[Format],
    extension: str | None = None,
    formats: Sequence[str] | None = None,
) -> Format:
    """The format among `candidates` that the current request asks for.

    `extension` is the one the route captured (`dataset.ttl` → "ttl"), if any. A `format`
    parameter may give a format's name, extension, alias or media type; given several times,
    the first that fits wins. `formats` replaces the URL's `format` values (the SPARQL
    endpoint also reads them from POST bodies). Adds `Vary: Accept` to the response when
    Accept decided. Raises errors.NotAcceptable listing the candidates' media types when
    nothing matches.
    """
    asked = request.args.getlist("format") if formats is None else formats
    if asked:
        for value in asked:
            with suppress(errors.NotAcceptable):
                return _lookup(candidates, value.strip().lower())
        raise errors.NotAcceptable(media_types_of(candidates), asked[0])
    if extension is not None:
        return _lookup(candidates, extension.lower())
    after_this_request(_vary_accept)
    header = request.headers.get("Accept", "")
    best = best_format(tuple(candidates), header)
    if best is None:
        raise errors.NotAcceptable(media_types_of(candidates), header)
    return best


# Clients send few distinct Accept headers, and parsing and weighing one costs 100-170 µs
# (timeit), a tenth of a cold SPARQL query; the bound keeps strangers' inventions from
# growing the memo.
@lru_cache(maxsize=1024)
def best_format(candidates: tuple[Format, ...], accept: str) -> Format | None:
    """The format among `candidates` that an Accept header value prefers: the first for an
    absent or empty header, None when none fits. `negotiate` for code outside a request."""
    parsed = parse_accept_header(accept, MIMEAccept)
    if not parsed:
        return candidates[0]
    # werkzeug would match a client's `type; param=x` only with a server type carrying the
    # same parameter; what the parameters ask for is the view's business.
    weighed = MIMEAccept([(parse_options_header(value)[0], q) for value, q in parsed])
    best = weighed.best_match([mt for fmt in candidates for mt in fmt.media_types])
    return next((fmt for fmt in candidates if best in fmt.media_types), None)


def accept_parameters(media_type: str) -> dict[str, str]:
    """The parameters (q aside) the request's Accept header gives with `media_type`, from its
    most preferred mention: `{"style": "apa", "locale": "en-US"}` for
    `Accept: text/x-bibliography; style=apa; locale=en-US`."""
    for value, _ in request.accept_mimetypes:
        kind, options = parse_options_header(value)
        if kind.lower() == media_type:
            return {k.lower(): v for k, v in options.items() if k.lower() != "q"}
    return {}


def _lookup(candidates: Sequence[Format], asked: str) -> Format:
    for fmt in candidates:
        if asked in (fmt.name, fmt.extension, *fmt.aliases) or asked in fmt.media_types:
            return fmt
    raise errors.NotAcceptable(media_types_of(candidates), asked)


def _vary_accept(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def media_types_of(formats: Iterable[Format]) -> list[str]:
    """Canonical media types of `formats`, for 406 messages and service descriptions."""
    return [fmt.media_type for fmt in formats]


def prefers_html(req: Request | None = None) -> bool:
    """Whether the client would rather read HTML than plain text (a browser, not curl)."""
    accept = (req or request).accept_mimetypes
    return accept.best_match(["text/plain", "text/html"]) == "text/html"


def link_header(links: Iterable[tuple[str, Format]], rel: str = "alternate") -> str:
    """A `Link` header value: one `<url>; rel=...; type=...` per (url, format)."""
    return ", ".join(f'<{url}>; rel="{rel}"; type="{fmt.media_type}"' for url, fmt in links)


# Clients send few distinct Accept-Language headers, and parsing and weighing one costs some
# 20 µs a page (timeit); the bound keeps strangers' inventions from growing the memo.
@lru_cache(maxsize=1024)
def best_language(header: str, offered: tuple[str, ...]) -> str | None:
    """The tag of `offered` an Accept-Language header value prefers (werkzeug weighs
    q-values, then the order of `offered`), None when it accepts none of them."""
    return parse_accept_header(header, LanguageAccept).best_match(offered)

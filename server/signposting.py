"""FAIR Signposting (https://signposting.org/FAIR/): the typed links of a landing page, as an
HTTP `Link` header (RFC 8288), as HTML `<link>` elements and as a linkset (RFC 9264) in
`application/linkset+json` and `application/linkset`.

Level 1 is a landing page's own links: `cite-as` (its persistent identifier: the DOI where
the data has one, else the thing's IRI), `describedby` (each metadata document, with `type`,
and `profile` where the media type alone does not say which form the document takes),
`type` (the schema.org type and AboutPage), `author`, `license` and `item` (only where the
data states them). Level 2 is the same links in a linkset, with the metadata documents'
`describes` links back to the landing page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lodpub.formats import HTML
from lodpub.formats import Format

SCHEMA_ORG = "https://schema.org/"
# JSON-LD's registered profile for its compacted form (IANA Profile URIs), the form lodpub
# writes with its context; Turtle, RDF/XML and N-Triples have a single form each.
JSON_LD_COMPACTED = "http://www.w3.org/ns/json-ld#compacted"
PROFILES = {"application/ld+json": JSON_LD_COMPACTED}


@dataclass(frozen=True)
class Link:
    """One typed link from the landing page (or from `anchor`, when given)."""

    target: str
    rel: str
    type: str | None = None
    profile: str | None = None
    anchor: str | None = None

    def attributes(self) -> list[tuple[str, str]]:
        """The target attributes besides `rel`, in RFC 8288 order."""
        pairs = [("anchor", self.anchor), ("type", self.type), ("profile", self.profile)]
        return [(name, value) for name, value in pairs if value]

    def header(self) -> str:
        """The link as one `Link` header field value."""
        params = "".join(f'; {name}="{value}"' for name, value in self.attributes())
        return f'<{self.target}>; rel="{self.rel}"{params}'


def describedby(documents: Iterable[tuple[str, Format]]) -> list[Link]:
    """A `describedby` link to each metadata document (every RDF format)."""
    return [
        Link(url, "describedby", fmt.media_type, PROFILES.get(fmt.media_type))
        for url, fmt in documents
        if fmt.kind == "rdf"
    ]


def types(schema_type: str) -> list[Link]:
    """The `rel="type"` links of a landing page: the thing's schema.org type and AboutPage."""
    return [Link(SCHEMA_ORG + schema_type, "type"), Link(SCHEMA_ORG + "AboutPage", "type")]


def describes(landing_page: str) -> Link:
    """A metadata document's link back to the landing page of what it describes."""
    return Link(landing_page, "describes", HTML.media_type)


def header(links: Iterable[Link]) -> str:
    return ", ".join(link.header() for link in links)


def linkset_json(landing_page: str, links: Iterable[Link]) -> dict[str, Any]:
    """The links as an `application/linkset+json` document (RFC 9264 §4.2): one link context
    for the landing page, one per other anchor (a metadata document's `describes`)."""
    contexts: dict[str, dict[str, list[dict[str, str]]]] = {}
    for link in links:
        anchor = link.anchor or landing_page
        target = {"href": link.target, **{k: v for k, v in link.attributes() if k != "anchor"}}
        contexts.setdefault(anchor, {}).setdefault(link.rel, []).append(target)
    return {"linkset": [{"anchor": anchor, **rels} for anchor, rels in contexts.items()]}


def linkset_text(landing_page: str, links: Iterable[Link]) -> str:
    """The links as an `application/linkset` document (RFC 9264 §4.1): Link header syntax,
    every link with its anchor, one per line."""
    anchored = [
        Link(link.target, link.rel, link.type, link.profile, link.anchor or landing_page)
        for link in links
    ]
    return ",\n".join(link.header() for link in anchored) + "\n"

"""Blueprint: an entity's history (lodpub.history) where people and programs look for it.

- Pages: the template global `history(iri, lang)` gives the "History" section of a page
  (templates/_history.html): one row per snapshot, with when it was generated (and
  invalidated), who it is attributed to, its primary sources and its description, each
  snapshot and the provenance graph linked to their own documents.
- Documents: `provenance_links(iri)` are the PROV-AQ `has_provenance` links
  (https://www.w3.org/TR/prov-aq/, §3.1) of every document about an entity that has a
  provenance graph, so that a program finds the history without reading a page.

Snapshots and provenance graphs dereference through the resources blueprint like any other
IRI; their documents are lodpub.history.describe.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint
from rdflib import URIRef
from rdflib.namespace import PROV

from lodpub import history
from lodpub.labels import Labeller
from lodpub.labels import Text
from lodpub.labels import text
from lodpub.views.state import space
from lodpub.views.state import store
from lodpub.views.state import terms

bp = Blueprint("history", __name__)


@dataclass(frozen=True)
class Shown:
    """A value as the page's `m.v` macro shows it: its text, and where its link goes."""

    text: str
    lang: str | None = None
    href: str | None = None
    external: bool = False


@dataclass(frozen=True)
class Entry:
    """One snapshot as the History section shows it."""

    snapshot: Shown
    generated: str
    invalidated: str
    agents: list[Shown]
    sources: list[Shown]
    descriptions: list[Text]


@dataclass(frozen=True)
class History:
    """An entity's provenance graph and its snapshots, oldest first."""

    graph: Shown
    entries: list[Entry]


@bp.app_template_global("history")
def history_of(iri: str, lang: str) -> History | None:
    """The History section of the page about `iri` (an entity or its provenance graph), in
    the interface language `lang`; None when it has no provenance."""
    found = history.read_provenance(store(), URIRef(iri))
    if found is None:
        return None
    s = space()
    labels = Labeller(found.agents, terms(), lang)

    def shown(node: URIRef, label: Text | None = None) -> Shown:
        own = s.is_own(node)
        name = label or Text(s.path(node) if own else str(node))
        return Shown(name.value, name.lang, s.href(node) or None, not own)

    entries = [
        Entry(
            snapshot=shown(snapshot.iri),
            generated=str(snapshot.generated or ""),
            invalidated=str(snapshot.invalidated or ""),
            agents=[shown(agent, labels.label(agent)) for agent in snapshot.agents],
            sources=[shown(source) for source in snapshot.sources],
            descriptions=[text(d) for d in snapshot.descriptions],
        )
        for snapshot in found.snapshots
    ]
    return History(shown(found.snapshots[0].graph), entries)


def provenance_links(iri: URIRef) -> list[str]:
    """The `Link` header values pointing from a document about `iri` to its provenance."""
    graph = history.provenance_graph(store(), iri)
    if graph is None:
        return []
    return [f'<{graph}>; rel="{PROV.has_provenance}"; anchor="{iri}"']

"""A linked-data crawler against the real server.

Starting from the home page with RDF in its Accept header, it follows every IRI of the
publication's own URI space that the documents it harvests mention or name as their
provenance (PROV-AQ `has_provenance` links), through the 303s, and
checks: no request failed, every IRI of the dataset was reached, and the union of what was
harvested is the dump. Dumps and the SPARQL endpoint are not followed (a harvester fetches
documents, not the bulk downloads it is comparing against), and the vocabulary's document is
checked against the ontology files rather than counted as data.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag

import requests
from rdflib import Graph
from rdflib import URIRef
from rdflib.compare import graph_diff
from rdflib.compare import isomorphic
from rdflib.namespace import PROV
from rdflib.namespace import VOID

from lodpub.dataset import load_ontology

# A crawler that prefers Turtle but takes any RDF, and HTML only as a last resort.
ACCEPT = (
    "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, "
    "application/n-triples;q=0.8, text/html;q=0.1"
)
HAS_PROVENANCE = str(PROV.has_provenance)
PARSERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


class Links(HTMLParser):
    """The href of every <a> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def test_crawl_from_home_harvests_exactly_the_dump(live_server: str) -> None:
    session = requests.Session()
    session.headers["Accept"] = ACCEPT
    void = Graph().parse(
        data=session.get(live_server + ".well-known/void", timeout=60).text, format="turtle"
    )
    dataset = URIRef(live_server + "dataset")
    not_followed = {str(d) for d in void.objects(dataset, VOID.dataDump)}
    not_followed |= {str(e) for e in void.objects(dataset, VOID.sparqlEndpoint)}
    assert not_followed, "the VoID description names no dumps"

    harvested = Graph()
    failures: list[str] = []
    reached: set[str] = set()
    vocabulary: Graph | None = None
    queue = deque([live_server])
    seen = {live_server}
    while queue:
        url = queue.popleft()
        response = session.get(url, timeout=60)
        if response.status_code != 200:
            failures.append(f"{url}: {response.status_code}")
            continue
        for hop in response.history:
            if hop.status_code != 303:
                failures.append(f"{hop.url}: redirected with {hop.status_code}, not 303")
        reached.add(url)
        media_type = response.headers["Content-Type"].split(";")[0]
        if media_type == "text/html":
            parser = Links()
            parser.feed(response.text)
            found = parser.hrefs
        elif media_type in PARSERS:
            graph = Graph().parse(data=response.content, format=PARSERS[media_type])
            location = response.headers.get("Content-Location", response.url)
            if location.startswith(live_server + "doc/ontology."):
                vocabulary = graph
            else:
                harvested += graph
            found = [str(t) for triple in graph for t in (triple[0], triple[2])]
        else:
            failures.append(f"{url}: unexpected {media_type}")
            continue
        # A document's provenance is found as PROV-AQ says, by its has_provenance link.
        links = requests.utils.parse_header_links(response.headers.get("Link", ""))
        found += [link["url"] for link in links if link.get("rel") == HAS_PROVENANCE]
        for link in found:
            target = urldefrag(link)[0]
            if target.startswith(live_server) and target not in seen and target not in not_followed:
                seen.add(target)
                queue.append(target)

    assert failures == []
    dump = Graph().parse(
        data=session.get(live_server + "dataset.nt", timeout=60).content, format="nt"
    )
    own = {
        urldefrag(str(t))[0] for triple in dump for t in triple if str(t).startswith(live_server)
    }
    assert own - reached == set()
    if not isomorphic(harvested, dump):
        _, missing, extra = graph_diff(dump, harvested)
        raise AssertionError(
            f"{len(missing)} triples of the dump never harvested, e.g. {sorted(missing)[:3]}; "
            f"{len(extra)} harvested triples not in the dump, e.g. {sorted(extra)[:3]}"
        )
    assert vocabulary is not None, "no IRI led to the vocabulary"
    assert isomorphic(vocabulary, load_ontology(live_server))

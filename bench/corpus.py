"""Write a synthetic corpus of N articles that follow the real article's model, for the
scale tests and benchmarks only (never published).

    python bench/corpus.py 100 /tmp/corpus-100.ttl
    lodpub load /tmp/corpus-100.ttl --store /tmp/corpus-100

Every article is a copy of data/article.ttl's article with its references, renumbered into a
range no real entity uses: copy k of `br/n` is `br/(1,000,000 + 1,000 k + n)` (citations
`ci/<citing>-<cited>` follow their works). What the copies share, and how they differ:

- journals: ten consecutive articles share their issue, volume and journal (and the
  identifiers those have), so a journal holds many articles;
- authors: the agents (and their identifiers) of articles k and k + 7 are the same, so an
  agent holds roles in many articles;
- references: article k keeps the first 25 − (k mod 6) of the 25 references (a dropped
  reference takes its cited work, the work's roles, embodiments, containers and identifiers
  with it when nothing kept uses them).

`<dataset>` is written once, its root and example resources pointing into the first copy,
with a note and a title saying that the data are synthetic. The output is Turtle with
relative IRIs, like the real data: it is resolved against the base URL when loaded.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import SKOS

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "data" / "article.ttl"
# Parsing against a base no one serves makes every own IRI recognisable, then relative again.
BASE = "http://corpus.invalid/"
FIRST = 1_000_000
PER_COPY = 1_000
JOURNAL_GROUP = 10
AUTHOR_GROUPS = 7
REFERENCES = 25
BIRO_REFERENCES = URIRef("http://purl.org/spar/biro/references")
FRBR_PART_OF = URIRef("http://purl.org/vocab/frbr/core#partOf")
HAS_IDENTIFIER = URIRef("http://purl.org/spar/datacite/hasIdentifier")
DOCUMENT_CONTEXT = URIRef("http://purl.org/spar/pro/isDocumentContextFor")
HELD_BY = URIRef("http://purl.org/spar/pro/isHeldBy")
EMBODIMENT = URIRef("http://purl.org/vocab/frbr/core#embodiment")
NUMBERED = re.compile(rf"{re.escape(BASE)}(br|ra|ar|id|be|re)/(\d+)")
CITATION = re.compile(rf"{re.escape(BASE)}ci/(\d+)-(\d+)")
ARTICLE_IRI = URIRef(BASE + "br/1")
DATASET = URIRef(BASE + "dataset")
NOTE = (
    "SYNTHETIC DATA for scale tests and benchmarks, written by bench/corpus.py: {n} copies "
    "of the real article's model with renumbered IRIs (1,000,000 and above). None of these "
    "articles, references or agents exists; never publish this dataset."
)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit() or int(argv[0]) < 1:
        print("usage: python bench/corpus.py N OUT", file=sys.stderr)
        return 2
    count, out = int(argv[0]), Path(argv[1])
    real = Graph().parse(ARTICLE, publicID=BASE)
    dataset = Graph()
    add_dataset(dataset, real, count)
    lines = {_line(triple) for triple in dataset}
    for copy in range(count):
        lines.update(_line(triple) for triple in copy_of(real, copy))
    with open(out, "w", encoding="utf-8") as stream:
        stream.writelines(sorted(lines))
    print(f"{count} synthetic articles, {len(lines)} triples: {out}")
    return 0


def _line(triple: tuple) -> str:
    """One triple as an N-Triples-style Turtle line, own IRIs relative."""
    return " ".join(term.n3() for term in triple).replace(f"<{BASE}", "<") + " .\n"


def copy_of(real: Graph, copy: int) -> Iterator[tuple]:
    """Copy `copy` of the article and its first references, renumbered."""
    kept = without_references(real, REFERENCES - copy % 6)
    chain = containers(kept, ARTICLE_IRI)
    agents = {o for o in kept.objects(None, HELD_BY)}
    # Identifiers, roles and embodiments go with what they belong to.
    owners = {
        o: s
        for link in (HAS_IDENTIFIER, DOCUMENT_CONTEXT, EMBODIMENT)
        for s, o in kept.subject_objects(link)
    }

    # Who holds a container's roles (the journal's publisher) goes with the container.
    chain |= {
        kept.value(role, HELD_BY)
        for container in list(chain)
        for role in kept.objects(container, DOCUMENT_CONTEXT)
    } - {None}

    def group(node: URIRef) -> int:
        """Whose numbers `node` takes: its journal group, its author group or its copy."""
        owner = owners.get(node, node)
        if owner in chain:
            return copy // JOURNAL_GROUP
        if owner in agents:
            return copy % AUTHOR_GROUPS
        return copy

    def renumbered(node):
        if not isinstance(node, URIRef) or not str(node).startswith(BASE):
            return node
        if match := NUMBERED.fullmatch(str(node)):
            number = FIRST + PER_COPY * group(node) + int(match.group(2))
            return URIRef(f"{BASE}{match.group(1)}/{number}")
        if match := CITATION.fullmatch(str(node)):
            citing, cited = (FIRST + PER_COPY * copy + int(g) for g in match.groups())
            return URIRef(f"{BASE}ci/{citing}-{cited}")
        return node  # dataset, ontology terms: not copied

    for s, p, o in kept:
        if s == DATASET or str(s).startswith(BASE + "dataset#"):
            continue
        yield renumbered(s), p, renumbered(o)


def containers(graph: Graph, work: URIRef) -> set[URIRef]:
    found = set()
    node = graph.value(work, FRBR_PART_OF)
    while node is not None:
        found.add(node)
        node = graph.value(node, FRBR_PART_OF)
    return found


@functools.cache
def without_references(real: Graph, keep: int) -> Graph:
    """The real data without references number keep+1 … 25 and what only they use."""
    dropped: set[URIRef] = set()
    for number in range(keep + 1, REFERENCES + 1):
        reference = URIRef(f"{BASE}be/{number}")
        dropped.add(reference)
        for work in real.objects(reference, BIRO_REFERENCES):
            dropped |= {work, *real.objects(work, DOCUMENT_CONTEXT)}
            dropped |= {*real.objects(work, EMBODIMENT), *real.objects(work, HAS_IDENTIFIER)}
            dropped |= {s for s in real.subjects(None, work) if "/ci/" in str(s)}
    roots = {s for s in real.subjects() if (None, None, s) not in real}
    graph = _without(real, dropped)
    # Containers, agents and their identifiers that nothing kept points to any more.
    while orphans := {
        s
        for s in set(graph.subjects())
        if NUMBERED.fullmatch(str(s)) and s not in roots and (None, None, s) not in graph
    }:
        graph = _without(graph, orphans)
    return graph


def _without(graph: Graph, nodes: set[URIRef]) -> Graph:
    out = Graph()
    for s, p, o in graph:
        if s not in nodes and o not in nodes:
            out.add((s, p, o))
    return out


def add_dataset(corpus: Graph, real: Graph, count: int) -> None:
    """`<dataset>` once: the real description, retitled, pointing into the first copy."""
    for s, p, o in real:
        if s != DATASET and not str(s).startswith(BASE + "dataset#"):
            continue
        if s == DATASET and p in (DCTERMS.title, DCTERMS.description):
            continue
        if isinstance(o, URIRef) and (match := NUMBERED.fullmatch(str(o))):
            o = URIRef(f"{BASE}{match.group(1)}/{FIRST + int(match.group(2))}")
        corpus.add((s, p, o))
    corpus.add(
        (DATASET, DCTERMS.title, Literal(f"Synthetic corpus of {count} articles", lang="en"))
    )
    corpus.add((DATASET, DCTERMS.description, Literal(NOTE.format(n=count), lang="en")))
    corpus.add((DATASET, SKOS.note, Literal(NOTE.format(n=count), lang="en")))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

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
import itertools
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
    # Written as made, a copy at a time: only the lines of what copies share (journals,
    # agents) are remembered, so that each is written once; memory stays that of one copy.
    shared_written: set[str] = set()
    written = 0
    batches = itertools.chain(
        [{_line(triple) for triple in dataset}],
        (_new_lines(real, copy, shared_written) for copy in range(count)),
    )
    with open(out, "w", encoding="utf-8") as stream:
        for lines in batches:
            stream.writelines(sorted(lines))
            written += len(lines)
    print(f"{count} synthetic articles, {written} triples: {out}")
    return 0


def _new_lines(real: Graph, copy: int, shared_written: set[str]) -> set[str]:
    """The lines of copy `copy` not written yet (`shared_written` gains its shared ones)."""
    own: set[str] = set()
    shared: set[str] = set()
    for line, is_shared in copy_of(real, copy):
        (shared if is_shared else own).add(line)
    shared -= shared_written
    shared_written |= shared
    return own | shared


def _line(triple: tuple) -> str:
    """One triple as an N-Triples-style Turtle line, own IRIs relative."""
    return " ".join(_term(term) for term in triple) + " .\n"


def _term(term) -> str:
    return term.n3().replace(f"<{BASE}", "<")


def copy_of(real: Graph, copy: int) -> Iterator[tuple[str, bool]]:
    """Copy `copy` of the article and its first references, renumbered, as lines; each with
    whether other copies make it too (it names only shared journals, agents and literals)."""
    keep = REFERENCES - copy % 6
    groups = {JOURNAL: copy // JOURNAL_GROUP, AGENT: copy % AUTHOR_GROUPS, COPY: copy}

    def renumbered(node: tuple) -> tuple[str, bool]:
        kind, text, numbers = node
        if kind is None:
            return text, True  # literals, the dataset, ontology terms: not copied
        if kind == CITATION_KIND:
            citing, cited = (FIRST + PER_COPY * copy + n for n in numbers)
            return f"<ci/{citing}-{cited}>", False
        return f"<{text}/{FIRST + PER_COPY * groups[kind] + numbers[0]}>", kind != COPY

    for s, p, o in _parts(real, keep):
        (s, s_shared), (o, o_shared) = renumbered(s), renumbered(o)
        yield f"{s} {p} {o} .\n", s_shared and o_shared


# Whose numbers a copied node takes: its journal group's, its author group's or its copy's.
JOURNAL, AGENT, COPY = "journal", "agent", "copy"


CITATION_KIND = "citation"


@functools.cache
def _parts(real: Graph, keep: int) -> tuple[tuple, ...]:
    """The triples of the data that keeps `keep` references (`<dataset>` left out), worked
    out once for every copy: subject and object as (kind, text, numbers), where kind is
    JOURNAL, AGENT or COPY for a numbered IRI (text: its type path such as "br"),
    CITATION_KIND for a citation, None for what is not copied (text: its Turtle); the
    predicate as its Turtle."""
    kinds = _kinds(real, keep)

    def part(node) -> tuple:
        if isinstance(node, URIRef) and (match := NUMBERED.fullmatch(str(node))):
            return kinds[node], match.group(1), (int(match.group(2)),)
        if isinstance(node, URIRef) and (match := CITATION.fullmatch(str(node))):
            return CITATION_KIND, "ci", (int(match.group(1)), int(match.group(2)))
        return None, _term(node), ()

    return tuple(
        (part(s), _term(p), part(o))
        for s, p, o in without_references(real, keep)
        if s != DATASET and not str(s).startswith(BASE + "dataset#")
    )


@functools.cache
def _kinds(real: Graph, keep: int) -> dict[URIRef, str]:
    """For the data that keeps `keep` references: whose numbers each numbered node takes."""
    kept = without_references(real, keep)
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
    kinds = {}
    for node in {n for triple in kept for n in triple}:
        if isinstance(node, URIRef) and NUMBERED.fullmatch(str(node)):
            owner = owners.get(node, node)
            kinds[node] = JOURNAL if owner in chain else AGENT if owner in agents else COPY
    return kinds


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

"""What the publication says about itself, for crawlers and harvesters: the VoID
description, the dumps, the sitemap and robots.txt, all from the same store and base URL as
the pages, so that a dump holds exactly what dereferencing and SPARQL serve.

Whatever needs the whole dataset (VoID's counts and partitions, the linksets, the list of
things for the sitemap, the hash IRIs each document answers for) is computed once per dataset
version by `figures` (when `lodpub load` builds a store, or when the app starts on data in
memory); requests only read these figures.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from pathlib import Path
from typing import Any
from typing import Protocol
from xml.sax.saxutils import escape

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCAT
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import OWL
from rdflib.namespace import VOID
from rdflib.namespace import XSD
from rdflib.term import Node

from lodpub.formats import RDF_FORMATS
from lodpub.formats import Format
from lodpub.formats import by_name
from lodpub.labels import natural_key
from lodpub.urls import DATASET_PATH
from lodpub.urls import SITEMAP_PATH
from lodpub.urls import SPARQL_PATH
from lodpub.urls import VOID_PATH
from lodpub.urls import UriSpace
from lodpub.vocab import CITO
from lodpub.vocab import bind_all

# Datasets outside the publication that its links point into; each gets a void:Linkset when
# the data links to it: (key, title, URI space, home page, link predicate). dcterms:relation
# links to the identifiers' resolvers; owl:sameAs links are the ones `lodpub link` accepted.
LINK_TARGETS = (
    ("doi", "DOI System", "https://doi.org/", "https://www.doi.org/", DCTERMS.relation),
    ("issn", "ISSN Portal", "https://portal.issn.org/resource/ISSN/", "https://portal.issn.org/",
     DCTERMS.relation),
    ("orcid", "ORCID", "https://orcid.org/", "https://orcid.org/", DCTERMS.relation),
    ("handle", "Handle System", "https://hdl.handle.net/", "https://www.handle.net/",
     DCTERMS.relation),
    ("wikidata", "Wikidata", "http://www.wikidata.org/entity/", "https://www.wikidata.org/",
     OWL.sameAs),
)  # fmt: skip


@dataclass(frozen=True)
class Dump:
    """One download of the whole dataset."""

    file_name: str
    format: Format
    gzipped: bool = False

    @property
    def media_type(self) -> str:
        return "application/gzip" if self.gzipped else self.format.media_type


# The whole dataset as one file: `dataset.<ext>` in every RDF format (views/site.py serves
# them), and N-Triples gzipped for bulk loaders.
DUMPS = (
    *(Dump(f"{DATASET_PATH}.{fmt.extension}", fmt) for fmt in RDF_FORMATS),
    Dump(f"{DATASET_PATH}.nt.gz", by_name("ntriples"), gzipped=True),
)


def dump_named(file_name: str) -> Dump | None:
    return next((d for d in DUMPS if d.file_name == file_name), None)


def dump_url(space: UriSpace, dump: Dump) -> str:
    return space.link(dump.file_name)


# sitemaps.org: at most 50,000 URLs per sitemap file; past that, an index of files.
SITEMAP_MAX_URLS = 50_000


def _in_every_graph(pattern: str) -> str:
    """`pattern` matched in the default graph and in every named graph (the figures describe
    the whole dataset)."""
    return f"{{ {{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"


_EVERY_TRIPLE = _in_every_graph("?s ?p ?o")


class Things:
    """IRIs sorted by `key` (the publication's things: `br/2` before `br/10`): a list in
    memory, or a file of one IRI a line, every line padded to the same length, so that a
    window or a bisection reads only the lines it needs, wherever they are in the file."""

    def __init__(
        self,
        count: int,
        iris: Sequence[str] = (),
        path: Path | None = None,
        key: Callable[[str], Any] | None = None,
    ) -> None:
        self._count = count
        self._iris = iris
        self._path = path
        self._key = key or natural_key

    def __len__(self) -> int:
        return self._count

    def window(self, start: int, stop: int) -> list[str]:
        """The IRIs from position `start` up to (not including) `stop`."""
        if self._path is None:
            return list(self._iris[start:stop])
        with _Lines(self._path, self._count) as lines:
            return lines.window(start, stop)

    def position_after(self, iri: str) -> int:
        """How many of the IRIs sort before `iri` or are `iri` (bisection)."""
        if self._path is None:
            return bisect.bisect_right(self._iris, self._key(iri), key=self._key)
        with _Lines(self._path, self._count) as lines:
            return bisect.bisect_right(lines, self._key(iri), key=self._key)

    def __contains__(self, iri: object) -> bool:
        if not isinstance(iri, str):
            return False
        found = self.position_after(iri)
        return found > 0 and self.window(found - 1, found) == [iri]

    def save(self, path: Path) -> None:
        """Write the IRIs to `path`, as a Things with that `path` reads them."""
        width = max((len(iri.encode()) for iri in self), default=0)
        with open(path, "wb") as out:
            for iri in self:
                out.write(iri.encode().ljust(width) + b"\n")

    def __iter__(self) -> Iterator[str]:
        """Every IRI in order, read a window at a time."""
        for start in range(0, self._count, SITEMAP_MAX_URLS):
            yield from self.window(start, start + SITEMAP_MAX_URLS)


class _Lines:
    """The lines of a file of equal-length lines (Things.save), by position, read by seeking:
    a sequence for `bisect`."""

    def __init__(self, path: Path, count: int) -> None:
        self._path = path
        self._count = count

    def __enter__(self) -> _Lines:
        self._file = open(self._path, "rb")  # noqa: SIM115 (closed by __exit__)
        self._width = len(self._file.readline())
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, position: int) -> str:
        return self.window(position, position + 1)[0]

    def window(self, start: int, stop: int) -> list[str]:
        start, stop = max(start, 0), min(stop, self._count)
        if start >= stop:
            return []
        self._file.seek(start * self._width)
        text = self._file.read((stop - start) * self._width).decode("utf-8")
        return [line.rstrip(" ") for line in text.split("\n")[:-1]]


@dataclass(frozen=True)
class Figures:
    """What describes the whole dataset, computed once per dataset version: VoID's counts,
    class and property partitions (IRI → count) and linksets (LINK_TARGETS key → number of
    links), the hash IRIs the data mentions by the thing whose document answers for them,
    the things themselves, the triples of the default graph and how many named graphs there
    are (with the triples of each when there are at most NAMED_GRAPHS_COUNTED: an archive with
    provenance has one per entity), and the works (OAI-PMH's items: the subjects and objects
    of cito:cites, sorted as strings)."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int]
    properties: dict[str, int]
    links: dict[str, int]
    hash_iris: dict[str, list[str]]
    things: Things = field(repr=False, compare=False)
    default_graph_triples: int
    named_graph_count: int
    named_graph_triples: dict[str, int]
    works: Things = field(repr=False, compare=False)

    def kinds(self, space: UriSpace) -> dict[str, int]:
        """How many things there are per first path segment (`br`, `ra`, `dataset` …), and
        how many provenance snapshots (`se`)."""
        counts: dict[str, int] = {}
        for iri in self.things:
            path = space.path(URIRef(iri))
            # A provenance snapshot (`br/1/prov/se/1`) is OCDM's kind `se`, not a `br`.
            kind = "se" if "/prov/se/" in path else path.split("/", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def save(self, directory: Path) -> None:
        """Write the figures into `directory` (figures.json; things.txt and works.txt, the
        lists of IRIs)."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _LISTS:
            record[f"{name}_count"] = len(record.pop(name))
            getattr(self, name).save(directory / f"{name}.txt")
        (directory / "figures.json").write_text(json.dumps(record), encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> Figures:
        """The figures `save` wrote into `directory`; the lists of IRIs stay in their files."""
        record = json.loads((directory / "figures.json").read_text(encoding="utf-8"))
        lists = {
            name: Things(record.pop(f"{name}_count"), path=directory / f"{name}.txt", key=key)
            for name, key in _LISTS.items()
        }
        return cls(**record, **lists)


# The lists of IRIs in Figures, each with its order: things naturally, works as strings.
_LISTS: dict[str, Callable[[str], Any]] = {"things": natural_key, "works": str}
# Up to how many named graphs the figures count one by one (the SPARQL service description
# lists them); past that, only how many there are.
NAMED_GRAPHS_COUNTED = 1000


class Lookups(Protocol):
    """The part of lodpub.store.Store that `figures` needs."""

    def select(self, sparql: str) -> list[dict[str, Node]]: ...

    def triple_count(self) -> int: ...


def figures(store: Lookups, space: UriSpace) -> Figures:
    """The figures of the whole dataset in `store` (walks all of it: once per version).

    A handful of scans without string FILTERs; the rest is counted here. Oxigraph evaluates
    a string FILTER on every triple it scans (measured at 140,000 triples: 10 s for the
    distinct own subjects with STRSTARTS, 1 s for all distinct subjects). Only what is used
    comes back to Python: each row becomes rdflib terms at some 20 µs a row, which made
    three quarters of the time when every distinct object came back with its count (25 s
    at 1.36 million triples, 8 s without the literals and the counts)."""

    def per(variable: str, pattern: str) -> dict[Node, int]:
        rows = store.select(
            f"SELECT ?{variable} (COUNT(*) AS ?n) WHERE {pattern} GROUP BY ?{variable}"
        )
        return {row[variable]: int(row["n"]) for row in rows}

    def distinct(variable: str, only_iris: bool = False) -> list[Node]:
        test = f"FILTER (isIRI(?{variable}))" if only_iris else ""
        rows = store.select(f"SELECT DISTINCT ?{variable} WHERE {{ {_EVERY_TRIPLE} {test} }}")
        return [row[variable] for row in rows]

    subjects = distinct("s")
    object_iris = distinct("o", only_iris=True)
    (objects,) = store.select(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {_EVERY_TRIPLE}")
    properties = per("p", _EVERY_TRIPLE)
    classes = per("o", _in_every_graph(f"?s <{RDF.type}> ?o"))
    links: dict[str, int] = {}
    for predicate in sorted({target[4] for target in LINK_TARGETS}):
        for target, count in per("o", _in_every_graph(f"?s <{predicate}> ?o")).items():
            for key, _, prefix, _, linked_by in LINK_TARGETS:
                if linked_by == predicate and str(target).startswith(prefix):
                    links[key] = links.get(key, 0) + count
    own_subjects = [str(s) for s in subjects if space.is_own(s)]
    # A document answers for the hash IRIs below its thing that the data says something
    # about (as subjects: `<dataset#journal-lists>`), not for every term used as a value.
    hash_iris: dict[str, list[str]] = {}
    for iri in own_subjects:
        if "#" in iri:
            hash_iris.setdefault(iri.partition("#")[0], []).append(iri)
    mentioned = [*own_subjects, *(str(o) for o in object_iris if space.is_own(o))]
    ordered = sorted({iri.partition("#")[0] for iri in mentioned}, key=natural_key)
    named = {str(g): n for g, n in per("g", "{ GRAPH ?g { ?s ?p ?o } }").items()}
    counted = sorted(named) if len(named) <= NAMED_GRAPHS_COUNTED else []
    works = store.select(
        f"SELECT DISTINCT ?work WHERE {{ {{ ?work <{CITO.cites}> ?cited }} "
        f"UNION {{ ?citing <{CITO.cites}> ?work }} FILTER(isIRI(?work)) }}"
    )
    triples = store.triple_count()
    return Figures(
        triples=triples,
        entities=len(own_subjects),
        distinct_subjects=len(subjects),
        distinct_objects=int(objects["n"]),
        classes={str(c): n for c, n in classes.items()},
        properties={str(p): n for p, n in properties.items()},
        links=links,
        hash_iris={thing: sorted(iris) for thing, iris in hash_iris.items()},
        things=Things(len(ordered), ordered),
        default_graph_triples=triples - sum(named.values()),
        named_graph_count=len(named),
        named_graph_triples={name: named[name] for name in counted},
        works=Things(len(works), sorted(str(row["work"]) for row in works), key=str),
    )


def void_graph(about: Graph, figures: Figures, space: UriSpace) -> Graph:
    """The VoID description of the dataset (https://www.w3.org/TR/void/): what the data
    itself says about `<dataset>` (`about`), plus its size, URI space, SPARQL endpoint,
    dumps, formats, vocabularies, class and property partitions, and one linkset per external
    dataset it links to (from the dataset's `figures`).

    The nodes this description adds (partitions, linksets, their targets) are hash IRIs of
    the VoID document itself (`.well-known/void#links-doi`), so that each of them
    dereferences to the one document that describes it."""
    dataset = space.dataset()
    here = URIRef(space.link(VOID_PATH))
    void = bind_all(Graph(bind_namespaces="none"), space.base)
    for p, o in about.predicate_objects(dataset):
        void.add((dataset, p, o))
    void.add((here, RDF.type, VOID.DatasetDescription))
    void.add((here, FOAF.primaryTopic, dataset))
    void.add((dataset, RDF.type, VOID.Dataset))
    void.add((dataset, FOAF.homepage, URIRef(space.link())))
    void.add((dataset, VOID.uriSpace, Literal(space.base)))
    void.add((dataset, VOID.sparqlEndpoint, URIRef(space.link(SPARQL_PATH))))
    void.add((dataset, VOID.triples, _number(figures.triples)))
    void.add((dataset, VOID.entities, _number(figures.entities)))
    void.add((dataset, VOID.distinctSubjects, _number(figures.distinct_subjects)))
    void.add((dataset, VOID.distinctObjects, _number(figures.distinct_objects)))
    void.add((dataset, VOID.classes, _number(len(figures.classes))))
    void.add((dataset, VOID.properties, _number(len(figures.properties))))
    _add_dumps(void, dataset, space)
    for fmt in RDF_FORMATS:
        if fmt.iri is not None:
            void.add((dataset, VOID.feature, URIRef(fmt.iri)))
    for namespace in sorted(_namespaces([*figures.classes, *figures.properties])):
        void.add((dataset, VOID.vocabulary, URIRef(namespace)))
    _add_partitions(void, dataset, here, figures)
    _add_linksets(void, figures, dataset, here)
    return void


def _add_dumps(void: Graph, dataset: URIRef, space: UriSpace) -> None:
    """void:dataDump for every dump, each also a dcat:Distribution with its media type."""
    for dump in DUMPS:
        url = URIRef(dump_url(space, dump))
        void.add((dataset, VOID.dataDump, url))
        void.add((dataset, DCAT.distribution, url))
        void.add((url, RDF.type, DCAT.Distribution))
        void.add((url, DCAT.downloadURL, url))
        void.add((url, DCAT.mediaType, URIRef(_media_type_iri(dump.media_type))))
        void.add((url, DCTERMS.format, Literal(dump.format.media_type)))


def sitemap_file_count(things: Things) -> int:
    """How many sitemap files the home page and the things' pages fill."""
    return len(things) // SITEMAP_MAX_URLS + 1


def sitemap_urls(things: Things, space: UriSpace, number: int = 1) -> list[str]:
    """The pages listed by sitemap file `number` (from 1): the home page, then the HTML
    document of every thing, SITEMAP_MAX_URLS to a file."""
    start = (number - 1) * SITEMAP_MAX_URLS
    iris = things.window(max(start - 1, 0), start + SITEMAP_MAX_URLS - 1)
    pages = [space.document(URIRef(iri), "html") for iri in iris]
    return [space.base, *pages] if number == 1 else pages


def sitemap_xml(urls: Iterable[str], lastmod: str | None = None) -> str:
    """A sitemaps.org urlset; `lastmod` (W3C date) applies to every URL."""
    return _sitemaps_document("urlset", "url", urls, lastmod)


def sitemap_index_xml(urls: Iterable[str], lastmod: str | None = None) -> str:
    """A sitemaps.org sitemapindex of the sitemap files at `urls`."""
    return _sitemaps_document("sitemapindex", "sitemap", urls, lastmod)


def _sitemaps_document(root: str, entry: str, urls: Iterable[str], lastmod: str | None) -> str:
    """A sitemaps.org document: `root` holding one `entry` (loc, lastmod) per URL."""
    modified = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
    entries = "".join(f"  <{entry}><loc>{escape(u)}</loc>{modified}</{entry}>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</{root}>\n"
    )


def robots_txt(space: UriSpace) -> str:
    """Crawling allowed everywhere; the sitemap named (https://www.rfc-editor.org/rfc/rfc9309)."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {space.link(SITEMAP_PATH)}\n"


def _number(count: int) -> Literal:
    return Literal(count, datatype=XSD.integer)


def _namespaces(terms: Iterable[URIRef]) -> set[str]:
    """The namespace of each term: up to and including its last `#` or `/`."""
    out = set()
    for term in terms:
        text = str(term)
        cut = max(text.rfind("#"), text.rfind("/"))
        out.add(text[: cut + 1])
    return out


def _media_type_iri(media_type: str) -> str:
    return "https://www.iana.org/assignments/media-types/" + media_type


def _add_partitions(void: Graph, dataset: URIRef, here: URIRef, figures: Figures) -> None:
    """void:classPartition / void:propertyPartition, as hash IRIs of the VoID document."""
    for number, (cls, count) in enumerate(sorted(figures.classes.items()), start=1):
        part = URIRef(f"{here}#class-{number}")
        void.add((dataset, VOID.classPartition, part))
        void.add((part, VOID["class"], URIRef(cls)))
        void.add((part, VOID.entities, _number(count)))
    for number, (prop, count) in enumerate(sorted(figures.properties.items()), start=1):
        part = URIRef(f"{here}#property-{number}")
        void.add((dataset, VOID.propertyPartition, part))
        void.add((part, VOID.property, URIRef(prop)))
        void.add((part, VOID.triples, _number(count)))


def _add_linksets(void: Graph, figures: Figures, dataset: URIRef, here: URIRef) -> None:
    """One void:Linkset per external dataset the data's links point into, counting those
    links (https://www.w3.org/TR/void/#describing-linksets): a subset of the dataset whose
    two targets are the dataset and the other one."""
    for key, title, prefix, homepage, predicate in LINK_TARGETS:
        count = figures.links.get(key, 0)
        if not count:
            continue
        target = URIRef(f"{here}#{key}")
        linkset = URIRef(f"{here}#links-{key}")
        void.add((target, RDF.type, VOID.Dataset))
        void.add((target, DCTERMS.title, Literal(title, lang="en")))
        void.add((target, FOAF.homepage, URIRef(homepage)))
        void.add((target, VOID.uriSpace, Literal(prefix)))
        void.add((linkset, RDF.type, VOID.Linkset))
        void.add((linkset, VOID.subjectsTarget, dataset))
        void.add((linkset, VOID.objectsTarget, target))
        void.add((linkset, VOID.target, dataset))
        void.add((linkset, VOID.target, target))
        void.add((linkset, VOID.linkPredicate, predicate))
        void.add((linkset, VOID.triples, _number(count)))
        void.add((dataset, VOID.subset, linkset))

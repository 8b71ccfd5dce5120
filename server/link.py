"""`lodpub link`: links to external SPARQL services (Wikidata by default), proved by identifiers.

For each cited work, journal and person of the publication, the services are asked which of
their items carry the same DOI (wdt:P356), ISSN (P236), ORCID iD (P496) or ISBN (P212, P957).
Exactly one item for an entity is a link accepted by identifier; several items are a conflict,
and nothing is accepted. Works and journals that no identifier links are looked up by title
(labels in Chinese and English) with their year (P577) and container (P1433) only to *propose*
candidates to a person: a title is never proof. Persons that no ORCID iD links are looked up
the same way by name, among humans (P31 Q5) only: a name is no proof either (namesakes).

Accepted links live in their own file (data/links.ttl): `<br/108> owl:sameAs wd:Q…` and, for
each, a record (an rdf:Statement that is a prov:Entity) with the service, the query, the date,
the matching identifier and who accepted it: `dataset#link-command` (this command, by
identifier) or anyone else (a person, by hand: a *curated* link). A run never overwrites or
removes a curated link; it reports what it adds, changes and flags, writes nothing with
`dry_run`, and replaces the file only at the end (temporary file, os.replace), so a run that
fails midway leaves it as it was.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import tempfile
import time
import urllib.error
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import Namespace
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import FOAF
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import XSD
from SPARQLWrapper import JSON
from SPARQLWrapper import POST
from SPARQLWrapper import SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from lodpub.config import REPO_ROOT
from lodpub.dataset import load
from lodpub.identifiers import NORMALISERS
from lodpub.identifiers import MalformedIdentifier
from lodpub.vocab import CITO
from lodpub.vocab import DATACITE
from lodpub.vocab import FABIO
from lodpub.vocab import LITERAL
from lodpub.vocab import PRISM

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
DEFAULT_LINKS_FILE = REPO_ROOT / "data" / "links.ttl"
# Relative to the publication's base URL, like every IRI of the data.
LINK_AGENT = "dataset#link-command"
EDITORS = "dataset#editors"

# The Wikidata property that holds each identifier scheme of the data (datacite:<scheme>).
PROPERTIES: dict[str, tuple[str, ...]] = {
    "doi": ("P356",),
    "issn": ("P236",),
    "eissn": ("P236",),
    "orcid": ("P496",),
    "isbn": ("P212", "P957"),
}
SCHEME_LABELS = {"doi": "DOI", "issn": "ISSN", "eissn": "ISSN", "orcid": "ORCID iD", "isbn": "ISBN"}
# Wikidata writes DOIs in upper case; the data in lower case. DOIs are case-insensitive, so
# both spellings are asked for (an exact VALUES match keeps the query cheap on a large store).
SPELLINGS = {"doi": lambda value: {value, value.upper()}}
# Labels of Chinese titles are tagged zh, zh-hans or zh-cn in Wikidata.
LABEL_LANGUAGES = {"zh-hans": ("zh", "zh-hans", "zh-cn"), "en": ("en",)}
# Wikidata's class of humans (wdt:P31): only such items are proposed for a person.
HUMAN = "Q5"

HEADER = """\
# Links from the publication's entities to the same things in other datasets (owl:sameAs), each
# with its provenance: an rdf:Statement that is a prov:Entity naming the service queried
# (prov:hadPrimarySource), the query (prov:wasGeneratedBy … prov:hadPlan … prov:value), the date
# (prov:generatedAtTime), the identifier that matched (prov:wasDerivedFrom <id/N>) and who accepted
# the link (prov:wasAttributedTo: <dataset#link-command> when an identifier did; a person's link,
# attributed to anyone else such as <dataset#editors>, is curated and never changed by a run).
# Written by `lodpub link` (docs/model.md, README "Linking to external identifiers"); loaded with
# the data. Relative IRIs resolve against the publication's base URL.
"""


class ServiceError(Exception):
    """A service that cannot be reached, refuses or answers something that is not SPARQL."""


@dataclass(frozen=True)
class Key:
    """One identifier of one entity of the publication, in canonical form."""

    entity: URIRef
    node: URIRef
    scheme: str
    value: str

    def describe(self) -> str:
        return f"{SCHEME_LABELS[self.scheme]} {self.value}"


@dataclass(frozen=True)
class Record:
    """A link already in the links file, with its record node and whether a person made it."""

    entity: URIRef
    target: URIRef
    service: str
    node: BNode | URIRef
    curated: bool


@dataclass
class Accepted:
    """A link accepted by identifier in this run, with what the record needs."""

    entity: URIRef
    target: URIRef
    service: str
    key: Key
    query: str


@dataclass
class Plan:
    """What a run found: every list is printed; `add` and `change` are what it writes."""

    add: list[Accepted] = field(default_factory=list)
    change: list[tuple[Record, Accepted]] = field(default_factory=list)
    unchanged: list[Record] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    unconfirmed: list[Record] = field(default_factory=list)

    def lines(self, base_url: str) -> list[str]:
        """The plan for people: one line per link, conflict, proposal or dropped value."""
        short = len(base_url)
        lines = [
            f"add        {new.entity[short:]} owl:sameAs {new.target} ({new.key.describe()})"
            for new in self.add
        ]
        lines += [
            f"change     {new.entity[short:]} owl:sameAs {old.target} -> {new.target} "
            f"({new.key.describe()})"
            for old, new in self.change
        ]
        lines += [f"conflict   {message}" for message in self.conflicts]
        lines += [f"propose    {message}" for message in self.proposals]
        lines += [f"dropped    {message}" for message in self.dropped]
        lines += [
            f"unconfirmed {old.entity[short:]} owl:sameAs {old.target}: kept"
            for old in self.unconfirmed
        ]
        return lines


class Service:
    """One SPARQL service, asked politely: a descriptive User-Agent, at most one request per
    `min_interval` seconds, a timeout, and retries on 429 and 503 that honour Retry-After."""

    def __init__(
        self,
        endpoint: str,
        user_agent: str,
        timeout: int = 60,
        min_interval: float = 1.0,
        retries: int = 3,
        max_wait: float = 60.0,
    ) -> None:
        self.endpoint = endpoint
        self.user_agent = user_agent
        self.timeout = timeout
        self.min_interval = min_interval
        self.retries = retries
        self.max_wait = max_wait
        self._last_request = 0.0

    def select(self, query: str) -> list[dict[str, dict[str, str]]]:
        """The bindings of a SELECT query, as SPARQL JSON gives them. Raises ServiceError."""
        for attempt in range(self.retries + 1):
            self._pace()
            wrapper = SPARQLWrapper(self.endpoint, agent=self.user_agent)
            wrapper.setQuery(query)
            wrapper.setReturnFormat(JSON)
            wrapper.setTimeout(self.timeout)  # whole seconds: SPARQLWrapper takes an int
            # POST: the title query lists every title, longer than some servers take in a URL.
            wrapper.setMethod(POST)
            try:
                body = wrapper.query().response.read()
            except urllib.error.HTTPError as error:
                if error.code not in (429, 503):
                    raise ServiceError(f"{self.endpoint} answered HTTP {error.code}") from None
                wait = _retry_after(error.headers.get("Retry-After"), default=2.0**attempt)
                if attempt == self.retries:
                    raise ServiceError(
                        f"{self.endpoint} answered HTTP {error.code} "
                        f"({'too many requests' if error.code == 429 else 'unavailable'}) "
                        f"{attempt + 1} times: gave up; try again later"
                    ) from None
                if wait > self.max_wait:
                    raise ServiceError(
                        f"{self.endpoint} answered HTTP {error.code} and asks to wait {wait:.0f} s "
                        f"(more than {self.max_wait:.0f} s): gave up; try again later"
                    ) from None
                time.sleep(wait)
            except SPARQLWrapperException as error:
                detail = (error.response or b"")[:200].decode("utf-8", "replace").strip()
                raise ServiceError(
                    f"{self.endpoint} refused the query: {error.msg} {detail}".strip()
                ) from None
            except urllib.error.URLError as error:
                raise ServiceError(f"cannot reach {self.endpoint}: {error.reason}") from None
            except TimeoutError:
                raise ServiceError(
                    f"{self.endpoint} did not answer within {self.timeout} s"
                ) from None
            except (http.client.HTTPException, ConnectionError) as error:
                raise ServiceError(
                    f"{self.endpoint} broke off its answer ({type(error).__name__})"
                ) from None
            else:
                return _bindings(body, self.endpoint)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _pace(self) -> None:
        wait = self._last_request + self.min_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_request = time.monotonic()


def _retry_after(header: str | None, default: float) -> float:
    """Seconds to wait per a Retry-After header (seconds or an HTTP date), else `default`."""
    if not header:
        return default
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _bindings(body: bytes, endpoint: str) -> list[dict[str, dict[str, str]]]:
    try:
        bindings = json.loads(body)["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        raise ServiceError(
            f"{endpoint} answered something that is not a SPARQL JSON result "
            f"(first bytes: {body[:60]!r}): is it a SPARQL endpoint?"
        ) from None
    if not isinstance(bindings, list) or not all(isinstance(b, dict) for b in bindings):
        raise ServiceError(f"{endpoint} answered a malformed SPARQL JSON result")
    return bindings


def user_agent(contact: str | None) -> str:
    """`lodpub/<version> (<contact>) SPARQLWrapper/<version>`, as Wikidata's User-Agent policy
    asks (client name and version, contact, library)."""
    contact_part = f" ({contact})" if contact else ""
    return f"lodpub/{version('lodpub')}{contact_part} SPARQLWrapper/{version('sparqlwrapper')}"


def is_loopback(endpoint: str) -> bool:
    return urlsplit(endpoint).hostname in ("127.0.0.1", "::1", "localhost")


# ------------------------------------------------------------------ what the data holds


def identifier_keys(graph: Graph) -> tuple[list[Key], list[str]]:
    """Every identifier of a scheme some service knows, of a cited work, a journal or a person,
    in canonical form; and messages for those that are malformed (left out)."""
    keys, malformed = [], []
    for entity, node in graph.subject_objects(DATACITE.hasIdentifier):
        scheme_iri = graph.value(node, DATACITE.usesIdentifierScheme)
        scheme = str(scheme_iri).rpartition("/")[2]
        if scheme not in PROPERTIES or not _linkable(graph, entity):
            continue
        value = str(graph.value(node, LITERAL.hasLiteralValue))
        try:
            keys.append(Key(entity, node, scheme, NORMALISERS[scheme](value)))
        except MalformedIdentifier as error:
            malformed.append(f"{_short(graph, entity)}: {error} in the data; not looked up")
    return sorted(keys, key=lambda k: (str(k.entity), k.scheme, k.value)), malformed


def _linkable(graph: Graph, entity: URIRef) -> bool:
    """A cited work, a journal, or a person."""
    return (
        (None, CITO.cites, entity) in graph
        or (entity, RDF.type, FABIO.Journal) in graph
        or (entity, RDF.type, FOAF.Person) in graph
    )


def titled_works(graph: Graph) -> dict[URIRef, list[Literal]]:
    """Cited works and journals with their titles (original and translated)."""
    works = set(graph.objects(None, CITO.cites)) | set(graph.subjects(RDF.type, FABIO.Journal))
    return {
        work: sorted(
            {*graph.objects(work, DCTERMS.title), *graph.objects(work, FABIO.hasTranslatedTitle)}
        )
        for work in sorted(works)
    }


def named_persons(graph: Graph) -> dict[URIRef, list[Literal]]:
    """Persons with the names a Wikidata label could hold: their Chinese names as printed,
    and "Given Family" where a given name in Latin letters is more than initials (printed
    initials such as "Schott L" match no label, and a family name alone is too common)."""
    persons = {}
    for person in sorted(graph.subjects(RDF.type, FOAF.Person)):
        names = {
            name
            for name in graph.objects(person, FOAF.name)
            if isinstance(name, Literal) and (name.language or "").lower() == "zh-hans"
        }
        families = [f for f in graph.objects(person, FOAF.familyName) if _latin(f)]
        for given in graph.objects(person, FOAF.givenName):
            if _latin(given) and all(len(part) > 1 for part in str(given).split()):
                names |= {Literal(f"{given} {family}", lang="en") for family in families}
        if names:
            persons[person] = sorted(names)
    return persons


def _latin(name: object) -> bool:
    """A name written in Latin letters: untagged, or tagged English or pinyin."""
    return isinstance(name, Literal) and not (name.language or "").lower().startswith("zh-hans")


def _short(graph: Graph, iri: URIRef) -> str:
    base = str(graph.base or "")
    text = str(iri)
    return text[len(base) :] if base and text.startswith(base) else text


# ------------------------------------------------------------------ the queries


def identifier_query(prop: str, values: Iterable[str]) -> str:
    listed = " ".join(json.dumps(v, ensure_ascii=False) for v in sorted(values))
    return (
        f"PREFIX wdt: <{WDT}>\n"
        f"SELECT ?value ?item WHERE {{\n  VALUES ?value {{ {listed} }}\n"
        f"  ?item wdt:{prop} ?value .\n}}"
    )


def _labels(texts: Iterable[Literal]) -> str:
    """`texts` as the labels Wikidata could give them (a Chinese text in each zh tag)."""
    return " ".join(
        f"{json.dumps(str(t), ensure_ascii=False)}@{lang}"
        for t in texts
        for lang in LABEL_LANGUAGES.get((t.language or "").lower(), ())
    )


def name_query(names: Iterable[Literal]) -> str:
    return (
        f"PREFIX wd: <{WD}>\nPREFIX wdt: <{WDT}>\nPREFIX rdfs: <{RDFS}>\n"
        "SELECT ?name ?item ?orcid WHERE {\n"
        f"  VALUES ?name {{ {_labels(names)} }}\n  ?item rdfs:label ?name ; wdt:P31 wd:{HUMAN} .\n"
        "  OPTIONAL { ?item wdt:P496 ?orcid }\n}"
    )


def title_query(titles: Iterable[Literal]) -> str:
    listed = _labels(titles)
    return (
        f"PREFIX wdt: <{WDT}>\nPREFIX rdfs: <{RDFS}>\n"
        "SELECT ?title ?item ?date ?container ?doi ?issn WHERE {\n"
        f"  VALUES ?title {{ {listed} }}\n  ?item rdfs:label ?title .\n"
        "  OPTIONAL { ?item wdt:P577 ?date }\n  OPTIONAL { ?item wdt:P1433 ?container }\n"
        "  OPTIONAL { ?item wdt:P356 ?doi }\n  OPTIONAL { ?item wdt:P236 ?issn }\n}"
    )


# ------------------------------------------------------------------ one run


def read_links(path: Path, base_url: str) -> Graph:
    """The links file's triples (none when it does not exist yet). Raises UnreadableFile."""
    graph = Graph()
    if path.exists():
        for s, p, o, _ in load([path], base_url).quads((None, None, None, None)):
            graph.add((s, p, o))
    return graph


def existing_records(links: Graph, base_url: str) -> list[Record]:
    agent = URIRef(base_url + LINK_AGENT)
    records = []
    for node in links.subjects(RDF.predicate, OWL.sameAs):
        records.append(
            Record(
                entity=links.value(node, RDF.subject),
                target=links.value(node, RDF.object),
                service=str(links.value(node, PROV.hadPrimarySource)),
                node=node,
                curated=links.value(node, PROV.wasAttributedTo) != agent,
            )
        )
    return records


def plan_links(data: Graph, links: Graph, services: Sequence[Service], base_url: str) -> Plan:
    """Ask every service; compare with the links already recorded. Raises ServiceError."""
    plan = Plan()
    keys, plan.dropped = identifier_keys(data)
    records = existing_records(links, base_url)
    for service in services:
        found, queries = _items_by_identifier(service, keys, plan)
        accepted = _accept(data, found, queries, service, plan)
        _reconcile(data, accepted, records, service.endpoint, plan)
        linked = {a.entity for a in accepted} | {
            r.entity for r in records if r.service == service.endpoint
        }
        _propose(data, service, linked, plan)
        _propose_persons(data, service, linked, plan)
    return plan


def _items_by_identifier(
    service: Service, keys: list[Key], plan: Plan
) -> tuple[dict[URIRef, dict[URIRef, Key]], dict[str, str]]:
    """entity -> item -> the key that matched; and the query text per property."""
    found: dict[URIRef, dict[URIRef, Key]] = defaultdict(dict)
    queries: dict[str, str] = {}
    by_property: dict[str, list[Key]] = defaultdict(list)
    for key in keys:
        for prop in PROPERTIES[key.scheme]:
            by_property[prop].append(key)
    for prop, prop_keys in sorted(by_property.items()):
        spellings = {s for k in prop_keys for s in SPELLINGS.get(k.scheme, lambda v: {v})(k.value)}
        queries[prop] = identifier_query(prop, spellings)
        for row in service.select(queries[prop]):
            item, raw = _iri(row, "item"), _text(row, "value")
            if item is None or raw is None:
                continue
            for key in prop_keys:
                try:
                    value = NORMALISERS[key.scheme](raw)
                except MalformedIdentifier as error:
                    plan.dropped.append(f"{service.endpoint}: {item}: {error}; dropped")
                    break
                if value == key.value:
                    found[key.entity].setdefault(item, key)
    return found, queries


def _accept(
    data: Graph,
    found: dict[URIRef, dict[URIRef, Key]],
    queries: dict[str, str],
    service: Service,
    plan: Plan,
) -> list[Accepted]:
    """One item per entity is accepted; several items, or one item for several entities, are
    conflicts."""
    entities_of_item: dict[URIRef, set[URIRef]] = defaultdict(set)
    for entity, items in found.items():
        for item in items:
            entities_of_item[item].add(entity)
    accepted = []
    for entity, items in sorted(found.items()):
        name = _short(data, entity)
        if len(items) > 1:
            keys = sorted({k.describe() for k in items.values()})
            plan.conflicts.append(
                f"{name}: {', '.join(keys)} is on {len(items)} items of {service.endpoint} "
                f"({', '.join(sorted(str(i) for i in items))}): none accepted"
            )
            continue
        ((item, key),) = items.items()
        if len(entities_of_item[item]) > 1:
            others = sorted(_short(data, e) for e in entities_of_item[item])
            plan.conflicts.append(
                f"{name}: {item} carries identifiers of {', '.join(others)}: none accepted"
            )
            continue
        query = next(queries[p] for p in PROPERTIES[key.scheme] if p in queries)
        accepted.append(Accepted(entity, item, service.endpoint, key, query))
    return accepted


def _reconcile(
    data: Graph,
    accepted: list[Accepted],
    records: list[Record],
    endpoint: str,
    plan: Plan,
) -> None:
    mine = [r for r in records if r.service == endpoint]
    confirmed = set()
    for link in accepted:
        existing = [r for r in mine if r.entity == link.entity]
        same = [r for r in existing if r.target == link.target]
        if same:
            plan.unchanged.extend(same)
            confirmed.update(id(r) for r in same)
            continue
        curated = [r for r in existing if r.curated]
        if curated:
            confirmed.update(id(r) for r in curated)
            plan.conflicts.append(
                f"{_short(data, link.entity)}: {link.key.describe()} is on {link.target}, but a "
                f"person linked it to {', '.join(str(r.target) for r in curated)}: "
                "the curated link is kept"
            )
        elif existing:
            confirmed.update(id(r) for r in existing)
            plan.change.extend((r, link) for r in existing)
        else:
            plan.add.append(link)
    plan.unconfirmed.extend(r for r in mine if id(r) not in confirmed and not r.curated)


def _propose(data: Graph, service: Service, linked: set[URIRef], plan: Plan) -> None:
    """Candidates by title for the works and journals nobody has linked: printed, not written."""
    works = {w: titles for w, titles in titled_works(data).items() if w not in linked and titles}
    if not works:
        return
    by_title: dict[tuple[str, str], list[URIRef]] = defaultdict(list)
    for work, titles in works.items():
        for title in titles:
            by_title[(str(title), (title.language or "").lower())].append(work)
    rows = service.select(title_query({t for ts in works.values() for t in ts}))
    candidates: dict[tuple[URIRef, URIRef], dict[str, set[str]]] = {}
    for row in rows:
        item, title = _iri(row, "item"), row.get("title", {})
        lang = title.get("xml:lang", "").lower()
        family = next((k for k, langs in LABEL_LANGUAGES.items() if lang in langs), None)
        if item is None or family is None:
            continue
        for work in by_title.get((title.get("value", ""), family), []):
            facts = candidates.setdefault((work, item), defaultdict(set))
            for name in ("date", "container"):
                if name in row:
                    facts[name].add(row[name]["value"])
            for name, scheme in (("doi", "doi"), ("issn", "issn")):
                if name in row:
                    try:
                        facts[name].add(NORMALISERS[scheme](row[name]["value"]))
                    except MalformedIdentifier as error:
                        message = f"{service.endpoint}: {item}: {error}; dropped"
                        if message not in plan.dropped:
                            plan.dropped.append(message)
    for (work, item), facts in sorted(candidates.items()):
        plan.proposals.append(
            f"{_short(data, work)} ~ {item} (same title{_agreement(data, work, facts)}): "
            "a person must check it"
        )


def _propose_persons(data: Graph, service: Service, linked: set[URIRef], plan: Plan) -> None:
    """Humans of the same name for the persons nobody has linked: printed, not written."""
    persons = {p: names for p, names in named_persons(data).items() if p not in linked}
    if not persons:
        return
    by_name: dict[tuple[str, str], list[URIRef]] = defaultdict(list)
    for person, names in persons.items():
        for name in names:
            by_name[(str(name), (name.language or "").lower())].append(person)
    rows = service.select(name_query({n for ns in persons.values() for n in ns}))
    candidates: dict[tuple[URIRef, URIRef], dict[str, set[str]]] = {}
    for row in rows:
        item, name = _iri(row, "item"), row.get("name", {})
        lang = name.get("xml:lang", "").lower()
        family = next((k for k, langs in LABEL_LANGUAGES.items() if lang in langs), None)
        if item is None or family is None:
            continue
        for person in by_name.get((name.get("value", ""), family), []):
            facts = candidates.setdefault((person, item), defaultdict(set))
            facts["name"].add(name["value"])
            if "orcid" in row:
                try:
                    facts["orcid"].add(NORMALISERS["orcid"](row["orcid"]["value"]))
                except MalformedIdentifier as error:
                    message = f"{service.endpoint}: {item}: {error}; dropped"
                    if message not in plan.dropped:
                        plan.dropped.append(message)
    for (person, item), facts in sorted(candidates.items()):
        notes = [f"same name {', '.join(sorted(facts['name']))}", "a human"]
        if facts.get("orcid"):
            notes.append(f"its ORCID iD {', '.join(sorted(facts['orcid']))}")
        plan.proposals.append(
            f"{_short(data, person)} ~ {item} ({'; '.join(notes)}): a person must check it"
        )


def _agreement(data: Graph, work: URIRef, facts: dict[str, set[str]]) -> str:
    notes = []
    year = data.value(work, PRISM.publicationDate)
    years = {d[:4] for d in facts.get("date", ())}
    if year is not None and years:
        verdict = "agrees" if str(year)[:4] in years else f"differs: {', '.join(sorted(years))}"
        notes.append(f"year {str(year)[:4]} {verdict}")
    if facts.get("container"):
        notes.append(f"published in {', '.join(sorted(facts['container']))}")
    for name in ("doi", "issn"):
        if facts.get(name):
            notes.append(f"its {name.upper()} {', '.join(sorted(facts[name]))}")
    return "; " + "; ".join(notes) if notes else ""


def _iri(row: dict[str, dict[str, str]], name: str) -> URIRef | None:
    cell = row.get(name)
    return URIRef(cell["value"]) if cell and cell.get("type") == "uri" else None


def _text(row: dict[str, dict[str, str]], name: str) -> str | None:
    cell = row.get(name)
    return cell["value"] if cell and cell.get("type") in ("literal", "typed-literal") else None


# ------------------------------------------------------------------ writing


def apply_plan(links: Graph, plan: Plan, base_url: str, when: datetime) -> Graph:
    """`links` with the changed records removed and the new ones added."""
    for old, _ in plan.change:
        _remove_record(links, old)
    for link in [*plan.add, *(new for _, new in plan.change)]:
        _add_record(links, link, base_url, when)
    return links


def _remove_record(links: Graph, record: Record) -> None:
    links.remove((record.entity, OWL.sameAs, record.target))
    pending = [record.node]
    while pending:
        node = pending.pop()
        for _, _, value in links.triples((node, None, None)):
            if isinstance(value, BNode):
                pending.append(value)
        links.remove((node, None, None))


def _add_record(links: Graph, link: Accepted, base_url: str, when: datetime) -> None:
    agent = URIRef(base_url + LINK_AGENT)
    service = URIRef(link.service)
    stamp = Literal(when.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    record, activity, association, plan = BNode(), BNode(), BNode(), BNode()
    links.add((link.entity, OWL.sameAs, link.target))
    for triple in [
        (record, RDF.type, RDF.Statement),
        (record, RDF.type, PROV.Entity),
        (record, RDF.subject, link.entity),
        (record, RDF.predicate, OWL.sameAs),
        (record, RDF.object, link.target),
        (record, PROV.wasAttributedTo, agent),
        (record, PROV.generatedAtTime, stamp),
        (record, PROV.hadPrimarySource, service),
        (record, PROV.wasDerivedFrom, link.key.node),
        (record, PROV.wasGeneratedBy, activity),
        (
            record,
            DCTERMS.description,
            Literal(
                f"Accepted by identifier: {link.key.describe()} of "
                f"{link.entity[len(base_url) :]} is on {link.target} at {link.service}.",
                lang="en",
            ),
        ),
        (activity, RDF.type, PROV.Activity),
        (activity, PROV.used, service),
        (activity, PROV.endedAtTime, stamp),
        (activity, PROV.qualifiedAssociation, association),
        (association, RDF.type, PROV.Association),
        (association, PROV.agent, agent),
        (association, PROV.hadPlan, plan),
        (plan, RDF.type, PROV.Plan),
        (plan, PROV.value, Literal(link.query)),
        (service, RDF.type, PROV.Entity),
        (service, DCTERMS.description, Literal("SPARQL service queried by lodpub link", lang="en")),
        (agent, RDF.type, PROV.SoftwareAgent),
        (agent, RDFS.label, Literal(f"lodpub link {version('lodpub')}", lang="en")),
        (agent, PROV.actedOnBehalfOf, URIRef(base_url + EDITORS)),
    ]:
        links.add(triple)


def write_links(links: Graph, path: Path, base_url: str) -> None:
    """Write atomically: a temporary file beside `path`, then os.replace."""
    for prefix, namespace in [
        ("dcterms", DCTERMS),
        ("owl", OWL),
        ("prov", PROV),
        ("rdf", RDF),
        ("rdfs", RDFS),
        ("wd", WD),
        ("xsd", XSD),
    ]:
        links.bind(prefix, namespace)
    body = links.serialize(format="turtle")
    # rdflib writes absolute IRIs; the data holds no host name, so the publication's own IRIs
    # are made relative again (they are resolved against the base URL when loaded).
    body = body.replace("<" + base_url, "<")
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(HEADER + "\n" + body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html): the six verbs,
the protocol's errors and resumption tokens, with `oai_dc` records written from the same
record.Record as every other export. No Flask here: views/oai.py passes the request's
arguments in and sends the bytes out.

Items are the works: the article and every work it cites. An item's identifier is its IRI
(the protocol takes any URI; the `oai:` scheme is optional). The data states no date per
record, so every record's datestamp is the repository's: when the data files last changed
(`Repository.datestamp`, seconds granularity); `from` / `until` select all records or none.
There are no sets.

Lists are paged by a stable order, the items' IRIs as strings, with keyset tokens: a token
holds the last IRI sent, the cursor, the list's arguments and the data's version, so the
server keeps no state per harvest and a token stops working when the data changes. The
sorted list of items is computed once per dataset version with the dataset's figures
(catalogue.Figures.works: a file of the build read by bisection, or a list in memory for data
files) and a page is found in it by bisection: no request walks the items, and none holds
them all. Asking the store for the page instead (ORDER BY, FILTER, LIMIT) would scan every
item on each request: Oxigraph's indexes are not in IRI order. A page's records are read with
one query (`records`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from xml.etree import ElementTree as ET

from rdflib import Graph
from rdflib import URIRef

from lodpub.catalogue import Things
from lodpub.pages.reader import RECORD_LINKS
from lodpub.pages.reader import Reader
from lodpub.record import Record
from lodpub.record import read_record
from lodpub.store import Store
from lodpub.urls import UriSpace

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
for _prefix, _uri in (("", OAI), ("oai_dc", OAI_DC), ("dc", DC), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)

METADATA_FORMATS = {"oai_dc": (OAI_DC_SCHEMA, OAI_DC)}
# Which arguments each verb takes: required, optional, exclusive (alone besides the verb).
VERBS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {
    "Identify": ((), (), None),
    "ListMetadataFormats": ((), ("identifier",), None),
    "ListSets": ((), (), "resumptionToken"),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "GetRecord": (("identifier", "metadataPrefix"), (), None),
}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# DCMI Type of every item: all are texts.
DCMI_TEXT = "Text"


class ProtocolError(Exception):
    """One of the protocol's error conditions: `code` as OAI-PMH names it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Repository:
    """What the protocol needs to know about the publication."""

    store: Store
    space: UriSpace
    # The ontology, which record.record reads the schema.org types from.
    ontology: Graph
    # Every item's IRI, sorted as strings (catalogue.Figures.works).
    items: Things
    endpoint: str
    name: str
    admin_email: str
    datestamp: datetime
    page_size: int
    # Changes when the data does: tokens of older data are refused.
    version: str


def respond(repo: Repository, arguments: Mapping[str, Sequence[str]], now: datetime) -> bytes:
    """The OAI-PMH response (UTF-8 XML) to a request with `arguments` (each name with every
    value it was given, as a query string or form body carries them)."""
    root = ET.Element(f"{{{OAI}}}OAI-PMH")
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {OAI_SCHEMA}")
    _sub(root, "responseDate", _utc(now))
    request = _sub(root, "request", repo.endpoint)
    try:
        verb, args = _checked(arguments)
        request.set("verb", verb)
        for name, value in args.items():
            request.set(name, value)
        root.append(HANDLERS[verb](repo, args))
    except ProtocolError as error:
        if error.code in ("badVerb", "badArgument"):
            # The protocol: the request element then holds the base URL only.
            request.attrib.clear()
        _sub(root, "error", error.message).set("code", error.code)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _checked(arguments: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments; ProtocolError when the request breaks the protocol."""
    verbs = arguments.get("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        given = f" {verbs[0]!r}" if len(verbs) == 1 else ("" if not verbs else " twice")
        raise ProtocolError(
            "badVerb",
            f"The verb{given} is not one of OAI-PMH's: {', '.join(VERBS)}; give exactly one.",
        )
    verb = verbs[0]
    required, optional, exclusive = VERBS[verb]
    allowed = {*required, *optional, *([exclusive] if exclusive else [])}
    args: dict[str, str] = {}
    for name, values in arguments.items():
        if name == "verb":
            continue
        if name not in allowed:
            raise ProtocolError("badArgument", f"{verb} takes no argument {name!r}.")
        if len(values) != 1:
            raise ProtocolError("badArgument", f"The argument {name!r} is given more than once.")
        args[name] = values[0]
    if exclusive in args and len(args) > 1:
        raise ProtocolError("badArgument", f"{exclusive} must be the only argument with {verb}.")
    missing = [name for name in required if name not in args]
    if missing and exclusive not in args:
        raise ProtocolError("badArgument", f"{verb} needs the argument(s) {', '.join(missing)}.")
    return verb, args


def identify(repo: Repository, args: Mapping[str, str]) -> ET.Element:
    element = ET.Element(f"{{{OAI}}}Identify")
    _sub(element, "repositoryName", repo.name)
    _sub(element, "baseURL", repo.endpoint)
    _sub(element, "protocolVersion", "2.0")
    _sub(element, "adminEmail", repo.admin_email)
    _sub(element, "earliestDatestamp", _utc(repo.datestamp))
    _sub(element, "deletedRecord", "no")
    _sub(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    return element


def list_metadata_formats(repo: Repository, args: Mapping[str, str]) -> ET.Element:
    if "identifier" in args:
        _item(repo, args["identifier"], "noMetadataFormats")
    element = ET.Element(f"{{{OAI}}}ListMetadataFormats")
    for prefix, (schema, namespace) in METADATA_FORMATS.items():
        listed = _sub(element, "metadataFormat")
        _sub(listed, "metadataPrefix", prefix)
        _sub(listed, "schema", schema)
        _sub(listed, "metadataNamespace", namespace)
    return element


def list_sets(repo: Repository, args: Mapping[str, str]) -> ET.Element:
    raise ProtocolError("noSetHierarchy", "This repository has no sets.")


def get_record(repo: Repository, args: Mapping[str, str]) -> ET.Element:
    _metadata_prefix(args["metadataPrefix"])
    iri = _item(repo, args["identifier"], "cannotDisseminateFormat")
    element = ET.Element(f"{{{OAI}}}GetRecord")
    element.append(_record(repo, records(repo.store, repo.ontology, [iri])[0]))
    return element


def list_identifiers(repo: Repository, args: Mapping[str, str]) -> ET.Element:
    return _list(repo, args, "ListIdentifiers")


def list_records(repo: Repository, args: Mapping[str, str]) -> ET.Element:
    return _list(repo, args, "ListRecords")


HANDLERS: dict[str, Callable[[Repository, Mapping[str, str]], ET.Element]] = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
    "GetRecord": get_record,
}


@dataclass(frozen=True)
class Token:
    """Where a list stands: its arguments, how many items were sent, the last one's IRI."""

    version: str
    prefix: str
    start: str | None
    until: str | None
    cursor: int
    after: str

    def encode(self) -> str:
        fields = [self.version, self.prefix, self.start, self.until, self.cursor, self.after]
        return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, version: str) -> Token:
        """The token `text`; ProtocolError badResumptionToken when it is not one of ours or
        was issued for other data."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            version_, prefix, start, until, cursor, after = json.loads(raw)
            token = cls(version_, prefix, start, until, int(cursor), after)
            valid = all(isinstance(v, str | None) for v in (prefix, start, until)) and (
                isinstance(after, str) and token.cursor > 0
            )
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            valid = False
        if not valid:
            raise ProtocolError("badResumptionToken", "The resumption token is not valid.")
        if token.version != version:
            raise ProtocolError(
                "badResumptionToken",
                "The data changed since this resumption token was issued: start the list again.",
            )
        return token


def _list(repo: Repository, args: Mapping[str, str], verb: str) -> ET.Element:
    if "resumptionToken" in args:
        token = Token.decode(args["resumptionToken"], repo.version)
    else:
        if "set" in args:
            raise ProtocolError("noSetHierarchy", "This repository has no sets.")
        _metadata_prefix(args["metadataPrefix"])
        start, until = _range(args.get("from"), args.get("until"))
        token = Token(repo.version, args["metadataPrefix"], start, until, 0, "")
    if not _in_range(repo.datestamp, token.start, token.until):
        raise ProtocolError(
            "noRecordsMatch",
            f"Every record's datestamp is {_utc(repo.datestamp)}, outside from/until.",
        )
    works = page(repo.items, token.after, repo.page_size + 1)
    if not works:
        raise ProtocolError("noRecordsMatch", "No records match the request.")
    shown = works[: repo.page_size]
    element = ET.Element(f"{{{OAI}}}{verb}")
    if verb == "ListRecords":
        for found in records(repo.store, repo.ontology, shown):
            element.append(_record(repo, found))
    else:
        for iri in shown:
            element.append(_header(repo, iri))
    more = len(works) > repo.page_size
    if more or token.cursor:
        following = Token(
            repo.version, token.prefix, token.start, token.until,
            token.cursor + len(shown), str(shown[-1]),
        )  # fmt: skip
        resumption = _sub(element, "resumptionToken", following.encode() if more else None)
        resumption.set("cursor", str(token.cursor))
    return element


def records(store: Store, ontology: Graph, works: Sequence[str]) -> list[Record]:
    """The records of `works`, in that order, from one query: every triple of each work and
    of the nodes it reaches through reader.RECORD_LINKS, which is all the one reader of
    descriptions (lodpub.pages.reader) reads for a record. So these are the records the pages
    and citation documents read from the works' descriptions (a test compares them), at a
    fraction of the cost of describing each work."""
    links = "|".join(f"<{link}>" for link in RECORD_LINKS)
    values = " ".join(f"<{URIRef(work)}>" for work in works)
    read = Reader(
        store.triples(
            f"CONSTRUCT {{ ?node ?p ?o }} WHERE {{ VALUES ?work {{ {values} }} "
            f"?work ({links})* ?node . ?node ?p ?o }}"
        )
    )
    return [read_record(read, ontology, URIRef(work)) for work in works]


def page(items: Things, after: str, limit: int) -> list[str]:
    """At most `limit` items whose IRIs sort after `after`, in that order."""
    start = items.position_after(after)
    return items.window(start, start + limit)


def _item(repo: Repository, identifier: str, no_format_code: str) -> URIRef:
    """The work named `identifier`. ProtocolError idDoesNotExist when the publication has
    nothing by that IRI, `no_format_code` when it has but it is not a work (a person, a
    reference: no metadata format describes it)."""
    unknown = ProtocolError(
        "idDoesNotExist",
        f"{identifier!r} is not an identifier of this repository: items are the IRIs of the "
        f"works, such as {repo.space.thing('br/1')}.",
    )
    try:
        iri = URIRef(identifier)
        repo.space.thing(repo.space.path(iri))
    except ValueError:
        raise unknown from None
    if identifier in repo.items:
        return iri
    if _exists(repo.store, iri):
        raise ProtocolError(
            no_format_code,
            f"{identifier} is in the publication but is not a work (the article or a work it "
            "cites): no metadata format describes it.",
        )
    raise unknown


def _exists(store: Store, iri: URIRef) -> bool:
    """Whether the data has a triple with `iri` as subject or object."""
    query = f"""
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          {{ SELECT ?s ?p ?o WHERE {{
              {{ <{iri}> ?p ?o BIND(<{iri}> AS ?s) }} UNION {{ ?s ?p <{iri}> BIND(<{iri}> AS ?o) }}
            }} LIMIT 1 }}
        }}"""
    return len(store.construct(query)) > 0


def _metadata_prefix(prefix: str) -> None:
    if prefix not in METADATA_FORMATS:
        raise ProtocolError(
            "cannotDisseminateFormat",
            f"No metadata format {prefix!r} here; formats: {', '.join(METADATA_FORMATS)}.",
        )


def _range(start: str | None, until: str | None) -> tuple[str | None, str | None]:
    """`from` and `until` as full UTC datetimes (a day means its first or last second)."""
    for name, value in (("from", start), ("until", until)):
        if value is not None and not (DAY.fullmatch(value) or SECOND.fullmatch(value)):
            raise ProtocolError(
                "badArgument",
                f"{name}={value!r} is not a UTC date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ).",
            )
    if start and until and len(start) != len(until):
        raise ProtocolError("badArgument", "from and until must have the same granularity.")
    start = start + "T00:00:00Z" if start and DAY.fullmatch(start) else start
    until = until + "T23:59:59Z" if until and DAY.fullmatch(until) else until
    try:
        for value in (start, until):
            if value:
                datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ProtocolError("badArgument", "from or until is not a real date.") from None
    if start and until and start > until:
        raise ProtocolError("badArgument", "from is later than until.")
    return start, until


def _in_range(stamp: datetime, start: str | None, until: str | None) -> bool:
    text = _utc(stamp)
    return (start is None or start <= text) and (until is None or text <= until)


def _record(repo: Repository, record: Record) -> ET.Element:
    element = ET.Element(f"{{{OAI}}}record")
    element.append(_header(repo, record.iri))
    metadata = _sub(element, "metadata")
    metadata.append(oai_dc(record))
    return element


def _header(repo: Repository, identifier: str) -> ET.Element:
    element = ET.Element(f"{{{OAI}}}header")
    _sub(element, "identifier", identifier)
    _sub(element, "datestamp", _utc(repo.datestamp))
    return element


def oai_dc(record: Record) -> ET.Element:
    """The record as unqualified Dublin Core (`oai_dc:dc`)."""
    dc = ET.Element(f"{{{OAI_DC}}}dc")
    dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {OAI_DC_SCHEMA}")

    def add(name: str, value: object, language: str | None = None) -> None:
        if value:
            element = ET.SubElement(dc, f"{{{DC}}}{name}")
            element.text = str(value)
            if language:
                element.set(XML_LANG, language)

    for title in (record.title, record.translated_title):
        add("title", title, title.language if title else None)
    for author in record.authors:
        # "Family, Given" for names in Latin script (Maggi, G), CJK names as written (孙晓蕾).
        name = author.name
        add("creator", name.inverted if _is_latin(name.text) else name.text)
    for keyword in record.keywords:
        add("subject", keyword, keyword.language)
    if record.abstract:
        add("description", record.abstract, record.abstract.language)
    if record.publisher:
        add("publisher", record.publisher, record.publisher.language)
    add("date", record.date)
    add("type", DCMI_TEXT)
    add("type", record.genre)
    add("identifier", record.iri)
    add("identifier", record.doi_url)
    for url in record.urls:
        add("identifier", url)
    if record.container_title:
        add("source", record.container_title, record.container_title.language)
    add("language", record.language)
    add("rights", record.licence)
    return dc


def _is_latin(text: str) -> bool:
    return all(ord(c) < 0x250 for c in text)


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{OAI}}}{name}")
    element.text = text
    return element


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""OAI-PMH at /oai on a real server with a page size of 4: every response valid against the
protocol's XML Schema and every record against the oai_dc schema (lxml), every error code
provoked, and the whole repository harvested by sickle and oaipmh-scythe through resumption
tokens.

The schemas are the published files as two PyPI packages ship them (pyoai's sdist has
OAI-PMH.xsd, core_oaipmh_provider_app's has oai_dc.xsd and simpledc20021212.xsd; xml.xsd comes
with xmlschema): pip downloads the pinned sdists once into pytest's cache, and the tests check
their sha256 before reading them. Nothing is copied into the repository.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
import requests
import xmlschema
from conftest import serving
from flask import Flask
from lxml import etree
from oaipmh_scythe import Scythe
from rdflib import Graph
from rdflib import URIRef
from sickle import Sickle

from lodpub import oai
from lodpub.config import Config
from lodpub.record import Record
from lodpub.record import record
from lodpub.urls import UriSpace
from lodpub.views.state import description
from lodpub.views.state import ontology
from lodpub.views.state import store
from lodpub.vocab import CITO

pytest_plugins = ["site_fixtures"]

PAGE_SIZE = 4
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
# sdist, its sha256, and where the schema files are inside it.
SDISTS = {
    "pyoai==2.5.0": (
        "pyoai-2.5.0.tar.gz",
        "029521e1f6a819511feb4299a6181b5c312e8a71f7cddc4547e27001e7552be0",
        {"OAI-PMH.xsd": "pyoai-2.5.0/src/oaipmh/tests/OAI-PMH.xsd"},
    ),
    "core-oaipmh-provider-app==2.23.0": (
        "core_oaipmh_provider_app-2.23.0.tar.gz",
        "4df9ca2de912d3cbb73ed2b8d55de18c3bb23a95bf900a767cc8d6d1dfddd038",
        {
            name: f"core_oaipmh_provider_app-2.23.0/core_oaipmh_provider_app/static/"
            f"core_oaipmh_provider_app/xsd/{name}"
            for name in ("oai_dc.xsd", "simpledc20021212.xsd")
        },
    ),
}
# Where the schemas import each other from, and the file that holds each.
IMPORTS = {
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
}


class _Local(etree.Resolver):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):
        name = IMPORTS.get(url)
        return self.resolve_filename(str(self.folder / name), context) if name else None


@pytest.fixture(scope="module")
def schemas(request) -> dict[str, etree.XMLSchema]:
    """The OAI-PMH and oai_dc schemas, from the packages' files (see the module's text)."""
    folder = Path(request.config.cache.mkdir("oai-schemas"))
    for requirement, (filename, sha256, members) in SDISTS.items():
        archive = folder / filename
        if not archive.exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                 "--quiet", "--dest", str(folder), requirement],
                check=True, timeout=300,
            )  # fmt: skip
        assert hashlib.sha256(archive.read_bytes()).hexdigest() == sha256, filename
        with tarfile.open(archive) as sdist:
            for name, member in members.items():
                (folder / name).write_bytes(sdist.extractfile(member).read())
    xml_xsd = Path(xmlschema.__file__).parent / "schemas" / "XML" / "xml.xsd"
    (folder / "xml.xsd").write_bytes(xml_xsd.read_bytes())
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Local(folder))

    def load(name: str) -> etree.XMLSchema:
        return etree.XMLSchema(etree.parse(str(folder / name), parser))

    return {"oai": load("OAI-PMH.xsd"), "oai_dc": load("oai_dc.xsd")}


@pytest.fixture(scope="module")
def oai_server() -> Iterator[str]:
    """A real server whose lists hold PAGE_SIZE items; yields its /oai URL."""
    with serving(env={"LODPUB_OAI_PAGE_SIZE": str(PAGE_SIZE)}) as base_url:
        yield base_url + "oai"


@pytest.fixture(scope="module")
def works(oai_server: str, data: Graph, article: URIRef, base: str) -> list[str]:
    """The IRIs of the article and every work it cites, on the OAI server's base URL."""
    own = [str(article), *map(str, data.objects(article, CITO.cites))]
    server_base = oai_server.removesuffix("oai")
    return sorted(server_base + iri.removeprefix(base) for iri in own)


@pytest.fixture(scope="module")
def records(app: Flask, data: Graph, article: URIRef, space: UriSpace) -> dict[str, Record]:
    """Every work's record built in-process, by IRI path."""
    found = [article, *data.objects(article, CITO.cites)]
    with app.app_context():
        return {space.path(w): record(description(w).triples, ontology(), w) for w in found}


def get(url: str, schemas, **params: str | list[str]) -> etree._Element:
    """The response to `params`, checked against the schemas (each record's oai_dc too)."""
    response = requests.get(url, params=params, timeout=120)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(response.content)
    schemas["oai"].assertValid(root)
    for dc in root.iterfind(".//oai_dc:dc", NS):
        schemas["oai_dc"].assertValid(etree.ElementTree(dc))
    return root


def error_code(root: etree._Element) -> str | None:
    error = root.find("oai:error", NS)
    return None if error is None else error.get("code")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"verb": "Identify"}, None),
        ({"verb": "ListMetadataFormats"}, None),
        ({"verb": "ListMetadataFormats", "identifier": "{base}br/1"}, None),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "{base}br/105"}, None),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}, None),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2000-01-01"}, None),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-45"}, "badArgument"),
        ({"verb": "Identify", "identifier": "{base}br/1"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "marcxml"}, "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "urn:x"},
         "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"},
         "noRecordsMatch"),
        ({"verb": "ListMetadataFormats", "identifier": "{base}ra/1"}, "noMetadataFormats"),
        ({"verb": "ListSets"}, "noSetHierarchy"),
        # Hostile or broken requests get the protocol's errors too.
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc",
          "identifier": "{base}br/1> } ; CLEAR ALL ; #"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "resumptionToken": "W10"}, "badResumptionToken"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)  # fmt: skip
def test_every_verb_and_error_is_valid(oai_server, schemas, params, code) -> None:
    base = oai_server.removesuffix("oai")
    params = {
        key: value.replace("{base}", base) if isinstance(value, str) else value
        for key, value in params.items()
    }
    root = get(oai_server, schemas, **params)
    assert error_code(root) == code
    request = root.find("oai:request", NS)
    assert request.text == oai_server
    # After badVerb or badArgument the request element holds the base URL only.
    expected = {} if code in ("badVerb", "badArgument") else params
    assert dict(request.attrib) == expected
    if code is None:
        assert root.find(f"oai:{params['verb']}", NS) is not None


def test_lists_page_by_resumption_tokens(oai_server, schemas, works) -> None:
    seen: list[str] = []
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    cursors = []
    while True:
        root = get(oai_server, schemas, **params)
        headers = root.findall(".//oai:header/oai:identifier", NS)
        assert 0 < len(headers) <= PAGE_SIZE
        seen += [h.text for h in headers]
        token = root.find(".//oai:resumptionToken", NS)
        if token is None or not token.text:
            break
        cursors.append(int(token.get("cursor")))
        params = {"verb": "ListIdentifiers", "resumptionToken": token.text}
    assert seen == works  # every work once, in IRI order
    assert cursors == list(range(0, len(works) - PAGE_SIZE, PAGE_SIZE))
    # The last page of a resumed list carries an empty token with its cursor.
    assert token is not None and not token.text
    assert int(token.get("cursor")) == PAGE_SIZE * (len(cursors))


def test_token_of_other_data_is_refused(oai_server, schemas) -> None:
    root = get(oai_server, schemas, verb="ListRecords", metadataPrefix="oai_dc")
    token = root.find(".//oai:resumptionToken", NS).text
    fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    fields[0] = "0" * len(fields[0])
    other = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")
    root = get(oai_server, schemas, verb="ListRecords", resumptionToken=other)
    assert error_code(root) == "badResumptionToken"
    assert "data changed" in root.find("oai:error", NS).text


def test_identify_names_the_dataset_and_its_datestamp(oai_server, schemas) -> None:
    root = get(oai_server, schemas, verb="Identify")
    identify = root.find("oai:Identify", NS)
    assert identify.findtext("oai:baseURL", namespaces=NS) == oai_server
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    # The datestamp of every record: when the data files last changed.
    data_file = Config.load({})["DATA_FILES"][0]
    changed = datetime.fromtimestamp(int(data_file.stat().st_mtime), UTC)
    stamp = changed.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert identify.findtext("oai:earliestDatestamp", namespaces=NS) == stamp
    day = stamp[:10]
    listed = get(oai_server, schemas, verb="ListIdentifiers", metadataPrefix="oai_dc", until=day)
    assert {d.text for d in listed.iterfind(".//oai:datestamp", NS)} == {stamp}
    before = get(
        oai_server, schemas, verb="ListRecords", metadataPrefix="oai_dc", until="2000-01-01"
    )
    assert error_code(before) == "noRecordsMatch"


def test_post_answers_as_get(oai_server, schemas) -> None:
    posted = requests.post(oai_server, data={"verb": "ListMetadataFormats"}, timeout=60)
    root = etree.fromstring(posted.content)
    schemas["oai"].assertValid(root)
    assert root.findtext(".//oai:metadataPrefix", namespaces=NS) == "oai_dc"


def test_oai_dc_says_what_the_record_says(oai_server, schemas, records) -> None:
    base = oai_server.removesuffix("oai")
    for path in ("br/1", "br/105", "br/108"):
        work = records[path]
        root = get(
            oai_server, schemas, verb="GetRecord", metadataPrefix="oai_dc", identifier=base + path
        )
        dc = root.find(".//oai_dc:dc", NS)

        def values(name: str, dc=dc) -> list[str]:
            return [e.text for e in dc.iterfind(f"dc:{name}", NS)]

        assert values("title")[0] == work.title.value
        assert len(values("creator")) == len(work.authors)
        for written, author in zip(values("creator"), work.authors, strict=True):
            assert author.name.family is None or author.name.family in written
            assert author.name.given is None or author.name.given in written
        assert values("date") == [work.date]
        assert values("language") == [work.language]
        assert (values("source") or [None])[0] == (
            work.container_title.value if work.container_title else None
        )
        assert base + path in values("identifier")
        if work.doi:
            assert f"https://doi.org/{work.doi}" in values("identifier")


def test_oai_records_are_those_every_other_export_reads(app, data, article, space) -> None:
    """One query per page reads the records; they must equal the records read from each
    work's description, which the pages and citation documents use."""
    works = [article, *sorted(data.objects(article, CITO.cites))]
    with app.app_context():
        described = [record(description(w).triples, ontology(), w) for w in works]
        assert oai.records(store(), ontology(), [str(w) for w in works]) == described
        for work, expected in zip(works, described, strict=True):
            assert oai.records(store(), ontology(), [str(work)]) == [expected]


def test_sickle_harvests_every_record(oai_server, works, records) -> None:
    harvested = {}
    for item in Sickle(oai_server).ListRecords(metadataPrefix="oai_dc"):
        assert item.header.identifier not in harvested
        harvested[item.header.identifier] = item.metadata
    assert sorted(harvested) == works
    base = oai_server.removesuffix("oai")
    for path, work in records.items():
        assert harvested[base + path]["title"][0] == work.title.value
        assert len(harvested[base + path].get("creator", [])) == len(work.authors)


def test_oaipmh_scythe_harvests_every_record(oai_server, works) -> None:
    with Scythe(oai_server) as scythe:
        identifiers = [h.identifier for h in scythe.list_identifiers(metadata_prefix="oai_dc")]
        harvested = list(scythe.list_records(metadata_prefix="oai_dc"))
    assert identifiers == works
    assert [r.header.identifier for r in harvested] == works
    assert all(r.metadata["title"] for r in harvested)

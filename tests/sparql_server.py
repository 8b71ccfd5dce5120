"""One real `lodpub serve` for the SPARQL endpoint's HTTP tests (test_sparql*.py, test_w3c*.py).

It serves the publication's data plus the named graphs the W3C protocol tests expect
(http://kasei.us/2009/09/sparql/data/dataN.rdf holding the triples of dataN.nt, written to a
TriG file at test time), with small limits so that the safety tests run quickly. Started once
per test session, whichever module asks first; stopped when the session ends.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SHARED
from conftest import serving
from rdflib import Dataset
from rdflib import Graph
from rdflib import URIRef

from lodpub.config import Config

PROTOCOL = SHARED / "w3c" / "sparql" / "sparql11" / "protocol"
KASEI = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
# The limits the server under test runs with (kept small: the tests hit them on purpose).
QUERY_TIMEOUT = 3.0
MAX_RESULT_ROWS = 500
MAX_QUERY_BYTES = 16384


@dataclass(frozen=True)
class Endpoint:
    base_url: str

    @property
    def url(self) -> str:
        return self.base_url + "sparql"


_running: dict[str, Endpoint] = {}


def shared_endpoint() -> Endpoint:
    """The running server (see the module docstring), started on the first call; skips the
    calling test when ../shared is absent. Test modules wrap it in an `endpoint` fixture."""
    if not PROTOCOL.is_dir():
        pytest.skip(f"{PROTOCOL} is absent (the W3C suites sit in ../shared beside the checkout)")
    if "server" not in _running:
        _running["server"] = _start()
    return _running["server"]


def _start() -> Endpoint:
    # Stopped (and its folder removed) when the interpreter exits, after the whole session.
    stack = ExitStack()
    atexit.register(stack.close)
    folder = Path(tempfile.mkdtemp(prefix="lodpub-sparql-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    graphs = folder / "w3c-protocol-graphs.trig"
    dataset = Dataset()
    for n in (1, 2, 3):
        named = dataset.graph(URIRef(KASEI.format(n)))
        named += Graph().parse(PROTOCOL / f"data{n}.nt", format="nt")
    dataset.serialize(graphs, format="trig")
    data = [arg for path in Config.load()["DATA_FILES"] for arg in ("--data", str(path))]
    limits = {
        "LODPUB_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
        "LODPUB_MAX_RESULT_ROWS": str(MAX_RESULT_ROWS),
        "LODPUB_MAX_QUERY_BYTES": str(MAX_QUERY_BYTES),
    }
    # Two server processes, as deployed: the limits must hold in each.
    server = serving(
        "--workers", "2", "--threads", "8", *data, "--data", str(graphs), env=limits, ready="sparql"
    )
    return Endpoint(stack.enter_context(server))

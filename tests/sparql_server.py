"""One real `lodpub serve` for the SPARQL endpoint's HTTP tests (test_sparql*.py, test_w3c*.py).

It serves the publication's data plus the named graphs the W3C protocol tests expect
(http://kasei.us/2009/09/sparql/data/dataN.rdf holding the triples of dataN.nt, written to a
TriG file at test time), with small limits so that the safety tests run quickly. Started once
per test session, whichever module asks first; stopped when the session ends.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from conftest import free_port
from rdflib import Dataset
from rdflib import Graph
from rdflib import URIRef

from lodpub.config import Config

SHARED = Path(__file__).resolve().parents[2] / "shared"
PROTOCOL = SHARED / "w3c" / "sparql" / "sparql11" / "protocol"
KASEI = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
# The limits the server under test runs with (kept small: the tests hit them on purpose).
QUERY_TIMEOUT = 3.0
MAX_RESULT_ROWS = 500
MAX_QUERY_BYTES = 16384
STARTUP_DEADLINE_S = 300


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
    folder = Path(tempfile.mkdtemp(prefix="lodpub-sparql-"))
    graphs = folder / "w3c-protocol-graphs.trig"
    dataset = Dataset()
    for n in (1, 2, 3):
        named = dataset.graph(URIRef(KASEI.format(n)))
        named += Graph().parse(PROTOCOL / f"data{n}.nt", format="nt")
    dataset.serialize(graphs, format="trig")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k not in ("LODPUB_BASE_URL", "LODPUB_HOST")}
    env.update(
        LODPUB_QUERY_TIMEOUT=str(QUERY_TIMEOUT),
        LODPUB_MAX_RESULT_ROWS=str(MAX_RESULT_ROWS),
        LODPUB_MAX_QUERY_BYTES=str(MAX_QUERY_BYTES),
    )
    data = [arg for path in Config.load()["DATA_FILES"] for arg in ("--data", str(path))]
    log = (folder / "server.log").open("wb")
    command = [sys.executable, "-m", "lodpub", "serve", "--port", str(port), "--threads", "8"]
    process = subprocess.Popen(
        [*command, *data, "--data", str(graphs)], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    atexit.register(_stop, process, folder)
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (folder / "server.log").read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"lodpub serve exited with {process.returncode}:\n{output[-3000:]}")
        try:
            requests.get(base_url + "sparql", timeout=5)
            return Endpoint(base_url)
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.3)
    _stop(process, folder)
    pytest.fail(f"lodpub serve did not answer at {base_url} within {STARTUP_DEADLINE_S} s")


def _stop(process: subprocess.Popen, folder: Path) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)

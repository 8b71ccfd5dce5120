"""Fixtures every test builds on: the app (create_app), its test client, a CLI runner, one
real `lodpub serve` on a loopback port for tests that speak HTTP (`serving` starts others),
the shapes and ontology, and a headless chromium for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from playwright import sync_api
from rdflib import Graph
from rdflib import URIRef

from lodpub.app import create_app

if TYPE_CHECKING:
    from sparql_server import Endpoint
from lodpub.config import DEFAULT_BASE_URL
from lodpub.dataset import load_ontology
from lodpub.dataset import load_shapes
from lodpub.vocab import OCO
from lodpub.vocab import PRO

# ../shared beside the checkout: the seed page, facts, vocabularies, W3C test suites.
SHARED = Path(__file__).resolve().parents[2] / "shared"
# Validating the real data runs every shape; on a busy 2-core machine that takes a while.
STARTUP_DEADLINE_S = 300
# Headless in a sandboxed container with no network but loopback: no GPU, no sandbox, and none
# of the background connections chromium makes to Google's hosts at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared folder; tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the shared material sits beside the checkout)")
    return SHARED


@pytest.fixture(scope="session")
def app() -> Flask:
    """The app on the publication's own data, shapes and ontology. Session-scoped: creating
    it validates the data, and the app never changes its data."""
    return create_app({"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The SHACL shapes on the default base URL (http://127.0.0.1:8080/). One per module, not
    per session: pyshacl adds two RDFS/OWL axioms (owl:Class rdfs:subClassOf rdfs:Class, …)
    to a shapes graph it validates with, which one module must not pass on to the next."""
    return load_shapes(DEFAULT_BASE_URL)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The lodpub ontology on the default base URL, one per module like `shapes`."""
    return load_ontology(DEFAULT_BASE_URL)


@pytest.fixture(scope="session")
def browser() -> Iterator[sync_api.Browser]:
    """Debian's chromium, headless, driven by Playwright; one for the whole session. Errors
    (rather than skips) when chromium is absent: the browser tests are part of the suite."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not on PATH: install Debian's chromium package to run this test")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/artifacts/, where the browser tests leave their screenshots."""
    folder = Path(__file__).resolve().parent / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def byline(data: Graph, work: URIRef) -> list[URIRef]:
    """The work's authors in `oco:hasNext` order, read from the data."""
    roles = [
        r for r in data.objects(work, PRO.isDocumentContextFor)
        if (r, PRO.withRole, PRO.author) in data
    ]  # fmt: skip
    ordered = [r for r in roles if (None, OCO.hasNext, r) not in data]
    assert len(ordered) == 1
    while (following := data.value(ordered[-1], OCO.hasNext)) is not None:
        ordered.append(following)
    assert len(ordered) == len(roles)
    return [data.value(r, PRO.isHeldBy) for r in ordered]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    *args: str,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    ready: str = "",
    log_path: Path | None = None,
) -> Iterator[str]:
    """A real `python -m lodpub serve` (the production server, lodpub.front) on
    127.0.0.1:`port` (default: a free one) with extra
    command-line `args` and `env` variables; yields its base URL once `ready` (a path under
    it) answers, and stops the server on exit. LODPUB_BASE_URL and LODPUB_HOST are dropped
    from the environment, so the base URL is the server's own. The server's output goes to
    `log_path` when given. Fails the calling test when the server exits or does not answer
    within STARTUP_DEADLINE_S."""
    port = free_port() if port is None else port
    base_url = f"http://127.0.0.1:{port}/"
    dropped = ("LODPUB_BASE_URL", "LODPUB_HOST")
    environment = {k: v for k, v in os.environ.items() if k not in dropped} | dict(env or {})
    command = [sys.executable, "-m", "lodpub", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "w+b") if log_path else tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*command, *args], stdout=log, stderr=subprocess.STDOUT, env=environment
        )
        try:
            _wait_until_responds(base_url + ready, process, log)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def endpoint() -> Endpoint:
    """The SPARQL tests' one server (tests/sparql_server.py: the article plus the W3C suite's
    named graphs, small limits), started on first use and shared by every module."""
    # Imported here: sparql_server builds on this module's `serving`.
    from sparql_server import shared_endpoint

    return shared_endpoint()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real `python -m lodpub serve` on a free 127.0.0.1 port, as deployed: the production
    server (granian) with two server processes; yields its base URL."""
    with serving("--workers", "2") as base_url:
        yield base_url


def _wait_until_responds(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode("utf-8", "replace")
            pytest.fail(f"lodpub serve exited with {process.returncode}:\n{output}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"lodpub serve did not answer at {url} within {STARTUP_DEADLINE_S} s")

"""Fixtures every test builds on: the app (create_app), its test client, a CLI runner, and one
real `lodpub serve` on a loopback port for tests that speak HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from lodpub.app import create_app

# ../shared beside the checkout: the seed page, facts, vocabularies, W3C test suites.
SHARED = Path(__file__).resolve().parents[2] / "shared"
# Validating the real data runs every shape; on a busy 2-core machine that takes a while.
STARTUP_DEADLINE_S = 300


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real `python -m lodpub serve` on a free 127.0.0.1 port; yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k not in ("LODPUB_BASE_URL", "LODPUB_HOST")}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "lodpub", "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            _wait_until_responds(base_url, process, log)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=30)


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

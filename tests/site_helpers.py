"""Helpers the linked-data site's tests share; fixtures are in site_fixtures.py,
the data as the tests read it in rdf_helpers.py."""

from __future__ import annotations


def local(url: str, base: str) -> str:
    """The path of an absolute URL of the app, for the test client."""
    return "/" + url[len(base) :]

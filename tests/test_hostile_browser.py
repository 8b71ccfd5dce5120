"""Script injection: in a real browser (Debian's chromium, headless, Playwright), every kind
of page renders under the Content-Security-Policy with no violation, the query page's own
script still runs, and an IRI that is not http(s) in a query's result is text, never a link.
Every answer carries the security headers."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests

from lodpub.app import CONTENT_SECURITY_POLICY

INJECTION = "SELECT ?x WHERE { BIND(<javascript:alert(document.domain)> AS ?x) }"
PAGES = ["", "doc/br/1.html", "doc/be/3.html", "doc/ra/1.html", "doc/br/2.html", "ontology",
         "doc/dataset.html", "sparql", "no/such/thing",
         "sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "format": "html"}),
         "sparql?" + urlencode({"query": INJECTION, "format": "html"})]  # fmt: skip


def _violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_with_no_csp_violation(browser, live_server: str, path: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    response = page.goto(live_server + path)
    assert response is not None
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page.wait_for_load_state("load")
    # The page and its style sheets loaded.
    assert page.locator("main").count() == 1
    assert page.evaluate("document.styleSheets.length") >= 1
    assert _violations(messages) == []
    context.close()


def test_query_page_script_runs_under_the_policy(browser, live_server: str) -> None:
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(live_server + "sparql")
    # sparql.js hides the Load button and fills the box when an example is picked.
    assert page.locator(".examples .load").is_hidden()
    page.select_option("#example", "references-by-year")
    assert "GROUP BY ?year" in page.input_value("#query")
    assert _violations(messages) == []
    page.close()


def test_javascript_iri_in_a_result_is_not_a_link(browser, live_server: str) -> None:
    page = browser.new_page()
    page.goto(live_server + "sparql?" + urlencode({"query": INJECTION, "format": "html"}))
    cell = page.locator("table.results tbody td")
    assert cell.inner_text() == "javascript:alert(document.domain)"
    assert page.locator("table.results a").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    page.close()


def test_web_iris_in_a_result_are_links(browser, live_server: str) -> None:
    query = "SELECT ?x WHERE { VALUES ?x { <http://example.org/a> <https://example.org/b> } }"
    page = browser.new_page()
    page.goto(live_server + "sparql?" + urlencode({"query": query, "format": "html"}))
    hrefs = page.locator("table.results a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["http://example.org/a", "https://example.org/b"]
    page.close()


@pytest.mark.parametrize(
    "path",
    ["", "br/1", "doc/br/1.ttl", "dataset.nt", "sparql", "robots.txt", "no/such/thing",
     "sparql?query=SELECT"],
)  # fmt: skip
def test_every_answer_carries_the_security_headers(live_server: str, path: str) -> None:
    response = requests.get(live_server + path, allow_redirects=False, timeout=60)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY

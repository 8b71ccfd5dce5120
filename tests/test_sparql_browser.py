"""The query page in a real browser (Debian's chromium, headless, Playwright): a person picks
an example or types a query, runs it and reads the answer, with JavaScript on and off.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF
from sparql_server import Endpoint

from lodpub.config import Config
from lodpub.dataset import load
from lodpub.vocab import FABIO

QUERIES = Path(__file__).resolve().parents[1] / "queries"


def expected_rows(name: str) -> int:
    data = json.loads((QUERIES / f"{name}.srj").read_text(encoding="utf-8"))
    return len(data["results"]["bindings"])


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_pick_example_run_and_read_table(
    browser, endpoint: Endpoint, javascript: bool, artifacts: Path
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(endpoint.url)
    page.select_option("#example", "references-by-year")
    if not javascript:  # without JavaScript, the Load button asks the server for the text
        page.click(".examples button")
    assert "GROUP BY ?year" in page.input_value("#query")
    page.click("text=Run query")
    page.wait_for_selector("table.results")
    assert page.locator("table.results tbody tr").count() == expected_rows("references-by-year")
    page.screenshot(path=str(artifacts / f"sparql-page-{'js' if javascript else 'no-js'}.png"),
                    full_page=True)  # fmt: skip
    context.close()


def journal_title(base_url: str) -> str:
    """The Chinese title of the article's journal, as rdflib reads it from the data file."""
    data = load(Config.load()["DATA_FILES"], base_url)
    titles = {
        str(title)
        for journal in data.subjects(RDF.type, FABIO.Journal)
        for title in data.objects(journal, DCTERMS.title)
        if (journal, DCTERMS.created, None) in data
    }
    assert len(titles) == 1
    return titles.pop()


def test_type_query_and_read_chinese_answer(browser, endpoint: Endpoint) -> None:
    page = browser.new_page()
    page.goto(endpoint.url)
    page.fill(
        "#query",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "SELECT ?title WHERE { ?journal dcterms:title ?title ; dcterms:created ?founded }",
    )
    page.press("#query", "Control+Enter")  # sparql.js: Ctrl+Enter runs the query
    cell = page.wait_for_selector("table.results td span[lang]")
    assert cell.get_attribute("lang") == "zh-hans"
    assert cell.inner_text() == journal_title(endpoint.base_url)
    page.fill("#query", "SELECT WHERE {")
    page.click("text=Run query")
    assert "does not parse" in page.inner_text("[role=alert]")
    page.close()

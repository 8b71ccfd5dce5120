"""The article page in a real browser (issue #4): Debian's chromium, headless, driven by
Playwright. It renders, shows every reference, a click reaches the reference's page, it
works with JavaScript off and fits a phone's width. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from playwright import sync_api
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.namespace import VOID

from lodpub.vocab import BIRO
from lodpub.vocab import FRBR

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Headless in a sandboxed container with no network but loopback: no GPU, no sandbox, and none
# of the background connections chromium makes to Google's hosts at start.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium (Debian package) absent")


@pytest.fixture(scope="module")
def article(live_server: str) -> tuple[str, int]:
    """The article's thing IRI and how many references the data gives it."""
    void = Graph().parse(live_server + ".well-known/void")
    root = void.value(URIRef(live_server + "dataset"), VOID.rootResource)
    description = Graph().parse(str(root))
    count = sum(
        (ref, RDF.type, BIRO.BibliographicReference) in description
        for ref in description.objects(root, FRBR.part)
    )
    return str(root), count


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def test_article_renders_with_every_reference_and_a_click_reaches_one(browser, article) -> None:
    thing, count = article
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    response = page.goto(thing)
    assert response.status == 200
    assert response.url.endswith(".html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").count() == 1
    references = page.locator("ol.reference-list > li")
    assert references.count() == count > 0
    assert page.locator("figure.chart svg a").count() == count
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)

    first = references.first.locator("a.ref-number")
    target = first.get_attribute("href")
    printed = references.first.locator(".printed").inner_text()
    first.click()
    page.wait_for_url(target)
    assert page.locator("blockquote.printed").inner_text() == printed
    page.screenshot(path=str(ARTIFACTS / "reference.png"), full_page=True)
    page.close()


def test_article_works_with_javascript_off_and_fits_a_phone(browser, article) -> None:
    thing, count = article
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(thing)
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("ol.reference-list > li").count() == count
    assert page.locator("figure.chart svg").is_visible()
    # No sideways scrolling on a phone: the page is as wide as the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "article-phone-zh.png"), full_page=True)
    context.close()


def test_browser_accept_header_gets_html_from_the_server(browser, article) -> None:
    """The Accept header chromium really sends (read from the request it makes) is answered
    with the HTML document."""
    thing, _ = article
    page = browser.new_page()
    response = page.goto(thing)
    first = response.request.redirected_from or response.request
    accept = first.all_headers()["accept"]  # as sent on the wire, not as the page set it
    page.close()
    assert "text/html" in accept
    direct = requests.get(thing, headers={"Accept": accept}, allow_redirects=False, timeout=60)
    assert direct.status_code == 303
    assert direct.headers["Location"].endswith(".html")

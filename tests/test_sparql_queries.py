"""The example queries of queries/ answer what they ask, through the endpoint.

Each `NAME.rq` has its expected result beside it (`NAME.srj`, SPARQL JSON, for SELECT and
ASK; `NAME.ttl` for CONSTRUCT), written by rdflib's own SPARQL engine from the data file, not
by the endpoint (Oxigraph):

    python tests/test_sparql_queries.py     # rewrite the expected files after a data change

The tests check that rdflib still gives the stored answer (the file is not stale or edited by
hand), that the endpoint gives it too, and, where the seed page can answer the question on
its own (years, languages, self-citations), that the seed agrees.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from rdf_helpers import data_graph
from rdf_helpers import lowercase_languages
from rdflib import Graph
from rdflib.compare import isomorphic
from sparql_server import SHARED
from sparql_server import Endpoint

from lodpub.config import DEFAULT_BASE_URL

QUERIES = Path(__file__).resolve().parents[1] / "queries"
SEED = SHARED / "seed" / "article-page.txt"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))


def expected_file(query: Path) -> Path:
    graph_file = query.with_suffix(".ttl")
    return graph_file if graph_file.exists() else query.with_suffix(".srj")


def rdflib_answer(graph: Graph, query: Path) -> tuple[str, bytes]:
    """(suffix, serialization) of rdflib's own answer to `query`."""
    result = graph.query(query.read_text(encoding="utf-8"))
    if result.type == "CONSTRUCT":
        return ".ttl", result.graph.serialize(format="turtle", encoding="utf-8")
    return ".srj", result.serialize(format="json")


def write_expected() -> None:
    graph = data_graph(DEFAULT_BASE_URL)
    for query in QUERY_FILES:
        suffix, body = rdflib_answer(graph, query)
        if suffix == ".srj":  # indented, one value per line: readable, and diffs stay small
            body = (json.dumps(json.loads(body), indent=1, ensure_ascii=False) + "\n").encode()
        query.with_suffix(suffix).write_bytes(body)
        print(query.with_suffix(suffix).name)


# --- comparing answers ------------------------------------------------------------------------


def solutions(body: bytes | str, ordered: bool) -> Any:
    """SPARQL JSON as comparable values: language tags lower-cased (Oxigraph answers
    "zh-hans"), xsd:string literals plain; a list when the query orders, else a Counter."""
    data = json.loads(body)
    if "boolean" in data:
        return data["boolean"]
    rows = [tuple(sorted((var, _term(term)) for var, term in row.items())) for row in
            data["results"]["bindings"]]  # fmt: skip
    return rows if ordered else Counter(rows)


def _term(term: dict[str, str]) -> tuple[str, ...]:
    kind = "literal" if term["type"] == "typed-literal" else term["type"]
    datatype = term.get("datatype", "")
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        datatype = ""
    return kind, term["value"], term.get("xml:lang", "").lower(), datatype


def on_base(text: str, base_url: str) -> str:
    """The expected files name the default base URL; the server under test has its own."""
    return text.replace(DEFAULT_BASE_URL, base_url)


def is_ordered(query: Path) -> bool:
    return "ORDER BY" in query.read_text(encoding="utf-8").upper()


# --- tests ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Graph:
    return data_graph(DEFAULT_BASE_URL)


def test_at_least_ten_examples_each_with_expected_result() -> None:
    assert len(QUERY_FILES) >= 10
    for query in QUERY_FILES:
        assert expected_file(query).is_file(), f"{query.name} has no expected result beside it"
        assert query.read_text(encoding="utf-8").startswith("# "), "first line: the question"


@pytest.mark.parametrize("query", QUERY_FILES, ids=lambda p: p.stem)
def test_expected_file_is_rdflibs_answer(graph: Graph, query: Path) -> None:
    suffix, body = rdflib_answer(graph, query)
    stored = expected_file(query)
    assert stored.suffix == suffix
    if suffix == ".ttl":
        assert isomorphic(Graph().parse(data=body, format="turtle"), Graph().parse(stored))
    else:
        ordered = is_ordered(query)
        assert solutions(body, ordered) == solutions(stored.read_bytes(), ordered)


@pytest.mark.parametrize("query", QUERY_FILES, ids=lambda p: p.stem)
def test_endpoint_gives_expected_answer(endpoint: Endpoint, query: Path) -> None:
    stored = expected_file(query)
    graph_form = stored.suffix == ".ttl"
    response = requests.post(
        endpoint.url,
        data={"query": query.read_text(encoding="utf-8")},
        headers={"Accept": "text/turtle" if graph_form else "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    expected = on_base(stored.read_text(encoding="utf-8"), endpoint.base_url)
    if graph_form:
        served = lowercase_languages(Graph().parse(data=response.text, format="turtle"))
        assert isomorphic(
            served, lowercase_languages(Graph().parse(data=expected, format="turtle"))
        )
    else:
        ordered = is_ordered(query)
        assert solutions(response.content, ordered) == solutions(expected, ordered)


# --- the seed page answers some questions on its own ------------------------------------------


def seed_references() -> dict[int, str]:
    if not SEED.is_file():
        pytest.skip(f"{SEED} is absent")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    found = {}
    for line in lines:
        match = re.match(r"(\d+)\. (.+)", line)
        if match and 1 <= int(match.group(1)) <= 25:
            found[int(match.group(1))] = match.group(2)
    assert sorted(found) == list(range(1, 26))
    return found


def seed_year(line: str) -> str:
    # The first year that follows a comma or an opening bracket ("…, 2023, 39(11)",
    # "(2023-08-30)"); a year inside a title ("报告(2022).") is followed by ")".
    match = re.search(r"[,(] ?((?:19|20)\d\d)[-,.(]", line)
    assert match, line
    return match.group(1)


def stored_rows(name: str) -> list[dict[str, str]]:
    data = json.loads((QUERIES / f"{name}.srj").read_text(encoding="utf-8"))
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def test_seed_agrees_on_years() -> None:
    years = Counter(seed_year(line) for line in seed_references().values())
    assert {r["year"]: int(r["references"]) for r in stored_rows("references-by-year")} == years


def test_seed_agrees_on_languages() -> None:
    languages = Counter(
        ("chi" if line.endswith("(in Chinese)") else "eng", seed_year(line))
        for line in seed_references().values()
    )
    stored = {
        (r["language"].rsplit("/", 1)[1], r["year"]): int(r["references"])
        for r in stored_rows("references-by-language")
    }
    assert stored == languages


def test_seed_agrees_on_self_citations() -> None:
    own = {n for n, line in seed_references().items() if "中国科学院院刊" in line}
    assert {int(r["number"]) for r in stored_rows("journal-self-citations")} == own


if __name__ == "__main__":
    sys.exit(write_expected())

"""roqet (Debian's rasqal-utils), a SPARQL client written in C, queries the real endpoint over
the protocol. Version 0.9.33 asks for SPARQL XML results only (`Accept:
application/sparql-results+xml`) and reads every answer as variable bindings: it reads SELECT
answers, and neither ASK nor graphs through the protocol (against Oxigraph's server too)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from rdf_helpers import data_graph
from rdflib import Graph
from rdflib.namespace import DCTERMS


def roqet(endpoint: str, query: str, *options: str) -> str:
    assert shutil.which("roqet"), "roqet is missing: .ci/setup installs rasqal-utils"
    done = subprocess.run(
        ["roqet", "-p", endpoint, "-e", query, *options],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def data(live_server: str) -> Graph:
    return data_graph(live_server)


def test_roqet_select_reads_every_title_with_its_chinese(live_server: str, data: Graph) -> None:
    query = f"SELECT ?work ?title WHERE {{ ?work <{DCTERMS.title}> ?title }}"
    answer = roqet(live_server + "sparql", query, "-r", "tsv")
    # roqet writes non-ASCII characters as \uXXXX escapes
    rows = answer.encode("ascii").decode("unicode_escape").strip().splitlines()[1:]
    titles = data.triples((None, DCTERMS.title, None))
    expected = {f'<{s}>\t"{o}"@{o.language.lower()}' for s, _, o in titles}
    assert len(expected) > 25
    assert {row.replace("@zh-Hans", "@zh-hans") for row in rows} == expected
    assert any("推动“一带一路”数字标准共建" in row for row in rows)

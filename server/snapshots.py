"""OCDM provenance snapshots of the publication's entities, each in its own named graph.

The OpenCitations Data Model keeps provenance apart from the entities it describes: for an
entity `<e>`, the named graph `<e>/prov/` holds its snapshots `<e>/prov/se/1`, `se/2` …, each a
prov:Entity with prov:specializationOf <e>, prov:generatedAtTime, prov:wasAttributedTo,
prov:hadPrimarySource and a dcterms:description of what happened. The data has had one state
so far, so every entity has one snapshot, `se/1`, made from what the data says: the entity's
prov:hadPrimarySource, and the dataset's prov:generatedAtTime and prov:wasAttributedTo. A value
read on a copy of a source (the entity's prov:wasDerivedFrom) is named in the description: in a
snapshot, prov:wasDerivedFrom means the previous snapshot.

`python -m lodpub.snapshots` writes them to data/provenance.trig (tests/test_snapshots.py
checks that the file is current).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from rdflib import Dataset
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import PROV
from rdflib.namespace import RDF
from rdflib.namespace import XSD

from lodpub.config import DEFAULT_BASE_URL
from lodpub.config import REPO_ROOT
from lodpub.dataset import load

SNAPSHOTS_FILE = REPO_ROOT / "data" / "provenance.trig"
# The entities OCDM gives snapshots to (its short names), as the data names them.
OCDM_ENTITY = re.compile(r"^(br|re|be|ar|ra|id|ci)/[0-9]+(-[0-9]+)?$")
HEADER = """\
# OCDM provenance snapshots of the publication's entities: for each entity <e>, the named graph
# <e>/prov/ holds <e>/prov/se/1 (prov:specializationOf <e>), made from data/article.ttl by
# `python -m lodpub.snapshots`; do not edit by hand. docs/model.md describes the model.
"""


def entities(data: Graph, base_url: str) -> list[URIRef]:
    """The OCDM entities of the data that name where their statements come from."""
    found = {
        s
        for p in (PROV.hadPrimarySource, PROV.wasDerivedFrom)
        for s in data.subjects(p, None)
        if isinstance(s, URIRef)
        and s.startswith(base_url)
        and OCDM_ENTITY.match(s[len(base_url) :])
    }
    return sorted(found)


def snapshots(data: Graph, base_url: str) -> Dataset:
    """One snapshot per entity, each in the entity's own provenance graph. Raises ValueError
    when the dataset does not say when and by whom it was made."""
    dataset = URIRef(base_url + "dataset")
    generated = data.value(dataset, PROV.generatedAtTime)
    agent = data.value(dataset, PROV.wasAttributedTo)
    if generated is None or agent is None:
        raise ValueError(
            f"{dataset} says neither when (prov:generatedAtTime) nor by whom "
            "(prov:wasAttributedTo) the data was made"
        )
    result = Dataset()
    for entity in entities(data, base_url):
        graph = result.graph(URIRef(f"{entity}/prov/"))
        snapshot = URIRef(f"{entity}/prov/se/1")
        graph.add((snapshot, RDF.type, PROV.Entity))
        graph.add((snapshot, PROV.specializationOf, entity))
        graph.add((snapshot, PROV.generatedAtTime, generated))
        graph.add((snapshot, PROV.wasAttributedTo, agent))
        for source in data.objects(entity, PROV.hadPrimarySource):
            graph.add((snapshot, PROV.hadPrimarySource, source))
        description = f"The entity '{entity[len(base_url) :]}' has been created."
        copies = sorted(str(c) for c in data.objects(entity, PROV.wasDerivedFrom))
        if copies:
            description += (
                f" Some of its values were read on a copy of their source: {', '.join(copies)}."
            )
        graph.add((snapshot, DCTERMS.description, Literal(description, lang="en")))
    return result


def write(data_file: Path, target: Path, base_url: str = DEFAULT_BASE_URL) -> None:
    """The snapshots of `data_file` to `target` (TriG, relative IRIs like the data)."""
    data = Graph()
    for s, p, o, _ in load([data_file], base_url).quads((None, None, None, None)):
        data.add((s, p, o))
    result = snapshots(data, base_url)
    for prefix, namespace in (("dcterms", DCTERMS), ("prov", PROV), ("xsd", XSD)):
        result.bind(prefix, namespace)
    # rdflib writes absolute IRIs; the data holds no host name (see link.write_links).
    body = result.serialize(format="trig").replace("<" + base_url, "<")
    target.write_text(HEADER + "\n" + body, encoding="utf-8")


if __name__ == "__main__":
    write(REPO_ROOT / "data" / "article.ttl", SNAPSHOTS_FILE)
    sys.stdout.write(f"wrote {SNAPSHOTS_FILE}\n")

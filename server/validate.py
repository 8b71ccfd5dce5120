"""SHACL validation of the data with pyshacl, and the report a person (or a program) reads.

Decision: the shapes check the data graph with the ontology mixed in and no inference, so a
shape may rely on the ontology's own statements (labels, subclass links it declares) but
nothing is entailed. Only sh:Violation fails validation; sh:Warning and sh:Info
(expected but unknown facts, e.g. a missing DOI) are reported and pass.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pyshacl import validate as shacl_validate
from rdflib import BNode
from rdflib import Graph
from rdflib import Node
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.namespace import SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

from lodpub.config import DEFAULT_BASE_URL
from lodpub.dataset import Publication
from lodpub.errors import UnusableShapes
from lodpub.vocab import bind_all

ReportFormat = Literal["text", "turtle", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("text", "turtle", "json")
# Worst first: the order of groups and of the summary line.
SEVERITIES: tuple[URIRef, ...] = (SH.Violation, SH.Warning, SH.Info)
_PATH_SUFFIXES = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


@dataclass(frozen=True)
class Finding:
    """One sh:ValidationResult."""

    focus: Node
    severity: URIRef
    path: str | None
    messages: tuple[str, ...]
    shape: str
    component: str
    value: Node | None


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    results: Graph
    base_url: str
    triples: int
    shapes: int

    def count(self, severity: URIRef) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def violations(self) -> int:
        return self.count(SH.Violation)

    @property
    def conforms(self) -> bool:
        return self.violations == 0

    def summary(self) -> str:
        counts = ", ".join(_plural(self.count(sev), _local(sev).lower()) for sev in SEVERITIES)
        checked = (
            f"{_plural(self.triples, 'triple')} checked against {_plural(self.shapes, 'shape')}"
        )
        return f"Summary: {counts} ({checked})."

    def render(self, fmt: ReportFormat = "text") -> str:
        """The report as `text` (grouped by focus node), `turtle` (the sh:ValidationReport
        graph) or `json`."""
        if fmt == "turtle":
            return self.results.serialize(format="turtle")
        if fmt == "json":
            return self._json()
        return self._text()

    def _text(self) -> str:
        groups: dict[Node, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.focus, []).append(finding)
        lines = []
        for focus, findings in sorted(groups.items(), key=lambda g: _group_key(g[1], g[0])):
            lines.append(self.name(focus))
            for f in sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.path or "")):
                where = f" at {f.path}" if f.path else ""
                lines.append(f"  {_local(f.severity)}{where}: {' / '.join(f.messages)}")
                shown = f.value is not None and f.value != f.focus
                value = f"; value {self.name(f.value)}" if shown else ""
                lines.append(f"    shape {f.shape} ({f.component}){value}")
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def _json(self) -> str:
        document = {
            "conforms": self.conforms,
            "counts": {_local(sev): self.count(sev) for sev in SEVERITIES},
            "triples": self.triples,
            "shapes": self.shapes,
            "results": [
                {
                    "focusNode": str(f.focus),
                    "severity": _local(f.severity),
                    "path": f.path,
                    "messages": list(f.messages),
                    "shape": f.shape,
                    "component": f.component,
                    "value": None if f.value is None else str(f.value),
                }
                for f in self.findings
            ],
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    def name(self, node: Node) -> str:
        """A short name: `<br/1>` for the publication's IRIs (as the data file writes them),
        a prefixed name for known vocabularies, N3 otherwise."""
        if isinstance(node, URIRef) and str(node).startswith(self.base_url):
            return f"<{str(node)[len(self.base_url) :]}>"
        return node.n3(self.results.namespace_manager)


def validate(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    base_url: str = DEFAULT_BASE_URL,
) -> Report:
    """Check `data` (with `ontology` mixed in) against `shapes`; no inference. Raises
    errors.UnusableShapes when pyshacl cannot apply the shapes."""
    focus_graph = _QueryCachingGraph()
    for graph in (data, ontology if ontology is not None else Graph()):
        for prefix, namespace in graph.namespaces():
            focus_graph.bind(prefix, namespace, override=False)
        for triple in graph:
            focus_graph.add(triple)
    try:
        _, results, _ = shacl_validate(
            focus_graph,
            shacl_graph=shapes,
            inplace=True,  # keeps the caching graph: pyshacl would validate a plain copy
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
        )
    # pyshacl lets its helpers' exceptions through (a SPARQL constraint's parse error comes
    # from pyparsing); any of them means the shapes, not the data, are at fault.
    except Exception as error:  # noqa: BLE001
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise UnusableShapes(f"the SHACL shapes cannot be applied: {reason}") from error
    bind_all(results, base_url)
    for prefix, namespace in shapes.namespaces():
        results.bind(prefix, namespace, override=False)
    findings = sorted(
        (
            _finding(results, shapes, node)
            for node in results.subjects(RDF.type, SH.ValidationResult)
        ),
        key=lambda f: (SEVERITIES.index(f.severity), _natural(str(f.focus)), f.path or "", f.shape),
    )
    return Report(tuple(findings), results, base_url, len(data), _count_shapes(shapes))


class _QueryCachingGraph(Graph):
    """A graph that parses each SPARQL text once.

    pyshacl sends a SHACL-SPARQL constraint's text to `Graph.query` once per focus node, and
    rdflib parses it anew each time: parsing was two thirds of a validation run (17 s → 6 s
    on the publication's data with this cache).
    """

    def query(self, query_object, *args, **kwargs):
        # rdflib's signature: (query_object, processor, result, initNs, initBindings, …)
        init_ns = kwargs.get("initNs", args[2] if len(args) > 2 else None)
        if isinstance(query_object, str):
            namespaces = dict(self.namespaces()) | dict(init_ns or {})
            key = tuple(sorted((prefix, str(ns)) for prefix, ns in namespaces.items()))
            query_object = _translated_query(query_object, key)
        return super().query(query_object, *args, **kwargs)


@functools.lru_cache(maxsize=512)
def _translated_query(text: str, namespaces: tuple[tuple[str, str], ...]) -> Query:
    return translateQuery(parseQuery(text), None, dict(namespaces))


def validate_publication(publication: Publication) -> Report:
    """Check a loaded publication's data against its shapes and ontology."""
    return validate(
        publication.data_graph(), publication.shapes, publication.ontology, publication.base_url
    )


def _finding(results: Graph, shapes: Graph, node: Node) -> Finding:
    path = results.value(node, SH.resultPath)
    shape = results.value(node, SH.sourceShape)
    component = results.value(node, SH.sourceConstraintComponent)
    return Finding(
        focus=results.value(node, SH.focusNode),
        severity=results.value(node, SH.resultSeverity, default=SH.Violation),
        path=None if path is None else _path(results, path),
        messages=tuple(sorted(str(m) for m in results.objects(node, SH.resultMessage))),
        shape=_shape_name(shapes, shape),
        component=_local(component).removesuffix("ConstraintComponent") if component else "",
        value=results.value(node, SH.value),
    )


def _path(graph: Graph, node: Node) -> str:
    """A SHACL property path in SPARQL path syntax (`^frbr:part`, `pro:isHeldBy/foaf:name`)."""
    if not isinstance(node, BNode):
        return node.n3(graph.namespace_manager)
    if (inverse := graph.value(node, SH.inversePath)) is not None:
        return "^" + _path(graph, inverse)
    if (alternatives := graph.value(node, SH.alternativePath)) is not None:
        return "(" + "|".join(_path(graph, p) for p in Collection(graph, alternatives)) + ")"
    for predicate, suffix in _PATH_SUFFIXES.items():
        if (inner := graph.value(node, predicate)) is not None:
            return _path(graph, inner) + suffix
    return "/".join(_path(graph, p) for p in Collection(graph, node))


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    """The shape's name; a blank property shape is named by its node shape and path."""
    if shape is None:
        return "?"
    if not isinstance(shape, BNode):
        return shape.n3(shapes.namespace_manager)
    parent = shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    where = _path(shapes, path) if path is not None else "(blank shape)"
    return f"{_shape_name(shapes, parent)} › {where}" if parent is not None else where


def _count_shapes(shapes: Graph) -> int:
    typed = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return len(typed | set(shapes.objects(None, SH.property)))


def _group_key(findings: Iterable[Finding], focus: Node) -> tuple[int, list[str | int]]:
    return min(SEVERITIES.index(f.severity) for f in findings), _natural(str(focus))


def _natural(text: str) -> list[str | int]:
    """Sort key that puts br/2 before br/10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _local(iri: Node) -> str:
    text = str(iri)
    return text[max(text.rfind("#"), text.rfind("/")) + 1 :]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

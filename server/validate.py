"""SHACL validation of the data, and the report a person (or a program) reads.

Decision: the shapes check the data graph with the ontology mixed in and no inference, so a
shape may rely on the ontology's own statements (labels, subclass links it declares) but
nothing is entailed. Only sh:Violation fails validation; sh:Warning and sh:Info
(expected but unknown facts, e.g. a missing DOI) are reported and pass.

Two engines give the same findings: "sparql" (the default, lodpub.shacl: one Oxigraph query
per constraint over all focus nodes, which scales to a journal's archive) and "pyshacl" (the
reference implementation, one focus node at a time; the tests compare the two).

A report is bounded: it keeps the first `MAX_FINDINGS_PER_SHAPE` findings of each shape (in
the report's order, whatever order the engine found them in) and counts the others, so a
file with a million faults gives a readable report in bounded memory.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Literal

from pyshacl import validate as shacl_validate
from rdflib import BNode
from rdflib import Dataset
from rdflib import Graph
from rdflib import Literal as RDFLiteral
from rdflib import Node
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.namespace import SH
from rdflib.namespace import NamespaceManager
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

from lodpub.config import DEFAULT_BASE_URL
from lodpub.errors import UnusableShapes
from lodpub.labels import natural_key
from lodpub.shacl import Check
from lodpub.shacl import compile_shapes
from lodpub.shacl import regular_expressions
from lodpub.shacl import sparql_string
from lodpub.store import ValidationStore
from lodpub.vocab import bind_all

ReportFormat = Literal["text", "turtle", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("text", "turtle", "json")
Engine = Literal["sparql", "pyshacl"]
ENGINES: tuple[Engine, ...] = ("sparql", "pyshacl")
# Findings a report keeps per shape; the others are counted ("… and 12 more").
MAX_FINDINGS_PER_SHAPE = 100
# The named graph the ontology is loaded into beside the data (the union of both is checked).
ONTOLOGY_GRAPH = URIRef("urn:lodpub:validation:ontology")
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
    """The findings kept (the first `MAX_FINDINGS_PER_SHAPE` of each shape, sorted), the
    sh:ValidationReport graph of those, and counts of all findings: per severity, and per
    shape name the ones left out."""

    findings: tuple[Finding, ...]
    results: Graph
    base_url: str
    triples: int
    shapes: int
    counts: Mapping[URIRef, int] = field(default_factory=dict)
    omitted: Mapping[str, int] = field(default_factory=dict)

    def count(self, severity: URIRef) -> int:
        return self.counts.get(severity, 0)

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
        for shape, more in sorted(self.omitted.items()):
            lines.append(f"… and {more} more from shape {shape}")
        if self.omitted:
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def _json(self) -> str:
        document = {
            "conforms": self.conforms,
            "counts": {_local(sev): self.count(sev) for sev in SEVERITIES},
            "triples": self.triples,
            "shapes": self.shapes,
            "omitted": dict(sorted(self.omitted.items())),
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
    *,
    engine: Engine = "sparql",
    limit: int = MAX_FINDINGS_PER_SHAPE,
) -> Report:
    """Check `data` (with `ontology` mixed in) against `shapes`; no inference. Keeps the
    first `limit` findings per shape. Raises errors.UnusableShapes when the shapes cannot be
    applied."""
    if engine == "pyshacl":
        return _validate_with_pyshacl(data, shapes, ontology, base_url, limit)
    store = ValidationStore(to_nquads(data))
    if ontology is not None:
        store.add(to_nquads(ontology, ONTOLOGY_GRAPH))
    return validate_store(store, shapes, base_url, triples=len(data), limit=limit)


def validate_store(
    store: ValidationStore,
    shapes: Graph,
    base_url: str,
    *,
    triples: int,
    limit: int = MAX_FINDINGS_PER_SHAPE,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check the union of the graphs of `store` (the data and the ontology, see
    ONTOLOGY_GRAPH) against `shapes`, with a few queries per shape over all its focus nodes
    at once (lodpub.shacl). `triples` is the size of the data the report states;
    `progress(1)` is called after each of its `query_count(shapes)` queries. Raises
    errors.UnusableShapes when the shapes cannot be applied."""
    queries = _queries(shapes)
    _check_regular_expressions(store, shapes)
    collector = _Collector(_results_graph(shapes, base_url), limit)
    for query, branches in queries.items():
        check = next(iter(branches.values()))
        try:
            for row in store.select(query):
                if "branch" in row:
                    check = branches[int(row.pop("branch"))]
                collector.add(*_finding(check, row, collector.results, shapes))
        except (SyntaxError, OSError) as error:
            # A query that does not parse or run (a SHACL-SPARQL text, a regular expression
            # Oxigraph's engine refuses) means the shapes, not the data, are at fault.
            name = _shape_name(shapes, check.shape)
            reason = str(error).strip().splitlines()[0]
            raise UnusableShapes(f"the SHACL shapes cannot be applied: {name}: {reason}") from error
        if progress is not None:
            progress(1)
    return collector.report(base_url, triples, _count_shapes(shapes))


def query_count(shapes: Graph) -> int:
    """How many queries `validate_store` runs for `shapes` (for a progress bar)."""
    return len(_queries(shapes))


def _queries(shapes: Graph) -> dict[str, dict[int | None, Check]]:
    """The compiled checks by query text (the branches of one query by number)."""
    queries: dict[str, dict[int | None, Check]] = {}
    for check in compile_shapes(shapes):
        queries.setdefault(check.query, {})[check.branch] = check
    return queries


def _check_regular_expressions(store: ValidationStore, shapes: Graph) -> None:
    """Raise UnusableShapes for an sh:pattern Oxigraph cannot run (a look-around, a
    back-reference): in a query it would be an error, which a FILTER takes as false, and the
    constraint would pass silently."""
    for pattern, flags in sorted(regular_expressions(shapes), key=str):
        arguments = ", ".join(sparql_string(text) for text in (pattern, flags) if text is not None)
        if not list(store.select(f'SELECT (REGEX("", {arguments}) AS ?ok) WHERE {{}}'))[0]:
            raise UnusableShapes(
                f"the SHACL shapes cannot be applied: the sh:pattern {pattern!r} is not a "
                "regular expression lodpub's SHACL engine can run (no look-around, no "
                "back-references)"
            )


def to_nquads(graph: Graph, name: URIRef | None = None) -> bytes:
    """`graph` as N-Quads for ValidationStore.add, its triples in the graph `name` (None:
    the default graph); e.g. `to_nquads(ontology, ONTOLOGY_GRAPH)`."""
    if name is None:  # N-Triples are N-Quads of the default graph
        return graph.serialize(format="nt", encoding="utf-8")
    dataset = Dataset()
    named = dataset.graph(name)
    for triple in graph:
        named.add(triple)
    return dataset.serialize(format="nquads", encoding="utf-8")


class _Collector:
    """Keeps the first `limit` findings per shape name in the report's order (and their
    sh:ValidationResult triples), counts all.

    The first in the report's order, not the first found: the order a store answers in
    depends on how it holds the data (in memory, on disk), and the report must not. At most
    twice `limit` findings per shape are held at a time."""

    def __init__(self, results: Graph, limit: int) -> None:
        self.results = results
        self.limit = limit
        self.kept: dict[str, list[tuple[tuple, Finding, Callable[[Graph], None] | None]]] = {}
        self.counts: Counter[URIRef] = Counter()
        self.omitted: Counter[str] = Counter()

    def add(self, finding: Finding, describe: Callable[[Graph], None] | None = None) -> None:
        self.counts[finding.severity] += 1
        kept = self.kept.setdefault(finding.shape, [])
        kept.append((_finding_key(finding), finding, describe))
        if len(kept) >= 2 * self.limit:
            self._trim(finding.shape)

    def _trim(self, shape: str) -> None:
        kept = sorted(self.kept[shape], key=lambda entry: entry[0])
        if len(kept) > self.limit:
            self.omitted[shape] += len(kept) - self.limit
            self.kept[shape] = kept[: self.limit]

    def report(self, base_url: str, triples: int, shapes: int) -> Report:
        findings = []
        for shape in self.kept:
            self._trim(shape)
            for _, finding, describe in self.kept[shape]:
                findings.append(finding)
                if describe is not None:
                    describe(self.results)
        findings.sort(key=_finding_key)
        if not any(self.results.subjects(RDF.type, SH.ValidationReport)):
            report = BNode()
            self.results.add((report, RDF.type, SH.ValidationReport))
            self.results.add((report, SH.conforms, RDFLiteral(self.counts[SH.Violation] == 0)))
            for result in self.results.subjects(RDF.type, SH.ValidationResult):
                self.results.add((report, SH.result, result))
        return Report(
            tuple(findings), self.results, base_url, triples, shapes,
            dict(self.counts), dict(self.omitted),
        )  # fmt: skip


def _finding_key(finding: Finding) -> tuple:
    return (
        SEVERITIES.index(finding.severity),
        natural_key(str(finding.focus)),
        finding.path or "",
        finding.shape,
        finding.component,
        finding.messages,
        "" if finding.value is None else finding.value.n3(),
    )


def _results_graph(shapes: Graph, base_url: str) -> Graph:
    results = bind_all(Graph(), base_url)
    for prefix, namespace in shapes.namespaces():
        results.bind(prefix, namespace, override=False)
    return results


def _finding(
    check: Check, row: dict[str, Node], results: Graph, shapes: Graph
) -> tuple[Finding, Callable[[Graph], None]]:
    """The finding of one solution of a check's query, and a function that writes its
    sh:ValidationResult into a results graph."""
    focus = row["this"]
    value = row.get("value")
    if value is None and check.value_is_focus:
        value = focus
    messages = [str(m) for m in check.messages]
    if check.sparql_constraint is not None:
        messages = [_fill(m, row, focus, value) for m in messages]

    def describe(graph: Graph) -> None:
        result = BNode()
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, focus))
        graph.add((result, SH.resultSeverity, check.severity))
        graph.add((result, SH.sourceConstraintComponent, check.component))
        graph.add((result, SH.sourceShape, _copy(shapes, check.shape, graph)))
        for message in messages:
            graph.add((result, SH.resultMessage, RDFLiteral(message)))
        if value is not None:
            graph.add((result, SH.value, value))
        if check.path is not None:
            graph.add((result, SH.resultPath, _copy(shapes, check.path, graph)))
        if check.sparql_constraint is not None:
            graph.add((result, SH.sourceConstraint, _copy(shapes, check.sparql_constraint, graph)))

    finding = Finding(
        focus=focus,
        severity=check.severity,
        path=None if check.path is None else _path(shapes, check.path, results.namespace_manager),
        messages=tuple(sorted(messages)),
        shape=_shape_name(shapes, check.shape),
        component=_local(check.component).removesuffix("ConstraintComponent"),
        value=value,
    )
    return finding, describe


def _fill(template: str, row: Mapping[str, Node], focus: Node, value: Node | None) -> str:
    """A SHACL-SPARQL message with its {?name} / {$name} slots filled, as pyshacl does."""
    slots = {name: term for name, term in row.items() if name not in ("this", "value")}
    slots["this"] = focus
    if value is not None:
        slots["value"] = value
    for name, term in slots.items():
        template = re.sub(f"{{[?$]{name}}}", str(term), template)
    return template


def _copy(source: Graph, node: Node, target: Graph) -> Node:
    """`node`; a blank node with the triples below it copied from `source` into `target`."""
    if isinstance(node, BNode):
        for predicate, obj in source.predicate_objects(node):
            target.add((node, predicate, _copy(source, obj, target)))
    return node


def _validate_with_pyshacl(
    data: Graph, shapes: Graph, ontology: Graph | None, base_url: str, limit: int
) -> Report:
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
    collector = _Collector(results, limit)
    # pyshacl nests the results of a shape reached through sh:node under the result of the
    # sh:node constraint (sh:detail): they explain that result and are not findings of
    # their own (SHACL keeps sh:detail results out of the report's sh:result).
    details = set(results.objects(None, SH.detail))
    for node in results.subjects(RDF.type, SH.ValidationResult):
        if node not in details:
            collector.add(_pyshacl_finding(results, shapes, node))
    return collector.report(base_url, len(data), _count_shapes(shapes))


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


def _pyshacl_finding(results: Graph, shapes: Graph, node: Node) -> Finding:
    path = results.value(node, SH.resultPath)
    shape = results.value(node, SH.sourceShape)
    component = results.value(node, SH.sourceConstraintComponent)
    return Finding(
        focus=results.value(node, SH.focusNode),
        severity=results.value(node, SH.resultSeverity, default=SH.Violation),
        path=None if path is None else _path(results, path, results.namespace_manager),
        messages=tuple(sorted(str(m) for m in results.objects(node, SH.resultMessage))),
        shape=_shape_name(shapes, shape),
        component=_local(component).removesuffix("ConstraintComponent") if component else "",
        value=results.value(node, SH.value),
    )


def _path(graph: Graph, node: Node, names: NamespaceManager) -> str:
    """A SHACL property path of `graph` in SPARQL path syntax (`^frbr:part`,
    `pro:isHeldBy/foaf:name`), IRIs shortened by `names`."""
    if not isinstance(node, BNode):
        return node.n3(names)
    if (inverse := graph.value(node, SH.inversePath)) is not None:
        return "^" + _path(graph, inverse, names)
    if (alternatives := graph.value(node, SH.alternativePath)) is not None:
        inner = "|".join(_path(graph, p, names) for p in Collection(graph, alternatives))
        return f"({inner})"
    for predicate, suffix in _PATH_SUFFIXES.items():
        if (inner := graph.value(node, predicate)) is not None:
            return _path(graph, inner, names) + suffix
    return "/".join(_path(graph, p, names) for p in Collection(graph, node))


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    """The shape's name; a blank property shape is named by its node shape and path."""
    if shape is None:
        return "?"
    if not isinstance(shape, BNode):
        return shape.n3(shapes.namespace_manager)
    parent = shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    where = _path(shapes, path, shapes.namespace_manager) if path is not None else "(blank shape)"
    return f"{_shape_name(shapes, parent)} › {where}" if parent is not None else where


def _count_shapes(shapes: Graph) -> int:
    typed = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return len(typed | set(shapes.objects(None, SH.property)))


def _group_key(findings: Iterable[Finding], focus: Node) -> tuple[int, list[tuple[int, int | str]]]:
    return min(SEVERITIES.index(f.severity) for f in findings), natural_key(str(focus))


def _local(iri: Node) -> str:
    text = str(iri)
    return text[max(text.rfind("#"), text.rfind("/")) + 1 :]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

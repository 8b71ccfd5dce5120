"""SHACL shapes compiled to set-oriented SPARQL: each constraint becomes a SELECT over all the
focus nodes of its shape at once, answering only the violations (the value checks and the
count checks of one node shape share a query each).

Why: pyshacl checks each focus node on its own (a SHACL-SPARQL constraint is one query per
focus node), which grew faster than the data (4 s at 2,000 triples, 35 s at 20,000). Here
Oxigraph answers each query over the whole data at once, so the work grows with the data and
the violations, not with focus nodes × data.

The results are pyshacl's (it stays the reference; the tests compare both engines): the same
focus nodes, values, result paths, severities and messages, following pyshacl where SHACL
leaves a choice (sh:uniqueLang reports once per duplicated language without a value; a
SHACL-SPARQL result without ?value takes the focus node; a literal is well-formed for its
datatype when rdflib can read it). Nested shapes (sh:node, sh:or, sh:and, sh:xone, sh:not, a
qualified value shape) become SPARQL expressions that say "this value conforms to that shape".

A shape that uses anything this compiler does not know raises UnusableShapes: a constraint is
never skipped silently.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass

from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import SH
from rdflib.namespace import XSD
from rdflib.term import Node

from lodpub.errors import UnusableShapes

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Shape properties that say nothing about the data.
_DESCRIPTIVE = {
    SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
    SH.defaultValue, SH.path, SH.property, SH.sparql, SH.qualifiedValueShapesDisjoint,
    *TARGETS,
}  # fmt: skip
# Components whose parameter is checked on each value node on its own.
_VALUE_COMPONENTS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
}
_OTHER_PARAMETERS = {
    SH.minCount, SH.maxCount, SH.hasValue, SH.uniqueLang, SH.disjoint, SH.flags,
    SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
}  # fmt: skip
_NODE_KINDS = {
    SH.IRI: "isIRI({0})",
    SH.BlankNode: "isBlank({0})",
    SH.Literal: "isLiteral({0})",
    SH.BlankNodeOrIRI: "!isLiteral({0})",
    SH.BlankNodeOrLiteral: "!isIRI({0})",
    SH.IRIOrLiteral: "!isBlank({0})",
}
# Datatypes whose lexical forms rdflib parses (and so pyshacl rejects when they do not parse):
# the XSD cast of the same name accepts the same forms. Other datatypes only compare names.
_CAST_CHECKED = {XSD.date, XSD.dateTime, XSD.time, XSD.duration, XSD.integer, XSD.decimal,
                 XSD.float, XSD.double}  # fmt: skip
_RDF_TYPE_OF = f"{RDF.type.n3()}/{RDFS.subClassOf.n3()}*"


@dataclass(frozen=True)
class Check:
    """One constraint of one shape as a SELECT query. Each solution is one validation result:
    ?this the focus node, ?value the value node when bound (else the focus node when
    `value_is_focus`), other variables fill the `{?name}` slots of a SHACL-SPARQL message."""

    shape: Node
    severity: URIRef
    component: URIRef
    path: Node | None
    messages: tuple[Literal, ...]
    query: str
    value_is_focus: bool = False
    sparql_constraint: Node | None = None
    # The value checks of one node shape share one query (one pass over its focus nodes);
    # a solution's ?branch says which check it belongs to.
    branch: int | None = None


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every constraint of every targeted shape as a Check. Raises UnusableShapes for a shape
    feature this compiler does not support."""
    return _Compiler(shapes).checks()


def regular_expressions(shapes: Graph) -> set[tuple[str, str | None]]:
    """(sh:pattern, sh:flags) of every shape: the engine must be able to run each."""
    return {
        (str(pattern), None if flags is None else str(flags))
        for shape, pattern in shapes.subject_objects(SH.pattern)
        for flags in [shapes.value(shape, SH.flags)]
    }


class _Merge:
    """The checks of one node shape's property shapes that share queries: one for the value
    checks (each branch finds the values failing one check) and one for the counts, each
    joined once with the focus nodes. A query per check finds the focus nodes anew each
    time: on 100 copies of the article, 93 queries took 4.8 s of CPU where 153 took 5.3 s
    and 208 about twice as long for the value checks."""

    def __init__(self) -> None:
        self.values: list[tuple[Check, str]] = []
        self.counts: list[tuple[Check, str, int, int | None]] = []

    def checks(self, focus: str) -> list[Check]:
        checks = []
        if self.values:
            union = " UNION ".join(
                f"{{ {pattern} BIND ({number} AS ?branch) }}"
                for number, (_, pattern) in enumerate(self.values)
            )
            query = f"SELECT DISTINCT ?branch ?this ?value WHERE {{ {focus} {union} }}"
            checks += [
                dataclasses.replace(check, query=query, branch=number)
                for number, (check, _) in enumerate(self.values)
            ]
        if self.counts:
            query = _count_query(focus, [counted for _, *counted in self.counts])
            checks += [
                dataclasses.replace(check, query=query, branch=number)
                for number, (check, *_) in enumerate(self.counts)
            ]
        return checks


def _count_query(focus: str, counts: list[tuple[str, int, int | None]]) -> str:
    """Focus nodes with too few or too many values: each of `counts` is (a pattern binding
    ?v for ?this, fewest allowed, most allowed or None), the solution's ?branch its index."""
    bounds = " ".join(
        f"({number} {fewest} {-1 if most is None else most})"
        for number, (_, fewest, most) in enumerate(counts)
    )
    union = " UNION ".join(
        f"{{ {pattern} BIND ({number} AS ?branch) }}"
        for number, (pattern, _, _) in enumerate(counts)
    )
    return (
        f"SELECT ?this ?branch WHERE {{ {focus} VALUES (?branch ?fewest ?most) {{ {bounds} }} "
        f"OPTIONAL {{ {union} }} }} GROUP BY ?this ?branch ?fewest ?most "
        "HAVING (COUNT(DISTINCT ?v) < ?fewest || (?most >= 0 && COUNT(DISTINCT ?v) > ?most))"
    )


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self._names = itertools.count(1)
        self._nesting: list[Node] = []

    def checks(self) -> list[Check]:
        checks: list[Check] = []
        for shape in sorted(self._targeted(), key=str):
            if self._deactivated(shape):
                continue
            focus = self.focus(shape)
            if self.shapes.value(shape, SH.path) is not None:
                checks.extend(self._property_checks(shape, focus))
                continue
            checks.extend(self._node_checks(shape, focus))
            merge = _Merge()
            for prop in self.shapes.objects(shape, SH.property):
                if not self._deactivated(prop):
                    checks.extend(self._property_checks(prop, focus, merge))
            checks.extend(merge.checks(focus))
            for constraint in self.shapes.objects(shape, SH.sparql):
                checks.extend(self._sparql_check(shape, constraint, focus))
        return checks

    def _targeted(self) -> set[Node]:
        # sh:target (SHACL-AF) is visited only to be refused.
        targets = (*TARGETS, SH.target)
        shapes = {s for p in targets for s in self.shapes.subjects(p, None)}
        return shapes | self._implicit_classes()

    def _implicit_classes(self) -> set[Node]:
        shapes = set(self.shapes.subjects(RDF.type, SH.NodeShape)) | set(
            self.shapes.subjects(RDF.type, SH.PropertyShape)
        )
        classes = set(self.shapes.subjects(RDF.type, RDFS.Class)) | set(
            self.shapes.subjects(RDF.type, OWL.Class)
        )
        return shapes & classes

    # --- focus nodes --------------------------------------------------------------------

    def focus(self, shape: Node) -> str:
        """A group pattern binding ?this to each focus node of `shape`, once."""
        classes = set(self.shapes.objects(shape, SH.targetClass))
        if shape in self._implicit_classes():
            classes.add(shape)
        parts = [f"{{ ?this {_RDF_TYPE_OF} {self._term(c)} }}" for c in sorted(classes)]
        nodes = sorted(self.shapes.objects(shape, SH.targetNode))
        if nodes:
            parts.append(f"{{ VALUES ?this {{ {' '.join(self._term(n) for n in nodes)} }} }}")
        for predicate in sorted(self.shapes.objects(shape, SH.targetSubjectsOf)):
            parts.append(f"{{ ?this {self._term(predicate)} [] }}")
        for predicate in sorted(self.shapes.objects(shape, SH.targetObjectsOf)):
            parts.append(f"{{ [] {self._term(predicate)} ?this }}")
        return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }}"

    # --- constraints of a targeted shape ------------------------------------------------

    def _node_checks(self, shape: Node, focus: str) -> list[Check]:
        self._refuse_unknown(shape)
        for parameter in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.disjoint):
            if self.shapes.value(shape, parameter) is not None:
                raise self._unusable(shape, f"{parameter.n3()} on a node shape")
        if self.shapes.value(shape, SH.qualifiedValueShape) is not None:
            raise self._unusable(shape, "sh:qualifiedValueShape on a node shape")
        checks = [
            self._check(
                shape,
                component,
                f"SELECT ?this WHERE {{ {focus} FILTER (!{test}) }}",
                value_is_focus=True,
            )  # fmt: skip
            for component, test in self._value_tests(shape, "?this")
        ]
        for value in self.shapes.objects(shape, SH.hasValue):
            query = (
                f"SELECT ?this WHERE {{ {focus} FILTER (!sameTerm(?this, {self._term(value)})) }}"
            )
            checks.append(self._check(shape, SH.HasValueConstraintComponent, query))
        return checks

    def _property_checks(self, prop: Node, focus: str, merge: _Merge | None = None) -> list[Check]:
        """The checks of a property shape; with `merge`, those that can share a query with
        the other property shapes of the node shape go there instead."""
        self._refuse_unknown(prop)
        if self.shapes.value(prop, SH.property) is not None:
            raise self._unusable(prop, "sh:property inside a property shape")
        if self.shapes.value(prop, SH.sparql) is not None:
            raise self._unusable(prop, "sh:sparql on a property shape")
        path = self._path(self.shapes.value(prop, SH.path))
        values = f"{focus} ?this {path} ?value ."
        checks = []
        for component, test in self._value_tests(prop, "?value"):
            failing = f"?this {path} ?value . FILTER (!{test})"
            query = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {failing} }}"
            check = self._check(prop, component, query)
            if merge is None:
                checks.append(check)
            else:
                merge.values.append((check, failing))
        # Counts: (component, the values counted, fewest allowed, most allowed or None).
        counts = [
            (SH.MinCountConstraintComponent, f"?this {path} ?v", int(count), None)
            for count in self.shapes.objects(prop, SH.minCount)
        ]
        counts += [
            (SH.MaxCountConstraintComponent, f"?this {path} ?v", 0, int(count))
            for count in self.shapes.objects(prop, SH.maxCount)
        ]
        counts += [
            (SH.HasValueConstraintComponent, f"?this {path} {v} BIND ({v} AS ?v)", 1, None)
            for v in map(self._term, self.shapes.objects(prop, SH.hasValue))
        ]
        for component, counted, fewest, most in counts:
            query = _count_query(focus, [(counted, fewest, most)])
            check = self._check(prop, component, query)
            if merge is None:
                checks.append(check)
            else:
                merge.counts.append((check, counted, fewest, most))
        if self.shapes.value(prop, SH.uniqueLang) == Literal(True):
            # One result per language used twice, without a value (pyshacl's choice).
            query = (
                f"SELECT ?this ?language WHERE {{ {values} "
                'FILTER (isLiteral(?value) && LANG(?value) != "") '
                "BIND (LCASE(LANG(?value)) AS ?language) } "
                "GROUP BY ?this ?language HAVING (COUNT(DISTINCT ?value) > 1)"
            )
            checks.append(self._check(prop, SH.UniqueLangConstraintComponent, query))
        for other in self.shapes.objects(prop, SH.disjoint):
            shared = f"?this {self._term(other)} ?value"
            query = f"SELECT DISTINCT ?this ?value WHERE {{ {values} {shared} }}"
            checks.append(self._check(prop, SH.DisjointConstraintComponent, query))
        for qualified in self.shapes.objects(prop, SH.qualifiedValueShape):
            checks.extend(self._qualified_checks(prop, qualified, focus, path))
        return checks

    def _qualified_checks(self, prop: Node, qualified: Node, focus: str, path: str) -> list[Check]:
        if self.shapes.value(prop, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise self._unusable(prop, "sh:qualifiedValueShapesDisjoint")
        conforming = (
            f"SELECT ?this (COUNT(DISTINCT ?v) AS ?conforming) WHERE {{ {focus} "
            f"OPTIONAL {{ ?this {path} ?v FILTER ({self._conforms(qualified, '?v')}) }} }} "
            "GROUP BY ?this"
        )
        checks = []
        bounds = (
            (SH.qualifiedMinCount, "<", SH.QualifiedMinCountConstraintComponent),
            (SH.qualifiedMaxCount, ">", SH.QualifiedMaxCountConstraintComponent),
        )
        for parameter, comparison, component in bounds:
            for count in self.shapes.objects(prop, parameter):
                query = (
                    f"SELECT ?this WHERE {{ {{ {conforming} }} "
                    f"FILTER (?conforming {comparison} {int(count)}) }}"
                )
                checks.append(self._check(prop, component, query))
        return checks

    def _sparql_check(self, shape: Node, constraint: Node, focus: str) -> list[Check]:
        if self._deactivated(constraint):
            return []
        select = self.shapes.value(constraint, SH.select)
        if select is None:
            raise self._unusable(shape, "a SHACL-SPARQL constraint without sh:select")
        text = str(select)
        unsupported = re.search(r"\$(PATH|currentShape|shapesGraph)\b|\?failure\b", text)
        if unsupported:
            raise self._unusable(shape, f"{unsupported.group(0)} in a SHACL-SPARQL constraint")
        # Injecting the focus nodes at the top of the outer group binds $this before the
        # constraint's own patterns and filters, as SHACL's pre-binding does; a nested
        # SELECT, VALUES or a solution modifier would see $this differently, so they are
        # refused. GROUP BY (with HAVING) is kept when $this is one of its keys: each focus
        # node's solutions stay a group of their own, as in one query per focus node.
        head = re.match(
            r"\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(?P<projection>.*?)\s*WHERE\s*\{",
            text,
            re.DOTALL | re.IGNORECASE,
        )
        body = text[head.end() :] if head else ""
        modifiers = r"\b(SELECT|VALUES|ORDER\s+BY|LIMIT|OFFSET)\b"
        code = re.sub(r"^\s*#.*$", "", body, flags=re.MULTILINE)  # whole-line comments
        grouping = re.search(r"\bGROUP\s+BY\b(?P<keys>.*?)(\bHAVING\b|$)", code, re.I | re.S)
        if grouping is None and re.search(r"\bHAVING\b", code, re.I):
            raise self._unusable(shape, "HAVING without GROUP BY in a SHACL-SPARQL constraint")
        if grouping is not None and not re.search(r"[?$]this\b", grouping.group("keys")):
            raise self._unusable(shape, "a SHACL-SPARQL GROUP BY without $this")
        if head is None or re.search(modifiers, code, re.IGNORECASE):
            raise self._unusable(
                shape, "a SHACL-SPARQL query other than SELECT … WHERE { patterns }"
            )
        projection = head.group("projection")
        if projection != "*" and not re.search(r"[?$]this\b", projection):
            projection = f"?this {projection}"
        query = (
            f"{self._prefixes(constraint)}SELECT DISTINCT {projection} WHERE {{ {focus} "
            f"{_decorrelate(code)}"
        )
        messages = tuple(self.shapes.objects(constraint, SH.message))
        return [
            Check(
                shape=shape,
                severity=self._severity(shape),
                component=SH.SPARQLConstraintComponent,
                path=None,
                messages=messages + tuple(self._messages(shape, skip=messages)),
                query=query,
                value_is_focus=True,
                sparql_constraint=constraint,
            )
        ]

    def _prefixes(self, constraint: Node) -> str:
        lines = []
        for owner in self.shapes.objects(constraint, SH.prefixes):
            for declaration in self.shapes.objects(owner, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                lines.append(f"PREFIX {prefix}: <{namespace}>\n")
        return "".join(sorted(set(lines)))

    def _check(
        self, shape: Node, component: URIRef, query: str, *, value_is_focus: bool = False
    ) -> Check:
        return Check(
            shape=shape,
            severity=self._severity(shape),
            component=component,
            path=self.shapes.value(shape, SH.path),
            messages=tuple(self._messages(shape)),
            query=query,
            value_is_focus=value_is_focus,
        )

    # --- tests on one value node, and "conforms to a shape" ----------------------------

    def _value_tests(self, shape: Node, x: str) -> list[tuple[URIRef, str]]:
        """(component, expression true when the value `x` satisfies it) for each
        value-node constraint of `shape`."""
        tests = []
        for parameter, component in _VALUE_COMPONENTS.items():
            for argument in self.shapes.objects(shape, parameter):
                tests.append((component, f"({self._value_test(shape, parameter, argument, x)})"))
        return tests

    def _value_test(self, shape: Node, parameter: URIRef, argument: Node, x: str) -> str:
        if parameter == SH["class"]:
            return f"EXISTS {{ {x} {_RDF_TYPE_OF} {self._term(argument)} }}"
        if parameter == SH.datatype:
            return self._datatype_test(argument, x)
        if parameter == SH.nodeKind:
            if argument not in _NODE_KINDS:
                raise self._unusable(shape, f"sh:nodeKind {argument.n3()}")
            return _NODE_KINDS[argument].format(x)
        if parameter == SH.pattern:
            flags = self.shapes.value(shape, SH.flags)
            flag_argument = f", {sparql_string(str(flags))}" if flags is not None else ""
            return (
                f"!isBlank({x}) && REGEX(STR({x}), {sparql_string(str(argument))}{flag_argument})"
            )
        if parameter == SH["in"]:
            members = [f"sameTerm({x}, {self._term(m)})" for m in self._list(shape, argument)]
            return " || ".join(members) or "false"
        if parameter == SH.minLength:
            return f"!isBlank({x}) && STRLEN(STR({x})) >= {int(argument)}"
        if parameter == SH.maxLength:
            return f"!isBlank({x}) && STRLEN(STR({x})) <= {int(argument)}"
        if parameter == SH.languageIn:
            # pyshacl: the tag, or its first subtag, is one of the list (any case).
            tags = ", ".join(sparql_string(str(t).lower()) for t in self._list(shape, argument))
            first = f'LCASE(STRBEFORE(CONCAT(LANG({x}), "-"), "-"))'
            return (
                f'isLiteral({x}) && LANG({x}) != "" '
                f"&& (LCASE(LANG({x})) IN ({tags}) || {first} IN ({tags}))"
            )
        if parameter == SH.node:
            return self._conforms(argument, x)
        if parameter == SH["not"]:
            return f"!{self._conforms(argument, x)}"
        members = [self._conforms(m, x) for m in self._list(shape, argument)]
        if parameter == SH["or"]:
            return " || ".join(members) or "false"
        if parameter == SH["and"]:
            return " && ".join(members) or "true"
        counted = " + ".join(f"IF({m}, 1, 0)" for m in members) or "0"
        return f"{counted} = 1"  # sh:xone

    def _datatype_test(self, datatype: Node, x: str) -> str:
        if datatype == RDF.langString:
            return f'isLiteral({x}) && LANG({x}) != ""'
        test = f"isLiteral({x}) && sameTerm(DATATYPE({x}), {self._term(datatype)})"
        if datatype == XSD.boolean:
            return f'{test} && REGEX(STR({x}), "^(true|false|1|0)$")'
        if datatype in _CAST_CHECKED:
            return f"{test} && COALESCE(isLiteral({datatype.n3()}(STR({x}))), false)"
        return test

    def _conforms(self, shape: Node, x: str) -> str:
        """An expression true when node `x` conforms to `shape` (its targets ignored)."""
        if self._deactivated(shape):
            return "true"
        if shape in self._nesting:
            raise self._unusable(shape, "a recursive shape")
        self._nesting.append(shape)
        try:
            self._refuse_unknown(shape)
            if self.shapes.value(shape, SH.sparql) is not None:
                raise self._unusable(shape, "sh:sparql in a shape used by another shape")
            path = self.shapes.value(shape, SH.path)
            tests = (
                self._nested_node_tests(shape, x)
                if path is None
                else self._nested_property_tests(shape, x, self._path(path))
            )
            tests += [self._conforms(prop, x) for prop in self.shapes.objects(shape, SH.property)]
        finally:
            self._nesting.pop()
        return f"({' && '.join(tests)})" if tests else "true"

    def _nested_node_tests(self, shape: Node, x: str) -> list[str]:
        for parameter in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.disjoint):
            if self.shapes.value(shape, parameter) is not None:
                raise self._unusable(shape, f"{parameter.n3()} on a node shape")
        tests = [test for _, test in self._value_tests(shape, x)]
        tests += [
            f"sameTerm({x}, {self._term(v)})" for v in self.shapes.objects(shape, SH.hasValue)
        ]
        return tests

    def _nested_property_tests(self, shape: Node, x: str, path: str) -> list[str]:
        value = self._variable()
        tests = []
        value_tests = [test for _, test in self._value_tests(shape, value)]
        if value_tests:
            failing = " && ".join(value_tests)
            tests.append(f"NOT EXISTS {{ {x} {path} {value} FILTER (!({failing})) }}")
        for count in self.shapes.objects(shape, SH.minCount):
            if int(count) > 1:
                raise self._unusable(shape, "sh:minCount above 1 in a nested shape")
            if int(count) == 1:
                tests.append(f"EXISTS {{ {x} {path} {self._variable()} }}")
        for count in self.shapes.objects(shape, SH.maxCount):
            if int(count) > 1:
                raise self._unusable(shape, "sh:maxCount above 1 in a nested shape")
            a, b = self._variable(), self._variable()
            pair = f"{x} {path} {a} . {x} {path} {b} . FILTER (!sameTerm({a}, {b}))"
            tests.append(
                f"NOT EXISTS {{ {x} {path} {a} }}"
                if int(count) == 0
                else f"NOT EXISTS {{ {pair} }}"
            )
        for required in self.shapes.objects(shape, SH.hasValue):
            tests.append(f"EXISTS {{ {x} {path} {self._term(required)} }}")
        if self.shapes.value(shape, SH.uniqueLang) == Literal(True):
            a, b = self._variable(), self._variable()
            tests.append(
                f"NOT EXISTS {{ {x} {path} {a} . {x} {path} {b} . FILTER (!sameTerm({a}, {b}) "
                f'&& isLiteral({a}) && isLiteral({b}) && LANG({a}) != "" '
                f"&& LCASE(LANG({a})) = LCASE(LANG({b}))) }}"
            )
        for other in self.shapes.objects(shape, SH.disjoint):
            tests.append(f"NOT EXISTS {{ {x} {path} {value} . {x} {self._term(other)} {value} }}")
        if self.shapes.value(shape, SH.qualifiedValueShape) is not None:
            raise self._unusable(shape, "sh:qualifiedValueShape in a nested shape")
        return tests

    # --- helpers ------------------------------------------------------------------------

    def _path(self, node: Node | None) -> str:
        """A SHACL property path in SPARQL syntax, with full IRIs."""
        if node is None:
            raise UnusableShapes("the SHACL shapes cannot be applied: a property shape has no path")
        if isinstance(node, URIRef):
            return node.n3()
        if (inverse := self.shapes.value(node, SH.inversePath)) is not None:
            return f"^({self._path(inverse)})"
        if (alternatives := self.shapes.value(node, SH.alternativePath)) is not None:
            return f"({'|'.join(self._path(p) for p in Collection(self.shapes, alternatives))})"
        for predicate, suffix in (
            (SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")
        ):  # fmt: skip
            if (inner := self.shapes.value(node, predicate)) is not None:
                return f"({self._path(inner)}){suffix}"
        if self.shapes.value(node, RDF.first) is None:
            raise UnusableShapes(
                f"the SHACL shapes cannot be applied: {node.n3()} is not a property path"
            )
        return f"({'/'.join(self._path(p) for p in Collection(self.shapes, node))})"

    def _list(self, shape: Node, node: Node) -> list[Node]:
        if node != RDF.nil and self.shapes.value(node, RDF.first) is None:
            raise self._unusable(shape, f"{node.n3()} where an RDF list is expected")
        return list(Collection(self.shapes, node))

    def _term(self, node: Node) -> str:
        if isinstance(node, BNode):
            raise UnusableShapes(
                "the SHACL shapes cannot be applied: a blank node where an IRI or literal "
                "is expected"
            )
        return node.n3()

    def _variable(self) -> str:
        return f"?_{next(self._names)}"

    def _severity(self, shape: Node) -> URIRef:
        severity = self.shapes.value(shape, SH.severity, default=SH.Violation)
        return severity if isinstance(severity, URIRef) else SH.Violation

    def _messages(self, shape: Node, skip: tuple[Literal, ...] = ()) -> list[Literal]:
        return [m for m in self.shapes.objects(shape, SH.message) if m not in skip]

    def _deactivated(self, shape: Node) -> bool:
        return self.shapes.value(shape, SH.deactivated) == Literal(True)

    def _refuse_unknown(self, shape: Node) -> None:
        for predicate in set(self.shapes.predicates(shape, None)):
            if not str(predicate).startswith(str(SH)):
                continue
            if predicate in _DESCRIPTIVE or predicate in _VALUE_COMPONENTS:
                continue
            if predicate in _OTHER_PARAMETERS:
                continue
            raise self._unusable(shape, f"{predicate.n3(self.shapes.namespace_manager)}")

    def _unusable(self, shape: Node, feature: str) -> UnusableShapes:
        name = shape.n3(self.shapes.namespace_manager)
        return UnusableShapes(
            f"the SHACL shapes cannot be applied: {name} uses {feature}, which lodpub's "
            "SHACL engine does not support"
        )


def sparql_string(text: str) -> str:
    """A SPARQL string literal."""
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, escape)
    return f'"{text}"'


_EXISTS = re.compile(
    r"(?P<filter>FILTER\s+)?(?P<negated>NOT\s+)?EXISTS\s*\{(?P<patterns>[^{}]*)\}", re.IGNORECASE
)
_VARIABLE = re.compile(r"[?$](\w+)")
_OUTER_KEYWORDS = re.compile(r"\b(OPTIONAL|UNION|MINUS|BIND|VALUES|GRAPH|SERVICE)\b", re.I)


def _decorrelate(body: str) -> str:
    """`body` (a WHERE group after its opening brace) with its `EXISTS { triple patterns }`
    turned into joins where that means the same: `FILTER NOT EXISTS { P }` into
    `MINUS { P }`, any other `[NOT] EXISTS { P }` into `[!]BOUND(?e)` with
    `OPTIONAL { P BIND (true AS ?e) }` (P's own variables renamed) at the end of the group.

    Why: Oxigraph plans an EXISTS pattern without knowing which of its variables the row
    binds, and evaluates it once per row: `?citation a cito:Citation ; cito:hasCitingEntity
    $this` scans every citation for every row, quadratic in the data (0.6 s at 30 articles,
    10 s at 100). MINUS and OPTIONAL are one hash join each, linear. They mean the same when
    the group's other patterns are triple patterns and filters only (so every variable they
    mention outside a filter is bound), the EXISTS holds triple patterns only (no filter
    seeing the row's variables), and it shares a variable with the row; DISTINCT (every
    constraint query has it) absorbs the rows an OPTIONAL repeats.
    """
    outer = _EXISTS.sub(" ", body)
    if "{" in outer or _OUTER_KEYWORDS.search(outer):
        return body
    outer_variables = set(_VARIABLE.findall(outer))
    bound = set(_VARIABLE.findall(_without_filters(outer)))
    optionals: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        patterns = match.group("patterns")
        variables = set(_VARIABLE.findall(patterns))
        shared = variables & outer_variables
        if re.search(r"\bFILTER\b", patterns, re.I) or not shared or not shared <= bound:
            return match.group(0)
        if match.group("filter") and match.group("negated"):
            return f"MINUS {{{patterns}}}"
        flag = f"?_exists{len(optionals) + 1}"
        for name in variables - outer_variables:
            patterns = re.sub(rf"[?$]{name}\b", f"{flag}_{name}", patterns)
        optionals.append(f"OPTIONAL {{ {patterns} BIND (true AS {flag}) }}")
        test = f"{'!' if match.group('negated') else ''}BOUND({flag})"
        return f"FILTER ({test})" if match.group("filter") else test

    rewritten = _EXISTS.sub(rewrite, body)
    end = rewritten.rindex("}")
    return f"{rewritten[:end]}{' '.join(optionals)} {rewritten[end:]}"


def _without_filters(text: str) -> str:
    """`text` without its FILTER (…) clauses (balanced parentheses)."""
    kept, position = [], 0
    for match in re.finditer(r"\bFILTER\s*\(", text, re.IGNORECASE):
        if match.start() < position:
            continue
        kept.append(text[position : match.start()])
        depth, index = 1, match.end()
        while index < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[index], 0)
            index += 1
        position = index
    kept.append(text[position:])
    return "".join(kept)

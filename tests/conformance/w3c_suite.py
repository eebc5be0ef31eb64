"""The W3C SHACL test suite (``w3c/``): its approved tests, and reports as comparable sets.

A test names a data graph and a shapes graph (in the suite, mostly the test file itself)
and the expected ``sh:ValidationReport``, or ``sht:Failure`` where a processor must give
up. Reports compare as multisets of results, each reduced to what SHACL fixes: focus
node, path, value, source shape, constraint component and severity (messages are free
text; blank nodes compare as ``_:``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from semgraph.rdf.importer import parse_file
from semgraph.validation.engine import path_text
from semgraph.validation.results import ValidationOutcome, ValidationResult

SUITE = Path(__file__).parent / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

ResultKey = tuple[str, str | None, str | None, str, str | None, str | None]


@dataclass(frozen=True)
class SuiteTest:
    """One approved ``sht:Validate`` test."""

    name: str
    data: Path
    shapes: Path
    failure: bool
    conforms: bool
    results: Counter[ResultKey]


def _file(node: Node | None) -> Path:
    assert isinstance(node, URIRef), node
    return Path(str(node).removeprefix("file://"))


def _term(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return "_:"
    return node.n3()


def expected_key(report: Graph, result: Node) -> ResultKey:
    focus = report.value(result, SH.focusNode)
    shape = report.value(result, SH.sourceShape)
    component = report.value(result, SH.sourceConstraintComponent)
    return (
        "_:" if isinstance(focus, BNode) else str(focus),
        path_text(report, report.value(result, SH.resultPath)),
        _term(report.value(result, SH.value)),
        "_:" if isinstance(shape, BNode) else str(shape),
        None if component is None else str(component),
        str(report.value(result, SH.resultSeverity)),
    )


def actual_key(r: ValidationResult) -> ResultKey:
    return (
        "_:" if r.focus_is_blank else r.focus_node,
        r.path,
        r.value_term,
        r.source_shape or ("_:" if r.source_shape is None else r.source_shape),
        r.source_constraint_component,
        r.severity_iri,
    )


def outcome_keys(outcome: ValidationOutcome) -> Counter[ResultKey]:
    return Counter(actual_key(r) for r in outcome.results)


@cache  # every runner parametrizes over it: the 120 files are parsed once
def approved_tests() -> list[SuiteTest]:
    """Every approved test of the core and SPARQL parts, in file order."""
    tests: list[SuiteTest] = []
    for path in sorted(SUITE.glob("*/**/*.ttl")):
        if path.name == "manifest.ttl":
            continue
        # as semgraph reads the data (an ill-typed literal as the file writes it), so the
        # expected report's values are the terms the data holds
        g = parse_file(path, "turtle")
        for test in g.subjects(RDF.type, SHT.Validate):
            if (test, MF.status, SHT.approved) not in g:
                continue
            action = g.value(test, MF.action)
            expected = g.value(test, MF.result)
            failure = expected == SHT.Failure
            results: Counter[ResultKey] = Counter()
            conforms = True
            if not failure:
                conforms = g.value(expected, SH.conforms) == Literal(True)
                results = Counter(expected_key(g, r) for r in g.objects(expected, SH.result))
            tests.append(
                SuiteTest(
                    name=str(path.relative_to(SUITE).with_suffix("")),
                    data=_file(g.value(action, SHT.dataGraph)),
                    shapes=_file(g.value(action, SHT.shapesGraph)),
                    failure=failure,
                    conforms=conforms,
                    results=results,
                )
            )
    return tests


def suite_params(known: Mapping[str, str]) -> dict[str, Any]:
    """``pytest.mark.parametrize`` arguments over every approved test, each named in
    ``known`` a strict expected failure with its reason (a fix makes it fail)."""
    tests = approved_tests()
    return {
        "argvalues": [
            pytest.param(t, marks=pytest.mark.xfail(reason=known[t.name], strict=True))
            if t.name in known
            else t
            for t in tests
        ],
        "ids": [t.name for t in tests],
    }

"""semgraph tunes the SPARQL it prepares for its own validations, and nothing else: its
queries follow SPARQL's truth table and filter as before, while a plain rdflib graph in
the same process keeps rdflib's own behaviour."""

from __future__ import annotations

import json
import subprocess
import sys

from rdflib import Graph

from semgraph.validation.rdf_view import ValidationGraph
from tests.unit.test_pyshacl_tuning import DATA, TABLE, TRUTH


def evaluate(graph: Graph, expression: str) -> bool | None:
    rows = list(graph.query(f"SELECT (({expression}) AS ?r) WHERE {{}}"))
    value = rows[0][0] if rows else None
    return None if value is None else bool(value.toPython())


def test_semgraphs_queries_follow_the_sparql_truth_table_errors_included() -> None:
    graph = ValidationGraph()
    for (a, b), (either, both) in TABLE.items():
        assert evaluate(graph, f"{TRUTH[a]} || {TRUTH[b]}") is either, f"{a} || {b}"
        assert evaluate(graph, f"{TRUTH[a]} && {TRUTH[b]}") is both, f"{a} && {b}"
    assert evaluate(graph, "(?unbound > 1) && true && false") is False


def test_semgraphs_filters_drop_what_their_expression_fails_or_errs_on() -> None:
    data = ValidationGraph()
    data.parse(data=DATA, format="turtle")
    query = "PREFIX ex: <http://example.org/> SELECT ?s WHERE {{ ?s ex:p ?x . FILTER({}) }}"
    assert {str(r[0])[-1] for r in data.query(query.format("?x > 1"))} == {"b"}
    assert not list(data.query(query.format("?nope > 1")))
    assert len(list(data.query(query.format("?x > 1 || true")))) == 2
    kept = data.query(query.format("?x < 2 && NOT EXISTS { ?s ex:q ?y }"))
    assert {str(r[0])[-1] for r in kept} == {"a"}


PLAIN_RDFLIB = """
import json, sys
from rdflib import Graph
from tests.unit.test_sparql_tuning import TABLE, TRUTH, evaluate

def plain():
    g = Graph()
    return [[evaluate(g, f"{TRUTH[a]} {op} {TRUTH[b]}") for op in ("||", "&&")] for a, b in TABLE]

before = plain()
from semgraph.validation.engine import ShapeEngine  # noqa: F401
from semgraph.validation import pyshacl_tuning
from semgraph.validation.rdf_view import ValidationGraph
pyshacl_tuning.apply_pyshacl()
semgraph = [[evaluate(ValidationGraph(), f"{TRUTH[a]} {op} {TRUTH[b]}") for op in ("||", "&&")]
            for a, b in TABLE]
print(json.dumps({"before": before, "after": plain(), "semgraph": semgraph}))
"""


def test_a_plain_rdflib_graph_beside_semgraph_keeps_rdflibs_own_evaluation() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_RDFLIB], capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["after"] == seen["before"], "semgraph left rdflib as it was"
    assert seen["semgraph"] == [list(v) for v in TABLE.values()]

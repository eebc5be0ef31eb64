"""The pySHACL tunings give pySHACL's own answers: a forbidden SPARQL constraint is still
refused on every validation, and the checks it passes are passed again."""

from __future__ import annotations

from pyshacl import validate
from rdflib import Graph

from semgraph.validation import pyshacl_tuning

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:{name} a sh:NodeShape ; sh:targetClass ex:T ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE {{ $this ex:p ?x . {body} }}\"\"\" ] .
"""
DATA = "@prefix ex: <http://example.org/> . ex:a a ex:T ; ex:p 1 . ex:b a ex:T ; ex:p 2 ; ex:q 3 ."


def run(body: str) -> tuple[bool, str]:
    shapes = Graph().parse(data=SHAPES.format(name="S", body=body), format="turtle")
    conforms, _, text = validate(Graph().parse(data=DATA, format="turtle"), shacl_graph=shapes)
    return bool(conforms), str(text)


def test_a_forbidden_clause_is_refused_every_time_and_a_valid_query_keeps_its_verdict() -> None:
    pyshacl_tuning.apply()
    pyshacl_tuning.apply()  # idempotent
    valid = "FILTER NOT EXISTS { $this ex:q ?y }"
    for _ in range(3):
        assert run(valid) == run(valid)
        conforms, text = run(valid)
        assert not conforms and "ex:a" in text.replace("http://example.org/", "ex:")
        conforms, text = run("MINUS { $this ex:q ?y }")
        assert not conforms and "must not contain a MINUS clause" in text


TRUTH = {"T": "true", "F": "false", "E": "(?unbound > 1)"}  # E: an error (unbound variable)
# SPARQL 1.1, 17.2 (logical-or / logical-and with errors); None: the expression is an error.
TABLE = {
    ("T", "T"): (True, True),
    ("T", "F"): (True, False),
    ("F", "T"): (True, False),
    ("F", "F"): (False, False),
    ("T", "E"): (True, None),
    ("E", "T"): (True, None),
    ("F", "E"): (None, False),
    ("E", "F"): (None, False),
    ("E", "E"): (None, None),
}


def evaluate(expression: str) -> bool | None:
    """The expression's value; None for an error (rdflib then drops the solution)."""
    rows = list(Graph().query(f"SELECT (({expression}) AS ?r) WHERE {{}}"))
    value = rows[0][0] if rows else None
    return None if value is None else bool(value.toPython())


def test_and_and_or_follow_the_sparql_truth_table_errors_included() -> None:
    pyshacl_tuning.apply()
    for (a, b), (either, both) in TABLE.items():
        assert evaluate(f"{TRUTH[a]} || {TRUTH[b]}") is either, f"{a} || {b}"
        assert evaluate(f"{TRUTH[a]} && {TRUTH[b]}") is both, f"{a} && {b}"
    # chains, and a deciding operand after the first
    assert evaluate("true && true && false") is False
    assert evaluate("false || false || true") is True
    assert evaluate("(?unbound > 1) && true && false") is False


def test_a_filter_still_drops_solutions_its_expression_fails_or_errs_on() -> None:
    pyshacl_tuning.apply()
    data = Graph().parse(data=DATA, format="turtle")
    query = "PREFIX ex: <http://example.org/> SELECT ?s WHERE {{ ?s ex:p ?x . FILTER({}) }}"
    kept = {str(r[0]).rsplit("/", 1)[-1] for r in data.query(query.format("?x > 1"))}
    assert kept == {"b"}
    assert not list(data.query(query.format("?nope > 1")))  # an error is false
    assert len(list(data.query(query.format("?x > 1 || true")))) == 2
    kept = {
        str(r[0]).rsplit("/", 1)[-1]
        for r in data.query(query.format("?x < 2 && NOT EXISTS { ?s ex:q ?y }"))
    }
    assert kept == {"a"}


CORE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:T ;
  sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:datatype xsd:integer ; sh:in ( 1 2 ) ] ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE { $this ex:q ?y }\"\"\" ] .
"""
CHANGED_DATA = [
    "@prefix ex: <http://example.org/> . ex:a a ex:T ; ex:p 1 .",
    "@prefix ex: <http://example.org/> . ex:a a ex:T ; ex:p 3 ; ex:q 1 . ex:b a ex:T .",
    "@prefix ex: <http://example.org/> . ex:a a ex:T ; ex:p 2 .",
]


def test_one_validator_reusing_its_constraints_judges_each_graph_as_a_fresh_one() -> None:
    """The engine keeps one validator per shape selection; with its constraint
    components built once, each new data graph still gets the verdict a fresh validator
    gives it (results of a graph do not leak into the next one)."""
    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    pyshacl_tuning.apply()
    shapes = Graph().parse(data=CORE_SHAPES, format="turtle")
    kept = Validator(DataGraph.from_rdflib(Graph()), shacl_graph=shapes, options={"inplace": True})
    for data in CHANGED_DATA * 2:
        graph = DataGraph.from_rdflib(Graph().parse(data=data, format="turtle"))
        kept.data_graph = kept._target_graph = graph  # as the engine hands each change over
        _, _, kept_text = kept.run()
        fresh = Graph().parse(data=CORE_SHAPES, format="turtle")
        _, _, fresh_text = validate(Graph().parse(data=data, format="turtle"), shacl_graph=fresh)
        assert str(kept_text) == str(fresh_text)
    built = kept.shacl_graph.__dict__.get("_semgraph_components", {})
    assert built, "the tuning is not in force: pySHACL no longer has what it relies on"

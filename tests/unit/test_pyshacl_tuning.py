"""The pySHACL tunings give pySHACL's own answers, and only to the shapes graphs semgraph
owns: a forbidden SPARQL constraint is still refused on every validation, the checks it
passes are passed again, and another pySHACL user in the process runs pySHACL's own code."""

from __future__ import annotations

from pyshacl import validate
from pyshacl.errors import ValidationFailure
from rdflib import Graph

from semgraph.validation import pyshacl_tuning

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:{name} a sh:NodeShape ; sh:targetClass ex:T ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE {{ $this ex:p ?x . {body} }}\"\"\" ] .
"""
DATA = "@prefix ex: <http://example.org/> . ex:a a ex:T ; ex:p 1 . ex:b a ex:T ; ex:p 2 ; ex:q 3 ."


def run(body: str, owned: bool) -> tuple[bool, str]:
    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    shapes = Graph().parse(data=SHAPES.format(name="S", body=body), format="turtle")
    data = DataGraph.from_rdflib(Graph().parse(data=DATA, format="turtle"))
    validator = Validator(data, shacl_graph=shapes, options={"inplace": True})
    if owned:
        pyshacl_tuning.own(validator.shacl_graph)
    try:
        conforms, _, text = validator.run()
    except ValidationFailure as exc:  # pyshacl.validate() reports it the same way
        return False, f"Validation Failure: {exc}"
    return bool(conforms), str(text)


def test_a_forbidden_clause_is_refused_every_time_and_a_valid_query_keeps_its_verdict() -> None:
    pyshacl_tuning.apply_pyshacl()
    pyshacl_tuning.apply_pyshacl()  # idempotent
    valid = "FILTER NOT EXISTS { $this ex:q ?y }"
    for _ in range(3):
        assert run(valid, owned=True) == run(valid, owned=False)
        conforms, text = run(valid, owned=True)
        assert not conforms and "ex:a" in text.replace("http://example.org/", "ex:")
        for owned in (True, False):
            conforms, text = run("MINUS { $this ex:q ?y }", owned)
            assert not conforms and "must not contain a MINUS clause" in text


def test_another_pyshacl_user_in_the_process_gets_pyshacls_own_code_path() -> None:
    pyshacl_tuning.apply_pyshacl()
    body = "FILTER NOT EXISTS { $this ex:q ?z }"  # a text no other test checks
    conforms, _ = run(body, owned=False)
    assert not conforms
    assert not any(body in key[0] for key in pyshacl_tuning.PASSED_TEXTS), "not remembered"
    run(body, owned=True)
    assert any(body in key[0] for key in pyshacl_tuning.PASSED_TEXTS)


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

    pyshacl_tuning.apply_pyshacl()
    shapes = Graph().parse(data=CORE_SHAPES, format="turtle")
    kept = Validator(DataGraph.from_rdflib(Graph()), shacl_graph=shapes, options={"inplace": True})
    pyshacl_tuning.own(kept.shacl_graph)
    other = Validator(DataGraph.from_rdflib(Graph()), shacl_graph=shapes, options={"inplace": True})
    for data in CHANGED_DATA * 2:
        graph = DataGraph.from_rdflib(Graph().parse(data=data, format="turtle"))
        kept.data_graph = kept._target_graph = graph  # as the engine hands each change over
        _, _, kept_text = kept.run()
        fresh = Graph().parse(data=CORE_SHAPES, format="turtle")
        _, _, fresh_text = validate(Graph().parse(data=data, format="turtle"), shacl_graph=fresh)
        assert str(kept_text) == str(fresh_text)
        other.data_graph = other._target_graph = graph
        _, _, other_text = other.run()
        assert str(other_text) == str(fresh_text)
    built = kept.shacl_graph.__dict__.get("_semgraph_components", {})
    assert built, "the tuning is not in force: pySHACL no longer has what it relies on"
    assert "_semgraph_components" not in other.shacl_graph.__dict__, "not semgraph's shapes"


def test_semgraphs_engine_validators_are_the_ones_tuned() -> None:
    from pathlib import Path

    from semgraph.ontology import Ontology
    from semgraph.shapes import load_shapes
    from semgraph.validation.engine import ShapeEngine

    shapes_dir = Path(__file__).resolve().parents[2] / "shapes"
    engine = ShapeEngine(load_shapes(shapes_dir, Ontology.load()))
    assert pyshacl_tuning.owned(engine._validator(None).shacl_graph)

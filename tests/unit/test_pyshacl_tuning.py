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

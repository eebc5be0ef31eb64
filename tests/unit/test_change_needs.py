"""Which transition shapes the engine may skip: proven from their SPARQL, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from semgraph.ontology import Ontology
from semgraph.shapes import ShapeSet, load_shapes
from semgraph.validation.change_needs import pending_change_needs, query_needs
from semgraph.validation.engine import ShapeEngine

SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"
S = "https://semgraph.io/shapes/"
SG = "https://semgraph.io/ontology#"
HEAD = "PREFIX sg: <https://semgraph.io/ontology#>\nPREFIX sgm: <https://semgraph.io/meta#>\n"


@pytest.fixture(scope="module")
def shape_set() -> ShapeSet:
    return load_shapes(SHAPES_DIR, Ontology.load())


def local(needs: frozenset[URIRef] | None) -> set[str] | None:
    return None if needs is None else {str(n).removeprefix(SG) for n in needs}


def test_an_sla_credit_shape_needs_a_credit_term_to_change(shape_set: ShapeSet) -> None:
    needs = pending_change_needs(shape_set.graph, URIRef(S + "SlaCreditTermsIncreased"))
    assert local(needs) == {"serviceCreditPercent", "penaltyCap", "creditFormula"}
    engine = ShapeEngine(shape_set)
    assert engine.may_fire(S + "SlaCreditTermsIncreased", ["penaltyCap", "monthlyFee"])
    assert not engine.may_fire(S + "SlaCreditTermsIncreased", ["uptimeTarget"])
    assert not engine.may_fire(S + "SlaCreditTermsIncreased", [])  # no pending change
    assert ShapeEngine(shape_set, prune_transitions=False).may_fire(
        S + "SlaCreditTermsIncreased", ["uptimeTarget"]
    )


def test_shapes_the_analysis_cannot_follow_always_run(shape_set: ShapeSet) -> None:
    # a UNION of a state branch and a change branch; a sub-select; a state shape
    for name in ("SlaRepricedBelowStandalone", "SlaPendingModification", "Contract"):
        assert pending_change_needs(shape_set.graph, URIRef(S + name)) is None, name
    assert ShapeEngine(shape_set).may_fire(S + "SlaRepricedBelowStandalone", [])


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("$this sgm:pendingChange ?pc . ?pc sgm:property sg:tier .", {"tier"}),
        (
            "$this sgm:pendingChange ?pc . ?pc sgm:property ?p . "
            "FILTER (?p = sg:a || (?p IN (sg:b, sg:c) && ?x > 1))",
            {"a", "b", "c"},
        ),
        (  # one branch of the OR does not restrict ?p: any change may fire it
            "$this sgm:pendingChange ?pc . ?pc sgm:property ?p . FILTER (?p = sg:a || ?x > 1)",
            None,
        ),
        (  # the pending change is optional: a node without one may fire it
            "$this sg:status ?s . OPTIONAL { $this sgm:pendingChange ?pc . "
            "?pc sgm:property ?p . FILTER (?p = sg:a) }",
            None,
        ),
        (  # a pending change of another node says nothing about $this
            "?o sgm:pendingChange ?pc . ?pc sgm:property ?p . FILTER (?p = sg:a)",
            None,
        ),
        ("$this sgm:pendingChange ?pc . ?pc sgm:property ?p .", None),  # any property
        (  # both must change: either one alone is a sound condition, never neither
            "$this sgm:pendingChange ?a , ?b . ?a sgm:property sg:x . "
            "?b sgm:property ?p . FILTER (?p IN (sg:y, sg:z))",
            {"x"},
        ),
        (
            "{ $this sgm:pendingChange ?pc . ?pc sgm:property sg:a } UNION { $this sg:s ?s }",
            None,
        ),
    ],
)
def test_needs_come_only_from_what_every_solution_must_match(
    where: str, expected: set[str] | None
) -> None:
    assert local(query_needs(HEAD + f"SELECT $this WHERE {{ {where} }}")) == expected


def test_a_shape_with_a_property_constraint_as_well_always_runs() -> None:
    query = "SELECT $this WHERE { $this sgm:pendingChange ?pc . ?pc sgm:property sg:a }"
    g = Graph().parse(
        data=f"""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix sg: <{SG}> .
<urn:p> sh:declare [ sh:prefix "sg" ; sh:namespace "{SG}" ] ,
    [ sh:prefix "sgm" ; sh:namespace "https://semgraph.io/meta#" ] .
<urn:s> a sh:NodeShape ; sh:targetClass sg:X ;
  sh:sparql [ sh:prefixes <urn:p> ; sh:select "{query}" ] .
""",
        format="turtle",
    )
    assert local(pending_change_needs(g, URIRef("urn:s"))) == {"a"}
    g.parse(data="<urn:s> <http://www.w3.org/ns/shacl#property> <urn:ps> .", format="turtle")
    assert pending_change_needs(g, URIRef("urn:s")) is None

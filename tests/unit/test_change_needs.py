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
    assert engine.may_fire(S + "SlaCreditTermsIncreased", [SG + "penaltyCap", SG + "monthlyFee"])
    assert not engine.may_fire(S + "SlaCreditTermsIncreased", [SG + "uptimeTarget"])
    assert not engine.may_fire(S + "SlaCreditTermsIncreased", [])  # no pending change
    assert ShapeEngine(shape_set, prune_transitions=False).may_fire(
        S + "SlaCreditTermsIncreased", [SG + "uptimeTarget"]
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


def test_a_transition_shape_of_a_foreign_namespace_is_pruned_by_its_own_iris(
    tmp_path: Path,
) -> None:
    lib = "http://example.org/library#"
    xsd_uri = "<http://www.w3.org/2001/XMLSchema#anyURI>"
    query = "SELECT $this WHERE { $this sgm:pendingChange ?pc . ?pc sgm:property lib:dueOn }"
    (tmp_path / "loans.ttl").write_text(
        f"""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix lib: <{lib}> .
@prefix sgm: <https://semgraph.io/meta#> .
<urn:p> sh:declare [ sh:prefix "lib" ; sh:namespace "{lib}"^^{xsd_uri} ] ,
    [ sh:prefix "sgm" ; sh:namespace "https://semgraph.io/meta#"^^{xsd_uri} ] .
<urn:DueDateMoved> a sh:NodeShape ; sh:targetClass lib:Loan ; sgm:triggers "$this" ;
  sh:sparql [ sh:prefixes <urn:p> ; sh:message "due date moved" ; sgm:reads "lib__loanOf" ;
    sh:select "{query}" ] .
""",
        encoding="utf-8",
    )
    library = Path(__file__).resolve().parents[1] / "fixtures" / "ontologies" / "library.ttl"
    engine = ShapeEngine(load_shapes(tmp_path, Ontology.load([library])))
    assert engine.may_fire("urn:DueDateMoved", [lib + "dueOn"])
    assert not engine.may_fire("urn:DueDateMoved", [lib + "title"])
    assert not engine.may_fire("urn:DueDateMoved", [SG + "dueOn"])  # same local name, not it

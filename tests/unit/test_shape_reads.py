"""What a shape may read (``validation/reads.py``): an over-approximation, or everything.

A predicate left out wrongly would change a verdict silently, so every construct that
can reach a triple whose predicate the text does not name must give up the cut.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, SH, BNode, Literal, URIRef

from semgraph.validation.reads import shape_reads, sparql_reads

SG = "https://semgraph.io/ontology#"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT $this WHERE { $this ?p ?o }",
        "SELECT $this WHERE { $this sg:a ?x . OPTIONAL { ?x ?p ?o } }",
        "SELECT $this WHERE { $this sg:a ?x . FILTER NOT EXISTS { ?x ?p 1 } }",
        "SELECT $this WHERE { $this sg:a ?x . MINUS { ?x ?p ?o } }",
        # a filter inside EXISTS: rdflib keeps it only in the translated pattern
        "SELECT $this WHERE { FILTER EXISTS { $this sg:a ?x . FILTER NOT EXISTS { ?x ?p 1 } } }",
        "SELECT $this WHERE { { $this sg:a 1 } UNION { $this ?p 2 } }",
        "SELECT $this WHERE { { SELECT $this (COUNT(*) AS ?n) { $this ?p ?o } GROUP BY $this } }",
        "SELECT $this WHERE { $this !sg:a ?o }",
        "SELECT $this WHERE { $this sg:a/^(!(sg:b|sg:c)) ?o }",
        "SELECT $this WHERE { GRAPH ?g { $this sg:a ?o } }",
        "SELECT $this WHERE { SERVICE <http://example.org/sparql> { $this sg:a ?o } }",
        "SELECT $this WHERE { $this $PATH ?o }",  # a constraint component's path
        "SELECT $this WHERE { $this sg: ?o }",  # the namespace IRI itself
        "SELECT $this WHERE { $this sg:a ?o",  # does not parse
    ],
)
def test_a_query_that_can_read_any_predicate_keeps_them_all(query: str) -> None:
    assert sparql_reads(query).everything


def test_a_query_reads_the_predicates_it_names_and_nothing_else() -> None:
    reads = sparql_reads(
        "# the order's status: it's read as text (STR)\n"
        "SELECT $this WHERE { $this sg:salesOrder/sg:status ?s ; ^sg:stockOf ?stock ;"
        " <http://example.org/other#flag> true . FILTER (STR(?s) = 'sg:notRead') }"
    )
    assert not reads.everything
    for name in ("salesOrder", "status", "stockOf"):
        assert reads.covers(SG + name)
        assert reads.covers("http://example.org/any/" + name)  # whatever sg: stands for
    assert reads.covers("http://example.org/other#flag")
    assert reads.covers(str(RDF.type))  # always: sh:class and the report read it
    assert not reads.covers(SG + "quantity")
    assert not reads.covers(SG + "orderNumber")


def test_a_predicate_named_in_a_filter_inside_exists_is_read() -> None:
    reads = sparql_reads(
        "SELECT $this WHERE { $this a sg:C . "
        "FILTER EXISTS { $this sg:a ?x . FILTER NOT EXISTS { ?x sg:inner ?y } } }"
    )
    assert reads.covers(SG + "inner")


def test_a_text_with_its_own_prefixes_is_read_as_it_declares_them() -> None:
    reads = sparql_reads("PREFIX ex: <http://example.org/>\nASK { $this ex:a ?o }")
    assert reads.covers("http://example.org/a")
    assert not reads.covers("http://example.org/b")


def test_a_closed_shape_reads_every_property() -> None:
    shape, prop = URIRef("http://example.org/S"), BNode()
    described = [
        (shape, SH.property, prop),
        (prop, SH.path, URIRef(SG + "name")),
    ]
    assert not shape_reads(described).everything
    assert shape_reads(described).covers(SG + "name")
    assert not shape_reads(described).covers(SG + "email")
    assert shape_reads([*described, (shape, SH.closed, Literal(True))]).everything
    assert not shape_reads([*described, (shape, SH.closed, Literal(False))]).everything

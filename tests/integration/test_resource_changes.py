"""RDF outside the ontology goes through the change pipeline too (``WriteResource``).

A user's own resources (any namespace but semgraph's) are written by a change set as
``semgraph import --unchecked`` would store them, judged by the user's shapes inside the
change's transaction, and refused with nothing written when they break one. Only the
administrator writes them (no class grants rights on them), and semgraph's own terms are
refused with the operation that writes them instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from rdflib import RDF, Graph, Literal, URIRef

from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeContext, ChangeSet, RdfLiteral, WriteResource
from semgraph.config import Settings
from semgraph.exceptions import ChangeRefusedError, ForbiddenError, InvalidInputError
from semgraph.rdf.exporter import export_graph
from semgraph.rdf.importer import import_graph
from semgraph.rdf.records import resource_operations

EX = "http://example.org/people#"
SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <{EX}> .
ex:PersonShape a sh:NodeShape ;
    sh:targetClass ex:Person ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:AliceShape a sh:NodeShape ;
    sh:targetNode ex:alice ;
    sh:class ex:Person .
"""
ADMIN = ChangeContext(actor="tester", role="admin")


def _person(name: str | None, iri: str = EX + "alice") -> WriteResource:
    literals = {} if name is None else {EX + "name": [RdfLiteral(lexical=name, language="en")]}
    return WriteResource(iri=iri, types=[EX + "Person"], literals=literals)


@pytest.fixture
def container(cleared_db: neo4j.Driver, settings: Settings, tmp_path: Path) -> Iterator[Container]:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "people.ttl").write_text(SHAPES, encoding="utf-8")
    built = Container(settings.model_copy(update={"shapes_dir": shapes}))
    yield built
    built.close()


def test_a_resource_change_stores_what_an_import_would(container: Container) -> None:
    data = Graph()
    alice, bob = URIRef(EX + "alice"), URIRef(EX + "bob")
    data.add((alice, URIRef(EX + "name"), Literal("Alice", lang="en")))
    data.add((alice, URIRef(EX + "knows"), bob))
    data.add((alice, RDF.type, URIRef(EX + "Person")))
    result = container.changes.apply(ChangeSet(context=ADMIN, operations=resource_operations(data)))
    assert result.committed and not result.results
    assert [t["op"] for t in result.touched] == ["resource"]
    exported = export_graph(container.driver, container.settings.neo4j_database)
    assert set(exported) == set(data)


def test_a_resource_that_breaks_a_shape_is_refused_and_nothing_is_written(
    container: Container,
) -> None:
    with pytest.raises(ChangeRefusedError) as refused:
        container.changes.apply(ChangeSet(context=ADMIN, operations=[_person(None)]))
    assert refused.value.result is not None
    assert {r.focus_node for r in refused.value.result.violations} == {EX + "alice"}
    assert not container.changes.existing([EX + "alice"])
    assert container.changes.apply(ChangeSet(context=ADMIN, operations=[_person("Alice")]))


def test_a_target_node_the_change_brings_in_blocks_though_the_empty_graph_breaks_it_too(
    container: Container,
) -> None:
    # SHACL checks a sh:targetNode whether or not the graph holds it: the empty graph
    # already "breaks" ex:AliceShape, but this change is what writes ex:alice wrongly
    robot = WriteResource(iri=EX + "alice", types=[EX + "Robot"])
    with pytest.raises(ChangeRefusedError) as refused:
        container.changes.apply(ChangeSet(context=ADMIN, operations=[robot]))
    assert refused.value.result is not None
    assert [r.shape for r in refused.value.result.violations] == [EX + "AliceShape"]


def test_a_target_node_the_graph_already_breaks_does_not_block_other_changes(
    container: Container,
) -> None:
    # ex:alice, written around the pipeline, is no Person: a violation the graph has
    broken = Graph()
    broken.add((URIRef(EX + "alice"), URIRef(EX + "age"), Literal(3)))
    import_graph(container.driver, broken, container.settings.neo4j_database)
    result = container.changes.apply(
        ChangeSet(context=ADMIN, operations=[_person("Bob", EX + "bob")])
    )
    assert result.committed
    assert [(r.focus_node, r.pre_existing) for r in result.results] == [(EX + "alice", True)]


def test_only_the_administrator_writes_resources(container: Container) -> None:
    analyst = ChangeContext(actor="tester", role="finance_lead")
    with pytest.raises(ForbiddenError, match="outside the ontology") as forbidden:
        container.changes.apply(ChangeSet(context=analyst, operations=[_person("Alice")]))
    assert "admin" in (forbidden.value.hint or "")


@pytest.mark.parametrize(
    ("operation", "says"),
    [
        (WriteResource(iri="https://semgraph.io/id/Customer/C1"), "semgraph's own namespace"),
        (WriteResource(iri=EX + "x", types=["https://semgraph.io/ontology#Customer"]), "own"),
        (WriteResource(iri="not an iri"), "not an absolute IRI"),
        (
            WriteResource(
                iri=EX + "x",
                literals={EX + "p": [RdfLiteral(lexical="a", language="en", datatype=EX + "d")]},
            ),
            "both a language and a datatype",
        ),
    ],
)
def test_semgraph_terms_and_bad_iris_are_refused_with_the_reason(
    container: Container, operation: WriteResource, says: str
) -> None:
    with pytest.raises(InvalidInputError, match=says):
        container.changes.apply(ChangeSet(context=ADMIN, operations=[operation]))


def test_a_node_of_a_business_class_is_not_written_as_a_resource(container: Container) -> None:
    # an unchecked import may label any IRI with a business class: its shapes guard it
    labelled = Graph()
    labelled.add((URIRef(EX + "acme"), RDF.type, URIRef("https://semgraph.io/ontology#Customer")))
    import_graph(container.driver, labelled, container.settings.neo4j_database)
    rename = WriteResource(iri=EX + "acme", literals={EX + "nick": [RdfLiteral(lexical="Acme")]})
    with pytest.raises(InvalidInputError, match="entity of a business class"):
        container.changes.apply(ChangeSet(context=ADMIN, operations=[rename]))

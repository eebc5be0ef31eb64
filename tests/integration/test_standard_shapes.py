"""Shapes as users bring them: any SHACL target, no semgraph annotations, sh:closed.

The project's shapes plus a user's file go through the change pipeline and full
validation against the real Neo4j. Each shape here used to be dropped without a word
(targets other than one ``sh:targetClass``) or to refuse every valid change
(``sh:closed`` saw the change description on the focus node).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.exceptions import ChangeRefusedError
from semgraph.ontology.schema import ensure_schema
from semgraph.validation.full import validate_graph
from tests.integration.world import contract_world, update

SG = "https://semgraph.io/ontology#"
MAX_INCLUSIVE = "http://www.w3.org/ns/shacl#MaxInclusiveConstraintComponent"
IN = "http://www.w3.org/ns/shacl#InConstraintComponent"


def _user_shapes(container: Container, customer_iri: str) -> str:
    ontology = container.ontology
    allowed = sorted(
        {*ontology.datatype_properties("Customer"), *ontology.object_properties("Customer")}
    )
    closed = " , ".join(f"[ sh:path sg:{name} ]" for name in allowed)
    return f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sg: <{SG}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix ex: <http://example.org/user-shapes#> .

ex:UptimeCap a sh:PropertyShape ;
    sh:targetSubjectsOf sg:uptimeTarget ;
    sh:path sg:uptimeTarget ;
    sh:maxInclusive 99.95 .

ex:KeyAccount a sh:NodeShape ;
    sh:targetNode <{customer_iri}> ;
    sh:property [ sh:path sg:rating ; sh:in ( "A" ) ] .

ex:CustomerClosed a sh:NodeShape ;
    sh:targetClass sg:Customer ;
    sh:closed true ;
    sh:ignoredProperties ( rdf:type ) ;
    sh:property {closed} .
"""


@dataclass
class UserWorld:
    container: Container
    ids: dict[str, str]


@pytest.fixture
def world(empty_db: neo4j.Driver, settings: Settings, tmp_path: Path) -> UserWorld:
    plain = Container(settings)
    ensure_schema(empty_db, plain.ontology, settings.neo4j_database)
    ids = contract_world(plain.pipeline)
    shapes = tmp_path / "shapes"
    shutil.copytree(settings.shapes_dir, shapes)
    customer = plain.ontology.entity_iri("Customer", ids["customer"])
    (shapes / "user.ttl").write_text(_user_shapes(plain, customer), encoding="utf-8")
    return UserWorld(Container(settings.model_copy(update={"shapes_dir": shapes})), ids)


def test_user_shapes_are_loaded_and_none_is_dropped(world: UserWorld) -> None:
    shapes = world.container.shapes
    user = {iri: info for iri, info in shapes.shapes.items() if "user-shapes" in iri}
    assert set(user) == {
        "http://example.org/user-shapes#UptimeCap",
        "http://example.org/user-shapes#KeyAccount",
        "http://example.org/user-shapes#CustomerClosed",
    }
    assert all(info.severity == "Violation" and not info.notify_roles for info in user.values())
    assert user["http://example.org/user-shapes#CustomerClosed"].whole_graph is not None


def test_a_property_shape_with_target_subjects_of_refuses_a_change_and_allows_a_valid_one(
    world: UserWorld,
) -> None:
    pipeline, sla = world.container.pipeline, world.ids["sla"]
    with pytest.raises(ChangeRefusedError) as refused:
        pipeline.apply(update(pipeline, "ServiceLevelAgreement", sla, uptimeTarget=99.99))
    results = refused.value.result.results
    assert any(r.source_constraint_component == MAX_INCLUSIVE for r in results)
    assert pipeline.apply(update(pipeline, "ServiceLevelAgreement", sla, uptimeTarget=99.92))


def test_a_target_node_shape_checks_its_node_per_change(world: UserWorld) -> None:
    pipeline, customer = world.container.pipeline, world.ids["customer"]
    with pytest.raises(ChangeRefusedError) as refused:
        pipeline.apply(update(pipeline, "Customer", customer, rating="B"))
    results = refused.value.result.results
    assert [r.source_constraint_component for r in results if r.path == "rating"] == [IN]


def test_a_closed_shape_sees_the_data_not_the_change_description(
    world: UserWorld,
) -> None:
    pipeline, customer = world.container.pipeline, world.ids["customer"]
    result = pipeline.apply(update(pipeline, "Customer", customer, name="Acme Industrial AG"))
    assert result.committed


def test_full_validation_agrees_between_strategies_on_user_shapes(
    world: UserWorld, settings: Settings
) -> None:
    c = world.container
    # written around the pipeline, as an import would: full validation must catch it
    c.driver.execute_query(
        "MATCH (s:ServiceLevelAgreement {id: $id}) SET s.uptimeTarget = 99.99",
        id=world.ids["sla"],
        database_=settings.neo4j_database,
    )
    reports = {
        strategy: validate_graph(
            c.driver, settings.neo4j_database, c.ontology, c.engine, c.reach, strategy=strategy
        )
        for strategy in ("whole", "batched")
    }
    keys = {s: {r.key for r in rep.outcome.results} for s, rep in reports.items()}
    assert keys["whole"] == keys["batched"]
    assert any(
        r.source_constraint_component == MAX_INCLUSIVE for r in reports["batched"].outcome.results
    )

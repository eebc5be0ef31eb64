"""Merge plans: who survives, which values survive, what moves, and how an unmerge puts
it back (pure logic: snapshots in, change-set operations out)."""

from __future__ import annotations

import pytest

from semgraph.changes.model import CreateEntity, DeleteEntity, LinkEntities, UpdateEntity
from semgraph.config import get_settings
from semgraph.master_data.decisions import Decisions, load_decisions
from semgraph.master_data.merge_plan import Edge, Snapshot, plan_merge, plan_unmerge
from semgraph.ontology.model import Ontology

BASE = "https://semgraph.io/id/"


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


@pytest.fixture(scope="module")
def decisions() -> Decisions:
    return load_decisions(get_settings().ontology_dir)


def customer(ident: str, systems: tuple[str, ...], **props: object) -> Snapshot:
    record = f"{BASE}SystemRecord/{systems[0]}.Customer.{ident}"
    return Snapshot(
        f"{BASE}Customer/{ident}",
        "Customer",
        {"id": ident, "createdAt": "2026-12-01T00:00:00+00:00", **props},  # type: ignore[dict-item]
        outgoing=(Edge("hasSystemRecord", record),),
        systems=systems,
    )


def test_the_system_of_record_side_survives_and_each_property_follows_its_winner(
    ontology: Ontology, decisions: Decisions
) -> None:
    crm = customer("CUS-CRM-1", ("CRM",), name="Acme GmbH", street="Hauptstraße 1",
                   status="active")  # fmt: skip
    erp = customer("CUS-ERP-1", ("ERP",), name="ACME GMBH", street="Hauptstr. 1",
                   taxId="DE1", status="active")  # fmt: skip
    erp = Snapshot(erp.iri, erp.cls, erp.props, erp.outgoing,
                   (Edge("customer", f"{BASE}SalesOrder/SO-1"),), erp.systems)  # fmt: skip
    plan = plan_merge(ontology, decisions, erp, crm)  # argument order does not matter
    assert (plan.survivor.id, plan.absorbed.id) == ("CUS-CRM-1", "CUS-ERP-1")
    update = plan.operations[0]
    assert isinstance(update, UpdateEntity)
    # name: CRM (system of record) keeps its own; street: ERP wins (master_data.yaml);
    # taxId: the survivor had none, so ERP's fills it
    assert update.properties == {"street": "Hauptstr. 1", "taxId": "DE1"}
    links = [(o.op, o.rel, o.from_id, o.to_id) for o in plan.operations
             if isinstance(o, LinkEntities)]  # fmt: skip
    assert ("link", "hasSystemRecord", "CUS-CRM-1", "ERP.Customer.CUS-ERP-1") in links
    assert ("unlink", "customer", "SO-1", "CUS-ERP-1") in links
    assert ("link", "customer", "SO-1", "CUS-CRM-1") in links
    assert isinstance(plan.operations[-1], DeleteEntity)
    assert plan.changed == {"street": ["Hauptstraße 1", "Hauptstr. 1"], "taxId": [None, "DE1"]}


def test_an_unmerge_recreates_the_absorbed_and_puts_the_survivors_values_back(
    ontology: Ontology, decisions: Decisions
) -> None:
    crm = customer("CUS-CRM-1", ("CRM",), name="Acme GmbH", street="Hauptstraße 1")
    erp = customer("CUS-ERP-1", ("ERP",), name="ACME GMBH", street="Hauptstr. 1")
    plan = plan_merge(ontology, decisions, crm, erp)
    merged = Snapshot(crm.iri, crm.cls, {**crm.props, "street": "Hauptstr. 1"},
                      crm.outgoing + erp.outgoing, (), ("CRM", "ERP"))  # fmt: skip
    ops, skipped = plan_unmerge(ontology, plan.restore_data(), merged, {erp.outgoing[0].other})
    assert skipped == []
    create = ops[0]
    assert isinstance(create, CreateEntity) and create.id == "CUS-ERP-1"
    assert create.properties["createdAt"] == "2026-12-01T00:00:00+00:00"
    assert isinstance(ops[1], UpdateEntity) and ops[1].properties == {"street": "Hauptstraße 1"}
    moves = {(o.op, o.from_id, o.to_id) for o in ops if isinstance(o, LinkEntities)}
    assert moves == {
        ("unlink", "CUS-CRM-1", "ERP.Customer.CUS-ERP-1"),
        ("link", "CUS-ERP-1", "ERP.Customer.CUS-ERP-1"),
    }


def test_a_value_changed_since_the_merge_is_kept_and_reported(
    ontology: Ontology, decisions: Decisions
) -> None:
    crm = customer("CUS-CRM-1", ("CRM",), street="Hauptstraße 1")
    erp = customer("CUS-ERP-1", ("ERP",), street="Hauptstr. 1")
    plan = plan_merge(ontology, decisions, crm, erp)
    edited = Snapshot(crm.iri, crm.cls, {**crm.props, "street": "Neuer Wall 5"},
                      crm.outgoing + erp.outgoing, (), ("CRM", "ERP"))  # fmt: skip
    ops, skipped = plan_unmerge(ontology, plan.restore_data(), edited, {erp.outgoing[0].other})
    assert not any(isinstance(o, UpdateEntity) for o in ops)
    assert skipped == ["Customer.street changed since the merge; kept"]


def test_an_entity_is_not_merged_with_itself(ontology: Ontology, decisions: Decisions) -> None:
    crm = customer("CUS-CRM-1", ("CRM",))
    with pytest.raises(Exception, match="cannot be merged with itself"):
        plan_merge(ontology, decisions, crm, crm)

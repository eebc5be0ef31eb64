"""Upsert planning: what a mapped row means given what the graph holds (no I/O)."""

from __future__ import annotations

import datetime as dt

import pytest

from semgraph.changes.model import CreateEntity, LinkEntities, UpdateEntity
from semgraph.config import get_settings
from semgraph.ontology.graph_loader import default_files
from semgraph.ontology.model import Ontology
from semgraph.sync.engine import map_row
from semgraph.sync.errors import RowRejectedError
from semgraph.sync.mapping import MappingCatalog, load_catalog, mapping_files
from semgraph.sync.plan import Existing, plan_row, record_id

AT = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
ACCOUNT = {"Id": "001A", "Name": "Acme", "Status__c": "Active", "Tax_ID__c": "DE1"}


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


@pytest.fixture(scope="module")
def catalog(ontology: Ontology) -> MappingCatalog:
    return load_catalog(ontology, mapping_files(default_files(get_settings().ontology_dir)))


def test_a_new_row_creates_golden_entity_record_and_link(
    ontology: Ontology, catalog: MappingCatalog
) -> None:
    table = catalog.table("CRM", "Account")
    plan = plan_row(ontology, catalog, table, map_row(table, ACCOUNT), None, None, {}, AT)
    kinds = [type(op).__name__ for op in plan.operations]
    assert kinds == ["CreateEntity", "CreateEntity", "LinkEntities"]
    golden, record, link = plan.operations
    assert isinstance(golden, CreateEntity) and golden.id == "CUS-CRM-001A"
    assert isinstance(record, CreateEntity) and record.id == record_id("CRM", "Customer", "001A")
    assert record.properties["sourceSystem"] == "CRM"
    assert isinstance(link, LinkEntities) and link.rel == "hasSystemRecord"
    assert plan.created


def test_an_unchanged_row_plans_nothing_and_a_changed_one_only_its_change(
    ontology: Ontology, catalog: MappingCatalog
) -> None:
    table = catalog.table("CRM", "Account")
    row = map_row(table, ACCOUNT)
    golden_iri = ontology.entity_iri("Customer", "CUS-CRM-001A")
    stored = Existing(
        golden_iri,
        {"name": "Acme", "status": "active", "taxId": "DE1", "version": 3},
        {
            "externalId": "001A",
            "reportedName": "Acme",
            "recordStatus": "active",
            "sourceSystem": "CRM",
        },
    )
    assert plan_row(ontology, catalog, table, row, stored, None, {}, AT).operations == []
    renamed = map_row(table, {**ACCOUNT, "Name": "Acme AG"})
    ops = plan_row(ontology, catalog, table, renamed, stored, None, {}, AT).operations
    assert [(type(op).__name__, op.properties) for op in ops if isinstance(op, UpdateEntity)] == [
        ("UpdateEntity", {"name": "Acme AG"}),
        ("UpdateEntity", {"reportedName": "Acme AG", "syncedAt": AT.isoformat()}),
    ]


def test_a_system_that_does_not_own_the_class_only_fills_gaps(
    ontology: Ontology, catalog: MappingCatalog
) -> None:
    table = catalog.table("ERP", "KNA1")
    row = map_row(table, {"KUNNR": "100", "NAME1": "ACME", "STCD1": "de1", "LAND1": "DE"})
    golden_iri = ontology.entity_iri("Customer", "CUS-CRM-001A")
    matched = Existing(golden_iri, {"name": "Acme", "status": "active", "taxId": "DE1"}, None)
    ops = plan_row(ontology, catalog, table, row, None, matched, {}, AT).operations
    update = next(op for op in ops if isinstance(op, UpdateEntity))
    assert update.id == "CUS-CRM-001A" and update.properties == {"country": "DE"}
    link = next(op for op in ops if isinstance(op, LinkEntities))
    assert (link.from_id, link.to_id) == ("CUS-CRM-001A", "ERP.Customer.100")


def test_a_foreign_key_links_moves_and_refuses_an_unknown_target(
    ontology: Ontology, catalog: MappingCatalog
) -> None:
    table = catalog.table("ERP", "VBAK")
    source = {"VBELN": "4711", "KUNNR": "100", "AUDAT": "20261103", "NETWR": "10",
              "WAERK": "EUR", "GBSTK": "A"}  # fmt: skip
    row = map_row(table, source)
    ref = ontology.entity_iri("SystemRecord", record_id("ERP", "Customer", "100"))
    customer = ontology.entity_iri("Customer", "CUS-CRM-001A")
    with pytest.raises(RowRejectedError, match="no ERP KNA1 row with key '100'") as bad:
        plan_row(ontology, catalog, table, row, None, None, {}, AT)
    assert bad.value.field == "KUNNR"
    ops = plan_row(ontology, catalog, table, row, None, None, {ref: customer}, AT).operations
    assert any(isinstance(op, LinkEntities) and op.rel == "customer" for op in ops)
    order_iri = ontology.entity_iri("SalesOrder", "SO-ERP-4711")
    other = ontology.entity_iri("Customer", "CUS-OLD")
    stored = Existing(
        order_iri,
        {"orderNumber": "4711", "totalAmount": 10.0, "currency": "EUR", "status": "confirmed",
         "orderDate": dt.date(2026, 11, 3)},
        {"externalId": "4711", "sourceSystem": "ERP"},
        {"customer": other},
    )  # fmt: skip
    moved = plan_row(ontology, catalog, table, row, stored, None, {ref: customer}, AT).operations
    assert [(op.op, op.to_id) for op in moved if isinstance(op, LinkEntities)] == [
        ("unlink", "CUS-OLD"),
        ("link", "CUS-CRM-001A"),
    ]

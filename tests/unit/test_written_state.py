"""What a grouped write leaves behind, worked out without reading the nodes back; where it
cannot be sure (the graph decides), the node is named for a read-back instead."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import neo4j.time
import pytest

from semgraph.changes.written import stored, written_state
from semgraph.graph.props import decode_props
from semgraph.validation.rdf_view import NodeRecord

AT = dt.datetime(2026, 12, 7, 23, 30, 0, 123456, tzinfo=dt.UTC)
CLASSES = {"Customer": object(), "SalesOrder": object(), "OrderLine": object()}
BASE = "https://id.example/"


def iri(cls: str, key: str) -> str:
    return f"{BASE}{cls}/{key}"


def create(cls: str, key: str, **props: Any) -> dict[str, Any]:
    return {"op": "create", "cls": cls, "iri": iri(cls, key), "id": key, "props": props}


def update(cls: str, key: str, **props: Any) -> dict[str, Any]:
    return {"op": "update", "cls": cls, "iri": iri(cls, key), "id": key, "props": props}


def link(rel: str, source: str, target: str, op: str = "link") -> dict[str, Any]:
    return {"op": op, "rel": rel, "from_iri": source, "to_iri": target}


def existing(cls: str, key: str, **props: Any) -> NodeRecord:
    return NodeRecord(iri(cls, key), cls, {"iri": iri(cls, key), "id": key, "version": 3, **props})


def test_a_created_entity_has_its_values_a_first_version_and_the_change_time() -> None:
    ops = [create("Customer", "C1", name="Acme", creditLimit=5000.5, rating=None)]
    out, unsure = written_state(ops, {}, {iri("Customer", "C1")}, CLASSES, AT)
    assert not unsure
    node = out[iri("Customer", "C1")]
    assert node.cls == "Customer"
    assert node.props == {
        "iri": iri("Customer", "C1"),
        "id": "C1",
        "version": 1,
        "createdAt": AT,
        "updatedAt": AT,
        "name": "Acme",
        "creditLimit": 5000.5,
    }


def test_each_update_and_each_new_edge_bumps_the_version_once() -> None:
    customer = existing("Customer", "C1", name="Acme", email="ap@acme.example")
    line = iri("OrderLine", "L1")
    ops = [
        update("Customer", "C1", creditLimit=9000.0),
        update("Customer", "C1", email=None),
        create("OrderLine", "L1", quantity=2.0),
        link("salesOrder", line, iri("SalesOrder", "S1")),
        link("product", line, iri("Product", "P1")),
        link("product", line, iri("Product", "P1")),  # the same edge runs once
    ]
    before = {customer.iri: customer}
    out, unsure = written_state(ops, before, {line}, CLASSES, AT)
    assert not unsure
    after = out[customer.iri].props
    assert after["version"] == 5 and after["updatedAt"] == AT
    assert after["creditLimit"] == 9000.0 and "email" not in after
    assert customer.props["version"] == 3 and "email" in customer.props, "before is kept"
    assert out[line].props["version"] == 3  # created, then two distinct edges


def test_an_edge_to_an_entity_the_change_creates_is_new_whichever_end_existed() -> None:
    customer = existing("Customer", "C1", name="Acme")
    record = iri("SystemRecord", "CRM.Customer.1")
    ops = [link("hasSystemRecord", customer.iri, record)]
    out, unsure = written_state(ops, {customer.iri: customer}, {record}, CLASSES, AT)
    assert not unsure and out[customer.iri].props["version"] == 4


@pytest.mark.parametrize(
    "ops",
    [
        # an unlink bumps the version once per edge it matches: the graph knows how many
        [link("customer", iri("SalesOrder", "S1"), iri("Customer", "C1"), op="unlink")],
        # MERGE between two existing entities may match one edge, several, or none
        [link("customer", iri("SalesOrder", "S1"), iri("Customer", "C1"))],
        # the update's class check matches nothing for an entity of another class
        [{**update("SalesOrder", "S1", name="x"), "cls": "Customer"}],
        # a value whose stored form is not known here
        [update("SalesOrder", "S1", window=dt.timedelta(days=3))],
        [update("SalesOrder", "S1", tags=[])],
        [update("SalesOrder", "S1", tags=[1, 2.0])],
    ],
)
def test_what_only_the_graph_knows_is_left_to_be_read_back(ops: list[dict[str, Any]]) -> None:
    order = existing("SalesOrder", "S1", status="draft")
    customer = existing("Customer", "C1", name="Acme")
    before = {order.iri: order, customer.iri: customer}
    out, unsure = written_state(ops, before, set(), CLASSES, AT)
    assert unsure == {ops[0]["from_iri"] if "from_iri" in ops[0] else ops[0]["iri"]}
    assert not out.keys() & unsure


def test_a_second_create_of_one_iri_and_a_class_outside_the_ontology_are_read_back() -> None:
    ops = [create("Customer", "C1", name="a"), create("Customer", "C1", name="b")]
    _, unsure = written_state(ops, {}, {iri("Customer", "C1")}, CLASSES, AT)
    assert unsure == {iri("Customer", "C1")}
    out, unsure = written_state([create("Widget", "W1")], {}, {iri("Widget", "W1")}, CLASSES, AT)
    assert unsure == {iri("Widget", "W1")} and not out


def test_values_are_the_types_the_read_path_decodes() -> None:
    berlin = dt.datetime(2026, 3, 29, 3, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    # what ``props_of`` sends for it: the ISO text with the zone's name after the offset
    read = decode_props([["t", "2026-03-29T03:30:00+02:00[Europe/Berlin]", 0]])["t"]
    assert stored(berlin) == read and stored(berlin).utcoffset() == read.utcoffset()
    assert stored(berlin).tzinfo == read.tzinfo
    assert stored(AT).tzinfo is dt.UTC
    day = stored(dt.date(2026, 2, 28))
    assert isinstance(day, neo4j.time.Date) and day == neo4j.time.Date(2026, 2, 28)
    local = stored(dt.datetime(2026, 2, 28, 9, 15))
    assert isinstance(local, neo4j.time.DateTime) and local.tzinfo is None
    assert stored(("a", "b")) == ["a", "b"]
    assert stored(True) is True and stored(7) == 7 and stored("x") == "x"

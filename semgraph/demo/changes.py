"""Random, realistic single-entity change sets over a demo graph.

Used by ``bench/validate.py`` and the differential tests: a mix of SLA edits, contract
payment terms, credit limits, order confirmations, stock moves, currencies, cross-system
status changes, and service credits created and deleted — the changes the shapes are
about, plus plain ones they should let through.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import neo4j

from semgraph.access.rights import WriteRights
from semgraph.changes.model import (
    ChangeContext,
    ChangeSet,
    CreateEntity,
    DeleteEntity,
    LinkEntities,
    Operation,
    UpdateEntity,
    resolve,
)
from semgraph.exceptions import ForbiddenError
from semgraph.graph.identifiers import ident
from semgraph.ontology.model import Ontology

CLASSES = (
    "ServiceLevelAgreement",
    "Contract",
    "Customer",
    "SalesOrder",
    "OrderLine",
    "StockItem",
    "Invoice",
    "SystemRecord",
    "Quote",
    "ServiceCredit",
)


def sample_ids(
    driver: neo4j.Driver, database: str, per_class: int = 500, seed: int = 0
) -> dict[str, list[str]]:
    """Up to ``per_class`` ids of each class the changes touch (spread over the graph)."""
    out: dict[str, list[str]] = {}
    for cls in CLASSES:
        records, _, _ = driver.execute_query(
            f"MATCH (n:{ident(cls)}) WITH n.id AS id ORDER BY id "
            "WITH collect(id) AS ids "
            "RETURN [i IN range(0, size(ids) - 1, "
            "CASE WHEN size(ids) > $k THEN size(ids) / $k ELSE 1 END) | ids[i]] AS ids",
            k=per_class,
            database_=database,
        )
        out[cls] = list(records[0]["ids"]) if records and records[0]["ids"] else []
    return out


def _update(cls: str, id: str, **props: Any) -> list[Operation]:
    return [UpdateEntity(cls=cls, id=id, properties=props)]


def _sla(rng: random.Random, id: str) -> list[Operation]:
    field = rng.choice(
        ["uptimeTarget", "serviceCreditPercent", "penaltyCap", "monthlyFee", "approvalStatus"]
    )
    values: dict[str, Callable[[], Any]] = {
        "uptimeTarget": lambda: rng.choice([99.0, 99.5, 99.9, 99.95, 99.99]),
        "serviceCreditPercent": lambda: rng.choice([5.0, 10.0, 15.0, 25.0, 40.0]),
        "penaltyCap": lambda: rng.choice([10.0, 20.0, 30.0, 50.0]),
        "monthlyFee": lambda: float(rng.randrange(1_000, 60_000, 500)),
        "approvalStatus": lambda: rng.choice(["draft", "pending_customer", "approved"]),
    }
    return _update("ServiceLevelAgreement", id, **{field: values[field]()})


def _contract(rng: random.Random, id: str) -> list[Operation]:
    choice = rng.randrange(3)
    if choice == 0:
        terms = rng.choice(["unconditional", "conditional_on_acceptance", "conditional_on_sla"])
        return _update("Contract", id, paymentTerms=terms)
    if choice == 1:
        return _update("Contract", id, terminationOnSlaBreach=rng.random() < 0.5)
    return _update("Contract", id, status=rng.choice(["active", "suspended"]))


def _service_credit(
    rng: random.Random, id: str, sla_ids: list[str], n: int, tag: str
) -> list[Operation]:
    if rng.random() < 0.5 or not sla_ids:
        return [DeleteEntity(cls="ServiceCredit", id=id)]
    new_id = f"SCR-BENCH-{tag}{n:06d}"
    return [
        CreateEntity(
            cls="ServiceCredit",
            id=new_id,
            properties={
                "amount": float(rng.randrange(100, 5_000)),
                "period": f"2026-{rng.randrange(1, 13):02d}",
                "status": "estimated",
                "reason": "availability below target",
            },
        ),
        LinkEntities(
            rel="hasServiceCredit",
            from_cls="ServiceLevelAgreement",
            from_id=rng.choice(sla_ids),
            to_cls="ServiceCredit",
            to_id=new_id,
        ),
    ]


def _pick(rng: random.Random, options: list[dict[str, Any]]) -> dict[str, Any]:
    return options[rng.randrange(len(options))]


def random_change(
    rng: random.Random, ids: dict[str, list[str]], n: int, tag: str = ""
) -> ChangeSet:
    """The ``n``-th random change set (deterministic for the rng state); ``tag`` keeps the
    ids of created entities apart between runs over the same graph."""
    cls = rng.choice([c for c in CLASSES if ids.get(c)])
    id = rng.choice(ids[cls])
    customer_edits: list[dict[str, Any]] = [
        {"creditLimit": float(rng.randrange(10_000, 2_000_000, 10_000))},
        {"rating": rng.choice(["A", "B", "C"])},
        {"status": rng.choice(["active", "blocked"])},
    ]
    order_edits: list[dict[str, Any]] = [
        {"status": "confirmed"},
        {"legalCountersigned": rng.random() < 0.5},
    ]
    makers: dict[str, Callable[[], list[Operation]]] = {
        "ServiceLevelAgreement": lambda: _sla(rng, id),
        "Contract": lambda: _contract(rng, id),
        "Customer": lambda: _update("Customer", id, **_pick(rng, customer_edits)),
        "SalesOrder": lambda: _update("SalesOrder", id, **_pick(rng, order_edits)),
        "OrderLine": lambda: _update("OrderLine", id, quantity=float(rng.randrange(1, 400))),
        "StockItem": lambda: _update("StockItem", id, quantityOnHand=float(rng.randrange(0, 500))),
        "Invoice": lambda: _update("Invoice", id, currency=rng.choice(["EUR", "USD", "CNY"])),
        "SystemRecord": lambda: _update(
            "SystemRecord", id, recordStatus=rng.choice(["active", "blocked"])
        ),
        "Quote": lambda: _update("Quote", id, discountPercent=float(rng.randrange(0, 50))),
        "ServiceCredit": lambda: _service_credit(
            rng, id, ids.get("ServiceLevelAgreement", []), n, tag
        ),
    }
    operations = makers[cls]()
    if cls == "ServiceCredit" and isinstance(operations[0], DeleteEntity):
        ids["ServiceCredit"].remove(id)  # never delete the same credit twice
    role = rng.choice(["csm", "finance_lead", "cfo", "admin"])
    change = ChangeSet(
        context=ChangeContext(
            actor=f"bench-user-{rng.randrange(20)}@northwind.example",
            role=role,
            source_system=rng.choice(["CRM", "ERP", "Finance", "api"]),
            session_id=f"bench-session-{n // 10}",
            device_fingerprint=f"bench-device-{rng.randrange(5)}",
            reason="benchmark change",
        ),
        operations=operations,
    )
    return _by_a_writer(change)


def _by_a_writer(change: ChangeSet) -> ChangeSet:
    """The change as drawn, or made by an admin where the drawn role may not make it."""
    ontology = Ontology.load()
    try:
        WriteRights.of(ontology).check(change.context.role, resolve(change, ontology))
    except ForbiddenError:
        context = change.context.model_copy(update={"role": "admin"})
        return change.model_copy(update={"context": context})
    return change

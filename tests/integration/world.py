"""Build small, valid business worlds through the change pipeline (test helper).

Required properties the test does not care about are filled from the ontology (first
allowed value, or a plain value of the property's datatype), so tests state only what
matters to them and keep working when the ontology gains a required field.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from semgraph.changes.model import (
    ChangeContext,
    ChangeSet,
    CreateEntity,
    LinkEntities,
    UpdateEntity,
)
from semgraph.changes.pipeline import ChangePipeline, ChangeResult
from semgraph.ontology.model import Ontology

_DEFAULTS = {
    "string": "x",
    "decimal": 100.0,
    "integer": 1,
    "boolean": False,
    "date": "2026-01-01",
    "dateTime": "2026-01-01T00:00:00Z",
}
_counter = itertools.count(1)


def ctx(actor: str = "ana.lima@northwind.example", role: str = "csm", **kw: Any) -> ChangeContext:
    return ChangeContext(
        actor=actor,
        role=role,
        source_system=kw.pop("source_system", "CRM"),
        session_id=kw.pop("session_id", "sess-test-1"),
        device_fingerprint=kw.pop("device_fingerprint", "laptop-7f3a"),
        **kw,
    )


def fill(ontology: Ontology, cls: str, props: dict[str, Any]) -> dict[str, Any]:
    out = dict(props)
    known = ontology.datatype_properties(cls)
    for name in ontology.required_properties(cls):
        if name in out or name == "id" or name not in known:
            continue
        prop = known[name]
        out[name] = prop.allowed_values[0] if prop.allowed_values else _DEFAULTS[prop.datatype]
    return out


class World:
    """Creates entities and links through the pipeline and remembers their ids."""

    def __init__(self, pipeline: ChangePipeline) -> None:
        self.pipeline = pipeline
        self.ontology = pipeline.ontology
        self.ops: list[Any] = []

    def new(self, cls: str, id: str | None = None, **props: Any) -> str:
        entity_id = id or f"T-{cls[:3].upper()}-{next(_counter)}"
        properties = fill(self.ontology, cls, props)
        self.ops.append(CreateEntity(cls=cls, id=entity_id, properties=properties))
        return entity_id

    def link(self, from_cls: str, from_id: str, rel: str, to_cls: str, to_id: str) -> None:
        self.ops.append(
            LinkEntities(rel=rel, from_cls=from_cls, from_id=from_id, to_cls=to_cls, to_id=to_id)
        )

    def commit(self, role: str = "admin") -> ChangeResult:
        ops, self.ops = self.ops, []
        return self.pipeline.apply(ChangeSet(context=ctx(role=role), operations=ops))


def contract_world(pipeline: ChangePipeline) -> dict[str, str]:
    """Legal entity with a finance lead, customer, contract with SLA, PO and revenue schedule."""
    w = World(pipeline)
    ids: dict[str, str] = {}
    ids["role"] = w.new("Role", key="finance_lead", name="Finance lead")
    ids["lead"] = w.new("Employee", name="Mei Chen", email="mei.chen@northwind.example")
    w.link("Employee", ids["lead"], "hasRole", "Role", ids["role"])
    ids["le"] = w.new("LegalEntity", name="Northwind Cloud GmbH", country="DE", currency="EUR")
    w.link("LegalEntity", ids["le"], "financeLead", "Employee", ids["lead"])
    ids["customer"] = w.new("Customer", name="Acme Industrial", status="active", rating="A")
    ids["contract"] = w.new(
        "Contract",
        contractNumber="C-2026-001",
        currency="EUR",
        status="active",
        totalValue=120000.0,
        startDate=dt.date(2026, 1, 1).isoformat(),
        recognitionMethod="over_time",
        paymentTerms="unconditional",
        rightToPayment=True,
        terminationOnSlaBreach=False,
    )
    w.link("Contract", ids["contract"], "customer", "Customer", ids["customer"])
    w.link("Contract", ids["contract"], "ownedBy", "LegalEntity", ids["le"])
    ids["sla"] = w.new(
        "ServiceLevelAgreement",
        tier="gold",
        uptimeTarget=99.9,
        responseTimeHours=4.0,
        serviceCreditPercent=10.0,
        penaltyCap=20.0,
        monthlyFee=10000.0,
        standaloneSellingPrice=10000.0,
        priceStatus="agreed",
        approvalStatus="approved",
        isDistinctAddOn=False,
    )
    w.link("Contract", ids["contract"], "hasSla", "ServiceLevelAgreement", ids["sla"])
    ids["po"] = w.new(
        "PerformanceObligation",
        description="Managed hosting, stand-ready monthly service",
        isDistinct=True,
        satisfiedOverTime=True,
        isSeries=True,
        allocatedPrice=120000.0,
    )
    w.link("Contract", ids["contract"], "hasObligation", "PerformanceObligation", ids["po"])
    ids["schedule"] = w.new(
        "RevenueSchedule", period="2026-Q1", plannedAmount=30000.0, status="planned"
    )
    w.link(
        "PerformanceObligation", ids["po"], "hasRevenueSchedule", "RevenueSchedule", ids["schedule"]
    )
    w.commit()
    return ids


def update(
    pipeline: ChangePipeline, cls: str, id: str, role: str = "csm", **props: Any
) -> ChangeSet:
    return ChangeSet(
        context=ctx(role=role), operations=[UpdateEntity(cls=cls, id=id, properties=props)]
    )

"""Who an alert reaches, against the real Neo4j and SMTP: every role a rule names, one
delivery per person, the customer's people for customer-level alerts, the fallback on
the live stream too, and a loud warning where an alert would reach nobody."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient

from semgraph.api.app import create_app
from semgraph.changes.model import ChangeSet, LinkEntities, UpdateEntity
from tests.integration.alert_harness import MakeContainer, credit_change
from tests.integration.alert_receivers import SmtpSink
from tests.integration.world import World, contract_world, ctx

LEAD = "mei.chen@northwind.example"
CSM = "ana.lima@northwind.example"
AM = "tom.berg@northwind.example"
CFO = "li.wei@northwind.example"


def _person(w: World, key: str, name: str, email: str) -> str:
    role = w.new("Role", key=key, name=key)
    person = w.new("Employee", name=name, email=email)
    w.link("Employee", person, "hasRole", "Role", role)
    return person


def _customer_people(c: Any, ids: dict[str, str]) -> None:
    w = World(c.pipeline)
    csm = _person(w, "csm", "Ana Lima", CSM)
    am = _person(w, "account_manager", "Tom Berg", AM)
    w.link("Customer", ids["customer"], "customerSuccessManager", "Employee", csm)
    w.link("Customer", ids["customer"], "accountManager", "Employee", am)
    w.commit()


def _recipients(smtp: SmtpSink, rule: str) -> list[str]:
    return sorted(
        addr for rcpt, m in smtp.messages if rule in m["X-Semgraph-Rule"] for addr in rcpt
    )


def test_a_rule_naming_two_roles_delivers_to_a_person_of_each(
    make_container: MakeContainer, smtp: SmtpSink
) -> None:
    c = make_container(None, smtp)
    ids = contract_world(c.pipeline)
    _customer_people(c, ids)
    # A CSM's one-sided SLA edit: SlaPendingModification names csm and finance_lead.
    result = c.pipeline.apply(
        ChangeSet(
            context=ctx(role="csm", reason="customer asked for 99.95 %"),
            operations=[
                UpdateEntity(
                    cls="ServiceLevelAgreement",
                    id=ids["sla"],
                    properties={"uptimeTarget": 99.95, "approvalStatus": "pending_customer"},
                )
            ],
        )
    )
    pending = [w for w in result.warnings if w.shape.endswith("SlaPendingModification")]
    assert pending and pending[0].notify_role == "csm, finance_lead"
    alert = next(a for a in c.alerts.store.list() if a.rule_iri == pending[0].shape)
    assert {(r.email, r.role) for r in alert.routed_to} == {(CSM, "csm"), (LEAD, "finance_lead")}
    c.dispatcher.drain()
    assert _recipients(smtp, "SlaPendingModification") == [CSM, LEAD], "one e-mail each"


def test_the_cfo_as_fallback_gets_the_alert_live_on_the_stream(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    w = World(c.pipeline)
    _person(w, "cfo", "Li Wei", CFO)
    w.ops.append(
        LinkEntities(
            op="unlink",
            rel="financeLead",
            from_cls="LegalEntity",
            from_id=ids["le"],
            to_cls="Employee",
            to_id=ids["lead"],
        )
    )
    w.commit()
    change = credit_change(c, ids["sla"], 25.0)

    async def scenario() -> Any:
        cfo = c.alerts.stream.subscribe(role="cfo")
        await asyncio.to_thread(c.pipeline.apply, change)
        try:
            return await asyncio.wait_for(anext(cfo), 5)
        finally:
            cfo.close()

    message = asyncio.run(scenario())
    assert message.change_id == change.id
    assert [(r.email, r.via) for r in message.routed_to] == [(CFO, "fallback:cfo")]


def test_the_cross_system_alert_reaches_the_customers_finance_lead_csm_and_account_manager(
    make_container: MakeContainer, smtp: SmtpSink
) -> None:
    c = make_container(None, smtp)
    ids = contract_world(c.pipeline)
    _customer_people(c, ids)
    w = World(c.pipeline)
    for system, status in (("CRM", "active"), ("ERP", "blocked")):
        record = w.new(
            "SystemRecord", sourceSystem=system, recordStatus=status, externalId=f"{system}-77"
        )
        w.link("Customer", ids["customer"], "hasSystemRecord", "SystemRecord", record)
    result = w.commit(role="admin")
    conflict = [w for w in result.warnings if w.shape.endswith("CustomerActiveInCrmBlockedInErp")]
    assert conflict, "active in CRM, blocked in ERP"
    alert = next(a for a in c.alerts.store.list() if a.rule_iri == conflict[0].shape)
    assert {(r.email, r.via) for r in alert.routed_to} == {
        (LEAD, "route"),
        (CSM, "route"),
        (AM, "route"),
    }, "the finance lead of the legal entity that owns the customer's contract, and its people"
    c.dispatcher.drain()
    assert _recipients(smtp, "CustomerActiveInCrmBlockedInErp") == sorted([AM, CSM, LEAD])


def test_a_fallback_nobody_holds_and_a_missing_channel_are_loud_in_readyz(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    contract_world(c.pipeline)
    problems = c.alert_problems()
    assert any("no alert channel is configured" in p for p in problems)
    assert any("`csm` alerts" in p and "`admin`" in p for p in problems), problems
    assert any("`finance_lead` alerts" in p and "`cfo`" in p for p in problems), problems
    body = TestClient(create_app(c.settings, c)).get("/readyz").json()
    assert body["status"] == "ready" and body["alerts"] == problems

"""Risk alerts, end to end against real services: Neo4j, an HTTP webhook receiver that
verifies signatures, and an SMTP server (aiosmtpd) on loopback.

A Warning-raising change yields one stored alert per rule and entity, routed to the
contract's finance lead and delivered by webhook and by e-mail; a refused change yields
none; a repeat updates the open alert; unacknowledged alerts escalate; live subscribers
get what is meant for their role. Failure behaviour: test_alert_faults.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import neo4j
import pytest
from typer.testing import CliRunner

from semgraph.alerts import AlertStatus
from semgraph.alerts.routing import split_roles
from semgraph.changes.model import ChangeSet, UpdateEntity
from semgraph.cli.main import app
from semgraph.config import Settings
from semgraph.exceptions import ChangeRefusedError
from tests.integration.alert_harness import (
    MakeContainer,
    alert_pairs,
    cli_env,
    credit_change,
)
from tests.integration.alert_receivers import SmtpSink, WebhookReceiver
from tests.integration.world import World, contract_world, ctx


def test_sla_change_raises_one_alert_routed_to_the_finance_lead_and_delivered_by_both_channels(
    make_container: MakeContainer,
    receiver: WebhookReceiver,
    smtp: SmtpSink,
    empty_db: neo4j.Driver,
) -> None:
    c = make_container(receiver, smtp)
    ids = contract_world(c.pipeline)
    result = c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
    finance = [w for w in result.warnings if "finance_lead" in split_roles(w.notify_role)]
    assert finance, "raising service credits is a revenue recognition risk for finance"

    alerts = c.alerts.store.list()
    assert len(alerts) == len(alert_pairs(result.warnings)), "one alert per rule and entity"
    alert = next(a for a in alerts if a.rule_iri == finance[0].shape)
    assert alert.status is AlertStatus.OPEN and alert.count == 1
    assert alert.focus_iri == finance[0].focus_node
    assert alert.accounting_ref and "IFRS 15" in alert.accounting_ref
    assert alert.recommended_review and alert.message_zh
    lead = [r for r in alert.routed_to if r.role == "finance_lead"]
    assert [(r.email, r.via) for r in lead] == [("mei.chen@northwind.example", "route")]
    assert any("RevenueSchedule" in p for p in alert.impact_path)

    links = empty_db.execute_query(
        """MATCH (a:RiskAlert {id: $id})
        RETURN [(a)-[:RAISED_BY]->(c) | c.id] AS changes, [(a)-[:FIRED_RULE]->(r) | r.iri] AS rules,
               [(a)-[:ABOUT]->(f) | f.iri] AS about,
               [(a)-[:ON_PATH]->(n) | [l IN labels(n) WHERE l <> 'Resource'][0]] AS path""",
        id=alert.id,
    ).records[0]
    assert links["changes"] == [result.change_id]
    assert links["rules"] == [alert.rule_iri] and links["about"] == [alert.focus_iri]
    assert {"Contract", "PerformanceObligation", "RevenueSchedule"} <= set(links["path"])

    report = c.dispatcher.drain()
    assert report.dead == 0 and report.retried == 0, report.errors
    assert receiver.rejected == 0, "every webhook carried a valid signature"
    got = {r.payload["alert_id"]: r.payload for r in receiver.processed.values()}
    assert set(got) == {a.id for a in alerts}
    payload = got[alert.id]
    assert payload["event"] == "alert.raised" and payload["change_id"] == result.change_id
    assert payload["accounting_ref"] == alert.accounting_ref
    assert payload["browser_url"].startswith("http://localhost:")

    to_lead = [m for rcpt, m in smtp.messages if "mei.chen@northwind.example" in rcpt]
    assert to_lead, "the finance lead got an e-mail"
    body = "\n".join(m.get_content() for m in to_lead)
    assert alert.title_en in body and alert.title_zh in body
    assert alert.accounting_ref in body and "/alerts/view/" in body, "a signed page link"

    # The Browser link's query draws the rule, the changed SLA and the path to revenue.
    view = empty_db.execute_query(
        payload["browser_query"], routing_=neo4j.RoutingControl.READ
    ).records[0]
    assert view["rule"]["iri"] == alert.rule_iri and view["focus"]["iri"] == alert.focus_iri
    drawn = {lbl for p in view["impactPaths"] for n in p.nodes for lbl in n.labels}
    assert {"ServiceLevelAgreement", "Contract", "RevenueSchedule"} <= drawn


def test_a_refused_change_raises_no_alert_even_when_it_also_breaks_a_warning_rule(
    make_container: MakeContainer, receiver: WebhookReceiver, empty_db: neo4j.Driver
) -> None:
    c = make_container(receiver, None)
    ids = contract_world(c.pipeline)
    w = World(c.pipeline)
    order = w.new(
        "SalesOrder", orderNumber="SO-1", status="draft", totalAmount=750000.0, currency="EUR"
    )
    w.link("SalesOrder", order, "customer", "Customer", ids["customer"])
    w.commit()
    refused = ChangeSet(
        context=ctx(role="admin"),
        operations=[
            UpdateEntity(
                cls="ServiceLevelAgreement", id=ids["sla"], properties={"serviceCreditPercent": 25}
            ),
            UpdateEntity(cls="SalesOrder", id=order, properties={"status": "confirmed"}),
        ],
    )
    with pytest.raises(ChangeRefusedError) as error:
        c.pipeline.apply(refused)
    assert error.value.result.warnings, "the SLA part alone would have raised an alert"
    counts = empty_db.execute_query(
        "RETURN COUNT { (:RiskAlert) } AS alerts, COUNT { (:Delivery) } AS deliveries"
    ).records[0]
    assert (counts["alerts"], counts["deliveries"]) == (0, 0)
    assert c.dispatcher.drain().claimed == 0 and not receiver.processed


def test_a_repeated_change_updates_the_open_alert_and_a_resolved_one_reopens(
    make_container: MakeContainer, receiver: WebhookReceiver, settings: Settings
) -> None:
    c = make_container(receiver, None)
    ids = contract_world(c.pipeline)
    first = c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
    second = c.pipeline.apply(credit_change(c, ids["sla"], 30.0))
    alerts = c.alerts.store.list()
    assert len(alerts) == len(alert_pairs(first.warnings) | alert_pairs(second.warnings))
    repeated = [a for a in alerts if a.count == 2]
    assert repeated, "the same rule on the same SLA bumped its open alert"
    assert all(
        a.first_change_id == first.change_id and a.last_change_id == second.change_id
        for a in repeated
    )
    c.dispatcher.drain()
    events = sorted(
        r.payload["event"]
        for r in receiver.processed.values()
        if r.payload["alert_id"] == repeated[0].id
    )
    assert events == ["alert.raised", "alert.updated"]

    runner = CliRunner()
    for command in (["alerts", "list"], ["alerts", "show", repeated[0].id[:10]]):
        shown = runner.invoke(app, command, env=cli_env(settings))
        assert shown.exit_code == 0 and "[medium risk]" in shown.output, shown.output
    done = runner.invoke(app, ["alerts", "resolve", repeated[0].id[:10]], env=cli_env(settings))
    assert done.exit_code == 0, done.output
    third = c.pipeline.apply(credit_change(c, ids["sla"], 35.0))
    assert alert_pairs(third.warnings)
    reopened = [a for a in c.alerts.store.list() if a.rule_iri == repeated[0].rule_iri]
    assert sorted(a.status.value for a in reopened) == ["open", "resolved"]


def test_an_unacknowledged_alert_escalates_to_the_cfo_and_ack_stops_it(
    make_container: MakeContainer, smtp: SmtpSink
) -> None:
    levels = ["low", "medium", "high", "highest"]  # escalate any level: the rule's is data
    c = make_container(None, smtp, escalation_minutes=0, escalate_levels=levels)
    ids = contract_world(c.pipeline)
    w = World(c.pipeline)
    role = w.new("Role", key="cfo", name="CFO")
    cfo = w.new("Employee", name="Li Wei", email="li.wei@northwind.example")
    w.link("Employee", cfo, "hasRole", "Role", role)
    w.commit()
    result = c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
    assert result.warnings
    c.dispatcher.drain()
    assert c.alerts.escalator.sweep() >= 1
    escalated = [a for a in c.alerts.store.list() if a.status is AlertStatus.ESCALATED]
    assert escalated
    finance = next(a for a in escalated if "finance_lead" in {r.role for r in a.routed_to})
    assert any(
        r.email == "li.wei@northwind.example" and r.via == "escalation" for r in finance.routed_to
    )
    c.dispatcher.drain()
    subjects = [m["Subject"] for rcpt, m in smtp.messages if "li.wei@northwind.example" in rcpt]
    assert subjects and all("ESCALATED" in s for s in subjects)

    acked = c.alerts.store.acknowledge(finance.id, "li.wei")
    assert acked.status is AlertStatus.ACKNOWLEDGED and acked.acknowledged_by == "li.wei"
    assert c.alerts.escalator.sweep() == 0, "escalation happens once"
    assert c.alerts.store.get(finance.id).status is AlertStatus.ACKNOWLEDGED


def test_live_stream_subscribers_get_alerts_for_their_role(
    make_container: MakeContainer,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    change = credit_change(c, ids["sla"], 25.0)

    async def scenario() -> tuple[Any, bool]:
        finance = c.alerts.stream.subscribe(role="finance_lead")
        nobody = c.alerts.stream.subscribe(role="no_such_role")
        await asyncio.to_thread(c.pipeline.apply, change)
        got = await asyncio.wait_for(anext(finance), 5)
        try:
            await asyncio.wait_for(anext(nobody), 0.3)
            leaked = True
        except TimeoutError:
            leaked = False
        finance.close()
        nobody.close()
        return got, leaked

    message, leaked = asyncio.run(scenario())
    assert message.change_id == change.id and message.for_role("finance_lead")
    assert not leaked
    assert c.alerts.stream.subscriber_count == 0

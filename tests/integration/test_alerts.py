"""Risk alerts, end to end against real services: Neo4j, an HTTP webhook receiver that
verifies signatures, and an SMTP server on loopback.

A Warning-raising change must yield one stored alert, routed to the contract's finance
lead, delivered by webhook and by e-mail; refused changes yield none; a repeat updates
the open alert; failures (receiver down, SMTP refusing, a dispatcher killed mid-send,
two dispatchers racing) lose nothing and deliver nothing twice per idempotency key.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from typer.testing import CliRunner

from semgraph.alerts import AlertDispatcher, AlertSettings, AlertStatus, Delivery
from semgraph.alerts.routing import split_roles
from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeSet, UpdateEntity
from semgraph.cli.main import app
from semgraph.config import Settings
from semgraph.exceptions import ChangeRefusedError
from semgraph.ontology.schema import ensure_schema
from tests.integration.alert_receivers import SmtpSink, WebhookReceiver
from tests.integration.world import World, contract_world, ctx, update

SECRET = "whsec-test-0123456789"
REPO = Path(__file__).resolve().parents[2]
MakeContainer = Callable[..., Container]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(SECRET).start()
    yield r
    r.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    s = SmtpSink().start()
    yield s
    s.stop()


@pytest.fixture
def make_container(empty_db: neo4j.Driver, settings: Settings) -> Iterator[MakeContainer]:
    made: list[Container] = []

    def make(receiver: WebhookReceiver | None, smtp: SmtpSink | None, **kw: Any) -> Container:
        alert_settings = AlertSettings(
            _env_file=None,  # type: ignore[call-arg]
            webhook_urls=[receiver.url] if receiver else [],
            webhook_secret=SECRET,
            smtp_host="127.0.0.1" if smtp else None,
            smtp_port=smtp.port if smtp else 25,
            smtp_from="semgraph@northwind.example",
            webhook_timeout_s=2.0,
            smtp_timeout_s=2.0,
            backoff_base_s=0.05,
            backoff_cap_s=0.2,
            poll_interval_s=0.2,
            claim_lease_s=3.0,
            **kw,
        )
        c = Container(settings, alert_settings)
        ensure_schema(empty_db, c.ontology, settings.neo4j_database)
        c.alerts.ensure_schema()
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def all_deliveries(c: Container) -> list[Delivery]:
    return [d for a in c.alerts.store.list() for d in c.alerts.store.get(a.id).deliveries]


def credit_change(c: Container, sla: str, value: float) -> ChangeSet:
    return update(c.pipeline, "ServiceLevelAgreement", sla, serviceCreditPercent=value)


def alert_pairs(warnings: list[Any]) -> set[tuple[str, str]]:
    return {(w.shape, w.focus_node) for w in warnings}


def cli_env(settings: Settings) -> dict[str, str]:
    env = {"COLUMNS": "200"}
    if settings.managed:
        env |= {
            "SEMGRAPH_DATA_DIR": str(settings.data_dir),
            "SEMGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
            "SEMGRAPH_NEO4J_HTTP_PORT": str(settings.neo4j_http_port),
        }
    else:
        assert settings.neo4j_uri and settings.neo4j_password
        env |= {
            "SEMGRAPH_NEO4J_URI": settings.neo4j_uri,
            "SEMGRAPH_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        }
    return env


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
    assert alert.accounting_ref in body and "/browser/?cmd=edit&arg=" in body

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
        context=ctx(role="analyst"),
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
    done = runner.invoke(app, ["alerts", "resolve", repeated[0].id[:10]], env=cli_env(settings))
    assert done.exit_code == 0, done.output
    third = c.pipeline.apply(credit_change(c, ids["sla"], 35.0))
    assert alert_pairs(third.warnings)
    reopened = [a for a in c.alerts.store.list() if a.rule_iri == repeated[0].rule_iri]
    assert sorted(a.status.value for a in reopened) == ["open", "resolved"]


def test_webhook_receiver_down_for_a_while_gets_the_alert_when_it_comes_back(
    make_container: MakeContainer, receiver: WebhookReceiver
) -> None:
    c = make_container(receiver, None, max_attempts=10)
    ids = contract_world(c.pipeline)
    receiver.stop()
    c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
    first = c.dispatcher.run_once()
    assert first.claimed and first.retried == first.claimed and first.delivered == 0
    receiver.start()  # back on the same port
    deadline = time.monotonic() + 10
    while not receiver.processed and time.monotonic() < deadline:
        c.dispatcher.run_once()
        time.sleep(0.05)
    assert len(receiver.processed) == first.claimed
    history = all_deliveries(c)
    assert all(d.status.value == "delivered" and d.attempts >= 2 for d in history)
    assert all(d.history[0]["outcome"] == "failed" for d in history)


def test_smtp_refusing_is_retried_then_dead_lettered_and_visible_in_alerts_list(
    make_container: MakeContainer, smtp: SmtpSink, settings: Settings
) -> None:
    c = make_container(None, smtp, max_attempts=3)
    ids = contract_world(c.pipeline)
    smtp.refuse = "451 4.3.0 mailbox temporarily unavailable"
    c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        c.dispatcher.run_once()
        if all(d.status.value == "dead" for d in all_deliveries(c)):
            break
        time.sleep(0.05)
    dead = all_deliveries(c)
    assert dead and all(d.status.value == "dead" and d.attempts == 3 for d in dead)
    assert all("451" in (d.last_error or "") and len(d.history) == 3 for d in dead)
    assert smtp.refused >= 3 and not smtp.messages

    listed = CliRunner().invoke(
        app, ["alerts", "list", "--delivery", "dead", "--json"], env=cli_env(settings)
    )
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert rows and all(d["status"] == "dead" for r in rows for d in r["deliveries"])
    table = CliRunner().invoke(app, ["alerts", "list"], env=cli_env(settings))
    assert "email:dead" in table.output
    shown = CliRunner().invoke(app, ["alerts", "show", rows[0]["id"]], env=cli_env(settings))
    assert "451" in shown.output and "dead" in shown.output


def test_dispatcher_process_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(
    make_container: MakeContainer, receiver: WebhookReceiver, settings: Settings
) -> None:
    c = make_container(receiver, None)
    for _ in range(3):
        ids = contract_world(c.pipeline)
        c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
        c.pipeline.apply(credit_change(c, ids["sla"], 30.0))
    keys = {
        d.idempotency_key
        for a in c.alerts.store.list()
        for d in c.alerts.store.get(a.id).deliveries
    }
    assert len(keys) >= 6

    receiver.delay_s = 0.4
    env = (
        os.environ
        | cli_env(settings)
        | {
            "SEMGRAPH_ALERTS_WEBHOOK_URLS": json.dumps([receiver.url]),
            "SEMGRAPH_ALERTS_WEBHOOK_SECRET": SECRET,
            "SEMGRAPH_ALERTS_WEBHOOK_TIMEOUT_S": "2",
            "SEMGRAPH_ALERTS_CLAIM_LEASE_S": "3",
            "SEMGRAPH_ALERTS_SEND_CONCURRENCY": "1",
            "SEMGRAPH_ALERTS_BATCH_SIZE": "2",
        }
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "semgraph.cli.main", "alerts", "dispatch", "--worker-id", "doomed"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while receiver.requests < 3 and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            time.sleep(0.02)
        assert receiver.requests >= 3, "the worker process started delivering"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert len(receiver.processed) < len(keys), "killed with deliveries still pending"

    receiver.delay_s = 0.0
    deadline = time.monotonic() + 20  # claims of the dead worker expire after their lease
    while len(receiver.processed) < len(keys) and time.monotonic() < deadline:
        c.dispatcher.run_once()
        time.sleep(0.1)
    assert set(receiver.processed) == keys, "every delivery reached the receiver"
    assert receiver.rejected == 0
    statuses = {
        d.status.value for a in c.alerts.store.list() for d in c.alerts.store.get(a.id).deliveries
    }
    assert statuses == {"delivered"}
    # A repeat can only be the delivery in flight when the worker died; the key exposed it.
    assert len(receiver.repeats) <= 2 and set(receiver.repeats) <= keys


def test_two_dispatchers_racing_never_send_the_same_delivery(
    make_container: MakeContainer, receiver: WebhookReceiver
) -> None:
    c = make_container(receiver, None, batch_size=2)
    ids = contract_world(c.pipeline)
    for value in (21.0, 22.0, 23.0, 24.0, 25.0, 26.0):
        c.pipeline.apply(credit_change(c, ids["sla"], value))
    keys = {
        d.idempotency_key
        for a in c.alerts.store.list()
        for d in c.alerts.store.get(a.id).deliveries
    }
    other = AlertDispatcher(
        c.driver, c.settings.neo4j_database, c.alerts.settings, c.dispatcher.channels
    )
    threads = [threading.Thread(target=d.drain) for d in (c.dispatcher, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert set(receiver.processed) == keys
    assert receiver.requests == len(keys) and not receiver.repeats


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
    assert c.alerts.escalator.sweep() == 0 or all(
        a.status is not AlertStatus.OPEN for a in c.alerts.store.list()
    )


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

"""Alert delivery under failure, against real services: nothing is lost, and a receiver
that keeps idempotency keys sees every message once.

Receiver down for a while; SMTP refusing until dead-lettered; a dispatcher *process*
killed with SIGKILL mid-delivery; two dispatchers racing for the same deliveries; a
delivery sent as its change commits, and one whose claiming process died before sending.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

from typer.testing import CliRunner

from semgraph.alerts import AlertDispatcher
from semgraph.cli.main import app
from semgraph.config import Settings
from tests.integration.alert_harness import (
    REPO,
    SECRET,
    MakeContainer,
    all_deliveries,
    cli_env,
    credit_change,
)
from tests.integration.alert_receivers import SmtpSink, WebhookReceiver
from tests.integration.world import contract_world


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


def test_a_delivery_sent_right_after_its_commit_is_not_sent_again_by_the_round_it_wakes(
    make_container: MakeContainer, receiver: WebhookReceiver
) -> None:
    # With the dispatcher running here, the delivery is written claimed by it and sent as
    # the change commits; a round that runs meanwhile must not claim it a second time.
    c = make_container(receiver, None, poll_interval_s=3600.0)
    ids = contract_world(c.pipeline)
    c.alerts.start()
    c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
    c.dispatcher.wake()
    deadline = time.monotonic() + 30
    while not receiver.processed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(receiver.processed) == 1 and receiver.requests == 1
    while all_deliveries(c)[0].status.value != "delivered" and time.monotonic() < deadline:
        time.sleep(0.02)
    (delivery,) = all_deliveries(c)
    assert (delivery.status.value, delivery.attempts) == ("delivered", 1)
    assert [h["outcome"] for h in delivery.history] == ["delivered"]


def test_a_delivery_claimed_at_commit_by_a_process_that_died_is_sent_after_its_lease(
    make_container: MakeContainer, receiver: WebhookReceiver
) -> None:
    c = make_container(receiver, None, claim_lease_s=2.5)
    ids = contract_world(c.pipeline)
    c.alerts.outbox.claimer = lambda: "dispatcher-that-died"  # it claims at commit…
    c.alerts.outbox.take_claimed = lambda change_id: []  # …and dies before sending
    c.pipeline.apply(credit_change(c, ids["sla"], 25.0))
    assert c.dispatcher.run_once().claimed == 0, "leased to the dead process"
    assert not receiver.processed
    deadline = time.monotonic() + 30
    while not receiver.processed and time.monotonic() < deadline:
        c.dispatcher.run_once()  # records the outcome before it returns
        time.sleep(0.1)
    assert len(receiver.processed) == 1 and not receiver.repeats
    (delivery,) = all_deliveries(c)
    assert (delivery.status.value, delivery.attempts) == ("delivered", 2)


def test_deliveries_sent_as_concurrent_changes_commit_are_each_recorded_once(
    make_container: MakeContainer, receiver: WebhookReceiver
) -> None:
    # Outcomes of deliveries sent at commit are recorded in shared transactions when
    # senders finish together; each must still end delivered, after one attempt.
    c = make_container(receiver, None, poll_interval_s=3600.0)
    slas = [contract_world(c.pipeline)["sla"] for _ in range(3)]
    c.alerts.start()

    def commit(k: int) -> None:
        for n in range(4):
            c.pipeline.apply(credit_change(c, slas[k], 20.0 + n))

    threads = [threading.Thread(target=commit, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        deliveries = all_deliveries(c)
        if len(deliveries) == 12 and all(d.status.value == "delivered" for d in deliveries):
            break
        time.sleep(0.05)
    assert len(deliveries) == 12
    assert {(d.status.value, d.attempts) for d in deliveries} == {("delivered", 1)}
    assert all([h["outcome"] for h in d.history] == ["delivered"] for d in deliveries)
    assert len(receiver.processed) == 12 and not receiver.repeats

"""A Kafka stream while Neo4j or the broker is really stopped and started again: the batch
in hand waits and lands once, records produced meanwhile land after, nothing is doubled.

The Neo4j test stops a managed Neo4j of its own (test_sync_outage's), the broker test a
broker of its own; the shared test servers keep running.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.kafka_server import ManagedKafka
from semgraph.neo4j_server import ManagedServer
from semgraph.ontology.schema import ensure_schema
from semgraph.sync.breaker import BreakerState
from semgraph.sync.kafka_source import StreamBatch, StreamOptions
from tests.conftest import free_port
from tests.integration.test_sync import change_events, child_env, crm_accounts, rows
from tests.integration.test_sync_kafka import committed, new_topic, produce
from tests.integration.test_sync_outage import landed, outage, own_server, restart_later

__all__ = ["outage", "own_server"]  # fixtures of test_sync_outage, used here


def sync_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("semgraph")]


def test_a_stream_waits_while_neo4j_is_stopped_and_what_was_produced_meanwhile_lands_once(
    outage: tuple[ManagedServer, Settings],
    kafka_bootstrap: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, own = outage
    topic = new_topic(kafka_bootstrap)
    accounts = crm_accounts(150)
    produce(kafka_bootstrap, topic, accounts[:100])
    container = Container(own.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap}))
    restarted: list[threading.Thread] = []

    def stop_neo4j_after_the_first_batch(_batch: StreamBatch) -> None:
        if not restarted:
            server.stop()
            produce(kafka_bootstrap, topic, accounts[100:])  # while Neo4j is down
            restarted.append(restart_later(server, 2.0))

    try:
        stream = container.kafka_stream(
            batch_size=20, rejects_file=tmp_path / "rejects.jsonl", max_wait_s=240
        )
        stream.on_batch_committed = stop_neo4j_after_the_first_batch
        with caplog.at_level(logging.WARNING, "semgraph"):
            summary = stream.run("CRM", "Account", StreamOptions(topic, "g-neo", until_idle_s=3))
        assert container.sync_breaker.state is BreakerState.CLOSED
    finally:
        container.close()
    assert restarted, "Neo4j was stopped mid-stream"
    restarted[0].join(timeout=300)
    assert (summary.records, summary.created, summary.rejected) == (150, 150, 0)
    assert landed(own) == {
        "customers": 150,
        "records": 150,
        "keys": 150,
        "events": summary.change_events,
    }
    assert committed(kafka_bootstrap, "g-neo", topic) == 150
    messages = sync_log(caplog)
    assert any(
        "Neo4j is unavailable" in m and f"kafka {topic}[0] from offset 20 paused" in m
        for m in messages
    ), messages
    assert any(f"Neo4j is back: CRM.Account kafka {topic}[0]" in m for m in messages), messages
    assert not any(r.exc_info for r in caplog.records), "no traceback in the log"


def test_a_cli_stream_stops_after_max_wait_without_committing_and_a_later_run_lands_it_once(
    outage: tuple[ManagedServer, Settings], kafka_bootstrap: str
) -> None:
    server, own = outage
    topic = new_topic(kafka_bootstrap)
    produce(kafka_bootstrap, topic, crm_accounts(5))
    env = {
        **child_env(own),
        "SEMGRAPH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "SEMGRAPH_SYNC_BREAKER_COOL_DOWN_S": "1",
    }
    command = [sys.executable, "-m", "semgraph.cli.main", "sync-stream", "--system", "CRM",
               "--table", "Account", "--topic", topic, "--group", "g-wait", "--until-idle", "2",
               "--rejects-file", str(own.data_dir / "rejects.jsonl"), "--json"]  # fmt: skip
    server.stop()
    try:
        stopped = subprocess.run(
            [*command, "--max-wait", "3"], env=env, capture_output=True, text=True, timeout=240
        )
    finally:
        server.start()
    words = " ".join(stopped.stderr.split())
    assert stopped.returncode == 1, stopped.stderr[-3000:]
    assert "Traceback" not in stopped.stderr, stopped.stderr[-3000:]
    assert "paused; waiting up to 3 s" in words and "did not come back within 3 s" in words
    assert "offsets are not committed" in words
    assert committed(kafka_bootstrap, "g-wait", topic) < 0

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["records"], summary["created"]) == (5, 5)
    assert landed(own) == {"customers": 5, "records": 5, "keys": 5, "events": 1}
    assert committed(kafka_bootstrap, "g-wait", topic) == 5


@pytest.fixture(scope="module")
def own_broker() -> Iterator[ManagedKafka]:
    """A broker of this module only, which its test stops and starts."""
    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-kafka-outage-"))
    broker = ManagedKafka(
        Settings(
            data_dir=data_dir,
            kafka_port=free_port(),
            kafka_controller_port=free_port(),
            _env_file=None,
        )
    )
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_for(what: str, condition: object, timeout_s: float = 120) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_stream_goes_on_when_its_broker_is_stopped_and_started_with_no_loss_or_duplicate(
    own_broker: ManagedKafka,
    empty_db: neo4j.Driver,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    bootstrap = own_broker.settings.kafka_bootstrap
    topic = new_topic(bootstrap)
    accounts = crm_accounts(120)
    produce(bootstrap, topic, accounts[:60])
    container = Container(
        settings.model_copy(
            update={"kafka_bootstrap_servers": bootstrap, "sync_breaker_cool_down_s": 1.0}
        )
    )
    ensure_schema(empty_db, container.ontology, settings.neo4j_database)
    container.alerts.ensure_schema()
    stop = threading.Event()
    done: list[object] = []
    try:
        stream = container.kafka_stream(batch_size=20, rejects_file=tmp_path / "rejects.jsonl")
        committed_records: list[int] = []
        stream.on_batch_committed = lambda batch: committed_records.append(batch.records)

        def consume() -> None:
            try:
                done.append(
                    stream.run("CRM", "Account", StreamOptions(topic, "g-broker"), stop=stop)
                )
            except BaseException as exc:  # the test says what failed
                done.append(exc)

        with caplog.at_level(logging.WARNING, "semgraph"):
            consumer = threading.Thread(target=consume, daemon=True)
            consumer.start()
            wait_for("the first 60 records", lambda: sum(committed_records) >= 60)
            own_broker.stop()
            wait_for(
                "the stream to see the broker gone",
                lambda: container.kafka_breaker.state is not BreakerState.CLOSED,
                timeout_s=60,
            )
            own_broker.start()
            produce(bootstrap, topic, accounts[60:])
            wait_for(
                "all 120 in the graph",
                lambda: rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n")[0]["n"] >= 120,
                timeout_s=180,
            )
            wait_for(
                "the offsets of all 120", lambda: committed(bootstrap, "g-broker", topic) == 120
            )
            stop.set()
            consumer.join(timeout=60)
    finally:
        stop.set()
        container.close()
    assert done and not isinstance(done[0], BaseException), done
    summary = done[0]
    found = rows(
        empty_db,
        """MATCH (r:SystemRecord)
           RETURN count(r) AS records, count(DISTINCT r.externalId) AS keys,
                  COUNT { (:Customer) } AS customers""",
    )
    assert found == [{"records": 120, "keys": 120, "customers": 120}]
    assert summary.created == 120, "each record created once"
    assert change_events(empty_db) == summary.change_events
    assert container.kafka_breaker.state is BreakerState.CLOSED
    messages = sync_log(caplog)
    assert any("Kafka circuit breaker open" in m for m in messages), messages
    assert any("Kafka circuit breaker closed" in m for m in messages), messages
    assert not any(r.exc_info for r in caplog.records), "no traceback in the log"

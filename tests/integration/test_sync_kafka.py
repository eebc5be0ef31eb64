"""`semgraph sync-stream`: JSON records of a real Kafka topic land in the graph through the
one door, and offsets are committed only after the records' Neo4j transaction committed."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import neo4j
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.exceptions import KafkaUnavailableError
from semgraph.ontology.schema import ensure_schema
from semgraph.sync.kafka_rejects import RejectsFile, RejectsTopic
from semgraph.sync.kafka_source import KafkaStreamSync, StreamOptions
from tests.conftest import free_port
from tests.integration.kafka_crash_consumer import CRASHED
from tests.integration.test_sync import change_events, child_env, crm_accounts, rows


@pytest.fixture
def container(empty_db: neo4j.Driver, settings: Settings, kafka_bootstrap: str) -> Any:
    c = Container(settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap}))
    ensure_schema(empty_db, c.ontology, settings.neo4j_database)
    c.alerts.ensure_schema()
    yield c
    c.close()


def new_topic(bootstrap: str, partitions: int = 1) -> str:
    name = f"crm.accounts.{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions)])[name].result(timeout=30)
    return name


@pytest.fixture
def topic(kafka_bootstrap: str) -> str:
    """A new topic of one partition (each test has its own)."""
    return new_topic(kafka_bootstrap)


def produce(bootstrap: str, topic: str, messages: list[Any], partition: int = 0) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for message in messages:
        text = message if isinstance(message, str) else json.dumps(message)
        producer.produce(topic, value=text.encode(), partition=partition)
    assert producer.flush(30) == 0


def committed(bootstrap: str, group: str, topic: str, partition: int = 0) -> int:
    """The group's committed offset of ``partition`` (negative: none)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        found = consumer.committed([TopicPartition(topic, partition)], timeout=30)
        return int(found[0].offset)
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str, count: int) -> list[dict[str, Any]]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    found: list[dict[str, Any]] = []
    for _ in range(60):
        found += [json.loads(m.value() or b"") for m in consumer.consume(10, 1.0) if not m.error()]
        if len(found) >= count:
            break
    consumer.close()
    return found


def stream(container: Container, tmp_path: Path) -> KafkaStreamSync:
    return container.kafka_stream(batch_size=50, rejects_file=tmp_path / "rejects.jsonl")


def test_records_produced_to_a_topic_land_in_neo4j_with_their_offsets_in_the_change_event(
    container: Container, empty_db: neo4j.Driver, kafka_bootstrap: str, topic: str, tmp_path: Path
) -> None:
    produce(kafka_bootstrap, topic, crm_accounts(3))
    summary = stream(container, tmp_path).run(
        "CRM", "Account", StreamOptions(topic, "g1", until_idle_s=2)
    )
    assert (summary.records, summary.created, summary.rejected) == (3, 3, 0)
    found = rows(
        empty_db,
        """MATCH (c:Customer)-[:hasSystemRecord]->(r:SystemRecord)
           RETURN c.name AS name, r.externalId AS key ORDER BY key""",
    )
    assert [(f["name"], f["key"]) for f in found] == [
        ("Acme 0 GmbH", "001A0000"),
        ("Acme 1 GmbH", "001A0001"),
        ("Acme 2 GmbH", "001A0002"),
    ]
    events = rows(empty_db, "MATCH (e:ChangeEvent) RETURN e.reason AS reason, e.sourceSystem AS s")
    assert len(events) == 1 and events[0]["s"] == "CRM"
    assert f"kafka {topic}[0] offsets 0-2" in events[0]["reason"]
    assert committed(kafka_bootstrap, "g1", topic) == 3


def test_records_of_every_partition_land_and_each_partitions_offset_is_committed(
    container: Container, empty_db: neo4j.Driver, kafka_bootstrap: str, tmp_path: Path
) -> None:
    topic = new_topic(kafka_bootstrap, partitions=2)
    accounts = crm_accounts(5)
    produce(kafka_bootstrap, topic, accounts[:2], partition=0)
    produce(kafka_bootstrap, topic, accounts[2:], partition=1)
    summary = stream(container, tmp_path).run(
        "CRM", "Account", StreamOptions(topic, "g6", until_idle_s=2)
    )
    assert (summary.records, summary.created) == (5, 5)
    assert rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n")[0]["n"] == 5
    reasons = " ".join(
        r["reason"] for r in rows(empty_db, "MATCH (e:ChangeEvent) RETURN e.reason AS reason")
    )
    assert f"kafka {topic}[0] offsets 0-1" in reasons and f"kafka {topic}[1] offsets 0-2" in reasons
    assert committed(kafka_bootstrap, "g6", topic, 0) == 2
    assert committed(kafka_bootstrap, "g6", topic, 1) == 3


def test_a_bad_record_is_rejected_to_the_rejects_topic_with_its_reason_and_the_rest_commit(
    container: Container, empty_db: neo4j.Driver, kafka_bootstrap: str, topic: str
) -> None:
    good = crm_accounts(3)
    no_key = {**crm_accounts(4)[3], "Id": ""}
    produce(kafka_bootstrap, topic, [good[0], "not json {", no_key, [1, 2], good[1], good[2]])
    rejects = RejectsTopic(kafka_bootstrap, f"{topic}.rejects")
    service = container.sync(batch_size=50)
    summary = KafkaStreamSync(service, kafka_bootstrap, rejects).run(
        "CRM", "Account", StreamOptions(topic, "g2", until_idle_s=2)
    )
    assert (summary.records, summary.created, summary.rejected) == (6, 3, 3)
    assert rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n")[0]["n"] == 3
    found = sorted(read_topic(kafka_bootstrap, f"{topic}.rejects", 3), key=lambda r: r["offset"])
    assert [(r["topic"], r["partition"], r["offset"]) for r in found] == [
        (topic, 0, 1),
        (topic, 0, 2),
        (topic, 0, 3),
    ]
    assert found[0]["reason"] == "not a JSON object" and found[0]["value"] == "not json {"
    assert found[1]["field"] == "Id" and "key" in found[1]["reason"].lower()
    assert found[1]["record"]["Name"] == "Acme 3 GmbH"
    assert (found[2]["reason"], found[2]["value"]) == ("not a JSON object", "[1, 2]")
    assert committed(kafka_bootstrap, "g2", topic) == 6, "rejected messages are consumed too"


def test_a_consumer_killed_between_the_neo4j_commit_and_the_offset_commit_duplicates_nothing(
    container: Container,
    empty_db: neo4j.Driver,
    settings: Settings,
    kafka_bootstrap: str,
    topic: str,
    tmp_path: Path,
) -> None:
    produce(kafka_bootstrap, topic, crm_accounts(4))
    env = {**child_env(settings), "SEMGRAPH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.integration.kafka_crash_consumer", "CRM", "Account", topic,
         "g3", str(tmp_path / "rejects.jsonl")],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert crashed.returncode == CRASHED, crashed.stderr[-2000:]
    assert rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n")[0]["n"] == 4
    assert change_events(empty_db) == 1
    assert committed(kafka_bootstrap, "g3", topic) < 0, "it died before committing offsets"

    again = subprocess.run(
        [sys.executable, "-m", "semgraph.cli.main", "sync-stream", "--system", "CRM", "--table",
         "Account", "--topic", topic, "--group", "g3", "--until-idle", "2", "--json"],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["records"], summary["unchanged"], summary["created"]) == (4, 4, 0)
    assert summary["change_events"] == 0 and change_events(empty_db) == 1
    assert rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n")[0]["n"] == 4
    assert committed(kafka_bootstrap, "g3", topic) == 4


def test_a_restarted_consumer_resumes_from_the_committed_offset(
    container: Container, empty_db: neo4j.Driver, kafka_bootstrap: str, topic: str, tmp_path: Path
) -> None:
    accounts = crm_accounts(3)
    produce(kafka_bootstrap, topic, accounts)
    first = stream(container, tmp_path).run(
        "CRM", "Account", StreamOptions(topic, "g4", until_idle_s=2)
    )
    assert (first.records, first.created) == (3, 3)
    changed = {**accounts[1], "Rating__c": "Hot"}
    produce(kafka_bootstrap, topic, [changed, crm_accounts(4)[3]])
    second = stream(container, tmp_path).run(
        "CRM", "Account", StreamOptions(topic, "g4", until_idle_s=2)
    )
    assert (second.records, second.created, second.updated, second.unchanged) == (2, 1, 1, 0)
    assert second.committed == {0: 5}
    reasons = [
        r["reason"]
        for r in rows(empty_db, "MATCH (e:ChangeEvent) RETURN e.reason AS reason ORDER BY e.at")
    ]
    assert len(reasons) == 2 and f"kafka {topic}[0] offsets 3-4" in reasons[1]
    rating = rows(empty_db, "MATCH (c:Customer {name: 'Acme 1 GmbH'}) RETURN c.rating AS r")
    assert rating[0]["r"] == "A"


def test_rejects_file_keeps_topic_partition_offset_and_is_not_doubled_on_redelivery(
    tmp_path: Path,
) -> None:
    from semgraph.sync.kafka_rejects import RejectedMessage

    path = tmp_path / "rejects.jsonl"
    reject = RejectedMessage("t", 0, 7, None, "Id", "", "no key", {"Name": "x"})
    sink = RejectsFile(path)
    sink.write(reject)
    sink.flush()
    sink.close()
    again = RejectsFile(path)
    again.write(reject)
    again.flush()
    again.close()
    lines = [json.loads(t) for t in path.read_text().splitlines()]
    assert lines == [reject.as_dict()]


def test_an_unknown_topic_is_refused_with_what_to_do(
    container: Container, kafka_bootstrap: str, tmp_path: Path
) -> None:
    with pytest.raises(KafkaUnavailableError) as err:
        stream(container, tmp_path).run(
            "CRM", "Account", StreamOptions("no.such.topic", "g5", until_idle_s=1)
        )
    assert "no.such.topic" in err.value.message and "does not exist" in err.value.message


def test_an_unreachable_broker_is_refused_with_how_to_start_one(
    container: Container, tmp_path: Path
) -> None:
    nobody = f"127.0.0.1:{free_port()}"
    service = container.sync()
    consumer = KafkaStreamSync(service, nobody, RejectsTopic(nobody, "unused.rejects"))
    with pytest.raises(KafkaUnavailableError) as err:
        consumer.run("CRM", "Account", StreamOptions("crm.accounts", "g7", until_idle_s=1))
    assert f"cannot reach Kafka at {nobody}" in err.value.message
    assert "semgraph kafka start" in (err.value.hint or "")


def test_the_cli_exits_3_when_a_stream_rejected_records_and_sync_kafka_topic_is_the_same_run(
    container: Container, empty_db: neo4j.Driver, settings: Settings, kafka_bootstrap: str,
    topic: str,
) -> None:  # fmt: skip
    produce(kafka_bootstrap, topic, [*crm_accounts(2), "not json {"])
    env = {**child_env(settings), "SEMGRAPH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    alias = subprocess.run(
        [sys.executable, "-m", "semgraph.cli.main", "sync", "--system", "CRM", "--table",
         "Account", "--kafka-topic", topic, "--until-idle", "2", "--json"],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert alias.returncode == 3, alias.stderr[-2000:]
    summary = json.loads(alias.stdout.strip().splitlines()[-1])
    assert (summary["records"], summary["created"], summary["rejected"]) == (3, 2, 1)
    assert summary["group"] == "semgraph-sync-CRM-Account" and summary["committed"] == {"0": 3}
    assert rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n")[0]["n"] == 2

    again = subprocess.run(
        [sys.executable, "-m", "semgraph.cli.main", "sync-stream", "--system", "CRM", "--table",
         "Account", "--topic", topic, "--group", "g-cli", "--until-idle", "2", "--json"],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert again.returncode == 3, again.stderr[-2000:]
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["unchanged"], summary["rejected"]) == (2, 1)
    rejects = read_topic(kafka_bootstrap, f"{topic}.rejects", 2)
    assert [r["offset"] for r in rejects] == [2, 2], "one reject per run, from the topic's offset"


def test_sync_refuses_both_files_and_a_kafka_topic(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from semgraph.cli.main import app

    export = tmp_path / "a.csv"
    export.write_text("Id\n1\n")
    both = CliRunner().invoke(
        app, ["sync", "--system", "CRM", "--table", "Account", "--kafka-topic", "t", str(export)]
    )
    assert both.exit_code == 2 and "not both" in both.output
    neither = CliRunner().invoke(app, ["sync", "--system", "CRM", "--table", "Account"])
    assert neither.exit_code == 2 and "--kafka-topic" in neither.output

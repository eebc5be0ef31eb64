"""Kafka sync benchmark: CRM accounts produced to a topic, consumed through the governed sync.

    python bench/sync_kafka.py --records 2000 [--batch-size 100] [--partitions 2]

Starts its own managed Neo4j and Kafka broker on free ports in a temp folder (removed at
the end), produces ``--records`` CRM accounts (a few per thousand without a key, one
message in a thousand not JSON), then times ``semgraph sync-stream``'s consumer until the
topic is drained (``seconds``: from the first batch read to the last offset commit):
every record mapped, validated, audited and alert-checked, offsets committed after each
batch's Neo4j commit. Then a second consumer group reads the same topic again
(``second_run_seconds``: nothing to write). The file source is ``bench/sync.py``. The
LAST line is one JSON object: records, records_per_s, rejected, change_events, batches,
second_run_seconds, second_run_change_events, ….
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import tempfile
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from measure import vm_speed_s  # bench/measure.py, beside this script

from semgraph.bootstrap import Container
from semgraph.kafka_server import ManagedKafka
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import free_port, scratch_settings
from semgraph.sync.kafka_source import StreamOptions, StreamSummary

TOPIC = "crm.accounts"


def accounts(records: int, seed: int) -> list[Any]:
    rnd = random.Random(seed)
    out: list[Any] = []
    for i in range(records):
        if i % 1000 == 999:
            out.append("not json {")
            continue
        out.append(
            {
                "Id": "" if rnd.random() < 0.003 else f"001B{i:07d}",
                "Name": f"Bench {i} GmbH",
                "Status__c": rnd.choice(["Active", "Inactive"]),
                "Rating__c": rnd.choice(["Hot", "Warm", "Cold"]),
                "BillingCountryCode": rnd.choice(["de", "fr", "cn", "us"]),
                "Tax_ID__c": f"DE{500000000 + i}",
                "Credit_Limit__c": str(rnd.randrange(1, 100) * 1000),
            }
        )
    return out


def produce(bootstrap: str, records: list[Any], partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(TOPIC, partitions)])[TOPIC].result(timeout=60)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for record in records:
        text = record if isinstance(record, str) else json.dumps(record)
        producer.produce(TOPIC, value=text.encode())
        producer.poll(0)
    if producer.flush(120):
        raise SystemExit("the broker did not acknowledge every message")


def consume(container: Container, folder: Path, group: str, batch_size: int) -> StreamSummary:
    stream = container.kafka_stream(
        batch_size=batch_size, rejects_file=folder / f"{group}.rejects.jsonl"
    )
    stream.service.checkpoint_dir = folder / "checkpoints"
    return stream.run("CRM", "Account", StreamOptions(TOPIC, group, until_idle_s=5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="1g")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="semgraph-bench-kafka-"))
    settings = scratch_settings(
        folder, heap=args.heap, pagecache=args.pagecache, kafka_port=free_port(),
        kafka_controller_port=free_port(),
    )  # fmt: skip
    neo4j_server, broker = ManagedServer(settings), ManagedKafka(settings)
    neo4j_server.start()
    broker.start()
    container = Container(settings)
    try:
        container.ensure_schema()
        produce(settings.kafka_bootstrap, accounts(args.records, args.seed), args.partitions)
        first = consume(container, folder, "bench-1", args.batch_size)
        second = consume(container, folder, "bench-2", args.batch_size)
        result = {
            "records": first.records,
            "seconds": round(first.active_seconds, 2),
            "records_per_s": round(first.records / first.active_seconds, 1),
            "created": first.created,
            "rejected": first.rejected,
            "change_events": first.change_events,
            "batches": first.batches,
            "batch_size": args.batch_size,
            "partitions": args.partitions,
            "committed": first.committed,
            "second_run_seconds": round(second.active_seconds, 2),
            "second_run_unchanged": second.unchanged,
            "second_run_change_events": second.change_events,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "vm_loop_s": vm_speed_s(),
        }
    finally:
        container.close()
        broker.stop()
        neo4j_server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

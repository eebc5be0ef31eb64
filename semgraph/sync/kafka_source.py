"""The Kafka source of the sync: JSON messages of a topic, one record each, through the one door.

A thin adapter over ``SyncService.run_records``: the consumer takes up to ``batch_size``
messages, syncs each partition's share as records (their offsets cited in the change
events' reason, e.g. ``kafka crm.accounts[0] offsets 40-79``), writes the rejects and
makes them durable, and only then commits the offsets after the batch. Offsets are never
committed automatically, so a consumer that dies between the Neo4j commit and the offset
commit reads those messages again on restart; they map to what the graph already holds,
so they write nothing and record no second change event.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from semgraph.exceptions import KafkaUnavailableError
from semgraph.sync.kafka_rejects import RejectedMessage, RejectsSink
from semgraph.sync.service import SyncService

log = logging.getLogger("semgraph.sync.kafka")
_client_log = logging.getLogger("semgraph.kafka.client")


@dataclass(frozen=True)
class StreamOptions:
    """Which topic to read and when to stop.

    ``until_idle_s``: stop once no message came for this long after the partitions were
    assigned (None: run until stopped). ``max_records``: stop after about this many.
    """

    topic: str
    group: str | None = None
    until_idle_s: float | None = None
    max_records: int | None = None
    poll_s: float = 1.0

    def group_id(self, system: str, table: str) -> str:
        return self.group or f"semgraph-sync-{system}-{table}"


@dataclass(frozen=True)
class StreamBatch:
    """A batch whose records are committed in Neo4j; ``offsets`` are the next offsets to
    read, per partition, that the consumer commits next."""

    offsets: dict[int, int]
    records: int


@dataclass
class StreamSummary:
    """What a stream run did (the CLI's ``--json`` object); ``rejected`` > 0 makes it exit 3."""

    run_id: str
    system: str
    table: str
    topic: str
    group: str
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    batches: int = 0
    change_events: int = 0
    warnings: int = 0
    committed: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    active_seconds: float = 0.0
    """From the first batch read to the last offset commit (without the waits for more)."""

    def as_dict(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["committed"] = {str(p): o for p, o in sorted(self.committed.items())}
        data["seconds"] = round(self.seconds, 3)
        data["active_seconds"] = round(self.active_seconds, 3)
        busy = self.active_seconds
        data["records_per_s"] = round(self.records / busy, 1) if busy else 0.0
        return data


@dataclass
class KafkaStreamSync:
    """Consumes one topic into one source table with ``service``."""

    service: SyncService
    bootstrap: str
    rejects: RejectsSink
    on_batch_committed: Callable[[StreamBatch], None] | None = None
    """Called after a batch's Neo4j commit, before its offset commit (tests end the
    process here to show that a re-delivered batch writes nothing)."""
    consumer_config: dict[str, Any] = field(default_factory=dict)

    def run(
        self,
        system: str,
        table: str,
        options: StreamOptions,
        *,
        stop: threading.Event | None = None,
        run_id: str | None = None,
    ) -> StreamSummary:
        """Sync the topic's messages until ``stop`` is set, or the options say to stop.

        Raises MappingError for an unknown system or table, KafkaUnavailableError when the
        brokers cannot be reached or the topic does not exist; what was committed before
        stays committed (Neo4j and offsets).
        """
        self.service.catalog.table(system, table)  # an unknown table is refused first
        stop = stop or threading.Event()
        group = options.group_id(system, table)
        summary = StreamSummary(
            run_id or uuid.uuid4().hex[:16], system, table, options.topic, group
        )
        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": group,
                "enable.auto.commit": False,  # offsets only after the Neo4j commit
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                **self.consumer_config,
            },
            logger=_client_log,
        )
        assigned = threading.Event()
        started = time.perf_counter()
        try:
            self._check_topic(consumer, options.topic)
            consumer.subscribe([options.topic], on_assign=lambda _c, _p: assigned.set())
            idle_since = time.monotonic()
            first_batch: float | None = None
            while not stop.is_set():
                messages = consumer.consume(self.service.batch_size, options.poll_s)
                messages = [m for m in messages if not self._failed(m)]
                if not messages:
                    if not assigned.is_set():
                        idle_since = time.monotonic()
                    elif (
                        options.until_idle_s is not None
                        and time.monotonic() - idle_since >= options.until_idle_s
                    ):
                        break
                    continue
                first_batch = first_batch or time.perf_counter()
                self._sync_batch(consumer, system, table, messages, summary)
                summary.active_seconds = time.perf_counter() - first_batch
                idle_since = time.monotonic()
                if options.max_records is not None and summary.records >= options.max_records:
                    break
        finally:
            consumer.close()
            self.rejects.close()
            summary.seconds = time.perf_counter() - started
        return summary

    def _check_topic(self, consumer: Consumer, topic: str) -> None:
        try:
            metadata = consumer.list_topics(topic, timeout=15)
        except KafkaException as exc:
            raise KafkaUnavailableError(
                f"cannot reach Kafka at {self.bootstrap}: {exc}",
                hint="start the managed broker (`semgraph kafka start`) or set "
                "SEMGRAPH_KAFKA_BOOTSTRAP_SERVERS",
            ) from None
        found = metadata.topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            raise KafkaUnavailableError(
                f"topic `{topic}` does not exist on {self.bootstrap}",
                hint="check the name, or create the topic (producing to it creates it when "
                "the broker allows)",
            )

    @staticmethod
    def _failed(message: Message) -> bool:
        error = message.error()
        if error is None:
            return False
        if error.fatal():
            raise KafkaUnavailableError(f"the Kafka consumer failed: {error}")
        log.warning("Kafka: %s", error)
        return True

    def _sync_batch(
        self,
        consumer: Consumer,
        system: str,
        table: str,
        messages: list[Message],
        summary: StreamSummary,
    ) -> None:
        by_partition: dict[int, list[Message]] = {}
        for message in messages:
            by_partition.setdefault(message.partition() or 0, []).append(message)
        next_offsets: dict[int, int] = {}
        for partition, part in sorted(by_partition.items()):
            records = [_record(m) for m in part]
            offsets = [m.offset() or 0 for m in part]
            result, outcomes = self.service.run_records(
                system,
                table,
                records,  # a text that is not a JSON object is rejected as such
                source=f"kafka {summary.topic}[{partition}]",
                run_id=summary.run_id,
                positions=offsets,
                position_name="offsets",
            )
            for message, record, outcome in zip(part, records, outcomes, strict=True):
                if outcome["status"] == "rejected":
                    self.rejects.write(_rejected(message, record, outcome))
            summary.records += len(part)
            for name in ("created", "updated", "unchanged", "rejected"):
                setattr(summary, name, getattr(summary, name) + result.total(name))
            summary.batches += result.batches
            summary.change_events += result.change_events
            summary.warnings += result.warnings
            next_offsets[partition] = offsets[-1] + 1
        self.rejects.flush()
        if self.on_batch_committed is not None:
            self.on_batch_committed(StreamBatch(next_offsets, len(messages)))
        try:
            consumer.commit(
                offsets=[TopicPartition(summary.topic, p, o) for p, o in next_offsets.items()],
                asynchronous=False,
            )
        except KafkaException as exc:
            raise KafkaUnavailableError(
                f"the batch up to offsets {next_offsets} is in Neo4j, but committing its "
                f"offsets failed: {exc}",
                hint="restart the sync when the broker is back: it reads those messages "
                "again and, as they are already in the graph, writes nothing",
            ) from None
        summary.committed.update(next_offsets)


def _record(message: Message) -> Any:
    """The message's JSON object, or its text when it is not one (the sync rejects it)."""
    raw = message.value()
    if raw is None:
        return "(an empty message)"
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return text
    return parsed if isinstance(parsed, dict) else text


def _rejected(message: Message, record: Any, outcome: dict[str, Any]) -> RejectedMessage:
    key = message.key()
    return RejectedMessage(
        topic=message.topic() or "",
        partition=message.partition() or 0,
        offset=message.offset() or 0,
        key=key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key,
        field=outcome.get("field", ""),
        value=outcome.get("value", ""),
        reason=outcome.get("reason", ""),
        record=record,
    )

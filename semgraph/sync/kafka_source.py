"""The Kafka source of the sync: JSON messages of a topic, one record each, through the one door.

A thin adapter over ``SyncService.run_records``: the consumer takes up to ``batch_size``
messages, syncs each partition's share as records (their offsets cited in the change
events' reason, e.g. ``kafka crm.accounts[0] offsets 40-79``), writes the rejects and
makes them durable, and only then commits the offsets after the batch. Offsets are never
committed automatically, so a consumer that dies between the Neo4j commit and the offset
commit reads those messages again on restart; they map to what the graph already holds,
so they write nothing and record no second change event.

While Neo4j is unavailable the batch in hand waits behind the sync's circuit breaker (its
offsets uncommitted) and is tried again when Neo4j is back, for at most ``max_wait_s``.
While the broker is away a second breaker (``broker_breaker``) is open: the consumer
keeps polling (the client reconnects by itself), an offset commit waits for it, and the
stream goes on where it was when the broker returns.
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

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from semgraph.exceptions import KafkaUnavailableError
from semgraph.sync.breaker import BreakerState, CircuitBreaker
from semgraph.sync.errors import SyncUnavailableError
from semgraph.sync.kafka_rejects import RejectedMessage, RejectsSink
from semgraph.sync.pause import Outage, unavailable_cause
from semgraph.sync.service import SyncService

log = logging.getLogger("semgraph.sync.kafka")
_client_log = logging.getLogger("semgraph.kafka.client")
_FINAL = frozenset({"created", "updated", "unchanged", "rejected"})
"""Outcomes a record keeps; ``not_kept`` and ``unknown`` ones are tried again."""
_BROKERS_DOWN = frozenset({KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT})
_REJOINED = frozenset(
    {
        KafkaError.UNKNOWN_MEMBER_ID,
        KafkaError.ILLEGAL_GENERATION,
        KafkaError.REBALANCE_IN_PROGRESS,
        KafkaError._ASSIGNMENT_LOST,
    }
)
_REREAD = "the consumer group rebalanced; the batch is read again and writes nothing"
_KEPT = "what was committed stays; the batch's offsets are not committed"
_RESUME = (
    "start {what}, then run the same command again: it reads the batch again from the "
    "last committed offset, and what already landed writes nothing (--max-wait waits longer)"
)


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
    max_wait_s: float = 300.0
    """How long a batch waits for Neo4j, or an offset commit for the broker, before the
    stream stops (its offsets uncommitted)."""
    broker_breaker: CircuitBreaker = field(
        default_factory=lambda: CircuitBreaker(failures=1, cool_down_s=5.0)
    )
    """Open while the brokers cannot be reached (the client says all are down, or a
    commit fails); the container's logs its state."""

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
                "error_cb": self._client_error,
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
                    if not self._broker_answers(consumer, options.topic):
                        idle_since = time.monotonic()  # waiting for the broker is not idle
                    elif not assigned.is_set():
                        idle_since = time.monotonic()
                    elif (
                        options.until_idle_s is not None
                        and time.monotonic() - idle_since >= options.until_idle_s
                    ):
                        break
                    continue
                self.broker_breaker.success()
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

    def _failed(self, message: Message) -> bool:
        error = message.error()
        if error is None:
            return False
        if error.fatal():
            raise KafkaUnavailableError(f"the Kafka consumer failed: {error}")
        self._client_error(error)
        return True

    def _client_error(self, error: KafkaError) -> None:
        """The client's errors: brokers down open the broker breaker (it logs); the client
        keeps reconnecting by itself."""
        if error.code() in _BROKERS_DOWN:
            log.debug("Kafka: %s", error)
            if error.code() == KafkaError._ALL_BROKERS_DOWN:
                self.broker_breaker.failure()
            return
        log.warning("Kafka: %s", error)

    def _broker_answers(self, consumer: Consumer, topic: str) -> bool:
        """Whether the broker is known to answer; while its breaker is not closed, one
        metadata request probes it once per cool-down."""
        breaker = self.broker_breaker
        if breaker.state is BreakerState.CLOSED:
            return True
        if not breaker.allow():
            return False
        try:
            consumer.list_topics(topic, timeout=2)
        except KafkaException:
            breaker.failure()
            return False
        breaker.success()
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
            self._sync_partition(system, table, partition, part, summary)
            next_offsets[partition] = (part[-1].offset() or 0) + 1
        self.rejects.flush()
        if self.on_batch_committed is not None:
            self.on_batch_committed(StreamBatch(next_offsets, len(messages)))
        if self._commit(consumer, summary, next_offsets):
            summary.committed.update(next_offsets)

    def _sync_partition(
        self, system: str, table: str, partition: int, part: list[Message], summary: StreamSummary
    ) -> None:
        """Sync one partition's messages; while Neo4j is away, wait and try those not kept
        again (what committed before the outage keeps its outcome)."""
        records = [_record(m) for m in part]
        offsets = [m.offset() or 0 for m in part]
        outcomes: dict[int, dict[str, Any]] = {}
        todo = list(range(len(part)))
        source = f"kafka {summary.topic}[{partition}]"
        paused_from = offsets[0]
        outage = Outage(
            "Neo4j",
            self.max_wait_s,
            lambda: f"{system}.{table} {source} from offset {paused_from}",
            kept=_KEPT,
            hint=_RESUME.format(what="Neo4j (`semgraph neo4j start`)"),
        )
        while todo:
            down: SyncUnavailableError | None = None
            try:
                result, got = self.service.run_records(
                    system,
                    table,
                    [records[i] for i in todo],  # a text that is not a JSON object is rejected
                    source=source,
                    run_id=summary.run_id,
                    positions=[offsets[i] for i in todo],
                    position_name="offsets",
                )
            except SyncUnavailableError as unavailable:
                down = unavailable
                result, got = unavailable.summary, unavailable.outcomes
            for index, outcome in zip(todo, got, strict=True):
                if outcome["status"] in _FINAL:
                    outcomes[index] = outcome
            for name in ("created", "updated", "unchanged", "rejected"):
                setattr(summary, name, getattr(summary, name) + result.total(name))
            summary.batches += result.batches
            summary.change_events += result.change_events
            summary.warnings += result.warnings
            todo = [i for i in todo if i not in outcomes]
            if down is not None and todo:
                if outage.paused_at is None:
                    paused_from = offsets[todo[0]]
                outage.wait(unavailable_cause(down), self.service.breaker.retry_after_s())
        outage.resumed()
        for index, message in enumerate(part):
            if outcomes[index]["status"] == "rejected":
                self.rejects.write(_rejected(message, records[index], outcomes[index]))
        summary.records += len(part)

    def _commit(
        self, consumer: Consumer, summary: StreamSummary, next_offsets: dict[int, int]
    ) -> bool:
        """Commit the batch's offsets; while the broker is away, wait for it. False when the
        group rebalanced meanwhile (the commit is refused, the batch will be read again)."""
        outage = Outage(
            "the Kafka broker",
            self.max_wait_s,
            lambda: f"committing offsets {next_offsets} of {summary.topic}",
            kept="the batch is in Neo4j but its offsets are not committed",
            hint=_RESUME.format(what="the broker (`semgraph kafka start`)"),
        )
        while True:
            try:
                consumer.commit(
                    offsets=[TopicPartition(summary.topic, p, o) for p, o in next_offsets.items()],
                    asynchronous=False,
                )
            except KafkaException as exc:
                code = (
                    exc.args[0].code() if exc.args and isinstance(exc.args[0], KafkaError) else None
                )
                if code in _REJOINED:
                    # the group moved on without us: the batch is read again and, being in
                    # the graph already, writes nothing; retrying this commit cannot succeed
                    log.warning("Kafka: the offset commit was refused (%s): %s", exc, _REREAD)
                    return False
                self.broker_breaker.failure()
                outage.wait(str(exc.args[0] if exc.args else exc), self.broker_breaker.cool_down_s)
                continue
            self.broker_breaker.success()
            outage.resumed()
            return True


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

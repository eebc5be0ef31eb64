"""Where the Kafka source puts the messages it rejects: a rejects topic or a JSON Lines file.

Each reject is one JSON object: the message's ``topic``, ``partition``, ``offset`` and
``key``, the source ``field`` at fault, its ``value``, the ``reason``, and the ``record``
as it came (the parsed object, or the raw text when it was not a JSON object). Rejects are
made durable (``flush``) before the consumer commits the offsets they came from, so a
rejected message is never lost; after a crash between the two it may be written again.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from semgraph.exceptions import KafkaUnavailableError

_client_log = logging.getLogger("semgraph.kafka.client")


@dataclass(frozen=True)
class RejectedMessage:
    """One message the sync refused, and why."""

    topic: str
    partition: int
    offset: int
    key: str | None
    field: str
    value: str
    reason: str
    record: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key,
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
            "record": self.record,
        }


class RejectsSink(Protocol):
    def write(self, reject: RejectedMessage) -> None: ...

    def flush(self) -> None:
        """Make every reject written so far durable (raises KafkaUnavailableError)."""

    def close(self) -> None: ...


class RejectsFile:
    """Rejects appended to a JSON Lines file; a message already in it is not written again
    (a restarted consumer reads the messages after its last committed offset again)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: set[tuple[str, int, int]] = set()
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                for text in handle:
                    try:
                        row = json.loads(text)
                        self._known.add((row["topic"], int(row["partition"]), int(row["offset"])))
                    except (ValueError, KeyError, TypeError):
                        continue
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    def write(self, reject: RejectedMessage) -> None:
        where = (reject.topic, reject.partition, reject.offset)
        if where in self._known:
            return
        self._known.add(where)
        self._handle.write(json.dumps(reject.as_dict(), ensure_ascii=False, default=str) + "\n")

    def flush(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


class RejectsTopic:
    """Rejects produced to a topic (created with one partition when missing), keyed by
    ``topic/partition/offset`` of the rejected message."""

    def __init__(self, bootstrap: str, topic: str, *, timeout_s: float = 30.0) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.timeout_s = timeout_s
        self._errors: list[str] = []
        self._producer: Producer | None = None

    def _open(self) -> Producer:
        """The producer, made with the topic on the first reject (a run with none needs
        neither, and an unreachable broker is reported by the consumer first)."""
        if self._producer is None:
            config: dict[str, str | int | float | bool] = {"bootstrap.servers": self.bootstrap}
            _create_topic(AdminClient(config, logger=_client_log), self.topic, self.timeout_s)
            self._producer = Producer({**config, "enable.idempotence": True}, logger=_client_log)
        return self._producer

    def _delivered(self, error: KafkaError | None, _message: Any) -> None:
        if error is not None:
            self._errors.append(str(error))

    def write(self, reject: RejectedMessage) -> None:
        producer = self._open()
        producer.produce(
            self.topic,
            key=f"{reject.topic}/{reject.partition}/{reject.offset}".encode(),
            value=json.dumps(reject.as_dict(), ensure_ascii=False, default=str).encode(),
            on_delivery=self._delivered,
        )
        producer.poll(0)

    def flush(self) -> None:
        if self._producer is None:
            return
        left = self._producer.flush(self.timeout_s)
        if left or self._errors:
            detail = "; ".join(self._errors[:3]) or f"{left} rejects not acknowledged"
            self._errors.clear()
            raise KafkaUnavailableError(
                f"could not write rejects to topic `{self.topic}`: {detail}",
                hint="check the broker (`semgraph kafka status`); the batch's offsets were not "
                "committed, so a restart reads its messages again",
            )

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(self.timeout_s)


def _create_topic(admin: AdminClient, topic: str, timeout_s: float) -> None:
    future = admin.create_topics([NewTopic(topic, 1)], request_timeout=timeout_s)[topic]
    try:
        future.result(timeout=timeout_s)
    except KafkaException as exc:
        error = exc.args[0] if exc.args else None
        if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return
        raise KafkaUnavailableError(
            f"could not create the rejects topic `{topic}`: {exc}",
            hint="create it yourself, or use --rejects-file",
        ) from None

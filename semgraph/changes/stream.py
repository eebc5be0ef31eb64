"""``ChangeStream``: committed changes as a live in-process feed (GraphQL ``changes``).

``publish`` is the pipeline's ``on_event`` for ``ChangeCommitted``: thread-safe, never
blocks (the pipeline runs in worker threads). ``subscribe`` is an async iterator for
the API's event loop. Live only — a subscriber sees commits made while it listens, in
this process; the audit trail (``AuditTrail``) is the durable record. A slow
subscriber loses its oldest events rather than slowing writers down.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from semgraph.changes.events import ChangeCommitted


@dataclass
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[ChangeCommitted]
    entity_type: str | None

    def wants(self, event: ChangeCommitted) -> bool:
        return self.entity_type is None or any(
            cls == self.entity_type for _, cls, _ in event.touched
        )

    def offer(self, event: ChangeCommitted) -> None:  # runs on the subscriber's loop
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)


class ChangeStream:
    """Fan-out of ``ChangeCommitted`` events to async subscribers, by entity class."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._subscribers: list[_Subscriber] = []
        self._lock = threading.Lock()

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, event: object) -> int:
        """Hand a ``ChangeCommitted`` to every interested subscriber (other events: ignored)."""
        if not isinstance(event, ChangeCommitted):
            return 0
        with self._lock:
            targets = [s for s in self._subscribers if s.wants(event)]
        for sub in targets:
            try:
                sub.loop.call_soon_threadsafe(sub.offer, event)
            except RuntimeError:  # that subscriber's loop is closed
                self._remove(sub)
        return len(targets)

    def subscribe(self, entity_type: str | None = None) -> ChangeSubscription:
        """Subscribe now, on the event loop that will iterate; ``close()`` when done.

        Yields commits that touched an entity of class ``entity_type`` (None: all).

        Raises:
            RuntimeError: no running event loop.
        """
        sub = _Subscriber(asyncio.get_running_loop(), asyncio.Queue(self.queue_size), entity_type)
        with self._lock:
            self._subscribers.append(sub)
        return ChangeSubscription(self, sub)

    def _remove(self, sub: _Subscriber) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)


class ChangeSubscription:
    """An async iterator of ``ChangeCommitted``; ``close()`` (or ``async with``) unsubscribes."""

    def __init__(self, stream: ChangeStream, sub: _Subscriber) -> None:
        self._stream, self._sub = stream, sub

    def __aiter__(self) -> ChangeSubscription:
        return self

    async def __anext__(self) -> ChangeCommitted:
        return await self._sub.queue.get()

    def close(self) -> None:
        self._stream._remove(self._sub)

    async def __aenter__(self) -> ChangeSubscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

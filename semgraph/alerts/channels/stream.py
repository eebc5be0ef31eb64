"""``AlertStream``: in-process pub/sub of alert messages, for live GraphQL subscriptions.

``publish`` is thread-safe and never blocks (the pipeline calls it after a commit, from
any thread); ``subscribe`` is an async iterator for the API's event loop. The stream is
live only: a subscriber sees what is published while it listens. Durable delivery is
the webhook and e-mail outbox's job. A slow subscriber loses its oldest items rather
than slowing the publisher down.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from semgraph.alerts.model import RISK_ORDER, AlertMessage


@dataclass
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[AlertMessage]
    role: str | None
    min_risk: int

    def wants(self, message: AlertMessage) -> bool:
        if self.role is not None and not message.for_role(self.role):
            return False
        return RISK_ORDER.get(message.risk_level, 1) >= self.min_risk

    def offer(self, message: AlertMessage) -> None:  # runs on the subscriber's loop
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(message)


class AlertStream:
    """Fan-out of ``AlertMessage`` to async subscribers, filtered by role and risk level."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._subscribers: list[_Subscriber] = []
        self._lock = threading.Lock()

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, message: AlertMessage) -> int:
        """Hand ``message`` to every interested subscriber; returns how many."""
        with self._lock:
            targets = [s for s in self._subscribers if s.wants(message)]
        for sub in targets:
            try:
                sub.loop.call_soon_threadsafe(sub.offer, message)
            except RuntimeError:  # that subscriber's loop is closed
                self._remove(sub)
        return len(targets)

    def subscribe(
        self, role: str | None = None, min_severity: str | None = None
    ) -> AlertSubscription:
        """Subscribe now (call it on the event loop that will iterate); close when done.

        Yields messages for ``role`` (None: all) at or above the risk level
        ``min_severity`` (low, medium, high, highest), published after this call::

            async with stream.subscribe(role="finance_lead", min_severity="high") as sub:
                async for message in sub: ...

        Raises:
            ValueError: ``min_severity`` is not a risk level.
            RuntimeError: no running event loop.
        """
        if min_severity is not None and min_severity not in RISK_ORDER:
            raise ValueError(f"min_severity must be one of {', '.join(RISK_ORDER)}")
        sub = _Subscriber(
            loop=asyncio.get_running_loop(),
            queue=asyncio.Queue(self.queue_size),
            role=role,
            min_risk=RISK_ORDER[min_severity] if min_severity else 0,
        )
        with self._lock:
            self._subscribers.append(sub)
        return AlertSubscription(self, sub)

    def _remove(self, sub: _Subscriber) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)


class AlertSubscription:
    """An async iterator of ``AlertMessage``; ``close()`` (or ``async with``) unsubscribes."""

    def __init__(self, stream: AlertStream, sub: _Subscriber) -> None:
        self._stream, self._sub = stream, sub

    def __aiter__(self) -> AlertSubscription:
        return self

    async def __anext__(self) -> AlertMessage:
        return await self._sub.queue.get()

    def close(self) -> None:
        self._stream._remove(self._sub)

    async def __aenter__(self) -> AlertSubscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

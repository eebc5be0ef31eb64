"""``Broadcast``: in-process, live fan-out from worker threads to asyncio subscribers.

``publish`` is thread-safe and never blocks (the change pipeline calls it after a commit,
from any thread); ``subscribe`` returns an async iterator for the API's event loop. Live
only: a subscriber sees what is published while it listens, in this process; durable
records are elsewhere (the audit trail, the alert outbox). A slow subscriber loses its
oldest items rather than slowing the publisher down.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Subscriber(Generic[T]):
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[T]
    wants: Callable[[T], bool]

    def offer(self, item: T) -> None:  # runs on the subscriber's loop
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(item)


class Broadcast(Generic[T]):
    """Fan-out of items to async subscribers, each with its own filter."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._subscribers: list[_Subscriber[T]] = []
        self._lock = threading.Lock()

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, item: T) -> int:
        """Hand ``item`` to every subscriber that wants it; returns how many."""
        with self._lock:
            targets = [s for s in self._subscribers if s.wants(item)]
        for sub in targets:
            try:
                sub.loop.call_soon_threadsafe(sub.offer, item)
            except RuntimeError:  # that subscriber's loop is closed
                self._remove(sub)
        return len(targets)

    def subscribe(self, wants: Callable[[T], bool] | None = None) -> Subscription[T]:
        """Subscribe now, on the event loop that will iterate; ``close()`` when done.

        Raises:
            RuntimeError: no running event loop.
        """
        sub: _Subscriber[T] = _Subscriber(
            asyncio.get_running_loop(), asyncio.Queue(self.queue_size), wants or (lambda _: True)
        )
        with self._lock:
            self._subscribers.append(sub)
        return Subscription(self, sub)

    def _remove(self, sub: _Subscriber[T]) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)


class Subscription(Generic[T]):
    """An async iterator of published items; ``close()`` (or ``async with``) unsubscribes."""

    def __init__(self, broadcast: Broadcast[T], sub: _Subscriber[T]) -> None:
        self._broadcast, self._sub = broadcast, sub

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        return await self._sub.queue.get()

    def close(self) -> None:
        self._broadcast._remove(self._sub)

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

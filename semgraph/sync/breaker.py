"""A circuit breaker in front of Neo4j for the sync sources (file, HTTP push).

``closed``: calls go through. After ``failures`` consecutive calls that found Neo4j
unavailable it turns ``open``: calls are refused at once (an HTTP push answers 503 with
Retry-After, a file sync waits) for ``cool_down_s``. Then it is ``half_open``: one call
(the probe) may try; its success closes the breaker, its failure opens it again for
another cool-down. No I/O here; the clock is injected so tests can drive it.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from neo4j.exceptions import DatabaseUnavailable, ServiceUnavailable, SessionExpired


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says Neo4j cannot be reached right now (server down, connection
    refused or lost, database stopping), as opposed to an answer Neo4j gave."""
    unavailable = (ServiceUnavailable, SessionExpired, DatabaseUnavailable, ConnectionError)
    seen: BaseException | None = exc
    while seen is not None:  # the driver wraps a refused socket in its own errors
        if isinstance(seen, unavailable):
            return True
        seen = seen.__cause__
    return False


@dataclass
class CircuitBreaker:
    """Thread-safe; one per process, shared by every sync source writing to one Neo4j."""

    failures: int = 3
    """Consecutive unavailability failures that open the breaker."""
    cool_down_s: float = 5.0
    """How long the breaker stays open before it lets one probe through."""
    clock: Callable[[], float] = time.monotonic
    on_change: Callable[[BreakerState], None] | None = None
    """Called with the new state after each transition (metrics, logs)."""

    _state: BreakerState = field(default=BreakerState.CLOSED, init=False)
    _failed: int = field(default=0, init=False)
    _opened_at: float = field(default=0.0, init=False)
    _probing: bool = field(default=False, init=False)
    # re-entrant: ``on_change`` may read the state it is told about
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.failures < 1:
            raise ValueError("a circuit breaker needs at least 1 failure to open")
        if self.cool_down_s < 0:
            raise ValueError("the cool-down cannot be negative")

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._current()

    def retry_after_s(self) -> float:
        """Seconds until a call may be tried again: 0 when closed or half-open."""
        with self._lock:
            if self._current() is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self._opened_at + self.cool_down_s - self.clock())

    def allow(self) -> bool:
        """Whether a call may go to Neo4j now. In ``half_open`` only one caller at a time
        gets True (the probe); it must report back with ``success``, ``failure`` or
        ``release``."""
        with self._lock:
            state = self._current()
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.HALF_OPEN and not self._probing:
                self._probing = True
                return True
            return False

    def success(self) -> None:
        """A call reached Neo4j: the breaker closes and the failure count starts over."""
        with self._lock:
            self._probing = False
            self._failed = 0
            self._move(BreakerState.CLOSED)

    def failure(self) -> None:
        """A call found Neo4j unavailable."""
        with self._lock:
            self._probing = False
            self._failed += 1
            state = self._current()
            if state is BreakerState.HALF_OPEN or (
                state is BreakerState.CLOSED and self._failed >= self.failures
            ):
                self._opened_at = self.clock()
                self._move(BreakerState.OPEN)

    def release(self) -> None:
        """A call ended without telling whether Neo4j is up (it failed before any I/O):
        the probe slot is free again, nothing else changes."""
        with self._lock:
            self._probing = False

    # --- under the lock ------------------------------------------------------------------
    def _current(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self.clock() >= self._opened_at + self.cool_down_s:
            self._move(BreakerState.HALF_OPEN)
        return self._state

    def _move(self, state: BreakerState) -> None:
        if state is self._state:
            return
        self._state = state
        if self.on_change is not None:
            self.on_change(state)

"""Calls to Neo4j through the circuit breaker, and the file sync's wait behind it.

``through_breaker`` makes one attempt: refused at once while the breaker is open,
reported to it otherwise. ``waiting`` is what a file sync does: while Neo4j is away it
logs once, waits behind the breaker and tries again, for at most ``max_wait_s``; the
``Outage`` it keeps is what a Kafka stream keeps too, for Neo4j and for its broker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from neo4j.exceptions import IncompleteCommit

from semgraph.sync.breaker import CircuitBreaker, is_unavailable
from semgraph.sync.errors import SyncUnavailableError, SyncWaitExceededError

log = logging.getLogger("semgraph.sync")
T = TypeVar("T")
POLL_S = 0.25
"""How often a waiting sync looks again when the breaker gives no time (half-open while
another caller probes, or closed after fewer failures than open it)."""


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return type(exc).__name__ + (": " + text[0][:200].rstrip(": ") if text else "")


def through_breaker(breaker: CircuitBreaker, call: Callable[[], T]) -> T:
    """``call()`` unless the breaker is open; its outcome is reported to the breaker.

    Raises:
        SyncUnavailableError: the breaker is open, or ``call`` found Neo4j unavailable
            (``commit_unknown`` when the connection broke during a commit).
    """
    if not breaker.allow():
        wait = breaker.retry_after_s()
        raise SyncUnavailableError(
            f"Neo4j is unavailable (the sync's circuit breaker is {breaker.state})",
            retry_after_s=max(wait, POLL_S),
        )
    try:
        result = call()
    except BaseException as exc:
        if not is_unavailable(exc):
            breaker.release()
            raise
        breaker.failure()
        unknown = isinstance(exc, IncompleteCommit)
        # the driver's text names host and port: fine for a log, kept out of the message
        log.debug("Neo4j unavailable: %s", _reason(exc))
        raise SyncUnavailableError(
            "Neo4j became unavailable"
            + ("; whether the last batch committed is not known" if unknown else ""),
            retry_after_s=max(breaker.retry_after_s(), breaker.cool_down_s),
            commit_unknown=unknown,
        ) from exc
    breaker.success()
    return result


@dataclass
class Outage:
    """One source's pause while ``what`` (Neo4j, the Kafka broker) is away: one log line
    where it starts and one where it ends, no traceback, and at most ``max_wait_s`` of it.

    ``where()`` says in a few words what is paused; ``kept`` and ``hint`` end the error of a
    wait that ran out (what stays, and how to resume).
    """

    what: str
    max_wait_s: float
    where: Callable[[], str]
    kept: str = "what was committed stays, and the checkpoint is kept"
    hint: str = (
        "start Neo4j (`semgraph neo4j start`), then run the same command again: it resumes "
        "after the last committed line (--max-wait waits longer)"
    )
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    paused_at: float | None = field(default=None, init=False)

    def wait(self, cause: str, retry_after_s: float) -> None:
        """Log the pause (the first time), then sleep until the next try.

        Raises:
            SyncWaitExceededError: the outage has lasted ``max_wait_s``.
        """
        now = self.clock()
        if self.paused_at is None:
            self.paused_at = now
            log.warning(
                "%s is unavailable (%s): %s paused; waiting up to %.0f s for it to come back",
                self.what,
                cause,
                self.where(),
                self.max_wait_s,
            )
        left = self.paused_at + self.max_wait_s - now
        if left <= 0:
            raise SyncWaitExceededError(
                f"{self.what} did not come back within {self.max_wait_s:.0f} s: "
                f"{self.where()} stopped; {self.kept}",
                hint=self.hint,
            ) from None
        self.sleep(min(max(retry_after_s, POLL_S), left))

    def resumed(self) -> None:
        """Log the end of the pause, if there was one; the next outage starts afresh."""
        if self.paused_at is not None:
            log.warning(
                "%s is back: %s resumes (paused %.1f s)",
                self.what,
                self.where(),
                self.clock() - self.paused_at,
            )
        self.paused_at = None


def unavailable_cause(down: SyncUnavailableError) -> str:
    """The driver's reason when there is one, else the breaker's."""
    return _reason(down.__cause__) if down.__cause__ else down.message


def waiting(
    breaker: CircuitBreaker,
    call: Callable[[], T],
    *,
    max_wait_s: float,
    where: Callable[[], str],
    on_retry: Callable[[SyncUnavailableError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()`` through the breaker; while Neo4j is unavailable, wait and try again.

    ``where()`` says in a few words what is paused (for the log). ``on_retry`` runs after
    each failed attempt, before the wait (to undo what the attempt left half done).

    Raises:
        SyncWaitExceededError: Neo4j stayed away for more than ``max_wait_s`` seconds.
    """
    outage = Outage("Neo4j", max_wait_s, where, clock=breaker.clock, sleep=sleep)
    while True:
        try:
            result = through_breaker(breaker, call)
        except SyncUnavailableError as down:
            if on_retry is not None:
                on_retry(down)
            outage.wait(unavailable_cause(down), breaker.retry_after_s())
            continue
        outage.resumed()
        return result

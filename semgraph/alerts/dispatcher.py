"""``AlertDispatcher``: sends the outbox's pending deliveries, safely across replicas.

One round (``run_once``):

1. **claim** due deliveries in a write transaction: lock, re-check, then set
   ``claimedBy`` and a lease. Two dispatchers (threads, processes or replicas) never
   hold the same delivery; a dispatcher that dies loses its claims when the lease ends;
2. **send** them outside any transaction, concurrently, each within its channel timeout;
3. **record** the outcomes in one transaction: delivered; or a retry at an exponential
   backoff with jitter; or dead-lettered after ``max_attempts`` or a permanent refusal.

Deliveries a change wrote already claimed by this dispatcher (``send_claimed``) skip the
claim: they are sent as the change commits, and their outcomes are recorded in batches:
each batch lingers ``record_linger_s`` (50 ms) for the deliveries sent meanwhile, so under
load one transaction records many.

A delivery can be sent twice only when a dispatcher dies (or stalls past its lease)
between sending and recording; its ``Idempotency-Key`` lets the receiver drop the repeat.
The loop thread (``start``/``stop``) runs a round whenever ``wake()`` is called (after a
commit that left deliveries unclaimed) and at least every ``poll_interval_s``, and sweeps
escalations.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from semgraph.alerts import queries as q
from semgraph.alerts.channels.base import AlertChannel, DeliveryError
from semgraph.alerts.model import AlertMessage, ClaimedDelivery
from semgraph.alerts.settings import AlertSettings
from semgraph.metrics import ALERT_DELIVERIES, ALERT_DELIVERY_LATENCY

log = logging.getLogger(__name__)


@dataclass
class RoundReport:
    """What one ``run_once`` did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    escalated: int = 0
    errors: list[str] = field(default_factory=list)


def _observe_delivery(delivery: ClaimedDelivery) -> None:
    """Commit→delivery latency: from the raising change's time to now."""
    try:
        changed = dt.datetime.fromisoformat(delivery.message.changed_at)
    except ValueError:
        return
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=dt.UTC)
    seconds = (dt.datetime.now(dt.UTC) - changed).total_seconds()
    ALERT_DELIVERY_LATENCY.labels(delivery.channel).observe(max(seconds, 0.0))


def backoff_ms(attempt: int, settings: AlertSettings, rng: random.Random) -> int:
    """Delay before retry ``attempt + 1``: base·2^(attempt-1), capped, with ±25 % jitter."""
    delay = min(settings.backoff_cap_s, settings.backoff_base_s * 2 ** max(attempt - 1, 0))
    return int(delay * 1000 * rng.uniform(0.75, 1.25))


class AlertDispatcher:
    """Claims, sends and records deliveries; ``run_once`` for tests, ``start`` for a loop."""

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str,
        settings: AlertSettings,
        channels: Mapping[str, AlertChannel],
        *,
        escalate: Callable[[], int] | None = None,
        worker_id: str | None = None,
        on_sent: Callable[[ClaimedDelivery], None] | None = None,
    ) -> None:
        self.driver, self.database, self.settings = driver, database, settings
        self.channels = dict(channels)
        self.escalate = escalate
        self.worker_id = worker_id or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self.on_sent = on_sent
        self._rng = random.Random()
        self._pool = ThreadPoolExecutor(settings.send_concurrency, thread_name_prefix="alert-send")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_sweep = 0.0
        self._outcomes: list[dict[str, Any]] = []  # sent, not yet recorded (send_claimed)
        self._outcomes_lock = threading.Lock()
        self._recording = False

    # --- one round ---------------------------------------------------------------------
    def run_once(self, limit: int | None = None) -> RoundReport:
        """Claim up to ``limit`` due deliveries, send them, record the outcomes."""
        report = RoundReport()
        claimed = self._claim(limit or self.settings.batch_size)
        report.claimed = len(claimed)
        if not claimed:
            return report
        rows = list(self._pool.map(self._send, claimed))
        with self.driver.session(database=self.database) as session:
            statuses = session.execute_write(self._record, rows)
        for row in rows:
            status = statuses.get(row["id"])
            if status == "delivered":
                report.delivered += 1
            elif status == "dead":
                report.dead += 1
                log.warning("delivery %s dead-lettered: %s", row["id"], row["error"])
            elif status == "pending":
                report.retried += 1
            if row["error"]:
                report.errors.append(row["error"])
        return report

    def drain(self, timeout_s: float = 30.0) -> RoundReport:
        """Run rounds until nothing is due (tests and benchmarks); sums the reports."""
        total = RoundReport()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            r = self.run_once()
            total.claimed += r.claimed
            total.delivered += r.delivered
            total.retried += r.retried
            total.dead += r.dead
            total.errors += r.errors
            if r.claimed == 0:
                break
        return total

    def _claim(self, limit: int) -> list[ClaimedDelivery]:
        def work(tx: neo4j.ManagedTransaction) -> list[ClaimedDelivery]:
            ids = [r["id"] for r in tx.run(q.DUE_DELIVERIES, limit=limit)]
            if not ids:
                return []
            ids.sort()  # lock in one global order: competing claimers cannot deadlock
            tx.run(q.LOCK_DELIVERIES, ids=ids, token=uuid.uuid4().hex).consume()
            lease_ms = int(self.settings.claim_lease_s * 1000)
            records = tx.run(q.CLAIM_LOCKED, ids=ids, worker=self.worker_id, lease_ms=lease_ms)
            return [
                ClaimedDelivery(
                    id=r["id"],
                    idempotency_key=r["key"],
                    channel=r["channel"],
                    target=r["target"],
                    attempts=r["attempts"],
                    message=AlertMessage.model_validate_json(r["payload"]),
                )
                for r in records
            ]

        with self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def _send(self, delivery: ClaimedDelivery) -> dict[str, Any]:
        started = time.perf_counter()
        channel = self.channels.get(delivery.channel)
        outcome, error, permanent = "delivered", None, False
        try:
            if channel is None:
                raise DeliveryError(f"channel `{delivery.channel}` is not configured here")
            channel.send(delivery)
        except DeliveryError as exc:
            outcome, error, permanent = "failed", str(exc), exc.permanent
        except Exception as exc:  # a bug in a channel must not kill the dispatcher
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        if outcome == "delivered":
            _observe_delivery(delivery)
            if self.on_sent is not None:
                self.on_sent(delivery)
        return {
            "id": delivery.id,
            "channel": delivery.channel,
            "outcome": outcome,
            "error": error,
            "permanent": permanent,
            "retry_ms": backoff_ms(delivery.attempts, self.settings, self._rng),
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }

    def _record(self, tx: neo4j.ManagedTransaction, rows: list[dict[str, Any]]) -> dict[str, str]:
        result = tx.run(
            q.RECORD_OUTCOMES,
            rows=rows,
            worker=self.worker_id,
            max_attempts=self.settings.max_attempts,
        )
        statuses = {r["id"]: r["status"] for r in result}
        for row in rows:
            if row["id"] in statuses:
                ALERT_DELIVERIES.labels(row["channel"], statuses[row["id"]]).inc()
        return statuses

    # --- the loop ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the loop thread is delivering (new deliveries may be born claimed)."""
        return self._thread is not None and self._thread.is_alive()

    def send_claimed(self, claimed: list[ClaimedDelivery]) -> None:
        """Send, off the caller's thread, deliveries a change wrote already claimed by
        this worker, and record the outcomes; a failure leaves them to a later round."""
        if claimed:
            self._pool.submit(self._send_and_record, claimed)

    def _send_and_record(self, claimed: list[ClaimedDelivery]) -> None:
        try:
            rows = [self._send(delivery) for delivery in claimed]
        except Exception:  # the lease runs out and a dispatcher round takes them over
            log.exception("sending %d just-committed deliveries failed", len(claimed))
            return
        with self._outcomes_lock:
            self._outcomes += rows
            if self._recording:
                return  # the thread recording now takes these in its next transaction
            self._recording = True
        self._record_outcomes()

    def _record_outcomes(self) -> None:
        """Record every outcome sent so far, one transaction per batch, until none is
        left. Each batch first lingers ``record_linger_s`` so that deliveries sent
        meanwhile share its transaction: under load one commit records many (the
        receivers already have them; only a crash in between resends one, which its
        idempotency key makes harmless)."""
        while True:
            if self.settings.record_linger_s:
                time.sleep(self.settings.record_linger_s)
            with self._outcomes_lock:
                rows, self._outcomes = self._outcomes, []
                if not rows:
                    self._recording = False
                    return
            try:
                with self.driver.session(database=self.database) as session:
                    session.execute_write(self._record, rows)
            except Exception:  # unrecorded: the lease runs out and a round resends them
                log.exception("recording %d delivery outcomes failed", len(rows))

    def wake(self) -> None:
        """Run a round now (called after a commit that wrote deliveries unclaimed)."""
        self._wake.set()

    def start(self) -> None:
        """Start the loop thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.worker_id, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the loop after the current round; channels stay open for ``run_once``."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self._pool.shutdown(wait=True)
        for channel in self.channels.values():
            channel.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            busy = False
            try:
                busy = self.run_once().claimed > 0
                self._sweep()
            except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as exc:
                log.warning("alert dispatcher: %s; retrying", type(exc).__name__)
                self._stop.wait(min(self.settings.poll_interval_s, 5.0))
            except Exception:  # keep delivering; the cause is logged
                log.exception("alert dispatcher round failed")
                self._stop.wait(min(self.settings.poll_interval_s, 5.0))
            if not busy:
                self._wake.wait(self.settings.poll_interval_s)

    def _sweep(self) -> None:
        now = time.monotonic()
        if self.escalate is None or now - self._last_sweep < self.settings.poll_interval_s:
            return
        self._last_sweep = now
        count = self.escalate()
        if count:
            log.info("escalated %d unacknowledged alert(s)", count)
            self._wake.set()

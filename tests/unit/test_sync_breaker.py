"""The sync's circuit breaker and the file sync's wait behind it, on a fake clock."""

from __future__ import annotations

import itertools
import logging

import pytest
from neo4j.exceptions import (
    ClientError,
    DatabaseUnavailable,
    IncompleteCommit,
    ServiceUnavailable,
    SessionExpired,
)

from semgraph.sync.breaker import BreakerState, CircuitBreaker, is_unavailable
from semgraph.sync.errors import SyncUnavailableError, SyncWaitExceededError
from semgraph.sync.pause import Outage, through_breaker, waiting


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def breaker(clock: FakeClock, failures: int = 3, cool_down_s: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker(failures=failures, cool_down_s=cool_down_s, clock=clock)


def down() -> None:
    raise ServiceUnavailable("Couldn't connect to 127.0.0.1:7687")


def test_it_opens_after_n_consecutive_failures_only() -> None:
    clock = FakeClock()
    b = breaker(clock)
    b.failure()
    b.failure()
    b.success()  # a success in between starts the count over
    b.failure()
    b.failure()
    assert b.state is BreakerState.CLOSED and b.allow()
    b.failure()
    assert b.state is BreakerState.OPEN
    assert not b.allow()
    assert b.retry_after_s() == pytest.approx(10.0)


def test_after_the_cool_down_one_probe_goes_and_its_success_closes(clock: FakeClock) -> None:
    b = breaker(clock, failures=1)
    b.failure()
    clock.now += 9.9
    assert b.state is BreakerState.OPEN and b.retry_after_s() == pytest.approx(0.1)
    clock.now += 0.1
    assert b.state is BreakerState.HALF_OPEN and b.retry_after_s() == 0.0
    assert b.allow(), "the probe"
    assert not b.allow(), "only one caller probes at a time"
    b.success()
    assert b.state is BreakerState.CLOSED and b.allow() and b.allow()


def test_a_failed_probe_opens_it_again_for_a_full_cool_down(clock: FakeClock) -> None:
    b = breaker(clock, failures=3)
    for _ in range(3):
        b.failure()
    clock.now += 10
    assert b.allow()
    b.failure()  # one failure is enough in half-open
    assert b.state is BreakerState.OPEN
    assert b.retry_after_s() == pytest.approx(10.0)


def test_a_probe_that_ends_without_a_verdict_frees_the_slot(clock: FakeClock) -> None:
    b = breaker(clock, failures=1)
    b.failure()
    clock.now += 10
    assert b.allow()
    b.release()
    assert b.state is BreakerState.HALF_OPEN and b.allow()


def test_every_transition_is_reported(clock: FakeClock) -> None:
    seen: list[BreakerState] = []
    b = CircuitBreaker(failures=1, cool_down_s=1, clock=clock, on_change=seen.append)
    b.failure()
    clock.now += 1
    b.allow()
    b.success()
    b.success()  # already closed: no transition
    assert seen == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]


def test_settings_it_cannot_work_with_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 failure"):
        CircuitBreaker(failures=0)
    with pytest.raises(ValueError, match="cool-down"):
        CircuitBreaker(cool_down_s=-1)


@pytest.mark.parametrize(
    "exc",
    [
        ServiceUnavailable("down"),
        SessionExpired("gone"),
        IncompleteCommit("cut off"),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_unavailability_is_told_from_an_answer(exc: BaseException) -> None:
    assert is_unavailable(exc)
    wrapped = RuntimeError("while syncing")
    wrapped.__cause__ = exc
    assert is_unavailable(wrapped)


def test_answers_of_neo4j_are_not_unavailability() -> None:
    assert not is_unavailable(ClientError("syntax"))
    assert not is_unavailable(ValueError("bad row"))
    assert is_unavailable(DatabaseUnavailable("stopping")), "a stopping database is"


def test_through_the_breaker_a_down_neo4j_counts_and_an_open_breaker_refuses_at_once(
    clock: FakeClock,
) -> None:
    b = breaker(clock, failures=2, cool_down_s=7)
    calls: list[int] = []

    def call() -> None:
        calls.append(1)
        down()

    for _ in range(2):
        with pytest.raises(SyncUnavailableError) as err:
            through_breaker(b, call)
        assert err.value.retry_after_s == pytest.approx(7)
        assert "127.0.0.1" not in err.value.message, "the driver's text stays in the log"
    with pytest.raises(SyncUnavailableError, match="circuit breaker is open"):
        through_breaker(b, call)
    assert len(calls) == 2, "an open breaker does not call Neo4j"


def test_a_commit_cut_off_is_of_unknown_outcome(clock: FakeClock) -> None:
    def cut() -> None:
        raise IncompleteCommit("connection lost during commit")

    with pytest.raises(SyncUnavailableError) as err:
        through_breaker(breaker(clock), cut)
    assert err.value.commit_unknown and "not known" in err.value.message


def test_an_error_that_is_not_unavailability_passes_and_does_not_count(
    clock: FakeClock,
) -> None:
    b = breaker(clock, failures=1)

    def bad() -> None:
        raise ValueError("a bug, or a refusal")

    with pytest.raises(ValueError):
        through_breaker(b, bad)
    assert b.state is BreakerState.CLOSED


def test_a_file_sync_waits_while_neo4j_is_away_and_goes_on_when_it_returns(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    b = breaker(clock, failures=2, cool_down_s=5)
    back_at = clock.now + 12
    attempts: list[float] = []
    undone: list[bool] = []

    def call() -> str:
        attempts.append(clock.now)
        if clock.now < back_at:
            down()
        return "committed"

    with caplog.at_level(logging.WARNING, "semgraph.sync"):
        result = waiting(
            b,
            call,
            max_wait_s=60,
            where=lambda: "CRM.Account a.csv from line 121",
            on_retry=lambda e: undone.append(e.commit_unknown),
            sleep=clock.sleep,
        )
    assert result == "committed" and b.state is BreakerState.CLOSED
    assert attempts[-1] >= back_at
    # closed: a quick second try (a stale pooled connection); open: nothing for 5 s
    assert attempts[1] - attempts[0] < 1
    assert all(later - earlier >= 5 for earlier, later in itertools.pairwise(attempts[1:]))
    assert undone == [False] * (len(attempts) - 1)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, "one line when it pauses, one when it resumes"
    assert "paused; waiting up to 60 s" in messages[0] and "line 121" in messages[0]
    assert "Neo4j is back: CRM.Account a.csv from line 121 resumes" in messages[1]
    assert all(r.exc_info is None for r in caplog.records), "no traceback"


def test_a_file_sync_gives_up_after_max_wait_with_what_to_do(clock: FakeClock) -> None:
    b = breaker(clock, failures=1, cool_down_s=5)
    start = clock.now
    with pytest.raises(SyncWaitExceededError) as err:
        waiting(b, down, max_wait_s=20, where=lambda: "ERP.KNA1 k.csv", sleep=clock.sleep)
    assert clock.now - start == pytest.approx(20), "it waits the bound, not longer"
    assert "did not come back within 20 s: ERP.KNA1 k.csv stopped" in err.value.message
    assert "checkpoint is kept" in err.value.message
    assert err.value.hint is not None and "resumes after the last committed line" in err.value.hint


def test_an_outage_logs_once_when_it_starts_and_once_when_it_ends_and_says_what_stays(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    outage = Outage(
        "the Kafka broker",
        10,
        lambda: "committing offsets {0: 40}",
        kept="the batch is in Neo4j but its offsets are not committed",
        hint="start the broker",
        clock=clock,
        sleep=clock.sleep,
    )
    with caplog.at_level(logging.WARNING, "semgraph.sync"):
        outage.wait("all brokers down", retry_after_s=4)
        outage.wait("all brokers down", retry_after_s=4)
        outage.resumed()
        outage.resumed()  # nothing to end any more
        outage.wait("all brokers down", retry_after_s=4)  # a new outage starts afresh
        with pytest.raises(SyncWaitExceededError) as err:
            for _ in range(4):
                outage.wait("all brokers down", retry_after_s=4)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:2] == [
        "the Kafka broker is unavailable (all brokers down): committing offsets {0: 40} "
        "paused; waiting up to 10 s for it to come back",
        "the Kafka broker is back: committing offsets {0: 40} resumes (paused 8.0 s)",
    ]
    assert len(messages) == 3, "one line per start and end, none per retry"
    assert clock.slept == [4, 4, 4, 4, 2], "the last wait ends at the bound"
    assert "within 10 s: committing offsets {0: 40} stopped; the batch is in Neo4j" in (
        err.value.message
    )
    assert err.value.hint == "start the broker"

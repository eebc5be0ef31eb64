"""The ``semgraph_data_*`` gauges as a scrape renders them, from data-health rows (no I/O)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from semgraph.metrics import DATA_HEALTH, watch_data_health
from semgraph.services.data_health import DataHealth, DataHealthService, FieldCompleteness

ROW = DataHealth(
    cls="Customer",
    system="CRM",
    records=10,
    completeness=(
        FieldCompleteness("email", False, 8, 0.8),
        FieldCompleteness("reportedCreditLimit", True, None, None, masked=True),
    ),
    last_synced_at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
    freshness_seconds=42.0,
    window_hours=24.0,
    runs=1,
    records_read=11,
    rejected=1,
    reject_rate=round(1 / 11, 6),
    duplicate_keys_in_runs=2,
    duplicate_match_keys=0,
)


@pytest.fixture(autouse=True)
def restore_source() -> Iterator[None]:
    before = DATA_HEALTH.source
    yield
    DATA_HEALTH.source = before


def samples() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(generate_latest().decode())
        for s in family.samples
        if s.name.startswith("semgraph_data_")
    }


def test_each_figure_is_a_gauge_labelled_by_class_and_system() -> None:
    watch_data_health(lambda: [ROW])
    found = samples()
    pair = {("class", "Customer"), ("system", "CRM")}
    assert found[("semgraph_data_records", frozenset(pair))] == 10
    assert (
        found[("semgraph_data_completeness_ratio", frozenset(pair | {("property", "email")}))]
        == 0.8
    )
    assert found[("semgraph_data_freshness_seconds", frozenset(pair))] == 42.0
    assert found[("semgraph_data_reject_ratio", frozenset(pair))] == pytest.approx(1 / 11)
    assert found[("semgraph_data_duplicate_keys", frozenset(pair | {("kind", "run")}))] == 2
    assert found[("semgraph_data_duplicate_keys", frozenset(pair | {("kind", "match_key")}))] == 0
    masked = frozenset(pair | {("property", "reportedCreditLimit")})
    assert ("semgraph_data_completeness_ratio", masked) not in found, "no share, no sample"


def test_a_failing_source_leaves_the_scrape_working_without_data_health() -> None:
    def broken() -> list[DataHealth]:
        raise ConnectionError("Neo4j went away")

    watch_data_health(broken)
    text = generate_latest().decode()
    assert "semgraph_data_records{" not in text
    assert "semgraph_neo4j_up" in text, "the rest of the scrape is served"


class SlowReports(DataHealthService):
    """Counts reports and holds each until released, as a busy Neo4j would."""

    def __init__(self) -> None:
        super().__init__(None, "neo4j", None, None)  # type: ignore[arg-type]
        self.calls = 0
        self.release = threading.Event()

    def report(self, *args: Any, **kwargs: Any) -> list[DataHealth]:
        self.calls += 1
        if self.calls > 1:
            self.release.wait(10)
        return [ROW] * self.calls


def test_a_scrape_gets_the_last_figures_at_once_while_stale_ones_refresh_behind() -> None:
    service = SlowReports()
    assert service.snapshot(max_age_s=60) == [ROW], "the first scrape computes them"
    assert service.snapshot(max_age_s=60) == [ROW] and service.calls == 1, "fresh: reused"
    started = time.monotonic()
    assert service.snapshot(max_age_s=0) == [ROW], "stale: served while a refresh runs"
    assert time.monotonic() - started < 1
    wait_for(lambda: service.calls == 2)  # the refresh is under way
    assert service.snapshot(max_age_s=0) == [ROW] and service.calls == 2, "one refresh at once"
    service.release.set()
    wait_for(lambda: service.snapshot(max_age_s=60) == [ROW, ROW])


def wait_for(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)

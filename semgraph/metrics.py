"""Prometheus metrics an operator charts, served at ``/metrics`` with the process metrics.

Each metric is recorded where its event happens (the GraphQL extension, the change
pipeline, the alert outbox and dispatcher, the retriever); this module only defines
them, so the whole list reads top to bottom here. Labels are bounded sets (operation
types, error codes, outcomes, channel names, source systems), never ids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

if TYPE_CHECKING:
    from semgraph.services.data_health import DataHealth

log = logging.getLogger("semgraph.metrics")

# Latency buckets in seconds: the change, GraphQL and RAG targets sit at 50 ms.
_FAST = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
_DELIVERY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0)

GRAPHQL_REQUESTS = Counter(
    "semgraph_graphql_requests_total",
    "GraphQL operations by type (query, mutation, subscription) and result code "
    "(OK or the first error's code).",
    ["operation", "code"],
)
GRAPHQL_LATENCY = Histogram(
    "semgraph_graphql_request_seconds",
    "Time to execute one GraphQL operation (parse to result), by type.",
    ["operation"],
    buckets=_FAST,
)

CHANGES = Counter(
    "semgraph_changes_total",
    "Change sets through the pipeline by outcome: committed, refused (a Violation), "
    "proposed (a dry run), conflict, forbidden (no write right), invalid.",
    ["outcome"],
)
CHANGE_VALIDATION = Histogram(
    "semgraph_change_validation_seconds",
    "pySHACL validation of one change set's neighbourhood.",
    buckets=_FAST,
)
CHANGE_COMMIT = Histogram(
    "semgraph_change_commit_seconds",
    "Neo4j commit of one change set's transaction.",
    buckets=_FAST,
)
CHANGE_TOTAL = Histogram(
    "semgraph_change_seconds",
    "One change set end to end in the pipeline (lock, write, validate, audit, commit).",
    buckets=_FAST,
)

ALERTS_RAISED = Counter(
    "semgraph_alerts_raised_total",
    "Risk alerts raised (opened or raised again) by committed changes, by risk level.",
    ["risk_level"],
)
ALERT_DELIVERIES = Counter(
    "semgraph_alert_deliveries_total",
    "Alert delivery attempts recorded, by channel and status: delivered, pending (a retry "
    "is due), dead (dead-lettered).",
    ["channel", "status"],
)
ALERT_DELIVERY_LATENCY = Histogram(
    "semgraph_alert_delivery_seconds",
    "From the change that raised the alert to its delivery, by channel.",
    ["channel"],
    buckets=_DELIVERY,
)

SYNC_RECORDS = Counter(
    "semgraph_sync_records_total",
    "Records a source-system sync handled, by source system and outcome "
    "(applied, unchanged, refused, failed).",
    ["source", "outcome"],
)

SYNC_BREAKER_STATE = Gauge(
    "semgraph_sync_breaker_state",
    "The sync's circuit breaker in front of Neo4j: 1 for the state it is in (closed, open, "
    "half_open), 0 for the others. Open: syncs wait and POST /ingest answers 503.",
    ["state"],
)
SYNC_BREAKER_OPENED = Counter(
    "semgraph_sync_breaker_opened_total",
    "Times the sync's circuit breaker opened (Neo4j unavailable for "
    "SEMGRAPH_SYNC_BREAKER_FAILURES consecutive calls, or its half-open probe failed).",
)

RAG_QUERY_LATENCY = Histogram(
    "semgraph_rag_query_seconds",
    "One retrieval (embedding, BM25, vector search, fusion) for grounded context.",
    buckets=_FAST,
)
RAG_INDEX_CHUNKS = Gauge(
    "semgraph_rag_index_chunks", "Chunks in the RAG index the service has open."
)

NEO4J_UP = Gauge(
    "semgraph_neo4j_up", "1 when Neo4j answered the last scrape's check, 0 when it did not."
)


def watch_neo4j(problem: Callable[[], str | None]) -> None:
    """Answer ``semgraph_neo4j_up`` at each scrape with ``problem()`` (None = reachable)."""
    NEO4J_UP.set_function(lambda: 0.0 if problem() else 1.0)


def watch_sync_breaker(state: Callable[[], str], states: Iterable[str]) -> None:
    """Answer ``semgraph_sync_breaker_state`` at each scrape from ``state()``."""

    def is_in(name: str) -> Callable[[], float]:
        return lambda: 1.0 if state() == name else 0.0

    for name in states:
        SYNC_BREAKER_STATE.labels(state=name).set_function(is_in(name))


class _DataHealthCollector:
    """Data health per class and source system, computed at scrape time from ``source``
    (``DataHealthService.snapshot``: cached, so scrapes do not each run the aggregates)."""

    def __init__(self) -> None:
        self.source: Callable[[], Sequence[DataHealth]] | None = None

    def describe(self) -> list[Metric]:
        return []  # the series depend on the data; nothing to declare up front

    def collect(self) -> Iterator[Metric]:
        if self.source is None:
            return
        try:
            rows = self.source()
        except Exception as exc:  # a scrape must not fail because one figure could not be had
            log.warning("data health not exported this scrape: %s", type(exc).__name__)
            return
        labels = ["class", "system"]
        records = GaugeMetricFamily(
            "semgraph_data_records",
            "Records (not inactive) a source system holds of a class.",
            labels=labels,
        )
        complete = GaugeMetricFamily(
            "semgraph_data_completeness_ratio",
            "Share of a system's records of a class whose entity (or record) holds each "
            "mapped property.",
            labels=[*labels, "property"],
        )
        fresh = GaugeMetricFamily(
            "semgraph_data_freshness_seconds",
            "Seconds since a record of the class was last read from the system.",
            labels=labels,
        )
        rejects = GaugeMetricFamily(
            "semgraph_data_reject_ratio",
            "Rejected / read records of the sync runs of the last 24 hours.",
            labels=labels,
        )
        duplicates = GaugeMetricFamily(
            "semgraph_data_duplicate_keys",
            "Duplicate keys: `run` rows whose key an earlier row of the same run had (last "
            "24 hours), `match_key` golden entities sharing a match key with another.",
            labels=[*labels, "kind"],
        )
        queue = GaugeMetricFamily(
            "semgraph_master_data_review_queue",
            "Duplicate candidate pairs of a class waiting for a person (between the two "
            "thresholds), as the graph holds them.",
            labels=["class"],
        )
        merged = CounterMetricFamily(
            "semgraph_master_data_auto_merges",
            "Merges of a class that matching made on its own (score at or above auto_merge), "
            "counted from the graph's merge records.",
            labels=["class"],
        )
        recent = GaugeMetricFamily(
            "semgraph_master_data_auto_merges_24h",
            "Of those, the merges made in the last 24 hours.",
            labels=["class"],
        )
        classes = {row.cls: row.master_data for row in rows}
        for cls, counts in sorted(classes.items()):
            queue.add_metric([cls], counts.review_queue)
            merged.add_metric([cls], counts.auto_merged)
            recent.add_metric([cls], counts.auto_merged_in_window)
        for row in rows:
            pair = [row.cls, row.system]
            records.add_metric(pair, row.records)
            for f in row.completeness:
                if f.share is not None:
                    complete.add_metric([*pair, f.property], f.share)
            if row.freshness_seconds is not None:
                fresh.add_metric(pair, row.freshness_seconds)
            if row.reject_rate is not None:
                rejects.add_metric(pair, row.reject_rate)
            duplicates.add_metric([*pair, "run"], row.duplicate_keys_in_runs)
            duplicates.add_metric([*pair, "match_key"], row.duplicate_match_keys)
        yield from (records, complete, fresh, rejects, duplicates, queue, merged, recent)


DATA_HEALTH = _DataHealthCollector()
REGISTRY.register(DATA_HEALTH)


def watch_data_health(source: Callable[[], Sequence[DataHealth]]) -> None:
    """Export ``source()`` (data health rows) as the ``semgraph_data_*`` gauges at each scrape."""
    DATA_HEALTH.source = source

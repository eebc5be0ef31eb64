"""Alert delivery benchmark: commit N alert-raising changes, time commit → webhook receipt.

    python bench/alerts.py --changes 500 [--rate 50] [--contracts 20] [--workers 8]

Starts its own managed Neo4j (temporary folder, free ports; removed at the end), a real
HTTP webhook receiver that verifies every signature and keeps idempotency keys, in a
process of its own as a real receiver is (it shares the machine's cores, not this
process's GIL; its CPU is reported apart), and the alert dispatcher in this process.
It builds ``--contracts`` contract worlds, then commits ``--changes`` SLA service-credit
changes (each raises a Warning) at ``--rate`` per second from ``--workers`` threads,
through the real pipeline (SHACL validation, audit, outbox), after ``--warmup`` untimed
changes at the same rate (a fresh Neo4j's JIT needs ~1,500 changes to settle: the
figures are of a running service, as the other benchmarks').

Latency of a delivery = time the webhook receiver got it − time its change committed
(taken in the pipeline's after-commit event). ``lost``: deliveries written by the outbox
that never reached the receiver; ``duplicates``: idempotency keys received more than once;
``conflicts_retried``: changes refused with ``ConflictError`` (eight writers on
``--contracts`` SLAs: another change to the SLA won), applied again as a client would.
The LAST line is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
from measure import cpu_seconds  # bench/measure.py, beside this script
from rich.console import Console
from rich.table import Table

# The benchmark reuses the test suite's world builder and receivers (repo root on the path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from semgraph.alerts import AlertSettings
from semgraph.bootstrap import Container
from semgraph.changes.events import ChangeCommitted
from semgraph.config import Settings
from semgraph.exceptions import ConflictError
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import free_port, scratch_settings
from tests.integration.alert_receivers import WebhookReceiver
from tests.integration.world import contract_world, update

SECRET = "bench-secret"


class ReceiverProcess:
    """``WebhookReceiver`` in a child process; ``snapshot()`` reads what it received."""

    def __init__(self, secret: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.port = free_port()
        self._process = context.Process(
            target=_serve_receiver, args=(secret, self.port, child), daemon=True
        )
        self._process.start()
        self._conn.recv()  # listening

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/semgraph"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def snapshot(self) -> tuple[dict[str, float], list[str]]:
        """Receipt time (epoch seconds) per idempotency key, and keys received again."""
        self._conn.send("snapshot")
        received: tuple[dict[str, float], list[str]] = self._conn.recv()
        return received

    def stop(self) -> None:
        if self._process.is_alive():
            self._conn.send("stop")
            self._process.join(10)


def _serve_receiver(secret: str, port: int, conn: Any) -> None:
    receiver = WebhookReceiver(secret, port=port).start()
    conn.send("ready")
    while conn.recv() != "stop":
        with receiver._lock:
            conn.send(({k: r.at for k, r in receiver.processed.items()}, list(receiver.repeats)))
    receiver.stop()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="changes per second")
    parser.add_argument("--contracts", type=int, default=20, help="SLAs the changes spread over")
    parser.add_argument("--workers", type=int, default=8, help="threads committing changes")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1500,
        help="changes committed first, at the same rate, untimed (Neo4j's JIT settles)",
    )
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="1g")
    args = parser.parse_args()
    console = Console(stderr=True)

    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-bench-alerts-"))
    settings = scratch_settings(data_dir, heap=args.heap, pagecache=args.pagecache)
    server = ManagedServer(settings)
    receiver = ReceiverProcess(SECRET)
    try:
        with console.status("starting Neo4j…"):
            server.start()
        result = run(settings, receiver, args, console, server.pid())
    finally:
        receiver.stop()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    table = Table(title=f"alert delivery: {args.changes} changes at {args.rate}/s")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, str(value))
    Console().print(table)
    print(json.dumps(result))


def run(
    settings: Settings,
    receiver: ReceiverProcess,
    args: argparse.Namespace,
    console: Console,
    neo4j_pid: int | None,
) -> dict[str, Any]:
    alert_settings = AlertSettings(
        _env_file=None,
        webhook_urls=[receiver.url],
        webhook_secret=SECRET,
        poll_interval_s=0.5,
        backoff_base_s=0.1,
    )
    c = Container(settings, alert_settings)
    c.ensure_schema()  # as `make up` does
    committed_at: dict[str, float] = {}
    pipeline = c.pipeline
    after_commit = pipeline.on_event

    def on_event(event: object) -> None:
        if isinstance(event, ChangeCommitted):
            committed_at[event.change_id] = time.time()
        if after_commit is not None:
            after_commit(event)

    pipeline.on_event = on_event
    outbox, outbox_ms = c.alerts.outbox, []

    def timed_outbox(tx: Any, change_set: Any, result: Any) -> None:
        t0 = time.perf_counter()
        outbox(tx, change_set, result)
        outbox_ms.append((time.perf_counter() - t0) * 1000)

    pipeline.tx_hooks[:] = [timed_outbox if h is outbox else h for h in pipeline.tx_hooks]
    with console.status(f"building {args.contracts} contracts…"):
        slas = [contract_world(pipeline)["sla"] for _ in range(args.contracts)]
        for sla in slas:  # warm-up: first validations compile the shapes' queries
            pipeline.apply(update(pipeline, "ServiceLevelAgreement", sla, serviceCreditPercent=15))
    c.dispatcher.drain()
    c.dispatcher.start()

    apply_ms: list[float] = []
    timings: dict[str, list[float]] = {}
    lock = threading.Lock()
    changed: list[str] = []
    conflicts = [0]

    def one(i: int, due: float, record: bool) -> None:
        time.sleep(max(0.0, due - time.monotonic()))
        sla = slas[i % len(slas)]
        t0 = time.perf_counter()
        while True:  # as a client does when told another change to the SLA won
            change = update(
                pipeline, "ServiceLevelAgreement", sla, serviceCreditPercent=20.0 + (i + 1) / 1000
            )
            try:
                result = pipeline.apply(change)
                break
            except ConflictError:
                with lock:
                    conflicts[0] += 1
        with lock:
            if record:
                apply_ms.append((time.perf_counter() - t0) * 1000)
                for k, v in result.timings_ms.items():
                    timings.setdefault(k, []).append(v)
            changed.append(change.id)

    def commit(count: int, first: int, record: bool) -> float:
        """Commit ``count`` changes at ``--rate`` from ``--workers`` threads; seconds taken."""
        start = time.monotonic()
        with ThreadPoolExecutor(args.workers) as pool:
            futures = [
                pool.submit(one, first + i, start + i / args.rate, record) for i in range(count)
            ]
            for f in futures:
                f.result()
        return time.monotonic() - start

    def delivered_keys(deadline_s: float) -> dict[str, str]:
        """Webhook deliveries of the changes committed so far (key → change), once the
        receiver has them all or ``deadline_s`` passed."""
        expected = {
            r["key"]: r["change"]
            for r in c.driver.execute_query(
                "MATCH (d:Delivery {channel: 'webhook'}) WHERE d.changeId IN $ids "
                "RETURN d.idempotencyKey AS key, d.changeId AS change",
                ids=changed,
            ).records
        }
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline and not set(expected) <= set(receiver.snapshot()[0]):
            time.sleep(0.05)
        return expected

    if args.warmup:
        # Neo4j's JIT and plan caches, and Python's, warm up on the same load; the API
        # also freezes its start-up objects out of the garbage collector.
        with console.status(f"warming up: {args.warmup} changes…"):
            commit(args.warmup, 0, record=False)
            delivered_keys(30)
        changed.clear()
        conflicts[0] = 0
        gc.collect()
        gc.freeze()
    baseline = set(receiver.snapshot()[0])
    cpu_before = cpu_seconds(None), cpu_seconds(neo4j_pid) if neo4j_pid else 0.0
    receiver_cpu_before = cpu_seconds(receiver.pid)
    # no spinner while measuring: its refresh thread would compete for the GIL
    console.print(f"committing {args.changes} changes at {args.rate}/s…")
    elapsed = commit(args.changes, args.warmup, record=True)
    python_cpu = cpu_seconds(None) - cpu_before[0]
    neo4j_cpu = (cpu_seconds(neo4j_pid) - cpu_before[1]) if neo4j_pid else float("nan")
    receiver_cpu = cpu_seconds(receiver.pid) - receiver_cpu_before
    expected = delivered_keys(30)
    c.dispatcher.stop()
    processed, repeats = receiver.snapshot()
    latencies = [
        (processed[key] - committed_at[change]) * 1000
        for key, change in expected.items()
        if key in processed and change in committed_at
    ]
    lost = len(set(expected) - set(processed))
    duplicates = len([k for k in repeats if k not in baseline])
    c.close()
    return {
        "changes": args.changes,
        "rate_target_per_s": args.rate,
        "rate_achieved_per_s": round(args.changes / elapsed, 1),
        "deliveries": len(expected),
        "apply_p50_ms": round(percentile(apply_ms, 50), 1),
        "apply_p99_ms": round(percentile(apply_ms, 99), 1),
        **{f"apply_{k}_mean_ms": round(statistics.mean(v), 1) for k, v in sorted(timings.items())},
        "apply_alert_outbox_mean_ms": round(statistics.mean(outbox_ms[-args.changes :]), 1),
        "commit_to_delivery_p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
        "lost": lost,
        "duplicates": duplicates,
        "conflicts_retried": conflicts[0],  # changes the pipeline refused with ConflictError
        # CPU each side spent per change while committing (2 cores bound the sum's rate)
        "python_cpu_ms_per_change": round(python_cpu / args.changes * 1000, 1),
        "neo4j_cpu_ms_per_change": round(neo4j_cpu / args.changes * 1000, 1),
        "receiver_cpu_ms_per_change": round(receiver_cpu / args.changes * 1000, 1),
        "load_average_1m": round(psutil.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()

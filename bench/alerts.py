"""Alert delivery benchmark: commit N alert-raising changes, time commit → webhook receipt.

    python bench/alerts.py --changes 500 [--rate 50] [--replicas 1] [--workers 8]

Starts its own managed Neo4j (temporary folder, free ports; removed at the end) and a
real HTTP webhook receiver that verifies every signature and keeps idempotency keys, in a
process of its own as a real receiver is (it shares the machine's cores, not semgraph's
GIL; its CPU is reported apart). It builds ``--contracts`` contract worlds, then commits
``--changes`` SLA service-credit changes (each raises a Warning) at ``--rate`` per second
from ``--workers`` threads, through the real pipeline (SHACL validation, audit, outbox)
and the real dispatcher, after ``--warmup`` untimed changes at the same rate (a fresh
Neo4j's JIT needs ~1,500 changes to settle: the figures are of a running service, as
the other benchmarks').

``--replicas 1`` commits in this process, one service process. ``--replicas N`` starts
N semgraph processes on the same Neo4j, as replicas behind a load balancer are (each its
own pipeline and dispatcher, change ``i`` going to replica ``i mod N``, the workers
split between them): a Python process is bound by its GIL (~0.8 of a core at 45
changes/s), so this is how a deployment gets more changes per second from more cores,
and it shows that replicas' dispatchers deliver nothing twice under load.

Latency of a delivery = time the webhook receiver got it − time its change committed
(taken in the pipeline's after-commit event). ``start_late_p99_ms``: how late changes
began against their schedule (it stays small while the processes keep up with
``--rate``). ``lost``: deliveries written by the outbox that never reached the receiver;
``duplicates``: idempotency keys received more than once; ``conflicts_retried``: changes
refused with ``ConflictError`` (writers racing on ``--contracts`` SLAs: another change
to the SLA won), applied again as a client would. The LAST line is one JSON object.
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
        "--replicas",
        type=int,
        default=1,
        help="semgraph processes sharing the changes (each its own pipeline and dispatcher)",
    )
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


class Committer:
    """Commits SLA service-credit changes through one process's pipeline, on schedule.

    Change ``i`` is due at ``start + i / rate``; with ``replicas`` processes, this one
    commits the changes with ``i % replicas == replica``, so together they keep the rate.
    """

    def __init__(self, c: Container, slas: list[str], args: argparse.Namespace, replica: int = 0):
        self.pipeline, self.slas, self.args, self.replica = c.pipeline, slas, args, replica
        self.committed_at: dict[str, float] = {}  # change id → epoch seconds of its commit
        self.apply_ms: list[float] = []
        self.late_ms: list[float] = []  # how late each change began against its schedule
        self.outbox_ms: list[float] = []
        self.timings: dict[str, list[float]] = {}
        self.changed: list[str] = []
        self.conflicts = 0
        self._lock = threading.Lock()
        after_commit = self.pipeline.on_event

        def on_event(event: object) -> None:
            if isinstance(event, ChangeCommitted):
                self.committed_at[event.change_id] = time.time()
            if after_commit is not None:
                after_commit(event)

        self.pipeline.on_event = on_event
        outbox = c.alerts.outbox

        def timed_outbox(tx: Any, change_set: Any, result: Any) -> None:
            t0 = time.perf_counter()
            outbox(tx, change_set, result)
            self.outbox_ms.append((time.perf_counter() - t0) * 1000)

        hooks = self.pipeline.tx_hooks
        hooks[:] = [timed_outbox if h is outbox else h for h in hooks]

    def _one(self, i: int, due: float, record: bool) -> None:
        time.sleep(max(0.0, due - time.time()))
        late_ms = (time.time() - due) * 1000  # > a few ms: no worker was free when due
        pipeline, sla = self.pipeline, self.slas[i % len(self.slas)]
        t0 = time.perf_counter()
        while True:  # as a client does when told another change to the SLA won
            change = update(
                pipeline, "ServiceLevelAgreement", sla, serviceCreditPercent=20.0 + (i + 1) / 1000
            )
            try:
                result = pipeline.apply(change)
                break
            except ConflictError:
                with self._lock:
                    self.conflicts += 1
        with self._lock:
            if record:
                self.apply_ms.append((time.perf_counter() - t0) * 1000)
                self.late_ms.append(late_ms)
                for k, v in result.timings_ms.items():
                    self.timings.setdefault(k, []).append(v)
            self.changed.append(change.id)

    def commit(self, count: int, first: int, record: bool, start: float) -> None:
        """Commit this replica's share of changes ``first … first + count - 1``."""
        args, replicas = self.args, self.args.replicas
        mine = [i for i in range(count) if i % replicas == self.replica]
        with ThreadPoolExecutor(max(1, args.workers // replicas)) as pool:
            futures = [
                pool.submit(self._one, first + i, start + i / args.rate, record) for i in mine
            ]
            for f in futures:
                f.result()

    def reset(self) -> None:
        self.changed.clear()
        self.conflicts = 0

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {
                "committed_at": dict(self.committed_at),
                "apply_ms": list(self.apply_ms),
                "late_ms": list(self.late_ms),
                "outbox_ms": list(self.outbox_ms),
                "timings": {k: list(v) for k, v in self.timings.items()},
                "changed": list(self.changed),
                "conflicts": self.conflicts,
            }


def _handle(committer: Committer, command: tuple[Any, ...]) -> Any:
    """One command from the coordinator: commit a share, settle after warm-up, report."""
    name, *params = command
    if name == "commit":
        committer.commit(*params)
        return "done"
    if name == "settle":  # after the warm-up, as the API does once started
        committer.reset()
        gc.collect()
        gc.freeze()
        return "done"
    if name == "report":
        return committer.report()
    raise ValueError(f"unknown command {name!r}")


class LocalReplica:
    """The committer in this process (``--replicas 1``): one service process."""

    pid: int | None = None  # this process

    def __init__(self, committer: Committer) -> None:
        self._committer = committer
        self._pool = ThreadPoolExecutor(1)
        self._future: Any = None

    def send(self, command: tuple[Any, ...]) -> None:
        self._future = self._pool.submit(_handle, self._committer, command)

    def recv(self) -> Any:
        return self._future.result()

    def stop(self) -> None:
        self._pool.shutdown()


class ReplicaProcess:
    """Another semgraph process on the same Neo4j, with its own pipeline and dispatcher,
    as a replica behind a load balancer is; it commits its share of the changes."""

    def __init__(
        self, settings: Settings, alerts: AlertSettings, slas: list[str], args: Any, k: int
    ):
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_replica, args=(settings, alerts, slas, args, k, child), daemon=True
        )
        self._process.start()
        self._conn.recv()  # ready

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def send(self, command: tuple[Any, ...]) -> None:
        self._conn.send(command)

    def recv(self) -> Any:
        return self._conn.recv()

    def stop(self) -> None:
        if self._process.is_alive():
            self._conn.send(("stop",))
            self._process.join(30)


def _serve_replica(
    settings: Settings, alerts: AlertSettings, slas: list[str], args: Any, k: int, conn: Any
) -> None:
    c = Container(settings, alerts)
    committer = Committer(c, slas, args, replica=k)
    c.dispatcher.start()
    conn.send("ready")
    while (command := conn.recv())[0] != "stop":
        conn.send(_handle(committer, command))
    c.dispatcher.stop()
    c.close()


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
    pipeline = c.pipeline
    with console.status(f"building {args.contracts} contracts…"):
        slas = [contract_world(pipeline)["sla"] for _ in range(args.contracts)]
        for sla in slas:  # warm-up: first validations compile the shapes' queries
            pipeline.apply(update(pipeline, "ServiceLevelAgreement", sla, serviceCreditPercent=15))
    c.dispatcher.drain()
    replicas: list[LocalReplica | ReplicaProcess]
    if args.replicas == 1:
        replicas = [LocalReplica(Committer(c, slas, args))]
        c.dispatcher.start()
    else:
        with console.status(f"starting {args.replicas} replicas…"):
            replicas = [
                ReplicaProcess(settings, alert_settings, slas, args, k)
                for k in range(args.replicas)
            ]
    python_pids = [None] + [r.pid for r in replicas if r.pid is not None]

    def everywhere(command: tuple[Any, ...]) -> list[Any]:
        for r in replicas:
            r.send(command)
        return [r.recv() for r in replicas]

    def commit(count: int, first: int, record: bool) -> float:
        """Commit ``count`` changes at ``--rate`` over the replicas; seconds taken."""
        start = time.time() + 0.05  # every replica's schedule starts at the same moment
        everywhere(("commit", count, first, record, start))
        return time.time() - start

    def delivered_keys(changed: list[str], deadline_s: float) -> dict[str, str]:
        """Webhook deliveries of the ``changed`` (key → change), once the receiver has
        them all or ``deadline_s`` passed."""
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

    try:
        if args.warmup:
            # Neo4j's JIT and plan caches, and Python's, warm up on the same load; the
            # API also freezes its start-up objects out of the garbage collector.
            with console.status(f"warming up: {args.warmup} changes…"):
                commit(args.warmup, 0, record=False)
                reports = everywhere(("report",))
                delivered_keys([i for r in reports for i in r["changed"]], 30)
        everywhere(("settle",))
        baseline = set(receiver.snapshot()[0])
        cpu_before = [cpu_seconds(pid) for pid in python_pids]
        neo4j_before = cpu_seconds(neo4j_pid) if neo4j_pid else 0.0
        receiver_cpu_before = cpu_seconds(receiver.pid)
        # no spinner while measuring: its refresh thread would compete for the GIL
        console.print(
            f"committing {args.changes} changes at {args.rate}/s from {args.replicas} process(es)…"
        )
        elapsed = commit(args.changes, args.warmup, record=True)
        python_cpu = sum(cpu_seconds(pid) for pid in python_pids) - sum(cpu_before)
        neo4j_cpu = (cpu_seconds(neo4j_pid) - neo4j_before) if neo4j_pid else float("nan")
        receiver_cpu = cpu_seconds(receiver.pid) - receiver_cpu_before
        reports = everywhere(("report",))
        changed = [i for r in reports for i in r["changed"]]
        expected = delivered_keys(changed, 30)
    finally:
        for r in replicas:
            r.stop()
    c.dispatcher.stop()
    processed, repeats = receiver.snapshot()
    committed_at = {k: v for r in reports for k, v in r["committed_at"].items()}
    latencies = [
        (processed[key] - committed_at[change]) * 1000
        for key, change in expected.items()
        if key in processed and change in committed_at
    ]
    apply_ms = [v for r in reports for v in r["apply_ms"]]
    late_ms = [v for r in reports for v in r["late_ms"]]
    outbox_ms = [v for r in reports for v in r["outbox_ms"][-len(r["apply_ms"]) :]]
    timings: dict[str, list[float]] = {}
    for r in reports:
        for k, v in r["timings"].items():
            timings.setdefault(k, []).extend(v)
    lost = len(set(expected) - set(processed))
    duplicates = len([k for k in repeats if k not in baseline])
    c.close()
    return {
        "changes": args.changes,
        "replicas": args.replicas,
        "rate_target_per_s": args.rate,
        "rate_achieved_per_s": round(args.changes / elapsed, 1),
        # p99 of how late a change began against its schedule: small while the
        # processes keep up with --rate, growing without bound once they fall behind
        "start_late_p99_ms": round(percentile(late_ms, 99), 1),
        "deliveries": len(expected),
        "apply_p50_ms": round(percentile(apply_ms, 50), 1),
        "apply_p99_ms": round(percentile(apply_ms, 99), 1),
        **{f"apply_{k}_mean_ms": round(statistics.mean(v), 1) for k, v in sorted(timings.items())},
        "apply_alert_outbox_mean_ms": round(statistics.mean(outbox_ms), 1),
        "commit_to_delivery_p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
        "lost": lost,
        "duplicates": duplicates,
        # changes the pipeline refused with ConflictError (another change to the SLA won)
        "conflicts_retried": sum(r["conflicts"] for r in reports),
        # CPU each side spent per change while committing (2 cores bound the sum's rate);
        # Python: every semgraph process (the coordinator's idles while replicas commit)
        "python_cpu_ms_per_change": round(python_cpu / args.changes * 1000, 1),
        "neo4j_cpu_ms_per_change": round(neo4j_cpu / args.changes * 1000, 1),
        "receiver_cpu_ms_per_change": round(receiver_cpu / args.changes * 1000, 1),
        "load_average_1m": round(psutil.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()

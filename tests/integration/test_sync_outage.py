"""Syncs while Neo4j is really stopped and started again: file syncs wait and resume,
HTTP pushes answer 503 with Retry-After, nothing accepted is lost or doubled.

These tests stop their own managed Neo4j (a second instance on its own folder and ports),
never the shared test server. The last two cut a real commit's answer off (it lands,
the caller hears ``IncompleteCommit``), which a stopped server cannot do on cue.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest
from neo4j.exceptions import IncompleteCommit

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeSet
from semgraph.changes.pipeline import ChangeResult
from semgraph.config import Settings
from semgraph.graph.connection import open_driver
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import scratch_settings
from semgraph.sync.breaker import BreakerState
from semgraph.sync.errors import SyncUnavailableError
from tests.integration.graphql_harness import api_settings, running
from tests.integration.test_sync import SHOP, child_env, crm_accounts, rows, write_csv


@pytest.fixture(scope="module")
def own_server(settings: Settings) -> Iterator[tuple[ManagedServer, Settings]]:
    """A managed Neo4j of this module only, which its tests stop and start."""
    if not settings.managed:
        pytest.skip("these tests stop and start a managed Neo4j of their own")
    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-outage-"))
    own = scratch_settings(
        data_dir,
        heap="512m",
        pagecache="128m",
        sync_breaker_failures=2,
        sync_breaker_cool_down_s=1.0,
        sync_mapping_files=[SHOP],
    )
    server = ManagedServer(own)
    server.start()
    try:
        yield server, own
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def outage(own_server: tuple[ManagedServer, Settings]) -> Iterator[tuple[ManagedServer, Settings]]:
    """The module's server, running and empty, with semgraph's schema."""
    server, own = own_server
    server.start()  # a test that failed half-way may have left it stopped
    container = Container(own)
    try:
        container.driver.execute_query("MATCH (n) DETACH DELETE n")
        container.ensure_schema()
    finally:
        container.close()
    yield server, own
    server.start()


def restart_later(server: ManagedServer, after_s: float) -> threading.Thread:
    """Start the stopped ``server`` again in ``after_s`` seconds, in the background."""

    def start() -> None:
        time.sleep(after_s)
        server.start()

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    return thread


def landed(settings: Settings) -> dict[str, Any]:
    with open_driver(settings) as driver:
        return rows(
            driver,
            """OPTIONAL MATCH (r:SystemRecord)
               WITH count(r) AS records, count(DISTINCT r.externalId) AS keys
               RETURN COUNT { (:Customer) } AS customers, records, keys,
                      COUNT { (:ChangeEvent) } AS events""",
        )[0]


def test_a_file_sync_waits_while_neo4j_is_stopped_and_completes_when_it_is_back(
    outage: tuple[ManagedServer, Settings], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server, own = outage
    accounts = write_csv(tmp_path / "accounts.csv", crm_accounts(200))
    container = Container(own)
    restarted: list[threading.Thread] = []

    batches: list[int] = []

    def stop_after_second_batch(line: int) -> None:
        batches.append(line)
        if len(batches) == 2:
            server.stop()  # the process is gone and its port closed
            restarted.append(restart_later(server, 2.0))

    try:
        sync = container.sync(batch_size=40, max_wait_s=240)
        sync.on_batch = stop_after_second_batch
        with caplog.at_level(logging.WARNING, "semgraph"):
            summary = sync.run("CRM", "Account", [accounts])
        assert container.sync_breaker.state is BreakerState.CLOSED
    finally:
        container.close()
    assert restarted, "the server was stopped mid-file"
    restarted[0].join(timeout=300)
    assert (summary.total("created"), summary.total("rejected")) == (200, 0)
    assert summary.change_events == 5, "five batches of 40, each written once"
    assert landed(own) == {"customers": 200, "records": 200, "keys": 200, "events": 5}
    messages = [r.getMessage() for r in caplog.records if r.name == "semgraph.sync"]
    assert any(
        "Neo4j is unavailable" in m and "accounts.csv from line 82 paused" in m for m in messages
    ), messages
    assert any(
        "Neo4j is back: CRM.Account accounts.csv from line 82 resumes" in m for m in messages
    )
    assert not any(r.exc_info for r in caplog.records), "no traceback in the log"


def test_a_cli_sync_stops_after_max_wait_and_a_later_run_resumes_from_its_checkpoint(
    outage: tuple[ManagedServer, Settings], tmp_path: Path
) -> None:
    server, own = outage
    accounts = write_csv(tmp_path / "accounts.csv", crm_accounts(600))
    checkpoints = own.data_dir / "sync-checkpoints"
    command = [sys.executable, "-m", "semgraph.cli.main", "sync", "--system", "CRM",
               "--table", "Account", "--batch-size", "20", "--json"]  # fmt: skip
    env = {**child_env(own), "SEMGRAPH_SYNC_BREAKER_COOL_DOWN_S": "1"}
    child = subprocess.Popen(
        [*command, "--max-wait", "4", str(accounts)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240
    while not list(checkpoints.glob("CRM.Account.*.json")):  # the first batch committed
        assert child.poll() is None and time.monotonic() < deadline, "no checkpoint"
        time.sleep(0.05)
    server.stop()  # while the child is mid-file, a batch maybe in flight
    _, stderr = child.communicate(timeout=240)
    assert child.returncode == 1, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "paused; waiting up to 4 s" in stderr
    assert "did not come back within 4 s" in " ".join(stderr.split())
    assert "resumes after the last committed line" in " ".join(stderr.split())
    assert list(checkpoints.glob("CRM.Account.*.json")), "the checkpoint is kept"

    server.start()
    before = landed(own)
    assert 0 < before["customers"] < 600
    again = subprocess.run(
        [*command, str(accounts)], env=env, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary["files"][0]["resumed_after_line"] > 1
    assert summary["created"] + before["customers"] == 600
    after = landed(own)
    assert (after["customers"], after["records"], after["keys"]) == (600, 600, 600)


def test_http_ingest_answers_503_with_retry_after_while_neo4j_is_down_and_200_after(
    outage: tuple[ManagedServer, Settings],
) -> None:
    server, own = outage
    own = own.model_copy(update={"sync_breaker_cool_down_s": 5.0})  # open long enough to see
    container = Container(own)
    app = create_app(own, container, api_settings(keys={"k": {"actor": "shop", "role": "admin"}}))
    key = {"X-API-Key": "k"}
    first = [{"customer_no": "C1", "name": "Müller KG"}, {"customer_no": "C2", "name": "Zhang"}]
    later = [{"customer_no": "C3", "name": "Dupont SA"}, {"customer_no": "", "name": "no key"}]
    with running(app) as base, httpx.Client(base_url=base, timeout=120) as http:
        kept = http.post("/ingest/Shop/customers", json=first, headers=key)
        assert kept.status_code == 200, kept.text
        assert http.get("/readyz").json()["sync"]["breaker"] == "closed"

        server.stop()
        answers = [http.post("/ingest/Shop/customers", json=later, headers=key) for _ in range(3)]
        for answer in answers:
            assert answer.status_code == 503, answer.text
            assert int(answer.headers["Retry-After"]) >= 1
            body = answer.json()
            assert body["error"]["code"] == "NEO4J_UNAVAILABLE"
            assert [r["status"] for r in body["records"]] == ["not_kept", "rejected"]
            assert str(own.neo4j_bolt_port) not in answer.text, "no host or port to callers"
        ready = http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["neo4j"] == "down" and ready.json()["sync"]["breaker"] == "open"
        assert 'semgraph_sync_breaker_state{state="open"} 1.0' in http.get("/metrics").text

        server.start()
        for _ in range(10):  # as a client would: wait Retry-After and send again
            answer = http.post("/ingest/Shop/customers", json=later, headers=key)
            if answer.status_code != 503:
                break
            time.sleep(int(answer.headers["Retry-After"]))
        assert answer.status_code == 207, answer.text
        assert [r["status"] for r in answer.json()["records"]] == ["created", "rejected"]
        assert http.get("/readyz").json()["sync"]["breaker"] == "closed"
        assert 'semgraph_sync_breaker_state{state="closed"} 1.0' in http.get("/metrics").text
    with open_driver(own) as driver:
        names = rows(driver, "MATCH (c:Customer) RETURN c.name AS n ORDER BY n")
    assert [r["n"] for r in names] == ["Dupont SA", "Müller KG", "Zhang"], "nothing accepted lost"


def commit_then_cut_once(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> list[ChangeResult]:
    """The first change set commits for real, then its caller hears the connection break
    (``IncompleteCommit``): the worst case, where what landed is not known to have."""
    pipeline = container.pipeline
    real = pipeline.apply
    landed: list[ChangeResult] = []

    def apply(change_set: ChangeSet) -> ChangeResult:
        result = real(change_set)
        if not landed:
            landed.append(result)
            raise IncompleteCommit("connection lost while committing")
        return result

    monkeypatch.setattr(pipeline, "apply", apply)
    return landed


def test_a_push_whose_commit_was_cut_off_says_unknown_and_sending_it_again_doubles_nothing(
    settings: Settings, empty_db: neo4j.Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = Container(settings.model_copy(update={"sync_mapping_files": [SHOP]}))
    try:
        container.ensure_schema()
        sync = container.sync_service
        records = [{"customer_no": f"C{i}", "name": f"Kunde {i}"} for i in range(3)]
        cut = commit_then_cut_once(container, monkeypatch)
        with pytest.raises(SyncUnavailableError) as down:
            sync.run_records("Shop", "customers", records, role="admin")
        assert cut, "the change set did commit"
        assert down.value.commit_unknown
        assert [o["status"] for o in down.value.outcomes] == ["unknown"] * 3
        _, again = sync.run_records("Shop", "customers", records, role="admin")
        assert [o["status"] for o in again] == ["unchanged"] * 3, "it had landed"
    finally:
        container.close()
    found = rows(empty_db, "MATCH (c:Customer) RETURN count(c) AS n, count(DISTINCT c.id) AS d")
    assert found == [{"n": 3, "d": 3}]


def test_a_file_sync_whose_commit_was_cut_off_reads_the_batch_again_without_doubling(
    settings: Settings, empty_db: neo4j.Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = Container(settings)
    try:
        container.ensure_schema()
        cut = commit_then_cut_once(container, monkeypatch)
        sync = container.sync(batch_size=40, max_wait_s=60)
        summary = sync.run("CRM", "Account", [write_csv(tmp_path / "a.csv", crm_accounts(100))])
    finally:
        container.close()
    assert cut
    # the first batch landed unseen: read again, its rows are unchanged (docs/sync.md)
    assert (summary.total("created"), summary.total("unchanged")) == (60, 40)
    assert summary.change_events == 2
    counts = rows(
        empty_db,
        """OPTIONAL MATCH (r:SystemRecord)
           RETURN count(r) AS records, count(DISTINCT r.externalId) AS keys,
                  COUNT { (:Customer) } AS customers, COUNT { (:ChangeEvent) } AS events""",
    )
    assert counts == [{"records": 100, "keys": 100, "customers": 100, "events": 3}]

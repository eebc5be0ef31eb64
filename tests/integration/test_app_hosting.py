"""Any host of the app delivers alerts: plain ``uvicorn semgraph.api.app:create_app
--factory`` (no ``semgraph up``) starts the alert dispatcher in the app's lifespan, so a
GraphQL change that raises a risk alert reaches the webhook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import neo4j

from semgraph.config import Settings
from semgraph.neo4j_server.scratch import free_port
from tests.integration.alert_harness import REPO, SECRET, MakeContainer, cli_env
from tests.integration.alert_receivers import WebhookReceiver
from tests.integration.graphql_harness import wait_until
from tests.integration.world import contract_world

APPLY = """mutation($c: ChangeInput!) { applyChange(change: $c) {
  changeId committed results { severity shape } } }"""


@contextmanager
def plain_uvicorn(env: dict[str, str]) -> Iterator[str]:
    """``uvicorn … --factory`` in its own process; yields the base URL once it is ready."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "semgraph.api.app:create_app", "--factory"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, "uvicorn exited"
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_plain_uvicorn_delivers_a_risk_alert_to_the_webhook(
    make_container: MakeContainer,
    receiver: WebhookReceiver,
    empty_db: neo4j.Driver,
    settings: Settings,
) -> None:
    c = make_container(None, None)
    ids = contract_world(c.pipeline)
    env = cli_env(settings) | {
        "SEMGRAPH_ALERTS_WEBHOOK_URLS": json.dumps([receiver.url]),
        "SEMGRAPH_ALERTS_WEBHOOK_SECRET": SECRET,
        "SEMGRAPH_ALERTS_POLL_INTERVAL_S": "0.2",
        "SEMGRAPH_API_KEYS": json.dumps({"k-csm": {"actor": "ana", "role": "csm"}}),
    }
    change = {
        "operations": [
            {
                "op": "UPDATE",
                "class": "ServiceLevelAgreement",
                "id": ids["sla"],
                "properties": {"serviceCreditPercent": 25.0},
            }
        ]
    }
    with plain_uvicorn(env) as url:
        response = httpx.post(
            url + "/graphql",
            json={"query": APPLY, "variables": {"c": change}},
            headers={"X-API-Key": "k-csm"},
            timeout=60,
        )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        applied = body["data"]["applyChange"]
        assert applied["committed"]
        assert any(r["severity"] == "Warning" for r in applied["results"])
        wait_until(lambda: receiver.processed, timeout=30)

    payloads = [r.payload for r in receiver.processed.values()]
    assert receiver.rejected == 0, "signed with the configured secret"
    assert {p["change_id"] for p in payloads} == {applied["changeId"]}
    assert all(p["event"] == "alert.raised" for p in payloads)

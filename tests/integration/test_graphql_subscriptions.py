"""Subscriptions over ``graphql-transport-ws`` (httpx-ws against the running app): a risk
alert arrives after a committed risky change, committed changes stream by class, and a
socket without valid credentials is closed before anything is sent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import neo4j
import pytest
from httpx_ws import WebSocketDisconnect, connect_ws

from semgraph.config import Settings
from tests.integration.graphql_harness import (
    JWT_SECRET,
    ContractApp,
    Subscriber,
    contract_app,
    wait_until,
)

PROTOCOL = ["graphql-transport-ws"]
APPLY = "mutation($c: ChangeInput!) { applyChange(change: $c) { changeId committed } }"
ALERTS = """subscription($min: String) { riskAlerts(minSeverity: $min) {
  event alertId changeId riskLevel messageEn masked accountingRef impactPath
  routedTo { email role } changedBy } }"""
CHANGES = """subscription($t: String) { changes(entityType: $t) {
  changeId actor role sourceSystem touched { op class iri } } }"""


@pytest.fixture(scope="module")
def env(driver: neo4j.Driver, settings: Settings) -> Iterator[ContractApp]:
    yield from contract_app(driver, settings)


@pytest.fixture
def socket(env: ContractApp) -> Iterator[Subscriber]:
    with (
        httpx.Client(base_url=env.url, timeout=30) as client,
        connect_ws(f"{env.url}/graphql", client, subprotocols=PROTOCOL) as ws,
    ):
        yield Subscriber(ws)


def update(cls: str, id: str, **props: Any) -> dict[str, Any]:
    return {"operations": [{"op": "UPDATE", "class": cls, "id": id, "properties": props}]}


def test_a_risk_alert_arrives_after_a_committed_risky_change(
    env: ContractApp, socket: Subscriber
) -> None:
    ack = socket.init({"X-API-Key": "k-mei"})
    assert ack["type"] == "connection_ack" and ack["payload"]["role"] == "finance_lead"
    socket.subscribe(ALERTS, min="low")
    stream = env.container.alerts.stream
    wait_until(lambda: stream.subscriber_count == 1)

    change = update("ServiceLevelAgreement", env.ids["sla"], serviceCreditPercent=25)
    applied = env.gql.as_key("k-csm")(APPLY, c=change)["applyChange"]
    assert applied["committed"]

    payload = socket.next()
    assert not payload.get("errors"), payload
    alert = payload["data"]["riskAlerts"]
    assert alert["event"] == "alert.raised" and alert["changeId"] == applied["changeId"]
    assert alert["accountingRef"] and "IFRS 15" in alert["accountingRef"]
    assert any("RevenueSchedule" in p for p in alert["impactPath"])
    assert "mei.chen@northwind.example" in {r["email"] for r in alert["routedTo"]}
    assert alert["changedBy"]["actor"] == "ana.lima@northwind.example"


def test_a_non_admin_may_not_listen_to_another_roles_alerts(socket: Subscriber) -> None:
    socket.init({"Authorization": "Bearer k-csm"})
    socket.subscribe('subscription { riskAlerts(role: "cfo") { alertId } }')
    errors = socket.next()["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


def test_changes_stream_only_the_entity_type_asked_for(
    env: ContractApp, socket: Subscriber
) -> None:
    socket.init({"X-API-Key": "k-viewer", "X-Session-Id": "ws-1"})
    socket.subscribe(CHANGES, t="Contract")
    wait_until(lambda: env.container.change_stream.subscriber_count == 1)
    admin = env.gql
    admin(APPLY, c=update("ServiceLevelAgreement", env.ids["sla"], uptimeTarget=99.95))
    contract = admin(APPLY, c=update("Contract", env.ids["contract"], status="active"))

    event = socket.next()["data"]["changes"]
    assert event["changeId"] == contract["applyChange"]["changeId"], "the SLA change is skipped"
    assert (event["actor"], event["role"]) == ("ada", "admin")
    assert event["touched"] == [
        {"op": "update", "class": "Contract", "iri": event["touched"][0]["iri"]}
    ]
    assert event["touched"][0]["iri"].endswith("/Contract/" + env.ids["contract"])


@pytest.mark.parametrize("payload", [{}, {"X-API-Key": "no-such-key"}, {"Authorization": "x"}])
def test_a_socket_without_valid_credentials_is_closed(
    socket: Subscriber, payload: dict[str, str]
) -> None:
    with pytest.raises(WebSocketDisconnect) as closed:
        socket.init(payload)
        socket.subscribe(CHANGES, t=None)
        socket.next(timeout=5)
    assert closed.value.code == 4403


def test_errors_over_the_socket_carry_codes(socket: Subscriber) -> None:
    socket.init({"X-API-Key": "k-viewer"})
    socket.subscribe("subscription { changes(entityType: 42) { changeId } }")
    invalid = socket.next()["errors"]
    assert invalid[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    socket.ws.send_json(
        {
            "id": "2",
            "type": "subscribe",
            "payload": {"query": CHANGES, "variables": {"t": "Kontract"}},
        }
    )
    unknown = socket.next()["errors"]
    assert unknown[0]["extensions"]["code"] == "UNKNOWN_TERM" and unknown[0]["extensions"]["hint"]


def test_a_jwt_that_expires_while_the_socket_is_open_stops_working(
    env: ContractApp, socket: Subscriber
) -> None:
    claims = {"sub": "short-lived", "role": "viewer", "exp": int(time.time()) + 3}
    socket.init({"Authorization": "Bearer " + jwt.encode(claims, JWT_SECRET, algorithm="HS256")})
    socket.subscribe(CHANGES, t="Contract")
    wait_until(lambda: env.container.change_stream.subscriber_count == 1)
    time.sleep(max(0.0, claims["exp"] - time.time()) + 0.5)
    env.gql(APPLY, c=update("Contract", env.ids["contract"], status="active"))
    payload = socket.next()
    assert not (payload.get("data") or {}).get("changes"), "no data after the token expired"
    assert payload["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

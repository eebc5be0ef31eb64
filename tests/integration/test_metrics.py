"""``/metrics`` as an operator scrapes it: one change over GraphQL moves the request,
change, validation, commit, alert and delivery series; a refused change is counted as
refused; Neo4j is up. Real uvicorn, real Neo4j, a real webhook receiver and SMTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from semgraph.api.app import create_app
from semgraph.bootstrap import Container
from semgraph.changes.model import UpdateEntity
from tests.integration.alert_harness import MakeContainer
from tests.integration.alert_receivers import SmtpSink, WebhookReceiver
from tests.integration.graphql_harness import PEOPLE_KEYS, Gql, api_settings, running
from tests.integration.world import World, contract_world

APPLY = "mutation($c: ChangeInput!) { applyChange(change: $c) { committed } }"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: httpx.Client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    assert key in after, f"{name}{labels} not exported"
    return after[key] - before.get(key, 0.0)


def update(cls: str, id: str, **props: object) -> dict[str, object]:
    return {"operations": [{"op": "UPDATE", "class": cls, "id": id, "properties": props}]}


@pytest.fixture
def app_and_world(
    make_container: MakeContainer, receiver: WebhookReceiver, smtp: SmtpSink
) -> Iterator[tuple[Gql, dict[str, str], Container]]:
    c = make_container(receiver, smtp)
    c.publish_rules()
    ids = contract_world(c.pipeline)
    app = create_app(c.settings, c, api_settings(keys=PEOPLE_KEYS))
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield Gql(client), ids, c


def test_one_change_moves_its_counters(
    app_and_world: tuple[Gql, dict[str, str], Container], receiver: WebhookReceiver
) -> None:
    gql, ids, c = app_and_world
    before = scrape(gql.client)
    gql.as_key("k-csm")(
        APPLY, c=update("ServiceLevelAgreement", ids["sla"], serviceCreditPercent=25)
    )
    c.dispatcher.drain()
    assert receiver.wait_for(1)
    webhook = {"channel": "webhook", "status": "delivered"}
    # the outcome is recorded a moment after the send (the recorder lingers to batch them)
    delivered = ("semgraph_alert_deliveries_total", frozenset(webhook.items()))
    deadline = time.monotonic() + 10
    after = scrape(gql.client)
    while (
        after.get(delivered, 0.0) - before.get(delivered, 0.0) < 1 and time.monotonic() < deadline
    ):
        time.sleep(0.1)
        after = scrape(gql.client)

    assert (
        moved(before, after, "semgraph_graphql_requests_total", operation="mutation", code="OK")
        == 1
    )
    assert moved(before, after, "semgraph_graphql_request_seconds_count", operation="mutation") == 1
    assert moved(before, after, "semgraph_changes_total", outcome="committed") == 1
    assert moved(before, after, "semgraph_change_validation_seconds_count") == 1
    assert moved(before, after, "semgraph_change_commit_seconds_count") == 1
    assert (
        sum(after[k] - before.get(k, 0.0) for k in after if k[0] == "semgraph_alerts_raised_total")
        >= 1
    )
    assert moved(before, after, "semgraph_alert_deliveries_total", **webhook) >= 1
    assert moved(before, after, "semgraph_alert_delivery_seconds_count", channel="webhook") >= 1
    assert after[("semgraph_neo4j_up", frozenset())] == 1.0


def test_a_refused_change_is_counted_as_refused(
    app_and_world: tuple[Gql, dict[str, str], Container],
) -> None:
    gql, ids, c = app_and_world
    w = World(c.pipeline)
    w.ops.append(
        UpdateEntity(cls="Customer", id=ids["customer"], properties={"creditLimit": 500000.0})
    )
    order = w.new(
        "SalesOrder", orderNumber="SO-750", status="draft", totalAmount=750000.0, currency="EUR"
    )
    w.link("SalesOrder", order, "customer", "Customer", ids["customer"])
    w.commit()
    before = scrape(gql.client)
    # the finance lead may confirm orders; this one needs legal's countersignature first
    gql.as_key("k-finance").error(APPLY, c=update("SalesOrder", order, status="confirmed"))
    after = scrape(gql.client)
    assert moved(before, after, "semgraph_changes_total", outcome="refused") == 1
    assert moved(before, after, "semgraph_changes_total", outcome="committed") == 0
    refused = {"operation": "mutation", "code": "CHANGE_REFUSED"}
    assert moved(before, after, "semgraph_graphql_requests_total", **refused) == 1

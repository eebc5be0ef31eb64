"""Fail safe: every malformed request gets a stable client code, never
INTERNAL_SERVER_ERROR or HTTP 500; an outage is NEO4J_UNAVAILABLE quickly on every
endpoint; client errors are one INFO line in the log.

Real uvicorn + httpx against the real Neo4j (and against a port nobody listens on for
the outage).
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest

from semgraph.config import Settings
from tests.integration.graphql_harness import Gql, build_app, running

PROPOSE = "mutation($c: ChangeInput!) { proposeChange(change: $c) { committed } }"


@pytest.fixture(scope="module")
def gql(driver: neo4j.Driver, settings: Settings) -> Iterator[Gql]:
    with running(build_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield Gql(client)


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($n: Int) { customers(first: $n) { totalCount } }", {"n": "abc"}),
        ("query($n: Int!) { customers(first: $n) { totalCount } }", {}),
        (
            "query($s: [CustomerSort!]) { customers(sort: $s) { totalCount } }",
            {"s": [{"id": "SIDEWAYS"}]},
        ),
        (PROPOSE, {"c": {"operations": [], "noSuchField": 1}}),
    ],
    ids=["string-for-int", "missing-variable", "unknown-enum-value", "unknown-input-field"],
)
def test_a_bad_variable_is_a_validation_error(
    gql: Gql, query: str, variables: dict[str, Any]
) -> None:
    response = gql.raw(query, variables)
    assert response.status_code == 200
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    "body",
    [
        b'"hello"',
        b"42",
        b"null",
        b"true",
        b'{"query": "\xff\xfe"}',
        b'{"query": "{ __typename }", "variables": {"x": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
        b'{"query": 42}',
        b'{"query": "#' + b"x" * 200_000 + b'\\n{ __typename }"}',
    ],
    ids=[
        "string",
        "number",
        "null",
        "true",
        "invalid-utf8",
        "deep-variables",
        "query-not-text",
        "huge-comment",
    ],
)
def test_a_body_that_is_not_a_graphql_request_is_400_bad_request(gql: Gql, body: bytes) -> None:
    response = gql.client.post(
        "/graphql",
        content=body,
        headers={"X-API-Key": "k-admin", "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert codes(response) == ["BAD_REQUEST"]
    assert response.json()["errors"][0]["message"]


PAGE_AFTER = '{ customers(first: 2, after: "CURSOR") { totalCount } }'


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('{ customers(first: 2, after: "é") { totalCount } }', None),
        (PAGE_AFTER.replace("CURSOR", cursor("offset:" + "9" * 30)), None),
        (PAGE_AFTER.replace("CURSOR", cursor("offset:²")), None),
        ("query($q: String!) { customers(where: {name: {eq: $q}}) { totalCount } }",
         {"q": "\ud800"}),
        ("query($q: String!) { groundedContext(question: $q) { confidence } }", {"q": "a\ud800"}),
        (PROPOSE, {"c": {"operations": [{"op": "UPDATE", "class": "Customer", "id": "C-1",
                                         "properties": {"name": "\ud800"}}]}}),
        (PROPOSE, {"c": {"operations": [{"op": "UPDATE", "class": "Customer", "id": f"C-{i}",
                                         "properties": {"name": "x"}} for i in range(10_001)]}}),
    ],
    ids=["non-ascii-cursor", "offset-beyond-64-bits", "unicode-digit-cursor",
         "surrogate-in-filter-variable", "surrogate-in-question",
         "surrogate-in-property-value", "10001-operations"],
)  # fmt: skip
def test_bad_values_are_invalid_input(
    gql: Gql, query: str, variables: dict[str, Any] | None
) -> None:
    # json.dumps escapes a lone surrogate as \ud800, as a client's JSON encoder would
    body = json.dumps({"query": query, "variables": variables or {}})
    response = gql.client.post(
        "/graphql",
        content=body,
        headers={"X-API-Key": "k-admin", "Content-Type": "application/json"},
    )
    assert response.status_code in {200, 400}, response.text
    assert codes(response) == ["INVALID_INPUT"], response.text


def test_a_lone_surrogate_in_the_query_text_is_a_parse_error(gql: Gql) -> None:
    response = gql.raw('{ customers(where: {name: {eq: "\\ud800"}}) { totalCount } }')
    assert codes(response) == ["GRAPHQL_PARSE_FAILED"]


def test_client_errors_are_one_info_line_without_traceback(
    gql: Gql, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        gql.raw("query($n: Int) { customers(first: $n) { totalCount } }", {"n": "abc"})
        gql.client.post(
            "/graphql",
            content=b"42",
            headers={"X-API-Key": "k-admin", "Content-Type": "application/json"},
        )
        gql.raw('{ customers(first: 2, after: "nope") { totalCount } }')
    ours = [r for r in caplog.records if r.name.startswith(("semgraph", "strawberry"))]
    assert len(ours) >= 3
    for record in ours:
        assert record.levelno == logging.INFO, record.getMessage()
        assert record.exc_info is None and "\n" not in record.getMessage()


def test_dev_mode_serves_no_data_without_credentials(gql: Gql) -> None:
    html = {"Accept": "text/html"}
    for query in ("{ ontology { classes { name } } }", "{ __schema { types { name } } }"):
        response = gql.as_key(None).raw(query, headers=html)
        assert response.status_code == 401 and codes(response) == ["UNAUTHENTICATED"]
        assert "data" not in response.json() or not response.json()["data"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


OUTAGE_REQUESTS = [
    "{ customers(first: 1) { totalCount } }",
    "{ riskAlerts { id } }",
    '{ auditTrail(entityType: "Customer", id: "C-1") { changeId } }',
    '{ impact(entityType: "Customer", id: "C-1") { iri } }',
    '{ violations(entityType: "Customer") { focusNodes } }',
    'mutation { acknowledgeAlert(id: "0123456789abcdef0123456789abcdef") { id } }',
    'mutation { applyChange(change: {operations: [{op: UPDATE, class: "Customer", id: "C-1", '
    'properties: {name: "x"}}]}) { committed } }',
    'mutation { proposeChange(change: {operations: [{op: UPDATE, class: "Customer", id: "C-1", '
    'properties: {name: "x"}}]}) { committed } }',
]


def test_neo4j_down_is_neo4j_unavailable_quickly_on_every_endpoint() -> None:
    down = Settings(neo4j_uri=f"bolt://127.0.0.1:{_closed_port()}", neo4j_password="x",
                    _env_file=None)  # fmt: skip
    with running(build_app(down)) as url, httpx.Client(base_url=url, timeout=60) as client:
        gql = Gql(client)
        for query in OUTAGE_REQUESTS:
            start = time.monotonic()
            response = gql.raw(query)
            waited = time.monotonic() - start
            assert response.status_code == 503, (query, response.text)
            assert codes(response) == ["NEO4J_UNAVAILABLE"], query
            assert response.headers["Retry-After"]
            # the driver's own retries take 30 s; the probe answers at once (the bound is
            # loose so that a loaded machine does not fail it: it only tells 0 s from 30 s)
            assert waited < 20, f"{query}: {waited:.1f} s"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert (body["status"], body["neo4j"]) == ("not ready", "down")
        assert body["sync"]["breaker"] == "closed", "no sync call has found Neo4j down yet"

"""Safe by default: authentication, masking per role, limits, error codes, outages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import neo4j
import pytest

from semgraph.config import Settings
from semgraph.demo import load_demo
from semgraph.ontology.model import Ontology
from tests.integration.graphql_harness import JWT_SECRET, Gql, build_app, running

CUSTOMERS = "{ customers(first: 3, sort: [{id: ASC}]) { edges { node { %s } } } }"


@pytest.fixture(scope="module")
def demo(driver: neo4j.Driver, settings: Settings) -> neo4j.Driver:
    if not driver.execute_query("MATCH (c:Customer) RETURN count(c) AS n").records[0]["n"]:
        load_demo(driver, Ontology.load(), settings.neo4j_database, 1000, 7, progress=False,
                  existing="replace")  # fmt: skip
    return driver


@pytest.fixture(scope="module")
def gql(demo: neo4j.Driver, settings: Settings) -> Iterator[Gql]:
    with running(build_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield Gql(client)


def nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in data["customers"]["edges"]]


def token(**claims: Any) -> str:
    base = {"sub": "jane", "role": "analyst", "exp": int(time.time()) + 600}
    return jwt.encode({**base, **claims}, JWT_SECRET, algorithm="HS256")


# --- masking ---------------------------------------------------------------------------


def test_viewer_sees_sensitive_fields_masked_and_listed(gql: Gql) -> None:
    rows = nodes(gql.as_key("k-viewer")(CUSTOMERS % "id name creditLimit email maskedFields"))
    for row in rows:
        assert row["name"] and row["creditLimit"] is None and row["email"] is None
        assert {"creditLimit", "email", "phone", "taxId"} <= set(row["maskedFields"])


def test_finance_lead_sees_credit_limits_but_not_phones(gql: Gql) -> None:
    rows = nodes(gql.as_key("k-finance")(CUSTOMERS % "creditLimit phone maskedFields"))
    assert all(r["creditLimit"] is not None for r in rows)
    assert all(r["phone"] is None and "phone" in r["maskedFields"] for r in rows)
    service = nodes(gql.as_key("k-service")(CUSTOMERS % "creditLimit phone"))
    assert all(r["creditLimit"] is None and r["phone"] for r in service)


def test_masking_applies_in_nested_selections(gql: Gql) -> None:
    data = gql.as_key("k-viewer")(
        "{ contracts(first: 3) { edges { node { totalValue customer { creditLimit } } } } }"
    )
    for edge in data["contracts"]["edges"]:
        assert edge["node"]["totalValue"] is None
        assert edge["node"]["customer"]["creditLimit"] is None


@pytest.mark.parametrize(
    "query",
    [
        "{ customers(where: {creditLimit: {gt: 1}}) { totalCount } }",
        "{ customers(sort: [{creditLimit: DESC}]) { totalCount } }",
        "{ customersAggregate { creditLimit { max } } }",
    ],
)
def test_masked_fields_cannot_be_probed_by_filter_sort_or_aggregate(gql: Gql, query: str) -> None:
    assert gql.as_key("k-viewer").error(query)["extensions"]["code"] == "FORBIDDEN"
    gql.as_key("k-admin")(query)


# --- authentication --------------------------------------------------------------------


def test_jwt_carries_actor_and_role(gql: Gql) -> None:
    response = gql.as_key(None).raw(
        CUSTOMERS % "creditLimit totalValue: maskedFields",
        headers={"Authorization": f"Bearer {token(role='cfo')}"},
    )
    assert response.status_code == 200, response.text
    assert all(r["creditLimit"] is not None for r in nodes(response.json()["data"]))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": f"Bearer {token(exp=int(time.time()) - 60)}"},
        {"Authorization": f"Bearer {token(role='pope')}"},
        {
            "Authorization": "Bearer "
            + jwt.encode(
                {"sub": "x", "role": "admin", "exp": int(time.time()) + 60},
                "wrong-key-0123456789abcdef0123456789",
                algorithm="HS256",
            )
        },
        {"X-API-Key": "no-such-key"},
    ],
    ids=["none", "malformed", "basic", "expired", "unknown-role", "bad-signature", "bad-key"],
)
def test_bad_credentials_are_401_unauthenticated(gql: Gql, headers: dict[str, str]) -> None:
    response = gql.as_key(None).raw("{ customersAggregate { count } }", headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- limits ----------------------------------------------------------------------------


def test_depth_alias_and_token_limits(gql: Gql) -> None:
    deep = "{ customers { edges { node { contracts { customer { contracts { customer { contracts { customer { id } } } } } } } } } }"  # noqa: E501
    assert gql.error(deep)["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    aliases = "{ " + " ".join(f"a{i}: customersAggregate {{ count }}" for i in range(40)) + " }"
    assert gql.error(aliases)["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    tokens = "{ customersAggregate { " + " ".join(["count"] * 2100) + " } }"
    assert gql.error(tokens)["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_request_timeout_and_disabled_introspection(settings: Settings, demo: neo4j.Driver) -> None:
    app = build_app(settings, timeout_s=0.001, introspection=False, dev_mode=False)
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        gql = Gql(client)
        slow = "{ contracts(first: 500) { totalCount edges { node { customer { contracts { id } } } } } }"  # noqa: E501
        assert gql.error(slow)["extensions"]["code"] == "TIMEOUT"
        assert gql.error("{ __schema { types { name } } }")["extensions"]["code"] == (
            "GRAPHQL_VALIDATION_FAILED"
        )
        assert client.get("/graphql", headers={"Accept": "text/html"}).status_code != 200


def test_graphiql_health_and_metrics_in_development(gql: Gql) -> None:
    page = gql.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert gql.client.get("/healthz").json() == {"status": "ok"}
    assert gql.client.get("/metrics").status_code == 200


def test_neo4j_down_is_503_with_retry_advice_and_readiness_red() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = Settings(neo4j_uri=f"bolt://127.0.0.1:{port}", neo4j_password="x", _env_file=None)
    with running(build_app(down)) as url, httpx.Client(base_url=url, timeout=30) as client:
        response = Gql(client).raw("{ customersAggregate { count } }")
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "NEO4J_UNAVAILABLE"
        assert "Traceback" not in response.text
        assert client.get("/readyz").status_code == 503

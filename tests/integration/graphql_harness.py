"""A real uvicorn server running ``create_app`` in a thread, for the GraphQL tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import neo4j
import uvicorn
from fastapi import FastAPI

from semgraph.api.app import create_app
from semgraph.api.graphql.settings import ApiSettings
from semgraph.bootstrap import Container
from semgraph.config import Settings
from tests.integration.world import contract_world

KEYS = {
    "k-admin": {"actor": "ada", "role": "admin"},
    "k-viewer": {"actor": "vic", "role": "viewer"},
    "k-analyst": {"actor": "ann", "role": "analyst"},
    "k-finance": {"actor": "fin", "role": "finance_lead"},
    "k-service": {"actor": "svc", "role": "service"},
}
JWT_SECRET = "test-secret-for-graphql-tests-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def build_app(settings: Settings, **api: Any) -> FastAPI:
    """The app under test; the GraphQL part mounted with test keys and limits."""
    return create_app(settings, Container(settings), api_settings(**api))


def api_settings(**overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {"keys": KEYS, "jwt_secret": JWT_SECRET, "dev_mode": True}
    values.update(overrides)
    return ApiSettings(_env_file=None, **values)


@contextmanager
def running(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` on ``port`` (default: a free one); yields the base URL."""
    port = port or _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Gql:
    """POSTs GraphQL requests with a given API key."""

    def __init__(self, client: httpx.Client, key: str | None = "k-admin") -> None:
        self.client, self.key = client, key

    def as_key(self, key: str | None) -> Gql:
        return Gql(self.client, key)

    def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        h = {"X-API-Key": self.key} if self.key else {}
        h.update(headers or {})
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=h
        )

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        """``data`` of a request that must succeed."""
        response = self.raw(query, variables)
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    def error(self, query: str, **variables: Any) -> dict[str, Any]:
        """The first error of a request that must fail (any HTTP status)."""
        body = self.raw(query, variables).json()
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error


class Subscriber:
    """One ``graphql-transport-ws`` client: ``connection_init`` with credentials, then
    ``subscribe``; ``next()`` returns the next ``data`` payload."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def init(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.ws.send_json({"type": "connection_init", "payload": payload})
        message: dict[str, Any] = self.ws.receive_json(timeout=10)
        return message

    def subscribe(self, query: str, **variables: Any) -> None:
        self.ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    def next(self, timeout: float = 15) -> dict[str, Any]:
        """The next ``next`` message's payload (``data`` and maybe ``errors``)."""
        while True:
            message: dict[str, Any] = self.ws.receive_json(timeout=timeout)
            if message["type"] == "ping":
                self.ws.send_json({"type": "pong"})
                continue
            if message["type"] in {"next", "error"}:
                payload: dict[str, Any] = message["payload"]
                return payload if message["type"] == "next" else {"errors": payload}
            raise AssertionError(f"unexpected message {message}")


def wait_until(predicate: Any, timeout: float = 10) -> None:
    """Poll ``predicate()`` until true (e.g. a stream has its subscriber)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# Callers who are people in the contract world: the finance lead (alerts are routed to her
# e-mail) and the CSM who edits SLAs.
PEOPLE_KEYS = {
    **KEYS,
    "k-mei": {"actor": "mei.chen@northwind.example", "role": "finance_lead"},
    "k-csm": {"actor": "ana.lima@northwind.example", "role": "csm"},
}


@dataclass
class ContractApp:
    container: Container
    ids: dict[str, str]
    gql: Gql
    url: str


def wipe(driver: neo4j.Driver, settings: Settings) -> None:
    with driver.session(database=settings.neo4j_database) as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


def contract_app(
    driver: neo4j.Driver,
    settings: Settings,
    before_serving: Callable[[FastAPI], None] | None = None,
) -> Iterator[ContractApp]:
    """A running app over a fresh contract world (``world.contract_world``); the database
    is wiped before and after, so modules that expect the demo graph reload it.
    ``before_serving`` adjusts the app first (e.g. gives it a RAG retriever)."""
    wipe(driver, settings)
    container = Container(settings)
    container.ensure_schema()
    container.publish_rules()
    ids = contract_world(container.pipeline)
    app = create_app(settings, container, api_settings(keys=PEOPLE_KEYS))
    if before_serving is not None:
        before_serving(app)
    try:
        with running(app) as url, httpx.Client(base_url=url, timeout=60) as client:
            yield ContractApp(container, ids, Gql(client), url)
    finally:
        wipe(driver, settings)

"""A real uvicorn server running ``create_app`` in a thread, for the GraphQL tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from semgraph.api.app import create_app
from semgraph.api.graphql.settings import ApiSettings
from semgraph.bootstrap import Container
from semgraph.config import Settings

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
def running(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free port; yields the base URL."""
    port = _free_port()
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

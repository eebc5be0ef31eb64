"""Liveness, readiness (Neo4j reachable) and Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from semgraph.bootstrap import Container

router = APIRouter()
log = logging.getLogger("semgraph.api")


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """The process is up (says nothing about Neo4j)."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> Response:
    """200 when Neo4j answers (``alerts`` lists what would make alerts reach nobody);
    503 with Retry-After otherwise. ``sync`` shows the sync's circuit breaker (closed,
    open, half_open) and how long until it lets a call try Neo4j again."""
    container: Container = request.app.state.container
    problem = container.neo4j_problem()
    breaker = container.sync_breaker
    sync = {"breaker": str(breaker.state), "retry_after_s": round(breaker.retry_after_s(), 1)}
    if problem is None:
        body: dict[str, object] = {"status": "ready", "neo4j": "up", "sync": sync}
        alerts = container.alert_problems()
        if alerts:  # ready, but alerts would reach nobody: say so loudly
            body["alerts"] = alerts
        return JSONResponse(body)
    # The driver's text names hosts, ports and error codes: the log gets it, callers do not.
    log.warning("not ready: Neo4j unreachable: %s", " ".join(problem.split())[:300])
    return JSONResponse(
        {"status": "not ready", "neo4j": "down", "sync": sync},
        status_code=503,
        headers={"Retry-After": "5"},
    )


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

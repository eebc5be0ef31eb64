"""``POST /ingest/{system}/{table}``: records pushed over HTTP, synced like a file.

The body is a JSON array of objects or NDJSON (one object a line). The answer lists one
outcome per record, in order (created, updated, unchanged, or rejected with field, value
and reason): 200 when every record was accepted, 207 when some were rejected. When Neo4j
is unavailable (or the sync's circuit breaker is open) the answer is 503 with Retry-After:
records written before stay written, the others are ``not_kept`` (or ``unknown`` for a
batch whose commit was cut off); nothing is held to be written later. Callers
authenticate as for GraphQL (API key or JWT); the records are written as the caller's
role, so it needs the write rights (``ontology/access.ttl``) on the table's classes
(403 otherwise, before anything is read).
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from semgraph.api.graphql.auth import Authenticator
from semgraph.api.graphql.errors import AuthenticationError
from semgraph.bootstrap import Container
from semgraph.exceptions import ForbiddenError, SemgraphError
from semgraph.sync.errors import SyncUnavailableError

router = APIRouter()
MAX_RECORDS = 10_000


def _records(body: bytes) -> list[Any]:
    text = body.decode("utf-8-sig").strip()
    if not text:
        return []
    if text.startswith("["):
        parsed = json.loads(text)
        if not isinstance(parsed, list):
            raise ValueError("the body is neither a JSON array nor NDJSON")
        return parsed
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _error(status: int, code: str, message: str, hint: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "hint": hint}}, status)


@router.post("/ingest/{system}/{table}")
async def ingest(system: str, table: str, request: Request) -> JSONResponse:
    container: Container = request.app.state.container
    authenticator: Authenticator = request.app.state.graphql.authenticator
    try:
        caller = authenticator.caller({k.lower(): v for k, v in request.headers.items()})
    except AuthenticationError as exc:
        return _error(401, exc.code, exc.message, exc.hint)
    try:
        service = container.sync_service
        service.check_may_sync(caller.role, system, table)
    except ForbiddenError as exc:
        return _error(403, exc.code, exc.message, exc.hint)
    except SemgraphError as exc:
        return _error(400, exc.code, exc.message, exc.hint)
    try:
        records = _records(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(400, "INVALID_INPUT", f"cannot read the body: {exc}",
                      "send a JSON array of objects or NDJSON")  # fmt: skip
    if len(records) > MAX_RECORDS:
        return _error(413, "TOO_MANY", f"{len(records)} records; at most {MAX_RECORDS} a request")
    try:
        summary, outcomes = await run_in_threadpool(
            lambda: service.run_records(
                system,
                table,
                records,
                source="http",
                run_id=caller.session_id,
                actor=caller.actor,
                device=caller.device_fingerprint,
                role=caller.role,
            )
        )
    except SyncUnavailableError as down:  # nothing is held for later: the caller resends
        data = down.summary.as_dict()
        del data["files"]
        error = {"code": down.code, "message": down.message, "hint": down.hint}
        return JSONResponse(
            {"summary": data, "records": down.outcomes, "error": error},
            503,
            headers={"Retry-After": str(max(1, math.ceil(down.retry_after_s)))},
        )
    except SemgraphError as exc:
        return _error(400, exc.code, exc.message, exc.hint)
    data = summary.as_dict()
    del data["files"]
    status = 207 if data["rejected"] else 200
    return JSONResponse({"summary": data, "records": outcomes}, status)

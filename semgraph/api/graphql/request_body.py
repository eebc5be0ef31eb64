"""The HTTP body of a GraphQL request, checked before strawberry sees it.

A body that is not UTF-8, not JSON, not a JSON object, nested deeper than
``max_variable_depth``, or whose query text is longer than ``max_query_bytes`` (comments
included) is refused with HTTP 400 and ``BAD_REQUEST``; a lone surrogate (``"\\ud800"``)
in a variable is ``INVALID_INPUT`` (Neo4j cannot store it). Nothing here reaches the
server log as more than one INFO line.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from semgraph.exceptions import InvalidInputError, SemgraphError

log = logging.getLogger("semgraph.graphql")


class BadRequestError(SemgraphError):
    """The HTTP body is not a GraphQL request (answered with HTTP 400)."""

    code = "BAD_REQUEST"


class BadTextError(InvalidInputError):
    """A variable holds text that is not valid Unicode (answered with HTTP 400)."""


_FIELDS = {"query": str, "operationName": str, "variables": dict, "extensions": dict}


def decode_request(data: str | bytes, max_query_bytes: int, max_depth: int) -> dict[str, Any]:
    """The request object; raises ``BadRequestError`` or ``BadTextError``."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise BadRequestError(
            "the request body is not valid UTF-8", hint="send the JSON body in UTF-8"
        ) from None
    try:
        body = json.loads(text)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError as exc:
        raise BadRequestError(
            f"the request body is not JSON: {exc}",
            hint='send {"query": "...", "variables": {...}} as application/json',
        ) from None
    if not isinstance(body, dict):
        raise BadRequestError(
            f"the request body is a JSON {type(body).__name__}, not an object",
            hint='send {"query": "...", "variables": {...}}',
        )
    for name, kind in _FIELDS.items():
        if body.get(name) is not None and not isinstance(body[name], kind):
            raise BadRequestError(f"`{name}` must be a {'string' if kind is str else 'object'}")
    query = body.get("query")
    if isinstance(query, str) and len(query.encode("utf-8", "surrogatepass")) > max_query_bytes:
        raise BadRequestError(
            f"the query text is longer than {max_query_bytes} bytes (comments count)",
            hint="send a shorter query; persisted documents belong in the client",
        )
    _check_values(body.get("variables"), max_depth)
    return body


def _too_deep(max_depth: int) -> BadRequestError:
    return BadRequestError(
        f"the request nests values deeper than {max_depth} levels",
        hint="flatten the variables",
    )


def _check_values(value: Any, max_depth: int) -> None:
    """Depth and text checks over the variables, iteratively (no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise _too_deep(max_depth)
        if isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise BadTextError(
                    "a variable holds a lone surrogate (e.g. \\ud800), which is not text",
                    hint="send valid Unicode",
                ) from None


async def bad_request(_request: Request, exc: Exception) -> JSONResponse:
    """The FastAPI handler: HTTP 400 with the code and hint, logged on one INFO line."""
    assert isinstance(exc, SemgraphError)
    log.info("%s: %s", exc.code, exc.message)
    error: dict[str, Any] = {"message": exc.message, "extensions": {"code": exc.code}}
    if exc.hint:
        error["extensions"]["hint"] = exc.hint
    return JSONResponse({"data": None, "errors": [error]}, status_code=400)

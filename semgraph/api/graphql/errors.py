"""Stable error codes of the GraphQL API and how errors reach the client.

Every error the client sees carries ``extensions.code`` (and ``hint`` where we have
one). Errors semgraph raises on purpose keep their message; anything else is masked
as ``INTERNAL_SERVER_ERROR`` without a stack trace (the server log keeps it).

Codes: ``INVALID_FILTER``, ``INVALID_INPUT``, ``UNKNOWN_TERM``, ``NOT_FOUND``,
``PAGE_TOO_LARGE``, ``FORBIDDEN``, ``UNAUTHENTICATED``, ``TIMEOUT``,
``NEO4J_UNAVAILABLE`` (HTTP 503 + ``Retry-After``), ``CHANGE_REFUSED``, ``CONFLICT``,
``GRAPHQL_VALIDATION_FAILED`` (also a variable of the wrong type, a missing one, an
unknown enum value or input field), ``GRAPHQL_PARSE_FAILED``, ``QUERY_TOO_COMPLEX``,
``BAD_REQUEST`` (HTTP 400: the body is not a GraphQL request; ``request_body``),
``INTERNAL_SERVER_ERROR``.

Client errors are logged at INFO on one line; server errors (``INTERNAL_SERVER_ERROR``)
at ERROR with the traceback; an outage (``NEO4J_UNAVAILABLE``) at WARNING, one line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from strawberry.extensions import SchemaExtension

from semgraph.exceptions import (
    ForbiddenError,
    InvalidFilterError,
    InvalidInputError,
    Neo4jUnavailableError,
    PageTooLargeError,
    QueryTimeoutError,
    SemgraphError,
)

__all__ = [
    "AuthenticationError",
    "ErrorCodes",
    "ForbiddenError",
    "InvalidFilterError",
    "PageTooLargeError",
    "QueryTimeoutError",
]

log = logging.getLogger("semgraph.graphql")

RETRY_AFTER_S = 5


class AuthenticationError(SemgraphError):
    """Missing, malformed, expired or unknown credentials."""

    code = "UNAUTHENTICATED"


_LIMIT_WORDS = ("exceeds maximum operation depth", "aliases found", "tokens")


def _code_for(error: GraphQLError) -> tuple[str, str | None, bool]:
    """(code, hint, keep message) for one execution or validation error."""
    original = error.original_error
    # Variable coercion wraps the scalar's or enum's own GraphQLError: a client error.
    while isinstance(original, GraphQLError):
        original = original.original_error
    if isinstance(original, UnicodeError):
        return (
            InvalidInputError.code,
            "text must be valid Unicode (no lone surrogates such as \\ud800)",
            False,
        )
    if isinstance(original, SemgraphError):
        return original.code, original.hint, True
    if isinstance(original, (ServiceUnavailable, SessionExpired, ConnectionError)):
        return (
            Neo4jUnavailableError.code,
            f"Neo4j is not reachable; retry in {RETRY_AFTER_S} s",
            False,
        )
    if original is None:
        text = error.message
        if any(w in text for w in _LIMIT_WORDS):
            return "QUERY_TOO_COMPLEX", "simplify the query or split it", True
        if text.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED", None, True
        return "GRAPHQL_VALIDATION_FAILED", None, True
    return "INTERNAL_SERVER_ERROR", None, False


class ErrorCodes(SchemaExtension):
    """Adds ``extensions.code``/``hint`` to every error and masks unexpected ones.

    A Neo4j outage also turns the HTTP status into 503 with ``Retry-After``.
    """

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            self._rewrite_all()

    def _rewrite_all(self) -> None:
        ctx = self.execution_context
        errors = [*(ctx.pre_execution_errors or []), *((ctx.result and ctx.result.errors) or [])]
        for error in {id(e): e for e in errors}.values():
            self._rewrite(error)

    def _rewrite(self, error: GraphQLError) -> None:
        if add_code(error) == Neo4jUnavailableError.code:
            _set_unavailable(self.execution_context.context)


def add_code(error: GraphQLError) -> str:
    """Set code/hint in place and mask an unexpected message; returns the code. Used for
    HTTP (``ErrorCodes``) and for WebSocket streams, which bypass extensions."""
    if error.extensions and "code" in error.extensions:
        return str(error.extensions["code"])
    code, hint, keep = _code_for(error)
    if not keep:
        error.message = _public_message(code)
        error.original_error = None
    extensions: dict[str, Any] = {"code": code}
    if hint:
        extensions["hint"] = hint
    error.extensions = extensions
    return code


def _public_message(code: str) -> str:
    if code == Neo4jUnavailableError.code:
        return "the graph database is unavailable"
    if code == InvalidInputError.code:
        return "a text value is not valid Unicode"
    return "unexpected error; see the server log"


def log_errors(errors: list[GraphQLError]) -> None:
    """Log each error by who is at fault (see the module docstring); called by the schema
    before ``ErrorCodes`` masks unexpected errors, so their tracebacks are still there."""
    for error in errors:
        code = (error.extensions or {}).get("code") or _code_for(error)[0]
        where = ".".join(map(str, error.path)) if error.path else "-"
        line = " ".join(error.message.split())[:500]
        if code == "INTERNAL_SERVER_ERROR":
            log.error("%s at %s: %s", code, where, line, exc_info=error.original_error)
        elif code == Neo4jUnavailableError.code:
            log.warning("%s at %s: %s", code, where, line)
        else:
            log.info("%s at %s: %s", code, where, line)


def _set_unavailable(context: Any) -> None:
    response = getattr(context, "response", None)
    if response is not None and hasattr(response, "status_code"):
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_S)

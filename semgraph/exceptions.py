"""The typed errors semgraph raises.

Every error carries a stable ``code`` (used by the CLI exit message and the GraphQL error
extensions) and, where we can give one, a ``hint`` that tells the user what to do next.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class SemgraphError(Exception):
    """Base of every error semgraph raises on purpose."""

    code = "SEMGRAPH_ERROR"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigurationError(SemgraphError):
    """A setting is missing or inconsistent."""

    code = "CONFIGURATION_ERROR"


class Neo4jServerError(SemgraphError):
    """The managed Neo4j server could not be assembled, started or stopped."""

    code = "NEO4J_SERVER_ERROR"


class KafkaServerError(SemgraphError):
    """The managed Kafka broker could not be assembled, started or stopped."""

    code = "KAFKA_SERVER_ERROR"


class KafkaUnavailableError(SemgraphError):
    """The Kafka brokers cannot be reached, or the topic is not there."""

    code = "KAFKA_UNAVAILABLE"


class Neo4jUnavailableError(SemgraphError):
    """Neo4j cannot be reached right now; retrying later may succeed."""

    code = "NEO4J_UNAVAILABLE"


class OntologyError(SemgraphError):
    """The ontology files are malformed or inconsistent."""

    code = "ONTOLOGY_ERROR"


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """Return a 'did you mean ...?' hint for a misspelt name, or None."""
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"


class UnknownTermError(SemgraphError):
    """A class, property or relationship name that the ontology does not define."""

    code = "UNKNOWN_TERM"

    def __init__(self, kind: str, name: str, candidates: Iterable[str], *, where: str = "") -> None:
        names = sorted(candidates)
        suffix = f" on {where}" if where else ""
        hint = did_you_mean(name, names) or (
            f"valid {kind} names: " + ", ".join(names[:25]) + (" …" if len(names) > 25 else "")
        )
        super().__init__(f"unknown {kind} `{name}`{suffix}", hint=hint)
        self.kind = kind
        self.name = name
        self.suggestions = difflib.get_close_matches(name, names, n=3, cutoff=0.6)


class NotFoundError(SemgraphError):
    """An entity, alert or change that does not exist."""

    code = "NOT_FOUND"


class InvalidInputError(SemgraphError):
    """Input that cannot be accepted as given (bad value, bad file, bad filter)."""

    code = "INVALID_INPUT"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(where + message, hint=hint)
        self.file = file
        self.line = line


class ChangeRefusedError(SemgraphError):
    """A change set broke a blocking (sh:Violation) rule; nothing was written.

    ``result`` holds the pipeline's ``ChangeResult`` with the W3C-style results.
    """

    code = "CHANGE_REFUSED"

    def __init__(self, message: str, *, hint: str | None = None, result: Any = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result


class ForbiddenError(SemgraphError):
    """The caller's role may not do or see this (the message names the role and term)."""

    code = "FORBIDDEN"


class ConflictError(SemgraphError):
    """A concurrent change touched the same entity; retry the change set."""

    code = "CONFLICT"


class InvalidFilterError(InvalidInputError):
    """A ``where`` or ``sort`` argument that cannot be applied as given."""

    code = "INVALID_FILTER"


class PageTooLargeError(InvalidInputError):
    """``first`` above the configured maximum page size."""

    code = "PAGE_TOO_LARGE"


class QueryTimeoutError(SemgraphError):
    """The request ran past the configured timeout."""

    code = "TIMEOUT"


class ShapeEvaluationError(SemgraphError):
    """pySHACL could not evaluate a shape on the data (e.g. a SPARQL query it cannot run)."""

    code = "SHAPE_EVALUATION_FAILED"

"""Errors of the sync: a mapping file refused at load, a row rejected (the run goes on),
Neo4j unavailable behind the circuit breaker."""

from __future__ import annotations

from typing import Any

from semgraph.exceptions import InvalidInputError, Neo4jUnavailableError


class MappingError(InvalidInputError):
    """A mapping file names something the ontology or the vocabulary does not have.

    The message starts with ``file:line`` of the statement to fix.
    """

    code = "MAPPING_ERROR"


class RowRejectedError(Exception):
    """One source row that cannot become a record; the sync writes it to the rejects file.

    ``field`` is the source field at fault ("" when the row as a whole is), ``value`` what
    it held, ``reason`` a sentence a user can act on.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.value = "" if value is None else str(value)
        self.reason = reason


class SyncUnavailableError(Neo4jUnavailableError):
    """Neo4j was unavailable for a sync call, or the circuit breaker is open.

    ``retry_after_s``: when to try again; ``commit_unknown``: the connection was lost while
    a transaction committed, so whether it landed is not known (reading again tells).
    """

    def __init__(self, message: str, *, retry_after_s: float, commit_unknown: bool = False) -> None:
        super().__init__(
            message, hint=f"start Neo4j (`semgraph neo4j start`) or retry in {retry_after_s:.0f} s"
        )
        self.retry_after_s = retry_after_s
        self.commit_unknown = commit_unknown
        self.summary: Any = None
        """Set by ``SyncService.run_records``: its ``SyncSummary`` and per-record outcomes
        up to where it stopped."""
        self.outcomes: list[dict[str, Any]] = []


class SyncWaitExceededError(Neo4jUnavailableError):
    """A file sync waited behind the breaker longer than its ``max_wait_s`` and stopped;
    its checkpoint stays, so the same command resumes after the last committed line."""

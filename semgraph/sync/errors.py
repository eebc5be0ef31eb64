"""Errors of the sync: a mapping file refused at load, a row rejected (the run goes on)."""

from __future__ import annotations

from semgraph.exceptions import InvalidInputError


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

"""The fields a read selects, as plain data (built from a GraphQL request by
``semgraph.api.graphql.selection``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Field:
    """One selected field: its name, response key, plain arguments and sub-fields."""

    name: str
    key: str
    arguments: dict[str, Any]
    selections: list[Field] = field(default_factory=list)

    def children(self) -> dict[str, Field]:
        """Sub-fields by response key (already merged)."""
        return {f.key: f for f in self.selections}

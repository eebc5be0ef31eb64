"""Read paths: which relationships a shape walks from its focus node.

A path is written ``hasSla/hasServiceCredit`` or ``^hasSla/ownedBy`` (``^`` = inverse
step); names are ontology object properties. Datatype properties at the end of a path are
read with every node, so only the relationship prefix matters here.
"""

from __future__ import annotations

from dataclasses import dataclass

from semgraph.exceptions import InvalidInputError


@dataclass(frozen=True)
class Step:
    """One relationship step: ``rel`` followed forwards, or backwards when ``inverse``."""

    rel: str
    inverse: bool = False

    def __str__(self) -> str:
        return ("^" if self.inverse else "") + self.rel


Path = tuple[Step, ...]


def parse_path(text: str, relationship_types: set[str]) -> Path:
    """The relationship steps of a path string (stops at the first non-relationship step).

    Raises:
        InvalidInputError: a step names neither a relationship nor anything else sensible.
    """
    steps: list[Step] = []
    for raw in text.strip().split("/"):
        inverse = raw.startswith("^")
        name = raw.removeprefix("^").strip()
        if not name.replace("_", "").isalnum():
            raise InvalidInputError(f"bad step `{raw}` in read path `{text}`")
        if name not in relationship_types:
            break  # a datatype property: read with the node
        steps.append(Step(name, inverse))
    return tuple(steps)


def prefixes(paths: set[Path]) -> set[Path]:
    """Every non-empty prefix of every path (the nodes on the way are read too)."""
    return {path[:i] for path in paths for i in range(1, len(path) + 1)}

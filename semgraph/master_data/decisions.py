"""The master-data decisions as data: thresholds and survivorship (``master_data.yaml``).

Thresholds say what a score means (merge, ask a person, nothing); survivorship says which
system's value the golden record keeps for each property. The system of record itself
comes from the ontology (``sgm:systemOfRecord``), so the file only names exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from semgraph.exceptions import ConfigurationError

FILE_NAME = "master_data.yaml"
Decision = Literal["merge", "review", "none"]


@dataclass(frozen=True)
class Decisions:
    """Thresholds and survivorship of one class's matching."""

    cls: str
    auto_merge: float
    review: float
    default_winner: str
    """A system key, or ``system_of_record``."""
    property_winners: dict[str, str] = field(default_factory=dict)

    def decide(self, probability: float) -> Decision:
        """What a pair's match probability leads to."""
        if probability >= self.auto_merge:
            return "merge"
        return "review" if probability >= self.review else "none"

    def winner(self, prop: str, system_of_record: str | None) -> str | None:
        """The system whose value of ``prop`` survives a merge (None: no preference)."""
        chosen = self.property_winners.get(prop, self.default_winner)
        return system_of_record if chosen == "system_of_record" else chosen


def load_decisions(ontology_dir: Path) -> Decisions:
    """Read ``master_data.yaml`` of the ontology folder.

    Raises:
        ConfigurationError: missing file, or thresholds outside 0..1 or out of order.
    """
    path = ontology_dir / FILE_NAME
    if not path.exists():
        raise ConfigurationError(
            f"{path} is missing", hint="it holds the match thresholds and survivorship rules"
        )
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    thresholds = data.get("thresholds") or {}
    try:
        upper, lower = float(thresholds["auto_merge"]), float(thresholds["review"])
    except (KeyError, TypeError, ValueError):
        raise ConfigurationError(
            f"{path}: thresholds.auto_merge and thresholds.review must be numbers",
            hint="e.g. auto_merge: 0.999, review: 0.5",
        ) from None
    if not 0 < lower <= upper <= 1:
        raise ConfigurationError(
            f"{path}: need 0 < review ({lower}) <= auto_merge ({upper}) <= 1",
            hint="scores are match probabilities",
        )
    survivorship = data.get("survivorship") or {}
    winners = survivorship.get("properties") or {}
    return Decisions(
        cls=str(data.get("class", "Customer")),
        auto_merge=upper,
        review=lower,
        default_winner=str(survivorship.get("default", "system_of_record")),
        property_winners={str(k): str(v) for k, v in winners.items()},
    )

"""Domain events: small frozen facts that handlers react to after a commit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChangeCommitted:
    change_id: str
    actor: str
    role: str
    source_system: str
    touched: tuple[tuple[str, str, str], ...]  # (op, class, iri)
    warnings: int
    at: str


@dataclass(frozen=True)
class RuleViolated:
    """A change was refused; nothing was written."""

    change_id: str
    actor: str
    shapes: tuple[str, ...]
    focus_nodes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AlertRaised:
    alert_id: str
    change_id: str
    rule: str
    severity: str
    routed_to: tuple[str, ...]

"""Risk alerts and their deliveries: the types every alerts module and channel shares.

An alert is *data in Neo4j* (``(:RiskAlert)``, linked to the change event, the rule, the
focus entity, the impact path and the people it was routed to). A ``Delivery`` is one
message to one channel target, written in the change's transaction (the outbox) and sent
later by the dispatcher. ``AlertMessage`` is what a receiver gets: the webhook's JSON
body, the source of the e-mail text and the item of the live stream.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # dead-lettered: max attempts reached or a permanent refusal


Channel = Literal["webhook", "email"]
AlertEventKind = Literal["alert.raised", "alert.updated", "alert.escalated"]

RISK_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "highest": 3}


class Recipient(BaseModel):
    """An employee an alert was routed to, and why (the role they receive it for)."""

    model_config = ConfigDict(frozen=True)

    iri: str
    name: str | None = None
    email: str | None = None
    role: str
    via: str = Field(description="'route' (the routing rule's path) or 'fallback:<role>'")


class ChangedValue(BaseModel):
    """One property the change moved, as a reader sees it (labels from the ontology)."""

    model_config = ConfigDict(frozen=True)

    property: str
    label_en: str
    label_zh: str
    old: str | None = None
    new: str | None = None


class AlertMessage(BaseModel):
    """One notification about an alert (raised, raised again, escalated)."""

    model_config = ConfigDict(frozen=True)

    event: AlertEventKind
    alert_id: str
    occurrence: int = Field(description="How often the rule fired on this entity while open.")
    change_id: str
    rule_iri: str
    rule_name: str
    focus_iri: str
    focus_class: str | None
    severity: str
    risk_level: str
    business_area: str | None = None
    title_en: str
    title_zh: str
    message_en: str
    message_zh: str
    accounting_ref: str | None = None
    recommended_review: str | None = None
    notify_roles: list[str]
    routed_to: list[Recipient]
    impact_path: list[str] = Field(description="Human-readable paths from the changed entity.")
    changed_by: dict[str, str] = Field(description="actor, role, source_system, session_id")
    changed_at: str
    browser_url: str
    browser_query: str
    # What a finance reader needs, in both languages (semgraph.alerts.wording):
    rule_label_en: str = ""
    rule_label_zh: str = ""
    customer_name: str | None = None
    contract_number: str | None = None
    amount_at_stake: float | None = Field(
        default=None, description="The contract's value (the revenue at stake), if known."
    )
    currency: str | None = None
    changes: list[ChangedValue] = Field(default_factory=list)
    reason: str = Field(default="", description="Why, as the person who changed it said.")
    recommended_review_zh: str | None = None
    impact_words_en: list[str] = Field(default_factory=list)
    impact_words_zh: list[str] = Field(default_factory=list)
    links: dict[str, str] = Field(
        default_factory=dict,
        description="Signed link to the alert's page per recipient (filled when sent).",
    )

    def for_role(self, role: str) -> bool:
        """Whether a holder of ``role`` is among the audience: a role the rule names, or
        one it was routed to, as fallback (``via`` "fallback:cfo") or on escalation."""
        return role in self.notify_roles or any(
            r.role == role or r.via == f"fallback:{role}" for r in self.routed_to
        )


class Delivery(BaseModel):
    """One delivery of one alert message to one channel target, with its history."""

    id: str
    alert_id: str | None = None
    idempotency_key: str
    channel: str
    target: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    last_error: str | None = None
    event: str | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)


class ClaimedDelivery(BaseModel):
    """A delivery a dispatcher holds a lease on; ``message`` is what to send."""

    id: str
    idempotency_key: str
    channel: str
    target: str
    attempts: int
    message: AlertMessage


class RiskAlert(BaseModel):
    """A stored alert as operators see it (``semgraph alerts show``)."""

    id: str
    status: AlertStatus
    rule_iri: str
    rule_name: str
    focus_iri: str
    focus_class: str | None
    severity: str
    risk_level: str
    title_en: str
    title_zh: str
    message_en: str
    message_zh: str
    accounting_ref: str | None = None
    recommended_review: str | None = None
    count: int
    first_change_id: str
    last_change_id: str
    opened_at: dt.datetime
    last_raised_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    escalated_at: dt.datetime | None = None
    routed_to: list[Recipient] = Field(default_factory=list)
    impact_path: list[str] = Field(default_factory=list)
    browser_url: str = ""
    deliveries: list[Delivery] = Field(default_factory=list)
    rule_label_en: str = ""
    rule_label_zh: str = ""
    customer_name: str | None = None
    contract_number: str | None = None
    amount_at_stake: float | None = None
    currency: str | None = None
    reason: str = ""
    changes: list[ChangedValue] = Field(default_factory=list)
    recommended_review_zh: str | None = None
    impact_words_en: list[str] = Field(default_factory=list)
    impact_words_zh: list[str] = Field(default_factory=list)

    def delivery_summary(self) -> dict[str, int]:
        """``{"webhook:delivered": 1, "email:dead": 1, …}``."""
        out: dict[str, int] = {}
        for d in self.deliveries:
            key = f"{d.channel}:{d.status.value}"
            out[key] = out.get(key, 0) + 1
        return out

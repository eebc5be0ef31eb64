"""Risk alerts: stored in Neo4j with the change that raised them, routed by the ontology's
rules, delivered through an outbox by webhook and e-mail, and streamed live.

Flow: ``ChangePipeline`` → ``AlertOutbox`` (same transaction) → ``AlertDispatcher``
(claim → send → record) → ``WebhookChannel`` / ``EmailChannel``; ``AlertStream`` for
live subscribers; ``AlertStore`` for operators. See docs/alerts.md.
"""

from semgraph.alerts.channels import AlertStream, verify_signature
from semgraph.alerts.dispatcher import AlertDispatcher, RoundReport
from semgraph.alerts.model import (
    AlertMessage,
    AlertStatus,
    Delivery,
    DeliveryStatus,
    Recipient,
    RiskAlert,
)
from semgraph.alerts.outbox import AlertOutbox
from semgraph.alerts.routing import AlertRouter
from semgraph.alerts.service import AlertService
from semgraph.alerts.settings import AlertSettings
from semgraph.alerts.store import AlertStore

__all__ = [
    "AlertDispatcher",
    "AlertMessage",
    "AlertOutbox",
    "AlertRouter",
    "AlertService",
    "AlertSettings",
    "AlertStatus",
    "AlertStore",
    "AlertStream",
    "Delivery",
    "DeliveryStatus",
    "Recipient",
    "RiskAlert",
    "RoundReport",
    "verify_signature",
]

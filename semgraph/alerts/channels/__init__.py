"""Delivery channels: webhook (signed JSON), e-mail (SMTP) and the in-process live stream."""

from semgraph.alerts.channels.base import AlertChannel, DeliveryError
from semgraph.alerts.channels.email import EmailChannel, render_email
from semgraph.alerts.channels.stream import AlertStream
from semgraph.alerts.channels.webhook import WebhookChannel, sign, verify_signature

__all__ = [
    "AlertChannel",
    "AlertStream",
    "DeliveryError",
    "EmailChannel",
    "WebhookChannel",
    "render_email",
    "sign",
    "verify_signature",
]

"""Webhook channel: the alert as JSON, POSTed with an HMAC-SHA256 signature.

Headers a receiver gets:

- ``X-Semgraph-Timestamp``: Unix seconds when the request was signed;
- ``X-Semgraph-Signature``: ``sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``;
- ``Idempotency-Key``: the same on every retry of one delivery; keep the keys you have
  processed and ignore repeats (answer 2xx, or 409), and at-least-once delivery becomes
  exactly-once for you.

Receivers check with ``verify_signature`` (or the same few lines in their language):
the timestamp must be recent, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from semgraph.alerts.channels.base import DeliveryError
from semgraph.alerts.links import AlertLinks
from semgraph.alerts.model import ClaimedDelivery

SIGNATURE_HEADER = "X-Semgraph-Signature"
TIMESTAMP_HEADER = "X-Semgraph-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_RETRYABLE_STATUS = {408, 425, 429}
_ALREADY_RECEIVED = 409  # a receiver may answer a repeated Idempotency-Key with 409


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Semgraph-Signature`` value for ``body`` sent at ``timestamp``."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance_s: float = 300.0,
    now: float | None = None,
) -> bool:
    """True when ``signature`` is ours for this body and the timestamp is within tolerance.

    Compare in constant time; reject a timestamp more than ``tolerance_s`` seconds off
    (replay protection). ``body`` must be the raw bytes received, not re-serialised JSON.
    """
    try:
        sent = float(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookChannel:
    """POSTs to the delivery's target URL; 2xx/409 delivered; other 4xx (not 408/425/429) final."""

    name = "webhook"

    def __init__(
        self, secret: str, timeout_s: float = 5.0, links: AlertLinks | None = None
    ) -> None:
        self._secret = secret.encode()
        self.links = links
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def send(self, delivery: ClaimedDelivery) -> None:
        message = delivery.message
        if self.links is not None:  # one signed page link per recipient, fresh at each send
            message = message.model_copy(
                update={
                    "links": {
                        (r.email or r.iri): self.links.alert_url(message.alert_id, r.email or r.iri)
                        for r in message.routed_to
                    }
                }
            )
        body = json.dumps(
            message.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "semgraph-alerts/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            IDEMPOTENCY_HEADER: delivery.idempotency_key,
            "X-Semgraph-Event": delivery.message.event,
            "X-Semgraph-Attempt": str(delivery.attempts),
        }
        try:
            response = self._client.post(delivery.target, content=body, headers=headers)
        except httpx.HTTPError as exc:  # refused, reset, timeout: the receiver may come back
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if response.is_success or response.status_code == _ALREADY_RECEIVED:
            return
        status = response.status_code
        permanent = 400 <= status < 500 and status not in _RETRYABLE_STATUS
        raise DeliveryError(f"HTTP {status}: {response.text[:200]}", permanent=permanent)

    def close(self) -> None:
        self._client.close()

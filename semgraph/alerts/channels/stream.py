"""``AlertStream``: live alert messages for GraphQL subscriptions (see ``semgraph.live``).

Subscribers filter by role and minimum risk level. Durable delivery is the webhook and
e-mail outbox's job.
"""

from __future__ import annotations

from semgraph.alerts.model import RISK_ORDER, AlertMessage
from semgraph.live import Broadcast, Subscription


class AlertStream(Broadcast[AlertMessage]):
    """Fan-out of ``AlertMessage`` to async subscribers, filtered by role and risk level."""

    def subscribe(  # type: ignore[override]
        self, role: str | None = None, min_severity: str | None = None
    ) -> Subscription[AlertMessage]:
        """Messages for ``role`` (None: all) at or above the risk level ``min_severity``
        (low, medium, high, highest), published after this call::

            async with stream.subscribe(role="finance_lead", min_severity="high") as sub:
                async for message in sub: ...

        Raises:
            ValueError: ``min_severity`` is not a risk level.
            RuntimeError: no running event loop.
        """
        if min_severity is not None and min_severity not in RISK_ORDER:
            raise ValueError(f"min_severity must be one of {', '.join(RISK_ORDER)}")
        floor = RISK_ORDER[min_severity] if min_severity else 0

        def wants(message: AlertMessage) -> bool:
            if role is not None and not message.for_role(role):
                return False
            return RISK_ORDER.get(message.risk_level, 1) >= floor

        return super().subscribe(wants)

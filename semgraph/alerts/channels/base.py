"""What the dispatcher needs from a channel: ``send`` one claimed delivery, or raise."""

from __future__ import annotations

from typing import Protocol

from semgraph.alerts.model import ClaimedDelivery


class DeliveryError(Exception):
    """A send failed. ``permanent``: retrying cannot help (dead-letter now)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class AlertChannel(Protocol):
    name: str

    def send(self, delivery: ClaimedDelivery) -> None:
        """Deliver, or raise ``DeliveryError``; must return within the channel's timeout."""
        ...

    def close(self) -> None: ...

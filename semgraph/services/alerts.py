"""``AlertInbox``: a caller's view of the stored risk alerts — list, get, acknowledge,
resolve.

Who sees which alert: ``admin`` sees every alert; anyone else sees only the alerts routed
to them (``(:RiskAlert)-[:ROUTED_TO]->(:Employee)`` whose ``email`` equals the reader's
e-mail, else the reader's actor, case-insensitively). An alert the reader may not see is
``NotFoundError``, like an unknown id, so its existence is not revealed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from semgraph.alerts.model import Recipient, RiskAlert
from semgraph.alerts.store import AlertStore
from semgraph.exceptions import InvalidInputError, NotFoundError

_ALERT_ID = re.compile(r"^[0-9a-f]{32}$")


class AlertReader(Protocol):
    """Who reads alerts: any object with these (the API's ``Caller`` is one)."""

    @property
    def actor(self) -> str: ...

    @property
    def email(self) -> str | None: ...

    @property
    def is_admin(self) -> bool: ...


def identity(reader: AlertReader) -> str:
    """What the reader is matched against in ``ROUTED_TO`` employees' e-mails."""
    return (reader.email or reader.actor).strip().lower()


def routed_to(recipients: Sequence[Recipient], reader: AlertReader) -> bool:
    """Whether any of the recipients is the reader."""
    who = identity(reader)
    return any((r.email or "").lower() == who for r in recipients)


class AlertInbox:
    """Alerts as one reader sees them; state changes are recorded with the reader's actor."""

    def __init__(self, store: AlertStore) -> None:
        self.store = store

    def list(
        self,
        reader: AlertReader,
        status: str | None = None,
        risk_level: str | None = None,
        limit: int = 50,
    ) -> list[RiskAlert]:
        """Newest first; InvalidInputError for an unknown status."""
        if reader.is_admin:
            return self.store.list(status=status, risk_level=risk_level, limit=limit)
        return self.store.list_routed_to(identity(reader), status, risk_level, limit)

    def get(self, reader: AlertReader, alert_id: str) -> RiskAlert:
        """The alert if the reader may see it, else NotFoundError (same as an unknown id).

        An id is the whole id (no prefixes, which the CLI accepts through the store), and
        an alert routed to someone else is answered exactly as one that does not exist.
        """
        unknown = NotFoundError(f"no alert `{alert_id[:64]}`", hint="riskAlerts lists yours")
        if not _ALERT_ID.match(alert_id):
            raise unknown
        try:
            alert = self.store.get(alert_id)
        except (NotFoundError, InvalidInputError):
            raise unknown from None
        if not reader.is_admin and not routed_to(alert.routed_to, reader):
            raise unknown
        return alert

    def acknowledge(self, reader: AlertReader, alert_id: str, note: str = "") -> RiskAlert:
        """open/escalated → acknowledged (stops escalation)."""
        return self.store.acknowledge(self.get(reader, alert_id).id, reader.actor, note)

    def resolve(self, reader: AlertReader, alert_id: str, note: str = "") -> RiskAlert:
        """→ resolved; the rule firing again opens a new alert."""
        return self.store.resolve(self.get(reader, alert_id).id, reader.actor, note)

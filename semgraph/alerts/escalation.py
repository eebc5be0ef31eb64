"""Escalation: an unacknowledged high-risk alert goes to the routing rule's fallback role.

After ``escalation_minutes`` an alert still ``open`` at a risk level in
``escalate_levels`` becomes ``escalated``; the holders of each notify role's fallback
role (the CFO for a finance lead) are added to its recipients and get an
``alert.escalated`` message. Alerts are locked and re-checked before the change, so two
replicas sweeping at once escalate each alert once.
"""

from __future__ import annotations

import uuid

import neo4j

from semgraph.alerts import queries as q
from semgraph.alerts.model import AlertMessage, Recipient
from semgraph.alerts.outbox import delivery_rows
from semgraph.alerts.routing import AlertRouter
from semgraph.alerts.settings import AlertSettings


class Escalator:
    """``sweep()`` escalates what is due and queues the escalation deliveries."""

    def __init__(
        self, driver: neo4j.Driver, database: str, router: AlertRouter, settings: AlertSettings
    ) -> None:
        self.driver, self.database = driver, database
        self.router, self.settings = router, settings

    def sweep(self, limit: int = 100) -> int:
        """Escalate due alerts; returns how many were escalated."""
        with self.driver.session(database=self.database) as session:
            return session.execute_write(self._work, limit)

    def _work(self, tx: neo4j.ManagedTransaction, limit: int) -> int:
        ids = sorted(
            r["id"]
            for r in tx.run(
                q.DUE_ESCALATIONS,
                levels=self.settings.escalate_levels,
                after_ms=int(self.settings.escalation_minutes * 60_000),
                limit=limit,
            )
        )
        if not ids:
            return 0
        tx.run(q.LOCK_ALERTS, ids=ids, token=uuid.uuid4().hex).consume()
        escalated = [(r["id"], r["message"]) for r in tx.run(q.ESCALATE_LOCKED, ids=ids)]
        for alert_id, raw in escalated:
            if raw is None:
                continue
            last = AlertMessage.model_validate_json(raw)
            recipients: dict[str, Recipient] = {}
            for role in self.router.escalation_roles(last.notify_roles):
                for person in self.router.holders(tx, role, for_role=role, via="escalation"):
                    recipients.setdefault(person.iri, person)
            people = sorted(recipients.values(), key=lambda r: r.iri)
            message = last.model_copy(
                update={"event": "alert.escalated", "routed_to": [*last.routed_to, *people]}
            )
            if people:
                rows = [{"iri": p.iri, "role": p.role, "via": p.via} for p in people]
                tx.run(q.LINK_ESCALATED, alert_id=alert_id, recipients=rows).consume()
            deliveries = delivery_rows(message, people, self.settings)
            if deliveries:
                tx.run(q.CREATE_DELIVERIES, alert_id=alert_id, deliveries=deliveries).consume()
        return len(escalated)

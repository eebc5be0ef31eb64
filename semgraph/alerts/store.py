"""``AlertStore``: what operators do with stored alerts — list, show, acknowledge, resolve."""

from __future__ import annotations

import builtins
import json
from typing import Any

import neo4j

from semgraph.alerts import queries as q
from semgraph.alerts.model import AlertStatus, ChangedValue, Delivery, Recipient, RiskAlert
from semgraph.exceptions import InvalidInputError, NotFoundError


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


def _alert(row: dict[str, Any], deliveries: list[dict[str, Any]], routed: list[Any]) -> RiskAlert:
    a = {k: _native(v) for k, v in row.items()}
    return RiskAlert(
        id=a["id"],
        status=AlertStatus(a["status"]),
        rule_iri=a["ruleIri"],
        rule_name=a["ruleName"],
        focus_iri=a["focusIri"],
        focus_class=a.get("focusClass"),
        severity=a["severity"],
        risk_level=a["riskLevel"],
        title_en=a["titleEn"],
        title_zh=a["titleZh"],
        message_en=a["messageEn"],
        message_zh=a["messageZh"],
        accounting_ref=a.get("accountingRef"),
        recommended_review=a.get("recommendedReview"),
        count=a["count"],
        first_change_id=a["firstChangeId"],
        last_change_id=a["lastChangeId"],
        opened_at=a["openedAt"],
        last_raised_at=a["lastRaisedAt"],
        acknowledged_at=a.get("acknowledgedAt"),
        acknowledged_by=a.get("acknowledgedBy"),
        resolved_at=a.get("resolvedAt"),
        resolved_by=a.get("resolvedBy"),
        escalated_at=a.get("escalatedAt"),
        routed_to=[Recipient(**r) for r in routed if r.get("iri")],
        impact_path=a.get("impactPaths") or [],
        browser_url=a.get("browserUrl") or "",
        deliveries=sorted(
            (_delivery(d, a["id"]) for d in deliveries if d),
            key=lambda d: (d.channel, d.target, d.id),
        ),
        rule_label_en=a.get("ruleLabelEn") or a["ruleName"],
        rule_label_zh=a.get("ruleLabelZh") or a.get("ruleLabelEn") or a["ruleName"],
        customer_name=a.get("customerName"),
        contract_number=a.get("contractNumber"),
        amount_at_stake=a.get("amountAtStake"),
        currency=a.get("currency"),
        reason=a.get("reason") or "",
        changes=[ChangedValue(**c) for c in json.loads(a.get("changesJson") or "[]")],
        recommended_review_zh=a.get("recommendedReviewZh"),
        impact_words_en=a.get("impactWordsEn") or [],
        impact_words_zh=a.get("impactWordsZh") or [],
    )


def _delivery(row: dict[str, Any], alert_id: str) -> Delivery:
    d = {k: _native(v) for k, v in row.items()}
    history = [{k: _native(v) for k, v in h.items()} for h in d.get("history") or []]
    return Delivery(
        id=d["id"],
        alert_id=alert_id,
        idempotency_key=d["idempotencyKey"],
        channel=d["channel"],
        target=d["target"],
        status=d["status"],
        attempts=d["attempts"],
        next_attempt_at=d.get("nextAttemptAt") if d["status"] == "pending" else None,
        delivered_at=d.get("deliveredAt"),
        last_error=d.get("lastError"),
        event=d.get("event"),
        history=history,
    )


def _check_status(status: str | None) -> None:
    if status is not None and status not in {s.value for s in AlertStatus}:
        raise InvalidInputError(
            f"unknown alert status `{status}`",
            hint="use " + ", ".join(s.value for s in AlertStatus),
        )


class AlertStore:
    """Reads and updates stored alerts (no routing, no sending)."""

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        self.driver, self.database = driver, database

    def ensure_schema(self) -> None:
        """Create the alert constraints and indexes (idempotent)."""
        with self.driver.session(database=self.database) as session:
            for stmt in q.SCHEMA:
                session.run(stmt).consume()

    def list(
        self,
        status: str | None = None,
        risk_level: str | None = None,
        delivery_status: str | None = None,
        limit: int = 50,
    ) -> list[RiskAlert]:
        """Newest first; filters: alert status, risk level, any delivery in a status."""
        _check_status(status)
        records = self.driver.execute_query(
            q.LIST_ALERTS,
            status=status,
            risk=risk_level,
            delivery=delivery_status,
            limit=limit,
            database_=self.database,
            routing_=neo4j.RoutingControl.READ,
        ).records
        return [_alert(r["alert"], r["deliveries"], r["routed"]) for r in records]

    def list_routed_to(
        self,
        who: str,
        status: str | None = None,
        risk_level: str | None = None,
        limit: int = 50,
        *,
        open_only: bool = False,
    ) -> builtins.list[RiskAlert]:
        """Newest first, the alerts routed to an employee whose e-mail (any case) or iri is
        ``who``; ``open_only``: not yet resolved."""
        _check_status(status)
        ids = [
            r["id"]
            for r in self.driver.execute_query(
                q.ROUTED_TO_READER,
                who=who,
                status=status,
                risk=risk_level,
                open_only=open_only,
                limit=limit,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
            ).records
        ]
        return [self.get(i) for i in ids]

    def resolve_id(self, id_or_prefix: str) -> str:
        """The full alert id for an id or a unique prefix (at least 6 characters).

        Raises:
            NotFoundError: no alert, or the prefix is ambiguous.
        """
        if len(id_or_prefix) < 6:
            raise InvalidInputError("give at least 6 characters of the alert id")
        ids = [
            r["id"]
            for r in self.driver.execute_query(
                q.FIND_ALERT_IDS, prefix=id_or_prefix, database_=self.database
            ).records
        ]
        if not ids:
            raise NotFoundError(f"no alert `{id_or_prefix}`", hint="see `semgraph alerts list`")
        if len(ids) > 1:
            raise NotFoundError(f"`{id_or_prefix}` matches several alerts", hint="give more of it")
        return str(ids[0])

    def get(self, alert_id: str) -> RiskAlert:
        """One alert with its recipients and each delivery's attempt history."""
        full = self.resolve_id(alert_id)
        record = self.driver.execute_query(q.SHOW_ALERT, id=full, database_=self.database).records[
            0
        ]
        return _alert(record["alert"], record["deliveries"], record["routed"])

    def acknowledge(self, alert_id: str, by: str, note: str = "") -> RiskAlert:
        """open/escalated → acknowledged (stops escalation).

        Raises:
            InvalidInputError: the alert is already acknowledged or resolved.
        """
        return self._transition(q.ACKNOWLEDGE, alert_id, by, note, {"open", "escalated"})

    def resolve(self, alert_id: str, by: str, note: str = "") -> RiskAlert:
        """Any status but resolved → resolved; the rule firing again opens a new alert."""
        allowed = {"open", "escalated", "acknowledged"}
        return self._transition(q.RESOLVE, alert_id, by, note, allowed)

    def _transition(
        self, query: str, alert_id: str, by: str, note: str, allowed: set[str]
    ) -> RiskAlert:
        full = self.resolve_id(alert_id)
        record = self.driver.execute_query(
            query, id=full, by=by, note=note, database_=self.database
        ).records[0]
        if record["was"] not in allowed:
            raise InvalidInputError(
                f"alert {full} is {record['was']}", hint="see `semgraph alerts show " + full + "`"
            )
        return self.get(full)

"""``AlertOutbox``: the pipeline hook that turns Warnings into stored alerts and deliveries.

It runs inside the change's transaction (a ``TxHook``), so the alert, its links and its
pending deliveries commit or roll back together with the change: a committed change
always has its alert, and a refused one never does. Nothing is sent here; the
dispatcher sends what this writes.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from typing import Any

import neo4j

from semgraph.alerts import queries as q
from semgraph.alerts.browser_link import browser_url, impact_view_query
from semgraph.alerts.model import AlertEventKind, AlertMessage, Recipient
from semgraph.alerts.routing import AlertRouter, split_roles
from semgraph.alerts.settings import AlertSettings
from semgraph.changes.model import ChangeSet
from semgraph.changes.pipeline import ChangeResult
from semgraph.ontology.model import Ontology
from semgraph.validation.results import ValidationResult

RISK_ZH = {"low": "低", "medium": "中", "high": "高", "highest": "最高"}
_REMEMBERED_CHANGES = 1000  # after-commit hand-over; a rolled-back change is never taken


def idempotency_key(message: AlertMessage, channel: str, target: str) -> str:
    """Stable per (alert, event, change, channel, target): retries reuse it."""
    raw = "|".join((message.alert_id, message.event, message.change_id, channel, target))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def delivery_rows(
    message: AlertMessage, recipients: list[Recipient], settings: AlertSettings
) -> list[dict[str, Any]]:
    """One pending delivery per webhook URL, and one e-mail per recipient with an address."""
    targets = [("webhook", url) for url in settings.webhook_urls]
    if settings.email_enabled:
        emails = sorted({r.email for r in recipients if r.email})
        targets += [("email", email) for email in emails]
    payload = message.model_dump_json()
    return [
        {
            "id": uuid.uuid4().hex,
            "key": idempotency_key(message, channel, target),
            "channel": channel,
            "target": target,
            "event": message.event,
            "change_id": message.change_id,
            "payload": payload,
        }
        for channel, target in targets
    ]


def rule_name(rule_iri: str) -> str:
    return rule_iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


class AlertOutbox:
    """``TxHook`` for ``ChangePipeline.tx_hooks``; ``take(change_id)`` after the commit."""

    def __init__(
        self,
        ontology: Ontology,
        router: AlertRouter,
        settings: AlertSettings,
        browser_base_url: str,
    ) -> None:
        self.ontology = ontology
        self.router = router
        self.settings = settings
        self.browser_base_url = browser_base_url
        self._raised: OrderedDict[str, list[AlertMessage]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, tx: neo4j.Transaction, change_set: ChangeSet, result: ChangeResult) -> None:
        seen: set[tuple[str, str]] = set()
        messages = []
        for warning in result.warnings:
            if (warning.shape, warning.focus_node) in seen:
                continue  # one alert per rule and entity, however many results it gave
            seen.add((warning.shape, warning.focus_node))
            messages.append(self._raise(tx, change_set, result, warning))
        with self._lock:  # a retried transaction overwrites its own earlier attempt
            self._raised[change_set.id] = messages
            while len(self._raised) > _REMEMBERED_CHANGES:
                self._raised.popitem(last=False)

    def take(self, change_id: str) -> list[AlertMessage]:
        """The messages a committed change raised (once; for the live stream)."""
        with self._lock:
            return self._raised.pop(change_id, [])

    def _raise(
        self,
        tx: neo4j.Transaction,
        change_set: ChangeSet,
        result: ChangeResult,
        w: ValidationResult,
    ) -> AlertMessage:
        ctx = change_set.context
        roles = split_roles(w.notify_role)
        recipients = self.router.route(tx, w.focus_node, roles)
        risk = w.risk_level or "medium"
        name = rule_name(w.shape)
        focus_id = w.focus_node.rsplit("/", 1)[-1]
        what = f"{w.focus_class or 'entity'} {focus_id}"
        titles = {
            "titleEn": f"[{risk} risk] {name}: {what}",
            "titleZh": f"[{RISK_ZH.get(risk, risk)}风险] {name}：{what}",
        }
        impact = sorted(result.impact, key=lambda s: (s["depth"], s["path"]))
        latest = {
            **titles,
            "riskLevel": risk,
            "businessArea": w.business_area,
            "messageEn": w.message_en,
            "messageZh": w.message_zh,
            "accountingRef": w.accounting_ref,
            "recommendedReview": w.recommended_review,
            "notifyRoles": roles,
            "impactPaths": [s["path"] for s in impact],
            "routedTo": [r.email or r.iri for r in recipients],
        }
        first = {
            "id": uuid.uuid4().hex,
            "ruleIri": w.shape,
            "ruleName": name,
            "focusIri": w.focus_node,
            "focusClass": w.focus_class,
            "severity": w.severity,
        }
        record = tx.run(
            q.UPSERT_ALERT,
            change_id=change_set.id,
            rule_iri=w.shape,
            focus_iri=w.focus_node,
            open_key=f"{w.shape}|{w.focus_node}",
            first=first,
            latest=latest,
            impacted=[{"iri": s["iri"], "depth": s["depth"], "path": s["path"]} for s in impact],
            recipients=[{"iri": r.iri, "role": r.role, "via": r.via} for r in recipients],
        ).single(strict=True)
        alert_id, count = record["id"], record["count"]
        query = impact_view_query(alert_id, self.ontology)
        event: AlertEventKind = "alert.raised" if count == 1 else "alert.updated"
        message = AlertMessage(
            event=event,
            alert_id=alert_id,
            occurrence=count,
            change_id=change_set.id,
            rule_iri=w.shape,
            rule_name=name,
            focus_iri=w.focus_node,
            focus_class=w.focus_class,
            severity=w.severity,
            risk_level=risk,
            business_area=w.business_area,
            title_en=titles["titleEn"],
            title_zh=titles["titleZh"],
            message_en=w.message_en,
            message_zh=w.message_zh,
            accounting_ref=w.accounting_ref,
            recommended_review=w.recommended_review,
            notify_roles=roles,
            routed_to=recipients,
            impact_path=latest["impactPaths"],
            changed_by={
                "actor": ctx.actor,
                "role": ctx.role,
                "source_system": ctx.source_system,
                "session_id": ctx.session_id,
            },
            changed_at=ctx.at.isoformat(),
            browser_url=browser_url(self.browser_base_url, query),
            browser_query=query,
        )
        tx.run(
            q.SET_LAST_MESSAGE,
            id=alert_id,
            message=message.model_dump_json(),
            view_query=query,
            url=message.browser_url,
        ).consume()
        rows = delivery_rows(message, recipients, self.settings)
        if rows:
            tx.run(q.CREATE_DELIVERIES, alert_id=alert_id, deliveries=rows).consume()
        return message
